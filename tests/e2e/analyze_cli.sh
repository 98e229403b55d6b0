#!/usr/bin/env bash
# analyze_cli.sh - the sockrec-analyze command line contract on a hand-made
# archive (written by build/tests/test_analyze --write-archive): exit
# statuses, report files and their modes, no writing through symlinks,
# byte-identical reruns, dump/info/convert, damaged and unreadable inputs.
set -u
BUILD=${BUILD:-build}
A=$BUILD/sockrec-analyze
GEN=$BUILD/tests/test_analyze
if [ ! -x "$A" ] || [ ! -x "$GEN" ]; then
	echo "SKIP: $A or $GEN not built"
	exit 77
fi
T=$(mktemp -d /tmp/sockrec-analyze-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
expect_rc() { # want cmd...
	local want=$1 rc
	shift
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = "$want" ]; then ok "exit $want: $*"; else bad "exit $rc (want $want): $*"; cat "$T/err"; fi
}

"$GEN" --write-archive "$T/a.srz" || { echo "cannot write the sample archive"; exit 1; }

# usage errors: 1
expect_rc 1 "$A"
expect_rc 1 "$A" frobnicate "$T/a.srz"
expect_rc 1 "$A" http
expect_rc 1 "$A" report "$T/a.srz"
expect_rc 1 "$A" http --body-limit=-5 "$T/a.srz"
expect_rc 1 "$A" http --body-limit=12abc "$T/a.srz"
expect_rc 1 "$A" convert "$T/a.srz"
expect_rc 1 "$A" convert "$T/a.srz" "$T/out.txt"
expect_rc 0 "$A" --help
expect_rc 0 "$A" http --help

# report: three files, mode 0600, in a directory created 0700
expect_rc 0 "$A" report "$T/a.srz" -o "$T/r1"
for f in http.jsonl env.yaml service-map.yaml; do
	if [ -f "$T/r1/$f" ] && [ "$(stat -c %a "$T/r1/$f")" = 600 ]; then ok "$f 0600"; else bad "$f missing or not 0600"; fi
done
[ "$(stat -c %a "$T/r1")" = 700 ] && ok "report dir 0700" || bad "report dir mode $(stat -c %a "$T/r1")"
n=$(wc -l <"$T/r1/http.jsonl")
[ "$n" = 4 ] && ok "4 HTTP lines" || bad "http.jsonl has $n lines, want 4"
python3 - "$T/r1/http.jsonl" <<'EOF' && ok "http.jsonl is JSON lines" || bad "http.jsonl is not JSON lines"
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    json.loads(line)
EOF
grep -q '^generated_at: "2024-04-08T18:39:10.000000000Z"$' "$T/r1/service-map.yaml" && ok "generated_at from the archive" || bad "generated_at"
grep -q 'REDACTED' "$T/r1/http.jsonl" && ! grep -q 's3cr3t' "$T/r1/http.jsonl" && ok "credentials redacted" || bad "redaction"

# the same archive, the same bytes
expect_rc 0 "$A" report "$T/a.srz" -o "$T/r2"
for f in http.jsonl env.yaml service-map.yaml; do
	cmp -s "$T/r1/$f" "$T/r2/$f" && ok "$f identical on rerun" || bad "$f differs between runs"
done
"$A" http "$T/a.srz" >"$T/h.jsonl" 2>/dev/null
cmp -s "$T/h.jsonl" "$T/r1/http.jsonl" && ok "http == report's http.jsonl" || bad "http differs from report"
"$A" http --show-secrets "$T/a.srz" 2>/dev/null | grep -q 's3cr3t' && ok "--show-secrets" || bad "--show-secrets"

# outputs are never written through a symlink
mkdir -p "$T/r3"
echo keep >"$T/victim"
ln -s "$T/victim" "$T/r3/http.jsonl"
expect_rc 2 "$A" report "$T/a.srz" -o "$T/r3"
[ "$(cat "$T/victim")" = keep ] && ok "symlink target untouched" || bad "wrote through a symlink"

# dump: one JSON object per record
expect_rc 0 "$A" dump "$T/a.srz"
python3 - "$T/out" <<'EOF' && ok "dump is JSON with types" || bad "dump output"
import json, sys
types = [json.loads(l)["type"] for l in open(sys.argv[1])]
assert types[0] == "capture_header" and types[-1] == "end", types
assert types.count("data") == 4 and types.count("conn") == 4, types
EOF

# info
expect_rc 0 "$A" info "$T/a.srz"
grep -q '  integrity: clean' "$T/out" && ok "info: clean" || bad "info integrity"

# convert: the records survive a round trip
expect_rc 0 "$A" convert "$T/a.srz" "$T/b.srz"
"$A" dump "$T/a.srz" >"$T/d1" 2>/dev/null
"$A" dump "$T/b.srz" >"$T/d2" 2>/dev/null
cmp -s "$T/d1" "$T/d2" && ok "convert srz->srz keeps every record" || bad "convert changed records"
expect_rc 1 "$A" convert "$T/a.srz" "$T/a.srz"
if "$A" convert "$T/a.srz" "$T/c.pcapng" >/dev/null 2>"$T/err"; then
	"$A" report "$T/c.pcapng" -o "$T/r4" 2>/dev/null
	for f in http.jsonl env.yaml service-map.yaml; do
		cmp -s "$T/r1/$f" "$T/r4/$f" && ok "$f identical from .pcapng" || bad "$f differs from .pcapng"
	done
else
	echo "note: convert to pcapng: $(cat "$T/err")"
fi

# damaged: a cut copy gives its prefix and exit 3, naming the file and offset
head -c $(($(stat -c %s "$T/a.srz") - 7)) "$T/a.srz" >"$T/cut.srz"
expect_rc 3 "$A" http "$T/cut.srz"
grep -q "cut.srz: damaged at offset [0-9]" "$T/err" && ok "warning names file and offset" || { bad "warning text"; cat "$T/err"; }
[ -s "$T/out" ] && ok "prefix analyzed" || bad "nothing analyzed from the prefix"

# nothing readable: 2
echo "not an archive" >"$T/junk"
expect_rc 2 "$A" http "$T/junk"
expect_rc 2 "$A" map "$T/missing.srz"
expect_rc 3 "$A" map "$T/a.srz" "$T/junk"

[ $fails -eq 0 ] && echo "analyze_cli: all passed" || echo "analyze_cli: $fails failed"
[ $fails -eq 0 ]
