/* test_findings.c - findings: severity, audit trail, leaks, DoS, flight
 * recordings, secrets, determinism, bounds.
 *
 * Exchanges are built by hand around real response bodies of a Go 1.19
 * pprof server (tests/data/debugep/). Addresses follow the issue's
 * fixtures: the server at 10.200.1.1 (a veth in a test namespace), a
 * namespace peer at 10.200.1.2, loopback clients, a container at
 * 172.17.0.2. Expected values are derived from the inputs each test builds.
 *
 * Properties under test:
 *  - severity: loopback only -> info; non-loopback listen address with
 *    only loopback access -> medium; 2xx to a non-loopback peer -> high;
 *    the seed's safe pattern (pprof on a localhost listener, application on
 *    a public port) -> no high; probes that were never served -> info;
 *    a catch-all page on /debug/pprof/ is not "served";
 *  - pprof under a custom prefix is found by its response; its cmdline
 *    (no signature) when pprof content was served in the same directory;
 *  - every finding carries the seeds' remediation;
 *  - what leaked: goroutine counts and names, the redacted command line;
 *  - DoS: long CPU profiles and bursts; flight-recording sessions by token;
 *  - secrets: env key names and Basic/Bearer/API-key headers without any
 *    value, severity by how far the traffic went;
 *  - determinism: the same inputs give the same JSON bytes;
 *  - bounds: the audit trail is capped and keeps non-loopback accesses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include <jansson.h>

#include "findings/findings.h"

#define DATA_DIR "tests/data/debugep/"
#define T0 1795298195000000000ull /* 2026-11-21T21:56:35Z */
#define SEC 1000000000ull

static struct blob load(const char *name)
{
	return tu_load(DATA_DIR, name);
}

/* one exchange: server (pid, ip:port) answered client ip with status and body */
static struct fnd_exchange ex(uint64_t ts, uint32_t pid, const char *sip, uint16_t sport,
			      const char *cip, const char *method, const char *target, int status,
			      const void *body, size_t body_len)
{
	struct fnd_exchange x;

	memset(&x, 0, sizeof(x));
	x.ts_wall_ns = ts;
	x.server_pid = pid;
	x.server_comm = "ppdemo";
	x.server_ip = sip;
	x.server_port = sport;
	x.client_ip = cip;
	x.client_port = 40000;
	x.method = method;
	x.target = target;
	x.target_len = strlen(target);
	x.status = status;
	x.resp_body = body;
	x.resp_body_len = body_len;
	x.resp_body_total = body_len;
	return x;
}

static void add(struct findings *f, uint64_t ts, uint32_t pid, const char *sip, uint16_t sport,
		const char *cip, const char *target, int status, const void *body, size_t len)
{
	struct fnd_exchange x = ex(ts, pid, sip, sport, cip, "GET", target, status, body, len);
	findings_add_exchange(f, &x);
}

static json_t *result(struct findings *f)
{
	json_t *doc = findings_result(f);
	assert_non_null(doc);
	return doc;
}

static json_t *findings_of(json_t *doc)
{
	json_t *a = json_object_get(doc, "findings");
	assert_true(json_is_array(a));
	return a;
}

/* the finding of kind for service pid (and port when nonzero) */
static json_t *find(json_t *doc, const char *kind, uint32_t pid, uint16_t port)
{
	size_t i;
	json_t *v;

	json_array_foreach(findings_of(doc), i, v)
	{
		json_t *svc = json_object_get(v, "service");
		json_t *listen = json_object_get(v, "listen");
		if (strcmp(json_string_value(json_object_get(v, "kind")), kind))
			continue;
		if ((uint32_t)json_integer_value(json_object_get(svc, "pid")) != pid)
			continue;
		if (port && (!json_array_size(listen) ||
			     json_integer_value(
				 json_object_get(json_array_get(listen, 0), "port")) != port))
			continue;
		return v;
	}
	return NULL;
}

static const char *sev(json_t *finding)
{
	return json_string_value(json_object_get(finding, "severity"));
}

static json_int_t geti(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static char *text(struct findings *f)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);

	assert_non_null(m);
	assert_int_equal(findings_write_json(f, m), 0);
	fclose(m);
	return buf;
}

