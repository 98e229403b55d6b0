#!/usr/bin/env bash
# analyze_h2.sh - HTTP/2, gRPC and compressed bodies, from real programs, through
# sockrec and sockrec-analyze, with tshark's dissection of a tcpdump capture of the
# same traffic as the oracle.
#
# Recorded (everything opted in; servers started after sockrec):
#   - nghttpd (h2c, prior knowledge) and nghttp fetching three files on one
#     connection (three streams multiplexed), and curl --http2-prior-knowledge;
#   - nghttpx (h2c frontend, nginx behind it): curl --http2 upgrades from
#     HTTP/1.1 (Upgrade: h2c, 101), and curl --http2-prior-knowledge with a
#     gzip body over HTTP/2;
#   - a python3-grpcio server and client (tests/servers/grpc/grpc_pair.py):
#     unary, unary gzip-compressed, unary failing with NOT_FOUND, and
#     server-streaming with 5 messages, on one channel;
#   - nginx over HTTP/1.1: a gzip body (gzip on), and br and zstd bodies
#     (files compressed by the brotli and zstd programs, sent with
#     Content-Encoding).
# Checked:
#   - every HTTP/2 :method/:path (requests) and :status (responses) that tshark
#     sees on each connection and stream is in http.jsonl, at both ends (client
#     and server views), and nothing more;
#   - bodies equal the files served (decompressed where compressed), pairing
#     and latency per stream, the upgrade's 101 and its stream-1 response;
#   - gRPC service/method, decoded messages against what the client printed,
#     grpc-status/grpc-message, the streaming count; the service map's gRPC
#     endpoints (protocol, status histogram, schemas);
#   - Wireshark: the pcapng that sockrec-analyze convert writes dissects as
#     HTTP/2 on these non-standard ports with the shipped Lua plugin
#     (tools/wireshark/sockrec.lua), as on tcpdump's capture.
. "$(dirname "$0")/capture_lib.sh"
need nghttpd nghttp nghttpx curl nginx tshark tcpdump brotli zstd
PY=/usr/bin/python3
$PY -c 'import grpc' 2>/dev/null || skip "python3-grpcio not installed"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ANALYZE=$BUILD/sockrec-analyze

P_H2=$(free_port)
P_UP=$(free_port)
P_NG=$(free_port)
P_GRPC=$(free_port)
export P_H2 P_UP P_NG P_GRPC T ROOT

# ---- content
mkdir -p "$T/www" "$T/nginx/html" "$T/nginx/tmp" "$T/nginx/logs"
echo "hello over h2" >"$T/www/a.txt"
printf '{"id":7,"tags":["x","y"],"ok":true}\n' >"$T/www/b.json"
head -c 30000 /dev/urandom | base64 -w 76 >"$T/www/c.html" # several DATA frames
$PY - "$T/nginx/html/big.json" <<'PYEOF'
import json, sys
items = [{"id": i, "name": "item-%d" % i, "price": i * 1.5, "tags": ["a", "b"]} for i in range(400)]
open(sys.argv[1], "w").write(json.dumps({"items": items, "total": len(items)}))
PYEOF
cp "$T/nginx/html/big.json" "$T/nginx/html/up.json"
brotli -c "$T/nginx/html/big.json" >"$T/nginx/html/big.json.br"
zstd -q -c "$T/nginx/html/big.json" >"$T/nginx/html/big.json.zst"
{
	nginx_conf_head 64 "env ADI_PROFILE;"
	cat <<NGEOF
	types { application/json json; }
	gzip on;
	gzip_types application/json;
	gzip_min_length 100;
	gzip_http_version 1.0;
	gzip_proxied any;
	server {
		listen 127.0.0.1:$P_NG;
		root $T/nginx/html;
		location = /br.json { gzip off; default_type application/json;
			add_header Content-Encoding br; alias $T/nginx/html/big.json.br; }
		location = /zstd.json { gzip off; default_type application/json;
			add_header Content-Encoding zstd; alias $T/nginx/html/big.json.zst; }
	}
}
NGEOF
} >"$T/nginx/nginx.conf"
# alias files keep their own extension's type: none of .br/.zst is in types{}
sed -i 's/types { application\/json json; }/types { application\/json json; application\/json br; application\/json zst; }/' "$T/nginx/nginx.conf"

start_capture -q -s 256k --allow "$TAG"

