/* godebug.c - Go debug endpoint paths and response bodies. See godebug.h
 * for the formats and their references, godebug_int.h for which file
 * decodes which body format.
 *
 * Here: the tables, the bounded byte helpers and name lists the formats
 * share, paths and queries, headers and the seed's signal,
 * godebug_detect() (gzip first, then each format in turn), and command
 * lines and flight-recording tokens. */
#include "proto/godebug_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* ---------- tables ---------- */

static const char *const ep_names[GODEBUG_EP_COUNT_] = {
    [GODEBUG_EP_NONE] = "",
    [GODEBUG_EP_INDEX] = "index",
    [GODEBUG_EP_GOROUTINE] = "goroutine",
    [GODEBUG_EP_HEAP] = "heap",
    [GODEBUG_EP_ALLOCS] = "allocs",
    [GODEBUG_EP_THREADCREATE] = "threadcreate",
    [GODEBUG_EP_BLOCK] = "block",
    [GODEBUG_EP_MUTEX] = "mutex",
    [GODEBUG_EP_PROFILE] = "profile",
    [GODEBUG_EP_CPU] = "cpu",
    [GODEBUG_EP_TRACE] = "trace",
    [GODEBUG_EP_SYMBOL] = "symbol",
    [GODEBUG_EP_CMDLINE] = "cmdline",
    [GODEBUG_EP_FR_START] = "flightrecording/start",
    [GODEBUG_EP_FR_CAPTURE] = "flightrecording/capture",
    [GODEBUG_EP_FR_STOP] = "flightrecording/stop",
    [GODEBUG_EP_PPROF_OTHER] = "pprof_other",
    [GODEBUG_EP_EXPVAR] = "expvar",
    [GODEBUG_EP_REQUESTS] = "requests",
    [GODEBUG_EP_EVENTS] = "events",
};

static const char *const content_names[GODEBUG_C_COUNT_] = {
    [GODEBUG_C_NONE] = "",
    [GODEBUG_C_PPROF_INDEX] = "pprof_index",
    [GODEBUG_C_GOROUTINE_TEXT] = "goroutine_text",
    [GODEBUG_C_GOROUTINE_STACKS] = "goroutine_stacks",
    [GODEBUG_C_PROFILE_TEXT] = "profile_text",
    [GODEBUG_C_PROFILE_PROTO] = "profile_proto",
    [GODEBUG_C_EXEC_TRACE] = "exec_trace",
    [GODEBUG_C_EXPVAR] = "expvar_json",
    [GODEBUG_C_SYMBOL] = "symbol_table",
    [GODEBUG_C_XNET_REQUESTS] = "xnet_trace_requests",
    [GODEBUG_C_XNET_EVENTS] = "xnet_trace_events",
};

/* the names under /debug/pprof/ that pprof (v1 and the v2 proposal) serves */
static const struct {
	const char *name;
	enum godebug_endpoint ep;
} pprof_names[] = {
    {"", GODEBUG_EP_INDEX},
    {"goroutine", GODEBUG_EP_GOROUTINE},
    {"heap", GODEBUG_EP_HEAP},
    {"allocs", GODEBUG_EP_ALLOCS},
    {"threadcreate", GODEBUG_EP_THREADCREATE},
    {"block", GODEBUG_EP_BLOCK},
    {"mutex", GODEBUG_EP_MUTEX},
    {"profile", GODEBUG_EP_PROFILE},
    {"cpu", GODEBUG_EP_CPU},
    {"trace", GODEBUG_EP_TRACE},
    {"symbol", GODEBUG_EP_SYMBOL},
    {"cmdline", GODEBUG_EP_CMDLINE},
    {"flightrecording/start", GODEBUG_EP_FR_START},
    {"flightrecording/capture", GODEBUG_EP_FR_CAPTURE},
    {"flightrecording/stop", GODEBUG_EP_FR_STOP},
};

const char *godebug_endpoint_name(enum godebug_endpoint ep)
{
	return (unsigned)ep < GODEBUG_EP_COUNT_ ? ep_names[ep] : "";
}

const char *godebug_content_name(enum godebug_content kind)
{
	return (unsigned)kind < GODEBUG_C_COUNT_ ? content_names[kind] : "";
}

