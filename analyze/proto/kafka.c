/* kafka.c - Kafka: protocol guide, "Headers" (request header v1/v2) and the
 * response's correlation id.
 * A dissector of the classifier (proto/dissect.h, classify.h "Rules"). */
#include "proto/dissect.h"

#define KAFKA_MAX_REQUEST 104857600u /* socket.request.max.bytes */
#define KAFKA_MAX_API_KEY 100
#define KAFKA_MAX_API_VERSION 30
#define KAFKA_MAX_CLIENT_ID 256

static void kafka_client(struct cur c, struct side *sd, bool *have_corr, uint32_t *corr)
{
	uint32_t size;
	uint16_t key, ver, idlen;
	struct cur id, rest;

	*have_corr = false;
	if (c.left == 0)
		return;
	if (cur_get_be32(&c, &size))
		goto trunc;
	if (size < 10 || size > KAFKA_MAX_REQUEST)
		return;
	rest = c; /* the request after its length */
	if (cur_get_be16(&c, &key) || cur_get_be16(&c, &ver))
		goto trunc;
	if (key > KAFKA_MAX_API_KEY || ver > KAFKA_MAX_API_VERSION)
		return;
	if (cur_get_be32(&c, corr) || cur_get_be16(&c, &idlen))
		goto trunc;
	if (idlen != 0xffff) { /* 0xffff: null client_id */
		if (idlen > KAFKA_MAX_CLIENT_ID || idlen > size - 10)
			return;
		if (cur_sub(&c, idlen, &id))
			goto trunc;
		if (!all_printable(id))
			return;
	}
	if (idlen != 0xffff && idlen > 0) {
		/* a named client (rdkafka, producer-1, sarama...) is distinctive */
		note(sd, G_STRONG, "Kafka request header (api_key %u, version %u)", key, ver);
	} else {
		/* without a name mostly zero bytes would do: want the whole request */
		if (rest.left < size)
			goto trunc;
		note(sd, G_WEAK, "Kafka request header (api_key %u, version %u)", key, ver);
	}
	*have_corr = true;
	return;
trunc:
	truncated(sd);
}

static void kafka_server(struct cur c, struct side *sd, bool have_corr, uint32_t corr)
{
	uint32_t size, rcorr;

	if (!have_corr || c.left == 0)
		return;
	if (cur_get_be32(&c, &size) || cur_get_be32(&c, &rcorr))
		goto trunc;
	if (size >= 4 && size <= KAFKA_MAX_REQUEST && rcorr == corr)
		note(sd, G_STRONG, "Kafka response matching correlation id");
	return;
trunc:
	truncated(sd);
}

void dissect_kafka(const struct dissect_input *in, struct dissect_result *f)
{
	bool have_corr;
	uint32_t corr = 0;

	kafka_client(in->c, &f->c, &have_corr, &corr);
	kafka_server(in->s, &f->s, have_corr, corr);
}
