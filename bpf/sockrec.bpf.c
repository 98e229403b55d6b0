// SPDX-License-Identifier: GPL-2.0
/* sockrec.bpf.c - kernel side of sockrec: which processes are targets, and
 * what their TCP sockets moved.
 *
 * Hooks (no kprobes, no fentry on the kernels we target):
 *  - raw_tp/sys_exit: every syscall exit. The first instructions test the
 *    tgid's bit in `target_bits` (an array lookup the verifier inlines: no
 *    hashing); everything else returns there. `targets` (tgid -> SR_TGT_*
 *    flags) is the authority, consulted at fork and exec only; both are
 *    always updated together. For targets we dispatch on the syscall number
 *    (regs->orig_ax) and read the arguments from the saved user registers,
 *    which the socket syscalls leave untouched: no sys_enter hook (that
 *    would double the cost for every process), no per-thread argument map.
 *  - raw_tp/sched_process_exec: the opt-in decision. The new program's
 *    environment is scanned (bounded, bpf_loop) for ADI_PROFILE,
 *    ADI_PROFILE_DISABLED=1 and, with --allow, the value is looked up in
 *    `allow`. It happens before the program runs its first instruction, so a
 *    short-lived client is captured from its first byte.
 *  - raw_tp/sched_process_fork: children inherit their parent's status.
 *  - raw_tp/sched_process_exit: the tgid leaves `targets`.
 * Raw tracepoints need no tracefs.
 *
 * Only TCP sockets are recorded, decided here from the fd: the fd's inode
 * is a socket, its sock is SOCK_STREAM/IPPROTO_TCP, AF_INET or AF_INET6.
 * Files, pipes and unix sockets never reach the ring.
 *
 * Payload: the bytes the syscall moved (its return value), up to snaplen,
 * copied once from user memory into the reserved ring record
 * (bpf_probe_read_user_dynptr, Linux 6.16+). Records are submitted with
 * BPF_RB_NO_WAKEUP; userspace drains on a short timer, and a wake-up is sent
 * only when the ring crosses wake_bytes.
 *
 * Every loss (ring full, copy fault, truncation, full map) is counted in
 * the per-CPU `counters`; nothing is dropped silently. (A process whose
 * environment is too large for the exec-time scan is decided by userspace,
 * which counts that as a loss: its first syscalls are not captured.)
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "sockrec.h"

char LICENSE[] SEC("license") = "GPL";

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
#define NR_accept4 288
#define NR_recvmmsg 299
#define NR_sendmmsg 307

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

/* load-time settings (written through the skeleton's rodata) */
const volatile __u32 snaplen = 16384;
const volatile bool capture_all = false;
const volatile bool allow_set = false;
const volatile __u32 self_tgid = 0;
const volatile __u64 wake_bytes = 0; /* 0: never wake the consumer */

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

/* One bit per tgid, set exactly when tgid is a key of `targets`. Mmapable:
 * userspace sets bits with atomic operations on the mapped words. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SR_BPF_TARGET_WORDS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} target_bits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* tgid << 32 | fd */
	__type(value, struct sr_fd_cache);
} fdcache SEC(".maps");

/* Per-CPU direct-mapped memory of the (tgid, fd, socket) triples this CPU
 * already put in `fdcache`: the data path pays an inlined array lookup, and
 * the LRU hash only for a socket new to this CPU's slot. */
struct fd_seen {
	__u64 key; /* tgid << 32 | fd */
	__u64 sock_id;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SR_BPF_FDSEEN_SLOTS);
	__type(key, __u32);
	__type(value, struct fd_seen);
} fdseen SEC(".maps");

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

extern int bpf_probe_read_user_dynptr(struct bpf_dynptr *dptr, __u32 off, __u32 size,
				      const void *unsafe_ptr) __ksym;
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* A kernel pointer we only read, with direct (fault-safe) loads instead of
 * one bpf_probe_read_kernel() per field. */
