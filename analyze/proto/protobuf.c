/* protobuf.c - schema-less protobuf to JSON (see protobuf.h). */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "proto/protobuf.h"

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_SGROUP = 3, WT_EGROUP = 4, WT_I32 = 5 };

struct pbf {
	uint64_t num;
	int wt;
	uint64_t v;	  /* varint, i64, i32 */
	const uint8_t *p; /* len, group body */
	size_t n;
	int done; /* written (grouping) */
};

static int get_varint(struct cur *c, uint64_t *v)
{
	uint64_t r = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t b;
		if (cur_get_u8(c, &b))
			return -1;
		if (shift == 63 && b > 1)
			return -1;
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return 0;
		}
	}
	return -1;
}

/* skips a group's body up to its end tag for field num; *body gets it */
static int skip_group(struct cur *c, uint64_t num, unsigned depth, const uint8_t **bp, size_t *bn);

static int read_field(struct cur *c, struct pbf *f, unsigned depth)
{
	uint64_t key;

	if (get_varint(c, &key))
		return -1;
	f->num = key >> 3;
	f->wt = (int)(key & 7);
	if (f->num == 0 || f->num > 536870911u)
		return -1;
	switch (f->wt) {
	case WT_VARINT:
		return get_varint(c, &f->v);
	case WT_I64:
		return cur_get_le64(c, &f->v);
	case WT_I32: {
		uint32_t v;
		if (cur_get_le32(c, &v))
			return -1;
		f->v = v;
		return 0;
	}
	case WT_LEN: {
		uint64_t len;
		if (get_varint(c, &len) || len > c->left)
			return -1;
		f->p = c->p;
		f->n = (size_t)len;
		return cur_skip(c, (size_t)len);
	}
	case WT_SGROUP:
		return skip_group(c, f->num, depth, &f->p, &f->n);
	default:
		return -1; /* a lone end-group, or wire types 6 and 7 */
	}
}

static int skip_group(struct cur *c, uint64_t num, unsigned depth, const uint8_t **bp, size_t *bn)
{
	const uint8_t *start = c->p;

	if (depth >= PB_MAX_DEPTH)
		return -1;
	for (;;) {
		struct cur save = *c;
		uint64_t key;
		struct pbf f;
		if (get_varint(c, &key))
			return -1;
		if ((key & 7) == WT_EGROUP) {
			if ((key >> 3) != num)
				return -1;
			*bp = start;
			*bn = (size_t)(save.p - start);
			return 0;
		}
		*c = save;
		if (read_field(c, &f, depth + 1))
			return -1;
	}
}

static bool printable_text(const uint8_t *p, size_t n)
{
	if (!utf8_valid(p, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
			return false;
	return true;
}

static int message(const uint8_t *p, size_t n, unsigned depth, struct dbuf *out, bool group);

static void put_value(const struct pbf *f, unsigned depth, struct dbuf *out)
{
	switch (f->wt) {
	case WT_LEN:
		if (printable_text(f->p, f->n)) {
			dbuf_putc(out, '"');
			json_escape(out, f->p, f->n);
			dbuf_putc(out, '"');
			return;
		}
		if (depth + 1 < PB_MAX_DEPTH && message(f->p, f->n, depth + 1, out, false) == 0)
			return;
		{
			char *t = xmalloc(b64_len(f->n) + 1);
			b64_encode(t, f->p, f->n);
			dbuf_putc(out, '"');
			dbuf_puts(out, t);
			dbuf_putc(out, '"');
			free(t);
		}
		return;
	case WT_SGROUP:
		if (message(f->p, f->n, depth + 1, out, true) == 0)
			return;
		dbuf_puts(out, "{}");
		return;
	default:
		dbuf_u64(out, f->v);
	}
}

/* a message's fields, then the JSON grouped by field number */
static int message(const uint8_t *p, size_t n, unsigned depth, struct dbuf *out, bool group)
{
	struct cur c = cur_make(p ? p : (const uint8_t *)"", p ? n : 0);
	struct pbf *f = NULL;
	size_t nf = 0, cap = 0, mark = out->len;

	(void)group;
	while (c.left) {
		if (nf == PB_MAX_FIELDS)
			goto bad;
		if (nf == cap) {
			cap = cap ? cap * 2 : 16;
			f = xrealloc(f, size_mul(cap, sizeof(*f)));
		}
		memset(&f[nf], 0, sizeof(f[nf]));
		if (read_field(&c, &f[nf], depth))
			goto bad;
		nf++;
	}
	dbuf_putc(out, '{');
	for (size_t i = 0, first = 1; i < nf; i++) {
		size_t count = 0;
		if (f[i].done)
			continue;
		for (size_t j = i; j < nf; j++)
			count += f[j].num == f[i].num;
		if (!first)
			dbuf_putc(out, ',');
		first = 0;
		dbuf_putc(out, '"');
		dbuf_u64(out, f[i].num);
		dbuf_puts(out, "\":");
		if (count > 1)
			dbuf_putc(out, '[');
		for (size_t j = i, k = 0; j < nf; j++) {
			if (f[j].num != f[i].num)
				continue;
			if (k++)
				dbuf_putc(out, ',');
			put_value(&f[j], depth, out);
			f[j].done = 1;
		}
		if (count > 1)
			dbuf_putc(out, ']');
	}
	dbuf_putc(out, '}');
	free(f);
	return 0;
bad:
	free(f);
	out->len = mark;
	return -1;
}

int pb_to_json(const uint8_t *p, size_t n, struct dbuf *out)
{
	return message(p, n, 0, out, false);
}
