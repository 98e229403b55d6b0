/* probe.c - kernel features and the capture's choice of paths. See probe.h. */
#include "probe.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "sockrec.h"

#define BTF_PATH "/sys/kernel/btf/vmlinux"
#define TRACEFS "/sys/kernel/tracing"
#define DEBUGFS_TRACING "/sys/kernel/debug/tracing"
#define SYS_EXIT_EVENT "/events/syscalls/sys_exit_write"

static int has_syscall_events(void)
{
	return !access(TRACEFS SYS_EXIT_EVENT, F_OK) ||
	       !access(DEBUGFS_TRACING SYS_EXIT_EVENT, F_OK);
}

/* libbpf finds tracepoint ids through tracefs; mount it where systemd
 * would when nobody has. */
static int syscall_events(void)
{
	if (has_syscall_events())
		return 1;
	if (!access(TRACEFS, F_OK))
		mount("nodev", TRACEFS, "tracefs", 0, NULL);
	return has_syscall_events();
}

static int helper_exists(enum bpf_func_id id)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_RAW_TRACEPOINT, id, NULL) == 1;
}

/* Loads and attaches an empty fexit program on __sys_accept4: BPF
 * trampolines can be missing or refused (EPERM) where kprobes are too. */
static int fexit_works(const struct btf *btf)
{
	const struct bpf_insn insns[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FEXIT);
	int id = btf__find_by_name_kind(btf, "__sys_accept4", BTF_KIND_FUNC), fd, link;

	if (id <= 0)
		return 0;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, 2, &opts);
	if (fd < 0)
		return 0;
	link = bpf_link_create(fd, 0, BPF_TRACE_FEXIT, NULL);
	close(fd);
	if (link < 0)
		return 0;
	close(link);
	return 1;
}

void cap_probe_kernel(struct cap_kernel *k)
{
	struct btf *btf;

	memset(k, 0, sizeof(*k));
	k->btf = !access(BTF_PATH, R_OK);
	k->ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
	k->bpf_loop = helper_exists(BPF_FUNC_loop);
	k->task_pt_regs = helper_exists(BPF_FUNC_task_pt_regs);
	k->sys_tp = syscall_events();
	btf = k->btf ? btf__load_vmlinux_btf() : NULL;
	if (!btf) {
		k->btf = 0;
		return;
	}
	/* kfuncs are FUNCs of vmlinux BTF; raw tracepoints have a
	 * btf_trace_<name> typedef there */
	k->rdonly_cast = btf__find_by_name_kind(btf, "bpf_rdonly_cast", BTF_KIND_FUNC) > 0;
	k->dynptr_read =
	    btf__find_by_name_kind(btf, "bpf_probe_read_user_dynptr", BTF_KIND_FUNC) > 0;
	k->sock_tp =
	    btf__find_by_name_kind(btf, "btf_trace_sock_send_length", BTF_KIND_TYPEDEF) > 0 &&
	    btf__find_by_name_kind(btf, "btf_trace_sock_recv_length", BTF_KIND_TYPEDEF) > 0;
	k->fexit = fexit_works(btf);
	btf__free(btf);
}

/* @return whether word is an item of the comma-separated list */
static int listed(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncmp(p, word, n))
			return 1;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

