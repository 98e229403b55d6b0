#!/usr/bin/env bash
# capture_liveenv_rewrite.sh - processes that rewrote their environment
# block before sockrec started (tests/servers/envrewrite: setproctitle
# style), built with glibc (dynamic, and static) and musl (dynamic through
# musl's libc.so, and static). Every server runs before sockrec; sockrec
# --allow $TAG scans /proc; a plain client then talks to each. Checked:
#   - /proc/PID/environ of a rewriting server holds no KEY=VALUE entry (the
#     scenario), and sockrec still finds it: its server-side traffic is
#     recorded and its snapshot has ADI_PROFILE, ADI_PROFILE_NAME (set
#     after the rewrite: only the live environment has it), environ_source
#     live (2), and the secret in its environment redacted;
#   - a server that did not rewrite keeps environ_source proc (1), the
#     other branch of the rule; one whose /proc block has entries but no
#     ADI_PROFILE, which it setenv()ed later, is found live;
#   - rewriting servers without ADI_PROFILE, with ADI_PROFILE_DISABLED=1,
#     or with an ADI_PROFILE outside --allow are not recorded at all;
#   - Go (tests/servers/goenv, built with cgo so libc is mapped): one
#     started with ADI_PROFILE is recorded from /proc; one that only
#     os.Setenv()ed it (which reaches libc's environ through cgo) is not:
#     Go programs keep /proc;
#   - env.yaml shows environ_source.
. "$(dirname "$0")/capture_lib.sh"
need gcc musl-gcc readelf go

SRC=$(cd "$(dirname "$0")/../servers/envrewrite" && pwd)/envrewrite.c
gcc -O2 -Wall -o "$T/rw-glibc" "$SRC"
gcc -O2 -static -o "$T/rw-static" "$SRC"
# -fPIC: `environ` through the GOT, so musl's libc.so defines the one in use
musl-gcc -O2 -fPIC -o "$T/rw-musl" "$SRC"
musl-gcc -O2 -static -o "$T/rw-musl-static" "$SRC"
readelf -W --dyn-syms "$T/rw-musl" | grep -q 'UND __environ' || die "rw-musl defines environ itself"
(cd "$(dirname "$SRC")/.." && GOFLAGS= GO111MODULE=on CGO_ENABLED=1 go build -trimpath \
	-o "$T/goenv" ./goenv) || die "go build goenv"
readelf -W -d "$T/goenv" | grep -q 'NEEDED.*libc.so' || die "goenv is not linked with libc (cgo)"

SECRET=s3cr3t-$RANDOM$RANDOM
declare -A PORT PID
# start NAME BINARY MODE "SETENV-ARGS" ENV...: one server, before sockrec
start() {
	local name=$1 bin=$2 mode=$3 extra=$4 p
	shift 4
	p=$(free_port)
	# shellcheck disable=SC2086
	if [ "$bin" = goenv ]; then # no mode
		env -i PATH=/usr/bin:/bin "$@" "$T/$bin" "$p" $extra >"$T/$name.out" 2>&1 &
	else
		env -i PATH=/usr/bin:/bin "$@" "$T/$bin" "$p" "$mode" $extra >"$T/$name.out" 2>&1 &
	fi
	PID[$name]=$!
	PIDS+=($!)
	PORT[$name]=$p
	wait_for grep -q ready "$T/$name.out" || die "$name did not start"
}
start glibc rw-glibc repoint ADI_PROFILE_NAME=rw-glibc ADI_PROFILE="$TAG" DB_PASSWORD="$SECRET"
start static rw-static array ADI_PROFILE_NAME=rw-static ADI_PROFILE="$TAG"
start musl rw-musl array ADI_PROFILE_NAME=rw-musl ADI_PROFILE="$TAG"
start muslstatic rw-musl-static repoint ADI_PROFILE_NAME=rw-musl-static ADI_PROFILE="$TAG"
start plain rw-glibc none "" ADI_PROFILE="$TAG" ADI_PROFILE_NAME=plain
start later rw-glibc none "ADI_PROFILE=$TAG ADI_PROFILE_NAME=later" HOME=/nowhere
start noprofile rw-glibc repoint "" HOME=/nowhere
start disabled rw-glibc repoint "" ADI_PROFILE="$TAG" ADI_PROFILE_DISABLED=1
start other rw-glibc repoint "" ADI_PROFILE="other-$TAG"
start goproc goenv - "" ADI_PROFILE="$TAG" ADI_PROFILE_NAME=go-proc
start gosetenv goenv - "ADI_PROFILE=$TAG ADI_PROFILE_NAME=go-setenv" HOME=/nowhere

