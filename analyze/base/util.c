/* util.c - allocation, buffers, JSON text, base64, time and address text. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/util.h"

void xoom(void)
{
	fputs("sockrec-analyze: out of memory\n", stderr);
	exit(2);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		xoom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		xoom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		xoom();
	return q;
}

char *xstrndup(const void *p, size_t n)
{
	char *s = xmalloc(size_add(n, 1));
	if (n)
		memcpy(s, p, n);
	s[n] = 0;
	return s;
}

char *xtextdup(const void *p, size_t n)
{
	return xstrndup(n ? p : "", n ? strnlen(p, n) : 0);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

size_t size_add(size_t a, size_t b)
{
	if (a > SIZE_MAX - b)
		xoom();
	return a + b;
}

size_t size_mul(size_t a, size_t b)
{
	if (b && a > SIZE_MAX / b)
		xoom();
	return a * b;
}

/* ---- dbuf ---- */

void dbuf_grow(struct dbuf *b, size_t extra)
{
	size_t need = size_add(size_add(b->len, extra), 1);
	size_t cap = b->cap ? b->cap : 256;

	if (need <= b->cap)
		return;
	while (cap < need)
		cap = size_mul(cap, 2);
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void dbuf_u64(struct dbuf *b, uint64_t v)
{
	static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
				       "25262728293031323334353637383940414243444546474849"
				       "50515253545556575859606162636465666768697071727374"
				       "75767778798081828384858687888990919293949596979899";
	char t[24];
	size_t i = sizeof(t);

	if (v < 10) {
		dbuf_putc(b, (char)('0' + v));
		return;
	}
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		i -= 2;
		memcpy(t + i, pairs + 2 * r, 2);
	}
	if (v >= 10) {
		i -= 2;
		memcpy(t + i, pairs + 2 * v, 2);
	} else {
		t[--i] = (char)('0' + v);
	}
	dbuf_put(b, t + i, sizeof(t) - i);
}

void dbuf_puts(struct dbuf *b, const char *s)
{
	dbuf_put(b, s, strlen(s));
}

