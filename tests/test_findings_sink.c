/* test_findings_sink.c - findings through the real analyzer: archives
 * written with the .srz writer (tests/test_analyze.h), analyzed by
 * an_run() with the findings sink, as `report` and `findings` run it.
 *
 * Properties under test:
 *  - a pprof server recorded on 10.200.1.1:6060 that answers a peer in a
 *    network namespace (10.200.1.2, not recorded) is a high finding whose
 *    audit trail has that peer, and its loopback access on the same port is
 *    in the same finding; the response bodies (real Go output, one split
 *    over two syscalls) are recognised;
 *  - a transaction recorded at both ends counts once;
 *  - a Basic authorization header to the same process is a cleartext
 *    credential finding with the user name and without the password;
 *  - the process's secret-looking environment key is reported by name;
 *  - findings.json and --fail-on from the set the sink fed, as report does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"
#include <jansson.h>

#include "findings/findings.h"
#include "findings/sink.h"
#include "test_analyze.h"

#define US 1000ull
#define MS 1000000ull

static struct blob load(const char *name)
{
	return tu_load("tests/data/debugep/", name);
}

/* "HTTP/1.1 200 OK" + headers + body, as Go's server writes it */
static char *response(const char *ctype, const struct blob *body, size_t *len)
{
	char head[256];
	int hn =
	    snprintf(head, sizeof(head),
		     "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nX-Content-Type-Options: nosniff\r\n"
		     "Content-Length: %zu\r\n\r\n",
		     ctype, body->len);
	char *r = malloc((size_t)hn + body->len);

	assert_non_null(r);
	memcpy(r, head, (size_t)hn);
	memcpy(r + hn, body->p, body->len);
	*len = (size_t)hn + body->len;
	return r;
}

static void pprof_archive(struct arc *a, const struct blob *stacks, const struct blob *heap,
			  const struct blob *cmdline)
{
	static const char env[] = "HOME=/root\0DB_PASSWORD=hunter2\0";
	static const char req1[] =
	    "GET /debug/pprof/goroutine?debug=2 HTTP/1.1\r\nHost: 10.200.1.1:6060\r\n"
	    "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";
	static const char req2[] = "GET /debug/pprof/heap HTTP/1.1\r\nHost: 127.0.0.1:6060\r\n\r\n";
	/* base64("alice:s3cret-pw") */
	static const char req3[] =
	    "POST /login HTTP/1.1\r\nHost: 10.200.1.1:8080\r\n"
	    "Authorization: Basic YWxpY2U6czNjcmV0LXB3\r\nContent-Length: 0\r\n\r\n";
	static const char resp3[] = "HTTP/1.1 204 No Content\r\n\r\n";
	struct ep cli, srv, lc, ls, c3, s3;
	size_t r1n, r2n;
	char *r1 = response("text/plain; charset=utf-8", stacks, &r1n);
	char *r2 = response("application/octet-stream", heap, &r2n);

	arc_begin(a);
	arc_proc(a, T0_BOOT, 200, "ppdemo", cmdline->p, cmdline->len, env, sizeof(env) - 1, NULL,
		 NULL, NULL, NULL);
	arc_proc(a, T0_BOOT, 100, "curl", "curl\0", 5, "", 0, NULL, NULL, NULL, NULL);

	/* 1: the namespace peer (not recorded) fetches a stack dump; the
	 * server writes the response in two syscalls */
	ep_pair(&cli, &srv, 999, 200, "10.200.1.2", 41000, "10.200.1.1", 6060);
	srv.comm = "ppdemo";
	arc_conn(a, &srv, T0_BOOT + 10 * US, SR_CONN_ACCEPT);
	arc_recv(a, &srv, T0_BOOT + 20 * US, req1);
	arc_data(a, &srv, T0_BOOT + 1 * MS, SR_DIR_SEND, r1, 100);
	arc_data(a, &srv, T0_BOOT + 1 * MS + 10 * US, SR_DIR_SEND, r1 + 100, r1n - 100);
	arc_conn(a, &srv, T0_BOOT + 2 * MS, SR_CONN_CLOSE);

	/* 2: a loopback client, recorded at both ends, fetches the heap profile */
	ep_pair(&lc, &ls, 100, 200, "127.0.0.1", 42000, "127.0.0.1", 6060);
	lc.comm = "curl";
	ls.comm = "ppdemo";
	arc_conn(a, &lc, T0_BOOT + 3 * MS, SR_CONN_CONNECT);
	arc_conn(a, &ls, T0_BOOT + 3 * MS + 1, SR_CONN_ACCEPT);
	arc_send(a, &lc, T0_BOOT + 4 * MS, req2);
	arc_recv(a, &ls, T0_BOOT + 4 * MS + 1, req2);
	arc_data(a, &ls, T0_BOOT + 5 * MS, SR_DIR_SEND, r2, r2n);
	arc_data(a, &lc, T0_BOOT + 5 * MS + 1, SR_DIR_RECV, r2, r2n);
	arc_conn(a, &lc, T0_BOOT + 6 * MS, SR_CONN_CLOSE);
	arc_conn(a, &ls, T0_BOOT + 6 * MS + 1, SR_CONN_CLOSE);

	/* 3: the peer logs in to the application port with Basic auth */
	ep_pair(&c3, &s3, 999, 200, "10.200.1.2", 43000, "10.200.1.1", 8080);
	s3.comm = "ppdemo";
	arc_conn(a, &s3, T0_BOOT + 7 * MS, SR_CONN_ACCEPT);
	arc_recv(a, &s3, T0_BOOT + 7 * MS + 1, req3);
	arc_send(a, &s3, T0_BOOT + 8 * MS, resp3);
	arc_conn(a, &s3, T0_BOOT + 9 * MS, SR_CONN_CLOSE);
	arc_finish(a, 1);
	free(r1);
	free(r2);
}

