#!/usr/bin/env bash
# capture_tls.sh - HTTPS recorded as HTTP: uprobes on OpenSSL 3 (libssl.so.3).
#
# nginx with TLS (Debian's nginx, its OpenSSL 3; a certificate made now by
# openssl(1)) serves a small file, a 300 KB file, and proxies /debug/pprof/
# to the Go pprof server (tests/servers/pprof, not a target). Opted-in
# clients, both ends recorded:
#   - curl, TLS 1.3, keep-alive: a.html, big.bin (300 KB), a.html;
#   - curl, TLS 1.2, keep-alive: big.bin, a.html;
#   - Python's ssl (http.client), TLS 1.3 and TLS 1.2, keep-alive: a.html,
#     big.bin each;
#   - Python's ssl, two connections in one thread, interleaved, the first
#     with two pipelined requests (attribution is per SSL object, not per
#     thread);
#   - curl, TLS 1.3: /debug/pprof/ and /debug/pprof/goroutine?debug=1.
# The oracle is independent: tcpdump records the same traffic on lo, and
# tshark decrypts it with the clients' own key logs (SSLKEYLOGFILE, which
# curl and Python honour). Checked:
#   - every HTTP message tshark decrypts (method, target, status, headers,
#     body length and bytes) is in http.jsonl, at both ends (curl/python and
#     nginx), in order per connection, flagged tls: true; nothing else is;
#   - archive: plaintext records (flag TLS, syscalls SSL_read/SSL_write/_ex)
#     on the same socket and 4-tuple as the connection's ciphertext records
#     (flag TLS_CIPHER, no payload by default, byte counts kept); a tls
#     record names "OpenSSL 3.0.x" for each process;
#   - the service map's endpoints carry tls: true; findings.json has the
#     pprof exposure through the TLS connection;
#   - pcapng (convert): tshark dissects the plaintext as HTTP on the same
#     4-tuple with the comment "TLS plaintext (OpenSSL 3.0.x)";
#   - --keep-ciphertext keeps the ciphertext payload (a second capture).
. "$(dirname "$0")/capture_lib.sh"
need nginx curl openssl tcpdump tshark go

ANALYZE=$BUILD/sockrec-analyze
PORT=$(free_port)
PPORT=$(free_port)
export PORT PPORT TAG

# the pprof backend: built now, not a target
mkdir -p "$BUILD/go-cache"
(cd "$(dirname "$0")/../servers" && GOCACHE="$BUILD/go-cache" GOPATH="$T/gopath" GOPROXY=off \
	GOFLAGS= GO111MODULE=on CGO_ENABLED=0 go build -trimpath -o "$T/pprof-server" ./pprof) ||
	die "go build ./pprof"
env -u ADI_PROFILE "$T/pprof-server" -mode exposed -addr "127.0.0.1:$PPORT" >"$T/pprof.log" 2>&1 &
PIDS+=($!)
wait_for curl -sf -o /dev/null "http://127.0.0.1:$PPORT/" || die "pprof server did not start"

mkdir -p "$T/nginx/html"
echo "hello over tls" >"$T/nginx/html/a.html"
head -c 300000 /dev/urandom >"$T/nginx/html/big.bin"
# a test-only key and certificate, made here (nothing committed)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 1 \
	-subj /CN=localhost 2>/dev/null || die "openssl req"

# start_nginx (capture_lib.sh) with an ssl listener: its own config here
start_nginx_tls() {
	mkdir -p "$T/nginx/tmp" "$T/nginx/logs"
	{
		nginx_conf_head 128 "env ADI_PROFILE;"
		cat <<EOF
	keepalive_requests 1000;
	types { text/html html; application/octet-stream bin; }
	server {
		listen 127.0.0.1:$PORT ssl;
		ssl_certificate $T/cert.pem;
		ssl_certificate_key $T/key.pem;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $T/nginx/html;
		location /debug/pprof/ { proxy_pass http://127.0.0.1:$PPORT; }
	}
}
EOF
	} >"$T/nginx/nginx.conf"
	ADI_PROFILE="$TAG" nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" &
	PIDS+=($!)
	NGINX_PID=$!
	wait_for curl -skf -o /dev/null "https://127.0.0.1:$PORT/a.html?ready" ||
		{ tail -5 "$T/nginx/error.log" >&2; die "nginx did not start"; }
}

