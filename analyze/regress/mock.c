/* mock.c - a recorded service served back (see mock.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "out/redact.h"
#include "proto/http.h"
#include "regress/match.h"
#include "regress/mock.h"

/* what a connection may have read without a request completing */
#define MOCK_MAX_PENDING (MOCK_MAX_BODY + 2u * HTTP_MAX_HEAD_BYTES)
/* how long a refused client is given to read its answer */
#define MOCK_DRAIN_MS 2000

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

struct mock;

struct mconn {
	int fd; /* -1: free slot */
	struct mock *m;
	struct http_conn *hp;
	struct dbuf out;
	size_t out_off;
	size_t pending;	       /* bytes parsed since the last complete request */
	uint8_t in[MOCK_READ]; /* read, not parsed yet: in[in_off..in_len) */
	size_t in_off, in_len;
	int64_t last_ms;
	bool closing;  /* close once out is sent; read nothing more */
	bool draining; /* out sent, write side shut: reading and dropping until
			* the client closes (MOCK_DRAIN_MS at most), so that
			* unread bytes do not reset the connection before the
			* client has read the answer */
};

struct mock {
	const struct rset_txn *t;
	struct match_index ix;
	const struct mock_opts *o;
	struct redact_memo memo;
	struct mconn c[MOCK_MAX_CONNS];
	uint64_t served, unmatched, refused;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* headers the mock writes itself */
static bool own_header(const char *name)
{
	static const char *const own[] = {"content-length", "transfer-encoding", "connection",
					  "keep-alive",	    "upgrade",		 "trailer"};
	if (name[0] == ':')
		return true;
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (!strcasecmp(name, own[i]))
			return true;
	return false;
}

static bool wants_close(const struct http_msg *q)
{
	bool keep = q->version_major == 1 && q->version_minor >= 1;

	for (size_t i = 0; i < q->nheaders; i++) {
		const struct http_header *h = &q->headers[i];
		if (!ieq(h->name, h->name_len, "connection"))
			continue;
		if (icontains(h->value, h->value_len, "close"))
			keep = false;
		else if (icontains(h->value, h->value_len, "keep-alive"))
			keep = true;
	}
	return !keep;
}

/* an error answer of the mock's own, with a JSON body */
static void answer_error(struct mconn *c, int status, const char *reason, const char *json,
			 bool close)
{
	dbuf_printf(&c->out,
		    "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
		    "%s\r\n%s",
		    status, reason, strlen(json), close ? "Connection: close\r\n" : "", json);
	if (close)
		c->closing = true;
}

static void answer_recorded(struct mconn *c, const struct rset_msg *r, bool head, bool close)
{
	struct mock *m = c->m;
	bool bodiless =
	    (r->status >= 100 && r->status < 200) || r->status == 204 || r->status == 304;

	dbuf_printf(&c->out, "HTTP/1.1 %d %s\r\n", r->status,
		    r->reason[0] ? r->reason : "Recorded");
	for (size_t i = 0; i < r->nh; i++) {
		const char *n = r->h[i].name, *v = r->h[i].value;
		/* a HEAD answer's Content-Length is the recorded one (RFC 9110 9.3.2) */
		if (own_header(n) && !(head && !strcasecmp(n, "content-length")))
			continue;
		dbuf_printf(&c->out, "%s: ", n);
		if (!m->o->show_secrets && redact_header(&m->memo, (const uint8_t *)n, strlen(n)))
			redact_value(&c->out, (const uint8_t *)n, strlen(n), (const uint8_t *)v,
				     strlen(v));
		else
			dbuf_puts(&c->out, v);
		dbuf_puts(&c->out, "\r\n");
	}
	if (!bodiless && !head)
		dbuf_printf(&c->out, "Content-Length: %zu\r\n", r->body_len);
	if (close)
		dbuf_puts(&c->out, "Connection: close\r\n");
	dbuf_puts(&c->out, "\r\n");
	if (!bodiless && !head)
		dbuf_put(&c->out, r->body, r->body_len);
	if (close)
		c->closing = true;
}

static void answer_unmatched(struct mconn *c, const char *method, const char *target)
{
	const struct match_group *g = match_closest(&c->m->ix, method, target);
	struct jw w = {0};

	jw_obj_open(&w);
	jw_key(&w, "error");
	jw_str(&w, "no recorded request matches");
	jw_key(&w, "request");
	jw_obj_open(&w);
	jw_key(&w, "method");
	jw_str(&w, method);
	jw_key(&w, "target");
	jw_str(&w, target);
	jw_obj_close(&w);
	jw_key(&w, "closest");
	if (g) {
		jw_obj_open(&w);
		jw_key(&w, "method");
		jw_str(&w, g->method);
		jw_key(&w, "target");
		jw_str(&w, g->target);
		jw_obj_close(&w);
	} else {
		jw_raw(&w, "null");
	}
	jw_obj_close(&w);
	answer_error(c, 404, "Not Found", dbuf_cstr(&w.b), false);
	jw_free(&w);
}

/* the parser's callback: one request (or what came instead) */
static void on_message(void *ctx, const struct http_msg *q)
{
	struct mconn *c = ctx;
	struct mock *m = c->m;
	struct match_group *g;
	struct dbuf key = {0};
	char *method, *target;
	bool close;

	c->pending = 0;
	if (c->closing)
		return;
	if (q->kind != HTTP_REQUEST) {
		answer_error(c, 400, "Bad Request", "{\"error\":\"not an HTTP request\"}", true);
		m->refused++;
		return;
	}
	if (q->flags & HTTP_MSG_HEAD_CUT) {
		answer_error(c, 431, "Request Header Fields Too Large",
			     "{\"error\":\"request head too large\"}", true);
		m->refused++;
		return;
	}
	if (q->flags & HTTP_MSG_BODY_CUT) {
		answer_error(c, 413, "Content Too Large", "{\"error\":\"request body too large\"}",
			     true);
		m->refused++;
		return;
	}
	if (q->flags & (HTTP_MSG_TRUNCATED | HTTP_MSG_INCOMPLETE))
		return; /* the connection ended inside it */
	close = wants_close(q);
	method = xstrndup(q->method, q->method_len);
	target = xstrndup(q->target, q->target_len);
	match_key(&key, method, target, q->body, q->body_len);
	g = match_lookup(&m->ix, &key);
	if (g) {
		size_t k = g->served < g->n ? g->served : g->n - 1;
		answer_recorded(c, &m->t[g->idx[k]].resp, !strcmp(method, "HEAD"), close);
		g->served++;
		m->served++;
	} else {
		answer_unmatched(c, method, target);
		if (close)
			c->closing = true;
		m->unmatched++;
	}
	dbuf_free(&key);
	free(method);
	free(target);
}

static void on_txn_done(void *ctx, struct http_txn *t)
{
	(void)ctx;
	(void)t;
}

static const struct http_ops mock_http_ops = {on_message, on_txn_done, NULL};

static void conn_close(struct mconn *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	http_conn_free(c->hp);
	c->hp = NULL;
	dbuf_free(&c->out);
	c->out_off = 0;
	c->pending = 0;
	c->in_off = c->in_len = 0;
	c->closing = false;
	c->draining = false;
}

/* answers written, not sent yet */
static size_t waiting(const struct mconn *c)
{
	return c->out.len - c->out_off;
}

/* parses what was read, MOCK_FEED bytes at a time, while fewer than
 * MOCK_MAX_OUT bytes of answers wait: a slice holds few requests, so the
 * answers never run far past the bound however many requests one read
 * brought (a pipelining client that does not read its answers) */
static void conn_feed(struct mconn *c)
{
	while (c->in_off < c->in_len && !c->closing && waiting(c) < MOCK_MAX_OUT) {
		size_t k = c->in_len - c->in_off < MOCK_FEED ? c->in_len - c->in_off : MOCK_FEED;

		c->pending += k;
		http_conn_data(c->hp, 0, c->in + c->in_off, k, (uint64_t)c->last_ms * 1000000u);
		c->in_off += k;
		if (c->closing)
			break;
		if (http_conn_state(c->hp) == HTTP_NOT || http_conn_state(c->hp) == HTTP_H2) {
			answer_error(c, 400, "Bad Request",
				     "{\"error\":\"not an HTTP/1.x request\"}", true);
			c->m->refused++;
		} else if (c->pending > MOCK_MAX_PENDING) {
			answer_error(c, 413, "Content Too Large",
				     "{\"error\":\"request too large\"}", true);
			c->m->refused++;
		}
	}
}

/* the connection wants to read: all that was read is parsed, and there is room */
static bool wants_input(const struct mconn *c)
{
	return c->draining || (!c->closing && c->in_off == c->in_len && waiting(c) < MOCK_MAX_OUT);
}

static void conn_read(struct mconn *c)
{
	ssize_t n;

	if (!wants_input(c))
		return; /* (POLLHUP or POLLERR with input still to parse) */
	n = recv(c->fd, c->in, sizeof(c->in), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (c->draining) {
		if (n <= 0)
			conn_close(c);
		return; /* dropped */
	}
	if (n <= 0) {
		/* the client is done sending: answers still queued are sent
		 * (a request then a half-close, as nc does), what it left
		 * unfinished gets none */
		if (n == 0 && waiting(c))
			c->closing = true;
		else
			conn_close(c);
		return;
	}
	c->last_ms = now_ms();
	c->in_off = 0;
	c->in_len = (size_t)n;
	conn_feed(c);
}

static void conn_write(struct mconn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			conn_close(c);
			return;
		}
		c->out_off += (size_t)n;
		c->last_ms = now_ms();
	}
	c->out.len = c->out_off = 0;
	conn_feed(c); /* requests read while answers waited */
	if (c->fd < 0 || waiting(c))
		return;
	if (c->closing && !c->draining) {
		shutdown(c->fd, SHUT_WR);
		c->draining = true;
		c->last_ms = now_ms();
	}
}

