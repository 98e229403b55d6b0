/* test_debugep.c - Go debug endpoint paths and body detectors.
 *
 * Samples under tests/data/debugep/ are real responses of a Go 1.19 server
 * (Debian golang-go) importing net/http/pprof and expvar, fetched with curl
 * on 127.0.0.1 (see tests/data/debugep/README). Expected values come from
 * reading those files (grep, xxd) or from decoding them with tools other
 * than the code under test (python3 gzip + a 20-line protobuf walker,
 * `go tool pprof -raw`); the numbers are quoted next to each check.
 *
 * Properties under test:
 *  - every endpoint name, v1 and v2, matches by path, also percent-encoded,
 *    under a custom prefix and in absolute form; look-alikes do not;
 *  - each content detector recognises its real sample and says which
 *    endpoint it came from; ordinary HTML, JSON APIs and gzip of other data
 *    are not recognised;
 *  - bodies cut short are "truncated" when the caller says the body went
 *    on, and rejected when it says the body ended;
 *  - hostile bodies (a gzip bomb, random bytes) stay within the caps;
 *  - Go's rules for seconds (ParseInt / ParseFloat, defaults 30 s and 1 s).
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
#include <zlib.h>

#include "proto/godebug.h"

#define DATA_DIR "tests/data/debugep/"

static struct blob load(const char *name)
{
	struct blob b = tu_load(DATA_DIR, name);

	assert_true(b.len > 0);
	return b;
}

static int has_name(const struct godebug_names *l, const char *s)
{
	for (unsigned i = 0; i < l->n; i++)
		if (!strcmp(l->s[i], s))
			return 1;
	return 0;
}

/* gzip (RFC 1952) of src, as a Go server or a proxy would send it */
static struct blob gzip_of(const void *src, size_t n)
{
	z_stream z;
	struct blob b;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	b.len = deflateBound(&z, (uLong)n) + 32;
	b.p = malloc(b.len);
	assert_non_null(b.p);
	z.next_in = (Bytef *)src;
	z.avail_in = (uInt)n;
	z.next_out = b.p;
	z.avail_out = (uInt)b.len;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	b.len = z.total_out;
	deflateEnd(&z);
	return b;
}

/* ---------- paths ---------- */

static enum godebug_endpoint ep_of(const char *t)
{
	return godebug_match_path(t, strlen(t), NULL);
}

static void test_paths_every_endpoint(void **state)
{
	(void)state;
	assert_int_equal(ep_of("/debug/pprof/"), GODEBUG_EP_INDEX);
	assert_int_equal(ep_of("/debug/pprof"), GODEBUG_EP_INDEX); /* v2 RegisterHandlers */
	assert_int_equal(ep_of("/debug/pprof/goroutine?debug=2"), GODEBUG_EP_GOROUTINE);
	assert_int_equal(ep_of("/debug/pprof/heap?gc=1"), GODEBUG_EP_HEAP);
	assert_int_equal(ep_of("/debug/pprof/allocs"), GODEBUG_EP_ALLOCS);
	assert_int_equal(ep_of("/debug/pprof/threadcreate"), GODEBUG_EP_THREADCREATE);
	assert_int_equal(ep_of("/debug/pprof/block"), GODEBUG_EP_BLOCK);
	assert_int_equal(ep_of("/debug/pprof/mutex"), GODEBUG_EP_MUTEX);
	assert_int_equal(ep_of("/debug/pprof/profile?seconds=30"), GODEBUG_EP_PROFILE);
	assert_int_equal(ep_of("/debug/pprof/cpu?seconds=5&rate=500"), GODEBUG_EP_CPU);
	assert_int_equal(ep_of("/debug/pprof/trace?seconds=1&cpuprofiling=1"), GODEBUG_EP_TRACE);
	assert_int_equal(ep_of("/debug/pprof/symbol"), GODEBUG_EP_SYMBOL);
	assert_int_equal(ep_of("/debug/pprof/cmdline"), GODEBUG_EP_CMDLINE);
	assert_int_equal(ep_of("/debug/pprof/flightrecording/start?minageseconds=5"),
			 GODEBUG_EP_FR_START);
	assert_int_equal(ep_of("/debug/pprof/flightrecording/capture?token=x"), GODEBUG_EP_FR_CAPTURE);
	assert_int_equal(ep_of("/debug/pprof/flightrecording/stop?token=x"), GODEBUG_EP_FR_STOP);
	assert_int_equal(ep_of("/debug/vars"), GODEBUG_EP_EXPVAR);
	assert_int_equal(ep_of("/debug/requests?fam=grpc&b=0"), GODEBUG_EP_REQUESTS);
	assert_int_equal(ep_of("/debug/events"), GODEBUG_EP_EVENTS);
	assert_string_equal(godebug_endpoint_name(GODEBUG_EP_FR_CAPTURE), "flightrecording/capture");
	assert_string_equal(godebug_endpoint_name(GODEBUG_EP_EXPVAR), "expvar");
}