static json_t *find(json_t *doc, const char *kind)
{
	size_t i;
	json_t *v;

	json_array_foreach(
	    json_object_get(doc, "findings"), i,
	    v) if (!strcmp(json_string_value(json_object_get(v, "kind")), kind)) return v;
	return NULL;
}

/* a (one archive) analyzed with the findings sink into f */
static int run_sink(const struct arc *a, struct findings *f)
{
	struct an_sink *sink = findings_sink(f);
	struct an_input in;
	struct an_opts op;
	int rc;

	memset(&in, 0, sizeof(in));
	in.buf = a->buf;
	in.len = a->len;
	in.name = "mem";
	an_opts_init(&op);
	rc = an_run(&in, 1, &op, &sink, 1);
	an_sink_free(sink);
	return rc;
}

static void run_with_hook(const struct arc *a, struct findings *f)
{
	assert_int_equal(run_sink(a, f), AN_EXIT_OK);
}

static void t_pprof_archive(void **state)
{
	struct blob stacks = load("goroutine_debug2.txt"), heap = load("heap.pb.gz");
	struct blob cmd = load("cmdline.bin");
	struct arc a;
	struct findings *f = findings_create();
	json_t *doc, *fd, *acc, *e0, *e1, *cred;
	char *text = NULL;
	size_t tl = 0;
	FILE *m;

	(void)state;
	pprof_archive(&a, &stacks, &heap, &cmd);
	run_with_hook(&a, f);
	doc = findings_result(f);

	fd = find(doc, "debug_endpoint");
	assert_non_null(fd);
	assert_string_equal(json_string_value(json_object_get(fd, "severity")), "high");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(fd, "service"), "pid")),
			 200);
	/* two transactions: the loopback one recorded at both ends counts once */
	assert_int_equal(json_integer_value(json_object_get(fd, "requests")), 2);
	acc = json_object_get(fd, "access");
	assert_int_equal(json_array_size(acc), 2);
	e0 = json_array_get(acc, 0);
	e1 = json_array_get(acc, 1);
	/* T0 (2024-04-08T18:24:10Z) + 20 us: the request's first byte at the server */
	assert_string_equal(json_string_value(json_object_get(e0, "time")),
			    "2024-04-08T18:24:10.000020000Z");
	assert_string_equal(json_string_value(json_object_get(json_object_get(e0, "peer"), "ip")),
			    "10.200.1.2");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(e0, "peer"), "class")), "external");
	assert_string_equal(json_string_value(json_object_get(e0, "content")), "goroutine_stacks");
	assert_int_equal(json_integer_value(json_object_get(e0, "bytes")), (json_int_t)stacks.len);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(e1, "peer"), "class")), "loopback");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(e1, "peer"), "pid")),
			 100);
	assert_string_equal(json_string_value(json_object_get(e1, "content")), "profile_proto");
	assert_int_equal(
	    json_integer_value(json_object_get(
		json_object_get(json_object_get(fd, "leaked"), "goroutines"), "max_stacks")),
	    6);

	cred = find(doc, "cleartext_credential");
	assert_non_null(cred);
	assert_string_equal(json_string_value(json_object_get(cred, "severity")), "high");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(cred, "credential"), "username")),
	    "alice");

	fd = find(doc, "secret_env");
	assert_non_null(fd);
	assert_string_equal(json_string_value(json_array_get(json_object_get(fd, "keys"), 0)),
			    "DB_PASSWORD");
	/* the process's command line carries secrets: its own finding */
	assert_non_null(find(doc, "secret_cmdline"));

	m = open_memstream(&text, &tl);
	assert_int_equal(findings_write_json(f, m), 0);
	fclose(m);
	assert_null(strstr(text, "s3cret-pw"));
	assert_null(strstr(text, "hunter2"));
	assert_null(strstr(text, "s3cr3t"));
	free(text);
	json_decref(doc);
	findings_free(f);
	arc_free(&a);
	free(stacks.p);
	free(heap.p);
	free(cmd.p);
}

