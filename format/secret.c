/* secret.c - secret-looking keys, headers and values. Rules in secret.h. */
#include "secret.h"

#include <string.h>

#include "record.h"

struct word {
	size_t off;
	size_t len;
};

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static int is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

/* s (n bytes, lowercase) contains needle (lowercase, NUL-terminated) */
static int has(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	if (m == 0 || m > n)
		return m == 0;
	for (size_t i = 0; i + m <= n; i++)
		if (!memcmp(s + i, needle, m))
			return 1;
	return 0;
}

static int weq(const char *low, struct word w, const char *word)
{
	return strlen(word) == w.len && !memcmp(low + w.off, word, w.len);
}

static int word_in(const char *low, struct word w, const char *const *list)
{
	for (; *list; list++)
		if (weq(low, w, *list))
			return 1;
	return 0;
}

static int ends_with(const char *low, struct word w, const char *suffix)
{
	size_t m = strlen(suffix);
	return w.len >= m && !memcmp(low + w.off + w.len - m, suffix, m);
}

static const char *const descriptors[] = {
    "url",    "uri",	  "host",	"port",	  "path",     "file",	  "dir",     "type",
    "mode",   "method",	  "enabled",	"enable", "disabled", "disable",  "timeout", "ttl",
    "expiry", "expires",  "expiration", "header", "endpoint", "provider", "issuer",  "realm",
    "domain", "scope",	  "scopes",	"length", "size",     "version",  "sock",    "socket",
    "user",   "username", "name",	NULL,
};

static const char *const key_qualifiers[] = {
    "public", "pub",   "sort",	 "partition", "routing",     "primary", "foreign",
    "cache",  "shard", "lookup", "hot",	      "idempotency", NULL,
};

/* AUTH occurrences in low (n bytes): one that is not the start of
 * "author..." (other than "authoriz"/"authoris") counts. */
static int has_auth(const char *low, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++) {
		if (memcmp(low + i, "auth", 4))
			continue;
		if (i + 6 <= n && !memcmp(low + i + 4, "or", 2)) {
			if (i + 8 <= n &&
			    (!memcmp(low + i + 6, "iz", 2) || !memcmp(low + i + 6, "is", 2)))
				return 1;
			continue;
		}
		return 1;
	}
	return 0;
}

int sr_secret_key(const char *key, size_t len)
{
	char low[SR_SECRET_MAX_KEY];
	struct word w[SR_SECRET_MAX_WORDS];
	size_t nw = 0, i, start;

	if (!key || len == 0)
		return 0;
	if (len > sizeof(low))
		len = sizeof(low);
	for (i = 0; i < len; i++)
		low[i] = lower(key[i]);

	/* words: split at non-alphanumerics and at camelCase humps */
	for (start = 0, i = 0; i <= len; i++) {
		int split = i == len || !is_alnum(key[i]) ||
			    (i > start && is_lower(key[i - 1]) && is_upper(key[i]));
		if (!split)
			continue;
		if (i > start && nw < SR_SECRET_MAX_WORDS) {
			w[nw].off = start;
			w[nw].len = i - start;
			nw++;
		}
		start = (i < len && is_alnum(key[i])) ? i : i + 1;
	}
	if (nw == 0)
		return 0;
	if (word_in(low, w[nw - 1], descriptors))
		return 0;

	/* rule 1 */
	if (has(low, len, "password") || has(low, len, "passwd") || has(low, len, "passphrase") ||
	    has(low, len, "apikey") || has(low, len, "accesskey") || has(low, len, "private") ||
	    has(low, len, "credential"))
		return 1;
	/* rule 5 */
	if (has_auth(low, len))
		return 1;
	for (i = 0; i < nw; i++) {
		/* rule 2 */
		if (has(low + w[i].off, w[i].len, "secret") &&
		    !has(low + w[i].off, w[i].len, "secretar"))
			return 1;
		/* rule 3 */
		if (i + 1 < nw && weq(low, w[i + 1], "key") &&
		    (weq(low, w[i], "api") || weq(low, w[i], "access")))
			return 1;
		/* rule 4 */
		if (ends_with(low, w[i], "token") || ends_with(low, w[i], "tokens"))
			return 1;
		/* rule 6 */
		if (nw >= 2 &&
		    (weq(low, w[i], "pass") || weq(low, w[i], "pwd") || weq(low, w[i], "pw")))
			return 1;
	}
	/* rule 7 */
	if (nw >= 2 && (weq(low, w[nw - 1], "key") || weq(low, w[nw - 1], "keys")) &&
	    !word_in(low, w[nw - 2], key_qualifiers))
		return 1;
	return 0;
}

