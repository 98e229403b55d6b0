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
 *    keep_environ, capped by the capture), per container record and per
 *    listening address; nothing per connection or per byte.
 *
 * Naming (README "Names"): a process is named by its container's compose
 * service (label com.docker.compose.service), else the container name,
 * else its ADI_PROFILE_NAME, else its process name (comm).
 */
#ifndef AN_MODEL_H
#define AN_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

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
	char *cmdline_text; /* arguments joined by spaces (bytes as they are) */
	size_t cmdline_text_len;
	uint8_t *environ; /* raw KEY=VALUE NUL separated; NULL unless kept */
	size_t environ_len;
	char *container_id; /* NULL when none */
	uint8_t *profile;   /* ADI_PROFILE value (has_profile) */
	size_t profile_len;
	uint8_t *profile_name; /* ADI_PROFILE_NAME value (has_name) */
	size_t profile_name_len;
	uint8_t *error; /* NULL when /proc was read */
	size_t error_len;
	const struct an_container *ctr;
	const char *service; /* see "Naming" above */
	char *service_own;
};

struct an_host {
	char *hostname;
};

struct model;

struct model *model_create(bool keep_environ);
void model_free(struct model *m);

/* host id of a hostname: archives with the same hostname share pids */
uint32_t model_host(struct model *m, const uint8_t *hostname, size_t len);
const char *model_host_name(const struct model *m, uint32_t host);

void model_add_process(struct model *m, uint32_t host, uint32_t archive, uint64_t index,
		       int64_t wall_ns, const struct sr_process *p);
void model_add_container(struct model *m, uint32_t host, int64_t wall_ns,
			 const struct sr_container *c);
/* (addr, port) on host is where pid accepts connections */
void model_add_listener(struct model *m, uint32_t host, uint8_t family, const uint8_t addr[16],
			uint16_t port, uint32_t pid);
void model_seal(struct model *m);

/* the snapshot of (host, pid) that was current at wall_ns: the latest taken
 * at or before it, else the first after it */
const struct an_process *model_process_at(const struct model *m, uint32_t host, uint32_t pid,
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
