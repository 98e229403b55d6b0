#!/usr/bin/env bash
# Re-records sockrec's real-traffic fixtures: starts real Debian servers on
# loopback (scripts/lib/services.sh), captures with build/sockrec while real
# clients talk to them, and writes
#
#   fixtures/<scenario>/capture.srz        the archive (what the tests read)
#   fixtures/<scenario>/capture.pcapng     the same, converted (when the
#                                          analyzer has `convert`)
#   fixtures/<scenario>/expected/*.draft   the analyzer's current outputs
#
# The drafts are NOT expected outputs until a person has checked them
# against what the scenario below did (methods, urls, statuses, bodies,
# protocols, counts, names, directions) and renamed them (dropping .draft),
# correcting by hand what the analyzer got wrong. fixtures/<scenario>/NOTES
# says what each scenario did, for that check. --bless renames drafts
# without reading them: only for a scenario whose outputs you just checked.
#
#   scripts/record-fixtures.sh                 every scenario
#   scripts/record-fixtures.sh nginx-curl redis
#   scripts/record-fixtures.sh --list
#   scripts/record-fixtures.sh --redraft [SCENARIO...]   no recording: the
#       current analyzer's outputs for the existing archives as *.draft,
#       kept only where they differ from the checked expected files
#
# Root only. Each scenario owns a base port (below) and, where it needs
# them, its own 198.18.X.0 test-range addresses; it talks only to loopback,
# its own network namespace and its own containers.
set -euo pipefail
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
SR_PROFILE=sockrec-fixture # --allow value: other tests' targets stay out
. scripts/lib/services.sh

ANALYZE=$SR_BUILD/sockrec-analyze
SCENARIOS=(nginx-curl postgres mariadb redis memcached nats go-pprof go-pprof-private
	go-pprof-prefix secrets docker)

# what every scenario does, one line each, also written to its NOTES file
declare -A ABOUT=(
	[nginx-curl]="nginx 1.22 + curl 7.88 + a raw-socket pipelining client, snaplen 1024"
	[postgres]="PostgreSQL 15 + psql over TCP (scram-sha-256), SSLRequest then startup"
	[mariadb]="MariaDB 10.11 + mysql client over TCP (server speaks first)"
	[redis]="Redis 7 + redis-cli (RESP)"
	[memcached]="memcached 1.6 + a python3 client, text and binary protocol"
	[nats]="nats-server 2.9 + python3 publisher and subscriber (server speaks first)"
	[go-pprof]="Go net/http/pprof on the default mux on 0.0.0.0, scraped from a netns peer and loopback"
	[go-pprof-private]="Go app on 0.0.0.0, pprof on a private 127.0.0.1 listener (seed 000 safe pattern)"
	[go-pprof-prefix]="Go pprof handlers under /internal/dbg/ on the app mux, scraped from a netns peer"
	[secrets]="curl with a secret env var, Basic, Bearer, X-API-Key and Cookie headers to nginx"
	[docker]="two busybox containers on a private Docker engine, compose labels, one calls the other"
)

# ------------------------------------------------------------ scenarios
# Each starts the capture when it calls `capture`. Servers started before
# it are found by sockrec's /proc scan; clients started after it are
# decided at exec. nginx, PostgreSQL and Redis start after the capture: they
# overwrite their environ area with the process title (setproctitle), so
# /proc/PID/environ of an nginx worker, a postgres backend or redis no longer
# shows ADI_PROFILE and the scan cannot find them (a forked child of a
# target started under the capture inherits in the kernel). MariaDB,
# memcached, nats-server and the Go servers start before it.

curl_() { sr_run curl curl -sS --max-time 20 "$@"; }

scenario_nginx-curl() {
	local p=47100 u etag
	u=http://127.0.0.1:$p
	capture -s 1024
	sr_start_nginx $p nginx
	curl_ -o /dev/null "$u/"
	curl_ -H 'Content-Type: application/json' \
		--data '{"user":"alice","items":[1,2,3],"total":9.5}' "$u/api/echo"
	# keep-alive: three requests on one connection, the last one chunked
	curl_ "$u/api/hello" "$u/api/hello?second=1" "$u/api/stream"
	# chunked request body
	curl_ -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json' \
		--data-binary '{"chunked":true}' "$u/api/echo"
	# pipelining: three requests in one write from a raw socket
	sr_run pipeline "$SR_PY" tests/servers/clients/http_pipeline.py 127.0.0.1 $p \
		/api/hello /index.html /nope >/dev/null
	# 200000-byte response cut at the 1024-byte snaplen, then a small
	# request on the same connection (the parser must resynchronise)
	curl_ -o /dev/null "$u/static/big.bin" -o /dev/null "$u/api/hello?after=big"
	# 300000-byte upload with Expect: 100-continue (a 100 before the 200)
	head -c 300000 /dev/zero | tr '\0' 'x' |
		curl_ -H 'Expect: 100-continue' -H 'Content-Type: text/plain' --data-binary @- "$u/api/upload"
	etag=$(curl_ -I "$u/index.html" | tr -d '\r' | sed -n 's/^ETag: //p')
	curl_ -o /dev/null -H "If-None-Match: $etag" "$u/index.html"
	curl_ -o /dev/null "$u/api/empty"
	curl_ -o /dev/null "$u/nope"
	curl_ -g "http://[::1]:$p/api/hello?v6=1"
	# excluded: no ADI_PROFILE; ADI_PROFILE_DISABLED=1; a value not allowed
	sr_plain curl -sS -o /dev/null "$u/api/hello?client=plain"
	sr_plain ADI_PROFILE=$SR_PROFILE ADI_PROFILE_DISABLED=1 curl -sS -o /dev/null "$u/api/hello?client=disabled"
	sr_plain ADI_PROFILE=not-allowed curl -sS -o /dev/null "$u/api/hello?client=not-allowed"
}

