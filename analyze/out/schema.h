/* schema - value-free shape of an HTTP body, for the service map's
 * request_schema / response_schema (seed 003's notation), built with jansson.
 *
 * Notation (the README repeats it):
 *  - no body (NULL or length 0)      -> null
 *  - a body that is not JSON         -> "non-json"
 *  - a JSON scalar                   -> "string" | "number" | "boolean" | "null"
 *    (integers and reals are both "number")
 *  - a JSON object                   -> object of key -> schema of the value
 *  - a JSON array                    -> [] when empty, else a one-element
 *                                       array: the merge of all elements'
 *                                       schemas
 *  Merging (array elements): two objects -> the union of their keys, values
 *  merged per key; two arrays -> their element schemas merged ([] merges as
 *  nothing); anything else -> the sorted set of the type names joined with
 *  "|", e.g. "number|string" or "null|object" (an object or array inside
 *  such a union is named "object"/"array", its inside is not kept). Merging
 *  is commutative and associative, so element order never matters.
 *
 * Bounds and their effect:
 *  - SCHEMA_MAX_BODY: only the first SCHEMA_MAX_BODY bytes are parsed; a
 *    longer body whose prefix is not JSON on its own is "non-json".
 *  - SCHEMA_MAX_DEPTH: an object or array nested deeper than this is named
 *    "object" / "array" without its inside. jansson itself refuses nesting
 *    deeper than 2048 (-> "non-json").
 *  - Valid JSON jansson cannot hold is "non-json": an object key containing
 *    \u0000, a number beyond the range of a double.
 *
 * Ownership: schema_infer() returns a new reference (never NULL unless out
 * of memory); the json_t objects are not sorted, schema_key() is the
 * canonical, sorted form used to tell variants apart.
 */
#ifndef SOCKREC_SCHEMA_H
#define SOCKREC_SCHEMA_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define SCHEMA_MAX_BODY (1u << 20) /* bytes of a body that are parsed */
#define SCHEMA_MAX_DEPTH 32	   /* nesting levels kept in a schema */

/*! schema_infer() :
 *  @return : a new reference to the schema of body[0..len) (see above), or
 *            NULL if memory ran out. */
json_t *schema_infer(const uint8_t *body, size_t len);

/*! schema_key() :
 *  @return : canonical text of a schema (compact JSON, keys sorted, any
 *            top-level value allowed: e.g. `null`, `"non-json"`,
 *            `{"a":"number","b":["string"]}`); the caller frees it with
 *            free(). NULL if schema is NULL or memory ran out. */
char *schema_key(const json_t *schema);

/* schema_cache - schema_infer() remembered by body bytes, for traffic that
 * sends the same bodies again and again. Direct-mapped, SCHEMA_CACHE_SLOTS
 * entries, bodies up to SCHEMA_CACHE_MAX_BODY bytes (longer ones are not
 * kept). A hit returns the same json_t as before: schemas are never
 * changed once built, so sharing them is safe. */
#define SCHEMA_CACHE_SLOTS 64u
#define SCHEMA_CACHE_MAX_BODY 1024u

struct schema_cache;

struct schema_cache *schema_cache_create(void);
/*! schema_cache_infer() :
 *  @return : a new reference, the same value as schema_infer(body, len). */
json_t *schema_cache_infer(struct schema_cache *c, const uint8_t *body, size_t len);
void schema_cache_free(struct schema_cache *c);

#endif /* SOCKREC_SCHEMA_H */
