/* stream.c - per-direction reassembly with exact gaps (see stream.h). */
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "core/stream.h"
#include "base/util.h"

void stream_init(struct stream *s, const struct stream_ops *ops, void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->ctx = ctx;
}

void stream_free(struct stream *s)
{
	for (unsigned i = 0; i < s->npend; i++)
		free(s->pend[i].buf);
	free(s->pend);
	s->pend = NULL;
	s->npend = 0;
	s->pend_bytes = 0;
}

bool stream_floor(const struct stream *s, uint64_t *ts)
{
	for (unsigned i = 0; i < s->npend; i++)
		if (i == 0 || s->pend[i].ts < *ts)
			*ts = s->pend[i].ts;
	return s->npend > 0;
}

static enum stream_gap_why why_of(uint32_t flags)
{
	if (flags & SR_DATA_NO_PAYLOAD)
		return STREAM_GAP_NO_PAYLOAD;
	if (flags & SR_DATA_READ_FAULT)
		return STREAM_GAP_FAULT;
	return STREAM_GAP_TRUNCATED;
}

static void gap(struct stream *s, uint64_t n, enum stream_gap_why why, uint64_t ts)
{
	if (n)
		s->missing += n;
	else
		s->unknown_gaps++;
	s->ops->gap(s->ctx, n, why, ts);
}

/* Delivers a record that starts skip bytes before the expected position
 * (skip < bytes), and advances the position past it. */
static void deliver(struct stream *s, const uint8_t *p, size_t cap, uint64_t bytes, uint32_t flags,
		    uint64_t skip, uint64_t ts)
{
	if (skip < cap) {
		s->ops->data(s->ctx, p + skip, cap - (size_t)skip, ts);
		s->delivered += cap - skip;
	}
	if (bytes > cap && bytes > skip)
		gap(s, bytes - (skip > cap ? skip : cap), why_of(flags), ts);
	s->next_seq += (uint32_t)(bytes - skip);
}

/* distance of seq from the expected position (negative: already seen) */
static int64_t dist(const struct stream *s, uint32_t seq)
{
	return (int64_t)(int32_t)(seq - s->next_seq);
}

static void pend_drop(struct stream *s, unsigned i)
{
	s->pend_bytes -= s->pend[i].cap_len;
	free(s->pend[i].buf);
	memmove(&s->pend[i], &s->pend[i + 1], (s->npend - i - 1) * sizeof(s->pend[0]));
	s->npend--;
}

/* Delivers held records that are now in order (or overlap what was seen). */
static void drain(struct stream *s)
{
	while (s->npend) {
		struct stream_pend *p = &s->pend[0];
		int64_t d = dist(s, p->start);
		if (d > 0)
			return;
		if ((uint64_t)-d < p->bytes)
			deliver(s, p->buf, p->cap_len, p->bytes, p->flags, (uint64_t)-d, p->ts);
		pend_drop(s, 0);
	}
}

/* Gives up on the hole before the first held record. */
static void skip_hole(struct stream *s)
{
	struct stream_pend *p = &s->pend[0];
	int64_t d = dist(s, p->start);

	if (d > 0) {
		gap(s, (uint64_t)d, STREAM_GAP_MISSING, p->ts);
		s->next_seq = p->start;
	}
	drain(s);
}

void stream_flush(struct stream *s)
{
	while (s->npend)
		skip_hole(s);
}

void stream_expire(struct stream *s, uint64_t now)
{
	for (;;) {
		bool old = false;
		for (unsigned i = 0; i < s->npend; i++)
			if (s->pend[i].ts + STREAM_REORDER_NS < now)
				old = true;
		if (!old)
			return;
		skip_hole(s);
	}
}

static void hold(struct stream *s, const struct stream_seg *g, uint32_t start, size_t cap)
{
	unsigned i;

	while (s->npend &&
	       (s->npend == STREAM_MAX_PENDING || s->pend_bytes + cap > STREAM_MAX_PENDING_BYTES))
		skip_hole(s);
	/* skipping may have brought this record in order */
	if (dist(s, start) <= 0) {
		int64_t d = dist(s, start);
		if ((uint64_t)-d < g->bytes)
			deliver(s, g->payload, cap, g->bytes, g->flags, (uint64_t)-d, g->ts);
		drain(s);
		return;
	}
	if (cap > STREAM_MAX_PENDING_BYTES) { /* too big to hold: the hole is lost */
		gap(s, (uint64_t)dist(s, start), STREAM_GAP_MISSING, g->ts);
		s->next_seq = start;
		deliver(s, g->payload, cap, g->bytes, g->flags, 0, g->ts);
		drain(s);
		return;
	}
	if (!s->pend)
		s->pend = xcalloc(STREAM_MAX_PENDING, sizeof(*s->pend));
	for (i = s->npend; i > 0 && dist(s, s->pend[i - 1].start) > dist(s, start); i--)
		s->pend[i] = s->pend[i - 1];
	s->pend[i].start = start;
	s->pend[i].ts = g->ts;
	s->pend[i].bytes = g->bytes;
	s->pend[i].flags = g->flags;
	s->pend[i].cap_len = cap;
	s->pend[i].buf = cap ? xmalloc(cap) : NULL;
	if (cap)
		memcpy(s->pend[i].buf, g->payload, cap);
	s->npend++;
	s->pend_bytes += cap;
}

void stream_push(struct stream *s, const struct stream_seg *g)
{
	size_t cap = g->cap_len;
	uint32_t start;
	int64_t d;

	if (!g->payload)
		cap = 0;
	if (cap > g->bytes)
		cap = (size_t)g->bytes;
	s->moved += g->bytes;
	if (g->bytes == 0)
		return;
	/* a position is only trusted for a sane length */
	if (!(g->flags & SR_DATA_SEQ_VALID) || g->bytes > STREAM_MAX_JUMP) {
		stream_flush(s);
		deliver(s, g->payload, cap, g->bytes, g->flags, 0, g->ts);
		return;
	}
	start = g->tcp_seq - (uint32_t)g->bytes;
	if (!s->seq_known) {
		s->seq_known = true;
		s->next_seq = start;
	}
	d = dist(s, start);
	if (d > (int64_t)STREAM_MAX_JUMP || -d > (int64_t)STREAM_MAX_JUMP) {
		/* the numbering does not fit what was seen: position lost */
		stream_flush(s);
		gap(s, 0, STREAM_GAP_UNKNOWN, g->ts);
		s->next_seq = start;
		d = 0;
	}
	if (d == 1 && s->fin_in_seq && !s->npend) {
		/* the read consumed the FIN too: copied_seq counts it */
		s->fin_seen++;
		start -= 1;
		d = 0;
		s->next_seq = start;
	}
	if (d > 0) {
		hold(s, g, start, cap);
		return;
	}
	if ((uint64_t)-d < g->bytes)
		deliver(s, g->payload, cap, g->bytes, g->flags, (uint64_t)-d, g->ts);
	drain(s);
}
