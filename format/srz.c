/* srz.c - the .srz container (FORMAT.md, "The .srz container").
 *
 *   file   := file_header block*
 *   file_header := skippable frame 0x184D2A50, 20-byte payload
 *   block  := skippable frame 0x184D2A51 (28-byte block header)
 *             zstd frame (content size + checksum) of whole records
 *
 * The reader never trusts a length: every size is checked against its cap
 * and against what the zstd frame itself says before a byte is allocated
 * or decompressed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "crc32.h"
#include "cursor.h"
#include "fdio.h"
#include "srz.h"
#include "srz_compact.h"

static const uint8_t file_magic[8] = {'s', 'o', 'c', 'k', 'r', 'e', 'c', 0};

static void set_err(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;
	if (!err || !cap)
		return;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ======================= writer ======================= */

struct srz_writer {
	int fd;
	int level;
	int failed;   /* -errno of the first failure; 0 while healthy */
	uint32_t seq; /* next block's sequence number */
	uint8_t *raw; /* open block, SRZ_BLOCK_TARGET bytes */
	size_t raw_len;
	uint32_t nrec;
	uint64_t opened_ns; /* when the open block got its first record */
	uint8_t *out;	    /* block header + compressed frame */
	size_t out_cap;
	ZSTD_CCtx *cctx;
	uint64_t bytes; /* file bytes written (complete blocks) */
	uint64_t records;
	struct srzc_table *ctx; /* the open block's data contexts; NULL: full records */
	char errmsg[160];
};

static void put_skippable(uint8_t *p, uint32_t magic, uint32_t len)
{
	sr_put_le32(p, magic);
	sr_put_le32(p + 4, len);
}

/* A failed write may have left part of a block: cut the file back to the
 * last complete block, so readers see a clean (unterminated) archive. */
static int writer_fail(struct srz_writer *w, int e, const char *what)
{
	if (!w->failed) {
		w->failed = e;
		snprintf(w->errmsg, sizeof(w->errmsg), "%s: %s", what, strerror(-e));
		if (ftruncate(w->fd, (off_t)w->bytes) != 0) {
			/* nothing more to do: readers stop at the torn block */
		}
	}
	return w->failed;
}

struct srz_writer *srz_writer_create(int fd, const struct srz_writer_opts *opts, char *err,
				     size_t err_cap)
{
	struct srz_writer *w = calloc(1, sizeof(*w));
	uint8_t hdr[SRZ_FILE_HDR_LEN];
	int rc;

	if (!w) {
		set_err(err, err_cap, "out of memory");
		return NULL;
	}
	w->fd = fd;
	w->level = opts && opts->level ? opts->level : SRZ_DEFAULT_LEVEL;
	w->raw = malloc(SRZ_BLOCK_TARGET);
	w->out_cap = SRZ_BLOCK_HDR_LEN + ZSTD_compressBound(SRZ_BLOCK_TARGET);
	w->out = malloc(w->out_cap);
	w->cctx = ZSTD_createCCtx();
	if (!(opts && opts->full_records)) {
		w->ctx = malloc(sizeof(*w->ctx));
		if (w->ctx)
			srzc_reset(w->ctx);
	}
	if (!w->raw || !w->out || !w->cctx || (!(opts && opts->full_records) && !w->ctx)) {
		set_err(err, err_cap, "out of memory");
		goto fail;
	}
	if (ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, w->level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1))) {
		set_err(err, err_cap, "zstd: cannot set level %d", w->level);
		goto fail;
	}

	put_skippable(hdr, SRZ_FILE_MAGIC, SRZ_FILE_HDR_LEN - 8);
	memcpy(hdr + 8, file_magic, 8);
	/* without compact records the archive is a 1.2 one: 1.x readers read it */
	sr_put_le16(hdr + 16, w->ctx ? SR_FORMAT_MAJOR : 1);
	sr_put_le16(hdr + 18, w->ctx ? SR_FORMAT_MINOR : SRZ_FULL_RECORDS_MINOR);
	sr_put_le32(hdr + 20, 0);
	sr_put_le32(hdr + 24, sr_crc32(0, hdr + 8, 16));
	rc = sr_write_all(fd, hdr, sizeof(hdr));
	if (rc) {
		set_err(err, err_cap, "cannot write the archive header: %s", strerror(-rc));
		goto fail;
	}
	w->bytes = sizeof(hdr);
	return w;
fail:
	free(w->ctx);
	ZSTD_freeCCtx(w->cctx);
	free(w->out);
	free(w->raw);
	free(w);
	return NULL;
}

