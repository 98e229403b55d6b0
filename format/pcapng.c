/* pcapng.c - the pcapng writer: a record stream as a capture Wireshark opens
 * (format/FORMAT.md, "The .pcapng container"; pcapng: draft-ietf-opsawg-pcapng).
 *
 * Data records become Enhanced Packet Blocks carrying synthesized IPv4/IPv6
 * + TCP segments (RFC 791, RFC 8200, RFC 9293): per connection and
 * direction the sequence numbers are continuous, a handshake opens every
 * connection at its first sight, a FIN closes it when a close is recorded.
 * When both ends of a connection were recorded, each byte is sent once: the
 * second observation becomes a pure ACK from the observing socket, so
 * Wireshark sees no duplicate data while every observation (pid, time) is a
 * packet of its own. Bytes the capture did not keep (snaplen, sendfile, a
 * lost event) are skipped in sequence space and acknowledged by the peer,
 * which Follow TCP Stream shows as "[N bytes missing in capture file]".
 *
 * Every record also travels verbatim in a sockrec item (pcapng_priv.h), in
 * a custom option of its packet or in a Custom Block, so the reader gives
 * back the exact stream. A data record whose payload is entirely in its own
 * segments travels without the payload (DATA_HEAD): the reader takes the
 * bytes back from the segments.
 *
 * Crash safety: all blocks produced by one record are built in memory and
 * reach the file in one write(); a failed write is cut back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"
#include "fdio.h"
#include "pcapng.h"
#include "pcapng_buf.h"
#include "pcapng_meta.h"
#include "pcapng_priv.h"

#ifndef SOCKREC_VERSION
#define SOCKREC_VERSION "0.0.0"
#endif

#define PCAPNG_MAX_FLOWS 65536u /* connections remembered; older ones are evicted */
#define FLOW_BUCKETS 65536u
#define PCAPNG_MAX_SERVERS 4096u /* endpoints known to listen */
#define SERVER_SLOTS (2u * PCAPNG_MAX_SERVERS)
/* all blocks of one record: at most 256 KiB of payload in 5 segments, or a
 * Custom Block of one 1 MiB record, plus handshakes and names */
#define PCAPNG_GROUP_LIMIT (4u * 1024u * 1024u)

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TCP_WIN 65535u
#define IPPROTO_EXPERIMENT 253 /* RFC 3692: the capture-start marker packet */

static const char marker_payload[] = "sockrec capture start";

/* one end of a connection and the byte stream it sends */
struct pcapng_ep {
	uint8_t addr[16];
	uint16_t port;
	uint8_t fin;	    /* FIN sent */
	uint8_t gap;	    /* bytes skipped since the last data segment */
	uint64_t gap_bytes; /* how many */
	uint8_t has_seq;    /* seq_real/seq_off hold a real sequence mapping */
	uint32_t isn;	    /* synthesized initial sequence number */
	uint64_t next;	    /* stream offset of the first byte not yet emitted */
	uint64_t seen[2];   /* bytes of this stream seen by [0] the sending socket,
			     * [1] the receiving one (when tcp_seq is not valid) */
	uint32_t seq_real;  /* a real TCP sequence number (tcp_seq) ... */
	uint64_t seq_off;   /* ... and the stream offset it corresponds to */
	/* the last segment this end sent, for Wireshark's duplicate-ACK test */
	uint32_t last_nxt;
	uint32_t last_ack;
	uint16_t last_win;
};

struct pcapng_flow {
	uint8_t used;
	uint8_t family;
	uint8_t seen_connect;
	uint8_t seen_accept;
	uint32_t hnext; /* next in bucket / free list: index + 1, 0 = none */
	uint64_t last_use;
	struct pcapng_ep ep[2]; /* [0] the client (sent the SYN), [1] the server */
};

struct pcapng_server {
	uint8_t used;
	uint8_t family;
	uint16_t port;
	uint8_t addr[16];
};

struct pcapng_writer {
	int fd;
	int failed; /* -errno of the first failure, 0 while healthy */
	char errmsg[200];
	uint64_t bytes;	  /* bytes in the file (complete groups) */
	uint32_t index;	  /* the next record's position in the stream */
	uint64_t packets; /* EPBs written */
	int64_t boot_to_wall;
	struct pcapng_buf grp; /* the blocks of the record being appended */
	uint8_t *enc;	       /* the record being appended, encoded */
	struct pcapng_meta *meta;
	struct pcapng_flow *flows;
	uint32_t nflows, flows_cap, free_head;
	uint32_t *buckets; /* FLOW_BUCKETS heads: flow index + 1 */
	uint32_t created;  /* connections synthesized (varies the ISNs) */
	uint64_t use;	   /* LRU clock */
	struct pcapng_server *servers;
	uint32_t nservers;
	struct pcapng_comments cm;  /* comments of the record being appended */
	struct pcapng_comments syn; /* comments of a synthesized packet */
};

/* a sockrec item to attach to a packet: header fields + up to two pieces */
struct item {
	int kind; /* 0: none */
	const uint8_t *c1;
	uint32_t l1;
	const uint8_t *c2;
	uint32_t l2;
};

/* one synthesized TCP segment */
struct seg {
	int from; /* endpoint sending it */
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	const uint8_t *data;
	uint32_t len;
	uint64_t ts; /* wall clock ns */
	uint32_t epb_flags;
	const struct pcapng_comments *cm;
	struct item it;
};

/* ---------- errors and writes ---------- */

static void set_err(char *err, size_t cap, const char *msg)
{
	if (err && cap)
		snprintf(err, cap, "%s", msg);
}

/* A failed write may have left part of a group: cut the file back to the
 * last complete one, so readers see complete blocks only. */
static int writer_fail(struct pcapng_writer *w, int e, const char *what)
{
	if (!w->failed) {
		w->failed = e;
		snprintf(w->errmsg, sizeof(w->errmsg), "%s: %s", what, strerror(-e));
		if (ftruncate(w->fd, (off_t)w->bytes) != 0) {
			/* a pipe or a device: readers stop at the torn block */
		}
	}
	return w->failed;
}

static int group_write(struct pcapng_writer *w)
{
	int rc;

	if (w->grp.failed) {
		w->grp.failed = 0;
		w->grp.len = 0;
		return writer_fail(w, -ENOMEM, "pcapng: building blocks");
	}
	if (!w->grp.len)
		return 0;
	rc = sr_write_all(w->fd, w->grp.p, w->grp.len);
	if (rc) {
		w->grp.len = 0;
		return writer_fail(w, rc, "pcapng: write");
	}
	w->bytes += w->grp.len;
	w->grp.len = 0;
	return 0;
}

