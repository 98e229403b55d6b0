/* rset - the recorded set: every HTTP transaction of a capture, whole, in
 * recorded order, and the dependencies (who called what, by protocol), for
 * replay, diff and mock (analyze/README.md, "regress/").
 *
 * Filled by a sink (event.h): a transaction comes from the view that
 * reports it (the client's, or the server's when the client was not
 * recorded), so a request seen at both ends is in the set once. Nothing
 * here knows the wire: a message is method, target, headers and body as
 * the parser of its protocol gave them (HTTP/1.x today, HTTP/2 the same
 * way; version says which).
 *
 * Order: by the request's first byte (wall clock), ties by the order the
 * transactions completed: deterministic for the same archives.
 *
 * Bounds: at most RSET_MAX_TXNS transactions and RSET_MAX_BYTES of kept
 * headers and bodies (a body is at most the run's body_cap, event.h);
 * past either the set stops growing and says so (rset_dropped()).
 *
 * Ownership: the set owns every string and body; rset_free() frees them.
 */
#ifndef AN_RSET_H
#define AN_RSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define RSET_MAX_TXNS 200000u
#define RSET_MAX_BYTES (512u << 20)

struct rset_header {
	char *name; /* as sent (case kept), NUL-terminated */
	char *value;
};

struct rset_msg {
	bool seen;	   /* this message was recorded */
	bool whole;	   /* not truncated, not cut at body_cap, its end seen */
	int version_major; /* 1 or 2 */
	int version_minor;
	int status;   /* response only */
	char *reason; /* response only: the reason phrase ("" when none) */
	struct rset_header *h;
	size_t nh;
	uint8_t *body;
	size_t body_len;
};

struct rset_txn {
	uint64_t seq;	 /* completion order (ties of wall_ns) */
	int64_t wall_ns; /* the request's first byte */
	char method[HTTP_MAX_METHOD + 1];
	char *target;		   /* request-target as sent */
	char *client;		   /* caller's service name */
	char *server;		   /* callee's service name */
	bool credential;	   /* the request carried a credential header (sr_secret_header) */
	struct rset_msg req, resp; /* resp: the final response */
};

/* one dependency: caller -> destination over protocol (each once) */
struct rset_dep {
	char *from, *protocol, *to;
};

struct rset;

struct rset *rset_create(void);
void rset_free(struct rset *s);

/*! rset_sink() :
 *  A sink (event.h) that fills s: transactions (from the view that reports
 *  them) and dependencies (HTTP transactions and other connections, from
 *  the view that reports them). s outlives the sink; an_sink_free() frees
 *  the sink only. @return the sink (never NULL). */
struct an_sink *rset_sink(struct rset *s);

/* the transactions in recorded order (valid until rset_free) */
const struct rset_txn *rset_txns(const struct rset *s, size_t *n);
/* the order of dependencies: by from, protocol, to (strcmp) */
int rset_dep_cmp(const struct rset_dep *x, const struct rset_dep *y);
/* the dependencies, sorted (rset_dep_cmp) */
const struct rset_dep *rset_deps(const struct rset *s, size_t *n);
/* transactions not kept (past RSET_MAX_TXNS or RSET_MAX_BYTES) */
uint64_t rset_dropped(const struct rset *s);

/* the first header named name (ASCII case-insensitive), or NULL */
const char *rset_header(const struct rset_msg *m, const char *name);

#endif /* AN_RSET_H */
