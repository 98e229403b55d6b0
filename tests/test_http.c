/* test_http.c - the HTTP/1.x parser, case by case. Every case runs whole,
 * one byte per call, and with each of its pieces split at every byte
 * boundary into two calls; all runs must give exactly the messages the case
 * expects (written by reading the bytes, RFC 9112 in hand). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* case tables leave trailing step fields zero */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "proto/http.h"
#include "base/util.h"

/* ---- recording messages as one canonical line each ----
 * "<dir> REQ <method> <target> <ver> [<headers>] {<body>} <<trailers>>
 *  t=<body_total> f=<flags> x=<txn>" or "<dir> RES <status> <ver> ..."
 * flags: T truncated, I incomplete, C body cut, K chunked, H head cut,
 *        N no body sent, E until close; "-" for none */

struct rec {
	struct dbuf out;
	unsigned txn_done;
};

static void fields(struct dbuf *b, const struct http_header *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			dbuf_putc(b, '|');
		dbuf_put(b, h[i].name, h[i].name_len);
		dbuf_puts(b, ": ");
		dbuf_put(b, h[i].value, h[i].value_len);
	}
}

static void r_msg(void *ctx, const struct http_msg *m)
{
	struct rec *r = ctx;
	static const struct {
		uint32_t f;
		char c;
	} fl[] = {
	    {HTTP_MSG_TRUNCATED, 'T'},	 {HTTP_MSG_INCOMPLETE, 'I'}, {HTTP_MSG_BODY_CUT, 'C'},
	    {HTTP_MSG_CHUNKED, 'K'},	 {HTTP_MSG_HEAD_CUT, 'H'},   {HTTP_MSG_NO_BODY_SENT, 'N'},
	    {HTTP_MSG_UNTIL_CLOSE, 'E'},
	};
	bool any = false;

	dbuf_printf(&r->out, "%d ", m->dir);
	if (m->kind == HTTP_REQUEST) {
		dbuf_puts(&r->out, "REQ ");
		dbuf_put(&r->out, m->method, m->method_len);
		dbuf_putc(&r->out, ' ');
		dbuf_put(&r->out, m->target, m->target_len);
	} else {
		dbuf_printf(&r->out, "RES %d", m->status);
	}
	dbuf_printf(&r->out, " %d.%d [", m->version_major, m->version_minor);
	fields(&r->out, m->headers, m->nheaders);
	dbuf_puts(&r->out, "] {");
	dbuf_put(&r->out, m->body, m->body_len);
	dbuf_puts(&r->out, "} <");
	fields(&r->out, m->trailers, m->ntrailers);
	dbuf_printf(&r->out, "> t=%llu f=", (unsigned long long)m->body_total);
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if (m->flags & fl[i].f) {
			dbuf_putc(&r->out, fl[i].c);
			any = true;
		}
	if (!any)
		dbuf_putc(&r->out, '-');
	dbuf_printf(&r->out, " x=%llu\n", m->txn ? (unsigned long long)m->txn->id : 0ull);
}

static void r_done(void *ctx, struct http_txn *t)
{
	struct rec *r = ctx;
	(void)t;
	r->txn_done++;
}

static const struct http_ops ops = {r_msg, r_done, NULL};

/* ---- cases ---- */

enum { DATA = 1, GAP, EOF_ };

struct step {
	int op;
	int dir;
	const char *s;
	size_t len; /* 0: strlen(s) */
	uint64_t n; /* GAP: missing bytes (0: unknown) */
};

struct tcase {
	const char *name;
	bool at_start;
	struct step steps[12];
	const char *expect;
	enum http_state state;
};

static size_t step_len(const struct step *s)
{
	return s->len ? s->len : strlen(s->s);
}

/* Runs c; split >= 0: that step goes in two calls at byte k; bytewise: every
 * data step one byte per call. @return the canonical text (caller frees). */
static char *run_case(const struct tcase *c, int split, size_t k, bool bytewise,
		      enum http_state *state, unsigned *done)
{
	struct rec r;
	struct http_conn *h;
	uint64_t ts = 1;

	memset(&r, 0, sizeof(r));
	h = http_conn_create(&ops, &r, NULL, c->at_start);
	for (int i = 0; c->steps[i].op; i++) {
		const struct step *s = &c->steps[i];
		const uint8_t *p = (const uint8_t *)s->s;
		size_t n;
		switch (s->op) {
		case DATA:
			n = step_len(s);
			if (bytewise) {
				for (size_t j = 0; j < n; j++)
					http_conn_data(h, s->dir, p + j, 1, ts++);
			} else if (i == split) {
				http_conn_data(h, s->dir, p, k, ts++);
				http_conn_data(h, s->dir, p + k, n - k, ts++);
			} else {
				http_conn_data(h, s->dir, p, n, ts++);
			}
			break;
		case GAP:
			http_conn_gap(h, s->dir, s->n, ts++);
			break;
		case EOF_:
			http_conn_eof(h, s->dir, ts++);
			break;
		}
	}
	http_conn_finish(h, ts);
	if (state)
		*state = http_conn_state(h);
	http_conn_free(h);
	if (done)
		*done = r.txn_done;
	dbuf_cstr(&r.out);
	return (char *)r.out.p;
}

