/* main.c - sockrec-analyze: argv -> command table -> sinks -> an_run().
 *
 * Subcommands dispatch from one table; an analysis command names the
 * outputs it writes (each an an_sink, event.h) and where: stdout, or one
 * file per output in report's directory (outfile.h: all or nothing).
 * Every command takes archives (.srz or .pcapng, recognised by content)
 * and analyzes them as one. Exit status (pipeline.h AN_EXIT_*): 0 ok,
 * 1 usage, 2 nothing readable (or an output could not be written),
 * 3 damaged input whose readable prefix was used, 4 a finding reached
 * --fail-on, 5 replay or diff found a difference. replay, diff and mock
 * (regress/) collect the recorded set in one an_run() and act after it.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "findings/findings.h"
#include "findings/sink.h"
#include "out/dump.h"
#include "out/env.h"
#include "out/http_log.h"
#include "out/info.h"
#include "base/outfile.h"
#include "out/svcmap.h"
#include "pipeline.h"
#include "regress/apidiff.h"
#include "regress/mock.h"
#include "regress/replay.h"
#include "regress/rset.h"
#include "sink.h"

const char *argp_program_version = "sockrec-analyze " SOCKREC_VERSION;
const char *argp_program_bug_address = NULL;

struct cli {
	const struct command *cmd;
	const char *outdir;
	struct an_opts opts;
	char **args;
	size_t nargs;
	int fail_on; /* --fail-on severity (enum fnd_severity); 0: not given */
	bool force;  /* --force: replace existing outputs, follow a symlinked -o */
	/* replay, diff, mock (regress/) */
	const char *target, *service, *listen;
	const char **ignore, **headers; /* --ignore, --header (argc slots each) */
	size_t nignore, nheaders;
	unsigned rate; /* --rate; 0: not given */
	bool with_credentials;
	char **new_args; /* diff: the arguments after "--" (their pointers) */
	size_t nnew;
	bool summary_only; /* report --summary-only: no http.jsonl */
};

/* the outputs an analysis command can write */
enum {
	OUT_HTTP = 1 << 0,     /* http.jsonl */
	OUT_ENV = 1 << 1,      /* env.yaml */
	OUT_MAP = 1 << 2,      /* service-map.yaml */
	OUT_FINDINGS = 1 << 3, /* findings.json (+ the summary, report) */
	OUT_INFO = 1 << 4,     /* info (stdout only) */
};

struct command {
	const char *name;
	const char *args; /* argument synopsis */
	const char *doc;
	size_t min_args, max_args; /* max 0: no limit */
	int (*run)(struct cli *c);
	unsigned outputs; /* OUT_*: the analysis commands' outputs */
};

/* report's files, in the order they are committed */
static const struct output {
	unsigned bit;
	const char *file; /* its name in report's directory; NULL: stdout only */
} outputs[] = {
    {OUT_HTTP, "http.jsonl"},	     {OUT_ENV, "env.yaml"}, {OUT_MAP, "service-map.yaml"},
    {OUT_FINDINGS, "findings.json"}, {OUT_INFO, NULL},
};

#define NOUTPUTS (sizeof(outputs) / sizeof(outputs[0]))

/* ---- helpers ---- */

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!s || !*s || *s == '-')
		return -1;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > SIZE_MAX / 2)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* DIR/name as a new file (outfile.h); NULL after saying why */
static struct outfile *open_out(struct cli *c, int dirfd, const char *name)
{
	char shown[PATH_MAX], err[PATH_MAX + 128];
	struct outfile *o;

	snprintf(shown, sizeof(shown), "%s/%s", c->outdir, name);
	o = outfile_create(dirfd, name, shown, c->force, err, sizeof(err));
	if (!o)
		fprintf(stderr, "sockrec-analyze: %s\n", err);
	return o;
}

static int commit_out(struct outfile *o)
{
	char err[PATH_MAX + 128];

	if (outfile_commit(o, err, sizeof(err))) {
		fprintf(stderr, "sockrec-analyze: %s\n", err);
		return -1;
	}
	return 0;
}

static struct an_input *inputs_of(char **args, size_t n)
{
	struct an_input *in = calloc(n ? n : 1, sizeof(*in));

	if (!in) {
		fputs("sockrec-analyze: out of memory\n", stderr);
		exit(AN_EXIT_UNREADABLE);
	}
	for (size_t i = 0; i < n; i++) {
		in[i].path = args[i];
		in[i].name = args[i];
	}
	return in;
}

static struct an_input *inputs(struct cli *c)
{
	return inputs_of(c->args, c->nargs);
}

