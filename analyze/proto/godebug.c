/* godebug.c - Go debug endpoint paths and response bodies. See godebug.h
 * for the formats and their references.
 *
 * Size (~1,600 lines): every body format a Go debug endpoint answers with
 * (goroutine dumps, pprof text and protobuf, gzip, expvar, execution
 * traces, the index page) behind one godebug_detect(); each format is a
 * section with its own bounds. The next split is one file per format. */
#include "proto/godebug.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cursor.h"
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
	return kind != GODEBUG_C_NONE && kind != GODEBUG_C_XNET_EVENTS && (unsigned)kind < GODEBUG_C_COUNT_;
}

/* ---------- small byte helpers ---------- */

static const uint8_t *find(const uint8_t *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	if (m == 0 || m > n)
		return NULL;
	return memmem(s, n, needle, m);
}

static int starts(const uint8_t *s, size_t n, const char *prefix)
{
	size_t m = strlen(prefix);
	return n >= m && !memcmp(s, prefix, m);
}

/* s starts with word, or s ends inside it (a cut body) */
static int prefix_or_cut(const uint8_t *s, size_t n, const char *word)
{
	size_t m = strlen(word);
	return n >= m ? !memcmp(s, word, m) : !memcmp(s, word, n);
}

static int is_digit(uint8_t c)
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

/* decimal digits at s[*i..n): value saturates at UINT64_MAX. @return digits read */
static size_t digits(const uint8_t *s, size_t n, size_t *i, uint64_t *v)
{
	size_t start = *i;
	uint64_t x = 0;

	while (*i < n && is_digit(s[*i])) {
		unsigned d = s[*i] - '0';
		x = x > (UINT64_MAX - d) / 10 ? UINT64_MAX : x * 10 + d;
		(*i)++;
	}
	if (v)
		*v = x;
	return *i - start;
}

static size_t line_end(const uint8_t *s, size_t n, size_t i)
{
	const uint8_t *nl = memchr(s + i, '\n', n - i);
	return nl ? (size_t)(nl - s) : n;
}

/* ---------- name lists ---------- */

static void names_add(struct godebug_names *l, const void *s, size_t n)
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

/* Functions and files are collected in two lists, application code and
 * the standard library, and merged application-first: the names that say
 * most about the program come first in the bounded sample. */
struct sample {
	struct godebug_names app_funcs, std_funcs, app_files, std_files;
};

/* Go function names: "net/http.(*conn).serve", "main.worker",
 * "github.com/a/b.F". The standard library's import paths have no dot in
 * their first element; "main" is the program itself. */
static int func_is_std(const uint8_t *s, size_t n);

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

static void sample_add(struct sample *sm, const uint8_t *fn, size_t fl, const uint8_t *file,
		       size_t filel)
{
	int std = fl ? func_is_std(fn, fl) : 1;

	if (fl)
		names_add(std ? &sm->std_funcs : &sm->app_funcs, fn, fl);
	if (filel)
		names_add(std ? &sm->std_files : &sm->app_files, file, filel);
}

/* @return how many of a's entries made it (all of them: a fits) */
static unsigned merge(struct godebug_names *out, const struct godebug_names *a, const struct godebug_names *b)
{
	unsigned na;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < a->n; i++)
		names_add(out, a->s[i], strlen(a->s[i]));
	na = out->n;
	for (unsigned i = 0; i < b->n; i++)
		names_add(out, b->s[i], strlen(b->s[i]));
	if (a->more || b->more)
		out->more = 1;
	return na;
}

static void sample_finish(struct sample *sm, struct godebug_result *out)
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

int godebug_query_next(struct godebug_query *q, const char **k, size_t *klen, const char **v, size_t *vlen)
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
		if (!is_digit((uint8_t)*p))
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

	if (!name || !val)
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
		if (f && starts((const uint8_t *)val, vlen, "attachment")) {
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
	return find(body, len > GODEBUG_SCAN_CAP ? GODEBUG_SCAN_CAP : len, "goroutine") != NULL;
}

/* ---------- text profiles (debug=1) ---------- */

