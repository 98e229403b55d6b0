/* out_http.c - http.jsonl lines (see out_http.h). */
#include <stdlib.h>
#include <string.h>

#include "out_http.h"

/* a line waiting in the reorder window */
struct pending {
	int64_t wall;  /* its "timestamp" */
	uint64_t seq;  /* completion order (ties) */
	uint8_t *line; /* with its LF */
	size_t len;
};

struct out_http {
	FILE *f;
	size_t body_limit, raw_limit;
	bool show_secrets;
	struct jw w;
	struct dbuf tmp;
	bool err;
	/* reorder window: a min-heap by (wall, seq) */
	int64_t window_ns;
	size_t max_bytes;
	struct pending *heap;
	size_t n, cap, bytes;
	uint64_t seq;
	bool have_now;
	int64_t now; /* latest record time seen */
};

struct out_http *out_http_create(FILE *f, const struct analyze_opts *o)
{
	struct out_http *w = xcalloc(1, sizeof(*w));

	w->f = f;
	w->body_limit = o->body_limit;
	w->raw_limit = o->raw_limit;
	w->show_secrets = o->show_secrets;
	w->window_ns = o->reorder_window_ns > 0 ? o->reorder_window_ns : 0;
	w->max_bytes = o->reorder_max_bytes;
	return w;
}

/* ---- reorder window ---- */

static bool pending_less(const struct pending *a, const struct pending *b)
{
	return a->wall != b->wall ? a->wall < b->wall : a->seq < b->seq;
}

static void heap_swap(struct pending *a, struct pending *b)
{
	struct pending t = *a;
	*a = *b;
	*b = t;
}

/* writes and removes the earliest line */
static void heap_pop_write(struct out_http *o)
{
	struct pending *h = o->heap;
	size_t i = 0;

	if (fwrite(h[0].line, 1, h[0].len, o->f) != h[0].len)
		o->err = true;
	o->bytes -= h[0].len;
	free(h[0].line);
	h[0] = h[--o->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < o->n && pending_less(&h[l], &h[m]))
			m = l;
		if (r < o->n && pending_less(&h[r], &h[m]))
			m = r;
		if (m == i)
			break;
		heap_swap(&h[i], &h[m]);
		i = m;
	}
}

