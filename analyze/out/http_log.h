/* http_log - http.jsonl: one JSON object per line, fields in a fixed order
 * (seed 003's names first, then ours; README "http.jsonl").
 *
 * Order: lines are written by "timestamp" (a message's first byte, a
 * connection's first record), ties in completion order. A line is ready
 * when its message completes (a connection: when it ends); it is held
 * until no line still to come can have an earlier timestamp (the floor the
 * engine gives with the floor event, event.h and core/engine.h), or until the capture
 * time (the latest record read so far) is reorder_window_ns past its
 * timestamp, or while the held lines exceed reorder_max_bytes (then the
 * earliest go first). So the order is exact for every line that completed
 * within the window of its start; one that took longer (a long upload, a
 * connection line of a long-lived connection) is written as soon as it
 * completes, after lines with later timestamps.
 * Memory: the lines completed since the floor, at most reorder_max_bytes
 * (plus the one being added). reorder_window_ns 0 writes in completion
 * order.
 *
 * Redaction (unless show_secrets): the values of credential headers are
 * replaced by "[REDACTED]" (SR_REDACTED, format/record.h) in "headers",
 * "trailers" and "raw_payload"; for Authorization and Proxy-Authorization
 * the scheme is kept ("Basic [REDACTED]"). Credential headers are those
 * sr_secret_header() names (format/secret.h: the one rule, which
 * findings.json uses too; out/redact.h). "cmdline" is the model's redacted
 * command line (core/cmdline.h).
 */
#ifndef AN_HTTP_LOG_H
#define AN_HTTP_LOG_H

#include <stdbool.h>
#include <stdio.h>

#include "base/util.h"
#include "event.h"

struct http_log;

/*! http_log_sink() :
 *  http.jsonl to f as a sink (event.h): lines on its http and connection
 *  events, written by its end (f is not closed); an_sink_free() frees it.
 *  @return the sink (never NULL). */
struct an_sink *http_log_sink(FILE *f, const struct an_opts *o);

/*! http_log_fields_check() :
 *  Checks a --fields list: comma-separated http.jsonl keys, each one a key
 *  some line can have (http_log_keys[]). With a list, a line keeps only
 *  those keys, in its usual order; a line with none of them is still
 *  written ("{}"), so lines keep counting messages. Keys left out are not
 *  computed when that saves work (raw_payload, body).
 *  @return 0, or -1 with err naming the first unknown key. */
int http_log_fields_check(const char *list, char *err, size_t err_cap);

/* every key a line can have, NULL-terminated (for --help and tests) */
extern const char *const http_log_keys[];

/* the writer without the sink, for tests: create, feed, close */
struct http_log *http_log_create(FILE *f, const struct an_opts *o);
void http_log_message(struct http_log *w, const struct an_http_event *ev);
void http_log_connection(struct http_log *w, const struct an_conn_event *ev);
/* the capture has reached wall_ns (records arrive in time order): writes
 * the held lines the window lets go; accepts NULL */
void http_log_advance(struct http_log *w, int64_t wall_ns);
/* no line still to come has a timestamp before wall_ns (the caller's
 * bound; the highest one given counts): writes the held lines up to it;
 * accepts NULL */
void http_log_floor(struct http_log *w, int64_t wall_ns);
/* lines are held (a floor would let some go); false for NULL */
bool http_log_holding(const struct http_log *w);
/* writes every held line, flushes f and frees; @return 0, or -1 if a
 * write failed */
int http_log_close(struct http_log *w);

#endif /* AN_HTTP_LOG_H */