/* ---------- blocks and options (pcapng sections 3.1, 3.5) ---------- */

static size_t blk_open(struct pcapng_buf *b, uint32_t type)
{
	size_t start = b->len;
	pcapng_buf_le32(b, type);
	pcapng_buf_le32(b, 0); /* total length, patched by blk_close */
	return start;
}

static void blk_close(struct pcapng_buf *b, size_t start)
{
	uint32_t total;

	pcapng_buf_pad4(b);
	total = (uint32_t)(b->len - start + 4);
	pcapng_buf_le32(b, total);
	if (!b->failed)
		sr_put_le32(b->p + start + 4, total);
}

static void opt_add(struct pcapng_buf *b, uint16_t code, const void *v, size_t len)
{
	pcapng_buf_le16(b, code);
	pcapng_buf_le16(b, (uint16_t)len);
	pcapng_buf_put(b, v, len);
	pcapng_buf_pad4(b);
}

static void item_hdr(struct pcapng_buf *b, int kind, uint8_t flags, uint32_t index, uint32_t len)
{
	pcapng_buf_put(b, PCAPNG_ITEM_MAGIC, 4);
	pcapng_buf_put(b, &(uint8_t){PCAPNG_ITEM_MAJOR}, 1);
	pcapng_buf_put(b, &(uint8_t){PCAPNG_ITEM_MINOR}, 1);
	pcapng_buf_put(b, &(uint8_t){(uint8_t)kind}, 1);
	pcapng_buf_put(b, &flags, 1);
	pcapng_buf_le32(b, index);
	pcapng_buf_le32(b, len);
}

/* One custom option per PCAPNG_OPT_ITEM_MAX bytes of content: an option
 * value is at most 65535 bytes. */
static void opt_item(struct pcapng_buf *b, const struct item *it, uint32_t index)
{
	uint32_t total = it->l1 + it->l2, done = 0;

	do {
		uint32_t k = total - done, a, from1;
		if (k > PCAPNG_OPT_ITEM_MAX)
			k = PCAPNG_OPT_ITEM_MAX;
		pcapng_buf_le16(b, PCAPNG_OPT_CUSTOM_BIN);
		pcapng_buf_le16(b, (uint16_t)(4 + PCAPNG_ITEM_HDR + k));
		pcapng_buf_le32(b, PCAPNG_PEN);
		item_hdr(b, it->kind, done + k < total ? PCAPNG_ITEM_MORE : 0, index, k);
		/* bytes done..done+k of c1 followed by c2 */
		from1 = done < it->l1 ? it->l1 - done : 0;
		a = from1 < k ? from1 : k;
		if (a)
			pcapng_buf_put(b, it->c1 + done, a);
		if (k > a)
			pcapng_buf_put(b, it->c2 + (done + a - it->l1), k - a);
		pcapng_buf_pad4(b);
		done += k;
	} while (done < total);
}

/* ts_ns + boot_to_wall in exact arithmetic, clamped to [0, INT64_MAX]: a
 * hostile record (ts_ns = 2^64 - 1, or a capture header's offset near
 * INT64_MAX) gets the largest timestamp rather than a wrapped one. The sum
 * can only overflow upwards (ts_ns >= 0). */
static int64_t wall(const struct pcapng_writer *w, uint64_t ts_ns)
{
	int64_t t;

	if (__builtin_add_overflow(ts_ns, w->boot_to_wall, &t))
		return INT64_MAX;
	return t < 0 ? 0 : t;
}

/* EPB (section 4.3): interface 0, nanosecond timestamp, the packet, then
 * comments, epb_flags and the sockrec item. */
static void epb_write(struct pcapng_writer *w, uint64_t ts, const uint8_t *hdr, uint32_t hlen,
		      const uint8_t *data, uint32_t dlen, const struct pcapng_comments *cm,
		      uint32_t epb_flags, const struct item *it)
{
	struct pcapng_buf *b = &w->grp;
	size_t start = blk_open(b, PCAPNG_BT_EPB);
	int i, any = 0;

	pcapng_buf_le32(b, 0);
	pcapng_buf_le32(b, (uint32_t)(ts >> 32));
	pcapng_buf_le32(b, (uint32_t)ts);
	pcapng_buf_le32(b, hlen + dlen);
	pcapng_buf_le32(b, hlen + dlen);
	pcapng_buf_put(b, hdr, hlen);
	pcapng_buf_put(b, data, dlen);
	pcapng_buf_pad4(b);
	for (i = 0; cm && i < cm->n; i++, any = 1)
		opt_add(b, PCAPNG_OPT_COMMENT, cm->buf + cm->off[i], cm->len[i]);
	if (epb_flags) {
		uint8_t v[4];
		sr_put_le32(v, epb_flags);
		opt_add(b, PCAPNG_OPT_EPB_FLAGS, v, 4);
		any = 1;
	}
	if (it && it->kind) {
		opt_item(b, it, w->index);
		any = 1;
	}
	if (any)
		opt_add(b, PCAPNG_OPT_END, NULL, 0);
	blk_close(b, start);
	w->packets++;
}

/* Custom Block (section 4.8), copyable: PEN, then one sockrec item. */
static void cb_write(struct pcapng_writer *w, const uint8_t *enc, uint32_t len)
{
	struct pcapng_buf *b = &w->grp;
	size_t start = blk_open(b, PCAPNG_BT_CB);

	pcapng_buf_le32(b, PCAPNG_PEN);
	item_hdr(b, PCAPNG_ITEM_RECORD, 0, w->index, len);
	pcapng_buf_put(b, enc, len);
	blk_close(b, start);
}

/* NRB (section 4.5) with one IPv4 or IPv6 record. */
static void nrb_write(struct pcapng_writer *w, uint8_t family, const uint8_t addr[16],
		      const char *name)
{
	struct pcapng_buf *b = &w->grp;
	size_t start = blk_open(b, PCAPNG_BT_NRB), alen = family == 4 ? 4 : 16;
	size_t nlen = strlen(name) + 1;

	pcapng_buf_le16(b, family == 4 ? 1 : 2);
	pcapng_buf_le16(b, (uint16_t)(alen + nlen));
	pcapng_buf_put(b, addr, alen);
	pcapng_buf_put(b, name, nlen);
	pcapng_buf_pad4(b);
	pcapng_buf_le32(b, 0); /* nrb_record_end */
	blk_close(b, start);
}

