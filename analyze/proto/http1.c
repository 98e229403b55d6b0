/* http1.c - HTTP/1.x: RFC 9112 3 (request line), 4 (status line), as the
 * classifier sees first bytes (proto/http.c parses whole messages).
 * A dissector of the classifier (proto/dissect.h, classify.h "Rules"). */
#include "proto/dissect.h"
#include "proto/http.h"

static bool http_method_char(uint8_t ch)
{
	return (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '_';
}

/* "HTTP/1.<digit>" at the cursor. 1 / 0 / -1 (short). */
static int http_version(struct cur *c)
{
	int rc = cur_starts(c, "HTTP/1.", 7);

	if (rc <= 0)
		return rc;
	cur_skip(c, 7);
	if (c->left == 0)
		return -1;
	if (c->p[0] < '0' || c->p[0] > '9')
		return 0;
	cur_skip(c, 1);
	return 1;
}

static void http_client(struct cur c, struct side *sd)
{
	size_t i = 0;
	int rc;

	/* method: a token of capitals (RFC 9110 9.1; any method, WebDAV too) */
	while (i < c.left && i <= HTTP_MAX_METHOD && http_method_char(c.p[i]))
		i++;
	if (i == 0 || i > HTTP_MAX_METHOD || c.p[0] < 'A' || c.p[0] > 'Z')
		return;
	if (i == c.left)
		goto trunc;
	if (c.p[i] != ' ')
		return;
	cur_skip(&c, i + 1);
	/* request-target: visible ASCII up to the next space */
	for (i = 0; i < c.left && c.p[i] > 0x20 && c.p[i] < 0x7f; i++)
		;
	if (i == c.left)
		goto trunc;
	if (i == 0 || c.p[i] != ' ')
		return;
	cur_skip(&c, i + 1);
	rc = http_version(&c);
	if (rc < 0)
		goto trunc;
	if (rc == 0)
		return;
	if (c.left == 0)
		goto trunc;
	if (c.p[0] == '\r' && c.left == 1)
		goto trunc;
	if (c.p[0] == '\n' || (c.p[0] == '\r' && c.p[1] == '\n'))
		note(sd, G_STRONG, "HTTP/1.x request line");
	return;
trunc:
	truncated(sd);
}

static void http_server(struct cur c, struct side *sd)
{
	int rc = http_version(&c);
	uint8_t sp;

	if (rc < 0)
		goto trunc;
	if (rc == 0)
		return;
	if (cur_get_u8(&c, &sp))
		goto trunc;
	if (sp != ' ')
		return;
	for (int i = 0; i < 3; i++) {
		if (i >= (int)c.left)
			goto trunc;
		if (c.p[i] < '0' || c.p[i] > '9')
			return;
	}
	note(sd, G_STRONG, "HTTP/1.x status line");
	return;
trunc:
	truncated(sd);
}

void dissect_http(const struct dissect_input *in, struct dissect_result *f)
{
	if (in->c.left)
		http_client(in->c, &f->c);
	if (in->s.left)
		http_server(in->s, &f->s);
}