static void test_high_non_loopback_peer(void **state)
{
	struct blob b = load("goroutine_debug2.txt");
	struct findings *f = findings_create();
	json_t *doc, *fd, *acc, *peer, *leak, *rem;

	(void)state;
	add(f, T0, 100, "10.200.1.1", 6060, "10.200.1.2", "/debug/pprof/goroutine?debug=2", 200,
	    b.p, b.len);
	doc = result(f);
	fd = find(doc, "debug_endpoint", 100, 6060);
	assert_non_null(fd);
	assert_string_equal(sev(fd), "high");
	assert_string_equal(json_string_value(json_object_get(fd, "confidence")), "confirmed");
	assert_int_equal(geti(fd, "served_non_loopback"), 1);
	/* the audit trail: one entry, RFC 3339 ns UTC, peer external (not local, no container) */
	acc = json_object_get(fd, "access");
	assert_int_equal(json_array_size(acc), 1);
	acc = json_array_get(acc, 0);
	assert_string_equal(json_string_value(json_object_get(acc, "time")),
			    "2026-11-21T21:56:35.000000000Z");
	peer = json_object_get(acc, "peer");
	assert_string_equal(json_string_value(json_object_get(peer, "ip")), "10.200.1.2");
	assert_string_equal(json_string_value(json_object_get(peer, "class")), "external");
	assert_string_equal(json_string_value(json_object_get(acc, "endpoint")), "goroutine");
	assert_string_equal(json_string_value(json_object_get(acc, "path")),
			    "/debug/pprof/goroutine");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(acc, "params"), "debug")), "2");
	assert_int_equal(geti(acc, "status"), 200);
	assert_int_equal(geti(acc, "bytes"), (json_int_t)b.len);
	/* what leaked: 6 goroutine headers; main.main is the first app function */
	leak = json_object_get(fd, "leaked");
	assert_int_equal(geti(json_object_get(leak, "goroutines"), "max_stacks"), 6);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(leak, "functions"), 0)), "main.main");
	assert_string_equal(json_string_value(json_array_get(json_object_get(leak, "files"), 0)),
			    "/tmp/gopp/main.go");
	/* remediation from the seeds */
	rem = json_object_get(fd, "remediation");
	assert_true(json_array_size(rem) >= 4);
	assert_non_null(strstr(json_string_value(json_array_get(rem, 0)), "localhost"));
	assert_non_null(strstr(json_string_value(json_array_get(rem, 1)), "http.NewServeMux()"));
	assert_non_null(strstr(json_string_value(json_array_get(rem, 2)), "RegisterHandlers"));
	assert_non_null(strstr(json_string_value(json_array_get(rem, 3)), "authentication"));
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(doc, "summary"), "max_severity")),
	    "high");
	assert_int_equal(findings_max_severity(f), FND_SEV_HIGH);
	json_decref(doc);
	findings_free(f);
	free(b.p);
}

static void test_medium_nonloop_listen_loopback_access(void **state)
{
	struct blob b = load("heap.pb.gz");
	struct findings *f = findings_create();
	json_t *doc, *fd;

	(void)state;
	/* the application on the same port answers a LAN client on 10.0.0.5 */
	add(f, T0, 200, "10.0.0.5", 8080, "10.0.0.7", "/", 200, "Hello World!", 12);
	/* pprof on the default mux, fetched from loopback only */
	add(f, T0 + SEC, 200, "127.0.0.1", 8080, "127.0.0.1", "/debug/pprof/heap", 200, b.p, b.len);
	doc = result(f);
	fd = find(doc, "debug_endpoint", 200, 0);
	assert_non_null(fd);
	assert_string_equal(sev(fd), "medium");
	assert_int_equal(geti(fd, "served"), 1);
	assert_int_equal(geti(fd, "served_non_loopback"), 0);
	/* both local addresses are listed, sorted; 10.0.0.5 is not loopback */
	assert_int_equal(json_array_size(json_object_get(fd, "listen")), 2);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(fd, "listen"), 0), "ip")),
			    "10.0.0.5");
	/* the ordinary request is no access */
	assert_int_equal(geti(fd, "requests"), 1);
	assert_string_equal(
	    json_string_value(json_array_get(
		json_object_get(json_object_get(json_object_get(fd, "leaked"), "profiles"),
				"sample_types"),
		3)),
	    "inuse_space/bytes");
	json_decref(doc);
	findings_free(f);
	free(b.p);
}