/* ---------- IP + TCP ---------- */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return sum;
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
}

/* IPv4 (RFC 791) or IPv6 (RFC 8200) header + a 20-byte TCP header (RFC 9293
 * section 3.1) with a correct checksum. @return header bytes (40 or 60) */
static uint32_t tcp_build(uint8_t hdr[60], uint8_t family, const uint8_t *src, const uint8_t *dst,
			  uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
			  uint16_t win, const uint8_t *data, uint32_t dlen)
{
	uint32_t iplen = family == 4 ? 20 : 40, tcplen = 20 + dlen, sum;
	uint8_t *t = hdr + iplen, pseudo[40];

	memset(hdr, 0, 60);
	if (family == 4) {
		hdr[0] = 0x45;
		put_be16(hdr + 2, (uint16_t)(20 + tcplen));
		hdr[6] = 0x40; /* DF */
		hdr[8] = 64;
		hdr[9] = 6;
		memcpy(hdr + 12, src, 4);
		memcpy(hdr + 16, dst, 4);
		put_be16(hdr + 10, (uint16_t)~csum_add(0, hdr, 20));
		memcpy(pseudo, src, 4);
		memcpy(pseudo + 4, dst, 4);
		pseudo[8] = 0;
		pseudo[9] = 6;
		put_be16(pseudo + 10, (uint16_t)tcplen);
		sum = csum_add(0, pseudo, 12);
	} else {
		hdr[0] = 0x60;
		put_be16(hdr + 4, (uint16_t)tcplen);
		hdr[6] = 6;
		hdr[7] = 64;
		memcpy(hdr + 8, src, 16);
		memcpy(hdr + 24, dst, 16);
		memcpy(pseudo, src, 16);
		memcpy(pseudo + 16, dst, 16);
		put_be32(pseudo + 32, tcplen);
		memset(pseudo + 36, 0, 3);
		pseudo[39] = 6;
		sum = csum_add(0, pseudo, 40);
	}
	put_be16(t, sport);
	put_be16(t + 2, dport);
	put_be32(t + 4, seq);
	put_be32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	put_be16(t + 14, win);
	sum = csum_add(sum, t, 20);
	sum = csum_add(sum, data, dlen);
	put_be16(t + 16, (uint16_t)~sum);
	return iplen + 20;
}

static uint32_t seq_at(const struct pcapng_ep *e, uint64_t off)
{
	return e->isn + 1u + (uint32_t)off;
}

static uint32_t snd_nxt(const struct pcapng_ep *e)
{
	return seq_at(e, e->next) + e->fin;
}

static int seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static void seg_emit(struct pcapng_writer *w, struct pcapng_flow *f, const struct seg *s)
{
	struct pcapng_ep *e = &f->ep[s->from], *peer = &f->ep[1 - s->from];
	uint8_t hdr[60];
	uint16_t win = TCP_WIN;
	uint32_t hlen, nxt;

	/* A bare ACK repeating this end's last seq/ack/window is a "Dup ACK"
	 * in Wireshark; a changed window makes it a (benign) window update. */
	if (!s->len && !(s->flags & (TH_SYN | TH_FIN | TH_RST)) && s->seq == e->last_nxt &&
	    s->ack == e->last_ack && e->last_win == TCP_WIN)
		win = TCP_WIN - 1;
	hlen = tcp_build(hdr, f->family, e->addr, peer->addr, e->port, peer->port, s->seq, s->ack,
			 s->flags, win, s->data, s->len);
	epb_write(w, s->ts, hdr, hlen, s->data, s->len, s->cm, s->epb_flags, &s->it);
	nxt = s->seq + s->len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
	if (!(s->flags & TH_RST) && (e->last_win == 0 || !seq_lt(nxt, e->last_nxt)))
		e->last_nxt = nxt;
	if (s->flags & TH_ACK)
		e->last_ack = s->ack;
	e->last_win = win;
}

/* ---------- connections ---------- */

static int addr_cmp(const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb)
{
	int c = memcmp(a, b, 16);
	return c ? c : (pa > pb) - (pa < pb);
}

static uint32_t hash_bytes(uint32_t h, const void *p, size_t n)
{
	const uint8_t *s = p;
	while (n--) {
		h ^= *s++;
		h *= 16777619u;
	}
	return h;
}

/* the same for both observers: endpoints in a fixed order */
static uint32_t flow_hash(uint8_t family, const uint8_t *a, uint16_t pa, const uint8_t *b,
			  uint16_t pb)
{
	uint32_t h = hash_bytes(2166136261u, &family, 1);

	if (addr_cmp(a, pa, b, pb) > 0) {
		const uint8_t *t = a;
		uint16_t tp = pa;
		a = b, pa = pb, b = t, pb = tp;
	}
	h = hash_bytes(h, a, 16);
	h = hash_bytes(h, &pa, 2);
	h = hash_bytes(h, b, 16);
	h = hash_bytes(h, &pb, 2);
	return h;
}

static int ep_is(const struct pcapng_ep *e, const uint8_t *a, uint16_t p)
{
	return e->port == p && !memcmp(e->addr, a, 16);
}

/* @return the flow of this 4-tuple and in *local which end la:lp is */
static struct pcapng_flow *flow_find(struct pcapng_writer *w, uint8_t family, const uint8_t *la,
				     uint16_t lp, const uint8_t *ra, uint16_t rp, int *local)
{
	uint32_t i;

	if (!w->buckets)
		return NULL;
	i = w->buckets[flow_hash(family, la, lp, ra, rp) & (FLOW_BUCKETS - 1)];
	while (i) {
		struct pcapng_flow *f = &w->flows[i - 1];
		if (f->family == family) {
			if (ep_is(&f->ep[0], la, lp) && ep_is(&f->ep[1], ra, rp)) {
				*local = 0;
				return f;
			}
			if (ep_is(&f->ep[1], la, lp) && ep_is(&f->ep[0], ra, rp)) {
				*local = 1;
				return f;
			}
		}
		i = f->hnext;
	}
	return NULL;
}

static void flow_link(struct pcapng_writer *w, uint32_t idx)
{
	struct pcapng_flow *f = &w->flows[idx];
	uint32_t *head = &w->buckets[flow_hash(f->family, f->ep[0].addr, f->ep[0].port,
					       f->ep[1].addr, f->ep[1].port) &
				     (FLOW_BUCKETS - 1)];
	f->hnext = *head;
	*head = idx + 1;
}

