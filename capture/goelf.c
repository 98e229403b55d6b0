/* goelf.c - functions and build info of a Go executable. See goelf.h.
 *
 * Layouts (Go 1.19 source, /usr/lib/go-1.19/src): runtime/symtab.go
 * (pcHeader, functab), runtime/runtime2.go (_func), debug/gosym/pclntab.go,
 * debug/buildinfo/buildinfo.go. Every field read from the file goes
 * through a bounds check (get_u32/get_u64 over a {buf, len} region).
 */
#include "goelf.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "x86len.h"

#define MAX_PHDRS 64	    /* program headers looked at */
#define MAX_SHDRS 4096	    /* section headers looked at */
#define BUILDINFO_READ 4096 /* bytes of .go.buildinfo read (the blob is at its start) */
#define VERSION_MAX 64	    /* "go1.19.8": longer is not a version */
#define BUILDINFO_MAGIC "\xff Go buildinf:"
#define BUILDINFO_MAGIC_LEN 14
#define PCLN_HEADER_LEN 72	/* pcHeader on 64-bit: 8 bytes, then 8 words */
#define GO118_MAGIC 0xfffffff0u /* Go 1.18, 1.19 */
#define GO120_MAGIC 0xfffffff1u /* Go 1.20 and later: the same layout */
#define GO116_MAGIC 0xfffffffau
#define GO12_MAGIC 0xfffffffbu

struct seg {
	uint64_t vaddr, memsz, off, filesz;
	uint32_t flags;
};

struct sec {
	bool present;
	uint64_t addr, off, size;
	uint32_t link;
};

struct blob { /* a section read into memory, lazily */
	uint8_t *buf;
	size_t len;
	bool loaded;
	char error[96]; /* why it could not be read, once tried */
};

