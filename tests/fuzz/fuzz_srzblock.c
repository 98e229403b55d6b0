/* fuzz_srzblock.c - the record decoding of .srz blocks, past the CRCs:
 * the input is the raw (decompressed) records of a block, which this
 * harness frames as a valid format 2.0 archive (CRCs, zstd frame, record
 * count) so that every byte reaches the decoders of compact data and data
 * context records rather than a checksum mismatch. The first input byte
 * b splits the rest into two blocks after its first b records (0: one
 * block), so that records of one refer to contexts of the other. Nothing
 * may crash or read out of bounds; a data record expanded from a compact
 * record must re-encode whole and decode back to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "archive.h"
#include "crc32.h"
#include "cursor.h"
#include "record.h"
#include "srz.h"

/* bytes of the first n records of raw (all of it when it has fewer) */
static size_t records_len(const uint8_t *raw, size_t len, unsigned n)
{
	size_t off = 0;

	while (n-- && len - off >= SR_RECORD_HDR && sr_le32(raw + off) <= len - off - SR_RECORD_HDR)
		off += SR_RECORD_HDR + sr_le32(raw + off);
	return off;
}

/* records a reader would walk in raw (a last, partial one counts) */
static uint32_t count_records(const uint8_t *raw, size_t len)
{
	uint32_t n = 0;
	size_t off = 0;

	while (off < len) {
		n++;
		if (len - off < SR_RECORD_HDR || sr_le32(raw + off) > len - off - SR_RECORD_HDR)
			break;
		off += SR_RECORD_HDR + sr_le32(raw + off);
	}
	return n ? n : 1;
}

static size_t put_block(uint8_t *dst, size_t cap, uint32_t seq, const uint8_t *raw, size_t len)
{
	size_t clen = ZSTD_compress(dst + SRZ_BLOCK_HDR_LEN, cap - SRZ_BLOCK_HDR_LEN, raw, len, 1);

	if (ZSTD_isError(clen))
		return 0;
	sr_put_le32(dst, SRZ_BLOCK_MAGIC);
	sr_put_le32(dst + 4, SRZ_BLOCK_HDR_LEN - 8);
	sr_put_le32(dst + 8, seq);
	sr_put_le32(dst + 12, (uint32_t)clen);
	sr_put_le32(dst + 16, (uint32_t)len);
	sr_put_le32(dst + 20, count_records(raw, len));
	sr_put_le32(dst + 24, 0);
	sr_put_le32(dst + 28, sr_crc32(0, dst + SRZ_BLOCK_HDR_LEN, clen));
	sr_put_le32(dst + 32, sr_crc32(0, dst + 8, 24));
	return SRZ_BLOCK_HDR_LEN + clen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[SR_MAX_RECORD], again[SR_MAX_RECORD];
	size_t split, cap, len, k;
	uint8_t *file;
	struct sr_archive *a;
	struct sr_record rec;

	if (size < 1 + SR_RECORD_HDR || size > SRZ_MAX_BLOCK_RAW)
		return 0;
	split = records_len(data + 1, size - 1, data[0]);
	data++, size--;
	cap = SRZ_FILE_HDR_LEN + 2 * (SRZ_BLOCK_HDR_LEN + ZSTD_compressBound(size));
	file = malloc(cap);
	if (!file)
		return 0;
	sr_put_le32(file, SRZ_FILE_MAGIC);
	sr_put_le32(file + 4, SRZ_FILE_HDR_LEN - 8);
	memcpy(file + 8, "sockrec", 8);
	sr_put_le16(file + 16, SR_FORMAT_MAJOR);
	sr_put_le16(file + 18, SR_FORMAT_MINOR);
	sr_put_le32(file + 20, 0);
	sr_put_le32(file + 24, sr_crc32(0, file + 8, 16));
	len = SRZ_FILE_HDR_LEN;
	/* one block when the split leaves either part empty */
	if (split == 0 || split == size) {
		k = put_block(file + len, cap - len, 0, data, size);
		len += k;
	} else {
		k = put_block(file + len, cap - len, 0, data, split);
		len += k;
		if (k)
			len += put_block(file + len, cap - len, 1, data + split, size - split);
	}
	a = sr_archive_open_mem(file, len, NULL, 0);
	if (a) {
		unsigned guard = 0;
		while (sr_archive_next(a, &rec) == 1 && guard++ < 1000000) {
			size_t n = sr_record_encode(&rec, buf, sizeof(buf));
			struct sr_record full;
			if (!rec.compact)
				continue;
			if (rec.type != SR_REC_DATA || !n ||
			    sr_record_decode(buf, n, &full, NULL, 0) != (long)n ||
			    sr_record_encode(&full, again, sizeof(again)) != n || memcmp(buf, again, n))
				abort();
		}
		(void)sr_archive_error(a);
		sr_archive_free(a);
	}
	free(file);
	return 0;
}
