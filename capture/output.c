/* output.c - create the archive file safely. See output.h. */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procsnap.h"

int cap_output_check(const char *path, int force, char *err, size_t err_cap)
{
	struct stat st;

	if (lstat(path, &st))
		return 0;
	if (S_ISLNK(st.st_mode)) {
		snprintf(err, err_cap, "%s is a symbolic link; refusing to write through it", path);
		return -1;
	}
	if (!force) {
		snprintf(err, err_cap, "%s exists (use --force to overwrite it)", path);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, err_cap, "%s is not a regular file", path);
		return -1;
	}
	return 0;
}

int cap_output_open(const char *path, int force, char *err, size_t err_cap)
{
	/* O_NONBLOCK: a FIFO without reader fails instead of blocking (regular
	 * files ignore the flag) */
	int flags =
	    O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (force ? O_TRUNC : O_EXCL);
	struct stat st;
	char e[128];
	int fd;

	fd = open(path, flags, 0600);
	if (fd < 0) {
		int saved = errno;

		if (saved == EEXIST)
			snprintf(err, err_cap, "%s exists (use --force to overwrite it)", path);
		else if (saved == ELOOP)
			snprintf(err, err_cap,
				 "%s is a symbolic link; refusing to write through it", path);
		else {
			cap_errno_text(saved, e, sizeof(e));
			snprintf(err, err_cap, "open %s: %s", path, e);
		}
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, err_cap, "%s is not a regular file", path);
		close(fd);
		return -1;
	}
	if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600)) {
		cap_errno_text(errno, e, sizeof(e));
		snprintf(err, err_cap, "chmod 0600 %s: %s", path, e);
		close(fd);
		return -1;
	}
	return fd;
}
