/* liveenv.c - a process's live environment, read from its memory. See
 * liveenv.h. proc(5) (maps, map_files, root), process_vm_readv(2),
 * openat2(2), the System V ABI (ELF program headers, symbol tables). */
#include "liveenv.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "env.h"
#include "procsnap.h"
#include "record.h"

#define CACHE_SLOTS 64
#define MAX_OBJECTS 16		     /* executable + libc-like objects per process */
#define MAX_MAPS_LINES 262144	     /* /proc/PID/maps lines read */
#define MAX_ELF_BYTES (1ull << 30)   /* a larger "ELF file" is not looked at */
#define MAX_SYMTAB_BYTES (64u << 20) /* a larger symbol table is not read */
#define FIRST_PIECE 256		     /* bytes of a string read first */

#if defined(__x86_64__)
#define MY_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define MY_MACHINE EM_AARCH64
#else
#error "liveenv: unknown architecture"
#endif

/* What one ELF file says, whoever maps it. */
struct elf_facts {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	int status;	     /* 0: the symbol is there; -ENOENT: not; GO_PROGRAM */
	uint64_t sym;	     /* st_value of __environ / environ */
	uint64_t load_vaddr; /* first PT_LOAD's p_vaddr, page aligned down */
	uint64_t load_off;   /* its p_offset, page aligned down */
	uint64_t lo, hi;     /* vaddr range of all PT_LOADs */
};

#define GO_PROGRAM 1

struct cap_liveenv {
	struct elf_facts cache[CACHE_SLOTS];
	unsigned ncache, next_slot;
	uint64_t page;
	int no_map_files; /* cap_liveenv_use_map_files(le, 0) */
};

/* A mapped file of the process: its lowest mapping. */
struct object {
	uint64_t start, end, off;
	unsigned long ino;
	int is_exe;
	char path[4096];
};

struct cap_liveenv *cap_liveenv_create(void)
{
	struct cap_liveenv *le = calloc(1, sizeof(*le));
	long pg = sysconf(_SC_PAGESIZE);

	if (!le)
		return NULL;
	le->page = pg > 0 ? (uint64_t)pg : 4096;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		free(le);
		return NULL;
	}
	return le;
}

void cap_liveenv_free(struct cap_liveenv *le)
{
	free(le);
}

void cap_liveenv_use_map_files(struct cap_liveenv *le, int on)
{
	le->no_map_files = !on;
}

const char *cap_liveenv_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case -ENOENT:
		return "no libc environ to read (Go program, no symbol, or no libc mapped)";
	case -ESRCH:
		return "process gone";
	case -EFAULT:
		return "environ pointer or array not readable";
	default:
		return strerror(-err);
	}
}

/* ---- /proc/PID/maps ---- */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* glibc's libc.so.6 (libc-2.x.so before 2.34), musl's libc.so or
 * ld-musl-ARCH.so.1 (also libc.musl-ARCH.so.1 on Alpine) */
static int libc_like(const char *path)
{
	const char *b = base_name(path);

	return !strncmp(b, "libc.so", 7) || !strncmp(b, "libc-", 5) || !strncmp(b, "ld-musl-", 8) ||
	       !strncmp(b, "libc.musl-", 10);
}

/* Collects the executable (by path, as /proc/PID/exe reads) and the
 * libc-like objects, each by its lowest mapping, in address order.
 * @return the number of objects, or -errno. */
static int read_maps(uint32_t pid, struct object *obj, int cap)
{
	char path[64], exe[4096], *line = NULL;
	size_t lcap = 0;
	ssize_t n, el;
	unsigned lines = 0;
	int nobj = 0, i;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	el = readlink(path, exe, sizeof(exe) - 1);
	exe[el > 0 ? el : 0] = 0;
	snprintf(path, sizeof(path), "/proc/%u/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((n = getline(&line, &lcap, f)) > 0 && lines++ < MAX_MAPS_LINES) {
		unsigned long long start, end, off, ino;
		unsigned maj, mnr;
		char perms[8];
		int pos = 0, is_exe;
		const char *p;

		if (line[n - 1] == '\n')
			line[--n] = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &off,
			   &maj, &mnr, &ino, &pos) != 7 ||
		    !pos || ino == 0 || start >= end)
			continue;
		p = line + pos;
		if (p[0] != '/' || strlen(p) >= sizeof(obj->path))
			continue;
		is_exe = exe[0] && !strcmp(p, exe);
		if (!is_exe && !libc_like(p))
			continue;
		for (i = 0; i < nobj; i++)
			if (obj[i].ino == ino && !strcmp(obj[i].path, p))
				break;
		if (i < nobj) {
			if (start < obj[i].start) {
				obj[i].start = start;
				obj[i].end = end;
				obj[i].off = off;
			}
			continue;
		}
		if (nobj == cap)
			continue;
		obj[nobj] = (struct object){start, end, off, ino, is_exe, ""};
		memcpy(obj[nobj].path, p, strlen(p) + 1);
		nobj++;
	}
	free(line);
	fclose(f);
	return nobj;
}

