#!/usr/bin/env bash
# run.sh - `make bench`: sockrec against its anchors, measured in one run.
#
#   1. capture overhead   wrk -> nginx (keep-alive, small response, loopback):
#                         no capture | sockrec capturing nginx (one end) |
#                         sockrec capturing nginx and wrk (both ends) |
#                         sockrec running, nothing opted in | tcpdump -i lo -w
#                         interleaved A B C D E, ROUNDS times, DURATION s each
#   2. per-syscall cost   bench/syscall-cost.sh, bench/bpf-stages.sh
#   3. analyzer           section 1's load recorded until >= ANALYZE_MB of
#                         payload: sockrec-analyze report (on 1/4, 1/2 and
#                         all of it) versus tshark -q -z http,tree on the
#                         same traffic as pcapng; seconds, MB/s, peak RSS
#                         (one core each)
#   4. size               .srz vs our .pcapng vs tcpdump's pcap, same traffic;
#                         the writer's CPU and size per zstd level (bench/srz_levels)
#   5. analyzer scale     bench/scale.sh: one server process with 10k, 100k
#                         and 1M connections (generated archives): time per
#                         connection and peak RSS
#   6. HTTP/2 and gRPC    bench/h2.sh: h2load -> nghttpd and python3-grpcio
#                         recorded; sockrec-analyze vs tshark's http2/grpc
#                         dissection of the same traffic (one core each)
#   7. TLS plaintext      bench/tls-cost.sh: wrk -> nginx over HTTPS with no
#                         capture, sockrec, sockrec --tls (uprobes): µs per
#                         request
#
# Only ratios measured in this run are compared; absolute numbers depend on
# the machine. Results: a Markdown table in bench/results/<date>-<host>.md
# (and bench/results/latest.md).
#
#   ROUNDS=3 DURATION=30 ANALYZE_MB=1024 bench/run.sh
#   QUICK=1 bench/run.sh            (ROUNDS=1 DURATION=5 ANALYZE_MB=128)
#   SECTIONS="3" QUICK=1 bench/run.sh   only these sections (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${QUICK:-0}" = 1 ]; then
	ROUNDS=${ROUNDS:-1} DURATION=${DURATION:-5} ANALYZE_MB=${ANALYZE_MB:-128}
fi
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-30}
ANALYZE_MB=${ANALYZE_MB:-1024}
SECTIONS=${SECTIONS:-1 2 3 4 5 6 7}
sec() { [[ " $SECTIONS " == *" $1 "* ]]; }
CONNS=${CONNS:-16}
BUILD=${BUILD:-build}
PORT=${BENCH_PORT:-27800}
PORT_PLAIN=$((PORT + 1))
PORT_BIG=$((PORT + 2))

# shellcheck source=../scripts/lib/services.sh
. scripts/lib/services.sh
# shellcheck source=lib.sh
. bench/lib.sh
SR_PROFILE=bench
sr_init bench
for t in wrk tcpdump tshark editcap /usr/bin/time; do
	command -v "$t" >/dev/null || sr_die "$t is missing: scripts/install-deps.sh --bench"
done
SA=$SR_ROOT/$BUILD/sockrec-analyze
SOCKREC=$SR_ROOT/$BUILD/sockrec
RES=$SR_TMP/res
mkdir -p "$RES" bench/results

# The nginx under test: opted in (ADI_PROFILE=bench) on PORT, a second,
# identical one not opted in on PORT_PLAIN (for "sockrec running, no target").
sr_start_nginx "$PORT" nginx
NGINX_OPTED=$SR_PID
# sr_start_nginx keeps its state in $SR_TMP/nginx: the second gets its own
mkdir -p "$SR_TMP/plain/log"
SR_TMP=$SR_TMP/plain SR_PROFILE='' sr_start_nginx "$PORT_PLAIN" nginx-plain ||
	sr_die "second nginx did not start"
NGINX_PLAIN=$SR_PID
# nginx on core 0, wrk on core 1
pin_nginx() { for p in $(pgrep -P "$1") "$1"; do taskset -pc 0 "$p" >/dev/null; done; }
pin_nginx "$NGINX_OPTED"
pin_nginx "$NGINX_PLAIN"
# nginx runs before sockrec and rewrites its environment block (process
# titles): sockrec's startup scan finds master and worker by their live
# environment (ADI_PROFILE=bench, `env ADI_PROFILE;` in nginx.conf), as it
# would a user's nginx; no --pid. cap_start checks that it did.
NGINX_TARGETS=$((1 + $(pgrep -c -P "$NGINX_OPTED")))

