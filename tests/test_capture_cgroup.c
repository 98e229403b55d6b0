/* test_capture_cgroup.c - container id from /proc/PID/cgroup texts
 * (capture/cgroup.c).
 *
 * Properties under test: every path form the issue names gives the id and
 * the runtime it implies (docker cgroupfs and systemd drivers, containerd
 * CRI, nerdctl, cri-o, podman, kubepods with either driver, cgroup v1
 * multi-line and v2 "0::" files); conmon's cgroups and host processes give
 * nothing; ids must be exactly 64 hex digits; hostile text (no newline, no
 * colons, huge lines) never reads out of bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cgroup.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void expect(const char *text, const char *id, const char *runtime)
{
	struct cap_container_ref ref;
	/* an exact-size heap copy, so ASan sees any read past the end */
	size_t n = strlen(text);
	char *copy = malloc(n ? n : 1);

	memcpy(copy, text, n);
	if (!id) {
		assert_int_equal(cap_cgroup_container(copy, n, &ref), 0);
	} else {
		assert_int_equal(cap_cgroup_container(copy, n, &ref), 1);
		assert_string_equal(ref.id, id);
		assert_string_equal(ref.runtime, runtime);
	}
	free(copy);
}

static void test_docker(void **state)
{
	(void)state;
	/* cgroup v1, cgroupfs driver: every controller line names it */
	expect("12:pids:/docker/" ID "\n11:memory:/docker/" ID "\n0::/\n", ID, "docker");
	/* systemd driver, v2 */
	expect("0::/system.slice/docker-" ID ".scope\n", ID, "docker");
	/* v1 hybrid with the id only on the name=systemd line */
	expect("9:name=systemd:/system.slice/docker-" ID ".scope\n4:memory:/\n0::/\n", ID,
	       "docker");
}

static void test_containerd_and_kubernetes(void **state)
{
	(void)state;
	expect("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c_3d4e.slice/"
	       "cri-containerd-" ID ".scope\n",
	       ID, "containerd");
	/* kubepods with the cgroupfs driver: the runtime is not in the path */
	expect("11:memory:/kubepods/burstable/pod1b2c3d4e-0000-1111-2222-333344445555/" ID "\n", ID,
	       "");
	expect("0::/kubepods/besteffort/podabc/" ID "\n", ID, "");
	/* nerdctl with the systemd driver */
	expect("0::/system.slice/nerdctl-" ID ".scope\n", ID, "containerd");
	/* docker on kubernetes (dockershim) */
	expect("0::/kubepods.slice/kubepods-pod1.slice/docker-" ID ".scope\n", ID, "docker");
}

static void test_crio(void **state)
{
	(void)state;
	expect(
	    "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podx.slice/crio-" ID
	    ".scope\n",
	    ID, "cri-o");
	/* conmon, the monitor, is not the container */
	expect("0::/kubepods.slice/kubepods-besteffort.slice/crio-conmon-" ID ".scope\n", NULL,
	       NULL);
}

static void test_podman(void **state)
{
	(void)state;
	expect("0::/machine.slice/libpod-" ID ".scope/container\n", ID, "podman");
	expect("0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope\n",
	       ID, "podman");
	expect("11:memory:/libpod_parent/libpod-" ID "\n", ID, "podman");
	expect("0::/machine.slice/libpod-conmon-" ID ".scope\n", NULL, NULL);
}

static void test_first_container_line_wins(void **state)
{
	(void)state;
	expect("1:cpu:/\n2:memory:/docker/" ID "\n3:pids:/docker/" ID2 "\n", ID, "docker");
}

static void test_upper_case_is_folded(void **state)
{
	(void)state;
	expect("0::/docker/0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\n", ID,
	       "docker");
}

static void test_not_containers(void **state)
{
	(void)state;
	expect("0::/\n", NULL, NULL);
	expect("0::/user.slice/user-0.slice/session-1.scope\n", NULL, NULL);
	expect("4:memory:/process_api/0443ba31c85c39effcf83ce9364fbe26\n", NULL, NULL); /* 32 hex */
	expect("0::/docker/" ID "0\n", NULL, NULL);					/* 65 */
	expect("0::/docker/"
	       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\n",
	       NULL, NULL); /* not hex */
	expect("0::/system.slice/docker.service\n", NULL, NULL);
	expect("", NULL, NULL);
}

static void test_hostile_text(void **state)
{
	char *big;
	size_t n = 100000;

	(void)state;
	expect("no colons here " ID, NULL, NULL);
	expect("0:", NULL, NULL);
	expect("0::", NULL, NULL);
	expect("::::::::", NULL, NULL);
	expect("0::/docker/" ID, ID, "docker"); /* no trailing newline */
	expect("0::" ID, ID, "");		/* no slash at all */
	expect("0::/.scope\n0::/docker-.scope\n", NULL, NULL);
	big = malloc(n + 1);
	memset(big, '/', n);
	big[n] = 0;
	memcpy(big, "0::", 3);
	expect(big, NULL, NULL);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_docker),
	    cmocka_unit_test(test_containerd_and_kubernetes),
	    cmocka_unit_test(test_crio),
	    cmocka_unit_test(test_podman),
	    cmocka_unit_test(test_first_container_line_wins),
	    cmocka_unit_test(test_upper_case_is_folded),
	    cmocka_unit_test(test_not_containers),
	    cmocka_unit_test(test_hostile_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