/* "#\t0x67fa9c\tmain.worker+0x3c\t/tmp/gopp/main.go:16" */
static void text_frame(const uint8_t *s, size_t n, struct sample *sm)
{
	size_t i = 2, fs, fe, ps, pe;

	while (i < n && s[i] == '\t')
		i++;
	while (i < n && s[i] != '\t') /* the address */
		i++;
	while (i < n && s[i] == '\t')
		i++;
	fs = i;
	while (i < n && s[i] != '\t')
		i++;
	fe = i;
	while (i < n && s[i] == '\t')
		i++;
	ps = i;
	pe = n;
	/* "main.worker+0x3c": the offset goes */
	for (size_t j = fe; j > fs; j--)
		if (s[j - 1] == '+') {
			fe = j - 1;
			break;
		}
	/* "/tmp/gopp/main.go:16": the line goes */
	for (size_t j = pe; j > ps; j--)
		if (s[j - 1] == ':') {
			pe = j - 1;
			break;
		}
	sample_add(sm, s + fs, fe - fs, s + ps, pe - ps);
}

static void text_profile(const uint8_t *s, size_t n, struct godebug_result *out, struct sample *sm)
{
	size_t i = 0;

	while (i < n) {
		size_t e = line_end(s, n, i), j = i;
		if (e - i >= 2 && s[i] == '#' && s[i + 1] == '\t') {
			text_frame(s + i, e - i, sm);
		} else if (digits(s, e, &j, NULL) > 0 && e - j >= 2 && s[j] == ' ' &&
			   s[j + 1] == '@') {
			out->records++;
		} else if ((j = i, digits(s, e, &j, NULL) > 0) && j < e && s[j] == ':') {
			/* heap/allocs record: "1: 416 [1: 416] @ 0x..." */
			if (find(s + i, e - i, "] @"))
				out->records++;
		}
		i = e + 1;
	}
}

/* "NAME profile: total N", "heap profile: ...", "--- contention:", "--- mutex:" */
static enum godebug_content text_header(const uint8_t *s, size_t n, struct godebug_result *out)
{
	size_t e = line_end(s, n, 0), i = 0;
	const uint8_t *tag;

	if (starts(s, e, "--- contention:") || starts(s, e, "--- mutex:")) {
		int mutex = s[4] == 'm';
		/* the next line is "cycles/second=N" (or the body ends first) */
		if (e < n && !prefix_or_cut(s + e + 1, n - e - 1, "cycles/second="))
			return GODEBUG_C_NONE;
		strcpy(out->profile_name, mutex ? "mutex" : "block");
		out->endpoint = mutex ? GODEBUG_EP_MUTEX : GODEBUG_EP_BLOCK;
		return GODEBUG_C_PROFILE_TEXT;
	}
	tag = find(s, e, " profile: ");
	if (!tag || tag == s || (size_t)(tag - s) >= sizeof(out->profile_name))
		return GODEBUG_C_NONE;
	for (const uint8_t *p = s; p < tag; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || is_digit(*p) ||
		      *p == '_' || *p == '-' || *p == '.' || *p == '/'))
			return GODEBUG_C_NONE;
	memcpy(out->profile_name, s, (size_t)(tag - s));
	out->profile_name[tag - s] = '\0';
	i = (size_t)(tag - s) + 10;
	if (!strcmp(out->profile_name, "heap")) {
		/* "heap profile: 2: 512 [2: 512] @ heap/1048576" */
		if (digits(s, e, &i, NULL) == 0 || i >= e || s[i] != ':')
			return GODEBUG_C_NONE;
		out->endpoint = GODEBUG_EP_HEAP;
		return GODEBUG_C_PROFILE_TEXT;
	}
	if (!starts(s + i, e - i, "total "))
		return GODEBUG_C_NONE;
	i += 6;
	if (digits(s, e, &i, &out->stacks) == 0 || i != e)
		return GODEBUG_C_NONE;
	if (!strcmp(out->profile_name, "goroutine")) {
		out->endpoint = GODEBUG_EP_GOROUTINE;
		return GODEBUG_C_GOROUTINE_TEXT;
	}
	out->endpoint =
	    !strcmp(out->profile_name, "threadcreate") ? GODEBUG_EP_THREADCREATE : GODEBUG_EP_PPROF_OTHER;
	return GODEBUG_C_PROFILE_TEXT;
}

/* ---------- goroutine stack dumps (debug=2) ---------- */

/* "goroutine 19 [running]:", "goroutine 1 [IO wait, 3 minutes]:",
 * "goroutine 7 gp=0xc000 m=nil [chan receive]:" (newer Go) */
static int stack_header(const uint8_t *s, size_t n)
{
	size_t i = 10;

	if (!starts(s, n, "goroutine "))
		return 0;
	if (digits(s, n, &i, NULL) == 0 || i >= n || s[i] != ' ')
		return 0;
	return n >= 2 && s[n - 2] == ']' && s[n - 1] == ':' && memchr(s + i, '[', n - i);
}

