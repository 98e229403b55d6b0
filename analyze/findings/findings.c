/* findings.c - exposed Go debug endpoints and leaked secrets. See
 * findings.h for the contract and README.md ("findings") for the JSON.
 *
 * Size (~2,800 lines): the three detectors (debug endpoints, cleartext
 * credentials, secret-looking environment and command lines) and the JSON
 * of findings.json share the findings set (struct findings, its servers,
 * processes and credentials). Sections, in order: helpers, the set, its
 * inputs, the debug endpoint detector, credentials, the report. The next
 * step is one file per detector over a private header (analyze/README.md). */
#include "findings/findings.h"

#include <stdlib.h>
#include <string.h>

#include "proto/godebug.h"
#include "record.h"
#include "secret.h"
#include "base/htab.h"
#include "base/util.h"

#define IP_LEN 48
#define EP_LEN 32
#define AUDIT_PATH FND_MAX_PATH
#define AUDIT_PARAMS FND_MAX_PARAMS
#define PARAM_KEY 24u
#define PARAM_VAL 40u
#define HOST_LEN 64u
#define ENV_KEY_LEN 128u
#define CMDLINE_TEXT 512u

/* ---------- strings ---------- */

static int streq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* a JSON string from any bytes: invalid UTF-8 becomes U+FFFD */
static json_t *jstrn(const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	char stackbuf[512], *buf = stackbuf;
	size_t cap = sizeof(stackbuf), o = 0;
	json_t *j;

	if (!s)
		return json_null();
	stackbuf[0] = '\0';
	if (n > (SIZE_MAX - 16) / 3)
		n = (SIZE_MAX - 16) / 3;
	if (n * 3 + 1 > cap) {
		cap = n * 3 + 1;
		buf = xcalloc(cap, 1);
	}
	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq_len(p + i, n - i);
		if (l == 0) {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(buf + o, p + i, l);
			o += l;
			i += l;
		}
	}
	j = json_stringn_nocheck(buf, o);
	if (buf != stackbuf)
		free(buf);
	if (!j)
		xoom();
	return j;
}

static json_t *jstr(const char *s)
{
	return s ? jstrn(s, strlen(s)) : json_null();
}

static json_t *jint(uint64_t v)
{
	return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static void jset(json_t *o, const char *k, json_t *v)
{
	if (!v)
		xoom();
	json_object_set_new_nocheck(o, k, v);
}

static json_t *jtime(uint64_t ns)
{
	char t[AN_TIME_LEN];

	if (ns == 0)
		return json_null();
	fmt_time(t, ns > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)ns);
	return json_string(t);
}

/* ---------- addresses ---------- */

struct ip {
	uint8_t family; /* 4, 6, or 0 when the text is no address */
	uint8_t a[16];
};

/* an address as text, bracketed ("[::1]") or not: parse_ip() */
static struct ip ip_parse(const char *s)
{
	struct ip ip;
	size_t n = s ? strlen(s) : 0;

	memset(&ip, 0, sizeof(ip));
	if (n > 0 && s[0] == '[') {
		s++;
		n--;
	}
	if (n > 0 && s[n - 1] == ']')
		n--;
	if (parse_ip(s, n, &ip.family, ip.a) != 0)
		ip.family = 0;
	return ip;
}

/* normalized text ("::ffff:127.0.0.1" -> "127.0.0.1"); raw text (cut)
 * when it is no address */
static void ip_norm_text(char out[IP_LEN], const char *s)
{
	struct ip ip = ip_parse(s);

	if (ip.family == 0)
		str_copy(out, IP_LEN, s ? s : "");
	else
		fmt_ip(out, ip.family, ip.a);
}

/* ip_norm_text(), remembered for the last few texts: every exchange asks
 * about the same few addresses several times */
static void ip_norm(char out[IP_LEN], const char *s)
{
	static struct {
		char in[IP_LEN], out[IP_LEN];
	} memo[4];
	static unsigned next;
	size_t n = s ? strlen(s) : 0;

	if (!s || n >= IP_LEN) {
		ip_norm_text(out, s);
		return;
	}
	for (unsigned i = 0; i < 4; i++)
		if (memo[i].in[0] && !memcmp(memo[i].in, s, n + 1)) {
			memcpy(out, memo[i].out, IP_LEN);
			return;
		}
	ip_norm_text(out, s);
	if (!n)
		return;
	memcpy(memo[next].in, s, n + 1);
	memcpy(memo[next].out, out, IP_LEN);
	next = (next + 1) % 4;
}

static int text_loopback(const char *s)
{
	struct ip ip = ip_parse(s);
	return ip.family && ip_is_loopback(ip.family, ip.a);
}

/* ---------- model ---------- */

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

static void cmdargs_free(struct findings *f, struct cmdargs *c);

/* the argument at *off (advanced past it), or NULL at the end */
static const char *cmdargs_next(const struct cmdargs *c, size_t *off)
{
	const char *a;

	if (!c || *off >= c->len)
		return NULL;
	a = c->buf + *off;
	*off += strlen(a) + 1;
	return a;
}

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
	json_t *result;	      /* cached findings_result() */
};

struct findings *findings_create(void)
{
	struct findings *f = xcalloc(1, sizeof(*f));

	return f;
}

void findings_free(struct findings *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nservers; i++) {
		struct server *s = &f->servers[i];
		free(s->eps);
		free(s->peers);
		free(s->audit);
		free(s->leak);
		cmdargs_free(f, s->cmd);
		free(s->longs);
		free(s->times);
		free(s->fr);
	}
	for (size_t i = 0; i < f->nprocs; i++) {
		free(f->procs[i].env_keys);
		cmdargs_free(f, f->procs[i].secret_args);
	}
	free(f->servers);
	htab_pos_free(&f->server_idx);
	free(f->procs);
	htab_pos_free(&f->proc_idx);
	free(f->ctrs);
	free(f->local);
	free(f->creds);
	htab_pos_free(&f->cred_idx);
	for (size_t i = 0; i < f->nheld; i++) {
		free(f->held[i].target);
		free(f->held[i].body);
	}
	free(f->held);
	json_decref(f->result);
	free(f);
}

/* makes room for one more element in a zero-filled array that grows by
 * doubling up to max (the caller checked n < max) */
static void *grow(void *p, size_t *cap, size_t n, size_t max, size_t size)
{
	size_t nc;

	if (n < *cap)
		return p;
	nc = *cap ? *cap * 2 : 16;
	if (nc > max)
		nc = max;
	p = xrealloc(p, nc * size);
	memset((char *)p + *cap * size, 0, (nc - *cap) * size);
	*cap = nc;
	return p;
}

static void cmdargs_free(struct findings *f, struct cmdargs *c)
{
	if (!c)
		return;
	f->arg_bytes -= c->len;
	free(c->buf);
	free(c);
}

static void invalidate(struct findings *f)
{
	json_decref(f->result);
	f->result = NULL;
}

/* ---------- servers ---------- */

struct server_key {
	const char *host;
	uint32_t pid;
	const char *ip; /* only when pid == 0 */
	uint16_t port;
};

static int server_eq(const void *ctx, uint32_t pos, const void *key)
{
	const struct findings *f = ctx;
	const struct server *s = &f->servers[pos];
	const struct server_key *k = key;

	return s->pid == k->pid && s->port == k->port && streq(s->host, k->host) &&
	       (k->pid != 0 || streq(s->ip, k->ip));
}

static struct server *server_get(struct findings *f, const char *host, uint32_t pid,
				 const char *ip_raw, uint16_t port, const char *comm)
{
	char hostb[HOST_LEN], ip[IP_LEN];
	struct server_key k;
	uint64_t h;
	uint32_t *slot;
	struct server *s;

	str_copy(hostb, sizeof(hostb), host ? host : "");
	ip_norm(ip, ip_raw);
	k.host = hostb;
	k.pid = pid;
	k.ip = ip;
	k.port = port;
	h = hash_bytes(HASH_SEED, hostb, strlen(hostb));
	h = hash_bytes(h, &pid, sizeof(pid));
	h = hash_bytes(h, &port, sizeof(port));
	if (pid == 0)
		h = hash_bytes(h, ip, strlen(ip));
	slot = htab_pos_slot(&f->server_idx, h, server_eq, f, &k);
	if (*slot) {
		s = &f->servers[*slot - 1];
	} else {
		if (f->nservers >= FND_MAX_SERVERS) {
			f->servers_omitted++;
			return NULL;
		}
		f->servers = grow(f->servers, &f->cap_servers, f->nservers, FND_MAX_SERVERS,
				  sizeof(*f->servers));
		s = &f->servers[f->nservers];
		*slot = (uint32_t)++f->nservers;
		str_copy(s->host, sizeof(s->host), hostb);
		s->pid = pid;
		s->port = port;
		str_copy(s->ip, sizeof(s->ip), ip);
	}
	if (!s->comm[0] && comm)
		str_copy(s->comm, sizeof(s->comm), comm);
	return s;
}

static void listen_add(struct server *s, const char *ip_raw)
{
	char ip[IP_LEN];

	if (!ip_raw || !*ip_raw)
		return;
	ip_norm(ip, ip_raw);
	for (unsigned i = 0; i < s->nlisten; i++)
		if (!strcmp(s->listen[i].ip, ip))
			return;
	if (!text_loopback(ip))
		s->nonloop_listen = 1;
	if (s->nlisten >= FND_MAX_LISTEN) {
		s->listen_more = 1;
		return;
	}
	str_copy(s->listen[s->nlisten].ip, IP_LEN, ip);
	s->listen[s->nlisten].loopback = (uint8_t)text_loopback(ip);
	s->nlisten++;
}

void findings_add_listen(struct findings *f, const char *host, uint32_t pid, const char *comm,
			 const char *ip, uint16_t port)
{
	struct server *s;

	invalidate(f);
	s = server_get(f, host, pid, ip, port, comm);
	if (s)
		listen_add(s, ip);
}

/* ---------- processes, containers, local addresses ---------- */

struct proc_key {
	const char *host;
	uint32_t pid;
};

static int proc_eq(const void *ctx, uint32_t pos, const void *key)
{
	const struct findings *f = ctx;
	const struct proc_key *k = key;
	return f->procs[pos].pid == k->pid && streq(f->procs[pos].host, k->host);
}

static struct proc *proc_find(struct findings *f, const char *host, uint32_t pid, int create)
{
	struct proc_key k = {host ? host : "", pid};
	char hostb[HOST_LEN];
	uint64_t h;
	uint32_t *slot;
	struct proc *p;

	str_copy(hostb, sizeof(hostb), k.host);
	k.host = hostb;
	h = hash_bytes(hash_bytes(HASH_SEED, hostb, strlen(hostb)), &pid, sizeof(pid));
	slot = htab_pos_slot(&f->proc_idx, h, proc_eq, f, &k);
	if (*slot)
		return &f->procs[*slot - 1];
	if (!create)
		return NULL;
	if (f->nprocs >= FND_MAX_PROCS) {
		f->procs_omitted++;
		return NULL;
	}
	f->procs = grow(f->procs, &f->cap_procs, f->nprocs, FND_MAX_PROCS, sizeof(*f->procs));
	p = &f->procs[f->nprocs];
	*slot = (uint32_t)++f->nprocs;
	str_copy(p->host, sizeof(p->host), hostb);
	p->pid = pid;
	return p;
}

struct redact_ctx {
	struct findings *f;
	struct sr_secret_argv st;
	struct cmdargs *out;
	char *text; /* space-joined, CMDLINE_TEXT */
	size_t text_len;
};

