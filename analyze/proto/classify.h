/* classify - names the protocol of a non-HTTP (or any) connection from its
 * server port and the first bytes each side sent.
 *
 * Contract:
 *  - classify_connection() looks at most CLASSIFY_PREFIX bytes of each side,
 *    never reads outside the buffers it is given, keeps no state, allocates
 *    nothing and cannot fail: it always fills *out and returns 0.
 *  - The same input always gives the same output (no clock, no randomness).
 *  - Every byte is read through a bounds-checked cursor; a header cut short
 *    ("truncated") is kept apart from bytes that make no sense ("invalid"):
 *    neither confirms a protocol.
 *
 * Rules (the README repeats them):
 *  - Default ports (seed 003): postgres 5432; mysql 3306; mongodb 27017;
 *    mssql 1433 (database); redis 6379, 26379; memcached 11211 (cache);
 *    kafka 9092, 19092, 29092, 9093; amqp 5672, 5671; nats 4222, 6222
 *    (message_bus). tls, http and http2 have no default port and category "".
 *  - Each protocol's dissector grades both directions: strong (a magic
 *    number or a fully consistent header), weak (plausible text such as
 *    "PING\r\n" or "+OK\r\n" that several protocols share), truncated
 *    (consistent so far but cut short) or nothing. Weak evidence from both
 *    directions of the same protocol is "paired": it names a protocol like
 *    strong evidence does, but strong evidence for another one beats it.
 *  - The best grade wins; ties go to the port's protocol. Two other
 *    protocols tied at the best grade (paired or strong) are a conflict:
 *    neither is believed ("conflicting fingerprints (a and b)"). Weak
 *    evidence never overrides the port's protocol and never names a
 *    protocol away from its port ("inconclusive").
 *  - Port's protocol confirmed by its fingerprint (on its own port weak
 *    evidence is enough): confidence 90, reason "port N, <evidence>" (seed
 *    texts kept: "port 5432, valid Postgres startup/SSLRequest header",
 *    "redis RESP array").
 *  - Strong or paired fingerprint of another protocol: that protocol, 80,
 *    reason "fingerprint <evidence> on non-default port N". tls/http/http2
 *    on a port no protocol owns: 90.
 *  - Port only (no payload, truncated or unrecognized payload, or TLS on a
 *    protocol's port, e.g. postgres direct-TLS or rediss): confidence 60,
 *    reason "port N" plus why the payload did not confirm it.
 *  - Nothing: "unknown", category "", confidence 0.
 */
#ifndef SOCKREC_CLASSIFY_H
#define SOCKREC_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* bytes of each direction's first payload that are looked at */
#define CLASSIFY_PREFIX 4096

/* protocol: "postgres", "mysql", "mongodb", "mssql", "redis", "memcached",
 * "kafka", "amqp", "nats", "tls", "http", "http2" or "unknown".
 * confidence: 90 fingerprint confirmed on the protocol's port (or tls/http/
 * http2 anywhere no protocol owns the port), 80 fingerprint on another
 * port, 60 port only, 0 unknown. */
struct classify_result {
	char protocol[16]; /* see above */
	char category[16]; /* "database", "cache", "message_bus", or "" */
	int confidence;	   /* 0-100, see above */
	char reason[160];  /* detection_reason text, seed style */
	char sni[256];	   /* TLS server name when protocol is "tls", else "" */
};

/*! classify_connection() :
 *  client_data / server_data: the first bytes each side sent (either may be
 *  empty or NULL with length 0; at most CLASSIFY_PREFIX bytes of each are
 *  looked at). server_port: the port of the accepting side.
 *  @return : 0; *out is always filled. */
int classify_connection(const uint8_t *client_data, size_t client_len, const uint8_t *server_data,
			size_t server_len, uint16_t server_port, struct classify_result *out);

/*! classify_service_port() :
 *  @return true when port is a service's: a protocol's default port above,
 *          or 80, 8080 (http), 443, 8443 (tls), which name no protocol but
 *          tell which side serves (core/engine.h "Roles", listeners). */
bool classify_service_port(uint16_t port);

#endif /* SOCKREC_CLASSIFY_H */
