/* test_srz.c - the .srz container and the record encoding.
 *
 * Properties under test (issue 2):
 *  - every record type round-trips, with empty fields and maximum sizes;
 *  - a file cut at every byte offset gives back exactly the records of its
 *    complete blocks, then an error naming the offset of the cut block;
 *  - any single-bit flip is reported, never a crash, and the records before
 *    it are exactly those written;
 *  - an unknown record type in the middle is skipped by length;
 *  - a write failure (disk full) loses at most the open block;
 *  - an archive built by hand from FORMAT.md alone reads back (the spec is
 *    complete enough for a third-party writer).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"
#include <zstd.h>

#include "archive.h"
#include "crc32.h"
#include "cursor.h"
#include "record.h"
#include "srz.h"

/* ---------- helpers ---------- */

/* The canonical bytes of a record: equal bytes mean equal records. */
static struct blob encode(const struct sr_record *r)
{
	struct blob b;
	size_t n = sr_record_size(r);
	assert_true(n > 0);
	b.p = malloc(n);
	b.len = sr_record_encode(r, b.p, n);
	assert_int_equal(b.len, n);
	return b;
}

static void assert_same_record(const struct sr_record *a, const struct sr_record *b)
{
	struct blob x = encode(a), y = encode(b);
	assert_int_equal(x.len, y.len);
	assert_memory_equal(x.p, y.p, x.len);
	free(x.p);
	free(y.p);
}

static uint8_t pattern[SR_MAX_RECORD];

static void fill_pattern(void)
{
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < sizeof(pattern); i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		pattern[i] = (uint8_t)x;
	}
}

static struct sr_bytes pat(uint32_t off, uint32_t len)
{
	struct sr_bytes b = { pattern + off, len };
	return b;
}

/* One record of each known type, built from a seed so records differ. */
static struct sr_record make_record(uint16_t type, uint32_t seed)
{
	struct sr_record r;
	memset(&r, 0, sizeof(r));
	r.type = type;
	switch (type) {
	case SR_REC_CAPTURE_HEADER:
		r.hdr.start_wall_ns = 1700000000000000000ull + seed;
		r.hdr.boot_to_wall_ns = -5 - (int64_t)seed;
		r.hdr.snaplen = 16384;
		r.hdr.flags = SR_CAP_REDACT;
		r.hdr.ring_size = 8 << 20;
		r.hdr.ncpus = 2;
		r.hdr.tool_version = sr_str("0.1.0");
		r.hdr.hostname = sr_str("host-a");
		r.hdr.kernel_release = sr_str("6.18.0");
		r.hdr.allow = sr_str("local,dev");
		r.hdr.env_prefix = sr_str("");
		r.hdr.pids = sr_str("1,2");
		r.hdr.argv = (struct sr_bytes){ (const uint8_t *)"sockrec\0-w\0x.srz", 16 };
		r.hdr.paths = sr_str("hooks=syscall-tracepoints copy=scratch core=compat accept=fexit");
		break;
	case SR_REC_DATA:
		r.data.ts_ns = 1000 + seed;
		r.data.tgid = 42 + seed;
		r.data.tid = 43 + seed;
		r.data.sock_id = 9999 + seed;
		r.data.fd = 7;
		r.data.syscall = SR_SYS_WRITE;
		r.data.dir = SR_DIR_SEND;
		r.data.family = 4;
		r.data.laddr[0] = 127, r.data.laddr[3] = 1;
		r.data.raddr[0] = 127, r.data.raddr[3] = 1;
		r.data.lport = 40000;
		r.data.rport = 8080;
		r.data.flags = SR_DATA_SEQ_VALID;
		r.data.tcp_seq = 123456 + seed;
		r.data.payload = pat(seed % 1000, 20 + seed % 300);
		r.data.bytes = r.data.payload.len;
		strcpy(r.data.comm, "curl");
		break;
	case SR_REC_CONN:
		r.conn.ts_ns = 2000 + seed;
		r.conn.tgid = 42;
		r.conn.tid = 42;
		r.conn.sock_id = 77;
		r.conn.fd = 3;
		r.conn.ret = -115;
		r.conn.syscall = SR_SYS_CONNECT;
		r.conn.kind = SR_CONN_CONNECT;
		r.conn.family = 6;
		r.conn.laddr[15] = 1;
		r.conn.raddr[15] = 1;
		r.conn.lport = 50000;
		r.conn.rport = 443;
		strcpy(r.conn.comm, "abcdefghijklmno");
		break;
	case SR_REC_PROCESS:
		r.proc.ts_ns = 3000 + seed;
		r.proc.start_ticks = 12345;
		r.proc.pid = 42;
		r.proc.ppid = 1;
		r.proc.uid = 0;
		r.proc.flags = SR_PROC_TARGET_OPTIN | SR_PROC_HAS_PROFILE;
		r.proc.comm = sr_str("curl");
		r.proc.exe = sr_str("/usr/bin/curl");
		r.proc.cmdline = (struct sr_bytes){ (const uint8_t *)"curl\0-s\0", 8 };
		r.proc.environ = (struct sr_bytes){ (const uint8_t *)"ADI_PROFILE=local\0A=b", 21 };
		r.proc.cgroup = sr_str("0::/\n");
		r.proc.adi_profile = sr_str("local");
		r.proc.environ_source = SR_ENV_SRC_LIVE;
		break;
	case SR_REC_CONTAINER:
		r.ctr.ts_ns = 4000 + seed;
		r.ctr.id = sr_str("0123456789abcdef");
		r.ctr.runtime = sr_str("docker");
		r.ctr.name = sr_str("web-1");
		r.ctr.image = sr_str("busybox:latest");
		r.ctr.labels = (struct sr_bytes){ (const uint8_t *)"com.docker.compose.service=web", 30 };
		r.ctr.addrs = sr_str("172.17.0.2");
		r.ctr.doc = sr_str("{\"Id\":\"0123\"}");
		break;
	case SR_REC_LOSS: {
		static uint8_t cpus[2 * 48];
		struct sr_loss_cpu c = { 0, 0, 100 + seed, 3, 1, 7, 0 };
		sr_loss_cpu_put(&c, cpus);
		c.cpu = 1;
		c.ring_full = 0;
		sr_loss_cpu_put(&c, cpus + 48);
		r.loss.ts_ns = 5000 + seed;
		r.loss.proc_errors = 1;
		r.loss.user_dropped = 0;
		r.loss.ncpu = 2;
		r.loss.cpus = (struct sr_bytes){ cpus, sizeof(cpus) };
		break;
	}
	case SR_REC_END:
		r.end.ts_ns = 6000 + seed;
		r.end.end_wall_ns = 1700000001000000000ull;
		r.end.records = seed;
		r.end.reason = SR_END_SIGNAL;
		break;
	case SR_REC_PROC_EVENT:
		r.pev.ts_ns = 7000 + seed;
		r.pev.pid = 50;
		r.pev.ppid = 42;
		r.pev.tid = 50;
		r.pev.kind = SR_PROC_EXIT;
		r.pev.exit_code = 256;
		r.pev.target = 1;
		strcpy(r.pev.comm, "sh");
		break;
	case SR_REC_TLS:
		r.tls.ts_ns = 8000 + seed;
		r.tls.pid = 42;
		r.tls.status = seed % 2 ? SR_TLS_NOT_PROBED : SR_TLS_PROBED;
		r.tls.inode = 333427;
		r.tls.library = sr_str("OpenSSL 3.0.19");
		r.tls.path = sr_str("/usr/lib/x86_64-linux-gnu/libssl.so.3");
		r.tls.error = sr_str(seed % 2 ? "cannot probe SSL_read: No such file or directory" : "");
		break;
	}
	return r;
}

