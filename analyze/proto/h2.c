/* h2.c - HTTP/2 connections: RFC 9113 (framing 4, frames 6, preface 3.4,
 * h2c upgrade RFC 7540 3.2), HPACK RFC 7541 via libnghttp2, gRPC over
 * HTTP/2 (PROTOCOL-HTTP2.md). See h2.h. */
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "cursor.h"
#include "proto/coding.h"
#include "proto/h2.h"
#include "proto/protobuf.h"

enum ftype {
	F_DATA = 0,
	F_HEADERS = 1,
	F_PRIORITY = 2,
	F_RST_STREAM = 3,
	F_SETTINGS = 4,
	F_PUSH_PROMISE = 5,
	F_PING = 6,
	F_GOAWAY = 7,
	F_WINDOW_UPDATE = 8,
	F_CONTINUATION = 9,
};

#define FL_END_STREAM 0x1
#define FL_ACK 0x1
#define FL_END_HEADERS 0x4
#define FL_PADDED 0x8
#define FL_PRIORITY 0x20

#define SETTINGS_HEADER_TABLE_SIZE 0x1
#define HPACK_DEFAULT_TABLE 4096u
#define HPACK_MIN_ENTRY 32u /* RFC 7541 4.1: an entry's size is 32 + name + value */

enum dstate {
	S_PREFACE, /* the client's preface */
	S_HDR,	   /* a frame header */
	S_PAY,	   /* a non-DATA payload, kept */
	S_PADLEN,  /* a padded DATA frame's pad length */
	S_DATA,	   /* DATA payload */
	S_SKIP,	   /* bytes passed over (padding, oversized frames) */
	S_SYNC,	   /* out of step: waiting for a call that starts with frames */
};

/* one header field, offsets into its half's text */
struct hf {
	uint32_t no, nl, vo, vl;
};

/* one direction of one stream: the message being collected */
struct half {
	bool head;	  /* its header block came */
	bool ended;	  /* END_STREAM (or reset) */
	bool emitted;	  /* the message was given out */
	bool trailers;	  /* the next fields are trailers */
	struct dbuf text; /* names and values */
	struct hf *f;
	size_t nf, cap, nhead; /* nhead: fields before the trailers */
	int status;
	unsigned unknown;
	uint64_t start_ts, end_ts, wire, body_total;
	struct dbuf body;
	uint32_t flags;
	/* gRPC framing over every DATA byte */
	uint8_t gpre[5];
	unsigned gpn;
	uint64_t gleft, gcount;
	bool gcomp;
};

struct stream {
	uint32_t id;
	struct half h[2]; /* by direction */
	struct http_txn *txn;
	char *authority;
	bool grpc;
	bool grpc_maybe; /* content-type unknown (HPACK): gRPC if the body says so */
};

/* a header block in progress (HEADERS or PUSH_PROMISE, then CONTINUATION) */
struct block {
	bool on;
	bool push;	 /* PUSH_PROMISE: inflated, not kept */
	bool end_stream; /* the HEADERS frame had END_STREAM */
	bool lost;	 /* part of it is missing: HPACK is out of step */
	uint32_t sid;
	uint64_t ts, wire;
	struct dbuf b;
};

struct dir {
	enum dstate st;
	unsigned pre; /* preface bytes matched */
	uint8_t hb[9];
	unsigned hn;
	uint32_t len, sid;
	uint8_t type, flags;
	uint64_t left; /* S_DATA / S_SKIP: payload bytes left */
	uint32_t pad;  /* DATA padding after the data */
	uint64_t fts;  /* the current frame's first byte */
	struct dbuf pay;
	struct block blk;
	nghttp2_hd_inflater *inf;
	size_t table_max; /* the peer's SETTINGS_HEADER_TABLE_SIZE for us */
	bool dead;
};

struct h2_conn {
	const struct http_ops *ops;
	void *ctx;
	size_t body_cap, raw_cap;
	int req_dir;
	bool finishing;
	uint64_t local_id;
	struct stream **s;
	size_t ns, scap;
	struct dir d[2];
	size_t kept;	     /* body bytes held by all streams (H2_MAX_KEPT) */
	size_t head_kept;    /* header text held by all streams (H2_MAX_HEAD_KEPT) */
	struct dbuf scratch; /* emit: gRPC JSON */
	struct dbuf tmp;     /* emit: a decompressed gRPC message */
	struct http_header *view;
	size_t view_cap;
};

/* ---- sniffing ---- */

