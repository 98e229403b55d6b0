/* findings/creds.c - cleartext credentials: credential headers
 * (sr_secret_header, format/secret.h: the one rule) and secret-looking URL
 * parameters sent without TLS, grouped by server, credential and user
 * name; values never reach the output (Basic auth: the user name only). */
#include "findings/internal.h"

#include <stdlib.h>
#include <string.h>

#include "record.h"

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
	fnd_ip_norm(key.server_ip, x->server_ip);
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
		    fnd_grow(f->creds, &f->cap_creds, f->ncreds, FND_MAX_CREDS, sizeof(*f->creds));
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

void fnd_creds_scan(struct findings *f, const struct fnd_exchange *x)
{
	char client_ip[IP_LEN], path[AUDIT_PATH];
	enum godebug_endpoint ep;
	struct godebug_query q;
	const char *k, *v;
	size_t kl, vl, pn = 0;
	const char *t = x->target ? x->target : "";
	size_t tn = x->target ? x->target_len : 0;

	fnd_ip_norm(client_ip, x->client_ip);
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
		if (!strcmp(dk, "token") && (ep == GODEBUG_EP_FR_CAPTURE ||
					     ep == GODEBUG_EP_FR_STOP || ep == GODEBUG_EP_FR_START))
			continue;
		if (sr_secret_param(dk, strlen(dk), v, vl))
			cred_add(f, x, CRED_URL, dk, "", "", path, client_ip);
	}
}

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

void fnd_cred_finding(const struct findings *f, const struct cred *c, struct items *items)
{
	struct item *it;
	json_t *o, *a, *cr;
	struct svc sv;
	enum pclass worst = fnd_classify(f, c->server_ip);
	int sev;
	char title[512], reason[512];
	char peers[FND_MAX_CRED_PEERS][IP_LEN];

	if (worst == PC_UNKNOWN)
		worst = PC_LOOPBACK;
	for (unsigned i = 0; i < c->npeers; i++) {
		enum pclass pc = fnd_classify(f, c->peers[i]);
		if (pc > worst)
			worst = pc;
	}
	sev = worst == PC_EXTERNAL				 ? FND_SEV_HIGH
	      : (worst == PC_CONTAINER || worst == PC_THIS_HOST) ? FND_SEV_MEDIUM
								 : FND_SEV_INFO;
	fnd_service_of(f, c->host, c->pid, c->comm, c->server_ip, &sv);
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
		 (unsigned long long)c->requests, fnd_pclass_name(worst));

	o = json_object();
	fnd_jset(o, "id", json_string(""));
	fnd_jset(
	    o, "kind",
	    json_string(c->kind == CRED_HEADER ? "cleartext_credential" : "credential_in_url"));
	fnd_jset(o, "severity", json_string(fnd_sev_names[sev]));
	fnd_jset(o, "confidence", json_string("confirmed"));
	fnd_jset(o, "title", fnd_jstr(title));
	fnd_jset(o, "reason", fnd_jstr(reason));
	fnd_jset(o, "service", fnd_jservice(&sv, c->host, c->pid));
	a = json_array();
	{
		json_t *l = json_object();
		fnd_jset(l, "ip", fnd_jstr(c->server_ip));
		fnd_jset(l, "port", fnd_jint(c->port));
		fnd_jset(l, "loopback", json_boolean(fnd_text_loopback(c->server_ip)));
		json_array_append_new(a, l);
	}
	fnd_jset(o, "listen", a);
	fnd_jset(o, "first_seen", fnd_jtime(c->first));
	fnd_jset(o, "last_seen", fnd_jtime(c->last));
	fnd_jset(o, "requests", fnd_jint(c->requests));
	cr = json_object();
	if (c->kind == CRED_HEADER) {
		fnd_jset(cr, "header", fnd_jstr(c->name));
		fnd_jset(cr, "scheme", c->scheme[0] ? fnd_jstr(c->scheme) : json_null());
		fnd_jset(cr, "username", c->username[0] ? fnd_jstr(c->username) : json_null());
	} else {
		fnd_jset(cr, "parameter", fnd_jstr(c->name));
	}
	fnd_jset(o, "credential", cr);
	memcpy(peers, c->peers, sizeof(peers));
	qsort(peers, c->npeers, IP_LEN, fnd_cmp_str);
	a = json_array();
	for (unsigned i = 0; i < c->npeers; i++)
		json_array_append_new(a, fnd_jpeer_ref(f, peers[i]));
	fnd_jset(o, "peers", a);
	fnd_jset(o, "peers_omitted", fnd_jint(c->peers_omitted));
	{
		char paths[FND_MAX_CRED_PATHS][AUDIT_PATH];
		memcpy(paths, c->paths, sizeof(paths));
		qsort(paths, c->npaths, AUDIT_PATH, fnd_cmp_str);
		a = json_array();
		for (unsigned i = 0; i < c->npaths; i++)
			json_array_append_new(a, fnd_jstr(paths[i]));
		fnd_jset(o, "paths", a);
		fnd_jset(o, "paths_omitted", fnd_jint(c->paths_omitted));
	}
	fnd_jset(o, "remediation",
		 fnd_jremedy(c->kind == CRED_HEADER ? remedy_cred : remedy_url, NULL, NULL));

	it = fnd_items_push(items);
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
