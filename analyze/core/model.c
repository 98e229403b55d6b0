/* model.c - processes, containers and listeners, sorted for lookups. */
#include <stdlib.h>
#include <string.h>

#include "core/cmdline.h"
#include "core/model.h"
#include "base/htab.h"
#include "base/util.h"

#define COMPOSE_SERVICE_LABEL "com.docker.compose.service="

struct listener {
	uint32_t scope; /* host for loopback addresses, UINT32_MAX otherwise */
	struct an_ip ip;
	uint16_t port;
	uint32_t pid;
	uint64_t order; /* first seen */
};

struct ipent {
	struct an_ip ip;
	const struct an_container *ctr;
};

/* a fork or exec proc_event */
struct pevent {
	uint32_t host, pid, ppid;
	uint32_t kind;	 /* SR_PROC_FORK or SR_PROC_EXEC */
	uint32_t target; /* nonzero: the process is a target */
	int64_t wall_ns;
	uint64_t order; /* added (ties) */
};

struct model {
	bool keep_environ;
	bool redact_cmdline;
	struct an_host *hosts;
	size_t nhosts;
	struct an_process **procs;
	size_t nprocs, procs_cap;
	struct an_container **ctrs;
	size_t nctrs, ctrs_cap;
	struct listener *lis;
	size_t nlis, lis_cap;
	uint64_t lis_order;
	struct strmap lis_seen; /* (scope, ip, port) already listed */
	struct ipent *ips;
	size_t nips;
	struct pevent *pev;
	size_t npev, pev_cap;
};

struct model *model_create(bool keep_environ, bool redact_cmdline)
{
	struct model *m = xcalloc(1, sizeof(*m));
	m->keep_environ = keep_environ;
	m->redact_cmdline = redact_cmdline;
	return m;
}

static void proc_free(struct an_process *p)
{
	free(p->comm);
	free(p->exe);
	free(p->cmdline);
	free(p->cmdline_text);
	free(p->environ);
	free(p->container_id);
	free(p->profile);
	free(p->profile_name);
	free(p->error);
	free(p->service_own);
	free(p);
}

static void ctr_free(struct an_container *c)
{
	free(c->id);
	free(c->runtime);
	free(c->name);
	free(c->image);
	free(c->service);
	free(c->error);
	free(c->addrs);
	free(c->display_own);
	free(c);
}

void model_free(struct model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nhosts; i++)
		free(m->hosts[i].hostname);
	free(m->hosts);
	for (size_t i = 0; i < m->nprocs; i++)
		proc_free(m->procs[i]);
	free(m->procs);
	for (size_t i = 0; i < m->nctrs; i++)
		ctr_free(m->ctrs[i]);
	free(m->ctrs);
	free(m->lis);
	strmap_free(&m->lis_seen, NULL);
	free(m->ips);
	free(m->pev);
	free(m);
}

uint32_t model_host(struct model *m, const uint8_t *name, size_t len)
{
	for (size_t i = 0; i < m->nhosts; i++)
		if (strlen(m->hosts[i].hostname) == len &&
		    (!len || !memcmp(m->hosts[i].hostname, name, len)))
			return (uint32_t)i;
	m->hosts = xrealloc(m->hosts, size_mul(m->nhosts + 1, sizeof(*m->hosts)));
	m->hosts[m->nhosts].hostname = xstrndup(name, len);
	return (uint32_t)m->nhosts++;
}

const char *model_host_name(const struct model *m, uint32_t host)
{
	return host < m->nhosts ? m->hosts[host].hostname : "";
}

static uint8_t *bytes_dup(struct sr_bytes b, size_t *len)
{
	*len = b.len;
	return (uint8_t *)xstrndup(b.len ? b.ptr : (const uint8_t *)"", b.len);
}