/* is this frame header one RFC 9113 6 allows? */
static bool frame_ok(uint32_t len, uint8_t type, uint8_t flags, uint32_t sid)
{
	static const uint8_t allowed[10] = {
	    [F_DATA] = FL_END_STREAM | FL_PADDED,
	    [F_HEADERS] = FL_END_STREAM | FL_END_HEADERS | FL_PADDED | FL_PRIORITY,
	    [F_PRIORITY] = 0,
	    [F_RST_STREAM] = 0,
	    [F_SETTINGS] = FL_ACK,
	    [F_PUSH_PROMISE] = FL_END_HEADERS | FL_PADDED,
	    [F_PING] = FL_ACK,
	    [F_GOAWAY] = 0,
	    [F_WINDOW_UPDATE] = 0,
	    [F_CONTINUATION] = FL_END_HEADERS,
	};
	bool zero = (sid & 0x7fffffffu) == 0;

	if (type > F_CONTINUATION || (flags & ~allowed[type]) || (sid & 0x80000000u))
		return false;
	switch (type) {
	case F_SETTINGS:
		return zero && len % 6 == 0 && (!(flags & FL_ACK) || len == 0);
	case F_PING:
		return zero && len == 8;
	case F_GOAWAY:
		return zero && len >= 8;
	case F_WINDOW_UPDATE:
		return len == 4;
	case F_PRIORITY:
		return !zero && len == 5;
	case F_RST_STREAM:
		return !zero && len == 4;
	default:
		return !zero && len <= (1u << 24) - 1;
	}
}

bool h2_sniff(const uint8_t *p, size_t n)
{
	struct cur c = cur_make(p ? p : (const uint8_t *)"", p ? n : 0);
	unsigned frames = 0;

	while (c.left >= 9) {
		uint32_t len, sid;
		uint8_t type, flags;
		if (cur_get_be24(&c, &len) || cur_get_u8(&c, &type) || cur_get_u8(&c, &flags) ||
		    cur_get_be32(&c, &sid) || !frame_ok(len, type, flags, sid))
			return false;
		frames++;
		if (len > c.left)
			return false; /* a frame continued elsewhere: not enough to tell */
		cur_skip(&c, len);
		if (frames == 4)
			return true;
	}
	return frames > 0 && c.left == 0;
}

bool h2_upgrade_h2c(const struct http_header *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!ieq(h[i].name, h[i].name_len, "upgrade"))
			continue;
		/* a token list; h2c among them (case-insensitive) */
		for (size_t k = 0; k + 3 <= h[i].value_len; k++) {
			bool start = k == 0 || h[i].value[k - 1] == ' ' || h[i].value[k - 1] == ',';
			bool end = k + 3 == h[i].value_len || h[i].value[k + 3] == ' ' ||
				   h[i].value[k + 3] == ',';
			if (start && end && ieq(h[i].value + k, 3, "h2c"))
				return true;
		}
	}
	return false;
}

/* ---- HPACK ---- */

/* the table restarts full of placeholders (h2.h "HPACK state") */
static void inflater_unknown(struct dir *d)
{
	size_t size = d->table_max, n, k = 0;
	uint8_t *blk;
	const uint8_t *in;
	size_t left;

	if (d->inf)
		nghttp2_hd_inflate_del(d->inf);
	if (nghttp2_hd_inflate_new(&d->inf) != 0)
		xoom();
	if (size != HPACK_DEFAULT_TABLE)
		nghttp2_hd_inflate_change_table_size(d->inf, size);
	n = size / HPACK_MIN_ENTRY;
	blk = xmalloc(n * 3 + 1);
	for (size_t i = 0; i < n; i++) {
		blk[k++] = 0x40; /* literal with incremental indexing, new name */
		blk[k++] = 0;	 /* name "" */
		blk[k++] = 0;	 /* value "" */
	}
	in = blk;
	left = k;
	while (left) {
		nghttp2_nv nv;
		int fl = 0;
		ssize_t r = nghttp2_hd_inflate_hd2(d->inf, &nv, &fl, in, left, 1);
		if (r < 0)
			break;
		in += r;
		left -= (size_t)r;
		if (fl & NGHTTP2_HD_INFLATE_FINAL)
			break;
		if (r == 0 && !(fl & NGHTTP2_HD_INFLATE_EMIT))
			break;
	}
	nghttp2_hd_inflate_end_headers(d->inf);
	free(blk);
}

static void inflater_fresh(struct dir *d)
{
	if (d->inf)
		nghttp2_hd_inflate_del(d->inf);
	if (nghttp2_hd_inflate_new(&d->inf) != 0)
		xoom();
}

/* ---- streams ---- */

/* empties h for its next message; what it held leaves c's budgets */
static void half_reset(struct h2_conn *c, struct half *h)
{
	struct dbuf text = h->text, body = h->body;
	struct hf *f = h->f;
	size_t cap = h->cap;

	c->kept -= body.len;
	c->head_kept -= text.len;
	memset(h, 0, sizeof(*h));
	text.len = 0;
	body.len = 0;
	h->text = text;
	h->body = body;
	h->f = f;
	h->cap = cap;
}

static void half_free(struct h2_conn *c, struct half *h)
{
	c->kept -= h->body.len;
	c->head_kept -= h->text.len;
	dbuf_free(&h->text);
	dbuf_free(&h->body);
	free(h->f);
}

static struct stream *stream_find(struct h2_conn *c, uint32_t id)
{
	for (size_t i = c->ns; i-- > 0;)
		if (c->s[i]->id == id)
			return c->s[i];
	return NULL;
}

static void stream_close(struct h2_conn *c, struct stream *s, uint64_t ts);

static struct stream *stream_new(struct h2_conn *c, uint32_t id)
{
	struct stream *s;

