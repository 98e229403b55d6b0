#!/usr/bin/env bash
# Runs every test sockrec has, in this order, and prints one summary line:
#   1. unit tests       $BUILD/tests/test_*            (cmocka)
#   2. fuzz corpora     $BUILD/tests/replay_NAME tests/corpus/NAME, and
#                       tests/analyze_commands.sh (every analyzer command on
#                       every analyzer corpus file and reproducer)
#   3. end-to-end       tests/e2e/*.sh                 (real servers, BPF, root)
#   4. golden           tests/golden.sh                (fixtures/TESTLIST)
# A test exits 0 (pass), 77 (skipped: it prints why) or anything else (fail).
# Skipped tests are listed by name with their reason in the closing summary,
# like failed ones. With SOCKREC_REQUIRE_ALL=1 (CI, as root) a skipped test
# counts as failed.
# ONLY=pattern runs the tests whose name contains pattern.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
export SOCKREC_BUILD=$BUILD
LOGDIR=$BUILD/test-logs
mkdir -p "$LOGDIR"

pass=0 fail=0 skip=0
failed=() skipped=() skip_why=()

run() { # name cmd...
	local name=$1; shift
	if [ -n "${ONLY:-}" ] && [[ $name != *"$ONLY"* ]]; then return; fi
	local log=$LOGDIR/${name//\//_}.log start end rc
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	# a cmocka binary exits 0 when some of its tests called skip(): still a skip
	[ $rc = 0 ] && grep -q '^\[  SKIPPED  \]' "$log" && rc=77
	case $rc in
	0) pass=$((pass + 1)); printf 'PASS  %-40s %3ss\n' "$name" $((end - start)) ;;
	77) skip=$((skip + 1)); skipped+=("$name")
	    skip_why+=("$(grep -m1 -i 'skip' "$log" || tail -n1 "$log")")
	    printf 'SKIP  %-40s %s\n' "$name" "${skip_why[-1]}" ;;
	*) fail=$((fail + 1)); failed+=("$name")
	   printf 'FAIL  %-40s (exit %d, log %s)\n' "$name" $rc "$log"
	   tail -n 30 "$log" | sed 's/^/      | /' ;;
	esac
	# cmocka summaries and other closing lines, so the log of make test shows them
	grep -E '^\[  (PASSED|FAILED|SKIPPED)  \]|^\[==========\]' "$log" | sed 's/^/      /'
}

echo "== unit tests"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run "unit/$(basename "$t")" "$t"
done

echo "== fuzz corpora"
for t in "$BUILD"/tests/replay_*; do
	[ -x "$t" ] || continue
	n=${t##*/replay_}
	run "corpus/$n" "$t" "tests/corpus/$n"
done
run "corpus/analyze_commands" tests/analyze_commands.sh

echo "== end-to-end"
for t in tests/e2e/*.sh; do
	[ -x "$t" ] || continue
	run "e2e/$(basename "$t" .sh)" timeout 600 "$t"
done

echo "== golden"
if [ -x tests/golden.sh ]; then
	run "golden" tests/golden.sh
fi

echo "=="
# a skip is a test that did not run: as visible as a failure
if [ $skip -gt 0 ]; then
	echo "SKIPPED: $skip test(s) did not run:"
	for i in "${!skipped[@]}"; do
		printf '  SKIP  %-40s %s\n' "${skipped[$i]}" "${skip_why[$i]}"
	done
fi
if [ ${#failed[@]} -gt 0 ]; then
	echo "FAILED: ${#failed[@]} test(s):"
	printf '  FAIL  %s\n' "${failed[@]}"
fi
if [ "${SOCKREC_REQUIRE_ALL:-0}" = 1 ] && [ $skip -gt 0 ]; then
	echo "SOCKREC_REQUIRE_ALL=1: skipped tests count as failures: ${skipped[*]}"
	fail=$((fail + skip))
fi
echo "tests: $pass passed, $fail failed, $skip skipped$([ $skip -gt 0 ] && echo " (NOT RUN: ${skipped[*]})")"
[ $fail -eq 0 ]
