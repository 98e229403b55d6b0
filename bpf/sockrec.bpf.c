// SPDX-License-Identifier: GPL-2.0
/* sockrec.bpf.c - kernel side of sockrec: which processes are targets, and
 * what their TCP sockets moved.
 *
 * One object for Linux 5.10 (BTF and the BPF ring buffer) to current. It
 * holds several variants of some programs; userspace probes the kernel and
 * loads one variant of each (capture.c, choose_paths()). Three choices:
 *
 * Hooks for the data path:
 *  - socket tracepoints (Linux 6.3+): raw_tp/sock_send_length and
 *    raw_tp/sock_recv_length, the socket layer after the protocol moved
 *    the bytes, still inside the syscall. Other syscalls never reach us.
 *    The syscall and where the bytes are in user memory come from the
 *    task's saved user registers; the socket is the tracepoint's own
 *    argument, so no fd table walk. Programs sr_send/sr_recv (payload
 *    copied with the user dynptr kfunc) or sr_send_scr/sr_recv_scr.
 *  - syscall tracepoints (any kernel with CONFIG_FTRACE_SYSCALLS): one
 *    tracepoint/syscalls/sys_exit_* program per send/receive syscall, the
 *    fd resolved to its socket through the fd table (sr_sys_*). Attaching
 *    any syscall tracepoint puts every syscall of every process on the
 *    kernel's slow exit path (~80 ns each on our machines): the fallback,
 *    never the default.
 *
 * Payload copy:
 *  - user dynptr (Linux 6.16+, kfunc bpf_probe_read_user_dynptr): straight
 *    from user memory into the reserved ring record;
 *  - scratch: into this CPU's entry of `scratch`, then bpf_ringbuf_output.
 *  Both put payloads of at most SR_BPF_SMALL bytes from one buffer in fixed
 *  ring slots (emit_small), and produce the same records.
 *
 * Core (how kernel memory is read, by the state and process programs and
 * the helpers they share):
 *  - MODERN (Linux 6.2+): kfunc bpf_rdonly_cast (direct fault-safe loads),
 *    bpf_loop, bpf_task_pt_regs, BPF atomics for `target_bits`;
 *  - COMPAT (Linux 5.10+): BPF_CORE_READ, bounded loops, the saved user
 *    registers read from the top of the task's kernel stack, and the
 *    `targets` hash as the only target set.
 *  The code of both is written once, in __always_inline functions taking
 *  the core as a constant `M`; clang drops the other branch, so a COMPAT
 *  program holds no instruction an old verifier refuses.
 *
 * Other hooks (every kernel in range, unless said):
 *  - raw_tp/inet_sock_set_state: TCP state changes. A target's connect()
 *    (CLOSE -> SYN_SENT, on its task) is reported when the handshake ends;
 *    a socket cloned from a listener (LISTEN -> SYN_RECV, softirq) is
 *    marked, and reported as accepted at the first send/receive of a
 *    target on it; a target's close() is the change it makes (ESTABLISHED
 *    -> FIN_WAIT1, CLOSE_WAIT -> LAST_ACK, or an abort).
 *  - raw_tp/sched_process_exec: the opt-in decision. The new program's
 *    environment is scanned (bounded) for ADI_PROFILE, ADI_PROFILE_DISABLED=1
 *    and, with --allow, the value is looked up in `allow`. It happens before
 *    the program runs its first instruction, so a short-lived client is
 *    captured from its first byte.
 *  - raw_tp/sched_process_fork: children inherit their parent's status.
 *  - raw_tp/sched_process_exit: the tgid leaves `targets`.
 *  - uprobes on libssl (sr_tls_*, attached per library file by userspace):
 *    the plaintext of SSL_read/SSL_write/_ex as data records flagged
 *    SR_EVF_TLS, on the socket the SSL object last moved ciphertext on
 *    (tls_socks); the ciphertext moved inside a TLS call is flagged
 *    SR_EVF_TLS_CIPHER and, unless keep_ciphertext, kept as byte counts.
 *  - uprobes on Go's crypto/tls (sr_gotls_*, attached per executable by
 *    userspace): entry and RET instructions of (*Conn).Read and .Write
 *    and of the handshakes, calls keyed by goroutine; the socket from the
 *    tls.Conn's fd, which also marks the socket so that its sends and
 *    receives are flagged SR_EVF_TLS_CIPHER.
 *  - accept records at accept() time: fexit/__sys_accept4 where the kernel
 *    has BPF trampolines, or the accept/accept4 exit tracepoints with the
 *    syscall hooks; else (the socket tracepoints without trampolines) the
 *    data path reports an accepted socket at its first send or receive.
 *
 * Only TCP sockets are recorded: the sock is SOCK_STREAM/IPPROTO_TCP,
 * AF_INET or AF_INET6. Files, pipes and unix sockets never reach the ring.
 *
 * Payload: the bytes the call moved, up to snaplen. Bytes that never were
 * in the process's memory (sendfile, splice into the socket) are recorded
 * as byte counts without payload, and so are the messages of a
 * sendmmsg/recvmmsg vector longer than one (on the socket tracepoints each
 * message is seen, but not which of the vector it is). A splice out of a socket does
 * not pass the socket layer's recvmsg: it is not seen, and shows as a gap
 * in tcp_seq. Records are submitted with BPF_RB_NO_WAKEUP; userspace
 * drains on a short timer, and a wake-up is sent only when the ring
 * crosses wake_bytes.
 *
 * Every loss (ring full, copy fault, truncation, full map, scratch busy) is
 * counted in the per-CPU `counters`; nothing is dropped silently. (A
 * process whose environment is too large for the exec-time scan is decided
 * by userspace, which counts that as a loss: its first syscalls are not
 * captured.)
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "sockrec.h"

/* bench/bpf-stages.sh builds the program stopped after a stage of the data
 * path, to measure what each costs: 1 target filter, 2 socket
 * identification, 3 ring reserve and commit, 4 record header, 5 payload
 * copy (the real program). */
#ifndef SR_BPF_STAGE
#define SR_BPF_STAGE 5
#endif

char LICENSE[] SEC("license") = "GPL";

/* How kernel memory is read (see the top comment); a compile-time constant
 * in every __always_inline function that takes it. */
#define MODERN 0
#define COMPAT 1

/* x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl) */
#define NR_read 0
#define NR_write 1
#define NR_close 3
#define NR_readv 19
#define NR_writev 20
#define NR_sendfile 40
#define NR_connect 42
#define NR_accept 43
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_splice 275
#define NR_recvmmsg 299
#define NR_sendmmsg 307
#define NR_preadv2 327
#define NR_pwritev2 328

#define USER64_CS 0x33 /* __USER_CS: a 64-bit syscall (not the ia32 ABI) */
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define IPPROTO_TCP 6
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define MSG_PEEK 0x2
#define MSG_TRUNC 0x20
#define RCV_SHUTDOWN 1
#define ECONNABORTED 103

/* load-time settings (written through the skeleton's rodata) */
const volatile __u32 snaplen = 16384;
const volatile bool capture_all = false;
const volatile bool allow_set = false;
const volatile __u32 self_tgid = 0;
const volatile __u64 wake_bytes = 0; /* 0: never wake the consumer */
/* Half the data area of a `scratch` entry: a power of two above snaplen
 * and above the exec record's argv + environ (cap_scratch_half()). */
const volatile __u32 scr_half = 65536;
/* x86_64 THREAD_SIZE: the saved user registers are at the top of a task's
 * kernel stack (COMPAT; checked against the syscall number before use). */
const volatile __u64 thread_size = 16384;
/* TLS plaintext through uprobes on the TLS library (the sr_tls_* programs
 * are loaded and attached); keep_ciphertext: the ciphertext a TLS call
 * moves keeps its payload (else byte counts only). */
const volatile bool tls_on = false;
const volatile bool keep_ciphertext = false;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024); /* --ring-size */
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);   /* tgid */
	__type(value, __u32); /* SR_TGT_* */
} targets SEC(".maps");

/* One bit per tgid, set exactly when tgid is a key of `targets` (MODERN
 * programs keep it; COMPAT programs use `targets` alone). Mmapable:
 * userspace sets bits with atomic operations on the mapped words. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SR_BPF_TARGET_WORDS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} target_bits SEC(".maps");

/* Per-CPU direct-mapped memory of the (tgid, socket) pairs this CPU has
 * seen on the data path: the first sight of a socket costs a `passive`
 * lookup, every later event an inlined array lookup. */
struct fd_seen {
	__u64 key;     /* tgid ^ sock address */
	__u64 sock_id; /* the socket's inode: tells a reused address apart */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SR_BPF_FDSEEN_SLOTS);
	__type(key, __u32);
	__type(value, struct fd_seen);
} fdseen SEC(".maps");

/* Sockets accepted from a listener (any process's: the child is made in
 * softirq context), until a target first moves data on one. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* struct sock address */
	__type(value, __u8);
} passive SEC(".maps");

/* Who a conn event is about: the current task, or the one that began a
 * connect (the connection completes in softirq context, on any task). */
struct who {
	__u64 pid_tgid;
	__u64 start_ns; /* the process's start time */
	char comm[16];
};

/* A target's connect() in progress. */
struct pending {
	struct who who;
	__u64 ino; /* socket inode */
	__s32 fd;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* struct sock address */
	__type(value, struct pending);
} connecting SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SR_BPF_ALLOW_MAX);
	__type(key, char[SR_BPF_ALLOW_LEN]); /* ADI_PROFILE value, zero padded */
	__type(value, __u8);
} allow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sr_bpf_counters);
} counters SEC(".maps");

/* Where a record is built before bpf_ringbuf_output, one entry per CPU
 * (indexed by CPU: per-CPU maps cap values at 32 KiB). Userspace sizes it:
 * SR_BPF_SCRATCH_HDR + 2 * scr_half bytes, possible-CPUs entries. Records
 * start at byte 0, payload right after the record's fixed part. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(value_size, SR_BPF_SCRATCH_HDR + 2 * 65536);
} scratch SEC(".maps");

/* 1 while this CPU's scratch entry is being filled: a program preempted
 * there (fully preemptible kernels) never sees its record overwritten. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} scratch_busy SEC(".maps");

extern int bpf_probe_read_user_dynptr(struct bpf_dynptr *dptr, __u32 off, __u32 size,
				      const void *unsafe_ptr) __ksym __weak;
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/* A kernel pointer we only read, with direct (fault-safe) loads instead of
 * one bpf_probe_read_kernel() per field. MODERN only. */
#define KPTR(type, p) ((type *)bpf_rdonly_cast((void *)(p), bpf_core_type_id_kernel(type)))

