/* pcapng_read.c - the pcapng reader: a sockrec pcapng back to the exact
 * record stream (format/FORMAT.md, "The .pcapng container").
 *
 * Blocks are framed before anything inside is read: minimum length,
 * multiple of 4, at most PCAPNG_MAX_BLOCK, trailer equal to header. Then
 * only sockrec items are interpreted: Custom Blocks and custom options with
 * PEN 32473 and the item magic; every other block (NRB, ISB, foreign
 * packets, unknown types) is skipped by its length. Each item's record
 * index must be the next one, so a filtered or damaged file is reported
 * rather than read as a different stream.
 *
 * Outcomes: 1 record; 0 clean end (input ends after complete blocks and an
 * end record was read); -1 otherwise, with a message and the file offset of
 * the block concerned. Records of all complete blocks before the problem
 * have been returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"
#include "pcapng.h"
#include "pcapng_priv.h"

#define PCAPNG_MAX_IFACES 256 /* interfaces per section we remember */

struct pcapng_reader {
	/* input: a caller's buffer, or a file read block by block */
	const uint8_t *mem;
	size_t mem_len;
	int fd;
	uint8_t *blk; /* file mode: the current block */
	uint64_t off; /* offset of the next block */

	/* the current block */
	const uint8_t *b;
	uint32_t blen;
	uint64_t boff;
	size_t opt;	    /* EPB: offset of the next option; 0 = no EPB open */
	const uint8_t *pkt; /* EPB: the packet */
	uint32_t pkt_len;
	uint32_t if_id;
	int pkt_used; /* the packet's payload went to a data record */

	/* section */
	int have_shb;
	uint32_t nif;
	uint16_t linktype[PCAPNG_MAX_IFACES];

	/* stream */
	uint32_t index; /* index of the next record */
	uint64_t records;
	int seen_end;

	/* a data record whose payload spans packets */
	int grp_open;
	uint32_t grp_index;
	uint32_t grp_need; /* payload bytes still to come */
	uint32_t grp_len;  /* bytes in grp */
	uint64_t grp_off;
	uint8_t *grp; /* SR_MAX_RECORD bytes */

	/* an item split over several options of one EPB */
	int chunk_open;
	uint8_t chunk_kind;
	uint32_t chunk_index;
	uint32_t chunk_len;
	uint8_t *chunk; /* PCAPNG_EPB_RECORD_MAX + 4 bytes, on first use */

	int failed;
	char err[256];
	uint64_t err_off;
};

static void set_err(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (!err || !cap)
		return;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
}

