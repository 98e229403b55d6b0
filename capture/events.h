/* events.h - ring buffer events (bpf/sockrec.h) to records (format/record.h).
 *
 * Events come from our own BPF program, but sizes are still checked: a
 * short or inconsistent event is rejected, never read past. The records
 * produced point into the event (payload, exec blocks): they are valid
 * while the event is, i.e. inside the ring buffer callback.
 */
#ifndef CAP_EVENTS_H
#define CAP_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* enum sr_syscall for an x86_64 syscall number, 0 if not one we trace */
uint16_t cap_syscall_from_nr(unsigned nr);

/*! cap_addr_normalize() :
 *  af is AF_INET or AF_INET6; addresses as the socket holds them. IPv4 ends
 *  up in bytes 0..3 with family 4; a v4-mapped IPv6 pair (::ffff:a.b.c.d,
 *  the other side mapped or unspecified) is folded to IPv4 too.
 *  @return the family, 4 or 6, or 0 for an unknown af. */
uint8_t cap_addr_normalize(unsigned af, const uint8_t l_in[16], const uint8_t r_in[16],
			   uint8_t l_out[16], uint8_t r_out[16]);

/*! cap_ev_data() / cap_ev_conn() :
 *  @return 0 and rec filled (type SR_REC_DATA / SR_REC_CONN), or -1 when
 *          the event is malformed (short, cap_len past its end, unknown
 *          syscall or family). */
int cap_ev_data(const void *ev, size_t size, struct sr_record *rec);
int cap_ev_conn(const void *ev, size_t size, struct sr_record *rec);

struct cap_ev_exec {
	const uint8_t *args; /* argv block (NUL separated) */
	size_t args_len;
	const uint8_t *env; /* environ block */
	size_t env_len;
	int args_cut, env_cut;	     /* the process had more than was sent */
	char cgroup[4 + 4 * 96 + 2]; /* "0::/a/b/c\n" from the kernel's view, "" if none */
	size_t cgroup_len;
	uint32_t scan; /* SR_SCAN_* of the exec-time opt-in scan */
	uint32_t uid;
	uint64_t start_ns; /* process start (boottime) */
};

/*! cap_ev_proc() :
 *  rec becomes SR_REC_PROC_EVENT; x (if not NULL) receives the rest of the
 *  event, for an exec the argv/environ blocks that followed it.
 *  @return 0, or -1 when malformed. */
int cap_ev_proc(const void *ev, size_t size, struct sr_record *rec, struct cap_ev_exec *x);

/* @return the event type (SR_EV_*) of ev, 0 when size is too short */
uint32_t cap_ev_type(const void *ev, size_t size);

/* @return the CPU that produced ev (any type), UINT32_MAX when malformed */
uint32_t cap_ev_cpu(const void *ev, size_t size);

#endif /* CAP_EVENTS_H */
