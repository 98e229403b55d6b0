#!/usr/bin/env bash
# capture_gotls.sh - HTTPS recorded as HTTP from Go's crypto/tls: uprobes at
# the entry and at every RET of crypto/tls.(*Conn).Read and .Write inside Go
# executables (Debian's golang-go, go1.19).
#
# tests/servers/gotls is built twice: with symbols (server "gotls-server",
# client "gotls-client": .symtab) and stripped (-ldflags='-s -w': server
# "gotls-stripped", found through .gopclntab). The servers serve a small
# file, a 300 KB file and net/http/pprof over TLS (HTTP/1.1, TLS 1.2 and
# 1.3, keep-alive); gotls-server also serves plain HTTP on a third port.
# Opted-in clients, both ends recorded:
#   - curl (OpenSSL), TLS 1.3 keep-alive: a.html, big.bin, a.html; TLS 1.2:
#     big.bin, a.html; /debug/pprof/ and /debug/pprof/goroutine?debug=1;
#   - the Go client, TLS 1.3: two connections at once (two goroutines,
#     scheduled on any thread), a.html, big.bin, a.html on each; it waits
#     2 s first: its executable is new, and the capture attaches to it
#     when it sees the exec;
#   - the Go client again, TLS 1.2, one connection: a.html, big.bin, with
#     no wait (the file is probed already: caught from its first call);
#   - against the stripped server: curl TLS 1.3 a.html, big.bin and the Go
#     client TLS 1.3 a.html;
#   - curl over plain HTTP to gotls-server (not TLS: its records must carry
#     no TLS flag and keep their payload);
#   - the Go client over a unix socket of gotls-server (TLS over a net.Conn
#     that is not a *net.TCPConn: not decrypted, and said so).
# The oracle is independent: tcpdump records the same traffic on lo, and
# tshark decrypts it with the programs' key logs (SSLKEYLOGFILE for curl,
# tls.Config.KeyLogWriter for the Go programs). Checked:
#   - every HTTP message tshark decrypts is in http.jsonl, at both ends, in
#     order per connection, with tls: true; nothing else on the TLS ports;
#   - the 300 KB body byte for byte in the archive's plaintext streams;
#   - archive: Go plaintext records (syscalls tls.Conn.Read/Write) on the
#     same socket and 4-tuple as the connection's ciphertext; all of a Go
#     TLS socket's bytes, handshake included, flagged ciphertext without
#     payload; the plain HTTP socket of the same server flagged nothing;
#     tls records name "Go crypto/tls go1.19" and the executable;
#   - the capture says, for both ends, that calls on a net.Conn that is not
#     a *net.TCPConn were not recorded;
#   - findings.json has the pprof exposure through the TLS port;
#   - pcapng (convert): tshark dissects the plaintext as HTTP with the
#     comment "TLS plaintext (Go crypto/tls go1.19.x)";
#   - --keep-ciphertext keeps the ciphertext payload (a second capture).
. "$(dirname "$0")/capture_lib.sh"
need curl openssl tcpdump tshark go

ANALYZE=$BUILD/sockrec-analyze
PORT=$(free_port)
PORT2=$(free_port)
PPORT=$(free_port)
export PORT PORT2 PPORT TAG

# the Go programs, built offline (Debian's golang-go, standard library only)
mkdir -p "$BUILD/go-cache"
gobuild() { # OUT [FLAGS...]
	local out=$1
	shift
	(cd "$(dirname "$0")/../servers" && GOCACHE="$BUILD/go-cache" GOPATH="$T/gopath" \
		GOPROXY=off GOFLAGS= GO111MODULE=on CGO_ENABLED=0 go build -trimpath "$@" -o "$out" \
		./gotls) || die "go build ./gotls $*"
}
gobuild "$T/gotls-server"
gobuild "$T/gotls-stripped" -ldflags='-s -w'
cp "$T/gotls-server" "$T/gotls-client" # another file: probed on its own
readelf -S "$T/gotls-stripped" | grep -q '\.symtab' && die "the stripped build has a .symtab"

