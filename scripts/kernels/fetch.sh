#!/usr/bin/env bash
# fetch.sh - downloads and unpacks one Debian kernel package for make
# test-kernels, without touching the system's apt sources.
#
#   scripts/kernels/fetch.sh VERSION     VERSION: 5.10, 6.1 or 6.12
#   scripts/kernels/fetch.sh VERSION --deb PACKAGE
#                                        another package of that suite,
#                                        unpacked (prints its directory;
#                                        tests/e2e/capture_tls_openssl11.sh
#                                        takes bullseye's libssl1.1)
#
# 5.10 is bullseye's kernel, 6.1 bookworm's, 6.12 trixie's (the standard
# amd64 flavour, through the linux-image-amd64 metapackage). The mirror is the
# one this machine's apt uses (read from /etc/apt at run time); only the
# suite differs (SOCKREC_KERNEL_MIRROR=URL overrides it). apt runs with its own sources list, lists and cache under
# $SOCKREC_KERNELS (default /var/tmp/sockrec-kernels), so the system's apt
# state is left alone. Prints the unpacked tree's directory, which holds
# boot/vmlinuz-REL and lib/modules/REL, and a file `release` with REL.
# Cached: a second run does no network.
set -euo pipefail

CACHE=${SOCKREC_KERNELS:-/var/tmp/sockrec-kernels}
die() { echo "fetch.sh: $*" >&2; exit 1; }

suite_of() {
	case $1 in
	5.10 | bullseye) echo bullseye ;;
	6.1 | bookworm) echo bookworm ;;
	6.12 | trixie) echo trixie ;;
	*) return 1 ;;
	esac
}

# mirror: the URI of the system's Debian entry for its own release (not the
# security archive), from deb822 .sources files or one-line .list files
mirror() {
	local codename files
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	files=$(ls /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	[ -n "$files" ] || return 1
	# shellcheck disable=SC2086
	awk -v want="$codename" '
	function emit(u) { if (u !~ /security/) { print u; found = 1; exit } }
	FILENAME ~ /\.sources$/ {
		if ($0 ~ /^[ \t]*$/) { uris = ""; suites = ""; next }
		if ($1 == "URIs:") uris = $2
		if ($1 == "Suites:") { suites = $0 }
		if (uris != "" && suites != "") {
			n = split(suites, s, /[ \t]+/)
			for (i = 2; i <= n; i++) if (s[i] == want) emit(uris)
			suites = "x"
		}
		next
	}
	$1 == "deb" {
		i = 2
		if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
		if ($(i + 1) == want) emit($i)
	}' $files
}

[ $# -eq 1 ] || { [ $# -eq 3 ] && [ "$2" = --deb ]; } ||
	die "usage: fetch.sh 5.10|6.1|6.12 [--deb PACKAGE]"
SUITE=$(suite_of "$1") || die "unknown kernel '$1' (5.10, 6.1 or 6.12)"
DEBPKG=${3:-}
case $DEBPKG in *[!a-z0-9.+-]*) die "bad package name '$DEBPKG'" ;; esac
if [ -n "$DEBPKG" ]; then
	OUT=$CACHE/debs/$SUITE/$DEBPKG
	[ -s "$OUT/package" ] && { echo "$OUT"; exit 0; }
else
	OUT=$CACHE/$SUITE
	if [ -s "$OUT/release" ] && [ -d "$OUT/lib/modules/$(cat "$OUT/release")" ]; then
		echo "$OUT"
		exit 0
	fi
fi
[ "$(id -u)" -eq 0 ] || die "needs root (apt-get, unpacking into $CACHE)"

URI=${SOCKREC_KERNEL_MIRROR:-$(mirror || true)}
[ -n "$URI" ] || die "no Debian mirror found in /etc/apt/sources.list*"

A=$CACHE/apt/$SUITE
mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/debs"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$KEYRING" ] || die "$KEYRING missing (package debian-archive-keyring)"
echo "deb [signed-by=$KEYRING] $URI $SUITE main" >"$A/sources.list"
APT=(-q -o "Dir::Etc::sourcelist=$A/sources.list" -o Dir::Etc::sourceparts=/dev/null
	-o "Dir::State::Lists=$A/lists" -o "Dir::Cache=$A/cache"
	-o APT::Architecture=amd64 -o APT::Architectures=amd64
	-o APT::Sandbox::User=root -o Acquire::Languages=none)

echo "fetch.sh: $SUITE from $URI" >&2
apt-get "${APT[@]}" --error-on=any update >"$A/update.log" 2>&1 ||
	{ tail -n 5 "$A/update.log" >&2; die "apt-get update for $SUITE from $URI failed"; }
if [ -n "$DEBPKG" ]; then
	D=$A/debs/$DEBPKG
	rm -rf "$D" "$OUT.tmp"
	mkdir -p "$D" "$OUT.tmp"
	(cd "$D" && apt-get "${APT[@]}" download "$DEBPKG") >"$A/download.log" 2>&1 ||
		{ cat "$A/download.log" >&2; die "$SUITE: downloading $DEBPKG failed"; }
	DEB=$(ls "$D/"*.deb 2>/dev/null | head -n1)
	[ -n "$DEB" ] || die "$SUITE: apt-get download left no .deb"
	dpkg-deb -x "$DEB" "$OUT.tmp" || die "$SUITE: unpacking $DEB failed"
	basename "$DEB" >"$OUT.tmp/package"
	rm -rf "$OUT"
	mv "$OUT.tmp" "$OUT"
	echo "fetch.sh: $SUITE: $(cat "$OUT/package")" >&2
	echo "$OUT"
	exit 0
fi
# the metapackage names the current kernel package of the suite
PKG=$(apt-cache "${APT[@]}" depends linux-image-amd64 2>/dev/null |
	awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }' || true)
[ -n "$PKG" ] || die "$SUITE: linux-image-amd64 names no kernel package (see $A/update.log)"
rm -f "$A/debs/"*.deb
(cd "$A/debs" && apt-get "${APT[@]}" download "$PKG") >"$A/download.log" 2>&1 ||
	{ cat "$A/download.log" >&2; die "$SUITE: downloading $PKG failed"; }
DEB=$(ls "$A/debs/"*.deb 2>/dev/null | head -n1)
[ -n "$DEB" ] || die "$SUITE: apt-get download left no .deb"

rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp"
dpkg-deb -x "$DEB" "$OUT.tmp" || die "$SUITE: unpacking $DEB failed"
# trixie's packages ship /usr/lib/modules (merged /usr): one layout for all
if [ ! -d "$OUT.tmp/lib/modules" ] && [ -d "$OUT.tmp/usr/lib/modules" ]; then
	mkdir -p "$OUT.tmp/lib"
	mv "$OUT.tmp/usr/lib/modules" "$OUT.tmp/lib/modules"
fi
REL=$(ls "$OUT.tmp/lib/modules" 2>/dev/null | head -n1)
[ -n "$REL" ] && [ -f "$OUT.tmp/boot/vmlinuz-$REL" ] ||
	die "$SUITE: $DEB holds no boot/vmlinuz-REL and lib/modules/REL"
echo "$REL" >"$OUT.tmp/release"
echo "$PKG" >"$OUT.tmp/package"
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
echo "fetch.sh: $SUITE: $PKG ($REL)" >&2
echo "$OUT"
