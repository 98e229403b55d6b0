#!/bin/bash
# guest-init.sh - stage 2 of a make test-kernels guest, PID 1 after the
# initramfs (init.sh) switched into the host's root (9p, with a tmpfs overlay
# when the kernel has overlayfs). Mounts what a capture test needs, runs the
# command vm-run.sh left in the results share and writes its exit code there,
# then powers off.
#
# Results share (mount tag "results", at /run/sockrec-vm): vm-run.sh writes
# env (KDIR, CWD and the variables passed through) and cmd; this writes
# output (the command's stdout and stderr) and rc. The command sees the
# share as $VM_RESULTS.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
R=/run/sockrec-vm
say() { echo "vm-init: $*"; }
off() {
	sync
	echo o >/proc/sysrq-trigger 2>/dev/null
	/bin/busybox poweroff -f
	sleep 5
}

mount -t tmpfs -o mode=755 run /run
mkdir -p $R
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results $R ||
	{ say "mounting the results share failed"; off; }
# shellcheck disable=SC1091
. $R/env || { say "no $R/env"; off; }

# the guest kernel's own modules at /lib/modules (no modules.dep: the host
# has no depmod; insmod by path works)
if [ -d "$KDIR/lib/modules" ]; then
	mkdir -p /lib/modules 2>/dev/null
	mount --bind "$KDIR/lib/modules" /lib/modules || say "no /lib/modules for modprobe"
fi
for d in /tmp /var/tmp /var/log /root; do
	mount -t tmpfs -o mode=1777 tmp "$d"
done
chmod 700 /root
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
ip link set lo up
hostname sockrec-vm
ulimit -l unlimited

# the command may leave files for the host in $VM_RESULTS (the results share)
export VM_RESULTS=$R
cd "$CWD" || { say "no $CWD in the guest"; echo 125 >$R/rc; off; }
say "running: $(cat $R/cmd)"
bash $R/cmd >$R/output 2>&1 </dev/null
echo $? >$R/rc.tmp && mv $R/rc.tmp $R/rc
off
