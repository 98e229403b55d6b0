/* syscall_cost - what one syscall costs, for sockrec's overhead numbers.
 *
 * Over one loopback TCP connection, one thread pinned to one CPU writes
 * SIZE bytes and reads them back, N times: the time per write+read pair is
 * two syscalls that sockrec records when the process is a target. It also
 * times getppid(), a syscall sockrec never records (what every syscall of a
 * process costs when the hook only has to say "not mine").
 *
 * The capture mode is chosen outside (bench/syscall-cost.sh): no sockrec,
 * sockrec running without this process as target, or with it (ADI_PROFILE
 * set when this program is exec'd).
 *
 *   syscall_cost [-n PAIRS] [-r ROUNDS] [-G] [-V] SIZE...
 *   (-G: no getppid; -V: writev/readv of two iovecs instead of write/read)
 * Prints one line per measurement: "<name> <ns per call>" (best round).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_SIZE (256 * 1024)

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "syscall_cost: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void tcp_pair(int *a, int *b)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&sa, &len))
		die("listen");
	*a = socket(AF_INET, SOCK_STREAM, 0);
	if (*a < 0 || connect(*a, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect");
	*b = accept(l, NULL, NULL);
	if (*b < 0)
		die("accept");
	setsockopt(*a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	close(l);
}

static int use_iov; /* -V: writev/readv of two iovecs instead of write/read */

static ssize_t xwrite(int fd, char *buf, size_t size)
{
	struct iovec v[2] = {{buf, size / 2}, {buf + size / 2, size - size / 2}};

	return use_iov ? writev(fd, v, 2) : write(fd, buf, size);
}

static ssize_t xread(int fd, char *buf, size_t size)
{
	struct iovec v[2] = {{buf, size / 2}, {buf + size / 2, size - size / 2}};

	if (!use_iov || size < 2)
		return read(fd, buf, size);
	return readv(fd, v, 2);
}

/* @return ns per syscall (a pair is two) for the best of rounds */
static double pingpong(int a, int b, char *buf, size_t size, long pairs, int rounds)
{
	double best = 1e18;
	int r;

	for (r = 0; r < rounds; r++) {
		double t0 = now_ns();
		long i;

		for (i = 0; i < pairs; i++) {
			size_t got = 0;

			if (xwrite(a, buf, size) != (ssize_t)size)
				die("write");
			while (got < size) {
				ssize_t n = xread(b, buf + got, size - got);

				if (n <= 0)
					die("read");
				got += n;
			}
		}
		double t = (now_ns() - t0) / pairs / 2;
		if (t < best)
			best = t;
	}
	return best;
}

static double getppid_cost(long n, int rounds)
{
	double best = 1e18;
	int r;

	for (r = 0; r < rounds; r++) {
		double t0 = now_ns();
		long i;

		for (i = 0; i < n; i++)
			getppid();
		double t = (now_ns() - t0) / n;
		if (t < best)
			best = t;
	}
	return best;
}

int main(int argc, char **argv)
{
	long pairs = 100000;
	int rounds = 5, opt, a, b, i, no_getppid = 0;
	cpu_set_t set;
	char *buf;

	while ((opt = getopt(argc, argv, "n:r:GV")) != -1) {
		switch (opt) {
		case 'V':
			use_iov = 1;
			break;
		case 'G':
			no_getppid = 1;
			break;
		case 'n':
			pairs = strtol(optarg, NULL, 10);
			break;
		case 'r':
			rounds = strtol(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr,
				"usage: syscall_cost [-n PAIRS] [-r ROUNDS] [-G] [-V] SIZE...\n");
			return 2;
		}
	}
	if (pairs <= 0 || rounds <= 0 || optind == argc) {
		fprintf(stderr, "usage: syscall_cost [-n PAIRS] [-r ROUNDS] [-G] [-V] SIZE...\n");
		return 2;
	}
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set); /* best effort */
	buf = calloc(1, MAX_SIZE);
	if (!buf)
		die("calloc");
	tcp_pair(&a, &b);
	if (!no_getppid)
		printf("getppid %.1f\n", getppid_cost(pairs * 10, rounds));
	for (i = optind; i < argc; i++) {
		long size = strtol(argv[i], NULL, 10);

		if (size <= 0 || size > MAX_SIZE) {
			fprintf(stderr, "syscall_cost: size %s out of range\n", argv[i]);
			return 2;
		}
		pingpong(a, b, buf, size, pairs / 10, 1); /* warm up */
		printf("%s%ld %.1f\n", use_iov ? "rwv" : "rw", size, pingpong(a, b, buf, size, pairs, rounds));
	}
	return 0;
}
