/* cursor.h - bounds-checked reading of untrusted bytes (tcpdump style).
 *
 * Every getter checks that the bytes are there before reading, and on
 * failure returns -1 without advancing. Little-endian getters only: every
 * on-disk integer sockrec writes is little-endian; big-endian getters are
 * for network protocols.
 */
#ifndef SR_CURSOR_H
#define SR_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cur {
	const uint8_t *p;
	size_t left;
};

static inline struct cur cur_make(const void *p, size_t len)
{
	struct cur c = { (const uint8_t *)p, len };
	return c;
}

static inline int cur_skip(struct cur *c, size_t n)
{
	if (c->left < n)
		return -1;
	c->p += n;
	c->left -= n;
	return 0;
}

static inline int cur_get_bytes(struct cur *c, void *dst, size_t n)
{
	if (c->left < n)
		return -1;
	memcpy(dst, c->p, n);
	c->p += n;
	c->left -= n;
	return 0;
}

/* points *out at the next n bytes without copying */
static inline int cur_get_span(struct cur *c, const uint8_t **out, size_t n)
{
	if (c->left < n)
		return -1;
	*out = c->p;
	c->p += n;
	c->left -= n;
	return 0;
}

static inline int cur_get_u8(struct cur *c, uint8_t *v)
{
	if (c->left < 1)
		return -1;
	*v = c->p[0];
	c->p++;
	c->left--;
	return 0;
}

static inline uint16_t sr_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t sr_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t sr_le64(const uint8_t *p)
{
	return (uint64_t)sr_le32(p) | (uint64_t)sr_le32(p + 4) << 32;
}

static inline uint16_t sr_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t sr_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
	       (uint32_t)p[3];
}

static inline int cur_get_le16(struct cur *c, uint16_t *v)
{
	if (c->left < 2)
		return -1;
	*v = sr_le16(c->p);
	c->p += 2;
	c->left -= 2;
	return 0;
}

static inline int cur_get_le32(struct cur *c, uint32_t *v)
{
	if (c->left < 4)
		return -1;
	*v = sr_le32(c->p);
	c->p += 4;
	c->left -= 4;
	return 0;
}

static inline int cur_get_le64(struct cur *c, uint64_t *v)
{
	if (c->left < 8)
		return -1;
	*v = sr_le64(c->p);
	c->p += 8;
	c->left -= 8;
	return 0;
}

static inline int cur_get_be16(struct cur *c, uint16_t *v)
{
	if (c->left < 2)
		return -1;
	*v = sr_be16(c->p);
	c->p += 2;
	c->left -= 2;
	return 0;
}

static inline int cur_get_le24(struct cur *c, uint32_t *v)
{
	if (c->left < 3)
		return -1;
	*v = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16;
	c->p += 3;
	c->left -= 3;
	return 0;
}

static inline int cur_get_be24(struct cur *c, uint32_t *v)
{
	if (c->left < 3)
		return -1;
	*v = (uint32_t)c->p[0] << 16 | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2];
	c->p += 3;
	c->left -= 3;
	return 0;
}

static inline int cur_get_be32(struct cur *c, uint32_t *v)
{
	if (c->left < 4)
		return -1;
	*v = sr_be32(c->p);
	c->p += 4;
	c->left -= 4;
	return 0;
}

/* little-endian stores for writers (dst must have room) */
static inline void sr_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void sr_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void sr_put_le64(uint8_t *p, uint64_t v)
{
	sr_put_le32(p, (uint32_t)v);
	sr_put_le32(p + 4, (uint32_t)(v >> 32));
}

#endif /* SR_CURSOR_H */
