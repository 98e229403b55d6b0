/* test_secret.c - format/secret: the shared "looks secret" rules.
 *
 * Properties under test (rules in secret.h):
 *  - each numbered key rule accepts its examples, and the exceptions
 *    (AUTHOR, KEYBOARD, PUBLIC_KEY, TOKENIZERS, PWD, descriptor suffixes)
 *    are rejected;
 *  - credential headers are recognised case-insensitively, headers that
 *    only describe authentication are not;
 *  - value rules: URL passwords (with their exact position), token-like
 *    user names, connection strings, JWTs, PEM keys, AWS key ids;
 *  - argv redaction: the real command line of the Go fixture server comes
 *    out with every secret replaced, and no output cap ever lets a secret
 *    byte through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "record.h"
#include "secret.h"

static int key(const char *k)
{
	return sr_secret_key(k, strlen(k));
}

static int hdr(const char *h)
{
	return sr_secret_header(h, strlen(h));
}

static int val(const char *v)
{
	return sr_secret_value(v, strlen(v));
}

static void test_key_rules_positive(void **state)
{
	(void)state;
	/* rule 1: substrings */
	assert_true(key("PASSWORD"));
	assert_true(key("DB_PASSWORD"));
	assert_true(key("MYSQL_ROOT_PASSWORD"));
	assert_true(key("dbpassword"));
	assert_true(key("LDAP_PASSWD"));
	assert_true(key("GPG_PASSPHRASE"));
	assert_true(key("XAPIKEY"));
	assert_true(key("PRIVATE_KEY"));
	assert_true(key("GOOGLE_APPLICATION_CREDENTIALS"));
	/* rule 2 */
	assert_true(key("SECRET_KEY_BASE"));
	assert_true(key("AWS_SECRET_ACCESS_KEY"));
	assert_true(key("clientSecret"));
	/* rule 3: ACCESS KEY not at the end */
	assert_true(key("AWS_ACCESS_KEY_ID"));
	assert_true(key("API_KEY_ID"));
	/* rule 4 */
	assert_true(key("GITHUB_TOKEN"));
	assert_true(key("accessToken"));
	assert_true(key("NPM_TOKENS"));
	/* rule 5 */
	assert_true(key("BASIC_AUTH"));
	assert_true(key("AUTHORIZATION"));
	assert_true(key("OAUTH_CLIENT"));
	/* rule 6 */
	assert_true(key("DB_PASS"));
	assert_true(key("MYSQL_PWD"));
	assert_true(key("REDIS_PW"));
	/* rule 7 */
	assert_true(key("STRIPE_KEY"));
	assert_true(key("X-API-Key"));
	assert_true(key("apiKey"));
	assert_true(key("SIGNING_KEYS"));
	/* case does not matter */
	assert_true(key("db_password"));
}

static void test_key_rules_negative(void **state)
{
	(void)state;
	assert_false(key("HOME"));
	assert_false(key("PATH"));
	assert_false(key("LANG"));
	assert_false(key("PWD")); /* one word: the working directory */
	assert_false(key("OLDPWD"));
	assert_false(key("KEY")); /* rule 7 needs another word */
	assert_false(key("KEYBOARD"));
	assert_false(key("MONKEY"));
	assert_false(key("PUBLIC_KEY")); /* qualifier */
	assert_false(key("SORT_KEY"));
	assert_false(key("Idempotency-Key"));
	assert_false(key("TOKENIZERS_PARALLELISM"));
	assert_false(key("GIT_AUTHOR_EMAIL")); /* AUTHOR is not AUTH */
	assert_false(key("AUTHORS"));
	assert_false(key("CERT_AUTHORITY"));
	assert_false(key("SECRETARY"));
	assert_false(key("PGPASSFILE"));
	/* descriptor as last word */
	assert_false(key("PASSWORD_FILE"));
	assert_false(key("TOKEN_URL"));
	assert_false(key("AUTH_TYPE"));
	assert_false(key("SSH_AUTH_SOCK"));
	assert_false(key("SECRET_NAME"));
	assert_false(key("API_KEY_HEADER"));
	assert_false(sr_secret_key(NULL, 5));
	assert_false(sr_secret_key("", 0));
	assert_false(key("___"));
}

static void test_key_length_bounds(void **state)
{
	char k[1000];

	(void)state;
	/* judged on the first SR_SECRET_MAX_KEY bytes: a secret word there counts */
	memset(k, 'A', sizeof(k));
	memcpy(k, "DB_PASSWORD_", 12);
	assert_true(sr_secret_key(k, sizeof(k)));
	/* a secret word past the cap is not looked at */
	memset(k, 'A', sizeof(k));
	memcpy(k + 900, "_PASSWORD", 9);
	assert_false(sr_secret_key(k, sizeof(k)));
	/* the key need not be NUL-terminated: only len bytes are read */
	assert_true(sr_secret_key("DB_PASSWORDxxxx", 11));
	assert_false(sr_secret_key("DB_PASSWORD", 5));
}