static void flow_drop(struct pcapng_writer *w, struct pcapng_flow *f)
{
	uint32_t idx = (uint32_t)(f - w->flows);
	uint32_t *link = &w->buckets[flow_hash(f->family, f->ep[0].addr, f->ep[0].port,
					       f->ep[1].addr, f->ep[1].port) &
				     (FLOW_BUCKETS - 1)];

	while (*link && *link != idx + 1)
		link = &w->flows[*link - 1].hnext;
	if (*link)
		*link = f->hnext;
	memset(f, 0, sizeof(*f));
	f->hnext = w->free_head;
	w->free_head = idx + 1;
	w->nflows--;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Table full: forget the least recently used quarter. A later record on a
 * forgotten connection starts it again with a new handshake. */
static void flow_evict(struct pcapng_writer *w)
{
	uint64_t *ages = malloc(sizeof(uint64_t) * w->flows_cap), thr;
	uint32_t i, n = 0;

	if (!ages)
		return;
	for (i = 0; i < w->flows_cap; i++)
		if (w->flows[i].used)
			ages[n++] = w->flows[i].last_use;
	if (!n) {
		free(ages);
		return;
	}
	qsort(ages, n, sizeof(*ages), u64_cmp);
	thr = ages[n / 4];
	free(ages);
	for (i = 0; i < w->flows_cap; i++)
		if (w->flows[i].used && w->flows[i].last_use <= thr)
			flow_drop(w, &w->flows[i]);
}

static struct pcapng_flow *flow_new(struct pcapng_writer *w, uint8_t family, const uint8_t *la,
				    uint16_t lp, const uint8_t *ra, uint16_t rp,
				    int local_is_client, int *local)
{
	struct pcapng_flow *f;
	uint32_t idx, h;

	if (!w->buckets) {
		w->buckets = calloc(FLOW_BUCKETS, sizeof(*w->buckets));
		if (!w->buckets)
			return NULL;
	}
	if (!w->free_head && w->flows_cap >= PCAPNG_MAX_FLOWS)
		flow_evict(w);
	if (!w->free_head) {
		uint32_t ncap = w->flows_cap ? w->flows_cap * 2 : 256, i;
		struct pcapng_flow *nf;

		if (ncap > PCAPNG_MAX_FLOWS)
			ncap = PCAPNG_MAX_FLOWS;
		if (ncap <= w->flows_cap)
			return NULL;
		nf = realloc(w->flows, sizeof(*nf) * ncap);
		if (!nf)
			return NULL;
		memset(nf + w->flows_cap, 0, sizeof(*nf) * (ncap - w->flows_cap));
		for (i = ncap; i > w->flows_cap; i--) {
			nf[i - 1].hnext = w->free_head;
			w->free_head = i;
		}
		w->flows = nf;
		w->flows_cap = ncap;
	}
	idx = w->free_head - 1;
	f = &w->flows[idx];
	w->free_head = f->hnext;
	memset(f, 0, sizeof(*f));
	f->used = 1;
	f->family = family;
	*local = local_is_client ? 0 : 1;
	memcpy(f->ep[*local].addr, la, 16);
	f->ep[*local].port = lp;
	memcpy(f->ep[1 - *local].addr, ra, 16);
	f->ep[1 - *local].port = rp;
	/* deterministic ISNs that differ between connections */
	h = flow_hash(family, la, lp, ra, rp);
	h = hash_bytes(h, &w->created, sizeof(w->created));
	f->ep[0].isn = h;
	f->ep[1].isn = hash_bytes(h, "s", 1);
	w->created++;
	w->nflows++;
	flow_link(w, idx);
	return f;
}

static uint32_t server_slot(uint8_t family, const uint8_t *a, uint16_t port)
{
	uint32_t h = hash_bytes(2166136261u, &family, 1);
	h = hash_bytes(h, a, 16);
	h = hash_bytes(h, &port, 2);
	return h & (SERVER_SLOTS - 1);
}

static int server_known(const struct pcapng_writer *w, uint8_t family, const uint8_t *a,
			uint16_t port)
{
	uint32_t i, n;

	if (!w->servers)
		return 0;
	for (i = server_slot(family, a, port), n = 0; n < SERVER_SLOTS;
	     n++, i = (i + 1) & (SERVER_SLOTS - 1)) {
		const struct pcapng_server *s = &w->servers[i];
		if (!s->used)
			return 0;
		if (s->family == family && s->port == port && !memcmp(s->addr, a, 16))
			return 1;
	}
	return 0;
}

static void server_add(struct pcapng_writer *w, uint8_t family, const uint8_t *a, uint16_t port)
{
	uint32_t i, n;

	if (!w->servers) {
		w->servers = calloc(SERVER_SLOTS, sizeof(*w->servers));
		if (!w->servers)
			return;
	}
	for (i = server_slot(family, a, port), n = 0; n < SERVER_SLOTS;
	     n++, i = (i + 1) & (SERVER_SLOTS - 1)) {
		struct pcapng_server *s = &w->servers[i];
		if (!s->used) {
			if (w->nservers >= PCAPNG_MAX_SERVERS)
				return;
			s->used = 1;
			s->family = family;
			s->port = port;
			memcpy(s->addr, a, 16);
			w->nservers++;
			return;
		}
		if (s->family == family && s->port == port && !memcmp(s->addr, a, 16))
			return;
	}
}

static int tuple_ok(uint8_t family, uint16_t lport, uint16_t rport)
{
	return (family == 4 || family == 6) && lport && rport;
}

static int addr_public(uint8_t family, const uint8_t *a)
{
	static const uint8_t zero[16], v6lo[16] = {[15] = 1};

	if (family == 4)
		return a[0] != 127 && memcmp(a, zero, 4) != 0;
	return memcmp(a, zero, 16) != 0 && memcmp(a, v6lo, 16) != 0;
}

/* Names a server address after the service listening on it (NRB), unless
 * it is loopback (shared by everything) or already named. */
static void name_service(struct pcapng_writer *w, uint8_t family, const uint8_t *addr, uint32_t pid,
			 const char comm[SR_COMM_LEN])
{
	char name[PCAPNG_NRB_NAME];

	if (!addr_public(family, addr))
		return;
	if (!pcapng_meta_service_name(w->meta, pid, comm, name))
		return;
	if (pcapng_meta_claim_name(w->meta, family, addr, name, 0))
		nrb_write(w, family, addr, name);
}

/* ---------- records ---------- */

static struct item item_record(const struct pcapng_writer *w, size_t enc_len)
{
	struct item it = {0};

	if (enc_len <= PCAPNG_EPB_RECORD_MAX) {
		it.kind = PCAPNG_ITEM_RECORD;
		it.c1 = w->enc;
		it.l1 = (uint32_t)enc_len;
	}
	return it;
}

static int rec_ts(const struct pcapng_writer *w, const struct sr_record *rec, uint64_t *ts)
{
	switch (rec->type) {
	case SR_REC_CAPTURE_HEADER:
		*ts = rec->hdr.start_wall_ns;
		return 1;
	case SR_REC_DATA:
		*ts = (uint64_t)wall(w, rec->data.ts_ns);
		return 1;
	case SR_REC_CONN:
		*ts = (uint64_t)wall(w, rec->conn.ts_ns);
		return 1;
	case SR_REC_PROCESS:
		*ts = (uint64_t)wall(w, rec->proc.ts_ns);
		return 1;
	case SR_REC_CONTAINER:
		*ts = (uint64_t)wall(w, rec->ctr.ts_ns);
		return 1;
	case SR_REC_LOSS:
		*ts = (uint64_t)wall(w, rec->loss.ts_ns);
		return 1;
	case SR_REC_END:
		*ts = (uint64_t)wall(w, rec->end.ts_ns);
		return 1;
	case SR_REC_PROC_EVENT:
		*ts = (uint64_t)wall(w, rec->pev.ts_ns);
		return 1;
	case SR_REC_TLS:
		*ts = (uint64_t)wall(w, rec->tls.ts_ns);
		return 1;
	default:
		return 0;
	}
}

/* The first block after the IDB must be a packet: Wireshark measures
 * relative times from the first record, and a Custom Block has no time.
 * So a stream that starts with a non-packet record (the capture header)
 * starts with a marker packet carrying that record: IPv4 127.0.0.1 ->
 * 127.0.0.1, protocol 253 (RFC 3692 experiment), payload
 * "sockrec capture start", at the capture's start time. */
static int marker(struct pcapng_writer *w, const struct sr_record *rec, size_t enc_len)
{
	static const uint8_t lo[16] = {127, 0, 0, 1};
	uint8_t ip[20] = {0};
	uint64_t ts = 0;
	struct item it = item_record(w, enc_len);
	char line[400];
	uint32_t plen = sizeof(marker_payload) - 1;

	rec_ts(w, rec, &ts);
	ip[0] = 0x45;
	put_be16(ip + 2, (uint16_t)(20 + plen));
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = IPPROTO_EXPERIMENT;
	memcpy(ip + 12, lo, 4);
	memcpy(ip + 16, lo, 4);
	put_be16(ip + 10, (uint16_t)~csum_add(0, ip, 20));
	if (rec->type == SR_REC_CAPTURE_HEADER) {
		char ver[64], host[128], kern[128];
		pcapng_text(ver, sizeof(ver), rec->hdr.tool_version.ptr, rec->hdr.tool_version.len,
			    0);
		pcapng_text(host, sizeof(host), rec->hdr.hostname.ptr, rec->hdr.hostname.len, 0);
		pcapng_text(kern, sizeof(kern), rec->hdr.kernel_release.ptr,
			    rec->hdr.kernel_release.len, 0);
		snprintf(line, sizeof(line),
			 "capture started: sockrec %s on host %s, kernel %s, snaplen %u", ver, host,
			 kern, rec->hdr.snaplen);
	} else {
		snprintf(line, sizeof(line), "capture start");
	}
	pcapng_comments_line(&w->syn, line);
	epb_write(w, ts, ip, 20, (const uint8_t *)marker_payload, plen, &w->syn, 0, &it);
	return it.kind != 0;
}

/* a record that is not a packet: a Custom Block */
static void add_custom(struct pcapng_writer *w, const struct sr_record *rec, size_t enc_len)
{
	if (!w->packets && marker(w, rec, enc_len))
		return;
	cb_write(w, w->enc, (uint32_t)enc_len);
}

static void synth_comment(struct pcapng_writer *w, const char *what)
{
	pcapng_comments_line(&w->syn, what);
}

/* SYN, SYN/ACK, ACK. carrier: the packet that carries the record
 * (0 the SYN, 1 the SYN/ACK, -1 none). */
static void handshake(struct pcapng_writer *w, struct pcapng_flow *f, uint64_t ts, int carrier,
		      const struct item *it)
{
	struct pcapng_ep *c = &f->ep[0], *s = &f->ep[1];
	struct seg g;

	synth_comment(w, "synthesized handshake (connection first seen here)");
	memset(&g, 0, sizeof(g));
	g.ts = ts;
	g.from = 0;
	g.seq = c->isn;
	g.flags = TH_SYN;
	if (carrier == 0) {
		g.cm = &w->cm;
		g.it = *it;
		g.epb_flags = PCAPNG_EPB_OUTBOUND;
	} else {
		g.cm = &w->syn;
	}
	seg_emit(w, f, &g);

	memset(&g, 0, sizeof(g));
	g.ts = ts;
	g.from = 1;
	g.seq = s->isn;
	g.ack = c->isn + 1;
	g.flags = TH_SYN | TH_ACK;
	if (carrier == 1) {
		g.cm = &w->cm;
		g.it = *it;
		g.epb_flags = PCAPNG_EPB_OUTBOUND;
	} else {
		g.cm = &w->syn;
	}
	seg_emit(w, f, &g);

	memset(&g, 0, sizeof(g));
	g.ts = ts;
	g.from = 0;
	g.seq = c->isn + 1;
	g.ack = s->isn + 1;
	g.flags = TH_ACK;
	g.cm = &w->syn;
	seg_emit(w, f, &g);
}

/* Which end of a connection first seen through a data record is the
 * client: a known listener is the server; else the larger port is the
 * client's (ephemeral ports are high). */
static int guess_local_client(const struct pcapng_writer *w, const struct sr_data *d)
{
	int ls = server_known(w, d->family, d->laddr, d->lport);
	int rs = server_known(w, d->family, d->raddr, d->rport);

	if (ls != rs)
		return rs;
	if (d->lport != d->rport)
		return d->lport > d->rport;
	return d->dir == SR_DIR_SEND;
}

/* Stream offset of the record's first byte. With tcp_seq both observers
 * share the real sequence space; without it each socket counts its own
 * bytes. *before: the bytes precede the stream's first byte. */
static uint64_t stream_start(struct pcapng_ep *e, int side, const struct sr_data *d, uint64_t len,
			     int *before)
{
	uint64_t start = e->seen[side];

	*before = 0;
	if (d->flags & SR_DATA_SEQ_VALID) {
		uint32_t real = d->tcp_seq - (uint32_t)len;
		if (e->has_seq) {
			int64_t s = (int64_t)e->seq_off + (int32_t)(real - e->seq_real);
			if (s < 0) {
				*before = 1;
				return 0;
			}
			start = (uint64_t)s;
		}
		e->has_seq = 1;
		e->seq_real = d->tcp_seq;
		e->seq_off = start + len;
	}
	if (start + len > e->seen[side])
		e->seen[side] = start + len;
	return start;
}

static const char *syscall_name(uint16_t sys)
{
	const char *n = sr_syscall_name(sys);
	return n ? n : "syscall";
}

static void add_data(struct pcapng_writer *w, const struct sr_record *rec, size_t enc_len)
{
	const struct sr_data *d = &rec->data;
	struct pcapng_flow *f;
	struct pcapng_ep *e, *r;
	int local, snd, before, stripped;
	uint32_t cap = d->payload.len, pl[1];
	uint64_t len, start, end, n0, cap_end, from, new_next, emitted = 0, missing;
	uint64_t ts;
	uint32_t dirflag;
	char line[256];
	struct seg g;
	struct item own = item_record(w, enc_len);
	int carried = 0;

	/* The ciphertext of a TLS call whose plaintext was recorded: the
	 * packets of the connection carry the plaintext (HTTP for Wireshark),
	 * so the ciphertext's record travels in a Custom Block. */
	if (!tuple_ok(d->family, d->lport, d->rport) ||
	    (d->dir != SR_DIR_SEND && d->dir != SR_DIR_RECV) || (cap && !d->payload.ptr) ||
	    (d->flags & SR_DATA_TLS_CIPHER)) {
		add_custom(w, rec, enc_len);
		return;
	}
	ts = (uint64_t)wall(w, d->ts_ns);
	f = flow_find(w, d->family, d->laddr, d->lport, d->raddr, d->rport, &local);
	if (!f) {
		f = flow_new(w, d->family, d->laddr, d->lport, d->raddr, d->rport,
			     guess_local_client(w, d), &local);
		if (!f) {
			add_custom(w, rec, enc_len);
			return;
		}
		if (local == 1)
			name_service(w, d->family, d->laddr, d->tgid, d->comm);
		handshake(w, f, ts, -1, NULL);
	}
	f->last_use = ++w->use;
	snd = d->dir == SR_DIR_SEND ? local : 1 - local;
	e = &f->ep[snd];
	r = &f->ep[1 - snd];
	len = d->bytes > cap ? d->bytes : cap;
	start = stream_start(e, d->dir == SR_DIR_SEND ? 0 : 1, d, len, &before);
	end = start + len;
	cap_end = start + cap;
	n0 = e->next;
	new_next = !before && end > n0 ? end : n0;
	from = start > n0 ? start : n0;

	snprintf(line, sizeof(line), "%s fd=%d bytes=%llu tid=%u%s%s%s", syscall_name(d->syscall),
		 d->fd, (unsigned long long)d->bytes, d->tid,
		 d->flags & SR_DATA_TRUNCATED ? " truncated" : "",
		 d->flags & SR_DATA_NO_PAYLOAD ? " no-payload" : "",
		 d->flags & SR_DATA_READ_FAULT ? " read-fault" : "");
	if (cap < len) {
		size_t k = strlen(line);
		snprintf(line + k, sizeof(line) - k, " captured=%u", cap);
	}
	if (d->flags & SR_DATA_TLS) {
		const char *lib = pcapng_meta_tls_library(w->meta, d->tgid);
		snprintf(line + strlen(line), sizeof(line) - strlen(line), " TLS plaintext (%s)",
			 lib ? lib : "TLS library");
	}
	if (before || end <= n0)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 " (bytes already shown: both ends recorded)");
	pcapng_meta_comments(w->meta, d->tgid, d->comm, line, &w->cm);
	dirflag = d->dir == SR_DIR_SEND ? PCAPNG_EPB_OUTBOUND : PCAPNG_EPB_INBOUND;

	/* the payload travels in the segments when all of it is new */
	stripped = !before && start >= n0 && cap > 0 && enc_len >= (size_t)cap + 4 &&
		   sr_le32(w->enc + enc_len - cap - 4) == cap;
	if (!before && cap_end > from) {
		uint64_t off;
		for (off = from; off < cap_end;) {
			uint64_t k = cap_end - off;
			if (k > PCAPNG_MSS)
				k = PCAPNG_MSS;
			memset(&g, 0, sizeof(g));
			g.from = snd;
			g.seq = seq_at(e, off);
			g.ack = snd_nxt(r);
			g.flags = TH_ACK | (off + k == cap_end ? TH_PSH : 0);
			g.data = d->payload.ptr + (off - start);
			g.len = (uint32_t)k;
			g.ts = ts;
			g.epb_flags = dirflag;
			g.cm = &w->cm;
			if (stripped && off == from) {
				sr_put_le32((uint8_t *)pl, cap);
				g.it.kind = PCAPNG_ITEM_DATA_HEAD;
				g.it.c1 = (const uint8_t *)pl;
				g.it.l1 = 4;
				g.it.c2 = w->enc;
				g.it.l2 = (uint32_t)(enc_len - cap);
			} else if (stripped) {
				g.it.kind = PCAPNG_ITEM_DATA_CONT;
			} else if (off == from) {
				g.it = own;
			} else if (own.kind) {
				g.it.kind = PCAPNG_ITEM_SEGMENT;
			}
			seg_emit(w, f, &g);
			emitted += k;
			off += k;
		}
		carried = stripped || own.kind;
		e->next = new_next;
		if (from > n0) {
			e->gap = 1;
			e->gap_bytes += from - n0;
		}
		if (e->gap) {
			/* Follow TCP Stream holds data after a gap until the
			 * peer acknowledges a byte of it; then it reports
			 * the gap as missing bytes and goes on. */
			char what[96];
			snprintf(what, sizeof(what),
				 "synthesized ACK: %llu bytes missing in capture",
				 (unsigned long long)e->gap_bytes);
			synth_comment(w, what);
			memset(&g, 0, sizeof(g));
			g.from = 1 - snd;
			g.seq = snd_nxt(r);
			g.ack = seq_at(e, cap_end);
			g.flags = TH_ACK;
			g.ts = ts;
			g.cm = &w->syn;
			seg_emit(w, f, &g);
			e->gap = 0;
			e->gap_bytes = 0;
		}
	} else {
		/* Nothing new to show: the observation is a bare ACK from the
		 * observing socket. A receiver acknowledges what it read. */
		e->next = new_next;
		memset(&g, 0, sizeof(g));
		g.from = local;
		g.flags = TH_ACK;
		g.ts = ts;
		g.epb_flags = dirflag;
		g.cm = &w->cm;
		g.it = own;
		if (local == snd) {
			g.seq = snd_nxt(e);
			g.ack = snd_nxt(r);
		} else {
			g.seq = snd_nxt(r);
			g.ack = !before && end < e->next ? seq_at(e, end) : snd_nxt(e);
			if (seq_lt(g.ack, r->last_ack))
				g.ack = r->last_ack;
		}
		seg_emit(w, f, &g);
		carried = own.kind != 0;
	}
	/* bytes the stream moved past without showing them (snaplen,
	 * sendfile, a lost event): the next data segment will be acknowledged
	 * by the peer right after it (above) */
	missing = new_next - (emitted ? cap_end : n0);
	if (missing) {
		e->gap = 1;
		e->gap_bytes += missing;
	}
	if (!carried)
		cb_write(w, w->enc, (uint32_t)enc_len);
}

