/* procsnap.c - one process's /proc entries. See procsnap.h. proc(5). */
#include "procsnap.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"

void cap_errno_text(int err, char *dst, size_t cap)
{
	snprintf(dst, cap, "%s", strerror(err));
	if (cap && dst[0])
		dst[0] = tolower((unsigned char)dst[0]);
}

int cap_snap_read_file(const char *path, size_t cap, char **buf, size_t *len, int *cut)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	char *b;
	ssize_t r;

	*buf = NULL;
	*len = 0;
	*cut = 0;
	if (fd < 0)
		return -errno;
	b = malloc(cap + 1); /* one more byte tells a cut file */
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	while (got < cap + 1) {
		r = read(fd, b + got, cap + 1 - got);
		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			free(b);
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		got += r;
	}
	close(fd);
	if (got > cap) {
		got = cap;
		*cut = 1;
	}
	b[got] = 0;
	*buf = b;
	*len = got;
	return 0;
}

int cap_snap_parse_stat(const char *text, size_t len, char *comm, size_t comm_cap, char *state,
			uint32_t *ppid, uint64_t *start_ticks)
{
	const char *open = memchr(text, '(', len), *close = NULL, *p, *end = text + len;
	unsigned long long v[20];
	int field;

	for (p = text + len; p > text; p--)
		if (p[-1] == ')') {
			close = p - 1;
			break;
		}
	if (!open || !close || close < open)
		return -1;
	snprintf(comm, comm_cap, "%.*s", (int)(close - open - 1), open + 1);
	p = close + 1;
	/* fields 3.. : state then numbers; we need 4 (ppid) and 22 (starttime) */
	while (p < end && *p == ' ')
		p++;
	if (p >= end)
		return -1;
	*state = *p++;
	for (field = 4; field <= 22; field++) {
		char *q;

		while (p < end && *p == ' ')
			p++;
		if (p >= end || !(isdigit((unsigned char)*p) || *p == '-'))
			return -1;
		errno = 0;
		v[field - 4] = strtoull(p, &q, 10);
		if (errno || q == p || q > end)
			return -1;
		p = q;
	}
	*ppid = v[0];
	*start_ticks = v[22 - 4];
	return 0;
}

static void fail(struct cap_snap *s, const char *what, int err)
{
	char e[128];

	if (s->error[0])
		return;
	cap_errno_text(err, e, sizeof(e));
	snprintf(s->error, sizeof(s->error), "%.180s: %.70s", what, e);
}

int cap_snap_read(const char *proc_root, uint32_t pid, struct cap_snap *s)
{
	char path[4200], what[4300];
	char *buf;
	size_t len;
	int cut, rc;
	ssize_t n;

	memset(s, 0, sizeof(*s));
	s->pid = pid;

	snprintf(path, sizeof(path), "%s/%u/stat", proc_root, pid);
	rc = cap_snap_read_file(path, 4096, &buf, &len, &cut);
	snprintf(what, sizeof(what), "open %s", path);
	if (rc) {
		fail(s, what, -rc);
	} else {
		if (cap_snap_parse_stat(buf, len, s->comm, sizeof(s->comm), &s->state, &s->ppid,
					&s->start_ticks))
			snprintf(s->error, sizeof(s->error), "%.200s: unexpected format", path);
		free(buf);
	}

	snprintf(path, sizeof(path), "%s/%u/status", proc_root, pid);
	rc = cap_snap_read_file(path, 16384, &buf, &len, &cut);
	if (rc) {
		snprintf(what, sizeof(what), "open %s", path);
		fail(s, what, -rc);
	} else {
		char *u = memmem(buf, len, "\nUid:", 5);

		if (u) {
			u += 5;
			while (u < buf + len && (*u == '\t' || *u == ' '))
				u++;
			s->uid = strtoul(u, NULL, 10); /* buf is NUL-terminated */
		}
		free(buf);
	}

	snprintf(path, sizeof(path), "%s/%u/cmdline", proc_root, pid);
	rc =
	    cap_snap_read_file(path, SR_MAX_CMDLINE, &s->cmdline, &s->cmdline_len, &s->cmdline_cut);
	if (rc) {
		snprintf(what, sizeof(what), "open %s", path);
		fail(s, what, -rc);
	}

	snprintf(path, sizeof(path), "%s/%u/environ", proc_root, pid);
	rc =
	    cap_snap_read_file(path, SR_MAX_ENVIRON, &s->environ, &s->environ_len, &s->environ_cut);
	if (rc) {
		snprintf(what, sizeof(what), "open %s", path);
		fail(s, what, -rc);
	} else if (s->state == 'Z' && !s->environ_len) {
		snprintf(what, sizeof(what), "read %s", path);
		fail(s, what, ESRCH); /* a zombie has no memory left to read */
	}

	snprintf(path, sizeof(path), "%s/%u/exe", proc_root, pid);
	n = readlink(path, s->exe, sizeof(s->exe) - 1);
	s->exe[n >= 0 ? n : 0] = 0; /* kernel threads and zombies have none */

	snprintf(path, sizeof(path), "%s/%u/cgroup", proc_root, pid);
	rc = cap_snap_read_file(path, SR_MAX_CGROUP, &s->cgroup, &s->cgroup_len, &cut);
	if (rc) {
		snprintf(what, sizeof(what), "open %s", path);
		fail(s, what, -rc);
	}
	return s->error[0] ? -1 : 0;
}

void cap_snap_free(struct cap_snap *s)
{
	if (!s)
		return;
	free(s->cmdline);
	free(s->environ);
	free(s->cgroup);
	s->cmdline = s->environ = s->cgroup = NULL;
}