void dbuf_printf(struct dbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	dbuf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char *dbuf_cstr(struct dbuf *b)
{
	dbuf_reserve(b, 0);
	b->p[b->len] = 0;
	return (const char *)b->p;
}

void dbuf_free(struct dbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* ---- UTF-8 ---- */

size_t utf8_seq_len(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq_len(s + i, n - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

size_t utf8_cut(const uint8_t *s, size_t len, size_t n)
{
	size_t i = 0, k;

	if (n >= len)
		return len;
	while (i < n) {
		k = s[i] < 0x80 ? 1 : utf8_seq_len(s + i, len - i);
		if (!k)
			k = 1;
		if (i + k > n)
			break;
		i += k;
	}
	return i;
}

/* ---- JSON ---- */

/* bytes that a JSON string can hold as they are: printable ASCII but the
 * quote and the backslash (bytes >= 0x80 are checked as UTF-8) */
static const uint8_t json_plain[256] = {
    ['\x20'] = 1,
    [0x21] = 1,
    [0x23 ... 0x5b] = 1,
    [0x5d ... 0x7e] = 1,
};

/* a bit in each byte of the result (its 0x80) for the bytes of v that are
 * not json_plain: below 0x20, '"', '\\', 0x7f and up. Exact per byte: the
 * additions never carry out of a byte. */
static inline uint64_t json_unplain8(uint64_t v)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full, hi = 0x8080808080808080ull;
	uint64_t t = v & lo7;
	uint64_t ge20 = t + 0x6060606060606060ull; /* (b & 0x7f) >= 0x20 */
	uint64_t del = t + 0x0101010101010101ull;  /* (b & 0x7f) == 0x7f */
	uint64_t q = t ^ 0x2222222222222222ull, bs = t ^ 0x5c5c5c5c5c5c5c5cull;
	uint64_t isq = ~((q + lo7) | q), isbs = ~((bs + lo7) | bs);

	return (v | ~ge20 | del | isq | isbs) & hi;
}

void json_escape(struct dbuf *b, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	/* the two-character escapes (RFC 8259 7) */
	static const char esc2[128] = {
	    ['"'] = '"',  ['\\'] = '\\', ['\n'] = 'n', ['\r'] = 'r',
	    ['\t'] = 't', ['\b'] = 'b',	 ['\f'] = 'f',
	};
	size_t i = 0, k;
	uint8_t *o;

	/* at most 6 bytes out per byte in ("\u001f"; U+FFFD takes 3) */
	dbuf_reserve(b, size_add(size_mul(n, 6), 8));
	o = b->p + b->len;
	while (i < n) {
		uint8_t c;
		/* 16 or 8 bytes at a time, stored before they are checked:
		 * the reserve above has room for it */
#ifdef __SSE2__
		while (i + 16 <= n) {
			__m128i v = _mm_loadu_si128((const __m128i *)(s + i));
			/* signed: below 0x20 or 0x80 and up */
			__m128i bad =
			    _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
						      _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f))),
					 _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
						      _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
			unsigned mask = (unsigned)_mm_movemask_epi8(bad);
			_mm_storeu_si128((__m128i *)o, v);
			if (mask) {
				k = (size_t)__builtin_ctz(mask);
				o += k;
				i += k;
				goto special;
			}
			o += 16;
			i += 16;
		}
#endif
		while (i + 8 <= n) {
			uint64_t v, bad;
			memcpy(&v, s + i, 8);
			memcpy(o, &v, 8);
			bad = json_unplain8(v);
			if (bad) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
				k = (size_t)__builtin_clzll(bad) >> 3;
#else
				k = (size_t)__builtin_ctzll(bad) >> 3;
#endif
				o += k;
				i += k;
				break;
			}
			o += 8;
			i += 8;
		}
		while (i < n && json_plain[s[i]])
			*o++ = s[i++];
		if (i == n)
			break;
#ifdef __SSE2__
	special:
#endif
		c = s[i];
		if (c >= 0x80) {
			k = utf8_seq_len(s + i, n - i);
			if (k) {
				memcpy(o, s + i, k);
				o += k;
				i += k;
			} else { /* invalid UTF-8 byte */
				memcpy(o, "\xef\xbf\xbd", 3);
				o += 3;
				i++;
			}
			continue;
		}
		if (esc2[c]) {
			o[0] = '\\';
			o[1] = (uint8_t)esc2[c];
			o += 2;
		} else {
			memcpy(o, "\\u00", 4);
			o[4] = (uint8_t)hex[c >> 4];
			o[5] = (uint8_t)hex[c & 15];
			o += 6;
		}
		i++;
	}
	b->len = (size_t)(o - b->p);
}

void jw_reset(struct jw *w)
{
	w->b.len = 0;
	w->depth = 0;
	w->after_key = false;
	w->has_item[0] = false;
}

void jw_free(struct jw *w)
{
	dbuf_free(&w->b);
}

/* separator before a value or key at the current level */
static void jw_sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->has_item[w->depth])
		dbuf_putc(&w->b, ',');
	w->has_item[w->depth] = true;
}

static void jw_open(struct jw *w, char c)
{
	jw_sep(w);
	dbuf_putc(&w->b, c);
	if (w->depth + 1 < JW_MAX_DEPTH)
		w->depth++;
	w->has_item[w->depth] = false;
}

static void jw_close(struct jw *w, char c)
{
	dbuf_putc(&w->b, c);
	if (w->depth)
		w->depth--;
}

void jw_obj_open(struct jw *w)
{
	jw_open(w, '{');
}
void jw_obj_close(struct jw *w)
{
	jw_close(w, '}');
}
void jw_arr_open(struct jw *w)
{
	jw_open(w, '[');
}
void jw_arr_close(struct jw *w)
{
	jw_close(w, ']');
}