/* One field of a kernel object: a direct load (MODERN, p from KPTR or a
 * BTF helper), or a probe read (COMPAT). */
#define LD(M, p, field) ((M) == COMPAT ? BPF_CORE_READ(p, field) : (p)->field)

enum loss { LOSS_RING_FULL, LOSS_READ_FAULT, LOSS_TRUNCATED, LOSS_OTHER };

/* Programs can be preempted (raw tracepoints run with migration disabled
 * only), so per-CPU counters are still updated atomically. */
static __always_inline void count(enum loss what)
{
	__u32 zero = 0;
	struct sr_bpf_counters *c = bpf_map_lookup_elem(&counters, &zero);

	if (!c)
		return;
	switch (what) {
	case LOSS_RING_FULL:
		__sync_fetch_and_add(&c->ring_full, 1);
		break;
	case LOSS_READ_FAULT:
		__sync_fetch_and_add(&c->read_fault, 1);
		break;
	case LOSS_TRUNCATED:
		__sync_fetch_and_add(&c->truncated, 1);
		break;
	default:
		__sync_fetch_and_add(&c->other, 1);
		break;
	}
}

/* The hot filter: @return true when tgid is a target. */
static __always_inline bool is_target(const int M, __u32 tgid)
{
	__u32 k = tgid / 64;
	__u64 *w;

	if (capture_all)
		return tgid != self_tgid;
	if (M == COMPAT)
		return bpf_map_lookup_elem(&targets, &tgid) != NULL;
	w = bpf_map_lookup_elem(&target_bits, &k);
	return w && (*w >> (tgid % 64)) & 1;
}

/* @return the SR_TGT_* flags of tgid, 0 when it is not a target. */
static __always_inline __u32 target_flags(__u32 tgid)
{
	__u32 *f;

	if (capture_all)
		return tgid == self_tgid ? 0 : SR_TGT_ALL;
	f = bpf_map_lookup_elem(&targets, &tgid);
	return f ? *f : 0;
}

/* @return 0, or -1 when `targets` is full (counted as a loss). */
static __always_inline int target_set(const int M, __u32 tgid, __u32 flags)
{
	__u32 k = tgid / 64;
	__u64 *w = bpf_map_lookup_elem(&target_bits, &k);

	if (!w || bpf_map_update_elem(&targets, &tgid, &flags, BPF_ANY)) {
		count(LOSS_OTHER);
		return -1;
	}
	if (M == MODERN)
		__sync_fetch_and_or(w, 1ull << (tgid % 64));
	return 0;
}

static __always_inline void target_clear(const int M, __u32 tgid)
{
	__u32 k = tgid / 64;
	__u64 *w = bpf_map_lookup_elem(&target_bits, &k);

	if (M == MODERN && w)
		__sync_fetch_and_and(w, ~(1ull << (tgid % 64)));
	bpf_map_delete_elem(&targets, &tgid);
}

/* BPF_RB_NO_WAKEUP, except for the record that makes the ring cross
 * wake_bytes: one wake-up per burst instead of one per event. */
static __always_inline __u64 submit_flags(__u64 size)
{
	__u64 avail;

	if (!wake_bytes)
		return BPF_RB_NO_WAKEUP;
	avail = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
	if (avail >= wake_bytes && avail - size < wake_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* ---- the current task ---- */

static __always_inline struct task_struct *cur_task(const int M)
{
	if (M == COMPAT)
		return (struct task_struct *)bpf_get_current_task();
	return bpf_get_current_task_btf();
}

/* comm of the current task: two direct loads instead of a helper call */
static __always_inline void current_comm(const int M, char comm[16])
{
	struct task_struct *task;

	if (M == COMPAT) {
		bpf_get_current_comm(comm, 16);
		return;
	}
	task = bpf_get_current_task_btf();
	((__u64 *)comm)[0] = *(__u64 *)&task->comm[0];
	((__u64 *)comm)[1] = *(__u64 *)&task->comm[8];
}

/* start time (boottime) of task's process: tells reused pids apart */
static __always_inline __u64 proc_start(const int M, struct task_struct *task)
{
	if (M == COMPAT)
		return BPF_CORE_READ(task, group_leader, start_boottime);
	return task->group_leader->start_boottime;
}

/* The syscall the current task is in, and its arguments: a stretch of
 * x86_64's struct pt_regs, from r10 to orig_ax, in its order (an ABI: the
 * syscall entry frame), then cs. */
struct uregs {
	__u64 r10, r9, r8, ax, cx, dx, si, di;
	__u64 nr; /* orig_ax */
	__u64 cs;
};

/* Reads the current task's saved user registers. MODERN asks the kernel
 * where they are; COMPAT computes it (x86_64 keeps them at the top of the
 * task's kernel stack, TOP_OF_KERNEL_STACK_PADDING being 0) and reads the
 * stretch it needs with one probe. It takes cs as 64-bit: an ia32 syscall
 * never reaches a sys_exit_* tracepoint (ftrace skips compat syscalls), and
 * the state program only compares the syscall number with connect, sendto,
 * sendmsg and close, which ia32 numbers differently from any call that
 * changes a TCP state. @return 0, or -1 when they cannot be read. */
static __always_inline int user_regs(const int M, struct uregs *u)
{
	struct pt_regs *regs;
	void *stack;

	if (M == MODERN) {
		regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
		u->nr = regs->orig_ax;
		u->cs = regs->cs;
		u->di = regs->di;
		u->si = regs->si;
		u->dx = regs->dx;
		u->r10 = regs->r10;
		return 0;
	}
	stack = BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), stack);
	if (!stack || bpf_probe_read_kernel(u, offsetof(struct uregs, cs),
					    stack + thread_size - sizeof(struct pt_regs) +
						bpf_core_field_offset(struct pt_regs, r10)))
		return -1;
	u->cs = USER64_CS;
	return 0;
}

static __always_inline void who_current(const int M, struct who *w)
{
	w->pid_tgid = bpf_get_current_pid_tgid();
	w->start_ns = proc_start(M, cur_task(M));
	current_comm(M, w->comm);
}

/* ---- sockets ---- */

struct tcp_ref {
	struct sock *sk;
	__u64 addr; /* sk as a number: a map key (the verifier allows no arithmetic on sk) */
	struct sr_ev_sock s;
};

/* @return the sock as a readable pointer when it is an AF_INET/AF_INET6
 * TCP socket, else NULL. */
static __always_inline struct sock *tcp_sock_of(const int M, __u64 raw)
{
	struct sock *sk = M == COMPAT ? (struct sock *)raw : KPTR(struct sock, raw);
	__u16 family;

	if (!sk || LD(M, sk, sk_type) != SOCK_STREAM || LD(M, sk, sk_protocol) != IPPROTO_TCP)
		return NULL;
	family = LD(M, sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return NULL;
	return sk;
}

/* The inode number of sk's socket (what /proc/PID/fd shows as
 * socket:[N]): struct socket sits inside struct socket_alloc, next to its
 * inode. 0 when the socket is already orphaned. */
static __always_inline __u64 sock_ino(const int M, struct sock *sk)
{
	struct socket *sock = LD(M, sk, sk_socket);
	__u64 off = bpf_core_field_offset(struct socket_alloc, socket);
	struct socket_alloc *sa;

	if (!sock)
		return 0;
	if (M == COMPAT) {
		sa = (struct socket_alloc *)((void *)sock - off);
		return BPF_CORE_READ(sa, vfs_inode.i_ino);
	}
	sa = KPTR(struct socket_alloc, (void *)sock - off);
	return sa->vfs_inode.i_ino;
}

/* Fills ref from a TCP sock (see tcp_sock_of) and the fd it was used by. */
static __always_inline void tcp_ref_fill(const int M, struct sock *sk, __u64 addr, __s32 fd,
					 __u64 ino, struct tcp_ref *ref)
{
	__u16 family = LD(M, sk, __sk_common.skc_family);
	__u32 *l = (__u32 *)ref->s.laddr, *r = (__u32 *)ref->s.raddr;

	ref->sk = sk;
	ref->addr = addr;
	ref->s.sock_id = ino;
	ref->s.fd = fd;
	ref->s.family = family;
	ref->s.lport = LD(M, sk, __sk_common.skc_num);
	ref->s.rport = bpf_ntohs(LD(M, sk, __sk_common.skc_dport));
	ref->s.pad = 0;
	ref->s.pad2 = 0;
	if (family == AF_INET) {
		l[0] = LD(M, sk, __sk_common.skc_rcv_saddr);
		r[0] = LD(M, sk, __sk_common.skc_daddr);
		l[1] = l[2] = l[3] = 0;
		r[1] = r[2] = r[3] = 0;
	} else if (M == COMPAT) {
		bpf_core_read(ref->s.laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(ref->s.raddr, 16, &sk->__sk_common.skc_v6_daddr);
	} else {
		l[0] = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32[0];
		l[1] = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32[1];
		l[2] = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32[2];
		l[3] = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32[3];
		r[0] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[0];
		r[1] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[1];
		r[2] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[2];
		r[3] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[3];
	}
}

/* The stream position just after the bytes this call moved: write_seq
 * for a send, copied_seq for a receive. A receive that reached the peer's
 * FIN also consumed it, and the FIN takes one sequence number: then
 * copied_seq == rcv_nxt with RCV_SHUTDOWN set, and the data ended one
 * before. */
static __always_inline __u32 tcp_seq(const int M, struct sock *sk, __u8 dir)
{
	struct tcp_sock *tp = M == COMPAT ? (struct tcp_sock *)sk : KPTR(struct tcp_sock, sk);
	__u32 seq;
	__u8 shut;

	if (dir == SR_EVD_SEND)
		return LD(M, tp, write_seq);
	seq = LD(M, tp, copied_seq);
	if (M == COMPAT)
		shut = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_shutdown); /* a bitfield on old kernels */
	else
		shut = sk->sk_shutdown;
	if (seq == LD(M, tp, rcv_nxt) && (shut & RCV_SHUTDOWN))
		seq--;
	return seq;
}

static __always_inline void emit_conn(const struct who *w, const struct tcp_ref *ref, __u16 nr,
				      __u8 kind, long ret)
{
	struct sr_ev_conn *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e) {
		count(LOSS_RING_FULL);
		return;
	}
	e->type = SR_EV_CONN;
	e->ret = ret;
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->tgid = w->pid_tgid >> 32;
	e->tid = (__u32)w->pid_tgid;
	e->syscall = nr;
	e->kind = kind;
	e->pad = 0;
	e->cpu = bpf_get_smp_processor_id();
	e->start_ns = w->start_ns;
	__builtin_memcpy(e->comm, w->comm, sizeof(e->comm));
	e->sock = ref->s;
	bpf_ringbuf_submit(e, submit_flags(sizeof(*e)));
}

