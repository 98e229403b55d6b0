/* dump.c - records as JSON objects, field names from format/record.h. */
#include <stdio.h>
#include <string.h>

#include "out/dump.h"

static bool printable(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return false;
		if (c == 0x7f)
			return false;
	}
	return utf8_valid(p, n);
}

static void bytes_field(struct jw *w, const char *name, struct sr_bytes b)
{
	const uint8_t *p = b.len ? b.ptr : (const uint8_t *)"";

	if (printable(p, b.len)) {
		jw_key(w, name);
		jw_strn(w, p, b.len);
	} else {
		char key[64];
		snprintf(key, sizeof(key), "%s_b64", name);
		jw_key(w, key);
		jw_b64(w, p, b.len);
	}
}

static void comm_field(struct jw *w, const char comm[SR_COMM_LEN])
{
	struct sr_bytes b = {(const uint8_t *)comm, (uint32_t)strnlen(comm, SR_COMM_LEN)};
	bytes_field(w, "comm", b);
}

static void u64_field(struct jw *w, const char *name, uint64_t v)
{
	jw_key(w, name);
	jw_u64(w, v);
}

static void i64_field(struct jw *w, const char *name, int64_t v)
{
	jw_key(w, name);
	jw_i64(w, v);
}

static void addr_field(struct jw *w, const char *name, uint8_t family, const uint8_t a[16])
{
	char ip[AN_IP_LEN];

	fmt_ip(ip, family, a);
	jw_key(w, name);
	jw_str(w, ip);
}

static void dump_hdr(struct jw *w, const struct sr_capture_header *h)
{
	u64_field(w, "start_wall_ns", h->start_wall_ns);
	i64_field(w, "boot_to_wall_ns", h->boot_to_wall_ns);
	u64_field(w, "snaplen", h->snaplen);
	u64_field(w, "flags", h->flags);
	u64_field(w, "ring_size", h->ring_size);
	u64_field(w, "ncpus", h->ncpus);
	bytes_field(w, "tool_version", h->tool_version);
	bytes_field(w, "hostname", h->hostname);
	bytes_field(w, "kernel_release", h->kernel_release);
	bytes_field(w, "allow", h->allow);
	bytes_field(w, "env_prefix", h->env_prefix);
	bytes_field(w, "pids", h->pids);
	bytes_field(w, "argv", h->argv);
	bytes_field(w, "paths", h->paths);
}

static void dump_data(struct jw *w, const struct sr_data *d)
{
	u64_field(w, "ts_ns", d->ts_ns);
	u64_field(w, "tgid", d->tgid);
	u64_field(w, "tid", d->tid);
	u64_field(w, "sock_id", d->sock_id);
	i64_field(w, "fd", d->fd);
	u64_field(w, "syscall", d->syscall);
	u64_field(w, "dir", d->dir);
	u64_field(w, "family", d->family);
	addr_field(w, "laddr", d->family, d->laddr);
	addr_field(w, "raddr", d->family, d->raddr);
	u64_field(w, "lport", d->lport);
	u64_field(w, "rport", d->rport);
	u64_field(w, "flags", d->flags);
	u64_field(w, "tcp_seq", d->tcp_seq);
	u64_field(w, "bytes", d->bytes);
	comm_field(w, d->comm);
	jw_key(w, "payload_b64");
	jw_b64(w, d->payload.len ? d->payload.ptr : (const uint8_t *)"", d->payload.len);
}

static void dump_conn(struct jw *w, const struct sr_conn *c)
{
	u64_field(w, "ts_ns", c->ts_ns);
	u64_field(w, "tgid", c->tgid);
	u64_field(w, "tid", c->tid);
	u64_field(w, "sock_id", c->sock_id);
	i64_field(w, "fd", c->fd);
	i64_field(w, "ret", c->ret);
	u64_field(w, "syscall", c->syscall);
	u64_field(w, "kind", c->kind);
	u64_field(w, "family", c->family);
	addr_field(w, "laddr", c->family, c->laddr);
	addr_field(w, "raddr", c->family, c->raddr);
	u64_field(w, "lport", c->lport);
	u64_field(w, "rport", c->rport);
	comm_field(w, c->comm);
}

