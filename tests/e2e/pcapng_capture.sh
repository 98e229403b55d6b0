#!/usr/bin/env bash
# pcapng_capture.sh - real traffic (nginx + curl, Redis, PostgreSQL on
# loopback) captured straight to pcapng (`sockrec --format pcapng`), read by
# tshark, libpcap (tcpdump) and sockrec-analyze:
#   - the HTTP requests and response codes tshark dissects are exactly those
#     of the analyzer's HTTP log, in the same order per connection;
#   - Redis and PostgreSQL are dissected as such (Decode As on our ports);
#   - Follow TCP Stream gives each connection's bytes; with a small snaplen
#     it reports the missing bytes and continues after them;
#   - frame.comment "PID: N" and the Lua plugin's sockrec.pid select N's
#     packets, on N's own sockets only;
#   - libpcap reads every packet; editcap re-saves it and it still reads;
#   - the analyzer's outputs from the .pcapng and from its .srz conversion
#     are byte-identical, both ways;
#   - a cut file and a killed capture give back their complete blocks.
# Needs root (BPF, servers as their own users); skips (77) without it or
# without build/sockrec.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
LUA=tools/wireshark/sockrec.lua
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (BPF capture, servers)"
	exit 77
fi
for b in sockrec sockrec-analyze; do
	[ -x "$BUILD/$b" ] || {
		echo "SKIP: $BUILD/$b is not built (make)"
		exit 77
	}
done
for tool in tshark editcap capinfos tcpdump jq nginx redis-server python3; do
	command -v $tool >/dev/null || {
		echo "SKIP: $tool is not installed (scripts/install-deps.sh)"
		exit 77
	}
done
A=$BUILD/sockrec-analyze
# this test's ports: base .. base+2, base from 27500 .. 27590 (step 10): the
# first block that is free, so two runs at once do not collide
base=
for b in $(seq 27500 10 27590); do
	if ! ss -Hltn | awk '{ print $4 }' | grep -qE ":($b|$((b + 1))|$((b + 2)))\$"; then
		base=$b
		break
	fi
done
[ -n "$base" ] || { echo "SKIP: ports 27500-27592 are all in use"; exit 77; }
web=$base redis=$((base + 1)) pg=$((base + 2))
out=$(mktemp -d /tmp/sockrec-pcapng-e2e.XXXXXX)
trap 'rm -rf "$out"' EXIT

