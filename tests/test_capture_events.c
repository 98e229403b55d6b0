/* test_capture_events.c - ring events to records (capture/events.c) and the
 * /proc snapshot reader (capture/procsnap.c) on a fake /proc tree.
 *
 * Properties under test:
 *  - a data event becomes a data record with every field, the payload is
 *    the bytes after the fixed part, IPv4 sits in bytes 0..3, v4-mapped
 *    IPv6 pairs fold to IPv4, real IPv6 stays;
 *  - events that lie about their size (short, cap_len past the end or over
 *    bytes, exec blocks past the end) and unknown syscalls are refused;
 *  - a proc exec event exposes its argv/environ blocks;
 *  - /proc/PID/stat with a hostile comm ("a) (b") parses; status gives the
 *    uid; a vanished environ gives the seed's error text; caps are flagged.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "events.h"
#include "procsnap.h"
#include "record.h"
#include "sockrec.h"

static const uint8_t v4_l[16] = {127, 0, 0, 1}, v4_r[16] = {10, 1, 2, 3};

static uint8_t *data_event(size_t payload, size_t *size)
{
	struct sr_ev_data e;
	uint8_t *buf;
	size_t i;

	memset(&e, 0, sizeof(e));
	e.type = SR_EV_DATA;
	e.cap_len = payload;
	e.ts_ns = 123456789;
	e.tgid = 42;
	e.tid = 43;
	e.bytes = 1000;
	e.flags = SR_EVF_TRUNCATED | SR_EVF_SEQ_VALID;
	e.tcp_seq = 0xfffffff0;
	e.syscall = 46; /* sendmsg */
	e.dir = SR_EVD_SEND;
	e.cpu = 1;
	memcpy(e.comm, "curl\0garbage....", 16);
	e.sock.sock_id = 99;
	e.sock.fd = 5;
	e.sock.family = AF_INET;
	e.sock.lport = 40000;
	e.sock.rport = 8080;
	memcpy(e.sock.laddr, v4_l, 16);
	memcpy(e.sock.raddr, v4_r, 16);
	*size = sizeof(e) + payload;
	buf = malloc(*size);
	memcpy(buf, &e, sizeof(e));
	for (i = 0; i < payload; i++)
		buf[sizeof(e) + i] = (uint8_t)i;
	return buf;
}

static void test_data_event(void **state)
{
	struct sr_record rec;
	size_t size, i;
	uint8_t *ev = data_event(300, &size);

	(void)state;
	assert_int_equal(cap_ev_type(ev, size), SR_EV_DATA);
	assert_int_equal(cap_ev_cpu(ev, size), 1);
	assert_int_equal(cap_ev_data(ev, size, &rec), 0);
	assert_int_equal(rec.type, SR_REC_DATA);
	assert_int_equal(rec.data.ts_ns, 123456789);
	assert_int_equal(rec.data.tgid, 42);
	assert_int_equal(rec.data.tid, 43);
	assert_int_equal(rec.data.sock_id, 99);
	assert_int_equal(rec.data.fd, 5);
	assert_int_equal(rec.data.syscall, SR_SYS_SENDMSG);
	assert_int_equal(rec.data.dir, SR_DIR_SEND);
	assert_int_equal(rec.data.family, 4);
	assert_memory_equal(rec.data.laddr, v4_l, 16);
	assert_memory_equal(rec.data.raddr, v4_r, 16);
	assert_int_equal(rec.data.lport, 40000);
	assert_int_equal(rec.data.rport, 8080);
	assert_int_equal(rec.data.flags, SR_DATA_TRUNCATED | SR_DATA_SEQ_VALID);
	assert_int_equal(rec.data.tcp_seq, 0xfffffff0);
	assert_int_equal(rec.data.bytes, 1000);
	assert_string_equal(rec.data.comm, "curl");
	assert_int_equal(rec.data.payload.len, 300);
	for (i = 0; i < 300; i++)
		assert_int_equal(rec.data.payload.ptr[i], (uint8_t)i);
	assert_ptr_equal(rec.data.payload.ptr, ev + sizeof(struct sr_ev_data));
	free(ev);
}