struct goelf {
	int fd;
	uint64_t fsize;
	struct seg segs[MAX_PHDRS];
	unsigned nsegs;
	struct sec symtab, strtab, pclntab, buildinfo, text, relro;
	bool buildid; /* a .note.go.buildid section */
	struct blob symb, strb, pclnb;
	char version[VERSION_MAX + 1];
	bool has_version;
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* bounded little-endian getters over a region: false when out of range */
static bool get_u32(const uint8_t *b, size_t len, uint64_t at, uint32_t *v)
{
	if (at > len || len - at < 4)
		return false;
	*v = (uint32_t)b[at] | (uint32_t)b[at + 1] << 8 | (uint32_t)b[at + 2] << 16 |
	     (uint32_t)b[at + 3] << 24;
	return true;
}

static bool get_u64(const uint8_t *b, size_t len, uint64_t at, uint64_t *v)
{
	uint32_t lo, hi;

	if (!get_u32(b, len, at, &lo) || !get_u32(b, len, at + 4, &hi))
		return false;
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

/* reads exactly len bytes at off, retrying short reads */
static bool read_at(int fd, void *dst, size_t len, uint64_t off)
{
	uint8_t *p = dst;

	while (len) {
		ssize_t r = pread(fd, p, len, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return true;
}

static const uint8_t *load(struct goelf *g, struct blob *b, const struct sec *s, const char *name)
{
	if (b->loaded)
		return b->buf;
	b->loaded = true;
	if (s->size > GOELF_MAX_SECTION) {
		snprintf(b->error, sizeof(b->error), "%s is %llu bytes, more than the %u read",
			 name, (unsigned long long)s->size, GOELF_MAX_SECTION);
		return NULL;
	}
	b->buf = malloc(s->size ? s->size : 1);
	if (!b->buf) {
		snprintf(b->error, sizeof(b->error), "%s: out of memory", name);
		return NULL;
	}
	if (!read_at(g->fd, b->buf, s->size, s->off)) {
		snprintf(b->error, sizeof(b->error), "%s: cannot read (file truncated?)", name);
		free(b->buf);
		b->buf = NULL;
		return NULL;
	}
	b->len = s->size;
	return b->buf;
}

int goelf_offset(const struct goelf *g, uint64_t vaddr, uint64_t *off)
{
	for (unsigned i = 0; i < g->nsegs; i++) {
		const struct seg *s = &g->segs[i];
		if (vaddr >= s->vaddr && vaddr - s->vaddr < s->filesz) {
			*off = vaddr - s->vaddr + s->off;
			return 0;
		}
	}
	return -1;
}

/* the PT_LOAD segment whose file bytes hold [vaddr, vaddr + len) */
static const struct seg *segment_of(const struct goelf *g, uint64_t vaddr, uint64_t len)
{
	for (unsigned i = 0; i < g->nsegs; i++) {
		const struct seg *s = &g->segs[i];
		if (vaddr >= s->vaddr && vaddr - s->vaddr <= s->filesz &&
		    len <= s->filesz - (vaddr - s->vaddr))
			return s;
	}
	return NULL;
}

/* a printable version string ("go1.19.8", "devel go1.22-abc ..."), or none */
static void set_version(struct goelf *g, const uint8_t *s, uint64_t len)
{
	if (len == 0 || len > VERSION_MAX)
		return;
	for (uint64_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return;
	memcpy(g->version, s, len);
	g->version[len] = 0;
	g->has_version = true;
}

/* debug/buildinfo: a 32-byte header, "\xff Go buildinf:", pointer size,
 * flags; flags & 2 (Go 1.18+): two varint-prefixed strings follow (the
 * version first); else two pointers to Go string headers {ptr, len} */
static void read_version(struct goelf *g)
{
	uint8_t b[BUILDINFO_READ];
	size_t len = g->buildinfo.size < sizeof(b) ? g->buildinfo.size : sizeof(b);

	if (!g->buildinfo.present || len < 32 || !read_at(g->fd, b, len, g->buildinfo.off))
		return;
	if (memcmp(b, BUILDINFO_MAGIC, BUILDINFO_MAGIC_LEN) != 0 || b[14] != 8)
		return;
	if (b[15] & 2) {
		uint64_t n = 0;
		size_t i = 32;
		for (unsigned shift = 0; i < len && shift < 64; shift += 7) {
			n |= (uint64_t)(b[i] & 0x7f) << shift;
			if (!(b[i++] & 0x80))
				break;
		}
		if (i <= len && n <= len - i)
			set_version(g, b + i, n);
		return;
	}
	if (b[15] != 0) /* big-endian */
		return;
	uint64_t hdr_addr = 0, str[2] = {0, 0}, off = 0;
	uint8_t hdr[16], s[VERSION_MAX];
	if (!get_u64(b, len, 16, &hdr_addr) || !segment_of(g, hdr_addr, 16) ||
	    goelf_offset(g, hdr_addr, &off) < 0 || !read_at(g->fd, hdr, 16, off))
		return;
	get_u64(hdr, 16, 0, &str[0]);
	get_u64(hdr, 16, 8, &str[1]);
	if (str[1] == 0 || str[1] > VERSION_MAX || !segment_of(g, str[0], str[1]) ||
	    goelf_offset(g, str[0], &off) < 0 || !read_at(g->fd, s, str[1], off))
		return;
	set_version(g, s, str[1]);
}

static int read_headers(struct goelf *g, Elf *e, char *err, size_t errlen)
{
	GElf_Ehdr eh;
	size_t n, shstrndx;

	if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
		seterr(err, errlen, "not an ELF file");
		return -1;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_machine != EM_X86_64) {
		seterr(err, errlen, "not an x86-64 ELF file (class %u, data %u, machine %u)",
		       eh.e_ident[EI_CLASS], eh.e_ident[EI_DATA], eh.e_machine);
		return -1;
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		seterr(err, errlen, "not an executable (ELF type %u)", eh.e_type);
		return -1;
	}
	if (elf_getphdrnum(e, &n) != 0) {
		seterr(err, errlen, "bad program header table: %s", elf_errmsg(-1));
		return -1;
	}
	for (size_t i = 0; i < n && i < MAX_PHDRS; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph)) {
			seterr(err, errlen, "bad program header %zu: %s", i, elf_errmsg(-1));
			return -1;
		}
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_offset > g->fsize || ph.p_filesz > g->fsize - ph.p_offset ||
		    ph.p_vaddr + ph.p_memsz < ph.p_vaddr) {
			seterr(err, errlen, "PT_LOAD segment %zu lies outside the file", i);
			return -1;
		}
		g->segs[g->nsegs++] =
		    (struct seg){ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz, ph.p_flags};
	}
	if (elf_getshdrnum(e, &n) != 0 || elf_getshdrstrndx(e, &shstrndx) != 0) {
		seterr(err, errlen, "bad section header table: %s", elf_errmsg(-1));
		return -1;
	}
	if (n > MAX_SHDRS) {
		seterr(err, errlen, "%zu sections, more than the %u looked at", n, MAX_SHDRS);
		return -1;
	}
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;
		struct sec *s = NULL;
		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstrndx, sh.sh_name)))
			continue;
		if (strcmp(name, ".symtab") == 0 && sh.sh_type == SHT_SYMTAB)
			s = &g->symtab;
		else if (strcmp(name, ".gopclntab") == 0 ||
			 strcmp(name, ".data.rel.ro.gopclntab") == 0) /* PIE */
			s = &g->pclntab;
		else if (strcmp(name, ".go.buildinfo") == 0)
			s = &g->buildinfo;
		else if (strcmp(name, ".text") == 0)
			s = &g->text;
		else if (strcmp(name, ".data.rel.ro") == 0)
			s = &g->relro;
		else if (strcmp(name, ".note.go.buildid") == 0)
			g->buildid = true;
		if (!s || sh.sh_type == SHT_NOBITS)
			continue;
		if (sh.sh_offset > g->fsize || sh.sh_size > g->fsize - sh.sh_offset) {
			seterr(err, errlen, "section %s lies outside the file (truncated?)", name);
			return -1;
		}
		*s = (struct sec){true, sh.sh_addr, sh.sh_offset, sh.sh_size, sh.sh_link};
	}
	if (g->symtab.present) {
		scn = elf_getscn(e, g->symtab.link);
		GElf_Shdr sh;
		if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_STRTAB ||
		    sh.sh_offset > g->fsize || sh.sh_size > g->fsize - sh.sh_offset) {
			seterr(err, errlen, ".symtab has no valid string table");
			return -1;
		}
		g->strtab = (struct sec){true, sh.sh_addr, sh.sh_offset, sh.sh_size, 0};
	}
	if (!g->pclntab.present && !g->buildinfo.present && !g->buildid) {
		seterr(err, errlen,
		       "not a Go executable (no .gopclntab, .go.buildinfo or .note.go.buildid)");
		return -1;
	}
	return 0;
}

