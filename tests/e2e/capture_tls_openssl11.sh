#!/usr/bin/env bash
# capture_tls_openssl11.sh - TLS plaintext from OpenSSL 1.1 (uprobes on a
# libssl.so.1.1), next to OpenSSL 3 at the other end.
#
# Debian bullseye's libssl1.1 (1.1.1w), fetched from this machine's Debian
# mirror and unpacked outside the system (scripts/fetch-libssl11.sh, into
# build/deps/), is loaded by a Python client through ctypes: the
# library is dlopen'ed from a private directory, so the capture finds it
# in the client's maps at its first traffic, not at startup (the client
# waits after its first handshake, as a real client's first calls can be
# missed: README "TLS plaintext"). The server is Python's http.server over
# its ssl module (OpenSSL 3). Both opted in, both ends recorded:
#   - TLS 1.3, keep-alive: a.html, big.bin (300 KB), a.html;
#   - TLS 1.2, keep-alive: big.bin, a.html.
# The oracle is independent: tcpdump records the same traffic on lo, and
# tshark decrypts it with the client's key log (written by the client
# through SSL_CTX_set_keylog_callback). Checked:
#   - every HTTP message tshark decrypts (method, target, status, headers,
#     body) is in http.jsonl at both ends, in order, flagged tls: true, and
#     nothing else on the port is;
#   - the archive: a tls record for the client naming "OpenSSL 1.1.1" and
#     libssl.so.1.1, one for the server naming "OpenSSL 3.0"; the client's
#     plaintext records (SSL_read/SSL_write) are on the socket and 4-tuple
#     of its ciphertext; the 300 KB file is whole in the plaintext streams
#     at both ends.
. "$(dirname "$0")/capture_lib.sh"
need tcpdump tshark openssl

SSL11_DIR=$(BUILD=$BUILD "$(dirname "$0")/../../scripts/fetch-libssl11.sh" 2>"$T/fetch.log") ||
	{ cat "$T/fetch.log" >&2; die "could not fetch bullseye's libssl1.1 from the Debian mirror"; }
ANALYZE=$BUILD/sockrec-analyze
PORT=$(free_port)
export PORT SSL11_DIR

mkdir -p "$T/www"
echo "hello over tls 1.1" >"$T/www/a.html"
head -c 300000 /dev/urandom >"$T/www/big.bin"
# a test-only key and certificate, made here (nothing committed)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 1 \
	-subj /CN=localhost 2>/dev/null || die "openssl req"

cat >"$T/server.py" <<'EOF'
import functools, http.server, ssl, sys
class H(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), functools.partial(H, directory=sys.argv[2]))
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[3], sys.argv[4])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
EOF

# the client: OpenSSL 1.1's C API through ctypes (Python's own ssl module
# is OpenSSL 3 and is not imported)
cat >"$T/client.py" <<'EOF'
import ctypes, os, socket, sys, time
L = os.environ["SSL11_DIR"]
crypto = ctypes.CDLL(L + "/libcrypto.so.1.1", mode=ctypes.RTLD_GLOBAL)
ssl = ctypes.CDLL(L + "/libssl.so.1.1")
vp, cp, ci, cl = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_long
for lib, name, res, args in (
        (ssl, "TLS_client_method", vp, []), (ssl, "SSL_CTX_new", vp, [vp]),
        (ssl, "SSL_CTX_ctrl", cl, [vp, ci, cl, vp]), (ssl, "SSL_CTX_set_keylog_callback", None, [vp, vp]),
        (ssl, "SSL_new", vp, [vp]), (ssl, "SSL_set_fd", ci, [vp, ci]), (ssl, "SSL_ctrl", cl, [vp, ci, cl, vp]),
        (ssl, "SSL_connect", ci, [vp]), (ssl, "SSL_write", ci, [vp, cp, ci]), (ssl, "SSL_read", ci, [vp, vp, ci]),
        (ssl, "SSL_shutdown", ci, [vp]), (ssl, "SSL_free", None, [vp]), (ssl, "SSL_CTX_free", None, [vp]),
        (crypto, "OpenSSL_version", cp, [ci])):
    f = getattr(lib, name)
    f.restype, f.argtypes = res, args
