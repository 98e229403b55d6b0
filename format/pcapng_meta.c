/* pcapng_meta.c - process, container and address-name tables of the pcapng
 * writer, and the per-packet comments built from them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapng_meta.h"

#define PROC_SLOTS (2u * PCAPNG_META_MAX_PROCS)
#define CTR_SLOTS (2u * PCAPNG_META_MAX_CONTAINERS)
#define NAME_SLOTS (2u * PCAPNG_META_MAX_NAMES)

/* Strings are exact-size copies (NULL when absent): most processes have no
 * container or profile name, and the table may hold 65536 of them. */
struct meta_proc {
	uint32_t pid;
	uint8_t has_name;
	char comm[32];
	char *cid;
	char *pname;
	char *args;		  /* NULL when the cmdline is unknown */
	char tls[PCAPNG_CMT_TLS]; /* its probed TLS library ("OpenSSL 3.0.19"), "" if none */
};

struct meta_ctr {
	char id[PCAPNG_CMT_ID];
	char name[PCAPNG_CMT_NAME];
	char image[PCAPNG_CMT_NAME];
};

struct meta_name {
	uint8_t used;
	uint8_t family;
	uint8_t addr[16];
	uint32_t name_hash;
};

struct pcapng_meta {
	struct meta_proc **procs; /* PROC_SLOTS, open addressing by pid */
	size_t nprocs;
	struct meta_ctr **ctrs; /* CTR_SLOTS, by id */
	size_t nctrs;
	struct meta_name *names; /* NAME_SLOTS, by address */
	size_t nnames;
};

static uint32_t fnv(const void *p, size_t n, uint32_t h)
{
	const uint8_t *s = p;
	while (n--) {
		h ^= *s++;
		h *= 16777619u;
	}
	return h;
}

#define FNV_INIT 2166136261u

struct pcapng_meta *pcapng_meta_create(void)
{
	return calloc(1, sizeof(struct pcapng_meta));
}

void pcapng_meta_free(struct pcapng_meta *m)
{
	size_t i;

	if (!m)
		return;
	if (m->procs)
		for (i = 0; i < PROC_SLOTS; i++)
			if (m->procs[i]) {
				free(m->procs[i]->args);
				free(m->procs[i]->cid);
				free(m->procs[i]->pname);
				free(m->procs[i]);
			}
	if (m->ctrs)
		for (i = 0; i < CTR_SLOTS; i++)
			free(m->ctrs[i]);
	free(m->procs);
	free(m->ctrs);
	free(m->names);
	free(m);
}

/* ---- text ---- */

/* length of the valid UTF-8 sequence at s (1..4), or 0 if invalid
 * (RFC 3629 section 4: no overlongs, no surrogates, nothing past U+10FFFF) */
