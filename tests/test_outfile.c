/* test_outfile.c - output files (analyze/base/outfile.h): whole or nothing,
 * 0600, never replacing an existing name without force (also one that
 * appears between create and commit), never writing through a symbolic
 * link or a hard link, nothing left after an abort or a failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/outfile.h"

struct fix {
	char dir[64];
	int dfd;
	char err[512];
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/sockrec-outfile.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->dfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->dfd >= 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	char cmd[128];

	close(f->dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* the directory's names, sorted, space separated */
static const char *listing(struct fix *f)
{
	static char out[1024];
	struct dirent **v;
	int n = scandir(f->dir, &v, NULL, alphasort);

	out[0] = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(v[i]->d_name, ".") && strcmp(v[i]->d_name, "..")) {
			strcat(out, v[i]->d_name);
			strcat(out, " ");
		}
		free(v[i]);
	}
	free(v);
	return out;
}

static void put(struct fix *f, const char *name, const char *text)
{
	int fd = openat(f->dfd, name, O_WRONLY | O_CREAT | O_EXCL, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static const char *get(struct fix *f, const char *name)
{
	static char buf[256];
	int fd = openat(f->dfd, name, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

static void written_whole(void **state)
{
	struct fix *f = *state;
	struct outfile *o = outfile_create(f->dfd, "a.txt", "a.txt", false, f->err, sizeof(f->err));
	struct stat st;

	assert_non_null(o);
	fputs("hello", outfile_stream(o));
	/* not there under its name until committed */
	assert_null(get(f, "a.txt"));
	assert_int_equal(outfile_commit(o, f->err, sizeof(f->err)), 0);
	assert_string_equal(get(f, "a.txt"), "hello");
	assert_int_equal(fstatat(f->dfd, "a.txt", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_string_equal(listing(f), "a.txt ");
}

static void existing_refused(void **state)
{
	struct fix *f = *state;

	put(f, "a.txt", "old");
	assert_null(outfile_create(f->dfd, "a.txt", "d/a.txt", false, f->err, sizeof(f->err)));
	assert_string_equal(f->err, "d/a.txt exists (use --force to replace it)");
	assert_string_equal(get(f, "a.txt"), "old");
	assert_string_equal(listing(f), "a.txt ");
}

/* the target appears after the check: the rename refuses it, and the
 * temporary file goes */
static void race_refused(void **state)
{
	struct fix *f = *state;
	struct outfile *o = outfile_create(f->dfd, "a.txt", "a.txt", false, f->err, sizeof(f->err));

	assert_non_null(o);
	fputs("new", outfile_stream(o));
	put(f, "a.txt", "theirs");
	assert_int_equal(outfile_commit(o, f->err, sizeof(f->err)), -1);
	assert_string_equal(f->err, "a.txt exists (use --force to replace it)");
	assert_string_equal(get(f, "a.txt"), "theirs");
	assert_string_equal(listing(f), "a.txt ");
}

static void hard_link(void **state)
{
	struct fix *f = *state;
	struct outfile *o;
	struct stat st;

	put(f, "keep", "precious");
	assert_int_equal(linkat(f->dfd, "keep", f->dfd, "a.txt", 0), 0);
	assert_null(outfile_create(f->dfd, "a.txt", "a.txt", false, f->err, sizeof(f->err)));
	assert_string_equal(f->err,
			    "a.txt exists and has other hard links (use --force to replace it)");
	/* with force the name is replaced, the other name keeps its bytes and mode */
	o = outfile_create(f->dfd, "a.txt", "a.txt", true, f->err, sizeof(f->err));
	assert_non_null(o);
	fputs("new", outfile_stream(o));
	assert_int_equal(outfile_commit(o, f->err, sizeof(f->err)), 0);
	assert_string_equal(get(f, "a.txt"), "new");
	assert_string_equal(get(f, "keep"), "precious");
	assert_int_equal(fstatat(f->dfd, "keep", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(st.st_nlink, 1);
}

static void symlink_target(void **state)
{
	struct fix *f = *state;
	struct outfile *o;

	put(f, "victim", "keep");
	assert_int_equal(symlinkat("victim", f->dfd, "a.txt"), 0);
	assert_null(outfile_create(f->dfd, "a.txt", "a.txt", false, f->err, sizeof(f->err)));
	assert_string_equal(f->err,
			    "a.txt exists and is a symbolic link (use --force to replace it)");
	/* force replaces the link itself, never writes through it */
	o = outfile_create(f->dfd, "a.txt", "a.txt", true, f->err, sizeof(f->err));
	assert_non_null(o);
	fputs("new", outfile_stream(o));
	assert_int_equal(outfile_commit(o, f->err, sizeof(f->err)), 0);
	assert_string_equal(get(f, "victim"), "keep");
	assert_string_equal(get(f, "a.txt"), "new");
}

static void not_a_file(void **state)
{
	struct fix *f = *state;

	assert_int_equal(mkdirat(f->dfd, "a.txt", 0700), 0);
	assert_null(outfile_create(f->dfd, "a.txt", "a.txt", true, f->err, sizeof(f->err)));
	assert_string_equal(f->err, "a.txt exists and is not a regular file");
}

static void abort_leaves_nothing(void **state)
{
	struct fix *f = *state;
	struct outfile *o = outfile_create(f->dfd, "a.txt", "a.txt", false, f->err, sizeof(f->err));

	assert_non_null(o);
	fputs("half", outfile_stream(o));
	assert_string_not_equal(listing(f), ""); /* the temporary file */
	outfile_abort(o);
	assert_string_equal(listing(f), "");
}

static void dir_symlink(void **state)
{
	struct fix *f = *state;
	char real[128], link[128];
	bool created;
	int fd;

	snprintf(real, sizeof(real), "%s/real", f->dir);
	snprintf(link, sizeof(link), "%s/link", f->dir);
	assert_int_equal(mkdir(real, 0700), 0);
	assert_int_equal(symlink(real, link), 0);
	assert_int_equal(outfile_dir_open(link, true, false, &created, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "is a symbolic link; refusing to write through it"));
	fd = outfile_dir_open(link, true, true, &created, f->err, sizeof(f->err));
	assert_true(fd >= 0);
	assert_false(created);
	close(fd);
	/* a new directory is created 0700 and says so */
	snprintf(real, sizeof(real), "%s/new", f->dir);
	fd = outfile_dir_open(real, true, false, &created, f->err, sizeof(f->err));
	assert_true(fd >= 0);
	assert_true(created);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(written_whole, setup, teardown),
	    cmocka_unit_test_setup_teardown(existing_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(race_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(hard_link, setup, teardown),
	    cmocka_unit_test_setup_teardown(symlink_target, setup, teardown),
	    cmocka_unit_test_setup_teardown(not_a_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(abort_leaves_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(dir_symlink, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