cat >"$T/client.py" <<'EOF'
import http.client, os, ssl, sys
port, version = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context()  # honours SSLKEYLOGFILE
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
v = ssl.TLSVersion.TLSv1_2 if version == "1.2" else ssl.TLSVersion.TLSv1_3
ctx.minimum_version = ctx.maximum_version = v
c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
for path in ("/a.html?py=" + version, "/big.bin?py=" + version):
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    assert r.status == 200, r.status
print(c.sock.version(), len(body))
c.close()
EOF

cat >"$T/multi.py" <<'EOF'
import socket, ssl, sys
port = int(sys.argv[1])
ctx = ssl.create_default_context()  # honours SSLKEYLOGFILE
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
def conn():
    return ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
def req(s, q):
    s.sendall(("GET /a.html?%s HTTP/1.1\r\nHost: localhost\r\n\r\n" % q).encode())
def responses(s, n):
    buf = b""
    while buf.count(b"hello over tls\n") < n:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    assert buf.count(b"HTTP/1.1 200 OK") == n, buf
a, b = conn(), conn()
req(a, "pipe1")
req(a, "pipe2")  # pipelined: before the first response is read
req(b, "other")  # the other connection, same thread
responses(b, 1)
responses(a, 2)
a.close()
b.close()
print("multi ok")
EOF

start_capture -q --tls -s 256k
start_nginx_tls
start_tcpdump "tcp port $PORT"

export SSLKEYLOGFILE=$T/keys.log
log "curl TLS 1.3 keep-alive"
ADI_PROFILE=$TAG curl -sk --tlsv1.3 -o /dev/null -o /dev/null -o /dev/null \
	"https://127.0.0.1:$PORT/a.html?c=13" "https://127.0.0.1:$PORT/big.bin?c=13" \
	"https://127.0.0.1:$PORT/a.html?c=13b" || die "curl 1.3"
log "curl TLS 1.2 keep-alive"
ADI_PROFILE=$TAG curl -sk --tlsv1.2 --tls-max 1.2 -o /dev/null -o /dev/null \
	"https://127.0.0.1:$PORT/big.bin?c=12" "https://127.0.0.1:$PORT/a.html?c=12" || die "curl 1.2"
log "python ssl"
ADI_PROFILE=$TAG python3 "$T/client.py" "$PORT" 1.3 || die "python 1.3"
ADI_PROFILE=$TAG python3 "$T/client.py" "$PORT" 1.2 || die "python 1.2"
log "python ssl: two connections, one thread, pipelined"
ADI_PROFILE=$TAG python3 "$T/multi.py" "$PORT" || die "python multi"
log "pprof over TLS"
ADI_PROFILE=$TAG curl -sk -o /dev/null -o /dev/null "https://127.0.0.1:$PORT/debug/pprof/" \
	"https://127.0.0.1:$PORT/debug/pprof/goroutine?debug=1" || die "curl pprof"
unset SSLKEYLOGFILE
sleep 0.5 # nginx's last writes
stop_tcpdump
stop_capture
dump
"$ANALYZE" report "$CAP_OUT" -o "$T/report" >/dev/null || die "sockrec-analyze report"

# the oracle: tshark decrypts the tcpdump capture with the clients' keys
tshark_oracle "$T/keys.log" "$PORT"
mkdir -p "$T/objs"
tshark -r "$T/lo.pcap" -o "tls.keylog_file:$T/keys.log" -d "tcp.port==$PORT,tls" -Q \
	--export-objects "http,$T/objs" 2>/dev/null || die "tshark exporting the decrypted bodies"

"$ANALYZE" convert "$CAP_OUT" "$T/cap.pcapng" >/dev/null || die "convert to pcapng"
tshark -r "$T/cap.pcapng" -d "tcp.port==$PORT,http" -Y http -T json -e tcp.srcport \
	-e tcp.dstport -e http.request.uri -e http.response.code -e frame.comment \
	2>/dev/null >"$T/pcapng.json" || die "tshark on the pcapng"

export T
check '
import re
port, T = int(os.environ["PORT"]), os.environ["T"]
http = [json.loads(l) for l in open(T + "/report/http.jsonl") if l.strip()]
msgs = [m for m in http if m.get("message") in ("request", "response")]

# ---- the oracle: what tshark decrypted, per client port, in order
def f(p, k):
    v = p["_source"]["layers"].get(k)
    return v[0] if v else None
