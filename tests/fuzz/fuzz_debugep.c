/* fuzz_debugep.c - the debug-endpoint detectors, the secret rules and the
 * findings module over hostile bytes.
 *
 * The whole input is, at once: a response body (godebug_detect, cut or not by
 * the input's length parity), a request target (godebug_match_path, queries,
 * durations), a JSON array, a flight-recording token body, a command line
 * and an environment (NUL separated) and a key/header/value for
 * format/secret. Then, as one HTTP exchange for findings: line 1 is the
 * request target, line 2 a request header "Name: value", the rest the
 * response body; findings_result() must build, whatever the bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/godebug.h"
#include "findings/findings.h"
#include "secret.h"

static void arg_cb(void *ctx, const char *arg, size_t len)
{
	size_t *sum = ctx;
	(void)arg;
	*sum += len;
}

static void redact_each(const uint8_t *data, size_t size)
{
	struct sr_secret_argv st = {0};
	char out[64];
	size_t i = 0;

	while (i < size) {
		const uint8_t *nul = memchr(data + i, 0, size - i);
		size_t n = nul ? (size_t)(nul - data) - i : size - i;
		sr_secret_redact_arg(&st, (const char *)data + i, n, out, sizeof(out));
		if (strlen(out) >= sizeof(out))
			abort();
		i += n + 1;
	}
}

static size_t line(const uint8_t *p, size_t n)
{
	const uint8_t *nl = memchr(p, '\n', n);
	return nl ? (size_t)(nl - p) : n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct godebug_result r;
	struct godebug_path p;
	struct godebug_query q;
	const char *k, *v;
	size_t kl, vl, sum = 0, off, pw_off, pw_len;
	char tok[GODEBUG_MAX_TOKEN + 1];
	const char *s = (const char *)data;

	/* detectors */
	godebug_detect(data, size, (int)(size & 1), &r);
	/* the prefilter never rejects what a detector accepts */
	if (r.kind != GODEBUG_C_NONE && !godebug_may_match(data, size))
		abort();
	if (r.kind >= GODEBUG_C_COUNT_ || r.funcs.n > GODEBUG_MAX_NAMES || r.keys.n > GODEBUG_MAX_NAMES)
		abort();
	if (r.cmdline_json)
		godebug_json_string_array(r.cmdline_json, r.cmdline_json_len, arg_cb, &sum);
	godebug_match_path(s, size, &p);
	godebug_query_init(&q, s, size);
	while (godebug_query_next(&q, &k, &kl, &v, &vl))
		godebug_duration(GODEBUG_EP_TRACE, v, vl, 1);
	godebug_json_string_array(data, size, arg_cb, &sum);
	godebug_cmdline_args(data, size, arg_cb, &sum);
	godebug_fr_token(data, size, tok, sizeof(tok));
	godebug_seed_signal(200, data, size);
	off = line(data, size);
	godebug_header_signals(s, off, off < size ? s + off + 1 : s, off < size ? size - off - 1 : 0);

	/* secret rules */
	sr_secret_key(s, size);
	sr_secret_header(s, size);
	sr_secret_value(s, size);
	sr_secret_param(s, off, off < size ? s + off + 1 : s, off < size ? size - off - 1 : 0);
	if (sr_secret_value_url(s, size, &pw_off, &pw_len) && pw_off + pw_len > size)
		abort();
	redact_each(data, size);

	/* findings: target, header, body */
	{
		struct findings *f = findings_create();
		struct fnd_exchange x;
		struct fnd_header h;
		struct fnd_process pr;
		size_t tl = line(data, size), rest = tl < size ? tl + 1 : size;
		size_t hl = line(data + rest, size - rest);
		const uint8_t *colon = memchr(data + rest, ':', hl);
		size_t body = rest + hl < size ? rest + hl + 1 : size;
		char *text = NULL;
		size_t text_len = 0;
		FILE *m;

		memset(&x, 0, sizeof(x));
		x.ts_wall_ns = 1700000000000000000ull + size;
		x.server_pid = 1;
		x.server_ip = "10.0.0.1";
		x.server_port = 6060;
		x.client_ip = (size & 2) ? "127.0.0.1" : "10.0.0.2";
		x.method = (size & 4) ? "POST" : "GET";
		x.target = s;
		x.target_len = tl;
		if (colon) {
			h.name = s + rest;
			h.name_len = (size_t)((const char *)colon - h.name);
			h.value = (const char *)colon + 1;
			h.value_len = hl - h.name_len - 1;
			x.req_headers = &h;
			x.n_req_headers = 1;
			x.resp_headers = &h;
			x.n_resp_headers = 1;
		}
		x.req_body = data + body;
		x.req_body_len = size - body;
		x.status = 200;
		x.resp_body = data + body;
		x.resp_body_len = size - body;
		x.resp_body_total = size - body + (size & 8);
		findings_add_exchange(f, &x);
		findings_add_exchange(f, &x);
		memset(&pr, 0, sizeof(pr));
		pr.pid = 1;
		pr.cmdline = data;
		pr.cmdline_len = size;
		pr.environ = data;
		pr.environ_len = size;
		findings_add_process(f, &pr);
		m = open_memstream(&text, &text_len);
		if (m) {
			findings_write_json(f, m);
			findings_print_summary(f, m);
			fclose(m);
		}
		free(text);
		findings_free(f);
	}
	return 0;
}