/* The accept record of a socket first seen on the data path, in its own
 * stack frame (the data path's is near the verifier's 512-byte limit);
 * one copy per core, so that a COMPAT program holds no MODERN call. */
static __always_inline void accept_record(const int M, const struct tcp_ref *ref)
{
	struct tcp_ref acc = *ref;
	struct who w;

	who_current(M, &w);
	emit_conn(&w, &acc, NR_accept, SR_EVC_ACCEPT, ref->s.fd);
}

static __noinline void emit_accept_modern(const struct tcp_ref *ref)
{
	accept_record(MODERN, ref);
}

static __noinline void emit_accept_compat(const struct tcp_ref *ref)
{
	accept_record(COMPAT, ref);
}

/* First sight of a socket by a process, on the data path. A socket that
 * was accepted (marked in `passive` when it left LISTEN) is reported as an
 * accept here, once: the marker is taken by whoever deletes it. The
 * per-CPU slots keep this off the common path: one inlined array lookup. */
static __always_inline void first_sight(const int M, const struct tcp_ref *ref, __u64 pid_tgid)
{
	__u64 key = (pid_tgid >> 32) ^ ref->addr;
	__u32 slot = (key * 0x9e3779b97f4a7c15ull) >> 56 & (SR_BPF_FDSEEN_SLOTS - 1);
	struct fd_seen *seen = bpf_map_lookup_elem(&fdseen, &slot);
	__u64 skey = ref->addr;

	if (!seen || (seen->key == key && seen->sock_id == ref->s.sock_id))
		return;
	seen->key = key;
	seen->sock_id = ref->s.sock_id;
	if (bpf_map_delete_elem(&passive, &skey))
		return;
	if (M == COMPAT)
		emit_accept_compat(ref);
	else
		emit_accept_modern(ref);
}

/* ---- data events ---- */

/* Where the payload of one data event is in user memory: one buffer, or an
 * iovec array in user memory. */
struct payload_src {
	const void *buf;	 /* single buffer, or NULL */
	const struct iovec *iov; /* user iovec array (when buf is NULL) */
	__u64 iovcnt;
};

/* One data event to emit (BPF functions take at most five arguments). */
struct data_req {
	__u64 pid_tgid;
	__u64 start_ns; /* the process's start time */
	char comm[16];
	__u64 bytes; /* the call moved */
	__u32 seq;   /* tcp_seq after the call */
	__u32 flags; /* SR_EVF_* known up front */
	__u16 nr;
	__u8 dir;
	struct payload_src src;
};

/* The fixed part of a data event, after its payload was copied. */
static __always_inline void data_header(struct sr_ev_data *e, const struct tcp_ref *ref,
					const struct data_req *r, __u32 copied, __u32 flags)
{
	if (flags & SR_EVF_READ_FAULT)
		count(LOSS_READ_FAULT);
	if (!(flags & (SR_EVF_NO_PAYLOAD | SR_EVF_READ_FAULT)) && copied < r->bytes) {
		flags |= SR_EVF_TRUNCATED;
		count(LOSS_TRUNCATED);
	}
	e->type = SR_EV_DATA;
	e->cap_len = copied;
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->tgid = r->pid_tgid >> 32;
	e->tid = (__u32)r->pid_tgid;
	e->bytes = r->bytes;
	/* TLS plaintext has no place in the TCP sequence space */
	e->flags = flags & SR_EVF_TLS ? flags : flags | SR_EVF_SEQ_VALID;
	e->tcp_seq = r->seq;
	e->syscall = r->nr;
	e->dir = r->dir;
	e->pad = 0;
	e->cpu = bpf_get_smp_processor_id();
	e->start_ns = r->start_ns;
	__builtin_memcpy(e->comm, r->comm, sizeof(e->comm));
	e->sock = ref->s;
}

/* @return the bytes of payload to keep for r: 0 when it has none. */
static __always_inline __u32 payload_cap(const struct data_req *r)
{
	__u32 cap;

	if (r->flags & SR_EVF_NO_PAYLOAD)
		return 0;
	cap = r->bytes < snaplen ? r->bytes : snaplen;
	return cap > SR_BPF_MAX_SNAPLEN ? SR_BPF_MAX_SNAPLEN : cap;
}

/* A payload of at most `slot` bytes (a constant) from one buffer, in a
 * ring record of fixed size; userspace reads cap_len. */
static __always_inline void emit_slot(const struct tcp_ref *ref, struct data_req *r, __u64 n,
				      const __u32 slot)
{
	struct sr_ev_data *e = bpf_ringbuf_reserve(&rb, sizeof(*e) + slot, 0);
	__u32 flags = r->flags, copied = 0;

	if (!e) {
		count(LOSS_RING_FULL);
		return;
	}
	barrier_var(n); /* keep the bound next to its use: the verifier needs it */
	if (n > slot)
		n = slot;
	if (bpf_probe_read_user(e->data, n, r->src.buf))
		flags |= SR_EVF_READ_FAULT;
	else
		copied = n;
	data_header(e, ref, r, copied, flags);
	bpf_ringbuf_submit(e, submit_flags(sizeof(*e) + slot));
}

/* A payload of at most SR_BPF_SMALL bytes from one buffer: a ring slot of
 * SR_BPF_TINY or SR_BPF_SMALL payload bytes, which saves the copy paths
 * below. */
static __noinline void emit_small(const struct tcp_ref *ref, struct data_req *r, __u32 cap)
{
	if (cap <= SR_BPF_TINY)
		emit_slot(ref, r, cap, SR_BPF_TINY);
	else
		emit_slot(ref, r, cap, SR_BPF_SMALL);
}

/* -- copy through the user dynptr (Linux 6.16+) -- */

/* bpf_loop context for copying an iovec array: the loop body is verified
 * once instead of once per iteration. */
struct iov_copy {
	struct bpf_dynptr *dp;
	const struct iovec *iov;
	__u64 iovcnt;
	__u32 off; /* where the payload starts in the record */
	__u32 cap;
	__u32 copied;
	__u32 fault;
};

static long iov_copy_step(__u32 i, void *arg)
{
	struct iov_copy *c = arg;
	struct iovec v;
	__u64 n;

	if (i >= c->iovcnt || c->copied >= c->cap)
		return 1;
	if (bpf_probe_read_user(&v, sizeof(v), &c->iov[i])) {
		c->fault = 1;
		return 1;
	}
	n = v.iov_len;
	if (n > c->cap - c->copied)
		n = c->cap - c->copied;
	if (n && bpf_probe_read_user_dynptr(c->dp, c->off + c->copied, n, v.iov_base)) {
		c->fault = 1;
		return 1;
	}
	c->copied += n;
	return 0;
}

#define IOV_HEAD 4 /* iovecs read at once */

/* Copies up to cap bytes described by src into dp at offset off.
 * @return bytes copied; sets SR_EVF_READ_FAULT in *flags on a fault. */
static __always_inline __u32 copy_payload(struct bpf_dynptr *dp, __u32 off, __u32 cap,
					  const struct payload_src *src, __u32 *flags)
{
	struct iov_copy c = {};

	if (src->buf) {
		if (bpf_probe_read_user_dynptr(dp, off, cap, src->buf)) {
			*flags |= SR_EVF_READ_FAULT;
			return 0;
		}
		return cap;
	}
	c.dp = dp;
	c.iov = src->iov;
	c.iovcnt = src->iovcnt;
	c.off = off;
	c.cap = cap;
	/* the first iovecs with one read of the array (most vectors are
	 * short: a header and a body), the rest one by one in bpf_loop */
	if (c.iovcnt) {
		struct iovec v[IOV_HEAD];
		__u64 n = c.iovcnt < IOV_HEAD ? c.iovcnt : IOV_HEAD;
		int i;

		barrier_var(n);
		if (n > IOV_HEAD)
			n = IOV_HEAD;
		if (bpf_probe_read_user(v, n * sizeof(v[0]), c.iov)) {
			*flags |= SR_EVF_READ_FAULT;
			return 0;
		}
		for (i = 0; i < IOV_HEAD && i < n; i++) {
			__u64 len = v[i].iov_len;

			if (len > c.cap - c.copied)
				len = c.cap - c.copied;
			if (len && bpf_probe_read_user_dynptr(dp, c.off + c.copied, len, v[i].iov_base)) {
				*flags |= SR_EVF_READ_FAULT;
				return c.copied;
			}
			c.copied += len;
		}
		c.iov += n;
		c.iovcnt -= n;
	}
	if (c.iovcnt && c.copied < c.cap)
		bpf_loop(SR_BPF_MAX_IOV - IOV_HEAD, iov_copy_step, &c, 0);
	if (c.fault)
		*flags |= SR_EVF_READ_FAULT;
	return c.copied;
}

/* Emits one data event: r->bytes moved on ref's socket. */
static __noinline void emit_data_dyn(const struct tcp_ref *ref, struct data_req *r)
{
	struct bpf_dynptr dp;
	struct sr_ev_data *e;
	__u32 cap = payload_cap(r), copied = 0, size, flags = r->flags;

	if (cap && cap <= SR_BPF_SMALL && r->src.buf) {
		emit_small(ref, r, cap);
		return;
	}
	size = sizeof(*e) + cap;
	if (bpf_ringbuf_reserve_dynptr(&rb, size, 0, &dp)) {
		bpf_ringbuf_discard_dynptr(&dp, 0);
		count(LOSS_RING_FULL);
		return;
	}
	if (SR_BPF_STAGE < 4) { /* type 0: userspace skips the record */
		__u32 zero = 0;

		bpf_dynptr_write(&dp, 0, &zero, sizeof(zero), 0);
		bpf_ringbuf_submit_dynptr(&dp, BPF_RB_NO_WAKEUP);
		return;
	}
	if (cap)
		copied = copy_payload(&dp, sizeof(*e), cap, &r->src, &flags);
	e = bpf_dynptr_data(&dp, 0, sizeof(*e));
	if (!e) {
		bpf_ringbuf_discard_dynptr(&dp, 0);
		count(LOSS_OTHER);
		return;
	}
	data_header(e, ref, r, copied, flags);
	bpf_ringbuf_submit_dynptr(&dp, submit_flags(size));
}

/* -- copy through the scratch buffer (any kernel) -- */

/* @return this CPU's scratch entry, marked busy; NULL (counted) when it
 * cannot be had. Give it back with scratch_put(). */