oracle = {}
for p in json.load(open(T + "/oracle.json")):
    sport, dport = int(f(p, "tcp.srcport")), int(f(p, "tcp.dstport"))
    cport = sport if dport == port else dport
    L = p["_source"]["layers"]
    meths, uris, codes = L.get("http.request.method", []), L.get("http.request.uri", []), L.get("http.response.code", [])
    if len(meths) + len(codes) > 1:
        # several messages in one frame (pipelining): their header lines
        # are merged by tshark, so only the start lines and bodies compare
        bodies = L.get("http.file_data", [])
        for mt, u in zip(meths, uris):
            oracle.setdefault(cport, []).append((("request", mt, u), None, None))
        for i, c in enumerate(codes):
            oracle.setdefault(cport, []).append((("response", int(c), None), None, bodies[i] if i < len(bodies) else None))
        continue
    if f(p, "http.request.method"):
        lines = p["_source"]["layers"].get("http.request.line", [])
        m = ("request", f(p, "http.request.method"), f(p, "http.request.uri"))
    else:
        lines = p["_source"]["layers"].get("http.response.line", [])
        m = ("response", int(f(p, "http.response.code")), None)
    body = f(p, "http.file_data") or ""
    hdrs = {}
    for l in lines:
        k, _, v = l.rstrip("\r\n").partition(": ")
        hdrs[k] = v
    oracle.setdefault(cport, []).append((m, hdrs, body))
nreq = sum(1 for v in oracle.values() for m in v if m[0][0] == "request")
assert len(oracle) == 7, "tshark decrypted %d connections, expected 7: %r" % (len(oracle), list(oracle))
assert nreq == 14, "tshark decrypted %d requests, expected 14" % nreq

# ---- http.jsonl: every message at both ends equals the oracle
def side(m):
    return "server" if m["comm"] == "nginx" else "client"
got = {}
for m in msgs:
    if m["dest_port"] == port or m["source_port"] == port:
        cport = m["source_port"] if m["dest_port"] == port else m["dest_port"]
        got.setdefault((cport, side(m)), []).append(m)
# the nginx side of the readiness probes (made before tcpdump and the key log)
ready = {c for (c, s), ms in got.items() if any((m.get("url") or "").endswith("?ready") for m in ms)}
got = {k: v for k, v in got.items() if k[0] not in ready}
for cport, want in oracle.items():
    for s in ("client", "server"):
        have = got.get((cport, s), [])
        assert len(have) == len(want), "connection %d, %s: %d messages, tshark %d" % (cport, s, len(have), len(want))
        # requests in order, responses in order (a pipelining server reads
        # the second request after writing the first response)
        pairs = list(zip([h for h in have if h["message"] == "request"], [w for w in want if w[0][0] == "request"])) + \
            list(zip([h for h in have if h["message"] == "response"], [w for w in want if w[0][0] == "response"]))
        assert len(pairs) == len(want)
        for h, (w, whdrs, wbody) in pairs:
            assert h.get("tls") is True, "tls flag missing: %r" % h
            assert h["message"] == w[0], (h["message"], w)
            if w[0] == "request":
                assert (h["method"], h["url"]) == (w[1], w[2]), (h["method"], h["url"], w)
            else:
                assert h["status_code"] == w[1], (h["status_code"], w)
            hh = {k: v for k, v in h["headers"].items()}
            assert whdrs is None or hh == whdrs, "connection %d %s headers differ:\n%r\n%r" % (cport, s, hh, whdrs)
            if wbody is None:
                continue
            if whdrs and "Content-Length" in whdrs:
                assert h["body_bytes"] == int(whdrs["Content-Length"]), (h["body_bytes"], whdrs)
            if w[0] == "response" and not h["body"].endswith("..."):
                # a text body whole in http.jsonl: equal to the decrypted one
                assert h["body"] == wbody, (cport, s, h["body"][:80], wbody[:80])
                assert h["body_bytes"] == len(wbody.encode()), (h["body_bytes"], len(wbody))
            elif w[0] == "response":
                assert wbody.startswith(h["body"][:-3]) or h["body_bytes"] == 300000, (h["body"][:80], wbody[:80])
