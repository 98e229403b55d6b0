/* http - incremental HTTP/1.0 and HTTP/1.1 parser for one connection as one
 * process saw it (RFC 9110 semantics, RFC 9112 message syntax).
 *
 * An http_conn has two directions (0 and 1, the caller's send and recv
 * streams). Bytes arrive in any split: one byte at a time or a whole
 * pipeline in one call give the same messages. Which direction carries
 * requests is learnt from the first start line seen.
 *
 * What it handles: request and status lines with any token method (TRACE,
 * CONNECT, WebDAV, ...); headers with duplicates kept in order and obs-fold
 * joined; Content-Length; chunked bodies with extensions and trailers;
 * bodies spanning any number of calls; keep-alive and pipelining (responses
 * paired to requests in order, 1xx interim responses paired without
 * consuming the request); HEAD, 1xx, 204 and 304 without body; Expect:
 * 100-continue (a client that never sends the body after a final response
 * is recognised); bodies ending at close; Upgrade + 101 and CONNECT + 2xx
 * end HTTP parsing on the connection; the HTTP/2 connection preface.
 *
 * Gaps (bytes missing from the capture): a gap of known length inside a
 * Content-Length body or a chunk's data keeps the parser in step and only
 * marks the message truncated; any other gap ends the message in progress
 * (emitted, marked truncated) and the parser resynchronises at the next
 * line that is a valid start line.
 *
 * Bounds (per direction): HTTP_MAX_HEAD_BYTES of start line + headers,
 * HTTP_MAX_HEADERS header fields, HTTP_MAX_TRAILER_BYTES of trailers,
 * HTTP_MAX_LINE per chunk-size or resync line, body_cap bytes of body and
 * raw_cap bytes of raw message kept (longer ones are counted, not kept);
 * HTTP_MAX_PIPELINE requests awaiting their response per connection.
 * Messages past a cap are still parsed and flagged.
 *
 * Ownership: everything a callback receives points into the connection's
 * buffers and is valid only during the callback, except struct http_txn,
 * which lives until txn_done returns.
 */
#ifndef AN_HTTP_H
#define AN_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

#define HTTP_MAX_HEAD_BYTES (64u * 1024u)
#define HTTP_MAX_HEADERS 256u
#define HTTP_MAX_TRAILER_BYTES (16u * 1024u)
#define HTTP_MAX_LINE (8u * 1024u)
#define HTTP_MAX_METHOD 32u
#define HTTP_MAX_PIPELINE 64u
/* bytes scanned for a first start line on a connection whose start was not
 * seen, before deciding it is not HTTP */
#define HTTP_RESYNC_BUDGET (64u * 1024u)
/* a released transaction is kept for the next request of its connection,
 * with a request-target buffer of this size */
#define HTTP_KEEP_TARGET 256u
#define HTTP_DEFAULT_BODY_CAP (256u * 1024u)
#define HTTP_DEFAULT_RAW_CAP 4096u

/* http_msg.flags */
#define HTTP_MSG_TRUNCATED (1u << 0)  /* bytes inside the message are missing */
#define HTTP_MSG_INCOMPLETE (1u << 1) /* its end was not seen (gap, close, end of input) */
#define HTTP_MSG_BODY_CUT (1u << 2)   /* body longer than body_cap: only the start kept */
#define HTTP_MSG_CHUNKED (1u << 3)    /* Transfer-Encoding: chunked */
#define HTTP_MSG_HEAD_CUT (1u << 4)   /* header fields past HTTP_MAX_HEADERS dropped */
#define HTTP_MSG_NO_BODY_SENT                                                                      \
	(1u << 5) /* Expect: 100-continue, final answer came, body never sent */
#define HTTP_MSG_UNTIL_CLOSE (1u << 6) /* body delimited by the end of the connection */

enum http_kind {
	HTTP_REQUEST = 1,
	HTTP_RESPONSE = 2,
};

/* what the connection turned out to be */
enum http_state {
	HTTP_UNDECIDED = 0,
	HTTP_YES = 1, /* HTTP/1.x seen */
	HTTP_NOT = 2, /* not HTTP (first bytes are no start line) */
	HTTP_H2 = 3,  /* HTTP/2 connection preface, nothing parsed */
};

struct http_header {
	const uint8_t *name;
	size_t name_len;
	const uint8_t *value;
	size_t value_len;
};

/* One request and what answered it. */
struct http_txn {
	uint64_t id; /* >0, from the caller's counter */
	int req_dir; /* direction the request travelled */
	char method[HTTP_MAX_METHOD + 1];
	char *target; /* request-target as sent (NUL-terminated) */
	uint64_t req_start_ts, req_end_ts;
	int status; /* final status, 0 until it arrives */
	uint64_t resp_start_ts, resp_end_ts;
	bool req_done, resp_done;
	bool expect_continue, is_head, is_connect, upgrade;
	void *user; /* the caller's; free it in txn_done */
};