	if (c->ns == H2_MAX_STREAMS)
		stream_close(c, c->s[0], c->s[0]->h[0].end_ts);
	if (c->ns == c->scap) {
		c->scap = c->scap ? c->scap * 2 : 8;
		c->s = xrealloc(c->s, size_mul(c->scap, sizeof(*c->s)));
	}
	s = xcalloc(1, sizeof(*s));
	s->id = id;
	c->s[c->ns++] = s;
	return s;
}

static void stream_remove(struct h2_conn *c, struct stream *s)
{
	for (size_t i = 0; i < c->ns; i++) {
		if (c->s[i] != s)
			continue;
		memmove(&c->s[i], &c->s[i + 1], (c->ns - i - 1) * sizeof(*c->s));
		c->ns--;
		break;
	}
	half_free(c, &s->h[0]);
	half_free(c, &s->h[1]);
	free(s->authority);
	free(s);
}

static void txn_end(struct h2_conn *c, struct stream *s)
{
	struct http_txn *t = s->txn;

	if (!t)
		return;
	s->txn = NULL;
	if (c->ops->txn_done)
		c->ops->txn_done(c->ctx, t);
	free(t->target);
	free(t);
}

/* ---- fields ---- */

/* RFC 9113 8.2.1 / RFC 9110 5.1: a field name is a token (a pseudo-header
 * one after its ':'); anything else makes the field malformed */
static bool name_ok(const uint8_t *p, size_t n)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";
	size_t i = n && p[0] == ':' ? 1 : 0;

	if (i == n)
		return false;
	for (; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
		      (p[i] >= '0' && p[i] <= '9') || (p[i] && strchr(tchar, p[i]))))
			return false;
	return true;
}

static void field_add(struct h2_conn *c, struct half *h, const uint8_t *n, size_t nl,
		      const uint8_t *v, size_t vl)
{
	struct hf *f;

	if (h->nf >= HTTP_MAX_HEADERS || h->text.len + nl + vl > HTTP_MAX_HEAD_BYTES ||
	    c->head_kept + nl + vl > H2_MAX_HEAD_KEPT) {
		h->flags |= HTTP_MSG_HEAD_CUT;
		return;
	}
	if (h->nf == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 16;
		h->f = xrealloc(h->f, size_mul(h->cap, sizeof(*h->f)));
	}
	f = &h->f[h->nf++];
	f->no = (uint32_t)h->text.len;
	f->nl = (uint32_t)nl;
	dbuf_put(&h->text, n, nl);
	f->vo = (uint32_t)h->text.len;
	f->vl = (uint32_t)vl;
	dbuf_put(&h->text, v, vl);
	c->head_kept += nl + vl;
}

/* the value of the first field named name in [from, to), or NULL */
static const struct hf *field_get(const struct half *h, size_t from, size_t to, const char *name)
{
	for (size_t i = from; i < to && i < h->nf; i++)
		if (ieq(h->text.p + h->f[i].no, h->f[i].nl, name))
			return &h->f[i];
	return NULL;
}

static bool val_starts(const struct half *h, const struct hf *f, const char *lit)
{
	size_t n = strlen(lit);
	return f && f->vl >= n && ieq(h->text.p + f->vo, n, lit);
}

/* a decimal field value, or -1 */
static int val_int(const struct half *h, const struct hf *f)
{
	int v = 0;

	if (!f || f->vl == 0 || f->vl > 9)
		return -1;
	for (size_t i = 0; i < f->vl; i++) {
		uint8_t ch = h->text.p[f->vo + i];
		if (ch < '0' || ch > '9')
			return -1;
		v = v * 10 + (ch - '0');
	}
	return v;
}

/* ---- emitting ---- */

/* the view of fields [from, to) without pseudo-headers */
static const struct http_header *fields_view(struct h2_conn *c, const struct half *h, size_t from,
					     size_t to, size_t base, size_t *n)
{
	size_t k = base;

	for (size_t i = from; i < to; i++) {
		if (h->f[i].nl && h->text.p[h->f[i].no] == ':')
			continue;
		if (k == c->view_cap) {
			c->view_cap = c->view_cap ? c->view_cap * 2 : 32;
			c->view = xrealloc(c->view, size_mul(c->view_cap, sizeof(*c->view)));
		}
		c->view[k].name = h->text.p + h->f[i].no;
		c->view[k].name_len = h->f[i].nl;
		c->view[k].value = h->text.p + h->f[i].vo;
		c->view[k].value_len = h->f[i].vl;
		k++;
	}
	*n = k - base;
	return c->view + base; /* valid until the next call that grows it */
}

/* the body's gRPC messages as JSON into c->scratch (a message that does not
 * decode is null; *cut then); @return how many decoded */
