/* input - several archives read as one record stream.
 *
 * Records are merged by wall-clock time (ts_ns + the archive's
 * boot_to_wall_ns; records without a timestamp keep their archive's last
 * key), ties broken by input order then record order. Each archive's own
 * order is never changed. A damaged archive ends at its last readable
 * record; the error and its offset are kept for the warning.
 */
#ifndef AN_INPUT_H
#define AN_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "archive.h"
#include "record.h"

struct an_input {
	const char *name; /* for messages; defaults to path, or "<memory>" */
	const char *path; /* read this file, or ... */
	const void *buf;  /* ... this memory (not copied; must outlive the run) */
	size_t len;
};

struct an_src {
	const char *name;
	uint32_t archive; /* input number */
	struct sr_archive *a;
	struct sr_record rec; /* the next record, when have */
	bool have;
	bool done;
	bool opened;
	bool damaged; /* sr_archive_next() failed */
	char err[256];
	uint64_t err_off;
	bool have_hdr;
	int64_t boot_to_wall; /* from the capture header */
	int64_t key;	      /* merge key of rec */
	uint64_t index;	      /* records returned so far (rec's number) */
	uint32_t host;	      /* model host id (set by the caller) */
};

struct an_inputs {
	struct an_src *s;
	size_t n;
	struct an_src *last; /* its record was handed out; advanced on the next call */
};

/* opens every input (errors are kept per input, see an_src) */
void input_open(struct an_inputs *x, const struct an_input *in, size_t n);
/*! input_next() : @return 1 and the next record in merge order (valid until
 *  the next call), 0 when every input has ended. */
int input_next(struct an_inputs *x, const struct sr_record **rec, struct an_src **src);
void input_close(struct an_inputs *x);

/* timestamp (boot ns) of a record that has one */
bool input_record_ts(const struct sr_record *r, uint64_t *ts);
/* wall-clock time of a record of src (its key when it has no timestamp) */
int64_t input_record_wall(const struct an_src *src, const struct sr_record *r);

#endif /* AN_INPUT_H */
