/* test_analyze.h - hand-made archives for the analyzer's tests.
 *
 * An archive is written with the real .srz writer into a memfd and read
 * back into memory, so tests exercise exactly what the CLI reads. Helpers
 * describe connections the way the capture records them: one endpoint
 * struct per process-side socket, data records with tcp_seq kept per
 * direction.
 */
#ifndef TEST_ANALYZE_H
#define TEST_ANALYZE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "out/env.h"
#include "out/http_log.h"
#include "out/info.h"
#include "out/svcmap.h"
#include "pipeline.h"
#include "record.h"
#include "srz.h"

#define T0_WALL 1712600650000000000ll /* 2024-04-08T18:24:10Z */
#define T0_BOOT 1000000000ull	      /* boottime at T0_WALL */

struct arc {
	int fd;
	struct srz_writer *w;
	uint8_t *buf;
	size_t len;
};

static inline void arc_fail(const char *what)
{
	fprintf(stderr, "test fixture: %s failed\n", what);
	abort();
}

static inline void arc_add(struct arc *a, const struct sr_record *r)
{
	if (srz_writer_append(a->w, r))
		arc_fail("srz_writer_append");
}

static inline void arc_begin_host(struct arc *a, const char *hostname, int64_t boot_to_wall)
{
	char err[256];
	struct sr_record r;

	memset(a, 0, sizeof(*a));
	a->fd = memfd_create("arc", 0);
	if (a->fd < 0)
		arc_fail("memfd_create");
	a->w = srz_writer_create(a->fd, NULL, err, sizeof(err));
	if (!a->w)
		arc_fail(err);
	memset(&r, 0, sizeof(r));
	r.type = SR_REC_CAPTURE_HEADER;
	r.hdr.start_wall_ns = (uint64_t)T0_WALL;
	r.hdr.boot_to_wall_ns = boot_to_wall;
	r.hdr.snaplen = 16384;
	r.hdr.ncpus = 2;
	r.hdr.tool_version = sr_str("test");
	r.hdr.hostname = sr_str(hostname);
	r.hdr.kernel_release = sr_str("6.18.0");
	arc_add(a, &r);
}

static inline void arc_begin(struct arc *a)
{
	arc_begin_host(a, "testhost", T0_WALL - (int64_t)T0_BOOT);
}

/* finishes the archive (with an end record unless cut) into a->buf */
static inline void arc_finish(struct arc *a, int with_end)
{
	struct sr_record r;
	off_t n;

	if (with_end) {
		memset(&r, 0, sizeof(r));
		r.type = SR_REC_END;
		r.end.ts_ns = T0_BOOT + 900000000000ull;
		r.end.reason = SR_END_SIGNAL;
		arc_add(a, &r);
	}
	if (srz_writer_close(a->w, 0))
		arc_fail("srz_writer_close");
	n = lseek(a->fd, 0, SEEK_END);
	a->buf = malloc(n ? (size_t)n : 1);
	if (!a->buf || pread(a->fd, a->buf, (size_t)n, 0) != n)
		arc_fail("read back");
	a->len = (size_t)n;
	close(a->fd);
}

static inline void arc_free(struct arc *a)
{
	free(a->buf);
	a->buf = NULL;
}

/* one process's socket: the 4-tuple from its side, and its stream positions */
struct ep {
	uint32_t pid;
	uint64_t sock;
	int32_t fd;
	uint8_t family;
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
	uint32_t seq[2]; /* next tcp_seq per direction (send, recv) */
	const char *comm;
	int no_seq; /* write records without SR_DATA_SEQ_VALID */
};

static inline void ip4(uint8_t a[16], const char *s)
{
	unsigned x[4];
	memset(a, 0, 16);
	if (sscanf(s, "%u.%u.%u.%u", &x[0], &x[1], &x[2], &x[3]) != 4)
		arc_fail("ip4");
	for (int i = 0; i < 4; i++)
		a[i] = (uint8_t)x[i];
}

