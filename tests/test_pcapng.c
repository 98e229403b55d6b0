/* test_pcapng.c - the pcapng writer and reader (issue 5).
 *
 * Properties under test:
 *  - every record type round-trips through pcapng byte for byte, with
 *    maximum sizes (split payloads, records too big for an option);
 *  - a file cut at any byte gives back exactly the records whose blocks are
 *    complete (one more when the cut falls inside a record's trailing
 *    synthesized packets), then an error naming an offset;
 *  - bit flips never crash the reader;
 *  - libpcap (an independent reader) reads every packet;
 *  - the synthesized TCP is what Wireshark needs: a handshake first, per
 *    direction continuous sequence numbers in which every byte appears
 *    exactly once even when both ends recorded it (in any order, with or
 *    without tcp_seq), segments no larger than PCAPNG_MSS, FIN at close,
 *    gaps skipped and acknowledged after the next data;
 *  - comments: "PID: N" exactly on the packets carrying N's records,
 *    ptcpdump-style text, epb_flags direction;
 *  - the first block after the IDB is a packet (relative times), NRBs come
 *    before the packets that use their addresses;
 *  - a removed block, foreign blocks, write failure, invalid records.
 *
 * Extra modes: --write-sample FILE (a capture for tests/e2e/pcapng_*.sh),
 * --write-corpus DIR (seeds for tests/corpus/pcapng).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"
#include <pcap/pcap.h>

#include "archive.h"
#include "cursor.h"
#include "pcapng.h"
#include "pcapng_priv.h"
#include "record.h"

/* ---------- streams of records ---------- */

#define MAXREC 512
#define MAXARENA 4096

struct stream {
	int n;
	struct sr_record rec[MAXREC];
	struct blob enc[MAXREC]; /* each record encoded */
	uint64_t after[MAXREC];	 /* file size once the record was appended */
	struct blob file;
	void *arena[MAXARENA]; /* allocations freed with the stream */
	int narena;
};

static struct stream *stream_new(void)
{
	struct stream *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	return s;
}

static void *sarena(struct stream *s, size_t n)
{
	void *p = calloc(1, n ? n : 1);
	assert_non_null(p);
	assert_true(s->narena < MAXARENA);
	s->arena[s->narena++] = p;
	return p;
}

static void stream_free(struct stream *s)
{
	for (int i = 0; i < s->narena; i++)
		free(s->arena[i]);
	for (int i = 0; i < s->n; i++)
		free(s->enc[i].p);
	free(s->file.p);
	free(s);
}

static struct sr_bytes sbytes(struct stream *s, const void *p, size_t n)
{
	uint8_t *d = sarena(s, n);
	memcpy(d, p, n);
	return (struct sr_bytes){d, (uint32_t)n};
}

static struct sr_bytes sfill(struct stream *s, size_t n, uint32_t seed)
{
	uint8_t *d = sarena(s, n);
	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)('a' + (i * 7 + seed) % 26);
	return (struct sr_bytes){d, (uint32_t)n};
}

static struct sr_record *add(struct stream *s, uint16_t type)
{
	struct sr_record *r;
	assert_true(s->n < MAXREC);
	r = &s->rec[s->n++];
	memset(r, 0, sizeof(*r));
	r->type = type;
	return r;
}

#define T0 1000000000ull	     /* boottime of the capture start */
#define WALL0 1700000000000000000ull /* its wall-clock time */

static void add_header(struct stream *s)
{
	struct sr_record *r = add(s, SR_REC_CAPTURE_HEADER);
	r->hdr.start_wall_ns = WALL0;
	r->hdr.boot_to_wall_ns = (int64_t)(WALL0 - T0);
	r->hdr.snaplen = SR_MAX_SNAPLEN;
	r->hdr.ring_size = 1 << 24;
	r->hdr.ncpus = 2;
	r->hdr.tool_version = sr_str(SOCKREC_VERSION);
	r->hdr.hostname = sr_str("sample-host");
	r->hdr.kernel_release = sr_str("6.18.0");
	r->hdr.argv = sbytes(s, "sockrec\0--format\0pcapng", 23);
}

static void add_process(struct stream *s, uint32_t pid, const char *comm, const char *cmdline,
			size_t cmdline_len, const char *cid, const char *pname)
{
	struct sr_record *r = add(s, SR_REC_PROCESS);
	r->proc.ts_ns = T0 + 1;
	r->proc.start_ticks = pid * 10;
	r->proc.pid = pid;
	r->proc.ppid = 1;
	r->proc.comm = sr_str(comm);
	r->proc.exe = sr_str("/usr/bin/x");
	r->proc.cmdline = sbytes(s, cmdline, cmdline_len);
	r->proc.environ = sbytes(s, "PATH=/bin\0HOME=/root\0", 21);
	if (cid)
		r->proc.container_id = sr_str(cid);
	if (pname) {
		r->proc.flags |= SR_PROC_HAS_NAME | SR_PROC_HAS_PROFILE;
		r->proc.adi_profile = sr_str("1");
		r->proc.adi_profile_name = sr_str(pname);
	}
}

static void add_container(struct stream *s, const char *id, const char *name, const char *image,
			  const char *addrs, size_t addrs_len)
{
	struct sr_record *r = add(s, SR_REC_CONTAINER);
	r->ctr.ts_ns = T0 + 2;
	r->ctr.id = sr_str(id);
	r->ctr.runtime = sr_str("docker");
	r->ctr.name = sr_str(name);
	r->ctr.image = sr_str(image);
	r->ctr.labels = sbytes(s, "a=b", 4);
	r->ctr.addrs = sbytes(s, addrs, addrs_len);
	r->ctr.doc = sr_str("{\"Id\":\"x\"}");
}

struct ep {
	uint8_t family;
	const char *addr;
	uint16_t port;
};

static void parse_addr(uint8_t family, const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, text, out), 1);
}

/* a data record of process pid on socket local->remote */
static struct sr_record *add_data(struct stream *s, uint64_t ts, uint32_t pid, uint8_t dir,
				  struct ep local, struct ep remote, const void *payload,
				  uint32_t cap, uint64_t bytes, uint32_t flags, uint32_t tcp_seq)
{
	struct sr_record *r = add(s, SR_REC_DATA);
	struct sr_data *d = &r->data;
	d->ts_ns = ts;
	d->tgid = pid;
	d->tid = pid + 1;
	d->sock_id = 1000 + local.port;
	d->fd = 7;
	d->syscall = dir == SR_DIR_SEND ? SR_SYS_WRITE : SR_SYS_READ;
	d->dir = dir;
	d->family = local.family;
	parse_addr(local.family, local.addr, d->laddr);
	parse_addr(local.family, remote.addr, d->raddr);
	d->lport = local.port;
	d->rport = remote.port;
	d->flags = flags;
	d->tcp_seq = tcp_seq;
	d->bytes = bytes;
	snprintf(d->comm, sizeof(d->comm), "p%u", pid);
	if (cap)
		d->payload = sbytes(s, payload, cap);
	return r;
}

static struct sr_record *add_conn(struct stream *s, uint64_t ts, uint32_t pid, uint8_t kind,
				  struct ep local, struct ep remote, int32_t ret)
{
	struct sr_record *r = add(s, SR_REC_CONN);
	struct sr_conn *c = &r->conn;
	c->ts_ns = ts;
	c->tgid = pid;
	c->tid = pid;
	c->sock_id = 1000 + local.port;
	c->fd = 7;
	c->ret = ret;
	c->kind = kind;
	c->syscall = kind == SR_CONN_CONNECT  ? SR_SYS_CONNECT
		     : kind == SR_CONN_ACCEPT ? SR_SYS_ACCEPT4
					      : SR_SYS_CLOSE;
	c->family = local.family;
	parse_addr(local.family, local.addr, c->laddr);
	parse_addr(local.family, remote.addr, c->raddr);
	c->lport = local.port;
	c->rport = remote.port;
	snprintf(c->comm, sizeof(c->comm), "p%u", pid);
	return r;
}

static void add_end(struct stream *s, uint64_t ts)
{
	struct sr_record *r = add(s, SR_REC_END);
	r->end.ts_ns = ts;
	r->end.end_wall_ns = WALL0 + ts - T0;
	r->end.records = (uint64_t)s->n - 1;
	r->end.reason = SR_END_SIGNAL;
}

static void add_loss(struct stream *s, uint64_t ts, uint32_t ncpu)
{
	struct sr_record *r = add(s, SR_REC_LOSS);
	uint8_t *cpus = sarena(s, (size_t)ncpu * 48);
	for (uint32_t i = 0; i < ncpu; i++) {
		struct sr_loss_cpu c = {.cpu = i, .events = 100 + i, .truncated = i};
		sr_loss_cpu_put(&c, cpus + (size_t)i * 48);
	}
	r->loss.ts_ns = ts;
	r->loss.proc_errors = 1;
	r->loss.ncpu = ncpu;
	r->loss.cpus = (struct sr_bytes){cpus, ncpu * 48};
}

static void add_pev(struct stream *s, uint64_t ts, uint32_t pid, uint32_t kind)
{
	struct sr_record *r = add(s, SR_REC_PROC_EVENT);
	r->pev.ts_ns = ts;
	r->pev.pid = pid;
	r->pev.ppid = 1;
	r->pev.tid = pid;
	r->pev.kind = kind;
	r->pev.target = 1;
	strcpy(r->pev.comm, "child");
}

static struct blob encode(const struct sr_record *r)
{
	struct blob b;
	size_t n = sr_record_size(r);
	assert_true(n > 0);
	b.p = malloc(n);
	assert_non_null(b.p);
	b.len = sr_record_encode(r, b.p, n);
	assert_int_equal(b.len, n);
	return b;
}

