/* pcapng.h - sockrec records as a pcapng file Wireshark opens.
 *
 * Layout: FORMAT.md, "The .pcapng container". Data records become Enhanced
 * Packet Blocks carrying synthesized IPv4/IPv6 + TCP segments; every record
 * also travels verbatim in a sockrec item (PEN 32473) - a custom option on
 * its first packet, or a Custom Block - so the reader gives back the exact
 * record stream.
 *
 * Crash safety: blocks reach the file whole, so a cut file keeps every
 * complete block.
 */
#ifndef SR_PCAPNG_H
#define SR_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du

struct pcapng_writer;
struct pcapng_reader;

/*! pcapng_writer_create() : writes the SHB and IDB to fd.
 *  @return a writer, or NULL (err says why). */
struct pcapng_writer *pcapng_writer_create(int fd, char *err, size_t err_cap);
/* @return 0 or -errno */
int pcapng_writer_append(struct pcapng_writer *w, const struct sr_record *rec);
int pcapng_writer_tick(struct pcapng_writer *w, uint64_t now_ns);
int pcapng_writer_flush(struct pcapng_writer *w);
/* flushes, frees, closes fd if close_fd; accepts NULL. @return 0 or -errno */
int pcapng_writer_close(struct pcapng_writer *w, int close_fd);
uint64_t pcapng_writer_bytes(const struct pcapng_writer *w);
const char *pcapng_writer_error(const struct pcapng_writer *w);

struct pcapng_reader *pcapng_reader_open_path(const char *path, char *err, size_t err_cap);
struct pcapng_reader *pcapng_reader_open_mem(const void *buf, size_t len, char *err,
					     size_t err_cap);
/* @return 1 record, 0 clean end, -1 error (message and offset below) */
int pcapng_reader_next(struct pcapng_reader *r, struct sr_record *rec);
const char *pcapng_reader_error(const struct pcapng_reader *r);
uint64_t pcapng_reader_error_offset(const struct pcapng_reader *r);
void pcapng_reader_free(struct pcapng_reader *r);

#endif /* SR_PCAPNG_H */