static unsigned grpc_json(struct h2_conn *c, const struct half *h, const struct half *hdrs,
			  bool *cut)
{
	struct cur cu = cur_make(h->body.p ? h->body.p : (const uint8_t *)"", h->body.len);
	const struct hf *enc = field_get(hdrs, 0, hdrs->nhead, "grpc-encoding");
	unsigned n = 0, ok = 0;

	c->scratch.len = 0;
	*cut = false;
	while (cu.left) {
		uint8_t flag;
		uint32_t len;
		const uint8_t *msg;
		size_t mark = c->scratch.len;
		if (cur_get_u8(&cu, &flag) || cur_get_be32(&cu, &len) ||
		    cur_get_span(&cu, &msg, len)) {
			*cut = true;
			break;
		}
		dbuf_putc(&c->scratch, n ? ',' : '[');
		if (flag & 1) {
			int rc = enc ? coding_decode(hdrs->text.p + enc->vo, enc->vl, msg, len,
						     c->body_cap, &c->tmp)
				     : CODING_INVALID;
			if (rc == CODING_OK) {
				msg = c->tmp.p;
				len = (uint32_t)c->tmp.len;
			} else {
				msg = NULL;
			}
		}
		if (!msg || pb_to_json(msg, len, &c->scratch) != 0) {
			c->scratch.len = mark;
			*cut = true; /* not decoded: the JSON does not hold it */
			dbuf_putc(&c->scratch, n ? ',' : '[');
			dbuf_puts(&c->scratch, "null");
		} else {
			ok++;
		}
		n++;
	}
	if (n == 1) {
		/* one message: its object alone */
		memmove(c->scratch.p, c->scratch.p + 1, c->scratch.len - 1);
		c->scratch.len--;
	} else if (n) {
		dbuf_putc(&c->scratch, ']');
	}
	return ok;
}

/* is the kept body whole gRPC length-prefixed messages (flag 0 or 1)? */
static bool grpc_framed(const struct half *h)
{
	struct cur cu = cur_make(h->body.p ? h->body.p : (const uint8_t *)"", h->body.len);

	if (!cu.left || (h->flags & HTTP_MSG_BODY_CUT))
		return false;
	while (cu.left) {
		uint8_t flag;
		uint32_t len;
		if (cur_get_u8(&cu, &flag) || flag > 1 || cur_get_be32(&cu, &len) ||
		    cur_skip(&cu, len))
			return false;
	}
	return true;
}

static void emit(struct h2_conn *c, struct stream *s, int dir, uint32_t extra)
{
	struct half *h = &s->h[dir];
	struct http_msg m;
	struct http_h2_info x;
	const struct hf *f;
	bool req = dir == c->req_dir;
	size_t nh, nt;

	if (h->emitted)
		return;
	h->emitted = true;
	memset(&m, 0, sizeof(m));
	memset(&x, 0, sizeof(x));
	h->flags |= extra;
	m.kind = req ? HTTP_REQUEST : HTTP_RESPONSE;
	m.dir = dir;
	m.start_ts = h->start_ts;
	m.end_ts = h->end_ts;
	m.wire_bytes = h->wire;
	m.version_major = 2;
	m.version_minor = 0;
	if (req) {
		f = field_get(h, 0, h->nhead, ":method");
		m.method = f ? h->text.p + f->vo : NULL;
		m.method_len = f ? f->vl : 0;
		f = field_get(h, 0, h->nhead, ":path");
		m.target = f ? h->text.p + f->vo : NULL;
		m.target_len = f ? f->vl : 0;
	} else {
		m.status = h->status;
	}
	m.headers = fields_view(c, h, 0, h->nhead, 0, &nh);
	m.nheaders = nh;
	m.trailers = fields_view(c, h, h->nhead, h->nf, nh, &nt);
	m.headers = c->view; /* the array may have moved */
	m.trailers = c->view + nh;
	m.ntrailers = nt;
	m.body = h->body.len ? h->body.p : (const uint8_t *)"";
	m.body_len = h->body.len;
	m.body_total = h->body_total;
	m.raw = (const uint8_t *)"";
	m.txn = s->txn;
	m.h2 = &x;
	x.stream_id = s->id;
	if (s->authority) {
		x.authority = (const uint8_t *)s->authority;
		x.authority_len = strlen(s->authority);
	}
	x.hpack_unknown = h->unknown;
	/* recorded mid-connection, content-type may be unknown: a body of
	 * whole length-prefixed messages, or a grpc-status, says gRPC */
	if (s->grpc_maybe && !s->grpc &&
	    (grpc_framed(h) || field_get(h, 0, h->nf, "grpc-status"))) {
		s->grpc = true;
		if (s->txn)
			s->txn->grpc = true;
	}
	x.grpc = s->grpc;
	x.grpc_status = -1;
	if (s->grpc) {
		bool cut;
		const struct half *hd = h; /* grpc-encoding: this side's headers */
		x.grpc_messages = h->gcount + (h->gpn || h->gleft ? 1 : 0);
		x.grpc_compressed = h->gcomp;
		if (h->body.len && grpc_json(c, h, hd, &cut)) {
			x.grpc_decoded = true;
			m.decoded = c->scratch.p;
			m.decoded_len = c->scratch.len;
			if (cut || (h->flags & HTTP_MSG_BODY_CUT))
				h->flags |= HTTP_MSG_DECODE_CUT;
		}
		if (!req) {
			f = field_get(h, h->nhead, h->nf, "grpc-status");
			if (!f)
				f = field_get(h, 0, h->nhead, "grpc-status");
			x.grpc_status = val_int(h, f);
			f = field_get(h, h->nhead, h->nf, "grpc-message");
			if (!f)
				f = field_get(h, 0, h->nhead, "grpc-message");
			if (f) {
				x.grpc_message = h->text.p + f->vo;
				x.grpc_message_len = f->vl;
			}
			if (s->txn)
				s->txn->grpc_status = x.grpc_status;
		}
	}
	m.flags = h->flags;
	if (s->txn && req)
		s->txn->req_end_ts = h->end_ts;
	if (s->txn && !req && h->status >= 200)
		s->txn->resp_end_ts = h->end_ts;
	c->ops->message(c->ctx, &m);
	if (s->txn) {
		if (req)
			s->txn->req_done = true;
		else if (h->status >= 200)
			s->txn->resp_done = true;
	}
}

