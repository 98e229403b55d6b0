/* findings_hook - feeds the analyzer's events (analyze.h hooks) into a
 * findings set (findings.h): the glue between the core and findings.
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
 * Ownership: the hook state owns the pending table and, when it created it,
 * the findings set; findings_hook_free() releases both.
 */
#ifndef AN_FINDINGS_HOOK_H
#define AN_FINDINGS_HOOK_H

#include <stdio.h>

#include "pipeline.h"
#include "findings/findings.h"

#define FH_MAX_PENDING 4096u	/* requests waiting for their response */
#define FH_MAX_REQ_BODY 4096u	/* request body bytes kept (symbol POST) */
#define FH_MAX_REQ_TARGET 4096u /* request target bytes kept */
#define FH_MAX_REQ_HEADERS 8u	/* credential headers kept per request */
#define FH_MAX_HEADER_VALUE 1024u

/* Exit status of `findings` / `report` when --fail-on is reached. */
#define FND_EXIT_FAIL_ON 4

struct findings_hook;

/*! findings_hook_create() : hooks that feed f (not owned). */
struct findings_hook *findings_hook_create(struct findings *f);
const struct analyze_hooks *findings_hook_hooks(struct findings_hook *h);
/*! findings_hook_findings() : the set the hook feeds. */
struct findings *findings_hook_findings(struct findings_hook *h);
void findings_hook_free(struct findings_hook *h);

/* ---- the report_extras entry (analyze/main.c) ----
 * { "findings.json", findings_attach, findings_finish }
 * attach() creates a findings set and its hooks (*state owns both);
 * finish() writes findings.json to the file given to attach() and the
 * summary to stdout, and keeps the state: findings_hook_findings(state)
 * answers --fail-on afterwards; findings_hook_free(state) releases it. */
const struct analyze_hooks *findings_attach(FILE *out, const struct analyze_opts *o, void **state);
int findings_finish(void *state);

#endif /* AN_FINDINGS_HOOK_H */
