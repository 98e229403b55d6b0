/* pipeline - an_run(): archives in, events out to sinks (event.h). The only
 * file that includes every layer (analyze/README.md).
 *
 * an_run() reads every input twice: pass 1 loads processes, containers and
 * listening addresses (core/model.h) and checks integrity; pass 2 merges
 * the inputs' records by wall-clock time (ties: input order, then record
 * order), reassembles streams (core/stream.h), parses HTTP (proto/http.h),
 * classifies other connections (proto/classify.h) and hands what it finds
 * to the sinks (core/engine.h).
 *
 * Threads (an_opts.jobs): with N of 2 or more, the inputs are read,
 * decompressed and decoded on a thread of their own in both passes
 * (core/readahead.h); pass 2 runs min(N - 1, AN_MAX_LANES) engines, lanes
 * (core/engine.h "Lanes"), on as many threads (the caller's one of them),
 * each handed every record and reassembling and parsing its share of the
 * connections, and the sinks run on another, fed by a relay
 * (core/relay.h) that merges the lanes' events in the order one engine
 * would give them. Pass 1 (the model) stays on the caller's thread.
 *
 * Determinism: outputs depend only on the input bytes and the options (not
 * on jobs: the same bytes for every thread count): no
 * clock, no locale, no hash-table order (everything written is sorted or in
 * record order). The same archives give the same bytes on any machine.
 *
 * Memory: bounded by the number of connections open at once (per open
 * connection: two streams with at most STREAM_MAX_PENDING_BYTES held each,
 * two HTTP parsers with HTTP_MAX_HEAD_BYTES of head and body_cap of body
 * each, 2 x CLASSIFY_PREFIX classification bytes) plus the model (one entry
 * per process snapshot and container) and what the sinks keep: the service
 * map (one entry per distinct endpoint/connection, each with a fixed-size
 * latency histogram), the http.jsonl lines held in the reorder window (at
 * most reorder_max_bytes, out/http_log.h), the findings (findings/). The
 * engine also remembers sockets no observation holds any more (at most
 * ENGINE_MAX_IDLE_SOCKETS) and tracks at most ENGINE_MAX_OPEN connections
 * at once; beyond that the least recently active one is ended as if the
 * input ended. Between messages a connection holds no buffers (streams
 * allocate their reorder slots, the HTTP parser its buffers and request
 * queue, the classifier its prefix only when used): about 2 KiB per idle
 * connection, so the cap costs ~70 MB, and a process holding 70,000
 * sockets stays under 200 MB (-j 1; each further lane keeps the
 * bookkeeping of every open connection too, about 0.7 KB each: engine.h
 * "Lanes"). Every lookup per record is a hash lookup (no
 * walk over a process's connections), so time is linear in the records.
 */
#ifndef AN_PIPELINE_H
#define AN_PIPELINE_H

#include <stddef.h>

#include "core/input.h"
#include "event.h"

/* pass 2's lanes at most (-j beyond it runs this many; core/engine.h
 * "Lanes": each holds the bookkeeping of every open connection) */
#define AN_MAX_LANES 16u

/* exit statuses (the CLI's) */
enum an_status {
	AN_EXIT_OK = 0,
	AN_EXIT_USAGE = 1,
	AN_EXIT_UNREADABLE = 2, /* nothing readable (or an output could not be written) */
	AN_EXIT_DAMAGED = 3,	/* damaged input; its readable prefix was analyzed */
	AN_EXIT_FAIL_ON = 4,	/* a finding reached --fail-on (findings, report) */
	AN_EXIT_DIFFERENT = 5,	/* replay: a response differed or failed; diff: the APIs differ */
};

/*! an_run() :
 *  Analyzes the inputs as one capture and gives what it finds to the sinks
 *  (at most AN_MAX_SINKS; the caller keeps them and frees them after).
 *  @return AN_EXIT_OK; AN_EXIT_UNREADABLE when no input yields a record or
 *          a sink could not write its output (a warning says so);
 *          AN_EXIT_DAMAGED when an input is damaged or cut (its readable
 *          prefix was analyzed, a warning names it and the offset). */
int an_run(const struct an_input *in, size_t n, const struct an_opts *o,
	   struct an_sink *const *sinks, size_t nsinks);

#endif /* AN_PIPELINE_H */
