/* http.c - incremental HTTP/1.x parser, one connection, both directions.
 *
 * Message syntax: RFC 9112 (start line 3, fields 5, obs-fold 5.2, body
 * length 6.3, chunked coding 7.1, trailers 7.1.2); semantics: RFC 9110
 * (CONNECT 9.3.6, Expect 10.1.1, 1xx 15.2, 101 15.2.2, Upgrade 7.8).
 * HTTP/2 preface: RFC 9113 3.4.
 *
 * Size (~1,500 lines): one connection state machine (start line, head,
 * body framing, chunks, trailers, 1xx, upgrades, resynchronisation after a
 * gap) whose states all work on struct http_conn; split, they would share
 * it through a header that is nothing but internals.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "proto/h2.h"
#include "proto/http.h"

enum pstate {
	P_START,      /* at a message boundary, in step */
	P_HEAD,	      /* collecting the start line and header fields */
	P_BODY_LEN,   /* Content-Length body: remaining bytes */
	P_CHUNK_SIZE, /* chunk-size line */
	P_CHUNK_DATA, /* chunk data: remaining bytes */
	P_CHUNK_CRLF, /* the CRLF after chunk data */
	P_TRAILER,    /* trailer section lines */
	P_BODY_EOF,   /* body until the connection ends */
	P_PROBE,      /* Expect: 100-continue answered: is this the body or the next request? */
	P_RESYNC,     /* out of step: looking for a start line */
	P_HOLD,	      /* after CONNECT/Upgrade request: waiting for the answer */
	P_OPAQUE,     /* parsing ended on this connection */
	P_CLOSED,     /* this direction ended */
};

struct field {
	uint32_t name_off, name_len, value_off, value_len;
};

struct fields {
	struct dbuf text; /* names and values, copied */
	struct field *f;
	size_t n, cap;
	struct http_header *view; /* pointers built at emit time */
	size_t view_cap;
};

struct dirp {
	enum pstate st;
	enum pstate probe_next; /* body state to return to from P_PROBE */
	bool in_msg;
	enum http_kind kind;
	/* head */
	struct dbuf head;
	size_t line_start; /* offset in head of the line being collected */
	bool first_done;   /* the start line is complete and valid */
	uint32_t method_off, method_len, target_off, target_len, reason_off, reason_len;
	int vmaj, vmin, status;
	struct fields hdr, trl;
	size_t trailer_bytes;
	/* body */
	uint64_t remaining;
	uint8_t crlf; /* P_CHUNK_CRLF: saw the CR */
	struct dbuf body;
	struct dbuf raw;
	struct dbuf line; /* chunk-size, trailer, resync and probe lines */
	uint64_t line_ts;
	bool cand;	 /* P_RESYNC: the line being collected may be a start line */
	bool known_only; /* P_RESYNC: accept only registered methods */
	uint64_t held;	 /* P_HOLD: bytes not parsed */
	/* message */
	uint64_t start_ts, end_ts, wire, body_total;
	uint32_t flags;
	struct http_txn *txn;
};

struct http_conn {
	const struct http_ops *ops;
	void *ctx;
	size_t body_cap, raw_cap;
	enum http_state state;
	bool opaque;
	bool finishing;
	int req_dir;
	uint64_t scanned; /* bytes searched for a first start line */
	uint64_t local_id;
	/* requests in order: a ring of qcap slots, grown by doubling up to
	 * HTTP_MAX_PIPELINE (most connections never have more than one) */
	struct http_txn **q;
	unsigned qcap;
	struct http_txn *spare; /* released, for the next request */
	unsigned qhead, qlen;
	struct dirp d[2];
	struct h2_conn *h2; /* the connection went on as HTTP/2 (proto/h2.h) */
};

/* ---- start lines ---- */

/* IANA HTTP Method Registry, sorted (bsearch) */
static const char *const methods[] = {
    "ACL",
    "BASELINE-CONTROL",
    "BIND",
    "CHECKIN",
    "CHECKOUT",
    "CONNECT",
    "COPY",
    "DELETE",
    "GET",
    "HEAD",
    "LABEL",
    "LINK",
    "LOCK",
    "MERGE",
    "MKACTIVITY",
    "MKCALENDAR",
    "MKCOL",
    "MKREDIRECTREF",
    "MKWORKSPACE",
    "MOVE",
    "OPTIONS",
    "ORDERPATCH",
    "PATCH",
    "POST",
    "PRI",
    "PROPFIND",
    "PROPPATCH",
    "PUT",
    "QUERY",
    "REBIND",
    "REPORT",
    "SEARCH",
    "TRACE",
    "UNBIND",
    "UNCHECKOUT",
    "UNLINK",
    "UNLOCK",
    "UPDATE",
    "UPDATEREDIRECTREF",
    "VERSION-CONTROL",
};

