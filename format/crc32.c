/* crc32.c - CRC-32 through zlib's crc32(), which is fast (slicing) and
 * already a dependency of every sockrec binary's libraries. */
#include <zlib.h>

#include "crc32.h"

uint32_t sr_crc32(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	/* zlib takes a uInt length: feed large buffers in pieces */
	while (len > 0x40000000u) {
		crc = (uint32_t)crc32(crc, p, 0x40000000u);
		p += 0x40000000u;
		len -= 0x40000000u;
	}
	return (uint32_t)crc32(crc, p, (uInt)len);
}