version = crypto.OpenSSL_version(0).decode()
assert version.startswith("OpenSSL 1.1.1"), version
keylog = open(os.environ["KEYLOG"], "a")

@ctypes.CFUNCTYPE(None, vp, cp)
def on_key(s, line):
    keylog.write(line.decode() + "\n")
    keylog.flush()

def session(port, tls, paths, wait):
    ctx = ssl.SSL_CTX_new(ssl.TLS_client_method())
    v = 0x0303 if tls == "1.2" else 0x0304
    ssl.SSL_CTX_ctrl(ctx, 123, v, None)  # SSL_CTRL_SET_MIN_PROTO_VERSION
    ssl.SSL_CTX_ctrl(ctx, 124, v, None)  # SSL_CTRL_SET_MAX_PROTO_VERSION
    ssl.SSL_CTX_set_keylog_callback(ctx, on_key)
    sock = socket.create_connection(("127.0.0.1", port))
    s = ssl.SSL_new(ctx)
    ssl.SSL_set_fd(s, sock.fileno())
    ssl.SSL_ctrl(s, 55, 0, ctypes.c_char_p(b"localhost"))  # SSL_CTRL_SET_TLSEXT_HOSTNAME
    assert ssl.SSL_connect(s) == 1, "handshake failed"
    time.sleep(wait)  # the capture probes libssl.so.1.1 once it saw this traffic
    buf = ctypes.create_string_buffer(65536)
    for p in paths:
        req = ("GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % p).encode()
        assert ssl.SSL_write(s, req, len(req)) == len(req)
        data = b""
        while b"\r\n\r\n" not in data:
            n = ssl.SSL_read(s, buf, len(buf))
            assert n > 0, "SSL_read %d" % n
            data += buf.raw[:n]
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        clen = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0]
        while len(body) < clen:
            n = ssl.SSL_read(s, buf, len(buf))
            assert n > 0, "SSL_read %d" % n
            body += buf.raw[:n]
    ssl.SSL_shutdown(s)
    ssl.SSL_free(s)
    sock.close()
    ssl.SSL_CTX_free(ctx)

port = int(sys.argv[1])
session(port, "1.3", ["/a.html?c=1", "/big.bin?c=2", "/a.html?c=3"], 2.0)
session(port, "1.2", ["/big.bin?c=4", "/a.html?c=5"], 0)
print(version, "ok")
EOF

start_capture -q --tls -s 256k
ADI_PROFILE=$TAG python3 "$T/server.py" "$PORT" "$T/www" "$T/cert.pem" "$T/key.pem" >"$T/server.log" 2>&1 &
SERVER_PID=$!
PIDS+=($SERVER_PID)
wait_for grep -q ready "$T/server.log" || { cat "$T/server.log" >&2; die "server did not start"; }
start_tcpdump "tcp port $PORT"

log "OpenSSL 1.1 client (TLS 1.3, TLS 1.2; keep-alive)"
ADI_PROFILE=$TAG KEYLOG=$T/keys.log python3 "$T/client.py" "$PORT" >"$T/client.log" 2>&1 &
CLIENT_PID=$!
wait $CLIENT_PID || { cat "$T/client.log" >&2; die "client failed"; }
cat "$T/client.log"
sleep 0.5
stop_tcpdump
stop_capture
dump
"$ANALYZE" report "$CAP_OUT" -o "$T/report" >/dev/null || die "sockrec-analyze report"

tshark_oracle "$T/keys.log" "$PORT"

export T CLIENT_PID SERVER_PID
check '
port, T = int(os.environ["PORT"]), os.environ["T"]
cpid, spid = int(os.environ["CLIENT_PID"]), int(os.environ["SERVER_PID"])

# ---- the oracle: what tshark decrypted, per client port, in order
def f(p, k):
    v = p["_source"]["layers"].get(k)
    return v[0] if v else None
