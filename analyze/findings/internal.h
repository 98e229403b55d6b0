/* findings/internal.h - what the files of findings/ share and nothing
 * outside findings/ may include: the findings set (struct findings: its
 * servers, processes, containers, local addresses and credentials), the
 * helpers every detector uses to build its JSON, and the entry points of
 * each detector.
 *
 * Files:
 *  - findings.c: the set (create, free, servers, processes, containers,
 *    local addresses, peer classes), the exchange input, findings.json
 *    (ordering, ids, summary) and the shared JSON helpers;
 *  - debug.c: what an exchange tells about Go debug endpoints (accesses,
 *    leaks, denial of service, flight recordings, held cmdline answers);
 *  - debug_report.c: the debug_endpoint finding, one question per function;
 *  - creds.c: cleartext credentials (headers, URL parameters) and their
 *    finding;
 *  - secrets.c: secret-looking environment and command lines of processes,
 *    and their findings (grouped by signature).
 *
 * Shared functions carry the fnd_ prefix; everything else stays static in
 * its file. */
#ifndef AN_FINDINGS_INTERNAL_H
#define AN_FINDINGS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "base/htab.h"
#include "base/util.h"
#include "findings/findings.h"
#include "proto/godebug.h"
#include "secret.h"

#define IP_LEN 48
#define EP_LEN 32
#define AUDIT_PATH FND_MAX_PATH
#define AUDIT_PARAMS FND_MAX_PARAMS
#define PARAM_KEY 24u
#define PARAM_VAL 40u
#define HOST_LEN 64u
#define ENV_KEY_LEN 128u
#define CMDLINE_TEXT 512u
struct ip {
	uint8_t family; /* 4, 6, or 0 when the text is no address */
	uint8_t a[16];
};

struct param {
	char k[PARAM_KEY];
	char v[PARAM_VAL];
};

struct audit {
	uint64_t ts, seq, bytes;
	int64_t duration_ms;
	char ip[IP_LEN];
	uint16_t port;
	uint32_t pid;
	char comm[32];
	char method[16];
	char endpoint[EP_LEN];
	char path[AUDIT_PATH];
	struct param params[AUDIT_PARAMS];
	unsigned nparams;
	unsigned params_more;
	int status;
	int fr;		    /* flight-recording session index, -1 none */
	uint64_t addresses; /* symbol: program counters asked for */
	uint8_t served, loopback, cut, weak;
	uint8_t content; /* enum godebug_content */
};

struct eprow {
	char endpoint[EP_LEN];
	char path[AUDIT_PATH];
	uint64_t requests, served, served_nonloop, bytes;
	uint32_t contents; /* bit per enum godebug_content seen in served responses */
	uint32_t signals;  /* GODEBUG_SIG_*, FND_SIG_SEED */
	uint8_t by_path;
};

#define FND_SIG_SEED (1u << 8)
#define FND_SIG_PREFIX (1u << 9) /* cmdline under a prefix that served pprof content */

/* a 2xx answer to ".../cmdline" outside /debug/pprof/, kept until
 * findings_result() can tell whether its server serves pprof there */
struct held {
	struct fnd_exchange x; /* points into the fields below; no headers */
	size_t server;	       /* index in findings.servers (append-only) */
	uint64_t seq;
	char server_ip[IP_LEN], client_ip[IP_LEN];
	char client_comm[FND_MAX_NAME];
	char method[16];
	char *target;  /* target_len bytes, at most GODEBUG_MAX_PATH */
	uint8_t *body; /* at most FND_MAX_HELD_BODY bytes */
};

struct peer {
	char ip[IP_LEN];
	uint64_t requests, served, first, last;
};

struct listen {
	char ip[IP_LEN];
	uint8_t loopback;
};

struct longreq {
	uint64_t ts;
	char ip[IP_LEN];
	char endpoint[EP_LEN];
	int64_t duration_ms;
	int64_t rate_hz;
};

struct frs {
	char token[GODEBUG_MAX_TOKEN + 1];
	uint8_t has_token, started, stopped;
	uint64_t first_seen, start_ts, stop_ts;
	char start_ip[IP_LEN];
	char minage[PARAM_VAL], maxbytes[PARAM_VAL];
	uint64_t captures, capture_bytes;
};

struct leak {
	uint64_t dumps, max_stacks, profiles, profile_bytes, traces, trace_bytes;
	uint64_t expvar, symbol_requests, symbol_addresses, index_pages;
	char go_version[16];
	struct godebug_names app_funcs, std_funcs, app_files, std_files, types, expvar_keys,
	    index_names;
	uint64_t index_counts[GODEBUG_MAX_NAMES];
};

