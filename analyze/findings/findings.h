/* findings - security findings from a capture: exposed Go debug endpoints
 * (net/http/pprof, expvar, x/net/trace) and leaked secrets.
 *
 * Why: one import of net/http/pprof puts goroutine stacks, heap profiles,
 * the command line and execution traces on the default mux (seeds 000-002).
 * A capture answers what nobody else can after such an exposure: who
 * fetched what, from where, and what it revealed.
 *
 * Input is fed through plain structs that do not depend on the analyzer's
 * internals: every HTTP exchange (request + its response), every process,
 * container and local address the archive holds. Inputs can arrive in any
 * order; everything that depends on more than one input (peer classes,
 * severities, names, ordering) is decided in findings_result().
 *
 * Contract:
 *  - Strings in the input structs are NUL-terminated unless a length is
 *    given next to them; NULL means "unknown". Everything is copied (into
 *    bounded storage) before the add function returns.
 *  - Bodies and headers are hostile: they go through debugep's bounded
 *    detectors; every stored list has a named cap (FND_MAX_*) and counts
 *    what it dropped, so memory is bounded whatever the archive holds.
 *  - No secret value ever reaches the output: environment and header
 *    findings carry names only (Basic auth: the user name, never the
 *    password); command lines are redacted by format/secret.h's rules;
 *    flight-recording tokens become "fr-1", "fr-2"...
 *  - Deterministic: the same inputs in the same order give byte-identical
 *    JSON (findings_write_json); no clock, no locale, no hash order.
 *  - Feed each HTTP transaction once: when both ends were observed, pass the
 *    server's view (server_pid set) with the client's pid filled in.
 *
 * Severity (debug endpoints): high - a debug endpoint answered 2xx to a
 * non-loopback peer; medium - it was served on a non-loopback address (the
 * same process and port accepted a connection on one) but only loopback
 * peers were seen; info - loopback only, or requests that were never
 * served. The schema of the JSON is documented in README.md ("findings").
 *
 * Custom prefixes: endpoints mounted elsewhere are found by their content;
 * the one without a signature, cmdline (arguments joined by NUL), counts
 * when the same server served pprof content (index page, profiles,
 * goroutine dumps, symbol) under the same directory: "/internal/dbg/cmdline"
 * after "/internal/dbg/" answered with the index page. That is decided in
 * findings_result(), so the order of the exchanges does not matter;
 * detected_by then says "pprof_prefix".
 */
#ifndef AN_FINDINGS_H
#define AN_FINDINGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* ---- caps (memory is bounded by these whatever the input) ---- */
#define FND_MAX_SERVERS 4096u	       /* (host, pid, port) servers tracked */
#define FND_MAX_LISTEN 16u	       /* local addresses kept per server */
#define FND_MAX_ENDPOINTS 64u	       /* (endpoint, path) rows per server */
#define FND_MAX_PEERS 256u	       /* peer addresses per server */
#define FND_MAX_AUDIT 200u	       /* audit entries per server (most important kept) */
#define FND_MAX_AUDIT_TOTAL 20000u     /* audit entries over all servers */
#define FND_MAX_TIMES_TOTAL (1u << 20) /* profiling request times kept for bursts */
#define FND_MAX_LONG 32u	       /* long-running requests listed per server */
#define FND_MAX_FR 64u		       /* flight-recording sessions per server */
#define FND_MAX_ARGS 64u	       /* command-line arguments kept */
#define FND_MAX_ARG 256u	       /* bytes per argument kept */
#define FND_MAX_ARG_BYTES (4u << 20)   /* argument bytes kept over all command lines */
#define FND_MAX_PATH 160u	       /* bytes of a decoded request path kept */
#define FND_MAX_PARAMS 6u    /* query parameters kept per access (24-byte names, 40-byte values) */
#define FND_MAX_PROCS 8192u  /* processes remembered */
#define FND_MAX_ENV_KEYS 64u /* secret-looking environment keys per process */
#define FND_MAX_CONTAINERS 1024u
#define FND_MAX_CONTAINER_ADDRS 8u
#define FND_MAX_LOCAL_ADDRS 256u
#define FND_MAX_CREDS 1024u /* cleartext credential groups */
#define FND_MAX_CRED_PEERS 16u
#define FND_MAX_CRED_PATHS 8u
#define FND_MAX_NAME 128u /* comm, service, container names, header names */
/* 2xx answers to ".../cmdline" outside /debug/pprof/ held until
 * findings_result() knows whether the same server serves pprof content
 * under that prefix (pprof's cmdline body has no signature of its own). */
#define FND_MAX_HELD 64u
#define FND_MAX_HELD_BODY (FND_MAX_ARGS * FND_MAX_ARG) /* body bytes kept per held answer */

/* ---- thresholds ---- */
/* A CPU profile, trace or delta profile running this long or longer is a
 * denial-of-service vector (Go's default CPU profile runs 30 s). */