/* the stream's messages go out (incomplete when not ended) and it ends */
static void stream_close(struct h2_conn *c, struct stream *s, uint64_t ts)
{
	int rq = c->req_dir >= 0 ? c->req_dir : 0;

	for (int k = 0; k < 2; k++) {
		int dir = k == 0 ? rq : 1 - rq;
		struct half *h = &s->h[dir];
		if (h->head && !h->emitted) {
			if (!h->ended && h->end_ts < ts)
				h->end_ts = ts;
			emit(c, s, dir, h->ended ? 0 : HTTP_MSG_INCOMPLETE);
		}
	}
	txn_end(c, s);
	stream_remove(c, s);
}

/* END_STREAM on s in dir */
static void half_end(struct h2_conn *c, struct stream *s, int dir, uint64_t ts)
{
	struct half *h = &s->h[dir];

	h->ended = true;
	if (ts > h->end_ts)
		h->end_ts = ts;
	if (c->req_dir < 0)
		return; /* nothing is emitted before the direction is known */
	if (dir != c->req_dir && !s->h[c->req_dir].emitted && s->h[c->req_dir].head)
		emit(c, s, c->req_dir, s->h[c->req_dir].ended ? 0 : HTTP_MSG_INCOMPLETE);
	if (h->head)
		emit(c, s, dir, 0);
	/* done when each side ended (a request this capture missed counts
	 * as ended) */
	const struct half *rq = &s->h[c->req_dir], *rs = &s->h[1 - c->req_dir];
	if ((rq->ended || rq->emitted || !rq->head) && (rs->ended || rs->emitted))
		stream_close(c, s, ts);
}

/* ---- header blocks ---- */

/* a header block ended: inflate it into s's half (s NULL: push, discard) */
static void block_done(struct h2_conn *c, int dir)
{
	struct dir *d = &c->d[dir];
	struct block *b = &d->blk;
	struct stream *s = NULL;
	struct half scratch, *h;
	const uint8_t *in = b->b.p ? b->b.p : (const uint8_t *)"";
	size_t left = b->b.len;
	bool failed = false;

	b->on = false;
	memset(&scratch, 0, sizeof(scratch));
	if (b->lost) {
		/* HPACK cannot follow a block it did not see whole */
		inflater_unknown(d);
		return;
	}
	if (!b->push) {
		s = stream_find(c, b->sid);
		if (!s)
			s = stream_new(c, b->sid);
	}
	h = s ? &s->h[dir] : &scratch;
	if (s && h->emitted) {
		/* a message on a direction already given out (after a reset
		 * response, or a second request): start again */
		half_reset(c, h);
	}
	if (s && h->head)
		h->trailers = true;
	if (!h->head && !h->trailers) {
		h->start_ts = b->ts;
		h->nhead = 0;
	}
	for (;;) {
		nghttp2_nv nv;
		int fl = 0;
		ssize_t r = nghttp2_hd_inflate_hd2(d->inf, &nv, &fl, (uint8_t *)in, left, 1);
		if (r < 0) {
			failed = true;
			break;
		}
		in += r;
		left -= (size_t)r;
		if (fl & NGHTTP2_HD_INFLATE_EMIT) {
			/* an empty name is a placeholder: the unknown part of
			 * the table; a malformed name is left out too */
			if (!name_ok(nv.name, nv.namelen))
				h->unknown++;
			else
				field_add(c, h, nv.name, nv.namelen, nv.value, nv.valuelen);
		}
		if (fl & NGHTTP2_HD_INFLATE_FINAL) {
			nghttp2_hd_inflate_end_headers(d->inf);
			break;
		}
		if (r == 0 && !(fl & NGHTTP2_HD_INFLATE_EMIT)) {
			failed = true;
			break;
		}
	}
	if (failed) {
		h->unknown++;
		h->flags |= HTTP_MSG_TRUNCATED;
		inflater_unknown(d);
	}
	if (!s) {
		half_free(c, &scratch);
		return;
	}
	h->wire += b->wire;
	if (h->end_ts < b->ts)
		h->end_ts = b->ts;
	if (!h->head) {
		const struct hf *fm = field_get(h, 0, h->nf, ":method");
		const struct hf *fs = field_get(h, 0, h->nf, ":status");
		h->head = true;
		h->nhead = h->nf;
		if (c->req_dir < 0) {
			/* H2_MIDDLE: the first block that says which side it is */
			if (fm)
				c->req_dir = dir;
			else if (fs)
				c->req_dir = 1 - dir;
			else
				c->req_dir = dir; /* a stream's first block is its request */
		}
		if (dir == c->req_dir) {
			struct http_txn *t = xcalloc(1, sizeof(*t));
			const struct hf *fp = field_get(h, 0, h->nf, ":path");
			const struct hf *fa = field_get(h, 0, h->nf, ":authority");
			const struct hf *ct = field_get(h, 0, h->nf, "content-type");
			t->id = c->ops->next_txn_id ? c->ops->next_txn_id(c->ctx) : ++c->local_id;
			t->req_dir = dir;
			str_copyn(t->method, sizeof(t->method),
				  fm ? (const char *)h->text.p + fm->vo : "", fm ? fm->vl : 0);
			t->target = xstrndup(fp ? h->text.p + fp->vo : (const uint8_t *)"",
					     fp ? fp->vl : 0);
			t->req_start_ts = h->start_ts;
			t->is_head = !strcmp(t->method, "HEAD");
			t->is_connect = !strcmp(t->method, "CONNECT");
			t->grpc_status = -1;
			s->grpc = val_starts(h, ct, "application/grpc");
			s->grpc_maybe = !ct && h->unknown;
			t->grpc = s->grpc;
			if (s->txn)
				txn_end(c, s); /* a second request on one stream: not HTTP/2 */
			s->txn = t;
			if (fa && !s->authority)
				s->authority = xstrndup(h->text.p + fa->vo, fa->vl);
		} else {
			h->status = val_int(h, fs);
			if (h->status < 0)
				h->status = 0;
			if (s->txn && h->status >= 200 && !s->txn->status) {
				s->txn->status = h->status;
				s->txn->resp_start_ts = h->start_ts;
			}
			if (h->status >= 100 && h->status < 200 && !b->end_stream) {
				/* an interim response: its own message (RFC 9113 8.1) */
				h->ended = true;
				emit(c, s, dir, 0);
				half_reset(c, h);
				return;
			}
		}
	}
	if (b->end_stream)
		half_end(c, s, dir, b->ts);
}

