/* test_http_log.c - http.jsonl's reorder window (out/http_log.h): a floor lets
 * lines go early without changing the order the 5 s window gives, late
 * lines are written when they complete, and what is held is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "out/http_log.h"
#include "base/util.h"

#define SEC 1000000000ll
#define MAXL 400

/* one connection line per id; its timestamp is wall */
static void put_line(struct http_log *o, uint64_t id, int64_t wall)
{
	struct an_conn_view v;
	struct classify_result cls;
	struct an_conn_event ev;

	memset(&v, 0, sizeof(v));
	memset(&cls, 0, sizeof(cls));
	v.id = id;
	v.pid = 7;
	v.comm = "x";
	v.cmdline = "";
	v.role = AN_ROLE_CLIENT;
	v.local.family = v.remote.family = 4;
	v.local.addr[0] = v.remote.addr[0] = 127;
	v.local.port = 40000;
	v.remote.port = 5432;
	v.local.type = "process";
	v.remote.type = "external";
	snprintf(cls.protocol, sizeof(cls.protocol), "unknown");
	ev.conn = &v;
	ev.cls = &cls;
	ev.bytes_sent = ev.bytes_received = 1;
	ev.wall_ns = wall;
	http_log_connection(o, &ev);
}

/* the connection ids of the lines written, in order */
static size_t ids_of(const char *text, size_t len, uint64_t *ids, size_t cap)
{
	size_t n = 0;
	const char *p = text, *end = text + len;

	while (p < end && n < cap) {
		const char *k = strstr(p, "\"connection_id\":");
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!k || !nl)
			break;
		ids[n++] = strtoull(k + 16, NULL, 10);
		p = nl + 1;
	}
	return n;
}

/* A run: lines complete at steps; at each step the capture time moves on.
 * walls[i] is line i's timestamp, done[i] the step it completes in. */
struct scenario {
	size_t n, steps;
	int64_t walls[MAXL];
	size_t done[MAXL];
	int64_t now[MAXL]; /* capture time after each step */
};

static uint64_t rnd_state = 88172645463325252ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void make_scenario(struct scenario *s)
{
	int64_t t = 1000 * SEC;

	s->steps = 50 + rnd() % 150;
	s->n = 0;
	for (size_t k = 0; k < s->steps; k++) {
		t += (int64_t)(rnd() % (SEC / 2));
		s->now[k] = t;
		for (unsigned j = rnd() % 3; j && s->n < MAXL; j--) {
			/* mostly quick, sometimes slow, now and then later than the window */
			unsigned r = (unsigned)(rnd() % 10);
			int64_t age = r < 7 ? (int64_t)(rnd() % (SEC / 10))
				      : r < 9 ? (int64_t)(rnd() % (3 * SEC))
					      : (int64_t)(rnd() % (12 * SEC));
			s->walls[s->n] = t - age;
			s->done[s->n] = k;
			s->n++;
		}
	}
}

/* index in held[] of the earliest line (by wall time, then line number) */
static size_t earliest(const struct scenario *s, const size_t *held, size_t nh)
{
	size_t m = 0;

	for (size_t j = 1; j < nh; j++)
		if (s->walls[held[j]] < s->walls[held[m]] ||
		    (s->walls[held[j]] == s->walls[held[m]] && held[j] < held[m]))
			m = j;
	return m;
}

/* moves held lines to out, earliest first, while the earliest began at or
 * before `before` */
static void pop_until(const struct scenario *s, size_t *held, size_t *nh, uint64_t *out,
		      size_t *no, int64_t before)
{
	while (*nh) {
		size_t m = earliest(s, held, *nh);

		if (s->walls[held[m]] > before)
			break;
		out[(*no)++] = held[m];
		held[m] = held[--*nh];
	}
}

/* what the 5 s window alone writes (the behaviour before floors) */
static size_t reference(const struct scenario *s, int64_t window, uint64_t *out)
{
	size_t held[MAXL], nh = 0, no = 0;
	int64_t now = INT64_MIN;

	for (size_t k = 0; k < s->steps; k++) {
		for (size_t i = 0; i < s->n; i++) {
			if (s->done[i] != k)
				continue;
			held[nh++] = i;
			if (now != INT64_MIN) /* pop while the earliest passed the window */
				pop_until(s, held, &nh, out, &no, now - window);
		}
		now = s->now[k];
		pop_until(s, held, &nh, out, &no, now - window);
	}
	pop_until(s, held, &nh, out, &no, INT64_MAX);
	return no;
}