static void heap_push(struct out_http *o, int64_t wall, const uint8_t *line, size_t len)
{
	size_t i;

	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 256;
		o->heap = xrealloc(o->heap, size_mul(o->cap, sizeof(*o->heap)));
	}
	i = o->n++;
	o->heap[i].wall = wall;
	o->heap[i].seq = o->seq++;
	o->heap[i].line = (uint8_t *)xstrndup(line, len);
	o->heap[i].len = len;
	o->bytes += len;
	while (i && pending_less(&o->heap[i], &o->heap[(i - 1) / 2])) {
		heap_swap(&o->heap[i], &o->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

/* wall is window or more before now (no signed overflow, any values) */
static bool window_passed(int64_t wall, int64_t now, int64_t window)
{
	return wall <= now && (uint64_t)now - (uint64_t)wall >= (uint64_t)window;
}

/* writes what the window lets go: lines that began window_ns or more
 * before the latest record, and the earliest ones while over max_bytes */
static void window_flush(struct out_http *o)
{
	while (o->n && (o->bytes > o->max_bytes ||
			(o->have_now && window_passed(o->heap[0].wall, o->now, o->window_ns))))
		heap_pop_write(o);
}

void out_http_advance(struct out_http *o, int64_t wall_ns)
{
	if (!o)
		return;
	if (!o->have_now || wall_ns > o->now) {
		o->now = wall_ns;
		o->have_now = true;
	}
	window_flush(o);
}

int out_http_close(struct out_http *w)
{
	int rc;

	if (!w)
		return 0;
	while (w->n)
		heap_pop_write(w);
	rc = w->err || fflush(w->f) ? -1 : 0;
	jw_free(&w->w);
	dbuf_free(&w->tmp);
	free(w->heap);
	free(w);
	return rc;
}

/* ---- redaction ---- */

static const char *const secret_names[] = {
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
};

static const char *const secret_parts[] = {
    "api-key",	"api_key", "apikey", "token",	"secret",
    "password", "passwd",  "x-auth", "session", "credential",
};

bool http_header_secret(const uint8_t *name, size_t n)
{
	char low[128];

	if (n == 0)
		return false;
	if (n >= sizeof(low)) { /* unusual: the slow way */
		for (size_t i = 0; i < sizeof(secret_parts) / sizeof(secret_parts[0]); i++)
			if (icontains(name, n, secret_parts[i]))
				return true;
		return false;
	}
	for (size_t i = 0; i < n; i++)
		low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	low[n] = 0;
	for (size_t i = 0; i < sizeof(secret_names) / sizeof(secret_names[0]); i++)
		if (!strcmp(low, secret_names[i]))
			return true;
	/* names are short: a plain scan beats memmem's set-up */
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < sizeof(secret_parts) / sizeof(secret_parts[0]); i++) {
			const char *p = secret_parts[i];
			size_t j = 0;
			while (p[j] && k + j < n && low[k + j] == p[j])
				j++;
			if (!p[j])
				return true;
		}
	return false;
}

void http_redact_value(struct dbuf *out, const uint8_t *name, size_t nl, const uint8_t *val,
		       size_t vl)
{
	/* keep the scheme of credentials ("Basic", "Bearer"): RFC 9110 11.4 */
	if (ieq(name, nl, "authorization") || ieq(name, nl, "proxy-authorization")) {
		size_t i = 0;
		while (i < vl && val[i] != ' ' && i < 32)
			i++;
		if (i < vl && val[i] == ' ' && i > 0) {
			dbuf_put(out, val, i + 1);
		}
	}
	dbuf_puts(out, REDACTED);
}

void http_redact_raw(struct dbuf *out, const uint8_t *raw, size_t n)
{
	size_t i = 0;
	bool first = true, prev_secret = false;

	while (i < n) {
		const uint8_t *lf = memchr(raw + i, '\n', n - i);
		size_t e = lf ? (size_t)(lf - raw) + 1 : n; /* line with its LF */
		size_t le = e;				    /* without CR LF */
		const uint8_t *colon;

		if (le > i && raw[le - 1] == '\n')
			le--;
		if (le > i && raw[le - 1] == '\r')
			le--;
		if (first) {
			first = false;
		} else if (le == i && lf) {
			/* end of the head: the body is copied as it is */
			dbuf_put(out, raw + i, n - i);
			return;
		} else if (raw[i] == ' ' || raw[i] == '\t') {
			if (prev_secret) { /* obs-fold continuation of a secret */
				dbuf_putc(out, ' ');
				dbuf_puts(out, REDACTED);
				dbuf_put(out, raw + le, e - le);
				i = e;
				continue;
			}
		} else if ((colon = memchr(raw + i, ':', le - i)) != NULL) {
			size_t nl = (size_t)(colon - raw) - i;
			prev_secret = http_header_secret(raw + i, nl);
			if (prev_secret) {
				size_t v = (size_t)(colon - raw) + 1;
				while (v < le && (raw[v] == ' ' || raw[v] == '\t'))
					v++;
				dbuf_put(out, raw + i, v - i);
				http_redact_value(out, raw + i, nl, raw + v, le - v);
				dbuf_put(out, raw + le, e - le);
				i = e;
				continue;
			}
		} else {
			prev_secret = false;
		}
		dbuf_put(out, raw + i, e - i);
		i = e;
	}
}

/* ---- fields ---- */

void out_http_headers(struct jw *w, const struct http_header *h, size_t n, bool show)
{
	struct dbuf v = {0};

	jw_obj_open(w);
	for (size_t i = 0; i < n; i++) {
		size_t count = 0;
		bool seen = false;
		bool secret = !show && http_header_secret(h[i].name, h[i].name_len);

		/* a repeated name is written once, at its first place, as an array */
		for (size_t j = 0; j < i && !seen; j++)
			seen = h[j].name_len == h[i].name_len &&
			       ieq_len(h[j].name, h[i].name, h[i].name_len);
		if (seen)
			continue;
		for (size_t j = i; j < n; j++)
			if (h[j].name_len == h[i].name_len &&
			    ieq_len(h[j].name, h[i].name, h[i].name_len))
				count++;
		jw_keyn(w, h[i].name, h[i].name_len);
		if (count > 1)
			jw_arr_open(w);
		for (size_t j = i; j < n; j++) {
			if (h[j].name_len != h[i].name_len ||
			    !ieq_len(h[j].name, h[i].name, h[i].name_len))
				continue;
			if (secret) {
				v.len = 0;
				http_redact_value(&v, h[j].name, h[j].name_len, h[j].value,
						  h[j].value_len);
				jw_strn(w, v.p, v.len);
			} else {
				jw_strn(w, h[j].value, h[j].value_len);
			}
		}
		if (count > 1)
			jw_arr_close(w);
	}
	jw_obj_close(w);
	dbuf_free(&v);
}

static void container(struct jw *w, const struct an_container *c)
{
	if (!c) {
		jw_null(w);
		return;
	}
	jw_obj_open(w);
	jw_key(w, "service");
	jw_str(w, c->service);
	jw_key(w, "image");
	jw_str(w, c->image);
	jw_key(w, "container_id");
	jw_str(w, c->id);
	jw_key(w, "container_name");
	jw_str(w, c->name);
	jw_obj_close(w);
}

static void head_fields(struct jw *w, int64_t wall, const char *event_type,
			const struct an_conn_view *v, bool sent)
{
	char t[AN_TIME_LEN], ip[AN_IP_LEN];
	const struct an_end *src = sent ? &v->local : &v->remote;
	const struct an_end *dst = sent ? &v->remote : &v->local;

	jw_key(w, "timestamp");
	fmt_time(t, wall);
	jw_str(w, t);
	if (event_type) {
		jw_key(w, "event_type");
		jw_str(w, event_type);
	}
	jw_key(w, "pid");
	jw_u64(w, v->pid);
	jw_key(w, "comm");
	jw_str(w, v->comm);
	jw_key(w, "cmdline");
	jw_str(w, v->cmdline);
	jw_key(w, "direction");
	jw_str(w, sent ? "send" : "recv");
	jw_key(w, "source_ip");
	fmt_ip(ip, src->family, src->addr);
	jw_str(w, ip);
	jw_key(w, "source_port");
	jw_u64(w, src->port);
	jw_key(w, "dest_ip");
	fmt_ip(ip, dst->family, dst->addr);
	jw_str(w, ip);
	jw_key(w, "dest_port");
	jw_u64(w, dst->port);
}

/* the line just built, for the time it names */
static void line_out(struct out_http *o, int64_t wall)
{
	dbuf_putc(&o->w.b, '\n');
	if (!o->window_ns) {
		if (fwrite(o->w.b.p, 1, o->w.b.len, o->f) != o->w.b.len)
			o->err = true;
		return;
	}
	heap_push(o, wall, o->w.b.p, o->w.b.len);
	window_flush(o);
}

void out_http_message(struct out_http *o, const struct an_http_event *ev)
{
	const struct http_msg *m = ev->msg;
	const struct an_conn_view *v = ev->conn;
	const struct an_end *src = ev->sent ? &v->local : &v->remote;
	const struct an_end *dst = ev->sent ? &v->remote : &v->local;
	struct jw *w = &o->w;
	bool req = m->kind == HTTP_REQUEST;
	size_t cut;
	char t[64];

	jw_reset(w);
	jw_obj_open(w);
	head_fields(w, ev->wall_ns, NULL, v, ev->sent);
	jw_key(w, "bytes");
	jw_u64(w, m->wire_bytes);
	jw_key(w, "method");
	if (req)
		jw_strn(w, m->method, m->method_len);
	else
		jw_null(w);
	jw_key(w, "url");
	if (req)
		jw_strn(w, m->target, m->target_len);
	else
		jw_null(w);
	jw_key(w, "status_code");
	if (req)
		jw_null(w);
	else
		jw_u64(w, (uint64_t)m->status);
	jw_key(w, "headers");
	out_http_headers(w, m->headers, m->nheaders, o->show_secrets);

	/* body: text cut at body_limit (on a character boundary), "..." when
	 * there is more */
	jw_key(w, "body");
	cut = utf8_cut(m->body, m->body_len, o->body_limit);
	o->tmp.len = 0;
	dbuf_put(&o->tmp, m->body, cut);
	if (m->body_total > cut)
		dbuf_puts(&o->tmp, "...");
	jw_strn(w, o->tmp.p ? o->tmp.p : (const uint8_t *)"", o->tmp.len);

	jw_key(w, "raw_payload");
	o->tmp.len = 0;
	if (o->show_secrets)
		dbuf_put(&o->tmp, m->raw, m->raw_len);
	else
		http_redact_raw(&o->tmp, m->raw, m->raw_len);
	cut = utf8_cut(o->tmp.p ? o->tmp.p : (const uint8_t *)"", o->tmp.len, o->raw_limit);
	jw_strn(w, o->tmp.p ? o->tmp.p : (const uint8_t *)"", cut);

	jw_key(w, "source_container");
	container(w, src->ctr);
	jw_key(w, "destination_container");
	container(w, dst->ctr);
	jw_key(w, "destination_type");
	jw_str(w, dst->type);

	/* additions */
	jw_key(w, "message");
	jw_str(w, req ? "request" : "response");
	jw_key(w, "http_version");
	snprintf(t, sizeof(t), "HTTP/%d.%d", m->version_major, m->version_minor);
	jw_str(w, t);
	jw_key(w, "connection_id");
	jw_u64(w, v->id);
	jw_key(w, "transaction_id");
	if (ev->txn)
		jw_u64(w, ev->txn->id);
	else
		jw_null(w);
	jw_key(w, "latency_ms");
	if (!req && ev->txn && m->end_ts >= ev->txn->req_start_ts) {
		fmt_ms(t, sizeof(t), m->end_ts - ev->txn->req_start_ts);
		jw_raw(w, t);
	} else {
		jw_null(w);
	}
	jw_key(w, "truncated");
	jw_bool(w, m->flags & (HTTP_MSG_TRUNCATED | HTTP_MSG_INCOMPLETE));
	jw_key(w, "body_bytes");
	jw_u64(w, m->body_total);
	jw_key(w, "trailers");
	if (m->ntrailers)
		out_http_headers(w, m->trailers, m->ntrailers, o->show_secrets);
	else
		jw_null(w);
	jw_obj_close(w);
	line_out(o, ev->wall_ns);
}

void out_http_connection(struct out_http *o, const struct an_conn_event *ev)
{
	const struct an_conn_view *v = ev->conn;
	bool sent = v->role != AN_ROLE_SERVER;
	const struct an_end *src = sent ? &v->local : &v->remote;
	const struct an_end *dst = sent ? &v->remote : &v->local;
	struct jw *w = &o->w;

	jw_reset(w);
	jw_obj_open(w);
	head_fields(w, ev->wall_ns, "connection", v, sent);
	jw_key(w, "protocol");
	jw_str(w, ev->cls->protocol);
	jw_key(w, "category");
	jw_str(w, ev->cls->category[0] ? ev->cls->category : NULL);
	jw_key(w, "confidence");
	jw_i64(w, ev->cls->confidence);
	jw_key(w, "detection_reason");
	jw_str(w, ev->cls->reason);
	jw_key(w, "source_container");
	container(w, src->ctr);
	jw_key(w, "destination_container");
	container(w, dst->ctr);
	jw_key(w, "destination_type");
	jw_str(w, dst->type);
	jw_key(w, "connection_id");
	jw_u64(w, v->id);
	jw_key(w, "role");
	jw_str(w, v->role == AN_ROLE_SERVER ? "server" : "client");
	jw_key(w, "sni");
	jw_str(w, ev->cls->sni[0] ? ev->cls->sni : NULL);
	jw_key(w, "bytes_sent");
	jw_u64(w, ev->bytes_sent);
	jw_key(w, "bytes_received");
	jw_u64(w, ev->bytes_received);
	jw_obj_close(w);
	line_out(o, ev->wall_ns);
}
