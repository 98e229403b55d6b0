/* opts.h - sockrec's command line and its environment defaults.
 *
 * cap_opts_parse() fills a struct cap_opts from argv and the environment
 * (ADI_PROFILE_ALLOWED, ENV_PREFIX_LIST, CONTAINERD_SOCKET,
 * CONTAINERD_NAMESPACE are defaults for flags, as in the seed profiler).
 * Every number is validated (range, no trailing junk). The struct owns no
 * heap memory: lists are fixed arrays with named caps.
 */
#ifndef CAP_OPTS_H
#define CAP_OPTS_H

#include <stddef.h>
#include <stdint.h>

#define CAP_LIST_MAX 64	      /* entries in --allow / --env-prefix */
#define CAP_LIST_ITEM_MAX 255 /* bytes per entry */
#define CAP_ALLOW_ITEM_MAX 63 /* an allowed ADI_PROFILE value (kernel map key) */
#define CAP_PIDS_MAX 64	      /* --pid given this many times at most */
#define CAP_PATH_MAX 4096
#define CAP_RING_MIN 4096u
#define CAP_RING_MAX (1024u * 1024u * 1024u)
#define CAP_RING_DEFAULT (8u * 1024u * 1024u)
#define CAP_SNAPLEN_DEFAULT (16u * 1024u)
#define CAP_DOCKER_SOCKET_DEFAULT "/var/run/docker.sock"

struct cap_list {
	unsigned n;
	char item[CAP_LIST_MAX][CAP_LIST_ITEM_MAX + 1];
};

enum cap_format { CAP_FMT_SRZ = 1, CAP_FMT_PCAPNG = 2 };

struct cap_opts {
	const char *out_path;	/* -w */
	enum cap_format format; /* --format, else from the extension, else srz */
	int format_given;
	uint32_t snaplen;      /* -s */
	double duration;       /* --duration seconds, 0 = until a signal */
	struct cap_list allow; /* --allow / ADI_PROFILE_ALLOWED */
	int allow_set;
	char allow_text[CAP_LIST_MAX * (CAP_LIST_ITEM_MAX + 1)];
	struct cap_list env_prefix; /* --env-prefix / ENV_PREFIX_LIST */
	int env_prefix_set;
	char env_prefix_text[CAP_LIST_MAX * (CAP_LIST_ITEM_MAX + 1)];
	uint32_t pids[CAP_PIDS_MAX]; /* --pid */
	unsigned npids;
	int all;			  /* --all */
	int redact;			  /* 1 unless --no-redact */
	int no_tls;			  /* 1 unless --tls: no uprobes on TLS libraries */
	int keep_ciphertext;		  /* --keep-ciphertext */
	char docker_socket[CAP_PATH_MAX]; /* --docker-socket / CONTAINERD_SOCKET */
	int docker_socket_given;
	char containerd_root[CAP_PATH_MAX]; /* --containerd-root */
	char containerd_ns[256];	    /* CONTAINERD_NAMESPACE, "" = any */
	uint32_t ring_size;		    /* --ring-size, a power of two */
	int force;			    /* --force */
	int quiet;			    /* -q */
};

/*! cap_opts_parse() :
 *  Parses argv (argv[0] is the program) with the environment envp
 *  (NULL-terminated "KEY=VALUE" array, may be NULL) into o.
 *  argp_flags are passed to argp_parse(): 0 in the program (argp prints
 *  errors and exits with status 2), ARGP_NO_EXIT | ARGP_NO_ERRS in tests.
 *  @return 0, or -1 with a one-line reason in err. */
int cap_opts_parse(int argc, char **argv, char **envp, unsigned argp_flags, struct cap_opts *o,
		   char *err, size_t err_cap);

/*! cap_list_parse() :
 *  Splits a comma separated list into l (blanks around entries trimmed,
 *  empty entries skipped). Entries longer than item_max fail.
 *  @return 0, or -1 with the reason in err. */
int cap_list_parse(const char *csv, size_t item_max, struct cap_list *l, char *err, size_t err_cap);

/* @return the value of name in envp ("KEY=VALUE" strings), or NULL */
const char *cap_env_lookup(char **envp, const char *name);

/*! cap_parse_size() : "4096", "64k", "8M", "1G" (binary units).
 *  @return 0 and *out, or -1 (not a number, junk, overflow). */
int cap_parse_size(const char *s, uint64_t *out);

#endif /* CAP_OPTS_H */
