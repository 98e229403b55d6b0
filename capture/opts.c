/* opts.c - sockrec's command line (argp). See opts.h. */
#include "opts.h"

#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

const char *argp_program_version = "sockrec " SOCKREC_VERSION;
const char *argp_program_bug_address = NULL;

static const char doc[] =
    "Record what opted-in processes say over TCP, with process and container "
    "context, into a crash-safe archive.\n"
    "\n"
    "A process is a target when its environment has ADI_PROFILE set, does not "
    "have ADI_PROFILE_DISABLED=1 and, with --allow, its ADI_PROFILE value is in "
    "the list. Children inherit; the decision is made in the kernel at exec.\n"
    "\n"
    "EXAMPLES:\n"
    "  sockrec -w cap.srz                    until Ctrl-C\n"
    "  sockrec -w cap.srz --duration 60 -q   one minute, no status line\n"
    "  sockrec -w cap.srz --allow local,dev  only ADI_PROFILE=local or dev\n"
    "  sockrec -w cap.srz --pid 1234 -s 64k  add process 1234, 64 KiB per call\n"
    "  sockrec -w cap.srz --all              every process (incident response)\n"
    "\n"
    "Environment defaults: ADI_PROFILE_ALLOWED (--allow), ENV_PREFIX_LIST "
    "(--env-prefix), CONTAINERD_SOCKET (--docker-socket: any socket serving the "
    "Docker Engine API), CONTAINERD_NAMESPACE (containerd namespace under "
    "--containerd-root).\n"
    "\n"
    "Exit status: 0 after a clean stop (signal or --duration), 2 when the "
    "capture cannot start (the message names what is missing).";

static const char args_doc[] = "-w FILE";

enum {
	OPT_FORMAT = 0x100,
	OPT_DURATION,
	OPT_ALLOW,
	OPT_ENV_PREFIX,
	OPT_PID,
	OPT_ALL,
	OPT_NO_REDACT,
	OPT_DOCKER_SOCKET,
	OPT_CONTAINERD_ROOT,
	OPT_RING_SIZE,
	OPT_FORCE,
	OPT_TLS,
	OPT_NO_TLS,
	OPT_KEEP_CIPHERTEXT,
};

static const struct argp_option options[] = {
    {"write", 'w', "FILE", 0, "Archive to create (mode 0600; never overwritten without --force)",
     0},
    {"format", OPT_FORMAT, "srz|pcapng", 0,
     "Archive format (default: from the extension, else srz)", 0},
    {"snaplen", 's', "SNAPLEN", 0,
     "Payload bytes kept per syscall (default 16k, at most 256k; 0 = none)", 0},
    {"duration", OPT_DURATION, "SECONDS", 0, "Stop after this many seconds", 0},
    {"allow", OPT_ALLOW, "LIST", 0, "Only ADI_PROFILE values in this comma separated list", 0},
    {"env-prefix", OPT_ENV_PREFIX, "LIST", 0, "Keep only environment variables with these prefixes",
     0},
    {"pid", OPT_PID, "PID", 0, "Also capture this process and its children (repeatable)", 0},
    {"all", OPT_ALL, NULL, 0, "Capture every process", 0},
    {"no-redact", OPT_NO_REDACT, NULL, 0, "Keep the values of secret-looking environment variables",
     0},
    {"docker-socket", OPT_DOCKER_SOCKET, "PATH", 0,
     "Docker Engine API unix socket (default /var/run/docker.sock if present)", 0},
    {"containerd-root", OPT_CONTAINERD_ROOT, "PATH", 0,
     "containerd/CRI state dir holding bundles' config.json", 0},
    {"ring-size", OPT_RING_SIZE, "BYTES", 0,
     "Kernel ring buffer size (default 8M; rounded up to a power of two)", 0},
    {"force", OPT_FORCE, NULL, 0, "Overwrite FILE if it exists", 0},
    {"tls", OPT_TLS, NULL, 0,
     "Record TLS plaintext: uprobes on libssl (OpenSSL) and on Go's crypto/tls in targets' "
     "executables. Every process that uses a probed libssl or executable pays a trap per "
     "TLS call, target or not (README, Capture); without it the ciphertext is recorded",
     0},
    {"no-tls", OPT_NO_TLS, NULL, 0, "No TLS uprobes (the default)", 0},
    {"keep-ciphertext", OPT_KEEP_CIPHERTEXT, NULL, 0,
     "Keep the ciphertext payload of TLS calls whose plaintext is recorded (default: byte "
     "counts only)",
     0},
    {"quiet", 'q', NULL, 0, "No live status line", 0},
    {0},
};

