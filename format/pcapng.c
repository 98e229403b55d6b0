/* pcapng.c - placeholder until the pcapng issue lands: every entry point
 * fails with "not yet supported". */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "pcapng.h"

static const char unsupported[] = "pcapng is not yet supported";

struct pcapng_writer *pcapng_writer_create(int fd, char *err, size_t err_cap)
{
	(void)fd;
	if (err && err_cap)
		snprintf(err, err_cap, "%s", unsupported);
	return NULL;
}

int pcapng_writer_append(struct pcapng_writer *w, const struct sr_record *rec)
{
	(void)w, (void)rec;
	return -ENOTSUP;
}

int pcapng_writer_tick(struct pcapng_writer *w, uint64_t now_ns)
{
	(void)w, (void)now_ns;
	return -ENOTSUP;
}

int pcapng_writer_flush(struct pcapng_writer *w)
{
	(void)w;
	return -ENOTSUP;
}

int pcapng_writer_close(struct pcapng_writer *w, int close_fd)
{
	(void)w, (void)close_fd;
	return 0;
}

uint64_t pcapng_writer_bytes(const struct pcapng_writer *w)
{
	(void)w;
	return 0;
}

const char *pcapng_writer_error(const struct pcapng_writer *w)
{
	(void)w;
	return unsupported;
}

struct pcapng_reader *pcapng_reader_open_path(const char *path, char *err, size_t err_cap)
{
	(void)path;
	if (err && err_cap)
		snprintf(err, err_cap, "%s", unsupported);
	return NULL;
}

struct pcapng_reader *pcapng_reader_open_mem(const void *buf, size_t len, char *err,
					     size_t err_cap)
{
	(void)buf, (void)len;
	if (err && err_cap)
		snprintf(err, err_cap, "%s", unsupported);
	return NULL;
}

int pcapng_reader_next(struct pcapng_reader *r, struct sr_record *rec)
{
	(void)r, (void)rec;
	return -1;
}

const char *pcapng_reader_error(const struct pcapng_reader *r)
{
	(void)r;
	return unsupported;
}

uint64_t pcapng_reader_error_offset(const struct pcapng_reader *r)
{
	(void)r;
	return 0;
}

void pcapng_reader_free(struct pcapng_reader *r)
{
	(void)r;
}