/* ---- the ELF file ---- */

/* Opens the mapped file: /proc/PID/map_files/START-END, else its path
 * resolved inside /proc/PID/root, which must be the mapped inode.
 * @return an fd, or -errno. */
static int open_object(uint32_t pid, const struct object *o, int map_files)
{
	char path[128];
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	struct stat st;
	int fd, root;

	snprintf(path, sizeof(path), "/proc/%u/map_files/%llx-%llx", pid,
		 (unsigned long long)o->start, (unsigned long long)o->end);
	fd = map_files ? open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY) : -1;
	if (fd >= 0)
		return fd;
	snprintf(path, sizeof(path), "/proc/%u/root", pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	fd = syscall(SYS_openat2, root, o->path + 1, &how, sizeof(how));
	if (fd < 0) {
		int e = -errno;

		close(root);
		return e;
	}
	close(root);
	if (fstat(fd, &st) || st.st_ino != o->ino) {
		close(fd); /* replaced since it was mapped */
		return -ENOENT;
	}
	return fd;
}

static int is_environ(const char *name)
{
	return name && (!strcmp(name, "__environ") || !strcmp(name, "environ") ||
			!strcmp(name, "_environ"));
}

/* The defined `environ` object of one symbol table: 0, or -ENOENT. */
static int find_symbol(Elf *e, Elf_Scn *scn, uint64_t *value)
{
	GElf_Shdr sh;
	Elf_Data *d;
	size_t i, n;

	if (!gelf_getshdr(scn, &sh) || !sh.sh_entsize || sh.sh_size > MAX_SYMTAB_BYTES ||
	    !(d = elf_getdata(scn, NULL)))
		return -ENOENT;
	n = d->d_size / sh.sh_entsize;
	for (i = 0; i < n; i++) {
		GElf_Sym s;

		if (!gelf_getsym(d, (int)i, &s))
			break;
		if (s.st_shndx == SHN_UNDEF || GELF_ST_TYPE(s.st_info) != STT_OBJECT ||
		    s.st_size != sizeof(uint64_t) || !s.st_value)
			continue;
		if (is_environ(elf_strptr(e, sh.sh_link, s.st_name))) {
			*value = s.st_value;
			return 0;
		}
	}
	return -ENOENT;
}

/* Fills f's status, sym and load fields from the ELF file fd. */
static void parse_elf(int fd, uint64_t page, struct elf_facts *f)
{
	Elf_Scn *scn = NULL, *dynsym = NULL, *symtab = NULL;
	uint64_t first = UINT64_MAX;
	size_t i, nph, shstr;
	GElf_Ehdr eh;
	Elf *e;

	f->status = -ENOENT;
	/* read(), not mmap(): a file cut while we parse it (a container may
	 * write its own files) must not be a SIGBUS here */
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e)
		return;
	if (elf_kind(e) != ELF_K_ELF || gelf_getclass(e) != ELFCLASS64 || !gelf_getehdr(e, &eh) ||
	    eh.e_machine != MY_MACHINE || (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) ||
	    elf_getphdrnum(e, &nph) || elf_getshdrstrndx(e, &shstr))
		goto out;
	f->lo = UINT64_MAX;
	f->hi = 0;
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (ph.p_vaddr + ph.p_memsz < ph.p_vaddr)
			goto out; /* wraps: not a real object */
		if (ph.p_vaddr < first) {
			first = ph.p_vaddr;
			f->load_vaddr = ph.p_vaddr & ~(page - 1);
			f->load_off = ph.p_offset & ~(page - 1);
		}
		if (ph.p_vaddr < f->lo)
			f->lo = ph.p_vaddr;
		if (ph.p_vaddr + ph.p_memsz > f->hi)
			f->hi = ph.p_vaddr + ph.p_memsz;
	}
	if (first == UINT64_MAX)
		goto out;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			goto out;
		name = elf_strptr(e, shstr, sh.sh_name);
		if (name && (!strcmp(name, ".note.go.buildid") || !strcmp(name, ".go.buildinfo"))) {
			f->status = GO_PROGRAM;
			goto out;
		}
		if (sh.sh_type == SHT_DYNSYM && !dynsym)
			dynsym = scn;
		else if (sh.sh_type == SHT_SYMTAB && !symtab)
			symtab = scn;
	}
	if ((dynsym && !find_symbol(e, dynsym, &f->sym)) ||
	    (symtab && !find_symbol(e, symtab, &f->sym)))
		f->status = 0;
