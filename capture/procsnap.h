/* procsnap.h - what /proc says about one process, read once.
 *
 * Reads <proc_root>/PID/{stat,status,cmdline,environ,exe,cgroup} (proc_root
 * is "/proc" in the program; tests point it at a fake tree). Blocks are
 * capped (SR_MAX_CMDLINE, SR_MAX_ENVIRON, SR_MAX_CGROUP) and flagged when
 * cut. When a file cannot be read, error holds the first failure in the
 * seed's words ("open /proc/99999/environ: no such file or directory") and
 * the remaining fields are whatever was read before.
 *
 * A struct cap_snap owns its buffers: cap_snap_free() releases them.
 */
#ifndef CAP_PROCSNAP_H
#define CAP_PROCSNAP_H

#include <stddef.h>
#include <stdint.h>

struct cap_snap {
	uint32_t pid;
	uint32_t ppid;
	uint32_t uid;
	uint64_t start_ticks; /* stat field 22 */
	char state;	      /* stat field 3; 'Z' for a zombie */
	char comm[64];
	char exe[4096];
	char *cmdline;
	size_t cmdline_len;
	int cmdline_cut;
	char *environ;
	size_t environ_len;
	int environ_cut;
	char *cgroup;
	size_t cgroup_len;
	char error[256];
};

/*! cap_snap_read() : @return 0 when everything was read, -1 otherwise
 *  (s->error says what failed first; s is still valid and must be freed). */
int cap_snap_read(const char *proc_root, uint32_t pid, struct cap_snap *s);

/*! cap_snap_read_file() : reads up to cap bytes of path into a new buffer
 *  (NUL-terminated after *len bytes, for convenience). *cut is set when the
 *  file is longer. @return 0, or -errno. */
int cap_snap_read_file(const char *path, size_t cap, char **buf, size_t *len, int *cut);

/*! cap_snap_parse_stat() : parses a /proc/PID/stat line (comm may hold
 *  spaces and parentheses). @return 0, or -1 when malformed. */
int cap_snap_parse_stat(const char *text, size_t len, char *comm, size_t comm_cap, char *state,
			uint32_t *ppid, uint64_t *start_ticks);

/* "no such file or directory": strerror(err) with a lower-case first letter */
void cap_errno_text(int err, char *dst, size_t cap);

void cap_snap_free(struct cap_snap *s);

#endif /* CAP_PROCSNAP_H */
