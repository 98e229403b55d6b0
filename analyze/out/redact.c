/* redact.c - credential header values out of http.jsonl (see redact.h). */
#include <string.h>

#include "out/redact.h"
#include "record.h"
#include "secret.h"

void redact_value(struct dbuf *out, const uint8_t *name, size_t nl, const uint8_t *val, size_t vl)
{
	/* keep the scheme of credentials ("Basic", "Bearer"): RFC 9110 11.4 */
	if (ieq(name, nl, "authorization") || ieq(name, nl, "proxy-authorization")) {
		size_t i = 0;
		while (i < vl && val[i] != ' ' && i < 32)
			i++;
		if (i < vl && val[i] == ' ' && i > 0) {
			dbuf_put(out, val, i + 1);
		}
	}
	dbuf_puts(out, SR_REDACTED);
}

bool redact_header(struct redact_memo *memo, const uint8_t *name, size_t n)
{
	struct redact_memo_ent *m;

	if (!memo || n == 0 || n > REDACT_MEMO_NAME)
		return sr_secret_header((const char *)name, n) != 0;
	m = &memo->e[(n * 7 + name[0] * 3u + name[n - 1]) & (REDACT_MEMO - 1)];
	if (m->len != n || memcmp(m->name, name, n)) {
		m->len = (uint8_t)n;
		memcpy(m->name, name, n);
		m->secret = sr_secret_header((const char *)name, n) != 0;
	}
	return m->secret;
}

bool redact_raw(struct redact_memo *memo, struct dbuf *out, const uint8_t *raw, size_t n)
{
	size_t i = 0, done = 0; /* raw[0..done) is in out, as it is or redacted */
	bool first = true, prev_secret = false, changed = false;

	while (i < n) {
		const uint8_t *lf = memchr(raw + i, '\n', n - i);
		size_t e = lf ? (size_t)(lf - raw) + 1 : n; /* line with its LF */
		size_t le = e;				    /* without CR LF */
		const uint8_t *colon;

		if (le > i && raw[le - 1] == '\n')
			le--;
		if (le > i && raw[le - 1] == '\r')
			le--;
		if (first) {
			first = false;
		} else if (le == i && lf) {
			break; /* end of the head: the body is copied as it is */
		} else if (raw[i] == ' ' || raw[i] == '\t') {
			if (prev_secret) { /* obs-fold continuation of a secret */
				dbuf_put(out, raw + done, i - done);
				dbuf_putc(out, ' ');
				dbuf_puts(out, SR_REDACTED);
				dbuf_put(out, raw + le, e - le);
				done = i = e;
				changed = true;
				continue;
			}
		} else if ((colon = memchr(raw + i, ':', le - i)) != NULL) {
			size_t nl = (size_t)(colon - raw) - i;
			prev_secret = redact_header(memo, raw + i, nl);
			if (prev_secret) {
				size_t v = (size_t)(colon - raw) + 1;
				while (v < le && (raw[v] == ' ' || raw[v] == '\t'))
					v++;
				dbuf_put(out, raw + done, v - done);
				redact_value(out, raw + i, nl, raw + v, le - v);
				dbuf_put(out, raw + le, e - le);
				done = i = e;
				changed = true;
				continue;
			}
		} else {
			prev_secret = false;
		}
		i = e;
	}
	if (changed)
		dbuf_put(out, raw + done, n - done);
	return changed;
}
