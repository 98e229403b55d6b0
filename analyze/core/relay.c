/* relay.c - the sinks on a thread of their own (see relay.h).
 *
 * An event is copied into the block being filled as one piece: a struct
 * rev, then what its pointers point to, all in that block, so the pointers
 * stay valid on the other thread until the block is done with. The room
 * an event needs is counted first (*_need(), the same pieces in the same
 * order as put_*()), so an event never straddles two blocks. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/htab.h"
#include "core/relay.h"

/* what a proxy puts in the engine's txn_state slot: "the sinks' thread
 * keeps this sink's slot for the transaction" */
static char relay_slot_mark;
#define RELAY_SLOT ((void *)&relay_slot_mark)

enum rev_kind {
	REV_HTTP = 1,
	REV_TXN,
	REV_CONN,
	REV_ADVANCE,
	REV_FLOOR,   /* with lanes: one lane's part, the floor is their minimum */
	REV_MARK,    /* the lane's next revs have op >= this one's */
	REV_TXN_NEW, /* the lane handed out transaction id u.id */
	REV_TXN_END, /* the lane's transaction u.id is over */
};

/* one event in a block; what it points to follows it in the same block.
 * The engine gives an event to its sinks one after the other, with the same
 * contents: it is copied once, for the sinks in the mask. */
struct rev {
	uint32_t kind;	/* enum rev_kind */
	uint32_t sinks; /* REV_HTTP, REV_TXN, REV_CONN: bit i, real sink i */
	/* REV_HTTP: the engine gave sink i a txn_state slot; REV_TXN: sink i
	 * had its slot marked (RELAY_SLOT) */
	uint32_t slots;
	size_t size; /* bytes from this rev to the next one */
	uint64_t op; /* the lane's step (engine.h "Lanes") */
	union {
		struct an_http_event http;
		struct an_txn_event txn;
		struct an_conn_event conn;
		int64_t wall; /* REV_ADVANCE, REV_FLOOR */
		uint64_t id;  /* REV_TXN_NEW, REV_TXN_END: the lane's id */
	} u;
};

struct block {
	struct block *next;
	size_t cap, len; /* bytes of data */
	max_align_t data[];
};

struct proxy {
	struct lane *r;
	uint32_t i; /* the real sink's index */
	struct an_sink sink;
};

/* one producer: an engine (a lane of several, or the only one) */
struct lane {
	struct relay *rl;
	uint32_t k;
	struct proxy px[AN_MAX_SINKS];
	struct an_sink *pxs[AN_MAX_SINKS];
	uint64_t op;	   /* the step being given (relay_lane_op()) */
	struct block *cur; /* being filled (the lane's thread) */
	/* the event the engine is giving its sinks: the latest rev put, the
	 * event it came from and the last sink it was given to; the next sink
	 * of the same round has a higher index (engine.c loops over its sinks) */
	struct rev *last;
	const void *last_ev;
	uint32_t last_sink;
	/* under rl->mu */
	struct block *qhead, *qtail; /* full blocks, oldest first */
	size_t qlen;
	bool done; /* nothing more will be queued */
	/* the sinks' thread's */
	struct block *rd; /* being read */
	size_t roff;	  /* its next rev */
	uint64_t bound;	  /* no rev to come has a lower op */
	bool ended;	  /* done, and every block read */
};

/* a lane's transaction id and the one the sinks see (renumbered in op
 * order: one engine's numbering) */
struct txn_id {
	struct hnode h;
	uint32_t k;
	uint64_t id, global;
};

/* a sink's state for one transaction (event.h txn_state), by its id */
struct slot {
	struct hnode h;
	uint64_t id;
	void *state;
};

struct relay {
	struct an_sink *const *real;
	size_t n;
	/* advance and floor go to every sink at once: recorded from this one */
	int first_advance, first_floor; /* -1: no sink has the callback */
	struct lane *lanes;
	size_t nlanes;
	pthread_mutex_t mu;
	pthread_cond_t can_put, can_get;
	struct block *spare; /* emptied blocks for the next ones (a list) */
	size_t nspare, max_spare;
	pthread_t th;
	/* the sinks' thread's */
	struct htab slots[AN_MAX_SINKS];
	struct htab txn_ids; /* with lanes: struct txn_id */
	uint64_t next_txn;
	size_t nparts; /* REV_FLOOR parts of the current floor */
	int64_t floor; /* their minimum */
};

