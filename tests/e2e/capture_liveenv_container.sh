#!/usr/bin/env bash
# capture_liveenv_container.sh - a container's process that rewrote its
# environment block before sockrec started. The image holds
# tests/servers/envrewrite linked against glibc's libc.so.6 (-fPIC:
# `environ` is libc's), with that libc and its loader copied in: the ELF
# files sockrec must read exist only inside the container's root. Run on
# the test's own dockerd, host network. Checked:
#   - /proc/PID/environ of the container's server holds no KEY=VALUE entry;
#   - sockrec --allow $TAG, started after, finds it (its server side is
#     recorded) and its snapshot has the container id, ADI_PROFILE,
#     ADI_PROFILE_NAME and environ_source live;
#   - the same server in a second container with ADI_PROFILE_DISABLED=1 is
#     not recorded;
#   - without /proc/PID/map_files (the fallback), the files found inside
#     /proc/PID/root give the same live environment.
. "$(dirname "$0")/capture_lib.sh"
need gcc readelf
[ -x "$BUILD/tests/test_capture_liveenv" ] || die "$BUILD/tests/test_capture_liveenv not built (make test builds it)"

docker_start

log "image: envrewrite + glibc"
R=$T/rootfs
mkdir -p "$R/bin" "$R/lib64" "$R/lib/x86_64-linux-gnu"
gcc -O2 -fPIC -o "$R/bin/envrewrite" "$(dirname "$0")/../servers/envrewrite/envrewrite.c"
readelf -W --dyn-syms "$R/bin/envrewrite" | grep -q 'UND __environ' ||
	die "envrewrite defines environ itself"
cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
cp -L /lib/x86_64-linux-gnu/libc.so.6 "$R/lib/x86_64-linux-gnu/"
tar -C "$R" -c . | dk import - "sockrec-envrewrite:$TAG" >/dev/null
IMAGE=sockrec-envrewrite:$TAG

PORT=$(free_port)
PORT_OFF=$(free_port)
run_ctr() { # name port env...
	local name=$1 port=$2 args=()
	shift 2
	for e in "$@"; do args+=(-e "$e"); done
	dk run -d --name "$name-$$" --network host "${args[@]}" "$IMAGE" \
		/bin/envrewrite "$port" array ADI_PROFILE_NAME="$name"
}
RW=$(run_ctr rw "$PORT" ADI_PROFILE="$TAG" DB_PASSWORD=ctr-secret-$$)
CTRS+=("$RW")
OFF=$(run_ctr rwoff "$PORT_OFF" ADI_PROFILE="$TAG" ADI_PROFILE_DISABLED=1)
CTRS+=("$OFF")
for c in "$RW" "$OFF"; do
	wait_for sh -c "$DOCKER -H unix://$SOCK logs $c | grep -q ready" ||
		{ dk logs "$c"; die "container $c did not start"; }
done
RW_PID=$(dk inspect -f '{{.State.Pid}}' "$RW")
OFF_PID=$(dk inspect -f '{{.State.Pid}}' "$OFF")
for p in "$RW_PID" "$OFF_PID"; do
	[ "$(cat /proc/$p/comm)" = envrewrite ] || die "pid $p is $(cat /proc/$p/comm)"
	if tr '\0' '\n' <"/proc/$p/environ" | grep -q =; then
		die "/proc/$p/environ still has entries"
	fi
done
# the libc it uses exists only inside the container
grep -q " /lib/x86_64-linux-gnu/libc.so.6$" "/proc/$RW_PID/maps" || die "libc not mapped"
"$BUILD/tests/test_capture_liveenv" --read-root "$RW_PID" >"$T/root.env" ||
	die "live read through /proc/$RW_PID/root failed"
grep -qx "ADI_PROFILE=$TAG" "$T/root.env" && grep -qx "ADI_PROFILE_NAME=rw" "$T/root.env" ||
	die "live read through /proc/$RW_PID/root: $(cat "$T/root.env")"

start_capture -q --allow "$TAG" --docker-socket "$SOCK"
for p in "$PORT" "$PORT_OFF"; do
	python3 - "$p" <<'PYEOF' || die "client"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"hello-container\n")
got = b""
while len(got) < 21:
    d = s.recv(100)
    if not d:
        break
    got += d
assert got == b"echo:hello-container\n", got
PYEOF
done
sleep 0.3
stop_capture
dump

export RW RW_PID OFF_PID TAG PORT PORT_OFF
check '
rw, pid, off, tag = os.environ["RW"], int(os.environ["RW_PID"]), int(os.environ["OFF_PID"]), os.environ["TAG"]
port, port_off = int(os.environ["PORT"]), int(os.environ["PORT_OFF"])
p = of("process", pid=pid)
assert len(p) == 1, p
p = p[0]
assert field(p, "container_id") == rw.encode(), field(p, "container_id")
assert field(p, "adi_profile") == tag.encode() and field(p, "adi_profile_name") == b"rw", p
assert p["environ_source"] == 2, p["environ_source"]
assert env(p)["DB_PASSWORD"] == "[REDACTED]", env(p)
d = of("data", tgid=pid)
assert stream([r for r in d if r["dir"] == 2]) == b"hello-container\n"
assert stream([r for r in d if r["dir"] == 1]) == b"echo:hello-container\n"
assert all(r["lport"] == port for r in d)
assert not [r for r in recs if r.get("tgid") == off or r.get("pid") == off]
assert not [r for r in of("data") if port_off in (r["lport"], r["rport"])]
assert rw in {c["id"] for c in of("container")}
print("ok")
'