static __always_inline __u8 *scratch_get(void)
{
	__u32 zero = 0, cpu = bpf_get_smp_processor_id();
	__u32 *busy = bpf_map_lookup_elem(&scratch_busy, &zero);
	__u8 *buf = bpf_map_lookup_elem(&scratch, &cpu);

	if (!busy || !buf || *busy) {
		count(LOSS_OTHER);
		return NULL;
	}
	*busy = 1;
	return buf;
}

static __always_inline void scratch_put(void)
{
	__u32 zero = 0;
	__u32 *busy = bpf_map_lookup_elem(&scratch_busy, &zero);

	if (busy)
		*busy = 0;
}

/* Copies up to cap bytes described by src to dst, an address in a scratch
 * entry with 2 * scr_half bytes after it. Userspace makes scr_half larger
 * than snaplen, so cap, the bytes copied and any one copy stay below it:
 * the masks below change nothing but prove the bounds to the verifier
 * without a branch. Bounded loops only (bpf_loop is Linux 5.17), with one
 * branch per iovec that goes on: the verifier's work stays linear.
 * @return bytes copied; sets SR_EVF_READ_FAULT in *flags on a fault. */
static __always_inline __u32 copy_scratch(__u8 *dst, __u64 cap, const struct payload_src *src,
					  __u32 *flags)
{
	__u64 mask = scr_half - 1, copied = 0, n;
	__u32 i;

	cap &= mask;
	if (src->buf) {
		if (bpf_probe_read_user(dst, cap, src->buf)) {
			*flags |= SR_EVF_READ_FAULT;
			return 0;
		}
		return cap;
	}
	for (i = 0; i < SR_BPF_MAX_IOV; i++) {
		struct iovec v;

		if (i >= src->iovcnt || copied >= cap)
			break;
		if (bpf_probe_read_user(&v, sizeof(v), &src->iov[i])) {
			*flags |= SR_EVF_READ_FAULT;
			break;
		}
		n = v.iov_len;
		if (n > cap - copied)
			n = cap - copied;
		if (bpf_probe_read_user(dst + (copied & mask), n & mask, v.iov_base)) {
			*flags |= SR_EVF_READ_FAULT;
			break;
		}
		copied += n;
	}
	return copied;
}

static __noinline void emit_data_scr(const struct tcp_ref *ref, struct data_req *r)
{
	__u32 cap = payload_cap(r), copied = 0, flags = r->flags;
	__u64 size;
	struct sr_ev_data *e;
	__u8 *buf;

	if (cap && cap <= SR_BPF_SMALL && r->src.buf) {
		emit_small(ref, r, cap);
		return;
	}
	buf = scratch_get();
	if (!buf)
		return;
	e = (struct sr_ev_data *)buf;
	if (cap)
		copied = copy_scratch(buf + sizeof(*e), cap, &r->src, &flags);
	data_header(e, ref, r, copied, flags);
	size = sizeof(*e) + (copied & (scr_half - 1));
	if (bpf_ringbuf_output(&rb, buf, size, submit_flags(size)))
		count(LOSS_RING_FULL);
	scratch_put();
}

/* sendmsg/recvmsg: the iovecs come from the user's msghdr. */
static __always_inline void msg_src(struct data_req *r, const struct user_msghdr *umsg)
{
	struct user_msghdr m;

	if (bpf_probe_read_user(&m, sizeof(m), umsg)) {
		r->flags |= SR_EVF_READ_FAULT | SR_EVF_NO_PAYLOAD;
		return;
	}
	r->src.iov = m.msg_iov;
	r->src.iovcnt = m.msg_iovlen;
}

/* msg_src in its own stack frame, for the syscall path (whose frame and
 * emit_data_scr's together must stay within the verifier's 512 bytes). */
static __noinline void msg_src_frame(struct data_req *r, const struct user_msghdr *umsg)
{
	msg_src(r, umsg);
}

/* -- TLS library calls in progress (see the uprobes below) -- */

/* A thread inside SSL_read/SSL_write/_ex/SSL_do_handshake. */
struct tls_call {
	__u64 ssl; /* the SSL object */
	__u64 buf; /* its plaintext buffer */
	__u64 out; /* _ex: where the call stores the byte count; else 0 */
	__u32 nr;  /* SR_NR_SSL_* */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct tls_call);
} tls_calls SEC(".maps");

/* Which socket an SSL object talks through: the last socket a thread moved
 * bytes on while inside a TLS call on that object. Keyed by the object,
 * not the thread, so it holds with many connections per thread, with data
 * the library had buffered (read-ahead: an SSL_read without a recv), and
 * whatever BIO the program gave the library (curl's own BIO, not only a
 * socket BIO). */
struct tls_key {
	__u64 ssl;
	__u32 tgid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tls_key);
	__type(value, struct sr_ev_sock);
} tls_socks SEC(".maps");

/* Go's crypto/tls (see the uprobes below): the executables probed
 * (filled by userspace), ... */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SR_BPF_GO_BINS);
	__type(key, __u64); /* the executable's inode number */
	__type(value, struct sr_go_bin);
} go_bins SEC(".maps");

/* ... the Read and Write calls in progress, keyed by goroutine: a
 * goroutine parked in Read resumes on whatever thread the scheduler
 * gives it, with the same g (R14) ... */
struct go_key {
	__u32 tgid;
	__u32 pad;
	__u64 g; /* the runtime's g of the goroutine (R14 in Go's register ABI) */
};

struct go_call {
	__u64 buf;     /* the plaintext slice's data */
	__u64 len;     /* its length */
	__u32 nr;      /* SR_NR_GO_TLS_READ / _WRITE */
	__u32 emitted; /* a Write recorded at its entry (see sr_gotls_ret) */
	struct sr_ev_sock sock; /* the connection's socket, resolved at entry */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct go_call);
} go_calls SEC(".maps");

/* ... the handshakes in progress (by goroutine: the socket, for their
 * RET) ... */
struct go_hs {
	__u64 addr; /* the sock */
	__u64 ino;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct go_hs);
} go_hss SEC(".maps");

/* ... and the sockets a Go TLS call was seen on (by sock address): their
 * sends and receives are ciphertext. */
struct go_sock_mark {
	__u64 ino;	  /* the socket's inode: tells a reused address apart */
	__u32 handshaken; /* a handshake on it returned without error */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct go_sock_mark);
} go_socks SEC(".maps");

/* The data path met a send or receive of a thread inside a TLS call, or
 * on a socket a Go TLS connection owns: the bytes are ciphertext. For an
 * OpenSSL call, remember the socket for the SSL object. Mark the record
 * (without its payload unless keep_ciphertext: the plaintext is the
 * useful copy). */
static __noinline void tls_note(const struct tcp_ref *ref, __u32 *flags, __u64 pid_tgid)
{
	struct tls_call *c = bpf_map_lookup_elem(&tls_calls, &pid_tgid);
	struct tls_key k = {};
	__u64 addr = ref->addr;
	struct go_sock_mark *m;

	if (c) {
		k.ssl = c->ssl;
		k.tgid = pid_tgid >> 32;
		if (bpf_map_update_elem(&tls_socks, &k, &ref->s, BPF_ANY))
			count(LOSS_OTHER);
	} else {
		m = bpf_map_lookup_elem(&go_socks, &addr);
		if (!m || m->ino != ref->s.sock_id)
			return;
	}
	*flags |= SR_EVF_TLS_CIPHER;
	if (!keep_ciphertext)
		*flags |= SR_EVF_NO_PAYLOAD;
}

#define COPY_DYNPTR 0
#define COPY_SCRATCH 1

/* -- hooks: the socket tracepoints (Linux 6.3+, MODERN) -- */

/* The data path: the socket layer moved ret bytes on sk (after the
 * protocol's sendmsg/recvmsg, inside the syscall). The syscall and its
 * arguments, which say where the bytes are in user memory, come from the
 * task's saved user registers. */
static __always_inline int on_sock_io(struct bpf_raw_tracepoint_args *ctx, __u8 dir,
				      const int copy)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	int ret = (int)ctx->args[1], msg_flags = (int)ctx->args[2];
	struct data_req r = {};
	struct task_struct *task;
	struct tcp_ref ref;
	struct pt_regs *regs;
	struct sock *sk;
	__s32 fd;

	if (!is_target(MODERN, pid_tgid >> 32) || ret <= 0)
		return 0;
	if (SR_BPF_STAGE < 2)
		return 0;
	if (dir == SR_EVD_RECV && (msg_flags & MSG_PEEK))
		return 0; /* the bytes stay queued; the real read records them */
	sk = tcp_sock_of(MODERN, ctx->args[0]);
	if (!sk)
		return 0;
	task = bpf_get_current_task_btf();
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (regs->cs != USER64_CS) {
		count(LOSS_OTHER); /* ia32 syscall numbers differ; not supported */
		return 0;
	}
	r.pid_tgid = pid_tgid;
	r.start_ns = task->group_leader->start_boottime;
	((__u64 *)r.comm)[0] = *(__u64 *)&task->comm[0];
	((__u64 *)r.comm)[1] = *(__u64 *)&task->comm[8];
	r.nr = regs->orig_ax;
	r.dir = dir;
	r.bytes = ret;
	fd = regs->di;
	switch (r.nr) {
	case NR_read:
	case NR_write:
	case NR_recvfrom:
	case NR_sendto:
		r.src.buf = (const void *)regs->si;
		break;
	case NR_readv:
	case NR_writev:
	case NR_preadv2:
	case NR_pwritev2:
		r.src.iov = (const struct iovec *)regs->si;
		r.src.iovcnt = regs->dx;
		break;
	case NR_recvmsg:
	case NR_sendmsg:
		msg_src(&r, (const struct user_msghdr *)regs->si);
		break;
	case NR_recvmmsg:
	case NR_sendmmsg:
		/* one event per message; with one message the msghdr is
		 * the vector's first, but which message of a longer vector
		 * this is cannot be told here: its bytes are a marked gap */
		if (regs->dx == 1) {
			msg_src(&r, &((const struct mmsghdr *)regs->si)->msg_hdr);
			break;
		}
		r.flags = SR_EVF_NO_PAYLOAD;
		break;
	case NR_sendfile:
		/* bytes from a file: they never were in user memory */
		r.flags = SR_EVF_NO_PAYLOAD;
		break;
	case NR_splice:
		fd = regs->dx; /* fd_out: a splice into the socket */
		r.flags = SR_EVF_NO_PAYLOAD;
		break;
	default:
		/* a socket call on no user buffer we know (io_uring, a
		 * kernel user): counted, not guessed */
		count(LOSS_OTHER);
		return 0;
	}
	if (dir == SR_EVD_RECV && (msg_flags & MSG_TRUNC))
		r.flags |= SR_EVF_NO_PAYLOAD; /* TCP: the bytes were discarded */
	tcp_ref_fill(MODERN, sk, ctx->args[0], fd, sock_ino(MODERN, sk), &ref);
	first_sight(MODERN, &ref, pid_tgid);
	if (tls_on)
		tls_note(&ref, &r.flags, pid_tgid);
	r.seq = tcp_seq(MODERN, sk, dir);
	if (SR_BPF_STAGE < 3)
		return 0;
	if (SR_BPF_STAGE < 5)
		r.flags |= SR_EVF_NO_PAYLOAD;
	if (copy == COPY_DYNPTR)
		emit_data_dyn(&ref, &r);
	else
		emit_data_scr(&ref, &r);
	return 0;
}

