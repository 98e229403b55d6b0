/* container.c - container metadata from the Docker Engine API or an OCI
 * bundle. See container.h. HTTP/1.1: RFC 9112 (chunked coding: 7.1). */
#include "container.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "record.h"

#define CTR_MAX_NS_SCAN 64 /* namespace directories looked into */

__attribute__((format(printf, 2, 3))) static void set_err(struct cap_ctr_meta *m, const char *fmt,
							  ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->error, sizeof(m->error), fmt, ap);
	va_end(ap);
}

/* ---- HTTP ---- */

static int header_is(const char *line, size_t n, const char *name, const char **val, size_t *vlen)
{
	size_t k = strlen(name);

	if (n <= k || strncasecmp(line, name, k) || line[k] != ':')
		return 0;
	line += k + 1;
	n -= k + 1;
	while (n && (*line == ' ' || *line == '\t'))
		line++, n--;
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	*val = line;
	*vlen = n;
	return 1;
}

/* Decodes a chunked body in place. @return decoded length or -1. */
static long dechunk(char *p, size_t n, char *err, size_t err_cap)
{
	size_t in = 0, out = 0;

	for (;;) {
		size_t size = 0, digits = 0;
		char *eol;

		while (in < n && isxdigit((unsigned char)p[in])) {
			int d = isdigit((unsigned char)p[in])
				    ? p[in] - '0'
				    : (tolower((unsigned char)p[in]) - 'a' + 10);

			if (++digits > 8) {
				snprintf(err, err_cap, "chunk size too large");
				return -1;
			}
			size = size * 16 + d;
			in++;
		}
		if (!digits) {
			snprintf(err, err_cap, "bad chunk size");
			return -1;
		}
		eol = memmem(p + in, n - in, "\r\n", 2); /* skips chunk extensions */
		if (!eol) {
			snprintf(err, err_cap, "truncated chunked body");
			return -1;
		}
		in = eol - p + 2;
		if (size == 0)
			return out;
		if (size > n - in || n - in - size < 2 || p[in + size] != '\r' ||
		    p[in + size + 1] != '\n') {
			snprintf(err, err_cap, "truncated chunked body");
			return -1;
		}
		memmove(p + out, p + in, size);
		out += size;
		in += size + 2;
	}
}

