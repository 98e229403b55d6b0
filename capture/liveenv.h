/* liveenv.h - a running process's environment as its libc holds it now.
 *
 * Programs that set their process title (nginx, PostgreSQL, php-fpm...)
 * copy their environment strings elsewhere, repoint libc's `environ` at the
 * copies and overwrite the original block. /proc/PID/environ shows that
 * original block: the title, or NULs. The live environment is still there:
 *   1. find `__environ` (or `environ`, `_environ`) in the object that
 *      defines it for the process: the executable first (a copy
 *      relocation, as postgres has, or a static program's own symbol
 *      table), else the libc it has mapped (glibc's libc.so.6, musl's
 *      libc.so / ld-musl-*.so.1), with libelf (.dynsym, then .symtab);
 *      the file is opened through /proc/PID/map_files/, else resolved
 *      inside /proc/PID/root/ (so containers work) and must be the mapped
 *      inode;
 *   2. add the object's load bias, from /proc/PID/maps;
 *   3. read the pointer, the array and the strings with process_vm_readv.
 *
 * Every read is bounded: CAP_LIVEENV_MAX_ENTRIES array entries, a string of
 * more than CAP_LIVEENV_MAX_STRING bytes is left out, the whole result is at
 * most SR_MAX_ENVIRON bytes (what does not fit is left out); each leaves
 * out the entry and sets *cut. The process's memory and its ELF files are
 * untrusted: a wrong pointer is a failed read, never more.
 *
 * Go programs keep their environment where exec put it (they never rewrite
 * it) and have no libc `environ`: a Go executable (.note.go.buildid or
 * .go.buildinfo) gets -ENOENT, as does any program whose `environ` cannot be
 * found (a stripped static binary, another architecture).
 *
 * Opened ELF files are remembered by (device, inode, size, mtime) so a host
 * scan parses each libc once. A struct cap_liveenv is not thread safe.
 */
#ifndef CAP_LIVEENV_H
#define CAP_LIVEENV_H

#include <stddef.h>
#include <stdint.h>

#define CAP_LIVEENV_MAX_ENTRIES 16384
#define CAP_LIVEENV_MAX_STRING (64u * 1024u)

struct cap_liveenv;

/*! cap_liveenv_create() : @return a handle (symbol cache), or NULL when out
 *  of memory. cap_liveenv_free() accepts NULL. */
struct cap_liveenv *cap_liveenv_create(void);
void cap_liveenv_free(struct cap_liveenv *le);

/*! cap_liveenv_use_map_files() :
 *  on = 0: open mapped files only inside /proc/PID/root (the fallback for
 *  when /proc/PID/map_files/ cannot be opened); tests use it to exercise
 *  that path. On by default. */
void cap_liveenv_use_map_files(struct cap_liveenv *le, int on);

/*! cap_liveenv_read() :
 *  Reads pid's live environment into a new buffer (*buf, to free(); NUL
 *  separated entries like /proc/PID/environ, NUL-terminated after *len for
 *  convenience). *cut is set when an entry was left out (bounds above, or
 *  a string that could not be read).
 *  @return 0; -ENOENT when the process has no `environ` to read (Go, no
 *          symbol, no mapped libc); -ESRCH when the process is gone;
 *          -EFAULT when the pointer or the array is not readable; another
 *          -errno (-ENOMEM, -EPERM...). *buf is NULL on failure. */
int cap_liveenv_read(struct cap_liveenv *le, uint32_t pid, char **buf, size_t *len, int *cut);

/*! cap_environ_choose() :
 *  sockrec's rule, given pid's /proc/PID/environ block (*env, owned, may be
 *  NULL): when it has no KEY=VALUE entry or no ADI_PROFILE
 *  (cap_env_needs_live()) and cap_liveenv_read() succeeds, *env, *len and
 *  *cut are replaced by the live environment (the old block is freed) and
 *  *source becomes SR_ENV_SRC_LIVE; otherwise nothing changes and *source
 *  is SR_ENV_SRC_PROC. le NULL: never live. Never fails. */
void cap_environ_choose(struct cap_liveenv *le, uint32_t pid, char **env, size_t *len, int *cut,
			uint32_t *source);

/*! cap_environ_read() :
 *  /proc/PID/environ (at most SR_MAX_ENVIRON bytes), then
 *  cap_environ_choose().
 *  @return 0 (*buf to free()), or the -errno of reading /proc/PID/environ
 *          (then *buf is NULL). */
int cap_environ_read(struct cap_liveenv *le, uint32_t pid, char **buf, size_t *len, int *cut,
		     uint32_t *source);

/*! cap_liveenv_strerror() : text for cap_liveenv_read()'s error codes. */
const char *cap_liveenv_strerror(int err);

#endif /* CAP_LIVEENV_H */
