/* engine.c - observations, links, HTTP and classification (see engine.h).
 *
 * Size (~1,200 lines): observations, the sockets processes share, the links
 * between the two ends and the roles all read and write struct obs; what
 * is not about observations (ports, outputs, schemas) lives elsewhere. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/htab.h"
#include "core/engine.h"
#include "core/stream.h"
#include "proto/coding.h"

/* ---- structures ---- */

struct obs;

struct link {
	struct hnode h;
	uint32_t scope;
	uint8_t family;
	uint8_t a[16], b[16];
	uint16_t ap, bp;
	struct obs *obs;  /* attached observations, by id */
	bool observed[2]; /* an observation of end a / end b was attached */
	int client_end;	  /* -1 unknown, 0 a, 1 b: from connect/accept records */
};

/* the observations of one process (host, pid): what its exit ends */
struct proc_obs {
	struct hnode h;
	uint32_t host, pid;
	struct obs *head, *tail; /* observations of this process, by id */
};

/* what a reassembled stream feeds: its observation and direction */
struct stream_feed {
	struct obs *o;
	int dir;
};

/* the engine's part of a transaction (http_txn.user) */
struct txn_slots {
	bool counts;		   /* this view reports it (obs_counts) */
	void *state[AN_MAX_SINKS]; /* each sink's slot (event.h txn_state) */
};

/* one socket (host, sock_id = its inode), whoever holds it: a connection
 * accepted by one process and served by its forked child (postgres,
 * busybox httpd, inetd) is one socket in two processes. It keeps the
 * 4-tuple, the role a connect/accept record gave it and whether any holder
 * moved bytes, for every observation of the socket, also one that starts
 * after the first holder closed its copy: idle entries (no observation)
 * stay in a FIFO of at most ENGINE_MAX_IDLE_SOCKETS. The 4-tuple guards
 * against inode reuse: an observation whose 4-tuple differs starts over. */
struct sockent {
	struct hnode h; /* by (host, sock_id) */
	uint32_t host;
	uint64_t sock_id;
	bool have_addr;
	uint8_t family, laddr[16], raddr[16];
	uint16_t lport, rport;
	enum an_role role;	       /* from a connect/accept record of any holder */
	bool saw_start;		       /* a connect/accept record was seen */
	bool moved;		       /* a holder moved bytes */
	struct obs *holders;	       /* observations holding it */
	struct sockent *inext, *iprev; /* idle FIFO (no holder), oldest first */
	bool idle;
};

struct obs {
	struct hnode h; /* obs_by_sock by (host, tgid, sock_id) when sock_id != 0,
			 * else obs_by_fd by (host, tgid, fd) */
	bool hashed;
	struct sockent *se;	   /* its socket, when sock_id != 0 */
	struct obs *snext, *sprev; /* other holders of se */
	struct obs *pnext, *pprev; /* per process */
	struct obs *lnext, *lprev; /* activity: least recent first */
	struct obs *link_next;
	struct proc_obs *po;
	struct link *link;
	int end; /* which end of the link is local */
	struct engine *e;
	uint64_t id;
	uint32_t host, tgid;
	int64_t boot_to_wall;
	uint64_t sock_id;
	int32_t fd;
	bool have_addr;
	uint8_t family, laddr[16], raddr[16];
	uint16_t lport, rport;
	char comm[SR_COMM_LEN + 1];
	const struct an_process *proc;
	enum an_role conn_role;
	bool saw_start, any_data;
	uint64_t first_ts, last_ts;
	struct stream st[2]; /* 0: send, 1: recv */
	struct stream_feed feed[2];
	struct http_conn *http;
	enum http_state hstate;
	int req_dir;
	uint8_t *prefix[2];
	size_t plen[2], pcap[2]; /* pcap: grows by doubling to CLASSIFY_PREFIX */
	bool pstop[2];
	uint64_t moved[2];
	/* TLS plaintext records came (data flag TLS or TLS_CIPHER): the stream
	 * is the plaintext alone, the ciphertext only counts bytes */
	bool tls;
};

struct engine {
	const struct an_opts *o;
	const struct model *m;
	struct an_sink *const *sinks;
	size_t nsinks;
	bool want_txn;	   /* a sink takes txn events */
	bool want_advance; /* a sink takes advance/floor (it holds lines) */
	/* a sink takes txn events from every view (event.h txn_every_view) */
	bool want_txn_every_view;
	struct htab obs_by_sock, obs_by_fd, procs, links, socks;
	struct obs *lru_head, *lru_tail;
	struct sockent *idle_head, *idle_tail;
	size_t nobs, nidle;
	uint64_t next_id, next_txn;
	uint64_t nmsg, nconn;
	/* the http.jsonl floor */
	bool have_now, have_data;
	int64_t now, now_data; /* latest record / data or conn record time */
	size_t since_floor;    /* records since the last floor */
	struct http_limits lim;
	struct txn_slots *spare_slots; /* released, for the next transaction */
	struct dbuf decoded;	       /* a body decoded from its Content-Encoding */
	/* one lane of several (engine.h "Lanes"); lane.n 0: the only engine */
	struct engine_lane lane;
	uint64_t op; /* the latest step (engine.h "Lanes") */
};

/* this lane parses o and gives its events (engine.h "Lanes") */
static bool owned(const struct engine *e, const struct obs *o)
{
	return e->lane.n < 2 || o->id % e->lane.n == e->lane.k;
}

/* the next step: what follows belongs to one observation, or to advance or
 * floor (engine.h "Lanes"); every lane counts the same steps */
static void step(struct engine *e)
{
	e->op++;
	if (e->lane.op)
		e->lane.op(e->lane.ctx, e->op);
}

static const struct stream_ops stream_ops;
static const struct http_ops http_ops;

/* ---- roles ---- */

/* role of the end with local port lport facing rport, by ports alone */
static enum an_role role_by_ports(uint16_t lport, uint16_t rport)
{
	bool ls = classify_service_port(lport), rs = classify_service_port(rport);

