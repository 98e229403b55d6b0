#!/usr/bin/env bash
# capture_syscalls.sh - every socket syscall sockrec records, on one
# loopback connection inside one opted-in Python process.
#
# The client side sends with send, sendmsg (3 iovecs, then 6), writev, sendmmsg
# (1 message, then 2 messages), sendfile (1000 bytes of a file) and splice
# (300 bytes from a pipe); the server side peeks (MSG_PEEK) then reads with
# recv_into, recvmsg_into (2 buffers), readv, recvmmsg (1 message, then a
# vector of 2). Checked:
#   - each send syscall gives its record(s) with the right syscall, byte
#     count and payload (all iovecs joined); sendfile/splice, and the
#     messages of a sendmmsg vector longer than one, are marked "no
#     payload" with their byte counts (the capture sees each message but
#     cannot tell which of the vector it is);
#   - the tcp_seq of the send records chain without gaps over the whole
#     stream, the no-payload ones included;
#   - the receive records put every captured byte exactly where the client
#     sent it, cover the whole stream, and the peek is not counted twice.
. "$(dirname "$0")/capture_lib.sh"
export T

cat >"$T/syscalls.py" <<'EOF'
import ctypes, ctypes.util, os, socket, sys, time
T = sys.argv[1]
libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)

class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
class msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32), ("iov", ctypes.POINTER(iovec)),
                ("iovlen", ctypes.c_size_t), ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]
class mmsghdr(ctypes.Structure):
    _fields_ = [("hdr", msghdr), ("len", ctypes.c_uint)]

def mmsg(fd, bufs, send):
    n = len(bufs)
    iovs = (iovec * n)()
    msgs = (mmsghdr * n)()
    for i, b in enumerate(bufs):
        iovs[i].base = ctypes.cast(b, ctypes.c_void_p)
        iovs[i].len = len(b)
        msgs[i].hdr.iov = ctypes.pointer(iovs[i])
        msgs[i].hdr.iovlen = 1
    if send:
        r = libc.sendmmsg(fd, msgs, n, 0)
    else:
        r = libc.recvmmsg(fd, msgs, n, 0x40, None)  # MSG_DONTWAIT
    if r < 0:
        raise OSError(ctypes.get_errno(), "mmsg")
    return [msgs[i].len for i in range(r)]

lsn = socket.socket()
lsn.bind(("127.0.0.1", 0))
lsn.listen(1)
cli = socket.create_connection(lsn.getsockname())
srv, _ = lsn.accept()
cli.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

expected = b""
def sent(b):
    global expected
    expected += b
    time.sleep(0.05)  # one segment per call: the receive side reads them apart

cli.send(b"send:hello;"); sent(b"send:hello;")
cli.sendmsg([b"msg1:", b"abc", b"def;"]); sent(b"msg1:abcdef;")
cli.sendmsg([b"v1", b"v2", b"v3", b"v4", b"v5", b"v6;"]); sent(b"v1v2v3v4v5v6;")
os.writev(cli.fileno(), [b"wv1:", b"xyz;"]); sent(b"wv1:xyz;")
b0 = ctypes.create_string_buffer(b"mm0:", 4)
assert mmsg(cli.fileno(), [b0], True) == [4]; sent(b"mm0:")
b1, b2 = ctypes.create_string_buffer(b"mm1;", 4), ctypes.create_string_buffer(b"mm2;", 4)
assert mmsg(cli.fileno(), [b1, b2], True) == [4, 4]; sent(b"mm1;mm2;")
fdata = bytes((i * 7) % 251 for i in range(1000))
open(T + "/file", "wb").write(fdata)
with open(T + "/file", "rb") as f:
    assert os.sendfile(cli.fileno(), f.fileno(), 0, 1000) == 1000
sent(fdata)
r, w = os.pipe()
os.write(w, b"P" * 300)
assert os.splice(r, cli.fileno(), 300) == 300
sent(b"P" * 300)
cli.send(b";end"); sent(b";end")
cli.close()

# a refused connect: a port bound but not listening
closed = socket.socket()
closed.bind(("127.0.0.1", 0))
try:
    socket.create_connection(closed.getsockname())
    raise SystemExit("connect to a non-listening port succeeded")
except ConnectionRefusedError:
    pass
open(T + "/refused_port", "w").write(str(closed.getsockname()[1]))

got = b""
assert srv.recv(4, socket.MSG_PEEK) == b"send"
buf = bytearray(11)
n = srv.recv_into(buf, 11); got += bytes(buf[:n])
a, b = bytearray(5), bytearray(7)
n = srv.recvmsg_into([a, b])[0]; got += bytes((a + b)[:n])
c, d = bytearray(4), bytearray(4)
n = os.readv(srv.fileno(), [c, d]); got += bytes((c + d)[:n])
m0 = ctypes.create_string_buffer(4)
assert mmsg(srv.fileno(), [m0], False) == [4]; got += m0.raw
m1, m2 = ctypes.create_string_buffer(8), ctypes.create_string_buffer(8)
lens = mmsg(srv.fileno(), [m1, m2], False)
got += m1.raw[:lens[0]] + (m2.raw[:lens[1]] if len(lens) > 1 else b"")
while True:
    x = srv.recv(65536)
    if not x:
        break
    got += x