static void dump_proc(struct jw *w, const struct sr_process *p)
{
	u64_field(w, "ts_ns", p->ts_ns);
	u64_field(w, "start_ticks", p->start_ticks);
	u64_field(w, "pid", p->pid);
	u64_field(w, "ppid", p->ppid);
	u64_field(w, "uid", p->uid);
	u64_field(w, "flags", p->flags);
	bytes_field(w, "comm", p->comm);
	bytes_field(w, "exe", p->exe);
	bytes_field(w, "cmdline", p->cmdline);
	bytes_field(w, "environ", p->environ);
	bytes_field(w, "cgroup", p->cgroup);
	bytes_field(w, "container_id", p->container_id);
	bytes_field(w, "adi_profile", p->adi_profile);
	bytes_field(w, "adi_profile_name", p->adi_profile_name);
	bytes_field(w, "error", p->error);
	u64_field(w, "environ_source", p->environ_source);
}

static void dump_ctr(struct jw *w, const struct sr_container *c)
{
	u64_field(w, "ts_ns", c->ts_ns);
	bytes_field(w, "id", c->id);
	bytes_field(w, "runtime", c->runtime);
	bytes_field(w, "name", c->name);
	bytes_field(w, "image", c->image);
	bytes_field(w, "labels", c->labels);
	bytes_field(w, "addrs", c->addrs);
	bytes_field(w, "doc", c->doc);
	bytes_field(w, "error", c->error);
}

static void dump_loss(struct jw *w, const struct sr_loss *l)
{
	struct sr_loss_cpu c;

	u64_field(w, "ts_ns", l->ts_ns);
	u64_field(w, "proc_errors", l->proc_errors);
	u64_field(w, "user_dropped", l->user_dropped);
	u64_field(w, "ncpu", l->ncpu);
	jw_key(w, "cpus");
	jw_arr_open(w);
	for (uint32_t i = 0; i < l->ncpu && sr_loss_cpu_get(l, i, &c) == 0; i++) {
		jw_obj_open(w);
		u64_field(w, "cpu", c.cpu);
		u64_field(w, "reserved", c.reserved);
		u64_field(w, "events", c.events);
		u64_field(w, "ring_full", c.ring_full);
		u64_field(w, "read_fault", c.read_fault);
		u64_field(w, "truncated", c.truncated);
		u64_field(w, "other", c.other);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

static void dump_end(struct jw *w, const struct sr_end *e)
{
	u64_field(w, "ts_ns", e->ts_ns);
	u64_field(w, "end_wall_ns", e->end_wall_ns);
	u64_field(w, "records", e->records);
	u64_field(w, "reason", e->reason);
	u64_field(w, "reserved", e->reserved);
}

static void dump_pev(struct jw *w, const struct sr_proc_event *e)
{
	u64_field(w, "ts_ns", e->ts_ns);
	u64_field(w, "pid", e->pid);
	u64_field(w, "ppid", e->ppid);
	u64_field(w, "tid", e->tid);
	u64_field(w, "kind", e->kind);
	i64_field(w, "exit_code", e->exit_code);
	u64_field(w, "target", e->target);
	comm_field(w, e->comm);
}

static void dump_tls(struct jw *w, const struct sr_tls *t)
{
	u64_field(w, "ts_ns", t->ts_ns);
	u64_field(w, "pid", t->pid);
	u64_field(w, "status", t->status);
	u64_field(w, "inode", t->inode);
	bytes_field(w, "library", t->library);
	bytes_field(w, "path", t->path);
	bytes_field(w, "error", t->error);
}

void dump_record(struct jw *w, const struct sr_record *rec)
{
	jw_obj_open(w);
	jw_key(w, "type");
	jw_str(w, sr_type_name(rec->type));
	switch (rec->type) {
	case SR_REC_CAPTURE_HEADER:
		dump_hdr(w, &rec->hdr);
		break;
	case SR_REC_DATA:
		dump_data(w, &rec->data);
		break;
	case SR_REC_CONN:
		dump_conn(w, &rec->conn);
		break;
	case SR_REC_PROCESS:
		dump_proc(w, &rec->proc);
		break;
	case SR_REC_CONTAINER:
		dump_ctr(w, &rec->ctr);
		break;
	case SR_REC_LOSS:
		dump_loss(w, &rec->loss);
		break;
	case SR_REC_END:
		dump_end(w, &rec->end);
		break;
	case SR_REC_PROC_EVENT:
		dump_pev(w, &rec->pev);
		break;
	case SR_REC_TLS:
		dump_tls(w, &rec->tls);
		break;
	default:
		u64_field(w, "type_id", rec->type);
		jw_key(w, "body_b64");
		jw_b64(w, rec->body.len ? rec->body.ptr : (const uint8_t *)"", rec->body.len);
		break;
	}
	jw_obj_close(w);
}