int godebug_endpoint_is_profiling(enum godebug_endpoint ep)
{
	switch (ep) {
	case GODEBUG_EP_GOROUTINE:
	case GODEBUG_EP_HEAP:
	case GODEBUG_EP_ALLOCS:
	case GODEBUG_EP_THREADCREATE:
	case GODEBUG_EP_BLOCK:
	case GODEBUG_EP_MUTEX:
	case GODEBUG_EP_PROFILE:
	case GODEBUG_EP_CPU:
	case GODEBUG_EP_TRACE:
	case GODEBUG_EP_FR_CAPTURE:
	case GODEBUG_EP_PPROF_OTHER:
		return 1;
	default:
		return 0;
	}
}

int godebug_content_is_specific(enum godebug_content kind)
{
	return kind != GODEBUG_C_NONE && kind != GODEBUG_C_XNET_EVENTS &&
	       (unsigned)kind < GODEBUG_C_COUNT_;
}

/* ---------- small byte helpers ---------- */

const uint8_t *gd_find(const uint8_t *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	if (m == 0 || m > n)
		return NULL;
	return memmem(s, n, needle, m);
}

int gd_starts(const uint8_t *s, size_t n, const char *prefix)
{
	size_t m = strlen(prefix);
	return n >= m && !memcmp(s, prefix, m);
}

/* s gd_starts with word, or s ends inside it (a cut body) */
int gd_prefix_or_cut(const uint8_t *s, size_t n, const char *word)
{
	size_t m = strlen(word);
	return n >= m ? !memcmp(s, word, m) : !memcmp(s, word, n);
}

int gd_is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* decimal gd_digits at s[*i..n): value saturates at UINT64_MAX. @return gd_digits read */
size_t gd_digits(const uint8_t *s, size_t n, size_t *i, uint64_t *v)
{
	size_t start = *i;
	uint64_t x = 0;

	while (*i < n && gd_is_digit(s[*i])) {
		unsigned d = s[*i] - '0';
		x = x > (UINT64_MAX - d) / 10 ? UINT64_MAX : x * 10 + d;
		(*i)++;
	}
	if (v)
		*v = x;
	return *i - start;
}

size_t gd_line_end(const uint8_t *s, size_t n, size_t i)
{
	const uint8_t *nl = memchr(s + i, '\n', n - i);
	return nl ? (size_t)(nl - s) : n;
}

/* ---------- name lists ---------- */

void gd_names_add(struct godebug_names *l, const void *s, size_t n)
{
	if (n == 0)
		return;
	if (n > GODEBUG_MAX_NAME - 1)
		n = GODEBUG_MAX_NAME - 1;
	for (unsigned i = 0; i < l->n; i++)
		if (strlen(l->s[i]) == n && !memcmp(l->s[i], s, n))
			return;
	if (l->n >= GODEBUG_MAX_NAMES) {
		l->more = 1;
		return;
	}
	memcpy(l->s[l->n], s, n);
	l->s[l->n][n] = '\0';
	l->n++;
}

/* Go function names: "net/http.(*conn).serve", "main.worker",
 * "github.com/a/b.F". The standard library's import paths have no dot in
 * their first element; "main" is the program itself. */
static int func_is_std(const uint8_t *s, size_t n)
{
	size_t i, first_end;
	int has_slash = 0;

	for (i = 0; i < n && s[i] != '('; i++)
		if (s[i] == '/')
			has_slash = 1;
	if (!has_slash) {
		const uint8_t *dot = memchr(s, '.', n);
		size_t pkg = dot ? (size_t)(dot - s) : n;
		return !(pkg == 4 && !memcmp(s, "main", 4));
	}
	first_end = (size_t)((const uint8_t *)memchr(s, '/', n) - s);
	return memchr(s, '.', first_end) == NULL;
}

void gd_sample_add(struct gd_sample *sm, const uint8_t *fn, size_t fl, const uint8_t *file,
		   size_t filel)
{
	int std = fl ? func_is_std(fn, fl) : 1;

	if (fl)
		gd_names_add(std ? &sm->std_funcs : &sm->app_funcs, fn, fl);
	if (filel)
		gd_names_add(std ? &sm->std_files : &sm->app_files, file, filel);
}

