/* record.h - the sockrec record model shared by both binaries.
 *
 * A capture is a stream of records. Every container (.srz, .pcapng) stores
 * exactly this stream; readers give it back record for record. The byte
 * encoding of each record is specified in format/FORMAT.md ("Records").
 *
 * Invariants:
 *  - All integers are little-endian on disk; in memory they are host order.
 *  - Decoded records point into the reader's buffer (struct sr_bytes): they
 *    stay valid until the next call on that reader. Nothing is NUL-terminated
 *    unless said so; comm[] is always NUL-terminated after decoding.
 *  - Timestamps named *_ns without "wall" are CLOCK_BOOTTIME nanoseconds;
 *    wall = boot + capture_header.boot_to_wall_ns.
 *  - Addresses are 16 bytes; for IPv4 the address is in bytes 0..3 and the
 *    rest is zero. IPv4-mapped IPv6 addresses are stored as IPv4.
 *
 * Ownership: encoding reads the caller's record and writes into the caller's
 * buffer; decoding never allocates.
 */
#ifndef SR_RECORD_H
#define SR_RECORD_H

#include <stddef.h>
#include <stdint.h>

/* 1.1: process records end with environ_source; 1.2: TLS plaintext;
 * 2.0: compact data records in .srz blocks (types 10 and 11), which a 1.x
 * reader would skip as unknown types and so lose every data record */
#define SR_FORMAT_MAJOR 2
#define SR_FORMAT_MINOR 0

/* Every encoded record (8-byte header + body) fits in this many bytes. */
#define SR_MAX_RECORD (1024u * 1024u)
#define SR_RECORD_HDR 8u
/* Largest payload a data record carries (the maximum snaplen). */
#define SR_MAX_SNAPLEN (256u * 1024u)
#define SR_COMM_LEN 16

/* Caps the capture applies before encoding (documented in FORMAT.md). */
#define SR_MAX_CMDLINE (64u * 1024u)
#define SR_MAX_ENVIRON (256u * 1024u)
#define SR_MAX_CGROUP (16u * 1024u)
#define SR_MAX_DOC (512u * 1024u)

enum sr_type {
	SR_REC_CAPTURE_HEADER = 1,
	SR_REC_DATA = 2,
	SR_REC_CONN = 3,
	SR_REC_PROCESS = 4,
	SR_REC_CONTAINER = 5,
	SR_REC_LOSS = 6,
	SR_REC_END = 7,
	SR_REC_PROC_EVENT = 8,
	SR_REC_TLS = 9, /* minor 2: a TLS library of a target, probed or not */
	/* format 2: .srz block framing of data records (srz_compact.h), never
	 * records of the stream: the .srz reader expands them into SR_REC_DATA,
	 * sr_record_decode() and the writers refuse them */
	SR_REC_DATA_CTX = 10,
	SR_REC_DATA_COMPACT = 11,
};

/* syscall kinds (sr_data.syscall, sr_conn.syscall) */
enum sr_syscall {
	SR_SYS_READ = 1,
	SR_SYS_WRITE = 2,
	SR_SYS_READV = 3,
	SR_SYS_WRITEV = 4,
	SR_SYS_RECVFROM = 5,
	SR_SYS_SENDTO = 6,
	SR_SYS_RECVMSG = 7,
	SR_SYS_SENDMSG = 8,
	SR_SYS_SENDFILE = 9,
	SR_SYS_SPLICE = 10,
	SR_SYS_CONNECT = 11,
	SR_SYS_ACCEPT = 12,
	SR_SYS_ACCEPT4 = 13,
	SR_SYS_CLOSE = 14,
	SR_SYS_RECVMMSG = 15,
	SR_SYS_SENDMMSG = 16,
	/* minor 2: TLS plaintext, the library call that moved it */
	SR_SYS_SSL_READ = 17,
	SR_SYS_SSL_WRITE = 18,
	SR_SYS_SSL_READ_EX = 19,
	SR_SYS_SSL_WRITE_EX = 20,
	SR_SYS_GO_TLS_READ = 21,  /* Go: crypto/tls.(*Conn).Read */
	SR_SYS_GO_TLS_WRITE = 22, /* Go: crypto/tls.(*Conn).Write */
	SR_SYS_MAX_ = 23,
};