log "tcpdump on lo (the oracle)"
tcpdump -i lo -Z root -U --immediate-mode -s 0 -w "$T/lo.pcap" \
	"tcp port $P_H2 or tcp port $P_UP or tcp port $P_GRPC or tcp port $P_NG" 2>"$T/tcpdump.log" &
PIDS+=($!)
TD_PID=$!
for _ in $(seq 50); do grep -q listening "$T/tcpdump.log" && break; sleep 0.1; done
grep -q listening "$T/tcpdump.log" || die "tcpdump did not start"

log "servers: nghttpd $P_H2, nghttpx $P_UP -> nginx $P_NG, grpc $P_GRPC"
ADI_PROFILE=$TAG nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" &
PIDS+=($!)
ADI_PROFILE=$TAG nghttpd --no-tls -d "$T/www" "$P_H2" >"$T/nghttpd.log" 2>&1 &
PIDS+=($!)
ADI_PROFILE=$TAG nghttpx --single-process -f"127.0.0.1,$P_UP;no-tls" -b"127.0.0.1,$P_NG" \
	--no-ocsp --errorlog-file="$T/nghttpx.log" --accesslog-file=/dev/null >/dev/null 2>&1 &
PIDS+=($!)
ADI_PROFILE=$TAG $PY "$ROOT/tests/servers/grpc/grpc_pair.py" server "$P_GRPC" >"$T/grpc_server.log" 2>&1 &
PIDS+=($!)
# the readiness probes are opted in too: both ends of every connection are recorded
export ADI_PROFILE=$TAG
wait_for curl -sf -o /dev/null "http://127.0.0.1:$P_NG/big.json" || die "nginx did not start"
wait_for curl -sf --http2-prior-knowledge -o /dev/null "http://127.0.0.1:$P_H2/a.txt" || die "nghttpd did not start"
wait_for curl -sf -o /dev/null "http://127.0.0.1:$P_UP/big.json" || die "nghttpx did not start"
unset ADI_PROFILE
wait_for grep -q listening "$T/grpc_server.log" || die "grpc server did not start"

log "clients"
ADI_PROFILE=$TAG nghttp -n "http://127.0.0.1:$P_H2/a.txt" "http://127.0.0.1:$P_H2/b.json" \
	"http://127.0.0.1:$P_H2/c.html" || die "nghttp failed"
ADI_PROFILE=$TAG curl -sf --http2-prior-knowledge -o "$T/pk.out" "http://127.0.0.1:$P_H2/b.json" || die "curl prior knowledge"
ADI_PROFILE=$TAG curl -sf --http2 -o "$T/up.out" "http://127.0.0.1:$P_UP/up.json" || die "curl upgrade"
ADI_PROFILE=$TAG curl -sf --http2-prior-knowledge -H 'Accept-Encoding: gzip' -o "$T/h2gz.out" \
	"http://127.0.0.1:$P_UP/big.json" || die "curl h2 gzip"
ADI_PROFILE=$TAG $PY "$ROOT/tests/servers/grpc/grpc_pair.py" client "$P_GRPC" 5 >"$T/grpc_client.out" ||
	die "grpc client failed"
for e in gzip br zstd; do
	case $e in gzip) u=big.json ;; br) u=br.json ;; zstd) u=zstd.json ;; esac
	ADI_PROFILE=$TAG curl -sf -H "Accept-Encoding: $e" -o "$T/$e.out" -D "$T/$e.hdr" \
		"http://127.0.0.1:$P_NG/$u" || die "curl $e"
	grep -qi "^content-encoding: $e" "$T/$e.hdr" || die "nginx sent no $e body: $(cat "$T/$e.hdr")"
done
sleep 0.5
stop_capture
sleep 1 # tcpdump writes what it has read
kill -INT "$TD_PID"; wait "$TD_PID" 2>/dev/null || true
grep -q '^0 packets dropped by kernel' "$T/tcpdump.log" || die "tcpdump dropped packets: $(cat "$T/tcpdump.log")"

log "analyze"
"$ANALYZE" report --body-limit 100000 "$CAP_OUT" -o "$T/out" >"$T/report.log" 2>&1 || { cat "$T/report.log"; die "report failed"; }
"$ANALYZE" convert "$CAP_OUT" "$T/cap.pcapng" >/dev/null 2>&1 || die "convert failed"

