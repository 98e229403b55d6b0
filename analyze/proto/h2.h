/* h2 - HTTP/2 for one connection as one process saw it (RFC 9113 framing,
 * RFC 7541 HPACK through libnghttp2's inflater), with gRPC on top
 * (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md).
 *
 * An h2_conn turns the two byte streams of a connection into the same
 * messages and transactions as proto/http.h (struct http_ops): one message
 * per request and per response of each stream (1xx interim responses
 * included), a transaction per stream, paired by stream id. Messages have
 * version 2.0 and m->h2 set (stream id, :authority, gRPC). proto/http.c
 * starts one when a connection turns out to be HTTP/2 (see h2_start), so
 * callers keep using http_conn_*.
 *
 * Frames: DATA (padding dropped), HEADERS (padding, priority) and
 * CONTINUATION joined into one header block, trailers (a second header
 * block), RST_STREAM (the stream's messages end, incomplete), SETTINGS
 * (HEADER_TABLE_SIZE feeds the peer's inflater), PUSH_PROMISE (its header
 * block is inflated to keep HPACK in step; pushed responses have no
 * request), PRIORITY, PING, GOAWAY, WINDOW_UPDATE (read and passed over:
 * flow control changes what is sent, not how to read it). Messages are
 * emitted when their stream's END_STREAM comes (a response's request
 * first), or at RST_STREAM or the end of the input.
 *
 * HPACK state: a connection recorded from its first byte has both dynamic
 * tables. One recorded from its middle (H2_MIDDLE), or after bytes went
 * missing inside a header block, has not: the inflater then starts from a
 * table filled with placeholder entries (empty name and value, 32 bytes
 * each, as many as the table holds). A peer's entry is never smaller than
 * 32 bytes, so every index into the unknown part lands on a placeholder:
 * a field whose name comes from there is left out and counted
 * (http_h2_info.hpack_unknown), never given a wrong name. Entries the
 * peer adds from then on are real, so decoding recovers as the table
 * turns over. A block the inflater refuses is counted unknown whole and
 * the table restarts from placeholders.
 *
 * gRPC (content-type application/grpc...): service and method are the
 * :path; the body's length-prefixed messages are counted (all of them, past
 * the body cap too), decompressed when flagged (grpc-encoding, coding.h),
 * and decoded as schema-less protobuf (protobuf.h) into the message body:
 * one message gives its JSON object, several a JSON array. grpc-status
 * and grpc-message come from the trailers (or a trailers-only response).
 *
 * Bounds: H2_MAX_FRAME bytes of a non-DATA frame are kept (a longer one is
 * passed over; a header block in it is lost as above), H2_MAX_BLOCK bytes
 * of a header block, HTTP_MAX_HEADERS fields, H2_MAX_STREAMS streams open
 * at once (more: the oldest ends, incomplete), body_cap bytes of body per
 * message and H2_MAX_KEPT for all open streams together (past it bodies
 * are cut, HTTP_MSG_BODY_CUT), H2_MAX_TABLE bytes of HPACK table,
 * HTTP_MAX_HEAD_BYTES of header text per message and H2_MAX_HEAD_KEPT for
 * all open streams together (past it the fields are left out,
 * HTTP_MSG_HEAD_CUT).
 */
#ifndef AN_H2_H
#define AN_H2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/http.h"

#define H2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define H2_PREFACE_LEN 24u
#define H2_MAX_FRAME (64u * 1024u)
#define H2_MAX_BLOCK (256u * 1024u)
#define H2_MAX_STREAMS 256u
#define H2_MAX_TABLE (64u * 1024u)
#define H2_MAX_KEPT (4u << 20) /* body bytes kept for all open streams at once */
#define H2_MAX_HEAD_KEPT (1u << 20) /* header text kept for all open streams at once */

enum h2_start {
	H2_PRIOR = 0,	/* the client's bytes start with the preface */
	H2_UPGRADE = 1, /* after "Upgrade: h2c" + 101: the client's preface
			 * comes next, the server's frames, stream 1 answers
			 * the upgraded request */
	H2_MIDDLE = 2,	/* both directions start at a frame; HPACK tables unknown */
};

struct h2_conn;

/*! h2_conn_create() :
 *  req_dir: the direction requests travel (-1: learnt from the first
 *  header block). up: for H2_UPGRADE, the HTTP/1.1 request that was
 *  upgraded (stream 1's request; it is not emitted again), else NULL.
 *  @return : never NULL. */
struct h2_conn *h2_conn_create(const struct http_ops *ops, void *ctx, const struct http_limits *lim,
			       enum h2_start how, int req_dir, const struct http_txn *up);
void h2_conn_data(struct h2_conn *c, int dir, const uint8_t *p, size_t n, uint64_t ts);
/* n missing bytes (0: unknown how many) */
void h2_conn_gap(struct h2_conn *c, int dir, uint64_t n, uint64_t ts);
/* emits every message in progress (incomplete) and ends every transaction */
void h2_conn_finish(struct h2_conn *c, uint64_t ts);
/* -1 while unknown */
int h2_conn_request_dir(const struct h2_conn *c);
/* as http_conn_floor() */
bool h2_conn_floor(const struct h2_conn *c, uint64_t *ts);
/* calls h2_conn_finish(); accepts NULL */
void h2_conn_free(struct h2_conn *c);

/*! h2_sniff() :
 *  @return : true when p[0..n) starts with HTTP/2 frames: one frame that
 *            fills it, or two or more in a row, each with a known type and
 *            the stream, flags and length its type allows. */
bool h2_sniff(const uint8_t *p, size_t n);

/* does this 101 response switch to h2c (Upgrade: h2c, RFC 7540 3.2)? */
bool h2_upgrade_h2c(const struct http_header *h, size_t n);

#endif /* AN_H2_H */