mkdir -p "$T/root"
echo "hello over go tls" >"$T/root/a.html"
head -c 300000 /dev/urandom >"$T/root/big.bin"
# a test-only key and certificate, made here (nothing committed)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 1 \
	-subj /CN=localhost 2>/dev/null || die "openssl req"

# the capture's log (no -q) says when it probed an executable
start_capture --tls -s 256k
ADI_PROFILE=$TAG "$T/gotls-server" server -addr "127.0.0.1:$PORT" -plain "127.0.0.1:$PPORT" \
	-unix "$T/tls.sock" \
	-cert "$T/cert.pem" -key "$T/key.pem" -root "$T/root" -keylog "$T/server-keys.log" \
	>"$T/server.log" 2>&1 &
PIDS+=($!)
ADI_PROFILE=$TAG "$T/gotls-stripped" server -addr "127.0.0.1:$PORT2" -cert "$T/cert.pem" \
	-key "$T/key.pem" -root "$T/root" -keylog "$T/server-keys.log" >"$T/stripped.log" 2>&1 &
PIDS+=($!)
probed() { grep -q "TLS: probing Go crypto/tls go1\.[0-9.]* ($T/$1)" "$T/sockrec.log"; }
for _ in $(seq 300); do probed gotls-server && probed gotls-stripped && break; sleep 0.1; done
probed gotls-server && probed gotls-stripped || { cat "$T/sockrec.log"; die "servers not probed"; }
wait_for curl -skf -o /dev/null "https://127.0.0.1:$PORT/a.html?ready" || die "gotls-server did not start"
wait_for curl -skf -o /dev/null "https://127.0.0.1:$PORT2/a.html?ready" || die "gotls-stripped did not start"
wait_for curl -sf -o /dev/null "http://127.0.0.1:$PPORT/a.html?ready" || die "plain HTTP did not start"

start_tcpdump "tcp port $PORT or tcp port $PORT2"

export SSLKEYLOGFILE=$T/keys.log
B=https://127.0.0.1:$PORT
log "curl TLS 1.3 and 1.2, keep-alive"
ADI_PROFILE=$TAG curl -sk --tlsv1.3 -o /dev/null -o /dev/null -o /dev/null \
	"$B/a.html?c=13" "$B/big.bin?c=13" "$B/a.html?c=13b" || die "curl 1.3"
ADI_PROFILE=$TAG curl -sk --tlsv1.2 --tls-max 1.2 -o /dev/null -o /dev/null \
	"$B/big.bin?c=12" "$B/a.html?c=12" || die "curl 1.2"
log "Go client TLS 1.3: two connections at once (new executable: waits to be probed)"
ADI_PROFILE=$TAG "$T/gotls-client" client -base "$B" -tls 1.3 -conns 2 -delay 2s \
	-keylog "$T/keys.log" /a.html /big.bin /a.html || die "Go client 1.3"
log "Go client TLS 1.2 (probed already: no wait)"
ADI_PROFILE=$TAG "$T/gotls-client" client -base "$B" -tls 1.2 -keylog "$T/keys.log" \
	/a.html /big.bin || die "Go client 1.2"
log "stripped server"
ADI_PROFILE=$TAG curl -sk --tlsv1.3 -o /dev/null -o /dev/null \
	"https://127.0.0.1:$PORT2/a.html?s=13" "https://127.0.0.1:$PORT2/big.bin?s=13" ||
	die "curl stripped"
ADI_PROFILE=$TAG "$T/gotls-client" client -base "https://127.0.0.1:$PORT2" -tls 1.3 \
	-keylog "$T/keys.log" /a.html || die "Go client stripped"
log "pprof over TLS"
ADI_PROFILE=$TAG curl -sk -o /dev/null -o /dev/null "$B/debug/pprof/" \
	"$B/debug/pprof/goroutine?debug=1" || die "curl pprof"
unset SSLKEYLOGFILE
log "plain HTTP to the same server"
ADI_PROFILE=$TAG curl -sf -o /dev/null "http://127.0.0.1:$PPORT/a.html?plain" || die "curl plain"
log "Go client over a unix socket (not a *net.TCPConn)"
ADI_PROFILE=$TAG "$T/gotls-client" client -base https://localhost -unix "$T/tls.sock" \
	-keylog "$T/unix-keys.log" /a.html?unix || die "Go client unix"
