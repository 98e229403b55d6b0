/* htab.c - the analyzer's hash table (see htab.h). */
#include <stdlib.h>
#include <string.h>

#include "base/htab.h"
#include "base/util.h"

void htab_add(struct htab *t, struct hnode *x, uint64_t hash)
{
	x->hash = hash;
	if (t->n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : HTAB_MIN_BUCKETS;
		struct hnode **b = xcalloc(cap, sizeof(*b));
		for (size_t i = 0; i < t->cap; i++) {
			struct hnode *y = t->b[i], *next;
			for (; y; y = next) {
				next = y->next;
				y->next = b[y->hash & (cap - 1)];
				b[y->hash & (cap - 1)] = y;
			}
		}
		free(t->b);
		t->b = b;
		t->cap = cap;
	}
	x->next = t->b[hash & (t->cap - 1)];
	t->b[hash & (t->cap - 1)] = x;
	t->n++;
}

void htab_del(struct htab *t, struct hnode *x)
{
	struct hnode **pp = &t->b[x->hash & (t->cap - 1)];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == x) {
			*pp = x->next;
			t->n--;
			return;
		}
	}
}

void htab_each(struct htab *t, void (*fn)(struct hnode *x, void *ctx), void *ctx)
{
	for (size_t i = 0; i < t->cap; i++) {
		struct hnode *x = t->b[i], *next;
		for (; x; x = next) {
			next = x->next;
			fn(x, ctx);
		}
	}
}

void htab_free(struct htab *t)
{
	free(t->b);
	t->b = NULL;
	t->cap = t->n = 0;
}

/* ---- position indexes ---- */

struct pos_node {
	struct hnode h;
	uint32_t pos; /* position + 1; 0: empty */
};

uint32_t *htab_pos_slot(struct htab *t, uint64_t hash, htab_pos_eq eq, const void *ctx,
			const void *key)
{
	struct pos_node *empty = NULL, *p;

	for (struct hnode *n = htab_chain(t, hash); n; n = n->next) {
		p = (struct pos_node *)n;
		if (n->hash != hash)
			continue;
		if (p->pos && eq(ctx, p->pos - 1, key))
			return &p->pos;
		if (!p->pos && !empty)
			empty = p;
	}
	if (empty)
		return &empty->pos;
	p = xcalloc(1, sizeof(*p));
	htab_add(t, &p->h, hash);
	return &p->pos;
}

static void free_node(struct hnode *x, void *ctx)
{
	(void)ctx;
	free(x);
}

void htab_pos_free(struct htab *t)
{
	htab_each(t, free_node, NULL);
	htab_free(t);
}

/* ---- strmap ---- */

static struct strmap_ent *strmap_find(const struct strmap *m, const void *key, size_t klen,
				      uint64_t h)
{
	for (struct hnode *n = htab_chain(&m->t, h); n; n = n->next) {
		struct strmap_ent *e = (struct strmap_ent *)n;
		if (n->hash == h && e->klen == klen && (!klen || !memcmp(e->key, key, klen)))
			return e;
	}
	return NULL;
}

void *strmap_get(const struct strmap *m, const void *key, size_t klen)
{
	struct strmap_ent *e = strmap_find(m, key, klen, hash_bytes(HASH_SEED, key, klen));
	return e ? e->val : NULL;
}

void **strmap_slot(struct strmap *m, const void *key, size_t klen)
{
	uint64_t h = hash_bytes(HASH_SEED, key, klen);
	struct strmap_ent *e = strmap_find(m, key, klen, h);

	if (e)
		return &e->val;
	e = xcalloc(1, sizeof(*e));
	e->key = xstrndup(key, klen);
	e->klen = klen;
	htab_add(&m->t, &e->h, h);
	return &e->val;
}

struct values {
	void **out;
	size_t n;
};

static void collect(struct hnode *x, void *ctx)
{
	struct values *v = ctx;

	v->out[v->n++] = ((struct strmap_ent *)x)->val;
}

void **strmap_values(const struct strmap *m, size_t *n)
{
	struct values v = {xmalloc(size_mul(m->t.n ? m->t.n : 1, sizeof(void *))), 0};

	htab_each((struct htab *)&m->t, collect, &v);
	*n = v.n;
	return v.out;
}

static void free_ent(struct hnode *x, void *ctx)
{
	struct strmap_ent *e = (struct strmap_ent *)x;
	void (*free_val)(void *) = *(void (**)(void *))ctx;

	if (free_val)
		free_val(e->val);
	free(e->key);
	free(e);
}

void strmap_free(struct strmap *m, void (*free_val)(void *))
{
	htab_each(&m->t, free_ent, &free_val);
	htab_free(&m->t);
}
