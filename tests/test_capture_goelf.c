/* test_capture_goelf.c - capture/goelf.c on small ELF files built here.
 *
 * Each test writes an x86-64 ELF image into a memfd: one PT_LOAD segment,
 * .text with hand-written code, a Go 1.18-layout .gopclntab naming its
 * functions, optionally .go.buildinfo and .symtab. The expected offsets
 * follow from where the test put the bytes (real golang-go binaries are
 * checked against objdump in tests/e2e/goelf_objdump.sh).
 *
 * Properties under test:
 *  - functions come from .gopclntab when there is no .symtab (stripped),
 *    from .symtab (its st_size) when there is; entry and every RET are
 *    file offsets; "rep ret" counts; INT3 padding does not;
 *  - goelf_symbol() reads .symtab; absent names fail;
 *  - the version comes from .go.buildinfo, inline (1.18+) or through
 *    pointers (older); a bad length gives none;
 *  - refused with a reason: not ELF, empty, not x86-64, no .gopclntab,
 *    a truncated file (every cut of a valid image: never a crash), a
 *    pclntab of Go 1.16 or with an unknown magic, counts or offsets out of
 *    range, a function not decodable to its end, more than GOELF_MAX_RETS
 *    RETs, code outside an executable segment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "goelf.h"
#include "testutil.h"

#define BASE 0x400000u
#define TEXT_OFF 0x100u /* .text: up to 0x100 bytes */
#define PCLN_OFF 0x200u /* .gopclntab: up to 0x400 */
#define BI_OFF 0x600u	/* .go.buildinfo: 0x100 */
#define SHSTR_OFF 0x700u
#define SYM_OFF 0x800u /* .symtab: 3 entries */
#define STR_OFF 0x900u /* .strtab */
#define SH_OFF 0xa00u
#define NSH 7
#define IMAGE_LEN (SH_OFF + NSH * 64)

struct fn {
	const char *name;
	uint32_t entryoff; /* from the start of .text */
};

struct spec {
	const uint8_t *code;
	size_t codelen;
	struct fn fns[2];
	unsigned nfns;
	uint32_t magic;		   /* 0: Go 1.18's */
	uint64_t nfunc_override;   /* 0: nfns */
	uint32_t funcoff_override; /* 0: the real one */
	const uint8_t *buildinfo;  /* NULL: no .go.buildinfo */
	size_t buildinfo_len;
	const char *symfunc; /* non-NULL: a .symtab with this STT_FUNC at .text+0 */
	uint64_t symsize;
	uint16_t machine; /* 0: x86-64 */
	uint32_t pflags;  /* 0: R+X */
	int no_pclntab;
	int in_relro; /* the pclntab in a section named .data.rel.ro (external PIE) */
	int twice;    /* and a second copy of its header 0x100 bytes further */
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}
static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (v >> (8 * i)) & 0xff;
}
static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (v >> (8 * i)) & 0xff;
}

static void shdr(uint8_t *img, unsigned idx, uint32_t name, uint32_t type, uint64_t off,
		 uint64_t size, uint32_t link, uint64_t entsize)
{
	uint8_t *s = img + SH_OFF + 64 * idx;

	put32(s, name);
	put32(s + 4, type);
	put64(s + 8, type == 1 ? 2 /* SHF_ALLOC */ : 0);
	put64(s + 16, type == 1 ? BASE + off : 0);
	put64(s + 24, off);
	put64(s + 32, size);
	put32(s + 40, link);
	put64(s + 48, 1);
	put64(s + 56, entsize);
}

/* the pclntab of sp: header, funcnametab, functab, _func records */
static size_t pclntab(uint8_t *p, const struct spec *sp)
{
	const size_t names = 72, ftab = 96, funcs = 128;
	size_t at = names;
	uint32_t nameoff[2];

	put32(p, sp->magic ? sp->magic : 0xfffffff0u);
	p[6] = 1;
	p[7] = 8;
	put64(p + 8, sp->nfunc_override ? sp->nfunc_override : sp->nfns);
	put64(p + 24, BASE + TEXT_OFF); /* textStart */
	put64(p + 32, names);		/* funcnameOffset */
	put64(p + 40, ftab);		/* cu, file, pc tabs: empty, unused */
	put64(p + 48, ftab);
	put64(p + 56, ftab);
	put64(p + 64, ftab); /* pclnOffset */
	for (unsigned i = 0; i < sp->nfns; i++) {
		nameoff[i] = (uint32_t)(at - names);
		strcpy((char *)p + at, sp->fns[i].name);
		at += strlen(sp->fns[i].name) + 1;
	}
	assert_true(at <= ftab);
	for (unsigned i = 0; i < sp->nfns; i++) {
		uint32_t funcoff = (uint32_t)(funcs - ftab + 40 * i);
		put32(p + ftab + 8 * i, sp->fns[i].entryoff);
		put32(p + ftab + 8 * i + 4, sp->funcoff_override ? sp->funcoff_override : funcoff);
		put32(p + ftab + funcoff, sp->fns[i].entryoff); /* _func.entryoff */
		put32(p + ftab + funcoff + 4, nameoff[i]);	/* _func.nameoff */
	}
	put32(p + ftab + 8 * sp->nfns, (uint32_t)sp->codelen); /* the end */
	return funcs + 40 * sp->nfns;
}