/* @return how many of a's entries made it (all of them: a fits) */
static unsigned merge(struct godebug_names *out, const struct godebug_names *a,
		      const struct godebug_names *b)
{
	unsigned na;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < a->n; i++)
		gd_names_add(out, a->s[i], strlen(a->s[i]));
	na = out->n;
	for (unsigned i = 0; i < b->n; i++)
		gd_names_add(out, b->s[i], strlen(b->s[i]));
	if (a->more || b->more)
		out->more = 1;
	return na;
}

void gd_sample_finish(struct gd_sample *sm, struct godebug_result *out)
{
	out->funcs_app = merge(&out->funcs, &sm->app_funcs, &sm->std_funcs);
	out->files_app = merge(&out->files, &sm->app_files, &sm->std_files);
}

/* ---------- paths and queries ---------- */

size_t godebug_pct_decode(const char *src, size_t n, int plus, char *dst, size_t dst_cap)
{
	size_t o = 0;

	if (dst_cap == 0)
		return 0;
	for (size_t i = 0; i < n && o + 1 < dst_cap; i++) {
		uint8_t c = (uint8_t)src[i];
		int h, l;
		if (c == '%' && i + 2 < n && (h = hexval((uint8_t)src[i + 1])) >= 0 &&
		    (l = hexval((uint8_t)src[i + 2])) >= 0) {
			dst[o++] = (char)(h << 4 | l);
			i += 2;
		} else if (c == '+' && plus) {
			dst[o++] = ' ';
		} else {
			dst[o++] = (char)c;
		}
	}
	dst[o] = '\0';
	return o;
}

/* the path part of a request target: origin form or absolute form */
static void target_path(const char *t, size_t n, const char **p, size_t *pn)
{
	const char *s = t, *end = t + n, *q;

	if (n > 0 && t[0] != '/') {
		const char *sep = memmem(t, n, "://", 3);
		if (sep) {
			s = sep + 3;
			while (s < end && *s != '/' && *s != '?' && *s != '#')
				s++;
		}
	}
	for (q = s; q < end && *q != '?' && *q != '#'; q++)
		;
	*p = s;
	*pn = (size_t)(q - s);
}

static int ends(const char *s, size_t n, const char *suffix, size_t *at)
{
	size_t m = strlen(suffix);
	if (n < m || memcmp(s + n - m, suffix, m))
		return 0;
	*at = n - m;
	return 1;
}

enum godebug_endpoint godebug_match_path(const char *target, size_t len, struct godebug_path *out)
{
	char path[GODEBUG_MAX_PATH];
	const char *raw, *hit;
	size_t rawn, n, at;
	struct godebug_path tmp;
	static const char pprof[] = "/debug/pprof/";

	if (!out)
		out = &tmp;
	memset(out, 0, sizeof(*out));
	if (!target)
		return GODEBUG_EP_NONE;
	target_path(target, len, &raw, &rawn);
	n = godebug_pct_decode(raw, rawn, 0, path, sizeof(path));

	hit = memmem(path, n, pprof, sizeof(pprof) - 1);
	if (hit) {
		const char *name = hit + sizeof(pprof) - 1;
		size_t nl = (size_t)(path + n - name);
		out->prefix_len = (size_t)(hit - path);
		out->ep = GODEBUG_EP_PPROF_OTHER;
		for (size_t i = 0; i < sizeof(pprof_names) / sizeof(pprof_names[0]); i++)
			if (strlen(pprof_names[i].name) == nl &&
			    !memcmp(pprof_names[i].name, name, nl))
				out->ep = pprof_names[i].ep;
		if (nl > GODEBUG_MAX_NAME - 1)
			nl = GODEBUG_MAX_NAME - 1;
		memcpy(out->name, name, nl);
		out->name[nl] = '\0';
		return out->ep;
	}
	if (ends(path, n, "/debug/pprof", &at))
		out->ep = GODEBUG_EP_INDEX;
	else if (ends(path, n, "/debug/vars", &at))
		out->ep = GODEBUG_EP_EXPVAR;
	else if (ends(path, n, "/debug/requests", &at))
		out->ep = GODEBUG_EP_REQUESTS;
	else if (ends(path, n, "/debug/events", &at))
		out->ep = GODEBUG_EP_EVENTS;
	else
		return GODEBUG_EP_NONE;
	out->prefix_len = at;
	return out->ep;
}

