/* json.c - a small, bounded JSON reader. See json.h. RFC 8259. */
#include "json.h"

#include <string.h>

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* @return the end of the string starting at p (at '"'), or NULL. */
static const char *skip_string(const char *p, const char *end)
{
	p++;
	while (p < end) {
		unsigned char c = *p;

		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			if (p + 1 >= end)
				return NULL;
			switch (p[1]) {
			case '"':
			case '\\':
			case '/':
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't':
				p += 2;
				break;
			case 'u':
				if (end - p < 6 || hexval(p[2]) < 0 || hexval(p[3]) < 0 ||
				    hexval(p[4]) < 0 || hexval(p[5]) < 0)
					return NULL;
				p += 6;
				break;
			default:
				return NULL;
			}
			continue;
		}
		p++;
	}
	return NULL;
}

static const char *skip_digits(const char *p, const char *end)
{
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p;
}

static const char *skip_number(const char *p, const char *end)
{
	const char *q;

	if (p < end && *p == '-')
		p++;
	if (p >= end)
		return NULL;
	if (*p == '0') {
		p++;
	} else {
		q = skip_digits(p, end);
		if (q == p)
			return NULL;
		p = q;
	}
	if (p < end && *p == '.') {
		q = skip_digits(p + 1, end);
		if (q == p + 1)
			return NULL;
		p = q;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		q = skip_digits(p, end);
		if (q == p)
			return NULL;
		p = q;
	}
	return p;
}

static const char *skip_literal(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - p) < n || memcmp(p, lit, n))
		return NULL;
	return p + n;
}

/* @return the end of the value starting at p (no leading blanks), or NULL. */
static const char *skip_value(const char *p, const char *end, int depth)
{
	char close;

	if (p >= end)
		return NULL;
	switch (*p) {
	case '"':
		return skip_string(p, end);
	case 't':
		return skip_literal(p, end, "true");
	case 'f':
		return skip_literal(p, end, "false");
	case 'n':
		return skip_literal(p, end, "null");
	case '{':
		close = '}';
		break;
	case '[':
		close = ']';
		break;
	default:
		return skip_number(p, end);
	}
	if (depth >= CAP_JSON_MAX_DEPTH)
		return NULL;
	p = skip_ws(p + 1, end);
	if (p < end && *p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			if (p >= end || *p != '"')
				return NULL;
			p = skip_string(p, end);
			if (!p)
				return NULL;
			p = skip_ws(p, end);
			if (p >= end || *p != ':')
				return NULL;
			p = skip_ws(p + 1, end);
		}
		p = skip_value(p, end, depth + 1);
		if (!p)
			return NULL;
		p = skip_ws(p, end);
		if (p >= end)
			return NULL;
		if (*p == close)
			return p + 1;
		if (*p != ',')
			return NULL;
		p = skip_ws(p + 1, end);
	}
}

int cap_json_parse(const char *doc, size_t len, struct cap_json *root)
{
	const char *end = doc + len, *p = skip_ws(doc, end), *q;

	q = skip_value(p, end, 0);
	if (!q || skip_ws(q, end) != end)
		return -1;
	root->p = p;
	root->n = q - p;
	return 0;
}

int cap_json_kind(const struct cap_json *v)
{
	if (!v->n)
		return 0;
	switch (v->p[0]) {
	case '{':
	case '[':
	case '"':
	case 't':
	case 'f':
	case 'n':
		return v->p[0];
	default:
		return '0';
	}
}

int cap_json_iter_init(const struct cap_json *v, struct cap_json_iter *it)
{
	int k = cap_json_kind(v);

	if (k != '{' && k != '[')
		return -1;
	it->p = v->p + 1;
	it->end = v->p + v->n;
	it->close = k == '{' ? '}' : ']';
	it->first = 1;
	return 0;
}

int cap_json_iter_next(struct cap_json_iter *it, struct cap_json *key, struct cap_json *val)
{
	const char *p = skip_ws(it->p, it->end), *q;

	if (p >= it->end || *p == it->close)
		return 0;
	if (!it->first) {
		if (*p != ',')
			return 0;
		p = skip_ws(p + 1, it->end);
	}
	it->first = 0;
	key->p = p;
	key->n = 0;
	if (it->close == '}') {
		q = p < it->end && *p == '"' ? skip_string(p, it->end) : NULL;
		if (!q)
			return 0;
		key->n = q - p;
		p = skip_ws(q, it->end);
		if (p >= it->end || *p != ':')
			return 0;
		p = skip_ws(p + 1, it->end);
	}
	q = skip_value(p, it->end, 0);
	if (!q)
		return 0;
	val->p = p;
	val->n = q - p;
	it->p = q;
	return 1;
}