out:
	elf_end(e);
}

/* The facts of the file behind fd, from the cache or parsed now. */
static const struct elf_facts *elf_facts(struct cap_liveenv *le, int fd)
{
	struct elf_facts *f;
	struct stat st;
	unsigned i;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > MAX_ELF_BYTES)
		return NULL;
	for (i = 0; i < le->ncache; i++) {
		f = &le->cache[i];
		if (f->dev == st.st_dev && f->ino == st.st_ino && f->size == st.st_size &&
		    f->mtime.tv_sec == st.st_mtim.tv_sec && f->mtime.tv_nsec == st.st_mtim.tv_nsec)
			return f;
	}
	f = &le->cache[le->next_slot];
	le->next_slot = (le->next_slot + 1) % CACHE_SLOTS;
	if (le->ncache < CACHE_SLOTS)
		le->ncache++;
	memset(f, 0, sizeof(*f));
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = st.st_size;
	f->mtime = st.st_mtim;
	parse_elf(fd, le->page, f);
	return f;
}

/* ---- the process's memory ---- */

/* @return bytes read (short when the range runs into unmapped memory), or
 *         -errno (-ESRCH: gone, -EFAULT: nothing readable). */
static long peek(uint32_t pid, uint64_t addr, void *dst, size_t n)
{
	struct iovec l = {dst, n}, r = {(void *)(uintptr_t)addr, n};
	ssize_t got = process_vm_readv((pid_t)pid, &l, 1, &r, 1, 0);

	return got < 0 ? -errno : got;
}

static uint64_t page_left(uint64_t addr, uint64_t page)
{
	return page - (addr & (page - 1));
}

/* The environ array at addr: its pointers (up to the NULL), at most
 * CAP_LIVEENV_MAX_ENTRIES. Reads stay inside one page each, so a read is
 * whole or fails. @return entries, or -errno. */
static long read_array(uint32_t pid, uint64_t addr, uint64_t page, uint64_t *ptrs, int *cut)
{
	size_t n = 0;

	if (addr & 7)
		return -EFAULT;
	while (n < CAP_LIVEENV_MAX_ENTRIES) {
		size_t want = page_left(addr, page) / 8, i;
		long got;

		if (want > CAP_LIVEENV_MAX_ENTRIES - n)
			want = CAP_LIVEENV_MAX_ENTRIES - n;
		got = peek(pid, addr, ptrs + n, want * 8);
		if (got < 0)
			return got;
		if ((size_t)got < want * 8)
			return -EFAULT;
		for (i = 0; i < want; i++)
			if (!ptrs[n + i])
				return n + i;
		n += want;
		addr += want * 8;
	}
	*cut = 1; /* no NULL within the bound */
	return n;
}

/* One string at addr into dst (at most limit bytes, the NUL included).
 * @return its length without the NUL; -E2BIG when no NUL came within limit;
 *         -EFAULT when unreadable; -ESRCH when the process is gone. */
static long read_string(uint32_t pid, uint64_t addr, uint64_t page, char *dst, size_t limit)
{
	size_t got = 0;

	while (got < limit) {
		size_t want = page_left(addr + got, page);
		const char *nul;
		long r;

		if (want > limit - got)
			want = limit - got;
		if (!got && want > FIRST_PIECE)
			want = FIRST_PIECE; /* most entries are short */
		r = peek(pid, addr + got, dst + got, want);
		if (r < 0)
			return r;
		if (r == 0)
			return -EFAULT;
		nul = memchr(dst + got, 0, r);
		if (nul)
			return nul - dst;
		got += r;
	}
	return -E2BIG;
}

