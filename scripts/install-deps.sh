#!/usr/bin/env bash
# Installs every Debian package sockrec's build, tests, demo and benchmarks
# need. Non-interactive and idempotent: when everything is present it does
# nothing (no network), otherwise one `apt-get update` then one install.
#
#   scripts/install-deps.sh          build + test + demo packages
#   scripts/install-deps.sh --bench  also the benchmark tools
#   scripts/install-deps.sh --vm     also what make test-kernels boots with
set -euo pipefail

build_pkgs=(
	make gcc clang llvm pkg-config bpftool
	libbpf-dev libelf-dev zlib1g-dev libzstd-dev libjansson-dev
	libyaml-dev libpcap-dev libcmocka-dev libclang-rt-14-dev libcurl4-openssl-dev
	libnghttp2-dev libbrotli-dev
)
# every tool a test calls: a test that finds one missing skips, and a skip
# is a gap (tcpdump: e2e/pcapng_*; jq: e2e/pcapng_capture; python3-yaml:
# tests/analyze_commands.sh; time: e2e/analyze_scale's peak RSS; musl-tools:
# the live-environment e2e test; nghttp2-*, python3-grpcio, brotli:
# e2e/analyze_h2; openssl: e2e/capture_tls's certificate; binutils (objdump) and
# golang-go: e2e/goelf_objdump)
test_pkgs=(
	tshark tcpdump jq nginx-light curl iproute2 procps psmisc python3 python3-yaml openssl
	postgresql postgresql-client redis-server redis-tools memcached
	nats-server mariadb-server mariadb-client golang-go binutils
	docker.io busybox-static graphviz zstd musl-tools time
	nghttp2-server nghttp2-client nghttp2-proxy python3-grpcio brotli
)
bench_pkgs=(wrk linux-perf hyperfine)
# make test-kernels: QEMU (TCG), busybox for the initramfs, xz and cpio to
# build it from Debian's kernel packages
vm_pkgs=(qemu-system-x86 busybox-static xz-utils cpio)

want=("${build_pkgs[@]}" "${test_pkgs[@]}")
for a in "$@"; do
	case $a in
	--bench) want+=("${bench_pkgs[@]}") ;;
	--vm) want+=("${vm_pkgs[@]}") ;;
	*) echo "install-deps: unknown option $a" >&2; exit 2 ;;
	esac
done

missing=()
for p in "${want[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root (or: sudo $0)" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"${missing[@]}" >&2