int srz_writer_flush(struct srz_writer *w)
{
	size_t clen;
	uint8_t *h;
	int rc;

	if (w->failed)
		return w->failed;
	if (!w->nrec)
		return 0;
	clen = ZSTD_compress2(w->cctx, w->out + SRZ_BLOCK_HDR_LEN, w->out_cap - SRZ_BLOCK_HDR_LEN,
			      w->raw, w->raw_len);
	if (ZSTD_isError(clen)) {
		snprintf(w->errmsg, sizeof(w->errmsg), "zstd: %s", ZSTD_getErrorName(clen));
		w->failed = -EIO;
		return w->failed;
	}
	h = w->out;
	put_skippable(h, SRZ_BLOCK_MAGIC, SRZ_BLOCK_HDR_LEN - 8);
	sr_put_le32(h + 8, w->seq);
	sr_put_le32(h + 12, (uint32_t)clen);
	sr_put_le32(h + 16, (uint32_t)w->raw_len);
	sr_put_le32(h + 20, w->nrec);
	sr_put_le32(h + 24, 0); /* flags */
	sr_put_le32(h + 28, sr_crc32(0, w->out + SRZ_BLOCK_HDR_LEN, clen));
	sr_put_le32(h + 32, sr_crc32(0, h + 8, 24));
	rc = sr_write_all(w->fd, w->out, SRZ_BLOCK_HDR_LEN + clen);
	if (rc)
		return writer_fail(w, rc, "cannot write block");
	w->bytes += SRZ_BLOCK_HDR_LEN + clen;
	w->seq++;
	w->raw_len = 0;
	w->nrec = 0;
	if (w->ctx)
		srzc_reset(w->ctx); /* contexts are block-local */
	return 0;
}

/* A data record as a compact record (and its context when new).
 * @return 0 appended, 1 not compact (append it whole), or -errno */
static int append_compact(struct srz_writer *w, const struct sr_data *d)
{
	uint32_t n = 0;
	long k = srzc_encode(w->ctx, d, w->raw + w->raw_len, SRZ_BLOCK_TARGET - w->raw_len, &n);

	if (k == 0 && w->nrec) {
		/* no room: the next block gets it, with its context again */
		int rc = srz_writer_flush(w);
		if (rc)
			return rc;
		k = srzc_encode(w->ctx, d, w->raw, SRZ_BLOCK_TARGET, &n);
	}
	if (k <= 0)
		return 1;
	if (!w->nrec)
		w->opened_ns = mono_ns();
	w->raw_len += (size_t)k;
	w->nrec += n;
	w->records++;
	return 0;
}

int srz_writer_append(struct srz_writer *w, const struct sr_record *rec)
{
	size_t need = sr_record_size(rec);
	int rc;

	if (w->failed)
		return w->failed;
	if (!need)
		return -EINVAL;
	if (w->ctx && rec->type == SR_REC_DATA) {
		rc = append_compact(w, &rec->data);
		if (rc <= 0)
			return rc;
	}
	if (w->raw_len + need > SRZ_BLOCK_TARGET) {
		rc = srz_writer_flush(w);
		if (rc)
			return rc;
	}
	if (!w->nrec)
		w->opened_ns = mono_ns();
	if (sr_record_encode(rec, w->raw + w->raw_len, SRZ_BLOCK_TARGET - w->raw_len) != need)
		return -EINVAL;
	w->raw_len += need;
	w->nrec++;
	w->records++;
	return 0;
}

int srz_writer_tick(struct srz_writer *w, uint64_t now_ns)
{
	if (w->failed)
		return w->failed;
	if (w->nrec && now_ns - w->opened_ns >= SRZ_BLOCK_MAX_AGE_NS)
		return srz_writer_flush(w);
	return 0;
}

int srz_writer_close(struct srz_writer *w, int close_fd)
{
	int rc;

	if (!w)
		return 0;
	rc = srz_writer_flush(w);
	if (close_fd && close(w->fd) != 0 && !rc)
		rc = -errno;
	free(w->ctx);
	ZSTD_freeCCtx(w->cctx);
	free(w->out);
	free(w->raw);
	free(w);
	return rc;
}

uint64_t srz_writer_bytes(const struct srz_writer *w)
{
	return w->bytes;
}

uint64_t srz_writer_records(const struct srz_writer *w)
{
	return w->records;
}

const char *srz_writer_error(const struct srz_writer *w)
{
	return w->failed ? w->errmsg : "";
}

/* ======================= reader ======================= */