static void fin(struct pcapng_writer *w, struct pcapng_flow *f, int x, uint64_t ts,
		const struct pcapng_comments *cm, const struct item *it)
{
	struct pcapng_ep *e = &f->ep[x], *peer = &f->ep[1 - x];
	struct seg g;

	memset(&g, 0, sizeof(g));
	g.from = x;
	g.seq = seq_at(e, e->next);
	g.ack = snd_nxt(peer);
	g.flags = TH_FIN | TH_ACK;
	g.ts = ts;
	g.cm = cm;
	if (it) {
		g.it = *it;
		g.epb_flags = PCAPNG_EPB_OUTBOUND;
	}
	seg_emit(w, f, &g);
	e->fin = 1;
	if (peer->fin) {
		/* the first closer acknowledges the second FIN */
		synth_comment(w, "synthesized ACK of FIN");
		memset(&g, 0, sizeof(g));
		g.from = 1 - x;
		g.seq = snd_nxt(peer);
		g.ack = snd_nxt(e);
		g.flags = TH_ACK;
		g.ts = ts;
		g.cm = &w->syn;
		seg_emit(w, f, &g);
	}
}

static void add_conn(struct pcapng_writer *w, const struct sr_record *rec, size_t enc_len)
{
	const struct sr_conn *c = &rec->conn;
	struct pcapng_flow *f;
	struct item own = item_record(w, enc_len);
	uint64_t ts;
	int local = 0;
	char line[160];

	if (!tuple_ok(c->family, c->lport, c->rport) || !own.kind) {
		add_custom(w, rec, enc_len);
		return;
	}
	ts = (uint64_t)wall(w, c->ts_ns);
	snprintf(line, sizeof(line), "%s fd=%d ret=%d tid=%u", syscall_name(c->syscall), c->fd,
		 c->ret, c->tid);
	pcapng_meta_comments(w->meta, c->tgid, c->comm, line, &w->cm);
	f = flow_find(w, c->family, c->laddr, c->lport, c->raddr, c->rport, &local);

	switch (c->kind) {
	case SR_CONN_CONNECT:
		server_add(w, c->family, c->raddr, c->rport);
		if (f && f->seen_connect) { /* the 4-tuple is used again */
			flow_drop(w, f);
			f = NULL;
		}
		if (f) { /* the server's accept came first */
			f->seen_connect = 1;
			f->last_use = ++w->use;
			break;
		}
		f = flow_new(w, c->family, c->laddr, c->lport, c->raddr, c->rport, 1, &local);
		if (!f)
			break;
		f->seen_connect = 1;
		f->last_use = ++w->use;
		if (c->ret < 0 && c->ret != -EINPROGRESS) {
			/* failed: the SYN alone, refused with a RST */
			struct seg g;
			memset(&g, 0, sizeof(g));
			g.from = 0;
			g.seq = f->ep[0].isn;
			g.flags = TH_SYN;
			g.ts = ts;
			g.cm = &w->cm;
			g.it = own;
			g.epb_flags = PCAPNG_EPB_OUTBOUND;
			seg_emit(w, f, &g);
			if (c->ret == -ECONNREFUSED) {
				synth_comment(w, "synthesized RST (connection refused)");
				memset(&g, 0, sizeof(g));
				g.from = 1;
				g.ack = f->ep[0].isn + 1;
				g.flags = TH_RST | TH_ACK;
				g.ts = ts;
				g.cm = &w->syn;
				seg_emit(w, f, &g);
			}
			flow_drop(w, f);
			return;
		}
		handshake(w, f, ts, 0, &own);
		return;
	case SR_CONN_ACCEPT:
		if (c->ret < 0)
			break;
		server_add(w, c->family, c->laddr, c->lport);
		name_service(w, c->family, c->laddr, c->tgid, c->comm);
		if (f && f->seen_accept) {
			flow_drop(w, f);
			f = NULL;
		}
		if (f) { /* the client's connect came first */
			f->seen_accept = 1;
			f->last_use = ++w->use;
			break;
		}
		f = flow_new(w, c->family, c->laddr, c->lport, c->raddr, c->rport, 0, &local);
		if (!f)
			break;
		f->seen_accept = 1;
		f->last_use = ++w->use;
		handshake(w, f, ts, 1, &own);
		return;
	case SR_CONN_CLOSE:
		if (!f || f->ep[local].fin)
			break;
		f->last_use = ++w->use;
		fin(w, f, local, ts, &w->cm, &own);
		return;
	default:
		break;
	}
	add_custom(w, rec, enc_len);
}

