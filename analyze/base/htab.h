/* htab - the analyzer's one hash table: intrusive, chained, growing by
 * doubling (zstd's and the kernel's hlist habit: the element holds the
 * node, the table holds no copies).
 *
 * Contract:
 *  - The caller embeds struct hnode in its element, computes the hash
 *    (hash_bytes(), base/util.h, or a mix of integers) and compares keys
 *    itself while walking htab_chain(); the table never looks at keys.
 *  - Lookups only: the order of chains and buckets is no output order.
 *    What is written from a table is sorted first (htab_each() is for
 *    freeing and for collecting what will be sorted).
 *  - Memory: the bucket array (at most twice the element count, at least
 *    HTAB_MIN_BUCKETS once used); elements belong to the caller.
 *  - Out of memory exits like xmalloc() (base/util.h).
 *
 * Two uses are built in: position indexes (htab_pos_slot(): items in a
 * growing array, found by position, the index owns its small nodes) and
 * the string-keyed map strmap (base/util.h).
 */
#ifndef AN_HTAB_H
#define AN_HTAB_H

#include <stddef.h>
#include <stdint.h>

#define HTAB_MIN_BUCKETS 256u

struct hnode {
	struct hnode *next;
	uint64_t hash;
};

struct htab {
	struct hnode **b;
	size_t cap, n; /* buckets (a power of two, 0 before the first add), nodes */
};

/* adds x under hash (x must not be in a table) */
void htab_add(struct htab *t, struct hnode *x, uint64_t hash);
/* removes x (it must be in t) */
void htab_del(struct htab *t, struct hnode *x);
/* the chain that holds hash's nodes (others too: compare n->hash and the
 * key); NULL when empty */
static inline struct hnode *htab_chain(const struct htab *t, uint64_t hash)
{
	return t->cap ? t->b[hash & (t->cap - 1)] : NULL;
}
/* calls fn on every node, in no particular order; fn may free the node */
void htab_each(struct htab *t, void (*fn)(struct hnode *x, void *ctx), void *ctx);
/* frees the bucket array (not the nodes) */
void htab_free(struct htab *t);

/* ---- position indexes ---- */

/* does the item at pos have this key */
typedef int (*htab_pos_eq)(const void *ctx, uint32_t pos, const void *key);

/*! htab_pos_slot() :
 *  @return where the position (+ 1) of the item with this key is kept: the
 *          slot of an equal item, else an empty one (0) that the caller
 *          fills with pos + 1 when it adds the item (or leaves at 0). */
uint32_t *htab_pos_slot(struct htab *t, uint64_t hash, htab_pos_eq eq, const void *ctx,
			const void *key);
/* frees a position index's nodes and buckets */
void htab_pos_free(struct htab *t);

/* ---- strmap: string-keyed map over htab ---- */

struct strmap_ent {
	struct hnode h;
	char *key; /* NUL-terminated copy; keys may hold NULs (klen counts them) */
	size_t klen;
	void *val;
};

struct strmap {
	struct htab t;
};

/* the value slot for key (a new slot holds NULL) */
void **strmap_slot(struct strmap *m, const void *key, size_t klen);
/* the value of key, or NULL when there is none (adds nothing) */
void *strmap_get(const struct strmap *m, const void *key, size_t klen);
/* the values, in no particular order (sort them before output); the
 * caller frees the array */
void **strmap_values(const struct strmap *m, size_t *n);
/* frees every entry (free_val on each value, when given) */
void strmap_free(struct strmap *m, void (*free_val)(void *));

#endif /* AN_HTAB_H */