/* "net/http.(*conn).serve(0xc00010c0a0, {0x772760, 0xc00007f3e0})": the
 * name ends where the argument list that closes the line opens */
static size_t call_name_len(const uint8_t *s, size_t n)
{
	int depth = 0;

	if (n == 0 || s[n - 1] != ')')
		return 0;
	for (size_t i = n; i > 0; i--) {
		if (s[i - 1] == ')')
			depth++;
		else if (s[i - 1] == '(' && --depth == 0)
			return i - 1;
	}
	return 0;
}

static void stack_dump(const uint8_t *s, size_t n, struct godebug_result *out, struct sample *sm)
{
	size_t i = 0;
	const uint8_t *fn = NULL;
	size_t fl = 0;

	while (i < n) {
		size_t e = line_end(s, n, i), l = e - i;
		const uint8_t *line = s + i;

		if (stack_header(line, l)) {
			out->stacks++;
			fn = NULL;
		} else if (l > 1 && line[0] == '\t') {
			/* "\t/usr/lib/go-1.19/src/net/http/server.go:1991 +0x607" */
			size_t pe = l;
			const uint8_t *sp = memchr(line + 1, ' ', l - 1);
			if (sp)
				pe = (size_t)(sp - line);
			for (size_t j = pe; j > 1; j--)
				if (line[j - 1] == ':') {
					pe = j - 1;
					break;
				}
			if (fn)
				sample_add(sm, fn, fl, line + 1, pe - 1);
			fn = NULL;
		} else if (starts(line, l, "created by ")) {
			/* "created by net/http.(*Server).Serve" [" in goroutine 1"] */
			const uint8_t *in = find(line, l, " in goroutine ");
			fn = line + 11;
			fl = (in ? (size_t)(in - line) : l) - 11;
		} else if (l > 0 && line[0] != '.' && (fl = call_name_len(line, l)) > 0) {
			fn = line;
		} else {
			fn = NULL;
		}
		i = e + 1;
	}
}

/* ---------- profile.proto ---------- */

/* profile.proto field numbers (message Profile) */
enum {
	PB_SAMPLE_TYPE = 1,
	PB_SAMPLE = 2,
	PB_MAPPING = 3,
	PB_LOCATION = 4,
	PB_FUNCTION = 5,
	PB_STRING_TABLE = 6,
	PB_DROP_FRAMES = 7,
	PB_KEEP_FRAMES = 8,
	PB_TIME_NANOS = 9,
	PB_DURATION_NANOS = 10,
	PB_PERIOD_TYPE = 11,
	PB_PERIOD = 12,
	PB_COMMENT = 13,
	PB_DEFAULT_SAMPLE_TYPE = 14,
	PB_DOC_URL = 15,
	PB_MAX_KNOWN = 15,
};

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };
enum { PB_OK = 0, PB_TRUNC = -1, PB_INVALID = -2 };

static int pb_varint(struct cur *c, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned i = 0; i < 10; i++) {
		uint8_t b;
		if (cur_get_u8(c, &b))
			return PB_TRUNC;
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*v = x;
			return PB_OK;
		}
	}
	return PB_INVALID;
}

/* one field: key, then its value skipped (or, for LEN, spanned) */
static int pb_field(struct cur *c, uint32_t *field, unsigned *wt, uint64_t *v, const uint8_t **span)
{
	uint64_t key, len;
	int rc;

	if ((rc = pb_varint(c, &key)))
		return rc;
	if ((key >> 3) == 0 || (key >> 3) > 536870911u)
		return PB_INVALID;
	*field = (uint32_t)(key >> 3);
	*wt = (unsigned)(key & 7);
	switch (*wt) {
	case WT_VARINT:
		return pb_varint(c, v);
	case WT_I64:
		return cur_skip(c, 8) ? PB_TRUNC : PB_OK;
	case WT_I32:
		return cur_skip(c, 4) ? PB_TRUNC : PB_OK;
	case WT_LEN:
		if ((rc = pb_varint(c, &len)))
			return rc;
		if (len > c->left)
			return PB_TRUNC;
		*v = len;
		return cur_get_span(c, span, (size_t)len) ? PB_TRUNC : PB_OK;
	default:
		return PB_INVALID;
	}
}

