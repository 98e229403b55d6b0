/* classify - protocol of a connection from its port and first bytes.
 *
 * One dissector per protocol; each grades what the client and the server
 * sent first. Specs: PostgreSQL "Frontend/Backend Protocol" (message
 * formats), MySQL "Connection Phase" (HandshakeV10, HandshakeResponse41,
 * SSLRequest), MongoDB Wire Protocol, [MS-TDS] 2.2.3.1 and 2.2.6.5 (PRELOGIN),
 * Redis RESP2/RESP3, memcached doc/protocol.txt and the binary protocol
 * ("BinaryProtocolRevamped"), Kafka protocol guide ("Headers"), AMQP 0-9-1
 * 4.2 and AMQP 1.0 2.2, NATS client protocol, RFC 8446 5.1/4.1.2 and RFC 6066
 * 3 (TLS, SNI), RFC 9112 3 and 4 (HTTP/1.1), RFC 9113 3.4 (HTTP/2 preface).
 * The rules that turn grades into a result are in classify.h.
 */
#include "proto/classify.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"

/* ---- bounds-checked cursor (format/cursor.h) and protocol helpers ---- */

/* never a NULL pointer, so memcmp/memchr with a zero length stay defined */
static struct cur cls_cur(const uint8_t *p, size_t n)
{
	static const uint8_t empty[1];

	return cur_make(p ? p : empty, p ? n : 0);
}

/* Takes the next n bytes as their own cursor. */
static int cur_sub(struct cur *c, size_t n, struct cur *sub)
{
	if (c->left < n)
		return -1;
	*sub = cls_cur(c->p, n);
	return cur_skip(c, n);
}

/* Does the cursor start with these bytes? 1 yes, 0 no, -1 too short to tell
 * (what is there matches). Never advances. */
static int cur_starts(const struct cur *c, const void *lit, size_t len)
{
	size_t k = c->left < len ? c->left : len;

	if (memcmp(c->p, lit, k) != 0)
		return 0;
	return k == len ? 1 : -1;
}

static uint8_t ascii_upper(uint8_t ch)
{
	return ch >= 'a' && ch <= 'z' ? (uint8_t)(ch - 'a' + 'A') : ch;
}

/* n bytes equal, ASCII case-insensitive (no NUL handling: input is bytes) */
static bool mem_eq_ci(const uint8_t *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ascii_upper(a[i]) != ascii_upper((uint8_t)b[i]))
			return false;
	return true;
}

/* Same as cur_starts, ASCII case-insensitive. */
static int cur_starts_ci(const struct cur *c, const char *lit)
{
	size_t len = strlen(lit), k = c->left < len ? c->left : len;

	if (!mem_eq_ci(c->p, lit, k))
		return 0;
	return k == len ? 1 : -1;
}

enum { CUR_OK = 0, CUR_SHORT = -1, CUR_BAD = -2 };

/* A NUL-terminated string of at most max bytes (NUL excluded); *s gets its
 * bytes. CUR_SHORT: input ended first; CUR_BAD: longer than max. */
static int cur_cstr(struct cur *c, size_t max, struct cur *s)
{
	size_t lim = c->left < max + 1 ? c->left : max + 1;
	const uint8_t *z = memchr(c->p, 0, lim);

	if (!z)
		return c->left <= max ? CUR_SHORT : CUR_BAD;
	*s = cls_cur(c->p, (size_t)(z - c->p));
	return cur_skip(c, s->left + 1);
}

/* Could these bytes be the start of a text line? (printable, tabs, a
 * final "\r") */
static bool text_so_far(struct cur s)
{
	for (size_t i = 0; i < s.left; i++)
		if ((s.p[i] < 0x20 || s.p[i] > 0x7e) && s.p[i] != '\t' &&
		    !(s.p[i] == '\r' && i + 1 == s.left))
			return false;
	return true;
}

/* A text line of at most max bytes ending in "\n" (a "\r" before it is
 * dropped from *ln). CUR_SHORT: the input ended in what could still be
 * such a line; CUR_BAD: too long, or binary before any newline. */
static int cur_line(struct cur *c, size_t max, struct cur *ln)
{
	size_t lim = c->left < max + 2 ? c->left : max + 2;
	const uint8_t *nl = memchr(c->p, '\n', lim);
	size_t len;

	if (!nl)
		return c->left < max + 2 && text_so_far(*c) ? CUR_SHORT : CUR_BAD;
	len = (size_t)(nl - c->p);
	*ln = cls_cur(c->p, len);
	if (len && ln->p[len - 1] == '\r')
		ln->left--;
	if (ln->left > max)
		return CUR_BAD;
	return cur_skip(c, len + 1);
}

static bool all_printable(struct cur s)
{
	for (size_t i = 0; i < s.left; i++)
		if (s.p[i] < 0x20 || s.p[i] > 0x7e)
			return false;
	return true;
}

