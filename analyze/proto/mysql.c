/* mysql.c - MySQL / MariaDB "Connection Phase": HandshakeV10, HandshakeResponse41,
 * SSLRequest, ERR packets.
 * A dissector of the classifier (proto/dissect.h, classify.h "Rules"). */
#include "proto/dissect.h"

#define MYSQL_PROTOCOL_10 0x0a
#define MYSQL_ERR 0xff
#define MYSQL_CLIENT_PROTOCOL_41 0x00000200u
#define MYSQL_CLIENT_SSL 0x00000800u
#define MYSQL_MAX_GREETING 1024u
#define MYSQL_MAX_VERSION 64u
#define MYSQL_MAX_ERROR 512u
#define MYSQL_MAX_RESPONSE 65536u
#define MYSQL_MAX_USER 256u

static void mysql_server(struct cur c, struct side *sd)
{
	uint32_t plen, thread;
	uint16_t caps, code;
	uint8_t seq, first, filler;
	struct cur pkt, ver, msg;
	int rc;

	if (c.left == 0)
		return;
	if (cur_get_le24(&c, &plen) || cur_get_u8(&c, &seq))
		goto trunc;
	if (seq != 0 || plen == 0 || plen > MYSQL_MAX_GREETING)
		return;
	if (cur_get_u8(&c, &first))
		goto trunc;
	if (first == MYSQL_ERR) {
		/* a server that refuses the client greets with ERR_Packet */
		if (plen < 4 || plen > MYSQL_MAX_ERROR)
			return;
		if (cur_sub(&c, plen - 1, &pkt))
			goto trunc;
		if (cur_get_le16(&pkt, &code) || code < 1000)
			return;
		msg = pkt;
		if (all_printable(msg))
			note(sd, G_WEAK, "MySQL error packet %u", code);
		return;
	}
	if (first != MYSQL_PROTOCOL_10 || plen < 19)
		return;
	if (cur_sub(&c, plen - 1, &pkt)) {
		/* check what is there before calling it truncated */
		pkt = c;
		rc = cur_cstr(&pkt, MYSQL_MAX_VERSION, &ver);
		if (rc == CUR_BAD || (rc == CUR_OK && (ver.left == 0 || !all_printable(ver))))
			return;
		goto trunc;
	}
	rc = cur_cstr(&pkt, MYSQL_MAX_VERSION, &ver);
	if (rc != CUR_OK || ver.left == 0 || !all_printable(ver) || ver.p[0] < '0' ||
	    ver.p[0] > '9')
		return;
	if (cur_get_le32(&pkt, &thread) || cur_skip(&pkt, 8) || cur_get_u8(&pkt, &filler) ||
	    cur_get_le16(&pkt, &caps) || filler != 0)
		return;
	{
		char v[48];

		printable_copy(v, sizeof(v), ver);
		note(sd, G_STRONG, "%s server greeting (protocol 10, version %s)",
		     cur_contains(ver, "MariaDB") ? "MariaDB" : "MySQL", v);
	}
	return;
trunc:
	truncated(sd);
}

static void mysql_client(struct cur c, struct side *sd)
{
	uint32_t plen, caps, maxpkt;
	uint8_t seq, charset;
	struct cur pkt, filler, user;
	int rc;

	if (c.left == 0)
		return;
	if (cur_get_le24(&c, &plen) || cur_get_u8(&c, &seq))
		goto trunc;
	/* seq 1: the answer to the server's greeting (seq 0) */
	if (seq != 1 || plen < 32 || plen > MYSQL_MAX_RESPONSE)
		return;
	if (cur_get_le32(&c, &caps))
		goto trunc;
	if (!(caps & MYSQL_CLIENT_PROTOCOL_41))
		return;
	if (cur_get_le32(&c, &maxpkt) || cur_get_u8(&c, &charset) || cur_sub(&c, 23, &filler))
		goto trunc;
	/* 23 zero bytes; MariaDB puts extended capabilities in the last 4 */
	for (size_t i = 0; i < 19; i++)
		if (filler.p[i] != 0)
			return;
	if (plen == 32) {
		if (caps & MYSQL_CLIENT_SSL)
			note(sd, G_STRONG, "MySQL SSLRequest");
		return;
	}
	/* the user name ends inside the packet */
	pkt = c;
	if (pkt.left > plen - 32)
		pkt.left = plen - 32;
	rc = cur_cstr(&pkt, MYSQL_MAX_USER, &user);
	if (rc == CUR_SHORT && c.left < plen - 32)
		goto trunc;
	if (rc == CUR_OK)
		note(sd, G_STRONG, "MySQL handshake response");
	return;
trunc:
	truncated(sd);
}

void dissect_mysql(const struct dissect_input *in, struct dissect_result *f)
{
	mysql_client(in->c, &f->c);
	mysql_server(in->s, &f->s);
}