/* Names each address of a container after it (NRB) before any packet uses
 * the address. addrs: text addresses, NUL separated. */
static void name_container(struct pcapng_writer *w, const struct sr_container *c)
{
	char name[PCAPNG_NRB_NAME], raw[PCAPNG_NRB_NAME], tok[64];
	uint32_t i = 0;

	pcapng_text(raw, sizeof(raw), c->name.ptr, c->name.len, 0);
	pcapng_dns_label(name, sizeof(name), raw[0] == '/' ? raw + 1 : raw);
	if (!name[0])
		return;
	while (i < c->addrs.len) {
		uint32_t j = i;
		uint8_t a[16] = {0};
		uint8_t family = 0;

		while (j < c->addrs.len && c->addrs.ptr[j])
			j++;
		if (j - i > 0 && j - i < sizeof(tok)) {
			memcpy(tok, c->addrs.ptr + i, j - i);
			tok[j - i] = 0;
			if (inet_pton(AF_INET, tok, a) == 1) {
				family = 4;
			} else if (inet_pton(AF_INET6, tok, a) == 1) {
				static const uint8_t mapped[12] = {[10] = 0xFF, [11] = 0xFF};
				family = 6;
				if (!memcmp(a, mapped, 12)) {
					memmove(a, a + 12, 4);
					memset(a + 4, 0, 12);
					family = 4;
				}
			}
			if (family && pcapng_meta_claim_name(w->meta, family, a, name, 1))
				nrb_write(w, family, a, name);
		}
		i = j + 1;
	}
}

