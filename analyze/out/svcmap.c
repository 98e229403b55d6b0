/* svcmap.c - service map aggregation and YAML output (see svcmap.h). */
#include <stdlib.h>
#include <string.h>

#include "out/schema.h"
#include "out/svcmap.h"
#include "base/htab.h"
#include "base/util.h"
#include "base/yamlw.h"

/* what the sink adds: one transaction, one connection */
struct svc_txn {
	const char *service; /* the caller */
	const char *image;   /* the caller's image, or NULL */
	const char *destination;
	const char *destination_type;
	const char *method;
	const uint8_t *target; /* request-target; the query is dropped */
	size_t target_len;
	const json_t *request_schema; /* borrowed; NULL means null */
	const json_t *response_schema;
	int64_t wall_ns;    /* request time */
	int status;	    /* final status, 0 when none */
	int64_t latency_ns; /* < 0 when unknown */
	bool grpc;	    /* a gRPC call (HTTP/2) */
	int grpc_status;    /* its grpc-status, -1 when none */
	bool tls;	    /* over TLS (its plaintext recorded) */
};

struct svc_conn {
	const char *service;
	const char *image;
	const char *destination;
	const char *destination_type;
	const char *protocol;
	const char *category; /* "" -> null */
	uint16_t port;
	int confidence;
	const char *reason;
	int64_t wall_ns;
	bool tls; /* TLS plaintext: protocol is what ran inside TLS */
};

struct hbin {
	uint16_t bucket;
	uint32_t count;
};

struct stat_bin {
	int status; /* 0: no final response */
	uint64_t count;
};

struct endpoint {
	char *destination, *destination_type, *method, *path;
	json_t *req, *resp;
	char *req_key, *resp_key;
	int64_t first, last;
	uint64_t count;
	struct hbin *lat;
	size_t nlat;
	uint64_t lat_n, lat_max_us;
	struct stat_bin *st;
	size_t nst;
	bool grpc;
	struct stat_bin *gst; /* grpc-status + 1 (0: none) */
	size_t ngst;
	bool tls;
};

struct conn {
	char *destination, *destination_type, *protocol, *category, *reason;
	uint16_t port;
	int confidence;
	int64_t first, last;
	uint64_t count;
	bool tls;
};

struct service {
	char *name;
	char *image;
	int64_t first, last;
	struct strmap endpoints;
	struct strmap conns;
};

/* schema_key() texts of the schemas seen last (held: a pointer names its
 * schema while the reference is kept) */
#define KEY_MEMO 8

struct key_memo {
	json_t *schema;
	char *key;
};

struct svcmap {
	struct strmap services;
	struct key_memo memo[KEY_MEMO];
	unsigned memo_next;
	struct dbuf key;      /* the endpoint key being built */
	struct dbuf last_key; /* ... and the last one, with its entry */
	struct service *last_s;
	struct endpoint *last_e;
};

/* ---- latency buckets ---- */

unsigned svcmap_lat_bucket(uint64_t us)
{
	unsigned b;

	if (us < 128)
		return (unsigned)us;
	b = 63u - (unsigned)__builtin_clzll(us);
	return 128u + (b - 7u) * 64u + (unsigned)((us >> (b - 6u)) - 64u);
}

uint64_t svcmap_lat_bucket_max(unsigned idx)
{
	unsigned k, b;
	uint64_t lo;

	if (idx < 128)
		return idx;
	k = idx - 128;
	b = 7 + k / 64;
	lo = (uint64_t)(64 + k % 64) << (b - 6);
	return lo + ((uint64_t)1 << (b - 6)) - 1;
}

static void lat_add(struct endpoint *e, uint64_t us)
{
	unsigned b = svcmap_lat_bucket(us);
	size_t i = 0, hi = e->nlat;

	/* the first bucket >= b (sorted; a busy endpoint has hundreds) */
	while (i < hi) {
		size_t mid = i + (hi - i) / 2;
		if (e->lat[mid].bucket < b)
			i = mid + 1;
		else
			hi = mid;
	}
	if (i < e->nlat && e->lat[i].bucket == b) {
		e->lat[i].count++;
	} else {
		e->lat = xrealloc(e->lat, size_mul(e->nlat + 1, sizeof(*e->lat)));
		memmove(&e->lat[i + 1], &e->lat[i], (e->nlat - i) * sizeof(*e->lat));
		e->lat[i].bucket = (uint16_t)b;
		e->lat[i].count = 1;
		e->nlat++;
	}
	e->lat_n++;
	if (us > e->lat_max_us)
		e->lat_max_us = us;
}

