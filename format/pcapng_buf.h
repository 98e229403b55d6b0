/* pcapng_buf.h - a growable byte buffer with a cap, for building pcapng
 * blocks before they are written whole. Allocation failure or the cap makes
 * the buffer "failed": further puts are ignored and the caller checks
 * pcapng_buf_failed() once at the end. */
#ifndef SR_PCAPNG_BUF_H
#define SR_PCAPNG_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"

struct pcapng_buf {
	uint8_t *p;
	size_t len;
	size_t cap;   /* allocated */
	size_t limit; /* never grow past this many bytes */
	int failed;
};

static inline uint8_t *pcapng_buf_grow(struct pcapng_buf *b, size_t n)
{
	size_t want;
	uint8_t *np;

	if (b->failed)
		return NULL;
	if (n > b->limit || b->len > b->limit - n) {
		b->failed = 1;
		return NULL;
	}
	want = b->len + n;
	if (want > b->cap) {
		size_t nc = b->cap ? b->cap : 4096;
		while (nc < want)
			nc = nc > b->limit / 2 ? b->limit : nc * 2;
		np = realloc(b->p, nc);
		if (!np) {
			b->failed = 1;
			return NULL;
		}
		b->p = np;
		b->cap = nc;
	}
	np = b->p + b->len;
	b->len += n;
	return np;
}

static inline void pcapng_buf_put(struct pcapng_buf *b, const void *src, size_t n)
{
	uint8_t *d = pcapng_buf_grow(b, n);
	if (d && n)
		memcpy(d, src, n);
}

static inline void pcapng_buf_zero(struct pcapng_buf *b, size_t n)
{
	uint8_t *d = pcapng_buf_grow(b, n);
	if (d && n)
		memset(d, 0, n);
}

static inline void pcapng_buf_le16(struct pcapng_buf *b, uint16_t v)
{
	uint8_t *d = pcapng_buf_grow(b, 2);
	if (d)
		sr_put_le16(d, v);
}

static inline void pcapng_buf_le32(struct pcapng_buf *b, uint32_t v)
{
	uint8_t *d = pcapng_buf_grow(b, 4);
	if (d)
		sr_put_le32(d, v);
}

static inline void pcapng_buf_pad4(struct pcapng_buf *b)
{
	pcapng_buf_zero(b, (4 - (b->len & 3)) & 3);
}

static inline void pcapng_buf_free(struct pcapng_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

#endif /* SR_PCAPNG_BUF_H */
