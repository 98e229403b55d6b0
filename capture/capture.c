/* capture.c - the capture loop. See capture.h. */
#include "capture.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "container.h"
#include "env.h"
#include "events.h"
#include "liveenv.h"
#include "output.h"
#include "probe.h"
#include "procsnap.h"
#include "record.h"
#include "sink.h"
#include "sockrec.h"
#include "sockrec.skel.h"
#include "tls.h"

#define PID_LIMIT 4194304u /* PID_MAX_LIMIT on 64-bit */
#define BTF_PATH "/sys/kernel/btf/vmlinux"
#define ORIGIN_MAX_BYTES (64u << 20) /* memory for exec-time argv/environ copies */

/* argv and environ of a target as its exec saw them, shared (refcounted)
 * with the children it forks. Programs that rewrite their environment
 * block (setproctitle: nginx, postgres...) leave /proc/PID/environ blank
 * or garbled; snapshots of a process exec'd during the capture, and of its
 * children, use this instead. */
struct origin {
	unsigned refs;
	size_t args_len, env_len, cgroup_len;
	int args_cut, env_cut;
	char data[]; /* args, env, then the cgroup line the kernel saw at exec */
};

struct rt {
	const struct cap_opts *o;
	struct sockrec_bpf *skel;
	struct cap_paths paths; /* which variant of each BPF mechanism is loaded */
	struct ring_buffer *rb;
	struct sr_sink *sink;
	int out_fd;
	int targets_fd;
	uint64_t *target_bits; /* the kernel's target_bits array, mapped */
	size_t target_bits_len;
	unsigned ncpus;
	long clk_tck;
	uint8_t *seen; /* pid -> a snapshot was written since the process appeared */
	uint32_t pid_max;
	char (*ctr_ids)[CAP_CONTAINER_ID_LEN + 1];
	unsigned nctr;
	char *envbuf;		     /* filtered environ, SR_MAX_ENVIRON */
	char *cmdbuf;		     /* redacted cmdline, SR_MAX_CMDLINE */
	struct sr_bpf_counters *cnt; /* ncpus entries */
	uint64_t *cpu_events;	     /* ncpus entries: events received, by producing CPU */
	uint64_t *late_optin;	     /* ncpus entries: targets decided after their exec */
	struct origin **origins;     /* pid_max entries */
	uint32_t *parent;	     /* pid_max entries: parent from fork/exec events */
	size_t origin_bytes;
	uint64_t records, events, proc_errors, user_dropped;
	uint64_t last_loss_sig; /* counters at the last loss record */
	int sink_err;		/* first write error: stops the capture */
	char docker_socket[CAP_PATH_MAX];
	struct cap_liveenv *live; /* live environments (liveenv.h) */
	struct cap_tls *tls;	  /* TLS libraries probed (tls.h); NULL without --tls */
	uint8_t *tls_scan; /* pid -> maps scanned: 1 at first sight or exec, 2 after traffic */
	unsigned tls_host; /* the host's libssl files probed from the start */
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("sockrec: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* wall = boottime + offset; the sample with the tightest bracket wins. */
static int64_t boot_to_wall(void)
{
	int64_t best = 0;
	uint64_t best_gap = UINT64_MAX;
	int i;

	for (i = 0; i < 7; i++) {
		uint64_t b1 = clock_ns(CLOCK_BOOTTIME), w = clock_ns(CLOCK_REALTIME),
			 b2 = clock_ns(CLOCK_BOOTTIME);

		if (b2 - b1 < best_gap) {
			best_gap = b2 - b1;
			best = (int64_t)w - (int64_t)(b1 + (b2 - b1) / 2);
		}
	}
	return best;
}

static void append(struct rt *rt, const struct sr_record *rec)
{
	int rc = sr_sink_append(rt->sink, rec);

	if (rc) {
		rt->user_dropped++;
		if (rc != -EINVAL && !rt->sink_err)
			rt->sink_err = rc;
		return;
	}
	rt->records++;
}

/* ---- targets map ---- */

static uint32_t target_flags(struct rt *rt, uint32_t pid)
{
	uint32_t f = 0;

	if (rt->o->all)
		return SR_TGT_ALL;
	if (bpf_map_lookup_elem(rt->targets_fd, &pid, &f))
		return 0;
	return f;
}

/* Adds flag to pid's entry; the hash entry first, then the filter bit
 * (the kernel keeps the same order). @return 0 or -1. */
static int add_target(struct rt *rt, uint32_t pid, uint32_t flag)
{
	uint32_t f = 0;

	if (pid >= SR_BPF_PID_LIMIT)
		return -1;
	bpf_map_lookup_elem(rt->targets_fd, &pid, &f);
	f |= flag;
	if (bpf_map_update_elem(rt->targets_fd, &pid, &f, BPF_ANY))
		return -1;
	__atomic_fetch_or(&rt->target_bits[pid / 64], 1ull << (pid % 64), __ATOMIC_SEQ_CST);
	return 0;
}

/* ---- exec-time argv/environ ---- */

static void origin_drop(struct rt *rt, uint32_t pid)
{
	struct origin *og;

	if (pid >= rt->pid_max || !(og = rt->origins[pid]))
		return;
	rt->origins[pid] = NULL;
	if (--og->refs == 0) {
		rt->origin_bytes -= sizeof(*og) + og->args_len + og->env_len + og->cgroup_len;
		free(og);
	}
}

static void origin_from_exec(struct rt *rt, uint32_t pid, const struct cap_ev_exec *x)
{
	size_t size = sizeof(struct origin) + x->args_len + x->env_len + x->cgroup_len;
	struct origin *og;

	origin_drop(rt, pid);
	/* an exec the kernel could not decide carries no blocks: /proc then */
	if (pid >= rt->pid_max || rt->origin_bytes + size > ORIGIN_MAX_BYTES ||
	    (!x->args_len && !x->env_len))
		return;
	og = malloc(size);
	if (!og)
		return;
	og->refs = 1;
	og->args_len = x->args_len;
	og->env_len = x->env_len;
	og->args_cut = x->args_cut;
	og->env_cut = x->env_cut;
	og->cgroup_len = x->cgroup_len;
	memcpy(og->data, x->args, x->args_len);
	memcpy(og->data + x->args_len, x->env, x->env_len);
	memcpy(og->data + x->args_len + x->env_len, x->cgroup, x->cgroup_len);
	rt->origins[pid] = og;
	rt->origin_bytes += size;
}

static void origin_inherit(struct rt *rt, uint32_t child, uint32_t parent)
{
	origin_drop(rt, child);
	if (child < rt->pid_max && parent < rt->pid_max && rt->origins[parent]) {
		rt->origins[child] = rt->origins[parent];
		rt->origins[child]->refs++;
	}
}

/* ---- containers ---- */

static void write_container(struct rt *rt, const struct cap_container_ref *ref)
{
	struct cap_ctr_meta m;
	struct sr_record rec = {.type = SR_REC_CONTAINER};
	unsigned i;

	for (i = 0; i < rt->nctr; i++)
		if (!strcmp(rt->ctr_ids[i], ref->id))
			return;
	if (rt->nctr == CAP_MAX_CONTAINERS)
		return;
	memcpy(rt->ctr_ids[rt->nctr++], ref->id, sizeof(ref->id));

	cap_ctr_lookup(ref, rt->docker_socket, rt->o->containerd_root, rt->o->containerd_ns, &m);
	rec.ctr.ts_ns = clock_ns(CLOCK_BOOTTIME);
	rec.ctr.id = sr_str(m.id);
	rec.ctr.runtime = sr_str(m.runtime);
	rec.ctr.name = sr_str(m.name);
	rec.ctr.image = sr_str(m.image);
	rec.ctr.labels = (struct sr_bytes){(const uint8_t *)m.labels, (uint32_t)m.labels_len};
	rec.ctr.addrs = (struct sr_bytes){(const uint8_t *)m.addrs, (uint32_t)m.addrs_len};
	rec.ctr.doc = (struct sr_bytes){(const uint8_t *)m.doc, (uint32_t)m.doc_len};
	rec.ctr.error = sr_str(m.error);
	append(rt, &rec);
	cap_ctr_meta_free(&m);
}

/* ---- process snapshots ---- */

/* What the kernel told us about a process, for when /proc is gone. */
struct proc_hint {
	const char *comm;
	uint32_t ppid, uid;
	uint64_t start_ns;
};

static void tls_scan(struct rt *rt, uint32_t pid, uint8_t level);

static void write_process(struct rt *rt, uint32_t pid, uint32_t tflags,
			  const struct proc_hint *hint)
{
	const struct cap_opts *o = rt->o;
	struct sr_record rec = {.type = SR_REC_PROCESS};
	struct sr_process *p = &rec.proc;
	struct cap_container_ref ref;
	struct cap_optin oi;
	struct cap_snap s;
	struct origin *og, *exec_og;
	const char *env, *cmd;
	size_t env_len, cmd_len, n;
	int env_cut, cmd_cut, failed;
	uint32_t eflags = 0, env_source = SR_ENV_SRC_EXEC;

	failed = cap_snap_read("/proc", pid, &s) != 0;
	og = exec_og = pid < rt->pid_max ? rt->origins[pid] : NULL;
	if (og && og->env_cut && s.environ_len > og->env_len)
		og = NULL; /* the exec event had to cut it; /proc has more */
	if (og) {
		/* the argv and environment the program was started with */
		cmd = og->data;
		cmd_len = og->args_len;
		cmd_cut = og->args_cut;
		env = og->data + og->args_len;
		env_len = og->env_len;
		env_cut = og->env_cut;
	} else {
		/* a rewritten environment block: libc's environ (liveenv.h) */
		cap_environ_choose(rt->live, pid, &s.environ, &s.environ_len, &s.environ_cut,
				   &env_source);
		cmd = s.cmdline;
		cmd_len = s.cmdline_len;
		cmd_cut = s.cmdline_cut;
		env = s.environ;
		env_len = s.environ_len;
		env_cut = s.environ_cut;
	}
	if (failed && hint) {
		/* gone already: the kernel gave comm, ppid, uid, start time */
		if (!s.comm[0])
			snprintf(s.comm, sizeof(s.comm), "%s", hint->comm);
		if (!s.ppid)
			s.ppid = hint->ppid;
		if (!s.uid)
			s.uid = hint->uid;
		if (!s.start_ticks && hint->start_ns)
			s.start_ticks = hint->start_ns / (1000000000ull / rt->clk_tck);
	}
	if (failed && og) {
		/* what /proc would have told about argv and environ we have */
		failed = 0;
		s.error[0] = 0;
	}
	if (failed)
		rt->proc_errors++;

	cap_optin_decide(env ? env : "", env_len, NULL, &oi);
	n = cap_env_filter(env ? env : "", env_len, o->env_prefix_set ? &o->env_prefix : NULL,
			   o->redact, rt->envbuf, SR_MAX_ENVIRON, &eflags);
	if (env_cut)
		eflags |= SR_PROC_ENV_TRUNCATED;

	p->ts_ns = clock_ns(CLOCK_BOOTTIME);
	p->start_ticks = s.start_ticks;
	p->pid = pid;
	p->ppid = s.ppid;
	p->uid = s.uid;
	p->flags = eflags | (cmd_cut ? SR_PROC_CMDLINE_TRUNCATED : 0) |
		   (tflags & SR_TGT_OPTIN ? SR_PROC_TARGET_OPTIN : 0) |
		   (tflags & SR_TGT_PID ? SR_PROC_TARGET_PID : 0) |
		   (tflags & SR_TGT_ALL ? SR_PROC_TARGET_ALL : 0) |
		   (oi.has_profile ? SR_PROC_HAS_PROFILE : 0) |
		   (oi.has_name ? SR_PROC_HAS_NAME : 0);
	p->comm = sr_str(s.comm);
	p->exe = sr_str(s.exe);
	if (o->redact && cmd && cmd_len) {
		int red, cut;
		size_t m = cap_cmdline_redact(cmd, cmd_len, rt->cmdbuf, SR_MAX_CMDLINE, &red, &cut);
		if (red) {
			cmd = rt->cmdbuf;
			cmd_len = m;
			p->flags |=
			    SR_PROC_CMDLINE_REDACTED | (cut ? SR_PROC_CMDLINE_TRUNCATED : 0);
		}
	}
	p->cmdline = (struct sr_bytes){(const uint8_t *)cmd, (uint32_t)cmd_len};
	p->environ = (struct sr_bytes){(const uint8_t *)rt->envbuf, (uint32_t)n};
	if (!s.cgroup_len && exec_og && exec_og->cgroup_len) {
		/* gone before we looked: the cgroup the kernel saw at exec */
		free(s.cgroup);
		s.cgroup = malloc(exec_og->cgroup_len);
		if (s.cgroup) {
			memcpy(s.cgroup, exec_og->data + exec_og->args_len + exec_og->env_len,
			       exec_og->cgroup_len);
			s.cgroup_len = exec_og->cgroup_len;
		}
	}
	if (!s.cgroup_len && s.ppid) {
		/* else: a child stays in its parent's cgroup (container) unless
		 * moved, and the parent may still run */
		char path[64];
		int cut;

		snprintf(path, sizeof(path), "/proc/%u/cgroup", s.ppid);
		free(s.cgroup);
		cap_snap_read_file(path, SR_MAX_CGROUP, &s.cgroup, &s.cgroup_len, &cut);
	}
	p->cgroup = (struct sr_bytes){(const uint8_t *)s.cgroup, (uint32_t)s.cgroup_len};
	if (s.cgroup && cap_cgroup_container(s.cgroup, s.cgroup_len, &ref)) {
		write_container(rt, &ref);
		p->container_id = (struct sr_bytes){(const uint8_t *)ref.id, CAP_CONTAINER_ID_LEN};
	}
	p->adi_profile = (struct sr_bytes){(const uint8_t *)oi.profile, (uint32_t)oi.profile_len};
	p->adi_profile_name = (struct sr_bytes){(const uint8_t *)oi.name, (uint32_t)oi.name_len};
	p->error = sr_str(s.error);
	p->environ_source = env_source;
	append(rt, &rec);
	cap_snap_free(&s);
	if (pid < rt->pid_max)
		rt->seen[pid] = 1;
	tls_scan(rt, pid, 1);
}

/* First sight of pid in a data or conn event. */
static void ensure_process(struct rt *rt, uint32_t pid, const char *comm)
{
	struct proc_hint hint = {.comm = comm, .ppid = pid < rt->pid_max ? rt->parent[pid] : 0};

	if (pid < rt->pid_max && rt->seen[pid])
		return;
	write_process(rt, pid, target_flags(rt, pid), &hint);
}

/* ---- TLS libraries ---- */

static void on_tls_record(void *ctx, const struct sr_record *rec, int new_file)
{
	struct rt *rt = ctx;
	const struct sr_tls *t = &rec->tls;

	append(rt, rec);
	if (rt->o->quiet || !new_file)
		return;
	if (t->status == SR_TLS_PROBED)
		say("TLS: probing %.*s (%.*s) for plaintext", (int)t->library.len,
		    (const char *)t->library.ptr, (int)t->path.len, (const char *)t->path.ptr);
	else
		say("TLS: no plaintext from %.*s of pid %u: %.*s", (int)t->path.len,
		    (const char *)t->path.ptr, t->pid, (int)t->error.len,
		    (const char *)t->error.ptr);
}

/* Go TLS calls the BPF side could not attribute (counted as losses too):
 * said once, at the end, so that the gap has a reason. */
static void on_go_foreign(void *ctx, const char *library, const char *path, uint64_t calls)
{
	(void)ctx;
	say("TLS: %llu call%s of %s in %s on a net.Conn that is not a *net.TCPConn: not "
	    "recorded (counted as lost)",
	    (unsigned long long)calls, calls == 1 ? "" : "s", library, path);
}

/* Finds the TLS libraries pid maps (tls.h). A program maps libssl at its
 * start, or later (Python's ssl module, any dlopen): scanned at first
 * sight or exec (level 1), and once more at its first traffic after that
 * (level 2). */
static void tls_scan(struct rt *rt, uint32_t pid, uint8_t level)
{
	if (!rt->tls || pid >= rt->pid_max || rt->tls_scan[pid] >= level)
		return;
	rt->tls_scan[pid] = level;
	cap_tls_scan(rt->tls, pid, clock_ns(CLOCK_BOOTTIME), on_tls_record, rt);
}

static void tls_reset(struct rt *rt, uint32_t pid)
{
	if (!rt->tls || pid >= rt->pid_max)
		return;
	rt->tls_scan[pid] = 0;
	cap_tls_forget(rt->tls, pid);
}

/* ---- events ---- */

static void on_proc(struct rt *rt, const void *data, size_t size, uint32_t cpu)
{
	struct sr_record rec;
	struct cap_ev_exec x;
	struct sr_proc_event *pe = &rec.pev;

	if (cap_ev_proc(data, size, &rec, &x))
		return;
	if (pe->kind == SR_PROC_EXEC && !pe->target) {
		/* the kernel could not finish the opt-in scan: decide from /proc */
		char *env = NULL;
		size_t len;
		int cut;
		uint32_t src;
		struct cap_optin oi;

		if (cap_environ_read(rt->live, pe->pid, &env, &len, &cut, &src))
			return;
		cap_optin_decide(env, len, rt->o->allow_set ? &rt->o->allow : NULL, &oi);
		free(env);
		if (!oi.target || add_target(rt, pe->pid, SR_TGT_OPTIN))
			return;
		pe->target = target_flags(rt, pe->pid);
		/* its syscalls before this point were not captured */
		if (cpu < rt->ncpus)
			rt->late_optin[cpu]++;
	}
	if (!pe->target)
		return;
	append(rt, &rec);
	if (pe->pid < rt->pid_max)
		rt->parent[pe->pid] = pe->kind == SR_PROC_EXIT ? 0 : pe->ppid;
	switch (pe->kind) {
	case SR_PROC_FORK:
		if (pe->pid < rt->pid_max)
			rt->seen[pe->pid] = 0; /* a new process: snapshot at first sight */
		origin_inherit(rt, pe->pid, pe->ppid);
		tls_reset(rt, pe->pid);
		tls_scan(rt, pe->pid, 1); /* a worker of a server that mapped libssl already */
		break;
	case SR_PROC_EXEC: {
		struct proc_hint hint = {pe->comm, pe->ppid, x.uid, x.start_ns};

		origin_from_exec(rt, pe->pid, &x);
		tls_reset(rt, pe->pid); /* a new program: its libraries anew */
		write_process(rt, pe->pid, pe->target, &hint); /* scans them */
		break;
	}
	case SR_PROC_EXIT:
		if (pe->pid < rt->pid_max)
			rt->seen[pe->pid] = 0;
		origin_drop(rt, pe->pid);
		tls_reset(rt, pe->pid);
		break;
	}
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct rt *rt = ctx;
	struct sr_record rec;
	uint32_t cpu = cap_ev_cpu(data, size);

	rt->events++;
	if (cpu < rt->ncpus)
		rt->cpu_events[cpu]++;
	switch (cap_ev_type(data, size)) {
	case SR_EV_DATA:
		if (cap_ev_data(data, size, &rec))
			break;
		ensure_process(rt, rec.data.tgid, rec.data.comm);
		tls_scan(rt, rec.data.tgid, 2);
		if ((rec.data.flags & SR_DATA_TLS) && rt->tls &&
		    !cap_tls_reported(rt->tls, rec.data.tgid))
			cap_tls_gone(rt->tls, rec.data.tgid,
				     rec.data.syscall == SR_SYS_GO_TLS_READ ||
					 rec.data.syscall == SR_SYS_GO_TLS_WRITE,
				     clock_ns(CLOCK_BOOTTIME), on_tls_record,
				     rt); /* its plaintext says it was probed */
		append(rt, &rec);
		break;
	case SR_EV_CONN:
		if (cap_ev_conn(data, size, &rec))
			break;
		ensure_process(rt, rec.conn.tgid, rec.conn.comm);
		append(rt, &rec);
		tls_scan(rt, rec.conn.tgid, 2);
		break;
	case SR_EV_PROC:
		on_proc(rt, data, size, cpu);
		break;
	}
	return 0;
}

/* ---- loss ---- */

/* Reads the per-CPU counters. @return the sum of all counters (a
 * signature: it changes whenever any counter does). */
static uint64_t read_counters(struct rt *rt)
{
	uint32_t zero = 0;
	uint64_t sig = 0;
	unsigned i;

	memset(rt->cnt, 0, rt->ncpus * sizeof(*rt->cnt));
	if (bpf_map_lookup_elem(bpf_map__fd(rt->skel->maps.counters), &zero, rt->cnt))
		return 0;
	for (i = 0; i < rt->ncpus; i++)
		sig += rt->cpu_events[i] + rt->cnt[i].ring_full + rt->cnt[i].read_fault +
		       rt->cnt[i].truncated + rt->cnt[i].other + rt->late_optin[i];
	return sig + rt->proc_errors + rt->user_dropped;
}

static uint64_t drops(struct rt *rt)
{
	uint64_t d = rt->user_dropped;
	unsigned i;

	for (i = 0; i < rt->ncpus; i++)
		d += rt->cnt[i].ring_full + rt->cnt[i].read_fault + rt->cnt[i].other +
		     rt->late_optin[i];
	return d;
}

static void write_loss(struct rt *rt, int force)
{
	uint64_t sig = read_counters(rt);
	struct sr_record rec = {.type = SR_REC_LOSS};
	uint8_t *buf;
	unsigned i;

	if (!force && sig == rt->last_loss_sig)
		return;
	buf = calloc(rt->ncpus, 48);
	if (!buf)
		return;
	for (i = 0; i < rt->ncpus; i++) {
		struct sr_loss_cpu c = {.cpu = i,
					.events = rt->cpu_events[i],
					.ring_full = rt->cnt[i].ring_full,
					.read_fault = rt->cnt[i].read_fault,
					.truncated = rt->cnt[i].truncated,
					.other = rt->cnt[i].other + rt->late_optin[i]};

		sr_loss_cpu_put(&c, buf + 48 * i);
	}
	rec.loss.ts_ns = clock_ns(CLOCK_BOOTTIME);
	rec.loss.proc_errors = rt->proc_errors;
	rec.loss.user_dropped = rt->user_dropped;
	rec.loss.ncpu = rt->ncpus;
	rec.loss.cpus = (struct sr_bytes){buf, rt->ncpus * 48};
	append(rt, &rec);
	free(buf);
	rt->last_loss_sig = sig;
}

/* ---- setup ---- */

static int libbpf_debug;
static char libbpf_last[512];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (libbpf_debug)
		return vfprintf(stderr, fmt, ap);
	if (level == LIBBPF_WARN) {
		va_list aq;

		va_copy(aq, ap);
		vsnprintf(libbpf_last, sizeof(libbpf_last), fmt, aq);
		va_end(aq);
	}
	return 0;
}

/* Checks what the kernel must offer and chooses the paths the BPF side
 * takes on it, with messages that name the fix. */
static int preflight(struct rt *rt)
{
	struct cap_kernel k;
	char err[512];

	if (geteuid() != 0) {
		say("must run as root: loading BPF programs and reading other processes' "
		    "/proc entries need it (try: sudo sockrec ...)");
		return -1;
	}
	cap_probe_kernel(&k);
	if (cap_choose_paths(&k, getenv("SOCKREC_FORCE"), &rt->paths, err, sizeof(err))) {
		say("%s", err);
		return -1;
	}
	return 0;
}

static int bpf_setup(struct rt *rt)
{
	const struct cap_opts *o = rt->o;
	char key[SR_BPF_ALLOW_LEN];
	struct bpf_program *prog;
	uint8_t one = 1;
	unsigned i, half;
	int err;

	libbpf_debug = getenv("SOCKREC_DEBUG") != NULL;
	libbpf_set_print(libbpf_print);

	rt->skel = sockrec_bpf__open();
	if (!rt->skel) {
		say("cannot open the BPF object: %s", strerror(errno));
		return -1;
	}
	rt->skel->rodata->snaplen = o->snaplen;
	rt->skel->rodata->capture_all = o->all;
	rt->skel->rodata->allow_set = o->allow_set;
	rt->skel->rodata->self_tgid = getpid();
	rt->skel->rodata->wake_bytes = o->ring_size / 4;
	half = cap_scratch_half(o->snaplen);
	rt->skel->rodata->scr_half = half;
	rt->skel->rodata->tls_on = !o->no_tls;
	rt->skel->rodata->keep_ciphertext = o->keep_ciphertext;
	rt->paths.tls = !o->no_tls;
	bpf_object__for_each_program(prog, rt->skel->obj) bpf_program__set_autoload(
	    prog, cap_program_wanted(&rt->paths, bpf_program__name(prog)));
	if (bpf_map__set_max_entries(rt->skel->maps.scratch, rt->ncpus) ||
	    bpf_map__set_value_size(rt->skel->maps.scratch, SR_BPF_SCRATCH_HDR + 2 * half)) {
		say("cannot size the scratch buffers (%u CPUs, %u bytes)", rt->ncpus,
		    SR_BPF_SCRATCH_HDR + 2 * half);
		return -1;
	}
	if (bpf_map__set_max_entries(rt->skel->maps.rb, o->ring_size)) {
		say("cannot size the ring buffer to %u bytes", o->ring_size);
		return -1;
	}
	err = sockrec_bpf__load(rt->skel);
	if (err) {
		/* EPERM: not allowed to use BPF at all; EACCES/EINVAL/E2BIG: the
		 * verifier said no */
		if (err == -EPERM)
			say("the kernel does not allow loading BPF programs (%s): kernel lockdown, "
			    "or a container without CAP_BPF/CAP_SYS_ADMIN? SOCKREC_DEBUG=1 shows "
			    "libbpf's log",
			    strerror(-err));
		else
			say("the kernel's verifier refused the BPF program (%s); SOCKREC_DEBUG=1 "
			    "shows the verifier log",
			    strerror(-err));
		return -1;
	}
	for (i = 0; i < o->allow.n; i++) {
		memset(key, 0, sizeof(key));
		memcpy(key, o->allow.item[i], strlen(o->allow.item[i]));
		if (bpf_map_update_elem(bpf_map__fd(rt->skel->maps.allow), key, &one, BPF_ANY)) {
			say("cannot fill the allow map: %s", strerror(errno));
			return -1;
		}
	}
	err = sockrec_bpf__attach(rt->skel);
	if (err) {
		say("cannot attach the BPF programs (%s tracepoints, inet_sock_set_state, "
		    "sched_process_*): %s%s%s",
		    rt->paths.hooks == CAP_HOOKS_SOCKET ? "sock_send_length/sock_recv_length"
							: "syscalls/sys_exit_*",
		    strerror(-err), libbpf_last[0] ? "; libbpf: " : "", libbpf_last);
		return -1;
	}
	if (!o->no_tls) {
		struct cap_tls_progs tp = {
		    {rt->skel->progs.sr_tls_read, rt->skel->progs.sr_tls_write,
		     rt->skel->progs.sr_tls_read_ex, rt->skel->progs.sr_tls_write_ex,
		     rt->skel->progs.sr_tls_handshake, rt->skel->progs.sr_tls_ret},
		    {rt->skel->progs.sr_gotls_read, rt->skel->progs.sr_gotls_write,
		     rt->skel->progs.sr_gotls_ret, rt->skel->progs.sr_gotls_chs,
		     rt->skel->progs.sr_gotls_shs, rt->skel->progs.sr_gotls_hs_ret},
		    bpf_map__fd(rt->skel->maps.go_bins)};

		rt->tls = cap_tls_create(&tp, "/proc");
		rt->tls_scan = calloc(rt->pid_max, 1);
		if (!rt->tls || !rt->tls_scan) {
			say("out of memory");
			return -1;
		}
		rt->tls_host = cap_tls_attach_host(rt->tls);
	}
	rt->targets_fd = bpf_map__fd(rt->skel->maps.targets);
	rt->target_bits_len = SR_BPF_TARGET_WORDS * sizeof(uint64_t);
	rt->target_bits = mmap(NULL, rt->target_bits_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			       bpf_map__fd(rt->skel->maps.target_bits), 0);
	if (rt->target_bits == MAP_FAILED) {
		rt->target_bits = NULL;
		say("cannot map the target bitmap: %s", strerror(errno));
		return -1;
	}
	rt->rb = ring_buffer__new(bpf_map__fd(rt->skel->maps.rb), on_event, rt, NULL);
	if (!rt->rb) {
		say("cannot map the ring buffer: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Targets already running: --pid, and every process whose environment opts
 * in. Processes exec'd from now on are decided by the kernel. */
static int seed_targets(struct rt *rt)
{
	const struct cap_opts *o = rt->o;
	uint32_t self = getpid();
	struct dirent *de;
	unsigned i;
	DIR *d;

	for (i = 0; i < o->npids; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%u", o->pids[i]);
		if (access(path, F_OK)) {
			say("--pid %u: no such process", o->pids[i]);
			return -1;
		}
		if (add_target(rt, o->pids[i], SR_TGT_PID)) {
			say("--pid %u: cannot add it to the targets map: %s", o->pids[i],
			    strerror(errno));
			return -1;
		}
	}
	if (o->all)
		return 0;
	d = opendir("/proc");
	if (!d) {
		say("cannot read /proc: %s", strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		char *env;
		size_t len;
		int cut;
		uint32_t src;
		struct cap_optin oi;
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (!isdigit((unsigned char)de->d_name[0]) || *end || pid == self ||
		    pid > UINT32_MAX)
			continue;
		/* /proc/PID/environ, or the live one when that was rewritten */
		if (cap_environ_read(rt->live, pid, &env, &len, &cut, &src))
			continue;
		cap_optin_decide(env, len, o->allow_set ? &o->allow : NULL, &oi);
		free(env);
		if (oi.target)
			add_target(rt, pid, SR_TGT_OPTIN);
	}
	closedir(d);
	return 0;
}

/* Snapshots of the targets found at startup (and any the kernel added). */
static unsigned snapshot_targets(struct rt *rt)
{
	uint32_t key, next, *prev = NULL;
	unsigned n = 0;

	while (!bpf_map_get_next_key(rt->targets_fd, prev, &next)) {
		uint32_t f = target_flags(rt, next);

		key = next;
		prev = &key;
		if (f && (next >= rt->pid_max || !rt->seen[next])) {
			struct proc_hint hint = {.comm = ""};

			write_process(rt, next, f, &hint);
			n++;
		}
	}
	return n;
}

static void write_header(struct rt *rt, int argc, char **argv)
{
	const struct cap_opts *o = rt->o;
	struct sr_record rec = {.type = SR_REC_CAPTURE_HEADER};
	struct sr_capture_header *h = &rec.hdr;
	char host[256] = "", pids[CAP_PIDS_MAX * 12] = "", paths[128], *av;
	struct utsname u;
	size_t avlen = 0, pos = 0;
	unsigned i;
	int k;

	gethostname(host, sizeof(host) - 1);
	if (uname(&u))
		u.release[0] = 0;
	for (i = 0; i < o->npids; i++)
		pos += snprintf(pids + pos, sizeof(pids) - pos, "%s%u", i ? "," : "", o->pids[i]);
	for (k = 0; k < argc; k++)
		avlen += strlen(argv[k]) + 1;
	av = malloc(avlen ? avlen : 1);
	if (av) {
		for (pos = 0, k = 0; k < argc; k++) {
			memcpy(av + pos, argv[k], strlen(argv[k]) + 1);
			pos += strlen(argv[k]) + 1;
		}
	}
	h->boot_to_wall_ns = boot_to_wall();
	h->start_wall_ns = clock_ns(CLOCK_REALTIME);
	h->snaplen = o->snaplen;
	h->flags = (o->all ? SR_CAP_ALL : 0) | (o->redact ? SR_CAP_REDACT : 0) |
		   (o->allow_set ? SR_CAP_ALLOW_SET : 0);
	h->ring_size = o->ring_size;
	h->ncpus = rt->ncpus;
	h->tool_version = sr_str("sockrec " SOCKREC_VERSION);
	h->hostname = sr_str(host);
	h->kernel_release = sr_str(u.release);
	h->allow = sr_str(o->allow_set ? o->allow_text : "");
	h->env_prefix = sr_str(o->env_prefix_set ? o->env_prefix_text : "");
	h->pids = sr_str(pids);
	h->argv = (struct sr_bytes){(const uint8_t *)av, av ? (uint32_t)avlen : 0};
	h->paths = sr_str(cap_paths_text(&rt->paths, 1, paths, sizeof(paths)));
	append(rt, &rec);
	free(av);
}

static void write_end(struct rt *rt, uint32_t reason)
{
	struct sr_record rec = {.type = SR_REC_END};

	rec.end.ts_ns = clock_ns(CLOCK_BOOTTIME);
	rec.end.end_wall_ns = clock_ns(CLOCK_REALTIME);
	rec.end.records = rt->records;
	rec.end.reason = reason;
	append(rt, &rec);
}

static uint32_t read_pid_max(void)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "re");
	unsigned long v = PID_LIMIT;

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = PID_LIMIT;
		fclose(f);
	}
	return v > PID_LIMIT || v == 0 ? PID_LIMIT : v;
}

static void status_line(struct rt *rt, uint64_t events_per_s, int tty)
{
	double mb = sr_sink_bytes(rt->sink) / 1e6;

	if (tty)
		fprintf(stderr, "\rsockrec: %lu events/s, %.1f MB written, %lu dropped\033[K",
			(unsigned long)events_per_s, mb, (unsigned long)drops(rt));
	else
		fprintf(stderr, "sockrec: %lu events/s, %.1f MB written, %lu dropped\n",
			(unsigned long)events_per_s, mb, (unsigned long)drops(rt));
}

int cap_run(const struct cap_opts *o, int argc, char **argv)
{
	struct rt rt = {.o = o, .out_fd = -1, .targets_fd = -1};
	int rc = CAP_EXIT_SETUP, created = 0, tty = isatty(2);
	uint64_t start, last_sec, events_last = 0, deadline = 0;
	uint32_t end_reason = SR_END_SIGNAL;
	struct sigaction sa = {.sa_handler = on_signal};
	char err[512];
	unsigned nseed;
	enum sr_container_kind kind = o->format == CAP_FMT_PCAPNG ? SR_FMT_PCAPNG : SR_FMT_SRZ;

	/* early: a signal during setup ends the capture right after it starts,
	 * with a complete archive */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (cap_output_check(o->out_path, o->force, err, sizeof(err))) {
		say("%s", err);
		return CAP_EXIT_SETUP;
	}
	if (preflight(&rt))
		return CAP_EXIT_SETUP;

	rt.ncpus = libbpf_num_possible_cpus();
	rt.clk_tck = sysconf(_SC_CLK_TCK);
	if (rt.clk_tck <= 0)
		rt.clk_tck = 100;
	rt.pid_max = read_pid_max();
	rt.seen = calloc(rt.pid_max, 1);
	rt.ctr_ids = calloc(CAP_MAX_CONTAINERS, sizeof(*rt.ctr_ids));
	rt.envbuf = malloc(SR_MAX_ENVIRON);
	rt.cmdbuf = malloc(SR_MAX_CMDLINE);
	rt.cnt = calloc(rt.ncpus > 0 ? rt.ncpus : 1, sizeof(*rt.cnt));
	rt.cpu_events = calloc(rt.ncpus > 0 ? rt.ncpus : 1, sizeof(*rt.cpu_events));
	rt.late_optin = calloc(rt.ncpus > 0 ? rt.ncpus : 1, sizeof(*rt.late_optin));
	rt.origins = calloc(rt.pid_max, sizeof(*rt.origins));
	rt.parent = calloc(rt.pid_max, sizeof(*rt.parent));
	rt.live = cap_liveenv_create();
	if ((int)rt.ncpus <= 0 || !rt.seen || !rt.ctr_ids || !rt.envbuf || !rt.cmdbuf || !rt.cnt ||
	    !rt.cpu_events || !rt.late_optin || !rt.origins || !rt.parent || !rt.live) {
		say("out of memory");
		goto cleanup;
	}
	if (o->docker_socket_given) {
		snprintf(rt.docker_socket, sizeof(rt.docker_socket), "%s", o->docker_socket);
	} else {
		struct stat st;

		if (!stat(CAP_DOCKER_SOCKET_DEFAULT, &st) && S_ISSOCK(st.st_mode))
			snprintf(rt.docker_socket, sizeof(rt.docker_socket), "%s",
				 CAP_DOCKER_SOCKET_DEFAULT);
	}

	if (bpf_setup(&rt))
		goto cleanup;

	rt.out_fd = cap_output_open(o->out_path, o->force, err, sizeof(err));
	if (rt.out_fd < 0) {
		say("%s", err);
		goto cleanup;
	}
	created = 1;
	rt.sink = sr_sink_create(kind, rt.out_fd, err, sizeof(err));
	if (!rt.sink) {
		say("cannot write %s archive %s: %s", kind == SR_FMT_PCAPNG ? "pcapng" : "srz",
		    o->out_path, err);
		goto cleanup;
	}

	write_header(&rt, argc, argv);
	if (seed_targets(&rt))
		goto cleanup;
	nseed = snapshot_targets(&rt);
	if (rt.sink_err) {
		say("cannot write %s: %s", o->out_path, strerror(-rt.sink_err));
		rc = CAP_EXIT_FAIL;
		goto cleanup;
	}
	say("capturing%s to %s (snaplen %u, ring %u bytes, %u target%s running; %s)",
	    o->all ? " every process" : "", o->out_path, o->snaplen, o->ring_size, nseed,
	    nseed == 1 ? "" : "s", cap_paths_text(&rt.paths, 0, err, sizeof(err)));

	if (rt.tls && !o->quiet)
		say("TLS: plaintext from libssl: %u host librar%s probed from the start, others "
		    "as targets map them; from Go's crypto/tls in targets' executables",
		    rt.tls_host, rt.tls_host == 1 ? "y" : "ies");
	start = last_sec = clock_ns(CLOCK_MONOTONIC);
	if (o->duration > 0)
		deadline = start + (uint64_t)(o->duration * 1e9);
	while (!stop_signal && !rt.sink_err) {
		uint64_t now;
		int n = ring_buffer__poll(rt.rb, CAP_DRAIN_MS);

		if (n < 0 && n != -EINTR) {
			say("ring buffer: %s", strerror(-n));
			break;
		}
		ring_buffer__consume(rt.rb); /* records submitted without a wake-up */
		now = clock_ns(CLOCK_MONOTONIC);
		sr_sink_tick(rt.sink, now);
		if (now - last_sec >= 1000000000ull) {
			write_loss(&rt, 0);
			if (!o->quiet && (tty || (now - start) / 1000000000ull % 10 == 0))
				status_line(&rt,
					    (rt.events - events_last) * 1000000000ull /
						(now - last_sec),
					    tty);
			events_last = rt.events;
			last_sec = now;
		}
		if (deadline && now >= deadline) {
			end_reason = SR_END_DURATION;
			break;
		}
	}
	if (!o->quiet && tty)
		fputc('\n', stderr);

	/* stop producing, then take what is left */
	sockrec_bpf__detach(rt.skel);
	cap_tls_go_foreign(rt.tls, on_go_foreign, NULL);
	cap_tls_free(rt.tls);
	rt.tls = NULL;
	ring_buffer__consume(rt.rb);
	if (rt.sink_err) {
		say("cannot write %s: %s; the archive ends at its last complete block", o->out_path,
		    strerror(-rt.sink_err));
		rc = CAP_EXIT_FAIL;
		goto cleanup;
	}
	write_loss(&rt, 1);
	write_end(&rt, end_reason);
	if (sr_sink_flush(rt.sink) || fsync(rt.out_fd)) {
		say("cannot write %s: %s", o->out_path,
		    sr_sink_error(rt.sink) ? sr_sink_error(rt.sink) : strerror(errno));
		rc = CAP_EXIT_FAIL;
		goto cleanup;
	}
	if (!o->quiet)
		say("wrote %lu records, %.1f MB, %lu dropped, to %s", (unsigned long)rt.records,
		    sr_sink_bytes(rt.sink) / 1e6, (unsigned long)drops(&rt), o->out_path);
	rc = CAP_EXIT_OK;

cleanup:
	if (rt.sink) {
		if (sr_sink_close(rt.sink, 1) && rc == CAP_EXIT_OK) {
			say("cannot close %s", o->out_path);
			rc = CAP_EXIT_FAIL;
		}
		rt.out_fd = -1;
	}
	if (rt.out_fd >= 0)
		close(rt.out_fd);
	if (rc == CAP_EXIT_SETUP && created)
		unlink(o->out_path); /* nothing was captured: leave no empty archive */
	ring_buffer__free(rt.rb);
	if (rt.target_bits)
		munmap(rt.target_bits, rt.target_bits_len);
	cap_tls_free(rt.tls);
	free(rt.tls_scan);
	sockrec_bpf__destroy(rt.skel);
	free(rt.cnt);
	free(rt.cpu_events);
	free(rt.late_optin);
	if (rt.origins)
		for (uint32_t pid = 0; pid < rt.pid_max; pid++)
			origin_drop(&rt, pid);
	free(rt.origins);
	free(rt.parent);
	free(rt.envbuf);
	free(rt.cmdbuf);
	free(rt.ctr_ids);
	free(rt.seen);
	cap_liveenv_free(rt.live);
	return rc;
}
