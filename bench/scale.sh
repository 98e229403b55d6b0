#!/usr/bin/env bash
# scale.sh - `make bench` section 5: the analyzer on one server process
# with 10k, 100k and 1M connections (bench/gen_archive: a request and a
# response on each; "open": none closed, the keep-alive worst case, past
# ANALYZE_MAX_OPEN the least recently active are ended; "closed": each
# closed after its response). Prints a Markdown table: wall and CPU
# seconds, microseconds of CPU per connection, peak RSS (/usr/bin/time).
# Linear time shows as a flat us/connection column, bounded memory as a
# flat RSS past ANALYZE_MAX_OPEN.
#
#   bench/scale.sh                 10k 100k 1M, open and closed
#   SCALE_SIZES="10000 100000" bench/scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
A=$BUILD/sockrec-analyze
GEN=$BUILD/bench/gen_archive
SIZES=${SCALE_SIZES:-10000 100000 1000000}
for f in "$A" "$GEN" /usr/bin/time; do
	[ -x "$f" ] || { echo "scale.sh: $f is missing (make bench)" >&2; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/sockrec-scale.XXXXXX")
trap 'rm -rf "$T"' EXIT

echo "## 5. Analyzer scale: one server process, N connections (bench/scale.sh)"
echo
echo "Archive: bench/gen_archive N 1 (one HTTP/1.1 request and 200 response per connection)." \
	"Command: \`sockrec-analyze report ARCHIVE -o DIR\`, once; CPU = user + system."
echo
echo "| connections | closed | .srz MB | http.jsonl lines | wall s | CPU s | CPU µs / connection | peak RSS MB |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|"
for n in $SIZES; do
	for mode in open closed; do
		rm -rf "${T:?}"/*
		"$GEN" "$n" 1 "$T/a.srz" "$mode"
		/usr/bin/time -f '%e %U %S %M' -o "$T/time" "$A" report "$T/a.srz" -o "$T/out" >/dev/null
		read -r wall us sy rss <"$T/time"
		lines=$(wc -l <"$T/out/http.jsonl")
		awk -v n="$n" -v m="$mode" -v sz="$(stat -c %s "$T/a.srz")" -v l="$lines" \
			-v w="$wall" -v u="$us" -v s="$sy" -v r="$rss" 'BEGIN {
			printf "| %d | %s | %.1f | %d | %.2f | %.2f | %.2f | %.0f |\n",
				n, (m == "closed" ? "yes" : "no (keep-alive)"), sz / 1e6, l, w, u + s,
				(u + s) * 1e6 / n, r / 1024 }'
	done
done