bool http_method_known(const uint8_t *m, size_t n)
{
	size_t lo = 0, hi = sizeof(methods) / sizeof(methods[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = memcmp_len(m, n, methods[mid], strlen(methods[mid]));
		if (c == 0)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/* can p[0..n) begin a request line with a registered method? */
static bool method_prefix_known(const uint8_t *p, size_t n)
{
	const uint8_t *sp = memchr(p, ' ', n);
	size_t k = sp ? (size_t)(sp - p) : n;

	if (sp)
		return http_method_known(p, k);
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strlen(methods[i]) >= k && !memcmp(methods[i], p, k))
			return true;
	return false;
}

/* RFC 9110 5.6.2 tchar, as a table: every byte of every field name and
 * method is checked */
/* clang-format off */
static const bool tchar_table[256] = {
	['a'... 'z'] = true, ['A'... 'Z'] = true, ['0'... '9'] = true,
	['!'] = true, ['#'] = true, ['$'] = true, ['%'] = true, ['&'] = true,
	['\''] = true, ['*'] = true, ['+'] = true, ['-'] = true, ['.'] = true,
	['^'] = true, ['_'] = true, ['`'] = true, ['|'] = true, ['~'] = true,
};
/* clang-format on */

static bool tchar(uint8_t c)
{
	return tchar_table[c];
}

static bool digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* matches "HTTP/D.D" at p[i..]; @return chars matched when all present,
 * -1 on mismatch, 0 when the input ends first */
static int version_at(const uint8_t *p, size_t n, size_t i, int *maj, int *min)
{
	static const char v[] = "HTTP/";
	size_t k;

	for (k = 0; k < 5; k++) {
		if (i + k >= n)
			return 0;
		if (p[i + k] != (uint8_t)v[k])
			return -1;
	}
	if (i + 5 >= n)
		return 0;
	if (!digit(p[i + 5]))
		return -1;
	if (i + 6 >= n)
		return 0;
	if (p[i + 6] != '.')
		return -1;
	if (i + 7 >= n)
		return 0;
	if (!digit(p[i + 7]))
		return -1;
	if (maj)
		*maj = p[i + 5] - '0';
	if (min)
		*min = p[i + 7] - '0';
	return 8;
}

/* end of line at i: nothing, or a lone CR */
static enum http_line line_end(const uint8_t *p, size_t n, size_t i, bool complete,
			       enum http_line ok)
{
	if (i == n)
		return complete ? ok : HTTP_LINE_MAYBE;
	if (p[i] == '\r' && i + 1 == n)
		return complete ? ok : HTTP_LINE_MAYBE;
	return HTTP_LINE_BAD;
}

enum http_line http_status_line(const uint8_t *p, size_t n, bool complete,
				struct http_start_line *out)
{
	int maj = 0, min = 0, r = version_at(p, n, 0, &maj, &min);
	size_t i = 8;

	if (r < 0)
		return HTTP_LINE_BAD;
	if (r == 0)
		return complete ? HTTP_LINE_BAD : HTTP_LINE_MAYBE;
	if (maj != 1)
		return HTTP_LINE_BAD;
	if (i == n)
		return complete ? HTTP_LINE_BAD : HTTP_LINE_MAYBE;
	if (p[i++] != ' ')
		return HTTP_LINE_BAD;
	for (int k = 0; k < 3; k++, i++) {
		if (i == n)
			return complete ? HTTP_LINE_BAD : HTTP_LINE_MAYBE;
		if (!digit(p[i]))
			return HTTP_LINE_BAD;
	}
	if (out) {
		memset(out, 0, sizeof(*out));
		out->vmaj = maj;
		out->vmin = min;
		out->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
		out->reason_off = i;
	}
	if (i == n || (p[i] == '\r' && i + 1 == n))
		return line_end(p, n, i, complete, HTTP_LINE_RESPONSE);
	if (p[i++] != ' ')
		return HTTP_LINE_BAD;
	if (out) {
		out->reason_off = i;
		out->reason_len = n - i;
	}
	/* reason-phrase = *( HTAB / SP / VCHAR / obs-text ) */
	for (; i < n; i++) {
		uint8_t c = p[i];
		if (c == '\r' && i + 1 == n)
			break;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return HTTP_LINE_BAD;
	}
	return complete ? HTTP_LINE_RESPONSE : HTTP_LINE_MAYBE;
}

enum http_line http_request_line(const uint8_t *p, size_t n, bool complete,
				 struct http_start_line *out)
{
	size_t i = 0, t0, t1;
	int maj = 0, min = 0, r;

	/* method = token (RFC 9110 9.1): any method, WebDAV and custom too */
	while (i < n && tchar(p[i]) && i <= HTTP_MAX_METHOD)
		i++;
	if (i > HTTP_MAX_METHOD)
		return HTTP_LINE_BAD;
	if (i == n)
		return complete ? HTTP_LINE_BAD : HTTP_LINE_MAYBE;
	if (i == 0 || p[i] != ' ')
		return HTTP_LINE_BAD;
	t0 = ++i;
	/* request-target: up to the next SP, no controls */
	while (i < n && p[i] > 0x20 && p[i] != 0x7f)
		i++;
	t1 = i;
	if (i == n)
		return complete ? HTTP_LINE_BAD : HTTP_LINE_MAYBE;
	if (p[i] != ' ' || t1 == t0)
		return HTTP_LINE_BAD;
	i++;
	r = version_at(p, n, i, &maj, &min);
	if (r < 0)
		return HTTP_LINE_BAD;
	if (r == 0)
		return complete ? HTTP_LINE_BAD : HTTP_LINE_MAYBE;
	i += 8;
	if (out) {
		memset(out, 0, sizeof(*out));
		out->method_len = t0 - 1;
		out->target_off = t0;
		out->target_len = t1 - t0;
		out->vmaj = maj;
		out->vmin = min;
	}
	if (maj == 2 && min == 0 && t0 == 4 && !memcmp(p, "PRI", 3) && t1 - t0 == 1 && p[t0] == '*')
		return line_end(p, n, i, complete, HTTP_LINE_H2_PREFACE);
	if (maj != 1)
		return HTTP_LINE_BAD;
	return line_end(p, n, i, complete, HTTP_LINE_REQUEST);
}

/* "HTTP/..." is a status line; a prefix of it may still be either */
static enum http_line start_line(const uint8_t *p, size_t n, bool complete,
				 struct http_start_line *out)
{
	static const char v[] = "HTTP/";
	size_t k;

	if (n == 0)
		return complete ? HTTP_LINE_BAD : HTTP_LINE_MAYBE;
	for (k = 0; k < 5 && k < n && p[k] == (uint8_t)v[k]; k++)
		;
	if (k == 5)
		return http_status_line(p, n, complete, out);
	if (k == n && !complete)
		return HTTP_LINE_MAYBE;
	return http_request_line(p, n, complete, out);
}

enum http_line http_check_line(const uint8_t *p, size_t n, bool complete)
{
	return start_line(p, n, complete, NULL);
}

/* ---- buffers ---- */

/* Between messages a connection holds no parser buffers: a process with
 * tens of thousands of idle keep-alive connections costs ~2 KiB each, not
 * ~4 KiB more of buffers kept for the next message. What a message used
 * goes back to a small pool of this thread's instead of to malloc, and the
 * next message on any of the thread's connections takes it from there
 * (malloc and free of ~11 buffers per transaction were 11 % of the
 * analyzer's instructions; glibc's tcache holds 7 per size).
 *
 * Bounded: at most POOL_PER_CLASS buffers of each power-of-two size from
 * 256 B to 4 KiB (< 64 KiB per thread); a buffer of another size, or one
 * more than a full class holds, is freed as before. Thread-local, so
 * parsers on several threads never share a pool or a lock; a thread's pool
 * is freed when the thread exits (pthread key destructor); the main
 * thread's stays reachable from its TLS until exit. */
#define POOL_MIN_SHIFT 8 /* 256 B: dbuf's first size, 16 fields */
#define POOL_CLASSES 5	 /* 256 B .. 4 KiB */
#define POOL_PER_CLASS 8

struct buf_pool {
	void *buf[POOL_CLASSES][POOL_PER_CLASS];
	unsigned n[POOL_CLASSES];
	bool registered; /* with pool_key, so that thread exit frees buf */
};

static _Thread_local struct buf_pool tl_pool;
static pthread_key_t pool_key;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

/* at thread exit (the thread's TLS is still there) */
static void pool_drain(void *arg)
{
	struct buf_pool *bp = arg;

	for (int k = 0; k < POOL_CLASSES; k++) {
		for (unsigned i = 0; i < bp->n[k]; i++)
			free(bp->buf[k][i]);
		bp->n[k] = 0;
	}
	bp->registered = false;
}

static void pool_key_init(void)
{
	if (pthread_key_create(&pool_key, pool_drain))
		xoom(); /* EAGAIN or ENOMEM: out of keys or memory */
}

static struct buf_pool *pool(void)
{
	struct buf_pool *bp = &tl_pool;

	if (__builtin_expect(!bp->registered, 0)) {
		pthread_once(&pool_once, pool_key_init);
		if (pthread_setspecific(pool_key, bp))
			xoom(); /* ENOMEM */
		bp->registered = true;
	}
	return bp;
}

/* a buffer of at least need bytes: the smallest pooled one that fits, or a
 * new one of the class size (or of need bytes, past the classes); *cap
 * gets its size */
static void *pool_get(size_t need, size_t *cap)
{
	struct buf_pool *bp = pool();
	int k = 0;

	while (k < POOL_CLASSES && ((size_t)1 << (POOL_MIN_SHIFT + k)) < need)
		k++;
	if (k == POOL_CLASSES) {
		*cap = need;
		return xmalloc(need);
	}
	for (int j = k; j < POOL_CLASSES; j++)
		if (bp->n[j]) {
			*cap = (size_t)1 << (POOL_MIN_SHIFT + j);
			return bp->buf[j][--bp->n[j]];
		}
	*cap = (size_t)1 << (POOL_MIN_SHIFT + k);
	return xmalloc(*cap);
}

/* gives back p (cap bytes, may be NULL): kept when cap is a class size and
 * its class has room */
static void pool_put(void *p, size_t cap)
{
	struct buf_pool *bp;
	int k;

	if (!p)
		return;
	bp = pool();
	k = __builtin_ctzll(cap | (1ull << 63)) - POOL_MIN_SHIFT;
	if ((cap & (cap - 1)) || k < 0 || k >= POOL_CLASSES || bp->n[k] == POOL_PER_CLASS) {
		free(p);
		return;
	}
	bp->buf[k][bp->n[k]++] = p;
}

/* dbuf_put that starts an empty buffer from the pool */
static void buf_put(struct dbuf *b, const void *src, size_t n)
{
	if (!n)
		return;
	if (!b->cap)
		b->p = pool_get(size_add(n, 1), &b->cap);
	dbuf_put(b, src, n);
}

static void buf_trim(struct dbuf *b)
{
	pool_put(b->p, b->cap);
	b->p = NULL;
	b->len = b->cap = 0;
}

static void fields_reset(struct fields *f)
{
	if (!f->f && !f->view && !f->text.p)
		return; /* a trailer section, mostly */
	buf_trim(&f->text);
	f->n = 0;
	pool_put(f->f, f->cap * sizeof(*f->f));
	pool_put(f->view, f->view_cap * sizeof(*f->view));
	f->f = NULL;
	f->view = NULL;
	f->cap = f->view_cap = 0;
}

static bool fields_add(struct fields *f, const uint8_t *name, size_t nl, const uint8_t *val,
		       size_t vl)
{
	if (f->n == HTTP_MAX_HEADERS)
		return false;
	if (!f->cap) {
		size_t bytes;
		f->f = pool_get(16 * sizeof(*f->f), &bytes);
		f->cap = bytes / sizeof(*f->f);
	} else if (f->n == f->cap) {
		f->cap *= 2;
		f->f = xrealloc(f->f, size_mul(f->cap, sizeof(*f->f)));
	}
	f->f[f->n].name_off = (uint32_t)f->text.len;
	f->f[f->n].name_len = (uint32_t)nl;
	buf_put(&f->text, name, nl);
	f->f[f->n].value_off = (uint32_t)f->text.len;
	f->f[f->n].value_len = (uint32_t)vl;
	buf_put(&f->text, val, vl);
	f->n++;
	return true;
}

/* obs-fold: the continuation joins the last value with one space */
static void fields_fold(struct fields *f, const uint8_t *val, size_t vl)
{
	if (!f->n || !vl)
		return;
	dbuf_putc(&f->text, ' ');
	dbuf_put(&f->text, val, vl);
	f->f[f->n - 1].value_len += (uint32_t)(vl + 1);
}

static const struct http_header *fields_view(struct fields *f)
{
	if (!f->n)
		return NULL;
	if (!f->view) {
		size_t bytes;
		f->view = pool_get(size_mul(f->cap, sizeof(*f->view)), &bytes);
		f->view_cap = bytes / sizeof(*f->view);
	} else if (f->view_cap < f->n) {
		f->view_cap = f->cap;
		f->view = xrealloc(f->view, size_mul(f->view_cap, sizeof(*f->view)));
	}
	for (size_t i = 0; i < f->n; i++) {
		f->view[i].name = f->text.p + f->f[i].name_off;
		f->view[i].name_len = f->f[i].name_len;
		f->view[i].value = f->text.p + f->f[i].value_off;
		f->view[i].value_len = f->f[i].value_len;
	}
	return f->view;
}

static bool is_ws(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* one field line (no LF, CR stripped) into f; @return false if cut */
static bool field_line(struct fields *f, const uint8_t *p, size_t n)
{
	const uint8_t *colon;
	size_t nl, a, b;

	if (n && is_ws(p[0])) {
		for (a = 0; a < n && is_ws(p[a]); a++)
			;
		for (b = n; b > a && is_ws(p[b - 1]); b--)
			;
		fields_fold(f, p + a, b - a);
		return true;
	}
	colon = n ? memchr(p, ':', n) : NULL;
	if (!colon || colon == p)
		return true; /* not a field line: ignored */
	nl = (size_t)(colon - p);
	while (nl && is_ws(p[nl - 1]))
		nl--;
	/* field-name = token (RFC 9110 5.1); anything else is not a field */
	if (!nl)
		return true;
	for (a = 0; a < nl; a++)
		if (!tchar(p[a]))
			return true;
	a = (size_t)(colon - p) + 1;
	while (a < n && is_ws(p[a]))
		a++;
	for (b = n; b > a && is_ws(p[b - 1]); b--)
		;
	return fields_add(f, p, nl, p + a, b - a);
}

/* ---- transactions ---- */

static struct http_txn *q_at(struct http_conn *c, unsigned i)
{
	return c->q[(c->qhead + i) % c->qcap];
}

static void q_grow(struct http_conn *c)
{
	unsigned cap = c->qcap ? c->qcap * 2 : 2;
	struct http_txn **q = xcalloc(cap, sizeof(*q));

	for (unsigned i = 0; i < c->qlen; i++)
		q[i] = q_at(c, i);
	free(c->q);
	c->q = q;
	c->qcap = cap;
	c->qhead = 0;
}

static void txn_release(struct http_conn *c, struct http_txn *t)
{
	for (int i = 0; i < 2; i++)
		if (c->d[i].txn == t)
			c->d[i].txn = NULL;
	if (c->ops->txn_done)
		c->ops->txn_done(c->ctx, t);
	if (!c->spare && t->target && strlen(t->target) < HTTP_KEEP_TARGET) {
		c->spare = t; /* the next request's, with its target buffer */
		return;
	}
	free(t->target);
	free(t);
}

static void q_pop(struct http_conn *c)
{
	struct http_txn *t = c->q[c->qhead];

	c->q[c->qhead] = NULL;
	c->qhead = (c->qhead + 1) % c->qcap;
	c->qlen--;
	txn_release(c, t);
}

static void q_retire(struct http_conn *c)
{
	while (c->qlen && q_at(c, 0)->req_done && q_at(c, 0)->resp_done)
		q_pop(c);
}

static struct http_txn *q_push(struct http_conn *c, int dir)
{
	struct http_txn *t = c->spare;

	if (t) {
		char *target = t->target; /* kept: HTTP_KEEP_TARGET bytes */
		c->spare = NULL;
		memset(t, 0, sizeof(*t));
		t->target = target;
	} else {
		t = xcalloc(1, sizeof(*t));
	}

	if (c->qlen == HTTP_MAX_PIPELINE)
		q_pop(c); /* the oldest never got an answer we could pair */
	if (c->qlen == c->qcap)
		q_grow(c);
	t->id = c->ops->next_txn_id ? c->ops->next_txn_id(c->ctx) : ++c->local_id;
	t->req_dir = dir;
	c->q[(c->qhead + c->qlen) % c->qcap] = t;
	c->qlen++;
	return t;
}

/* the oldest request without a final response */
static struct http_txn *q_unanswered(struct http_conn *c)
{
	for (unsigned i = 0; i < c->qlen; i++)
		if (!q_at(c, i)->status)
			return q_at(c, i);
	return NULL;
}

/* ---- messages ---- */

static void msg_reset(struct dirp *d)
{
	d->in_msg = false;
	buf_trim(&d->head);
	d->line_start = 0;
	d->first_done = false;
	fields_reset(&d->hdr);
	fields_reset(&d->trl);
	d->trailer_bytes = 0;
	d->remaining = 0;
	d->crlf = 0;
	buf_trim(&d->body);
	buf_trim(&d->raw);
	d->wire = d->body_total = 0;
	d->flags = 0;
	d->status = 0;
	d->txn = NULL;
}

static void msg_begin(struct dirp *d, uint64_t ts)
{
	msg_reset(d);
	d->in_msg = true;
	d->start_ts = d->end_ts = ts;
}

/* bytes that belong to the message on the wire */
static void msg_bytes(struct http_conn *c, struct dirp *d, const uint8_t *p, size_t n, uint64_t ts)
{
	d->wire += n;
	d->end_ts = ts;
	if (d->raw.len < c->raw_cap) {
		size_t k = c->raw_cap - d->raw.len;
		buf_put(&d->raw, p, n < k ? n : k);
	}
}

static void body_bytes(struct http_conn *c, struct dirp *d, const uint8_t *p, size_t n)
{
	d->body_total += n;
	if (d->body.len < c->body_cap) {
		size_t k = c->body_cap - d->body.len;
		if (n > k)
			d->flags |= HTTP_MSG_BODY_CUT;
		buf_put(&d->body, p, n < k ? n : k);
	} else if (n) {
		d->flags |= HTTP_MSG_BODY_CUT;
	}
}

static void set_opaque(struct http_conn *c)
{
	c->opaque = true;
	for (int i = 0; i < 2; i++)
		if (c->d[i].st != P_CLOSED)
			c->d[i].st = P_OPAQUE;
}

/* the connection goes on as HTTP/2: what follows in P_OPAQUE goes to it;
 * line_read: the preface's first line was read here, it is given again */
static void h2_begin(struct http_conn *c, enum h2_start how, int req_dir, const struct http_txn *up,
		     bool line_read)
{
	struct http_limits lim = {c->body_cap, c->raw_cap};

	if (c->h2)
		return;
	c->h2 = h2_conn_create(c->ops, c->ctx, &lim, how, req_dir, up);
	if (line_read)
		h2_conn_data(c->h2, req_dir, (const uint8_t *)"PRI * HTTP/2.0\r\n", 16,
			     c->d[req_dir].start_ts);
}

static void emit(struct http_conn *c, int dir, uint32_t extra)
{
	struct dirp *d = &c->d[dir];
	struct http_txn *t = d->txn;
	struct http_msg m;
	bool final;

	memset(&m, 0, sizeof(m));
	d->flags |= extra;
	m.kind = d->kind;
	m.dir = dir;
	m.start_ts = d->start_ts;
	m.end_ts = d->end_ts;
	m.wire_bytes = d->wire;
	m.version_major = d->vmaj;
	m.version_minor = d->vmin;
	if (d->kind == HTTP_REQUEST) {
		m.method = d->head.p + d->method_off;
		m.method_len = d->method_len;
		m.target = d->head.p + d->target_off;
		m.target_len = d->target_len;
	} else {
		m.status = d->status;
		m.reason = d->head.p + d->reason_off;
		m.reason_len = d->reason_len;
	}
	m.headers = fields_view(&d->hdr);
	m.nheaders = d->hdr.n;
	m.trailers = fields_view(&d->trl);
	m.ntrailers = d->trl.n;
	m.body = d->body.len ? d->body.p : (const uint8_t *)"";
	m.body_len = d->body.len;
	m.body_total = d->body_total;
	m.raw = d->raw.len ? d->raw.p : (const uint8_t *)"";
	m.raw_len = d->raw.len;
	m.flags = d->flags;
	m.txn = t;
	final = d->kind == HTTP_RESPONSE && (d->status >= 200 || d->status == 101);

	if (t && d->kind == HTTP_REQUEST)
		t->req_end_ts = d->end_ts;
	if (t && final)
		t->resp_end_ts = d->end_ts;
	c->ops->message(c->ctx, &m);
	if (d->kind == HTTP_RESPONSE && d->status == 101 && h2_upgrade_h2c(m.headers, m.nheaders))
		h2_begin(c, H2_UPGRADE, t ? t->req_dir : 1 - dir, t, false);

	d->st = P_START;
	if (t && d->kind == HTTP_REQUEST) {
		t->req_done = true;
		if ((t->is_connect || t->upgrade) && !t->status)
			d->st = P_HOLD; /* what follows depends on the answer */
		d->held = 0;
	}
	if (t && final) {
		struct dirp *rq = &c->d[t->req_dir];
		t->resp_done = true;
		if (d->status == 101 || (t->is_connect && d->status >= 200 && d->status < 300)) {
			set_opaque(c);
		} else if (rq->st == P_HOLD && rq->txn == NULL) {
			rq->st = rq->held ? P_RESYNC : P_START;
			rq->cand = false;
			rq->known_only = true;
		}
	} else if (!t && d->kind == HTTP_RESPONSE && d->status == 101) {
		set_opaque(c);
	}
	if (d->st == P_START && (d->flags & HTTP_MSG_INCOMPLETE)) {
		/* the end of this message was not seen: find the next one */
		d->st = P_RESYNC;
		d->cand = false;
		d->known_only = true;
	}
	msg_reset(d);
	q_retire(c);
}

/* value of a field as a number; @return false if not a plain decimal */
static bool parse_u64(const uint8_t *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!digit(p[i]) || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = v;
	return true;
}

/* Content-Length: a list of identical values is one value (RFC 9110 8.6) */
static bool parse_cl(const uint8_t *p, size_t n, uint64_t *out)
{
	bool have = false;
	size_t i = 0;

	while (i <= n) {
		size_t j = i, a, b;
		uint64_t v;
		while (j < n && p[j] != ',')
			j++;
		for (a = i; a < j && is_ws(p[a]); a++)
			;
		for (b = j; b > a && is_ws(p[b - 1]); b--)
			;
		if (!parse_u64(p + a, b - a, &v) || (have && v != *out))
			return false;
		*out = v;
		have = true;
		i = j + 1;
	}
	return have;
}

/* the last transfer coding of a Transfer-Encoding value */
static bool te_chunked_last(const uint8_t *p, size_t n)
{
	size_t b = n, a;

	while (b && (is_ws(p[b - 1]) || p[b - 1] == ','))
		b--;
	a = b;
	while (a && p[a - 1] != ',')
		a--;
	while (a < b && is_ws(p[a]))
		a++;
	/* transfer-parameters (";q=...") are not allowed on chunked */
	return ieq(p + a, b - a, "chunked");
}

struct framing {
	bool cl_ok, cl_bad, te, chunked, expect, upgrade;
	uint64_t cl;
};

static void framing_of(struct dirp *d, struct framing *fr)
{
	memset(fr, 0, sizeof(*fr));
	for (size_t i = 0; i < d->hdr.n; i++) {
		const struct field *f = &d->hdr.f[i];
		const uint8_t *name = d->hdr.text.p + f->name_off;
		const uint8_t *val = d->hdr.text.p + f->value_off;
		uint64_t v = 0;

		/* by length first: most fields are none of these */
		if (f->name_len == 14 && ieq(name, f->name_len, "content-length")) {
			if (!parse_cl(val, f->value_len, &v) || (fr->cl_ok && v != fr->cl))
				fr->cl_bad = true;
			else
				fr->cl_ok = true, fr->cl = v;
		} else if (f->name_len == 17 && ieq(name, f->name_len, "transfer-encoding")) {
			fr->te = true;
			fr->chunked = te_chunked_last(val, f->value_len);
		} else if (f->name_len == 6 && ieq(name, f->name_len, "expect")) {
			fr->expect = icontains(val, f->value_len, "100-continue");
		} else if (f->name_len == 7 && ieq(name, f->name_len, "upgrade")) {
			fr->upgrade = f->value_len > 0;
		}
	}
}

/* Parses the field lines of the head collected so far (whole lines only). */
static void parse_fields(struct dirp *d, size_t from)
{
	const uint8_t *p = d->head.p;
	size_t n = d->head.len, i = from;

	while (i < n) {
		const uint8_t *lf = memchr(p + i, '\n', n - i);
		size_t e;
		if (!lf)
			break;
		e = (size_t)(lf - p);
		size_t le = e > i && p[e - 1] == '\r' ? e - 1 : e;
		if (le == i)
			break;
		if (!field_line(&d->hdr, p + i, le - i))
			d->flags |= HTTP_MSG_HEAD_CUT;
		i = e + 1;
	}
}

/* offset just past the start line in head */
static size_t first_line_len(const struct dirp *d)
{
	const uint8_t *lf = memchr(d->head.p, '\n', d->head.len);
	return lf ? (size_t)(lf - d->head.p) + 1 : d->head.len;
}

/* The head is complete (or given up when partial): fields, pairing, and
 * what comes next. */
static void head_done(struct http_conn *c, int dir, bool partial)
{
	struct dirp *d = &c->d[dir];
	struct framing fr;
	struct http_txn *t = NULL;

	parse_fields(d, first_line_len(d));
	framing_of(d, &fr);

	if (d->kind == HTTP_REQUEST) {
		const uint8_t *m = d->head.p + d->method_off;
		t = q_push(c, dir);
		memcpy(t->method, m, d->method_len);
		t->method[d->method_len] = 0;
		if (!t->target || d->target_len >= HTTP_KEEP_TARGET) {
			free(t->target);
			t->target =
			    xmalloc(d->target_len < HTTP_KEEP_TARGET ? HTTP_KEEP_TARGET
								     : size_add(d->target_len, 1));
		}
		memcpy(t->target, d->head.p + d->target_off, d->target_len);
		t->target[d->target_len] = 0;
		t->req_start_ts = d->start_ts;
		t->is_head = !strcmp(t->method, "HEAD");
		t->is_connect = !strcmp(t->method, "CONNECT");
		t->upgrade = fr.upgrade;
		t->expect_continue = fr.expect;
		d->txn = t;
	} else {
		t = q_unanswered(c);
		d->txn = t;
		if (t && (d->status >= 200 || d->status == 101)) {
			t->status = d->status;
			t->resp_start_ts = d->start_ts;
			/* a final answer to an Expect: 100-continue request whose
			 * body has not started: the client may skip the body */
			struct dirp *rq = &c->d[t->req_dir];
			if (t->expect_continue && rq->txn == t && rq->in_msg &&
			    rq->body_total == 0 && rq->line.len == 0 &&
			    (rq->st == P_BODY_LEN || rq->st == P_CHUNK_SIZE)) {
				rq->probe_next = rq->st;
				rq->st = P_PROBE;
			}
		}
	}
	if (partial) {
		emit(c, dir, HTTP_MSG_INCOMPLETE);
		return;
	}

	if (d->kind == HTTP_REQUEST) {
		if (fr.te && fr.chunked) {
			d->flags |= HTTP_MSG_CHUNKED;
			d->st = P_CHUNK_SIZE;
		} else if (fr.te) {
			d->flags |= HTTP_MSG_UNTIL_CLOSE;
			d->st = P_BODY_EOF; /* RFC 9112 6.3 (4): unknown coding */
		} else if (fr.cl_ok && fr.cl > 0) {
			d->remaining = fr.cl;
			d->st = P_BODY_LEN;
		} else {
			emit(c, dir, 0);
			return;
		}
		d->line.len = 0;
		/* the answer may already be there (server answered before the headers were
		 * all read): the body may never come */
		if (t->expect_continue && t->status >= 200) {
			d->probe_next = d->st;
			d->st = P_PROBE;
		}
		return;
	}

	/* response: RFC 9112 6.3 */
	if ((t && t->is_head) || (d->status >= 100 && d->status < 200) || d->status == 204 ||
	    d->status == 304 || (t && t->is_connect && d->status >= 200 && d->status < 300)) {
		emit(c, dir, 0);
	} else if (fr.te && fr.chunked) {
		d->flags |= HTTP_MSG_CHUNKED;
		d->st = P_CHUNK_SIZE;
		d->line.len = 0;
	} else if (fr.te || !fr.cl_ok) {
		d->flags |= HTTP_MSG_UNTIL_CLOSE;
		d->st = P_BODY_EOF;
	} else if (fr.cl > 0) {
		d->remaining = fr.cl;
		d->st = P_BODY_LEN;
	} else {
		emit(c, dir, 0);
		return;
	}
}

/* The start line at the beginning of head is complete: accept or reject. */
static void first_line(struct http_conn *c, int dir, size_t len)
{
	struct dirp *d = &c->d[dir];
	const uint8_t *p = d->head.p;
	size_t n = len;
	struct http_start_line sl;
	enum http_line k;

	if (n && p[n - 1] == '\r')
		n--;
	k = start_line(p, n, true, &sl);
	if (k == HTTP_LINE_H2_PREFACE) {
		if (c->state == HTTP_UNDECIDED)
			c->state = HTTP_H2;
		set_opaque(c);
		msg_reset(d);
		h2_begin(c, H2_PRIOR, dir, NULL, true);
		return;
	}
	if (k == HTTP_LINE_REQUEST || k == HTTP_LINE_RESPONSE) {
		int rq = k == HTTP_LINE_REQUEST ? dir : 1 - dir;
		if (c->req_dir >= 0 && c->req_dir != rq)
			k = HTTP_LINE_BAD; /* a request where answers travel */
		else
			c->req_dir = rq;
	}
	if (k != HTTP_LINE_REQUEST && k != HTTP_LINE_RESPONSE) {
		if (c->state == HTTP_UNDECIDED) {
			c->state = HTTP_NOT;
			set_opaque(c);
		} else {
			d->st = P_RESYNC;
			d->cand = false;
			d->known_only = true;
		}
		msg_reset(d);
		return;
	}
	c->state = HTTP_YES;
	d->kind = k == HTTP_LINE_REQUEST ? HTTP_REQUEST : HTTP_RESPONSE;
	d->first_done = true;
	d->vmaj = sl.vmaj;
	d->vmin = sl.vmin;
	if (d->kind == HTTP_REQUEST) {
		d->method_off = 0;
		d->method_len = (uint32_t)sl.method_len;
		d->target_off = (uint32_t)sl.target_off;
		d->target_len = (uint32_t)sl.target_len;
	} else {
		d->status = sl.status;
		d->reason_off = (uint32_t)sl.reason_off;
		d->reason_len = (uint32_t)sl.reason_len;
	}
}

/* ---- state handlers: each consumes > 0 bytes or changes state ---- */

static size_t st_start(struct http_conn *c, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	struct dirp *d = &c->d[dir];
	size_t i = 0;

	(void)c;
	/* RFC 9112 2.2: empty lines before a request-line are ignored */
	while (i < n && (p[i] == '\r' || p[i] == '\n'))
		i++;
	if (i < n) {
		msg_begin(d, ts);
		d->st = P_HEAD;
	}
	return i;
}

static void head_too_big(struct http_conn *c, int dir)
{
	struct dirp *d = &c->d[dir];

	if (d->first_done) {
		d->head.len = d->line_start; /* keep whole lines only */
		head_done(c, dir, true);
	} else {
		msg_reset(d);
	}
	if (c->state == HTTP_UNDECIDED) {
		c->state = HTTP_NOT;
		set_opaque(c);
		return;
	}
	if (d->st != P_OPAQUE) {
		d->st = P_RESYNC;
		d->cand = false;
		d->known_only = true;
	}
}

static size_t st_head(struct http_conn *c, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	struct dirp *d = &c->d[dir];
	const uint8_t *lf = memchr(p, '\n', n);
	size_t k = lf ? (size_t)(lf - p) + 1 : n;
	size_t len;

	if (d->head.len + k > HTTP_MAX_HEAD_BYTES) {
		head_too_big(c, dir);
		return k;
	}
	buf_put(&d->head, p, k);
	msg_bytes(c, d, p, k, ts);
	if (!lf) {
		if (!d->first_done &&
		    http_check_line(d->head.p, d->head.len, false) == HTTP_LINE_BAD)
			first_line(c, dir, d->head.len); /* rejects */
		return k;
	}
	len = d->head.len - d->line_start; /* this line, with its LF */
	if (!d->first_done) {
		first_line(c, dir, len - 1);
		d->line_start = d->head.len;
		if (d->st == P_RESYNC)
			d->cand = true; /* the next line may start a message */
		return k;
	}
	if (len == 1 || (len == 2 && d->head.p[d->line_start] == '\r')) {
		head_done(c, dir, false);
		return k;
	}
	d->line_start = d->head.len;
	return k;
}

static size_t st_body_len(struct http_conn *c, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	struct dirp *d = &c->d[dir];
	size_t k = n < d->remaining ? n : (size_t)d->remaining;

	msg_bytes(c, d, p, k, ts);
	body_bytes(c, d, p, k);
	d->remaining -= k;
	if (d->remaining == 0) {
		if (d->st == P_BODY_LEN)
			emit(c, dir, 0);
		else
			d->st = P_CHUNK_CRLF;
	}
	return k;
}

/* collects one line into d->line; @return bytes used, *done when the LF came */
static size_t take_line(struct dirp *d, const uint8_t *p, size_t n, bool *done, bool *overflow)
{
	const uint8_t *lf = memchr(p, '\n', n);
	size_t k = lf ? (size_t)(lf - p) + 1 : n;

	*done = lf != NULL;
	*overflow = d->line.len + k > HTTP_MAX_LINE;
	if (!*overflow)
		dbuf_put(&d->line, p, k);
	return k;
}

static size_t line_len(const struct dirp *d)
{
	size_t n = d->line.len;
	if (n && d->line.p[n - 1] == '\n')
		n--;
	if (n && d->line.p[n - 1] == '\r')
		n--;
	return n;
}

static void framing_error(struct http_conn *c, int dir)
{
	emit(c, dir, HTTP_MSG_INCOMPLETE);
}

static size_t st_chunk_size(struct http_conn *c, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	struct dirp *d = &c->d[dir];
	bool done, over;
	size_t k = take_line(d, p, n, &done, &over), i, len;
	uint64_t v = 0;

	msg_bytes(c, d, p, k, ts);
	if (over) {
		d->line.len = 0;
		framing_error(c, dir);
		return k;
	}
	if (!done)
		return k;
	len = line_len(d);
	for (i = 0; i < len; i++) {
		uint8_t ch = d->line.p[i];
		int x = digit(ch)		   ? ch - '0'
			: (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10
			: (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10
						   : -1;
		if (x < 0)
			break;
		if (v >> 56) {
			i = 0; /* absurd size */
			break;
		}
		v = v << 4 | (uint64_t)x;
	}
	/* chunk-size [ BWS ";" chunk-ext ] */
	if (i == 0 || (i < len && !is_ws(d->line.p[i]) && d->line.p[i] != ';')) {
		d->line.len = 0;
		framing_error(c, dir);
		return k;
	}
	d->line.len = 0;
	if (v == 0) {
		d->st = P_TRAILER;
	} else {
		d->remaining = v;
		d->st = P_CHUNK_DATA;
	}
	return k;
}

static size_t st_chunk_crlf(struct http_conn *c, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	struct dirp *d = &c->d[dir];

	(void)n;
	if (p[0] == '\r' && !d->crlf) {
		d->crlf = 1;
		msg_bytes(c, d, p, 1, ts);
		return 1;
	}
	if (p[0] == '\n') {
		d->crlf = 0;
		msg_bytes(c, d, p, 1, ts);
		d->st = P_CHUNK_SIZE;
		return 1;
	}
	d->crlf = 0;
	framing_error(c, dir);
	return 0;
}

static size_t st_trailer(struct http_conn *c, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	struct dirp *d = &c->d[dir];
	bool done, over;
	size_t k = take_line(d, p, n, &done, &over), len;

	msg_bytes(c, d, p, k, ts);
	if (over) {
		d->line.len = 0;
		framing_error(c, dir);
		return k;
	}
	if (!done)
		return k;
	len = line_len(d);
	if (len == 0) {
		d->line.len = 0;
		emit(c, dir, 0);
		return k;
	}
	if (d->trailer_bytes + len > HTTP_MAX_TRAILER_BYTES || !field_line(&d->trl, d->line.p, len))
		d->flags |= HTTP_MSG_HEAD_CUT;
	else
		d->trailer_bytes += len;
	d->line.len = 0;
	return k;
}

static size_t st_body_eof(struct http_conn *c, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	struct dirp *d = &c->d[dir];

	msg_bytes(c, d, p, n, ts);
	body_bytes(c, d, p, n);
	return n;
}

static void feed(struct http_conn *c, int dir, const uint8_t *p, size_t n, uint64_t ts);

/* Expect: 100-continue answered before the body: the next bytes are the
 * body, or the next request (RFC 9110 10.1.1). */
static size_t st_probe(struct http_conn *c, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	struct dirp *d = &c->d[dir];
	bool done, over;
	size_t k = take_line(d, p, n, &done, &over), len;
	enum http_line kind;
	uint8_t *copy;

	len = over ? 0 : line_len(d);
	kind = over ? HTTP_LINE_BAD : http_check_line(d->line.p, len, done);
	/* only a registered method can start the next request here */
	if (kind == HTTP_LINE_MAYBE && !method_prefix_known(d->line.p, len))
		kind = HTTP_LINE_BAD;
	/* body bytes that happen to run into the next request line ("dataGET /
	 * HTTP/1.1") must not pass for a request: registered methods only */
	if (kind == HTTP_LINE_REQUEST &&
	    !http_method_known(d->line.p,
			       (size_t)((uint8_t *)memchr(d->line.p, ' ', len) - d->line.p)))
		kind = HTTP_LINE_BAD;
	if (kind == HTTP_LINE_MAYBE)
		return k;
	/* decided: replay what was collected (or this piece, when it overflowed) */
	if (over) {
		copy = xmalloc(d->line.len + k);
		memcpy(copy, d->line.p, d->line.len);
		memcpy(copy + d->line.len, p, k);
		len = d->line.len + k;
	} else {
		len = d->line.len;
		copy = xmalloc(len);
		memcpy(copy, d->line.p, len);
	}
	d->line.len = 0;
	if (kind == HTTP_LINE_REQUEST) {
		emit(c, dir, HTTP_MSG_NO_BODY_SENT);
	} else {
		d->st = d->probe_next;
	}
	feed(c, dir, copy, len, ts);
	free(copy);
	return k;
}

static size_t st_resync(struct http_conn *c, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	struct dirp *d = &c->d[dir];
	const uint8_t *lf;
	size_t k, len;
	bool done, over;
	enum http_line kind;

	if (!d->cand) {
		lf = memchr(p, '\n', n);
		if (!lf)
			return n;
		d->cand = true;
		d->line.len = 0;
		return (size_t)(lf - p) + 1;
	}
	if (d->line.len == 0) {
		/* empty lines between messages */
		size_t i = 0;
		while (i < n && (p[i] == '\r' || p[i] == '\n'))
			i++;
		if (i)
			return i;
		d->line_ts = ts;
	}
	k = take_line(d, p, n, &done, &over);
	if (over) {
		d->cand = done;
		d->line.len = 0;
		return k;
	}
	len = line_len(d);
	kind = http_check_line(d->line.p, len, done);
	if (kind == HTTP_LINE_MAYBE)
		return k;
	if (kind == HTTP_LINE_REQUEST || kind == HTTP_LINE_RESPONSE) {
		int rq = kind == HTTP_LINE_REQUEST ? dir : 1 - dir;
		bool method_ok =
		    kind == HTTP_LINE_RESPONSE || !d->known_only ||
		    http_method_known(d->line.p,
				      (size_t)((uint8_t *)memchr(d->line.p, ' ', len) - d->line.p));
		if ((c->req_dir < 0 || c->req_dir == rq) && method_ok) {
			uint8_t *copy = xmalloc(d->line.len);
			size_t cl = d->line.len;
			memcpy(copy, d->line.p, cl);
			d->line.len = 0;
			msg_begin(d, d->line_ts);
			d->st = P_HEAD;
			buf_put(&d->head, copy, cl);
			msg_bytes(c, d, copy, cl, ts);
			d->start_ts = d->line_ts;
			free(copy);
			first_line(c, dir, cl - 1);
			d->line_start = d->head.len;
			return k;
		}
	} else if (kind == HTTP_LINE_H2_PREFACE && c->state == HTTP_UNDECIDED) {
		c->state = HTTP_H2;
		set_opaque(c);
		h2_begin(c, H2_PRIOR, dir, NULL, true);
		return k;
	}
	/* not a start line: the line after it may be */
	d->cand = done;
	d->line.len = 0;
	return k;
}

static void feed(struct http_conn *c, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	struct dirp *d = &c->d[dir];

	while (n > 0) {
		size_t k = 0;
		switch (d->st) {
		case P_START:
			k = st_start(c, dir, p, n, ts);
			break;
		case P_HEAD:
			k = st_head(c, dir, p, n, ts);
			break;
		case P_BODY_LEN:
		case P_CHUNK_DATA:
			k = st_body_len(c, dir, p, n, ts);
			break;
		case P_CHUNK_SIZE:
			k = st_chunk_size(c, dir, p, n, ts);
			break;
		case P_CHUNK_CRLF:
			k = st_chunk_crlf(c, dir, p, n, ts);
			break;
		case P_TRAILER:
			k = st_trailer(c, dir, p, n, ts);
			break;
		case P_BODY_EOF:
			k = st_body_eof(c, dir, p, n, ts);
			break;
		case P_PROBE:
			k = st_probe(c, dir, p, n, ts);
			break;
		case P_RESYNC:
			k = st_resync(c, dir, p, n, ts);
			if (c->state == HTTP_UNDECIDED) {
				c->scanned += k;
				if (c->scanned > HTTP_RESYNC_BUDGET) {
					c->state = HTTP_NOT;
					set_opaque(c);
				}
			}
			break;
		case P_HOLD:
			d->held += n;
			k = n;
			break;
		case P_OPAQUE:
			if (c->h2)
				h2_conn_data(c->h2, dir, p, n, ts);
			k = n;
			break;
		case P_CLOSED:
			k = n;
			break;
		}
		p += k;
		n -= k;
	}
}

/* ---- public ---- */

struct http_conn *http_conn_create(const struct http_ops *ops, void *ctx,
				   const struct http_limits *lim, bool at_start)
{
	struct http_conn *c = xcalloc(1, sizeof(*c));

	c->ops = ops;
	c->ctx = ctx;
	c->body_cap = lim && lim->body_cap ? lim->body_cap : HTTP_DEFAULT_BODY_CAP;
	c->raw_cap = lim && lim->raw_cap ? lim->raw_cap : HTTP_DEFAULT_RAW_CAP;
	c->req_dir = -1;
	for (int i = 0; i < 2; i++) {
		c->d[i].st = at_start ? P_START : P_RESYNC;
		c->d[i].cand = true; /* the first byte seen may start a message */
		c->d[i].known_only = false;
	}
	return c;
}

void http_conn_data(struct http_conn *c, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	if (dir < 0 || dir > 1 || !n)
		return;
	/* HTTP/2 frames first: a server's SETTINGS sent at accept, before the
	 * client's preface (RFC 9113 3.4), or a connection recorded from its
	 * middle */
	if (c->state == HTTP_UNDECIDED && c->scanned == 0 && c->d[dir].line.len == 0 &&
	    (c->d[dir].st == P_START || (c->d[dir].st == P_RESYNC && c->d[dir].cand)) &&
	    h2_sniff(p, n)) {
		bool at_start = c->d[dir].st == P_START;
		c->state = HTTP_H2;
		set_opaque(c);
		if (at_start)
			h2_begin(c, H2_PRIOR, 1 - dir, NULL, false);
		else
			h2_begin(c, H2_MIDDLE, -1, NULL, false);
	}
	feed(c, dir, p, n, ts);
}

void http_conn_gap(struct http_conn *c, int dir, uint64_t n, uint64_t ts)
{
	struct dirp *d;

	if (dir < 0 || dir > 1)
		return;
	d = &c->d[dir];
	switch (d->st) {
	case P_START:
		d->st = P_RESYNC;
		d->cand = true; /* a message may start right after the gap */
		d->known_only = true;
		d->line.len = 0;
		return;
	case P_RESYNC:
		d->cand = true;
		d->line.len = 0;
		return;
	case P_PROBE:
		d->line.len = 0;
		d->st = d->probe_next;
		/* the body had started after all */
		__attribute__((fallthrough));
	case P_BODY_LEN:
	case P_CHUNK_DATA:
		d->flags |= HTTP_MSG_TRUNCATED;
		d->end_ts = ts;
		if (n && n <= d->remaining) {
			/* in step: only these bytes are missing */
			d->wire += n;
			d->body_total += n;
			d->remaining -= n;
			if (d->remaining == 0) {
				if (d->st == P_BODY_LEN)
					emit(c, dir, 0);
				else
					d->st = P_CHUNK_CRLF;
			}
			return;
		}
		d->wire += d->remaining;
		d->body_total += d->remaining;
		emit(c, dir, HTTP_MSG_INCOMPLETE);
		break;
	case P_BODY_EOF:
		d->flags |= HTTP_MSG_TRUNCATED;
		d->wire += n;
		d->body_total += n;
		d->end_ts = ts;
		return;
	case P_HEAD:
		d->flags |= HTTP_MSG_TRUNCATED;
		if (d->first_done) {
			d->head.len = d->line_start; /* whole lines only */
			head_done(c, dir, true);
		} else {
			msg_reset(d);
		}
		break;
	case P_CHUNK_SIZE:
	case P_CHUNK_CRLF:
	case P_TRAILER:
		d->line.len = 0;
		emit(c, dir, HTTP_MSG_TRUNCATED | HTTP_MSG_INCOMPLETE);
		break;
	case P_HOLD:
		d->held += n ? n : 1;
		return;
	case P_OPAQUE:
		if (c->h2)
			h2_conn_gap(c->h2, dir, n, ts);
		return;
	case P_CLOSED:
		return;
	}
	if (d->st == P_OPAQUE || d->st == P_CLOSED)
		return;
	d->st = P_RESYNC;
	d->cand = true;
	d->known_only = true;
	d->line.len = 0;
}

/* Ends what direction dir has in progress; clean: the connection closed. */
static void end_dir(struct http_conn *c, int dir, bool clean, uint64_t ts)
{
	struct dirp *d = &c->d[dir];

	if (d->st == P_PROBE && d->line.len) {
		/* what was collected was body after all */
		size_t len = d->line.len;
		uint8_t *copy = xmalloc(len);
		memcpy(copy, d->line.p, len);
		d->line.len = 0;
		d->st = d->probe_next;
		feed(c, dir, copy, len, ts);
		free(copy);
	}
	switch (d->st) {
	case P_HEAD:
		if (d->first_done) {
			d->head.len = d->line_start;
			head_done(c, dir, true);
		} else {
			msg_reset(d);
		}
		break;
	case P_BODY_EOF:
		emit(c, dir, clean ? 0 : HTTP_MSG_INCOMPLETE);
		break;
	case P_PROBE:
		if (clean) {
			d->line.len = 0;
			emit(c, dir, HTTP_MSG_NO_BODY_SENT);
		} else {
			emit(c, dir, HTTP_MSG_INCOMPLETE);
		}
		break;
	case P_BODY_LEN:
	case P_CHUNK_DATA:
	case P_CHUNK_SIZE:
	case P_CHUNK_CRLF:
	case P_TRAILER:
		emit(c, dir, HTTP_MSG_INCOMPLETE);
		break;
	default:
		break;
	}
	d->line.len = 0;
	d->st = P_CLOSED;
}

void http_conn_eof(struct http_conn *c, int dir, uint64_t ts)
{
	if (dir < 0 || dir > 1)
		return;
	end_dir(c, dir, true, ts);
}

void http_conn_finish(struct http_conn *c, uint64_t ts)
{
	if (c->finishing)
		return;
	c->finishing = true;
	/* requests first, so a response in progress still has its request */
	if (c->req_dir >= 0) {
		end_dir(c, c->req_dir, false, ts);
		end_dir(c, 1 - c->req_dir, false, ts);
	} else {
		end_dir(c, 0, false, ts);
		end_dir(c, 1, false, ts);
	}
	while (c->qlen)
		q_pop(c);
	if (c->h2)
		h2_conn_finish(c->h2, ts);
}

enum http_state http_conn_state(const struct http_conn *c)
{
	return c->state;
}

int http_conn_request_dir(const struct http_conn *c)
{
	if (c->req_dir < 0 && c->h2)
		return h2_conn_request_dir(c->h2);
	return c->req_dir;
}

bool http_conn_floor(const struct http_conn *c, uint64_t *ts)
{
	bool have = false;

	for (int i = 0; i < 2; i++) {
		const struct dirp *d = &c->d[i];
		uint64_t t;
		if (d->in_msg)
			t = d->start_ts;
		else if (d->st == P_RESYNC && d->line.len)
			t = d->line_ts;
		else
			continue;
		if (!have || t < *ts)
			*ts = t;
		have = true;
	}
	if (c->h2) {
		uint64_t t;
		if (h2_conn_floor(c->h2, &t) && (!have || t < *ts)) {
			*ts = t;
			have = true;
		}
	}
	return have;
}

void http_conn_free(struct http_conn *c)
{
	if (!c)
		return;
	http_conn_finish(c, 0);
	for (int i = 0; i < 2; i++) {
		struct dirp *d = &c->d[i];
		buf_trim(&d->head);
		fields_reset(&d->hdr);
		fields_reset(&d->trl);
		buf_trim(&d->body);
		buf_trim(&d->raw);
		dbuf_free(&d->line);
	}
	if (c->spare) {
		free(c->spare->target);
		free(c->spare);
	}
	free(c->q);
	h2_conn_free(c->h2);
	free(c);
}
