#!/usr/bin/env bash
# guest-tests.sh - what make test-kernels runs inside each guest (through
# scripts/vm-run.sh): the kernel's BPF features, whether sockrec starts (and
# stops cleanly, exit 0) and what it chose, then the end-to-end tests named
# as arguments, each under a time limit, one PASS/FAIL/SKIP line each as
# tests/run-tests.sh prints them.
# The last line is "guest: N passed, N failed, N skipped"; exit 0 only when
# nothing failed (with SOCKREC_REQUIRE_ALL=1 a skip counts as failed).
#
#   tests/kernels/guest-tests.sh capture_ring capture_snaplen ...
#
# Logs go to $VM_RESULTS/logs/NAME.log (the results share: kept on the host).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
export BUILD SOCKREC_BUILD=$BUILD
LOGDIR=${VM_RESULTS:-/tmp}/logs
mkdir -p "$LOGDIR"
LIMIT=${VM_TEST_TIMEOUT:-300}

echo "== kernel $(uname -r)"
tests/kernels/features.sh 2>&1 | sed 's/^/   /'

pass=0 fail=0 skip=0
failed=()

# does sockrec start here? Its first line says what it chose, or why not:
# a check of its own, so that a kernel where it cannot start fails even when
# the tests given need no capture.
echo "== sockrec start"
SC=$(mktemp -d /tmp/sockrec-start.XXXXXX)
trap 'rm -rf "$SC"' EXIT
"$BUILD/sockrec" -q -w "$SC/start.srz" 2>"$SC/log" &
pid=$!
for _ in $(seq 600); do
	grep -q '^sockrec: capturing' "$SC/log" && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
kill -INT $pid 2>/dev/null
for _ in $(seq 300); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -KILL $pid 2>/dev/null && echo "sockrec: did not stop within 30 s of SIGINT" >>"$SC/log"
wait $pid
src=$?
sed 's/^/   /' "$SC/log"
if grep -q '^sockrec: capturing' "$SC/log" && [ $src -eq 0 ]; then
	pass=$((pass + 1))
	echo "PASS  sockrec start"
	echo "   starts: yes: $(grep -m1 '^sockrec: capturing' "$SC/log")"
else
	fail=$((fail + 1)) failed+=(sockrec-start)
	echo "FAIL  sockrec start"
	echo "   starts: NO (exit $src): $(grep -m1 . "$SC/log")"
fi

for name in "$@"; do
	t=tests/e2e/$name.sh
	log=$LOGDIR/$name.log
	start=$(date +%s)
	if [ -x "$t" ]; then
		timeout -k 10 "$LIMIT" "$t" >"$log" 2>&1
		rc=$?
	else
		echo "no such test: $t" >"$log"
		rc=1
	fi
	secs=$(($(date +%s) - start))
	case $rc in
	0) pass=$((pass + 1)); printf 'PASS  e2e/%-36s %4ss\n' "$name" $secs ;;
	77) skip=$((skip + 1))
	    printf 'SKIP  e2e/%-36s %s\n' "$name" "$(grep -m1 -i 'skip' "$log" || tail -n1 "$log")"
	    [ "${SOCKREC_REQUIRE_ALL:-0}" = 1 ] && { fail=$((fail + 1)); failed+=("$name"); } ;;
	*) fail=$((fail + 1)); failed+=("$name")
	   [ $rc -eq 124 ] && echo "timed out after ${LIMIT}s" >>"$log"
	   printf 'FAIL  e2e/%-36s %4ss (exit %d, log logs/%s.log)\n' "$name" $secs $rc "$name"
	   tail -n 20 "$log" | sed 's/^/      | /' ;;
	esac
done
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "guest: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
