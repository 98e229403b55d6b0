/* apidiff.c - two captures compared as APIs (see apidiff.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/htab.h"
#include "out/schema.h"
#include "regress/apidiff.h"
#include "regress/compare.h"
#include "regress/match.h"

/* a small sorted set of strings */
struct strset {
	char **v;
	size_t n;
};

static void set_add(struct strset *s, const char *x)
{
	size_t i = 0;

	while (i < s->n && strcmp(s->v[i], x) < 0)
		i++;
	if (i < s->n && !strcmp(s->v[i], x))
		return;
	if (s->n >= APIDIFF_MAX_VARIANTS) {
		/* the rest are one variant: "..." */
		free(s->v[s->n - 1]);
		s->v[s->n - 1] = xstrdup("\"...\"");
		return;
	}
	s->v = xrealloc(s->v, size_mul(s->n + 1, sizeof(*s->v)));
	memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof(*s->v));
	s->v[i] = xstrdup(x);
	s->n++;
}

static bool set_has(const struct strset *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], x))
			return true;
	return false;
}

static void set_free(struct strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

struct endpoint {
	char *service, *method, *path;
	struct strset req, resp, status;
};

struct api {
	struct strmap eps; /* "service\0method\0path" -> endpoint */
	struct endpoint **sorted;
	size_t n;
};

static bool id_segment(const char *s, size_t n)
{
	size_t dig = 0, hex = 0;

	if (cmp_is_uuid(s, n))
		return true;
	for (size_t i = 0; i < n; i++) {
		dig += isdigit((unsigned char)s[i]) != 0;
		hex += isxdigit((unsigned char)s[i]) != 0;
	}
	return n && (dig == n || (hex == n && n >= 16));
}

char *apidiff_template(const char *target)
{
	const char *p = match_origin(target);
	size_t end = strcspn(p, "?#");
	struct dbuf b = {0};

	for (size_t i = 0; i < end;) {
		size_t seg = strcspn(p + i, "/?#");
		if (seg > end - i)
			seg = end - i;
		if (id_segment(p + i, seg))
			dbuf_puts(&b, "{id}");
		else
			dbuf_put(&b, p + i, seg);
		i += seg;
		if (i < end && p[i] == '/') {
			dbuf_putc(&b, '/');
			i++;
		}
	}
	dbuf_cstr(&b);
	return (char *)b.p;
}

static void add_schema(struct strset *s, const struct rset_msg *m)
{
	json_t *j;
	char *k;

	if (!m->seen || !m->whole)
		return;
	j = schema_infer(m->body, m->body_len);
	k = j ? schema_key(j) : NULL;
	if (!k)
		xoom();
	set_add(s, k);
	free(k);
	json_decref(j);
}

static int ep_cmp(const void *a, const void *b)
{
	const struct endpoint *x = *(const struct endpoint *const *)a;
	const struct endpoint *y = *(const struct endpoint *const *)b;
	int r = strcmp(x->service, y->service);
	if (!r)
		r = strcmp(x->path, y->path);
	return r ? r : strcmp(x->method, y->method);
}

static void api_build(struct api *a, const struct rset *s)
{
	size_t n;
	const struct rset_txn *t = rset_txns(s, &n);
	struct dbuf k = {0};

	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < n; i++) {
		char *path = apidiff_template(t[i].target);
		struct endpoint *e;
		void **slot;

		k.len = 0;
		dbuf_printf(&k, "%s%c%s%c%s", t[i].server, 0, t[i].method, 0, path);
		slot = strmap_slot(&a->eps, k.p, k.len);
		if (!(e = *slot)) {
			e = xcalloc(1, sizeof(*e));
			e->service = xstrdup(t[i].server);
			e->method = xstrdup(t[i].method);
			e->path = path;
			*slot = e;
		} else {
			free(path);
		}
		add_schema(&e->req, &t[i].req);
		if (t[i].resp.seen) {
			char st[16];
			add_schema(&e->resp, &t[i].resp);
			snprintf(st, sizeof(st), "%d", t[i].resp.status);
			set_add(&e->status, st);
		}
	}
	dbuf_free(&k);
	a->sorted = (struct endpoint **)strmap_values(&a->eps, &a->n);
	sort_n(a->sorted, a->n, sizeof(*a->sorted), ep_cmp);
}

static void ep_free(void *p)
{
	struct endpoint *e = p;
	free(e->service);
	free(e->method);
	free(e->path);
	set_free(&e->req);
	set_free(&e->resp);
	set_free(&e->status);
	free(e);
}

static void api_free(struct api *a)
{
	free(a->sorted);
	strmap_free(&a->eps, ep_free);
}

static struct endpoint *api_get(const struct api *a, const struct endpoint *e)
{
	struct dbuf k = {0};
	struct endpoint *x;

	dbuf_printf(&k, "%s%c%s%c%s", e->service, 0, e->method, 0, e->path);
	x = strmap_get(&a->eps, k.p, k.len);
	dbuf_free(&k);
	return x;
}

static void write_ep_id(struct jw *w, const struct endpoint *e)
{
	jw_key(w, "service");
	jw_str(w, e->service);
	jw_key(w, "method");
	jw_str(w, e->method);
	jw_key(w, "path");
	jw_str(w, e->path);
}