static int fail(struct pcapng_reader *r, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct pcapng_reader *r, uint64_t off, const char *fmt, ...)
{
	va_list ap;

	if (!r->failed) {
		r->failed = 1;
		r->err_off = off;
		va_start(ap, fmt);
		vsnprintf(r->err, sizeof(r->err), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ---------- opening ---------- */

static struct pcapng_reader *reader_new(char *err, size_t err_cap)
{
	struct pcapng_reader *r = calloc(1, sizeof(*r));

	if (!r || !(r->grp = malloc(SR_MAX_RECORD))) {
		free(r);
		set_err(err, err_cap, "out of memory");
		return NULL;
	}
	r->fd = -1;
	return r;
}

/* The file must start with an SHB: its type and byte-order magic. */
static int check_start(const uint8_t *p, size_t n, char *err, size_t err_cap, const char *name)
{
	if (n < 12 || sr_le32(p) != PCAPNG_SHB) {
		set_err(err, err_cap, "%s%snot a pcapng file", name ? name : "", name ? ": " : "");
		return -1;
	}
	if (sr_le32(p + 8) == 0x4D3C2B1Au) {
		set_err(err, err_cap,
			"%s%sbig-endian pcapng is not supported (sockrec writes "
			"little-endian)",
			name ? name : "", name ? ": " : "");
		return -1;
	}
	if (sr_le32(p + 8) != PCAPNG_BYTE_ORDER_MAGIC) {
		set_err(err, err_cap, "%s%snot a pcapng file (bad byte-order magic)",
			name ? name : "", name ? ": " : "");
		return -1;
	}
	return 0;
}

struct pcapng_reader *pcapng_reader_open_mem(const void *buf, size_t len, char *err, size_t err_cap)
{
	struct pcapng_reader *r;

	if (check_start(buf, len, err, err_cap, NULL))
		return NULL;
	r = reader_new(err, err_cap);
	if (!r)
		return NULL;
	r->mem = buf;
	r->mem_len = len;
	return r;
}

struct pcapng_reader *pcapng_reader_open_path(const char *path, char *err, size_t err_cap)
{
	struct pcapng_reader *r;
	uint8_t head[12];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		set_err(err, err_cap, "%s: %s", path, strerror(errno));
		return NULL;
	}
	n = pread(fd, head, sizeof(head), 0);
	if (n < 0) {
		set_err(err, err_cap, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (check_start(head, (size_t)n, err, err_cap, path)) {
		close(fd);
		return NULL;
	}
	r = reader_new(err, err_cap);
	if (!r || !(r->blk = malloc(PCAPNG_MAX_BLOCK))) {
		if (r)
			set_err(err, err_cap, "out of memory");
		pcapng_reader_free(r);
		close(fd);
		return NULL;
	}
	r->fd = fd;
	return r;
}

void pcapng_reader_free(struct pcapng_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->blk);
	free(r->grp);
	free(r->chunk);
	free(r);
}

const char *pcapng_reader_error(const struct pcapng_reader *r)
{
	return r->failed ? r->err : "";
}

uint64_t pcapng_reader_error_offset(const struct pcapng_reader *r)
{
	return r->err_off;
}

/* ---------- blocks ---------- */

static int read_full(int fd, uint8_t *p, size_t n, size_t *got)
{
	*got = 0;
	while (*got < n) {
		ssize_t k = read(fd, p + *got, n - *got);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		*got += (size_t)k;
	}
	return 0;
}

/* Loads the block at r->off into r->b / r->blen.
 * @return 1 block, 0 end of input exactly at a block boundary, -1 error */
static int next_block(struct pcapng_reader *r)
{
	uint8_t hdr[12];
	const uint8_t *h;
	uint32_t type, len;
	size_t avail;

	if (r->mem) {
		if (r->off >= r->mem_len)
			return 0;
		avail = r->mem_len - (size_t)r->off;
		h = r->mem + r->off;
	} else {
		int rc = read_full(r->fd, hdr, sizeof(hdr), &avail);
		if (rc)
			return fail(r, r->off, "read: %s", strerror(-rc));
		if (!avail)
			return 0;
		h = hdr;
	}
	if (avail < 12)
		return fail(r, r->off, "file ends inside the block header at offset %llu (cut)",
			    (unsigned long long)r->off);
	type = sr_le32(h);
	len = sr_le32(h + 4);
	if (type == PCAPNG_SHB && sr_le32(h + 8) != PCAPNG_BYTE_ORDER_MAGIC)
		return fail(r, r->off,
			    "section header at offset %llu: byte-order magic 0x%08x "
			    "(only little-endian pcapng is supported)",
			    (unsigned long long)r->off, sr_le32(h + 8));
	if (len < 12 || len % 4)
		return fail(r, r->off, "block at offset %llu: invalid length %u",
			    (unsigned long long)r->off, len);
	if (len > PCAPNG_MAX_BLOCK)
		return fail(r, r->off, "block at offset %llu: length %u exceeds the maximum %u",
			    (unsigned long long)r->off, len, PCAPNG_MAX_BLOCK);
	if (r->mem) {
		if (avail < len)
			return fail(
			    r, r->off,
			    "file ends inside the block at offset %llu (%zu of %u bytes; cut)",
			    (unsigned long long)r->off, avail, len);
		r->b = h;
	} else {
		size_t got;
		int rc;
		memcpy(r->blk, hdr, 12);
		rc = read_full(r->fd, r->blk + 12, len - 12, &got);
		if (rc)
			return fail(r, r->off, "read: %s", strerror(-rc));
		if (got < len - 12)
			return fail(
			    r, r->off,
			    "file ends inside the block at offset %llu (%zu of %u bytes; cut)",
			    (unsigned long long)r->off, got + 12, len);
		r->b = r->blk;
	}
	if (sr_le32(r->b + len - 4) != len)
		return fail(r, r->off, "block at offset %llu: trailing length %u differs from %u",
			    (unsigned long long)r->off, sr_le32(r->b + len - 4), len);
	r->blen = len;
	r->boff = r->off;
	r->off += len;
	return 1;
}

/* ---------- items ---------- */

struct item {
	uint8_t minor;
	uint8_t kind;
	uint8_t flags;
	uint32_t index;
	const uint8_t *c;
	uint32_t clen;
};

/* Parses a custom block's or option's data after the PEN.
 * @return 1 a sockrec item, 0 not ours (another user of the PEN), -1 error */
static int item_parse(struct pcapng_reader *r, const uint8_t *p, size_t n, struct item *it)
{
	struct cur c = cur_make(p, n);
	const uint8_t *magic;
	uint8_t major;

	if (cur_get_span(&c, &magic, 4) || memcmp(magic, PCAPNG_ITEM_MAGIC, 4))
		return 0;
	if (cur_get_u8(&c, &major) || cur_get_u8(&c, &it->minor) || cur_get_u8(&c, &it->kind) ||
	    cur_get_u8(&c, &it->flags) || cur_get_le32(&c, &it->index) ||
	    cur_get_le32(&c, &it->clen))
		return fail(r, r->boff, "block at offset %llu: sockrec item header cut short",
			    (unsigned long long)r->boff);
	if (major != PCAPNG_ITEM_MAJOR)
		return fail(r, r->boff,
			    "block at offset %llu: sockrec item version %u.%u "
			    "(this reader knows %u.x)",
			    (unsigned long long)r->boff, major, it->minor, PCAPNG_ITEM_MAJOR);
	if (cur_get_span(&c, &it->c, it->clen))
		return fail(r, r->boff,
			    "block at offset %llu: sockrec item of %u bytes "
			    "overruns its block",
			    (unsigned long long)r->boff, it->clen);
	return 1;
}

static int check_index(struct pcapng_reader *r, uint32_t index)
{
	if (index != r->index)
		return fail(r, r->boff,
			    "block at offset %llu: record %u where record %u was "
			    "expected (records missing or reordered: the file was filtered or "
			    "edited)",
			    (unsigned long long)r->boff, index, r->index);
	return 0;
}

/* Decodes exactly one record from p..p+n into rec. @return 1 or -1 */
static int decode_exact(struct pcapng_reader *r, const uint8_t *p, size_t n, struct sr_record *rec,
			uint64_t off)
{
	char why[160] = "";
	long k = sr_record_decode(p, n, rec, why, sizeof(why));

	if (k < 0)
		return fail(r, off, "block at offset %llu: record %u: %s", (unsigned long long)off,
			    r->index, why);
	if (k == 0 || (size_t)k != n)
		return fail(r, off,
			    "block at offset %llu: record %u: %zu bytes do not hold "
			    "exactly one record",
			    (unsigned long long)off, r->index, n);
	r->index++;
	r->records++;
	if (rec->type == SR_REC_END)
		r->seen_end = 1;
	return 1;
}

/* The TCP payload of the current EPB's packet (IPv4/IPv6 + TCP, as the
 * writer synthesizes it). @return 0 or -1 */
static int tcp_payload(struct pcapng_reader *r, const uint8_t **pl, uint32_t *plen)
{
	const uint8_t *p = r->pkt;
	uint32_t n = r->pkt_len, ipl, tot, doff;

	if (r->if_id >= r->nif || r->linktype[r->if_id] != PCAPNG_LINKTYPE_RAW)
		return fail(r, r->boff, "packet at offset %llu: interface %u is not raw IP",
			    (unsigned long long)r->boff, r->if_id);
	if (n >= 20 && p[0] >> 4 == 4) {
		ipl = (uint32_t)(p[0] & 15) * 4;
		tot = sr_be16(p + 2);
		if (ipl < 20 || tot < ipl || tot > n || p[9] != 6)
			goto bad;
	} else if (n >= 40 && p[0] >> 4 == 6) {
		ipl = 40;
		tot = 40 + (uint32_t)sr_be16(p + 4);
		if (tot > n || p[6] != 6)
			goto bad;
	} else {
		goto bad;
	}
	if (tot - ipl < 20)
		goto bad;
	doff = (uint32_t)(p[ipl + 12] >> 4) * 4;
	if (doff < 20 || doff > tot - ipl)
		goto bad;
	*pl = p + ipl + doff;
	*plen = tot - ipl - doff;
	return 0;
bad:
	return fail(r, r->boff,
		    "packet at offset %llu: not the IP/TCP packet its sockrec item "
		    "describes",
		    (unsigned long long)r->boff);
}

/* the payload of a record must not come from a packet an editor cut */
static int epb_whole(struct pcapng_reader *r)
{
	if (sr_le32(r->b + 20) != sr_le32(r->b + 24))
		return fail(r, r->boff,
			    "packet at offset %llu was truncated (captured %u of %u "
			    "bytes): an editor cut the packets",
			    (unsigned long long)r->boff, sr_le32(r->b + 20), sr_le32(r->b + 24));
	return 0;
}

/* Appends this packet's payload to the open data record; returns the
 * record when complete. @return 1 record, 0 more packets needed, -1 */
static int grp_take(struct pcapng_reader *r, struct sr_record *rec)
{
	const uint8_t *pl = NULL;
	uint32_t plen = 0;

	if (r->pkt_used)
		return fail(r, r->boff, "packet at offset %llu: two sockrec data items",
			    (unsigned long long)r->boff);
	r->pkt_used = 1;
	if (epb_whole(r) || tcp_payload(r, &pl, &plen))
		return -1;
	if (plen == 0 || plen > r->grp_need)
		return fail(r, r->boff,
			    "packet at offset %llu: %u payload bytes where record %u "
			    "needs %u more",
			    (unsigned long long)r->boff, plen, r->grp_index, r->grp_need);
	memcpy(r->grp + r->grp_len, pl, plen);
	r->grp_len += plen;
	r->grp_need -= plen;
	if (r->grp_need)
		return 0;
	r->grp_open = 0;
	if (decode_exact(r, r->grp, r->grp_len, rec, r->grp_off) != 1)
		return -1;
	if (rec->type != SR_REC_DATA)
		return fail(r, r->grp_off,
			    "block at offset %llu: record %u split over packets "
			    "is not a data record",
			    (unsigned long long)r->grp_off, rec->type);
	return 1;
}

/* @return 1 record, 0 item consumed without a record yet, -1 error */
static int item_take(struct pcapng_reader *r, const struct item *it, int in_epb,
		     struct sr_record *rec)
{
	switch (it->kind) {
	case PCAPNG_ITEM_RECORD:
		if (r->grp_open)
			break;
		if (check_index(r, it->index))
			return -1;
		return decode_exact(r, it->c, it->clen, rec, r->boff);
	case PCAPNG_ITEM_DATA_HEAD: {
		uint32_t need, head;
		if (!in_epb || r->grp_open)
			break;
		if (check_index(r, it->index))
			return -1;
		if (it->clen < 4 + SR_RECORD_HDR)
			return fail(r, r->boff, "block at offset %llu: data item too short",
				    (unsigned long long)r->boff);
		need = sr_le32(it->c);
		head = it->clen - 4;
		if (!need || need > SR_MAX_SNAPLEN || head > SR_MAX_RECORD - need)
			return fail(r, r->boff,
				    "block at offset %llu: data item claims %u payload "
				    "bytes",
				    (unsigned long long)r->boff, need);
		memcpy(r->grp, it->c + 4, head);
		r->grp_len = head;
		r->grp_need = need;
		r->grp_index = it->index;
		r->grp_off = r->boff;
		r->grp_open = 1;
		return grp_take(r, rec);
	}
	case PCAPNG_ITEM_DATA_CONT:
		if (!in_epb || !r->grp_open || it->index != r->grp_index)
			break;
		return grp_take(r, rec);
	case PCAPNG_ITEM_SEGMENT:
		if (!in_epb || r->grp_open)
			break;
		if (!r->records || it->index != r->index - 1)
			return fail(r, r->boff,
				    "packet at offset %llu: segment of record %u after "
				    "record %u",
				    (unsigned long long)r->boff, it->index, r->index - 1);
		return 0;
	default:
		if (it->minor > PCAPNG_ITEM_MINOR)
			return 0; /* a kind from a newer minor version: skipped */
		return fail(r, r->boff, "block at offset %llu: unknown sockrec item kind %u",
			    (unsigned long long)r->boff, it->kind);
	}
	if (r->grp_open)
		return fail(r, r->grp_off,
			    "block at offset %llu: data record %u split over "
			    "packets is interrupted at offset %llu",
			    (unsigned long long)r->grp_off, r->grp_index,
			    (unsigned long long)r->boff);
	return fail(r, r->boff, "block at offset %llu: sockrec item kind %u out of place",
		    (unsigned long long)r->boff, it->kind);
}

/* Collects an item split over consecutive options. @return 1 when *it is
 * now the whole item, 0 when more chunks must follow, -1 error */
static int chunk_add(struct pcapng_reader *r, struct item *it)
{
	if (!r->chunk) {
		r->chunk = malloc(PCAPNG_EPB_RECORD_MAX + 4);
		if (!r->chunk)
			return fail(r, r->boff, "out of memory");
	}
	if (!r->chunk_open) {
		r->chunk_open = 1;
		r->chunk_kind = it->kind;
		r->chunk_index = it->index;
		r->chunk_len = 0;
	} else if (it->kind != r->chunk_kind || it->index != r->chunk_index) {
		return fail(r, r->boff, "packet at offset %llu: sockrec item %u is cut by item %u",
			    (unsigned long long)r->boff, r->chunk_index, it->index);
	}
	if (it->clen > PCAPNG_EPB_RECORD_MAX + 4 - r->chunk_len)
		return fail(r, r->boff, "packet at offset %llu: sockrec item larger than %u bytes",
			    (unsigned long long)r->boff, PCAPNG_EPB_RECORD_MAX + 4);
	memcpy(r->chunk + r->chunk_len, it->c, it->clen);
	r->chunk_len += it->clen;
	if (it->flags & PCAPNG_ITEM_MORE)
		return 0;
	r->chunk_open = 0;
	it->c = r->chunk;
	it->clen = r->chunk_len;
	return 1;
}

/* Walks the options of the current EPB from r->opt. @return 1 record,
 * 0 options exhausted, -1 error */
static int epb_items(struct pcapng_reader *r, struct sr_record *rec)
{
	size_t end = r->blen - 4;

	while (r->opt && r->opt + 4 <= end) {
		uint16_t code = sr_le16(r->b + r->opt), olen = sr_le16(r->b + r->opt + 2);
		size_t val = r->opt + 4, next = val + (((size_t)olen + 3) & ~(size_t)3);
		struct item it;
		int rc;

		if (code == PCAPNG_OPT_END)
			break;
		if (next > end)
			return fail(r, r->boff,
				    "packet at offset %llu: option %u overruns the block",
				    (unsigned long long)r->boff, code);
		r->opt = next;
		if ((code != PCAPNG_OPT_CUSTOM_BIN && code != PCAPNG_OPT_CUSTOM_BIN_NOCOPY) ||
		    olen < 4 || sr_le32(r->b + val) != PCAPNG_PEN)
			continue;
		rc = item_parse(r, r->b + val + 4, olen - 4u, &it);
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		if (r->chunk_open || (it.flags & PCAPNG_ITEM_MORE)) {
			rc = chunk_add(r, &it);
			if (rc <= 0)
				return rc; /* error, or more chunks to come */
		}
		rc = item_take(r, &it, 1, rec);
		if (rc)
			return rc;
	}
	r->opt = 0;
	if (r->chunk_open)
		return fail(r, r->boff,
			    "packet at offset %llu: sockrec item continues past its "
			    "packet",
			    (unsigned long long)r->boff);
	return 0;
}

static int on_shb(struct pcapng_reader *r)
{
	struct cur c = cur_make(r->b + 8, r->blen - 12);
	uint32_t bom;
	uint16_t major, minor;

	if (cur_get_le32(&c, &bom) || cur_get_le16(&c, &major) || cur_get_le16(&c, &minor) ||
	    cur_skip(&c, 8))
		return fail(r, r->boff, "section header at offset %llu is too short",
			    (unsigned long long)r->boff);
	if (major != 1)
		return fail(r, r->boff,
			    "section header at offset %llu: pcapng version %u.%u "
			    "(only 1.x is supported)",
			    (unsigned long long)r->boff, major, minor);
	if (r->grp_open)
		return fail(r, r->grp_off,
			    "block at offset %llu: data record %u split over "
			    "packets is interrupted by a new section",
			    (unsigned long long)r->grp_off, r->grp_index);
	r->have_shb = 1;
	r->nif = 0;
	return 0;
}

static int on_idb(struct pcapng_reader *r)
{
	if (r->blen < 20)
		return fail(r, r->boff, "interface block at offset %llu is too short",
			    (unsigned long long)r->boff);
	if (r->nif < PCAPNG_MAX_IFACES)
		r->linktype[r->nif] = sr_le16(r->b + 8);
	r->nif++;
	return 0;
}

static int on_epb(struct pcapng_reader *r)
{
	uint32_t caplen, origlen;
	size_t padded;

	if (r->blen < 32)
		return fail(r, r->boff, "packet block at offset %llu is too short",
			    (unsigned long long)r->boff);
	r->if_id = sr_le32(r->b + 8);
	caplen = sr_le32(r->b + 20);
	origlen = sr_le32(r->b + 24);
	padded = ((size_t)caplen + 3) & ~(size_t)3;
	if (padded > r->blen - 32)
		return fail(r, r->boff,
			    "packet block at offset %llu: captured length %u "
			    "overruns the block",
			    (unsigned long long)r->boff, caplen);
	r->pkt = r->b + 28;
	r->pkt_len = caplen;
	r->pkt_used = 0;
	r->opt = 28 + padded;
	if (r->opt + 4 > r->blen - 4)
		r->opt = 0; /* no options */
	(void)origlen;
	return 0;
}

int pcapng_reader_next(struct pcapng_reader *r, struct sr_record *rec)
{
	for (;;) {
		int rc;

		if (r->failed)
			return -1;
		if (r->opt) {
			rc = epb_items(r, rec);
			if (rc)
				return rc;
			/* a packet that continues an open data record must
			 * carry its item: an unmarked packet in between is
			 * synthesized (an ACK) and allowed */
			continue;
		}
		rc = next_block(r);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (r->grp_open)
				return fail(r, r->grp_off,
					    "file ends inside data record %u split over "
					    "packets starting at offset %llu (cut)",
					    r->grp_index, (unsigned long long)r->grp_off);
			if (!r->records)
				return fail(r, r->off,
					    "no sockrec records in this pcapng up to "
					    "offset %llu (not written by sockrec, or cut)",
					    (unsigned long long)r->off);
			if (!r->seen_end)
				return fail(r, r->off,
					    "capture ends without an end record at "
					    "offset %llu (cut, or still being written)",
					    (unsigned long long)r->off);
			return 0;
		}
		if (!r->have_shb && sr_le32(r->b) != PCAPNG_SHB)
			return fail(r, r->boff, "not a pcapng file: no section header");
		switch (sr_le32(r->b)) {
		case PCAPNG_SHB:
			if (on_shb(r))
				return -1;
			break;
		case PCAPNG_BT_IDB:
			if (on_idb(r))
				return -1;
			break;
		case PCAPNG_BT_EPB:
			if (on_epb(r))
				return -1;
			break; /* its options are walked at the top of the loop */
		case PCAPNG_BT_CB:
		case PCAPNG_BT_DCB: {
			struct item it;
			if (r->blen < 16 || sr_le32(r->b + 8) != PCAPNG_PEN)
				break;
			rc = item_parse(r, r->b + 12, r->blen - 16, &it);
			if (rc < 0)
				return -1;
			if (rc == 0)
				break;
			if (it.flags & PCAPNG_ITEM_MORE)
				return fail(r, r->boff,
					    "custom block at offset %llu: item flagged "
					    "as continued",
					    (unsigned long long)r->boff);
			rc = item_take(r, &it, 0, rec);
			if (rc)
				return rc;
			break;
		}
		default:
			break; /* NRB, ISB, DSB, foreign blocks: skipped by length */
		}
	}
}
