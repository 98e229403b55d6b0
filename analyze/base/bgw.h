/* bgw - output written on a thread of its own ("background writer").
 *
 * An analysis spends as much time in write(2) as in its own work when its
 * output is large (http.jsonl: several bytes per byte of payload; most of
 * it the kernel's copy into the page cache). A bgw is one thread that does
 * those writes while the analysis goes on: bgw_open() gives a stdio stream
 * whose bytes the thread writes to an fd, in the order they were written
 * to the stream, so the file is byte for byte what a plain stream would
 * have made. Streams of one bgw share its thread and its bound.
 *
 * Memory: at most BGW_MAX_QUEUED bytes wait for the thread (a writer that
 * is ahead blocks), plus each stream's stdio buffer (BGW_BUF_BYTES).
 *
 * Errors: the first failed write(2) of a stream is kept; its later writes
 * fail (ferror), and fclose() returns EOF with errno set to it.
 *
 * Ownership: bgw_open() does not take the fd (fclose() leaves it open).
 * fclose() of a stream waits until the thread has written all of it. A
 * bgw is freed after its streams are closed.
 */
#ifndef AN_BGW_H
#define AN_BGW_H

#include <stdio.h>

#define BGW_MAX_QUEUED (16u * 1024u * 1024u)
#define BGW_BUF_BYTES (1024u * 1024u)

struct bgw;

/* the thread, started; NULL when it cannot be (out of memory, no thread) */
struct bgw *bgw_create(void);

/* a write-only stream (fully buffered) whose bytes w's thread writes to fd;
 * NULL when out of memory */
FILE *bgw_open(struct bgw *w, int fd);

/* stops and joins the thread; every stream must be closed. Accepts NULL. */
void bgw_free(struct bgw *w);

#endif /* AN_BGW_H */
