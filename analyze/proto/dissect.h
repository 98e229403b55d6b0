/* dissect - what every protocol dissector of the classifier shares
 * (private to proto/: classify.c and one file per protocol).
 *
 * A dissector grades the first bytes each side of a connection sent
 * (struct dissect_input: at most CLASSIFY_PREFIX bytes each, read only
 * through the bounds-checked cursor of format/cursor.h) into a
 * struct dissect_result: per side, a grade (strong, paired, weak,
 * truncated or nothing) and the evidence text. It keeps no state and
 * allocates nothing. classify.c's table (the only port table) holds every
 * dissector and turns the grades into a result (classify.h "Rules").
 *
 * The helpers are static inline so each dissector stays one file that
 * reads on its own.
 */
#ifndef AN_DISSECT_H
#define AN_DISSECT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"
#include "proto/classify.h"

/* ---- bounds-checked cursor (format/cursor.h) and protocol helpers ---- */

/* never a NULL pointer, so memcmp/memchr with a zero length stay defined */
static inline struct cur cls_cur(const uint8_t *p, size_t n)
{
	static const uint8_t empty[1];

	return cur_make(p ? p : empty, p ? n : 0);
}

/* Takes the next n bytes as their own cursor. */
static inline int cur_sub(struct cur *c, size_t n, struct cur *sub)
{
	if (c->left < n)
		return -1;
	*sub = cls_cur(c->p, n);
	return cur_skip(c, n);
}

/* Does the cursor start with these bytes? 1 yes, 0 no, -1 too short to tell
 * (what is there matches). Never advances. */
static inline int cur_starts(const struct cur *c, const void *lit, size_t len)
{
	size_t k = c->left < len ? c->left : len;

	if (memcmp(c->p, lit, k) != 0)
		return 0;
	return k == len ? 1 : -1;
}

static inline uint8_t ascii_upper(uint8_t ch)
{
	return ch >= 'a' && ch <= 'z' ? (uint8_t)(ch - 'a' + 'A') : ch;
}

/* n bytes equal, ASCII case-insensitive (no NUL handling: input is bytes) */
static inline bool mem_eq_ci(const uint8_t *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ascii_upper(a[i]) != ascii_upper((uint8_t)b[i]))
			return false;
	return true;
}

/* Same as cur_starts, ASCII case-insensitive. */
static inline int cur_starts_ci(const struct cur *c, const char *lit)
{
	size_t len = strlen(lit), k = c->left < len ? c->left : len;

	if (!mem_eq_ci(c->p, lit, k))
		return 0;
	return k == len ? 1 : -1;
}

enum { CUR_OK = 0, CUR_SHORT = -1, CUR_BAD = -2 };

/* A NUL-terminated string of at most max bytes (NUL excluded); *s gets its
 * bytes. CUR_SHORT: input ended first; CUR_BAD: longer than max. */
static inline int cur_cstr(struct cur *c, size_t max, struct cur *s)
{
	size_t lim = c->left < max + 1 ? c->left : max + 1;
	const uint8_t *z = memchr(c->p, 0, lim);

	if (!z)
		return c->left <= max ? CUR_SHORT : CUR_BAD;
	*s = cls_cur(c->p, (size_t)(z - c->p));
	return cur_skip(c, s->left + 1);
}

/* Could these bytes be the start of a text line? (printable, tabs, a
 * final "\r") */
static inline bool text_so_far(struct cur s)
{
	for (size_t i = 0; i < s.left; i++)
		if ((s.p[i] < 0x20 || s.p[i] > 0x7e) && s.p[i] != '\t' &&
		    !(s.p[i] == '\r' && i + 1 == s.left))
			return false;
	return true;
}

/* A text line of at most max bytes ending in "\n" (a "\r" before it is
 * dropped from *ln). CUR_SHORT: the input ended in what could still be
 * such a line; CUR_BAD: too long, or binary before any newline. */
static inline int cur_line(struct cur *c, size_t max, struct cur *ln)
{
	size_t lim = c->left < max + 2 ? c->left : max + 2;
	const uint8_t *nl = memchr(c->p, '\n', lim);
	size_t len;

	if (!nl)
		return c->left < max + 2 && text_so_far(*c) ? CUR_SHORT : CUR_BAD;
	len = (size_t)(nl - c->p);
	*ln = cls_cur(c->p, len);
	if (len && ln->p[len - 1] == '\r')
		ln->left--;
	if (ln->left > max)
		return CUR_BAD;
	return cur_skip(c, len + 1);
}

static inline bool all_printable(struct cur s)
{
	for (size_t i = 0; i < s.left; i++)
		if (s.p[i] < 0x20 || s.p[i] > 0x7e)
			return false;
	return true;
}