static void redact_cb(void *vctx, const char *arg, size_t len)
{
	struct redact_ctx *c = vctx;
	char buf[FND_MAX_ARG];
	int red = sr_secret_redact_arg(&c->st, arg, len, buf, sizeof(buf));

	c->out->total++;
	if (red)
		c->out->redacted++;
	if (c->out->n < FND_MAX_ARGS && c->f->arg_bytes + strlen(buf) + 1 <= FND_MAX_ARG_BYTES) {
		size_t bl = strlen(buf) + 1;
		if (c->out->len + bl > c->out->cap) {
			c->out->cap = (c->out->len + bl) * 2;
			c->out->buf = xrealloc(c->out->buf, c->out->cap);
		}
		memcpy(c->out->buf + c->out->len, buf, bl);
		c->out->len += bl;
		c->out->n++;
		c->f->arg_bytes += bl;
	} else {
		c->out->omitted = 1;
	}
	if (c->text) {
		size_t bl = strlen(buf);
		if (c->text_len > 0 && c->text_len + 1 < CMDLINE_TEXT)
			c->text[c->text_len++] = ' ';
		if (bl > CMDLINE_TEXT - 1 - c->text_len)
			bl = CMDLINE_TEXT - 1 - c->text_len;
		memcpy(c->text + c->text_len, buf, bl);
		c->text_len += bl;
		c->text[c->text_len] = '\0';
	}
}

static void env_key_add(struct proc *p, const char *k, size_t n)
{
	char key[ENV_KEY_LEN];

	str_copyn(key, sizeof(key), k, n);
	for (unsigned i = 0; i < p->nenv; i++)
		if (!strcmp(p->env_keys[i], key))
			return;
	if (p->nenv >= FND_MAX_ENV_KEYS) {
		p->env_omitted++;
		return;
	}
	p->env_keys =
	    grow(p->env_keys, &p->cap_env, p->nenv, FND_MAX_ENV_KEYS, sizeof(*p->env_keys));
	memcpy(p->env_keys[p->nenv++], key, sizeof(key));
}

void findings_add_process(struct findings *f, const struct fnd_process *in)
{
	struct proc *p;
	size_t i = 0;

	invalidate(f);
	p = proc_find(f, in->host, in->pid, 1);
	if (!p)
		return;
	if (in->comm && *in->comm)
		str_copy(p->comm, sizeof(p->comm), in->comm);
	if (in->name && *in->name)
		str_copy(p->name, sizeof(p->name), in->name);
	if (in->container_id && *in->container_id)
		str_copy(p->container_id, sizeof(p->container_id), in->container_id);

	if (in->cmdline && in->cmdline_len) {
		struct cmdargs *ca = xcalloc(1, sizeof(*ca));
		struct redact_ctx rc;
		memset(&rc, 0, sizeof(rc));
		rc.f = f;
		rc.out = ca;
		rc.text = p->cmdline;
		p->cmdline[0] = '\0';
		godebug_cmdline_args(in->cmdline, in->cmdline_len, redact_cb, &rc);
		/* the latest record wins (exec changes the command line) */
		cmdargs_free(f, p->secret_args);
		p->secret_args = NULL;
		if (ca->redacted) {
			ca->source = "process";
			p->secret_args = ca;
		} else {
			cmdargs_free(f, ca);
		}
	}

	while (in->environ && i < in->environ_len) {
		const uint8_t *e = in->environ + i;
		const uint8_t *nul = memchr(e, 0, in->environ_len - i);
		size_t n = nul ? (size_t)(nul - e) : in->environ_len - i;
		const uint8_t *eq = memchr(e, '=', n);
		i += n + 1;
		if (!eq || eq == e)
			continue;
		{
			const char *k = (const char *)e, *v = (const char *)eq + 1;
			size_t kl = (size_t)(eq - e), vl = n - kl - 1;
			int redacted = vl == strlen(SR_REDACTED) && !memcmp(v, SR_REDACTED, vl);
			if (sr_secret_key(k, kl) || (!redacted && sr_secret_value(v, vl))) {
				env_key_add(p, k, kl);
				if (!redacted && vl > 0)
					p->env_values = 1;
			}
		}
	}
}

void findings_add_container(struct findings *f, const struct fnd_container *in)
{
	struct container *c = NULL;
	size_t i = 0;

	invalidate(f);
	for (size_t j = 0; j < f->nctrs; j++)
		if (streq(f->ctrs[j].id, in->id ? in->id : ""))
			c = &f->ctrs[j];
	if (!c) {
		if (f->nctrs >= FND_MAX_CONTAINERS) {
			f->ctrs_omitted++;
			return;
		}
		f->ctrs =
		    grow(f->ctrs, &f->cap_ctrs, f->nctrs, FND_MAX_CONTAINERS, sizeof(*f->ctrs));
		c = &f->ctrs[f->nctrs++];
		str_copy(c->id, sizeof(c->id), in->id ? in->id : "");
	}
	if (in->name && *in->name)
		str_copy(c->name, sizeof(c->name), in->name);
	while (in->addrs && i < in->addrs_len) {
		const char *a = in->addrs + i;
		const char *nul = memchr(a, 0, in->addrs_len - i);
		size_t n = nul ? (size_t)(nul - a) : in->addrs_len - i;
		char raw[IP_LEN], ip[IP_LEN];
		int dup = 0;
		i += n + 1;
		if (n == 0 || n >= IP_LEN)
			continue;
		str_copyn(raw, sizeof(raw), a, n);
		ip_norm(ip, raw);
		for (unsigned k = 0; k < c->naddrs; k++)
			dup |= !strcmp(c->addrs[k], ip);
		if (!dup && c->naddrs < FND_MAX_CONTAINER_ADDRS)
			str_copy(c->addrs[c->naddrs++], IP_LEN, ip);
	}
}

void findings_add_local_addr(struct findings *f, const char *ip_raw)
{
	char ip[IP_LEN];

	invalidate(f);
	if (!ip_raw || !*ip_raw)
		return;
	ip_norm(ip, ip_raw);
	for (size_t i = 0; i < f->nlocal; i++)
		if (!strcmp(f->local[i], ip))
			return;
	if (f->nlocal >= FND_MAX_LOCAL_ADDRS) {
		f->local_omitted++;
		return;
	}
	f->local = grow(f->local, &f->cap_local, f->nlocal, FND_MAX_LOCAL_ADDRS, sizeof(*f->local));
	str_copy(f->local[f->nlocal++], IP_LEN, ip);
}

/* ---------- peer classes ---------- */

enum pclass {
	PC_UNKNOWN = 0,
	PC_LOOPBACK = 1,
	PC_THIS_HOST = 2,
	PC_CONTAINER = 3,
	PC_EXTERNAL = 4
};

static const char *pclass_name(enum pclass c)
{
	static const char *const n[] = {"unknown", "loopback", "this_host", "container",
					"external"};
	return n[c];
}

static const struct container *container_of(const struct findings *f, const char *ip)
{
	for (size_t i = 0; i < f->nctrs; i++)
		for (unsigned k = 0; k < f->ctrs[i].naddrs; k++)
			if (!strcmp(f->ctrs[i].addrs[k], ip))
				return &f->ctrs[i];
	return NULL;
}

static enum pclass classify(const struct findings *f, const char *ip)
{
	struct ip a;

	if (!ip || !*ip)
		return PC_UNKNOWN;
	a = ip_parse(ip);
	if (a.family == 0)
		return PC_UNKNOWN;
	if (ip_is_loopback(a.family, a.a))
		return PC_LOOPBACK;
	if (container_of(f, ip))
		return PC_CONTAINER;
	for (size_t i = 0; i < f->nlocal; i++)
		if (!strcmp(f->local[i], ip))
			return PC_THIS_HOST;
	return PC_EXTERNAL;
}

/* ---------- debug endpoint accesses ---------- */

static int is_2xx(int status)
{
	return status >= 200 && status < 300;
}

/* endpoints whose 2xx body pprof gives no signature for */
static int no_signature(enum godebug_endpoint ep)
{
	switch (ep) {
	case GODEBUG_EP_CMDLINE:
	case GODEBUG_EP_FR_START:
	case GODEBUG_EP_FR_STOP:
	case GODEBUG_EP_FR_CAPTURE:
	case GODEBUG_EP_PPROF_OTHER:
	case GODEBUG_EP_REQUESTS:
	case GODEBUG_EP_EVENTS:
		return 1;
	default:
		return 0;
	}
}

static const char *const known_params[] = {
    "seconds",
    "debug",
    "gc",
    "rate",
    "cpuprofiling",
    "cpuprofilingrate",
    "minageseconds",
    "maxbytes",
    "fam",
    "b",
    "exp",
    "events",
    NULL,
};

static void audit_params(struct audit *a, const char *target, size_t len, enum godebug_endpoint ep)
{
	struct godebug_query q;
	const char *k, *v;
	size_t kl, vl;

	godebug_query_init(&q, target, len);
	while (godebug_query_next(&q, &k, &kl, &v, &vl)) {
		char dk[PARAM_KEY], dv[PARAM_VAL];
		int known = 0;
		struct param *p;

		godebug_pct_decode(k, kl, 1, dk, sizeof(dk));
		if (ep == GODEBUG_EP_SYMBOL && !memchr(k, '=', kl + vl + (vl ? 1 : 0)) && vl == 0)
			continue; /* "?0x401000+0x402000": program counters, counted apart */
		if (a->nparams >= AUDIT_PARAMS) {
			a->params_more++;
			continue;
		}
		p = &a->params[a->nparams++];
		str_copy(p->k, sizeof(p->k), dk);
		for (const char *const *kp = known_params; *kp; kp++)
			known |= !strcmp(dk, *kp);
		if (!strcmp(dk, "token") || sr_secret_key(dk, strlen(dk))) {
			str_copy(p->v, sizeof(p->v), SR_REDACTED);
			continue;
		}
		godebug_pct_decode(v, vl, 1, dv, sizeof(dv));
		if (!known && sr_secret_value(dv, strlen(dv)))
			str_copy(p->v, sizeof(p->v), SR_REDACTED);
		else
			str_copy(p->v, sizeof(p->v), dv);
	}
}

/* "0x401000+0x402000" */
static uint64_t count_pcs(const char *s, size_t n)
{
	uint64_t c = 0;
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X') &&
		    (i == 0 || s[i - 1] == '+' || s[i - 1] == '?' || s[i - 1] == '&' ||
		     s[i - 1] == '='))
			c++;
	return c;
}

/* importance: served to a non-loopback peer, served, non-loopback, the rest;
 * then earlier first. @return <0 when a is more important than b */
static int audit_cmp_importance(const struct audit *a, const struct audit *b)
{
	int ra = a->served ? (a->loopback ? 1 : 0) : (a->loopback ? 3 : 2);
	int rb = b->served ? (b->loopback ? 1 : 0) : (b->loopback ? 3 : 2);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->seq < b->seq ? -1 : (a->seq > b->seq);
}

static void audit_add(struct findings *f, struct server *s, const struct audit *a)
{
	if (s->naudit < FND_MAX_AUDIT && f->audit_total < FND_MAX_AUDIT_TOTAL) {
		s->audit =
		    grow(s->audit, &s->cap_audit, s->naudit, FND_MAX_AUDIT, sizeof(*s->audit));
		s->audit[s->naudit++] = *a;
		f->audit_total++;
		return;
	}
	s->audit_omitted++;
	if (s->naudit == 0)
		return;
	/* keep the most important: replace the least important if a beats it */
	if (audit_cmp_importance(a, &s->audit[s->audit_worst]) < 0)
		s->audit[s->audit_worst] = *a;
	s->audit_worst = 0;
	for (size_t i = 1; i < s->naudit; i++)
		if (audit_cmp_importance(&s->audit[i], &s->audit[s->audit_worst]) > 0)
			s->audit_worst = i;
}

static struct eprow *eprow_get(struct server *s, const char *endpoint, const char *path)
{
	for (unsigned i = 0; i < s->neps; i++)
		if (!strcmp(s->eps[i].endpoint, endpoint) && !strcmp(s->eps[i].path, path))
			return &s->eps[i];
	if (s->neps >= FND_MAX_ENDPOINTS) {
		s->eps_omitted++;
		return NULL;
	}
	s->eps = grow(s->eps, &s->cap_eps, s->neps, FND_MAX_ENDPOINTS, sizeof(*s->eps));
	str_copy(s->eps[s->neps].endpoint, EP_LEN, endpoint);
	str_copy(s->eps[s->neps].path, AUDIT_PATH, path);
	return &s->eps[s->neps++];
}

