/* bpf_features.c - prints which BPF mechanisms the running kernel has, one
 * "name: yes|no (detail)" line each, for make test-kernels and
 * scripts/vm-run.sh users: kfuncs (in vmlinux BTF, as bpf_ksym_exists sees
 * them), helpers (libbpf_probe_bpf_helper), tracepoints (BTF and tracefs),
 * and whether a program of each attach kind loads AND attaches (the objects
 * built from probe.bpf.c, given as NAME=OBJ arguments).
 *
 *   bpf_features [NAME=OBJECT.bpf.o ...]
 *
 * Exit 0 when every probe ran (whatever it found), 1 when BTF is missing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

static void line(const char *name, int yes, const char *detail)
{
	printf("%-38s %s%s%s%s\n", name, yes ? "yes" : "no", *detail ? " (" : "", detail,
	       *detail ? ")" : "");
}

static void kfunc(const struct btf *vmlinux, const char *name)
{
	char label[64];

	snprintf(label, sizeof(label), "kfunc %s", name);
	line(label, btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC) > 0, "");
}

static void helper(enum bpf_func_id id, const char *name)
{
	char label[64], detail[64] = "";
	int r = libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, id, NULL);

	snprintf(label, sizeof(label), "helper %s", name);
	if (r < 0)
		snprintf(detail, sizeof(detail), "probe failed: %s", strerror(-r));
	line(label, r > 0, detail);
}

static void tracepoint(const struct btf *vmlinux, const char *cat, const char *name)
{
	char label[96], path[256], btfname[96];
	int in_btf, in_tracefs;

	snprintf(label, sizeof(label), "tracepoint %s/%s", cat, name);
	snprintf(btfname, sizeof(btfname), "btf_trace_%s", name);
	in_btf = btf__find_by_name_kind(vmlinux, btfname, BTF_KIND_TYPEDEF) > 0;
	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/%s", cat, name);
	in_tracefs = access(path, F_OK) == 0;
	line(label, in_btf || in_tracefs,
	     in_btf && in_tracefs ? "BTF, tracefs" : in_btf ? "BTF only" : in_tracefs ? "tracefs only" : "");
}

/* attach NAME=OBJ: opens, loads and attaches every program in OBJ */
static void attach(const char *arg)
{
	char label[96], detail[160] = "";
	const char *eq = strchr(arg, '=');
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	struct bpf_link *link = NULL;
	int ok = 0, err;

	if (!eq) {
		fprintf(stderr, "bpf_features: argument '%s' is not NAME=OBJECT\n", arg);
		return;
	}
	snprintf(label, sizeof(label), "attach %.*s", (int)(eq - arg), arg);
	obj = bpf_object__open_file(eq + 1, NULL);
	if (!obj) {
		snprintf(detail, sizeof(detail), "open %s: %s", eq + 1, strerror(errno));
		goto out;
	}
	err = bpf_object__load(obj);
	if (err) {
		snprintf(detail, sizeof(detail), "load: %s", strerror(-err));
		goto out;
	}
	bpf_object__for_each_program(prog, obj) {
		link = bpf_program__attach(prog);
		if (!link) {
			snprintf(detail, sizeof(detail), "attach: %s", strerror(errno));
			goto out;
		}
		bpf_link__destroy(link);
		link = NULL;
	}
	ok = 1;
out:
	line(label, ok, detail);
	bpf_object__close(obj);
}

int main(int argc, char **argv)
{
	struct btf *vmlinux;
	int i;

	libbpf_set_print(quiet);
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		printf("%-38s no (%s)\n", "vmlinux BTF", strerror(errno));
		return 1;
	}
	line("vmlinux BTF", 1, "");
	kfunc(vmlinux, "bpf_probe_read_user_dynptr");
	kfunc(vmlinux, "bpf_rdonly_cast");
	kfunc(vmlinux, "bpf_dynptr_slice");
	helper(BPF_FUNC_ringbuf_output, "bpf_ringbuf_output");
	helper(BPF_FUNC_loop, "bpf_loop");
	helper(BPF_FUNC_task_pt_regs, "bpf_task_pt_regs");
	helper(BPF_FUNC_get_current_task_btf, "bpf_get_current_task_btf");
	helper(BPF_FUNC_probe_read_user, "bpf_probe_read_user");
	helper(BPF_FUNC_dynptr_from_mem, "bpf_dynptr_from_mem");
	tracepoint(vmlinux, "sock", "sock_send_length");
	tracepoint(vmlinux, "sock", "sock_recv_length");
	tracepoint(vmlinux, "sock", "inet_sock_set_state");
	tracepoint(vmlinux, "syscalls", "sys_enter_sendto");
	tracepoint(vmlinux, "raw_syscalls", "sys_enter");
	tracepoint(vmlinux, "sched", "sched_process_exec");
	for (i = 1; i < argc; i++)
		attach(argv[i]);
	btf__free(vmlinux);
	return 0;
}
