#!/usr/bin/env bash
# capture_container.sh - containers on a real Docker engine get their
# container record and id.
#
# The test runs its own dockerd (own data/exec roots and API socket, no
# iptables of its own, a private bridge network - plus one FORWARD rule for
# that bridge alone, removed at exit), imports a busybox image built from
# /bin/busybox, and runs two opted-in containers with compose service
# labels: "web" (busybox httpd) and "client" (busybox wget to web's IP).
# sockrec gets --docker-socket. Checked:
#   - one container record per container: full id, runtime docker, name,
#     image, the compose service label, web's IP address, the raw inspect
#     document;
#   - the processes inside carry the container id in their process records;
#   - wget's request and httpd's reception are recorded with the container
#     addresses.
. "$(dirname "$0")/capture_lib.sh"

[ -x /bin/busybox ] || skip "busybox-static not installed"
docker_start
NET=sockrec-e2e-$$
BR=srz$$ # the bridge's interface name (at most 15 characters)
FWD_RULE=()
docker_before_stop() {
	dk network rm "$NET" >/dev/null 2>&1
	[ ${#FWD_RULE[@]} -gt 0 ] && iptables -w -D FORWARD "${FWD_RULE[@]}" 2>/dev/null
}
docker_after_stop() {
	ip link show "$BR" >/dev/null 2>&1 && ip link del "$BR"
}

log "image from /bin/busybox"
R=$T/rootfs
mkdir -p "$R/bin" "$R/www" "$R/tmp"
cp /bin/busybox "$R/bin/busybox"
for a in sh httpd wget sleep cat echo; do ln -s busybox "$R/bin/$a"; done
echo "hello from web $TAG" >"$R/www/index.html"
tar -C "$R" -c . | dk import - "sockrec-busybox:$TAG" >/dev/null
IMAGE=sockrec-busybox:$TAG

SUBNET=10.$((100 + RANDOM % 100)).$((RANDOM % 250)).0/24
dk network create --driver bridge --subnet "$SUBNET" \
	-o com.docker.network.bridge.name="$BR" "$NET" >/dev/null ||
	skip "cannot create a docker bridge network here"
# Our dockerd runs without iptables; if the host's FORWARD policy drops
# bridged traffic (br_netfilter), let our own bridge talk to itself.
FWD_RULE=(-i "$BR" -o "$BR" -j ACCEPT)
iptables -w -I FORWARD "${FWD_RULE[@]}" 2>/dev/null || FWD_RULE=()

start_capture -q --allow "$TAG" --docker-socket "$SOCK"

log "web container"
WEB=$(dk run -d --name "web-$$" --network "$NET" -l com.docker.compose.service=web \
	-l com.docker.compose.project=sockrec-e2e -e ADI_PROFILE="$TAG" -e ADI_PROFILE_NAME=web \
	"$IMAGE" /bin/httpd -f -p 8080 -h /www)
CTRS+=("$WEB")
WEB_IP=$(dk inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" "$WEB")
[ -n "$WEB_IP" ] || die "web has no address"
log "web $WEB at $WEB_IP"
log "client container"
CLIENT=$(dk create --name "client-$$" --network "$NET" -l com.docker.compose.service=client \
	-e ADI_PROFILE="$TAG" "$IMAGE" /bin/sh -c \
	"for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://$WEB_IP:8080/index.html && exit 0; sleep 0.3; done; exit 1")
CTRS+=("$CLIENT")
dk start -a "$CLIENT" >"$T/client.out" || { cat "$T/client.out"; die "client failed"; }
grep -q "hello from web $TAG" "$T/client.out" || die "wget got: $(cat "$T/client.out")"
sleep 0.5
stop_capture
dump
export WEB CLIENT WEB_IP TAG IMAGE
check '
web, client, ip, tag = os.environ["WEB"], os.environ["CLIENT"], os.environ["WEB_IP"], os.environ["TAG"]
ctr = {r["id"]: r for r in of("container")}
assert len(of("container")) == len(ctr), "one record per container"
for cid, service in ((web, "web"), (client, "client")):
    assert cid in ctr, "no container record for %s (%s); have %r" % (service, cid, list(ctr))
    c = ctr[cid]
    assert c["runtime"] == "docker" and not c.get("error"), c.get("error")
    labels = field(c, "labels").split(b"\0")
    assert ("com.docker.compose.service=" + service).encode() in labels, labels
    assert field(c, "image") == os.environ["IMAGE"].encode()
    doc = json.loads(field(c, "doc"))
    assert doc["Id"] == cid
assert field(ctr[web], "name").startswith(b"web-")
assert ip.encode() in field(ctr[web], "addrs").split(b"\0"), field(ctr[web], "addrs")

procs = {cid: [r for r in of("process") if field(r, "container_id") == cid.encode()] for cid in (web, client)}
assert any(field(p, "comm") == b"httpd" for p in procs[web]), procs[web]
assert any(field(p, "comm") in (b"wget", b"sh") for p in procs[client]), procs[client]
assert all(field(p, "adi_profile") == tag.encode() for p in procs[web] + procs[client])

w = [r for r in of("data") if r["comm"] == "wget" and r["dir"] == 1 and b"GET /index.html" in payload(r)]
assert w and w[0]["raddr"] == ip and w[0]["rport"] == 8080 and w[0]["family"] == 4, w[:1]
wpids = {p["pid"] for p in procs[client]}
assert w[0]["tgid"] in wpids, "wget data not from a process of the client container"
h = [r for r in of("data") if r["comm"] == "httpd" and r["dir"] == 2 and b"GET /index.html" in payload(r)]
assert h and h[0]["laddr"] == ip and h[0]["lport"] == 8080 and h[0]["raddr"] == w[0]["laddr"], h[:1]
print("ok: %d container records" % len(ctr))
'