enum sr_dir {
	SR_DIR_SEND = 1, /* bytes left this process (egress) */
	SR_DIR_RECV = 2, /* bytes arrived at this process (ingress) */
};

/* sr_data.flags */
#define SR_DATA_TRUNCATED (1u << 0)  /* cap_len < bytes because of snaplen */
#define SR_DATA_NO_PAYLOAD (1u << 1) /* bytes moved, none copied (sendfile, splice) */
#define SR_DATA_READ_FAULT (1u << 2) /* copying the user buffer failed */
#define SR_DATA_SEQ_VALID (1u << 3)  /* tcp_seq holds the socket's stream position */
#define SR_DATA_TLS (1u << 4)        /* TLS plaintext from a library call (syscall 17-22) */
#define SR_DATA_TLS_CIPHER (1u << 5) /* moved inside a TLS library call: ciphertext */

/* sr_conn.kind */
enum sr_conn_kind {
	SR_CONN_CONNECT = 1,
	SR_CONN_ACCEPT = 2,
	SR_CONN_CLOSE = 3,
};

/* sr_process.flags */
#define SR_PROC_ENV_FILTERED (1u << 0)  /* environ holds only --env-prefix keys */
#define SR_PROC_ENV_REDACTED (1u << 1)  /* secret-looking values were replaced */
#define SR_PROC_ENV_TRUNCATED (1u << 2) /* environ cut at SR_MAX_ENVIRON */
#define SR_PROC_CMDLINE_TRUNCATED (1u << 3)
#define SR_PROC_TARGET_OPTIN (1u << 4) /* ADI_PROFILE opt-in */
#define SR_PROC_TARGET_PID (1u << 5)   /* named by --pid */
#define SR_PROC_TARGET_ALL (1u << 6)   /* --all */
#define SR_PROC_HAS_PROFILE (1u << 7)  /* adi_profile is present (may be empty) */
#define SR_PROC_HAS_NAME (1u << 8)     /* adi_profile_name is present */
#define SR_PROC_CMDLINE_REDACTED (1u << 9) /* secret-looking arguments were replaced */

/* sr_process.environ_source: where the stored environment was read */
enum sr_env_source {
	SR_ENV_SRC_UNKNOWN = 0, /* not said: a record of format minor 0 */
	SR_ENV_SRC_PROC = 1,	/* /proc/PID/environ */
	SR_ENV_SRC_LIVE = 2,	/* libc's environ array, read from the process's memory */
	SR_ENV_SRC_EXEC = 3,	/* the kernel's copy at the exec of the process (or of the
				 * ancestor it forked from during the capture) */
};

/* Marker that replaces a redacted environment value. */
#define SR_REDACTED "[REDACTED]"

/* sr_proc_event.kind */
enum sr_proc_kind {
	SR_PROC_FORK = 1,
	SR_PROC_EXEC = 2,
	SR_PROC_EXIT = 3,
};

/* sr_capture_header.flags */
#define SR_CAP_ALL (1u << 0)      /* --all: every process is a target */
#define SR_CAP_REDACT (1u << 1)   /* secret env values redacted (default) */
#define SR_CAP_ALLOW_SET (1u << 2) /* --allow / ADI_PROFILE_ALLOWED given */

/* sr_end.reason */
enum sr_end_reason {
	SR_END_SIGNAL = 1,
	SR_END_DURATION = 2,
	SR_END_ERROR = 3,
	SR_END_CONVERTED = 4,
};

struct sr_bytes {
	const uint8_t *ptr;
	uint32_t len;
};

struct sr_capture_header {
	uint64_t start_wall_ns;   /* Unix time the capture started, ns */
	int64_t boot_to_wall_ns;  /* wall = boottime + this */
	uint32_t snaplen;         /* payload bytes kept per syscall */
	uint32_t flags;           /* SR_CAP_* */
	uint32_t ring_size;       /* BPF ring buffer bytes */
	uint32_t ncpus;           /* possible CPUs (loss records count these) */
	struct sr_bytes tool_version;
	struct sr_bytes hostname;
	struct sr_bytes kernel_release;
	struct sr_bytes allow;      /* --allow list as given, comma separated */
	struct sr_bytes env_prefix; /* --env-prefix list as given */
	struct sr_bytes pids;       /* --pid values, comma separated */
	struct sr_bytes argv;       /* sockrec's own argv, NUL separated */
	struct sr_bytes paths;      /* how the kernel side recorded ("hooks=... copy=... core=..."); empty in older archives */
};

