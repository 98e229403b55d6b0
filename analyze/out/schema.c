/* schema - value-free shape of a JSON body (RFC 8259), notation in schema.h. */
#include "out/schema.h"

#include <stdlib.h>
#include <string.h>

/* Type names as bits, in alphabetical order so a union prints sorted. */
enum {
	T_ARRAY = 1 << 0,
	T_BOOLEAN = 1 << 1,
	T_NULL = 1 << 2,
	T_NUMBER = 1 << 3,
	T_OBJECT = 1 << 4,
	T_STRING = 1 << 5,
	T_ALL = (1 << 6) - 1,
};

static const char *const type_names[] = {"array", "boolean", "null", "number", "object", "string"};

#define NTYPES (sizeof(type_names) / sizeof(type_names[0]))
#define UNION_MAX 48 /* all six names and their '|' separators fit */

static json_t *type_string(unsigned mask)
{
	char buf[UNION_MAX];
	size_t k = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NTYPES; i++) {
		size_t len = strlen(type_names[i]);

		if (!(mask & (1u << i)))
			continue;
		if (k)
			buf[k++] = '|';
		memcpy(buf + k, type_names[i], len + 1);
		k += len;
	}
	return json_string(buf);
}

/* The type-name set a schema node stands for (0 for something we never
 * build, which merging then leaves alone). */
static unsigned type_mask(const json_t *s)
{
	const char *p, *bar;
	unsigned mask = 0;

	if (json_is_object(s))
		return T_OBJECT;
	if (json_is_array(s))
		return T_ARRAY;
	if (!json_is_string(s))
		return 0;
	for (p = json_string_value(s);; p = bar + 1) {
		size_t len;
		size_t i;

		bar = strchr(p, '|');
		len = bar ? (size_t)(bar - p) : strlen(p);
		for (i = 0; i < NTYPES; i++)
			if (strlen(type_names[i]) == len && memcmp(type_names[i], p, len) == 0)
				break;
		if (i == NTYPES)
			return 0;
		mask |= 1u << i;
		if (!bar)
			break;
	}
	return mask & T_ALL;
}

/* Merges src into dst. Consumes the caller's reference to dst and returns
 * a reference to the result (dst itself when it could be changed in place).
 * src is only borrowed; its children may end up shared with the result, so
 * the caller must not change src afterwards (it only ever drops it). */
static json_t *merge_into(json_t *dst, json_t *src)
{
	unsigned dm, sm;

	if (!dst)
		return json_incref(src);
	if (!src)
		return dst;
	if (json_is_object(dst) && json_is_object(src)) {
		const char *key;
		json_t *sv;

		json_object_foreach(src, key, sv)
		{
			json_t *dv = json_object_get(dst, key), *mv;

			if (!dv) {
				json_object_set(dst, key, sv);
				continue;
			}
			mv = merge_into(json_incref(dv), sv);
			if (mv != dv)
				json_object_set_new(dst, key, mv);
			else
				json_decref(mv);
		}
		return dst;
	}
	if (json_is_array(dst) && json_is_array(src)) {
		json_t *dv, *sv, *mv;

		if (json_array_size(src) == 0)
			return dst;
		sv = json_array_get(src, 0);
		if (json_array_size(dst) == 0) {
			json_array_append(dst, sv);
			return dst;
		}
		dv = json_array_get(dst, 0);
		mv = merge_into(json_incref(dv), sv);
		if (mv != dv)
			json_array_set_new(dst, 0, mv);
		else
			json_decref(mv);
		return dst;
	}
	dm = type_mask(dst);
	sm = type_mask(src);
	if (!dm || !sm || (dm | sm) == dm)
		return dst;
	json_decref(dst);
	return type_string(dm | sm);
}

/* Schema of a parsed value; depth is its nesting level (0 = the body). */
static json_t *schema_of(const json_t *v, int depth)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *val, *o;

		if (depth >= SCHEMA_MAX_DEPTH)
			return json_string("object");
		o = json_object();
		if (!o)
			return NULL;
		json_object_foreach((json_t *)v, key, val)
		    json_object_set_new(o, key, schema_of(val, depth + 1));
		return o;
	}
	case JSON_ARRAY: {
		json_t *merged = NULL, *a;
		size_t i;
		json_t *el;

		if (depth >= SCHEMA_MAX_DEPTH)
			return json_string("array");
		json_array_foreach(v, i, el)
		{
			json_t *s = schema_of(el, depth + 1);

			merged = merge_into(merged, s);
			json_decref(s);
		}
		a = json_array();
		if (a && merged)
			json_array_append(a, merged);
		json_decref(merged);
		return a;
	}
	case JSON_STRING:
		return json_string("string");
	case JSON_INTEGER:
	case JSON_REAL:
		return json_string("number");
	case JSON_TRUE:
	case JSON_FALSE:
		return json_string("boolean");
	case JSON_NULL:
	default:
		return json_string("null");
	}
}

json_t *schema_infer(const uint8_t *body, size_t len)
{
	json_error_t err;
	json_t *doc, *schema;

	if (!body || len == 0)
		return json_null();
	if (len > SCHEMA_MAX_BODY)
		len = SCHEMA_MAX_BODY;
	/* any top-level value; \u0000 inside strings is still JSON; integers
	 * as doubles so 2^64 and beyond are numbers, not parse errors */
	doc = json_loadb((const char *)body, len,
			 JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &err);
	if (!doc)
		return json_string("non-json");
	schema = schema_of(doc, 0);
	json_decref(doc);
	return schema;
}

char *schema_key(const json_t *schema)
{
	const size_t flags = JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY;
	size_t need, got;
	char *buf;

	if (!schema)
		return NULL;
	/* json_dumpb into our own malloc()ed buffer, so free() is always right */
	need = json_dumpb(schema, NULL, 0, flags);
	if (need == 0)
		return NULL;
	buf = malloc(need + 1);
	if (!buf)
		return NULL;
	got = json_dumpb(schema, buf, need, flags);
	if (got != need) {
		free(buf);
		return NULL;
	}
	buf[need] = '\0';
	return buf;
}

/* ---- cache ---- */

struct schema_slot {
	uint64_t hash;
	size_t len;
	uint8_t *body; /* NULL: empty slot */
	json_t *schema;
};

struct schema_cache {
	struct schema_slot slot[SCHEMA_CACHE_SLOTS];
};

struct schema_cache *schema_cache_create(void)
{
	struct schema_cache *c = calloc(1, sizeof(*c));
	return c;
}

static uint64_t body_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

json_t *schema_cache_infer(struct schema_cache *c, const uint8_t *body, size_t len)
{
	struct schema_slot *s;
	uint64_t h;
	json_t *j;

	if (!c || !body || len == 0 || len > SCHEMA_CACHE_MAX_BODY)
		return schema_infer(body, len);
	h = body_hash(body, len);
	s = &c->slot[h % SCHEMA_CACHE_SLOTS];
	if (s->body && s->hash == h && s->len == len && !memcmp(s->body, body, len))
		return json_incref(s->schema);
	j = schema_infer(body, len);
	if (!j)
		return NULL;
	uint8_t *copy = malloc(len);
	if (!copy)
		return j;
	free(s->body);
	json_decref(s->schema);
	memcpy(copy, body, len);
	s->hash = h;
	s->len = len;
	s->body = copy;
	s->schema = json_incref(j);
	return j;
}

void schema_cache_free(struct schema_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < SCHEMA_CACHE_SLOTS; i++) {
		free(c->slot[i].body);
		json_decref(c->slot[i].schema);
	}
	free(c);
}
