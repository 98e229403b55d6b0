#!/usr/bin/env bash
# capture_tls_h2.sh - HTTP/2 over TLS (h2 by ALPN), recorded with --tls and
# decoded: nginx (ssl http2, OpenSSL 3) and curl --http2 (OpenSSL 3), both
# opted in, three requests on one connection (curl reuses it: one
# handshake). Checked against what curl itself reports (-w: the HTTP
# version, status and size of each response) and the files served:
#   - http.jsonl has each request and response at both ends (curl and
#     nginx), http_version "HTTP/2", a stream_id, tls: true, method/url and
#     status as curl sent and got them, and the response bodies equal to the
#     files;
#   - the service map's endpoints for the three paths carry tls: true.
. "$(dirname "$0")/capture_lib.sh"
need nginx curl openssl jq

A=$BUILD/sockrec-analyze
PORT=$(free_port)
mkdir -p "$T/nginx/html" "$T/nginx/tmp"
echo "hello over h2" >"$T/nginx/html/a.txt"
printf '{"items":[1,2,3],"ok":true}\n' >"$T/nginx/html/b.json"
head -c 20000 /dev/zero | tr '\0' 'z' >"$T/nginx/html/c.txt"
# a test-only key and certificate, made here (nothing committed)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 1 \
	-subj /CN=localhost 2>/dev/null || die "openssl req"
{
	nginx_conf_head 128 "env ADI_PROFILE;"
	cat <<EOF
	types { text/plain txt; application/json json; }
	server {
		listen 127.0.0.1:$PORT ssl http2;
		ssl_certificate $T/cert.pem;
		ssl_certificate_key $T/key.pem;
		root $T/nginx/html;
	}
}
EOF
} >"$T/nginx/nginx.conf"
start_capture -q --tls
ADI_PROFILE="$TAG" nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" &
PIDS+=($!)
wait_for curl -skf -o /dev/null "https://127.0.0.1:$PORT/a.txt?ready" ||
	{ tail -5 "$T/nginx/error.log" >&2; die "nginx did not start"; }
sleep 0.5 # the capture has seen nginx's processes and probed their libssl
U="https://127.0.0.1:$PORT"
ADI_PROFILE="$TAG" curl -sk --http2 -w '%{http_version} %{http_code} %{size_download}\n' \
	-o "$T/1" "$U/a.txt" -o "$T/2" "$U/b.json" -o "$T/3" "$U/c.txt" >"$T/curl.out" || die "curl failed"
cat "$T/curl.out"
[ "$(cut -d' ' -f1,2 "$T/curl.out" | sort -u)" = "2 200" ] || die "curl did not get three HTTP/2 200s"
sleep 0.5
stop_capture

"$A" http "$T/cap.srz" >"$T/http.jsonl" || die "sockrec-analyze http"
"$A" map "$T/cap.srz" >"$T/map.yaml" || die "sockrec-analyze map"
python3 - "$T" "$TAG" <<'EOF' || die "HTTP/2 over TLS not recorded as curl saw it"
import json, sys, yaml
t, tag = sys.argv[1], sys.argv[2]
lines = [json.loads(l) for l in open(t + "/http.jsonl")]
sizes = [int(x.split()[2]) for x in open(t + "/curl.out")]
files = {"/a.txt": open(t + "/nginx/html/a.txt").read(), "/b.json": open(t + "/nginx/html/b.json").read(),
         "/c.txt": open(t + "/nginx/html/c.txt").read()}
for comm in ("curl", "nginx"):
    # curl's run: the three paths (nginx also answered the readiness probe, ?ready)
    reqs = [l for l in lines if l.get("comm") == comm and l.get("message") == "request" and l["url"] in files]
    ids = {r["transaction_id"]: r for r in reqs}
    resps = [l for l in lines if l.get("comm") == comm and l.get("message") == "response"
             and l["transaction_id"] in ids]
    assert sorted(r["url"] for r in reqs) == sorted(files), (comm, [r["url"] for r in reqs])
    assert len(resps) == 3, (comm, len(resps))
    for r in reqs + resps:
        assert r["http_version"] == "HTTP/2", (comm, r["http_version"])
        assert r["tls"] is True, (comm, "tls", r)
        assert isinstance(r["stream_id"], int) and r["stream_id"] % 2 == 1, (comm, r["stream_id"])
    for s in resps:
        q = ids[s["transaction_id"]]
        assert s["status_code"] == 200 and q["method"] == "GET", (comm, s["status_code"])
        assert s["stream_id"] == q["stream_id"], (comm, "pairing")
        assert s["body_bytes"] == len(files[q["url"]]), (comm, q["url"], s["body_bytes"])
        if q["url"] != "/c.txt":
            assert s["body"] == files[q["url"]], (comm, q["url"], s["body"])
    assert sorted(s["body_bytes"] for s in resps) == sorted(sizes), (comm, sizes)
    print("ok:", comm, len(reqs), "requests,", len(resps), "responses, HTTP/2 over TLS")
m = yaml.safe_load(open(t + "/map.yaml"))
eps = [e for s in m.get("services", []) for e in s.get("endpoints", []) if e.get("path") in files]
assert eps and all(e.get("tls") is True for e in eps), eps
print("ok: service map endpoints", sorted(e["path"] for e in eps), "tls: true")
EOF
echo "== PASS"
