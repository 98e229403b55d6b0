/* tls.c - the TLS libraries of targets, probed for plaintext. See tls.h. */
#include "tls.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "goelf.h"
#include "sockrec.h"

#define VERSION_SCAN_MAX (16u << 20) /* bytes of libcrypto searched for its version */

/* the functions probed, in the order of struct cap_tls_progs (the last
 * two share one entry program; the return probe goes on each of them);
 * the first two must exist */
static const char *const funcs[] = {"SSL_read",	    "SSL_write",	"SSL_read_ex",
				    "SSL_write_ex", "SSL_do_handshake", "SSL_shutdown"};
#define NFUNCS (sizeof(funcs) / sizeof(funcs[0]))
#define NREQUIRED 2

struct lib {
	uint64_t dev, ino;
	int fd; /* the file, open: probes attach through /proc/self/fd/N, which
		 * outlives the process whose /proc/PID/root led to it */
	int probed;
	char library[64];
	char error[192];
	struct bpf_link *links[2 * NFUNCS];
};

/* the Go functions probed (names stable from Go 1.17 to 1.23 at least) */
#define GO_READ "crypto/tls.(*Conn).Read"
#define GO_WRITE "crypto/tls.(*Conn).Write"
#define GO_CLIENT_HS "crypto/tls.(*Conn).clientHandshake"
#define GO_SERVER_HS "crypto/tls.(*Conn).serverHandshake"
#define GO_TCP_CLOSE "net.(*TCPConn).Close"
#define GO_MIN_MINOR 17 /* the register ABI */
#define GO_MAX_LINKS (4 + 4 * GOELF_MAX_RETS)

/* A Go executable with crypto/tls. */
struct gobin {
	uint64_t dev, ino;
	int fd; /* open, as for struct lib */
	int probed;
	int in_map;	  /* its go_bins entry was written */
	char library[64]; /* "Go crypto/tls go1.19.8" */
	char error[192];
	struct bpf_link *links[GO_MAX_LINKS];
	unsigned nlinks;
};

struct filekey {
	uint64_t dev, ino;
};

struct seen {
	uint32_t pid;
	uint64_t ino;
};

struct cap_tls {
	struct cap_tls_progs p;
	char proc_root[64];
	struct lib libs[CAP_TLS_MAX_LIBS];
	unsigned nlibs;
	struct seen seen[CAP_TLS_MAX_SEEN];
	unsigned nseen, seen_next; /* a ring once full: the oldest goes first */
	struct gobin go[CAP_TLS_MAX_GO];
	unsigned ngo;
	struct filekey notgo[CAP_TLS_MAX_NOTGO];
	unsigned nnotgo, notgo_next; /* a ring once full */
};

struct cap_tls *cap_tls_create(const struct cap_tls_progs *p, const char *proc_root)
{
	struct cap_tls *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->p = *p;
	snprintf(t->proc_root, sizeof(t->proc_root), "%s", proc_root);
	return t;
}

void cap_tls_free(struct cap_tls *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < t->nlibs; i++)
		for (unsigned k = 0; k < 2 * NFUNCS; k++)
			bpf_link__destroy(t->libs[i].links[k]);
	for (unsigned i = 0; i < t->nlibs; i++)
		if (t->libs[i].fd >= 0)
			close(t->libs[i].fd);
	for (unsigned i = 0; i < t->ngo; i++) {
		for (unsigned k = 0; k < t->go[i].nlinks; k++)
			bpf_link__destroy(t->go[i].links[k]);
		close(t->go[i].fd);
	}
	free(t);
}

const char *cap_tls_maps_path(const char *line, uint64_t *ino)
{
	/* "start-end perms offset dev inode   path" */
	const char *p = line;
	unsigned long long v;
	char *end;
	int field;

	for (field = 0; field < 4; field++) {
		while (*p && *p != ' ')
			p++;
		while (*p == ' ')
			p++;
	}
	if (!*p)
		return NULL;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno || end == p || v == 0)
		return NULL; /* anonymous memory has inode 0 */
	p = end;
	while (*p == ' ')
		p++;
	if (*p != '/')
		return NULL;
	*ino = v;
	return p;
}