	if (ls != rs)
		return ls ? AN_ROLE_SERVER : AN_ROLE_CLIENT;
	/* Linux's ephemeral ports start at 32768 */
	if ((lport < 32768) != (rport < 32768))
		return lport < 32768 ? AN_ROLE_SERVER : AN_ROLE_CLIENT;
	return lport < rport ? AN_ROLE_SERVER : AN_ROLE_CLIENT;
}

static enum an_role obs_role(const struct engine *e, const struct obs *o)
{
	int rd = o->http ? http_conn_request_dir(o->http) : o->req_dir;

	if (rd >= 0)
		return rd == 0 ? AN_ROLE_CLIENT : AN_ROLE_SERVER;
	if (o->conn_role)
		return o->conn_role;
	if (o->link && o->link->client_end >= 0)
		return o->link->client_end == o->end ? AN_ROLE_CLIENT : AN_ROLE_SERVER;
	if (o->have_addr) {
		uint32_t lis = model_listener(e->m, o->host, o->family, o->laddr, o->lport);
		/* the listener, or its forked child serving the connection */
		if (lis &&
		    (lis == o->tgid || model_descends(e->m, o->host, o->tgid, lis,
						      wall_of(o->first_ts, o->boot_to_wall))))
			return AN_ROLE_SERVER;
		if (model_listener(e->m, o->host, o->family, o->raddr, o->rport))
			return AN_ROLE_CLIENT;
	}
	return role_by_ports(o->lport, o->rport);
}

/* ---- links ---- */

static int end_cmp(const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp)
{
	int c = memcmp(a, b, 16);
	if (c)
		return c;
	return ap < bp ? -1 : ap > bp;
}

static void link_attach(struct engine *e, struct obs *o)
{
	struct link key, *l = NULL;
	uint64_t h;
	bool swap = end_cmp(o->laddr, o->lport, o->raddr, o->rport) > 0;

	memset(&key, 0, sizeof(key));
	key.scope = ip_is_loopback(o->family, o->laddr) || ip_is_loopback(o->family, o->raddr)
			? o->host
			: UINT32_MAX;
	key.family = o->family;
	memcpy(key.a, swap ? o->raddr : o->laddr, 16);
	key.ap = swap ? o->rport : o->lport;
	memcpy(key.b, swap ? o->laddr : o->raddr, 16);
	key.bp = swap ? o->lport : o->rport;
	h = hash_bytes(HASH_SEED, &key.scope, sizeof(key.scope));
	h = hash_bytes(h, key.a, 16);
	h = hash_bytes(h, &key.ap, 2);
	h = hash_bytes(h, key.b, 16);
	h = hash_bytes(h, &key.bp, 2);
	for (struct hnode *n = htab_chain(&e->links, h); n; n = n->next) {
		struct link *x = (struct link *)n;
		if (n->hash == h && x->scope == key.scope && !memcmp(x->a, key.a, 16) &&
		    x->ap == key.ap && !memcmp(x->b, key.b, 16) && x->bp == key.bp) {
			l = x;
			break;
		}
	}
	if (!l) {
		l = xmalloc(sizeof(*l));
		*l = key;
		l->client_end = -1;
		l->obs = NULL;
		htab_add(&e->links, &l->h, h);
	}
	o->link = l;
	o->end = swap ? 1 : 0;
	l->observed[o->end] = true;
	if (o->conn_role)
		l->client_end = o->conn_role == AN_ROLE_CLIENT ? o->end : 1 - o->end;
	/* keep attached observations in id order */
	struct obs **pp = &l->obs;
	while (*pp && (*pp)->id < o->id)
		pp = &(*pp)->link_next;
	o->link_next = *pp;
	*pp = o;
}

static void link_detach(struct engine *e, struct obs *o)
{
	struct link *l = o->link;
	struct obs **pp;

	if (!l)
		return;
	for (pp = &l->obs; *pp; pp = &(*pp)->link_next) {
		if (*pp == o) {
			*pp = o->link_next;
			break;
		}
	}
	o->link = NULL;
	if (!l->obs) {
		htab_del(&e->links, &l->h);
		free(l);
	}
}

/* the observation of the other end, if any (lowest id) */
static const struct obs *link_other(const struct obs *o)
{
	if (!o->link)
		return NULL;
	for (const struct obs *x = o->link->obs; x; x = x->link_next)
		if (x->end != o->end)
			return x;
	return NULL;
}

/* ---- names ---- */

static void end_external(struct an_end *x, bool with_port)
{
	char ip[AN_IP_LEN];

	fmt_ip(ip, x->family, x->addr);
	if (!with_port)
		snprintf(x->buf, sizeof(x->buf), "%s", ip);
	else if (x->family == 6)
		snprintf(x->buf, sizeof(x->buf), "[%s]:%u", ip, x->port);
	else
		snprintf(x->buf, sizeof(x->buf), "%s:%u", ip, x->port);
	x->name = x->buf;
	x->type = "external";
}

static void end_of_process(struct an_end *x, const struct an_process *p)
{
	x->proc = p;
	x->ctr = p->ctr;
	x->name = p->service;
	x->type = p->ctr ? "container" : "process";
}

