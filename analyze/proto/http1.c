/* http1.c - HTTP/1.x: RFC 9112 3 (request line), 4 (status line), as the
 * classifier sees first bytes: the parser's grammar (http_request_line(),
 * http_status_line() in proto/http.c) over the first line.
 * A dissector of the classifier (proto/dissect.h, classify.h "Rules"). */
#include "proto/dissect.h"
#include "proto/http.h"

/* the first line of the bytes: complete when its LF is in them (the
 * grammar itself is proto/http.c's, the parser's) */
static enum http_line first_line(struct cur c, bool request)
{
	const uint8_t *lf = memchr(c.p, '\n', c.left);
	size_t n = lf ? (size_t)(lf - c.p) : c.left;

	return request ? http_request_line(c.p, n, lf != NULL, NULL)
		       : http_status_line(c.p, n, lf != NULL, NULL);
}

static void http_client(struct cur c, struct side *sd)
{
	enum http_line k = first_line(c, true);

	if (k == HTTP_LINE_REQUEST)
		note(sd, G_STRONG, "HTTP/1.x request line");
	else if (k == HTTP_LINE_MAYBE)
		truncated(sd);
}

static void http_server(struct cur c, struct side *sd)
{
	enum http_line k = first_line(c, false);

	if (k == HTTP_LINE_RESPONSE)
		note(sd, G_STRONG, "HTTP/1.x status line");
	else if (k == HTTP_LINE_MAYBE)
		truncated(sd);
}

void dissect_http(const struct dissect_input *in, struct dissect_result *f)
{
	if (in->c.left)
		http_client(in->c, &f->c);
	if (in->s.left)
		http_server(in->s, &f->s);
}
