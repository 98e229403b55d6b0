/* test_capture_env.c - opt-in decision and environment filtering/redaction
 * (capture/env.c), on environ blocks built by hand.
 *
 * Properties under test (issue 3, seed 003 "Opt-In Profiling"):
 *  - the seed's scenario table, row by row;
 *  - the first occurrence of a name decides (as getenv does, and as the
 *    kernel's exec-time scan does);
 *  - ADI_PROFILE_DISABLED must be exactly "1" to disable;
 *  - the allow list compares whole values;
 *  - a cut (unterminated) block and entries without '=' are handled;
 *  - --env-prefix keeps only matching keys and says so in the flags;
 *  - secret values never come out, URL passwords are cut out of the URL,
 *    ADI_PROFILE/ADI_PROFILE_NAME survive, --no-redact keeps everything;
 *  - the output cap drops whole entries and flags the truncation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "env.h"
#include "opts.h"
#include "record.h"

/* "A=1\0B=2\0" from a list of strings; returns the length (with the NULs) */
static size_t block(char *dst, size_t cap, const char *const *entries)
{
	size_t n = 0;

	for (; *entries; entries++) {
		size_t l = strlen(*entries) + 1;

		assert_true(n + l <= cap);
		memcpy(dst + n, *entries, l);
		n += l;
	}
	return n;
}

static struct cap_list list(const char *csv)
{
	struct cap_list l;
	char err[128];

	assert_int_equal(cap_list_parse(csv, CAP_LIST_ITEM_MAX, &l, err, sizeof(err)), 0);
	return l;
}

static struct cap_optin decide(const char *const *entries, const struct cap_list *allow)
{
	static char buf[4096];
	struct cap_optin o;
	size_t n = block(buf, sizeof(buf), entries);

	cap_optin_decide(buf, n, allow, &o);
	return o;
}

/* The seed's table: profiled or not, for each combination. */
static void test_seed_table(void **state)
{
	struct cap_list local_dev = list("local,dev"), local = list("local");

	(void)state;
	assert_true(decide((const char *const[]){"ADI_PROFILE=local", NULL}, NULL).target);
	assert_true(decide((const char *const[]){"ADI_PROFILE=local", NULL}, &local_dev).target);
	assert_false(decide((const char *const[]){"ADI_PROFILE=prod", NULL}, &local_dev).target);
	assert_false(
	    decide((const char *const[]){"ADI_PROFILE=local", "ADI_PROFILE_DISABLED=1", NULL},
		   &local)
		.target);
	assert_false(decide((const char *const[]){"HOME=/root", NULL}, &local).target);
	assert_false(decide((const char *const[]){"HOME=/root", NULL}, NULL).target);
}

static void test_profile_value_and_name(void **state)
{
	struct cap_optin o = decide((const char *const[]){"PATH=/bin", "ADI_PROFILE=staging",
							  "ADI_PROFILE_NAME=reviews", NULL},
				    NULL);

	(void)state;
	assert_true(o.target && o.has_profile && o.has_name);
	assert_int_equal(o.profile_len, 7);
	assert_memory_equal(o.profile, "staging", 7);
	assert_int_equal(o.name_len, 7);
	assert_memory_equal(o.name, "reviews", 7);

	/* set but empty still opts in (no allow list), and is not allowed by a list */
	o = decide((const char *const[]){"ADI_PROFILE=", NULL}, NULL);
	assert_true(o.target && o.has_profile);
	assert_int_equal(o.profile_len, 0);
	struct cap_list dev = list("dev");
	assert_false(decide((const char *const[]){"ADI_PROFILE=", NULL}, &dev).target);
}

static void test_first_occurrence_wins(void **state)
{
	struct cap_list dev = list("dev");

	(void)state;
	assert_true(decide((const char *const[]){"ADI_PROFILE=dev", "ADI_PROFILE=prod", NULL}, &dev)
			.target);
	assert_false(
	    decide((const char *const[]){"ADI_PROFILE=prod", "ADI_PROFILE=dev", NULL}, &dev)
		.target);
	/* the first DISABLED decides too */
	assert_true(decide((const char *const[]){"ADI_PROFILE=x", "ADI_PROFILE_DISABLED=0",
						 "ADI_PROFILE_DISABLED=1", NULL},
			   NULL)
			.target);
	assert_false(decide((const char *const[]){"ADI_PROFILE=x", "ADI_PROFILE_DISABLED=1",
						  "ADI_PROFILE_DISABLED=0", NULL},
			    NULL)
			 .target);
}