static void peer_add(struct server *s, const char *ip, uint64_t ts, int served)
{
	struct peer *p = NULL;

	for (unsigned i = 0; i < s->npeers; i++)
		if (!strcmp(s->peers[i].ip, ip))
			p = &s->peers[i];
	if (!p) {
		if (s->npeers >= FND_MAX_PEERS) {
			s->peers_omitted++;
			return;
		}
		s->peers =
		    grow(s->peers, &s->cap_peers, s->npeers, FND_MAX_PEERS, sizeof(*s->peers));
		p = &s->peers[s->npeers++];
		str_copy(p->ip, IP_LEN, ip);
		p->first = ts;
	}
	p->requests++;
	p->served += served != 0;
	if (ts && (!p->first || ts < p->first))
		p->first = ts;
	if (ts > p->last)
		p->last = ts;
}

static void names_merge(struct godebug_names *dst, const struct godebug_names *src, unsigned from,
			unsigned to)
{
	for (unsigned i = from; i < to && i < src->n; i++) {
		size_t n = strlen(src->s[i]);
		int dup = 0;
		for (unsigned k = 0; k < dst->n; k++)
			dup |= !strcmp(dst->s[k], src->s[i]);
		if (dup)
			continue;
		if (dst->n >= GODEBUG_MAX_NAMES) {
			dst->more = 1;
			continue;
		}
		memcpy(dst->s[dst->n], src->s[i], n + 1);
		dst->n++;
	}
	if (src->more)
		dst->more = 1;
}

static void leak_add(struct server *s, const struct godebug_result *r, enum godebug_endpoint ep,
		     uint64_t bytes, const struct fnd_exchange *x)
{
	struct leak *l;

	if (!s->leak)
		s->leak = xcalloc(1, sizeof(*s->leak));
	l = s->leak;
	names_merge(&l->app_funcs, &r->funcs, 0, r->funcs_app);
	names_merge(&l->std_funcs, &r->funcs, r->funcs_app, r->funcs.n);
	names_merge(&l->app_files, &r->files, 0, r->files_app);
	names_merge(&l->std_files, &r->files, r->files_app, r->files.n);
	switch (r->kind) {
	case GODEBUG_C_GOROUTINE_TEXT:
	case GODEBUG_C_GOROUTINE_STACKS:
		l->dumps++;
		if (r->stacks > l->max_stacks)
			l->max_stacks = r->stacks;
		break;
	case GODEBUG_C_PROFILE_TEXT:
	case GODEBUG_C_PROFILE_PROTO:
		l->profiles++;
		l->profile_bytes += bytes;
		names_merge(&l->types, &r->types, 0, r->types.n);
		break;
	case GODEBUG_C_EXEC_TRACE:
		l->traces++;
		l->trace_bytes += bytes;
		if (!l->go_version[0])
			str_copy(l->go_version, sizeof(l->go_version), r->go_version);
		break;
	case GODEBUG_C_EXPVAR:
		l->expvar++;
		names_merge(&l->expvar_keys, &r->keys, 0, r->keys.n);
		break;
	case GODEBUG_C_SYMBOL:
		break;
	case GODEBUG_C_PPROF_INDEX:
		l->index_pages++;
		for (unsigned i = 0; i < r->keys.n; i++) {
			unsigned before = l->index_names.n;
			names_merge(&l->index_names, &r->keys, i, i + 1);
			if (l->index_names.n > before)
				l->index_counts[before] = r->key_counts[i];
		}
		break;
	default:
		break;
	}
	if (ep == GODEBUG_EP_SYMBOL) {
		l->symbol_requests++;
		if (x->method && !strcmp(x->method, "POST"))
			l->symbol_addresses +=
			    count_pcs((const char *)x->req_body, x->req_body_len);
		else
			l->symbol_addresses += count_pcs(x->target, x->target_len);
	}
}

static void json_cmd_cb(void *ctx, const char *arg, size_t len)
{
	redact_cb(ctx, arg, len);
}

static void cmdline_add(struct findings *f, struct server *s, const struct fnd_exchange *x,
			const struct godebug_result *r, enum godebug_endpoint ep)
{
	struct redact_ctx rc;

	if (s->cmd) /* the first one served is kept; a program has one command line */
		return;
	memset(&rc, 0, sizeof(rc));
	rc.f = f;
	rc.out = xcalloc(1, sizeof(*rc.out));
	if (ep == GODEBUG_EP_CMDLINE && r->kind == GODEBUG_C_NONE) {
		rc.out->source = "cmdline";
		godebug_cmdline_args(x->resp_body, x->resp_body_len, redact_cb, &rc);
	} else if (r->kind == GODEBUG_C_EXPVAR && r->cmdline_json) {
		rc.out->source = "expvar";
		godebug_json_string_array(r->cmdline_json, r->cmdline_json_len, json_cmd_cb, &rc);
	}
	if (rc.out->total == 0) {
		cmdargs_free(f, rc.out);
		return;
	}
	s->cmd = rc.out;
}

static struct frs *fr_find(struct server *s, const char *token, int create, uint64_t ts)
{
	struct frs *fr;

	if (token && *token)
		for (unsigned i = 0; i < s->nfr; i++)
			if (s->fr[i].has_token && !strcmp(s->fr[i].token, token))
				return &s->fr[i];
	if (!create)
		return NULL;
	if (s->nfr >= FND_MAX_FR) {
		s->fr_omitted++;
		return NULL;
	}
	if (!s->fr)
		s->fr = xcalloc(FND_MAX_FR, sizeof(*s->fr));
	fr = &s->fr[s->nfr++];
	if (token && *token) {
		str_copy(fr->token, sizeof(fr->token), token);
		fr->has_token = 1;
	}
	fr->first_seen = ts;
	return fr;
}

static void param_text(const char *target, size_t len, const char *key, char *out, size_t cap,
		       int *present)
{
	const char *v;
	size_t vl;

	*present = godebug_query_get(target, len, key, &v, &vl);
	out[0] = '\0';
	if (*present)
		godebug_pct_decode(v, vl, 1, out, cap);
}

static int flight_recording(struct server *s, const struct fnd_exchange *x, enum godebug_endpoint ep,
			    const char *client_ip)
{
	char tok[GODEBUG_MAX_TOKEN + 1];
	int present;
	struct frs *fr;

	if (ep == GODEBUG_EP_FR_START) {
		tok[0] = '\0';
		if (is_2xx(x->status))
			godebug_fr_token(x->resp_body, x->resp_body_len, tok, sizeof(tok));
		fr = fr_find(s, tok, 1, x->ts_wall_ns);
		if (!fr)
			return -1;
		fr->started = 1;
		fr->start_ts = x->ts_wall_ns;
		str_copy(fr->start_ip, IP_LEN, client_ip);
		param_text(x->target, x->target_len, "minageseconds", fr->minage,
			   sizeof(fr->minage), &present);
		param_text(x->target, x->target_len, "maxbytes", fr->maxbytes, sizeof(fr->maxbytes),
			   &present);
	} else {
		param_text(x->target, x->target_len, "token", tok, sizeof(tok), &present);
		if (!present || !*tok)
			return -1;
		fr = fr_find(s, tok, 1, x->ts_wall_ns);
		if (!fr)
			return -1;
		if (x->ts_wall_ns && (!fr->first_seen || x->ts_wall_ns < fr->first_seen))
			fr->first_seen = x->ts_wall_ns;
		if (ep == GODEBUG_EP_FR_CAPTURE && is_2xx(x->status)) {
			fr->captures++;
			fr->capture_bytes += x->resp_body_total;
		} else if (ep == GODEBUG_EP_FR_STOP && is_2xx(x->status)) {
			fr->stopped = 1;
			fr->stop_ts = x->ts_wall_ns;
		}
	}
	return (int)(fr - s->fr);
}

static void dos_add(struct findings *f, struct server *s, const struct fnd_exchange *x,
		    enum godebug_endpoint ep, const char *endpoint, const char *client_ip,
		    int64_t dur_ms)
{
	int present;
	char rate[PARAM_VAL];
	int64_t rate_hz = 0;
	char *end;

	if (!godebug_endpoint_is_profiling(ep))
		return;
	/* a request still running at the end of the capture (no response) loads the server too */
	if (x->status != 0 && !is_2xx(x->status))
		return;
	if (s->ntimes < FND_MAX_TIMES_TOTAL && f->times_total < FND_MAX_TIMES_TOTAL) {
		if (s->ntimes == s->cap_times) {
			s->cap_times = s->cap_times ? s->cap_times * 2 : 64;
			s->times = xrealloc(s->times, s->cap_times * sizeof(*s->times));
		}
		s->times[s->ntimes++] = x->ts_wall_ns;
		f->times_total++;
	} else {
		s->times_omitted++;
	}
	param_text(x->target, x->target_len, ep == GODEBUG_EP_TRACE ? "cpuprofilingrate" : "rate", rate,
		   sizeof(rate), &present);
	if (present && (ep == GODEBUG_EP_CPU || ep == GODEBUG_EP_PROFILE || ep == GODEBUG_EP_TRACE)) {
		long long v = strtoll(rate, &end, 10);
		if (end != rate && !*end && v > 0)
			rate_hz = v;
	}
	if (dur_ms >= (int64_t)FND_DOS_LONG_SECONDS * 1000 || rate_hz > FND_DOS_HIGH_RATE) {
		struct longreq *l;
		s->long_total++;
		if (s->nlong >= FND_MAX_LONG)
			return;
		if (!s->longs)
			s->longs = xcalloc(FND_MAX_LONG, sizeof(*s->longs));
		l = &s->longs[s->nlong++];
		l->ts = x->ts_wall_ns;
		str_copy(l->ip, IP_LEN, client_ip);
		str_copy(l->endpoint, EP_LEN, endpoint);
		l->duration_ms = dur_ms;
		l->rate_hz = rate_hz;
	}
}

/* the decoded path of target (no query) ends in "/cmdline" below a prefix */
static int cmdline_candidate(const struct fnd_exchange *x)
{
	char path[AUDIT_PATH];
	size_t pn = 0, n;

	if (!x->target || !is_2xx(x->status) || !x->resp_body || !x->resp_body_len)
		return 0;
	while (pn < x->target_len && x->target[pn] != '?' && x->target[pn] != '#')
		pn++;
	n = godebug_pct_decode(x->target, pn, 0, path, sizeof(path));
	return n > 9 && path[0] == '/' && !strcmp(path + n - 8, "/cmdline");
}

static void hold(struct findings *f, const struct server *s, const struct fnd_exchange *x)
{
	struct held *h;
	size_t tl = x->target_len < GODEBUG_MAX_PATH ? x->target_len : GODEBUG_MAX_PATH;
	size_t bl = x->resp_body_len < FND_MAX_HELD_BODY ? x->resp_body_len : FND_MAX_HELD_BODY;

	if (f->nheld >= FND_MAX_HELD) {
		f->held_omitted++;
		return;
	}
	if (!f->held)
		f->held = xcalloc(FND_MAX_HELD, sizeof(*f->held));
	h = &f->held[f->nheld++];
	memset(h, 0, sizeof(*h));
	h->server = (size_t)(s - f->servers);
	h->seq = f->seq;
	str_copy(h->server_ip, sizeof(h->server_ip), x->server_ip);
	str_copy(h->client_ip, sizeof(h->client_ip), x->client_ip);
	str_copy(h->client_comm, sizeof(h->client_comm), x->client_comm);
	str_copy(h->method, sizeof(h->method), x->method);
	h->target = xcalloc(1, tl + 1);
	memcpy(h->target, x->target, tl);
	h->body = xcalloc(1, bl);
	memcpy(h->body, x->resp_body, bl);
	h->x.ts_wall_ns = x->ts_wall_ns;
	h->x.server_pid = x->server_pid;
	h->x.server_ip = x->server_ip ? h->server_ip : NULL;
	h->x.server_port = x->server_port;
	h->x.client_ip = x->client_ip ? h->client_ip : NULL;
	h->x.client_port = x->client_port;
	h->x.client_pid = x->client_pid;
	h->x.client_comm = x->client_comm ? h->client_comm : NULL;
	h->x.method = x->method ? h->method : NULL;
	h->x.target = h->target;
	h->x.target_len = tl;
	h->x.status = x->status;
	h->x.resp_body = h->body;
	h->x.resp_body_len = bl;
	h->x.resp_body_total = x->resp_body_total;
	h->x.resp_cut = x->resp_cut || bl < x->resp_body_len;
}

