// SPDX-License-Identifier: GPL-2.0
/* probe.bpf.c - one tiny program per attach mechanism, for bpf_features:
 * each is built alone (-DPROBE_<NAME>) so that one failing load says which
 * mechanism the kernel lacks. No vmlinux.h: the attach targets are resolved
 * by name against the running kernel's BTF at load. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#if defined(PROBE_FENTRY)
SEC("fentry/sock_sendmsg")
#elif defined(PROBE_KPROBE)
SEC("kprobe/sock_sendmsg")
#elif defined(PROBE_TP_BTF_SEND)
SEC("tp_btf/sock_send_length")
#elif defined(PROBE_TP_BTF_RECV)
SEC("tp_btf/sock_recv_length")
#elif defined(PROBE_TP_SYSCALL)
SEC("tracepoint/syscalls/sys_enter_sendto")
#elif defined(PROBE_RAW_TP_SYS)
SEC("raw_tp/sys_enter")
#elif defined(PROBE_RINGBUF)
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");
SEC("raw_tp/sched_process_exec")
#else
#error "define one PROBE_*"
#endif
int probe(void *ctx)
{
#ifdef PROBE_RINGBUF
	__u64 v = 1;
	bpf_ringbuf_output(&rb, &v, sizeof(v), 0);
#endif
	return 0;
}
