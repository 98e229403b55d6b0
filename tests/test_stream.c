/* test_stream.c - per-direction reassembly: order by tcp_seq, arrival order
 * without it, exact gaps for truncation, sendfile, faults and holes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "record.h"
#include "core/stream.h"
#include "base/util.h"

/* what the stream delivered: data as is, a gap as "<gap N why>" */
struct sink {
	struct dbuf out;
	unsigned ngaps;
	uint64_t gap_bytes;
};

static void sk_data(void *ctx, const uint8_t *p, size_t n, uint64_t ts)
{
	struct sink *s = ctx;
	(void)ts;
	dbuf_put(&s->out, p, n);
}

static void sk_gap(void *ctx, uint64_t n, enum stream_gap_why why, uint64_t ts)
{
	struct sink *s = ctx;
	(void)ts;
	dbuf_printf(&s->out, "<gap %llu %d>", (unsigned long long)n, (int)why);
	s->ngaps++;
	s->gap_bytes += n;
}

static const struct stream_ops ops = {sk_data, sk_gap};

struct fix {
	struct stream st;
	struct sink sk;
};

static void fix_init(struct fix *f)
{
	memset(f, 0, sizeof(*f));
	stream_init(&f->st, &ops, &f->sk);
}

static const char *fix_text(struct fix *f)
{
	return dbuf_cstr(&f->sk.out);
}

static void fix_free(struct fix *f)
{
	stream_free(&f->st);
	dbuf_free(&f->sk.out);
}

/* a record covering [start, start + strlen(s)) with a valid position */
static void push_seq(struct fix *f, uint32_t start, const char *s, uint64_t ts)
{
	struct stream_seg g = {0};
	g.ts = ts;
	g.payload = (const uint8_t *)s;
	g.cap_len = strlen(s);
	g.bytes = g.cap_len;
	g.flags = SR_DATA_SEQ_VALID;
	g.tcp_seq = start + (uint32_t)g.bytes;
	stream_push(&f->st, &g);
}

static void push_plain(struct fix *f, const char *s)
{
	struct stream_seg g = {0};
	g.payload = (const uint8_t *)s;
	g.cap_len = g.bytes = strlen(s);
	stream_push(&f->st, &g);
}

static void in_order(void **state)
{
	struct fix f;
	(void)state;
	fix_init(&f);
	push_seq(&f, 1000, "GET / ", 1);
	push_seq(&f, 1006, "HTTP/1.1\r\n", 2);
	stream_flush(&f.st);
	assert_string_equal(fix_text(&f), "GET / HTTP/1.1\r\n");
	assert_int_equal(f.sk.ngaps, 0);
	fix_free(&f);
}

/* two records of one direction recorded in the wrong order (two threads) */
static void reordered(void **state)
{
	struct fix f;
	(void)state;
	fix_init(&f);
	push_seq(&f, 1000, "abc", 1);
	push_seq(&f, 1006, "ghi", 2); /* early: held */
	assert_string_equal(fix_text(&f), "abc");
	push_seq(&f, 1003, "def", 3); /* fills the hole: both delivered */
	assert_string_equal(fix_text(&f), "abcdefghi");
	stream_flush(&f.st);
	assert_int_equal(f.sk.ngaps, 0);
	fix_free(&f);
}

/* MSG_PEEK then read, or overlapping records: each byte once */
static void overlap_once(void **state)
{
	struct fix f;
	(void)state;
	fix_init(&f);
	push_seq(&f, 1000, "hello", 1);
	push_seq(&f, 1000, "hello", 2);	   /* the same bytes again */
	push_seq(&f, 1003, "lo world", 3); /* overlaps by two */
	stream_flush(&f.st);
	assert_string_equal(fix_text(&f), "hello world");
	fix_free(&f);
}

