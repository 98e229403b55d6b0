#!/usr/bin/env bash
# analyze_jobs.sh - -j N changes how the analyzer runs, never what it writes
# (README "-j"; analyze/core/relay.h):
#   - every fixture archive and two generated ones give byte-identical
#     report files, report summaries, exit statuses and stdout outputs (http,
#     map, env, findings, info) for -j 1, 2, 3 and 8:
#       * 120,000 connections, each closed after its response (server view);
#       * 40,000 keep-alive connections never closed, in one process: more
#         than ENGINE_MAX_OPEN (32,768), so the oldest are ended early
#         (eviction) and ended again at the end of input;
#     and for each generated archive the counts are checked against what
#     gen_archive wrote (one request and one response per connection), so
#     "the same" is not "the same and empty";
#   - the same under forced thread hand-overs: with SOCKREC_ANALYZE_BATCH=1
#     and 5 (records per batch: every lane hands its events to the merger
#     after each batch, analyze/core/readahead.h) -j 2, 3 and 8 give -j 1's
#     http and findings output for every fixture and a generated archive
#     of 20,000 connections, each run twice: a merge that took one lane's
#     events before another's earlier ones would show here, whatever the
#     timing of the threads (analyze/core/relay.h);
#   - a write that fails while the sinks run on their own thread still fails
#     the command: stdout on /dev/full exits 2 and says why;
#   - -j 0, -j x, -j -1 and -j 1025 are usage errors.
set -u
BUILD=${BUILD:-build}
A=$BUILD/sockrec-analyze
GEN=$BUILD/bench/gen_archive
if [ ! -x "$A" ] || [ ! -x "$GEN" ]; then
	echo "SKIP: $A or $GEN not built (make test builds them)"
	exit 77
fi
T=$(mktemp -d /tmp/sockrec-analyze-jobs.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

"$GEN" 120000 3 "$T/closed.srz" closed >/dev/null || { echo "FAIL: gen_archive closed"; exit 1; }
"$GEN" 40000 1 "$T/open.srz" open >/dev/null || { echo "FAIL: gen_archive open"; exit 1; }

# outputs ARCHIVE J: every output of -j J into $T/*J
outputs() {
	local arc=$1 j=$2
	"$A" report -j "$j" "$arc" -o "$T/r$j" >"$T/sum$j" 2>"$T/err$j"
	echo $? >"$T/rc$j"
	for cmd in http map env findings info; do
		"$A" $cmd -j "$j" "$arc" >"$T/$cmd$j" 2>/dev/null
		echo $? >>"$T/rc$j"
	done
}

for arc in fixtures/*/capture.srz "$T/closed.srz" "$T/open.srz"; do
	case $arc in
	"$T"/*) name=$(basename "$arc" .srz) ;;
	*) name=$(basename "$(dirname "$arc")") ;;
	esac
	for j in 1 2 3 8; do
		outputs "$arc" $j
	done
	same=1
	for j in 2 3 8; do
		if ! diff -r "$T/r1" "$T/r$j" >/dev/null || ! cmp -s "$T/sum1" "$T/sum$j" ||
			! cmp -s "$T/rc1" "$T/rc$j"; then
			same=0
			bad "$name: report -j $j differs from -j 1 ($(diff -r "$T/r1" "$T/r$j" | head -c 300))"
		fi
		for cmd in http map env findings info; do
			cmp -s "$T/${cmd}1" "$T/$cmd$j" || { same=0; bad "$name: $cmd -j $j differs from -j 1"; }
		done
	done
	lines=$(wc -l <"$T/r1/http.jsonl" 2>/dev/null || echo 0)
	[ $same = 1 ] && ok "$name: -j 1, 2, 3, 8 give the same outputs ($lines http.jsonl lines, exits $(paste -sd' ' "$T/rc1"))"
	case $name in
	closed | open)
		n=$([ $name = closed ] && echo 120000 || echo 40000)
		# one request and one response per connection, each line once
		if [ "$lines" = $((2 * n)) ] && [ "$(grep -c '"status_code":200' "$T/r1/http.jsonl")" = "$n" ]; then
			ok "$name: $lines lines = 2 x $n connections, $n responses"
		else
			bad "$name: $lines http.jsonl lines, want $((2 * n))"
		fi
		;;
	esac
	rm -rf "$T"/r[0-9] "$T"/*[0-9]
done

# the lanes' merge under forced hand-overs (tiny batches), twice each
"$GEN" 20000 3 "$T/small.srz" closed >/dev/null || { echo "FAIL: gen_archive small"; exit 1; }
for arc in fixtures/*/capture.srz "$T/small.srz"; do
	case $arc in
	"$T"/*) name=$(basename "$arc" .srz) ;;
	*) name=$(basename "$(dirname "$arc")") ;;
	esac
	for cmd in http findings; do
		"$A" $cmd -j 1 "$arc" >"$T/one" 2>/dev/null
		echo "rc $?" >>"$T/one"
		same=1
		for b in 1 5; do
			for j in 2 3 8; do
				for run in 1 2; do
					SOCKREC_ANALYZE_BATCH=$b "$A" $cmd -j $j "$arc" >"$T/many" 2>/dev/null
					echo "rc $?" >>"$T/many"
					if ! cmp -s "$T/one" "$T/many"; then
						same=0
						bad "$name: $cmd -j $j, batches of $b (run $run) differs from -j 1: $(diff "$T/one" "$T/many" | head -c 300)"
						break 3
					fi
				done
			done
		done
		[ $same = 1 ] && ok "$name: $cmd: batches of 1 and 5 records, -j 2, 3, 8, twice: -j 1's output ($(wc -l <"$T/one") lines)"
	done
done

# a failed write while the sinks run on their own thread
for j in 1 2; do
	"$A" http -j $j fixtures/nginx-curl/capture.srz >/dev/full 2>"$T/err"
	rc=$?
	if [ $rc = 2 ] && grep -q 'No space left\|writing to stdout failed' "$T/err"; then
		ok "-j $j: stdout on /dev/full: exit 2 ($(head -1 "$T/err"))"
	else
		bad "-j $j: stdout on /dev/full: exit $rc: $(cat "$T/err")"
	fi
done

for j in 0 x -1 1025; do
	"$A" http -j "$j" fixtures/nginx-curl/capture.srz >/dev/null 2>"$T/err"
	rc=$?
	[ $rc = 1 ] && ok "-j $j: usage error ($(head -1 "$T/err"))" || bad "-j $j: exit $rc"
done

echo "$fails failure(s)"
[ $fails = 0 ]
