/* events.c - ring buffer events to records. See events.h. */
#include "events.h"

#include <linux/types.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "sockrec.h"

/* The kernel writes format/record.h values; keep the two headers in step. */
_Static_assert(SR_EVF_TRUNCATED == SR_DATA_TRUNCATED, "flag");
_Static_assert(SR_EVF_NO_PAYLOAD == SR_DATA_NO_PAYLOAD, "flag");
_Static_assert(SR_EVF_READ_FAULT == SR_DATA_READ_FAULT, "flag");
_Static_assert(SR_EVF_SEQ_VALID == SR_DATA_SEQ_VALID, "flag");
_Static_assert(SR_EVF_TLS == SR_DATA_TLS && SR_EVF_TLS_CIPHER == SR_DATA_TLS_CIPHER, "flag");
_Static_assert(SR_EVD_SEND == SR_DIR_SEND && SR_EVD_RECV == SR_DIR_RECV, "dir");
_Static_assert(SR_EVC_CONNECT == SR_CONN_CONNECT && SR_EVC_ACCEPT == SR_CONN_ACCEPT &&
		   SR_EVC_CLOSE == SR_CONN_CLOSE,
	       "conn kind");
_Static_assert(SR_EV_PROC_FORK == SR_PROC_FORK && SR_EV_PROC_EXEC == SR_PROC_EXEC &&
		   SR_EV_PROC_EXIT == SR_PROC_EXIT,
	       "proc kind");
_Static_assert(SR_BPF_MAX_SNAPLEN == SR_MAX_SNAPLEN, "snaplen");
/* fixed layouts shared with the BPF object */
_Static_assert(sizeof(struct sr_ev_sock) == 56, "sr_ev_sock layout");
_Static_assert(sizeof(struct sr_ev_data) == 128, "sr_ev_data layout");
_Static_assert(sizeof(struct sr_ev_conn) == 112, "sr_ev_conn layout");
_Static_assert(sizeof(struct sr_ev_proc) == 88 + SR_BPF_CGROUP_DEPTH * SR_BPF_CGROUP_NAME,
	       "sr_ev_proc layout");
_Static_assert(sizeof(((struct cap_ev_exec *)0)->cgroup) >=
		   4 + SR_BPF_CGROUP_DEPTH * SR_BPF_CGROUP_NAME + 2,
	       "room for the cgroup path");
_Static_assert(offsetof(struct sr_ev_data, data) == sizeof(struct sr_ev_data), "payload at end");

static const struct {
	unsigned nr;
	uint16_t sys;
} syscalls[] = {
    {0, SR_SYS_READ},
    {1, SR_SYS_WRITE},
    {3, SR_SYS_CLOSE},
    {19, SR_SYS_READV},
    {20, SR_SYS_WRITEV},
    {40, SR_SYS_SENDFILE},
    {42, SR_SYS_CONNECT},
    {43, SR_SYS_ACCEPT},
    {44, SR_SYS_SENDTO},
    {45, SR_SYS_RECVFROM},
    {46, SR_SYS_SENDMSG},
    {47, SR_SYS_RECVMSG},
    {275, SR_SYS_SPLICE},
    {288, SR_SYS_ACCEPT4},
    {299, SR_SYS_RECVMMSG},
    {307, SR_SYS_SENDMMSG},
    /* preadv2/pwritev2 on a socket (offset -1) are readv/writev */
    {327, SR_SYS_READV},
    {328, SR_SYS_WRITEV},
    /* TLS plaintext: the library call */
    {SR_NR_SSL_READ, SR_SYS_SSL_READ},
    {SR_NR_SSL_WRITE, SR_SYS_SSL_WRITE},
    {SR_NR_SSL_READ_EX, SR_SYS_SSL_READ_EX},
    {SR_NR_SSL_WRITE_EX, SR_SYS_SSL_WRITE_EX},
    {SR_NR_GO_TLS_READ, SR_SYS_GO_TLS_READ},
    {SR_NR_GO_TLS_WRITE, SR_SYS_GO_TLS_WRITE},
};

