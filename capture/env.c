/* env.c - opt-in decision, prefix filter and redaction. See env.h. */
#include "env.h"

#include <string.h>

#include "record.h"
#include "secret.h"

#define PROFILE_KEY "ADI_PROFILE"
#define DISABLED_KEY "ADI_PROFILE_DISABLED"
#define NAME_KEY "ADI_PROFILE_NAME"

/* One "KEY=VALUE" entry of an environ block. */
struct entry {
	const char *key;
	size_t klen;
	const char *val; /* NULL when the entry has no '=' */
	size_t vlen;
	size_t len; /* whole entry, without the NUL */
};

/* Cursor over an environ block: @return 1 and fills e, 0 at the end. */
static int next_entry(const char *env, size_t len, size_t *pos, struct entry *e)
{
	const char *s, *nul, *eq;

	while (*pos < len && env[*pos] == 0)
		(*pos)++;
	if (*pos >= len)
		return 0;
	s = env + *pos;
	nul = memchr(s, 0, len - *pos);
	e->len = nul ? (size_t)(nul - s) : len - *pos;
	*pos += e->len + 1;
	eq = memchr(s, '=', e->len);
	e->key = s;
	if (eq) {
		e->klen = eq - s;
		e->val = eq + 1;
		e->vlen = e->len - e->klen - 1;
	} else {
		e->klen = e->len;
		e->val = NULL;
		e->vlen = 0;
	}
	return 1;
}

static int key_is(const struct entry *e, const char *name)
{
	size_t n = strlen(name);

	return e->val && e->klen == n && !memcmp(e->key, name, n);
}

void cap_optin_decide(const char *env, size_t len, const struct cap_list *allow,
		      struct cap_optin *out)
{
	int disabled_seen = 0;
	struct entry e;
	size_t pos = 0;
	unsigned i;

	memset(out, 0, sizeof(*out));
	while (next_entry(env, len, &pos, &e)) {
		if (key_is(&e, PROFILE_KEY) && !out->has_profile) {
			out->has_profile = 1;
			out->profile = e.val;
			out->profile_len = e.vlen;
		} else if (key_is(&e, DISABLED_KEY) && !disabled_seen) {
			disabled_seen = 1;
			out->disabled = e.vlen == 1 && e.val[0] == '1';
		} else if (key_is(&e, NAME_KEY) && !out->has_name) {
			out->has_name = 1;
			out->name = e.val;
			out->name_len = e.vlen;
		}
	}
	if (!out->has_profile || out->disabled)
		return;
	if (!allow) {
		out->target = 1;
		return;
	}
	for (i = 0; i < allow->n; i++)
		if (strlen(allow->item[i]) == out->profile_len &&
		    !memcmp(allow->item[i], out->profile, out->profile_len))
			out->target = 1;
}

/* A block with no KEY=VALUE entry at all (NULs, a process title) has no
 * ADI_PROFILE either: one test covers both halves of the rule. */
int cap_env_needs_live(const char *env, size_t len)
{
	struct entry e;
	size_t pos = 0;

	while (next_entry(env, len, &pos, &e))
		if (key_is(&e, PROFILE_KEY))
			return 0;
	return 1;
}

static int never_redacted(const char *key, size_t klen)
{
	return (klen == strlen(PROFILE_KEY) && !memcmp(key, PROFILE_KEY, klen)) ||
	       (klen == strlen(NAME_KEY) && !memcmp(key, NAME_KEY, klen));
}