scenario_postgres() {
	local p=47110
	capture
	sr_start_postgres $p postgres
	sr_psql_tcp psql $p \
		"CREATE TABLE items (id int PRIMARY KEY, name text, price numeric)" \
		"INSERT INTO items VALUES (1, 'widget', 3.50), (2, 'gadget', 7.00)" \
		"SELECT id, name, price FROM items ORDER BY id"
	# an error the server must report; sslmode=disable: no SSLRequest first
	sr_run psql PGPASSWORD=$SR_PG_PASSWORD PGSSLMODE=disable psql -X -h 127.0.0.1 -p $p -U app -d app \
		-c "SELECT * FROM no_such_table" >/dev/null 2>&1 || true
	sr_plain PGPASSWORD=$SR_PG_PASSWORD psql -X -h 127.0.0.1 -p $p -U app -d app \
		-c "SELECT 'excluded client'" >/dev/null
}

scenario_mariadb() {
	local p=47120
	sr_start_mariadb $p mariadb
	capture
	sr_mysql_tcp mysql $p "CREATE TABLE items (id INT PRIMARY KEY, name TEXT);
		INSERT INTO items VALUES (1, 'widget'), (2, 'gadget');
		SELECT id, name FROM items ORDER BY id;"
	sr_mysql_tcp mysql $p "SELECT * FROM no_such_table" >/dev/null 2>&1 || true
	sr_plain MYSQL_PWD=$SR_MY_PASSWORD mysql --no-defaults -h 127.0.0.1 -P $p -u app app \
		-e "SELECT 'excluded client'" >/dev/null
}

scenario_redis() {
	local p=47130 r
	capture
	sr_start_redis $p redis # after the capture: redis-server sets its title too
	r() { sr_run redis-cli redis-cli -h 127.0.0.1 -p $p "$@"; }
	r SET fixture:greeting hello
	r GET fixture:greeting
	r INCRBY fixture:counter 5
	r RPUSH fixture:list a b c
	r LRANGE fixture:list 0 -1
	r HSET fixture:user name alice age 30
	r HGETALL fixture:user
	r GET fixture:missing
	# several commands on one connection
	printf 'PING\nEXISTS fixture:greeting\nDEL fixture:greeting fixture:list\n' |
		sr_run redis-cli redis-cli -h 127.0.0.1 -p $p
	sr_plain redis-cli -h 127.0.0.1 -p $p GET excluded:client >/dev/null
}

scenario_memcached() {
	local p=47140 c=tests/servers/clients/memcache_client.py
	sr_start_memcached $p memcached
	capture
	sr_run memcache-text "$SR_PY" $c --port $p text
	sr_run memcache-binary "$SR_PY" $c --port $p binary
	sr_plain "$SR_PY" $c --port $p --ping
}

scenario_nats() {
	local p=47150 c=tests/servers/clients/nats_client.py sub
	sr_start_nats $p nats
	capture
	sr_run nats-sub "$SR_PY" $c --port $p --name fixture-sub sub orders.created 2 >"$SR_TMP/log/sub.log" 2>&1 &
	sub=$!
	sr_wait_until 10 grep -q subscribed "$SR_TMP/log/sub.log"
	sr_run nats-pub "$SR_PY" $c --port $p --name fixture-pub pub orders.created \
		'{"id":1,"item":"widget"}' '{"id":2,"item":"gadget"}'
	wait $sub
}

# every endpoint net/http/pprof serves, as ?query-suffixed paths
PPROF_ALL=("" "goroutine?debug=1" "goroutine?debug=2" heap allocs threadcreate block mutex
	"profile?seconds=1" "trace?seconds=1" symbol cmdline)

