/* replay.c - recorded requests to a target, responses compared (see
 * replay.h). The only file that talks to libcurl. */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "record.h"
#include "regress/compare.h"
#include "regress/match.h"
#include "regress/replay.h"
#include "secret.h"

/* headers the connection owns: never copied from the recording */
static const char *const conn_headers[] = {
    "host", "content-length", "transfer-encoding", "connection",     "keep-alive", "expect",
    "te",   "upgrade",	      "proxy-connection",  "http2-settings",
};

static bool conn_header(const char *name)
{
	if (name[0] == ':')
		return true; /* HTTP/2 pseudo-headers: the wire client writes them */
	for (size_t i = 0; i < sizeof(conn_headers) / sizeof(conn_headers[0]); i++)
		if (!strcasecmp(name, conn_headers[i]))
			return true;
	return false;
}

enum skip {
	SKIP_CREDENTIALS,
	SKIP_REDACTED,
	SKIP_NOT_WHOLE,
	SKIP_NO_RESPONSE,
	SKIP_NOT_ORIGIN,
	NSKIP,
	SEND = NSKIP,
};

static const char *const skip_names[NSKIP] = {"credentials", "redacted", "not_whole", "no_response",
					      "not_origin_form"};

static bool redacted_credential(const struct rset_msg *m)
{
	for (size_t i = 0; i < m->nh; i++)
		if (sr_secret_header(m->h[i].name, strlen(m->h[i].name)) &&
		    strstr(m->h[i].value, SR_REDACTED))
			return true;
	return false;
}

static enum skip verdict(const struct rset_txn *t, const struct replay_opts *o)
{
	if (!t->req.whole)
		return SKIP_NOT_WHOLE;
	if (!t->resp.seen)
		return SKIP_NO_RESPONSE;
	if (match_origin(t->target)[0] != '/')
		return SKIP_NOT_ORIGIN;
	if (t->credential && !o->with_credentials)
		return SKIP_CREDENTIALS;
	if (t->credential && redacted_credential(&t->req))
		return SKIP_REDACTED;
	return SEND;
}

static bool of_service(const struct rset_txn *t, void *ctx)
{
	const char *service = ctx;
	return !service || !strcmp(t->server, service);
}

/* ---- the wire ---- */

struct reply {
	struct rset_msg m;
	struct dbuf body;
	size_t cap_h;
	bool cut;
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct reply *r = ctx;
	size_t n = size * nmemb, room = REPLAY_MAX_BODY - r->body.len;

	if (n > room) {
		r->cut = true;
		dbuf_put(&r->body, p, room);
	} else {
		dbuf_put(&r->body, p, n);
	}
	return n;
}

static void reply_headers_free(struct reply *r)
{
	for (size_t i = 0; i < r->m.nh; i++) {
		free(r->m.h[i].name);
		free(r->m.h[i].value);
	}
	r->m.nh = 0;
}

/* one header line; a status line starts the headers over (1xx) */
static size_t on_header(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct reply *r = ctx;
	size_t n = size * nmemb, len = n, nl;
	const char *colon;

	while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	if (len >= 5 && !memcmp(p, "HTTP/", 5)) {
		reply_headers_free(r);
		return n;
	}
	colon = memchr(p, ':', len);
	if (!colon || r->m.nh >= HTTP_MAX_HEADERS)
		return n;
	if (r->m.nh == r->cap_h) {
		r->cap_h = r->cap_h ? r->cap_h * 2 : 16;
		r->m.h = xrealloc(r->m.h, size_mul(r->cap_h, sizeof(*r->m.h)));
	}
	nl = (size_t)(colon - p);
	colon++;
	while (colon < p + len && (*colon == ' ' || *colon == '\t'))
		colon++;
	r->m.h[r->m.nh].name = xstrndup(p, nl);
	r->m.h[r->m.nh].value = xstrndup(colon, (size_t)(p + len - colon));
	r->m.nh++;
	return n;
}

static long curl_version_of(const struct rset_msg *m, bool https)
{
	if (m->version_major == 2)
		return https ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
	if (m->version_major == 1 && m->version_minor == 0)
		return CURL_HTTP_VERSION_1_0;
	return CURL_HTTP_VERSION_1_1;
}