static void image(uint8_t *img, const struct spec *sp)
{
	static const char shstr[] =
	    "\0.text\0.gopclntab\0.go.buildinfo\0.shstrtab\0.symtab\0.strtab\0.other\0.data.rel.ro";
	/* offsets of the names in shstr */
	enum {
		N_TEXT = 1,
		N_PCLN = 7,
		N_BI = 18,
		N_SHSTR = 32,
		N_SYM = 42,
		N_STR = 50,
		N_OTHER = 58,
		N_RELRO = 65
	};
	size_t pcln_len = 0;

	memset(img, 0, IMAGE_LEN);
	memcpy(img,
	       "\x7f"
	       "ELF\x02\x01\x01",
	       7);
	put16(img + 16, 2); /* ET_EXEC */
	put16(img + 18, sp->machine ? sp->machine : 62);
	put32(img + 20, 1);
	put64(img + 32, 64);	 /* e_phoff */
	put64(img + 40, SH_OFF); /* e_shoff */
	put16(img + 52, 64);
	put16(img + 54, 56);
	put16(img + 56, 1);
	put16(img + 58, 64);
	put16(img + 60, NSH);
	put16(img + 62, 4); /* e_shstrndx */
	/* PT_LOAD: the whole file at BASE */
	put32(img + 64, 1);
	put32(img + 68, sp->pflags ? sp->pflags : 5);
	put64(img + 72, 0);
	put64(img + 80, BASE);
	put64(img + 88, BASE);
	put64(img + 96, IMAGE_LEN);
	put64(img + 104, IMAGE_LEN);
	put64(img + 112, 0x1000);

	assert_true(sp->codelen <= 0x100);
	memcpy(img + TEXT_OFF, sp->code, sp->codelen);
	shdr(img, 1, N_TEXT, 1, TEXT_OFF, sp->codelen, 0, 0);
	if (!sp->no_pclntab)
		pcln_len = pclntab(img + PCLN_OFF, sp);
	if (sp->in_relro)
		pcln_len = 0x200;
	if (sp->twice)
		memcpy(img + PCLN_OFF + 0x100, img + PCLN_OFF, 72);
	shdr(img, 2,
	     sp->in_relro     ? N_RELRO
	     : sp->no_pclntab ? N_OTHER
			      : N_PCLN,
	     1, PCLN_OFF, pcln_len, 0, 0);
	if (sp->buildinfo)
		memcpy(img + BI_OFF, sp->buildinfo, sp->buildinfo_len);
	shdr(img, 3, sp->buildinfo ? N_BI : N_OTHER, 1, BI_OFF, sp->buildinfo_len, 0, 0);
	memcpy(img + SHSTR_OFF, shstr, sizeof(shstr));
	shdr(img, 4, N_SHSTR, 3 /* SHT_STRTAB */, SHSTR_OFF, sizeof(shstr), 0, 0);
	if (sp->symfunc) {
		/* symbols: null, symfunc (STT_FUNC), "go.itab.x" (STT_OBJECT) */
		uint8_t *s = img + SYM_OFF;
		strcpy((char *)img + STR_OFF + 1, sp->symfunc);
		size_t n2 = 1 + strlen(sp->symfunc) + 1;
		strcpy((char *)img + STR_OFF + n2, "go.itab.x");
		put32(s + 24, 1);
		s[24 + 4] = 0x12; /* GLOBAL FUNC */
		put64(s + 24 + 8, BASE + TEXT_OFF);
		put64(s + 24 + 16, sp->symsize);
		put32(s + 48, (uint32_t)n2);
		s[48 + 4] = 0x11; /* GLOBAL OBJECT */
		put64(s + 48 + 8, BASE + 0x123);
		shdr(img, 5, N_SYM, 2 /* SHT_SYMTAB */, SYM_OFF, 72, 6, 24);
		shdr(img, 6, N_STR, 3, STR_OFF, n2 + 10, 0, 0);
	} else {
		shdr(img, 5, N_OTHER, 1, SYM_OFF, 0, 0, 0);
		shdr(img, 6, N_OTHER, 1, STR_OFF, 0, 0, 0);
	}
}

