/* envrewrite.c - a TCP echo server that rewrites its environment block the
 * way programs that set their process title do, for sockrec's tests of
 * live environments (tests/e2e/capture_liveenv_rewrite.sh).
 *
 *   envrewrite PORT MODE [NAME=VALUE...]
 *
 * MODE:
 *   none     leaves the environment where exec put it;
 *   repoint  nginx's ngx_init_setproctitle: copies every string to the heap
 *            and repoints each entry of the same array;
 *   array    PostgreSQL's save_ps_display_args: a new array of copies,
 *            assigned to environ.
 * Except with none, the original argv + environ area is then overwritten
 * with a title and NULs (ngx_setproctitle), so /proc/PID/environ holds no
 * KEY=VALUE entry. Each NAME=VALUE is then setenv()ed.
 *
 * It listens on 127.0.0.1:PORT and answers each line it reads with
 * "echo:" and the line, one connection at a time; "ready" is printed on
 * stdout once it listens. Builds with glibc or musl, static or dynamic.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

extern char **environ;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static char *copy(const char *s)
{
	char *d = strdup(s);

	if (!d)
		die("strdup");
	return d;
}

static void rewrite(int argc, char **argv, const char *mode)
{
	char *area = argv[0], *end = argv[0];
	size_t n = 0, i;

	for (i = 0; i < (size_t)argc; i++)
		if (argv[i] == end)
			end = argv[i] + strlen(argv[i]) + 1;
	for (; environ[n]; n++)
		if (environ[n] == end)
			end = environ[n] + strlen(environ[n]) + 1;
	if (!strcmp(mode, "repoint")) {
		for (i = 0; i < n; i++)
			environ[i] = copy(environ[i]);
	} else if (!strcmp(mode, "array")) {
		char **a = calloc(n + 1, sizeof(*a));

		if (!a)
			die("calloc");
		for (i = 0; i < n; i++)
			a[i] = copy(environ[i]);
		environ = a;
	} else {
		fprintf(stderr, "envrewrite: unknown mode %s\n", mode);
		exit(2);
	}
	/* the title, then NULs up to the end of the old environment */
	memset(area, 0, end - area);
	snprintf(area, end - area, "envrewrite: %s server", mode);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int s, one = 1, i;
	char **kv;

	if (argc < 3) {
		fprintf(stderr, "usage: envrewrite PORT none|repoint|array [NAME=VALUE...]\n");
		return 2;
	}
	sa.sin_port = htons(atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	kv = calloc(argc, sizeof(*kv)); /* the rewrite overwrites argv */
	if (!kv)
		die("calloc");
	for (i = 3; i < argc; i++)
		kv[i] = copy(argv[i]);
	if (strcmp(argv[2], "none"))
		rewrite(argc, argv, copy(argv[2]));
	for (i = 3; i < argc; i++) {
		char *eq = strchr(kv[i], '=');

		if (!eq)
			continue;
		*eq = 0;
		setenv(kv[i], eq + 1, 1);
	}
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 8))
		die("bind");
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		char buf[4096];
		ssize_t r;
		int c = accept(s, NULL, NULL);

		if (c < 0)
			continue;
		while ((r = read(c, buf, sizeof(buf))) > 0) {
			if (write(c, "echo:", 5) != 5 || write(c, buf, r) != r)
				break;
		}
		close(c);
	}
}
