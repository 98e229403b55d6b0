#!/usr/bin/env bash
# regress_h2.sh - replay and diff of HTTP/2 traffic (h2c, prior knowledge).
# nghttpd serves three files; nghttp fetches them as three streams of one
# connection and curl --http2-prior-knowledge fetches one again, both ends
# recorded. Checked:
#   - replay to the same nghttpd: exit 0, 4 requests sent once each (both
#     ends were recorded), 4 the same. nghttpd speaks only HTTP/2 on a
#     cleartext port, so a request that reached it went as HTTP/2;
#   - the same replay to a second nghttpd whose b.json differs: exit 5, and
#     exactly GET /b.json named, twice (nghttp's and curl's), for its body;
#   - diff of the capture with itself: exit 0.
. "$(dirname "$0")/capture_lib.sh"
need nghttpd nghttp curl jq
A=$BUILD/sockrec-analyze

mkdir -p "$T/www"
printf 'alpha\n' >"$T/www/a.txt"
printf '{"order":17,"items":["x","y"],"total":3.5}\n' >"$T/www/b.json"
printf '<p>c</p>\n' >"$T/www/c.html"
P=$(free_port)
ADI_PROFILE=$TAG nghttpd --no-tls -d "$T/www" "$P" >"$T/nghttpd.log" 2>&1 &
PIDS+=($!)
wait_for curl -sf --http2-prior-knowledge -o /dev/null "http://127.0.0.1:$P/a.txt" || die "nghttpd did not start"

start_capture -q --allow "$TAG"
ADI_PROFILE=$TAG nghttp -n "http://127.0.0.1:$P/a.txt" "http://127.0.0.1:$P/b.json" \
	"http://127.0.0.1:$P/c.html" || die "nghttp failed"
ADI_PROFILE=$TAG curl -sf --http2-prior-knowledge -o /dev/null "http://127.0.0.1:$P/b.json" || die "curl failed"
sleep 0.5
stop_capture

fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

n=$("$A" http "$T/cap.srz" | jq -s '[.[] | select(.http_version == "HTTP/2" and .message == "request")] | length')
[ "$n" = 8 ] && ok "8 HTTP/2 request lines recorded (4 requests, both ends)" || bad "$n HTTP/2 request lines, want 8"

rc=0
"$A" replay "$T/cap.srz" --target "http://127.0.0.1:$P" >"$T/r1.json" 2>"$T/r1.err" || rc=$?
if [ $rc = 0 ] && [ "$(jq -c '[.requests, .same, .different, .failed]' "$T/r1.json")" = "[4,4,0,0]" ]; then
	ok "replay to the same server: exit 0, 4 sent, 4 the same"
else
	bad "replay to the same server: exit $rc"; cat "$T/r1.json" "$T/r1.err"
fi

# v2: the same files but b.json, served by a second nghttpd
cp -r "$T/www" "$T/www2"
printf '{"order":18,"items":["x"],"total":3.5}\n' >"$T/www2/b.json"
P2=$(free_port)
nghttpd --no-tls -d "$T/www2" "$P2" >"$T/nghttpd2.log" 2>&1 &
PIDS+=($!)
wait_for curl -sf --http2-prior-knowledge -o /dev/null "http://127.0.0.1:$P2/a.txt" || die "nghttpd v2 did not start"
rc=0
"$A" replay "$T/cap.srz" --target "http://127.0.0.1:$P2" >"$T/r2.json" 2>"$T/r2.err" || rc=$?
named=$(jq -r '[.differences[] | "\(.method) \(.url)"] | sort | join(",")' "$T/r2.json")
if [ $rc = 5 ] && [ "$named" = "GET /b.json,GET /b.json" ] &&
	[ "$(jq '[.differences[].what[] | select(startswith("body"))] | length > 0' "$T/r2.json")" = true ]; then
	ok "replay to v2: exit 5, exactly GET /b.json (twice), its body"
else
	bad "replay to v2: exit $rc, named '$named'"; cat "$T/r2.json"
fi

rc=0
"$A" diff "$T/cap.srz" "$T/cap.srz" >"$T/d.json" 2>"$T/d.err" || rc=$?
[ $rc = 0 ] && ok "diff of the capture with itself: exit 0" || { bad "diff: exit $rc"; cat "$T/d.json" "$T/d.err"; }

echo "$fails failure(s)"
[ $fails = 0 ]
