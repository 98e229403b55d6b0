/* output.h - the archive file: created 0600, never through a symlink, never
 * over an existing file unless forced. */
#ifndef CAP_OUTPUT_H
#define CAP_OUTPUT_H

#include <stddef.h>

/*! cap_output_check() : early, friendly refusal (the file exists and force
 *  is off, or the path is a symlink). The real guarantee is in
 *  cap_output_open(). @return 0, or -1 with the reason in err. */
int cap_output_check(const char *path, int force, char *err, size_t err_cap);

/*! cap_output_open() :
 *  open(O_WRONLY|O_CREAT|O_NOFOLLOW|O_CLOEXEC) with O_EXCL, or O_TRUNC when
 *  force; mode 0600 (also enforced on a forced, existing file); only regular
 *  files. @return the fd, or -1 with the reason in err. */
int cap_output_open(const char *path, int force, char *err, size_t err_cap);

#endif /* CAP_OUTPUT_H */
