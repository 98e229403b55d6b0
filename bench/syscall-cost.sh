#!/usr/bin/env bash
# syscall-cost.sh - what sockrec adds to one syscall (root; not part of make test).
#
# Runs build/bench/syscall_cost (see bench/syscall_cost.c) in three modes:
#   off         no sockrec
#   ignored     sockrec running, this process not a target
#   captured    sockrec running, the process opted in (ADI_PROFILE), so each
#               write and read on its loopback TCP connection is recorded
# and prints ns per syscall for getppid (never recorded), and write+read of
# 256 B and 4 KiB (recorded when captured), with the difference to "off".
# The two sockrec modes are measured once per BPF path this kernel can take
# (PATHS: "default" and SOCKREC_FORCE settings; default "default scratch
# syscalls compat"), each row named MODE/PATH.
# Every number is the best of many short rounds (min is robust against
# other load); REPS repeats each mode and keeps the best.
#
#   bench/syscall-cost.sh            BUILD=build REPS=3 PATHS="default scratch syscalls compat"
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
REPS=${REPS:-3}
PATHS=${PATHS:-default scratch syscalls compat}
[ "$(id -u)" -eq 0 ] || { echo "syscall-cost: run as root" >&2; exit 2; }
make -s "$BUILD/sockrec" "$BUILD/bench/syscall_cost" >&2

tmp=$(mktemp -d)
cap_pid=
cleanup() {
	[ -n "$cap_pid" ] && kill -INT "$cap_pid" 2>/dev/null && wait "$cap_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

bench() { # [env...] -> "getppid N\nrw256 N\nrw4096 N", best of REPS
	for _ in $(seq "$REPS"); do
		env "$@" "$BUILD/bench/syscall_cost" -n 1000 -r 500 256 4096
	done | awk '{ if (!($1 in m) || $2 < m[$1]) m[$1] = $2 } END { for (k in m) print k, m[k] }' |
		sort
}

start_capture() { # PATH
	local force=$1
	[ "$force" = default ] && force=
	rm -f "$tmp/cap.srz"
	SOCKREC_FORCE=$force "$BUILD/sockrec" -w "$tmp/cap.srz" --allow sockrec-bench 2>"$tmp/cap.log" &
	cap_pid=$!
	for _ in $(seq 100); do
		grep -q '^sockrec: capturing' "$tmp/cap.log" && return 0
		sleep 0.1
	done
	echo "syscall-cost: sockrec did not start:" >&2
	cat "$tmp/cap.log" >&2
	exit 1
}

stop_capture() {
	kill -INT "$cap_pid"
	wait "$cap_pid" || true
	cap_pid=
}

bench -u ADI_PROFILE >"$tmp/off"
modes=()
for path in $PATHS; do
	start_capture "$path"
	echo "$path: $(sed -n 's/^sockrec: capturing.*; \(hooks: .*\))$/\1/p' "$tmp/cap.log")"
	bench -u ADI_PROFILE >"$tmp/ignored-$path"
	bench ADI_PROFILE=sockrec-bench >"$tmp/captured-$path"
	stop_capture
	modes+=("ignored-$path" "captured-$path")
done
bench -u ADI_PROFILE >"$tmp/off2"

# the better of the two "off" runs is the baseline
join "$tmp/off" "$tmp/off2" | awk '{ print $1, ($2 < $3 ? $2 : $3) }' >"$tmp/base"

printf '%-19s %12s %12s %12s   (ns per syscall; +delta vs off)\n' mode/path getppid rw256 rw4096
for mode in base "${modes[@]}"; do
	join "$tmp/base" "$tmp/$mode" | awk -v mode="$mode" '
		{ v[$1] = $3; d[$1] = $3 - $2 }
		END {
			name = mode == "base" ? "off" : mode
			sub(/-/, "/", name)
			if (mode == "base")
				printf "%-19s %12.1f %12.1f %12.1f\n", name, v["getppid"], v["rw256"], v["rw4096"]
			else
				printf "%-19s %5.1f %+6.1f %5.1f %+6.1f %5.1f %+6.1f\n", name,
					v["getppid"], d["getppid"], v["rw256"], d["rw256"], v["rw4096"], d["rw4096"]
		}'
done
