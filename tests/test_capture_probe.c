/* test_capture_probe.c - the choice of BPF paths per kernel (capture/probe.c).
 *
 * Properties under test: each kernel of the supported range (features as
 * measured in Debian's 5.10, 6.1 and 6.12 kernels and on 6.16+) gets the
 * fastest path it has for each mechanism; SOCKREC_FORCE takes slower
 * paths only and rejects unknown words; where nothing works the message
 * names the missing feature and the kernel that has it; each BPF program
 * of the object is loaded under exactly one choice of its mechanism; the
 * scratch size covers the snaplen and the exec copy, strictly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <linux/types.h>

#include "probe.h"
#include "sockrec.h"

/* Debian 11's 5.10: BTF, ring buffer, syscall tracepoints, trampolines */
static const struct cap_kernel k510 = {
    .btf = true, .ringbuf = true, .sys_tp = true, .fexit = true};
/* Debian 12's 6.1: + bpf_loop, bpf_task_pt_regs */
static const struct cap_kernel k61 = {.btf = true,
				      .ringbuf = true,
				      .sys_tp = true,
				      .fexit = true,
				      .bpf_loop = true,
				      .task_pt_regs = true};
/* Debian 13's 6.12: + bpf_rdonly_cast, socket tracepoints */
static const struct cap_kernel k612 = {.btf = true,
				       .ringbuf = true,
				       .sys_tp = true,
				       .fexit = true,
				       .bpf_loop = true,
				       .task_pt_regs = true,
				       .rdonly_cast = true,
				       .sock_tp = true};
/* this machine's 6.18: + user dynptr, but no trampolines */
static const struct cap_kernel k618 = {.btf = true,
				       .ringbuf = true,
				       .sys_tp = true,
				       .bpf_loop = true,
				       .task_pt_regs = true,
				       .rdonly_cast = true,
				       .sock_tp = true,
				       .dynptr_read = true};

static char err[512];

static struct cap_paths choose(const struct cap_kernel *k, const char *force)
{
	struct cap_paths p;

	memset(&p, 0xff, sizeof(p));
	err[0] = 0;
	assert_int_equal(cap_choose_paths(k, force, &p, err, sizeof(err)), 0);
	return p;
}

static void expect(const struct cap_paths *p, enum cap_hooks h, enum cap_copy c,
		   enum cap_core core, enum cap_accept a)
{
	assert_int_equal(p->hooks, h);
	assert_int_equal(p->copy, c);
	assert_int_equal(p->core, core);
	assert_int_equal(p->accept, a);
}

static void test_each_kernel_gets_its_fastest_paths(void **state)
{
	struct cap_paths p;

	(void)state;
	p = choose(&k510, NULL);
	expect(&p, CAP_HOOKS_SYSCALLS, CAP_COPY_SCRATCH, CAP_CORE_COMPAT, CAP_ACCEPT_SYSCALL);
	p = choose(&k61, "");
	expect(&p, CAP_HOOKS_SYSCALLS, CAP_COPY_SCRATCH, CAP_CORE_COMPAT, CAP_ACCEPT_SYSCALL);
	p = choose(&k612, NULL);
	expect(&p, CAP_HOOKS_SOCKET, CAP_COPY_SCRATCH, CAP_CORE_MODERN, CAP_ACCEPT_FEXIT);
	p = choose(&k618, NULL);
	expect(&p, CAP_HOOKS_SOCKET, CAP_COPY_DYNPTR, CAP_CORE_MODERN, CAP_ACCEPT_FIRST_DATA);
}

static void test_force_takes_slower_paths_only(void **state)
{
	struct cap_paths p;

	(void)state;
	p = choose(&k618, "scratch");
	expect(&p, CAP_HOOKS_SOCKET, CAP_COPY_SCRATCH, CAP_CORE_MODERN, CAP_ACCEPT_FIRST_DATA);
	p = choose(&k618, "syscalls");
	expect(&p, CAP_HOOKS_SYSCALLS, CAP_COPY_SCRATCH, CAP_CORE_MODERN, CAP_ACCEPT_SYSCALL);
	p = choose(&k618, "compat");
	expect(&p, CAP_HOOKS_SYSCALLS, CAP_COPY_SCRATCH, CAP_CORE_COMPAT, CAP_ACCEPT_SYSCALL);
	p = choose(&k612, "scratch,syscalls");
	expect(&p, CAP_HOOKS_SYSCALLS, CAP_COPY_SCRATCH, CAP_CORE_MODERN, CAP_ACCEPT_SYSCALL);
	/* forcing what the kernel lacks anyway changes nothing */
	p = choose(&k510, "compat,scratch");
	expect(&p, CAP_HOOKS_SYSCALLS, CAP_COPY_SCRATCH, CAP_CORE_COMPAT, CAP_ACCEPT_SYSCALL);
}