/* forced: the endpoint findings_result() inferred for a held exchange
 * (GODEBUG_EP_NONE: match the path) */
static void debug_scan(struct findings *f, struct server *s, const struct fnd_exchange *x,
		       enum godebug_endpoint forced)
{
	struct godebug_path dp;
	struct godebug_result *r = &f->dr;
	enum godebug_endpoint ep_path, ep;
	enum godebug_content kind = GODEBUG_C_NONE;
	unsigned signals = 0;
	int specific, seed, served, loopback, strong;
	char client_ip[IP_LEN], path[AUDIT_PATH];
	const char *endpoint;
	struct audit a;
	struct eprow *row;
	int64_t dur_ms = 0;

	if (forced != GODEBUG_EP_NONE)
		ep_path = forced;
	else
		ep_path = x->target ? godebug_match_path(x->target, x->target_len, &dp) : GODEBUG_EP_NONE;
	memset(r, 0, sizeof(*r));
	if (x->resp_body && x->resp_body_len)
		kind = godebug_detect(x->resp_body, x->resp_body_len,
				  x->resp_cut || x->resp_body_total > x->resp_body_len, r);
	for (size_t i = 0; i < x->n_resp_headers && x->resp_headers; i++)
		signals |=
		    godebug_header_signals(x->resp_headers[i].name, x->resp_headers[i].name_len,
				       x->resp_headers[i].value, x->resp_headers[i].value_len);
	seed = godebug_seed_signal(x->status, x->resp_body, x->resp_body_len);
	specific = godebug_content_is_specific(kind) ||
		   (kind == GODEBUG_C_XNET_EVENTS && ep_path == GODEBUG_EP_EVENTS);
	strong = ep_path != GODEBUG_EP_NONE || specific || signals;
	if (!strong && !seed) {
		if (cmdline_candidate(x))
			hold(f, s, x);
		return;
	}

	ep = ep_path != GODEBUG_EP_NONE ? ep_path : (specific ? r->endpoint : GODEBUG_EP_NONE);
	endpoint = ep != GODEBUG_EP_NONE ? godebug_endpoint_name(ep) : "unknown";
	if (is_2xx(x->status))
		served =
		    specific || (signals & GODEBUG_SIG_DISPOSITION) ||
		    (ep_path != GODEBUG_EP_NONE && (x->resp_body_len == 0 || no_signature(ep_path))) ||
		    (!strong && seed);
	else
		served = 0;
	ip_norm(client_ip, x->client_ip);
	loopback = text_loopback(client_ip);

	/* the request path without its query, decoded for reading */
	{
		const char *t = x->target ? x->target : "";
		size_t n = x->target ? x->target_len : 0, pn = 0;
		while (pn < n && t[pn] != '?' && t[pn] != '#')
			pn++;
		godebug_pct_decode(t, pn, 0, path, sizeof(path));
	}

	s->requests++;
	s->strong += strong != 0;
	if (served) {
		s->served++;
		s->confirmed += specific != 0;
		if (!loopback)
			s->served_nonloop++;
	}
	if (x->ts_wall_ns && (!s->first || x->ts_wall_ns < s->first))
		s->first = x->ts_wall_ns;
	if (x->ts_wall_ns > s->last)
		s->last = x->ts_wall_ns;

	row = eprow_get(s, endpoint, path);
	if (row) {
		row->requests++;
		row->by_path |= ep_path != GODEBUG_EP_NONE && forced == GODEBUG_EP_NONE;
		row->signals |= signals | (seed ? FND_SIG_SEED : 0) |
				(forced != GODEBUG_EP_NONE ? FND_SIG_PREFIX : 0);
		if (served) {
			row->served++;
			row->served_nonloop += !loopback;
			row->bytes += x->resp_body_total;
			if (kind)
				row->contents |= 1u << kind;
		}
	}
	peer_add(s, client_ip, x->ts_wall_ns, served);

	if (ep == GODEBUG_EP_PROFILE || ep == GODEBUG_EP_CPU || ep == GODEBUG_EP_TRACE ||
	    (godebug_endpoint_is_profiling(ep) && ep != GODEBUG_EP_FR_CAPTURE)) {
		const char *v;
		size_t vl;
		int present = godebug_query_get(x->target, x->target_len, "seconds", &v, &vl);
		dur_ms = (int64_t)(godebug_duration(ep, v, vl, present) * 1000.0 + 0.5);
	}

	memset(&a, 0, sizeof(a));
	a.ts = x->ts_wall_ns;
	a.seq = f->seq;
	a.bytes = x->resp_body_total;
	a.duration_ms = dur_ms;
	str_copy(a.ip, IP_LEN, client_ip);
	a.port = x->client_port;
	a.pid = x->client_pid;
	str_copy(a.comm, sizeof(a.comm), x->client_comm);
	str_copy(a.method, sizeof(a.method), x->method);
	str_copy(a.endpoint, EP_LEN, endpoint);
	str_copy(a.path, sizeof(a.path), path);
	if (x->target)
		audit_params(&a, x->target, x->target_len, ep);
	a.status = x->status;
	a.fr = -1;
	a.served = (uint8_t)served;
	a.loopback = (uint8_t)loopback;
	a.cut = (uint8_t)(x->resp_cut || x->resp_body_total > x->resp_body_len);
	a.weak = !strong;
	a.content = (uint8_t)kind;
	if (ep == GODEBUG_EP_SYMBOL)
		a.addresses = (x->method && !strcmp(x->method, "POST"))
				  ? count_pcs((const char *)x->req_body, x->req_body_len)
				  : count_pcs(x->target, x->target_len);
	if (ep == GODEBUG_EP_FR_START || ep == GODEBUG_EP_FR_CAPTURE || ep == GODEBUG_EP_FR_STOP)
		a.fr = flight_recording(s, x, ep, client_ip);
	audit_add(f, s, &a);

	if (served) {
		leak_add(s, r, ep, x->resp_body_total, x);
		if (ep == GODEBUG_EP_CMDLINE || kind == GODEBUG_C_EXPVAR)
			cmdline_add(f, s, x, r, ep);
	}
	dos_add(f, s, x, ep, endpoint, client_ip, dur_ms);
}

/* ---------- cleartext credentials ---------- */

struct cred_key {
	const struct cred *c;
};

static int cred_eq(const void *ctx, uint32_t pos, const void *key)
{
	const struct findings *f = ctx;
	const struct cred *a = &f->creds[pos], *b = ((const struct cred_key *)key)->c;

	return a->pid == b->pid && a->port == b->port && a->kind == b->kind &&
	       !strcmp(a->host, b->host) && !strcmp(a->server_ip, b->server_ip) &&
	       !strcmp(a->name, b->name) && !strcmp(a->scheme, b->scheme) &&
	       !strcmp(a->username, b->username);
}

static int b64v(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* the user name of "Basic base64(user:password)"; the password is decoded
 * into a local buffer only to find where the user ends, then wiped */
static void basic_user(const char *v, size_t n, char *user, size_t cap)
{
	uint8_t buf[512];
	size_t o = 0, i;
	uint32_t acc = 0;
	int bits = 0;

	user[0] = '\0';
	for (i = 0; i < n && o < sizeof(buf); i++) {
		int d = b64v(v[i]);
		if (d < 0)
			break;
		acc = acc << 6 | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (uint8_t)(acc >> bits);
		}
	}
	for (i = 0; i < o && buf[i] != ':'; i++)
		;
	if (i < o) {
		size_t k, u = 0;
		for (k = 0; k < i && u + 1 < cap; k++)
			user[u++] = (buf[k] >= 0x20 && buf[k] < 0x7f) ? (char)buf[k] : '?';
		user[u] = '\0';
	}
	memset(buf, 0, sizeof(buf));
}

static void cred_add(struct findings *f, const struct fnd_exchange *x, uint8_t kind,
		     const char *name, const char *scheme, const char *user, const char *path,
		     const char *client_ip)
{
	struct cred key, *c;
	struct cred_key k = {&key};
	uint64_t h;
	uint32_t *slot;
	int dup = 0;

	memset(&key, 0, sizeof(key));
	str_copy(key.host, sizeof(key.host), x->host ? x->host : "");
	key.pid = x->server_pid;
	ip_norm(key.server_ip, x->server_ip);
	key.port = x->server_port;
	key.kind = kind;
	str_copy(key.name, sizeof(key.name), name);
	str_copy(key.scheme, sizeof(key.scheme), scheme);
	str_copy(key.username, sizeof(key.username), user);
	h = hash_bytes(HASH_SEED, key.host, strlen(key.host));
	h = hash_bytes(h, &key.pid, sizeof(key.pid));
	h = hash_bytes(h, key.server_ip, strlen(key.server_ip));
	h = hash_bytes(h, &key.port, sizeof(key.port));
	h = hash_bytes(h, &key.kind, 1);
	h = hash_bytes(h, key.name, strlen(key.name));
	h = hash_bytes(h, key.scheme, strlen(key.scheme));
	h = hash_bytes(h, key.username, strlen(key.username));
	slot = htab_pos_slot(&f->cred_idx, h, cred_eq, f, &k);
	if (*slot) {
		c = &f->creds[*slot - 1];
	} else {
		if (f->ncreds >= FND_MAX_CREDS) {
			f->creds_omitted++;
			return;
		}
		f->creds =
		    grow(f->creds, &f->cap_creds, f->ncreds, FND_MAX_CREDS, sizeof(*f->creds));
		c = &f->creds[f->ncreds];
		*slot = (uint32_t)++f->ncreds;
		*c = key;
		str_copy(c->comm, sizeof(c->comm), x->server_comm);
	}
	c->requests++;
	if (x->ts_wall_ns && (!c->first || x->ts_wall_ns < c->first))
		c->first = x->ts_wall_ns;
	if (x->ts_wall_ns > c->last)
		c->last = x->ts_wall_ns;
	for (unsigned i = 0; i < c->npeers; i++)
		dup |= !strcmp(c->peers[i], client_ip);
	if (!dup) {
		if (c->npeers < FND_MAX_CRED_PEERS)
			str_copy(c->peers[c->npeers++], IP_LEN, client_ip);
		else
			c->peers_omitted++;
	}
	dup = 0;
	for (unsigned i = 0; i < c->npaths; i++)
		dup |= !strcmp(c->paths[i], path);
	if (!dup) {
		if (c->npaths < FND_MAX_CRED_PATHS)
			str_copy(c->paths[c->npaths++], AUDIT_PATH, path);
		else
			c->paths_omitted++;
	}
}