static void accept_one(struct mock *m, int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct http_limits lim = {MOCK_MAX_BODY, 1};
	struct mconn *c = NULL;

	if (fd < 0)
		return;
	for (size_t i = 0; i < MOCK_MAX_CONNS && !c; i++)
		if (m->c[i].fd < 0)
			c = &m->c[i];
	if (!c) {
		close(fd); /* at the limit: the client sees a closed connection */
		m->refused++;
		return;
	}
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->m = m;
	c->last_ms = now_ms();
	c->hp = http_conn_create(&mock_http_ops, c, &lim, true);
}

/* PORT, HOST:PORT, [V6]:PORT -> a listening socket; -1 usage, -2 could not listen */
static int listen_on(const char *spec, char *shown, size_t cap, FILE *log)
{
	char host[256] = "127.0.0.1";
	const char *port = spec, *colon = strrchr(spec, ':');
	struct addrinfo hints = {0}, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char h[INET6_ADDRSTRLEN];
	int fd, one = 1, e;

	if (colon) {
		size_t hl = (size_t)(colon - spec);
		const char *hs = spec;
		if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
			hs++;
			hl -= 2;
		}
		if (!hl || hl >= sizeof(host)) {
			fprintf(log, "sockrec-analyze: mock: --listen '%s': no host before ':'\n",
				spec);
			return -1;
		}
		memcpy(host, hs, hl);
		host[hl] = 0;
		port = colon + 1;
	}
	if (!*port || strspn(port, "0123456789") != strlen(port) || strlen(port) > 5 ||
	    atoi(port) > 65535) {
		fprintf(log, "sockrec-analyze: mock: --listen '%s': the port must be 0..65535\n",
			spec);
		return -1;
	}
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((e = getaddrinfo(host, port, &hints, &ai))) {
		fprintf(log, "sockrec-analyze: mock: --listen '%s': %s\n", spec, gai_strerror(e));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		fprintf(log, "sockrec-analyze: mock: cannot listen on %s: %s\n", spec,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -2;
	}
	freeaddrinfo(ai);
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &a->sin6_addr, h, sizeof(h));
		snprintf(shown, cap, "[%s]:%u", h, ntohs(a->sin6_port));
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &a->sin_addr, h, sizeof(h));
		snprintf(shown, cap, "%s:%u", h, ntohs(a->sin_port));
	}
	return fd;
}