uint16_t cap_syscall_from_nr(unsigned nr)
{
	size_t i;

	for (i = 0; i < sizeof(syscalls) / sizeof(syscalls[0]); i++)
		if (syscalls[i].nr == nr)
			return syscalls[i].sys;
	return 0;
}

static int is_mapped(const uint8_t a[16])
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return !memcmp(a, prefix, 12);
}

static int is_zero(const uint8_t a[16])
{
	static const uint8_t zero[16];

	return !memcmp(a, zero, 16);
}

uint8_t cap_addr_normalize(unsigned af, const uint8_t l_in[16], const uint8_t r_in[16],
			   uint8_t l_out[16], uint8_t r_out[16])
{
	uint8_t l[16], r[16];

	memcpy(l, l_in, 16); /* l_out may alias l_in */
	memcpy(r, r_in, 16);
	memset(l_out, 0, 16);
	memset(r_out, 0, 16);
	if (af == AF_INET) {
		memcpy(l_out, l, 4);
		memcpy(r_out, r, 4);
		return 4;
	}
	if (af != AF_INET6)
		return 0;
	if ((is_mapped(l) || is_mapped(r)) && (is_mapped(l) || is_zero(l)) &&
	    (is_mapped(r) || is_zero(r))) {
		if (is_mapped(l))
			memcpy(l_out, l + 12, 4);
		if (is_mapped(r))
			memcpy(r_out, r + 12, 4);
		return 4;
	}
	memcpy(l_out, l, 16);
	memcpy(r_out, r, 16);
	return 6;
}

uint32_t cap_ev_type(const void *ev, size_t size)
{
	uint32_t t;

	if (size < sizeof(t))
		return 0;
	memcpy(&t, ev, sizeof(t));
	return t;
}

uint32_t cap_ev_cpu(const void *ev, size_t size)
{
	size_t off, need;
	uint32_t cpu;

	switch (cap_ev_type(ev, size)) {
	case SR_EV_DATA:
		off = offsetof(struct sr_ev_data, cpu);
		need = sizeof(struct sr_ev_data);
		break;
	case SR_EV_CONN:
		off = offsetof(struct sr_ev_conn, cpu);
		need = sizeof(struct sr_ev_conn);
		break;
	case SR_EV_PROC:
		off = offsetof(struct sr_ev_proc, cpu);
		need = sizeof(struct sr_ev_proc);
		break;
	default:
		return UINT32_MAX;
	}
	if (size < need)
		return UINT32_MAX;
	memcpy(&cpu, (const uint8_t *)ev + off, sizeof(cpu));
	return cpu;
}

/* ev is 8-byte aligned in the ring, but copy the fixed part anyway: the
 * records must not depend on the ring's alignment. */
int cap_ev_data(const void *ev, size_t size, struct sr_record *rec)
{
	struct sr_ev_data e;
	struct sr_data *d = &rec->data;

	if (size < sizeof(e))
		return -1;
	memcpy(&e, ev, sizeof(e));
	if (e.type != SR_EV_DATA || e.cap_len > size - sizeof(e) || e.cap_len > SR_MAX_SNAPLEN ||
	    e.cap_len > e.bytes)
		return -1;
	memset(rec, 0, sizeof(*rec));
	rec->type = SR_REC_DATA;
	d->ts_ns = e.ts_ns;
	d->tgid = e.tgid;
	d->tid = e.tid;
	d->sock_id = e.sock.sock_id;
	d->fd = e.sock.fd;
	d->syscall = cap_syscall_from_nr(e.syscall);
	d->dir = e.dir;
	d->family =
	    cap_addr_normalize(e.sock.family, e.sock.laddr, e.sock.raddr, d->laddr, d->raddr);
	d->lport = e.sock.lport;
	d->rport = e.sock.rport;
	d->flags = e.flags;
	d->tcp_seq = e.tcp_seq;
	d->bytes = e.bytes;
	memcpy(d->comm, e.comm, SR_COMM_LEN);
	d->comm[SR_COMM_LEN - 1] = 0;
	d->payload.ptr = (const uint8_t *)ev + sizeof(e);
	d->payload.len = e.cap_len;
	if (!d->syscall || !d->family || (d->dir != SR_DIR_SEND && d->dir != SR_DIR_RECV))
		return -1;
	return 0;
}

