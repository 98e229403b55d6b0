/* capture.h - the sockrec capture: load and attach the BPF program, find
 * the targets already running, drain the ring, snapshot processes and
 * containers, write the archive.
 *
 * One thread. The ring is drained at least every CAP_DRAIN_MS (the kernel
 * submits without wake-ups, except when the ring passes a quarter full and
 * for exec events, whose /proc snapshot should be taken while the process
 * still runs). /proc is read here, once per process (and again after exec),
 * never per event.
 *
 * Record order in the archive: capture header, the snapshots of targets
 * already running, then events as drained (a process's snapshot is written
 * just before its first event), loss records every second when the counters
 * changed, a last loss record and the end record.
 */
#ifndef CAP_CAPTURE_H
#define CAP_CAPTURE_H

#include "opts.h"

#define CAP_DRAIN_MS 10
#define CAP_MAX_CONTAINERS 4096 /* container ids remembered (one record each) */

/* Exit codes */
#define CAP_EXIT_OK 0
#define CAP_EXIT_FAIL 1	 /* the capture failed while running (disk full...) */
#define CAP_EXIT_SETUP 2 /* cannot start: the message names what is missing */

/*! cap_run() : runs the capture until a signal or the duration.
 *  argv is sockrec's own (stored in the capture header).
 *  @return an exit code (CAP_EXIT_*); messages went to stderr. */
int cap_run(const struct cap_opts *o, int argc, char **argv);

#endif /* CAP_CAPTURE_H */