static void test_disabled_must_be_exactly_one(void **state)
{
	static const char *const values[] = {"0", "true", "yes", "11", "1 ", "", NULL};
	const char *const *v;
	char entry[64];

	(void)state;
	for (v = values; *v; v++) {
		snprintf(entry, sizeof(entry), "ADI_PROFILE_DISABLED=%s", *v);
		assert_true(
		    decide((const char *const[]){"ADI_PROFILE=a", entry, NULL}, NULL).target);
	}
	/* the disable switch works wherever it is */
	assert_false(
	    decide((const char *const[]){"ADI_PROFILE_DISABLED=1", "ADI_PROFILE=a", NULL}, NULL)
		.target);
}

static void test_names_are_exact(void **state)
{
	(void)state;
	/* neither a longer nor a shorter name counts */
	assert_false(decide((const char *const[]){"ADI_PROFILES=a", NULL}, NULL).has_profile);
	assert_false(decide((const char *const[]){"XADI_PROFILE=a", NULL}, NULL).has_profile);
	assert_false(decide((const char *const[]){"ADI_PROFIL=a", NULL}, NULL).has_profile);
	assert_false(decide((const char *const[]){"adi_profile=a", NULL}, NULL).has_profile);
	assert_false(decide((const char *const[]){"ADI_PROFILE", NULL}, NULL).has_profile);
}

static void test_allow_compares_whole_values(void **state)
{
	struct cap_list l = list(" local , dev,,");

	(void)state;
	assert_int_equal(l.n, 2);
	assert_string_equal(l.item[0], "local");
	assert_string_equal(l.item[1], "dev");
	assert_false(decide((const char *const[]){"ADI_PROFILE=loc", NULL}, &l).target);
	assert_false(decide((const char *const[]){"ADI_PROFILE=locale", NULL}, &l).target);
	assert_false(decide((const char *const[]){"ADI_PROFILE=LOCAL", NULL}, &l).target);
	assert_true(decide((const char *const[]){"ADI_PROFILE=dev", NULL}, &l).target);
}

static void test_cut_block(void **state)
{
	/* the last entry has no NUL: the block was cut at a read cap */
	static const char cut[] = "A=1\0ADI_PROFILE=de";
	struct cap_optin o;

	(void)state;
	cap_optin_decide(cut, sizeof(cut) - 1, NULL, &o);
	assert_true(o.target);
	assert_int_equal(o.profile_len, 2);
	assert_memory_equal(o.profile, "de", 2);
	/* an empty block and leading/double NULs */
	cap_optin_decide("", 0, NULL, &o);
	assert_false(o.target);
	cap_optin_decide("\0\0ADI_PROFILE=x\0\0", 16, NULL, &o);
	assert_true(o.target);
}

/* ---- filter and redaction ---- */

struct filtered {
	char out[4096];
	size_t len;
	uint32_t flags;
};

static struct filtered filter(const char *const *entries, const char *prefixes, int redact,
			      size_t cap)
{
	static char in[4096];
	struct filtered f;
	struct cap_list pl;
	size_t n = block(in, sizeof(in), entries);

	if (prefixes)
		pl = list(prefixes);
	memset(&f, 0, sizeof(f));
	f.len = cap_env_filter(in, n, prefixes ? &pl : NULL, redact, f.out,
			       cap < sizeof(f.out) ? cap : sizeof(f.out), &f.flags);
	return f;
}

/* @return 1 when out holds entry as one whole "KEY=VALUE" string */
static int has_entry(const struct filtered *f, const char *entry)
{
	size_t pos = 0;

	while (pos < f->len) {
		if (!strcmp(f->out + pos, entry))
			return 1;
		pos += strlen(f->out + pos) + 1;
	}
	return 0;
}

