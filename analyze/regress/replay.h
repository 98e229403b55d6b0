/* replay - sends a capture's recorded HTTP requests to a target and
 * compares every response with the recorded one (compare.h), for
 * `sockrec-analyze replay` (README "Regression tests from a capture").
 *
 * What is sent: each transaction of the recorded set once (rset.h: a
 * request seen at both ends is one transaction), in recorded order, only
 * those the named service received (every service's when the capture has
 * one receiving service; more than one without --service is refused). Not
 * sent, and counted in the report's "skipped":
 *  - "credentials": the request carried a credential header
 *    (sr_secret_header(), format/secret.h), unless with_credentials; then
 *    the recorded value is sent as the archive holds it;
 *  - "redacted": with with_credentials, a credential header whose recorded
 *    value is the redaction placeholder (SR_REDACTED): the secret is not in
 *    the archive, so the request cannot be sent as recorded;
 *  - "not_whole": the request was not recorded whole (gap, cut body);
 *  - "no_response": no final response was recorded to compare with;
 *  - "not_origin_form": a request-target that is no path ("*", authority).
 *
 * The wire: libcurl, one connection reused, no redirects followed, no
 * proxy, http and https only, to the target's scheme, host and port with
 * the target's path as a prefix; the recorded version (HTTP/1.0, 1.1, or
 * HTTP/2 with prior knowledge) and headers, except those the connection
 * owns (Host, Content-Length, Transfer-Encoding, Connection, Keep-Alive,
 * Expect, TE, Upgrade, Proxy-Connection, HTTP2-Settings, pseudo-headers).
 * At most rate requests per second; each one times out after
 * REPLAY_TIMEOUT_MS. A response body is kept up to REPLAY_MAX_BODY bytes.
 *
 * Before sending, it prints on log what it will send: how many requests,
 * by method, to which target, at what rate, and what it skips.
 */
#ifndef AN_REPLAY_H
#define AN_REPLAY_H

#include <stdbool.h>
#include <stdio.h>

#include "regress/rset.h"

#define REPLAY_DEFAULT_RATE 100u
#define REPLAY_MAX_RATE 100000u
#define REPLAY_TIMEOUT_MS 30000l
#define REPLAY_CONNECT_TIMEOUT_MS 5000l
#define REPLAY_MAX_BODY (4u << 20)
/* differences listed in the report (the rest are counted) */
#define REPLAY_MAX_DIFFERENCES 1000u

struct replay_opts {
	const char *target;  /* http[s]://host[:port][/prefix] */
	const char *service; /* NULL: the one receiving service */
	const char *const *ignore;
	size_t nignore;
	const char *const *headers;
	size_t nheaders;
	unsigned rate; /* requests per second, 1..REPLAY_MAX_RATE */
	bool with_credentials;
	FILE *report; /* the JSON report */
	FILE *log;    /* what it will send, progress, errors */
};

enum replay_result {
	REPLAY_SAME = 0,
	REPLAY_DIFFERENT = 1, /* a response differed or a request failed */
	REPLAY_NOTHING = 2,   /* no request to send (the log says why) */
	REPLAY_USAGE = 3,     /* bad target or service (the log says why) */
	REPLAY_ERROR = 4,     /* the report could not be written, libcurl failed to start */
};

/*! replay_run() :
 *  Replays s to o->target and writes the report (JSON) to o->report.
 *  @return enum replay_result. */
int replay_run(const struct rset *s, const struct replay_opts *o);

#endif /* AN_REPLAY_H */