log "tshark on the tcpdump capture"
FIELDS=(-T fields -E "aggregator=$(printf '\037')" -E "separator=$(printf '\t')" -e tcp.srcport -e tcp.dstport
	-e http2.streamid -e http2.type -e http2.header.count -e http2.header.name -e http2.header.value)
# the upgrade port as HTTP: Wireshark follows "Upgrade: h2c" (and a preface) from there
tshark -2 -r "$T/lo.pcap" -d "tcp.port==$P_H2,http2" -d "tcp.port==$P_UP,http" -d "tcp.port==$P_GRPC,http2" \
	-Y 'http2.type == 1' "${FIELDS[@]}" >"$T/oracle.json" 2>"$T/tshark.err" ||
	{ cat "$T/tshark.err"; die "tshark failed"; }

log "tshark on our pcapng, with the Lua plugin (no port given)"
tshark -2 -X "lua_script:$ROOT/tools/wireshark/sockrec.lua" -r "$T/cap.pcapng" \
	-Y 'http2.type == 1' "${FIELDS[@]}" >"$T/ours.json" 2>"$T/tshark2.err" ||
	{ cat "$T/tshark2.err"; die "tshark on the pcapng failed"; }

$PY - <<'PYEOF'
import json, os, sys
T = os.environ["T"]
P_H2, P_UP, P_NG, P_GRPC = (int(os.environ[k]) for k in ("P_H2", "P_UP", "P_NG", "P_GRPC"))
h2ports = {P_H2, P_UP, P_GRPC}
lines = [json.loads(l) for l in open(T + "/out/http.jsonl")]
msgs = [l for l in lines if "message" in l]
fail = []
def check(cond, what):
    if not cond:
        fail.append(what)

def tshark_set(path):
    """{(server_port, client_port, stream, 'req'|'resp', "METHOD PATH" or status)}
    from tshark -T fields: per packet the frames' stream ids and types, the header
    count of each HEADERS frame, and every header name and value in order"""
    out = set()
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if len(f) < 7:
            continue
        sp, dp = int(f[0]), int(f[1])
        sids, types = f[2].split("\x1f"), f[3].split("\x1f")
        counts = [int(x) for x in f[4].split("\x1f") if x]
        names, values = f[5].split("\x1f"), f[6].split("\x1f")
        hsids = [int(s) for s, t in zip(sids, types) if t == "1"]
        i = 0
        for sid, n in zip(hsids, counts):
            b = dict(zip(names[i:i + n], values[i:i + n]))
            i += n
            if ":method" in b:
                out.add((dp, sp, sid, "req", b[":method"] + " " + b.get(":path", "")))
            elif ":status" in b:
                out.add((sp, dp, sid, "resp", b[":status"]))
    return out

oracle = tshark_set(T + "/oracle.json")
check(len(oracle) >= 20, "tshark saw %d HTTP/2 header blocks: %r" % (len(oracle), sorted(oracle)))

def ours(view):
    """the same set from http.jsonl, as seen by the client (view='client') or the server"""
    out = set()
    for m in msgs:
        if m["http_version"] != "HTTP/2":
            continue
        # request: source = client, dest = server; response: source = server, dest = client
        if m["message"] == "request":
            sp, cp = m["dest_port"], m["source_port"]
        else:
            sp, cp = m["source_port"], m["dest_port"]
        is_client = (m["message"] == "request") == (m["direction"] == "send")
        if (view == "client") != is_client:
            continue
        if m["message"] == "request":
            out.add((sp, cp, m["stream_id"], "req", "%s %s" % (m["method"], m["url"])))
        else:
            out.add((sp, cp, m["stream_id"], "resp", str(m["status_code"])))
    return out

for view in ("client", "server"):
    got = ours(view)
    check(got == oracle, "%s view differs from tshark:\n  only tshark: %r\n  only ours: %r" %
          (view, sorted(oracle - got), sorted(got - oracle)))

