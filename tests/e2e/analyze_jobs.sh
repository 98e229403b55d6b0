#!/usr/bin/env bash
# analyze_jobs.sh - -j N changes how the analyzer runs, never what it writes:
#   - every fixture archive and a generated 200,000-connection archive give
#     byte-identical report files and stdout outputs for -j 1, 2, 3 and 8;
#   - a write that fails on the writer thread still fails the command: stdout
#     on /dev/full exits 2 and says why (not "nothing readable"), and a report into a full
#     filesystem (a 256 KiB tmpfs, root only) exits 2 and leaves nothing,
#     as with -j 1;
#   - -j 0 and -j x are usage errors.
set -u
BUILD=${BUILD:-build}
A=$BUILD/sockrec-analyze
GEN=$BUILD/bench/gen_archive
if [ ! -x "$A" ] || [ ! -x "$GEN" ]; then
	echo "SKIP: $A or $GEN not built (make test builds them)"
	exit 77
fi
T=$(mktemp -d /tmp/sockrec-analyze-jobs.XXXXXX)
MNT=
cleanup() {
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

"$GEN" 200000 3 "$T/gen.srz" closed >/dev/null || { echo "gen_archive failed"; exit 1; }

for arc in fixtures/*/capture.srz "$T/gen.srz"; do
	name=$(basename "$(dirname "$arc")")
	[ "$arc" = "$T/gen.srz" ] && name=generated
	for j in 1 2 3 8; do
		"$A" report -j $j "$arc" -o "$T/r$j" >"$T/sum$j" 2>"$T/err$j"
		echo $? >"$T/rc$j"
		for cmd in http map env findings info; do
			"$A" $cmd -j $j "$arc" >"$T/$cmd$j" 2>/dev/null
			echo $? >>"$T/rc$j"
		done
	done
	same=1
	for j in 2 3 8; do
		if ! diff -r "$T/r1" "$T/r$j" >/dev/null || ! cmp -s "$T/sum1" "$T/sum$j" ||
			! cmp -s "$T/rc1" "$T/rc$j"; then
			same=0
			bad "$name: report -j $j differs from -j 1"
		fi
		for cmd in http map env findings info; do
			cmp -s "$T/${cmd}1" "$T/$cmd$j" || { same=0; bad "$name: $cmd -j $j differs from -j 1"; }
		done
	done
	lines=$(wc -l <"$T/r1/http.jsonl")
	[ $same = 1 ] && ok "$name: -j 1, 2, 3, 8 give the same outputs ($lines http.jsonl lines, exits $(paste -sd' ' "$T/rc1"))"
	rm -rf "$T"/r[0-9] "$T"/*[0-9]
done

# a failed write on the writer thread
for j in 1 2; do
	"$A" http -j $j fixtures/nginx-curl/capture.srz >/dev/full 2>"$T/err"
	rc=$?
	if [ $rc = 2 ] && grep -q 'No space left' "$T/err" && ! grep -q 'nothing readable' "$T/err"; then
		ok "-j $j: stdout on /dev/full: exit 2, said so"
	else
		bad "-j $j: stdout on /dev/full: exit $rc: $(cat "$T/err")"
	fi
done
if [ "$(id -u)" = 0 ]; then
	MNT=$T/full
	mkdir -p "$MNT"
	mount -t tmpfs -o size=256k,mode=0700 sockrec-test "$MNT" || { bad "cannot mount a tmpfs"; MNT=; }
	if [ -n "$MNT" ]; then
		for j in 1 2; do
			"$A" report -j $j "$T/gen.srz" -o "$MNT/out" >/dev/null 2>"$T/err"
			rc=$?
			if [ $rc = 2 ] && [ ! -e "$MNT/out" ] && [ -z "$(ls -A "$MNT")" ] &&
				grep -q 'No space left' "$T/err" && ! grep -q 'nothing readable' "$T/err"; then
				ok "-j $j: report into a full filesystem: exit 2, nothing left ($(head -1 "$T/err"))"
			else
				bad "-j $j: report into a full filesystem: exit $rc, left: $(ls -A "$MNT" | paste -sd' ') ($(head -1 "$T/err"))"
			fi
			rm -rf "${MNT:?}"/* "$MNT"/.[!.]* 2>/dev/null
		done
	fi
else
	echo "not root: the full-filesystem case needs a tmpfs mount (the /dev/full case ran)"
fi

for j in 0 x -1 1025; do
	"$A" http -j "$j" fixtures/nginx-curl/capture.srz >/dev/null 2>&1
	rc=$?
	[ $rc = 1 ] && ok "-j $j: usage error" || bad "-j $j: exit $rc"
done

echo "$fails failure(s)"
[ $fails = 0 ]
