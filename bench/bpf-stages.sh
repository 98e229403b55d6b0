#!/usr/bin/env bash
# bpf-stages.sh - where the time of one captured send/receive goes, in the
# kernel (root; not part of make test).
#
# Builds sockrec five times (build/stage-N), each with the data path of
# bpf/sockrec.bpf.c stopped after stage N (SR_BPF_STAGE):
#   1 target filter          the tgid bit test every socket call pays
#   2 socket identification  sock checks, saved user registers, 4-tuple,
#                            inode, first-sight slot, TCP sequence
#   3 ring reserve + commit  an empty record
#   4 record header          timestamp, ids, comm, socket (no payload)
#   5 payload copy           the real program
# and runs bench/syscall_cost (write+read of SIZE bytes, opted in) under
# each, with the kernel's BPF run-time statistics on
# (kernel.bpf_stats_enabled): ns per run of the send and receive programs.
# The statistics add their own clock reads to every run; the differences
# between stages do not contain them. Stages 3 and 4 take the general
# (dynptr) record path; in stage 5 a payload of at most 512 bytes from one
# buffer takes the cheaper fixed-slot path, so the last difference is the
# copy less what that path saves. Prints one line per stage:
#   stage N  <ns per run>  <+ns vs previous stage>  <ns per syscall, wall>
#
#   bench/bpf-stages.sh [SIZE]          SIZE: 256 (default)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-256}
[ "$(id -u)" -eq 0 ] || { echo "bpf-stages: run as root" >&2; exit 2; }
make -s build/bench/syscall_cost >&2
for n in 1 2 3 4 5; do
	make -s BUILD=build/stage-$n BPF_DEFS=-DSR_BPF_STAGE=$n build/stage-$n/sockrec >&2
done

tmp=$(mktemp -d)
cap_pid=
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
	[ -n "$cap_pid" ] && kill -INT "$cap_pid" 2>/dev/null && wait "$cap_pid" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$old_stats"
	rm -rf "$tmp"
}
trap cleanup EXIT
sysctl -qw kernel.bpf_stats_enabled=1

run_stage() { # n -> "ns_per_run wall_ns"
	rm -f "$tmp/cap.srz"
	"build/stage-$1/sockrec" -q -w "$tmp/cap.srz" --allow sockrec-bench 2>"$tmp/cap.log" &
	cap_pid=$!
	for _ in $(seq 100); do
		grep -qs '^sockrec: capturing' "$tmp/cap.log" && break
		sleep 0.1
	done
	local wall
	wall=$(ADI_PROFILE=sockrec-bench build/bench/syscall_cost -n 1000 -r 200 -G "$SIZE" |
		awk '{ print $2 }')
	local per_run
	per_run=$(bpftool prog show | grep -A1 -E ' name sr_(send|recv) ' |
		grep -oE 'run_time_ns [0-9]+ run_cnt [0-9]+' |
		awk '{ t += $2; c += $4 } END { if (c) printf "%.0f", t / c; else print "nan" }')
	kill -INT "$cap_pid"
	wait "$cap_pid" || true
	cap_pid=
	echo "$per_run $wall"
}

names=("" "target filter" "socket identification" "ring reserve + commit" "record header" \
	"payload copy ($SIZE B)")
prev=
printf '%-7s %-24s %10s %8s %14s\n' stage part "ns/run" "+ns" "ns/call wall"
for n in 1 2 3 4 5; do
	# best of 3: other load only ever adds time
	best=$(for _ in 1 2 3; do run_stage "$n"; done | sort -n | head -n1)
	read -r per_run wall <<<"$best"
	printf '%-7s %-24s %10s %8s %14s\n' "$n" "${names[$n]}" "$per_run" \
		"$([ -n "$prev" ] && echo "+$((per_run - prev))" || echo -)" "$wall"
	prev=$per_run
done