/* what report does: findings.json and the summary, --fail-on from the set */
static void t_report_output(void **state)
{
	struct blob stacks = load("goroutine_debug2.txt"), heap = load("heap.pb.gz");
	struct blob cmd = load("cmdline.bin");
	struct arc a;
	char *text = NULL;
	size_t tl = 0;
	FILE *out = open_memstream(&text, &tl);
	struct findings *f = findings_create();
	json_t *doc;
	json_error_t err;

	(void)state;
	pprof_archive(&a, &stacks, &heap, &cmd);
	assert_int_equal(run_sink(&a, f), AN_EXIT_OK);
	assert_int_equal(findings_write_json(f, out), 0);
	fclose(out);
	doc = json_loads(text, 0, &err);
	assert_non_null(doc);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(doc, "summary"), "max_severity")),
	    "high");
	assert_true(findings_fail_on(f, FND_SEV_HIGH));
	json_decref(doc);
	findings_free(f);
	free(text);
	arc_free(&a);
	free(stacks.p);
	free(heap.p);
	free(cmd.p);
}

/* the client's request is recorded before the server's first record links
 * the two ends: still one transaction, reported from the server's view */
static void client_before_link(int client_gets_answer)
{
	static const char req[] =
	    "GET /debug/pprof/cmdline HTTP/1.1\r\nHost: 127.0.0.1:6060\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n./server";
	struct arc a;
	struct ep c, sv;
	struct findings *f = findings_create();
	json_t *doc, *fd;
	char when[AN_TIME_LEN];

	arc_begin(&a);
	arc_proc(&a, T0_BOOT, 100, "curl", "curl\0", 5, "", 0, NULL, NULL, NULL, NULL);
	arc_proc(&a, T0_BOOT, 200, "server", "./server\0", 9, "", 0, NULL, NULL, NULL, NULL);
	ep_pair(&c, &sv, 100, 200, "127.0.0.1", 42000, "127.0.0.1", 6060);
	arc_conn(&a, &c, T0_BOOT + 1 * MS, SR_CONN_CONNECT);
	arc_send(&a, &c, T0_BOOT + 2 * MS, req);
	arc_conn(&a, &sv, T0_BOOT + 3 * MS, SR_CONN_ACCEPT);
	arc_recv(&a, &sv, T0_BOOT + 3 * MS + 1, req);
	arc_send(&a, &sv, T0_BOOT + 4 * MS, resp);
	if (client_gets_answer) /* else the client's side ends unanswered */
		arc_recv(&a, &c, T0_BOOT + 4 * MS + 1, resp);
	arc_conn(&a, &c, T0_BOOT + 5 * MS, SR_CONN_CLOSE);
	arc_conn(&a, &sv, T0_BOOT + 5 * MS + 1, SR_CONN_CLOSE);
	arc_finish(&a, 1);
	run_with_hook(&a, f);
	doc = findings_result(f);
	assert_int_equal(json_array_size(json_object_get(doc, "findings")), 1);
	fd = find(doc, "debug_endpoint");
	assert_non_null(fd);
	assert_int_equal(json_integer_value(json_object_get(fd, "requests")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(fd, "service"), "pid")),
			 200);
	assert_int_equal(
	    json_integer_value(json_object_get(
		json_object_get(json_array_get(json_object_get(fd, "access"), 0), "peer"), "pid")),
	    100);
	/* the server's receive time (3 ms + 1 ns), not the client's send (2 ms) */
	fmt_time(when, T0_WALL + 3 * (int64_t)MS + 1);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(json_object_get(fd, "access"), 0), "time")),
	    when);
	json_decref(doc);
	findings_free(f);
	arc_free(&a);
}