SEC("raw_tp/sock_send_length")
int sr_send(struct bpf_raw_tracepoint_args *ctx)
{
	return on_sock_io(ctx, SR_EVD_SEND, COPY_DYNPTR);
}

SEC("raw_tp/sock_recv_length")
int sr_recv(struct bpf_raw_tracepoint_args *ctx)
{
	return on_sock_io(ctx, SR_EVD_RECV, COPY_DYNPTR);
}

SEC("raw_tp/sock_send_length")
int sr_send_scr(struct bpf_raw_tracepoint_args *ctx)
{
	return on_sock_io(ctx, SR_EVD_SEND, COPY_SCRATCH);
}

SEC("raw_tp/sock_recv_length")
int sr_recv_scr(struct bpf_raw_tracepoint_args *ctx)
{
	return on_sock_io(ctx, SR_EVD_RECV, COPY_SCRATCH);
}

/* -- hooks: the syscall tracepoints (any kernel, COMPAT) -- */

/* The context of a tracepoint/syscalls/sys_exit_* event (its format file:
 * the common fields, __syscall_nr at 8, ret at 16). */
struct sys_exit_args {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__s64 ret;
};

/* Resolves fd of the current process to a TCP socket through its fd
 * table. @return 0 and fills ref, or -1 when fd is not a TCP socket. */
static __always_inline int tcp_from_fd(__s32 fd, struct tcp_ref *ref)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *f = NULL;
	struct inode *inode;
	struct socket *sock;
	struct sock *sk;

	if (fd < 0 || !fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return -1;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return -1;
	inode = BPF_CORE_READ(f, f_inode);
	if (!inode || (BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFSOCK)
		return -1;
	sock = BPF_CORE_READ(f, private_data);
	sk = tcp_sock_of(COMPAT, (__u64)BPF_CORE_READ(sock, sk));
	if (!sk)
		return -1;
	tcp_ref_fill(COMPAT, sk, (__u64)sk, fd, BPF_CORE_READ(inode, i_ino), ref);
	return 0;
}

/* A data event without payload (the bytes are a marked gap). */
static __always_inline void emit_bare(const struct tcp_ref *ref, const struct data_req *r)
{
	struct sr_ev_data *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e) {
		count(LOSS_RING_FULL);
		return;
	}
	data_header(e, ref, r, 0, r->flags | SR_EVF_NO_PAYLOAD);
	bpf_ringbuf_submit(e, submit_flags(sizeof(*e)));
}

/* sendmmsg/recvmmsg on the syscall path: ret messages, one event each (at
 * most SR_BPF_MAX_MMSG; the rest counted as lost), as on the socket
 * tracepoints: the payload of a single message, byte counts alone for the
 * messages of a longer vector. A message's stream position is the
 * position after the call less the bytes of the messages after it. */
static __always_inline void sys_mmsg(const struct tcp_ref *ref, struct data_req *r, long ret,
				     const struct mmsghdr *vec)
{
	__u32 lens[SR_BPF_MAX_MMSG] = {};
	__u32 seq_end = r->seq;
	__u64 total = 0, done = 0;
	int i;

	if (ret == 1) {
		if (bpf_probe_read_user(&lens[0], sizeof(lens[0]), &vec[0].msg_len) || !lens[0])
			return;
		if (!(r->flags & SR_EVF_NO_PAYLOAD))
			msg_src_frame(r, &vec[0].msg_hdr);
		r->bytes = lens[0];
		emit_data_scr(ref, r);
		return;
	}
	for (i = 0; i < SR_BPF_MAX_MMSG && i < ret; i++) {
		if (bpf_probe_read_user(&lens[i], sizeof(lens[i]), &vec[i].msg_len))
			lens[i] = 0;
		total += lens[i];
	}
	for (i = 0; i < SR_BPF_MAX_MMSG && i < ret; i++) {
		done += lens[i];
		if (!lens[i])
			continue;
		r->bytes = lens[i];
		r->seq = seq_end - (__u32)(total - done);
		emit_bare(ref, r);
	}
	if (ret > SR_BPF_MAX_MMSG)
		count(LOSS_OTHER);
}

/* The data path at a send/receive syscall's exit: the same records as
 * on_sock_io, from the syscall's arguments and its fd's socket. */
static __always_inline int on_sys_exit(struct sys_exit_args *ctx, __u16 nr, __u8 dir)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	long ret = ctx->ret;
	struct data_req r = {};
	struct tcp_ref ref;
	struct uregs u;
	__u64 msg_flags = 0;
	__s32 fd;

	if (ret <= 0 || !is_target(COMPAT, pid_tgid >> 32))
		return 0;
	if (user_regs(COMPAT, &u) || u.nr != nr || u.cs != USER64_CS) {
		count(LOSS_OTHER); /* the saved registers are not where we think */
		return 0;
	}
	fd = u.di;
	switch (nr) {
	case NR_read:
	case NR_write:
	case NR_sendto:
		r.src.buf = (const void *)u.si;
		break;
	case NR_recvfrom:
		r.src.buf = (const void *)u.si;
		msg_flags = u.r10;
		break;
	case NR_readv:
	case NR_writev:
	case NR_preadv2:
	case NR_pwritev2:
		r.src.iov = (const struct iovec *)u.si;
		r.src.iovcnt = u.dx;
		break;
	case NR_recvmsg:
		msg_flags = u.dx;
		/* fall through */
	case NR_sendmsg:
		msg_src_frame(&r, (const struct user_msghdr *)u.si);
		break;
	case NR_recvmmsg:
		msg_flags = u.r10;
		break;
	case NR_sendfile:
		r.flags = SR_EVF_NO_PAYLOAD;
		break;
	case NR_splice:
		fd = u.dx; /* fd_out: a splice into the socket */
		r.flags = SR_EVF_NO_PAYLOAD;
		break;
	}
	if (dir == SR_EVD_RECV && (msg_flags & MSG_PEEK))
		return 0; /* the bytes stay queued; the real read records them */
	if (dir == SR_EVD_RECV && (msg_flags & MSG_TRUNC))
		r.flags |= SR_EVF_NO_PAYLOAD; /* TCP: the bytes were discarded */
	if (tcp_from_fd(fd, &ref))
		return 0;
	first_sight(COMPAT, &ref, pid_tgid);
	if (tls_on)
		tls_note(&ref, &r.flags, pid_tgid);
	r.pid_tgid = pid_tgid;
	r.start_ns = proc_start(COMPAT, cur_task(COMPAT));
	bpf_get_current_comm(r.comm, sizeof(r.comm));
	r.nr = nr;
	r.dir = dir;
	r.bytes = ret;
	r.seq = tcp_seq(COMPAT, ref.sk, dir);
	if (nr == NR_sendmmsg || nr == NR_recvmmsg)
		sys_mmsg(&ref, &r, ret, (const struct mmsghdr *)u.si);
	else
		emit_data_scr(&ref, &r);
	return 0;
}

#define SYS_EXIT(name, nr, dir)                                        \
	SEC("tracepoint/syscalls/sys_exit_" #name)                     \
	int sr_sys_##name(struct sys_exit_args *ctx)                   \
	{                                                              \
		return on_sys_exit(ctx, nr, dir);                      \
	}

SYS_EXIT(read, NR_read, SR_EVD_RECV)
SYS_EXIT(write, NR_write, SR_EVD_SEND)
SYS_EXIT(readv, NR_readv, SR_EVD_RECV)
SYS_EXIT(writev, NR_writev, SR_EVD_SEND)
SYS_EXIT(preadv2, NR_preadv2, SR_EVD_RECV)
SYS_EXIT(pwritev2, NR_pwritev2, SR_EVD_SEND)
SYS_EXIT(recvfrom, NR_recvfrom, SR_EVD_RECV)
SYS_EXIT(sendto, NR_sendto, SR_EVD_SEND)
SYS_EXIT(recvmsg, NR_recvmsg, SR_EVD_RECV)
SYS_EXIT(sendmsg, NR_sendmsg, SR_EVD_SEND)
SYS_EXIT(recvmmsg, NR_recvmmsg, SR_EVD_RECV)
SYS_EXIT(sendmmsg, NR_sendmmsg, SR_EVD_SEND)
SYS_EXIT(sendfile64, NR_sendfile, SR_EVD_SEND)
SYS_EXIT(splice, NR_splice, SR_EVD_SEND)

/* -- accept() records at accept time -- */

/* A target's accept()/accept4() returned fd: its accept record, now (the
 * socket-layer path alone would report it at the first send or receive,
 * and never for a socket accepted and closed unused). The `passive` marker
 * is taken so that first_sight() does not report it again. */
static __always_inline int on_accept_exit(long fd)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct tcp_ref ref;
	__u64 skey;

	if (fd < 0 || !is_target(COMPAT, pid_tgid >> 32) || tcp_from_fd(fd, &ref))
		return 0;
	skey = ref.addr;
	bpf_map_delete_elem(&passive, &skey);
	emit_accept_compat(&ref);
	return 0;
}

/* Kernels with BPF trampolines (fentry/fexit): the accept syscalls' common
 * body, whatever hooks the data path uses. */
SEC("fexit/__sys_accept4")
int BPF_PROG(sr_accept_fexit, int fd, struct sockaddr *addr, int *addrlen, int flags, int ret)
{
	return on_accept_exit(ret);
}

