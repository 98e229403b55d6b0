/* nats.c - NATS: client protocol (docs.nats.io, "Client Protocol"): INFO,
 * CONNECT, PING/PONG, +OK/-ERR.
 * A dissector of the classifier (proto/dissect.h, classify.h "Rules"). */
#include "proto/dissect.h"

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
	struct cur w[MAX_WORDS];
	int nw;

	nw = text_words(c, NATS_MAX_LINE, w);
	if (nw < 0)
		goto trunc;
	if (nw == 0)
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

void dissect_nats(const struct dissect_input *in, struct dissect_result *f)
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
