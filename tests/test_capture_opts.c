/* test_capture_opts.c - sockrec's command line (capture/opts.c).
 *
 * Properties under test (issue 3 "Command-line contract"): -w is required;
 * defaults; every numeric flag rejects junk and out-of-range values and
 * accepts its bounds; --ring-size rounds up to a power of two; the seed's
 * variables are defaults and flags override them; list entries are
 * validated (an allowed value must fit the kernel's 63-byte key); --pid
 * repeats; --format and the extension choose the container.
 */
#include <argp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "opts.h"

static struct cap_opts o;
static char err[512];

/* parses a NULL-terminated argument list (argv[0] added) with envp */
static int parse_env(char **envp, const char *const *args)
{
	char *argv[64];
	int argc = 0;

	argv[argc++] = (char *)"sockrec";
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	return cap_opts_parse(argc, argv, envp, ARGP_NO_EXIT | ARGP_NO_ERRS, &o, err, sizeof(err));
}

#define PARSE(...) parse_env(NULL, (const char *const[]){__VA_ARGS__, NULL})
#define PARSE_ENV(envp, ...) parse_env(envp, (const char *const[]){__VA_ARGS__, NULL})

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-w", "out.srz"), 0);
	assert_string_equal(o.out_path, "out.srz");
	assert_int_equal(o.format, CAP_FMT_SRZ);
	assert_int_equal(o.snaplen, 16384);
	assert_int_equal(o.ring_size, CAP_RING_DEFAULT);
	assert_true(o.redact);
	assert_true(o.no_tls); /* TLS uprobes only with --tls */
	assert_false(o.keep_ciphertext);
	assert_false(o.all || o.force || o.quiet || o.allow_set || o.env_prefix_set);
	assert_int_equal(o.npids, 0);
	assert_true(o.duration == 0);
	assert_string_equal(o.docker_socket, "");
}

static void test_w_required(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-q"), -1);
	assert_non_null(strstr(err, "-w"));
	assert_int_equal(PARSE("-w", "a.srz", "extra"), -1);
	assert_int_equal(PARSE("-w", "a.srz", "--bogus"), -1);
}

static void test_snaplen(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-w", "a", "-s", "0"), 0);
	assert_int_equal(o.snaplen, 0);
	assert_int_equal(PARSE("-w", "a", "-s", "256k"), 0);
	assert_int_equal(o.snaplen, 262144);
	assert_int_equal(PARSE("-w", "a", "-s", "262144"), 0);
	assert_int_equal(o.snaplen, 262144);
	assert_int_equal(PARSE("-w", "a", "-s", "262145"), -1);
	assert_int_equal(PARSE("-w", "a", "-s", "-1"), -1);
	assert_int_equal(PARSE("-w", "a", "-s", "12x"), -1);
	assert_int_equal(PARSE("-w", "a", "-s", ""), -1);
	assert_int_equal(PARSE("-w", "a", "-s", "99999999999999999999999"), -1);
	assert_int_equal(PARSE("-w", "a", "--snaplen", "4KiB"), 0);
	assert_int_equal(o.snaplen, 4096);
}

static void test_ring_size(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-w", "a", "--ring-size", "4096"), 0);
	assert_int_equal(o.ring_size, 4096);
	assert_int_equal(PARSE("-w", "a", "--ring-size", "5000"), 0);
	assert_int_equal(o.ring_size, 8192); /* rounded up */
	assert_int_equal(PARSE("-w", "a", "--ring-size", "16M"), 0);
	assert_int_equal(o.ring_size, 16u << 20);
	assert_int_equal(PARSE("-w", "a", "--ring-size", "1G"), 0);
	assert_int_equal(o.ring_size, 1u << 30);
	assert_int_equal(PARSE("-w", "a", "--ring-size", "2G"), -1);
	assert_int_equal(PARSE("-w", "a", "--ring-size", "4095"), -1);
	assert_int_equal(PARSE("-w", "a", "--ring-size", "lots"), -1);
}

static void test_duration(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-w", "a", "--duration", "2.5"), 0);
	assert_true(o.duration > 2.49 && o.duration < 2.51);
	assert_int_equal(PARSE("-w", "a", "--duration", "0"), -1);
	assert_int_equal(PARSE("-w", "a", "--duration", "-3"), -1);
	assert_int_equal(PARSE("-w", "a", "--duration", "nan"), -1);
	assert_int_equal(PARSE("-w", "a", "--duration", "inf"), -1);
	assert_int_equal(PARSE("-w", "a", "--duration", "10s"), -1);
}

static void test_pids(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-w", "a", "--pid", "1", "--pid", "4194304"), 0);
	assert_int_equal(o.npids, 2);
	assert_int_equal(o.pids[0], 1);
	assert_int_equal(o.pids[1], 4194304);
	assert_int_equal(PARSE("-w", "a", "--pid", "0"), -1);
	assert_int_equal(PARSE("-w", "a", "--pid", "4194305"), -1);
	assert_int_equal(PARSE("-w", "a", "--pid", "12ab"), -1);
}

