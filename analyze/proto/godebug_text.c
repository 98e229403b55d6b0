/* godebug_text.c - pprof's text formats: profiles with debug=1 (heap,
 * allocs, block, mutex, threadcreate, goroutine counts) and goroutine stack
 * dumps (debug=2, as runtime.Stack writes them). See godebug.h. */
#include "proto/godebug_int.h"

#include <string.h>

/* ---------- text profiles (debug=1) ---------- */

/* "#\t0x67fa9c\tmain.worker+0x3c\t/tmp/gopp/main.go:16" */
static void text_frame(const uint8_t *s, size_t n, struct gd_sample *sm)
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
	gd_sample_add(sm, s + fs, fe - fs, s + ps, pe - ps);
}

void gd_text_profile(const uint8_t *s, size_t n, struct godebug_result *out, struct gd_sample *sm)
{
	size_t i = 0;

	while (i < n) {
		size_t e = gd_line_end(s, n, i), j = i;
		if (e - i >= 2 && s[i] == '#' && s[i + 1] == '\t') {
			text_frame(s + i, e - i, sm);
		} else if (gd_digits(s, e, &j, NULL) > 0 && e - j >= 2 && s[j] == ' ' &&
			   s[j + 1] == '@') {
			out->records++;
		} else if ((j = i, gd_digits(s, e, &j, NULL) > 0) && j < e && s[j] == ':') {
			/* heap/allocs record: "1: 416 [1: 416] @ 0x..." */
			if (gd_find(s + i, e - i, "] @"))
				out->records++;
		}
		i = e + 1;
	}
}

/* "NAME profile: total N", "heap profile: ...", "--- contention:", "--- mutex:" */
enum godebug_content gd_text_header(const uint8_t *s, size_t n, struct godebug_result *out)
{
	size_t e = gd_line_end(s, n, 0), i = 0;
	const uint8_t *tag;

	if (gd_starts(s, e, "--- contention:") || gd_starts(s, e, "--- mutex:")) {
		int mutex = s[4] == 'm';
		/* the next line is "cycles/second=N" (or the body ends first) */
		if (e < n && !gd_prefix_or_cut(s + e + 1, n - e - 1, "cycles/second="))
			return GODEBUG_C_NONE;
		strcpy(out->profile_name, mutex ? "mutex" : "block");
		out->endpoint = mutex ? GODEBUG_EP_MUTEX : GODEBUG_EP_BLOCK;
		return GODEBUG_C_PROFILE_TEXT;
	}
	tag = gd_find(s, e, " profile: ");
	if (!tag || tag == s || (size_t)(tag - s) >= sizeof(out->profile_name))
		return GODEBUG_C_NONE;
	for (const uint8_t *p = s; p < tag; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || gd_is_digit(*p) ||
		      *p == '_' || *p == '-' || *p == '.' || *p == '/'))
			return GODEBUG_C_NONE;
	memcpy(out->profile_name, s, (size_t)(tag - s));
	out->profile_name[tag - s] = '\0';
	i = (size_t)(tag - s) + 10;
	if (!strcmp(out->profile_name, "heap")) {
		/* "heap profile: 2: 512 [2: 512] @ heap/1048576" */
		if (gd_digits(s, e, &i, NULL) == 0 || i >= e || s[i] != ':')
			return GODEBUG_C_NONE;
		out->endpoint = GODEBUG_EP_HEAP;
		return GODEBUG_C_PROFILE_TEXT;
	}
	if (!gd_starts(s + i, e - i, "total "))
		return GODEBUG_C_NONE;
	i += 6;
	if (gd_digits(s, e, &i, &out->stacks) == 0 || i != e)
		return GODEBUG_C_NONE;
	if (!strcmp(out->profile_name, "goroutine")) {
		out->endpoint = GODEBUG_EP_GOROUTINE;
		return GODEBUG_C_GOROUTINE_TEXT;
	}
	out->endpoint = !strcmp(out->profile_name, "threadcreate") ? GODEBUG_EP_THREADCREATE
								   : GODEBUG_EP_PPROF_OTHER;
	return GODEBUG_C_PROFILE_TEXT;
}

/* ---------- goroutine stack dumps (debug=2) ---------- */

/* "goroutine 19 [running]:", "goroutine 1 [IO wait, 3 minutes]:",
 * "goroutine 7 gp=0xc000 m=nil [chan receive]:" (newer Go) */
int gd_stack_header(const uint8_t *s, size_t n)
{
	size_t i = 10;

	if (!gd_starts(s, n, "goroutine "))
		return 0;
	if (gd_digits(s, n, &i, NULL) == 0 || i >= n || s[i] != ' ')
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

void gd_stack_dump(const uint8_t *s, size_t n, struct godebug_result *out, struct gd_sample *sm)
{
	size_t i = 0;
	const uint8_t *fn = NULL;
	size_t fl = 0;

	while (i < n) {
		size_t e = gd_line_end(s, n, i), l = e - i;
		const uint8_t *line = s + i;

		if (gd_stack_header(line, l)) {
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
				gd_sample_add(sm, fn, fl, line + 1, pe - 1);
			fn = NULL;
		} else if (gd_starts(line, l, "created by ")) {
			/* "created by net/http.(*Server).Serve" [" in goroutine 1"] */
			const uint8_t *in = gd_find(line, l, " in goroutine ");
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
