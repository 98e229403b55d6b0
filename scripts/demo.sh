#!/usr/bin/env bash
# make demo: records a small, realistic system for about 20 seconds and
# shows what sockrec makes of it. Run as root after `make` (the Makefile's
# demo target does both).
#
# The system (all on this machine, all opted in with ADI_PROFILE=demo):
#
#   loadgen (curl) --HTTP--> frontend (Go) --HTTP--> orders (Go) --> PostgreSQL
#                               |   |                     \-----> Redis
#                               |   \--HTTP--> web (busybox httpd container)
#   worker (busybox container) -/--HTTP--> web
#   frontend also serves net/http/pprof on its netns-facing address, which
#   a peer in a network namespace scrapes (that peer is not opted in: it is
#   only seen from the frontend's side, like an outsider would be).
#
# Writes demo/out/: capture.srz, capture.pcapng, http.jsonl, env.yaml,
# service-map.yaml, findings.json (when the analyzer has findings),
# service-map.dot/.svg/.png, info.yaml, and prints a short summary.
# Everything it starts is stopped on exit. DEMO_SECONDS sets the length.
set -euo pipefail
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
SR_PROFILE=demo
. scripts/lib/services.sh

SECONDS_WANTED=${DEMO_SECONDS:-20}
OUT=demo/out
BASE=27900 # ports BASE+1 .. BASE+5
PG_PORT=$((BASE + 1)) REDIS_PORT=$((BASE + 2)) ORDERS_PORT=$((BASE + 3))
FRONT_PORT=$((BASE + 4)) DEBUG_PORT=$((BASE + 5))
NS_X=240     # netns peer: 198.18.240.1 (host end) <-> 198.18.240.2 (peer)
DOCKER_X=241 # containers: 198.18.241.0/24, gateway .1, web .10, worker .11
ANALYZE=$SR_BUILD/sockrec-analyze

say() { printf '\033[1mdemo:\033[0m %s\n' "$*"; }

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (sudo make demo): the capture loads BPF" >&2; exit 1; }
for b in sockrec sockrec-analyze; do
	[ -x "$SR_BUILD/$b" ] || { echo "demo: $SR_BUILD/$b is missing: run make" >&2; exit 1; }
done
command -v dot >/dev/null || echo "demo: graphviz 'dot' missing: no picture (scripts/install-deps.sh)" >&2

sr_init demo
t0=$(date +%s)
rm -rf "$OUT"
mkdir -p "$OUT"

say "building the demo services (Go, standard library only)"
FRONT_BIN=$(sr_build_go frontend)
ORDERS_BIN=$(sr_build_go orders)
sr_netns_create $NS_X
sr_start_dockerd $DOCKER_X
WEB_IP=198.18.$DOCKER_X.10 WORKER_IP=198.18.$DOCKER_X.11

say "starting the capture: $SR_BUILD/sockrec -w $OUT/capture.srz --allow demo"
sr_capture_start "$OUT/capture.srz" --docker-socket "$SR_DOCKER_SOCK"
t_cap=$(date +%s)

# Servers start under the capture, so it sees them from their first byte
# (PostgreSQL and Redis rewrite their process titles, which hides their
# environment from a /proc scan of processes started earlier).
say "starting PostgreSQL, Redis, orders, frontend, two containers"
sr_start_postgres $PG_PORT postgres
sr_start_redis $REDIS_PORT redis
sr_spawn orders "$SR_TMP/log/orders.log" ORDERS_DB_PASSWORD="$SR_PG_PASSWORD" \
	ORDERS_CURRENCY=EUR "$ORDERS_BIN" -addr 127.0.0.1:$ORDERS_PORT \
	-pg 127.0.0.1:$PG_PORT -redis 127.0.0.1:$REDIS_PORT
