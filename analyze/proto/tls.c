/* tls.c - TLS: RFC 8446 5.1 (record layer), 4.1.2 (ClientHello), RFC 6066 3
 * (server_name): a ClientHello or ServerHello, and the SNI.
 * A dissector of the classifier (proto/dissect.h, classify.h "Rules"). */
#include "proto/dissect.h"

#define TLS_HANDSHAKE 0x16
#define TLS_CLIENT_HELLO 1
#define TLS_SERVER_HELLO 2
#define TLS_MAX_RECORD (16384u + 2048)
#define TLS_EXT_SERVER_NAME 0
#define TLS_MAX_EXTENSIONS 64
#define TLS_MAX_NAMES 8
#define DNS_MAX_NAME 253

static bool hostname_ok(struct cur h)
{
	if (h.left == 0 || h.left > DNS_MAX_NAME)
		return false;
	for (size_t i = 0; i < h.left; i++) {
		uint8_t ch = h.p[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_'))
			return false;
	}
	return true;
}

enum sni_status { SNI_FOUND, SNI_NONE, SNI_CUT };

/* Walks the ClientHello after client_version to the server_name extension.
 * SNI_CUT: the bytes ended first; SNI_NONE: no usable host name (also when
 * a length is inconsistent). */
static enum sni_status tls_sni(struct cur hello, size_t hello_len, char *sni, size_t cap)
{
	bool complete = hello.left >= hello_len, partial = false;
	uint8_t sidlen, complen, ntype;
	uint16_t cslen, extlen, etype, elen, listlen, nlen;
	struct cur exts, ext, list, name;

	if (cur_skip(&hello, 32) || cur_get_u8(&hello, &sidlen))
		goto cut;
	if (sidlen > 32)
		return SNI_NONE;
	if (cur_skip(&hello, sidlen) || cur_get_be16(&hello, &cslen))
		goto cut;
	if (cslen < 2 || cslen % 2)
		return SNI_NONE;
	if (cur_skip(&hello, cslen) || cur_get_u8(&hello, &complen))
		goto cut;
	if (complen < 1)
		return SNI_NONE;
	if (cur_skip(&hello, complen))
		goto cut;
	if (hello.left == 0 && complete)
		return SNI_NONE; /* no extensions at all */
	if (cur_get_be16(&hello, &extlen))
		goto cut;
	if (cur_sub(&hello, extlen, &exts)) {
		if (complete)
			return SNI_NONE;
		exts = hello; /* walk what there is of the extensions */
		partial = true;
	}
	for (int i = 0; i < TLS_MAX_EXTENSIONS && exts.left; i++) {
		if (cur_get_be16(&exts, &etype) || cur_get_be16(&exts, &elen) ||
		    cur_sub(&exts, elen, &ext))
			return partial ? SNI_CUT : SNI_NONE;
		if (etype != TLS_EXT_SERVER_NAME)
			continue;
		if (cur_get_be16(&ext, &listlen) || cur_sub(&ext, listlen, &list))
			return SNI_NONE;
		for (int k = 0; k < TLS_MAX_NAMES; k++) {
			if (cur_get_u8(&list, &ntype) || cur_get_be16(&list, &nlen) ||
			    cur_sub(&list, nlen, &name))
				return SNI_NONE;
			if (ntype == 0 && hostname_ok(name) && name.left < cap) { /* host_name */
				memcpy(sni, name.p, name.left);
				sni[name.left] = '\0';
				return SNI_FOUND;
			}
		}
		return SNI_NONE;
	}
	return partial ? SNI_CUT : SNI_NONE;
cut:
	return complete ? SNI_NONE : SNI_CUT;
}

/* Record header + handshake header + legacy_version: 11 bytes. */
static void tls_hello(struct cur c, struct side *sd, uint8_t want, char *sni, size_t cap)
{
	uint8_t type, major, minor, hs, vmaj, vmin;
	uint16_t rlen;
	uint32_t hlen;
	struct cur rec;

	if (cur_get_u8(&c, &type) || type != TLS_HANDSHAKE)
		return;
	if (cur_get_u8(&c, &major))
		goto trunc;
	if (major != 3)
		return;
	if (cur_get_u8(&c, &minor))
		goto trunc;
	if (minor > 4)
		return;
	if (cur_get_be16(&c, &rlen))
		goto trunc;
	if (rlen < 4 || rlen > TLS_MAX_RECORD)
		return;
	rec = c;
	if (rec.left > rlen)
		rec.left = rlen;
	if (cur_get_u8(&rec, &hs))
		goto trunc;
	if (hs != want)
		return;
	if (cur_get_be24(&rec, &hlen))
		goto trunc;
	if (hlen < 38) /* version + random + session id length */
		return;
	if (cur_get_u8(&rec, &vmaj) || cur_get_u8(&rec, &vmin))
		goto trunc;
	if (vmaj != 3 || vmin > 4)
		return;
	if (want == TLS_SERVER_HELLO) {
		note(sd, G_STRONG, "TLS ServerHello");
		return;
	}
	if (rec.left > hlen - 2)
		rec.left = hlen - 2;
	switch (tls_sni(rec, hlen - 2, sni, cap)) {
	case SNI_FOUND:
		note(sd, G_STRONG, "TLS ClientHello, SNI %.80s", sni);
		break;
	case SNI_NONE:
		note(sd, G_STRONG, "TLS ClientHello without SNI");
		break;
	case SNI_CUT:
		note(sd, G_STRONG, "TLS ClientHello, cut before SNI");
		break;
	}
	return;
trunc:
	truncated(sd);
}

void dissect_tls(const struct dissect_input *in, struct dissect_result *f)
{
	char unused[8] = "";

	tls_hello(in->c, &f->c, TLS_CLIENT_HELLO, f->sni, sizeof(f->sni));
	tls_hello(in->s, &f->s, TLS_SERVER_HELLO, unused, sizeof(unused));
}