#define KPTR(type, p) ((type *)bpf_rdonly_cast((void *)(p), bpf_core_type_id_kernel(type)))

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
static __always_inline bool is_target(__u32 tgid)
{
	__u32 k = tgid / 64;
	__u64 *w;

	if (capture_all)
		return tgid != self_tgid;
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
static __always_inline int target_set(__u32 tgid, __u32 flags)
{
	__u32 k = tgid / 64;
	__u64 *w = bpf_map_lookup_elem(&target_bits, &k);

	if (!w || bpf_map_update_elem(&targets, &tgid, &flags, BPF_ANY)) {
		count(LOSS_OTHER);
		return -1;
	}
	__sync_fetch_and_or(w, 1ull << (tgid % 64));
	return 0;
}

static __always_inline void target_clear(__u32 tgid)
{
	__u32 k = tgid / 64;
	__u64 *w = bpf_map_lookup_elem(&target_bits, &k);

	if (w)
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

/* comm of the current task: two direct loads instead of a helper call */
static __always_inline void current_comm(char comm[16])
{
	struct task_struct *task = bpf_get_current_task_btf();

	((__u64 *)comm)[0] = *(__u64 *)&task->comm[0];
	((__u64 *)comm)[1] = *(__u64 *)&task->comm[8];
}

/* ---- sockets ---- */

struct tcp_ref {
	struct sock *sk;
	__u64 start_ns; /* the process's start time */
	struct sr_ev_sock s;
};

/* Resolves fd of the current process to a TCP socket.
 * @return 0 and fills ref, or -1 when fd is not a TCP socket (or vanished). */
static __always_inline int tcp_from_fd(__u32 fd, struct tcp_ref *ref)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file **fds;
	struct file *fp = NULL;
	struct file *f;
	struct inode *inode;
	struct socket *sock;
	struct sock *sk;
	__u16 family;

	if (fd >= fdt->max_fds)
		return -1;
	fds = fdt->fd;
	if (bpf_probe_read_kernel(&fp, sizeof(fp), &fds[fd]) || !fp)
		return -1;
	f = KPTR(struct file, fp);
	inode = f->f_inode;
	if ((inode->i_mode & S_IFMT) != S_IFSOCK)
		return -1;
	sock = KPTR(struct socket, f->private_data);
	sk = sock->sk;
	if (!sk || sk->sk_type != SOCK_STREAM || sk->sk_protocol != IPPROTO_TCP)
		return -1;
	family = sk->__sk_common.skc_family;
	if (family != AF_INET && family != AF_INET6)
		return -1;

	ref->sk = sk;
	ref->start_ns = task->group_leader->start_boottime;
	ref->s.sock_id = inode->i_ino;
	ref->s.fd = fd;
	ref->s.family = family;
	ref->s.lport = sk->__sk_common.skc_num;
	ref->s.rport = bpf_ntohs(sk->__sk_common.skc_dport);
	ref->s.pad = 0;
	ref->s.pad2 = 0;
	if (family == AF_INET) {
		__u32 *l = (__u32 *)ref->s.laddr, *r = (__u32 *)ref->s.raddr;

		l[0] = sk->__sk_common.skc_rcv_saddr;
		r[0] = sk->__sk_common.skc_daddr;
		l[1] = l[2] = l[3] = 0;
		r[1] = r[2] = r[3] = 0;
	} else {
		__u32 *l = (__u32 *)ref->s.laddr, *r = (__u32 *)ref->s.raddr;

		l[0] = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32[0];
		l[1] = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32[1];
		l[2] = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32[2];
		l[3] = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32[3];
		r[0] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[0];
		r[1] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[1];
		r[2] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[2];
		r[3] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[3];
	}
	return 0;
}

/* Remembers (tgid, fd) -> socket so close() can be reported after the fd
 * is gone. */
static __always_inline void fdcache_note(__u32 tgid, const struct tcp_ref *ref)
{
	__u64 key = (__u64)tgid << 32 | (__u32)ref->s.fd;
	struct sr_fd_cache v;

	v.start_ns = ref->start_ns;
	v.sock = ref->s;
	bpf_map_update_elem(&fdcache, &key, &v, BPF_ANY);
}

/* The same from the data path, where it is usually known already. */
static __always_inline void fdcache_seen(__u32 tgid, const struct tcp_ref *ref)
{
	__u64 key = (__u64)tgid << 32 | (__u32)ref->s.fd;
	__u32 slot = (key * 0x9e3779b97f4a7c15ull) >> 56 & (SR_BPF_FDSEEN_SLOTS - 1);
	struct fd_seen *seen = bpf_map_lookup_elem(&fdseen, &slot);

	if (!seen || (seen->key == key && seen->sock_id == ref->s.sock_id))
		return;
	fdcache_note(tgid, ref);
	seen->key = key;
	seen->sock_id = ref->s.sock_id;
}

/* The stream position just after the bytes this call moved: write_seq
 * for a send, copied_seq for a receive. A receive that reached the peer's
 * FIN also consumed it, and the FIN takes one sequence number: then
 * copied_seq == rcv_nxt with RCV_SHUTDOWN set, and the data ended one
 * before. */
static __always_inline __u32 tcp_seq(struct sock *sk, __u8 dir)
{
	struct tcp_sock *tp = KPTR(struct tcp_sock, sk);
	__u32 seq;

	if (dir == SR_EVD_SEND)
		return tp->write_seq;
	seq = tp->copied_seq;
	if (seq == tp->rcv_nxt && (sk->sk_shutdown & RCV_SHUTDOWN))
		seq--;
	return seq;
}

/* ---- data events ---- */

/* Where the payload of one data event is in user memory: one buffer, or an
 * iovec array in user memory. */
struct payload_src {
	const void *buf;	 /* single buffer, or NULL */
	const struct iovec *iov; /* user iovec array (when buf is NULL) */
	__u64 iovcnt;
};

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
	bpf_loop(SR_BPF_MAX_IOV, iov_copy_step, &c, 0);
	if (c.fault)
		*flags |= SR_EVF_READ_FAULT;
	return c.copied;
}

