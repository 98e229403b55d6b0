/* test_analyze.c - the analyzer end to end on hand-made archives (written
 * with the real .srz writer): http.jsonl fields, both-ends dedupe, names,
 * classification direction, env.yaml escaping, redaction, limits, damaged
 * and merged inputs, determinism. Expected values are worked out from the
 * records each test writes.
 *
 * `test_analyze --write-archive FILE` writes the sample archive the
 * end-to-end CLI test uses, then exits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <yaml.h>

#include "core/cmdline.h"
#include "out/dump.h"
#include "out/http_log.h"
#include "out/redact.h"
#include "secret.h"
#include "out/svcmap.h"
#include "test_analyze.h"

#define MS 1000000ull

/* ---- helpers ---- */

static json_t *line_json(const struct outs *o, size_t n)
{
	char *l = nth_line(o->http, n);
	json_error_t err;
	json_t *j;

	assert_non_null(l);
	j = json_loads(l, 0, &err);
	if (!j)
		fprintf(stderr, "not JSON (%s): %s\n", err.text, l);
	assert_non_null(j);
	free(l);
	return j;
}

static const char *jstr(const json_t *j, const char *k)
{
	const json_t *v = json_object_get(j, k);
	assert_non_null(v);
	if (json_is_null(v))
		return NULL;
	assert_true(json_is_string(v));
	return json_string_value(v);
}

static long long jint(const json_t *j, const char *k)
{
	const json_t *v = json_object_get(j, k);
	assert_non_null(v);
	assert_true(json_is_integer(v));
	return (long long)json_integer_value(v);
}

static bool jnull(const json_t *j, const char *k)
{
	const json_t *v = json_object_get(j, k);
	assert_non_null(v);
	return json_is_null(v);
}

/* the whole text parses as YAML (every document) */
static bool yaml_ok(const char *text, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	bool ok = true, done = false;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			ok = false;
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return ok;
}

/* the scalars of a YAML text in order, as (value, tag) */
struct scalars {
	char **v;
	char **tag;
	size_t *len;
	size_t n;
};

static void scalars_load(struct scalars *s, const char *text, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	bool done = false;

	memset(s, 0, sizeof(*s));
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done) {
		assert_true(yaml_parser_parse(&p, &ev));
		done = ev.type == YAML_STREAM_END_EVENT;
		if (ev.type == YAML_SCALAR_EVENT) {
			s->v = realloc(s->v, (s->n + 1) * sizeof(*s->v));
			s->tag = realloc(s->tag, (s->n + 1) * sizeof(*s->tag));
			s->len = realloc(s->len, (s->n + 1) * sizeof(*s->len));
			s->v[s->n] = malloc(ev.data.scalar.length + 1);
			memcpy(s->v[s->n], ev.data.scalar.value, ev.data.scalar.length);
			s->v[s->n][ev.data.scalar.length] = 0;
			s->len[s->n] = ev.data.scalar.length;
			s->tag[s->n] =
			    ev.data.scalar.tag ? strdup((char *)ev.data.scalar.tag) : NULL;
			s->n++;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
}

static void scalars_free(struct scalars *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i]);
		free(s->tag[i]);
	}
	free(s->v);
	free(s->tag);
	free(s->len);
}

/* index of the value that follows the first scalar equal to key */
static size_t scalar_after(const struct scalars *s, const char *key)
{
	for (size_t i = 0; i + 1 < s->n; i++)
		if (!strcmp(s->v[i], key))
			return i + 1;
	fail_msg("no key %s", key);
	return 0;
}