/* client and server sides of one loopback connection */
static inline void ep_pair(struct ep *cli, struct ep *srv, uint32_t cpid, uint32_t spid,
			   const char *cip, uint16_t cport, const char *sip, uint16_t sport)
{
	memset(cli, 0, sizeof(*cli));
	memset(srv, 0, sizeof(*srv));
	cli->pid = cpid;
	srv->pid = spid;
	cli->sock = 1000 + cport;
	srv->sock = 5000 + cport;
	cli->fd = 3;
	srv->fd = 7;
	cli->family = srv->family = 4;
	ip4(cli->laddr, cip);
	ip4(cli->raddr, sip);
	ip4(srv->laddr, sip);
	ip4(srv->raddr, cip);
	cli->lport = srv->rport = cport;
	cli->rport = srv->lport = sport;
	cli->seq[0] = srv->seq[1] = 100000;
	cli->seq[1] = srv->seq[0] = 900000;
	cli->comm = "client";
	srv->comm = "server";
}

/* a data record: len bytes moved, cap of them captured (cap < len: truncated) */
static inline void arc_data_cap(struct arc *a, struct ep *e, uint64_t ts, int dir, const void *p,
				size_t len, size_t cap, uint32_t extra_flags)
{
	struct sr_record r;
	int d = dir == SR_DIR_SEND ? 0 : 1;

	memset(&r, 0, sizeof(r));
	r.type = SR_REC_DATA;
	r.data.ts_ns = ts;
	r.data.tgid = e->pid;
	r.data.tid = e->pid;
	r.data.sock_id = e->sock;
	r.data.fd = e->fd;
	r.data.syscall = dir == SR_DIR_SEND ? SR_SYS_WRITE : SR_SYS_READ;
	r.data.dir = (uint8_t)dir;
	r.data.family = e->family;
	memcpy(r.data.laddr, e->laddr, 16);
	memcpy(r.data.raddr, e->raddr, 16);
	r.data.lport = e->lport;
	r.data.rport = e->rport;
	e->seq[d] += (uint32_t)len;
	r.data.tcp_seq = e->seq[d];
	r.data.flags = extra_flags | (e->no_seq ? 0 : SR_DATA_SEQ_VALID);
	if (cap < len)
		r.data.flags |= SR_DATA_TRUNCATED;
	r.data.bytes = len;
	snprintf(r.data.comm, sizeof(r.data.comm), "%s", e->comm ? e->comm : "proc");
	r.data.payload.ptr = p;
	r.data.payload.len = (uint32_t)cap;
	arc_add(a, &r);
}

static inline void arc_data(struct arc *a, struct ep *e, uint64_t ts, int dir, const void *p,
			    size_t len)
{
	arc_data_cap(a, e, ts, dir, p, len, len, 0);
}

static inline void arc_send(struct arc *a, struct ep *e, uint64_t ts, const char *s)
{
	arc_data(a, e, ts, SR_DIR_SEND, s, strlen(s));
}

static inline void arc_recv(struct arc *a, struct ep *e, uint64_t ts, const char *s)
{
	arc_data(a, e, ts, SR_DIR_RECV, s, strlen(s));
}

static inline void arc_conn(struct arc *a, struct ep *e, uint64_t ts, int kind)
{
	struct sr_record r;

	memset(&r, 0, sizeof(r));
	r.type = SR_REC_CONN;
	r.conn.ts_ns = ts;
	r.conn.tgid = e->pid;
	r.conn.tid = e->pid;
	r.conn.sock_id = e->sock;
	r.conn.fd = kind == SR_CONN_ACCEPT ? 4 : e->fd;
	r.conn.ret = kind == SR_CONN_ACCEPT ? e->fd : 0;
	r.conn.syscall = kind == SR_CONN_CONNECT  ? SR_SYS_CONNECT
			 : kind == SR_CONN_ACCEPT ? SR_SYS_ACCEPT4
						  : SR_SYS_CLOSE;
	r.conn.kind = (uint8_t)kind;
	r.conn.family = e->family;
	memcpy(r.conn.laddr, e->laddr, 16);
	memcpy(r.conn.raddr, e->raddr, 16);
	r.conn.lport = e->lport;
	r.conn.rport = e->rport;
	snprintf(r.conn.comm, sizeof(r.conn.comm), "%s", e->comm ? e->comm : "proc");
	arc_add(a, &r);
}

