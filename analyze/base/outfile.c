/* outfile.c - temporary file, fsync, rename into place. See outfile.h. */
#include "base/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUTFILE_TRIES 64 /* temporary names tried before giving up */

struct outfile {
	int dirfd; /* the caller's */
	int fd;	   /* the temporary file; owned by f once f exists */
	FILE *f;
	bool force;
	char name[NAME_MAX + 1];
	char tmp[NAME_MAX + 16]; /* ".NAME.XXXXXX"; name is short enough for NAME_MAX */
	char shown[PATH_MAX];
};

int outfile_dir_open(const char *path, bool create, bool force, bool *created, char *err,
		     size_t err_cap)
{
	struct stat st;
	int fd;

	*created = false;
	if (create) {
		if (mkdir(path, 0700) == 0) {
			*created = true;
		} else if (errno != EEXIST) {
			snprintf(err, err_cap, "cannot create %s: %s", path, strerror(errno));
			return -1;
		}
	}
	if (lstat(path, &st)) {
		snprintf(err, err_cap, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode) && !force) {
		snprintf(err, err_cap,
			 "%s is a symbolic link; refusing to write through it "
			 "(use --force to follow it)",
			 path);
		return -1;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (force ? 0 : O_NOFOLLOW));
	if (fd < 0) {
		int e = errno;
		snprintf(err, err_cap, "cannot open %s: %s", path,
			 e == ELOOP ? "it became a symbolic link" : strerror(e));
		if (*created)
			rmdir(path);
		*created = false;
		return -1;
	}
	return fd;
}

int outfile_check(int dirfd, const char *name, const char *shown, bool force, char *err,
		  size_t err_cap)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, err_cap, "cannot check %s: %s", shown, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
		snprintf(err, err_cap, "%s exists and is not a regular file", shown);
		return -1;
	}
	if (!force) {
		snprintf(err, err_cap, "%s exists%s (use --force to replace it)", shown,
			 S_ISLNK(st.st_mode) ? " and is a symbolic link"
			 : st.st_nlink > 1   ? " and has other hard links"
					     : "");
		return -1;
	}
	return 0;
}

/* ".NAME.XXXXXX" with six random letters */
static void tmp_name(struct outfile *o)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint8_t r[6];
	char suf[7];

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		/* no entropy yet: O_EXCL still keeps the name ours */
		uint64_t x = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull ^ (uintptr_t)o;
		memcpy(r, &x, sizeof(r));
	}
	for (size_t i = 0; i < sizeof(r); i++)
		suf[i] = abc[r[i] % (sizeof(abc) - 1)];
	suf[6] = 0;
	snprintf(o->tmp, sizeof(o->tmp), ".%s.%s", o->name, suf);
}

struct outfile *outfile_create(int dirfd, const char *name, const char *shown, bool force,
			       char *err, size_t err_cap)
{
	struct outfile *o;

	if (strlen(name) + 8 > NAME_MAX || strchr(name, '/') || !*name) {
		snprintf(err, err_cap, "%s: not a usable file name", shown);
		return NULL;
	}
	if (outfile_check(dirfd, name, shown, force, err, err_cap))
		return NULL;
	o = calloc(1, sizeof(*o));
	if (!o) {
		snprintf(err, err_cap, "out of memory");
		return NULL;
	}
	o->dirfd = dirfd;
	o->force = force;
	snprintf(o->name, sizeof(o->name), "%s", name);
	snprintf(o->shown, sizeof(o->shown), "%s", shown);
	o->fd = -1;
	for (int i = 0; i < OUTFILE_TRIES && o->fd < 0; i++) {
		tmp_name(o);
		o->fd = openat(dirfd, o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			       0600);
		if (o->fd < 0 && errno != EEXIST)
			break;
	}
	if (o->fd < 0) {
		snprintf(err, err_cap, "cannot create a temporary file next to %s: %s", shown,
			 strerror(errno));
		free(o);
		return NULL;
	}
	o->f = fdopen(o->fd, "w");
	if (!o->f) {
		snprintf(err, err_cap, "out of memory");
		close(o->fd);
		unlinkat(dirfd, o->tmp, 0);
		free(o);
		return NULL;
	}
	return o;
}

FILE *outfile_stream(struct outfile *o)
{
	return o->f;
}

int outfile_fd(struct outfile *o)
{
	return o->fd;
}

/* tmp -> name without replacing anything: RENAME_NOREPLACE, or a hard
 * link (which fails on an existing name) where the filesystem lacks it */
static int rename_noreplace(int dirfd, const char *tmp, const char *name)
{
	if (renameat2(dirfd, tmp, dirfd, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (linkat(dirfd, tmp, dirfd, name, 0))
		return -1;
	unlinkat(dirfd, tmp, 0);
	return 0;
}

int outfile_commit(struct outfile *o, char *err, size_t err_cap)
{
	int rc = 0;

	if (!o)
		return 0;
	if (fflush(o->f) || ferror(o->f)) {
		snprintf(err, err_cap, "writing %s failed: %s", o->shown, strerror(errno));
		rc = -1;
	} else if (fsync(o->fd)) {
		snprintf(err, err_cap, "writing %s failed (fsync): %s", o->shown, strerror(errno));
		rc = -1;
	}
	if (fclose(o->f) && !rc) {
		snprintf(err, err_cap, "writing %s failed: %s", o->shown, strerror(errno));
		rc = -1;
	}
	if (!rc) {
		int r = o->force ? renameat(o->dirfd, o->tmp, o->dirfd, o->name)
				 : rename_noreplace(o->dirfd, o->tmp, o->name);
		if (r) {
			if (errno == EEXIST)
				snprintf(err, err_cap, "%s exists (use --force to replace it)",
					 o->shown);
			else
				snprintf(err, err_cap, "cannot rename into %s: %s", o->shown,
					 strerror(errno));
			rc = -1;
		}
	}
	if (rc)
		unlinkat(o->dirfd, o->tmp, 0);
	else
		fsync(o->dirfd); /* the rename itself; best effort (some fs refuse) */
	free(o);
	return rc;
}

void outfile_abort(struct outfile *o)
{
	if (!o)
		return;
	fclose(o->f);
	unlinkat(o->dirfd, o->tmp, 0);
	free(o);
}
