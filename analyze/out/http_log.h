/* out_http - http.jsonl: one JSON object per line, fields in a fixed order
 * (seed 003's names first, then ours; README "http.jsonl").
 *
 * Order: lines are written by "timestamp" (a message's first byte, a
 * connection's first record), ties in completion order. A line is ready
 * when its message completes (a connection: when it ends); it is held
 * until no line still to come can have an earlier timestamp (the floor the
 * caller gives with out_http_floor(), see engine.h), or until the capture
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
 * findings.json uses too). "cmdline" is the model's redacted command line
 * (cmdline.h).
 */
#ifndef AN_OUT_HTTP_H
#define AN_OUT_HTTP_H

#include <stdbool.h>
#include <stdio.h>

#include "pipeline.h"
#include "base/util.h"

struct out_http;

struct out_http *out_http_create(FILE *f, const struct analyze_opts *o);
void out_http_message(struct out_http *w, const struct an_http_event *ev);
void out_http_connection(struct out_http *w, const struct an_conn_event *ev);
/* the capture has reached wall_ns (records arrive in time order): writes
 * the held lines the window lets go; accepts NULL */
void out_http_advance(struct out_http *w, int64_t wall_ns);
/* no line still to come has a timestamp before wall_ns (the caller's
 * bound; the highest one given counts): writes the held lines up to it;
 * accepts NULL */
void out_http_floor(struct out_http *w, int64_t wall_ns);
/* lines are held (a floor would let some go); false for NULL */
bool out_http_holding(const struct out_http *w);
/* flushes and frees; @return 0, or -1 if a write failed */
int out_http_close(struct out_http *w);

/* is this header name a credential: sr_secret_header() */
bool http_header_secret(const uint8_t *name, size_t n);
/* the value to show for a credential header */
void http_redact_value(struct dbuf *out, const uint8_t *name, size_t nl, const uint8_t *val,
		       size_t vl);
/* raw message bytes with credential header values redacted (head only) */
void http_redact_raw(struct dbuf *out, const uint8_t *raw, size_t n);

/* the "headers" object of a line, as a value of w */
void out_http_headers(struct jw *w, const struct http_header *h, size_t n, bool show_secrets);

#endif /* AN_OUT_HTTP_H */