static size_t utf8_len(const uint8_t *s, size_t left)
{
	uint8_t c = s[0], lo = 0x80, hi = 0xBF;
	size_t n, i;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (left < n)
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

size_t pcapng_text(char *dst, size_t cap, const uint8_t *src, size_t len, int nul_space)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i = 0;

	if (!cap)
		return 0;
	/* a cmdline ends with a NUL: no trailing space for it */
	while (nul_space && len && src[len - 1] == 0)
		len--;
	/* room for "..." and the NUL is kept back while copying */
	while (i < len) {
		uint8_t c = src[i];
		size_t n = 1;
		char tmp[4];
		const char *piece = tmp;

		if (c == 0 && nul_space) {
			tmp[0] = ' ';
		} else if (c >= 0x20 && c < 0x7F) {
			tmp[0] = (char)c;
		} else if (c >= 0x80 && (n = utf8_len(src + i, len - i)) > 0) {
			piece = (const char *)src + i;
		} else {
			n = 4;
			tmp[0] = '\\';
			tmp[1] = 'x';
			tmp[2] = hex[c >> 4];
			tmp[3] = hex[c & 15];
		}
		if (o + n + 4 > cap) {
			if (cap >= 4) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(dst + o, piece, n);
		o += n;
		i += piece == tmp ? 1 : n;
	}
	dst[o] = 0;
	return o;
}

static void text_bytes(char *dst, size_t cap, struct sr_bytes b)
{
	pcapng_text(dst, cap, b.ptr, b.len, 0);
}

/* printable copy of b, at most cap-1 bytes, exact size; NULL when b is empty
 * (or out of memory: the comment then goes without it) */
static char *text_dup(struct sr_bytes b, size_t cap, int nul_space)
{
	char tmp[PCAPNG_CMT_ARGS];
	size_t n;

	if (!b.len)
		return NULL;
	n = pcapng_text(tmp, cap < sizeof(tmp) ? cap : sizeof(tmp), b.ptr, b.len, nul_space);
	return n ? strndup(tmp, n) : NULL;
}

/* ---- processes ---- */

static struct meta_proc **proc_slot(const struct pcapng_meta *m, uint32_t pid, int for_insert)
{
	uint32_t i = (pid * 2654435761u) & (PROC_SLOTS - 1);
	uint32_t n;

	if (!m->procs)
		return NULL;
	for (n = 0; n < PROC_SLOTS; n++, i = (i + 1) & (PROC_SLOTS - 1)) {
		struct meta_proc *p = m->procs[i];
		if (!p)
			return for_insert ? &m->procs[i] : NULL;
		if (p->pid == pid)
			return &m->procs[i];
	}
	return NULL;
}

static struct meta_proc *proc_get(struct pcapng_meta *m, uint32_t pid)
{
	struct meta_proc **slot, *e;

	if (!m->procs) {
		m->procs = calloc(PROC_SLOTS, sizeof(*m->procs));
		if (!m->procs)
			return NULL;
	}
	slot = proc_slot(m, pid, 1);
	if (!slot)
		return NULL;
	e = *slot;
	if (!e) {
		if (m->nprocs >= PCAPNG_META_MAX_PROCS)
			return NULL;
		e = calloc(1, sizeof(*e));
		if (!e)
			return NULL;
		e->pid = pid;
		*slot = e;
		m->nprocs++;
	}
	return e;
}

void pcapng_meta_tls(struct pcapng_meta *m, const struct sr_tls *t)
{
	struct meta_proc *e;

	if (t->status != SR_TLS_PROBED)
		return;
	e = proc_get(m, t->pid);
	if (e)
		text_bytes(e->tls, sizeof(e->tls), t->library);
}

const char *pcapng_meta_tls_library(const struct pcapng_meta *m, uint32_t pid)
{
	struct meta_proc **ps = proc_slot(m, pid, 0);

	return ps && *ps && (*ps)->tls[0] ? (*ps)->tls : NULL;
}

void pcapng_meta_process(struct pcapng_meta *m, const struct sr_process *p)
{
	struct meta_proc **slot, *e;

	if (!m->procs) {
		m->procs = calloc(PROC_SLOTS, sizeof(*m->procs));
		if (!m->procs)
			return;
	}
	slot = proc_slot(m, p->pid, 1);
	if (!slot)
		return;
	e = *slot;
	if (!e) {
		if (m->nprocs >= PCAPNG_META_MAX_PROCS)
			return;
		e = calloc(1, sizeof(*e));
		if (!e)
			return;
		*slot = e;
		m->nprocs++;
	}
	free(e->args);
	free(e->cid);
	free(e->pname);
	e->args = text_dup(p->cmdline, PCAPNG_CMT_ARGS, 1);
	e->cid = text_dup(p->container_id, PCAPNG_CMT_ID, 0);
	e->pname = text_dup(p->adi_profile_name, PCAPNG_CMT_NAME, 0);
	e->pid = p->pid;
	text_bytes(e->comm, sizeof(e->comm), p->comm);
	e->has_name = (p->flags & SR_PROC_HAS_NAME) != 0;
}

/* ---- containers ---- */

static struct meta_ctr **ctr_slot(const struct pcapng_meta *m, const char *id, int for_insert)
{
	uint32_t i = fnv(id, strlen(id), FNV_INIT) & (CTR_SLOTS - 1);
	uint32_t n;

	if (!m->ctrs)
		return NULL;
	for (n = 0; n < CTR_SLOTS; n++, i = (i + 1) & (CTR_SLOTS - 1)) {
		struct meta_ctr *c = m->ctrs[i];
		if (!c)
			return for_insert ? &m->ctrs[i] : NULL;
		if (!strcmp(c->id, id))
			return &m->ctrs[i];
	}
	return NULL;
}

void pcapng_meta_container(struct pcapng_meta *m, const struct sr_container *c)
{
	char id[PCAPNG_CMT_ID];
	struct meta_ctr **slot, *e;

	text_bytes(id, sizeof(id), c->id);
	if (!id[0])
		return;
	if (!m->ctrs) {
		m->ctrs = calloc(CTR_SLOTS, sizeof(*m->ctrs));
		if (!m->ctrs)
			return;
	}
	slot = ctr_slot(m, id, 1);
	if (!slot)
		return;
	e = *slot;
	if (!e) {
		if (m->nctrs >= PCAPNG_META_MAX_CONTAINERS)
			return;
		e = calloc(1, sizeof(*e));
		if (!e)
			return;
		*slot = e;
		m->nctrs++;
	}
	memcpy(e->id, id, sizeof(id));
	text_bytes(e->name, sizeof(e->name), c->name);
	text_bytes(e->image, sizeof(e->image), c->image);
}

/* ---- comments ---- */

static void cmt_add(struct pcapng_comments *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void cmt_add(struct pcapng_comments *out, const char *fmt, ...)
{
	size_t used = out->n ? (size_t)out->off[out->n - 1] + out->len[out->n - 1] : 0;
	va_list ap;
	int k;

	if (out->n >= PCAPNG_MAX_COMMENTS || used >= sizeof(out->buf))
		return;
	va_start(ap, fmt);
	k = vsnprintf(out->buf + used, sizeof(out->buf) - used, fmt, ap);
	va_end(ap);
	if (k <= 0)
		return;
	if ((size_t)k >= sizeof(out->buf) - used)
		k = (int)(sizeof(out->buf) - used - 1); /* cut: still valid text up to here */
	out->off[out->n] = (uint16_t)used;
	out->len[out->n] = (uint16_t)k;
	out->n++;
}

void pcapng_comments_line(struct pcapng_comments *out, const char *line)
{
	out->n = 0;
	if (line)
		cmt_add(out, "sockrec: %s", line);
}

void pcapng_meta_comments(const struct pcapng_meta *m, uint32_t pid, const char comm[SR_COMM_LEN],
			  const char *line, struct pcapng_comments *out)
{
	struct meta_proc **ps = proc_slot(m, pid, 0);
	const struct meta_proc *p = ps ? *ps : NULL;
	char rcomm[64];

	out->n = 0;
	pcapng_text(rcomm, sizeof(rcomm), (const uint8_t *)comm, strnlen(comm, SR_COMM_LEN), 0);
	if (p && p->args)
		cmt_add(out, "PID: %u\nCmd: %s\nArgs: %s", pid, p->comm[0] ? p->comm : rcomm,
			p->args);
	else
		cmt_add(out, "PID: %u\nCmd: %s", pid, p && p->comm[0] ? p->comm : rcomm);
	if (p && p->cid) {
		struct meta_ctr **cs = ctr_slot(m, p->cid, 0);
		const struct meta_ctr *c = cs ? *cs : NULL;
		cmt_add(out, "ContainerName: %s\nContainerId: %s\nContainerImage: %s",
			c ? c->name : "", p->cid, c ? c->image : "");
	}
	if (p && p->has_name)
		cmt_add(out, "ADI_PROFILE_NAME: %s", p->pname ? p->pname : "");
	if (line)
		cmt_add(out, "sockrec: %s", line);
}

/* ---- names ---- */

void pcapng_dns_label(char *dst, size_t cap, const char *src)
{
	size_t o = 0;

	for (; *src && o + 1 < cap; src++) {
		char c = *src;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_')
			dst[o++] = c;
		else if (o && dst[o - 1] != '-')
			dst[o++] = '-';
	}
	while (o && (dst[o - 1] == '-' || dst[o - 1] == '.'))
		o--;
	dst[o] = 0;
}

size_t pcapng_meta_service_name(const struct pcapng_meta *m, uint32_t pid,
				const char comm[SR_COMM_LEN], char dst[PCAPNG_NRB_NAME])
{
	struct meta_proc **ps = proc_slot(m, pid, 0);
	const struct meta_proc *p = ps ? *ps : NULL;
	char rcomm[64];

	pcapng_text(rcomm, sizeof(rcomm), (const uint8_t *)comm, strnlen(comm, SR_COMM_LEN), 0);
	if (p && p->has_name && p->pname)
		pcapng_dns_label(dst, PCAPNG_NRB_NAME, p->pname);
	else
		pcapng_dns_label(dst, PCAPNG_NRB_NAME, p && p->comm[0] ? p->comm : rcomm);
	return strlen(dst);
}

int pcapng_meta_claim_name(struct pcapng_meta *m, uint8_t family, const uint8_t addr[16],
			   const char *name, int replace)
{
	uint32_t h = fnv(addr, 16, fnv(&family, 1, FNV_INIT));
	uint32_t nh = fnv(name, strlen(name), FNV_INIT);
	uint32_t i = h & (NAME_SLOTS - 1), n;

	if (!m->names) {
		m->names = calloc(NAME_SLOTS, sizeof(*m->names));
		if (!m->names)
			return 0;
	}
	for (n = 0; n < NAME_SLOTS; n++, i = (i + 1) & (NAME_SLOTS - 1)) {
		struct meta_name *e = &m->names[i];
		if (!e->used) {
			if (m->nnames >= PCAPNG_META_MAX_NAMES)
				return 0;
			e->used = 1;
			e->family = family;
			memcpy(e->addr, addr, 16);
			e->name_hash = nh;
			m->nnames++;
			return 1;
		}
		if (e->family == family && !memcmp(e->addr, addr, 16)) {
			if (!replace || e->name_hash == nh)
				return 0;
			e->name_hash = nh;
			return 1;
		}
	}
	return 0;
}
