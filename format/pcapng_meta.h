/* pcapng_meta.h - what the pcapng writer remembers about processes,
 * containers and named addresses, to write per-packet comments in the style
 * ptcpdump users know and Name Resolution Blocks.
 *
 * Everything kept is a bounded copy (caps below): records handed to the
 * writer are not retained. Tables have a fixed maximum; past it, new entries
 * are not remembered and comments fall back to what the record itself says.
 */
#ifndef SR_PCAPNG_META_H
#define SR_PCAPNG_META_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define PCAPNG_META_MAX_PROCS 65536u
#define PCAPNG_META_MAX_CONTAINERS 4096u
#define PCAPNG_META_MAX_NAMES 4096u
#define PCAPNG_CMT_ARGS 1024u /* bytes of the Args: line */
#define PCAPNG_CMT_NAME 256u  /* container name/image, ADI_PROFILE_NAME */
#define PCAPNG_CMT_ID 132u    /* container id */
#define PCAPNG_NRB_NAME 256u  /* a name in an NRB record, with its NUL */
#define PCAPNG_CMT_TLS 64u    /* a TLS library's name and version */

#define PCAPNG_MAX_COMMENTS 4
#define PCAPNG_CMT_BUF 4096u

struct pcapng_comments {
	int n;
	uint16_t off[PCAPNG_MAX_COMMENTS];
	uint16_t len[PCAPNG_MAX_COMMENTS];
	char buf[PCAPNG_CMT_BUF];
};

struct pcapng_meta;

struct pcapng_meta *pcapng_meta_create(void);
void pcapng_meta_free(struct pcapng_meta *m);

/* remembers a process snapshot (replaces an older one of the same pid) */
void pcapng_meta_process(struct pcapng_meta *m, const struct sr_process *p);
/* remembers the TLS library a process is probed in (a probed SR_REC_TLS) */
void pcapng_meta_tls(struct pcapng_meta *m, const struct sr_tls *t);
/* @return the TLS library of pid's last probed SR_REC_TLS, NULL if none */
const char *pcapng_meta_tls_library(const struct pcapng_meta *m, uint32_t pid);
/* remembers a container's name and image by id */
void pcapng_meta_container(struct pcapng_meta *m, const struct sr_container *c);

/*! pcapng_meta_comments() :
 *  Fills out with the comments of a packet carrying a record of process pid
 *  (comm: the record's task name), in this order:
 *    "PID: <pid>\nCmd: <comm>\nArgs: <cmdline>"       (Args when known)
 *    "ContainerName: …\nContainerId: …\nContainerImage: …" (when in a container)
 *    "ADI_PROFILE_NAME: <name>"                        (when set)
 *    "sockrec: <line>"                                  (when line is not NULL)
 *  Text from records is made printable UTF-8 (other bytes as \xNN). */
void pcapng_meta_comments(const struct pcapng_meta *m, uint32_t pid, const char comm[SR_COMM_LEN],
			  const char *line, struct pcapng_comments *out);
/* a comments list holding only "sockrec: <line>" */
void pcapng_comments_line(struct pcapng_comments *out, const char *line);

/*! pcapng_meta_service_name() :
 *  The name of process pid as a service: its ADI_PROFILE_NAME, else its
 *  comm, else the record's comm; reduced to [A-Za-z0-9._-]. @return length
 *  (0 when nothing usable) */
size_t pcapng_meta_service_name(const struct pcapng_meta *m, uint32_t pid,
				const char comm[SR_COMM_LEN], char dst[PCAPNG_NRB_NAME]);

/*! pcapng_meta_claim_name() :
 *  Records that addr (family 4 or 6) is named name.
 *  @return 1 when an NRB must be written (new address, or a new name for it
 *          and replace is set), 0 otherwise (also when the table is full). */
int pcapng_meta_claim_name(struct pcapng_meta *m, uint8_t family, const uint8_t addr[16],
			   const char *name, int replace);

/* Reduces src to a name Wireshark shows as a host name: [A-Za-z0-9._-],
 * other runs become '-'. */
void pcapng_dns_label(char *dst, size_t cap, const char *src);

/* Makes src printable UTF-8 in dst (NUL terminated, at most cap-1 bytes,
 * "..." when cut). NUL bytes become spaces when nul_space, else \x00.
 * @return the length written. */
size_t pcapng_text(char *dst, size_t cap, const uint8_t *src, size_t len, int nul_space);

#endif /* SR_PCAPNG_META_H */