# ---- nghttp: three streams multiplexed on one connection, bodies
www = {n: open(T + "/www/" + n).read() for n in ("a.txt", "b.json", "c.html")}
ng = [m for m in msgs if m["comm"] == "nghttp"]
check(len(ng) == 6, "nghttp: %d messages, want 6" % len(ng))
check(len({m["connection_id"] for m in ng}) == 1, "nghttp: one connection")
reqs = {m["stream_id"]: m for m in ng if m["message"] == "request"}
resps = {m["stream_id"]: m for m in ng if m["message"] == "response"}
check(len(reqs) == 3 and set(reqs) == set(resps), "nghttp streams %r %r" % (sorted(reqs), sorted(resps)))
for sid, rq in reqs.items():
    rs = resps.get(sid)
    if not rs:
        continue
    name = rq["url"].lstrip("/")
    check(rs["transaction_id"] == rq["transaction_id"], "nghttp stream %d pairing" % sid)
    check(rs["latency_ms"] is not None and rs["latency_ms"] >= 0, "nghttp stream %d latency" % sid)
    body = www[name]
    check(rs["body"] == body, "nghttp %s body differs" % name)
    check(rs["body_bytes"] == len(body), "nghttp %s body_bytes %d != %d" % (name, rs["body_bytes"], len(body)))
    check(rq["authority"] == "127.0.0.1:%d" % P_H2, "authority %r" % rq["authority"])
    check(not any(k.startswith(":") for k in rq["headers"]), "pseudo-headers in headers")
    check(rs["truncated"] is False and rq["hpack_unknown"] == 0 and rs["hpack_unknown"] == 0, "nghttp flags")

# ---- upgrade: HTTP/1.1 request, 101, then the HTTP/2 response on stream 1
up = [m for m in msgs if m["comm"] == "curl" and m["dest_port" if m["message"] == "request" else "source_port"] == P_UP
      and m["direction"] in ("send", "recv")]
v11 = [m for m in up if m["http_version"] == "HTTP/1.1"]
check(any(m["message"] == "request" and m["headers"].get("Upgrade") == "h2c" for m in v11), "upgrade request")
check(any(m["message"] == "response" and m["status_code"] == 101 for m in v11), "101 response")
upc = {m["connection_id"] for m in v11 if m["message"] == "request" and m["headers"].get("Upgrade") == "h2c"}
check(len(upc) == 1, "one upgraded connection: %r" % upc)
up2 = [m for m in up if m["http_version"] == "HTTP/2" and m["message"] == "response" and m["stream_id"] == 1
       and m["connection_id"] in upc]
upjson = open(T + "/nginx/html/up.json").read()
check(len(up2) == 1 and up2[0]["status_code"] == 200, "upgraded stream 1 response: %r" % up2)
if up2:
    check(up2[0]["body"] == upjson, "upgraded body")
    check(up2[0]["body_bytes"] == len(upjson), "upgraded body_bytes")
    check(up2[0]["latency_ms"] is not None, "upgraded latency")

# ---- compressed bodies: HTTP/1.1 gzip, br, zstd; HTTP/2 gzip
big = open(T + "/nginx/html/big.json").read()
def enc_msgs(enc, version):
    return [m for m in msgs if m["message"] == "response" and m.get("content_encoding") == enc
            and m["http_version"] == version]
for enc in ("gzip", "br", "zstd"):
    ms = enc_msgs(enc, "HTTP/1.1")
    check(len(ms) >= 2, "%s: %d decoded HTTP/1.1 responses (want client and server view)" % (enc, len(ms)))
    for m in ms:
        check(m["decoded_bytes"] == len(big) and m["decoded_truncated"] is False,
              "%s decoded_bytes %r" % (enc, m["decoded_bytes"]))
        check(m["body"] == big, "%s body is not the file" % enc)
        check(m["body_bytes"] < len(big), "%s body_bytes are the bytes sent" % enc)
gz2 = enc_msgs("gzip", "HTTP/2")
check(len(gz2) >= 1, "HTTP/2 gzip response decoded")

# ---- gRPC
calls = [json.loads(l) for l in open(T + "/grpc_client.out")]
g = [m for m in msgs if m.get("grpc")]
cli = [m for m in g if (m["message"] == "request" and m["direction"] == "send") or
       (m["message"] == "response" and m["direction"] == "recv")]