# CPU accounting of section 1: the machine's busy ticks (/proc/stat: user,
# nice, system, irq, softirq; not idle, iowait or steal) and one process's
# (utime + stime), in clock ticks
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }
# the capture process whose CPU section 1 counts (sockrec, tcpdump), or none
MEASURE_PID=

# wrk on the other core; prints "rps p99_ms requests busy_ticks
# capture_ticks": the ticks over wrk's run, of the machine and of
# MEASURE_PID
run_wrk() { # port optin(0|1) seconds
	local envs=() b0 c0 b1 c1
	[ "$2" = 1 ] && envs=(ADI_PROFILE=bench ADI_PROFILE_NAME=wrk)
	b0=$(busy_ticks) c0=$(pid_ticks "$MEASURE_PID")
	env -i "${SR_BASE_ENV[@]}" "${envs[@]}" taskset -c 1 \
		wrk -t1 -c"$CONNS" -d"$3"s --latency "http://127.0.0.1:$1/api/hello" >"$RES/wrk.out" 2>&1
	b1=$(busy_ticks) c1=$(pid_ticks "$MEASURE_PID")
	awk -v busy=$((b1 - b0)) -v cap=$((c1 - c0)) '
	     /^Requests\/sec:/ { rps = $2 }
	     / requests in / { n = $1 }
	     /^ +99%/ { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
	                else if (v ~ /ms$/) { sub(/ms$/, "", v) }
	                else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
	                p99 = v }
	     END { printf "%s %s %s %d %d\n", rps, p99, n, busy, cap }' "$RES/wrk.out"
}

cap_start() { # out [args...]
	local out=$1 n
	shift
	rm -f "$out"
	env -i "${SR_BASE_ENV[@]}" "$SOCKREC" -w "$out" -q --allow bench "$@" 2>"$RES/cap.log" &
	CAP=$!
	for _ in $(seq 300); do
		if grep -q '^sockrec: capturing' "$RES/cap.log"; then
			# the opted-in nginx (master + workers) at least
			n=$(sed -n 's/.* \([0-9]*\) targets\{0,1\} running.*/\1/p' "$RES/cap.log")
			[ "${n:-0}" -ge "$NGINX_TARGETS" ] ||
				sr_die "sockrec found $n targets running, not nginx's $NGINX_TARGETS: $(cat "$RES/cap.log")"
			return 0
		fi
		sleep 0.1
	done
	cat "$RES/cap.log" >&2
	sr_die "sockrec did not start"
}
drops_of() { # archive -> ring_full total
	"$SA" info "$1" 2>/dev/null | awk '/^loss:/ { l = 1 } l && /ring_full:/ { print $2; exit }'
}


# ------------------------------------------------------------ 1. overhead
sec 1 && sr_log "1/6 capture overhead: $ROUNDS rounds x 5 modes x ${DURATION}s"
: >"$RES/overhead"
for r in $(seq "$(sec 1 && echo "$ROUNDS" || echo 0)"); do
	for mode in none server capture idle tcpdump; do
		bytes=0 drops=- recs=0
		case $mode in
		none)
			MEASURE_PID=
			read -r rps p99 nreq busy capt < <(run_wrk "$PORT" 0 "$DURATION") ;;
		server | capture | idle)
			# server: one end, nginx opted in, wrk not (what tcpdump is
			# compared with); capture: both ends; idle: sockrec running,
			# wrk against the nginx that is not opted in
			cap_start "$RES/o.srz"
			MEASURE_PID=$CAP
			case $mode in
			server) read -r rps p99 nreq busy capt < <(run_wrk "$PORT" 0 "$DURATION") ;;
			capture) read -r rps p99 nreq busy capt < <(run_wrk "$PORT" 1 "$DURATION") ;;
			idle) read -r rps p99 nreq busy capt < <(run_wrk "$PORT_PLAIN" 0 "$DURATION") ;;
			esac
			cap_stop
			bytes=$(stat -c %s "$RES/o.srz")
			drops=$(drops_of "$RES/o.srz")
			recs=$("$SA" info "$RES/o.srz" 2>/dev/null | awk '/^records:/ { r = 1 } r && /^  data:/ { print $2; exit }') ;;
		tcpdump)
			tcpdump -i lo -s 0 -w "$RES/o.pcap" "tcp port $PORT" 2>"$RES/tcpdump.log" &
			td=$!
			MEASURE_PID=$td
			sleep 1
			read -r rps p99 nreq busy capt < <(run_wrk "$PORT" 0 "$DURATION")
			kill -INT "$td"
			wait "$td" || true
			bytes=$(stat -c %s "$RES/o.pcap")
			drops=$(sed -n 's/^\([0-9]*\) packets dropped by kernel/\1/p' "$RES/tcpdump.log") ;;
		esac
		echo "$mode $r $rps $p99 $bytes ${drops:-0} $nreq $busy $capt ${recs:-0}" | tee -a "$RES/overhead" >&2
	done
