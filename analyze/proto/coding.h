/* coding - HTTP content codings and gRPC message encodings decoded, bomb-safe
 * (RFC 9110 8.4.1: gzip, deflate (zlib; a raw deflate stream is accepted
 * too, as browsers do), br (RFC 7932, libbrotli), zstd (RFC 8878); gRPC's
 * grpc-encoding uses the same names).
 *
 * Bounds: the output is at most `max_out` bytes and at most
 * CODING_MAX_RATIO times the input plus CODING_RATIO_SLACK; past either
 * the output is cut there and CODING_CUT is returned. Input that ends
 * before the coded stream does (a body cut by the capture) gives what was
 * decoded, CODING_CUT too. Several codings ("gzip, br") are undone last
 * one first (RFC 9110 8.4).
 *
 * Pure: bytes in, bytes out; the caller owns the dbuf.
 */
#ifndef AN_CODING_H
#define AN_CODING_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

#define CODING_MAX_RATIO 100u	  /* output bytes per input byte, at most */
#define CODING_RATIO_SLACK 65536u /* ... plus this many (small inputs) */
#define CODING_MAX_OUT (8u << 20) /* absolute cap, whatever max_out says */
#define CODING_MAX_LAYERS 4u	  /* "gzip, br, ..." codings undone */

enum coding_rc {
	CODING_OK = 0,	     /* the whole input decoded */
	CODING_CUT = 1,	     /* output capped, or input ended early: a prefix */
	CODING_NONE = -1,    /* identity, empty, or not a coding this knows */
	CODING_INVALID = -2, /* the bytes are not that coding (nothing kept) */
};

/*! coding_decode() :
 *  Decodes src under the Content-Encoding (or grpc-encoding) value
 *  name[0..name_len) into out (cleared first).
 *  @return : CODING_OK, CODING_CUT (out holds the decoded prefix),
 *            CODING_NONE (nothing to do: out untouched) or CODING_INVALID. */
int coding_decode(const uint8_t *name, size_t name_len, const uint8_t *src, size_t src_len,
		  size_t max_out, struct dbuf *out);

/* the canonical name of the one coding value[0..n) names ("gzip", "x-gzip"
 * -> "gzip"), or NULL when it is none this knows */
const char *coding_name(const uint8_t *value, size_t n);

#endif /* AN_CODING_H */
