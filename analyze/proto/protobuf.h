/* protobuf - a protobuf message without its schema, as JSON: what
 * `protoc --decode_raw` shows (protobuf encoding: varints, wire types 0-5,
 * https://protobuf.dev/programming-guides/encoding/).
 *
 * The JSON is an object keyed by field number (as text, in order of first
 * appearance); a number seen more than once holds an array of its values
 * in order. Values: varint, fixed64 and fixed32 as unsigned decimal
 * numbers; a length-delimited field as printable UTF-8 text -> string,
 * else a nested message when its bytes parse whole as one -> object
 * (protoc guesses the same way, but tries the message first: printable
 * text that happens to parse, like "hi", stays a string here), else
 * base64 text; groups (wire types 3/4) as objects.
 *
 * Bounds: PB_MAX_DEPTH nested messages (deeper ones stay base64),
 * PB_MAX_FIELDS fields per message (more: the message is not one, base64
 * at the top level: pb_to_json fails). Pure: bytes in, text out.
 */
#ifndef AN_PROTOBUF_H
#define AN_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

#define PB_MAX_DEPTH 16
#define PB_MAX_FIELDS 4096u

/*! pb_to_json() :
 *  Appends the JSON of the message p[0..n) to out.
 *  @return : 0, or -1 when the bytes are not a whole protobuf message
 *            (out is left as it was). An empty message is `{}`. */
int pb_to_json(const uint8_t *p, size_t n, struct dbuf *out);

#endif /* AN_PROTOBUF_H */