/* ---- the engine's thread ---- */

/* every piece starts 16-byte aligned */
static size_t al(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

static size_t str_need(const char *s)
{
	return s ? al(strlen(s) + 1) : 0;
}

static void hand_over(struct lane *r)
{
	struct relay *rl = r->rl;
	struct block *b = r->cur;

	r->cur = NULL;
	r->last = NULL; /* the sinks' thread may read it from now on */
	pthread_mutex_lock(&rl->mu);
	while (r->qlen >= RELAY_QUEUE_BLOCKS)
		pthread_cond_wait(&rl->can_put, &rl->mu);
	if (r->qtail)
		r->qtail->next = b;
	else
		r->qhead = b;
	r->qtail = b;
	r->qlen++;
	pthread_cond_signal(&rl->can_get);
	pthread_mutex_unlock(&rl->mu);
}

/* room for need bytes in the block being filled */
static void reserve(struct lane *r, size_t need)
{
	struct relay *rl = r->rl;
	size_t cap = need > RELAY_BLOCK_BYTES ? need : RELAY_BLOCK_BYTES;
	struct block *b = NULL;

	if (r->cur && r->cur->cap - r->cur->len >= need)
		return;
	if (r->cur)
		hand_over(r);
	if (cap == RELAY_BLOCK_BYTES) {
		pthread_mutex_lock(&rl->mu);
		b = rl->spare;
		if (b) {
			rl->spare = b->next;
			rl->nspare--;
		}
		pthread_mutex_unlock(&rl->mu);
	}
	if (!b) {
		b = xmalloc(size_add(sizeof(*b), cap));
		b->cap = cap;
	}
	b->next = NULL;
	b->len = 0;
	r->cur = b;
}

/* n bytes (copied from src when given) in the room reserve() made */
static void *put(struct lane *r, const void *src, size_t n)
{
	struct block *b = r->cur;
	uint8_t *d = (uint8_t *)b->data + b->len;

	if (al(n) > b->cap - b->len) {
		/* *_need() and put_*() disagree: a bug here, not in the input */
		fputs("sockrec-analyze: internal error: relay event larger than counted\n", stderr);
		abort();
	}
	b->len += al(n);
	if (src && n)
		memcpy(d, src, n);
	return d;
}

static const uint8_t *put_bytes(struct lane *r, const uint8_t *p, size_t n)
{
	return p ? put(r, p, n) : NULL;
}

static const char *put_str(struct lane *r, const char *s)
{
	return s ? put(r, s, strlen(s) + 1) : NULL;
}

static size_t name_need(const struct an_end *x)
{
	return x->name == x->buf ? 0 : str_need(x->name);
}

static size_t view_need(const struct an_conn_view *v)
{
	return al(sizeof(*v)) + str_need(v->comm) + name_need(&v->local) + name_need(&v->remote);
}

/* hostname, cmdline, proc and ctr are the model's (it outlives the run),
 * type a literal; comm and the names may be the observation's */
static const struct an_conn_view *put_view(struct lane *r, const struct an_conn_view *v)
{
	struct an_conn_view *c = put(r, v, sizeof(*v));

	c->comm = put_str(r, v->comm);
	c->local.name = v->local.name == v->local.buf ? c->local.buf : put_str(r, v->local.name);
	c->remote.name =
	    v->remote.name == v->remote.buf ? c->remote.buf : put_str(r, v->remote.name);
	return c;
}

static size_t txn_need(const struct http_txn *t)
{
	return t ? al(sizeof(*t)) + str_need(t->target) : 0;
}

static struct http_txn *put_txn(struct lane *r, const struct http_txn *t)
{
	struct http_txn *c;

	if (!t)
		return NULL;
	c = put(r, t, sizeof(*t));
	c->target = (char *)put_str(r, t->target);
	c->user = NULL; /* the engine's */
	return c;
}

static size_t headers_need(const struct http_header *h, size_t n)
{
	size_t s;

	if (!h)
		return 0;
	s = al(size_mul(n, sizeof(*h)));
	for (size_t i = 0; i < n; i++)
		s += al(h[i].name_len) + al(h[i].value_len);
	return s;
}

static const struct http_header *put_headers(struct lane *r, const struct http_header *h, size_t n)
{
	struct http_header *c;

	if (!h)
		return NULL;
	c = put(r, h, n * sizeof(*h));
	for (size_t i = 0; i < n; i++) {
		c[i].name = put_bytes(r, h[i].name, h[i].name_len);
		c[i].value = put_bytes(r, h[i].value, h[i].value_len);
	}
	return c;
}

static size_t h2_need(const struct http_h2_info *h)
{
	return h ? al(sizeof(*h)) + al(h->authority_len) + al(h->grpc_message_len) : 0;
}

static const struct http_h2_info *put_h2(struct lane *r, const struct http_h2_info *h)
{
	struct http_h2_info *c;

	if (!h)
		return NULL;
	c = put(r, h, sizeof(*h));
	c->authority = put_bytes(r, h->authority, h->authority_len);
	c->grpc_message = put_bytes(r, h->grpc_message, h->grpc_message_len);
	return c;
}

static size_t msg_need(const struct http_msg *m)
{
	return al(sizeof(*m)) + al(m->method_len) + al(m->target_len) + al(m->reason_len) +
	       headers_need(m->headers, m->nheaders) + headers_need(m->trailers, m->ntrailers) +
	       al(m->body_len) + al(m->raw_len) + al(m->decoded_len) + str_need(m->content_coding) +
	       txn_need(m->txn) + h2_need(m->h2);
}

static const struct http_msg *put_msg(struct lane *r, const struct http_msg *m)
{
	struct http_msg *c = put(r, m, sizeof(*m));

	c->method = put_bytes(r, m->method, m->method_len);
	c->target = put_bytes(r, m->target, m->target_len);
	c->reason = put_bytes(r, m->reason, m->reason_len);
	c->headers = put_headers(r, m->headers, m->nheaders);
	c->trailers = put_headers(r, m->trailers, m->ntrailers);
	c->body = put_bytes(r, m->body, m->body_len);
	c->raw = put_bytes(r, m->raw, m->raw_len);
	c->decoded = put_bytes(r, m->decoded, m->decoded_len);
	c->content_coding = put_str(r, m->content_coding);
	c->txn = put_txn(r, m->txn);
	c->h2 = put_h2(r, m->h2);
	return c;
}

static struct rev *put_rev(struct lane *r, uint32_t kind, uint32_t sink)
{
	struct rev *e = put(r, NULL, sizeof(*e));

	e->kind = kind;
	e->sinks = 1u << sink;
	e->slots = 0;
	e->op = r->op;
	return e;
}

/* the rev begun at offset start ends here; it is the one the next sinks
 * of this round join */
static void rev_end(struct lane *r, struct rev *e, size_t start, const void *ev, uint32_t sink)
{
	e->size = r->cur->len - start;
	r->last = e;
	r->last_ev = ev;
	r->last_sink = sink;
}

/* the engine gives sink the event it gave the sink before (same round):
 * @return the rev already put, with sink added; NULL when it is a new event */
static struct rev *same_round(struct lane *r, uint32_t kind, const void *ev, uint32_t sink)
{
	struct rev *e = r->last;

	if (!e || e->kind != kind || r->last_ev != ev || sink <= r->last_sink)
		return NULL;
	e->sinks |= 1u << sink;
	r->last_sink = sink;
	return e;
}

static void px_http(void *ctx, const struct an_http_event *ev)
{
	struct proxy *p = ctx;
	struct lane *r = p->r;
	bool own_txn = ev->txn && ev->txn != ev->msg->txn;
	struct rev *e = same_round(r, REV_HTTP, ev, p->i);
	size_t start;

	if (ev->txn_state)
		*ev->txn_state = RELAY_SLOT;
	if (e) {
		if (ev->txn_state)
			e->slots |= 1u << p->i;
		return;
	}
	reserve(r, al(sizeof(*e)) + view_need(ev->conn) + msg_need(ev->msg) +
		       (own_txn ? txn_need(ev->txn) : 0));
	start = r->cur->len;
	e = put_rev(r, REV_HTTP, p->i);
	if (ev->txn_state)
		e->slots = 1u << p->i;
	e->u.http = *ev;
	e->u.http.txn_state = NULL;
	e->u.http.conn = put_view(r, ev->conn);
	e->u.http.msg = put_msg(r, ev->msg);
	e->u.http.txn = own_txn ? put_txn(r, ev->txn) : e->u.http.msg->txn;
	rev_end(r, e, start, ev, p->i);
}

static void px_txn(void *ctx, const struct an_txn_event *ev)
{
	struct proxy *p = ctx;
	struct lane *r = p->r;
	struct rev *e = same_round(r, REV_TXN, ev, p->i);
	size_t start;

	/* txn_state: RELAY_SLOT or NULL, the sink's own */
	if (e) {
		if (ev->txn_state == RELAY_SLOT)
			e->slots |= 1u << p->i;
		return;
	}
	reserve(r, al(sizeof(*e)) + view_need(ev->conn) + txn_need(ev->txn));
	start = r->cur->len;
	e = put_rev(r, REV_TXN, p->i);
	if (ev->txn_state == RELAY_SLOT)
		e->slots = 1u << p->i;
	e->u.txn = *ev;
	e->u.txn.txn_state = NULL;
	e->u.txn.conn = put_view(r, ev->conn);
	e->u.txn.txn = put_txn(r, ev->txn);
	rev_end(r, e, start, ev, p->i);
}

static void px_connection(void *ctx, const struct an_conn_event *ev)
{
	struct proxy *p = ctx;
	struct lane *r = p->r;
	struct rev *e = same_round(r, REV_CONN, ev, p->i);
	size_t start;

	if (e)
		return;
	reserve(r, al(sizeof(*e)) + view_need(ev->conn) + al(sizeof(*ev->cls)));
	start = r->cur->len;
	e = put_rev(r, REV_CONN, p->i);
	e->u.conn = *ev;
	e->u.conn.conn = put_view(r, ev->conn);
	e->u.conn.cls = put(r, ev->cls, sizeof(*ev->cls));
	rev_end(r, e, start, ev, p->i);
}

/* a rev with no event: u.wall or u.id */
static struct rev *put_plain(struct lane *r, uint32_t kind, uint32_t sink)
{
	struct rev *e;
	size_t start;

	reserve(r, al(sizeof(*e)));
	start = r->cur->len;
	e = put_rev(r, kind, sink);
	rev_end(r, e, start, NULL, sink);
	return e;
}

static void px_wall(struct proxy *p, uint32_t kind, int64_t wall_ns)
{
	put_plain(p->r, kind, p->i)->u.wall = wall_ns;
}

static void px_advance(void *ctx, int64_t wall_ns)
{
	struct proxy *p = ctx;

	if ((int)p->i == p->r->rl->first_advance)
		px_wall(p, REV_ADVANCE, wall_ns);
}

/* the real sinks' answer is given on their thread (REV_FLOOR) */
static bool px_holding(void *ctx)
{
	(void)ctx;
	return true;
}

static void px_floor(void *ctx, int64_t wall_ns)
{
	struct proxy *p = ctx;

	if ((int)p->i == p->r->rl->first_floor)
		px_wall(p, REV_FLOOR, wall_ns);
}

void relay_lane_op(void *lane, uint64_t op)
{
	((struct lane *)lane)->op = op;
}

void relay_lane_txn_new(void *lane, uint64_t id)
{
	put_plain(lane, REV_TXN_NEW, 0)->u.id = id;
}

void relay_lane_txn_end(void *lane, uint64_t id)
{
	put_plain(lane, REV_TXN_END, 0)->u.id = id;
}

void relay_lane_mark(void *lane)
{
	struct lane *l = lane;

	put_plain(l, REV_MARK, 0)->op = l->op + 1;
	hand_over(l);
}

void relay_lane_end(void *lane)
{
	struct lane *l = lane;
	struct relay *rl = l->rl;

	if (l->cur && l->cur->len)
		hand_over(l);
	free(l->cur);
	l->cur = NULL;
	pthread_mutex_lock(&rl->mu);
	l->done = true;
	pthread_cond_signal(&rl->can_get);
	pthread_mutex_unlock(&rl->mu);
}

/* ---- the sinks' thread ---- */

static uint64_t slot_hash(uint64_t id)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdull;
	id ^= id >> 33;
	return id;
}