int cap_json_member(const struct cap_json *obj, const char *key, struct cap_json *out)
{
	struct cap_json_iter it;
	struct cap_json k, v;

	if (cap_json_kind(obj) != '{' || cap_json_iter_init(obj, &it))
		return 0;
	while (cap_json_iter_next(&it, &k, &v)) {
		if (cap_json_string_is(&k, key)) {
			*out = v;
			return 1;
		}
	}
	return 0;
}

int cap_json_path(const struct cap_json *root, const char *dotted, struct cap_json *out)
{
	struct cap_json cur = *root;
	char name[256];

	while (*dotted) {
		const char *dot = strchr(dotted, '.');
		size_t n = dot ? (size_t)(dot - dotted) : strlen(dotted);

		if (n >= sizeof(name))
			return 0;
		memcpy(name, dotted, n);
		name[n] = 0;
		if (!cap_json_member(&cur, name, &cur))
			return 0;
		dotted += n + (dot ? 1 : 0);
	}
	*out = cur;
	return 1;
}

/* Appends the UTF-8 encoding of cp; @return bytes or -1 when it does not fit. */
static int put_utf8(char *dst, size_t cap, size_t at, unsigned cp)
{
	unsigned char b[4];
	int n;

	if (cp < 0x80) {
		b[0] = cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = 0xc0 | cp >> 6;
		b[1] = 0x80 | (cp & 0x3f);
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = 0xe0 | cp >> 12;
		b[1] = 0x80 | ((cp >> 6) & 0x3f);
		b[2] = 0x80 | (cp & 0x3f);
		n = 3;
	} else {
		b[0] = 0xf0 | cp >> 18;
		b[1] = 0x80 | ((cp >> 12) & 0x3f);
		b[2] = 0x80 | ((cp >> 6) & 0x3f);
		b[3] = 0x80 | (cp & 0x3f);
		n = 4;
	}
	if (at + n >= cap)
		return -1;
	memcpy(dst + at, b, n);
	return n;
}

static unsigned hex4(const char *p)
{
	return hexval(p[0]) << 12 | hexval(p[1]) << 8 | hexval(p[2]) << 4 | hexval(p[3]);
}

long cap_json_string(const struct cap_json *v, char *dst, size_t dst_cap)
{
	const char *p, *end;
	size_t out = 0;

	if (cap_json_kind(v) != '"' || v->n < 2 || !dst_cap)
		return -1;
	p = v->p + 1;
	end = v->p + v->n - 1; /* the closing quote */
	while (p < end) {
		char c = *p;
		int n;

		if (c != '\\') {
			if (out + 1 >= dst_cap)
				return -1;
			dst[out++] = c;
			p++;
			continue;
		}
		if (p + 1 >= end)
			return -1;
		switch (p[1]) {
		case 'b':
			c = '\b';
			break;
		case 'f':
			c = '\f';
			break;
		case 'n':
			c = '\n';
			break;
		case 'r':
			c = '\r';
			break;
		case 't':
			c = '\t';
			break;
		case 'u': {
			unsigned cp;

			if (end - p < 6 || hexval(p[2]) < 0 || hexval(p[3]) < 0 ||
			    hexval(p[4]) < 0 || hexval(p[5]) < 0)
				return -1;
			cp = hex4(p + 2);
			p += 6;
			if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' &&
			    p[1] == 'u' && hexval(p[2]) >= 0 && hexval(p[3]) >= 0 &&
			    hexval(p[4]) >= 0 && hexval(p[5]) >= 0) {
				unsigned lo = hex4(p + 2);

				if (lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					p += 6;
				}
			}
			if (cp >= 0xd800 && cp < 0xe000)
				cp = 0xfffd; /* a lone surrogate */
			if (cp == 0)
				return -1;
			n = put_utf8(dst, dst_cap, out, cp);
			if (n < 0)
				return -1;
			out += n;
			continue;
		}
		default:
			c = p[1];
			break; /* '"', '\\', '/' */
		}
		if (out + 1 >= dst_cap)
			return -1;
		dst[out++] = c;
		p += 2;
	}
	dst[out] = 0;
	return out;
}

int cap_json_string_is(const struct cap_json *v, const char *s)
{
	char buf[256];
	long n = cap_json_string(v, buf, sizeof(buf));

	return n >= 0 && (size_t)n == strlen(s) && !memcmp(buf, s, n);
}
