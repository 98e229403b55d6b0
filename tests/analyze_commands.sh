#!/usr/bin/env bash
# analyze_commands.sh - every sockrec-analyze command on every file of the
# analyzer's corpus (tests/corpus/analyze) and on the hostile reproducers
# (tests/data/scale): report, http, env, map, findings, info, dump,
# convert to .srz and to .pcapng, and diff of the file with itself. Run by `make test` with the corpora, so
# `make test SANITIZE=1` runs it under ASan + UBSan.
#
# Per file:
#  - no command crashes or trips a sanitizer: exit 0, 2 or 3 only, and no
#    sanitizer report on stderr;
#  - the commands agree on whether the file is readable (exit 2 for all, or
#    for none);
#  - what they write is valid: http and dump JSON lines, findings one JSON
#    object, env, map and info YAML (parsed when under 1 MiB); report's
#    files are the same bytes as http, env and map;
#  - both conversions keep every record: dump of the converted archive is
#    dump of the original (converting the pcapng back to .srz too);
#  - a capture diffed with itself is the same API ("same": true, exit 0, or
#    3 when damaged).
#
#   tests/analyze_commands.sh [FILE...]
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
A=$BUILD/sockrec-analyze
if [ ! -x "$A" ]; then
	echo "SKIP: $A not built (run make)"
	exit 77
fi
if ! python3 -c 'import json, yaml' 2>/dev/null; then
	echo "SKIP: python3 with yaml is missing (scripts/install-deps.sh)"
	exit 77
fi
T=$(mktemp -d /tmp/sockrec-analyze-cmds.XXXXXX)
trap 'rm -rf "$T"' EXIT
# a sanitizer finding is a failure with its own exit status, whatever the
# command would have returned
export ASAN_OPTIONS=${ASAN_OPTIONS:-}:exitcode=86:detect_leaks=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-}:exitcode=87:print_stacktrace=1:halt_on_error=1

if [ $# -gt 0 ]; then
	files=("$@")
else
	files=(tests/corpus/analyze/* tests/data/scale/*.srz)
fi
fails=0 nfiles=0
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

run_cmd() { # name file cmd... ; sets rc, output in $T/NAME.out/.err
	local name=$1
	shift
	timeout 300 "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null
	rc=$?
	if grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$T/$name.err"; then
		bad "$f: $name: sanitizer report"
		head -n 20 "$T/$name.err" | sed 's/^/      /'
		rc=99
	elif [ "$rc" != 0 ] && [ "$rc" != 2 ] && [ "$rc" != 3 ]; then
		bad "$f: $name: exit $rc"
		tail -n 5 "$T/$name.err" | sed 's/^/      /'
	fi
}

for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	nfiles=$((nfiles + 1))
	rm -rf "${T:?}"/*
	declare -A rcs=()
	for c in http env map findings info dump; do
		run_cmd "$c" "$A" "$c" "$f"
		rcs[$c]=$rc
	done
	run_cmd report "$A" report "$f" -o "$T/rep"
	rcs[report]=$rc
	run_cmd to_srz "$A" convert "$f" "$T/c.srz"
	rcs[to_srz]=$rc
	run_cmd to_pcapng "$A" convert "$f" "$T/c.pcapng"
	rcs[to_pcapng]=$rc
	run_cmd diff "$A" diff "$f" "$f"
	rcs[diff]=$rc

	# readable for all or for none (findings and report may say 4: no --fail-on here)
	readable=
	for c in "${!rcs[@]}"; do
		r=$([ "${rcs[$c]}" = 2 ] && echo no || echo yes)
		[ -z "$readable" ] && readable=$r
		[ "$r" = "$readable" ] || { bad "$f: commands disagree on readability: $(declare -p rcs | cut -d= -f2-)"; break; }
	done
	if [ "$readable" = no ]; then
		for o in c.srz c.pcapng rep; do
			[ ! -e "$T/$o" ] || bad "$f: unreadable input, but $o was written"
		done
		echo "ok   $f: unreadable, every command says so (exit 2), nothing written"
		continue
	fi

	python3 - "$T" <<'EOF' || bad "$f: an output is not valid (above)"
import json, sys, yaml
t = sys.argv[1]
def lines(name):
    for n, l in enumerate(open(f"{t}/{name}", "rb").read().split(b"\n")[:-1], 1):
        obj = json.loads(l)
        assert isinstance(obj, dict), f"{name} line {n} is not an object"
def one(name):
    assert isinstance(json.load(open(f"{t}/{name}")), dict), f"{name} is not an object"
def ydoc(name):
    text = open(f"{t}/{name}", "rb").read()
    # Python's YAML objects take ~30 s for the 21 MB map of the 70k-socket
    # reproducer; that one is checked for its frame only (its entries are
    # the same code as the small files')
    if len(text) > (1 << 20):
        assert text.startswith(b"---\n") and text.endswith(b"\n"), f"{name}: not a YAML document"
        return
    list(yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
try:
    lines("http.out"); lines("dump.out"); one("findings.out")
    for n in ("env.out", "map.out", "info.out"):
        ydoc(n)
    lines("rep/http.jsonl"); one("rep/findings.json"); one("diff.out")
    assert json.load(open(f"{t}/diff.out"))["same"] is True, "diff of a file with itself: not same"
    ydoc("rep/env.yaml"); ydoc("rep/service-map.yaml")
except Exception as e:
    print(f"      {type(e).__name__}: {e}")
    sys.exit(1)
EOF
	for p in http:http.jsonl env:env.yaml map:service-map.yaml; do
		cmp -s "$T/${p%%:*}.out" "$T/rep/${p#*:}" ||
			bad "$f: report's ${p#*:} differs from the ${p%%:*} command"
	done
	# conversions keep every record, both ways
	"$A" convert "$T/c.pcapng" "$T/back.srz" >/dev/null 2>&1
	for o in c.srz c.pcapng back.srz; do
		"$A" dump "$T/$o" >"$T/dump.$o" 2>/dev/null
		cmp -s "$T/dump.out" "$T/dump.$o" || bad "$f: dump of the converted $o differs from the original's"
	done
	echo "ok   $f: 10 commands (exit ${rcs[http]}), outputs valid, conversions keep every record"
done

if [ $nfiles -eq 0 ]; then
	echo "FAIL: no input files"
	exit 1
fi
echo "analyze_commands: $nfiles files, $fails failed"
[ $fails -eq 0 ]
