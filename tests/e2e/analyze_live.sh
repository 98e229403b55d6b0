#!/usr/bin/env bash
# analyze_live.sh - real traffic through the whole pipeline: sockrec records
# curl talking to python3's http.server on loopback (both opted in with
# ADI_PROFILE), then sockrec-analyze must report exactly what curl did:
# each request and response from both ends, the bodies, a 404, a keep-alive
# connection and the service map edge curl -> pyserver, counted once.
# Needs root and a working capture; skips (77) otherwise.
set -u
BUILD=${BUILD:-build}
CAP=$BUILD/sockrec
A=$BUILD/sockrec-analyze
PORT=18089
if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root (BPF)"; exit 77; fi
for b in "$CAP" "$A"; do [ -x "$b" ] || { echo "SKIP: $b not built"; exit 77; }; done
for c in curl python3; do command -v $c >/dev/null || { echo "SKIP: $c missing"; exit 77; }; done

T=$(mktemp -d /tmp/sockrec-analyze-live.XXXXXX)
cap_pid= srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	[ -n "$cap_pid" ] && kill -INT "$cap_pid" 2>/dev/null && wait "$cap_pid" 2>/dev/null
	[ -n "${KEEP:-}" ] && cp -r "$T" "$KEEP"; rm -rf "$T"
}
trap cleanup EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

"$CAP" -w "$T/cap.srz" -q 2>"$T/cap.err" &
cap_pid=$!
for _ in $(seq 1 100); do
	grep -q '^sockrec: capturing' "$T/cap.err" && break
	kill -0 "$cap_pid" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q '^sockrec: capturing' "$T/cap.err"; then
	echo "SKIP: the capture did not start: $(head -n 3 "$T/cap.err")"
	exit 77
fi

mkdir -p "$T/www"
printf 'hello from the fixture\n' >"$T/www/hello.txt"
printf '{"k":[1,2],"s":"x"}' >"$T/www/data.json"
(cd "$T/www" && ADI_PROFILE=local ADI_PROFILE_NAME=pyserver \
	exec python3 -m http.server $PORT --bind 127.0.0.1 >/dev/null 2>&1) &
srv_pid=$!
for _ in $(seq 1 50); do
	curl -s -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && break
	sleep 0.1
done
# (the readiness probe above is not opted in: it is not recorded)
ADI_PROFILE=local curl -s -o "$T/got1" "http://127.0.0.1:$PORT/hello.txt" || bad "curl hello"
ADI_PROFILE=local curl -s -o /dev/null "http://127.0.0.1:$PORT/missing" || true
# two requests on one connection (HTTP/1.1 keep-alive in curl; the server
# may close after each with HTTP/1.0: both are fine)
ADI_PROFILE=local curl -s -o /dev/null -o /dev/null \
	"http://127.0.0.1:$PORT/data.json?a=1" "http://127.0.0.1:$PORT/data.json?a=2" || bad "curl data"
sleep 0.3
kill "$srv_pid" 2>/dev/null
wait "$srv_pid" 2>/dev/null
srv_pid=
kill -INT "$cap_pid"
wait "$cap_pid"
cap_pid=

"$A" report "$T/cap.srz" -o "$T/out" 2>"$T/an.err"
rc=$?
[ $rc = 0 ] && ok "report exit 0" || { bad "report exit $rc"; cat "$T/an.err"; }

python3 - "$T/out/http.jsonl" "$T/www/hello.txt" <<'EOF' && ok "http.jsonl matches what curl did" || bad "http.jsonl"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
hello = open(sys.argv[2]).read()
http = [l for l in lines if "event_type" not in l]
def find(**kw):
    return [l for l in http if all(l.get(k) == v for k, v in kw.items())]
# every request seen by curl (send) and by the server (recv)
for url in ["/hello.txt", "/missing", "/data.json?a=1", "/data.json?a=2"]:
    sent = find(method="GET", url=url, direction="send")
    recv = find(method="GET", url=url, direction="recv")
    assert len(sent) == 1, (url, "send", len(sent))
    assert len(recv) == 1, (url, "recv", len(recv))
    assert sent[0]["comm"] == "curl", sent[0]["comm"]
    assert recv[0]["source_port"] == sent[0]["source_port"]
    assert recv[0]["dest_port"] == sent[0]["dest_port"]
# responses: 200 with the file, 404; paired and timed
ok = [l for l in find(status_code=200, direction="recv") if l["body"] == hello]
assert len(ok) == 1, len(ok)
assert ok[0]["transaction_id"] is not None and ok[0]["latency_ms"] is not None
assert len(find(status_code=404, direction="recv")) == 1
assert len(find(status_code=404, direction="send")) == 1
assert all(not l["truncated"] for l in http), [l["url"] for l in http if l["truncated"]]
EOF

grep -q '^- name: curl$' "$T/out/service-map.yaml" && ok "map: curl calls" || bad "map: no curl service"
python3 - "$T/out/service-map.yaml" <<'EOF' && ok "map edge curl -> pyserver counted once" || bad "map edge"
import sys
text = open(sys.argv[1]).read()
# GET /data.json twice (query dropped), once per request although both ends were recorded
block = text[text.index("- name: curl"):]
i = block.index("path: /data.json")
seg = block[i:i + 600]
assert "count: 2" in seg, seg
assert "destination: pyserver" in block[:i], block[:i]
assert "k:" in seg and "- number" in seg, seg
EOF
grep -q 'adi_profile_name: "pyserver"' "$T/out/env.yaml" && ok "env: pyserver" || bad "env.yaml"

[ $fails -eq 0 ] && echo "analyze_live: all passed" || { echo "analyze_live: $fails failed"; cp -r "$T/out" /tmp/analyze_live_failed 2>/dev/null; }
[ $fails -eq 0 ]
