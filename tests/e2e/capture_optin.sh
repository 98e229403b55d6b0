#!/usr/bin/env bash
# capture_optin.sh - who is a target (seed 003 "Opt-In Profiling") with
# --allow, decided in the kernel at exec.
#
# sockrec --allow "$TAG-a". nginx runs with ADI_PROFILE=$TAG-b (not
# allowed). Clients:
#   A  ADI_PROFILE=$TAG-a                          captured from its first byte
#   B  ADI_PROFILE=$TAG-b                          not captured
#   C  ADI_PROFILE=$TAG-a ADI_PROFILE_DISABLED=1   not captured
#   D  ADI_PROFILE=$TAG-a ADI_PROFILE_DISABLED=0   captured
#   E  ADI_PROFILE=$TAG-a after 6000 other variables: more than the kernel's
#      exec-time scan covers; userspace decides from /proc and adds it (its
#      first syscalls may be missed, which the loss records count; it sends
#      six requests 0.5 s apart, so a loaded machine still records one)
#   F  a shell with ADI_PROFILE=$TAG-a runs curl: the child opted in too
# Nothing of nginx, B or C may be in the archive: no data, no process
# record, no process event.
. "$(dirname "$0")/capture_lib.sh"
need nginx curl

PORT=$(free_port)
export PORT TAG
start_capture -q --allow "$TAG-a"
start_nginx "$PORT" ADI_PROFILE="$TAG-b"
URL=http://127.0.0.1:$PORT/ready

run_client() { # NAME VAR=VALUE... : curl in the background, pid in $NAME
	local name=$1
	shift
	env -u ADI_PROFILE "$@" curl -s -o /dev/null "$URL?$name" &
	eval "${name}_PID=$!"
	wait $!
}
run_client A ADI_PROFILE="$TAG-a"
run_client B ADI_PROFILE="$TAG-b"
run_client C ADI_PROFILE="$TAG-a" ADI_PROFILE_DISABLED=1
run_client D ADI_PROFILE="$TAG-a" ADI_PROFILE_DISABLED=0

log "client with a huge environment"
cat >"$T/slow_client.py" <<'EOF'
import socket, sys, time
# userspace decides from /proc (the kernel scan gave up): the first requests
# may come before it did, so six, 0.5 s apart; one recorded is enough
for _ in range(6):
    time.sleep(0.5)
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"GET /ready?E HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    while s.recv(65536):
        pass
    s.close()
EOF
python3 - "$T/bigenv" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(6000):
        f.write("FILLER_%05d=%s\0" % (i, "x" * 10))
EOF
(
	while IFS= read -r -d '' kv; do export "${kv?}"; done <"$T/bigenv"
	export ADI_PROFILE="$TAG-a"
	exec python3 "$T/slow_client.py" "$PORT"
) &
E_PID=$!
wait $E_PID

log "shell running curl"
env ADI_PROFILE="$TAG-a" sh -c "curl -s -o /dev/null '$URL?F'; echo \$\$ >'$T/f.pid'" &
F_SH=$!
wait $F_SH
sleep 0.3
stop_capture
dump
export A_PID B_PID C_PID D_PID E_PID F_SH NGINX_PID

check '
pid = lambda n: int(os.environ[n])
tag = os.environ["TAG"]
def seen(p):
    return [r for r in recs if r.get("tgid") == p or r.get("pid") == p]

# A: captured from the first syscall on: connect, then the request as first send
a = of("data", tgid=pid("A_PID"))
assert a, "A (allowed) not captured"
first = min(a, key=lambda r: r["ts_ns"])
assert first["dir"] == 1 and payload(first).startswith(b"GET /ready?A "), payload(first)[:30]
assert of("conn", tgid=pid("A_PID"), kind=1), "A connect missing"
pa = of("process", pid=pid("A_PID"))
assert pa and field(pa[0], "adi_profile") == (tag + "-a").encode() and pa[0]["flags"] & 16
assert of("data", tgid=pid("D_PID")), "D (DISABLED=0) not captured"

# B, C and nginx: nowhere
for n in ("B_PID", "C_PID", "NGINX_PID"):
    assert not seen(pid(n)), "%s in the archive: %r" % (n, seen(pid(n))[:2])
nginx_ports = [r for r in recs if r["type"] in ("data", "conn") and r.get("lport") == int(os.environ["PORT"])]
assert not nginx_ports, "nginx (not allowed) recorded: %r" % nginx_ports[:1]
assert not [r for r in recs if r["type"] == "data" and (b"?B " in payload(r) or b"?C " in payload(r))]

# E: decided by userspace after the kernel scan gave up
e = of("data", tgid=pid("E_PID"))
assert e and any(payload(r).startswith(b"GET /ready?E ") for r in e), "E not captured"
pe = of("process", pid=pid("E_PID"))
assert pe and field(pe[0], "adi_profile") == (tag + "-a").encode()
assert sum(c["other"] for c in of("loss")[-1]["cpus"]) >= 1, "incomplete scan not counted"

# F: the curl child of the opted-in shell
f = [r for r in recs if r["type"] == "data" and r["comm"] == "curl" and b"?F " in payload(r)]
assert f, "curl child of the opted-in shell not captured"
print("ok")
'