static void creds_scan(struct findings *f, const struct fnd_exchange *x)
{
	char client_ip[IP_LEN], path[AUDIT_PATH];
	enum godebug_endpoint ep;
	struct godebug_query q;
	const char *k, *v;
	size_t kl, vl, pn = 0;
	const char *t = x->target ? x->target : "";
	size_t tn = x->target ? x->target_len : 0;

	ip_norm(client_ip, x->client_ip);
	while (pn < tn && t[pn] != '?' && t[pn] != '#')
		pn++;
	godebug_pct_decode(t, pn, 0, path, sizeof(path));

	for (size_t i = 0; i < x->n_req_headers && x->req_headers; i++) {
		const struct fnd_header *hd = &x->req_headers[i];
		char name[FND_MAX_NAME], scheme[24] = "", user[64] = "";
		size_t n;

		if (!hd->name || !sr_secret_header(hd->name, hd->name_len))
			continue;
		/* cookies are session state on every web page: not reported (README) */
		if (ieq((const uint8_t *)hd->name, hd->name_len, "cookie") ||
		    ieq((const uint8_t *)hd->name, hd->name_len, "set-cookie"))
			continue;
		n = hd->name_len < sizeof(name) - 1 ? hd->name_len : sizeof(name) - 1;
		for (size_t j = 0; j < n; j++)
			name[j] = (char)ascii_lower((uint8_t)hd->name[j]);
		name[n] = '\0';
		if (!strcmp(name, "authorization") || !strcmp(name, "proxy-authorization")) {
			const char *val = hd->value ? hd->value : "";
			size_t vn = hd->value ? hd->value_len : 0, s = 0, e;
			while (s < vn && (val[s] == ' ' || val[s] == '\t'))
				s++;
			e = s;
			while (e < vn && val[e] != ' ' && val[e] != '\t')
				e++;
			for (size_t j = s; j < e && j - s < sizeof(scheme) - 1; j++)
				scheme[j - s] = val[j] >= 0x21 && val[j] < 0x7f ? val[j] : '?';
			scheme[(e - s) < sizeof(scheme) - 1 ? e - s : sizeof(scheme) - 1] = '\0';
			if (ieq((const uint8_t *)val + s, e - s, "basic")) {
				while (e < vn && (val[e] == ' ' || val[e] == '\t'))
					e++;
				basic_user(val + e, vn - e, user, sizeof(user));
				strcpy(scheme, "Basic");
			} else if (ieq((const uint8_t *)val + s, e - s, "bearer")) {
				strcpy(scheme, "Bearer");
			}
		}
		cred_add(f, x, CRED_HEADER, name, scheme, user, path, client_ip);
	}

	ep = x->target ? godebug_match_path(x->target, x->target_len, NULL) : GODEBUG_EP_NONE;
	godebug_query_init(&q, t, tn);
	while (godebug_query_next(&q, &k, &kl, &v, &vl)) {
		char dk[FND_MAX_NAME];
		godebug_pct_decode(k, kl, 1, dk, sizeof(dk));
		/* the flight-recording token is the v2 API's own design, reported there */
		if (!strcmp(dk, "token") &&
		    (ep == GODEBUG_EP_FR_CAPTURE || ep == GODEBUG_EP_FR_STOP || ep == GODEBUG_EP_FR_START))
			continue;
		if (sr_secret_param(dk, strlen(dk), v, vl))
			cred_add(f, x, CRED_URL, dk, "", "", path, client_ip);
	}
}

void findings_add_exchange(struct findings *f, const struct fnd_exchange *x)
{
	struct server *s;

	invalidate(f);
	f->seq++;
	/* an observed process's own address is on this host (or in one of its
	 * containers: classify() looks at containers first) */
	if (x->server_pid && x->server_ip)
		findings_add_local_addr(f, x->server_ip);
	if (x->client_pid && x->client_ip)
		findings_add_local_addr(f, x->client_ip);
	creds_scan(f, x);
	s = server_get(f, x->host, x->server_pid, x->server_ip, x->server_port, x->server_comm);
	if (!s)
		return;
	listen_add(s, x->server_ip);
	debug_scan(f, s, x, GODEBUG_EP_NONE);
}

/* a pprof content kind: what only a pprof mount serves */
static int pprof_content(uint32_t contents)
{
	const uint32_t pprof = 1u << GODEBUG_C_PPROF_INDEX | 1u << GODEBUG_C_GOROUTINE_TEXT |
			       1u << GODEBUG_C_GOROUTINE_STACKS | 1u << GODEBUG_C_PROFILE_TEXT |
			       1u << GODEBUG_C_PROFILE_PROTO | 1u << GODEBUG_C_EXEC_TRACE |
			       1u << GODEBUG_C_SYMBOL;
	return (contents & pprof) != 0;
}

/* held ".../cmdline" answers whose server served pprof content under the
 * same directory become cmdline accesses; the others stay held (a later
 * exchange may still show the prefix) */
static void promote_held(struct findings *f)
{
	size_t keep = 0;

	for (size_t i = 0; i < f->nheld; i++) {
		struct held *h = &f->held[i];
		struct server *s = &f->servers[h->server];
		char path[AUDIT_PATH];
		size_t pn = 0, dl;
		int found = 0;

		while (pn < h->x.target_len && h->target[pn] != '?' && h->target[pn] != '#')
			pn++;
		dl = godebug_pct_decode(h->target, pn, 0, path, sizeof(path));
		dl = dl > 8 ? dl - 7 : 0; /* up to and with the '/' before "cmdline" */
		for (unsigned k = 0; k < s->neps && !found; k++) {
			const struct eprow *e = &s->eps[k];
			const char *slash = strrchr(e->path, '/');
			found = dl && e->served && pprof_content(e->contents) && slash &&
				(size_t)(slash - e->path) + 1 == dl && !memcmp(e->path, path, dl);
		}
		if (found) {
			uint64_t seq = f->seq;
			f->seq = h->seq;
			debug_scan(f, s, &h->x, GODEBUG_EP_CMDLINE);
			f->seq = seq;
			free(h->target);
			free(h->body);
		} else {
			f->held[keep++] = *h;
		}
	}
	f->nheld = keep;
}

/* ---------- output ---------- */

static const char *const sev_names[] = {"none", "info", "medium", "high"};

int findings_severity_parse(const char *s)
{
	if (!s)
		return -1;
	for (int i = FND_SEV_INFO; i <= FND_SEV_HIGH; i++)
		if (ieq((const uint8_t *)s, strlen(s), sev_names[i]))
			return i;
	return -1;
}

static const char *const remedy_debug[] = {
    "Serve the debug endpoints on a separate listener bound to localhost (for example "
    "localhost:6060), apart from the application server, so only local clients reach them "
    "(seed 000).",
    "Build the application server on a private mux (http.NewServeMux()) instead of "
    "http.DefaultServeMux: importing net/http/pprof (and expvar) registers handlers on the "
    "default mux, which every server started with a nil handler serves. When the application "
    "must use the default mux, move it aside to the localhost listener first "
    "(pprofMux := http.DefaultServeMux; http.DefaultServeMux = http.NewServeMux()).",
    "With the proposed net/http/pprof/v2, nothing is installed on import: call "
    "RegisterHandlers on a mux of its own that only the private listener serves (seed 001).",
    "When the endpoints must be reachable remotely, put authentication (and TLS) in front of "
    "them, or deny /debug/ at the reverse proxy; drop the import from production builds that "
    "do not need it.",
    NULL,
};

static const char *const remedy_dos =
    "Profiling and tracing load the program (seed 000): set the http.Server WriteTimeout "
    "(pprof refuses seconds >= WriteTimeout) and rate-limit or restrict the debug listener.";

static const char *const remedy_cred[] = {
    "Send credentials only over TLS (HTTPS), or keep the traffic on loopback; anyone on the "
    "network path could read these.",
    "Rotate the credentials that crossed the network in cleartext.",
    NULL,
};

static const char *const remedy_url[] = {
    "Do not put credentials in URLs: they end up in access logs, proxies and browser history; "
    "send them in an Authorization header over TLS.",
    "Rotate the credentials that were sent.",
    NULL,
};

static const char *const remedy_env[] = {
    "Environment variables are inherited by children and readable by the process's user and "
    "root through /proc/PID/environ; pass secrets through files with restricted permissions "
    "or a secret store where possible.",
    "Keep sockrec's default redaction on (do not capture with --no-redact) so archives never "
    "hold the values.",
    NULL,
};

static const char *const remedy_env_values =
    "This archive holds the values (it was captured without redaction): treat the archive "
    "itself as a secret, or re-capture with redaction and delete it.";

static const char *const remedy_cmd[] = {
    "Command lines are visible to every local user (ps, /proc/PID/cmdline), in expvar's "
    "/debug/vars and pprof's /debug/pprof/cmdline: pass secrets through files or the "
    "environment instead of flags.",
    NULL,
};

static json_t *jremedy(const char *const *list, const char *extra1, const char *extra2)
{
	json_t *a = json_array();
	for (; *list; list++)
		json_array_append_new(a, json_string(*list));
	if (extra1)
		json_array_append_new(a, json_string(extra1));
	if (extra2)
		json_array_append_new(a, json_string(extra2));
	return a;
}

static json_t *jnames(const struct godebug_names *l)
{
	json_t *a = json_array();
	for (unsigned i = 0; i < l->n; i++)
		json_array_append_new(a, jstr(l->s[i]));
	return a;
}

struct svc {
	char name[FND_MAX_NAME];
	char comm[FND_MAX_NAME];
	char container[FND_MAX_NAME];
	const char *cmdline;
};

static void service_of(const struct findings *f, const char *host, uint32_t pid, const char *comm,
		       const char *ip, struct svc *out)
{
	const struct proc *p = NULL;

	memset(out, 0, sizeof(*out));
	if (pid) {
		struct findings *mf = (struct findings *)f;
		p = proc_find(mf, host, pid, 0);
	}
	if (p) {
		str_copy(out->comm, sizeof(out->comm), p->comm[0] ? p->comm : comm);
		out->cmdline = p->cmdline[0] ? p->cmdline : NULL;
		for (size_t i = 0; i < f->nctrs && p->container_id[0]; i++)
			if (!strcmp(f->ctrs[i].id, p->container_id) ||
			    (strlen(p->container_id) >= 12 &&
			     !strncmp(f->ctrs[i].id, p->container_id, 12)))
				str_copy(out->container, sizeof(out->container), f->ctrs[i].name);
		if (p->name[0])
			str_copy(out->name, sizeof(out->name), p->name);
	} else {
		str_copy(out->comm, sizeof(out->comm), comm);
	}
	if (!pid && ip) {
		const struct container *c = container_of(f, ip);
		if (c)
			str_copy(out->container, sizeof(out->container), c->name);
	}
	if (!out->name[0])
		str_copy(out->name, sizeof(out->name),
		     out->container[0] ? out->container
		     : out->comm[0]    ? out->comm
				       : "unknown");
}

static json_t *jservice(const struct svc *sv, const char *host, uint32_t pid)
{
	json_t *o = json_object();

	jset(o, "name", jstr(sv->name));
	jset(o, "host", host && *host ? jstr(host) : json_null());
	jset(o, "pid", pid ? jint(pid) : json_null());
	jset(o, "comm", sv->comm[0] ? jstr(sv->comm) : json_null());
	jset(o, "container", sv->container[0] ? jstr(sv->container) : json_null());
	jset(o, "cmdline", sv->cmdline ? jstr(sv->cmdline) : json_null());
	jset(o, "observed", json_boolean(pid != 0));
	return o;
}

/* a finding before ids: kept with its sort key */
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

static int item_cmp(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	int c;

	if (a->sev != b->sev)
		return a->sev > b->sev ? -1 : 1;
	if (a->kind_rank != b->kind_rank)
		return a->kind_rank < b->kind_rank ? -1 : 1;
	if ((c = strcmp(a->sort_name, b->sort_name)))
		return c;
	if ((c = strcmp(a->host, b->host)))
		return c;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if ((c = strcmp(a->ip, b->ip)))
		return c;
	return strcmp(a->sub, b->sub);
}

struct items {
	struct item *v;
	size_t n, cap;
};

