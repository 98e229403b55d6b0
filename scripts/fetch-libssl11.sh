#!/usr/bin/env bash
# fetch-libssl11.sh - OpenSSL 1.1 (Debian bullseye's libssl1.1) for
# tests/e2e/capture_tls_openssl11.sh: libssl.so.1.1 and libcrypto.so.1.1
# copied into $BUILD/deps/libssl1.1 (default build/), which the kernel
# test guests see too (their /var/tmp, where scripts/kernels/fetch.sh
# caches packages, is their own). Prints that directory. Needs root and the
# machine's Debian mirror the first time (tests/kernels/run.sh calls it on
# the host before the guests start).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT=$BUILD/deps/libssl1.1
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
if [ ! -f "$OUT/libssl.so.1.1" ] || [ ! -f "$OUT/libcrypto.so.1.1" ]; then
	src=$(scripts/kernels/fetch.sh 5.10 --deb libssl1.1)
	lib=$src/usr/lib/x86_64-linux-gnu
	rm -rf "$OUT.tmp"
	mkdir -p "$OUT.tmp"
	cp "$lib/libssl.so.1.1" "$lib/libcrypto.so.1.1" "$src/package" "$OUT.tmp/"
	rm -rf "$OUT"
	mv "$OUT.tmp" "$OUT"
fi
echo "$OUT"