static struct slot *slot_find(struct relay *r, uint32_t sink, uint64_t id, bool create)
{
	uint64_t h = slot_hash(id);
	struct slot *s;

	for (struct hnode *n = htab_chain(&r->slots[sink], h); n; n = n->next) {
		s = (struct slot *)n;
		if (n->hash == h && s->id == id)
			return s;
	}
	if (!create)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->id = id;
	htab_add(&r->slots[sink], &s->h, h);
	return s;
}

static uint64_t txn_hash(uint32_t k, uint64_t id)
{
	return slot_hash(id ^ (uint64_t)k << 56 ^ 0x9e3779b97f4a7c15ull);
}

static struct txn_id *txn_id_find(struct relay *r, uint32_t k, uint64_t id)
{
	uint64_t h = txn_hash(k, id);

	for (struct hnode *n = htab_chain(&r->txn_ids, h); n; n = n->next) {
		struct txn_id *t = (struct txn_id *)n;
		if (n->hash == h && t->k == k && t->id == id)
			return t;
	}
	return NULL;
}

/* a lane's transaction id as the sinks see it (with one lane, as it is) */
static void txn_renumber(struct relay *r, uint32_t k, struct http_txn *t)
{
	struct txn_id *x;

	if (!t || r->nlanes < 2)
		return;
	x = txn_id_find(r, k, t->id);
	if (x)
		t->id = x->global;
}

