/* test_capture_tls.c - the pure parts of capture/tls.c and a scan over a
 * fake /proc tree.
 *
 * Properties under test:
 *  - a /proc/PID/maps line gives its path and inode; anonymous and
 *    pseudo mappings ([heap], inode 0) give none; hostile lines never
 *    crash;
 *  - libssl.so / libssl.so.3 / libssl.so.1.1 are libssl, libssl3.so (NSS)
 *    and libsslx.so are not;
 *  - the version text is found in library bytes ("OpenSSL 3.0.19 27 Jan
 *    2026"), a lone "OpenSSL " or one without a dotted number is not;
 *  - a scan of a process whose libssl cannot be probed (the fake file has
 *    no SSL_read) reports it once, not probed, with the reason; a second
 *    scan reports nothing; after cap_tls_forget() it reports again;
 *  - a process gone before its maps were read that moved plaintext is
 *    reported once (cap_tls_gone), as OpenSSL or Go by its calls;
 *  - an executable that is not a Go program (a text file, the test binary
 *    itself) gives no record;
 *  - Go version texts give their minor version; others give -1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tls.h"

static void test_maps_path(void **state)
{
	uint64_t ino = 0;
	const char *p;

	(void)state;
	p = cap_tls_maps_path(
	    "7f0e1c000000-7f0e1c01e000 r--p 00000000 fe:01 333427                     "
	    "/usr/lib/x86_64-linux-gnu/libssl.so.3",
	    &ino);
	assert_non_null(p);
	assert_string_equal(p, "/usr/lib/x86_64-linux-gnu/libssl.so.3");
	assert_int_equal(ino, 333427);
	assert_null(
	    cap_tls_maps_path("55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0 [heap]", &ino));
	assert_null(cap_tls_maps_path("7ffd5e1f0000-7ffd5e211000 rw-p 00000000 00:00 0", &ino));
	assert_null(cap_tls_maps_path("", &ino));
	assert_null(cap_tls_maps_path("garbage", &ino));
	assert_null(cap_tls_maps_path("a b c d 12", &ino)); /* no path */
	assert_null(cap_tls_maps_path("a b c d x /lib/libssl.so.3", &ino));
}

static void test_is_libssl(void **state)
{
	(void)state;
	assert_true(cap_tls_is_libssl("/usr/lib/x86_64-linux-gnu/libssl.so.3"));
	assert_true(cap_tls_is_libssl("/lib/libssl.so.1.1"));
	assert_true(cap_tls_is_libssl("libssl.so"));
	assert_false(cap_tls_is_libssl("/usr/lib/libssl3.so")); /* NSS */
	assert_false(cap_tls_is_libssl("/usr/lib/libsslx.so.1"));
	assert_false(cap_tls_is_libssl("/usr/lib/libssl.so3"));
	assert_false(cap_tls_is_libssl("/opt/libssl.so.3/other"));
	assert_true(cap_tls_is_libcrypto("/usr/lib/x86_64-linux-gnu/libcrypto.so.3"));
	assert_false(cap_tls_is_libcrypto("/usr/lib/x86_64-linux-gnu/libssl.so.3"));
}

static void test_version(void **state)
{
	static const uint8_t lib[] = "\0\x01junk OpenSSL \0OpenSSL unknown\0"
				     "OpenSSL 3.0.19 27 Jan 2026\0more";
	static const uint8_t old[] = "xx OpenSSL 1.1.1w  11 Sep 2023";
	static const uint8_t none[] = "OpenSSL 3 and OpenSSL 30 ";
	char out[64];

	(void)state;
	assert_int_equal(cap_tls_version(lib, sizeof(lib), out, sizeof(out)), 0);
	assert_string_equal(out, "OpenSSL 3.0.19");
	assert_int_equal(cap_tls_version(old, sizeof(old), out, sizeof(out)), 0);
	assert_string_equal(out, "OpenSSL 1.1.1w");
	assert_int_equal(cap_tls_version(none, sizeof(none), out, sizeof(out)), -1);
	assert_int_equal(cap_tls_version(lib, 0, out, sizeof(out)), -1);
	/* cut right after the number: no space follows, not taken */
	assert_int_equal(cap_tls_version((const uint8_t *)"OpenSSL 3.0.1", 13, out, sizeof(out)),
			 -1);
}

/* a fake /proc: PID/maps naming a "libssl.so.3" under PID/root */
static char root[64];
static unsigned nrec, last_status;
static char last_error[256], last_path[256], last_library[256];

static void on_rec(void *ctx, const struct sr_record *rec, int new_file)
{
	(void)ctx;
	(void)new_file;
	assert_int_equal(rec->type, SR_REC_TLS);
	nrec++;
	last_status = rec->tls.status;
	snprintf(last_error, sizeof(last_error), "%.*s", (int)rec->tls.error.len,
		 (const char *)rec->tls.error.ptr);
	snprintf(last_path, sizeof(last_path), "%.*s", (int)rec->tls.path.len,
		 (const char *)rec->tls.path.ptr);
	snprintf(last_library, sizeof(last_library), "%.*s", (int)rec->tls.library.len,
		 (const char *)rec->tls.library.ptr);
}