static void check_case(const struct tcase *c)
{
	enum http_state st;
	char *got;

	got = run_case(c, -1, 0, false, &st, NULL);
	if (strcmp(got, c->expect))
		fprintf(stderr, "case %s (whole):\n", c->name);
	assert_string_equal(got, c->expect);
	assert_int_equal(st, c->state);
	free(got);

	got = run_case(c, -1, 0, true, &st, NULL);
	if (strcmp(got, c->expect))
		fprintf(stderr, "case %s (byte by byte):\n", c->name);
	assert_string_equal(got, c->expect);
	assert_int_equal(st, c->state);
	free(got);

	for (int i = 0; c->steps[i].op; i++) {
		if (c->steps[i].op != DATA)
			continue;
		for (size_t k = 1; k < step_len(&c->steps[i]); k++) {
			got = run_case(c, i, k, false, &st, NULL);
			if (strcmp(got, c->expect))
				fprintf(stderr, "case %s, step %d split at %zu:\n", c->name, i, k);
			assert_string_equal(got, c->expect);
			assert_int_equal(st, c->state);
			free(got);
		}
	}
}

/* ---- the cases ---- */

static const struct tcase simple = {
    "simple GET",
    true,
    {{DATA, 0, "GET /index.html?q=1 HTTP/1.1\r\nHost: example\r\nUser-Agent: t\r\n\r\n"},
     {DATA, 1, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"}},
    "0 REQ GET /index.html?q=1 1.1 [Host: example|User-Agent: t] {} <> t=0 f=- x=1\n"
    "1 RES 200 1.1 [Content-Length: 5|Content-Type: text/plain] {hello} <> t=5 f=- x=1\n",
    HTTP_YES,
};

static const struct tcase dup_headers = {
    "duplicate headers and obs-fold",
    true,
    {{DATA, 0, "GET / HTTP/1.1\r\n\r\n"},
     {DATA, 1,
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
      "X-Folded: one\r\n  two\r\nContent-Length: 0\r\n\r\n"}},
    "0 REQ GET / 1.1 [] {} <> t=0 f=- x=1\n"
    "1 RES 200 1.1 [Set-Cookie: a=1|Set-Cookie: b=2|X-Folded: one two|Content-Length: 0] {} <> t=0 "
    "f=- x=1\n",
    HTTP_YES,
};

static const struct tcase bad_field_names = {
    "lines that are not fields are ignored",
    true,
    {{DATA, 0,
      "GET / HTTP/1.1\r\nBad Name: x\r\nGood : y\r\n: empty\r\nNoColon\r\n"
      "X\001Y: ctl\r\nOk: z\r\n\r\n"}},
    "0 REQ GET / 1.1 [Good: y|Ok: z] {} <> t=0 f=- x=1\n",
    HTTP_YES,
};

/* RFC 9112 7.1 example-like body with a chunk extension and a trailer */
static const struct tcase chunked = {
    "chunked with extension and trailers",
    true,
    {{DATA, 0,
      "POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n"
      "0\r\nX-Checksum: abc\r\n\r\n"},
     {DATA, 1, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"}},
    "0 REQ POST /up 1.1 [Transfer-Encoding: chunked] {Wikipedia in\r\n\r\nchunks.} "
    "<X-Checksum: abc> t=23 f=K x=1\n"
    "1 RES 201 1.1 [Content-Length: 0] {} <> t=0 f=- x=1\n",
    HTTP_YES,
};

static const struct tcase keepalive = {
    "keep-alive",
    true,
    {{DATA, 0, "GET /1 HTTP/1.1\r\n\r\n"},
     {DATA, 1, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"},
     {DATA, 0, "POST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz"},
     {DATA, 1, "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno"},
     {DATA, 0, "GET /3 HTTP/1.1\r\n\r\n"},
     {DATA, 1, "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"}},
    "0 REQ GET /1 1.1 [] {} <> t=0 f=- x=1\n"
    "1 RES 200 1.1 [Content-Length: 1] {a} <> t=1 f=- x=1\n"
    "0 REQ POST /2 1.1 [Content-Length: 3] {xyz} <> t=3 f=- x=2\n"
    "1 RES 404 1.1 [Content-Length: 2] {no} <> t=2 f=- x=2\n"
    "0 REQ GET /3 1.1 [] {} <> t=0 f=- x=3\n"
    "1 RES 500 1.1 [Content-Length: 0] {} <> t=0 f=- x=3\n",
    HTTP_YES,
};

static const struct tcase pipelined = {
    "pipelining",
    true,
    {{DATA, 0,
      "GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 4\r\n\r\nbodyGET /c "
      "HTTP/1.1\r\n\r\n"},
     {DATA, 1,
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nB\r\n0\r\n\r\n"
      "HTTP/1.1 202 Accepted\r\nContent-Length: 1\r\n\r\nC"}},
    "0 REQ GET /a 1.1 [] {} <> t=0 f=- x=1\n"
    "0 REQ POST /b 1.1 [Content-Length: 4] {body} <> t=4 f=- x=2\n"
    "0 REQ GET /c 1.1 [] {} <> t=0 f=- x=3\n"
    "1 RES 200 1.1 [Content-Length: 1] {A} <> t=1 f=- x=1\n"
    "1 RES 201 1.1 [Transfer-Encoding: chunked] {B} <> t=1 f=K x=2\n"
    "1 RES 202 1.1 [Content-Length: 1] {C} <> t=1 f=- x=3\n",
    HTTP_YES,
};

static const struct tcase head = {
    "HEAD has no body",
    true,
    {{DATA, 0, "HEAD /f HTTP/1.1\r\n\r\nGET /g HTTP/1.1\r\n\r\n"},
     {DATA, 1,
      "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"}},
    "0 REQ HEAD /f 1.1 [] {} <> t=0 f=- x=1\n"
    "0 REQ GET /g 1.1 [] {} <> t=0 f=- x=2\n"
    "1 RES 200 1.1 [Content-Length: 1000] {} <> t=0 f=- x=1\n"
    "1 RES 200 1.1 [Content-Length: 2] {ok} <> t=2 f=- x=2\n",
    HTTP_YES,
};

static const struct tcase no_body_codes = {
    "1xx, 204, 304 without body",
    true,
    {{DATA, 0, "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n"},
     {DATA, 1,
      "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
      "HTTP/1.1 204 No Content\r\n\r\n"
      "HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n"}},
    "0 REQ GET /a 1.1 [] {} <> t=0 f=- x=1\n"
    "0 REQ GET /b 1.1 [] {} <> t=0 f=- x=2\n"
    "0 REQ GET /c 1.1 [] {} <> t=0 f=- x=3\n"
    "1 RES 103 1.1 [Link: </s.css>] {} <> t=0 f=- x=1\n"
    "1 RES 200 1.1 [Content-Length: 1] {A} <> t=1 f=- x=1\n"
    "1 RES 204 1.1 [] {} <> t=0 f=- x=2\n"
    "1 RES 304 1.1 [ETag: x] {} <> t=0 f=- x=3\n",
    HTTP_YES,
};

#define PUT_EXPECT "PUT /u HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"

static const struct tcase expect_continue = {
    "Expect: 100-continue, then the body",
    true,
    {{DATA, 0, PUT_EXPECT},
     {DATA, 1, "HTTP/1.1 100 Continue\r\n\r\n"},
     {DATA, 0, "data"},
     {DATA, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"}},
    "1 RES 100 1.1 [] {} <> t=0 f=- x=1\n"
    "0 REQ PUT /u 1.1 [Expect: 100-continue|Content-Length: 4] {data} <> t=4 f=- x=1\n"
    "1 RES 200 1.1 [Content-Length: 0] {} <> t=0 f=- x=1\n",
    HTTP_YES,
};

static const struct tcase expect_refused = {
    "Expect: 100-continue refused, body never sent",
    true,
    {{DATA, 0, PUT_EXPECT},
     {DATA, 1, "HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n"},
     {DATA, 0, "GET /next HTTP/1.1\r\n\r\n"},
     {DATA, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"}},
    "1 RES 417 1.1 [Content-Length: 0] {} <> t=0 f=- x=1\n"
    "0 REQ PUT /u 1.1 [Expect: 100-continue|Content-Length: 4] {} <> t=0 f=N x=1\n"
    "0 REQ GET /next 1.1 [] {} <> t=0 f=- x=2\n"
    "1 RES 200 1.1 [Content-Length: 0] {} <> t=0 f=- x=2\n",
    HTTP_YES,
};

static const struct tcase expect_body_anyway = {
    "Expect: 100-continue refused, body sent anyway",
    true,
    {{DATA, 0, PUT_EXPECT},
     {DATA, 1, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"},
     {DATA, 0, "dataGET /n HTTP/1.1\r\n\r\n"},
     {DATA, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"}},
    "1 RES 401 1.1 [Content-Length: 0] {} <> t=0 f=- x=1\n"
    "0 REQ PUT /u 1.1 [Expect: 100-continue|Content-Length: 4] {data} <> t=4 f=- x=1\n"
    "0 REQ GET /n 1.1 [] {} <> t=0 f=- x=2\n"
    "1 RES 200 1.1 [Content-Length: 0] {} <> t=0 f=- x=2\n",
    HTTP_YES,
};

static const struct tcase until_close = {
    "Connection: close, body until the end",
    true,
    {{DATA, 0, "GET /old HTTP/1.0\r\n\r\n"},
     {DATA, 1, "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\nline1\nline2\n"},
     {EOF_, 1, NULL}},
    "0 REQ GET /old 1.0 [] {} <> t=0 f=- x=1\n"
    "1 RES 200 1.0 [Connection: close] {line1\nline2\n} <> t=12 f=E x=1\n",
    HTTP_YES,
};

static const struct tcase until_close_unseen = {
    "body until close, close never seen",
    true,
    {{DATA, 0, "GET /old HTTP/1.0\r\n\r\n"}, {DATA, 1, "HTTP/1.0 200 OK\r\n\r\npartial"}},
    "0 REQ GET /old 1.0 [] {} <> t=0 f=- x=1\n"
    "1 RES 200 1.0 [] {partial} <> t=7 f=IE x=1\n",
    HTTP_YES,
};

static const struct tcase gap_in_body = {
    "gap of known length inside a Content-Length body",
    true,
    {{DATA, 0, "POST /p HTTP/1.1\r\nContent-Length: 10\r\n\r\n"},
     {DATA, 0, "abc"},
     {GAP, 0, NULL, 0, 4},
     {DATA, 0, "hij"},
     {DATA, 0, "GET /after HTTP/1.1\r\n\r\n"}},
    "0 REQ POST /p 1.1 [Content-Length: 10] {abchij} <> t=10 f=T x=1\n"
    "0 REQ GET /after 1.1 [] {} <> t=0 f=- x=2\n",
    HTTP_YES,
};

static const struct tcase gap_in_head = {
    "gap inside the headers: truncated, resync",
    true,
    {{DATA, 0, "GET /a HTTP/1.1\r\nHost: x\r\nX-Lo"},
     {GAP, 0, NULL, 0, 50},
     {DATA, 0, "GET /b HTTP/1.1\r\n\r\n"},
     {DATA, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"}},
    "0 REQ GET /a 1.1 [Host: x] {} <> t=0 f=TI x=1\n"
    "0 REQ GET /b 1.1 [] {} <> t=0 f=- x=2\n"
    "1 RES 200 1.1 [Content-Length: 0] {} <> t=0 f=- x=1\n",
    HTTP_YES,
};

static const struct tcase gap_in_chunk = {
    "gap of unknown length in a chunked body",
    true,
    {{DATA, 0, "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"},
     {GAP, 0, NULL, 0, 0},
     {DATA, 0, "\r\n0\r\n\r\nPUT /d HTTP/1.1\r\nContent-Length: 0\r\n\r\n"}},
    "0 REQ POST /c 1.1 [Transfer-Encoding: chunked] {ab} <> t=5 f=TIK x=1\n"
    "0 REQ PUT /d 1.1 [Content-Length: 0] {} <> t=0 f=- x=2\n",
    HTTP_YES,
};

static const struct tcase gap_between = {
    "gap between messages: whatever it hid is lost, the next is found",
    true,
    {{DATA, 0, "GET /1 HTTP/1.1\r\n\r\n"},
     {GAP, 0, NULL, 0, 300},
     {DATA, 0, "GET /3 HTTP/1.1\r\n\r\n"}},
    "0 REQ GET /1 1.1 [] {} <> t=0 f=- x=1\n"
    "0 REQ GET /3 1.1 [] {} <> t=0 f=- x=2\n",
    HTTP_YES,
};

static const struct tcase websocket = {
    "Upgrade: websocket ends HTTP",
    true,
    {{DATA, 0, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"},
     {DATA, 1, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello"},
     {DATA, 0, "\x81\x85\x01\x02\x03\x04ifmmp"},
     {DATA, 0, "GET /x HTTP/1.1\r\n\r\n"},
     {DATA, 1, "HTTP/1.1 200 OK\r\n\r\n"}},
    "0 REQ GET /ws 1.1 [Upgrade: websocket|Connection: Upgrade] {} <> t=0 f=- x=1\n"
    "1 RES 101 1.1 [Upgrade: websocket] {} <> t=0 f=- x=1\n",
    HTTP_YES,
};

static const struct tcase h2c_upgrade = {
    "Upgrade: h2c, then HTTP/2 frames",
    true,
    {{DATA, 0,
      "GET / HTTP/1.1\r\nHost: s\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n"},
     {DATA, 1, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"},
     {DATA, 0, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"}},
    "0 REQ GET / 1.1 [Host: s|Upgrade: h2c|HTTP2-Settings: AAMAAABkAAQAAP__] {} <> t=0 f=- x=1\n"
    "1 RES 101 1.1 [Connection: Upgrade|Upgrade: h2c] {} <> t=0 f=- x=1\n",
    HTTP_YES,
};

static const struct tcase upgrade_refused = {
    "Upgrade asked, not granted: still HTTP",
    true,
    {{DATA, 0, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"},
     {DATA, 1, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"},
     {DATA, 0, "GET /plain HTTP/1.1\r\n\r\n"}},
    "0 REQ GET /ws 1.1 [Upgrade: websocket] {} <> t=0 f=- x=1\n"
    "1 RES 400 1.1 [Content-Length: 0] {} <> t=0 f=- x=1\n"
    "0 REQ GET /plain 1.1 [] {} <> t=0 f=- x=2\n",
    HTTP_YES,
};

static const struct tcase h2_preface = {
    "HTTP/2 prior knowledge",
    true,
    {{DATA, 0, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04\x00\x00\x00\x00\x00", 33},
     {DATA, 1, "\x00\x00\x00\x04\x01\x00\x00\x00\x00", 9}},
    "",
    HTTP_H2,
};

static const struct tcase connect_tunnel = {
    "CONNECT tunnel",
    true,
    {{DATA, 0, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"},
     {DATA, 1, "HTTP/1.1 200 Connection established\r\n\r\n"},
     {DATA, 0, "\x16\x03\x01\x00\x05hello", 10},
     {DATA, 0, "GET /inside HTTP/1.1\r\n\r\n"},
     {DATA, 1, "\x16\x03\x03\x00\x02hi", 7}},
    "0 REQ CONNECT example.com:443 1.1 [Host: example.com:443] {} <> t=0 f=- x=1\n"
    "1 RES 200 1.1 [] {} <> t=0 f=- x=1\n",
    HTTP_YES,
};

static const struct tcase connect_refused = {
    "CONNECT refused, then authorized",
    true,
    {{DATA, 0, "CONNECT db:5432 HTTP/1.1\r\n\r\n"},
     {DATA, 1, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"},
     {DATA, 0, "CONNECT db:5432 HTTP/1.1\r\nProxy-Authorization: Basic eA==\r\n\r\n"},
     {DATA, 1, "HTTP/1.1 200 OK\r\n\r\n"},
     {DATA, 0, "\x00\x00\x00\x08\x04\xd2\x16\x2f", 8}},
    "0 REQ CONNECT db:5432 1.1 [] {} <> t=0 f=- x=1\n"
    "1 RES 407 1.1 [Content-Length: 0] {} <> t=0 f=- x=1\n"
    "0 REQ CONNECT db:5432 1.1 [Proxy-Authorization: Basic eA==] {} <> t=0 f=- x=2\n"
    "1 RES 200 1.1 [] {} <> t=0 f=- x=2\n",
    HTTP_YES,
};

static const struct tcase redis = {
    "Redis is not HTTP",
    true,
    {{DATA, 0, "*1\r\n$4\r\nPING\r\n"}, {DATA, 1, "+PONG\r\n"}},
    "",
    HTTP_NOT,
};

static const struct tcase memcached = {
    "memcached text is not HTTP",
    true,
    {{DATA, 0, "get foo\r\n"}, {DATA, 1, "END\r\n"}},
    "",
    HTTP_NOT,
};

static const struct tcase mysql_greeting = {
    "a server speaking first in binary is not HTTP",
    true,
    {{DATA, 1,
      "\x4a\x00\x00\x00\x0a"
      "8.0.36\x00",
      12},
     {DATA, 0, "GET / HTTP/1.1\r\n\r\n"}},
    "",
    HTTP_NOT,
};

static const struct tcase mid_stream = {
    "capture starts mid-connection",
    false,
    {{DATA, 0, "ody-of-previous\r\nmore\r\nGET /later HTTP/1.1\r\nHost: a\r\n\r\n"},
     {DATA, 1, "xx\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"}},
    "0 REQ GET /later 1.1 [Host: a] {} <> t=0 f=- x=1\n"
    "1 RES 200 1.1 [Content-Length: 2] {ok} <> t=2 f=- x=1\n",
    HTTP_YES,
};

static const struct tcase server_side = {
    "observed from the server: requests arrive on direction 1",
    true,
    {{DATA, 1, "DELETE /item/7 HTTP/1.1\r\n\r\n"}, {DATA, 0, "HTTP/1.1 204 No Content\r\n\r\n"}},
    "1 REQ DELETE /item/7 1.1 [] {} <> t=0 f=- x=1\n"
    "0 RES 204 1.1 [] {} <> t=0 f=- x=1\n",
    HTTP_YES,
};

static const struct tcase te_and_cl = {
    "Transfer-Encoding wins over Content-Length",
    true,
    {{DATA, 0, "GET / HTTP/1.1\r\n\r\n"},
     {DATA, 1,
      "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\n"}},
    "0 REQ GET / 1.1 [] {} <> t=0 f=- x=1\n"
    "1 RES 200 1.1 [Content-Length: 100|Transfer-Encoding: chunked] {abc} <> t=3 f=K x=1\n",
    HTTP_YES,
};

static const struct tcase unpaired = {
    "a response without its request",
    false,
    {{DATA, 1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"}},
    "1 RES 200 1.1 [Content-Length: 2] {hi} <> t=2 f=- x=0\n",
    HTTP_YES,
};

static const struct tcase lf_only = {
    "bare LF line ends and leading empty lines",
    true,
    {{DATA, 0, "\r\n\r\nGET /lf HTTP/1.1\nHost: a\n\n"},
     {DATA, 1, "HTTP/1.1 200 OK\nContent-Length: 1\n\nz"}},
    "0 REQ GET /lf 1.1 [Host: a] {} <> t=0 f=- x=1\n"
    "1 RES 200 1.1 [Content-Length: 1] {z} <> t=1 f=- x=1\n",
    HTTP_YES,
};

static const struct tcase eof_mid_body = {
    "connection closed inside a Content-Length body",
    true,
    {{DATA, 0, "GET / HTTP/1.1\r\n\r\n"},
     {DATA, 1, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"},
     {EOF_, 1, NULL}},
    "0 REQ GET / 1.1 [] {} <> t=0 f=- x=1\n"
    "1 RES 200 1.1 [Content-Length: 10] {abc} <> t=3 f=I x=1\n",
    HTTP_YES,
};

static void t_simple(void **s)
{
	(void)s;
	check_case(&simple);
}
static void t_dup_headers(void **s)
{
	(void)s;
	check_case(&dup_headers);
}
static void t_chunked(void **s)
{
	(void)s;
	check_case(&chunked);
}
static void t_bad_field_names(void **s)
{
	(void)s;
	check_case(&bad_field_names);
}
static void t_keepalive(void **s)
{
	(void)s;
	check_case(&keepalive);
}
static void t_pipelined(void **s)
{
	(void)s;
	check_case(&pipelined);
}
static void t_head(void **s)
{
	(void)s;
	check_case(&head);
}
static void t_no_body_codes(void **s)
{
	(void)s;
	check_case(&no_body_codes);
}
static void t_expect_continue(void **s)
{
	(void)s;
	check_case(&expect_continue);
}
static void t_expect_refused(void **s)
{
	(void)s;
	check_case(&expect_refused);
}
static void t_expect_body_anyway(void **s)
{
	(void)s;
	check_case(&expect_body_anyway);
}
static void t_until_close(void **s)
{
	(void)s;
	check_case(&until_close);
}
static void t_until_close_unseen(void **s)
{
	(void)s;
	check_case(&until_close_unseen);
}
static void t_gap_in_body(void **s)
{
	(void)s;
	check_case(&gap_in_body);
}
static void t_gap_in_head(void **s)
{
	(void)s;
	check_case(&gap_in_head);
}
static void t_gap_in_chunk(void **s)
{
	(void)s;
	check_case(&gap_in_chunk);
}
static void t_gap_between(void **s)
{
	(void)s;
	check_case(&gap_between);
}
static void t_websocket(void **s)
{
	(void)s;
	check_case(&websocket);
}
static void t_h2c_upgrade(void **s)
{
	(void)s;
	check_case(&h2c_upgrade);
}
static void t_upgrade_refused(void **s)
{
	(void)s;
	check_case(&upgrade_refused);
}
static void t_h2_preface(void **s)
{
	(void)s;
	check_case(&h2_preface);
}
static void t_connect_tunnel(void **s)
{
	(void)s;
	check_case(&connect_tunnel);
}
static void t_connect_refused(void **s)
{
	(void)s;
	check_case(&connect_refused);
}
static void t_redis(void **s)
{
	(void)s;
	check_case(&redis);
}
static void t_memcached(void **s)
{
	(void)s;
	check_case(&memcached);
}
static void t_mysql_greeting(void **s)
{
	(void)s;
	check_case(&mysql_greeting);
}
static void t_mid_stream(void **s)
{
	(void)s;
	check_case(&mid_stream);
}
static void t_server_side(void **s)
{
	(void)s;
	check_case(&server_side);
}
static void t_te_and_cl(void **s)
{
	(void)s;
	check_case(&te_and_cl);
}
static void t_unpaired(void **s)
{
	(void)s;
	check_case(&unpaired);
}
static void t_lf_only(void **s)
{
	(void)s;
	check_case(&lf_only);
}
static void t_eof_mid_body(void **s)
{
	(void)s;
	check_case(&eof_mid_body);
}

/* every registered method and an extension token parse as requests */
static void t_methods(void **state)
{
	static const char *const m[] = {
	    "GET",    "HEAD",	  "POST",      "PUT",	     "DELETE", "OPTIONS", "TRACE",
	    "PATCH",  "PROPFIND", "PROPPATCH", "MKCOL",	     "COPY",   "MOVE",	  "LOCK",
	    "UNLOCK", "REPORT",	  "SEARCH",    "MKCALENDAR", "BIND",   "QUERY",	  "X-CUSTOM_1",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		char req[128], exp[512];
		struct tcase c;
		memset(&c, 0, sizeof(c));
		snprintf(req, sizeof(req), "%s /r%zu HTTP/1.1\r\n\r\n", m[i], i);
		snprintf(exp, sizeof(exp),
			 "0 REQ %s /r%zu 1.1 [] {} <> t=0 f=- x=1\n"
			 "1 RES 200 1.1 [Content-Length: 0] {} <> t=0 f=- x=1\n",
			 m[i], i);
		c.name = m[i];
		c.at_start = true;
		c.steps[0] = (struct step){DATA, 0, req, 0, 0};
		c.steps[1] =
		    (struct step){DATA, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0};
		c.expect = exp;
		c.state = HTTP_YES;
		check_case(&c);
	}
	assert_true(http_method_known((const uint8_t *)"PROPFIND", 8));
	assert_true(http_method_known((const uint8_t *)"TRACE", 5));
	assert_false(http_method_known((const uint8_t *)"X-CUSTOM_1", 10));
	assert_false(http_method_known((const uint8_t *)"get", 3));
}

/* a body over many calls: the parser keeps the bytes in order, counts all */
static void t_big_body(void **state)
{
	static char body[20000];
	struct rec r;
	struct http_conn *h;
	struct http_limits lim = {.body_cap = 8192, .raw_cap = 64};
	char head[128];
	(void)state;

	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (char)('a' + i % 26);
	memset(&r, 0, sizeof(r));
	h = http_conn_create(&ops, &r, &lim, true);
	snprintf(head, sizeof(head), "POST /big HTTP/1.1\r\nContent-Length: %zu\r\n\r\n",
		 sizeof(body));
	http_conn_data(h, 0, (const uint8_t *)head, strlen(head), 1);
	for (size_t i = 0; i < sizeof(body); i += 7)
		http_conn_data(h, 0, (const uint8_t *)body + i,
			       sizeof(body) - i < 7 ? sizeof(body) - i : 7, 2);
	http_conn_finish(h, 3);
	http_conn_free(h);
	dbuf_cstr(&r.out);
	/* body kept up to the cap (flag C), all 20000 bytes counted */
	assert_non_null(strstr((char *)r.out.p, " t=20000 f=C x=1\n"));
	assert_non_null(strstr((char *)r.out.p, "{abcdefghijklmnopqrstuvwxyzabc"));
	dbuf_free(&r.out);
}

/* more header fields than HTTP_MAX_HEADERS: the rest dropped, flagged */
static void t_many_headers(void **state)
{
	struct dbuf req = {0};
	struct rec r;
	struct http_conn *h;
	(void)state;

	dbuf_puts(&req, "GET / HTTP/1.1\r\n");
	for (unsigned i = 0; i < HTTP_MAX_HEADERS + 10; i++)
		dbuf_printf(&req, "X-%u: v\r\n", i);
	dbuf_puts(&req, "\r\n");
	memset(&r, 0, sizeof(r));
	h = http_conn_create(&ops, &r, NULL, true);
	http_conn_data(h, 0, req.p, req.len, 1);
	http_conn_free(h);
	dbuf_cstr(&r.out);
	assert_non_null(strstr((char *)r.out.p, "|X-255: v] {} <> t=0 f=H x=1\n"));
	assert_null(strstr((char *)r.out.p, "X-256"));
	dbuf_free(&r.out);
	dbuf_free(&req);
}

/* a head larger than HTTP_MAX_HEAD_BYTES: given up, then back in step */
static void t_huge_head(void **state)
{
	struct dbuf req = {0};
	struct rec r;
	struct http_conn *h;
	(void)state;

	dbuf_puts(&req, "GET /first HTTP/1.1\r\nX-Big: ");
	for (unsigned i = 0; i < HTTP_MAX_HEAD_BYTES; i++)
		dbuf_putc(&req, 'z');
	dbuf_puts(&req, "\r\n\r\nGET /second HTTP/1.1\r\n\r\n");
	memset(&r, 0, sizeof(r));
	h = http_conn_create(&ops, &r, NULL, true);
	http_conn_data(h, 0, req.p, req.len, 1);
	http_conn_free(h);
	dbuf_cstr(&r.out);
	assert_string_equal((char *)r.out.p, "0 REQ GET /first 1.1 [] {} <> t=0 f=I x=1\n"
					     "0 REQ GET /second 1.1 [] {} <> t=0 f=- x=2\n");
	dbuf_free(&r.out);
	dbuf_free(&req);
}

/* every transaction is handed back exactly once */
static void t_txn_done(void **state)
{
	unsigned done = 0;
	char *got;
	(void)state;
	got = run_case(&pipelined, -1, 0, false, NULL, &done);
	assert_int_equal(done, 3);
	free(got);
	got = run_case(&expect_refused, -1, 0, false, NULL, &done);
	assert_int_equal(done, 2);
	free(got);
}

/* message sizes on the wire, and the raw bytes kept up to raw_cap */
struct wire_rec {
	uint64_t wire;
	size_t raw_len;
	char raw[128];
};

static void wire_cb(void *ctx, const struct http_msg *m)
{
	struct wire_rec *w = ctx;
	w->wire = m->wire_bytes;
	w->raw_len = m->raw_len;
	memcpy(w->raw, m->raw, m->raw_len < sizeof(w->raw) ? m->raw_len : sizeof(w->raw));
}

static void t_wire_bytes(void **state)
{
	static const char req[] =
	    "POST /w HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
	static const struct http_ops wops = {wire_cb, NULL, NULL};
	struct http_limits lim = {.raw_cap = 20};
	struct wire_rec w;
	struct http_conn *h;
	(void)state;

	memset(&w, 0, sizeof(w));
	h = http_conn_create(&wops, &w, &lim, true);
	http_conn_data(h, 0, (const uint8_t *)req, 10, 1);
	http_conn_data(h, 0, (const uint8_t *)req + 10, sizeof(req) - 11, 2);
	http_conn_free(h);
	assert_int_equal(w.wire, sizeof(req) - 1);
	assert_int_equal(w.raw_len, 20);
	assert_memory_equal(w.raw, req, 20);
}

/* start lines: complete, prefixes, and the ways they fail */
static void t_check_line(void **state)
{
	static const struct {
		const char *s;
		bool complete;
		enum http_line want;
	} v[] = {
	    {"GET / HTTP/1.1", true, HTTP_LINE_REQUEST},
	    {"GET / HTTP/1.1\r", true, HTTP_LINE_REQUEST},
	    {"M-SEARCH * HTTP/1.1", true, HTTP_LINE_REQUEST},
	    {"HTTP/1.1 200 OK", true, HTTP_LINE_RESPONSE},
	    {"HTTP/1.0 404", true, HTTP_LINE_RESPONSE},
	    {"HTTP/1.1 200 ", true, HTTP_LINE_RESPONSE},
	    {"PRI * HTTP/2.0", true, HTTP_LINE_H2_PREFACE},
	    {"GET / HTTP/2.0", true, HTTP_LINE_BAD},
	    {"HTTP/2 200", true, HTTP_LINE_BAD},
	    {"GET /", false, HTTP_LINE_MAYBE},
	    {"HTT", false, HTTP_LINE_MAYBE},
	    {"HTTP/1.1 20", false, HTTP_LINE_MAYBE},
	    {"GET /", true, HTTP_LINE_BAD},
	    {"GET  / HTTP/1.1", true, HTTP_LINE_BAD},
	    {"GET / HTTP/1.1 x", true, HTTP_LINE_BAD},
	    {"\x16\x03\x01", false, HTTP_LINE_BAD},
	    {"*1", false, HTTP_LINE_MAYBE},
	    {"*1\r", true, HTTP_LINE_BAD},
	    {"get foo", true, HTTP_LINE_BAD},
	    {"HTTP/1.1 2x0 OK", true, HTTP_LINE_BAD},
	    {"HTTP/1.1 200 O\x01K", true, HTTP_LINE_BAD},
	    {"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ / HTTP/1.1", true, HTTP_LINE_BAD},
	    {"", true, HTTP_LINE_BAD},
	    {"", false, HTTP_LINE_MAYBE},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		enum http_line got =
		    http_check_line((const uint8_t *)v[i].s, strlen(v[i].s), v[i].complete);
		if (got != v[i].want)
			fprintf(stderr, "line '%s' complete=%d: got %d want %d\n", v[i].s,
				v[i].complete, got, v[i].want);
		assert_int_equal(got, v[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_simple),		 cmocka_unit_test(t_methods),
	    cmocka_unit_test(t_dup_headers),	 cmocka_unit_test(t_bad_field_names),
	    cmocka_unit_test(t_chunked),	 cmocka_unit_test(t_keepalive),
	    cmocka_unit_test(t_pipelined),	 cmocka_unit_test(t_head),
	    cmocka_unit_test(t_no_body_codes),	 cmocka_unit_test(t_expect_continue),
	    cmocka_unit_test(t_expect_refused),	 cmocka_unit_test(t_expect_body_anyway),
	    cmocka_unit_test(t_until_close),	 cmocka_unit_test(t_until_close_unseen),
	    cmocka_unit_test(t_eof_mid_body),	 cmocka_unit_test(t_gap_in_body),
	    cmocka_unit_test(t_gap_in_head),	 cmocka_unit_test(t_gap_in_chunk),
	    cmocka_unit_test(t_gap_between),	 cmocka_unit_test(t_websocket),
	    cmocka_unit_test(t_h2c_upgrade),	 cmocka_unit_test(t_upgrade_refused),
	    cmocka_unit_test(t_h2_preface),	 cmocka_unit_test(t_connect_tunnel),
	    cmocka_unit_test(t_connect_refused), cmocka_unit_test(t_redis),
	    cmocka_unit_test(t_memcached),	 cmocka_unit_test(t_mysql_greeting),
	    cmocka_unit_test(t_mid_stream),	 cmocka_unit_test(t_server_side),
	    cmocka_unit_test(t_te_and_cl),	 cmocka_unit_test(t_unpaired),
	    cmocka_unit_test(t_lf_only),	 cmocka_unit_test(t_big_body),
	    cmocka_unit_test(t_many_headers),	 cmocka_unit_test(t_huge_head),
	    cmocka_unit_test(t_txn_done),	 cmocka_unit_test(t_wire_bytes),
	    cmocka_unit_test(t_check_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
