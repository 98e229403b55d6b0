/* redis.c - Redis: RESP2/RESP3 (redis.io "RESP protocol spec") and inline commands.
 * A dissector of the classifier (proto/dissect.h, classify.h "Rules"). */
#include "proto/dissect.h"

#define RESP_MAX_LINE 1024u
#define RESP_MAX_ARRAY 1048576
#define RESP_MAX_BULK 536870912 /* proto-max-bulk-len */

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
	struct cur w[MAX_WORDS], bulk;
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
	nw = text_words(c, RESP_MAX_LINE, w);
	if (nw < 0)
		goto trunc;
	if (nw == 0)
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

void dissect_redis(const struct dissect_input *in, struct dissect_result *f)
{
	redis_client(in->c, &f->c);
	redis_server(in->s, &f->s);
}
