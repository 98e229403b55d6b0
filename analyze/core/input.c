/* input.c - open archives and merge their records by time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/input.h"
#include "base/util.h"

bool input_record_ts(const struct sr_record *r, uint64_t *ts)
{
	switch (r->type) {
	case SR_REC_DATA:
		*ts = r->data.ts_ns;
		return true;
	case SR_REC_CONN:
		*ts = r->conn.ts_ns;
		return true;
	case SR_REC_PROCESS:
		*ts = r->proc.ts_ns;
		return true;
	case SR_REC_CONTAINER:
		*ts = r->ctr.ts_ns;
		return true;
	case SR_REC_LOSS:
		*ts = r->loss.ts_ns;
		return true;
	case SR_REC_END:
		*ts = r->end.ts_ns;
		return true;
	case SR_REC_PROC_EVENT:
		*ts = r->pev.ts_ns;
		return true;
	case SR_REC_TLS:
		*ts = r->tls.ts_ns;
		return true;
	default:
		return false;
	}
}

int64_t input_record_wall(const struct an_src *src, const struct sr_record *r)
{
	uint64_t ts;

	if (r->type == SR_REC_CAPTURE_HEADER)
		return (int64_t)r->hdr.start_wall_ns;
	if (input_record_ts(r, &ts))
		return wall_of(ts, src->boot_to_wall);
	return src->key;
}

static void advance(struct an_src *s)
{
	int rc;

	s->have = false;
	if (s->done)
		return;
	rc = sr_archive_next(s->a, &s->rec);
	if (rc == 1) {
		if (s->rec.type == SR_REC_CAPTURE_HEADER) {
			s->boot_to_wall = s->rec.hdr.boot_to_wall_ns;
			s->have_hdr = true;
		}
		s->key = input_record_wall(s, &s->rec);
		s->have = true;
		return;
	}
	s->done = true;
	if (rc < 0) {
		const char *e = sr_archive_error(s->a);
		s->damaged = true;
		s->err_off = sr_archive_error_offset(s->a);
		snprintf(s->err, sizeof(s->err), "%s", e && *e ? e : "unreadable record");
	}
}

void input_open(struct an_inputs *x, const struct an_input *in, size_t n)
{
	x->n = n;
	x->last = NULL;
	x->s = xcalloc(n ? n : 1, sizeof(*x->s));
	for (size_t i = 0; i < n; i++) {
		struct an_src *s = &x->s[i];
		s->archive = (uint32_t)i;
		s->name = in[i].name ? in[i].name : in[i].path ? in[i].path : "<memory>";
		if (in[i].path)
			s->a = sr_archive_open_path(in[i].path, s->err, sizeof(s->err));
		else
			s->a = sr_archive_open_mem(in[i].buf, in[i].len, s->err, sizeof(s->err));
		if (!s->a) {
			s->done = true;
			if (!s->err[0])
				snprintf(s->err, sizeof(s->err), "not a sockrec archive");
			continue;
		}
		s->opened = true;
		s->index = 0;
		advance(s);
	}
}

int input_next(struct an_inputs *x, const struct sr_record **rec, struct an_src **src)
{
	struct an_src *best = NULL;

	/* the record handed out last time stays valid until now */
	if (x->last) {
		advance(x->last);
		x->last = NULL;
	}
	for (size_t i = 0; i < x->n; i++) {
		struct an_src *s = &x->s[i];
		if (!s->have)
			continue;
		if (!best || s->key < best->key)
			best = s;
	}
	if (!best)
		return 0;
	*rec = &best->rec;
	*src = best;
	best->index++;
	x->last = best;
	return 1;
}

void input_close(struct an_inputs *x)
{
	for (size_t i = 0; i < x->n; i++)
		sr_archive_free(x->s[i].a);
	free(x->s);
	x->s = NULL;
	x->n = 0;
}