/* a redacted command line: the arguments kept, NUL separated */
struct cmdargs {
	unsigned n;	    /* arguments in buf */
	uint64_t total;	    /* arguments seen */
	unsigned redacted;  /* arguments redaction changed */
	uint8_t omitted;    /* arguments were dropped (FND_MAX_ARGS, FND_MAX_ARG_BYTES) */
	const char *source; /* "cmdline", "expvar", "process" */
	char *buf;
	size_t len, cap;
};

struct server {
	char host[HOST_LEN];
	uint32_t pid;
	char ip[IP_LEN]; /* the key when pid == 0, else the first local address */
	uint16_t port;
	char comm[FND_MAX_NAME];
	struct listen listen[FND_MAX_LISTEN];
	unsigned nlisten;
	uint8_t listen_more, nonloop_listen;

	uint64_t requests, served, served_nonloop, strong, confirmed;
	uint64_t first, last;
	struct eprow *eps;
	size_t neps, cap_eps;
	uint64_t eps_omitted;
	struct peer *peers;
	size_t npeers, cap_peers;
	uint64_t peers_omitted;
	struct audit *audit;
	size_t naudit, cap_audit, audit_worst;
	uint64_t audit_omitted;
	struct leak *leak;
	struct cmdargs *cmd;
	struct longreq *longs;
	unsigned nlong;
	uint64_t long_total;
	uint64_t *times;
	size_t ntimes, cap_times;
	uint64_t times_omitted;
	struct frs *fr;
	unsigned nfr;
	uint64_t fr_omitted;
};

struct proc {
	char host[HOST_LEN];
	uint32_t pid;
	char comm[FND_MAX_NAME];
	char name[FND_MAX_NAME];
	char container_id[80];
	char cmdline[CMDLINE_TEXT]; /* redacted, space separated, cut */
	char (*env_keys)[ENV_KEY_LEN];
	size_t nenv, cap_env;
	uint64_t env_omitted;
	uint8_t env_values;	     /* a secret-looking key's value is in the archive */
	struct cmdargs *secret_args; /* the redacted argv, when something was redacted */
};

struct container {
	char id[80];
	char name[FND_MAX_NAME];
	char addrs[FND_MAX_CONTAINER_ADDRS][IP_LEN];
	unsigned naddrs;
};

enum cred_kind { CRED_HEADER = 1, CRED_URL = 2 };

struct cred {
	/* key */
	char host[HOST_LEN];
	uint32_t pid;
	char server_ip[IP_LEN];
	uint16_t port;
	uint8_t kind;
	char name[FND_MAX_NAME]; /* header name (lowercase) or parameter name */
	char scheme[24];
	char username[64];
	/* data */
	char comm[FND_MAX_NAME];
	uint64_t requests, first, last;
	char peers[FND_MAX_CRED_PEERS][IP_LEN];
	unsigned npeers;
	uint64_t peers_omitted;
	char paths[FND_MAX_CRED_PATHS][AUDIT_PATH];
	unsigned npaths;
	uint64_t paths_omitted;
};

struct findings {
	uint64_t seq;
	struct server *servers;
	size_t nservers, cap_servers;
	struct htab server_idx; /* positions in servers */
	uint64_t servers_omitted;
	uint64_t audit_total, times_total;
	size_t arg_bytes; /* bytes of redacted arguments kept, all command lines */

	struct proc *procs;
	size_t nprocs, cap_procs;
	struct htab proc_idx; /* positions in procs */
	uint64_t procs_omitted;

	struct container *ctrs;
	size_t nctrs, cap_ctrs;
	uint64_t ctrs_omitted;

	char (*local)[IP_LEN];
	size_t nlocal, cap_local;
	uint64_t local_omitted;

	struct cred *creds;
	size_t ncreds, cap_creds;
	struct htab cred_idx; /* positions in creds */
	uint64_t creds_omitted;

	struct held *held; /* FND_MAX_HELD */
	size_t nheld;
	uint64_t held_omitted;

	struct godebug_result dr; /* scratch for godebug_detect */
	bool dr_dirty;		  /* dr holds a detection (else it is all zero) */
	json_t *result;		  /* cached findings_result() */
};

struct redact_ctx {
	struct findings *f;
	struct sr_secret_argv st;
	struct cmdargs *out;
	char *text; /* space-joined, CMDLINE_TEXT */
	size_t text_len;
};