struct goelf *goelf_open(int fd, char *err, size_t errlen)
{
	struct goelf *g = NULL;
	struct stat st;
	Elf *e = NULL;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		seterr(err, errlen, "libelf: %s", elf_errmsg(-1));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		seterr(err, errlen, "not a regular file");
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	g->fd = fd;
	g->fsize = (uint64_t)st.st_size;
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e) {
		seterr(err, errlen, "not an ELF file: %s", elf_errmsg(-1));
		goto fail;
	}
	if (read_headers(g, e, err, errlen) < 0)
		goto fail;
	elf_end(e);
	read_version(g);
	return g;
fail:
	if (e)
		elf_end(e);
	free(g);
	return NULL;
}

void goelf_close(struct goelf *g)
{
	if (!g)
		return;
	free(g->symb.buf);
	free(g->strb.buf);
	free(g->pclnb.buf);
	free(g);
}

const char *goelf_version(const struct goelf *g)
{
	return g->has_version ? g->version : NULL;
}

int goelf_stripped(const struct goelf *g)
{
	return !g->symtab.present;
}

/* .symtab: the symbol named name (with type STT_FUNC when func).
 * @return 1 found, 0 absent, -1 unreadable (reason in err) */
static int symtab_find(struct goelf *g, const char *name, bool func, uint64_t *value,
		       uint64_t *size, char *err, size_t errlen)
{
	const uint8_t *sym, *str;
	size_t nlen = strlen(name);

	if (!g->symtab.present)
		return 0;
	sym = load(g, &g->symb, &g->symtab, ".symtab");
	str = sym ? load(g, &g->strb, &g->strtab, ".strtab") : NULL;
	if (!sym || !str) {
		seterr(err, errlen, "%s", sym ? g->strb.error : g->symb.error);
		return -1;
	}
	/* Elf64_Sym: st_name u32, st_info u8, st_other u8, st_shndx u16,
	 * st_value u64, st_size u64 */
	for (size_t at = 0; at + 24 <= g->symb.len; at += 24) {
		uint32_t nm = 0;
		get_u32(sym, g->symb.len, at, &nm);
		if (nm >= g->strb.len || g->strb.len - nm <= nlen || str[nm + nlen] != 0 ||
		    memcmp(str + nm, name, nlen) != 0)
			continue;
		if (func && GELF_ST_TYPE(sym[at + 4]) != STT_FUNC)
			continue;
		get_u64(sym, g->symb.len, at + 8, value);
		get_u64(sym, g->symb.len, at + 16, size);
		return 1;
	}
	return 0;
}

