# shellcheck shell=bash
# services.sh - start real Debian servers for sockrec's fixtures, demo and
# end-to-end tests, wait until they answer, and stop them again.
#
#   . scripts/lib/services.sh
#   sr_init nginx-curl            # private temp dir $SR_TMP, cleanup traps
#   sr_start_nginx 27110          # 127.0.0.1:27110 and [::1]:27110
#
# Ports: scenarios use ports below 32768, outside Linux's default
# ephemeral range (32768-60999), so a client connection can never hold one.
#   ...                           # drive clients
#   # everything started is stopped on exit (normal, error, INT, TERM)
#
# Rules every function keeps:
# - Servers run as our own child processes with their state under $SR_TMP,
#   never as system services, on the ports the caller passes (each scenario
#   owns a base port; nothing here picks a well-known port by itself).
# - Traffic goes only to loopback, to network namespaces made here
#   (sr_netns_create, 198.18.X.0/30 test-range addresses) and to containers
#   started here. Every wait and loop is bounded in count and time.
# - Opt-in: a server is started with ADI_PROFILE=$SR_PROFILE and
#   ADI_PROFILE_NAME=<service> in its environment (sr_optin), unless
#   SR_PROFILE is empty. Readiness probes and setup commands run with a
#   clean environment (sr_plain) so they never appear in a capture.
# - Cleanup runs registered actions last-in first-out (sr_on_exit) and never
#   signals a process it did not start.
#
# Functions return non-zero with a message on stderr when something does not
# come up; callers decide whether that is fatal (set -e or || sr_die).