/* the HTTP event to sink i, with its slot when the engine gave it one */
/* the HTTP event to sink i, with its slot when the engine gave it one */
static void deliver_http(struct relay *r, struct rev *e, uint32_t i)
{
	struct an_sink *s = r->real[i];
	struct slot *sl = NULL;
	void *scratch = NULL;

	/* a sink without txn events never gets its slot back: one slot for
	 * this call (kept, it would be kept for ever) */
	if ((e->slots >> i & 1) && e->u.http.msg->txn && s->txn)
		sl = slot_find(r, i, e->u.http.msg->txn->id, true);
	e->u.http.txn_state = sl ? &sl->state : e->slots >> i & 1 ? &scratch : NULL;
	s->http(s->ctx, &e->u.http);
}

/* the transaction to sink i, with what the sink left in its slot (freed) */
static void deliver_txn(struct relay *r, struct rev *e, uint32_t i)
{
	struct an_sink *s = r->real[i];
	struct slot *sl = NULL;

	if (e->slots >> i & 1)
		sl = slot_find(r, i, e->u.txn.txn->id, false);
	e->u.txn.txn_state = sl ? sl->state : NULL;
	s->txn(s->ctx, &e->u.txn);
	if (sl) {
		htab_del(&r->slots[i], &sl->h);
		free(sl);
	}
}