/* a record cut at the snaplen: its missing bytes are an exact gap */
static void truncated_gap(void **state)
{
	struct fix f;
	struct stream_seg g = {0};
	(void)state;
	fix_init(&f);
	g.payload = (const uint8_t *)"abcd";
	g.cap_len = 4;
	g.bytes = 10;
	g.flags = SR_DATA_SEQ_VALID | SR_DATA_TRUNCATED;
	g.tcp_seq = 5010;
	stream_push(&f.st, &g);
	push_seq(&f, 5010, "XY", 2);
	stream_flush(&f.st);
	assert_string_equal(fix_text(&f), "abcd<gap 6 1>XY");
	assert_int_equal(f.st.missing, 6);
	fix_free(&f);
}

/* sendfile: bytes moved, none copied */
static void sendfile_gap(void **state)
{
	struct fix f;
	struct stream_seg g = {0};
	(void)state;
	fix_init(&f);
	push_seq(&f, 0, "HDR", 1);
	g.bytes = 4096;
	g.flags = SR_DATA_SEQ_VALID | SR_DATA_NO_PAYLOAD;
	g.tcp_seq = 3 + 4096;
	stream_push(&f.st, &g);
	push_seq(&f, 4099, "next", 3);
	stream_flush(&f.st);
	assert_string_equal(fix_text(&f), "HDR<gap 4096 2>next");
	fix_free(&f);
}

/* a lost record: the hole is declared once the reorder window passed */
static void hole_expires(void **state)
{
	struct fix f;
	(void)state;
	fix_init(&f);
	push_seq(&f, 100, "aaaa", 1000);
	push_seq(&f, 110, "cccc", 2000); /* 104..110 never comes */
	stream_expire(&f.st, 2000 + STREAM_REORDER_NS / 2);
	assert_string_equal(fix_text(&f), "aaaa");
	stream_expire(&f.st, 2000 + STREAM_REORDER_NS + 1);
	assert_string_equal(fix_text(&f), "aaaa<gap 6 4>cccc");
	fix_free(&f);
}

static void hole_at_flush(void **state)
{
	struct fix f;
	(void)state;
	fix_init(&f);
	push_seq(&f, 100, "aa", 1);
	push_seq(&f, 105, "bb", 2);
	stream_flush(&f.st);
	assert_string_equal(fix_text(&f), "aa<gap 3 4>bb");
	fix_free(&f);
}

/* a read that also took the FIN ends one position later: not a hole */
static void fin_in_position(void **state)
{
	struct fix f;
	struct stream_seg g = {0};
	(void)state;
	fix_init(&f);
	f.st.fin_in_seq = true;
	push_seq(&f, 1000, "HTTP/1.0 200 OK\r\n\r\n", 1); /* 19 bytes */
	g.payload = (const uint8_t *)"body";
	g.cap_len = g.bytes = 4;
	g.flags = SR_DATA_SEQ_VALID;
	g.tcp_seq = 1000 + 19 + 4 + 1; /* + the FIN */
	stream_push(&f.st, &g);
	stream_flush(&f.st);
	assert_string_equal(fix_text(&f), "HTTP/1.0 200 OK\r\n\r\nbody");
	assert_int_equal(f.sk.ngaps, 0);
	assert_int_equal(f.st.fin_seen, 1);
	fix_free(&f);

	/* on a send stream the same numbers are a one-byte hole */
	fix_init(&f);
	push_seq(&f, 1000, "HTTP/1.0 200 OK\r\n\r\n", 1);
	stream_push(&f.st, &g);
	stream_flush(&f.st);
	assert_string_equal(fix_text(&f), "HTTP/1.0 200 OK\r\n\r\n<gap 1 4>body");
	fix_free(&f);
}

/* no positions: arrival order */
static void arrival_order(void **state)
{
	struct fix f;
	(void)state;
	fix_init(&f);
	push_plain(&f, "one ");
	push_plain(&f, "two ");
	push_plain(&f, "three");
	stream_flush(&f.st);
	assert_string_equal(fix_text(&f), "one two three");
	fix_free(&f);
}

/* positions wrap at 2^32 */
static void seq_wraps(void **state)
{
	struct fix f;
	(void)state;
	fix_init(&f);
	push_seq(&f, 0xfffffffcu, "abcd", 1);
	push_seq(&f, 0xfffffffcu + 8, "ijkl", 2); /* early */
	push_seq(&f, 0, "efgh", 3);
	stream_flush(&f.st);
	assert_string_equal(fix_text(&f), "abcdefghijkl");
	fix_free(&f);
}