int cap_http_parse(char *buf, size_t len, int *status, char **body, size_t *body_len, char *err,
		   size_t err_cap)
{
	size_t hlen = len < CAP_HTTP_MAX_HEADER ? len : CAP_HTTP_MAX_HEADER;
	char *hend = memmem(buf, hlen, "\r\n\r\n", 4);
	char *line, *b;
	int chunked = 0, have_cl = 0;
	unsigned long long cl = 0;
	size_t blen;

	if (!hend) {
		snprintf(err, err_cap,
			 len >= CAP_HTTP_MAX_HEADER ? "response headers too large"
						    : "truncated response headers");
		return -1;
	}
	if (hend - buf < 12 || memcmp(buf, "HTTP/1.", 7) || buf[8] != ' ' ||
	    !isdigit((unsigned char)buf[9]) || !isdigit((unsigned char)buf[10]) ||
	    !isdigit((unsigned char)buf[11])) {
		snprintf(err, err_cap, "not an HTTP/1.x response");
		return -1;
	}
	*status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	line = memmem(buf, hend + 2 - buf, "\r\n", 2) + 2;
	while (line < hend + 2) {
		char *eol = memmem(line, hend + 2 - line, "\r\n", 2);
		size_t n = eol - line, vlen;
		const char *val;

		if (header_is(line, n, "Transfer-Encoding", &val, &vlen) && vlen >= 7 &&
		    !strncasecmp(val + vlen - 7, "chunked", 7))
			chunked = 1;
		if (header_is(line, n, "Content-Length", &val, &vlen)) {
			size_t i;

			cl = 0;
			if (!vlen || vlen > 12) {
				snprintf(err, err_cap, "bad Content-Length");
				return -1;
			}
			for (i = 0; i < vlen; i++) {
				if (!isdigit((unsigned char)val[i])) {
					snprintf(err, err_cap, "bad Content-Length");
					return -1;
				}
				cl = cl * 10 + (val[i] - '0');
			}
			have_cl = 1;
		}
		line = eol + 2;
	}
	b = hend + 4;
	blen = len - (b - buf);
	if (chunked) {
		long n = dechunk(b, blen, err, err_cap);

		if (n < 0)
			return -1;
		blen = n;
	} else if (have_cl) {
		if (cl > blen) {
			snprintf(err, err_cap, "truncated body (%zu of %llu bytes)", blen, cl);
			return -1;
		}
		blen = cl;
	}
	*body = b;
	*body_len = blen;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* GET path over the unix socket; @return bytes read into buf or -1. */
static long unix_http_get(const char *sock_path, const char *path, char *buf, size_t cap, char *err,
			  size_t err_cap)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	long long deadline = now_ms() + CAP_HTTP_TIMEOUT_MS;
	char req[512];
	size_t got = 0;
	int fd, n;

	if (strlen(sock_path) >= sizeof(sa.sun_path)) {
		snprintf(err, err_cap, "socket path too long");
		return -1;
	}
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, err_cap, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) && errno != EINPROGRESS &&
	    errno != EAGAIN) {
		snprintf(err, err_cap, "connect %s: %s", sock_path, strerror(errno));
		close(fd);
		return -1;
	}
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: docker\r\nUser-Agent: sockrec/" SOCKREC_VERSION
		     "\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
		     path);
	for (int sent = 0; sent < n;) {
		struct pollfd pfd = {fd, POLLOUT, 0};
		long long left = deadline - now_ms();
		ssize_t w;

		if (left <= 0 || poll(&pfd, 1, left) <= 0) {
			snprintf(err, err_cap, "%s: timed out", sock_path);
			close(fd);
			return -1;
		}
		w = send(fd, req + sent, n - sent, MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			snprintf(err, err_cap, "send %s: %s", sock_path, strerror(errno));
			close(fd);
			return -1;
		}
		if (w > 0)
			sent += w;
	}
	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};
		long long left = deadline - now_ms();
		ssize_t r;

		if (left <= 0 || poll(&pfd, 1, left) <= 0) {
			snprintf(err, err_cap, "%s: timed out", sock_path);
			close(fd);
			return -1;
		}
		if (got == cap) {
			snprintf(err, err_cap, "response larger than %zu bytes", cap);
			close(fd);
			return -1;
		}
		r = recv(fd, buf + got, cap - got, 0);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			snprintf(err, err_cap, "recv %s: %s", sock_path, strerror(errno));
			close(fd);
			return -1;
		}
		got += r;
	}
	close(fd);
	return got;
}

/* ---- documents ---- */

/* Appends "KEY=VALUE\0" for every string member of obj to m->labels. */
static void take_labels(struct cap_ctr_meta *m, const struct cap_json *obj)
{
	struct cap_json_iter it;
	struct cap_json k, v;
	char key[1024];

	if (cap_json_iter_init(obj, &it) || cap_json_kind(obj) != '{')
		return;
	if (!m->labels) {
		m->labels = malloc(CAP_CTR_MAX_LABELS);
		if (!m->labels)
			return;
	}
	while (cap_json_iter_next(&it, &k, &v)) {
		size_t room = CAP_CTR_MAX_LABELS - m->labels_len;
		long kl, vl;

		if (cap_json_kind(&v) != '"')
			continue;
		kl = cap_json_string(&k, key, sizeof(key));
		if (kl <= 0 || (size_t)kl + 2 > room)
			continue;
		vl = cap_json_string(&v, m->labels + m->labels_len + kl + 1, room - kl - 1);
		if (vl < 0)
			continue;
		memcpy(m->labels + m->labels_len, key, kl);
		m->labels[m->labels_len + kl] = '=';
		m->labels_len += kl + 1 + vl + 1;
	}
}

static void add_addr(struct cap_ctr_meta *m, const struct cap_json *v)
{
	char a[64];
	long n = cap_json_string(v, a, sizeof(a));
	size_t pos = 0;

	if (n <= 0)
		return;
	while (pos < m->addrs_len) { /* already listed? */
		if (!strcmp(m->addrs + pos, a))
			return;
		pos += strlen(m->addrs + pos) + 1;
	}
	if (m->addrs_len + n + 1 > sizeof(m->addrs))
		return;
	memcpy(m->addrs + m->addrs_len, a, n + 1);
	m->addrs_len += n + 1;
}

