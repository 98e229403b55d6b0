/* test_capture_liveenv.c - live environments (capture/liveenv.c) of real
 * child processes: this test binary re-executed as a child that rewrites
 * its environment as setproctitle does, or sets it up to hit a bound.
 *
 * Properties under test (issue 13):
 *  - a child whose /proc/PID/environ holds only NULs (repointed entries,
 *    nginx style, or a new array, postgres style) is read live, with
 *    variables setenv()ed after the rewrite, and cap_environ_read() says
 *    SR_ENV_SRC_LIVE;
 *  - a child whose /proc/PID/environ has ADI_PROFILE keeps it
 *    (SR_ENV_SRC_PROC), even when its live ADI_PROFILE differs; one whose
 *    /proc block has entries but no ADI_PROFILE is read live;
 *  - the rule cap_env_needs_live() on blocks built by hand;
 *  - bounds: entries, bytes per string, total bytes, each with *cut;
 *  - a NULL environ is an empty environment; a wild environ pointer is
 *    -EFAULT; a wild entry is left out (*cut); a gone pid is -ESRCH;
 *  - the file found through /proc/PID/root (no map_files) gives the same;
 *  - a Go program (gofmt, static, stripped) is never read live: -ENOENT,
 *    and cap_environ_read() keeps /proc.
 * `test_capture_liveenv --read-root PID` prints PID's live environment read
 * through /proc/PID/root only (tests/e2e/capture_liveenv_container.sh).
 * The glibc-linked test binary has `environ` by copy relocation in the
 * executable; glibc's libc.so, musl and static programs are covered by
 * tests/e2e/capture_liveenv_*.sh.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "env.h"
#include "liveenv.h"
#include "procsnap.h"
#include "record.h"

extern char **environ;

/* ---- the child side: argv[1] == "--child", argv[2] the mode ---- */

/* the exec-time strings are contiguous: where they lie */
static void block_bounds(char **lo, char **hi)
{
	size_t i;

	*lo = *hi = environ[0];
	for (i = 0; environ[i]; i++) {
		if (environ[i] < *lo)
			*lo = environ[i];
		if (environ[i] + strlen(environ[i]) + 1 > *hi)
			*hi = environ[i] + strlen(environ[i]) + 1;
	}
}

static int child_main(const char *mode)
{
	size_t i, n = 0;

	while (environ[n])
		n++;
	if (!strcmp(mode, "repoint") || !strcmp(mode, "array")) {
		char **a = !strcmp(mode, "array") ? calloc(n + 1, sizeof(*a)) : environ;
		char *lo, *hi;

		block_bounds(&lo, &hi);
		for (i = 0; i < n; i++)
			a[i] = strdup(environ[i]);
		memset(lo, 0, hi - lo);
		environ = a;
		setenv("ADI_PROFILE_NAME", "late", 1);
	} else if (!strcmp(mode, "setenv")) {
		setenv("ADI_PROFILE", "set-later", 1);
	} else if (!strcmp(mode, "many")) {
		char k[32];

		for (i = 0; i < CAP_LIVEENV_MAX_ENTRIES + 100; i++) {
			snprintf(k, sizeof(k), "V%zu", i);
			setenv(k, "x", 1);
		}
	} else if (!strcmp(mode, "long")) {
		char *v = malloc(CAP_LIVEENV_MAX_STRING + 10);

		memset(v, 'a', CAP_LIVEENV_MAX_STRING + 9);
		v[CAP_LIVEENV_MAX_STRING + 9] = 0;
		setenv("LONG", v, 1);
		setenv("AFTER", "yes", 1);
	} else if (!strcmp(mode, "total")) {
		char *v = malloc(60000), k[16];

		memset(v, 'b', 59999);
		v[59999] = 0;
		for (i = 0; i < 8; i++) {
			snprintf(k, sizeof(k), "BIG%zu", i);
			setenv(k, v, 1);
		}
	} else if (!strcmp(mode, "null")) {
		environ = NULL;
	} else if (!strcmp(mode, "wild")) {
		environ = (char **)(uintptr_t)0x1000;
	} else if (!strcmp(mode, "wild-entry")) {
		char **a = calloc(n + 3, sizeof(*a));

		setenv("LAST", "ok", 1); /* libc must not see the wild entry */
		memcpy(a, environ, (n + 1) * sizeof(*a));
		a[n + 1] = (char *)(uintptr_t)0x1000;
		a[n + 2] = NULL;
		environ = a;
	}
	if (write(1, "r", 1) != 1)
		return 1;
	for (;;)
		pause();
}