static void build_view(const struct engine *e, const struct obs *o, struct an_conn_view *v)
{
	const struct obs *other = link_other(o);
	int64_t wall = wall_of(o->first_ts, o->boot_to_wall);
	const struct an_container *c;
	uint32_t pid;
	bool known = false;

	memset(v, 0, sizeof(*v));
	v->id = o->id;
	v->host = o->host;
	v->hostname = model_host_name(e->m, o->host);
	v->pid = o->tgid;
	v->proc = o->proc;
	v->comm = o->proc && o->proc->comm[0] ? o->proc->comm : o->comm;
	v->cmdline = o->proc ? o->proc->cmdline_text : "";
	v->role = obs_role(e, o);
	v->peer_observed = other != NULL || (o->link && o->link->observed[1 - o->end]);
	v->tls = o->tls;
	v->first_wall_ns = wall;

	v->local.family = v->remote.family = o->family;
	memcpy(v->local.addr, o->laddr, 16);
	memcpy(v->remote.addr, o->raddr, 16);
	v->local.port = o->lport;
	v->remote.port = o->rport;

	/* the observer: its snapshot (container own or inherited from its
	 * parents), else its parents'; when nothing in the archive decides the
	 * container, the one that owns the local address */
	if (o->proc) {
		end_of_process(&v->local, o->proc);
		known = o->proc->ctr_known;
	} else {
		v->local.ctr = model_container_at(e->m, o->host, o->tgid, wall, &known);
		v->local.name = v->local.ctr ? v->local.ctr->display : v->comm;
		v->local.type = v->local.ctr ? "container" : "process";
	}
	if (!v->local.ctr && !known) {
		c = model_container_by_ip(e->m, o->family, o->laddr);
		if (c) {
			v->local.ctr = c;
			v->local.name = c->display;
			v->local.type = "container";
		}
	}

	/* the peer: its container's address, else the recorded process at the
	 * other end, else the process listening there, else external */
	c = model_container_by_ip(e->m, o->family, o->raddr);
	if (c) {
		v->remote.ctr = c;
		v->remote.name = c->display;
		v->remote.type = "container";
		v->remote.proc = other ? other->proc : NULL;
		return;
	}
	if (other && other->proc) {
		end_of_process(&v->remote, other->proc);
		return;
	}
	if (other) {
		v->remote.name = other->comm;
		v->remote.type = "process";
		return;
	}
	pid = model_listener(e->m, o->host, o->family, o->raddr, o->rport);
	if (pid) {
		const struct an_process *p = model_process_at(e->m, o->host, pid, wall);
		if (p) {
			end_of_process(&v->remote, p);
			return;
		}
	}
	end_external(&v->remote, v->role != AN_ROLE_SERVER);
}

/* the view that reports a transaction or connection seen from both ends:
 * the client's (engine.h) */
static bool obs_counts(const struct engine *e, const struct obs *o)
{
	if (obs_role(e, o) != AN_ROLE_SERVER)
		return true;
	return !(o->link && o->link->observed[1 - o->end]);
}

/* ---- observations ---- */

/* a 64-bit finalizer (MurmurHash3's fmix64): integer keys to table slots */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static uint64_t sock_hash(uint32_t host, uint32_t tgid, uint64_t sock_id)
{
	return mix64(sock_id ^ mix64((uint64_t)host << 32 | tgid));
}

static uint64_t fd_hash(uint32_t host, uint32_t tgid, int32_t fd)
{
	return mix64((uint64_t)(uint32_t)fd ^ mix64((uint64_t)host << 32 | tgid) ^
		     0x3c6ef372fe94f82bull);
}

/* o goes into the table its key is in: by socket when known, else by fd */
static void obs_hash(struct engine *e, struct obs *o)
{
	if (o->sock_id)
		htab_add(&e->obs_by_sock, &o->h, sock_hash(o->host, o->tgid, o->sock_id));
	else
		htab_add(&e->obs_by_fd, &o->h, fd_hash(o->host, o->tgid, o->fd));
	o->hashed = true;
}

static void obs_unhash(struct engine *e, struct obs *o)
{
	if (o->hashed)
		htab_del(o->sock_id ? &e->obs_by_sock : &e->obs_by_fd, &o->h);
	o->hashed = false;
}

static struct proc_obs *proc_obs_get(struct engine *e, uint32_t host, uint32_t pid, bool create)
{
	uint64_t h = mix64(((uint64_t)host << 32 | pid) ^ 0x9e3779b97f4a7c15ull);
	struct proc_obs *p;

	for (struct hnode *n = htab_chain(&e->procs, h); n; n = n->next) {
		p = (struct proc_obs *)n;
		if (n->hash == h && p->host == host && p->pid == pid)
			return p;
	}
	if (!create)
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->host = host;
	p->pid = pid;
	htab_add(&e->procs, &p->h, h);
	return p;
}

static struct sockent *sock_get(struct engine *e, uint32_t host, uint64_t sock_id);
static void sock_join(struct engine *e, struct obs *o, struct sockent *se);
static void sock_addr(struct engine *e, struct obs *o);

/* Both lookups are hash lookups: a process holding tens of thousands of
 * sockets (a keep-alive server) costs O(1) per record, not O(sockets). */
static struct obs *obs_find(struct engine *e, uint32_t host, uint32_t tgid, uint64_t sock_id,
			    int32_t fd)
{
	struct obs *found = NULL;
	uint64_t h;

	if (sock_id) {
		h = sock_hash(host, tgid, sock_id);
		for (struct hnode *n = htab_chain(&e->obs_by_sock, h); n; n = n->next) {
			struct obs *o = (struct obs *)n;
			if (n->hash == h && o->host == host && o->tgid == tgid &&
			    o->sock_id == sock_id)
				return o;
		}
	}
	/* an observation that does not know its socket yet: by fd (the
	 * oldest, should there be several) */
	h = fd_hash(host, tgid, fd);
	for (struct hnode *n = htab_chain(&e->obs_by_fd, h); n; n = n->next) {
		struct obs *o = (struct obs *)n;
		if (n->hash == h && o->host == host && o->tgid == tgid && o->fd == fd &&
		    (!found || o->id < found->id))
			found = o;
	}
	if (found && sock_id) {
		obs_unhash(e, found);
		found->sock_id = sock_id;
		obs_hash(e, found);
		sock_join(e, found, sock_get(e, host, sock_id));
		if (found->have_addr)
			sock_addr(e, found);
	}
	return found;
}

static void lru_unlink(struct engine *e, struct obs *o)
{
	if (o->lprev)
		o->lprev->lnext = o->lnext;
	else
		e->lru_head = o->lnext;
	if (o->lnext)
		o->lnext->lprev = o->lprev;
	else
		e->lru_tail = o->lprev;
	o->lnext = o->lprev = NULL;
}

static void lru_append(struct engine *e, struct obs *o)
{
	o->lprev = e->lru_tail;
	o->lnext = NULL;
	if (e->lru_tail)
		e->lru_tail->lnext = o;
	else
		e->lru_head = o;
	e->lru_tail = o;
}

/* ---- sockets shared by processes ---- */

