/* match.c - request keys, groups and the closest request (see match.h). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "regress/compare.h"
#include "regress/match.h"

const char *match_origin(const char *target)
{
	const char *p;

	if (strncasecmp(target, "http://", 7) && strncasecmp(target, "https://", 8))
		return target;
	p = strstr(target, "://") + 3;
	p += strcspn(p, "/?#");
	return *p ? p : "/";
}

void match_key(struct dbuf *out, const char *method, const char *target, const uint8_t *body,
	       size_t body_len)
{
	json_t *j = cmp_json_load(body, body_len);

	dbuf_puts(out, method);
	dbuf_putc(out, ' ');
	dbuf_puts(out, match_origin(target));
	dbuf_putc(out, '\n');
	if (j) {
		char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		if (s)
			dbuf_puts(out, s);
		free(s);
		json_decref(j);
		if (s)
			return;
	}
	dbuf_put(out, body, body_len);
}

void match_index_build(struct match_index *ix, const struct rset_txn *t, size_t n,
		       bool (*keep)(const struct rset_txn *t, void *ctx), void *ctx)
{
	struct dbuf k = {0};
	size_t cap = 0;

	memset(ix, 0, sizeof(*ix));
	for (size_t i = 0; i < n; i++) {
		struct match_group *g;
		void **slot;

		if (keep && !keep(&t[i], ctx))
			continue;
		k.len = 0;
		match_key(&k, t[i].method, t[i].target, t[i].req.body, t[i].req.body_len);
		slot = strmap_slot(&ix->groups, k.p, k.len);
		if (!(g = *slot)) {
			g = xcalloc(1, sizeof(*g));
			g->method = t[i].method;
			g->target = t[i].target;
			*slot = g;
			if (ix->ngroups == cap) {
				cap = cap ? cap * 2 : 16;
				ix->order = xrealloc(ix->order, size_mul(cap, sizeof(*ix->order)));
			}
			ix->order[ix->ngroups++] = g;
		}
		if (g->n == g->cap) {
			g->cap = g->cap ? g->cap * 2 : 4;
			g->idx = xrealloc(g->idx, size_mul(g->cap, sizeof(*g->idx)));
		}
		g->idx[g->n++] = i;
	}
	dbuf_free(&k);
}

struct match_group *match_lookup(const struct match_index *ix, const struct dbuf *key)
{
	return strmap_get(&ix->groups, key->p, key->len);
}

/* edit distance of the first MATCH_DIST_MAX bytes (two rows) */
static size_t distance(const char *a, const char *b)
{
	size_t la = strnlen(a, MATCH_DIST_MAX), lb = strnlen(b, MATCH_DIST_MAX);
	size_t row[2][MATCH_DIST_MAX + 1];

	for (size_t j = 0; j <= lb; j++)
		row[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *prev = row[(i - 1) & 1], *cur = row[i & 1];
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	}
	return row[la & 1][lb];
}

const struct match_group *match_closest(const struct match_index *ix, const char *method,
					const char *target)
{
	const struct match_group *best = NULL;
	size_t best_score = SIZE_MAX;

	for (size_t i = 0; i < ix->ngroups && i < MATCH_MAX_CANDIDATES; i++) {
		const struct match_group *g = ix->order[i];
		size_t s = distance(match_origin(g->target), match_origin(target)) +
			   (strcmp(g->method, method) ? MATCH_DIST_MAX + 1 : 0);
		if (s < best_score) {
			best_score = s;
			best = g;
		}
	}
	return best;
}

void match_index_varied(struct match_index *ix, const struct rset_txn *t, const struct cmp_rules *r)
{
	struct cmp_rules base = {0};

	if (r) {
		base = *r;
		base.varies = NULL;
		base.nvaries = 0;
	}
	for (size_t i = 0; i < ix->ngroups; i++) {
		struct match_group *g = ix->order[i];
		const struct rset_msg *first = NULL;

		for (size_t j = 0; j < g->n; j++) {
			const struct rset_msg *m = &t[g->idx[j]].resp;
			struct cmp_result c = {0};

			if (!m->seen || !m->whole)
				continue;
			if (!first) {
				first = m;
				continue;
			}
			cmp_response(first, m, &base, &c);
			for (size_t w = 0; w < c.nwhat; w++) {
				size_t v = 0;
				while (v < g->nvaried && strcmp(g->varied[v], c.what[w]))
					v++;
				if (v < g->nvaried || g->nvaried >= CMP_MAX_WHAT)
					continue;
				g->varied = xrealloc(g->varied,
						     size_mul(g->nvaried + 1, sizeof(*g->varied)));
				g->varied[g->nvaried++] = xstrdup(c.what[w]);
			}
			cmp_result_free(&c);
		}
	}
}

static void group_free(void *p)
{
	struct match_group *g = p;
	for (size_t i = 0; i < g->nvaried; i++)
		free(g->varied[i]);
	free(g->varied);
	free(g->idx);
	free(g);
}

void match_index_free(struct match_index *ix)
{
	strmap_free(&ix->groups, group_free);
	free(ix->order);
	memset(ix, 0, sizeof(*ix));
}