static void jw_keyn(struct jw *w, const void *key, size_t n)
{
	jw_sep(w);
	dbuf_putc(&w->b, '"');
	json_escape(&w->b, key, n);
	dbuf_put(&w->b, "\":", 2);
	w->after_key = true;
}

void jw_key(struct jw *w, const char *key)
{
	jw_keyn(w, key, strlen(key));
}

void jw_strn(struct jw *w, const void *s, size_t n)
{
	jw_sep(w);
	dbuf_putc(&w->b, '"');
	json_escape(&w->b, s, n);
	dbuf_putc(&w->b, '"');
}

static void jw_null(struct jw *w)
{
	jw_raw(w, "null");
}

void jw_str(struct jw *w, const char *s)
{
	if (!s)
		jw_null(w);
	else
		jw_strn(w, s, strlen(s));
}

void jw_u64(struct jw *w, uint64_t v)
{
	jw_sep(w);
	dbuf_u64(&w->b, v);
}

void jw_i64(struct jw *w, int64_t v)
{
	jw_sep(w);
	if (v < 0) {
		dbuf_putc(&w->b, '-');
		dbuf_u64(&w->b, (uint64_t)0 - (uint64_t)v);
	} else {
		dbuf_u64(&w->b, (uint64_t)v);
	}
}

void jw_raw(struct jw *w, const char *text)
{
	jw_sep(w);
	dbuf_puts(&w->b, text);
}

void jw_b64(struct jw *w, const void *p, size_t n)
{
	size_t m = b64_len(n);

	jw_sep(w);
	dbuf_putc(&w->b, '"');
	dbuf_reserve(&w->b, m + 1);
	b64_encode((char *)w->b.p + w->b.len, p, n);
	w->b.len += m;
	dbuf_putc(&w->b, '"');
}

/* ---- base64 (RFC 4648, with padding) ---- */

size_t b64_len(size_t n)
{
	return size_mul((n + 2) / 3, 4);
}

void b64_encode(char *dst, const uint8_t *src, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i = 0, o = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
		dst[o++] = t[v >> 18];
		dst[o++] = t[(v >> 12) & 63];
		dst[o++] = t[(v >> 6) & 63];
		dst[o++] = t[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)src[i] << 16;
		dst[o++] = t[v >> 18];
		dst[o++] = t[(v >> 12) & 63];
		dst[o++] = '=';
		dst[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8;
		dst[o++] = t[v >> 18];
		dst[o++] = t[(v >> 12) & 63];
		dst[o++] = t[(v >> 6) & 63];
		dst[o++] = '=';
	}
	dst[o] = 0;
}

/* ---- time ---- */