/* sends t; @return 0 with r filled, or -1 with err set */
static int send_one(CURL *h, const char *base, const struct rset_txn *t, struct reply *r, char *err,
		    size_t errcap)
{
	struct curl_slist *hl = NULL, *x;
	struct dbuf url = {0}, line = {0};
	bool has_accept = false, https = !strncasecmp(base, "https:", 6);
	char ebuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;
	long status = 0;
	int ret = 0;

	dbuf_puts(&url, base);
	dbuf_puts(&url, match_origin(t->target));
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, dbuf_cstr(&url));
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, REPLAY_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, REPLAY_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, curl_version_of(&t->req, https));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	if (!strcmp(t->method, "HEAD"))
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, t->method);
	if (t->req.body_len) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)t->req.body_len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, t->req.body);
	}
	for (size_t i = 0; i < t->req.nh; i++) {
		const struct rset_header *hd = &t->req.h[i];
		if (conn_header(hd->name))
			continue;
		has_accept |= !strcasecmp(hd->name, "accept");
		line.len = 0;
		/* "Name;" sends a header with an empty value (libcurl's rule) */
		dbuf_printf(&line, hd->value[0] ? "%s: %s" : "%s;", hd->name, hd->value);
		if (!(x = curl_slist_append(hl, dbuf_cstr(&line))))
			xoom();
		hl = x;
	}
	/* what curl would add by itself and the recording did not have */
	if (!has_accept) {
		if (!(x = curl_slist_append(hl, "Accept:")))
			xoom();
		hl = x;
	}
	if (!(x = curl_slist_append(hl, "Expect:")))
		xoom();
	hl = x;
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);

	rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		snprintf(err, errcap, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
		ret = -1;
	} else {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		r->m.seen = true;
		r->m.whole = !r->cut;
		r->m.status = (int)status;
		r->m.body = r->body.p;
		r->m.body_len = r->body.len;
	}
	curl_slist_free_all(hl);
	dbuf_free(&url);
	dbuf_free(&line);
	return ret;
}

static void reply_free(struct reply *r)
{
	reply_headers_free(r);
	free(r->m.h);
	dbuf_free(&r->body);
	memset(r, 0, sizeof(*r));
}

/* ---- pacing ---- */

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void sleep_until(int64_t t)
{
	int64_t d;

	while ((d = t - now_ns()) > 0) {
		struct timespec ts = {d / 1000000000ll, d % 1000000000ll};
		if (nanosleep(&ts, NULL) && errno != EINTR)
			return;
	}
}

/* ---- the report ---- */

/* noise counted per (method, path, field, rule) */
struct noise_ent {
	char *method, *path, *field;
	const char *rule;
	uint64_t count;
};

static void noise_count(struct strmap *m, const char *method, const char *target,
			const struct cmp_noise *n)
{
	const char *origin = match_origin(target);
	size_t plen = strcspn(origin, "?#");
	struct dbuf k = {0};
	struct noise_ent *e;
	void **slot;

	dbuf_printf(&k, "%s%c%.*s%c%s%c%s", method, 0, (int)plen, origin, 0, n->field, 0,
		    cmp_rule_name(n->rule));
	slot = strmap_slot(m, k.p, k.len);
	if (!(e = *slot)) {
		e = xcalloc(1, sizeof(*e));
		e->method = xstrdup(method);
		e->path = xstrndup(origin, plen);
		e->field = xstrdup(n->field);
		e->rule = cmp_rule_name(n->rule);
		*slot = e;
	}
	e->count++;
	dbuf_free(&k);
}

static int noise_cmp(const void *a, const void *b)
{
	const struct noise_ent *x = *(const struct noise_ent *const *)a;
	const struct noise_ent *y = *(const struct noise_ent *const *)b;
	int r = strcmp(x->path, y->path);
	if (!r)
		r = strcmp(x->method, y->method);
	if (!r)
		r = strcmp(x->field, y->field);
	return r ? r : strcmp(x->rule, y->rule);
}

static void noise_free(void *p)
{
	struct noise_ent *e = p;
	free(e->method);
	free(e->path);
	free(e->field);
	free(e);
}

#define REPLAY_BODY_SHOWN 512u

static void write_side(struct jw *w, const char *key, const struct rset_msg *m, const char *err)
{
	const char *ct = m ? rset_header(m, "content-type") : NULL;

	jw_key(w, key);
	jw_obj_open(w);
	if (err) {
		jw_key(w, "error");
		jw_str(w, err);
	} else {
		jw_key(w, "status");
		jw_i64(w, m->status);
		jw_key(w, "content_type");
		if (ct)
			jw_str(w, ct);
		else
			jw_raw(w, "null");
		jw_key(w, "body");
		jw_strn(w, m->body, utf8_cut(m->body, m->body_len, REPLAY_BODY_SHOWN));
		if (m->body_len > REPLAY_BODY_SHOWN) {
			jw_key(w, "body_bytes");
			jw_u64(w, m->body_len);
		}
	}
	jw_obj_close(w);
}