void model_add_process(struct model *m, uint32_t host, uint32_t archive, uint64_t index,
		       int64_t wall_ns, const struct sr_process *p)
{
	struct an_process *x = xcalloc(1, sizeof(*x));

	x->host = host;
	x->archive = archive;
	x->index = index;
	x->wall_ns = wall_ns;
	x->pid = p->pid;
	x->ppid = p->ppid;
	x->uid = p->uid;
	x->flags = p->flags;
	x->start_ticks = p->start_ticks;
	x->comm = xtextdup(p->comm.ptr, p->comm.len);
	x->exe = xtextdup(p->exe.ptr, p->exe.len);
	x->cmdline = bytes_dup(p->cmdline, &x->cmdline_len);
	x->cmdline_text =
	    cmdline_text(x->cmdline, x->cmdline_len, m->redact_cmdline, &x->cmdline_text_len, NULL);
	if (m->keep_environ)
		x->environ = bytes_dup(p->environ, &x->environ_len);
	x->environ_source = p->environ_source;
	if (p->container_id.len)
		x->container_id = xtextdup(p->container_id.ptr, p->container_id.len);
	if (x->container_id && !x->container_id[0]) {
		free(x->container_id);
		x->container_id = NULL;
	}
	if (p->flags & SR_PROC_HAS_PROFILE)
		x->profile = bytes_dup(p->adi_profile, &x->profile_len);
	if (p->flags & SR_PROC_HAS_NAME)
		x->profile_name = bytes_dup(p->adi_profile_name, &x->profile_name_len);
	if (p->error.len)
		x->error = bytes_dup(p->error, &x->error_len);
	x->cgroup_known = p->cgroup.len > 0;
	if (m->nprocs == m->procs_cap) {
		m->procs_cap = m->procs_cap ? m->procs_cap * 2 : 64;
		m->procs = xrealloc(m->procs, size_mul(m->procs_cap, sizeof(*m->procs)));
	}
	m->procs[m->nprocs++] = x;
}

static void parse_addrs(struct an_container *c, struct sr_bytes b)
{
	size_t i = 0;

	while (i < b.len) {
		const uint8_t *z = memchr(b.ptr + i, 0, b.len - i);
		size_t e = z ? (size_t)(z - b.ptr) : b.len;
		struct an_ip ip;
		if (e > i && parse_ip((const char *)b.ptr + i, e - i, &ip.family, ip.addr) == 0 &&
		    !ip_is_zero(ip.addr)) {
			c->addrs = xrealloc(c->addrs, size_mul(c->naddrs + 1, sizeof(*c->addrs)));
			c->addrs[c->naddrs++] = ip;
		}
		i = e + 1;
	}
}

static char *label(struct sr_bytes b, const char *key)
{
	size_t kl = strlen(key), i = 0;

	while (i < b.len) {
		const uint8_t *z = memchr(b.ptr + i, 0, b.len - i);
		size_t e = z ? (size_t)(z - b.ptr) : b.len;
		if (e - i > kl && !memcmp(b.ptr + i, key, kl))
			return xstrndup(b.ptr + i + kl, e - i - kl);
		i = e + 1;
	}
	return NULL;
}

void model_add_container(struct model *m, uint32_t host, int64_t wall_ns,
			 const struct sr_container *c)
{
	struct an_container *x = xcalloc(1, sizeof(*x));

	x->host = host;
	x->wall_ns = wall_ns;
	x->id = xtextdup(c->id.ptr, c->id.len);
	x->runtime = xtextdup(c->runtime.ptr, c->runtime.len);
	x->name = xtextdup(c->name.ptr, c->name.len);
	if (x->name[0] == '/')
		memmove(x->name, x->name + 1, strlen(x->name));
	x->image = xtextdup(c->image.ptr, c->image.len);
	x->service = label(c->labels, COMPOSE_SERVICE_LABEL);
	if (x->service && !x->service[0]) {
		free(x->service);
		x->service = NULL;
	}
	if (c->error.len)
		x->error = xtextdup(c->error.ptr, c->error.len);
	parse_addrs(x, c->addrs);
	if (m->nctrs == m->ctrs_cap) {
		m->ctrs_cap = m->ctrs_cap ? m->ctrs_cap * 2 : 16;
		m->ctrs = xrealloc(m->ctrs, size_mul(m->ctrs_cap, sizeof(*m->ctrs)));
	}
	m->ctrs[m->nctrs++] = x;
}