static void take_string(const struct cap_json *root, const char *path, char *dst, size_t cap)
{
	struct cap_json v;

	if (cap_json_path(root, path, &v) && cap_json_string(&v, dst, cap) >= 0)
		return;
	dst[0] = 0;
}

int cap_ctr_from_docker_json(const char *doc, size_t len, struct cap_ctr_meta *m)
{
	struct cap_json root, v, nets, k, net;
	struct cap_json_iter it;
	char name[256];

	if (cap_json_parse(doc, len, &root) || cap_json_kind(&root) != '{') {
		set_err(m, "container metadata is not a JSON object");
		return -1;
	}
	take_string(&root, "Name", name, sizeof(name));
	snprintf(m->name, sizeof(m->name), "%s", name[0] == '/' ? name + 1 : name);
	take_string(&root, "Config.Image", m->image, sizeof(m->image));
	if (cap_json_path(&root, "Config.Labels", &v))
		take_labels(m, &v);
	if (cap_json_path(&root, "NetworkSettings.IPAddress", &v))
		add_addr(m, &v);
	if (cap_json_path(&root, "NetworkSettings.GlobalIPv6Address", &v))
		add_addr(m, &v);
	if (cap_json_path(&root, "NetworkSettings.Networks", &nets) &&
	    !cap_json_iter_init(&nets, &it)) {
		while (cap_json_iter_next(&it, &k, &net)) {
			if (cap_json_member(&net, "IPAddress", &v))
				add_addr(m, &v);
			if (cap_json_member(&net, "GlobalIPv6Address", &v))
				add_addr(m, &v);
		}
	}
	return 0;
}

int cap_ctr_from_oci_config(const char *doc, size_t len, struct cap_ctr_meta *m)
{
	static const char *const name_keys[] = {"io.kubernetes.cri.container-name",
						"io.kubernetes.container.name", "nerdctl/name"};
	static const char *const image_keys[] = {"io.kubernetes.cri.image-name",
						 "io.kubernetes.container.image"};
	struct cap_json root, ann, v;
	unsigned i;

	if (cap_json_parse(doc, len, &root) || cap_json_kind(&root) != '{') {
		set_err(m, "config.json is not a JSON object");
		return -1;
	}
	if (!cap_json_member(&root, "annotations", &ann))
		return 0;
	take_labels(m, &ann);
	for (i = 0; i < sizeof(name_keys) / sizeof(name_keys[0]) && !m->name[0]; i++)
		if (cap_json_member(&ann, name_keys[i], &v) &&
		    cap_json_string(&v, m->name, sizeof(m->name)) < 0)
			m->name[0] = 0;
	for (i = 0; i < sizeof(image_keys) / sizeof(image_keys[0]) && !m->image[0]; i++)
		if (cap_json_member(&ann, image_keys[i], &v) &&
		    cap_json_string(&v, m->image, sizeof(m->image)) < 0)
			m->image[0] = 0;
	return 0;
}

/* ---- sources ---- */

static void from_docker(const char *sock, struct cap_ctr_meta *m)
{
	char path[128], err[200];
	char *buf = malloc(CAP_HTTP_MAX_RESPONSE), *body;
	size_t body_len;
	long n;
	int status;

	if (!buf) {
		set_err(m, "out of memory");
		return;
	}
	snprintf(path, sizeof(path), "/containers/%s/json", m->id);
	n = unix_http_get(sock, path, buf, CAP_HTTP_MAX_RESPONSE, err, sizeof(err));
	if (n < 0) {
		set_err(m, "docker API %.80s: %.150s", sock, err);
		goto out;
	}
	if (cap_http_parse(buf, n, &status, &body, &body_len, err, sizeof(err))) {
		set_err(m, "docker API %.80s: %.150s", sock, err);
		goto out;
	}
	if (status != 200) {
		set_err(m, "docker API: GET /containers/<id>/json answered %d%s", status,
			status == 404 ? " (no such container)" : "");
		goto out;
	}
	if (body_len > SR_MAX_DOC) {
		set_err(m, "docker API: document larger than %u bytes", SR_MAX_DOC);
		goto out;
	}
	if (cap_ctr_from_docker_json(body, body_len, m))
		goto out;
	m->doc = malloc(body_len ? body_len : 1);
	if (!m->doc) {
		set_err(m, "out of memory");
		goto out;
	}
	memcpy(m->doc, body, body_len);
	m->doc_len = body_len;
	m->error[0] = 0;
out:
	free(buf);
}

