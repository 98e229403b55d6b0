/* cmdline.c - command lines as text, redacted (see cmdline.h). */
#include <stdlib.h>
#include <string.h>

#include "core/cmdline.h"
#include "record.h"
#include "secret.h"
#include "base/util.h"

/* program rules (cmdline.h) */
enum {
	PR_P_ATTACHED = 1 << 0, /* "-pPASS" is a password */
	PR_P_NEXT = 1 << 1,	/* "-p PASS" is a password */
	PR_A_NEXT = 1 << 2,	/* "-a PASS" is a password */
	PR_PASS_NEXT = 1 << 3,	/* "--pass PASS" is a password */
	PR_PROMPT = 1 << 4,	/* "-p" and "--password" alone prompt: no value follows */
};

#define PR_MYSQL (PR_P_ATTACHED | PR_PROMPT)

static const struct {
	const char *name;
	unsigned rules;
} programs[] = {
    {"mariadb", PR_MYSQL},
    {"mariadb-admin", PR_MYSQL},
    {"mariadb-binlog", PR_MYSQL},
    {"mariadb-check", PR_MYSQL},
    {"mariadb-dump", PR_MYSQL},
    {"mariadb-import", PR_MYSQL},
    {"mariadb-show", PR_MYSQL},
    {"mariadb-slap", PR_MYSQL},
    {"mariadb-upgrade", PR_MYSQL},
    {"mongo", PR_P_NEXT | PR_P_ATTACHED},
    {"mongosh", PR_P_NEXT | PR_P_ATTACHED},
    {"mysql", PR_MYSQL},
    {"mysql_upgrade", PR_MYSQL},
    {"mysqladmin", PR_MYSQL},
    {"mysqlbinlog", PR_MYSQL},
    {"mysqlcheck", PR_MYSQL},
    {"mysqldump", PR_MYSQL},
    {"mysqlimport", PR_MYSQL},
    {"mysqlpump", PR_MYSQL},
    {"mysqlshow", PR_MYSQL},
    {"mysqlslap", PR_MYSQL},
    {"redis-cli", PR_A_NEXT | PR_PASS_NEXT},
    {"sshpass", PR_P_NEXT | PR_P_ATTACHED},
};

static unsigned program_rules(const uint8_t *arg0, size_t n)
{
	const uint8_t *slash = n ? memrchr(arg0, '/', n) : NULL;
	const uint8_t *base = slash ? slash + 1 : arg0;
	size_t bl = n - (size_t)(base - arg0);

	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		if (strlen(programs[i].name) == bl && !memcmp(programs[i].name, base, bl))
			return programs[i].rules;
	return 0;
}

static bool arg_is(const uint8_t *a, size_t n, const char *s)
{
	return strlen(s) == n && !memcmp(a, s, n);
}

struct redactor {
	unsigned rules;
	bool next;		  /* a program rule takes the next argument */
	bool header_next;	  /* the previous argument was -H or --header */
	struct sr_secret_argv st; /* the shared rule's state */
	char *tmp;
	size_t tmp_cap;
	bool any;
};

static void put_redacted(struct dbuf *out, struct redactor *r)
{
	dbuf_puts(out, SR_REDACTED);
	r->any = true;
}

/* the program rules for one argument; @return false when none applies */
static bool program_arg(struct redactor *r, struct dbuf *out, const uint8_t *a, size_t n)
{
	if (r->next) {
		r->next = false;
		put_redacted(out, r);
		return true;
	}
	if (r->st.redact_next || r->st.userpass_next)
		return false; /* the shared rule waits for this argument */
	if (n > 2 && a[0] == '-' && a[1] == 'p' && r->rules & PR_P_ATTACHED) {
		dbuf_put(out, a, 2);
		put_redacted(out, r);
		return true;
	}
	if ((arg_is(a, n, "-p") && r->rules & PR_P_NEXT) ||
	    (arg_is(a, n, "-a") && r->rules & PR_A_NEXT) ||
	    (arg_is(a, n, "--pass") && r->rules & PR_PASS_NEXT)) {
		dbuf_put(out, a, n);
		r->next = true;
		return true;
	}
	if ((arg_is(a, n, "-p") || arg_is(a, n, "--password")) && r->rules & PR_PROMPT) {
		dbuf_put(out, a, n); /* asks on the terminal: the next one is no value */
		return true;
	}
	return false;
}