void model_add_proc_event(struct model *m, uint32_t host, int64_t wall_ns,
			  const struct sr_proc_event *e)
{
	struct pevent *x;

	if (e->kind != SR_PROC_FORK && e->kind != SR_PROC_EXEC)
		return;
	if (m->npev == m->pev_cap) {
		m->pev_cap = m->pev_cap ? m->pev_cap * 2 : 64;
		m->pev = xrealloc(m->pev, size_mul(m->pev_cap, sizeof(*m->pev)));
	}
	x = &m->pev[m->npev];
	x->host = host;
	x->pid = e->pid;
	x->ppid = e->ppid;
	x->kind = e->kind;
	x->target = e->target;
	x->wall_ns = wall_ns;
	x->order = m->npev++;
}

void model_add_listener(struct model *m, uint32_t host, uint8_t family, const uint8_t addr[16],
			uint16_t port, uint32_t pid)
{
	struct listener *l;

	struct {
		uint32_t scope;
		uint8_t family;
		uint8_t addr[16];
		uint16_t port;
	} key;
	void **slot;

	if (!port || !pid)
		return;
	memset(&key, 0, sizeof(key));
	key.scope = ip_is_loopback(family, addr) ? host : UINT32_MAX;
	key.family = family == 6 ? 6 : 4;
	memcpy(key.addr, addr, 16);
	key.port = port;
	slot = strmap_slot(&m->lis_seen, &key, sizeof(key));
	if (*slot)
		return; /* the first owner seen keeps it */
	*slot = (void *)1;
	if (m->nlis == m->lis_cap) {
		m->lis_cap = m->lis_cap ? m->lis_cap * 2 : 64;
		m->lis = xrealloc(m->lis, size_mul(m->lis_cap, sizeof(*m->lis)));
	}
	l = &m->lis[m->nlis++];
	memset(l, 0, sizeof(*l));
	l->scope = ip_is_loopback(family, addr) ? host : UINT32_MAX;
	l->ip.family = family == 6 ? 6 : 4;
	memcpy(l->ip.addr, addr, 16);
	l->port = port;
	l->pid = pid;
	l->order = m->lis_order++;
}

/* ---- sorting ---- */

static int cmp_ip(const struct an_ip *a, const struct an_ip *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->addr, b->addr, 16);
}

static int cmp_proc(const void *pa, const void *pb)
{
	const struct an_process *a = *(struct an_process *const *)pa;
	const struct an_process *b = *(struct an_process *const *)pb;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->wall_ns != b->wall_ns)
		return a->wall_ns < b->wall_ns ? -1 : 1;
	if (a->archive != b->archive)
		return a->archive < b->archive ? -1 : 1;
	if (a->index != b->index)
		return a->index < b->index ? -1 : 1;
	return 0;
}

/* containers by id, then the newest first; error records after good ones */
static int cmp_ctr(const void *pa, const void *pb)
{
	const struct an_container *a = *(struct an_container *const *)pa;
	const struct an_container *b = *(struct an_container *const *)pb;
	int c = strcmp(a->id, b->id);

	if (c)
		return c;
	if (!a->error != !b->error)
		return a->error ? 1 : -1;
	if (a->wall_ns != b->wall_ns)
		return a->wall_ns > b->wall_ns ? -1 : 1;
	return 0;
}