struct sr_data {
	uint64_t ts_ns;   /* boottime at syscall exit */
	uint32_t tgid;
	uint32_t tid;
	uint64_t sock_id; /* socket inode number (socket:[N] in /proc/PID/fd) */
	int32_t fd;
	uint16_t syscall; /* enum sr_syscall */
	uint8_t dir;      /* enum sr_dir */
	uint8_t family;   /* 4 or 6 */
	uint8_t laddr[16];
	uint8_t raddr[16];
	uint16_t lport;
	uint16_t rport;
	uint32_t flags;   /* SR_DATA_* */
	uint32_t tcp_seq; /* stream position after the call (write_seq / copied_seq) */
	uint64_t bytes;   /* bytes the syscall moved, before truncation */
	char comm[SR_COMM_LEN];
	struct sr_bytes payload; /* first min(bytes, snaplen) bytes moved */
};

struct sr_conn {
	uint64_t ts_ns;
	uint32_t tgid;
	uint32_t tid;
	uint64_t sock_id;
	int32_t fd;
	int32_t ret;      /* syscall return: 0/fd on success, -errno on failure */
	uint16_t syscall; /* enum sr_syscall */
	uint8_t kind;     /* enum sr_conn_kind */
	uint8_t family;   /* 4 or 6, 0 when unknown */
	uint8_t laddr[16];
	uint8_t raddr[16];
	uint16_t lport;
	uint16_t rport;
	char comm[SR_COMM_LEN];
};

struct sr_process {
	uint64_t ts_ns;       /* boottime when /proc was read */
	uint64_t start_ticks; /* /proc/PID/stat starttime: tells reused pids apart */
	uint32_t pid;
	uint32_t ppid;
	uint32_t uid;
	uint32_t flags;       /* SR_PROC_* */
	struct sr_bytes comm;
	struct sr_bytes exe;
	struct sr_bytes cmdline;     /* raw, NUL separated */
	struct sr_bytes environ;     /* KEY=VALUE NUL separated, as stored (see flags) */
	struct sr_bytes cgroup;      /* raw /proc/PID/cgroup */
	struct sr_bytes container_id;
	struct sr_bytes adi_profile;      /* ADI_PROFILE value (flags say if present) */
	struct sr_bytes adi_profile_name; /* ADI_PROFILE_NAME value */
	struct sr_bytes error;       /* why /proc could not be read; empty if fine */
	uint32_t environ_source;     /* enum sr_env_source (after error on disk) */
};

struct sr_container {
	uint64_t ts_ns;
	struct sr_bytes id;
	struct sr_bytes runtime; /* "docker", "containerd", "cri-o", "podman" */
	struct sr_bytes name;
	struct sr_bytes image;
	struct sr_bytes labels;  /* KEY=VALUE NUL separated */
	struct sr_bytes addrs;   /* IP addresses as text, NUL separated */
	struct sr_bytes doc;     /* the raw metadata document (JSON) */
	struct sr_bytes error;   /* why metadata could not be fetched */
};

/* Counters are cumulative since the capture started. */
struct sr_loss_cpu {
	uint32_t cpu;
	uint32_t reserved;
	uint64_t events;      /* events submitted to the ring */
	uint64_t ring_full;   /* events lost: ring buffer full */
	uint64_t read_fault;  /* payload copies that failed */
	uint64_t truncated;   /* events whose payload was cut at snaplen */
	uint64_t other;       /* events lost for any other reason */
};

#define SR_MAX_LOSS_CPUS 4096

struct sr_loss {
	uint64_t ts_ns;
	uint64_t proc_errors;   /* process snapshots that failed */
	uint64_t user_dropped;  /* records userspace could not write */
	uint32_t ncpu;          /* entries in cpu[] */
	struct sr_bytes cpus;   /* ncpu encoded struct sr_loss_cpu, 48 bytes each */
};

