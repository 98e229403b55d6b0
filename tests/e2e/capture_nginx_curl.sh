#!/usr/bin/env bash
# capture_nginx_curl.sh - sockrec against a real nginx and real curl clients.
#
# nginx (opted in; decided at its exec, workers inherit at fork) serves a small and a 100 KB file on 127.0.0.1 and ::1. During the capture:
#   - curl (opted in, started after: decided at exec) fetches a.html,
#     b.html, a.html over one keep-alive connection;
#   - curl without ADI_PROFILE fetches a.html;
#   - curl (opted in) fetches over IPv6 ::1.
# Checked against what curl itself says it sent and received (--trace):
#   - every byte, both directions, from curl's side and nginx's side, in
#     stream order with contiguous tcp_seq, first byte included;
#   - pid/tid/comm, directions, 4-tuples (ports from curl's own view);
#   - the connect and close of the short-lived curl;
#   - process records: ADI_PROFILE value and name kept, a secret env value
#     redacted; the worker's fork event;
#   - the non-opted-in curl appears nowhere (no data, no process record).
. "$(dirname "$0")/capture_lib.sh"
need nginx curl

PORT=$(free_port)
export PORT TAG
mkdir -p "$T/nginx/html"
printf '<html>%s</html>\n' "$(head -c 200 /dev/urandom | base64 -w 0)" >"$T/nginx/html/a.html"
head -c 75000 /dev/urandom | base64 -w 76 >"$T/nginx/html/b.html" # ~100 KB

# nginx rewrites its environment block (setproctitle), so a /proc scan
# cannot see that it opted in: it is started after sockrec, and the kernel
# decides at its exec (its workers inherit at fork)
start_capture -q -s 256k

log "nginx on $PORT"
start_nginx "$PORT" ADI_PROFILE="$TAG" ADI_PROFILE_NAME="web-$TAG" SECRET_TOKEN=hunter2-$TAG

log "keep-alive curl"
ADI_PROFILE=$TAG MARKER_VAR=marker curl -s --trace "$T/trace1" -o /dev/null -o /dev/null -o /dev/null \
	"http://127.0.0.1:$PORT/a.html" "http://127.0.0.1:$PORT/b.html" "http://127.0.0.1:$PORT/a.html" &
CURL_PID=$!
wait $CURL_PID
log "curl without ADI_PROFILE"
env -u ADI_PROFILE curl -s -o /dev/null "http://127.0.0.1:$PORT/a.html?nontarget-$TAG" &
NT_PID=$!
wait $NT_PID
log "curl over ::1"
ADI_PROFILE=$TAG curl -s -g --trace "$T/trace6" -o /dev/null "http://[::1]:$PORT/a.html" &
CURL6_PID=$!
wait $CURL6_PID
sleep 0.3 # let nginx finish its side
stop_capture
dump

curl_bytes "$T/trace1" "$T/c1"
curl_bytes "$T/trace6" "$T/c6"
export CURL_PID NT_PID CURL6_PID T NGINX_PID

check '
curl, nt, curl6 = int(os.environ["CURL_PID"]), int(os.environ["NT_PID"]), int(os.environ["CURL6_PID"])
port, tag, T = int(os.environ["PORT"]), os.environ["TAG"], os.environ["T"]
sent1, recv1 = open(T + "/c1.sent", "rb").read(), open(T + "/c1.recv", "rb").read()
sent6, recv6 = open(T + "/c6.sent", "rb").read(), open(T + "/c6.recv", "rb").read()
assert recs[0]["type"] == "capture_header" and recs[-1]["type"] == "end"
assert recs[-2]["type"] == "loss"

# --- curl over IPv4, its own side
cd = of("data", tgid=curl)
assert cd, "no data records for the opted-in curl"
assert {r["comm"] for r in cd} == {"curl"}
assert all(r["tid"] > 0 for r in cd)
socks = {r["sock_id"] for r in cd}
assert len(socks) == 1, "keep-alive should use one connection: %r" % socks
lport = cd[0]["lport"]
for r in cd:
    assert (r["family"], r["laddr"], r["raddr"], r["rport"], r["lport"]) == (4, "127.0.0.1", "127.0.0.1", port, lport), r
