# capture_lib.sh - shared by tests/e2e/capture_*.sh (sourced; not a test:
# it is not executable, so tests/run-tests.sh skips it).
#
# Gives each test: a temp dir ($T) removed at exit, every process it started
# stopped at exit (by pid), sockrec started and stopped, nginx on a free
# loopback port with its own prefix, and `check` - a Python snippet run
# over the archive's records (sockrec-analyze dump: one JSON object per
# record, fields named as in format/record.h).
#
# Exit codes: 0 pass, 77 skip (the reason is printed), anything else fail.

set -euo pipefail

BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
SOCKREC=$BUILD/sockrec
# the archive reader; SOCKREC_DUMP overrides it (a command line)
DUMP=${SOCKREC_DUMP:-$BUILD/sockrec-analyze dump}

skip() { echo "SKIP: $*"; exit 77; }
need() { # CMD...: skip unless every command exists
	local c
	for c in "$@"; do command -v "$c" >/dev/null || skip "$c not installed"; done
}
die() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "== $*"; }

[ "$(id -u)" -eq 0 ] || skip "needs root (BPF)"
[ -r /sys/kernel/btf/vmlinux ] || skip "kernel has no BTF"
[ -x "$SOCKREC" ] || die "$SOCKREC not built"
${DUMP%% *} --help >/dev/null 2>&1 || [ -x "${DUMP%% *}" ] ||
	skip "archive reader '${DUMP%% *}' not built (sockrec-analyze dump)"
command -v python3 >/dev/null || skip "python3 missing"

T=$(mktemp -d /tmp/sockrec-e2e.XXXXXX)
chmod 755 "$T"
PIDS=()     # processes to stop at exit
CAP_PID=
# a unique ADI_PROFILE value per run: other processes on the machine that
# opted in never match --allow "$TAG"
TAG="e2e-$$-$RANDOM"

