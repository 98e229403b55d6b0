/* fuzz_srz.c - the .srz reader on arbitrary bytes: it must never crash,
 * read out of bounds, or loop forever, whatever the input claims. Every
 * decoded record is re-encoded, which must give back the bytes it came
 * from (decode and encode agree); a data record expanded from a compact
 * record re-encodes whole and decodes back to the same record. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[SR_MAX_RECORD], again[SR_MAX_RECORD];
	struct sr_archive *a = sr_archive_open_mem(data, size, NULL, 0);
	struct sr_record rec;
	unsigned guard = 0;

	if (!a)
		return 0;
	while (sr_archive_next(a, &rec) == 1 && guard++ < 10000000) {
		size_t n = sr_record_encode(&rec, buf, sizeof(buf));
		if (rec.compact) {
			struct sr_record full;
			if (rec.type != SR_REC_DATA || !n ||
			    sr_record_decode(buf, n, &full, NULL, 0) != (long)n ||
			    sr_record_encode(&full, again, sizeof(again)) != n ||
			    memcmp(buf, again, n))
				abort();
		} else if (rec.type >= SR_REC_CAPTURE_HEADER && rec.type <= SR_REC_TLS && n) {
			/* a known record re-encodes to a prefix-compatible body;
			 * a minor 0 process body lacks environ_source (4 bytes),
			 * a minor 0 capture header its paths (an empty one: 4) */
			size_t added = rec.type == SR_REC_PROCESS ||
					       rec.type == SR_REC_CAPTURE_HEADER
					   ? 4
					   : 0;

			if (n - SR_RECORD_HDR > rec.body.len + added)
				abort();
		}
	}
	(void)sr_archive_error(a);
	sr_archive_free(a);
	return 0;
}
