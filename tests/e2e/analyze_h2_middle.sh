#!/usr/bin/env bash
# analyze_h2_middle.sh - an HTTP/2 (gRPC) connection recorded from its middle:
# the HPACK dynamic tables were built before the capture started.
#
# Before sockrec starts: a python3-grpcio server and client (both opted in)
# make three calls on one connection, so the encoders' tables hold :path,
# :authority, content-type... sockrec starts (its /proc scan finds both),
# then on the same connection the client calls SayHello, then Fresh twice
# (a method the server does not serve: UNIMPLEMENTED, a :path new to the
# table), then ListItems (3 messages). Checked, at both ends:
#   - the four calls of phase 2 are four request/response pairs, by stream;
#   - a field from the unknown part of the table is left out and counted
#     (hpack_unknown > 0), never shown with another value: every url is the
#     call's own path or null, every status 200;
#   - what was added to the table during the capture is decoded: both Fresh
#     calls show their path (the second one from the table), and the
#     grpc-status 12 their client saw;
#   - nothing from before the capture is logged.
. "$(dirname "$0")/capture_lib.sh"
PY=/usr/bin/python3
$PY -c 'import grpc' 2>/dev/null || skip "python3-grpcio not installed"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
P=$(free_port)
export T P

ADI_PROFILE=$TAG $PY "$ROOT/tests/servers/grpc/grpc_pair.py" server "$P" >"$T/server.log" 2>&1 &
PIDS+=($!)
wait_for grep -q listening "$T/server.log" || die "grpc server did not start"
ADI_PROFILE=$TAG $PY "$ROOT/tests/servers/grpc/grpc_pair.py" linger "$P" "$T" >"$T/calls.out" 2>"$T/client.err" &
CLIENT=$!
PIDS+=($CLIENT)
wait_for test -e "$T/phase1" || die "client phase 1 did not finish: $(cat "$T/client.err")"

start_capture -q --allow "$TAG"
touch "$T/go"
wait "$CLIENT" || die "client failed: $(cat "$T/client.err")"
sleep 0.3
stop_capture
"$BUILD/sockrec-analyze" report "$CAP_OUT" -o "$T/out" >"$T/report.log" 2>&1 ||
	{ cat "$T/report.log"; die "report failed"; }

$PY - <<'PYEOF'
import json, os, sys
T, P = os.environ["T"], int(os.environ["P"])
calls = [json.loads(l) for l in open(T + "/calls.out")]
msgs = [json.loads(l) for l in open(T + "/out/http.jsonl")]
msgs = [m for m in msgs if "message" in m]
fail = []
def check(c, what):
    if not c:
        fail.append(what)
assert len(calls) == 4, calls
for view in ("client", "server"):
    mine = [m for m in msgs if ((m["message"] == "request") == (m["direction"] == "send")) == (view == "client")]
    check(all(m["http_version"] == "HTTP/2" for m in mine), "%s: not all HTTP/2" % view)
    reqs = sorted([m for m in mine if m["message"] == "request"], key=lambda m: m["stream_id"])
    resps = {m["stream_id"]: m for m in mine if m["message"] == "response"}
    check(len(reqs) == 4 and len(resps) == 4, "%s: %d requests, %d responses" % (view, len(reqs), len(resps)))
    check(any(m["hpack_unknown"] > 0 for m in mine), "%s: no field counted unknown" % view)
    for c, q in zip(calls, reqs):
        r = resps.get(q["stream_id"])
        check(q["url"] in (None, c["path"]), "%s stream %d: url %r, the call was %s" % (view, q["stream_id"], q["url"], c["path"]))
        check(q["method"] in (None, "POST"), "%s: method %r" % (view, q["method"]))
        check(r is not None and r["status_code"] == 200, "%s stream %d: response %r" % (view, q["stream_id"], r and r["status_code"]))
        check(r is None or r["transaction_id"] == q["transaction_id"], "%s: pairing" % view)
        if c["path"] == "/demo.Greeter/Fresh":
            check(q["url"] == c["path"], "%s stream %d: a :path added while recorded must decode: %r" % (view, q["stream_id"], q["url"]))
            check(r and r.get("grpc") and r["grpc"]["status"] == c["status"] == 12, "%s: Fresh grpc status %r" % (view, r and r.get("grpc")))
        if c.get("count"):
            check(r and r.get("grpc") and r["grpc"]["messages"] == c["count"], "%s: ListItems count %r" % (view, r and r.get("grpc")))
        for m in (q, r):
            for k, v in (m or {}).get("headers", {}).items():
                check(k and not k.startswith(":"), "%s: header name %r" % (view, k))
    check(not any("early" in m["body"] for m in mine), "%s: a message from before the capture" % view)
if fail:
    print("FAIL:\n- " + "\n- ".join(fail))
    sys.exit(1)
print("ok: 4 calls recorded mid-connection at both ends; %d fields left out as unknown, none misnamed" %
      sum(m["hpack_unknown"] for m in msgs))
PYEOF
