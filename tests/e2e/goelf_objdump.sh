#!/usr/bin/env bash
# goelf_objdump.sh - capture/goelf.c and capture/x86len.c against objdump.
#
# The Go crypto/tls uprobes go on a function's entry and on each of its RET
# instructions (capture/goelf.h), so the offsets must be exact. objdump
# (binutils) is the oracle; tests/servers/goelfprobe (a crypto/tls client)
# is built with Debian's golang-go: normal, stripped (-s -w: no .symtab,
# goelf reads .gopclntab), PIE, PIE stripped, and with cgo's external
# linking (gcc's ld): stripped (runtime.text is not where .text starts),
# PIE, and PIE stripped (no .gopclntab section: goelf finds the table in
# .data.rel.ro). Checked:
#   a. every instruction objdump lists in .text of the Go binaries, of
#      build/sockrec, /usr/bin/curl and libc has the length x86_insn_len()
#      gives (tests/tools/goelf_dump --text); only spots objdump itself
#      calls "(bad)" (data in .text) are exempt, and they are counted;
#   b. crypto/tls.(*Conn).Read and .Write: goelf's entry and RET offsets
#      equal objdump's (addresses of the symbol and of its ret
#      instructions, made file offsets through readelf's PT_LOAD table), in
#      all seven builds; the stripped builds are checked against objdump of
#      the stripped file itself over the range nm gives for the unstripped
#      twin, after checking those bytes are the same in both;
#   c. the version equals `go version FILE`'s; goelf_stripped is right;
#      goelf_symbol finds the itab of *net.TCPConn as net.Conn where nm
#      does, and nothing in the stripped builds;
#   d. a C program is refused as not Go.
# No kernel, no root, no servers.
set -euo pipefail
skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FAIL: $*" >&2; exit 1; }

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
DUMP=$BUILD/tests/tools/goelf_dump
for c in go gcc objdump readelf nm awk cmp; do
	command -v $c >/dev/null || skip "$c not installed"
done
[ -x "$DUMP" ] || die "$DUMP not built (make test builds it)"
T=$(mktemp -d /tmp/sockrec-goelf.XXXXXX)
trap 'rm -rf "$T"' EXIT
FUNCS=('crypto/tls.(*Conn).Read' 'crypto/tls.(*Conn).Write')

mkdir -p "$BUILD/go-cache"
build() { # name cgo go-build-flags...
	local n=$1 cgo=$2; shift 2
	(cd tests/servers && GOCACHE="$BUILD/go-cache" GOPATH="$T/gopath" GOPROXY=off GOFLAGS= \
		GO111MODULE=on CGO_ENABLED=$cgo go build -trimpath "$@" -o "$T/$n" ./goelfprobe) ||
		die "go build $n"
}
build normal 0
build stripped 0 -ldflags='-s -w'
build pie 0 -buildmode=pie
build piestripped 0 -buildmode=pie -ldflags='-s -w'
build ext 1 -ldflags='-linkmode=external'
build extstripped 1 -ldflags='-linkmode=external -s -w'
build extpie 1 -buildmode=pie -ldflags='-linkmode=external'
build extpiestripped 1 -buildmode=pie -ldflags='-linkmode=external -s -w'
readelf -SW "$T/extpiestripped" | grep -q gopclntab &&
	die "extpiestripped has a .gopclntab section: the search in .data.rel.ro goes untested"

# objdump's .text instructions as "ADDR LEN MNEMONIC"
listing() { # file [objdump options]
	local f=$1; shift
	objdump -d --insn-width=16 "$@" "$f" | awk '
		/^ *[0-9a-f]+:\t/ {
			split($0, f, "\t")
			a = f[1]; sub(/^ */, "", a); sub(/:$/, "", a)
			b = f[2]; gsub(/ +$/, "", b); n = split(b, x, " ")
			m = f[3]; gsub(/ +/, " ", m); sub(/ +$/, "", m); if (m == "") m = "?"
			print a, n, m
		}'
}

