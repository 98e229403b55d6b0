/* compare.c - replayed vs recorded responses, with noise rules (see compare.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "out/schema.h"
#include "regress/compare.h"

static const char *const rule_names[CMP_NRULES] = {
    [CMP_TIMESTAMP] = "timestamp", [CMP_UUID] = "uuid",		  [CMP_VARIED] = "varied",
    [CMP_IGNORED] = "ignored",	   [CMP_NOT_WHOLE] = "not_whole",
};

const char *cmp_rule_name(enum cmp_rule r)
{
	return r < CMP_NRULES ? rule_names[r] : "?";
}

/* ---- value rules ---- */

/* s matches pat: 'D' a digit, 'A' a letter, anything else itself; the
 * whole of pat is consumed. @return bytes matched, 0 when it does not */
static size_t shape(const char *s, size_t n, const char *pat)
{
	size_t i = 0;

	for (; *pat; pat++, i++) {
		if (i >= n)
			return 0;
		if (*pat == 'D'	  ? !isdigit((unsigned char)s[i])
		    : *pat == 'A' ? !isalpha((unsigned char)s[i])
				  : s[i] != *pat)
			return 0;
	}
	return i;
}

static size_t digits(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && isdigit((unsigned char)s[i]))
		i++;
	return i;
}

/* RFC 3339 / ISO 8601 extended: YYYY-MM-DD[(T|t| )hh:mm[:ss[(.|,)f+]][Z|(+|-)hh[[:]mm]]] */
static bool iso8601(const char *s, size_t n)
{
	size_t i = shape(s, n, "DDDD-DD-DD"), k;

	if (!i)
		return false;
	if (i == n)
		return true;
	if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
		return false;
	i++;
	if (!(k = shape(s + i, n - i, "DD:DD")))
		return false;
	i += k;
	if ((k = shape(s + i, n - i, ":DD")))
		i += k;
	if (i < n && (s[i] == '.' || s[i] == ',')) {
		k = digits(s + i + 1, n - i - 1);
		if (!k)
			return false;
		i += 1 + k;
	}
	if (i == n)
		return true;
	if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n)
		return true;
	if (s[i] != '+' && s[i] != '-')
		return false;
	i++;
	if (!(k = shape(s + i, n - i, "DD")))
		return false;
	i += k;
	if (i < n && s[i] == ':')
		i++;
	if (i < n && (k = shape(s + i, n - i, "DD")))
		i += k;
	return i == n;
}

/* RFC 9110 5.6.7: IMF-fixdate, obsolete RFC 850 and asctime forms */
static bool http_date(const char *s, size_t n)
{
	size_t i = 0;

	if (shape(s, n, "AAA, DD AAA DDDD DD:DD:DD GMT") == n)
		return true;
	if (shape(s, n, "AAA AAA DD DD:DD:DD DDDD") == n ||
	    shape(s, n, "AAA AAA  D DD:DD:DD DDDD") == n)
		return true;
	while (i < n && isalpha((unsigned char)s[i]))
		i++;
	return i >= 6 && i <= 9 && shape(s + i, n - i, ", DD-AAA-DD DD:DD:DD GMT") == n - i;
}

bool cmp_is_timestamp(const char *s, size_t n)
{
	return s && n >= 10 && n <= 64 && (iso8601(s, n) || http_date(s, n));
}

