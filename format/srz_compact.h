/* srz_compact.h - compact data records inside .srz blocks (format 2.0).
 *
 * A data record repeats, on every call, fields that belong to its socket
 * (tgid, sock_id, fd, family, addresses, ports, comm). In a block of a
 * format 2 archive those fields are written once, in a *data context*
 * record (type 10), and each data record of that socket is a *compact
 * data* record (type 11): the context's number and only what changes
 * (FORMAT.md, "Compact data records").
 *
 * Invariants:
 *  - Contexts are block-local: the table is reset at every block, so each
 *    block decodes on its own and damage stays inside its block.
 *  - A compact record decodes into exactly the struct sr_data its writer
 *    was given (every field, the comm as a full record would decode it).
 *  - The table is bounded (SRZC_MAX_CTX contexts); the writer falls back to
 *    a full data record when it is full. No allocation per record.
 *
 * Ownership: the caller owns the table (one per writer or reader) and the
 * buffers; decoded payloads point into the caller's body.
 */
#ifndef SR_SRZ_COMPACT_H
#define SR_SRZ_COMPACT_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* contexts one block may define (readers refuse more) */
#define SRZC_MAX_CTX 1024u
/* body bytes of a data context record */
#define SRZC_CTX_BODY 73u
/* a compact record without its payload is at most this long (header,
 * varints at their longest, the bits byte) */
#define SRZC_MAX_HEAD (SR_RECORD_HDR + 2u + 1u + 10u + 5u + 3u + 5u + 5u + 10u + 3u)

/* the state both sides keep per context */
struct srzc_ctx {
	uint64_t sock_id;
	uint32_t tgid;
	uint32_t tid; /* the tid of the context's last record */
	int32_t fd;
	uint32_t seq[2]; /* tcp_seq of the last send [0] / receive [1] with bit 3 */
	uint16_t lport;
	uint16_t rport;
	uint8_t family;
	uint8_t laddr[16];
	uint8_t raddr[16];
	char comm[SR_COMM_LEN]; /* as on disk: NUL padded */
};

struct srzc_table {
	uint32_t n;	  /* contexts defined in the current block */
	uint64_t prev_ts; /* ts_ns of the block's last compact record (0 at its start) */
	struct srzc_ctx ctx[SRZC_MAX_CTX];
	/* writer only: open addressing over (tgid, sock_id, fd), 1 + context
	 * number, 0 empty; twice the contexts, so a probe always ends */
	uint16_t slot[2 * SRZC_MAX_CTX];
};

/*! srzc_reset() : forgets every context (call at each block's start). */
void srzc_reset(struct srzc_table *t);

/*! srzc_encode() :
 *  Encodes data record d as a compact record into dst, preceded by a data
 *  context record when its socket has none in this block yet.
 *  @return bytes written (> 0), *nrec the records written (1 or 2);
 *          0 when they do not fit in dst_cap (nothing changed: close the
 *          block and call again); -1 when d cannot be compact (the table is
 *          full, dir is not send or receive, a field over its cap): write
 *          it as a full data record. */
long srzc_encode(struct srzc_table *t, const struct sr_data *d, uint8_t *dst, size_t dst_cap,
		 uint32_t *nrec);

/*! srzc_decode_ctx() :
 *  Reads the body of a data context record into the next context.
 *  @return 0, or -1 (err receives the reason: body too short, table full). */
int srzc_decode_ctx(struct srzc_table *t, const uint8_t *body, size_t len, char *err,
		    size_t err_cap);

/*! srzc_decode_data() :
 *  Expands the body of a compact data record into d (payload points into
 *  body). @return 0, or -1 (err receives the reason: a context that is not
 *  defined, a field out of range, a payload that does not fit). */
int srzc_decode_data(struct srzc_table *t, const uint8_t *body, size_t len, struct sr_data *d,
		     char *err, size_t err_cap);

#endif /* SR_SRZ_COMPACT_H */
