/* test_capture_container.c - container metadata parsing: the bounded JSON
 * reader (capture/json.c), the HTTP/1.1 response parser and the Docker
 * inspect / OCI config.json extraction (capture/container.c).
 *
 * Properties under test:
 *  - JSON: RFC 8259 values accepted, invalid documents (trailing commas,
 *    bad escapes, control characters, unterminated, too deep) refused;
 *    member lookup, iteration, string unescaping (\u, surrogate pairs),
 *    and the caps of every output buffer;
 *  - HTTP: Content-Length and chunked bodies, truncation and junk reported;
 *  - a Docker inspect document gives name (without '/'), image, labels
 *    (the compose service among them) and every IP address once;
 *  - an OCI config.json gives labels from annotations and CRI name/image;
 *  - no configured source gives a record with an error, not a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "container.h"
#include "json.h"

/* exact-size heap copies so ASan catches any read past the end */
static char *dup_exact(const char *s, size_t n)
{
	char *p = malloc(n ? n : 1);

	memcpy(p, s, n);
	return p;
}

static int valid(const char *doc)
{
	struct cap_json root;
	char *p = dup_exact(doc, strlen(doc));
	int rc = cap_json_parse(p, strlen(doc), &root);

	free(p);
	return rc == 0;
}

static void test_json_validity(void **state)
{
	static const char *const good[] = {
	    "{}",
	    "[]",
	    " {\"a\" : [1, -2.5e+3, true, false, null, \"x\"]} ",
	    "\"\\u00e9\\n\"",
	    "0",
	    "-0.0",
	    "[[[[]]]]",
	    "{\"a\":{\"b\":{}}}",
	};
	static const char *const bad[] = {
	    "",		"{",   "[1,]",	"{\"a\":1,}", "{a:1}",	   "\"\\x\"",
	    "\"\x01\"", "01",  "1.",	"-",	      "[1 2]",	   "{\"a\" 1}",
	    "tru",	"nul", "\"abc", "{} {}",      "\"\\u12\"", "[\"a\",]",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(valid(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (valid(bad[i]))
			fail_msg("accepted invalid JSON: %s", bad[i]);
	}
}

static void test_json_depth_cap(void **state)
{
	char doc[2 * (CAP_JSON_MAX_DEPTH + 2) + 1];
	int d;

	(void)state;
	for (d = CAP_JSON_MAX_DEPTH; d <= CAP_JSON_MAX_DEPTH + 1; d++) {
		memset(doc, '[', d);
		memset(doc + d, ']', d);
		doc[2 * d] = 0;
		assert_int_equal(valid(doc), d <= CAP_JSON_MAX_DEPTH);
	}
}

static void test_json_navigation(void **state)
{
	static const char doc[] = "{\"Name\":\"/web-1\",\"Config\":{\"Image\":\"busybox:1\","
				  "\"Labels\":{\"a\":\"1\",\"b\":\"2\"}},\"n\":[1,2,3]}";
	struct cap_json root, v, k, e;
	struct cap_json_iter it;
	char buf[64];
	int n = 0;

	(void)state;
	assert_int_equal(cap_json_parse(doc, strlen(doc), &root), 0);
	assert_true(cap_json_path(&root, "Config.Image", &v));
	assert_int_equal(cap_json_string(&v, buf, sizeof(buf)), 9);
	assert_string_equal(buf, "busybox:1");
	assert_false(cap_json_path(&root, "Config.Nope", &v));
	assert_false(cap_json_path(&root, "Name.Deeper", &v)); /* not an object */
	assert_true(cap_json_path(&root, "Config.Labels", &v));
	assert_int_equal(cap_json_iter_init(&v, &it), 0);
	while (cap_json_iter_next(&it, &k, &e))
		n++;
	assert_int_equal(n, 2);
	assert_true(cap_json_member(&root, "n", &v));
	assert_int_equal(cap_json_kind(&v), '[');
	assert_int_equal(cap_json_iter_init(&v, &it), 0);
	n = 0;
	while (cap_json_iter_next(&it, &k, &e)) {
		assert_int_equal(k.n, 0);
		assert_int_equal(cap_json_kind(&e), '0');
		n++;
	}
	assert_int_equal(n, 3);
	assert_int_equal(cap_json_string(&v, buf, sizeof(buf)), -1); /* not a string */
}

static void test_json_strings(void **state)
{
	static const char doc[] = "[\"a\\\"b\\\\c\\/d\\n\", \"\\u00e9\\u20ac\\ud83d\\ude00\", "
				  "\"\\ud800x\", \"\\u0000\", \"abcdefgh\"]";
	struct cap_json root, k, v[5];
	struct cap_json_iter it;
	char buf[32];
	int i = 0;

	(void)state;
	assert_int_equal(cap_json_parse(doc, strlen(doc), &root), 0);
	assert_int_equal(cap_json_iter_init(&root, &it), 0);
	while (i < 5 && cap_json_iter_next(&it, &k, &v[i]))
		i++;
	assert_int_equal(i, 5);
	assert_int_equal(cap_json_string(&v[0], buf, sizeof(buf)), 8);
	assert_string_equal(buf, "a\"b\\c/d\n");
	/* é (2 bytes) € (3 bytes) 😀 (4 bytes, from a surrogate pair) */
	assert_int_equal(cap_json_string(&v[1], buf, sizeof(buf)), 9);
	assert_string_equal(buf, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* a lone surrogate becomes U+FFFD */
	assert_int_equal(cap_json_string(&v[2], buf, sizeof(buf)), 4);
	assert_string_equal(buf, "\xef\xbf\xbdx");
	/* an embedded NUL cannot become a C string */
	assert_int_equal(cap_json_string(&v[3], buf, sizeof(buf)), -1);
	/* the cap counts the NUL: 8 characters need 9 bytes */
	assert_int_equal(cap_json_string(&v[4], buf, 8), -1);
	assert_int_equal(cap_json_string(&v[4], buf, 9), 8);
}

/* ---- HTTP ---- */

static int http(const char *resp, int *status, char *body, size_t body_cap)
{
	size_t n = strlen(resp), blen;
	char *copy = dup_exact(resp, n), *b, err[128];
	int rc = cap_http_parse(copy, n, status, &b, &blen, err, sizeof(err));

	if (!rc) {
		assert_true(blen < body_cap);
		memcpy(body, b, blen);
		body[blen] = 0;
	}
	free(copy);
	return rc;
}

static void test_http(void **state)
{
	char body[256];
	int status;

	(void)state;
	assert_int_equal(
	    http("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", &status, body, sizeof(body)), 0);
	assert_int_equal(status, 200);
	assert_string_equal(body, "{}");
	/* chunked, with an extension and lower-case header names */
	assert_int_equal(http("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
			      "3;x=y\r\n{\"a\r\n5\r\n\":1}\n\r\n0\r\n\r\n",
			      &status, body, sizeof(body)),
			 0);
	assert_string_equal(body, "{\"a\":1}\n");
	/* body up to the close when no length is given */
	assert_int_equal(
	    http("HTTP/1.0 404 Not Found\r\n\r\nno such container", &status, body, sizeof(body)),
	    0);
	assert_int_equal(status, 404);
	assert_string_equal(body, "no such container");
	/* truncations and junk */
	assert_int_equal(
	    http("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}", &status, body, sizeof(body)),
	    -1);
	assert_int_equal(http("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
			      &status, body, sizeof(body)),
			 -1);
	assert_int_equal(http("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
			      &status, body, sizeof(body)),
			 -1);
	assert_int_equal(http("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			      "fffffffff\r\n",
			      &status, body, sizeof(body)),
			 -1);
	assert_int_equal(
	    http("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n{}", &status, body, sizeof(body)),
	    -1);
	assert_int_equal(http("SSH-2.0-OpenSSH\r\n\r\n", &status, body, sizeof(body)), -1);
	assert_int_equal(
	    http("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", &status, body, sizeof(body)), -1);
}

/* ---- documents ---- */

static const char docker_doc[] =
    "{\"Id\":\"0123\",\"Name\":\"/demo-web-1\",\"Config\":{\"Image\":\"sockrec-busybox:test\","
    "\"Labels\":{\"com.docker.compose.service\":\"web\",\"com.docker.compose.project\":\"demo\","
    "\"n\":7}},"
    "\"NetworkSettings\":{\"IPAddress\":\"172.17.0.2\",\"GlobalIPv6Address\":\"\","
    "\"Networks\":{\"bridge\":{\"IPAddress\":\"172.17.0.2\",\"GlobalIPv6Address\":\"fd00::2\"},"
    "\"back\":{\"IPAddress\":\"10.5.0.3\"}}}}";

static int has_str(const char *buf, size_t len, const char *s)
{
	size_t pos = 0;

	while (pos < len) {
		if (!strcmp(buf + pos, s))
			return 1;
		pos += strlen(buf + pos) + 1;
	}
	return 0;
}

static int count_str(const char *buf, size_t len)
{
	size_t pos = 0;
	int n = 0;

	while (pos < len) {
		pos += strlen(buf + pos) + 1;
		n++;
	}
	return n;
}

static void test_docker_document(void **state)
{
	struct cap_ctr_meta m;
	char *doc = dup_exact(docker_doc, strlen(docker_doc));

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(cap_ctr_from_docker_json(doc, strlen(docker_doc), &m), 0);
	assert_string_equal(m.name, "demo-web-1");
	assert_string_equal(m.image, "sockrec-busybox:test");
	assert_true(has_str(m.labels, m.labels_len, "com.docker.compose.service=web"));
	assert_true(has_str(m.labels, m.labels_len, "com.docker.compose.project=demo"));
	assert_int_equal(count_str(m.labels, m.labels_len), 2); /* the number is not a label */
	assert_int_equal(count_str(m.addrs, m.addrs_len), 3);	/* 172.17.0.2 once */
	assert_true(has_str(m.addrs, m.addrs_len, "172.17.0.2"));
	assert_true(has_str(m.addrs, m.addrs_len, "fd00::2"));
	assert_true(has_str(m.addrs, m.addrs_len, "10.5.0.3"));
	cap_ctr_meta_free(&m);
	free(doc);

	memset(&m, 0, sizeof(m));
	assert_int_equal(cap_ctr_from_docker_json("[1]", 3, &m), -1);
	assert_true(m.error[0]);
	cap_ctr_meta_free(&m);
}

static void test_oci_config(void **state)
{
	static const char cfg[] =
	    "{\"ociVersion\":\"1.0.2\",\"process\":{\"env\":[\"A=1\"]},\"annotations\":{"
	    "\"io.kubernetes.cri.container-name\":\"reviews\","
	    "\"io.kubernetes.cri.image-name\":\"docker.io/istio/reviews:1.20\","
	    "\"io.kubernetes.pod.namespace\":\"default\"}}";
	struct cap_ctr_meta m;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(cap_ctr_from_oci_config(cfg, strlen(cfg), &m), 0);
	assert_string_equal(m.name, "reviews");
	assert_string_equal(m.image, "docker.io/istio/reviews:1.20");
	assert_true(has_str(m.labels, m.labels_len, "io.kubernetes.pod.namespace=default"));
	assert_int_equal(count_str(m.labels, m.labels_len), 3);
	cap_ctr_meta_free(&m);
}

static void test_lookup_without_sources(void **state)
{
	struct cap_container_ref ref = {.runtime = "docker"};
	struct cap_ctr_meta m;

	(void)state;
	memset(ref.id, 'a', CAP_CONTAINER_ID_LEN);
	ref.id[CAP_CONTAINER_ID_LEN] = 0;
	cap_ctr_lookup(&ref, "", "", "", &m);
	assert_null(m.doc);
	assert_string_equal(m.id, ref.id);
	assert_string_equal(m.runtime, "docker");
	assert_non_null(strstr(m.error, "no container runtime API"));
	cap_ctr_meta_free(&m);

	/* a socket path that does not exist: an error naming it */
	cap_ctr_lookup(&ref, "/nonexistent/docker.sock", "", "", &m);
	assert_null(m.doc);
	assert_non_null(strstr(m.error, "/nonexistent/docker.sock"));
	cap_ctr_meta_free(&m);

	/* a containerd root without the bundle */
	cap_ctr_lookup(&ref, "", "/nonexistent-root", "", &m);
	assert_null(m.doc);
	assert_non_null(strstr(m.error, "config.json"));
	cap_ctr_meta_free(&m);
}

/* A containerd/CRI state directory: the bundle's config.json is found in
 * <root>/io.containerd.runtime.v2.task/<namespace>/<id>/, with or without
 * the namespace given. */
static void test_containerd_bundle(void **state)
{
	static const char cfg[] = "{\"annotations\":{\"io.kubernetes.cri.container-name\":\"db\","
				  "\"io.kubernetes.cri.image-name\":\"postgres:15\"}}";
	struct cap_container_ref ref = {.runtime = ""};
	char root[] = "/tmp/test_capture_ctr.XXXXXX", path[512], cmd[600];
	struct cap_ctr_meta m;
	FILE *f;

	(void)state;
	memset(ref.id, 'c', CAP_CONTAINER_ID_LEN);
	ref.id[CAP_CONTAINER_ID_LEN] = 0;
	assert_non_null(mkdtemp(root));
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/io.containerd.runtime.v2.task/k8s.io/%s", root,
		 ref.id);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/io.containerd.runtime.v2.task/k8s.io/%s/config.json", root,
		 ref.id);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(cfg, f);
	fclose(f);

	cap_ctr_lookup(&ref, NULL, root, "k8s.io", &m);
	assert_non_null(m.doc);
	assert_int_equal(m.doc_len, strlen(cfg));
	assert_string_equal(m.error, "");
	assert_string_equal(m.runtime, "containerd");
	assert_string_equal(m.name, "db");
	assert_string_equal(m.image, "postgres:15");
	cap_ctr_meta_free(&m);

	cap_ctr_lookup(&ref, "", root, "", &m); /* any namespace */
	assert_non_null(m.doc);
	assert_string_equal(m.name, "db");
	cap_ctr_meta_free(&m);

	cap_ctr_lookup(&ref, "", root, "default", &m); /* the wrong namespace */
	assert_null(m.doc);
	cap_ctr_meta_free(&m);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_validity),
	    cmocka_unit_test(test_json_depth_cap),
	    cmocka_unit_test(test_json_navigation),
	    cmocka_unit_test(test_json_strings),
	    cmocka_unit_test(test_http),
	    cmocka_unit_test(test_docker_document),
	    cmocka_unit_test(test_oci_config),
	    cmocka_unit_test(test_lookup_without_sources),
	    cmocka_unit_test(test_containerd_bundle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