/* the sink that writes output bit to f; fnd: the findings set it feeds */
static struct an_sink *make_sink(unsigned bit, FILE *f, struct cli *c, struct findings *fnd)
{
	switch (bit) {
	case OUT_HTTP:
		return http_log_sink(f, &c->opts);
	case OUT_ENV:
		return env_sink(f);
	case OUT_MAP:
		return svcmap_sink(f);
	case OUT_FINDINGS:
		return findings_sink(fnd);
	default:
		return info_sink(f);
	}
}

/* an_run() over the command's arguments with these sinks (freed after) */
static int run(struct cli *c, struct an_sink **sinks, size_t nsinks)
{
	struct an_input *in = inputs(c);
	int rc;

	c->opts.warn = stderr;
	rc = an_run(in, c->nargs, &c->opts, sinks, nsinks);
	for (size_t i = 0; i < nsinks; i++)
		an_sink_free(sinks[i]);
	if (fflush(stdout)) {
		fprintf(stderr, "sockrec-analyze: writing to stdout failed\n");
		rc = AN_EXIT_UNREADABLE;
	}
	free(in);
	return rc;
}

/* ---- commands ---- */

/* The report's files, in the order of outputs[]. Every target is checked
 * before any is created, and they are committed only when the analysis
 * succeeded: a refusal or a failure leaves nothing behind (not even DIR,
 * when report created it). */
static int cmd_report(struct cli *c)
{
	const char *names[NOUTPUTS];
	unsigned bits[NOUTPUTS];
	struct outfile *out[NOUTPUTS] = {0};
	struct an_sink *sinks[NOUTPUTS];
	struct findings *fnd = NULL;
	char err[PATH_MAX + 128], shown[PATH_MAX];
	size_t nout = 0, committed = 0;
	bool created;
	int rc = AN_EXIT_OK, bad = 0, dfd;

	if (!c->outdir) {
		fprintf(stderr, "sockrec-analyze: report needs -o DIR (where the outputs go)\n");
		return AN_EXIT_USAGE;
	}
	for (size_t i = 0; i < NOUTPUTS; i++) {
		if (!outputs[i].file || !(c->cmd->outputs & outputs[i].bit))
			continue;
		if (c->summary_only && outputs[i].bit == OUT_HTTP)
			continue;
		names[nout] = outputs[i].file;
		bits[nout++] = outputs[i].bit;
	}
	dfd = outfile_dir_open(c->outdir, true, c->force, &created, err, sizeof(err));
	if (dfd < 0) {
		fprintf(stderr, "sockrec-analyze: %s\n", err);
		return AN_EXIT_UNREADABLE;
	}
	for (size_t i = 0; i < nout && !bad; i++) {
		snprintf(shown, sizeof(shown), "%s/%s", c->outdir, names[i]);
		if (outfile_check(dfd, names[i], shown, c->force, err, sizeof(err))) {
			fprintf(stderr, "sockrec-analyze: %s\n", err);
			bad = 1;
		}
	}
	for (size_t i = 0; i < nout && !bad; i++)
		if (!(out[i] = open_out(c, dfd, names[i])))
			bad = 1;
	if (!bad) {
		fnd = findings_create();
		for (size_t i = 0; i < nout; i++)
			sinks[i] = make_sink(bits[i], outfile_stream(out[i]), c, fnd);
		rc = run(c, sinks, nout);
	}
	/* findings.json and the summary on stdout; --fail-on from the set */
	for (size_t i = 0; i < nout && fnd && !bad && rc != AN_EXIT_UNREADABLE; i++) {
		if (bits[i] != OUT_FINDINGS)
			continue;
		if (findings_write_json(fnd, outfile_stream(out[i])))
			bad = 1;
		else
			findings_print_summary(fnd, stdout);
	}
	if (fnd && !bad && c->fail_on > 0 && rc != AN_EXIT_UNREADABLE &&
	    findings_fail_on(fnd, c->fail_on))
		rc = AN_EXIT_FAIL_ON;
	findings_free(fnd);
	if (!bad && rc != AN_EXIT_UNREADABLE) {
		for (; committed < nout; committed++) {
			struct outfile *o = out[committed];
			out[committed] = NULL;
			if (commit_out(o)) {
				bad = 1;
				break;
			}
		}
	}
	for (size_t i = 0; i < nout; i++)
		outfile_abort(out[i]);
	if (bad || rc == AN_EXIT_UNREADABLE) {
		/* all or nothing: what was renamed already goes too */
		for (size_t i = 0; i < committed; i++)
			unlinkat(dfd, names[i], 0);
		if (created)
			rmdir(c->outdir);
	}
	close(dfd);
	if (bad && (rc == AN_EXIT_OK || rc == AN_EXIT_DAMAGED || rc == AN_EXIT_FAIL_ON))
		rc = AN_EXIT_UNREADABLE;
	return rc;
}

