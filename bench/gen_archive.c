/* gen_archive.c - writes a synthetic .srz with many connections, for the
 * analyzer's scale test (tests/e2e/analyze_scale.sh) and `make bench`
 * (bench/scale.sh).
 *
 *   gen_archive CONNECTIONS PROCESSES OUT.srz [open|closed|client]
 *
 * CONNECTIONS sockets spread round-robin over PROCESSES server processes
 * (pid 100, 101, ...), each socket with its own inode and fd. On each:
 * one HTTP/1.1 request received and its 200 response sent (server view,
 * tcp_seq valid). "open" (the default) never closes them: a server holding
 * keep-alive sockets, the analyzer's worst case for memory. "closed" closes
 * each after its response. "client" is the shape of the hand-made
 * reproducer (one curl, one request per socket, no response, no close).
 * Timestamps advance 1 us per record; paths cycle over 64 values so the
 * service map stays small. Output is deterministic.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "srz.h"

#define GEN_MAX_CONNECTIONS 100000000ul
#define GEN_MAX_PROCESSES 100000ul
#define GEN_START_WALL 1700000000000000000ull
#define GEN_BOOT_NS 1000000000ull

enum gen_mode { GEN_OPEN, GEN_CLOSED, GEN_CLIENT };

static int parse_count(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > max || *s == '-')
		return -1;
	*out = v;
	return 0;
}

static int append(struct srz_writer *w, const struct sr_record *r)
{
	int rc = srz_writer_append(w, r);

	if (rc)
		fprintf(stderr, "gen_archive: cannot append a record: %s\n", strerror(-rc));
	return rc;
}

static void addr4(uint8_t a[16], uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	memset(a, 0, 16);
	a[0] = b0;
	a[1] = b1;
	a[2] = b2;
	a[3] = b3;
}

int main(int argc, char **argv)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	unsigned long nconn, nproc;
	const char *comm;
	enum gen_mode mode = GEN_OPEN;
	struct srz_writer *w;
	struct sr_record r;
	uint64_t ts = GEN_BOOT_NS;
	char err[256] = "", req[128];
	int fd, rc = 0;

	if (argc < 4 || argc > 5 || parse_count(argv[1], GEN_MAX_CONNECTIONS, &nconn) ||
	    parse_count(argv[2], GEN_MAX_PROCESSES, &nproc)) {
		fprintf(stderr, "usage: gen_archive CONNECTIONS PROCESSES OUT.srz "
				"[open|closed|client]\n");
		return 1;
	}
	if (argc == 5) {
		if (!strcmp(argv[4], "closed"))
			mode = GEN_CLOSED;
		else if (!strcmp(argv[4], "client"))
			mode = GEN_CLIENT;
		else if (strcmp(argv[4], "open")) {
			fprintf(stderr, "gen_archive: mode must be open, closed or client\n");
			return 1;
		}
	}
	comm = mode == GEN_CLIENT ? "curl" : "srv";
	fd = open(argv[3], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "gen_archive: cannot create %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	w = srz_writer_create(fd, NULL, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "gen_archive: %s\n", err);
		close(fd);
		return 1;
	}

	memset(&r, 0, sizeof(r));
	r.type = SR_REC_CAPTURE_HEADER;
	r.hdr.start_wall_ns = GEN_START_WALL;
	r.hdr.boot_to_wall_ns = (int64_t)(GEN_START_WALL - GEN_BOOT_NS);
	r.hdr.snaplen = 262144;
	r.hdr.ring_size = 8u << 20;
	r.hdr.ncpus = 1;
	r.hdr.tool_version = sr_str("gen_archive");
	r.hdr.hostname = sr_str("h");
	r.hdr.kernel_release = sr_str("6.1");
	r.hdr.argv = sr_str("gen_archive");
	rc |= append(w, &r);

	for (unsigned long p = 0; p < nproc && !rc; p++) {
		memset(&r, 0, sizeof(r));
		r.type = SR_REC_PROCESS;
		r.proc.ts_ns = ts++;
		r.proc.start_ticks = 1000 + p;
		r.proc.pid = (uint32_t)(100 + p);
		r.proc.ppid = 1;
		r.proc.comm = sr_str(comm);
		r.proc.exe = sr_str(mode == GEN_CLIENT ? "/usr/bin/curl" : "/usr/bin/srv");
		r.proc.cmdline = sr_str(mode == GEN_CLIENT ? "curl" : "srv");
		r.proc.cgroup = sr_str("0::/");
		rc |= append(w, &r);
	}

	for (unsigned long i = 0; i < nconn && !rc; i++) {
		unsigned long k = i / nproc; /* the socket's number in its process */
		int n = snprintf(req, sizeof(req), "GET /c%lu HTTP/1.1\r\nHost: x\r\n\r\n", i % 64);
		struct sr_data *d = &r.data;

		memset(&r, 0, sizeof(r));
		r.type = SR_REC_DATA;
		d->ts_ns = ts += 1000;
		d->tgid = d->tid = (uint32_t)(100 + i % nproc);
		d->sock_id = 1000 + i;
		d->fd = (int32_t)(3 + k % 1000000);
		d->family = 4;
		memcpy(d->comm, comm, strlen(comm));
		d->flags = SR_DATA_SEQ_VALID;
		if (mode == GEN_CLIENT) {
			/* the reproducer's shape: a client's requests */
			addr4(d->laddr, 10, 0, 0, 1);
			addr4(d->raddr, 10, 1 + (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i);
			d->lport = (uint16_t)(1024 + i % 60000);
			d->rport = 80;
			d->syscall = SR_SYS_WRITE;
			d->dir = SR_DIR_SEND;
		} else {
			/* a server's view: 10.0.0.1:8080 <- 10.1.0.N:port, a few
			 * client hosts with many ports each (distinct 4-tuples) */
			addr4(d->laddr, 10, 0, 0, 1);
			addr4(d->raddr, 10, 1, 0, (uint8_t)(1 + (i / 28000) % 250));
			d->lport = 8080;
			d->rport = (uint16_t)(32768 + i % 28000);
			d->syscall = SR_SYS_READ;
			d->dir = SR_DIR_RECV;
		}
		d->tcp_seq = 100 + (uint32_t)n;
		d->bytes = (uint64_t)n;
		d->payload.ptr = (const uint8_t *)req;
		d->payload.len = (uint32_t)n;
		rc |= append(w, &r);
		if (mode == GEN_CLIENT || rc)
			continue;

		d->ts_ns = ts += 1000;
		d->syscall = SR_SYS_WRITE;
		d->dir = SR_DIR_SEND;
		d->tcp_seq = 500 + (uint32_t)(sizeof(resp) - 1);
		d->bytes = sizeof(resp) - 1;
		d->payload.ptr = (const uint8_t *)resp;
		d->payload.len = sizeof(resp) - 1;
		rc |= append(w, &r);
		if (mode != GEN_CLOSED || rc)
			continue;

		memset(&r, 0, sizeof(r));
		r.type = SR_REC_CONN;
		r.conn.ts_ns = ts += 1000;
		r.conn.tgid = r.conn.tid = (uint32_t)(100 + i % nproc);
		r.conn.sock_id = 1000 + i;
		r.conn.fd = (int32_t)(3 + k % 1000000);
		r.conn.kind = SR_CONN_CLOSE;
		r.conn.syscall = SR_SYS_CLOSE;
		memcpy(r.conn.comm, comm, strlen(comm));
		rc |= append(w, &r);
	}

	if (!rc) {
		memset(&r, 0, sizeof(r));
		r.type = SR_REC_END;
		r.end.ts_ns = ts + 1000;
		r.end.end_wall_ns = GEN_START_WALL + (ts - GEN_BOOT_NS);
		r.end.records = 1 + nproc +
				nconn * (mode == GEN_CLIENT ? 1
					 : mode == GEN_OPEN ? 2
							    : 3);
		r.end.reason = SR_END_SIGNAL;
		rc |= append(w, &r);
	}
	if (srz_writer_close(w, 1) || rc) {
		fprintf(stderr, "gen_archive: writing %s failed\n", argv[3]);
		unlink(argv[3]);
		return 1;
	}
	return 0;
}
