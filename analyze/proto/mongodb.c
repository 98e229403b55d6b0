/* mongodb.c - MongoDB Wire Protocol: the 16-byte little-endian message header,
 * OP_MSG / OP_QUERY / OP_COMPRESSED and the reply to the request seen.
 * A dissector of the classifier (proto/dissect.h, classify.h "Rules"). */
#include "proto/dissect.h"

#define MONGO_OP_REPLY 1u
#define MONGO_OP_QUERY 2004u
#define MONGO_OP_COMPRESSED 2012u
#define MONGO_OP_MSG 2013u
#define MONGO_MAX_MSG 48000000u	    /* maxMessageSizeBytes */
#define MONGO_MSG_FLAGS 0x00010003u /* checksumPresent, moreToCome, exhaustAllowed */
#define MONGO_MAX_NS 256u

struct mongo_hdr {
	uint32_t len, req, resp, op;
};

enum { MONGO_REQUEST, MONGO_REPLY };

/* The 16-byte header, each field checked as soon as it is read so a short
 * input that is already wrong is "invalid", not "truncated". */
static int mongo_header(struct cur *c, struct mongo_hdr *h, int kind)
{
	if (cur_get_le32(c, &h->len))
		return CUR_SHORT;
	if (h->len < (kind == MONGO_REQUEST ? 26u : 21u) || h->len > MONGO_MAX_MSG)
		return CUR_BAD;
	if (cur_get_le32(c, &h->req) || cur_get_le32(c, &h->resp))
		return CUR_SHORT;
	if ((kind == MONGO_REQUEST) != (h->resp == 0)) /* only replies have responseTo */
		return CUR_BAD;
	if (cur_get_le32(c, &h->op))
		return CUR_SHORT;
	return CUR_OK;
}

/* Client request: *req gets its requestID (for matching the reply). */
static void mongo_client(struct cur c, struct side *sd, bool *have_req, uint32_t *req)
{
	struct mongo_hdr h;
	uint32_t flags, bson, orig, usize;
	uint8_t kind, comp;
	struct cur ns;
	int rc;

	*have_req = false;
	if (c.left == 0)
		return;
	rc = mongo_header(&c, &h, MONGO_REQUEST);
	if (rc == CUR_SHORT)
		goto trunc;
	if (rc != CUR_OK)
		return;
	switch (h.op) {
	case MONGO_OP_MSG:
		if (cur_get_le32(&c, &flags))
			goto trunc;
		if (flags & ~MONGO_MSG_FLAGS)
			return;
		if (cur_get_u8(&c, &kind))
			goto trunc;
		if (kind > 1)
			return;
		if (cur_get_le32(&c, &bson))
			goto trunc;
		if (bson < 5 || bson > h.len - 21)
			return;
		note(sd, G_STRONG, "MongoDB OP_MSG header");
		break;
	case MONGO_OP_QUERY:
		if (cur_get_le32(&c, &flags))
			goto trunc;
		if (flags & ~0xfeu) /* bit 0 reserved, bits 1-7 defined */
			return;
		rc = cur_cstr(&c, MONGO_MAX_NS, &ns);
		if (rc == CUR_SHORT)
			goto trunc;
		if (rc != CUR_OK || ns.left < 3 || !all_printable(ns) ||
		    !memchr(ns.p, '.', ns.left))
			return;
		note(sd, G_STRONG, "MongoDB OP_QUERY header");
		break;
	case MONGO_OP_COMPRESSED:
		if (cur_get_le32(&c, &orig) || cur_get_le32(&c, &usize) || cur_get_u8(&c, &comp))
			goto trunc;
		if ((orig != MONGO_OP_MSG && orig != MONGO_OP_QUERY) || usize > MONGO_MAX_MSG ||
		    comp > 3)
			return;
		note(sd, G_STRONG, "MongoDB OP_COMPRESSED header");
		break;
	default:
		return;
	}
	*have_req = true;
	*req = h.req;
	return;
trunc:
	truncated(sd);
}

static void mongo_server(struct cur c, struct side *sd, bool have_req, uint32_t req)
{
	struct mongo_hdr h;
	int rc;

	if (c.left == 0)
		return;
	rc = mongo_header(&c, &h, MONGO_REPLY);
	if (rc == CUR_SHORT) {
		truncated(sd);
		return;
	}
	if (rc != CUR_OK)
		return;
	if (h.op != MONGO_OP_MSG && h.op != MONGO_OP_REPLY && h.op != MONGO_OP_COMPRESSED)
		return;
	if (have_req && h.resp == req)
		note(sd, G_STRONG, "MongoDB reply to request %u", req);
	else
		note(sd, G_WEAK, "MongoDB reply header");
}

void dissect_mongodb(const struct dissect_input *in, struct dissect_result *f)
{
	bool have_req;
	uint32_t req = 0;

	mongo_client(in->c, &f->c, &have_req, &req);
	mongo_server(in->s, &f->s, have_req, req);
}