sleep 0.5 # the servers' last writes
stop_tcpdump
stop_capture
for exe in gotls-server gotls-client; do
	grep -Eq "TLS: [0-9]+ calls? of Go crypto/tls go1\.[0-9.]+ in $T/$exe on a net.Conn that is not a \*net.TCPConn: not recorded" \
		"$T/sockrec.log" || die "no word of $exe's TLS calls over the unix socket"
done
dump
"$ANALYZE" report "$CAP_OUT" -o "$T/report" >/dev/null || die "sockrec-analyze report"

# the oracle: tshark decrypts the tcpdump capture with the programs' keys
cat "$T/keys.log" "$T/server-keys.log" >"$T/all-keys.log"
TSHARK_TLS=(-o "tls.keylog_file:$T/all-keys.log" -d "tcp.port==$PORT,tls" -d "tcp.port==$PORT2,tls")
tshark_oracle "$T/all-keys.log" "$PORT" "$PORT2"
mkdir -p "$T/objs"
tshark -r "$T/lo.pcap" "${TSHARK_TLS[@]}" -Q --export-objects "http,$T/objs" 2>/dev/null ||
	die "tshark exporting the decrypted bodies"

"$ANALYZE" convert "$CAP_OUT" "$T/cap.pcapng" >/dev/null || die "convert to pcapng"
tshark -r "$T/cap.pcapng" -d "tcp.port==$PORT,http" -d "tcp.port==$PORT2,http" -Y http -T json \
	-e tcp.srcport -e tcp.dstport -e http.request.uri -e http.response.code -e frame.comment \
	2>/dev/null >"$T/pcapng.json" || die "tshark on the pcapng"

export T
check '
import re
port, port2, pport, T = int(os.environ["PORT"]), int(os.environ["PORT2"]), int(os.environ["PPORT"]), os.environ["T"]
tls_ports = {port, port2}
http = [json.loads(l) for l in open(T + "/report/http.jsonl") if l.strip()]
msgs = [m for m in http if m.get("message") in ("request", "response")]

# ---- the oracle: what tshark decrypted, per client port, in order
def f(p, k):
    v = p["_source"]["layers"].get(k)
    return v[0] if v else None
oracle = {}
for p in json.load(open(T + "/oracle.json")):
    sport, dport = int(f(p, "tcp.srcport")), int(f(p, "tcp.dstport"))
    cport = sport if dport in tls_ports else dport
    L = p["_source"]["layers"]
    assert len(L.get("http.request.method", [])) + len(L.get("http.response.code", [])) == 1, \
        "several HTTP messages in one frame (nothing here pipelines): %r" % L
    if f(p, "http.request.method"):
        lines = L.get("http.request.line", [])
        m = ("request", f(p, "http.request.method"), f(p, "http.request.uri"))
    else:
        lines = L.get("http.response.line", [])
        m = ("response", int(f(p, "http.response.code")), None)
    hdrs = {}
    for l in lines:
        k, _, v = l.rstrip("\r\n").partition(": ")
        hdrs[k] = v
    oracle.setdefault(cport, []).append((m, hdrs, f(p, "http.file_data") or ""))
nreq = sum(1 for v in oracle.values() for m in v if m[0][0] == "request")
# curl 1.3, curl 1.2, Go 1.3 x2, Go 1.2, stripped: curl and Go, pprof
assert len(oracle) == 8, "tshark decrypted %d connections, expected 8: %r" % (len(oracle), list(oracle))
assert nreq == 18, "tshark decrypted %d requests, expected 18" % nreq
go_uris = [m[0][2] for v in oracle.values() for m in v if m[0][0] == "request" and "go=" in m[0][2]]
assert len(go_uris) == 9, "Go client requests decrypted: %r" % go_uris

# ---- http.jsonl: every message at both ends equals the oracle
SERVERS = ("gotls-server", "gotls-stripped")
def side(m):
    return "server" if m["comm"] in SERVERS else "client"
