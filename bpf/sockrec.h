/* sockrec.h - the contract between bpf/sockrec.bpf.c and capture/.
 *
 * Only constants and fixed-layout structs with __u8..__u64 fields; no
 * includes (the BPF side gets the types from vmlinux.h, userspace from
 * <linux/types.h>). Every event starts with a __u32 type. A variable
 * payload sits at the end and only the used bytes travel in the ring:
 * SR_EV_DATA_SIZE(e) is what the kernel reserved for e.
 *
 * Byte order: ports are host order, addresses network order as in the
 * socket (16 bytes, IPv4 in bytes 0..3). family is the raw AF_INET (2) /
 * AF_INET6 (10); userspace maps it to 4/6 and folds v4-mapped addresses.
 */
#ifndef SOCKREC_BPF_H
#define SOCKREC_BPF_H

/* ring event types */
#define SR_EV_DATA 1 /* struct sr_ev_data + payload */
#define SR_EV_CONN 2 /* struct sr_ev_conn */
#define SR_EV_PROC 3 /* struct sr_ev_proc (+ argv and environ blocks on exec) */

/* targets map values: why a tgid is captured (several may be set) */
#define SR_TGT_OPTIN (1u << 0) /* ADI_PROFILE opt-in (decided at exec or /proc scan) */
#define SR_TGT_PID (1u << 1)   /* --pid, or a child of such a process */
#define SR_TGT_ALL (1u << 2)   /* --all */

/* Bounds the kernel side works under (verifier-friendly constants). */
#define SR_BPF_MAX_SNAPLEN (256u * 1024u)	    /* largest -s */
#define SR_BPF_TINY 128u			    /* payloads up to these go in fixed-size */
#define SR_BPF_SMALL 512u			    /* ring slots (two sizes) */
#define SR_BPF_MAX_IOV 64u			    /* iovecs copied per syscall */
#define SR_BPF_MAX_MMSG 8u			    /* messages per sendmmsg/recvmmsg */
#define SR_BPF_ALLOW_LEN 64u			    /* allow-map key: value + NUL, zero padded */
#define SR_BPF_ALLOW_MAX 64u			    /* entries in the allow map */
#define SR_BPF_ENV_SCAN_CHUNK 128u		    /* bytes read per env string step */
#define SR_BPF_ENV_SCAN_STEPS 4096u		    /* steps before the exec scan gives up */
#define SR_BPF_ENV_SCAN_STEPS_COMPAT 512u	    /* the same, in a bounded loop (no bpf_loop) */
#define SR_BPF_SCRATCH_HDR 512u			    /* scratch bytes before its data area (>= any event's fixed part) */
#define SR_BPF_EXEC_ARGS_MAX (16u * 1024u)	    /* argv bytes sent with an exec */
#define SR_BPF_EXEC_ENV_MAX (64u * 1024u)	    /* environ bytes sent with an exec */
#define SR_BPF_PID_LIMIT 4194304u		    /* PID_MAX_LIMIT (64-bit) */
#define SR_BPF_FDSEEN_SLOTS 256u		    /* per-CPU seen-socket slots (power of 2) */
#define SR_BPF_CGROUP_DEPTH 4u			    /* cgroup v2 path components sent (leaf up) */
#define SR_BPF_CGROUP_NAME 96u			    /* bytes per component, NUL included */
#define SR_BPF_TARGET_WORDS (SR_BPF_PID_LIMIT / 64) /* target_bits entries */
#define SR_BPF_GO_BINS 64u			    /* Go executables probed for TLS */

/* Values the kernel writes into events. They equal the constants of
 * format/record.h (SR_DATA_*, enum sr_dir, enum sr_conn_kind, enum
 * sr_proc_kind); capture/events.c asserts that at compile time. syscall
 * fields hold the x86_64 syscall number; userspace maps it. */
#define SR_EVF_TRUNCATED (1u << 0)
#define SR_EVF_NO_PAYLOAD (1u << 1)
#define SR_EVF_READ_FAULT (1u << 2)
#define SR_EVF_SEQ_VALID (1u << 3)
#define SR_EVF_TLS (1u << 4)	     /* plaintext a TLS library call moved (uprobe) */
#define SR_EVF_TLS_CIPHER (1u << 5) /* moved inside a TLS library call: its ciphertext */
#define SR_EVD_SEND 1
#define SR_EVD_RECV 2
#define SR_EVC_CONNECT 1
#define SR_EVC_ACCEPT 2
#define SR_EVC_CLOSE 3

/* sr_ev_data.syscall of TLS plaintext: not syscalls, the library call
 * (numbers past any x86_64 syscall; userspace maps them) */
#define SR_NR_SSL_READ 1000
#define SR_NR_SSL_WRITE 1001
#define SR_NR_SSL_READ_EX 1002
#define SR_NR_SSL_WRITE_EX 1003
#define SR_NR_SSL_HANDSHAKE 1004 /* SSL_do_handshake: no data, only attribution */
#define SR_NR_GO_TLS_READ 1005	 /* Go: crypto/tls.(*Conn).Read */
#define SR_NR_GO_TLS_WRITE 1006	 /* Go: crypto/tls.(*Conn).Write */
#define SR_NR_GO_TLS_CLIENT_HS 1007 /* Go: (*Conn).clientHandshake: no data, marks the socket */
#define SR_NR_GO_TLS_SERVER_HS 1008 /* Go: (*Conn).serverHandshake: the same */

