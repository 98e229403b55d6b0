/* sink.c - the analyzer's events into findings. See sink.h. */
#include "findings/sink.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "base/util.h"

struct pending_hdr {
	char name[64];
	char value[FH_MAX_HEADER_VALUE];
	size_t name_len, value_len;
};

/* a request waiting for its response, copied out of the parser's buffers;
 * it lives in the transaction's slot (event.h txn_state) */
struct pending {
	int64_t ts;
	char host[64];
	uint32_t server_pid, client_pid;
	char server_comm[32], client_comm[32];
	char server_ip[AN_IP_LEN], client_ip[AN_IP_LEN];
	uint16_t server_port, client_port;
	char method[HTTP_MAX_METHOD + 1];
	char *target;
	size_t target_len;
	size_t nhdr;
	uint8_t *body;
	size_t body_len;
	/* FH_MAX_REQ_HEADERS, allocated with the first credential header:
	 * most requests have none */
	struct pending_hdr *hdr;
	size_t bytes; /* what it holds, for FH_MAX_PENDING_BYTES */
};

struct findings_sink {
	struct an_sink sink;
	struct findings *f;
	size_t pending_bytes; /* held by requests waiting for their response */
	struct pending tmp;   /* scratch (large: not on the stack) */
};

/* The view findings take a transaction from: the server's, or the
 * client's when the server was not recorded (findings.h: server_pid and
 * the server's times). observer_sent_request: the observer is the client
 * as far as the traffic shows. */
static int observer_is_server(const struct an_conn_view *v, int observer_sent_request)
{
	if (v->role == AN_ROLE_SERVER)
		return 1;
	if (v->role == AN_ROLE_CLIENT)
		return 0;
	return !observer_sent_request;
}

static int view_reports(const struct an_conn_view *v, int server_view)
{
	return server_view || !v->peer_observed;
}

static void end_text(const struct an_end *e, char ip[AN_IP_LEN])
{
	fmt_ip(ip, e->family, e->addr);
}

static void pending_fill(struct pending *p, const struct an_http_event *ev, int server_view)
{
	const struct an_conn_view *v = ev->conn;
	const struct an_end *srv = server_view ? &v->local : &v->remote;
	const struct an_end *cli = server_view ? &v->remote : &v->local;
	const struct an_process *sp = server_view ? v->proc : srv->proc;
	const struct an_process *cp = server_view ? cli->proc : v->proc;

	str_copy(p->host, sizeof(p->host), v->hostname ? v->hostname : "");
	end_text(srv, p->server_ip);
	end_text(cli, p->client_ip);
	p->server_port = srv->port;
	p->client_port = cli->port;
	/* a client view is used only when the server was not recorded */
	p->server_pid = server_view ? v->pid : 0;
	p->client_pid = server_view ? (cp ? cp->pid : 0) : v->pid;
	str_copy(p->server_comm, sizeof(p->server_comm),
		 server_view ? (v->comm ? v->comm : "") : (sp && sp->comm ? sp->comm : ""));
	str_copy(p->client_comm, sizeof(p->client_comm),
		 server_view ? (cp && cp->comm ? cp->comm : "") : (v->comm ? v->comm : ""));
}

static void pending_clear(struct pending *p)
{
	free(p->target);
	free(p->body);
	free(p->hdr);
	memset(p, 0, sizeof(*p));
}

static void pending_free(struct findings_sink *fh, struct pending *p)
{
	if (!p)
		return;
	fh->pending_bytes -= p->bytes;
	pending_clear(p);
	free(p);
}

static void exchange_of(const struct pending *p, struct fnd_exchange *x, struct fnd_header *h)
{
	memset(x, 0, sizeof(*x));
	x->ts_wall_ns = p->ts > 0 ? (uint64_t)p->ts : 0;
	x->host = p->host[0] ? p->host : NULL;
	x->server_pid = p->server_pid;
	x->server_comm = p->server_comm[0] ? p->server_comm : NULL;
	x->server_ip = p->server_ip;
	x->server_port = p->server_port;
	x->client_ip = p->client_ip;
	x->client_port = p->client_port;
	x->client_pid = p->client_pid;
	x->client_comm = p->client_comm[0] ? p->client_comm : NULL;
	x->method = p->method;
	x->target = p->target ? p->target : "";
	x->target_len = p->target ? p->target_len : 0;
	for (size_t i = 0; i < p->nhdr; i++) {
		h[i].name = p->hdr[i].name;
		h[i].name_len = p->hdr[i].name_len;
		h[i].value = p->hdr[i].value;
		h[i].value_len = p->hdr[i].value_len;
	}
	x->req_headers = h;
	x->n_req_headers = p->nhdr;
	x->req_body = p->body;
	x->req_body_len = p->body_len;
}

