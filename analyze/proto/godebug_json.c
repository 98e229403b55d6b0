/* godebug_json.c - expvar's /debug/vars JSON (RFC 8259): the top-level keys,
 * "cmdline" and "memstats", scanned without building a tree. See
 * godebug.h. */
#include "proto/godebug_int.h"

#include <string.h>

/* ---------- JSON (gd_expvar) ---------- */

size_t gd_ws(const uint8_t *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

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
	size_t j = gd_ws(s, n, *i);

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
			if (!(gd_is_digit(s[j]) || s[j] == '-' || s[j] == '+' || s[j] == '.' ||
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

enum godebug_content gd_expvar(const uint8_t *s, size_t n, int cut, struct godebug_result *out)
{
	size_t i = gd_ws(s, n, 0);
	int cmdline = 0, memstats = 0, eof = 0;

	if (i >= n || s[i] != '{')
		return GODEBUG_C_NONE;
	i++;
	for (;;) {
		size_t ks, ke, vs;
		int rc;

		i = gd_ws(s, n, i);
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
		i = gd_ws(s, n, i);
		if (i >= n) {
			eof = 1;
			break;
		}
		if (s[i] != ':')
			return GODEBUG_C_NONE;
		vs = i = gd_ws(s, n, i + 1);
		gd_names_add(&out->keys, s + ks, ke - ks);
		rc = json_skip_value(s, n, &i);
		if (rc == J_BAD)
			return GODEBUG_C_NONE;
		if (vs < n && gd_bytes_is(s + ks, ke - ks, "cmdline") && s[vs] == '[') {
			cmdline = 1;
			out->cmdline_json = s + vs;
			out->cmdline_json_len = (rc == J_OK ? i : n) - vs;
		}
		if (vs < n && gd_bytes_is(s + ks, ke - ks, "memstats") && s[vs] == '{')
			memstats = 1;
		if (rc == J_EOF) {
			eof = 1;
			break;
		}
		i = gd_ws(s, n, i);
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
