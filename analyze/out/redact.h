/* redact - credential header values out of http.jsonl.
 *
 * Which headers: those sr_secret_header() names (format/secret.h, the one
 * rule: the capture, findings.json and http.jsonl agree). What their value
 * becomes: SR_REDACTED ("[REDACTED]", format/record.h), the only
 * placeholder the analyzer writes; Authorization and Proxy-Authorization
 * keep their scheme ("Basic [REDACTED]", RFC 9110 11.4). Raw message heads
 * are redacted line by line, obs-fold continuations of a credential header
 * included; the body is never touched.
 *
 * A memo remembers the judgement for the names seen last (names repeat on
 * every message): direct-mapped, names up to REDACT_MEMO_NAME bytes. Every
 * function accepts a NULL memo.
 */
#ifndef AN_REDACT_H
#define AN_REDACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

#define REDACT_MEMO 64u
#define REDACT_MEMO_NAME 30u

struct redact_memo_ent {
	uint8_t len; /* 0: empty */
	bool secret;
	uint8_t name[REDACT_MEMO_NAME];
};

struct redact_memo {
	struct redact_memo_ent e[REDACT_MEMO];
};

/*! redact_header() : @return true when a header of this name carries a
 *  credential (sr_secret_header()). */
bool redact_header(struct redact_memo *memo, const uint8_t *name, size_t n);

/* appends what a credential header's value becomes to out */
void redact_value(struct dbuf *out, const uint8_t *name, size_t nl, const uint8_t *val, size_t vl);

/*! redact_raw() :
 *  Appends raw (a message as captured: head, then body) to out with the
 *  credential header values of its head redacted.
 *  @return true when something was redacted; false, with out untouched,
 *          when nothing needed it (raw itself is the answer). */
bool redact_raw(struct redact_memo *memo, struct dbuf *out, const uint8_t *raw, size_t n);

#endif /* AN_REDACT_H */