static void test_unknown_force_word_is_refused(void **state)
{
	struct cap_paths p;

	(void)state;
	assert_int_equal(cap_choose_paths(&k618, "scratch,fast", &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'fast'"));
	assert_int_equal(cap_choose_paths(&k618, "syscall", &p, err, sizeof(err)), -1);
}

static void test_missing_features_are_named(void **state)
{
	struct cap_kernel k = k510;
	struct cap_paths p;

	(void)state;
	k.btf = false;
	assert_int_equal(cap_choose_paths(&k, NULL, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "CONFIG_DEBUG_INFO_BTF"));
	k = k510;
	k.ringbuf = false;
	assert_int_equal(cap_choose_paths(&k, NULL, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Linux 5.8"));
	k = k510;
	k.sys_tp = false;
	assert_int_equal(cap_choose_paths(&k, NULL, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Linux 6.3"));
	assert_non_null(strstr(err, "CONFIG_FTRACE_SYSCALLS"));
	/* a kernel with the socket tracepoints needs no syscall tracepoints */
	k = k618;
	k.sys_tp = false;
	p = choose(&k, NULL);
	assert_int_equal(p.hooks, CAP_HOOKS_SOCKET);
	/* ... unless they are forced */
	assert_int_equal(cap_choose_paths(&k, "syscalls", &p, err, sizeof(err)), -1);
}

/* every program of the object, by mechanism */
static const char *const data_socket_dyn[] = {"sr_send", "sr_recv"};
static const char *const data_socket_scr[] = {"sr_send_scr", "sr_recv_scr"};
static const char *const data_sys[] = {"sr_sys_read", "sr_sys_write", "sr_sys_sendmmsg",
				       "sr_sys_splice"};
static const char *const core_modern[] = {"sr_state", "sr_exec", "sr_fork", "sr_exit"};
static const char *const core_compat[] = {"sr_state_compat", "sr_exec_compat",
					  "sr_fork_compat", "sr_exit_compat"};

static void all(const struct cap_paths *p, const char *const *names, size_t n, int want)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cap_program_wanted(p, names[i]) != want)
			fail_msg("%s: wanted %d", names[i], !want);
}

#define ALL(p, names, want) all(p, names, sizeof(names) / sizeof(names[0]), want)

static void test_programs_follow_the_choice(void **state)
{
	struct cap_paths p;

	(void)state;
	p = choose(&k618, NULL);
	ALL(&p, data_socket_dyn, 1);
	ALL(&p, data_socket_scr, 0);
	ALL(&p, data_sys, 0);
	ALL(&p, core_modern, 1);
	ALL(&p, core_compat, 0);
	assert_int_equal(cap_program_wanted(&p, "sr_accept_fexit"), 0);
	assert_int_equal(cap_program_wanted(&p, "sr_accept_sys"), 0);

	p = choose(&k612, NULL);
	ALL(&p, data_socket_dyn, 0);
	ALL(&p, data_socket_scr, 1);
	ALL(&p, data_sys, 0);
	assert_int_equal(cap_program_wanted(&p, "sr_accept_fexit"), 1);

	p = choose(&k510, NULL);
	ALL(&p, data_socket_dyn, 0);
	ALL(&p, data_socket_scr, 0);
	ALL(&p, data_sys, 1);
	ALL(&p, core_modern, 0);
	ALL(&p, core_compat, 1);
	assert_int_equal(cap_program_wanted(&p, "sr_accept_fexit"), 0);
	assert_int_equal(cap_program_wanted(&p, "sr_accept_sys"), 1);
	assert_int_equal(cap_program_wanted(&p, "sr_accept4_sys"), 1);
}

/* The TLS uprobes have one variant for every kernel: loaded exactly when
 * the caller asks for them (--tls), whatever the paths. */
static void test_tls_programs_follow_the_switch(void **state)
{
	static const char *const tls[] = {"sr_tls_read",      "sr_tls_write",
					  "sr_tls_read_ex",   "sr_tls_write_ex",
					  "sr_tls_handshake", "sr_tls_ret",
					  "sr_gotls_read",    "sr_gotls_write",
					  "sr_gotls_ret",     "sr_gotls_chs",
					  "sr_gotls_shs",     "sr_gotls_hs_ret"};
	const struct cap_kernel *ks[] = {&k618, &k612, &k510};
	struct cap_paths p;

	(void)state;
	for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		p = choose(ks[i], NULL);
		p.tls = 1;
		ALL(&p, tls, 1);
		p.tls = 0;
		ALL(&p, tls, 0);
	}
}

static void test_paths_text(void **state)
{
	struct cap_paths p;
	char buf[160];

	(void)state;
	p = choose(&k618, NULL);
	assert_string_equal(cap_paths_text(&p, 1, buf, sizeof(buf)),
			    "hooks=socket-tracepoints copy=user-dynptr core=modern accept=first-data");
	p = choose(&k510, NULL);
	assert_string_equal(cap_paths_text(&p, 0, buf, sizeof(buf)),
			    "hooks: syscall tracepoints; copy: scratch buffer; core: 5.10+; accept: "
			    "syscall tracepoints");
}

static void test_scratch_half(void **state)
{
	unsigned exec = SR_BPF_EXEC_ARGS_MAX + SR_BPF_EXEC_ENV_MAX, s;

	(void)state;
	for (s = 1; s <= SR_BPF_MAX_SNAPLEN; s = s * 3 + 1) {
		unsigned h = cap_scratch_half(s);

		assert_true((h & (h - 1)) == 0); /* a power of two */
		assert_true(h > s && h > exec);	 /* strictly: the BPF masks rely on it */
		assert_true(h / 2 <= (s > exec ? s : exec));
	}
	assert_int_equal(cap_scratch_half(SR_BPF_MAX_SNAPLEN), 2 * SR_BPF_MAX_SNAPLEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_each_kernel_gets_its_fastest_paths),
	    cmocka_unit_test(test_force_takes_slower_paths_only),
	    cmocka_unit_test(test_unknown_force_word_is_refused),
	    cmocka_unit_test(test_missing_features_are_named),
	    cmocka_unit_test(test_programs_follow_the_choice),
	    cmocka_unit_test(test_tls_programs_follow_the_switch),
	    cmocka_unit_test(test_paths_text),
	    cmocka_unit_test(test_scratch_half),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