/* nearest-rank percentile p (0-100) */
static uint64_t lat_pct(const struct endpoint *e, unsigned p)
{
	uint64_t rank = (e->lat_n * p + 99) / 100, seen = 0;

	if (rank == 0)
		rank = 1;
	for (size_t i = 0; i < e->nlat; i++) {
		seen += e->lat[i].count;
		if (seen >= rank) {
			uint64_t v = svcmap_lat_bucket_max(e->lat[i].bucket);
			return v < e->lat_max_us ? v : e->lat_max_us;
		}
	}
	return e->lat_max_us;
}

static void bins_add(struct stat_bin **st, size_t *nst, int status)
{
	size_t i;

	for (i = 0; i < *nst && (*st)[i].status < status; i++)
		;
	if (i < *nst && (*st)[i].status == status) {
		(*st)[i].count++;
		return;
	}
	*st = xrealloc(*st, size_mul(*nst + 1, sizeof(**st)));
	memmove(&(*st)[i + 1], &(*st)[i], (*nst - i) * sizeof(**st));
	(*st)[i].status = status;
	(*st)[i].count = 1;
	(*nst)++;
}

static void status_add(struct endpoint *e, int status)
{
	bins_add(&e->st, &e->nst, status);
}

/* ---- paths ---- */

size_t svcmap_path(const uint8_t *t, size_t n, const uint8_t **path)
{
	size_t i = 0, e;

	*path = t;
	if (n >= 7 && ieq(t, 7, "http://"))
		i = 7;
	else if (n >= 8 && ieq(t, 8, "https://"))
		i = 8;
	if (i) {
		while (i < n && t[i] != '/' && t[i] != '?' && t[i] != '#')
			i++;
		if (i == n || t[i] != '/') {
			*path = (const uint8_t *)"/";
			return 1;
		}
	}
	for (e = i; e < n && t[e] != '?' && t[e] != '#'; e++)
		;
	*path = t + i;
	return e - i;
}

/* ---- aggregation ---- */

static void service_touch(struct service *s, const char *image, int64_t wall)
{
	/* replicas of one service may run different images: keep the least */
	if (image && image[0] && (!s->image || strcmp(image, s->image) < 0)) {
		free(s->image);
		s->image = xstrdup(image);
	}
	if (wall < s->first)
		s->first = wall;
	if (wall > s->last)
		s->last = wall;
}

static struct service *service_get(struct svcmap *m, const char *name, const char *image,
				   int64_t wall)
{
	void **slot = strmap_slot(&m->services, name, strlen(name));
	struct service *s = *slot;

	if (!s) {
		s = *slot = xcalloc(1, sizeof(*s));
		s->name = xstrdup(name);
		s->first = s->last = wall;
	}
	service_touch(s, image, wall);
	return s;
}

static struct svcmap *svcmap_create(void)
{
	return xcalloc(1, sizeof(struct svcmap));
}

/* schema_key() of j ("null" for none), borrowed from the memo; the slot
 * holding keep (a key borrowed just before) is not reused */
static const char *key_of(struct svcmap *m, const json_t *j, const char *keep)
{
	struct key_memo *k;
	char *text;

	if (!j)
		return "null";
	for (unsigned i = 0; i < KEY_MEMO; i++)
		if (m->memo[i].schema == j)
			return m->memo[i].key;
	text = schema_key(j);
	k = &m->memo[m->memo_next++ % KEY_MEMO];
	if (keep && k->key == keep)
		k = &m->memo[m->memo_next++ % KEY_MEMO];
	json_decref(k->schema);
	free(k->key);
	k->schema = json_incref((json_t *)j);
	k->key = text ? text : xstrdup("null");
	return k->key;
}