struct sr_end {
	uint64_t ts_ns;
	uint64_t end_wall_ns;
	uint64_t records;   /* records written before this one */
	uint32_t reason;    /* enum sr_end_reason */
	uint32_t reserved;
};

struct sr_proc_event {
	uint64_t ts_ns;
	uint32_t pid;       /* tgid of the process */
	uint32_t ppid;      /* parent tgid (fork) */
	uint32_t tid;
	uint32_t kind;      /* enum sr_proc_kind */
	int32_t exit_code;  /* exit: the status the kernel reports */
	uint32_t target;    /* nonzero when the process is a capture target */
	char comm[SR_COMM_LEN];
};

/* sr_tls.status */
enum sr_tls_status {
	SR_TLS_PROBED = 1,     /* the library's functions are probed: plaintext follows */
	SR_TLS_NOT_PROBED = 2, /* they could not be: error says why; the ciphertext is all */
};

/* A TLS library a target maps (one record per process and library file). */
struct sr_tls {
	uint64_t ts_ns;
	uint32_t pid;
	uint32_t status;       /* enum sr_tls_status */
	uint64_t inode;        /* the library file's inode (the probes are per file) */
	struct sr_bytes library; /* "OpenSSL 3.0.19", as far as known */
	struct sr_bytes path;    /* the file as the process maps it */
	struct sr_bytes error;   /* why it is not probed; empty when it is */
};

struct sr_record {
	uint16_t type;   /* enum sr_type, or an unknown type */
	uint16_t rflags; /* record header flags (reserved, 0) */
	uint8_t compact; /* a data record the .srz reader expanded from a compact
			  * record (type 11): body is that record's body */
	union {
		struct sr_capture_header hdr;
		struct sr_data data;
		struct sr_conn conn;
		struct sr_process proc;
		struct sr_container ctr;
		struct sr_loss loss;
		struct sr_end end;
		struct sr_proc_event pev;
		struct sr_tls tls;
	};
	struct sr_bytes body; /* the encoded body as read (all types) */
};

/* sr_bytes helpers */
static inline struct sr_bytes sr_str(const char *s);

/*! sr_record_size() :
 *  A record of a type this version does not know is encoded from rec->body
 *  as is (so converting a newer archive keeps what it cannot read). Types
 *  10 and 11 are .srz framing, not records: invalid here.
 *  @return the encoded size (header + body) of rec, or 0 if rec is invalid
 *          (type 0, a field over its cap, or larger than SR_MAX_RECORD). */
size_t sr_record_size(const struct sr_record *rec);

/*! sr_record_encode() :
 *  Encodes rec (header + body) into dst.
 *  @return bytes written, or 0 if dst_cap is too small or rec is invalid. */
size_t sr_record_encode(const struct sr_record *rec, uint8_t *dst, size_t dst_cap);

/*! sr_record_decode() :
 *  Decodes one record from src (header + body). rec points into src.
 *  Unknown types decode as just type + body. Types 10 and 11 (compact
 *  .srz framing) are invalid here: srz_reader_next() expands them. Known types with trailing
 *  bytes (a newer minor version) decode; the extra bytes are ignored.
 *  @return bytes consumed (> 0); 0 when src holds less than a whole record
 *          (truncated); -1 when the bytes are invalid (err, if given,
 *          receives the reason). */
long sr_record_decode(const uint8_t *src, size_t src_len, struct sr_record *rec,
		      char *err, size_t err_cap);

/*! sr_loss_cpu_get() : decodes entry i of a loss record's cpus[].
 *  @return 0, or -1 if i is out of range. */
int sr_loss_cpu_get(const struct sr_loss *loss, uint32_t i, struct sr_loss_cpu *out);
/*! sr_loss_cpu_put() : encodes one entry (48 bytes) into dst. */
void sr_loss_cpu_put(const struct sr_loss_cpu *c, uint8_t dst[48]);

const char *sr_type_name(uint16_t type);
const char *sr_syscall_name(uint16_t sys);

static inline struct sr_bytes sr_str(const char *s)
{
	struct sr_bytes b = { (const uint8_t *)s, 0 };
	if (s)
		while (s[b.len])
			b.len++;
	return b;
}

#endif /* SR_RECORD_H */
