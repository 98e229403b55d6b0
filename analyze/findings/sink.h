/* findings/sink - feeds the analyzer's events (event.h) into a findings set
 * (findings.h): the glue between the pipeline and the detectors.
 *
 * What it does with the events:
 *  - HTTP: each transaction is passed once, from the server's view when the
 *    server was recorded, else from the client's (a client view whose peer
 *    was recorded is skipped: the server's view reports it). It takes every
 *    view's transactions (an_sink.txn_every_view), because the pipeline's
 *    own reporting view is the client's and findings report the server's
 *    (its pid, comm and receive time). The parser pairs requests with
 *    responses: the request's target, credential headers (sr_secret_header)
 *    and first FH_MAX_REQ_BODY body bytes wait in the transaction's slot
 *    (event.h txn_state) for the response; a request whose transaction
 *    ends without one (txn event) is passed with status 0. Past
 *    FH_MAX_PENDING_BYTES held over all waiting requests, a request is not
 *    kept: its response is passed like one whose request was not seen
 *    whole (method and target from the transaction, no credential headers
 *    or body), and with no response it is not passed.
 *  - connections: a server-side view tells the port is reachable on its
 *    local address (findings_add_listen); every recorded end's address is a
 *    local address.
 *  - end of input: every process snapshot and container of the model.
 *
 * Ownership: each waiting request is owned by its transaction's slot and
 * released at the response or the txn event; an_sink_free() releases the
 * sink.
 */
#ifndef AN_FINDINGS_SINK_H
#define AN_FINDINGS_SINK_H

#include "event.h"
#include "findings/findings.h"

#define FH_MAX_PENDING_BYTES (64u << 20) /* held by requests waiting for their response */
#define FH_MAX_REQ_BODY 4096u		 /* request body bytes kept (symbol POST) */
#define FH_MAX_REQ_TARGET 4096u		 /* request target bytes kept */
#define FH_MAX_REQ_HEADERS 8u		 /* credential headers kept per request */
#define FH_MAX_HEADER_VALUE 1024u

/*! findings_sink() :
 *  A sink (event.h) that feeds f (not owned; it must outlive the sink);
 *  the model's processes and containers go in at its end. It keeps the
 *  processes' environments (secret-looking keys).
 *  @return the sink (never NULL); an_sink_free() releases it. */
struct an_sink *findings_sink(struct findings *f);

#endif /* AN_FINDINGS_SINK_H */
