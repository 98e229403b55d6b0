/* json.h - a small, bounded JSON reader (RFC 8259) for the few fields the
 * capture takes from container metadata (Docker Engine API inspect
 * documents, OCI config.json annotations).
 *
 * The document stays raw text; values are spans into it (struct cap_json).
 * cap_json_parse() validates the whole document first (nesting at most
 * CAP_JSON_MAX_DEPTH, every byte inside the given length); the navigation
 * functions then walk spans and still never read outside them. Nothing is
 * allocated. Input is untrusted.
 */
#ifndef CAP_JSON_H
#define CAP_JSON_H

#include <stddef.h>

#define CAP_JSON_MAX_DEPTH 64

struct cap_json {
	const char *p; /* first byte of the value */
	size_t n;      /* bytes of the value */
};

struct cap_json_iter {
	const char *p, *end;
	char close; /* '}' or ']' */
	int first;
};

/*! cap_json_parse() : validates doc (one value, optional whitespace around).
 *  @return 0 and the root value, or -1 when doc is not valid JSON. */
int cap_json_parse(const char *doc, size_t len, struct cap_json *root);

/* @return '{', '[', '"', '0' (number), 't', 'f', 'n' (null) - the kind of v */
int cap_json_kind(const struct cap_json *v);

/*! cap_json_member() : the value of key in object obj (first match).
 *  @return 1 found, 0 absent or obj not an object. */
int cap_json_member(const struct cap_json *obj, const char *key, struct cap_json *out);

/*! cap_json_path() : follows dotted member names ("Config.Image").
 *  @return 1 found, 0 absent. */
int cap_json_path(const struct cap_json *root, const char *dotted, struct cap_json *out);

/*! cap_json_iter_init() / cap_json_iter_next() : members of an object (key
 *  and value) or elements of an array (key->n == 0).
 *  init @return 0, or -1 when v is neither. next @return 1, 0 at the end. */
int cap_json_iter_init(const struct cap_json *v, struct cap_json_iter *it);
int cap_json_iter_next(struct cap_json_iter *it, struct cap_json *key, struct cap_json *val);

/*! cap_json_string() : decodes string value v (escapes, \u with surrogate
 *  pairs to UTF-8) into dst, NUL-terminated.
 *  @return the decoded length, or -1 when v is not a string, or does not
 *          fit in dst_cap (including the NUL), or holds a NUL (\u0000). */
long cap_json_string(const struct cap_json *v, char *dst, size_t dst_cap);

/* @return 1 when string value v decodes to exactly s */
int cap_json_string_is(const struct cap_json *v, const char *s);

#endif /* CAP_JSON_H */