/* ---- the test side ---- */

static char *self_exe;

struct child {
	pid_t pid;
};

static struct child spawn(const char *mode, char *const *envp)
{
	struct child c;
	int p[2];
	char ok;

	assert_int_equal(pipe(p), 0);
	c.pid = fork();
	assert_true(c.pid >= 0);
	if (c.pid == 0) {
		char *argv[] = {self_exe, "--child", (char *)mode, NULL};

		dup2(p[1], 1);
		close(p[0]);
		execve(self_exe, argv, envp);
		_exit(127);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &ok, 1), 1);
	close(p[0]);
	return c;
}

static void reap(struct child c)
{
	kill(c.pid, SIGKILL);
	waitpid(c.pid, NULL, 0);
}

/* value of key in a NUL-separated block, or NULL */
static const char *get(const char *env, size_t len, const char *key)
{
	size_t pos = 0, kl = strlen(key);

	while (pos < len) {
		const char *e = env + pos;
		size_t el = strnlen(e, len - pos);

		if (el > kl && !memcmp(e, key, kl) && e[kl] == '=')
			return e + kl + 1;
		pos += el + 1;
	}
	return NULL;
}

static size_t entries(const char *env, size_t len)
{
	size_t pos = 0, n = 0;

	while (pos < len) {
		size_t el = strnlen(env + pos, len - pos);

		n += el > 0;
		pos += el + 1;
	}
	return n;
}

static char *base_env[] = {"PATH=/usr/bin:/bin", "ADI_PROFILE=unit", "SECRET_TOKEN=abc", NULL};

static void check_rewritten(const char *mode, int map_files)
{
	struct cap_liveenv *le = cap_liveenv_create();
	struct child c = spawn(mode, base_env);
	char path[64], *env;
	size_t len;
	int cut;
	uint32_t src;

	assert_non_null(le);
	cap_liveenv_use_map_files(le, map_files);
	/* the scenario: /proc shows no entry at all */
	snprintf(path, sizeof(path), "/proc/%d/environ", c.pid);
	assert_int_equal(cap_snap_read_file(path, SR_MAX_ENVIRON, &env, &len, &cut), 0);
	assert_int_equal(entries(env, len), 0);
	free(env);

	assert_int_equal(cap_environ_read(le, c.pid, &env, &len, &cut, &src), 0);
	assert_int_equal(src, SR_ENV_SRC_LIVE);
	assert_int_equal(cut, 0);
	assert_string_equal(get(env, len, "ADI_PROFILE"), "unit");
	assert_string_equal(get(env, len, "PATH"), "/usr/bin:/bin");
	assert_string_equal(get(env, len, "SECRET_TOKEN"), "abc");
	assert_string_equal(get(env, len, "ADI_PROFILE_NAME"), "late");
	assert_int_equal(entries(env, len), 4);
	assert_int_equal(env[len], 0);
	free(env);

	/* without a handle there are no live reads: /proc as it is */
	assert_int_equal(cap_environ_read(NULL, c.pid, &env, &len, &cut, &src), 0);
	assert_int_equal(src, SR_ENV_SRC_PROC);
	assert_int_equal(entries(env, len), 0);
	free(env);
	reap(c);
	cap_liveenv_free(le);
}

static void test_repointed_entries(void **state)
{
	(void)state;
	check_rewritten("repoint", 1);
}

static void test_through_proc_root(void **state)
{
	(void)state;
	check_rewritten("repoint", 0);
	check_rewritten("array", 0);
}

