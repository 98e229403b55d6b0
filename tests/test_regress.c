/* Unit tests for analyze/regress: the noise rules, the JSON compare, the
 * response compare, request matching (keys, groups, the varied rule, the
 * closest request) and diff's path templates. Expected results are written
 * from the rules in compare.h, match.h and apidiff.h, not copied from the
 * program's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "regress/apidiff.h"
#include "regress/compare.h"
#include "regress/match.h"

/* ---- value rules ---- */

static void test_timestamps(void **state)
{
	static const char *const yes[] = {
	    "2026-12-03",
	    "2026-12-03T11:42:21Z",
	    "2026-12-03T11:42:21.985846+00:00",
	    "2026-12-03 11:42:21",
	    "2026-12-03T11:42Z",
	    "2026-12-03t11:42:21,5-0530",
	    "2026-12-03T11:42:21+01",
	    "Thu, 03 Dec 2026 11:42:22 GMT",  /* IMF-fixdate */
	    "Thursday, 03-Dec-26 11:42:22 GMT", /* RFC 850 */
	    "Thu Dec  3 11:42:22 2026",	      /* asctime */
	    "Thu Dec 13 11:42:22 2026",
	};
	static const char *const no[] = {
	    "",
	    "hello",
	    "2026-12",
	    "2026-12-03T",
	    "2026-12-03T11",
	    "2026-12-03T11:42:21.",
	    "2026-12-03T11:42:21+",
	    "2026-12-03T11:42:21Zjunk",
	    "12:00:00",
	    "20261203",
	    "Thu, 03 Dec 2026 11:42:22 PST",
	    "Thu, 3 Dec 2026 11:42:22 GMT",
	    "1733226142",
	    "x2026-12-03",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!cmp_is_timestamp(yes[i], strlen(yes[i])))
			fail_msg("'%s' is a timestamp", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (cmp_is_timestamp(no[i], strlen(no[i])))
			fail_msg("'%s' is no timestamp", no[i]);
	assert_false(cmp_is_timestamp(NULL, 0));
	/* length counts: a prefix is not the value */
	assert_false(cmp_is_timestamp("2026-12-03T11:42:21Z", 13));
}

static void test_uuids(void **state)
{
	(void)state;
	assert_true(cmp_is_uuid("e4d91b8f-ef25-4485-8a27-7fa79ae1f0ad", 36));
	assert_true(cmp_is_uuid("E4D91B8F-EF25-4485-8A27-7FA79AE1F0AD", 36));
	assert_true(cmp_is_uuid("00000000-0000-0000-0000-000000000000", 36));
	assert_false(cmp_is_uuid("e4d91b8f-ef25-4485-8a27-7fa79ae1f0a", 35));
	assert_false(cmp_is_uuid("e4d91b8fef254485-8a27-7fa79ae1f0ad0", 36));
	assert_false(cmp_is_uuid("g4d91b8f-ef25-4485-8a27-7fa79ae1f0ad", 36));
	assert_false(cmp_is_uuid("e4d91b8f-ef25-4485-8a27-7fa79ae1f0ad}", 37));
	assert_false(cmp_is_uuid(NULL, 0));
}

static void test_path_match(void **state)
{
	(void)state;
	assert_true(cmp_path_match("$.a", "$.a"));
	assert_true(cmp_path_match("$.a", "$.a.b"));
	assert_true(cmp_path_match("$.a", "$.a[3]"));
	assert_false(cmp_path_match("$.a", "$.ab"));
	assert_false(cmp_path_match("$.a.b", "$.a"));
	assert_true(cmp_path_match("$.items[*].id", "$.items[0].id"));
	assert_true(cmp_path_match("$.items[*].id", "$.items[12].id"));
	assert_false(cmp_path_match("$.items[*].id", "$.items[12].name"));
	assert_false(cmp_path_match("$.items[*]", "$.items.x"));
	assert_false(cmp_path_match("$.items[*]", "$.items[]"));
	assert_true(cmp_path_match("$[\"a b\"]", "$[\"a b\"].c"));
	assert_true(cmp_path_match("$", "$.anything"));
	/* field names as the varied rule keeps them */
	assert_true(cmp_path_match("body $.load", "body $.load"));
	assert_false(cmp_path_match("body $.load", "body"));
	assert_true(cmp_path_match("status", "status"));
}

/* ---- JSON compare ---- */

/* compares two JSON texts; returns the result (free it) */
static struct cmp_result cmp_texts(const char *a, const char *b, const struct cmp_rules *r)
{
	struct cmp_result c = {0};
	json_t *x = json_loads(a, JSON_DECODE_ANY, NULL), *y = json_loads(b, JSON_DECODE_ANY, NULL);

	assert_non_null(x);
	assert_non_null(y);
	cmp_json(x, y, "$", r, &c);
	json_decref(x);
	json_decref(y);
	return c;
}

/* "what" joined by "," */
static char *joined_what(const struct cmp_result *c)
{
	struct dbuf b = {0};
	for (size_t i = 0; i < c->nwhat; i++)
		dbuf_printf(&b, "%s%s", i ? "," : "", c->what[i]);
	dbuf_cstr(&b);
	return (char *)b.p;
}

/* "field=rule" joined by "," */
static char *joined_noise(const struct cmp_result *c)
{
	struct dbuf b = {0};
	for (size_t i = 0; i < c->nnoise; i++)
		dbuf_printf(&b, "%s%s=%s", i ? "," : "", c->noise[i].field,
			    cmp_rule_name(c->noise[i].rule));
	dbuf_cstr(&b);
	return (char *)b.p;
}

static void expect_cmp(const char *a, const char *b, const struct cmp_rules *r,
		       const char *want_what, const char *want_noise)
{
	struct cmp_result c = cmp_texts(a, b, r);
	char *w = joined_what(&c), *n = joined_noise(&c);

	if (strcmp(w, want_what) || strcmp(n, want_noise))
		fail_msg("%s vs %s: what [%s] noise [%s], want [%s] [%s]", a, b, w, n, want_what,
			 want_noise);
	free(w);
	free(n);
	cmp_result_free(&c);
}

static void test_json_structure(void **state)
{
	(void)state;
	/* key order and spacing are not differences */
	expect_cmp("{\"a\":1,\"b\":[1,2]}", "{ \"b\": [1, 2], \"a\": 1 }", NULL, "", "");
	/* a value, a type, an added and a removed key, in key order */
	expect_cmp("{\"a\":1,\"b\":\"x\",\"c\":true,\"d\":0}",
		   "{\"a\":2,\"b\":3,\"c\":true,\"e\":0}", NULL, "body $.a,body $.b,body $.d,body $.e",
		   "");
	/* nested paths, array elements, array length */
	expect_cmp("{\"o\":{\"items\":[{\"id\":1},{\"id\":2}]}}",
		   "{\"o\":{\"items\":[{\"id\":1},{\"id\":3},{\"id\":4}]}}", NULL,
		   "body $.o.items[1].id,body $.o.items[2]", "");
	/* keys that are no identifiers are quoted */
	expect_cmp("{\"a b\":1,\"\\\"q\":1}", "{\"a b\":2,\"\\\"q\":2}", NULL,
		   "body $[\"\\\"q\"],body $[\"a b\"]", "");
	/* booleans: true vs false is a value change, not a type change */
	expect_cmp("[true]", "[false]", NULL, "body $[0]", "");
	/* integer vs real */
	expect_cmp("{\"p\":3}", "{\"p\":3.0}", NULL, "body $.p", "");
	/* scalars at the root */
	expect_cmp("\"x\"", "\"y\"", NULL, "body $", "");
	expect_cmp("null", "null", NULL, "", "");
}

static void test_json_noise(void **state)
{
	const char *ignore[] = {"$.items[*].name", "$.meta"};
	const char *varies[] = {"body $.load", "status"};
	struct cmp_rules r = {ignore, 2, varies, 2, NULL, 0};

	(void)state;
	/* both timestamps / both UUIDs: noise; one of them not: a difference */
	expect_cmp("{\"t\":\"2026-12-03T11:42:21Z\",\"u\":\"e4d91b8f-ef25-4485-8a27-7fa79ae1f0ad\"}",
		   "{\"t\":\"Thu, 03 Dec 2026 11:42:22 GMT\","
		   "\"u\":\"00000000-0000-0000-0000-000000000000\"}",
		   NULL, "", "body $.t=timestamp,body $.u=uuid");
	expect_cmp("{\"t\":\"2026-12-03T11:42:21Z\"}", "{\"t\":\"soon\"}", NULL, "body $.t", "");
	expect_cmp("{\"u\":\"e4d91b8f-ef25-4485-8a27-7fa79ae1f0ad\"}", "{\"u\":42}", NULL, "body $.u",
		   "");
	/* equal values are no noise either */
	expect_cmp("{\"t\":\"2026-12-03\"}", "{\"t\":\"2026-12-03\"}", NULL, "", "");
	/* --ignore, with [*], and a subtree: one entry for the subtree */
	expect_cmp("{\"items\":[{\"id\":1,\"name\":\"a\"}],\"meta\":{\"x\":1,\"y\":2}}",
		   "{\"items\":[{\"id\":1,\"name\":\"b\"}],\"meta\":{\"x\":5}}", &r, "",
		   "body $.items[0].name=ignored,body $.meta=ignored");
	/* varied (from the recording): excused; the same field elsewhere not */
	expect_cmp("{\"load\":1,\"other\":{\"load\":1}}", "{\"load\":2,\"other\":{\"load\":2}}", &r,
		   "body $.other.load", "body $.load=varied");
	/* an ignored key that disappears is still ignored */
	expect_cmp("{\"meta\":{}}", "{}", &r, "", "body $.meta=ignored");
}

/* ---- responses ---- */

static struct rset_msg msg(int status, const char *ctype, const char *body)
{
	struct rset_msg m = {0};
	static struct rset_header h[4];
	static char names[4][32], values[4][128];
	static int next;
	int k = next++ & 3;

	m.seen = m.whole = true;
	m.status = status;
	m.reason = (char *)"";
	if (ctype) {
		snprintf(names[k], sizeof(names[k]), "Content-Type");
		snprintf(values[k], sizeof(values[k]), "%s", ctype);
		h[k].name = names[k];
		h[k].value = values[k];
		m.h = &h[k];
		m.nh = 1;
	}
	m.body = (uint8_t *)body;
	m.body_len = strlen(body);
	return m;
}

static void expect_resp(struct rset_msg a, struct rset_msg b, const struct cmp_rules *r,
			const char *want_what, const char *want_noise)
{
	struct cmp_result c = {0};
	char *w, *n;

	cmp_response(&a, &b, r, &c);
	w = joined_what(&c);
	n = joined_noise(&c);
	if (strcmp(w, want_what) || strcmp(n, want_noise))
		fail_msg("what [%s] noise [%s], want [%s] [%s]", w, n, want_what, want_noise);
	assert_int_equal(cmp_same(&c), !*want_what);
	free(w);
	free(n);
	cmp_result_free(&c);
}

static void test_responses(void **state)
{
	const char *varies[] = {"status"};
	struct cmp_rules vr = {NULL, 0, varies, 1, NULL, 0};
	struct rset_msg cut;

	(void)state;
	expect_resp(msg(200, "application/json", "{\"a\":1}"),
		    msg(200, "application/json", "{ \"a\" : 1 }"), NULL, "", "");
	expect_resp(msg(200, "application/json", "{\"a\":1}"),
		    msg(500, "application/json", "{\"a\":1}"), NULL, "status", "");
	expect_resp(msg(200, "application/json", "{\"a\":1}"),
		    msg(500, "application/json", "{\"a\":1}"), &vr, "", "status=varied");
	expect_resp(msg(200, "application/json", "{}"), msg(200, "text/plain", "{}"), NULL,
		    "header content-type", "");
	expect_resp(msg(200, "application/json", "{}"), msg(200, NULL, "{}"), NULL,
		    "header content-type", "");
	/* not JSON: byte for byte */
	expect_resp(msg(200, "text/plain", "ok\n"), msg(200, "text/plain", "ok\n"), NULL, "", "");
	expect_resp(msg(200, "text/plain", "ok\n"), msg(200, "text/plain", "ok"), NULL, "body", "");
	/* JSON on one side only */
	expect_resp(msg(200, NULL, "{\"a\":1}"), msg(200, NULL, "<html>"), NULL, "body", "");
	/* not whole: not compared, and said */
	cut = msg(200, NULL, "{\"a\":1");
	cut.whole = false;
	expect_resp(cut, msg(200, NULL, "{\"a\":2}"), NULL, "", "body=not_whole");
}

static void test_named_headers(void **state)
{
	const char *headers[] = {"X-Request-Id", "X-Version"};
	struct cmp_rules r = {NULL, 0, NULL, 0, headers, 2};
	struct rset_header ha[] = {{(char *)"x-request-id", (char *)"e4d91b8f-ef25-4485-8a27-7fa79ae1f0ad"},
				   {(char *)"X-Version", (char *)"1"}};
	struct rset_header hb[] = {{(char *)"X-Request-ID", (char *)"00000000-0000-0000-0000-000000000001"},
				   {(char *)"x-version", (char *)"2"}};
	struct rset_msg a = {.seen = true, .whole = true, .status = 200, .h = ha, .nh = 2};
	struct rset_msg b = {.seen = true, .whole = true, .status = 200, .h = hb, .nh = 2};

	(void)state;
	expect_resp(a, b, &r, "header x-version", "header x-request-id=uuid");
	/* not named: not compared */
	expect_resp(a, b, NULL, "", "");
}

/* ---- matching ---- */

static char *key_of(const char *method, const char *target, const char *body)
{
	struct dbuf k = {0};
	match_key(&k, method, target, (const uint8_t *)body, strlen(body));
	dbuf_cstr(&k);
	return (char *)k.p;
}

static void test_keys(void **state)
{
	char *a, *b;

	(void)state;
	/* JSON bodies: key order and spacing do not matter */
	a = key_of("POST", "/orders", "{\"qty\":2,\"item\":1}");
	b = key_of("POST", "/orders", " { \"item\" : 1, \"qty\" : 2 } ");
	assert_string_equal(a, b);
	free(b);
	/* a value does */
	b = key_of("POST", "/orders", "{\"qty\":3,\"item\":1}");
	assert_string_not_equal(a, b);
	free(b);
	/* the method does */
	b = key_of("PUT", "/orders", "{\"qty\":2,\"item\":1}");
	assert_string_not_equal(a, b);
	free(b);
	free(a);
	/* the query does; an absolute-form target is its path and query */
	a = key_of("GET", "/items?page=1", "");
	b = key_of("GET", "/items?page=2", "");
	assert_string_not_equal(a, b);
	free(b);
	b = key_of("GET", "http://api:8080/items?page=1", "");
	assert_string_equal(a, b);
	free(b);
	free(a);
	/* not JSON: the bytes */
	a = key_of("POST", "/f", "a=1&b=2");
	b = key_of("POST", "/f", "b=2&a=1");
	assert_string_not_equal(a, b);
	free(a);
	free(b);
	assert_string_equal(match_origin("https://h"), "/");
	assert_string_equal(match_origin("http://h:1/x?y"), "/x?y");
	assert_string_equal(match_origin("*"), "*");
}

static struct rset_txn txn(const char *method, const char *target, const char *server,
			   struct rset_msg resp)
{
	struct rset_txn t = {0};
	snprintf(t.method, sizeof(t.method), "%s", method);
	t.target = (char *)target;
	t.server = (char *)server;
	t.req.seen = t.req.whole = true;
	t.req.body = (uint8_t *)"";
	t.resp = resp;
	return t;
}

static bool only_api(const struct rset_txn *t, void *ctx)
{
	return !strcmp(t->server, (const char *)ctx);
}

static void test_groups_and_varied(void **state)
{
	struct rset_txn t[] = {
	    txn("GET", "/items", "api",
		msg(200, "application/json", "{\"load\":1,\"at\":\"2026-12-03T10:00:00Z\",\"n\":2}")),
	    txn("GET", "/items/1", "api", msg(200, "application/json", "{\"id\":1}")),
	    txn("GET", "/items", "api",
		msg(200, "application/json", "{\"load\":7,\"at\":\"2026-12-03T10:00:01Z\",\"n\":2}")),
	    txn("GET", "/items", "other", msg(500, NULL, "")),
	    txn("GET", "/items", "api",
		msg(200, "application/json", "{\"load\":9,\"at\":\"2026-12-03T10:00:02Z\",\"n\":2}")),
	};
	struct match_index ix;
	struct match_group *g;
	struct dbuf k = {0};

	(void)state;
	match_index_build(&ix, t, 5, only_api, (void *)"api");
	assert_int_equal(ix.ngroups, 2);
	match_key(&k, "GET", "/items", (const uint8_t *)"", 0);
	g = match_lookup(&ix, &k);
	assert_non_null(g);
	/* recorded order, the other service's left out */
	assert_int_equal(g->n, 3);
	assert_int_equal(g->idx[0], 0);
	assert_int_equal(g->idx[1], 2);
	assert_int_equal(g->idx[2], 4);
	match_index_varied(&ix, t, NULL);
	/* "load" varied; "at" is a timestamp (noise anyway), "n" did not vary */
	assert_int_equal(g->nvaried, 1);
	assert_string_equal(g->varied[0], "body $.load");
	dbuf_free(&k);
	match_key(&k, "GET", "/items/1", (const uint8_t *)"", 0);
	g = match_lookup(&ix, &k);
	assert_non_null(g);
	assert_int_equal(g->nvaried, 0);
	dbuf_free(&k);
	match_key(&k, "GET", "/nothing", (const uint8_t *)"", 0);
	assert_null(match_lookup(&ix, &k));
	dbuf_free(&k);
	match_index_free(&ix);
}

static void test_closest(void **state)
{
	struct rset_txn t[] = {
	    txn("GET", "/items", "api", msg(200, NULL, "")),
	    txn("GET", "/items/1", "api", msg(200, NULL, "")),
	    txn("POST", "/orders", "api", msg(201, NULL, "")),
	};
	struct match_index ix;
	const struct match_group *g;

	(void)state;
	match_index_build(&ix, t, 3, NULL, NULL);
	g = match_closest(&ix, "GET", "/itemz");
	assert_string_equal(g->target, "/items");
	g = match_closest(&ix, "GET", "/items/2");
	assert_string_equal(g->target, "/items/1");
	/* the method first: a POST is closest to the POST */
	g = match_closest(&ix, "POST", "/items");
	assert_string_equal(g->method, "POST");
	/* long targets are bounded, and still answered */
	{
		char longt[4096];
		memset(longt, 'a', sizeof(longt) - 1);
		longt[0] = '/';
		longt[sizeof(longt) - 1] = 0;
		assert_non_null(match_closest(&ix, "GET", longt));
	}
	match_index_free(&ix);
	memset(&ix, 0, sizeof(ix));
	assert_null(match_closest(&ix, "GET", "/"));
}

static void test_templates(void **state)
{
	static const char *const cases[][2] = {
	    {"/orders/17", "/orders/{id}"},
	    {"/orders/17/items/3?x=1", "/orders/{id}/items/{id}"},
	    {"/u/e4d91b8f-ef25-4485-8a27-7fa79ae1f0ad", "/u/{id}"},
	    {"/blob/0123456789abcdef0123", "/blob/{id}"},
	    {"/blob/abc", "/blob/abc"},
	    {"/v2/stats", "/v2/stats"},
	    {"/", "/"},
	    {"http://h:80/a/1", "/a/{id}"},
	    {"/a//b/", "/a//b/"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = apidiff_template(cases[i][0]);
		if (strcmp(p, cases[i][1]))
			fail_msg("%s -> %s, want %s", cases[i][0], p, cases[i][1]);
		free(p);
	}
}

/* ---- the recorded set and diff, fed through the sink as the engine would ---- */

struct feed {
	struct an_sink *sink;
	uint64_t id;
};

/* one transaction of server (the client "web"), reported from the client's view */
static void feed_txn(struct feed *f, int64_t wall, const char *server, const char *method,
		     const char *target, const char *auth, int status, const char *body)
{
	struct an_conn_view v = {0};
	struct http_header h[1] = {{(const uint8_t *)"Authorization", 13,
				    (const uint8_t *)(auth ? auth : ""), auth ? strlen(auth) : 0}};
	struct http_txn t = {0};
	struct http_msg q = {0}, r = {0};
	struct an_http_event ev = {0};
	struct an_txn_event te = {0};
	void *slot = NULL;

	v.role = AN_ROLE_CLIENT;
	v.local.name = "web";
	v.remote.name = server;
	t.id = ++f->id;
	snprintf(t.method, sizeof(t.method), "%s", method);
	t.target = (char *)target;
	t.status = status;
	q.kind = HTTP_REQUEST;
	q.version_major = r.version_major = 1;
	q.version_minor = r.version_minor = 1;
	q.method = (const uint8_t *)method;
	q.method_len = strlen(method);
	q.target = (const uint8_t *)target;
	q.target_len = strlen(target);
	q.headers = h;
	q.nheaders = auth ? 1 : 0;
	r.kind = HTTP_RESPONSE;
	r.status = status;
	r.body = (const uint8_t *)body;
	r.body_len = strlen(body);
	ev.conn = &v;
	ev.txn = &t;
	ev.txn_state = &slot;
	ev.msg = &q;
	f->sink->http(f->sink->ctx, &ev);
	ev.msg = &r;
	f->sink->http(f->sink->ctx, &ev);
	te.conn = &v;
	te.txn = &t;
	te.req_wall_ns = wall;
	te.txn_state = slot;
	f->sink->txn(f->sink->ctx, &te);
}

static void feed_conn(struct feed *f, const char *to, const char *protocol)
{
	struct an_conn_view v = {0};
	struct classify_result cls = {0};
	struct an_conn_event ev = {0};

	v.role = AN_ROLE_CLIENT;
	v.local.name = "web";
	v.remote.name = to;
	snprintf(cls.protocol, sizeof(cls.protocol), "%s", protocol);
	ev.conn = &v;
	ev.cls = &cls;
	ev.reports = true;
	f->sink->connection(f->sink->ctx, &ev);
}

static void test_rset(void **state)
{
	struct rset *s = rset_create();
	struct feed f = {rset_sink(s), 0};
	const struct rset_txn *t;
	const struct rset_dep *d;
	size_t n;

	(void)state;
	feed_txn(&f, 300, "api", "GET", "/b", NULL, 200, "{}");
	feed_txn(&f, 100, "api", "GET", "/a", "Bearer x", 200, "{\"k\":1}");
	feed_txn(&f, 300, "api", "GET", "/c", NULL, 404, "");
	feed_conn(&f, "db", "postgres");
	feed_conn(&f, "db", "postgres");
	assert_int_equal(f.sink->end(f.sink->ctx, NULL), 0);
	an_sink_free(f.sink);
	t = rset_txns(s, &n);
	/* by request time, ties in completion order */
	assert_int_equal(n, 3);
	assert_string_equal(t[0].target, "/a");
	assert_string_equal(t[1].target, "/b");
	assert_string_equal(t[2].target, "/c");
	assert_true(t[0].credential);
	assert_false(t[1].credential);
	assert_string_equal(t[0].server, "api");
	assert_string_equal(t[0].client, "web");
	assert_int_equal(t[0].resp.status, 200);
	assert_int_equal(t[0].resp.body_len, 7);
	assert_true(t[0].resp.whole);
	assert_string_equal(rset_header(&t[0].req, "authorization"), "Bearer x");
	assert_null(rset_header(&t[1].req, "authorization"));
	/* each dependency once, sorted */
	d = rset_deps(s, &n);
	assert_int_equal(n, 2);
	assert_string_equal(d[0].protocol, "http");
	assert_string_equal(d[0].to, "api");
	assert_string_equal(d[1].protocol, "postgres");
	assert_string_equal(d[1].to, "db");
	assert_int_equal(rset_dropped(s), 0);
	rset_free(s);
}

/* diff of two sets written to a string */
static char *diff_of(const struct rset *a, const struct rset *b, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*rc = apidiff_write(a, b, f);
	fclose(f);
	return buf;
}

static void test_apidiff(void **state)
{
	struct rset *a = rset_create(), *b = rset_create(), *c = rset_create();
	struct feed fa = {rset_sink(a), 0}, fb = {rset_sink(b), 0}, fc = {rset_sink(c), 0};
	json_t *j, *ch;
	char *out;
	int rc;

	(void)state;
	/* a: v1; c: v1 again with other values, ids and times; b: v2 */
	feed_txn(&fa, 1, "api", "GET", "/items/1", NULL, 200, "{\"id\":1,\"price\":3}");
	feed_txn(&fa, 2, "api", "GET", "/items/99", NULL, 404, "{\"error\":\"x\"}");
	feed_conn(&fa, "cache", "redis");
	feed_txn(&fc, 5, "api", "GET", "/items/2", NULL, 200, "{\"id\":2,\"price\":12}");
	feed_txn(&fc, 6, "api", "GET", "/items/98", NULL, 404, "{\"error\":\"y\"}");
	feed_txn(&fc, 7, "api", "GET", "/items/98", NULL, 404, "{\"error\":\"z\"}");
	feed_conn(&fc, "cache", "redis");
	feed_txn(&fb, 1, "api", "GET", "/items/1", NULL, 200, "{\"id\":1,\"price\":\"3\"}");
	feed_txn(&fb, 2, "api", "GET", "/items/99", NULL, 410, "{\"error\":\"x\"}");
	feed_txn(&fb, 3, "api", "GET", "/stats", NULL, 200, "{}");
	feed_conn(&fb, "db", "postgres");
	an_sink_free(fa.sink);
	an_sink_free(fb.sink);
	an_sink_free(fc.sink);

	/* same calls, other values: the same API */
	out = diff_of(a, c, &rc);
	assert_int_equal(rc, 0);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_true(json_is_true(json_object_get(j, "same")));
	json_decref(j);
	free(out);

	out = diff_of(a, b, &rc);
	assert_int_equal(rc, 1);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_true(json_is_false(json_object_get(j, "same")));
	{
		json_t *want = json_loads(
		    "{\"added\":[{\"service\":\"api\",\"method\":\"GET\",\"path\":\"/stats\"}],"
		    "\"removed\":[]}",
		    0, NULL);
		assert_true(json_equal(json_object_get(j, "endpoints"), want));
		json_decref(want);
		/* http web -> api is in both: not listed */
		want = json_loads("{\"added\":[{\"from\":\"web\",\"protocol\":\"postgres\","
				  "\"to\":\"db\"}],\"removed\":[{\"from\":\"web\","
				  "\"protocol\":\"redis\",\"to\":\"cache\"}]}",
				  0, NULL);
		assert_true(json_equal(json_object_get(j, "dependencies"), want));
		json_decref(want);
		ch = json_object_get(j, "changed");
		assert_int_equal(json_array_size(ch), 1);
		want = json_loads(
		    "{\"service\":\"api\",\"method\":\"GET\",\"path\":\"/items/{id}\","
		    "\"response_schema\":{\"added\":[{\"id\":\"number\",\"price\":\"string\"}],"
		    "\"removed\":[{\"id\":\"number\",\"price\":\"number\"}]},"
		    "\"status\":{\"added\":[410],\"removed\":[404]}}",
		    0, NULL);
		if (!json_equal(json_array_get(ch, 0), want))
			fail_msg("changed: %s", out);
		json_decref(want);
	}
	json_decref(j);
	free(out);
	rset_free(a);
	rset_free(b);
	rset_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timestamps),
	    cmocka_unit_test(test_uuids),
	    cmocka_unit_test(test_path_match),
	    cmocka_unit_test(test_json_structure),
	    cmocka_unit_test(test_json_noise),
	    cmocka_unit_test(test_responses),
	    cmocka_unit_test(test_named_headers),
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_groups_and_varied),
	    cmocka_unit_test(test_closest),
	    cmocka_unit_test(test_templates),
	    cmocka_unit_test(test_rset),
	    cmocka_unit_test(test_apidiff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
