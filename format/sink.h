/* sink.h - one interface over the two archive writers (.srz, .pcapng).
 *
 * The capture appends records without knowing the container; the analyzer's
 * `convert` uses the same interface. A sink owns its writer and, when told,
 * the file descriptor.
 */
#ifndef SR_SINK_H
#define SR_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

enum sr_container_kind {
	SR_FMT_UNKNOWN = 0,
	SR_FMT_SRZ = 1,
	SR_FMT_PCAPNG = 2,
};

struct sr_sink;

/*! sr_sink_create() :
 *  Writes the container's file header to fd (positioned at 0).
 *  @return a sink, or NULL (err receives the reason, e.g. a format not
 *          supported yet). */
struct sr_sink *sr_sink_create(enum sr_container_kind kind, int fd, char *err,
			       size_t err_cap);
/* @return 0 or -errno */
int sr_sink_append(struct sr_sink *s, const struct sr_record *rec);
/* closes a block older than its age limit; now_ns is CLOCK_MONOTONIC */
int sr_sink_tick(struct sr_sink *s, uint64_t now_ns);
int sr_sink_flush(struct sr_sink *s);
/* flushes and frees; closes fd if close_fd. Accepts NULL. @return 0 or -errno */
int sr_sink_close(struct sr_sink *s, int close_fd);
uint64_t sr_sink_bytes(const struct sr_sink *s);
const char *sr_sink_error(const struct sr_sink *s);

/* "srz" / "pcapng" -> kind; by a path's extension (.srz, .pcapng) */
enum sr_container_kind sr_container_from_name(const char *name);
enum sr_container_kind sr_container_from_path(const char *path);

#endif /* SR_SINK_H */