static void svcmap_add_txn(struct svcmap *m, const struct svc_txn *t)
{
	const uint8_t *path;
	size_t pl = svcmap_path(t->target, t->target_len, &path);
	const char *rk = key_of(m, t->request_schema, NULL);
	const char *sk = key_of(m, t->response_schema, rk);
	struct service *s;
	struct endpoint *e;
	void **slot;

	/* the key: the service's name first, then the endpoint's own key */
	m->key.len = 0;
	dbuf_puts(&m->key, t->service);
	dbuf_putc(&m->key, 0);
	size_t own = m->key.len;
	dbuf_puts(&m->key, t->destination);
	dbuf_putc(&m->key, 0);
	dbuf_puts(&m->key, t->destination_type);
	dbuf_putc(&m->key, 0);
	dbuf_puts(&m->key, t->method);
	dbuf_putc(&m->key, 0);
	dbuf_put(&m->key, path, pl);
	dbuf_putc(&m->key, 0);
	dbuf_puts(&m->key, rk);
	dbuf_putc(&m->key, 0);
	dbuf_puts(&m->key, sk);
	if (t->grpc)
		dbuf_put(&m->key, "\0grpc", 5);
	if (t->tls)
		dbuf_puts(&m->key, "\ntls");
	if (m->last_e && m->key.len == m->last_key.len &&
	    !memcmp(m->key.p, m->last_key.p, m->key.len)) {
		/* the same endpoint as last time (repeated calls) */
		s = m->last_s;
		e = m->last_e;
		service_touch(s, t->image, t->wall_ns);
	} else {
		s = service_get(m, t->service, t->image, t->wall_ns);
		slot = strmap_slot(&s->endpoints, m->key.p + own, m->key.len - own);
		e = *slot;
		if (!e) {
			e = *slot = xcalloc(1, sizeof(*e));
			e->destination = xstrdup(t->destination);
			e->destination_type = xstrdup(t->destination_type);
			e->method = xstrdup(t->method);
			e->path = xstrndup(path, pl);
			e->req =
			    t->request_schema ? json_incref((json_t *)t->request_schema) : NULL;
			e->resp =
			    t->response_schema ? json_incref((json_t *)t->response_schema) : NULL;
			e->req_key = xstrdup(rk);
			e->resp_key = xstrdup(sk);
			e->first = e->last = t->wall_ns;
			e->grpc = t->grpc;
			e->tls = t->tls;
		}
		m->last_key.len = 0;
		dbuf_put(&m->last_key, m->key.p, m->key.len);
		m->last_s = s;
		m->last_e = e;
	}
	e->count++;
	if (t->wall_ns < e->first)
		e->first = t->wall_ns;
	if (t->wall_ns > e->last)
		e->last = t->wall_ns;
	if (t->latency_ns >= 0 && t->status)
		lat_add(e, (uint64_t)t->latency_ns / 1000);
	status_add(e, t->status);
	if (t->grpc)
		bins_add(&e->gst, &e->ngst, t->grpc_status + 1);
}

static void svcmap_add_conn(struct svcmap *m, const struct svc_conn *c)
{
	struct service *s = service_get(m, c->service, c->image, c->wall_ns);
	struct dbuf key = {0};
	struct conn *x;
	void **slot;

	dbuf_puts(&key, c->destination);
	dbuf_putc(&key, 0);
	dbuf_puts(&key, c->destination_type);
	dbuf_putc(&key, 0);
	dbuf_puts(&key, c->protocol);
	dbuf_putc(&key, 0);
	dbuf_puts(&key, c->category);
	dbuf_printf(&key, "%c%u", 0, c->port);
	if (c->tls)
		dbuf_puts(&key, "/tls");
	slot = strmap_slot(&s->conns, key.p, key.len);
	dbuf_free(&key);
	x = *slot;
	if (!x) {
		x = *slot = xcalloc(1, sizeof(*x));
		x->destination = xstrdup(c->destination);
		x->destination_type = xstrdup(c->destination_type);
		x->protocol = xstrdup(c->protocol);
		x->category = xstrdup(c->category);
		x->port = c->port;
		x->tls = c->tls;
		x->confidence = c->confidence;
		x->reason = xstrdup(c->reason);
		x->first = x->last = c->wall_ns;
	} else if (c->confidence > x->confidence ||
		   (c->confidence == x->confidence && c->wall_ns < x->first)) {
		x->confidence = c->confidence;
		free(x->reason);
		x->reason = xstrdup(c->reason);
	}
	x->count++;
	if (c->wall_ns < x->first)
		x->first = c->wall_ns;
	if (c->wall_ns > x->last)
		x->last = c->wall_ns;
}

/* ---- output ---- */

static int cmp_service(const void *a, const void *b)
{
	return strcmp((*(struct service *const *)a)->name, (*(struct service *const *)b)->name);
}