got = {}
for m in msgs:
    if m["dest_port"] in tls_ports or m["source_port"] in tls_ports:
        cport = m["source_port"] if m["dest_port"] in tls_ports else m["dest_port"]
        got.setdefault((cport, side(m)), []).append(m)
# the readiness probes (made before tcpdump and the key log)
ready = {c for (c, s), ms in got.items() if any((m.get("url") or "").endswith("?ready") for m in ms)}
assert len(ready) == 2, "readiness connections: %r" % ready
got = {k: v for k, v in got.items() if k[0] not in ready}
for cport, want in oracle.items():
    for s in ("client", "server"):
        have = got.get((cport, s), [])
        assert len(have) == len(want), "connection %d, %s: %d messages, tshark %d" % (cport, s, len(have), len(want))
        for h, (w, whdrs, wbody) in zip(have, want):
            assert h.get("tls") is True, "tls flag missing: %r" % h
            assert h["message"] == w[0], (h["message"], w)
            if w[0] == "request":
                assert (h["method"], h["url"]) == (w[1], w[2]), (h["method"], h["url"], w)
            else:
                assert h["status_code"] == w[1], (h["status_code"], w)
            assert h["headers"] == whdrs, "connection %d %s headers differ:\n%r\n%r" % (cport, s, h["headers"], whdrs)
            if "Content-Length" in whdrs:
                assert h["body_bytes"] == int(whdrs["Content-Length"]), (h["body_bytes"], whdrs)
            if w[0] == "response" and h["body_bytes"] != 300000 and not h["body"].endswith("..."):
                assert h["body"] == wbody, (cport, s, h["body"][:80], wbody[:80])
assert set(c for c, _ in got) == set(oracle), "http.jsonl has TLS connections tshark has not: %r" % (set(c for c, _ in got) - set(oracle))
# the Go processes at both ends: the clients and servers are Go here
comms = {m["comm"] for ms in got.values() for m in ms}
assert {"gotls-server", "gotls-stripped", "gotls-client", "curl"} <= comms, comms
# the 300 KB bodies, byte for byte: tshark decrypted them, and the archive
# plaintext streams (each process, socket, direction) hold them whole
want = open(T + "/root/big.bin", "rb").read()
objs = [open(os.path.join(T, "objs", n), "rb").read() for n in os.listdir(T + "/objs")]
nobj = sum(1 for o in objs if o == want)
assert nobj == 6, "tshark objects equal to big.bin: %d, expected 6" % nobj
streams = {}
for r in recs:
    if r["type"] == "data" and r["flags"] & 16:
        k = (r["tgid"], r["sock_id"], r["dir"])
        streams[k] = streams.get(k, b"") + payload(r)
nbig = sum(s.count(want) for s in streams.values())
assert nbig == 12, "archive plaintext streams holding big.bin whole: %d, expected 12 (6 responses x 2 ends)" % nbig

# ---- the archive: Go plaintext on the ciphertext socket
procs = {r["pid"]: r for r in of("process")}
def comm(pid):
    return procs[pid]["comm"] if pid in procs else "?"
tls_recs = of("tls")
go_tls = [r for r in tls_recs if r["library"].startswith("Go ")]
for r in go_tls:
    assert r["status"] == 1 and re.match(r"Go crypto/tls go1\.19(\.\d+)?$", r["library"]), r
    assert r["path"].startswith(T + "/gotls-"), r
assert {os.path.basename(r["path"]) for r in go_tls} == {"gotls-server", "gotls-stripped", "gotls-client"}, go_tls
assert len({r["inode"] for r in go_tls}) == 3, "three executables: %r" % go_tls
keys = [(r["pid"], r["inode"]) for r in tls_recs]
assert len(keys) == len(set(keys)), "a process reported twice for one file: %r" % keys
pt = [r for r in recs if r["type"] == "data" and r["flags"] & 16]
ct = [r for r in recs if r["type"] == "data" and r["flags"] & 32]
go_pids = {r["pid"] for r in go_tls}
gopt = [r for r in pt if r["tgid"] in go_pids]
assert gopt and {r["syscall"] for r in gopt} == {21, 22}, {r["syscall"] for r in gopt}
assert {r["tgid"] for r in pt} <= {r["pid"] for r in tls_recs if r["status"] == 1}, "plaintext from a process without a tls record"
for r in ct:
    assert r["flags"] & 2 and not payload(r) and r["bytes"] > 0, "ciphertext kept by default: %r" % r