static int memfd_of(const uint8_t *p, size_t len)
{
	int fd = tu_memfd("goelf");

	assert_int_equal(write(fd, p, len), (ssize_t)len);
	return fd;
}

/* goelf_open on sp's image (cut to len bytes when len != 0) */
static struct goelf *open_spec(const struct spec *sp, size_t len, int *fd, char *err, size_t errlen)
{
	static uint8_t img[IMAGE_LEN];

	image(img, sp);
	*fd = memfd_of(img, len ? len : IMAGE_LEN);
	return goelf_open(*fd, err, errlen);
}

/* main.f: push rbp; mov rbp, rsp; ret; int3 x3 | main.h: xor eax, eax; ret; rep ret */
static const uint8_t code2[] = {0x55, 0x48, 0x89, 0xe5, 0xc3, 0xcc, 0xcc,
				0xcc, 0x31, 0xc0, 0xc3, 0xf3, 0xc3};
static const struct spec two = {
    .code = code2, .codelen = sizeof(code2), .fns = {{"main.f", 0}, {"main.h", 8}}, .nfns = 2};

static void expect_error(const struct spec *sp, const char *fn, const char *want)
{
	char err[256] = "";
	struct goelf_fn out;
	int fd;
	struct goelf *g = open_spec(sp, 0, &fd, err, sizeof(err));

	assert_non_null(g);
	assert_int_equal(goelf_func(g, fn, &out, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not say \"%s\"", err, want);
	goelf_close(g);
	close(fd);
}

static void test_pclntab_functions(void **state)
{
	char err[256] = "";
	struct goelf_fn f;
	int fd;
	struct goelf *g = open_spec(&two, 0, &fd, err, sizeof(err));

	(void)state;
	if (!g)
		fail_msg("goelf_open: %s", err);
	assert_int_equal(goelf_stripped(g), 1);
	assert_null(goelf_version(g));
	assert_int_equal(goelf_func(g, "main.f", &f, err, sizeof(err)), 0);
	assert_int_equal(f.vaddr, BASE + TEXT_OFF);
	assert_int_equal(f.size, 8); /* to the next function, padding included */
	assert_int_equal(f.entry, TEXT_OFF);
	assert_int_equal(f.nrets, 1);
	assert_int_equal(f.rets[0], TEXT_OFF + 4);
	assert_int_equal(goelf_func(g, "main.h", &f, err, sizeof(err)), 0);
	assert_int_equal(f.entry, TEXT_OFF + 8);
	assert_int_equal(f.size, 5);
	assert_int_equal(f.nrets, 2);
	assert_int_equal(f.rets[0], TEXT_OFF + 10);
	assert_int_equal(f.rets[1], TEXT_OFF + 11);
	assert_int_equal(goelf_func(g, "main", &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no such function"));
	assert_int_equal(goelf_func(g, "main.ff", &f, err, sizeof(err)), -1);
	uint64_t v;
	assert_int_equal(goelf_symbol(g, "go.itab.x", &v), -1); /* stripped */
	goelf_close(g);
	close(fd);
}

/* no .gopclntab section: the table is found inside .data.rel.ro */
static void test_pclntab_search(void **state)
{
	static const uint8_t bi[32] = "\xff Go buildinf:\x08\x02";
	char err[256] = "";
	struct goelf_fn f;
	int fd;
	struct spec sp = two;
	struct goelf *g;

	(void)state;
	sp.buildinfo = bi; /* what makes it a Go file without .gopclntab */
	sp.buildinfo_len = sizeof(bi);
	sp.in_relro = 1;
	g = open_spec(&sp, 0, &fd, err, sizeof(err));
	if (!g)
		fail_msg("goelf_open: %s", err);
	assert_int_equal(goelf_func(g, "main.h", &f, err, sizeof(err)), 0);
	assert_int_equal(f.entry, TEXT_OFF + 8);
	assert_int_equal(f.nrets, 2);
	goelf_close(g);
	close(fd);
	sp.twice = 1;
	expect_error(&sp, "main.h", "more than one Go 1.18+ pcHeader");
	sp.twice = 0;
	sp.magic = 0xfffffffa;
	expect_error(&sp, "main.h", "no Go 1.18+ pcHeader");
}

static void test_symtab(void **state)
{
	char err[256] = "";
	struct goelf_fn f;
	uint64_t v = 0;
	int fd;
	struct spec sp = two;

	(void)state;
	sp.symfunc = "main.f";
	sp.symsize = 5;
	struct goelf *g = open_spec(&sp, 0, &fd, err, sizeof(err));
	if (!g)
		fail_msg("goelf_open: %s", err);
	assert_int_equal(goelf_stripped(g), 0);
	assert_int_equal(goelf_func(g, "main.f", &f, err, sizeof(err)), 0);
	assert_int_equal(f.size, 5); /* st_size, not the pclntab's 8 */
	assert_int_equal(f.entry, TEXT_OFF);
	assert_int_equal(f.nrets, 1);
	/* not in .symtab: still found through .gopclntab */
	assert_int_equal(goelf_func(g, "main.h", &f, err, sizeof(err)), 0);
	assert_int_equal(f.nrets, 2);
	assert_int_equal(goelf_symbol(g, "go.itab.x", &v), 0);
	assert_int_equal(v, BASE + 0x123);
	assert_int_equal(goelf_symbol(g, "go.itab.y", &v), -1);
	assert_int_equal(goelf_symbol(g, "go.itab.", &v), -1);
	goelf_close(g);
	close(fd);
}

static void test_version(void **state)
{
	uint8_t bi[96] = "\xff Go buildinf:";
	char err[256] = "";
	int fd;
	struct spec sp = two;
	struct goelf *g;

	(void)state;
	sp.buildinfo = bi;
	sp.buildinfo_len = sizeof(bi);
	/* 1.18+: flags 2, varint-prefixed strings after the 32-byte header */
	bi[14] = 8;
	bi[15] = 2;
	bi[32] = 8;
	memcpy(bi + 33, "go1.19.8", 8);
	bi[41] = 0;
	g = open_spec(&sp, 0, &fd, err, sizeof(err));
	assert_non_null(g);
	assert_string_equal(goelf_version(g), "go1.19.8");
	goelf_close(g);
	close(fd);
	/* a length past the section: no version */
	bi[32] = 100;
	g = open_spec(&sp, 0, &fd, err, sizeof(err));
	assert_non_null(g);
	assert_null(goelf_version(g));
	goelf_close(g);
	close(fd);
	/* before 1.18: a pointer to a string header {ptr, len} */
	memset(bi + 16, 0, sizeof(bi) - 16);
	bi[15] = 0;
	put64(bi + 16, BASE + BI_OFF + 48);
	put64(bi + 48, BASE + BI_OFF + 64);
	put64(bi + 56, 8);
	memcpy(bi + 64, "go1.17.3", 8);
	g = open_spec(&sp, 0, &fd, err, sizeof(err));
	assert_non_null(g);
	assert_string_equal(goelf_version(g), "go1.17.3");
	goelf_close(g);
	close(fd);
	/* a pointer outside the file */
	put64(bi + 16, 0x7fff0000);
	g = open_spec(&sp, 0, &fd, err, sizeof(err));
	assert_non_null(g);
	assert_null(goelf_version(g));
	goelf_close(g);
	close(fd);
}

static void expect_open_error(const uint8_t *p, size_t len, const char *want)
{
	char err[256] = "";
	int fd = memfd_of(p, len);
	struct goelf *g = goelf_open(fd, err, sizeof(err));

	if (g)
		fail_msg("goelf_open accepted it (want \"%s\")", want);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not say \"%s\"", err, want);
	close(fd);
}

static void test_not_go(void **state)
{
	static uint8_t img[IMAGE_LEN];
	struct spec sp = two;

	(void)state;
	expect_open_error((const uint8_t *)"#!/bin/sh\necho hello\n", 21, "not an ELF");
	expect_open_error((const uint8_t *)"", 0, "not an ELF");
	sp.machine = 183; /* aarch64 */
	image(img, &sp);
	expect_open_error(img, IMAGE_LEN, "not an x86-64");
	sp = two;
	sp.no_pclntab = 1;
	image(img, &sp);
	expect_open_error(img, IMAGE_LEN, "not a Go executable");
}

/* every cut of a valid image: refused or read, never a crash (ASan in
 * make test SANITIZE=1 also sees any read past what was cut) */
static void test_truncated(void **state)
{
	static uint8_t img[IMAGE_LEN];
	struct spec sp = two;
	unsigned opened = 0;

	(void)state;
	sp.symfunc = "main.f";
	sp.symsize = 5;
	image(img, &sp);
	for (size_t len = 0; len < IMAGE_LEN; len += 3) {
		char err[256] = "";
		struct goelf_fn f;
		int fd = memfd_of(img, len);
		struct goelf *g = goelf_open(fd, err, sizeof(err));
		if (g) {
			opened++;
			(void)goelf_func(g, "main.f", &f, err, sizeof(err));
			(void)goelf_func(g, "main.h", &f, err, sizeof(err));
			goelf_close(g);
		} else {
			assert_true(err[0] != 0);
		}
		close(fd);
	}
	/* the section headers are at the end: no cut opens */
	assert_int_equal(opened, 0);
	expect_open_error(img, SH_OFF + 64 * 3, "");
	/* a section that runs past the end of the file */
	put64(img + SH_OFF + 64 * 2 + 32, 0x100000);
	expect_open_error(img, IMAGE_LEN, ".gopclntab lies outside the file");
}

static void test_bad_pclntab(void **state)
{
	struct spec sp = two;

	(void)state;
	sp.magic = 0xfffffffa;
	expect_error(&sp, "main.f", "Go 1.16-1.17 is not supported");
	sp.magic = 0xfffffffb;
	expect_error(&sp, "main.f", "Go 1.2-1.15 is not supported");
	sp.magic = 0x12345678;
	expect_error(&sp, "main.f", "unknown magic");
	sp = two;
	sp.nfunc_override = 1ull << 40;
	expect_error(&sp, "main.f", "out of range");
	sp = two;
	sp.funcoff_override = 0x7ffffff0;
	expect_error(&sp, "main.f", "bad _func record");
}

static void test_bad_code(void **state)
{
	static const uint8_t undecodable[] = {0x55, 0x06, 0xc3, 0xcc};
	static const uint8_t past_end[] = {0x55, 0xe8, 0x00, 0x00}; /* call cut by the end */
	uint8_t rets[GOELF_MAX_RETS + 1];
	struct spec sp = {.fns = {{"main.f", 0}}, .nfns = 1};

	(void)state;
	sp.code = undecodable;
	sp.codelen = sizeof(undecodable);
	expect_error(&sp, "main.f", "cannot decode the instruction at +0x1");
	sp.code = past_end;
	sp.codelen = sizeof(past_end);
	expect_error(&sp, "main.f", "cannot decode the instruction at +0x1");
	memset(rets, 0xc3, sizeof(rets));
	sp.code = rets;
	sp.codelen = sizeof(rets);
	expect_error(&sp, "main.f", "more than 64 RET");
	sp.codelen = GOELF_MAX_RETS; /* exactly the cap: accepted */
	{
		char err[256] = "";
		struct goelf_fn f;
		int fd;
		struct goelf *g = open_spec(&sp, 0, &fd, err, sizeof(err));
		assert_non_null(g);
		assert_int_equal(goelf_func(g, "main.f", &f, err, sizeof(err)), 0);
		assert_int_equal(f.nrets, GOELF_MAX_RETS);
		assert_int_equal(f.rets[GOELF_MAX_RETS - 1], TEXT_OFF + GOELF_MAX_RETS - 1);
		goelf_close(g);
		close(fd);
	}
	sp = two;
	sp.pflags = 4; /* R only */
	expect_error(&sp, "main.f", "no executable segment");
}

/* goelf_has_func() (added for capture/tls.c): present in .symtab or
 * .gopclntab, absent, without decoding */
static void test_has_func(void **state)
{
	char err[256] = "";
	int fd;
	struct spec sp = two;
	struct goelf *g;

	(void)state;
	sp.symfunc = "main.f";
	sp.symsize = 5;
	g = open_spec(&sp, 0, &fd, err, sizeof(err));
	if (!g)
		fail_msg("goelf_open: %s", err);
	assert_int_equal(goelf_has_func(g, "main.f", err, sizeof(err)), 1); /* .symtab */
	assert_int_equal(goelf_has_func(g, "main.h", err, sizeof(err)), 1); /* .gopclntab */
	assert_int_equal(goelf_has_func(g, "main.ff", err, sizeof(err)), 0);
	assert_int_equal(goelf_has_func(g, "crypto/tls.(*Conn).Read", err, sizeof(err)), 0);
	goelf_close(g);
	close(fd);
	g = open_spec(&two, 0, &fd, err, sizeof(err)); /* stripped */
	assert_non_null(g);
	assert_int_equal(goelf_has_func(g, "main.h", err, sizeof(err)), 1);
	assert_int_equal(goelf_has_func(g, "main", err, sizeof(err)), 0);
	goelf_close(g);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pclntab_functions),
	    cmocka_unit_test(test_pclntab_search),
	    cmocka_unit_test(test_symtab),
	    cmocka_unit_test(test_version),
	    cmocka_unit_test(test_not_go),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_bad_pclntab),
	    cmocka_unit_test(test_bad_code),
	    cmocka_unit_test(test_has_func),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
