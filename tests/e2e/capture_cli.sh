#!/usr/bin/env bash
# capture_cli.sh - sockrec's command-line contract and its failures.
#
#   - bad usage: exit 2 with a message, nothing created;
#   - not root: exit 2, one line naming what is missing, nothing created;
#   - an existing file is never overwritten without --force, a symlink
#     never followed (not even with --force), and every archive is 0600;
#   - "sockrec: capturing" is printed under -q too; SIGTERM and --duration
#     end with exit 0 and an end record giving the reason;
#   - --all records a process without ADI_PROFILE, never sockrec itself;
#   - --format pcapng works or answers that it is not supported (exit 2);
#   - the capture header records the settings.
. "$(dirname "$0")/capture_lib.sh"

export TAG

expect_fail() { # DESCRIPTION PATTERN CMD...: exit 2 and PATTERN on stderr
	local what=$1 pat=$2 rc=0
	shift 2
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	[ $rc -eq 2 ] || { cat "$T/err"; die "$what: exit $rc, expected 2"; }
	grep -q -- "$pat" "$T/err" || { cat "$T/err"; die "$what: message lacks '$pat'"; }
	log "$what: $(head -n1 "$T/err")"
}

expect_fail "no -w" "missing -w" "$SOCKREC"
expect_fail "bad snaplen" "snaplen\|-s" "$SOCKREC" -w "$T/x.srz" -s 1G
expect_fail "bad format" "format" "$SOCKREC" -w "$T/x.srz" --format json
expect_fail "unknown flag" "unrecognized\|invalid" "$SOCKREC" -w "$T/x.srz" --frobnicate
[ ! -e "$T/x.srz" ] || die "a failed start left $T/x.srz"

if command -v setpriv >/dev/null; then
	expect_fail "not root" "root" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$SOCKREC" -w "$T/nobody.srz"
	[ ! -e "$T/nobody.srz" ] || die "non-root run created a file"
fi

log "existing file, symlink, --force"
echo precious >"$T/exists.srz"
expect_fail "existing file" "exists" "$SOCKREC" -w "$T/exists.srz" -q --duration 1
[ "$(cat "$T/exists.srz")" = precious ] || die "existing file was modified"
ln -s "$T/exists.srz" "$T/link.srz"
expect_fail "symlink" "symbolic link" "$SOCKREC" -w "$T/link.srz" -q --duration 1 --force
[ "$(cat "$T/exists.srz")" = precious ] || die "symlink target was modified"
chmod 0644 "$T/exists.srz"
"$SOCKREC" -w "$T/exists.srz" -q --duration 1 --force 2>"$T/err" || { cat "$T/err"; die "--force"; }
[ "$(stat -c %a "$T/exists.srz")" = 600 ] || die "--force kept mode $(stat -c %a "$T/exists.srz")"
grep -q '^sockrec: capturing' "$T/err" || die "-q must still print 'sockrec: capturing'"

log "--duration"
"$SOCKREC" -w "$T/dur.srz" -q --duration 1.5 -s 100 --env-prefix APP_,DB_ --allow "$TAG" \
	--ring-size 1M 2>"$T/err"
[ "$(stat -c %a "$T/dur.srz")" = 600 ] || die "archive mode $(stat -c %a "$T/dur.srz")"
dump "$T/dur.srz"
check '
h, e = recs[0], recs[-1]
assert h["type"] == "capture_header" and e["type"] == "end"
assert e["reason"] == 2, e  # duration
assert e["records"] == len(recs) - 1
assert (h["snaplen"], h["ring_size"], h["allow"], h["env_prefix"]) == (100, 1 << 20, os.environ["TAG"], "APP_,DB_"), h
assert h["flags"] & 2 and h["flags"] & 4 and not h["flags"] & 1  # redact, allow set, not --all
assert h["ncpus"] >= 1 and h["kernel_release"] and h["hostname"]
assert abs(h["start_wall_ns"] - (h["boot_to_wall_ns"] + e["ts_ns"])) < 5e9
assert b"--duration" in field(h, "argv").split(b"\0")
'

log "SIGTERM"
start_capture -q
kill -TERM "$CAP_PID"
rc=0
wait "$CAP_PID" || rc=$?
CAP_PID=
[ $rc -eq 0 ] || die "SIGTERM: exit $rc"
dump
check 'assert recs[-1]["type"] == "end" and recs[-1]["reason"] == 1, recs[-1]'

log "--all"
CAP_OUT=$T/all.srz
start_capture -q --all
env -u ADI_PROFILE python3 -c '
import socket, sys
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
c = socket.create_connection(l.getsockname()); s, _ = l.accept()
c.sendall(sys.argv[1].encode()); s.recv(100)' "all-mode-$TAG" &
ALL_PID=$!
wait $ALL_PID
SR_PID=$CAP_PID
sleep 0.2
stop_capture
dump
export ALL_PID SR_PID
check '
p, me, tag = int(os.environ["ALL_PID"]), int(os.environ["SR_PID"]), os.environ["TAG"]
assert recs[0]["flags"] & 1, "header: --all"
d = [r for r in of("data", tgid=p) if payload(r) == ("all-mode-" + tag).encode()]
assert len(d) == 2, "the send and the receive of a process without ADI_PROFILE"
pr = of("process", pid=p)
assert pr and pr[0]["flags"] & 64 and not pr[0]["flags"] & 16, "TARGET_ALL, not opt-in"
assert not [r for r in recs if me in (r.get("tgid"), r.get("pid"))], "sockrec recorded itself"
'

log "pcapng"
rc=0
"$SOCKREC" -w "$T/cap.pcapng" -q --duration 1 2>"$T/err" || rc=$?
if [ $rc -eq 0 ]; then
	[ "$(stat -c %a "$T/cap.pcapng")" = 600 ] || die "pcapng mode"
	log "pcapng written ($(stat -c %s "$T/cap.pcapng") bytes)"
else
	[ $rc -eq 2 ] || { cat "$T/err"; die "pcapng: exit $rc"; }
	grep -qi 'pcapng' "$T/err" || die "pcapng: message"
	[ ! -e "$T/cap.pcapng" ] || die "pcapng failure left a file"
	log "pcapng not supported yet: $(head -n1 "$T/err")"
fi
echo ok
