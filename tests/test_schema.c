/* Unit tests for analyze/schema: schema inference and its canonical key.
 * Expected keys are written from the notation in schema.h, not copied from
 * the program's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "out/schema.h"

/* schema key of a text body */
static char *key_of(const char *body)
{
	json_t *s = schema_infer((const uint8_t *)body, strlen(body));
	char *k;

	assert_non_null(s);
	k = schema_key(s);
	json_decref(s);
	assert_non_null(k);
	return k;
}

static void expect_key(const char *body, const char *want)
{
	char *k = key_of(body);

	if (strcmp(k, want) != 0)
		fail_msg("body %.80s: schema %s, want %s", body, k, want);
	free(k);
}

static void test_no_body(void **state)
{
	json_t *s;
	char *k;
	(void)state;

	s = schema_infer(NULL, 0);
	assert_true(json_is_null(s));
	k = schema_key(s);
	assert_string_equal(k, "null");
	free(k);
	json_decref(s);

	s = schema_infer((const uint8_t *)"{}", 0); /* length 0 wins */
	assert_true(json_is_null(s));
	json_decref(s);

	assert_null(schema_key(NULL));
}

static void test_non_json(void **state)
{
	(void)state;
	expect_key("hello world", "\"non-json\"");
	expect_key("<html><body>hi</body></html>", "\"non-json\"");
	expect_key("{\"a\":1", "\"non-json\"");		  /* cut */
	expect_key("{\"a\":1} trailing", "\"non-json\""); /* garbage after the value */
	expect_key("   ", "\"non-json\"");		  /* whitespace is not a value */
	expect_key("\xff\xfe{}", "\"non-json\"");	  /* not UTF-8 */
	expect_key("{\"a\\u0000b\":1}", "\"non-json\"");  /* jansson: no NUL in keys */
}

static void test_scalars(void **state)
{
	(void)state;
	expect_key("42", "\"number\"");
	expect_key("-1.5e3", "\"number\"");
	expect_key("123456789012345678901234567890", "\"number\""); /* beyond int64 */
	expect_key("\"text\"", "\"string\"");
	expect_key("\"a\\u0000b\"", "\"string\""); /* NUL inside a string is fine */
	expect_key("true", "\"boolean\"");
	expect_key("false", "\"boolean\"");
	/* the JSON value null is the type "null", not "no body" */
	expect_key("null", "\"null\"");
	expect_key("  {\"a\":1}\r\n", "{\"a\":\"number\"}");
}

static void test_objects(void **state)
{
	(void)state;
	expect_key("{}", "{}");
	expect_key("{\"name\":\"x\",\"id\":7,\"ok\":true,\"gone\":null,\"ratio\":0.5}",
		   "{\"gone\":\"null\",\"id\":\"number\",\"name\":\"string\",\"ok\":\"boolean\","
		   "\"ratio\":\"number\"}");
	/* nested objects and arrays */
	expect_key(
	    "{\"user\":{\"id\":1,\"tags\":[\"a\",\"b\"],\"addr\":{\"zip\":\"1\"}}}",
	    "{\"user\":{\"addr\":{\"zip\":\"string\"},\"id\":\"number\",\"tags\":[\"string\"]}}");
	/* the seed README's example */
	expect_key("{\"id\":\"0\",\"podname\":\"reviews-v1\",\"clustername\":\"null\",\"reviews\":["
		   "{\"reviewer\":\"Reviewer1\",\"text\":\"An extremely entertaining play\"},"
		   "{\"reviewer\":\"Reviewer2\",\"text\":\"Absolutely fun\"}]}",
		   "{\"clustername\":\"string\",\"id\":\"string\",\"podname\":\"string\","
		   "\"reviews\":[{\"reviewer\":\"string\",\"text\":\"string\"}]}");
}