/* http, env, map, info, findings: the command's output to stdout; findings
 * writes findings.json after the analysis, and --fail-on turns a finding
 * into exit status 4 */
static int cmd_stdout(struct cli *c)
{
	struct an_sink *sinks[NOUTPUTS];
	struct findings *fnd = NULL;
	FILE *out = stdout;
	size_t ns = 0;
	int rc;

	if (c->cmd->outputs & OUT_FINDINGS)
		fnd = findings_create();
	for (size_t i = 0; i < NOUTPUTS; i++)
		if (c->cmd->outputs & outputs[i].bit)
			sinks[ns++] = make_sink(outputs[i].bit, out, c, fnd);
	rc = run(c, sinks, ns);
	if (fnd && rc != AN_EXIT_UNREADABLE) {
		if (findings_write_json(fnd, out) || fflush(out)) {
			fputs("sockrec-analyze: writing to stdout failed\n", stderr);
			rc = AN_EXIT_UNREADABLE;
		} else if (c->fail_on > 0 && findings_fail_on(fnd, c->fail_on)) {
			rc = AN_EXIT_FAIL_ON;
		}
	}
	findings_free(fnd);
	return rc;
}

/* every record of every archive, in file order, archive after archive */
static int cmd_dump(struct cli *c)
{
	struct jw w;
	int rc = AN_EXIT_OK;
	uint64_t total = 0;

	memset(&w, 0, sizeof(w));
	for (size_t i = 0; i < c->nargs; i++) {
		char err[256] = "";
		struct sr_archive *a = sr_archive_open_path(c->args[i], err, sizeof(err));
		struct sr_record rec;
		int r;

		if (!a) {
			fprintf(stderr, "sockrec-analyze: warning: %s: cannot read: %s\n",
				c->args[i], err);
			rc = AN_EXIT_DAMAGED;
			continue;
		}
		while ((r = sr_archive_next(a, &rec)) == 1) {
			jw_reset(&w);
			dump_record(&w, &rec);
			dbuf_putc(&w.b, '\n');
			if (fwrite(w.b.p, 1, w.b.len, stdout) != w.b.len) {
				fprintf(stderr, "sockrec-analyze: writing to stdout failed\n");
				sr_archive_free(a);
				jw_free(&w);
				return AN_EXIT_UNREADABLE;
			}
			total++;
		}
		if (r < 0) {
			fprintf(stderr,
				"sockrec-analyze: warning: %s: damaged at offset %llu (%s); "
				"dumped the records before it\n",
				c->args[i], (unsigned long long)sr_archive_error_offset(a),
				sr_archive_error(a));
			rc = AN_EXIT_DAMAGED;
		}
		sr_archive_free(a);
	}
	jw_free(&w);
	if (fflush(stdout)) {
		fprintf(stderr, "sockrec-analyze: writing to stdout failed\n");
		return AN_EXIT_UNREADABLE;
	}
	return total ? rc : AN_EXIT_UNREADABLE;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* IN -> OUT record for record; OUT's kind from its extension */
static int cmd_convert(struct cli *c)
{
	const char *inp = c->args[0], *outp = c->args[1];
	enum sr_container_kind kind = sr_container_from_path(outp);
	char err[256] = "";
	struct sr_archive *a;
	struct sr_sink *s;
	struct sr_record rec;
	struct outfile *out;
	char dir[PATH_MAX], oerr[PATH_MAX + 128];
	const char *base;
	uint64_t n = 0;
	int dfd, r, rc = AN_EXIT_OK, wr = 0;
	bool created;

	if (kind == SR_FMT_UNKNOWN) {
		fprintf(stderr,
			"sockrec-analyze: %s: the output name must end in .srz or .pcapng\n", outp);
		return AN_EXIT_USAGE;
	}
	if (same_file(inp, outp)) {
		fprintf(stderr, "sockrec-analyze: %s: input and output are the same file\n", outp);
		return AN_EXIT_USAGE;
	}
	/* OUT is written next to itself and renamed into place (outfile.h) */
	base = strrchr(outp, '/');
	if (snprintf(dir, sizeof(dir), "%.*s", base ? (int)(base - outp) : 1,
		     base ? (base == outp ? "/" : outp) : ".") >= (int)sizeof(dir)) {
		fprintf(stderr, "sockrec-analyze: %s: path too long\n", outp);
		return AN_EXIT_USAGE;
	}
	base = base ? base + 1 : outp;
	dfd = outfile_dir_open(dir, false, true, &created, oerr, sizeof(oerr));
	if (dfd < 0) {
		fprintf(stderr, "sockrec-analyze: %s\n", oerr);
		return AN_EXIT_UNREADABLE;
	}
	if (outfile_check(dfd, base, outp, c->force, oerr, sizeof(oerr))) {
		fprintf(stderr, "sockrec-analyze: %s\n", oerr);
		close(dfd);
		return AN_EXIT_UNREADABLE;
	}
	a = sr_archive_open_path(inp, err, sizeof(err));
	if (!a) {
		fprintf(stderr, "sockrec-analyze: %s: cannot read: %s\n", inp, err);
		close(dfd);
		return AN_EXIT_UNREADABLE;
	}
	out = outfile_create(dfd, base, outp, c->force, oerr, sizeof(oerr));
	if (!out) {
		fprintf(stderr, "sockrec-analyze: %s\n", oerr);
		sr_archive_free(a);
		close(dfd);
		return AN_EXIT_UNREADABLE;
	}
	s = sr_sink_create(kind, outfile_fd(out), err, sizeof(err));
	if (!s) {
		fprintf(stderr, "sockrec-analyze: cannot write %s: %s\n", outp, err);
		outfile_abort(out);
		sr_archive_free(a);
		close(dfd);
		return AN_EXIT_UNREADABLE;
	}
	while ((r = sr_archive_next(a, &rec)) == 1) {
		wr = sr_sink_append(s, &rec);
		if (wr) {
			fprintf(stderr, "sockrec-analyze: writing %s failed: %s\n", outp,
				sr_sink_error(s) ? sr_sink_error(s) : strerror(-wr));
			break;
		}
		n++;
	}
	if (r < 0) {
		fprintf(stderr,
			"sockrec-analyze: warning: %s: damaged at offset %llu (%s); "
			"converted the %llu records before it\n",
			inp, (unsigned long long)sr_archive_error_offset(a), sr_archive_error(a),
			(unsigned long long)n);
		rc = AN_EXIT_DAMAGED;
	}
	if (sr_sink_close(s, 0) && !wr) {
		fprintf(stderr, "sockrec-analyze: writing %s failed\n", outp);
		wr = -1;
	}
	sr_archive_free(a);
	/* nothing converted, or a write failed: no file at all */
	if (wr || !n) {
		outfile_abort(out);
		close(dfd);
		return AN_EXIT_UNREADABLE;
	}
	if (outfile_commit(out, oerr, sizeof(oerr))) {
		fprintf(stderr, "sockrec-analyze: %s\n", oerr);
		rc = AN_EXIT_UNREADABLE;
	}
	close(dfd);
	return rc;
}

/* ---- regression commands (regress/) ---- */

/* the recorded set of these archives (one an_run); @return its status */
static int collect(struct cli *c, char **args, size_t n, struct rset *set)
{
	struct an_input *in = inputs_of(args, n);
	struct an_sink *sink = rset_sink(set);
	int rc;

	c->opts.warn = stderr;
	rc = an_run(in, n, &c->opts, &sink, 1);
	an_sink_free(sink); /* (an_run() said what was unreadable) */
	if (rset_dropped(set))
		fprintf(
		    stderr,
		    "sockrec-analyze: warning: %llu transactions past %u or %u MiB were left out "
		    "(the rest is used)\n",
		    (unsigned long long)rset_dropped(set), RSET_MAX_TXNS, RSET_MAX_BYTES >> 20);
	free(in);
	return rc;
}

static int cmd_replay(struct cli *c)
{
	struct rset *set = rset_create();
	struct replay_opts o = {
	    .target = c->target,
	    .service = c->service,
	    .ignore = c->ignore,
	    .nignore = c->nignore,
	    .headers = c->headers,
	    .nheaders = c->nheaders,
	    .rate = c->rate ? c->rate : REPLAY_DEFAULT_RATE,
	    .with_credentials = c->with_credentials,
	    .report = stdout,
	    .log = stderr,
	};
	int rc = collect(c, c->args, c->nargs, set);

	if (rc != AN_EXIT_UNREADABLE) {
		switch (replay_run(set, &o)) {
		case REPLAY_SAME:
			break; /* 0, or 3 when an input was damaged */
		case REPLAY_DIFFERENT:
			rc = AN_EXIT_DIFFERENT;
			break;
		case REPLAY_USAGE:
			rc = AN_EXIT_USAGE;
			break;
		default:
			rc = AN_EXIT_UNREADABLE;
			break;
		}
	}
	rset_free(set);
	return rc;
}

/* OLD... -- NEW..., or OLD NEW */
static int cmd_diff(struct cli *c)
{
	char **old = calloc(c->nargs + 1, sizeof(*old)), **new = calloc(c->nargs + 1, sizeof(*new));
	size_t nold = 0, nnew = 0;
	struct rset *a = rset_create(), *b = rset_create();
	int rc = AN_EXIT_USAGE, ra, rb, d;

	if (!old || !new) {
		fputs("sockrec-analyze: out of memory\n", stderr);
		exit(AN_EXIT_UNREADABLE);
	}
	for (size_t i = 0; i < c->nargs; i++) {
		bool after = false;
		for (size_t j = 0; j < c->nnew && !after; j++)
			after = c->args[i] == c->new_args[j];
		if (after)
			new[nnew++] = c->args[i];
		else
			old[nold++] = c->args[i];
	}
	if (!c->new_args && nold == 2) {
		new[nnew++] = old[--nold];
	}
	if (!nold || !nnew) {
		fprintf(stderr, "sockrec-analyze: diff needs OLD... -- NEW... (or two archives)\n");
		goto out;
	}
	ra = collect(c, old, nold, a);
	rb = collect(c, new, nnew, b);
	if (ra == AN_EXIT_UNREADABLE || rb == AN_EXIT_UNREADABLE) {
		rc = AN_EXIT_UNREADABLE;
		goto out;
	}
	d = apidiff_write(a, b, stdout);
	if (d < 0) {
		fputs("sockrec-analyze: writing to stdout failed\n", stderr);
		rc = AN_EXIT_UNREADABLE;
	} else if (d) {
		rc = AN_EXIT_DIFFERENT;
	} else {
		rc = ra == AN_EXIT_DAMAGED || rb == AN_EXIT_DAMAGED ? AN_EXIT_DAMAGED : AN_EXIT_OK;
	}
out:
	rset_free(a);
	rset_free(b);
	free(old);
	free(new);
	return rc;
}

static int cmd_mock(struct cli *c)
{
	struct rset *set = rset_create();
	struct mock_opts o = {
	    .service = c->service,
	    .listen = c->listen,
	    .show_secrets = c->opts.show_secrets,
	    .log = stderr,
	};
	int rc = collect(c, c->args, c->nargs, set);

	if (rc != AN_EXIT_UNREADABLE) {
		int m = mock_run(set, &o);
		if (m == MOCK_USAGE)
			rc = AN_EXIT_USAGE;
		else if (m == MOCK_NOTHING)
			rc = AN_EXIT_UNREADABLE;
	}
	rset_free(set);
	return rc;
}

static const struct command commands[] = {
    {"report", "ARCHIVE... -o DIR",
     "write DIR/http.jsonl, DIR/env.yaml, DIR/service-map.yaml and DIR/findings.json, "
     "and print a summary of the findings",
     1, 0, cmd_report, OUT_HTTP | OUT_ENV | OUT_MAP | OUT_FINDINGS},
    {"findings", "ARCHIVE...",
     "security findings (JSON) to stdout: exposed Go debug endpoints, "
     "cleartext credentials, secret-looking environment and command lines",
     1, 0, cmd_stdout, OUT_FINDINGS},
    {"http", "ARCHIVE...", "the HTTP log (JSON lines) to stdout", 1, 0, cmd_stdout, OUT_HTTP},
    {"env", "ARCHIVE...", "process environments (YAML) to stdout", 1, 0, cmd_stdout, OUT_ENV},
    {"map", "ARCHIVE...", "the service map (YAML) to stdout", 1, 0, cmd_stdout, OUT_MAP},
    {"info", "ARCHIVE...", "time span, records, processes, containers, losses, integrity (YAML)", 1,
     0, cmd_stdout, OUT_INFO},
    {"dump", "ARCHIVE...", "every record as one JSON object per line", 1, 0, cmd_dump, 0},
    {"convert", "IN OUT", "copy an archive into OUT (.srz or .pcapng, by extension)", 2, 2,
     cmd_convert, 0},
    {"replay", "ARCHIVE... --target URL",
     "send the recorded HTTP requests to URL, each once, and compare every response with the "
     "recorded one (JSON report; exit 5 when one differs)",
     1, 0, cmd_replay, 0},
    {"diff", "OLD... -- NEW...",
     "compare two captures as APIs: endpoints, schemas, status codes, dependencies (JSON; exit "
     "5 when they differ)",
     2, 0, cmd_diff, 0},
    {"mock", "ARCHIVE... --service NAME --listen [HOST:]PORT",
     "serve the recorded responses of service NAME (loopback unless HOST says otherwise) until "
     "SIGINT/SIGTERM",
     1, 0, cmd_mock, 0},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* ---- options ---- */

enum {
	OPT_BODY_LIMIT = 1000,
	OPT_RAW_LIMIT,
	OPT_SHOW_SECRETS,
	OPT_FAIL_ON,
	OPT_FORCE,
	OPT_TARGET,
	OPT_SERVICE,
	OPT_IGNORE,
	OPT_RATE,
	OPT_HEADER,
	OPT_WITH_CREDENTIALS,
	OPT_LISTEN,
	OPT_FIELDS,
	OPT_NO_RAW,
	OPT_SUMMARY_ONLY,
};

/* -j's default: the cores this process may run on (the online CPUs unless
 * an affinity mask, taskset, says fewer) */
static unsigned cores(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

static const struct argp_option options[] = {
    {"output", 'o', "DIR", 0, "report: directory for the outputs (created 0700)", 0},
    {"jobs", 'j', "N", 0,
     "threads (default: the cores available). 1: everything on one; N of 2 or more: "
     "the archives are read and decoded on a thread of their own, N - 1 engines (at "
     "most 16) each reassemble and parse a share of the connections, and the outputs "
     "(http.jsonl, the map, findings) are made on another thread in one engine's "
     "order. Outputs are byte-identical for every N",
     0},
    {"force", OPT_FORCE, NULL, 0,
     "report, convert: replace existing output files (renamed over, never written in "
     "place) and accept -o DIR as a symbolic link; without it existing outputs are "
     "refused and nothing is written",
     0},
    {"body-limit", OPT_BODY_LIMIT, "N", 0,
     "http.jsonl body text: first N bytes, then \"...\" (default 1500)", 0},
    {"raw-limit", OPT_RAW_LIMIT, "N", 0, "http.jsonl raw_payload: first N bytes (default 4096)", 0},
    {"no-raw-payload", OPT_NO_RAW, NULL, 0,
     "http.jsonl without raw_payload (the message's bytes as text): about half the volume "
     "on small messages",
     0},
    {"fields", OPT_FIELDS, "KEY,...", 0,
     "http.jsonl keeps only these keys, in their usual order (e.g. "
     "timestamp,pid,method,url,status_code,latency_ms; README lists them)",
     0},
    {"summary-only", OPT_SUMMARY_ONLY, NULL, 0,
     "report: env.yaml, service-map.yaml, findings.json and the summary, without the "
     "per-message http.jsonl",
     0},
    {"show-secrets", OPT_SHOW_SECRETS, NULL, 0,
     "do not redact credentials: Authorization, Cookie, API-key... header values and "
     "secret-looking command-line arguments (-u user:PASS, --password=X, KEY=X...)",
     0},
    {"fail-on", OPT_FAIL_ON, "SEVERITY", 0,
     "report, findings: exit with status 4 when a finding reaches SEVERITY "
     "(info, medium or high), for CI",
     0},
    {"target", OPT_TARGET, "URL", 0,
     "replay: where to send (http[s]://host[:port][/prefix]); nothing is sent anywhere else", 0},
    {"service", OPT_SERVICE, "NAME", 0,
     "replay: only the requests service NAME received; mock: the service to stand in for", 0},
    {"ignore", OPT_IGNORE, "JSONPATH", 0,
     "replay: a body field that is noise ($.a.b, $.items[*].id; repeatable)", 0},
    {"header", OPT_HEADER, "NAME", 0,
     "replay: compare this response header too (besides Content-Type; repeatable)", 0},
    {"rate", OPT_RATE, "N", 0, "replay: at most N requests per second (default 100)", 0},
    {"with-credentials", OPT_WITH_CREDENTIALS, NULL, 0,
     "replay: also send requests that carried credential headers, with the recorded values", 0},
    {"listen", OPT_LISTEN, "[HOST:]PORT", 0,
     "mock: the address to serve on (a bare port: 127.0.0.1)", 0},
    {0},
};

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	struct cli *c = st->input;

	switch (key) {
	case 'o':
		c->outdir = arg;
		return 0;
	case 'j': {
		size_t n;
		if (parse_size(arg, &n) || n < 1 || n > AN_MAX_JOBS)
			argp_error(st, "-j: '%s' is not a thread count from 1 to %u", arg,
				   AN_MAX_JOBS);
		c->opts.jobs = (unsigned)n;
		return 0;
	}
	case OPT_BODY_LIMIT:
		if (parse_size(arg, &c->opts.body_limit))
			argp_error(st, "--body-limit: '%s' is not a byte count", arg);
		return 0;
	case OPT_RAW_LIMIT:
		if (parse_size(arg, &c->opts.raw_limit))
			argp_error(st, "--raw-limit: '%s' is not a byte count", arg);
		return 0;
	case OPT_SHOW_SECRETS:
		c->opts.show_secrets = true;
		return 0;
	case OPT_FORCE:
		c->force = true;
		return 0;
	case OPT_NO_RAW:
		c->opts.no_raw_payload = true;
		return 0;
	case OPT_FIELDS: {
		char err[160];
		if (http_log_fields_check(arg, err, sizeof(err)))
			argp_error(st, "%s", err);
		c->opts.fields = arg;
		return 0;
	}
	case OPT_SUMMARY_ONLY:
		c->summary_only = true;
		return 0;
	case OPT_FAIL_ON:
		c->fail_on = findings_severity_parse(arg);
		if (c->fail_on < 0)
			argp_error(st, "--fail-on takes info, medium or high, not '%s'", arg);
		return 0;
	case OPT_TARGET:
		c->target = arg;
		return 0;
	case OPT_SERVICE:
		c->service = arg;
		return 0;
	case OPT_LISTEN:
		c->listen = arg;
		return 0;
	case OPT_IGNORE:
		if (strncmp(arg, "$", 1))
			argp_error(st,
				   "--ignore takes a JSONPath starting with $ ('$.a.b'), not '%s'",
				   arg);
		c->ignore[c->nignore++] = arg;
		return 0;
	case OPT_HEADER:
		c->headers[c->nheaders++] = arg;
		return 0;
	case OPT_WITH_CREDENTIALS:
		c->with_credentials = true;
		return 0;
	case OPT_RATE: {
		size_t r;
		if (parse_size(arg, &r) || r < 1 || r > REPLAY_MAX_RATE)
			argp_error(st,
				   "--rate: '%s' is not a rate from 1 to %u requests per second",
				   arg, REPLAY_MAX_RATE);
		c->rate = (unsigned)r;
		return 0;
	}
	case ARGP_KEY_ARG:
		c->args[c->nargs++] = arg;
		return 0;
	case ARGP_KEY_END:
		if (c->nargs < c->cmd->min_args)
			argp_error(st, "%s needs %s", c->cmd->name, c->cmd->args);
		if (c->cmd->max_args && c->nargs > c->cmd->max_args)
			argp_error(st, "%s takes %s", c->cmd->name, c->cmd->args);
		if (c->outdir && c->cmd->run != cmd_report)
			argp_error(st, "-o is for report only");
		if (c->force && c->cmd->run != cmd_report && c->cmd->run != cmd_convert)
			argp_error(st, "--force is for report and convert only");
		if (c->fail_on && !(c->cmd->outputs & OUT_FINDINGS))
			argp_error(st, "--fail-on is for report and findings only");
		if (c->cmd->run == cmd_replay && !c->target)
			argp_error(st, "replay needs --target URL (where to send the requests)");
		if ((c->target || c->nignore || c->nheaders || c->rate || c->with_credentials) &&
		    c->cmd->run != cmd_replay)
			argp_error(
			    st, "--target, --ignore, --header, --rate and --with-credentials are "
				"for replay only");
		if (c->cmd->run == cmd_mock && (!c->service || !c->listen))
			argp_error(st, "mock needs --service NAME and --listen [HOST:]PORT");
		if (c->listen && c->cmd->run != cmd_mock)
			argp_error(st, "--listen is for mock only");
		if (c->service && c->cmd->run != cmd_mock && c->cmd->run != cmd_replay)
			argp_error(st, "--service is for replay and mock only");
		if (c->summary_only && c->cmd->run != cmd_report)
			argp_error(st, "--summary-only is for report only");
		if ((c->opts.fields || c->opts.no_raw_payload) &&
		    (!(c->cmd->outputs & OUT_HTTP) || c->summary_only))
			argp_error(st,
				   "--fields and --no-raw-payload shape http.jsonl: for http and "
				   "report without --summary-only");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const char usage_doc[] =
    "\nCommands:\n"
    "  report ARCHIVE... -o DIR   http.jsonl, env.yaml, service-map.yaml and\n"
    "                             findings.json into DIR, and a findings summary\n"
    "  findings ARCHIVE...        security findings (JSON) to stdout\n"
    "  http ARCHIVE...            HTTP log (JSON lines) to stdout\n"
    "  env ARCHIVE...             environment snapshots (YAML) to stdout\n"
    "  map ARCHIVE...             service map (YAML) to stdout\n"
    "  info ARCHIVE...            what the archives hold and whether they are whole\n"
    "  dump ARCHIVE...            every record as JSON, one per line\n"
    "  convert IN OUT             rewrite an archive as .srz or .pcapng\n"
    "  replay ARCHIVE... --target URL\n"
    "                             re-send the recorded HTTP requests, compare\n"
    "  diff OLD... -- NEW...      compare two captures as APIs\n"
    "  mock ARCHIVE... --service NAME --listen [HOST:]PORT\n"
    "                             serve a service's recorded responses\n"
    "\nSeveral archives are analyzed as one capture.\n"
    "Exit status: 0 ok, 1 usage, 2 nothing readable, 3 damaged input (its\n"
    "readable part was used; a warning names the file and offset), 4 a finding\n"
    "reached --fail-on, 5 replay or diff found a difference.\n"
    "\nExamples:\n"
    "  sockrec-analyze report capture.srz -o out/\n"
    "  sockrec-analyze http capture.srz | jq 'select(.status_code >= 500)'\n"
    "  sockrec-analyze http --fields timestamp,pid,method,url,status_code capture.srz\n"
    "  sockrec-analyze report --summary-only big.srz -o out/\n"
    "  sockrec-analyze map host-a.srz host-b.srz\n"
    "  sockrec-analyze findings --fail-on high capture.srz\n"
    "  sockrec-analyze convert capture.srz capture.pcapng\n"
    "  sockrec-analyze replay staging.srz --service api --target http://127.0.0.1:8080\n"
    "  sockrec-analyze diff v1.srz v2.srz\n"
    "  sockrec-analyze mock staging.srz --service payments --listen 9090\n";

static void usage(FILE *f)
{
	fprintf(f, "Usage: sockrec-analyze COMMAND [OPTION...] ARCHIVE...\n%s", usage_doc);
	fprintf(f, "\nRun 'sockrec-analyze COMMAND --help' for the options.\n");
}

int main(int argc, char **argv)
{
	static char doc[2048];
	struct argp argp = {options, parse_opt, NULL, doc, NULL, NULL, NULL};
	struct cli c;
	char prog[64];

	argp_err_exit_status = AN_EXIT_USAGE;
	memset(&c, 0, sizeof(c));
	an_opts_init(&c.opts);
	if (argc < 2) {
		usage(stderr);
		return AN_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return AN_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("%s\n", argp_program_version);
		return AN_EXIT_OK;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			c.cmd = &commands[i];
	if (!c.cmd) {
		fprintf(stderr, "sockrec-analyze: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return AN_EXIT_USAGE;
	}
	c.args = calloc((size_t)argc, sizeof(*c.args));
	c.ignore = calloc((size_t)argc, sizeof(*c.ignore));
	c.headers = calloc((size_t)argc, sizeof(*c.headers));
	if (!c.args || !c.ignore || !c.headers)
		return AN_EXIT_UNREADABLE;
	/* diff OLD... -- NEW...: argp takes "--" away, so remember what follows it */
	for (int i = 2; i < argc && c.cmd->run == cmd_diff; i++) {
		if (strcmp(argv[i], "--"))
			continue;
		c.new_args = calloc((size_t)argc, sizeof(*c.new_args));
		if (!c.new_args)
			return AN_EXIT_UNREADABLE;
		for (int j = i + 1; j < argc; j++)
			c.new_args[c.nnew++] = argv[j];
		break;
	}
	snprintf(doc, sizeof(doc), "sockrec-analyze %s: %s.\v%s", c.cmd->name, c.cmd->doc,
		 usage_doc);
	argp.args_doc = c.cmd->args;
	snprintf(prog, sizeof(prog), "sockrec-analyze %s", c.cmd->name);
	argv[1] = prog;
	if (argp_parse(&argp, argc - 1, argv + 1, 0, NULL, &c)) {
		free(c.args);
		return AN_EXIT_USAGE;
	}
	if (!c.opts.jobs)
		c.opts.jobs = cores();
	int rc = c.cmd->run(&c);
	free(c.args);
	free(c.ignore);
	free(c.headers);
	free(c.new_args);
	return rc;
}