static const uint16_t all_types[] = {
	SR_REC_CAPTURE_HEADER, SR_REC_DATA, SR_REC_CONN,    SR_REC_PROCESS,
	SR_REC_CONTAINER,      SR_REC_LOSS, SR_REC_PROC_EVENT, SR_REC_TLS, SR_REC_END,
};
#define NTYPES (sizeof(all_types) / sizeof(all_types[0]))

/* Reads every record of an archive in memory; the copies are kept as
 * encoded blobs. @return sr_archive_next()'s last result (0 or -1). */
static int read_all(const struct blob *in, struct blob *out, size_t out_cap, size_t *nout,
		    char *err, size_t err_cap, uint64_t *err_off)
{
	char e[256] = "";
	struct sr_archive *a = sr_archive_open_mem(in->p, in->len, e, sizeof(e));
	struct sr_record r;
	int rc;

	*nout = 0;
	if (!a) {
		snprintf(err, err_cap, "%s", e);
		*err_off = 0;
		return -2;
	}
	while ((rc = sr_archive_next(a, &r)) == 1) {
		assert_true(*nout < out_cap);
		out[(*nout)++] = encode(&r);
	}
	snprintf(err, err_cap, "%s", sr_archive_error(a));
	*err_off = sr_archive_error_offset(a);
	sr_archive_free(a);
	return rc;
}

/* ---------- round trips ---------- */