static uint64_t sockent_hash(uint32_t host, uint64_t sock_id)
{
	return mix64(sock_id ^ mix64((uint64_t)host ^ 0x5c5c5c5c5c5c5c5cull));
}

static struct sockent *sock_get(struct engine *e, uint32_t host, uint64_t sock_id)
{
	uint64_t h = sockent_hash(host, sock_id);
	struct sockent *se;

	for (struct hnode *n = htab_chain(&e->socks, h); n; n = n->next) {
		se = (struct sockent *)n;
		if (n->hash == h && se->host == host && se->sock_id == sock_id)
			return se;
	}
	se = xcalloc(1, sizeof(*se));
	se->host = host;
	se->sock_id = sock_id;
	htab_add(&e->socks, &se->h, h);
	return se;
}

static void idle_unlink(struct engine *e, struct sockent *se)
{
	if (se->iprev)
		se->iprev->inext = se->inext;
	else
		e->idle_head = se->inext;
	if (se->inext)
		se->inext->iprev = se->iprev;
	else
		e->idle_tail = se->iprev;
	se->inext = se->iprev = NULL;
	se->idle = false;
	e->nidle--;
}

static void sock_free(struct engine *e, struct sockent *se)
{
	idle_unlink(e, se);
	htab_del(&e->socks, &se->h);
	free(se);
}

static void idle_push(struct engine *e, struct sockent *se)
{
	se->iprev = e->idle_tail;
	se->inext = NULL;
	if (e->idle_tail)
		e->idle_tail->inext = se;
	else
		e->idle_head = se;
	e->idle_tail = se;
	se->idle = true;
	e->nidle++;
	if (e->nidle > ENGINE_MAX_IDLE_SOCKETS)
		sock_free(e, e->idle_head);
}

static bool sock_tuple_eq(const struct sockent *se, uint8_t family, const uint8_t *laddr,
			  uint16_t lport, const uint8_t *raddr, uint16_t rport)
{
	return se->family == family && se->lport == lport && se->rport == rport &&
	       !memcmp(se->laddr, laddr, 16) && !memcmp(se->raddr, raddr, 16);
}

/* forgets what the socket said: its inode now names another connection */
static void sock_reset(struct sockent *se)
{
	se->have_addr = false;
	se->role = AN_ROLE_UNKNOWN;
	se->saw_start = se->moved = false;
}

static void sock_join(struct engine *e, struct obs *o, struct sockent *se)
{
	if (se->idle)
		idle_unlink(e, se);
	o->se = se;
	o->sprev = NULL;
	o->snext = se->holders;
	if (se->holders)
		se->holders->sprev = o;
	se->holders = o;
}

static void sock_leave(struct engine *e, struct obs *o)
{
	struct sockent *se = o->se;

	if (!se)
		return;
	if (o->sprev)
		o->sprev->snext = o->snext;
	else
		se->holders = o->snext;
	if (o->snext)
		o->snext->sprev = o->sprev;
	o->se = NULL;
	o->snext = o->sprev = NULL;
	if (!se->holders)
		idle_push(e, se);
}

static void set_conn_role(struct obs *o, enum an_role role);

/* o's 4-tuple is known: the socket's story is o's when the 4-tuples agree */
static void sock_addr(struct engine *e, struct obs *o)
{
	struct sockent *se = o->se;

	if (!se)
		return;
	if (se->have_addr &&
	    !sock_tuple_eq(se, o->family, o->laddr, o->lport, o->raddr, o->rport)) {
		if (se->holders != o || o->snext) {
			sock_leave(e, o); /* others hold it as another connection */
			return;
		}
		sock_reset(se);
	}
	if (!se->have_addr) {
		se->have_addr = true;
		se->family = o->family;
		memcpy(se->laddr, o->laddr, 16);
		memcpy(se->raddr, o->raddr, 16);
		se->lport = o->lport;
		se->rport = o->rport;
	}
	if (se->role && !o->conn_role)
		set_conn_role(o, se->role);
}

/* a connect/accept record: the role of every holder of the socket */
static void sock_role(struct obs *o, enum an_role role)
{
	struct sockent *se = o->se;

	if (!se)
		return;
	se->role = role;
	se->saw_start = true;
	for (struct obs *x = se->holders; x; x = x->snext)
		if (x != o && !x->conn_role)
			set_conn_role(x, role);
}

/* ---- observations ---- */

static void obs_end(struct engine *e, struct obs *o, bool clean);
static bool obs_addr(struct engine *e, struct obs *o, uint8_t family, const uint8_t *laddr,
		     uint16_t lport, const uint8_t *raddr, uint16_t rport);

/* a new observation, with the 4-tuple of its first record (family 0: none) */
static struct obs *obs_new(struct engine *e, const struct an_src *src, uint32_t tgid,
			   uint64_t sock_id, int32_t fd, const char comm[SR_COMM_LEN], uint64_t ts,
			   bool at_start, uint8_t family, const uint8_t *laddr, uint16_t lport,
			   const uint8_t *raddr, uint16_t rport)
{
	struct obs *o;

	if (e->nobs >= ENGINE_MAX_OPEN && e->lru_head)
		obs_end(e, e->lru_head, false);
	o = xcalloc(1, sizeof(*o));
	o->e = e;
	o->id = ++e->next_id;
	o->host = src->host;
	o->tgid = tgid;
	o->boot_to_wall = src->boot_to_wall;
	o->sock_id = sock_id;
	o->fd = fd;
	memcpy(o->comm, comm, SR_COMM_LEN);
	o->comm[SR_COMM_LEN] = 0;
	o->first_ts = o->last_ts = ts;
	o->proc = model_process_at(e->m, o->host, tgid, wall_of(ts, o->boot_to_wall));
	o->req_dir = -1;
	if (sock_id) {
		struct sockent *se = sock_get(e, o->host, sock_id);
		bool known = family && lport && rport;
		if (known && se->have_addr &&
		    !sock_tuple_eq(se, family, laddr, lport, raddr, rport) && !se->holders)
			sock_reset(se); /* the inode was reused */
		sock_join(e, o, se);
		/* another process accepted or connected it and nobody has read
		 * or written yet (a forked server child): its first bytes come */
		if (se->saw_start && !se->moved &&
		    (!known || !se->have_addr ||
		     sock_tuple_eq(se, family, laddr, lport, raddr, rport)))
			at_start = true;
	}
	o->saw_start = at_start;
	for (int i = 0; i < 2; i++) {
		o->feed[i].o = o;
		o->feed[i].dir = i;
		stream_init(&o->st[i], &stream_ops, &o->feed[i]);
	}
	o->st[1].fin_in_seq = true;
	if (owned(e, o))
		o->http = http_conn_create(&http_ops, o, &e->lim, at_start);
	obs_hash(e, o);
	o->po = proc_obs_get(e, o->host, tgid, true);
	o->pprev = o->po->tail;
	if (o->po->tail)
		o->po->tail->pnext = o;
	else
		o->po->head = o;
	o->po->tail = o;
	lru_append(e, o);
	e->nobs++;
	obs_addr(e, o, family, laddr, lport, raddr, rport);
	return o;
}

