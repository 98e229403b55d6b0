#!/usr/bin/env bash
# regress_replay.sh - replay, diff and mock against a real service
# (issue 18): tests/servers/itemsapi/itemsapi.py in two versions, every
# response with a fresh timestamp and UUID, recorded by the real capture.
#
# Recorded (both ends opted in: each request is seen twice, sent once):
#   cap1  v1 under the client script;  cap1b  v1 again, same calls;
#   cap2  v2 under the client script plus the new endpoint /v2/stats.
# The client script: GET /items twice (their "load" differs: the varied
# rule), /items/1, /items/99 (404), POST /orders, /health (text), /me with
# a Bearer token (a credential). The server also records the readiness
# probe (GET /health from a client not recorded: reported from the
# server's view), so a capture holds 8 transactions, 7 without credentials.
# Checked:
#   - replay cap1 -> a fresh v1 (not recorded): exit 0, 7 sent, 7 same,
#     1 skipped for credentials; the noise names fields by rule (timestamp,
#     uuid, varied; a --header's value too) and an --ignore'd path as
#     "ignored"; with --with-credentials 8 sent (the server answers 200
#     only to the recorded Bearer token: it was sent), at --rate 10 no
#     faster than 10/s; what it will send is printed first;
#   - replay cap1 -> v2: exit 5, exactly GET /items/1, GET /items/99 and
#     POST /orders differ, and what differs (body $.price, $.currency;
#     status, body $.error; body $.status);
#   - replay to a closed port: exit 5, every request "failed";
#   - diff cap1 cap1b: exit 0, same; diff cap1 -- cap2: exit 5, endpoint
#     GET /v2/stats added, /items/{id}'s response schema and status codes
#     (404 -> 410) changed, nothing else;
#   - mock cap1: curl gets, for every recorded request, the status and the
#     body bytes the real v1 gave curl during the recording (GET /items
#     twice: both answers in recorded order), the recorded Set-Cookie
#     redacted; an unrecorded request gets
#     404 JSON naming the closest recorded one; garbage, a huge head, a
#     huge body, 100 connections at once do not stop it, a 50000-request
#     pipeline that reads nothing until it has sent all is answered in
#     full without growing it past 40 MiB, and it still answers after
#     them; SIGTERM stops it with exit 0.
# Traffic: loopback only.
. "$(dirname "$0")/capture_lib.sh"
need curl python3 jq

A=$BUILD/sockrec-analyze
API=$(cd "$(dirname "$0")/../servers/itemsapi" && pwd)/itemsapi.py
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

# start_api PORT VERSION [opt-in]: itemsapi on 127.0.0.1:PORT; sets API_PID
start_api() {
	if [ -n "${3:-}" ]; then
		ADI_PROFILE=$TAG ADI_PROFILE_NAME=itemsapi python3 "$API" "$1" "$2" &
	else
		env -u ADI_PROFILE python3 "$API" "$1" "$2" &
	fi
	API_PID=$!
	PIDS+=($API_PID)
	# the readiness probe is not opted in: not recorded
	wait_for env -u ADI_PROFILE curl -sf -o /dev/null "http://127.0.0.1:$1/health" ||
		die "itemsapi $2 did not start"
}
stop_api() {
	kill -TERM "$API_PID" 2>/dev/null
	wait "$API_PID" 2>/dev/null || true
}

# client PORT DIR [v2]: the recorded calls (opted in); each response's body
# in DIR/N.body and its status in DIR/N.status
client() {
	local port=$1 dir=$2 n=0 u
	mkdir -p "$dir"
	c() { # curl args...
		n=$((n + 1))
		ADI_PROFILE=$TAG curl -s -o "$dir/$n.body" -w '%{http_code}' "$@" >"$dir/$n.status"
	}
	u=http://127.0.0.1:$port
	c "$u/items"
	c "$u/items"
	c "$u/items/1"
	c "$u/items/99"
	c -X POST -H 'Content-Type: application/json' -d '{"item":1,"qty":2}' "$u/orders"
	c "$u/health"
	c -H 'Authorization: Bearer tok-e2e-secret' "$u/me"
	[ "${3:-}" = v2 ] && c "$u/v2/stats"
	return 0
}

# record NAME VERSION [v2-client]: a capture of itemsapi VERSION under the client
record() {
	local port
	port=$(free_port)
	CAP_OUT=$T/$1.srz
	start_capture -q --allow "$TAG"
	start_api "$port" "$2" opt-in
	client "$port" "$T/$1.got" "${3:-}"
	sleep 0.3
	stop_api
	stop_capture >/dev/null
	CAP_OUT=
}