/* runs the scenario through http_log; floors: 0 none, 1 exact (every line
 * still to come counts), 2 as the engine gives them (lines that will be
 * late do not count) */
static size_t run(const struct scenario *s, int floors, uint64_t *out)
{
	struct an_opts op;
	char *text = NULL;
	size_t len = 0, n;
	FILE *f = open_memstream(&text, &len);
	struct http_log *o;

	an_opts_init(&op);
	o = http_log_create(f, &op);
	for (size_t k = 0; k < s->steps; k++) {
		for (size_t i = 0; i < s->n; i++)
			if (s->done[i] == k)
				put_line(o, i, s->walls[i]);
		http_log_advance(o, s->now[k]);
		if (floors) {
			int64_t fl = s->now[k];
			for (size_t i = 0; i < s->n; i++) {
				bool late = s->walls[i] <= s->now[s->done[i]] - op.reorder_window_ns;
				if (s->done[i] > k && s->walls[i] < fl && (floors == 1 || !late))
					fl = s->walls[i];
			}
			http_log_floor(o, fl);
		}
	}
	assert_int_equal(http_log_close(o), 0);
	fclose(f);
	n = ids_of(text, len, out, MAXL);
	free(text);
	return n;
}

static void floor_keeps_window_order(void **state)
{
	(void)state;
	for (int it = 0; it < 300; it++) {
		struct scenario s;
		uint64_t ref[MAXL], got[MAXL];
		size_t nr, ng;
		make_scenario(&s);
		nr = reference(&s, AN_DEFAULT_REORDER_NS, ref);
		assert_int_equal(nr, s.n);
		/* no floor: the window alone */
		ng = run(&s, 0, got);
		assert_int_equal(ng, nr);
		assert_memory_equal(got, ref, nr * sizeof(ref[0]));
		/* an exact floor lets lines go early, in the same order */
		ng = run(&s, 1, got);
		assert_int_equal(ng, nr);
		assert_memory_equal(got, ref, nr * sizeof(ref[0]));
	}
}

/* floors that leave out lines that will be late: every line that is not
 * late still comes out in timestamp order, and late ones when they
 * complete */
static void floor_orders_timely_lines(void **state)
{
	(void)state;
	for (int it = 0; it < 300; it++) {
		struct scenario s;
		uint64_t got[MAXL];
		size_t ng;
		int64_t last = INT64_MIN;
		make_scenario(&s);
		ng = run(&s, 2, got);
		assert_int_equal(ng, s.n);
		for (size_t j = 0; j < ng; j++) {
			size_t i = got[j];
			bool late = s.walls[i] <= s.now[s.done[i]] - AN_DEFAULT_REORDER_NS;
			if (late)
				continue;
			assert_true(s.walls[i] >= last);
			last = s.walls[i];
		}
	}
}

/* a floor past every line held: nothing stays (memory does not wait for
 * the 5 s window) */
static void floor_releases(void **state)
{
	struct an_opts op;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct http_log *o;
	(void)state;

	an_opts_init(&op);
	o = http_log_create(f, &op);
	put_line(o, 1, 10 * SEC + 2);
	put_line(o, 2, 10 * SEC + 1);
	http_log_advance(o, 10 * SEC + 5);
	assert_true(http_log_holding(o)); /* the window alone would hold them 5 s */
	http_log_floor(o, 10 * SEC + 1);
	assert_true(http_log_holding(o)); /* line 1 may still be preceded */
	http_log_floor(o, 10 * SEC + 3);
	assert_false(http_log_holding(o));
	/* a lower floor given later changes nothing: the highest counts */
	http_log_floor(o, 10 * SEC);
	put_line(o, 3, 10 * SEC + 4);
	assert_true(http_log_holding(o));
	assert_int_equal(http_log_close(o), 0);
	fclose(f);
	{
		uint64_t ids[4];
		assert_int_equal(ids_of(text, len, ids, 4), 3);
		assert_int_equal(ids[0], 2);
		assert_int_equal(ids[1], 1);
		assert_int_equal(ids[2], 3);
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(floor_keeps_window_order),
	    cmocka_unit_test(floor_orders_timely_lines),
	    cmocka_unit_test(floor_releases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