static void test_info_loopback_and_safe_pattern(void **state)
{
	struct blob idx = load("index.html");
	struct findings *f = findings_create();
	json_t *doc, *fd;
	size_t i;
	json_t *v;

	(void)state;
	/* seed 000's safe pattern: application on :8080 (public), pprof on a
	 * separate listener localhost:6060 of the same process */
	add(f, T0, 300, "10.200.1.1", 8080, "10.200.1.2", "/", 200, "Hello World!", 12);
	add(f, T0 + SEC, 300, "127.0.0.1", 6060, "127.0.0.1", "/debug/pprof/", 200, idx.p, idx.len);
	doc = result(f);
	fd = find(doc, "debug_endpoint", 300, 6060);
	assert_non_null(fd);
	assert_string_equal(sev(fd), "info");
	json_array_foreach(findings_of(doc), i, v) assert_string_not_equal(sev(v), "high");
	assert_null(find(doc, "debug_endpoint", 300, 8080)); /* no debug traffic there */
	/* the index page lists nine profiles; goroutine (row 4) has count 6 */
	v = json_object_get(json_object_get(json_object_get(fd, "leaked"), "index"), "profiles");
	assert_int_equal(json_array_size(v), 9);
	assert_string_equal(json_string_value(json_object_get(json_array_get(v, 3), "name")),
			    "goroutine");
	assert_int_equal(geti(json_array_get(v, 3), "count"), 6);
	json_decref(doc);
	findings_free(f);
	free(idx.p);
}

static void test_probes_not_served(void **state)
{
	struct findings *f = findings_create();
	json_t *doc, *fd;
	static const char nf[] = "404 page not found\n";
	static const char spa[] = "<!doctype html><html><body><div id=app></div></body></html>";

	(void)state;
	/* a scanner asks an application that has no pprof */
	add(f, T0, 500, "10.200.1.1", 80, "198.51.100.9", "/debug/pprof/", 404, nf, strlen(nf));
	/* a catch-all route answers 200 with its page: not Go's output */
	add(f, T0 + 1, 500, "10.200.1.1", 80, "198.51.100.9", "/debug/pprof/heap", 200, spa,
	    strlen(spa));
	doc = result(f);
	fd = find(doc, "debug_endpoint", 500, 80);
	assert_non_null(fd);
	assert_string_equal(sev(fd), "info");
	assert_int_equal(geti(fd, "requests"), 2);
	assert_int_equal(geti(fd, "served"), 0);
	assert_non_null(strstr(json_string_value(json_object_get(fd, "reason")), "never served"));
	assert_non_null(strstr(json_string_value(json_object_get(fd, "reason")), "404"));
	json_decref(doc);
	findings_free(f);
}

static void test_custom_prefix_by_content(void **state)
{
	struct blob b = load("goroutine_debug1.txt");
	struct findings *f = findings_create();
	json_t *doc, *fd, *ep, *by;
	int saw_text = 0, saw_path = 0;
	size_t i;
	json_t *v;

	(void)state;
	add(f, T0, 600, "10.200.1.1", 9000, "10.200.1.2", "/internal/stacks?debug=1", 200, b.p,
	    b.len);
	doc = result(f);
	fd = find(doc, "debug_endpoint", 600, 9000);
	assert_non_null(fd);
	assert_string_equal(sev(fd), "high");
	ep = json_array_get(json_object_get(fd, "endpoints"), 0);
	assert_string_equal(json_string_value(json_object_get(ep, "endpoint")), "goroutine");
	assert_string_equal(json_string_value(json_object_get(ep, "path")), "/internal/stacks");
	by = json_object_get(ep, "detected_by");
	json_array_foreach(by, i, v)
	{
		saw_text |= !strcmp(json_string_value(v), "goroutine_text");
		saw_path |= !strcmp(json_string_value(v), "path");
	}
	assert_true(saw_text);
	assert_false(saw_path);
	/* debug=1: "goroutine profile: total 6" */
	assert_int_equal(
	    geti(json_object_get(json_object_get(fd, "leaked"), "goroutines"), "max_stacks"), 6);
	json_decref(doc);
	findings_free(f);
	free(b.p);
}