static void test_headers(void **state)
{
	(void)state;
	assert_true(hdr("Authorization"));
	assert_true(hdr("authorization"));
	assert_true(hdr("PROXY-AUTHORIZATION"));
	assert_true(hdr("Cookie"));
	assert_true(hdr("Set-Cookie"));
	assert_true(hdr("X-API-Key"));
	assert_true(hdr("Api-Key"));
	assert_true(hdr("X-Auth-Token"));
	assert_true(hdr("X-Access-Token"));
	assert_true(hdr("Private-Token"));
	assert_true(hdr("X-Amz-Security-Token"));
	assert_true(hdr("X-My-Secret")); /* the key rule as fallback */
	assert_false(hdr("Content-Type"));
	assert_false(hdr("Accept"));
	assert_false(hdr("Host"));
	assert_false(hdr("User-Agent"));
	assert_false(hdr("WWW-Authenticate"));
	assert_false(hdr("Proxy-Authenticate"));
	assert_false(hdr("Sec-WebSocket-Key"));
	assert_false(hdr("Access-Control-Request-Private-Network"));
	assert_false(hdr("Idempotency-Key"));
	assert_false(sr_secret_header(NULL, 3));
}

static void test_value_url(void **state)
{
	size_t off = 99, len = 99;
	const char *u = "postgres://app:pw@db/x";

	(void)state;
	assert_int_equal(sr_secret_value_url(u, strlen(u), &off, &len), 1);
	/* "postgres://" is 11 bytes, "app:" 4 more: the password starts at 15 */
	assert_int_equal(off, 15);
	assert_int_equal(len, 2);
	u = "redis://:hunter2@cache:6379/0";
	assert_int_equal(sr_secret_value_url(u, strlen(u), &off, &len), 1);
	assert_int_equal(off, 9);
	assert_int_equal(len, 7);
	/* '@' after the path is no userinfo */
	u = "https://example.com/a@b";
	assert_int_equal(sr_secret_value_url(u, strlen(u), NULL, NULL), 0);
	/* a short user name alone is not a secret */
	u = "ssh://git@github.com/x.git";
	assert_int_equal(sr_secret_value_url(u, strlen(u), NULL, NULL), 0);
	/* a token as user name: 24 bytes >= SR_SECRET_MIN_TOKEN */
	u = "https://ghp_0123456789abcdefghij@github.com/o/r";
	assert_int_equal(sr_secret_value_url(u, strlen(u), &off, &len), 2);
	assert_int_equal(off, 8);
	assert_int_equal(len, 24);
	/* empty password: "user:@" */
	u = "http://user:@h/";
	assert_int_equal(sr_secret_value_url(u, strlen(u), NULL, NULL), 0);
	/* no scheme letters before :// */
	u = "://a:b@c";
	assert_int_equal(sr_secret_value_url(u, strlen(u), NULL, NULL), 0);
	/* the second URL of a value is found too */
	u = "http://x/ then mysql://root:toor@db";
	assert_int_equal(sr_secret_value_url(u, strlen(u), &off, &len), 1);
	assert_memory_equal(u + off, "toor", 4);
}

static void test_values(void **state)
{
	(void)state;
	assert_true(val("postgres://app:pw@db/x"));
	assert_true(val("Server=db;User Id=sa;Password=x"));
	assert_true(val("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc=="));
	assert_true(val("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"));
	assert_true(val("AKIAIOSFODNN7EXAMPLE"));
	assert_true(val("-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----"));
	assert_false(val("hello"));
	assert_false(val("a=b;c=d"));
	assert_false(val("https://example.com/path"));
	assert_false(val("eyJhbGciOiJIUzI1NiJ9"));  /* one part: not a JWT */
	assert_false(val("AKIAIOSFODNN7EXAMPL"));   /* 19 characters */
	assert_false(val("XAKIAIOSFODNN7EXAMPLE")); /* glued to a word */
	assert_false(sr_secret_value(NULL, 4));
	assert_false(sr_secret_value("", 0));
}

static int param(const char *k, const char *v)
{
	return sr_secret_param(k, strlen(k), v, strlen(v));
}

static void test_params(void **state)
{
	(void)state;
	/* AUTH-only names: a short word is a mode */
	assert_false(param("auth", "basic"));
	assert_false(param("auth", "none"));
	assert_true(param("auth", "4f9a2c1b0e"));	     /* digits: not a plain word */
	assert_true(param("auth", "averyveryverylongword")); /* 21 letters > 12 */
	/* strong names: any non-empty value */
	assert_true(param("api_key", "x"));
	assert_true(param("password", "a"));
	assert_true(param("access_token", "abc"));
	assert_false(param("token", ""));
	assert_false(param("page", "2"));
}

struct argcase {
	const char *in;
	const char *out;
	int redacted;
};