/* ---- frames ---- */

static void data_bytes(struct h2_conn *c, int dir, const uint8_t *p, size_t n, uint64_t missing)
{
	struct dir *d = &c->d[dir];
	struct stream *s = stream_find(c, d->sid);
	struct half *h;
	size_t keep;

	if (!s)
		return; /* a stream this capture did not see open */
	h = &s->h[dir];
	if (h->emitted)
		return;
	h->body_total += n + missing;
	if (missing) {
		h->flags |= HTTP_MSG_TRUNCATED;
		h->gpn = 0;
		h->gleft = 0;
		return;
	}
	keep = h->body.len < c->body_cap ? c->body_cap - h->body.len : 0;
	if (keep > H2_MAX_KEPT - c->kept)
		keep = H2_MAX_KEPT - c->kept; /* many streams at once: the later ones are cut */
	if (n > keep)
		h->flags |= HTTP_MSG_BODY_CUT;
	dbuf_put(&h->body, p, n < keep ? n : keep);
	c->kept += n < keep ? n : keep;
	if (!s->grpc && !s->grpc_maybe)
		return;
	/* count the length-prefixed messages (gRPC: 1 byte flag, 4 bytes length) */
	while (n) {
		if (h->gleft) {
			size_t k = n < h->gleft ? n : (size_t)h->gleft;
			h->gleft -= k;
			p += k;
			n -= k;
			if (!h->gleft)
				h->gcount++;
			continue;
		}
		h->gpre[h->gpn++] = *p++;
		n--;
		if (h->gpn == 5) {
			h->gpn = 0;
			if (h->gpre[0] & 1)
				h->gcomp = true;
			h->gleft = sr_be32(h->gpre + 1);
			if (!h->gleft)
				h->gcount++;
		}
	}
}

/* the frame in d (its payload in d->pay) */
static void frame_done(struct h2_conn *c, int dir)
{
	struct dir *d = &c->d[dir];
	struct cur p = cur_make(d->pay.p ? d->pay.p : (const uint8_t *)"", d->pay.len);
	struct block *b = &d->blk;
	uint8_t padl = 0;
	struct stream *s;

	if (b->on && d->type != F_CONTINUATION) {
		/* RFC 9113 6.10: only CONTINUATION may follow: the block is lost */
		b->lost = true;
		block_done(c, dir);
	}
	switch (d->type) {
	case F_HEADERS:
	case F_PUSH_PROMISE:
		if ((d->flags & FL_PADDED) && cur_get_u8(&p, &padl))
			return;
		if (d->type == F_HEADERS && (d->flags & FL_PRIORITY) && cur_skip(&p, 5))
			return;
		if (d->type == F_PUSH_PROMISE && cur_skip(&p, 4))
			return;
		if (padl > p.left)
			return;
		b->on = true;
		b->push = d->type == F_PUSH_PROMISE;
		b->end_stream = d->type == F_HEADERS && (d->flags & FL_END_STREAM);
		b->lost = false;
		b->sid = d->sid;
		b->ts = d->fts;
		b->wire = 9 + (uint64_t)d->len;
		b->b.len = 0;
		dbuf_put(&b->b, p.p, p.left - padl);
		if (d->flags & FL_END_HEADERS)
			block_done(c, dir);
		return;
	case F_CONTINUATION:
		if (!b->on || b->sid != d->sid)
			return;
		b->wire += 9 + (uint64_t)d->len;
		if (b->b.len + p.left > H2_MAX_BLOCK)
			b->lost = true;
		else
			dbuf_put(&b->b, p.p, p.left);
		if (d->flags & FL_END_HEADERS)
			block_done(c, dir);
		return;
	case F_RST_STREAM:
		s = stream_find(c, d->sid);
		if (s)
			stream_close(c, s, d->fts);
		return;
	case F_SETTINGS:
		if (d->flags & FL_ACK)
			return;
		while (p.left >= 6) {
			uint16_t id;
			uint32_t v;
			cur_get_be16(&p, &id);
			cur_get_be32(&p, &v);
			if (id == SETTINGS_HEADER_TABLE_SIZE) {
				/* the size the peer's encoder may use towards us */
				struct dir *o = &c->d[1 - dir];
				o->table_max = v < H2_MAX_TABLE ? v : H2_MAX_TABLE;
				if (o->inf)
					nghttp2_hd_inflate_change_table_size(o->inf, o->table_max);
			}
		}
		return;
	default:
		return; /* PRIORITY, PING, GOAWAY, WINDOW_UPDATE, unknown */
	}
}