# ---- record (a subshell: services.sh's EXIT trap stops everything) ----
(
	. scripts/lib/services.sh
	# sr_capture_start waits for "capturing" in a log file shared by all
	# captures of a session, which the new capture truncates only after it
	# started: a stale line from the previous capture would let it return
	# (and SIGINT arrive) before the new one is ready. Start from no file.
	capture_start() {
		rm -f "$SR_TMP/log/sockrec.log"
		sr_capture_start "$@"
	}
	sr_init pcapng-e2e || exit 1
	sr_start_nginx $web || exit 1
	sr_start_redis $redis || exit 1
	have_pg=1
	sr_start_postgres $pg || have_pg=0
	echo "PG $have_pg"
	url=http://127.0.0.1:$web

	capture_start "$out/cap.pcapng" --format pcapng -s 256k || exit 1
	sr_run curl curl -sf -o /dev/null "$url/api/hello"
	sr_run curl curl -sf -o /dev/null "$url/static/big.bin"
	sr_run curl curl -s -o /dev/null "$url/no/such/page"
	sr_run curl curl -sf -o /dev/null -X POST --data 'hello echo' "$url/api/echo"
	sr_run curl curl -sf -o /dev/null -g "http://[::1]:$web/api/hello"
	# two requests on one connection
	sr_run curl curl -sf -o /dev/null -o /dev/null "$url/api/hello" "$url/static/big.bin"
	sr_run redis-cli redis-cli -h 127.0.0.1 -p $redis SET pcapng:key value >/dev/null
	sr_run redis-cli redis-cli -h 127.0.0.1 -p $redis GET pcapng:key >/dev/null
	[ $have_pg = 1 ] && sr_psql_tcp psql $pg "SELECT 40 + 2" >/dev/null
	sleep 0.5
	sr_capture_stop || exit 1
	echo "PIDS nginx $SR_NGINX_PID redis $SR_REDIS_PID"

	# snaplen 64: big.bin's body is mostly missing; the second request on
	# the same connection comes after the gap
	capture_start "$out/small.pcapng" --format pcapng -s 64 || exit 1
	sr_run curl curl -sf -o /dev/null -o /dev/null "$url/static/big.bin" "$url/api/hello"
	sleep 0.5
	sr_capture_stop || exit 1

	# the default container, converted afterwards
	capture_start "$out/cap.srz" || exit 1
	sr_run curl curl -sf -o /dev/null "$url/api/hello"
	sr_run curl curl -sf -o /dev/null "$url/static/big.bin"
	sleep 0.5
	sr_capture_stop || exit 1

	# a capture killed outright
	capture_start "$out/killed.pcapng" --format pcapng || exit 1
	sr_run curl curl -sf -o /dev/null "$url/api/hello"
	# the live file is readable while written: wait (10 s at most) until
	# it holds curl's data, then kill
	for ((i = 0; i < 100; i++)); do
		"$SR_BUILD/sockrec-analyze" dump "$out/killed.pcapng" 2>/dev/null |
			grep -q '"type":"data"' && break
		sleep 0.1
	done
	kill -KILL "$SR_CAPTURE_PID"
	wait "$SR_CAPTURE_PID" 2>/dev/null
	SR_CAPTURE_PID=
	echo "RECORDED"
) >"$out/record.log" 2>&1
if ! grep -q '^RECORDED' "$out/record.log"; then
	echo "FAIL  recording did not complete:"
	sed 's/^/  | /' "$out/record.log" | tail -n 40
	exit 1
fi
have_pg=$(awk '/^PG/ { print $2 }' "$out/record.log")

fail=0
expect() { # what expected actual
	if [ "$2" = "$3" ]; then
		echo "ok    $1"
	else
		echo "FAIL  $1"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | head -n 30 | sed 's/^/  /'
		fail=1
	fi
}
nonempty() { # what value
	if [ -n "$2" ]; then echo "ok    $1"; else
		echo "FAIL  $1 (nothing)"
		fail=1
	fi
}
C=$out/cap.pcapng
ts() { tshark -r "$C" -d tcp.port==$web,http -d tcp.port==$redis,resp -d tcp.port==$pg,pgsql "$@" 2>/dev/null; }

# ---- HTTP: tshark == the analyzer's log, per connection in order ----
"$A" http "$C" >"$out/http.jsonl" || { echo "FAIL  sockrec-analyze http"; fail=1; }
want_req=$(jq -r "select(.message == \"request\" and .direction == \"send\" and .dest_port == $web)
	| \"\(.source_port) \(.method) \(.url)\"" "$out/http.jsonl" | sort -s -n -k1,1)
# curl is always recorded (sr_run opts it in): its side of each exchange
want_resp=$(jq -r "select(.message == \"response\" and .direction == \"recv\" and .source_port == $web)
	| \"\(.dest_port) \(.status_code)\"" "$out/http.jsonl" | sort -s -n -k1,1)
nonempty "the analyzer logged requests" "$want_req"
expect "tshark http.request.method/uri == analyzer, per connection" "$want_req" \
	"$(ts -Y 'http.request' -T fields -E separator=' ' -e tcp.srcport -e http.request.method \
		-e http.request.uri | sort -s -n -k1,1)"
expect "tshark http.response.code == analyzer, per connection" "$want_resp" \
	"$(ts -Y 'http.response' -T fields -E separator=' ' -e tcp.dstport -e http.response.code |
		sort -s -n -k1,1)"
expect "the requests made: 7 with one 404" "7 1" \
	"$(ts -Y http.request | wc -l | tr -d ' ') $(ts -Y 'http.response.code == 404' | wc -l | tr -d ' ')"