/* a pcHeader of Go 1.18+ for amd64 at p: magic, two zeros, quantum 1,
 * pointer size 8, and its table offsets in order inside len bytes */
static bool pcln_header_ok(const uint8_t *p, size_t len)
{
	uint32_t magic = 0;
	uint64_t w[8] = {0};

	if (!get_u32(p, len, 0, &magic) || (magic != GO118_MAGIC && magic != GO120_MAGIC) ||
	    len < PCLN_HEADER_LEN || p[4] || p[5] || p[6] != 1 || p[7] != 8)
		return false;
	for (unsigned i = 0; i < 8; i++)
		get_u64(p, len, 8 + 8 * i, &w[i]);
	/* nfunc, nfiles, textStart, then funcname <= cu <= file <= pc <= pcln */
	return w[0] > 0 && w[3] >= PCLN_HEADER_LEN && w[3] <= w[4] && w[4] <= w[5] &&
	       w[5] <= w[6] && w[6] <= w[7] && w[7] < len;
}

/* Where the pclntab is when no section has its name (an externally
 * linked PIE merges it into .data.rel.ro): between the symbols
 * runtime.pclntab and runtime.epclntab, else the one valid pcHeader in
 * .data.rel.ro. @return 0 with g->pclntab set, -1 with the reason */
static int pcln_search(struct goelf *g, char *err, size_t errlen)
{
	uint64_t a = 0, e = 0, size, off;
	int found = 0;

	if (symtab_find(g, "runtime.pclntab", false, &a, &size, err, errlen) == 1 &&
	    symtab_find(g, "runtime.epclntab", false, &e, &size, err, errlen) == 1 && e > a &&
	    segment_of(g, a, e - a) && goelf_offset(g, a, &off) == 0) {
		g->pclntab = (struct sec){true, a, off, e - a, 0};
		return 0;
	}
	if (!g->relro.present) {
		seterr(err, errlen,
		       "no .gopclntab section, no runtime.pclntab symbol and no "
		       ".data.rel.ro to search");
		return -1;
	}
	struct blob b = {0};
	const uint8_t *p = load(g, &b, &g->relro, ".data.rel.ro");
	if (!p) {
		seterr(err, errlen, "%s", b.error);
		return -1;
	}
	for (size_t at = 0; at + PCLN_HEADER_LEN <= b.len; at += 8) {
		if (!pcln_header_ok(p + at, b.len - at))
			continue;
		if (found++)
			break;
		g->pclntab = (struct sec){true, g->relro.addr + at, g->relro.off + at,
					  g->relro.size - at, 0};
	}
	free(b.buf);
	if (found != 1) {
		g->pclntab.present = false;
		seterr(err, errlen,
		       "no .gopclntab section, and %s Go 1.18+ pcHeader in .data.rel.ro",
		       found ? "more than one" : "no");
		return -1;
	}
	return 0;
}