static void test_lists_and_env_defaults(void **state)
{
	char *envp[] = {(char *)"ADI_PROFILE_ALLOWED=local,dev",
			(char *)"ENV_PREFIX_LIST=REVIEWS_,MONGO_",
			(char *)"CONTAINERD_SOCKET=/run/podman/podman.sock",
			(char *)"CONTAINERD_NAMESPACE=k8s.io", NULL};

	(void)state;
	assert_int_equal(PARSE_ENV(envp, "-w", "a"), 0);
	assert_true(o.allow_set);
	assert_int_equal(o.allow.n, 2);
	assert_string_equal(o.allow.item[1], "dev");
	assert_string_equal(o.allow_text, "local,dev");
	assert_true(o.env_prefix_set);
	assert_int_equal(o.env_prefix.n, 2);
	assert_string_equal(o.env_prefix.item[0], "REVIEWS_");
	assert_string_equal(o.docker_socket, "/run/podman/podman.sock");
	assert_string_equal(o.containerd_ns, "k8s.io");

	/* flags win over the environment */
	assert_int_equal(PARSE_ENV(envp, "-w", "a", "--allow", "prod", "--env-prefix", "X_",
				   "--docker-socket", "/tmp/d.sock"),
			 0);
	assert_int_equal(o.allow.n, 1);
	assert_string_equal(o.allow.item[0], "prod");
	assert_int_equal(o.env_prefix.n, 1);
	assert_string_equal(o.env_prefix.item[0], "X_");
	assert_string_equal(o.docker_socket, "/tmp/d.sock");
}

static void test_allow_value_limits(void **state)
{
	char v63[64], v64[65], arg[80];

	(void)state;
	memset(v63, 'a', 63);
	v63[63] = 0;
	memset(v64, 'b', 64);
	v64[64] = 0;
	assert_int_equal(PARSE("-w", "a", "--allow", v63), 0);
	assert_int_equal(o.allow.n, 1);
	assert_int_equal(PARSE("-w", "a", "--allow", v64), -1);
	assert_non_null(strstr(err, "--allow"));
	/* 64 entries fit, 65 do not */
	char many[65 * 4] = "";
	for (int i = 0; i < 65; i++) {
		snprintf(arg, sizeof(arg), "%s%d", i ? "," : "", i);
		strcat(many, arg);
	}
	assert_int_equal(PARSE("-w", "a", "--allow", many), -1);
	*strrchr(many, ',') = 0;
	assert_int_equal(PARSE("-w", "a", "--allow", many), 0);
	assert_int_equal(o.allow.n, 64);
	/* an empty list is given but allows nothing */
	assert_int_equal(PARSE("-w", "a", "--allow", ""), 0);
	assert_true(o.allow_set);
	assert_int_equal(o.allow.n, 0);
}

static void test_format(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-w", "cap.pcapng"), 0);
	assert_int_equal(o.format, CAP_FMT_PCAPNG);
	assert_int_equal(PARSE("-w", "cap.pcapng", "--format", "srz"), 0);
	assert_int_equal(o.format, CAP_FMT_SRZ);
	assert_int_equal(PARSE("-w", "cap.bin", "--format", "pcapng"), 0);
	assert_int_equal(o.format, CAP_FMT_PCAPNG);
	assert_int_equal(PARSE("-w", "cap.bin", "--format", "pcap"), -1);
}

static void test_switches(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-w", "a", "--all", "--no-redact", "--force", "-q",
			       "--containerd-root", "/run/containerd"),
			 0);
	assert_true(o.all && o.force && o.quiet);
	assert_false(o.redact);
	assert_string_equal(o.containerd_root, "/run/containerd");
	assert_int_equal(PARSE("-w", "a", "--tls", "--keep-ciphertext"), 0);
	assert_false(o.no_tls);
	assert_true(o.keep_ciphertext);
	assert_int_equal(PARSE("-w", "a", "--tls", "--no-tls"), 0); /* the last one counts */
	assert_true(o.no_tls);
}

static void test_size_parser(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(cap_parse_size("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cap_parse_size("64k", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(cap_parse_size("64KB", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(cap_parse_size("1g", &v), 0);
	assert_int_equal(v, 1u << 30);
	assert_int_equal(cap_parse_size("k", &v), -1);
	assert_int_equal(cap_parse_size(" 1", &v), -1);
	assert_int_equal(cap_parse_size("1 k", &v), -1);
	assert_int_equal(cap_parse_size("1kx", &v), -1);
	assert_int_equal(cap_parse_size("17179869184G", &v), -1); /* overflows */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_w_required),
	    cmocka_unit_test(test_snaplen),
	    cmocka_unit_test(test_ring_size),
	    cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_pids),
	    cmocka_unit_test(test_lists_and_env_defaults),
	    cmocka_unit_test(test_allow_value_limits),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_switches),
	    cmocka_unit_test(test_size_parser),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