done

# ------------------------------------------------------------ 2. syscalls
if sec 2; then
	sr_log "2/6 per-syscall cost"
	BUILD=$BUILD REPS=3 bench/syscall-cost.sh >"$RES/syscall" 2>"$RES/syscall.err" ||
		{ cat "$RES/syscall.err" >&2; sr_die "syscall-cost failed"; }
	cat "$RES/syscall" >&2
	# where the time of a captured call goes, kernel side
	BUILD=$BUILD bench/bpf-stages.sh 256 >"$RES/stages" 2>"$RES/stages.err" ||
		{ cat "$RES/stages.err" >&2; sr_die "bpf-stages failed"; }
	cat "$RES/stages" >&2
fi

# ------------------------------------------------------------ 3. analyzer
if sec 3; then
	sr_log "3/6 analyzer on >= ${ANALYZE_MB} MB of payload"
	# Section 1's load (wrk -> nginx, keep-alive, GET /api/hello: a 24-byte
	# JSON body), nginx and wrk both opted in, so each byte is recorded twice
	# (client and server), as in production when both sides opt in. Small
	# messages are where per-message costs show, for us and for tshark alike.
	# wrk runs in rounds until the archive holds ANALYZE_MB of payload (the
	# first round measures the rate, the next ones aim at what is missing),
	# at most ANALYZE_MAX_S seconds of load in all.
	ANALYZE_MAX_S=${ANALYZE_MAX_S:-300}
	payload_of() { # archive -> bytes of payload (a live archive: its closed blocks)
		{ "$SA" info "$1" 2>/dev/null || true; } | awk '/bytes_captured:/ { print $2; exit }'
	}
	cap_start "$RES/an.srz"
	want=$((ANALYZE_MB * 1000000)) payload=0 secs=0 round=2 an_requests=0
	while [ "$payload" -lt "$want" ] && [ "$secs" -lt "$ANALYZE_MAX_S" ]; do
		[ $((secs + round)) -le "$ANALYZE_MAX_S" ] || round=$((ANALYZE_MAX_S - secs))
		read -r rps _ < <(run_wrk "$PORT" 1 "$round")
		an_requests=$((an_requests + $(awk '/requests in/ { print $1; exit }' "$RES/wrk.out")))
		secs=$((secs + round))
		sleep 1.2 # the capture closes a block at least every second
		payload=$(payload_of "$RES/an.srz")
		payload=${payload:-0}
		# what is missing at this round's rate, +10 %, in whole seconds
		round=$(echo "$want $payload $secs" | awk '{ r = $2 / $3; if (r <= 0) r = 1
			s = ($1 - $2) * 1.1 / r; print (s < 1 ? 1 : int(s + 0.999)) }')
		sr_log "  ${secs}s of load: $((payload / 1000000)) MB of payload ($rps req/s)"
	done
	cap_stop
	payload=$(payload_of "$RES/an.srz")
	an_load_s=$secs
	sr_log "recorded $((payload / 1000000)) MB of payload in ${secs}s of load"

	timed() { # name cmd... -> "seconds maxrss_kb status user_seconds system_seconds"
		local name=$1 rc=0
		shift
		/usr/bin/time -f '%e %M %U %S' -o "$RES/$name.time" taskset -c "${CPUS:-0}" "$@" >"$RES/$name.out" 2>"$RES/$name.err" || rc=$?
		tail -n1 "$RES/$name.time" | awk -v rc=$rc '{ print $1, $2, rc, $3, $4 }'
	}
	# The analyzer's outputs go to a tmpfs (/dev/shm): http.jsonl is about 7
	# times the payload on this mix (8 GB for ANALYZE_MB=1024), and this VM's
	# disk is not what is measured. Storing it still costs system time (page
	# allocation: 0.3-1 s per GB here, more on a fresh or crowded machine),
	# shown apart from the analyzer's own (user) time. Each analyzer run is
	# repeated ANALYZE_REPS times and the fastest counts (the others differ by
	# what else the machine does); peak RSS is the largest of the runs.
	ANALYZE_REPS=${ANALYZE_REPS:-3}
	AN_OUT=$(mktemp -d /dev/shm/sockrec-bench.XXXXXX)
	sr_on_exit "rm -rf '$AN_OUT'"
	# one run first, not counted: it touches the memory the tmpfs will use
	"$SA" report "$RES/an.srz" -o "$AN_OUT/report" >/dev/null 2>&1 || true
	rm -rf "$AN_OUT/report"
	# memory must not grow with archive size: the same analysis on the first
	# quarter and half of the archive (cut at a byte offset: the analyzer reads
	# the readable prefix and exits 3), then on all of it
	an_rows=()
	for part in 4 2 1; do
		f=$RES/an.srz
		if [ "$part" != 1 ]; then
			f=$RES/an-$part.srz
			head -c $(($(stat -c %s "$RES/an.srz") / part)) "$RES/an.srz" >"$f"
		fi
		best= best_cpu= peak=0
		for _ in $(seq "$ANALYZE_REPS"); do
			rm -rf "$AN_OUT/report"
			read -r s rss rc us sy < <(timed "analyze-$part" "$SA" report -j 1 "$f" -o "$AN_OUT/report")
			[ "$rc" = 0 ] || [ "$rc" = 3 ] ||
				sr_die "sockrec-analyze report failed ($rc): $(head -c 500 "$RES/analyze-$part.err")"
			if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then
				best=$s best_cpu="$us $sy"
			fi
			[ "$rss" -gt "$peak" ] && peak=$rss
		done
		an_rows+=("$part $best $peak $(payload_of "$f") $(wc -l <"$AN_OUT/report/http.jsonl") $(stat -c %s "$AN_OUT/report/http.jsonl") $best_cpu")
		rm -f "$RES/an-$part.srz"
	done
	rm -rf "$AN_OUT/report"
	read -r a_secs a_rss _ < <(echo "${an_rows[2]}" | cut -d' ' -f2-)
	# the whole archive again on both cores: -j 2 (a reading thread, one
	# engine, the sinks, http.jsonl among them, on a thread of their own:
	# analyze/core/relay.h) and -j 3 (two engines, lanes: core/engine.h);
	# and --summary-only (no per-message log) with -j 1 on one core and
	# -j 2, -j 3 on both
	var_rows=()
	for v in "j2:0,1:-j 2" "j3:0,1:-j 3" "sum1:0:--summary-only -j 1" "sum2:0,1:--summary-only -j 2" \
		"sum3:0,1:--summary-only -j 3"; do
		IFS=: read -r vname vcpus vargs <<<"$v"
		best= best_cpu= peak=0
		for _ in $(seq "$ANALYZE_REPS"); do
			rm -rf "$AN_OUT/report"
			# shellcheck disable=SC2086 # vargs: several options
			read -r s rss rc us sy < <(CPUS=$vcpus timed "analyze-$vname" "$SA" report $vargs "$RES/an.srz" -o "$AN_OUT/report")
			[ "$rc" = 0 ] || sr_die "sockrec-analyze report $vargs failed ($rc): $(head -c 500 "$RES/analyze-$vname.err")"
			if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then
				best=$s best_cpu="$us $sy"
			fi
			[ "$rss" -gt "$peak" ] && peak=$rss
		done
		var_rows+=("$vname|$vcpus|$vargs|$best|$peak|$best_cpu")
	done
	rm -rf "$AN_OUT/report"
	# the pcapng only now: its pages would crowd the RAM disk's
	"$SA" convert "$RES/an.srz" "$RES/an.pcapng"
	TSHARK_TIMEOUT=${TSHARK_TIMEOUT:-1800}
	read -r t_secs t_rss _ t_us t_sy < <(timed tshark timeout "$TSHARK_TIMEOUT" tshark -r "$RES/an.pcapng" -q -z http,tree)
	t_requests=$(awk '$1 == "HTTP" && $2 == "Request" && $3 == "Packets" { print $4; exit }' "$RES/tshark.out")

	# section 3 of the report
	analyzer_table() {
		local row part s rss pl lines jsonl us sy what
		mb() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1e6 }'; }
		echo "## 3. Analyzer vs tshark (one core each, same traffic; and sockrec-analyze -j 2 on two)"
		echo
		echo "Traffic: section 1's load (wrk -t1 -c$CONNS -> nginx, keep-alive, GET /api/hello: a 24-byte JSON body)," \
			"nginx and wrk both recorded (each message seen at both ends), $an_requests requests in ${an_load_s}s of load."
		echo "Payload: $(mb "$payload") MB (.srz $(mb "$(stat -c %s "$RES/an.srz")") MB," \
			".pcapng $(mb "$(stat -c %s "$RES/an.pcapng")") MB)."
		echo "Commands: \`taskset -c 0 sockrec-analyze report ARCHIVE -o DIR\` (DIR on /dev/shm; the fastest of $ANALYZE_REPS runs)" \
			"and \`taskset -c 0 tshark -r ARCHIVE.pcapng -q -z http,tree\` (once); wall seconds, user and system seconds" \
			"and peak RSS from /usr/bin/time. System time is mostly storing http.jsonl."
		echo
		echo "| tool | input | payload MB | http.jsonl lines (MB) | seconds | user s | system s | MB/s of payload | peak RSS MB |"
		echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
		for row in "${an_rows[@]}"; do
			read -r part s rss pl lines jsonl us sy <<<"$row"
			case $part in 4) what="first ¼ of the .srz" ;; 2) what="first ½ of the .srz" ;; *) what=".srz" ;; esac
			printf '| sockrec-analyze report | %s | %s | %s (%s) | %.2f | %.2f | %.2f | %.0f | %.1f |\n' "$what" "$(mb "$pl")" \
				"$lines" "$(mb "$jsonl")" "$s" "$us" "$sy" \
				"$(echo "$pl $s" | awk '{ print $1 / 1e6 / ($2 > 0 ? $2 : 0.01) }')" "$(echo "$rss" | awk '{ print $1 / 1024 }')"
		done
		printf '| tshark -q -z http,tree | .pcapng | %s | – (%s requests counted) | %.2f | %.2f | %.2f | %.1f | %.0f |\n' "$(mb "$payload")" \
			"${t_requests:-?}" "$t_secs" "$t_us" "$t_sy" \
			"$(echo "$payload $t_secs" | awk '{ print $1 / 1e6 / ($2 > 0 ? $2 : 0.01) }')" "$(echo "$t_rss" | awk '{ print $1 / 1024 }')"
		for row in "${var_rows[@]}"; do
			IFS='|' read -r _ vcpus vargs s rss cpu <<<"$row"
			read -r us sy <<<"$cpu"
			printf '| sockrec-analyze report %s (cores %s) | .srz | %s | %s | %.2f | %.2f | %.2f | %.0f | %.1f |\n' "$vargs" "$vcpus" \
				"$(mb "$payload")" "$(case $vargs in *summary*) echo "– (no http.jsonl)" ;; *) echo "as above" ;; esac)" \
				"$s" "$us" "$sy" "$(echo "$payload $s" | awk '{ print $1 / 1e6 / ($2 > 0 ? $2 : 0.01) }')" \
				"$(echo "$rss" | awk '{ print $1 / 1024 }')"
		done
		read -r _ _ _ _ _ _ a_us _ <<<"${an_rows[2]}"
		printf '\nSpeed-up over tshark: **%.1f×** (target ≥ 50×). Analyzer: **%.0f MB/s** of payload on one core (target ≥ 300); %.0f MB/s of its user time alone.' \
			"$(echo "$t_secs $a_secs" | awk '{ print $1 / ($2 > 0 ? $2 : 0.01) }')" \
			"$(echo "$payload $a_secs" | awk '{ print $1 / 1e6 / ($2 > 0 ? $2 : 0.01) }')" \
			"$(echo "$payload $a_us" | awk '{ print $1 / 1e6 / ($2 > 0 ? $2 : 0.01) }')"
		printf ' Peak RSS for ¼ → ½ → all of the archive: **%s** (target: flat with archive size).\n' \
			"$(for row in "${an_rows[@]}"; do echo "$row"; done | awk '{ printf "%s%.1f", (NR > 1 ? " → " : ""), $3 / 1024 } END { print " MB" }')"
		[ "$(tail -n1 "$RES/tshark.time" | cut -d' ' -f1 | cut -d. -f1)" -ge "$TSHARK_TIMEOUT" ] 2>/dev/null &&
			echo "(tshark was stopped after ${TSHARK_TIMEOUT}s: its speed is a lower bound of the ratio.)"
		[ "$payload" -ge "$want" ] ||
			echo "(only $(mb "$payload") of the ${ANALYZE_MB} MB asked were recorded in ANALYZE_MAX_S=${ANALYZE_MAX_S}s.)"
		return 0
	}