static int check_force(const char *force, char *err, size_t err_cap)
{
	static const char *const words[] = {"syscalls", "scratch", "compat"};
	const char *p = force;

	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p), i;

		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (len == strlen(words[i]) && !strncmp(p, words[i], len))
				break;
		if (i == sizeof(words) / sizeof(words[0])) {
			snprintf(
			    err, err_cap,
			    "SOCKREC_FORCE: unknown path '%.*s' (known: syscalls, scratch, compat)",
			    (int)len, p);
			return -1;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

int cap_choose_paths(const struct cap_kernel *k, const char *force, struct cap_paths *p, char *err,
		     size_t err_cap)
{
	int modern, compat_forced;

	if (check_force(force, err, err_cap))
		return -1;
	if (!k->btf) {
		snprintf(err, err_cap,
			 "cannot load the BPF program: this kernel has no BTF (%s missing); a "
			 "kernel built with CONFIG_DEBUG_INFO_BTF=y is needed",
			 BTF_PATH);
		return -1;
	}
	if (!k->ringbuf) {
		snprintf(err, err_cap,
			 "this kernel lacks the BPF ring buffer (BPF_MAP_TYPE_RINGBUF): Linux 5.8 "
			 "or later is needed");
		return -1;
	}
	compat_forced = listed(force, "compat");
	modern = k->rdonly_cast && k->bpf_loop && k->task_pt_regs && !compat_forced;
	p->core = modern ? CAP_CORE_MODERN : CAP_CORE_COMPAT;
	if (modern && k->sock_tp && !listed(force, "syscalls")) {
		p->hooks = CAP_HOOKS_SOCKET;
	} else if (k->sys_tp) {
		p->hooks = CAP_HOOKS_SYSCALLS;
	} else {
		snprintf(err, err_cap,
			 "this kernel has neither the socket tracepoints sock_send_length/"
			 "sock_recv_length (Linux 6.3 or later) nor syscall tracepoints "
			 "(CONFIG_FTRACE_SYSCALLS, with tracefs at %s)%s",
			 TRACEFS, listed(force, "syscalls") ? " (SOCKREC_FORCE=syscalls)" : "");
		return -1;
	}
	p->copy = p->hooks == CAP_HOOKS_SOCKET && k->dynptr_read && !listed(force, "scratch")
		      ? CAP_COPY_DYNPTR
		      : CAP_COPY_SCRATCH;
	if (p->hooks == CAP_HOOKS_SYSCALLS)
		p->accept = CAP_ACCEPT_SYSCALL;
	else
		p->accept = k->fexit ? CAP_ACCEPT_FEXIT : CAP_ACCEPT_FIRST_DATA;
	return 0;
}

const char *cap_paths_text(const struct cap_paths *p, int key_value, char *buf, size_t cap)
{
	static const char *const accept_kv[] = {"fexit", "syscall-tracepoints", "first-data"};
	static const char *const accept_text[] = {"fexit", "syscall tracepoints", "at first data"};

	if (key_value)
		snprintf(buf, cap, "hooks=%s copy=%s core=%s accept=%s",
			 p->hooks == CAP_HOOKS_SOCKET ? "socket-tracepoints"
						      : "syscall-tracepoints",
			 p->copy == CAP_COPY_DYNPTR ? "user-dynptr" : "scratch",
			 p->core == CAP_CORE_MODERN ? "modern" : "compat", accept_kv[p->accept]);
	else
		snprintf(buf, cap, "hooks: %s; copy: %s; core: %s; accept: %s",
			 p->hooks == CAP_HOOKS_SOCKET ? "socket tracepoints"
						      : "syscall tracepoints",
			 p->copy == CAP_COPY_DYNPTR ? "user dynptr" : "scratch buffer",
			 p->core == CAP_CORE_MODERN ? "6.2+" : "5.10+", accept_text[p->accept]);
	return buf;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

int cap_program_wanted(const struct cap_paths *p, const char *name)
{
	if (!strncmp(name, "sr_tls_", 7) || !strncmp(name, "sr_gotls_", 9))
		return p->tls; /* uprobes: one variant for every kernel */
	if (!strcmp(name, "sr_accept_fexit"))
		return p->accept == CAP_ACCEPT_FEXIT;
	if (!strcmp(name, "sr_accept_sys") || !strcmp(name, "sr_accept4_sys"))
		return p->accept == CAP_ACCEPT_SYSCALL;
	if (!strncmp(name, "sr_sys_", 7))
		return p->hooks == CAP_HOOKS_SYSCALLS;
	if (!strcmp(name, "sr_send") || !strcmp(name, "sr_recv"))
		return p->hooks == CAP_HOOKS_SOCKET && p->copy == CAP_COPY_DYNPTR;
	if (!strcmp(name, "sr_send_scr") || !strcmp(name, "sr_recv_scr"))
		return p->hooks == CAP_HOOKS_SOCKET && p->copy == CAP_COPY_SCRATCH;
	if (has_suffix(name, "_compat"))
		return p->core == CAP_CORE_COMPAT;
	return p->core == CAP_CORE_MODERN;
}

unsigned cap_scratch_half(unsigned snaplen)
{
	unsigned need = SR_BPF_EXEC_ARGS_MAX + SR_BPF_EXEC_ENV_MAX, half = 1;

	if (snaplen > need)
		need = snaplen;
	while (half <= need)
		half <<= 1;
	return half;
}
