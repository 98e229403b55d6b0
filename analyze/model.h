/* model - what the archive says about hosts, processes, containers and
 * listening sockets, loaded in a first pass so that every later lookup
 * (names, containers, the owner of an address) sees the whole archive,
 * whatever the order the capture wrote things in.
 *
 * Contract:
 *  - model_add_*() copy what they keep; model_seal() sorts everything
 *    (explicit keys, never hash order) and must be called before lookups.
 *  - Lookups never fail: they return NULL when the archive does not know.
 *  - Memory: one entry per process snapshot (cmdline, environment only when
 *    keep_environ, capped by the capture), per container record, per
 *    listening address and per fork/exec proc_event; nothing per
 *    connection or per byte.
 *
 * Naming (README "Names"): a process is named by its container's compose
 * service (label com.docker.compose.service), else the container name,
 * else its ADI_PROFILE_NAME, else its process name (comm).
 *
 * Ancestry: the parent of a process is the ppid of its latest fork
 * proc_event at or before the time asked about, else its snapshot's ppid.
 * Walks up the chain stop after MODEL_MAX_ANCESTRY steps (pid reuse can
 * make cycles). Two things are inherited along it, both decided in
 * model_seal():
 *  - the container, when a snapshot has no container id and no cgroup
 *    either (the capture could not read /proc/PID/cgroup: the process had
 *    exited, or the snapshot came from the exec event): a forked child is
 *    in its parent's cgroup. A snapshot whose cgroup was read and names no
 *    container is a host process and inherits nothing.
 *  - ADI_PROFILE / ADI_PROFILE_NAME, when a snapshot has no ADI_PROFILE but
 *    the process is an opt-in target by inheritance: its flags say
 *    SR_PROC_TARGET_OPTIN (the kernel's opt-in, decided at exec, was
 *    inherited at fork and the environment was overwritten since: process
 *    retitling, as postgres and nginx workers do), or its snapshot carries
 *    no target flag at all (it failed or came after the exit) and its
 *    latest fork/exec proc_event is a fork of a target. The value comes
 *    from the nearest ancestor snapshot that has ADI_PROFILE, through
 *    ancestors that qualify the same way; profile_from names it.
 */
#ifndef AN_MODEL_H
#define AN_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* longest parent chain walked (pid reuse can make cycles) */
#define MODEL_MAX_ANCESTRY 32

struct an_ip {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
};

struct an_container {
	uint32_t host;
	int64_t wall_ns;
	char *id;
	char *runtime;
	char *name; /* without a leading '/' */
	char *image;
	char *service; /* com.docker.compose.service label, or NULL */
	char *error;   /* why metadata could not be fetched, or NULL */
	struct an_ip *addrs;
	size_t naddrs;
	const char *display; /* service, else name, else the id's first 12 chars */
	char *display_own;
};

struct an_process {
	uint32_t host;
	uint32_t archive;
	uint64_t index;	 /* record number in its archive (ordering) */
	int64_t wall_ns; /* when /proc was read */
	uint32_t pid, ppid, uid, flags;
	uint64_t start_ticks;
	char *comm; /* NUL-terminated (cut at an embedded NUL) */
	char *exe;
	uint8_t *cmdline; /* raw, NUL separated */
	size_t cmdline_len;
	char *cmdline_text; /* arguments joined by spaces, redacted unless
			     * --show-secrets (cmdline.h); cmdline stays raw */
	size_t cmdline_text_len;
	uint8_t *environ; /* raw KEY=VALUE NUL separated; NULL unless kept */
	size_t environ_len;
	uint32_t environ_source; /* enum sr_env_source */
	char *container_id; /* NULL when none */
	uint8_t *profile;   /* ADI_PROFILE value (has_profile) */
	size_t profile_len;
	uint8_t *profile_name; /* ADI_PROFILE_NAME value (has_name) */
	size_t profile_name_len;
	uint8_t *error; /* NULL when /proc was read */
	size_t error_len;
	bool cgroup_known; /* the capture read /proc/PID/cgroup */
	uint32_t profile_from; /* ancestor pid profile/profile_name come from; 0: own */
	uint32_t ctr_from;     /* ancestor pid ctr comes from; 0: own (or none) */
	bool ctr_known;	       /* a cgroup or container id (own or inherited) decided ctr */
	const struct an_container *ctr; /* own, else inherited (see "Ancestry") */
	const char *service; /* see "Naming" above */
	char *service_own;
};

struct an_host {
	char *hostname;
};

struct model;

/* keep_environ: keep the environments (env.yaml); redact_cmdline: secret
 * argument values in cmdline_text become "[REDACTED]" (cmdline.h) */
struct model *model_create(bool keep_environ, bool redact_cmdline);
void model_free(struct model *m);

/* host id of a hostname: archives with the same hostname share pids */
uint32_t model_host(struct model *m, const uint8_t *hostname, size_t len);
const char *model_host_name(const struct model *m, uint32_t host);

void model_add_process(struct model *m, uint32_t host, uint32_t archive, uint64_t index,
		       int64_t wall_ns, const struct sr_process *p);
void model_add_container(struct model *m, uint32_t host, int64_t wall_ns,
			 const struct sr_container *c);
/* fork and exec proc_events (the others are ignored): parents, targets */
void model_add_proc_event(struct model *m, uint32_t host, int64_t wall_ns,
			  const struct sr_proc_event *e);
/* (addr, port) on host is where pid accepts connections */
void model_add_listener(struct model *m, uint32_t host, uint8_t family, const uint8_t addr[16],
			uint16_t port, uint32_t pid);
void model_seal(struct model *m);

/* the snapshot of (host, pid) that was current at wall_ns: the latest taken
 * at or before it, else the first after it */
const struct an_process *model_process_at(const struct model *m, uint32_t host, uint32_t pid,
					  int64_t wall_ns);
/* the container of (host, pid) at wall_ns: its snapshot's (own or
 * inherited), else, with no snapshot, its nearest ancestor's; NULL if none
 * (*known, if given: whether a cgroup or container id decided it) */
const struct an_container *model_container_at(const struct model *m, uint32_t host, uint32_t pid,
					      int64_t wall_ns, bool *known);
/* ancestor is pid's parent, grandparent... at wall_ns (not pid itself) */
bool model_descends(const struct model *m, uint32_t host, uint32_t pid, uint32_t ancestor,
		    int64_t wall_ns);
/* the container with this address (never for loopback addresses) */
const struct an_container *model_container_by_ip(const struct model *m, uint8_t family,
						 const uint8_t addr[16]);
/* the process that accepts connections on (addr, port); pid 0 if none */
uint32_t model_listener(const struct model *m, uint32_t host, uint8_t family,
			const uint8_t addr[16], uint16_t port);

/* all snapshots in env.yaml order: pid, then time, then archive, record */
size_t model_nprocesses(const struct model *m);
const struct an_process *model_process(const struct model *m, size_t i);
size_t model_ncontainers(const struct model *m);
const struct an_container *model_container(const struct model *m, size_t i);

#endif /* AN_MODEL_H */