static void test_paths_prefix_encoding_absolute(void **state)
{
	struct godebug_path p;

	(void)state;
	/* a custom profile name under the index */
	assert_int_equal(godebug_match_path("/debug/pprof/mycustom", 21, &p), GODEBUG_EP_PPROF_OTHER);
	assert_string_equal(p.name, "mycustom");
	/* mounted under a prefix: "/admin" is 6 bytes */
	assert_int_equal(godebug_match_path("/admin/debug/pprof/heap", 23, &p), GODEBUG_EP_HEAP);
	assert_int_equal(p.prefix_len, 6);
	assert_int_equal(ep_of("/internal/debug/vars"), GODEBUG_EP_EXPVAR);
	/* %70 is 'p': Go's mux sees the decoded path */
	assert_int_equal(ep_of("/debug/%70prof/heap"), GODEBUG_EP_HEAP);
	assert_int_equal(ep_of("/debug/pprof/%67oroutine"), GODEBUG_EP_GOROUTINE);
	/* absolute form (proxies) */
	assert_int_equal(ep_of("http://10.0.0.1:6060/debug/pprof/trace?seconds=2"), GODEBUG_EP_TRACE);
	assert_int_equal(ep_of("/debug/pprof/heap#frag"), GODEBUG_EP_HEAP);
	/* look-alikes */
	assert_int_equal(ep_of("/api/users"), GODEBUG_EP_NONE);
	assert_int_equal(ep_of("/debug/pprofx"), GODEBUG_EP_NONE);
	assert_int_equal(ep_of("/debug/vars/x"), GODEBUG_EP_NONE);
	assert_int_equal(ep_of("/static/debug/pprof.js"), GODEBUG_EP_NONE);
	assert_int_equal(ep_of("/?next=/debug/pprof/heap"), GODEBUG_EP_NONE); /* only the path counts */
	assert_int_equal(ep_of(""), GODEBUG_EP_NONE);
	assert_int_equal(godebug_match_path(NULL, 0, &p), GODEBUG_EP_NONE);
	/* only the first len bytes count: 12 bytes are "/debug/pprof" (the v2
	 * index), 11 are "/debug/ppro" */
	assert_int_equal(godebug_match_path("/debug/pprof/heap", 12, NULL), GODEBUG_EP_INDEX);
	assert_int_equal(godebug_match_path("/debug/pprof/heap", 11, NULL), GODEBUG_EP_NONE);
}

static void test_query(void **state)
{
	const char *v;
	size_t vl;
	const char *t = "/debug/pprof/profile?debug=1&%73econds=30&flag#seconds=9";

	(void)state;
	assert_true(godebug_query_get(t, strlen(t), "seconds", &v, &vl));
	assert_int_equal(vl, 2);
	assert_memory_equal(v, "30", 2);
	assert_true(godebug_query_get(t, strlen(t), "flag", &v, &vl));
	assert_int_equal(vl, 0);
	assert_false(godebug_query_get(t, strlen(t), "gc", &v, &vl));
	assert_false(godebug_query_get("/x", 2, "a", &v, &vl));
}

