/* memcached.c - memcached: doc/protocol.txt (text and meta commands) and the binary
 * protocol ("BinaryProtocolRevamped").
 * A dissector of the classifier (proto/dissect.h, classify.h "Rules"). */
#include "proto/dissect.h"

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
	struct cur w[MAX_WORDS];
	int nw;

	nw = text_words(c, MC_MAX_LINE, w);
	if (nw < 0)
		goto trunc;
	if (nw == 0)
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
	struct cur w[MAX_WORDS];
	int nw;

	nw = text_words(c, MC_MAX_LINE, w);
	if (nw < 0)
		goto trunc;
	if (nw == 0)
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

void dissect_memcached(const struct dissect_input *in, struct dissect_result *f)
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