long cap_env_redact_value(const char *key, size_t klen, const char *val, size_t vlen, char *dst,
			  size_t dst_cap, int *redacted)
{
	size_t rl = strlen(SR_REDACTED), off, n;
	const char *src = val;
	size_t pre = vlen, cut = 0;

	*redacted = 0;
	if (!never_redacted(key, klen)) {
		if (sr_secret_key(key, klen)) {
			src = SR_REDACTED;
			pre = rl;
			*redacted = 1;
		} else if (sr_secret_value_url(val, vlen, &off, &n) && off + n <= vlen) {
			pre = off; /* keep the URL around the password (or token user) */
			cut = n;
			*redacted = 1;
		} else if (sr_secret_value(val, vlen)) {
			src = SR_REDACTED;
			pre = rl;
			*redacted = 1;
		}
	}
	if (*redacted && src == val) {
		size_t total = pre + rl + (vlen - pre - cut);

		if (total > dst_cap)
			return -1;
		memcpy(dst, val, pre);
		memcpy(dst + pre, SR_REDACTED, rl);
		memcpy(dst + pre + rl, val + pre + cut, vlen - pre - cut);
		return total;
	}
	if (pre > dst_cap)
		return -1;
	memcpy(dst, src, pre);
	return pre;
}

static int has_prefix(const struct entry *e, const struct cap_list *prefixes)
{
	unsigned i;

	for (i = 0; i < prefixes->n; i++) {
		size_t n = strlen(prefixes->item[i]);

		if (e->len >= n && !memcmp(e->key, prefixes->item[i], n))
			return 1;
	}
	return 0;
}

size_t cap_env_filter(const char *env, size_t len, const struct cap_list *prefixes, int redact,
		      char *dst, size_t dst_cap, uint32_t *flags)
{
	int filter = prefixes && prefixes->n > 0;
	size_t pos = 0, out = 0;
	struct entry e;

	*flags = filter ? SR_PROC_ENV_FILTERED : 0;
	while (next_entry(env, len, &pos, &e)) {
		int red = 0;
		long n;

		if (filter && !has_prefix(&e, prefixes))
			continue;
		if (!redact || !e.val) {
			if (out + e.len + 1 > dst_cap)
				goto full;
			memcpy(dst + out, e.key, e.len);
			out += e.len;
			dst[out++] = 0;
			continue;
		}
		if (out + e.klen + 1 > dst_cap)
			goto full;
		n = cap_env_redact_value(e.key, e.klen, e.val, e.vlen, dst + out + e.klen + 1,
					 dst_cap - out - e.klen - 1, &red);
		if (n < 0 || out + e.klen + 1 + n + 1 > dst_cap)
			goto full;
		memcpy(dst + out, e.key, e.klen);
		dst[out + e.klen] = '=';
		out += e.klen + 1 + n;
		dst[out++] = 0;
		if (red)
			*flags |= SR_PROC_ENV_REDACTED;
	}
	return out;
full:
	*flags |= SR_PROC_ENV_TRUNCATED;
	return out;
}

size_t cap_cmdline_redact(const char *argv, size_t len, char *dst, size_t dst_cap, int *redacted,
			  int *cut)
{
	struct sr_secret_argv st = {0};
	size_t off = 0, n = 0;

	*redacted = 0;
	*cut = 0;
	while (off < len) {
		const char *arg = argv + off;
		const char *nul = memchr(arg, '\0', len - off);
		size_t alen = nul ? (size_t)(nul - arg) : len - off;
		size_t room, w;

		off += alen + (nul ? 1 : 0);
		if (n >= dst_cap) {
			*cut = 1;
			break;
		}
		room = dst_cap - n; /* includes the NUL that ends the argument */
		int r = sr_secret_redact_arg(&st, arg, alen, dst + n, room);
		if (r)
			*redacted = 1;
		w = strnlen(dst + n, room);
		if (w == room) { /* no room for the NUL: the argument was cut */
			*cut = 1;
			break;
		}
		n += w + 1;	      /* keep the NUL separator */
		if (!r && w < alen) { /* unchanged text came out shorter: cut */
			*cut = 1;
			break;
		}
	}
	/* a block that did not end in NUL keeps that form */
	if (n && len && argv[len - 1] != '\0' && !*cut)
		n--;
	return n;
}