/* writes the whole stream; s->after[i] is the file size after record i */
static void stream_write(struct stream *s)
{
	int fd = tu_memfd("pcapng-test");
	char err[256];
	struct pcapng_writer *w = pcapng_writer_create(fd, err, sizeof(err));

	assert_non_null(w);
	for (int i = 0; i < s->n; i++) {
		int rc = pcapng_writer_append(w, &s->rec[i]);
		if (rc)
			fail_msg("append %d: %s", i, pcapng_writer_error(w));
		s->enc[i] = encode(&s->rec[i]);
		s->after[i] = pcapng_writer_bytes(w);
	}
	assert_int_equal(pcapng_writer_close(w, 0), 0);
	free(s->file.p);
	s->file = tu_slurp(fd);
	assert_int_equal(s->file.len, s->after[s->n - 1]);
	close(fd);
}

/* Reads buf with our reader; checks that record i re-encodes to exactly
 * s->enc[i]. @return the reader's last result (0 or -1; -2: open failed),
 * *n records read, error text and offset. */
static int read_check(const struct stream *s, const uint8_t *buf, size_t len, int *n, char *err,
		      size_t err_cap, uint64_t *off)
{
	struct pcapng_reader *r = pcapng_reader_open_mem(buf, len, err, err_cap);
	struct sr_record rec;
	static uint8_t tmp[SR_MAX_RECORD];
	int rc;

	*n = 0;
	*off = 0;
	if (!r)
		return -2;
	while ((rc = pcapng_reader_next(r, &rec)) == 1) {
		size_t k = sr_record_encode(&rec, tmp, sizeof(tmp));
		if (*n >= s->n)
			fail_msg("record %d beyond the %d written", *n, s->n);
		if (k != s->enc[*n].len || memcmp(tmp, s->enc[*n].p, k))
			fail_msg("record %d (%s) differs from the one written (%zu vs %zu bytes)",
				 *n, sr_type_name(rec.type), k, s->enc[*n].len);
		/* the body as read is the body as written */
		if (rec.body.len != k - SR_RECORD_HDR ||
		    memcmp(rec.body.ptr, s->enc[*n].p + SR_RECORD_HDR, rec.body.len))
			fail_msg("record %d: body differs", *n);
		(*n)++;
	}
	snprintf(err, err_cap, "%s", pcapng_reader_error(r));
	*off = pcapng_reader_error_offset(r);
	pcapng_reader_free(r);
	return rc;
}

static void roundtrip(struct stream *s)
{
	char err[256];
	uint64_t off;
	int n, rc = read_check(s, s->file.p, s->file.len, &n, err, sizeof(err), &off);
	if (rc != 0 || n != s->n)
		fail_msg("read %d of %d records, rc %d: %s", n, s->n, rc, err);
}

/* ---------- an independent look at the blocks ---------- */

struct pkt {
	uint64_t off;
	uint64_t ts;
	const uint8_t *data;
	uint32_t len;
	int ncm;
	const char *cm[8];
	uint16_t cmlen[8];
	int has_flags;
	uint32_t flags;
	int kind; /* sockrec item kind, 0 none */
	const uint8_t *item;
	uint32_t item_len;
	int tgid; /* the pid of the record the packet carries, -1 none */
	/* TCP view */
	uint8_t family, tflags;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t seq, ack;
	const uint8_t *pl;
	uint32_t pllen;
	int tcp;
};

#define MAXPKT 8192