sr_wait_port_pid "$SR_PID" 127.0.0.1 $ORDERS_PORT || sr_fail_log orders "$SR_TMP/log/orders.log" || exit 1
sr_docker_run demo-web web "$WEB_IP" -- /bin/httpd -f -p 8080 -h /www
sr_spawn frontend "$SR_TMP/log/frontend.log" FRONTEND_SESSION_SECRET=demo-not-a-real-secret \
	"$FRONT_BIN" -addr "127.0.0.1:$FRONT_PORT,$SR_DOCKER_GW:$FRONT_PORT" \
	-orders http://127.0.0.1:$ORDERS_PORT -catalog "http://$WEB_IP:8080" \
	-debug-addr "$SR_NS_HOST_IP:$DEBUG_PORT" -session-secret=demo-not-a-real-secret
sr_wait_port_pid "$SR_PID" 127.0.0.1 $FRONT_PORT || sr_fail_log frontend "$SR_TMP/log/frontend.log" || exit 1
sr_wait_port_pid "$SR_PID" "$SR_NS_HOST_IP" $DEBUG_PORT || exit 1

# what is left of the time budget, for the traffic
left=$((SECONDS_WANTED - ($(date +%s) - t_cap) - 2))
[ $left -ge 5 ] || left=5
say "traffic for ${left}s: loadgen, worker container, a netns peer scraping pprof"
# worker: a container calling the frontend (via the bridge gateway) and web
sr_docker_run demo-worker worker "$WORKER_IP" -- /bin/sh -c "i=0; while [ \$i -lt $left ]; do
	wget -q -O /dev/null http://$SR_DOCKER_GW:$FRONT_PORT/api/orders
	wget -q -O /dev/null http://$WEB_IP:8080/api/catalog.json
	i=\$((i + 1)); sleep 1; done"
# loadgen: curl on the host, bounded in count and time
(
	u=http://127.0.0.1:$FRONT_PORT
	items=(widget gadget gizmo doohickey sprocket)
	end=$(($(date +%s) + left))
	for ((i = 1; i <= 40 && $(date +%s) < end; i++)); do
		sr_run loadgen curl -sS --max-time 5 -o /dev/null -H 'Content-Type: application/json' \
			--data "{\"item\":\"${items[i % 5]}\",\"qty\":$((i % 4 + 1))}" "$u/api/orders" || true
		sr_run loadgen curl -sS --max-time 5 -o /dev/null "$u/api/orders" || true
		[ $((i % 3)) -eq 0 ] && { sr_run loadgen curl -sS --max-time 5 -o /dev/null "$u/" || true; }
		sleep 0.5
	done
) &
loadgen=$!
sr_on_exit "sr_stop_pid $loadgen"
# the outsider: a peer in the namespace reaches the frontend's debug port
sleep 2
for e in "" "goroutine?debug=1" "goroutine?debug=2" heap cmdline "profile?seconds=1"; do
	sr_ns curl -sS --max-time 10 -o /dev/null "http://$SR_NS_HOST_IP:$DEBUG_PORT/debug/pprof/$e" || true
done
wait $loadgen || true
while [ $(($(date +%s) - t_cap)) -lt "$SECONDS_WANTED" ]; do sleep 0.5; done

say "stopping the capture"
sr_capture_stop

say "analyzing: sockrec-analyze report $OUT/capture.srz -o $OUT"
"$ANALYZE" report "$OUT/capture.srz" -o "$OUT" | tee "$OUT/report.txt"
"$ANALYZE" info "$OUT/capture.srz" >"$OUT/info.yaml"
"$ANALYZE" convert "$OUT/capture.srz" "$OUT/capture.pcapng" ||
	echo "demo: no capture.pcapng (convert failed)" >&2
if [ ! -e "$OUT/findings.json" ] && "$ANALYZE" findings --help >/dev/null 2>&1; then
	"$ANALYZE" findings "$OUT/capture.srz" >"$OUT/findings.json" || true
fi

# The picture: service-map.yaml -> Graphviz. The analyzer writes a fixed
# shape of block YAML, read here by a small subset reader (no modules).
"$SR_PY" - "$OUT/service-map.yaml" "$OUT/findings.json" "$OUT/info.yaml" >"$OUT/service-map.dot" 2>"$OUT/summary.txt" <<'PY'
import ipaddress, json, re, sys

