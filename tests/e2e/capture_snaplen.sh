#!/usr/bin/env bash
# capture_snaplen.sh - a 1 MiB POST to nginx recorded at a small snaplen.
#
# curl (opted in) POSTs 1 MiB to nginx (opted in) with -s 512. Checked:
#   - the original byte counts add up to what curl sent (its --trace) and
#     nginx received: nothing is lost, only cut;
#   - a record is flagged truncated exactly when it moved more than 512
#     bytes, and then carries exactly the first 512 bytes it moved (checked
#     against curl's own bytes at that stream offset, found by tcp_seq);
#   - records at or under the snaplen are whole and unflagged;
#   - the loss records count at least as many truncations as there are
#     truncated records.
. "$(dirname "$0")/capture_lib.sh"
need nginx curl

PORT=$(free_port)
export PORT TAG T
head -c 1048576 /dev/urandom >"$T/body"

start_capture -q -s 512 --allow "$TAG"
start_nginx "$PORT" ADI_PROFILE="$TAG"

log "POST 1 MiB"
ADI_PROFILE=$TAG curl -s --trace "$T/trace" -o "$T/resp" --data-binary @"$T/body" \
	-H 'Content-Type: application/octet-stream' "http://127.0.0.1:$PORT/upload" &
CURL_PID=$!
wait $CURL_PID
grep -q 'got it' "$T/resp" || die "nginx did not accept the upload"
sleep 0.3
stop_capture
dump
curl_bytes "$T/trace" "$T/c"
export CURL_PID

check '
curl, port, T = int(os.environ["CURL_PID"]), int(os.environ["PORT"]), os.environ["T"]
sent, recv = open(T + "/c.sent", "rb").read(), open(T + "/c.recv", "rb").read()
assert len(sent) > 1048576

snap = 512
def check_side(rs, want, who):
    rs = sorted(rs, key=lambda r: r["ts_ns"])
    assert rs, "no records for " + who
    total = sum(r["bytes"] for r in rs)
    assert total == len(want), "%s: %d bytes recorded, %d moved" % (who, total, len(want))
    # stream offsets from tcp_seq: the first record starts the stream
    base = (rs[0]["tcp_seq"] - rs[0]["bytes"]) % (1 << 32)
    cut = 0
    for r in rs:
        p = payload(r)
        assert r["flags"] & 8, "seq valid"
        off = (r["tcp_seq"] - r["bytes"] - base) % (1 << 32)
        if r["bytes"] > snap:
            assert r["flags"] & 1, "%s: %d bytes not flagged truncated" % (who, r["bytes"])
            assert len(p) == snap, "%s: truncated record carries %d bytes" % (who, len(p))
            cut += 1
        else:
            assert not r["flags"] & 1, "%s: %d bytes flagged truncated" % (who, r["bytes"])
            assert len(p) == r["bytes"]
        assert p == want[off:off + len(p)], "%s: payload differs at stream offset %d" % (who, off)
    return cut

cs = [r for r in of("data", tgid=curl) if r["dir"] == 1]
cr = [r for r in of("data", tgid=curl) if r["dir"] == 2]
cut = check_side(cs, sent, "curl send")
cut += check_side(cr, recv, "curl recv")
assert payload(sorted(cs, key=lambda r: r["ts_ns"])[0]).startswith(b"POST /upload HTTP/1.1\r\n")
lport = cs[0]["lport"]
ns = [r for r in recs if r["type"] == "data" and r["lport"] == port and r["rport"] == lport]
cut += check_side([r for r in ns if r["dir"] == 2], sent, "nginx recv")
cut += check_side([r for r in ns if r["dir"] == 1], recv, "nginx send")
assert cut >= 2, "expected truncated records"

loss = of("loss")[-1]
assert sum(c["truncated"] for c in loss["cpus"]) >= cut, (loss, cut)
assert sum(c["events"] for c in loss["cpus"]) >= len(cs) + len(cr) + len(ns)
print("ok: %d curl records, %d nginx records, %d truncated" % (len(cs) + len(cr), len(ns), cut))
'