struct view {
	int npkt;
	struct pkt pkt[MAXPKT];
	int nblk;
	uint32_t blk_type[MAXPKT * 2];
	uint64_t blk_off[MAXPKT * 2];
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void parse_tcp(struct pkt *k)
{
	const uint8_t *p = k->data;
	uint32_t ipl, tot;
	if (k->len >= 20 && p[0] == 0x45 && p[9] == 6) {
		k->family = 4;
		ipl = 20;
		tot = be16(p + 2);
		memcpy(k->src, p + 12, 4);
		memcpy(k->dst, p + 16, 4);
	} else if (k->len >= 60 && p[0] >> 4 == 6 && p[6] == 6) {
		k->family = 6;
		ipl = 40;
		tot = 40 + be16(p + 4);
		memcpy(k->src, p + 8, 16);
		memcpy(k->dst, p + 24, 16);
	} else {
		return;
	}
	assert_int_equal(tot, k->len);
	k->tcp = 1;
	k->sport = be16(p + ipl);
	k->dport = be16(p + ipl + 2);
	k->seq = be32(p + ipl + 4);
	k->ack = be32(p + ipl + 8);
	k->tflags = p[ipl + 13];
	k->pl = p + ipl + (p[ipl + 12] >> 4) * 4;
	k->pllen = tot - ipl - (p[ipl + 12] >> 4) * 4;
}

/* Walks the file by the pcapng spec alone (not our reader). */
static void view_build(struct view *v, const struct blob *f)
{
	size_t off = 0;
	int last_tgid = -1;

	memset(v, 0, sizeof(*v));
	while (off + 12 <= f->len) {
		const uint8_t *b = f->p + off;
		uint32_t type = sr_le32(b), len = sr_le32(b + 4);
		assert_true(len >= 12 && off + len <= f->len && len % 4 == 0);
		assert_int_equal(sr_le32(b + len - 4), len);
		assert_true(v->nblk < MAXPKT * 2);
		v->blk_type[v->nblk] = type;
		v->blk_off[v->nblk++] = off;
		if (type == PCAPNG_BT_EPB) {
			struct pkt *k = &v->pkt[v->npkt++];
			uint32_t cap = sr_le32(b + 20);
			size_t o = 28 + ((cap + 3) & ~3u);
			assert_true(v->npkt <= MAXPKT);
			k->off = off;
			k->ts = (uint64_t)sr_le32(b + 12) << 32 | sr_le32(b + 16);
			k->data = b + 28;
			k->len = cap;
			k->tgid = -1;
			int in_chunk = 0;
			while (o + 4 <= len - 4) {
				uint16_t code = sr_le16(b + o), olen = sr_le16(b + o + 2);
				const uint8_t *val = b + o + 4;
				if (code == 0)
					break;
				if (code == 1 && k->ncm < 8) {
					k->cm[k->ncm] = (const char *)val;
					k->cmlen[k->ncm++] = olen;
				} else if (code == 2) {
					k->has_flags = 1;
					k->flags = sr_le32(val);
				} else if (code == 2989 && sr_le32(val) == PCAPNG_PEN &&
					   !memcmp(val + 4, "SRNG", 4)) {
					if (!in_chunk) {
						k->kind = val[10];
						k->item = val + 4 + 16;
						k->item_len = sr_le32(val + 16);
						/* tgid: after the record header (8)
						 * and ts (8), in data and conn */
						if (k->kind == PCAPNG_ITEM_RECORD)
							last_tgid = (int)sr_le32(k->item + 16);
						else if (k->kind == PCAPNG_ITEM_DATA_HEAD)
							last_tgid = (int)sr_le32(k->item + 4 + 16);
						k->tgid = last_tgid;
					}
					in_chunk = val[11] & PCAPNG_ITEM_MORE;
				}
				o += 4 + ((olen + 3u) & ~3u);
			}
			parse_tcp(k);
		}
		off += len;
	}
	assert_int_equal(off, f->len);
}

static int cm_has(const struct pkt *k, const char *text)
{
	for (int i = 0; i < k->ncm; i++)
		if (memmem(k->cm[i], k->cmlen[i], text, strlen(text)))
			return 1;
	return 0;
}

static int cm_is(const struct pkt *k, int i, const char *text)
{
	return i < k->ncm && k->cmlen[i] == strlen(text) && !memcmp(k->cm[i], text, k->cmlen[i]);
}

/* ---------- one connection, seen from the packets ---------- */

struct flowcheck {
	uint8_t family;
	uint8_t a[2][16]; /* [0] client, [1] server */
	uint16_t port[2];
	const uint8_t *want[2]; /* bytes each side sent, as the application did */
	size_t want_len[2];
	uint64_t gaps[2]; /* bytes each side's stream may skip */
	int expect_fin[2];
};

static void fc_init(struct flowcheck *c, struct ep client, struct ep server)
{
	memset(c, 0, sizeof(*c));
	c->family = client.family;
	parse_addr(client.family, client.addr, c->a[0]);
	parse_addr(server.family, server.addr, c->a[1]);
	c->port[0] = client.port;
	c->port[1] = server.port;
}

/* The TCP Wireshark will see for this connection: handshake first, then
 * per direction data segments that start exactly where the previous ended
 * (each byte once, never twice), gaps only as allowed, the application's
 * bytes in order, no ACK of bytes not yet sent, FIN last. */
static void fc_check(const struct flowcheck *c, const struct view *v)
{
	int step = 0, alen = c->family == 4 ? 4 : 16;
	uint32_t isn[2] = {0, 0};
	uint64_t pos[2] = {0, 0}, skipped[2] = {0, 0};
	int fin[2] = {0, 0}, data_after_gap[2] = {0, 0};

	for (int i = 0; i < v->npkt; i++) {
		const struct pkt *k = &v->pkt[i];
		int d;
		if (!k->tcp || k->family != c->family)
			continue;
		if (!memcmp(k->src, c->a[0], alen) && k->sport == c->port[0] &&
		    !memcmp(k->dst, c->a[1], alen) && k->dport == c->port[1])
			d = 0;
		else if (!memcmp(k->src, c->a[1], alen) && k->sport == c->port[1] &&
			 !memcmp(k->dst, c->a[0], alen) && k->dport == c->port[0])
			d = 1;
		else
			continue;
		if (step == 0) {
			assert_int_equal(d, 0);
			assert_int_equal(k->tflags, 0x02); /* SYN */
			isn[0] = k->seq;
			step++;
			continue;
		}
		if (step == 1) {
			assert_int_equal(d, 1);
			assert_int_equal(k->tflags, 0x12); /* SYN/ACK */
			assert_int_equal(k->ack, isn[0] + 1);
			isn[1] = k->seq;
			step++;
			continue;
		}
		if (step == 2) {
			assert_int_equal(d, 0);
			assert_int_equal(k->tflags, 0x10);
			assert_int_equal(k->seq, isn[0] + 1);
			assert_int_equal(k->ack, isn[1] + 1);
			step++;
			continue;
		}
		assert_false(k->tflags & 0x02);
		if (k->tflags & 0x10) {
			/* never acknowledges bytes the other side has not sent */
			uint32_t hi = isn[!d] + 1 + (uint32_t)(pos[!d]) + fin[!d];
			if ((int32_t)(k->ack - hi) > 0)
				fail_msg("packet %d acks %u beyond %u", i, k->ack, hi);
		}
		if (k->pllen) {
			uint64_t rel = (uint32_t)(k->seq - isn[d] - 1);
			if (fin[d])
				fail_msg("packet %d: data after FIN", i);
			if (rel < pos[d])
				fail_msg("packet %d: bytes %llu.. sent again (duplicate, dir %d)",
					 i, (unsigned long long)rel, d);
			if (rel > pos[d]) {
				skipped[d] += rel - pos[d];
				if (skipped[d] > c->gaps[d])
					fail_msg(
					    "packet %d: %llu bytes skipped, %llu allowed (dir %d)",
					    i, (unsigned long long)skipped[d],
					    (unsigned long long)c->gaps[d], d);
				data_after_gap[d] = 1;
			}
			if (rel + k->pllen > c->want_len[d] ||
			    memcmp(k->pl, c->want[d] + rel, k->pllen))
				fail_msg(
				    "packet %d: payload is not the application's bytes at %llu", i,
				    (unsigned long long)rel);
			assert_true(k->pllen <= PCAPNG_MSS);
			pos[d] = rel + k->pllen;
			if (data_after_gap[d]) {
				/* the next packet is the peer's ACK of this data */
				const struct pkt *n = i + 1 < v->npkt ? &v->pkt[i + 1] : NULL;
				if (!n || !n->tcp || n->sport != c->port[!d] ||
				    !(n->tflags & 0x10) || (int32_t)(n->ack - k->seq) <= 0)
					fail_msg(
					    "packet %d: data after a gap is not acknowledged next",
					    i);
				data_after_gap[d] = 0;
			}
		}
		if (k->tflags & 0x01) {
			assert_false(fin[d]);
			fin[d] = 1;
		}
	}
	assert_int_equal(step, 3);
	for (int d = 0; d < 2; d++) {
		if (pos[d] != c->want_len[d] && pos[d] + c->gaps[d] < c->want_len[d])
			fail_msg("direction %d: %llu of %zu bytes shown", d,
				 (unsigned long long)pos[d], c->want_len[d]);
		assert_int_equal(fin[d], c->expect_fin[d]);
	}
}

/* Every packet carrying a record of process P has "PID: P\n..." as its first
 * comment and the record's direction in epb_flags; packets carrying no
 * record (synthesized) have no PID comment. */
static void check_pid_comments(const struct view *v)
{
	for (int i = 0; i < v->npkt; i++) {
		const struct pkt *k = &v->pkt[i];
		char want[32];
		if (k->tgid < 0) {
			assert_false(cm_has(k, "PID: "));
			continue;
		}
		snprintf(want, sizeof(want), "PID: %d\n", k->tgid);
		if (k->ncm < 1 || k->cmlen[0] < strlen(want) ||
		    memcmp(k->cm[0], want, strlen(want)))
			fail_msg("packet %d carries a record of pid %d without '%s'", i, k->tgid,
				 want);
		assert_true(k->has_flags);
		assert_true(k->flags == PCAPNG_EPB_INBOUND || k->flags == PCAPNG_EPB_OUTBOUND);
	}
}

/* ---------- tests: round trip ---------- */

static const struct ep C4 = {4, "127.0.0.1", 40001}, S4 = {4, "127.0.0.1", 8080};
static const struct ep C6 = {6, "::1", 40002}, S6 = {6, "::1", 6379};

static void test_roundtrip_every_type(void **state)
{
	(void)state;
	struct stream *s = stream_new();
	static const char cmd[] = "curl\0-s\0http://127.0.0.1:8080/\0";
	static const uint8_t unknown_body[] = {1, 2, 3, 4, 5};
	const char *req = "GET / HTTP/1.1\r\n\r\n";

	add_header(s);
	add_process(s, 100, "curl", cmd, sizeof(cmd) - 1, NULL, NULL);
	add_process(s, 200, "srv", "srv", 4, "abc123", "orders");
	add_container(s, "abc123", "orders", "img:1", "172.17.0.2", 11);
	add_conn(s, T0 + 10, 100, SR_CONN_CONNECT, C4, S4, 0);
	add_conn(s, T0 + 11, 200, SR_CONN_ACCEPT, S4, C4, 9);
	add_data(s, T0 + 12, 100, SR_DIR_SEND, C4, S4, req, (uint32_t)strlen(req), strlen(req), 0,
		 0);
	add_data(s, T0 + 13, 200, SR_DIR_RECV, S4, C4, req, (uint32_t)strlen(req), strlen(req), 0,
		 0);
	/* no payload, truncated, read fault, zero bytes */
	add_data(s, T0 + 14, 200, SR_DIR_SEND, S4, C4, NULL, 0, 5000, SR_DATA_NO_PAYLOAD, 0);
	add_data(s, T0 + 15, 100, SR_DIR_RECV, C4, S4, "HTTP/1.1", 8, 5000, SR_DATA_TRUNCATED, 0);
	add_data(s, T0 + 16, 100, SR_DIR_SEND, C4, S4, NULL, 0, 10, SR_DATA_READ_FAULT, 0);
	add_data(s, T0 + 17, 100, SR_DIR_SEND, C4, S4, NULL, 0, 0, 0, 0);
	/* not a TCP/IP socket we can frame */
	{
		struct sr_record *r =
		    add_data(s, T0 + 18, 100, SR_DIR_SEND, C4, S4, "x", 1, 1, 0, 0);
		r->data.family = 0;
	}
	add_data(s, T0 + 19, 300, SR_DIR_SEND, C6, S6, "*1\r\n$4\r\nPING\r\n", 14, 14, 0, 0);
	add_conn(s, T0 + 20, 100, SR_CONN_CLOSE, C4, S4, 0);
	add_conn(s, T0 + 21, 200, SR_CONN_CLOSE, S4, C4, 0);
	add_conn(s, T0 + 22, 200, SR_CONN_CLOSE, S4, C4, 0); /* second close: no FIN */
	add_conn(s, T0 + 23, 100, SR_CONN_CONNECT, (struct ep){4, "127.0.0.1", 40009},
		 (struct ep){4, "127.0.0.1", 9}, -ECONNREFUSED);
	{
		struct sr_record *r = add_conn(s, T0 + 24, 100, SR_CONN_CLOSE, C4, S4, 0);
		r->conn.family = 0; /* unknown socket */
	}
	add_loss(s, T0 + 25, 2);
	add_pev(s, T0 + 26, 100, SR_PROC_EXIT);
	{
		struct sr_record *r = add(s, 77);
		r->body = (struct sr_bytes){unknown_body, sizeof(unknown_body)};
	}
	add_end(s, T0 + 30);
	stream_write(s);
	roundtrip(s);
	stream_free(s);
}

static void test_maximum_sizes(void **state)
{
	(void)state;
	struct stream *s = stream_new();
	struct sr_record *r;
	struct view *v = malloc(sizeof(*v));
	struct flowcheck fc;
	int segs = 0, heads = 0, conts = 0;

	add_header(s);
	r = add(s, SR_REC_PROCESS);
	r->proc.pid = 1;
	r->proc.comm = sr_str("big");
	r->proc.cmdline = sfill(s, SR_MAX_CMDLINE, 1);
	r->proc.environ = sfill(s, SR_MAX_ENVIRON, 2);
	r->proc.cgroup = sfill(s, SR_MAX_CGROUP, 3);
	r = add(s, SR_REC_CONTAINER);
	r->ctr.id = sr_str("id");
	r->ctr.doc = sfill(s, SR_MAX_DOC, 4);
	r->ctr.labels = sfill(s, 200000, 5);
	add_loss(s, T0 + 1, SR_MAX_LOSS_CPUS);
	/* the largest payload: 262144 bytes in ceil(262144 / 65483) = 5
	 * segments; then the other end's record of the same bytes (too big for
	 * an option: a custom block) */
	struct sr_bytes big = sfill(s, SR_MAX_SNAPLEN, 6);
	add_data(s, T0 + 2, 1, SR_DIR_SEND, C4, S4, big.ptr, big.len, big.len, SR_DATA_SEQ_VALID,
		 5000 + big.len);
	add_data(s, T0 + 3, 2, SR_DIR_RECV, S4, C4, big.ptr, big.len, big.len, SR_DATA_SEQ_VALID,
		 5000 + big.len);
	add_end(s, T0 + 4);
	stream_write(s);
	roundtrip(s);

	view_build(v, &s->file);
	for (int i = 0; i < v->npkt; i++) {
		if (v->pkt[i].tcp && v->pkt[i].pllen) {
			segs++;
			assert_true(v->pkt[i].pllen <= PCAPNG_MSS);
		}
		heads += v->pkt[i].kind == PCAPNG_ITEM_DATA_HEAD;
		conts += v->pkt[i].kind == PCAPNG_ITEM_DATA_CONT;
	}
	assert_int_equal(segs, 5);
	assert_int_equal(heads, 1);
	assert_int_equal(conts, 4);
	fc_init(&fc, C4, S4);
	fc.want[0] = big.ptr;
	fc.want_len[0] = big.len;
	fc_check(&fc, v);
	free(v);
	stream_free(s);
}

/* ---------- tests: both ends recorded ---------- */

/* Client and server of one connection are both recorded. order: 0 client's
 * observation of each message first, 1 the server's first; seq: tcp_seq
 * valid; chunks: the receiver reads in pieces that straddle the sender's
 * writes. Whatever the order, every byte is shown once, both observations
 * are in the file, and each packet's PID comment is its record's. */
static void both_ends(int order, int seq, int chunks)
{
	struct stream *s = stream_new();
	struct view *v = malloc(sizeof(*v));
	struct flowcheck fc;
	static char c2s[400], s2c[300];
	const uint32_t isn_c = 0xFFFFFF00u, isn_s = 77; /* real ISNs: one wraps */
	uint64_t ts = T0 + 100;
	uint32_t flag = seq ? SR_DATA_SEQ_VALID : 0;

	for (size_t i = 0; i < sizeof(c2s); i++)
		c2s[i] = (char)('A' + i % 26);
	for (size_t i = 0; i < sizeof(s2c); i++)
		s2c[i] = (char)('a' + i % 26);
	add_header(s);
	add_process(s, 11, "client", "client\0", 7, NULL, NULL);
	add_process(s, 22, "server", "server\0", 7, NULL, "api");
	add_conn(s, ts++, 11, SR_CONN_CONNECT, C4, S4, 0);
	add_conn(s, ts++, 22, SR_CONN_ACCEPT, S4, C4, 5);

	/* client writes 100 + 300 bytes; server reads 150 + 250 (chunks) or
	 * the same pieces; then the server answers 300, read as 300 or 120+180 */
	uint32_t w[2] = {100, 300}, rd[2] = {chunks ? 150 : 100, chunks ? 250 : 300};
	uint32_t wo = 0, ro = 0;
	for (int i = 0; i < 2; i++) {
		int client_first = order == 0;
		for (int k = 0; k < 2; k++) {
			if ((k == 0) == client_first) {
				add_data(s, ts++, 11, SR_DIR_SEND, C4, S4, c2s + wo, w[i], w[i],
					 flag, isn_c + 1 + wo + w[i]);
				wo += w[i];
			} else {
				add_data(s, ts++, 22, SR_DIR_RECV, S4, C4, c2s + ro, rd[i], rd[i],
					 flag, isn_c + 1 + ro + rd[i]);
				ro += rd[i];
			}
		}
	}
	uint32_t sw[1] = {300}, sr2[2] = {chunks ? 120 : 300, 180};
	if (order == 0) {
		add_data(s, ts++, 22, SR_DIR_SEND, S4, C4, s2c, sw[0], sw[0], flag,
			 isn_s + 1 + 300);
		add_data(s, ts++, 11, SR_DIR_RECV, C4, S4, s2c, sr2[0], sr2[0], flag,
			 isn_s + 1 + sr2[0]);
		if (chunks)
			add_data(s, ts++, 11, SR_DIR_RECV, C4, S4, s2c + 120, 180, 180, flag,
				 isn_s + 1 + 300);
	} else {
		add_data(s, ts++, 11, SR_DIR_RECV, C4, S4, s2c, sr2[0], sr2[0], flag,
			 isn_s + 1 + sr2[0]);
		add_data(s, ts++, 22, SR_DIR_SEND, S4, C4, s2c, sw[0], sw[0], flag,
			 isn_s + 1 + 300);
		if (chunks)
			add_data(s, ts++, 11, SR_DIR_RECV, C4, S4, s2c + 120, 180, 180, flag,
				 isn_s + 1 + 300);
	}
	add_conn(s, ts++, order ? 22 : 11, SR_CONN_CLOSE, order ? S4 : C4, order ? C4 : S4, 0);
	add_conn(s, ts++, order ? 11 : 22, SR_CONN_CLOSE, order ? C4 : S4, order ? S4 : C4, 0);
	add_end(s, ts++);
	stream_write(s);
	roundtrip(s);

	view_build(v, &s->file);
	fc_init(&fc, C4, S4);
	fc.want[0] = (const uint8_t *)c2s;
	fc.want_len[0] = sizeof(c2s);
	fc.want[1] = (const uint8_t *)s2c;
	fc.want_len[1] = sizeof(s2c);
	fc.expect_fin[0] = fc.expect_fin[1] = 1;
	fc_check(&fc, v);
	check_pid_comments(v);

	/* every data record is a packet of its own process: count them */
	int per_pid[2] = {0, 0}, recs[2] = {0, 0};
	for (int i = 0; i < v->npkt; i++) {
		int more = v->pkt[i].kind == PCAPNG_ITEM_DATA_CONT ||
			   v->pkt[i].kind == PCAPNG_ITEM_SEGMENT;
		if (cm_has(&v->pkt[i], "PID: 11\n") && !more)
			per_pid[0]++;
		if (cm_has(&v->pkt[i], "PID: 22\n") && !more)
			per_pid[1]++;
	}
	for (int i = 0; i < s->n; i++) {
		const struct sr_record *r = &s->rec[i];
		uint32_t pid = r->type == SR_REC_DATA	? r->data.tgid
			       : r->type == SR_REC_CONN ? r->conn.tgid
							: 0;
		/* the second close of a connection is a FIN too; accept of an
		 * already seen connection is a custom block */
		if (r->type == SR_REC_CONN && r->conn.kind != SR_CONN_CLOSE && i > 4)
			continue;
		if (pid == 11)
			recs[0]++;
		if (pid == 22)
			recs[1]++;
	}
	/* connect + accept: the second of them is a custom block, not a packet */
	assert_int_equal(per_pid[0] + per_pid[1], recs[0] + recs[1] - 1);
	free(v);
	stream_free(s);
}

static void test_both_ends_client_first_seq(void **state)
{
	(void)state;
	both_ends(0, 1, 0);
}

static void test_both_ends_server_first_seq(void **state)
{
	(void)state;
	both_ends(1, 1, 0);
}

static void test_both_ends_chunks_seq(void **state)
{
	(void)state;
	both_ends(0, 1, 1);
	both_ends(1, 1, 1);
}

static void test_both_ends_without_seq(void **state)
{
	(void)state;
	both_ends(0, 0, 0);
	both_ends(1, 0, 0);
	both_ends(0, 0, 1);
	both_ends(1, 0, 1);
}

/* ---------- tests: gaps ---------- */

/* The server keeps 100 of a 5000-byte request (snaplen), then reads the
 * next request whole. The stream skips 4900 bytes, and the peer's ACK right
 * after the next request's segment covers it (Follow TCP Stream then prints
 * "[4900 bytes missing in capture file]" and continues). */
static void test_truncated_gap_acknowledged(void **state)
{
	(void)state;
	struct stream *s = stream_new();
	struct view *v = malloc(sizeof(*v));
	struct flowcheck fc;
	static uint8_t want[5000 + 40];
	const char *next = "GET /after HTTP/1.1\r\n\r\n";
	size_t nl = strlen(next);

	for (size_t i = 0; i < 5000; i++)
		want[i] = (uint8_t)('0' + i % 10);
	memcpy(want + 5000, next, nl);
	add_header(s);
	add_conn(s, T0 + 1, 22, SR_CONN_ACCEPT, S4, C4, 5);
	add_data(s, T0 + 2, 22, SR_DIR_RECV, S4, C4, want, 100, 5000, SR_DATA_TRUNCATED, 0);
	add_data(s, T0 + 3, 22, SR_DIR_RECV, S4, C4, next, (uint32_t)nl, nl, 0, 0);
	add_end(s, T0 + 4);
	stream_write(s);
	roundtrip(s);
	view_build(v, &s->file);
	fc_init(&fc, C4, S4);
	fc.want[0] = want;
	fc.want_len[0] = 5000 + nl;
	fc.gaps[0] = 4900;
	fc_check(&fc, v);
	/* the synthesized ACK says how much is missing */
	int found = 0;
	for (int i = 0; i < v->npkt; i++)
		found +=
		    cm_is(&v->pkt[i], 0, "sockrec: synthesized ACK: 4900 bytes missing in capture");
	assert_int_equal(found, 1);
	free(v);
	stream_free(s);
}

/* tcp_seq shows an event was lost (a jump): the jump is a gap too */
static void test_lost_event_is_gap(void **state)
{
	(void)state;
	struct stream *s = stream_new();
	struct view *v = malloc(sizeof(*v));
	struct flowcheck fc;
	static uint8_t want[300];

	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = (uint8_t)i;
	add_header(s);
	add_data(s, T0 + 1, 11, SR_DIR_SEND, C4, S4, want, 100, 100, SR_DATA_SEQ_VALID, 1100);
	/* bytes 100..199 were never recorded */
	add_data(s, T0 + 2, 11, SR_DIR_SEND, C4, S4, want + 200, 100, 100, SR_DATA_SEQ_VALID, 1300);
	add_end(s, T0 + 3);
	stream_write(s);
	roundtrip(s);
	view_build(v, &s->file);
	fc_init(&fc, C4, S4);
	fc.want[0] = want;
	fc.want_len[0] = sizeof(want);
	fc.gaps[0] = 100;
	fc_check(&fc, v);
	free(v);
	stream_free(s);
}

/* ---------- tests: comments, flags, names, layout ---------- */

static void test_comments_ptcpdump_style(void **state)
{
	(void)state;
	struct stream *s = stream_new();
	struct view *v = malloc(sizeof(*v));
	static const char cmd[] = "curl\0-s\0http://127.0.0.1:8080/x\n\0";
	static const char cid[] =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	int client_pkts = 0, server_pkts = 0;

	add_header(s);
	add_process(s, 1234, "curl", cmd, sizeof(cmd) - 1, NULL, NULL);
	add_process(s, 99, "api", "api\0", 4, cid, "orders-api");
	add_container(s, cid, "orders", "example/orders:1.2", "172.17.0.2\0", 11);
	add_data(s, T0 + 1, 1234, SR_DIR_SEND, C4, S4, "GET", 3, 3, 0, 0);
	add_data(s, T0 + 2, 99, SR_DIR_SEND, S4, C4, "HTTP", 4, 4, 0, 0);
	add_data(s, T0 + 3, 555, SR_DIR_RECV, S4, C4, "x", 1, 1, 0, 0); /* unknown process */
	add_end(s, T0 + 4);
	stream_write(s);
	view_build(v, &s->file);
	check_pid_comments(v);
	for (int i = 0; i < v->npkt; i++) {
		const struct pkt *k = &v->pkt[i];
		if (k->tgid == 1234) {
			client_pkts++;
			/* cmdline NULs become spaces, other control bytes \xNN */
			assert_true(cm_is(k, 0,
					  "PID: 1234\nCmd: curl\nArgs: curl -s "
					  "http://127.0.0.1:8080/x\\x0a"));
			assert_true(cm_is(k, 1, "sockrec: write fd=7 bytes=3 tid=1235"));
			assert_int_equal(k->flags, PCAPNG_EPB_OUTBOUND);
			assert_int_equal(k->ts, WALL0 + 1);
		}
		if (k->tgid == 99) {
			server_pkts++;
			assert_true(cm_is(k, 0, "PID: 99\nCmd: api\nArgs: api"));
			assert_true(cm_is(k, 1,
					  "ContainerName: orders\nContainerId: 0123456789abcdef"
					  "0123456789abcdef0123456789abcdef0123456789abcdef\n"
					  "ContainerImage: example/orders:1.2"));
			assert_true(cm_is(k, 2, "ADI_PROFILE_NAME: orders-api"));
		}
		if (k->tgid == 555) {
			assert_true(cm_is(k, 0, "PID: 555\nCmd: p555"));
			assert_int_equal(k->flags, PCAPNG_EPB_INBOUND);
		}
	}
	assert_int_equal(client_pkts, 1);
	assert_int_equal(server_pkts, 1);
	free(v);
	stream_free(s);
}

/* The first block after SHB and IDB is a packet at the capture's start
 * time (Wireshark's relative times start there), not a custom block. */
static void test_first_block_is_a_packet(void **state)
{
	(void)state;
	struct stream *s = stream_new();
	struct view *v = malloc(sizeof(*v));

	add_header(s);
	add_process(s, 1, "a", "a", 1, NULL, NULL);
	add_end(s, T0 + 5);
	stream_write(s);
	roundtrip(s);
	view_build(v, &s->file);
	assert_int_equal(v->blk_type[0], PCAPNG_SHB);
	assert_int_equal(v->blk_type[1], PCAPNG_BT_IDB);
	assert_int_equal(v->blk_type[2], PCAPNG_BT_EPB);
	assert_int_equal(v->pkt[0].ts, WALL0);
	assert_int_equal(v->pkt[0].kind, PCAPNG_ITEM_RECORD); /* it carries the header */
	assert_true(cm_has(&v->pkt[0], "sockrec: capture started"));
	assert_int_equal(v->blk_type[3], PCAPNG_BT_CB);
	free(v);
	stream_free(s);
}

/* NRBs name container addresses before the first packet using them, and a
 * listening service's address (not loopback) after its ADI_PROFILE_NAME. */
static void test_name_resolution_blocks(void **state)
{
	(void)state;
	struct stream *s = stream_new();
	struct view *v = malloc(sizeof(*v));
	const struct ep cl = {4, "172.17.0.1", 40000}, ctr = {4, "172.17.0.2", 80};
	const struct ep svc = {4, "10.9.0.2", 5432}, cl2 = {4, "10.9.0.1", 41000};
	int nrb_ctr = -1, nrb_svc = -1, first_ctr_pkt = -1, first_svc_pkt = -1;

	add_header(s);
	add_process(s, 7, "postgres", "postgres\0", 9, NULL, "db");
	add_container(s, "cid", "/orders", "img", "172.17.0.2\0::ffff:172.17.0.2\0", 29);
	add_data(s, T0 + 1, 8, SR_DIR_SEND, cl, ctr, "GET", 3, 3, 0, 0);
	add_conn(s, T0 + 2, 7, SR_CONN_ACCEPT, svc, cl2, 4);
	add_end(s, T0 + 3);
	stream_write(s);
	roundtrip(s);
	view_build(v, &s->file);
	for (int b = 0, p = 0; b < v->nblk; b++) {
		const uint8_t *blk = s->file.p + v->blk_off[b];
		if (v->blk_type[b] == PCAPNG_BT_NRB) {
			uint16_t rlen = sr_le16(blk + 10);
			assert_int_equal(sr_le16(blk + 8), 1); /* IPv4 record */
			if (!memcmp(blk + 12, "\xac\x11\x00\x02", 4)) {
				assert_int_equal(nrb_ctr,
						 -1); /* the mapped form is not a second name */
				assert_int_equal(rlen, 4 + 7);
				assert_memory_equal(blk + 16, "orders", 7);
				nrb_ctr = b;
			} else if (!memcmp(blk + 12, "\x0a\x09\x00\x02", 4)) {
				assert_memory_equal(blk + 16, "db", 3);
				nrb_svc = b;
			}
		}
		if (v->blk_type[b] == PCAPNG_BT_EPB) {
			const struct pkt *k = &v->pkt[p++];
			if (k->tcp && first_ctr_pkt < 0 && !memcmp(k->dst, "\xac\x11\x00\x02", 4))
				first_ctr_pkt = b;
			if (k->tcp && first_svc_pkt < 0 && !memcmp(k->src, "\x0a\x09\x00\x02", 4))
				first_svc_pkt = b;
		}
	}
	assert_true(nrb_ctr > 0 && first_ctr_pkt > nrb_ctr);
	assert_true(nrb_svc > 0 && first_svc_pkt > nrb_svc);
	free(v);
	stream_free(s);
}

static void test_failed_connect_and_port_reuse(void **state)
{
	(void)state;
	struct stream *s = stream_new();
	struct view *v = malloc(sizeof(*v));
	const struct ep c = {4, "127.0.0.1", 45000}, sv = {4, "127.0.0.1", 9};
	int syn = 0, rst = 0;

	add_header(s);
	add_conn(s, T0 + 1, 5, SR_CONN_CONNECT, c, sv, -ECONNREFUSED);
	add_conn(s, T0 + 2, 5, SR_CONN_CONNECT, c, S4, 0);
	add_conn(s, T0 + 3, 5, SR_CONN_CONNECT, c, S4, -EINPROGRESS); /* the tuple again */
	add_end(s, T0 + 4);
	stream_write(s);
	roundtrip(s);
	view_build(v, &s->file);
	for (int i = 0; i < v->npkt; i++) {
		syn += v->pkt[i].tcp && v->pkt[i].tflags == 0x02;
		rst += v->pkt[i].tcp && (v->pkt[i].tflags & 0x04);
	}
	assert_int_equal(syn, 3); /* refused, and two connections on one tuple */
	assert_int_equal(rst, 1);
	free(v);
	stream_free(s);
}

/* libpcap 1.10 reads every packet of a written file as raw IP */
static void test_libpcap_reads_every_packet(void **state)
{
	(void)state;
	struct stream *s = stream_new();
	struct view *v = malloc(sizeof(*v));
	struct sr_bytes big = sfill(s, 150000, 9);
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	int n = 0, rc;

	add_header(s);
	add_process(s, 1, "a", "a", 1, NULL, NULL);
	add_data(s, T0 + 1, 1, SR_DIR_SEND, C4, S4, "hello", 5, 5, 0, 0);
	add_data(s, T0 + 2, 2, SR_DIR_SEND, S4, C4, big.ptr, big.len, big.len, 0, 0);
	add_data(s, T0 + 3, 3, SR_DIR_SEND, C6, S6, "ping", 4, 4, 0, 0);
	add_end(s, T0 + 4);
	stream_write(s);
	view_build(v, &s->file);

	FILE *f = fmemopen(s->file.p, s->file.len, "rb");
	assert_non_null(f);
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p)
		fail_msg("libpcap: %s", errbuf);
	assert_int_equal(pcap_datalink(p), DLT_RAW);
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		assert_true(n < v->npkt);
		assert_int_equal(h->caplen, v->pkt[n].len);
		assert_int_equal(h->len, v->pkt[n].len);
		assert_memory_equal(data, v->pkt[n].data, h->caplen);
		assert_int_equal((uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec,
				 v->pkt[n].ts);
		n++;
	}
	assert_int_equal(rc, PCAP_ERROR_BREAK); /* the end, not an error */
	assert_int_equal(n, v->npkt);
	assert_true(n > 8);
	pcap_close(p); /* closes f */
	free(v);
	stream_free(s);
}