static void test_durations(void **state)
{
	(void)state;
	/* profile/cpu: strconv.ParseInt, <= 0 or invalid -> 30 */
	assert_true(godebug_duration(GODEBUG_EP_PROFILE, NULL, 0, 0) == 30);
	assert_true(godebug_duration(GODEBUG_EP_PROFILE, "5", 1, 1) == 5);
	assert_true(godebug_duration(GODEBUG_EP_CPU, "120", 3, 1) == 120);
	assert_true(godebug_duration(GODEBUG_EP_PROFILE, "-1", 2, 1) == 30);
	assert_true(godebug_duration(GODEBUG_EP_PROFILE, "1.5", 3, 1) == 30);
	assert_true(godebug_duration(GODEBUG_EP_PROFILE, "99999999999999999999", 20, 1) ==
		    30);							  /* overflow */
	assert_true(godebug_duration(GODEBUG_EP_PROFILE, "1000000000000", 13, 1) == 1e9); /* capped */
	/* trace: strconv.ParseFloat, <= 0 or invalid -> 1 */
	assert_true(godebug_duration(GODEBUG_EP_TRACE, NULL, 0, 0) == 1);
	assert_true(godebug_duration(GODEBUG_EP_TRACE, "0.5", 3, 1) == 0.5);
	assert_true(godebug_duration(GODEBUG_EP_TRACE, "abc", 3, 1) == 1);
	assert_true(godebug_duration(GODEBUG_EP_TRACE, " 5", 2, 1) == 1);
	assert_true(godebug_duration(GODEBUG_EP_TRACE, "nan", 3, 1) == 1);
	/* a named profile with seconds is a delta profile; invalid -> 400 */
	assert_true(godebug_duration(GODEBUG_EP_HEAP, "10", 2, 1) == 10);
	assert_true(godebug_duration(GODEBUG_EP_HEAP, "x", 1, 1) == 0);
	assert_true(godebug_duration(GODEBUG_EP_HEAP, NULL, 0, 0) == 0);
	assert_true(godebug_duration(GODEBUG_EP_CMDLINE, "10", 2, 1) == 0);
}

/* ---------- real samples ---------- */

static void test_index(void **state)
{
	struct blob b = load("index.html");
	struct godebug_result r;

	(void)state;
	assert_int_equal(godebug_detect(b.p, b.len, 0, &r), GODEBUG_C_PPROF_INDEX);
	assert_int_equal(r.endpoint, GODEBUG_EP_INDEX);
	/* nine rows: allocs block cmdline goroutine heap mutex profile threadcreate trace */
	assert_int_equal(r.keys.n, 9);
	assert_string_equal(r.keys.s[0], "allocs");
	assert_string_equal(r.keys.s[3], "goroutine");
	assert_int_equal(r.key_counts[3], 6); /* "<tr><td>6</td><td><a href='goroutine?debug=1'>" */
	assert_string_equal(r.keys.s[7], "threadcreate");
	assert_int_equal(r.key_counts[7], 7);
	free(b.p);
}

static void test_goroutine_debug1(void **state)
{
	struct blob b = load("goroutine_debug1.txt");
	struct godebug_result r;

	(void)state;
	assert_int_equal(godebug_detect(b.p, b.len, 0, &r), GODEBUG_C_GOROUTINE_TEXT);
	assert_int_equal(r.endpoint, GODEBUG_EP_GOROUTINE);
	assert_int_equal(r.stacks, 6);	/* "goroutine profile: total 6" */
	assert_int_equal(r.records, 4); /* grep -c ' @ ' */
	assert_false(r.truncated);
	/* application code first: main.worker (record 1), main.main */
	assert_int_equal(r.funcs_app, 2);
	assert_string_equal(r.funcs.s[0], "main.worker");
	assert_string_equal(r.funcs.s[1], "main.main");
	assert_string_equal(r.files.s[0], "/tmp/gopp/main.go");
	assert_true(has_name(&r.funcs, "net/http/pprof.Index"));
	assert_true(r.funcs.n <= GODEBUG_MAX_NAMES);
	free(b.p);
}

static void test_goroutine_debug2(void **state)
{
	struct blob b = load("goroutine_debug2.txt");
	struct godebug_result r;

	(void)state;
	assert_int_equal(godebug_detect(b.p, b.len, 0, &r), GODEBUG_C_GOROUTINE_STACKS);
	assert_int_equal(r.endpoint, GODEBUG_EP_GOROUTINE);
	/* headers at lines 1, 23, 47, 53, 59, 65 */
	assert_int_equal(r.stacks, 6);
	/* main.main() at line 44 comes before main.worker(0x0?) at line 48 */
	assert_string_equal(r.funcs.s[0], "main.main");
	assert_string_equal(r.funcs.s[1], "main.worker");
	assert_string_equal(r.files.s[0], "/tmp/gopp/main.go");
	/* "created by net/http.(*Server).Serve" counts as a function */
	/* the 10th standard-library function of goroutine 19 (lines 2-21) */
	assert_true(has_name(&r.funcs, "net/http.(*Server).Serve"));
	assert_true(has_name(&r.files, "/usr/lib/go-1.19/src/net/http/server.go"));
	free(b.p);
}

