/* fuzz_h2.c - HTTP/2 (proto/h2.c) on arbitrary bytes, arbitrarily split, with
 * gaps and closes, through proto/http.c's entry (preface, server-first
 * SETTINGS, h2c upgrade, frames from the middle) or straight into an
 * H2_MIDDLE decoder, every message written through the http.jsonl writer.
 * It must never crash or read out of bounds; every message must be
 * self-consistent, a gRPC body said to be decoded must be JSON, and every
 * http.jsonl line must be one JSON object.
 *
 * Input: byte 0 = flags (bit 0: the connection start was seen; bit 1: tiny
 * body/raw caps; bit 2: an H2_MIDDLE decoder without http.c). Then
 * operations, as in fuzz_http.c:
 *   op & 3 == 0 / 1: data on direction 0 / 1, next byte = length, then bytes
 *   op & 3 == 2:     gap on direction (op >> 2) & 1, next byte = its length
 *                    (0 = unknown)
 *   op & 3 == 3:     end of direction (op >> 2) & 1 (http.c only) */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "proto/h2.h"
#include "proto/http.h"
#include "out/http_log.h"

struct ctx {
	struct http_log *out;
	uint64_t ids;
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
	check(m->start_ts <= m->end_ts);
	check(m->nheaders <= HTTP_MAX_HEADERS && m->ntrailers <= HTTP_MAX_HEADERS);
	for (size_t i = 0; i < m->nheaders; i++)
		check(m->headers[i].name_len > 0 && m->headers[i].name[0] != ':');
	for (size_t i = 0; i < m->ntrailers; i++)
		check(m->trailers[i].name_len > 0 && m->trailers[i].name[0] != ':');
	if (m->h2) {
		check(m->version_major == 2 && m->status >= 0);
		check(m->h2->stream_id <= 0x7fffffffu);
		if (m->h2->grpc_decoded) {
			json_error_t err;
			check(m->decoded != NULL);
			json_t *j = json_loadb(
			    (const char *)m->decoded, m->decoded_len,
			    JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &err);
			check(j != NULL && (json_is_object(j) || json_is_array(j)));
			json_decref(j);
		}
	}
	if (m->txn)
		check(m->txn->id > 0 && m->txn->id <= c->ids);
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
}

static uint64_t next_id(void *p)
{
	struct ctx *c = p;
	return ++c->ids;
}

static const struct http_ops ops = {on_msg, NULL, next_id};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct an_opts o;
	struct http_limits lim = {0, 0};
	struct http_conn *h = NULL;
	struct h2_conn *h2 = NULL;
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
	}
	f = open_memstream(&text, &tlen);
	if (!f)
		return 0;
	memset(&c, 0, sizeof(c));
	c.out = http_log_create(f, &o);
	if (data[0] & 4)
		h2 = h2_conn_create(&ops, &c, &lim, H2_MIDDLE, -1, NULL);
	else
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
			if (h2)
				h2_conn_data(h2, op & 1, data + i, n, ts++);
			else
				http_conn_data(h, op & 1, data + i, n, ts++);
			i += n;
			break;
		case 2:
			n = i < size ? data[i++] : 0;
			if (h2)
				h2_conn_gap(h2, dir, n, ts++);
			else
				http_conn_gap(h, dir, n, ts++);
			break;
		case 3:
			if (h)
				http_conn_eof(h, dir, ts++);
			break;
		}
	}
	if (h2) {
		h2_conn_finish(h2, ts);
		h2_conn_free(h2);
	} else {
		http_conn_finish(h, ts);
		http_conn_free(h);
	}
	http_log_close(c.out);
	fclose(f);

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