def is_ip(s):
    try:
        ipaddress.ip_address(str(s).strip("[]"))
        return True
    except ValueError:
        return False

def scalar(s):
    s = s.strip()
    if s in ("", "null", "~"):
        return None
    if s == "{}":
        return {}
    if s == "[]":
        return []
    if s.startswith('"'):
        return json.loads(s)
    if s.startswith("'"):
        return s[1:-1].replace("''", "'")
    if re.fullmatch(r"-?\d+", s):
        return int(s)
    if re.fullmatch(r"-?\d+\.\d+", s):
        return float(s)
    return s

def parse(lines):
    """Block YAML subset: mappings, sequences, scalars; '---' and
    comments skipped. Enough for the analyzer's fixed-shape output."""
    toks = []
    for ln in lines:
        if not ln.strip() or ln.strip().startswith("#") or ln.startswith("---"):
            continue
        toks.append((len(ln) - len(ln.lstrip(" ")), ln.strip()))
    pos = 0

    def block(ind):
        nonlocal pos
        if pos < len(toks) and toks[pos][1].startswith("- ") or (pos < len(toks) and toks[pos][1] == "-"):
            out = []
            while pos < len(toks) and toks[pos][0] == ind and toks[pos][1].startswith("-"):
                rest = toks[pos][1][1:].strip()
                if not rest:
                    pos += 1
                    out.append(block(toks[pos][0]) if pos < len(toks) and toks[pos][0] > ind else None)
                    continue
                # "- key: v" opens a mapping whose keys sit at ind + 2
                toks[pos] = (ind + 2, rest)
                if re.match(r'^("[^"]*"|[^:"]+):( |$)', rest):
                    out.append(block(ind + 2))
                else:
                    pos += 1
                    out.append(scalar(rest))
            return out
        out = {}
        while pos < len(toks) and toks[pos][0] == ind:
            m = re.match(r'^("(?:[^"\\]|\\.)*"|[^:]+?):(?: (.*))?$', toks[pos][1])
            if not m:
                pos += 1
                continue
            key = scalar(m.group(1))
            val = m.group(2)
            pos += 1
            if val is None or val == "":
                if pos < len(toks) and (toks[pos][0] > ind or (toks[pos][0] == ind and toks[pos][1].startswith("-"))):
                    out[key] = block(toks[pos][0])
                else:
                    out[key] = None
            else:
                out[key] = scalar(val)
        return out

    return block(toks[0][0]) if toks else {}

smap = parse(open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines())
try:
    findings = json.load(open(sys.argv[2]))
except Exception:
    findings = None
try:
    info = parse(open(sys.argv[3], encoding="utf-8", errors="replace").read().splitlines())
except Exception:
    info = {}