/* A packet's timestamp is ts_ns + boot_to_wall clamped to [0, 2^63-1]
 * (FORMAT.md): a hostile ts_ns near 2^63 or 2^64 gives the largest
 * timestamp, never a wrapped one (issue 15: signed overflow, UB). */
static void test_timestamp_clamped(void **state)
{
	(void)state;
	struct stream *s = stream_new();
	struct view *v = malloc(sizeof(*v));
	int top = 0;

	add_header(s);
	add_process(s, 1, "a", "a", 1, NULL, NULL);
	add_data(s, T0 + 1, 1, SR_DIR_SEND, C4, S4, "hello", 5, 5, 0, 0);
	add_data(s, (uint64_t)INT64_MAX, 1, SR_DIR_SEND, C4, S4, "big", 3, 3, 0, 0);
	add_data(s, UINT64_MAX, 1, SR_DIR_SEND, C4, S4, "max", 3, 3, 0, 0);
	stream_write(s);
	view_build(v, &s->file);
	for (int i = 0; i < v->npkt; i++) {
		/* the marker at the start, "hello" at WALL0 + 1, the others clamped */
		assert_true(v->pkt[i].ts >= WALL0);
		assert_true(v->pkt[i].ts <= (uint64_t)INT64_MAX);
		top += v->pkt[i].ts == (uint64_t)INT64_MAX;
	}
	assert_int_equal(top, 2);
	free(v);
	stream_free(s);
}

