#!/usr/bin/env bash
# run.sh - `make bench`: sockrec against its anchors, measured in one run.
#
#   1. capture overhead   wrk -> nginx (keep-alive, small response, loopback):
#                         no capture | sockrec capturing nginx and wrk |
#                         sockrec running, nothing opted in | tcpdump -i lo -w
#                         interleaved A B C D, ROUNDS times, DURATION s each
#   2. per-syscall cost   bench/syscall-cost.sh
#   3. analyzer           sockrec-analyze report on >= ANALYZE_MB of payload
#                         versus tshark -q -z http,tree on the same traffic
#                         as pcapng; seconds, MB/s, peak RSS (one core)
#   4. size               .srz vs our .pcapng vs tcpdump's pcap, same traffic
#
# Only ratios measured in this run are compared; absolute numbers depend on
# the machine. Results: a Markdown table in bench/results/<date>-<host>.md
# (and bench/results/latest.md).
#
#   ROUNDS=3 DURATION=30 ANALYZE_MB=1024 bench/run.sh
#   QUICK=1 bench/run.sh            (ROUNDS=1 DURATION=5 ANALYZE_MB=128)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${QUICK:-0}" = 1 ]; then
	ROUNDS=${ROUNDS:-1} DURATION=${DURATION:-5} ANALYZE_MB=${ANALYZE_MB:-128}
fi
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-30}
ANALYZE_MB=${ANALYZE_MB:-1024}
CONNS=${CONNS:-16}
BUILD=${BUILD:-build}
PORT=${BENCH_PORT:-27800}
PORT_PLAIN=$((PORT + 1))
PORT_BIG=$((PORT + 2))

# shellcheck source=../scripts/lib/services.sh
. scripts/lib/services.sh
SR_PROFILE=bench
sr_init bench
for t in wrk tcpdump tshark editcap /usr/bin/time; do
	command -v "$t" >/dev/null || sr_die "$t is missing: scripts/install-deps.sh --bench"
done
SA=$SR_ROOT/$BUILD/sockrec-analyze
SOCKREC=$SR_ROOT/$BUILD/sockrec
RES=$SR_TMP/res
mkdir -p "$RES" bench/results

# The nginx under test: opted in (ADI_PROFILE=bench) on PORT, a second,
# identical one not opted in on PORT_PLAIN (for "sockrec running, no target").
sr_start_nginx "$PORT" nginx
NGINX_OPTED=$SR_PID
# sr_start_nginx keeps its state in $SR_TMP/nginx: the second gets its own
mkdir -p "$SR_TMP/plain/log"
SR_TMP=$SR_TMP/plain SR_PROFILE='' sr_start_nginx "$PORT_PLAIN" nginx-plain ||
	sr_die "second nginx did not start"
NGINX_PLAIN=$SR_PID
# nginx on core 0, wrk on core 1
pin_nginx() { for p in $(pgrep -P "$1") "$1"; do taskset -pc 0 "$p" >/dev/null; done; }
pin_nginx "$NGINX_OPTED"
pin_nginx "$NGINX_PLAIN"
# nginx rewrites its environment block (process titles), so a /proc scan
# cannot see its ADI_PROFILE: name its processes, as the README advises
NGINX_PIDS=()
for p in "$NGINX_OPTED" $(pgrep -P "$NGINX_OPTED"); do NGINX_PIDS+=(--pid "$p"); done

# wrk on the other core; prints "rps p99_ms"
run_wrk() { # port optin(0|1) seconds
	local envs=()
	[ "$2" = 1 ] && envs=(ADI_PROFILE=bench ADI_PROFILE_NAME=wrk)
	env -i "${SR_BASE_ENV[@]}" "${envs[@]}" taskset -c 1 \
		wrk -t1 -c"$CONNS" -d"$3"s --latency "http://127.0.0.1:$1/api/hello" >"$RES/wrk.out" 2>&1
	awk '/^Requests\/sec:/ { rps = $2 }
	     /^ +99%/ { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
	                else if (v ~ /ms$/) { sub(/ms$/, "", v) }
	                else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
	                p99 = v }
	     END { printf "%s %s\n", rps, p99 }' "$RES/wrk.out"
}