static int ieq(const char *s, size_t n, const char *lower_word)
{
	size_t m = strlen(lower_word);

	if (m != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower(s[i]) != lower_word[i])
			return 0;
	return 1;
}

/* a lower-case header name and its length: the tables below are compared with
 * every header name of every message (findings), so the length decides
 * first */
struct name {
	const char *s;
	size_t n;
};
#define W(lit)                                                                                     \
	{                                                                                          \
		lit, sizeof(lit) - 1                                                               \
	}

int sr_secret_header(const char *name, size_t len)
{
	static const struct name creds[] = {
	    W("authorization"),
	    W("proxy-authorization"),
	    W("cookie"),
	    W("set-cookie"),
	    W("x-api-key"),
	    W("api-key"),
	    W("apikey"),
	    W("x-apikey"),
	    W("x-auth-token"),
	    W("x-access-token"),
	    W("x-amz-security-token"),
	    W("x-goog-api-key"),
	    W("ocp-apim-subscription-key"),
	    W("x-functions-key"),
	    W("private-token"),
	    W("x-vault-token"),
	    W("x-consul-token"),
	    W("x-nomad-token"),
	    W("x-registry-auth"),
	    W("x-csrf-token"),
	    W("x-xsrf-token"),
	    {NULL, 0},
	};
	static const struct name not_creds[] = {
	    W("www-authenticate"),
	    W("proxy-authenticate"),
	    W("authentication-info"),
	    W("sec-websocket-key"),
	    W("sec-websocket-accept"),
	    W("access-control-request-private-network"),
	    W("access-control-allow-private-network"),
	    {NULL, 0},
	};
	const struct name *p;

	if (!name || len == 0)
		return 0;
	for (p = creds; p->s; p++)
		if (p->n == len && ieq(name, len, p->s))
			return 1;
	for (p = not_creds; p->s; p++)
		if (p->n == len && ieq(name, len, p->s))
			return 0;
	return sr_secret_key(name, len);
}

static const char *find(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; i + m <= n; i++)
		if (!memcmp(s + i, needle, m))
			return s + i;
	return NULL;
}

int sr_secret_value_url(const char *val, size_t len, size_t *pw_off, size_t *pw_len)
{
	const char *end = val + len, *p = val;

	if (!val)
		return 0;
	while (p < end) {
		const char *sep = find(p, (size_t)(end - p), "://");
		const char *u, *q, *at = NULL, *colon = NULL, *s;

		if (!sep)
			return 0;
		/* a scheme is at least one letter right before "://" */
		s = sep;
		while (s > p && (is_alnum(s[-1]) || s[-1] == '+' || s[-1] == '-' || s[-1] == '.'))
			s--;
		u = sep + 3;
		if (s == sep) {
			p = u;
			continue;
		}
		/* the authority ends at '/', '?', '#' or whitespace; the last '@'
		 * in it ends the userinfo (RFC 3986 3.2) */
		for (q = u; q < end && *q != '/' && *q != '?' && *q != '#' && *q != ' ' &&
			    *q != '\t' && *q != '\n';
		     q++)
			if (*q == '@')
				at = q;
		if (at) {
			colon = memchr(u, ':', (size_t)(at - u));
			if (colon && at > colon + 1) {
				if (pw_off)
					*pw_off = (size_t)(colon + 1 - val);
				if (pw_len)
					*pw_len = (size_t)(at - colon - 1);
				return 1;
			}
			if (!colon && (size_t)(at - u) >= SR_SECRET_MIN_TOKEN) {
				if (pw_off)
					*pw_off = (size_t)(u - val);
				if (pw_len)
					*pw_len = (size_t)(at - u);
				return 2;
			}
		}
		p = q;
	}
	return 0;
}