static int cmp_endpoint(const void *pa, const void *pb)
{
	const struct endpoint *a = *(struct endpoint *const *)pa;
	const struct endpoint *b = *(struct endpoint *const *)pb;
	int c;

	if ((c = strcmp(a->destination, b->destination)) ||
	    (c = strcmp(a->destination_type, b->destination_type)) ||
	    (c = strcmp(a->method, b->method)) || (c = strcmp(a->path, b->path)) ||
	    (c = strcmp(a->req_key, b->req_key)) || (c = strcmp(a->resp_key, b->resp_key)))
		return c;
	if (a->grpc != b->grpc)
		return (int)a->grpc - (int)b->grpc;
	return (int)a->tls - (int)b->tls;
}

static int cmp_conn(const void *pa, const void *pb)
{
	const struct conn *a = *(struct conn *const *)pa;
	const struct conn *b = *(struct conn *const *)pb;
	int c;

	if ((c = strcmp(a->destination, b->destination)) ||
	    (c = strcmp(a->destination_type, b->destination_type)))
		return c;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if ((c = strcmp(a->protocol, b->protocol)) || (c = strcmp(a->category, b->category)))
		return c;
	return (int)a->tls - (int)b->tls;
}

static void write_ms(struct yw *w, const char *key, uint64_t us)
{
	char t[32];

	yw_key(w, key);
	fmt_ms(t, sizeof(t), us * 1000);
	yw_plain(w, t);
}

static void write_endpoint(struct yw *w, const struct endpoint *e)
{
	yw_map_start(w);
	yw_key(w, "destination");
	yw_cstr(w, e->destination);
	yw_key(w, "destination_type");
	yw_cstr(w, e->destination_type);
	yw_key(w, "method");
	yw_cstr(w, e->method);
	yw_key(w, "path");
	yw_cstr(w, e->path);
	if (e->grpc) {
		yw_key(w, "protocol");
		yw_cstr(w, "grpc");
	}
	if (e->tls) {
		yw_key(w, "tls");
		yw_plain(w, "true");
	}
	yw_key(w, "request_schema");
	if (e->req)
		yw_json(w, e->req);
	else
		yw_null(w);
	yw_key(w, "response_schema");
	if (e->resp)
		yw_json(w, e->resp);
	else
		yw_null(w);
	yw_key(w, "first_seen");
	yw_time(w, e->first);
	yw_key(w, "last_seen");
	yw_time(w, e->last);
	yw_key(w, "count");
	yw_u64(w, e->count);
	yw_key(w, "latency_ms");
	if (e->lat_n) {
		yw_map_start(w);
		write_ms(w, "p50", lat_pct(e, 50));
		write_ms(w, "p95", lat_pct(e, 95));
		write_ms(w, "max", e->lat_max_us);
		yw_map_end(w);
	} else {
		yw_null(w);
	}
	yw_key(w, "status");
	yw_map_start(w);
	for (size_t i = 0; i < e->nst; i++) {
		if (e->st[i].status)
			yw_i64(w, e->st[i].status);
		else
			yw_plain(w, "none");
		yw_u64(w, e->st[i].count);
	}
	yw_map_end(w);
	if (e->grpc) {
		yw_key(w, "grpc_status");
		yw_map_start(w);
		for (size_t i = 0; i < e->ngst; i++) {
			if (e->gst[i].status)
				yw_i64(w, e->gst[i].status - 1);
			else
				yw_plain(w, "none");
			yw_u64(w, e->gst[i].count);
		}
		yw_map_end(w);
	}
	yw_map_end(w);
}

static void write_conn(struct yw *w, const struct conn *c)
{
	yw_map_start(w);
	yw_key(w, "destination");
	yw_cstr(w, c->destination);
	yw_key(w, "destination_type");
	yw_cstr(w, c->destination_type);
	yw_key(w, "protocol");
	yw_cstr(w, c->protocol);
	yw_key(w, "category");
	yw_cstr(w, c->category[0] ? c->category : NULL);
	if (c->tls) {
		yw_key(w, "tls");
		yw_plain(w, "true");
	}
	yw_key(w, "port");
	yw_u64(w, c->port);
	yw_key(w, "confidence");
	yw_i64(w, c->confidence);
	yw_key(w, "reason");
	yw_cstr(w, c->reason);
	yw_key(w, "first_seen");
	yw_time(w, c->first);
	yw_key(w, "last_seen");
	yw_time(w, c->last);
	yw_key(w, "count");
	yw_u64(w, c->count);
	yw_map_end(w);
}