ct_socks = {(r["tgid"], r["sock_id"], r["lport"], r["rport"]) for r in ct}
for r in pt:
    assert (r["tgid"], r["sock_id"], r["lport"], r["rport"]) in ct_socks, "plaintext on a socket without ciphertext: %r" % r
    assert not r["flags"] & 8 and len(payload(r)) == r["bytes"], r
# every byte a Go program moved on a TLS port is ciphertext or plaintext,
# the handshake included (the socket is marked at clientHandshake and
# serverHandshake)
for r in recs:
    if r["type"] == "data" and r["tgid"] in go_pids and r["bytes"] and (r["lport"] in tls_ports or r["rport"] in tls_ports):
        assert r["flags"] & 48, "a Go TLS socket moved bytes not flagged TLS: %r" % r
# the plain HTTP port of the same server: nothing flagged, payload kept
plain = [r for r in recs if r["type"] == "data" and pport in (r["lport"], r["rport"]) and r["bytes"]]
assert plain and all(not r["flags"] & 48 and len(payload(r)) == r["bytes"] for r in plain), plain
assert any(payload(r).startswith(b"GET /a.html?plain ") for r in plain if comm(r["tgid"]) == "gotls-server")
assert [m for m in msgs if m.get("url") == "/a.html?plain" and m.get("tls") is not True and m["comm"] == "gotls-server"]
# nothing of the unix socket connection: not guessed onto another socket
assert not [r for r in pt if b"?unix" in payload(r)], "the unix socket TLS was attributed to a TCP socket"

# ---- findings
fnd = json.load(open(T + "/report/findings.json"))
text = json.dumps(fnd)
assert "pprof" in text and str(port) in text, "no pprof finding through the TLS port %d" % port

# ---- pcapng: HTTP on the same 4-tuple, with the Go TLS comment
pk = json.load(open(T + "/pcapng.json"))
uris = [f(p, "http.request.uri") for p in pk if f(p, "http.request.uri")]
assert "/big.bin?go=1.3-0" in uris and "/debug/pprof/" in uris and "/a.html?s=13" in uris, uris
cm = [c for p in pk for c in p["_source"]["layers"].get("frame.comment", [])]
assert any(re.search(r"tls\.Conn\.Read .*TLS plaintext \(Go crypto/tls go1\.19(\.\d+)?\)", c) for c in cm), cm[:6]
assert any(re.search(r"tls\.Conn\.Write .*TLS plaintext \(Go crypto/tls go1\.19(\.\d+)?\)", c) for c in cm), cm[:6]
print("ok: %d connections, %d requests, both ends, equal to tshark" % (len(oracle), nreq))
'

# ---- --keep-ciphertext: the ciphertext keeps its payload
CAP_OUT=$T/keep.srz
start_capture -q --tls --keep-ciphertext
ADI_PROFILE=$TAG "$T/gotls-client" client -base "$B" -tls 1.3 -delay 2s /a.html?keep || die "Go client keep"
sleep 0.3
stop_capture
dump "$T/keep.srz"
check '
ct = [r for r in recs if r["type"] == "data" and r["flags"] & 32 and r["comm"].startswith("gotls")]
pt = [r for r in recs if r["type"] == "data" and r["flags"] & 16]
assert ct and pt
assert all(not r["flags"] & 2 and len(payload(r)) == r["bytes"] for r in ct), "ciphertext payload missing with --keep-ciphertext"
assert any(payload(r).startswith(b"\x16\x03") for r in ct), "no TLS handshake record in the kept ciphertext"
assert any(payload(r).startswith(b"GET /a.html?keep") for r in pt if r["syscall"] == 22)
assert any(payload(r).startswith(b"GET /a.html?keep") for r in pt if r["syscall"] == 21)
'
log "PASS"