/* a request whose connection ends without an answer: passed once, when its
 * transaction ends, with no status */
static void t_unanswered(void **state)
{
	static const char req[] = "GET /debug/pprof/heap HTTP/1.1\r\nHost: 10.0.0.1:6060\r\n\r\n";
	struct arc a;
	struct ep c, sv;
	struct findings *f = findings_create();
	json_t *doc, *fd, *acc;

	(void)state;
	arc_begin(&a);
	arc_proc(&a, T0_BOOT, 200, "server", "./server\0", 9, "", 0, NULL, NULL, NULL, NULL);
	ep_pair(&c, &sv, 999, 200, "10.0.0.2", 42000, "10.0.0.1", 6060);
	arc_conn(&a, &sv, T0_BOOT + 1 * MS, SR_CONN_ACCEPT);
	arc_recv(&a, &sv, T0_BOOT + 2 * MS, req);
	arc_conn(&a, &sv, T0_BOOT + 3 * MS, SR_CONN_CLOSE);
	arc_finish(&a, 1);
	run_with_hook(&a, f);
	doc = findings_result(f);
	fd = find(doc, "debug_endpoint");
	assert_non_null(fd);
	assert_int_equal(json_integer_value(json_object_get(fd, "requests")), 1);
	acc = json_array_get(json_object_get(fd, "access"), 0);
	assert_non_null(acc);
	assert_string_equal(json_string_value(json_object_get(acc, "method")), "GET");
	assert_true(json_is_false(json_object_get(acc, "served")));
	assert_true(json_is_null(json_object_get(acc, "status")));
	json_decref(doc);
	findings_free(f);
	arc_free(&a);
}

static void t_client_before_link(void **state)
{
	(void)state;
	client_before_link(1);
	client_before_link(0);
}

/* ---------- the recorded fixtures (scripts/record-fixtures.sh) ---------- */

/* analyzes fixtures/NAME/capture.srz with the hook; NULL when absent */
static json_t *fixture(const char *name, char **text)
{
	char path[256];
	struct an_input in;
	struct an_opts op;
	struct findings *f;
	struct an_sink *sink;
	FILE *m;
	size_t tl = 0;
	json_t *doc;

	snprintf(path, sizeof(path), "fixtures/%s/capture.srz", name);
	if (access(path, R_OK) != 0)
		return NULL;
	memset(&in, 0, sizeof(in));
	in.path = path;
	f = findings_create();
	sink = findings_sink(f);
	an_opts_init(&op);
	assert_int_equal(an_run(&in, 1, &op, &sink, 1), AN_EXIT_OK);
	an_sink_free(sink);
	doc = findings_result(f);
	*text = NULL;
	m = open_memstream(text, &tl);
	assert_int_equal(findings_write_json(f, m), 0);
	fclose(m);
	findings_free(f);
	return doc;
}

static size_t count_kind(json_t *doc, const char *kind)
{
	size_t i, n = 0;
	json_t *v;

	json_array_foreach(json_object_get(doc, "findings"), i, v) n +=
	    !strcmp(json_string_value(json_object_get(v, "kind")), kind);
	return n;
}