/* the request, kept in its transaction's slot until the response */
static void on_request(struct findings_sink *fh, const struct an_http_event *ev, int server_view)
{
	const struct http_msg *m = ev->msg;
	struct pending *p;
	size_t n;

	if (!ev->txn_state)
		return;
	pending_free(fh, *ev->txn_state);
	*ev->txn_state = NULL;
	if (fh->pending_bytes + sizeof(*p) > FH_MAX_PENDING_BYTES)
		return; /* its response is taken as a request not seen whole */
	p = xcalloc(1, sizeof(*p));
	p->ts = ev->wall_ns;
	pending_fill(p, ev, server_view);
	n = m->method_len < HTTP_MAX_METHOD ? m->method_len : HTTP_MAX_METHOD;
	memcpy(p->method, m->method, n);
	p->method[n] = '\0';
	p->target_len = m->target_len < FH_MAX_REQ_TARGET ? m->target_len : FH_MAX_REQ_TARGET;
	p->target = xstrndup(m->target, p->target_len);
	for (size_t i = 0; i < m->nheaders && p->nhdr < FH_MAX_REQ_HEADERS; i++) {
		const struct http_header *hd = &m->headers[i];
		struct pending_hdr *ph;
		if (!sr_secret_header((const char *)hd->name, hd->name_len) ||
		    hd->name_len >= sizeof(ph->name))
			continue;
		if (!p->hdr)
			p->hdr = xcalloc(FH_MAX_REQ_HEADERS, sizeof(*p->hdr));
		ph = &p->hdr[p->nhdr++];
		memcpy(ph->name, hd->name, hd->name_len);
		ph->name_len = hd->name_len;
		ph->value_len =
		    hd->value_len < sizeof(ph->value) ? hd->value_len : sizeof(ph->value);
		memcpy(ph->value, hd->value, ph->value_len);
	}
	if (m->body_len) {
		p->body_len = m->body_len < FH_MAX_REQ_BODY ? m->body_len : FH_MAX_REQ_BODY;
		p->body = xmalloc(p->body_len);
		memcpy(p->body, m->body, p->body_len);
	}
	p->bytes = sizeof(*p) + p->target_len + 1 + p->body_len +
		   (p->hdr ? FH_MAX_REQ_HEADERS * sizeof(*p->hdr) : 0);
	fh->pending_bytes += p->bytes;
	*ev->txn_state = p;
}

static void on_response(struct findings_sink *fh, const struct an_http_event *ev, int server_view)
{
	const struct http_msg *m = ev->msg;
	struct pending *p = ev->txn_state ? *ev->txn_state : NULL;
	struct fnd_exchange x;
	struct fnd_header h[FH_MAX_REQ_HEADERS];

	/* interim (1xx) responses are not the answer */
	if (m->status >= 100 && m->status < 200)
		return;
	if (!p) {
		/* the request was not seen whole: what the transaction knows */
		p = &fh->tmp;
		p->ts = ev->wall_ns;
		pending_fill(p, ev, server_view);
		if (m->txn) {
			snprintf(p->method, sizeof(p->method), "%s", m->txn->method);
			if (m->txn->target) {
				p->target_len = strlen(m->txn->target);
				if (p->target_len > FH_MAX_REQ_TARGET)
					p->target_len = FH_MAX_REQ_TARGET;
				p->target = xstrndup(m->txn->target, p->target_len);
			}
		}
	}
	exchange_of(p, &x, h);
	x.status = m->status;
	{
		/* response headers: the parser's (uint8_t) view as fnd_header */
		struct fnd_header rh_local[32];
		struct fnd_header *rh = m->nheaders > 32 ? xcalloc(m->nheaders, sizeof(*rh))
					: m->nheaders	 ? rh_local
							 : NULL;
		for (size_t k = 0; k < m->nheaders; k++) {
			rh[k].name = (const char *)m->headers[k].name;
			rh[k].name_len = m->headers[k].name_len;
			rh[k].value = (const char *)m->headers[k].value;
			rh[k].value_len = m->headers[k].value_len;
		}
		x.resp_headers = rh;
		x.n_resp_headers = m->nheaders;
		x.resp_body = m->body;
		x.resp_body_len = m->body_len;
		x.resp_body_total = m->body_total;
		x.resp_cut = (m->flags &
			      (HTTP_MSG_TRUNCATED | HTTP_MSG_INCOMPLETE | HTTP_MSG_BODY_CUT)) != 0;
		findings_add_exchange(fh->f, &x);
		if (rh != rh_local)
			free(rh);
	}
	if (p == &fh->tmp) {
		pending_clear(p);
	} else {
		pending_free(fh, p);
		*ev->txn_state = NULL;
	}
}