/* a process snapshot; env is "K=V\0K=V\0" with its length */
static inline void arc_proc(struct arc *a, uint64_t ts, uint32_t pid, const char *comm,
			    const void *cmdline, size_t cmdline_len, const void *env,
			    size_t env_len, const char *profile, const char *name,
			    const char *container_id, const char *error)
{
	struct sr_record r;

	memset(&r, 0, sizeof(r));
	r.type = SR_REC_PROCESS;
	r.proc.ts_ns = ts;
	r.proc.pid = pid;
	r.proc.ppid = 1;
	r.proc.comm = sr_str(comm);
	r.proc.exe = sr_str("/usr/bin/x");
	r.proc.cmdline.ptr = cmdline;
	r.proc.cmdline.len = (uint32_t)cmdline_len;
	r.proc.environ.ptr = env;
	r.proc.environ.len = (uint32_t)env_len;
	if (container_id)
		r.proc.container_id = sr_str(container_id);
	if (profile) {
		r.proc.flags |= SR_PROC_HAS_PROFILE | SR_PROC_TARGET_OPTIN;
		r.proc.adi_profile = sr_str(profile);
	}
	if (name) {
		r.proc.flags |= SR_PROC_HAS_NAME;
		r.proc.adi_profile_name = sr_str(name);
	}
	if (error)
		r.proc.error = sr_str(error);
	arc_add(a, &r);
}

/* a process snapshot with every field the capture can set */
struct proc_spec {
	uint64_t ts;
	uint32_t pid, ppid;
	uint32_t flags; /* SR_PROC_*; HAS_PROFILE / HAS_NAME are added for profile / name */
	const char *comm;
	const void *cmdline; /* NUL separated */
	size_t cmdline_len;
	const void *env;
	size_t env_len;
	const char *profile, *name; /* NULL: absent */
	const char *container_id;
	const char *cgroup; /* NULL: the capture could not read it */
	const char *error;
};

static inline void arc_proc_spec(struct arc *a, const struct proc_spec *s)
{
	struct sr_record r;

	memset(&r, 0, sizeof(r));
	r.type = SR_REC_PROCESS;
	r.proc.ts_ns = s->ts;
	r.proc.pid = s->pid;
	r.proc.ppid = s->ppid;
	r.proc.flags = s->flags;
	r.proc.comm = sr_str(s->comm);
	r.proc.cmdline.ptr = s->cmdline;
	r.proc.cmdline.len = (uint32_t)s->cmdline_len;
	r.proc.environ.ptr = s->env;
	r.proc.environ.len = (uint32_t)s->env_len;
	if (s->container_id)
		r.proc.container_id = sr_str(s->container_id);
	if (s->cgroup)
		r.proc.cgroup = sr_str(s->cgroup);
	if (s->profile) {
		r.proc.flags |= SR_PROC_HAS_PROFILE;
		r.proc.adi_profile = sr_str(s->profile);
	}
	if (s->name) {
		r.proc.flags |= SR_PROC_HAS_NAME;
		r.proc.adi_profile_name = sr_str(s->name);
	}
	if (s->error)
		r.proc.error = sr_str(s->error);
	arc_add(a, &r);
}

/* a fork / exec proc_event (target: nonzero for a capture target) */
static inline void arc_pev(struct arc *a, uint64_t ts, uint32_t kind, uint32_t pid, uint32_t ppid,
			   uint32_t target, const char *comm)
{
	struct sr_record r;

	memset(&r, 0, sizeof(r));
	r.type = SR_REC_PROC_EVENT;
	r.pev.ts_ns = ts;
	r.pev.pid = pid;
	r.pev.ppid = ppid;
	r.pev.tid = pid;
	r.pev.kind = kind;
	r.pev.target = target;
	snprintf(r.pev.comm, sizeof(r.pev.comm), "%s", comm ? comm : "proc");
	arc_add(a, &r);
}

