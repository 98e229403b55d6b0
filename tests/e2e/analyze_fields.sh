#!/usr/bin/env bash
# analyze_fields.sh - less output on request, on every fixture's archive:
#   http --fields K,...   the same lines with only those keys (jq is the
#                         independent reader: its selection of the full line
#                         must equal ours), every key a line has is accepted,
#                         and naming them all gives the full output byte for byte;
#   --no-raw-payload      the full lines without raw_payload, and smaller;
#   report --summary-only the same env.yaml, service-map.yaml and
#                         findings.json as the full report, and no http.jsonl;
#   wrong combinations    usage errors (exit 1).
set -u
BUILD=${BUILD:-build}
A=$BUILD/sockrec-analyze
if [ ! -x "$A" ]; then
	echo "SKIP: $A not built"
	exit 77
fi
command -v jq >/dev/null || { echo "SKIP: jq not installed (scripts/install-deps.sh installs it)"; exit 77; }
T=$(mktemp -d /tmp/sockrec-analyze-fields.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0 checked=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

# jq's own view of a JSON-lines file: keys sorted, one canonical form
canon() { jq -cS . "$1"; }

for arc in fixtures/*/capture.srz; do
	name=$(basename "$(dirname "$arc")")
	"$A" http "$arc" >"$T/full" 2>/dev/null
	[ -s "$T/full" ] || continue
	checked=$((checked + 1))

	# every key the lines have, as --fields: accepted, and the output unchanged
	all=$(jq -r 'keys_unsorted[]' "$T/full" | awk '!seen[$0]++' | paste -sd, -)
	if "$A" http --fields "$all" "$arc" >"$T/all" 2>"$T/err" && cmp -s "$T/full" "$T/all"; then
		ok "$name: --fields with every key a line has = the full output"
	else
		bad "$name: --fields $all changed the output or was refused"; head -3 "$T/err"
	fi

	# subsets: ours against jq's selection of the full lines
	for keys in timestamp,pid,method,url,status_code,latency_ms \
		headers,body,raw_payload direction,trailers,connection_id \
		event_type,protocol,bytes_sent,sni url; do
		sel=$(echo "$keys" | sed 's/[^,]*/.key == "&"/g; s/,/ or /g')
		"$A" http --fields "$keys" "$arc" >"$T/sub" 2>/dev/null
		jq -c "with_entries(select($sel))" "$T/full" | jq -cS . >"$T/want"
		if [ "$(wc -l <"$T/sub")" = "$(wc -l <"$T/full")" ] && canon "$T/sub" | cmp -s - "$T/want"; then
			ok "$name: --fields $keys"
		else
			bad "$name: --fields $keys differs from jq's selection"
			canon "$T/sub" | diff - "$T/want" | head -4
		fi
	done

	"$A" http --no-raw-payload "$arc" >"$T/noraw" 2>/dev/null
	jq -c 'del(.raw_payload)' "$T/full" | jq -cS . >"$T/want"
	if canon "$T/noraw" | cmp -s - "$T/want"; then
		ok "$name: --no-raw-payload = the full lines without raw_payload"
	else
		bad "$name: --no-raw-payload"
	fi
	if grep -q '"raw_payload"' "$T/full" && [ "$(wc -c <"$T/noraw")" -ge "$(wc -c <"$T/full")" ]; then
		bad "$name: --no-raw-payload is not smaller"
	fi

	rm -rf "$T/r1" "$T/r2"
	"$A" report "$arc" -o "$T/r1" >"$T/s1" 2>/dev/null
	rc1=$?
	"$A" report --summary-only "$arc" -o "$T/r2" >"$T/s2" 2>/dev/null
	rc2=$?
	same=1
	for f in env.yaml service-map.yaml findings.json; do
		cmp -s "$T/r1/$f" "$T/r2/$f" || same=0
	done
	if [ $rc1 = $rc2 ] && [ $same = 1 ] && [ ! -e "$T/r2/http.jsonl" ] && [ -e "$T/r1/http.jsonl" ] &&
		cmp -s "$T/s1" "$T/s2"; then
		ok "$name: report --summary-only = the report without http.jsonl (exit $rc2)"
	else
		bad "$name: report --summary-only (exit $rc1/$rc2; $(ls "$T/r2" 2>/dev/null | paste -sd' '))"
	fi
done

arc=fixtures/nginx-curl/capture.srz
expect_usage() {
	"$A" "$@" >/dev/null 2>"$T/err"
	if [ $? = 1 ]; then ok "usage error: $*: $(head -1 "$T/err")"; else bad "not a usage error: $*"; fi
}
expect_usage http --fields nope "$arc"
expect_usage http --fields url,,pid "$arc"
expect_usage http --fields= "$arc"
expect_usage http --summary-only "$arc"
expect_usage report --summary-only --fields url "$arc" -o "$T/r3"
expect_usage map --no-raw-payload "$arc"
[ ! -e "$T/r3" ] || bad "a refused report created its directory"

[ $checked -ge 5 ] || bad "only $checked fixture archives had HTTP lines"
echo "$checked archives, $fails failure(s)"
[ $fails = 0 ]