static int count_entries(const struct filtered *f)
{
	size_t pos = 0;
	int n = 0;

	while (pos < f->len) {
		pos += strlen(f->out + pos) + 1;
		n++;
	}
	return n;
}

static void test_prefix_filter(void **state)
{
	struct filtered f =
	    filter((const char *const[]){"REVIEWS_URL=http://reviews:9080", "RATINGS_HOST=ratings",
					 "PATH=/bin", "MONGO_HOST=db", "ADI_PROFILE=local", NULL},
		   "REVIEWS_,MONGO_", 1, 4096);

	(void)state;
	assert_int_equal(count_entries(&f), 2);
	assert_true(has_entry(&f, "REVIEWS_URL=http://reviews:9080"));
	assert_true(has_entry(&f, "MONGO_HOST=db"));
	assert_true(f.flags & SR_PROC_ENV_FILTERED);
	assert_false(f.flags & (SR_PROC_ENV_REDACTED | SR_PROC_ENV_TRUNCATED));

	/* no list: everything, and no FILTERED flag */
	f = filter((const char *const[]){"A=1", "B=2", NULL}, NULL, 1, 4096);
	assert_int_equal(count_entries(&f), 2);
	assert_int_equal(f.flags, 0);
	/* prefixes are case-sensitive, as in the seed */
	f = filter((const char *const[]){"mongo_host=x", NULL}, "MONGO_", 1, 4096);
	assert_int_equal(count_entries(&f), 0);
}

static void test_redaction(void **state)
{
	struct filtered f = filter(
	    (const char *const[]){"DB_PASSWORD=hunter2", "AWS_SECRET_ACCESS_KEY=abc/def",
				  "GITHUB_TOKEN=ghp_x", "STRIPE_API_KEY=sk_live_1", "PATH=/usr/bin",
				  "PWD=/home/u", "ADI_PROFILE=local", "ADI_PROFILE_NAME=svc",
				  "DATABASE_URL=postgres://app:s3cret@db:5432/app", NULL},
	    NULL, 1, 4096);

	(void)state;
	assert_true(f.flags & SR_PROC_ENV_REDACTED);
	assert_true(has_entry(&f, "DB_PASSWORD=" SR_REDACTED));
	assert_true(has_entry(&f, "AWS_SECRET_ACCESS_KEY=" SR_REDACTED));
	assert_true(has_entry(&f, "GITHUB_TOKEN=" SR_REDACTED));
	assert_true(has_entry(&f, "STRIPE_API_KEY=" SR_REDACTED));
	assert_true(has_entry(&f, "PATH=/usr/bin"));
	assert_true(has_entry(&f, "PWD=/home/u"));
	assert_true(has_entry(&f, "ADI_PROFILE=local"));
	assert_true(has_entry(&f, "ADI_PROFILE_NAME=svc"));
	/* the URL stays usable for the service map; only the password goes */
	assert_true(has_entry(&f, "DATABASE_URL=postgres://app:" SR_REDACTED "@db:5432/app"));
	/* no secret byte anywhere in the output */
	assert_null(memmem(f.out, f.len, "hunter2", 7));
	assert_null(memmem(f.out, f.len, "abc/def", 7));
	assert_null(memmem(f.out, f.len, "ghp_x", 5));
	assert_null(memmem(f.out, f.len, "sk_live", 7));
	assert_null(memmem(f.out, f.len, "s3cret", 6));
	assert_int_equal(count_entries(&f), 9);
}

static void test_no_redact_keeps_values(void **state)
{
	struct filtered f =
	    filter((const char *const[]){"DB_PASSWORD=hunter2", NULL}, NULL, 0, 4096);

	(void)state;
	assert_true(has_entry(&f, "DB_PASSWORD=hunter2"));
	assert_false(f.flags & SR_PROC_ENV_REDACTED);
}