static void obs_touch(struct engine *e, struct obs *o, uint64_t ts)
{
	if (ts > o->last_ts)
		o->last_ts = ts;
	if (e->lru_tail != o) {
		lru_unlink(e, o);
		lru_append(e, o);
	}
}

/* sets the 4-tuple; @return false when it differs from the one known */
static bool obs_addr(struct engine *e, struct obs *o, uint8_t family, const uint8_t *laddr,
		     uint16_t lport, const uint8_t *raddr, uint16_t rport)
{
	if (!family || !lport || !rport)
		return true;
	if (o->have_addr)
		return o->family == family && o->lport == lport && o->rport == rport &&
		       !memcmp(o->laddr, laddr, 16) && !memcmp(o->raddr, raddr, 16);
	o->have_addr = true;
	o->family = family;
	memcpy(o->laddr, laddr, 16);
	memcpy(o->raddr, raddr, 16);
	o->lport = lport;
	o->rport = rport;
	link_attach(e, o);
	sock_addr(e, o);
	return true;
}

static void set_conn_role(struct obs *o, enum an_role role)
{
	o->conn_role = role;
	if (o->link)
		o->link->client_end = role == AN_ROLE_CLIENT ? o->end : 1 - o->end;
}

/* ---- callbacks ---- */

static void on_data(void *ctx, const uint8_t *p, size_t n, uint64_t ts)
{
	struct stream_feed *sf = ctx;
	struct obs *o = sf->o;
	int d = sf->dir;

	if (!o->pstop[d] && o->plen[d] < CLASSIFY_PREFIX) {
		size_t k = CLASSIFY_PREFIX - o->plen[d];
		if (k > n)
			k = n;
		if (o->plen[d] + k > o->pcap[d]) {
			/* most first messages are short: do not hold 4 KiB for them */
			size_t cap = o->pcap[d] ? o->pcap[d] : 64;
			while (cap < o->plen[d] + k)
				cap *= 2;
			if (cap > CLASSIFY_PREFIX)
				cap = CLASSIFY_PREFIX;
			o->prefix[d] = xrealloc(o->prefix[d], cap);
			o->pcap[d] = cap;
		}
		memcpy(o->prefix[d] + o->plen[d], p, k);
		o->plen[d] += k;
	}
	if (o->http)
		http_conn_data(o->http, d, p, n, ts);
}

static void on_gap(void *ctx, uint64_t n, enum stream_gap_why why, uint64_t ts)
{
	struct stream_feed *sf = ctx;
	struct obs *o = sf->o;

	(void)why;
	o->pstop[sf->dir] = true; /* what follows a gap is not the first bytes */
	if (o->http)
		http_conn_gap(o->http, sf->dir, n, ts);
}

static const struct stream_ops stream_ops = {on_data, on_gap};

static uint64_t next_txn(void *ctx)
{
	struct obs *o = ctx;
	struct engine *e = o->e;

	++e->next_txn;
	if (e->lane.txn_new)
		e->lane.txn_new(e->lane.ctx, e->next_txn);
	return e->next_txn;
}

static struct txn_slots *txn_slots_of(struct engine *e, struct obs *o, struct http_txn *t)
{
	if (!t->user) {
		struct txn_slots *u = e->spare_slots ? e->spare_slots : xmalloc(sizeof(*u));
		e->spare_slots = NULL;
		memset(u, 0, sizeof(*u));
		u->counts = obs_counts(e, o);
		t->user = u;
	}
	return t->user;
}

/* the body decoded from its Content-Encoding (proto/coding.h) into
 * e->decoded: *d is m with it as d->decoded, or m itself when nothing
 * decodes */
static const struct http_msg *body_decoded(struct engine *e, const struct http_msg *m,
					   struct http_msg *d)
{
	const struct http_header *ce = NULL;
	int rc;

	if (!m->body_len || m->decoded)
		return m;
	for (size_t i = 0; i < m->nheaders; i++)
		if (ieq(m->headers[i].name, m->headers[i].name_len, "content-encoding"))
			ce = &m->headers[i];
	if (!ce)
		return m;
	rc = coding_decode(ce->value, ce->value_len, m->body, m->body_len, e->lim.body_cap,
			   &e->decoded);
	if (rc != CODING_OK && rc != CODING_CUT)
		return m;
	*d = *m;
	d->decoded = e->decoded.len ? e->decoded.p : (const uint8_t *)"";
	d->decoded_len = e->decoded.len;
	d->decoded_total = e->decoded.len;
	d->content_coding = coding_name(ce->value, ce->value_len);
	if (!d->content_coding)
		d->content_coding = "multiple";
	/* a prefix only (capped, or the coded bytes were cut): schemas and
	 * findings see it as cut */
	if (rc == CODING_CUT)
		d->flags |= HTTP_MSG_DECODE_CUT;
	return d;
}