static void test_goroutine_debug2_cut(void **state)
{
	struct blob b = load("goroutine_debug2.txt");
	struct godebug_result r;

	(void)state;
	/* the first 100 bytes hold the first header (line 1) and part of the
	 * first frame */
	assert_int_equal(godebug_detect(b.p, 100, 1, &r), GODEBUG_C_GOROUTINE_STACKS);
	assert_true(r.truncated);
	assert_int_equal(r.stacks, 1);
	/* a cut inside the header line itself is no stack dump */
	assert_int_equal(godebug_detect(b.p, 15, 1, &r), GODEBUG_C_NONE);
	free(b.p);
}

static void test_text_profiles(void **state)
{
	struct blob b = load("heap_debug1.txt");
	struct godebug_result r;
	static const char block[] = "--- contention:\ncycles/second=2596162065\n";
	static const char mutex[] = "--- mutex:\ncycles/second=2596162065\nsampling period=0\n";
	static const char thread[] = "threadcreate profile: total 7\n6 @\n#\t0x0\n\n";

	(void)state;
	assert_int_equal(godebug_detect(b.p, b.len, 0, &r), GODEBUG_C_PROFILE_TEXT);
	assert_int_equal(r.endpoint, GODEBUG_EP_HEAP);
	assert_string_equal(r.profile_name, "heap");
	assert_int_equal(r.records, 4); /* grep -c '^[0-9]*: [0-9]* \[' */
	assert_string_equal(r.funcs.s[0], "main.worker");
	free(b.p);
	/* block and mutex debug=1 from the same server */
	assert_int_equal(godebug_detect((const uint8_t *)block, strlen(block), 0, &r),
			 GODEBUG_C_PROFILE_TEXT);
	assert_int_equal(r.endpoint, GODEBUG_EP_BLOCK);
	assert_int_equal(godebug_detect((const uint8_t *)mutex, strlen(mutex), 0, &r),
			 GODEBUG_C_PROFILE_TEXT);
	assert_int_equal(r.endpoint, GODEBUG_EP_MUTEX);
	assert_int_equal(godebug_detect((const uint8_t *)thread, strlen(thread), 0, &r),
			 GODEBUG_C_PROFILE_TEXT);
	assert_int_equal(r.endpoint, GODEBUG_EP_THREADCREATE);
	assert_int_equal(r.stacks, 7);
	assert_int_equal(r.records, 1);
}

/* protobuf facts from an independent decode (python3 gzip + varint walker):
 *   heap:      fields 11,12, 1x4, 4x14, 5x14, 2x3, 9, 3x5, 6x35; no field 14
 *   allocs:    the same with 2x6, 4x27, 5x26 and field 14 = 5 ("alloc_space")
 *   goroutine: 1x1 ("goroutine"/"count"), 2x4, 4x26, 5x28
 *   profile:   1x2 ("samples"/"count", "cpu"/"nanoseconds"), no samples
 * and `go tool pprof -raw heap.pb.gz`: sample types alloc_objects/count
 * alloc_space/bytes inuse_objects/count inuse_space/bytes; location 1 is
 * main.worker /tmp/gopp/main.go. */