static void write_difference(struct jw *w, const struct rset_txn *t, const struct reply *r,
			     const char *err, const struct cmp_result *c)
{
	jw_obj_open(w);
	jw_key(w, "method");
	jw_str(w, t->method);
	jw_key(w, "url");
	jw_str(w, t->target);
	write_side(w, "recorded", &t->resp, NULL);
	write_side(w, "replayed", err ? NULL : &r->m, err);
	jw_key(w, "what");
	jw_arr_open(w);
	if (err)
		jw_str(w, "no response");
	for (size_t i = 0; c && i < c->nwhat; i++)
		jw_str(w, c->what[i]);
	jw_arr_close(w);
	if (c && c->more_what) {
		jw_key(w, "more");
		jw_u64(w, c->more_what);
	}
	jw_obj_close(w);
}

/* ---- the run ---- */

static int check_target(const char *target, FILE *log)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int ok = u && !curl_url_set(u, CURLUPART_URL, target, 0) &&
		 !curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) &&
		 !curl_url_get(u, CURLUPART_HOST, &host, 0) &&
		 (!strcmp(scheme, "http") || !strcmp(scheme, "https")) && !strchr(target, '?') &&
		 !strchr(target, '#');

	if (!ok)
		fprintf(log,
			"sockrec-analyze: replay: --target '%s' is not an http:// or https:// URL "
			"(scheme, host, optional port and path prefix; no query)\n",
			target);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok ? 0 : -1;
}

/* names in order of first appearance, each with a count */
struct tally {
	struct strmap seen; /* name -> struct tally_ent */
	const char **order;
	size_t n;
};

struct tally_ent {
	size_t count;
};

static void tally_add(struct tally *t, const char *name)
{
	void **slot = strmap_slot(&t->seen, name, strlen(name));
	struct tally_ent *e = *slot;

	if (!e) {
		*slot = e = xcalloc(1, sizeof(*e));
		t->order = xrealloc(t->order, size_mul(t->n + 1, sizeof(*t->order)));
		t->order[t->n++] = name;
	}
	e->count++;
}

static size_t tally_count(const struct tally *t, const char *name)
{
	const struct tally_ent *e = strmap_get(&t->seen, name, strlen(name));
	return e ? e->count : 0;
}

static void tally_free(struct tally *t)
{
	strmap_free(&t->seen, free);
	free(t->order);
}

/* the one service that received requests, or NULL (after saying why) */
static const char *only_service(const struct rset_txn *t, size_t n, FILE *log)
{
	struct tally servers = {0};
	struct dbuf names = {0};
	const char *one;

	for (size_t i = 0; i < n; i++)
		tally_add(&servers, t[i].server);
	for (size_t i = 0; i < servers.n && i < 10; i++)
		dbuf_printf(&names, "%s%s", i ? ", " : "", servers.order[i]);
	if (servers.n > 1)
		fprintf(
		    log,
		    "sockrec-analyze: replay: the capture holds requests to %zu services (%s%s): "
		    "name the one --target stands for with --service\n",
		    servers.n, dbuf_cstr(&names), servers.n > 10 ? ", ..." : "");
	one = servers.n == 1 ? servers.order[0] : NULL;
	dbuf_free(&names);
	tally_free(&servers);
	return one;
}

