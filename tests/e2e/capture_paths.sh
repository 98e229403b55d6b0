#!/usr/bin/env bash
# capture_paths.sh - every BPF path this machine's kernel can take records
# the same: the capture tests that depend on the path (every send/receive
# syscall family with its payloads and stream positions, snaplen and
# truncation, nginx and curl at both ends, a ring too small for the load
# with its losses counted, connections older than the capture) run again
# with each SOCKREC_FORCE setting, and each run's archive must say it was
# recorded that way (the capture header's paths). The default path runs in
# the tests themselves; make test-kernels runs them on older kernels.
. "$(dirname "$0")/capture_lib.sh"

dir=$(cd "$(dirname "$0")" && pwd)
tests="capture_syscalls capture_snaplen capture_nginx_curl capture_ring capture_preexisting"
declare -A want=(
	[scratch]="copy=scratch core=modern"
	[syscalls]="hooks=syscall-tracepoints copy=scratch core=modern accept=syscall-tracepoints"
	[compat]="hooks=syscall-tracepoints copy=scratch core=compat accept=syscall-tracepoints"
)
fails=0
for force in scratch syscalls compat; do
	# the path this kernel takes when forced, as the capture header says it
	CAP_OUT=$T/probe-$force.srz
	SOCKREC_FORCE=$force start_capture -q
	stop_capture >/dev/null
	dump "$CAP_OUT"
	paths=$(FORCE=$force check 'print(field(of("capture_header")[0], "paths").decode())' | tail -1)
	for kv in ${want[$force]}; do
		case " $paths " in
		*" $kv "*) ;;
		*) die "SOCKREC_FORCE=$force: the archive says '$paths', wanted $kv" ;;
		esac
	done
	log "SOCKREC_FORCE=$force: $paths"
	for t in $tests; do
		if SOCKREC_FORCE=$force "$dir/$t.sh" >"$T/$t-$force.log" 2>&1; then
			echo "   pass  $t ($force)"
		else
			echo "   FAIL  $t ($force):"
			tail -20 "$T/$t-$force.log" | sed 's/^/      /'
			fails=$((fails + 1))
		fi
	done
done
[ $fails -eq 0 ] || die "$fails test runs failed on a forced path"
echo "PASS"
