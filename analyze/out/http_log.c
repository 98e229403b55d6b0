/* http_log.c - http.jsonl lines (see http_log.h).
 *
 * Speed: http.jsonl is several times larger than the payload it describes
 * (small messages), so lines are written as text with literal keys, and the
 * parts that depend only on the connection view (observer, addresses,
 * containers) are formatted once per view and reused while they are the
 * same (struct frag). Held lines live in an arena of chunks, in two sorted
 * queues: a FIFO for lines that complete in timestamp order (almost all)
 * and a heap for the others; the earliest of the two heads goes first. */
#include <stdlib.h>
#include <string.h>

#include "out/http_log.h"
#include "out/redact.h"

/* ---- held lines ---- */

#define CHUNK_BYTES (256u * 1024u)   /* arena chunk (a longer line gets its own) */
#define OUT_BUF_BYTES (256u * 1024u) /* written out when this full */

struct chunk {
	size_t cap, used;
	size_t live; /* held lines in it */
	uint8_t data[];
};

/* a line waiting in the reorder window */
struct pending {
	int64_t wall; /* its "timestamp" */
	uint64_t seq; /* completion order (ties) */
	struct chunk *ch;
	size_t off, len; /* with its LF */
};

/* formatted parts of a line that depend only on the connection view; key
 * holds everything they are made of (pointers into the sealed model or
 * the observation, which do not change while the view's id is the same) */
struct frag_key {
	uint64_t id;
	const char *comm, *cmdline, *dtype;
	const struct an_container *sctr, *dctr;
	uint32_t pid;
	uint16_t sport, dport;
	uint8_t sent, sfam, dfam;
	uint8_t saddr[16], daddr[16];
};

struct frag {
	bool valid;
	struct frag_key k;
	struct dbuf head; /* "pid": ... "dest_port":N */
	struct dbuf tail; /* "source_container": ... "destination_type":"..." */
};

#define FRAG_SLOTS 256u /* direct-mapped by connection id */

struct http_log {
	struct an_sink sink;
	FILE *f;
	size_t body_limit, raw_limit;
	bool show_secrets;
	bool raw_payload;	/* write "raw_payload" (not --no-raw-payload, and kept) */
	bool body;		/* write "body" (kept) */
	bool headers, trailers; /* format them (kept); else null, then dropped */
	uint64_t keep;		/* --fields: bit i keeps http_log_keys[i]; 0: every key */
	struct dbuf line;	/* the line being built */
	struct dbuf tmp;
	struct dbuf out; /* written, not yet handed to f */
	bool err;
	struct frag *frags;
	struct redact_memo secrets; /* credential header names seen last */
	/* reorder window */
	int64_t window_ns;
	size_t max_bytes;
	struct pending *fifo; /* ring, sorted, nfifo from fhead */
	size_t fhead, nfifo, fcap;
	struct pending *heap; /* min-heap by (wall, seq) */
	size_t nheap, hcap;
	size_t bytes; /* held line bytes */
	struct chunk *cur, *spare;
	/* held lines written out: one stretch of a chunk, handed to f in one
	 * go (no copy) once it is large; o->out is empty while it is not */
	struct chunk *run;
	size_t run_off, run_len, run_lines;
	uint64_t seq;
	bool have_now, have_floor;
	int64_t now;   /* latest record time seen */
	int64_t floor; /* no later line can have an earlier timestamp */
};

/* ---- --fields ---- */

/* every key a line can have: a message line's, then a connection line's own */
const char *const http_log_keys[] = {"timestamp",
				     "pid",
				     "comm",
				     "cmdline",
				     "direction",
				     "source_ip",
				     "source_port",
				     "dest_ip",
				     "dest_port",
				     "bytes",
				     "method",
				     "url",
				     "status_code",
				     "headers",
				     "body",
				     "raw_payload",
				     "source_container",
				     "destination_container",
				     "destination_type",
				     "message",
				     "http_version",
				     "connection_id",
				     "transaction_id",
				     "latency_ms",
				     "truncated",
				     "body_bytes",
				     "trailers",
				     "content_encoding",
				     "decoded_bytes",
				     "decoded_truncated",
				     "stream_id",
				     "authority",
				     "hpack_unknown",
				     "grpc",
				     "event_type",
				     "protocol",
				     "category",
				     "confidence",
				     "detection_reason",
				     "role",
				     "sni",
				     "bytes_sent",
				     "bytes_received",
				     "tls",
				     NULL};
