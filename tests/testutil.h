/* testutil.h - small helpers the cmocka tests share: byte blobs read from
 * files or from memfds. Header-only; include after <cmocka.h>, in a file
 * that defines _GNU_SOURCE before its first include (memfd_create). */
#ifndef SOCKREC_TESTUTIL_H
#define SOCKREC_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

struct blob {
	uint8_t *p;
	size_t len;
};

/* A memfd that can be sealed (tests of write failures seal it). */
static inline int tu_memfd(const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	return fd;
}

/* Everything written to fd so far. */
static inline struct blob tu_slurp(int fd)
{
	struct blob b;
	off_t end = lseek(fd, 0, SEEK_END);

	assert_true(end >= 0);
	b.len = (size_t)end;
	b.p = malloc(b.len ? b.len : 1);
	assert_non_null(b.p);
	assert_int_equal(pread(fd, b.p, b.len, 0), (ssize_t)b.len);
	return b;
}

/* The file dir/name, relative to the repository root (where make test
 * runs the tests). */
static inline struct blob tu_load(const char *dir, const char *name)
{
	char path[256];
	struct blob b = {0};
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run the test from the repository root)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	b.p = malloc(n ? (size_t)n : 1);
	assert_non_null(b.p);
	assert_int_equal(fread(b.p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	b.len = (size_t)n;
	return b;
}

#endif /* SOCKREC_TESTUTIL_H */