/* .gopclntab (Go 1.18+ layout): the function table maps functions, in
 * address order, to their _func records, which name them.
 * @return 1 found, 0 absent, -1 unreadable or unknown format */
static int pcln_find(struct goelf *g, const char *name, uint64_t *vaddr, uint64_t *size, char *err,
		     size_t errlen)
{
	const uint8_t *p;
	size_t len, nlen = strlen(name);
	uint32_t magic;
	uint64_t nfunc = 0, text = 0, nameoff = 0, pclnoff = 0, size_unused;

	if (!g->pclntab.present && pcln_search(g, err, errlen) < 0)
		return -1;
	p = load(g, &g->pclnb, &g->pclntab, ".gopclntab");
	len = g->pclnb.len;
	if (!p) {
		seterr(err, errlen, "%s", g->pclnb.error);
		return -1;
	}
	if (!get_u32(p, len, 0, &magic) || len < PCLN_HEADER_LEN) {
		seterr(err, errlen, ".gopclntab: truncated header");
		return -1;
	}
	if (magic == GO116_MAGIC || magic == GO12_MAGIC) {
		seterr(err, errlen, ".gopclntab: the format of Go %s is not supported (1.18+ only)",
		       magic == GO116_MAGIC ? "1.16-1.17" : "1.2-1.15");
		return -1;
	}
	if (magic != GO118_MAGIC && magic != GO120_MAGIC) {
		seterr(err, errlen, ".gopclntab: unknown magic 0x%08x", magic);
		return -1;
	}
	if (p[4] || p[5] || p[6] != 1 || p[7] != 8) {
		seterr(err, errlen, ".gopclntab: not an amd64 table (quantum %u, pointer size %u)",
		       p[6], p[7]);
		return -1;
	}
	/* pcHeader words: nfunc, nfiles, textStart, funcnameOffset, cuOffset,
	 * filetabOffset, pctabOffset, pclnOffset */
	get_u64(p, len, 8, &nfunc);
	get_u64(p, len, 24, &text);
	get_u64(p, len, 32, &nameoff);
	get_u64(p, len, 64, &pclnoff);
	/* textStart is the link-time address of runtime.text (a PIE's has a
	 * dynamic relocation too). Should a file hold 0 there: the symbol,
	 * else the start of .text, as debug/gosym does */
	if (text == 0 &&
	    symtab_find(g, "runtime.text", true, &text, &size_unused, err, errlen) != 1) {
		text = 0;
		if (!g->text.present) {
			seterr(err, errlen, ".gopclntab: no text start and no .text section");
			return -1;
		}
		text = g->text.addr;
	}
	if (nameoff >= len || pclnoff >= len || nfunc > (len - pclnoff) / 8 ||
	    (len - pclnoff) / 8 - nfunc < 1) {
		seterr(err, errlen, ".gopclntab: header offsets or function count out of range");
		return -1;
	}
	/* functab: nfunc {entryoff u32, funcoff u32}, then the end entryoff */
	for (uint64_t i = 0; i < nfunc; i++) {
		uint32_t entryoff = 0, funcoff = 0, fentry = 0, fname = 0, next = 0;
		get_u32(p, len, pclnoff + 8 * i, &entryoff);
		get_u32(p, len, pclnoff + 8 * i + 4, &funcoff);
		get_u32(p, len, pclnoff + 8 * (i + 1), &next);
		if (!get_u32(p, len, pclnoff + (uint64_t)funcoff, &fentry) ||
		    !get_u32(p, len, pclnoff + (uint64_t)funcoff + 4, &fname) ||
		    fentry != entryoff) {
			seterr(err, errlen, ".gopclntab: function %llu has a bad _func record",
			       (unsigned long long)i);
			return -1;
		}
		uint64_t s = nameoff + (uint64_t)(int32_t)fname;
		if ((int32_t)fname < 0 || s >= len || len - s <= nlen || p[s + nlen] != 0 ||
		    memcmp(p + s, name, nlen) != 0)
			continue;
		if (next <= entryoff) {
			seterr(err, errlen, ".gopclntab: %s has no extent (entry 0x%x, next 0x%x)",
			       name, entryoff, next);
			return -1;
		}
		*vaddr = text + entryoff;
		*size = next - entryoff;
		return 1;
	}
	return 0;
}

