#!/usr/bin/env bash
# tls-cost.sh - what the TLS plaintext uprobes cost per HTTPS request.
#
# wrk (OpenSSL 3, keep-alive, 4 connections) -> nginx with TLS (OpenSSL 3),
# a small response, loopback; both opted in (ADI_PROFILE), so both ends are
# recorded. The same against a Go server (tests/servers/gotls: net/http on
# crypto/tls, probed in its executable) when `go` is installed. Interleaved, ROUNDS times, DURATION s each:
#   off      no capture
#   ciphertext  sockrec (the default: records the TLS bytes, no uprobes)
#   plaintext   sockrec --tls (uprobes on libssl: plaintext + ciphertext byte counts)
# Prints a Markdown table: req/s (median of rounds), µs per request against
# "off", and the difference plaintext - ciphertext: the uprobes' cost per
# request (4 library calls with a return probe each, both ends, plus the
# plaintext records). Used by bench/run.sh; alone:
#
#   ROUNDS=3 DURATION=10 bench/tls-cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
BUILD=${BUILD:-build}
PORT=${TLS_BENCH_PORT:-27843}
GPORT=$((PORT + 1))
SOCKREC=$PWD/$BUILD/sockrec
for t in wrk nginx openssl taskset; do
	command -v "$t" >/dev/null || { echo "tls-cost: $t is missing" >&2; exit 1; }
done
[ -x "$SOCKREC" ] || { echo "tls-cost: $SOCKREC not built" >&2; exit 1; }

T=$(mktemp -d /tmp/sockrec-tlsbench.XXXXXX)
NGINX=
GOSRV=
CAP=
cleanup() {
	# a server stopped here exits by its signal (143): not the script's status
	set +e
	[ -n "$CAP" ] && kill -INT "$CAP" 2>/dev/null && wait "$CAP" 2>/dev/null
	[ -n "$NGINX" ] && kill "$NGINX" 2>/dev/null && wait "$NGINX" 2>/dev/null
	[ -n "$GOSRV" ] && kill "$GOSRV" 2>/dev/null && wait "$GOSRV" 2>/dev/null
	rm -rf "$T"
	return 0
}
trap cleanup EXIT

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 1 \
	-subj /CN=localhost 2>/dev/null
mkdir -p "$T/html" "$T/tmp"
printf 'hello over tls, a small response\n' >"$T/html/index.html"
cat >"$T/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $T/nginx.pid;
error_log $T/error.log warn;
env ADI_PROFILE;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $T/tmp/body;
	proxy_temp_path $T/tmp/proxy;
	fastcgi_temp_path $T/tmp/fastcgi;
	uwsgi_temp_path $T/tmp/uwsgi;
	scgi_temp_path $T/tmp/scgi;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$PORT ssl;
		ssl_certificate $T/cert.pem;
		ssl_certificate_key $T/key.pem;
		root $T/html;
	}
}
EOF
# nginx on core 0, wrk on core 1 (as bench/run.sh)
ADI_PROFILE=bench taskset -c 0 nginx -p "$T" -c "$T/nginx.conf" &
NGINX=$!
for _ in $(seq 100); do
	curl -skf -o /dev/null "https://127.0.0.1:$PORT/" && break
	sleep 0.1
done
# the Go server, on core 0 as well (GOMAXPROCS=1: one core, as nginx's one
# worker), built offline as the tests build it
if command -v go >/dev/null && mkdir -p "$BUILD/go-cache" &&
	(cd tests/servers && GOCACHE=$(cd "$BUILD" && pwd)/go-cache GOPATH="$T/gopath" GOPROXY=off \
		GOFLAGS= GO111MODULE=on CGO_ENABLED=0 go build -trimpath -o "$T/gotls" ./gotls); then
	ADI_PROFILE=bench GOMAXPROCS=1 taskset -c 0 "$T/gotls" server -addr "127.0.0.1:$GPORT" \
		-cert "$T/cert.pem" -key "$T/key.pem" -root "$T/html" 2>"$T/gotls.log" &
	GOSRV=$!
	for _ in $(seq 100); do
		curl -skf -o /dev/null "https://127.0.0.1:$GPORT/" && break
		sleep 0.1
	done
fi

# run MODE [URL]: req/s of one wrk run under MODE (default: nginx)
run() {
	local mode=$1 url=${2:-https://127.0.0.1:$PORT/} rps
	case $mode in
	ciphertext) "$SOCKREC" -q -w "$T/cap.srz" --force 2>"$T/cap.log" & CAP=$! ;;
	plaintext) "$SOCKREC" -q -w "$T/cap.srz" --force --tls 2>"$T/cap.log" & CAP=$! ;;
	esac
	if [ -n "$CAP" ]; then
		for _ in $(seq 300); do grep -q '^sockrec: capturing' "$T/cap.log" && break; sleep 0.1; done
	fi
	rps=$(ADI_PROFILE=bench taskset -c 1 wrk -t1 -c4 -d"${DURATION}s" "$url" |
		awk '/^Requests\/sec/ { print $2 }')
	if [ -n "$CAP" ]; then
		kill -INT "$CAP"
		wait "$CAP" || true
		CAP=
	fi
	echo "$rps"
}