/* out of step in dir: wait for a call that starts with frames */
static void lose_step(struct h2_conn *c, int dir)
{
	struct dir *d = &c->d[dir];

	if (d->blk.on) {
		d->blk.lost = true;
		block_done(c, dir);
	} else {
		inflater_unknown(d); /* a header block may have been in what went missing */
	}
	/* what went missing may have held any stream's frames */
	for (size_t i = 0; i < c->ns; i++) {
		struct half *h = &c->s[i]->h[dir];
		if (h->head && !h->emitted)
			h->flags |= HTTP_MSG_TRUNCATED;
	}
	d->st = S_SYNC;
	d->hn = 0;
	d->pay.len = 0;
}

/* a DATA frame's data ended: its padding, then END_STREAM */
static void data_end(struct h2_conn *c, int dir, uint64_t ts)
{
	struct dir *d = &c->d[dir];

	d->left = d->pad;
	d->st = d->pad ? S_SKIP : S_HDR;
	if (d->flags & FL_END_STREAM) {
		struct stream *s = stream_find(c, d->sid);
		if (s && !s->h[dir].emitted)
			half_end(c, s, dir, ts);
	}
}

static size_t step(struct h2_conn *c, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	struct dir *d = &c->d[dir];
	size_t k;

	switch (d->st) {
	case S_PREFACE:
		k = H2_PREFACE_LEN - d->pre;
		if (k > n)
			k = n;
		if (memcmp(p, &H2_PREFACE[d->pre], k) != 0) {
			lose_step(c, dir);
			return 0;
		}
		d->pre += (unsigned)k;
		if (d->pre == H2_PREFACE_LEN)
			d->st = S_HDR;
		return k;
	case S_HDR:
		if (d->hn == 0)
			d->fts = ts;
		k = 9 - d->hn;
		if (k > n)
			k = n;
		memcpy(d->hb + d->hn, p, k);
		d->hn += (unsigned)k;
		if (d->hn < 9)
			return k;
		d->hn = 0;
		d->len = (uint32_t)d->hb[0] << 16 | (uint32_t)d->hb[1] << 8 | d->hb[2];
		d->type = d->hb[3];
		d->flags = d->hb[4];
		d->sid = sr_be32(d->hb + 5) & 0x7fffffffu;
		d->pay.len = 0;
		d->left = d->len;
		d->pad = 0;
		if (d->type == F_DATA) {
			struct stream *s = stream_find(c, d->sid);
			if (s && !s->h[dir].emitted) {
				s->h[dir].wire += 9 + (uint64_t)d->len;
				if (s->h[dir].end_ts < ts)
					s->h[dir].end_ts = ts;
			}
			if ((d->flags & FL_PADDED) && d->len)
				d->st = S_PADLEN;
			else if (d->len)
				d->st = S_DATA;
			else
				data_end(c, dir, ts);
		} else if (d->len > H2_MAX_FRAME) {
			if (d->blk.on || d->type == F_HEADERS || d->type == F_PUSH_PROMISE ||
			    d->type == F_CONTINUATION) {
				d->blk.on = true;
				d->blk.lost = true;
				block_done(c, dir);
			}
			d->st = S_SKIP;
		} else if (d->len) {
			d->st = S_PAY;
		} else {
			frame_done(c, dir);
		}
		return k;
	case S_PAY:
		k = n < d->left ? n : (size_t)d->left;
		dbuf_put(&d->pay, p, k);
		d->left -= k;
		if (!d->left) {
			d->st = S_HDR;
			frame_done(c, dir);
		}
		return k;
	case S_PADLEN:
		d->pad = p[0];
		d->left--;
		if (d->pad > d->left) {
			lose_step(c, dir); /* RFC 9113 6.1: a protocol error */
			return 1;
		}
		d->left -= d->pad;
		if (d->left)
			d->st = S_DATA;
		else
			data_end(c, dir, ts);
		return 1;
	case S_DATA:
		k = n < d->left ? n : (size_t)d->left;
		data_bytes(c, dir, p, k, 0);
		d->left -= k;
		if (!d->left)
			data_end(c, dir, ts);
		return k;
	case S_SKIP:
		k = n < d->left ? n : (size_t)d->left;
		d->left -= k;
		if (!d->left)
			d->st = S_HDR;
		return k;
	case S_SYNC:
		if (!h2_sniff(p, n))
			return n;
		d->st = S_HDR;
		d->hn = 0;
		return 0;
	}
	return n;
}

