#!/usr/bin/env bash
# capture_liveenv_postgres.sh - PostgreSQL started before sockrec, opted in
# by its environment (ADI_PROFILE=$TAG, ADI_PROFILE_NAME=db), psql as a
# client that is not opted in. PostgreSQL moves its environment
# (save_ps_display_args) and writes its process titles over the block /proc
# shows. Checked:
#   - before the capture, the postmaster's children (checkpointer, ...)
#     show no ADI_PROFILE in /proc/PID/environ (the scenario), and the
#     startup scan finds the postmaster and every child;
#   - the backend forked for psql during the capture is recorded: it
#     received psql's query and sent the answer (the server side);
#   - the snapshots of the postmaster, its children and the backend have
#     ADI_PROFILE and ADI_PROFILE_NAME, and say where the environment came
#     from (live wherever /proc had lost it; the backend may be seen before
#     it writes its title over the block it inherited);
#   - psql itself is not in the archive.
. "$(dirname "$0")/capture_lib.sh"
need psql
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../scripts/lib/services.sh
. "$ROOT/scripts/lib/services.sh"
[ -x "$SR_PG_BIN/postgres" ] || skip "PostgreSQL 15 not installed ($SR_PG_BIN)"
sr_init e2e-liveenv-pg || die "sr_init"
trap 'sr_cleanup; cleanup' EXIT
SR_PROFILE=$TAG

PGPORT=$(free_port)
sr_start_postgres "$PGPORT" db || die "postgres did not start"
PM=$SR_PG_PID
# setpriv execs postgres: same pid
[ "$(cat /proc/$PM/comm)" = postgres ] || die "postmaster pid $PM is $(cat /proc/$PM/comm)"
CHILDREN=$(pgrep -P "$PM" | tr '\n' ' ')
[ -n "$CHILDREN" ] || die "no postgres children"
for p in $CHILDREN; do
	if tr '\0' '\n' <"/proc/$p/environ" | grep -q '^ADI_PROFILE='; then
		die "/proc/$p/environ still has ADI_PROFILE: not the scenario under test"
	fi
done
PM_PROC_HAS=0
tr '\0' '\n' <"/proc/$PM/environ" | grep -qx "ADI_PROFILE=$TAG" && PM_PROC_HAS=1

start_capture -q --allow "$TAG"
# a child listed above may have exited (an autovacuum worker) and another
# started since: the scan must find the postmaster and every child that is
# still alive now (alive now: alive during the scan, which came before)
ALIVE=
for p in $CHILDREN; do [ -d "/proc/$p" ] && ALIVE="$ALIVE $p"; done
CHILDREN=${ALIVE# }
[ -n "$CHILDREN" ] || die "every postgres child listed before the capture has exited"
N=$(($(echo $CHILDREN | wc -w) + 1))
got=$(sed -n 's/.* \([0-9]*\) targets\{0,1\} running.*/\1/p' "$T/sockrec.log" | head -1)
[ "${got:-0}" -ge "$N" ] || { cat "$T/sockrec.log"; die "startup scan: found ${got:-0} targets, want at least $N"; }
sr_plain PGPASSWORD="$SR_PG_PASSWORD" psql -X -A -t -h 127.0.0.1 -p "$PGPORT" -U app -d app \
	-c "SELECT 'liveenv-' || 'marker'" >"$T/psql.out" || die "psql"
sleep 0.3
stop_capture
dump
grep -qx liveenv-marker "$T/psql.out" || die "psql output: $(cat "$T/psql.out")"

export TAG PM CHILDREN PM_PROC_HAS PGPORT
check '
tag, pm, port = os.environ["TAG"], int(os.environ["PM"]), int(os.environ["PGPORT"])
children = [int(x) for x in os.environ["CHILDREN"].split()]
def snap(pid, src):
    p = of("process", pid=pid)
    assert len(p) == 1, (pid, p)
    p = p[0]
    assert p["flags"] & 16, (pid, p["flags"])
    assert field(p, "adi_profile") == tag.encode(), (pid, p)
    assert field(p, "adi_profile_name") == b"db", (pid, p)
    assert p["environ_source"] == src, (pid, p["environ_source"], src)
    return p
def snap_either(pid):
    try:
        return snap(pid, 2)
    except AssertionError:
        return snap(pid, 1)
snap(pm, 1 if os.environ["PM_PROC_HAS"] == "1" else 2)
for c in children:
    snap(c, 2)
# the backend: forked during the capture, recorded from the fork on
forks = [r["pid"] for r in of("proc_event", kind=1) if r["ppid"] == pm and r["pid"] not in children]
backends = [p for p in forks if [r for r in of("data", tgid=p) if r["lport"] == port]]
assert len(backends) == 1, (forks, backends)
b = backends[0]
# the backend shows the block of its parent in /proc until it writes its own
# title over it (init_ps_display): a snapshot taken in between reads the
# environment from /proc, which is right too when the block of the postmaster
# still held it
snap(b, 2) if os.environ["PM_PROC_HAS"] == "0" else snap_either(b)
d = [r for r in of("data", tgid=b) if r["lport"] == port]
inn = b"".join(payload(r) for r in sorted(d, key=lambda r: r["ts_ns"]) if r["dir"] == 2)
out = b"".join(payload(r) for r in sorted(d, key=lambda r: r["ts_ns"]) if r["dir"] == 1)
assert b"SELECT \x27liveenv-\x27 || \x27marker\x27" in inn, inn
assert b"liveenv-marker" in out, out
assert b"SCRAM-SHA-256" in out  # the server asked psql to authenticate
assert not [r for r in of("process") if r["comm"] == "psql"], "psql recorded"
print("ok")
'