cap_start() { # out [args...]
	local out=$1
	shift
	rm -f "$out"
	env -i "${SR_BASE_ENV[@]}" "$SOCKREC" -w "$out" -q --allow bench "$@" 2>"$RES/cap.log" &
	CAP=$!
	for _ in $(seq 300); do
		grep -q '^sockrec: capturing' "$RES/cap.log" && return 0
		sleep 0.1
	done
	cat "$RES/cap.log" >&2
	sr_die "sockrec did not start"
}
cap_stop() {
	kill -INT "$CAP"
	wait "$CAP" || sr_die "sockrec failed: $(cat "$RES/cap.log")"
}
drops_of() { # archive -> ring_full total
	"$SA" info "$1" 2>/dev/null | awk '/^loss:/ { l = 1 } l && /ring_full:/ { print $2; exit }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ------------------------------------------------------------ 1. overhead
sr_log "1/4 capture overhead: $ROUNDS rounds x 4 modes x ${DURATION}s"
: >"$RES/overhead"
for r in $(seq "$ROUNDS"); do
	for mode in none capture idle tcpdump; do
		bytes=0 drops=-
		case $mode in
		none) read -r rps p99 < <(run_wrk "$PORT" 0 "$DURATION") ;;
		capture)
			cap_start "$RES/o.srz" "${NGINX_PIDS[@]}"
			read -r rps p99 < <(run_wrk "$PORT" 1 "$DURATION")
			cap_stop
			bytes=$(stat -c %s "$RES/o.srz")
			drops=$(drops_of "$RES/o.srz") ;;
		idle)
			cap_start "$RES/o.srz"
			read -r rps p99 < <(run_wrk "$PORT_PLAIN" 0 "$DURATION")
			cap_stop
			bytes=$(stat -c %s "$RES/o.srz")
			drops=$(drops_of "$RES/o.srz") ;;
		tcpdump)
			tcpdump -i lo -s 0 -w "$RES/o.pcap" "tcp port $PORT" 2>"$RES/tcpdump.log" &
			td=$!
			sleep 1
			read -r rps p99 < <(run_wrk "$PORT" 0 "$DURATION")
			kill -INT "$td"
			wait "$td" || true
			bytes=$(stat -c %s "$RES/o.pcap")
			drops=$(sed -n 's/^\([0-9]*\) packets dropped by kernel/\1/p' "$RES/tcpdump.log") ;;
		esac
		echo "$mode $r $rps $p99 $bytes ${drops:-0}" | tee -a "$RES/overhead" >&2
	done
done

# ------------------------------------------------------------ 2. syscalls
sr_log "2/4 per-syscall cost"
BUILD=$BUILD REPS=3 bench/syscall-cost.sh >"$RES/syscall" 2>"$RES/syscall.err" ||
	{ cat "$RES/syscall.err" >&2; sr_die "syscall-cost failed"; }
cat "$RES/syscall" >&2

# ------------------------------------------------------------ 3. analyzer
sr_log "3/4 analyzer on >= ${ANALYZE_MB} MB of payload"
# 200,000-byte responses over keep-alive: payload grows fast; both ends are
# targets, so each byte is recorded twice (client and server), as in
# production when both sides opt in.
cap_start "$RES/big.srz" -s 262144 "${NGINX_PIDS[@]}"
# an exact volume: each 200,000-byte response is recorded at both ends
requests=$(((ANALYZE_MB * 1000000 + 399999) / 400000))
secs=$(date +%s)
env -i "${SR_BASE_ENV[@]}" ADI_PROFILE=bench ADI_PROFILE_NAME=loader taskset -c 1 \
	curl -s "http://127.0.0.1:$PORT/static/big.bin?n=[1-$requests]" >/dev/null
secs=$(($(date +%s) - secs))
cap_stop
payload=$("$SA" info "$RES/big.srz" | awk '/bytes_captured:/ { print $2; exit }') || true
sr_log "recorded $((payload / 1000000)) MB of payload in ~${secs}s"
"$SA" convert "$RES/big.srz" "$RES/big.pcapng"

timed() { # name cmd... -> "seconds maxrss_kb"
	local name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$RES/$name.time" taskset -c 0 "$@" >"$RES/$name.out" 2>"$RES/$name.err" || true
	tail -n1 "$RES/$name.time"
}
read -r a_secs a_rss < <(timed analyze "$SA" report "$RES/big.srz" -o "$RES/report")
# memory must not grow with archive size: the same on a quarter of it
head -c $(($(stat -c %s "$RES/big.srz") / 4)) "$RES/big.srz" >"$RES/quarter.srz"
read -r q_secs q_rss < <(timed quarter "$SA" report "$RES/quarter.srz" -o "$RES/report-q")
TSHARK_TIMEOUT=${TSHARK_TIMEOUT:-1800}
read -r t_secs t_rss < <(timed tshark timeout "$TSHARK_TIMEOUT" tshark -r "$RES/big.pcapng" -q -z http,tree)

# ------------------------------------------------------------ 4. size
sr_log "4/4 size of the same traffic"
tcpdump -i lo -s 0 -w "$RES/s.pcap" "tcp port $PORT" 2>/dev/null &
td=$!
sleep 1
cap_start "$RES/s.srz" "${NGINX_PIDS[@]}"
run_wrk "$PORT" 1 "$DURATION" >/dev/null
cap_stop
sleep 0.5
kill -INT "$td"
wait "$td" || true
"$SA" convert "$RES/s.srz" "$RES/s.pcapng"
sz_srz=$(stat -c %s "$RES/s.srz")
sz_png=$(stat -c %s "$RES/s.pcapng")
sz_pcap=$(stat -c %s "$RES/s.pcap")