static void test_roundtrip_every_type(void **state)
{
	(void)state;
	int fd = tu_memfd("srz-test");
	struct srz_writer *w = srz_writer_create(fd, NULL, NULL, 0);
	struct sr_record in[NTYPES];

	assert_non_null(w);
	for (size_t i = 0; i < NTYPES; i++) {
		in[i] = make_record(all_types[i], (uint32_t)i);
		assert_int_equal(srz_writer_append(w, &in[i]), 0);
	}
	assert_int_equal(srz_writer_records(w), NTYPES);
	assert_int_equal(srz_writer_close(w, 0), 0);

	struct blob file = tu_slurp(fd);
	char err[256];
	struct srz_reader *r = srz_reader_open_mem(file.p, file.len, err, sizeof(err));
	assert_non_null(r);
	for (size_t i = 0; i < NTYPES; i++) {
		struct sr_record out;
		assert_int_equal(srz_reader_next(r, &out), 1);
		assert_int_equal(out.type, all_types[i]);
		assert_same_record(&in[i], &out);
	}
	struct sr_record out;
	assert_int_equal(srz_reader_next(r, &out), 0); /* clean end after the end record */
	assert_string_equal(srz_reader_error(r), "");
	srz_reader_free(r);

	/* spot-check decoded fields, not just bytes */
	r = srz_reader_open_mem(file.p, file.len, err, sizeof(err));
	assert_int_equal(srz_reader_next(r, &out), 1);
	assert_int_equal(out.hdr.boot_to_wall_ns, -5);
	assert_int_equal(out.hdr.hostname.len, 6);
	assert_memory_equal(out.hdr.hostname.ptr, "host-a", 6);
	assert_int_equal(srz_reader_next(r, &out), 1);
	assert_int_equal(out.data.rport, 8080);
	assert_string_equal(out.data.comm, "curl");
	assert_memory_equal(out.data.payload.ptr, pattern + 1, out.data.payload.len);
	assert_int_equal(srz_reader_next(r, &out), 1);
	assert_int_equal(out.conn.ret, -115);
	assert_string_equal(out.conn.comm, "abcdefghijklmno");
	srz_reader_free(r);
	free(file.p);
	close(fd);
}

static void test_roundtrip_empty_fields(void **state)
{
	(void)state;
	int fd = tu_memfd("srz-test");
	struct srz_writer *w = srz_writer_create(fd, NULL, NULL, 0);
	struct sr_record in[NTYPES];

	for (size_t i = 0; i < NTYPES; i++) {
		memset(&in[i], 0, sizeof(in[i]));
		in[i].type = all_types[i]; /* every string empty, every number 0 */
		assert_int_equal(srz_writer_append(w, &in[i]), 0);
	}
	assert_int_equal(srz_writer_close(w, 0), 0);
	struct blob file = tu_slurp(fd), got[NTYPES];
	size_t n;
	char err[256];
	uint64_t off;
	assert_int_equal(read_all(&file, got, NTYPES, &n, err, sizeof(err), &off), 0);
	assert_int_equal(n, NTYPES);
	for (size_t i = 0; i < n; i++) {
		struct blob want = encode(&in[i]);
		assert_int_equal(got[i].len, want.len);
		assert_memory_equal(got[i].p, want.p, want.len);
		free(want.p);
		free(got[i].p);
	}
	free(file.p);
	close(fd);
}

static void test_maximum_sizes(void **state)
{
	(void)state;
	int fd = tu_memfd("srz-test");
	struct srz_writer *w = srz_writer_create(fd, NULL, NULL, 0);
	struct sr_record data = make_record(SR_REC_DATA, 1);
	struct sr_record proc = make_record(SR_REC_PROCESS, 2);
	struct sr_record big = make_record(SR_REC_CONTAINER, 3);
	struct sr_record end = make_record(SR_REC_END, 4);

	/* the largest payload: the maximum snaplen */
	data.data.payload = pat(0, SR_MAX_SNAPLEN);
	data.data.bytes = 10ull << 30;
	data.data.flags |= SR_DATA_TRUNCATED;
	assert_int_equal(srz_writer_append(w, &data), 0);

	/* a process with every capped field at its cap */
	proc.proc.cmdline = pat(1, SR_MAX_CMDLINE);
	proc.proc.environ = pat(2, SR_MAX_ENVIRON);
	proc.proc.cgroup = pat(3, SR_MAX_CGROUP);
	proc.proc.exe = pat(4, 4096);
	assert_int_equal(srz_writer_append(w, &proc), 0);

	/* a record of exactly SR_MAX_RECORD bytes, and one byte more */
	size_t rest = SR_MAX_RECORD - (sr_record_size(&big) - big.ctr.doc.len);
	big.ctr.doc = pat(5, (uint32_t)rest);
	assert_int_equal(sr_record_size(&big), SR_MAX_RECORD);
	assert_int_equal(srz_writer_append(w, &big), 0);
	big.ctr.doc.len++;
	assert_int_equal(sr_record_size(&big), 0);
	assert_int_equal(srz_writer_append(w, &big), -EINVAL);
	big.ctr.doc.len--;

	/* a payload over the maximum snaplen is refused */
	data.data.payload = pat(0, SR_MAX_SNAPLEN + 1);
	assert_int_equal(srz_writer_append(w, &data), -EINVAL);
	data.data.payload = pat(0, SR_MAX_SNAPLEN);

	assert_int_equal(srz_writer_append(w, &end), 0);
	assert_int_equal(srz_writer_close(w, 0), 0);

	struct blob file = tu_slurp(fd), got[4];
	size_t n;
	char err[256];
	uint64_t off;
	assert_int_equal(read_all(&file, got, 4, &n, err, sizeof(err), &off), 0);
	assert_int_equal(n, 4);
	const struct sr_record *want[] = { &data, &proc, &big, &end };
	for (size_t i = 0; i < 4; i++) {
		struct blob b = encode(want[i]);
		assert_int_equal(got[i].len, b.len);
		assert_memory_equal(got[i].p, b.p, b.len);
		free(b.p);
		free(got[i].p);
	}
	/* the 1 MiB record needed a block of its own: 3 blocks in all */
	free(file.p);
	close(fd);
}

