/* goelf.h - functions and build info of a Go executable, for uprobes.
 *
 * Go programs are statically linked: crypto/tls.(*Conn).Read and .Write
 * live inside the executable. A return probe is unsafe there (the
 * goroutine's stack moves under the kernel's saved return address), so
 * the capture probes a function's entry and each of its RET instructions.
 * goelf finds both, as FILE OFFSETS (what uprobes take):
 *
 *   - the function: from .symtab (address and st_size) when present, else
 *     from the pclntab (go build -ldflags='-s -w' strips .symtab; the
 *     runtime's function table stays): entry PC and name, and the end is
 *     the next function's entry (INT3 padding included). The pclntab is the
 *     section .gopclntab (.data.rel.ro.gopclntab in an internally linked
 *     PIE); an externally linked PIE (cgo) merges it into .data.rel.ro, where
 *     it is found between runtime.pclntab and runtime.epclntab or, stripped,
 *     as the one valid pcHeader there. Formats: Go 1.18-1.19 (magic
 *     0xfffffff0, tested with golang-go 1.19) and 1.20+ (0xfffffff1, the
 *     same layout per debug/gosym; not tested here); Go 1.2-1.17 tables are
 *     refused by name. Function addresses count from the header's
 *     textStart (runtime.text), which is not always where .text starts.
 *   - its RETs: the function's bytes decoded instruction by instruction
 *     (x86len.h) from entry to end. If any instruction cannot be decoded,
 *     or decoding does not end exactly at the function's end, the function
 *     is refused: no guessed offsets.
 *   - the version: the "\xff Go buildinf:" blob in .go.buildinfo (1.18+
 *     inline strings; older, pointer-based builds are read through the
 *     pointers when they fall inside a PT_LOAD segment).
 *   - address -> file offset: through the PT_LOAD segment that holds the
 *     address (vaddr - p_vaddr + p_offset), so PIE and non-PIE both work.
 *
 * goelf_open() takes a file as Go when it has a .gopclntab,
 * .go.buildinfo or .note.go.buildid section (section headers are needed:
 * a file without them is refused).
 * Only ELF64 little-endian x86-64 executables (ET_EXEC or ET_DYN). The
 * file is untrusted (any process's executable): every read is bounded,
 * sections larger than GOELF_MAX_SECTION are refused (the pclntab is read
 * whole: tens of MB for the largest Go programs, freed by goelf_close()),
 * a truncated or malformed file gives an error with a reason, never a
 * crash. Not thread-safe: one handle per thread.
 *
 * Ownership: goelf_open() does not take the fd; it must stay open until
 * goelf_close(), which does not close it.
 *
 * Use (the gotls capture):
 *	struct goelf *g = goelf_open(fd, err, sizeof(err));
 *	struct goelf_fn fn;
 *	if (g && goelf_func(g, "crypto/tls.(*Conn).Write", &fn, err, sizeof(err)) == 0)
 *		attach at fn.entry and at each fn.rets[i]
 */
#ifndef CAP_GOELF_H
#define CAP_GOELF_H

#include <stddef.h>
#include <stdint.h>

#define GOELF_MAX_RETS 64
#define GOELF_MAX_SECTION (256u << 20) /* bytes of one section read (symtab, pclntab) */
#define GOELF_MAX_FUNC (1u << 20)      /* bytes of one function decoded */

struct goelf; /* an opened executable */

struct goelf_fn {
	uint64_t vaddr;		       /* link-time address, as in the file (a PIE adds its base) */
	uint64_t size;		       /* bytes, entry to end */
	uint64_t entry;		       /* file offset of the first instruction: the uprobe offset */
	uint64_t rets[GOELF_MAX_RETS]; /* file offsets of every RET in the function, ascending */
	unsigned nrets;
};

/*! goelf_open() : reads the ELF header, the program headers and the
 *  section table of fd (which stays the caller's).
 *  @return a handle, or NULL with the reason in err when fd is not an ELF
 *  x86-64 executable built by Go, is truncated or malformed, or on
 *  out-of-memory. */
struct goelf *goelf_open(int fd, char *err, size_t errlen);

/* accepts NULL */
void goelf_close(struct goelf *g);

/*! goelf_version() : @return the Go version the program was built with,
 *  "go1.19.8", from .go.buildinfo; NULL when absent or unreadable. Owned
 *  by g. */
const char *goelf_version(const struct goelf *g);

/*! goelf_stripped() : @return 1 when the file has no .symtab (functions
 *  then come from .gopclntab), 0 otherwise. */
int goelf_stripped(const struct goelf *g);

/*! goelf_func() : finds the function named name ("crypto/tls.(*Conn).Read")
 *  and decodes it.
 *  @return 0 with *out filled; -1 with the reason in err: absent, its code
 *  could not be decoded, more RETs than GOELF_MAX_RETS, or the file is
 *  malformed. */
int goelf_func(struct goelf *g, const char *name, struct goelf_fn *out, char *err, size_t errlen);

/*! goelf_has_func() : whether the function named name is in the file
 *  (.symtab, else .gopclntab), without decoding it: tells a program that
 *  does not link a function from one whose function cannot be read.
 *  @return 1 present, 0 absent, -1 with the reason in err when the tables
 *  cannot be read. */
int goelf_has_func(struct goelf *g, const char *name, char *err, size_t errlen);

/*! goelf_symbol() : a symbol's address from .symtab, exact name (e.g. an
 *  itab: "go.itab.*net.TCPConn,net.Conn"; newer toolchains spell the
 *  prefix "go:itab.", so a caller tries both).
 *  @return 0 with *vaddr set; -1 when absent or the file is stripped. */
int goelf_symbol(struct goelf *g, const char *name, uint64_t *vaddr);

/*! goelf_offset() : a virtual address to its file offset through the
 *  PT_LOAD segment holding it.
 *  @return 0 with *off set; -1 when no file-backed segment holds it. */
int goelf_offset(const struct goelf *g, uint64_t vaddr, uint64_t *off);

#endif