static void test_profile_protos(void **state)
{
	struct blob b;
	struct godebug_result r;

	(void)state;
	b = load("heap.pb.gz");
	assert_int_equal(godebug_detect(b.p, b.len, 0, &r), GODEBUG_C_PROFILE_PROTO);
	assert_true(r.gzip);
	assert_false(r.truncated);
	assert_int_equal(r.endpoint, GODEBUG_EP_HEAP);
	assert_int_equal(r.records, 3);
	assert_int_equal(r.locations, 14);
	assert_int_equal(r.functions, 14);
	assert_int_equal(r.types.n, 4);
	assert_string_equal(r.types.s[0], "alloc_objects/count");
	assert_string_equal(r.types.s[3], "inuse_space/bytes");
	assert_string_equal(r.funcs.s[0], "main.worker");
	assert_string_equal(r.files.s[0], "/tmp/gopp/main.go");
	free(b.p);

	b = load("allocs.pb.gz");
	assert_int_equal(godebug_detect(b.p, b.len, 0, &r), GODEBUG_C_PROFILE_PROTO);
	assert_int_equal(r.endpoint, GODEBUG_EP_ALLOCS);
	assert_int_equal(r.records, 6);
	assert_int_equal(r.locations, 27);
	assert_int_equal(r.functions, 26);
	free(b.p);

	b = load("goroutine.pb.gz");
	assert_int_equal(godebug_detect(b.p, b.len, 0, &r), GODEBUG_C_PROFILE_PROTO);
	assert_int_equal(r.endpoint, GODEBUG_EP_GOROUTINE);
	assert_int_equal(r.types.n, 1);
	assert_string_equal(r.types.s[0], "goroutine/count");
	assert_int_equal(r.records, 4);
	free(b.p);

	b = load("profile.pb.gz");
	assert_int_equal(godebug_detect(b.p, b.len, 0, &r), GODEBUG_C_PROFILE_PROTO);
	assert_int_equal(r.endpoint, GODEBUG_EP_PROFILE);
	assert_string_equal(r.types.s[0], "samples/count");
	assert_string_equal(r.types.s[1], "cpu/nanoseconds");
	assert_int_equal(r.records, 0);
	free(b.p);
}

static void test_profile_proto_truncated(void **state)
{
	struct blob b = load("heap.pb.gz");
	struct godebug_result r;

	(void)state;
	/* half of the gzip stream (487 of 974 bytes) inflates to 569 bytes
	 * (python3 zlib); the first string-table field starts near byte 626 of
	 * the 1510 inflated: valid so far, so a truncated profile */
	assert_int_equal(godebug_detect(b.p, b.len / 2, 1, &r), GODEBUG_C_PROFILE_PROTO);
	assert_true(r.truncated);
	assert_int_equal(r.endpoint, GODEBUG_EP_NONE); /* no strings: cannot name it */
	/* every cut either is recognised as a truncated profile or not at all */
	for (size_t n = 0; n < b.len; n++) {
		enum godebug_content k = godebug_detect(b.p, n, 1, &r);
		assert_true(k == GODEBUG_C_NONE || (k == GODEBUG_C_PROFILE_PROTO && r.truncated));
	}
	free(b.p);
}

static void test_exec_trace(void **state)
{
	struct blob b = load("trace.bin");
	struct godebug_result r;
	static const char bad[] = "go 1.19 tracer\0\0";

	(void)state;
	/* xxd: 676f 2031 2e31 3920 7472 6163 6500 0000 = "go 1.19 trace\0\0\0" */
	assert_int_equal(godebug_detect(b.p, b.len, 0, &r), GODEBUG_C_EXEC_TRACE);
	assert_string_equal(r.go_version, "1.19");
	assert_int_equal(r.endpoint, GODEBUG_EP_TRACE);
	assert_int_equal(godebug_detect(b.p, 10, 1, &r), GODEBUG_C_EXEC_TRACE);
	assert_true(r.truncated);
	assert_int_equal(godebug_detect(b.p, 10, 0, &r), GODEBUG_C_NONE);
	assert_int_equal(godebug_detect((const uint8_t *)bad, 16, 0, &r), GODEBUG_C_NONE);
	free(b.p);
}

struct args {
	unsigned n;
	char a[8][64];
};

static void collect(void *ctx, const char *arg, size_t len)
{
	struct args *c = ctx;
	if (c->n < 8) {
		snprintf(c->a[c->n], sizeof(c->a[0]), "%.*s", (int)len, arg);
		c->n++;
	}
}

static void test_expvar(void **state)
{
	struct blob b = load("vars.json");
	struct godebug_result r;
	struct args a = {0};

	(void)state;
	assert_int_equal(godebug_detect(b.p, b.len, 0, &r), GODEBUG_C_EXPVAR);
	assert_int_equal(r.endpoint, GODEBUG_EP_EXPVAR);
	assert_int_equal(r.keys.n, 3); /* "cmdline", "hits", "memstats" */
	assert_string_equal(r.keys.s[1], "hits");
	assert_non_null(r.cmdline_json);
	assert_int_equal(godebug_json_string_array(r.cmdline_json, r.cmdline_json_len, collect, &a), 6);
	assert_string_equal(a.a[0], "./ppdemo");
	assert_string_equal(a.a[2], "--db-password=hunter2");
	assert_string_equal(a.a[5], "postgres://app:pw@db/x");
	/* cut inside "memstats" (the cmdline line is 110 bytes): truncated */
	assert_int_equal(godebug_detect(b.p, 200, 1, &r), GODEBUG_C_EXPVAR);
	assert_true(r.truncated);
	assert_int_equal(godebug_detect(b.p, 200, 0, &r), GODEBUG_C_NONE);
	free(b.p);
}

