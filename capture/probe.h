/* probe.h - what this kernel offers the BPF side, and which variant of each
 * mechanism the capture loads (bpf/sockrec.bpf.c's top comment names them).
 *
 * Probe, then choose: cap_probe_kernel() fills a struct cap_kernel from the
 * kernel's BTF (kfuncs, tracepoints), libbpf's feature probes (helpers, map
 * types) and tracefs (syscall tracepoints). cap_choose_paths() is pure:
 * given those facts and an optional forcing string (SOCKREC_FORCE), it
 * picks the fastest path the kernel has for each of the three mechanisms,
 * and never refuses where a slower path works. Where nothing works, the
 * error names the missing feature and the oldest kernel that has it.
 */
#ifndef CAP_PROBE_H
#define CAP_PROBE_H

#include <stdbool.h>
#include <stddef.h>

/* What the kernel has (each true when present). */
struct cap_kernel {
	bool btf;	   /* /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF) */
	bool ringbuf;	   /* BPF_MAP_TYPE_RINGBUF, Linux 5.8 */
	bool sock_tp;	   /* tracepoints sock_send_length/sock_recv_length, Linux 6.3 */
	bool sys_tp;	   /* tracepoint/syscalls/sys_exit_* (CONFIG_FTRACE_SYSCALLS, tracefs) */
	bool rdonly_cast;  /* kfunc bpf_rdonly_cast, Linux 6.2 */
	bool bpf_loop;	   /* helper bpf_loop, Linux 5.17 */
	bool task_pt_regs; /* helper bpf_task_pt_regs, Linux 5.15 */
	bool dynptr_read;  /* kfunc bpf_probe_read_user_dynptr, Linux 6.16 */
	bool fexit;	   /* BPF trampolines: an fexit program on __sys_accept4 loads and attaches */
};

enum cap_hooks { CAP_HOOKS_SOCKET, CAP_HOOKS_SYSCALLS };
enum cap_copy { CAP_COPY_DYNPTR, CAP_COPY_SCRATCH };
enum cap_core { CAP_CORE_MODERN, CAP_CORE_COMPAT };
/* when a target's accept() is recorded */
enum cap_accept { CAP_ACCEPT_FEXIT, CAP_ACCEPT_SYSCALL, CAP_ACCEPT_FIRST_DATA };

struct cap_paths {
	enum cap_hooks hooks;
	enum cap_copy copy;
	enum cap_core core;
	enum cap_accept accept;
	int tls; /* TLS plaintext uprobes loaded (set by the caller, not chosen) */
};

/*! cap_probe_kernel() : fills k from the running kernel. Needs root (the
 *  helper probes load tiny programs). May mount tracefs on
 *  /sys/kernel/tracing when it is not mounted. */
void cap_probe_kernel(struct cap_kernel *k);

/*! cap_choose_paths() :
 *  force: NULL or "", or a comma-separated list of syscalls, scratch,
 *  compat (a testing switch: take that slower path although a faster one
 *  exists; "compat" implies the other two).
 *  @return 0 and fills p; -1 with a message in err that names what is
 *  missing (and since which kernel), or the forcing word it did not know. */
int cap_choose_paths(const struct cap_kernel *k, const char *force, struct cap_paths *p,
		     char *err, size_t err_cap);

/*! cap_paths_text() : "hooks: socket tracepoints; copy: user dynptr; core:
 *  6.2+; accept: fexit" for the start line (human) and, with @key_value,
 *  the capture header's "hooks=socket-tracepoints copy=user-dynptr
 *  core=modern accept=fexit".
 *  @return buf. */
const char *cap_paths_text(const struct cap_paths *p, int key_value, char *buf, size_t cap);

/*! cap_program_wanted() : whether the BPF program named name belongs to the
 *  chosen paths (its autoload setting). @return 1 or 0. */
int cap_program_wanted(const struct cap_paths *p, const char *name);

/*! cap_scratch_half() : half the data area of a scratch entry for this
 *  snaplen: a power of two above the snaplen and above an exec record's
 *  argv and environ copies (the BPF side's masks rely on "above"). */
unsigned cap_scratch_half(unsigned snaplen);

#endif /* CAP_PROBE_H */