/* --fields keeps a bit per key in a uint64_t */
_Static_assert(sizeof(http_log_keys) / sizeof(http_log_keys[0]) - 1 <= 64,
	       "more than 64 http.jsonl keys: widen struct http_log's keep mask");

/* index of the key p[0..n) in http_log_keys, or -1 */
static int key_index(const char *p, size_t n)
{
	for (int i = 0; http_log_keys[i]; i++)
		if (http_log_keys[i][0] == p[0] && !strncmp(http_log_keys[i], p, n) &&
		    !http_log_keys[i][n])
			return i;
	return -1;
}

/* the mask of a --fields list; -1 (err set) on an unknown or empty key */
static int64_t fields_mask(const char *list, char *err, size_t err_cap)
{
	uint64_t m = 0;
	const char *p = list;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		int i = key_index(p, n);
		if (i < 0) {
			if (err && err_cap)
				snprintf(err, err_cap, "--fields: '%.*s' is not an http.jsonl key",
					 (int)(n > 64 ? 64 : n), p);
			return -1;
		}
		m |= 1ull << i;
		if (!e)
			return (int64_t)m;
		p = e + 1;
	}
}

int http_log_fields_check(const char *list, char *err, size_t err_cap)
{
	return fields_mask(list, err, err_cap) < 0 ? -1 : 0;
}

/* the ',' after the JSON value at p, or end (the line is our own output:
 * well formed, and end is its closing brace) */
static const uint8_t *value_end(const uint8_t *p, const uint8_t *end)
{
	int depth = 0;

	for (; p < end; p++) {
		if (*p == '"') { /* to its closing quote: one not escaped */
			const uint8_t *q = p + 1;
			for (;;) {
				size_t bs = 0;
				q = memchr(q, '"', (size_t)(end - q));
				if (!q)
					return end;
				while (q - bs - 1 > p && q[-1 - (ptrdiff_t)bs] == '\\')
					bs++;
				if (!(bs & 1))
					break;
				q++;
			}
			p = q;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			depth--;
		} else if (*p == ',' && !depth) {
			return p;
		}
	}
	return end;
}

/* keeps the --fields keys of the line just built ("{...}", no LF yet) */
static void select_fields(struct http_log *o)
{
	struct dbuf *b = &o->line, *t = &o->tmp;
	const uint8_t *p = b->p + 1, *end = b->p + b->len - 1; /* inside the braces */
	bool first = true;

	t->len = 0;
	dbuf_putc(t, '{');
	while (p < end) {
		const uint8_t *k = p + 1, *ke = memchr(k, '"', (size_t)(end - k));
		const uint8_t *v, *ve;
		int i;
		if (!ke)
			break;
		v = ke + 2; /* past '":' */
		ve = value_end(v, end);
		i = key_index((const char *)k, (size_t)(ke - k));
		if (i >= 0 && (o->keep >> i & 1)) {
			if (!first)
				dbuf_putc(t, ',');
			dbuf_put(t, p, (size_t)(ve - p));
			first = false;
		}
		p = ve + 1; /* past ',' */
	}
	dbuf_putc(t, '}');
	b->len = 0;
	dbuf_put(b, t->p, t->len);
}

static bool keeps(const struct http_log *o, const char *key)
{
	return !o->keep || (o->keep >> key_index(key, strlen(key)) & 1);
}

struct http_log *http_log_create(FILE *f, const struct an_opts *o)
{
	struct http_log *w = xcalloc(1, sizeof(*w));
	int64_t keep = o->fields ? fields_mask(o->fields, NULL, 0) : 0;

	w->f = f;
	w->body_limit = o->body_limit;
	w->raw_limit = o->raw_limit;
	w->show_secrets = o->show_secrets;
	w->keep = keep > 0 ? (uint64_t)keep : 0; /* a bad list: main refuses it first */
	w->raw_payload = !o->no_raw_payload && keeps(w, "raw_payload");
	w->body = keeps(w, "body");
	w->headers = keeps(w, "headers");
	w->trailers = keeps(w, "trailers");
	w->window_ns = o->reorder_window_ns > 0 ? o->reorder_window_ns : 0;
	w->max_bytes = o->reorder_max_bytes;
	w->frags = xcalloc(FRAG_SLOTS, sizeof(*w->frags));
	return w;
}