/* "k1=v1;k2=v2" with a secret-looking k (ADO.NET, Azure, ODBC style) */
static int conn_string_secret(const char *v, size_t n)
{
	size_t i = 0;

	if (!memchr(v, ';', n) && !memchr(v, '=', n))
		return 0;
	while (i < n) {
		size_t ks = i, ke;

		while (i < n && v[i] != '=' && v[i] != ';')
			i++;
		ke = i;
		while (ks < ke && (v[ks] == ' ' || v[ks] == '\t'))
			ks++;
		if (i < n && v[i] == '=' && ke > ks) {
			size_t vs = i + 1, ve = vs;
			while (ve < n && v[ve] != ';')
				ve++;
			/* "Pwd" alone is a one-word key; connection strings mean the password */
			if ((sr_secret_key(v + ks, ke - ks) || ieq(v + ks, ke - ks, "pwd")) &&
			    ve > vs && memchr(v, ';', n))
				return 1;
			i = ve;
		}
		i++;
	}
	return 0;
}

static int b64url(char c)
{
	return is_alnum(c) || c == '-' || c == '_';
}

/* header.payload.signature, each base64url, header and payload JSON ("eyJ") */
static int jwt(const char *v, size_t n)
{
	size_t i, dots = 0;

	if (n < SR_SECRET_MIN_TOKEN || memcmp(v, "eyJ", 3))
		return 0;
	for (i = 0; i < n; i++) {
		if (v[i] == '.') {
			dots++;
			if (dots == 1 && (i + 4 > n || memcmp(v + i + 1, "eyJ", 3)))
				return 0;
		} else if (!b64url(v[i]) && v[i] != '=') {
			return 0;
		}
	}
	return dots == 2;
}

static int aws_key_id(const char *v, size_t n)
{
	for (size_t i = 0; i + 20 <= n; i++) {
		size_t j;
		if (memcmp(v + i, "AKIA", 4) && memcmp(v + i, "ASIA", 4))
			continue;
		if (i > 0 && is_alnum(v[i - 1]))
			continue;
		for (j = 4; j < 20; j++)
			if (!(is_upper(v[i + j]) || (v[i + j] >= '0' && v[i + j] <= '9')))
				break;
		if (j == 20 && (i + 20 == n || !is_alnum(v[i + 20])))
			return 1;
	}
	return 0;
}

int sr_secret_value(const char *val, size_t len)
{
	if (!val || len == 0)
		return 0;
	if (sr_secret_value_url(val, len, NULL, NULL))
		return 1;
	if (find(val, len, "-----BEGIN ") && find(val, len, "PRIVATE KEY-----"))
		return 1;
	if (jwt(val, len) || aws_key_id(val, len))
		return 1;
	return conn_string_secret(val, len);
}

int sr_secret_param(const char *key, size_t klen, const char *val, size_t vlen)
{
	static const char *const strong[] = {"pass", "pwd", "secret",  "token",
					     "key",  "sig", "private", NULL};
	char low[SR_SECRET_MAX_KEY];
	size_t n = klen < sizeof(low) ? klen : sizeof(low);
	int word = 1;

	if (!key || !val || vlen == 0 || !sr_secret_key(key, klen))
		return 0;
	for (size_t i = 0; i < n; i++)
		low[i] = lower(key[i]);
	for (const char *const *w = strong; *w; w++)
		if (has(low, n, *w))
			return 1;
	if (vlen > SR_SECRET_MODE_WORD)
		return 1;
	for (size_t i = 0; i < vlen; i++)
		if (!(val[i] >= 'a' && val[i] <= 'z') && !(val[i] >= 'A' && val[i] <= 'Z'))
			word = 0;
	return !word;
}