/* sr_ev_proc.kind */
#define SR_EV_PROC_FORK 1
#define SR_EV_PROC_EXEC 2
#define SR_EV_PROC_EXIT 3

/* sr_ev_proc.scan: how the exec-time opt-in scan went */
#define SR_SCAN_COMPLETE 0
#define SR_SCAN_INCOMPLETE 1 /* environ larger than the scan covers */
#define SR_SCAN_FAULT 2	     /* environ not readable */

/* The socket a data or conn event is about. */
struct sr_ev_sock {
	__u64 sock_id; /* socket inode number */
	__s32 fd;
	__u16 family; /* AF_INET / AF_INET6 */
	__u16 lport;
	__u16 rport;
	__u16 pad;
	__u32 pad2;
	__u8 laddr[16];
	__u8 raddr[16];
};

struct sr_ev_data {
	__u32 type;    /* SR_EV_DATA */
	__u32 cap_len; /* payload bytes following this struct */
	__u64 ts_ns;   /* CLOCK_BOOTTIME at syscall exit */
	__u32 tgid;
	__u32 tid;
	__u64 bytes;   /* bytes the syscall moved, before truncation */
	__u32 flags;   /* SR_EVF_* */
	__u32 tcp_seq; /* write_seq (send) / copied_seq (recv) after the call */
	__u16 syscall; /* x86_64 syscall number */
	__u8 dir;      /* SR_EVD_* */
	__u8 pad;
	__u32 cpu;	/* where the event was produced (userspace counts per CPU) */
	__u64 start_ns; /* process start time (boottime): tells reused pids apart */
	char comm[16];
	struct sr_ev_sock sock;
	__u8 data[];
};

struct sr_ev_conn {
	__u32 type; /* SR_EV_CONN */
	__s32 ret;  /* syscall return */
	__u64 ts_ns;
	__u32 tgid;
	__u32 tid;
	__u16 syscall; /* x86_64 syscall number */
	__u8 kind;     /* SR_EVC_* */
	__u8 pad;
	__u32 cpu;
	__u64 start_ns;
	char comm[16];
	struct sr_ev_sock sock;
};

struct sr_ev_proc {
	__u32 type; /* SR_EV_PROC */
	__u32 kind; /* SR_EV_PROC_* */
	__u64 ts_ns;
	__u64 start_ns; /* task start time (boottime), tells reused pids apart */
	__u32 pid;	/* tgid */
	__u32 ppid;	/* parent tgid */
	__u32 tid;
	__s32 exit_code; /* exit: task->exit_code */
	__u32 target;	 /* SR_TGT_* (0: not a target) */
	__u32 uid;
	__u32 args_len;	 /* exec: argv bytes that follow */
	__u32 env_len;	 /* exec: environ bytes after argv */
	__u32 args_full; /* exec: size of the argv block in the process */
	__u32 env_full;	 /* exec: size of the environ block in the process */
	__u32 scan;	 /* SR_SCAN_* */
	__u32 cpu;
	char comm[16];
	/* the cgroup v2 path, last components first ("<id>", "docker", "" ...):
	 * the container of a process gone before /proc could be read */
	char cgroup[SR_BPF_CGROUP_DEPTH][SR_BPF_CGROUP_NAME];
	__u8 data[];
};

/* A Go executable whose crypto/tls is probed: the go_bins map, keyed by
 * the inode number of the file (what the BPF side reads from
 * task->mm->exe_file), filled by userspace before it attaches the probes
 * (capture/tls.c). Not by device too: on overlayfs (containers) stat()
 * reports another st_dev than the superblock the kernel holds, while the
 * inode number agrees; userspace refuses a second file with the same
 * number. Addresses are the ELF's (link time); the BPF side adds the load
 * bias, which it gets from the probed entry's run-time address, so PIE
 * works too. Offsets are those of the Go version the file was built with. */
struct sr_go_bin {
	__u64 read_addr;      /* crypto/tls.(*Conn).Read */
	__u64 write_addr;     /* crypto/tls.(*Conn).Write */
	__u64 client_hs_addr; /* crypto/tls.(*Conn).clientHandshake (0: not probed) */
	__u64 server_hs_addr; /* crypto/tls.(*Conn).serverHandshake (0: not probed) */
	__u64 tcp_close_addr; /* net.(*TCPConn).Close: fun[0] of the net.Conn itab of a *net.TCPConn */
	__u32 off_conn;	      /* tls.Conn.conn, a net.Conn: itab pointer, then data pointer */
	__u32 off_fd;	      /* net.TCPConn (its conn) .fd, a *netFD */
	__u32 off_sysfd;      /* netFD.pfd.Sysfd, an int */
	__u32 pad;
	__u64 foreign_conn; /* calls on a net.Conn that is not a *net.TCPConn: not
			     * recorded (the BPF side counts; userspace reports) */
};

/* Per-CPU loss counters (one PERCPU_ARRAY entry); cumulative. Events that
 * reached the ring are counted by userspace (each carries its cpu), which
 * keeps an atomic off the hot path. */
struct sr_bpf_counters {
	__u64 ring_full;  /* events lost: ring reservation failed */
	__u64 read_fault; /* payload or iovec copies that failed */
	__u64 truncated;  /* events whose payload was cut (snaplen, iovec bound) */
	__u64 other;	  /* lost for any other reason (maps full, scan bound) */
};

#define SR_EV_DATA_SIZE(e) (sizeof(struct sr_ev_data) + (e)->cap_len)

#endif /* SOCKREC_BPF_H */
