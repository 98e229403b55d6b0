/* Unit tests for analyze/classify: positive, negative, truncated, server-first,
 * port-only and TLS SNI cases. Every message is built field by field from the
 * protocol's spec (lengths computed, not copied), so a wrong expectation shows
 * up as a failing test rather than a matching typo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/classify.h"
#include "proto/http.h"

#define OFF_PORT 40000 /* a port no protocol owns */

/* ---- message builder ---- */

struct msg {
	uint8_t b[2048];
	size_t n;
};

static void put(struct msg *m, const void *p, size_t n)
{
	assert_true(m->n + n <= sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void u8(struct msg *m, unsigned v)
{
	uint8_t x = (uint8_t)v;
	put(m, &x, 1);
}

static void be16(struct msg *m, unsigned v)
{
	u8(m, v >> 8);
	u8(m, v);
}

static void be24(struct msg *m, unsigned v)
{
	u8(m, v >> 16);
	be16(m, v);
}

static void be32(struct msg *m, uint32_t v)
{
	be16(m, v >> 16);
	be16(m, v);
}

static void le16(struct msg *m, unsigned v)
{
	u8(m, v);
	u8(m, v >> 8);
}

static void le32(struct msg *m, uint32_t v)
{
	le16(m, v);
	le16(m, v >> 16);
}

static void str(struct msg *m, const char *s)
{
	put(m, s, strlen(s));
}

static void cstr(struct msg *m, const char *s)
{
	put(m, s, strlen(s) + 1);
}

static void zeros(struct msg *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		u8(m, 0);
}

static void set_be16(struct msg *m, size_t at, unsigned v)
{
	m->b[at] = (uint8_t)(v >> 8);
	m->b[at + 1] = (uint8_t)v;
}

static void set_be24(struct msg *m, size_t at, unsigned v)
{
	m->b[at] = (uint8_t)(v >> 16);
	set_be16(m, at + 1, v);
}

static void set_be32(struct msg *m, size_t at, uint32_t v)
{
	set_be16(m, at, v >> 16);
	set_be16(m, at + 2, v);
}

static void set_le24(struct msg *m, size_t at, unsigned v)
{
	m->b[at] = (uint8_t)v;
	m->b[at + 1] = (uint8_t)(v >> 8);
	m->b[at + 2] = (uint8_t)(v >> 16);
}

static void set_le32(struct msg *m, size_t at, uint32_t v)
{
	set_le24(m, at, v);
	m->b[at + 3] = (uint8_t)(v >> 24);
}

/* ---- samples, from the specs ---- */

/* PostgreSQL StartupMessage: int32 len, int32 196608, (key\0value\0)*, \0 */
static void pg_startup(struct msg *m)
{
	be32(m, 0);
	be32(m, 196608);
	cstr(m, "user");
	cstr(m, "postgres");
	cstr(m, "database");
	cstr(m, "app");
	u8(m, 0);
	set_be32(m, 0, (uint32_t)m->n);
}

static void pg_ssl_request(struct msg *m)
{
	be32(m, 8);
	be32(m, 80877103);
}

/* AuthenticationSASL: 'R', int32 len, int32 10, mechanism list */
static void pg_auth_sasl(struct msg *m)
{
	u8(m, 'R');
	be32(m, 0);
	be32(m, 10);
	cstr(m, "SCRAM-SHA-256");
	u8(m, 0);
	set_be32(m, 1, (uint32_t)m->n - 1);
}

static void pg_error(struct msg *m)
{
	u8(m, 'E');
	be32(m, 0);
	u8(m, 'S');
	cstr(m, "FATAL");
	u8(m, 'V');
	cstr(m, "FATAL");
	u8(m, 'C');
	cstr(m, "28P01");
	u8(m, 'M');
	cstr(m, "password authentication failed for user \"app\"");
	u8(m, 0);
	set_be32(m, 1, (uint32_t)m->n - 1);
}

/* MySQL Protocol::HandshakeV10, as MySQL 8.0 sends it */
static void mysql_greeting(struct msg *m, const char *version)
{
	le16(m, 0);
	u8(m, 0);
	u8(m, 0); /* seq 0 */
	u8(m, 10);
	cstr(m, version);
	le32(m, 13);				    /* thread id */
	str(m, "\x11\x22\x33\x44\x55\x66\x77\x01"); /* auth-plugin-data-part-1 */
	u8(m, 0);				    /* filler */
	le16(m, 0xffff);			    /* capabilities, low */
	u8(m, 0xff);				    /* charset */
	le16(m, 0x0002);			    /* status */
	le16(m, 0xdfff);			    /* capabilities, high */
	u8(m, 21);				    /* auth data length */
	zeros(m, 10);
	str(m, "\x21\x22\x23\x24\x25\x26\x27\x28\x29\x2a\x2b\x2c");
	u8(m, 0);
	cstr(m, "caching_sha2_password");
	set_le24(m, 0, (unsigned)m->n - 4);
}

/* Protocol::HandshakeResponse41 (ssl_only: the 32-byte SSLRequest) */
static void mysql_response(struct msg *m, int ssl_only)
{
	uint32_t caps =
	    0x00000200 | 0x00008000 | 0x00080000; /* PROTOCOL_41, SECURE_CONNECTION, PLUGIN_AUTH */

	if (ssl_only)
		caps |= 0x00000800;
	le16(m, 0);
	u8(m, 0);
	u8(m, 1); /* seq 1 */
	le32(m, caps);
	le32(m, 16777216);
	u8(m, 0xff);
	zeros(m, 23);
	if (!ssl_only) {
		cstr(m, "root");
		u8(m, 20);
		str(m, "abcdefghijklmnopqrst");
		cstr(m, "caching_sha2_password");
	}
	set_le24(m, 0, (unsigned)m->n - 4);
}

/* BSON { hello: 1, $db: "admin" } */
static void bson_hello(struct msg *m)
{
	size_t at = m->n;

	le32(m, 0);
	u8(m, 0x10);
	cstr(m, "hello");
	le32(m, 1);
	u8(m, 0x02);
	cstr(m, "$db");
	le32(m, 6);
	cstr(m, "admin");
	u8(m, 0);
	set_le32(m, at, (uint32_t)(m->n - at));
}

/* MongoDB OP_MSG: header (len, requestID, responseTo, 2013), flags, kind 0, doc */
static void mongo_op_msg(struct msg *m, uint32_t req, uint32_t resp)
{
	le32(m, 0);
	le32(m, req);
	le32(m, resp);
	le32(m, 2013);
	le32(m, 0);
	u8(m, 0);
	bson_hello(m);
	set_le32(m, 0, (uint32_t)m->n);
}

static void mongo_op_query(struct msg *m)
{
	le32(m, 0);
	le32(m, 7);
	le32(m, 0);
	le32(m, 2004);
	le32(m, 0);
	cstr(m, "admin.$cmd");
	le32(m, 0);
	le32(m, 0xffffffff);
	bson_hello(m);
	set_le32(m, 0, (uint32_t)m->n);
}

/* TDS PRELOGIN ([MS-TDS] 2.2.6.5): header, option table, option data */
static void tds_prelogin(struct msg *m, unsigned type)
{
	static const struct {
		uint8_t tok;
		uint16_t len;
	} opts[] = {{0, 6}, {1, 1}, {2, 1}, {3, 4}, {4, 1}};
	size_t nopt = sizeof(opts) / sizeof(opts[0]);
	unsigned off = (unsigned)(nopt * 5 + 1);

	u8(m, type);
	u8(m, 0x01); /* EOM */
	be16(m, 0);
	be16(m, 0);
	u8(m, 1);
	u8(m, 0);
	for (size_t i = 0; i < nopt; i++) {
		u8(m, opts[i].tok);
		be16(m, off);
		be16(m, opts[i].len);
		off += opts[i].len;
	}
	u8(m, 0xff);
	put(m, "\x10\x00\x07\xd0", 4); /* version 16.0.2000 */
	be16(m, 0);		       /* subbuild */
	u8(m, 0);		       /* ENCRYPT_OFF */
	u8(m, 0);		       /* instance "" */
	be32(m, 0x00001234);	       /* thread id */
	u8(m, 0);		       /* MARS off */
	set_be16(m, 2, (unsigned)m->n);
}

/* memcached binary GET (request magic 0x80) / its response (0x81) */
static void mc_binary(struct msg *m, int response)
{
	u8(m, response ? 0x81 : 0x80);
	u8(m, 0x00);		   /* GET */
	be16(m, response ? 0 : 3); /* key length */
	u8(m, response ? 4 : 0);   /* extras length */
	u8(m, 0);		   /* data type */
	be16(m, 0);		   /* vbucket / status */
	be32(m, response ? 4 + 3 : 3);
	be32(m, 0xdeadbeef); /* opaque */
	be32(m, 0);
	be32(m, response ? 1 : 0);
	if (response) {
		be32(m, 0); /* flags */
		str(m, "bar");
	} else {
		str(m, "foo");
	}
}

/* Kafka ApiVersions v3 request (header v2) from librdkafka */
static void kafka_api_versions(struct msg *m)
{
	be32(m, 0);
	be16(m, 18);
	be16(m, 3);
	be32(m, 1); /* correlation id */
	be16(m, 7);
	str(m, "rdkafka");
	u8(m, 0);  /* tagged fields */
	u8(m, 11); /* compact string "librdkafka" */
	str(m, "librdkafka");
	u8(m, 6);
	str(m, "2.3.0");
	u8(m, 0);
	set_be32(m, 0, (uint32_t)m->n - 4);
}

static void kafka_response(struct msg *m, uint32_t corr)
{
	be32(m, 0);
	be32(m, corr);
	be16(m, 0); /* error_code */
	u8(m, 1);   /* empty compact array */
	be32(m, 0); /* throttle */
	u8(m, 0);
	set_be32(m, 0, (uint32_t)m->n - 4);
}

/* AMQP 0-9-1 connection.start method frame */
static void amqp_start(struct msg *m)
{
	u8(m, 1);
	be16(m, 0);
	be32(m, 0);
	be16(m, 10);
	be16(m, 10);
	u8(m, 0);
	u8(m, 9);
	be32(m, 0); /* server-properties: empty table */
	be32(m, 14);
	str(m, "PLAIN AMQPLAIN");
	be32(m, 5);
	str(m, "en_US");
	set_be32(m, 3, (uint32_t)m->n - 7);
	u8(m, 0xce);
}

/* TLS 1.3 ClientHello with supported_versions before server_name */
static void tls_client_hello(struct msg *m, const char *sni)
{
	size_t hs, ext;

	u8(m, 0x16);
	be16(m, 0x0301);
	be16(m, 0);
	hs = m->n;
	u8(m, 1);
	be24(m, 0);
	be16(m, 0x0303);
	for (int i = 0; i < 32; i++)
		u8(m, i);
	u8(m, 32);
	for (int i = 0; i < 32; i++)
		u8(m, 0xa0 + i);
	be16(m, 4);
	be16(m, 0x1301);
	be16(m, 0x1302);
	u8(m, 1);
	u8(m, 0);
	be16(m, 0);
	ext = m->n;
	be16(m, 0x002b); /* supported_versions */
	be16(m, 3);
	u8(m, 2);
	be16(m, 0x0304);
	if (sni) {
		size_t len = strlen(sni);

		be16(m, 0x0000);
		be16(m, (unsigned)(len + 5));
		be16(m, (unsigned)(len + 3));
		u8(m, 0);
		be16(m, (unsigned)len);
		str(m, sni);
	}
	set_be16(m, ext - 2, (unsigned)(m->n - ext));
	set_be24(m, hs + 1, (unsigned)(m->n - hs - 4));
	set_be16(m, 3, (unsigned)(m->n - 5));
}

static void tls_server_hello(struct msg *m)
{
	u8(m, 0x16);
	be16(m, 0x0303);
	be16(m, 0);
	u8(m, 2);
	be24(m, 0);
	be16(m, 0x0303);
	for (int i = 0; i < 32; i++)
		u8(m, i);
	u8(m, 0);
	be16(m, 0x1301);
	u8(m, 0);
	be16(m, 0);
	set_be24(m, 6, (unsigned)m->n - 9);
	set_be16(m, 3, (unsigned)m->n - 5);
}

/* ---- the sample table ---- */

struct sample {
	const char *name;
	struct msg c, s;
	uint16_t port;
	const char *proto, *category;
	const char *reason; /* expected substring of the reason */
	size_t c_confirm;   /* client bytes the spec needs to tell it; 0: client alone cannot */
	size_t s_confirm;   /* same for the server */
};

#define MAX_SAMPLES 40
static struct sample samples[MAX_SAMPLES];
static size_t nsamples;

static struct sample *add(const char *name, uint16_t port, const char *proto, const char *cat,
			  const char *reason)
{
	struct sample *s;

	assert_true(nsamples < MAX_SAMPLES);
	s = &samples[nsamples++];
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->port = port;
	s->proto = proto;
	s->category = cat;
	s->reason = reason;
	return s;
}

static int build_samples(void **state)
{
	struct sample *s;
	(void)state;

	nsamples = 0;
	s = add("pg_startup", 5432, "postgres", "database",
		"port 5432, valid Postgres startup/SSLRequest header");
	pg_startup(&s->c);
	pg_auth_sasl(&s->s);
	s->c_confirm = s->c.n; /* the whole message: "user" must be there */
	s->s_confirm = 9;      /* 'R', length, auth type */

	s = add("pg_ssl_request", 5432, "postgres", "database",
		"port 5432, valid Postgres startup/SSLRequest header");
	pg_ssl_request(&s->c);
	str(&s->s, "S");
	s->c_confirm = 8;

	s = add("pg_gssenc_request", 5432, "postgres", "database",
		"port 5432, valid Postgres GSSENCRequest header");
	be32(&s->c, 8);
	be32(&s->c, 80877104);
	str(&s->s, "N");
	s->c_confirm = 8;

	s = add("pg_cancel", 5432, "postgres", "database",
		"port 5432, valid Postgres CancelRequest header");
	be32(&s->c, 16);
	be32(&s->c, 80877102);
	be32(&s->c, 4242);	 /* process id */
	be32(&s->c, 0xcafebabe); /* secret key */
	s->c_confirm = 8;

	s = add("pg_error", 5432, "postgres", "database", "Postgres ErrorResponse");
	pg_error(&s->s);
	s->s_confirm = s->s.n;

	s = add("mysql_greeting", 3306, "mysql", "database",
		"MySQL server greeting (protocol 10, version 8.0.36)");
	mysql_greeting(&s->s, "8.0.36");
	s->s_confirm = 4 + 1 + 7 + 4 + 8 + 1 + 2;

	s = add("mariadb_greeting", 3306, "mysql", "database", "MariaDB server greeting");
	mysql_greeting(&s->s, "5.5.5-10.11.6-MariaDB-0+deb12u1");
	s->s_confirm = 4 + 1 + 32 + 4 + 8 + 1 + 2;

	s = add("mysql_response", 3306, "mysql", "database", "MySQL handshake response");
	mysql_response(&s->c, 0);
	s->c_confirm = 4 + 32 + 5; /* fixed part and the user name */

	s = add("mysql_ssl_request", 3306, "mysql", "database", "MySQL SSLRequest");
	mysql_response(&s->c, 1);
	s->c_confirm = 36;

	s = add("mongo_op_msg", 27017, "mongodb", "database", "MongoDB OP_MSG header");
	mongo_op_msg(&s->c, 1, 0);
	mongo_op_msg(&s->s, 100, 1);
	s->c_confirm = 16 + 4 + 1;

	s = add("mongo_op_query", 27017, "mongodb", "database", "MongoDB OP_QUERY header");
	mongo_op_query(&s->c);
	s->c_confirm = 16 + 4 + 11;

	s = add("tds_prelogin", 1433, "mssql", "database", "TDS PRELOGIN packet");
	tds_prelogin(&s->c, 0x12);
	tds_prelogin(&s->s, 0x04);
	s->c_confirm = 8 + 26;
	s->s_confirm = 8 + 26;

	s = add("redis_resp", 6379, "redis", "cache", "redis RESP array");
	str(&s->c, "*1\r\n$4\r\nPING\r\n");
	str(&s->s, "+PONG\r\n");
	s->c_confirm = 14;

	s = add("redis_sentinel", 26379, "redis", "cache", "redis RESP array");
	str(&s->c, "*2\r\n$8\r\nSENTINEL\r\n$7\r\nmasters\r\n");
	s->c_confirm = 18;

	s = add("redis_inline", 6379, "redis", "cache", "port 6379, redis inline command");
	str(&s->c, "PING\r\n");
	s->c_confirm = 5;

	s = add("memcached_set", 11211, "memcached", "cache", "memcached text storage command");
	str(&s->c, "set session:42 0 3600 5\r\nhello\r\n");
	str(&s->s, "STORED\r\n");
	s->c_confirm = 24;

	s = add("memcached_get", 11211, "memcached", "cache", "memcached");
	str(&s->c, "get session:42\r\n");
	str(&s->s, "VALUE session:42 0 5\r\nhello\r\nEND\r\n");
	s->c_confirm = 15;
	s->s_confirm = 21;

	s = add("memcached_binary", 11211, "memcached", "cache", "memcached binary request header");
	mc_binary(&s->c, 0);
	mc_binary(&s->s, 1);
	s->c_confirm = 24;
	s->s_confirm = 24;

	s = add("kafka_api_versions", 9092, "kafka", "message_bus",
		"Kafka request header (api_key 18, version 3)");
	kafka_api_versions(&s->c);
	kafka_response(&s->s, 1);
	s->c_confirm = 14 + 7;

	s = add("amqp_091", 5672, "amqp", "message_bus", "AMQP 0-9-1 protocol header");
	str(&s->c, "AMQP");
	put(&s->c, "\x00\x00\x09\x01", 4);
	amqp_start(&s->s);
	s->c_confirm = 8;
	s->s_confirm = 11;

	s = add("amqp_10", 5672, "amqp", "message_bus", "AMQP 1.0 protocol header");
	str(&s->c, "AMQP");
	put(&s->c, "\x00\x01\x00\x00", 4);
	s->c_confirm = 8;

	s = add("nats_info", 4222, "nats", "message_bus", "NATS server INFO");
	str(&s->s, "INFO {\"server_id\":\"NDJWE4\",\"version\":\"2.10.7\",\"proto\":1,"
		   "\"max_payload\":1048576}\r\n");
	s->s_confirm = 6;

	s = add("nats_connect", 6222, "nats", "message_bus", "NATS CONNECT");
	str(&s->c, "CONNECT {\"verbose\":false,\"pedantic\":false,\"lang\":\"go\","
		   "\"version\":\"1.31.0\",\"protocol\":1}\r\nPING\r\n");
	s->c_confirm = 9;

	s = add("tls_sni", 443, "tls", "", "TLS ClientHello, SNI api.example.com");
	tls_client_hello(&s->c, "api.example.com");
	tls_server_hello(&s->s);
	s->c_confirm = 11;
	s->s_confirm = 11;

	s = add("http_request", 8080, "http", "", "HTTP/1.x request line");
	str(&s->c, "GET /api/users?id=1 HTTP/1.1\r\nHost: users:8080\r\n\r\n");
	str(&s->s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
	s->c_confirm = 30; /* the whole request line */
	s->s_confirm = 12;

	s = add("http_propfind", 8080, "http", "", "HTTP/1.x request line");
	str(&s->c, "PROPFIND /dav/ HTTP/1.1\r\nDepth: 1\r\n\r\n");
	s->c_confirm = 25;

	s = add("http2_preface", 8080, "http2", "", "HTTP/2 connection preface");
	str(&s->c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
	put(&s->c, "\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9); /* empty SETTINGS */
	s->c_confirm = 24;
	return 0;
}

static const struct sample *find_sample(const char *name)
{
	for (size_t i = 0; i < nsamples; i++)
		if (strcmp(samples[i].name, name) == 0)
			return &samples[i];
	fail_msg("no sample %s", name);
	return NULL;
}

static struct classify_result run(const uint8_t *c, size_t cn, const uint8_t *s, size_t sn,
				  uint16_t port)
{
	struct classify_result r;

	memset(&r, 0x5a, sizeof(r)); /* classify must fill everything */
	assert_int_equal(classify_connection(c, cn, s, sn, port, &r), 0);
	assert_non_null(memchr(r.protocol, 0, sizeof(r.protocol)));
	assert_non_null(memchr(r.category, 0, sizeof(r.category)));
	assert_non_null(memchr(r.reason, 0, sizeof(r.reason)));
	assert_non_null(memchr(r.sni, 0, sizeof(r.sni)));
	return r;
}

static struct classify_result run_text(const char *c, const char *s, uint16_t port)
{
	return run((const uint8_t *)c, c ? strlen(c) : 0, (const uint8_t *)s, s ? strlen(s) : 0,
		   port);
}

/* ---- positive ---- */

static void test_positive_all(void **state)
{
	(void)state;
	for (size_t i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		struct classify_result r = run(s->c.b, s->c.n, s->s.b, s->s.n, s->port);

		if (strcmp(r.protocol, s->proto) || strcmp(r.category, s->category) ||
		    r.confidence != 90 || !strstr(r.reason, s->reason))
			fail_msg("%s: got %s/%s %d \"%s\", want %s/%s 90 \"...%s...\"", s->name,
				 r.protocol, r.category, r.confidence, r.reason, s->proto,
				 s->category, s->reason);
		if (strcmp(r.protocol, "tls") != 0 && r.sni[0])
			fail_msg("%s: sni set for %s", s->name, r.protocol);
	}
}

/* Each side alone confirms when the spec says it can. */
static void test_positive_one_side(void **state)
{
	(void)state;
	for (size_t i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		struct classify_result r;

		if (s->c_confirm) {
			r = run(s->c.b, s->c.n, NULL, 0, s->port);
			if (strcmp(r.protocol, s->proto) || r.confidence != 90)
				fail_msg("%s client only: got %s %d \"%s\"", s->name, r.protocol,
					 r.confidence, r.reason);
		}
		if (s->s_confirm) {
			r = run(NULL, 0, s->s.b, s->s.n, s->port);
			if (strcmp(r.protocol, s->proto) || r.confidence != 90)
				fail_msg("%s server only: got %s %d \"%s\"", s->name, r.protocol,
					 r.confidence, r.reason);
		}
	}
}

/* The seed's reason texts, verbatim. */
static void test_seed_reasons(void **state)
{
	const struct sample *s = find_sample("pg_startup");
	struct classify_result r = run(s->c.b, s->c.n, NULL, 0, 5432);
	(void)state;

	assert_string_equal(r.reason, "port 5432, valid Postgres startup/SSLRequest header");
	s = find_sample("pg_ssl_request");
	r = run(s->c.b, s->c.n, NULL, 0, 5432);
	assert_string_equal(r.reason, "port 5432, valid Postgres startup/SSLRequest header");
	r = run_text("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", "+OK\r\n", 6379);
	assert_string_equal(r.protocol, "redis");
	assert_string_equal(r.category, "cache");
	assert_int_equal(r.confidence, 90);
	assert_string_equal(r.reason, "redis RESP array");
}

/* Weak evidence from both directions adds up: PING alone is redis or NATS,
 * PING answered by +PONG is redis. */
static void test_two_sided_evidence(void **state)
{
	struct classify_result r;
	(void)state;

	r = run_text("PING\r\n", NULL, OFF_PORT);
	assert_string_equal(r.protocol, "unknown");
	assert_int_equal(r.confidence, 0);
	assert_string_equal(r.reason, "inconclusive: redis or nats on port 40000");

	r = run_text("PING\r\n", "+PONG\r\n", OFF_PORT);
	assert_string_equal(r.protocol, "redis");
	assert_int_equal(r.confidence, 80);

	r = run_text("get k\r\n", "END\r\n", OFF_PORT);
	assert_string_equal(r.protocol, "memcached");
	assert_int_equal(r.confidence, 80);
}

/* Strong evidence beats paired weak evidence; two equal claims cancel. */
static void test_conflicts(void **state)
{
	struct msg tls = {.n = 0};
	struct classify_result r;
	(void)state;

	/* "GET ... HTTP/1.1" is also a Redis inline GET, and "-ERR" a RESP
	 * error: paired weak evidence for redis, strong for HTTP */
	r = run_text("GET /health HTTP/1.1\r\n\r\n", "-ERR wrong number of arguments\r\n", 8080);
	assert_string_equal(r.protocol, "http");
	assert_int_equal(r.confidence, 90);

	/* TLS sent to a plain HTTP server that answers 400: both strong */
	tls_client_hello(&tls, "shop.example");
	r = run(tls.b, tls.n, (const uint8_t *)"HTTP/1.1 400 Bad Request\r\n\r\n", 28, 8080);
	assert_string_equal(r.protocol, "unknown");
	assert_int_equal(r.confidence, 0);
	assert_string_equal(r.reason, "conflicting fingerprints (tls and http) on port 8080");
	assert_string_equal(r.sni, "");

	/* the same on a protocol's port falls back to the port */
	r = run(tls.b, tls.n, (const uint8_t *)"HTTP/1.1 400 Bad Request\r\n\r\n", 28, 5432);
	assert_string_equal(r.protocol, "postgres");
	assert_int_equal(r.confidence, 60);
	assert_string_equal(r.reason, "port 5432, conflicting fingerprints (tls and http)");

	/* 'S' only answers a valid SSLRequest (length 8) */
	r = run((const uint8_t *)"\x00\x00\x00\x40\x04\xd2\x16\x2f", 8, (const uint8_t *)"S", 1,
		5433);
	assert_string_equal(r.protocol, "unknown");
}

/* Request/response pairs that must match each other. */
static void test_reply_matching(void **state)
{
	struct msg c = {.n = 0}, s = {.n = 0}, bad = {.n = 0};
	struct classify_result r;
	(void)state;

	/* MongoDB reply to requestID 1 vs. to some other request */
	mongo_op_msg(&c, 1, 0);
	mongo_op_msg(&s, 100, 1);
	mongo_op_msg(&bad, 100, 2);
	r = run(NULL, 0, s.b, s.n, 27017);
	assert_string_equal(r.protocol, "mongodb");
	assert_int_equal(r.confidence, 90); /* weak alone, but on its port */
	r = run(NULL, 0, s.b, s.n, OFF_PORT);
	assert_string_equal(r.protocol, "unknown"); /* weak, and off its port */
	assert_int_equal(r.confidence, 0);
	assert_string_equal(r.reason, "inconclusive: MongoDB reply header on port 40000");
	r = run(c.b, c.n, s.b, s.n, OFF_PORT);
	assert_int_equal(r.confidence, 80);
	assert_non_null(strstr(r.reason, "OP_MSG"));

	/* Kafka response is only evidence with a matching correlation id */
	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	kafka_api_versions(&c);
	kafka_response(&s, 1);
	r = run(NULL, 0, s.b, s.n, 9092);
	assert_int_equal(r.confidence, 60);
	r = run(c.b, c.n, s.b, s.n, 9092);
	assert_int_equal(r.confidence, 90);
}

/* ---- server speaks first ---- */

static void test_server_first(void **state)
{
	const struct sample *my = find_sample("mysql_greeting");
	const struct sample *nats = find_sample("nats_info");
	struct classify_result r;
	(void)state;

	r = run(NULL, 0, my->s.b, my->s.n, 3306);
	assert_string_equal(r.protocol, "mysql");
	assert_int_equal(r.confidence, 90);
	assert_string_equal(r.reason,
			    "port 3306, MySQL server greeting (protocol 10, version 8.0.36)");

	/* the same greeting on another port: still MySQL, from the bytes */
	r = run(NULL, 0, my->s.b, my->s.n, 33060);
	assert_string_equal(r.protocol, "mysql");
	assert_int_equal(r.confidence, 80);
	assert_string_equal(r.reason, "fingerprint MySQL server greeting (protocol 10, version "
				      "8.0.36) on non-default port 33060");

	r = run(NULL, 0, nats->s.b, nats->s.n, 4222);
	assert_string_equal(r.protocol, "nats");
	assert_string_equal(r.category, "message_bus");
	assert_int_equal(r.confidence, 90);

	r = run(NULL, 0, nats->s.b, nats->s.n, 14222);
	assert_string_equal(r.protocol, "nats");
	assert_int_equal(r.confidence, 80);

	/* a client that answers the greeting does not change the verdict */
	r = run((const uint8_t *)"CONNECT {}\r\n", 12, nats->s.b, nats->s.n, 4222);
	assert_string_equal(r.protocol, "nats");
	assert_int_equal(r.confidence, 90);

	/* MySQL that refuses the client greets with an error packet */
	{
		struct msg m = {.n = 0};

		le16(&m, 0);
		u8(&m, 0);
		u8(&m, 0);
		u8(&m, 0xff);
		le16(&m, 1130);
		str(&m, "Host '10.0.0.9' is not allowed to connect to this MySQL server");
		set_le24(&m, 0, (unsigned)m.n - 4);
		r = run(NULL, 0, m.b, m.n, 3306);
		assert_string_equal(r.protocol, "mysql");
		assert_int_equal(r.confidence, 90);
		assert_non_null(strstr(r.reason, "MySQL error packet 1130"));
	}
}

/* ---- port only ---- */

static void test_port_only(void **state)
{
	static const struct {
		uint16_t port;
		const char *proto, *cat;
	} ports[] = {
	    {5432, "postgres", "database"},  {3306, "mysql", "database"},
	    {27017, "mongodb", "database"},  {1433, "mssql", "database"},
	    {6379, "redis", "cache"},	     {26379, "redis", "cache"},
	    {11211, "memcached", "cache"},   {9092, "kafka", "message_bus"},
	    {19092, "kafka", "message_bus"}, {29092, "kafka", "message_bus"},
	    {9093, "kafka", "message_bus"},  {5672, "amqp", "message_bus"},
	    {5671, "amqp", "message_bus"},   {4222, "nats", "message_bus"},
	    {6222, "nats", "message_bus"},
	};
	struct classify_result r;
	char want[32];
	(void)state;

	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		r = run(NULL, 0, NULL, 0, ports[i].port);
		assert_string_equal(r.protocol, ports[i].proto);
		assert_string_equal(r.category, ports[i].cat);
		assert_int_equal(r.confidence, 60);
		snprintf(want, sizeof(want), "port %u", ports[i].port);
		assert_string_equal(r.reason, want);
		assert_string_equal(r.sni, "");
	}

	/* unrecognized payload on a known port */
	r = run_text("hello there, general kenobi\n", NULL, 3306);
	assert_string_equal(r.protocol, "mysql");
	assert_int_equal(r.confidence, 60);
	assert_string_equal(r.reason, "port 3306, payload not recognized");

	/* a cut header on its port: port only, and the reason says why */
	r = run((const uint8_t *)"\x00\x00\x00\x08\x04\xd2", 6, NULL, 0, 5432);
	assert_string_equal(r.protocol, "postgres");
	assert_int_equal(r.confidence, 60);
	assert_string_equal(r.reason, "port 5432, payload too short to confirm");

	/* nothing on a port nobody owns */
	r = run(NULL, 0, NULL, 0, OFF_PORT);
	assert_string_equal(r.protocol, "unknown");
	assert_string_equal(r.category, "");
	assert_int_equal(r.confidence, 0);
}

/* TLS on a protocol's port: the protocol inside, port only (seed: 60). */
static void test_tls_on_protocol_port(void **state)
{
	struct msg m = {.n = 0};
	struct classify_result r;
	(void)state;

	tls_client_hello(&m, "db.internal");
	r = run(m.b, m.n, NULL, 0, 5432);
	assert_string_equal(r.protocol, "postgres");
	assert_int_equal(r.confidence, 60);
	assert_non_null(strstr(r.reason, "port 5432, TLS-encrypted"));
	assert_non_null(strstr(r.reason, "db.internal"));
	assert_string_equal(r.sni, ""); /* sni only when the protocol is tls */

	r = run(m.b, m.n, NULL, 0, 6379); /* rediss */
	assert_string_equal(r.protocol, "redis");
	assert_int_equal(r.confidence, 60);

	r = run(m.b, m.n, NULL, 0, 5671); /* amqps */
	assert_string_equal(r.protocol, "amqp");
	assert_int_equal(r.confidence, 60);
}

/* ---- fingerprints off their port ---- */

static void test_non_default_port(void **state)
{
	const struct sample *pg = find_sample("pg_startup");
	struct classify_result r;
	(void)state;

	r = run(pg->c.b, pg->c.n, NULL, 0, 5433);
	assert_string_equal(r.protocol, "postgres");
	assert_string_equal(r.category, "database");
	assert_int_equal(r.confidence, 80);
	assert_string_equal(r.reason, "fingerprint valid Postgres startup/SSLRequest header on "
				      "non-default port 5433");

	/* every strong sample keeps its protocol on a foreign port */
	for (size_t i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		int portless = s->category[0] == '\0';

		if (strcmp(s->name, "redis_inline") == 0)
			continue; /* PING alone is ambiguous (redis or NATS) */
		r = run(s->c.b, s->c.n, s->s.b, s->s.n, OFF_PORT);
		if (strcmp(r.protocol, s->proto) || r.confidence != (portless ? 90 : 80))
			fail_msg("%s on port %u: got %s %d \"%s\"", s->name, OFF_PORT, r.protocol,
				 r.confidence, r.reason);
		if (!portless && !strstr(r.reason, "on non-default port 40000"))
			fail_msg("%s: reason \"%s\"", s->name, r.reason);
	}
}

/* ---- negative ---- */

static void test_negative(void **state)
{
	struct classify_result r;
	uint8_t rnd[1024];
	uint32_t x = 12345;
	(void)state;

	r = run_text("hello world, this is just text\r\n", "and some more text\r\n", OFF_PORT);
	assert_string_equal(r.protocol, "unknown");
	assert_int_equal(r.confidence, 0);

	/* HTTP on the Redis port is HTTP, and says the port is not its own */
	r = run_text("GET / HTTP/1.1\r\nHost: cache\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n\r\n",
		     6379);
	assert_string_equal(r.protocol, "http");
	assert_int_equal(r.confidence, 80);
	assert_string_equal(r.reason, "fingerprint HTTP/1.x request line on non-default port 6379");

	/* weak evidence for another protocol does not beat the port */
	r = run_text("END\r\n", NULL, 6379);
	assert_string_equal(r.protocol, "redis");
	assert_int_equal(r.confidence, 60);

	/* SSLRequest with a wrong length */
	r = run((const uint8_t *)"\x00\x00\x00\x09\x04\xd2\x16\x2f\x00", 9, NULL, 0, 5432);
	assert_int_equal(r.confidence, 60);

	/* MongoDB request with responseTo set (only replies have one) */
	{
		struct msg m = {.n = 0};

		mongo_op_msg(&m, 1, 5);
		r = run(m.b, m.n, NULL, 0, 27017);
		assert_int_equal(r.confidence, 60);
	}
	/* MySQL greeting with protocol version 9 */
	{
		struct msg m = {.n = 0};

		mysql_greeting(&m, "8.0.36");
		m.b[4] = 9;
		r = run(NULL, 0, m.b, m.n, 3306);
		assert_int_equal(r.confidence, 60);
	}
	/* zero bytes under a Kafka-sized length are not a Kafka request, even
	 * with a "reply" whose correlation id (0) matches */
	{
		static const uint8_t zc[16] = {0x00, 0x40}, zs[8] = {0, 0, 0, 4};

		r = run(zc, sizeof(zc), zs, sizeof(zs), 5432);
		assert_string_equal(r.protocol, "postgres");
		assert_int_equal(r.confidence, 60);
	}
	/* AMQP connection.start whose frame-end octet is wrong */
	{
		struct msg m = {.n = 0};

		amqp_start(&m);
		m.b[m.n - 1] = 0x00;
		r = run(NULL, 0, m.b, m.n, 5672);
		assert_int_equal(r.confidence, 60);
		m.b[m.n - 1] = 0xce;
		r = run(NULL, 0, m.b, m.n, 5672);
		assert_int_equal(r.confidence, 90);
	}
	/* memcached commands are lower case; SET in capitals is not one */
	r = run_text("SET k 0 0 1\r\n", NULL, 11211);
	assert_int_equal(r.confidence, 60);
	/* HTTP/2 preface cut in the middle */
	r = run_text("PRI * HTTP/2.0\r\n\r\nS", NULL, OFF_PORT);
	assert_string_equal(r.protocol, "unknown");
	/* a request line of HTTP/2.0 is not HTTP/1.x */
	r = run_text("GET / HTTP/2.0\r\n", NULL, OFF_PORT);
	assert_string_equal(r.protocol, "unknown");

	/* pseudo-random bytes: never a confirmed protocol */
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(rnd); i++) {
			x = x * 1103515245u + 12345u;
			rnd[i] = (uint8_t)(x >> 16);
		}
		r = run(rnd, sizeof(rnd), rnd + 512, 512, OFF_PORT);
		if (r.confidence >= 80)
			fail_msg("random round %d: %s %d \"%s\"", round, r.protocol, r.confidence,
				 r.reason);
	}
}

/* ---- truncated ---- */

/* Every prefix of each side: no crash; a prefix shorter than what the spec
 * needs never confirms (90) nor claims by fingerprint (80); on the sample's
 * own port the protocol never changes; once confirmed, longer prefixes stay
 * confirmed. */
static void check_prefixes(const struct sample *s, int server_side)
{
	const struct msg *m = server_side ? &s->s : &s->c;
	size_t confirm = server_side ? s->s_confirm : s->c_confirm;
	int portless = s->category[0] == '\0';
	int confirmed = 0;

	for (size_t len = 0; len <= m->n; len++) {
		/* exact-size copy so ASan sees any read past the prefix */
		uint8_t *p = malloc(len ? len : 1);
		struct classify_result r, off;

		assert_non_null(p);
		memcpy(p, m->b, len);
		r = server_side ? run(NULL, 0, p, len, s->port) : run(p, len, NULL, 0, s->port);
		off = server_side ? run(NULL, 0, p, len, OFF_PORT) : run(p, len, NULL, 0, OFF_PORT);
		free(p);

		if (r.confidence == 90 && strcmp(r.protocol, s->proto))
			fail_msg("%s %s prefix %zu: 90 for %s", s->name,
				 server_side ? "server" : "client", len, r.protocol);
		if (!portless && strcmp(r.protocol, s->proto))
			fail_msg("%s %s prefix %zu: %s on port %u", s->name,
				 server_side ? "server" : "client", len, r.protocol, s->port);
		if (strcmp(off.protocol, s->proto) && strcmp(off.protocol, "unknown"))
			fail_msg("%s %s prefix %zu: %s %d on port %u (\"%s\")", s->name,
				 server_side ? "server" : "client", len, off.protocol,
				 off.confidence, OFF_PORT, off.reason);
		if (confirm && len < confirm && (r.confidence > 60 || off.confidence > 0))
			fail_msg("%s %s prefix %zu < %zu: over-claims %s %d / %d", s->name,
				 server_side ? "server" : "client", len, confirm, r.protocol,
				 r.confidence, off.confidence);
		if (confirmed && r.confidence != 90)
			fail_msg("%s %s prefix %zu: confirmed earlier, now %d", s->name,
				 server_side ? "server" : "client", len, r.confidence);
		if (r.confidence == 90)
			confirmed = 1;
	}
	if (confirm && !confirmed)
		fail_msg("%s %s: never confirmed", s->name, server_side ? "server" : "client");
}

static void test_truncated_prefixes(void **state)
{
	(void)state;
	for (size_t i = 0; i < nsamples; i++) {
		check_prefixes(&samples[i], 0);
		check_prefixes(&samples[i], 1);
	}
}

/* A prefix of one side with the other side complete must not flip the
 * verdict to another protocol either. */
static void test_truncated_with_other_side(void **state)
{
	(void)state;
	for (size_t i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];

		for (size_t len = 0; len < s->c.n; len++) {
			struct classify_result r = run(s->c.b, len, s->s.b, s->s.n, s->port);

			if (r.confidence >= 80 && strcmp(r.protocol, s->proto))
				fail_msg("%s client prefix %zu + server: %s %d", s->name, len,
					 r.protocol, r.confidence);
		}
	}
}

/* ---- TLS SNI ---- */

static void test_tls_sni(void **state)
{
	struct msg m = {.n = 0};
	struct classify_result r;
	char longname[254];
	(void)state;

	tls_client_hello(&m, "orders.svc.cluster.local");
	r = run(m.b, m.n, NULL, 0, 443);
	assert_string_equal(r.protocol, "tls");
	assert_string_equal(r.category, "");
	assert_int_equal(r.confidence, 90);
	assert_string_equal(r.sni, "orders.svc.cluster.local");
	assert_string_equal(r.reason, "TLS ClientHello, SNI orders.svc.cluster.local");

	/* no server_name extension */
	memset(&m, 0, sizeof(m));
	tls_client_hello(&m, NULL);
	r = run(m.b, m.n, NULL, 0, 443);
	assert_string_equal(r.protocol, "tls");
	assert_string_equal(r.sni, "");
	assert_string_equal(r.reason, "TLS ClientHello without SNI");

	/* a name that is not a host name is not copied out */
	memset(&m, 0, sizeof(m));
	tls_client_hello(&m, "bad\x01name\"<>");
	r = run(m.b, m.n, NULL, 0, 443);
	assert_string_equal(r.protocol, "tls");
	assert_string_equal(r.sni, "");

	/* the longest DNS name fits; the reason is cut, the sni is not */
	memset(longname, 'a', 253);
	for (int i = 60; i < 253; i += 61)
		longname[i] = '.';
	longname[253] = '\0';
	memset(&m, 0, sizeof(m));
	tls_client_hello(&m, longname);
	r = run(m.b, m.n, NULL, 0, 8443);
	assert_string_equal(r.sni, longname);
	assert_true(strlen(r.reason) < sizeof(r.reason));

	/* server_name extension whose length runs past the hello: no SNI, no crash */
	memset(&m, 0, sizeof(m));
	tls_client_hello(&m, "x.example");
	for (size_t i = 0; i + 1 < m.n; i++)
		if (m.b[i] == 0x00 && m.b[i + 1] == 0x00 && i > 80) { /* server_name type */
			set_be16(&m, i + 2, 0xfff0);
			break;
		}
	r = run(m.b, m.n, NULL, 0, 443);
	assert_string_equal(r.protocol, "tls");
	assert_string_equal(r.sni, "");

	/* ServerHello alone */
	memset(&m, 0, sizeof(m));
	tls_server_hello(&m);
	r = run(NULL, 0, m.b, m.n, 443);
	assert_string_equal(r.protocol, "tls");
	assert_string_equal(r.reason, "TLS ServerHello");

	/* SSLv3-era record version, hello cut right after its version */
	r = run((const uint8_t *)"\x16\x03\x00\x00\x40\x01\x00\x00\x3c\x03\x00", 11, NULL, 0, 443);
	assert_string_equal(r.protocol, "tls");
	assert_string_equal(r.sni, "");
	assert_string_equal(r.reason, "TLS ClientHello, cut before SNI");

	/* cut inside the extensions, after the server_name one: SNI found;
	 * cut before it: not "without SNI" but "cut before SNI" */
	memset(&m, 0, sizeof(m));
	tls_client_hello(&m, "late.example");
	r = run(m.b, m.n - 1, NULL, 0, 443);
	assert_string_equal(r.sni, "");
	assert_string_equal(r.reason, "TLS ClientHello, cut before SNI");
	{
		struct msg m2 = {.n = 0};
		size_t hello_end;

		/* server_name, then a padding extension that the cut falls in */
		tls_client_hello(&m2, NULL);
		hello_end = m2.n;
		be16(&m2, 0x0000);
		be16(&m2, 5 + 12);
		be16(&m2, 3 + 12);
		u8(&m2, 0);
		be16(&m2, 12);
		str(&m2, "late.example");
		be16(&m2, 0x0015); /* padding */
		be16(&m2, 100);
		zeros(&m2, 100);
		/* fix the lengths: extensions, handshake, record */
		set_be16(&m2, hello_end - 7 - 2, (unsigned)(m2.n - (hello_end - 7)));
		set_be24(&m2, 6, (unsigned)m2.n - 9);
		set_be16(&m2, 3, (unsigned)m2.n - 5);
		r = run(m2.b, m2.n, NULL, 0, 443);
		assert_string_equal(r.sni, "late.example");
		r = run(m2.b, m2.n - 50, NULL, 0, 443);
		assert_string_equal(r.sni, "late.example");
	}
}

/* ---- bounds ---- */

/* Only CLASSIFY_PREFIX bytes are looked at: a buffer that really is that
 * long may be passed with a larger length (ASan checks the claim). */
static void test_prefix_cap(void **state)
{
	uint8_t *c = malloc(CLASSIFY_PREFIX), *s = malloc(CLASSIFY_PREFIX);
	struct classify_result r;
	(void)state;

	assert_non_null(c);
	assert_non_null(s);
	memset(c, 'a', CLASSIFY_PREFIX);
	memset(s, 'b', CLASSIFY_PREFIX);
	memcpy(c, "GET /", 5); /* a request line longer than the prefix */
	r = run(c, (size_t)1 << 30, s, (size_t)1 << 30, 8080);
	assert_string_equal(r.protocol, "unknown");

	memset(c, '\0', CLASSIFY_PREFIX);
	r = run(c, (size_t)1 << 30, s, (size_t)1 << 30, 5432);
	assert_string_equal(r.protocol, "postgres");
	assert_int_equal(r.confidence, 60);
	free(c);
	free(s);

	r = run(NULL, 0, NULL, 0, 0);
	assert_string_equal(r.protocol, "unknown");
}

/* Same input, same output, byte for byte. */
static void test_deterministic(void **state)
{
	(void)state;
	for (size_t i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		struct classify_result a, b;

		memset(&a, 0, sizeof(a));
		memset(&b, 0xff, sizeof(b));
		classify_connection(s->c.b, s->c.n, s->s.b, s->s.n, s->port, &a);
		classify_connection(s->c.b, s->c.n, s->s.b, s->s.n, s->port, &b);
		assert_memory_equal(&a, &b, sizeof(a));
	}
}

/* The classifier's HTTP/1.x evidence and the parser's start-line check are
 * one grammar (proto/http.c): a first line the parser takes for a request
 * or status line is HTTP to the classifier, and nothing else is. */
static void test_http_one_grammar(void **state)
{
	static const struct {
		const char *line; /* without CRLF */
		int server;	  /* a status line, sent by the server */
	} v[] = {
	    {"GET / HTTP/1.1", 0},
	    {"get / HTTP/1.1", 0}, /* token methods are case-sensitive, any case */
	    {"M-SEARCH * HTTP/1.1", 0},
	    {"X.Custom!1 /a HTTP/1.0", 0}, /* tchar: digits and !#$%&'*+-.^_`|~ */
	    {"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF / HTTP/1.1", 0},	 /* 32: HTTP_MAX_METHOD */
	    {"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG / HTTP/1.1", 0}, /* 33 */
	    {"GET /caf\xc3\xa9 HTTP/1.1", 0},
	    {"GET  / HTTP/1.1", 0},
	    {"GET / HTTP/2.0", 0},
	    {"GET / HTTP/1.1 x", 0},
	    {"HTTP/1.1 200 OK", 1},
	    {"HTTP/1.0 404", 1},
	    {"HTTP/1.1 2000 OK", 1},
	    {"HTTP/1.1 200 O\x01K", 1},
	    {"HTTP/2 200", 1},
	};
	char buf[128];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = strlen(v[i].line);
		enum http_line k = http_check_line((const uint8_t *)v[i].line, n, true);
		int parser = k == (v[i].server ? HTTP_LINE_RESPONSE : HTTP_LINE_REQUEST);
		struct classify_result r;

		snprintf(buf, sizeof(buf), "%s\r\nX: y\r\n\r\n", v[i].line);
		r = v[i].server ? run(NULL, 0, (const uint8_t *)buf, strlen(buf), OFF_PORT)
				: run((const uint8_t *)buf, strlen(buf), NULL, 0, OFF_PORT);
		if (parser != !strcmp(r.protocol, "http"))
			fail_msg("\"%s\": parser %s, classifier %s (\"%s\")", v[i].line,
				 parser ? "accepts" : "rejects", r.protocol, r.reason);
	}
	/* cut before the line's end: truncated, never confirmed */
	{
		struct classify_result r =
		    run(NULL, 0, (const uint8_t *)"HTTP/1.1 200 O", 14, OFF_PORT);
		assert_int_equal(r.confidence, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_positive_all),
	    cmocka_unit_test(test_positive_one_side),
	    cmocka_unit_test(test_seed_reasons),
	    cmocka_unit_test(test_two_sided_evidence),
	    cmocka_unit_test(test_conflicts),
	    cmocka_unit_test(test_reply_matching),
	    cmocka_unit_test(test_server_first),
	    cmocka_unit_test(test_port_only),
	    cmocka_unit_test(test_tls_on_protocol_port),
	    cmocka_unit_test(test_non_default_port),
	    cmocka_unit_test(test_negative),
	    cmocka_unit_test(test_truncated_prefixes),
	    cmocka_unit_test(test_truncated_with_other_side),
	    cmocka_unit_test(test_tls_sni),
	    cmocka_unit_test(test_prefix_cap),
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_http_one_grammar),
	};

	return cmocka_run_group_tests(tests, build_samples, NULL);
}