void godebug_query_init(struct godebug_query *q, const char *target, size_t len)
{
	const char *qm = target ? memchr(target, '?', len) : NULL;
	const char *hash = target ? memchr(target, '#', len) : NULL;

	q->p = NULL;
	q->left = 0;
	if (!qm || (hash && hash < qm))
		return;
	q->p = qm + 1;
	q->left = (size_t)((hash ? hash : target + len) - q->p);
}

int godebug_query_next(struct godebug_query *q, const char **k, size_t *klen, const char **v,
		       size_t *vlen)
{
	while (q->left > 0) {
		const char *amp = memchr(q->p, '&', q->left);
		size_t pl = amp ? (size_t)(amp - q->p) : q->left;
		const char *pair = q->p;
		const char *eq = memchr(pair, '=', pl);

		q->p += pl;
		q->left -= pl;
		if (amp) {
			q->p++;
			q->left--;
		}
		if (pl == 0)
			continue;
		*k = pair;
		*klen = eq ? (size_t)(eq - pair) : pl;
		*v = eq ? eq + 1 : pair + pl;
		*vlen = eq ? pl - *klen - 1 : 0;
		return 1;
	}
	return 0;
}

int godebug_query_get(const char *target, size_t len, const char *key, const char **v, size_t *vlen)
{
	struct godebug_query q;
	const char *k;
	size_t kl;
	char dk[64];

	godebug_query_init(&q, target, len);
	while (godebug_query_next(&q, &k, &kl, v, vlen)) {
		size_t dn = godebug_pct_decode(k, kl, 1, dk, sizeof(dk));
		if (dn == strlen(key) && !memcmp(dk, key, dn))
			return 1;
	}
	*v = NULL;
	*vlen = 0;
	return 0;
}

#define GODEBUG_MAX_SECONDS 1e9

/* Go's strconv.ParseInt(s, 10, 64) */
static int parse_go_int(const char *s, double *out)
{
	const char *p = s;
	uint64_t v = 0;
	int neg = 0;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!*p)
		return -1;
	for (; *p; p++) {
		if (!gd_is_digit((uint8_t)*p))
			return -1;
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > (uint64_t)INT64_MAX + neg)
			return -1;
	}
	*out = neg ? -(double)v : (double)v;
	return 0;
}

/* Go's strconv.ParseFloat(s, 64), near enough: no leading space, whole
 * string consumed; NaN is a number to Go but fails "> 0" just the same */