static void put_digits(char *p, unsigned v, int n)
{
	while (n--) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void fmt_time(char *out, int64_t wall_ns)
{
	/* the date part changes once a second: keep the last one */
	static int64_t cached_sec = -1;
	static char cached[20];
	struct tm tm;
	time_t sec;
	int64_t ns;

	if (wall_ns < 0)
		wall_ns = 0;
	sec = (time_t)(wall_ns / 1000000000);
	ns = wall_ns % 1000000000;
	if (sec != cached_sec) {
		if (!gmtime_r(&sec, &tm))
			memset(&tm, 0, sizeof(tm));
		/* int64 nanoseconds end in year 2262: four digits are enough */
		put_digits(cached, (unsigned)(tm.tm_year + 1900) % 10000u, 4);
		cached[4] = '-';
		put_digits(cached + 5, (unsigned)(tm.tm_mon + 1) % 100u, 2);
		cached[7] = '-';
		put_digits(cached + 8, (unsigned)tm.tm_mday % 100u, 2);
		cached[10] = 'T';
		put_digits(cached + 11, (unsigned)tm.tm_hour % 100u, 2);
		cached[13] = ':';
		put_digits(cached + 14, (unsigned)tm.tm_min % 100u, 2);
		cached[16] = ':';
		put_digits(cached + 17, (unsigned)tm.tm_sec % 100u, 2);
		cached[19] = '.';
		cached_sec = sec;
	}
	memcpy(out, cached, 20);
	put_digits(out + 20, (unsigned)ns, 9);
	out[29] = 'Z';
	out[30] = 0;
}

void fmt_ms(char *out, size_t cap, uint64_t ns)
{
	uint64_t us = ns / 1000;
	snprintf(out, cap, "%" PRIu64 ".%03" PRIu64, us / 1000, us % 1000);
}

/* ---- addresses ---- */

bool ip_is_zero(const uint8_t addr[16])
{
	for (int i = 0; i < 16; i++)
		if (addr[i])
			return false;
	return true;
}

static bool tail_zero(const uint8_t addr[16])
{
	for (int i = 4; i < 16; i++)
		if (addr[i])
			return false;
	return true;
}

static uint8_t guess_family(uint8_t family, const uint8_t addr[16])
{
	if (family == 4 || family == 6)
		return family;
	return tail_zero(addr) ? 4 : 6;
}

void fmt_ip(char *out, uint8_t family, const uint8_t addr[16])
{
	if (guess_family(family, addr) == 4) {
		char *p = out;
		for (int i = 0; i < 4; i++) {
			unsigned v = addr[i];
			if (i)
				*p++ = '.';
			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
		}
		*p = 0;
		return;
	}
	if (!inet_ntop(AF_INET6, addr, out, AN_IP_LEN))
		snprintf(out, AN_IP_LEN, "::");
}

bool ip_is_loopback(uint8_t family, const uint8_t addr[16])
{
	static const uint8_t v6lo[16] = {[15] = 1};

	if (guess_family(family, addr) == 4)
		return addr[0] == 127;
	return !memcmp(addr, v6lo, 16);
}

int parse_ip(const char *s, size_t n, uint8_t *family, uint8_t addr[16])
{
	char tmp[AN_IP_LEN];
	uint8_t a6[16];

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	/* a zone or prefix length is not part of the address */
	for (size_t i = 0; i < n; i++)
		if (tmp[i] == '%' || tmp[i] == '/')
			tmp[i] = 0;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, tmp, addr) == 1) {
		*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, tmp, a6) == 1) {
		static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
		if (!memcmp(a6, mapped, 12)) { /* v4-mapped: stored as IPv4 */
			memcpy(addr, a6 + 12, 4);
			*family = 4;
		} else {
			memcpy(addr, a6, 16);
			*family = 6;
		}
		return 0;
	}
	return -1;
}

/* ---- strings ---- */

void str_copyn(char *dst, size_t cap, const char *s, size_t n)
{
	if (cap == 0)
		return;
	if (!s)
		n = 0;
	if (n > cap - 1)
		n = cap - 1;
	if (n)
		memcpy(dst, s, n);
	dst[n] = '\0';
}

void str_copy(char *dst, size_t cap, const char *s)
{
	str_copyn(dst, cap, s, s ? strlen(s) : 0);
}

bool ieq(const uint8_t *p, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!w[i] || ascii_lower(p[i]) != (uint8_t)w[i])
			return false;
	return w[i] == 0;
}

bool ieq_len(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return false;
	return true;
}

bool icontains(const uint8_t *p, size_t n, const char *w)
{
	size_t m = strlen(w);

	if (m == 0)
		return true;
	for (size_t i = 0; i + m <= n; i++) {
		size_t j = 0;
		while (j < m && ascii_lower(p[i + j]) == (uint8_t)w[j])
			j++;
		if (j == m)
			return true;
	}
	return false;
}

int memcmp_len(const void *a, size_t an, const void *b, size_t bn)
{
	size_t m = an < bn ? an : bn;
	int c = m ? memcmp(a, b, m) : 0;
	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *s = p;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

void sort_n(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}