static void test_symbol_and_cmdline(void **state)
{
	struct blob b = load("symbol_post.txt");
	struct blob c = load("cmdline.bin");
	struct godebug_result r;
	struct args a = {0};

	(void)state;
	/* "num_symbols: 1\n0x401000 \n0x402000 internal/cpu.doinit\n" */
	assert_int_equal(godebug_detect(b.p, b.len, 0, &r), GODEBUG_C_SYMBOL);
	assert_int_equal(r.num_symbols, 1);
	assert_int_equal(r.symbol_lines, 2);
	/* the command line has no signature: only its path says what it is */
	assert_int_equal(godebug_detect(c.p, c.len, 0, &r), GODEBUG_C_NONE);
	assert_int_equal(godebug_cmdline_args(c.p, c.len, collect, &a), 6);
	assert_string_equal(a.a[3], "-token");
	assert_string_equal(a.a[4], "s3cr3t");
	free(b.p);
	free(c.p);
}

static void test_xnet_trace_pages(void **state)
{
	/* golang.org/x/net/trace templates begin like this */
	static const char req[] = "\n\n<html>\n\t<head>\n\t<title>/debug/requests</title>\n";
	static const char ev[] = "\n<html>\n\t<head>\n\t\t<title>events</title>\n";
	struct godebug_result r;

	(void)state;
	assert_int_equal(godebug_detect((const uint8_t *)req, strlen(req), 0, &r), GODEBUG_C_XNET_REQUESTS);
	assert_true(godebug_content_is_specific(r.kind));
	assert_int_equal(godebug_detect((const uint8_t *)ev, strlen(ev), 0, &r), GODEBUG_C_XNET_EVENTS);
	/* "<title>events</title>" is common on ordinary sites: not enough alone */
	assert_false(godebug_content_is_specific(r.kind));
}

static void test_gzip_text(void **state)
{
	struct blob b = load("goroutine_debug2.txt");
	struct blob g = gzip_of(b.p, b.len);
	struct godebug_result r;

	(void)state;
	/* Content-Encoding: gzip from a proxy: the dump inside is found */
	assert_int_equal(godebug_detect(g.p, g.len, 0, &r), GODEBUG_C_GOROUTINE_STACKS);
	assert_true(r.gzip);
	assert_int_equal(r.inflated, b.len);
	assert_int_equal(r.stacks, 6);
	free(b.p);
	free(g.p);
}

/* ---------- negatives ---------- */

static void test_negatives(void **state)
{
	static const char *const bodies[] = {
	    "<!DOCTYPE html><html><head><title>Home</title></head><body>Hello</body></html>",
	    "{\"id\":1,\"name\":\"x\",\"items\":[1,2,3]}",
	    "{\"cmdline\":[\"a\"],\"x\":1}", /* complete, no memstats */
	    "[{\"memstats\":{}}]",
	    "goroutine profile: total x\n",
	    "goroutine 5 is blocked\n",
	    "The goroutine 5 [blocked]:\n",
	    "num_symbols: \n",
	    "heap profile: lots\n",
	    "go 1.x trace\0\0\0\0",
	    "Hello World!",
	};
	struct godebug_result r;

	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		size_t n = strlen(bodies[i]);
		if (i == 9)
			n = 16;
		assert_int_equal(godebug_detect((const uint8_t *)bodies[i], n, 0, &r), GODEBUG_C_NONE);
		assert_int_equal(r.kind, GODEBUG_C_NONE);
		assert_int_equal(r.endpoint, GODEBUG_EP_NONE);
	}
	assert_int_equal(godebug_detect(NULL, 10, 0, &r), GODEBUG_C_NONE);
	assert_int_equal(godebug_detect((const uint8_t *)"x", 0, 0, &r), GODEBUG_C_NONE);
}