static inline bool all_digits(struct cur s)
{
	if (s.left == 0 || s.left > 20)
		return false;
	for (size_t i = 0; i < s.left; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
	return true;
}

/* Does s contain lit anywhere? */
static inline bool cur_contains(struct cur s, const char *lit)
{
	size_t len = strlen(lit);

	for (size_t i = 0; i + len <= s.left; i++)
		if (memcmp(s.p + i, lit, len) == 0)
			return true;
	return false;
}

static inline bool cur_eq(struct cur s, const char *lit)
{
	return s.left == strlen(lit) && memcmp(s.p, lit, s.left) == 0;
}

static inline bool cur_eq_ci(struct cur s, const char *lit)
{
	return s.left == strlen(lit) && mem_eq_ci(s.p, lit, s.left);
}

#define MAX_WORDS 8

/* Splits a line at runs of spaces/tabs into at most MAX_WORDS words;
 * returns the count, or -1 if there are more. */
static inline int split_words(struct cur ln, struct cur *w)
{
	int n = 0;
	size_t i = 0;

	while (i < ln.left) {
		size_t start;

		while (i < ln.left && (ln.p[i] == ' ' || ln.p[i] == '\t'))
			i++;
		if (i == ln.left)
			break;
		if (n == MAX_WORDS)
			return -1;
		start = i;
		while (i < ln.left && ln.p[i] != ' ' && ln.p[i] != '\t')
			i++;
		w[n++] = cls_cur(ln.p + start, i - start);
	}
	return n;
}

/* ---- grading ---- */

enum grade {
	G_NONE,	  /* no match (or no bytes) */
	G_TRUNC,  /* consistent so far, but cut before it could be confirmed */
	G_WEAK,	  /* plausible, shared with other protocols */
	G_PAIRED, /* weak evidence from both directions of one protocol */
	G_STRONG, /* magic number or fully consistent header */
};

#define EVIDENCE_MAX 112

struct side {
	enum grade g;
	char ev[EVIDENCE_MAX]; /* what was seen, when g >= G_WEAK */
};

struct dissect_result {
	struct side c, s; /* client, server */
	char sni[256];	  /* TLS only */
};

struct dissect_input {
	struct cur c, s; /* first bytes of client and server, cut at CLASSIFY_PREFIX */
};

static inline void note(struct side *sd, enum grade g, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records a grade unless the side already has a better one. */
static inline void note(struct side *sd, enum grade g, const char *fmt, ...)
{
	va_list ap;

	if (g <= sd->g)
		return;
	sd->g = g;
	sd->ev[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(sd->ev, sizeof(sd->ev), fmt, ap);
		va_end(ap);
	}
}

static inline void truncated(struct side *sd)
{
	note(sd, G_TRUNC, NULL);
}

/* Printable copy of untrusted bytes for a reason text. */
static inline void printable_copy(char *dst, size_t cap, struct cur s)
{
	size_t k = 0;

	for (size_t i = 0; i < s.left && k + 1 < cap; i++)
		dst[k++] = (s.p[i] >= 0x20 && s.p[i] <= 0x7e) ? (char)s.p[i] : '?';
	dst[k] = '\0';
}

/* The first line of c as words: a text line of at most max bytes, all
 * printable, split at spaces (at most MAX_WORDS). @return the word count
 * (>= 1); 0 when it is no such line; -1 when the input ended in what could
 * still be one (truncated). */
static inline int text_words(struct cur c, size_t max, struct cur *w)
{
	struct cur ln;
	int rc = cur_line(&c, max, &ln);

	if (rc == CUR_SHORT)
		return -1;
	if (rc != CUR_OK || !all_printable(ln))
		return 0;
	rc = split_words(ln, w);
	return rc < 1 ? 0 : rc;
}

/* seed 003's reason text for redis, kept as it is (classify.c) */
#define REDIS_SEED_EVIDENCE "redis RESP array"

/* the dissectors (one file each) */
void dissect_postgres(const struct dissect_input *in, struct dissect_result *f);
void dissect_mysql(const struct dissect_input *in, struct dissect_result *f);
void dissect_mongodb(const struct dissect_input *in, struct dissect_result *f);
void dissect_mssql(const struct dissect_input *in, struct dissect_result *f);
void dissect_redis(const struct dissect_input *in, struct dissect_result *f);
void dissect_memcached(const struct dissect_input *in, struct dissect_result *f);
void dissect_kafka(const struct dissect_input *in, struct dissect_result *f);
void dissect_amqp(const struct dissect_input *in, struct dissect_result *f);
void dissect_nats(const struct dissect_input *in, struct dissect_result *f);
void dissect_tls(const struct dissect_input *in, struct dissect_result *f);
void dissect_http(const struct dissect_input *in, struct dissect_result *f);
void dissect_http2(const struct dissect_input *in, struct dissect_result *f);

#endif /* AN_DISSECT_H */
