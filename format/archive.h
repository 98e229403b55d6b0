/* archive.h - open any sockrec archive (.srz or .pcapng) as a record stream.
 *
 * The container is recognised by its first bytes, not its name. The records
 * come back exactly as the capture appended them, whatever the container.
 */
#ifndef SR_ARCHIVE_H
#define SR_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "sink.h"

struct sr_archive;

/*! sr_archive_open_path() / sr_archive_open_mem() :
 *  @return a reader, or NULL when nothing is readable (err says why). */
struct sr_archive *sr_archive_open_path(const char *path, char *err, size_t err_cap);
struct sr_archive *sr_archive_open_mem(const void *buf, size_t len, char *err,
				       size_t err_cap);

/*! sr_archive_next() : @return 1 record, 0 clean end, -1 error (see below). */
int sr_archive_next(struct sr_archive *a, struct sr_record *rec);
const char *sr_archive_error(const struct sr_archive *a);
uint64_t sr_archive_error_offset(const struct sr_archive *a);
enum sr_container_kind sr_archive_kind(const struct sr_archive *a);
void sr_archive_free(struct sr_archive *a);

/* sniff the container kind of the first bytes of a file */
enum sr_container_kind sr_container_sniff(const uint8_t *buf, size_t len);

#endif /* SR_ARCHIVE_H */