#define GOFMT "/usr/lib/go/bin/gofmt"

static void test_go_keeps_proc(void **state)
{
	struct cap_liveenv *le = cap_liveenv_create();
	char *envp[] = {"PATH=/usr/bin:/bin", "HOME=/go-home", NULL};
	char exe[256], path[64], *env, *real;
	size_t len;
	int p[2], cut, i;
	uint32_t src;
	ssize_t n = 0;
	pid_t pid;

	(void)state;
	assert_int_equal(access(GOFMT, X_OK), 0); /* golang-go (install-deps.sh) */
	real = realpath(GOFMT, NULL);		  /* /usr/lib/go is a link to go-1.NN */
	assert_non_null(real);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = {GOFMT, NULL};

		dup2(p[0], 0); /* it reads stdin until we close it */
		close(p[1]);
		execve(GOFMT, argv, envp);
		_exit(127);
	}
	close(p[0]);
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	for (i = 0; i < 200; i++) { /* until the exec happened */
		n = readlink(path, exe, sizeof(exe) - 1);
		if (n > 0 && (exe[n] = 0, !strcmp(exe, real)))
			break;
		usleep(10000);
	}
	assert_string_equal(exe, real);
	free(real);
	usleep(50000); /* the runtime is up */
	assert_int_equal(cap_liveenv_read(le, pid, &env, &len, &cut), -ENOENT);
	assert_null(env);
	assert_int_equal(cap_environ_read(le, pid, &env, &len, &cut, &src), 0);
	assert_int_equal(src, SR_ENV_SRC_PROC);
	assert_string_equal(get(env, len, "HOME"), "/go-home");
	free(env);
	close(p[1]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	cap_liveenv_free(le);
}

static void test_new_array(void **state)
{
	(void)state;
	check_rewritten("array", 1);
}

static void test_proc_has_profile(void **state)
{
	struct cap_liveenv *le = cap_liveenv_create();
	char *env;
	size_t len;
	int cut;
	uint32_t src;
	struct child c;

	(void)state;
	/* /proc has ADI_PROFILE: it decides, whatever the live one says */
	c = spawn("setenv", base_env);
	assert_int_equal(cap_environ_read(le, c.pid, &env, &len, &cut, &src), 0);
	assert_int_equal(src, SR_ENV_SRC_PROC);
	assert_string_equal(get(env, len, "ADI_PROFILE"), "unit");
	free(env);
	reap(c);

	/* /proc has entries but no ADI_PROFILE: live, where setenv put one */
	char *plain[] = {"PATH=/bin", "HOME=/root", NULL};
	c = spawn("setenv", plain);
	assert_int_equal(cap_environ_read(le, c.pid, &env, &len, &cut, &src), 0);
	assert_int_equal(src, SR_ENV_SRC_LIVE);
	assert_string_equal(get(env, len, "ADI_PROFILE"), "set-later");
	assert_string_equal(get(env, len, "HOME"), "/root");
	free(env);
	reap(c);
	cap_liveenv_free(le);
}

static void test_rule(void **state)
{
	(void)state;
	assert_int_equal(cap_env_needs_live("", 0), 1);
	assert_int_equal(cap_env_needs_live("\0\0\0\0", 4), 1);
	assert_int_equal(cap_env_needs_live("nginx: worker process\0\0", 23), 1);
	assert_int_equal(cap_env_needs_live("A=1\0B=2\0", 8), 1);
	assert_int_equal(cap_env_needs_live("A=1\0ADI_PROFILE=\0", 17), 0);
	assert_int_equal(cap_env_needs_live("ADI_PROFILE=x", 13), 0);
	assert_int_equal(cap_env_needs_live("ADI_PROFILEX=x\0", 15), 1);
	assert_int_equal(cap_env_needs_live("ADI_PROFILE\0", 12), 1); /* no '=' */
}