/* endpoints of a that b has not */
static size_t write_missing(struct jw *w, const struct api *a, const struct api *b)
{
	size_t n = 0;

	jw_arr_open(w);
	for (size_t i = 0; i < a->n; i++) {
		if (api_get(b, a->sorted[i]))
			continue;
		jw_obj_open(w);
		write_ep_id(w, a->sorted[i]);
		jw_obj_close(w);
		n++;
	}
	jw_arr_close(w);
	return n;
}

/* {"added": [...], "removed": [...]} of two sets; values are JSON text
 * (schemas) or numbers (status codes). @return changes */
static size_t write_set_change(struct jw *w, const char *key, const struct strset *o,
			       const struct strset *n)
{
	size_t added = 0, removed = 0;

	for (size_t i = 0; i < n->n; i++)
		added += !set_has(o, n->v[i]);
	for (size_t i = 0; i < o->n; i++)
		removed += !set_has(n, o->v[i]);
	if (!added && !removed)
		return 0;
	jw_key(w, key);
	jw_obj_open(w);
	jw_key(w, "added");
	jw_arr_open(w);
	for (size_t i = 0; i < n->n; i++)
		if (!set_has(o, n->v[i]))
			jw_raw(w, n->v[i]);
	jw_arr_close(w);
	jw_key(w, "removed");
	jw_arr_open(w);
	for (size_t i = 0; i < o->n; i++)
		if (!set_has(n, o->v[i]))
			jw_raw(w, o->v[i]);
	jw_arr_close(w);
	jw_obj_close(w);
	return added + removed;
}

/* the dependencies of a that b has not (both sorted, rset.h: one walk) */
static size_t write_deps(struct jw *w, const struct rset_dep *a, size_t na,
			 const struct rset_dep *b, size_t nb)
{
	size_t n = 0, j = 0;

	jw_arr_open(w);
	for (size_t i = 0; i < na; i++) {
		int c = 1;
		while (j < nb && (c = rset_dep_cmp(&b[j], &a[i])) < 0)
			j++;
		if (j < nb && c == 0)
			continue;
		jw_obj_open(w);
		jw_key(w, "from");
		jw_str(w, a[i].from);
		jw_key(w, "protocol");
		jw_str(w, a[i].protocol);
		jw_key(w, "to");
		jw_str(w, a[i].to);
		jw_obj_close(w);
		n++;
	}
	jw_arr_close(w);
	return n;
}

/* "key": {"endpoints": N, "dependencies": N} */
static void write_counts(struct jw *w, const char *key, size_t endpoints, size_t deps)
{
	jw_key(w, key);
	jw_obj_open(w);
	jw_key(w, "endpoints");
	jw_u64(w, endpoints);
	jw_key(w, "dependencies");
	jw_u64(w, deps);
	jw_obj_close(w);
}

int apidiff_write(const struct rset *old, const struct rset *new, FILE *f)
{
	struct api a, b;
	struct jw w = {0};
	const struct rset_dep *da, *db;
	size_t nda, ndb, changes = 0;
	int rc;

	api_build(&a, old);
	api_build(&b, new);
	da = rset_deps(old, &nda);
	db = rset_deps(new, &ndb);

	jw_obj_open(&w);
	write_counts(&w, "old", a.n, nda);
	write_counts(&w, "new", b.n, ndb);
	jw_key(&w, "endpoints");
	jw_obj_open(&w);
	jw_key(&w, "added");
	changes += write_missing(&w, &b, &a);
	jw_key(&w, "removed");
	changes += write_missing(&w, &a, &b);
	jw_obj_close(&w);
	jw_key(&w, "changed");
	jw_arr_open(&w);
	for (size_t i = 0; i < a.n; i++) {
		const struct endpoint *x = a.sorted[i], *y = api_get(&b, x);
		struct jw one = {0};
		size_t c = 0;

		if (!y)
			continue;
		jw_obj_open(&one);
		write_ep_id(&one, x);
		c += write_set_change(&one, "request_schema", &x->req, &y->req);
		c += write_set_change(&one, "response_schema", &x->resp, &y->resp);
		c += write_set_change(&one, "status", &x->status, &y->status);
		jw_obj_close(&one);
		if (c)
			jw_raw(&w, dbuf_cstr(&one.b));
		changes += c;
		jw_free(&one);
	}
	jw_arr_close(&w);
	jw_key(&w, "dependencies");
	jw_obj_open(&w);
	jw_key(&w, "added");
	changes += write_deps(&w, db, ndb, da, nda);
	jw_key(&w, "removed");
	changes += write_deps(&w, da, nda, db, ndb);
	jw_obj_close(&w);
	jw_key(&w, "same");
	jw_raw(&w, changes ? "false" : "true");
	jw_obj_close(&w);
	dbuf_putc(&w.b, '\n');
	rc = fwrite(w.b.p, 1, w.b.len, f) == w.b.len && !fflush(f) ? (changes ? 1 : 0) : -1;
	jw_free(&w);
	api_free(&a);
	api_free(&b);
	return rc;
}