int replay_run(const struct rset *s, const struct replay_opts *o)
{
	size_t n, nsend = 0, skipped[NSKIP] = {0}, same = 0, different = 0, failed = 0, listed = 0;
	const struct rset_txn *t = rset_txns(s, &n);
	const char *service = o->service;
	struct match_index ix;
	struct cmp_rules rules = {o->ignore, o->nignore, NULL, 0, o->headers, o->nheaders};
	struct strmap noise = {0};
	struct dbuf base = {0}, mtext = {0};
	struct tally methods = {0};
	struct jw w = {0}, diffs = {0};
	enum skip *v;
	CURL *h;
	int64_t start, step;
	int rc = REPLAY_SAME;

	if (check_target(o->target, o->log))
		return REPLAY_USAGE;
	if (!service && n && !(service = only_service(t, n, o->log)))
		return REPLAY_USAGE;
	v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		if (!of_service(&t[i], (void *)service)) {
			v[i] = NSKIP + 1; /* another service's */
			continue;
		}
		v[i] = verdict(&t[i], o);
		if (v[i] == SEND)
			nsend++;
		else
			skipped[v[i]]++;
	}
	/* what will be sent, before anything is */
	for (size_t i = 0; i < n; i++)
		if (v[i] == SEND)
			tally_add(&methods, t[i].method);
	for (size_t i = 0; i < methods.n; i++)
		dbuf_printf(&mtext, "%s%s %zu", i ? ", " : "", methods.order[i],
			    tally_count(&methods, methods.order[i]));
	fprintf(o->log, "replay: sending %zu request%s%s%s%s to %s (service %s), at most %u/s\n",
		nsend, nsend == 1 ? "" : "s", nsend ? " (" : "", nsend ? dbuf_cstr(&mtext) : "",
		nsend ? ")" : "", o->target, service ? service : "none", o->rate);
	for (int k = 0; k < NSKIP; k++)
		if (skipped[k])
			fprintf(o->log, "replay: skipping %zu: %s%s\n", skipped[k], skip_names[k],
				k == SKIP_CREDENTIALS ? " (--with-credentials sends them)" : "");
	dbuf_free(&mtext);
	tally_free(&methods);
	if (!nsend) {
		fprintf(o->log, "sockrec-analyze: replay: no recorded HTTP request to send\n");
		free(v);
		return REPLAY_NOTHING;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) || !(h = curl_easy_init())) {
		fprintf(o->log, "sockrec-analyze: replay: libcurl failed to start\n");
		free(v);
		return REPLAY_ERROR;
	}
	match_index_build(&ix, t, n, of_service, (void *)service);
	match_index_varied(&ix, t, &rules);
	dbuf_puts(&base, o->target);
	while (base.len && base.p[base.len - 1] == '/')
		base.len--;
	dbuf_cstr(&base);

	jw_arr_open(&diffs);
	start = now_ns();
	step = 1000000000ll / (int64_t)o->rate;
	for (size_t i = 0, k = 0; i < n; i++) {
		struct reply r = {0};
		struct cmp_result c = {0};
		struct dbuf key = {0};
		struct match_group *g;
		char err[CURL_ERROR_SIZE + 64] = "";
		bool bad;

		if (v[i] != SEND)
			continue;
		sleep_until(start + (int64_t)k++ * step);
		match_key(&key, t[i].method, t[i].target, t[i].req.body, t[i].req.body_len);
		g = match_lookup(&ix, &key);
		dbuf_free(&key);
		rules.varies = g ? (const char *const *)g->varied : NULL;
		rules.nvaries = g ? g->nvaried : 0;
		if (send_one(h, (const char *)base.p, &t[i], &r, err, sizeof(err))) {
			failed++;
			bad = true;
		} else {
			cmp_response(&t[i].resp, &r.m, &rules, &c);
			for (size_t j = 0; j < c.nnoise; j++)
				noise_count(&noise, t[i].method, t[i].target, &c.noise[j]);
			bad = !cmp_same(&c);
			if (bad)
				different++;
			else
				same++;
		}
		if (bad && listed++ < REPLAY_MAX_DIFFERENCES)
			write_difference(&diffs, &t[i], &r, err[0] ? err : NULL, &c);
		cmp_result_free(&c);
		reply_free(&r);
	}
	jw_arr_close(&diffs);
	curl_easy_cleanup(h);
	curl_global_cleanup();

	jw_obj_open(&w);
	jw_key(&w, "target");
	jw_str(&w, o->target);
	jw_key(&w, "service");
	jw_str(&w, service);
	jw_key(&w, "requests");
	jw_u64(&w, nsend);
	jw_key(&w, "same");
	jw_u64(&w, same);
	jw_key(&w, "different");
	jw_u64(&w, different);
	jw_key(&w, "failed");
	jw_u64(&w, failed);
	jw_key(&w, "skipped");
	jw_obj_open(&w);
	for (int k = 0; k < NSKIP; k++) {
		jw_key(&w, skip_names[k]);
		jw_u64(&w, skipped[k]);
	}
	jw_obj_close(&w);
	jw_key(&w, "differences");
	jw_raw(&w, dbuf_cstr(&diffs.b));
	if (listed > REPLAY_MAX_DIFFERENCES) {
		jw_key(&w, "differences_not_listed");
		jw_u64(&w, listed - REPLAY_MAX_DIFFERENCES);
	}
	jw_key(&w, "noise");
	jw_arr_open(&w);
	{
		size_t nn;
		struct noise_ent **e = (struct noise_ent **)strmap_values(&noise, &nn);
		sort_n(e, nn, sizeof(*e), noise_cmp);
		for (size_t i = 0; i < nn; i++) {
			jw_obj_open(&w);
			jw_key(&w, "method");
			jw_str(&w, e[i]->method);
			jw_key(&w, "path");
			jw_str(&w, e[i]->path);
			jw_key(&w, "field");
			jw_str(&w, e[i]->field);
			jw_key(&w, "rule");
			jw_str(&w, e[i]->rule);
			jw_key(&w, "count");
			jw_u64(&w, e[i]->count);
			jw_obj_close(&w);
		}
		free(e);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	dbuf_putc(&w.b, '\n');
	if (fwrite(w.b.p, 1, w.b.len, o->report) != w.b.len || fflush(o->report))
		rc = REPLAY_ERROR;
	else if (different || failed)
		rc = REPLAY_DIFFERENT;
	fprintf(o->log, "replay: %zu same, %zu different, %zu failed\n", same, different, failed);

	strmap_free(&noise, noise_free);
	match_index_free(&ix);
	jw_free(&w);
	jw_free(&diffs);
	dbuf_free(&base);
	free(v);
	return rc;
}
