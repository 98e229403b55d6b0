/* crc32.h - CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320), as zlib's
 * crc32(): crc32(0, "123456789", 9) == 0xCBF43926. */
#ifndef SR_CRC32_H
#define SR_CRC32_H

#include <stddef.h>
#include <stdint.h>

/*! sr_crc32() : continues crc over buf; start with crc = 0. @return the CRC. */
uint32_t sr_crc32(uint32_t crc, const void *buf, size_t len);

#endif
