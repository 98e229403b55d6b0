/* test_relay.c - the relay's lanes (core/relay.h, core/engine.h "Lanes"):
 * whatever the timing of the lanes' threads, the sinks get the events in
 * step order, transaction ids numbered in step order, one floor per floor
 * step (the minimum of the lanes' parts) and advance from lane 0; and a
 * sink without txn events keeps no slot.
 *
 * A script of steps stands for what the engines would give: step s is one
 * lane's (a pseudo-random choice), which gives an HTTP event for it, now
 * and then after handing out a transaction id; every FLOOR_EVERY-th step
 * every lane gives a floor part; every ADVANCE_EVERY-th lane 0 gives
 * advance. The lanes run on threads of their own, mark at different
 * intervals and yield at random, so the merger sees their blocks in many
 * orders; the expected sequence is built from the script alone. */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/util.h"
#include "core/relay.h"
#include "proto/http.h"

#define LANES 3u
#define STEPS 20000u
#define FLOOR_EVERY 37u
#define ADVANCE_EVERY 5u

/* what a recording sink was given, one line per call */
struct rec {
	struct dbuf out;
	unsigned slots_in_use; /* txn_state slots given and not yet back */
};

static void rk_http(void *ctx, const struct an_http_event *ev)
{
	struct rec *r = ctx;

	dbuf_printf(&r->out, "h%llu:%llu\n", (unsigned long long)ev->conn->id,
		    (unsigned long long)(ev->msg->txn ? ev->msg->txn->id : 0));
	if (ev->txn_state) {
		*ev->txn_state = r;
		r->slots_in_use++;
	}
}

static void rk_txn(void *ctx, const struct an_txn_event *ev)
{
	struct rec *r = ctx;

	dbuf_printf(&r->out, "t%llu\n", (unsigned long long)ev->txn->id);
	if (ev->txn_state == r)
		r->slots_in_use--;
}

static void rk_advance(void *ctx, int64_t wall)
{
	dbuf_printf(&((struct rec *)ctx)->out, "a%lld\n", (long long)wall);
}

static bool rk_holding(void *ctx)
{
	(void)ctx;
	return true;
}

static void rk_floor(void *ctx, int64_t wall)
{
	dbuf_printf(&((struct rec *)ctx)->out, "f%lld\n", (long long)wall);
}

/* the script: step s (1-based) is lane owner(s)'s */
static unsigned owner(uint32_t s)
{
	uint64_t x = s * 0x9e3779b97f4a7c15ull;
	return (unsigned)((x >> 40) % LANES);
}

/* step s hands out a transaction id (else its event has none) */
static bool has_txn(uint32_t s)
{
	return s % 3 != 0;
}

struct lane_run {
	struct relay *rl;
	unsigned k;
	struct an_sink *const *sinks; /* this lane's proxies: 0 txn sink, 1 http only */
	unsigned seed;
};

static void *lane_main(void *arg)
{
	struct lane_run *w = arg;
	void *lane = relay_lane(w->rl, w->k);
	uint64_t next_txn = 0;
	unsigned mark_every = 3 + 7 * w->k;

	for (uint32_t s = 1; s <= STEPS; s++) {
		relay_lane_op(lane, s);
		if (s % FLOOR_EVERY == 0) {
			/* every lane's part; lane 1's is the lowest */
			for (size_t i = 0; i < 2; i++)
				if (w->sinks[i]->floor)
					w->sinks[i]->floor(w->sinks[i]->ctx,
							   (int64_t)s * 10 + (w->k == 1 ? 0 : 5));
		} else if (s % ADVANCE_EVERY == 0) {
			if (w->k == 0)
				for (size_t i = 0; i < 2; i++)
					if (w->sinks[i]->advance)
						w->sinks[i]->advance(w->sinks[i]->ctx, s);
		} else if (owner(s) == w->k) {
			struct an_conn_view v;
			struct http_msg m;
			struct http_txn t;
			struct an_http_event ev;
			void *state[2] = {NULL, NULL};

			memset(&v, 0, sizeof(v));
			memset(&m, 0, sizeof(m));
			memset(&t, 0, sizeof(t));
			memset(&ev, 0, sizeof(ev));
			v.id = s;
			if (has_txn(s)) {
				t.id = ++next_txn;
				relay_lane_txn_new(lane, t.id);
				m.txn = &t;
				ev.txn = &t;
			}
			ev.conn = &v;
			ev.msg = &m;
			for (size_t i = 0; i < 2; i++) {
				ev.txn_state = m.txn ? &state[i] : NULL;
				w->sinks[i]->http(w->sinks[i]->ctx, &ev);
			}
			if (m.txn) {
				struct an_txn_event te;
				memset(&te, 0, sizeof(te));
				te.conn = &v;
				te.txn = &t;
				te.reports = true;
				te.txn_state = state[0];
				w->sinks[0]->txn(w->sinks[0]->ctx, &te);
				relay_lane_txn_end(lane, t.id);
			}
		}
		if (rand_r(&w->seed) % 16 == 0)
			sched_yield();
		if (s % mark_every == 0)
			relay_lane_mark(lane);
	}
	relay_lane_end(lane);
	return NULL;
}

