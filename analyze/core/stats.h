/* stats - what pass 1 counts (for `info`, out/info.h).
 *
 * Loss counters in loss records are cumulative since their capture
 * started, so per archive the last loss record counts (summed over CPUs);
 * archives are then added up.
 */
#ifndef AN_STATS_H
#define AN_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/model.h"
#include "sink.h"

#define STATS_TYPES 9 /* record types 1..8; 0 counts unknown types */

struct archive_stats {
	const char *name;
	bool opened, damaged;
	const char *error; /* open or read error text */
	uint64_t error_offset;
	enum sr_container_kind kind;
	bool have_hdr;
	char *hostname, *tool_version, *kernel_release;
	char *capture_paths; /* the capture header's paths ("" before 0.2) */
	uint32_t snaplen, hdr_flags;
	uint64_t start_wall_ns;
	uint64_t records;
	bool have_end;
	uint32_t end_reason;
	uint64_t end_wall_ns;
	bool have_wall;
	int64_t first_wall, last_wall;
	bool have_loss;
	uint64_t events, ring_full, read_fault, truncated, other, proc_errors, user_dropped;
};

struct stats {
	struct archive_stats *a;
	size_t n;
	uint64_t by_type[STATS_TYPES];
	bool have_wall;
	int64_t first_wall, last_wall;
	uint64_t bytes_moved, bytes_captured;
	uint64_t data_truncated, data_no_payload, data_fault;
};

#endif /* AN_STATS_H */