/* ---------- tests: damage ---------- */

/* a stream with a bit of everything, small enough to cut at every byte */
static struct stream *small_stream(void)
{
	struct stream *s = stream_new();
	const char *req = "GET /a HTTP/1.1\r\n\r\n", *resp = "HTTP/1.1 200 OK\r\n\r\n";
	uint32_t rl = (uint32_t)strlen(req), pl = (uint32_t)strlen(resp);

	add_header(s);
	add_process(s, 11, "c", "c\0", 2, NULL, NULL);
	add_container(s, "id", "n", "i", "10.0.0.9", 9);
	add_conn(s, T0 + 1, 11, SR_CONN_CONNECT, C4, S4, 0);
	add_conn(s, T0 + 2, 22, SR_CONN_ACCEPT, S4, C4, 4);
	add_data(s, T0 + 3, 11, SR_DIR_SEND, C4, S4, req, rl, rl, SR_DATA_SEQ_VALID, 100 + rl);
	add_data(s, T0 + 4, 22, SR_DIR_RECV, S4, C4, req, rl, rl, SR_DATA_SEQ_VALID, 100 + rl);
	add_data(s, T0 + 5, 22, SR_DIR_SEND, S4, C4, resp, 8, 900, SR_DATA_TRUNCATED, 0);
	add_data(s, T0 + 6, 22, SR_DIR_SEND, S4, C4, resp, pl, pl, 0, 0);
	add_data(s, T0 + 7, 11, SR_DIR_RECV, C4, S4, resp, 4, 4, 0, 0);
	add_loss(s, T0 + 8, 2);
	add_pev(s, T0 + 9, 11, SR_PROC_EXEC);
	add_conn(s, T0 + 10, 11, SR_CONN_CLOSE, C4, S4, 0);
	add_end(s, T0 + 11);
	stream_write(s);
	return s;
}

