/* findings/debug_report.c - the debug_endpoint finding of one server, one
 * question per function: severity and reason, title, listen addresses,
 * endpoints, peers, the access log, what leaked, denial of service and
 * flight recordings. What it reports was gathered by debug.c. */
#include "findings/internal.h"

#include <stdlib.h>
#include <string.h>

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

static json_t *jnames(const struct godebug_names *l)
{
	json_t *a = json_array();
	for (unsigned i = 0; i < l->n; i++)
		json_array_append_new(a, fnd_jstr(l->s[i]));
	return a;
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

int fnd_cmp_str(const void *a, const void *b)
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
		if (fnd_audit_cmp_importance(&s->audit[i], &s->audit[s->audit_worst]) > 0)
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
		c = fnd_classify(f, s->peers[i].ip);
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
		fnd_jset(l, "ip", fnd_jstr(s->listen[i].ip));
		fnd_jset(l, "port", fnd_jint(s->port));
		fnd_jset(l, "loopback", json_boolean(s->listen[i].loopback));
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
		fnd_jset(r, "endpoint", fnd_jstr(e->endpoint));
		fnd_jset(r, "path", fnd_jstr(e->path));
		fnd_jset(r, "requests", fnd_jint(e->requests));
		fnd_jset(r, "served", fnd_jint(e->served));
		fnd_jset(r, "served_non_loopback", fnd_jint(e->served_nonloop));
		fnd_jset(r, "bytes", fnd_jint(e->bytes));
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
		fnd_jset(r, "detected_by", by);
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
		json_t *r = fnd_jpeer_ref(f, p->ip);
		fnd_jset(r, "requests", fnd_jint(p->requests));
		fnd_jset(r, "served", fnd_jint(p->served));
		fnd_jset(r, "first_seen", fnd_jtime(p->first));
		fnd_jset(r, "last_seen", fnd_jtime(p->last));
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
static json_t *debug_access(const struct findings *f, const struct server *s, const unsigned *order)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < s->naudit; i++) {
		const struct audit *e = &s->audit[i];
		json_t *r = json_object(), *peer = fnd_jpeer_ref(f, e->ip), *params = json_object();
		fnd_jset(r, "time", fnd_jtime(e->ts));
		fnd_jset(peer, "port", e->port ? fnd_jint(e->port) : json_null());
		fnd_jset(peer, "pid", e->pid ? fnd_jint(e->pid) : json_null());
		fnd_jset(peer, "comm", e->comm[0] ? fnd_jstr(e->comm) : json_null());
		fnd_jset(r, "peer", peer);
		fnd_jset(r, "method", fnd_jstr(e->method));
		fnd_jset(r, "endpoint", fnd_jstr(e->endpoint));
		fnd_jset(r, "path", fnd_jstr(e->path));
		for (unsigned k = 0; k < e->nparams; k++) {
			json_t *key = fnd_jstr(e->params[k].k);
			const char *ks = json_string_value(key);
			if (!json_object_get(params, ks))
				json_object_set_new(params, ks, fnd_jstr(e->params[k].v));
			json_decref(key);
		}
		fnd_jset(r, "params", params);
		fnd_jset(r, "status", e->status ? json_integer(e->status) : json_null());
		fnd_jset(r, "bytes", fnd_jint(e->bytes));
		fnd_jset(r, "truncated", json_boolean(e->cut));
		fnd_jset(r, "served", json_boolean(e->served));
		fnd_jset(r, "content",
			 e->content ? json_string(godebug_content_name(e->content)) : json_null());
		fnd_jset(r, "duration_ms",
			 e->duration_ms ? json_integer(e->duration_ms) : json_null());
		if (e->addresses)
			fnd_jset(r, "addresses", fnd_jint(e->addresses));
		if (e->fr >= 0 && order) {
			char ref[16] = "";
			fr_ref(s, order, e->fr, ref, sizeof(ref));
			fnd_jset(r, "session", json_string(ref));
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
	fnd_names_merge(&fn, &l->app_funcs, 0, l->app_funcs.n);
	fnd_names_merge(&fn, &l->std_funcs, 0, l->std_funcs.n);
	fnd_names_merge(&fl, &l->app_files, 0, l->app_files.n);
	fnd_names_merge(&fl, &l->std_files, 0, l->std_files.n);
	if (l->dumps) {
		json_t *g = json_object();
		fnd_jset(g, "dumps", fnd_jint(l->dumps));
		fnd_jset(g, "max_stacks", fnd_jint(l->max_stacks));
		fnd_jset(lk, "goroutines", g);
	}
	if (fn.n) {
		fnd_jset(lk, "functions", jnames(&fn));
		fnd_jset(lk, "functions_omitted", json_boolean(fn.more));
	}
	if (fl.n) {
		fnd_jset(lk, "files", jnames(&fl));
		fnd_jset(lk, "files_omitted", json_boolean(fl.more));
	}
	if (l->profiles) {
		json_t *p = json_object();
		fnd_jset(p, "count", fnd_jint(l->profiles));
		fnd_jset(p, "bytes", fnd_jint(l->profile_bytes));
		fnd_jset(p, "sample_types", jnames(&l->types));
		fnd_jset(lk, "profiles", p);
	}
	if (l->traces) {
		json_t *p = json_object();
		fnd_jset(p, "count", fnd_jint(l->traces));
		fnd_jset(p, "bytes", fnd_jint(l->trace_bytes));
		fnd_jset(p, "go_version", l->go_version[0] ? fnd_jstr(l->go_version) : json_null());
		fnd_jset(lk, "traces", p);
	}
	if (l->expvar) {
		json_t *p = json_object();
		fnd_jset(p, "count", fnd_jint(l->expvar));
		fnd_jset(p, "keys", jnames(&l->expvar_keys));
		fnd_jset(lk, "expvar", p);
	}
	if (l->symbol_requests) {
		json_t *p = json_object();
		fnd_jset(p, "requests", fnd_jint(l->symbol_requests));
		fnd_jset(p, "addresses", fnd_jint(l->symbol_addresses));
		fnd_jset(lk, "symbol", p);
	}
	if (l->index_pages) {
		json_t *p = json_object(), *ar = json_array();
		for (unsigned i = 0; i < l->index_names.n; i++) {
			json_t *e = json_object();
			fnd_jset(e, "name", fnd_jstr(l->index_names.s[i]));
			fnd_jset(e, "count", fnd_jint(l->index_counts[i]));
			json_array_append_new(ar, e);
		}
		fnd_jset(p, "pages", fnd_jint(l->index_pages));
		fnd_jset(p, "profiles", ar);
		fnd_jset(lk, "index", p);
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
		while ((arg = fnd_cmdargs_next(s->cmd, &off)))
			json_array_append_new(ar, fnd_jstr(arg));
		fnd_jset(c, "source", json_string(s->cmd->source));
		fnd_jset(c, "args", ar);
		fnd_jset(c, "args_total", fnd_jint(s->cmd->total));
		fnd_jset(c, "redacted", fnd_jint(s->cmd->redacted));
		fnd_jset(c, "args_omitted", json_boolean(s->cmd->omitted));
		fnd_jset(lk, "cmdline", c);
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
		fnd_jset(e, "time", fnd_jtime(s->longs[i].ts));
		fnd_jset(e, "peer", fnd_jpeer_ref(f, s->longs[i].ip));
		fnd_jset(e, "endpoint", fnd_jstr(s->longs[i].endpoint));
		fnd_jset(e, "duration_ms", json_integer(s->longs[i].duration_ms));
		fnd_jset(e, "rate_hz",
			 s->longs[i].rate_hz ? json_integer(s->longs[i].rate_hz) : json_null());
		json_array_append_new(ar, e);
	}
	fnd_jset(d, "long_requests", ar);
	fnd_jset(d, "long_requests_total", fnd_jint(s->long_total));
	fnd_jset(b, "count", fnd_jint(bursts));
	fnd_jset(b, "max_in_window", fnd_jint(maxw));
	fnd_jset(b, "first_start", fnd_jtime(first_burst));
	fnd_jset(b, "profiling_requests", fnd_jint(s->ntimes + s->times_omitted));
	fnd_jset(d, "bursts", b);
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
		fnd_jset(e, "session", json_string(ref));
		fnd_jset(e, "started", fr->started ? fnd_jtime(fr->start_ts) : json_null());
		fnd_jset(e, "started_by",
			 fr->started ? fnd_jpeer_ref(f, fr->start_ip) : json_null());
		fnd_jset(e, "token_seen", json_boolean(fr->has_token));
		fnd_jset(e, "minageseconds", fr->minage[0] ? fnd_jstr(fr->minage) : json_null());
		fnd_jset(e, "maxbytes", fr->maxbytes[0] ? fnd_jstr(fr->maxbytes) : json_null());
		fnd_jset(e, "captures", fnd_jint(fr->captures));
		fnd_jset(e, "capture_bytes", fnd_jint(fr->capture_bytes));
		fnd_jset(e, "stopped", fr->stopped ? fnd_jtime(fr->stop_ts) : json_null());
		json_array_append_new(a, e);
	}
	return a;
}