static struct item *items_push(struct items *it)
{
	if (it->n == it->cap) {
		it->cap = it->cap ? it->cap * 2 : 16;
		it->v = xrealloc(it->v, it->cap * sizeof(*it->v));
	}
	memset(&it->v[it->n], 0, sizeof(it->v[0]));
	return &it->v[it->n++];
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_listen(const void *a, const void *b)
{
	return strcmp(((const struct listen *)a)->ip, ((const struct listen *)b)->ip);
}

static int cmp_peer(const void *a, const void *b)
{
	return strcmp(((const struct peer *)a)->ip, ((const struct peer *)b)->ip);
}

static int cmp_eprow(const void *pa, const void *pb)
{
	const struct eprow *a = pa, *b = pb;
	int c = strcmp(a->endpoint, b->endpoint);
	return c ? c : strcmp(a->path, b->path);
}

static int cmp_audit_time(const void *pa, const void *pb)
{
	const struct audit *a = pa, *b = pb;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->seq < b->seq ? -1 : (a->seq > b->seq);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static int cmp_longreq(const void *pa, const void *pb)
{
	const struct longreq *a = pa, *b = pb;
	int c;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if ((c = strcmp(a->ip, b->ip)))
		return c;
	return strcmp(a->endpoint, b->endpoint);
}

/* flight-recording sessions sort by when they were first seen, then token */
static int cmp_fr_idx(const void *pa, const void *pb, void *ctx)
{
	const struct frs *base = ctx;
	const struct frs *a = &base[*(const unsigned *)pa];
	const struct frs *b = &base[*(const unsigned *)pb];
	uint64_t ta = a->started ? a->start_ts : a->first_seen;
	uint64_t tb = b->started ? b->start_ts : b->first_seen;
	int c;
	if (ta != tb)
		return ta < tb ? -1 : 1;
	if ((c = strcmp(a->token, b->token)))
		return c;
	return *(const unsigned *)pa < *(const unsigned *)pb ? -1 : 1;
}

static json_t *jpeer_ref(const struct findings *f, const char *ip)
{
	json_t *o = json_object();
	enum pclass c = classify(f, ip);
	const struct container *ct = c == PC_CONTAINER ? container_of(f, ip) : NULL;

	jset(o, "ip", jstr(ip));
	jset(o, "class", json_string(pclass_name(c)));
	if (ct)
		jset(o, "container", jstr(ct->name));
	return o;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return x < y ? -1 : x > y;
}

static void count_statuses(const struct server *s, char *out, size_t cap)
{
	/* for the "never served" reason: which statuses the requests got */
	int seen[8] = {0};
	int nseen = 0;
	size_t o = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < s->naudit && nseen < 8; i++) {
		int st = s->audit[i].status, dup = 0;
		for (int k = 0; k < nseen; k++)
			dup |= seen[k] == st;
		if (!dup)
			seen[nseen++] = st;
	}
	qsort(seen, (size_t)nseen, sizeof(int), cmp_int);
	for (int k = 0; k < nseen && o + 8 < cap; k++)
		o += (size_t)snprintf(out + o, cap - o, "%s%d", k ? ", " : "", seen[k]);
}

/* ---- the debug_endpoint finding, one question per function ---- */

/* puts the server's lists in output order */
static void debug_sort(struct server *s)
{
	qsort(s->listen, s->nlisten, sizeof(*s->listen), cmp_listen);
	if (s->peers)
		qsort(s->peers, s->npeers, sizeof(*s->peers), cmp_peer);
	if (s->eps)
		qsort(s->eps, s->neps, sizeof(*s->eps), cmp_eprow);
	if (s->audit)
		qsort(s->audit, s->naudit, sizeof(*s->audit), cmp_audit_time);
	s->audit_worst = 0; /* the array was reordered; recomputed if more come */
	for (size_t i = 1; i < s->naudit; i++)
		if (audit_cmp_importance(&s->audit[i], &s->audit[s->audit_worst]) > 0)
			s->audit_worst = i;
	if (s->longs)
		qsort(s->longs, s->nlong, sizeof(*s->longs), cmp_longreq);
}

/* how severe is it, and why: @return the severity, reason filled */
static int debug_severity(const struct findings *f, const struct server *s, char *reason,
			  size_t cap)
{
	uint64_t nonloop_peers = 0, ext = 0, ctr = 0, host = 0;
	char st[64];

	for (unsigned i = 0; i < s->npeers; i++) {
		enum pclass c;
		if (!s->peers[i].served)
			continue;
		c = classify(f, s->peers[i].ip);
		if (c == PC_LOOPBACK)
			continue;
		nonloop_peers++;
		ext += c == PC_EXTERNAL;
		ctr += c == PC_CONTAINER;
		host += c == PC_THIS_HOST;
	}
	if (!s->strong) {
		snprintf(reason, cap,
			 "only seed 000's weak signal (200 OK with \"goroutine\" in the body) was "
			 "seen; weak signals alone are reported as info");
		return FND_SEV_INFO;
	}
	if (s->served_nonloop > 0) {
		snprintf(reason, cap,
			 "debug endpoints answered 2xx to %llu non-loopback request(s) from %llu "
			 "peer(s) (%llu external, %llu container, %llu this host)",
			 (unsigned long long)s->served_nonloop, (unsigned long long)nonloop_peers,
			 (unsigned long long)ext, (unsigned long long)ctr,
			 (unsigned long long)host);
		return FND_SEV_HIGH;
	}
	if (s->served > 0 && s->nonloop_listen) {
		snprintf(reason, cap,
			 "served on a non-loopback address (the same port accepted connections on "
			 "one); only loopback peers were served");
		return FND_SEV_MEDIUM;
	}
	if (s->served > 0) {
		snprintf(reason, cap, "served on loopback only, to loopback peers");
		return FND_SEV_INFO;
	}
	count_statuses(s, st, sizeof(st));
	snprintf(reason, cap, "debug endpoints were requested but never served (statuses: %s)",
		 st[0] ? st : "none");
	return FND_SEV_INFO;
}

/* what the finding is called */
static void debug_title(const struct server *s, const struct svc *sv, int sev, char *title,
			size_t cap)
{
	const char *what = sev == FND_SEV_HIGH ? "served to non-loopback peers"
			   : s->served	       ? "served"
					       : "requested";
	if (s->pid)
		snprintf(title, cap, "Go debug endpoints %s by %s (pid %u) on port %u", what,
			 sv->name, s->pid, s->port);
	else
		snprintf(title, cap, "Go debug endpoints %s by %s:%u (server not observed)", what,
			 s->ip, s->port);
}

/* where does it listen */
static json_t *debug_listen(const struct server *s)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < s->nlisten; i++) {
		json_t *l = json_object();
		jset(l, "ip", jstr(s->listen[i].ip));
		jset(l, "port", jint(s->port));
		jset(l, "loopback", json_boolean(s->listen[i].loopback));
		json_array_append_new(a, l);
	}
	return a;
}

/* which endpoints were asked for, and what told them apart */
static json_t *debug_endpoints(const struct server *s)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < s->neps; i++) {
		const struct eprow *e = &s->eps[i];
		json_t *r = json_object(), *by = json_array();
		jset(r, "endpoint", jstr(e->endpoint));
		jset(r, "path", jstr(e->path));
		jset(r, "requests", jint(e->requests));
		jset(r, "served", jint(e->served));
		jset(r, "served_non_loopback", jint(e->served_nonloop));
		jset(r, "bytes", jint(e->bytes));
		if (e->by_path)
			json_array_append_new(by, json_string("path"));
		for (unsigned k = 1; k < GODEBUG_C_COUNT_; k++)
			if (e->contents & (1u << k))
				json_array_append_new(by, json_string(godebug_content_name(k)));
		if (e->signals & GODEBUG_SIG_X_GO_PPROF)
			json_array_append_new(by, json_string("header:x-go-pprof"));
		if (e->signals & GODEBUG_SIG_DISPOSITION)
			json_array_append_new(by, json_string("header:content-disposition"));
		if (e->signals & FND_SIG_SEED)
			json_array_append_new(by, json_string("seed:200+goroutine"));
		if (e->signals & FND_SIG_PREFIX)
			json_array_append_new(by, json_string("pprof_prefix"));
		jset(r, "detected_by", by);
		json_array_append_new(a, r);
	}
	return a;
}

/* who asked */
static json_t *debug_peers(const struct findings *f, const struct server *s)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < s->npeers; i++) {
		const struct peer *p = &s->peers[i];
		json_t *r = jpeer_ref(f, p->ip);
		jset(r, "requests", jint(p->requests));
		jset(r, "served", jint(p->served));
		jset(r, "first_seen", jtime(p->first));
		jset(r, "last_seen", jtime(p->last));
		json_array_append_new(a, r);
	}
	return a;
}

/* flight-recording sessions by first sight: order[k] is the session named
 * "fr-<k+1>"; NULL when there is none */
static unsigned *debug_fr_order(const struct server *s)
{
	unsigned *order;

	if (!s->nfr)
		return NULL;
	order = xcalloc(s->nfr, sizeof(*order));
	for (unsigned i = 0; i < s->nfr; i++)
		order[i] = i;
	qsort_r(order, s->nfr, sizeof(*order), cmp_fr_idx, s->fr);
	return order;
}

/* the name of session idx ("fr-N"), "" when it has none */
static void fr_ref(const struct server *s, const unsigned *order, int idx, char *buf, size_t cap)
{
	for (unsigned k = 0; k < s->nfr; k++)
		if (order[k] == (unsigned)idx)
			snprintf(buf, cap, "fr-%u", k + 1);
}

/* who asked for what, request by request (the audit trail) */
static json_t *debug_access(const struct findings *f, const struct server *s,
			    const unsigned *order)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < s->naudit; i++) {
		const struct audit *e = &s->audit[i];
		json_t *r = json_object(), *peer = jpeer_ref(f, e->ip), *params = json_object();
		jset(r, "time", jtime(e->ts));
		jset(peer, "port", e->port ? jint(e->port) : json_null());
		jset(peer, "pid", e->pid ? jint(e->pid) : json_null());
		jset(peer, "comm", e->comm[0] ? jstr(e->comm) : json_null());
		jset(r, "peer", peer);
		jset(r, "method", jstr(e->method));
		jset(r, "endpoint", jstr(e->endpoint));
		jset(r, "path", jstr(e->path));
		for (unsigned k = 0; k < e->nparams; k++) {
			json_t *key = jstr(e->params[k].k);
			const char *ks = json_string_value(key);
			if (!json_object_get(params, ks))
				json_object_set_new(params, ks, jstr(e->params[k].v));
			json_decref(key);
		}
		jset(r, "params", params);
		jset(r, "status", e->status ? json_integer(e->status) : json_null());
		jset(r, "bytes", jint(e->bytes));
		jset(r, "truncated", json_boolean(e->cut));
		jset(r, "served", json_boolean(e->served));
		jset(r, "content",
		     e->content ? json_string(godebug_content_name(e->content)) : json_null());
		jset(r, "duration_ms", e->duration_ms ? json_integer(e->duration_ms) : json_null());
		if (e->addresses)
			jset(r, "addresses", jint(e->addresses));
		if (e->fr >= 0 && order) {
			char ref[16] = "";
			fr_ref(s, order, e->fr, ref, sizeof(ref));
			jset(r, "session", json_string(ref));
		}
		json_array_append_new(a, r);
	}
	return a;
}

/* what the responses gave away: goroutines, code, profiles, traces... */
static json_t *debug_leaked_bodies(const struct leak *l, json_t *lk)
{
	struct godebug_names fn, fl;

	memset(&fn, 0, sizeof(fn));
	memset(&fl, 0, sizeof(fl));
	names_merge(&fn, &l->app_funcs, 0, l->app_funcs.n);
	names_merge(&fn, &l->std_funcs, 0, l->std_funcs.n);
	names_merge(&fl, &l->app_files, 0, l->app_files.n);
	names_merge(&fl, &l->std_files, 0, l->std_files.n);
	if (l->dumps) {
		json_t *g = json_object();
		jset(g, "dumps", jint(l->dumps));
		jset(g, "max_stacks", jint(l->max_stacks));
		jset(lk, "goroutines", g);
	}
	if (fn.n) {
		jset(lk, "functions", jnames(&fn));
		jset(lk, "functions_omitted", json_boolean(fn.more));
	}
	if (fl.n) {
		jset(lk, "files", jnames(&fl));
		jset(lk, "files_omitted", json_boolean(fl.more));
	}
	if (l->profiles) {
		json_t *p = json_object();
		jset(p, "count", jint(l->profiles));
		jset(p, "bytes", jint(l->profile_bytes));
		jset(p, "sample_types", jnames(&l->types));
		jset(lk, "profiles", p);
	}
	if (l->traces) {
		json_t *p = json_object();
		jset(p, "count", jint(l->traces));
		jset(p, "bytes", jint(l->trace_bytes));
		jset(p, "go_version", l->go_version[0] ? jstr(l->go_version) : json_null());
		jset(lk, "traces", p);
	}
	if (l->expvar) {
		json_t *p = json_object();
		jset(p, "count", jint(l->expvar));
		jset(p, "keys", jnames(&l->expvar_keys));
		jset(lk, "expvar", p);
	}
	if (l->symbol_requests) {
		json_t *p = json_object();
		jset(p, "requests", jint(l->symbol_requests));
		jset(p, "addresses", jint(l->symbol_addresses));
		jset(lk, "symbol", p);
	}
	if (l->index_pages) {
		json_t *p = json_object(), *ar = json_array();
		for (unsigned i = 0; i < l->index_names.n; i++) {
			json_t *e = json_object();
			jset(e, "name", jstr(l->index_names.s[i]));
			jset(e, "count", jint(l->index_counts[i]));
			json_array_append_new(ar, e);
		}
		jset(p, "pages", jint(l->index_pages));
		jset(p, "profiles", ar);
		jset(lk, "index", p);
	}
	return lk;
}

