/* fuzz_pcapng.c - the pcapng reader and writer on arbitrary bytes.
 *
 * 1. The bytes as a pcapng file: the reader must never crash, read out of
 *    bounds, or loop forever, whatever the blocks claim; every record it
 *    returns is valid (a known type re-encodes, no longer than its body);
 *    an error always has a message.
 * 2. The same bytes as a raw record stream (what `zstd -dc x.srz` prints;
 *    `convert` feeds a hostile archive's records to the writer): the
 *    writer must take any valid record, and the reader must give back
 *    exactly the records written, byte for byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pcapng.h"
#include "record.h"

#define MAX_RECORDS 4096

static void read_any(const uint8_t *data, size_t size)
{
	static uint8_t buf[SR_MAX_RECORD];
	struct pcapng_reader *r = pcapng_reader_open_mem(data, size, NULL, 0);
	struct sr_record rec;
	unsigned guard = 0;
	int rc;

	if (!r)
		return;
	while ((rc = pcapng_reader_next(r, &rec)) == 1 && guard++ < 10000000) {
		size_t n = sr_record_encode(&rec, buf, sizeof(buf));
		if (rec.type >= SR_REC_CAPTURE_HEADER && rec.type <= SR_REC_TLS) {
			/* a minor 0 process body lacks environ_source (4 bytes),
			 * a minor 0 capture header its paths (an empty one: 4) */
			size_t added = rec.type == SR_REC_PROCESS ||
					       rec.type == SR_REC_CAPTURE_HEADER
					   ? 4
					   : 0;

			if (!n || n - SR_RECORD_HDR > rec.body.len + added)
				abort();
		}
	}
	if (rc < 0 && !pcapng_reader_error(r)[0])
		abort();
	pcapng_reader_free(r);
}

static void roundtrip(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static uint8_t enc[SR_MAX_RECORD];
	/* offsets into data of the records the writer took */
	static size_t off[MAX_RECORDS], len[MAX_RECORDS];
	struct pcapng_writer *w;
	struct pcapng_reader *r;
	struct sr_record rec;
	size_t pos = 0, n = 0, i = 0;
	uint8_t *file;
	off_t flen;

	if (fd < 0)
		fd = memfd_create("fuzz-pcapng", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET))
		abort();
	w = pcapng_writer_create(fd, NULL, 0);
	if (!w)
		abort();
	while (pos < size && n < MAX_RECORDS) {
		long k = sr_record_decode(data + pos, size - pos, &rec, NULL, 0);
		size_t e;
		if (k <= 0)
			break;
		/* what the writer is given is the record as re-encoded */
		e = sr_record_encode(&rec, enc, sizeof(enc));
		if (pcapng_writer_append(w, &rec) == 0) {
			if (!e)
				abort(); /* took a record that cannot be encoded */
			off[n] = pos;
			len[n] = (size_t)k;
			n++;
		} else if (e) {
			abort(); /* refused a valid record */
		}
		pos += (size_t)k;
	}
	if (pcapng_writer_close(w, 0))
		abort();
	flen = lseek(fd, 0, SEEK_END);
	if (flen <= 0)
		abort();
	file = malloc((size_t)flen);
	if (!file || pread(fd, file, (size_t)flen, 0) != flen)
		abort();
	r = pcapng_reader_open_mem(file, (size_t)flen, NULL, 0);
	if (!r)
		abort();
	while (pcapng_reader_next(r, &rec) == 1) {
		struct sr_record orig;
		static uint8_t a[SR_MAX_RECORD], b[SR_MAX_RECORD];
		size_t la, lb;
		if (i >= n || sr_record_decode(data + off[i], len[i], &orig, NULL, 0) <= 0)
			abort();
		la = sr_record_encode(&orig, a, sizeof(a));
		lb = sr_record_encode(&rec, b, sizeof(b));
		if (la != lb || memcmp(a, b, la))
			abort();
		i++;
	}
	/* every record came back (the stream may lack an end record: then the
	 * reader ends with an error after the last one) */
	if (i != n)
		abort();
	pcapng_reader_free(r);
	free(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_any(data, size);
	roundtrip(data, size);
	return 0;
}