/* the debug finding whose listen port is port */
static json_t *debug_on(json_t *doc, int port)
{
	size_t i;
	json_t *v;

	json_array_foreach(
	    json_object_get(doc, "findings"), i,
	    v) if (!strcmp(json_string_value(json_object_get(v, "kind")), "debug_endpoint") &&
		   json_integer_value(json_object_get(
		       json_array_get(json_object_get(v, "listen"), 0), "port")) == port) return v;
	return NULL;
}

static int has_endpoint(json_t *fd, const char *ep, int by_path)
{
	size_t i, k;
	json_t *v, *b;

	json_array_foreach(json_object_get(fd, "endpoints"), i, v)
	{
		int path = 0;
		if (strcmp(json_string_value(json_object_get(v, "endpoint")), ep))
			continue;
		json_array_foreach(json_object_get(v, "detected_by"), k, b) path |=
		    !strcmp(json_string_value(b), "path");
		if (path == by_path)
			return 1;
	}
	return 0;
}

#define NEED_FIXTURE(doc, name)                                                                    \
	do {                                                                                       \
		if (!(doc)) {                                                                      \
			printf("SKIP: fixtures/%s/capture.srz missing\n", name);                   \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

/* Go pprof on the default mux on 0.0.0.0:47160: an operator on loopback
 * fetches index, goroutine?debug=1, heap, cmdline; the namespace peer every
 * endpoint of PPROF_ALL (12) and a symbol POST */
static void t_fixture_go_pprof(void **state)
{
	static const char *const eps[] = {"index",	  "goroutine", "heap",	 "allocs",
					  "threadcreate", "block",     "mutex",	 "profile",
					  "trace",	  "symbol",    "cmdline"};
	char *text;
	json_t *doc = fixture("go-pprof", &text), *fd, *b, *peers;
	size_t i, ext = 0;
	json_t *v;

	(void)state;
	NEED_FIXTURE(doc, "go-pprof");
	assert_int_equal(count_kind(doc, "debug_endpoint"), 1);
	fd = debug_on(doc, 47160);
	assert_non_null(fd);
	assert_string_equal(json_string_value(json_object_get(fd, "severity")), "high");
	assert_int_equal(json_integer_value(json_object_get(fd, "requests")), 4 + 13);
	assert_int_equal(json_integer_value(json_object_get(fd, "served_non_loopback")), 13);
	for (i = 0; i < sizeof(eps) / sizeof(eps[0]); i++)
		assert_true(has_endpoint(fd, eps[i], 1));
	peers = json_object_get(fd, "peers");
	assert_int_equal(json_array_size(peers), 2);
	json_array_foreach(peers, i, v) ext +=
	    !strcmp(json_string_value(json_object_get(v, "class")), "external");
	assert_int_equal(ext, 1);
	/* goroutine x3, heap x2, allocs, threadcreate, block, mutex, profile, trace */
	b = json_object_get(json_object_get(fd, "dos"), "bursts");
	assert_int_equal(json_integer_value(json_object_get(b, "profiling_requests")), 11);
	assert_non_null(strstr(text, "\"-session-secret=[REDACTED]\""));
	assert_null(strstr(text, "fixture-session-secret"));
	free(text);
	json_decref(doc);
}

/* seed 000's safe pattern: the app on 0.0.0.0:47170 (probed from the
 * namespace: 404), pprof on 127.0.0.1:47171 used from loopback */
static void t_fixture_go_pprof_private(void **state)
{
	char *text;
	json_t *doc = fixture("go-pprof-private", &text), *fd;
	size_t i;
	json_t *v;

	(void)state;
	NEED_FIXTURE(doc, "go-pprof-private");
	json_array_foreach(json_object_get(doc, "findings"), i, v)
	    assert_string_not_equal(json_string_value(json_object_get(v, "severity")), "high");
	assert_int_equal(count_kind(doc, "debug_endpoint"), 2);
	fd = debug_on(doc, 47170);
	assert_non_null(fd);
	assert_int_equal(json_integer_value(json_object_get(fd, "requests")), 2);
	assert_int_equal(json_integer_value(json_object_get(fd, "served")), 0);
	fd = debug_on(doc, 47171);
	assert_non_null(fd);
	assert_string_equal(json_string_value(json_object_get(fd, "severity")), "info");
	assert_int_equal(json_integer_value(json_object_get(fd, "requests")), 4);
	assert_int_equal(json_integer_value(json_object_get(fd, "served")), 4);
	assert_int_equal(json_integer_value(json_object_get(fd, "served_non_loopback")), 0);
	free(text);
	json_decref(doc);
}

/* pprof under /internal/dbg/ on the app mux, scraped from the namespace */
static void t_fixture_go_pprof_prefix(void **state)
{
	char *text;
	json_t *doc = fixture("go-pprof-prefix", &text), *fd;

	(void)state;
	NEED_FIXTURE(doc, "go-pprof-prefix");
	fd = debug_on(doc, 47180);
	assert_non_null(fd);
	assert_string_equal(json_string_value(json_object_get(fd, "severity")), "high");
	/* found by content, not by path */
	assert_true(has_endpoint(fd, "index", 0));
	assert_true(has_endpoint(fd, "goroutine", 0));
	assert_true(has_endpoint(fd, "heap", 0));
	assert_true(has_endpoint(fd, "allocs", 0));
	assert_true(has_endpoint(fd, "profile", 0));
	assert_true(has_endpoint(fd, "trace", 0));
	/* the default path was probed and not there */
	assert_true(has_endpoint(fd, "index", 1));
	/* cmdline has no signature: it counts because the index page was
	 * served under the same /internal/dbg/ */
	assert_true(has_endpoint(fd, "cmdline", 0));
	/* index, goroutine x2, heap, allocs, profile, trace, cmdline */
	assert_int_equal(json_integer_value(json_object_get(fd, "served_non_loopback")), 8);
	/* what cmdline leaked to the peer, redacted */
	assert_non_null(json_object_get(json_object_get(fd, "leaked"), "cmdline"));
	assert_null(strstr(text, "fixture-session-secret"));
	free(text);
	json_decref(doc);
}

/* curl to nginx on loopback with Basic, Bearer, X-API-Key and a cookie,
 * from a shell with DB_PASSWORD, API_TOKEN, AWS_SECRET_ACCESS_KEY, DB_HOST */
static void t_fixture_secrets(void **state)
{
	char *text;
	json_t *doc = fixture("secrets", &text), *fd = NULL, *keys;
	size_t i;
	json_t *v;

	(void)state;
	NEED_FIXTURE(doc, "secrets");
	assert_int_equal(count_kind(doc, "cleartext_credential"), 3);
	assert_int_equal(count_kind(doc, "credential_in_url"), 0); /* ?auth=basic is a mode */
	assert_int_equal(count_kind(doc, "secret_env"), 1);	   /* the shell and its curls */
	json_array_foreach(json_object_get(doc, "findings"), i, v)
	{
		if (!strcmp(json_string_value(json_object_get(v, "kind")), "cleartext_credential"))
			assert_string_equal(json_string_value(json_object_get(v, "severity")),
					    "info"); /* loopback */
		if (!strcmp(json_string_value(json_object_get(v, "kind")), "secret_env"))
			fd = v;
	}
	keys = json_object_get(fd, "keys");
	assert_int_equal(json_array_size(keys), 3);
	assert_string_equal(json_string_value(json_array_get(keys, 0)), "API_TOKEN");
	assert_string_equal(json_string_value(json_array_get(keys, 1)), "AWS_SECRET_ACCESS_KEY");
	assert_string_equal(json_string_value(json_array_get(keys, 2)), "DB_PASSWORD");
	assert_true(json_is_false(json_object_get(fd, "values_in_archive")));
	assert_non_null(strstr(text, "\"username\": \"alice\""));
	assert_null(strstr(text, "fixture-"));
	assert_null(strstr(text, "fixture.bearer"));
	assert_null(strstr(text, "wonderland"));
	free(text);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_pprof_archive),
	    cmocka_unit_test(t_report_output),
	    cmocka_unit_test(t_client_before_link),
	    cmocka_unit_test(t_unanswered),
	    cmocka_unit_test(t_fixture_go_pprof),
	    cmocka_unit_test(t_fixture_go_pprof_private),
	    cmocka_unit_test(t_fixture_go_pprof_prefix),
	    cmocka_unit_test(t_fixture_secrets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
