/* classify - protocol of a connection from its port and first bytes.
 *
 * One dissector per protocol; each grades what the client and the server
 * sent first. Specs: PostgreSQL "Frontend/Backend Protocol" (message
 * formats), MySQL "Connection Phase" (HandshakeV10, HandshakeResponse41,
 * SSLRequest), MongoDB Wire Protocol, [MS-TDS] 2.2.3.1 and 2.2.6.5 (PRELOGIN),
 * Redis RESP2/RESP3, memcached doc/protocol.txt and the binary protocol
 * ("BinaryProtocolRevamped"), Kafka protocol guide ("Headers"), AMQP 0-9-1
 * 4.2 and AMQP 1.0 2.2, NATS client protocol, RFC 8446 5.1/4.1.2 and RFC 6066
 * 3 (TLS, SNI), RFC 9112 3 and 4 (HTTP/1.1), RFC 9113 3.4 (HTTP/2 preface).
 * The rules that turn grades into a result are in classify.h.
 *
 * This file holds the protocol table (the analyzer's only port table) and
 * the decision; each dissector is its own file (proto/dissect.h).
 */
#include "proto/classify.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "proto/dissect.h"

/* ---- the protocol table and the decision ---- */

#define MAX_PORTS 4

struct proto {
	const char *name;
	const char *category;
	uint16_t ports[MAX_PORTS]; /* default ports, owned (0 ends the list) */
	/* ports that tell the server side without naming the protocol
	 * (classify_service_port) */
	uint16_t serve_ports[MAX_PORTS];
	void (*dissect)(const struct dissect_input *in, struct dissect_result *f);
};

/* Order breaks ties between equal grades (after the port's protocol). */
static const struct proto protos[] = {
    {"postgres", "database", {5432}, {0}, dissect_postgres},
    {"mysql", "database", {3306}, {0}, dissect_mysql},
    {"mongodb", "database", {27017}, {0}, dissect_mongodb},
    {"mssql", "database", {1433}, {0}, dissect_mssql},
    {"redis", "cache", {6379, 26379}, {0}, dissect_redis},
    {"memcached", "cache", {11211}, {0}, dissect_memcached},
    {"kafka", "message_bus", {9092, 19092, 29092, 9093}, {0}, dissect_kafka},
    {"amqp", "message_bus", {5672, 5671}, {0}, dissect_amqp},
    {"nats", "message_bus", {4222, 6222}, {0}, dissect_nats},
    {"tls", "", {0}, {443, 8443}, dissect_tls},
    {"http", "", {0}, {80, 8080}, dissect_http},
    {"http2", "", {0}, {0}, dissect_http2},
};

#define NPROTOS (sizeof(protos) / sizeof(protos[0]))

static bool has_port(const struct proto *p, uint16_t port)
{
	for (int i = 0; i < MAX_PORTS && p->ports[i]; i++)
		if (p->ports[i] == port)
			return true;
	return false;
}

/* Every port of the table as one bit: the engine asks for both ends of
 * every data record, which scanning the table made 3 % of a report.
 * Built once from the table (pthread_once: analysis threads share it). */
static uint8_t service_ports[65536 / 8];
static pthread_once_t service_ports_once = PTHREAD_ONCE_INIT;

static void service_ports_build(void)
{
	for (size_t i = 0; i < NPROTOS; i++)
		for (int k = 0; k < MAX_PORTS; k++) {
			uint16_t a = protos[i].ports[k], b = protos[i].serve_ports[k];
			service_ports[a / 8] |= (uint8_t)(1u << (a % 8));
			service_ports[b / 8] |= (uint8_t)(1u << (b % 8));
		}
	service_ports[0] &= (uint8_t)~1u; /* 0 ends a list: no port */
}

bool classify_service_port(uint16_t port)
{
	pthread_once(&service_ports_once, service_ports_build);
	return service_ports[port / 8] >> (port % 8) & 1;
}

