/* engine - pass 2: connections as each process observed them.
 *
 * An observation is one (host, process, socket). It is created by the
 * first record about that socket (connect, accept or data) and ended by
 * its close record, the exit of its process (proc_event EXIT), a new 4-tuple on
 * the same socket/fd, eviction (ENGINE_MAX_OPEN, least recently active
 * first) or the end of input. Its send and recv streams are reassembled
 * (stream.h) and fed to the HTTP parser (http.h); a connection that turns
 * out not to be HTTP/1.x is classified at its end (classify.h) from the
 * first CLASSIFY_PREFIX bytes of each direction.
 *
 * Observations of the two ends of one connection (same 4-tuple mirrored,
 * loopback addresses scoped to their host) are linked: the link tells
 * roles (who connected), names the peer process, and decides which view
 * reports a transaction or connection seen from both ends (event.h txn,
 * an_conn_event.reports): the client's; a server's view reports only when
 * the client was not recorded.
 *
 * Outputs: the engine reaches them only through the sinks (event.h); it
 * knows no output.
 *
 * Processes sharing a socket: observations are per process, but what a
 * connect/accept record says about a socket (host, sock_id = socket
 * inode) holds for every process that holds it, as long as the 4-tuple
 * agrees (inode numbers are reused). A connection accepted by a server and
 * served by its forked child (postgres, busybox httpd, inetd) is the
 * server side in both, even when the parent closed its copy before the
 * child's first read and the client is not in the archive. What is known
 * about sockets no observation holds any more is kept for the last
 * ENGINE_MAX_IDLE_SOCKETS of them (FIFO).
 *
 * Roles: the HTTP direction (who sends requests); else the connect/accept
 * record of the observer or of any process sharing its socket; else the
 * peer's connect/accept; else the listener index (the listening process or
 * a descendant of it, by fork proc_events and ppids); else the port: a
 * well-known service port, else the port below 32768 facing one at or
 * above it (Linux's ephemeral range), else the lower port.
 *
 * http.jsonl order: every ENGINE_FLOOR_EVERY records (at least as many as
 * observations are open) the engine looks, and when a sink is holding lines
 * then, gives the sinks a floor (event.h): no line still to come can have
 * an earlier timestamp. (It looks at those records whether a sink holds
 * lines or not, so that a relay, core/relay.h, which asks the sinks later
 * on their own thread, gives the same floors at the same records.) It is the earliest of: the first
 * byte of each message in progress, the first record of each open
 * observation that may still give a connection line (not HTTP), each
 * record held for reordering, and the latest data or connect/accept/close
 * record's time less ENGINE_DISORDER_NS (a record further out of time
 * order than that in its archive is late, as stream.h already treats it).
 * Timestamps already reorder_window_ns behind the capture time do not
 * count: such a line is late anyway (out/http_log.h).
 *
 * Containers: the observer's own or inherited container (model.h
 * "Ancestry"); when the archive cannot say, the container that has the
 * local address.
 *
 * Lanes (-j N of 2 and more: n = N - 1; engine_create_lane()): n engines, each on a thread
 * of its own, are given every record. Each keeps the whole bookkeeping
 * above (observations, ids, sockets, links, roles, eviction): it is cheap
 * next to reassembly and parsing, depends on no parsed byte, and so is the
 * same in every lane. Lane k reassembles, parses and gives the events of
 * the observations whose id % n == k (an observation's view needs only its
 * own parser and the shared bookkeeping). Every lane counts the same
 * steps: one per observation's data record, one per observation ended,
 * one before advance and one before a floor; lane.op() is told each step
 * before the events that belong to it, so a merger that takes events in
 * step order (core/relay.h) gives the sinks what one engine would, in the
 * same order. Lane 0 alone gives advance; every lane gives the floor over
 * its own observations (the minimum over the lanes is one engine's floor).
 * Transaction ids are per lane (lane.txn_new() when one is handed out,
 * lane.txn_end() when it is over): the merger renumbers them in step
 * order. Each lane holds the bookkeeping of every open connection, so
 * lanes multiply that part of the memory (not the streams' or parsers').
 */
#ifndef AN_ENGINE_H
#define AN_ENGINE_H

#include "core/input.h"
#include "core/stream.h"
#include "event.h"

/* connections tracked at once (see above) */
#define ENGINE_MAX_OPEN (1u << 15)

/* the http.jsonl floor (see above) */
#define ENGINE_FLOOR_EVERY 64u
#define ENGINE_DISORDER_NS ((int64_t)STREAM_REORDER_NS)

/* sockets remembered after their last observation ended (see above) */
#define ENGINE_MAX_IDLE_SOCKETS (1u << 16)

struct engine;

/* one lane of n (see "Lanes"); the callbacks are called on the lane's
 * thread */
struct engine_lane {
	unsigned k, n;
	void *ctx;
	void (*op)(void *ctx, uint64_t op);	 /* the step what follows belongs to */
	void (*txn_new)(void *ctx, uint64_t id); /* a transaction id handed out */
	void (*txn_end)(void *ctx, uint64_t id); /* its transaction is over */
};

/*! engine_create() :
 *  sinks: at most AN_MAX_SINKS, not owned, must outlive the engine.
 *  @return the engine (never NULL: out of memory exits, base/util.h). */
struct engine *engine_create(const struct an_opts *o, const struct model *m,
			     struct an_sink *const *sinks, size_t nsinks);
/*! engine_create_lane() : the same, as one lane of lane->n (lane copied;
 *  NULL: the only engine). */
struct engine *engine_create_lane(const struct an_opts *o, const struct model *m,
				  struct an_sink *const *sinks, size_t nsinks,
				  const struct engine_lane *lane);
void engine_record(struct engine *e, const struct an_src *src, const struct sr_record *r);
/* ends every observation still open (end of input) */
void engine_finish(struct engine *e);
void engine_free(struct engine *e);
uint64_t engine_http_messages(const struct engine *e);
uint64_t engine_connections(const struct engine *e);

#endif /* AN_ENGINE_H */