/* a sub-message must be a well-formed sequence of fields, wholly inside */
static int pb_valid_msg(const uint8_t *p, size_t n)
{
	struct cur c = cur_make(p, n);
	uint32_t f;
	unsigned wt;
	uint64_t v;
	const uint8_t *sp;

	while (c.left > 0) {
		int rc = pb_field(&c, &f, &wt, &v, &sp);
		if (rc)
			return 0;
	}
	return 1;
}

/* ValueType {type = 1, unit = 2} and Function {name = 2, filename = 4}:
 * varint fields only */
static int pb_ints(const uint8_t *p, size_t n, uint64_t *vals, unsigned nvals)
{
	struct cur c = cur_make(p, n);
	uint32_t f;
	unsigned wt;
	uint64_t v;
	const uint8_t *sp;

	while (c.left > 0) {
		if (pb_field(&c, &f, &wt, &v, &sp))
			return -1;
		if (wt != WT_VARINT)
			return -1;
		if (f < nvals)
			vals[f] = v;
	}
	return 0;
}

struct pb_str {
	uint32_t off, len;
};

struct pb_profile {
	struct pb_str *strings; /* GODEBUG_PROTO_MAX_STRINGS */
	uint64_t nstrings;	/* seen, may exceed what is kept */
	uint64_t (*funcs)[2];	/* name, filename: GODEBUG_PROTO_MAX_FUNCS */
	uint64_t nfuncs;
	uint64_t types[GODEBUG_PROTO_MAX_TYPES][2];
	unsigned ntypes;
	uint64_t default_type;
	uint32_t known_fields; /* bit per known field number seen */
	uint64_t unknown;
};

static int pb_expected(uint32_t f, unsigned wt)
{
	switch (f) {
	case PB_SAMPLE_TYPE:
	case PB_SAMPLE:
	case PB_MAPPING:
	case PB_LOCATION:
	case PB_FUNCTION:
	case PB_STRING_TABLE:
	case PB_PERIOD_TYPE:
	case PB_DOC_URL:
		return wt == WT_LEN;
	case PB_COMMENT:
		return wt == WT_VARINT || wt == WT_LEN;
	default:
		return wt == WT_VARINT;
	}
}

static int pb_walk(const uint8_t *buf, size_t n, struct pb_profile *pp, struct godebug_result *out)
{
	struct cur c = cur_make(buf, n);

	while (c.left > 0) {
		uint32_t f;
		unsigned wt;
		uint64_t v = 0, vals[6];
		const uint8_t *sp = NULL;
		int rc = pb_field(&c, &f, &wt, &v, &sp);

		if (rc)
			return rc;
		if (f > PB_MAX_KNOWN) {
			pp->unknown++;
			continue;
		}
		if (!pb_expected(f, wt))
			return PB_INVALID;
		pp->known_fields |= 1u << f;
		switch (f) {
		case PB_SAMPLE_TYPE:
		case PB_PERIOD_TYPE:
			memset(vals, 0, sizeof(vals));
			if (pb_ints(sp, (size_t)v, vals, 3))
				return PB_INVALID;
			if (f == PB_SAMPLE_TYPE && pp->ntypes < GODEBUG_PROTO_MAX_TYPES) {
				pp->types[pp->ntypes][0] = vals[1];
				pp->types[pp->ntypes][1] = vals[2];
				pp->ntypes++;
			}
			break;
		case PB_SAMPLE:
		case PB_MAPPING:
		case PB_LOCATION:
			if (!pb_valid_msg(sp, (size_t)v))
				return PB_INVALID;
			if (f == PB_SAMPLE)
				out->records++;
			else if (f == PB_LOCATION)
				out->locations++;
			break;
		case PB_FUNCTION:
			memset(vals, 0, sizeof(vals));
			if (pb_ints(sp, (size_t)v, vals, 6))
				return PB_INVALID;
			if (pp->nfuncs < GODEBUG_PROTO_MAX_FUNCS) {
				pp->funcs[pp->nfuncs][0] = vals[2];
				pp->funcs[pp->nfuncs][1] = vals[4];
			}
			pp->nfuncs++;
			out->functions++;
			break;
		case PB_STRING_TABLE:
			if (pp->nstrings < GODEBUG_PROTO_MAX_STRINGS) {
				pp->strings[pp->nstrings].off = (uint32_t)(sp - buf);
				pp->strings[pp->nstrings].len = (uint32_t)v;
			}
			pp->nstrings++;
			break;
		case PB_DEFAULT_SAMPLE_TYPE:
			pp->default_type = v;
			break;
		default:
			break;
		}
	}
	return PB_OK;
}