/* The syscall path: its tracepoints are attached anyway. */
SEC("tracepoint/syscalls/sys_exit_accept")
int sr_accept_sys(struct sys_exit_args *ctx)
{
	return on_accept_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int sr_accept4_sys(struct sys_exit_args *ctx)
{
	return on_accept_exit(ctx->ret);
}

/* ---- TLS plaintext: uprobes on the TLS library ---- */

/* Userspace attaches these, per library file (inode), to every libssl a
 * target maps: entry probes on SSL_read, SSL_write, SSL_read_ex,
 * SSL_write_ex, SSL_do_handshake and SSL_shutdown (sr_tls_handshake: the
 * ciphertext they move is marked, no plaintext), and sr_tls_ret at their
 * return. A
 * uprobe on a shared library fires in every process that maps the file,
 * so the first test is the target filter. One variant for every kernel
 * (the targets hash, probe reads): a uprobe costs far more than the
 * difference. */
static __always_inline int tls_enter(struct pt_regs *ctx, __u32 nr, __u64 out)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct tls_call c = {}, *old;

	if (!is_target(COMPAT, pid_tgid >> 32))
		return 0;
	old = bpf_map_lookup_elem(&tls_calls, &pid_tgid);
	if (old && nr == SR_NR_SSL_HANDSHAKE)
		return 0; /* a handshake inside a read or write: keep the outer call */
	c.ssl = PT_REGS_PARM1(ctx);
	c.buf = PT_REGS_PARM2(ctx);
	c.out = out;
	c.nr = nr;
	if (bpf_map_update_elem(&tls_calls, &pid_tgid, &c, BPF_ANY))
		count(LOSS_OTHER);
	return 0;
}

SEC("uprobe")
int sr_tls_read(struct pt_regs *ctx)
{
	return tls_enter(ctx, SR_NR_SSL_READ, 0);
}

SEC("uprobe")
int sr_tls_write(struct pt_regs *ctx)
{
	return tls_enter(ctx, SR_NR_SSL_WRITE, 0);
}

/* int SSL_read_ex(SSL *, void *buf, size_t num, size_t *readbytes) */
SEC("uprobe")
int sr_tls_read_ex(struct pt_regs *ctx)
{
	return tls_enter(ctx, SR_NR_SSL_READ_EX, PT_REGS_PARM4(ctx));
}

SEC("uprobe")
int sr_tls_write_ex(struct pt_regs *ctx)
{
	return tls_enter(ctx, SR_NR_SSL_WRITE_EX, PT_REGS_PARM4(ctx));
}

SEC("uprobe")
int sr_tls_handshake(struct pt_regs *ctx)
{
	return tls_enter(ctx, SR_NR_SSL_HANDSHAKE, 0);
}

/* The plaintext record of a finished call, on the socket of its SSL
 * object. Without a known socket (the probes were attached in the middle
 * of a connection, and no byte has moved since) it is counted as lost. */
static __noinline void tls_emit(const struct tls_call *c, __u64 pid_tgid, __u64 bytes)
{
	struct tls_key k = {};
	struct data_req r = {};
	struct sr_ev_sock *s;
	struct tcp_ref ref = {};

	k.ssl = c->ssl;
	k.tgid = pid_tgid >> 32;
	s = bpf_map_lookup_elem(&tls_socks, &k);
	if (!s) {
		count(LOSS_OTHER);
		return;
	}
	ref.s = *s;
	r.pid_tgid = pid_tgid;
	r.start_ns = proc_start(COMPAT, cur_task(COMPAT));
	bpf_get_current_comm(r.comm, sizeof(r.comm));
	r.bytes = bytes;
	r.flags = SR_EVF_TLS;
	r.nr = c->nr;
	r.dir = c->nr == SR_NR_SSL_READ || c->nr == SR_NR_SSL_READ_EX ? SR_EVD_RECV : SR_EVD_SEND;
	r.src.buf = (const void *)c->buf;
	emit_data_scr(&ref, &r);
}

SEC("uretprobe")
int sr_tls_ret(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct tls_call *p = bpf_map_lookup_elem(&tls_calls, &pid_tgid), c;
	long ret = (int)PT_REGS_RC(ctx);
	__u64 bytes = 0;

	if (!p)
		return 0;
	c = *p;
	bpf_map_delete_elem(&tls_calls, &pid_tgid);
	if (c.nr == SR_NR_SSL_HANDSHAKE || ret <= 0)
		return 0;
	if (c.nr == SR_NR_SSL_READ_EX || c.nr == SR_NR_SSL_WRITE_EX) {
		if (!c.out || bpf_probe_read_user(&bytes, sizeof(bytes), (const void *)c.out)) {
			count(LOSS_READ_FAULT);
			return 0;
		}
	} else {
		bytes = ret;
	}
	if (bytes)
		tls_emit(&c, pid_tgid, bytes);
	return 0;
}

/* ---- TLS plaintext: uprobes on Go's crypto/tls ---- */

/* Userspace attaches these to a target's Go executable (once per file,
 * after filling its go_bins entry): sr_gotls_read and sr_gotls_write at
 * the entry of crypto/tls.(*Conn).Read and .Write, sr_gotls_ret at every
 * RET instruction of both; sr_gotls_chs and sr_gotls_shs at the entry of
 * (*Conn).clientHandshake and .serverHandshake (run once per connection,
 * before its first handshake byte), sr_gotls_hs_ret at their RETs. Not
 * return probes: a uretprobe replaces the return address on the stack,
 * and a goroutine's stack is moved when it grows. Go's register ABI
 * (1.17+): the receiver in RAX, the slice in RBX (data) and RCX
 * (length); the results in RAX (n; for the handshakes the error's itab,
 * 0 when nil); R14 holds the running goroutine's g at the entry and at
 * every RET, whatever thread runs it.
 *
 * Attribution reads the connection's fd where Go keeps it: tls.Conn.conn
 * is a net.Conn interface (itab, data); when its dynamic type is
 * *net.TCPConn (the itab's first method is net.(*TCPConn).Close, whose
 * address userspace found in the file), data points to net.conn{fd
 * *netFD}, and netFD begins with poll.FD{fdmu, Sysfd}. The fd goes to its
 * socket through the fd table, as on the syscall path, so the plaintext
 * has the ciphertext's socket inode and 4-tuple. Any other net.Conn
 * (a wrapper, a unix socket, a pipe) is counted in foreign_conn and as a
 * loss, never guessed.
 *
 * Record order: a Write on a socket whose handshake is done is recorded
 * at its entry, before its first byte leaves: another goroutine (net/http
 * reads in its own) may receive the answer and return from Read before
 * the writer is back at its RET, and the answer must not come first. Its
 * bytes are the slice's length (tls.Conn.Write sends all of it or fails,
 * and then the connection is broken: a failed one is counted as a loss).
 * Any other call is recorded at its RET with the count it returned. */

/* @return the go_bins entry of the current process's executable, or NULL. */
static __always_inline struct sr_go_bin *go_bin_of(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 ino = BPF_CORE_READ(task, mm, exe_file, f_inode, i_ino);

	return ino ? bpf_map_lookup_elem(&go_bins, &ino) : NULL;
}

/* Resolves the socket of the *tls.Conn in RAX at the entry of a probed
 * function (nr says which), and marks it as a Go TLS socket.
 * @return its mark with ref filled, or NULL (counted) when it cannot be
 * told. */
static __noinline struct go_sock_mark *go_sock(struct pt_regs *ctx, __u32 nr, struct tcp_ref *ref)
{
	struct sr_go_bin *bin = go_bin_of();
	struct go_sock_mark fresh = {}, *m;
	__u64 iface[2], fun0, netfd, bias, entry;
	__s64 sysfd;

	if (!bin) {
		count(LOSS_OTHER); /* maps the probed file, runs another (started by ld.so) */
		return NULL;
	}
	switch (nr) {
	case SR_NR_GO_TLS_READ:
		entry = bin->read_addr;
		break;
	case SR_NR_GO_TLS_WRITE:
		entry = bin->write_addr;
		break;
	case SR_NR_GO_TLS_CLIENT_HS:
		entry = bin->client_hs_addr;
		break;
	default:
		entry = bin->server_hs_addr;
		break;
	}
	/* the load bias: where this entry runs, less where the ELF puts it */
	bias = ctx->ip - entry;
	if (bpf_probe_read_user(iface, sizeof(iface), (void *)(ctx->ax + bin->off_conn)) ||
	    !iface[0] || bpf_probe_read_user(&fun0, sizeof(fun0), (void *)(iface[0] + 24))) {
		count(LOSS_READ_FAULT);
		return NULL;
	}
	if (fun0 != bin->tcp_close_addr + bias) {
		__sync_fetch_and_add(&bin->foreign_conn, 1);
		count(LOSS_OTHER);
		return NULL;
	}
	if (bpf_probe_read_user(&netfd, sizeof(netfd), (void *)(iface[1] + bin->off_fd)) ||
	    bpf_probe_read_user(&sysfd, sizeof(sysfd), (void *)(netfd + bin->off_sysfd))) {
		count(LOSS_READ_FAULT);
		return NULL;
	}
	if (sysfd < 0 || sysfd > 0x7fffffff || tcp_from_fd(sysfd, ref))
		return NULL; /* closed: the call moves nothing */
	m = bpf_map_lookup_elem(&go_socks, &ref->addr);
	if (m && m->ino == ref->s.sock_id)
		return m;
	fresh.ino = ref->s.sock_id;
	if (bpf_map_update_elem(&go_socks, &ref->addr, &fresh, BPF_ANY)) {
		count(LOSS_OTHER);
		return NULL;
	}
	return bpf_map_lookup_elem(&go_socks, &ref->addr);
}

/* The plaintext record of a Go call, on its socket: bytes of the buffer,
 * from the calling goroutine (its current thread). */
static __noinline void go_emit(const struct go_call *c, __u64 pid_tgid, __u64 bytes)
{
	struct data_req r = {};
	struct tcp_ref ref = {};

	ref.s = c->sock;
	r.pid_tgid = pid_tgid;
	r.start_ns = proc_start(COMPAT, cur_task(COMPAT));
	bpf_get_current_comm(r.comm, sizeof(r.comm));
	r.bytes = bytes;
	r.flags = SR_EVF_TLS;
	r.nr = c->nr;
	r.dir = c->nr == SR_NR_GO_TLS_READ ? SR_EVD_RECV : SR_EVD_SEND;
	r.src.buf = (const void *)c->buf;
	emit_data_scr(&ref, &r);
}

