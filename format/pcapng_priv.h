/* pcapng_priv.h - what the pcapng writer and reader share: block and option
 * codes, the sockrec item that carries records inside pcapng, and the caps.
 *
 * Layout: format/FORMAT.md, "The .pcapng container". pcapng itself:
 * draft-ietf-opsawg-pcapng ("PCAP Next Generation (pcapng) Capture File
 * Format"), sections 4.1 (SHB), 4.2 (IDB), 4.3 (EPB), 4.5 (NRB), 4.8
 * (Custom Block), 3.5.1 (options).
 *
 * A sockrec item is the unit that carries records: the data of a Custom
 * Block (0x00000BAD) or of a custom option (2989) on an EPB, after the PEN:
 *
 *   magic "SRNG" | u8 major | u8 minor | u8 kind | u8 flags(0) |
 *   u32 index | u32 len | len bytes of content
 *
 * index is the record's position in the stream (0, 1, 2, ... mod 2^32): the
 * reader checks it, so a file whose packets were filtered or reordered is
 * reported instead of silently giving a different stream.
 */
#ifndef SR_PCAPNG_PRIV_H
#define SR_PCAPNG_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* block types */
#define PCAPNG_BT_IDB 0x00000001u
#define PCAPNG_BT_NRB 0x00000004u
#define PCAPNG_BT_EPB 0x00000006u
#define PCAPNG_BT_CB 0x00000BADu  /* custom block, may be copied */
#define PCAPNG_BT_DCB 0x40000BADu /* custom block, do not copy (read, never written) */

/* option codes */
#define PCAPNG_OPT_END 0
#define PCAPNG_OPT_COMMENT 1
#define PCAPNG_OPT_SHB_USERAPPL 4
#define PCAPNG_OPT_IF_NAME 2
#define PCAPNG_OPT_IF_DESCRIPTION 3
#define PCAPNG_OPT_IF_TSRESOL 9
#define PCAPNG_OPT_EPB_FLAGS 2
#define PCAPNG_OPT_CUSTOM_BIN 2989 /* custom binary option, may be copied */
#define PCAPNG_OPT_CUSTOM_BIN_NOCOPY 19373

/* epb_flags bits 0-1 */
#define PCAPNG_EPB_INBOUND 1u
#define PCAPNG_EPB_OUTBOUND 2u

#define PCAPNG_LINKTYPE_RAW 101
/* IANA "Example Enterprise Number for Documentation Use" (RFC 5612): no PEN
 * is registered for sockrec, hence the magic and version inside. */
#define PCAPNG_PEN 32473u

#define PCAPNG_ITEM_MAGIC "SRNG"
#define PCAPNG_ITEM_MAJOR 1
#define PCAPNG_ITEM_MINOR 0
#define PCAPNG_ITEM_HDR 16u

enum pcapng_item_kind {
	PCAPNG_ITEM_RECORD = 1,	   /* content: one whole encoded record */
	PCAPNG_ITEM_DATA_HEAD = 2, /* content: u32 P, then a data record minus its
				    * last P bytes (the payload); the payload is
				    * the TCP payload of this EPB and of the EPBs
				    * with DATA_CONT items that follow */
	PCAPNG_ITEM_DATA_CONT = 3, /* content: empty; this EPB's TCP payload
				    * continues the open DATA_HEAD record */
	PCAPNG_ITEM_SEGMENT = 4,   /* content: empty; this EPB is one more
				    * segment of record `index`, which travelled
				    * whole in an earlier EPB (RECORD) */
};

/* item flag: the content continues in the next option of the same EPB (same kind
 * and index) */
#define PCAPNG_ITEM_MORE 0x01

/* An option's value is at most 65535 bytes: PEN + item header + content. */
#define PCAPNG_OPT_MAX 65535u
#define PCAPNG_OPT_ITEM_MAX (PCAPNG_OPT_MAX - 4u - PCAPNG_ITEM_HDR)

/* Records up to this size travel in custom options of their packet (in
 * chunks of PCAPNG_OPT_ITEM_MAX); larger ones in a Custom Block. A data
 * record with the largest payload fits. */
#define PCAPNG_EPB_RECORD_MAX (SR_MAX_SNAPLEN + 4096u)

/* Largest TCP payload per synthesized segment: the loopback MSS (MTU 65536
 * minus 40 bytes of IPv4 + TCP headers and 12 of timestamp option), which
 * fits IPv4's 16-bit total length and IPv6's payload length. */
#define PCAPNG_MSS 65483u

/* Readers refuse blocks larger than this (never trust a length): the largest
 * block the writer makes is a Custom Block holding one SR_MAX_RECORD record. */
#define PCAPNG_MAX_BLOCK (SR_MAX_RECORD + 4096u)

#endif /* SR_PCAPNG_PRIV_H */
