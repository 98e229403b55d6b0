/* libFuzzer target for analyze/classify.
 *
 * Input: port (2 bytes, big-endian), client length (2 bytes, big-endian,
 * cut to what is left), the client's bytes, then the server's bytes. Each
 * side is copied into a buffer of exactly its size so ASan sees any read
 * past it. Besides crashes, the result's invariants are checked: strings
 * terminated, a known protocol with its category, confidence one of the
 * documented values, SNI only for "tls". */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/classify.h"

static const struct {
	const char *proto, *category;
} known[] = {
    {"postgres", "database"},
    {"mysql", "database"},
    {"mongodb", "database"},
    {"mssql", "database"},
    {"redis", "cache"},
    {"memcached", "cache"},
    {"kafka", "message_bus"},
    {"amqp", "message_bus"},
    {"nats", "message_bus"},
    {"tls", ""},
    {"http", ""},
    {"http2", ""},
    {"unknown", ""},
};

static void check(const struct classify_result *r)
{
	size_t i;

	if (!memchr(r->protocol, 0, sizeof(r->protocol)) ||
	    !memchr(r->category, 0, sizeof(r->category)) ||
	    !memchr(r->reason, 0, sizeof(r->reason)) || !memchr(r->sni, 0, sizeof(r->sni)))
		abort();
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(r->protocol, known[i].proto) == 0)
			break;
	if (i == sizeof(known) / sizeof(known[0]) || strcmp(r->category, known[i].category))
		abort();
	if (r->confidence != 0 && r->confidence != 60 && r->confidence != 80 && r->confidence != 90)
		abort();
	if ((r->confidence == 0) != (strcmp(r->protocol, "unknown") == 0))
		abort();
	if (r->sni[0] && strcmp(r->protocol, "tls") != 0)
		abort();
	if (r->reason[0] == '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct classify_result r, again;
	uint16_t port;
	size_t clen, slen;
	uint8_t *c, *s;

	if (size < 4)
		return 0;
	port = (uint16_t)(data[0] << 8 | data[1]);
	clen = (size_t)(data[2] << 8 | data[3]);
	data += 4;
	size -= 4;
	if (clen > size)
		clen = size;
	slen = size - clen;
	c = malloc(clen ? clen : 1);
	s = malloc(slen ? slen : 1);
	if (!c || !s)
		abort();
	memcpy(c, data, clen);
	memcpy(s, data + clen, slen);

	if (classify_connection(c, clen, s, slen, port, &r) != 0)
		abort();
	check(&r);
	/* deterministic */
	classify_connection(c, clen, s, slen, port, &again);
	if (memcmp(&r, &again, sizeof(r)) != 0)
		abort();
	/* either side alone, and no bytes at all */
	classify_connection(NULL, 0, s, slen, port, &again);
	check(&again);
	classify_connection(c, clen, NULL, 0, port, &again);
	check(&again);
	free(c);
	free(s);
	return 0;
}