fi

# ------------------------------------------------------------ 4. size
if sec 4; then
	sr_log "4/6 size of the same traffic"
	tcpdump -i lo -s 0 -w "$RES/s.pcap" "tcp port $PORT" 2>/dev/null &
	td=$!
	sleep 1
	cap_start "$RES/s.srz"
	run_wrk "$PORT" 1 "$DURATION" >/dev/null
	cap_stop
	sleep 0.5
	kill -INT "$td"
	wait "$td" || true
	"$SA" convert "$RES/s.srz" "$RES/s.pcapng"
	sz_srz=$(stat -c %s "$RES/s.srz")
	sz_png=$(stat -c %s "$RES/s.pcapng")
	sz_pcap=$(stat -c %s "$RES/s.pcap")
	# what the capture's zstd level costs and saves, on this archive
	"$BUILD/bench/srz_levels" "$RES/s.srz" 3 1 -1 -2 -3 3 >"$RES/levels"
fi

# ------------------------------------------------------------ 5. scale
if sec 5; then
	sr_log "5/6 analyzer scale: 10k, 100k, 1M connections in one process"
	BUILD=$BUILD bench/scale.sh >"$RES/scale"
fi

# ------------------------------------------------------------ 6. HTTP/2, gRPC
if sec 6; then
	sr_log "6/7 analyzer on HTTP/2 and gRPC vs tshark"
	BUILD=$BUILD bench/h2.sh >"$RES/h2"
