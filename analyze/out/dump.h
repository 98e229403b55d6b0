/* dump - one record as one JSON object (the `dump` command).
 *
 * Fields are named as the struct fields in format/record.h, in struct
 * order, after "type" (sr_type_name()). Integers are JSON numbers.
 * laddr/raddr are address text ("127.0.0.1", "::1"). A byte field
 * (struct sr_bytes, comm) is a JSON string when it is printable (valid
 * UTF-8 with no control characters other than tab, CR and LF), else it is
 * written as "<field>_b64" (base64). The data payload is always
 * "payload_b64". A loss record's cpus are an array of objects. An unknown
 * record type gives {"type":"unknown","type_id":N,"body_b64":...}.
 */
#ifndef AN_DUMP_H
#define AN_DUMP_H

#include "record.h"
#include "base/util.h"

/*! dump_record() : appends rec as one JSON object (no newline) to w. */
void dump_record(struct jw *w, const struct sr_record *rec);

#endif /* AN_DUMP_H */
