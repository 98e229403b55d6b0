/* rset.c - the recorded set of a capture (see rset.h). */
#include <stdlib.h>
#include <string.h>

#include "base/htab.h"
#include "regress/rset.h"
#include "secret.h"

struct rset {
	struct rset_txn *t;
	size_t n, cap;
	struct rset_dep *d;
	size_t nd, capd;
	struct strmap depset; /* "from\0protocol\0to" -> (void *)1 */
	uint64_t seq, dropped;
	size_t bytes;
	bool sorted;
};

/* a transaction's messages, in the sink's txn_state slot until its txn event */
struct pending {
	struct rset_msg req, resp;
	size_t bytes; /* kept for it, counted in rset.bytes */
	bool credential;
};

struct rset *rset_create(void)
{
	return xcalloc(1, sizeof(struct rset));
}

static void msg_free(struct rset_msg *m)
{
	for (size_t i = 0; i < m->nh; i++) {
		free(m->h[i].name);
		free(m->h[i].value);
	}
	free(m->h);
	free(m->body);
	free(m->reason);
	memset(m, 0, sizeof(*m));
}

void rset_free(struct rset *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		msg_free(&s->t[i].req);
		msg_free(&s->t[i].resp);
		free(s->t[i].target);
		free(s->t[i].client);
		free(s->t[i].server);
	}
	for (size_t i = 0; i < s->nd; i++) {
		free(s->d[i].from);
		free(s->d[i].protocol);
		free(s->d[i].to);
	}
	free(s->t);
	free(s->d);
	strmap_free(&s->depset, NULL);
	free(s);
}

/* copies what a message carries; @return the bytes kept */
static size_t msg_copy(struct rset_msg *dst, const struct http_msg *m)
{
	size_t bytes = m->body_len;

	dst->seen = true;
	dst->whole = !(m->flags & (HTTP_MSG_TRUNCATED | HTTP_MSG_INCOMPLETE | HTTP_MSG_BODY_CUT |
				   HTTP_MSG_HEAD_CUT));
	dst->version_major = m->version_major;
	dst->version_minor = m->version_minor;
	dst->status = m->status;
	dst->reason = xstrndup(m->reason ? m->reason : (const uint8_t *)"", m->reason_len);
	dst->nh = m->nheaders;
	dst->h = m->nheaders ? xcalloc(m->nheaders, sizeof(*dst->h)) : NULL;
	for (size_t i = 0; i < m->nheaders; i++) {
		dst->h[i].name = xstrndup(m->headers[i].name, m->headers[i].name_len);
		dst->h[i].value = xstrndup(m->headers[i].value, m->headers[i].value_len);
		bytes += m->headers[i].name_len + m->headers[i].value_len + 2;
	}
	dst->body_len = m->body_len;
	dst->body = xmalloc(m->body_len + 1);
	if (m->body_len)
		memcpy(dst->body, m->body, m->body_len);
	dst->body[m->body_len] = 0;
	return bytes;
}

static bool has_credential(const struct http_msg *m)
{
	for (size_t i = 0; i < m->nheaders; i++)
		if (sr_secret_header((const char *)m->headers[i].name, m->headers[i].name_len))
			return true;
	return false;
}

static void dep_add(struct rset *s, const char *from, const char *protocol, const char *to)
{
	struct dbuf k = {0};
	void **slot;

	dbuf_puts(&k, from);
	dbuf_putc(&k, 0);
	dbuf_puts(&k, protocol);
	dbuf_putc(&k, 0);
	dbuf_puts(&k, to);
	slot = strmap_slot(&s->depset, k.p, k.len);
	dbuf_free(&k);
	if (*slot)
		return;
	*slot = (void *)1;
	if (s->nd == s->capd) {
		s->capd = s->capd ? s->capd * 2 : 16;
		s->d = xrealloc(s->d, size_mul(s->capd, sizeof(*s->d)));
	}
	s->d[s->nd].from = xstrdup(from);
	s->d[s->nd].protocol = xstrdup(protocol);
	s->d[s->nd].to = xstrdup(to);
	s->nd++;
	s->sorted = false;
}

/* caller and callee of a view (as the service map names them) */
static void parties(const struct an_conn_view *v, const struct an_end **caller,
		    const struct an_end **callee)
{
	bool server = v->role == AN_ROLE_SERVER;
	*caller = server ? &v->remote : &v->local;
	*callee = server ? &v->local : &v->remote;
}

static const char *name_of(const struct an_end *e)
{
	return e->name ? e->name : "unknown";
}

/* ---- the sink ---- */

struct rset_sink {
	struct an_sink sink;
	struct rset *s;
};