/* ---- output ---- */

static void out_drain(struct http_log *o)
{
	if (o->out.len && fwrite(o->out.p, 1, o->out.len, o->f) != o->out.len)
		o->err = true;
	o->out.len = 0;
}

static void chunk_release(struct http_log *o, struct chunk *c, size_t lines);

static void run_flush(struct http_log *o)
{
	if (!o->run)
		return;
	if (fwrite(o->run->data + o->run_off, 1, o->run_len, o->f) != o->run_len)
		o->err = true;
	chunk_release(o, o->run, o->run_lines);
	o->run = NULL;
	o->run_len = o->run_lines = 0;
}

/* a line that was never held */
static void out_put(struct http_log *o, const uint8_t *p, size_t n)
{
	run_flush(o);
	dbuf_put(&o->out, p, n);
	if (o->out.len >= OUT_BUF_BYTES)
		out_drain(o);
}

/* a held line, from its chunk */
static void out_put_held(struct http_log *o, struct chunk *c, size_t off, size_t len)
{
	if (o->run && (o->run != c || o->run_off + o->run_len != off))
		run_flush(o);
	if (!o->run) {
		out_drain(o);
		o->run = c;
		o->run_off = off;
	}
	o->run_len += len;
	o->run_lines++;
	if (o->run_len >= OUT_BUF_BYTES)
		run_flush(o);
}

/* ---- reorder window ---- */

static bool pending_less(const struct pending *a, const struct pending *b)
{
	return a->wall != b->wall ? a->wall < b->wall : a->seq < b->seq;
}

static void chunk_release(struct http_log *o, struct chunk *c, size_t lines)
{
	c->live -= lines;
	if (c->live || c == o->cur)
		return;
	if (!o->spare && c->cap == CHUNK_BYTES) {
		o->spare = c;
		return;
	}
	free(c);
}

/* a copy of line in the arena */
static void arena_put(struct http_log *o, struct pending *e, const uint8_t *line, size_t len)
{
	struct chunk *c = o->cur;

	if (!c || c->cap - c->used < len) {
		if (c && !c->live) {
			if (!o->spare && c->cap == CHUNK_BYTES)
				o->spare = c;
			else
				free(c);
		}
		if (len <= CHUNK_BYTES && o->spare) {
			c = o->spare;
			o->spare = NULL;
		} else {
			size_t cap = len > CHUNK_BYTES ? len : CHUNK_BYTES;
			c = xmalloc(size_add(sizeof(*c), cap));
			c->cap = cap;
		}
		c->used = 0;
		c->live = 0;
		o->cur = c;
	}
	memcpy(c->data + c->used, line, len);
	e->ch = c;
	e->off = c->used;
	e->len = len;
	c->used += len;
	c->live++;
}

static void heap_swap(struct pending *a, struct pending *b)
{
	struct pending t = *a;
	*a = *b;
	*b = t;
}