static void on_message(void *ctx, const struct http_msg *m)
{
	struct obs *o = ctx;
	struct engine *e = o->e;
	struct txn_slots *u = NULL;
	struct an_conn_view v;
	struct an_http_event ev;
	struct http_msg dec;

	m = body_decoded(e, m, &dec);
	build_view(e, o, &v);
	if (e->want_txn && m->txn)
		u = txn_slots_of(e, o, m->txn);
	ev.conn = &v;
	ev.msg = m;
	ev.sent = m->dir == 0;
	ev.wall_ns = wall_of(m->start_ts, o->boot_to_wall);
	ev.end_wall_ns = wall_of(m->end_ts, o->boot_to_wall);
	ev.txn = m->txn;
	for (size_t i = 0; i < e->nsinks; i++) {
		if (!e->sinks[i]->http)
			continue;
		ev.txn_state =
		    u && (u->counts || e->sinks[i]->txn_every_view) ? &u->state[i] : NULL;
		e->sinks[i]->http(e->sinks[i]->ctx, &ev);
	}
	e->nmsg++;
}

static void on_txn_done(void *ctx, struct http_txn *t)
{
	struct obs *o = ctx;
	struct engine *e = o->e;
	struct txn_slots *u = t->user;
	bool counts = e->want_txn && (u ? u->counts : obs_counts(e, o));

	/* the reporting view to every txn sink; the others to those that take
	 * every view (event.h txn_every_view) */
	if (e->want_txn && (counts || e->want_txn_every_view)) {
		struct an_conn_view v;
		struct an_txn_event ev;

		build_view(e, o, &v);
		ev.conn = &v;
		ev.reports = counts;
		ev.txn = t;
		ev.req_wall_ns = wall_of(t->req_start_ts, o->boot_to_wall);
		ev.latency_ns = t->status && t->resp_done && t->resp_end_ts >= t->req_start_ts
				    ? (int64_t)(t->resp_end_ts - t->req_start_ts)
				    : -1;
		for (size_t i = 0; i < e->nsinks; i++) {
			if (!e->sinks[i]->txn || (!counts && !e->sinks[i]->txn_every_view))
				continue;
			ev.txn_state = u ? u->state[i] : NULL;
			e->sinks[i]->txn(e->sinks[i]->ctx, &ev);
		}
	}
	if (e->lane.txn_end)
		e->lane.txn_end(e->lane.ctx, t->id);
	if (u) {
		if (e->spare_slots)
			free(u);
		else
			e->spare_slots = u;
		t->user = NULL;
	}
}

static const struct http_ops http_ops = {on_message, on_txn_done, next_txn};

/* the parser found this is not HTTP/1.x: keep only what classification needs */
static void http_settle(struct obs *o)
{
	enum http_state s;

	if (!o->http)
		return;
	s = http_conn_state(o->http);
	if (s == HTTP_NOT) {
		o->hstate = s;
		o->req_dir = http_conn_request_dir(o->http);
		http_conn_free(o->http);
		o->http = NULL;
	}
}

/* ---- ending ---- */

static void conn_event(struct engine *e, struct obs *o)
{
	struct classify_result cls;
	struct an_conn_view v;
	struct an_conn_event ev;
	bool server;

	build_view(e, o, &v);
	server = v.role == AN_ROLE_SERVER;
	/* client bytes first, whoever spoke first */
	classify_connection(o->prefix[server ? 1 : 0], o->plen[server ? 1 : 0],
			    o->prefix[server ? 0 : 1], o->plen[server ? 0 : 1],
			    server ? o->lport : o->rport, &cls);
	cls.protocol[sizeof(cls.protocol) - 1] = 0;
	cls.category[sizeof(cls.category) - 1] = 0;
	cls.reason[sizeof(cls.reason) - 1] = 0;
	cls.sni[sizeof(cls.sni) - 1] = 0;
	if (o->tls) {
		/* the dissectors saw the plaintext: say it was under TLS */
		size_t n = strlen(cls.reason);
		snprintf(cls.reason + n, sizeof(cls.reason) - n, "%s",
			 " (over TLS: plaintext from the TLS library)");
	}
	ev.conn = &v;
	ev.cls = &cls;
	ev.bytes_sent = o->moved[0];
	ev.bytes_received = o->moved[1];
	ev.wall_ns = v.first_wall_ns;
	ev.reports = obs_counts(e, o);
	for (size_t i = 0; i < e->nsinks; i++)
		if (e->sinks[i]->connection)
			e->sinks[i]->connection(e->sinks[i]->ctx, &ev);
	e->nconn++;
}

static void obs_end(struct engine *e, struct obs *o, bool clean)
{
	step(e);
	stream_flush(&o->st[0]);
	stream_flush(&o->st[1]);
	if (o->http) {
		if (clean) {
			http_conn_eof(o->http, 0, o->last_ts);
			http_conn_eof(o->http, 1, o->last_ts);
		}
		http_conn_finish(o->http, o->last_ts);
		o->hstate = http_conn_state(o->http);
		o->req_dir = http_conn_request_dir(o->http);
		http_conn_free(o->http);
		o->http = NULL;
	}
	if (owned(e, o) && o->hstate != HTTP_YES && o->hstate != HTTP_H2 &&
	    o->moved[0] + o->moved[1] > 0)
		conn_event(e, o);

	link_detach(e, o);
	sock_leave(e, o);
	obs_unhash(e, o);
	if (o->pprev)
		o->pprev->pnext = o->pnext;
	else
		o->po->head = o->pnext;
	if (o->pnext)
		o->pnext->pprev = o->pprev;
	else
		o->po->tail = o->pprev;
	if (!o->po->head) {
		htab_del(&e->procs, &o->po->h);
		free(o->po);
	}
	lru_unlink(e, o);
	e->nobs--;
	stream_free(&o->st[0]);
	stream_free(&o->st[1]);
	free(o->prefix[0]);
	free(o->prefix[1]);
	free(o);
}

/* ---- records ---- */

/* does a direction's first bytes hold a TLS record (handshake, alert or
 * application data, any TLS version)? */
static bool prefix_is_tls(const struct obs *o, int d)
{
	const uint8_t *p = o->prefix[d];

	return o->plen[d] >= 3 && p[0] >= 0x15 && p[0] <= 0x17 && p[1] == 3 && p[2] <= 4;
}