echo "== a. instruction lengths over whole .text sections"
LIBC=$(ldd /usr/bin/curl | awk '$1 == "libc.so.6" { print $3 }')
for f in "$T/normal" "$T/pie" "$BUILD/sockrec" /usr/bin/curl "$LIBC"; do
	[ -f "$f" ] || die "$f missing"
	listing "$f" -j .text | awk '{ print $1, $2, $3 }' >"$T/list"
	out=$("$DUMP" --text "$f" <"$T/list") || die "$f: x86len disagrees with objdump:
$out"
	echo "$(basename "$f"): ${out##*$'\n'}"
	n=$(awk '{ print $2 }' <<<"${out##*$'\n'}")
	[ "$n" -gt 10000 ] || die "$f: only $n instructions listed"
done

# file offset of a virtual address, from readelf's PT_LOAD table
fileoff() { # file hexaddr
	readelf -lW "$1" | awk -v a=$((16#$2)) '
		$1 == "LOAD" { off = strtonum($2); va = strtonum($3); fs = strtonum($5)
			if (a >= va && a < va + fs) { printf "0x%x\n", a - va + off; found = 1; exit } }
		END { if (!found) exit 1 }'
}

# expected "entry=0x.. rets=0x..,0x.." of a function, from objdump
expect() { # file symfile func
	local f=$1 symf=$2 fn=$3 addr size stop line rets=() a
	line=$(nm -S "$symf" | awk -v s="$fn" '$4 == s && ($3 == "T" || $3 == "t") { print $1, $2; exit }')
	[ -n "$line" ] || die "nm: no $fn in $symf"
	addr=${line% *}; size=${line#* }
	stop=$(printf '0x%x' $((16#$addr + 16#$size)))
	if [ "$f" != "$symf" ]; then # same code at the same place in both builds?
		cmp -s <(tail -c +$(($(fileoff "$f" "$addr") + 1)) "$f" | head -c $((16#$size))) \
			<(tail -c +$(($(fileoff "$symf" "$addr") + 1)) "$symf" | head -c $((16#$size))) ||
			die "$fn: code differs between $(basename "$f") and $(basename "$symf")"
	fi
	while read -r a _ m; do
		case $m in ret | retq | "repz ret" | "repz retq" | "ret "* | "retq "*) rets+=("$(fileoff "$f" "$a")") ;; esac
	done < <(listing "$f" --start-address=0x$addr --stop-address="$stop")
	[ ${#rets[@]} -gt 0 ] || die "$fn: objdump shows no ret"
	echo "entry=$(fileoff "$f" "$addr") rets=$(IFS=,; echo "${rets[*]}")"
}

echo "== b. entry and RET offsets of ${FUNCS[*]}; c. version"
for pair in normal:normal stripped:normal pie:pie piestripped:pie ext:ext extstripped:ext \
	extpie:extpie extpiestripped:extpie; do
	n=${pair%%:*}; sym=${pair#*:}
	itab='go.itab.*net.TCPConn,net.Conn'
	out=$("$DUMP" "$T/$n" "${FUNCS[@]}" "sym:$itab")
	case $n in
	*stripped) want_s=absent ;;
	*) want_s=0x$(nm "$T/$n" | awk -v s="$itab" '$3 == s { sub(/^0+/, "", $1); print $1 }') ;;
	esac
	grep -qx "sym:$itab $want_s" <<<"$out" || die "$n: $itab: want $want_s, got: $out"
	want_v=$(go version "$T/$n" | awk '{ print $2 }')
	grep -qx "version $want_v" <<<"$out" || die "$n: version: want $want_v, got: $out"
	case $n in *stripped) st=1 ;; *) st=0 ;; esac
	grep -qx "stripped $st" <<<"$out" || die "$n: want stripped $st, got: $out"
	for fn in "${FUNCS[@]}"; do
		want=$(expect "$T/$n" "$T/$sym" "$fn")
		got=$(grep -F "$fn " <<<"$out" | sed 's/.* entry=/entry=/')
		[ "$got" = "$want" ] || die "$n $fn:
  goelf:   $got
  objdump: $want"
		echo "$n $fn: $got ($(tr -cd , <<<"$want" | wc -c | awk '{ print $1 + 1 }') rets) ok"
	done
done

echo "== d. a C program is not Go"
out=$("$DUMP" "$BUILD/sockrec" "${FUNCS[0]}" || true)
grep -q "^open error: not a Go executable" <<<"$out" || die "build/sockrec: $out"
echo "PASS"