static int read_environ(struct cap_liveenv *le, uint32_t pid, uint64_t addr, char **buf,
			size_t *len, int *cut)
{
	uint64_t head, *ptrs;
	size_t out = 0;
	long n, i;
	char *b;

	n = peek(pid, addr, &head, sizeof(head));
	if (n < 0)
		return n;
	if (n != sizeof(head))
		return -EFAULT;
	b = malloc(SR_MAX_ENVIRON + 1);
	ptrs = malloc(CAP_LIVEENV_MAX_ENTRIES * sizeof(*ptrs));
	if (!b || !ptrs) {
		free(b);
		free(ptrs);
		return -ENOMEM;
	}
	n = head ? read_array(pid, head, le->page, ptrs, cut) : 0; /* NULL: empty */
	for (i = 0; i < n; i++) {
		size_t room = SR_MAX_ENVIRON - out;
		size_t limit =
		    room < CAP_LIVEENV_MAX_STRING + 1 ? room : CAP_LIVEENV_MAX_STRING + 1;
		long sl = read_string(pid, ptrs[i], le->page, b + out, limit);

		if (sl == -ESRCH) {
			n = sl;
			break;
		}
		if (sl < 0) {
			*cut = 1; /* unreadable or too long: left out */
			if (sl == -E2BIG && limit == room)
				break; /* the rest does not fit */
			continue;
		}
		if (sl > 0)
			out += sl + 1;
	}
	free(ptrs);
	if (n < 0) {
		free(b);
		return n;
	}
	b[out] = 0;
	*buf = b;
	*len = out;
	return 0;
}

int cap_liveenv_read(struct cap_liveenv *le, uint32_t pid, char **buf, size_t *len, int *cut)
{
	struct object *obj;
	int nobj, i, rc = -ENOENT, pass;

	*buf = NULL;
	*len = 0;
	*cut = 0;
	obj = malloc(MAX_OBJECTS * sizeof(*obj));
	if (!obj)
		return -ENOMEM;
	nobj = read_maps(pid, obj, MAX_OBJECTS);
	if (nobj < 0) {
		free(obj);
		return nobj;
	}
	/* the executable first: a symbol it defines is the one in use */
	for (pass = 0; pass < 2 && rc == -ENOENT; pass++) {
		for (i = 0; i < nobj; i++) {
			const struct elf_facts *f;
			uint64_t bias, addr;
			int fd;

			if (obj[i].is_exe != !pass)
				continue;
			fd = open_object(pid, &obj[i], !le->no_map_files);
			if (fd < 0)
				continue;
			f = elf_facts(le, fd);
			close(fd);
			if (!f)
				continue;
			if (f->status == GO_PROGRAM && obj[i].is_exe) {
				pass = 2; /* Go: /proc holds its environment */
				break;
			}
			if (f->status || obj[i].off != f->load_off)
				continue;
			bias = obj[i].start - f->load_vaddr;
			addr = bias + f->sym;
			if (f->sym < f->lo || f->sym + 8 > f->hi || addr < bias)
				continue;
			rc = read_environ(le, pid, addr, buf, len, cut);
			break;
		}
	}
	free(obj);
	return rc;
}

void cap_environ_choose(struct cap_liveenv *le, uint32_t pid, char **env, size_t *len, int *cut,
			uint32_t *source)
{
	char *lb;
	size_t ll;
	int lc;

	*source = SR_ENV_SRC_PROC;
	if (!le || (*env && !cap_env_needs_live(*env, *len)))
		return;
	if (cap_liveenv_read(le, pid, &lb, &ll, &lc))
		return;
	free(*env);
	*env = lb;
	*len = ll;
	*cut = lc;
	*source = SR_ENV_SRC_LIVE;
}

int cap_environ_read(struct cap_liveenv *le, uint32_t pid, char **buf, size_t *len, int *cut,
		     uint32_t *source)
{
	char path[64];
	int rc;

	*source = SR_ENV_SRC_PROC;
	snprintf(path, sizeof(path), "/proc/%u/environ", pid);
	rc = cap_snap_read_file(path, SR_MAX_ENVIRON, buf, len, cut);
	if (rc)
		return rc;
	cap_environ_choose(le, pid, buf, len, cut, source);
	return 0;
}
