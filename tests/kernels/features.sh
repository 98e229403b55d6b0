#!/usr/bin/env bash
# features.sh - prints what BPF mechanisms the running kernel has (see
# bpf_features.c), building the probe tool and objects into $BUILD/kernels
# first when they are missing or older than their sources. Runs on the host
# or in a guest (scripts/vm-run.sh KERNEL -- tests/kernels/features.sh);
# build on the host first (features.sh --build-only) so a guest does not
# compile under TCG.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
O=$BUILD/kernels
SRC=tests/kernels
PROBES="fentry:FENTRY kprobe:KPROBE tp_btf/sock_send_length:TP_BTF_SEND
	tp_btf/sock_recv_length:TP_BTF_RECV tracepoint/sys_enter_sendto:TP_SYSCALL
	raw_tp/sys_enter:RAW_TP_SYS ringbuf:RINGBUF"
ARCH=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

mkdir -p "$O"
if [ ! "$O/bpf_features" -nt $SRC/bpf_features.c ]; then
	cc -O2 -Wall -Wextra -Werror $SRC/bpf_features.c -o "$O/bpf_features" \
		$(pkg-config --cflags --libs libbpf)
fi
args=()
for p in $PROBES; do
	name=${p%%:*} def=${p##*:}
	obj=$O/probe_$def.bpf.o
	if [ ! "$obj" -nt $SRC/probe.bpf.c ]; then
		clang -g -O2 -target bpf -D__TARGET_ARCH_$ARCH -DPROBE_$def -Wall -Werror -I/usr/include/$(uname -m)-linux-gnu \
			-c $SRC/probe.bpf.c -o "$obj"
	fi
	args+=("$name=$obj")
done
[ "${1:-}" = --build-only ] && exit 0
printf "%-38s %s\n" kernel "$(uname -r)"
"$O/bpf_features" "${args[@]}"