log "recording v1, v1 again, v2"
record cap1 v1
record cap1b v1
record cap2 v2 v2

# ---- replay ----
P1=$(free_port)
start_api "$P1" v1
set +e
"$A" replay "$T/cap1.srz" --target "http://127.0.0.1:$P1" --ignore '$.items[*].name' \
	--header X-Request-Id \
	>"$T/r1.json" 2>"$T/r1.err"
rc=$?
set -e
cat "$T/r1.err"
[ $rc = 0 ] && ok "replay against the same version: exit 0" ||
	{ bad "replay same version: exit $rc"; cat "$T/r1.json"; }
grep -q '^replay: sending 7 requests (GET 6, POST 1) to http://127.0.0.1:' "$T/r1.err" &&
	ok "replay says what it will send first" || bad "replay's announcement"
python3 - "$T/r1.json" <<'EOF' && ok "replay report: 7 same, 1 credential skipped, noise by rule" || bad "replay report (same version)"
import json, sys
r = json.load(open(sys.argv[1]))
assert (r["requests"], r["same"], r["different"], r["failed"]) == (7, 7, 0, 0), r
assert r["skipped"]["credentials"] == 1, r["skipped"]
assert r["differences"] == [], r["differences"]
noise = {(n["method"], n["path"], n["field"], n["rule"]) for n in r["noise"]}
want = {("GET", "/items", "body $.generated_at", "timestamp"),
        ("GET", "/items", "body $.request_id", "uuid"),
        ("GET", "/items", "body $.load", "varied"),
        ("GET", "/items/1", "body $.fetched_at", "timestamp"),
        ("GET", "/items/1", "body $.trace", "uuid"),
        ("POST", "/orders", "body $.order.id", "uuid"),
        ("POST", "/orders", "body $.order.created", "timestamp"),
        ("GET", "/items/99", "body $.request_id", "uuid")}
want |= {(m, p, "header x-request-id", "uuid") for m, p in
         [("GET", "/items"), ("GET", "/items/1"), ("GET", "/items/99"), ("POST", "/orders"),
          ("GET", "/health")]}
assert want <= noise, sorted(want - noise)
# nothing else was excused: every noise entry is one of those (the names
# do not differ between runs, so --ignore excused nothing)
assert noise - want == set(), sorted(noise - want)
EOF

set +e
t0=$(date +%s%N)
"$A" replay "$T/cap1.srz" --target "http://127.0.0.1:$P1/" --with-credentials --rate 10 \
	--ignore '$.load' >"$T/r1c.json" 2>"$T/r1c.err"
rc=$?
t1=$(date +%s%N)
set -e
# 8 requests at 10/s: the last leaves 0.7 s after the first
[ $(((t1 - t0) / 1000000)) -ge 700 ] && ok "--rate 10: 8 requests took $(((t1 - t0) / 1000000)) ms (>= 700)" ||
	bad "--rate 10: 8 requests in $(((t1 - t0) / 1000000)) ms"
python3 - "$T/r1c.json" <<'EOF' && [ $rc = 0 ] && ok "--with-credentials sends the 8th (exit 0); --ignore names its rule" || { bad "replay --with-credentials (exit $rc)"; cat "$T/r1c.err"; }
import json, sys
r = json.load(open(sys.argv[1]))
assert (r["requests"], r["same"], r["skipped"]["credentials"]) == (8, 8, 0), r
assert {"method": "GET", "path": "/items", "field": "body $.load", "rule": "ignored",
        "count": 2} in r["noise"], r["noise"]
EOF
stop_api

P2=$(free_port)
start_api "$P2" v2
set +e
"$A" replay "$T/cap1.srz" --target "http://127.0.0.1:$P2" >"$T/r2.json" 2>"$T/r2.err"
rc=$?
set -e
[ $rc = 5 ] && ok "replay against v2: exit 5" || { bad "replay v2: exit $rc"; cat "$T/r2.err"; }
python3 - "$T/r2.json" <<'EOF' && ok "replay v2 names exactly GET /items/1, GET /items/99 and POST /orders" || bad "replay v2 report"
import json, sys
r = json.load(open(sys.argv[1]))
assert (r["requests"], r["same"], r["different"], r["failed"]) == (7, 4, 3, 0), r
d = {(x["method"], x["url"]): x for x in r["differences"]}
assert set(d) == {("GET", "/items/1"), ("GET", "/items/99"), ("POST", "/orders")}, sorted(d)
assert d[("GET", "/items/1")]["what"] == ["body $.currency", "body $.price"], d[("GET", "/items/1")]
assert d[("GET", "/items/99")]["what"] == ["status", "body $.error"], d[("GET", "/items/99")]
assert (d[("GET", "/items/99")]["recorded"]["status"], d[("GET", "/items/99")]["replayed"]["status"]) == (404, 410)
assert d[("POST", "/orders")]["what"] == ["body $.status"], d[("POST", "/orders")]
assert d[("POST", "/orders")]["recorded"]["status"] == 201
assert d[("POST", "/orders")]["replayed"]["status"] == 201
EOF
stop_api