/* ---------- a multi-block archive, cut and flipped ---------- */

#define NBLOCKS 6
#define PER_BLOCK 7
#define NREC (NBLOCKS * PER_BLOCK)

struct multi {
	struct blob file;
	struct blob rec[NREC];     /* encoded records in order */
	uint64_t block_end[NBLOCKS]; /* file offset after each block */
	size_t block_nrec[NBLOCKS];  /* records up to and including each block */
};

static struct multi *make_multi(void)
{
	struct multi *m = calloc(1, sizeof(*m));
	int fd = tu_memfd("srz-test");
	struct srz_writer *w = srz_writer_create(fd, NULL, NULL, 0);
	size_t k = 0;

	for (int b = 0; b < NBLOCKS; b++) {
		for (int i = 0; i < PER_BLOCK; i++, k++) {
			uint16_t type = k == 0 ? SR_REC_CAPTURE_HEADER
				      : k == NREC - 1 ? SR_REC_END
						      : all_types[1 + k % (NTYPES - 2)];
			struct sr_record r = make_record(type, (uint32_t)k);
			assert_int_equal(srz_writer_append(w, &r), 0);
			m->rec[k] = encode(&r);
		}
		assert_int_equal(srz_writer_flush(w), 0);
		m->block_end[b] = srz_writer_bytes(w);
		m->block_nrec[b] = k;
	}
	assert_int_equal(srz_writer_close(w, 0), 0);
	m->file = tu_slurp(fd);
	assert_int_equal(m->file.len, m->block_end[NBLOCKS - 1]);
	close(fd);
	return m;
}

static void free_multi(struct multi *m)
{
	for (size_t i = 0; i < NREC; i++)
		free(m->rec[i].p);
	free(m->file.p);
	free(m);
}

static void test_cut_at_every_offset(void **state)
{
	(void)state;
	struct multi *m = make_multi();
	struct blob got[NREC];

	for (size_t cut = 0; cut <= m->file.len; cut++) {
		/* an exact-size copy, so a read past the cut is a sanitizer error */
		struct blob in = { malloc(cut ? cut : 1), cut };
		memcpy(in.p, m->file.p, cut);
		size_t expect = 0, n;
		uint64_t good = SRZ_FILE_HDR_LEN, off;
		char err[256];

		for (int b = 0; b < NBLOCKS; b++)
			if (m->block_end[b] <= cut) {
				expect = m->block_nrec[b];
				good = m->block_end[b];
			}
		int rc = read_all(&in, got, NREC, &n, err, sizeof(err), &off);
		if (cut < SRZ_FILE_HDR_LEN) {
			assert_int_equal(rc, -2); /* not even a header: open fails, says why */
			assert_true(strlen(err) > 0);
		} else if (cut == m->file.len) {
			assert_int_equal(rc, 0);
			assert_int_equal(n, NREC);
		} else {
			assert_int_equal(rc, -1);
			if (n != expect)
				fail_msg("cut at %zu: %zu records, expected %zu (%s)", cut, n, expect, err);
			/* the error names the offset where the readable prefix ends */
			assert_int_equal(off, good);
			char want[32];
			snprintf(want, sizeof(want), "offset %llu:", (unsigned long long)good);
			if (!strstr(err, want))
				fail_msg("cut at %zu: error '%s' does not name '%s'", cut, err, want);
		}
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(got[i].len, m->rec[i].len);
			assert_memory_equal(got[i].p, m->rec[i].p, got[i].len);
			free(got[i].p);
		}
		free(in.p);
	}
	free_multi(m);
}

static void test_cut_file_reader(void **state)
{
	(void)state;
	/* the file-descriptor reader sees the same prefix as the memory reader */
	struct multi *m = make_multi();
	char path[] = "/tmp/srz-cut-XXXXXX";
	int fd = mkstemp(path);
	size_t cut = (size_t)(m->block_end[2] + (m->block_end[3] - m->block_end[2]) / 2);
	assert_int_equal(write(fd, m->file.p, cut), (ssize_t)cut);
	close(fd);

	char err[256];
	struct srz_reader *r = srz_reader_open_path(path, err, sizeof(err));
	struct sr_record rec;
	size_t n = 0;
	int rc;
	assert_non_null(r);
	while ((rc = srz_reader_next(r, &rec)) == 1) {
		struct blob b = encode(&rec);
		assert_memory_equal(b.p, m->rec[n].p, b.len);
		free(b.p);
		n++;
	}
	assert_int_equal(rc, -1);
	assert_int_equal(n, m->block_nrec[2]);
	assert_int_equal(srz_reader_error_offset(r), m->block_end[2]);
	assert_non_null(strstr(srz_reader_error(r), "cut inside block 3"));
	srz_reader_free(r);
	unlink(path);
	free_multi(m);
}