bool cmp_is_uuid(const char *s, size_t n)
{
	if (!s || n != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* ---- paths ---- */

bool cmp_path_match(const char *p, const char *x)
{
	while (*p) {
		if (p[0] == '[' && p[1] == '*' && p[2] == ']') {
			if (*x != '[' || !isdigit((unsigned char)x[1]))
				return false;
			x++;
			while (isdigit((unsigned char)*x))
				x++;
			if (*x != ']')
				return false;
			x++;
			p += 3;
			continue;
		}
		if (*p != *x)
			return false;
		p++;
		x++;
	}
	/* the whole path, or a prefix that ends at a step */
	return *x == 0 || *x == '.' || *x == '[';
}

static bool key_is_ident(const char *k)
{
	if (!*k || !(isalpha((unsigned char)*k) || *k == '_'))
		return false;
	for (; *k; k++)
		if (!(isalnum((unsigned char)*k) || *k == '_' || *k == '-'))
			return false;
	return true;
}

static char *path_key(const char *path, const char *key)
{
	struct dbuf b = {0};

	dbuf_puts(&b, path);
	if (key_is_ident(key)) {
		dbuf_putc(&b, '.');
		dbuf_puts(&b, key);
	} else {
		dbuf_puts(&b, "[\"");
		json_escape(&b, (const uint8_t *)key, strlen(key));
		dbuf_puts(&b, "\"]");
	}
	dbuf_cstr(&b);
	return (char *)b.p;
}

static char *path_index(const char *path, size_t i)
{
	struct dbuf b = {0};
	dbuf_printf(&b, "%s[%zu]", path, i);
	dbuf_cstr(&b);
	return (char *)b.p;
}

/* ---- results ---- */

/* prefix + field, as a new string */
static char *field_name(const char *prefix, const char *field)
{
	struct dbuf b = {0};

	dbuf_puts(&b, prefix);
	dbuf_puts(&b, field);
	dbuf_cstr(&b);
	return (char *)b.p;
}

static void add_what(struct cmp_result *c, const char *prefix, const char *field)
{
	if (c->nwhat >= CMP_MAX_WHAT) {
		c->more_what++;
		return;
	}
	c->what = xrealloc(c->what, size_mul(c->nwhat + 1, sizeof(*c->what)));
	c->what[c->nwhat++] = field_name(prefix, field);
}

static void add_noise(struct cmp_result *c, const char *prefix, const char *field,
		      enum cmp_rule rule)
{
	if (c->nnoise >= CMP_MAX_NOISE) {
		c->more_noise++;
		return;
	}
	c->noise = xrealloc(c->noise, size_mul(c->nnoise + 1, sizeof(*c->noise)));
	c->noise[c->nnoise].field = field_name(prefix, field);
	c->noise[c->nnoise++].rule = rule;
}

void cmp_result_free(struct cmp_result *c)
{
	for (size_t i = 0; i < c->nwhat; i++)
		free(c->what[i]);
	for (size_t i = 0; i < c->nnoise; i++)
		free(c->noise[i].field);
	free(c->what);
	free(c->noise);
	memset(c, 0, sizeof(*c));
}

/* is field (a full field name: "body $.x", "status") covered by a pattern */
static bool matches_any(const char *const *pats, size_t n, const char *field)
{
	for (size_t i = 0; i < n; i++)
		if (cmp_path_match(pats[i], field))
			return true;
	return false;
}

/* the rule that excuses a difference at field, or -1. prefix + path is
 * the field name ("body " + "$.x"); --ignore patterns are body paths */
static int excused(const struct cmp_rules *r, const char *prefix, const char *path)
{
	char *field;
	bool varied;

	if (r && !strcmp(prefix, "body ") && matches_any(r->ignore, r->nignore, path))
		return CMP_IGNORED;
	if (!r || !r->nvaries)
		return -1;
	field = field_name(prefix, path);
	varied = matches_any(r->varies, r->nvaries, field);
	free(field);
	return varied ? CMP_VARIED : -1;
}

/* two different values at one field: noise (by rule) or a difference */
static void differ(struct cmp_result *c, const struct cmp_rules *r, const char *prefix,
		   const char *path, const char *a, size_t an, const char *b, size_t bn)
{
	int rule = excused(r, prefix, path);

	if (rule < 0 && a && b) {
		if (cmp_is_timestamp(a, an) && cmp_is_timestamp(b, bn))
			rule = CMP_TIMESTAMP;
		else if (cmp_is_uuid(a, an) && cmp_is_uuid(b, bn))
			rule = CMP_UUID;
	}
	if (rule >= 0)
		add_noise(c, prefix, path, (enum cmp_rule)rule);
	else
		add_what(c, prefix, path);
}

/* ---- JSON ---- */

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void cmp_object(const json_t *a, const json_t *b, const char *path,
		       const struct cmp_rules *r, struct cmp_result *out)
{
	size_t na = json_object_size(a), nb = json_object_size(b), n = 0;
	const char **keys = xcalloc(na + nb + 1, sizeof(*keys));
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)a, k, v) keys[n++] = k;
	json_object_foreach((json_t *)b, k, v) if (!json_object_get(a, k)) keys[n++] = k;
	sort_n(keys, n, sizeof(*keys), str_cmp);
	for (size_t i = 0; i < n; i++) {
		char *p = path_key(path, keys[i]);
		json_t *x = json_object_get(a, keys[i]), *y = json_object_get(b, keys[i]);
		if (x && y)
			cmp_json(x, y, p, r, out);
		else
			differ(out, r, "body ", p, NULL, 0, NULL, 0);
		free(p);
	}
	free(keys);
}