static int parse_go_float(const char *s, double *out)
{
	char *end;
	double v;

	if (!*s || *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (*end)
		return -1;
	if (isnan(v))
		v = 0;
	*out = v;
	return 0;
}

double godebug_duration(enum godebug_endpoint ep, const char *secs, size_t len, int present)
{
	char buf[64];
	double v = 0;
	int ok = -1;

	if (present && secs) {
		godebug_pct_decode(secs, len > 63 ? 63 : len, 1, buf, sizeof(buf));
		if (len > 63)
			buf[0] =
			    '\0'; /* longer than any number Go accepts sensibly: treat as invalid */
	} else {
		buf[0] = '\0';
	}
	switch (ep) {
	case GODEBUG_EP_PROFILE:
	case GODEBUG_EP_CPU:
		ok = parse_go_int(buf, &v);
		if (ok || v <= 0)
			v = 30;
		break;
	case GODEBUG_EP_TRACE:
		ok = parse_go_float(buf, &v);
		if (ok || !(v > 0))
			v = 1;
		break;
	case GODEBUG_EP_GOROUTINE:
	case GODEBUG_EP_HEAP:
	case GODEBUG_EP_ALLOCS:
	case GODEBUG_EP_THREADCREATE:
	case GODEBUG_EP_BLOCK:
	case GODEBUG_EP_MUTEX:
	case GODEBUG_EP_PPROF_OTHER:
		if (!present)
			return 0;
		ok = parse_go_int(buf, &v);
		if (ok || v <= 0)
			v = 0;
		break;
	default:
		return 0;
	}
	if (v > GODEBUG_MAX_SECONDS)
		v = GODEBUG_MAX_SECONDS;
	return v;
}

/* ---------- headers and the seed's signal ---------- */

unsigned godebug_header_signals(const char *name, size_t nlen, const char *val, size_t vlen)
{
	static const char *const files[] = {"profile", "trace",	       "heap",
					    "allocs",  "goroutine",    "block",
					    "mutex",   "threadcreate", NULL};
	unsigned sig = 0;

	/* only two names carry a signal: skip the others by their length
	 * (every header of every response comes here) */
	if (!name || !val ||
	    (nlen != sizeof("x-go-pprof") - 1 && nlen != sizeof("content-disposition") - 1))
		return 0;
	while (vlen > 0 && (*val == ' ' || *val == '\t')) {
		val++;
		vlen--;
	}
	while (vlen > 0 && (val[vlen - 1] == ' ' || val[vlen - 1] == '\t'))
		vlen--;
	if (ieq((const uint8_t *)name, nlen, "x-go-pprof") && vlen == 1 && val[0] == '1')
		sig |= GODEBUG_SIG_X_GO_PPROF;
	if (ieq((const uint8_t *)name, nlen, "content-disposition")) {
		/* pprof: attachment; filename="NAME" or "NAME-delta" */
		const char *f = memmem(val, vlen, "filename=\"", 10);
		if (f && gd_starts((const uint8_t *)val, vlen, "attachment")) {
			const char *s = f + 10, *end = val + vlen;
			const char *q = memchr(s, '"', (size_t)(end - s));
			size_t n = q ? (size_t)(q - s) : 0;
			if (n > 6 && !memcmp(s + n - 6, "-delta", 6))
				n -= 6;
			for (const char *const *p = files; q && *p; p++)
				if (strlen(*p) == n && !memcmp(s, *p, n))
					sig |= GODEBUG_SIG_DISPOSITION;
		}
	}
	return sig;
}

int godebug_seed_signal(int status, const uint8_t *body, size_t len)
{
	if (status != 200 || !body)
		return 0;
	return gd_find(body, len > GODEBUG_SCAN_CAP ? GODEBUG_SCAN_CAP : len, "goroutine") != NULL;
}

/* ---------- godebug_detect ---------- */

static enum godebug_content detect_plain(const uint8_t *s, size_t n, int cut,
					 struct godebug_result *out)
{
	struct gd_sample sm;
	enum godebug_content k;

	if (n == 0)
		return GODEBUG_C_NONE;
	if (n > GODEBUG_SCAN_CAP) {
		n = GODEBUG_SCAN_CAP;
		cut = 1;
	}
	if ((k = gd_exec_trace(s, n, cut, out)))
		return k;
	/* sm (several KiB) is cleared only for the bodies that fill it: most
	 * bodies are none of these, and clearing it was a third of this
	 * function's cost on every response */
	if ((k = gd_text_header(s, n, out))) {
		memset(&sm, 0, sizeof(sm));
		gd_text_profile(s, n, out, &sm);
		gd_sample_finish(&sm, out);
		out->truncated = cut;
		return k;
	}
	if (gd_stack_header(s, gd_line_end(s, n, 0))) {
		memset(&sm, 0, sizeof(sm));
		gd_stack_dump(s, n, out, &sm);
		gd_sample_finish(&sm, out);
		out->truncated = cut;
		out->endpoint = GODEBUG_EP_GOROUTINE;
		return GODEBUG_C_GOROUTINE_STACKS;
	}
	if ((k = gd_symbol(s, n, out)))
		return k;
	if ((k = gd_expvar(s, n, cut, out)))
		return k;
	memset(&out->keys, 0, sizeof(out->keys));
	return gd_html_pages(s, n, out);
}

/* the bytes a text profile's name is made of (gd_text_header) */
static int profile_name_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || gd_is_digit(c) || c == '_' ||
	       c == '-' || c == '.' || c == '/';
}