/* the command line of the fixture server (tests/data/debugep/cmdline.bin) */
static const struct argcase fixture_argv[] = {
    {"./ppdemo", "./ppdemo", 0},
    {"127.0.0.1:16060", "127.0.0.1:16060", 0},
    {"--db-password=hunter2", "--db-password=" SR_REDACTED, 1},
    {"-token", "-token", 0},
    {"s3cr3t", SR_REDACTED, 1},
    {"postgres://app:pw@db/x", "postgres://app:" SR_REDACTED "@db/x", 1},
};

static void test_redact_argv(void **state)
{
	struct sr_secret_argv st = {0};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(fixture_argv) / sizeof(fixture_argv[0]); i++) {
		int r = sr_secret_redact_arg(&st, fixture_argv[i].in, strlen(fixture_argv[i].in),
					     out, sizeof(out));
		assert_string_equal(out, fixture_argv[i].out);
		assert_int_equal(r, fixture_argv[i].redacted);
	}
	assert_int_equal(st.redact_next, 0);
}

static void test_redact_forms(void **state)
{
	static const struct argcase cases[] = {
	    {"MYSQL_PWD=x", "MYSQL_PWD=" SR_REDACTED, 1},
	    {"--dsn=Server=db;Password=x", "--dsn=" SR_REDACTED, 1},
	    {"--url=https://u:p@h/", "--url=https://u:" SR_REDACTED "@h/", 1},
	    {"--jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "--jwt=" SR_REDACTED, 1},
	    {"--user=alice:pw", "--user=alice:" SR_REDACTED, 1},
	    {"Authorization: Bearer fixture.bearer.token", "Authorization: " SR_REDACTED, 1},
	    {"X-API-Key: fixture-api-key", "X-API-Key: " SR_REDACTED, 1},
	    {"Cookie: session=abc", "Cookie: " SR_REDACTED, 1},
	    {"Content-Type: application/json", "Content-Type: application/json", 0},
	    {"http://h/p?a=1&token=abc&b=2", "http://h/p?a=1&token=" SR_REDACTED "&b=2", 1},
	    {"localhost:8080", "localhost:8080", 0},
	    {"http://h/p?auth=basic&token=abc", "http://h/p?auth=basic&token=" SR_REDACTED, 1},
	    /* a script: each word by the rules, a header to the end of its quotes */
	    {"curl -sS -u alice:wonderland \"$1?auth=basic\"; curl -H \"Authorization: Bearer "
	     "t.o.k\" \"$1\"",
	     "curl -sS -u alice:" SR_REDACTED
	     " \"$1?auth=basic\"; curl -H \"Authorization: " SR_REDACTED "\" \"$1\"",
	     1},
	    {"--verbose", "--verbose", 0},
	    {"--", "--", 0},
	    {"", "", 0},
	};
	struct sr_secret_argv st = {0};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r =
		    sr_secret_redact_arg(&st, cases[i].in, strlen(cases[i].in), out, sizeof(out));
		assert_string_equal(out, cases[i].out);
		assert_int_equal(r, cases[i].redacted);
	}
	/* the value after a secret flag goes whatever it looks like */
	assert_int_equal(sr_secret_redact_arg(&st, "--password", 10, out, sizeof(out)), 0);
	assert_int_equal(st.redact_next, 1);
	assert_int_equal(sr_secret_redact_arg(&st, "-starts-with-dash", 17, out, sizeof(out)), 1);
	assert_string_equal(out, SR_REDACTED);
	/* curl -u user:password: the user stays */
	assert_int_equal(sr_secret_redact_arg(&st, "-u", 2, out, sizeof(out)), 0);
	assert_int_equal(st.userpass_next, 1);
	assert_int_equal(sr_secret_redact_arg(&st, "alice:wonderland", 16, out, sizeof(out)), 1);
	assert_string_equal(out, "alice:" SR_REDACTED);
	assert_int_equal(st.userpass_next, 0);
}

/* at every output cap, no byte of a secret reaches the output */
static void test_redact_caps(void **state)
{
	static const char *const args[] = {
	    "--db-password=hunter2",	  "postgres://app:hunter2@db/x",
	    "DB_PASSWORD=hunter2",	  "Authorization: Basic hunter2",
	    "http://h/?password=hunter2", "sh -c 'curl -u a:hunter2 -H \"X-Api-Key: hunter2\" x'"};
	char out[64];

	(void)state;
	for (size_t a = 0; a < sizeof(args) / sizeof(args[0]); a++) {
		for (size_t cap = 1; cap <= sizeof(out); cap++) {
			struct sr_secret_argv st = {0};
			memset(out, 'Z', sizeof(out));
			sr_secret_redact_arg(&st, args[a], strlen(args[a]), out, cap);
			assert_true(strlen(out) < cap);
			assert_null(strstr(out, "hunter"));
			assert_null(strstr(out, "hunt"));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_rules_positive),
	    cmocka_unit_test(test_key_rules_negative),
	    cmocka_unit_test(test_key_length_bounds),
	    cmocka_unit_test(test_headers),
	    cmocka_unit_test(test_params),
	    cmocka_unit_test(test_value_url),
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_redact_argv),
	    cmocka_unit_test(test_redact_forms),
	    cmocka_unit_test(test_redact_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
