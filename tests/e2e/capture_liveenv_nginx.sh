#!/usr/bin/env bash
# capture_liveenv_nginx.sh - nginx started before sockrec, opted in by its
# environment only (ADI_PROFILE, ADI_PROFILE_NAME and `env ADI_PROFILE;
# env ADI_PROFILE_NAME;` in nginx.conf), as a user would run it; a second
# nginx with another ADI_PROFILE value, outside --allow. nginx rewrites its
# environment block (master: ngx_init_setproctitle; worker: a new array from
# ngx_set_environment), so /proc shows neither process's ADI_PROFILE.
# sockrec --allow $TAG starts after both; curl (not opted in) requests.
# Checked:
#   - /proc/PID/environ of the master and the worker has no ADI_PROFILE
#     (the scenario), yet the startup scan finds both (2 targets);
#   - the worker's server side of each request is recorded, byte for byte
#     what curl sent and received;
#   - master and worker snapshots: ADI_PROFILE, ADI_PROFILE_NAME,
#     environ_source live;
#   - the other nginx (master, worker) is not in the archive at all.
. "$(dirname "$0")/capture_lib.sh"
need nginx curl

PORT=$(free_port)
start_nginx "$PORT" ADI_PROFILE="$TAG" ADI_PROFILE_NAME=web
MASTER=$NGINX_PID
# the other nginx: own prefix, another profile
OTHER_PORT=$(free_port)
T0=$T
T=$T0/other
mkdir -p "$T"
start_nginx "$OTHER_PORT" ADI_PROFILE="other-$TAG" ADI_PROFILE_NAME=other
OTHER=$NGINX_PID
T=$T0
wait_for pgrep -P "$MASTER" || die "no nginx worker"
WORKER=$(pgrep -P "$MASTER")
OTHER_WORKER=$(pgrep -P "$OTHER")
for p in "$MASTER" "$WORKER" "$OTHER" "$OTHER_WORKER"; do
	if tr '\0' '\n' <"/proc/$p/environ" | grep -q '^ADI_PROFILE='; then
		die "/proc/$p/environ still has ADI_PROFILE: not the scenario under test"
	fi
done

start_capture -q --allow "$TAG"
grep -q ' 2 targets running' "$T/sockrec.log" || { cat "$T/sockrec.log"; die "startup scan"; }
echo "hello from the old nginx" >"$T/nginx/html/page.txt"
env -i PATH=/usr/bin:/bin curl -sf --trace "$T/trace1" "http://127.0.0.1:$PORT/page.txt" >"$T/out1" ||
	die "curl"
env -i PATH=/usr/bin:/bin curl -sf -g --trace "$T/trace2" "http://[::1]:$PORT/ready" >/dev/null ||
	die "curl v6"
env -i PATH=/usr/bin:/bin curl -sf "http://127.0.0.1:$OTHER_PORT/ready" >/dev/null || die "curl other"
sleep 0.3
stop_capture
dump
grep -q "hello from the old nginx" "$T/out1" || die "curl output"
curl_bytes "$T/trace1" "$T/c1"
curl_bytes "$T/trace2" "$T/c2"

export T TAG MASTER WORKER OTHER OTHER_WORKER PORT OTHER_PORT
check '
T, tag = os.environ["T"], os.environ["TAG"]
master, worker, other, other_worker = (int(os.environ[n]) for n in ("MASTER", "WORKER", "OTHER", "OTHER_WORKER"))
port, other_port = int(os.environ["PORT"]), int(os.environ["OTHER_PORT"])
for pid in (master, worker):
    p = of("process", pid=pid)
    assert len(p) == 1, (pid, p)
    p = p[0]
    assert p["flags"] & 16, p["flags"]
    assert field(p, "adi_profile") == tag.encode(), p
    assert field(p, "adi_profile_name") == b"web", p
    assert p["environ_source"] == 2, p["environ_source"]
    assert env(p)["ADI_PROFILE"] == tag
d = of("data", tgid=worker)
assert d, "no data of the worker"
assert all(r["lport"] == port for r in d)
for c, fam in (("c1", 4), ("c2", 6)):
    sent = open("%s/%s.sent" % (T, c), "rb").read()
    got = open("%s/%s.recv" % (T, c), "rb").read()
    socks = {r["sock_id"] for r in d if r["family"] == fam}
    assert len(socks) == 1, socks
    rs = [r for r in d if r["sock_id"] in socks]
    assert stream([r for r in rs if r["dir"] == 2]) == sent, c
    assert stream([r for r in rs if r["dir"] == 1]) == got, c
for pid in (other, other_worker):
    assert not [r for r in recs if r.get("tgid") == pid or r.get("pid") == pid], pid
assert not [r for r in of("data") if other_port in (r["lport"], r["rport"])]
print("ok")
'