static int lib_named(const char *path, const char *stem)
{
	const char *base = strrchr(path, '/');
	size_t n = strlen(stem);

	base = base ? base + 1 : path;
	if (strncmp(base, stem, n))
		return 0;
	base += n;
	return !*base || *base == '.';
}

int cap_tls_is_libssl(const char *path)
{
	return lib_named(path, "libssl.so");
}

int cap_tls_is_libcrypto(const char *path)
{
	return lib_named(path, "libcrypto.so");
}

int cap_tls_version(const uint8_t *buf, size_t len, char *out, size_t cap)
{
	static const char tag[] = "OpenSSL ";
	const size_t n = sizeof(tag) - 1;
	const uint8_t *p = buf, *end = buf + len;

	while (p + n < end) {
		const uint8_t *hit = memmem(p, (size_t)(end - p), tag, n);
		size_t k = 0;

		if (!hit)
			break;
		/* "OpenSSL 3.0.19 27 Jan 2026": digits and dots, then a space */
		while (hit + n + k < end &&
		       ((hit[n + k] >= '0' && hit[n + k] <= '9') || (hit[n + k] == '.' && k) ||
			(hit[n + k] >= 'a' && hit[n + k] <= 'z' && k)))
			k++;
		if (k >= 3 && hit + n + k < end && hit[n + k] == ' ' && hit[n] >= '0' &&
		    hit[n] <= '9' && memchr(hit + n, '.', k)) {
			snprintf(out, cap, "OpenSSL %.*s", (int)k, (const char *)hit + n);
			return 0;
		}
		p = hit + 1;
	}
	return -1;
}

/* Opens a library file a process maps, or names: O_NONBLOCK, so that a
 * FIFO put in its place (inside a target's container) cannot block the
 * capture; anything but a regular file is refused. @return fd or -1. */
