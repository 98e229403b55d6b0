#!/usr/bin/env bash
# consumer-cost.sh - the capture's userspace CPU per request, two sockrec
# builds compared on the same load (e.g. before and after a writer change).
#
#   bench/consumer-cost.sh A_SOCKREC B_SOCKREC [ROUNDS] [SECONDS]
#
# wrk -t1 -c8 -> an opted-in nginx, wrk opted in too (both ends recorded,
# as bench/results/2026-12-03-consumer.md measured), nginx on core 0 and
# wrk on core 1. Each round runs A then B (interleaved, ROUNDS times,
# default 3, SECONDS of wrk each, default 5); per run: requests/s, the
# capture process's CPU (utime + stime over wrk's run) per 1,000 requests,
# the archive's bytes per request. Then one `perf record -e cpu-clock -g`
# of each capture over a wrk run, its samples by DSO and its top symbols
# (PERF=0 skips it; ROUNDS=0 gives only it). KEEP=DIR keeps each run's
# archive there (A-1.srz, B-1.srz, ...). Prints Markdown. Needs root and the e2e lock
# (flock /tmp/sockrec-e2e.lock bench/consumer-cost.sh ...).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 A_SOCKREC B_SOCKREC [ROUNDS] [SECONDS]" >&2; exit 2; }
A_BIN=$(realpath "$1") B_BIN=$(realpath "$2")
ROUNDS=${3:-3} SECS=${4:-5}
PORT=${BENCH_PORT:-27830}
# shellcheck source=../scripts/lib/services.sh
. scripts/lib/services.sh
# shellcheck source=lib.sh
. bench/lib.sh
SR_PROFILE=bench
sr_init consumer-cost
RES=$SR_TMP/res
mkdir -p "$RES"

sr_start_nginx "$PORT" nginx
for p in $(pgrep -P "$SR_PID") "$SR_PID"; do taskset -pc 0 "$p" >/dev/null; done


cap_start() { # binary out
	rm -f "$2"
	env -i "${SR_BASE_ENV[@]}" "$1" -w "$2" -q --allow bench 2>"$RES/cap.log" &
	CAP=$!
	for _ in $(seq 300); do
		grep -q '^sockrec: capturing' "$RES/cap.log" && return 0
		sleep 0.1
	done
	cat "$RES/cap.log" >&2
	sr_die "sockrec did not start"
}
run_wrk() { # seconds
	env -i "${SR_BASE_ENV[@]}" ADI_PROFILE=bench ADI_PROFILE_NAME=wrk taskset -c 1 \
		wrk -t1 -c8 -d"$1"s "http://127.0.0.1:$PORT/api/hello" >"$RES/wrk.out" 2>&1
	awk '/ requests in / { print $1 }' "$RES/wrk.out"
}

# one run: prints "rps cpu_ms_per_1k_requests bytes_per_request"
one() { # binary name
	local t0 t1 n sz
	cap_start "$1" "$RES/c.srz"
	sleep 0.5
	t0=$(pid_ticks "$CAP")
	n=$(run_wrk "$SECS")
	t1=$(pid_ticks "$CAP")
	cap_stop
	sz=$(stat -c %s "$RES/c.srz")
	[ -z "${KEEP:-}" ] || cp "$RES/c.srz" "$KEEP/$2.srz"
	awk -v n="$n" -v t=$((t1 - t0)) -v hz="$CLK_TCK" -v s="$SECS" -v sz="$sz" \
		'BEGIN { printf "%.0f %.1f %.1f\n", n / s, t * 1000 / hz / n * 1000, sz / n }'
}

declare -a ROWS_A=() ROWS_B=()
for r in $(seq "$ROUNDS"); do
	ROWS_A+=("$(one "$A_BIN" "A-$r")")
	ROWS_B+=("$(one "$B_BIN" "B-$r")")
	sr_log "round $r: A ${ROWS_A[-1]} | B ${ROWS_B[-1]}"
done

if [ "$ROUNDS" -gt 0 ]; then
echo "| round | A req/s | A capture CPU ms / 1k req | A archive B / req | B req/s | B capture CPU ms / 1k req | B archive B / req |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for i in $(seq 0 $((ROUNDS - 1))); do
	# shellcheck disable=SC2086
	printf '| %d | %s | %s | %s | %s | %s | %s |\n' $((i + 1)) ${ROWS_A[$i]} ${ROWS_B[$i]}
done
best() { printf '%s\n' "$@" | awk '{ print $2 }' | sort -g | head -1; }
echo
echo "Best (lowest) capture CPU per 1k requests: A $(best "${ROWS_A[@]}") ms, B $(best "${ROWS_B[@]}") ms."
fi

[ "${PERF:-1}" = 1 ] || exit 0
for w in A B; do
	bin=$A_BIN
	[ $w = B ] && bin=$B_BIN
	cap_start "$bin" "$RES/p.srz"
	sleep 0.5
	perf record -q -e cpu-clock -g -p "$CAP" -o "$RES/perf.$w" -- sleep $((SECS + 1)) 2>/dev/null &
	pp=$!
	sleep 0.3
	run_wrk "$SECS" >/dev/null
	wait "$pp" || true
	cap_stop
	echo
	echo "perf, $w ($bin): samples by DSO"
	echo
	echo '```'
	perf report -i "$RES/perf.$w" --no-children --sort dso --stdio -g none 2>/dev/null |
		awk '!/^#/ && NF && n++ < 12' 
	echo '```'
	echo
	echo "perf, $w: top symbols"
	echo
	echo '```'
	perf report -i "$RES/perf.$w" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
		awk '!/^#/ && NF && n++ < 16' 
	echo '```'
done