struct http_msg {
	enum http_kind kind;
	int dir;
	uint64_t start_ts, end_ts; /* timestamps of the first and last byte's calls */
	uint64_t wire_bytes;	   /* bytes on the wire, missing ones included */
	int version_major, version_minor;
	const uint8_t *method; /* request only */
	size_t method_len;
	const uint8_t *target;
	size_t target_len;
	int status; /* response only */
	const uint8_t *reason;
	size_t reason_len;
	const struct http_header *headers;
	size_t nheaders;
	const struct http_header *trailers;
	size_t ntrailers;
	const uint8_t *body; /* decoded (de-chunked) body, first body_cap bytes */
	size_t body_len;
	uint64_t body_total; /* decoded body bytes transferred, missing ones included */
	const uint8_t *raw;  /* first raw_cap bytes of the message as captured */
	size_t raw_len;
	uint32_t flags;	      /* HTTP_MSG_* */
	struct http_txn *txn; /* the transaction it belongs to, or NULL */
};

struct http_ops {
	/* a complete (or given up) message */
	void (*message)(void *ctx, const struct http_msg *m);
	/* a transaction is over: its request and final response were both
	 * emitted, or one will never be; free t->user here */
	void (*txn_done)(void *ctx, struct http_txn *t);
	/* hands out transaction ids; NULL: 1, 2, 3... per connection */
	uint64_t (*next_txn_id)(void *ctx);
};

struct http_limits {
	size_t body_cap; /* 0: HTTP_DEFAULT_BODY_CAP */
	size_t raw_cap;	 /* 0: HTTP_DEFAULT_RAW_CAP */
};

struct http_conn;

/*! http_conn_create() :
 *  at_start: the connection's first bytes will be seen (its connect or
 *  accept was recorded), so bytes that are no start line mean "not HTTP";
 *  otherwise the parser first looks for a start line (HTTP_RESYNC_BUDGET). */
struct http_conn *http_conn_create(const struct http_ops *ops, void *ctx,
				   const struct http_limits *lim, bool at_start);
void http_conn_data(struct http_conn *c, int dir, const uint8_t *p, size_t n, uint64_t ts);
/* n missing bytes (0: unknown how many) */
void http_conn_gap(struct http_conn *c, int dir, uint64_t n, uint64_t ts);
/* that direction ended cleanly (the connection was closed) */
void http_conn_eof(struct http_conn *c, int dir, uint64_t ts);
/* no more input: emits what is in progress as incomplete, ends every
 * transaction */
void http_conn_finish(struct http_conn *c, uint64_t ts);
enum http_state http_conn_state(const struct http_conn *c);
/* the direction requests travel, -1 while unknown */
int http_conn_request_dir(const struct http_conn *c);
/* the timestamp of the first byte of the earliest message in progress (a
 * start line being collected counts): a message emitted later starts no
 * earlier than this or than bytes still to come. @return false when none */
bool http_conn_floor(const struct http_conn *c, uint64_t *ts);
/* calls http_conn_finish() if needed; accepts NULL */
void http_conn_free(struct http_conn *c);

/* ---- start lines: the one grammar (RFC 9112 3, 4), for the parser and the
 * classifier (proto/http1.c) alike ---- */
enum http_line {
	HTTP_LINE_BAD = 0,
	HTTP_LINE_MAYBE = 1, /* a valid prefix; more bytes needed */
	HTTP_LINE_REQUEST = 2,
	HTTP_LINE_RESPONSE = 3,
	HTTP_LINE_H2_PREFACE = 4,
};

/* where the parts of a valid start line are (offsets into the line) */
struct http_start_line {
	size_t method_len;	       /* request: the method is at 0 */
	size_t target_off, target_len; /* request */
	int vmaj, vmin;
	int status;		       /* response: 100..999 */
	size_t reason_off, reason_len; /* response; empty: reason_off is the line's end */
};

/*! http_request_line() :
 *  p[0..n) is one line without its LF (a trailing CR is allowed); complete:
 *  the LF was seen (else p may be a prefix of the line). Request line:
 *  method (token, at most HTTP_MAX_METHOD bytes) SP request-target (no
 *  controls, no SP) SP "HTTP/1.D"; "PRI * HTTP/2.0" is the HTTP/2 preface.
 *  @return HTTP_LINE_REQUEST or HTTP_LINE_H2_PREFACE (out filled when not
 *  NULL), HTTP_LINE_MAYBE (a valid prefix, incomplete) or HTTP_LINE_BAD. */
enum http_line http_request_line(const uint8_t *p, size_t n, bool complete,
				 struct http_start_line *out);
/*! http_status_line() :
 *  the same for a status line: "HTTP/1.D" SP 3DIGIT [ SP reason-phrase ].
 *  @return HTTP_LINE_RESPONSE (out filled when not NULL), HTTP_LINE_MAYBE
 *  or HTTP_LINE_BAD. */
enum http_line http_status_line(const uint8_t *p, size_t n, bool complete,
				struct http_start_line *out);
/*! http_check_line() : either, by the line's first bytes ("HTTP/": status
 *  line; a prefix of it is HTTP_LINE_MAYBE while incomplete). */
enum http_line http_check_line(const uint8_t *p, size_t n, bool complete);

/* the method/status name tables */
bool http_method_known(const uint8_t *m, size_t n);

#endif /* AN_HTTP_H */