static void test_cmdline_redacted(void **state)
{
	struct blob c = load("cmdline.bin");
	struct blob v = load("vars.json");
	struct findings *f = findings_create();
	json_t *doc, *fd, *cmd, *args;
	char *t;

	(void)state;
	add(f, T0, 700, "10.200.1.1", 6060, "10.200.1.2", "/debug/pprof/cmdline", 200, c.p, c.len);
	add(f, T0, 701, "10.200.1.1", 6061, "10.200.1.2", "/debug/vars", 200, v.p, v.len);
	doc = result(f);
	fd = find(doc, "debug_endpoint", 700, 6060);
	assert_non_null(fd);
	assert_string_equal(sev(fd), "high"); /* cmdline has no signature: served by path */
	cmd = json_object_get(json_object_get(fd, "leaked"), "cmdline");
	args = json_object_get(cmd, "args");
	assert_int_equal(json_array_size(args), 6);
	assert_string_equal(json_string_value(json_array_get(args, 2)), "--db-password=[REDACTED]");
	assert_string_equal(json_string_value(json_array_get(args, 3)), "-token");
	assert_string_equal(json_string_value(json_array_get(args, 4)), "[REDACTED]");
	assert_string_equal(json_string_value(json_array_get(args, 5)),
			    "postgres://app:[REDACTED]@db/x");
	assert_int_equal(geti(cmd, "redacted"), 3);
	/* the same command line through expvar */
	fd = find(doc, "debug_endpoint", 701, 6061);
	cmd = json_object_get(json_object_get(fd, "leaked"), "cmdline");
	assert_string_equal(json_string_value(json_object_get(cmd, "source")), "expvar");
	assert_int_equal(geti(cmd, "redacted"), 3);
	t = text(f);
	assert_null(strstr(t, "hunter2"));
	assert_null(strstr(t, "s3cr3t"));
	assert_null(strstr(t, "app:pw@"));
	free(t);
	json_decref(doc);
	findings_free(f);
	free(c.p);
	free(v.p);
}

/* pprof's cmdline body has no signature: under a custom prefix it counts
 * only when the same server served pprof content in the same directory,
 * whichever came first */
static void test_cmdline_under_prefix(void **state)
{
	struct blob c = load("cmdline.bin");
	struct blob idx = load("index.html");
	struct findings *f = findings_create();
	json_t *doc, *fd, *eps, *ep, *cmd;
	char *t;
	int rows = 0;
	size_t i;
	json_t *v;

	(void)state;
	/* the cmdline answer arrives before the index page that shows the prefix */
	add(f, T0, 710, "10.200.1.1", 7000, "10.200.1.2", "/internal/dbg/cmdline", 200, c.p, c.len);
	add(f, T0 + SEC, 710, "10.200.1.1", 7000, "10.200.1.2", "/internal/dbg/", 200, idx.p,
	    idx.len);
	/* same server, another directory: not pprof */
	add(f, T0 + 2 * SEC, 710, "10.200.1.1", 7000, "10.200.1.2", "/app/cmdline", 200, c.p, c.len);
	/* a server that never served pprof content: nothing */
	add(f, T0, 711, "10.200.1.1", 7001, "10.200.1.2", "/internal/dbg/cmdline", 200, c.p, c.len);
	doc = result(f);
	assert_null(find(doc, "debug_endpoint", 711, 7001));
	fd = find(doc, "debug_endpoint", 710, 7000);
	assert_non_null(fd);
	assert_string_equal(sev(fd), "high");
	assert_int_equal(geti(fd, "requests"), 2);
	assert_int_equal(geti(fd, "served_non_loopback"), 2);
	eps = json_object_get(fd, "endpoints");
	json_array_foreach(eps, i, v)
	{
		rows++;
		if (strcmp(json_string_value(json_object_get(v, "endpoint")), "cmdline"))
			continue;
		ep = v;
		assert_string_equal(json_string_value(json_object_get(ep, "path")),
				    "/internal/dbg/cmdline");
		assert_int_equal(geti(ep, "bytes"), (json_int_t)c.len);
		assert_int_equal(json_array_size(json_object_get(ep, "detected_by")), 1);
		assert_string_equal(
		    json_string_value(json_array_get(json_object_get(ep, "detected_by"), 0)),
		    "pprof_prefix");
	}
	assert_int_equal(rows, 2); /* index and cmdline, no /app/cmdline */
	cmd = json_object_get(json_object_get(fd, "leaked"), "cmdline");
	assert_non_null(cmd);
	assert_int_equal(geti(cmd, "redacted"), 3);
	t = text(f);
	assert_null(strstr(t, "hunter2"));
	assert_null(strstr(t, "s3cr3t"));
	/* asking again gives the same document */
	{
		char *t2 = text(f);
		assert_string_equal(t, t2);
		free(t2);
	}
	free(t);
	json_decref(doc);
	findings_free(f);
	free(c.p);
	free(idx.p);
}

