# lib.sh - what bench/run.sh and bench/consumer-cost.sh share (sourced,
# after scripts/lib/services.sh).

CLK_TCK=$(getconf CLK_TCK)

# pid_ticks PID: its utime + stime in clock ticks (0 when gone or none)
pid_ticks() {
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || { echo 0; return; }
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# cap_stop: stops the capture $CAP started (SIGINT, as a user would) and
# fails the bench when it did not end cleanly ($RES/cap.log its stderr)
cap_stop() {
	kill -INT "$CAP"
	wait "$CAP" || sr_die "sockrec failed: $(cat "$RES/cap.log")"
}

# median: of the numbers on stdin, one a line
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
