/* libFuzzer target for analyze/regress: the compare, noise and matching
 * rules on hostile bodies and targets (a recorded archive and a replayed
 * server are both untrusted).
 *
 * Input: byte 0 = flags (bit 0: the second body is not whole; bits 1-2:
 * status of the second response 200/201/404/500), then two parts split at
 * the first NUL byte: A (a recorded body, also used as a request-target and
 * a value) and B (the replayed body). Checked besides crashes and leaks:
 *  - a response compared with itself is the same, with no noise;
 *  - at most CMP_MAX_WHAT differences and CMP_MAX_NOISE noise entries are
 *    listed, and every field name is "status", "header ...", "body" or
 *    "body $...";
 *  - A and B compared twice give the same result (pure, deterministic);
 *  - the request key is deterministic, and a JSON body's key does not
 *    depend on the body's spacing;
 *  - a path template never grows by more than "{id}" per segment and the
 *    closest request to anything exists when a group exists. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "regress/apidiff.h"
#include "regress/compare.h"
#include "regress/match.h"

static void check(int ok)
{
	if (!ok)
		abort();
}

static struct rset_msg msg(int status, const uint8_t *body, size_t n, bool whole)
{
	struct rset_msg m = {0};

	m.seen = true;
	m.whole = whole;
	m.status = status;
	m.reason = (char *)"";
	m.body = (uint8_t *)body;
	m.body_len = n;
	return m;
}

static void check_fields(const struct cmp_result *c)
{
	check(c->nwhat <= CMP_MAX_WHAT && c->nnoise <= CMP_MAX_NOISE);
	for (size_t i = 0; i < c->nwhat; i++)
		check(!strcmp(c->what[i], "status") || !strncmp(c->what[i], "header ", 7) ||
		      !strcmp(c->what[i], "body") || !strncmp(c->what[i], "body $", 6));
	for (size_t i = 0; i < c->nnoise; i++)
		check(!strcmp(c->noise[i].field, "status") ||
		      !strncmp(c->noise[i].field, "header ", 7) ||
		      !strcmp(c->noise[i].field, "body") || !strncmp(c->noise[i].field, "body $", 6));
}

static bool same_result(const struct cmp_result *x, const struct cmp_result *y)
{
	if (x->nwhat != y->nwhat || x->nnoise != y->nnoise || x->more_what != y->more_what)
		return false;
	for (size_t i = 0; i < x->nwhat; i++)
		if (strcmp(x->what[i], y->what[i]))
			return false;
	for (size_t i = 0; i < x->nnoise; i++)
		if (strcmp(x->noise[i].field, y->noise[i].field) || x->noise[i].rule != y->noise[i].rule)
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int statuses[4] = {200, 201, 404, 500};
	static const char *const ignore[] = {"$.a", "$.items[*].id", "$[\"x y\"]"};
	static const char *const varies[] = {"body $.b", "status"};
	struct cmp_rules r = {ignore, 3, varies, 1, NULL, 0};
	const uint8_t *a, *b, *nul;
	size_t an, bn;
	uint8_t flags;
	struct rset_msg ra, rb;
	struct cmp_result c1 = {0}, c2 = {0}, self = {0};
	struct dbuf k1 = {0}, k2 = {0};
	char *target, *tmpl;

	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;
	nul = memchr(data, 0, size);
	a = data;
	an = nul ? (size_t)(nul - data) : size;
	b = nul ? nul + 1 : data + size;
	bn = nul ? size - an - 1 : 0;

	ra = msg(200, a, an, true);
	rb = msg(statuses[(flags >> 1) & 3], b, bn, !(flags & 1));
	cmp_response(&ra, &ra, &r, &self);
	check(cmp_same(&self) && self.nnoise == 0);
	cmp_response(&ra, &rb, &r, &c1);
	cmp_response(&ra, &rb, &r, &c2);
	check_fields(&c1);
	check(same_result(&c1, &c2));
	cmp_result_free(&self);
	cmp_result_free(&c1);
	cmp_result_free(&c2);

	(void)cmp_is_timestamp((const char *)a, an);
	(void)cmp_is_uuid((const char *)a, an);

	/* A as a request-target (NUL-free by construction) */
	target = malloc(an + 1);
	check(target != NULL);
	memcpy(target, a, an);
	target[an] = 0;
	match_key(&k1, "POST", target, b, bn);
	match_key(&k2, "POST", target, b, bn);
	check(k1.len == k2.len && (!k1.len || !memcmp(k1.p, k2.p, k1.len)));
	{
		json_t *j = cmp_json_load(b, bn);
		if (j) {
			char *spaced = json_dumps(j, JSON_INDENT(2) | JSON_ENCODE_ANY);
			if (spaced) {
				struct dbuf k3 = {0};
				match_key(&k3, "POST", target, (const uint8_t *)spaced,
					  strlen(spaced));
				check(k3.len == k1.len && !memcmp(k3.p, k1.p, k1.len));
				dbuf_free(&k3);
				free(spaced);
			}
			json_decref(j);
		}
	}
	tmpl = apidiff_template(target);
	check(strlen(tmpl) <= strlen(match_origin(target)) + 4 * (strlen(target) + 1));
	free(tmpl);

	{
		struct rset_txn t[2] = {0};
		struct match_index ix;

		for (int i = 0; i < 2; i++) {
			strcpy(t[i].method, i ? "GET" : "POST");
			t[i].target = i ? (char *)"/" : target;
			t[i].server = (char *)"s";
			t[i].req = msg(0, b, bn, true);
			t[i].resp = i ? rb : ra;
		}
		match_index_build(&ix, t, 2, NULL, NULL);
		match_index_varied(&ix, t, &r);
		check(match_closest(&ix, "GET", target) != NULL);
		check(match_lookup(&ix, &k1) != NULL);
		match_index_free(&ix);
	}
	dbuf_free(&k1);
	dbuf_free(&k2);
	free(target);
	return 0;
}