static void test_cut_at_every_offset(void **state)
{
	(void)state;
	struct stream *s = small_stream();
	char err[256];
	uint64_t off;
	size_t shb_idb = 0;

	{
		struct view *v = malloc(sizeof(*v));
		view_build(v, &s->file);
		shb_idb = v->blk_off[2];
		free(v);
	}
	for (size_t cut = 0; cut <= s->file.len; cut++) {
		uint8_t *in = malloc(cut ? cut : 1); /* exact size: ASan sees overreads */
		int k = 0, n, rc;
		memcpy(in, s->file.p, cut);
		for (int i = 0; i < s->n; i++)
			if (s->after[i] <= cut)
				k = i + 1;
		rc = read_check(s, in, cut, &n, err, sizeof(err), &off);
		if (cut < 12) {
			assert_int_equal(rc, -2);
		} else if (cut == s->file.len) {
			assert_int_equal(rc, 0);
			assert_int_equal(n, s->n);
		} else {
			int boundary = cut == shb_idb;
			for (int i = 0; i < s->n; i++)
				boundary |= s->after[i] == cut;
			assert_int_equal(rc, -1);
			/* a record is back when its block is; its synthesized
			 * trailing packets may be cut */
			if (n < k || n > k + 1 || (boundary && n != k))
				fail_msg("cut at %zu: %d records, expected %d%s (%s)", cut, n, k,
					 boundary ? "" : " or one more", err);
			if (off > cut)
				fail_msg("cut at %zu: error offset %llu beyond the cut", cut,
					 (unsigned long long)off);
			char want[40];
			snprintf(want, sizeof(want), "offset %llu", (unsigned long long)off);
			if (!strstr(err, want))
				fail_msg("cut at %zu: '%s' does not name %s", cut, err, want);
		}
		free(in);
	}
	stream_free(s);
}

/* a data record split over segments, cut inside the group */
static void test_cut_inside_split_record(void **state)
{
	(void)state;
	struct stream *s = stream_new();
	struct view *v = malloc(sizeof(*v));
	struct sr_bytes big = sfill(s, 200000, 3);
	char err[256];
	uint64_t off;
	int n;

	add_header(s);
	add_data(s, T0 + 1, 1, SR_DIR_SEND, C4, S4, big.ptr, big.len, big.len, 0, 0);
	add_end(s, T0 + 2);
	stream_write(s);
	view_build(v, &s->file);
	for (int b = 2; b < v->nblk; b++) {
		size_t cuts[2] = {v->blk_off[b], v->blk_off[b] + 20};
		for (int c = 0; c < 2; c++) {
			int rc = read_check(s, s->file.p, cuts[c], &n, err, sizeof(err), &off);
			int k = 0, inside = 0;
			for (int i = 0; i < s->n; i++)
				if (s->after[i] <= cuts[c])
					k = i + 1;
			assert_int_equal(rc, -1);
			assert_int_equal(n, k);
			/* cut between two of the record's segments: the
			 * error names where the split record starts */
			for (int i = 0; i < v->npkt; i++)
				if (c == 0 && v->pkt[i].kind == PCAPNG_ITEM_DATA_HEAD &&
				    v->pkt[i].off < cuts[c] && cuts[c] < s->after[1])
					inside = 1;
			if (inside && !strstr(err, "inside data record 1 split over packets"))
				fail_msg("cut at %zu: %s", cuts[c], err);
		}
	}
	free(v);
	stream_free(s);
}

static void test_bit_flips_never_crash(void **state)
{
	(void)state;
	struct stream *s = small_stream();
	uint8_t *in = malloc(s->file.len);
	static uint8_t tmp[SR_MAX_RECORD];

	for (size_t bit = 0; bit < s->file.len * 8; bit++) {
		struct sr_record rec;
		struct pcapng_reader *r;
		int n = 0;
		memcpy(in, s->file.p, s->file.len);
		in[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		r = pcapng_reader_open_mem(in, s->file.len, NULL, 0);
		if (!r)
			continue;
		while (pcapng_reader_next(r, &rec) == 1) {
			/* what comes back is a valid record (type 0 cannot be
			 * encoded by definition: a flip there is returned as an
			 * unknown type, as the record layer decodes it) */
			if (rec.type && !sr_record_encode(&rec, tmp, sizeof(tmp)))
				fail_msg("bit %zu: record %d of type %u does not encode", bit, n,
					 rec.type);
			assert_true(++n <= s->n);
		}
		(void)pcapng_reader_error(r);
		pcapng_reader_free(r);
	}
	free(in);
	stream_free(s);
}

/* removing one block (as a filter would) is reported, not read past */
static void test_missing_block_reported(void **state)
{
	(void)state;
	struct stream *s = small_stream();
	struct view *v = malloc(sizeof(*v));
	char err[256];
	uint64_t off;
	int n, removed = 0;

	view_build(v, &s->file);
	for (int b = 2; b < v->nblk - 1 && !removed; b++) {
		if (v->blk_type[b] != PCAPNG_BT_CB)
			continue;
		size_t o = v->blk_off[b], len = v->blk_off[b + 1] - o;
		uint8_t *in = malloc(s->file.len - len);
		memcpy(in, s->file.p, o);
		memcpy(in + o, s->file.p + o + len, s->file.len - o - len);
		assert_int_equal(read_check(s, in, s->file.len - len, &n, err, sizeof(err), &off),
				 -1);
		assert_non_null(strstr(err, "was expected"));
		free(in);
		removed = 1;
	}
	assert_true(removed);
	free(v);
	stream_free(s);
}

static void put_block(uint8_t **p, uint32_t type, const void *body, uint32_t blen)
{
	uint32_t len = 12 + ((blen + 3) & ~3u);
	sr_put_le32(*p, type);
	sr_put_le32(*p + 4, len);
	memset(*p + 8, 0, len - 12);
	memcpy(*p + 8, body, blen);
	sr_put_le32(*p + len - 4, len);
	*p += len;
}

/* blocks sockrec does not write are skipped by length */
static void test_foreign_blocks_skipped(void **state)
{
	(void)state;
	struct stream *s = small_stream();
	struct view *v = malloc(sizeof(*v));
	char err[256];
	uint64_t off;
	int n;
	uint8_t *in = malloc(s->file.len + 4096), *p;
	uint8_t body[64] = {0};

	view_build(v, &s->file);
	/* after the IDB: an ISB, an unknown type, a custom block with our PEN
	 * but not our magic, a foreign PEN, and a packet without item */
	p = in;
	memcpy(p, s->file.p, v->blk_off[2]);
	p += v->blk_off[2];
	put_block(&p, 5, body, 20);
	put_block(&p, 0x12345678, body, 33);
	sr_put_le32(body, PCAPNG_PEN);
	memcpy(body + 4, "XXXX", 4);
	put_block(&p, PCAPNG_BT_CB, body, 12);
	sr_put_le32(body, 1234);
	memcpy(body + 4, "SRNG", 4);
	put_block(&p, PCAPNG_BT_CB, body, 30);
	memset(body, 0, sizeof(body));
	sr_put_le32(body + 12, 20);
	sr_put_le32(body + 16, 20);
	body[20] = 0x45;
	put_block(&p, PCAPNG_BT_EPB, body, 40);
	memcpy(p, s->file.p + v->blk_off[2], s->file.len - v->blk_off[2]);
	p += s->file.len - v->blk_off[2];
	assert_int_equal(read_check(s, in, (size_t)(p - in), &n, err, sizeof(err), &off), 0);
	assert_int_equal(n, s->n);
	free(in);
	free(v);
	stream_free(s);
}

static void test_not_pcapng_or_bad_framing(void **state)
{
	(void)state;
	struct stream *s = small_stream();
	char err[256];
	uint64_t off;
	int n;
	uint8_t *in = malloc(s->file.len);

	assert_null(pcapng_reader_open_mem("hello world!", 12, err, sizeof(err)));
	assert_non_null(strstr(err, "not a pcapng"));
	memcpy(in, s->file.p, s->file.len);
	sr_put_le32(in + 8, 0x4D3C2B1Au); /* big-endian */
	assert_null(pcapng_reader_open_mem(in, s->file.len, err, sizeof(err)));
	assert_non_null(strstr(err, "big-endian"));
	/* a length beyond the cap, a trailer that disagrees */
	memcpy(in, s->file.p, s->file.len);
	sr_put_le32(in + sr_le32(in + 4) + 4, PCAPNG_MAX_BLOCK + 4);
	assert_int_equal(read_check(s, in, s->file.len, &n, err, sizeof(err), &off), -1);
	assert_non_null(strstr(err, "exceeds the maximum"));
	assert_int_equal(off, sr_le32(s->file.p + 4));
	memcpy(in, s->file.p, s->file.len);
	in[s->file.len - 1] ^= 1;
	assert_int_equal(read_check(s, in, s->file.len, &n, err, sizeof(err), &off), -1);
	assert_non_null(strstr(err, "trailing length"));
	assert_int_equal(n, s->n - 1);
	free(in);
	stream_free(s);
}

static void test_path_reader_and_archive(void **state)
{
	(void)state;
	struct stream *s = small_stream();
	char path[] = "/tmp/test_pcapng_XXXXXX", err[256];
	int fd = mkstemp(path), n = 0, rc;
	struct sr_record rec;
	static uint8_t tmp[SR_MAX_RECORD];

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s->file.p, s->file.len), (ssize_t)s->file.len);
	close(fd);
	struct sr_archive *a = sr_archive_open_path(path, err, sizeof(err));
	if (!a)
		fail_msg("%s", err);
	assert_int_equal(sr_archive_kind(a), SR_FMT_PCAPNG);
	while ((rc = sr_archive_next(a, &rec)) == 1) {
		size_t k = sr_record_encode(&rec, tmp, sizeof(tmp));
		assert_int_equal(k, s->enc[n].len);
		assert_memory_equal(tmp, s->enc[n].p, k);
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, s->n);
	sr_archive_free(a);
	/* cut file through the path reader */
	assert_int_equal(truncate(path, (off_t)s->file.len - 3), 0);
	struct pcapng_reader *r = pcapng_reader_open_path(path, err, sizeof(err));
	assert_non_null(r);
	n = 0;
	while ((rc = pcapng_reader_next(r, &rec)) == 1)
		n++;
	assert_int_equal(rc, -1);
	assert_int_equal(n, s->n - 1);
	assert_int_equal(pcapng_reader_error_offset(r), s->after[s->n - 2]);
	pcapng_reader_free(r);
	unlink(path);
	stream_free(s);
}

