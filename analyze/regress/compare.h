/* compare - is a replayed response the same as the recorded one, and which
 * differences are noise (issue 18, README "Regression tests from a
 * capture").
 *
 * What is compared: the status code; Content-Type and the headers the user
 * names; the body: as JSON by structure and value when both bodies are
 * JSON, else byte for byte.
 *
 * Noise (a difference that is not one; each is reported with its rule):
 *  - "timestamp": both values are timestamps: RFC 3339 / ISO 8601 (a date,
 *    optionally with a time, fraction and offset) or an HTTP date (RFC 9110
 *    5.6.7: IMF-fixdate, RFC 850, asctime);
 *  - "uuid": both values are UUIDs (8-4-4-4-12 hex digits);
 *  - "varied": the field differed between two recorded responses to the
 *    same request (cmp_rules.varies, made by the caller with this module);
 *  - "ignored": a path the user gave (--ignore).
 * A body not recorded (or replayed) whole is not compared: "not_whole".
 *
 * Field names (in cmp_result): "status", "header NAME" (NAME lower case),
 * "body" (the whole body), "body PATH" with PATH a JSONPath: $ the root,
 * .key for keys that are identifiers, ["key"] for others, [i] for array
 * elements. A pattern (--ignore, varies) matches a path when it is the
 * path or a prefix that ends at a step, and [*] in it matches any index:
 * "$.items[*].id" matches "$.items[3].id", "$.meta" matches "$.meta.ts".
 *
 * Bounds: at most CMP_MAX_WHAT differences and CMP_MAX_NOISE noise entries
 * per comparison (the rest are counted); bodies longer than
 * SCHEMA_MAX_BODY are compared byte for byte. Pure: no clock, no I/O.
 */
#ifndef AN_COMPARE_H
#define AN_COMPARE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "regress/rset.h"

#define CMP_MAX_WHAT 64u
#define CMP_MAX_NOISE 256u

enum cmp_rule {
	CMP_TIMESTAMP = 0,
	CMP_UUID,
	CMP_VARIED,
	CMP_IGNORED,
	CMP_NOT_WHOLE,
	CMP_NRULES,
};

/* the rule's name in reports: "timestamp", "uuid", "varied", "ignored", "not_whole" */
const char *cmp_rule_name(enum cmp_rule r);

struct cmp_noise {
	char *field;
	enum cmp_rule rule;
};

struct cmp_result {
	char *
	    *what; /* differences, in the order found (status, headers, body paths in key order) */
	size_t nwhat;
	size_t more_what; /* differences past CMP_MAX_WHAT */
	struct cmp_noise *noise;
	size_t nnoise;
	size_t more_noise;
};

struct cmp_rules {
	const char *const *ignore; /* --ignore JSONPath patterns */
	size_t nignore;
	const char *const *varies; /* field names that varied in the recording (patterns) */
	size_t nvaries;
	const char *const *headers; /* --header names compared besides Content-Type */
	size_t nheaders;
};

bool cmp_is_timestamp(const char *s, size_t n);
bool cmp_is_uuid(const char *s, size_t n);

/*! cmp_path_match() :
 *  @return true when pattern (a JSONPath as above, [*] allowed) is path or
 *          a prefix of it that ends at a step. */
bool cmp_path_match(const char *pattern, const char *path);

/*! cmp_json() :
 *  Compares two JSON values at path ("$" for a body) into out (which
 *  accumulates: call cmp_result_free() once at the end). */
void cmp_json(const json_t *rec, const json_t *got, const char *path, const struct cmp_rules *r,
	      struct cmp_result *out);

/*! cmp_response() :
 *  Compares a replayed (or second recorded) final response with the
 *  recorded one into out (zeroed by the caller). */
void cmp_response(const struct rset_msg *rec, const struct rset_msg *got, const struct cmp_rules *r,
		  struct cmp_result *out);

/* the same when no difference was found */
static inline bool cmp_same(const struct cmp_result *c)
{
	return c->nwhat == 0 && c->more_what == 0;
}

void cmp_result_free(struct cmp_result *c);

/*! cmp_json_load() :
 *  @return a new reference to the JSON value of body (any JSON text, NUL
 *          bytes allowed in strings), or NULL when it is not JSON or longer
 *          than SCHEMA_MAX_BODY. */
json_t *cmp_json_load(const uint8_t *body, size_t len);

#endif /* AN_COMPARE_H */
