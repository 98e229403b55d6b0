#!/usr/bin/env bash
# mkinitrd.sh - builds the busybox initramfs that boots one fetched kernel
# (scripts/kernels/fetch.sh) with the host's root over 9p.
#
#   scripts/kernels/mkinitrd.sh KERNEL_DIR      prints the image's path
#
# The image holds busybox (busybox-static), init.sh as /init, and the
# kernel's virtio, 9p and overlay modules in load order (skipping those the
# kernel has built in or lacks; .ko.xz/.ko.zst decompressed, since busybox
# insmod reads plain .ko only). Rebuilt when init.sh or this script change.
set -euo pipefail
die() { echo "mkinitrd.sh: $*" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
KDIR=${1:?usage: mkinitrd.sh KERNEL_DIR}
REL=$(cat "$KDIR/release")
MODDIR=$KDIR/lib/modules/$REL
BUSYBOX=/bin/busybox

[ -x $BUSYBOX ] || die "busybox missing (package busybox-static)"

MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
	rng-core virtio-rng netfs fscache 9pnet 9pnet_virtio 9p overlay"

key=$(cat "$HERE/init.sh" "$0" | sha256sum | cut -c1-12)
OUT=$KDIR/initrd-$key.img
if [ -s "$OUT" ]; then echo "$OUT"; exit 0; fi

W=$(mktemp -d /tmp/sockrec-initrd.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/bin" "$W/modules" "$W/dev"
cp "$BUSYBOX" "$W/bin/busybox"
cp "$HERE/init.sh" "$W/init"
chmod 755 "$W/init" "$W/bin/busybox"
: >"$W/modules/order"
for m in $MODULES; do
	f=$(find "$MODDIR" \( -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" \) | head -n1)
	[ -n "$f" ] || continue
	n=${m//-/_}
	case $f in
	*.xz) xz -dc "$f" >"$W/modules/$n.ko" ;;
	*.zst) zstd -qdc "$f" >"$W/modules/$n.ko" ;;
	*) cp "$f" "$W/modules/$n.ko" ;;
	esac
	echo "$n" >>"$W/modules/order"
done
grep -qx 9p "$W/modules/order" || grep -q '^CONFIG_9P_FS=y' "$KDIR/boot/config-$REL" ||
	die "$REL has no 9p module"
(cd "$W" && find . | cpio -o -H newc --quiet | gzip -1) >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "$OUT"
