/* fdio.h - file-descriptor helpers shared by the archive writers. */
#ifndef SR_FDIO_H
#define SR_FDIO_H

#include <stddef.h>
#include <stdint.h>

/*! sr_write_all() : writes all n bytes, retrying after EINTR and short
 *  writes. @return 0, or -errno (-EIO when write() returns 0). */
int sr_write_all(int fd, const uint8_t *p, size_t n);

#endif /* SR_FDIO_H */
