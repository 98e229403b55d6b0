#!/usr/bin/env bash
# vm-run.sh - runs one command inside a Debian kernel booted under QEMU.
#
#   scripts/vm-run.sh [OPTIONS] KERNEL -- COMMAND [ARG...]
#
#   KERNEL      5.10 (bullseye), 6.1 (bookworm) or 6.12 (trixie)
#   --timeout S hard limit for the whole VM, boot included (default 600)
#   --mem SIZE  guest memory (default 2G)
#   --smp N     guest CPUs (default 2; TCG runs them on one host thread)
#   VM_CPU=MODEL  QEMU CPU model (default qemu64: with -cpu max, glibc picks
#               AVX2 routines that TCG emulates slowly; measured 2-3x slower)
#
# The guest's root is this machine's root, shared read-only over 9p with a
# tmpfs overlay on top (writes vanish at power-off), so the host's build/
# binaries, tools and tests run as they are. The command runs as root in the
# current directory (bind-mounted under /mnt for the guest when it is under
# one of the following), with fresh tmpfs on /tmp /var/tmp /run /var/log
# /root, and
# bpf, tracefs, debugfs and cgroup2 mounted, lo up. BUILD, ONLY, KEEP, V
# and SOCKREC_* pass through from the environment, and so do the variables
# named in VM_ENV (space separated).
#
# Prints the command's output (stdout and stderr, as it runs) and exits with
# its exit code; 124 when the VM hit the timeout, 125 when it did not run the
# command. The run's files stay in $VM_LOGS (default build/vm-logs)/
# KERNEL-TIME-XXXX/: console.log (the serial console: kernel and init
# messages), output, rc, qemu.log; VM_RUN_DIR=DIR puts them in DIR instead
# (new or empty). In the guest, $VM_RESULTS is that directory (writable,
# kept). One VM at a time on this machine: the boot holds
# /tmp/sockrec-vm.lock (flock).
#
# Kernel packages are fetched once and cached (scripts/kernels/fetch.sh).
# Uses TCG (-accel tcg): nested KVM hangs in early boot on these machines.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
die() { echo "vm-run: $*" >&2; exit 125; }

TIMEOUT=600 MEM=2G SMP=2
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) TIMEOUT=$2; shift 2 ;;
	--mem) MEM=$2; shift 2 ;;
	--smp) SMP=$2; shift 2 ;;
	--) die "no KERNEL before --" ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