/* what leaked: the response bodies' contents and the command line */
static json_t *debug_leaked(const struct server *s)
{
	json_t *lk = json_object();

	if (s->leak)
		debug_leaked_bodies(s->leak, lk);
	if (s->cmd) {
		json_t *c = json_object(), *ar = json_array();
		size_t off = 0;
		const char *arg;
		while ((arg = cmdargs_next(s->cmd, &off)))
			json_array_append_new(ar, jstr(arg));
		jset(c, "source", json_string(s->cmd->source));
		jset(c, "args", ar);
		jset(c, "args_total", jint(s->cmd->total));
		jset(c, "redacted", jint(s->cmd->redacted));
		jset(c, "args_omitted", json_boolean(s->cmd->omitted));
		jset(lk, "cmdline", c);
	}
	return lk;
}

/* could the requests have denied service: long requests and bursts of
 * profiling requests; *has_dos tells whether any was seen */
static json_t *debug_dos(const struct findings *f, struct server *s, int *has_dos)
{
	json_t *d = json_object(), *ar = json_array(), *b = json_object();
	uint64_t bursts = 0, maxw = 0, first_burst = 0;

	if (s->times)
		qsort(s->times, s->ntimes, sizeof(*s->times), cmp_u64);
	for (size_t i = 0, j = 0; i < s->ntimes; i++) {
		while (s->times[i] - s->times[j] >= FND_BURST_WINDOW_NS)
			j++;
		if (i - j + 1 > maxw)
			maxw = i - j + 1;
	}
	for (size_t i = 0; i + FND_BURST_COUNT <= s->ntimes;) {
		if (s->times[i + FND_BURST_COUNT - 1] - s->times[i] < FND_BURST_WINDOW_NS) {
			uint64_t end = s->times[i] + FND_BURST_WINDOW_NS;
			if (!bursts)
				first_burst = s->times[i];
			bursts++;
			while (i < s->ntimes && s->times[i] < end)
				i++;
		} else {
			i++;
		}
	}
	for (unsigned i = 0; i < s->nlong; i++) {
		json_t *e = json_object();
		jset(e, "time", jtime(s->longs[i].ts));
		jset(e, "peer", jpeer_ref(f, s->longs[i].ip));
		jset(e, "endpoint", jstr(s->longs[i].endpoint));
		jset(e, "duration_ms", json_integer(s->longs[i].duration_ms));
		jset(e, "rate_hz", s->longs[i].rate_hz ? json_integer(s->longs[i].rate_hz) : json_null());
		json_array_append_new(ar, e);
	}
	jset(d, "long_requests", ar);
	jset(d, "long_requests_total", jint(s->long_total));
	jset(b, "count", jint(bursts));
	jset(b, "max_in_window", jint(maxw));
	jset(b, "first_start", jtime(first_burst));
	jset(b, "profiling_requests", jint(s->ntimes + s->times_omitted));
	jset(d, "bursts", b);
	*has_dos = s->long_total > 0 || bursts > 0;
	return d;
}

/* the flight-recording sessions, in the order of their names */
static json_t *debug_flight_recordings(const struct findings *f, const struct server *s,
				       const unsigned *order)
{
	json_t *a = json_array();

	for (unsigned k = 0; k < s->nfr; k++) {
		const struct frs *fr = &s->fr[order[k]];
		json_t *e = json_object();
		char ref[16];
		snprintf(ref, sizeof(ref), "fr-%u", k + 1);
		jset(e, "session", json_string(ref));
		jset(e, "started", fr->started ? jtime(fr->start_ts) : json_null());
		jset(e, "started_by", fr->started ? jpeer_ref(f, fr->start_ip) : json_null());
		jset(e, "token_seen", json_boolean(fr->has_token));
		jset(e, "minageseconds", fr->minage[0] ? jstr(fr->minage) : json_null());
		jset(e, "maxbytes", fr->maxbytes[0] ? jstr(fr->maxbytes) : json_null());
		jset(e, "captures", jint(fr->captures));
		jset(e, "capture_bytes", jint(fr->capture_bytes));
		jset(e, "stopped", fr->stopped ? jtime(fr->stop_ts) : json_null());
		json_array_append_new(a, e);
	}
	return a;
}

/* the debug_endpoint finding of one server (README "findings") */
static void debug_finding(const struct findings *f, struct server *s, struct items *items)
{
	struct item *it;
	json_t *o;
	struct svc sv;
	int sev, has_dos;
	char title[512], reason[512];
	unsigned *order;

	service_of(f, s->host, s->pid, s->comm, s->ip, &sv);
	debug_sort(s);
	sev = debug_severity(f, s, reason, sizeof(reason));
	debug_title(s, &sv, sev, title, sizeof(title));
	order = debug_fr_order(s);

	o = json_object();
	jset(o, "id", json_string(""));
	jset(o, "kind", json_string("debug_endpoint"));
	jset(o, "severity", json_string(sev_names[sev]));
	jset(o, "confidence",
	     json_string(s->confirmed ? "confirmed" : s->strong ? "path" : "weak"));
	jset(o, "title", jstr(title));
	jset(o, "reason", jstr(reason));
	jset(o, "service", jservice(&sv, s->host, s->pid));
	jset(o, "listen", debug_listen(s));
	jset(o, "listen_omitted", json_boolean(s->listen_more));
	jset(o, "first_seen", jtime(s->first));
	jset(o, "last_seen", jtime(s->last));
	jset(o, "requests", jint(s->requests));
	jset(o, "served", jint(s->served));
	jset(o, "served_non_loopback", jint(s->served_nonloop));
	jset(o, "endpoints", debug_endpoints(s));
	jset(o, "endpoints_omitted", jint(s->eps_omitted));
	jset(o, "peers", debug_peers(f, s));
	jset(o, "peers_omitted", jint(s->peers_omitted));
	jset(o, "access", debug_access(f, s, order));
	jset(o, "access_omitted", jint(s->audit_omitted));
	jset(o, "leaked", debug_leaked(s));
	jset(o, "dos", debug_dos(f, s, &has_dos));
	jset(o, "flight_recordings", debug_flight_recordings(f, s, order));
	jset(o, "flight_recordings_omitted", jint(s->fr_omitted));
	free(order);
	jset(o, "remediation", jremedy(remedy_debug, has_dos ? remedy_dos : NULL, NULL));

	it = items_push(items);
	it->sev = sev;
	it->kind_rank = 0;
	str_copy(it->sort_name, sizeof(it->sort_name), sv.name);
	str_copy(it->host, sizeof(it->host), s->host);
	it->pid = s->pid;
	it->port = s->port;
	str_copy(it->ip, sizeof(it->ip), s->ip);
	it->obj = o;
}

static void cred_finding(const struct findings *f, const struct cred *c, struct items *items)
{
	struct item *it;
	json_t *o, *a, *cr;
	struct svc sv;
	enum pclass worst = classify(f, c->server_ip);
	int sev;
	char title[512], reason[512];
	char peers[FND_MAX_CRED_PEERS][IP_LEN];

	if (worst == PC_UNKNOWN)
		worst = PC_LOOPBACK;
	for (unsigned i = 0; i < c->npeers; i++) {
		enum pclass pc = classify(f, c->peers[i]);
		if (pc > worst)
			worst = pc;
	}
	sev = worst == PC_EXTERNAL				 ? FND_SEV_HIGH
	      : (worst == PC_CONTAINER || worst == PC_THIS_HOST) ? FND_SEV_MEDIUM
								 : FND_SEV_INFO;
	service_of(f, c->host, c->pid, c->comm, c->server_ip, &sv);
	if (c->kind == CRED_HEADER)
		snprintf(title, sizeof(title),
			 "%s%s%s credentials sent in cleartext HTTP to %s port %u",
			 c->scheme[0] ? c->scheme : "", c->scheme[0] ? " " : "", c->name, sv.name,
			 c->port);
	else
		snprintf(title, sizeof(title),
			 "credential in URL parameter \"%s\" sent in cleartext HTTP to %s port %u",
			 c->name, sv.name, c->port);
	snprintf(reason, sizeof(reason), "%llu request(s) over plain HTTP; the widest path was %s",
		 (unsigned long long)c->requests, pclass_name(worst));

	o = json_object();
	jset(o, "id", json_string(""));
	jset(o, "kind",
	     json_string(c->kind == CRED_HEADER ? "cleartext_credential" : "credential_in_url"));
	jset(o, "severity", json_string(sev_names[sev]));
	jset(o, "confidence", json_string("confirmed"));
	jset(o, "title", jstr(title));
	jset(o, "reason", jstr(reason));
	jset(o, "service", jservice(&sv, c->host, c->pid));
	a = json_array();
	{
		json_t *l = json_object();
		jset(l, "ip", jstr(c->server_ip));
		jset(l, "port", jint(c->port));
		jset(l, "loopback", json_boolean(text_loopback(c->server_ip)));
		json_array_append_new(a, l);
	}
	jset(o, "listen", a);
	jset(o, "first_seen", jtime(c->first));
	jset(o, "last_seen", jtime(c->last));
	jset(o, "requests", jint(c->requests));
	cr = json_object();
	if (c->kind == CRED_HEADER) {
		jset(cr, "header", jstr(c->name));
		jset(cr, "scheme", c->scheme[0] ? jstr(c->scheme) : json_null());
		jset(cr, "username", c->username[0] ? jstr(c->username) : json_null());
	} else {
		jset(cr, "parameter", jstr(c->name));
	}
	jset(o, "credential", cr);
	memcpy(peers, c->peers, sizeof(peers));
	qsort(peers, c->npeers, IP_LEN, cmp_str);
	a = json_array();
	for (unsigned i = 0; i < c->npeers; i++)
		json_array_append_new(a, jpeer_ref(f, peers[i]));
	jset(o, "peers", a);
	jset(o, "peers_omitted", jint(c->peers_omitted));
	{
		char paths[FND_MAX_CRED_PATHS][AUDIT_PATH];
		memcpy(paths, c->paths, sizeof(paths));
		qsort(paths, c->npaths, AUDIT_PATH, cmp_str);
		a = json_array();
		for (unsigned i = 0; i < c->npaths; i++)
			json_array_append_new(a, jstr(paths[i]));
		jset(o, "paths", a);
		jset(o, "paths_omitted", jint(c->paths_omitted));
	}
	jset(o, "remediation",
	     jremedy(c->kind == CRED_HEADER ? remedy_cred : remedy_url, NULL, NULL));

	it = items_push(items);
	it->sev = sev;
	it->kind_rank = c->kind == CRED_HEADER ? 1 : 2;
	str_copy(it->sort_name, sizeof(it->sort_name), sv.name);
	str_copy(it->host, sizeof(it->host), c->host);
	it->pid = c->pid;
	it->port = c->port;
	str_copy(it->ip, sizeof(it->ip), c->server_ip);
	snprintf(it->sub, sizeof(it->sub), "%s|%s|%s", c->name, c->scheme, c->username);
	it->obj = o;
}

#define FND_MAX_GROUP_PIDS 32u

