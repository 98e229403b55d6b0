/* postgres.c - PostgreSQL Frontend/Backend Protocol ("Message Formats"): the startup
 * packet, SSLRequest/GSSENCRequest/CancelRequest and the server's answer.
 * A dissector of the classifier (proto/dissect.h, classify.h "Rules"). */
#include "proto/dissect.h"

#define PG_SSL_REQUEST 80877103u
#define PG_GSSENC_REQUEST 80877104u
#define PG_CANCEL_REQUEST 80877102u
#define PG_PROTO_3_0 196608u	  /* 3 << 16 */
#define PG_PROTO_3_2 196610u	  /* 3 << 16 | 2 (PostgreSQL 18) */
#define PG_MAX_STARTUP 10000u	  /* MAX_STARTUP_PACKET_LENGTH */
#define PG_MAX_CANCEL (12u + 256) /* 3.2 cancel keys are up to 256 bytes */
#define PG_MAX_PARAM 1024u
#define PG_MAX_ERROR 4096u

/* Seed 003's text for a confirmed PostgreSQL client. */
static const char PG_SEED_EVIDENCE[] = "valid Postgres startup/SSLRequest header";

static void pg_startup_params(struct cur c, struct side *sd)
{
	bool user = false;

	for (;;) {
		struct cur key, val;
		int rc = cur_cstr(&c, PG_MAX_PARAM, &key);

		if (rc == CUR_SHORT)
			goto trunc;
		if (rc != CUR_OK)
			return;
		if (key.left == 0)
			break; /* the terminator: must be the last byte */
		if (!all_printable(key))
			return;
		rc = cur_cstr(&c, PG_MAX_PARAM, &val);
		if (rc == CUR_SHORT)
			goto trunc;
		if (rc != CUR_OK)
			return;
		if (cur_eq(key, "user"))
			user = true;
	}
	if (c.left == 0 && user) /* "user" is required */
		note(sd, G_STRONG, "%s", PG_SEED_EVIDENCE);
	return;
trunc:
	truncated(sd);
}

/* *code_out: the request code of a valid SSLRequest/GSSENCRequest, else 0 */
static void pg_client(struct cur c, struct side *sd, uint32_t *code_out)
{
	uint32_t len, code;
	struct cur body;

	*code_out = 0;
	if (c.left == 0)
		return;
	if (cur_get_be32(&c, &len))
		goto trunc;
	if (len < 8 || len > PG_MAX_STARTUP)
		return;
	if (cur_get_be32(&c, &code))
		goto trunc;
	switch (code) {
	case PG_SSL_REQUEST:
		if (len == 8) {
			note(sd, G_STRONG, "%s", PG_SEED_EVIDENCE);
			*code_out = code;
		}
		return;
	case PG_GSSENC_REQUEST:
		if (len == 8) {
			note(sd, G_STRONG, "valid Postgres GSSENCRequest header");
			*code_out = code;
		}
		return;
	case PG_CANCEL_REQUEST:
		if (len >= 16 && len <= PG_MAX_CANCEL)
			note(sd, G_STRONG, "valid Postgres CancelRequest header");
		return;
	case PG_PROTO_3_0:
	case PG_PROTO_3_2:
		if (len < 9)
			return;
		if (cur_sub(&c, len - 8, &body))
			goto trunc;
		pg_startup_params(body, sd);
		return;
	default:
		return;
	}
	return;
trunc:
	truncated(sd);
}

/* AuthenticationXXX ('R'): which types exist and their fixed lengths. */
static bool pg_auth_ok(uint32_t type, uint32_t len)
{
	switch (type) {
	case 0: /* Ok */
	case 2: /* KerberosV5 */
	case 3: /* CleartextPassword */
	case 6: /* SCMCredential */
	case 7: /* GSS */
	case 9: /* SSPI */
		return len == 8;
	case 5: /* MD5Password: 4 bytes salt */
		return len == 12;
	case 8:	 /* GSSContinue */
	case 10: /* SASL */
	case 11: /* SASLContinue */
	case 12: /* SASLFinal */
		return len > 8 && len <= PG_MAX_ERROR;
	default:
		return false;
	}
}

static void pg_error(struct cur c, struct side *sd)
{
	uint32_t len;
	struct cur body;
	bool sev = false, code = false;

	if (cur_get_be32(&c, &len))
		goto trunc;
	if (len < 5 || len > PG_MAX_ERROR)
		return;
	if (cur_sub(&c, len - 4, &body))
		goto trunc;
	for (;;) {
		uint8_t field;
		struct cur val;

		if (cur_get_u8(&body, &field))
			return;
		if (field == 0)
			break;
		if (!((field >= 'A' && field <= 'Z') || (field >= 'a' && field <= 'z')))
			return;
		if (cur_cstr(&body, PG_MAX_ERROR, &val) != CUR_OK || !all_printable(val))
			return;
		if (field == 'S' || field == 'V')
			sev = true;
		if (field == 'C' && val.left == 5) /* SQLSTATE */
			code = true;
	}
	if (body.left == 0 && sev && code)
		note(sd, G_STRONG, "Postgres ErrorResponse");
	return;
trunc:
	truncated(sd);
}

static void pg_server(struct cur c, struct side *sd, uint32_t client_code)
{
	uint8_t type;
	uint32_t len, auth;

	if (cur_get_u8(&c, &type))
		return;
	switch (type) {
	case 'R':
		if (cur_get_be32(&c, &len))
			goto trunc;
		if (len < 8 || len > PG_MAX_ERROR)
			return;
		if (cur_get_be32(&c, &auth))
			goto trunc;
		if (pg_auth_ok(auth, len))
			note(sd, G_STRONG, "Postgres authentication request");
		return;
	case 'E':
		pg_error(c, sd);
		return;
	case 'S':
	case 'N':
	case 'G':
		/* one byte answering SSLRequest/GSSENCRequest: means nothing alone */
		if ((client_code == PG_SSL_REQUEST && type != 'G') ||
		    (client_code == PG_GSSENC_REQUEST && type != 'S'))
			note(sd, G_STRONG, "Postgres encryption response");
		return;
	default:
		return;
	}
	return;
trunc:
	truncated(sd);
}

void dissect_postgres(const struct dissect_input *in, struct dissect_result *f)
{
	uint32_t code;

	pg_client(in->c, &f->c, &code);
	pg_server(in->s, &f->s, code);
}
