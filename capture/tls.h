/* tls.h - the TLS libraries of targets, probed for plaintext.
 *
 * cap_tls_scan() reads /proc/PID/maps of a target. Every mapped file named
 * libssl.so* is an OpenSSL libssl: its SSL_read, SSL_write, SSL_read_ex,
 * SSL_write_ex, SSL_do_handshake and SSL_shutdown get the BPF uprobes (bpf/sockrec.bpf.c,
 * sr_tls_*) and the return probe. The file is opened through
 * /proc/PID/root, so a library inside a container is the container's
 * file. A uprobe belongs to the file (its inode) and fires in every
 * process that maps it: a library is attached once, however many targets
 * share it, and the BPF side filters by target.
 *
 * The scan also opens the process's executable (/proc/PID/exe: a
 * container's file is the container's). A Go program (goelf.h) whose
 * crypto/tls.(*Conn).Read and .Write are linked in gets the sr_gotls_*
 * uprobes: at the entry and at every RET of Read, Write,
 * (*Conn).clientHandshake and .serverHandshake (no return probes on Go:
 * the RETs are found by decoding the code, goelf.h), after its
 * go_bins entry (the addresses and struct offsets the BPF side needs) is
 * written. Go 1.17+ only (the register ABI). Executables that are not Go,
 * or Go without crypto/tls, are remembered (CAP_TLS_MAX_NOTGO files) and
 * give no record.
 *
 * The first scan of a process and every scan that finds a library the
 * process had not mapped before report it through the callback, attached
 * or not (with the reason): the capture writes one SR_REC_TLS record per
 * process and library (or Go executable). Caps: CAP_TLS_MAX_LIBS library
 * files, CAP_TLS_MAX_GO Go executables, CAP_TLS_MAX_SEEN (process,
 * library) pairs remembered (the oldest forgotten first: a process may
 * then be reported twice, never missed).
 *
 * Owns the uprobe links; cap_tls_free() detaches them.
 */
#ifndef CAP_TLS_H
#define CAP_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define CAP_TLS_MAX_LIBS 64
#define CAP_TLS_MAX_SEEN 4096
#define CAP_TLS_NPROGS 6
#define CAP_TLS_GO_NPROGS 6
#define CAP_TLS_MAX_GO 64      /* = SR_BPF_GO_BINS */
#define CAP_TLS_MAX_NOTGO 1024 /* executables known not to be Go with crypto/tls */

struct bpf_program;
struct cap_tls;

/* The BPF programs, in this order: entry of SSL_read, SSL_write,
 * SSL_read_ex, SSL_write_ex, SSL_do_handshake (also SSL_shutdown: calls
 * that move ciphertext only); then the return probe. */
struct cap_tls_progs {
	struct bpf_program *prog[CAP_TLS_NPROGS];
	/* Go: entry of (*Conn).Read, entry of (*Conn).Write, their RETs;
	 * entry of (*Conn).clientHandshake, of .serverHandshake, their RETs */
	struct bpf_program *go[CAP_TLS_GO_NPROGS];
	int go_bins_fd; /* the go_bins map (struct sr_go_bin per executable) */
};

/* called with a record of type SR_REC_TLS (valid during the call);
 * new_file: the library file was met (and attached) in this scan */
typedef void (*cap_tls_emit_fn)(void *ctx, const struct sr_record *rec, int new_file);

/*! cap_tls_create() : proc_root is "/proc" (tests may point elsewhere).
 *  @return a handle, or NULL when out of memory. */
struct cap_tls *cap_tls_create(const struct cap_tls_progs *p, const char *proc_root);
void cap_tls_free(struct cap_tls *t);

/*! cap_tls_scan() : finds pid's TLS libraries, attaches new ones, and calls
 *  emit for each library pid was not reported with yet. ts_ns stamps the
 *  records. @return the number of records emitted. */
unsigned cap_tls_scan(struct cap_tls *t, uint32_t pid, uint64_t ts_ns, cap_tls_emit_fn emit,
		      void *ctx);

/*! cap_tls_attach_host() : attaches the host's own libssl files (the
 *  usual library directories) before any target uses them: a short-lived
 *  client is probed from its first call, not from when the capture has
 *  read its maps. @return the library files attached. */
unsigned cap_tls_attach_host(struct cap_tls *t);

/*! cap_tls_reported() : whether pid was reported with a library since
 *  its exec. @return 1 or 0. */
int cap_tls_reported(const struct cap_tls *t, uint32_t pid);

/*! cap_tls_gone() : pid moved TLS plaintext, but it ended before its maps
 *  were read (a short-lived client: its first traffic reaches the capture
 *  after it exited). go: the plaintext came from Go's crypto/tls (its
 *  syscall says so), else from libssl. Reports what is known: when one
 *  file of that kind is probed, the plaintext came from it; else
 *  "unknown file". @return 1. */
unsigned cap_tls_gone(struct cap_tls *t, uint32_t pid, int go, uint64_t ts_ns, cap_tls_emit_fn emit,
		      void *ctx);

/* called with a Go executable's library text ("Go crypto/tls go1.19.8"),
 * path and the calls its probes saw on a net.Conn that is not a
 * *net.TCPConn (not recorded) */
typedef void (*cap_tls_foreign_fn)(void *ctx, const char *library, const char *path,
				   uint64_t calls);

/*! cap_tls_go_foreign() : calls fn for each probed Go executable whose
 *  calls the BPF side could not attribute (their count is nonzero).
 *  @return the number of such executables. */
unsigned cap_tls_go_foreign(const struct cap_tls *t, cap_tls_foreign_fn fn, void *ctx);

/*! cap_tls_forget() : pid exec'd or exited: its next scan reports again. */
void cap_tls_forget(struct cap_tls *t, uint32_t pid);

/* ---- pure helpers (unit tested) ---- */

/*! cap_tls_maps_path() : the path of a /proc/PID/maps line (NULL when the
 *  line maps no file), and its inode in *ino. */
const char *cap_tls_maps_path(const char *line, uint64_t *ino);

/*! cap_tls_is_libssl() / cap_tls_is_libcrypto() : whether the file name of
 *  path is libssl.so[.N...] / libcrypto.so[.N...]. */
int cap_tls_is_libssl(const char *path);
int cap_tls_is_libcrypto(const char *path);

/*! cap_tls_version() : "OpenSSL 3.0.19" from a library's bytes (the text
 *  OpenSSL_version() returns is in libcrypto's rodata).
 *  @return 0 and the text in out, or -1 when there is none. */
int cap_tls_version(const uint8_t *buf, size_t len, char *out, size_t cap);

/*! cap_tls_go_minor() : the minor version of a Go version text ("go1.19.8"
 *  -> 19, "go1.21rc2" -> 21, "devel go1.23-abc" -> 23).
 *  @return it, or -1 when the text is not a Go 1.x version. */
int cap_tls_go_minor(const char *version);

#endif /* CAP_TLS_H */