/* a failed write loses only the record being written; the file stays a
 * readable (unterminated) capture */
static void test_write_failure(void **state)
{
	(void)state;
	struct stream *s = small_stream();
	int fd = tu_memfd("pcapng-test"), rc = 0, i;
	struct pcapng_writer *w = pcapng_writer_create(fd, NULL, 0);
	struct blob got;
	char err[256];
	uint64_t off;
	int n;

	assert_non_null(w);
	for (i = 0; i < 5; i++)
		assert_int_equal(pcapng_writer_append(w, &s->rec[i]), 0);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), 0);
	for (; i < s->n && !rc; i++)
		rc = pcapng_writer_append(w, &s->rec[i]);
	assert_true(rc < 0);
	assert_int_equal(pcapng_writer_append(w, &s->rec[0]), rc); /* stays failed */
	assert_true(strlen(pcapng_writer_error(w)) > 0);
	assert_int_equal(pcapng_writer_close(w, 0), rc);
	got = tu_slurp(fd);
	assert_int_equal(got.len, s->after[4]);
	assert_int_equal(read_check(s, got.p, got.len, &n, err, sizeof(err), &off), -1);
	assert_int_equal(n, 5);
	assert_non_null(strstr(err, "without an end record"));
	free(got.p);
	close(fd);
	stream_free(s);
}

static void test_invalid_record_rejected(void **state)
{
	(void)state;
	struct stream *s = stream_new();
	int fd = tu_memfd("pcapng-test");
	struct pcapng_writer *w = pcapng_writer_create(fd, NULL, 0);
	struct sr_record bad;

	add_header(s);
	add_end(s, T0 + 1);
	memset(&bad, 0, sizeof(bad));
	bad.type = SR_REC_DATA;
	bad.data.family = 4;
	bad.data.payload.len = SR_MAX_SNAPLEN + 1; /* over its cap */
	bad.data.payload.ptr = (const uint8_t *)s;
	assert_int_equal(pcapng_writer_append(w, &s->rec[0]), 0);
	s->enc[0] = encode(&s->rec[0]);
	assert_int_equal(pcapng_writer_append(w, &bad), -EINVAL);
	assert_int_equal(pcapng_writer_append(w, &s->rec[1]), 0); /* not failed */
	s->enc[1] = encode(&s->rec[1]);
	assert_int_equal(pcapng_writer_close(w, 0), 0);
	s->file = tu_slurp(fd);
	close(fd);
	roundtrip(s);
	stream_free(s);
}

/* ---------- a file built by hand from FORMAT.md alone ---------- */

struct hand {
	uint8_t buf[8192];
	size_t len;
	size_t blk; /* start of the open block */
};

static void h_put(struct hand *h, const void *p, size_t n)
{
	assert_true(h->len + n <= sizeof(h->buf));
	if (n)
		memcpy(h->buf + h->len, p, n);
	h->len += n;
}

static void h_u32(struct hand *h, uint32_t v)
{
	uint8_t b[4];
	sr_put_le32(b, v);
	h_put(h, b, 4);
}

static void h_u16(struct hand *h, uint16_t v)
{
	uint8_t b[2];
	sr_put_le16(b, v);
	h_put(h, b, 2);
}

static void h_pad(struct hand *h)
{
	static const uint8_t z[3];
	h_put(h, z, (4 - h->len % 4) % 4);
}

static void h_open(struct hand *h, uint32_t type)
{
	h->blk = h->len;
	h_u32(h, type);
	h_u32(h, 0);
}

static void h_close(struct hand *h)
{
	h_pad(h);
	uint32_t total = (uint32_t)(h->len - h->blk + 4);
	h_u32(h, total);
	sr_put_le32(h->buf + h->blk + 4, total);
}

/* the item header of FORMAT.md, "sockrec items" */
static void h_item(struct hand *h, uint8_t kind, uint8_t flags, uint32_t index, uint32_t len)
{
	h_put(h, "SRNG", 4);
	h_put(h, (uint8_t[]){1, 0, kind, flags}, 4);
	h_u32(h, index);
	h_u32(h, len);
}

static void h_opt_item(struct hand *h, uint8_t kind, uint8_t flags, uint32_t index, const void *c1,
		       uint32_t l1, const void *c2, uint32_t l2)
{
	h_u16(h, 2989);
	h_u16(h, (uint16_t)(4 + 16 + l1 + l2));
	h_u32(h, 32473);
	h_item(h, kind, flags, index, l1 + l2);
	h_put(h, c1, l1);
	h_put(h, c2, l2);
	h_pad(h);
}

/* an IPv4 + TCP packet as an EPB, the options written by the caller */
static void h_epb(struct hand *h, uint16_t sport, uint16_t dport, const char *payload)
{
	uint8_t p[64] = {0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1};
	size_t n = strlen(payload);
	p[3] = (uint8_t)(40 + n);
	p[20] = (uint8_t)(sport >> 8), p[21] = (uint8_t)sport;
	p[22] = (uint8_t)(dport >> 8), p[23] = (uint8_t)dport;
	p[32] = 5 << 4;
	p[33] = 0x18;
	memcpy(p + 40, payload, n);
	h_open(h, 6);
	h_u32(h, 0);
	h_u32(h, 0);
	h_u32(h, 1);
	h_u32(h, (uint32_t)(40 + n));
	h_u32(h, (uint32_t)(40 + n));
	h_put(h, p, 40 + n);
	h_pad(h);
}

static void test_handmade_from_spec(void **state)
{
	(void)state;
	struct stream *s = stream_new();
	struct hand *h = calloc(1, sizeof(*h));
	char err[256];
	uint64_t off;
	int n;

	add_header(s);
	add_data(s, T0 + 1, 5, SR_DIR_SEND, C4, S4, "hello world", 11, 11, 0, 0);
	add_conn(s, T0 + 2, 5, SR_CONN_CLOSE, C4, S4, 0);
	add_end(s, T0 + 3);
	for (int i = 0; i < s->n; i++)
		s->enc[i] = encode(&s->rec[i]);

	/* SHB without options, IDB link type 101 */
	h_open(h, 0x0A0D0D0A);
	h_u32(h, 0x1A2B3C4D);
	h_u16(h, 1);
	h_u16(h, 0);
	h_u32(h, 0xFFFFFFFF);
	h_u32(h, 0xFFFFFFFF);
	h_close(h);
	h_open(h, 1);
	h_u16(h, 101);
	h_u16(h, 0);
	h_u32(h, 0);
	h_close(h);
	/* record 0 in a Custom Block */
	h_open(h, 0x00000BAD);
	h_u32(h, 32473);
	h_item(h, 1, 0, 0, (uint32_t)s->enc[0].len);
	h_put(h, s->enc[0].p, s->enc[0].len);
	h_close(h);
	/* record 1: DATA_HEAD on "hello ", a synthesized ACK, DATA_CONT on "world" */
	uint8_t p11[4];
	sr_put_le32(p11, 11);
	h_epb(h, 40001, 8080, "hello ");
	h_opt_item(h, 2, 0, 1, p11, 4, s->enc[1].p, (uint32_t)s->enc[1].len - 11);
	h_u32(h, 0);
	h_close(h);
	h_epb(h, 8080, 40001, "");
	h_close(h);
	h_epb(h, 40001, 8080, "world");
	h_u16(h, 1); /* a comment first: options are looked at one by one */
	h_u16(h, 3);
	h_put(h, "abc", 3);
	h_pad(h);
	h_opt_item(h, 3, 0, 1, NULL, 0, NULL, 0);
	h_u32(h, 0);
	h_close(h);
	/* record 2 split over two options (MORE), then an NRB */
	h_epb(h, 40001, 8080, "");
	h_opt_item(h, 1, 1, 2, s->enc[2].p, 30, NULL, 0);
	h_opt_item(h, 1, 0, 2, s->enc[2].p + 30, (uint32_t)s->enc[2].len - 30, NULL, 0);
	h_u32(h, 0);
	h_close(h);
	h_open(h, 4);
	h_u16(h, 1);
	h_u16(h, 4 + 2);
	h_put(h, "\x7f\0\0\x01x", 6);
	h_pad(h);
	h_u32(h, 0);
	h_close(h);
	/* record 3 */
	h_open(h, 0x00000BAD);
	h_u32(h, 32473);
	h_item(h, 1, 0, 3, (uint32_t)s->enc[3].len);
	h_put(h, s->enc[3].p, s->enc[3].len);
	h_close(h);

	assert_int_equal(read_check(s, h->buf, h->len, &n, err, sizeof(err), &off), 0);
	assert_int_equal(n, 4);
	free(h);
	stream_free(s);
}