static void write_service(struct yw *w, struct service *s)
{
	size_t ne, nc;
	struct endpoint **ev = (struct endpoint **)strmap_values(&s->endpoints, &ne);
	struct conn **cv = (struct conn **)strmap_values(&s->conns, &nc);

	sort_n(ev, ne, sizeof(*ev), cmp_endpoint);
	sort_n(cv, nc, sizeof(*cv), cmp_conn);
	yw_map_start(w);
	yw_key(w, "name");
	yw_cstr(w, s->name);
	yw_key(w, "image");
	yw_cstr(w, s->image);
	yw_key(w, "endpoints");
	if (ne) {
		yw_seq_start(w);
		for (size_t i = 0; i < ne; i++)
			write_endpoint(w, ev[i]);
		yw_seq_end(w);
	} else {
		yw_seq_start_flow(w);
		yw_seq_end(w);
	}
	yw_key(w, "connections");
	if (nc) {
		yw_seq_start(w);
		for (size_t i = 0; i < nc; i++)
			write_conn(w, cv[i]);
		yw_seq_end(w);
	} else {
		yw_seq_start_flow(w);
		yw_seq_end(w);
	}
	yw_key(w, "first_seen");
	yw_time(w, s->first);
	yw_key(w, "last_seen");
	yw_time(w, s->last);
	yw_map_end(w);
	free(ev);
	free(cv);
}

/* @return 0, or -1 on a write error */
static int svcmap_write(struct svcmap *m, FILE *f, int64_t generated_at_ns)
{
	struct yw w;
	size_t n;
	struct service **sv;

	if (yw_open(&w, f))
		return -1;
	sv = (struct service **)strmap_values(&m->services, &n);
	sort_n(sv, n, sizeof(*sv), cmp_service);
	yw_doc_start(&w);
	yw_map_start(&w);
	yw_key(&w, "generated_at");
	if (generated_at_ns)
		yw_time(&w, generated_at_ns);
	else
		yw_null(&w);
	yw_key(&w, "services");
	if (n) {
		yw_seq_start(&w);
		for (size_t i = 0; i < n; i++)
			write_service(&w, sv[i]);
		yw_seq_end(&w);
	} else {
		yw_seq_start_flow(&w);
		yw_seq_end(&w);
	}
	yw_map_end(&w);
	yw_doc_end(&w);
	free(sv);
	return yw_close(&w);
}

static void endpoint_free(void *p)
{
	struct endpoint *e = p;
	free(e->destination);
	free(e->destination_type);
	free(e->method);
	free(e->path);
	json_decref(e->req);
	json_decref(e->resp);
	free(e->req_key);
	free(e->resp_key);
	free(e->lat);
	free(e->st);
	free(e->gst);
	free(e);
}

static void conn_free(void *p)
{
	struct conn *c = p;
	free(c->destination);
	free(c->destination_type);
	free(c->protocol);
	free(c->category);
	free(c->reason);
	free(c);
}

static void service_free(void *p)
{
	struct service *s = p;
	strmap_free(&s->endpoints, endpoint_free);
	strmap_free(&s->conns, conn_free);
	free(s->name);
	free(s->image);
	free(s);
}

static void svcmap_free(struct svcmap *m)
{
	if (!m)
		return;
	strmap_free(&m->services, service_free);
	for (unsigned i = 0; i < KEY_MEMO; i++) {
		json_decref(m->memo[i].schema);
		free(m->memo[i].key);
	}
	dbuf_free(&m->key);
	dbuf_free(&m->last_key);
	free(m);
}

/* ---- the sink (event.h) ---- */

/* a transaction's body schemas, in its txn_state slot until its txn event */
struct txn_schemas {
	json_t *req, *resp;
};

struct svcmap_sink {
	struct an_sink sink;
	struct svcmap *map;
	FILE *f;
	struct schema_cache *schemas;	 /* response and request body schemas */
	json_t *s_truncated, *s_nonjson; /* the schemas that are one word */
	struct txn_schemas *spare;	 /* released, for the next transaction */
};

static json_t *body_schema(struct svcmap_sink *k, const struct http_msg *m)
{
	/* the decoded body when there is one (Content-Encoding, gRPC) */
	const uint8_t *body = m->decoded ? m->decoded : m->body;
	size_t len = m->decoded ? m->decoded_len : m->body_len, i = 0;
	uint32_t cut = m->decoded ? HTTP_MSG_DECODE_CUT : HTTP_MSG_BODY_CUT;

	if (m->flags & (HTTP_MSG_TRUNCATED | HTTP_MSG_INCOMPLETE | cut))
		return json_incref(k->s_truncated);
	if (len == 0)
		return json_null();
	/* what cannot start a JSON text needs no parser */
	while (i < len && strchr(" \t\r\n", body[i]) && body[i])
		i++;
	if (i == len || !strchr("{[\"-0123456789tfn", body[i]) || !body[i])
		return json_incref(k->s_nonjson);
	return schema_cache_infer(k->schemas, body, len);
}

