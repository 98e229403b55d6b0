/* amqp.c - AMQP: 0-9-1 section 4.2.2 (protocol header, Connection.Start) and AMQP
 * 1.0 section 2.2 (protocol header).
 * A dissector of the classifier (proto/dissect.h, classify.h "Rules"). */
#include "proto/dissect.h"

#define AMQP_FRAME_METHOD 1
#define AMQP_FRAME_END 0xce
#define AMQP_MAX_FRAME 131072u

static void amqp_header(struct cur c, struct side *sd, const char *who)
{
	uint8_t id, a, b, d;

	switch (cur_starts(&c, "AMQP", 4)) {
	case 0:
		return;
	case -1:
		goto trunc;
	}
	cur_skip(&c, 4);
	if (cur_get_u8(&c, &id) || cur_get_u8(&c, &a) || cur_get_u8(&c, &b) || cur_get_u8(&c, &d))
		goto trunc;
	if (id == 0 && a == 0 && b == 9 && d == 1)
		note(sd, G_STRONG, "AMQP 0-9-1 protocol header%s", who);
	else if (id <= 3 && a == 1 && b == 0 && d == 0) /* 1.0: id 0 AMQP, 2 TLS, 3 SASL */
		note(sd, G_STRONG, "AMQP 1.0 protocol header%s", who);
	else if (id == 1 && a == 1 && b == 0 && (d == 8 || d == 9)) /* 0-8, 0-9 */
		note(sd, G_STRONG, "AMQP 0-%u protocol header%s", d, who);
	return;
trunc:
	truncated(sd);
}

static void amqp_server(struct cur c, struct side *sd)
{
	uint8_t type, major, minor, fend;
	uint16_t chan, cls, meth;
	uint32_t size;
	struct cur end;

	if (c.left == 0)
		return;
	if (c.p[0] == 'A') {
		amqp_header(c, sd, " from server");
		return;
	}
	if (cur_get_u8(&c, &type) || type != AMQP_FRAME_METHOD)
		return;
	if (cur_get_be16(&c, &chan) || cur_get_be32(&c, &size))
		goto trunc;
	if (chan != 0 || size < 6 || size > AMQP_MAX_FRAME)
		return;
	end = c; /* the frame-end octet, when it is there */
	if (!cur_skip(&end, size) && !cur_get_u8(&end, &fend) && fend != AMQP_FRAME_END)
		return;
	if (cur_get_be16(&c, &cls) || cur_get_be16(&c, &meth))
		goto trunc;
	if (cls != 10 || meth != 10) /* connection.start */
		return;
	if (cur_get_u8(&c, &major) || cur_get_u8(&c, &minor))
		goto trunc;
	if (major == 0 && minor == 9)
		note(sd, G_STRONG, "AMQP connection.start");
	return;
trunc:
	truncated(sd);
}

void dissect_amqp(const struct dissect_input *in, struct dissect_result *f)
{
	if (in->c.left)
		amqp_header(in->c, &f->c, "");
	amqp_server(in->s, &f->s);
}