out = stream([r for r in cd if r["dir"] == 1])
inn = stream([r for r in cd if r["dir"] == 2])
assert out == sent1, "curl sent %d bytes, archive has %d" % (len(sent1), len(out))
assert inn == recv1, "curl received %d bytes, archive has %d" % (len(recv1), len(inn))
assert out.startswith(b"GET /a.html HTTP/1.1\r\n"), out[:40]
assert out.count(b"GET /") == 3 and inn.count(b"HTTP/1.1 200 OK") == 3
assert len(inn) > 100000

# --- nginx side of the same connection: the mirror image
nd = [r for r in recs if r["type"] == "data" and r["lport"] == port and r["rport"] == lport and r["family"] == 4]
assert nd, "no nginx records for the connection"
ng = {r["tgid"] for r in nd}
assert len(ng) == 1 and {r["comm"] for r in nd} == {"nginx"}, (ng, {r["comm"] for r in nd})
assert stream([r for r in nd if r["dir"] == 2]) == sent1
assert stream([r for r in nd if r["dir"] == 1]) == recv1
assert all(r["tid"] == r["tgid"] for r in nd)  # single-threaded worker

# --- connect / close of the short-lived curl
cc = of("conn", tgid=curl)
kinds = [r["kind"] for r in cc]
assert 1 in kinds and 3 in kinds, "connect and close expected: %r" % cc
con = [r for r in cc if r["kind"] == 1][0]
assert con["rport"] == port and con["sock_id"] in socks and con["ret"] in (0, -115), con
acc = [r for r in recs if r["type"] == "conn" and r["kind"] == 2 and r["rport"] == lport and r["lport"] == port]
assert acc and acc[0]["tgid"] in ng, "nginx accept missing"

# --- process records
pc = of("process", pid=curl)
assert pc, "no process record for curl"
assert field(pc[0], "adi_profile") == tag.encode()
assert env(pc[0]).get("MARKER_VAR") == "marker"
assert field(pc[0], "cmdline").split(b"\0")[0].endswith(b"curl")
pn = [r for r in recs if r["type"] == "process" and r["pid"] in ng]
assert pn, "no process record for the nginx worker"
e = env(pn[0])
assert e.get("ADI_PROFILE") == tag and field(pn[0], "adi_profile_name") == ("web-" + tag).encode()
assert e.get("SECRET_TOKEN") == "[REDACTED]", e.get("SECRET_TOKEN")
assert pn[0]["flags"] & 2, "redaction flag"
dump_text = open(T + "/dump.jsonl").read()
assert ("hunter2-" + tag) not in dump_text
import base64 as b64
assert b64.b64encode(("hunter2-" + tag).encode())[:12].decode() not in dump_text
master = [r for r in recs if r["type"] == "process" and r["pid"] == int(os.environ["NGINX_PID"])]
assert master and master[0]["flags"] & 16, "nginx master opted in at exec"
assert [r for r in recs if r["type"] == "proc_event" and r["kind"] == 1 and r["pid"] in ng and r["ppid"] == int(os.environ["NGINX_PID"])], "worker fork"

# --- the process without ADI_PROFILE: nowhere
for r in recs:
    for k in ("tgid", "pid"):
        assert r.get(k) != nt, "non-target process in the archive: %r" % r
assert not [r for r in of("data", tgid=curl) if b"nontarget" in payload(r)]

# --- IPv6
c6 = of("data", tgid=curl6)
assert c6 and all(r["family"] == 6 and r["laddr"] == "::1" and r["raddr"] == "::1" and r["rport"] == port for r in c6)
assert stream([r for r in c6 if r["dir"] == 1]) == sent6
assert stream([r for r in c6 if r["dir"] == 2]) == recv6
print("ok: %d curl records, %d nginx records, %d bytes up, %d down" % (len(cd), len(nd), len(sent1), len(recv1)))
'
