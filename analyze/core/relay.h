/* relay - the sinks on a thread of their own (-j 2 and more): the engines
 * (lanes) analyze on theirs, the outputs are made on another.
 *
 * relay_create_lanes() starts the sinks' thread and hands out proxy sinks,
 * for each lane one per real sink, with the real one's flags and the same callbacks present
 * (event.h struct an_sink); the engine calls the proxies as it would call
 * the real sinks. A proxy copies the event (the connection view; the
 * message with its headers, trailers, body, decoded body, raw bytes,
 * transaction and HTTP/2 part; the classification) into a block, and full
 * blocks go through a bounded queue to the sinks' thread, which calls the
 * real sinks in the order the engine called the proxies, with the same
 * contents. So the outputs are the same bytes as without the relay:
 *  - txn_state: a proxy marks the engine's slot (RELAY_SLOT); the sinks'
 *    thread keeps each sink's real slot by transaction id (ids are unique
 *    in a run: the engine hands them out) until the sink's txn event;
 *  - holding(): a proxy always says yes, and passes the floor on; the
 *    sinks' thread gives it to the real sinks only when one of them holds
 *    lines at that point, which is what the engine asks there (engine.h
 *    "http.jsonl order");
 *  - advance and floor reach every real sink one after the other, as the
 *    engine calls them.
 * The real sinks' loaded() and end() are the caller's to call (before
 * relay_create_lanes(), after relay_finish()); the proxies have none.
 *
 * Threads: the proxies are called from one thread (the engine's); the
 * real sinks only from the relay's. Both read the sealed model (model.h
 * lookups do not write).
 *
 * Memory: at most RELAY_QUEUE_BLOCKS blocks of RELAY_BLOCK_BYTES queued
 * (an event larger than a block gets one of its own), the block being
 * filled, the one being read and RELAY_SPARE_BLOCKS emptied ones (about 5
 * MiB in all), plus one slot per transaction a sink holds state for.
 */
#ifndef AN_RELAY_H
#define AN_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define RELAY_BLOCK_BYTES (256u << 10)
#define RELAY_QUEUE_BLOCKS 16u
/* emptied blocks kept for the next ones (fresh ones cost page faults) */
#define RELAY_SPARE_BLOCKS 4u

struct relay;

/*! relay_create_lanes() :
 *  sinks: at most AN_MAX_SINKS, not owned, must outlive the relay.
 *  @return the relay, its thread running; NULL when the thread cannot be
 *          started (the caller then calls the sinks itself).
 *  For nlanes engines, each on a thread of its own (core/engine.h
 *  "Lanes"): lane k's proxies are relay_lane_sinks() (in the order of the
 *  real sinks, as many),
 *  its engine_lane callbacks relay_lane_op(), relay_lane_txn_new() and
 *  relay_lane_txn_end() with relay_lane() as ctx. Each lane's events go
 *  into blocks and a bounded queue of its own; the sinks' thread takes
 *  them in step order (the lowest step first, once every lane that could
 *  still give a lower one has said it will not: a lane says so with
 *  relay_lane_mark(), before it waits for more records, or ends), gives
 *  transactions one engine's ids (numbered in step order), and gives the
 *  sinks the minimum of the lanes' floor parts. Memory: the above per
 *  lane. */
struct relay *relay_create_lanes(struct an_sink *const *sinks, size_t nsinks, size_t nlanes);
struct an_sink *const *relay_lane_sinks(struct relay *r, size_t k);
void *relay_lane(struct relay *r, size_t k);
/* the lane's engine_lane callbacks (the lane's thread) */
void relay_lane_op(void *lane, uint64_t op);
void relay_lane_txn_new(void *lane, uint64_t id);
void relay_lane_txn_end(void *lane, uint64_t id);
/* hands over what the lane gave so far: every step to come is later than
 * its latest (the lane's thread, before it waits for records) */
void relay_lane_mark(void *lane);
/* the lane gives nothing more (its thread, or the caller's after it ended) */
void relay_lane_end(void *lane);
/*! relay_finish() : hands over what is left, waits until every event has
 *  reached the real sinks, ends the thread and frees the relay. Accepts
 *  NULL. */
void relay_finish(struct relay *r);

#endif /* AN_RELAY_H */
