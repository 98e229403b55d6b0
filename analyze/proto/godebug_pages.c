/* godebug_pages.c - the plain and HTML pages of Go debug endpoints: pprof's
 * symbol answer ("num_symbols: N"), the /debug/pprof/ index page and
 * golang.org/x/net/trace's /debug/requests and /debug/events. See
 * godebug.h. */
#include "proto/godebug_int.h"

#include <string.h>

/* ---------- gd_symbol, index, x/net/trace ---------- */

enum godebug_content gd_symbol(const uint8_t *s, size_t n, struct godebug_result *out)
{
	size_t i = 13;

	if (!gd_starts(s, n, "num_symbols: "))
		return GODEBUG_C_NONE;
	if (gd_digits(s, n, &i, &out->num_symbols) == 0 || (i < n && s[i] != '\n'))
		return GODEBUG_C_NONE;
	for (i = i + 1; i < n;) {
		size_t e = gd_line_end(s, n, i);
		if (gd_starts(s + i, e - i, "0x"))
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
		const uint8_t *r = gd_find(s + at, n - at, row);
		size_t i, ns, ne;
		uint64_t count;
		unsigned before;

		if (!r)
			break;
		i = (size_t)(r - s) + sizeof(row) - 1;
		at = i;
		if (gd_digits(s, n, &i, &count) == 0 || !gd_starts(s + i, n - i, link))
			continue;
		ns = ne = i + sizeof(link) - 1;
		while (ne < n && s[ne] != '?' && s[ne] != '\'' && s[ne] != '<')
			ne++;
		if (ne == ns || !gd_starts(s + ne, n - ne, tail))
			continue;
		before = out->keys.n;
		gd_names_add(&out->keys, s + ns, ne - ns);
		if (out->keys.n > before)
			out->key_counts[before] = count;
	}
}

enum godebug_content gd_html_pages(const uint8_t *s, size_t n, struct godebug_result *out)
{
	size_t m = n > 64u * 1024u ? 64u * 1024u : n;

	if (gd_find(s, m, "<title>/debug/pprof/</title>") ||
	    gd_find(s, m, "Types of profiles available:")) {
		index_entries(s, n, out);
		out->endpoint = GODEBUG_EP_INDEX;
		return GODEBUG_C_PPROF_INDEX;
	}
	if (gd_find(s, m, "<title>/debug/requests</title>")) {
		out->endpoint = GODEBUG_EP_REQUESTS;
		return GODEBUG_C_XNET_REQUESTS;
	}
	if (gd_find(s, m, "<title>events</title>")) {
		out->endpoint = GODEBUG_EP_EVENTS;
		return GODEBUG_C_XNET_EVENTS;
	}
	return GODEBUG_C_NONE;
}