static void test_bit_flips(void **state)
{
	(void)state;
	struct multi *m = make_multi();
	struct blob got[NREC];
	size_t detected = 0;

	for (size_t bit = 0; bit < m->file.len * 8; bit++) {
		struct blob in = { malloc(m->file.len), m->file.len };
		memcpy(in.p, m->file.p, in.len);
		in.p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		size_t n;
		uint64_t off;
		char err[256];
		int rc = read_all(&in, got, NREC, &n, err, sizeof(err), &off);

		/* whatever came back before the error is exactly what was written */
		for (size_t i = 0; i < n; i++) {
			if (got[i].len != m->rec[i].len ||
			    memcmp(got[i].p, m->rec[i].p, got[i].len) != 0)
				fail_msg("bit %zu: record %zu silently changed", bit, i);
			free(got[i].p);
		}
		/* every flip is reported: headers and frames both carry a CRC */
		if (rc >= 0)
			fail_msg("bit %zu: flip not detected (%zu records read)", bit, n);
		assert_true(strlen(err) > 0);
		detected++;
		free(in.p);
	}
	assert_int_equal(detected, m->file.len * 8);
	print_message("bit flips: all %zu detected\n", detected);
	free_multi(m);
}

/* ---------- hand-built archives (from FORMAT.md alone) ---------- */

static size_t put_rec(uint8_t *p, uint16_t type, const void *body, uint32_t len)
{
	sr_put_le32(p, len);
	sr_put_le16(p + 4, type);
	sr_put_le16(p + 6, 0);
	memcpy(p + 8, body, len);
	return 8 + len;
}

/* Builds file header + one block of raw record bytes, as FORMAT.md says. */
static struct blob hand_archive(const uint8_t *raw, size_t raw_len, uint32_t nrec,
				uint32_t claimed_clen)
{
	struct blob b;
	size_t cap = SRZ_FILE_HDR_LEN + SRZ_BLOCK_HDR_LEN + ZSTD_compressBound(raw_len);
	ZSTD_CCtx *c = ZSTD_createCCtx();

	b.p = calloc(1, cap);
	sr_put_le32(b.p, 0x184D2A50);
	sr_put_le32(b.p + 4, 20);
	memcpy(b.p + 8, "sockrec", 8);
	sr_put_le16(b.p + 16, 1);
	sr_put_le16(b.p + 18, 0);
	sr_put_le32(b.p + 20, 0);
	sr_put_le32(b.p + 24, sr_crc32(0, b.p + 8, 16));

	uint8_t *h = b.p + SRZ_FILE_HDR_LEN;
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	size_t clen = ZSTD_compress2(c, h + SRZ_BLOCK_HDR_LEN, cap - SRZ_FILE_HDR_LEN - SRZ_BLOCK_HDR_LEN,
				     raw, raw_len);
	assert_false(ZSTD_isError(clen));
	ZSTD_freeCCtx(c);
	sr_put_le32(h, 0x184D2A51);
	sr_put_le32(h + 4, 28);
	sr_put_le32(h + 8, 0);
	sr_put_le32(h + 12, claimed_clen ? claimed_clen : (uint32_t)clen);
	sr_put_le32(h + 16, (uint32_t)raw_len);
	sr_put_le32(h + 20, nrec);
	sr_put_le32(h + 24, 0);
	sr_put_le32(h + 28, sr_crc32(0, h + SRZ_BLOCK_HDR_LEN, clen));
	sr_put_le32(h + 32, sr_crc32(0, h + 8, 24));
	b.len = SRZ_FILE_HDR_LEN + SRZ_BLOCK_HDR_LEN + clen;
	return b;
}