static int pb_str_get(const struct pb_profile *pp, const uint8_t *buf, uint64_t idx,
		      const uint8_t **s, size_t *n)
{
	if (idx >= pp->nstrings || idx >= GODEBUG_PROTO_MAX_STRINGS)
		return -1;
	*s = buf + pp->strings[idx].off;
	*n = pp->strings[idx].len;
	return 0;
}

static int bytes_is(const uint8_t *s, size_t n, const char *word)
{
	return strlen(word) == n && !memcmp(s, word, n);
}

/* @return 1 when buf (n bytes, cut says the stream went on) is a
 * profile.proto message */
static int proto_profile(const uint8_t *buf, size_t n, int cut, struct godebug_result *out)
{
	static const char *const units[] = {
	    "count", "bytes", "nanoseconds", "microseconds", "milliseconds", "seconds", NULL};
	struct pb_profile pp;
	struct sample sm;
	int rc, known = 0, typical = 0, ok = 0, resolved = 0;
	const uint8_t *ts, *us;
	size_t tn, un;

	memset(&pp, 0, sizeof(pp));
	if (n < 8)
		return 0;
	/* cheap refusal before any allocation: the first key must be a known
	 * field with its wire type (most gzip bodies are text or JSON) */
	{
		struct cur c0 = cur_make(buf, n);
		uint64_t key;
		if (pb_varint(&c0, &key) || (key >> 3) == 0 || (key >> 3) > PB_MAX_KNOWN ||
		    !pb_expected((uint32_t)(key >> 3), (unsigned)(key & 7)))
			return 0;
	}
	pp.strings = malloc(GODEBUG_PROTO_MAX_STRINGS * sizeof(*pp.strings));
	pp.funcs = malloc(GODEBUG_PROTO_MAX_FUNCS * sizeof(*pp.funcs));
	if (!pp.strings || !pp.funcs)
		goto cleanup;
	rc = pb_walk(buf, n, &pp, out);
	if (rc == PB_INVALID || (rc == PB_TRUNC && !cut))
		goto cleanup;
	/* a gzip stream that did not end is truncated, whatever the walk saw */
	out->truncated = cut || rc == PB_TRUNC;
	for (unsigned f = 1; f <= PB_MAX_KNOWN; f++)
		known += (pp.known_fields >> f) & 1;
	if (pp.ntypes == 0 || known < 2 || pp.unknown > (uint64_t)known)
		goto cleanup;
	if (pp.nstrings > 0 && pp.strings[0].len != 0)
		goto cleanup; /* string_table[0] must be "" (profile.proto) */
	for (unsigned i = 0; i < pp.ntypes; i++) {
		if (pb_str_get(&pp, buf, pp.types[i][0], &ts, &tn) ||
		    pb_str_get(&pp, buf, pp.types[i][1], &us, &un))
			continue;
		resolved = 1;
		for (const char *const *u = units; *u; u++)
			if (tn > 0 && bytes_is(us, un, *u))
				typical = 1;
	}
	if (resolved)
		ok = typical;
	else
		/* Go writes the string table last: a prefix may end before (or
		 * inside) it. A stream that ended cannot lack its names. */
		ok = cut && known >= 3;

	if (!ok)
		goto cleanup;
	/* sample types, and the endpoint they imply */
	for (unsigned i = 0; i < pp.ntypes; i++) {
		char t[GODEBUG_MAX_NAME];
		if (pb_str_get(&pp, buf, pp.types[i][0], &ts, &tn) ||
		    pb_str_get(&pp, buf, pp.types[i][1], &us, &un))
			continue;
		if (tn > 70)
			tn = 70;
		if (un > 70)
			un = 70;
		memcpy(t, ts, tn);
		t[tn] = '/';
		memcpy(t + tn + 1, us, un);
		names_add(&out->types, t, tn + 1 + un);
		if (i == 0) {
			if (bytes_is(ts, tn, "goroutine"))
				out->endpoint = GODEBUG_EP_GOROUTINE;
			else if (bytes_is(ts, tn, "threadcreate"))
				out->endpoint = GODEBUG_EP_THREADCREATE;
			else if (bytes_is(ts, tn, "samples") || bytes_is(ts, tn, "cpu"))
				out->endpoint = GODEBUG_EP_PROFILE;
			else if (bytes_is(ts, tn, "contentions") || bytes_is(ts, tn, "delay"))
				out->endpoint = GODEBUG_EP_BLOCK;
			else if (bytes_is(ts, tn, "alloc_objects") ||
				 bytes_is(ts, tn, "inuse_space") ||
				 bytes_is(ts, tn, "alloc_space") ||
				 bytes_is(ts, tn, "inuse_objects"))
				out->endpoint = GODEBUG_EP_HEAP;
			else
				out->endpoint = GODEBUG_EP_PPROF_OTHER;
		}
	}
	/* allocs is heap with alloc_space as the default sample type */
	if (out->endpoint == GODEBUG_EP_HEAP && pp.default_type &&
	    !pb_str_get(&pp, buf, pp.default_type, &ts, &tn) && bytes_is(ts, tn, "alloc_space"))
		out->endpoint = GODEBUG_EP_ALLOCS;
	memset(&sm, 0, sizeof(sm));
	for (uint64_t i = 0; i < pp.nfuncs && i < GODEBUG_PROTO_MAX_FUNCS; i++) {
		const uint8_t *fs = NULL, *ps = NULL;
		size_t fl = 0, pl = 0;
		if (pb_str_get(&pp, buf, pp.funcs[i][0], &fs, &fl))
			fl = 0;
		if (pb_str_get(&pp, buf, pp.funcs[i][1], &ps, &pl))
			pl = 0;
		sample_add(&sm, fs, fl, ps, pl);
	}
	sample_finish(&sm, out);

cleanup:
	free(pp.strings);
	free(pp.funcs);
	return ok;
}