/* @return 1 when path is a regular file read into m->doc (up to SR_MAX_DOC) */
static int read_doc(const char *path, struct cap_ctr_meta *m)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	ssize_t r;
	size_t got = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > (off_t)SR_MAX_DOC) {
		close(fd);
		return 0;
	}
	m->doc = malloc(st.st_size ? st.st_size : 1);
	if (!m->doc) {
		close(fd);
		return 0;
	}
	while (got < (size_t)st.st_size && (r = read(fd, m->doc + got, st.st_size - got)) > 0)
		got += r;
	close(fd);
	m->doc_len = got;
	return 1;
}

static int try_bundle(const char *dir, struct cap_ctr_meta *m)
{
	static const char *const layouts[] = {"%s/%s/config.json", "%s/%s/userdata/config.json"};
	char path[8192];
	unsigned i;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		snprintf(path, sizeof(path), layouts[i], dir, m->id);
		if (read_doc(path, m))
			return 1;
	}
	return 0;
}

/* Looks in root, root/<ns>, root/io.containerd.runtime.v2.task/<ns>; with
 * no namespace, in every subdirectory of those (bounded). */
static void from_containerd(const char *root, const char *ns, struct cap_ctr_meta *m)
{
	char dir[8192];
	const char *bases[2];
	unsigned b;
	int found = 0;

	snprintf(dir, sizeof(dir), "%s/io.containerd.runtime.v2.task", root);
	bases[0] = root;
	bases[1] = dir;
	found = try_bundle(root, m);
	for (b = 0; b < 2 && !found; b++) {
		char sub[8192 + 256];

		if (ns && ns[0]) {
			snprintf(sub, sizeof(sub), "%s/%s", bases[b], ns);
			found = try_bundle(sub, m);
		} else {
			DIR *d = opendir(bases[b]);
			struct dirent *de;
			unsigned seen = 0;

			while (d && !found && (de = readdir(d)) && seen++ < CTR_MAX_NS_SCAN) {
				if (de->d_name[0] == '.')
					continue;
				snprintf(sub, sizeof(sub), "%s/%s", bases[b], de->d_name);
				found = try_bundle(sub, m);
			}
			if (d)
				closedir(d);
		}
	}
	if (!found) {
		set_err(m, "no bundle config.json for this container under %s", root);
		return;
	}
	if (cap_ctr_from_oci_config(m->doc, m->doc_len, m)) {
		free(m->doc);
		m->doc = NULL;
		m->doc_len = 0;
		return;
	}
	m->error[0] = 0;
}

void cap_ctr_lookup(const struct cap_container_ref *ref, const char *docker_socket,
		    const char *containerd_root, const char *ns, struct cap_ctr_meta *m)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->id, ref->id, sizeof(m->id));
	snprintf(m->runtime, sizeof(m->runtime), "%s", ref->runtime ? ref->runtime : "");
	if (docker_socket && docker_socket[0]) {
		from_docker(docker_socket, m);
		if (m->doc) {
			if (!m->runtime[0])
				snprintf(m->runtime, sizeof(m->runtime), "docker");
			return;
		}
	}
	if (containerd_root && containerd_root[0]) {
		char docker_err[sizeof(m->error)];

		memcpy(docker_err, m->error, sizeof(docker_err));
		from_containerd(containerd_root, ns, m);
		if (m->doc) {
			if (!m->runtime[0])
				snprintf(m->runtime, sizeof(m->runtime), "containerd");
			return;
		}
		if (docker_err[0]) {
			char both[sizeof(m->error)];

			snprintf(both, sizeof(both), "%.120s; %.120s", docker_err, m->error);
			memcpy(m->error, both, sizeof(both));
		}
		return;
	}
	if (!m->error[0])
		set_err(m, "no container runtime API configured (--docker-socket, "
			   "--containerd-root)");
}

void cap_ctr_meta_free(struct cap_ctr_meta *m)
{
	if (!m)
		return;
	free(m->labels);
	free(m->doc);
	m->labels = m->doc = NULL;
	m->labels_len = m->doc_len = 0;
}