/* ---------- public API ---------- */

struct pcapng_writer *pcapng_writer_create(int fd, char *err, size_t err_cap)
{
	struct pcapng_writer *w = calloc(1, sizeof(*w));
	static const char appl[] = "sockrec " SOCKREC_VERSION;
	static const char ifname[] = "sockrec";
	static const char ifdesc[] = "TCP segments synthesized from socket syscalls";
	uint8_t v[16];
	size_t start;
	int rc;

	if (!w || !(w->enc = malloc(SR_MAX_RECORD)) || !(w->meta = pcapng_meta_create())) {
		if (w) {
			free(w->enc);
			free(w);
		}
		set_err(err, err_cap, "out of memory");
		return NULL;
	}
	w->fd = fd;
	w->grp.limit = PCAPNG_GROUP_LIMIT;

	/* SHB (section 4.1): byte-order magic, version 1.0, length unknown */
	start = blk_open(&w->grp, PCAPNG_SHB);
	pcapng_buf_le32(&w->grp, PCAPNG_BYTE_ORDER_MAGIC);
	pcapng_buf_le16(&w->grp, 1);
	pcapng_buf_le16(&w->grp, 0);
	pcapng_buf_le32(&w->grp, 0xFFFFFFFFu);
	pcapng_buf_le32(&w->grp, 0xFFFFFFFFu);
	opt_add(&w->grp, PCAPNG_OPT_SHB_USERAPPL, appl, sizeof(appl) - 1);
	opt_add(&w->grp, PCAPNG_OPT_END, NULL, 0);
	blk_close(&w->grp, start);