static void setf(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void setf(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
}

/* One protocol's grade from both sides, and the evidence that names it:
 * weak evidence from both directions adds up to G_PAIRED, which names a
 * protocol like strong evidence does but loses to it. */
static enum grade final_grade(const struct dissect_result *f, char *ev, size_t cap)
{
	const struct side *c = &f->c, *s = &f->s;

	ev[0] = '\0';
	if (c->g >= G_WEAK && s->g >= G_WEAK) {
		if (c->g == G_STRONG)
			setf(ev, cap, "%s", c->ev);
		else if (s->g == G_STRONG)
			setf(ev, cap, "%s", s->ev);
		else
			setf(ev, cap, "%s and %s", c->ev, s->ev);
		return c->g == G_STRONG || s->g == G_STRONG ? G_STRONG : G_PAIRED;
	}
	if (c->g >= s->g) {
		setf(ev, cap, "%s", c->ev);
		return c->g;
	}
	setf(ev, cap, "%s", s->ev);
	return s->g;
}

/* The names of the protocols graded want, joined by sep, in table order. */
static void names_at(const enum grade *g, enum grade want, const char *sep, char *dst, size_t cap)
{
	size_t k = 0;

	dst[0] = '\0';
	for (size_t i = 0; i < NPROTOS; i++) {
		int w;

		if (g[i] != want)
			continue;
		w = snprintf(dst + k, cap - k, "%s%s", k ? sep : "", protos[i].name);
		if (w < 0 || (size_t)w >= cap - k)
			return; /* cut: what fits is there */
		k += (size_t)w;
	}
}

static void set_proto(struct classify_result *out, const struct proto *p, int confidence)
{
	setf(out->protocol, sizeof(out->protocol), "%s", p ? p->name : "unknown");
	setf(out->category, sizeof(out->category), "%s", p ? p->category : "");
	out->confidence = confidence;
}

int classify_connection(const uint8_t *client_data, size_t client_len, const uint8_t *server_data,
			size_t server_len, uint16_t server_port, struct classify_result *out)
{
	struct dissect_input in;
	struct dissect_result f[NPROTOS];
	enum grade g[NPROTOS];
	char ev[NPROTOS][2 * EVIDENCE_MAX + 8];
	int best = -1, pp = -1, nbest = 0;
	const struct proto *bp, *portp;
	enum grade pg;
	char names[96];

	memset(out, 0, sizeof(*out));
	memset(f, 0, sizeof(f));
	in.c = cls_cur(client_data, client_len < CLASSIFY_PREFIX ? client_len : CLASSIFY_PREFIX);
	in.s = cls_cur(server_data, server_len < CLASSIFY_PREFIX ? server_len : CLASSIFY_PREFIX);

	for (size_t i = 0; i < NPROTOS; i++) {
		protos[i].dissect(&in, &f[i]);
		g[i] = final_grade(&f[i], ev[i], sizeof(ev[i]));
		if (has_port(&protos[i], server_port))
			pp = (int)i;
	}
	for (size_t i = 0; i < NPROTOS; i++) {
		if (best < 0 || g[i] > g[best] || (g[i] == g[best] && (int)i == pp && best != pp))
			best = (int)i;
	}
	for (size_t i = 0; i < NPROTOS; i++)
		if (g[i] == g[best])
			nbest++;
	bp = &protos[best];
	portp = pp >= 0 ? &protos[pp] : NULL;
	pg = pp >= 0 ? g[pp] : G_NONE;

	if (g[best] >= G_WEAK && best == pp) {
		set_proto(out, bp, 90);
		if (strcmp(ev[best], REDIS_SEED_EVIDENCE) == 0)
			setf(out->reason, sizeof(out->reason), "%s",
			     ev[best]); /* seed text as is */
		else
			setf(out->reason, sizeof(out->reason), "port %u, %s", server_port,
			     ev[best]);
		return 0;
	}
	if (g[best] >= G_PAIRED && nbest > 1) {
		/* two protocols claim the bytes equally: neither is believed */
		names_at(g, g[best], " and ", names, sizeof(names));
		set_proto(out, portp, portp ? 60 : 0);
		if (portp)
			setf(out->reason, sizeof(out->reason),
			     "port %u, conflicting fingerprints (%s)", server_port, names);
		else
			setf(out->reason, sizeof(out->reason),
			     "conflicting fingerprints (%s) on port %u", names, server_port);
		return 0;
	}
	if (g[best] >= G_PAIRED && bp->dissect == dissect_tls && portp) {
		/* TLS on a protocol's port: the protocol inside, by port only */
		set_proto(out, portp, 60);
		setf(out->reason, sizeof(out->reason), "port %u, TLS-encrypted (%s)", server_port,
		     ev[best]);
		return 0;
	}
	if (g[best] >= G_PAIRED) {
		if (bp->ports[0] == 0 && !portp) { /* tls/http/http2 where no one else lives */
			set_proto(out, bp, 90);
			setf(out->reason, sizeof(out->reason), "%s", ev[best]);
		} else {
			set_proto(out, bp, 80);
			setf(out->reason, sizeof(out->reason),
			     "fingerprint %s on non-default port %u", ev[best], server_port);
		}
		if (bp->dissect == dissect_tls)
			setf(out->sni, sizeof(out->sni), "%s", f[best].sni);
		return 0;
	}
	if (portp) {
		/* weak evidence for another protocol never overrides the port */
		set_proto(out, portp, 60);
		if (in.c.left == 0 && in.s.left == 0)
			setf(out->reason, sizeof(out->reason), "port %u", server_port);
		else if (pg == G_TRUNC)
			setf(out->reason, sizeof(out->reason),
			     "port %u, payload too short to confirm", server_port);
		else
			setf(out->reason, sizeof(out->reason), "port %u, payload not recognized",
			     server_port);
		return 0;
	}
	set_proto(out, NULL, 0);
	if (g[best] == G_WEAK && nbest == 1) {
		/* plausible text alone is not enough away from the protocol's port */
		setf(out->reason, sizeof(out->reason), "inconclusive: %s on port %u", ev[best],
		     server_port);
	} else if (g[best] == G_WEAK) {
		names_at(g, G_WEAK, " or ", names, sizeof(names));
		setf(out->reason, sizeof(out->reason), "inconclusive: %s on port %u", names,
		     server_port);
	} else if (in.c.left == 0 && in.s.left == 0) {
		setf(out->reason, sizeof(out->reason), "no payload on port %u", server_port);
	} else if (g[best] == G_TRUNC) {
		setf(out->reason, sizeof(out->reason), "payload too short to classify on port %u",
		     server_port);
	} else {
		setf(out->reason, sizeof(out->reason), "no fingerprint matched on port %u",
		     server_port);
	}
	return 0;
}