# one SSL_read call (on an SSL object without a BIO: it fails at once, so
# the call is mostly the probes), ns per call, in a process that is not a
# target and in one that is: the price of a probed libssl for every process
# that maps it
cat >"$T/u.c" <<'CEOF'
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}
int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000, i;
	char b[16];
	SSL_CTX *c = SSL_CTX_new(TLS_method());
	SSL *s = SSL_new(c);
	double t0 = now();
	for (i = 0; i < n; i++)
		SSL_read(s, b, 1);
	printf("%.0f\n", (now() - t0) / n);
	return 0;
}
CEOF
CALL=
if cc -O2 -o "$T/u" "$T/u.c" -lssl -lcrypto 2>/dev/null; then
	call_off=$(env -u ADI_PROFILE "$T/u" 20000)
	"$SOCKREC" -q -w "$T/cap.srz" --force --tls 2>"$T/cap.log" & CAP=$!
	for _ in $(seq 300); do grep -q '^sockrec: capturing' "$T/cap.log" && break; sleep 0.1; done
	call_non=$(env -u ADI_PROFILE "$T/u" 20000)
	call_tgt=$(ADI_PROFILE=bench "$T/u" 20000)
	kill -INT "$CAP"; wait "$CAP" || true; CAP=
	CALL="One SSL_read call (fails at once: no BIO), ns: $call_off without sockrec; with sockrec's probes $call_non in a process that is not a target, $call_tgt in a target."
else
	CALL="(The per-call measure needs libssl-dev to build: not measured.)"
fi

declare -A R G
for r in $(seq "$ROUNDS"); do
	for m in off ciphertext plaintext; do
		R[$m]="${R[$m]:-} $(run "$m")"
		echo "tls-cost: round $r $m ${R[$m]##* } req/s" >&2
		[ -n "$GOSRV" ] || continue
		G[$m]="${G[$m]:-} $(run "$m" "https://127.0.0.1:$GPORT/")"
		echo "tls-cost: round $r go $m ${G[$m]##* } req/s" >&2
	done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
off=$(echo "${R[off]}" | median)
ct=$(echo "${R[ciphertext]}" | median)
pt=$(echo "${R[plaintext]}" | median)
us() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 1e6 / a - 1e6 / b }'; }
echo "| capture | req/s (median of $ROUNDS × ${DURATION} s; rounds) | µs per request added vs no capture |"
echo "|---|---:|---:|"
echo "| none | $off ($(echo ${R[off]} | tr ' ' '/')) | — |"
echo "| sockrec (ciphertext recorded) | $ct ($(echo ${R[ciphertext]} | tr ' ' '/')) | $(us "$ct" "$off") |"
echo "| sockrec --tls (TLS plaintext uprobes) | $pt ($(echo ${R[plaintext]} | tr ' ' '/')) | $(us "$pt" "$off") |"
echo
echo "$CALL"
echo
echo "The uprobes' own cost, plaintext minus ciphertext: $(us "$pt" "$ct") µs per HTTPS request (wrk and nginx both recorded; every SSL_read, SSL_write and handshake call of either pays an entry and a return probe, calls that end in WANT_READ included)."
if [ -n "$GOSRV" ]; then
	goff=$(echo "${G[off]}" | median)
	gct=$(echo "${G[ciphertext]}" | median)
	gpt=$(echo "${G[plaintext]}" | median)
	echo
	echo "The same against the Go server (tests/servers/gotls, $(go version | awk '{ print $3 }'), one core):"
	echo
	echo "| capture | req/s (median of $ROUNDS × ${DURATION} s; rounds) | µs per request added vs no capture |"
	echo "|---|---:|---:|"
	echo "| none | $goff ($(echo ${G[off]} | tr ' ' '/')) | — |"
	echo "| sockrec (ciphertext recorded) | $gct ($(echo ${G[ciphertext]} | tr ' ' '/')) | $(us "$gct" "$goff") |"
	echo "| sockrec --tls (Go crypto/tls uprobes) | $gpt ($(echo ${G[plaintext]} | tr ' ' '/')) | $(us "$gpt" "$goff") |"
	echo
	echo "The Go uprobes' cost, plaintext minus ciphertext: $(us "$gpt" "$gct") µs per HTTPS request (the server's tls.Conn.Read and .Write pay an entry and a RET probe each; wrk's SSL calls pay libssl's)."
else
	echo
	echo "(The Go server row needs go: not measured.)"
fi
