/* archive.c - open .srz or .pcapng by content and read records from either. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "cursor.h"
#include "pcapng.h"
#include "srz.h"

struct sr_archive {
	enum sr_container_kind kind;
	struct srz_reader *srz;
	struct pcapng_reader *png;
};

enum sr_container_kind sr_container_sniff(const uint8_t *buf, size_t len)
{
	if (len < 4)
		return SR_FMT_UNKNOWN;
	if (sr_le32(buf) == SRZ_FILE_MAGIC)
		return SR_FMT_SRZ;
	if (sr_le32(buf) == PCAPNG_SHB)
		return SR_FMT_PCAPNG;
	return SR_FMT_UNKNOWN;
}

static struct sr_archive *wrap(enum sr_container_kind kind, void *reader)
{
	struct sr_archive *a;

	if (!reader)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a) {
		if (kind == SR_FMT_SRZ)
			srz_reader_free(reader);
		else
			pcapng_reader_free(reader);
		return NULL;
	}
	a->kind = kind;
	if (kind == SR_FMT_SRZ)
		a->srz = reader;
	else
		a->png = reader;
	return a;
}

static struct sr_archive *open_kind(enum sr_container_kind kind, const char *path, const void *buf,
				    size_t len, char *err, size_t err_cap)
{
	switch (kind) {
	case SR_FMT_SRZ:
		return wrap(kind, path ? srz_reader_open_path(path, err, err_cap)
				       : srz_reader_open_mem(buf, len, err, err_cap));
	case SR_FMT_PCAPNG:
		return wrap(kind, path ? pcapng_reader_open_path(path, err, err_cap)
				       : pcapng_reader_open_mem(buf, len, err, err_cap));
	default:
		if (err && err_cap)
			snprintf(err, err_cap,
				 "%s%snot a sockrec archive (neither .srz nor pcapng)",
				 path ? path : "", path ? ": " : "");
		return NULL;
	}
}

struct sr_archive *sr_archive_open_mem(const void *buf, size_t len, char *err, size_t err_cap)
{
	return open_kind(sr_container_sniff(buf, len), NULL, buf, len, err, err_cap);
}

struct sr_archive *sr_archive_open_path(const char *path, char *err, size_t err_cap)
{
	uint8_t magic[4];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (err && err_cap)
			snprintf(err, err_cap, "%s: %s", path, strerror(errno));
		return NULL;
	}
	n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n < 0) {
		if (err && err_cap)
			snprintf(err, err_cap, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (n < 4) {
		if (err && err_cap)
			snprintf(err, err_cap, "%s: %s", path,
				 n ? "too short to be an archive" : "empty file");
		return NULL;
	}
	return open_kind(sr_container_sniff(magic, (size_t)n), path, NULL, 0, err, err_cap);
}

int sr_archive_next(struct sr_archive *a, struct sr_record *rec)
{
	return a->srz ? srz_reader_next(a->srz, rec) : pcapng_reader_next(a->png, rec);
}

const char *sr_archive_error(const struct sr_archive *a)
{
	return a->srz ? srz_reader_error(a->srz) : pcapng_reader_error(a->png);
}

uint64_t sr_archive_error_offset(const struct sr_archive *a)
{
	return a->srz ? srz_reader_error_offset(a->srz) : pcapng_reader_error_offset(a->png);
}

enum sr_container_kind sr_archive_kind(const struct sr_archive *a)
{
	return a->kind;
}

void sr_archive_free(struct sr_archive *a)
{
	if (!a)
		return;
	srz_reader_free(a->srz);
	pcapng_reader_free(a->png);
	free(a);
}
