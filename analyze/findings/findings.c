/* findings.c - the findings set and findings.json. See findings.h for the
 * contract and README.md ("findings") for the JSON; internal.h says which
 * file holds which detector.
 *
 * Here: the shared JSON and address helpers, the set (servers, processes,
 * containers, local addresses, peer classes), the exchange input that
 * hands each exchange to the detectors, and the document: every detector's
 * findings, ordered, numbered and summed up. */
#include "findings/internal.h"

#include <stdlib.h>
#include <string.h>

#include "record.h"

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

json_t *fnd_jstr(const char *s)
{
	return s ? jstrn(s, strlen(s)) : json_null();
}

json_t *fnd_jint(uint64_t v)
{
	return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

void fnd_jset(json_t *o, const char *k, json_t *v)
{
	if (!v)
		xoom();
	json_object_set_new_nocheck(o, k, v);
}

json_t *fnd_jtime(uint64_t ns)
{
	char t[AN_TIME_LEN];

	if (ns == 0)
		return json_null();
	fmt_time(t, ns > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)ns);
	return json_string(t);
}

/* ---------- addresses ---------- */

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
void fnd_ip_norm(char out[IP_LEN], const char *s)
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

int fnd_text_loopback(const char *s)
{
	struct ip ip = ip_parse(s);
	return ip.family && ip_is_loopback(ip.family, ip.a);
}

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
		fnd_cmdargs_free(f, s->cmd);
		free(s->longs);
		free(s->times);
		free(s->fr);
	}
	for (size_t i = 0; i < f->nprocs; i++) {
		free(f->procs[i].env_keys);
		fnd_cmdargs_free(f, f->procs[i].secret_args);
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
void *fnd_grow(void *p, size_t *cap, size_t n, size_t max, size_t size)
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

void fnd_cmdargs_free(struct findings *f, struct cmdargs *c)
{
	if (!c)
		return;
	f->arg_bytes -= c->len;
	free(c->buf);
	free(c);
}

void fnd_invalidate(struct findings *f)
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
	fnd_ip_norm(ip, ip_raw);
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
		f->servers = fnd_grow(f->servers, &f->cap_servers, f->nservers, FND_MAX_SERVERS,
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
	fnd_ip_norm(ip, ip_raw);
	for (unsigned i = 0; i < s->nlisten; i++)
		if (!strcmp(s->listen[i].ip, ip))
			return;
	if (!fnd_text_loopback(ip))
		s->nonloop_listen = 1;
	if (s->nlisten >= FND_MAX_LISTEN) {
		s->listen_more = 1;
		return;
	}
	str_copy(s->listen[s->nlisten].ip, IP_LEN, ip);
	s->listen[s->nlisten].loopback = (uint8_t)fnd_text_loopback(ip);
	s->nlisten++;
}

void findings_add_listen(struct findings *f, const char *host, uint32_t pid, const char *comm,
			 const char *ip, uint16_t port)
{
	struct server *s;

	fnd_invalidate(f);
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

struct proc *fnd_proc_find(struct findings *f, const char *host, uint32_t pid, int create)
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
	f->procs = fnd_grow(f->procs, &f->cap_procs, f->nprocs, FND_MAX_PROCS, sizeof(*f->procs));
	p = &f->procs[f->nprocs];
	*slot = (uint32_t)++f->nprocs;
	str_copy(p->host, sizeof(p->host), hostb);
	p->pid = pid;
	return p;
}

void fnd_redact_cb(void *vctx, const char *arg, size_t len)
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

void findings_add_container(struct findings *f, const struct fnd_container *in)
{
	struct container *c = NULL;
	size_t i = 0;

	fnd_invalidate(f);
	for (size_t j = 0; j < f->nctrs; j++)
		if (streq(f->ctrs[j].id, in->id ? in->id : ""))
			c = &f->ctrs[j];
	if (!c) {
		if (f->nctrs >= FND_MAX_CONTAINERS) {
			f->ctrs_omitted++;
			return;
		}
		f->ctrs =
		    fnd_grow(f->ctrs, &f->cap_ctrs, f->nctrs, FND_MAX_CONTAINERS, sizeof(*f->ctrs));
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
		fnd_ip_norm(ip, raw);
		for (unsigned k = 0; k < c->naddrs; k++)
			dup |= !strcmp(c->addrs[k], ip);
		if (!dup && c->naddrs < FND_MAX_CONTAINER_ADDRS)
			str_copy(c->addrs[c->naddrs++], IP_LEN, ip);
	}
}

void findings_add_local_addr(struct findings *f, const char *ip_raw)
{
	char ip[IP_LEN];

	fnd_invalidate(f);
	if (!ip_raw || !*ip_raw)
		return;
	fnd_ip_norm(ip, ip_raw);
	for (size_t i = 0; i < f->nlocal; i++)
		if (!strcmp(f->local[i], ip))
			return;
	if (f->nlocal >= FND_MAX_LOCAL_ADDRS) {
		f->local_omitted++;
		return;
	}
	f->local =
	    fnd_grow(f->local, &f->cap_local, f->nlocal, FND_MAX_LOCAL_ADDRS, sizeof(*f->local));
	str_copy(f->local[f->nlocal++], IP_LEN, ip);
}

/* ---------- peer classes ---------- */

const char *fnd_pclass_name(enum pclass c)
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

enum pclass fnd_classify(const struct findings *f, const char *ip)
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

void findings_add_exchange(struct findings *f, const struct fnd_exchange *x)
{
	struct server *s;

	fnd_invalidate(f);
	f->seq++;
	/* an observed process's own address is on this host (or in one of its
	 * containers: fnd_classify() looks at containers first) */
	if (x->server_pid && x->server_ip)
		findings_add_local_addr(f, x->server_ip);
	if (x->client_pid && x->client_ip)
		findings_add_local_addr(f, x->client_ip);
	fnd_creds_scan(f, x);
	s = server_get(f, x->host, x->server_pid, x->server_ip, x->server_port, x->server_comm);
	if (!s)
		return;
	listen_add(s, x->server_ip);
	fnd_debug_scan(f, s, x, GODEBUG_EP_NONE);
}

/* a pprof content kind: what only a pprof mount serves */

/* ---------- output ---------- */

const char *const fnd_sev_names[] = {"none", "info", "medium", "high"};

int findings_severity_parse(const char *s)
{
	if (!s)
		return -1;
	for (int i = FND_SEV_INFO; i <= FND_SEV_HIGH; i++)
		if (ieq((const uint8_t *)s, strlen(s), fnd_sev_names[i]))
			return i;
	return -1;
}

json_t *fnd_jremedy(const char *const *list, const char *extra1, const char *extra2)
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

void fnd_service_of(const struct findings *f, const char *host, uint32_t pid, const char *comm,
		    const char *ip, struct svc *out)
{
	const struct proc *p = NULL;

	memset(out, 0, sizeof(*out));
	if (pid) {
		struct findings *mf = (struct findings *)f;
		p = fnd_proc_find(mf, host, pid, 0);
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
			 : out->comm[0]	   ? out->comm
					   : "unknown");
}

json_t *fnd_jservice(const struct svc *sv, const char *host, uint32_t pid)
{
	json_t *o = json_object();

	fnd_jset(o, "name", fnd_jstr(sv->name));
	fnd_jset(o, "host", host && *host ? fnd_jstr(host) : json_null());
	fnd_jset(o, "pid", pid ? fnd_jint(pid) : json_null());
	fnd_jset(o, "comm", sv->comm[0] ? fnd_jstr(sv->comm) : json_null());
	fnd_jset(o, "container", sv->container[0] ? fnd_jstr(sv->container) : json_null());
	fnd_jset(o, "cmdline", sv->cmdline ? fnd_jstr(sv->cmdline) : json_null());
	fnd_jset(o, "observed", json_boolean(pid != 0));
	return o;
}

/* a finding before ids: kept with its sort key */

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

struct item *fnd_items_push(struct items *it)
{
	if (it->n == it->cap) {
		it->cap = it->cap ? it->cap * 2 : 16;
		it->v = xrealloc(it->v, it->cap * sizeof(*it->v));
	}
	memset(&it->v[it->n], 0, sizeof(it->v[0]));
	return &it->v[it->n++];
}

json_t *fnd_jpeer_ref(const struct findings *f, const char *ip)
{
	json_t *o = json_object();
	enum pclass c = fnd_classify(f, ip);
	const struct container *ct = c == PC_CONTAINER ? container_of(f, ip) : NULL;

	fnd_jset(o, "ip", fnd_jstr(ip));
	fnd_jset(o, "class", json_string(fnd_pclass_name(c)));
	if (ct)
		fnd_jset(o, "container", fnd_jstr(ct->name));
	return o;
}

json_t *findings_result(struct findings *f)
{
	struct items items = {0};
	json_t *doc, *arr, *sum, *lim;
	size_t counts[4] = {0};
	int max = FND_SEV_NONE;

	if (f->result)
		return json_incref(f->result);
	fnd_promote_held(f);
	for (size_t i = 0; i < f->nservers; i++)
		if (f->servers[i].requests)
			fnd_debug_finding(f, &f->servers[i], &items);
	for (size_t i = 0; i < f->ncreds; i++)
		fnd_cred_finding(f, &f->creds[i], &items);
	for (size_t i = 0; i < f->nprocs; i++)
		fnd_proc_findings(f, &f->procs[i], &items);
	fnd_group_processes(&items);
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
	fnd_jset(doc, "schema", json_string("sockrec.findings/1"));
	sum = json_object();
	fnd_jset(sum, "high", fnd_jint(counts[FND_SEV_HIGH]));
	fnd_jset(sum, "medium", fnd_jint(counts[FND_SEV_MEDIUM]));
	fnd_jset(sum, "info", fnd_jint(counts[FND_SEV_INFO]));
	fnd_jset(sum, "total", fnd_jint(counts[1] + counts[2] + counts[3]));
	fnd_jset(sum, "max_severity", json_string(fnd_sev_names[max]));
	fnd_jset(doc, "summary", sum);
	lim = json_object();
	fnd_jset(lim, "dos_long_seconds", json_integer(FND_DOS_LONG_SECONDS));
	fnd_jset(lim, "dos_high_rate_hz", json_integer(FND_DOS_HIGH_RATE));
	fnd_jset(lim, "burst_count", json_integer(FND_BURST_COUNT));
	fnd_jset(lim, "burst_window_seconds",
		 json_integer((json_int_t)(FND_BURST_WINDOW_NS / 1000000000ull)));
	fnd_jset(doc, "thresholds", lim);
	lim = json_object();
	fnd_jset(lim, "servers", fnd_jint(f->servers_omitted));
	fnd_jset(lim, "processes", fnd_jint(f->procs_omitted));
	fnd_jset(lim, "containers", fnd_jint(f->ctrs_omitted));
	fnd_jset(lim, "local_addresses", fnd_jint(f->local_omitted));
	fnd_jset(lim, "credentials", fnd_jint(f->creds_omitted));
	fnd_jset(doc, "omitted", lim);
	fnd_jset(doc, "findings", arr);
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