PDEAD=$(free_port)
set +e
"$A" replay "$T/cap1.srz" --target "http://127.0.0.1:$PDEAD" >"$T/r3.json" 2>"$T/r3.err"
rc=$?
set -e
[ $rc = 5 ] && [ "$(jq .failed "$T/r3.json")" = 7 ] && ok "replay to a closed port: exit 5, 7 failed" ||
	bad "replay to a closed port: exit $rc, $(jq -c '{failed,same}' "$T/r3.json")"
set +e
"$A" replay "$T/cap1.srz" --target "ftp://127.0.0.1:$PDEAD" >/dev/null 2>"$T/r4.err"
rc=$?
set -e
[ $rc = 1 ] && ok "replay refuses a non-http target (exit 1)" || bad "ftp target: exit $rc"

# ---- diff ----
set +e
"$A" diff "$T/cap1.srz" "$T/cap1b.srz" >"$T/d1.json" 2>"$T/d1.err"
rc=$?
set -e
[ $rc = 0 ] && [ "$(jq .same "$T/d1.json")" = true ] && ok "diff of two v1 captures: exit 0, same" ||
	{ bad "diff v1 v1: exit $rc"; cat "$T/d1.json" "$T/d1.err"; }
set +e
"$A" diff "$T/cap1.srz" -- "$T/cap2.srz" >"$T/d2.json" 2>"$T/d2.err"
rc=$?
set -e
[ $rc = 5 ] && ok "diff v1 -- v2: exit 5" || { bad "diff v1 v2: exit $rc"; cat "$T/d2.err"; }
python3 - "$T/d2.json" <<'EOF' && ok "diff v1 v2: /v2/stats added, /items/{id} schema and status codes changed" || { bad "diff v1 v2 report"; cat "$T/d2.json"; }
import json, sys
d = json.load(open(sys.argv[1]))
assert d["same"] is False
assert d["endpoints"]["added"] == [{"service": "itemsapi", "method": "GET", "path": "/v2/stats"}], d["endpoints"]
assert d["endpoints"]["removed"] == [], d["endpoints"]
ch = {(c["method"], c["path"]): c for c in d["changed"]}
assert set(ch) == {("GET", "/items/{id}")}, sorted(ch)
rs = ch[("GET", "/items/{id}")]["response_schema"]
assert {"currency": "string", "fetched_at": "string", "id": "number", "name": "string",
        "price": "string", "trace": "string"} in rs["added"], rs
assert {"fetched_at": "string", "id": "number", "name": "string", "price": "number",
        "trace": "string"} in rs["removed"], rs
assert "request_schema" not in ch[("GET", "/items/{id}")]
assert ch[("GET", "/items/{id}")]["status"] == {"added": [410], "removed": [404]}, ch
assert d["dependencies"] == {"added": [], "removed": []}, d["dependencies"]
EOF

# ---- mock ----
"$A" mock "$T/cap1.srz" --service itemsapi --listen 127.0.0.1:0 2>"$T/mock.err" &
MOCK_PID=$!
PIDS+=($MOCK_PID)
for _ in $(seq 100); do grep -q '^mock: serving' "$T/mock.err" && break; sleep 0.1; done
grep -q '^mock: serving 8 recorded responses of itemsapi on 127.0.0.1:[0-9]*$' "$T/mock.err" &&
	ok "mock announces 8 responses on loopback" || { bad "mock announcement"; cat "$T/mock.err"; }
MADDR=$(sed -n 's/^mock: serving .* on //p' "$T/mock.err" | head -n 1)
client "${MADDR##*:}" "$T/mock.got"
same=0
for i in 1 2 3 4 5 6 7; do
	if [ "$(cat "$T/mock.got/$i.status")" = "$(cat "$T/cap1.got/$i.status")" ] &&
		cmp -s "$T/mock.got/$i.body" "$T/cap1.got/$i.body"; then
		same=$((same + 1))
	else
		echo "  request $i: mock $(cat "$T/mock.got/$i.status") $(head -c 200 "$T/mock.got/$i.body")"
		echo "  recorded    $(cat "$T/cap1.got/$i.status") $(head -c 200 "$T/cap1.got/$i.body")"
	fi
done
[ $same = 7 ] && ok "mock answers all 7 recorded requests with the recorded status and body" ||
	bad "mock: $same of 7 answers as recorded"