static void test_dos_long_and_burst(void **state)
{
	struct blob p = load("profile.pb.gz");
	struct findings *f = findings_create();
	json_t *doc, *fd, *dos, *burst, *lr;
	struct fnd_exchange x;

	(void)state;
	/* five default CPU profiles (30 s each) within 4 s from loopback */
	for (unsigned i = 0; i < 5; i++)
		add(f, T0 + i * SEC, 800, "127.0.0.1", 6060, "127.0.0.1", "/debug/pprof/profile",
		    200, p.p, p.len);
	/* short ones 60 s later: not long, not in the burst window */
	add(f, T0 + 60 * SEC, 800, "127.0.0.1", 6060, "127.0.0.1",
	    "/debug/pprof/profile?seconds=10", 200, p.p, p.len);
	add(f, T0 + 61 * SEC, 800, "127.0.0.1", 6060, "127.0.0.1", "/debug/pprof/trace?seconds=0.5",
	    200, "go 1.19 trace\0\0\0", 16);
	/* the v2 rate parameter far above the default */
	add(f, T0 + 62 * SEC, 800, "127.0.0.1", 6060, "127.0.0.1",
	    "/debug/pprof/cpu?seconds=5&rate=5000", 200, p.p, p.len);
	/* still running when the capture ended: no response, counts */
	x = ex(T0 + 63 * SEC, 800, "127.0.0.1", 6060, "127.0.0.1", "GET",
	       "/debug/pprof/trace?seconds=600", 0, NULL, 0);
	findings_add_exchange(f, &x);
	doc = result(f);
	fd = find(doc, "debug_endpoint", 800, 6060);
	assert_non_null(fd);
	dos = json_object_get(fd, "dos");
	/* 5 x 30 s + rate 5000 + trace 600 s */
	assert_int_equal(geti(dos, "long_requests_total"), 7);
	lr = json_object_get(dos, "long_requests");
	assert_int_equal(geti(json_array_get(lr, 0), "duration_ms"), 30000);
	assert_int_equal(geti(json_array_get(lr, 5), "rate_hz"), 5000);
	assert_int_equal(geti(json_array_get(lr, 6), "duration_ms"), 600000);
	burst = json_object_get(dos, "bursts");
	assert_int_equal(geti(burst, "count"), 1);
	assert_int_equal(geti(burst, "max_in_window"), 5);
	assert_int_equal(geti(burst, "profiling_requests"), 9);
	assert_string_equal(json_string_value(json_object_get(burst, "first_start")),
			    "2026-11-21T21:56:35.000000000Z");
	/* a DoS vector adds the WriteTimeout advice */
	assert_int_equal(json_array_size(json_object_get(fd, "remediation")), 5);
	json_decref(doc);
	findings_free(f);
	free(p.p);
}

static void test_flight_recording_sessions(void **state)
{
	struct blob tr = load("trace.bin");
	struct findings *f = findings_create();
	static const char tok[] = "{\"token\":\"abc-SECRET-tok\"}";
	json_t *doc, *fd, *frs, *s1, *acc;
	struct fnd_exchange x;
	char *t;
	size_t i;
	json_t *v;

	(void)state;
	x = ex(T0, 900, "10.200.1.1", 6060, "10.200.1.2", "POST",
	       "/debug/pprof/flightrecording/start?minageseconds=5&maxbytes=1000000", 200, tok,
	       strlen(tok));
	findings_add_exchange(f, &x);
	add(f, T0 + 2 * SEC, 900, "10.200.1.1", 6060, "10.200.1.2",
	    "/debug/pprof/flightrecording/capture?token=abc-SECRET-tok", 200, tr.p, tr.len);
	x = ex(T0 + 3 * SEC, 900, "10.200.1.1", 6060, "10.200.1.2", "POST",
	       "/debug/pprof/flightrecording/stop?token=abc-SECRET-tok", 200, "", 0);
	findings_add_exchange(f, &x);
	/* a capture with a token nobody started in the capture */
	add(f, T0 + 4 * SEC, 900, "10.200.1.1", 6060, "10.200.1.2",
	    "/debug/pprof/flightrecording/capture?token=tok-OTHER-9", 200, tr.p, tr.len);
	doc = result(f);
	fd = find(doc, "debug_endpoint", 900, 6060);
	frs = json_object_get(fd, "flight_recordings");
	assert_int_equal(json_array_size(frs), 2);
	s1 = json_array_get(frs, 0);
	assert_string_equal(json_string_value(json_object_get(s1, "session")), "fr-1");
	assert_int_equal(geti(s1, "captures"), 1);
	assert_int_equal(geti(s1, "capture_bytes"), (json_int_t)tr.len);
	assert_string_equal(json_string_value(json_object_get(s1, "minageseconds")), "5");
	assert_string_equal(json_string_value(json_object_get(s1, "maxbytes")), "1000000");
	assert_true(json_is_string(json_object_get(s1, "stopped")));
	assert_true(json_is_null(json_object_get(json_array_get(frs, 1), "started")));
	/* every access names its session; token values appear nowhere */
	acc = json_object_get(fd, "access");
	assert_int_equal(json_array_size(acc), 4);
	json_array_foreach(acc, i, v) assert_non_null(json_object_get(v, "session"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(acc, 3), "session")),
			    "fr-2");
	t = text(f);
	assert_null(strstr(t, "abc-SECRET-tok"));
	assert_null(strstr(t, "SECRET"));
	assert_null(strstr(t, "OTHER"));
	free(t);
	json_decref(doc);
	findings_free(f);
	free(tr.p);
}