static void test_bad_data_events(void **state)
{
	struct sr_record rec;
	struct sr_ev_data *e;
	size_t size;
	uint8_t *ev = data_event(16, &size);

	(void)state;
	e = (struct sr_ev_data *)ev;
	assert_int_equal(cap_ev_data(ev, sizeof(*e) - 1, &rec), -1); /* short */
	assert_int_equal(cap_ev_cpu(ev, sizeof(*e) - 1), UINT32_MAX);
	assert_int_equal(cap_ev_data(ev, size - 1, &rec), -1); /* payload past the end */
	e->bytes = 15;					       /* copied more than moved */
	assert_int_equal(cap_ev_data(ev, size, &rec), -1);
	e->bytes = 1000;
	e->syscall = 39; /* getpid: never traced */
	assert_int_equal(cap_ev_data(ev, size, &rec), -1);
	e->syscall = 0;
	e->sock.family = AF_UNIX;
	assert_int_equal(cap_ev_data(ev, size, &rec), -1);
	e->sock.family = AF_INET;
	e->dir = 3;
	assert_int_equal(cap_ev_data(ev, size, &rec), -1);
	e->dir = SR_EVD_RECV;
	assert_int_equal(cap_ev_data(ev, size, &rec), 0);
	assert_int_equal(rec.data.syscall, SR_SYS_READ);
	e->type = SR_EV_CONN;
	assert_int_equal(cap_ev_data(ev, size, &rec), -1);
	free(ev);
}