static int open_regular(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* The version text from a libcrypto file. */
static void version_of_file(const char *path, char *out, size_t cap)
{
	uint8_t *buf;
	ssize_t got;
	int fd = open_regular(path);

	if (fd < 0)
		return;
	buf = malloc(VERSION_SCAN_MAX);
	got = buf ? read(fd, buf, VERSION_SCAN_MAX) : -1;
	if (got > 0)
		cap_tls_version(buf, (size_t)got, out, cap);
	free(buf);
	close(fd);
}

/* The version text from the libcrypto pid maps (the same OpenSSL build). */
static void find_version(const struct cap_tls *t, uint32_t pid, const char *ssl_path, char *out,
			 size_t cap)
{
	char path[4200], line[4600];
	const char *so = strrchr(ssl_path, '/');
	FILE *f;
	int done = 0;

	/* "libssl.so.3" -> "OpenSSL (libssl.so.3)" when nothing better is found */
	snprintf(out, cap, "OpenSSL (%s)", so ? so + 1 : ssl_path);
	snprintf(path, sizeof(path), "%s/%u/maps", t->proc_root, pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (!done && fgets(line, sizeof(line), f)) {
		uint64_t ino;
		const char *lp;

		line[strcspn(line, "\n")] = 0;
		lp = cap_tls_maps_path(line, &ino);
		if (!lp || !cap_tls_is_libcrypto(lp))
			continue;
		done = 1;
		snprintf(path, sizeof(path), "%s/%u/root%s", t->proc_root, pid, lp);
		version_of_file(path, out, cap);
	}
	fclose(f);
}

/* Attaches the probes to the library file at path (a /proc/PID/root path). */
static void lib_attach(struct cap_tls *t, struct lib *l, const char *path)
{
	unsigned k, attached = 0;

	for (k = 0; k < NFUNCS; k++) {
		LIBBPF_OPTS(bpf_uprobe_opts, in, .func_name = funcs[k]);
		LIBBPF_OPTS(bpf_uprobe_opts, ret, .func_name = funcs[k], .retprobe = true);
		struct bpf_link *a, *b;

		a = bpf_program__attach_uprobe_opts(t->p.prog[k < 4 ? k : 4], -1, path, 0, &in);
		if (!a) {
			if (k < NREQUIRED) {
				snprintf(l->error, sizeof(l->error), "cannot probe %s: %s",
					 funcs[k], strerror(errno));
				break;
			}
			continue; /* an older libssl without the _ex calls */
		}
		b = bpf_program__attach_uprobe_opts(t->p.prog[CAP_TLS_NPROGS - 1], -1, path, 0,
						    &ret);
		if (!b) {
			snprintf(l->error, sizeof(l->error), "cannot probe the return of %s: %s",
				 funcs[k], strerror(errno));
			bpf_link__destroy(a);
			break;
		}
		l->links[2 * k] = a;
		l->links[2 * k + 1] = b;
		attached++;
	}
	if (l->error[0]) {
		for (k = 0; k < 2 * NFUNCS; k++) {
			bpf_link__destroy(l->links[k]);
			l->links[k] = NULL;
		}
		return;
	}
	l->probed = attached >= NREQUIRED;
}

/* @return the library entry of the open file fd (taken: kept open or
 * closed), attached when new; NULL (err says why) when none can be had.
 * version: the libcrypto to read the version from, or NULL to look it up
 * in pid's maps. */
static struct lib *lib_take(struct cap_tls *t, int fd, uint32_t pid, const char *mpath,
			    const char *crypto, char *err, size_t err_cap, int *new_file)
{
	char self[64];
	struct stat st;
	struct lib *l;
	unsigned i;

	if (fstat(fd, &st)) {
		snprintf(err, err_cap, "cannot stat %.160s: %s", mpath, strerror(errno));
		close(fd);
		return NULL;
	}
	for (i = 0; i < t->nlibs; i++)
		if (t->libs[i].ino == (uint64_t)st.st_ino &&
		    t->libs[i].dev == (uint64_t)st.st_dev) {
			close(fd);
			return &t->libs[i];
		}
	if (t->nlibs == CAP_TLS_MAX_LIBS) {
		snprintf(err, err_cap, "more than %u TLS library files: not probed",
			 CAP_TLS_MAX_LIBS);
		close(fd);
		return NULL;
	}
	l = &t->libs[t->nlibs++];
	memset(l, 0, sizeof(*l));
	*new_file = 1;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	l->fd = fd;
	if (crypto) {
		const char *so = strrchr(mpath, '/');
		snprintf(l->library, sizeof(l->library), "OpenSSL (%s)", so ? so + 1 : mpath);
		version_of_file(crypto, l->library, sizeof(l->library));
	} else {
		find_version(t, pid, mpath, l->library, sizeof(l->library));
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	lib_attach(t, l, self);
	return l;
}

static struct lib *lib_get(struct cap_tls *t, uint32_t pid, const char *mpath, uint64_t ino,
			   char *err, size_t err_cap, int *new_file)
{
	char path[4200];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%u/root%s", t->proc_root, pid, mpath);
	fd = open_regular(path);
	if (fd < 0) {
		snprintf(err, err_cap, "cannot open %.160s: %s", path,
			 errno == EINVAL ? "not a regular file" : strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || (uint64_t)st.st_ino != ino) {
		snprintf(err, err_cap, "%.160s was replaced since it was mapped", mpath);
		close(fd);
		return NULL;
	}
	return lib_take(t, fd, pid, mpath, NULL, err, err_cap, new_file);
}

unsigned cap_tls_attach_host(struct cap_tls *t)
{
	static const char *const dirs[] = {"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu",
					   "/usr/lib64", "/usr/lib", "/usr/local/lib"};
	unsigned n = 0;

	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *de;

		if (!dir)
			continue;
		while ((de = readdir(dir))) {
			char path[512], crypto[512], err[256];
			int fd, new_file = 0;
			const struct lib *l;

			if (!cap_tls_is_libssl(de->d_name) || !strcmp(de->d_name, "libssl.so"))
				continue; /* the unversioned name is the -dev package's link */
			snprintf(path, sizeof(path), "%s/%s", dirs[d], de->d_name);
			snprintf(crypto, sizeof(crypto), "%s/libcrypto%s", dirs[d],
				 de->d_name + strlen("libssl"));
			fd = open_regular(path);
			if (fd < 0)
				continue;
			l = lib_take(t, fd, 0, path, crypto, err, sizeof(err), &new_file);
			if (l && new_file && l->probed)
				n++;
		}
		closedir(dir);
	}
	return n;
}

static int seen_has(const struct cap_tls *t, uint32_t pid, uint64_t ino)
{
	for (unsigned i = 0; i < t->nseen; i++)
		if (t->seen[i].pid == pid && t->seen[i].ino == ino)
			return 1;
	return 0;
}

static void seen_add(struct cap_tls *t, uint32_t pid, uint64_t ino)
{
	struct seen *s;

	if (t->nseen < CAP_TLS_MAX_SEEN) {
		s = &t->seen[t->nseen++];
	} else {
		s = &t->seen[t->seen_next];
		t->seen_next = (t->seen_next + 1) % CAP_TLS_MAX_SEEN;
	}
	s->pid = pid;
	s->ino = ino;
}

int cap_tls_reported(const struct cap_tls *t, uint32_t pid)
{
	if (!t || !pid)
		return 0;
	for (unsigned i = 0; i < t->nseen; i++)
		if (t->seen[i].pid == pid)
			return 1;
	return 0;
}

unsigned cap_tls_gone(struct cap_tls *t, uint32_t pid, int go, uint64_t ts_ns, cap_tls_emit_fn emit,
		      void *ctx)
{
	const char *library = NULL;
	struct sr_record rec;
	uint64_t inode = 0;
	unsigned i, probed = 0;

	if (go) {
		for (i = 0; i < t->ngo; i++)
			if (t->go[i].probed) {
				library = t->go[i].library;
				inode = t->go[i].ino;
				probed++;
			}
	} else {
		for (i = 0; i < t->nlibs; i++)
			if (t->libs[i].probed) {
				library = t->libs[i].library;
				inode = t->libs[i].ino;
				probed++;
			}
	}
	memset(&rec, 0, sizeof(rec));
	rec.type = SR_REC_TLS;
	rec.tls.ts_ns = ts_ns;
	rec.tls.pid = pid;
	rec.tls.status = SR_TLS_PROBED;
	if (probed == 1) {
		rec.tls.inode = inode;
		rec.tls.library = sr_str(library);
	} else if (go) {
		rec.tls.library = sr_str("Go crypto/tls (executable unknown: the process ended "
					 "before it was read)");
	} else {
		rec.tls.library = sr_str("OpenSSL (library file unknown: the process ended "
					 "before its maps were read)");
	}
	seen_add(t, pid, rec.tls.inode);
	emit(ctx, &rec, 0);
	return 1;
}

void cap_tls_forget(struct cap_tls *t, uint32_t pid)
{
	if (!t)
		return;
	for (unsigned i = 0; i < t->nseen; i++)
		if (t->seen[i].pid == pid)
			t->seen[i].pid = 0; /* no process has pid 0 */
}

/* ---- Go's crypto/tls ---- */

int cap_tls_go_minor(const char *version)
{
	const char *p = version ? strstr(version, "go1.") : NULL;
	long minor = 0;
	int digits = 0;

	if (!p)
		return -1;
	for (p += 4; *p >= '0' && *p <= '9' && digits < 4; p++, digits++)
		minor = minor * 10 + (*p - '0');
	return digits && digits < 4 ? (int)minor : -1;
}

static int notgo_has(const struct cap_tls *t, uint64_t dev, uint64_t ino)
{
	for (unsigned i = 0; i < t->nnotgo; i++)
		if (t->notgo[i].ino == ino && t->notgo[i].dev == dev)
			return 1;
	return 0;
}

static void notgo_add(struct cap_tls *t, uint64_t dev, uint64_t ino)
{
	struct filekey *k;

	if (t->nnotgo < CAP_TLS_MAX_NOTGO) {
		k = &t->notgo[t->nnotgo++];
	} else {
		k = &t->notgo[t->notgo_next];
		t->notgo_next = (t->notgo_next + 1) % CAP_TLS_MAX_NOTGO;
	}
	k->dev = dev;
	k->ino = ino;
}

/* @return 1 when another Go executable in the go_bins map has b's inode
 * number (on another file system). */
static int go_ino_taken(const struct cap_tls *t, const struct gobin *b)
{
	for (unsigned i = 0; i < t->ngo; i++)
		if (&t->go[i] != b && t->go[i].in_map && t->go[i].ino == b->ino)
			return 1;
	return 0;
}

/* Attaches a uprobe of prog at a file offset of the executable. */
static int go_link(struct cap_tls *t, struct gobin *b, struct bpf_program *prog, const char *path,
		   uint64_t off, const char *what)
{
	struct bpf_link *l;

	if (b->nlinks == GO_MAX_LINKS) {
		snprintf(b->error, sizeof(b->error), "more than %u probes", GO_MAX_LINKS);
		return -1;
	}
	l = bpf_program__attach_uprobe(prog, false, -1, path, (size_t)off);
	if (!l) {
		snprintf(b->error, sizeof(b->error), "cannot probe %s at offset 0x%llx: %s", what,
			 (unsigned long long)off, strerror(errno));
		return -1;
	}
	(void)t;
	b->links[b->nlinks++] = l;
	return 0;
}

/* Attaches prog at each RET of fn. @return 0, or -1 (b->error says why). */
static int go_link_rets(struct cap_tls *t, struct gobin *b, struct bpf_program *prog,
			const char *path, const struct goelf_fn *fn, const char *name)
{
	char what[96];

	if (!fn->nrets) {
		snprintf(b->error, sizeof(b->error), "no RET instruction found in %s", name);
		return -1;
	}
	snprintf(what, sizeof(what), "a RET of %s", name);
	for (unsigned k = 0; k < fn->nrets; k++)
		if (go_link(t, b, prog, path, fn->rets[k], what))
			return -1;
	return 0;
}

/* Fills b's go_bins entry and attaches its probes; on failure b->error
 * says why and nothing stays attached. */
static void go_attach(struct cap_tls *t, struct gobin *b, struct goelf *g)
{
	struct goelf_fn rd, wr, chs, shs, cl;
	struct sr_go_bin v;
	char self[64], err[160];
	int have_chs, have_shs;

	if (goelf_func(g, GO_WRITE, &wr, err, sizeof(err))) {
		snprintf(b->error, sizeof(b->error), "%s", err);
		return;
	}
	if (goelf_func(g, GO_READ, &rd, err, sizeof(err))) {
		snprintf(b->error, sizeof(b->error), "%s", err);
		return;
	}
	if (goelf_func(g, GO_TCP_CLOSE, &cl, err, sizeof(err))) {
		snprintf(b->error, sizeof(b->error), "cannot tell a *net.TCPConn: %.120s", err);
		return;
	}
	/* optional: without them the handshake's ciphertext keeps its payload
	 * and Writes are recorded at their return */
	have_chs = !goelf_func(g, GO_CLIENT_HS, &chs, err, sizeof(err));
	have_shs = !goelf_func(g, GO_SERVER_HS, &shs, err, sizeof(err));
	memset(&v, 0, sizeof(v));
	v.read_addr = rd.vaddr;
	v.write_addr = wr.vaddr;
	v.client_hs_addr = have_chs ? chs.vaddr : 0;
	v.server_hs_addr = have_shs ? shs.vaddr : 0;
	v.tcp_close_addr = cl.vaddr;
	v.off_conn = 0;	  /* tls.Conn: conn net.Conn is the first field */
	v.off_fd = 0;	  /* net.TCPConn{conn{fd *netFD}} */
	v.off_sysfd = 16; /* netFD{pfd poll.FD{fdmu fdMutex (16 bytes), Sysfd int}} */
	if (bpf_map_update_elem(t->p.go_bins_fd, &b->ino, &v, BPF_ANY)) {
		snprintf(b->error, sizeof(b->error), "cannot fill the go_bins map: %s",
			 strerror(errno));
		return;
	}
	b->in_map = 1;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", b->fd);
	/* the RETs first: an entry without its RETs would leave calls open */
	if (go_link_rets(t, b, t->p.go[2], self, &rd, GO_READ) ||
	    go_link_rets(t, b, t->p.go[2], self, &wr, GO_WRITE) ||
	    (have_chs && go_link_rets(t, b, t->p.go[5], self, &chs, GO_CLIENT_HS)) ||
	    (have_shs && go_link_rets(t, b, t->p.go[5], self, &shs, GO_SERVER_HS)) ||
	    go_link(t, b, t->p.go[0], self, rd.entry, GO_READ) ||
	    go_link(t, b, t->p.go[1], self, wr.entry, GO_WRITE) ||
	    (have_chs && go_link(t, b, t->p.go[3], self, chs.entry, GO_CLIENT_HS)) ||
	    (have_shs && go_link(t, b, t->p.go[4], self, shs.entry, GO_SERVER_HS))) {
		for (unsigned k = 0; k < b->nlinks; k++)
			bpf_link__destroy(b->links[k]);
		b->nlinks = 0;
		bpf_map_delete_elem(t->p.go_bins_fd, &b->ino);
		b->in_map = 0;
		return;
	}
	b->probed = 1;
}

/* @return the Go executable open as fd (taken: kept or closed), probed
 * when new; NULL when it is not a Go program with crypto/tls, or when it
 * cannot be kept (err says why). */
static struct gobin *go_take(struct cap_tls *t, int fd, const struct stat *st, char *err,
			     size_t err_cap, int *new_file)
{
	struct goelf *g;
	struct gobin *b;
	const char *version;
	char why[160];
	int minor;

	for (unsigned i = 0; i < t->ngo; i++)
		if (t->go[i].ino == (uint64_t)st->st_ino && t->go[i].dev == (uint64_t)st->st_dev) {
			close(fd);
			return &t->go[i];
		}
	g = goelf_open(fd, why, sizeof(why));
	/* not Go, or Go without crypto/tls (nothing to decrypt): no record */
	if (!g || goelf_has_func(g, GO_READ, why, sizeof(why)) == 0) {
		goelf_close(g);
		notgo_add(t, st->st_dev, st->st_ino);
		close(fd);
		return NULL;
	}
	if (t->ngo == CAP_TLS_MAX_GO) {
		snprintf(err, err_cap, "more than %u Go executables with crypto/tls: not probed",
			 CAP_TLS_MAX_GO);
		goelf_close(g);
		close(fd);
		return NULL;
	}
	b = &t->go[t->ngo++];
	memset(b, 0, sizeof(*b));
	*new_file = 1;
	b->dev = st->st_dev;
	b->ino = st->st_ino;
	b->fd = fd;
	version = goelf_version(g);
	minor = cap_tls_go_minor(version);
	snprintf(b->library, sizeof(b->library), "Go crypto/tls %s", version ? version : "");
	if (go_ino_taken(t, b))
		snprintf(b->error, sizeof(b->error),
			 "another probed executable has inode number %llu (the BPF side's key)",
			 (unsigned long long)b->ino);
	else if (!version)
		snprintf(b->error, sizeof(b->error),
			 "Go version unknown (no build info): struct layout and ABI unknown");
	else if (minor < GO_MIN_MINOR)
		snprintf(b->error, sizeof(b->error),
			 "%s predates Go 1.17's register ABI: not probed", version);
	else
		go_attach(t, b, g);
	goelf_close(g);
	return b;
}

/* The Go side of a scan: pid's executable. @return records emitted. */
static unsigned go_scan(struct cap_tls *t, uint32_t pid, uint64_t ts_ns, cap_tls_emit_fn emit,
			void *ctx)
{
	char path[128], exe[4096], err[256];
	struct sr_record rec;
	const struct gobin *b;
	struct stat st;
	ssize_t n;
	int fd, new_file = 0;

	snprintf(path, sizeof(path), "%s/%u/exe", t->proc_root, pid);
	fd = open_regular(path);
	if (fd < 0)
		return 0; /* a kernel thread, or gone */
	if (fstat(fd, &st) || seen_has(t, pid, st.st_ino) || notgo_has(t, st.st_dev, st.st_ino)) {
		close(fd);
		return 0;
	}
	err[0] = 0;
	b = go_take(t, fd, &st, err, sizeof(err), &new_file);
	if (!b && !err[0])
		return 0;
	seen_add(t, pid, st.st_ino);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	memset(&rec, 0, sizeof(rec));
	rec.type = SR_REC_TLS;
	rec.tls.ts_ns = ts_ns;
	rec.tls.pid = pid;
	rec.tls.inode = st.st_ino;
	rec.tls.path = sr_str(exe);
	rec.tls.status = b && b->probed ? SR_TLS_PROBED : SR_TLS_NOT_PROBED;
	rec.tls.library = sr_str(b ? b->library : "Go crypto/tls");
	rec.tls.error = sr_str(b ? b->error : err);
	emit(ctx, &rec, new_file || !b);
	return 1;
}

unsigned cap_tls_go_foreign(const struct cap_tls *t, cap_tls_foreign_fn fn, void *ctx)
{
	unsigned n = 0;

	if (!t)
		return 0;
	for (unsigned i = 0; i < t->ngo; i++) {
		const struct gobin *b = &t->go[i];
		struct sr_go_bin v;
		char path[64], exe[4096];
		ssize_t len;

		if (!b->in_map || bpf_map_lookup_elem(t->p.go_bins_fd, &b->ino, &v) ||
		    !v.foreign_conn)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", b->fd);
		len = readlink(path, exe, sizeof(exe) - 1);
		exe[len > 0 ? len : 0] = 0;
		fn(ctx, b->library, exe, v.foreign_conn);
		n++;
	}
	return n;
}

unsigned cap_tls_scan(struct cap_tls *t, uint32_t pid, uint64_t ts_ns, cap_tls_emit_fn emit,
		      void *ctx)
{
	char path[128], line[4600], err[256];
	unsigned n = 0;
	FILE *f;

	if (!t)
		return 0;
	snprintf(path, sizeof(path), "%s/%u/maps", t->proc_root, pid);
	f = fopen(path, "re");
	if (!f)
		return 0; /* gone: nothing mapped any more */
	while (fgets(line, sizeof(line), f)) {
		struct sr_record rec;
		const struct lib *l;
		const char *mpath;
		uint64_t ino;
		int new_file = 0;

		line[strcspn(line, "\n")] = 0;
		mpath = cap_tls_maps_path(line, &ino);
		if (!mpath || !cap_tls_is_libssl(mpath) || seen_has(t, pid, ino))
			continue;
		seen_add(t, pid, ino);
		err[0] = 0;
		l = lib_get(t, pid, mpath, ino, err, sizeof(err), &new_file);
		memset(&rec, 0, sizeof(rec));
		rec.type = SR_REC_TLS;
		rec.tls.ts_ns = ts_ns;
		rec.tls.pid = pid;
		rec.tls.inode = ino;
		rec.tls.path = sr_str(mpath);
		rec.tls.status = l && l->probed ? SR_TLS_PROBED : SR_TLS_NOT_PROBED;
		rec.tls.library = sr_str(l ? l->library : "OpenSSL");
		rec.tls.error = sr_str(l ? l->error : err);
		emit(ctx, &rec, new_file || !l);
		n++;
	}
	fclose(f);
	return n + go_scan(t, pid, ts_ns, emit, ctx);
}
