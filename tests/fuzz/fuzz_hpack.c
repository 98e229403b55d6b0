/* fuzz_hpack.c - the HPACK glue of proto/h2.c: arbitrary header blocks
 * through libnghttp2's inflater as h2.c drives it, with a known table (the
 * connection's start) or the placeholder table (recorded from its middle),
 * split over HEADERS and CONTINUATION frames, after SETTINGS that resize
 * the table. Never a crash; never a header with an empty name; fields from
 * placeholders never appear as headers.
 *
 * Input: byte 0 = flags (bit 0: from the middle; bit 1: a SETTINGS
 * HEADER_TABLE_SIZE of byte 1 * 256 first; bit 2: split each block at
 * byte 2 into HEADERS + CONTINUATION); then header blocks, each a length
 * byte and that many bytes, sent in turn on new streams by the client and
 * answered by the server with the next one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/h2.h"
#include "proto/http.h"
#include "base/util.h"

static void check(int ok)
{
	if (!ok)
		abort();
}

static void on_msg(void *p, const struct http_msg *m)
{
	(void)p;
	check(m->h2 != NULL);
	for (size_t i = 0; i < m->nheaders; i++)
		check(m->headers[i].name_len > 0);
	for (size_t i = 0; i < m->ntrailers; i++)
		check(m->trailers[i].name_len > 0);
	if (m->method)
		check(m->method_len < (1u << 20));
}

static const struct http_ops ops = {on_msg, NULL, NULL};

static void frame(struct dbuf *b, uint8_t type, uint8_t flags, uint32_t sid, const uint8_t *p,
		  size_t n)
{
	uint8_t h[9] = {
	    (uint8_t)(n >> 16),	  (uint8_t)(n >> 8),	(uint8_t)n,	     type,	  flags,
	    (uint8_t)(sid >> 24), (uint8_t)(sid >> 16), (uint8_t)(sid >> 8), (uint8_t)sid};
	dbuf_put(b, h, 9);
	dbuf_put(b, p, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct h2_conn *c;
	struct dbuf b = {0};
	size_t i = 3;
	uint32_t sid = 1;
	int dir = 0;

	if (size < 3)
		return 0;
	c = h2_conn_create(&ops, NULL, NULL, (data[0] & 1) ? H2_MIDDLE : H2_PRIOR,
			   (data[0] & 1) ? -1 : 0, NULL);
	if (!(data[0] & 1))
		h2_conn_data(c, 0, (const uint8_t *)H2_PREFACE, H2_PREFACE_LEN, 1);
	if (data[0] & 2) {
		uint8_t s[6] = {0, 1, 0, 0, data[1], 0};
		frame(&b, 4, 0, 0, s, 6);
		h2_conn_data(c, 1, b.p, b.len, 2);
		h2_conn_data(c, 0, b.p, b.len, 2);
	}
	while (i < size) {
		size_t n = data[i++];
		if (n > size - i)
			n = size - i;
		b.len = 0;
		if ((data[0] & 4) && n > data[2]) {
			frame(&b, 1, 0x1, sid, data + i, data[2]);
			frame(&b, 9, 0x4, sid, data + i + data[2], n - data[2]);
		} else {
			frame(&b, 1, 0x5, sid, data + i, n);
		}
		h2_conn_data(c, dir, b.p, b.len, 3 + i);
		i += n;
		if (dir == 1)
			sid += 2;
		dir = 1 - dir;
	}
	h2_conn_free(c);
	dbuf_free(&b);
	return 0;
}