static void test_unknown_type_skipped(void **state)
{
	(void)state;
	uint8_t raw[512], end_body[32] = { 0 };
	size_t n = 0;
	struct sr_record conn = make_record(SR_REC_CONN, 1), pev = make_record(SR_REC_PROC_EVENT, 2);

	n += sr_record_encode(&conn, raw + n, sizeof(raw) - n);
	n += put_rec(raw + n, 0x7ABC, "a newer record type", 19); /* unknown */
	/* a known type with 5 extra trailing bytes (a newer minor version) */
	size_t pn = sr_record_encode(&pev, raw + n, sizeof(raw) - n);
	sr_put_le32(raw + n, sr_le32(raw + n) + 5);
	memcpy(raw + n + pn, "extra", 5);
	n += pn + 5;
	n += put_rec(raw + n, SR_REC_END, end_body, 32);

	struct blob file = hand_archive(raw, n, 4, 0);
	char err[256];
	struct srz_reader *r = srz_reader_open_mem(file.p, file.len, err, sizeof(err));
	struct sr_record out;
	assert_non_null(r);
	assert_int_equal(srz_reader_next(r, &out), 1);
	assert_same_record(&out, &conn);
	assert_int_equal(srz_reader_next(r, &out), 1);
	assert_int_equal(out.type, 0x7ABC);
	assert_string_equal(sr_type_name(out.type), "unknown");
	assert_int_equal(out.body.len, 19);
	assert_memory_equal(out.body.ptr, "a newer record type", 19);
	/* an unknown record is written back as read (convert keeps it) */
	uint8_t again[64];
	assert_int_equal(sr_record_encode(&out, again, sizeof(again)), 27);
	assert_memory_equal(again + 8, "a newer record type", 19);
	assert_int_equal(srz_reader_next(r, &out), 1);
	assert_int_equal(out.type, SR_REC_PROC_EVENT);
	assert_int_equal(out.body.len, 48 + 5);
	assert_int_equal(out.pev.exit_code, 256);
	assert_string_equal(out.pev.comm, "sh");
	assert_int_equal(srz_reader_next(r, &out), 1);
	assert_int_equal(out.type, SR_REC_END);
	assert_int_equal(srz_reader_next(r, &out), 0);
	srz_reader_free(r);
	free(file.p);
}

/* Format minor 1 appended environ_source to process records: a minor 0
 * body (without it) decodes as SR_ENV_SRC_UNKNOWN, a minor 1 body gives it
 * back, and a body cut inside it is a minor 0 body plus ignored bytes. */
static void test_process_environ_source(void **state)
{
	(void)state;
	struct sr_record in = make_record(SR_REC_PROCESS, 3), out;
	struct blob b = encode(&in);
	char err[128];

	assert_int_equal(sr_record_decode(b.p, b.len, &out, err, sizeof(err)), (long)b.len);
	assert_int_equal(out.proc.environ_source, SR_ENV_SRC_LIVE);
	assert_int_equal(sr_le32(b.p + b.len - 4), SR_ENV_SRC_LIVE); /* last on disk */
	for (size_t cut = 1; cut <= 4; cut++) {
		sr_put_le32(b.p, (uint32_t)(b.len - SR_RECORD_HDR - cut));
		assert_int_equal(sr_record_decode(b.p, b.len - cut, &out, err, sizeof(err)),
				 (long)(b.len - cut));
		assert_int_equal(out.proc.environ_source, SR_ENV_SRC_UNKNOWN);
		assert_int_equal(out.proc.pid, 42);
		assert_memory_equal(out.proc.adi_profile.ptr, "local", 5);
	}
	free(b.p);
}

/* Format minor 1 appended paths to the capture header: a minor 0 header
 * (ending at argv) decodes with empty paths, a minor 1 header gives them
 * back, and bytes after argv that do not make a bytes field are ignored. */
static void test_header_paths(void **state)
{
	(void)state;
	struct sr_record in = make_record(SR_REC_CAPTURE_HEADER, 3), out;
	const char *paths = "hooks=syscall-tracepoints copy=scratch core=compat accept=fexit";
	struct blob b = encode(&in);
	size_t plen = strlen(paths);
	char err[128];

	assert_int_equal(sr_record_decode(b.p, b.len, &out, err, sizeof(err)), (long)b.len);
	assert_int_equal(out.hdr.paths.len, plen);
	assert_memory_equal(out.hdr.paths.ptr, paths, plen);
	assert_memory_equal(b.p + b.len - plen, paths, plen); /* last on disk */
	/* cut off the whole field (4-byte length + text): a minor 0 header;
	 * cut inside it: trailing bytes, ignored */
	for (size_t cut = 1; cut <= plen + 4; cut++) {
		sr_put_le32(b.p, (uint32_t)(b.len - SR_RECORD_HDR - cut));
		assert_int_equal(sr_record_decode(b.p, b.len - cut, &out, err, sizeof(err)),
				 (long)(b.len - cut));
		assert_int_equal(out.hdr.paths.len, 0);
		assert_int_equal(out.hdr.ncpus, 2);
		assert_memory_equal(out.hdr.kernel_release.ptr, "6.18.0", 6);
	}
	free(b.p);
}