# ---- Redis and PostgreSQL ----
resp=$(ts -Y resp -T fields -e resp.bulk_string.value | tr '\n' ' ')
case $resp in
*534554*70636170*) echo "ok    Redis SET dissected as RESP" ;;
*) echo "FAIL  Redis SET not dissected: $resp"; fail=1 ;;
esac
if [ "$have_pg" = 1 ]; then
	expect "PostgreSQL query dissected" "SELECT 40 + 2" \
		"$(ts -Y 'pgsql.query' -T fields -e pgsql.query | head -n 1)"
else
	echo "note  PostgreSQL did not start here: its check is skipped"
fi

# ---- Follow TCP Stream ----
big_stream=$(ts -Y 'http.request.uri == "/static/big.bin"' -T fields -e tcp.stream | head -n 1)
server_bytes=$(ts -q -z "follow,tcp,raw,$big_stream" | awk '/^\t[0-9a-f]+$/ { n += (length($0) - 1) / 2 } END { print n + 0 }')
if [ "${server_bytes:-0}" -gt 200000 ]; then
	echo "ok    follow: big.bin's stream holds its 200000-byte body ($server_bytes bytes)"
else
	echo "FAIL  follow: big.bin's stream holds $server_bytes bytes"
	fail=1
fi
for s in $(ts -Y 'http.request' -T fields -e tcp.stream | sort -un); do
	f=$(ts -q -z "follow,tcp,ascii,$s")
	case $f in
	*"HTTP/1.1"*"HTTP/1.1 "[0-9][0-9][0-9]*) ;;
	*) echo "FAIL  follow stream $s lacks its request or response"; fail=1 ;;
	esac
done
small=$(tshark -r "$out/small.pcapng" -d tcp.port==$web,http -q \
	-z "follow,tcp,ascii,$(tshark -r "$out/small.pcapng" -Y 'tcp.port == '$web -T fields -e tcp.stream 2>/dev/null | head -n 1)" 2>/dev/null)
case $small in
*"bytes missing in capture file]"*"GET /api/hello"*)
	echo "ok    snaplen 64: follow reports the missing bytes and continues" ;;
*)
	echo "FAIL  snaplen 64: follow does not report the gap and continue:"
	printf '%s\n' "$small" | head -n 30 | sed 's/^/  /'
	fail=1 ;;
esac

# ---- PID: comments and the Lua plugin select a process's own packets ----
"$A" dump "$C" >"$out/dump.jsonl" 2>/dev/null
for pid in $(jq -r 'select(.type == "data") | .tgid' "$out/dump.jsonl" | sort -un); do
	ports=$(jq -r "select((.type == \"data\" or .type == \"conn\") and .tgid == $pid) | .lport" \
		"$out/dump.jsonl" | sort -un | paste -sd ',')
	nrec=$(jq -r "select(.type == \"data\" and .tgid == $pid) | .tgid" "$out/dump.jsonl" | wc -l)
	sel="frame.comment contains \"PID: $pid\n\""
	n=$(ts -Y "$sel" | wc -l)
	off=$(ts -Y "$sel and !(tcp.port in {$(echo "$ports" | tr ',' ' ')})" | wc -l)
	nlua=$(tshark -X lua_script:$LUA -r "$C" -Y "sockrec.pid == $pid and tcp" 2>/dev/null | wc -l)
	if [ "$n" -ge "$nrec" ] && [ "$off" -eq 0 ] && [ "$nlua" -eq "$n" ]; then
		echo "ok    pid $pid: $n packets ($nrec data records) on its ports $ports; Lua agrees"
	else
		echo "FAIL  pid $pid: $n packets for $nrec data records, $off off its ports $ports, Lua $nlua"
		fail=1
	fi
done

# ---- libpcap, editcap ----
npkt=$(capinfos -M -c "$C" | awk -F': *' '/Number of packets/ { print $2 }')
expect "libpcap (tcpdump -r) reads every packet" "$npkt" "$(tcpdump -r "$C" -n 2>/dev/null | wc -l | tr -d ' ')"
editcap "$C" "$out/resaved.pcapng" || fail=1
"$A" http "$out/resaved.pcapng" >"$out/http-resaved.jsonl" 2>/dev/null
expect "editcap copy: the same HTTP log" "$(md5sum <"$out/http.jsonl")" \
	"$(md5sum <"$out/http-resaved.jsonl")"