/* ---------- gzip ---------- */

/* inflates a bounded prefix; *complete when the gzip member ended in it */
static uint8_t *inflate_prefix(const uint8_t *body, size_t len, size_t *out_len, int *complete)
{
	z_stream z;
	uint8_t *buf;
	int rc;

	*out_len = 0;
	*complete = 0;
	buf = malloc(GODEBUG_INFLATE_CAP);
	if (!buf)
		return NULL;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		free(buf);
		return NULL;
	}
	z.next_in = (Bytef *)body;
	z.avail_in = len > 0x7fffffffu ? 0x7fffffffu : (uInt)len;
	z.next_out = buf;
	z.avail_out = GODEBUG_INFLATE_CAP;
	rc = inflate(&z, Z_SYNC_FLUSH);
	*out_len = GODEBUG_INFLATE_CAP - z.avail_out;
	*complete = rc == Z_STREAM_END;
	inflateEnd(&z);
	return buf;
}

/* ---------- execution trace ---------- */

static enum godebug_content exec_trace(const uint8_t *s, size_t n, int cut, struct godebug_result *out)
{
	size_t i = 5, vs;

	if (!starts(s, n, "go 1."))
		return GODEBUG_C_NONE;
	vs = 3;
	if (digits(s, n, &i, NULL) == 0 || i - 5 > 3)
		return GODEBUG_C_NONE;
	if (!starts(s + i, n - i, " trace") &&
	    !(i + 6 > n && cut && !memcmp(s + i, " trace", n - i)))
		return GODEBUG_C_NONE;
	memcpy(out->go_version, s + vs, i - vs);
	out->go_version[i - vs] = '\0';
	for (size_t j = i + 6; j < 16 && j < n; j++)
		if (s[j] != 0)
			return GODEBUG_C_NONE;
	if (n < 16) {
		if (!cut)
			return GODEBUG_C_NONE;
		out->truncated = 1;
	}
	out->endpoint = GODEBUG_EP_TRACE;
	return GODEBUG_C_EXEC_TRACE;
}

/* ---------- JSON (expvar) ---------- */