/* ---------- redaction ---------- */

/* output with a cap: bytes past dst_cap - 1 are dropped, never a secret's */
struct out {
	char *dst;
	size_t cap, o;
	int redacted;
};

static void put(struct out *w, const char *s, size_t n)
{
	if (w->o + 1 >= w->cap)
		return;
	if (n > w->cap - 1 - w->o)
		n = w->cap - 1 - w->o;
	memcpy(w->dst + w->o, s, n);
	w->o += n;
}

static void put_redacted(struct out *w)
{
	put(w, SR_REDACTED, sizeof(SR_REDACTED) - 1);
	w->redacted = 1;
}

static int is_ident(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

/* curl-style "user:password" options */
static int is_userpass_flag(const char *name, size_t n)
{
	return ieq(name, n, "u") || ieq(name, n, "user") || ieq(name, n, "proxy-user") ||
	       ieq(name, n, "U");
}

/* a value that is "user:password": the password goes */
static void put_userpass(struct out *w, const char *v, size_t n)
{
	const char *colon = memchr(v, ':', n);

	if (!colon || (size_t)(colon - v) + 1 == n) {
		put(w, v, n);
		return;
	}
	put(w, v, (size_t)(colon - v) + 1);
	put_redacted(w);
}

/* URLs in t: userinfo passwords and the values of secret-named query
 * parameters go. @return 1 when t holds a URL that was written (redacted or
 * not), 0 when there is no URL (nothing written). */
static int put_urls(struct out *w, const char *t, size_t n)
{
	const char *end = t + n, *p = t, *copied = t;
	int any = 0;

	while (p < end) {
		const char *sep = find(p, (size_t)(end - p), "://"), *s, *u, *q, *at = NULL;
		size_t pw_off, pw_len;

		if (!sep)
			break;
		s = sep;
		while (s > p && (is_alnum(s[-1]) || s[-1] == '+' || s[-1] == '-' || s[-1] == '.'))
			s--;
		u = sep + 3;
		if (s == sep) {
			p = u;
			continue;
		}
		any = 1;
		for (q = u; q < end && *q != '/' && *q != '?' && *q != '#' && *q != ' '; q++)
			if (*q == '@')
				at = q;
		if (at && sr_secret_value_url(s, (size_t)(at + 1 - s), &pw_off, &pw_len)) {
			put(w, copied, (size_t)(s + pw_off - copied));
			put_redacted(w);
			copied = s + pw_off + pw_len;
		}
		/* the query: "?k=v&k=v" up to '#' or the end of the token */
		while (q < end && *q != '?' && *q != '#' && *q != ' ')
			q++;
		if (q < end && *q == '?') {
			q++;
			while (q < end && *q != '#' && *q != ' ') {
				const char *ks = q, *ke, *ve;
				while (q < end && *q != '=' && *q != '&' && *q != '#' && *q != ' ')
					q++;
				ke = q;
				if (q < end && *q == '=') {
					ve = ++q;
					while (ve < end && *ve != '&' && *ve != '#' && *ve != ' ')
						ve++;
					if (sr_secret_param(ks, (size_t)(ke - ks), q,
							    (size_t)(ve - q))) {
						put(w, copied, (size_t)(q - copied));
						put_redacted(w);
						copied = ve;
					}
					q = ve;
				}
				if (q < end && *q == '&')
					q++;
			}
		}
		p = q > u ? q : u;
	}
	if (!any)
		return 0;
	put(w, copied, (size_t)(end - copied));
	return 1;
}

/* "Authorization: Bearer x": a credential header with its value */
static int header_form(const char *a, size_t n, size_t *name_len)
{
	const char *colon = memchr(a, ':', n);

	if (!colon || colon == a || !is_ident(a, (size_t)(colon - a)))
		return 0;
	if ((size_t)(colon - a) + 1 < n && colon[1] != ' ' && colon[1] != '\t')
		return 0; /* "host:port", "user:pass": no header */
	*name_len = (size_t)(colon - a);
	return sr_secret_header(a, *name_len);
}

/* one word: no whitespace inside (or a whole argument without any) */
static void put_word(struct sr_secret_argv *st, struct out *w, const char *a, size_t n)
{
	const char *eq = n ? memchr(a, '=', n) : NULL;

	if (st->redact_next) {
		/* the value of "-token VALUE", whatever it is */
		st->redact_next = 0;
		put_redacted(w);
		return;
	}
	if (st->userpass_next) {
		st->userpass_next = 0;
		put_userpass(w, a, n);
		return;
	}
	if (n >= 2 && a[0] == '-') {
		size_t ns = a[1] == '-' ? 2 : 1;
		size_t ne = eq ? (size_t)(eq - a) : n;
		if (ne > ns && is_userpass_flag(a + ns, ne - ns)) {
			if (eq) {
				put(w, a, ne + 1);
				put_userpass(w, eq + 1, n - ne - 1);
			} else {
				st->userpass_next = 1;
				put(w, a, n);
			}
			return;
		}
		if (ne > ns && sr_secret_key(a + ns, ne - ns)) {
			if (eq) {
				put(w, a, ne + 1);
				put_redacted(w);
			} else {
				st->redact_next = 1;
				put(w, a, n);
			}
			return;
		}
	} else if (eq && is_ident(a, (size_t)(eq - a)) && sr_secret_key(a, (size_t)(eq - a))) {
		/* NAME=value, as env(1) and make take them */
		put(w, a, (size_t)(eq - a) + 1);
		put_redacted(w);
		return;
	}
	if (put_urls(w, a, n))
		return;
	if (sr_secret_value(a, n) || (eq && sr_secret_value(eq + 1, n - (size_t)(eq + 1 - a)))) {
		if (eq && a[0] == '-')
			put(w, a, (size_t)(eq - a) + 1);
		put_redacted(w);
		return;
	}
	put(w, a, n);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_quote(char c)
{
	return c == '"' || c == '\'' || c == '`';
}

/* an argument with whitespace inside: a script ("sh -c '...'"), a header,
 * a list. Words are redacted one by one with their own flag state; a
 * credential header name ("Authorization:") takes the rest of its quoted
 * segment or line with it. */
static void put_text(struct out *w, const char *a, size_t n)
{
	struct sr_secret_argv st = {0};
	size_t i = 0;

	while (i < n) {
		size_t j = i, hl;
		if (is_space(a[i]) || is_quote(a[i])) {
			put(w, a + i, 1);
			i++;
			continue;
		}
		while (j < n && !is_space(a[j]) && !is_quote(a[j]))
			j++;
		if (a[j - 1] == ':' && header_form(a + i, j - i, &hl)) {
			size_t k = j;
			put(w, a + i, j - i);
			while (k < n && (a[k] == ' ' || a[k] == '\t'))
				k++;
			put(w, a + j, k - j);
			j = k;
			while (k < n && !is_quote(a[k]) && a[k] != '\n')
				k++;
			if (k > j)
				put_redacted(w);
			i = k;
			continue;
		}
		put_word(&st, w, a + i, j - i);
		i = j;
	}
}

int sr_secret_redact_arg(struct sr_secret_argv *st, const char *arg, size_t len, char *dst,
			 size_t dst_cap)
{
	struct out w = {dst, dst_cap, 0, 0};
	size_t hl;
	int spaces = 0;

	if (!dst || dst_cap == 0)
		return 0;
	if (!arg)
		len = 0;
	for (size_t i = 0; i < len; i++)
		spaces |= is_space(arg[i]);
	if (st->redact_next || st->userpass_next || !spaces) {
		put_word(st, &w, arg, len);
	} else if (header_form(arg, len, &hl)) {
		/* "Authorization: Bearer x" as one argument (curl -H) */
		put(&w, arg, hl + 1);
		put(&w, " ", 1);
		put_redacted(&w);
	} else {
		put_text(&w, arg, len);
	}
	dst[w.o] = '\0';
	return w.redacted;
}