static void deliver(struct relay *r, uint32_t k, struct rev *e)
{
	struct txn_id *x;
	bool holding = false;

	switch (e->kind) {
	case REV_HTTP:
		txn_renumber(r, k, (struct http_txn *)e->u.http.msg->txn);
		if (e->u.http.txn != e->u.http.msg->txn)
			txn_renumber(r, k, (struct http_txn *)e->u.http.txn);
		for (uint32_t i = 0; i < r->n; i++)
			if (e->sinks >> i & 1)
				deliver_http(r, e, i);
		return;
	case REV_TXN:
		txn_renumber(r, k, (struct http_txn *)e->u.txn.txn);
		for (uint32_t i = 0; i < r->n; i++)
			if (e->sinks >> i & 1)
				deliver_txn(r, e, i);
		return;
	case REV_CONN:
		for (uint32_t i = 0; i < r->n; i++)
			if (e->sinks >> i & 1)
				r->real[i]->connection(r->real[i]->ctx, &e->u.conn);
		return;
	case REV_ADVANCE:
		for (size_t i = 0; i < r->n; i++)
			if (r->real[i]->advance)
				r->real[i]->advance(r->real[i]->ctx, e->u.wall);
		return;
	case REV_FLOOR:
		/* with lanes, the minimum of every lane's part */
		if (!r->nparts || e->u.wall < r->floor)
			r->floor = e->u.wall;
		if (++r->nparts < r->nlanes)
			return;
		r->nparts = 0;
		/* the engine's sinks_holding(), asked here where the state is */
		for (size_t i = 0; i < r->n && !holding; i++)
			holding = r->real[i]->holding && r->real[i]->holding(r->real[i]->ctx);
		if (!holding)
			return;
		for (size_t i = 0; i < r->n; i++)
			if (r->real[i]->floor)
				r->real[i]->floor(r->real[i]->ctx, r->floor);
		return;
	case REV_TXN_NEW:
		x = xcalloc(1, sizeof(*x));
		x->k = k;
		x->id = e->u.id;
		x->global = ++r->next_txn;
		htab_add(&r->txn_ids, &x->h, txn_hash(k, e->u.id));
		return;
	case REV_TXN_END:
		x = txn_id_find(r, k, e->u.id);
		if (x) {
			htab_del(&r->txn_ids, &x->h);
			free(x);
		}
		return;
	default: /* REV_MARK */
		return;
	}
}