/* One data event to emit (BPF functions take at most five arguments). */
struct data_req {
	__u64 pid_tgid;
	__u64 bytes; /* the syscall moved */
	__u32 seq;   /* tcp_seq after the call */
	__u32 flags; /* SR_EVF_* known up front */
	__u16 nr;
	__u8 dir;
	struct payload_src src;
};

/* Emits one data event: r->bytes moved on ref's socket. */
static __noinline void emit_data(const struct tcp_ref *ref, struct data_req *r)
{
	struct bpf_dynptr dp;
	struct sr_ev_data *e;
	__u32 cap = 0, copied = 0, size, flags = r->flags;

	if (!(flags & SR_EVF_NO_PAYLOAD)) {
		cap = r->bytes < snaplen ? r->bytes : snaplen;
		if (cap > SR_BPF_MAX_SNAPLEN)
			cap = SR_BPF_MAX_SNAPLEN;
	}
	size = sizeof(*e) + cap;
	if (bpf_ringbuf_reserve_dynptr(&rb, size, 0, &dp)) {
		bpf_ringbuf_discard_dynptr(&dp, 0);
		count(LOSS_RING_FULL);
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
	e->flags = flags | SR_EVF_SEQ_VALID;
	e->tcp_seq = r->seq;
	e->syscall = r->nr;
	e->dir = r->dir;
	e->pad = 0;
	e->cpu = bpf_get_smp_processor_id();
	e->start_ns = ref->start_ns;
	current_comm(e->comm);
	e->sock = ref->s;
	bpf_ringbuf_submit_dynptr(&dp, submit_flags(size));
}

static __always_inline void emit_conn(__u64 pid_tgid, const struct tcp_ref *ref, __u16 nr,
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
	e->tgid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->syscall = nr;
	e->kind = kind;
	e->pad = 0;
	e->cpu = bpf_get_smp_processor_id();
	e->start_ns = ref->start_ns;
	current_comm(e->comm);
	e->sock = ref->s;
	bpf_ringbuf_submit(e, submit_flags(sizeof(*e)));
}

/* One data event for a syscall that moved ret bytes through fd. */
static __always_inline void on_data(struct data_req *r, __u32 fd, long ret)
{
	struct tcp_ref ref;

	if (ret <= 0 || tcp_from_fd(fd, &ref))
		return;
	fdcache_seen(r->pid_tgid >> 32, &ref);
	r->bytes = ret;
	r->seq = tcp_seq(ref.sk, r->dir);
	emit_data(&ref, r);
}

/* sendmsg/recvmsg: the iovecs come from the user's msghdr. */
static __always_inline void on_msg(struct data_req *r, __u32 fd, long ret,
				   const struct user_msghdr *umsg)
{
	struct user_msghdr m;

	if (ret <= 0)
		return;
	if (bpf_probe_read_user(&m, sizeof(m), umsg)) {
		r->flags |= SR_EVF_READ_FAULT | SR_EVF_NO_PAYLOAD;
	} else {
		r->src.iov = m.msg_iov;
		r->src.iovcnt = m.msg_iovlen;
	}
	on_data(r, fd, ret);
}

/* sendmmsg/recvmmsg: one data event per message (at most SR_BPF_MAX_MMSG;
 * the rest are counted as lost). Each message's stream position is derived
 * from the position after the call minus the bytes of later messages. */
static __always_inline void on_mmsg(struct data_req *r, __u32 fd, long ret,
				    const struct mmsghdr *vec)
{
	__u32 lens[SR_BPF_MAX_MMSG] = {};
	struct tcp_ref ref;
	__u64 total = 0, done = 0;
	__u32 seq_end;
	int i;

	if (ret <= 0 || tcp_from_fd(fd, &ref))
		return;
	fdcache_seen(r->pid_tgid >> 32, &ref);
	seq_end = tcp_seq(ref.sk, r->dir);
	for (i = 0; i < SR_BPF_MAX_MMSG && i < ret; i++) {
		if (bpf_probe_read_user(&lens[i], sizeof(lens[i]), &vec[i].msg_len))
			lens[i] = 0;
		total += lens[i];
	}
	for (i = 0; i < SR_BPF_MAX_MMSG && i < ret; i++) {
		struct user_msghdr m;

		done += lens[i];
		if (!lens[i])
			continue;
		r->flags = 0;
		r->src.buf = NULL;
		r->src.iov = NULL;
		r->src.iovcnt = 0;
		if (bpf_probe_read_user(&m, sizeof(m), &vec[i].msg_hdr)) {
			r->flags = SR_EVF_READ_FAULT | SR_EVF_NO_PAYLOAD;
		} else {
			r->src.iov = m.msg_iov;
			r->src.iovcnt = m.msg_iovlen;
		}
		r->bytes = lens[i];
		r->seq = seq_end - (__u32)(total - done);
		emit_data(&ref, r);
	}
	if (ret > SR_BPF_MAX_MMSG)
		count(LOSS_OTHER);
}

/* sendfile/splice: bytes moved without passing through user memory. The
 * socket side decides the direction; no payload (a marked gap). */
static __always_inline void on_nopayload(struct data_req *r, __u32 out_fd, __u32 in_fd, long ret)
{
	struct tcp_ref ref;

	if (ret <= 0)
		return;
	if (!tcp_from_fd(out_fd, &ref))
		r->dir = SR_EVD_SEND;
	else if (!tcp_from_fd(in_fd, &ref))
		r->dir = SR_EVD_RECV;
	else
		return;
	fdcache_seen(r->pid_tgid >> 32, &ref);
	r->bytes = ret;
	r->seq = tcp_seq(ref.sk, r->dir);
	r->flags = SR_EVF_NO_PAYLOAD;
	emit_data(&ref, r);
}

static __always_inline void on_connect(__u64 pid_tgid, __u16 nr, __u32 fd, long ret)
{
	struct tcp_ref ref;

	if (tcp_from_fd(fd, &ref))
		return;
	fdcache_note(pid_tgid >> 32, &ref);
	emit_conn(pid_tgid, &ref, nr, SR_EVC_CONNECT, ret);
}

static __always_inline void on_accept(__u64 pid_tgid, __u16 nr, __u32 lfd, long ret)
{
	struct tcp_ref ref;

	if (ret < 0 || tcp_from_fd(ret, &ref))
		return;
	fdcache_note(pid_tgid >> 32, &ref);
	ref.s.fd = lfd; /* the syscall's fd argument; ret is the new fd */
	emit_conn(pid_tgid, &ref, nr, SR_EVC_ACCEPT, ret);
}

/* close(): the fd is gone at exit; report the socket we saw on it. */
static __always_inline void on_close(__u64 pid_tgid, __u32 fd, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 key = (pid_tgid & 0xffffffff00000000ull) | fd;
	struct sr_fd_cache *c = bpf_map_lookup_elem(&fdcache, &key);
	struct tcp_ref ref;

	if (!c)
		return;
	if (c->start_ns == task->group_leader->start_boottime) {
		ref.sk = NULL;
		ref.start_ns = c->start_ns;
		ref.s = c->sock;
		emit_conn(pid_tgid, &ref, NR_close, SR_EVC_CLOSE, ret);
	}
	bpf_map_delete_elem(&fdcache, &key);
}

SEC("raw_tp/sys_exit")
int sr_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct data_req r = {};
	struct pt_regs *regs;
	long ret, nr;
	__u32 fd;

	if (!is_target(pid_tgid >> 32))
		return 0;

	regs = KPTR(struct pt_regs, ctx->args[0]);
	if (regs->cs != USER64_CS)
		return 0; /* ia32 syscall numbers differ; not supported */
	nr = regs->orig_ax;
	ret = ctx->args[1];
	fd = regs->di;
	r.pid_tgid = pid_tgid;
	r.nr = nr;

	switch (nr) {
	case NR_read:
	case NR_write:
		r.dir = nr == NR_read ? SR_EVD_RECV : SR_EVD_SEND;
		r.src.buf = (const void *)regs->si;
		on_data(&r, fd, ret);
		break;
	case NR_recvfrom:
		if (regs->r10 & MSG_PEEK)
			break; /* the bytes stay queued; the real read records them */
		r.dir = SR_EVD_RECV;
		r.flags = regs->r10 & MSG_TRUNC ? SR_EVF_NO_PAYLOAD : 0;
		r.src.buf = (const void *)regs->si;
		on_data(&r, fd, ret);
		break;
	case NR_sendto:
		r.dir = SR_EVD_SEND;
		r.src.buf = (const void *)regs->si;
		on_data(&r, fd, ret);
		break;
	case NR_readv:
	case NR_writev:
		r.dir = nr == NR_readv ? SR_EVD_RECV : SR_EVD_SEND;
		r.src.iov = (const struct iovec *)regs->si;
		r.src.iovcnt = regs->dx;
		on_data(&r, fd, ret);
		break;
	case NR_recvmsg:
		if (regs->dx & MSG_PEEK)
			break;
		r.dir = SR_EVD_RECV;
		r.flags = regs->dx & MSG_TRUNC ? SR_EVF_NO_PAYLOAD : 0;
		on_msg(&r, fd, ret, (const void *)regs->si);
		break;
	case NR_sendmsg:
		r.dir = SR_EVD_SEND;
		on_msg(&r, fd, ret, (const void *)regs->si);
		break;
	case NR_recvmmsg:
		if (regs->r10 & MSG_PEEK)
			break;
		r.dir = SR_EVD_RECV;
		on_mmsg(&r, fd, ret, (const void *)regs->si);
		break;
	case NR_sendmmsg:
		r.dir = SR_EVD_SEND;
		on_mmsg(&r, fd, ret, (const void *)regs->si);
		break;
	case NR_sendfile:
		on_nopayload(&r, fd, regs->si, ret);
		break;
	case NR_splice:
		on_nopayload(&r, regs->dx, fd, ret);
		break;
	case NR_connect:
		on_connect(pid_tgid, nr, fd, ret);
		break;
	case NR_accept:
	case NR_accept4:
		on_accept(pid_tgid, nr, fd, ret);
		break;
	case NR_close:
		on_close(pid_tgid, fd, ret);
		break;
	}
	return 0;
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
	return kn->__parent;
}