services = smap.get("services") or []
def q(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'

nodes, edges = {}, []
for s in services:
    name = s.get("name")
    nodes.setdefault(name, "container" if s.get("image") else "process")
    if is_ip(name):
        nodes[name] = "external"  # a caller seen only from the server's side
    per_dest = {}
    for e in s.get("endpoints") or []:
        d = e.get("destination")
        nodes.setdefault(d, e.get("destination_type") or "process")
        # schema variants of one method + path are one line in the picture
        k = "%s %s" % (e.get("method"), e.get("path"))
        per_dest.setdefault(d, {})
        per_dest[d][k] = per_dest[d].get(k, 0) + (e.get("count") or 0)
    for d, eps in per_dest.items():
        lines = ["%s x%d" % kv for kv in sorted(eps.items())]
        label = "\\n".join(lines[:5] + (["+%d more" % (len(lines) - 5)] if len(lines) > 5 else []))
        cat = "debug" if any("/debug/pprof" in k for k in eps) else "http"
        edges.append((name, d, "HTTP\\n" + label, cat))
    for c in s.get("connections") or []:
        d = c.get("destination")
        nodes.setdefault(d, c.get("destination_type") or "process")
        edges.append((name, d, "%s :%s x%s" % (c.get("protocol"), c.get("port"), c.get("count")), c.get("category") or ""))

# findings: which services have which severities (schema-tolerant)
sev_of = {}
flist = []
if isinstance(findings, dict):
    flist = findings.get("findings") or []
elif isinstance(findings, list):
    flist = findings
for f in flist:
    if not isinstance(f, dict):
        continue
    svc = f.get("service")
    if isinstance(svc, dict):  # findings.json: service {name, host, pid, ...}
        svc = svc.get("name")
    sev = f.get("severity")
    if svc and sev:
        sev_of.setdefault(svc, set()).add(sev)

print("digraph sockrec {")
print('  graph [rankdir=LR, fontname="Helvetica", label="sockrec service map (make demo)", labelloc=t, fontsize=18];')
print('  node [fontname="Helvetica", style=filled, fillcolor="#eef3fb", color="#4a6fa5"];')
print('  edge [fontname="Helvetica", fontsize=9, color="#555555"];')
for n, kind in sorted(nodes.items(), key=lambda kv: str(kv[0])):
    attrs = {"shape": "box3d" if kind == "container" else "box"}
    if kind == "external":
        attrs.update(style='"filled,dashed"', fillcolor='"#fff4e5"', color='"#c77700"')
    if "high" in sev_of.get(n, ()):
        attrs.update(fillcolor='"#fde2e1"', color='"#c0392b"', penwidth="2")
    label = str(n) + ("\\n[finding: %s]" % ", ".join(sorted(sev_of[n])) if n in sev_of else "")
    print("  %s [label=%s, %s];" % (q(n), q(label).replace("\\\\n", "\\n"), ", ".join("%s=%s" % kv for kv in attrs.items())))
colors = {"debug": "#c0392b", "http": "#2d6cdf", "database": "#2e8b57", "cache": "#b8860b", "message_bus": "#8e44ad"}
for a, b, label, cat in edges:
    print("  %s -> %s [label=%s, color=%s];" % (q(a), q(b), q(label).replace("\\\\n", "\\n"), q(colors.get(cat, "#555555"))))
print("}")

# the summary, on stderr (the caller prints it)
w = sys.stderr
nep = sum(len(s.get("endpoints") or []) for s in services)
ncon = sum(len(s.get("connections") or []) for s in services)
w.write("services (%d): %s\n" % (len(services), ", ".join(str(s.get("name")) for s in services)))
w.write("edges (%d):\n" % len(edges))
for a, b, label, cat in edges:
    w.write("  %-10s -> %-16s %s\n" % (a, b, label.replace("\\n", "; ")))
w.write("endpoints: %d HTTP endpoints, %d non-HTTP connections\n" % (nep, ncon))
if findings is None:
    w.write("findings: (no findings.json: the analyzer has no findings yet)\n")
else:
    by = {}
    for f in flist:
        if isinstance(f, dict):
            by[f.get("severity", "?")] = by.get(f.get("severity", "?"), 0) + 1
    w.write("findings: %d (%s)\n" % (len(flist), ", ".join("%s %d" % kv for kv in sorted(by.items())) or "none"))
loss = info.get("loss") or {}
data = info.get("data") or {}
w.write("drops: ring_full %s, read_fault %s, other %s; truncated records %s\n" % (
    loss.get("ring_full", "?"), loss.get("read_fault", "?"), loss.get("other", "?"),
    data.get("truncated_records", "?")))
PY
if command -v dot >/dev/null; then
	dot -Tsvg "$OUT/service-map.dot" -o "$OUT/service-map.svg"
	dot -Tpng -Gdpi=110 "$OUT/service-map.dot" -o "$OUT/service-map.png"
fi

echo
say "summary"
cat "$OUT/summary.txt"
echo
say "done in $(($(date +%s) - t0))s; outputs in $OUT/:"
ls -l "$OUT" | sed 1d | awk '{ printf "  %-22s %8s bytes\n", $NF, $5 }'
say "open $OUT/capture.pcapng in Wireshark, or read $OUT/http.jsonl with jq"