static __always_inline int go_enter(struct pt_regs *ctx, __u32 nr)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct go_key k = {};
	struct go_call c = {};
	struct go_sock_mark *m;
	struct tcp_ref ref;

	if (!is_target(COMPAT, pid_tgid >> 32))
		return 0;
	m = go_sock(ctx, nr, &ref);
	if (!m)
		return 0;
	k.tgid = pid_tgid >> 32;
	k.g = ctx->r14;
	c.buf = ctx->bx;
	c.len = ctx->cx;
	c.nr = nr;
	c.sock = ref.s;
	if (nr == SR_NR_GO_TLS_WRITE && m->handshaken && c.len) {
		go_emit(&c, pid_tgid, c.len);
		c.emitted = 1;
	}
	if (bpf_map_update_elem(&go_calls, &k, &c, BPF_ANY))
		count(LOSS_OTHER);
	return 0;
}

SEC("uprobe")
int sr_gotls_read(struct pt_regs *ctx)
{
	return go_enter(ctx, SR_NR_GO_TLS_READ);
}

SEC("uprobe")
int sr_gotls_write(struct pt_regs *ctx)
{
	return go_enter(ctx, SR_NR_GO_TLS_WRITE);
}

/* At a RET of Read or Write: the goroutine's call ends with n in RAX. */
SEC("uprobe")
int sr_gotls_ret(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct go_key k = {};
	struct go_call *p, c;
	long n = (long)ctx->ax;

	if (!is_target(COMPAT, pid_tgid >> 32))
		return 0;
	k.tgid = pid_tgid >> 32;
	k.g = ctx->r14;
	p = bpf_map_lookup_elem(&go_calls, &k);
	if (!p)
		return 0;
	c = *p;
	bpf_map_delete_elem(&go_calls, &k);
	if (c.emitted) {
		if (n < 0 || (__u64)n < c.len)
			count(LOSS_OTHER); /* recorded at entry, not all sent: the conn broke */
		return 0;
	}
	if (n > 0)
		go_emit(&c, pid_tgid, n);
	return 0;
}

/* A handshake begins: the socket is marked before its first byte moves,
 * so the whole handshake is flagged ciphertext. */
static __always_inline int go_hs_enter(struct pt_regs *ctx, __u32 nr)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct go_key k = {};
	struct go_hs h = {};
	struct tcp_ref ref;

	if (!is_target(COMPAT, pid_tgid >> 32) || !go_sock(ctx, nr, &ref))
		return 0;
	k.tgid = pid_tgid >> 32;
	k.g = ctx->r14;
	h.addr = ref.addr;
	h.ino = ref.s.sock_id;
	if (bpf_map_update_elem(&go_hss, &k, &h, BPF_ANY))
		count(LOSS_OTHER);
	return 0;
}

SEC("uprobe")
int sr_gotls_chs(struct pt_regs *ctx)
{
	return go_hs_enter(ctx, SR_NR_GO_TLS_CLIENT_HS);
}

SEC("uprobe")
int sr_gotls_shs(struct pt_regs *ctx)
{
	return go_hs_enter(ctx, SR_NR_GO_TLS_SERVER_HS);
}

/* At a RET of a handshake: without error (a nil error: its itab, RAX, is
 * 0), the socket's Writes are recorded at their entry from now on. */
SEC("uprobe")
int sr_gotls_hs_ret(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct go_key k = {};
	struct go_sock_mark *m;
	struct go_hs *h;
	__u64 addr, ino;

	if (!is_target(COMPAT, pid_tgid >> 32))
		return 0;
	k.tgid = pid_tgid >> 32;
	k.g = ctx->r14;
	h = bpf_map_lookup_elem(&go_hss, &k);
	if (!h)
		return 0;
	addr = h->addr;
	ino = h->ino;
	bpf_map_delete_elem(&go_hss, &k);
	m = bpf_map_lookup_elem(&go_socks, &addr);
	if (!ctx->ax && m && m->ino == ino)
		m->handshaken = 1;
	return 0;
}

/* ---- connection state ---- */

/* A target's connect() moves the socket CLOSE -> SYN_SENT on its own
 * task: remember who, and report the connect when the handshake ends
 * (SYN_SENT -> ESTABLISHED, ret 0, or -> CLOSE, ret -sk_err), which
 * happens in softirq context on whatever task runs. */
static __always_inline void on_syn_sent(const int M, struct sock *sk, __u64 key)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct pending p;
	struct uregs u;

	bpf_map_delete_elem(&passive, &key); /* a reused address is active now */
	if (!is_target(M, pid_tgid >> 32) || user_regs(M, &u))
		return;
	if (u.cs != USER64_CS ||
	    (u.nr != NR_connect && u.nr != NR_sendto && u.nr != NR_sendmsg)) /* sendto: TCP Fast Open */
		return;
	who_current(M, &p.who);
	p.fd = u.di;
	p.pad = 0;
	p.ino = sock_ino(M, sk);
	if (bpf_map_update_elem(&connecting, &key, &p, BPF_ANY))
		count(LOSS_OTHER);
}

static __always_inline void on_syn_sent_done(const int M, struct sock *sk, __u64 key,
					     int newstate)
{
	struct pending *p = bpf_map_lookup_elem(&connecting, &key);
	struct tcp_ref ref;
	long ret = 0;
	int err;

	if (!p)
		return;
	if (newstate != TCP_ESTABLISHED) {
		err = LD(M, sk, sk_err);
		ret = err ? -err : -ECONNABORTED; /* closed while connecting */
	}
	tcp_ref_fill(M, sk, key, p->fd, p->ino, &ref);
	emit_conn(&p->who, &ref, NR_connect, SR_EVC_CONNECT, ret);
	bpf_map_delete_elem(&connecting, &key);
}

/* close() of a target's connected socket: the state change it causes
 * (ESTABLISHED -> FIN_WAIT1, CLOSE_WAIT -> LAST_ACK, or an abort to
 * CLOSE) happens on the closing task, inside the syscall. Changes that
 * end an earlier close (LAST_ACK -> CLOSE: over loopback the peer's ACK
 * is handled within the same syscall) are not a close. */
static __always_inline void on_close(const int M, struct sock *sk, __u64 key, int oldstate)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct tcp_ref ref;
	struct uregs u;
	struct who w;

	if ((oldstate != TCP_ESTABLISHED && oldstate != TCP_CLOSE_WAIT &&
	     oldstate != TCP_SYN_SENT && oldstate != TCP_SYN_RECV) ||
	    !is_target(M, pid_tgid >> 32) || user_regs(M, &u))
		return;
	if (u.cs != USER64_CS || u.nr != NR_close)
		return;
	who_current(M, &w);
	tcp_ref_fill(M, sk, key, u.di, sock_ino(M, sk), &ref);
	emit_conn(&w, &ref, NR_close, SR_EVC_CLOSE, 0);
}

static __always_inline int on_state(const int M, struct bpf_raw_tracepoint_args *ctx)
{
	int oldstate = (int)ctx->args[1], newstate = (int)ctx->args[2];
	__u64 key = ctx->args[0];
	struct sock *sk;
	__u8 one = 1;

	if (oldstate == newstate)
		return 0;
	sk = tcp_sock_of(M, key);
	if (!sk)
		return 0;
	switch (newstate) {
	case TCP_SYN_RECV:
		/* a child socket cloned from its listener: accepted */
		if (oldstate == TCP_LISTEN && bpf_map_update_elem(&passive, &key, &one, BPF_ANY))
			count(LOSS_OTHER);
		return 0;
	case TCP_SYN_SENT:
		if (oldstate == TCP_CLOSE)
			on_syn_sent(M, sk, key);
		return 0;
	case TCP_ESTABLISHED:
		if (oldstate == TCP_SYN_SENT)
			on_syn_sent_done(M, sk, key, newstate);
		return 0;
	case TCP_CLOSE:
		if (oldstate == TCP_SYN_SENT)
			on_syn_sent_done(M, sk, key, newstate);
		on_close(M, sk, key, oldstate);
		return 0;
	case TCP_FIN_WAIT1:
	case TCP_LAST_ACK:
		on_close(M, sk, key, oldstate);
		return 0;
	}
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int sr_state(struct bpf_raw_tracepoint_args *ctx)
{
	return on_state(MODERN, ctx);
}

SEC("raw_tp/inet_sock_set_state")
int sr_state_compat(struct bpf_raw_tracepoint_args *ctx)
{
	return on_state(COMPAT, ctx);
}

/* ---- processes ---- */

/* kernfs_node.parent became __parent in Linux 6.15 */
struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(struct kernfs_node___old, parent))
		return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
	return BPF_CORE_READ(kn, __parent);
}

/* The last SR_BPF_CGROUP_DEPTH components of the task's cgroup v2 path. */
static __always_inline void task_cgroup(struct task_struct *task, struct sr_ev_proc *e)
{
	struct kernfs_node *kn = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn);
	int i;

	/* probe reads in both cores: kn_parent() gives a plain number on
	 * kernels before 6.15, whichever core runs (a process event is rare) */
	for (i = 0; i < SR_BPF_CGROUP_DEPTH; i++) {
		if (!kn)
			break;
		bpf_probe_read_kernel_str(e->cgroup[i], SR_BPF_CGROUP_NAME, BPF_CORE_READ(kn, name));
		kn = kn_parent(kn);
	}
}

/* The fixed part of a process event. */
static __always_inline void proc_header(const int M, struct sr_ev_proc *e,
					struct task_struct *task, __u32 kind, __u32 target,
					__u32 ppid, __u32 scan)
{
	__builtin_memset(e, 0, sizeof(*e));
	e->type = SR_EV_PROC;
	e->kind = kind;
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->start_ns = proc_start(M, task);
	e->pid = LD(M, task, tgid);
	e->ppid = ppid;
	e->tid = LD(M, task, pid);
	e->exit_code = LD(M, task, exit_code);
	e->target = target;
	if (M == COMPAT)
		e->uid = BPF_CORE_READ(task, cred, uid.val);
	else
		e->uid = task->cred->uid.val;
	e->scan = scan;
	e->cpu = bpf_get_smp_processor_id();
	bpf_probe_read_kernel(e->comm, sizeof(e->comm), &task->comm);
	task_cgroup(task, e);
}

static __always_inline void emit_proc(const int M, struct task_struct *task, __u32 kind,
				      __u32 target, __u32 ppid, __u32 scan)
{
	struct sr_ev_proc *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e) {
		count(LOSS_RING_FULL);
		return;
	}
	proc_header(M, e, task, kind, target, ppid, scan);
	bpf_ringbuf_submit(e, submit_flags(sizeof(*e)));
}

/* The exec record carries the new program's argv and environ blocks, so a
 * process gone before userspace reads /proc still gets a snapshot. Built
 * in the scratch entry (an exec is rare; any kernel). */