scenario_go-pprof() {
	local p=47160 u e
	sr_netns_create 221
	sr_start_pprof inventory exposed 0.0.0.0:$p -session-secret=fixture-session-secret
	capture
	# the app, from loopback
	u=http://127.0.0.1:$p
	sr_run app-client curl -sS -o /dev/null "$u/" -o /dev/null "$u/api/items"
	# a local operator looking at a few profiles
	for e in "" "goroutine?debug=1" heap cmdline; do
		sr_run ops curl -sS -o /dev/null "$u/debug/pprof/$e"
	done
	# the netns peer (not opted in: seen only from the server's side)
	u=http://$SR_NS_HOST_IP:$p/debug/pprof
	for e in "${PPROF_ALL[@]}"; do
		sr_ns curl -sS --max-time 20 -o /dev/null "$u/$e"
	done
	sr_ns curl -sS -o /dev/null --data-binary '0x401000+0x402000' "$u/symbol"
}

scenario_go-pprof-private() {
	local p=47170 d=47171 e
	sr_netns_create 222
	sr_start_pprof inventory private 0.0.0.0:$p -debug-addr 127.0.0.1:$d
	capture
	# the app port answers the peer; pprof is not there
	sr_ns curl -sS -o /dev/null "http://$SR_NS_HOST_IP:$p/" -o /dev/null "http://$SR_NS_HOST_IP:$p/api/items"
	sr_ns curl -sS -o /dev/null "http://$SR_NS_HOST_IP:$p/debug/pprof/"
	sr_ns curl -sS -o /dev/null "http://$SR_NS_HOST_IP:$p/debug/pprof/goroutine?debug=1"
	# pprof on the private listener, from loopback
	for e in "" "goroutine?debug=1" heap cmdline; do
		sr_run ops curl -sS -o /dev/null "http://127.0.0.1:$d/debug/pprof/$e"
	done
}

scenario_go-pprof-prefix() {
	local p=47180 u e
	sr_netns_create 223
	sr_start_pprof inventory prefix 0.0.0.0:$p -prefix /internal/dbg/ -session-secret=fixture-session-secret
	capture
	u=http://$SR_NS_HOST_IP:$p
	sr_ns curl -sS -o /dev/null "$u/debug/pprof/" # not there: 404
	for e in "" "goroutine?debug=1" "goroutine?debug=2" heap allocs "profile?seconds=1" \
		"trace?seconds=1" cmdline; do
		sr_ns curl -sS --max-time 20 -o /dev/null "$u/internal/dbg/$e"
	done
	sr_run app-client curl -sS -o /dev/null "http://127.0.0.1:$p/api/items"
}

scenario_secrets() {
	local p=47190 u
	u=http://127.0.0.1:$p/api/hello
	capture
	sr_start_nginx $p nginx
	# the secret values are fake, made for this fixture
	sr_plain ADI_PROFILE=$SR_PROFILE ADI_PROFILE_NAME=billing-job DB_PASSWORD=fixture-db-password \
		API_TOKEN=fixture-api-token AWS_SECRET_ACCESS_KEY=fixture-aws-secret DB_HOST=127.0.0.1 \
		bash -c '
		curl -sS -o /dev/null -u alice:wonderland "$1?auth=basic"
		curl -sS -o /dev/null -H "Authorization: Bearer fixture.bearer.token" "$1?auth=bearer"
		curl -sS -o /dev/null -H "X-API-Key: fixture-api-key" "$1?auth=apikey"
		curl -sS -o /dev/null -H "Cookie: session=fixture-session-cookie" "$1?auth=cookie"
		curl -sS -o /dev/null "$1?auth=none"' _ "$u"
}

scenario_docker() {
	local x=220 web=198.18.220.10 client=198.18.220.11
	sr_start_dockerd $x
	capture --docker-socket "$SR_DOCKER_SOCK"
	SR_COMPOSE_PROJECT=shop sr_docker_run "sr-fixture-web-$$" web $web -- /bin/httpd -f -p 8080 -h /www
	# readiness: a bare connect from the host (no request, not opted in)
	sr_wait_port $web 8080 20
	SR_COMPOSE_PROJECT=shop sr_docker_run "sr-fixture-client-$$" client $client -- /bin/sh -c \
		"for i in 1 2 3; do wget -q -O - http://$web:8080/api/catalog.json; sleep 0.3; done;
		 wget -q -O - http://$web:8080/missing.json; true"
	sr_wait_until 30 bash -c "[ \"\$($SR_DOCKER -H unix://$SR_DOCKER_SOCK inspect -f '{{.State.Running}}' sr-fixture-client-$$)\" = false ]"
	sleep 1 # let the capture fetch container metadata
}

# ------------------------------------------------------------ driver

capture() { sr_capture_start "$WORK/capture.srz" "$@"; }

