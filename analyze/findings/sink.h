/* findings/sink - feeds the analyzer's events (event.h) into a findings set
 * (findings.h): the glue between the pipeline and the detectors.
 *
 * What it does with the events:
 *  - HTTP: each transaction is passed once, from the server's view when the
 *    server was recorded, else from the client's (a client view whose peer
 *    was recorded is skipped: the server's view reports it). The request's
 *    target, credential headers (sr_secret_header) and the first
 *    FH_MAX_REQ_BODY body bytes wait in a bounded table (FH_MAX_PENDING
 *    transactions) until the response comes; a request with no response by
 *    the end of the input is passed with status 0.
 *  - connections: a server-side view tells the port is reachable on its
 *    local address (findings_add_listen); every recorded end's address is a
 *    local address.
 *  - end of input: every process snapshot and container of the model.
 *
 * Why it pairs requests and responses itself rather than taking the
 * pipeline's txn event (event.h): findings report a transaction from the
 * server's view (its pid, comm and receive time), the txn event comes from
 * the client's; moving findings onto the txn event changes findings.json
 * (server_pid and timestamps of transactions seen from both ends), so it
 * waits for a change that may change the output.
 *
 * Ownership: the sink owns its pending table, not the findings set;
 * an_sink_free() releases the sink.
 */
#ifndef AN_FINDINGS_SINK_H
#define AN_FINDINGS_SINK_H

#include "event.h"
#include "findings/findings.h"

#define FH_MAX_PENDING 4096u	/* requests waiting for their response */
#define FH_MAX_REQ_BODY 4096u	/* request body bytes kept (symbol POST) */
#define FH_MAX_REQ_TARGET 4096u /* request target bytes kept */
#define FH_MAX_REQ_HEADERS 8u	/* credential headers kept per request */
#define FH_MAX_HEADER_VALUE 1024u

/*! findings_sink() :
 *  A sink (event.h) that feeds f (not owned; it must outlive the sink);
 *  the model's processes and containers go in at its end. It keeps the
 *  processes' environments (secret-looking keys).
 *  @return the sink (never NULL); an_sink_free() releases it. */
struct an_sink *findings_sink(struct findings *f);

#endif /* AN_FINDINGS_SINK_H */
