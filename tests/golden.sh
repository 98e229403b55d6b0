#!/usr/bin/env bash
# Golden tests: every line of fixtures/TESTLIST runs
#
#   $BUILD/sockrec-analyze SUBCOMMAND [OPTIONS...] fixtures/ARCHIVE
#
# and compares its stdout byte for byte with fixtures/EXPECTED (a diff is
# shown on failure). When fixtures/ARCHIVE ends in .srz and the same name
# with .pcapng exists, the test runs again on the pcapng ("NAME[pcapng]")
# against the same expected file: converting must not change what the
# analyzer concludes. Each test runs once per thread count in JOBS
# (-j N; default "1 2 3 8"): the outputs must be the same bytes for every N
# ("NAME -j2"; the first one is plain "NAME").
#
# TESTLIST lines (like tcpdump's tests/TESTLIST), # starts a comment:
#   NAME  ARCHIVE  SUBCOMMAND  EXPECTED  [OPTIONS...]
# OPTIONS go to the analyzer, except exit=N (expected exit status, default
# 0), which the runner keeps for itself.
#
#   tests/golden.sh            all tests
#   tests/golden.sh nginx      tests whose name contains "nginx"
#   BUILD=build/san tests/golden.sh
#   JOBS=1 tests/golden.sh     one thread only
#
# Prints PASS/FAIL per test and "golden: N passed, N failed"; exits 0 only
# when every test passed, 77 (skip) when the analyzer is not built.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ANALYZE=$BUILD/sockrec-analyze
LIST=fixtures/TESTLIST
filter=${1:-}
read -r -a jobs <<<"${JOBS:-1 2 3 8}"


if [ ! -x "$ANALYZE" ]; then
	echo "SKIP: $ANALYZE not built (run make)"
	exit 77
fi
if [ ! -r "$LIST" ]; then
	echo "FAIL: $LIST missing"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
failed=()

# run_one NAME ARCHIVE SUBCOMMAND EXPECTED WANT_EXIT [OPTIONS...]
run_one() {
	local name=$1 archive=$2 sub=$3 expected=$4 want=$5 j=$6 rc
	shift 6
	[ "$j" != "${jobs[0]}" ] && name="$name -j$j"
	if [ ! -r "fixtures/$expected" ]; then
		echo "FAIL  $name: fixtures/$expected missing"
		fail=$((fail + 1)); failed+=("$name")
		return
	fi
	timeout 120 "$ANALYZE" "$sub" -j "$j" "$@" "fixtures/$archive" </dev/null >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL  $name: exit $rc, expected $want"
		sed 's/^/      stderr| /' "$tmp/err" | head -n 10
		fail=$((fail + 1)); failed+=("$name")
	elif ! cmp -s "fixtures/$expected" "$tmp/out"; then
		echo "FAIL  $name: output differs from fixtures/$expected"
		diff -u --label "fixtures/$expected" --label "$sub $archive" \
			"fixtures/$expected" "$tmp/out" | head -n 60 | sed 's/^/      /'
		fail=$((fail + 1)); failed+=("$name")
	else
		echo "PASS  $name"
		pass=$((pass + 1))
	fi
}

n=0
while read -r name archive sub expected rest; do
	n=$((n + 1))
	case $name in '' | '#'*) continue ;; esac
	if [ -z "$expected" ]; then
		echo "FAIL  $LIST line $n: want NAME ARCHIVE SUBCOMMAND EXPECTED [OPTIONS]"
		fail=$((fail + 1)); failed+=("line$n")
		continue
	fi
	[ -n "$filter" ] && [[ $name != *"$filter"* ]] && continue
	want=0 opts=()
	for o in $rest; do
		case $o in
		'#'*) break ;;
		exit=*) want=${o#exit=} ;;
		*) opts+=("$o") ;;
		esac
	done
	for j in "${jobs[@]}"; do
		run_one "$name" "$archive" "$sub" "$expected" "$want" "$j" "${opts[@]}"
		if [[ $archive == *.srz ]] && [ -e "fixtures/${archive%.srz}.pcapng" ]; then
			run_one "$name[pcapng]" "${archive%.srz}.pcapng" "$sub" "$expected" "$want" "$j" \
				"${opts[@]}"
		fi
	done
done <"$LIST"

if [ $((pass + fail)) -eq 0 ]; then
	echo "SKIP: no test in $LIST${filter:+ matches $filter}"
	exit 77
fi
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "golden: $pass passed, $fail failed"
[ $fail -eq 0 ]
