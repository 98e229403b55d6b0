/* sink.c - dispatch from the generic sink to the .srz or .pcapng writer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapng.h"
#include "sink.h"
#include "srz.h"

struct sr_sink {
	enum sr_container_kind kind;
	struct srz_writer *srz;
	struct pcapng_writer *png;
};

struct sr_sink *sr_sink_create(enum sr_container_kind kind, int fd, char *err, size_t err_cap)
{
	struct sr_sink *s = calloc(1, sizeof(*s));

	if (!s) {
		if (err && err_cap)
			snprintf(err, err_cap, "out of memory");
		return NULL;
	}
	s->kind = kind;
	switch (kind) {
	case SR_FMT_SRZ:
		s->srz = srz_writer_create(fd, NULL, err, err_cap);
		if (s->srz)
			return s;
		break;
	case SR_FMT_PCAPNG:
		s->png = pcapng_writer_create(fd, err, err_cap);
		if (s->png)
			return s;
		break;
	default:
		if (err && err_cap)
			snprintf(err, err_cap, "unknown archive format");
		break;
	}
	free(s);
	return NULL;
}

int sr_sink_append(struct sr_sink *s, const struct sr_record *rec)
{
	return s->srz ? srz_writer_append(s->srz, rec) : pcapng_writer_append(s->png, rec);
}

int sr_sink_tick(struct sr_sink *s, uint64_t now_ns)
{
	return s->srz ? srz_writer_tick(s->srz, now_ns) : pcapng_writer_tick(s->png, now_ns);
}

int sr_sink_flush(struct sr_sink *s)
{
	return s->srz ? srz_writer_flush(s->srz) : pcapng_writer_flush(s->png);
}

int sr_sink_close(struct sr_sink *s, int close_fd)
{
	int rc;

	if (!s)
		return 0;
	rc = s->srz ? srz_writer_close(s->srz, close_fd) : pcapng_writer_close(s->png, close_fd);
	free(s);
	return rc;
}

uint64_t sr_sink_bytes(const struct sr_sink *s)
{
	return s->srz ? srz_writer_bytes(s->srz) : pcapng_writer_bytes(s->png);
}

const char *sr_sink_error(const struct sr_sink *s)
{
	return s->srz ? srz_writer_error(s->srz) : pcapng_writer_error(s->png);
}

enum sr_container_kind sr_container_from_name(const char *name)
{
	if (!name)
		return SR_FMT_UNKNOWN;
	if (!strcmp(name, "srz"))
		return SR_FMT_SRZ;
	if (!strcmp(name, "pcapng"))
		return SR_FMT_PCAPNG;
	return SR_FMT_UNKNOWN;
}

enum sr_container_kind sr_container_from_path(const char *path)
{
	const char *dot = path ? strrchr(path, '.') : NULL;
	return dot ? sr_container_from_name(dot + 1) : SR_FMT_UNKNOWN;
}