static void heap_push(struct http_log *o, const struct pending *e)
{
	size_t i;

	if (o->nheap == o->hcap) {
		o->hcap = o->hcap ? o->hcap * 2 : 256;
		o->heap = xrealloc(o->heap, size_mul(o->hcap, sizeof(*o->heap)));
	}
	i = o->nheap++;
	o->heap[i] = *e;
	while (i && pending_less(&o->heap[i], &o->heap[(i - 1) / 2])) {
		heap_swap(&o->heap[i], &o->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

static void heap_pop(struct http_log *o)
{
	struct pending *h = o->heap;
	size_t i = 0;

	h[0] = h[--o->nheap];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < o->nheap && pending_less(&h[l], &h[m]))
			m = l;
		if (r < o->nheap && pending_less(&h[r], &h[m]))
			m = r;
		if (m == i)
			break;
		heap_swap(&h[i], &h[m]);
		i = m;
	}
}

static struct pending *fifo_at(const struct http_log *o, size_t i)
{
	return &o->fifo[(o->fhead + i) & (o->fcap - 1)];
}

static void fifo_push(struct http_log *o, const struct pending *e)
{
	if (o->nfifo == o->fcap) {
		size_t cap = o->fcap ? o->fcap * 2 : 256;
		struct pending *v = xmalloc(size_mul(cap, sizeof(*v)));
		for (size_t i = 0; i < o->nfifo; i++)
			v[i] = *fifo_at(o, i);
		free(o->fifo);
		o->fifo = v;
		o->fcap = cap;
		o->fhead = 0;
	}
	*fifo_at(o, o->nfifo++) = *e;
}

/* the earliest held line (there is one) */
static struct pending *held_min(struct http_log *o, bool *from_fifo)
{
	struct pending *a = o->nfifo ? fifo_at(o, 0) : NULL;

	*from_fifo = a && (!o->nheap || pending_less(a, &o->heap[0]));
	return *from_fifo ? a : &o->heap[0];
}

/* writes and removes the earliest line */
static void held_pop_write(struct http_log *o)
{
	bool ff;
	struct pending *e = held_min(o, &ff), x = *e;

	if (ff) {
		o->fhead = (o->fhead + 1) & (o->fcap - 1);
		o->nfifo--;
	} else {
		heap_pop(o);
	}
	o->bytes -= x.len;
	out_put_held(o, x.ch, x.off, x.len);
}

static void held_push(struct http_log *o, int64_t wall, const uint8_t *line, size_t len)
{
	struct pending e;

	e.wall = wall;
	e.seq = o->seq++;
	arena_put(o, &e, line, len);
	o->bytes += len;
	if (!o->nfifo || !pending_less(&e, fifo_at(o, o->nfifo - 1)))
		fifo_push(o, &e);
	else
		heap_push(o, &e);
}

/* wall is window or more before now (no signed overflow, any values) */
static bool window_passed(int64_t wall, int64_t now, int64_t window)
{
	return wall <= now && (uint64_t)now - (uint64_t)wall >= (uint64_t)window;
}

/* a line with this timestamp may go: no line still to come can precede it */
static bool may_go(const struct http_log *o, int64_t wall)
{
	return (o->have_now && window_passed(wall, o->now, o->window_ns)) ||
	       (o->have_floor && wall <= o->floor);
}

/* writes what the window lets go: lines that began window_ns or more
 * before the latest record or at or before the floor, and the earliest
 * ones while over max_bytes */
static void window_flush(struct http_log *o)
{
	while (o->nfifo + o->nheap) {
		bool ff;
		const struct pending *m = held_min(o, &ff);
		if (o->bytes <= o->max_bytes && !may_go(o, m->wall))
			break;
		held_pop_write(o);
	}
}

void http_log_advance(struct http_log *o, int64_t wall_ns)
{
	if (!o)
		return;
	if (!o->have_now || wall_ns > o->now) {
		o->now = wall_ns;
		o->have_now = true;
	}
	window_flush(o);
}

void http_log_floor(struct http_log *o, int64_t wall_ns)
{
	if (!o)
		return;
	if (!o->have_floor || wall_ns > o->floor) {
		o->floor = wall_ns;
		o->have_floor = true;
	}
	window_flush(o);
}

bool http_log_holding(const struct http_log *o)
{
	return o && o->window_ns && o->nfifo + o->nheap;
}

/* writes every held line and flushes f; @return 0, or -1 if a write failed */
static int http_log_flush(struct http_log *w)
{
	if (!w)
		return 0;
	while (w->nfifo + w->nheap)
		held_pop_write(w);
	run_flush(w);
	out_drain(w);
	return w->err || fflush(w->f) ? -1 : 0;
}

static void http_log_free(struct http_log *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < FRAG_SLOTS; i++) {
		dbuf_free(&w->frags[i].head);
		dbuf_free(&w->frags[i].tail);
	}
	free(w->frags);
	free(w->cur);
	free(w->spare);
	dbuf_free(&w->line);
	dbuf_free(&w->tmp);
	dbuf_free(&w->out);
	free(w->fifo);
	free(w->heap);
	free(w);
}

int http_log_close(struct http_log *w)
{
	int rc = http_log_flush(w);

	http_log_free(w);
	return rc;
}

/* ---- the sink (event.h) ---- */

static void sink_http(void *ctx, const struct an_http_event *ev)
{
	http_log_message(ctx, ev);
}

static void sink_connection(void *ctx, const struct an_conn_event *ev)
{
	http_log_connection(ctx, ev);
}

static void sink_advance(void *ctx, int64_t wall_ns)
{
	http_log_advance(ctx, wall_ns);
}

static bool sink_holding(void *ctx)
{
	return http_log_holding(ctx);
}

static void sink_floor(void *ctx, int64_t wall_ns)
{
	http_log_floor(ctx, wall_ns);
}

