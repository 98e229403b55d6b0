/* record.c - encode and decode sockrec records (FORMAT.md, "Records").
 *
 * Every record is an 8-byte header (u32 body length, u16 type, u16 flags)
 * and a body: the type's fixed fields, then its variable fields, each a u32
 * length and that many bytes. Decoding reads through a bounds-checked cursor
 * and ignores bytes after the fields it knows (newer minor versions append).
 */
#include <stdio.h>
#include <string.h>

#include "cursor.h"
#include "record.h"

#define DATA_FIXED 100u
#define CONN_FIXED 88u
#define HDR_FIXED 32u
#define PROC_FIXED 32u
#define CTR_FIXED 8u
#define LOSS_FIXED 32u
#define LOSS_CPU_LEN 48u
#define END_FIXED 32u
#define PEV_FIXED 48u
#define TLS_FIXED 24u

/* ---- a bounded writer ---- */

struct wcur {
	uint8_t *p;
	size_t left;
	int overflow;
};

static void put(struct wcur *w, const void *src, size_t n)
{
	if (w->overflow || w->left < n) {
		w->overflow = 1;
		return;
	}
	if (n)
		memcpy(w->p, src, n);
	w->p += n;
	w->left -= n;
}

static void put8(struct wcur *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put16(struct wcur *w, uint16_t v)
{
	uint8_t b[2];
	sr_put_le16(b, v);
	put(w, b, 2);
}

static void put32(struct wcur *w, uint32_t v)
{
	uint8_t b[4];
	sr_put_le32(b, v);
	put(w, b, 4);
}

static void put64(struct wcur *w, uint64_t v)
{
	uint8_t b[8];
	sr_put_le64(b, v);
	put(w, b, 8);
}

static void put_bytes(struct wcur *w, struct sr_bytes b)
{
	put32(w, b.len);
	put(w, b.ptr, b.len);
}

/* comm is written as 16 bytes, NUL padded, even if the source is not. */
static void put_comm(struct wcur *w, const char comm[SR_COMM_LEN])
{
	uint8_t b[SR_COMM_LEN] = {0};
	size_t n = strnlen(comm, SR_COMM_LEN);
	memcpy(b, comm, n);
	put(w, b, SR_COMM_LEN);
}

/* ---- sizes ---- */

static size_t bytes_size(struct sr_bytes b)
{
	return 4u + (size_t)b.len;
}

/* Body size of rec, or 0 when rec cannot be encoded. */
static size_t body_size(const struct sr_record *rec)
{
	size_t n;

	switch (rec->type) {
	case SR_REC_CAPTURE_HEADER: {
		const struct sr_capture_header *h = &rec->hdr;
		n = HDR_FIXED + bytes_size(h->tool_version) + bytes_size(h->hostname) +
		    bytes_size(h->kernel_release) + bytes_size(h->allow) +
		    bytes_size(h->env_prefix) + bytes_size(h->pids) + bytes_size(h->argv) +
		    bytes_size(h->paths);
		break;
	}
	case SR_REC_DATA:
		if (rec->data.payload.len > SR_MAX_SNAPLEN)
			return 0;
		n = DATA_FIXED + bytes_size(rec->data.payload);
		break;
	case SR_REC_CONN:
		n = CONN_FIXED;
		break;
	case SR_REC_PROCESS: {
		const struct sr_process *p = &rec->proc;
		n = PROC_FIXED + bytes_size(p->comm) + bytes_size(p->exe) + bytes_size(p->cmdline) +
		    bytes_size(p->environ) + bytes_size(p->cgroup) + bytes_size(p->container_id) +
		    bytes_size(p->adi_profile) + bytes_size(p->adi_profile_name) +
		    bytes_size(p->error) + 4;
		break;
	}
	case SR_REC_CONTAINER: {
		const struct sr_container *c = &rec->ctr;
		n = CTR_FIXED + bytes_size(c->id) + bytes_size(c->runtime) + bytes_size(c->name) +
		    bytes_size(c->image) + bytes_size(c->labels) + bytes_size(c->addrs) +
		    bytes_size(c->doc) + bytes_size(c->error);
		break;
	}
	case SR_REC_LOSS:
		if (rec->loss.ncpu > SR_MAX_LOSS_CPUS ||
		    rec->loss.cpus.len != (uint64_t)rec->loss.ncpu * LOSS_CPU_LEN)
			return 0;
		n = LOSS_FIXED + rec->loss.cpus.len;
		break;
	case SR_REC_END:
		n = END_FIXED;
		break;
	case SR_REC_PROC_EVENT:
		n = PEV_FIXED;
		break;
	case SR_REC_TLS:
		n = TLS_FIXED + bytes_size(rec->tls.library) + bytes_size(rec->tls.path) +
		    bytes_size(rec->tls.error);
		break;
	case SR_REC_DATA_CTX:
	case SR_REC_DATA_COMPACT:
		return 0; /* .srz framing, written only by its writer */
	default:
		/* a type this version does not know (read from a newer archive):
		 * passed through with its body as read */
		if (rec->type == 0)
			return 0;
		n = rec->body.len;
		break;
	}
	/* each variable field is below 4 GiB by type, so n cannot overflow size_t */
	if (n > SR_MAX_RECORD - SR_RECORD_HDR)
		return 0;
	return n;
}

size_t sr_record_size(const struct sr_record *rec)
{
	size_t n = body_size(rec);
	return n ? n + SR_RECORD_HDR : 0;
}

size_t sr_record_encode(const struct sr_record *rec, uint8_t *dst, size_t dst_cap)
{
	size_t body = body_size(rec);
	struct wcur w = {dst, dst_cap, 0};

	if (!body || body + SR_RECORD_HDR > dst_cap)
		return 0;
	put32(&w, (uint32_t)body);
	put16(&w, rec->type);
	put16(&w, 0);

	switch (rec->type) {
	case SR_REC_CAPTURE_HEADER: {
		const struct sr_capture_header *h = &rec->hdr;
		put64(&w, h->start_wall_ns);
		put64(&w, (uint64_t)h->boot_to_wall_ns);
		put32(&w, h->snaplen);
		put32(&w, h->flags);
		put32(&w, h->ring_size);
		put32(&w, h->ncpus);
		put_bytes(&w, h->tool_version);
		put_bytes(&w, h->hostname);
		put_bytes(&w, h->kernel_release);
		put_bytes(&w, h->allow);
		put_bytes(&w, h->env_prefix);
		put_bytes(&w, h->pids);
		put_bytes(&w, h->argv);
		put_bytes(&w, h->paths);
		break;
	}
	case SR_REC_DATA: {
		const struct sr_data *d = &rec->data;
		put64(&w, d->ts_ns);
		put32(&w, d->tgid);
		put32(&w, d->tid);
		put64(&w, d->sock_id);
		put32(&w, (uint32_t)d->fd);
		put16(&w, d->syscall);
		put8(&w, d->dir);
		put8(&w, d->family);
		put(&w, d->laddr, 16);
		put(&w, d->raddr, 16);
		put16(&w, d->lport);
		put16(&w, d->rport);
		put32(&w, d->flags);
		put32(&w, d->tcp_seq);
		put64(&w, d->bytes);
		put_comm(&w, d->comm);
		put_bytes(&w, d->payload);
		break;
	}
	case SR_REC_CONN: {
		const struct sr_conn *c = &rec->conn;
		put64(&w, c->ts_ns);
		put32(&w, c->tgid);
		put32(&w, c->tid);
		put64(&w, c->sock_id);
		put32(&w, (uint32_t)c->fd);
		put32(&w, (uint32_t)c->ret);
		put16(&w, c->syscall);
		put8(&w, c->kind);
		put8(&w, c->family);
		put(&w, c->laddr, 16);
		put(&w, c->raddr, 16);
		put16(&w, c->lport);
		put16(&w, c->rport);
		put_comm(&w, c->comm);
		break;
	}
	case SR_REC_PROCESS: {
		const struct sr_process *p = &rec->proc;
		put64(&w, p->ts_ns);
		put64(&w, p->start_ticks);
		put32(&w, p->pid);
		put32(&w, p->ppid);
		put32(&w, p->uid);
		put32(&w, p->flags);
		put_bytes(&w, p->comm);
		put_bytes(&w, p->exe);
		put_bytes(&w, p->cmdline);
		put_bytes(&w, p->environ);
		put_bytes(&w, p->cgroup);
		put_bytes(&w, p->container_id);
		put_bytes(&w, p->adi_profile);
		put_bytes(&w, p->adi_profile_name);
		put_bytes(&w, p->error);
		put32(&w, p->environ_source);
		break;
	}
	case SR_REC_CONTAINER: {
		const struct sr_container *c = &rec->ctr;
		put64(&w, c->ts_ns);
		put_bytes(&w, c->id);
		put_bytes(&w, c->runtime);
		put_bytes(&w, c->name);
		put_bytes(&w, c->image);
		put_bytes(&w, c->labels);
		put_bytes(&w, c->addrs);
		put_bytes(&w, c->doc);
		put_bytes(&w, c->error);
		break;
	}
	case SR_REC_LOSS: {
		const struct sr_loss *l = &rec->loss;
		put64(&w, l->ts_ns);
		put64(&w, l->proc_errors);
		put64(&w, l->user_dropped);
		put32(&w, l->ncpu);
		put32(&w, 0);
		put(&w, l->cpus.ptr, l->cpus.len);
		break;
	}
	case SR_REC_END: {
		const struct sr_end *e = &rec->end;
		put64(&w, e->ts_ns);
		put64(&w, e->end_wall_ns);
		put64(&w, e->records);
		put32(&w, e->reason);
		put32(&w, 0);
		break;
	}
	case SR_REC_PROC_EVENT: {
		const struct sr_proc_event *e = &rec->pev;
		put64(&w, e->ts_ns);
		put32(&w, e->pid);
		put32(&w, e->ppid);
		put32(&w, e->tid);
		put32(&w, e->kind);
		put32(&w, (uint32_t)e->exit_code);
		put32(&w, e->target);
		put_comm(&w, e->comm);
		break;
	}
	case SR_REC_TLS: {
		const struct sr_tls *t = &rec->tls;
		put64(&w, t->ts_ns);
		put32(&w, t->pid);
		put32(&w, t->status);
		put64(&w, t->inode);
		put_bytes(&w, t->library);
		put_bytes(&w, t->path);
		put_bytes(&w, t->error);
		break;
	}
	default:
		put(&w, rec->body.ptr, rec->body.len);
		break;
	}
	if (w.overflow || (size_t)(w.p - dst) != body + SR_RECORD_HDR)
		return 0;
	return body + SR_RECORD_HDR;
}

/* ---- decoding ---- */

static int get_bytes(struct cur *c, struct sr_bytes *b)
{
	uint32_t n;
	const uint8_t *p;

	if (cur_get_le32(c, &n) || cur_get_span(c, &p, n))
		return -1;
	b->ptr = p;
	b->len = n;
	return 0;
}

static int get_comm(struct cur *c, char comm[SR_COMM_LEN])
{
	if (cur_get_bytes(c, comm, SR_COMM_LEN))
		return -1;
	comm[SR_COMM_LEN - 1] = '\0';
	return 0;
}

static int get_i32(struct cur *c, int32_t *v)
{
	uint32_t u;
	if (cur_get_le32(c, &u))
		return -1;
	*v = (int32_t)u;
	return 0;
}

/* Each decoder returns 0, or the name of the field that did not fit. */
static const char *decode_header(struct cur *c, struct sr_capture_header *h)
{
	uint64_t off;
	if (cur_get_le64(c, &h->start_wall_ns) || cur_get_le64(c, &off) ||
	    cur_get_le32(c, &h->snaplen) || cur_get_le32(c, &h->flags) ||
	    cur_get_le32(c, &h->ring_size) || cur_get_le32(c, &h->ncpus))
		return "capture header fixed fields";
	h->boot_to_wall_ns = (int64_t)off;
	if (get_bytes(c, &h->tool_version) || get_bytes(c, &h->hostname) ||
	    get_bytes(c, &h->kernel_release) || get_bytes(c, &h->allow) ||
	    get_bytes(c, &h->env_prefix) || get_bytes(c, &h->pids) || get_bytes(c, &h->argv))
		return "capture header strings";
	/* added in 0.2: older archives end at argv; bytes that do not make
	 * this field are ignored, as any later bytes are */
	if (!c->left || get_bytes(c, &h->paths))
		h->paths = (struct sr_bytes){NULL, 0};
	return NULL;
}

static const char *decode_data(struct cur *c, struct sr_data *d)
{
	if (cur_get_le64(c, &d->ts_ns) || cur_get_le32(c, &d->tgid) || cur_get_le32(c, &d->tid) ||
	    cur_get_le64(c, &d->sock_id) || get_i32(c, &d->fd) || cur_get_le16(c, &d->syscall) ||
	    cur_get_u8(c, &d->dir) || cur_get_u8(c, &d->family) || cur_get_bytes(c, d->laddr, 16) ||
	    cur_get_bytes(c, d->raddr, 16) || cur_get_le16(c, &d->lport) ||
	    cur_get_le16(c, &d->rport) || cur_get_le32(c, &d->flags) ||
	    cur_get_le32(c, &d->tcp_seq) || cur_get_le64(c, &d->bytes) || get_comm(c, d->comm))
		return "data fixed fields";
	if (get_bytes(c, &d->payload))
		return "data payload";
	if (d->payload.len > SR_MAX_SNAPLEN)
		return "data payload longer than the maximum snaplen";
	if (d->payload.len > d->bytes)
		return "data payload longer than the bytes moved";
	return NULL;
}

static const char *decode_conn(struct cur *c, struct sr_conn *k)
{
	if (cur_get_le64(c, &k->ts_ns) || cur_get_le32(c, &k->tgid) || cur_get_le32(c, &k->tid) ||
	    cur_get_le64(c, &k->sock_id) || get_i32(c, &k->fd) || get_i32(c, &k->ret) ||
	    cur_get_le16(c, &k->syscall) || cur_get_u8(c, &k->kind) || cur_get_u8(c, &k->family) ||
	    cur_get_bytes(c, k->laddr, 16) || cur_get_bytes(c, k->raddr, 16) ||
	    cur_get_le16(c, &k->lport) || cur_get_le16(c, &k->rport) || get_comm(c, k->comm))
		return "connection fields";
	return NULL;
}

static const char *decode_process(struct cur *c, struct sr_process *p)
{
	if (cur_get_le64(c, &p->ts_ns) || cur_get_le64(c, &p->start_ticks) ||
	    cur_get_le32(c, &p->pid) || cur_get_le32(c, &p->ppid) || cur_get_le32(c, &p->uid) ||
	    cur_get_le32(c, &p->flags))
		return "process fixed fields";
	if (get_bytes(c, &p->comm) || get_bytes(c, &p->exe) || get_bytes(c, &p->cmdline) ||
	    get_bytes(c, &p->environ) || get_bytes(c, &p->cgroup) ||
	    get_bytes(c, &p->container_id) || get_bytes(c, &p->adi_profile) ||
	    get_bytes(c, &p->adi_profile_name) || get_bytes(c, &p->error))
		return "process strings";
	/* minor 1 appended it; a minor 0 body ends here (unknown) */
	if (cur_get_le32(c, &p->environ_source))
		p->environ_source = SR_ENV_SRC_UNKNOWN;
	return NULL;
}

static const char *decode_container(struct cur *c, struct sr_container *k)
{
	if (cur_get_le64(c, &k->ts_ns))
		return "container fixed fields";
	if (get_bytes(c, &k->id) || get_bytes(c, &k->runtime) || get_bytes(c, &k->name) ||
	    get_bytes(c, &k->image) || get_bytes(c, &k->labels) || get_bytes(c, &k->addrs) ||
	    get_bytes(c, &k->doc) || get_bytes(c, &k->error))
		return "container strings";
	return NULL;
}

static const char *decode_loss(struct cur *c, struct sr_loss *l)
{
	uint32_t reserved;
	const uint8_t *p;

	if (cur_get_le64(c, &l->ts_ns) || cur_get_le64(c, &l->proc_errors) ||
	    cur_get_le64(c, &l->user_dropped) || cur_get_le32(c, &l->ncpu) ||
	    cur_get_le32(c, &reserved))
		return "loss fixed fields";
	if (l->ncpu > SR_MAX_LOSS_CPUS)
		return "loss record with too many CPUs";
	if (cur_get_span(c, &p, (size_t)l->ncpu * LOSS_CPU_LEN))
		return "loss per-CPU entries";
	l->cpus.ptr = p;
	l->cpus.len = l->ncpu * LOSS_CPU_LEN;
	return NULL;
}

static const char *decode_end(struct cur *c, struct sr_end *e)
{
	if (cur_get_le64(c, &e->ts_ns) || cur_get_le64(c, &e->end_wall_ns) ||
	    cur_get_le64(c, &e->records) || cur_get_le32(c, &e->reason) ||
	    cur_get_le32(c, &e->reserved))
		return "end fields";
	return NULL;
}

static const char *decode_proc_event(struct cur *c, struct sr_proc_event *e)
{
	if (cur_get_le64(c, &e->ts_ns) || cur_get_le32(c, &e->pid) || cur_get_le32(c, &e->ppid) ||
	    cur_get_le32(c, &e->tid) || cur_get_le32(c, &e->kind) || get_i32(c, &e->exit_code) ||
	    cur_get_le32(c, &e->target) || get_comm(c, e->comm))
		return "process event fields";
	return NULL;
}

static const char *decode_tls(struct cur *c, struct sr_tls *t)
{
	if (cur_get_le64(c, &t->ts_ns) || cur_get_le32(c, &t->pid) || cur_get_le32(c, &t->status) ||
	    cur_get_le64(c, &t->inode) || get_bytes(c, &t->library) || get_bytes(c, &t->path) ||
	    get_bytes(c, &t->error))
		return "tls fields";
	return NULL;
}

long sr_record_decode(const uint8_t *src, size_t src_len, struct sr_record *rec, char *err,
		      size_t err_cap)
{
	struct cur c = cur_make(src, src_len), body;
	uint32_t len;
	const uint8_t *p;
	const char *bad = NULL;

	memset(rec, 0, sizeof(*rec));
	if (cur_get_le32(&c, &len) || cur_get_le16(&c, &rec->type) ||
	    cur_get_le16(&c, &rec->rflags))
		return 0;
	if (len > SR_MAX_RECORD - SR_RECORD_HDR) {
		if (err && err_cap)
			snprintf(err, err_cap, "record length %u exceeds the maximum %u", len,
				 SR_MAX_RECORD - SR_RECORD_HDR);
		return -1;
	}
	if (cur_get_span(&c, &p, len))
		return 0;
	rec->body.ptr = p;
	rec->body.len = len;
	body = cur_make(p, len);

	switch (rec->type) {
	case SR_REC_CAPTURE_HEADER:
		bad = decode_header(&body, &rec->hdr);
		break;
	case SR_REC_DATA:
		bad = decode_data(&body, &rec->data);
		break;
	case SR_REC_CONN:
		bad = decode_conn(&body, &rec->conn);
		break;
	case SR_REC_PROCESS:
		bad = decode_process(&body, &rec->proc);
		break;
	case SR_REC_CONTAINER:
		bad = decode_container(&body, &rec->ctr);
		break;
	case SR_REC_LOSS:
		bad = decode_loss(&body, &rec->loss);
		break;
	case SR_REC_END:
		bad = decode_end(&body, &rec->end);
		break;
	case SR_REC_PROC_EVENT:
		bad = decode_proc_event(&body, &rec->pev);
		break;
	case SR_REC_TLS:
		bad = decode_tls(&body, &rec->tls);
		break;
	case SR_REC_DATA_CTX:
	case SR_REC_DATA_COMPACT:
		/* they need their block's contexts: only the .srz reader reads them */
		if (err && err_cap)
			snprintf(err, err_cap, "%s record outside an .srz block",
				 sr_type_name(rec->type));
		return -1;
	default:
		break; /* unknown type: skipped by length, body kept */
	}
	if (bad) {
		if (err && err_cap)
			snprintf(err, err_cap, "%s record: %s do not fit its %u-byte body",
				 sr_type_name(rec->type), bad, len);
		return -1;
	}
	return (long)(SR_RECORD_HDR + len);
}

int sr_loss_cpu_get(const struct sr_loss *loss, uint32_t i, struct sr_loss_cpu *out)
{
	const uint8_t *p;

	if (i >= loss->ncpu || (uint64_t)(i + 1) * LOSS_CPU_LEN > loss->cpus.len)
		return -1;
	p = loss->cpus.ptr + (size_t)i * LOSS_CPU_LEN;
	out->cpu = sr_le32(p);
	out->reserved = sr_le32(p + 4);
	out->events = sr_le64(p + 8);
	out->ring_full = sr_le64(p + 16);
	out->read_fault = sr_le64(p + 24);
	out->truncated = sr_le64(p + 32);
	out->other = sr_le64(p + 40);
	return 0;
}

void sr_loss_cpu_put(const struct sr_loss_cpu *c, uint8_t dst[48])
{
	sr_put_le32(dst, c->cpu);
	sr_put_le32(dst + 4, 0);
	sr_put_le64(dst + 8, c->events);
	sr_put_le64(dst + 16, c->ring_full);
	sr_put_le64(dst + 24, c->read_fault);
	sr_put_le64(dst + 32, c->truncated);
	sr_put_le64(dst + 40, c->other);
}

const char *sr_type_name(uint16_t type)
{
	static const char *const names[] = {
	    [SR_REC_CAPTURE_HEADER] = "capture_header",
	    [SR_REC_DATA] = "data",
	    [SR_REC_CONN] = "conn",
	    [SR_REC_PROCESS] = "process",
	    [SR_REC_CONTAINER] = "container",
	    [SR_REC_LOSS] = "loss",
	    [SR_REC_END] = "end",
	    [SR_REC_PROC_EVENT] = "proc_event",
	    [SR_REC_TLS] = "tls",
	    [SR_REC_DATA_CTX] = "data_context",
	    [SR_REC_DATA_COMPACT] = "data_compact",
	};
	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "unknown";
}

const char *sr_syscall_name(uint16_t sys)
{
	static const char *const names[SR_SYS_MAX_] = {
	    [SR_SYS_READ] = "read",
	    [SR_SYS_WRITE] = "write",
	    [SR_SYS_READV] = "readv",
	    [SR_SYS_WRITEV] = "writev",
	    [SR_SYS_RECVFROM] = "recvfrom",
	    [SR_SYS_SENDTO] = "sendto",
	    [SR_SYS_RECVMSG] = "recvmsg",
	    [SR_SYS_SENDMSG] = "sendmsg",
	    [SR_SYS_SENDFILE] = "sendfile",
	    [SR_SYS_SPLICE] = "splice",
	    [SR_SYS_CONNECT] = "connect",
	    [SR_SYS_ACCEPT] = "accept",
	    [SR_SYS_ACCEPT4] = "accept4",
	    [SR_SYS_CLOSE] = "close",
	    [SR_SYS_RECVMMSG] = "recvmmsg",
	    [SR_SYS_SENDMMSG] = "sendmmsg",
	    [SR_SYS_SSL_READ] = "SSL_read",
	    [SR_SYS_SSL_WRITE] = "SSL_write",
	    [SR_SYS_SSL_READ_EX] = "SSL_read_ex",
	    [SR_SYS_SSL_WRITE_EX] = "SSL_write_ex",
	    [SR_SYS_GO_TLS_READ] = "tls.Conn.Read",
	    [SR_SYS_GO_TLS_WRITE] = "tls.Conn.Write",
	};
	if (sys < SR_SYS_MAX_ && names[sys])
		return names[sys];
	return "unknown";
}