/* The first TLS-flagged record of a connection whose earlier bytes are TLS
 * records: the TLS library was probed after the connection began (a libssl
 * a process loaded from its own path, probed at its first traffic; a Go
 * executable run for the first time), so those bytes were recorded as
 * plain data. They are the ciphertext, not the application's stream,
 * which starts again at the plaintext (somewhere in its middle: the
 * parser looks for a message start). Bytes moved stay counted. Bytes
 * before a STARTTLS (PostgreSQL's SSLRequest, SMTP) are no TLS record and
 * stay in the stream. */
static void obs_tls_late(struct engine *e, struct obs *o)
{
	if (!owned(e, o) || (!prefix_is_tls(o, 0) && !prefix_is_tls(o, 1)))
		return;
	for (int i = 0; i < 2; i++) {
		stream_free(&o->st[i]);
		stream_init(&o->st[i], &stream_ops, &o->feed[i]);
		o->plen[i] = 0;
		o->pstop[i] = false;
	}
	o->st[1].fin_in_seq = true;
	http_conn_free(o->http);
	o->http = http_conn_create(&http_ops, o, &e->lim, false);
	o->hstate = HTTP_UNDECIDED;
	o->req_dir = -1;
}

static bool is_read(uint16_t sys)
{
	return sys == SR_SYS_READ || sys == SR_SYS_READV || sys == SR_SYS_RECVFROM ||
	       sys == SR_SYS_RECVMSG || sys == SR_SYS_RECVMMSG;
}

static void on_data_record(struct engine *e, const struct an_src *src, const struct sr_data *d)
{
	struct obs *o;
	struct stream_seg g;
	int dir;

	if (d->dir != SR_DIR_SEND && d->dir != SR_DIR_RECV)
		return;
	dir = d->dir == SR_DIR_SEND ? 0 : 1;
	o = obs_find(e, src->host, d->tgid, d->sock_id, d->fd);
	if (o && !obs_addr(e, o, d->family, d->laddr, d->lport, d->raddr, d->rport)) {
		/* the fd or socket now belongs to another connection */
		obs_end(e, o, true);
		o = NULL;
	}
	if (!o)
		o = obs_new(e, src, d->tgid, d->sock_id, d->fd, d->comm, d->ts_ns, false, d->family,
			    d->laddr, d->lport, d->raddr, d->rport);
	obs_touch(e, o, d->ts_ns);
	o->any_data = true;
	step(e);
	if (d->flags & (SR_DATA_TLS | SR_DATA_TLS_CIPHER) && !o->tls) {
		o->tls = true;
		obs_tls_late(e, o);
	}
	if (!(d->flags & SR_DATA_TLS))
		o->moved[dir] += d->bytes; /* bytes on the wire: the ciphertext's */
	if (o->se && d->bytes)
		o->se->moved = true;
	if (!owned(e, o)) {
		/* another lane reassembles and parses it */
	} else if (o->tls && !(d->flags & SR_DATA_TLS)) {
		/* a TLS connection's application data is its plaintext: the
		 * ciphertext (handshake, records, close_notify) stays out */
	} else if (dir == 1 && d->bytes == 0 && is_read(d->syscall) &&
		   !(d->flags & SR_DATA_READ_FAULT)) {
		/* read() returned 0: the peer closed its side */
		stream_flush(&o->st[1]);
		if (o->http)
			http_conn_eof(o->http, 1, d->ts_ns);
	} else {
		memset(&g, 0, sizeof(g));
		g.ts = d->ts_ns;
		g.payload = d->payload.ptr;
		g.cap_len = d->payload.len;
		g.bytes = d->bytes;
		g.flags = d->flags;
		g.tcp_seq = d->tcp_seq;
		stream_push(&o->st[dir], &g);
	}
	if (!owned(e, o))
		return;
	stream_expire(&o->st[0], d->ts_ns);
	stream_expire(&o->st[1], d->ts_ns);
	http_settle(o);
}

static void on_conn_record(struct engine *e, const struct an_src *src, const struct sr_conn *c)
{
	struct obs *o;
	int32_t fd = c->fd;

	switch (c->kind) {
	case SR_CONN_CONNECT:
	case SR_CONN_ACCEPT:
		if (c->ret < 0 && !(c->kind == SR_CONN_CONNECT && c->ret == -EINPROGRESS))
			return;
		if (c->kind == SR_CONN_ACCEPT && c->ret >= 0)
			fd = c->ret; /* the new connection's fd */
		o = obs_find(e, src->host, c->tgid, c->sock_id, fd);
		if (o && (o->any_data ||
			  !obs_addr(e, o, c->family, c->laddr, c->lport, c->raddr, c->rport))) {
			obs_end(e, o, true);
			o = NULL;
		}
		if (!o)
			o = obs_new(e, src, c->tgid, c->sock_id, fd, c->comm, c->ts_ns, true,
				    c->family, c->laddr, c->lport, c->raddr, c->rport);
		obs_touch(e, o, c->ts_ns);
		set_conn_role(o, c->kind == SR_CONN_CONNECT ? AN_ROLE_CLIENT : AN_ROLE_SERVER);
		sock_role(o, o->conn_role);
		return;
	case SR_CONN_CLOSE:
		o = obs_find(e, src->host, c->tgid, c->sock_id, fd);
		if (o) {
			obs_touch(e, o, c->ts_ns);
			obs_end(e, o, true);
		}
		return;
	default:
		return;
	}
}

static void on_exit_record(struct engine *e, const struct an_src *src,
			   const struct sr_proc_event *p)
{
	struct proc_obs *po;

	/* the capture writes EXIT when the last thread of the process leaves
	 * (that thread's tid need not be the pid): every socket is closed */
	if (p->kind != SR_PROC_EXIT)
		return;
	po = proc_obs_get(e, src->host, p->pid, false);
	while (po && po->head) {
		struct obs *o = po->head;
		bool last = o == po->tail;
		obs_touch(e, o, p->ts_ns);
		obs_end(e, o, true); /* may free po when o was the last */
		if (last)
			break;
	}
}