static int cmp_lis(const void *pa, const void *pb)
{
	const struct listener *a = pa, *b = pb;
	int c;

	if (a->scope != b->scope)
		return a->scope < b->scope ? -1 : 1;
	c = cmp_ip(&a->ip, &b->ip);
	if (c)
		return c;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

static int cmp_ipent(const void *pa, const void *pb)
{
	const struct ipent *a = pa, *b = pb;
	int c = cmp_ip(&a->ip, &b->ip);

	if (c)
		return c;
	return strcmp(a->ctr->id, b->ctr->id);
}

static int cmp_pevent(const void *pa, const void *pb)
{
	const struct pevent *a = pa, *b = pb;

	if (a->host != b->host)
		return a->host < b->host ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->wall_ns != b->wall_ns)
		return a->wall_ns < b->wall_ns ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

static const struct an_container *ctr_find(const struct model *m, const char *id)
{
	size_t lo = 0, hi = m->nctrs, il = strlen(id);

	if (il < 12)
		return NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(m->ctrs[mid]->id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* exact, or one id is a prefix of the other (short ids) */
	if (lo < m->nctrs && !strncmp(m->ctrs[lo]->id, id, il))
		return m->ctrs[lo];
	if (lo > 0) {
		const char *prev = m->ctrs[lo - 1]->id;
		size_t pl = strlen(prev);
		if (pl >= 12 && !strncmp(prev, id, pl))
			return m->ctrs[lo - 1];
	}
	return NULL;
}

/* ---- ancestry ---- */

/* the latest fork or exec of (host, pid) at or before wall_ns, or NULL */
static const struct pevent *pevent_at(const struct model *m, uint32_t host, uint32_t pid,
				      int64_t wall_ns)
{
	size_t lo = 0, hi = m->npev;
	const struct pevent *best = NULL;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct pevent *x = &m->pev[mid];
		if (x->host < host || (x->host == host && x->pid < pid))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < m->npev && m->pev[i].host == host && m->pev[i].pid == pid; i++) {
		if (m->pev[i].wall_ns > wall_ns)
			break;
		best = &m->pev[i];
	}
	return best;
}

/* the latest fork of (host, pid) at or before wall_ns, or NULL */
static const struct pevent *fork_at(const struct model *m, uint32_t host, uint32_t pid,
				    int64_t wall_ns)
{
	const struct pevent *x = pevent_at(m, host, pid, wall_ns);

	/* an exec keeps the pid and the parent: look further back */
	while (x && x->kind != SR_PROC_FORK) {
		if (x == m->pev || x[-1].host != host || x[-1].pid != pid)
			return NULL;
		x--;
	}
	return x;
}

/* one step up: the parent of (host, pid) as of wall_ns (its fork event,
 * else the snapshot's ppid) and the time to look at the parent (the fork,
 * else wall_ns). @return false when the archive does not say. */
static bool parent_of(const struct model *m, uint32_t host, uint32_t pid, int64_t wall_ns,
		      const struct an_process *snap, uint32_t *ppid, int64_t *at)
{
	const struct pevent *f = fork_at(m, host, pid, wall_ns);

	if (f && f->ppid && f->ppid != pid) {
		*ppid = f->ppid;
		*at = f->wall_ns;
		return true;
	}
	if (snap && snap->ppid && snap->ppid != pid) {
		*ppid = snap->ppid;
		*at = wall_ns;
		return true;
	}
	return false;
}

/* the snapshot's own container: decided (*known) when it has a container
 * id or a cgroup the capture read */
static const struct an_container *own_ctr(const struct model *m, const struct an_process *p,
					  bool *known)
{
	*known = p->container_id || p->cgroup_known;
	return p->container_id ? ctr_find(m, p->container_id) : NULL;
}

/* the container of (host, pid) as of wall_ns, starting from snapshot p (or
 * NULL when pid has none); *from gets the pid whose snapshot decided it
 * (0: none did, the archive does not say) */
static const struct an_container *ctr_walk(const struct model *m, uint32_t host, uint32_t pid,
					   int64_t wall_ns, const struct an_process *p,
					   uint32_t *from)
{
	*from = 0;
	for (unsigned depth = 0; depth <= MODEL_MAX_ANCESTRY; depth++) {
		uint32_t ppid;
		int64_t at;
		bool known = false;
		const struct an_container *c = p ? own_ctr(m, p, &known) : NULL;

		if (known) {
			*from = pid;
			return c;
		}
		if (!parent_of(m, host, pid, wall_ns, p, &ppid, &at))
			return NULL;
		pid = ppid;
		wall_ns = at;
		p = model_process_at(m, host, pid, wall_ns);
	}
	return NULL;
}

#define TARGET_FLAGS (SR_PROC_TARGET_OPTIN | SR_PROC_TARGET_PID | SR_PROC_TARGET_ALL)

/* a snapshot without ADI_PROFILE of an opt-in target by inheritance (see
 * "Ancestry" in model.h) */
static bool profile_inherited(const struct model *m, const struct an_process *p)
{
	const struct pevent *e;

	if (p->flags & SR_PROC_TARGET_OPTIN)
		return true;
	if (p->flags & TARGET_FLAGS)
		return false;
	e = pevent_at(m, p->host, p->pid, p->wall_ns);
	return e && e->kind == SR_PROC_FORK && e->target;
}

/* the nearest ancestor snapshot of p with ADI_PROFILE, through ancestors
 * that inherit it themselves; NULL if none */
static const struct an_process *profile_source(const struct model *m, const struct an_process *p)
{
	uint32_t pid = p->pid;
	int64_t wall = p->wall_ns;
	const struct an_process *cur = p;

	if (p->flags & SR_PROC_HAS_PROFILE || !profile_inherited(m, p))
		return NULL;
	for (unsigned depth = 0; depth < MODEL_MAX_ANCESTRY; depth++) {
		uint32_t ppid;
		int64_t at;

		if (!parent_of(m, p->host, pid, wall, cur, &ppid, &at))
			return NULL;
		pid = ppid;
		wall = at;
		cur = model_process_at(m, p->host, pid, wall);
		if (cur) {
			if (cur->flags & SR_PROC_HAS_PROFILE)
				return cur;
			if (!profile_inherited(m, cur))
				return NULL;
		} else {
			/* no snapshot: it passes the opt-in on only as a forked target */
			const struct pevent *e = pevent_at(m, p->host, pid, wall);
			if (!e || e->kind != SR_PROC_FORK || !e->target)
				return NULL;
		}
	}
	return NULL;
}

static uint8_t *mem_dup(const uint8_t *p, size_t n)
{
	return (uint8_t *)xstrndup(p ? p : (const uint8_t *)"", n);
}

void model_seal(struct model *m)
{
	size_t w = 0;

	sort_n(m->procs, m->nprocs, sizeof(*m->procs), cmp_proc);
	sort_n(m->ctrs, m->nctrs, sizeof(*m->ctrs), cmp_ctr);
	/* one container per id: the best (first) record */
	for (size_t i = 0; i < m->nctrs; i++) {
		if (w && !strcmp(m->ctrs[w - 1]->id, m->ctrs[i]->id)) {
			ctr_free(m->ctrs[i]);
			continue;
		}
		m->ctrs[w++] = m->ctrs[i];
	}
	m->nctrs = w;
	for (size_t i = 0; i < m->nctrs; i++) {
		struct an_container *c = m->ctrs[i];
		if (c->service)
			c->display = c->service;
		else if (c->name[0])
			c->display = c->name;
		else
			c->display = c->display_own = xstrndup(c->id, strnlen(c->id, 12));
		for (size_t k = 0; k < c->naddrs; k++) {
			if (ip_is_loopback(c->addrs[k].family, c->addrs[k].addr))
				continue;
			m->ips = xrealloc(m->ips, size_mul(m->nips + 1, sizeof(*m->ips)));
			m->ips[m->nips].ip = c->addrs[k];
			m->ips[m->nips].ctr = c;
			m->nips++;
		}
	}
	sort_n(m->ips, m->nips, sizeof(*m->ips), cmp_ipent);
	sort_n(m->lis, m->nlis, sizeof(*m->lis), cmp_lis);
	sort_n(m->pev, m->npev, sizeof(*m->pev), cmp_pevent);
	/* inherited profiles first: they are copied from snapshots as loaded,
	 * so the order of this loop does not matter */
	for (size_t i = 0; i < m->nprocs; i++) {
		struct an_process *p = m->procs[i];
		const struct an_process *src = profile_source(m, p);
		if (!src)
			continue;
		free(p->profile);
		p->profile = mem_dup(src->profile, src->profile_len);
		p->profile_len = src->profile_len;
		if (src->flags & SR_PROC_HAS_NAME && !(p->flags & SR_PROC_HAS_NAME)) {
			free(p->profile_name);
			p->profile_name = mem_dup(src->profile_name, src->profile_name_len);
			p->profile_name_len = src->profile_name_len;
		}
		p->profile_from = src->pid;
	}
	for (size_t i = 0; i < m->nprocs; i++) {
		struct an_process *p = m->procs[i];
		uint32_t from = 0;
		p->ctr = ctr_walk(m, p->host, p->pid, p->wall_ns, p, &from);
		p->ctr_known = from != 0;
		p->ctr_from = p->ctr && from != p->pid ? from : 0;
		if (p->ctr)
			p->service = p->ctr->display;
		else if (p->profile_name && p->profile_name_len &&
			 strnlen((char *)p->profile_name, p->profile_name_len) ==
			     p->profile_name_len)
			p->service = (const char *)p->profile_name;
		else if (p->comm[0])
			p->service = p->comm;
		else
			p->service = p->service_own = xstrdup("unknown");
	}
}

const struct an_process *model_process_at(const struct model *m, uint32_t host, uint32_t pid,
					  int64_t wall_ns)
{
	size_t lo = 0, hi = m->nprocs;
	const struct an_process *best = NULL, *first = NULL;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->procs[mid]->pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < m->nprocs && m->procs[i]->pid == pid; i++) {
		const struct an_process *p = m->procs[i];
		if (p->host != host)
			continue;
		if (!first)
			first = p;
		if (p->wall_ns <= wall_ns)
			best = p;
	}
	return best ? best : first;
}

