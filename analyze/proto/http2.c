/* http2.c - HTTP/2: RFC 9113 3.4 (connection preface), 6.5 (SETTINGS).
 * A dissector of the classifier (proto/dissect.h, classify.h "Rules"). */
#include "proto/dissect.h"

static const char H2_PREFACE[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

#define H2_FRAME_SETTINGS 0x4
#define H2_MAX_SETTINGS_LEN 16384u

void dissect_http2(const struct dissect_input *in, struct dissect_result *f)
{
	struct cur s = in->s;
	uint32_t len, stream;
	uint8_t type, flags;

	if (in->c.left) {
		switch (cur_starts(&in->c, H2_PREFACE, sizeof(H2_PREFACE) - 1)) {
		case 1:
			note(&f->c, G_STRONG, "HTTP/2 connection preface");
			break;
		case -1:
			truncated(&f->c);
			break;
		}
	}
	/* the server's preface is a SETTINGS frame without ACK on stream 0 */
	if (s.left == 0)
		return;
	if (cur_get_be24(&s, &len) || cur_get_u8(&s, &type) || cur_get_u8(&s, &flags) ||
	    cur_get_be32(&s, &stream))
		return;
	if (type == H2_FRAME_SETTINGS && flags == 0 && (stream & 0x7fffffffu) == 0 &&
	    len % 6 == 0 && len <= H2_MAX_SETTINGS_LEN)
		note(&f->s, G_WEAK, "HTTP/2 SETTINGS frame");
}
