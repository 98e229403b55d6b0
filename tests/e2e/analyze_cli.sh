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
# ... and the refusal leaves nothing behind (issue 15: empty env.yaml and
# service-map.yaml were left)
[ "$(ls -A "$T/r3")" = http.jsonl ] && ok "refused report left nothing" ||
	bad "refused report left: $(ls -A "$T/r3" | tr '\n' ' ')"

# existing outputs are never replaced without --force, and never written in
# place: a hard link's other name keeps its bytes and mode
nothing_new() { # dir expected-listing what
	[ "$(ls -A "$1" | tr '\n' ' ')" = "$2" ] && ok "$3" || bad "$3: $(ls -A "$1" | tr '\n' ' ')"
}
mkdir -p "$T/r5"
echo precious >"$T/p"
chmod 644 "$T/p"
ln "$T/p" "$T/r5/env.yaml"
expect_rc 2 "$A" report "$T/a.srz" -o "$T/r5"
grep -q "env.yaml exists and has other hard links (use --force" "$T/err" && ok "hard link: names the fix" || bad "hard link message: $(cat "$T/err")"
[ "$(cat "$T/p")" = precious ] && [ "$(stat -c %a "$T/p")" = 644 ] && ok "hard-linked file untouched" ||
	bad "hard-linked file changed: $(stat -c %a "$T/p") $(head -c 40 "$T/p")"
nothing_new "$T/r5" "env.yaml " "refused report (hard link) left nothing"
expect_rc 0 "$A" report --force "$T/a.srz" -o "$T/r5"
[ "$(cat "$T/p")" = precious ] && [ "$(stat -c %h "$T/p")" = 1 ] && ok "--force replaces the link, not the file" ||
	bad "--force wrote through the hard link"
cmp -s "$T/r1/env.yaml" "$T/r5/env.yaml" && [ "$(stat -c %a "$T/r5/env.yaml")" = 600 ] &&
	ok "--force: env.yaml written, 0600" || bad "--force: env.yaml"

# a second report into the same directory is refused, the first one kept
cp -a "$T/r1" "$T/r1.before"
expect_rc 2 "$A" report "$T/a.srz" -o "$T/r1"
diff -r "$T/r1" "$T/r1.before" >/dev/null && ok "rerun without --force keeps the report" || bad "rerun changed the report"

# -o through a symbolic link to a directory: refused unless --force
mkdir -p "$T/real"
ln -s "$T/real" "$T/lnk"
expect_rc 2 "$A" report "$T/a.srz" -o "$T/lnk"
grep -q "lnk is a symbolic link" "$T/err" && ok "symlinked -o: says why" || bad "symlinked -o message: $(cat "$T/err")"
nothing_new "$T/real" "" "symlinked -o: nothing written"
expect_rc 0 "$A" report --force "$T/a.srz" -o "$T/lnk"
nothing_new "$T/real" "env.yaml findings.json http.jsonl service-map.yaml " "symlinked -o with --force"

# nothing readable: no report, not even its directory
expect_rc 2 "$A" report "$T/missing.srz" -o "$T/r6"
[ ! -e "$T/r6" ] && ok "failed report left no directory" || bad "failed report left $T/r6"

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
# an existing OUT is refused (issue 15: it was overwritten), --force replaces it
echo old >"$T/x.srz"
ln "$T/x.srz" "$T/x-link"
expect_rc 2 "$A" convert "$T/a.srz" "$T/x.srz"
[ "$(cat "$T/x.srz")" = old ] && ok "convert: existing OUT kept" || bad "convert overwrote OUT"
grep -q "x.srz exists" "$T/err" && ok "convert: says OUT exists" || bad "convert message: $(cat "$T/err")"
expect_rc 0 "$A" convert --force "$T/a.srz" "$T/x.srz"
"$A" dump "$T/x.srz" >"$T/d3" 2>/dev/null
cmp -s "$T/d1" "$T/d3" && [ "$(cat "$T/x-link")" = old ] && ok "convert --force: replaced, the hard link kept" ||
	bad "convert --force"
# a convert that fails leaves no OUT
expect_rc 2 "$A" convert "$T/junk-in" "$T/none.srz"
[ ! -e "$T/none.srz" ] && ok "failed convert left nothing" || bad "failed convert left OUT"
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
expect_rc 2 "$A" env "$T/junk"
grep -q "nothing readable in $T/junk" "$T/err" && ok "says what was unreadable" || { bad "unreadable input not named"; cat "$T/err"; }

# an output that cannot be written: 2, and why (not "nothing readable")
"$A" http "$T/a.srz" >/dev/full 2>"$T/err"
rc=$?
if [ $rc = 2 ] && grep -q 'No space left' "$T/err" && ! grep -q 'nothing readable' "$T/err"; then
	ok "stdout on /dev/full: exit 2: $(head -1 "$T/err")"
else
	bad "stdout on /dev/full: exit $rc: $(cat "$T/err")"
fi

# no temporary file is left anywhere
left=$(find "$T" -name '.*.??????' | head -3)
[ -z "$left" ] && ok "no temporary files left" || bad "temporary files left: $left"

[ $fails -eq 0 ] && echo "analyze_cli: all passed" || echo "analyze_cli: $fails failed"
[ $fails -eq 0 ]