# ---- .pcapng <-> .srz: byte-identical analyzer outputs ----
same_outputs() { # what a b
	local k ok=1
	for k in http env map info; do
		"$A" $k "$2" >"$out/o1" 2>/dev/null
		"$A" $k "$3" >"$out/o2" 2>/dev/null
		if [ $k = info ]; then
			# info names the file and its container; the rest must agree
			sed -i -e "s|$2||g" -e 's/pcapng/X/g; s/srz/X/g' "$out/o1"
			sed -i -e "s|$3||g" -e 's/pcapng/X/g; s/srz/X/g' "$out/o2"
		fi
		cmp -s "$out/o1" "$out/o2" || {
			echo "FAIL  $1: '$k' output differs"
			diff "$out/o1" "$out/o2" | head -n 10 | sed 's/^/  /'
			ok=0
		}
		[ -s "$out/o1" ] || { echo "FAIL  $1: '$k' printed nothing"; ok=0; }
	done
	[ $ok = 1 ] && echo "ok    $1: http, env, map, info identical" || fail=1
}
"$A" convert "$C" "$out/cap-conv.srz" || fail=1
same_outputs "pcapng -> srz" "$C" "$out/cap-conv.srz"
"$A" convert "$out/cap.srz" "$out/srz-conv.pcapng" || fail=1
same_outputs "srz -> pcapng" "$out/cap.srz" "$out/srz-conv.pcapng"
"$A" convert "$out/cap-conv.srz" "$out/again.pcapng" || fail=1
expect "pcapng -> srz -> pcapng: same records" "$("$A" dump "$C" | md5sum)" \
	"$("$A" dump "$out/again.pcapng" | md5sum)"

# ---- a cut file, a killed capture ----
read -r mid boundary < <(python3 - "$C" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
offs, o = [], 0
while o + 12 <= len(d):
    offs.append(o)
    o += struct.unpack_from('<I', d, o + 4)[0]
b = offs[len(offs) // 2]
print(b + 30, b)
EOF
)
"$A" dump "$C" >"$out/full.jsonl" 2>/dev/null
for cut in "$boundary" "$mid"; do
	head -c "$cut" "$C" >"$out/cut.pcapng"
	"$A" dump "$out/cut.pcapng" >"$out/cut.jsonl" 2>"$out/cut.err"
	rc=$?
	n=$(wc -l <"$out/cut.jsonl")
	if [ $rc -eq 3 ] && [ "$n" -gt 0 ] && cmp -s "$out/cut.jsonl" <(head -n "$n" "$out/full.jsonl") &&
		grep -q "offset" "$out/cut.err"; then
		echo "ok    cut at byte $cut: $n records, then an error naming the offset"
	else
		echo "FAIL  cut at byte $cut: exit $rc, $n records: $(head -c 300 "$out/cut.err")"
		fail=1
	fi
done
"$A" dump "$out/killed.pcapng" >"$out/killed.jsonl" 2>"$out/killed.err"
rc=$?
if [ $rc -eq 3 ] && grep -q '"type":"data"' "$out/killed.jsonl" &&
	tshark -r "$out/killed.pcapng" >/dev/null 2>&1; then
	echo "ok    killed capture: tshark reads it, the analyzer gets its records (exit 3: no end record)"
else
	echo "FAIL  killed capture: analyzer exit $rc, $(wc -l <"$out/killed.jsonl") records: $(head -c 300 "$out/killed.err")"
	cut -c1-120 "$out/killed.jsonl" | sed 's/^/  /'
	grep -i sockrec "$out/record.log" | tail -n 5 | sed 's/^/  /'
	fail=1
fi

[ $fail -eq 0 ] && echo "pcapng capture: all ok"
exit $fail