/* what one engine would have given the txn sink and the http-only one */
static void expected(struct dbuf *txn_sink, struct dbuf *http_sink)
{
	uint64_t next_txn = 0;

	for (uint32_t s = 1; s <= STEPS; s++) {
		if (s % FLOOR_EVERY == 0) {
			dbuf_printf(txn_sink, "f%lld\n", (long long)s * 10);
			dbuf_printf(http_sink, "f%lld\n", (long long)s * 10);
		} else if (s % ADVANCE_EVERY == 0) {
			dbuf_printf(txn_sink, "a%lld\n", (long long)s);
			dbuf_printf(http_sink, "a%lld\n", (long long)s);
		} else {
			uint64_t id = has_txn(s) ? ++next_txn : 0;
			dbuf_printf(txn_sink, "h%u:%llu\n", s, (unsigned long long)id);
			dbuf_printf(http_sink, "h%u:%llu\n", s, (unsigned long long)id);
			if (id)
				dbuf_printf(txn_sink, "t%llu\n", (unsigned long long)id);
		}
	}
}

static void run_once(unsigned seed)
{
	struct rec rt, rh;
	struct an_sink st = {.ctx = &rt,
			     .events = true,
			     .http = rk_http,
			     .txn = rk_txn,
			     .advance = rk_advance,
			     .holding = rk_holding,
			     .floor = rk_floor};
	struct an_sink sh = {.ctx = &rh,
			     .events = true,
			     .http = rk_http,
			     .advance = rk_advance,
			     .holding = rk_holding,
			     .floor = rk_floor};
	struct an_sink *sinks[2] = {&st, &sh};
	struct dbuf want_t = {0}, want_h = {0};
	struct lane_run w[LANES];
	pthread_t th[LANES];
	struct relay *rl;

	memset(&rt, 0, sizeof(rt));
	memset(&rh, 0, sizeof(rh));
	rl = relay_create_lanes(sinks, 2, LANES);
	assert_non_null(rl);
	for (unsigned k = 0; k < LANES; k++) {
		w[k].rl = rl;
		w[k].k = k;
		w[k].sinks = relay_lane_sinks(rl, k);
		w[k].seed = seed * 31 + k;
		assert_int_equal(pthread_create(&th[k], NULL, lane_main, &w[k]), 0);
	}
	for (unsigned k = 0; k < LANES; k++)
		pthread_join(th[k], NULL);
	relay_finish(rl);

	expected(&want_t, &want_h);
	dbuf_putc(&rt.out, 0);
	dbuf_putc(&rh.out, 0);
	dbuf_putc(&want_t, 0);
	dbuf_putc(&want_h, 0);
	assert_string_equal((char *)rt.out.p, (char *)want_t.p);
	assert_string_equal((char *)rh.out.p, (char *)want_h.p);
	/* every slot the txn sink was given came back in its txn event */
	assert_int_equal(rt.slots_in_use, 0);
	dbuf_free(&rt.out);
	dbuf_free(&rh.out);
	dbuf_free(&want_t);
	dbuf_free(&want_h);
}

/* many timings: the same sequence each time */
static void lanes_merge_in_step_order(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 8; seed++)
		run_once(seed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(lanes_merge_in_step_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