struct parse_state {
	struct cap_opts *o;
	char *err;
	size_t err_cap;
	int allow_flag, env_prefix_flag;
};

__attribute__((format(printf, 2, 3))) static void errf(struct parse_state *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ps->err, ps->err_cap, fmt, ap);
	va_end(ap);
}

const char *cap_env_lookup(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, n) && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

int cap_list_parse(const char *csv, size_t item_max, struct cap_list *l, char *err, size_t err_cap)
{
	const char *p = csv;

	if (item_max > CAP_LIST_ITEM_MAX)
		item_max = CAP_LIST_ITEM_MAX;
	l->n = 0;
	while (*p) {
		const char *end = strchr(p, ',');
		const char *a = p, *b = end ? end : p + strlen(p);

		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (b > a) {
			if ((size_t)(b - a) > item_max) {
				snprintf(err, err_cap,
					 "list entry \"%.*s...\" is longer than %zu bytes", 20, a,
					 item_max);
				return -1;
			}
			if (l->n == CAP_LIST_MAX) {
				snprintf(err, err_cap, "list has more than %d entries",
					 CAP_LIST_MAX);
				return -1;
			}
			memcpy(l->item[l->n], a, b - a);
			l->item[l->n][b - a] = 0;
			l->n++;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

int cap_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 0:
		break;
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	default:
		return -1;
	}
	if (*end == 'i' || *end == 'b' || *end == 'B') /* 64KiB, 64kB: still binary */
		end += *end == 'i' && (end[1] == 'B' || end[1] == 'b') ? 2 : 1;
	if (*end || (shift && v > (ULLONG_MAX >> shift)))
		return -1;
	*out = v << shift;
	return 0;
}

static int set_list(struct parse_state *ps, const char *arg, size_t item_max, struct cap_list *l,
		    char *text, size_t text_cap, const char *what)
{
	char e[160];

	if (cap_list_parse(arg, item_max, l, e, sizeof(e))) {
		snprintf(ps->err, ps->err_cap, "%s: %s", what, e);
		return -1;
	}
	snprintf(text, text_cap, "%s", arg);
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_state *ps = state->input;
	struct cap_opts *o = ps->o;
	uint64_t v;
	char *end;

	switch (key) {
	case 'w':
		if (!*arg) {
			errf(ps, "-w needs a file name");
			goto fail;
		}
		o->out_path = arg;
		break;
	case OPT_FORMAT:
		if (!strcmp(arg, "srz")) {
			o->format = CAP_FMT_SRZ;
		} else if (!strcmp(arg, "pcapng")) {
			o->format = CAP_FMT_PCAPNG;
		} else {
			errf(ps, "--format %s: expected srz or pcapng", arg);
			goto fail;
		}
		o->format_given = 1;
		break;
	case 's':
		if (cap_parse_size(arg, &v) || v > SR_MAX_SNAPLEN) {
			errf(ps, "-s %s: expected a byte count from 0 to 256k", arg);
			goto fail;
		}
		o->snaplen = v;
		break;
	case OPT_DURATION:
		errno = 0;
		o->duration = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(o->duration) || o->duration <= 0 ||
		    o->duration > 365.0 * 86400) {
			errf(ps, "--duration %s: expected seconds > 0", arg);
			goto fail;
		}
		break;
	case OPT_ALLOW:
		if (set_list(ps, arg, CAP_ALLOW_ITEM_MAX, &o->allow, o->allow_text,
			     sizeof(o->allow_text), "--allow"))
			goto fail;
		o->allow_set = 1;
		ps->allow_flag = 1;
		break;
	case OPT_ENV_PREFIX:
		if (set_list(ps, arg, CAP_LIST_ITEM_MAX, &o->env_prefix, o->env_prefix_text,
			     sizeof(o->env_prefix_text), "--env-prefix"))
			goto fail;
		o->env_prefix_set = o->env_prefix.n > 0;
		ps->env_prefix_flag = 1;
		break;
	case OPT_PID: {
		long pid;

		errno = 0;
		pid = strtol(arg, &end, 10);
		if (errno || end == arg || *end || pid <= 0 || pid > 4194304) {
			errf(ps, "--pid %s: expected a process id", arg);
			goto fail;
		}
		if (o->npids == CAP_PIDS_MAX) {
			errf(ps, "--pid given more than %d times", CAP_PIDS_MAX);
			goto fail;
		}
		o->pids[o->npids++] = pid;
		break;
	}
	case OPT_ALL:
		o->all = 1;
		break;
	case OPT_NO_REDACT:
		o->redact = 0;
		break;
	case OPT_TLS:
		o->no_tls = 0;
		break;
	case OPT_NO_TLS:
		o->no_tls = 1;
		break;
	case OPT_KEEP_CIPHERTEXT:
		o->keep_ciphertext = 1;
		break;
	case OPT_DOCKER_SOCKET:
		if (!*arg || strlen(arg) >= sizeof(o->docker_socket)) {
			errf(ps, "--docker-socket: bad path");
			goto fail;
		}
		snprintf(o->docker_socket, sizeof(o->docker_socket), "%s", arg);
		o->docker_socket_given = 1;
		break;
	case OPT_CONTAINERD_ROOT:
		if (!*arg || strlen(arg) >= sizeof(o->containerd_root)) {
			errf(ps, "--containerd-root: bad path");
			goto fail;
		}
		snprintf(o->containerd_root, sizeof(o->containerd_root), "%s", arg);
		break;
	case OPT_RING_SIZE:
		if (cap_parse_size(arg, &v) || v < CAP_RING_MIN || v > CAP_RING_MAX) {
			errf(ps, "--ring-size %s: expected bytes from 4k to 1G", arg);
			goto fail;
		}
		o->ring_size = 1;
		while (o->ring_size < v) /* libbpf wants a power of two */
			o->ring_size <<= 1;
		break;
	case OPT_FORCE:
		o->force = 1;
		break;
	case 'q':
		o->quiet = 1;
		break;
	case ARGP_KEY_ARG:
		errf(ps, "unexpected argument \"%s\"", arg);
		goto fail;
	case ARGP_KEY_END:
		if (!o->out_path) {
			errf(ps, "missing -w FILE (the archive to write)");
			goto fail;
		}
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
fail:
	argp_error(state, "%s", ps->err);
	return EINVAL;
}

static const struct argp argp = {options, parse_opt, args_doc, doc, NULL, NULL, NULL};

int cap_opts_parse(int argc, char **argv, char **envp, unsigned argp_flags, struct cap_opts *o,
		   char *err, size_t err_cap)
{
	struct parse_state ps = {.o = o, .err = err, .err_cap = err_cap};
	const char *ev;
	char e[160];
	error_t rc;

	memset(o, 0, sizeof(*o));
	o->snaplen = CAP_SNAPLEN_DEFAULT;
	o->redact = 1;
	o->no_tls = 1; /* --tls turns the uprobes on */
	o->ring_size = CAP_RING_DEFAULT;
	if (err_cap)
		err[0] = 0;

	rc = argp_parse(&argp, argc, argv, argp_flags, NULL, &ps);
	if (rc) {
		if (err_cap && !err[0])
			snprintf(err, err_cap, "invalid command line (see --help)");
		return -1;
	}

	/* the seed's variables are defaults for the flags */
	ev = cap_env_lookup(envp, "ADI_PROFILE_ALLOWED");
	if (!ps.allow_flag && ev && *ev) {
		if (cap_list_parse(ev, CAP_ALLOW_ITEM_MAX, &o->allow, e, sizeof(e))) {
			snprintf(err, err_cap, "ADI_PROFILE_ALLOWED: %s", e);
			return -1;
		}
		snprintf(o->allow_text, sizeof(o->allow_text), "%s", ev);
		o->allow_set = 1;
	}
	ev = cap_env_lookup(envp, "ENV_PREFIX_LIST");
	if (!ps.env_prefix_flag && ev && *ev) {
		if (cap_list_parse(ev, CAP_LIST_ITEM_MAX, &o->env_prefix, e, sizeof(e))) {
			snprintf(err, err_cap, "ENV_PREFIX_LIST: %s", e);
			return -1;
		}
		snprintf(o->env_prefix_text, sizeof(o->env_prefix_text), "%s", ev);
		o->env_prefix_set = o->env_prefix.n > 0;
	}
	ev = cap_env_lookup(envp, "CONTAINERD_SOCKET");
	if (!o->docker_socket_given && ev && *ev && strlen(ev) < sizeof(o->docker_socket)) {
		snprintf(o->docker_socket, sizeof(o->docker_socket), "%s", ev);
		o->docker_socket_given = 1;
	}
	ev = cap_env_lookup(envp, "CONTAINERD_NAMESPACE");
	if (ev && strlen(ev) < sizeof(o->containerd_ns) && !strchr(ev, '/') && strcmp(ev, "..") &&
	    strcmp(ev, "."))
		snprintf(o->containerd_ns, sizeof(o->containerd_ns), "%s", ev);

	if (!o->format_given)
		o->format = strlen(o->out_path) > 7 &&
				    !strcmp(o->out_path + strlen(o->out_path) - 7, ".pcapng")
				? CAP_FMT_PCAPNG
				: CAP_FMT_SRZ;
	return 0;
}