static int sink_end(void *ctx, const struct an_summary *s)
{
	(void)s;
	return http_log_flush(ctx);
}

static void sink_free(void *ctx)
{
	http_log_free(ctx);
}

struct an_sink *http_log_sink(FILE *f, const struct an_opts *o)
{
	struct http_log *w = http_log_create(f, o);

	w->sink = (struct an_sink){
	    .ctx = w,
	    .events = true,
	    .http = sink_http,
	    .connection = sink_connection,
	    .advance = sink_advance,
	    .holding = sink_holding,
	    .floor = sink_floor,
	    .end = sink_end,
	    .free = sink_free,
	};
	return &w->sink;
}

/* ---- text pieces (the bytes the jw_* writer would give) ---- */

#define LIT(b, s) dbuf_put((b), (s), sizeof(s) - 1)

static void put_strn(struct dbuf *b, const void *s, size_t n)
{
	dbuf_putc(b, '"');
	json_escape(b, s, n);
	dbuf_putc(b, '"');
}

/* a C string, or null */
static void put_str(struct dbuf *b, const char *s)
{
	if (s)
		put_strn(b, s, strlen(s));
	else
		LIT(b, "null");
}

/* ASCII case-folded FNV-1a: equal for names equal but for case */
static uint64_t name_hash(const uint8_t *p, size_t n)
{
	uint64_t h = HASH_SEED;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i] >= 'A' && p[i] <= 'Z' ? (uint8_t)(p[i] + 32) : p[i];
		h ^= c;
		h *= 0x100000001b3ull;
	}
	return h;
}

static bool same_name(const struct http_header *a, uint64_t ha, const struct http_header *b,
		      uint64_t hb)
{
	return ha == hb && a->name_len == b->name_len && ieq_len(a->name, b->name, a->name_len);
}

/* headers object: a repeated name (case-insensitively) is written once, at
 * its first place, as an array of its values in order */
static void put_headers(struct http_log *o, struct dbuf *b, struct dbuf *tmp,
			const struct http_header *h, size_t n, bool show)
{
	uint64_t hs[32], *hv = n <= 32 ? hs : xmalloc(size_mul(n, sizeof(*hv)));
	bool first = true;

	for (size_t i = 0; i < n; i++)
		hv[i] = name_hash(h[i].name, h[i].name_len);
	dbuf_putc(b, '{');
	for (size_t i = 0; i < n; i++) {
		size_t count = 1, left, j;
		bool seen = false, secret;

		for (j = 0; j < i && !seen; j++)
			seen = same_name(&h[j], hv[j], &h[i], hv[i]);
		if (seen)
			continue;
		for (j = i + 1; j < n; j++)
			count += same_name(&h[j], hv[j], &h[i], hv[i]);
		secret = !show && redact_header(&o->secrets, h[i].name, h[i].name_len);
		if (!first)
			dbuf_putc(b, ',');
		first = false;
		put_strn(b, h[i].name, h[i].name_len);
		dbuf_putc(b, ':');
		if (count > 1)
			dbuf_putc(b, '[');
		for (j = i, left = count; j < n && left; j++) {
			if (j != i && !same_name(&h[j], hv[j], &h[i], hv[i]))
				continue;
			if (j != i)
				dbuf_putc(b, ',');
			if (secret) {
				tmp->len = 0;
				redact_value(tmp, h[j].name, h[j].name_len, h[j].value,
					     h[j].value_len);
				put_strn(b, tmp->p, tmp->len);
			} else {
				put_strn(b, h[j].value, h[j].value_len);
			}
			left--;
		}
		if (count > 1)
			dbuf_putc(b, ']');
	}
	dbuf_putc(b, '}');
	if (hv != hs)
		free(hv);
}

static void put_container(struct dbuf *b, const struct an_container *c)
{
	if (!c) {
		LIT(b, "null");
		return;
	}
	LIT(b, "{\"service\":");
	put_str(b, c->service);
	LIT(b, ",\"image\":");
	put_str(b, c->image);
	LIT(b, ",\"container_id\":");
	put_str(b, c->id);
	LIT(b, ",\"container_name\":");
	put_str(b, c->name);
	dbuf_putc(b, '}');
}