oracle = {}
for p in json.load(open(T + "/oracle.json")):
    sport, dport = int(f(p, "tcp.srcport")), int(f(p, "tcp.dstport"))
    cport = sport if dport == port else dport
    L = p["_source"]["layers"]
    if f(p, "http.request.method"):
        m, lines = ("request", f(p, "http.request.method"), f(p, "http.request.uri")), L.get("http.request.line", [])
    else:
        m, lines = ("response", int(f(p, "http.response.code")), None), L.get("http.response.line", [])
    hdrs = dict(l.rstrip("\r\n").partition(": ")[::2] for l in lines)
    oracle.setdefault(cport, []).append((m, hdrs, f(p, "http.file_data") or ""))
assert len(oracle) == 2, "tshark decrypted %d connections, expected 2" % len(oracle)
assert sum(1 for v in oracle.values() for m in v if m[0][0] == "request") == 5

# ---- http.jsonl: every message, at both ends, equals the oracle
http = [json.loads(l) for l in open(T + "/report/http.jsonl") if l.strip()]
got = {}
for m in http:
    if m.get("message") not in ("request", "response") or port not in (m["dest_port"], m["source_port"]):
        continue
    cport = m["source_port"] if m["dest_port"] == port else m["dest_port"]
    got.setdefault((cport, "server" if m["pid"] == spid else "client"), []).append(m)
assert {c for c, _ in got} == set(oracle), "connections: http.jsonl %r, tshark %r" % (sorted(got), sorted(oracle))
for cport, want in oracle.items():
    for side in ("client", "server"):
        have = got.get((cport, side), [])
        assert [h["message"] for h in have] == [w[0][0] for w in want], (cport, side, [h["message"] for h in have])
        for h, (w, whdrs, wbody) in zip(have, want):
            assert h.get("tls") is True, "tls flag missing: %r" % h
            if w[0] == "request":
                assert (h["method"], h["url"]) == (w[1], w[2]), (h["method"], h["url"], w)
            else:
                assert h["status_code"] == w[1], (h["status_code"], w)
                assert h["body_bytes"] == int(whdrs["Content-Length"]), (h["body_bytes"], whdrs)
                if whdrs["Content-Length"] != "300000":
                    assert h["body"] == wbody, (h["body"], wbody)
            assert h["headers"] == whdrs, "connection %d %s headers:\n%r\n%r" % (cport, side, h["headers"], whdrs)

# ---- the archive
tls = {r["pid"]: r for r in of("tls")}
assert cpid in tls and spid in tls, "tls records: %r" % list(tls)
c, s = tls[cpid], tls[spid]
assert c["status"] == 1 and c["library"].startswith("OpenSSL 1.1.1") and c["path"].endswith("libssl.so.1.1"), c
assert s["status"] == 1 and s["library"].startswith("OpenSSL 3.0."), s
pt = [r for r in recs if r["type"] == "data" and r["flags"] & 16]
ct = [r for r in recs if r["type"] == "data" and r["flags"] & 32]
cpt = [r for r in pt if r["tgid"] == cpid]
assert cpt and {r["syscall"] for r in cpt} <= {17, 18}, "the client calls SSL_read/SSL_write: %r" % {r["syscall"] for r in cpt}
ct_socks = {(r["tgid"], r["sock_id"], r["lport"], r["rport"]) for r in ct}
for r in pt:
    assert (r["tgid"], r["sock_id"], r["lport"], r["rport"]) in ct_socks, "plaintext off its ciphertext socket: %r" % r
want = open(T + "/www/big.bin", "rb").read()
streams = {}
for r in pt:
    k = (r["tgid"], r["sock_id"], r["dir"])
    streams[k] = streams.get(k, b"") + payload(r)
assert sum(v.count(want) for v in streams.values()) == 4, "big.bin whole: 2 connections x 2 ends"
print("ok: OpenSSL 1.1 client and OpenSSL 3 server, %d connections, both ends equal to tshark" % len(oracle))
'
log "PASS"