static __always_inline void emit_exec(const int M, struct task_struct *task, __u32 target,
				      __u32 scan)
{
	struct mm_struct *mm = LD(M, task, mm);
	__u64 a0 = LD(M, mm, arg_start), a1 = LD(M, mm, arg_end);
	__u64 e0 = LD(M, mm, env_start), e1 = LD(M, mm, env_end);
	__u64 args_full = a1 > a0 ? a1 - a0 : 0, env_full = e1 > e0 ? e1 - e0 : 0;
	__u64 args_len = args_full, env_len = env_full, size;
	struct sr_ev_proc *e;
	__u8 *buf = scratch_get();

	if (!buf)
		return;
	e = (struct sr_ev_proc *)buf;
	barrier_var(args_len); /* keep the bounds: the verifier needs them */
	if (args_len > SR_BPF_EXEC_ARGS_MAX)
		args_len = SR_BPF_EXEC_ARGS_MAX;
	if (args_len && bpf_probe_read_user(buf + sizeof(*e), args_len, (void *)a0))
		args_len = 0;
	barrier_var(env_len);
	if (env_len > SR_BPF_EXEC_ENV_MAX)
		env_len = SR_BPF_EXEC_ENV_MAX;
	if (env_len &&
	    bpf_probe_read_user(buf + sizeof(*e) + args_len, env_len, (void *)e0))
		env_len = 0;
	proc_header(M, e, task, SR_EV_PROC_EXEC, target, BPF_CORE_READ(task, real_parent, tgid),
		    scan);
	e->args_len = args_len;
	e->env_len = env_len;
	e->args_full = args_full;
	e->env_full = env_full;
	size = sizeof(*e) + args_len + env_len;
	/* wake the consumer: its /proc snapshot should see the process alive,
	 * and an exec costs far more than one wake-up */
	if (bpf_ringbuf_output(&rb, buf, size, BPF_RB_FORCE_WAKEUP))
		count(LOSS_RING_FULL);
	scratch_put();
}

/* Environment scan state. */
struct scan {
	__u64 pos;	/* next byte to read */
	__u64 end;	/* env_end */
	__u64 value;	/* address of the first ADI_PROFILE value */
	__u32 at_start; /* pos is at the start of a string */
	__u32 profile;	/* ADI_PROFILE= seen */
	__u32 disabled_seen;
	__u32 disabled; /* the first ADI_PROFILE_DISABLED is "1" */
	__u32 fault;
};

/* The COMPAT scan's state (see on_exec). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scan);
} scan_tmp SEC(".maps");

/* Little-endian words of the names we look for; comparing words keeps the
 * verifier's state count small (one branch per word, not per byte). */
#define W4(a, b, c, d) ((__u32)(a) | (__u32)(b) << 8 | (__u32)(c) << 16 | (__u32)(d) << 24)
#define W_ADI_ W4('A', 'D', 'I', '_')
#define W_PROF W4('P', 'R', 'O', 'F')
#define W_ILE_EQ W4('I', 'L', 'E', '=')
#define W_ILE__ W4('I', 'L', 'E', '_')
#define W_DISA W4('D', 'I', 'S', 'A')
#define W_BLED W4('B', 'L', 'E', 'D')
#define W_EQ_1 W4('=', '1', 0, 0) /* "=1" then NUL: the value is exactly "1" */

/* One step of the exec-time environment scan: reads the string (or the
 * next SR_BPF_ENV_SCAN_CHUNK bytes of a long one) at s->pos.
 * @return 1 when the scan is over. */
static __always_inline long scan_one(struct scan *s)
{
	__u32 buf[SR_BPF_ENV_SCAN_CHUNK / 4];
	long n;

	if (s->pos >= s->end)
		return 1;
	n = bpf_probe_read_user_str(buf, sizeof(buf), (const void *)s->pos);
	if (n <= 0) {
		s->fault = 1;
		return 1;
	}
	if (s->at_start && n >= 13 && buf[0] == W_ADI_ && buf[1] == W_PROF) {
		if (buf[2] == W_ILE_EQ) { /* "ADI_PROFILE=" */
			if (!s->profile) {
				s->profile = 1;
				s->value = s->pos + 12;
			}
		} else if (buf[2] == W_ILE__ && n >= 23 && buf[3] == W_DISA && buf[4] == W_BLED &&
			   (buf[5] & 0xff) == '=' && !s->disabled_seen) {
			/* "ADI_PROFILE_DISABLED=": the first one decides */
			s->disabled_seen = 1;
			s->disabled = n == 23 && (buf[5] & 0xffffff) == W_EQ_1;
		}
	}
	if (n == sizeof(buf)) { /* string goes on (or ends exactly here) */
		s->pos += n - 1;
		s->at_start = 0;
	} else {
		s->pos += n;
		s->at_start = 1;
	}
	return 0;
}

/* bpf_loop body (MODERN) */
static long scan_step(__u32 i, void *arg)
{
	return scan_one(arg);
}

/* @return true when the ADI_PROFILE value at uaddr is in the allow map. */
static __always_inline bool allowed(__u64 uaddr)
{
	char key[SR_BPF_ALLOW_LEN + 8] = {};
	long n = bpf_probe_read_user_str(key, SR_BPF_ALLOW_LEN + 1, (const void *)uaddr);

	if (n <= 0 || n > SR_BPF_ALLOW_LEN) /* longer values are never allowed */
		return false;
	return bpf_map_lookup_elem(&allow, key) != NULL;
}

static __always_inline int on_exec(const int M, struct task_struct *task)
{
	__u32 tgid = LD(M, task, tgid), flags = 0, scan_state;
	struct mm_struct *mm = LD(M, task, mm);
	struct scan stack_scan = {}, *s = &stack_scan;
	__u32 *old, zero = 0;
	int i;

	if (tgid == self_tgid)
		return 0;
	old = bpf_map_lookup_elem(&targets, &tgid);
	if (old)
		flags = *old & ~SR_TGT_OPTIN; /* opt-in is decided anew by the new environment */
	if (capture_all)
		flags |= SR_TGT_ALL;

	if (M == COMPAT) {
		/* in a map value the verifier tracks none of the scan's fields:
		 * the paths of one step converge, and its work stays linear */
		s = bpf_map_lookup_elem(&scan_tmp, &zero);
		if (!s)
			return 0;
		__builtin_memset(s, 0, sizeof(*s));
	}
	s->pos = LD(M, mm, env_start);
	s->end = LD(M, mm, env_end);
	s->at_start = 1;
	if (M == MODERN) {
		bpf_loop(SR_BPF_ENV_SCAN_STEPS, scan_step, s, 0);
	} else {
		for (i = 0; i < SR_BPF_ENV_SCAN_STEPS_COMPAT; i++)
			if (scan_one(s))
				break;
	}
	if (s->fault)
		scan_state = SR_SCAN_FAULT;
	else if (s->pos < s->end)
		scan_state = SR_SCAN_INCOMPLETE;
	else
		scan_state = SR_SCAN_COMPLETE;

	/* only a complete scan decides: an ADI_PROFILE_DISABLED=1 may sit in
	 * the part not scanned, and a process that opted out is never captured */
	if (scan_state == SR_SCAN_COMPLETE && s->profile && !s->disabled &&
	    (!allow_set || allowed(s->value)))
		flags |= SR_TGT_OPTIN;

	if (flags & ~SR_TGT_ALL)
		target_set(M, tgid, flags);
	else if (old)
		target_clear(M, tgid);

	if (flags) {
		emit_exec(M, task, flags, scan_state);
	} else if (scan_state != SR_SCAN_COMPLETE) {
		/* The scan could not decide: userspace reads /proc/PID/environ
		 * and adds the process if it opted in (and counts the syscalls it
		 * may have missed meanwhile as a loss). */
		emit_proc(M, task, SR_EV_PROC_EXEC, 0, BPF_CORE_READ(task, real_parent, tgid),
			  scan_state);
	}
	return 0;
}

SEC("raw_tp/sched_process_exec")
int sr_exec(struct bpf_raw_tracepoint_args *ctx)
{
	return on_exec(MODERN, bpf_get_current_task_btf());
}

SEC("raw_tp/sched_process_exec")
int sr_exec_compat(struct bpf_raw_tracepoint_args *ctx)
{
	return on_exec(COMPAT, (struct task_struct *)bpf_get_current_task());
}

static __always_inline int on_fork(const int M, struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent, *child;
	__u32 cpid, ptgid, flags;

	if (M == COMPAT) {
		parent = (struct task_struct *)ctx->args[0];
		child = (struct task_struct *)ctx->args[1];
	} else {
		parent = KPTR(struct task_struct, ctx->args[0]);
		child = KPTR(struct task_struct, ctx->args[1]);
	}
	cpid = LD(M, child, pid);
	ptgid = LD(M, parent, tgid);
	if (cpid != LD(M, child, tgid))
		return 0; /* a new thread: same tgid, nothing to inherit */
	flags = target_flags(ptgid);
	if (!flags)
		return 0;
	if (!capture_all && target_set(M, cpid, flags))
		return 0;
	emit_proc(M, child, SR_EV_PROC_FORK, flags, ptgid, SR_SCAN_COMPLETE);
	return 0;
}

SEC("raw_tp/sched_process_fork")
int sr_fork(struct bpf_raw_tracepoint_args *ctx)
{
	return on_fork(MODERN, ctx);
}

SEC("raw_tp/sched_process_fork")
int sr_fork_compat(struct bpf_raw_tracepoint_args *ctx)
{
	return on_fork(COMPAT, ctx);
}

/* The last thread of a process leaves: signal->live reached 0 before the
 * tracepoint (the tracepoint's own group_dead argument is Linux 6.14+). */
static __always_inline int on_exit(const int M, struct task_struct *task)
{
	__u32 tgid = LD(M, task, tgid), flags;
	int live;

	if (M == COMPAT)
		live = BPF_CORE_READ(task, signal, live.counter);
	else
		live = task->signal->live.counter;
	if (live)
		return 0; /* not the last thread of the process */
	flags = target_flags(tgid);
	if (!flags)
		return 0;
	if (!capture_all)
		target_clear(M, tgid);
	emit_proc(M, task, SR_EV_PROC_EXIT, flags, BPF_CORE_READ(task, real_parent, tgid),
		  SR_SCAN_COMPLETE);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int sr_exit(struct bpf_raw_tracepoint_args *ctx)
{
	return on_exit(MODERN, bpf_get_current_task_btf());
}

SEC("raw_tp/sched_process_exit")
int sr_exit_compat(struct bpf_raw_tracepoint_args *ctx)
{
	return on_exit(COMPAT, (struct task_struct *)bpf_get_current_task());
}