static void test_secret_env_names_only(void **state)
{
	struct findings *f = findings_create();
	static const char env1[] =
	    "HOME=/root\0DB_PASSWORD=[REDACTED]\0API_TOKEN=[REDACTED]\0LANG=C\0";
	static const char env2[] = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENG\0"
				   "DATABASE_URL=postgres://u:pgpass99@db/app\0PATH=/bin";
	struct fnd_process p;
	json_t *doc, *fd, *keys;
	char *t;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.pid = 1000;
	p.comm = "api";
	p.environ = (const uint8_t *)env1;
	p.environ_len = sizeof(env1) - 1;
	p.env_redacted = 1;
	findings_add_process(f, &p);
	p.pid = 1001;
	p.comm = "worker";
	p.environ = (const uint8_t *)env2;
	p.environ_len = sizeof(env2) - 1;
	p.env_redacted = 0;
	findings_add_process(f, &p);
	doc = result(f);

	fd = find(doc, "secret_env", 1000, 0);
	assert_non_null(fd);
	assert_string_equal(sev(fd), "info");
	keys = json_object_get(fd, "keys");
	assert_int_equal(json_array_size(keys), 2);
	assert_string_equal(json_string_value(json_array_get(keys, 0)), "API_TOKEN"); /* sorted */
	assert_string_equal(json_string_value(json_array_get(keys, 1)), "DB_PASSWORD");
	assert_false(json_is_true(json_object_get(fd, "values_in_archive")));

	/* values present in the archive (captured with --no-redact): medium */
	fd = find(doc, "secret_env", 1001, 0);
	assert_non_null(fd);
	assert_string_equal(sev(fd), "medium");
	keys = json_object_get(fd, "keys");
	assert_int_equal(json_array_size(keys), 2); /* DATABASE_URL by its value */
	assert_string_equal(json_string_value(json_array_get(keys, 0)), "AWS_SECRET_ACCESS_KEY");
	assert_string_equal(json_string_value(json_array_get(keys, 1)), "DATABASE_URL");
	assert_true(json_is_true(json_object_get(fd, "values_in_archive")));

	t = text(f);
	assert_null(strstr(t, "wJalr"));
	assert_null(strstr(t, "pgpass99"));
	assert_null(strstr(t, "/root")); /* not secret, but no values at all are printed */
	free(t);
	json_decref(doc);
	findings_free(f);
}