/* Each detector's accept condition implies one of these tests, on the bytes
 * detect_plain() gives it (s, n = min(len, GODEBUG_SCAN_CAP)):
 *  - gzip: body starts 1f 8b 08 (the test godebug_detect() itself makes);
 *    everything inside (profile.proto too) is decided after inflating.
 *  - gd_exec_trace: gd_starts(s, n, "go 1.").
 *  - gd_stack_header: gd_starts on the first line with "goroutine ", so
 *    s starts with it.
 *  - gd_symbol: gd_starts(s, n, "num_symbols: ").
 *  - gd_text_header: the first line starts "--- contention:" or "--- mutex:"
 *    (s[0] == '-'), or holds " profile: " after a non-empty name of
 *    profile_name_char bytes (so s[0] is one of them and " profile: " is
 *    in the first line).
 *  - gd_expvar: '{' after JSON whitespace, and a key whose bytes between
 *    the quotes are cmdline (its result needs cmdline = 1), so s holds
 *    "\"cmdline\"".
 *  - gd_html_pages: within the first min(n, 64 KiB) bytes, one of
 *    "<title>/debug/pprof/</title>", "<title>/debug/requests</title>",
 *    "<title>events</title>" (each holds "<title>") or "Types of profiles
 *    available:".
 * So a body that passes none of them is GODEBUG_C_NONE for every detector. */
int godebug_may_match(const uint8_t *body, size_t len)
{
	size_t n = len > GODEBUG_SCAN_CAP ? GODEBUG_SCAN_CAP : len, m, i;

	if (!body || len == 0)
		return 0;
	if (len >= 3 && body[0] == 0x1f && body[1] == 0x8b && body[2] == 8)
		return 1;
	if (gd_starts(body, n, "go 1.") || gd_starts(body, n, "goroutine ") ||
	    gd_starts(body, n, "num_symbols: ") || body[0] == '-')
		return 1;
	if (profile_name_char(body[0]) && gd_find(body, gd_line_end(body, n, 0), " profile: "))
		return 1;
	i = gd_ws(body, n, 0);
	if (i < n && body[i] == '{' && gd_find(body, n, "\"cmdline\""))
		return 1;
	m = n > 64u * 1024u ? 64u * 1024u : n;
	return gd_find(body, m, "<title>") || gd_find(body, m, "Types of profiles available:");
}

enum godebug_content godebug_detect(const uint8_t *body, size_t len, int body_cut,
				    struct godebug_result *out)
{
	memset(out, 0, sizeof(*out));
	if (!body || len == 0)
		return GODEBUG_C_NONE;
	if (len >= 3 && body[0] == 0x1f && body[1] == 0x8b && body[2] == 8) {
		size_t n;
		int complete;
		uint8_t *buf = gd_inflate_prefix(body, len, &n, &complete);
		enum godebug_content k = GODEBUG_C_NONE;

		if (buf && n > 0) {
			int cut = !complete;
			if (gd_proto_profile(buf, n, cut, out)) {
				k = GODEBUG_C_PROFILE_PROTO;
			} else {
				memset(out, 0, sizeof(*out));
				k = detect_plain(buf, n, cut, out);
				/* pointers into buf die with it */
				out->cmdline_json = NULL;
				out->cmdline_json_len = 0;
			}
			if (k) {
				out->gzip = 1;
				out->inflated = n;
			}
		}
		free(buf);
		if (!k)
			memset(out, 0, sizeof(*out));
		out->kind = k;
		return k;
	}
	out->kind = detect_plain(body, len, body_cut, out);
	if (!out->kind)
		memset(out, 0, sizeof(*out));
	return out->kind;
}

/* ---------- command lines and tokens ---------- */

size_t godebug_cmdline_args(const uint8_t *body, size_t len, godebug_arg_cb cb, void *ctx)
{
	size_t i = 0, count = 0;

	if (!body)
		return 0;
	while (i < len) {
		const uint8_t *nul = memchr(body + i, 0, len - i);
		size_t e = nul ? (size_t)(nul - body) : len;
		if (cb)
			cb(ctx, (const char *)body + i, e - i);
		count++;
		i = e + 1;
	}
	return count;
}

