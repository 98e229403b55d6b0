#!/usr/bin/env bash
# capture_crash.sh - sockrec killed with SIGKILL under load.
#
# A loopback stream of 16 KiB writes, 5000/s (both ends opted in) runs while sockrec
# records; after 3 s sockrec gets SIGKILL: no flush, no end record. The
# archive must read back up to its last complete block: the capture header
# first, then the data records of the load, in order, with no end record,
# and the reader reports the cut instead of crashing or inventing records.
. "$(dirname "$0")/capture_lib.sh"

export TAG
start_capture -q --allow "$TAG"
start_load 6 16384 5000
sleep 3
kill -KILL "$CAP_PID"
wait "$CAP_PID" 2>/dev/null || true
CAP_PID=
wait "$LOAD_PID" || true

rc=0
$DUMP "$CAP_OUT" >"$T/dump.jsonl" 2>"$T/dump.err" || rc=$?
log "reader exit $rc: $(head -c 300 "$T/dump.err")"
log "$(wc -l <"$T/dump.jsonl") records, archive $(stat -c %s "$CAP_OUT") bytes"
[ $rc -ne 0 ] || die "the reader should report the missing end of a killed capture"
[ $rc -lt 128 ] || die "the reader crashed (exit $rc)"
export LOAD_PID
check '
load = int(os.environ["LOAD_PID"])
assert recs, "nothing readable"
assert recs[0]["type"] == "capture_header"
assert not of("end"), "a killed capture cannot have an end record"
d = of("data", tgid=load)
assert len(d) >= 10, "expected the load data records, got %d" % len(d)
# every record read is whole: payload as long as the record says
for r in of("data"):
    assert len(payload(r)) == min(r["bytes"], 16384)
ts = [r["ts_ns"] for r in d]
print("ok: %d data records of the load readable after SIGKILL" % len(d))
'
