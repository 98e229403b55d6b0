/* mssql.c - MSSQL: [MS-TDS] 2.2.3.1 packet header, 2.2.6.5 PRELOGIN.
 * A dissector of the classifier (proto/dissect.h, classify.h "Rules"). */
#include "proto/dissect.h"

#define TDS_PRELOGIN 0x12
#define TDS_REPLY 0x04
#define TDS_HEADER 8u
#define TDS_MAX_PACKET 32768u
#define TDS_TERMINATOR 0xff
#define TDS_OPT_VERSION 0x00
#define TDS_OPT_MAX 0x08 /* NONCEOPT is 0x07; leave room for one more */
#define TDS_MAX_OPTIONS 16

static void tds_prelogin(struct cur c, struct side *sd, uint8_t want, const char *ev)
{
	uint8_t type, status, id, window, tok;
	uint16_t len, spid, off, olen;
	struct cur body, opts;

	if (c.left == 0)
		return;
	if (cur_get_u8(&c, &type))
		goto trunc;
	if (type != want)
		return;
	if (cur_get_u8(&c, &status))
		goto trunc;
	if (status & ~0x1fu)
		return;
	if (cur_get_be16(&c, &len))
		goto trunc;
	if (len < TDS_HEADER + 1 || len > TDS_MAX_PACKET)
		return;
	if (cur_get_be16(&c, &spid) || cur_get_u8(&c, &id) || cur_get_u8(&c, &window))
		goto trunc;
	if (window != 0)
		return;
	if (cur_sub(&c, len - TDS_HEADER, &body))
		goto trunc;
	opts = body;
	for (int i = 0; i < TDS_MAX_OPTIONS; i++) {
		if (cur_get_u8(&opts, &tok))
			return;
		if (tok == TDS_TERMINATOR) {
			if (i > 0)
				note(sd, G_STRONG, "%s", ev);
			return;
		}
		if (tok > TDS_OPT_MAX || (i == 0 && tok != TDS_OPT_VERSION))
			return;
		if (cur_get_be16(&opts, &off) || cur_get_be16(&opts, &olen))
			return;
		if ((size_t)off + olen > body.left || (tok == TDS_OPT_VERSION && olen < 6))
			return;
	}
	return;
trunc:
	truncated(sd);
}

void dissect_mssql(const struct dissect_input *in, struct dissect_result *f)
{
	tds_prelogin(in->c, &f->c, TDS_PRELOGIN, "TDS PRELOGIN packet");
	tds_prelogin(in->s, &f->s, TDS_REPLY, "TDS PRELOGIN response");
}