done
[ $# -ge 3 ] && [ "$2" = -- ] || die "usage: vm-run.sh [--timeout S] [--mem SIZE] [--smp N] KERNEL -- COMMAND..."
KERNEL=$1
shift 2
[ "$(id -u)" -eq 0 ] || die "needs root"
# The guest mounts fresh tmpfs on these: a current directory under one of
# them (a CI clone in /tmp, say) is shown to the guest through a bind mount
# elsewhere, removed when the VM is gone.
QPID= CWD_BIND=
cleanup() { # keeps the exit status: nothing here may fail under set -e
	if [ -n "$QPID" ]; then kill "$QPID" 2>/dev/null || true; fi
	if [ -n "$CWD_BIND" ]; then
		if umount "$CWD_BIND" 2>/dev/null; then rmdir "$CWD_BIND" 2>/dev/null || true; fi
	fi
}
trap cleanup EXIT
GUEST_CWD=$PWD STAGE2=$HERE/kernels/guest-init.sh
case $PWD/ in
/tmp/* | /var/tmp/* | /run/* | /var/log/* | /root/*)
	mkdir -p /mnt
	CWD_BIND=$(mktemp -d /mnt/sockrec-vm-cwd.XXXXXX)
	mount --bind "$PWD" "$CWD_BIND" || die "cannot bind-mount $PWD for the guest (it is hidden there under a tmpfs)"
	GUEST_CWD=$CWD_BIND
	case $STAGE2 in "$PWD"/*) STAGE2=$CWD_BIND/${STAGE2#"$PWD"/} ;; esac
	;;
esac
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 missing (scripts/install-deps.sh --vm)"

KDIR=$("$HERE/kernels/fetch.sh" "$KERNEL") || die "kernel $KERNEL: fetching its package failed"
REL=$(cat "$KDIR/release")
INITRD=$("$HERE/kernels/mkinitrd.sh" "$KDIR") || die "kernel $KERNEL: building the initramfs failed"

if [ -n "${VM_RUN_DIR:-}" ]; then
	R=$VM_RUN_DIR
	mkdir -p "$R"
	[ -z "$(ls -A "$R")" ] || die "VM_RUN_DIR $R is not empty"
else
	LOGS=${VM_LOGS:-$REPO/build/vm-logs}
	mkdir -p "$LOGS"
	R=$(mktemp -d "$LOGS/$KERNEL-$(date +%H%M%S)-XXXX")
fi
R=$(cd "$R" && pwd)
chmod 755 "$R"
{
	printf 'KDIR=%q\nCWD=%q\n' "$KDIR" "$GUEST_CWD"
	for v in BUILD ONLY KEEP V ${VM_ENV:-} $(compgen -v SOCKREC_ || true); do
		[ -n "${!v+x}" ] && printf 'export %s=%q\n' "$v" "${!v}"
	done
	true
} >"$R/env"
printf '%q ' "$@" >"$R/cmd"
echo >>"$R/cmd"
: >"$R/output"

QEMU=(qemu-system-x86_64 -accel tcg,thread=single -cpu "${VM_CPU:-qemu64}" -m "$MEM" -smp "$SMP"
	-nodefaults -no-user-config -display none -no-reboot
	-serial "file:$R/console.log"
	-kernel "$KDIR/boot/vmlinuz-$REL" -initrd "$INITRD"
	-append "console=ttyS0 panic=-1 loglevel=4 mitigations=off sockrec.stage2=$STAGE2"
	-virtfs "local,path=/,mount_tag=hostroot,readonly=on,multidevs=remap,security_model=none"
	-virtfs "local,path=$R,mount_tag=results,multidevs=remap,security_model=none"
	-device virtio-rng-pci)

exec 9>/tmp/sockrec-vm.lock
if ! flock -n 9; then
	echo "vm-run: waiting for /tmp/sockrec-vm.lock (another VM is running)" >&2
	flock 9
fi
start=$(date +%s)
timeout -k 5 "$TIMEOUT" "${QEMU[@]}" >"$R/qemu.log" 2>&1 &
QPID=$!
# the output as it grows (a final pass once the VM is gone)
pos=0
show() {
	local size
	size=$(stat -c %s "$R/output")
	[ "$size" -gt $pos ] || return 0
	tail -c +$((pos + 1)) "$R/output" | head -c $((size - pos))
	pos=$size
}
while kill -0 $QPID 2>/dev/null; do
	show
	sleep 0.5
done
qrc=0
wait $QPID || qrc=$?
show
exec 9>&-
secs=$(($(date +%s) - start))
echo "$KERNEL $REL ${secs}s" >"$R/time"

if [ -s "$R/rc" ]; then
	rc=$(cat "$R/rc")
	echo "vm-run: $KERNEL ($REL): exit $rc after ${secs}s; logs in $R" >&2
	exit "$rc"
fi
if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	echo "vm-run: $KERNEL ($REL): timed out after ${TIMEOUT}s; logs in $R" >&2
	rc=124
else
	echo "vm-run: $KERNEL ($REL): the VM stopped without running the command (qemu exit $qrc); logs in $R" >&2
	rc=125
fi
echo "vm-run: last console lines:" >&2
tail -n 25 "$R/console.log" 2>/dev/null | sed 's/^/  | /' >&2
tail -n 5 "$R/qemu.log" 2>/dev/null | sed 's/^/  qemu| /' >&2
exit $rc