# ------------------------------------------------------------ report
host=$(hostname -s)
out=bench/results/$(date -u +%Y-%m-%d)-$host.md
{
	echo "# sockrec bench — $(date -u +%Y-%m-%dT%H:%MZ), $host, $(nproc) cores, kernel $(uname -r)"
	echo
	echo "ROUNDS=$ROUNDS DURATION=${DURATION}s CONNS=$CONNS; medians over the rounds, interleaved."
	echo
	echo "## 1. Capture overhead (wrk -> nginx, keep-alive, small response)"
	echo
	echo "| mode | req/s | vs none | p99 ms | bytes written | drops | target |"
	echo "|---|---:|---:|---:|---:|---:|---|"
	base=$(awk '$1 == "none" { print $3 }' "$RES/overhead" | median)
	for mode in none capture idle tcpdump; do
		rps=$(awk -v m=$mode '$1 == m { print $3 }' "$RES/overhead" | median)
		p99=$(awk -v m=$mode '$1 == m { print $4 }' "$RES/overhead" | median)
		by=$(awk -v m=$mode '$1 == m { print $5 }' "$RES/overhead" | median)
		dr=$(awk -v m=$mode '$1 == m { s += $6 } END { print s + 0 }' "$RES/overhead")
		case $mode in
		none) label="no capture"; tgt="" ;;
		capture) label="sockrec, nginx + wrk opted in"; tgt="≤ 3 % and ≤ tcpdump's cost; 0 drops" ;;
		idle) label="sockrec, nothing opted in"; tgt="≤ 1 %" ;;
		tcpdump) label="tcpdump -i lo -w, full snaplen"; tgt="" ;;
		esac
		printf '| %s | %.0f | %+.1f %% | %.2f | %s | %s | %s |\n' "$label" "$rps" \
			"$(echo "$rps $base" | awk '{ print ($1 / $2 - 1) * 100 }')" "$p99" "$by" "$dr" "$tgt"
	done
	echo
	echo "## 2. Per-syscall cost (bench/syscall-cost.sh; ns per call, + added vs off)"
	echo
	echo '```'
	cat "$RES/syscall"
	echo '```'
	echo "Targets: ≤ 10 ns added for syscalls of non-targets; ≤ 150 ns plus copy for a captured send or receive."
	echo
	echo "## 3. Analyzer vs tshark (one core, same traffic)"
	echo
	echo "Payload: $((payload / 1000000)) MB (.srz $(($(stat -c %s "$RES/big.srz") / 1000000)) MB, .pcapng $(($(stat -c %s "$RES/big.pcapng") / 1000000)) MB)."
	echo
	echo "| tool | seconds | MB/s of payload | peak RSS MB |"
	echo "|---|---:|---:|---:|"
	printf '| sockrec-analyze report | %.2f | %.0f | %.0f |\n' "$a_secs" \
		"$(echo "$payload $a_secs" | awk '{ print $1 / 1e6 / ($2 > 0 ? $2 : 0.01) }')" "$(echo "$a_rss" | awk '{ print $1 / 1024 }')"
	printf '| sockrec-analyze report, quarter of the archive | %.2f | – | %.0f |\n' "$q_secs" "$(echo "$q_rss" | awk '{ print $1 / 1024 }')"
	printf '| tshark -q -z http,tree | %.2f | %.1f | %.0f |\n' "$t_secs" \
		"$(echo "$payload $t_secs" | awk '{ print $1 / 1e6 / ($2 > 0 ? $2 : 0.01) }')" "$(echo "$t_rss" | awk '{ print $1 / 1024 }')"
	printf '\nSpeed-up over tshark: **%.0f×** (target ≥ 50×); analyzer ≥ 300 MB/s on one core; RSS flat with archive size.\n' \
		"$(echo "$t_secs $a_secs" | awk '{ print $1 / ($2 > 0 ? $2 : 0.01) }')"
	[ "$(cat "$RES/tshark.time" | tail -n1 | cut -d' ' -f1 | cut -d. -f1)" -ge "$TSHARK_TIMEOUT" ] 2>/dev/null &&
		echo "(tshark was stopped after ${TSHARK_TIMEOUT}s: its speed is a lower bound of the ratio.)"
	echo
	echo "## 4. Size of the same traffic (${DURATION}s of wrk -> nginx)"
	echo
	echo "| file | bytes | vs tcpdump pcap |"
	echo "|---|---:|---:|"
	for f in "sockrec .srz:$sz_srz" "sockrec .pcapng:$sz_png" "tcpdump pcap:$sz_pcap"; do
		printf '| %s | %s | %.1f %% |\n' "${f%%:*}" "${f##*:}" "$(echo "${f##*:} $sz_pcap" | awk '{ print $1 / $2 * 100 }')"
	done
	echo
	echo "Target: .srz ≤ 30 % of tcpdump's pcap. sockrec records both ends here (nginx and wrk are both targets), tcpdump each packet once."
} >"$out"
cp "$out" bench/results/latest.md
cat "$out"