static inline void arc_ctr(struct arc *a, uint64_t ts, const char *id, const char *name,
			   const char *image, const void *labels, size_t labels_len,
			   const void *addrs, size_t addrs_len)
{
	struct sr_record r;

	memset(&r, 0, sizeof(r));
	r.type = SR_REC_CONTAINER;
	r.ctr.ts_ns = ts;
	r.ctr.id = sr_str(id);
	r.ctr.runtime = sr_str("docker");
	r.ctr.name = sr_str(name);
	r.ctr.image = sr_str(image);
	r.ctr.labels.ptr = labels;
	r.ctr.labels.len = (uint32_t)labels_len;
	r.ctr.addrs.ptr = addrs;
	r.ctr.addrs.len = (uint32_t)addrs_len;
	r.ctr.doc = sr_str("{}");
	arc_add(a, &r);
}

static inline void arc_exit(struct arc *a, uint64_t ts, uint32_t pid)
{
	struct sr_record r;

	memset(&r, 0, sizeof(r));
	r.type = SR_REC_PROC_EVENT;
	r.pev.ts_ns = ts;
	r.pev.pid = pid;
	r.pev.tid = pid;
	r.pev.kind = SR_PROC_EXIT;
	arc_add(a, &r);
}

/* ---- running the analyzer into memory ---- */

struct outs {
	char *http, *env, *map, *info;
	size_t http_len, env_len, map_len, info_len;
	int rc;
};

static inline void outs_free(struct outs *o)
{
	free(o->http);
	free(o->env);
	free(o->map);
	free(o->info);
	memset(o, 0, sizeof(*o));
}

/* analyzes the archives with opts (NULL: defaults) into o */
static inline void run_analysis(const struct arc *const *arcs, size_t n,
				const struct an_opts *opts, struct outs *o)
{
	struct an_input in[8];
	struct an_opts op;
	FILE *fh, *fe, *fm, *fi;

	memset(o, 0, sizeof(*o));
	memset(in, 0, sizeof(in));
	for (size_t i = 0; i < n && i < 8; i++) {
		in[i].buf = arcs[i]->buf;
		in[i].len = arcs[i]->len;
		in[i].name = "mem";
	}
	if (opts)
		op = *opts;
	else
		an_opts_init(&op);
	fh = open_memstream(&o->http, &o->http_len);
	fe = open_memstream(&o->env, &o->env_len);
	fm = open_memstream(&o->map, &o->map_len);
	fi = open_memstream(&o->info, &o->info_len);
	op.warn = NULL;
	{
		struct an_sink *sinks[4] = {http_log_sink(fh, &op), env_sink(fe), svcmap_sink(fm),
					    info_sink(fi)};
		o->rc = an_run(in, n, &op, sinks, 4);
		for (int i = 0; i < 4; i++)
			an_sink_free(sinks[i]);
	}
	fclose(fh);
	fclose(fe);
	fclose(fm);
	fclose(fi);
}

static inline void run1(const struct arc *a, struct outs *o)
{
	const struct arc *v[1] = {a};
	run_analysis(v, 1, NULL, o);
}

/* the n-th line (0-based) of text, as a malloc'd string, or NULL */
static inline char *nth_line(const char *text, size_t n)
{
	const char *p = text;

	for (size_t i = 0; p && i < n; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p || !*p)
		return NULL;
	const char *e = strchr(p, '\n');
	size_t len = e ? (size_t)(e - p) : strlen(p);
	char *s = malloc(len + 1);
	memcpy(s, p, len);
	s[len] = 0;
	return s;
}

static inline size_t count_lines(const char *text)
{
	size_t n = 0;
	for (const char *p = text; p && *p; p++)
		if (*p == '\n')
			n++;
	return n;
}

#endif /* TEST_ANALYZE_H */
