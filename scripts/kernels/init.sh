#!/bin/busybox sh
# init.sh - /init of make test-kernels' initramfs (busybox). Loads the
# virtio and 9p modules, mounts the host's root (9p, read-only) with a tmpfs
# overlay on top, and switches into it to run the stage-2 script named on the
# kernel command line (sockrec.stage2=PATH, a path on the host's root).
/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /lower /rw /newroot
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec >/dev/console 2>&1
say() { echo "vm-init: $*"; }
fail() { say "$*"; echo "vm-init: failed" >/dev/kmsg; sleep 1; poweroff -f; }

for m in $(cat /modules/order); do
	insmod "/modules/$m.ko" || say "insmod $m failed"
done

stage2=
for a in $(cat /proc/cmdline); do
	case $a in sockrec.stage2=*) stage2=${a#sockrec.stage2=} ;; esac
done
[ -n "$stage2" ] || fail "no sockrec.stage2= on the kernel command line"

mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro hostroot /lower ||
	fail "mounting the host root over 9p failed"
mount -t tmpfs -o mode=755 rw /rw
mkdir -p /rw/upper /rw/work
if ! mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot 2>/dev/null; then
	# no overlay: the read-only host root; stage 2 puts tmpfs where tests write
	say "overlay failed; read-only root"
	mount --move /lower /newroot
fi
[ -x "/newroot$stage2" ] || [ -r "/newroot$stage2" ] || fail "stage 2 $stage2 not found in the host root"
mount --move /dev /newroot/dev
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
exec switch_root /newroot /bin/bash "$stage2"
