#!/usr/bin/env bash
# Harness self-test for scripts/lib/services.sh (used by the fixtures, the
# demo and the end-to-end tests): every server starts, answers a real
# client, and after cleanup no process of it is left, its port is free, the
# netns/veth/bridge are gone and the temp dir is removed.
# Needs root; skips (77) without it. No capture involved.
set -u
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (servers run as their own users, netns, docker)"
	exit 77
fi

base=27950 # this test's ports: base .. base+9
fail=0
check() { # description command...
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "ok    $what"
	else
		echo "FAIL  $what"
		fail=1
	fi
}

# Everything runs in a subshell so its EXIT trap (sr_cleanup) fires, then
# the parent checks what is left.
out=$(mktemp)
(
	. scripts/lib/services.sh
	sr_init svc-selftest || exit 1
	echo "TMP $SR_TMP"
	sr_start_nginx $base && echo "PID nginx $SR_NGINX_PID" &&
		curl -sf "http://127.0.0.1:$base/api/hello" | grep -q '"hello"' && echo "UP nginx" &&
		curl -sf -g "http://[::1]:$base/api/hello" >/dev/null && echo "UP nginx6"
	sr_start_postgres $((base + 1)) && echo "PID postgres $SR_PG_PID" &&
		sr_psql_tcp psql $((base + 1)) "SELECT 40 + 2" | grep -q 42 && echo "UP postgres"
	sr_start_mariadb $((base + 2)) && echo "PID mariadb $SR_MY_PID" &&
		sr_mysql_tcp mysql $((base + 2)) "SELECT 40 + 2" | grep -q 42 && echo "UP mariadb"
	sr_start_redis $((base + 3)) && echo "PID redis $SR_REDIS_PID" &&
		[ "$(redis-cli -p $((base + 3)) echo 42)" = 42 ] && echo "UP redis"
	sr_start_memcached $((base + 4)) && echo "PID memcached $SR_MEMCACHED_PID" &&
		$SR_PY tests/servers/clients/memcache_client.py --port $((base + 4)) binary | grep -q binary-value &&
		echo "UP memcached"
	sr_start_nats $((base + 5)) && echo "PID nats $SR_NATS_PID" &&
		$SR_PY tests/servers/clients/nats_client.py --port $((base + 5)) ping && echo "UP nats"
	sr_netns_create 249 && echo "NETNS $SR_NS $SR_NS_HOST_IF" &&
		sr_start_pprof pprof exposed "$SR_NS_HOST_IP:$((base + 6))" && echo "PID pprof $SR_PID" &&
		sr_ns curl -sf "http://$SR_NS_HOST_IP:$((base + 6))/debug/pprof/goroutine?debug=1" |
		grep -q 'goroutine profile' && echo "UP pprof-netns"
	sr_start_dockerd 248 && echo "PID dockerd $SR_DOCKERD_PID" && echo "BRIDGE $SR_DOCKER_BR" &&
		sr_docker_run "srself-web-$$" web 198.18.248.10 -- /bin/httpd -f -p 8080 -h /www &&
		sr_docker run --rm --network "$SR_DOCKER_NET" "$SR_IMAGE" \
			wget -q -O - http://198.18.248.10:8080/api/catalog.json | grep -q '"source":"web"' &&
		echo "UP docker"
) >"$out" 2>&1
cat "$out"
for s in nginx nginx6 postgres mariadb redis memcached nats pprof-netns docker; do
	check "$s answers" grep -qx "UP $s" "$out"
done
while read -r _ name pid; do
	check "$name (pid $pid) stopped" bash -c "! [ -e /proc/$pid ]"
done < <(grep '^PID ' "$out")
for p in $(seq $base $((base + 6))); do
	check "port $p free" bash -c "! ss -Hltn 'sport = :$p' | grep -q ."
done
ns=$(awk '/^NETNS/ { print $2 }' "$out") ifc=$(awk '/^NETNS/ { print $3 }' "$out")
[ -n "$ns" ] && check "netns $ns removed" bash -c "! ip netns list | grep -qw $ns"
[ -n "$ifc" ] && check "veth $ifc removed" bash -c "! ip link show $ifc"
br=$(awk '/^BRIDGE/ { print $2 }' "$out")
[ -n "$br" ] && check "bridge $br removed" bash -c "! ip link show $br" &&
	check "FORWARD rule for $br removed" bash -c "! iptables -S FORWARD | grep -qw $br"
tmp=$(awk '/^TMP/ { print $2 }' "$out")
# [/]tmp/... so that pgrep does not find the bash -c running it
check "no process left that mentions $tmp" bash -c "! pgrep -f -- '[${tmp:0:1}]${tmp:1}'"
check "temp dir removed" bash -c "[ -n '$tmp' ] && ! [ -e '$tmp' ]"
rm -f "$out"
[ $fail -eq 0 ] && echo "services harness: all ok"
exit $fail