assert set(c for c, _ in got) == set(oracle), "http.jsonl has connections tshark has not: %r" % (set(c for c, _ in got) - set(oracle))
# the 300 KB bodies, whole, at both ends
big = [m for m in msgs if m["message"] == "response" and m["body_bytes"] == 300000]
assert len(big) == 8, "300 KB responses: %d, expected 4 connections x 2 ends" % len(big)
# byte for byte: the objects tshark decrypted and the plaintext streams of the archive
# streams (each end, each direction) hold the file nginx served
want = open(T + "/nginx/html/big.bin", "rb").read()
objs = [open(os.path.join(T, "objs", n), "rb").read() for n in os.listdir(T + "/objs")]
assert sum(1 for o in objs if o == want) == 4, "tshark objects equal to big.bin: %d" % sum(1 for o in objs if o == want)
streams = {}
for r in recs:
    if r["type"] == "data" and r["flags"] & 16:
        k = (r["tgid"], r["sock_id"], r["dir"])
        streams[k] = streams.get(k, b"") + payload(r)
nbig = sum(s.count(want) for s in streams.values())
assert nbig == 8, "archive plaintext streams holding big.bin whole: %d, expected 8 (4 connections x 2 ends)" % nbig

# ---- the archive: plaintext on the ciphertext socket
tls_recs = of("tls")
assert tls_recs and all(r["status"] == 1 and r["library"].startswith("OpenSSL 3.0.") for r in tls_recs), tls_recs
keys = [(r["pid"], r["inode"]) for r in tls_recs]
assert len(keys) == len(set(keys)), "a process reported twice for one library: %r" % keys
assert len({r["inode"] for r in tls_recs}) == 1, "every process here maps the one libssl.so.3: %r" % tls_recs
pt = [r for r in recs if r["type"] == "data" and r["flags"] & 16]
ct = [r for r in recs if r["type"] == "data" and r["flags"] & 32]
assert pt and ct
assert {r["syscall"] for r in pt} <= {17, 18, 19, 20} and {19, 20} & {r["syscall"] for r in pt}, "python uses SSL_read_ex/SSL_write_ex"
for r in ct:
    assert r["flags"] & 2 and not payload(r), "ciphertext kept by default: %r" % r
    assert r["bytes"] > 0
ct_socks = {(r["tgid"], r["sock_id"], r["lport"], r["rport"]) for r in ct}
for r in pt:
    assert (r["tgid"], r["sock_id"], r["lport"], r["rport"]) in ct_socks, "plaintext on a socket without ciphertext: %r" % r
    assert not r["flags"] & 8 and len(payload(r)) == r["bytes"]
pids_pt = {r["tgid"] for r in pt}
assert pids_pt <= {r["pid"] for r in tls_recs}, "a process with plaintext has no tls record"
assert not [r for r in recs if r["type"] == "data" and r["lport"] == port and not r["flags"] & 48 and r["bytes"] > 0 and r["comm"] == "nginx"], "nginx moved bytes outside TLS calls"

# ---- service map and findings
smap = open(T + "/report/service-map.yaml").read()
assert "tls: true" in smap, smap[:2000]
fnd = json.load(open(T + "/report/findings.json"))
text = json.dumps(fnd)
assert "pprof" in text and str(port) in text, "no pprof finding through the TLS port %d" % port

# ---- pcapng: HTTP on the same 4-tuple, with the TLS comment
pk = json.load(open(T + "/pcapng.json"))
uris = [f(p, "http.request.uri") for p in pk if f(p, "http.request.uri")]
assert "/big.bin?c=13" in uris and "/debug/pprof/" in uris, uris
cm = [c for p in pk for c in p["_source"]["layers"].get("frame.comment", [])]
assert any(re.search(r"TLS plaintext \(OpenSSL 3\.0\.\d+\)", c) for c in cm), cm[:4]
print("ok: %d connections, %d requests, both ends, equal to tshark" % (len(oracle), nreq))
'

# ---- --keep-ciphertext: the ciphertext keeps its payload
CAP_OUT=$T/keep.srz
start_capture -q --tls --keep-ciphertext
ADI_PROFILE=$TAG curl -sk -o /dev/null "https://127.0.0.1:$PORT/a.html?keep" || die "curl keep"
sleep 0.3
stop_capture
dump "$T/keep.srz"
check '
ct = [r for r in recs if r["type"] == "data" and r["flags"] & 32]
pt = [r for r in recs if r["type"] == "data" and r["flags"] & 16]
assert ct and pt
assert all(not r["flags"] & 2 and len(payload(r)) == r["bytes"] for r in ct), "ciphertext payload missing with --keep-ciphertext"
assert any(payload(r).startswith(b"\x16\x03") for r in ct), "no TLS handshake record in the kept ciphertext"
assert any(payload(r).startswith(b"GET /a.html?keep") for r in pt)
'
log "PASS"