/* ---- public ---- */

struct h2_conn *h2_conn_create(const struct http_ops *ops, void *ctx, const struct http_limits *lim,
			       enum h2_start how, int req_dir, const struct http_txn *up)
{
	struct h2_conn *c = xcalloc(1, sizeof(*c));

	c->ops = ops;
	c->ctx = ctx;
	c->body_cap = lim && lim->body_cap ? lim->body_cap : HTTP_DEFAULT_BODY_CAP;
	c->raw_cap = lim && lim->raw_cap ? lim->raw_cap : HTTP_DEFAULT_RAW_CAP;
	c->req_dir = req_dir;
	c->view_cap = 32;
	c->view = xmalloc(c->view_cap * sizeof(*c->view));
	for (int i = 0; i < 2; i++) {
		struct dir *d = &c->d[i];
		d->table_max = HPACK_DEFAULT_TABLE;
		if (how == H2_MIDDLE) {
			inflater_unknown(d);
			d->st = S_SYNC;
		} else {
			inflater_fresh(d);
			d->st = i == req_dir ? S_PREFACE : S_HDR;
		}
	}
	if (how == H2_UPGRADE && up && req_dir >= 0) {
		/* RFC 7540 3.2: the upgraded request is stream 1, half-closed
		 * by the client; its response comes as HTTP/2 */
		struct stream *s = stream_new(c, 1);
		struct http_txn *t = xcalloc(1, sizeof(*t));
		struct half *h = &s->h[req_dir];
		t->id = ops->next_txn_id ? ops->next_txn_id(ctx) : ++c->local_id;
		t->req_dir = req_dir;
		memcpy(t->method, up->method, sizeof(t->method));
		t->target = xstrdup(up->target ? up->target : "");
		t->req_start_ts = up->req_start_ts;
		t->req_end_ts = up->req_end_ts;
		t->req_done = true;
		t->is_head = up->is_head;
		t->grpc_status = -1;
		s->txn = t;
		h->head = h->ended = h->emitted = true; /* given out as HTTP/1.1 */
	}
	return c;
}

void h2_conn_data(struct h2_conn *c, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	if (dir < 0 || dir > 1 || c->d[dir].dead)
		return;
	while (n) {
		size_t k = step(c, dir, p, n, ts);
		p += k;
		n -= k;
	}
}

void h2_conn_gap(struct h2_conn *c, int dir, uint64_t n, uint64_t ts)
{
	struct dir *d;

	if (dir < 0 || dir > 1)
		return;
	d = &c->d[dir];
	(void)ts;
	if (n && n <= d->left && d->st == S_DATA) {
		/* in step: only data bytes are missing */
		data_bytes(c, dir, NULL, 0, n);
		d->left -= n;
		if (!d->left)
			data_end(c, dir, ts);
		return;
	}
	if (n && n <= d->left && d->st == S_SKIP) {
		d->left -= n;
		if (!d->left)
			d->st = S_HDR;
		return;
	}
	if (d->st == S_DATA) {
		struct stream *s = stream_find(c, d->sid);
		if (s)
			s->h[dir].flags |= HTTP_MSG_TRUNCATED;
	}
	lose_step(c, dir);
}

void h2_conn_finish(struct h2_conn *c, uint64_t ts)
{
	if (c->finishing)
		return;
	c->finishing = true;
	if (c->req_dir < 0)
		c->req_dir = 0;
	while (c->ns)
		stream_close(c, c->s[0], ts);
	c->d[0].dead = c->d[1].dead = true;
}

int h2_conn_request_dir(const struct h2_conn *c)
{
	return c->req_dir;
}

bool h2_conn_floor(const struct h2_conn *c, uint64_t *ts)
{
	bool have = false;

	for (size_t i = 0; i < c->ns; i++) {
		for (int k = 0; k < 2; k++) {
			const struct half *h = &c->s[i]->h[k];
			if (!h->head || h->emitted)
				continue;
			if (!have || h->start_ts < *ts)
				*ts = h->start_ts;
			have = true;
		}
	}
	for (int k = 0; k < 2; k++) {
		if (!c->d[k].blk.on)
			continue;
		if (!have || c->d[k].blk.ts < *ts)
			*ts = c->d[k].blk.ts;
		have = true;
	}
	return have;
}

void h2_conn_free(struct h2_conn *c)
{
	if (!c)
		return;
	h2_conn_finish(c, 0);
	for (int i = 0; i < 2; i++) {
		if (c->d[i].inf)
			nghttp2_hd_inflate_del(c->d[i].inf);
		dbuf_free(&c->d[i].pay);
		dbuf_free(&c->d[i].blk.b);
	}
	free(c->s);
	dbuf_free(&c->scratch);
	dbuf_free(&c->tmp);
	free(c->view);
	free(c);
}
