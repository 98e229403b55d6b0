/* analyze - the analyzer as a library: archives in, http.jsonl, env.yaml,
 * service-map.yaml and info out, plus hooks for more outputs (findings).
 *
 * analyze_run() reads every input twice: pass 1 loads processes,
 * containers and listening addresses (model.h) and checks integrity;
 * pass 2 merges the inputs' records by wall-clock time (ties: input order,
 * then record order), reassembles streams (stream.h), parses HTTP (http.h),
 * classifies other connections (classify.h) and writes the outputs.
 *
 * Determinism: outputs depend only on the input bytes and the options: no
 * clock, no locale, no hash-table order (everything written is sorted or in
 * record order). The same archives give the same bytes on any machine.
 *
 * Memory: bounded by the number of connections open at once (per open
 * connection: two streams with at most STREAM_MAX_PENDING_BYTES held each,
 * two HTTP parsers with HTTP_MAX_HEAD_BYTES of head and body_cap of body
 * each, 2 x CLASSIFY_PREFIX classification bytes) plus the model (one entry
 * per process snapshot and container) and the service map (one entry per
 * distinct endpoint/connection, each with a fixed-size latency histogram),
 * the sockets no observation holds any more (at most
 * ENGINE_MAX_IDLE_SOCKETS, engine.h) and the http.jsonl lines held in the
 * reorder window (at most reorder_max_bytes, out_http.h).
 * At most ANALYZE_MAX_OPEN connections are tracked at once; beyond that the
 * least recently active one is ended as if the input ended. Between
 * messages a connection holds no buffers (streams allocate their reorder
 * slots, the HTTP parser its buffers and request queue, the classifier its
 * prefix only when used): about 2 KiB per idle connection, so the cap costs
 * ~70 MB, and a process holding 70,000 sockets stays under 200 MB.
 * Every lookup per record is a hash lookup (no walk over a process's
 * connections), so time is linear in the records.
 */
#ifndef AN_ANALYZE_H
#define AN_ANALYZE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "classify.h"
#include "http.h"
#include "model.h"

#define ANALYZE_MAX_OPEN (1u << 15)
#define ANALYZE_DEFAULT_BODY_LIMIT 1500u
#define ANALYZE_DEFAULT_RAW_LIMIT 4096u
/* http.jsonl reorder window (see out_http.h): a line is held 5 s of capture
 * time at most (less when the engine's floor lets it go, engine.h), and at
 * most 64 MiB of lines are held */
#define ANALYZE_DEFAULT_REORDER_NS (5 * 1000000000ll)
#define ANALYZE_DEFAULT_REORDER_BYTES (64u << 20)

/* exit statuses (the CLI's) */
enum analyze_status {
	AN_EXIT_OK = 0,
	AN_EXIT_USAGE = 1,
	AN_EXIT_UNREADABLE = 2, /* nothing readable */
	AN_EXIT_DAMAGED = 3,	/* damaged input; its readable prefix was analyzed */
};

struct analyze_input {
	const char *name; /* for messages; defaults to path, or "<memory>" */
	const char *path; /* read this file, or ... */
	const void *buf;  /* ... this memory (not copied; must outlive the run) */
	size_t len;
};

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
};

struct an_conn_event {
	const struct an_conn_view *conn;
	const struct classify_result *cls;
	uint64_t bytes_sent, bytes_received;
	int64_t wall_ns; /* first record of the connection */
};

struct an_summary {
	int64_t generated_at_ns; /* latest record's wall time (0: none) */
	const struct model *model;
	uint64_t http_messages, connections;
};

/* Hooks see everything the built-in outputs see, as it completes: an HTTP
 * message when its last byte is in, a connection when it ends (http.jsonl
 * puts the same events in timestamp order within its reorder window). */
struct analyze_hooks {
	void *ctx;
	void (*http)(void *ctx, const struct an_http_event *ev);
	void (*connection)(void *ctx, const struct an_conn_event *ev);
	void (*end)(void *ctx, const struct an_summary *s);
};

struct analyze_opts {
	size_t body_limit; /* http.jsonl "body": bytes of text before "..." */
	size_t raw_limit;  /* http.jsonl "raw_payload": bytes */
	size_t body_cap;   /* body bytes kept per message (schemas, hooks); 0: default */
	bool show_secrets; /* do not redact credentials: header values in
			    * http.jsonl, secret-looking arguments in command
			    * lines (http.jsonl, env.yaml, info) */
	FILE *http_out;	   /* NULL: not produced (likewise below) */
	FILE *env_out;
	FILE *map_out;
	FILE *info_out;
	bool keep_environ; /* keep process environments for the hooks even
			    * when env.yaml is not written (findings) */
	int64_t reorder_window_ns; /* http.jsonl: hold lines this long (capture time)
				    * to write them by timestamp; 0: completion order */
	size_t reorder_max_bytes;  /* ... and at most this many bytes of them */
	FILE *warn; /* warnings ("damaged at offset ..."); NULL: silent */
	const struct analyze_hooks *const *hooks;
	size_t nhooks;
};

void analyze_opts_init(struct analyze_opts *o);

/*! analyze_run() :
 *  Analyzes the inputs as one capture and writes the requested outputs.
 *  @return AN_EXIT_OK; AN_EXIT_UNREADABLE when no input yields a record;
 *          AN_EXIT_DAMAGED when an input is damaged or cut (its readable
 *          prefix was analyzed, a warning names it and the offset). */
int analyze_run(const struct analyze_input *in, size_t n, const struct analyze_opts *o);

#endif /* AN_ANALYZE_H */
