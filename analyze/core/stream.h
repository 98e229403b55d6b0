/* stream - one direction of one observed connection, reassembled.
 *
 * Input: the data records of one (process, socket, direction) in archive
 * order. Output: the byte stream in order, as data and gap callbacks.
 *
 * Ordering: when a record carries SR_DATA_SEQ_VALID, tcp_seq is the stream
 * position after the call, so the record covers [tcp_seq - bytes, tcp_seq)
 * (mod 2^32). Records that arrive early (a later position first) are held
 * until the bytes before them arrive, at most STREAM_MAX_PENDING records /
 * STREAM_MAX_PENDING_BYTES bytes and STREAM_REORDER_NS of archive time;
 * then the hole is declared missing. Bytes seen again (MSG_PEEK, overlap)
 * are delivered once. Records without a valid sequence number are placed
 * in arrival order.
 *
 * The peer's FIN takes one sequence number: a read that also consumes it
 * leaves copied_seq one past its last byte. On a stream marked fin_in_seq
 * (the receive side), a record that starts exactly one byte after the
 * expected position is taken for that (its data is in order, the FIN ends
 * the stream) rather than for a one-byte hole; fin_seen counts them.
 *
 * Gaps are never papered over: bytes a syscall moved but the record does
 * not hold (truncated at the snaplen, sendfile/splice with no payload, a
 * failed copy) and holes in the sequence space are reported with their
 * exact length; a jump the sequence numbers cannot explain is reported as
 * a gap of unknown length (n == 0).
 *
 * Ownership: the stream copies held records; delivered pointers are valid
 * only during the callback.
 */
#ifndef AN_STREAM_H
#define AN_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STREAM_MAX_PENDING 32
#define STREAM_MAX_PENDING_BYTES (256u * 1024u)
#define STREAM_REORDER_NS 50000000ull /* 50 ms of archive time */
/* A sequence jump larger than this is not a hole but a lost position. */
#define STREAM_MAX_JUMP (1u << 30)

enum stream_gap_why {
	STREAM_GAP_TRUNCATED = 1,  /* the record holds fewer bytes than moved (snaplen) */
	STREAM_GAP_NO_PAYLOAD = 2, /* sendfile/splice: bytes moved, none copied */
	STREAM_GAP_FAULT = 3,	   /* copying the user buffer failed */
	STREAM_GAP_MISSING = 4,	   /* a hole in the sequence space (a lost record) */
	STREAM_GAP_UNKNOWN = 5,	   /* position lost; the length is unknown */
};

struct stream_seg {
	uint64_t ts;		/* passed through to the callbacks */
	const uint8_t *payload; /* captured bytes */
	size_t cap_len;		/* captured length (<= bytes; more is ignored) */
	uint64_t bytes;		/* bytes the syscall moved */
	uint32_t flags;		/* SR_DATA_* */
	uint32_t tcp_seq;	/* stream position after the call, if SR_DATA_SEQ_VALID */
};

struct stream_ops {
	void (*data)(void *ctx, const uint8_t *p, size_t n, uint64_t ts);
	/* n bytes are missing; n == 0: an unknown number */
	void (*gap)(void *ctx, uint64_t n, enum stream_gap_why why, uint64_t ts);
};

struct stream_pend {
	uint32_t start; /* sequence number of the first byte */
	uint64_t ts;
	uint64_t bytes;
	uint32_t flags;
	size_t cap_len;
	uint8_t *buf;
};

struct stream {
	const struct stream_ops *ops;
	void *ctx;
	bool seq_known;
	uint32_t next_seq;     /* sequence number of the next byte expected */
	uint64_t delivered;    /* bytes delivered as data */
	uint64_t missing;      /* bytes reported as gaps (known lengths) */
	uint32_t unknown_gaps; /* gaps of unknown length */
	uint64_t moved;	       /* bytes all pushed syscalls moved */
	bool fin_in_seq;       /* positions may include the peer's FIN (recv side) */
	uint32_t fin_seen;     /* records whose end position counted a FIN */
	/* sorted by start; STREAM_MAX_PENDING slots allocated at the first
	 * record held (most streams never hold one: 1.5 KiB saved per stream) */
	struct stream_pend *pend;
	unsigned npend;
	size_t pend_bytes;
};

void stream_init(struct stream *s, const struct stream_ops *ops, void *ctx);
/*! stream_push() : adds one record; delivers whatever is now in order. */
void stream_push(struct stream *s, const struct stream_seg *seg);
/*! stream_expire() : gives up waiting for holes older than STREAM_REORDER_NS
 *  at archive time now (the newest timestamp seen). */
void stream_expire(struct stream *s, uint64_t now);
/*! stream_flush() : delivers everything held (the connection ended). */
void stream_flush(struct stream *s);
/* the earliest timestamp of the records held; @return false when none */
bool stream_floor(const struct stream *s, uint64_t *ts);
/* frees held copies; the stream can be reused after stream_init() */
void stream_free(struct stream *s);

#endif /* AN_STREAM_H */
