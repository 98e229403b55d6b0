/* libFuzzer target for analyze/schema.
 *
 * Input: a body. Besides crashes and leaks (every schema is released), the
 * merge rules are checked on JSON input: merging a schema with itself
 * changes nothing (schema of "[x,x]" is "[" schema(x) "]"), and when the
 * input holds a NUL byte, the two JSON values around it merge the same in
 * either order. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "out/schema.h"

/* nesting of a schema: 1 for a scalar */
static int depth(const json_t *s)
{
	int d = 0;

	if (json_is_object(s)) {
		const char *k;
		json_t *v;

		json_object_foreach((json_t *)s, k, v)
		{
			int x = depth(v);

			if (x > d)
				d = x;
		}
	} else if (json_is_array(s) && json_array_size(s)) {
		d = depth(json_array_get(s, 0));
	}
	return d + 1;
}

static char *key_of(const uint8_t *p, size_t n, json_t **out)
{
	json_t *s = schema_infer(p, n);
	char *k;

	if (!s)
		abort();
	k = schema_key(s);
	if (!k)
		abort();
	if (out)
		*out = s;
	else
		json_decref(s);
	return k;
}

static int is_json(const char *key)
{
	return strcmp(key, "null") != 0 && strcmp(key, "\"non-json\"") != 0;
}

/* "[a,b]" */
static uint8_t *pair(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, size_t *n)
{
	uint8_t *p = malloc(an + bn + 3);

	if (!p)
		abort();
	p[0] = '[';
	memcpy(p + 1, a, an);
	p[1 + an] = ',';
	memcpy(p + 2 + an, b, bn);
	p[2 + an + bn] = ']';
	*n = an + bn + 3;
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *s;
	char *k = key_of(data, size, &s), *k2;
	const uint8_t *nul;

	/* deterministic */
	k2 = key_of(data, size, NULL);
	if (strcmp(k, k2) != 0)
		abort();
	free(k2);

	/* idempotent merge, away from the depth and size caps */
	if (is_json(k) && depth(s) < SCHEMA_MAX_DEPTH - 1 && 2 * size + 3 <= SCHEMA_MAX_BODY) {
		size_t n;
		uint8_t *p = pair(data, size, data, size, &n);
		char *want = malloc(strlen(k) + 3);

		if (!want)
			abort();
		strcpy(want, "[");
		strcat(want, k);
		strcat(want, "]");
		k2 = key_of(p, n, NULL);
		if (strcmp(k2, want) != 0)
			abort();
		free(k2);
		free(want);
		free(p);
	}
	json_decref(s);
	free(k);

	/* commutative merge of the two values around a NUL */
	nul = memchr(data, 0, size);
	if (nul && 2 * size + 3 <= SCHEMA_MAX_BODY) {
		size_t an = (size_t)(nul - data), bn = size - an - 1, n1, n2;
		json_t *sa, *sb;
		char *ka = key_of(data, an, &sa), *kb = key_of(nul + 1, bn, &sb);

		if (is_json(ka) && is_json(kb) && depth(sa) < SCHEMA_MAX_DEPTH - 1 &&
		    depth(sb) < SCHEMA_MAX_DEPTH - 1) {
			uint8_t *p1 = pair(data, an, nul + 1, bn, &n1);
			uint8_t *p2 = pair(nul + 1, bn, data, an, &n2);

			k = key_of(p1, n1, NULL);
			k2 = key_of(p2, n2, NULL);
			if (strcmp(k, k2) != 0)
				abort();
			free(k);
			free(k2);
			free(p1);
			free(p2);
		}
		json_decref(sa);
		json_decref(sb);
		free(ka);
		free(kb);
	}
	return 0;
}