static void test_key_order_irrelevant(void **state)
{
	char *a, *b;
	(void)state;

	a = key_of("{\"b\":1,\"a\":\"x\",\"c\":{\"z\":1,\"y\":2}}");
	b = key_of("{\"c\":{\"y\":5,\"z\":6},\"a\":\"other\",\"b\":99}");
	assert_string_equal(a, b);
	free(a);
	free(b);
	/* a different shape is a different key (variants stay apart) */
	a = key_of("{\"a\":1}");
	b = key_of("{\"a\":\"1\"}");
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

static void test_arrays(void **state)
{
	(void)state;
	expect_key("[]", "[]");
	expect_key("[1,2,3]", "[\"number\"]");
	expect_key("[[],[]]", "[[]]");
	expect_key("{\"items\":[]}", "{\"items\":[]}");
	/* objects merge into the union of their keys */
	expect_key("[{\"a\":1},{\"b\":\"x\"},{\"a\":2,\"c\":true}]",
		   "[{\"a\":\"number\",\"b\":\"string\",\"c\":\"boolean\"}]");
	/* conflicting scalar types join, sorted */
	expect_key("[{\"a\":1},{\"a\":\"s\"}]", "[{\"a\":\"number|string\"}]");
	expect_key("[true,1,\"a\",null]", "[\"boolean|null|number|string\"]");
	/* arrays inside arrays merge their elements; [] adds nothing */
	expect_key("[[1],[],[\"x\"]]", "[[\"number|string\"]]");
	expect_key("[[{\"a\":1}],[{\"b\":1}],[{\"a\":\"x\"}]]",
		   "[[{\"a\":\"number|string\",\"b\":\"number\"}]]");
	/* structure against anything else: named, inside not kept */
	expect_key("[{\"a\":1},null]", "[\"null|object\"]");
	expect_key("[{\"a\":1},[1]]", "[\"array|object\"]");
	expect_key("[{\"a\":{\"x\":1}},{\"a\":\"s\"}]", "[{\"a\":\"object|string\"}]");
	expect_key("[\"s\",{\"a\":1},[2],true,null,3]",
		   "[\"array|boolean|null|number|object|string\"]");
}

/* Merging is commutative and associative: any element order, same key. */
static void test_merge_order(void **state)
{
	static const char *const els[] = {"{\"a\":1}", "{\"b\":[1]}", "{\"a\":\"x\",\"b\":[\"y\"]}",
					  "{\"c\":null}", "{\"b\":[]}"};
	const int n = 5;
	char *first = NULL;
	int perm[5] = {0, 1, 2, 3, 4};
	(void)state;

	/* every permutation (Heap's algorithm, iterative) */
	int c[5] = {0}, i = 0;

	for (;;) {
		char body[256] = "[";
		char *k;

		for (int j = 0; j < n; j++) {
			strcat(body, els[perm[j]]);
			strcat(body, j + 1 < n ? "," : "]");
		}
		k = key_of(body);
		if (!first)
			first = k;
		else {
			if (strcmp(first, k) != 0)
				fail_msg("order %s: %s != %s", body, k, first);
			free(k);
		}
		while (i < n && c[i] >= i) {
			c[i] = 0;
			i++;
		}
		if (i == n)
			break;
		{
			int a = i % 2 ? c[i] : 0, t = perm[a];

			perm[a] = perm[i];
			perm[i] = t;
		}
		c[i]++;
		i = 0;
	}
	assert_string_equal(first,
			    "[{\"a\":\"number|string\",\"b\":[\"number|string\"],\"c\":\"null\"}]");
	free(first);
}

static char *nested(const char *open, const char *inner, const char *close, int depth)
{
	size_t lo = strlen(open), li = strlen(inner), lc = strlen(close);
	char *b = malloc((size_t)depth * (lo + lc) + li + 1), *p = b;

	assert_non_null(b);
	for (int i = 0; i < depth; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, inner, li);
	p += li;
	for (int i = 0; i < depth; i++, p += lc)
		memcpy(p, close, lc);
	*p = '\0';
	return b;
}

/* Nesting deeper than SCHEMA_MAX_DEPTH is cut to "object" / "array". */
static void test_depth_cap(void **state)
{
	char *body, *want;
	json_t *s, *node;
	int depth;
	(void)state;

	/* objects: {"a":{"a":...1...}} 100 levels */
	body = nested("{\"a\":", "1", "}", 100);
	s = schema_infer((const uint8_t *)body, strlen(body));
	free(body);
	node = s;
	for (depth = 0; json_is_object(node); depth++)
		node = json_object_get(node, "a");
	assert_int_equal(depth, SCHEMA_MAX_DEPTH);
	assert_true(json_is_string(node));
	assert_string_equal(json_string_value(node), "object");
	json_decref(s);

	/* arrays: the same with [ ] */
	body = nested("[", "1", "]", 100);
	s = schema_infer((const uint8_t *)body, strlen(body));
	free(body);
	node = s;
	for (depth = 0; json_is_array(node); depth++)
		node = json_array_get(node, 0);
	assert_int_equal(depth, SCHEMA_MAX_DEPTH);
	assert_string_equal(json_string_value(node), "array");
	json_decref(s);

	/* exactly at the cap nothing is cut */
	body = nested("[", "1", "]", SCHEMA_MAX_DEPTH);
	want = nested("[", "\"number\"", "]", SCHEMA_MAX_DEPTH);
	expect_key(body, want);
	free(body);
	free(want);

	/* beyond what jansson parses at all (2048): non-json, no crash */
	body = nested("[", "", "]", 5000);
	expect_key(body, "\"non-json\"");
	free(body);
}

/* 50,000 keys, written in reverse order: all kept, key text sorted. */
static void test_many_keys(void **state)
{
	const int n = 50000;
	size_t cap = (size_t)n * 24 + 2, len = 0;
	char *body = malloc(cap), *k, *want;
	json_t *s;
	(void)state;

	assert_non_null(body);
	body[len++] = '{';
	for (int i = n - 1; i >= 0; i--)
		len +=
		    (size_t)snprintf(body + len, cap - len, "\"k%05d\":%d%s", i, i, i ? "," : "");
	body[len++] = '}';
	s = schema_infer((const uint8_t *)body, len);
	free(body);
	assert_true(json_is_object(s));
	assert_int_equal(json_object_size(s), n);
	k = schema_key(s);
	json_decref(s);
	assert_non_null(k);
	/* the whole text, written from the notation: keys in sorted order */
	want = malloc(cap);
	assert_non_null(want);
	len = 0;
	want[len++] = '{';
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(want + len, cap - len, "\"k%05d\":\"number\"%s", i,
					i + 1 < n ? "," : "");
	want[len++] = '}';
	want[len] = '\0';
	if (strcmp(k, want) != 0)
		fail_msg("schema starts %.60s", k);
	free(want);
	free(k);
}

/* Bodies past SCHEMA_MAX_BODY: only the prefix is parsed. */
static void test_body_cap(void **state)
{
	size_t n = SCHEMA_MAX_BODY + 4096, len = 0;
	char *body = malloc(n + 16);
	json_t *s;
	(void)state;

	assert_non_null(body);
	/* a valid array longer than the cap: its prefix is cut -> non-json */
	body[len++] = '[';
	while (len < n)
		len += (size_t)snprintf(body + len, n + 16 - len, "1,");
	body[len - 1] = ']';
	s = schema_infer((const uint8_t *)body, len);
	assert_string_equal(json_string_value(s), "non-json");
	json_decref(s);

	/* the same array inside the cap is parsed */
	len = 0;
	body[len++] = '[';
	while (len < SCHEMA_MAX_BODY - 8)
		len += (size_t)snprintf(body + len, n + 16 - len, "1,");
	body[len - 1] = ']';
	assert_true(len <= SCHEMA_MAX_BODY);
	s = schema_infer((const uint8_t *)body, len);
	assert_true(json_is_array(s));
	assert_string_equal(json_string_value(json_array_get(s, 0)), "number");
	json_decref(s);

	/* a cut body whose prefix is valid JSON on its own counts as JSON */
	memset(body, ' ', n);
	memcpy(body, "12.5", 4);
	s = schema_infer((const uint8_t *)body, n);
	assert_string_equal(json_string_value(s), "number");
	json_decref(s);
	free(body);
}

/* The same body always gives the same key; the schema is a new reference. */
static void test_ownership_and_determinism(void **state)
{
	const char *body = "{\"z\":[{\"b\":1},{\"a\":2}],\"y\":{\"x\":[true]}}";
	json_t *a = schema_infer((const uint8_t *)body, strlen(body));
	json_t *b = schema_infer((const uint8_t *)body, strlen(body));
	char *ka = schema_key(a), *kb = schema_key(b);
	(void)state;

	assert_ptr_not_equal(a, b);
	assert_int_equal(a->refcount, 1);
	assert_string_equal(ka, kb);
	assert_string_equal(
	    ka, "{\"y\":{\"x\":[\"boolean\"]},\"z\":[{\"a\":\"number\",\"b\":\"number\"}]}");
	free(ka);
	free(kb);
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_body),
	    cmocka_unit_test(test_non_json),
	    cmocka_unit_test(test_scalars),
	    cmocka_unit_test(test_objects),
	    cmocka_unit_test(test_key_order_irrelevant),
	    cmocka_unit_test(test_arrays),
	    cmocka_unit_test(test_merge_order),
	    cmocka_unit_test(test_depth_cap),
	    cmocka_unit_test(test_many_keys),
	    cmocka_unit_test(test_body_cap),
	    cmocka_unit_test(test_ownership_and_determinism),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
