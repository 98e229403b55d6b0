/* event - what the pipeline tells its outputs, and struct an_sink, the one
 * way the core reaches them (analyze/README.md).
 *
 * an_run() (pipeline.h) reads the inputs twice. After pass 1 every sink's
 * loaded() sees the model and the archive counts. Pass 2 (only when a sink
 * sets .events) gives, as they complete:
 *  - http: one HTTP message of one observation (each end of a connection
 *    that was recorded is an observation: a message seen from both ends
 *    comes twice, once per view);
 *  - txn: one request/response transaction, once: from the view that
 *    reports it (the client's, or the server's when the client was not
 *    recorded; engine.h), when its response is complete or the connection
 *    ends without one; a sink that sets txn_every_view gets it from every
 *    view that saw it (an_txn_event.reports tells the reporting one);
 *  - connection: a connection that is neither HTTP/1.x nor HTTP/2, when it
 *    ends, per view;
 *  - advance: the capture time reached (records come in time order);
 *  - floor: nothing still to come has an earlier timestamp (engine.h
 *    "http.jsonl order"); given only while some sink says holding();
 * and end() once the input is over (not when nothing was readable).
 *
 * Pointers in events are valid during the call only (the model's: until
 * an_run() returns). Callbacks may be NULL. Sinks are independent: none
 * sees another's state, and the order they are called in is the order of
 * the array given to an_run().
 */
#ifndef AN_EVENT_H
#define AN_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/util.h"
#include "core/model.h"
#include "core/stats.h"
#include "proto/classify.h"
#include "proto/http.h"

/* per-transaction state slots, one per sink: at most this many sinks */
#define AN_MAX_SINKS 8

#define AN_DEFAULT_BODY_LIMIT 1500u
#define AN_DEFAULT_RAW_LIMIT 4096u
/* http.jsonl reorder window (see out/http_log.h): a line is held 5 s of
 * capture time at most (less when the engine's floor lets it go, engine.h),
 * and at most 64 MiB of lines are held */
#define AN_DEFAULT_REORDER_NS (5 * 1000000000ll)
#define AN_DEFAULT_REORDER_BYTES (64u << 20)
/* -j: the most threads asked for that is accepted */
#define AN_MAX_JOBS 1024u

/* the options of a run: what the core and the outputs read */
struct an_opts {
	size_t body_limit;	   /* http.jsonl "body": bytes of text before "..." */
	size_t raw_limit;	   /* http.jsonl "raw_payload": bytes */
	size_t body_cap;	   /* body bytes kept per message (schemas, findings); 0: default */
	bool show_secrets;	   /* do not redact credentials: header values in
				    * http.jsonl, secret-looking arguments in command
				    * lines (http.jsonl, env.yaml, info) */
	int64_t reorder_window_ns; /* http.jsonl: hold lines this long (capture time)
				    * to write them by timestamp; 0: completion order */
	size_t reorder_max_bytes;  /* ... and at most this many bytes of them */
	const char *fields;	   /* http.jsonl: keep only these keys (comma list,
				    * http_log_fields_check()); NULL: every key */
	bool no_raw_payload;	   /* http.jsonl: no "raw_payload" key */
	FILE *warn;		   /* warnings ("damaged at offset ..."); NULL: silent */
	unsigned jobs;		   /* threads: 0 or 1 all on the caller's; N of 2 or more:
				    * the inputs read (core/readahead.h), N engine lanes
				    * (core/engine.h) and the sinks (core/relay.h) on
				    * threads of their own (pipeline.h) */
};

/* the defaults above, show_secrets false, warn NULL */
static inline void an_opts_init(struct an_opts *o)
{
	*o = (struct an_opts){
	    .body_limit = AN_DEFAULT_BODY_LIMIT,
	    .raw_limit = AN_DEFAULT_RAW_LIMIT,
	    .reorder_window_ns = AN_DEFAULT_REORDER_NS,
	    .reorder_max_bytes = AN_DEFAULT_REORDER_BYTES,
	};
}