static void read_mode(const char *mode, char **env, size_t *len, int *cut, int *rc)
{
	struct cap_liveenv *le = cap_liveenv_create();
	struct child c = spawn(mode, base_env);

	*rc = cap_liveenv_read(le, c.pid, env, len, cut);
	reap(c);
	cap_liveenv_free(le);
}

static void test_bound_entries(void **state)
{
	char *env;
	size_t len;
	int cut, rc;

	(void)state;
	read_mode("many", &env, &len, &cut, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(cut, 1);
	assert_int_equal(entries(env, len), CAP_LIVEENV_MAX_ENTRIES);
	free(env);
}

static void test_bound_string(void **state)
{
	char *env;
	size_t len;
	int cut, rc;

	(void)state;
	read_mode("long", &env, &len, &cut, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(cut, 1);
	assert_null(get(env, len, "LONG")); /* left out whole, never cut */
	assert_string_equal(get(env, len, "AFTER"), "yes");
	assert_string_equal(get(env, len, "ADI_PROFILE"), "unit");
	free(env);
}

static void test_bound_total(void **state)
{
	char *env;
	size_t len;
	int cut, rc, i, big = 0;
	char k[16];

	(void)state;
	read_mode("total", &env, &len, &cut, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(cut, 1);
	assert_true(len <= SR_MAX_ENVIRON);
	for (i = 0; i < 8; i++) {
		const char *v;

		snprintf(k, sizeof(k), "BIG%d", i);
		v = get(env, len, k);
		if (v) {
			assert_int_equal(strlen(v), 59999); /* whole or not at all */
			big++;
		}
	}
	assert_int_equal(big, 4); /* 4 x 60 KB fit in 256 KiB, 5 do not */
	free(env);
}

static void test_null_and_wild(void **state)
{
	char *env;
	size_t len;
	int cut, rc;

	(void)state;
	read_mode("null", &env, &len, &cut, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(len, 0);
	free(env);

	read_mode("wild", &env, &len, &cut, &rc);
	assert_int_equal(rc, -EFAULT);
	assert_null(env);

	read_mode("wild-entry", &env, &len, &cut, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(cut, 1);
	assert_string_equal(get(env, len, "LAST"), "ok");
	assert_string_equal(get(env, len, "ADI_PROFILE"), "unit");
	free(env);
}

static void test_gone(void **state)
{
	struct cap_liveenv *le = cap_liveenv_create();
	struct child c = spawn("null", base_env);
	char *env;
	size_t len;
	int cut;

	(void)state;
	reap(c);
	assert_int_equal(cap_liveenv_read(le, c.pid, &env, &len, &cut), -ESRCH);
	assert_null(env);
	assert_non_null(cap_liveenv_strerror(-ESRCH));
	cap_liveenv_free(le);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_repointed_entries),
	    cmocka_unit_test(test_new_array),
	    cmocka_unit_test(test_proc_has_profile),
	    cmocka_unit_test(test_rule),
	    cmocka_unit_test(test_bound_entries),
	    cmocka_unit_test(test_bound_string),
	    cmocka_unit_test(test_bound_total),
	    cmocka_unit_test(test_null_and_wild),
	    cmocka_unit_test(test_gone),
	    cmocka_unit_test(test_through_proc_root),
	    cmocka_unit_test(test_go_keeps_proc),
	};

	if (argc > 2 && !strcmp(argv[1], "--child"))
		return child_main(argv[2]);
	if (argc > 2 && !strcmp(argv[1], "--read-root")) {
		struct cap_liveenv *le = cap_liveenv_create();
		char *env;
		size_t len, i;
		int cut, rc;

		cap_liveenv_use_map_files(le, 0);
		rc = cap_liveenv_read(le, (uint32_t)atoi(argv[2]), &env, &len, &cut);
		if (rc) {
			fprintf(stderr, "%s\n", cap_liveenv_strerror(rc));
			return 1;
		}
		for (i = 0; i < len; i++)
			putchar(env[i] ? env[i] : '\n');
		free(env);
		cap_liveenv_free(le);
		return 0;
	}
	self_exe = realpath("/proc/self/exe", NULL);
	if (!self_exe)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