static bool all_digits(struct cur s)
{
	if (s.left == 0 || s.left > 20)
		return false;
	for (size_t i = 0; i < s.left; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
	return true;
}

/* Does s contain lit anywhere? */
static bool cur_contains(struct cur s, const char *lit)
{
	size_t len = strlen(lit);

	for (size_t i = 0; i + len <= s.left; i++)
		if (memcmp(s.p + i, lit, len) == 0)
			return true;
	return false;
}

static bool cur_eq(struct cur s, const char *lit)
{
	return s.left == strlen(lit) && memcmp(s.p, lit, s.left) == 0;
}

static bool cur_eq_ci(struct cur s, const char *lit)
{
	return s.left == strlen(lit) && mem_eq_ci(s.p, lit, s.left);
}

#define MAX_WORDS 8

/* Splits a line at runs of spaces/tabs into at most MAX_WORDS words;
 * returns the count, or -1 if there are more. */
static int split_words(struct cur ln, struct cur *w)
{
	int n = 0;
	size_t i = 0;

	while (i < ln.left) {
		size_t start;

		while (i < ln.left && (ln.p[i] == ' ' || ln.p[i] == '\t'))
			i++;
		if (i == ln.left)
			break;
		if (n == MAX_WORDS)
			return -1;
		start = i;
		while (i < ln.left && ln.p[i] != ' ' && ln.p[i] != '\t')
			i++;
		w[n++] = cls_cur(ln.p + start, i - start);
	}
	return n;
}

/* ---- grading ---- */

enum grade {
	G_NONE,	  /* no match (or no bytes) */
	G_TRUNC,  /* consistent so far, but cut before it could be confirmed */
	G_WEAK,	  /* plausible, shared with other protocols */
	G_PAIRED, /* weak evidence from both directions of one protocol */
	G_STRONG, /* magic number or fully consistent header */
};

#define EVIDENCE_MAX 112

struct side {
	enum grade g;
	char ev[EVIDENCE_MAX]; /* what was seen, when g >= G_WEAK */
};

struct finding {
	struct side c, s; /* client, server */
	char sni[256];	  /* TLS only */
};

struct input {
	struct cur c, s; /* first bytes of client and server, cut at CLASSIFY_PREFIX */
};

static void note(struct side *sd, enum grade g, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records a grade unless the side already has a better one. */
static void note(struct side *sd, enum grade g, const char *fmt, ...)
{
	va_list ap;

	if (g <= sd->g)
		return;
	sd->g = g;
	sd->ev[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(sd->ev, sizeof(sd->ev), fmt, ap);
		va_end(ap);
	}
}

static void truncated(struct side *sd)
{
	note(sd, G_TRUNC, NULL);
}

/* Printable copy of untrusted bytes for a reason text. */
static void printable_copy(char *dst, size_t cap, struct cur s)
{
	size_t k = 0;

	for (size_t i = 0; i < s.left && k + 1 < cap; i++)
		dst[k++] = (s.p[i] >= 0x20 && s.p[i] <= 0x7e) ? (char)s.p[i] : '?';
	dst[k] = '\0';
}

/* ---- PostgreSQL: Frontend/Backend Protocol, "Message Formats" ---- */

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

static void dissect_postgres(const struct input *in, struct finding *f)
{
	uint32_t code;

	pg_client(in->c, &f->c, &code);
	pg_server(in->s, &f->s, code);
}

/* ---- MySQL / MariaDB: "Connection Phase" packets ---- */

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
	if (rc != CUR_OK || ver.left == 0 || !all_printable(ver) || ver.p[0] < '0' || ver.p[0] > '9')
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

static void dissect_mysql(const struct input *in, struct finding *f)
{
	mysql_client(in->c, &f->c);
	mysql_server(in->s, &f->s);
}

/* ---- MongoDB Wire Protocol: 16-byte little-endian header ---- */

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
		if (rc != CUR_OK || ns.left < 3 || !all_printable(ns) || !memchr(ns.p, '.', ns.left))
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

static void dissect_mongodb(const struct input *in, struct finding *f)
{
	bool have_req;
	uint32_t req = 0;

	mongo_client(in->c, &f->c, &have_req, &req);
	mongo_server(in->s, &f->s, have_req, req);
}

/* ---- MSSQL: [MS-TDS] 2.2.3.1 packet header, 2.2.6.5 PRELOGIN ---- */

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

static void dissect_mssql(const struct input *in, struct finding *f)
{
	tds_prelogin(in->c, &f->c, TDS_PRELOGIN, "TDS PRELOGIN packet");
	tds_prelogin(in->s, &f->s, TDS_REPLY, "TDS PRELOGIN response");
}

/* ---- Redis: RESP2/RESP3 and inline commands ---- */

#define RESP_MAX_LINE 1024u
#define RESP_MAX_ARRAY 1048576
#define RESP_MAX_BULK 536870912 /* proto-max-bulk-len */

/* Seed 003's text for a confirmed Redis client. */
static const char REDIS_SEED_EVIDENCE[] = "redis RESP array";

/* "<int>\r\n" after a RESP type byte. CUR_OK, CUR_SHORT or CUR_BAD. */
static int resp_int(struct cur *c, long *v)
{
	struct cur ln;
	size_t i = 0;
	bool neg = false;
	long x = 0;
	int rc = cur_line(c, 24, &ln);

	if (rc == CUR_SHORT) {
		/* short: only if what is there could still become a number */
		for (i = 0; i < c->left; i++)
			if (!((c->p[i] >= '0' && c->p[i] <= '9') || (i == 0 && c->p[i] == '-') ||
			      c->p[i] == '\r'))
				return CUR_BAD;
		return CUR_SHORT;
	}
	if (rc != CUR_OK || ln.left == 0)
		return CUR_BAD;
	if (ln.p[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == ln.left || ln.left - i > 10)
		return CUR_BAD;
	for (; i < ln.left; i++) {
		if (ln.p[i] < '0' || ln.p[i] > '9')
			return CUR_BAD;
		x = x * 10 + (ln.p[i] - '0');
	}
	*v = neg ? -x : x;
	return CUR_OK;
}

static const char *const redis_inline_cmds[] = {
    "PING",	"AUTH",	    "SELECT",  "INFO",	  "QUIT",      "GET",	  "SET",    "DEL",
    "EXISTS",	"KEYS",	    "SCAN",    "INCR",	  "DECR",      "EXPIRE",  "TTL",    "HGET",
    "HSET",	"HGETALL",  "LPUSH",   "RPUSH",	  "LPOP",      "RPOP",	  "LRANGE", "SADD",
    "SMEMBERS", "ZADD",	    "ZRANGE",  "PUBLISH", "SUBSCRIBE", "MONITOR", "CLIENT", "CONFIG",
    "DBSIZE",	"FLUSHALL", "FLUSHDB", "MULTI",	  "EXEC",      "COMMAND",
};

static void redis_client(struct cur c, struct side *sd)
{
	long n, blen;
	struct cur ln, w[MAX_WORDS], bulk;
	int rc, nw;
	uint8_t crlf[2];

	if (c.left == 0)
		return;
	if (c.p[0] == '*') {
		cur_skip(&c, 1);
		rc = resp_int(&c, &n);
		if (rc == CUR_SHORT)
			goto trunc;
		if (rc != CUR_OK || n < 1 || n > RESP_MAX_ARRAY)
			return;
		if (c.left == 0)
			goto trunc;
		if (c.p[0] != '$')
			return;
		cur_skip(&c, 1);
		rc = resp_int(&c, &blen);
		if (rc == CUR_SHORT)
			goto trunc;
		if (rc != CUR_OK || blen < 1 || blen > RESP_MAX_BULK)
			return;
		if (cur_sub(&c, (size_t)blen, &bulk))
			goto trunc;
		if (cur_get_u8(&c, &crlf[0]) || cur_get_u8(&c, &crlf[1]))
			goto trunc;
		if (crlf[0] == '\r' && crlf[1] == '\n')
			note(sd, G_STRONG, "%s", REDIS_SEED_EVIDENCE);
		return;
	}
	rc = cur_line(&c, RESP_MAX_LINE, &ln);
	if (rc == CUR_SHORT)
		goto trunc;
	if (rc != CUR_OK || !all_printable(ln))
		return;
	nw = split_words(ln, w);
	if (nw < 1)
		return;
	for (size_t i = 0; i < sizeof(redis_inline_cmds) / sizeof(redis_inline_cmds[0]); i++)
		if (cur_eq_ci(w[0], redis_inline_cmds[i])) {
			note(sd, G_WEAK, "redis inline command");
			return;
		}
	return;
trunc:
	truncated(sd);
}

static void redis_server(struct cur c, struct side *sd)
{
	struct cur ln;
	long v;
	uint8_t type;
	int rc;

	if (cur_get_u8(&c, &type))
		return;
	switch (type) {
	case '+':
	case '-':
		rc = cur_line(&c, RESP_MAX_LINE, &ln);
		if (rc == CUR_SHORT)
			goto trunc;
		if (rc == CUR_OK && ln.left > 0 && all_printable(ln))
			note(sd, G_WEAK, "redis RESP %s reply", type == '+' ? "status" : "error");
		return;
	case ':': /* integer */
	case '$': /* bulk string */
	case '*': /* array */
	case '%': /* RESP3 map (HELLO 3) */
		rc = resp_int(&c, &v);
		if (rc == CUR_SHORT)
			goto trunc;
		if (rc == CUR_OK && (type == ':' || v >= -1))
			note(sd, G_WEAK, "redis RESP reply");
		return;
	default:
		return;
	}
	return;
trunc:
	truncated(sd);
}

static void dissect_redis(const struct input *in, struct finding *f)
{
	redis_client(in->c, &f->c);
	redis_server(in->s, &f->s);
}

/* ---- memcached: doc/protocol.txt (text and meta) and binary protocol ---- */

#define MC_MAX_LINE 2048u
#define MC_MAX_KEY 250u
#define MC_REQ_MAGIC 0x80
#define MC_RES_MAGIC 0x81
#define MC_HEADER 24u
#define MC_MAX_OPCODE 0x48
#define MC_MAX_BODY (64u << 20)

static bool mc_key_ok(struct cur k)
{
	return k.left > 0 && k.left <= MC_MAX_KEY && all_printable(k);
}

static bool mc_number(struct cur w)
{
	if (w.left > 1 && w.p[0] == '-') /* exptime may be negative */
		w = cls_cur(w.p + 1, w.left - 1);
	return all_digits(w);
}

struct mc_cmd {
	const char *name;
	int min_words, max_words; /* including the command */
	int numbers_from;	  /* words from here on are numbers; 0 = none */
	enum grade g;
	const char *ev;
};

static const struct mc_cmd mc_cmds[] = {
    {"set", 5, 6, 2, G_STRONG, "memcached text storage command"},
    {"add", 5, 6, 2, G_STRONG, "memcached text storage command"},
    {"replace", 5, 6, 2, G_STRONG, "memcached text storage command"},
    {"append", 5, 6, 2, G_STRONG, "memcached text storage command"},
    {"prepend", 5, 6, 2, G_STRONG, "memcached text storage command"},
    {"cas", 6, 7, 2, G_STRONG, "memcached text storage command"},
    {"get", 2, MAX_WORDS, 0, G_WEAK, "memcached text retrieval command"},
    {"gets", 2, MAX_WORDS, 0, G_WEAK, "memcached text retrieval command"},
    {"gat", 3, MAX_WORDS, 0, G_WEAK, "memcached text retrieval command"},
    {"gats", 3, MAX_WORDS, 0, G_WEAK, "memcached text retrieval command"},
    {"delete", 2, 3, 0, G_WEAK, "memcached text command"},
    {"incr", 3, 4, 0, G_WEAK, "memcached text command"},
    {"decr", 3, 4, 0, G_WEAK, "memcached text command"},
    {"touch", 3, 4, 0, G_WEAK, "memcached text command"},
    {"stats", 1, 3, 0, G_WEAK, "memcached text command"},
    {"version", 1, 1, 0, G_WEAK, "memcached text command"},
    {"flush_all", 1, 3, 0, G_WEAK, "memcached text command"},
    {"verbosity", 2, 3, 0, G_WEAK, "memcached text command"},
    {"quit", 1, 1, 0, G_WEAK, "memcached text command"},
    {"mg", 2, MAX_WORDS, 0, G_WEAK, "memcached meta command"},
    {"ms", 3, MAX_WORDS, 0, G_WEAK, "memcached meta command"},
    {"md", 2, MAX_WORDS, 0, G_WEAK, "memcached meta command"},
    {"ma", 2, MAX_WORDS, 0, G_WEAK, "memcached meta command"},
    {"mn", 1, 1, 0, G_WEAK, "memcached meta command"},
    {"me", 2, 2, 0, G_WEAK, "memcached meta command"},
};

/* Replies that are a single word (or a word and free text). */
static const char *const mc_replies[] = {
    "STORED", "NOT_STORED", "EXISTS", "NOT_FOUND", "DELETED", "TOUCHED", "END", "ERROR",
    "OK",     "RESET",	    "HD",     "EN",	   "NF",      "NS",	 "EX",	"MN",
};

static void mc_text_client(struct cur c, struct side *sd)
{
	struct cur ln, w[MAX_WORDS];
	int rc, nw;

	rc = cur_line(&c, MC_MAX_LINE, &ln);
	if (rc == CUR_SHORT)
		goto trunc;
	if (rc != CUR_OK || !all_printable(ln))
		return;
	nw = split_words(ln, w);
	if (nw < 1)
		return;
	for (size_t i = 0; i < sizeof(mc_cmds) / sizeof(mc_cmds[0]); i++) {
		const struct mc_cmd *m = &mc_cmds[i];
		int last = nw;

		if (!cur_eq(w[0], m->name)) /* commands are case-sensitive */
			continue;
		if (nw < m->min_words || nw > m->max_words)
			return;
		if (nw > 1 && !mc_key_ok(w[1]))
			return;
		if (m->numbers_from) {
			if (nw == m->max_words) { /* the optional last word */
				if (!cur_eq(w[nw - 1], "noreply"))
					return;
				last = nw - 1;
			}
			for (int k = m->numbers_from; k < last; k++)
				if (!mc_number(w[k]))
					return;
		}
		note(sd, m->g, "%s", m->ev);
		return;
	}
	return;
trunc:
	truncated(sd);
}

static void mc_text_server(struct cur c, struct side *sd)
{
	struct cur ln, w[MAX_WORDS];
	int rc, nw;

	rc = cur_line(&c, MC_MAX_LINE, &ln);
	if (rc == CUR_SHORT)
		goto trunc;
	if (rc != CUR_OK || !all_printable(ln))
		return;
	nw = split_words(ln, w);
	if (nw < 1)
		return;
	if (cur_eq(w[0], "VALUE")) {
		/* VALUE <key> <flags> <bytes> [<cas unique>] */
		if ((nw == 4 || nw == 5) && mc_key_ok(w[1]) && all_digits(w[2]) &&
		    all_digits(w[3]) && (nw == 4 || all_digits(w[4])))
			note(sd, G_STRONG, "memcached VALUE reply");
		return;
	}
	if ((cur_eq(w[0], "VERSION") && nw == 2) || (cur_eq(w[0], "STAT") && nw >= 3) ||
	    cur_eq(w[0], "CLIENT_ERROR") || cur_eq(w[0], "SERVER_ERROR") ||
	    (cur_eq(w[0], "VA") && nw >= 2 && all_digits(w[1]))) {
		note(sd, G_WEAK, "memcached text reply");
		return;
	}
	for (size_t i = 0; i < sizeof(mc_replies) / sizeof(mc_replies[0]); i++)
		if (cur_eq(w[0], mc_replies[i])) {
			note(sd, G_WEAK, "memcached text reply");
			return;
		}
	return;
trunc:
	truncated(sd);
}

/* Binary protocol header; *opaque gets the opaque field. */
static void mc_binary(struct cur c, struct side *sd, uint8_t magic, uint32_t *opaque, bool *ok)
{
	uint8_t m, op, extlen, dtype;
	uint16_t keylen, status;
	uint32_t total;

	*ok = false;
	if (cur_get_u8(&c, &m) || m != magic)
		return;
	if (cur_get_u8(&c, &op))
		goto trunc;
	if (op > MC_MAX_OPCODE)
		return;
	if (cur_get_be16(&c, &keylen) || cur_get_u8(&c, &extlen) || cur_get_u8(&c, &dtype))
		goto trunc;
	if (dtype != 0 || keylen > MC_MAX_KEY)
		return;
	if (cur_get_be16(&c, &status) || cur_get_be32(&c, &total) || cur_get_be32(&c, opaque) ||
	    cur_skip(&c, 8))
		goto trunc;
	if (total < (uint32_t)keylen + extlen || total > MC_MAX_BODY)
		return;
	if (magic == MC_RES_MAGIC && !(status <= 0x08 || (status >= 0x20 && status <= 0x24) ||
				       (status >= 0x81 && status <= 0x86)))
		return;
	*ok = true;
	return;
trunc:
	truncated(sd);
}

static void dissect_memcached(const struct input *in, struct finding *f)
{
	uint32_t copaque = 0, sopaque = 0;
	bool cbin = false, sbin = false;

	if (in->c.left && in->c.p[0] == MC_REQ_MAGIC) {
		mc_binary(in->c, &f->c, MC_REQ_MAGIC, &copaque, &cbin);
		if (cbin)
			note(&f->c, G_STRONG, "memcached binary request header");
	} else if (in->c.left) {
		mc_text_client(in->c, &f->c);
	}
	if (in->s.left && in->s.p[0] == MC_RES_MAGIC) {
		mc_binary(in->s, &f->s, MC_RES_MAGIC, &sopaque, &sbin);
		if (sbin)
			note(&f->s, G_STRONG,
			     cbin && copaque == sopaque
				 ? "memcached binary response matching opaque"
				 : "memcached binary response header");
	} else if (in->s.left) {
		mc_text_server(in->s, &f->s);
	}
}

/* ---- Kafka: protocol guide, "Headers" (request header v1/v2) ---- */

#define KAFKA_MAX_REQUEST 104857600u /* socket.request.max.bytes */
#define KAFKA_MAX_API_KEY 100
#define KAFKA_MAX_API_VERSION 30
#define KAFKA_MAX_CLIENT_ID 256

static void kafka_client(struct cur c, struct side *sd, bool *have_corr, uint32_t *corr)
{
	uint32_t size;
	uint16_t key, ver, idlen;
	struct cur id, rest;

	*have_corr = false;
	if (c.left == 0)
		return;
	if (cur_get_be32(&c, &size))
		goto trunc;
	if (size < 10 || size > KAFKA_MAX_REQUEST)
		return;
	rest = c; /* the request after its length */
	if (cur_get_be16(&c, &key) || cur_get_be16(&c, &ver))
		goto trunc;
	if (key > KAFKA_MAX_API_KEY || ver > KAFKA_MAX_API_VERSION)
		return;
	if (cur_get_be32(&c, corr) || cur_get_be16(&c, &idlen))
		goto trunc;
	if (idlen != 0xffff) { /* 0xffff: null client_id */
		if (idlen > KAFKA_MAX_CLIENT_ID || idlen > size - 10)
			return;
		if (cur_sub(&c, idlen, &id))
			goto trunc;
		if (!all_printable(id))
			return;
	}
	if (idlen != 0xffff && idlen > 0) {
		/* a named client (rdkafka, producer-1, sarama...) is distinctive */
		note(sd, G_STRONG, "Kafka request header (api_key %u, version %u)", key, ver);
	} else {
		/* without a name mostly zero bytes would do: want the whole request */
		if (rest.left < size)
			goto trunc;
		note(sd, G_WEAK, "Kafka request header (api_key %u, version %u)", key, ver);
	}
	*have_corr = true;
	return;
trunc:
	truncated(sd);
}

static void kafka_server(struct cur c, struct side *sd, bool have_corr, uint32_t corr)
{
	uint32_t size, rcorr;

	if (!have_corr || c.left == 0)
		return;
	if (cur_get_be32(&c, &size) || cur_get_be32(&c, &rcorr))
		goto trunc;
	if (size >= 4 && size <= KAFKA_MAX_REQUEST && rcorr == corr)
		note(sd, G_STRONG, "Kafka response matching correlation id");
	return;
trunc:
	truncated(sd);
}

static void dissect_kafka(const struct input *in, struct finding *f)
{
	bool have_corr;
	uint32_t corr = 0;

	kafka_client(in->c, &f->c, &have_corr, &corr);
	kafka_server(in->s, &f->s, have_corr, corr);
}

/* ---- AMQP: 0-9-1 section 4.2.2 (protocol header), 1.0 section 2.2 ---- */

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

static void dissect_amqp(const struct input *in, struct finding *f)
{
	if (in->c.left)
		amqp_header(in->c, &f->c, "");
	amqp_server(in->s, &f->s);
}

/* ---- NATS: client protocol (docs.nats.io, "Client Protocol") ---- */

#define NATS_MAX_LINE 4096u

/* "<verb><spaces>{" as INFO and CONNECT start. */
static void nats_json_verb(struct cur c, struct side *sd, const char *verb, const char *ev)
{
	size_t len = strlen(verb), i;

	switch (cur_starts_ci(&c, verb)) {
	case 0:
		return;
	case -1:
		goto trunc;
	}
	for (i = len; i < c.left && (c.p[i] == ' ' || c.p[i] == '\t'); i++)
		;
	if (i == c.left)
		goto trunc;
	if (i > len && c.p[i] == '{')
		note(sd, G_STRONG, "%s", ev);
	return;
trunc:
	truncated(sd);
}

/* Lines both sides may send: PING, PONG, +OK, -ERR, PUB/HPUB/SUB/UNSUB
 * (client) and MSG/HMSG (server). */
static void nats_line(struct cur c, struct side *sd, bool server)
{
	struct cur ln, w[MAX_WORDS];
	int rc, nw;

	rc = cur_line(&c, NATS_MAX_LINE, &ln);
	if (rc == CUR_SHORT)
		goto trunc;
	if (rc != CUR_OK || !all_printable(ln))
		return;
	nw = split_words(ln, w);
	if (nw < 1)
		return;
	if ((nw == 1 && (cur_eq_ci(w[0], "PING") || cur_eq_ci(w[0], "PONG"))) ||
	    (server && nw == 1 && cur_eq_ci(w[0], "+OK")) ||
	    (server && cur_eq_ci(w[0], "-ERR") && nw >= 2)) {
		note(sd, G_WEAK, "NATS %s", server ? "server control line" : "PING/PONG");
		return;
	}
	if (!server) {
		if ((cur_eq_ci(w[0], "PUB") && (nw == 3 || nw == 4) && all_digits(w[nw - 1])) ||
		    (cur_eq_ci(w[0], "HPUB") && (nw == 4 || nw == 5) && all_digits(w[nw - 1]) &&
		     all_digits(w[nw - 2])) ||
		    (cur_eq_ci(w[0], "SUB") && (nw == 3 || nw == 4)) ||
		    (cur_eq_ci(w[0], "UNSUB") && (nw == 2 || nw == 3)))
			note(sd, G_WEAK, "NATS client command");
		return;
	}
	if ((cur_eq_ci(w[0], "MSG") && (nw == 4 || nw == 5) && all_digits(w[nw - 1])) ||
	    (cur_eq_ci(w[0], "HMSG") && (nw == 5 || nw == 6) && all_digits(w[nw - 1]) &&
	     all_digits(w[nw - 2])))
		note(sd, G_WEAK, "NATS MSG");
	return;
trunc:
	truncated(sd);
}

static void dissect_nats(const struct input *in, struct finding *f)
{
	if (in->c.left) {
		nats_json_verb(in->c, &f->c, "CONNECT", "NATS CONNECT");
		nats_line(in->c, &f->c, false);
	}
	if (in->s.left) {
		nats_json_verb(in->s, &f->s, "INFO", "NATS server INFO");
		nats_line(in->s, &f->s, true);
	}
}

/* ---- TLS: RFC 8446 5.1 (record), 4.1.2 (ClientHello), RFC 6066 3 (SNI) ---- */

#define TLS_HANDSHAKE 0x16
#define TLS_CLIENT_HELLO 1
#define TLS_SERVER_HELLO 2
#define TLS_MAX_RECORD (16384u + 2048)
#define TLS_EXT_SERVER_NAME 0
#define TLS_MAX_EXTENSIONS 64
#define TLS_MAX_NAMES 8
#define DNS_MAX_NAME 253

static bool hostname_ok(struct cur h)
{
	if (h.left == 0 || h.left > DNS_MAX_NAME)
		return false;
	for (size_t i = 0; i < h.left; i++) {
		uint8_t ch = h.p[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_'))
			return false;
	}
	return true;
}

enum sni_status { SNI_FOUND, SNI_NONE, SNI_CUT };

/* Walks the ClientHello after client_version to the server_name extension.
 * SNI_CUT: the bytes ended first; SNI_NONE: no usable host name (also when
 * a length is inconsistent). */
static enum sni_status tls_sni(struct cur hello, size_t hello_len, char *sni, size_t cap)
{
	bool complete = hello.left >= hello_len, partial = false;
	uint8_t sidlen, complen, ntype;
	uint16_t cslen, extlen, etype, elen, listlen, nlen;
	struct cur exts, ext, list, name;

	if (cur_skip(&hello, 32) || cur_get_u8(&hello, &sidlen))
		goto cut;
	if (sidlen > 32)
		return SNI_NONE;
	if (cur_skip(&hello, sidlen) || cur_get_be16(&hello, &cslen))
		goto cut;
	if (cslen < 2 || cslen % 2)
		return SNI_NONE;
	if (cur_skip(&hello, cslen) || cur_get_u8(&hello, &complen))
		goto cut;
	if (complen < 1)
		return SNI_NONE;
	if (cur_skip(&hello, complen))
		goto cut;
	if (hello.left == 0 && complete)
		return SNI_NONE; /* no extensions at all */
	if (cur_get_be16(&hello, &extlen))
		goto cut;
	if (cur_sub(&hello, extlen, &exts)) {
		if (complete)
			return SNI_NONE;
		exts = hello; /* walk what there is of the extensions */
		partial = true;
	}
	for (int i = 0; i < TLS_MAX_EXTENSIONS && exts.left; i++) {
		if (cur_get_be16(&exts, &etype) || cur_get_be16(&exts, &elen) || cur_sub(&exts, elen, &ext))
			return partial ? SNI_CUT : SNI_NONE;
		if (etype != TLS_EXT_SERVER_NAME)
			continue;
		if (cur_get_be16(&ext, &listlen) || cur_sub(&ext, listlen, &list))
			return SNI_NONE;
		for (int k = 0; k < TLS_MAX_NAMES; k++) {
			if (cur_get_u8(&list, &ntype) || cur_get_be16(&list, &nlen) ||
			    cur_sub(&list, nlen, &name))
				return SNI_NONE;
			if (ntype == 0 && hostname_ok(name) && name.left < cap) { /* host_name */
				memcpy(sni, name.p, name.left);
				sni[name.left] = '\0';
				return SNI_FOUND;
			}
		}
		return SNI_NONE;
	}
	return partial ? SNI_CUT : SNI_NONE;
cut:
	return complete ? SNI_NONE : SNI_CUT;
}

/* Record header + handshake header + legacy_version: 11 bytes. */
static void tls_hello(struct cur c, struct side *sd, uint8_t want, char *sni, size_t cap)
{
	uint8_t type, major, minor, hs, vmaj, vmin;
	uint16_t rlen;
	uint32_t hlen;
	struct cur rec;

	if (cur_get_u8(&c, &type) || type != TLS_HANDSHAKE)
		return;
	if (cur_get_u8(&c, &major))
		goto trunc;
	if (major != 3)
		return;
	if (cur_get_u8(&c, &minor))
		goto trunc;
	if (minor > 4)
		return;
	if (cur_get_be16(&c, &rlen))
		goto trunc;
	if (rlen < 4 || rlen > TLS_MAX_RECORD)
		return;
	rec = c;
	if (rec.left > rlen)
		rec.left = rlen;
	if (cur_get_u8(&rec, &hs))
		goto trunc;
	if (hs != want)
		return;
	if (cur_get_be24(&rec, &hlen))
		goto trunc;
	if (hlen < 38) /* version + random + session id length */
		return;
	if (cur_get_u8(&rec, &vmaj) || cur_get_u8(&rec, &vmin))
		goto trunc;
	if (vmaj != 3 || vmin > 4)
		return;
	if (want == TLS_SERVER_HELLO) {
		note(sd, G_STRONG, "TLS ServerHello");
		return;
	}
	if (rec.left > hlen - 2)
		rec.left = hlen - 2;
	switch (tls_sni(rec, hlen - 2, sni, cap)) {
	case SNI_FOUND:
		note(sd, G_STRONG, "TLS ClientHello, SNI %.80s", sni);
		break;
	case SNI_NONE:
		note(sd, G_STRONG, "TLS ClientHello without SNI");
		break;
	case SNI_CUT:
		note(sd, G_STRONG, "TLS ClientHello, cut before SNI");
		break;
	}
	return;
trunc:
	truncated(sd);
}

static void dissect_tls(const struct input *in, struct finding *f)
{
	char unused[8] = "";

	tls_hello(in->c, &f->c, TLS_CLIENT_HELLO, f->sni, sizeof(f->sni));
	tls_hello(in->s, &f->s, TLS_SERVER_HELLO, unused, sizeof(unused));
}

/* ---- HTTP/1.x: RFC 9112 3 (request line), 4 (status line) ---- */

#define HTTP_MAX_METHOD 32u

static bool http_method_char(uint8_t ch)
{
	return (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '_';
}

/* "HTTP/1.<digit>" at the cursor. 1 / 0 / -1 (short). */
static int http_version(struct cur *c)
{
	int rc = cur_starts(c, "HTTP/1.", 7);

	if (rc <= 0)
		return rc;
	cur_skip(c, 7);
	if (c->left == 0)
		return -1;
	if (c->p[0] < '0' || c->p[0] > '9')
		return 0;
	cur_skip(c, 1);
	return 1;
}

static void http_client(struct cur c, struct side *sd)
{
	size_t i = 0;
	int rc;

	/* method: a token of capitals (RFC 9110 9.1; any method, WebDAV too) */
	while (i < c.left && i <= HTTP_MAX_METHOD && http_method_char(c.p[i]))
		i++;
	if (i == 0 || i > HTTP_MAX_METHOD || c.p[0] < 'A' || c.p[0] > 'Z')
		return;
	if (i == c.left)
		goto trunc;
	if (c.p[i] != ' ')
		return;
	cur_skip(&c, i + 1);
	/* request-target: visible ASCII up to the next space */
	for (i = 0; i < c.left && c.p[i] > 0x20 && c.p[i] < 0x7f; i++)
		;
	if (i == c.left)
		goto trunc;
	if (i == 0 || c.p[i] != ' ')
		return;
	cur_skip(&c, i + 1);
	rc = http_version(&c);
	if (rc < 0)
		goto trunc;
	if (rc == 0)
		return;
	if (c.left == 0)
		goto trunc;
	if (c.p[0] == '\r' && c.left == 1)
		goto trunc;
	if (c.p[0] == '\n' || (c.p[0] == '\r' && c.p[1] == '\n'))
		note(sd, G_STRONG, "HTTP/1.x request line");
	return;
trunc:
	truncated(sd);
}

static void http_server(struct cur c, struct side *sd)
{
	int rc = http_version(&c);
	uint8_t sp;

	if (rc < 0)
		goto trunc;
	if (rc == 0)
		return;
	if (cur_get_u8(&c, &sp))
		goto trunc;
	if (sp != ' ')
		return;
	for (int i = 0; i < 3; i++) {
		if (i >= (int)c.left)
			goto trunc;
		if (c.p[i] < '0' || c.p[i] > '9')
			return;
	}
	note(sd, G_STRONG, "HTTP/1.x status line");
	return;
trunc:
	truncated(sd);
}

static void dissect_http(const struct input *in, struct finding *f)
{
	if (in->c.left)
		http_client(in->c, &f->c);
	if (in->s.left)
		http_server(in->s, &f->s);
}

/* ---- HTTP/2: RFC 9113 3.4 (preface), 6.5 (SETTINGS) ---- */

static const char H2_PREFACE[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

#define H2_FRAME_SETTINGS 0x4
#define H2_MAX_SETTINGS_LEN 16384u

static void dissect_http2(const struct input *in, struct finding *f)
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
	if (cur_get_be24(&s, &len) || cur_get_u8(&s, &type) || cur_get_u8(&s, &flags) || cur_get_be32(&s, &stream))
		return;
	if (type == H2_FRAME_SETTINGS && flags == 0 && (stream & 0x7fffffffu) == 0 &&
	    len % 6 == 0 && len <= H2_MAX_SETTINGS_LEN)
		note(&f->s, G_WEAK, "HTTP/2 SETTINGS frame");
}

/* ---- the protocol table and the decision ---- */

#define MAX_PORTS 4

struct proto {
	const char *name;
	const char *category;
	uint16_t ports[MAX_PORTS]; /* default ports, owned (0 ends the list) */
	/* ports that tell the server side without naming the protocol
	 * (classify_service_port) */
	uint16_t serve_ports[MAX_PORTS];
	void (*dissect)(const struct input *in, struct finding *f);
};

/* Order breaks ties between equal grades (after the port's protocol). */
static const struct proto protos[] = {
    {"postgres", "database", {5432}, {0}, dissect_postgres},
    {"mysql", "database", {3306}, {0}, dissect_mysql},
    {"mongodb", "database", {27017}, {0}, dissect_mongodb},
    {"mssql", "database", {1433}, {0}, dissect_mssql},
    {"redis", "cache", {6379, 26379}, {0}, dissect_redis},
    {"memcached", "cache", {11211}, {0}, dissect_memcached},
    {"kafka", "message_bus", {9092, 19092, 29092, 9093}, {0}, dissect_kafka},
    {"amqp", "message_bus", {5672, 5671}, {0}, dissect_amqp},
    {"nats", "message_bus", {4222, 6222}, {0}, dissect_nats},
    {"tls", "", {0}, {443, 8443}, dissect_tls},
    {"http", "", {0}, {80, 8080}, dissect_http},
    {"http2", "", {0}, {0}, dissect_http2},
};

#define NPROTOS (sizeof(protos) / sizeof(protos[0]))

static bool has_port(const struct proto *p, uint16_t port)
{
	for (int i = 0; i < MAX_PORTS && p->ports[i]; i++)
		if (p->ports[i] == port)
			return true;
	return false;
}

bool classify_service_port(uint16_t port)
{
	if (port == 0)
		return false;
	for (size_t i = 0; i < NPROTOS; i++)
		for (int k = 0; k < MAX_PORTS; k++)
			if (protos[i].ports[k] == port || protos[i].serve_ports[k] == port)
				return true;
	return false;
}

static void setf(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void setf(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
}

/* One protocol's grade from both sides, and the evidence that names it:
 * weak evidence from both directions adds up to G_PAIRED, which names a
 * protocol like strong evidence does but loses to it. */
static enum grade final_grade(const struct finding *f, char *ev, size_t cap)
{
	const struct side *c = &f->c, *s = &f->s;

	ev[0] = '\0';
	if (c->g >= G_WEAK && s->g >= G_WEAK) {
		if (c->g == G_STRONG)
			setf(ev, cap, "%s", c->ev);
		else if (s->g == G_STRONG)
			setf(ev, cap, "%s", s->ev);
		else
			setf(ev, cap, "%s and %s", c->ev, s->ev);
		return c->g == G_STRONG || s->g == G_STRONG ? G_STRONG : G_PAIRED;
	}
	if (c->g >= s->g) {
		setf(ev, cap, "%s", c->ev);
		return c->g;
	}
	setf(ev, cap, "%s", s->ev);
	return s->g;
}

/* The names of the protocols graded want, joined by sep, in table order. */
static void names_at(const enum grade *g, enum grade want, const char *sep, char *dst, size_t cap)
{
	size_t k = 0;

	dst[0] = '\0';
	for (size_t i = 0; i < NPROTOS; i++) {
		int w;

		if (g[i] != want)
			continue;
		w = snprintf(dst + k, cap - k, "%s%s", k ? sep : "", protos[i].name);
		if (w < 0 || (size_t)w >= cap - k)
			return; /* cut: what fits is there */
		k += (size_t)w;
	}
}

static void set_proto(struct classify_result *out, const struct proto *p, int confidence)
{
	setf(out->protocol, sizeof(out->protocol), "%s", p ? p->name : "unknown");
	setf(out->category, sizeof(out->category), "%s", p ? p->category : "");
	out->confidence = confidence;
}

int classify_connection(const uint8_t *client_data, size_t client_len, const uint8_t *server_data,
			size_t server_len, uint16_t server_port, struct classify_result *out)
{
	struct input in;
	struct finding f[NPROTOS];
	enum grade g[NPROTOS];
	char ev[NPROTOS][2 * EVIDENCE_MAX + 8];
	int best = -1, pp = -1, nbest = 0;
	const struct proto *bp, *portp;
	enum grade pg;
	char names[96];

	memset(out, 0, sizeof(*out));
	memset(f, 0, sizeof(f));
	in.c = cls_cur(client_data, client_len < CLASSIFY_PREFIX ? client_len : CLASSIFY_PREFIX);
	in.s = cls_cur(server_data, server_len < CLASSIFY_PREFIX ? server_len : CLASSIFY_PREFIX);

	for (size_t i = 0; i < NPROTOS; i++) {
		protos[i].dissect(&in, &f[i]);
		g[i] = final_grade(&f[i], ev[i], sizeof(ev[i]));
		if (has_port(&protos[i], server_port))
			pp = (int)i;
	}
	for (size_t i = 0; i < NPROTOS; i++) {
		if (best < 0 || g[i] > g[best] || (g[i] == g[best] && (int)i == pp && best != pp))
			best = (int)i;
	}
	for (size_t i = 0; i < NPROTOS; i++)
		if (g[i] == g[best])
			nbest++;
	bp = &protos[best];
	portp = pp >= 0 ? &protos[pp] : NULL;
	pg = pp >= 0 ? g[pp] : G_NONE;

	if (g[best] >= G_WEAK && best == pp) {
		set_proto(out, bp, 90);
		if (strcmp(ev[best], REDIS_SEED_EVIDENCE) == 0)
			setf(out->reason, sizeof(out->reason), "%s",
			     ev[best]); /* seed text as is */
		else
			setf(out->reason, sizeof(out->reason), "port %u, %s", server_port,
			     ev[best]);
		return 0;
	}
	if (g[best] >= G_PAIRED && nbest > 1) {
		/* two protocols claim the bytes equally: neither is believed */
		names_at(g, g[best], " and ", names, sizeof(names));
		set_proto(out, portp, portp ? 60 : 0);
		if (portp)
			setf(out->reason, sizeof(out->reason),
			     "port %u, conflicting fingerprints (%s)", server_port, names);
		else
			setf(out->reason, sizeof(out->reason),
			     "conflicting fingerprints (%s) on port %u", names, server_port);
		return 0;
	}
	if (g[best] >= G_PAIRED && bp->dissect == dissect_tls && portp) {
		/* TLS on a protocol's port: the protocol inside, by port only */
		set_proto(out, portp, 60);
		setf(out->reason, sizeof(out->reason), "port %u, TLS-encrypted (%s)", server_port,
		     ev[best]);
		return 0;
	}
	if (g[best] >= G_PAIRED) {
		if (bp->ports[0] == 0 && !portp) { /* tls/http/http2 where no one else lives */
			set_proto(out, bp, 90);
			setf(out->reason, sizeof(out->reason), "%s", ev[best]);
		} else {
			set_proto(out, bp, 80);
			setf(out->reason, sizeof(out->reason),
			     "fingerprint %s on non-default port %u", ev[best], server_port);
		}
		if (bp->dissect == dissect_tls)
			setf(out->sni, sizeof(out->sni), "%s", f[best].sni);
		return 0;
	}
	if (portp) {
		/* weak evidence for another protocol never overrides the port */
		set_proto(out, portp, 60);
		if (in.c.left == 0 && in.s.left == 0)
			setf(out->reason, sizeof(out->reason), "port %u", server_port);
		else if (pg == G_TRUNC)
			setf(out->reason, sizeof(out->reason),
			     "port %u, payload too short to confirm", server_port);
		else
			setf(out->reason, sizeof(out->reason), "port %u, payload not recognized",
			     server_port);
		return 0;
	}
	set_proto(out, NULL, 0);
	if (g[best] == G_WEAK && nbest == 1) {
		/* plausible text alone is not enough away from the protocol's port */
		setf(out->reason, sizeof(out->reason), "inconclusive: %s on port %u", ev[best],
		     server_port);
	} else if (g[best] == G_WEAK) {
		names_at(g, G_WEAK, " or ", names, sizeof(names));
		setf(out->reason, sizeof(out->reason), "inconclusive: %s on port %u", names,
		     server_port);
	} else if (in.c.left == 0 && in.s.left == 0) {
		setf(out->reason, sizeof(out->reason), "no payload on port %u", server_port);
	} else if (g[best] == G_TRUNC) {
		setf(out->reason, sizeof(out->reason), "payload too short to classify on port %u",
		     server_port);
	} else {
		setf(out->reason, sizeof(out->reason), "no fingerprint matched on port %u",
		     server_port);
	}
	return 0;
}