static bool is_token_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/* "Name: value" (h, n bytes) with a credential header name: written with
 * the value redacted. @return false when it is no such header. */
static bool put_header(struct redactor *r, struct dbuf *out, const uint8_t *h, size_t n)
{
	const uint8_t *colon = n ? memchr(h, ':', n) : NULL;
	size_t nl, v;

	if (!colon || colon == h)
		return false;
	nl = (size_t)(colon - h);
	for (size_t i = 0; i < nl; i++)
		if (!is_token_char(h[i]))
			return false;
	if (!sr_secret_header((const char *)h, nl))
		return false;
	for (v = nl + 1; v < n && (h[v] == ' ' || h[v] == '\t'); v++)
		;
	dbuf_put(out, h, v);
	if (v < n)
		put_redacted(out, r);
	return true;
}

/* curl's and wget's header options: "-H" "Name: value", "-HName: value",
 * "--header" "Name: value", "--header=Name: value" (also without a space
 * after the colon, which the shared rule does not take for a header).
 * @return false when the argument is no credential header. */
static bool header_arg(struct redactor *r, struct dbuf *out, const uint8_t *a, size_t n)
{
	size_t pre = 0;
	bool next = r->header_next;

	r->header_next = false;
	if (r->st.redact_next || r->st.userpass_next)
		return false;
	if (arg_is(a, n, "-H") || arg_is(a, n, "--header")) {
		r->header_next = true;
		return false; /* the option itself goes through the shared rule */
	}
	if (!next) {
		if (n > 9 && !memcmp(a, "--header=", 9))
			pre = 9;
		else if (n > 2 && a[0] == '-' && a[1] == 'H')
			pre = 2;
		else
			return false;
	}
	{
		size_t mark = out->len;
		dbuf_put(out, a, pre);
		if (put_header(r, out, a + pre, n - pre))
			return true;
		out->len = mark;
	}
	return false;
}

/* one argument: a program rule, a header option, else the shared rule */
static void redact_arg(struct redactor *r, struct dbuf *out, const uint8_t *a, size_t n)
{
	size_t cap;

	if (program_arg(r, out, a, n)) {
		r->header_next = false;
		return;
	}
	if (header_arg(r, out, a, n))
		return;
	/* each redaction turns at least one byte into "[REDACTED]": the
	 * output is at most 10 times the input, plus one marker */
	cap = size_add(size_mul(n, sizeof(SR_REDACTED) - 1), sizeof(SR_REDACTED) + 1);
	if (cap > r->tmp_cap) {
		free(r->tmp);
		r->tmp = xmalloc(cap);
		r->tmp_cap = cap;
	}
	if (sr_secret_redact_arg(&r->st, (const char *)a, n, r->tmp, r->tmp_cap))
		r->any = true;
	dbuf_puts(out, r->tmp);
}

char *cmdline_text(const uint8_t *raw, size_t len, bool redact, size_t *out_len, bool *redacted)
{
	struct redactor r;
	struct dbuf out = {0};
	size_t i = 0, n = len, k = 0;
	char *text;

	memset(&r, 0, sizeof(r));
	while (n && raw[n - 1] == 0) /* the trailing NUL is not an argument */
		n--;
	/* n bytes hold (NULs in them) + 1 arguments, empty ones included */
	while (n && i <= n) {
		const uint8_t *z = memchr(raw + i, 0, n - i);
		size_t e = z ? (size_t)(z - raw) : n;

		if (k++)
			dbuf_putc(&out, ' ');
		if (!redact) {
			dbuf_put(&out, raw + i, e - i);
		} else {
			if (k == 1)
				r.rules = program_rules(raw + i, e - i);
			redact_arg(&r, &out, raw + i, e - i);
		}
		i = e + 1;
	}
	free(r.tmp);
	*out_len = out.len;
	if (redacted)
		*redacted = r.any;
	dbuf_cstr(&out);
	text = (char *)out.p;
	return text ? text : xstrdup("");
}