/* The last SR_BPF_CGROUP_DEPTH components of the task's cgroup v2 path. */
static __always_inline void task_cgroup(struct task_struct *task, struct sr_ev_proc *e)
{
	struct kernfs_node *kn = task->cgroups->dfl_cgrp->kn;
	int i;

	for (i = 0; i < SR_BPF_CGROUP_DEPTH; i++) {
		if (!kn)
			break;
		bpf_probe_read_kernel_str(e->cgroup[i], SR_BPF_CGROUP_NAME, kn->name);
		kn = kn_parent(kn);
	}
}

/* Environment scan state (bpf_loop callback context). */
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
 * next SR_BPF_ENV_SCAN_CHUNK bytes of a long one) at s->pos. */
static long scan_step(__u32 i, void *arg)
{
	struct scan *s = arg;
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

/* @return true when the ADI_PROFILE value at uaddr is in the allow map. */
static __always_inline bool allowed(__u64 uaddr)
{
	char key[SR_BPF_ALLOW_LEN + 8] = {};
	long n = bpf_probe_read_user_str(key, SR_BPF_ALLOW_LEN + 1, (const void *)uaddr);

	if (n <= 0 || n > SR_BPF_ALLOW_LEN) /* longer values are never allowed */
		return false;
	return bpf_map_lookup_elem(&allow, key) != NULL;
}

static __always_inline void emit_proc(struct task_struct *task, __u32 kind, __u32 target,
				      __u32 ppid, __u32 scan)
{
	struct sr_ev_proc *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e) {
		count(LOSS_RING_FULL);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->type = SR_EV_PROC;
	e->kind = kind;
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->start_ns = task->group_leader->start_boottime;
	e->pid = task->tgid;
	e->ppid = ppid;
	e->tid = task->pid;
	e->exit_code = task->exit_code;
	e->target = target;
	e->uid = task->cred->uid.val;
	e->scan = scan;
	e->cpu = bpf_get_smp_processor_id();
	bpf_probe_read_kernel(e->comm, sizeof(e->comm), task->comm);
	task_cgroup(task, e);
	bpf_ringbuf_submit(e, submit_flags(sizeof(*e)));
}

/* The exec record carries the new program's argv and environ blocks, so a
 * process gone before userspace reads /proc still gets a snapshot. */
static __always_inline void emit_exec(struct task_struct *task, __u32 target, __u32 scan)
{
	struct mm_struct *mm = task->mm;
	__u64 a0 = mm->arg_start, a1 = mm->arg_end, e0 = mm->env_start, e1 = mm->env_end;
	__u32 args_full = a1 > a0 ? a1 - a0 : 0, env_full = e1 > e0 ? e1 - e0 : 0;
	__u32 args_len = args_full < SR_BPF_EXEC_ARGS_MAX ? args_full : SR_BPF_EXEC_ARGS_MAX;
	__u32 env_len = env_full < SR_BPF_EXEC_ENV_MAX ? env_full : SR_BPF_EXEC_ENV_MAX;
	struct bpf_dynptr dp;
	struct sr_ev_proc *e;
	__u32 size = sizeof(*e) + args_len + env_len;

	if (bpf_ringbuf_reserve_dynptr(&rb, size, 0, &dp)) {
		bpf_ringbuf_discard_dynptr(&dp, 0);
		count(LOSS_RING_FULL);
		return;
	}
	if (args_len && bpf_probe_read_user_dynptr(&dp, sizeof(*e), args_len, (void *)a0))
		args_len = 0;
	if (env_len && bpf_probe_read_user_dynptr(&dp, sizeof(*e) + args_len, env_len, (void *)e0))
		env_len = 0;
	e = bpf_dynptr_data(&dp, 0, sizeof(*e));
	if (!e) {
		bpf_ringbuf_discard_dynptr(&dp, 0);
		count(LOSS_OTHER);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->type = SR_EV_PROC;
	e->kind = SR_EV_PROC_EXEC;
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->start_ns = task->group_leader->start_boottime;
	e->pid = task->tgid;
	e->ppid = task->real_parent->tgid;
	e->tid = task->pid;
	e->target = target;
	e->uid = task->cred->uid.val;
	e->args_len = args_len;
	e->env_len = env_len;
	e->args_full = args_full;
	e->env_full = env_full;
	e->scan = scan;
	e->cpu = bpf_get_smp_processor_id();
	bpf_probe_read_kernel(e->comm, sizeof(e->comm), task->comm);
	task_cgroup(task, e);
	/* wake the consumer: its /proc snapshot should see the process alive,
	 * and an exec costs far more than one wake-up */
	bpf_ringbuf_submit_dynptr(&dp, BPF_RB_FORCE_WAKEUP);
}

SEC("raw_tp/sched_process_exec")
int sr_exec(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = task->tgid, flags = 0, scan_state;
	struct mm_struct *mm = task->mm;
	struct scan s = {};
	__u32 *old;

	if (tgid == self_tgid)
		return 0;
	old = bpf_map_lookup_elem(&targets, &tgid);
	if (old)
		flags = *old & ~SR_TGT_OPTIN; /* opt-in is decided anew by the new environment */
	if (capture_all)
		flags |= SR_TGT_ALL;

	s.pos = mm->env_start;
	s.end = mm->env_end;
	s.at_start = 1;
	bpf_loop(SR_BPF_ENV_SCAN_STEPS, scan_step, &s, 0);
	if (s.fault)
		scan_state = SR_SCAN_FAULT;
	else if (s.pos < s.end)
		scan_state = SR_SCAN_INCOMPLETE;
	else
		scan_state = SR_SCAN_COMPLETE;

	/* only a complete scan decides: an ADI_PROFILE_DISABLED=1 may sit in
	 * the part not scanned, and a process that opted out is never captured */
	if (scan_state == SR_SCAN_COMPLETE && s.profile && !s.disabled &&
	    (!allow_set || allowed(s.value)))
		flags |= SR_TGT_OPTIN;

	if (flags & ~SR_TGT_ALL)
		target_set(tgid, flags);
	else if (old)
		target_clear(tgid);

	if (flags) {
		emit_exec(task, flags, scan_state);
	} else if (scan_state != SR_SCAN_COMPLETE) {
		/* The scan could not decide: userspace reads /proc/PID/environ
		 * and adds the process if it opted in (and counts the syscalls it
		 * may have missed meanwhile as a loss). */
		emit_proc(task, SR_EV_PROC_EXEC, 0, task->real_parent->tgid, scan_state);
	}
	return 0;
}

SEC("raw_tp/sched_process_fork")
int sr_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = KPTR(struct task_struct, ctx->args[0]);
	struct task_struct *child = KPTR(struct task_struct, ctx->args[1]);
	__u32 cpid = child->pid, ptgid = parent->tgid, flags;

	if (cpid != child->tgid)
		return 0; /* a new thread: same tgid, nothing to inherit */
	flags = target_flags(ptgid);
	if (!flags)
		return 0;
	if (!capture_all && target_set(cpid, flags))
		return 0;
	emit_proc(child, SR_EV_PROC_FORK, flags, ptgid, SR_SCAN_COMPLETE);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int sr_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = task->tgid, flags;

	if (!ctx->args[1])
		return 0; /* not the last thread of the process */
	flags = target_flags(tgid);
	if (!flags)
		return 0;
	if (!capture_all)
		target_clear(tgid);
	emit_proc(task, SR_EV_PROC_EXIT, flags, task->real_parent->tgid, SR_SCAN_COMPLETE);
	return 0;
}