static void sink_http(void *ctx, const struct an_http_event *ev)
{
	const struct http_msg *m = ev->msg;
	struct pending *p;

	(void)ctx;
	if (!ev->txn_state)
		return; /* not the view that reports the transaction */
	p = *ev->txn_state;
	if (!p) {
		p = xcalloc(1, sizeof(*p));
		*ev->txn_state = p;
	}
	if (m->kind == HTTP_REQUEST && !p->req.seen) {
		p->bytes += msg_copy(&p->req, m);
		p->credential = has_credential(m);
	} else if (m->kind == HTTP_RESPONSE && (m->status >= 200 || m->status == 101) &&
		   !p->resp.seen) {
		p->bytes += msg_copy(&p->resp, m);
	}
}

static void sink_txn(void *ctx, const struct an_txn_event *ev)
{
	struct rset_sink *k = ctx;
	struct rset *s = k->s;
	struct pending *p = ev->txn_state;
	const struct an_end *caller, *callee;
	struct rset_txn *t;

	parties(ev->conn, &caller, &callee);
	dep_add(s, name_of(caller), "http", name_of(callee));
	if (!p)
		return;
	if (!p->req.seen || s->n >= RSET_MAX_TXNS || s->bytes + p->bytes > RSET_MAX_BYTES) {
		s->dropped += p->req.seen;
		msg_free(&p->req);
		msg_free(&p->resp);
		free(p);
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->t = xrealloc(s->t, size_mul(s->cap, sizeof(*s->t)));
	}
	t = &s->t[s->n++];
	memset(t, 0, sizeof(*t));
	t->seq = s->seq++;
	t->wall_ns = ev->req_wall_ns;
	str_copy(t->method, sizeof(t->method), ev->txn->method);
	t->target = xstrdup(ev->txn->target ? ev->txn->target : "");
	t->client = xstrdup(name_of(caller));
	t->server = xstrdup(name_of(callee));
	t->credential = p->credential;
	t->req = p->req;
	t->resp = p->resp;
	s->bytes += p->bytes;
	free(p);
	s->sorted = false;
}

static void sink_connection(void *ctx, const struct an_conn_event *ev)
{
	struct rset_sink *k = ctx;
	const struct an_end *caller, *callee;

	if (!ev->reports)
		return;
	parties(ev->conn, &caller, &callee);
	dep_add(k->s, name_of(caller), ev->cls->protocol[0] ? ev->cls->protocol : "unknown",
		name_of(callee));
}

static int txn_cmp(const void *a, const void *b)
{
	const struct rset_txn *x = a, *y = b;
	if (x->wall_ns != y->wall_ns)
		return x->wall_ns < y->wall_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int rset_dep_cmp(const struct rset_dep *x, const struct rset_dep *y)
{
	int r = strcmp(x->from, y->from);
	if (!r)
		r = strcmp(x->protocol, y->protocol);
	return r ? r : strcmp(x->to, y->to);
}

static int dep_cmp(const void *a, const void *b)
{
	return rset_dep_cmp(a, b);
}

static void sort_set(struct rset *s)
{
	if (s->sorted)
		return;
	sort_n(s->t, s->n, sizeof(*s->t), txn_cmp);
	sort_n(s->d, s->nd, sizeof(*s->d), dep_cmp);
	s->sorted = true;
}

static int sink_end(void *ctx, const struct an_summary *sum)
{
	struct rset_sink *k = ctx;
	(void)sum;
	sort_set(k->s);
	return 0;
}

static void sink_free(void *ctx)
{
	free(ctx);
}

struct an_sink *rset_sink(struct rset *s)
{
	struct rset_sink *k = xcalloc(1, sizeof(*k));

	k->s = s;
	k->sink = (struct an_sink){
	    .ctx = k,
	    .events = true,
	    .http = sink_http,
	    .txn = sink_txn,
	    .connection = sink_connection,
	    .end = sink_end,
	    .free = sink_free,
	};
	return &k->sink;
}

const struct rset_txn *rset_txns(const struct rset *s, size_t *n)
{
	sort_set((struct rset *)s);
	*n = s->n;
	return s->t;
}

const struct rset_dep *rset_deps(const struct rset *s, size_t *n)
{
	sort_set((struct rset *)s);
	*n = s->nd;
	return s->d;
}

uint64_t rset_dropped(const struct rset *s)
{
	return s->dropped;
}

const char *rset_header(const struct rset_msg *m, const char *name)
{
	for (size_t i = 0; i < m->nh; i++)
		if (!strcasecmp(m->h[i].name, name))
			return m->h[i].value;
	return NULL;
}