static void test_cleartext_credentials(void **state)
{
	struct findings *f = findings_create();
	struct fnd_container ctr = {"c0ffee", "billing", "172.17.0.2", 10};
	/* base64("alice:s3cret-pw") */
	struct fnd_header basic[] = {{"Authorization", 13, "Basic YWxpY2U6czNjcmV0LXB3", 26}};
	struct fnd_header bearer[] = {
	    {"authorization", 13, "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", 35}};
	struct fnd_header apikey[] = {{"X-API-Key", 9, "k-12345-SECRETVALUE", 19},
				      {"Cookie", 6, "session=SESSIONVALUE", 20}};
	struct fnd_exchange x;
	json_t *doc, *a, *fd, *cred;
	char *t;
	size_t i, n_cred = 0;
	json_t *v;

	(void)state;
	findings_add_container(f, &ctr);
	x = ex(T0, 1100, "10.200.1.1", 8080, "10.200.1.2", "GET", "/admin", 200, "ok", 2);
	x.req_headers = basic;
	x.n_req_headers = 1;
	findings_add_exchange(f, &x);
	x = ex(T0, 1101, "127.0.0.1", 8081, "127.0.0.1", "GET", "/v1/items", 200, "[]", 2);
	x.req_headers = bearer;
	x.n_req_headers = 1;
	findings_add_exchange(f, &x);
	x = ex(T0, 1102, "172.17.0.1", 8082, "172.17.0.2", "POST",
	       "/charge?api_key=QUERYSECRET&auth=none", 200, "{}", 2);
	x.req_headers = apikey;
	x.n_req_headers = 2;
	findings_add_exchange(f, &x);
	doc = result(f);
	a = findings_of(doc);

	/* Basic from the namespace peer (external): high, user name only */
	fd = find(doc, "cleartext_credential", 1100, 0);
	assert_non_null(fd);
	assert_string_equal(sev(fd), "high");
	cred = json_object_get(fd, "credential");
	assert_string_equal(json_string_value(json_object_get(cred, "scheme")), "Basic");
	assert_string_equal(json_string_value(json_object_get(cred, "username")), "alice");
	/* Bearer on loopback: info */
	fd = find(doc, "cleartext_credential", 1101, 0);
	assert_non_null(fd);
	assert_string_equal(sev(fd), "info");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(fd, "credential"), "scheme")),
	    "Bearer");
	/* API key from a container: medium, the peer names the container */
	fd = find(doc, "cleartext_credential", 1102, 0);
	assert_non_null(fd);
	assert_string_equal(sev(fd), "medium");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(fd, "credential"), "header")),
	    "x-api-key");
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(fd, "peers"), 0), "container")),
			    "billing");
	/* the query parameter: its own finding */
	fd = find(doc, "credential_in_url", 1102, 0);
	assert_non_null(fd);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(fd, "credential"), "parameter")),
	    "api_key");
	/* one credential_in_url: "auth=none" names a mode, not a credential */
	n_cred = 0;
	json_array_foreach(a, i, v) n_cred +=
	    !strcmp(json_string_value(json_object_get(v, "kind")), "credential_in_url");
	assert_int_equal(n_cred, 1);
	n_cred = 0;
	/* cookies are not reported */
	json_array_foreach(a, i, v) n_cred +=
	    !strcmp(json_string_value(json_object_get(v, "kind")), "cleartext_credential");
	assert_int_equal(n_cred, 3);

	t = text(f);
	assert_null(strstr(t, "s3cret-pw"));
	assert_null(strstr(t, "YWxpY2U6czNjcmV0LXB3"));
	assert_null(strstr(t, "eyJhbGci"));
	assert_null(strstr(t, "SECRETVALUE"));
	assert_null(strstr(t, "SESSIONVALUE"));
	assert_null(strstr(t, "QUERYSECRET"));
	free(t);
	json_decref(doc);
	findings_free(f);
}

static void build_scenario(struct findings *f, const struct blob *g, const struct blob *h)
{
	struct fnd_process p;
	static const char env[] = "DB_PASSWORD=[REDACTED]\0";

	memset(&p, 0, sizeof(p));
	p.pid = 100;
	p.comm = "ppdemo";
	p.environ = (const uint8_t *)env;
	p.environ_len = sizeof(env) - 1;
	findings_add_process(f, &p);
	findings_add_local_addr(f, "10.200.1.1");
	add(f, T0 + 5, 100, "10.200.1.1", 6060, "10.200.1.2", "/debug/pprof/goroutine?debug=2", 200,
	    g->p, g->len);
	add(f, T0 + 1, 100, "127.0.0.1", 6060, "127.0.0.1", "/debug/pprof/heap", 200, h->p, h->len);
	add(f, T0 + 3, 200, "127.0.0.1", 6060, "127.0.0.1", "/debug/pprof/", 404, "x", 1);
}

static void test_determinism(void **state)
{
	struct blob g = load("goroutine_debug2.txt"), h = load("heap.pb.gz");
	struct findings *a = findings_create(), *b = findings_create();
	char *ta, *tb, *ta2;

	(void)state;
	build_scenario(a, &g, &h);
	build_scenario(b, &g, &h);
	ta = text(a);
	tb = text(b);
	ta2 = text(a); /* asking twice changes nothing */
	assert_string_equal(ta, tb);
	assert_string_equal(ta, ta2);
	/* the audit trail is in time order, not input order: T0+1 before T0+5 */
	{
		json_t *doc = findings_result(a), *acc;
		acc = json_object_get(find(doc, "debug_endpoint", 100, 6060), "access");
		assert_int_equal(json_array_size(acc), 2);
		assert_string_equal(
		    json_string_value(json_object_get(json_array_get(acc, 0), "time")),
		    "2026-11-21T21:56:35.000000001Z");
		assert_string_equal(
		    json_string_value(json_object_get(json_array_get(acc, 1), "time")),
		    "2026-11-21T21:56:35.000000005Z");
		json_decref(doc);
	}
	/* ids follow the order: the high finding first */
	assert_non_null(strstr(ta, "\"id\": \"F1\""));
	free(ta);
	free(tb);
	free(ta2);
	findings_free(a);
	findings_free(b);
	free(g.p);
	free(h.p);
}

