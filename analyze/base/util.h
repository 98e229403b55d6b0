/* util - small pieces every analyzer module uses: allocation, a growable
 * byte buffer, a JSON writer, base64, UTF-8 checks, time and address text.
 *
 * Contract:
 *  - xmalloc()/xcalloc()/xrealloc()/xstrndup() never return NULL: on
 *    out-of-memory the analyzer prints one line and exits (status 2). Every
 *    growable buffer in the analyzer has its own named cap, so running out
 *    of memory means the machine is too small, not that input was hostile.
 *  - struct dbuf owns its bytes; dbuf_free() accepts a zeroed dbuf.
 *  - The JSON writer (jw_*) always produces valid JSON: strings are checked
 *    for UTF-8 and every invalid byte becomes U+FFFD (as Go's encoding/json
 *    does), control characters are escaped.
 *  - Nothing here reads a clock or depends on the locale.
 */
#ifndef AN_UTIL_H
#define AN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* prints "out of memory" and exits with status 2 */
void xoom(void) __attribute__((noreturn));
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrndup(const void *p, size_t n);
char *xstrdup(const char *s);
/* a NUL-terminated copy of p[0..n) cut at its first NUL (a text field of a
 * record); p may be NULL when n is 0 */
char *xtextdup(const void *p, size_t n);

/* ---- growable byte buffer ---- */

struct dbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

void dbuf_grow(struct dbuf *b, size_t extra);
/* room for extra more bytes (and a NUL) */
static inline void dbuf_reserve(struct dbuf *b, size_t extra)
{
	if (b->len + extra + 1 > b->cap || b->len + extra + 1 < b->len)
		dbuf_grow(b, extra);
}
static inline void dbuf_put(struct dbuf *b, const void *src, size_t n)
{
	if (!n)
		return;
	dbuf_reserve(b, n);
	__builtin_memcpy(b->p + b->len, src, n);
	b->len += n;
}
static inline void dbuf_putc(struct dbuf *b, char c)
{
	dbuf_reserve(b, 1);
	b->p[b->len++] = (uint8_t)c;
}
void dbuf_puts(struct dbuf *b, const char *s);
void dbuf_printf(struct dbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* decimal text of v */
void dbuf_u64(struct dbuf *b, uint64_t v);
/* NUL-terminates without counting the NUL in len */
const char *dbuf_cstr(struct dbuf *b);
void dbuf_free(struct dbuf *b);

/* ---- JSON writer ---- */

#define JW_MAX_DEPTH 32

struct jw {
	struct dbuf b;
	unsigned depth;
	bool after_key;
	bool has_item[JW_MAX_DEPTH];
};

void jw_reset(struct jw *w);
void jw_free(struct jw *w);
void jw_obj_open(struct jw *w);
void jw_obj_close(struct jw *w);
void jw_arr_open(struct jw *w);
void jw_arr_close(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s);
void jw_strn(struct jw *w, const void *s, size_t n);
void jw_u64(struct jw *w, uint64_t v);
void jw_i64(struct jw *w, int64_t v);
/* a number or literal already formatted as JSON */
void jw_raw(struct jw *w, const char *text);
void jw_b64(struct jw *w, const void *p, size_t n);

/* appends s as a JSON string body (no quotes) to b */
void json_escape(struct dbuf *b, const uint8_t *s, size_t n);

/* ---- text helpers ---- */

/* length of the valid UTF-8 sequence at s (1..4), or 0 if invalid */
size_t utf8_seq_len(const uint8_t *s, size_t n);
bool utf8_valid(const uint8_t *s, size_t n);
/* largest cut <= n that does not split a UTF-8 sequence started at or
 * before n (invalid bytes count as single characters) */
size_t utf8_cut(const uint8_t *s, size_t len, size_t n);

size_t b64_len(size_t n);
/* writes b64_len(n) chars plus a NUL into dst */
void b64_encode(char *dst, const uint8_t *src, size_t n);

/* "2024-04-08T18:24:10.123456789Z"; out must hold AN_TIME_LEN bytes */
#define AN_TIME_LEN 40
void fmt_time(char *out, int64_t wall_ns);
/* wall-clock ns of a boottime ns: wraps (never undefined) on hostile input */
static inline int64_t wall_of(uint64_t boot_ns, int64_t boot_to_wall)
{
	return (int64_t)(boot_ns + (uint64_t)boot_to_wall);
}

/* milliseconds with three decimals from nanoseconds: "12.345" */
void fmt_ms(char *out, size_t cap, uint64_t ns);

/* address text: family 4 or 6 (0: guess from the bytes); out holds 48 */
#define AN_IP_LEN 48
void fmt_ip(char *out, uint8_t family, const uint8_t addr[16]);
bool ip_is_loopback(uint8_t family, const uint8_t addr[16]);
bool ip_is_zero(const uint8_t addr[16]);
/* parses text into (family, addr); @return 0 or -1 */
int parse_ip(const char *s, size_t n, uint8_t *family, uint8_t addr[16]);

/* s (at most n bytes; NULL: "") into dst, cut at cap - 1 bytes and
 * NUL-terminated (cap 0: nothing written) */
void str_copyn(char *dst, size_t cap, const char *s, size_t n);
void str_copy(char *dst, size_t cap, const char *s);

static inline uint8_t ascii_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* case-insensitive compare of a (ptr,len) to a NUL-terminated lowercase word */
bool ieq(const uint8_t *p, size_t n, const char *lower_word);
/* case-insensitive (ASCII) equality of two n-byte strings */
bool ieq_len(const uint8_t *a, const uint8_t *b, size_t n);
bool icontains(const uint8_t *p, size_t n, const char *lower_word);

/* bytewise compare of two (ptr,len) strings */
int memcmp_len(const void *a, size_t an, const void *b, size_t bn);

/* 64-bit FNV-1a, for hash tables only (never for output order) */
uint64_t hash_bytes(uint64_t h, const void *p, size_t n);
#define HASH_SEED 0xcbf29ce484222325ull

/* qsort that accepts an empty (NULL) array */
void sort_n(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

/* checked size arithmetic: aborts like xmalloc on overflow */
size_t size_add(size_t a, size_t b);
size_t size_mul(size_t a, size_t b);

#endif /* AN_UTIL_H */