/* an emptied block: kept for reuse (fresh blocks cost page faults) */
static void block_done(struct relay *r, struct block *b)
{
	pthread_mutex_lock(&r->mu);
	if (r->nspare < r->max_spare && b->cap == RELAY_BLOCK_BYTES) {
		b->next = r->spare;
		r->spare = b;
		r->nspare++;
		b = NULL;
	}
	pthread_mutex_unlock(&r->mu);
	free(b);
}

/* the next block of every lane whose block is read, when queued; under
 * r->mu. @return a lane is waited for (not ended, nothing to read) */
static bool refill(struct relay *r)
{
	bool waiting = false;

	for (size_t k = 0; k < r->nlanes; k++) {
		struct lane *l = &r->lanes[k];
		if (l->ended || (l->rd && l->roff < l->rd->len))
			continue;
		if (l->qhead) {
			l->rd = l->qhead;
			l->roff = 0;
			l->qhead = l->rd->next;
			if (!l->qhead)
				l->qtail = NULL;
			l->qlen--;
			pthread_cond_broadcast(&r->can_put);
		} else if (l->done) {
			l->ended = true;
		} else {
			waiting = true;
		}
	}
	return waiting;
}

/* lanes with a block to read or ended */
static size_t lanes_ready(const struct relay *r)
{
	size_t n = 0;

	for (size_t k = 0; k < r->nlanes; k++)
		n += r->lanes[k].rd || r->lanes[k].ended;
	return n;
}

/* Takes the revs of every lane in op order: the lowest op among the revs
 * to read, once no lane still to hear from (its bound) could give a lower
 * one. At one op only one lane gives events (engine.h "Lanes"); the floor
 * parts every lane gives at one op are taken in any order. */
static void *sinks_thread(void *arg)
{
	struct relay *r = arg;

	for (;;) {
		struct lane *best = NULL;
		struct rev *e = NULL;
		uint64_t bound = UINT64_MAX;
		bool waiting;

		/* blocks read go back; the next ones come */
		for (size_t k = 0; k < r->nlanes; k++) {
			struct lane *l = &r->lanes[k];
			if (l->rd && l->roff >= l->rd->len) {
				block_done(r, l->rd);
				l->rd = NULL;
			}
		}
		pthread_mutex_lock(&r->mu);
		waiting = refill(r);
		pthread_mutex_unlock(&r->mu);
		for (size_t k = 0; k < r->nlanes; k++) {
			struct lane *l = &r->lanes[k];
			if (l->ended)
				continue;
			if (!l->rd) {
				if (l->bound < bound)
					bound = l->bound;
				continue;
			}
			struct rev *h = (struct rev *)((uint8_t *)l->rd->data + l->roff);
			if (!e || h->op < e->op) {
				e = h;
				best = l;
			}
		}
		if (e && e->op <= bound) {
			best->roff += e->size;
			if (e->op > best->bound)
				best->bound = e->op;
			deliver(r, best->k, e);
			continue;
		}
		if (!waiting && !e)
			return NULL;
		/* a lane that may still give a lower op: wait for it */
		pthread_mutex_lock(&r->mu);
		for (size_t n = lanes_ready(r); refill(r) && lanes_ready(r) == n;)
			pthread_cond_wait(&r->can_get, &r->mu);
		pthread_mutex_unlock(&r->mu);
	}
}