/* godebug_may_match() is a prefilter: it must pass every body a detector
 * accepts (each real sample, each of its prefixes, cut or not), and it is
 * of use only if it rejects ordinary bodies */
static void test_may_match(void **state)
{
	static const char *const files[] = {
	    "allocs.pb.gz",	     "cmdline.bin",	    "goroutine.pb.gz",	 "goroutine_debug1.txt",
	    "goroutine_debug2.txt", "heap.pb.gz",	    "heap_debug1.txt",	 "index.html",
	    "profile.pb.gz",	     "symbol_get.txt",	    "symbol_post.txt",	 "trace.bin",
	    "vars.json",
	};
	static const char *const plain[] = {
	    "{\"message\":\"hello\"}", "{\"cmdlines\":[\"a\"]}", "Hello World!", "OK\n",
	    "[{\"cmdline\":[\"a\"]}]",  "<html><body>hi</body></html>",
	};
	static const char *const pages[] = {
	    "--- mutex:\ncycles/second=1\n",
	    "threadcreate profile: total 3\n",
	    "<html><title>events</title>",
	    "x\n<title>/debug/requests</title>",
	    "  {\"cmdline\": [\"a\"], \"memstats\": {}}",
	};
	struct godebug_result r;
	unsigned accepted = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct blob b = load(files[i]);
		size_t step = b.len / 97 + 1;
		for (size_t n = 1; n <= b.len;
		     n = n == b.len ? n + 1 : (n + step > b.len ? b.len : n + step))
			for (int cut = 0; cut < 2; cut++)
				if (godebug_detect(b.p, n, cut, &r) != GODEBUG_C_NONE) {
					accepted++;
					assert_true(godebug_may_match(b.p, n));
				}
		free(b.p);
	}
	assert_true(accepted > 100);
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		const uint8_t *p = (const uint8_t *)pages[i];
		assert_int_not_equal(godebug_detect(p, strlen(pages[i]), 0, &r), GODEBUG_C_NONE);
		assert_true(godebug_may_match(p, strlen(pages[i])));
	}
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		const uint8_t *p = (const uint8_t *)plain[i];
		assert_int_equal(godebug_detect(p, strlen(plain[i]), 1, &r), GODEBUG_C_NONE);
		assert_false(godebug_may_match(p, strlen(plain[i])));
	}
	assert_false(godebug_may_match(NULL, 10));
	assert_false(godebug_may_match((const uint8_t *)"x", 0));
}

static void test_gzip_negatives(void **state)
{
	static const char json[] =
	    "{\"users\":[{\"id\":1,\"name\":\"alice\"},{\"id\":2,\"name\":\"bob\"}],\"total\":2}";
	/* field 1 (sample_type) as a varint: a wire type profile.proto forbids */
	static const uint8_t wrong_wire[] = {0x08, 0x96, 0x01, 0x10, 0x02, 0x18, 0x03, 0x20, 0x04};
	uint8_t rnd[4096];
	uint32_t x = 12345;
	struct godebug_result r;
	struct blob g;

	(void)state;
	g = gzip_of(json, strlen(json));
	assert_int_equal(godebug_detect(g.p, g.len, 0, &r), GODEBUG_C_NONE);
	free(g.p);
	g = gzip_of(wrong_wire, sizeof(wrong_wire));
	assert_int_equal(godebug_detect(g.p, g.len, 0, &r), GODEBUG_C_NONE);
	free(g.p);
	for (size_t i = 0; i < sizeof(rnd); i++) {
		x = x * 1103515245u + 12345u;
		rnd[i] = (uint8_t)(x >> 16);
	}
	g = gzip_of(rnd, sizeof(rnd));
	assert_int_equal(godebug_detect(g.p, g.len, 0, &r), GODEBUG_C_NONE);
	free(g.p);
	/* a gzip header followed by garbage */
	rnd[0] = 0x1f;
	rnd[1] = 0x8b;
	rnd[2] = 8;
	assert_int_equal(godebug_detect(rnd, sizeof(rnd), 0, &r), GODEBUG_C_NONE);
}