enum pclass {
	PC_UNKNOWN = 0,
	PC_LOOPBACK = 1,
	PC_THIS_HOST = 2,
	PC_CONTAINER = 3,
	PC_EXTERNAL = 4
};

struct svc {
	char name[FND_MAX_NAME];
	char comm[FND_MAX_NAME];
	char container[FND_MAX_NAME];
	const char *cmdline;
};

struct item {
	int sev;
	int kind_rank;
	char sort_name[FND_MAX_NAME];
	char host[HOST_LEN];
	uint32_t pid;
	uint16_t port;
	char ip[IP_LEN];
	char sub[FND_MAX_NAME * 2];
	char *group; /* processes with the same signature become one finding */
	json_t *obj;
};

struct items {
	struct item *v;
	size_t n, cap;
};

/* the argument at *off (advanced past it), or NULL at the end */
static inline const char *fnd_cmdargs_next(const struct cmdargs *c, size_t *off)
{
	const char *a;

	if (!c || *off >= c->len)
		return NULL;
	a = c->buf + *off;
	*off += strlen(a) + 1;
	return a;
}

/* ---- findings.c: JSON helpers (NULL text is JSON null; out of memory
 * exits), addresses, the set's lookups, peer classes, findings.json ---- */
json_t *fnd_jstr(const char *s);
json_t *fnd_jint(uint64_t v);
void fnd_jset(json_t *o, const char *k, json_t *v);
json_t *fnd_jtime(uint64_t ns); /* RFC 3339 UTC, null for 0 */
/* normalized address text ("::ffff:127.0.0.1" -> "127.0.0.1"), raw text
 * (cut) when s is no address */
void fnd_ip_norm(char out[IP_LEN], const char *s);
int fnd_text_loopback(const char *s);
/* room for one more element in a zero-filled array growing by doubling up
 * to max (the caller checked n < max) */
void *fnd_grow(void *p, size_t *cap, size_t n, size_t max, size_t size);
void fnd_cmdargs_free(struct findings *f, struct cmdargs *c);
void fnd_invalidate(struct findings *f); /* drops the cached result */
/* the process (host, pid); created when create and FND_MAX_PROCS allows,
 * else NULL */
struct proc *fnd_proc_find(struct findings *f, const char *host, uint32_t pid, int create);
/* one argument of a command line, redacted, into a struct redact_ctx */
void fnd_redact_cb(void *vctx, const char *arg, size_t len);
const char *fnd_pclass_name(enum pclass c);
enum pclass fnd_classify(const struct findings *f, const char *ip);
extern const char *const fnd_sev_names[];
json_t *fnd_jremedy(const char *const *list, const char *extra1, const char *extra2);
void fnd_service_of(const struct findings *f, const char *host, uint32_t pid, const char *comm,
		    const char *ip, struct svc *out);
json_t *fnd_jservice(const struct svc *sv, const char *host, uint32_t pid);
struct item *fnd_items_push(struct items *it);
json_t *fnd_jpeer_ref(const struct findings *f, const char *ip);
/* ---- debug.c: the debug endpoint detector's input side ---- */
int fnd_audit_cmp_importance(const struct audit *a, const struct audit *b);
void fnd_names_merge(struct godebug_names *dst, const struct godebug_names *src, unsigned from,
		     unsigned to);
/* what x tells about server s; forced: the endpoint when already known
 * (a held cmdline answer), GODEBUG_EP_NONE to detect it */
void fnd_debug_scan(struct findings *f, struct server *s, const struct fnd_exchange *x,
		    enum godebug_endpoint forced);
/* held cmdline answers under a prefix that served pprof content become
 * accesses (at findings_result(), when every exchange is in) */
void fnd_promote_held(struct findings *f);
/* ---- debug_report.c, creds.c, secrets.c: each appends its findings to
 * items (fnd_items_push) for findings_result() to order and number ---- */
int fnd_cmp_str(const void *a, const void *b);
void fnd_debug_finding(const struct findings *f, struct server *s, struct items *items);
void fnd_creds_scan(struct findings *f, const struct fnd_exchange *x);
void fnd_cred_finding(const struct findings *f, const struct cred *c, struct items *items);
/* processes whose findings share a signature become one finding */
void fnd_group_processes(struct items *it);
void fnd_proc_findings(const struct findings *f, const struct proc *p, struct items *items);

#endif /* AN_FINDINGS_INTERNAL_H */
