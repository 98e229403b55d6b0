#!/usr/bin/env bash
# h2.sh - `make bench` section 6: the analyzer on HTTP/2 and gRPC traffic
# against tshark on the same traffic (one core each). Recorded with sockrec
# (both ends opted in, so each byte is recorded twice, as in section 3):
#   - h2load (nghttp2-client) -> nghttpd: H2_REQUESTS GETs of a 4 KiB file
#     over 4 connections, 10 streams in flight on each;
#   - tests/servers/grpc/grpc_pair.py load: GRPC_CALLS unary calls and
#     GRPC_CALLS / 10 server-streaming calls of 50 messages, on one channel.
# Then `sockrec-analyze report ARCHIVE -o DIR` (fastest of 3) and `tshark
# -r ARCHIVE.pcapng -d tcp.port==P,http2 ... -Y 'http2.type == 1' -T fields
# -e http2.type -e http2.headers.path -e http2.headers.status` (HPACK and
# gRPC dissected: the display filter makes tshark dissect every packet;
# once). Prints a Markdown section; the counts say both saw every header
# block (ours: messages, once per recorded end; tshark's: HEADERS frames,
# trailers included, once).
#
#   H2_REQUESTS=20000 GRPC_CALLS=5000 bench/h2.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SA=$PWD/$BUILD/sockrec-analyze
SOCKREC=$PWD/$BUILD/sockrec
H2_REQUESTS=${H2_REQUESTS:-20000}
GRPC_CALLS=${GRPC_CALLS:-5000}
PY=/usr/bin/python3
for t in nghttpd h2load tshark /usr/bin/time "$SA" "$SOCKREC"; do
	command -v "$t" >/dev/null || { echo "h2.sh: $t is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
$PY -c 'import grpc' || { echo "h2.sh: python3-grpcio is missing" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "h2.sh: must run as root (sockrec)" >&2; exit 1; }

T=$(mktemp -d /tmp/sockrec-h2bench.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	[ -n "${KEEP:-}" ] && echo "kept $T" >&2 || rm -rf "$T"
}
trap cleanup EXIT
TAG=h2bench-$$
P_H2=${BENCH_H2_PORT:-27810}
P_GRPC=$((P_H2 + 1))
mkdir -p "$T/www"
head -c 3072 /dev/urandom | base64 -w 76 >"$T/www/f.txt" # ~4 KiB

"$SOCKREC" -w "$T/cap.srz" -q --allow "$TAG" --ring-size 67108864 2>"$T/sockrec.log" &
CAP=$!
for _ in $(seq 100); do grep -q capturing "$T/sockrec.log" && break; sleep 0.1; done
grep -q capturing "$T/sockrec.log" || { cat "$T/sockrec.log" >&2; exit 1; }
ADI_PROFILE=$TAG taskset -c 0 nghttpd --no-tls -d "$T/www" "$P_H2" >/dev/null 2>&1 &
PIDS+=($!)
ADI_PROFILE=$TAG taskset -c 0 $PY tests/servers/grpc/grpc_pair.py server "$P_GRPC" >"$T/grpc.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do grep -q listening "$T/grpc.log" && break; sleep 0.1; done
sleep 0.5
ADI_PROFILE=$TAG taskset -c 1 h2load -n "$H2_REQUESTS" -c 4 -m 10 "http://127.0.0.1:$P_H2/f.txt" >"$T/h2load.out"
ADI_PROFILE=$TAG taskset -c 1 $PY tests/servers/grpc/grpc_pair.py load "$P_GRPC" "$GRPC_CALLS" >"$T/load.out"
sleep 1
kill -INT "$CAP"
wait "$CAP"
ok=$(awk '/^requests:/ { print $8; exit }' "$T/h2load.out")

timed() { # name cmd... -> "seconds maxrss_kb user system"
	local name=$1
	shift
	/usr/bin/time -f '%e %M %U %S' -o "$T/$name.time" taskset -c 0 "$@" >"$T/$name.out" 2>"$T/$name.err" ||
		{ echo "h2.sh: $name failed: $(head -c 300 "$T/$name.err")" >&2; exit 1; }
	tail -n1 "$T/$name.time"
}
payload=$("$SA" info "$T/cap.srz" | awk '/bytes_captured:/ { print $2; exit }')
drops=$("$SA" info "$T/cap.srz" | awk '/^loss:/ { l = 1; next } /^[a-z]/ { l = 0 }
	l && /^  (ring_full|user_dropped):/ { s += $2 } END { print s + 0 }')
best=
for _ in 1 2 3; do
	rm -rf "$T/out"
	read -r s rss us sy < <(timed analyze "$SA" report "$T/cap.srz" -o "$T/out")
	if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then
		best=$s a_rss=$rss a_us=$us a_sy=$sy
	fi
done
a_msgs=$(grep -c '"http_version":"HTTP/2"' "$T/out/http.jsonl" || true)
a_grpc=$(grep -c '"grpc":{' "$T/out/http.jsonl" || true)
"$SA" convert "$T/cap.srz" "$T/cap.pcapng" >/dev/null
read -r t_s t_rss t_us t_sy < <(timed tshark tshark -r "$T/cap.pcapng" -d "tcp.port==$P_H2,http2" \
	-d "tcp.port==$P_GRPC,http2" -Y 'http2.type == 1' -T fields -e http2.type -e http2.headers.path \
	-e http2.headers.status)
t_blocks=$(awk -F'\t' '{ n = split($1, a, ","); for (i = 1; i <= n; i++) c += a[i] == 1 } END { print c + 0 }' "$T/tshark.out")

mbs() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / 1e6 / (s > 0 ? s : 0.001) }'; }
echo "## 6. HTTP/2 and gRPC: analyzer vs tshark (bench/h2.sh, one core each, same traffic)"
echo
echo "Traffic: h2load -n $H2_REQUESTS -c 4 -m 10 (4 KiB responses; $ok succeeded) -> nghttpd, and" \
	"$(cat "$T/load.out") gRPC calls (python3-grpcio), both ends recorded: $((payload / 1000000)) MB of payload, $drops events dropped (ring full)." \
	"The analyzer logs each message once per recorded end (twice here); the pcapng holds each byte once."
echo "Commands: \`sockrec-analyze report ARCHIVE -o DIR\` (fastest of 3) and \`tshark -r ARCHIVE.pcapng -d tcp.port==P,http2 -Y 'http2.type == 1' -T fields -e http2.type -e http2.headers.path -e http2.headers.status\` (once)."
echo
echo "| tool | wall s | user s | sys s | MB/s of payload | peak RSS MB | what it found |"
echo "|---|---:|---:|---:|---:|---:|---|"
printf '| sockrec-analyze report | %.2f | %.2f | %.2f | %s | %.0f | %s HTTP/2 messages (%s gRPC) |\n' \
	"$best" "$a_us" "$a_sy" "$(mbs "$payload" "$best")" "$(echo "$a_rss" | awk '{ print $1 / 1024 }')" "$a_msgs" "$a_grpc"
printf '| tshark (http2, grpc) | %.2f | %.2f | %.2f | %s | %.0f | %s HEADERS frames (trailers included) |\n' \
	"$t_s" "$t_us" "$t_sy" "$(mbs "$payload" "$t_s")" "$(echo "$t_rss" | awk '{ print $1 / 1024 }')" "$t_blocks"
echo
awk -v a="$best" -v t="$t_s" 'BEGIN { printf "Speed-up over tshark: **%.1f×**.\n", t / (a > 0 ? a : 0.001) }'
