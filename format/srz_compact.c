/* srz_compact.c - data context (type 10) and compact data (type 11)
 * records of .srz blocks (FORMAT.md, "Compact data records").
 *
 *   context := tgid u32, tid u32, sock_id u64, fd i32, family u8,
 *              laddr[16], raddr[16], lport u16, rport u16, comm[16]
 *   compact := ctx varint, bits u8, ts delta (zigzag varint),
 *              [tid varint], syscall varint, flags varint,
 *              tcp_seq varint (zigzag delta from the prediction when
 *              flags bit 3), bytes varint, payload len varint, payload
 *
 * Varints are LEB128 (7 bits a byte, low first, high bit = more). Both
 * sides keep the same state per block (struct srzc_table), updated in the
 * same order, so the decoder rebuilds every field the writer was given.
 */
#include <stdio.h>
#include <string.h>

#include "cursor.h"
#include "srz_compact.h"

#define BIT_TID 0x01u  /* a tid follows: the record's tid is not the context's */
#define BIT_RECV 0x02u /* dir is receive (2); clear: send (1) */
#define BITS_KNOWN (BIT_TID | BIT_RECV)

void srzc_reset(struct srzc_table *t)
{
	t->n = 0;
	t->prev_ts = 0;
	memset(t->slot, 0, sizeof(t->slot));
}

/* ---- varints ---- */

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* @return 0, or -1 when the bytes end first or the value passes max */
static int get_varint(struct cur *c, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned i = 0; i < 10; i++) {
		uint8_t b;
		if (cur_get_u8(c, &b))
			return -1;
		if (i == 9 && b > 1) /* bits past 64 */
			return -1;
		x |= (uint64_t)(b & 0x7F) << (7 * i);
		if (!(b & 0x80)) {
			if (x > max)
				return -1;
			*v = x;
			return 0;
		}
	}
	return -1;
}

