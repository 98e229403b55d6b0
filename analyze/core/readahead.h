/* readahead - the inputs read, decompressed, decoded and merged (input.h)
 * on a thread of their own (-j 2 and more), batches ahead of the thread
 * that uses the records.
 *
 * The reading thread calls input_next() and copies each record, its
 * variable fields (payload, names, command lines...) into the batch's
 * memory, with what the input said at that record (archive, record
 * number, merge key, boot_to_wall). Batches go through a bounded queue.
 * readahead_next() hands out the same records in the same order as
 * input_next() would, each with a struct an_src of its input that the
 * readahead owns: name, archive, index, key, boot_to_wall and have_hdr are
 * those of the record handed out; host is the caller's to set (it stays,
 * and readahead_stop() writes it back to the inputs). rec->body (the
 * encoded body) is not kept: nothing that reads records through an_run()
 * looks at it.
 *
 * Threads: between readahead_start() and readahead_stop() the inputs (x)
 * belong to the reading thread; the caller reads their state (opened,
 * damaged, err...) after readahead_stop().
 *
 * Memory: at most READAHEAD_QUEUE batches queued, each of at most
 * READAHEAD_BATCH records and about READAHEAD_BATCH_BYTES of their fields
 * (a record is never cut: one larger than that makes its batch larger),
 * plus the batch being filled and the one being read.
 */
#ifndef AN_READAHEAD_H
#define AN_READAHEAD_H

#include <stdbool.h>

#include "core/input.h"

#define READAHEAD_BATCH 1024u
#define READAHEAD_BATCH_BYTES (256u << 10)
#define READAHEAD_QUEUE 8u
/* tests only: records per batch, 1 to READAHEAD_BATCH (smaller batches:
 * more hand-overs between the threads, tests/e2e/analyze_jobs.sh) */
#define READAHEAD_BATCH_ENV "SOCKREC_ANALYZE_BATCH"

struct readahead;

/*! readahead_start() :
 *  x: opened (input_open()), not read from yet.
 *  @return the readahead, its thread running; NULL when the thread cannot
 *          be started (the caller then calls input_next() itself). */
struct readahead *readahead_start(struct an_inputs *x);
/*! readahead_start_n() : the same for nreaders readers (threads), each of
 *  which is handed every record in order (readahead_next_of(), reader c
 *  from one thread only, with an an_src of its own); a batch is kept until
 *  every reader has read it (READAHEAD_QUEUE counts those). */
struct readahead *readahead_start_n(struct an_inputs *x, size_t nreaders);
int readahead_next_of(struct readahead *ra, size_t c, const struct sr_record **rec,
		      struct an_src **src);
/* reader c has read every record it was handed (the next call may wait) */
bool readahead_batch_read(const struct readahead *ra, size_t c);
/*! readahead_next() : @return 1 and the next record in merge order (valid
 *  until the next call), 0 when every input has ended. */
int readahead_next(struct readahead *ra, const struct sr_record **rec, struct an_src **src);
/* ends the thread (also before the end of the inputs), writes the hosts the
 * caller set (reader 0's) back to the inputs, frees; accepts NULL */
void readahead_stop(struct readahead *ra);

#endif /* AN_READAHEAD_H */
