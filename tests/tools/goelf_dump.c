/* goelf_dump - prints what capture/goelf.c and capture/x86len.c find in an
 * executable, for tests/e2e/goelf_objdump.sh (objdump is the oracle).
 *
 *   goelf_dump FILE FUNC...   the version, stripped, then per function:
 *                             "FUNC vaddr=0x.. size=.. entry=0x.. rets=0x..,0x.."
 *                             or "FUNC error: reason"; an argument sym:NAME
 *                             prints goelf_symbol()'s "sym:NAME 0x.." or
 *                             "sym:NAME absent"
 *   goelf_dump --text FILE    reads "ADDR LEN MNEMONIC" lines (objdump's
 *                             instructions in .text) on stdin and checks
 *                             x86_insn_len() at each against LEN; prints each
 *                             disagreement and the counts. Exit 1 on any
 *                             length mismatch or undecodable spot (except
 *                             where objdump itself says "(bad)": data in
 *                             .text, counted apart), or on a gap in the
 *                             listing; 0 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "goelf.h"
#include "x86len.h"

static int dump(const char *path, int argc, char **argv)
{
	char err[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "goelf_dump: %s: %s\n", path, strerror(errno));
		return 2;
	}
	struct goelf *g = goelf_open(fd, err, sizeof(err));
	if (!g) {
		printf("open error: %s\n", err);
		close(fd);
		return 1;
	}
	printf("version %s\n", goelf_version(g) ? goelf_version(g) : "(none)");
	printf("stripped %d\n", goelf_stripped(g));
	for (int i = 0; i < argc; i++) {
		struct goelf_fn fn;
		uint64_t v;
		if (strncmp(argv[i], "sym:", 4) == 0) {
			if (goelf_symbol(g, argv[i] + 4, &v) == 0)
				printf("%s 0x%" PRIx64 "\n", argv[i], v);
			else
				printf("%s absent\n", argv[i]);
			continue;
		}
		if (goelf_func(g, argv[i], &fn, err, sizeof(err)) < 0) {
			printf("%s error: %s\n", argv[i], err);
			continue;
		}
		printf("%s vaddr=0x%" PRIx64 " size=%" PRIu64 " entry=0x%" PRIx64 " rets=", argv[i],
		       fn.vaddr, fn.size, fn.entry);
		for (unsigned r = 0; r < fn.nrets; r++)
			printf("%s0x%" PRIx64, r ? "," : "", fn.rets[r]);
		printf("\n");
	}
	goelf_close(g);
	close(fd);
	return 0;
}

/* .text's bytes, read with libelf (independent of goelf, which refuses
 * files that are not Go) */
static int read_text(int fd, uint64_t *addr, uint8_t **buf, size_t *len)
{
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int rc = -1;

	if (!e || elf_getshdrstrndx(e, &shstrndx) != 0)
		goto out;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;
		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstrndx, sh.sh_name)))
			continue;
		if (strcmp(name, ".text") != 0)
			continue;
		*buf = malloc(sh.sh_size);
		if (*buf &&
		    pread(fd, *buf, sh.sh_size, (off_t)sh.sh_offset) == (ssize_t)sh.sh_size) {
			*addr = sh.sh_addr;
			*len = sh.sh_size;
			rc = 0;
		}
		break;
	}
out:
	if (e)
		elf_end(e);
	return rc;
}

static int check_text(const char *path)
{
	uint64_t text, next = 0;
	uint8_t *buf = NULL;
	size_t len;
	unsigned long total = 0, ok = 0, mismatch = 0, objdump_bad = 0, undecodable = 0, gaps = 0;
	char line[512];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read_text(fd, &text, &buf, &len) < 0) {
		fprintf(stderr, "goelf_dump: %s: cannot read .text\n", path);
		return 2;
	}
	while (fgets(line, sizeof(line), stdin)) {
		uint64_t a;
		unsigned want;
		char mn[64] = "";
		if (sscanf(line, "%" SCNx64 " %u %63s", &a, &want, mn) < 2)
			continue;
		if (a < text || a - text >= len || want == 0 || want > 15) {
			printf("out of .text or bad listing line: %s", line);
			gaps++;
			continue;
		}
		if (total && a != next) {
			printf("gap in the listing at 0x%" PRIx64 " (expected 0x%" PRIx64 ")\n", a,
			       next);
			gaps++;
		}
		next = a + want;
		total++;
		int got = x86_insn_len(buf + (a - text), len - (a - text));
		if (got == (int)want) {
			ok++;
		} else if (strcmp(mn, "(bad)") == 0) {
			objdump_bad++; /* objdump's own length there is a guess */
		} else if (got < 0) {
			undecodable++;
			if (getenv("GOELF_ALL") || undecodable <= 20)
				printf("undecodable 0x%" PRIx64 " len %u %s\n", a, want, mn);
		} else {
			mismatch++;
			if (getenv("GOELF_ALL") || mismatch <= 20)
				printf("mismatch 0x%" PRIx64 " objdump %u x86len %d %s\n", a, want,
				       got, mn);
		}
	}
	printf("instructions %lu matched %lu mismatched %lu undecodable %lu objdump-bad %lu gaps "
	       "%lu\n",
	       total, ok, mismatch, undecodable, objdump_bad, gaps);
	free(buf);
	close(fd);
	return (mismatch || undecodable || gaps || total == 0) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return 2;
	if (argc == 3 && strcmp(argv[1], "--text") == 0)
		return check_text(argv[2]);
	if (argc >= 2)
		return dump(argv[1], argc - 2, argv + 2);
	fprintf(stderr, "usage: goelf_dump FILE FUNC... | goelf_dump --text FILE < listing\n");
	return 2;
}
