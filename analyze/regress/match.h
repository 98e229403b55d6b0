/* match - which recorded transactions answer the same request: the key
 * that groups them (replay's "varied" noise, the mock's lookup) and the
 * closest recorded request to one that matches none (the mock's 404).
 *
 * Key: method, request-target (path and query as sent; an absolute-form
 * target loses its scheme and authority) and the normalized body: a JSON
 * body is re-encoded compact with sorted keys (so key order and spacing
 * do not matter), any other body is its bytes. Version independent: an
 * HTTP/2 request has the same key as the HTTP/1.1 one.
 *
 * A group lists its transactions in recorded order. Memory: one entry per
 * distinct key (the key text, the list). Closeness: the method first, then
 * the edit distance of the targets over their first MATCH_DIST_MAX bytes,
 * among the first MATCH_MAX_CANDIDATES groups (bounded work per lookup).
 */
#ifndef AN_MATCH_H
#define AN_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "base/htab.h"
#include "regress/compare.h"
#include "regress/rset.h"

#define MATCH_DIST_MAX 128u
#define MATCH_MAX_CANDIDATES 4096u

struct match_group {
	const char *method, *target; /* the first transaction's (the set's strings) */
	size_t *idx;		     /* indexes into the set's transactions, recorded order */
	size_t n, cap;
	size_t served; /* the mock's: responses given so far */
	char **varied; /* fields that differed between its responses (match_index_varied) */
	size_t nvaried;
};

struct match_index {
	struct strmap groups;	    /* key -> struct match_group */
	struct match_group **order; /* groups by first appearance */
	size_t ngroups;
};

/* appends the key of (method, target, body) to out */
void match_key(struct dbuf *out, const char *method, const char *target, const uint8_t *body,
	       size_t body_len);

/*! match_index_build() :
 *  Groups the transactions keep() accepts (NULL: all) by key. */
void match_index_build(struct match_index *ix, const struct rset_txn *t, size_t n,
		       bool (*keep)(const struct rset_txn *t, void *ctx), void *ctx);
/*! match_index_varied() :
 *  The "varied" noise rule's fields (compare.h): in each group, the first
 *  final response compared (with r's rules, its varies ignored) with every
 *  later one; each field that differed is kept once in the group's
 *  varied list, in the order found. Responses not recorded whole are left
 *  out. */
void match_index_varied(struct match_index *ix, const struct rset_txn *t,
			const struct cmp_rules *r);
/* the group of a key, or NULL */
struct match_group *match_lookup(const struct match_index *ix, const struct dbuf *key);
/* the closest group to (method, target), or NULL when there is none */
const struct match_group *match_closest(const struct match_index *ix, const char *method,
					const char *target);
void match_index_free(struct match_index *ix);

/* the path and query of a request-target (absolute-form: after the authority) */
const char *match_origin(const char *target);

#endif /* AN_MATCH_H */