static size_t utf8_put(char *dst, size_t o, size_t cap, uint32_t cp)
{
	char t[4];
	size_t n;

	if (cp < 0x80) {
		t[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		t[0] = (char)(0xc0 | cp >> 6);
		t[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		t[0] = (char)(0xe0 | cp >> 12);
		t[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		t[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		t[0] = (char)(0xf0 | cp >> 18);
		t[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		t[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		t[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (o + n + 1 > cap)
		return o;
	memcpy(dst + o, t, n);
	return o + n;
}

static int hex4(const uint8_t *s, size_t n, size_t i, uint32_t *v)
{
	uint32_t x = 0;

	if (i + 4 > n)
		return -1;
	for (size_t k = 0; k < 4; k++) {
		int h = hexval(s[i + k]);
		if (h < 0)
			return -1;
		x = x << 4 | (uint32_t)h;
	}
	*v = x;
	return 0;
}

/* decodes the JSON string at s[*i] (the opening quote) into dst.
 * @return J_OK, J_EOF or J_BAD */
static int json_string(const uint8_t *s, size_t n, size_t *i, char *dst, size_t cap, size_t *dl)
{
	size_t j = *i + 1, o = 0;

	while (j < n) {
		uint8_t c = s[j];
		if (c == '"') {
			*i = j + 1;
			dst[o] = '\0';
			*dl = o;
			return J_OK;
		}
		if (c < 0x20)
			return J_BAD;
		if (c != '\\') {
			if (o + 2 <= cap)
				dst[o++] = (char)c;
			j++;
			continue;
		}
		if (j + 1 >= n)
			return J_EOF;
		c = s[j + 1];
		j += 2;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			o = utf8_put(dst, o, cap, c);
			break;
		case 'b':
			o = utf8_put(dst, o, cap, '\b');
			break;
		case 'f':
			o = utf8_put(dst, o, cap, '\f');
			break;
		case 'n':
			o = utf8_put(dst, o, cap, '\n');
			break;
		case 'r':
			o = utf8_put(dst, o, cap, '\r');
			break;
		case 't':
			o = utf8_put(dst, o, cap, '\t');
			break;
		case 'u': {
			uint32_t cp, lo;
			if (hex4(s, n, j, &cp))
				return j + 4 > n ? J_EOF : J_BAD;
			j += 4;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (j + 6 <= n && s[j] == '\\' && s[j + 1] == 'u' &&
				    !hex4(s, n, j + 2, &lo) && lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					j += 6;
				} else {
					cp = 0xfffd;
				}
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				cp = 0xfffd;
			}
			o = utf8_put(dst, o, cap, cp);
			break;
		}
		default:
			return J_BAD;
		}
	}
	return J_EOF;
}

size_t godebug_json_string_array(const uint8_t *json, size_t len, godebug_arg_cb cb, void *ctx)
{
	char buf[GODEBUG_MAX_NAME];
	size_t i, count = 0, dl;

	if (!json)
		return 0;
	i = gd_ws(json, len, 0);
	if (i >= len || json[i] != '[')
		return 0;
	i++;
	for (;;) {
		i = gd_ws(json, len, i);
		if (i >= len || json[i] != '"')
			return count;
		if (json_string(json, len, &i, buf, sizeof(buf), &dl) != J_OK)
			return count;
		if (cb)
			cb(ctx, buf, dl);
		count++;
		i = gd_ws(json, len, i);
		if (i >= len || json[i] != ',')
			return count;
		i++;
	}
}

size_t godebug_fr_token(const uint8_t *body, size_t len, char *tok, size_t cap)
{
	size_t i, e, dl;

	if (!body || !tok || cap == 0)
		return 0;
	tok[0] = '\0';
	i = gd_ws(body, len, 0);
	if (i < len && body[i] == '{') {
		const uint8_t *k = gd_find(body + i, len - i, "\"token\"");
		char buf[GODEBUG_MAX_TOKEN + 1];
		if (!k)
			return 0;
		i = gd_ws(body, len, (size_t)(k - body) + 7);
		if (i >= len || body[i] != ':')
			return 0;
		i = gd_ws(body, len, i + 1);
		if (i >= len || body[i] != '"')
			return 0;
		if (json_string(body, len, &i, buf, sizeof(buf), &dl) != J_OK || dl == 0 ||
		    dl + 1 > cap || dl >= GODEBUG_MAX_TOKEN)
			return 0;
		memcpy(tok, buf, dl + 1);
		return dl;
	}
	e = len;
	while (e > i && (body[e - 1] == '\n' || body[e - 1] == '\r' || body[e - 1] == ' '))
		e--;
	if (e == i || e - i + 1 > cap || e - i > GODEBUG_MAX_TOKEN)
		return 0;
	for (size_t j = i; j < e; j++)
		if (body[j] <= 0x20 || body[j] >= 0x7f)
			return 0;
	memcpy(tok, body + i, e - i);
	tok[e - i] = '\0';
	return e - i;
}