# the scenario: /proc shows no KEY=VALUE of a rewriting server
for n in glibc static musl muslstatic noprofile disabled other; do
	if tr '\0' '\n' <"/proc/${PID[$n]}/environ" | grep -q =; then
		die "$n: /proc/${PID[$n]}/environ still has entries"
	fi
done
tr '\0' '\n' <"/proc/${PID[plain]}/environ" | grep -qx "ADI_PROFILE=$TAG" || die "plain: /proc"
tr '\0' '\n' <"/proc/${PID[later]}/environ" | grep -qx "HOME=/nowhere" || die "later: /proc"

start_capture -q --allow "$TAG"
grep -q ' 7 targets running' "$T/sockrec.log" || { cat "$T/sockrec.log"; die "startup scan"; }
for n in "${!PORT[@]}"; do
	python3 - "${PORT[$n]}" "$n" <<'PYEOF' || die "client of $1"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
msg = ("hello-%s\n" % sys.argv[2]).encode()
s.sendall(msg)
got = b""
while len(got) < 5 + len(msg):
    d = s.recv(100)
    if not d:
        break
    got += d
assert got == b"echo:" + msg, got
s.close()
PYEOF
done
sleep 0.3
stop_capture
dump
"$BUILD/sockrec-analyze" env "$CAP_OUT" >"$T/env.yaml" || die "sockrec-analyze env"

for n in "${!PID[@]}"; do echo "PID_$n=${PID[$n]} PORT_$n=${PORT[$n]}"; done >"$T/ids"
export T TAG SECRET
check '
ids = dict(l.split("=") for l in open(os.environ["T"] + "/ids").read().split())
pid = {k[4:]: int(v) for k, v in ids.items() if k.startswith("PID_")}
port = {k[5:]: int(v) for k, v in ids.items() if k.startswith("PORT_")}
tag = os.environ["TAG"]
want = {"glibc": (2, "rw-glibc"), "static": (2, "rw-static"), "musl": (2, "rw-musl"),
        "muslstatic": (2, "rw-musl-static"), "plain": (1, "plain"), "later": (2, "later"),
        "goproc": (1, "go-proc")}
for n, (src, name) in want.items():
    p = of("process", pid=pid[n])
    assert len(p) == 1, (n, p)
    p = p[0]
    assert p["flags"] & 16 and p["flags"] & 128 and p["flags"] & 256, (n, p["flags"])
    assert field(p, "adi_profile") == tag.encode(), (n, p)
    assert field(p, "adi_profile_name") == name.encode(), (n, p)
    assert p["environ_source"] == src, (n, p["environ_source"])
    e = env(p)
    assert e.get("ADI_PROFILE") == tag and e.get("ADI_PROFILE_NAME") == name, (n, e)
    d = of("data", tgid=pid[n])
    msg = ("hello-%s\n" % n).encode()
    assert stream([r for r in d if r["dir"] == 2]) == msg, n
    assert stream([r for r in d if r["dir"] == 1]) == b"echo:" + msg, n
    assert all(r["lport"] == port[n] for r in d), n
g = env(of("process", pid=pid["glibc"])[0])
assert g["DB_PASSWORD"] == "[REDACTED]", g
for n in ("noprofile", "disabled", "other", "gosetenv"):
    assert not [r for r in recs if r.get("tgid") == pid[n] or r.get("pid") == pid[n]], n
    assert not [r for r in of("data") if port[n] in (r["lport"], r["rport"])], n
text = open(os.environ["T"] + "/dump.jsonl").read()
assert os.environ["SECRET"] not in text, "secret in the archive"
y = open(os.environ["T"] + "/env.yaml").read()
docs = [d for d in y.split("---") if "adi_profile_pid: %d\n" % pid["glibc"] in d]
assert len(docs) == 1 and "environ_source: live\n" in docs[0], docs
docs = [d for d in y.split("---") if "adi_profile_pid: %d\n" % pid["plain"] in d]
assert len(docs) == 1 and "environ_source: proc\n" in docs[0], docs
print("ok")
'