/* ---------- sample and corpus files ---------- */

/* A capture of a small system, for tests/e2e/pcapng_sample.sh: see the
 * comments there for what tshark must find in it. */
static struct stream *sample_stream(void)
{
	struct stream *s = stream_new();
	static const char cid[] =
	    "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";
	static const char curl_cmd[] = "curl\0-s\0http://127.0.0.1:8080/hello\0";
	static const char api_cmd[] = "/usr/local/bin/api\0--port\0008080\0";
	const struct ep c1 = {4, "127.0.0.1", 40001}, s1 = {4, "127.0.0.1", 8080};
	const struct ep c2 = {6, "::1", 40002}, s2 = {6, "::1", 6379};
	const struct ep c3 = {4, "127.0.0.1", 40003};
	const struct ep c4 = {4, "172.17.0.1", 40004}, s4 = {4, "172.17.0.2", 80};
	const char *req1 = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
	const char *resp1 = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
	const char *req2 = "GET /big HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
	const char *req3 = "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n";
	const char *req4 = "GET /after HTTP/1.1\r\nHost: x\r\n\r\n";
	const char *resp4 = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
	const char *req5 = "GET /debug/pprof/ HTTP/1.1\r\nHost: 172.17.0.2\r\n\r\n";
	const char *resp5 = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	static char big[200000 + 64];
	size_t bl;
	uint64_t ts = T0 + 1000;
	uint32_t cseq = 1000, sseq = 90000;

	/* resp2: a 200000-byte body */
	bl =
	    (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n");
	for (size_t i = 0; i < 200000; i++)
		big[bl + i] = (char)('a' + i % 26);
	bl += 200000;

	add_header(s);
	add_process(s, 1001, "curl", curl_cmd, sizeof(curl_cmd) - 1, NULL, NULL);
	add_process(s, 2002, "api", api_cmd, sizeof(api_cmd) - 1, cid, "orders-api");
	add_container(s, cid, "orders", "example/orders:1.2", "172.17.0.2", 11);

	/* stream 0: both ends recorded, tcp_seq valid, two requests */
#define L(x) ((uint32_t)strlen(x))
	add_conn(s, ts++, 1001, SR_CONN_CONNECT, c1, s1, 0);
	add_conn(s, ts++, 2002, SR_CONN_ACCEPT, s1, c1, 6);
	add_data(s, ts++, 1001, SR_DIR_SEND, c1, s1, req1, L(req1), L(req1), SR_DATA_SEQ_VALID,
		 cseq += L(req1));
	add_data(s, ts++, 2002, SR_DIR_RECV, s1, c1, req1, L(req1), L(req1), SR_DATA_SEQ_VALID,
		 cseq);
	add_data(s, ts++, 2002, SR_DIR_SEND, s1, c1, resp1, L(resp1), L(resp1), SR_DATA_SEQ_VALID,
		 sseq += L(resp1));
	add_data(s, ts++, 1001, SR_DIR_RECV, c1, s1, resp1, L(resp1), L(resp1), SR_DATA_SEQ_VALID,
		 sseq);
	/* the server's read comes first this time */
	add_data(s, ts++, 2002, SR_DIR_RECV, s1, c1, req2, L(req2), L(req2), SR_DATA_SEQ_VALID,
		 cseq + L(req2));
	add_data(s, ts++, 1001, SR_DIR_SEND, c1, s1, req2, L(req2), L(req2), SR_DATA_SEQ_VALID,
		 cseq += L(req2));
	add_data(s, ts++, 2002, SR_DIR_SEND, s1, c1, big, (uint32_t)bl, bl, SR_DATA_SEQ_VALID,
		 sseq += (uint32_t)bl);
	for (size_t o = 0; o < bl; o += 65536) {
		uint32_t k = (uint32_t)(bl - o < 65536 ? bl - o : 65536);
		add_data(s, ts++, 1001, SR_DIR_RECV, c1, s1, big + o, k, k, SR_DATA_SEQ_VALID,
			 sseq - (uint32_t)bl + (uint32_t)o + k);
	}
	add_conn(s, ts++, 1001, SR_CONN_CLOSE, c1, s1, 0);
	add_conn(s, ts++, 2002, SR_CONN_CLOSE, s1, c1, 0);

	/* stream 1: redis over IPv6, client only */
	add_data(s, ts++, 1001, SR_DIR_SEND, c2, s2, "*1\r\n$4\r\nPING\r\n", 14, 14, 0, 0);
	add_data(s, ts++, 1001, SR_DIR_RECV, c2, s2, "+PONG\r\n", 7, 7, 0, 0);

	/* stream 2: server only; it kept 100 bytes of a 5000-byte body */
	{
		static char body[5000];
		static char whole[6000];
		size_t hl = strlen(req3);
		for (size_t i = 0; i < sizeof(body); i++)
			body[i] = (char)('0' + i % 10);
		memcpy(whole, req3, hl);
		memcpy(whole + hl, body, sizeof(body));
		add_conn(s, ts++, 2002, SR_CONN_ACCEPT, s1, c3, 7);
		add_data(s, ts++, 2002, SR_DIR_RECV, s1, c3, whole, (uint32_t)hl + 100,
			 hl + sizeof(body), SR_DATA_TRUNCATED, 0);
		add_data(s, ts++, 2002, SR_DIR_RECV, s1, c3, req4, L(req4), L(req4), 0, 0);
		add_data(s, ts++, 2002, SR_DIR_SEND, s1, c3, resp4, L(resp4), L(resp4), 0, 0);
	}

	/* stream 3: into the container, server side recorded */
	add_data(s, ts++, 2002, SR_DIR_RECV, s4, c4, req5, L(req5), L(req5), 0, 0);
	add_data(s, ts++, 2002, SR_DIR_SEND, s4, c4, resp5, L(resp5), L(resp5), 0, 0);
#undef L
	add_loss(s, ts++, 2);
	add_pev(s, ts++, 1001, SR_PROC_EXIT);
	add_end(s, ts++);
	return s;
}

static void test_sample_reads_back(void **state)
{
	(void)state;
	struct stream *s = sample_stream();
	struct view *v = malloc(sizeof(*v));
	stream_write(s);
	roundtrip(s);
	view_build(v, &s->file);
	check_pid_comments(v);
	free(v);
	stream_free(s);
}

static int write_file(const char *path, const uint8_t *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, p, n) != (ssize_t)n) {
		perror(path);
		if (fd >= 0)
			close(fd);
		return 1;
	}
	return close(fd) ? 1 : 0;
}

static int write_sample(const char *path)
{
	struct stream *s = sample_stream();
	int rc;
	stream_write(s);
	rc = write_file(path, s->file.p, s->file.len);
	stream_free(s);
	return rc;
}

static int write_corpus(const char *dir)
{
	struct stream *s = small_stream();
	char path[512];
	int rc = 0;

	snprintf(path, sizeof(path), "%s/small.pcapng", dir);
	rc |= write_file(path, s->file.p, s->file.len);
	snprintf(path, sizeof(path), "%s/cut-mid-block.pcapng", dir);
	rc |= write_file(path, s->file.p, s->file.len - 37);
	snprintf(path, sizeof(path), "%s/cut-at-block.pcapng", dir);
	rc |= write_file(path, s->file.p, s->after[6]);
	s->file.p[s->after[3] + 60] ^= 0x08;
	snprintf(path, sizeof(path), "%s/flipped.pcapng", dir);
	rc |= write_file(path, s->file.p, s->file.len);
	stream_free(s);

	s = stream_new();
	{
		struct sr_bytes big = sfill(s, 70000, 1);
		add_header(s);
		add_data(s, T0 + 1, 1, SR_DIR_SEND, C4, S4, big.ptr, big.len, big.len, 0, 0);
		add_end(s, T0 + 2);
		stream_write(s);
		snprintf(path, sizeof(path), "%s/split-record.pcapng", dir);
		rc |= write_file(path, s->file.p, s->file.len);
		snprintf(path, sizeof(path), "%s/split-record-cut.pcapng", dir);
		rc |= write_file(path, s->file.p, s->after[0] + 140 + 65483);
	}
	stream_free(s);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--write-sample"))
		return write_sample(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--write-corpus"))
		return write_corpus(argv[2]);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip_every_type),
	    cmocka_unit_test(test_maximum_sizes),
	    cmocka_unit_test(test_both_ends_client_first_seq),
	    cmocka_unit_test(test_both_ends_server_first_seq),
	    cmocka_unit_test(test_both_ends_chunks_seq),
	    cmocka_unit_test(test_both_ends_without_seq),
	    cmocka_unit_test(test_truncated_gap_acknowledged),
	    cmocka_unit_test(test_lost_event_is_gap),
	    cmocka_unit_test(test_comments_ptcpdump_style),
	    cmocka_unit_test(test_first_block_is_a_packet),
	    cmocka_unit_test(test_name_resolution_blocks),
	    cmocka_unit_test(test_failed_connect_and_port_reuse),
	    cmocka_unit_test(test_libpcap_reads_every_packet),
	    cmocka_unit_test(test_timestamp_clamped),
	    cmocka_unit_test(test_cut_at_every_offset),
	    cmocka_unit_test(test_cut_inside_split_record),
	    cmocka_unit_test(test_bit_flips_never_crash),
	    cmocka_unit_test(test_missing_block_reported),
	    cmocka_unit_test(test_foreign_blocks_skipped),
	    cmocka_unit_test(test_not_pcapng_or_bad_framing),
	    cmocka_unit_test(test_path_reader_and_archive),
	    cmocka_unit_test(test_write_failure),
	    cmocka_unit_test(test_invalid_record_rejected),
	    cmocka_unit_test(test_handmade_from_spec),
	    cmocka_unit_test(test_sample_reads_back),
	};
	return cmocka_run_group_tests_name("pcapng", tests, NULL, NULL);
}