check(len(cli) == 8, "gRPC client view: %d messages, want 8" % len(cli))
rs = sorted([m for m in cli if m["message"] == "response"], key=lambda m: m["stream_id"])
rq = sorted([m for m in cli if m["message"] == "request"], key=lambda m: m["stream_id"])
for c, q, r in zip(calls, rq, rs):
    svc, meth = c["path"][1:].split("/")
    check(q["url"] == c["path"] and q["grpc"]["service"] == svc and q["grpc"]["method"] == meth,
          "grpc path %r %r" % (q["url"], q["grpc"]))
    check(r["grpc"]["status"] == c["status"], "grpc status %r != %r" % (r["grpc"]["status"], c["status"]))
    check(r["transaction_id"] == q["transaction_id"] and r["stream_id"] == q["stream_id"], "grpc pairing")
    if "reply" in c:
        want = {str(k): v for k, v in c["reply"].items()}
        got = json.loads(r["body"])
        check(got["1"] == want["1"] and got["2"] == want["2"] and got["3"] == {"1": "nested", "2": 7},
              "grpc reply %r != %r" % (got, want))
        check(r["grpc"]["decoded"] is True and r["grpc"]["messages"] == 1, "grpc unary count")
    if c.get("compressed"):
        # both messages went gzip-compressed (flag set) and decode to what was sent
        check(q["grpc"]["compressed"] is True and r["grpc"]["compressed"] is True,
              "compressed flags %r %r" % (q["grpc"], r["grpc"]))
        check(json.loads(q["body"]) == {"1": "bob", "2": 5, "4": "pad" * 500}, "compressed request %r" % q["body"][:80])
        check(json.loads(r["body"]).get("4") == "pad" * 500, "compressed reply %r" % r["body"][:80])
    if "message" in c:
        check(r["grpc"]["message"] == c["message"], "grpc-message %r" % r["grpc"]["message"])
    if "count" in c:
        check(r["grpc"]["messages"] == c["count"] == 5, "stream count %r" % r["grpc"]["messages"])
        items = json.loads(r["body"])
        check(isinstance(items, list) and [i["2"] if "2" in i else 0 for i in items] == [0, 1, 2, 3, 4]
              and all(i["1"] == "carol" for i in items), "stream items %r" % items)

# ---- service map
import yaml
smap = yaml.safe_load(open(T + "/out/service-map.yaml"))
eps = [e for s in smap["services"] for e in s.get("endpoints") or []]
ge = [e for e in eps if e.get("protocol") == "grpc"]
hello = [e for e in ge if e["path"] == "/demo.Greeter/SayHello"]
lst = [e for e in ge if e["path"] == "/demo.Greeter/ListItems"]
check(hello and lst, "gRPC endpoints in the service map: %r" % [e["path"] for e in ge])
check(sum(sum(e["grpc_status"].values()) for e in hello) == 3 and
      sum(e["grpc_status"].get(5, 0) for e in hello) == 1 and
      sum(e["grpc_status"].get(0, 0) for e in hello) == 2, "grpc status histogram %r" % [e["grpc_status"] for e in hello])
check(any(e["response_schema"] == {"1": "string", "2": "number", "3": {"1": "string", "2": "number"}} for e in hello),
      "SayHello response schema %r" % [e["response_schema"] for e in hello])
check(any(e["response_schema"] == [{"1": "string", "2": "number"}] for e in lst),
      "ListItems response schema %r" % [e["response_schema"] for e in lst])
bj = [e for e in eps if e["path"] == "/big.json" and e.get("protocol") != "grpc"]
check(bj and all(isinstance(e["response_schema"], dict) and "items" in e["response_schema"] for e in bj),
      "gzip body schema %r" % [e["response_schema"] for e in bj])

# ---- Wireshark on our pcapng: the prior-knowledge connections (the plugin's
# preface heuristic; the upgraded ones need -d tcp.port==N,http, README)
theirs = tshark_set(T + "/ours.json")
pk = {x for x in oracle if x[0] in (P_H2, P_GRPC)}
check(len(pk) >= 14 and {x for x in theirs if x[0] in (P_H2, P_GRPC)} == pk,
      "tshark on our pcapng differs from tshark on tcpdump's: only tcpdump %r, only ours %r" %
      (sorted(pk - theirs)[:5], sorted({x for x in theirs if x[0] in (P_H2, P_GRPC)} - pk)[:5]))

if fail:
    print("FAIL:\n- " + "\n- ".join(fail))
    sys.exit(1)
print("ok: %d HTTP/2 header blocks match tshark at both ends; %d gRPC messages; gzip/br/zstd decoded" %
      (len(oracle), len(cli)))
PYEOF