/* ---- lifecycle ---- */

struct relay *relay_create_lanes(struct an_sink *const *sinks, size_t nsinks, size_t nlanes)
{
	struct relay *r = xcalloc(1, sizeof(*r));

	r->real = sinks;
	r->n = nsinks < AN_MAX_SINKS ? nsinks : AN_MAX_SINKS;
	r->nlanes = nlanes ? nlanes : 1;
	r->lanes = xcalloc(r->nlanes, sizeof(*r->lanes));
	r->max_spare = RELAY_SPARE_BLOCKS * r->nlanes;
	r->first_advance = r->first_floor = -1;
	for (size_t i = 0; i < r->n; i++) {
		if (sinks[i]->advance && r->first_advance < 0)
			r->first_advance = (int)i;
		if (sinks[i]->floor && r->first_floor < 0)
			r->first_floor = (int)i;
	}
	for (size_t k = 0; k < r->nlanes; k++) {
		struct lane *l = &r->lanes[k];
		l->rl = r;
		l->k = (uint32_t)k;
		for (size_t i = 0; i < r->n; i++) {
			const struct an_sink *s = sinks[i];
			struct proxy *p = &l->px[i];

			p->r = l;
			p->i = (uint32_t)i;
			p->sink = (struct an_sink){
			    .ctx = p,
			    .events = s->events,
			    .environ = s->environ,
			    .txn_every_view = s->txn_every_view,
			    .http = s->http ? px_http : NULL,
			    .txn = s->txn ? px_txn : NULL,
			    .connection = s->connection ? px_connection : NULL,
			    .advance = s->advance ? px_advance : NULL,
			    .holding = s->holding ? px_holding : NULL,
			    .floor = s->floor ? px_floor : NULL,
			};
			l->pxs[i] = &p->sink;
		}
	}
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->can_put, NULL);
	pthread_cond_init(&r->can_get, NULL);
	if (pthread_create(&r->th, NULL, sinks_thread, r)) {
		pthread_cond_destroy(&r->can_get);
		pthread_cond_destroy(&r->can_put);
		pthread_mutex_destroy(&r->mu);
		free(r->lanes);
		free(r);
		return NULL;
	}
	return r;
}

struct an_sink *const *relay_lane_sinks(struct relay *r, size_t k)
{
	return r->lanes[k].pxs;
}

void *relay_lane(struct relay *r, size_t k)
{
	return &r->lanes[k];
}

static void slot_free(struct hnode *x, void *ctx)
{
	(void)ctx;
	free(x);
}

void relay_finish(struct relay *r)
{
	if (!r)
		return;
	for (size_t k = 0; k < r->nlanes; k++)
		if (!r->lanes[k].done)
			relay_lane_end(&r->lanes[k]);
	pthread_join(r->th, NULL);
	while (r->spare) {
		struct block *b = r->spare;
		r->spare = b->next;
		free(b);
	}
	for (size_t i = 0; i < AN_MAX_SINKS; i++) {
		htab_each(&r->slots[i], slot_free, NULL);
		htab_free(&r->slots[i]);
	}
	htab_each(&r->txn_ids, slot_free, NULL);
	htab_free(&r->txn_ids);
	pthread_cond_destroy(&r->can_get);
	pthread_cond_destroy(&r->can_put);
	pthread_mutex_destroy(&r->mu);
	free(r->lanes);
	free(r);
}