/* caller and callee of a view */
static void map_parties(const struct an_conn_view *v, const struct an_end **caller,
			const struct an_end **callee)
{
	if (v->role == AN_ROLE_SERVER) {
		*caller = &v->remote;
		*callee = &v->local;
	} else {
		*caller = &v->local;
		*callee = &v->remote;
	}
}

static void sink_http(void *ctx, const struct an_http_event *ev)
{
	struct svcmap_sink *k = ctx;
	const struct http_msg *m = ev->msg;
	struct txn_schemas *t;

	if (!ev->txn_state)
		return; /* not the view that reports the transaction */
	t = *ev->txn_state;
	if (!t) {
		t = k->spare ? k->spare : xmalloc(sizeof(*t));
		k->spare = NULL;
		memset(t, 0, sizeof(*t));
		*ev->txn_state = t;
	}
	if (m->kind == HTTP_REQUEST && !t->req)
		t->req = body_schema(k, m);
	else if (m->kind == HTTP_RESPONSE && (m->status >= 200 || m->status == 101) && !t->resp)
		t->resp = body_schema(k, m);
}

static void sink_txn(void *ctx, const struct an_txn_event *ev)
{
	struct svcmap_sink *k = ctx;
	struct txn_schemas *u = ev->txn_state;
	const struct http_txn *t = ev->txn;
	const struct an_end *caller, *callee;
	struct svc_txn st;

	/* HTTP/2 recorded mid-connection: :method or :path was in the unseen
	 * part of the HPACK table (proto/h2.h); no endpoint to name */
	if (!t->method[0] || !t->target || !t->target[0])
		goto done;
	map_parties(ev->conn, &caller, &callee);
	memset(&st, 0, sizeof(st));
	st.service = caller->name;
	st.image = caller->ctr ? caller->ctr->image : NULL;
	st.destination = callee->name;
	st.destination_type = callee->type;
	st.method = t->method;
	st.target = (const uint8_t *)t->target;
	st.target_len = t->target ? strlen(t->target) : 0;
	st.request_schema = u ? u->req : NULL;
	st.response_schema = u ? u->resp : NULL;
	st.wall_ns = ev->req_wall_ns;
	st.status = t->status;
	st.latency_ns = ev->latency_ns;
	st.grpc = t->grpc;
	st.grpc_status = t->grpc ? t->grpc_status : -1;
	st.tls = ev->conn->tls;
	svcmap_add_txn(k->map, &st);
done:
	if (u) {
		json_decref(u->req);
		json_decref(u->resp);
		if (k->spare)
			free(u);
		else
			k->spare = u;
	}
}

static void sink_connection(void *ctx, const struct an_conn_event *ev)
{
	struct svcmap_sink *k = ctx;
	const struct an_end *caller, *callee;
	struct svc_conn sc;

	if (!ev->reports)
		return;
	map_parties(ev->conn, &caller, &callee);
	sc.service = caller->name;
	sc.image = caller->ctr ? caller->ctr->image : NULL;
	sc.destination = callee->name;
	sc.destination_type = callee->type;
	sc.protocol = ev->cls->protocol;
	sc.category = ev->cls->category;
	sc.port = callee->port;
	sc.confidence = ev->cls->confidence;
	sc.reason = ev->cls->reason;
	sc.wall_ns = ev->conn->first_wall_ns;
	sc.tls = ev->conn->tls;
	svcmap_add_conn(k->map, &sc);
}

static int sink_end(void *ctx, const struct an_summary *s)
{
	struct svcmap_sink *k = ctx;

	return svcmap_write(k->map, k->f, s->generated_at_ns);
}

static void sink_free(void *ctx)
{
	struct svcmap_sink *k = ctx;

	svcmap_free(k->map);
	schema_cache_free(k->schemas);
	json_decref(k->s_truncated);
	json_decref(k->s_nonjson);
	free(k->spare);
	free(k);
}

struct an_sink *svcmap_sink(FILE *f)
{
	struct svcmap_sink *k = xcalloc(1, sizeof(*k));

	k->map = svcmap_create();
	k->f = f;
	k->schemas = schema_cache_create();
	k->s_truncated = json_string("truncated");
	k->s_nonjson = json_string("non-json");
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