static size_t b64_decode(const char *in, uint8_t *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;

	for (; *in && *in != '='; in++) {
		const char *p = strchr(t, *in);
		if (!p)
			continue;
		acc = acc << 6 | (uint32_t)(p - t);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return n;
}

/* ---- the sample: a client and a server on loopback, both recorded ---- */

static const char sample_req[] =
    "POST /echo?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: Bearer s3cr3t\r\n"
    "Content-Type: application/json\r\nContent-Length: 17\r\n\r\n{\"message\":\"hi!\"}";
static const char sample_resp[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n"
    "{\"a\":[1,2,3]}\n";

static void sample_archive(struct arc *a, bool client, bool server)
{
	static const char ccmd[] = "/bin/client\0--x\0";
	static const char cenv[] = "PATH=/bin\0ADI_PROFILE=local\0ADI_PROFILE_NAME=webclient\0";
	struct ep c, s;

	arc_begin(a);
	if (client)
		arc_proc(a, T0_BOOT, 100, "client", ccmd, sizeof(ccmd) - 1, cenv, sizeof(cenv) - 1,
			 "local", "webclient", NULL, NULL);
	if (server)
		arc_proc(a, T0_BOOT, 200, "server", "srv\0", 4, "", 0, "local", NULL, NULL, NULL);
	ep_pair(&c, &s, 100, 200, "127.0.0.1", 40000, "127.0.0.1", 8080);
	if (client)
		arc_conn(a, &c, T0_BOOT + 10, SR_CONN_CONNECT);
	if (server)
		arc_conn(a, &s, T0_BOOT + 11, SR_CONN_ACCEPT);
	if (client)
		arc_send(a, &c, T0_BOOT + 1000, sample_req);
	if (server)
		arc_recv(a, &s, T0_BOOT + 2000, sample_req);
	/* a block ends here: a cut after it keeps the requests */
	if (srz_writer_flush(a->w))
		arc_fail("srz_writer_flush");
	if (server)
		arc_send(a, &s, T0_BOOT + 3 * MS, sample_resp);
	if (client) {
		arc_recv(a, &c, T0_BOOT + 3 * MS + 1000, sample_resp);
		arc_conn(a, &c, T0_BOOT + 4 * MS, SR_CONN_CLOSE);
	}
	if (server)
		arc_conn(a, &s, T0_BOOT + 4 * MS + 1000, SR_CONN_CLOSE);
	arc_finish(a, 1);
}

/* both ends recorded: four lines, each from its observer's point of view */
static void t_both_ends(void **state)
{
	struct arc a;
	struct outs o;
	json_t *j;
	long long txn_c, txn_s;
	(void)state;

	sample_archive(&a, true, true);
	run1(&a, &o);
	assert_int_equal(o.rc, AN_EXIT_OK);
	assert_int_equal(count_lines(o.http), 4);

	/* 1: the client sends the request */
	j = line_json(&o, 0);
	assert_string_equal(jstr(j, "timestamp"), "2024-04-08T18:24:10.000001000Z");
	assert_int_equal(jint(j, "pid"), 100);
	assert_string_equal(jstr(j, "comm"), "client");
	assert_string_equal(jstr(j, "cmdline"), "/bin/client --x");
	assert_string_equal(jstr(j, "direction"), "send");
	assert_string_equal(jstr(j, "source_ip"), "127.0.0.1");
	assert_int_equal(jint(j, "source_port"), 40000);
	assert_string_equal(jstr(j, "dest_ip"), "127.0.0.1");
	assert_int_equal(jint(j, "dest_port"), 8080);
	assert_int_equal(jint(j, "bytes"), strlen(sample_req));
	assert_string_equal(jstr(j, "method"), "POST");
	assert_string_equal(jstr(j, "url"), "/echo?x=1");
	assert_true(jnull(j, "status_code"));
	assert_string_equal(jstr(json_object_get(j, "headers"), "Authorization"),
			    "Bearer [REDACTED]");
	assert_string_equal(jstr(json_object_get(j, "headers"), "Content-Length"), "17");
	assert_string_equal(jstr(j, "body"), "{\"message\":\"hi!\"}");
	assert_null(strstr(jstr(j, "raw_payload"), "s3cr3t"));
	assert_non_null(strstr(jstr(j, "raw_payload"), "Authorization: Bearer [REDACTED]\r\n"));
	assert_true(jnull(j, "source_container"));
	assert_true(jnull(j, "destination_container"));
	/* the server is a process of the archive */
	assert_string_equal(jstr(j, "destination_type"), "process");
	assert_string_equal(jstr(j, "message"), "request");
	assert_string_equal(jstr(j, "http_version"), "HTTP/1.1");
	assert_true(json_is_false(json_object_get(j, "truncated")));
	assert_int_equal(jint(j, "body_bytes"), 17);
	txn_c = jint(j, "transaction_id");
	json_decref(j);

	/* 2: the server receives it: the source is the peer */
	j = line_json(&o, 1);
	assert_int_equal(jint(j, "pid"), 200);
	assert_string_equal(jstr(j, "direction"), "recv");
	assert_string_equal(jstr(j, "source_ip"), "127.0.0.1");
	assert_int_equal(jint(j, "source_port"), 40000);
	assert_int_equal(jint(j, "dest_port"), 8080);
	assert_string_equal(jstr(j, "method"), "POST");
	txn_s = jint(j, "transaction_id");
	assert_true(txn_s != txn_c);
	json_decref(j);

	/* 3: the server's answer, 2.998 ms after the request reached it */
	j = line_json(&o, 2);
	assert_int_equal(jint(j, "pid"), 200);
	assert_string_equal(jstr(j, "direction"), "send");
	assert_int_equal(jint(j, "source_port"), 8080);
	assert_int_equal(jint(j, "status_code"), 200);
	assert_true(jnull(j, "method"));
	assert_int_equal(jint(j, "transaction_id"), txn_s);
	assert_true(json_real_value(json_object_get(j, "latency_ms")) == 2.998);
	json_decref(j);

	/* 4: the client gets it, 3.000 ms after it began sending */
	j = line_json(&o, 3);
	assert_int_equal(jint(j, "pid"), 100);
	assert_string_equal(jstr(j, "direction"), "recv");
	assert_int_equal(jint(j, "transaction_id"), txn_c);
	assert_string_equal(jstr(j, "body"), "{\"a\":[1,2,3]}\n");
	assert_true(json_real_value(json_object_get(j, "latency_ms")) == 3.0);
	json_decref(j);

	/* the map counts the transaction once, at the client */
	assert_true(yaml_ok(o.map, o.map_len));
	assert_non_null(strstr(o.map, "generated_at: \"2024-04-08T18:39:10.000000000Z\"\n"));
	assert_non_null(strstr(o.map, "- name: webclient\n  image: null\n  endpoints:\n"
				      "  - destination: server\n    destination_type: process\n"
				      "    method: POST\n    path: /echo\n"
				      "    request_schema:\n      message: string\n"
				      "    response_schema:\n      a:\n      - number\n"));
	assert_non_null(strstr(o.map,
			       "    count: 1\n    latency_ms:\n      p50: 3.000\n"
			       "      p95: 3.000\n      max: 3.000\n    status:\n      200: 1\n"));
	assert_null(strstr(o.map, "- name: server"));
	outs_free(&o);
	arc_free(&a);
}

/* only the server recorded: the transaction counts, its caller named by address */
static void t_server_only(void **state)
{
	struct arc a;
	struct outs o;
	json_t *j;
	(void)state;

	sample_archive(&a, false, true);
	run1(&a, &o);
	assert_int_equal(count_lines(o.http), 2);
	j = line_json(&o, 0);
	assert_string_equal(jstr(j, "direction"), "recv");
	assert_string_equal(jstr(j, "destination_type"), "process");
	json_decref(j);
	assert_non_null(strstr(o.map, "- name: \"127.0.0.1\"\n  image: null\n  endpoints:\n"
				      "  - destination: server\n    destination_type: process\n"
				      "    method: POST\n    path: /echo\n"));
	assert_non_null(strstr(o.map, "    count: 1\n"));
	outs_free(&o);
	arc_free(&a);
}

/* only the client: the peer is external (nothing in the archive owns it) */
static void t_client_only(void **state)
{
	struct arc a;
	struct outs o;
	json_t *j;
	(void)state;

	sample_archive(&a, true, false);
	run1(&a, &o);
	j = line_json(&o, 0);
	assert_string_equal(jstr(j, "destination_type"), "external");
	json_decref(j);
	assert_non_null(
	    strstr(o.map, "  - destination: \"127.0.0.1:8080\"\n    destination_type: external\n"));
	outs_free(&o);
	arc_free(&a);
}

/* names: compose service, container name, ADI_PROFILE_NAME, listener, external */
static void t_names(void **state)
{
	static const char labels[] =
	    "com.docker.compose.project=demo\0com.docker.compose.service=web\0";
	static const char addrs_web[] = "172.18.0.2\0";
	static const char addrs_db[] = "172.18.0.3\0fd00::3\0";
	static const char web_id[] =
	    "aaaaaaaaaaaa1111111111111111111111111111111111111111111111111111";
	static const char db_id[] =
	    "bbbbbbbbbbbb2222222222222222222222222222222222222222222222222222";
	struct arc a;
	struct outs o;
	struct ep c1, s1, c2, s2, c3, s3;
	const char *req = "GET /x HTTP/1.1\r\n\r\n";
	const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	json_t *j, *src;
	(void)state;

	arc_begin(&a);
	arc_ctr(&a, T0_BOOT, web_id, "/demo-web-1", "demo/web:1", labels, sizeof(labels) - 1,
		addrs_web, sizeof(addrs_web) - 1);
	arc_ctr(&a, T0_BOOT, db_id, "demo-db-1", "postgres:16", "", 0, addrs_db,
		sizeof(addrs_db) - 1);
	arc_proc(&a, T0_BOOT, 100, "webproc", "web\0", 4, "", 0, "local", "ignored-name", web_id,
		 NULL);
	arc_proc(&a, T0_BOOT, 300, "apiproc", "api\0", 4, "", 0, "local", "api", NULL, NULL);
	/* web -> db container by address */
	ep_pair(&c1, &s1, 100, 999, "172.18.0.2", 41000, "172.18.0.3", 8080);
	arc_send(&a, &c1, T0_BOOT + 1 * MS, req);
	arc_recv(&a, &c1, T0_BOOT + 2 * MS, resp);
	/* api (pid 300) accepts on 127.0.0.1:9000 in another connection */
	ep_pair(&c2, &s2, 888, 300, "127.0.0.1", 50000, "127.0.0.1", 9000);
	arc_conn(&a, &s2, T0_BOOT + 3 * MS, SR_CONN_ACCEPT);
	arc_conn(&a, &s2, T0_BOOT + 3 * MS + 1, SR_CONN_CLOSE);
	/* web -> 127.0.0.1:9000: named through the listener */
	ep_pair(&c3, &s3, 100, 300, "127.0.0.1", 50001, "127.0.0.1", 9000);
	arc_send(&a, &c3, T0_BOOT + 4 * MS, req);
	arc_recv(&a, &c3, T0_BOOT + 5 * MS, resp);
	/* web -> an address nobody in the archive has */
	ep_pair(&c2, &s2, 100, 999, "172.18.0.2", 41001, "10.9.9.9", 443);
	arc_send(&a, &c2, T0_BOOT + 6 * MS, req);
	arc_recv(&a, &c2, T0_BOOT + 7 * MS, resp);
	arc_finish(&a, 1);

	run1(&a, &o);
	assert_int_equal(o.rc, AN_EXIT_OK);
	j = line_json(&o, 0);
	src = json_object_get(j, "source_container");
	assert_string_equal(jstr(src, "service"), "web");
	assert_string_equal(jstr(src, "image"), "demo/web:1");
	assert_string_equal(jstr(src, "container_id"), web_id);
	assert_string_equal(jstr(src, "container_name"), "demo-web-1");
	assert_string_equal(jstr(json_object_get(j, "destination_container"), "container_name"),
			    "demo-db-1");
	assert_true(jnull(json_object_get(j, "destination_container"), "service"));
	assert_string_equal(jstr(j, "destination_type"), "container");
	json_decref(j);

	assert_non_null(strstr(o.map, "- name: web\n  image: demo/web:1\n  endpoints:\n"));
	assert_non_null(
	    strstr(o.map, "  - destination: \"10.9.9.9:443\"\n    destination_type: external\n"));
	assert_non_null(strstr(o.map, "  - destination: api\n    destination_type: process\n"));
	assert_non_null(
	    strstr(o.map, "  - destination: demo-db-1\n    destination_type: container\n"));
	/* endpoints sorted by destination */
	assert_true(strstr(o.map, "destination: \"10.9.9.9:443\"") <
		    strstr(o.map, "destination: api"));
	assert_true(strstr(o.map, "destination: api") < strstr(o.map, "destination: demo-db-1"));
	outs_free(&o);
	arc_free(&a);
}

/* MySQL: the server greets first; the direction is still client -> server */
static const uint8_t mysql_greeting[] = {
    23, 0, 0,	0,   0x0a, '8', '.', '0', '.', '3', '6', 0,    1,    0,
    0,	0, 'a', 'b', 'c',  'd', 'e', 'f', 'g', 'h', 0,	 0xff, 0xf7,
};

static void mysql_archive(struct arc *a, bool conn_records)
{
	struct ep c, s;

	arc_begin(a);
	arc_proc(a, T0_BOOT, 100, "app", "app\0", 4, "", 0, "local", "shop", NULL, NULL);
	ep_pair(&c, &s, 100, 999, "127.0.0.1", 45000, "127.0.0.1", 3306);
	if (conn_records)
		arc_conn(a, &c, T0_BOOT + 1, SR_CONN_CONNECT);
	arc_data(a, &c, T0_BOOT + 2 * MS, SR_DIR_RECV, mysql_greeting, sizeof(mysql_greeting));
	if (conn_records)
		arc_conn(a, &c, T0_BOOT + 3 * MS, SR_CONN_CLOSE);
	arc_finish(a, 1);
}

static void t_mysql_server_first(void **state)
{
	(void)state;
	for (int conn = 0; conn < 2; conn++) {
		struct arc a;
		struct outs o;
		json_t *j;

		mysql_archive(&a, conn);
		run1(&a, &o);
		assert_int_equal(count_lines(o.http), 1);
		j = line_json(&o, 0);
		assert_string_equal(jstr(j, "event_type"), "connection");
		assert_string_equal(jstr(j, "timestamp"), conn ? "2024-04-08T18:24:10.000000001Z"
							       : "2024-04-08T18:24:10.002000000Z");
		assert_string_equal(jstr(j, "direction"), "send");
		assert_string_equal(jstr(j, "role"), "client");
		assert_int_equal(jint(j, "source_port"), 45000);
		assert_int_equal(jint(j, "dest_port"), 3306);
		assert_string_equal(jstr(j, "protocol"), "mysql");
		assert_string_equal(jstr(j, "category"), "database");
		assert_int_equal(jint(j, "confidence"), 90);
		assert_int_equal(jint(j, "bytes_received"), sizeof(mysql_greeting));
		assert_int_equal(jint(j, "bytes_sent"), 0);
		json_decref(j);
		assert_non_null(
		    strstr(o.map, "- name: shop\n  image: null\n  endpoints: []\n"
				  "  connections:\n  - destination: \"127.0.0.1:3306\"\n"
				  "    destination_type: external\n    protocol: mysql\n"
				  "    category: database\n    port: 3306\n    confidence: 90\n"));
		outs_free(&o);
		arc_free(&a);
	}
}

/* the same MySQL connection seen from the server: it is the server's view */
static void t_mysql_seen_by_server(void **state)
{
	struct arc a;
	struct outs o;
	struct ep c, s;
	json_t *j;
	(void)state;

	arc_begin(&a);
	ep_pair(&c, &s, 999, 200, "127.0.0.1", 45000, "127.0.0.1", 3306);
	arc_data(&a, &s, T0_BOOT + 2 * MS, SR_DIR_SEND, mysql_greeting, sizeof(mysql_greeting));
	arc_finish(&a, 1);
	run1(&a, &o);
	j = line_json(&o, 0);
	assert_string_equal(jstr(j, "role"), "server");
	assert_string_equal(jstr(j, "direction"), "recv");
	assert_int_equal(jint(j, "source_port"), 45000);
	assert_int_equal(jint(j, "dest_port"), 3306);
	assert_string_equal(jstr(j, "protocol"), "mysql");
	json_decref(j);
	outs_free(&o);
	arc_free(&a);
}

/* Postgres startup from the client, both ends recorded: one map entry */
static void t_postgres_both_ends(void **state)
{
	/* StartupMessage: length 30, protocol 3.0, user=app, database=db */
	static const uint8_t startup[] = {
	    0,	 0, 0,	 30,  0,   3,	0,   0,	  'u', 's', 'e', 'r', 0,   'a', 'p',
	    'p', 0, 'd', 'a', 't', 'a', 'b', 'a', 's', 'e', 0,	 'd', 'b', 0,	0,
	};
	struct arc a;
	struct outs o;
	struct ep c, s;
	(void)state;

	arc_begin(&a);
	arc_proc(&a, T0_BOOT, 100, "app", "app\0", 4, "", 0, "local", "shop", NULL, NULL);
	arc_proc(&a, T0_BOOT, 200, "postgres", "postgres\0", 9, "", 0, "local", NULL, NULL, NULL);
	ep_pair(&c, &s, 100, 200, "127.0.0.1", 45000, "127.0.0.1", 5432);
	arc_data(&a, &c, T0_BOOT + 1 * MS, SR_DIR_SEND, startup, sizeof(startup));
	arc_data(&a, &s, T0_BOOT + 1 * MS + 5, SR_DIR_RECV, startup, sizeof(startup));
	arc_finish(&a, 1);
	run1(&a, &o);
	assert_int_equal(count_lines(o.http), 2);
	assert_non_null(strstr(o.map, "  connections:\n  - destination: postgres\n"
				      "    destination_type: process\n    protocol: postgres\n"));
	assert_non_null(strstr(o.map, "    count: 1\n"));
	assert_null(strstr(o.map, "- name: postgres\n"));
	outs_free(&o);
	arc_free(&a);
}

/* env.yaml: any bytes give valid YAML that reads back to the same bytes */
static void t_env_yaml(void **state)
{
	static const char env[] =
	    "QUOTE=say \"hi\"\0NEWLINE=a\nb\0BACKSLASH=c:\\dir\0BIN=\xff\xfe\x01\0"
	    "COLON=a: b # c\0EMPTY=\0NOEQUALS\0ZERO=0\0YES=yes\0PATH=/bin\0PATH=/second\0";
	static const char cmd[] = "/bin/sh\0-c\0echo \"$HOME\"\0";
	struct arc a;
	struct outs o;
	struct scalars s;
	uint8_t dec[16];
	size_t i;
	(void)state;

	arc_begin(&a);
	arc_proc(&a, T0_BOOT + 2, 300, "sh", cmd, sizeof(cmd) - 1, env, sizeof(env) - 1, "dev",
		 NULL, NULL, NULL);
	arc_proc(&a, T0_BOOT + 1, 300, "sh", cmd, sizeof(cmd) - 1, "", 0, NULL, NULL, NULL,
		 "open /proc/300/environ: no such file or directory");
	arc_proc(&a, T0_BOOT, 7, "init", "init\0", 5, "A=1\0", 4, "local", "named", NULL, NULL);
	arc_finish(&a, 1);
	run1(&a, &o);
	assert_true(yaml_ok(o.env, o.env_len));
	/* ordered by pid, then time: 7, 300 (error, earlier), 300 */
	assert_true(strstr(o.env, "adi_profile_pid: 7\n") <
		    strstr(o.env, "adi_profile_pid: 300\n"));
	assert_non_null(strstr(o.env,
			       "---\nadi_profile_pid: 7\nadi_profile_match: \"local\"\n"
			       "adi_profile_name: \"named\"\n"
			       "adi_profile_cmdline: \"init\"\nadi_profile_env:\n  A: \"1\"\n"));
	assert_non_null(strstr(o.env,
			       "---\nadi_profile_pid: 300\nadi_profile_match: null\n"
			       "adi_profile_cmdline: \"/bin/sh -c echo \\\"$HOME\\\"\"\n"
			       "error: \"open /proc/300/environ: no such file or directory\"\n"));
	scalars_load(&s, o.env, o.env_len);
	i = scalar_after(&s, "QUOTE");
	assert_string_equal(s.v[i], "say \"hi\"");
	i = scalar_after(&s, "NEWLINE");
	assert_string_equal(s.v[i], "a\nb");
	i = scalar_after(&s, "BACKSLASH");
	assert_string_equal(s.v[i], "c:\\dir");
	i = scalar_after(&s, "COLON");
	assert_string_equal(s.v[i], "a: b # c");
	i = scalar_after(&s, "EMPTY");
	assert_string_equal(s.v[i], "");
	i = scalar_after(&s, "NOEQUALS");
	assert_string_equal(s.v[i], "");
	i = scalar_after(&s, "PATH");
	assert_string_equal(s.v[i], "/bin"); /* the first of a repeated key */
	assert_null(strstr(o.env, "/second"));
	/* quoted: still the string "0" / "yes", not a number or a boolean */
	assert_non_null(strstr(o.env, "  ZERO: \"0\"\n"));
	/* a key that reads as a boolean is quoted too */
	assert_non_null(strstr(o.env, "  \"YES\": \"yes\"\n"));
	i = scalar_after(&s, "BIN");
	assert_non_null(s.tag[i]);
	assert_string_equal(s.tag[i], "tag:yaml.org,2002:binary");
	assert_int_equal(b64_decode(s.v[i], dec), 3);
	assert_memory_equal(dec, "\xff\xfe\x01", 3);
	scalars_free(&s);
	outs_free(&o);
	arc_free(&a);
}

/* credentials are redacted unless asked; other headers are not */
static const char secret_req[] =
    "GET /s HTTP/1.1\r\nAuthorization: Basic dXNlcjpwYXNz\r\nProxy-Authorization: Digest abc\r\n"
    "Cookie: sid=COOKIEVALUE\r\nX-API-Key: KEYVALUE\r\nApi-Key: KEY2\r\nX-Auth-Token: TOK\r\n"
    "X-Trace: keepme\r\nCookie: second=COOKIE2\r\n\r\n";

static void secret_archive(struct arc *a)
{
	struct ep c, s;

	arc_begin(a);
	ep_pair(&c, &s, 100, 200, "127.0.0.1", 40000, "127.0.0.1", 8080);
	arc_send(a, &c, T0_BOOT + MS, secret_req);
	arc_recv(a, &c, T0_BOOT + 2 * MS,
		 "HTTP/1.1 200 OK\r\nSet-Cookie: sid=NEWCOOKIE\r\nContent-Length: 0\r\n\r\n");
	arc_finish(a, 1);
}

static void t_redaction(void **state)
{
	static const char *const secrets[] = {
	    "dXNlcjpwYXNz", "abc", "COOKIEVALUE", "KEYVALUE", "KEY2", "TOK", "COOKIE2", "NEWCOOKIE",
	};
	struct arc a;
	struct outs o;
	struct an_opts op;
	const struct arc *v[1];
	json_t *j, *h, *ck;
	(void)state;

	secret_archive(&a);
	run1(&a, &o);
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		assert_null(strstr(o.http, secrets[i]));
	j = line_json(&o, 0);
	h = json_object_get(j, "headers");
	assert_string_equal(jstr(h, "Authorization"), "Basic [REDACTED]");
	assert_string_equal(jstr(h, "Proxy-Authorization"), "Digest [REDACTED]");
	assert_string_equal(jstr(h, "X-API-Key"), "[REDACTED]");
	assert_string_equal(jstr(h, "Api-Key"), "[REDACTED]");
	assert_string_equal(jstr(h, "X-Auth-Token"), "[REDACTED]");
	assert_string_equal(jstr(h, "X-Trace"), "keepme");
	/* a repeated name: one key, an array of its values in order */
	ck = json_object_get(h, "Cookie");
	assert_true(json_is_array(ck));
	assert_int_equal(json_array_size(ck), 2);
	assert_string_equal(json_string_value(json_array_get(ck, 0)), "[REDACTED]");
	assert_non_null(strstr(jstr(j, "raw_payload"), "\r\nX-Trace: keepme\r\n"));
	assert_non_null(strstr(jstr(j, "raw_payload"), "\r\nCookie: [REDACTED]\r\n"));
	json_decref(j);
	outs_free(&o);

	an_opts_init(&op);
	op.show_secrets = true;
	v[0] = &a;
	run_analysis(v, 1, &op, &o);
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		assert_non_null(strstr(o.http, secrets[i]));
	outs_free(&o);
	arc_free(&a);
}

/* http.jsonl redacts by format/secret.h's rule, the one findings.json uses:
 * these three were printed in clear by a private list once (issue 14) */
static const char registry_req[] =
    "POST /v1.43/images/create HTTP/1.1\r\nX-Registry-Auth: eyJ1c2VybmFtZSI6InJlZyJ9\r\n"
    "X-Functions-Key: FUNCKEYVALUE\r\nOcp-Apim-Subscription-Key: APIMKEYVALUE\r\n"
    "X-Request-Id: keepme\r\nContent-Length: 0\r\n\r\n";

static void t_redaction_one_rule(void **state)
{
	static const char *const secrets[] = {"eyJ1c2VybmFtZSI6InJlZyJ9", "FUNCKEYVALUE",
					      "APIMKEYVALUE"};
	static const char *const names[] = {"X-Registry-Auth", "X-Functions-Key",
					    "Ocp-Apim-Subscription-Key"};
	static const char *const judged[] = {
	    "X-Registry-Auth", "x-functions-key", "OCP-APIM-SUBSCRIPTION-KEY", "Authorization",
	    "Cookie", "X-API-Key", "X-Session-Token", "WWW-Authenticate", "X-Request-Id",
	    "Sec-WebSocket-Key", "Content-Type", "X-Auth-Token", "Public-Key", "Db-Password"};
	struct ep c, s;
	struct arc a;
	struct outs o;
	json_t *j, *h;
	(void)state;

	for (size_t i = 0; i < sizeof(judged) / sizeof(judged[0]); i++)
		assert_int_equal(redact_header(NULL, (const uint8_t *)judged[i], strlen(judged[i])),
				 sr_secret_header(judged[i], strlen(judged[i])) != 0);

	arc_begin(&a);
	ep_pair(&c, &s, 100, 200, "127.0.0.1", 40000, "127.0.0.1", 2375);
	arc_send(&a, &c, T0_BOOT + MS, registry_req);
	arc_recv(&a, &c, T0_BOOT + 2 * MS, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	arc_finish(&a, 1);
	run1(&a, &o);
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		assert_null(strstr(o.http, secrets[i]));
	j = line_json(&o, 0);
	h = json_object_get(j, "headers");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char line[96];
		assert_string_equal(jstr(h, names[i]), SR_REDACTED);
		snprintf(line, sizeof(line), "\r\n%s: " SR_REDACTED "\r\n", names[i]);
		assert_non_null(strstr(jstr(j, "raw_payload"), line));
	}
	assert_string_equal(jstr(h, "X-Request-Id"), "keepme");
	json_decref(j);
	outs_free(&o);
	arc_free(&a);
}

/* --body-limit and --raw-limit */
static void t_limits(void **state)
{
	static char req[4096];
	struct arc a;
	struct outs o;
	struct an_opts op;
	const struct arc *v[1];
	struct ep c, s;
	json_t *j;
	int hl;
	(void)state;

	hl = snprintf(req, sizeof(req), "POST /big HTTP/1.1\r\nContent-Length: 3000\r\n\r\n");
	for (int i = 0; i < 3000; i++)
		req[hl + i] = (char)('0' + i % 10);
	arc_begin(&a);
	ep_pair(&c, &s, 100, 200, "127.0.0.1", 40000, "127.0.0.1", 8080);
	arc_data(&a, &c, T0_BOOT + MS, SR_DIR_SEND, req, (size_t)hl + 3000);
	arc_finish(&a, 1);

	run1(&a, &o); /* defaults: 1500 body bytes, 4096 raw bytes */
	j = line_json(&o, 0);
	assert_int_equal(strlen(jstr(j, "body")), 1500 + 3);
	assert_string_equal(jstr(j, "body") + 1500, "...");
	assert_int_equal(strlen(jstr(j, "raw_payload")), (size_t)hl + 3000);
	assert_int_equal(jint(j, "body_bytes"), 3000);
	json_decref(j);
	outs_free(&o);

	an_opts_init(&op);
	op.body_limit = 10;
	op.raw_limit = 20;
	v[0] = &a;
	run_analysis(v, 1, &op, &o);
	j = line_json(&o, 0);
	assert_string_equal(jstr(j, "body"), "0123456789...");
	assert_string_equal(jstr(j, "raw_payload"), "POST /big HTTP/1.1\r\n");
	json_decref(j);
	outs_free(&o);
	arc_free(&a);
}

/* a request in two records, split at every byte: the same lines */
static void t_split_records(void **state)
{
	static const char req[] = "PUT /k HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
	static const char resp[] = "HTTP/1.1 204 No Content\r\n\r\n";
	size_t n = sizeof(req) - 1;
	char *base = NULL;
	(void)state;

	for (size_t k = 0; k < n; k++) {
		struct arc a;
		struct outs o;
		struct ep c, s;

		arc_begin(&a);
		ep_pair(&c, &s, 100, 200, "127.0.0.1", 40000, "127.0.0.1", 8080);
		if (k == 0) {
			arc_data(&a, &c, T0_BOOT + MS, SR_DIR_SEND, req, n);
		} else {
			arc_data(&a, &c, T0_BOOT + MS, SR_DIR_SEND, req, k);
			arc_data(&a, &c, T0_BOOT + MS, SR_DIR_SEND, req + k, n - k);
		}
		arc_recv(&a, &c, T0_BOOT + 2 * MS, resp);
		arc_finish(&a, 1);
		run1(&a, &o);
		assert_int_equal(count_lines(o.http), 2);
		if (!base)
			base = strdup(o.http);
		else
			assert_string_equal(o.http, base);
		outs_free(&o);
		arc_free(&a);
	}
	assert_non_null(strstr(base, "\"body\":\"hello\""));
	free(base);
}

/* a body cut at the snaplen: truncated, counted, and the next request found */
static void t_snaplen_truncation(void **state)
{
	static char req[2000];
	struct arc a;
	struct outs o;
	struct ep c, s;
	json_t *j;
	int hl;
	(void)state;

	hl = snprintf(req, sizeof(req), "POST /up HTTP/1.1\r\nContent-Length: 1000\r\n\r\n");
	memset(req + hl, 'x', 1000);
	arc_begin(&a);
	ep_pair(&c, &s, 100, 200, "127.0.0.1", 40000, "127.0.0.1", 8080);
	/* 1040-odd bytes moved, 100 kept */
	arc_data_cap(&a, &c, T0_BOOT + MS, SR_DIR_SEND, req, (size_t)hl + 1000, 100, 0);
	arc_send(&a, &c, T0_BOOT + 2 * MS, "GET /next HTTP/1.1\r\n\r\n");
	arc_finish(&a, 1);
	run1(&a, &o);
	assert_int_equal(count_lines(o.http), 2);
	j = line_json(&o, 0);
	assert_string_equal(jstr(j, "url"), "/up");
	assert_true(json_is_true(json_object_get(j, "truncated")));
	assert_int_equal(jint(j, "body_bytes"), 1000);
	assert_int_equal(jint(j, "bytes"), hl + 1000);
	json_decref(j);
	j = line_json(&o, 1);
	assert_string_equal(jstr(j, "url"), "/next");
	assert_true(json_is_false(json_object_get(j, "truncated")));
	json_decref(j);
	outs_free(&o);
	arc_free(&a);
}

/* the last read also took the peer's FIN: copied_seq is one further (seen
 * live with python's http.server); the body is whole, nothing is missing */
static void t_fin_in_seq(void **state)
{
	struct arc a;
	struct outs o;
	struct ep c, s;
	json_t *j;
	(void)state;

	arc_begin(&a);
	ep_pair(&c, &s, 100, 200, "127.0.0.1", 40000, "127.0.0.1", 8080);
	arc_send(&a, &c, T0_BOOT + MS, "GET /d HTTP/1.1\r\n\r\n");
	arc_recv(&a, &c, T0_BOOT + 2 * MS, "HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\n");
	c.seq[1] += 1; /* the FIN's sequence number */
	arc_recv(&a, &c, T0_BOOT + 3 * MS, "abcd");
	arc_finish(&a, 1);
	run1(&a, &o);
	j = line_json(&o, 1);
	assert_string_equal(jstr(j, "body"), "abcd");
	assert_true(json_is_false(json_object_get(j, "truncated")));
	json_decref(j);
	outs_free(&o);
	arc_free(&a);
}

/* the process exits: a body delimited by close ends cleanly */
static void t_exit_ends_body(void **state)
{
	struct arc a;
	struct outs o;
	struct ep c, s;
	json_t *j;
	(void)state;

	arc_begin(&a);
	ep_pair(&c, &s, 100, 200, "127.0.0.1", 40000, "127.0.0.1", 8080);
	arc_send(&a, &c, T0_BOOT + MS, "GET /stream HTTP/1.0\r\n\r\n");
	arc_recv(&a, &c, T0_BOOT + 2 * MS, "HTTP/1.0 200 OK\r\n\r\nall of it");
	arc_exit(&a, T0_BOOT + 3 * MS, 100);
	arc_finish(&a, 1);
	run1(&a, &o);
	j = line_json(&o, 1);
	assert_string_equal(jstr(j, "body"), "all of it");
	assert_true(json_is_false(json_object_get(j, "truncated")));
	json_decref(j);
	outs_free(&o);
	arc_free(&a);
}

/* the same archive twice: the same bytes */
static void t_determinism(void **state)
{
	struct arc a;
	struct outs o1, o2;
	(void)state;

	sample_archive(&a, true, true);
	run1(&a, &o1);
	run1(&a, &o2);
	assert_int_equal(o1.http_len, o2.http_len);
	assert_memory_equal(o1.http, o2.http, o1.http_len);
	assert_int_equal(o1.map_len, o2.map_len);
	assert_memory_equal(o1.map, o2.map, o1.map_len);
	assert_int_equal(o1.env_len, o2.env_len);
	assert_memory_equal(o1.env, o2.env, o1.env_len);
	assert_int_equal(o1.info_len, o2.info_len);
	assert_memory_equal(o1.info, o2.info, o1.info_len);
	outs_free(&o1);
	outs_free(&o2);
	arc_free(&a);
}

/* a cut archive: its prefix analyzed, exit 3; garbage: exit 2 */
static void t_damaged(void **state)
{
	struct arc a, cut, junk;
	struct outs o;
	(void)state;

	sample_archive(&a, true, true);
	cut = a;
	cut.len = a.len - 5; /* the last block is torn */
	run1(&cut, &o);
	assert_int_equal(o.rc, AN_EXIT_DAMAGED);
	assert_non_null(strstr(o.info, "  integrity: damaged\n  error: "));
	assert_non_null(strstr(o.info, "\n  error_offset: "));
	/* the first block: both request lines, nothing after */
	assert_int_equal(count_lines(o.http), 2);
	assert_null(strstr(o.http, "\"status_code\":200"));
	outs_free(&o);

	junk.buf = (uint8_t *)"this is not an archive";
	junk.len = 22;
	run1(&junk, &o);
	assert_int_equal(o.rc, AN_EXIT_UNREADABLE);
	assert_int_equal(o.http_len, 0);
	outs_free(&o);
	arc_free(&a);
}

/* an archive whose writer died: every complete block is used */
static void t_no_end_record(void **state)
{
	struct arc a;
	struct outs o;
	struct ep c, s;
	(void)state;

	arc_begin(&a);
	ep_pair(&c, &s, 100, 200, "127.0.0.1", 40000, "127.0.0.1", 8080);
	arc_send(&a, &c, T0_BOOT + MS, "GET /a HTTP/1.1\r\n\r\n");
	arc_finish(&a, 0);
	run1(&a, &o);
	assert_int_equal(o.rc, AN_EXIT_DAMAGED);
	assert_int_equal(count_lines(o.http), 1);
	outs_free(&o);
	arc_free(&a);
}

/* two hosts, two archives: merged, linked across archives, counted once */
static void two_hosts(struct arc *ha, struct arc *hb)
{
	struct ep c, s;

	ep_pair(&c, &s, 100, 100, "10.0.0.1", 40000, "10.0.0.2", 8080);
	/* host b's clock is offset differently: wall times still line up */
	arc_begin_host(ha, "host-a", T0_WALL - (int64_t)T0_BOOT);
	arc_begin_host(hb, "host-b", T0_WALL - (int64_t)(5 * T0_BOOT));
	arc_proc(ha, T0_BOOT, 100, "front", "front\0", 6, "", 0, "local", NULL, NULL, NULL);
	arc_proc(hb, 5 * T0_BOOT, 100, "back", "back\0", 5, "", 0, "local", NULL, NULL, NULL);
	arc_send(ha, &c, T0_BOOT + 1 * MS, "GET /api HTTP/1.1\r\n\r\n");
	arc_recv(hb, &s, 5 * T0_BOOT + 2 * MS, "GET /api HTTP/1.1\r\n\r\n");
	arc_send(hb, &s, 5 * T0_BOOT + 3 * MS, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	arc_recv(ha, &c, T0_BOOT + 4 * MS, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	arc_finish(ha, 1);
	arc_finish(hb, 1);
}

static void t_merge_hosts(void **state)
{
	struct arc ha, hb;
	struct outs o, o2;
	const struct arc *v[2];
	json_t *j;
	static const char *const order[] = {"front", "back", "back", "front"};
	(void)state;

	two_hosts(&ha, &hb);
	v[0] = &ha;
	v[1] = &hb;
	run_analysis(v, 2, NULL, &o);
	assert_int_equal(o.rc, AN_EXIT_OK);
	assert_int_equal(count_lines(o.http), 4);
	/* merged by wall time: front sends, back receives, back answers, front gets */
	for (size_t i = 0; i < 4; i++) {
		j = line_json(&o, i);
		assert_string_equal(jstr(j, "comm"), order[i]);
		json_decref(j);
	}
	/* pid 100 on both hosts: two processes, not one */
	assert_non_null(strstr(o.map, "- name: front\n  image: null\n  endpoints:\n"
				      "  - destination: back\n    destination_type: process\n"));
	assert_non_null(strstr(o.map, "    count: 1\n"));
	assert_null(strstr(o.map, "- name: back\n"));

	/* the order of the inputs does not change the map */
	v[0] = &hb;
	v[1] = &ha;
	run_analysis(v, 2, NULL, &o2);
	assert_string_equal(o.map, o2.map);
	outs_free(&o);
	outs_free(&o2);
	arc_free(&ha);
	arc_free(&hb);
}

/* info: records, time span, integrity */
static void t_info(void **state)
{
	struct arc a;
	struct outs o;
	(void)state;

	sample_archive(&a, true, true);
	run1(&a, &o);
	assert_true(yaml_ok(o.info, o.info_len));
	assert_non_null(strstr(o.info, "records:\n  capture_header: 1\n  data: 4\n  conn: 4\n"
				       "  process: 2\n  container: 0\n  loss: 0\n  end: 1\n"));
	assert_non_null(strstr(o.info, "  integrity: clean\n"));
	assert_non_null(strstr(o.info, "  bytes_moved: 466\n"));
	outs_free(&o);
	arc_free(&a);
}

/* dump: one record as JSON with the struct's field names */
static void t_dump(void **state)
{
	struct sr_record r;
	struct jw w;
	json_t *j;
	json_error_t err;
	(void)state;

	memset(&r, 0, sizeof(r));
	memset(&w, 0, sizeof(w));
	r.type = SR_REC_DATA;
	r.data.ts_ns = 42;
	r.data.tgid = 7;
	r.data.dir = SR_DIR_RECV;
	r.data.family = 6;
	r.data.laddr[15] = 1;
	r.data.lport = 80;
	r.data.bytes = 3;
	memcpy(r.data.comm, "c\"x", 3);
	r.data.payload.ptr = (const uint8_t *)"\x00\x01\x02";
	r.data.payload.len = 3;
	dump_record(&w, &r);
	j = json_loadb((const char *)w.b.p, w.b.len, 0, &err);
	assert_non_null(j);
	assert_string_equal(jstr(j, "type"), "data");
	assert_int_equal(jint(j, "ts_ns"), 42);
	assert_int_equal(jint(j, "tgid"), 7);
	assert_int_equal(jint(j, "dir"), 2);
	assert_string_equal(jstr(j, "laddr"), "::1");
	assert_string_equal(jstr(j, "comm"), "c\"x");
	assert_string_equal(jstr(j, "payload_b64"), "AAEC");
	json_decref(j);

	memset(&r, 0, sizeof(r));
	jw_reset(&w);
	r.type = SR_REC_PROCESS;
	r.proc.cmdline.ptr = (const uint8_t *)"a\0b\0";
	r.proc.cmdline.len = 4;
	r.proc.comm = sr_str("ok");
	dump_record(&w, &r);
	j = json_loadb((const char *)w.b.p, w.b.len, 0, &err);
	assert_non_null(j);
	assert_string_equal(jstr(j, "comm"), "ok");
	assert_string_equal(jstr(j, "cmdline_b64"), "YQBiAA==");
	assert_null(json_object_get(j, "cmdline"));
	json_decref(j);

	memset(&r, 0, sizeof(r));
	jw_reset(&w);
	r.type = 77;
	r.body.ptr = (const uint8_t *)"zz";
	r.body.len = 2;
	dump_record(&w, &r);
	j = json_loadb((const char *)w.b.p, w.b.len, 0, &err);
	assert_string_equal(jstr(j, "type"), "unknown");
	assert_int_equal(jint(j, "type_id"), 77);
	assert_string_equal(jstr(j, "body_b64"), "eno=");
	json_decref(j);
	jw_free(&w);
}

/* names with YAML-special and invalid bytes still give valid YAML */
static void t_yaml_odd_names(void **state)
{
	struct arc a;
	struct outs o;
	struct ep c, s;
	(void)state;

	arc_begin(&a);
	arc_proc(&a, T0_BOOT, 100, "x", "x\0", 2, "", 0, "local", "a: b\n- c", NULL, NULL);
	arc_proc(&a, T0_BOOT, 200, "\xff\xfeodd", "y\0", 2, "", 0, "local", NULL, NULL, NULL);
	ep_pair(&c, &s, 100, 200, "127.0.0.1", 40000, "127.0.0.1", 8080);
	arc_send(&a, &c, T0_BOOT + MS, "GET /p?q=\"1\" HTTP/1.1\r\n\r\n");
	arc_recv(&a, &s, T0_BOOT + MS + 1, "GET /p?q=\"1\" HTTP/1.1\r\n\r\n");
	arc_send(&a, &s, T0_BOOT + 2 * MS, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnull");
	arc_recv(&a, &c, T0_BOOT + 2 * MS + 1, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnull");
	arc_finish(&a, 1);
	run1(&a, &o);
	assert_true(yaml_ok(o.map, o.map_len));
	assert_true(yaml_ok(o.env, o.env_len));
	assert_true(yaml_ok(o.info, o.info_len));
	assert_non_null(strstr(o.map, "- name: \"a: b\\n- c\"\n"));
	assert_non_null(strstr(o.map, "    path: /p\n"));
	/* a JSON null body is the schema "null", an empty body is null */
	assert_non_null(strstr(o.map, "    request_schema: null\n    response_schema: \"null\"\n"));
	outs_free(&o);
	arc_free(&a);
}

/* paths without query, for origin- and absolute-form */
static void t_paths(void **state)
{
	static const struct {
		const char *t, *p;
	} v[] = {
	    {"/a/b?x=1", "/a/b"},
	    {"/a#frag", "/a"},
	    {"/", "/"},
	    {"http://h:8/x/y?z", "/x/y"},
	    {"HTTPS://h", "/"},
	    {"*", "*"},
	    {"example.com:443", "example.com:443"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		const uint8_t *p;
		size_t n = svcmap_path((const uint8_t *)v[i].t, strlen(v[i].t), &p);
		assert_int_equal(n, strlen(v[i].p));
		assert_memory_equal(p, v[i].p, n);
	}
}

/* latency buckets: exact below 128 us, within 1/64 above */
static void t_latency_buckets(void **state)
{
	(void)state;
	for (uint64_t us = 0; us < 200000; us += 7) {
		unsigned b = svcmap_lat_bucket(us);
		uint64_t hi = svcmap_lat_bucket_max(b);
		assert_true(hi >= us);
		if (us < 128)
			assert_int_equal(hi, us);
		else
			assert_true((hi - us) * 64 <= us);
		if (b)
			assert_true(svcmap_lat_bucket_max(b - 1) < us);
	}
}

/* ---- processes sharing a socket (postgres: the postmaster accepts, its
 * forked backend serves; the client is not in the archive) ---- */

static const uint8_t pg_sslrequest[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
/* StartupMessage: length 30, protocol 3.0, user=app, database=db */
static const uint8_t pg_startup[] = {
    0,	 0, 0,	 30,  0,   3,	0,   0,	  'u', 's', 'e', 'r', 0,   'a', 'p',
    'p', 0, 'd', 'a', 't', 'a', 'b', 'a', 's', 'e', 0,	 'd', 'b', 0,	0,
};
static const uint8_t pg_auth_ok[] = {'R', 0, 0, 0, 8, 0, 0, 0, 0};

/* the backend's side of one connection: SSLRequest, 'N', startup, AuthOk */
static void pg_backend_talk(struct arc *a, struct ep *be, uint64_t t)
{
	arc_data(a, be, t, SR_DIR_RECV, pg_sslrequest, sizeof(pg_sslrequest));
	arc_data(a, be, t + 10, SR_DIR_SEND, "N", 1);
	arc_data(a, be, t + 1000, SR_DIR_RECV, pg_startup, sizeof(pg_startup));
	arc_data(a, be, t + 2000, SR_DIR_SEND, pg_auth_ok, sizeof(pg_auth_ok));
}

/* the server's view of the connection, its only line */
static void assert_pg_server_line(const struct outs *o, uint32_t pid, uint16_t cport)
{
	json_t *j;

	assert_int_equal(count_lines(o->http), 1);
	j = line_json(o, 0);
	assert_string_equal(jstr(j, "event_type"), "connection");
	assert_int_equal(jint(j, "pid"), pid);
	assert_string_equal(jstr(j, "role"), "server");
	assert_string_equal(jstr(j, "direction"), "recv");
	assert_int_equal(jint(j, "source_port"), cport);
	assert_int_equal(jint(j, "dest_port"), 47110);
	/* the client's bytes are the SSLRequest, not the 1-byte 'N' */
	assert_string_equal(jstr(j, "protocol"), "postgres");
	assert_string_equal(jstr(j, "category"), "database");
	assert_int_equal(jint(j, "bytes_received"), sizeof(pg_sslrequest) + sizeof(pg_startup));
	assert_int_equal(jint(j, "bytes_sent"), 1 + sizeof(pg_auth_ok));
	json_decref(j);
	/* the map: the external client calls postgres, not postgres -> client */
	assert_non_null(strstr(o->map, "- name: \"127.0.0.1\"\n  image: null\n  endpoints: []\n"
				       "  connections:\n  - destination: postgres\n"
				       "    destination_type: process\n    protocol: postgres\n"
				       "    category: database\n    port: 47110\n"));
	assert_null(strstr(o->map, "- name: postgres\n"));
	assert_null(strstr(o->map, "\"127.0.0.1:"));
}

/* the postmaster's accept names the backend's socket the server side,
 * although the postmaster closed its copy first and nothing else (no fork
 * record, no snapshot, ports that look the other way) says so */
static void t_forked_backend_shares_socket(void **state)
{
	struct arc a;
	struct outs o;
	struct ep c, pm, be;
	(void)state;

	arc_begin(&a);
	ep_pair(&c, &pm, 999, 300, "127.0.0.1", 39474, "127.0.0.1", 47110);
	pm.comm = "postgres";
	arc_conn(&a, &pm, T0_BOOT + 1 * MS, SR_CONN_ACCEPT);
	arc_conn(&a, &pm, T0_BOOT + 1 * MS + 100, SR_CONN_CLOSE);
	be = pm; /* the same socket (inode and 4-tuple) in another process */
	be.pid = 301;
	pg_backend_talk(&a, &be, T0_BOOT + 2 * MS);
	arc_conn(&a, &be, T0_BOOT + 5 * MS, SR_CONN_CLOSE);
	arc_finish(&a, 1);
	run1(&a, &o);
	assert_int_equal(o.rc, AN_EXIT_OK);
	assert_pg_server_line(&o, 301, 39474);
	outs_free(&o);
	arc_free(&a);
}

/* no accept record for the backend's socket (the capture began later): the
 * backend is a forked child of the process that accepts on that address */
static void t_forked_child_of_listener(void **state)
{
	struct arc a;
	struct outs o;
	struct ep c, pm, c2, be;
	(void)state;

	arc_begin(&a);
	/* the postmaster accepts an earlier connection: the listener index */
	ep_pair(&c, &pm, 999, 300, "127.0.0.1", 39470, "127.0.0.1", 47110);
	arc_conn(&a, &pm, T0_BOOT + 1 * MS, SR_CONN_ACCEPT);
	arc_conn(&a, &pm, T0_BOOT + 1 * MS + 100, SR_CONN_CLOSE);
	arc_pev(&a, T0_BOOT + 1 * MS + 50, SR_PROC_FORK, 301, 300, 1, "postgres");
	ep_pair(&c2, &be, 999, 301, "127.0.0.1", 39480, "127.0.0.1", 47110);
	be.comm = "postgres";
	pg_backend_talk(&a, &be, T0_BOOT + 2 * MS);
	arc_finish(&a, 1);
	run1(&a, &o);
	assert_pg_server_line(&o, 301, 39480);
	outs_free(&o);
	arc_free(&a);
}

/* a socket inode reused for another connection: the 4-tuple differs, so
 * the old accept says nothing about it (here the ports decide: client) */
static void t_socket_inode_reused(void **state)
{
	struct arc a;
	struct outs o;
	struct ep c, pm, c2, s2;
	json_t *j;
	(void)state;

	arc_begin(&a);
	ep_pair(&c, &pm, 999, 300, "127.0.0.1", 39474, "127.0.0.1", 47110);
	arc_conn(&a, &pm, T0_BOOT + 1 * MS, SR_CONN_ACCEPT);
	arc_conn(&a, &pm, T0_BOOT + 1 * MS + 100, SR_CONN_CLOSE);
	ep_pair(&c2, &s2, 400, 998, "127.0.0.1", 50000, "127.0.0.1", 47111);
	c2.sock = pm.sock;
	arc_data(&a, &c2, T0_BOOT + 2 * MS, SR_DIR_SEND, "hello", 5);
	arc_finish(&a, 1);
	run1(&a, &o);
	assert_int_equal(count_lines(o.http), 1);
	j = line_json(&o, 0);
	assert_int_equal(jint(j, "pid"), 400);
	assert_string_equal(jstr(j, "role"), "client");
	assert_int_equal(jint(j, "source_port"), 50000);
	json_decref(j);
	outs_free(&o);
	arc_free(&a);
}

/* ---- containers through parents, and through the local address ---- */

#define WEB_ID "aaaaaaaaaaaa1111111111111111111111111111111111111111111111111111"
#define CLI_ID "bbbbbbbbbbbb2222222222222222222222222222222222222222222222222222"

/* the only line of pid with this direction and message ("request",
 * "response") */
static json_t *find_line(const struct outs *o, uint32_t pid, const char *dir, const char *msg)
{
	json_t *found = NULL;

	for (size_t i = 0; i < count_lines(o->http); i++) {
		json_t *j = line_json(o, i);
		const json_t *m = json_object_get(j, "message");
		if (jint(j, "pid") == pid && !strcmp(jstr(j, "direction"), dir) &&
		    (!msg || (m && json_is_string(m) && !strcmp(json_string_value(m), msg)))) {
			assert_null(found);
			found = j;
		} else {
			json_decref(j);
		}
	}
	assert_non_null(found);
	return found;
}

static void assert_ctr(const json_t *j, const char *key, const char *service)
{
	const json_t *c = json_object_get(j, key);

	assert_non_null(c);
	if (!service) {
		assert_true(json_is_null(c));
		return;
	}
	assert_true(json_is_object(c));
	assert_string_equal(jstr(c, "service"), service);
}

static void t_container_via_parents(void **state)
{
	static const char web_labels[] = "com.docker.compose.service=web\0";
	static const char cli_labels[] = "com.docker.compose.service=client\0";
	static const char web_ip[] = "172.18.0.2\0", cli_ip[] = "172.18.0.3\0";
	const char *req = "GET /api HTTP/1.1\r\nHost: web\r\n\r\n";
	const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	struct arc a;
	struct outs o;
	struct ep w, srv, cs, h, hs, d, ds;
	json_t *j;
	(void)state;

	arc_begin(&a);
	arc_ctr(&a, T0_BOOT, WEB_ID, "shop-web-1", "busybox:local", web_labels,
		sizeof(web_labels) - 1, web_ip, sizeof(web_ip) - 1);
	arc_ctr(&a, T0_BOOT, CLI_ID, "shop-client-1", "busybox:local", cli_labels,
		sizeof(cli_labels) - 1, cli_ip, sizeof(cli_ip) - 1);
	/* httpd in web; its per-request child's snapshot failed (it exited) */
	arc_proc_spec(&a, &(struct proc_spec){.ts = T0_BOOT, .pid = 500, .ppid = 1,
					      .flags = SR_PROC_TARGET_OPTIN, .comm = "httpd",
					      .cmdline = "httpd\0", .cmdline_len = 6,
					      .profile = "local", .container_id = WEB_ID,
					      .cgroup = "0::/docker/" WEB_ID "\n"});
	/* sh in client; its wget's snapshot came from the exec event: no cgroup */
	arc_proc_spec(&a, &(struct proc_spec){.ts = T0_BOOT, .pid = 600, .ppid = 1,
					      .flags = SR_PROC_TARGET_OPTIN, .comm = "sh",
					      .cmdline = "sh\0", .cmdline_len = 3,
					      .profile = "local", .container_id = CLI_ID,
					      .cgroup = "0::/docker/" CLI_ID "\n"});
	arc_proc_spec(&a, &(struct proc_spec){.ts = T0_BOOT + 1, .pid = 601, .ppid = 600,
					      .flags = SR_PROC_TARGET_OPTIN, .comm = "wget",
					      .cmdline = "wget\0", .cmdline_len = 5,
					      .profile = "local"});
	/* a host process (its cgroup was read: no container) forked by sh */
	arc_pev(&a, T0_BOOT + 2, SR_PROC_FORK, 700, 600, 1, "sh");
	arc_proc_spec(&a, &(struct proc_spec){.ts = T0_BOOT + 3, .pid = 700, .ppid = 600,
					      .flags = SR_PROC_TARGET_OPTIN, .comm = "agent",
					      .cmdline = "agent\0", .cmdline_len = 6,
					      .profile = "local", .cgroup = "0::/user.slice\n"});

	/* wget -> web: httpd accepts, forks 501, closes; 501 serves */
	ep_pair(&w, &srv, 601, 500, "172.18.0.3", 45592, "172.18.0.2", 8080);
	arc_conn(&a, &w, T0_BOOT + 1 * MS, SR_CONN_CONNECT);
	arc_conn(&a, &srv, T0_BOOT + 1 * MS + 10, SR_CONN_ACCEPT);
	arc_pev(&a, T0_BOOT + 1 * MS + 20, SR_PROC_FORK, 501, 500, 1, "httpd");
	arc_conn(&a, &srv, T0_BOOT + 1 * MS + 30, SR_CONN_CLOSE);
	arc_proc_spec(&a, &(struct proc_spec){.ts = T0_BOOT + 9 * MS, .pid = 501, .comm = "httpd",
					      .error = "open /proc/501/stat: no such file"});
	cs = srv;
	cs.pid = 501;
	arc_send(&a, &w, T0_BOOT + 2 * MS, req);
	arc_recv(&a, &cs, T0_BOOT + 2 * MS + 10, req);
	arc_send(&a, &cs, T0_BOOT + 3 * MS, resp);
	arc_recv(&a, &w, T0_BOOT + 3 * MS + 10, resp);

	/* the host process calls web from a host address */
	ep_pair(&h, &hs, 700, 998, "10.0.0.9", 41000, "172.18.0.2", 8080);
	arc_send(&a, &h, T0_BOOT + 4 * MS, req);

	/* a process nothing says anything about but its address: web's */
	arc_proc_spec(&a, &(struct proc_spec){.ts = T0_BOOT + 5 * MS, .pid = 800, .comm = "job",
					      .error = "open /proc/800/stat: no such file"});
	ep_pair(&d, &ds, 800, 997, "172.18.0.2", 42000, "10.9.9.9", 80);
	arc_send(&a, &d, T0_BOOT + 5 * MS + 10, req);
	arc_finish(&a, 1);

	run1(&a, &o);
	assert_int_equal(o.rc, AN_EXIT_OK);
	/* wget: its own snapshot has no container; its parent's does */
	j = find_line(&o, 601, "send", "request");
	assert_ctr(j, "source_container", "client");
	assert_ctr(j, "destination_container", "web");
	json_decref(j);
	j = find_line(&o, 601, "recv", "response");
	assert_ctr(j, "source_container", "web");
	assert_ctr(j, "destination_container", "client");
	json_decref(j);
	/* httpd's child: by its fork record, web */
	j = find_line(&o, 501, "recv", "request");
	assert_ctr(j, "source_container", "client");
	assert_ctr(j, "destination_container", "web");
	assert_string_equal(jstr(j, "destination_type"), "container");
	json_decref(j);
	j = find_line(&o, 501, "send", "response");
	assert_ctr(j, "source_container", "web");
	assert_ctr(j, "destination_container", "client");
	json_decref(j);
	/* a host process stays on the host whatever its parent */
	j = find_line(&o, 700, "send", "request");
	assert_ctr(j, "source_container", NULL);
	assert_ctr(j, "destination_container", "web");
	json_decref(j);
	/* nothing but the local address says where 800 runs */
	j = find_line(&o, 800, "send", "request");
	assert_ctr(j, "source_container", "web");
	json_decref(j);
	/* info names the processes by their (inherited) containers */
	assert_non_null(strstr(o.info, "- pid: 501\n  host: testhost\n  comm: httpd\n  name: web\n"
					"  container: web\n"));
	assert_non_null(strstr(o.info, "- pid: 601\n  host: testhost\n  comm: wget\n"
					"  name: client\n  container: client\n"));
	assert_non_null(strstr(o.info, "- pid: 700\n  host: testhost\n  comm: agent\n"
					"  name: agent\n  container: null\n"));
	outs_free(&o);
	arc_free(&a);
}

/* ---- command lines ---- */

static void t_cmdline_redaction(void **state)
{
	static const struct {
		uint32_t pid;
		const char *cmd; /* '|' separates arguments */
		const char *shown;
	} v[] = {
	    {100, "curl|-sS|-u|alice:wonderland|-H|Authorization: Bearer tok123|http://h:8080/x",
	     "curl -sS -u alice:[REDACTED] -H Authorization: [REDACTED] http://h:8080/x"},
	    {101, "/usr/bin/mysql|-h|127.0.0.1|-uapp|-psecretpw|-p|--password|shop",
	     "/usr/bin/mysql -h 127.0.0.1 -uapp -p[REDACTED] -p --password shop"},
	    {102, "tool|--password=hunter2|--token|abcdef|DB_PASSWORD=pw2|postgres://app:dbpw@db/x",
	     "tool --password=[REDACTED] --token [REDACTED] DB_PASSWORD=[REDACTED] "
	     "postgres://app:[REDACTED]@db/x"},
	    {103, "redis-cli|-h|127.0.0.1|-p|6379|-a|redispw|GET|k",
	     "redis-cli -h 127.0.0.1 -p 6379 -a [REDACTED] GET k"},
	    {104, "psql|-h|127.0.0.1|-p|5432|-U|app|-v|ON_ERROR_STOP=1",
	     "psql -h 127.0.0.1 -p 5432 -U app -v ON_ERROR_STOP=1"},
	    {105, "sh|-c|curl -u bob:builder --header 'X-API-Key: k3y' http://h/",
	     "sh -c curl -u bob:[REDACTED] --header 'X-API-Key: [REDACTED]' http://h/"},
	};
	static const char *const secrets[] = {"wonderland", "tok123",  "secretpw", "hunter2",
					      "abcdef",	    "pw2",     "dbpw",	   "redispw",
					      "builder",    "k3y"};
	char cmds[6][128];
	struct arc a;
	struct outs o;
	struct an_opts op;
	const struct arc *arcs[1];
	struct ep c, s;
	char want[256];
	json_t *j;
	(void)state;

	arc_begin(&a);
	for (size_t i = 0; i < 6; i++) {
		size_t n = strlen(v[i].cmd);
		memcpy(cmds[i], v[i].cmd, n + 1);
		for (size_t k = 0; k < n; k++)
			if (cmds[i][k] == '|')
				cmds[i][k] = 0;
		arc_proc(&a, T0_BOOT, v[i].pid, "p", cmds[i], n + 1, "", 0, "local", NULL, NULL,
			 NULL);
	}
	ep_pair(&c, &s, 100, 999, "127.0.0.1", 40000, "127.0.0.1", 8080);
	arc_send(&a, &c, T0_BOOT + MS, "GET /x HTTP/1.1\r\n\r\n");
	arc_finish(&a, 1);

	run1(&a, &o);
	for (size_t i = 0; i < 6; i++) {
		snprintf(want, sizeof(want), "adi_profile_pid: %u\nadi_profile_match: \"local\"\n",
			 v[i].pid);
		assert_non_null(strstr(o.env, want));
	}
	/* libyaml quotes and escapes: compare what the YAML says */
	{
		struct scalars sc;
		size_t seen = 0;
		scalars_load(&sc, o.env, o.env_len);
		for (size_t k = 0; k + 1 < sc.n; k++) {
			if (strcmp(sc.v[k], "adi_profile_cmdline"))
				continue;
			assert_true(seen < 6);
			assert_string_equal(sc.v[k + 1], v[seen].shown);
			seen++;
		}
		assert_int_equal(seen, 6);
		scalars_free(&sc);
	}
	j = line_json(&o, 0);
	assert_string_equal(jstr(j, "cmdline"), v[0].shown);
	json_decref(j);
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		assert_null(strstr(o.env, secrets[i]));
		assert_null(strstr(o.http, secrets[i]));
		assert_null(strstr(o.info, secrets[i]));
	}
	outs_free(&o);

	/* --show-secrets: as the process was started */
	an_opts_init(&op);
	op.show_secrets = true;
	arcs[0] = &a;
	run_analysis(arcs, 1, &op, &o);
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		assert_non_null(strstr(o.env, secrets[i]));
	j = line_json(&o, 0);
	assert_string_equal(jstr(j, "cmdline"),
			    "curl -sS -u alice:wonderland -H Authorization: Bearer tok123 "
			    "http://h:8080/x");
	json_decref(j);
	outs_free(&o);
	arc_free(&a);
}

/* cmdline_text() itself: joining, and the program rules */
static void t_cmdline_text(void **state)
{
	static const struct {
		const char *raw;
		size_t len;
		const char *shown;
		bool redacted;
	} v[] = {
#define RAW(s) s, sizeof(s) - 1
	    {RAW(""), "", false},
	    {RAW("\0\0"), "", false},
	    {RAW("a\0\0b\0"), "a  b", false}, /* an empty argument stays one */
	    {RAW("nginx: worker process\0\0\0"), "nginx: worker process", false},
	    {RAW("sshpass\0-p\0pw1\0ssh\0h\0"), "sshpass -p [REDACTED] ssh h", true},
	    {RAW("sshpass\0-ppw1\0ssh\0"), "sshpass -p[REDACTED] ssh", true},
	    {RAW("/bin/mongosh\0-u\0app\0-p\0pw1\0"), "/bin/mongosh -u app -p [REDACTED]", true},
	    {RAW("redis-cli\0--pass\0pw1\0"), "redis-cli --pass [REDACTED]", true},
	    {RAW("mariadb-dump\0-ppw1\0db\0"), "mariadb-dump -p[REDACTED] db", true},
	    /* the shared rule's pending value comes before the program's rules */
	    {RAW("mysql\0--token\0-p\0db\0"), "mysql --token [REDACTED] db", true},
	    /* header options, however they are spelt */
	    {RAW("wget\0--header=Authorization: Bearer t0k\0http://h/\0"),
	     "wget --header=Authorization: [REDACTED] http://h/", true},
	    {RAW("curl\0-HCookie: a=b\0http://h/\0"), "curl -HCookie: [REDACTED] http://h/", true},
	    {RAW("curl\0-H\0Authorization:Bearer t0k\0"), "curl -H Authorization:[REDACTED]", true},
	    {RAW("curl\0--header\0X-Api-Key:k\0"), "curl --header X-Api-Key:[REDACTED]", true},
	    {RAW("curl\0-H\0Accept: */*\0"), "curl -H Accept: */*", false},
	    {RAW("docker\0-H\0tcp://h:2375\0ps\0"), "docker -H tcp://h:2375 ps", false},
	    /* -p is a port for other programs */
	    {RAW("memcached\0-p\0" "11211\0"), "memcached -p 11211", false},
	    {RAW("curl\0-pnothing\0"), "curl -pnothing", false},
#undef RAW
	};
	(void)state;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n;
		bool red;
		char *t = cmdline_text((const uint8_t *)v[i].raw, v[i].len, true, &n, &red);
		assert_string_equal(t, v[i].shown);
		assert_int_equal(n, strlen(v[i].shown));
		assert_int_equal(red, v[i].redacted);
		free(t);
		/* not redacting: NULs become spaces, nothing else changes */
		t = cmdline_text((const uint8_t *)v[i].raw, v[i].len, false, &n, &red);
		assert_false(red);
		if (!v[i].redacted)
			assert_string_equal(t, v[i].shown);
		else
			assert_null(strstr(t, SR_REDACTED));
		free(t);
	}
}

/* ---- ADI_PROFILE inherited by forked targets ---- */

static void t_profile_inherited(void **state)
{
	static const char env[] = "ADI_PROFILE=local\0ADI_PROFILE_NAME=db\0PATH=/bin\0";
	struct arc a;
	struct outs o;
	(void)state;

	arc_begin(&a);
	arc_proc_spec(&a, &(struct proc_spec){.ts = T0_BOOT, .pid = 300, .ppid = 1,
					      .flags = SR_PROC_TARGET_OPTIN, .comm = "postgres",
					      .cmdline = "postgres\0-D\0/data\0", .cmdline_len = 18,
					      .env = env, .env_len = sizeof(env) - 1,
					      .profile = "local", .name = "db", .cgroup = "0::/\n"});
	/* a backend that retitled itself: opt-in by inheritance, environ gone */
	arc_pev(&a, T0_BOOT + 1 * MS, SR_PROC_FORK, 301, 300, 1, "postgres");
	arc_proc_spec(&a, &(struct proc_spec){.ts = T0_BOOT + 2 * MS, .pid = 301, .ppid = 300,
					      .flags = SR_PROC_TARGET_OPTIN, .comm = "postgres",
					      .cmdline = "postgres: app app startup\0\0\0",
					      .cmdline_len = 28, .cgroup = "0::/\n"});
	/* a child whose snapshot failed: its fork record says it is a target */
	arc_pev(&a, T0_BOOT + 3 * MS, SR_PROC_FORK, 302, 300, 1, "postgres");
	arc_proc_spec(&a, &(struct proc_spec){.ts = T0_BOOT + 4 * MS, .pid = 302,
					      .comm = "postgres",
					      .error = "open /proc/302/environ: no such process"});
	/* a target by --all only: nothing to inherit */
	arc_pev(&a, T0_BOOT + 5 * MS, SR_PROC_FORK, 303, 300, 4, "postgres");
	arc_proc_spec(&a, &(struct proc_spec){.ts = T0_BOOT + 6 * MS, .pid = 303, .ppid = 300,
					      .flags = SR_PROC_TARGET_ALL, .comm = "x",
					      .cmdline = "x\0", .cmdline_len = 2, .cgroup = "0::/\n"});
	/* a forked target that exec'd another program before it vanished */
	arc_pev(&a, T0_BOOT + 7 * MS, SR_PROC_FORK, 304, 300, 1, "postgres");
	arc_pev(&a, T0_BOOT + 8 * MS, SR_PROC_EXEC, 304, 300, 4, "other");
	arc_proc_spec(&a, &(struct proc_spec){.ts = T0_BOOT + 9 * MS, .pid = 304, .comm = "other",
					      .error = "open /proc/304/environ: no such process"});
	/* a grandchild, through a parent that inherits too */
	arc_pev(&a, T0_BOOT + 10 * MS, SR_PROC_FORK, 305, 301, 1, "postgres");
	arc_proc_spec(&a, &(struct proc_spec){.ts = T0_BOOT + 11 * MS, .pid = 305, .ppid = 301,
					      .flags = SR_PROC_TARGET_OPTIN, .comm = "postgres",
					      .cmdline = "postgres: worker\0", .cmdline_len = 17,
					      .cgroup = "0::/\n"});
	arc_finish(&a, 1);

	run1(&a, &o);
	assert_true(yaml_ok(o.env, o.env_len));
	assert_non_null(strstr(o.env, "---\nadi_profile_pid: 301\nadi_profile_match: \"local\"\n"
				      "adi_profile_name: \"db\"\n"
				      "adi_profile_cmdline: \"postgres: app app startup\"\n"
				      "adi_profile_env: {}\n"));
	assert_non_null(strstr(o.env, "---\nadi_profile_pid: 302\nadi_profile_match: \"local\"\n"
				      "adi_profile_name: \"db\"\nadi_profile_cmdline: \"\"\n"
				      "error: \"open /proc/302/environ: no such process\"\n"));
	assert_non_null(strstr(o.env, "---\nadi_profile_pid: 303\nadi_profile_match: null\n"));
	assert_non_null(strstr(o.env, "---\nadi_profile_pid: 304\nadi_profile_match: null\n"));
	assert_non_null(strstr(o.env, "---\nadi_profile_pid: 305\nadi_profile_match: \"local\"\n"
				      "adi_profile_name: \"db\"\n"));
	/* and the name is the service's name */
	assert_non_null(strstr(o.info, "- pid: 301\n  host: testhost\n  comm: postgres\n"
					"  name: db\n"));
	assert_non_null(strstr(o.info, "- pid: 303\n  host: testhost\n  comm: x\n  name: x\n"));
	outs_free(&o);
	arc_free(&a);
}

/* ---- http.jsonl in timestamp order ---- */

static const char *line_field(const struct outs *o, size_t i, const char *k, char *buf,
			      size_t cap)
{
	json_t *j = line_json(o, i);
	const json_t *v = json_object_get(j, k);

	if (json_is_string(v))
		snprintf(buf, cap, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
	else
		snprintf(buf, cap, "null");
	json_decref(j);
	return buf;
}

/* Expect: 100-continue: the 100 completes before the request body does;
 * the request (which began first) is still written first */
static void t_http_order_by_start(void **state)
{
	struct arc a;
	struct outs o;
	struct ep c, s;
	char b[64];
	(void)state;

	arc_begin(&a);
	ep_pair(&c, &s, 100, 999, "127.0.0.1", 40000, "127.0.0.1", 8080);
	arc_send(&a, &c, T0_BOOT + 1 * MS,
		 "POST /up HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
	arc_recv(&a, &c, T0_BOOT + 2 * MS, "HTTP/1.1 100 Continue\r\n\r\n");
	arc_send(&a, &c, T0_BOOT + 3 * MS, "hello");
	arc_recv(&a, &c, T0_BOOT + 4 * MS, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	arc_finish(&a, 1);
	run1(&a, &o);
	assert_int_equal(count_lines(o.http), 3);
	assert_string_equal(line_field(&o, 0, "method", b, sizeof(b)), "POST");
	assert_string_equal(line_field(&o, 0, "timestamp", b, sizeof(b)),
			    "2024-04-08T18:24:10.001000000Z");
	assert_string_equal(line_field(&o, 1, "status_code", b, sizeof(b)), "100");
	assert_string_equal(line_field(&o, 2, "status_code", b, sizeof(b)), "200");
	outs_free(&o);
	arc_free(&a);
}

/* the window is bounded (AN_DEFAULT_REORDER_NS, 5 s): a message that
 * completes 8 s after it began comes out when it completes, after the
 * lines the window already let go */
static void t_http_order_window(void **state)
{
	struct arc a;
	struct outs o;
	struct ep c1, s1, c2, s2, c3, s3;
	char b[64];
	(void)state;

	arc_begin(&a);
	ep_pair(&c1, &s1, 100, 999, "127.0.0.1", 40001, "127.0.0.1", 8080);
	ep_pair(&c2, &s2, 100, 999, "127.0.0.1", 40002, "127.0.0.1", 8080);
	ep_pair(&c3, &s3, 100, 999, "127.0.0.1", 40003, "127.0.0.1", 8080);
	arc_send(&a, &c1, T0_BOOT + 10 * MS, "POST /slow HTTP/1.1\r\nContent-Length: 4\r\n\r\nab");
	arc_send(&a, &c2, T0_BOOT + 20 * MS, "GET /quick HTTP/1.1\r\n\r\n");
	arc_send(&a, &c3, T0_BOOT + 6000 * MS, "GET /later HTTP/1.1\r\n\r\n");
	arc_send(&a, &c1, T0_BOOT + 8000 * MS, "cd");
	arc_finish(&a, 1);
	run1(&a, &o);
	assert_int_equal(count_lines(o.http), 3);
	/* /quick left the window at 6 s, before /slow was complete */
	assert_string_equal(line_field(&o, 0, "url", b, sizeof(b)), "/quick");
	assert_string_equal(line_field(&o, 1, "url", b, sizeof(b)), "/slow");
	assert_string_equal(line_field(&o, 2, "url", b, sizeof(b)), "/later");
	outs_free(&o);

	/* a window of 0: completion order, as before */
	{
		struct an_opts op;
		const struct arc *v[1] = {&a};
		an_opts_init(&op);
		op.reorder_window_ns = 0;
		run_analysis(v, 1, &op, &o);
		assert_string_equal(line_field(&o, 0, "url", b, sizeof(b)), "/quick");
		assert_string_equal(line_field(&o, 1, "url", b, sizeof(b)), "/later");
		assert_string_equal(line_field(&o, 2, "url", b, sizeof(b)), "/slow");
		outs_free(&o);
		/* a byte cap lets the earliest go as soon as it is exceeded */
		an_opts_init(&op);
		op.reorder_max_bytes = 1;
		run_analysis(v, 1, &op, &o);
		assert_string_equal(line_field(&o, 2, "url", b, sizeof(b)), "/slow");
		outs_free(&o);
	}
	arc_free(&a);
}

/* lines are let go as soon as nothing still to come can precede them (the
 * floor, engine.h), not 5 s later: a message in progress (variant 0) or a
 * non-HTTP connection still open (variant 1) holds back the lines that
 * began after it, so the order stays exact */
static void order_floor_variant(int variant)
{
	struct arc a;
	struct outs o;
	struct ep early, s1, quick, s2;
	char b[64], prev[64] = "";
	size_t n;

	arc_begin(&a);
	ep_pair(&early, &s1, 100, 998, "127.0.0.1", 40010, "127.0.0.1",
		variant ? 5432 : 8080);
	ep_pair(&quick, &s2, 100, 999, "127.0.0.1", 40012, "127.0.0.1", 8080);
	if (variant) {
		/* a Postgres SSLRequest: its connection line (5 ms) comes at its close */
		arc_conn(&a, &early, T0_BOOT + 5 * MS, SR_CONN_CONNECT);
		arc_data(&a, &early, T0_BOOT + 6 * MS, SR_DIR_SEND,
			 "\x00\x00\x00\x08\x04\xd2\x16\x2f", 8);
	} else {
		/* an upload that begins at 5 ms and ends at about 2.7 s */
		arc_send(&a, &early, T0_BOOT + 5 * MS,
			 "POST /slow HTTP/1.1\r\nContent-Length: 4\r\n\r\nab");
	}
	/* many quick exchanges in between: far more records than the engine
	 * takes between two floors */
	for (int i = 0; i < 300; i++) {
		uint64_t t = T0_BOOT + 20 * MS + (uint64_t)i * 9 * MS;
		arc_send(&a, &quick, t, "GET /q HTTP/1.1\r\n\r\n");
		arc_recv(&a, &quick, t + MS / 2, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
		if (i == 295 && variant)
			arc_conn(&a, &early, t + MS / 4, SR_CONN_CLOSE);
		else if (i == 295)
			arc_send(&a, &early, t + MS / 4, "cd");
	}
	arc_finish(&a, 1);
	run1(&a, &o);
	n = count_lines(o.http);
	assert_int_equal(n, 1 + 600);
	if (variant)
		assert_string_equal(line_field(&o, 0, "protocol", b, sizeof(b)), "postgres");
	else
		assert_string_equal(line_field(&o, 0, "url", b, sizeof(b)), "/slow");
	for (size_t i = 0; i < n; i++) {
		line_field(&o, i, "timestamp", b, sizeof(b));
		assert_true(strcmp(prev, b) <= 0);
		snprintf(prev, sizeof(prev), "%s", b);
	}
	outs_free(&o);
	arc_free(&a);
}

/* TLS plaintext records are the connection's application data; its
 * ciphertext records (kept with a payload here, as --keep-ciphertext
 * does, and made to look like HTTP) only count bytes. Both ends recorded:
 * four lines, each tls: true; the service map's endpoint too. A plain
 * connection next to it has no tls key. */
static void t_tls_plaintext(void **state)
{
	static const char req[] = "GET /over-tls HTTP/1.1\r\nHost: a\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	static const char fake[] = "GET /ciphertext HTTP/1.1\r\nHost: a\r\n\r\n";
	struct arc a;
	struct outs o;
	struct ep c, s, pc, ps;
	json_t *j;
	uint64_t t = T0_BOOT + MS;
	(void)state;

	arc_begin(&a);
	ep_pair(&c, &s, 100, 200, "127.0.0.1", 40000, "127.0.0.1", 8443);
	/* the handshake: ciphertext, both ends */
	arc_data_cap(&a, &c, t + 1, SR_DIR_SEND, fake, strlen(fake), strlen(fake), SR_DATA_TLS_CIPHER);
	arc_data_cap(&a, &s, t + 2, SR_DIR_RECV, fake, strlen(fake), strlen(fake), SR_DATA_TLS_CIPHER);
	arc_data_cap(&a, &s, t + 3, SR_DIR_SEND, "x", 900, 0, SR_DATA_TLS_CIPHER | SR_DATA_NO_PAYLOAD);
	arc_data_cap(&a, &c, t + 4, SR_DIR_RECV, "x", 900, 0, SR_DATA_TLS_CIPHER | SR_DATA_NO_PAYLOAD);
	/* the plaintext, no tcp_seq */
	c.no_seq = s.no_seq = 1;
	arc_data_cap(&a, &c, t + 10, SR_DIR_SEND, req, strlen(req), strlen(req), SR_DATA_TLS);
	arc_data_cap(&a, &s, t + 11, SR_DIR_RECV, req, strlen(req), strlen(req), SR_DATA_TLS);
	arc_data_cap(&a, &s, t + 12, SR_DIR_SEND, resp, strlen(resp), strlen(resp), SR_DATA_TLS);
	arc_data_cap(&a, &c, t + 13, SR_DIR_RECV, resp, strlen(resp), strlen(resp), SR_DATA_TLS);
	/* a plain HTTP connection */
	ep_pair(&pc, &ps, 100, 200, "127.0.0.1", 40001, "127.0.0.1", 8080);
	arc_send(&a, &pc, t + 20, req);
	arc_recv(&a, &ps, t + 21, req);
	arc_finish(&a, 1);

	run1(&a, &o);
	assert_int_equal(o.rc, AN_EXIT_OK);
	assert_int_equal(count_lines(o.http), 6);
	assert_null(strstr(o.http, "/ciphertext"));
	for (size_t i = 0; i < 4; i++) {
		j = line_json(&o, i);
		assert_true(json_is_true(json_object_get(j, "tls")));
		if (jint(j, "source_port") == 40000 || jint(j, "dest_port") == 40000)
			assert_int_equal(jint(j, "dest_port") == 8443 || jint(j, "source_port") == 8443, 1);
		json_decref(j);
	}
	for (size_t i = 4; i < 6; i++) {
		j = line_json(&o, i);
		assert_null(json_object_get(j, "tls"));
		assert_string_equal(jstr(j, "url"), "/over-tls");
		json_decref(j);
	}
	assert_non_null(strstr(o.http, "\"url\":\"/over-tls\""));
	assert_non_null(strstr(o.http, "\"status_code\":200"));
	assert_non_null(strstr(o.map, "    path: /over-tls\n    tls: true\n"));
	assert_non_null(strstr(o.map, "    path: /over-tls\n    request_schema"));
	outs_free(&o);
	arc_free(&a);
}

static void t_http_order_floor(void **state)
{
	(void)state;
	order_floor_variant(0);
	order_floor_variant(1);
}

static int write_archive(const char *path)
{
	struct arc a;
	FILE *f;

	sample_archive(&a, true, true);
	f = fopen(path, "wb");
	if (!f || fwrite(a.buf, 1, a.len, f) != a.len || fclose(f))
		return 1;
	arc_free(&a);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_both_ends),
	    cmocka_unit_test(t_server_only),
	    cmocka_unit_test(t_client_only),
	    cmocka_unit_test(t_names),
	    cmocka_unit_test(t_mysql_server_first),
	    cmocka_unit_test(t_mysql_seen_by_server),
	    cmocka_unit_test(t_postgres_both_ends),
	    cmocka_unit_test(t_env_yaml),
	    cmocka_unit_test(t_redaction),
	    cmocka_unit_test(t_redaction_one_rule),
	    cmocka_unit_test(t_limits),
	    cmocka_unit_test(t_split_records),
	    cmocka_unit_test(t_snaplen_truncation),
	    cmocka_unit_test(t_fin_in_seq),
	    cmocka_unit_test(t_exit_ends_body),
	    cmocka_unit_test(t_determinism),
	    cmocka_unit_test(t_damaged),
	    cmocka_unit_test(t_no_end_record),
	    cmocka_unit_test(t_merge_hosts),
	    cmocka_unit_test(t_info),
	    cmocka_unit_test(t_dump),
	    cmocka_unit_test(t_yaml_odd_names),
	    cmocka_unit_test(t_paths),
	    cmocka_unit_test(t_latency_buckets),
	    cmocka_unit_test(t_forked_backend_shares_socket),
	    cmocka_unit_test(t_forked_child_of_listener),
	    cmocka_unit_test(t_socket_inode_reused),
	    cmocka_unit_test(t_container_via_parents),
	    cmocka_unit_test(t_cmdline_redaction),
	    cmocka_unit_test(t_cmdline_text),
	    cmocka_unit_test(t_profile_inherited),
	    cmocka_unit_test(t_http_order_by_start),
	    cmocka_unit_test(t_http_order_window),
	    cmocka_unit_test(t_http_order_floor),
	    cmocka_unit_test(t_tls_plaintext),
	};

	if (argc == 3 && !strcmp(argv[1], "--write-archive"))
		return write_archive(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