/* the parts of a line that only depend on the view and the direction */
static const struct frag *frag_of(struct http_log *o, const struct an_conn_view *v, bool sent)
{
	const struct an_end *src = sent ? &v->local : &v->remote;
	const struct an_end *dst = sent ? &v->remote : &v->local;
	struct frag *fr = &o->frags[(v->id * 2 + sent) & (FRAG_SLOTS - 1)];
	struct frag_key k;
	char ip[AN_IP_LEN];

	memset(&k, 0, sizeof(k));
	k.id = v->id;
	k.comm = v->comm;
	k.cmdline = v->cmdline;
	k.dtype = dst->type;
	k.sctr = src->ctr;
	k.dctr = dst->ctr;
	k.pid = v->pid;
	k.sport = src->port;
	k.dport = dst->port;
	k.sent = sent;
	k.sfam = src->family;
	k.dfam = dst->family;
	memcpy(k.saddr, src->addr, 16);
	memcpy(k.daddr, dst->addr, 16);
	if (fr->valid && !memcmp(&fr->k, &k, sizeof(k)))
		return fr;
	fr->k = k;
	fr->valid = true;
	fr->head.len = 0;
	LIT(&fr->head, "\"pid\":");
	dbuf_u64(&fr->head, v->pid);
	LIT(&fr->head, ",\"comm\":");
	put_str(&fr->head, v->comm);
	LIT(&fr->head, ",\"cmdline\":");
	put_str(&fr->head, v->cmdline);
	if (sent)
		LIT(&fr->head, ",\"direction\":\"send\",\"source_ip\":");
	else
		LIT(&fr->head, ",\"direction\":\"recv\",\"source_ip\":");
	fmt_ip(ip, src->family, src->addr);
	put_str(&fr->head, ip);
	LIT(&fr->head, ",\"source_port\":");
	dbuf_u64(&fr->head, src->port);
	LIT(&fr->head, ",\"dest_ip\":");
	fmt_ip(ip, dst->family, dst->addr);
	put_str(&fr->head, ip);
	LIT(&fr->head, ",\"dest_port\":");
	dbuf_u64(&fr->head, dst->port);

	fr->tail.len = 0;
	LIT(&fr->tail, "\"source_container\":");
	put_container(&fr->tail, src->ctr);
	LIT(&fr->tail, ",\"destination_container\":");
	put_container(&fr->tail, dst->ctr);
	LIT(&fr->tail, ",\"destination_type\":");
	put_str(&fr->tail, dst->type);
	return fr;
}

static void put_time(struct dbuf *b, int64_t wall)
{
	char t[AN_TIME_LEN];

	fmt_time(t, wall);
	dbuf_putc(b, '"');
	dbuf_put(b, t, 30); /* fmt_time's text is plain ASCII, 30 chars */
	dbuf_putc(b, '"');
}

/* "12.345": milliseconds with three decimals */
static void put_ms(struct dbuf *b, uint64_t ns)
{
	uint64_t us = ns / 1000, frac = us % 1000;
	char d[4] = {(char)('.'), (char)('0' + frac / 100), (char)('0' + frac / 10 % 10),
		     (char)('0' + frac % 10)};

	dbuf_u64(b, us / 1000);
	dbuf_put(b, d, 4);
}

static void put_int(struct dbuf *b, int v)
{
	if (v < 0) {
		dbuf_putc(b, '-');
		dbuf_u64(b, (uint64_t)0 - (uint64_t)(int64_t)v);
	} else {
		dbuf_u64(b, (uint64_t)v);
	}
}

/* the line just built, for the time it names */
static void line_out(struct http_log *o, int64_t wall)
{
	dbuf_putc(&o->line, '\n');
	if (!o->window_ns || (!o->nfifo && !o->nheap && may_go(o, wall))) {
		out_put(o, o->line.p, o->line.len);
		return;
	}
	held_push(o, wall, o->line.p, o->line.len);
	window_flush(o);
}

/* ,"raw_payload":"..." (credential values redacted unless show_secrets) */
static void put_raw(struct http_log *o, struct dbuf *b, const struct http_msg *m)
{
	const uint8_t *raw = m->raw;
	size_t rl = m->raw_len, cut;

	LIT(b, ",\"raw_payload\":\"");
	o->tmp.len = 0;
	if (!o->show_secrets && redact_raw(&o->secrets, &o->tmp, m->raw, m->raw_len)) {
		raw = o->tmp.p;
		rl = o->tmp.len;
	}
	cut = utf8_cut(raw, rl, o->raw_limit);
	json_escape(b, raw, cut);
	dbuf_putc(b, '"');
}

