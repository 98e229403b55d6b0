/* outfile - output files that appear whole or not at all, and never
 * replace a file that was there (the files of report -o DIR, convert's OUT).
 *
 * Each output is written to a temporary file in its target's directory
 * (".NAME.XXXXXX", created O_CREAT | O_EXCL | O_NOFOLLOW, mode 0600),
 * fsync'ed, then renamed into place: a reader never sees half a file, and
 * an existing file (a hard link to something else, a symbolic link) is
 * never written through or truncated. Without force, an existing target is
 * refused before anything is created, and the rename itself refuses to
 * replace a target that appeared meanwhile (renameat2 RENAME_NOREPLACE, or
 * link + unlink where the filesystem lacks it). With force, the target's
 * directory entry is replaced (rename), still never written in place; a
 * target that is not a regular file or symbolic link (a directory, a FIFO)
 * is refused either way. On failure or abort the temporary file is removed.
 *
 * The directory is held open (dirfd) from the check to the rename, so a
 * directory swapped for a symbolic link in between is not followed; the
 * caller opens it: outfile_dir_open() refuses a symbolic link unless
 * force.
 *
 * Ownership: outfile_create() returns a handle that owns the temporary
 * file and its FILE stream; outfile_commit() and outfile_abort() free it.
 * The dirfd stays the caller's.
 */
#ifndef AN_OUTFILE_H
#define AN_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct outfile;

/*! outfile_dir_open() :
 *  Opens directory path for outputs; mkdir (0700) when create and it does
 *  not exist (*created tells). A symbolic link is refused unless force.
 *  @return a directory fd, or -1 (err receives the reason). */
int outfile_dir_open(const char *path, bool create, bool force, bool *created, char *err,
		     size_t err_cap);

/*! outfile_check() :
 *  Whether name (in dirfd; shown as shown) may be written: it does not
 *  exist, or force and it is a regular file or a symbolic link.
 *  @return 0, or -1 (err receives the reason and the fix). */
int outfile_check(int dirfd, const char *name, const char *shown, bool force, char *err,
		  size_t err_cap);

/*! outfile_create() :
 *  Checks name (outfile_check) and creates its temporary file in dirfd.
 *  @return a handle, or NULL (err receives the reason). */
struct outfile *outfile_create(int dirfd, const char *name, const char *shown, bool force,
			       char *err, size_t err_cap);

/* the stream to write to (fully buffered); valid until commit or abort */
FILE *outfile_stream(struct outfile *o);
/* the temporary file's descriptor, for writers that take an fd */
int outfile_fd(struct outfile *o);

/*! outfile_commit() :
 *  Flushes, fsyncs and closes the temporary file and renames it to its
 *  name (refusing an existing target unless force). Frees o; accepts NULL.
 *  @return 0, or -1 (err receives the reason; the temporary file is gone). */
int outfile_commit(struct outfile *o, char *err, size_t err_cap);

/*! outfile_abort() : closes and removes the temporary file, frees o.
 *  Accepts NULL. */
void outfile_abort(struct outfile *o);

#endif /* AN_OUTFILE_H */
