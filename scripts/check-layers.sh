#!/usr/bin/env bash
# check-layers.sh - the analyzer's call directions (analyze/README.md), from
# its #include lines. Run by `make check-layers`, which `make test` runs.
#
#   scripts/check-layers.sh [ROOT]     checks ROOT/analyze (default: the repo)
#   scripts/check-layers.sh --self-test
#
# A quoted include names its folder ("base/util.h", "core/model.h"), or is
# pipeline.h / event.h, or is a bare format/ header ("record.h"). Allowed:
#
#   base/      base, format
#   proto/     base, proto, format
#   core/      base, proto, core, event.h, format
#   event.h    base, proto, core (not core/engine.h), format
#   out/       base, proto, core (not core/engine.h), event.h, out, format
#   findings/  base, proto, core (not core/engine.h), event.h, findings, format
#   regress/   base, proto, core (not core/engine.h), event.h, out, regress, format
#   pipeline   everything but main.c
#   main.c     base, out, findings, regress, event.h, pipeline.h, format
#
# A bare name that is not in format/ (a capture/ header, a typo) fails, and
# so does a bare name that a file of the includer's own folder also has
# (the compiler would take that one). Prints one line per violation and
# exits 1 when there is any.
set -u

if [ "${1:-}" = --self-test ]; then
	root=$(cd "$(dirname "$0")/.." && pwd)
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	cp -r "$root/analyze" "$root/format" "$tmp/"
	"$0" "$tmp" >/dev/null || { echo "self-test: the tree itself fails"; exit 1; }
	bad=0
	for inj in 'base/util.c:#include "core/model.h"' 'proto/http.c:#include "event.h"' \
		'out/svcmap.c:#include "core/engine.h"' 'out/svcmap.c:#include "findings/findings.h"' \
		'core/engine.c:#include "out/http_log.h"' 'findings/findings.c:#include "out/dump.h"' \
		'base/util.c:#include "opts.h"' 'out/svcmap.c:#include "regress/rset.h"' \
		'regress/rset.c:#include "findings/findings.h"'; do
		f=${inj%%:*} line=${inj#*:}
		cp "$root/analyze/$f" "$tmp/analyze/$f"
		printf '%s\n' "$line" >>"$tmp/analyze/$f"
		if "$0" "$tmp" >/dev/null; then
			echo "self-test: not caught: $f: $line"
			bad=1
		fi
		cp "$root/analyze/$f" "$tmp/analyze/$f"
	done
	[ $bad = 0 ] && echo "check-layers self-test: 9 wrong directions caught"
	exit $bad
fi

root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2
fail=0

layer_of_file() { # analyze/x/y.c -> x; analyze/main.c -> main
	local p=${1#analyze/}
	case $p in
	*/*) echo "${p%%/*}" ;;
	main.c) echo main ;;
	pipeline.c | pipeline.h) echo pipeline ;;
	event.h) echo event ;;
	*) echo unknown ;;
	esac
}

allowed() { # from to target
	local from=$1 to=$2 target=$3
	if [ "$target" = core/engine.h ]; then
		case $from in core | pipeline) return 0 ;; *) return 1 ;; esac
	fi
	case $from:$to in
	*:format) return 0 ;;
	base:base) return 0 ;;
	proto:base | proto:proto) return 0 ;;
	core:base | core:proto | core:core | core:event) return 0 ;;
	event:base | event:proto | event:core) return 0 ;;
	out:base | out:proto | out:core | out:event | out:out) return 0 ;;
	findings:base | findings:proto | findings:core | findings:event | findings:findings) return 0 ;;
	regress:base | regress:proto | regress:core | regress:event | regress:out | regress:regress) return 0 ;;
	pipeline:main) return 1 ;;
	pipeline:*) return 0 ;;
	main:base | main:out | main:findings | main:regress | main:event | main:pipeline) return 0 ;;
	esac
	return 1
}

n=0
while IFS= read -r f; do
	from=$(layer_of_file "$f")
	if [ "$from" = unknown ]; then
		echo "$f: not in a layer folder (analyze/README.md)"
		fail=1
		continue
	fi
	while IFS= read -r inc; do
		n=$((n + 1))
		case $inc in
		pipeline.h) to=pipeline ;;
		event.h) to=event ;;
		base/* | core/* | proto/* | out/* | findings/* | regress/*)
			to=${inc%%/*}
			if [ ! -e "analyze/$inc" ]; then
				echo "$f: #include \"$inc\": no such file"
				fail=1
				continue
			fi
			;;
		*/*)
			echo "$f: #include \"$inc\": not a layer folder"
			fail=1
			continue
			;;
		*)
			if [ ! -e "format/$inc" ]; then
				echo "$f: #include \"$inc\": not a format/ header (analyze/ uses format/ only)"
				fail=1
				continue
			fi
			if [ -e "$(dirname "$f")/$inc" ]; then
				echo "$f: #include \"$inc\": ambiguous (its folder has one too)"
				fail=1
				continue
			fi
			to=format
			;;
		esac
		if ! allowed "$from" "$to" "$inc"; then
			echo "$f: #include \"$inc\": $from/ must not include $to"
			fail=1
		fi
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done < <(find analyze -name '*.[ch]' | sort)

if [ $fail = 0 ]; then
	echo "check-layers: $n includes in analyze/ point the right way"
fi
exit $fail