static void test_audit_cap_keeps_non_loopback(void **state)
{
	struct blob idx = load("index.html");
	struct findings *f = findings_create();
	json_t *doc, *fd, *acc;
	size_t i, nonloop = 0;
	json_t *v;

	(void)state;
	/* 300 loopback accesses, then 10 from the namespace peer */
	for (unsigned i = 0; i < 300; i++)
		add(f, T0 + i, 1200, "10.200.1.1", 6060, "127.0.0.1", "/debug/pprof/", 200, idx.p,
		    idx.len);
	for (unsigned i = 0; i < 10; i++)
		add(f, T0 + 1000 + i, 1200, "10.200.1.1", 6060, "10.200.1.2", "/debug/pprof/", 200,
		    idx.p, idx.len);
	doc = result(f);
	fd = find(doc, "debug_endpoint", 1200, 6060);
	acc = json_object_get(fd, "access");
	assert_int_equal(json_array_size(acc), FND_MAX_AUDIT);
	assert_int_equal(geti(fd, "access_omitted"), 310 - FND_MAX_AUDIT);
	assert_int_equal(geti(fd, "requests"), 310);
	json_array_foreach(acc, i, v) nonloop += !strcmp(
	    json_string_value(json_object_get(json_object_get(v, "peer"), "ip")), "10.200.1.2");
	assert_int_equal(nonloop, 10);
	/* the peers table counts everything */
	assert_int_equal(json_array_size(json_object_get(fd, "peers")), 2);
	json_decref(doc);
	findings_free(f);
	free(idx.p);
}

static void test_severity_cli(void **state)
{
	struct findings *f = findings_create();

	(void)state;
	assert_int_equal(findings_severity_parse("info"), FND_SEV_INFO);
	assert_int_equal(findings_severity_parse("MEDIUM"), FND_SEV_MEDIUM);
	assert_int_equal(findings_severity_parse("high"), FND_SEV_HIGH);
	assert_int_equal(findings_severity_parse("critical"), -1);
	assert_int_equal(findings_severity_parse(NULL), -1);
	/* nothing found: no threshold fails */
	assert_int_equal(findings_max_severity(f), FND_SEV_NONE);
	assert_false(findings_fail_on(f, FND_SEV_INFO));
	add(f, T0, 1300, "127.0.0.1", 6060, "127.0.0.1", "/debug/pprof/cmdline", 200, "a", 1);
	assert_int_equal(findings_max_severity(f), FND_SEV_INFO);
	assert_true(findings_fail_on(f, FND_SEV_INFO));
	assert_false(findings_fail_on(f, FND_SEV_MEDIUM));
	findings_free(f);
}

static void test_summary_text(void **state)
{
	struct blob g = load("goroutine_debug2.txt"), h = load("heap.pb.gz");
	struct findings *f = findings_create();
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);

	(void)state;
	build_scenario(f, &g, &h);
	findings_print_summary(f, m);
	fclose(m);
	/* pid 100: high (10.200.1.2 is not loopback); pid 200: 404 only -> info;
	 * pid 100's env: info */
	assert_non_null(strstr(buf, "findings: 1 high, 0 medium, 2 info\n"));
	assert_non_null(strstr(buf, "high   F1 Go debug endpoints served to non-loopback peers by "
				    "ppdemo (pid 100) on port 6060"));
	free(buf);
	findings_free(f);
	free(g.p);
	free(h.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_high_non_loopback_peer),
	    cmocka_unit_test(test_medium_nonloop_listen_loopback_access),
	    cmocka_unit_test(test_info_loopback_and_safe_pattern),
	    cmocka_unit_test(test_probes_not_served),
	    cmocka_unit_test(test_custom_prefix_by_content),
	    cmocka_unit_test(test_cmdline_redacted),
	    cmocka_unit_test(test_cmdline_under_prefix),
	    cmocka_unit_test(test_dos_long_and_burst),
	    cmocka_unit_test(test_flight_recording_sessions),
	    cmocka_unit_test(test_secret_env_names_only),
	    cmocka_unit_test(test_cleartext_credentials),
	    cmocka_unit_test(test_determinism),
	    cmocka_unit_test(test_audit_cap_keeps_non_loopback),
	    cmocka_unit_test(test_severity_cli),
	    cmocka_unit_test(test_summary_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