/* a - b, saturated (hostile timestamps never overflow) */
static int64_t sub_sat(int64_t a, int64_t b)
{
	if (b > 0 && a < INT64_MIN + b)
		return INT64_MIN;
	if (b < 0 && a > INT64_MAX + b)
		return INT64_MAX;
	return a - b;
}

/* one more candidate for the floor: ignored when the window has passed it */
static void floor_min(const struct engine *e, int64_t wall, bool *have, int64_t *floor)
{
	int64_t w = e->o->reorder_window_ns;

	if (wall <= e->now && (uint64_t)e->now - (uint64_t)wall >= (uint64_t)w)
		return;
	if (!*have || wall < *floor)
		*floor = wall;
	*have = true;
}

/* see engine.h "http.jsonl order" */
static void give_floor(struct engine *e)
{
	int64_t floor = sub_sat(e->now_data, ENGINE_DISORDER_NS);
	bool have = true;

	for (const struct obs *o = e->lru_head; o; o = o->lnext) {
		uint64_t ts;
		if (!owned(e, o))
			continue;
		if (!o->http ||
		    (http_conn_state(o->http) != HTTP_YES && http_conn_state(o->http) != HTTP_H2))
			floor_min(e, wall_of(o->first_ts, o->boot_to_wall), &have, &floor);
		if (o->http && http_conn_floor(o->http, &ts))
			floor_min(e, wall_of(ts, o->boot_to_wall), &have, &floor);
		for (int i = 0; i < 2; i++)
			if (stream_floor(&o->st[i], &ts))
				floor_min(e, wall_of(ts, o->boot_to_wall), &have, &floor);
	}
	for (size_t i = 0; i < e->nsinks; i++)
		if (e->sinks[i]->floor)
			e->sinks[i]->floor(e->sinks[i]->ctx, floor);
}

/* a sink holds lines a floor would let go */
static bool sinks_holding(const struct engine *e)
{
	for (size_t i = 0; i < e->nsinks; i++)
		if (e->sinks[i]->holding && e->sinks[i]->holding(e->sinks[i]->ctx))
			return true;
	return false;
}

void engine_record(struct engine *e, const struct an_src *src, const struct sr_record *r)
{
	int64_t wall = input_record_wall(src, r);

	if (!e->have_now || wall > e->now)
		e->now = wall;
	e->have_now = true;
	if ((r->type == SR_REC_DATA || r->type == SR_REC_CONN) &&
	    (!e->have_data || wall > e->now_data)) {
		e->now_data = wall;
		e->have_data = true;
	}
	switch (r->type) {
	case SR_REC_DATA:
		on_data_record(e, src, &r->data);
		break;
	case SR_REC_CONN:
		on_conn_record(e, src, &r->conn);
		break;
	case SR_REC_PROC_EVENT:
		on_exit_record(e, src, &r->pev);
		break;
	default:
		break;
	}
	/* what began a reorder window before this record goes out */
	if (!e->want_advance)
		return;
	step(e);
	for (size_t i = 0; i < e->nsinks && e->lane.k == 0; i++)
		if (e->sinks[i]->advance)
			e->sinks[i]->advance(e->sinks[i]->ctx, wall);
	/* looked at every so many records whether a sink holds lines or not,
	 * so that a relay (core/relay.h), which answers holding() later on the
	 * sinks' thread, asks at the same records */
	if (e->have_data && ++e->since_floor >= ENGINE_FLOOR_EVERY && e->since_floor >= e->nobs) {
		e->since_floor = 0;
		if (sinks_holding(e)) {
			step(e);
			give_floor(e);
		}
	}
}

/* ---- lifecycle ---- */

struct engine *engine_create(const struct an_opts *o, const struct model *m,
			     struct an_sink *const *sinks, size_t nsinks)
{
	return engine_create_lane(o, m, sinks, nsinks, NULL);
}

struct engine *engine_create_lane(const struct an_opts *o, const struct model *m,
				  struct an_sink *const *sinks, size_t nsinks,
				  const struct engine_lane *lane)
{
	struct engine *e = xcalloc(1, sizeof(*e));

	if (lane)
		e->lane = *lane;
	e->o = o;
	e->m = m;
	e->sinks = sinks;
	e->nsinks = nsinks < AN_MAX_SINKS ? nsinks : AN_MAX_SINKS;
	for (size_t i = 0; i < e->nsinks; i++) {
		e->want_txn |= sinks[i]->txn != NULL;
		e->want_txn_every_view |= sinks[i]->txn && sinks[i]->txn_every_view;
		e->want_advance |= sinks[i]->advance != NULL;
	}
	e->lim.body_cap = o->body_cap ? o->body_cap : HTTP_DEFAULT_BODY_CAP;
	e->lim.raw_cap = o->raw_limit ? o->raw_limit : 1;
	return e;
}

static int cmp_obs_id(const void *a, const void *b)
{
	uint64_t x = (*(struct obs *const *)a)->id, y = (*(struct obs *const *)b)->id;
	return x < y ? -1 : x > y;
}

void engine_finish(struct engine *e)
{
	struct obs **v = xmalloc(size_mul(e->nobs ? e->nobs : 1, sizeof(*v)));
	size_t n = 0;

	for (struct obs *o = e->lru_head; o; o = o->lnext)
		v[n++] = o;
	sort_n(v, n, sizeof(*v), cmp_obs_id);
	for (size_t i = 0; i < n; i++)
		obs_end(e, v[i], false);
	free(v);
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	if (e->nobs)
		engine_finish(e);
	while (e->idle_head)
		sock_free(e, e->idle_head);
	htab_free(&e->socks);
	htab_free(&e->obs_by_sock);
	htab_free(&e->obs_by_fd);
	htab_free(&e->procs);
	htab_free(&e->links);
	free(e->spare_slots);
	dbuf_free(&e->decoded);
	free(e);
}

uint64_t engine_http_messages(const struct engine *e)
{
	return e->nmsg;
}

uint64_t engine_connections(const struct engine *e)
{
	return e->nconn;
}