static void test_secret_value_without_secret_key(void **state)
{
	/* a JSON Web Token under an innocent name goes as a whole */
	struct filtered f =
	    filter((const char *const[]){"SESSION_BLOB=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0."
					 "c2lnbmF0dXJlMTIzNDU2Nzg5MA",
					 NULL},
		   NULL, 1, 4096);

	(void)state;
	assert_true(has_entry(&f, "SESSION_BLOB=" SR_REDACTED));
}

static void test_entries_without_equals_kept(void **state)
{
	struct filtered f = filter((const char *const[]){"JUSTAWORD", "A=1", NULL}, NULL, 1, 4096);

	(void)state;
	assert_true(has_entry(&f, "JUSTAWORD"));
	assert_true(has_entry(&f, "A=1"));
}

static void test_output_cap(void **state)
{
	/* "AAAA=1\0" is 7 bytes; a 20-byte cap holds two whole entries */
	struct filtered f =
	    filter((const char *const[]){"AAAA=1", "BBBB=2", "CCCC=3", NULL}, NULL, 1, 20);

	(void)state;
	assert_int_equal(f.len, 14);
	assert_int_equal(count_entries(&f), 2);
	assert_true(f.flags & SR_PROC_ENV_TRUNCATED);
	/* a redacted value that does not fit is left out, not cut */
	f = filter((const char *const[]){"A=1", "MY_TOKEN=x", NULL}, NULL, 1, 12);
	assert_int_equal(count_entries(&f), 1);
	assert_true(f.flags & SR_PROC_ENV_TRUNCATED);
	assert_null(memmem(f.out, f.len, "MY_TOKEN", 8));
}


/* argv redaction at capture time: the secret never reaches the archive, the
 * rest of the command line stays byte for byte, NUL separators kept */
static void test_cmdline_redaction(void **state)
{
	(void)state;
	static const char in[] = "curl\0-s\0-u\0alice:wonderland\0-H\0"
				 "Authorization: Bearer abc.def.ghi\0--password=hunter2\0"
				 "http://127.0.0.1:8080/x\0";
	static const char want[] = "curl\0-s\0-u\0alice:[REDACTED]\0-H\0"
				   "Authorization: [REDACTED]\0--password=[REDACTED]\0"
				   "http://127.0.0.1:8080/x\0";
	char out[512];
	int red, cut;
	size_t n = cap_cmdline_redact(in, sizeof(in) - 1, out, sizeof(out), &red, &cut);

	assert_true(red);
	assert_false(cut);
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, n);
	assert_null(memmem(out, n, "wonderland", 10));
	assert_null(memmem(out, n, "hunter2", 7));
	assert_null(memmem(out, n, "abc.def", 7));

	/* nothing secret: unchanged, not flagged */
	static const char plain[] = "nginx\0-p\0/tmp/x\0-c\0/tmp/x/nginx.conf\0";
	n = cap_cmdline_redact(plain, sizeof(plain) - 1, out, sizeof(out), &red, &cut);
	assert_false(red);
	assert_false(cut);
	assert_int_equal(n, sizeof(plain) - 1);
	assert_memory_equal(out, plain, n);

	/* a small buffer cuts whole arguments and never leaks the secret */
	n = cap_cmdline_redact(in, sizeof(in) - 1, out, 24, &red, &cut);
	assert_true(cut);
	assert_true(n <= 24);
	assert_null(memmem(out, n, "wonderland", 10));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seed_table),
	    cmocka_unit_test(test_profile_value_and_name),
	    cmocka_unit_test(test_first_occurrence_wins),
	    cmocka_unit_test(test_disabled_must_be_exactly_one),
	    cmocka_unit_test(test_names_are_exact),
	    cmocka_unit_test(test_allow_compares_whole_values),
	    cmocka_unit_test(test_cut_block),
	    cmocka_unit_test(test_prefix_filter),
	    cmocka_unit_test(test_redaction),
	    cmocka_unit_test(test_no_redact_keeps_values),
	    cmocka_unit_test(test_secret_value_without_secret_key),
	    cmocka_unit_test(test_entries_without_equals_kept),
	    cmocka_unit_test(test_output_cap),
	    cmocka_unit_test(test_cmdline_redaction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