/* HTTP/2 and gRPC fields (README "http.jsonl") */
static void put_h2(struct dbuf *b, const struct http_msg *m, const struct http_txn *t)
{
	const struct http_h2_info *x = m->h2;

	LIT(b, ",\"stream_id\":");
	dbuf_u64(b, x->stream_id);
	LIT(b, ",\"authority\":");
	if (x->authority)
		put_strn(b, x->authority, x->authority_len);
	else
		LIT(b, "null");
	LIT(b, ",\"hpack_unknown\":");
	dbuf_u64(b, x->hpack_unknown);
	if (!x->grpc)
		return;
	/* :path is /package.Service/Method */
	const char *path = m->kind == HTTP_REQUEST && m->target ? NULL : (t ? t->target : NULL);
	const uint8_t *pp = path ? (const uint8_t *)path : m->target;
	size_t pl = path ? strlen(path) : (m->target ? m->target_len : 0);
	const uint8_t *slash = pl > 1 ? memchr(pp + 1, '/', pl - 1) : NULL;
	LIT(b, ",\"grpc\":{\"service\":");
	if (slash && pp[0] == '/')
		put_strn(b, pp + 1, (size_t)(slash - pp - 1));
	else
		LIT(b, "null");
	LIT(b, ",\"method\":");
	if (slash && pp[0] == '/')
		put_strn(b, slash + 1, pl - (size_t)(slash + 1 - pp));
	else
		LIT(b, "null");
	LIT(b, ",\"messages\":");
	dbuf_u64(b, x->grpc_messages);
	if (x->grpc_compressed)
		LIT(b, ",\"compressed\":true");
	else
		LIT(b, ",\"compressed\":false");
	if (x->grpc_decoded)
		LIT(b, ",\"decoded\":true");
	else
		LIT(b, ",\"decoded\":false");
	if (m->kind == HTTP_RESPONSE) {
		LIT(b, ",\"status\":");
		if (x->grpc_status >= 0)
			put_int(b, x->grpc_status);
		else
			LIT(b, "null");
		LIT(b, ",\"message\":");
		if (x->grpc_message)
			put_strn(b, x->grpc_message, x->grpc_message_len);
		else
			LIT(b, "null");
	}
	dbuf_putc(b, '}');
}