int goelf_func(struct goelf *g, const char *name, struct goelf_fn *out, char *err, size_t errlen)
{
	uint64_t vaddr = 0, size = 0;
	uint8_t *code;
	int r;

	memset(out, 0, sizeof(*out));
	r = symtab_find(g, name, true, &vaddr, &size, err, errlen);
	if (r == 0)
		r = pcln_find(g, name, &vaddr, &size, err, errlen);
	if (r < 0)
		return -1;
	if (r == 0) {
		seterr(err, errlen, "%s: no such function", name);
		return -1;
	}
	if (size == 0 || size > GOELF_MAX_FUNC) {
		seterr(err, errlen, "%s: size %llu is out of range (1..%u)", name,
		       (unsigned long long)size, GOELF_MAX_FUNC);
		return -1;
	}
	if (g->text.present && (vaddr < g->text.addr || vaddr - g->text.addr > g->text.size ||
				size > g->text.size - (vaddr - g->text.addr))) {
		seterr(err, errlen, "%s: 0x%llx+%llu lies outside .text", name,
		       (unsigned long long)vaddr, (unsigned long long)size);
		return -1;
	}
	const struct seg *s = segment_of(g, vaddr, size);
	if (!s || !(s->flags & PF_X)) {
		seterr(err, errlen, "%s: 0x%llx+%llu is in no executable segment of the file", name,
		       (unsigned long long)vaddr, (unsigned long long)size);
		return -1;
	}
	out->vaddr = vaddr;
	out->size = size;
	out->entry = vaddr - s->vaddr + s->off;
	code = malloc(size);
	if (!code) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	if (!read_at(g->fd, code, size, out->entry)) {
		seterr(err, errlen, "%s: cannot read its code", name);
		free(code);
		return -1;
	}
	/* every instruction from the entry to the end, none guessed */
	for (uint64_t at = 0; at < size;) {
		int n = x86_insn_len(code + at, size - at);
		if (n < 0) {
			seterr(err, errlen,
			       "%s: cannot decode the instruction at +0x%llx (%02x ...), or it "
			       "runs past the function's end",
			       name, (unsigned long long)at, code[at]);
			free(code);
			return -1;
		}
		if (x86_is_ret(code + at, (size_t)n)) {
			if (out->nrets == GOELF_MAX_RETS) {
				seterr(err, errlen, "%s: more than %u RET instructions", name,
				       GOELF_MAX_RETS);
				free(code);
				return -1;
			}
			out->rets[out->nrets++] = out->entry + at;
		}
		at += (uint64_t)n;
	}
	free(code);
	return 0;
}

int goelf_symbol(struct goelf *g, const char *name, uint64_t *vaddr)
{
	uint64_t size;

	return symtab_find(g, name, false, vaddr, &size, NULL, 0) == 1 ? 0 : -1;
}

/* ---- added for capture/tls.c (branch gotls) ---- */

int goelf_has_func(struct goelf *g, const char *name, char *err, size_t errlen)
{
	uint64_t vaddr, size;
	int r = symtab_find(g, name, true, &vaddr, &size, err, errlen);

	if (r == 0)
		r = pcln_find(g, name, &vaddr, &size, err, errlen);
	return r;
}