/* the debug_endpoint finding of one server (README "findings") */
void fnd_debug_finding(const struct findings *f, struct server *s, struct items *items)
{
	struct item *it;
	json_t *o;
	struct svc sv;
	int sev, has_dos;
	char title[512], reason[512];
	unsigned *order;

	fnd_service_of(f, s->host, s->pid, s->comm, s->ip, &sv);
	debug_sort(s);
	sev = debug_severity(f, s, reason, sizeof(reason));
	debug_title(s, &sv, sev, title, sizeof(title));
	order = debug_fr_order(s);

	o = json_object();
	fnd_jset(o, "id", json_string(""));
	fnd_jset(o, "kind", json_string("debug_endpoint"));
	fnd_jset(o, "severity", json_string(fnd_sev_names[sev]));
	fnd_jset(o, "confidence",
		 json_string(s->confirmed ? "confirmed"
			     : s->strong  ? "path"
					  : "weak"));
	fnd_jset(o, "title", fnd_jstr(title));
	fnd_jset(o, "reason", fnd_jstr(reason));
	fnd_jset(o, "service", fnd_jservice(&sv, s->host, s->pid));
	fnd_jset(o, "listen", debug_listen(s));
	fnd_jset(o, "listen_omitted", json_boolean(s->listen_more));
	fnd_jset(o, "first_seen", fnd_jtime(s->first));
	fnd_jset(o, "last_seen", fnd_jtime(s->last));
	fnd_jset(o, "requests", fnd_jint(s->requests));
	fnd_jset(o, "served", fnd_jint(s->served));
	fnd_jset(o, "served_non_loopback", fnd_jint(s->served_nonloop));
	fnd_jset(o, "endpoints", debug_endpoints(s));
	fnd_jset(o, "endpoints_omitted", fnd_jint(s->eps_omitted));
	fnd_jset(o, "peers", debug_peers(f, s));
	fnd_jset(o, "peers_omitted", fnd_jint(s->peers_omitted));
	fnd_jset(o, "access", debug_access(f, s, order));
	fnd_jset(o, "access_omitted", fnd_jint(s->audit_omitted));
	fnd_jset(o, "leaked", debug_leaked(s));
	fnd_jset(o, "dos", debug_dos(f, s, &has_dos));
	fnd_jset(o, "flight_recordings", debug_flight_recordings(f, s, order));
	fnd_jset(o, "flight_recordings_omitted", fnd_jint(s->fr_omitted));
	free(order);
	fnd_jset(o, "remediation", fnd_jremedy(remedy_debug, has_dos ? remedy_dos : NULL, NULL));

	it = fnd_items_push(items);
	it->sev = sev;
	it->kind_rank = 0;
	str_copy(it->sort_name, sizeof(it->sort_name), sv.name);
	str_copy(it->host, sizeof(it->host), s->host);
	it->pid = s->pid;
	it->port = s->port;
	str_copy(it->ip, sizeof(it->ip), s->ip);
	it->obj = o;
}
