/* cgroup.c - container id from a /proc/PID/cgroup text. See cgroup.h. */
#include "cgroup.h"

#include <ctype.h>
#include <string.h>

struct prefix_rule {
	const char *prefix;
	const char *runtime;
};

/* Checked in order; conmon entries first so "crio-" does not take them. */
static const struct prefix_rule prefixes[] = {
    {"crio-conmon-", NULL},	{"libpod-conmon-", NULL},
    {"docker-", "docker"},	{"cri-containerd-", "containerd"},
    {"nerdctl-", "containerd"}, {"crio-", "cri-o"},
    {"libpod-", "podman"},
};

static int is_id(const char *s, size_t n)
{
	size_t i;

	if (n != CAP_CONTAINER_ID_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int has(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle)) != NULL;
}

/* Examines one cgroup path, last component first. */
static int path_container(const char *path, size_t n, struct cap_container_ref *out)
{
	size_t end = n;

	while (end > 0) {
		size_t start = end, clen;
		const char *c;
		const char *runtime = NULL;
		unsigned i;
		int known = 0;

		while (start > 0 && path[start - 1] != '/')
			start--;
		c = path + start;
		clen = end - start;
		if (clen > 6 && !memcmp(c + clen - 6, ".scope", 6))
			clen -= 6;
		for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
			size_t pl = strlen(prefixes[i].prefix);

			if (clen > pl && !memcmp(c, prefixes[i].prefix, pl)) {
				known = 1;
				runtime = prefixes[i].runtime;
				c += pl;
				clen -= pl;
				break;
			}
		}
		if (!(known && !runtime) && is_id(c, clen)) {
			if (!runtime) {
				if (start >= 8 && !memcmp(path + start - 8, "/docker/", 8))
					runtime = "docker";
				else if (has(path, start, "libpod_parent"))
					runtime = "podman";
				else
					runtime = ""; /* kubepods or a bare id: runtime unknown */
			}
			for (i = 0; i < CAP_CONTAINER_ID_LEN; i++)
				out->id[i] = tolower((unsigned char)c[i]);
			out->id[CAP_CONTAINER_ID_LEN] = 0;
			out->runtime = runtime;
			return 1;
		}
		if (start == 0)
			break;
		end = start - 1;
	}
	return 0;
}

int cap_cgroup_container(const char *text, size_t len, struct cap_container_ref *out)
{
	size_t pos = 0;

	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		const char *c1 = memchr(line, ':', llen), *c2;

		pos += llen + 1;
		if (!c1)
			continue;
		c2 = memchr(c1 + 1, ':', llen - (c1 + 1 - line));
		if (!c2)
			continue;
		if (path_container(c2 + 1, llen - (c2 + 1 - line), out))
			return 1;
	}
	return 0;
}
