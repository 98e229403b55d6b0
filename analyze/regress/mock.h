/* mock - stands in for a recorded service: answers requests with the
 * responses the service gave in the capture, for `sockrec-analyze mock`
 * (README "Regression tests from a capture").
 *
 * This is a network listener, on purpose and only by this explicit
 * command (the capture binary opens none). It binds the address given;
 * a bare port binds 127.0.0.1.
 *
 * Matching (match.h): a request matches a recorded one by method, path,
 * query and normalized body. Several recorded responses to the same
 * request are served in recorded order; after the last, the last again.
 * A request that matches nothing gets 404 with a JSON body naming the
 * closest recorded request. Only final responses recorded whole are
 * served (not a 101 or a CONNECT's: the protocol switched after them).
 * Served as recorded: status, reason, headers (credential headers
 * redacted, as http.jsonl does, unless show_secrets; the headers the
 * connection owns are the mock's own: Content-Length, Connection...) and
 * body, as HTTP/1.1 whatever the recorded version was.
 *
 * Requests are parsed by the analyzer's HTTP/1.x parser (proto/http.h),
 * with its bounds. Against hostile clients: at most MOCK_MAX_CONNS
 * connections (more are closed at once), a request body of at most
 * MOCK_MAX_BODY bytes (413 and close), a head of at most
 * HTTP_MAX_HEAD_BYTES (431 and close), bytes that are no HTTP/1.x request
 * (400 and close), about MOCK_MAX_OUT bytes of answers waiting per
 * connection (parsing and reading stop until they are sent; what was read
 * is parsed MOCK_FEED bytes at a time, so however many pipelined requests
 * one read brings, the answers pass the bound by those of one slice at
 * most), idle connections closed after MOCK_IDLE_MS. One thread, poll().
 * So a connection holds at most MOCK_READ of input, the parser's bounds,
 * and MOCK_MAX_OUT plus the answers to one slice's requests.
 *
 * It runs until SIGINT or SIGTERM.
 */
#ifndef AN_MOCK_H
#define AN_MOCK_H

#include <stdbool.h>
#include <stdio.h>

#include "regress/rset.h"

#define MOCK_MAX_CONNS 64u
#define MOCK_MAX_BODY (1u << 20)
#define MOCK_MAX_OUT (1u << 20)
#define MOCK_IDLE_MS 10000
#define MOCK_READ 16384u
#define MOCK_FEED 64u

struct mock_opts {
	const char *service;
	const char *listen; /* PORT, HOST:PORT or [V6]:PORT */
	bool show_secrets;
	FILE *log;
};

enum mock_result {
	MOCK_STOPPED = 0, /* by a signal */
	MOCK_USAGE = 1,	  /* a bad address (the log says why) */
	MOCK_NOTHING = 2, /* nothing to serve, or it could not listen (the log says why) */
};

/*! mock_run() :
 *  Serves s's responses of o->service on o->listen until SIGINT/SIGTERM.
 *  @return enum mock_result. */
int mock_run(const struct rset *s, const struct mock_opts *o);

#endif /* AN_MOCK_H */