void cmp_json(const json_t *a, const json_t *b, const char *path, const struct cmp_rules *r,
	      struct cmp_result *out)
{
	if (json_equal((json_t *)a, (json_t *)b))
		return;
	if (json_typeof(a) != json_typeof(b) && !(json_is_boolean(a) && json_is_boolean(b))) {
		differ(out, r, "body ", path, NULL, 0, NULL, 0);
		return;
	}
	if (excused(r, "body ", path) >= 0) {
		differ(out, r, "body ", path, NULL, 0, NULL, 0);
		return;
	}
	switch (json_typeof(a)) {
	case JSON_OBJECT:
		cmp_object(a, b, path, r, out);
		return;
	case JSON_ARRAY: {
		size_t na = json_array_size(a), nb = json_array_size(b);
		for (size_t i = 0; i < (na > nb ? na : nb); i++) {
			char *p = path_index(path, i);
			if (i < na && i < nb)
				cmp_json(json_array_get(a, i), json_array_get(b, i), p, r, out);
			else
				differ(out, r, "body ", p, NULL, 0, NULL, 0);
			free(p);
			if (out->nwhat >= CMP_MAX_WHAT && out->nnoise >= CMP_MAX_NOISE)
				break;
		}
		return;
	}
	case JSON_STRING:
		differ(out, r, "body ", path, json_string_value(a), json_string_length(a),
		       json_string_value(b), json_string_length(b));
		return;
	default:
		differ(out, r, "body ", path, NULL, 0, NULL, 0);
		return;
	}
}

json_t *cmp_json_load(const uint8_t *body, size_t len)
{
	size_t i = 0;

	if (!body || !len || len > SCHEMA_MAX_BODY)
		return NULL;
	while (i < len && strchr(" \t\r\n", body[i]) && body[i])
		i++;
	if (i == len || !body[i] || !strchr("{[\"-0123456789tfn", body[i]))
		return NULL;
	return json_loadb((const char *)body, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
}

/* ---- responses ---- */

static void cmp_header(const struct rset_msg *a, const struct rset_msg *b, const char *name,
		       const struct cmp_rules *r, struct cmp_result *out)
{
	const char *x = rset_header(a, name), *y = rset_header(b, name);
	char lower[128];
	size_t i;

	if ((!x && !y) || (x && y && !strcmp(x, y)))
		return;
	for (i = 0; name[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)ascii_lower((uint8_t)name[i]);
	lower[i] = 0;
	differ(out, r, "header ", lower, x, x ? strlen(x) : 0, y, y ? strlen(y) : 0);
}

void cmp_response(const struct rset_msg *rec, const struct rset_msg *got, const struct cmp_rules *r,
		  struct cmp_result *out)
{
	json_t *a, *b;

	if (rec->status != got->status) {
		if (excused(r, "", "status") >= 0)
			add_noise(out, "", "status", CMP_VARIED);
		else
			add_what(out, "", "status");
	}
	cmp_header(rec, got, "content-type", r, out);
	for (size_t i = 0; r && i < r->nheaders; i++)
		if (strcasecmp(r->headers[i], "content-type"))
			cmp_header(rec, got, r->headers[i], r, out);
	if (!rec->whole || !got->whole) {
		add_noise(out, "", "body", CMP_NOT_WHOLE);
		return;
	}
	if (rec->body_len == got->body_len &&
	    (!rec->body_len || !memcmp(rec->body, got->body, rec->body_len)))
		return;
	a = cmp_json_load(rec->body, rec->body_len);
	b = a ? cmp_json_load(got->body, got->body_len) : NULL;
	if (a && b)
		cmp_json(a, b, "$", r, out);
	else if (excused(r, "", "body") >= 0)
		add_noise(out, "", "body", CMP_VARIED);
	else
		add_what(out, "", "body");
	json_decref(a);
	json_decref(b);
}