void http_log_message(struct http_log *o, const struct an_http_event *ev)
{
	const struct http_msg *m = ev->msg;
	const struct an_conn_view *v = ev->conn;
	const struct frag *fr = frag_of(o, v, ev->sent);
	struct dbuf *b = &o->line;
	bool req = m->kind == HTTP_REQUEST;
	size_t cut;

	b->len = 0;
	LIT(b, "{\"timestamp\":");
	put_time(b, ev->wall_ns);
	dbuf_putc(b, ',');
	dbuf_put(b, fr->head.p, fr->head.len);
	LIT(b, ",\"bytes\":");
	dbuf_u64(b, m->wire_bytes);
	if (req) {
		/* HTTP/2: NULL when the HPACK entry was not seen (proto/h2.h) */
		LIT(b, ",\"method\":");
		if (m->method)
			put_strn(b, m->method, m->method_len);
		else
			LIT(b, "null");
		LIT(b, ",\"url\":");
		if (m->target)
			put_strn(b, m->target, m->target_len);
		else
			LIT(b, "null");
		LIT(b, ",\"status_code\":null,\"headers\":");
	} else {
		LIT(b, ",\"method\":null,\"url\":null,\"status_code\":");
		dbuf_u64(b, (uint64_t)m->status);
		LIT(b, ",\"headers\":");
	}
	if (o->headers)
		put_headers(o, b, &o->tmp, m->headers, m->nheaders, o->show_secrets);
	else
		LIT(b, "null"); /* dropped by select_fields() */

	/* body: text cut at body_limit (on a character boundary), "..." when
	 * there is more */
	if (o->body) {
		LIT(b, ",\"body\":\"");
		if (m->decoded) {
			/* decoded (Content-Encoding, gRPC): its own length says
			 * whether there is more */
			cut = utf8_cut(m->decoded, m->decoded_len, o->body_limit);
			json_escape(b, m->decoded, cut);
			if (m->decoded_len > cut || (m->flags & HTTP_MSG_DECODE_CUT))
				LIT(b, "...");
		} else {
			cut = utf8_cut(m->body, m->body_len, o->body_limit);
			json_escape(b, m->body, cut);
			if (m->body_total > cut)
				LIT(b, "...");
		}
		dbuf_putc(b, '"');
	}
	if (o->raw_payload)
		put_raw(o, b, m);
	dbuf_putc(b, ',');
	dbuf_put(b, fr->tail.p, fr->tail.len);

	/* additions */
	if (req)
		LIT(b, ",\"message\":\"request\",\"http_version\":");
	else
		LIT(b, ",\"message\":\"response\",\"http_version\":");
	LIT(b, "\"HTTP/");
	put_int(b, m->version_major);
	if (!m->h2) {
		dbuf_putc(b, '.');
		put_int(b, m->version_minor);
	}
	LIT(b, "\",\"connection_id\":");
	dbuf_u64(b, v->id);
	if (v->tls)
		LIT(b, ",\"tls\":true");
	LIT(b, ",\"transaction_id\":");
	if (ev->txn)
		dbuf_u64(b, ev->txn->id);
	else
		LIT(b, "null");
	LIT(b, ",\"latency_ms\":");
	if (!req && ev->txn && m->end_ts >= ev->txn->req_start_ts)
		put_ms(b, m->end_ts - ev->txn->req_start_ts);
	else
		LIT(b, "null");
	if (m->flags & (HTTP_MSG_TRUNCATED | HTTP_MSG_INCOMPLETE))
		LIT(b, ",\"truncated\":true,\"body_bytes\":");
	else
		LIT(b, ",\"truncated\":false,\"body_bytes\":");
	dbuf_u64(b, m->body_total);
	LIT(b, ",\"trailers\":");
	if (m->ntrailers && o->trailers)
		put_headers(o, b, &o->tmp, m->trailers, m->ntrailers, o->show_secrets);
	else
		LIT(b, "null");
	if (m->content_coding) {
		LIT(b, ",\"content_encoding\":");
		put_str(b, m->content_coding);
		LIT(b, ",\"decoded_bytes\":");
		dbuf_u64(b, m->decoded_total);
		if (m->flags & HTTP_MSG_DECODE_CUT)
			LIT(b, ",\"decoded_truncated\":true");
		else
			LIT(b, ",\"decoded_truncated\":false");
	}
	if (m->h2)
		put_h2(b, m, ev->txn);
	dbuf_putc(b, '}');
	if (o->keep)
		select_fields(o);
	line_out(o, ev->wall_ns);
}

void http_log_connection(struct http_log *o, const struct an_conn_event *ev)
{
	const struct an_conn_view *v = ev->conn;
	bool sent = v->role != AN_ROLE_SERVER;
	const struct frag *fr = frag_of(o, v, sent);
	struct dbuf *b = &o->line;

	b->len = 0;
	LIT(b, "{\"timestamp\":");
	put_time(b, ev->wall_ns);
	LIT(b, ",\"event_type\":\"connection\",");
	dbuf_put(b, fr->head.p, fr->head.len);
	LIT(b, ",\"protocol\":");
	put_str(b, ev->cls->protocol);
	LIT(b, ",\"category\":");
	put_str(b, ev->cls->category[0] ? ev->cls->category : NULL);
	LIT(b, ",\"confidence\":");
	put_int(b, ev->cls->confidence);
	LIT(b, ",\"detection_reason\":");
	put_str(b, ev->cls->reason);
	dbuf_putc(b, ',');
	dbuf_put(b, fr->tail.p, fr->tail.len);
	LIT(b, ",\"connection_id\":");
	dbuf_u64(b, v->id);
	if (v->tls)
		LIT(b, ",\"tls\":true");
	if (v->role == AN_ROLE_SERVER)
		LIT(b, ",\"role\":\"server\",\"sni\":");
	else
		LIT(b, ",\"role\":\"client\",\"sni\":");
	put_str(b, ev->cls->sni[0] ? ev->cls->sni : NULL);
	LIT(b, ",\"bytes_sent\":");
	dbuf_u64(b, ev->bytes_sent);
	LIT(b, ",\"bytes_received\":");
	dbuf_u64(b, ev->bytes_received);
	dbuf_putc(b, '}');
	if (o->keep)
		select_fields(o);
	line_out(o, ev->wall_ns);
}