record() { # scenario
	local s=$1 dir=fixtures/$1 sub
	SR_NAME=record-$s
	WORK=$SR_TMP/out
	mkdir -p "$WORK"
	sr_log "recording: ${ABOUT[$s]}"
	"scenario_$s" >"$SR_TMP/log/clients.log"
	sleep 0.5 # the last replies reach the ring
	sr_capture_stop
	mkdir -p "$dir/expected"
	install -m 0644 "$WORK/capture.srz" "$dir/capture.srz"
	rm -f "$dir/capture.pcapng" "$dir"/expected/*.draft
	write_notes "$s"
	[ -x "$ANALYZE" ] || return 0
	if "$ANALYZE" convert --help >/dev/null 2>&1; then
		"$ANALYZE" convert "$dir/capture.srz" "$WORK/capture.pcapng" &&
			install -m 0644 "$WORK/capture.pcapng" "$dir/capture.pcapng" ||
			sr_log "convert to pcapng failed; no capture.pcapng"
	fi
	drafts "$s"
	sr_log "wrote $dir ($(du -h "$dir/capture.srz" | cut -f1)); check expected/*.draft before blessing"
}

# drafts SCENARIO: the analyzer's current outputs for the scenario's archive
# as expected/*.draft (compare with `diff` against the checked files).
drafts() {
	local s=$1 dir=fixtures/$1 sub work
	work=$(mktemp -d)
	for sub in http:http.jsonl env:env.yaml map:service-map.yaml findings:findings.json; do
		if ! "$ANALYZE" "${sub%%:*}" --help >/dev/null 2>&1; then
			sr_log "sockrec-analyze has no '${sub%%:*}' yet: no ${sub#*:} draft"
			continue
		fi
		"$ANALYZE" "${sub%%:*}" "$dir/capture.srz" >"$dir/expected/${sub#*:}.draft" 2>"$work/err" ||
			sr_log "sockrec-analyze ${sub%%:*} failed: $(head -c 300 "$work/err")"
	done
	rm -rf "$work"
}

write_notes() { # scenario
	{
		echo "scenario: $1"
		echo "what: ${ABOUT[$1]}"
		echo "recorded: $(date -u +%Y-%m-%dT%H:%M:%SZ) by scripts/record-fixtures.sh"
		echo "sockrec: $("$SR_BUILD/sockrec" --version 2>&1 | head -n1)"
		echo "clients: see scenario_$1 in scripts/record-fixtures.sh"
	} >"fixtures/$1/NOTES"
}

bless() { # scenario: drafts become expected outputs (after checking them!)
	local f
	for f in "fixtures/$1"/expected/*.draft; do
		[ -e "$f" ] || continue
		mv "$f" "${f%.draft}"
	done
}

main() {
	local s want=() do_bless=0 rc
	for s in "$@"; do
		case $s in
		--list)
			for s in "${SCENARIOS[@]}"; do printf '%-18s %s\n' "$s" "${ABOUT[$s]}"; done
			return 0 ;;
		--bless) do_bless=1 ;;
		--redraft) do_bless=2 ;;
		-*) echo "usage: $0 [--bless|--redraft|--list] [SCENARIO...]" >&2; return 1 ;;
		*) [ -n "${ABOUT[$s]+x}" ] || { echo "unknown scenario: $s" >&2; return 1; }
		   want+=("$s") ;;
		esac
	done
	[ ${#want[@]} -gt 0 ] || want=("${SCENARIOS[@]}")
	if [ $do_bless = 1 ]; then
		for s in "${want[@]}"; do bless "$s"; done
		return 0
	fi
	if [ $do_bless = 2 ]; then # new analyzer, same archives
		[ -x "$ANALYZE" ] || { echo "$ANALYZE missing: run make" >&2; return 1; }
		for s in "${want[@]}"; do
			[ -e "fixtures/$s/capture.srz" ] && drafts "$s"
			for f in "fixtures/$s"/expected/*.draft; do
				[ -e "$f" ] || continue
				if cmp -s "$f" "${f%.draft}"; then rm -f "$f"; else echo "changed: $f"; fi
			done
		done
		return 0
	fi
	[ -x "$SR_BUILD/sockrec" ] || { echo "$SR_BUILD/sockrec missing: run make first" >&2; return 1; }
	[ -x "$ANALYZE" ] || echo "record-fixtures: $ANALYZE missing: archives only, no drafts" >&2
	for s in "${want[@]}"; do
		# one private temp dir, trap and set of servers per scenario; the
		# subshell is not in a condition, so set -e holds inside it
		set +e
		(
			set -e
			sr_init "rec-$s"
			record "$s"
		)
		rc=$?
		set -e
		[ $rc -eq 0 ] || { echo "record-fixtures: $s FAILED (exit $rc)" >&2; return 1; }
	done
}

main "$@"