fi
# ------------------------------------------------------------ 7. TLS
if sec 7; then
	sr_log "7/7 TLS plaintext: HTTPS requests with the uprobes on and off"
	BUILD=$BUILD ROUNDS=$ROUNDS DURATION=$((DURATION < 10 ? DURATION : 10)) bench/tls-cost.sh >"$RES/tls"
fi

# ------------------------------------------------------------ report
host=$(hostname -s)
out=bench/results/$(date -u +%Y-%m-%d)-$host$([ "$SECTIONS" = "1 2 3 4 5 6 7" ] || echo "-s${SECTIONS// /}").md
{
	echo "# sockrec bench — $(date -u +%Y-%m-%dT%H:%MZ), $host, $(nproc) cores, kernel $(uname -r)"
	echo
	echo "ROUNDS=$ROUNDS DURATION=${DURATION}s CONNS=$CONNS; medians over the rounds, interleaved."
	echo
	if sec 1; then
	echo "## 1. Capture overhead (wrk -> nginx, keep-alive, small response)"
	echo
	echo "| mode | req/s | vs none | p99 ms | bytes written | drops | target |"
	echo "|---|---:|---:|---:|---:|---:|---|"
	base=$(awk '$1 == "none" { print $3 }' "$RES/overhead" | median)
	for mode in none server capture idle tcpdump; do
		rps=$(awk -v m=$mode '$1 == m { print $3 }' "$RES/overhead" | median)
		p99=$(awk -v m=$mode '$1 == m { print $4 }' "$RES/overhead" | median)
		by=$(awk -v m=$mode '$1 == m { print $5 }' "$RES/overhead" | median)
		dr=$(awk -v m=$mode '$1 == m { s += $6 } END { print s + 0 }' "$RES/overhead")
		case $mode in
		none) label="no capture"; tgt="" ;;
		server) label="sockrec, nginx opted in (one end)"; tgt="≤ tcpdump's cost, ≤ 3 %; 0 drops" ;;
		capture) label="sockrec, nginx + wrk opted in (both ends)"; tgt="≤ 3 %; 0 drops" ;;
		idle) label="sockrec, nothing opted in"; tgt="≤ 1 %" ;;
		tcpdump) label="tcpdump -i lo -w, full snaplen"; tgt="" ;;
		esac
		printf '| %s | %.0f | %+.1f %% | %.2f | %s | %s | %s |\n' "$label" "$rps" \
			"$(echo "$rps $base" | awk '{ print ($1 / $2 - 1) * 100 }')" "$p99" "$by" "$dr" "$tgt"
	done
	echo
	echo "Where the CPU goes: the machine's busy time (/proc/stat: user, system, irq, softirq) over each wrk run divided by the requests it made, and the capture process's own (sockrec's consumer, or tcpdump); medians over the rounds. On two saturated cores, CPU added per request is what takes req/s away; this is less noisy than req/s on this VM. \"kernel + servers\" is the rest of the added CPU: the BPF programs (section 2) and what they cost nginx, wrk and the kernel around them."
	echo
	echo "| mode | CPU µs / request | added vs none | of it: capture process | kernel + servers | data records / request | capture process ns / record |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	cpu_of() { # mode field -> median per-request µs of busy ($8) or capture ($9) ticks
		awk -v m="$1" -v f="$2" -v hz="$CLK_TCK" '$1 == m && $7 > 0 { print $f / hz * 1e6 / $7 }' "$RES/overhead" | median
	}
	cbase=$(cpu_of none 8)
	for mode in none server capture idle tcpdump; do
		case $mode in
		none) label="no capture" ;;
		server) label="sockrec, one end" ;;
		capture) label="sockrec, both ends" ;;
		idle) label="sockrec, nothing opted in" ;;
		tcpdump) label="tcpdump -i lo -w" ;;
		esac
		cb=$(cpu_of "$mode" 8) cc=$(cpu_of "$mode" 9)
		rpr=$(awk -v m="$mode" '$1 == m && $7 > 0 { print $10 / $7 }' "$RES/overhead" | median)
		printf '| %s | %.2f | %+.2f | %.2f | %+.2f | %.2f | %s |\n' "$label" "$cb" \
			"$(echo "$cb $cbase" | awk '{ print $1 - $2 }')" "$cc" \
			"$(echo "$cb $cbase $cc" | awk '{ print $1 - $2 - $3 }')" "$rpr" \
			"$(echo "$cc $rpr" | awk '{ if ($2 > 0) printf "%.0f", $1 * 1000 / $2; else print "–" }')"
	done
	echo
	fi
	if sec 2; then
	echo "## 2. Per-syscall cost (bench/syscall-cost.sh; ns per call, + added vs off)"
	echo
	echo '```'
	cat "$RES/syscall"
	echo '```'
	echo "Targets: ≤ 10 ns added for syscalls of non-targets; ≤ 150 ns plus copy for a captured send or receive."
	echo
	echo "Kernel side of a captured 256-byte write or read, stage by stage (bench/bpf-stages.sh; BPF run-time statistics, whose own clock reads are in every ns/run figure but in no difference):"
	echo
	echo '```'
	cat "$RES/stages"
	echo '```'
	echo
	fi
	if sec 3; then
	analyzer_table
	echo
	fi
	if sec 4; then
	echo "## 4. Size of the same traffic (${DURATION}s of wrk -> nginx)"
	echo
	echo "| file | bytes | vs tcpdump pcap |"
	echo "|---|---:|---:|"
	for f in "sockrec .srz:$sz_srz" "sockrec .pcapng:$sz_png" "tcpdump pcap:$sz_pcap"; do
		printf '| %s | %s | %.1f %% |\n' "${f%%:*}" "${f##*:}" "$(echo "${f##*:} $sz_pcap" | awk '{ print $1 / $2 * 100 }')"
	done
	echo
	echo "Target: .srz ≤ 30 % of tcpdump's pcap. sockrec records both ends here (nginx and wrk are both targets), tcpdump each packet once."
	echo
	echo "The capture's zstd level on this archive (bench/srz_levels: its records written again by the capture's writer at each level; CPU of the writer alone; the default is -1):"
	echo
	cat "$RES/levels"
	echo
	fi
	if sec 5; then
	cat "$RES/scale"
	echo
	echo "Target: CPU per connection flat from 10k to 1M (linear time); peak RSS flat past 32,768 open connections, under 200 MB."
	echo
	fi
	if sec 6; then
	cat "$RES/h2"
	echo
	fi
	if sec 7; then
	echo "## 7. TLS plaintext (bench/tls-cost.sh: wrk -> nginx over HTTPS, OpenSSL 3, both recorded)"
	echo
	cat "$RES/tls"
	fi
} >"$out"
# a run of some sections only is a file of its own, not the latest full one
[ "$SECTIONS" = "1 2 3 4 5 6 7" ] && cp "$out" bench/results/latest.md
cat "$out"