static void test_scan_not_probed(void **state)
{
	char path[256], maps[512];
	struct cap_tls_progs progs;
	struct cap_tls *t;
	struct stat st;
	FILE *f;

	(void)state;
	memset(&progs, 0, sizeof(progs));
	progs.go_bins_fd = -1;
	snprintf(root, sizeof(root), "/tmp/sockrec-tls-test.XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/77/root/lib", root);
	assert_int_equal(system(NULL) != 0, 1);
	snprintf(maps, sizeof(maps), "mkdir -p %s", path);
	assert_int_equal(system(maps), 0);
	snprintf(path, sizeof(path), "%s/77/root/lib/libssl.so.3", root);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("not an ELF file", f);
	fclose(f);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/77/maps", root);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "7f0000000000-7f0000001000 r--p 00000000 fe:01 %llu /lib/libssl.so.3\n",
		(unsigned long long)st.st_ino);
	fprintf(f, "7f0000001000-7f0000002000 r-xp 00001000 fe:01 %llu /lib/libssl.so.3\n",
		(unsigned long long)st.st_ino);
	fprintf(f, "7ffd5e1f0000-7ffd5e211000 rw-p 00000000 00:00 0 [stack]\n");
	fclose(f);

	t = cap_tls_create(&progs, root);
	assert_non_null(t);
	nrec = 0;
	assert_int_equal(cap_tls_scan(t, 77, 1, on_rec, NULL), 1);
	assert_int_equal(nrec, 1);
	assert_int_equal(last_status, SR_TLS_NOT_PROBED);
	assert_string_equal(last_path, "/lib/libssl.so.3");
	assert_non_null(strstr(last_error, "SSL_read"));
	assert_int_equal(cap_tls_scan(t, 77, 2, on_rec, NULL), 0); /* reported once */
	cap_tls_forget(t, 77);
	assert_int_equal(cap_tls_scan(t, 77, 3, on_rec, NULL), 1); /* exec: again */
	assert_int_equal(cap_tls_scan(t, 78, 4, on_rec, NULL), 0); /* no such process */
	/* 78 moved plaintext but is gone: reported, library unknown (no
	 * probed file here to deduce it from) */
	assert_true(cap_tls_reported(t, 77));
	assert_false(cap_tls_reported(t, 78));
	assert_int_equal(cap_tls_gone(t, 78, 0, 5, on_rec, NULL), 1);
	assert_int_equal(last_status, SR_TLS_PROBED);
	assert_string_equal(last_path, "");
	assert_true(cap_tls_reported(t, 78));
	assert_int_equal(cap_tls_gone(t, 79, 1, 6, on_rec, NULL), 1);
	assert_int_equal(last_status, SR_TLS_PROBED);
	assert_non_null(strstr(last_library, "Go crypto/tls"));
	/* executables that are not Go: no record, whatever the file */
	snprintf(path, sizeof(path), "%s/77/exe", root);
	assert_int_equal(symlink("/proc/self/exe", path), 0); /* this test: C */
	cap_tls_forget(t, 77);
	nrec = 0;
	assert_int_equal(cap_tls_scan(t, 77, 7, on_rec, NULL), 1); /* the libssl only */
	assert_int_equal(nrec, 1);
	assert_string_equal(last_path, "/lib/libssl.so.3");
	unlink(path);
	snprintf(maps, sizeof(maps), "%s/77/maps", root);
	assert_int_equal(symlink(maps, path), 0); /* a text file */
	cap_tls_forget(t, 77);
	nrec = 0;
	assert_int_equal(cap_tls_scan(t, 77, 8, on_rec, NULL), 1);
	assert_int_equal(nrec, 1);
	cap_tls_free(t);
	snprintf(maps, sizeof(maps), "rm -rf %s", root);
	assert_int_equal(system(maps), 0);
}

static void test_go_minor(void **state)
{
	(void)state;
	assert_int_equal(cap_tls_go_minor("go1.19.8"), 19);
	assert_int_equal(cap_tls_go_minor("go1.17"), 17);
	assert_int_equal(cap_tls_go_minor("go1.21rc2"), 21);
	assert_int_equal(cap_tls_go_minor("devel go1.23-abcdef Tue"), 23);
	assert_int_equal(cap_tls_go_minor("go1.16.15"), 16);
	assert_int_equal(cap_tls_go_minor("go2.0"), -1);
	assert_int_equal(cap_tls_go_minor("go1."), -1);
	assert_int_equal(cap_tls_go_minor("go1.12345"), -1);
	assert_int_equal(cap_tls_go_minor(""), -1);
	assert_int_equal(cap_tls_go_minor(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_maps_path),
	    cmocka_unit_test(test_is_libssl),
	    cmocka_unit_test(test_version),
	    cmocka_unit_test(test_scan_not_probed),
	    cmocka_unit_test(test_go_minor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
