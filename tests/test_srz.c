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
 *    complete enough for a third-party writer);
 *  - compact data records (format 2.0): encode -> decode gives every field
 *    back, the same records written whole read back identically, contexts
 *    start over at every block (natural and forced boundaries), a full
 *    context table falls back to whole records, and hostile compact bytes
 *    (a missing or out-of-range context, a context of another block, bad
 *    varints, payloads that do not fit) are refused by message;
 *  - majors 1 and 2 read, others refused by name.
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
#include "srz_compact.h"

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

/* full_records: data records whole (a 1.2 archive); else compact */
static struct multi *make_multi(int full_records)
{
	struct multi *m = calloc(1, sizeof(*m));
	int fd = tu_memfd("srz-test");
	struct srz_writer_opts o = { .full_records = full_records };
	struct srz_writer *w = srz_writer_create(fd, &o, NULL, 0);
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

static void test_cut_at_every_offset_mode(int full_records)
{
	struct multi *m = make_multi(full_records);
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

/* compact (2.0) and whole data records (1.2) */
static void test_cut_at_every_offset(void **state)
{
	(void)state;
	test_cut_at_every_offset_mode(0);
	test_cut_at_every_offset_mode(1);
}

static void test_cut_file_reader(void **state)
{
	(void)state;
	/* the file-descriptor reader sees the same prefix as the memory reader */
	struct multi *m = make_multi(0);
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

static void test_bit_flips_mode(int full_records)
{
	struct multi *m = make_multi(full_records);
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

/* compact (2.0) and whole data records (1.2) */
static void test_bit_flips(void **state)
{
	(void)state;
	test_bit_flips_mode(0);
	test_bit_flips_mode(1);
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

/* ---------- compact data records (format 2.0) ---------- */

/* A stream of data records on a few sockets, with every field moving the
 * way it can: tid changes, both directions, tcp_seq valid and not, a gap
 * in tcp_seq, time going backwards, a 16-character comm, IPv6, empty and
 * maximum payloads, a byte count past 32 bits. */
static struct sr_record make_data_stream(uint32_t k)
{
	struct sr_record r = make_record(SR_REC_DATA, k % 5);
	struct sr_data *d = &r.data;
	uint32_t sock = k % 5;

	d->ts_ns = 1000000000ull + (uint64_t)k * 1500 - (k % 7 == 3 ? 4000 : 0);
	d->tgid = 100 + sock % 3;
	d->tid = d->tgid + (k % 11 == 0 ? 7 : 0);
	d->sock_id = 5000 + sock;
	d->fd = (int32_t)(3 + sock);
	d->dir = k % 2 ? SR_DIR_RECV : SR_DIR_SEND;
	d->syscall = d->dir == SR_DIR_RECV ? SR_SYS_RECVFROM : SR_SYS_SENDTO;
	if (sock == 4) {
		d->family = 6;
		memset(d->laddr, 0, 16);
		memset(d->raddr, 0, 16);
		d->laddr[15] = 1;
		d->raddr[0] = 0xfe, d->raddr[15] = 2;
		memcpy(d->comm, "ABCDEFGHIJKLMNOP", 16); /* 16 characters, no NUL */
	}
	d->payload = pat(k % 4000, 10 + k % 200);
	d->bytes = d->payload.len;
	d->flags = k % 13 == 5 ? 0 : SR_DATA_SEQ_VALID;
	d->tcp_seq = d->flags ? 1000000u * sock + 37u * k + (k % 17 == 9 ? 5000u : 0u) : 0;
	if (k % 29 == 7) {
		d->payload = pat(0, 0);
		d->bytes = 5ull << 32; /* sendfile: counted, none copied */
		d->flags |= SR_DATA_NO_PAYLOAD;
	}
	if (k % 97 == 50) {
		d->payload = pat(1, SR_MAX_SNAPLEN);
		d->bytes = 10ull << 30;
		d->flags |= SR_DATA_TRUNCATED;
	}
	return r;
}

/* The file's header version. */
static void assert_version(const struct blob *f, uint16_t major, uint16_t minor)
{
	assert_true(f->len >= SRZ_FILE_HDR_LEN);
	assert_int_equal(sr_le16(f->p + 16), major);
	assert_int_equal(sr_le16(f->p + 18), minor);
}

/* The raw records of block i (decompressed), for looking at the framing. */
static struct blob block_raw(const struct blob *f, unsigned i)
{
	size_t off = SRZ_FILE_HDR_LEN;
	struct blob b;

	for (unsigned k = 0; k < i; k++)
		off += SRZ_BLOCK_HDR_LEN + sr_le32(f->p + off + 12);
	assert_true(off + SRZ_BLOCK_HDR_LEN <= f->len);
	b.len = sr_le32(f->p + off + 16);
	b.p = malloc(b.len);
	assert_int_equal(ZSTD_decompress(b.p, b.len, f->p + off + SRZ_BLOCK_HDR_LEN,
					 sr_le32(f->p + off + 12)),
			 b.len);
	return b;
}

/* counts the records of each type in raw records */
static void count_types(const struct blob *raw, size_t counts[16])
{
	memset(counts, 0, 16 * sizeof(counts[0]));
	for (size_t off = 0; off < raw->len;) {
		uint16_t t = sr_le16(raw->p + off + 4);
		counts[t < 16 ? t : 0]++;
		off += SR_RECORD_HDR + sr_le32(raw->p + off);
	}
}

#define CSTREAM 600

/* Encode -> decode gives every field back; the same records written whole
 * (full_records, a 1.2 archive) read back identically; the compact archive
 * is the smaller; each block defines its own contexts. */
static void test_compact_roundtrip(void **state)
{
	(void)state;
	struct srz_writer_opts full = { .full_records = 1 };
	int fc = tu_memfd("srz-c"), ff = tu_memfd("srz-f");
	struct srz_writer *wc = srz_writer_create(fc, NULL, NULL, 0);
	struct srz_writer *wf = srz_writer_create(ff, &full, NULL, 0);
	static struct blob want[CSTREAM + 2];
	size_t n = 0;

	want[n] = encode(&(struct sr_record){ .type = SR_REC_CAPTURE_HEADER });
	assert_int_equal(srz_writer_append(wc, &(struct sr_record){ .type = SR_REC_CAPTURE_HEADER }), 0);
	assert_int_equal(srz_writer_append(wf, &(struct sr_record){ .type = SR_REC_CAPTURE_HEADER }), 0);
	n++;
	for (uint32_t k = 0; k < CSTREAM; k++, n++) {
		struct sr_record r = make_data_stream(k);
		assert_int_equal(srz_writer_append(wc, &r), 0);
		assert_int_equal(srz_writer_append(wf, &r), 0);
		/* what the record reads back as whole: a comm of 16 characters
		 * loses its last, as a full record's does */
		struct blob once = encode(&r);
		struct sr_record back;
		assert_int_equal(sr_record_decode(once.p, once.len, &back, NULL, 0), (long)once.len);
		want[n] = encode(&back);
		free(once.p);
		if (k == 250) { /* a block boundary in the middle of every socket */
			assert_int_equal(srz_writer_flush(wc), 0);
			assert_int_equal(srz_writer_flush(wf), 0);
		}
	}
	struct sr_record end = make_record(SR_REC_END, 1);
	want[n++] = encode(&end);
	assert_int_equal(srz_writer_append(wc, &end), 0);
	assert_int_equal(srz_writer_append(wf, &end), 0);
	/* records counts what was appended, not the context records */
	assert_int_equal(srz_writer_records(wc), n);
	assert_int_equal(srz_writer_close(wc, 0), 0);
	assert_int_equal(srz_writer_close(wf, 0), 0);

	struct blob fcomp = tu_slurp(fc), ffull = tu_slurp(ff);
	static struct blob got[CSTREAM + 2];
	size_t m;
	char err[256];
	uint64_t off;
	assert_version(&fcomp, 2, 0);
	assert_version(&ffull, 1, 2);
	for (int pass = 0; pass < 2; pass++) {
		assert_int_equal(read_all(pass ? &ffull : &fcomp, got, n, &m, err, sizeof(err), &off), 0);
		assert_int_equal(m, n);
		for (size_t i = 0; i < n; i++) {
			if (got[i].len != want[i].len || memcmp(got[i].p, want[i].p, got[i].len))
				fail_msg("%s archive: record %zu differs", pass ? "full" : "compact", i);
			free(got[i].p);
		}
	}
	print_message("compact: %zu bytes, full records: %zu bytes\n", fcomp.len, ffull.len);
	assert_true(fcomp.len < ffull.len);

	/* the framing: contexts once per socket and block, compact records
	 * for every data record; the second block starts its contexts over */
	struct blob b0 = block_raw(&fcomp, 0), b1 = block_raw(&fcomp, 1);
	size_t c0[16], c1[16];
	count_types(&b0, c0);
	count_types(&b1, c1);
	assert_int_equal(c0[SR_REC_DATA_CTX], 5); /* 5 sockets */
	assert_int_equal(c0[SR_REC_DATA_COMPACT], 251);
	assert_int_equal(c0[SR_REC_DATA], 0);
	assert_int_equal(c1[SR_REC_DATA_COMPACT], CSTREAM - 251);
	assert_int_equal(c1[SR_REC_DATA_CTX], c0[SR_REC_DATA_CTX]);
	assert_int_equal(sr_le16(b1.p + 4), SR_REC_DATA_CTX); /* before any reference */
	free(b0.p);
	free(b1.p);

	/* decoded fields, not only bytes: the 16-character comm as a full
	 * record decodes it, IPv6, the byte count past 32 bits */
	struct srz_reader *r = srz_reader_open_mem(fcomp.p, fcomp.len, err, sizeof(err));
	struct sr_record out;
	assert_int_equal(srz_reader_next(r, &out), 1);
	for (uint32_t k = 0; k < CSTREAM; k++) {
		struct sr_record in = make_data_stream(k);
		assert_int_equal(srz_reader_next(r, &out), 1);
		assert_int_equal(out.type, SR_REC_DATA);
		assert_true(out.compact);
		assert_int_equal(out.data.ts_ns, in.data.ts_ns);
		assert_int_equal(out.data.tid, in.data.tid);
		assert_int_equal(out.data.tcp_seq, in.data.tcp_seq);
		assert_int_equal(out.data.bytes, in.data.bytes);
		assert_int_equal(out.data.family, in.data.family);
		assert_int_equal(out.data.payload.len, in.data.payload.len);
		if (in.data.family == 6)
			assert_string_equal(out.data.comm, "ABCDEFGHIJKLMNO");
	}
	srz_reader_free(r);
	for (size_t i = 0; i < n; i++)
		free(want[i].p);
	free(fcomp.p);
	free(ffull.p);
	close(fc);
	close(ff);
}

/* More sockets than a block's context table holds: the rest are written
 * whole, and everything still reads back. */
static void test_compact_table_full(void **state)
{
	(void)state;
	int fd = tu_memfd("srz-c");
	struct srz_writer *w = srz_writer_create(fd, NULL, NULL, 0);
	const uint32_t nsock = SRZC_MAX_CTX + 100;
	struct blob got[2 * (SRZC_MAX_CTX + 100) + 1];
	size_t m, counts[16];
	char err[256];
	uint64_t off;

	for (uint32_t k = 0; k < 2 * nsock; k++) {
		struct sr_record r = make_record(SR_REC_DATA, k % nsock);
		r.data.payload = pat(k, 8);
		r.data.bytes = 8;
		assert_int_equal(srz_writer_append(w, &r), 0);
	}
	struct sr_record end = make_record(SR_REC_END, 1);
	assert_int_equal(srz_writer_append(w, &end), 0);
	assert_int_equal(srz_writer_close(w, 0), 0);
	struct blob f = tu_slurp(fd), b0 = block_raw(&f, 0);
	count_types(&b0, counts);
	assert_int_equal(counts[SR_REC_DATA_CTX], SRZC_MAX_CTX);
	assert_int_equal(counts[SR_REC_DATA_COMPACT], 2 * SRZC_MAX_CTX);
	assert_int_equal(counts[SR_REC_DATA], 2 * 100);
	assert_int_equal(read_all(&f, got, 2 * nsock + 1, &m, err, sizeof(err), &off), 0);
	assert_int_equal(m, 2 * nsock + 1);
	for (uint32_t k = 0; k < 2 * nsock; k++) {
		struct sr_record r = make_record(SR_REC_DATA, k % nsock);
		r.data.payload = pat(k, 8);
		r.data.bytes = 8;
		struct blob b = encode(&r);
		assert_int_equal(got[k].len, b.len);
		assert_memory_equal(got[k].p, b.p, b.len);
		free(b.p);
	}
	for (size_t i = 0; i < m; i++)
		free(got[i].p);
	free(b0.p);
	free(f.p);
	close(fd);
}

/* Blocks that close because the next record does not fit: each block
 * starts its contexts over, and every record reads back. */
static void test_compact_natural_boundary(void **state)
{
	(void)state;
	int fd = tu_memfd("srz-c");
	struct srz_writer *w = srz_writer_create(fd, NULL, NULL, 0);
	struct blob want[41], got[41];
	size_t m, counts[16];
	char err[256];
	uint64_t off;

	for (uint32_t k = 0; k < 40; k++) {
		struct sr_record r = make_record(SR_REC_DATA, k % 2);
		r.data.payload = pat(k, 100000);
		r.data.bytes = 100000;
		r.data.tcp_seq = 100000 * (k / 2 + 1);
		assert_int_equal(srz_writer_append(w, &r), 0);
		want[k] = encode(&r);
	}
	struct sr_record end = make_record(SR_REC_END, 1);
	assert_int_equal(srz_writer_append(w, &end), 0);
	want[40] = encode(&end);
	assert_int_equal(srz_writer_close(w, 0), 0);
	struct blob f = tu_slurp(fd);
	assert_int_equal(read_all(&f, got, 41, &m, err, sizeof(err), &off), 0);
	assert_int_equal(m, 41);
	for (size_t i = 0; i < m; i++) {
		assert_int_equal(got[i].len, want[i].len);
		assert_memory_equal(got[i].p, want[i].p, got[i].len);
		free(got[i].p);
		free(want[i].p);
	}
	for (unsigned b = 0; b < 4; b++) { /* 10 records of ~100 KB a block */
		struct blob raw = block_raw(&f, b);
		count_types(&raw, counts);
		assert_int_equal(counts[SR_REC_DATA_CTX], 2);
		assert_int_equal(counts[SR_REC_DATA_COMPACT], 10);
		assert_int_equal(sr_le16(raw.p + 4), SR_REC_DATA_CTX);
		free(raw.p);
	}
	free(f.p);
	close(fd);
}

/* appends a hand-made record: header + body */
static size_t put_raw(uint8_t *p, uint16_t type, const uint8_t *body, size_t len)
{
	sr_put_le32(p, (uint32_t)len);
	sr_put_le16(p + 4, type);
	sr_put_le16(p + 6, 0);
	memcpy(p + 8, body, len);
	return 8 + len;
}

/* A context body by FORMAT.md: tgid 42, tid 43, sock 9999, fd 7, IPv4
 * 127.0.0.1:40000 -> 127.0.0.2:8080, comm "curl". */
static size_t ctx_body(uint8_t b[73])
{
	memset(b, 0, 73);
	sr_put_le32(b, 42);
	sr_put_le32(b + 4, 43);
	sr_put_le64(b + 8, 9999);
	sr_put_le32(b + 16, 7);
	b[20] = 4;
	b[21] = 127, b[24] = 1;
	b[37] = 127, b[40] = 2;
	sr_put_le16(b + 53, 40000);
	sr_put_le16(b + 55, 8080);
	memcpy(b + 57, "curl", 4);
	return 73;
}

/* Builds a file (format 2.0) of nblocks blocks from raw record bytes. */
static struct blob hand_blocks(const struct blob *raw, const uint32_t *nrec, unsigned nblocks)
{
	size_t cap = SRZ_FILE_HDR_LEN, len;
	struct blob b;

	for (unsigned i = 0; i < nblocks; i++)
		cap += SRZ_BLOCK_HDR_LEN + ZSTD_compressBound(raw[i].len);
	b.p = calloc(1, cap);
	sr_put_le32(b.p, 0x184D2A50);
	sr_put_le32(b.p + 4, 20);
	memcpy(b.p + 8, "sockrec", 8);
	sr_put_le16(b.p + 16, 2);
	sr_put_le16(b.p + 18, 0);
	sr_put_le32(b.p + 24, sr_crc32(0, b.p + 8, 16));
	len = SRZ_FILE_HDR_LEN;
	for (unsigned i = 0; i < nblocks; i++) {
		uint8_t *h = b.p + len;
		ZSTD_CCtx *c = ZSTD_createCCtx();
		ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
		size_t clen = ZSTD_compress2(c, h + SRZ_BLOCK_HDR_LEN, cap - len - SRZ_BLOCK_HDR_LEN,
					     raw[i].p, raw[i].len);
		assert_false(ZSTD_isError(clen));
		ZSTD_freeCCtx(c);
		sr_put_le32(h, 0x184D2A51);
		sr_put_le32(h + 4, 28);
		sr_put_le32(h + 8, i);
		sr_put_le32(h + 12, (uint32_t)clen);
		sr_put_le32(h + 16, (uint32_t)raw[i].len);
		sr_put_le32(h + 20, nrec[i]);
		sr_put_le32(h + 28, sr_crc32(0, h + SRZ_BLOCK_HDR_LEN, clen));
		sr_put_le32(h + 32, sr_crc32(0, h + 8, 24));
		len += SRZ_BLOCK_HDR_LEN + clen;
	}
	b.len = len;
	return b;
}

/* A compact archive built from FORMAT.md alone decodes to the fields the
 * spec says: the context's fields, ts and tcp_seq from their deltas, the
 * tid that follows when bit 0 is set. */
static void test_compact_from_spec(void **state)
{
	(void)state;
	uint8_t raw[1024], body[128];
	size_t n = 0;
	struct blob blk;
	uint32_t nrec = 4;

	n += put_raw(raw + n, SR_REC_DATA_CTX, body, ctx_body(body));
	/* ctx 0, bits 0 (send, context tid), ts 1,000,000 (zigzag 2,000,000 =
	 * 0x1E8480: 80 89 7A), syscall 2, flags 8, seq: predicted 0 + 5,
	 * actual 1005: delta 1000, zigzag 2000 (D0 0F), bytes 5, len 5 */
	static const uint8_t r1[] = { 0x00, 0x00, 0x80, 0x89, 0x7A, 0x02, 0x08, 0xD0, 0x0F,
				      0x05, 0x05, 'h', 'e', 'l', 'l', 'o' };
	n += put_raw(raw + n, SR_REC_DATA_COMPACT, r1, sizeof(r1));
	/* ctx 0, bits 3 (receive, tid follows: 77), ts -10 (zigzag 19),
	 * syscall 1, flags 0 (tcp_seq as is: 300 = AC 02), bytes 2, len 2 */
	static const uint8_t r2[] = { 0x00, 0x03, 0x13, 0x4D, 0x01, 0x00, 0xAC, 0x02, 0x02, 0x02,
				      'o', 'k' };
	n += put_raw(raw + n, SR_REC_DATA_COMPACT, r2, sizeof(r2));
	/* ctx 0, send, context tid (now 77), ts +20 (zigzag 40), syscall 2,
	 * flags 8, seq: predicted 1005 + 3, actual the same: 0, bytes 3 */
	static const uint8_t r3[] = { 0x00, 0x00, 0x28, 0x02, 0x08, 0x00, 0x03, 0x03, 'a', 'b', 'c' };
	n += put_raw(raw + n, SR_REC_DATA_COMPACT, r3, sizeof(r3));
	blk = (struct blob){ raw, n };
	struct blob f = hand_blocks(&blk, &nrec, 1);

	char err[256];
	struct srz_reader *r = srz_reader_open_mem(f.p, f.len, err, sizeof(err));
	struct sr_record out;
	assert_non_null(r);
	assert_int_equal(srz_reader_next(r, &out), 1);
	assert_int_equal(out.type, SR_REC_DATA);
	assert_int_equal(out.data.ts_ns, 1000000);
	assert_int_equal(out.data.tgid, 42);
	assert_int_equal(out.data.tid, 43);
	assert_int_equal(out.data.sock_id, 9999);
	assert_int_equal(out.data.fd, 7);
	assert_int_equal(out.data.syscall, SR_SYS_WRITE);
	assert_int_equal(out.data.dir, SR_DIR_SEND);
	assert_int_equal(out.data.family, 4);
	assert_int_equal(out.data.raddr[3], 2);
	assert_int_equal(out.data.lport, 40000);
	assert_int_equal(out.data.rport, 8080);
	assert_int_equal(out.data.flags, SR_DATA_SEQ_VALID);
	assert_int_equal(out.data.tcp_seq, 1005);
	assert_int_equal(out.data.bytes, 5);
	assert_string_equal(out.data.comm, "curl");
	assert_memory_equal(out.data.payload.ptr, "hello", 5);
	assert_int_equal(srz_reader_next(r, &out), 1);
	assert_int_equal(out.data.ts_ns, 1000000 - 10);
	assert_int_equal(out.data.tid, 77);
	assert_int_equal(out.data.dir, SR_DIR_RECV);
	assert_int_equal(out.data.tcp_seq, 300);
	assert_int_equal(out.data.flags, 0);
	assert_int_equal(srz_reader_next(r, &out), 1);
	assert_int_equal(out.data.ts_ns, 1000000 + 10);
	assert_int_equal(out.data.tid, 77);
	assert_int_equal(out.data.tcp_seq, 1008);
	/* no end record: interrupted, said so */
	assert_int_equal(srz_reader_next(r, &out), -1);
	assert_non_null(strstr(srz_reader_error(r), "without an end record"));
	srz_reader_free(r);
	free(f.p);
}

/* Hostile compact blocks: each is refused with a message naming the block
 * and the record, after exactly the records before it. */
static void test_compact_hostile(void **state)
{
	(void)state;
	uint8_t cb[128];
	static const uint8_t ok[] = { 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x01, 0x01, 'x' };
	struct {
		const char *name;
		uint8_t body[80];
		size_t len;
		uint16_t type;
		int with_ctx;
		const char *want;
	} cases[] = {
		{ "no context at all", { 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00 }, 8,
		  SR_REC_DATA_COMPACT, 0, "refers to context 0; this block has defined 0" },
		{ "context out of range", { 0x05, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00 }, 8,
		  SR_REC_DATA_COMPACT, 1, "refers to context 5; this block has defined 1" },
		{ "context number past 32 bits", { 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x00 }, 6,
		  SR_REC_DATA_COMPACT, 1, "context number does not fit" },
		{ "unknown bits", { 0x00, 0x04, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00 }, 8,
		  SR_REC_DATA_COMPACT, 1, "unknown bits 0x04" },
		{ "varint of 11 bytes", { 0x00, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
					  0x80, 0x80, 0x01 },
		  13, SR_REC_DATA_COMPACT, 1, "out of range" },
		{ "syscall past 16 bits", { 0x00, 0x00, 0x02, 0x80, 0x80, 0x04, 0x00, 0x00, 0x00, 0x00 },
		  10, SR_REC_DATA_COMPACT, 1, "out of range" },
		{ "body ends inside a field", { 0x00, 0x00, 0x02, 0x02 }, 4, SR_REC_DATA_COMPACT, 1,
		  "cut" },
		{ "payload longer than the bytes", { 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x01, 0x02, 'a', 'b' },
		  10, SR_REC_DATA_COMPACT, 1, "longer than the bytes moved" },
		{ "payload past its body", { 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x09, 0x09, 'a' }, 9,
		  SR_REC_DATA_COMPACT, 1, "runs past its body" },
		{ "payload over the snaplen", { 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x80, 0x80, 0x20,
						0x81, 0x80, 0x10 },
		  12, SR_REC_DATA_COMPACT, 1, "out of range" },
		{ "context body too short", { 0 }, 72, SR_REC_DATA_CTX, 1, "72-byte body, needs 73" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t raw[512];
		size_t n = 0;
		uint32_t nrec = 0;
		if (cases[i].with_ctx) {
			n += put_raw(raw + n, SR_REC_DATA_CTX, cb, ctx_body(cb));
			n += put_raw(raw + n, SR_REC_DATA_COMPACT, ok, sizeof(ok));
			nrec += 2;
		}
		n += put_raw(raw + n, cases[i].type, cases[i].body, cases[i].len);
		nrec++;
		struct blob blk = { raw, n }, f = hand_blocks(&blk, &nrec, 1);
		char err[256];
		struct srz_reader *r = srz_reader_open_mem(f.p, f.len, err, sizeof(err));
		struct sr_record out;
		assert_non_null(r);
		if (cases[i].with_ctx) {
			assert_int_equal(srz_reader_next(r, &out), 1);
			assert_memory_equal(out.data.payload.ptr, "x", 1);
		}
		assert_int_equal(srz_reader_next(r, &out), -1);
		if (!strstr(srz_reader_error(r), cases[i].want) ||
		    !strstr(srz_reader_error(r), "block 0, record"))
			fail_msg("%s: error '%s' does not say '%s'", cases[i].name,
				 srz_reader_error(r), cases[i].want);
		assert_int_equal(srz_reader_error_offset(r), SRZ_FILE_HDR_LEN);
		assert_int_equal(srz_reader_next(r, &out), -1); /* stays failed */
		srz_reader_free(r);
		free(f.p);
	}

	/* contexts are block-local: block 1 cannot use block 0's context,
	 * and block 0's records come back before the error */
	{
		uint8_t raw0[256], raw1[64];
		size_t n0 = 0;
		n0 += put_raw(raw0, SR_REC_DATA_CTX, cb, ctx_body(cb));
		n0 += put_raw(raw0 + n0, SR_REC_DATA_COMPACT, ok, sizeof(ok));
		size_t n1 = put_raw(raw1, SR_REC_DATA_COMPACT, ok, sizeof(ok));
		struct blob blk[2] = { { raw0, n0 }, { raw1, n1 } };
		uint32_t nrec[2] = { 2, 1 };
		struct blob f = hand_blocks(blk, nrec, 2);
		char err[256];
		struct srz_reader *r = srz_reader_open_mem(f.p, f.len, err, sizeof(err));
		struct sr_record out;
		assert_int_equal(srz_reader_next(r, &out), 1);
		assert_int_equal(out.data.tgid, 42);
		assert_int_equal(srz_reader_next(r, &out), -1);
		assert_non_null(strstr(srz_reader_error(r),
				       "block 1, record 0: compact data record refers to context 0; "
				       "this block has defined 0"));
		assert_true(srz_reader_error_offset(r) > SRZ_FILE_HDR_LEN);
		srz_reader_free(r);
		free(f.p);
	}

	/* more contexts than a block may define */
	{
		size_t cap = (SRZC_MAX_CTX + 1) * (SR_RECORD_HDR + SRZC_CTX_BODY), n = 0;
		uint8_t *raw = malloc(cap);
		for (uint32_t i = 0; i <= SRZC_MAX_CTX; i++)
			n += put_raw(raw + n, SR_REC_DATA_CTX, cb, ctx_body(cb));
		uint32_t nrec = SRZC_MAX_CTX + 1;
		struct blob blk = { raw, n }, f = hand_blocks(&blk, &nrec, 1);
		char err[256];
		struct srz_reader *r = srz_reader_open_mem(f.p, f.len, err, sizeof(err));
		struct sr_record out;
		assert_int_equal(srz_reader_next(r, &out), -1);
		assert_non_null(strstr(srz_reader_error(r), "more than 1024 data contexts"));
		srz_reader_free(r);
		free(f.p);
		free(raw);
	}

	/* a block of nothing but a context: no record, then the end of input */
	{
		uint8_t raw[128];
		size_t n = put_raw(raw, SR_REC_DATA_CTX, cb, ctx_body(cb));
		uint32_t nrec = 1;
		struct blob blk = { raw, n }, f = hand_blocks(&blk, &nrec, 1);
		char err[256];
		struct srz_reader *r = srz_reader_open_mem(f.p, f.len, err, sizeof(err));
		struct sr_record out;
		assert_int_equal(srz_reader_next(r, &out), -1);
		assert_non_null(strstr(srz_reader_error(r), "without an end record"));
		srz_reader_free(r);
		free(f.p);
	}

	/* outside an .srz block the types are refused, and no writer takes them */
	{
		uint8_t raw[128];
		size_t n = put_raw(raw, SR_REC_DATA_CTX, cb, ctx_body(cb));
		struct sr_record out;
		char why[160];
		assert_int_equal(sr_record_decode(raw, n, &out, why, sizeof(why)), -1);
		assert_non_null(strstr(why, "outside an .srz block"));
		n = put_raw(raw, SR_REC_DATA_COMPACT, ok, sizeof(ok));
		assert_int_equal(sr_record_decode(raw, n, &out, why, sizeof(why)), -1);
		struct sr_record fake = { .type = SR_REC_DATA_COMPACT };
		fake.body = (struct sr_bytes){ ok, sizeof(ok) };
		assert_int_equal(sr_record_size(&fake), 0);
		int fd = tu_memfd("srz-c");
		struct srz_writer *w = srz_writer_create(fd, NULL, NULL, 0);
		assert_int_equal(srz_writer_append(w, &fake), -EINVAL);
		fake.type = SR_REC_DATA_CTX;
		assert_int_equal(srz_writer_append(w, &fake), -EINVAL);
		srz_writer_close(w, 1);
	}
}

/* Major versions: 1 and 2 read, 3 refused by name. */
static void test_versions(void **state)
{
	(void)state;
	uint8_t raw[64], body[32] = { 0 };
	size_t n = put_rec(raw, SR_REC_END, body, 32);
	struct blob f = hand_archive(raw, n, 1, 0); /* a 1.0 archive */
	char err[256];
	struct srz_reader *r = srz_reader_open_mem(f.p, f.len, err, sizeof(err));
	struct sr_record out;
	assert_non_null(r);
	assert_int_equal(srz_reader_next(r, &out), 1);
	srz_reader_free(r);
	sr_put_le16(f.p + 16, 3);
	sr_put_le32(f.p + 24, sr_crc32(0, f.p + 8, 16));
	assert_null(srz_reader_open_mem(f.p, f.len, err, sizeof(err)));
	assert_non_null(strstr(err, "archive format 3.0 is not readable by this version (reads 1.x to 2.x)"));
	sr_put_le16(f.p + 16, 0);
	sr_put_le32(f.p + 24, sr_crc32(0, f.p + 8, 16));
	assert_null(srz_reader_open_mem(f.p, f.len, err, sizeof(err)));
	free(f.p);
}

static void write_file(const char *dir, const char *name, const uint8_t *p, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
	fclose(f);
}

/* Writes a few small archives (valid, cut, flipped) as fuzz seeds: the
 * 1.x ones (data records whole) and compact ones (format 2.0). */
static int write_corpus(const char *dir)
{
	struct multi *m;
	fill_pattern();
	m = make_multi(1);
	struct { const char *name; size_t len; } cuts[] = {
		{ "full.srz", m->file.len },
		{ "cut-mid-block.srz", (size_t)(m->block_end[1] + 17) },
		{ "cut-at-block.srz", (size_t)m->block_end[2] },
		{ "header-only.srz", SRZ_FILE_HDR_LEN },
	};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		write_file(dir, cuts[i].name, m->file.p, cuts[i].len);
	m->file.p[m->block_end[0] + 50] ^= 0x10;
	write_file(dir, "flipped.srz", m->file.p, m->file.len);
	free_multi(m);

	/* compact: a stream of 5 sockets over 3 blocks, whole, cut, flipped */
	int fd = tu_memfd("srz-corpus");
	struct srz_writer *w = srz_writer_create(fd, NULL, NULL, 0);
	uint64_t ends[3];
	for (uint32_t k = 0; k < 90; k++) {
		struct sr_record r = make_data_stream(k);
		if (r.data.payload.len > 300) /* small seeds */
			r.data.payload.len = 300;
		srz_writer_append(w, &r);
		if (k % 30 == 29) {
			srz_writer_flush(w);
			ends[k / 30] = srz_writer_bytes(w);
		}
	}
	struct sr_record end = make_record(SR_REC_END, 1);
	srz_writer_append(w, &end);
	srz_writer_close(w, 0);
	struct blob f = tu_slurp(fd);
	close(fd);
	write_file(dir, "compact-stream.srz", f.p, f.len);
	write_file(dir, "compact-cut-mid-block.srz", f.p, (size_t)ends[0] + 40);
	f.p[ends[1] - 20] ^= 0x04;
	write_file(dir, "compact-flipped.srz", f.p, f.len);
	free(f.p);

	/* hostile, with valid CRCs: a context of another block, one out of range */
	uint8_t cb[128], raw0[256], raw1[64];
	static const uint8_t ok[] = { 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x01, 0x01, 'x' };
	static const uint8_t far[] = { 0x07, 0x00, 0x02, 0x02, 0x00, 0x00, 0x01, 0x01, 'x' };
	size_t n0 = put_raw(raw0, SR_REC_DATA_CTX, cb, ctx_body(cb));
	n0 += put_raw(raw0 + n0, SR_REC_DATA_COMPACT, ok, sizeof(ok));
	size_t n1 = put_raw(raw1, SR_REC_DATA_COMPACT, ok, sizeof(ok));
	struct blob blk[2] = { { raw0, n0 }, { raw1, n1 } };
	uint32_t nrec[2] = { 2, 1 };
	f = hand_blocks(blk, nrec, 2);
	write_file(dir, "compact-context-of-other-block.srz", f.p, f.len);
	free(f.p);
	n0 += put_raw(raw0 + n0, SR_REC_DATA_COMPACT, far, sizeof(far));
	nrec[0] = 3;
	blk[0].len = n0;
	f = hand_blocks(blk, nrec, 1);
	write_file(dir, "compact-context-out-of-range.srz", f.p, f.len);
	free(f.p);
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
		cmocka_unit_test(test_compact_roundtrip),
		cmocka_unit_test(test_compact_natural_boundary),
		cmocka_unit_test(test_compact_table_full),
		cmocka_unit_test(test_compact_from_spec),
		cmocka_unit_test(test_compact_hostile),
		cmocka_unit_test(test_versions),
	};
	return cmocka_run_group_tests_name("srz", tests, NULL, NULL);
}
