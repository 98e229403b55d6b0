/* findings/debug.c - what an HTTP exchange tells about exposed Go debug
 * endpoints (net/http/pprof, expvar, x/net/trace): which endpoint it was
 * (by path, or by content under a custom prefix), who asked, what the
 * answer leaked (stacks, profiles, symbols, command line), whether it was a
 * denial-of-service vector, flight-recording sessions, and the ".../cmdline"
 * answers held until findings_result() knows their prefix. The finding
 * itself is written by debug_report.c. */
#include "findings/internal.h"

#include <stdlib.h>
#include <string.h>

#include "record.h"

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
int fnd_audit_cmp_importance(const struct audit *a, const struct audit *b)
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
		    fnd_grow(s->audit, &s->cap_audit, s->naudit, FND_MAX_AUDIT, sizeof(*s->audit));
		s->audit[s->naudit++] = *a;
		f->audit_total++;
		return;
	}
	s->audit_omitted++;
	if (s->naudit == 0)
		return;
	/* keep the most important: replace the least important if a beats it */
	if (fnd_audit_cmp_importance(a, &s->audit[s->audit_worst]) < 0)
		s->audit[s->audit_worst] = *a;
	s->audit_worst = 0;
	for (size_t i = 1; i < s->naudit; i++)
		if (fnd_audit_cmp_importance(&s->audit[i], &s->audit[s->audit_worst]) > 0)
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
	s->eps = fnd_grow(s->eps, &s->cap_eps, s->neps, FND_MAX_ENDPOINTS, sizeof(*s->eps));
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
		    fnd_grow(s->peers, &s->cap_peers, s->npeers, FND_MAX_PEERS, sizeof(*s->peers));
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

void fnd_names_merge(struct godebug_names *dst, const struct godebug_names *src, unsigned from,
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
	fnd_names_merge(&l->app_funcs, &r->funcs, 0, r->funcs_app);
	fnd_names_merge(&l->std_funcs, &r->funcs, r->funcs_app, r->funcs.n);
	fnd_names_merge(&l->app_files, &r->files, 0, r->files_app);
	fnd_names_merge(&l->std_files, &r->files, r->files_app, r->files.n);
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
		fnd_names_merge(&l->types, &r->types, 0, r->types.n);
		break;
	case GODEBUG_C_EXEC_TRACE:
		l->traces++;
		l->trace_bytes += bytes;
		if (!l->go_version[0])
			str_copy(l->go_version, sizeof(l->go_version), r->go_version);
		break;
	case GODEBUG_C_EXPVAR:
		l->expvar++;
		fnd_names_merge(&l->expvar_keys, &r->keys, 0, r->keys.n);
		break;
	case GODEBUG_C_SYMBOL:
		break;
	case GODEBUG_C_PPROF_INDEX:
		l->index_pages++;
		for (unsigned i = 0; i < r->keys.n; i++) {
			unsigned before = l->index_names.n;
			fnd_names_merge(&l->index_names, &r->keys, i, i + 1);
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
	fnd_redact_cb(ctx, arg, len);
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
		godebug_cmdline_args(x->resp_body, x->resp_body_len, fnd_redact_cb, &rc);
	} else if (r->kind == GODEBUG_C_EXPVAR && r->cmdline_json) {
		rc.out->source = "expvar";
		godebug_json_string_array(r->cmdline_json, r->cmdline_json_len, json_cmd_cb, &rc);
	}
	if (rc.out->total == 0) {
		fnd_cmdargs_free(f, rc.out);
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

static int flight_recording(struct server *s, const struct fnd_exchange *x,
			    enum godebug_endpoint ep, const char *client_ip)
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
	param_text(x->target, x->target_len, ep == GODEBUG_EP_TRACE ? "cpuprofilingrate" : "rate",
		   rate, sizeof(rate), &present);
	if (present &&
	    (ep == GODEBUG_EP_CPU || ep == GODEBUG_EP_PROFILE || ep == GODEBUG_EP_TRACE)) {
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
void fnd_debug_scan(struct findings *f, struct server *s, const struct fnd_exchange *x,
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
		ep_path =
		    x->target ? godebug_match_path(x->target, x->target_len, &dp) : GODEBUG_EP_NONE;
	/* r (several KiB) is zero whenever kind is NONE. godebug_detect()
	 * clears it itself; most bodies are no debug page, and for them
	 * godebug_may_match() answers without it (r is cleared only when a
	 * body before filled it) */
	if (godebug_may_match(x->resp_body, x->resp_body_len)) {
		kind = godebug_detect(x->resp_body, x->resp_body_len,
				      x->resp_cut || x->resp_body_total > x->resp_body_len, r);
		f->dr_dirty = kind != GODEBUG_C_NONE;
	} else if (f->dr_dirty) {
		memset(r, 0, sizeof(*r));
		f->dr_dirty = false;
	}
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
		served = specific || (signals & GODEBUG_SIG_DISPOSITION) ||
			 (ep_path != GODEBUG_EP_NONE &&
			  (x->resp_body_len == 0 || no_signature(ep_path))) ||
			 (!strong && seed);
	else
		served = 0;
	fnd_ip_norm(client_ip, x->client_ip);
	loopback = fnd_text_loopback(client_ip);

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
void fnd_promote_held(struct findings *f)
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
			fnd_debug_scan(f, s, &h->x, GODEBUG_EP_CMDLINE);
			f->seq = seq;
			free(h->target);
			free(h->body);
		} else {
			f->held[keep++] = *h;
		}
	}
	f->nheld = keep;
}
