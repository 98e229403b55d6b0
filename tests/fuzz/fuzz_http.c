/* fuzz_http.c - the HTTP/1.x parser on arbitrary bytes, arbitrarily split,
 * with gaps and closes, and every message written through the http.jsonl
 * writer. It must never crash or read out of bounds, every message must be
 * self-consistent, and every line must be valid JSON.
 *
 * Input: byte 0 = flags (bit 0: the connection start was seen; bit 1: tiny
 * body/raw caps; bit 2: show secrets). Then operations, each one byte op:
 *   op & 3 == 0 / 1: data on direction 0 / 1, next byte = length, then bytes
 *   op & 3 == 2:     gap on direction (op >> 2) & 1, next byte = its length
 *                    (0 = unknown)
 *   op & 3 == 3:     end of direction (op >> 2) & 1
 * and finally the end of input. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "proto/http.h"
#include "out/http_log.h"

struct ctx {
	struct http_log *out;
	size_t body_cap, raw_cap;
	uint64_t msgs;
};

static void check(int ok)
{
	if (!ok)
		abort();
}

static void on_msg(void *p, const struct http_msg *m)
{
	struct ctx *c = p;
	struct an_conn_view v;
	struct an_http_event ev;

	check(m->kind == HTTP_REQUEST || m->kind == HTTP_RESPONSE);
	check(m->raw_len <= c->raw_cap && m->raw_len <= m->wire_bytes);
	check(m->start_ts <= m->end_ts);
	/* an HTTP/2 message (preface in the input) is fuzz_h2.c's to check */
	if (!m->h2)
		check(m->body_len <= c->body_cap && m->body_len <= m->body_total);
	if (m->kind == HTTP_REQUEST && !m->h2)
		check(m->method_len >= 1 && m->method_len <= HTTP_MAX_METHOD && m->target_len >= 1);
	else
		check(m->status >= 0 && m->status <= 999);
	check(m->nheaders <= HTTP_MAX_HEADERS && m->ntrailers <= HTTP_MAX_HEADERS);
	for (size_t i = 0; i < m->nheaders; i++)
		check(m->headers[i].name_len > 0);

	memset(&v, 0, sizeof(v));
	v.comm = "fuzz";
	v.cmdline = "";
	v.local.type = v.remote.type = "external";
	v.local.name = v.remote.name = "x";
	memset(&ev, 0, sizeof(ev));
	ev.conn = &v;
	ev.msg = m;
	ev.sent = m->dir == 0;
	ev.txn = m->txn;
	http_log_message(c->out, &ev);
	c->msgs++;
}

static const struct http_ops ops = {on_msg, NULL, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct an_opts o;
	struct http_limits lim = {0, 0};
	struct http_conn *h;
	struct ctx c;
	char *text = NULL;
	size_t tlen = 0, i = 1;
	FILE *f;
	uint64_t ts = 1;

	if (size < 1)
		return 0;
	an_opts_init(&o);
	if (data[0] & 2) {
		lim.body_cap = 7;
		lim.raw_cap = 5;
		o.body_limit = 3;
		o.raw_limit = 5;
	}
	o.show_secrets = (data[0] & 4) != 0;
	f = open_memstream(&text, &tlen);
	if (!f)
		return 0;
	memset(&c, 0, sizeof(c));
	c.out = http_log_create(f, &o);
	c.body_cap = lim.body_cap ? lim.body_cap : HTTP_DEFAULT_BODY_CAP;
	c.raw_cap = lim.raw_cap ? lim.raw_cap : HTTP_DEFAULT_RAW_CAP;
	h = http_conn_create(&ops, &c, &lim, data[0] & 1);
	while (i < size) {
		uint8_t op = data[i++];
		int dir = (op >> 2) & 1;
		size_t n;
		switch (op & 3) {
		case 0:
		case 1:
			if (i >= size)
				break;
			n = data[i++];
			if (n > size - i)
				n = size - i;
			http_conn_data(h, op & 1, data + i, n, ts++);
			i += n;
			break;
		case 2:
			n = i < size ? data[i++] : 0;
			http_conn_gap(h, dir, n, ts++);
			break;
		case 3:
			http_conn_eof(h, dir, ts++);
			break;
		}
	}
	http_conn_finish(h, ts);
	http_conn_free(h);
	http_log_close(c.out);
	fclose(f);

	/* every line is one JSON object */
	for (char *p = text; p && *p;) {
		char *e = strchr(p, '\n');
		json_error_t err;
		json_t *j;
		check(e != NULL);
		j = json_loadb(p, (size_t)(e - p), JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &err);
		check(j != NULL && json_is_object(j));
		json_decref(j);
		p = e + 1;
	}
	free(text);
	return 0;
}