assert got == expected, (got[:80], expected[:80])
open(T + "/expected", "wb").write(expected)
EOF

start_capture -q -s 64k --allow "$TAG"
ADI_PROFILE=$TAG python3 "$T/syscalls.py" "$T" &
PY_PID=$!
wait $PY_PID || die "the syscall script failed"
sleep 0.2
stop_capture
dump
export PY_PID
check '
py, T = int(os.environ["PY_PID"]), os.environ["T"]
expected = open(T + "/expected", "rb").read()
d = of("data", tgid=py)
send = sorted([r for r in d if r["dir"] == 1], key=lambda r: r["ts_ns"])
recv = sorted([r for r in d if r["dir"] == 2], key=lambda r: r["ts_ns"])
SYS = {"send": 6, "sendmsg": 8, "writev": 4, "sendmmsg": 16, "sendfile": 9, "splice": 10}
got = [(r["syscall"], r["bytes"], payload(r), r["flags"] & 2) for r in send]
want = [(SYS["send"], 11, b"send:hello;", 0), (SYS["sendmsg"], 12, b"msg1:abcdef;", 0),
        (SYS["sendmsg"], 13, b"v1v2v3v4v5v6;", 0),
        (SYS["writev"], 8, b"wv1:xyz;", 0), (SYS["sendmmsg"], 4, b"mm0:", 0),
        (SYS["sendmmsg"], 4, b"", 2), (SYS["sendmmsg"], 4, b"", 2),
        (SYS["sendfile"], 1000, b"", 2),
        (SYS["splice"], 300, b"", 2), (SYS["send"], 4, b";end", 0)]
assert got == want, "send records:\n%r\nwanted\n%r" % (got, want)
for a, b in zip(send, send[1:]):
    assert (b["tcp_seq"] - b["bytes"] - a["tcp_seq"]) % (1 << 32) == 0, "seq gap %r -> %r" % (a, b)
assert sum(r["bytes"] for r in send) == len(expected)
# receive side: records chain over the whole stream; every captured byte is
# the one sent at that stream offset; only recvmmsg vectors are gaps
end0 = recv[0]["tcp_seq"] - recv[0]["bytes"]
for a, b in zip(recv, recv[1:]):
    assert (b["tcp_seq"] - b["bytes"] - a["tcp_seq"]) % (1 << 32) == 0, "seq gap %r -> %r" % (a, b)
assert sum(r["bytes"] for r in recv) == len(expected)
gaps = 0
for r in recv:
    off = (r["tcp_seq"] - r["bytes"] - end0) % (1 << 32)
    if r["flags"] & 2:
        assert r["syscall"] == 15, "unexpected gap %r" % r
        gaps += r["bytes"]
        continue
    assert payload(r) == expected[off:off + r["bytes"]], "bytes differ at %d: %r" % (off, r)
assert 0 < gaps <= 16, gaps
rs = {r["syscall"] for r in recv}
assert {5, 7, 3, 15} <= rs, rs  # recvfrom, recvmsg, readv, recvmmsg
# the one-message recvmmsg kept its payload (checked against the stream above)
assert any(r["syscall"] == 15 and not r["flags"] & 2 and len(payload(r)) == 4 for r in recv), \
    "one-message recvmmsg"
# connection records: the connect and close of the client socket, the accept
# of the server socket (at its first read), and the refused connect
cs = of("conn", tgid=py)
cli_sock, srv_sock = send[0]["sock_id"], recv[0]["sock_id"]
con = [r for r in cs if r["kind"] == 1 and r["sock_id"] == cli_sock]
assert len(con) == 1 and con[0]["ret"] == 0 and con[0]["fd"] == send[0]["fd"], con
acc = [r for r in cs if r["kind"] == 2 and r["sock_id"] == srv_sock]
assert len(acc) == 1 and acc[0]["ret"] == acc[0]["fd"] == recv[0]["fd"], acc
assert acc[0]["ts_ns"] <= recv[0]["ts_ns"], "accept after the first read"
assert [r for r in cs if r["kind"] == 3 and r["sock_id"] == cli_sock], "client close"
refused = int(open(T + "/refused_port").read())
bad = [r for r in cs if r["kind"] == 1 and r["rport"] == refused]
assert len(bad) == 1 and bad[0]["ret"] == -111, bad
print("ok: %d send and %d receive records" % (len(send), len(recv)))
'