static void test_gzip_bomb(void **state)
{
	/* 16 MiB of zeros compresses to ~16 KiB; only GODEBUG_INFLATE_CAP is inflated */
	size_t n = 16u * 1024u * 1024u;
	uint8_t *zeros = calloc(1, n);
	struct blob g;
	struct godebug_result r;

	(void)state;
	assert_non_null(zeros);
	g = gzip_of(zeros, n);
	assert_true(g.len < 64 * 1024);
	assert_int_equal(godebug_detect(g.p, g.len, 0, &r), GODEBUG_C_NONE);
	free(zeros);
	free(g.p);
}

static void test_signals(void **state)
{
	static const char page[] = "<html>all about the goroutine scheduler</html>";

	(void)state;
	assert_int_equal(godebug_header_signals("X-Go-Pprof", 10, "1", 1), GODEBUG_SIG_X_GO_PPROF);
	assert_int_equal(godebug_header_signals("x-go-pprof", 10, " 1 ", 3), GODEBUG_SIG_X_GO_PPROF);
	assert_int_equal(godebug_header_signals("X-Go-Pprof", 10, "0", 1), 0);
	assert_int_equal(godebug_header_signals("Content-Disposition", 19,
					    "attachment; filename=\"heap-delta\"", 33),
			 GODEBUG_SIG_DISPOSITION);
	assert_int_equal(
	    godebug_header_signals("Content-Disposition", 19, "attachment; filename=\"profile\"", 30),
	    GODEBUG_SIG_DISPOSITION);
	assert_int_equal(godebug_header_signals("Content-Disposition", 19,
					    "attachment; filename=\"report.pdf\"", 33),
			 0);
	/* seed 000's criterion: 200 OK and "goroutine" in the body */
	assert_true(godebug_seed_signal(200, (const uint8_t *)page, strlen(page)));
	assert_false(godebug_seed_signal(404, (const uint8_t *)page, strlen(page)));
	assert_false(godebug_seed_signal(200, (const uint8_t *)"hello", 5));
}

static void test_fr_token_and_json_strings(void **state)
{
	char tok[GODEBUG_MAX_TOKEN + 1];
	struct args a = {0};
	static const char arr[] = "[\"a\\\"b\", \"\\u00e9\",\"x\\ud83d\\ude00\", 5, \"never\"]";
	static const char *json = "{\"token\": \"abc123\"}";

	(void)state;
	assert_int_equal(godebug_fr_token((const uint8_t *)json, strlen(json), tok, sizeof(tok)), 6);
	assert_string_equal(tok, "abc123");
	assert_int_equal(godebug_fr_token((const uint8_t *)"tok-1\n", 6, tok, sizeof(tok)), 5);
	assert_string_equal(tok, "tok-1");
	assert_int_equal(godebug_fr_token((const uint8_t *)"two words", 9, tok, sizeof(tok)), 0);
	assert_int_equal(godebug_fr_token((const uint8_t *)"abcdef", 6, tok, 4), 0); /* does not fit */
	/* stops at the first element that is not a string */
	assert_int_equal(godebug_json_string_array((const uint8_t *)arr, strlen(arr), collect, &a), 3);
	assert_string_equal(a.a[0], "a\"b");
	assert_string_equal(a.a[1], "\xc3\xa9");
	assert_string_equal(a.a[2], "x\xf0\x9f\x98\x80");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_paths_every_endpoint),
	    cmocka_unit_test(test_paths_prefix_encoding_absolute),
	    cmocka_unit_test(test_query),
	    cmocka_unit_test(test_durations),
	    cmocka_unit_test(test_index),
	    cmocka_unit_test(test_goroutine_debug1),
	    cmocka_unit_test(test_goroutine_debug2),
	    cmocka_unit_test(test_goroutine_debug2_cut),
	    cmocka_unit_test(test_text_profiles),
	    cmocka_unit_test(test_profile_protos),
	    cmocka_unit_test(test_profile_proto_truncated),
	    cmocka_unit_test(test_exec_trace),
	    cmocka_unit_test(test_expvar),
	    cmocka_unit_test(test_symbol_and_cmdline),
	    cmocka_unit_test(test_xnet_trace_pages),
	    cmocka_unit_test(test_gzip_text),
	    cmocka_unit_test(test_negatives),
	    cmocka_unit_test(test_gzip_negatives),
	    cmocka_unit_test(test_may_match),
	    cmocka_unit_test(test_gzip_bomb),
	    cmocka_unit_test(test_signals),
	    cmocka_unit_test(test_fr_token_and_json_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