static size_t ws(const uint8_t *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

enum { J_OK = 0, J_EOF = -1, J_BAD = -2 };

/* *i at the opening quote; leaves *i after the closing one */
static int json_skip_string(const uint8_t *s, size_t n, size_t *i)
{
	size_t j = *i + 1;

	while (j < n) {
		if (s[j] == '\\') {
			j += 2;
			continue;
		}
		if (s[j] == '"') {
			*i = j + 1;
			return J_OK;
		}
		if (s[j] < 0x20)
			return J_BAD;
		j++;
	}
	return J_EOF;
}

/* skips any value, nesting counted (not recursed) up to GODEBUG_JSON_MAX_DEPTH */
static int json_skip_value(const uint8_t *s, size_t n, size_t *i)
{
	unsigned depth = 0;
	size_t j = ws(s, n, *i);

	if (j >= n)
		return J_EOF;
	if (s[j] != '{' && s[j] != '[') {
		if (s[j] == '"') {
			int rc = json_skip_string(s, n, &j);
			*i = j;
			return rc;
		}
		if (s[j] == ',' || s[j] == '}' || s[j] == ']' || s[j] == ':')
			return J_BAD;
		while (j < n && s[j] != ',' && s[j] != '}' && s[j] != ']' && s[j] != ' ' &&
		       s[j] != '\n' && s[j] != '\r' && s[j] != '\t') {
			if (!(is_digit(s[j]) || s[j] == '-' || s[j] == '+' || s[j] == '.' ||
			      (s[j] >= 'a' && s[j] <= 'z') || s[j] == 'E'))
				return J_BAD;
			j++;
		}
		*i = j;
		return j < n ? J_OK : J_EOF;
	}
	while (j < n) {
		uint8_t c = s[j];
		if (c == '"') {
			int rc = json_skip_string(s, n, &j);
			if (rc)
				return rc;
			continue;
		}
		if (c == '{' || c == '[') {
			if (++depth > GODEBUG_JSON_MAX_DEPTH)
				return J_BAD;
		} else if (c == '}' || c == ']') {
			if (--depth == 0) {
				*i = j + 1;
				return J_OK;
			}
		}
		j++;
	}
	return J_EOF;
}

static enum godebug_content expvar(const uint8_t *s, size_t n, int cut, struct godebug_result *out)
{
	size_t i = ws(s, n, 0);
	int cmdline = 0, memstats = 0, eof = 0;

	if (i >= n || s[i] != '{')
		return GODEBUG_C_NONE;
	i++;
	for (;;) {
		size_t ks, ke, vs;
		int rc;

		i = ws(s, n, i);
		if (i >= n) {
			eof = 1;
			break;
		}
		if (s[i] == '}')
			break;
		if (s[i] != '"')
			return GODEBUG_C_NONE;
		ks = i + 1;
		rc = json_skip_string(s, n, &i);
		if (rc == J_EOF) {
			eof = 1;
			break;
		}
		if (rc)
			return GODEBUG_C_NONE;
		ke = i - 1;
		i = ws(s, n, i);
		if (i >= n) {
			eof = 1;
			break;
		}
		if (s[i] != ':')
			return GODEBUG_C_NONE;
		vs = i = ws(s, n, i + 1);
		names_add(&out->keys, s + ks, ke - ks);
		rc = json_skip_value(s, n, &i);
		if (rc == J_BAD)
			return GODEBUG_C_NONE;
		if (vs < n && bytes_is(s + ks, ke - ks, "cmdline") && s[vs] == '[') {
			cmdline = 1;
			out->cmdline_json = s + vs;
			out->cmdline_json_len = (rc == J_OK ? i : n) - vs;
		}
		if (vs < n && bytes_is(s + ks, ke - ks, "memstats") && s[vs] == '{')
			memstats = 1;
		if (rc == J_EOF) {
			eof = 1;
			break;
		}
		i = ws(s, n, i);
		if (i >= n) {
			eof = 1;
			break;
		}
		if (s[i] == ',') {
			i++;
			continue;
		}
		if (s[i] == '}')
			break;
		return GODEBUG_C_NONE;
	}
	if (eof && !cut)
		return GODEBUG_C_NONE;
	if (!cmdline || (!memstats && !eof))
		return GODEBUG_C_NONE;
	out->truncated = eof;
	out->endpoint = GODEBUG_EP_EXPVAR;
	return GODEBUG_C_EXPVAR;
}

/* ---------- symbol, index, x/net/trace ---------- */

static enum godebug_content symbol(const uint8_t *s, size_t n, struct godebug_result *out)
{
	size_t i = 13;

	if (!starts(s, n, "num_symbols: "))
		return GODEBUG_C_NONE;
	if (digits(s, n, &i, &out->num_symbols) == 0 || (i < n && s[i] != '\n'))
		return GODEBUG_C_NONE;
	for (i = i + 1; i < n;) {
		size_t e = line_end(s, n, i);
		if (starts(s + i, e - i, "0x"))
			out->symbol_lines++;
		i = e + 1;
	}
	out->endpoint = GODEBUG_EP_SYMBOL;
	return GODEBUG_C_SYMBOL;
}

/* "<tr><td>6</td><td><a href='goroutine?debug=1'>goroutine</a></td></tr>" */
static void index_entries(const uint8_t *s, size_t n, struct godebug_result *out)
{
	static const char row[] = "<tr><td>";
	static const char link[] = "</td><td><a href='";
	static const char tail[] = "?debug=1'";
	size_t at = 0;

	while (at < n) {
		const uint8_t *r = find(s + at, n - at, row);
		size_t i, ns, ne;
		uint64_t count;
		unsigned before;

		if (!r)
			break;
		i = (size_t)(r - s) + sizeof(row) - 1;
		at = i;
		if (digits(s, n, &i, &count) == 0 || !starts(s + i, n - i, link))
			continue;
		ns = ne = i + sizeof(link) - 1;
		while (ne < n && s[ne] != '?' && s[ne] != '\'' && s[ne] != '<')
			ne++;
		if (ne == ns || !starts(s + ne, n - ne, tail))
			continue;
		before = out->keys.n;
		names_add(&out->keys, s + ns, ne - ns);
		if (out->keys.n > before)
			out->key_counts[before] = count;
	}
}

static enum godebug_content html_pages(const uint8_t *s, size_t n, struct godebug_result *out)
{
	size_t m = n > 64u * 1024u ? 64u * 1024u : n;

	if (find(s, m, "<title>/debug/pprof/</title>") ||
	    find(s, m, "Types of profiles available:")) {
		index_entries(s, n, out);
		out->endpoint = GODEBUG_EP_INDEX;
		return GODEBUG_C_PPROF_INDEX;
	}
	if (find(s, m, "<title>/debug/requests</title>")) {
		out->endpoint = GODEBUG_EP_REQUESTS;
		return GODEBUG_C_XNET_REQUESTS;
	}
	if (find(s, m, "<title>events</title>")) {
		out->endpoint = GODEBUG_EP_EVENTS;
		return GODEBUG_C_XNET_EVENTS;
	}
	return GODEBUG_C_NONE;
}

/* ---------- godebug_detect ---------- */

static enum godebug_content detect_plain(const uint8_t *s, size_t n, int cut, struct godebug_result *out)
{
	struct sample sm;
	enum godebug_content k;

	if (n == 0)
		return GODEBUG_C_NONE;
	if (n > GODEBUG_SCAN_CAP) {
		n = GODEBUG_SCAN_CAP;
		cut = 1;
	}
	if ((k = exec_trace(s, n, cut, out)))
		return k;
	memset(&sm, 0, sizeof(sm));
	if ((k = text_header(s, n, out))) {
		text_profile(s, n, out, &sm);
		sample_finish(&sm, out);
		out->truncated = cut;
		return k;
	}
	if (stack_header(s, line_end(s, n, 0))) {
		stack_dump(s, n, out, &sm);
		sample_finish(&sm, out);
		out->truncated = cut;
		out->endpoint = GODEBUG_EP_GOROUTINE;
		return GODEBUG_C_GOROUTINE_STACKS;
	}
	if ((k = symbol(s, n, out)))
		return k;
	if ((k = expvar(s, n, cut, out)))
		return k;
	memset(&out->keys, 0, sizeof(out->keys));
	return html_pages(s, n, out);
}

enum godebug_content godebug_detect(const uint8_t *body, size_t len, int body_cut, struct godebug_result *out)
{
	memset(out, 0, sizeof(*out));
	if (!body || len == 0)
		return GODEBUG_C_NONE;
	if (len >= 3 && body[0] == 0x1f && body[1] == 0x8b && body[2] == 8) {
		size_t n;
		int complete;
		uint8_t *buf = inflate_prefix(body, len, &n, &complete);
		enum godebug_content k = GODEBUG_C_NONE;

		if (buf && n > 0) {
			int cut = !complete;
			if (proto_profile(buf, n, cut, out)) {
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
	i = ws(json, len, 0);
	if (i >= len || json[i] != '[')
		return 0;
	i++;
	for (;;) {
		i = ws(json, len, i);
		if (i >= len || json[i] != '"')
			return count;
		if (json_string(json, len, &i, buf, sizeof(buf), &dl) != J_OK)
			return count;
		if (cb)
			cb(ctx, buf, dl);
		count++;
		i = ws(json, len, i);
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
	i = ws(body, len, 0);
	if (i < len && body[i] == '{') {
		const uint8_t *k = find(body + i, len - i, "\"token\"");
		char buf[GODEBUG_MAX_TOKEN + 1];
		if (!k)
			return 0;
		i = ws(body, len, (size_t)(k - body) + 7);
		if (i >= len || body[i] != ':')
			return 0;
		i = ws(body, len, i + 1);
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