static void hook_http(void *ctx, const struct an_http_event *ev)
{
	struct findings_sink *fh = ctx;
	int sent_request = ev->msg->kind == HTTP_REQUEST ? ev->sent : !ev->sent;
	int server_view = observer_is_server(ev->conn, sent_request);

	/* a client's view whose server was recorded: the server's reports it
	 * (what the client kept so far goes with its txn event) */
	if (!view_reports(ev->conn, server_view))
		return;
	if (ev->msg->kind == HTTP_REQUEST)
		on_request(fh, ev, server_view);
	else if (ev->msg->kind == HTTP_RESPONSE)
		on_response(fh, ev, server_view);
}

/* the transaction is over: a request still waiting had no response */
static void hook_txn(void *ctx, const struct an_txn_event *ev)
{
	struct findings_sink *fh = ctx;
	struct pending *p = ev->txn_state;
	int server_view = observer_is_server(ev->conn, ev->txn->req_dir == 0);

	if (!p)
		return;
	if (view_reports(ev->conn, server_view)) {
		struct fnd_exchange x;
		struct fnd_header h[FH_MAX_REQ_HEADERS];

		exchange_of(p, &x, h);
		findings_add_exchange(fh->f, &x);
	}
	pending_free(fh, p);
}

static void hook_connection(void *ctx, const struct an_conn_event *ev)
{
	struct findings_sink *fh = ctx;
	const struct an_conn_view *v = ev->conn;
	char ip[AN_IP_LEN];

	end_text(&v->local, ip);
	findings_add_local_addr(fh->f, ip);
	if (v->role == AN_ROLE_SERVER)
		findings_add_listen(fh->f, v->hostname, v->pid, v->comm, ip, v->local.port);
}

static int hook_end(void *ctx, const struct an_summary *s)
{
	struct findings_sink *fh = ctx;
	const struct model *m = s->model;

	if (!m)
		return 0;
	for (size_t i = 0; i < model_ncontainers(m); i++) {
		const struct an_container *c = model_container(m, i);
		struct fnd_container fc;
		struct dbuf addrs = {0};
		char ip[AN_IP_LEN];

		for (size_t k = 0; k < c->naddrs; k++) {
			fmt_ip(ip, c->addrs[k].family, c->addrs[k].addr);
			dbuf_put(&addrs, ip, strlen(ip) + 1);
		}
		fc.id = c->id;
		fc.name = c->display;
		fc.addrs = (const char *)addrs.p;
		fc.addrs_len = addrs.len;
		findings_add_container(fh->f, &fc);
		dbuf_free(&addrs);
	}
	for (size_t i = 0; i < model_nprocesses(m); i++) {
		const struct an_process *p = model_process(m, i);
		struct fnd_process fp;

		memset(&fp, 0, sizeof(fp));
		fp.host = model_host_name(m, p->host);
		fp.pid = p->pid;
		fp.comm = p->comm;
		fp.name = p->service;
		fp.container_id = p->container_id;
		fp.cmdline = p->cmdline;
		fp.cmdline_len = p->cmdline_len;
		fp.environ = p->environ;
		fp.environ_len = p->environ_len;
		fp.env_redacted = (p->flags & SR_PROC_ENV_REDACTED) != 0;
		findings_add_process(fh->f, &fp);
	}
	return 0;
}

static void sink_free(void *ctx)
{
	free(ctx);
}

struct an_sink *findings_sink(struct findings *f)
{
	struct findings_sink *fh = xcalloc(1, sizeof(*fh));

	fh->f = f;
	fh->sink = (struct an_sink){
	    .ctx = fh,
	    .events = true,
	    .environ = true,	    /* secret-looking environment keys */
	    .txn_every_view = true, /* the server's view (findings.h) */
	    .http = hook_http,
	    .txn = hook_txn,
	    .connection = hook_connection,
	    .end = hook_end,
	    .free = sink_free,
	};
	return &fh->sink;
}