if cmp -s "$T/cap1.got/1.body" "$T/cap1.got/2.body"; then
	bad "the two recorded GET /items answers are the same (the test proves nothing)"
fi
curl -s -D "$T/me.head" -o /dev/null -H 'Authorization: Bearer tok-e2e-secret' "http://$MADDR/me"
if grep -qi '^Set-Cookie: \[REDACTED\]' "$T/me.head" && ! grep -q 's3cr3t' "$T/me.head"; then
	ok "mock redacts the recorded Set-Cookie"
else
	bad "mock's Set-Cookie: $(grep -i set-cookie "$T/me.head")"
fi
st=$(curl -s -o "$T/m404.json" -w '%{http_code}' "http://$MADDR/itemz")
python3 - "$T/m404.json" <<'EOF' && [ "$st" = 404 ] && ok "unmatched request: 404 naming the closest (GET /items)" || bad "mock 404 ($st): $(cat "$T/m404.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["closest"] == {"method": "GET", "target": "/items"}, d
assert d["request"] == {"method": "GET", "target": "/itemz"}, d
EOF

log "hostile clients"
python3 - "${MADDR%:*}" "${MADDR##*:}" <<'EOF' && ok "mock refuses garbage, a huge head, a huge body, 100 connections; answers a 150000-request pipeline" || bad "mock under hostile clients"
import os, random, socket, sys, time
host, port = sys.argv[1], int(sys.argv[2])
def talk(data, wait=2.0):
    s = socket.create_connection((host, port), timeout=wait)
    try:
        s.sendall(data)
    except OSError:
        pass
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except OSError:
        pass
    s.close()
    return out
rnd = random.Random(18)
for i in range(20):
    junk = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 3000)))
    out = talk(junk + b"\r\n\r\n")
    assert out == b"" or out.startswith(b"HTTP/1.1 4"), (i, out[:80])
out = talk(b"GET /items HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"a" * 100000 + b"\r\n\r\n")
assert out == b"" or out.startswith(b"HTTP/1.1 4"), out[:80]
out = talk(b"POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n" + b"x" * (3 << 20), 6)
assert out.startswith(b"HTTP/1.1 413"), out[:80]
out = talk(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
assert out.startswith(b"HTTP/1.1 400"), out[:80]
socks = []
for _ in range(100):
    try:
        socks.append(socket.create_connection((host, port), timeout=2))
    except OSError:
        pass
time.sleep(0.5)
for s in socks:
    s.close()
# a pipeline of 150000 requests (60 MB of answers, far more than the
# socket buffers hold) whose answers are not read for 2 s: the mock stops
# reading while answers wait (its memory is checked below), then answers
# every one, in order
import threading
s = socket.create_connection((host, port), timeout=30)
sender = threading.Thread(target=s.sendall,
                          args=(b"GET /items/99 HTTP/1.1\r\nHost: x\r\n\r\n" * 150000,))
sender.start()
time.sleep(2)
out = b""
while out.count(b"HTTP/1.1 404") < 150000:
    b = s.recv(1 << 20)
    if not b:
        break
    out += b
sender.join()
s.close()
assert out.count(b"HTTP/1.1 404") == 150000, (len(out), out.count(b"HTTP/1.1 404"))
# still serving, pipelined requests answered in order
out = talk(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5)
assert out.count(b"HTTP/1.1 200") == 2 and out.count(b"ok\n") == 2, out
EOF
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$MOCK_PID/status")
if ldd "$A" 2>/dev/null | grep -q libasan; then
	# ASan's shadow memory and quarantine dominate the RSS: not comparable
	echo "note mock peak memory not checked: ASan build ($hwm KiB)"
elif [ "$hwm" -lt 40960 ]; then
	ok "mock peak memory after them: $hwm KiB (< 40 MiB, the answers alone were 60 MB)"
else
	bad "mock peak memory $hwm KiB"
fi
st=$(curl -s -o "$T/after.body" -w '%{http_code}' "http://$MADDR/items/99")
[ "$st" = 404 ] && cmp -s "$T/after.body" "$T/cap1.got/4.body" && ok "mock still answers as recorded after them" ||
	bad "mock after hostile clients: $st"
kill -TERM "$MOCK_PID"
set +e
wait "$MOCK_PID"
rc=$?
set -e
[ $rc = 0 ] && grep -q '^mock: stopped' "$T/mock.err" && ok "SIGTERM stops the mock (exit 0)" ||
	{ bad "mock exit after SIGTERM: $rc"; tail -n 5 "$T/mock.err"; }

[ $fails = 0 ] || die "$fails check(s) failed"
echo "PASS"