cleanup() {
	local p
	set +e
	[ -n "$CAP_PID" ] && kill -INT "$CAP_PID" 2>/dev/null && wait "$CAP_PID" 2>/dev/null
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	if [ -n "${KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

# docker_start: the test's own Docker engine: dockerd with its data and exec
# roots and API socket under $T/docker, no default bridge, no iptables of
# its own; `dk` is docker against it. At exit the containers listed in
# CTRS are removed, the test's docker_before_stop hook runs (if defined),
# dockerd is stopped, mounts it left under $T are released, the test's
# docker_after_stop hook runs, then cleanup. Skips when Docker is not
# installed or dockerd does not start.
docker_start() {
	DOCKER=/usr/bin/docker
	command -v dockerd >/dev/null || skip "dockerd not installed"
	[ -x "$DOCKER" ] || skip "$DOCKER not installed"
	DK=$T/docker
	SOCK=$DK/docker.sock
	CTRS=()
	mkdir -p "$DK"
	dockerd --data-root "$DK/root" --exec-root "$DK/exec" -H "unix://$SOCK" \
		--pidfile "$DK/dockerd.pid" --bridge=none --iptables=false --ip6tables=false \
		>"$DK/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	trap docker_cleanup EXIT
	for _ in $(seq 300); do
		dk info >/dev/null 2>&1 && return 0
		kill -0 "$DOCKERD_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -5 "$DK/dockerd.log"
	skip "dockerd does not start here"
}

dk() { "$DOCKER" -H "unix://$SOCK" "$@"; }

docker_cleanup() {
	local c
	set +e
	for c in "${CTRS[@]}"; do dk rm -f "$c" >/dev/null 2>&1; done
	declare -F docker_before_stop >/dev/null && docker_before_stop
	kill -TERM "$DOCKERD_PID" 2>/dev/null
	for _ in $(seq 150); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$DOCKERD_PID" 2>/dev/null
	# host networking leaves the default netns bind-mounted in exec-root
	awk -v d="$T/" 'index($2 "/", d) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m"; done
	declare -F docker_after_stop >/dev/null && docker_after_stop
	cleanup
}

# free_port: prints a TCP port nobody listens on (v4 and v6 loopback)
free_port() {
	python3 - <<'EOF'
import socket, random
for _ in range(200):
    p = random.randint(20000, 60000)
    ok = True
    for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        s = socket.socket(fam, socket.SOCK_STREAM)
        try:
            s.bind((addr, p))
        except OSError:
            ok = False
        s.close()
    if ok:
        print(p)
        break
EOF
}

# wait_for CMD...: retries CMD for up to 10 s
wait_for() {
	local i
	for i in $(seq 100); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# start_capture ARGS...: sockrec -w $T/cap.srz ARGS, returns once it prints
# "sockrec: capturing"
start_capture() {
	CAP_OUT=${CAP_OUT:-$T/cap.srz}
	# emptied here, not only by the redirection below: that runs in the
	# child, and the loop could meet a previous capture's "capturing" line
	# before it does (a second capture in one test then raced its start)
	: >"$T/sockrec.log"
	"$SOCKREC" -w "$CAP_OUT" "$@" 2>"$T/sockrec.log" &
	CAP_PID=$!
	for _ in $(seq 300); do
		grep -q '^sockrec: capturing' "$T/sockrec.log" && return 0
		kill -0 "$CAP_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T/sockrec.log" >&2
	die "sockrec did not start"
}

# stop_capture: SIGINT, expects exit 0
stop_capture() {
	local rc=0
	kill -INT "$CAP_PID"
	wait "$CAP_PID" || rc=$?
	CAP_PID=
	cat "$T/sockrec.log"
	[ $rc -eq 0 ] || die "sockrec exited $rc"
}

# start_tcpdump FILTER: tcpdump on lo, every packet whole, into $T/lo.pcap
# (the oracle of the TLS tests); returns once it listens. Its kernel buffer
# is 64 MiB, not 2: the oracle once held fewer messages than the archive,
# and a buffer that overflows under the 300 KB bodies is one way to get that
start_tcpdump() {
	tcpdump -i lo -U -s 0 -B 65536 -w "$T/lo.pcap" "$1" 2>"$T/tcpdump.log" &
	TCPDUMP_PID=$!
	PIDS+=($TCPDUMP_PID)
	wait_for grep -q "listening on" "$T/tcpdump.log" || die "tcpdump did not start"
}

# stop_tcpdump: tcpdump drops what it has not written yet when it stops (on
# a loaded machine that can be hundreds of packets), so it is stopped once
# its file has not grown for a second (-U writes each packet as it is
# processed), within 200 s
stop_tcpdump() {
	local last=-1 now
	for _ in $(seq 200); do
		now=$(stat -c %s "$T/lo.pcap")
		[ "$now" = "$last" ] && break
		last=$now
		sleep 1
	done
	kill -INT "$TCPDUMP_PID"
	wait "$TCPDUMP_PID" || true
	# packets the kernel dropped are missing from the oracle: say so, not
	# a mismatch later
	local dropped
	dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel/\1/p' "$T/tcpdump.log")
	[ "${dropped:-0}" = 0 ] || die "tcpdump dropped $dropped packets: the oracle is incomplete"
}

# tshark_oracle KEYLOG PORT...: the HTTP messages tshark decrypts in
# $T/lo.pcap with KEYLOG (TLS on each PORT), as JSON to $T/oracle.json:
# ports, method, target, status, start and header lines, body
tshark_oracle() {
	local keylog=$1 p args=()
	shift
	for p in "$@"; do args+=(-d "tcp.port==$p,tls"); done
	tshark -r "$T/lo.pcap" -o "tls.keylog_file:$keylog" "${args[@]}" -Y http -T json \
		-e tcp.srcport -e tcp.dstport -e http.request.method -e http.request.uri \
		-e http.response.code -e http.request.line -e http.response.line -e http.file_data \
		2>/dev/null >"$T/oracle.json" || die "tshark decrypting the capture"
}

# dump [ARCHIVE]: JSON lines to $T/dump.jsonl
dump() {
	$DUMP "${1:-$CAP_OUT}" >"$T/dump.jsonl" || die "reading the archive failed"
	log "$(wc -l <"$T/dump.jsonl") records"
}

# nginx_conf_head CONNECTIONS [DIRECTIVE...]: the start of an nginx.conf
# under $T/nginx (one worker in the foreground, its logs and pid there, the
# directives given, e.g. "env ADI_PROFILE;"), up to the open http block
# with its temporary paths; the caller writes the rest and closes it
nginx_conf_head() {
	local conns=$1
	shift
	cat <<EOF
worker_processes 1;
daemon off;
error_log $T/nginx/error.log;
pid $T/nginx/nginx.pid;
$*
events { worker_connections $conns; }
http {
	access_log off;
	client_body_temp_path $T/nginx/tmp/body;
	proxy_temp_path $T/nginx/tmp/proxy;
	fastcgi_temp_path $T/nginx/tmp/fastcgi;
	uwsgi_temp_path $T/nginx/tmp/uwsgi;
	scgi_temp_path $T/nginx/tmp/scgi;
EOF
}

# start_nginx PORT [VAR=VALUE...]: nginx on 127.0.0.1:PORT and [::1]:PORT,
# one worker, files under $T/nginx/html; the environment given applies to
# master and worker (nginx keeps the env of its parent for the worker only
# through `env` directives, so they are listed).
start_nginx() {
	local port=$1 v envs=
	shift
	mkdir -p "$T/nginx/html" "$T/nginx/tmp" "$T/nginx/logs"
	echo ready >"$T/nginx/html/ready"
	for v in "$@"; do envs="$envs env ${v%%=*};"; done
	{
		nginx_conf_head 128 "$envs"
		cat <<EOF
	keepalive_requests 1000;
	server {
		listen 127.0.0.1:$port;
		listen [::1]:$port;
		root $T/nginx/html;
		location /upload {
			client_max_body_size 8m;
			client_body_buffer_size 2m;
			return 200 "got it\n";
		}
	}
}
EOF
	} >"$T/nginx/nginx.conf"
	env "$@" nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" &
	PIDS+=($!)
	NGINX_PID=$!
	wait_for curl -sf -o /dev/null "http://127.0.0.1:$port/ready" ||
		{ tail -5 "$T/nginx/error.log" >&2; die "nginx did not start"; }
}

# check 'python code': runs the code with `recs` (all records, in archive
# order) and helpers; an AssertionError fails the test with its message.
check() {
	python3 - "$T/dump.jsonl" "$1" <<'EOF'
import base64, json, os, sys, traceback

recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]

def field(r, name):
    """bytes of a byte field, whether dumped as text or as name_b64"""
    if name + "_b64" in r:
        return base64.b64decode(r[name + "_b64"])
    v = r.get(name)
    return v.encode() if isinstance(v, str) else v

def payload(r):
    return base64.b64decode(r.get("payload_b64", ""))

def of(typ, **kw):
    return [r for r in recs if r["type"] == typ and all(r.get(k) == v for k, v in kw.items())]

def env(r):
    """process record environ as a dict"""
    out = {}
    for e in (field(r, "environ") or b"").split(b"\0"):
        if e:
            k, _, v = e.partition(b"=")
            out[k.decode(errors="replace")] = v.decode(errors="replace")
    return out

def stream(rs):
    """payload bytes of data records in stream order (tcp_seq), checking that
    they are contiguous and complete (no truncation, no gap)"""
    rs = sorted(rs, key=lambda r: r["ts_ns"])
    out = b""
    for r in rs:
        p = payload(r)
        assert r["flags"] & 8, "tcp_seq not valid: %r" % r
        assert len(p) == r["bytes"], "record cut: %d of %d bytes" % (len(p), r["bytes"])
        out += p
    # sequence numbers: each record ends where the next one ends minus its bytes
    for a, b in zip(rs, rs[1:]):
        assert (b["tcp_seq"] - b["bytes"] - a["tcp_seq"]) % (1 << 32) == 0, \
            "gap between records: %r -> %r" % (a["tcp_seq"], b["tcp_seq"])
    return out

try:
    exec(sys.argv[2])
except AssertionError as e:
    traceback.print_exc()
    print("FAIL:", e, file=sys.stderr)
    sys.exit(1)
EOF
}

# curl_bytes TRACE PREFIX: from a curl --trace file, writes PREFIX.sent and
# PREFIX.recv: the bytes curl wrote to and read from its connection(s)
curl_bytes() {
	python3 - "$1" "$2" <<'EOF'
import re, sys
sent, recv, cur = bytearray(), bytearray(), None
for line in open(sys.argv[1], errors="replace"):
    if line.startswith("=> Send header") or line.startswith("=> Send data"):
        cur = sent
    elif line.startswith("<= Recv header") or line.startswith("<= Recv data"):
        cur = recv
    elif line.startswith("=>") or line.startswith("<=") or line.startswith("=="):
        cur = None
    elif cur is not None:
        # "0000: 47 45 54 ... GET ..": 16 bytes as hex in the first 48
        # columns, then the same bytes as text (which may look like hex)
        m = re.match(r"^[0-9a-f]{4,}: (.*)$", line)
        if m:
            cur += bytes.fromhex(m.group(1)[:48].replace(" ", ""))
open(sys.argv[2] + ".sent", "wb").write(sent)
open(sys.argv[2] + ".recv", "wb").write(recv)
EOF
}

# start_load SECONDS CHUNK [RATE]: an opted-in Python sink server and client
# that stream CHUNK-byte writes over loopback for SECONDS (both are
# targets), at most RATE writes per second (default: as fast as possible).
# Sets LOAD_PID (the client); the server is stopped at exit.
start_load() {
	local secs=$1 chunk=$2 rate=${3:-0} port
	port=$(free_port)
	cat >"$T/load.py" <<'PYEOF'
import socket, sys, threading, time
port, secs, chunk, rate = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(4)
def sink():
    c, _ = srv.accept()
    while c.recv(1 << 20):
        pass
threading.Thread(target=sink, daemon=True).start()
s = socket.create_connection(("127.0.0.1", port))
buf = bytes(range(256)) * (chunk // 256 + 1)
start = time.time()
n = 0
while time.time() < start + secs:
    s.sendall(buf[:chunk])
    n += 1
    if rate and n % 10 == 0:  # pace in steps of 10 writes
        time.sleep(max(0, start + n / rate - time.time()))
s.close()
PYEOF
	ADI_PROFILE=$TAG python3 "$T/load.py" "$port" "$secs" "$chunk" "$rate" &
	LOAD_PID=$!
	PIDS+=($LOAD_PID)
}