struct srz_reader {
	/* input: either a memory buffer or a file descriptor */
	const uint8_t *mem;
	size_t mem_len;
	int fd;	      /* -1 for memory input */
	uint64_t pos; /* input offset of the next unread byte */

	uint8_t *cbuf; /* compressed block (file input only) */
	uint8_t *raw;  /* decompressed block */
	size_t raw_len;
	size_t raw_pos;
	uint32_t raw_nrec;
	uint32_t raw_seen;
	uint64_t block_off; /* offset of the current block's header */
	uint32_t seq;	    /* expected next block sequence number */
	int seen_end;
	int state;	   /* 0 ok, 1 clean end, -1 error */
	uint64_t good_off; /* offset just past the last complete block */
	uint64_t err_off;
	ZSTD_DCtx *dctx;
	struct srzc_table *ctx; /* the current block's data contexts */
	char errmsg[256];
};

static int reader_error(struct srz_reader *r, uint64_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	r->state = -1;
	r->err_off = off;
	n = snprintf(r->errmsg, sizeof(r->errmsg), "offset %llu: ", (unsigned long long)off);
	va_start(ap, fmt);
	vsnprintf(r->errmsg + n, sizeof(r->errmsg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Reads up to n bytes at the current position. Memory input returns a
 * pointer into the buffer; file input copies into dst.
 * @return bytes available (< n at end of input), or -1 on an I/O error. */
static long src_read(struct srz_reader *r, uint8_t *dst, size_t n, const uint8_t **out)
{
	if (r->fd < 0) {
		size_t left = r->pos < r->mem_len ? r->mem_len - (size_t)r->pos : 0;
		size_t k = n < left ? n : left;
		*out = r->mem + r->pos;
		r->pos += k;
		return (long)k;
	}
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(r->fd, dst + got, n - got);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	r->pos += got;
	*out = dst;
	return (long)got;
}

static struct srz_reader *reader_new(void)
{
	struct srz_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->fd = -1;
	r->raw = malloc(SRZ_MAX_BLOCK_RAW);
	r->dctx = ZSTD_createDCtx();
	r->ctx = malloc(sizeof(*r->ctx));
	if (!r->raw || !r->dctx || !r->ctx) {
		srz_reader_free(r);
		return NULL;
	}
	return r;
}

static int read_file_header(struct srz_reader *r, char *err, size_t err_cap)
{
	uint8_t buf[SRZ_FILE_HDR_LEN];
	const uint8_t *h;
	long n = src_read(r, buf, sizeof(buf), &h);
	uint16_t major;

	if (n < 0) {
		set_err(err, err_cap, "cannot read: %s", strerror(errno));
		return -1;
	}
	if (n < 4 || sr_le32(h) != SRZ_FILE_MAGIC) {
		set_err(err, err_cap, "not an .srz archive (bad magic at offset 0)");
		return -1;
	}
	if (n < (long)sizeof(buf)) {
		set_err(err, err_cap, "offset %ld: archive cut inside its %u-byte file header", n,
			SRZ_FILE_HDR_LEN);
		return -1;
	}
	if (sr_le32(h + 4) != SRZ_FILE_HDR_LEN - 8 || memcmp(h + 8, file_magic, 8) != 0) {
		set_err(err, err_cap, "not an .srz archive (bad file header at offset 0)");
		return -1;
	}
	if (sr_le32(h + 24) != sr_crc32(0, h + 8, 16)) {
		set_err(err, err_cap, "offset 24: file header checksum mismatch");
		return -1;
	}
	major = sr_le16(h + 16);
	if (major < 1 || major > SR_FORMAT_MAJOR) {
		set_err(err, err_cap,
			"archive format %u.%u is not readable by this version (reads 1.x to %u.x)",
			major, sr_le16(h + 18), SR_FORMAT_MAJOR);
		return -1;
	}
	r->good_off = r->pos;
	return 0;
}

struct srz_reader *srz_reader_open_mem(const void *buf, size_t len, char *err, size_t err_cap)
{
	struct srz_reader *r = reader_new();

	if (!r) {
		set_err(err, err_cap, "out of memory");
		return NULL;
	}
	r->mem = buf;
	r->mem_len = len;
	if (read_file_header(r, err, err_cap)) {
		srz_reader_free(r);
		return NULL;
	}
	return r;
}

struct srz_reader *srz_reader_open_path(const char *path, char *err, size_t err_cap)
{
	struct srz_reader *r = reader_new();

	if (!r) {
		set_err(err, err_cap, "out of memory");
		return NULL;
	}
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		set_err(err, err_cap, "%s: %s", path, strerror(errno));
		srz_reader_free(r);
		return NULL;
	}
	r->cbuf = malloc(SRZ_MAX_BLOCK_COMPRESSED);
	if (!r->cbuf) {
		set_err(err, err_cap, "out of memory");
		srz_reader_free(r);
		return NULL;
	}
	if (read_file_header(r, err, err_cap)) {
		srz_reader_free(r);
		return NULL;
	}
	return r;
}

/* Loads the next block into r->raw. @return 1 loaded, 0 clean end, -1 error */
static int load_block(struct srz_reader *r)
{
	uint8_t hbuf[SRZ_BLOCK_HDR_LEN];
	const uint8_t *h, *frame;
	uint64_t off = r->pos;
	long n;

	for (;;) {
		off = r->pos;
		n = src_read(r, hbuf, 8, &h);
		if (n < 0)
			return reader_error(r, off, "read error: %s", strerror(errno));
		if (n == 0) {
			if (r->seen_end) {
				r->state = 1;
				return 0;
			}
			return reader_error(
			    r, off,
			    "archive ends without an end record (capture interrupted "
			    "or file cut); %u complete blocks read",
			    r->seq);
		}
		if (n < 8)
			return reader_error(r, off, "archive cut inside a block header");
		uint32_t magic = sr_le32(h), flen = sr_le32(h + 4);
		if (magic == SRZ_BLOCK_MAGIC)
			break;
		if ((magic & 0xFFFFFFF0u) == 0x184D2A50u) {
			/* another skippable frame (a newer writer's index, ...): skip it */
			uint64_t end = off + 8 + flen;
			if (r->fd < 0) {
				if (end > r->mem_len)
					return reader_error(
					    r, off, "archive cut inside a %u-byte skippable frame",
					    flen);
				r->pos = end;
			} else {
				off_t size = lseek(r->fd, 0, SEEK_END);
				if (size < 0 || (uint64_t)size < end ||
				    lseek(r->fd, (off_t)end, SEEK_SET) < 0)
					return reader_error(
					    r, off, "archive cut inside a %u-byte skippable frame",
					    flen);
				r->pos = end;
			}
			r->good_off = r->pos;
			continue;
		}
		return reader_error(r, off, "not a block (magic 0x%08x)", magic);
	}

	/* block header payload */
	if (sr_le32(h + 4) != SRZ_BLOCK_HDR_LEN - 8)
		return reader_error(r, off, "block header of unexpected size %u", sr_le32(h + 4));
	if (r->fd >= 0) {
		/* src_read copied into hbuf[0..8); read the rest behind it */
		n = src_read(r, hbuf + 8, SRZ_BLOCK_HDR_LEN - 8, &h);
		h = hbuf;
	} else {
		const uint8_t *rest;
		n = src_read(r, NULL, SRZ_BLOCK_HDR_LEN - 8, &rest);
		h = rest - 8;
	}
	if (n < 0)
		return reader_error(r, off, "read error: %s", strerror(errno));
	if (n < (long)(SRZ_BLOCK_HDR_LEN - 8))
		return reader_error(r, off, "archive cut inside a block header");
	if (sr_le32(h + 32) != sr_crc32(0, h + 8, 24))
		return reader_error(r, off, "block header checksum mismatch (damaged)");

	uint32_t seq = sr_le32(h + 8), clen = sr_le32(h + 12), rlen = sr_le32(h + 16),
		 nrec = sr_le32(h + 20);
	if (seq != r->seq)
		return reader_error(r, off, "block %u found where block %u was expected", seq,
				    r->seq);
	if (clen == 0 || clen > SRZ_MAX_BLOCK_COMPRESSED)
		return reader_error(r, off, "block claims %u compressed bytes (limit %u)", clen,
				    SRZ_MAX_BLOCK_COMPRESSED);
	if (rlen == 0 || rlen > SRZ_MAX_BLOCK_RAW)
		return reader_error(r, off, "block claims %u bytes of records (limit %u)", rlen,
				    SRZ_MAX_BLOCK_RAW);
	if (nrec == 0 || nrec > rlen / SR_RECORD_HDR)
		return reader_error(r, off, "block claims %u records in %u bytes", nrec, rlen);

	n = src_read(r, r->cbuf, clen, &frame);
	if (n < 0)
		return reader_error(r, off, "read error: %s", strerror(errno));
	if ((size_t)n < clen)
		return reader_error(
		    r, off, "archive cut inside block %u (%u of %u compressed bytes present)", seq,
		    (unsigned)n, clen);

	if (sr_crc32(0, frame, clen) != sr_le32(h + 28))
		return reader_error(r, off, "block %u: compressed data checksum mismatch (damaged)",
				    seq);
	unsigned long long fcs = ZSTD_getFrameContentSize(frame, clen);
	if (fcs != rlen)
		return reader_error(
		    r, off, "block %u: zstd frame header does not match the block header", seq);
	if (ZSTD_findFrameCompressedSize(frame, clen) != clen)
		return reader_error(
		    r, off, "block %u: zstd frame length does not match the block header", seq);
	size_t got = ZSTD_decompressDCtx(r->dctx, r->raw, SRZ_MAX_BLOCK_RAW, frame, clen);
	if (ZSTD_isError(got))
		return reader_error(r, off, "block %u: %s", seq, ZSTD_getErrorName(got));
	if (got != rlen)
		return reader_error(r, off, "block %u: decompressed to %zu bytes, header says %u",
				    seq, got, rlen);

	r->block_off = off;
	srzc_reset(r->ctx); /* contexts are block-local */
	r->raw_len = rlen;
	r->raw_pos = 0;
	r->raw_nrec = nrec;
	r->raw_seen = 0;
	r->seq++;
	return 1;
}

/* Decodes the record at raw_pos; a compact record comes back as the data
 * record it stands for, a context record is kept in r->ctx (*is_ctx set,
 * rec not filled). @return as sr_record_decode() */
static long decode_at(struct srz_reader *r, struct sr_record *rec, int *is_ctx, char *why,
		      size_t why_cap)
{
	const uint8_t *p = r->raw + r->raw_pos;
	size_t left = r->raw_len - r->raw_pos;
	uint32_t len;
	uint16_t type;

	*is_ctx = 0;
	if (left < SR_RECORD_HDR)
		return 0;
	len = sr_le32(p);
	type = sr_le16(p + 4);
	if (type != SR_REC_DATA_CTX && type != SR_REC_DATA_COMPACT)
		return sr_record_decode(p, left, rec, why, why_cap);
	if (len > left - SR_RECORD_HDR)
		return 0;
	if (type == SR_REC_DATA_CTX) {
		*is_ctx = 1;
		if (srzc_decode_ctx(r->ctx, p + SR_RECORD_HDR, len, why, why_cap))
			return -1;
		return (long)(SR_RECORD_HDR + len);
	}
	memset(rec, 0, sizeof(*rec));
	rec->type = SR_REC_DATA;
	rec->rflags = sr_le16(p + 6);
	rec->compact = 1;
	rec->body.ptr = p + SR_RECORD_HDR;
	rec->body.len = len;
	if (srzc_decode_data(r->ctx, p + SR_RECORD_HDR, len, &rec->data, why, why_cap))
		return -1;
	return (long)(SR_RECORD_HDR + len);
}

int srz_reader_next(struct srz_reader *r, struct sr_record *rec)
{
	char why[160];
	int is_ctx;
	long n;

	do {
		if (r->state == 1)
			return 0;
		if (r->state < 0)
			return -1;
		while (r->raw_pos >= r->raw_len) {
			if (r->raw_len && r->raw_seen != r->raw_nrec)
				return reader_error(r, r->block_off,
						    "block %u holds %u records, header says %u",
						    r->seq - 1, r->raw_seen, r->raw_nrec);
			if (r->raw_len)
				r->good_off = r->pos;
			r->raw_len = r->raw_pos = 0;
			int rc = load_block(r);
			if (rc <= 0)
				return rc;
		}
		why[0] = '\0';
		n = decode_at(r, rec, &is_ctx, why, sizeof(why));
		if (n <= 0)
			return reader_error(r, r->block_off, "block %u, record %u: %s", r->seq - 1,
					    r->raw_seen,
					    n == 0 ? "record runs past the end of its block" : why);
		r->raw_pos += (size_t)n;
		r->raw_seen++;
	} while (is_ctx);
	if (rec->type == SR_REC_END)
		r->seen_end = 1;
	return 1;
}

const char *srz_reader_error(const struct srz_reader *r)
{
	return r->state < 0 ? r->errmsg : "";
}

uint64_t srz_reader_error_offset(const struct srz_reader *r)
{
	return r->err_off;
}

uint64_t srz_reader_offset(const struct srz_reader *r)
{
	return r->good_off;
}

void srz_reader_free(struct srz_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	ZSTD_freeDCtx(r->dctx);
	free(r->ctx);
	free(r->cbuf);
	free(r->raw);
	free(r);
}
