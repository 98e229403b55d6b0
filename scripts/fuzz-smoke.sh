#!/usr/bin/env bash
# fuzz-smoke.sh - `make fuzz-smoke`: every libFuzzer target built by
# `make fuzz` runs FUZZ_SECONDS (default 60) from its corpus
# (tests/corpus/NAME). A crash, leak, sanitizer report or timeout fails it;
# the input is kept as build/fuzz/artifacts/NAME/crash-* (replay it with
# build/fuzz/fuzz_NAME FILE, or add it to the corpus once fixed).
#
# New inputs go to build/fuzz/new/NAME, never into the repository, unless
# FUZZ_MERGE=1: then libFuzzer's merge adds to tests/corpus/NAME only those
# that reach edges the corpus does not (-use_counters=0; at most -max_len).
#
#   FUZZ_SECONDS=10 scripts/fuzz-smoke.sh [NAME...]
set -u
cd "$(dirname "$0")/.."
FUZZ_BUILD=${FUZZ_BUILD:-build/fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_MAX_LEN=${FUZZ_MAX_LEN:-16384}

if [ $# -gt 0 ]; then
	names=("$@")
else
	names=()
	for f in tests/fuzz/fuzz_*.c; do
		n=${f##*/fuzz_}
		names+=("${n%.c}")
	done
fi
fails=0 failed=()
for n in "${names[@]}"; do
	bin=$FUZZ_BUILD/fuzz_$n
	if [ ! -x "$bin" ]; then
		echo "FAIL  $n: $bin not built (make fuzz)"
		fails=$((fails + 1)); failed+=("$n")
		continue
	fi
	new=$FUZZ_BUILD/new/$n art=$FUZZ_BUILD/artifacts/$n
	rm -rf "$new"
	mkdir -p "$new" "$art" "tests/corpus/$n"
	log=$FUZZ_BUILD/smoke-$n.log
	# new units go to the first directory; the corpus is read only
	"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=25 -rss_limit_mb=2048 \
		-max_len="$FUZZ_MAX_LEN" -print_final_stats=1 -artifact_prefix="$art/" \
		"$new" "tests/corpus/$n" >"$log" 2>&1
	rc=$?
	execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{ print $2 }')
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1)
	if [ $rc -ne 0 ]; then
		echo "FAIL  $n: exit $rc after ${execs:-?} runs; log $log, input in $art/"
		grep -m3 -E 'ERROR|runtime error|SUMMARY' "$log" | sed 's/^/      /'
		fails=$((fails + 1)); failed+=("$n")
		continue
	fi
	found=$(find "$new" -type f | wc -l)
	msg="$n: ${execs:-?} runs in ${FUZZ_SECONDS}s, ${cov:-cov: ?}, $found new inputs"
	if [ "${FUZZ_MERGE:-0}" = 1 ] && [ "$found" -gt 0 ]; then
		before=$(find "tests/corpus/$n" -type f | wc -l)
		# new edges only (not new hit counts): a few files, not hundreds
		"$bin" -merge=1 -use_counters=0 -use_value_profile=0 -max_len="$FUZZ_MAX_LEN" \
			"tests/corpus/$n" "$new" >>"$log" 2>&1
		after=$(find "tests/corpus/$n" -type f | wc -l)
		msg="$msg, $((after - before)) merged into tests/corpus/$n"
	fi
	echo "PASS  $msg"
done
[ $fails -gt 0 ] && echo "fuzz-smoke: FAILED: ${failed[*]}"
echo "fuzz-smoke: ${#names[@]} targets, $fails failed"
[ $fails -eq 0 ]