	/* IDB (section 4.2): LINKTYPE_RAW, no snaplen, nanoseconds */
	start = blk_open(&w->grp, PCAPNG_BT_IDB);
	pcapng_buf_le16(&w->grp, PCAPNG_LINKTYPE_RAW);
	pcapng_buf_le16(&w->grp, 0);
	pcapng_buf_le32(&w->grp, 0);
	opt_add(&w->grp, PCAPNG_OPT_IF_NAME, ifname, sizeof(ifname) - 1);
	opt_add(&w->grp, PCAPNG_OPT_IF_DESCRIPTION, ifdesc, sizeof(ifdesc) - 1);
	v[0] = 9;
	opt_add(&w->grp, PCAPNG_OPT_IF_TSRESOL, v, 1);
	opt_add(&w->grp, PCAPNG_OPT_END, NULL, 0);
	blk_close(&w->grp, start);

	rc = group_write(w);
	if (rc) {
		set_err(err, err_cap, w->errmsg);
		pcapng_writer_close(w, 0);
		return NULL;
	}
	return w;
}

int pcapng_writer_append(struct pcapng_writer *w, const struct sr_record *rec)
{
	size_t enc_len;

	if (w->failed)
		return w->failed;
	enc_len = sr_record_encode(rec, w->enc, SR_MAX_RECORD);
	if (!enc_len) {
		snprintf(w->errmsg, sizeof(w->errmsg),
			 "pcapng: %s record cannot be encoded (a field over its cap)",
			 sr_type_name(rec->type));
		return -EINVAL;
	}
	w->grp.len = 0;
	switch (rec->type) {
	case SR_REC_CAPTURE_HEADER:
		w->boot_to_wall = rec->hdr.boot_to_wall_ns;
		add_custom(w, rec, enc_len);
		break;
	case SR_REC_DATA:
		add_data(w, rec, enc_len);
		break;
	case SR_REC_CONN:
		add_conn(w, rec, enc_len);
		break;
	case SR_REC_PROCESS:
		pcapng_meta_process(w->meta, &rec->proc);
		add_custom(w, rec, enc_len);
		break;
	case SR_REC_TLS:
		pcapng_meta_tls(w->meta, &rec->tls);
		add_custom(w, rec, enc_len);
		break;
	case SR_REC_CONTAINER: {
		/* the marker first, so no NRB precedes the first packet */
		int carried = !w->packets && marker(w, rec, enc_len);
		pcapng_meta_container(w->meta, &rec->ctr);
		name_container(w, &rec->ctr);
		if (!carried)
			cb_write(w, w->enc, (uint32_t)enc_len);
		break;
	}
	default:
		add_custom(w, rec, enc_len);
		break;
	}
	if (group_write(w))
		return w->failed;
	w->index++;
	return 0;
}

int pcapng_writer_tick(struct pcapng_writer *w, uint64_t now_ns)
{
	(void)now_ns; /* nothing is held between appends */
	return w->failed;
}

int pcapng_writer_flush(struct pcapng_writer *w)
{
	return w->failed;
}

int pcapng_writer_close(struct pcapng_writer *w, int close_fd)
{
	int rc;

	if (!w)
		return 0;
	rc = w->failed;
	if (close_fd && close(w->fd) != 0 && !rc)
		rc = -errno;
	pcapng_buf_free(&w->grp);
	pcapng_meta_free(w->meta);
	free(w->enc);
	free(w->flows);
	free(w->buckets);
	free(w->servers);
	free(w);
	return rc;
}

uint64_t pcapng_writer_bytes(const struct pcapng_writer *w)
{
	return w->bytes;
}

/* the first failure, else the last refused record's reason, else "" */
const char *pcapng_writer_error(const struct pcapng_writer *w)
{
	return w->errmsg;
}