/* more early records than can be held: the oldest hole is given up */
static void pending_cap(void **state)
{
	struct fix f;
	char buf[8];
	(void)state;
	fix_init(&f);
	push_seq(&f, 0, "x", 1);
	/* records at 2, 3, ... leave a hole at 1 */
	for (unsigned i = 0; i < STREAM_MAX_PENDING + 1; i++) {
		snprintf(buf, sizeof(buf), "%c", 'a' + (i % 26));
		push_seq(&f, 2 + i, buf, 2 + i);
	}
	/* the cap forced the hole at 1 to be declared */
	assert_int_equal(f.sk.ngaps, 1);
	assert_int_equal(f.sk.gap_bytes, 1);
	assert_int_equal(f.st.npend, 0);
	stream_flush(&f.st);
	assert_int_equal(strlen(fix_text(&f)), 1 + strlen("<gap 1 4>") + STREAM_MAX_PENDING + 1);
	fix_free(&f);
}

/* a jump sequence numbers cannot explain: unknown gap, then on */
static void wild_jump(void **state)
{
	struct fix f;
	(void)state;
	fix_init(&f);
	push_seq(&f, 10, "ab", 1);
	push_seq(&f, 10 + 0x70000000u, "cd", 2);
	push_seq(&f, 12 + 0x70000000u, "ef", 3);
	stream_flush(&f.st);
	assert_string_equal(fix_text(&f), "ab<gap 0 5>cdef");
	assert_int_equal(f.st.unknown_gaps, 1);
	fix_free(&f);
}

/* one message in two records, split at every byte: always the same bytes,
 * with and without positions */
static void split_everywhere(void **state)
{
	static const char msg[] = "POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
	size_t n = strlen(msg);
	(void)state;
	for (size_t k = 0; k <= n; k++) {
		for (int seq = 0; seq < 2; seq++) {
			struct fix f;
			struct stream_seg a = {0}, b = {0};
			fix_init(&f);
			a.payload = (const uint8_t *)msg;
			a.cap_len = a.bytes = k;
			a.flags = seq ? SR_DATA_SEQ_VALID : 0;
			a.tcp_seq = 7000 + (uint32_t)k;
			b.payload = (const uint8_t *)msg + k;
			b.cap_len = b.bytes = n - k;
			b.flags = seq ? SR_DATA_SEQ_VALID : 0;
			b.tcp_seq = 7000 + (uint32_t)n;
			stream_push(&f.st, &a);
			stream_push(&f.st, &b);
			stream_flush(&f.st);
			assert_string_equal(fix_text(&f), msg);
			assert_int_equal(f.sk.ngaps, 0);
			fix_free(&f);
		}
	}
}

/* when the stream already knows its position, any order works */
static void split_reorder_known_origin(void **state)
{
	static const char msg[] = "HTTP/1.1 200 OK\r\n\r\n";
	size_t n = strlen(msg);
	(void)state;
	for (size_t k = 1; k < n; k++) {
		struct fix f;
		fix_init(&f);
		push_seq(&f, 100, "Z", 1);
		push_seq(&f, 101 + (uint32_t)k, msg + k, 2);
		char first[64];
		memcpy(first, msg, k);
		first[k] = 0;
		push_seq(&f, 101, first, 3);
		stream_flush(&f.st);
		assert_string_equal(fix_text(&f) + 1, msg);
		assert_int_equal(f.sk.ngaps, 0);
		fix_free(&f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(in_order),		cmocka_unit_test(reordered),
	    cmocka_unit_test(overlap_once),	cmocka_unit_test(truncated_gap),
	    cmocka_unit_test(sendfile_gap),	cmocka_unit_test(hole_expires),
	    cmocka_unit_test(hole_at_flush),	cmocka_unit_test(fin_in_position),
	    cmocka_unit_test(arrival_order),	cmocka_unit_test(seq_wraps),
	    cmocka_unit_test(pending_cap),	cmocka_unit_test(wild_jump),
	    cmocka_unit_test(split_everywhere), cmocka_unit_test(split_reorder_known_origin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