static uint64_t zigzag64(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag64(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static uint32_t zigzag32(int32_t v)
{
	return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
}

static int32_t unzigzag32(uint32_t v)
{
	return (int32_t)(v >> 1) ^ -(int32_t)(v & 1);
}

/* ---- writer ---- */

static uint32_t slot_of(uint32_t tgid, uint64_t sock_id, int32_t fd)
{
	uint64_t h = sock_id * 0x9E3779B97F4A7C15ull ^ ((uint64_t)tgid << 32 | (uint32_t)fd);
	h *= 0xC2B2AE3D27D4EB4Full;
	return (uint32_t)(h >> 32) & (2 * SRZC_MAX_CTX - 1);
}

/* the context fields of d, comm as a full record stores it */
static void ctx_of(const struct sr_data *d, struct srzc_ctx *k)
{
	size_t n = strnlen(d->comm, SR_COMM_LEN);

	k->sock_id = d->sock_id;
	k->tgid = d->tgid;
	k->fd = d->fd;
	k->lport = d->lport;
	k->rport = d->rport;
	k->family = d->family;
	memcpy(k->laddr, d->laddr, 16);
	memcpy(k->raddr, d->raddr, 16);
	memcpy(k->comm, d->comm, n);
	memset(k->comm + n, 0, SR_COMM_LEN - n);
}

static int same_ctx(const struct srzc_ctx *a, const struct srzc_ctx *b)
{
	return a->sock_id == b->sock_id && a->tgid == b->tgid && a->fd == b->fd &&
	       a->lport == b->lport && a->rport == b->rport && a->family == b->family &&
	       !memcmp(a->laddr, b->laddr, 16) && !memcmp(a->raddr, b->raddr, 16) &&
	       !memcmp(a->comm, b->comm, SR_COMM_LEN);
}

static size_t put_ctx_record(uint8_t *p, const struct srzc_ctx *k, uint32_t tid)
{
	sr_put_le32(p, SRZC_CTX_BODY);
	sr_put_le16(p + 4, SR_REC_DATA_CTX);
	sr_put_le16(p + 6, 0);
	p += SR_RECORD_HDR;
	sr_put_le32(p, k->tgid);
	sr_put_le32(p + 4, tid);
	sr_put_le64(p + 8, k->sock_id);
	sr_put_le32(p + 16, (uint32_t)k->fd);
	p[20] = k->family;
	memcpy(p + 21, k->laddr, 16);
	memcpy(p + 37, k->raddr, 16);
	sr_put_le16(p + 53, k->lport);
	sr_put_le16(p + 55, k->rport);
	memcpy(p + 57, k->comm, SR_COMM_LEN);
	return SR_RECORD_HDR + SRZC_CTX_BODY;
}

long srzc_encode(struct srzc_table *t, const struct sr_data *d, uint8_t *dst, size_t dst_cap,
		 uint32_t *nrec)
{
	struct srzc_ctx key, *c = NULL;
	uint8_t head[SRZC_MAX_HEAD], *p = head + SR_RECORD_HDR;
	uint32_t s = slot_of(d->tgid, d->sock_id, d->fd), idx, seq_pred = 0;
	unsigned recv, bits = 0;
	size_t ctx_len = 0, head_len, total;

	if ((d->dir != SR_DIR_SEND && d->dir != SR_DIR_RECV) || d->payload.len > SR_MAX_SNAPLEN ||
	    d->payload.len > d->bytes)
		return -1;
	ctx_of(d, &key);
	while (t->slot[s]) {
		if (same_ctx(&t->ctx[t->slot[s] - 1], &key)) {
			c = &t->ctx[t->slot[s] - 1];
			break;
		}
		s = (s + 1) & (2 * SRZC_MAX_CTX - 1);
	}
	if (!c) {
		if (t->n >= SRZC_MAX_CTX)
			return -1;
		ctx_len = SR_RECORD_HDR + SRZC_CTX_BODY;
		idx = t->n;
	} else {
		idx = (uint32_t)(c - t->ctx);
	}
	recv = d->dir == SR_DIR_RECV;
	if (c && c->tid != d->tid)
		bits |= BIT_TID;
	if (recv)
		bits |= BIT_RECV;

	p += put_varint(p, idx);
	*p++ = (uint8_t)bits;
	p += put_varint(p, zigzag64((int64_t)(d->ts_ns - t->prev_ts)));
	if (bits & BIT_TID)
		p += put_varint(p, d->tid);
	p += put_varint(p, d->syscall);
	p += put_varint(p, d->flags);
	if (d->flags & SR_DATA_SEQ_VALID) {
		seq_pred = (c ? c->seq[recv] : 0) + (uint32_t)d->bytes;
		p += put_varint(p, zigzag32((int32_t)(d->tcp_seq - seq_pred)));
	} else {
		p += put_varint(p, d->tcp_seq);
	}
	p += put_varint(p, d->bytes);
	p += put_varint(p, d->payload.len);
	head_len = (size_t)(p - head);
	total = ctx_len + head_len + d->payload.len;
	if (total > dst_cap)
		return 0;
	sr_put_le32(head, (uint32_t)(head_len - SR_RECORD_HDR + d->payload.len));
	sr_put_le16(head + 4, SR_REC_DATA_COMPACT);
	sr_put_le16(head + 6, 0);

	/* it fits: now the state changes, as the decoder's will */
	if (!c) {
		c = &t->ctx[idx];
		*c = key;
		c->tid = d->tid;
		c->seq[0] = c->seq[1] = 0;
		t->slot[s] = (uint16_t)(idx + 1);
		t->n++;
		put_ctx_record(dst, c, d->tid);
	}
	memcpy(dst + ctx_len, head, head_len);
	if (d->payload.len)
		memcpy(dst + ctx_len + head_len, d->payload.ptr, d->payload.len);
	c->tid = d->tid;
	if (d->flags & SR_DATA_SEQ_VALID)
		c->seq[recv] = d->tcp_seq;
	t->prev_ts = d->ts_ns;
	*nrec = ctx_len ? 2 : 1;
	return (long)total;
}

/* ---- reader ---- */

static void set_err(char *err, size_t cap, const char *what)
{
	if (err && cap)
		snprintf(err, cap, "%s", what);
}

int srzc_decode_ctx(struct srzc_table *t, const uint8_t *body, size_t len, char *err,
		    size_t err_cap)
{
	struct srzc_ctx *c;

	if (len < SRZC_CTX_BODY) {
		if (err && err_cap)
			snprintf(err, err_cap, "data context record: %zu-byte body, needs %u", len,
				 SRZC_CTX_BODY);
		return -1;
	}
	if (t->n >= SRZC_MAX_CTX) {
		if (err && err_cap)
			snprintf(err, err_cap, "more than %u data contexts in one block",
				 SRZC_MAX_CTX);
		return -1;
	}
	/* bytes after the 73 are a later minor's fields: ignored */
	c = &t->ctx[t->n++];
	c->tgid = sr_le32(body);
	c->tid = sr_le32(body + 4);
	c->sock_id = sr_le64(body + 8);
	c->fd = (int32_t)sr_le32(body + 16);
	c->family = body[20];
	memcpy(c->laddr, body + 21, 16);
	memcpy(c->raddr, body + 37, 16);
	c->lport = sr_le16(body + 53);
	c->rport = sr_le16(body + 55);
	memcpy(c->comm, body + 57, SR_COMM_LEN);
	c->comm[SR_COMM_LEN - 1] = '\0';
	c->seq[0] = c->seq[1] = 0;
	return 0;
}

int srzc_decode_data(struct srzc_table *t, const uint8_t *body, size_t len, struct sr_data *d,
		     char *err, size_t err_cap)
{
	struct cur cu = cur_make(body, len);
	struct srzc_ctx *c;
	uint64_t idx, ts, tid, sys, flags, seq, bytes, plen;
	uint8_t bits;
	unsigned recv;
	const uint8_t *pay;

	if (get_varint(&cu, UINT32_MAX, &idx)) {
		set_err(err, err_cap, "compact data record: context number does not fit");
		return -1;
	}
	if (idx >= t->n) {
		if (err && err_cap)
			snprintf(err, err_cap,
				 "compact data record refers to context %llu; this block has "
				 "defined %u",
				 (unsigned long long)idx, t->n);
		return -1;
	}
	c = &t->ctx[idx];
	if (cur_get_u8(&cu, &bits)) {
		set_err(err, err_cap, "compact data record: body ends before its bits");
		return -1;
	}
	if (bits & ~BITS_KNOWN) {
		if (err && err_cap)
			snprintf(err, err_cap, "compact data record: unknown bits 0x%02x", bits);
		return -1;
	}
	recv = bits & BIT_RECV ? 1 : 0;
	tid = c->tid;
	if (get_varint(&cu, UINT64_MAX, &ts) ||
	    ((bits & BIT_TID) && get_varint(&cu, UINT32_MAX, &tid)) ||
	    get_varint(&cu, UINT16_MAX, &sys) || get_varint(&cu, UINT32_MAX, &flags) ||
	    get_varint(&cu, UINT32_MAX, &seq) || get_varint(&cu, UINT64_MAX, &bytes) ||
	    get_varint(&cu, SR_MAX_SNAPLEN, &plen)) {
		set_err(err, err_cap,
			"compact data record: a field is cut, too long or out of range");
		return -1;
	}
	if (plen > bytes) {
		set_err(err, err_cap, "compact data record: payload longer than the bytes moved");
		return -1;
	}
	if (cur_get_span(&cu, &pay, (size_t)plen)) {
		set_err(err, err_cap, "compact data record: payload runs past its body");
		return -1;
	}
	/* bytes after the payload are a later minor's fields: ignored */

	d->ts_ns = t->prev_ts + (uint64_t)unzigzag64(ts);
	d->tgid = c->tgid;
	d->tid = (uint32_t)tid;
	d->sock_id = c->sock_id;
	d->fd = c->fd;
	d->syscall = (uint16_t)sys;
	d->dir = recv ? SR_DIR_RECV : SR_DIR_SEND;
	d->family = c->family;
	memcpy(d->laddr, c->laddr, 16);
	memcpy(d->raddr, c->raddr, 16);
	d->lport = c->lport;
	d->rport = c->rport;
	d->flags = (uint32_t)flags;
	d->bytes = bytes;
	if (d->flags & SR_DATA_SEQ_VALID)
		d->tcp_seq = c->seq[recv] + (uint32_t)bytes + (uint32_t)unzigzag32((uint32_t)seq);
	else
		d->tcp_seq = (uint32_t)seq;
	memcpy(d->comm, c->comm, SR_COMM_LEN);
	d->payload.ptr = pay;
	d->payload.len = (uint32_t)plen;

	c->tid = d->tid;
	if (d->flags & SR_DATA_SEQ_VALID)
		c->seq[recv] = d->tcp_seq;
	t->prev_ts = d->ts_ns;
	return 0;
}