SR_ROOT=${SR_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SR_BUILD=${BUILD:-build}
[[ $SR_BUILD == /* ]] || SR_BUILD=$SR_ROOT/$SR_BUILD
SR_PROFILE=${SR_PROFILE-sockrec-test}
SR_PY=/usr/bin/python3 # Debian's, not a pyenv shim: comm stays python3
SR_WAIT=${SR_WAIT:-30} # seconds any server gets to answer
# Every process started here gets this environment and nothing else (plus
# its opt-in variables and what the caller passes as VAR=VALUE): captures
# then hold a small, known environment, not the recording machine's.
SR_BASE_ENV=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	HOME=/root LANG=C.UTF-8)
SR_TMP=
SR_CLEANUP=()
SR_IN_CLEANUP=0

sr_log() { printf '%s: %s\n' "${SR_NAME:-services}" "$*" >&2; }
sr_die() {
	sr_log "error: $*"
	exit 1
}

# sr_init NAME: makes $SR_TMP (0755 so postgres can reach its data dir) and
# installs the traps. Call once per script, before starting anything.
sr_init() {
	SR_NAME=$1
	[ "$(id -u)" -eq 0 ] || {
		sr_log "must run as root (servers run as their own users, netns, docker)"
		return 1
	}
	SR_TMP=$(mktemp -d "/tmp/sockrec-$SR_NAME.XXXXXX") || return 1
	chmod 0755 "$SR_TMP"
	mkdir -p "$SR_TMP/log" "$SR_TMP/bin"
	trap sr_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

# sr_on_exit CMD...: registers a cleanup action (run last-in first-out).
sr_on_exit() { SR_CLEANUP+=("$*"); }

sr_cleanup() {
	local rc=$? i
	[ "$SR_IN_CLEANUP" = 1 ] && return
	SR_IN_CLEANUP=1
	trap '' INT TERM HUP
	for ((i = ${#SR_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${SR_CLEANUP[i]}" >/dev/null 2>&1 || true
	done
	SR_CLEANUP=()
	if [ -n "$SR_TMP" ] && [ -d "$SR_TMP" ]; then
		sr_umount_under "$SR_TMP"
		if [ "${SR_KEEP:-0}" = 1 ] || { [ $rc -ne 0 ] && [ "${SR_KEEP_ON_FAIL:-0}" = 1 ]; }; then
			sr_log "kept $SR_TMP"
		else
			rm -rf "$SR_TMP"
		fi
	fi
	return $rc
}

# sr_umount_under DIR: unmounts whatever is still mounted below DIR
# (dockerd bind-mounts its data-root onto itself), deepest first.
sr_umount_under() {
	local m
	awk -v d="$1/" 'index($2 "/", d) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
}

# sr_optin NAME: the opt-in variables for a process named NAME, as
# assignments for env(1). Empty when SR_PROFILE is empty.
sr_optin() {
	[ -n "$SR_PROFILE" ] || return 0
	printf 'ADI_PROFILE=%s ADI_PROFILE_NAME=%s' "$SR_PROFILE" "$1"
}

# sr_run NAME [VAR=VALUE...] CMD...: runs CMD in the foreground in the
# base environment, opted in as NAME.
# shellcheck disable=SC2046
sr_run() {
	local name=$1
	shift
	env -i "${SR_BASE_ENV[@]}" $(sr_optin "$name") "$@"
}

# sr_plain [VAR=VALUE...] CMD...: runs CMD in the base environment, not
# opted in (probes, setup, the excluded clients).
sr_plain() { env -i "${SR_BASE_ENV[@]}" "$@"; }

# sr_alive PID: true while PID exists and is not a zombie.
sr_alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$st" ] && [ "$st" != Z ]
}

# sr_stop_pid PID [SIGNAL [TIMEOUT]]: signal, wait up to TIMEOUT s, then KILL.
sr_stop_pid() {
	local pid=$1 sig=${2:-TERM} t=${3:-15} i
	if sr_alive "$pid"; then
		kill -s "$sig" "$pid" 2>/dev/null
		for ((i = 0; i < t * 10; i++)); do
			sr_alive "$pid" || break
			sleep 0.1
		done
		if sr_alive "$pid"; then
			sr_log "pid $pid ignored SIG$sig for ${t}s, killing"
			kill -s KILL "$pid" 2>/dev/null
		fi
	fi
	wait "$pid" 2>/dev/null || true
}

# sr_spawn NAME LOG [VAR=VALUE...] CMD...: starts CMD in the background in
# the base environment, opted in as NAME, output to LOG; sets SR_PID and
# registers its stop. NAME "-" = not opted in.
SR_PID=
# shellcheck disable=SC2046
sr_spawn() {
	local name=$1 log=$2
	shift 2
	# env(1) directly, not a shell function: $! must be the server itself
	if [ "$name" = - ]; then
		env -i "${SR_BASE_ENV[@]}" "$@" >"$log" 2>&1 &
	else
		env -i "${SR_BASE_ENV[@]}" $(sr_optin "$name") "$@" >"$log" 2>&1 &
	fi
	SR_PID=$!
	sr_on_exit "sr_stop_pid $SR_PID ${SR_STOPSIG:-TERM}"
}

# sr_wait_until TIMEOUT CMD...: runs CMD (quietly) every 0.2 s until it
# succeeds or TIMEOUT seconds pass.
sr_wait_until() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 5; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# sr_tcp_open HOST PORT: true when a TCP connect succeeds (bash /dev/tcp).
sr_tcp_open() {
	sr_plain timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# sr_wait_port HOST PORT [TIMEOUT]
sr_wait_port() {
	sr_wait_until "${3:-$SR_WAIT}" sr_tcp_open "$1" "$2" || {
		sr_log "nothing answers on $1 port $2 after ${3:-$SR_WAIT}s"
		return 1
	}
}

# sr_wait_port_pid PID HOST PORT [TIMEOUT]: sr_wait_port that gives up as
# soon as PID has exited.
sr_wait_port_pid() {
	local pid=$1 t=${4:-$SR_WAIT} i
	for ((i = 0; i < t * 5; i++)); do
		sr_tcp_open "$2" "$3" && return 0
		sr_alive "$pid" || {
			sr_log "pid $pid exited before $2 port $3 answered"
			return 1
		}
		sleep 0.2
	done
	sr_log "nothing answers on $2 port $3 after ${t}s"
	return 1
}

# sr_port_free PORT: true when no TCP socket holds PORT as its local port
# (a listener, or a client connection that got it as its ephemeral port);
# TIME_WAIT does not count: servers bind with SO_REUSEADDR.
sr_port_free() { ! ss -Htan exclude time-wait "sport = :$1" | grep -q .; }

sr_need_ports() {
	local p
	for p in "$@"; do
		sr_port_free "$p" || {
			sr_log "port $p is already in use; pick another base port"
			return 1
		}
	done
}

# sr_fail_log NAME LOG: prints the tail of a server log after a failed start.
sr_fail_log() {
	sr_log "$1 did not come up; last lines of $2:"
	tail -n 20 "$2" >&2 2>/dev/null
	return 1
}

# ---------------------------------------------------------------- nginx

# sr_start_nginx PORT [NAME]: nginx on 127.0.0.1:PORT and [::1]:PORT with
#   /               static index.html (ETag: If-None-Match gives 304)
#   /api/hello      200 JSON from `return`
#   /api/echo       POST: echoes the request body (chunked response)
#   /api/stream     chunked response in three flushed parts
#   /api/upload     reads any body (up to 4 MiB), answers "stored"
#   /api/empty      204
#   /static/big.bin 200000 bytes, written with write() (sendfile off)
#   anything else   404
sr_start_nginx() {
	local port=$1 name=${2:-nginx} d=$SR_TMP/nginx
	sr_need_ports "$port" || return 1
	mkdir -p "$d/html/static" "$d/tmp"
	printf '<!doctype html>\n<title>sockrec fixture</title>\n<p>hello from nginx</p>\n' >"$d/html/index.html"
	# a fixed mtime keeps the ETag the same on every run
	touch -d '2024-01-01 00:00:00 UTC' "$d/html/index.html"
	"$SR_PY" -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + i // 251) & 0xff for i in range(200000)))' \
		>"$d/html/static/big.bin"
	cat >"$d/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
# a worker keeps only the variables named here: its opt-in, as a user's
# nginx.conf would say (sockrec reads it from the live environment)
env ADI_PROFILE;
env ADI_PROFILE_NAME;
load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
events { worker_connections 64; }
http {
	access_log $d/access.log;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	types { text/html html; application/json json; application/octet-stream bin; }
	default_type application/octet-stream;
	sendfile off;
	gzip off;
	server_tokens off;
	keepalive_timeout 10s;
	client_max_body_size 4m;
	server {
		listen 127.0.0.1:$port;
		listen [::1]:$port;
		root $d/html;
		etag on;
		location = / { index index.html; }
		location = /index.html { }
		location /static/ { }
		location = /api/hello {
			default_type application/json;
			return 200 '{"hello":"world","n":1}\n';
		}
		location = /api/echo {
			default_type application/json;
			echo_read_request_body;
			echo_request_body;
		}
		location = /api/stream {
			default_type text/plain;
			echo "part 1";
			echo_flush;
			echo_sleep 0.05;
			echo "part 2";
			echo_flush;
			echo_sleep 0.05;
			echo "part 3";
		}
		location = /api/upload {
			default_type text/plain;
			echo_read_request_body;
			echo "stored";
		}
		location = /api/empty { return 204; }
		location / { return 404; }
	}
}
EOF
	sr_spawn "$name" "$SR_TMP/log/nginx.log" nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log"
	SR_NGINX_PID=$SR_PID
	# a bare connect, not a request: a capture running now sees as little
	# of the probe as possible
	sr_wait_port_pid "$SR_PID" 127.0.0.1 "$port" && sr_wait_port_pid "$SR_PID" ::1 "$port" ||
		sr_fail_log nginx "$d/error.log"
}

# ---------------------------------------------------------------- PostgreSQL

SR_PG_BIN=${SR_PG_BIN:-/usr/lib/postgresql/15/bin}

# sr_start_postgres PORT [NAME]: PostgreSQL 15 on 127.0.0.1:PORT (socket in
# $SR_TMP/pg), run as user postgres. Local socket: trust; TCP: scram with
# role app / password $SR_PG_PASSWORD, database app.
SR_PG_PASSWORD=fixture-pg-pass
sr_start_postgres() {
	local port=$1 name=${2:-postgres} d=$SR_TMP/pg
	sr_need_ports "$port" || return 1
	mkdir -p "$d"
	chown postgres:postgres "$d"
	printf '%s\n' "$SR_PG_PASSWORD" >"$d/pw"
	chown postgres "$d/pw"
	sr_plain setpriv --reuid=postgres --regid=postgres --init-groups \
		"$SR_PG_BIN/initdb" -D "$d/data" -U postgres --auth-local=trust \
		--auth-host=scram-sha-256 --no-sync -E UTF8 --locale=C.UTF-8 \
		>"$SR_TMP/log/initdb.log" 2>&1 || sr_fail_log initdb "$SR_TMP/log/initdb.log" || return 1
	sr_spawn "$name" "$SR_TMP/log/postgres.log" setpriv --reuid=postgres --regid=postgres --init-groups \
		"$SR_PG_BIN/postgres" -D "$d/data" -k "$d" -p "$port" \
		-c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB \
		-c max_connections=20 -c logging_collector=off -c ssl=off
	SR_PG_PID=$SR_PID
	# fast shutdown on TERM is postgres's "smart" mode; INT is fast
	SR_CLEANUP[${#SR_CLEANUP[@]} - 1]="sr_stop_pid $SR_PID INT"
	sr_wait_until "$SR_WAIT" sr_plain "$SR_PG_BIN/pg_isready" -q -h "$d" -p "$port" ||
		sr_fail_log postgres "$SR_TMP/log/postgres.log" || return 1
	sr_plain psql -X -q -h "$d" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
		-c "CREATE ROLE app LOGIN PASSWORD '$SR_PG_PASSWORD'" \
		-c "CREATE DATABASE app OWNER app" >>"$SR_TMP/log/initdb.log" 2>&1 ||
		sr_fail_log "postgres setup" "$SR_TMP/log/initdb.log"
}

# sr_psql_tcp NAME PORT SQL...: psql over TCP as role app, opted in as NAME.
sr_psql_tcp() {
	local name=$1 port=$2
	shift 2
	local args=() s
	for s in "$@"; do args+=(-c "$s"); done
	sr_run "$name" PGPASSWORD="$SR_PG_PASSWORD" psql -X -h 127.0.0.1 -p "$port" -U app -d app \
		-v ON_ERROR_STOP=1 "${args[@]}"
}

# ---------------------------------------------------------------- MariaDB

# sr_start_mariadb PORT [NAME]: MariaDB on 127.0.0.1:PORT, socket
# $SR_TMP/mysql/sock. User app@127.0.0.1 / $SR_MY_PASSWORD, database app.
SR_MY_PASSWORD=fixture-my-pass
sr_start_mariadb() {
	local port=$1 name=${2:-mariadb} d=$SR_TMP/mysql
	sr_need_ports "$port" || return 1
	mkdir -p "$d/data"
	sr_plain mariadb-install-db --no-defaults --datadir="$d/data" --user=root \
		--auth-root-authentication-method=normal --skip-test-db \
		>"$SR_TMP/log/mariadb-install.log" 2>&1 ||
		sr_fail_log mariadb-install-db "$SR_TMP/log/mariadb-install.log" || return 1
	sr_spawn "$name" "$SR_TMP/log/mariadb.log" mariadbd --no-defaults --datadir="$d/data" \
		--socket="$d/sock" --port="$port" --bind-address=127.0.0.1 --user=root \
		--pid-file="$d/mariadb.pid" --skip-log-bin --innodb-buffer-pool-size=16M \
		--skip-name-resolve --max-connections=20 --log-error="$SR_TMP/log/mariadb.log"
	SR_MY_PID=$SR_PID
	sr_wait_until "$SR_WAIT" sr_plain mariadb-admin --no-defaults -S "$d/sock" -u root ping ||
		sr_fail_log mariadb "$SR_TMP/log/mariadb.log" || return 1
	sr_plain mysql --no-defaults -S "$d/sock" -u root -e \
		"CREATE DATABASE app; CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY '$SR_MY_PASSWORD'; GRANT ALL ON app.* TO 'app'@'127.0.0.1';" \
		>>"$SR_TMP/log/mariadb-install.log" 2>&1 ||
		sr_fail_log "mariadb setup" "$SR_TMP/log/mariadb-install.log"
}

# sr_mysql_tcp NAME PORT SQL: mysql client over TCP as app, opted in as NAME.
# The password travels in MYSQL_PWD (the client's own variable).
sr_mysql_tcp() {
	sr_run "$1" MYSQL_PWD="$SR_MY_PASSWORD" mysql --no-defaults -h 127.0.0.1 -P "$2" -u app app -e "$3"
}

# ---------------------------------------------------------------- Redis

sr_start_redis() { # PORT [NAME]
	local port=$1 name=${2:-redis}
	sr_need_ports "$port" || return 1
	mkdir -p "$SR_TMP/redis"
	# readiness is probed over a unix socket, which a capture never sees
	sr_spawn "$name" "$SR_TMP/log/redis.log" redis-server --port "$port" --bind 127.0.0.1 \
		--save '' --appendonly no --dir "$SR_TMP/redis" --daemonize no --protected-mode yes \
		--unixsocket "$SR_TMP/redis/sock" --logfile ''
	SR_REDIS_PID=$SR_PID
	sr_wait_until "$SR_WAIT" sr_plain redis-cli -s "$SR_TMP/redis/sock" ping ||
		sr_fail_log redis "$SR_TMP/log/redis.log"
}

# ---------------------------------------------------------------- memcached

sr_start_memcached() { # PORT [NAME]
	local port=$1 name=${2:-memcached}
	sr_need_ports "$port" || return 1
	sr_spawn "$name" "$SR_TMP/log/memcached.log" memcached -l 127.0.0.1 -p "$port" -U 0 \
		-u root -m 16 -c 64 -t 1
	SR_MEMCACHED_PID=$SR_PID
	sr_wait_until "$SR_WAIT" sr_plain "$SR_PY" "$SR_ROOT/tests/servers/clients/memcache_client.py" \
		--port "$port" --ping ||
		sr_fail_log memcached "$SR_TMP/log/memcached.log"
}

# ---------------------------------------------------------------- NATS

sr_start_nats() { # PORT [NAME]
	local port=$1 name=${2:-nats}
	sr_need_ports "$port" || return 1
	sr_spawn "$name" "$SR_TMP/log/nats.log" nats-server -a 127.0.0.1 -p "$port" \
		-n "sockrec-$SR_NAME"
	SR_NATS_PID=$SR_PID
	sr_wait_until "$SR_WAIT" sr_plain "$SR_PY" "$SR_ROOT/tests/servers/clients/nats_client.py" \
		--port "$port" ping ||
		sr_fail_log nats "$SR_TMP/log/nats.log"
}

# ---------------------------------------------------------------- Go programs

# sr_build_go PKG: builds tests/servers/PKG with Debian's go (standard
# library only, offline) into $SR_TMP/bin/PKG-server (or PKG when PKG already
# ends in a role name); prints the binary path. The build cache lives in
# $BUILD/go-cache so repeated runs take a second.
sr_build_go() {
	local pkg=$1 out=$SR_TMP/bin/${2:-$1}
	mkdir -p "$SR_BUILD/go-cache"
	(cd "$SR_ROOT/tests/servers" &&
		sr_plain env GOCACHE="$SR_BUILD/go-cache" GOPATH="$SR_TMP/gopath" GOPROXY=off \
			GOFLAGS= GO111MODULE=on CGO_ENABLED=0 go build -trimpath -o "$out" "./$pkg") \
		>"$SR_TMP/log/go-build-$pkg.log" 2>&1 ||
		sr_fail_log "go build ./$pkg" "$SR_TMP/log/go-build-$pkg.log" || return 1
	printf '%s\n' "$out"
}

# sr_start_pprof NAME MODE ADDR [ARGS...]: the Go pprof server
# (tests/servers/pprof) as process NAME; waits for ADDR (and -debug-addr).
# Extra ARGS go to the program (-debug-addr, -prefix, fake secret flags).
sr_start_pprof() {
	local name=$1 mode=$2 addr=$3 bin host port
	shift 3
	bin=$(sr_build_go pprof pprof-server) || return 1
	port=${addr##*:}
	sr_need_ports "$port" || return 1
	sr_spawn "$name" "$SR_TMP/log/$name.log" "$bin" -mode "$mode" -addr "$addr" "$@"
	host=${addr%:*}
	[ "$host" = 0.0.0.0 ] && host=127.0.0.1
	sr_wait_port_pid "$SR_PID" "$host" "$port" || sr_fail_log "$name" "$SR_TMP/log/$name.log" || return 1
	local a
	for a in "$@"; do
		case $a in
		*.*:[0-9]*) sr_wait_port_pid "$SR_PID" "${a%:*}" "${a##*:}" || return 1 ;;
		esac
	done
}

# ---------------------------------------------------------------- netns peer

# sr_netns_create X: a network namespace with one veth to this host.
# Host end 198.18.X.1/30, peer end 198.18.X.2/30 (RFC 2544 test range).
# Sets SR_NS (name), SR_NS_HOST_IP, SR_NS_PEER_IP. Traffic can only flow
# between the two ends: the namespace has no other interface and no route.
sr_netns_create() {
	local x=$1 tag
	tag=$(printf '%x' $(($$ % 65536)))
	SR_NS=srpeer$tag$x
	SR_NS_HOST_IF=srh$tag$x
	SR_NS_PEER_IF=srp$tag$x
	SR_NS_HOST_IP=198.18.$x.1
	SR_NS_PEER_IP=198.18.$x.2
	if ip -br addr | grep -qw "$SR_NS_HOST_IP/30"; then
		sr_log "198.18.$x.0/30 is already in use on this host; pick another X"
		return 1
	fi
	ip netns add "$SR_NS" || return 1
	sr_on_exit "ip netns del $SR_NS"
	ip link add "$SR_NS_HOST_IF" type veth peer name "$SR_NS_PEER_IF" || return 1
	sr_on_exit "ip link del $SR_NS_HOST_IF"
	ip link set "$SR_NS_PEER_IF" netns "$SR_NS" &&
		ip addr add "$SR_NS_HOST_IP/30" dev "$SR_NS_HOST_IF" &&
		ip link set "$SR_NS_HOST_IF" up &&
		ip -n "$SR_NS" addr add "$SR_NS_PEER_IP/30" dev "$SR_NS_PEER_IF" &&
		ip -n "$SR_NS" link set "$SR_NS_PEER_IF" up &&
		ip -n "$SR_NS" link set lo up || return 1
	# no ping on a minimal system: wait for both ends to report carrier
	sr_wait_until 10 sr_link_up "$SR_NS_HOST_IF" && sr_wait_until 10 sr_link_up "$SR_NS_PEER_IF" "$SR_NS" || {
		sr_log "veth $SR_NS_HOST_IF/$SR_NS_PEER_IF did not come up"
		return 1
	}
}

# sr_link_up IFACE [NETNS]: true when IFACE has carrier.
sr_link_up() { ip ${2:+-n "$2"} -br link show dev "$1" 2>/dev/null | grep -q 'LOWER_UP'; }

# sr_ns CMD...: runs CMD inside the peer namespace, not opted in.
sr_ns() { sr_plain ip netns exec "$SR_NS" "$@"; }
# sr_ns_run NAME CMD...: runs CMD inside the peer namespace, opted in as NAME.
sr_ns_run() {
	local name=$1
	shift
	sr_run "$name" ip netns exec "$SR_NS" "$@"
}

# ---------------------------------------------------------------- Docker

SR_DOCKER=/usr/bin/docker # Debian's client; /usr/local/bin may hold another
SR_IMAGE=sockrec-busybox:local

# sr_start_dockerd X: a private Docker engine (own data-root, exec-root,
# socket, vfs storage, no iptables/NAT) and a bridge network srnet with
# subnet 198.18.X.0/24, gateway 198.18.X.1 on bridge srbr<X>; imports
# $SR_IMAGE from a busybox-static rootfs. Sets SR_DOCKER_SOCK, SR_DOCKER_NET,
# SR_DOCKER_GW.
sr_start_dockerd() {
	local x=$1 d=$SR_TMP/docker
	mkdir -p "$d/root" "$d/exec"
	SR_DOCKER_SOCK=$d/docker.sock
	SR_DOCKER_NET=srnet
	SR_DOCKER_BR=srbr$x
	SR_DOCKER_GW=198.18.$x.1
	SR_DOCKER_SUBNET=198.18.$x.0/24
	if ip link show "$SR_DOCKER_BR" >/dev/null 2>&1; then
		sr_log "bridge $SR_DOCKER_BR exists already (another run?); pick another X"
		return 1
	fi
	SR_STOPSIG=TERM sr_spawn - "$SR_TMP/log/dockerd.log" dockerd \
		--data-root "$d/root" --exec-root "$d/exec" -H "unix://$SR_DOCKER_SOCK" \
		--pidfile "$d/dockerd.pid" --bridge=none --iptables=false --ip6tables=false \
		--ip-forward=false --ip-masq=false --storage-driver=vfs --log-level=warn \
		--userland-proxy=false --no-new-privileges=false
	SR_DOCKERD_PID=$SR_PID
	sr_wait_until 60 sr_docker version || sr_fail_log dockerd "$SR_TMP/log/dockerd.log" || return 1
	sr_docker network create --driver bridge --subnet "$SR_DOCKER_SUBNET" --gateway "$SR_DOCKER_GW" \
		-o "com.docker.network.bridge.name=$SR_DOCKER_BR" "$SR_DOCKER_NET" >/dev/null || return 1
	sr_on_exit "sr_docker network rm $SR_DOCKER_NET"
	# With br_netfilter on, bridged frames pass the host's FORWARD chain
	# (policy DROP here): allow container-to-container on our bridge only.
	if iptables -S FORWARD >/dev/null 2>&1; then
		iptables -I FORWARD -i "$SR_DOCKER_BR" -o "$SR_DOCKER_BR" -j ACCEPT &&
			sr_on_exit "iptables -D FORWARD -i $SR_DOCKER_BR -o $SR_DOCKER_BR -j ACCEPT"
	fi
	sr_docker_image || return 1
}

sr_docker() { sr_plain "$SR_DOCKER" -H "unix://$SR_DOCKER_SOCK" "$@"; }

# sr_docker_image: $SR_IMAGE = /bin/busybox (static) + applet links + /www.
sr_docker_image() {
	local r=$SR_TMP/docker/rootfs a
	mkdir -p "$r/bin" "$r/www/api" "$r/tmp" "$r/etc"
	cp /bin/busybox "$r/bin/busybox"
	for a in sh httpd wget sleep cat echo ls ps seq date hostname; do
		ln -sf busybox "$r/bin/$a"
	done
	printf 'root:x:0:0:root:/:/bin/sh\n' >"$r/etc/passwd"
	printf '<p>web container</p>\n' >"$r/www/index.html"
	printf '{"items":[{"sku":"A-1","price":3.5},{"sku":"B-2","price":7}],"source":"web"}\n' \
		>"$r/www/api/catalog.json"
	tar -C "$r" -c . | sr_docker import -c 'ENV PATH=/bin' - "$SR_IMAGE" >/dev/null ||
		{ sr_log "docker import failed"; return 1; }
}

# sr_docker_run NAME SERVICE IP [docker-run ARGS...] -- CMD...: a detached
# container on srnet with compose labels (project sockrec-$SR_NAME) opted in
# as SERVICE; removed on exit.
sr_docker_run() {
	local cname=$1 service=$2 ip=$3 args=() optin=()
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	[ "${1:-}" = -- ] && shift
	[ -n "$SR_PROFILE" ] && optin=(-e "ADI_PROFILE=$SR_PROFILE" -e "ADI_PROFILE_NAME=$service")
	sr_docker run -d --name "$cname" --network "$SR_DOCKER_NET" --ip "$ip" \
		-l "com.docker.compose.service=$service" -l "com.docker.compose.project=${SR_COMPOSE_PROJECT:-demo}" \
		"${optin[@]}" "${args[@]}" "$SR_IMAGE" "$@" >/dev/null || return 1
	sr_on_exit "sr_docker rm -f $cname"
}

# ---------------------------------------------------------------- capture

# sr_capture_start OUT [SOCKREC-ARGS...]: starts $SR_BUILD/sockrec -w OUT -q
# (with --allow $SR_PROFILE when set) and waits for its "sockrec: capturing"
# line. Sets SR_CAPTURE_PID, SR_CAPTURE_LOG. The capture itself is never a
# target. Stopped with SIGINT on exit if sr_capture_stop was not called.
sr_capture_start() {
	local out=$1 i allow=()
	shift
	[ -x "$SR_BUILD/sockrec" ] || {
		sr_log "$SR_BUILD/sockrec is missing: run make"
		return 1
	}
	[ -n "$SR_PROFILE" ] && allow=(--allow "$SR_PROFILE")
	# one log per capture, empty before the process starts: a previous
	# capture's "capturing" line must never be taken for this one's
	SR_CAPTURE_LOG=$(mktemp "$SR_TMP/log/sockrec.XXXXXX") || return 1
	env -i "${SR_BASE_ENV[@]}" "$SR_BUILD/sockrec" -w "$out" -q "${allow[@]}" "$@" 2>"$SR_CAPTURE_LOG" &
	SR_CAPTURE_PID=$!
	sr_on_exit "sr_stop_pid $SR_CAPTURE_PID INT 60"
	for ((i = 0; i < 600; i++)); do
		grep -q '^sockrec: capturing' "$SR_CAPTURE_LOG" 2>/dev/null && return 0
		sr_alive "$SR_CAPTURE_PID" || break
		sleep 0.1
	done
	sr_log "sockrec did not start capturing:"
	sed 's/^/  | /' "$SR_CAPTURE_LOG" >&2
	return 1
}

# sr_capture_stop: SIGINT, wait (60 s at most) for the archive to be
# closed; returns sockrec's exit status (0 = clean stop).
sr_capture_stop() {
	local i rc
	[ -n "${SR_CAPTURE_PID:-}" ] || return 1
	kill -INT "$SR_CAPTURE_PID" 2>/dev/null
	for ((i = 0; i < 600; i++)); do
		sr_alive "$SR_CAPTURE_PID" || break
		sleep 0.1
	done
	if sr_alive "$SR_CAPTURE_PID"; then
		sr_log "sockrec did not stop within 60 s of SIGINT"
		kill -KILL "$SR_CAPTURE_PID" 2>/dev/null
	fi
	wait "$SR_CAPTURE_PID"
	rc=$?
	SR_CAPTURE_PID=
	[ $rc -eq 0 ] || {
		sr_log "sockrec exited with status $rc:"
		sed 's/^/  | /' "$SR_CAPTURE_LOG" >&2
	}
	return $rc
}