const struct an_container *model_container_at(const struct model *m, uint32_t host, uint32_t pid,
					      int64_t wall_ns, bool *known)
{
	const struct an_process *p = model_process_at(m, host, pid, wall_ns);
	const struct an_container *c;
	uint32_t from;

	if (p) {
		if (known)
			*known = p->ctr_known;
		return p->ctr;
	}
	c = ctr_walk(m, host, pid, wall_ns, NULL, &from);
	if (known)
		*known = from != 0;
	return c;
}

bool model_descends(const struct model *m, uint32_t host, uint32_t pid, uint32_t ancestor,
		    int64_t wall_ns)
{
	const struct an_process *p = model_process_at(m, host, pid, wall_ns);

	for (unsigned depth = 0; depth < MODEL_MAX_ANCESTRY; depth++) {
		uint32_t ppid;
		int64_t at;

		if (!parent_of(m, host, pid, wall_ns, p, &ppid, &at))
			return false;
		if (ppid == ancestor)
			return true;
		pid = ppid;
		wall_ns = at;
		p = model_process_at(m, host, pid, wall_ns);
	}
	return false;
}

const struct an_container *model_container_by_ip(const struct model *m, uint8_t family,
						 const uint8_t addr[16])
{
	struct an_ip ip = {.family = family == 6 ? 6 : 4};
	size_t lo = 0, hi = m->nips;

	memcpy(ip.addr, addr, 16);
	if (ip_is_loopback(family, addr) || ip_is_zero(addr))
		return NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cmp_ip(&m->ips[mid].ip, &ip) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m->nips && !cmp_ip(&m->ips[lo].ip, &ip))
		return m->ips[lo].ctr;
	return NULL;
}

uint32_t model_listener(const struct model *m, uint32_t host, uint8_t family,
			const uint8_t addr[16], uint16_t port)
{
	struct listener key;
	size_t lo = 0, hi = m->nlis;

	memset(&key, 0, sizeof(key));
	key.scope = ip_is_loopback(family, addr) ? host : UINT32_MAX;
	key.ip.family = family == 6 ? 6 : 4;
	memcpy(key.ip.addr, addr, 16);
	key.port = port;
	key.order = 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cmp_lis(&m->lis[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m->nlis && m->lis[lo].scope == key.scope && !cmp_ip(&m->lis[lo].ip, &key.ip) &&
	    m->lis[lo].port == port)
		return m->lis[lo].pid;
	return 0;
}

size_t model_nprocesses(const struct model *m)
{
	return m->nprocs;
}

const struct an_process *model_process(const struct model *m, size_t i)
{
	return i < m->nprocs ? m->procs[i] : NULL;
}

size_t model_ncontainers(const struct model *m)
{
	return m->nctrs;
}

const struct an_container *model_container(const struct model *m, size_t i)
{
	return i < m->nctrs ? m->ctrs[i] : NULL;
}
