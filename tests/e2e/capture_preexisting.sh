#!/usr/bin/env bash
# capture_preexisting.sh - processes and connections older than the capture.
#
# Before sockrec starts: a Python server (ADI_PROFILE) listens; a Python
# client (ADI_PROFILE) connects, exchanges one message and waits; a third
# process without ADI_PROFILE (named by --pid) connects and waits too.
# sockrec starts (its /proc scan must find both opted-in processes, --pid
# adds the third), then both clients exchange a second message and close.
# Checked:
#   - the 4-tuples are the ones the client itself saw (getsockname), from
#     the socket, although no connect was recorded;
#   - server and client see the same bytes, mirrored;
#   - the close of the old connection is recorded with its socket;
#   - process records say why each process is a target (opt-in / --pid);
#   - the message sent before the capture is not in it.
. "$(dirname "$0")/capture_lib.sh"

PORT=$(free_port)
export PORT TAG T

cat >"$T/server.py" <<'EOF'
import socket, sys, threading
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(8)
def serve(c):
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(b"echo:" + d)
    c.close()
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
cat >"$T/client.py" <<'EOF'
import os, socket, sys, time
port, name, T = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"before-" + name.encode())
s.recv(100)
l, r = s.getsockname(), s.getpeername()
open("%s/%s.tuple" % (T, name), "w").write("%s %d %s %d\n" % (l[0], l[1], r[0], r[1]))
while not os.path.exists(T + "/go"):
    time.sleep(0.05)
s.sendall(b"after-" + name.encode())
s.recv(100)
s.close()
open("%s/%s.done" % (T, name), "w").write("ok")
time.sleep(60)
EOF

ADI_PROFILE=$TAG python3 "$T/server.py" "$PORT" &
SRV_PID=$!
PIDS+=($SRV_PID)
wait_for python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT))" ||
	die "server did not start"
ADI_PROFILE=$TAG python3 "$T/client.py" "$PORT" opted "$T" &
CL_PID=$!
PIDS+=($CL_PID)
env -u ADI_PROFILE python3 "$T/client.py" "$PORT" named "$T" &
NAMED_PID=$!
PIDS+=($NAMED_PID)
wait_for test -s "$T/opted.tuple" || die "client did not connect"
wait_for test -s "$T/named.tuple" || die "client did not connect"

start_capture -q --allow "$TAG" --pid "$NAMED_PID"
grep -q '3 targets running' "$T/sockrec.log" || { cat "$T/sockrec.log"; die "startup scan"; }
touch "$T/go"
wait_for test -s "$T/opted.done" || die "client did not finish"
wait_for test -s "$T/named.done" || die "client did not finish"
sleep 0.3
stop_capture
dump

# python3 is a pyenv shim here and there: the processes talking are the
# python3 processes our shell started, or their exec'd selves (same pid)
export SRV_PID CL_PID NAMED_PID
check '
T, port = os.environ["T"], int(os.environ["PORT"])
srv, cl, named = (int(os.environ[n]) for n in ("SRV_PID", "CL_PID", "NAMED_PID"))
for who, pid, flag in (("opted", cl, 16), ("named", named, 32)):
    la, lp, ra, rp = open("%s/%s.tuple" % (T, who)).read().split()
    d = of("data", tgid=pid)
    assert d, who + ": no data"
    for r in d:
        assert (r["laddr"], r["lport"], r["raddr"], r["rport"], r["family"]) == (la, int(lp), ra, int(rp), 4), r
    out = stream([r for r in d if r["dir"] == 1])
    inn = stream([r for r in d if r["dir"] == 2])
    assert out == b"after-" + who.encode(), out
    assert inn == b"echo:after-" + who.encode(), inn
    assert not of("conn", tgid=pid, kind=1), "no connect happened during the capture"
    close = of("conn", tgid=pid, kind=3)
    assert close and close[0]["sock_id"] == d[0]["sock_id"] and close[0]["lport"] == int(lp), close
    p = of("process", pid=pid)
    assert p and p[0]["flags"] & flag, (who, p[0]["flags"] if p else None)
    # the server side of this connection
    sd = [r for r in of("data", tgid=srv) if r["rport"] == int(lp)]
    assert stream([r for r in sd if r["dir"] == 2]) == out
    assert stream([r for r in sd if r["dir"] == 1]) == inn
    assert all(r["lport"] == port and r["tid"] != srv for r in sd)  # a server thread

assert of("process", pid=srv) and of("process", pid=srv)[0]["flags"] & 16
assert b"before-" not in b"".join(payload(r) for r in of("data"))
hdr = recs[0]
assert hdr["type"] == "capture_header" and hdr["pids"] == str(named), hdr["pids"]
print("ok")
'