#define FND_DOS_LONG_SECONDS 30
/* CPU profiling rate (v2 "rate", "cpuprofilingrate") above this many Hz
 * (Go's default is 100) is a denial-of-service vector. */
#define FND_DOS_HIGH_RATE 1000
/* This many profiling requests within FND_BURST_WINDOW_NS is a burst. */
#define FND_BURST_COUNT 5u
#define FND_BURST_WINDOW_NS 10000000000ull

enum fnd_severity {
	FND_SEV_NONE = 0,
	FND_SEV_INFO = 1,
	FND_SEV_MEDIUM = 2,
	FND_SEV_HIGH = 3,
};

struct fnd_header {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

/* One HTTP request and its response, as one end observed it. */
struct fnd_exchange {
	uint64_t ts_wall_ns;	 /* request time, Unix ns */
	const char *host;	 /* capture host (several archives), NULL: one host */
	uint32_t server_pid;	 /* 0: the server process is not in the archive */
	const char *server_comm; /* used when no process record names server_pid */
	const char *server_ip;	 /* the address the client connected to */
	uint16_t server_port;
	const char *client_ip;
	uint16_t client_port;
	uint32_t client_pid; /* 0: the client is not in the archive */
	const char *client_comm;
	const char *method; /* "GET" */
	const char *target; /* request target as sent (path + query), not decoded */
	size_t target_len;
	const struct fnd_header *req_headers;
	size_t n_req_headers;
	const uint8_t *req_body; /* what was captured of the request body */
	size_t req_body_len;
	int status; /* 0: no response seen */
	const struct fnd_header *resp_headers;
	size_t n_resp_headers;
	const uint8_t *resp_body; /* what was captured of the response body (a prefix) */
	size_t resp_body_len;
	uint64_t resp_body_total; /* bytes the response body had on the wire */
	int resp_cut;		  /* resp_body is shorter than the body (cap, gap, loss) */
};

struct fnd_process {
	const char *host;
	uint32_t pid;
	const char *comm;
	const char *name;	  /* service name if the analyzer knows one, else NULL */
	const char *container_id; /* NULL or "" when not in a container */
	const uint8_t *cmdline;	  /* raw, NUL separated */
	size_t cmdline_len;
	const uint8_t *environ; /* KEY=VALUE NUL separated, as the archive stores it */
	size_t environ_len;
	int env_redacted; /* the capture replaced secret values (SR_PROC_ENV_REDACTED) */
};

struct fnd_container {
	const char *id;
	const char *name;  /* compose service or container name */
	const char *addrs; /* IP addresses as text, NUL separated */
	size_t addrs_len;
};

struct findings;

/*! findings_create() : @return an empty set of findings (never NULL: out of
 *  memory exits, as everywhere in the analyzer). */
struct findings *findings_create(void);
void findings_free(struct findings *f);

/*! findings_add_exchange() : every HTTP exchange, debug or not (ordinary
 *  traffic tells which addresses a server listens on, and may carry
 *  credentials). */
void findings_add_exchange(struct findings *f, const struct fnd_exchange *x);
/*! findings_add_process() : every process record (env and cmdline secrets;
 *  names servers by pid). A pid seen again: the names and secrets of both
 *  records are kept (keys are merged). */
void findings_add_process(struct findings *f, const struct fnd_process *p);
/*! findings_add_container() : every container record (peer classes, names). */
void findings_add_container(struct findings *f, const struct fnd_container *c);
/*! findings_add_local_addr() : an address of the capturing host (e.g. every
 *  local address of an observed socket). Peers with it are "this_host". */
void findings_add_local_addr(struct findings *f, const char *ip);
/*! findings_add_listen() : a connection a server accepted (pid, the local
 *  address and port), also when no HTTP was seen on it: it tells that the
 *  port is reachable on that address. */
void findings_add_listen(struct findings *f, const char *host, uint32_t pid, const char *comm,
			 const char *ip, uint16_t port);

/*! findings_result() : @return the findings document (a new reference the
 *  caller json_decref()s). Same inputs, same document. */
json_t *findings_result(struct findings *f);
/*! findings_write_json() : writes findings_result() with the fixed dump
 *  flags (2-space indent, insertion order, trailing newline).
 *  @return 0, or -1 on a write error. */
int findings_write_json(struct findings *f, FILE *out);
/*! findings_max_severity() : @return the highest severity of any finding,
 *  FND_SEV_NONE when there is none. */
enum fnd_severity findings_max_severity(struct findings *f);
/*! findings_print_summary() : a few human lines for `report`: counts per
 *  severity, then one line per finding (at most 20, then "and N more"). */
void findings_print_summary(struct findings *f, FILE *out);

/*! findings_severity_parse() : "info", "medium", "high" (case-insensitive).
 *  @return the severity, or -1 when s is none of them (for --fail-on). */
int findings_severity_parse(const char *s);
/*! findings_fail_on() : the --fail-on rule in one place.
 *  @return nonzero when a finding reaches threshold. */
int findings_fail_on(struct findings *f, enum fnd_severity threshold);

#endif /* AN_FINDINGS_H */