static bool servable(const struct rset_txn *t, void *ctx)
{
	const char *service = ctx;
	/* a 101 (Upgrade) or CONNECT answer switched protocols: nothing to serve after it */
	return !strcmp(t->server, service) && t->req.seen && t->resp.seen && t->resp.whole &&
	       t->resp.status >= 200 && strcmp(t->method, "CONNECT");
}

int mock_run(const struct rset *s, const struct mock_opts *o)
{
	struct mock *m = xcalloc(1, sizeof(*m));
	struct pollfd pfd[MOCK_MAX_CONNS + 1];
	struct sigaction sa = {0}, old_int, old_term;
	sigset_t block, orig;
	char shown[INET6_ADDRSTRLEN + 16];
	size_t n, nserve = 0;
	int lfd, rc = MOCK_STOPPED;

	m->t = rset_txns(s, &n);
	m->o = o;
	for (size_t i = 0; i < MOCK_MAX_CONNS; i++)
		m->c[i].fd = -1;
	match_index_build(&m->ix, m->t, n, servable, (void *)o->service);
	for (size_t i = 0; i < m->ix.ngroups; i++)
		nserve += m->ix.order[i]->n;
	if (!nserve) {
		fprintf(o->log, "sockrec-analyze: mock: no recorded response of service '%s'\n",
			o->service);
		match_index_free(&m->ix);
		free(m);
		return MOCK_NOTHING;
	}
	lfd = listen_on(o->listen, shown, sizeof(shown), o->log);
	if (lfd < 0) {
		match_index_free(&m->ix);
		free(m);
		return lfd == -1 ? MOCK_USAGE : MOCK_NOTHING;
	}

	/* signals are taken only inside ppoll(): no race between check and wait */
	stop_signal = 0;
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &orig);

	fprintf(o->log, "mock: serving %zu recorded responses of %s on %s\n", nserve, o->service,
		shown);
	fflush(o->log);
	while (!stop_signal) {
		size_t np = 1, slot[MOCK_MAX_CONNS + 1];
		int64_t now = now_ms();
		struct timespec tmo = {1, 0};
		sigset_t during = orig;

		sigdelset(&during, SIGINT);
		sigdelset(&during, SIGTERM);
		pfd[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
		for (size_t i = 0; i < MOCK_MAX_CONNS; i++) {
			struct mconn *c = &m->c[i];
			if (c->fd < 0)
				continue;
			if (now - c->last_ms > (c->draining ? MOCK_DRAIN_MS : MOCK_IDLE_MS)) {
				conn_close(c);
				continue;
			}
			slot[np] = i;
			pfd[np++] = (struct pollfd){
			    .fd = c->fd,
			    .events =
				(short)((waiting(c) ? POLLOUT : 0) | (wants_input(c) ? POLLIN : 0)),
			};
		}
		if (ppoll(pfd, np, &tmo, &during) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(o->log, "sockrec-analyze: mock: poll: %s\n", strerror(errno));
			rc = MOCK_NOTHING;
			break;
		}
		for (size_t i = 1; i < np; i++) {
			struct mconn *c = &m->c[slot[i]];
			if (c->fd != pfd[i].fd)
				continue;
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				conn_read(c);
			if (c->fd >= 0 && !c->draining && (waiting(c) || c->closing))
				conn_write(c); /* (closing with nothing left to send: shut down) */
		}
		if (pfd[0].revents & POLLIN)
			for (int k = 0; k < 16; k++)
				accept_one(m, lfd);
	}
	for (size_t i = 0; i < MOCK_MAX_CONNS; i++)
		conn_close(&m->c[i]);
	close(lfd);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	fprintf(o->log, "mock: stopped: %llu served, %llu unmatched (404), %llu refused\n",
		(unsigned long long)m->served, (unsigned long long)m->unmatched,
		(unsigned long long)m->refused);
	match_index_free(&m->ix);
	free(m);
	return rc;
}