enum an_role {
	AN_ROLE_UNKNOWN = 0,
	AN_ROLE_CLIENT = 1, /* connected (or sends requests / talks to a service port) */
	AN_ROLE_SERVER = 2, /* accepted */
};

/* one end of a connection, named as far as the archive allows */
struct an_end {
	uint8_t family;
	uint8_t addr[16];
	uint16_t port;
	const struct an_process *proc;	/* the process at this end, when recorded */
	const struct an_container *ctr; /* its container, when known */
	const char *name;	 /* service name; for "external": ip:port (ip for a client) */
	const char *type;	 /* "container", "process" or "external" */
	char buf[AN_IP_LEN + 8]; /* holds name when it is an address */
};

/* a connection as one process observed it */
struct an_conn_view {
	uint64_t id; /* connection_id: order of first appearance */
	uint32_t host;
	const char *hostname;
	uint32_t pid;
	const char *comm;
	const char *cmdline;	       /* arguments joined by spaces; "" when unknown */
	const struct an_process *proc; /* the observer's snapshot, or NULL */
	enum an_role role;
	bool peer_observed; /* the other end was recorded too (same archive set) */
	bool tls;	    /* its application data is TLS plaintext from the library */
	struct an_end local, remote;
	int64_t first_wall_ns;
};

struct an_http_event {
	const struct an_conn_view *conn;
	const struct http_msg *msg; /* headers and body as sent: not redacted */
	bool sent;		    /* the observer sent it (else received it) */
	int64_t wall_ns;	    /* first byte */
	int64_t end_wall_ns;	    /* last byte */
	const struct http_txn *txn; /* request <-> response link, or NULL */
	/* this view reports the transaction (the txn event will come from it),
	 * or the sink takes every view (txn_every_view) and the message has a
	 * transaction: the sink's own slot for it, NULL otherwise. What a sink
	 * puts there comes back in its txn event, where the sink releases it. */
	void **txn_state;
};

struct an_txn_event {
	const struct an_conn_view *conn; /* the view that reports it */
	const struct http_txn *txn;
	int64_t req_wall_ns; /* the request's first byte */
	int64_t latency_ns;  /* request start to final response end; < 0 unknown */
	void *txn_state;     /* what this sink put in its slot, or NULL */
	bool reports;	     /* the view that reports it (always, without txn_every_view) */
};

struct an_conn_event {
	const struct an_conn_view *conn;
	const struct classify_result *cls;
	uint64_t bytes_sent, bytes_received;
	int64_t wall_ns; /* first record of the connection */
	bool reports;	 /* the view that counts it once (as for transactions) */
};

/* pass 1 is over */
struct an_loaded {
	const struct model *model;
	const struct stats *stats;
};

struct an_summary {
	int64_t generated_at_ns; /* latest record's wall time (0: none) */
	const struct model *model;
	uint64_t http_messages, connections;
};

struct an_sink {
	void *ctx;
	bool events;  /* wants pass 2 (http, txn, connection, advance, floor) */
	bool environ; /* needs the processes' environments in the model */
	/* txn events (and txn_state slots) from every view of a transaction,
	 * not only the reporting one: for an output that chooses its view
	 * itself (findings: the server's) */
	bool txn_every_view;
	/* @return 0, or -1 when an output could not be written */
	int (*loaded)(void *ctx, const struct an_loaded *l);
	void (*http)(void *ctx, const struct an_http_event *ev);
	void (*txn)(void *ctx, const struct an_txn_event *ev);
	void (*connection)(void *ctx, const struct an_conn_event *ev);
	void (*advance)(void *ctx, int64_t wall_ns);
	bool (*holding)(void *ctx); /* lines are held that a floor would let go */
	void (*floor)(void *ctx, int64_t wall_ns);
	/* @return 0, or -1 when an output could not be written */
	int (*end)(void *ctx, const struct an_summary *s);
	void (*free)(void *ctx); /* an_sink_free() */
};

/* releases a sink made by an output's *_sink() constructor; accepts NULL */
static inline void an_sink_free(struct an_sink *s)
{
	if (s && s->free)
		s->free(s->ctx);
}

#endif /* AN_EVENT_H */