/* "host\x1fname\x1fpart\x1fpart...": the signature of a process finding */
static char *signature(const char *host, const char *name, const char *extra,
		       const char (*parts)[ENV_KEY_LEN], unsigned nparts,
		       const struct cmdargs *args)
{
	size_t n = strlen(host) + strlen(name) + strlen(extra) + 4, o = 0;
	char *sig;

	for (unsigned i = 0; i < nparts; i++)
		n += strlen(parts[i]) + 1;
	n += args ? args->len : 0;
	sig = xcalloc(n + 1, 1);
	o += (size_t)snprintf(sig + o, n + 1 - o, "%s\x1f%s\x1f%s", host, name, extra);
	for (unsigned i = 0; i < nparts; i++)
		o += (size_t)snprintf(sig + o, n + 1 - o, "\x1f%s", parts[i]);
	{
		size_t off = 0;
		const char *arg;
		while ((arg = cmdargs_next(args, &off)))
			o += (size_t)snprintf(sig + o, n + 1 - o, "\x1f%s", arg);
	}
	return sig;
}

static int cmp_group(const void *pa, const void *pb, void *ctx)
{
	const struct item *v = ctx;
	const struct item *a = &v[*(const size_t *)pa], *b = &v[*(const size_t *)pb];
	int c;

	if (a->kind_rank != b->kind_rank)
		return a->kind_rank < b->kind_rank ? -1 : 1;
	if ((c = strcmp(a->group, b->group)))
		return c;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return *(const size_t *)pa < *(const size_t *)pb ? -1 : 1;
}

/* Processes of one service with the same secrets (a shell and the children
 * that inherit its environment, identical workers) are one finding listing
 * their pids; its service is the lowest pid's. */
static void group_processes(struct items *it)
{
	size_t *idx = xcalloc(it->n ? it->n : 1, sizeof(*idx)), n = 0, out = 0;

	for (size_t i = 0; i < it->n; i++)
		if (it->v[i].group)
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_group, it->v);
	for (size_t g = 0; g < n;) {
		struct item *lead = &it->v[idx[g]];
		size_t e = g + 1;
		json_t *pids = json_array();
		while (e < n && it->v[idx[e]].kind_rank == lead->kind_rank &&
		       !strcmp(it->v[idx[e]].group, lead->group))
			e++;
		for (size_t k = g; k < e; k++) {
			if (k - g < FND_MAX_GROUP_PIDS)
				json_array_append_new(pids, jint(it->v[idx[k]].pid));
			if (k > g) {
				json_decref(it->v[idx[k]].obj);
				it->v[idx[k]].obj = NULL;
			}
		}
		/* keep "remediation" last, as in every finding */
		json_t *rem = json_incref(json_object_get(lead->obj, "remediation"));
		json_object_del(lead->obj, "remediation");
		jset(lead->obj, "pids", pids);
		jset(lead->obj, "pids_omitted",
		     jint(e - g > FND_MAX_GROUP_PIDS ? e - g - FND_MAX_GROUP_PIDS : 0));
		jset(lead->obj, "remediation", rem);
		if (e - g > 1) {
			const char *t = json_string_value(json_object_get(lead->obj, "title"));
			const char *paren = t ? strstr(t, " (pid ") : NULL;
			char title[512];
			if (paren) {
				snprintf(title, sizeof(title), "%.*s (%zu processes)",
					 (int)(paren - t), t, e - g);
				jset(lead->obj, "title", jstr(title));
			}
		}
		g = e;
	}
	for (size_t i = 0; i < it->n; i++) {
		free(it->v[i].group);
		it->v[i].group = NULL;
		if (it->v[i].obj)
			it->v[out++] = it->v[i];
	}
	it->n = out;
	free(idx);
}

static void proc_findings(const struct findings *f, const struct proc *p, struct items *items)
{
	struct svc sv;
	struct item *it;
	json_t *o, *a;
	char title[512];

	service_of(f, p->host, p->pid, p->comm, NULL, &sv);
	if (p->nenv) {
		char(*keys)[ENV_KEY_LEN] = xcalloc(p->nenv, sizeof(*keys));
		int sev = p->env_values ? FND_SEV_MEDIUM : FND_SEV_INFO;
		memcpy(keys, p->env_keys, p->nenv * sizeof(*keys));
		qsort(keys, p->nenv, sizeof(*keys), cmp_str);
		snprintf(title, sizeof(title),
			 "secret-looking environment variables in %s (pid %u)", sv.name, p->pid);
		o = json_object();
		jset(o, "id", json_string(""));
		jset(o, "kind", json_string("secret_env"));
		jset(o, "severity", json_string(sev_names[sev]));
		jset(o, "confidence", json_string("confirmed"));
		jset(o, "title", jstr(title));
		jset(o, "reason",
		     json_string(p->env_values ? "the archive holds the values of these variables "
						 "(captured without redaction)"
					       : "names only: the capture redacted the values"));
		jset(o, "service", jservice(&sv, p->host, p->pid));
		a = json_array();
		for (unsigned i = 0; i < p->nenv; i++)
			json_array_append_new(a, jstr(keys[i]));
		jset(o, "keys", a);
		jset(o, "keys_omitted", jint(p->env_omitted));
		jset(o, "values_in_archive", json_boolean(p->env_values));
		jset(o, "remediation",
		     jremedy(remedy_env, p->env_values ? remedy_env_values : NULL, NULL));
		it = items_push(items);
		it->group = signature(p->host, sv.name, p->env_values ? "values" : "names",
				      (const char(*)[ENV_KEY_LEN])keys, p->nenv, NULL);
		free(keys);
		it->sev = sev;
		it->kind_rank = 3;
		str_copy(it->sort_name, sizeof(it->sort_name), sv.name);
		str_copy(it->host, sizeof(it->host), p->host);
		it->pid = p->pid;
		it->obj = o;
	}
	if (p->secret_args) {
		const struct cmdargs *ca = p->secret_args;
		snprintf(title, sizeof(title), "secrets on the command line of %s (pid %u)",
			 sv.name, p->pid);
		o = json_object();
		jset(o, "id", json_string(""));
		jset(o, "kind", json_string("secret_cmdline"));
		jset(o, "severity", json_string("info"));
		jset(o, "confidence", json_string("confirmed"));
		jset(o, "title", jstr(title));
		jset(o, "reason",
		     json_string("secret-looking flags or URLs with passwords in the "
				 "arguments (shown redacted)"));
		jset(o, "service", jservice(&sv, p->host, p->pid));
		a = json_array();
		{
			size_t off = 0;
			const char *arg;
			while ((arg = cmdargs_next(ca, &off)))
				json_array_append_new(a, jstr(arg));
		}
		jset(o, "args", a);
		jset(o, "args_total", jint(ca->total));
		jset(o, "redacted", jint(ca->redacted));
		jset(o, "args_omitted", json_boolean(ca->omitted));
		jset(o, "remediation", jremedy(remedy_cmd, NULL, NULL));
		it = items_push(items);
		it->group = signature(p->host, sv.name, "", NULL, 0, ca);
		it->sev = FND_SEV_INFO;
		it->kind_rank = 4;
		str_copy(it->sort_name, sizeof(it->sort_name), sv.name);
		str_copy(it->host, sizeof(it->host), p->host);
		it->pid = p->pid;
		it->obj = o;
	}
}

json_t *findings_result(struct findings *f)
{
	struct items items = {0};
	json_t *doc, *arr, *sum, *lim;
	size_t counts[4] = {0};
	int max = FND_SEV_NONE;

	if (f->result)
		return json_incref(f->result);
	promote_held(f);
	for (size_t i = 0; i < f->nservers; i++)
		if (f->servers[i].requests)
			debug_finding(f, &f->servers[i], &items);
	for (size_t i = 0; i < f->ncreds; i++)
		cred_finding(f, &f->creds[i], &items);
	for (size_t i = 0; i < f->nprocs; i++)
		proc_findings(f, &f->procs[i], &items);
	group_processes(&items);
	if (items.n)
		qsort(items.v, items.n, sizeof(*items.v), item_cmp);

	arr = json_array();
	for (size_t i = 0; i < items.n; i++) {
		char id[24];
		snprintf(id, sizeof(id), "F%zu", i + 1);
		json_object_set_new(items.v[i].obj, "id", json_string(id));
		json_array_append_new(arr, items.v[i].obj);
		counts[items.v[i].sev]++;
		if (items.v[i].sev > max)
			max = items.v[i].sev;
	}
	free(items.v);

	doc = json_object();
	jset(doc, "schema", json_string("sockrec.findings/1"));
	sum = json_object();
	jset(sum, "high", jint(counts[FND_SEV_HIGH]));
	jset(sum, "medium", jint(counts[FND_SEV_MEDIUM]));
	jset(sum, "info", jint(counts[FND_SEV_INFO]));
	jset(sum, "total", jint(counts[1] + counts[2] + counts[3]));
	jset(sum, "max_severity", json_string(sev_names[max]));
	jset(doc, "summary", sum);
	lim = json_object();
	jset(lim, "dos_long_seconds", json_integer(FND_DOS_LONG_SECONDS));
	jset(lim, "dos_high_rate_hz", json_integer(FND_DOS_HIGH_RATE));
	jset(lim, "burst_count", json_integer(FND_BURST_COUNT));
	jset(lim, "burst_window_seconds",
	     json_integer((json_int_t)(FND_BURST_WINDOW_NS / 1000000000ull)));
	jset(doc, "thresholds", lim);
	lim = json_object();
	jset(lim, "servers", jint(f->servers_omitted));
	jset(lim, "processes", jint(f->procs_omitted));
	jset(lim, "containers", jint(f->ctrs_omitted));
	jset(lim, "local_addresses", jint(f->local_omitted));
	jset(lim, "credentials", jint(f->creds_omitted));
	jset(doc, "omitted", lim);
	jset(doc, "findings", arr);
	f->result = doc;
	return json_incref(doc);
}

int findings_write_json(struct findings *f, FILE *out)
{
	json_t *doc = findings_result(f);
	int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);

	json_decref(doc);
	if (rc != 0 || fputc('\n', out) == EOF)
		return -1;
	return 0;
}

enum fnd_severity findings_max_severity(struct findings *f)
{
	json_t *doc = findings_result(f);
	const char *m =
	    json_string_value(json_object_get(json_object_get(doc, "summary"), "max_severity"));
	int s = findings_severity_parse(m);

	json_decref(doc);
	return s < 0 ? FND_SEV_NONE : (enum fnd_severity)s;
}

static size_t findings_count(struct findings *f, enum fnd_severity sev)
{
	json_t *doc = findings_result(f);
	size_t n = 0, i;
	json_t *v;

	json_array_foreach(json_object_get(doc, "findings"), i, v) n +=
	    findings_severity_parse(json_string_value(json_object_get(v, "severity"))) == (int)sev;
	json_decref(doc);
	return n;
}

int findings_fail_on(struct findings *f, enum fnd_severity threshold)
{
	return threshold > FND_SEV_NONE && findings_max_severity(f) >= threshold;
}

#define FND_SUMMARY_LINES 20u

void findings_print_summary(struct findings *f, FILE *out)
{
	json_t *doc = findings_result(f), *arr = json_object_get(doc, "findings"), *v;
	size_t i, n = json_array_size(arr);

	fprintf(out, "findings: %zu high, %zu medium, %zu info\n", findings_count(f, FND_SEV_HIGH),
		findings_count(f, FND_SEV_MEDIUM), findings_count(f, FND_SEV_INFO));
	json_array_foreach(arr, i, v)
	{
		if (i >= FND_SUMMARY_LINES) {
			fprintf(out, "  ... and %zu more (see findings.json)\n", n - i);
			break;
		}
		fprintf(out, "  %-6s %s %s\n", json_string_value(json_object_get(v, "severity")),
			json_string_value(json_object_get(v, "id")),
			json_string_value(json_object_get(v, "title")));
		if (!strcmp(json_string_value(json_object_get(v, "kind")), "debug_endpoint"))
			fprintf(out, "         %s\n",
				json_string_value(json_object_get(v, "reason")));
	}
	json_decref(doc);
}