int cap_ev_conn(const void *ev, size_t size, struct sr_record *rec)
{
	struct sr_ev_conn e;
	struct sr_conn *c = &rec->conn;

	if (size < sizeof(e))
		return -1;
	memcpy(&e, ev, sizeof(e));
	if (e.type != SR_EV_CONN)
		return -1;
	memset(rec, 0, sizeof(*rec));
	rec->type = SR_REC_CONN;
	c->ts_ns = e.ts_ns;
	c->tgid = e.tgid;
	c->tid = e.tid;
	c->sock_id = e.sock.sock_id;
	c->fd = e.sock.fd;
	c->ret = e.ret;
	c->syscall = cap_syscall_from_nr(e.syscall);
	c->kind = e.kind;
	c->family =
	    cap_addr_normalize(e.sock.family, e.sock.laddr, e.sock.raddr, c->laddr, c->raddr);
	c->lport = e.sock.lport;
	c->rport = e.sock.rport;
	memcpy(c->comm, e.comm, SR_COMM_LEN);
	c->comm[SR_COMM_LEN - 1] = 0;
	if (!c->syscall || c->kind < SR_CONN_CONNECT || c->kind > SR_CONN_CLOSE)
		return -1;
	return 0;
}

/* "0::/docker/<id>\n" from the components the kernel sent (leaf first),
 * shaped like a /proc/PID/cgroup line so the same parser reads it */
static void cgroup_text(const struct sr_ev_proc *e, struct cap_ev_exec *x)
{
	size_t n = 0;
	int i;

	x->cgroup[0] = 0;
	x->cgroup_len = 0;
	for (i = SR_BPF_CGROUP_DEPTH - 1; i >= 0; i--) {
		size_t l = strnlen(e->cgroup[i], SR_BPF_CGROUP_NAME - 1);

		if (!l || (l == 1 && e->cgroup[i][0] == '/'))
			continue;
		if (!n) {
			memcpy(x->cgroup, "0::", 3);
			n = 3;
		}
		x->cgroup[n++] = '/';
		memcpy(x->cgroup + n, e->cgroup[i], l);
		n += l;
	}
	if (n) {
		x->cgroup[n++] = '\n';
		x->cgroup[n] = 0;
	}
	x->cgroup_len = n;
}

int cap_ev_proc(const void *ev, size_t size, struct sr_record *rec, struct cap_ev_exec *x)
{
	struct sr_ev_proc e;
	struct sr_proc_event *p = &rec->pev;

	if (size < sizeof(e))
		return -1;
	memcpy(&e, ev, sizeof(e));
	if (e.type != SR_EV_PROC || e.kind < SR_EV_PROC_FORK || e.kind > SR_EV_PROC_EXIT ||
	    e.args_len > size - sizeof(e) || e.env_len > size - sizeof(e) - e.args_len)
		return -1;
	memset(rec, 0, sizeof(*rec));
	rec->type = SR_REC_PROC_EVENT;
	p->ts_ns = e.ts_ns;
	p->pid = e.pid;
	p->ppid = e.ppid;
	p->tid = e.tid;
	p->kind = e.kind;
	p->exit_code = e.exit_code;
	p->target = e.target;
	memcpy(p->comm, e.comm, SR_COMM_LEN);
	p->comm[SR_COMM_LEN - 1] = 0;
	if (x) {
		x->args = (const uint8_t *)ev + sizeof(e);
		x->args_len = e.args_len;
		x->env = x->args + e.args_len;
		x->env_len = e.env_len;
		x->args_cut = e.args_full > e.args_len;
		x->env_cut = e.env_full > e.env_len;
		x->scan = e.scan;
		cgroup_text(&e, x);
		x->uid = e.uid;
		x->start_ns = e.start_ns;
	}
	return 0;
}