static void test_addresses(void **state)
{
	uint8_t l[16], r[16];
	uint8_t m1[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
	uint8_t m2[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 1, 9};
	uint8_t lo6[16] = {[15] = 1}, zero[16] = {0};
	uint8_t dirty4[16] = {1, 2, 3, 4, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};

	(void)state;
	assert_int_equal(cap_addr_normalize(AF_INET6, m1, m2, l, r), 4);
	assert_memory_equal(l, ((uint8_t[16]){127, 0, 0, 1}), 16);
	assert_memory_equal(r, ((uint8_t[16]){192, 168, 1, 9}), 16);
	/* a mapped side with an unspecified other side (unconnected) folds too */
	assert_int_equal(cap_addr_normalize(AF_INET6, m1, zero, l, r), 4);
	assert_memory_equal(r, zero, 16);
	/* ::1 stays IPv6; a mapped address paired with real IPv6 stays as is */
	assert_int_equal(cap_addr_normalize(AF_INET6, lo6, lo6, l, r), 6);
	assert_memory_equal(l, lo6, 16);
	assert_int_equal(cap_addr_normalize(AF_INET6, m1, lo6, l, r), 6);
	assert_memory_equal(l, m1, 16);
	/* IPv4: only bytes 0..3, whatever the rest held */
	assert_int_equal(cap_addr_normalize(AF_INET, dirty4, dirty4, l, r), 4);
	assert_memory_equal(l, ((uint8_t[16]){1, 2, 3, 4}), 16);
	assert_int_equal(cap_addr_normalize(AF_UNIX, dirty4, dirty4, l, r), 0);
	/* in place */
	memcpy(l, m1, 16);
	memcpy(r, m2, 16);
	assert_int_equal(cap_addr_normalize(AF_INET6, l, r, l, r), 4);
	assert_memory_equal(l, ((uint8_t[16]){127, 0, 0, 1}), 16);
}

static void test_syscall_map(void **state)
{
	(void)state;
	assert_int_equal(cap_syscall_from_nr(0), SR_SYS_READ);
	assert_int_equal(cap_syscall_from_nr(1), SR_SYS_WRITE);
	assert_int_equal(cap_syscall_from_nr(3), SR_SYS_CLOSE);
	assert_int_equal(cap_syscall_from_nr(20), SR_SYS_WRITEV);
	assert_int_equal(cap_syscall_from_nr(327), SR_SYS_READV);  /* preadv2 */
	assert_int_equal(cap_syscall_from_nr(328), SR_SYS_WRITEV); /* pwritev2 */
	assert_int_equal(cap_syscall_from_nr(40), SR_SYS_SENDFILE);
	assert_int_equal(cap_syscall_from_nr(275), SR_SYS_SPLICE);
	assert_int_equal(cap_syscall_from_nr(288), SR_SYS_ACCEPT4);
	assert_int_equal(cap_syscall_from_nr(299), SR_SYS_RECVMMSG);
	assert_int_equal(cap_syscall_from_nr(307), SR_SYS_SENDMMSG);
	assert_int_equal(cap_syscall_from_nr(2), 0); /* open */
	/* TLS plaintext: the library call, not a syscall */
	assert_int_equal(cap_syscall_from_nr(SR_NR_SSL_READ), SR_SYS_SSL_READ);
	assert_int_equal(cap_syscall_from_nr(SR_NR_SSL_WRITE), SR_SYS_SSL_WRITE);
	assert_int_equal(cap_syscall_from_nr(SR_NR_SSL_READ_EX), SR_SYS_SSL_READ_EX);
	assert_int_equal(cap_syscall_from_nr(SR_NR_SSL_WRITE_EX), SR_SYS_SSL_WRITE_EX);
	assert_int_equal(cap_syscall_from_nr(SR_NR_GO_TLS_READ), SR_SYS_GO_TLS_READ);
	assert_int_equal(cap_syscall_from_nr(SR_NR_GO_TLS_WRITE), SR_SYS_GO_TLS_WRITE);
	assert_int_equal(cap_syscall_from_nr(SR_NR_GO_TLS_CLIENT_HS), 0); /* never a record */
	assert_int_equal(cap_syscall_from_nr(SR_NR_SSL_HANDSHAKE), 0); /* never a data event */
	assert_string_equal(sr_syscall_name(SR_SYS_SSL_WRITE_EX), "SSL_write_ex");
}

/* A TLS plaintext event: flag TLS, no tcp_seq, the library call as its
 * syscall, and the socket of its ciphertext. */
static void test_tls_data_event(void **state)
{
	struct sr_record rec;
	size_t size;
	uint8_t *ev = data_event(300, &size);
	struct sr_ev_data e;

	(void)state;
	memcpy(&e, ev, sizeof(e));
	e.flags = SR_EVF_TLS | SR_EVF_TRUNCATED;
	e.syscall = SR_NR_SSL_READ_EX;
	e.dir = SR_EVD_RECV;
	memcpy(ev, &e, sizeof(e));
	assert_int_equal(cap_ev_data(ev, size, &rec), 0);
	assert_int_equal(rec.data.syscall, SR_SYS_SSL_READ_EX);
	assert_int_equal(rec.data.flags, SR_DATA_TLS | SR_DATA_TRUNCATED);
	assert_int_equal(rec.data.sock_id, 99);
	assert_int_equal(rec.data.lport, 40000);
	free(ev);
}

static void test_conn_event(void **state)
{
	struct sr_ev_conn e;
	struct sr_record rec;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.type = SR_EV_CONN;
	e.ret = -111;
	e.tgid = 7;
	e.syscall = 42;
	e.kind = SR_EVC_CONNECT;
	e.sock.family = AF_INET6;
	e.sock.laddr[15] = 1;
	e.sock.raddr[15] = 1;
	e.sock.rport = 443;
	assert_int_equal(cap_ev_conn(&e, sizeof(e), &rec), 0);
	assert_int_equal(rec.type, SR_REC_CONN);
	assert_int_equal(rec.conn.ret, -111);
	assert_int_equal(rec.conn.kind, SR_CONN_CONNECT);
	assert_int_equal(rec.conn.syscall, SR_SYS_CONNECT);
	assert_int_equal(rec.conn.family, 6);
	assert_int_equal(rec.conn.rport, 443);
	e.kind = 4;
	assert_int_equal(cap_ev_conn(&e, sizeof(e), &rec), -1);
	e.kind = SR_EVC_CLOSE;
	assert_int_equal(cap_ev_conn(&e, sizeof(e) - 8, &rec), -1);
}

static void test_proc_event(void **state)
{
	struct {
		struct sr_ev_proc e;
		char blocks[32];
	} ev;
	struct sr_record rec;
	struct cap_ev_exec x;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.e.type = SR_EV_PROC;
	ev.e.kind = SR_EV_PROC_EXEC;
	ev.e.pid = 100;
	ev.e.ppid = 1;
	ev.e.target = SR_TGT_OPTIN;
	ev.e.args_len = 8;
	ev.e.env_len = 6;
	ev.e.args_full = 8;
	ev.e.env_full = 600;
	memcpy(ev.blocks, "curl\0-s\0A=1\0B=", 14);
	memcpy(ev.e.comm, "curl", 5);
	assert_int_equal(cap_ev_proc(&ev, sizeof(ev.e) + 14, &rec, &x), 0);
	assert_int_equal(rec.type, SR_REC_PROC_EVENT);
	assert_int_equal(rec.pev.kind, SR_PROC_EXEC);
	assert_int_equal(rec.pev.pid, 100);
	assert_int_equal(rec.pev.target, SR_TGT_OPTIN);
	assert_string_equal(rec.pev.comm, "curl");
	assert_int_equal(x.args_len, 8);
	assert_memory_equal(x.args, "curl\0-s\0", 8);
	assert_int_equal(x.env_len, 6);
	assert_memory_equal(x.env, "A=1\0B=", 6);
	assert_false(x.args_cut);
	assert_true(x.env_cut);
	/* blocks that do not fit in the event */
	assert_int_equal(cap_ev_proc(&ev, sizeof(ev.e) + 13, &rec, &x), -1);
	ev.e.args_len = 0xffffffff;
	assert_int_equal(cap_ev_proc(&ev, sizeof(ev), &rec, &x), -1);
	ev.e.args_len = 8;
	ev.e.kind = 9;
	assert_int_equal(cap_ev_proc(&ev, sizeof(ev), &rec, &x), -1);
}

/* The kernel sends the last cgroup path components, leaf first; userspace
 * turns them into a /proc/PID/cgroup-like line the cgroup parser reads. */
static void test_proc_event_cgroup(void **state)
{
	struct sr_ev_proc e;
	struct sr_record rec;
	struct cap_ev_exec x;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.type = SR_EV_PROC;
	e.kind = SR_EV_PROC_FORK;
	strcpy(e.cgroup[0], "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	strcpy(e.cgroup[1], "docker");
	strcpy(e.cgroup[2], ""); /* the root has no name */
	assert_int_equal(cap_ev_proc(&e, sizeof(e), &rec, &x), 0);
	assert_string_equal(x.cgroup,
			    "0::/docker/"
			    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n");
	assert_int_equal(x.cgroup_len, strlen(x.cgroup));
	/* a deep path keeps its last components */
	strcpy(e.cgroup[0], "cri-containerd-x.scope");
	strcpy(e.cgroup[1], "kubepods-burstable-pod1.slice");
	strcpy(e.cgroup[2], "kubepods-burstable.slice");
	strcpy(e.cgroup[3], "kubepods.slice");
	assert_int_equal(cap_ev_proc(&e, sizeof(e), &rec, &x), 0);
	assert_string_equal(x.cgroup, "0::/kubepods.slice/kubepods-burstable.slice/"
				      "kubepods-burstable-pod1.slice/cri-containerd-x.scope\n");
	/* the root cgroup only: nothing */
	memset(e.cgroup, 0, sizeof(e.cgroup));
	strcpy(e.cgroup[0], "/");
	assert_int_equal(cap_ev_proc(&e, sizeof(e), &rec, &x), 0);
	assert_int_equal(x.cgroup_len, 0);
	/* a name without its NUL (the kernel cut it) stays inside its slot */
	memset(e.cgroup, 'a', sizeof(e.cgroup));
	assert_int_equal(cap_ev_proc(&e, sizeof(e), &rec, &x), 0);
	assert_int_equal(x.cgroup_len, 3 + SR_BPF_CGROUP_DEPTH * SR_BPF_CGROUP_NAME + 1);
}

/* ---- /proc snapshots on a fake tree ---- */

static char root[64];

static void put(const char *rel, const void *data, size_t len)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static int setup_tree(void **state)
{
	char path[128];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_capture_proc.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(path, sizeof(path), "%s/4242", root);
	mkdir(path, 0700);
	return 0;
}

static int teardown_tree(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void test_parse_stat(void **state)
{
	static const char stat[] =
	    "4242 (a) (b) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 "
	    "1000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
	char comm[64], st;
	uint32_t ppid;
	uint64_t start;

	(void)state;
	assert_int_equal(
	    cap_snap_parse_stat(stat, strlen(stat), comm, sizeof(comm), &st, &ppid, &start), 0);
	assert_string_equal(comm, "a) (b");
	assert_int_equal(st, 'S');
	assert_int_equal(ppid, 17);
	assert_int_equal(start, 987654);
	assert_int_equal(
	    cap_snap_parse_stat("42 (x) S 1 2", 12, comm, sizeof(comm), &st, &ppid, &start), -1);
	assert_int_equal(
	    cap_snap_parse_stat("no parens", 9, comm, sizeof(comm), &st, &ppid, &start), -1);
}

static void test_snapshot(void **state)
{
	static const char stat[] = "4242 (nginx) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 "
				   "0 5555 1 1 1\n";
	static const char env[] = "ADI_PROFILE=local\0PATH=/bin\0";
	static const char status[] = "Name:\tnginx\nPPid:\t1\nUid:\t33\t33\t33\t33\nGid:\t0\n";
	static const char cgroup[] = "0::/system.slice/nginx.service\n";
	struct cap_snap s;

	(void)state;
	put("4242/stat", stat, strlen(stat));
	put("4242/status", status, strlen(status));
	put("4242/cmdline", "nginx\0-g\0daemon off;\0", 21);
	put("4242/environ", env, sizeof(env) - 1);
	put("4242/cgroup", cgroup, strlen(cgroup));
	assert_int_equal(cap_snap_read(root, 4242, &s), 0);
	assert_string_equal(s.error, "");
	assert_string_equal(s.comm, "nginx");
	assert_int_equal(s.ppid, 1);
	assert_int_equal(s.uid, 33);
	assert_int_equal(s.start_ticks, 5555);
	assert_int_equal(s.cmdline_len, 21);
	assert_memory_equal(s.cmdline, "nginx\0-g\0daemon off;\0", 21);
	assert_int_equal(s.environ_len, sizeof(env) - 1);
	assert_false(s.environ_cut);
	assert_int_equal(s.cgroup_len, strlen(cgroup));
	assert_string_equal(s.exe, ""); /* no exe link in the fake tree */
	cap_snap_free(&s);

	/* the process went away between two reads: the seed's error text */
	char path[128];
	snprintf(path, sizeof(path), "%s/4242/environ", root);
	unlink(path);
	assert_int_equal(cap_snap_read(root, 4242, &s), -1);
	char want[256];
	snprintf(want, sizeof(want), "open %s/4242/environ: no such file or directory", root);
	assert_string_equal(s.error, want);
	assert_string_equal(s.comm, "nginx"); /* what was read before stays */
	cap_snap_free(&s);

	/* a pid with nothing at all */
	assert_int_equal(cap_snap_read(root, 99999, &s), -1);
	snprintf(want, sizeof(want), "open %s/99999/stat: no such file or directory", root);
	assert_string_equal(s.error, want);
	cap_snap_free(&s);
}

static void test_read_file_cap(void **state)
{
	char path[128], *buf;
	size_t len;
	int cut;

	(void)state;
	put("big", "0123456789", 10);
	snprintf(path, sizeof(path), "%s/big", root);
	assert_int_equal(cap_snap_read_file(path, 10, &buf, &len, &cut), 0);
	assert_int_equal(len, 10);
	assert_false(cut);
	free(buf);
	assert_int_equal(cap_snap_read_file(path, 9, &buf, &len, &cut), 0);
	assert_int_equal(len, 9);
	assert_true(cut);
	assert_int_equal(buf[9], 0);
	free(buf);
	snprintf(path, sizeof(path), "%s/missing", root);
	assert_int_equal(cap_snap_read_file(path, 9, &buf, &len, &cut), -ENOENT);
	assert_null(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_data_event),
	    cmocka_unit_test(test_bad_data_events),
	    cmocka_unit_test(test_addresses),
	    cmocka_unit_test(test_syscall_map),
	    cmocka_unit_test(test_tls_data_event),
	    cmocka_unit_test(test_conn_event),
	    cmocka_unit_test(test_proc_event),
	    cmocka_unit_test(test_proc_event_cgroup),
	    cmocka_unit_test(test_parse_stat),
	    cmocka_unit_test_setup_teardown(test_snapshot, setup_tree, teardown_tree),
	    cmocka_unit_test_setup_teardown(test_read_file_cap, setup_tree, teardown_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