static void test_lengths_not_trusted(void **state)
{
	(void)state;
	uint8_t raw[64], body[32] = { 0 };
	size_t n = put_rec(raw, SR_REC_END, body, 32);
	char err[256];
	struct sr_record out;

	/* a block header (with a valid CRC) that claims 4 GiB of compressed data */
	struct blob f = hand_archive(raw, n, 1, 0xFFFFFFF0u);
	struct srz_reader *r = srz_reader_open_mem(f.p, f.len, err, sizeof(err));
	assert_int_equal(srz_reader_next(r, &out), -1);
	assert_non_null(strstr(srz_reader_error(r), "compressed bytes (limit"));
	assert_int_equal(srz_reader_error_offset(r), SRZ_FILE_HDR_LEN);
	srz_reader_free(r);
	free(f.p);

	/* a record whose length runs past its block */
	sr_put_le32(raw, 1000);
	f = hand_archive(raw, n, 1, 0);
	r = srz_reader_open_mem(f.p, f.len, err, sizeof(err));
	assert_int_equal(srz_reader_next(r, &out), -1);
	assert_non_null(strstr(srz_reader_error(r), "runs past the end of its block"));
	srz_reader_free(r);
	free(f.p);

	/* a data record claiming more payload than its body holds */
	struct sr_record d = make_record(SR_REC_DATA, 0);
	uint8_t raw2[1024];
	n = sr_record_encode(&d, raw2, sizeof(raw2));
	sr_put_le32(raw2 + 8 + 100, 0x7FFFFFFF); /* payload length field */
	f = hand_archive(raw2, n, 1, 0);
	r = srz_reader_open_mem(f.p, f.len, err, sizeof(err));
	assert_int_equal(srz_reader_next(r, &out), -1);
	assert_non_null(strstr(srz_reader_error(r), "data payload"));
	srz_reader_free(r);
	free(f.p);

	/* the record count in the block header must match */
	n = put_rec(raw, SR_REC_END, body, 32);
	f = hand_archive(raw, n, 2, 0);
	r = srz_reader_open_mem(f.p, f.len, err, sizeof(err));
	assert_int_equal(srz_reader_next(r, &out), 1);
	assert_int_equal(srz_reader_next(r, &out), -1);
	assert_non_null(strstr(srz_reader_error(r), "holds 1 records, header says 2"));
	srz_reader_free(r);
	free(f.p);
}

static void test_not_an_archive(void **state)
{
	(void)state;
	char err[256];
	const char text[] = "GET / HTTP/1.1\r\n\r\n";
	assert_null(sr_archive_open_mem(text, sizeof(text), err, sizeof(err)));
	assert_non_null(strstr(err, "not a sockrec archive"));
	assert_null(srz_reader_open_mem(text, sizeof(text), err, sizeof(err)));
	assert_non_null(strstr(err, "not an .srz archive"));
	assert_null(sr_archive_open_path("/nonexistent/x.srz", err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
}

static void test_header_only_is_interrupted(void **state)
{
	(void)state;
	/* a writer that died before its first block: readable, but says so */
	int fd = tu_memfd("srz-test");
	struct srz_writer *w = srz_writer_create(fd, NULL, NULL, 0);
	assert_int_equal(srz_writer_close(w, 0), 0);
	struct blob f = tu_slurp(fd);
	assert_int_equal(f.len, SRZ_FILE_HDR_LEN);
	char err[256];
	struct srz_reader *r = srz_reader_open_mem(f.p, f.len, err, sizeof(err));
	struct sr_record out;
	assert_int_equal(srz_reader_next(r, &out), -1);
	assert_non_null(strstr(srz_reader_error(r), "without an end record"));
	assert_int_equal(srz_reader_error_offset(r), SRZ_FILE_HDR_LEN);
	srz_reader_free(r);
	free(f.p);
	close(fd);
}

/* ---------- disk full ---------- */

static void test_write_failure_loses_only_open_block(void **state)
{
	(void)state;
	/* a memfd sealed against growth fails writes past its size, as a full
	 * disk does; the writer must leave every complete block readable */
	int fd = tu_memfd("srz-test");
	struct srz_writer *w = srz_writer_create(fd, NULL, NULL, 0);
	struct sr_record r = make_record(SR_REC_CAPTURE_HEADER, 0);
	assert_int_equal(srz_writer_append(w, &r), 0);
	for (uint32_t i = 0; i < 5; i++) {
		r = make_record(SR_REC_DATA, i);
		assert_int_equal(srz_writer_append(w, &r), 0);
	}
	assert_int_equal(srz_writer_flush(w), 0);
	uint64_t good = srz_writer_bytes(w);

	assert_int_equal(ftruncate(fd, (off_t)good + 40), 0);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), 0);
	r = make_record(SR_REC_DATA, 99);
	r.data.payload = pat(0, 60000); /* incompressible: the block cannot fit */
	r.data.bytes = 60000;
	assert_int_equal(srz_writer_append(w, &r), 0);
	int rc = srz_writer_flush(w);
	assert_true(rc < 0);
	assert_true(strlen(srz_writer_error(w)) > 0);
	/* later appends fail too instead of writing after a hole */
	assert_int_equal(srz_writer_append(w, &r), rc);
	srz_writer_close(w, 0);

	struct blob f = tu_slurp(fd);
	assert_int_equal(f.len, good); /* cut back to the last complete block */
	struct blob got[8];
	size_t n;
	char err[256];
	uint64_t off;
	assert_int_equal(read_all(&f, got, 8, &n, err, sizeof(err), &off), -1);
	assert_int_equal(n, 6);
	assert_int_equal(off, good);
	for (size_t i = 0; i < n; i++)
		free(got[i].p);
	free(f.p);
	close(fd);
}

