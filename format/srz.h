/* srz.h - the crash-safe .srz archive: writer and reader.
 *
 * Layout (FORMAT.md, "The .srz container"): a file header in a zstd
 * skippable frame, then blocks. A block is a skippable frame holding a block
 * header (sizes, sequence number, CRC32) followed by one independent zstd
 * frame (checksum on) holding whole records. `zstd -dc file.srz` prints the
 * raw record stream.
 *
 * Crash safety: a block reaches the file in one write() only when it is
 * complete, so a writer killed at any instant leaves every earlier block
 * readable. On a write error (ENOSPC) the writer truncates the file back to
 * its last complete block and fails from then on.
 *
 * Ownership: the writer copies each appended record into its open block; the
 * caller keeps its buffers. The reader owns its buffers; decoded records
 * point into them until the next srz_reader_next() call.
 */
#ifndef SR_SRZ_H
#define SR_SRZ_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define SRZ_FILE_MAGIC 0x184D2A50u  /* skippable frame: file header */
#define SRZ_BLOCK_MAGIC 0x184D2A51u /* skippable frame: block header */
#define SRZ_FILE_HDR_LEN 28u        /* skippable header (8) + payload (20) */
#define SRZ_BLOCK_HDR_LEN 36u       /* skippable header (8) + payload (28) */
/* A block is closed before it would exceed this many uncompressed bytes. */
#define SRZ_BLOCK_TARGET (1024u * 1024u)
/* Readers refuse blocks larger than these (never trust a length). */
#define SRZ_MAX_BLOCK_RAW SRZ_BLOCK_TARGET
#define SRZ_MAX_BLOCK_COMPRESSED (SRZ_BLOCK_TARGET + 64u * 1024u)
/* the writer's zstd level unless told (struct srz_writer_opts) */
#define SRZ_DEFAULT_LEVEL (-1)
/* A block open longer than this is closed by srz_writer_tick(). */
#define SRZ_BLOCK_MAX_AGE_NS 1000000000ull

struct srz_writer;
struct srz_reader;

/* ---- writer ---- */

struct srz_writer_opts {
	/* zstd level; 0 means the default, -1 (a negative level: zstd's fast
	 * mode). On the bench's nginx traffic (bench/srz_levels) it takes 10 %
	 * less of the writer's CPU than level 1 for a 1 % larger archive (x23.2
	 * against x23.4); -2 saves 14 % for +4.7 %, -3 17 % for +21 %. The
	 * capture shares the machine with the service it records. */
	int level;
	/* nonzero: data records whole (type 2), no compact records, and a
	 * format 1.2 file header, so 1.x readers read the archive. Default
	 * (0): compact data records (FORMAT.md, "Compact data records"). */
	int full_records;
};

/* the minor of the 1.x header written with full_records */
#define SRZ_FULL_RECORDS_MINOR 2

/*! srz_writer_create() :
 *  Takes a writable fd positioned at 0 (the writer does not close it unless
 *  srz_writer_close() is told to) and writes the file header.
 *  @return a writer, or NULL (err receives the reason). */
struct srz_writer *srz_writer_create(int fd, const struct srz_writer_opts *opts,
				     char *err, size_t err_cap);

/*! srz_writer_append() :
 *  Adds rec to the open block; closes the block first when rec would not
 *  fit in SRZ_BLOCK_TARGET. A data record goes in as a compact record
 *  (after a context record for its socket when the block has none yet)
 *  unless the writer was created with full_records.
 *  @return 0, or -errno (-EINVAL: rec invalid). */
int srz_writer_append(struct srz_writer *w, const struct sr_record *rec);

/*! srz_writer_tick() :
 *  Closes the open block if it is older than SRZ_BLOCK_MAX_AGE_NS at
 *  now_ns (CLOCK_MONOTONIC). @return 0, or -errno. */
int srz_writer_tick(struct srz_writer *w, uint64_t now_ns);

/*! srz_writer_flush() : closes the open block (if any). @return 0 or -errno. */
int srz_writer_flush(struct srz_writer *w);

/*! srz_writer_close() :
 *  Flushes, frees w, and closes the fd if close_fd. Accepts NULL.
 *  @return 0, or the first error seen by the writer (-errno). */
int srz_writer_close(struct srz_writer *w, int close_fd);

/* bytes written to the file so far (complete blocks only) */
uint64_t srz_writer_bytes(const struct srz_writer *w);
/* records appended (a data record counts once, with or without its context) */
uint64_t srz_writer_records(const struct srz_writer *w);
const char *srz_writer_error(const struct srz_writer *w);

/* ---- reader ---- */

/*! srz_reader_open_path() / srz_reader_open_mem() :
 *  open_mem does not copy buf; it must outlive the reader.
 *  @return a reader, or NULL when the file cannot be opened or is not an
 *          .srz archive (err receives the reason). */
struct srz_reader *srz_reader_open_path(const char *path, char *err, size_t err_cap);
struct srz_reader *srz_reader_open_mem(const void *buf, size_t len, char *err,
				       size_t err_cap);

/*! srz_reader_next() :
 *  @return 1 and fills rec; 0 at the clean end of the archive (after the
 *          end record, or at end of input after a complete block when the
 *          archive has an end record); -1 on error: damage, a cut, or an
 *          archive that ends without an end record. srz_reader_error() and
 *          srz_reader_error_offset() then say what and where. Records of
 *          every complete block before the error have been returned. */
int srz_reader_next(struct srz_reader *r, struct sr_record *rec);

const char *srz_reader_error(const struct srz_reader *r);
/* file offset the error refers to (start of the damaged or cut block) */
uint64_t srz_reader_error_offset(const struct srz_reader *r);
/* offset just past the last complete block read */
uint64_t srz_reader_offset(const struct srz_reader *r);
void srz_reader_free(struct srz_reader *r);

#endif /* SR_SRZ_H */
