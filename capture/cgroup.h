/* cgroup.h - container id from a /proc/PID/cgroup text.
 *
 * Recognised path forms (cgroup v1 and v2, any line of the file):
 *   /docker/<id>                                   docker, cgroupfs driver
 *   /system.slice/docker-<id>.scope                docker, systemd driver
 *   .../cri-containerd-<id>.scope                  containerd (CRI)
 *   .../nerdctl-<id>.scope                         containerd (nerdctl)
 *   .../crio-<id>.scope                            cri-o
 *   .../libpod-<id>.scope[/container], /libpod_parent/libpod-<id>   podman
 *   /kubepods/<qos>/pod<uid>/<id>                  kubernetes, cgroupfs driver
 *   /kubepods.slice/.../<prefix>-<id>.scope        kubernetes, systemd driver
 * <id> is 64 hex digits. conmon's own cgroups (crio-conmon-, libpod-conmon-)
 * are not containers. The text is untrusted and bounded by its length.
 */
#ifndef CAP_CGROUP_H
#define CAP_CGROUP_H

#include <stddef.h>

#define CAP_CONTAINER_ID_LEN 64

struct cap_container_ref {
	char id[CAP_CONTAINER_ID_LEN + 1]; /* lower-case hex, NUL-terminated */
	const char *runtime;		   /* "docker", "containerd", "cri-o", "podman", or "" */
};

/*! cap_cgroup_container() :
 *  @return 1 and fills out when a line of text names a container, else 0. */
int cap_cgroup_container(const char *text, size_t len, struct cap_container_ref *out);

#endif /* CAP_CGROUP_H */