static void test_block_closes_at_target_size(void **state)
{
	(void)state;
	/* 3.5 MiB of records: blocks close before 1 MiB, none is larger */
	int fd = tu_memfd("srz-test");
	struct srz_writer *w = srz_writer_create(fd, NULL, NULL, 0);
	struct sr_record r = make_record(SR_REC_DATA, 0);
	r.data.payload = pat(0, 100000);
	r.data.bytes = 100000;
	for (int i = 0; i < 36; i++)
		assert_int_equal(srz_writer_append(w, &r), 0);
	r = make_record(SR_REC_END, 0);
	assert_int_equal(srz_writer_append(w, &r), 0);
	assert_int_equal(srz_writer_close(w, 0), 0);
	struct blob f = tu_slurp(fd);
	size_t off = SRZ_FILE_HDR_LEN, blocks = 0;
	while (off < f.len) {
		assert_int_equal(sr_le32(f.p + off), SRZ_BLOCK_MAGIC);
		uint32_t clen = sr_le32(f.p + off + 12), rlen = sr_le32(f.p + off + 16);
		assert_true(rlen <= SRZ_BLOCK_TARGET);
		assert_int_equal(sr_le32(f.p + off + 8), blocks); /* sequence numbers */
		off += SRZ_BLOCK_HDR_LEN + clen;
		blocks++;
	}
	assert_int_equal(off, f.len);
	assert_int_equal(blocks, 4); /* 10 records of 100,108 bytes fit in 1 MiB */
	free(f.p);
	close(fd);
}

static void test_tick_closes_old_block(void **state)
{
	(void)state;
	int fd = tu_memfd("srz-test");
	struct srz_writer *w = srz_writer_create(fd, NULL, NULL, 0);
	struct sr_record r = make_record(SR_REC_DATA, 0);
	struct timespec ts;
	assert_int_equal(srz_writer_append(w, &r), 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	assert_int_equal(srz_writer_tick(w, now), 0);
	assert_int_equal(srz_writer_bytes(w), SRZ_FILE_HDR_LEN); /* too young */
	assert_int_equal(srz_writer_tick(w, now + SRZ_BLOCK_MAX_AGE_NS), 0);
	assert_true(srz_writer_bytes(w) > SRZ_FILE_HDR_LEN); /* written */
	srz_writer_close(w, 0);
	close(fd);
}

static void test_crc32_known_value(void **state)
{
	(void)state;
	assert_int_equal(sr_crc32(0, "123456789", 9), 0xCBF43926u);
}

/* Writes a few small archives (valid, cut, flipped) as fuzz seeds. */
static int write_corpus(const char *dir)
{
	struct multi *m;
	char path[512];
	fill_pattern();
	m = make_multi();
	struct { const char *name; size_t len; } cuts[] = {
		{ "full.srz", m->file.len },
		{ "cut-mid-block.srz", (size_t)(m->block_end[1] + 17) },
		{ "cut-at-block.srz", (size_t)m->block_end[2] },
		{ "header-only.srz", SRZ_FILE_HDR_LEN },
	};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, cuts[i].name);
		FILE *f = fopen(path, "wb");
		if (!f)
			return 1;
		fwrite(m->file.p, 1, cuts[i].len, f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/flipped.srz", dir);
	FILE *f = fopen(path, "wb");
	m->file.p[m->block_end[0] + 50] ^= 0x10;
	fwrite(m->file.p, 1, m->file.len, f);
	fclose(f);
	free_multi(m);
	return 0;
}

int main(int argc, char **argv)
{
	fill_pattern();
	if (argc == 3 && !strcmp(argv[1], "--write-corpus"))
		return write_corpus(argv[2]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32_known_value),
		cmocka_unit_test(test_roundtrip_every_type),
		cmocka_unit_test(test_roundtrip_empty_fields),
		cmocka_unit_test(test_maximum_sizes),
		cmocka_unit_test(test_cut_at_every_offset),
		cmocka_unit_test(test_cut_file_reader),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_unknown_type_skipped),
		cmocka_unit_test(test_process_environ_source),
		cmocka_unit_test(test_header_paths),
		cmocka_unit_test(test_lengths_not_trusted),
		cmocka_unit_test(test_not_an_archive),
		cmocka_unit_test(test_header_only_is_interrupted),
		cmocka_unit_test(test_write_failure_loses_only_open_block),
		cmocka_unit_test(test_block_closes_at_target_size),
		cmocka_unit_test(test_tick_closes_old_block),
	};
	return cmocka_run_group_tests_name("srz", tests, NULL, NULL);
}
