#!/usr/bin/env bash
# run.sh - make test-kernels: boots Debian's kernel packages under QEMU
# (scripts/vm-run.sh: TCG, the host's root over 9p) and runs the capture
# end-to-end tests inside each, with the binaries built on the host.
#
#   KERNELS="5.10 6.1 6.12"   which kernels (default: all three)
#   TESTS="capture_ring ..."  which tests/e2e tests (default: $DEFAULT_TESTS)
#   VM_TIMEOUT=900            hard limit per kernel, boot included (seconds)
#   VM_TEST_TIMEOUT=300       limit per test inside the guest
#
# Prints each guest's output (its BPF features, whether sockrec starts and
# how, a line per test), then one summary line per kernel and
# "kernels: N passed, N failed". Exits non-zero when a kernel failed: a test
# failed, its package could not be fetched, its VM did not finish, or the
# kernel logged a BUG, WARNING, oops or stall on its console. Logs:
# $BUILD/test-kernels/KERNEL/ (console.log, output, logs/TEST.log).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
export BUILD

# The e2e tests whose outcome depends on the kernel's BPF: every hook, copy
# path and loss count, and the analyzer on what they recorded. TCG runs them
# about 10x slower than the host, so the kernel-independent ones stay on the
# host (NOT_RUN; TESTS= runs any of them here too).
DEFAULT_TESTS="capture_nginx_curl capture_syscalls capture_optin capture_snaplen
	capture_preexisting capture_ring capture_accept analyze_live capture_tls capture_gotls
	capture_tls_openssl11"
# Not run in the guests, and why (they run in make test on the host).
NOT_RUN="capture_container:needs a Docker engine (the guest runs no dockerd; its root is the host's over 9p, not a disk Docker's storage can use)
capture_cli:the command line contract; its kernel part (does sockrec start) is checked here on its own
capture_crash:recovery of an archive cut by SIGKILL: the writer's behaviour, not the kernel's
analyze_cli:no kernel involved (reads hand-made archives)
pcapng_sample:no kernel involved (converts a fixture archive)
pcapng_capture:the kernel side is the srz tests' one; it checks the pcapng writer against tcpdump
demo_services:no capture (a self-test of the demo servers' scripts; uses network namespaces and Docker)
capture_liveenv_container:needs a Docker engine (as capture_container)
capture_liveenv_nginx:the startup scan reading environments from process memory (/proc interfaces alike on 5.10+); the kernel's pre-existing-target path is capture_preexisting's
capture_liveenv_postgres:as capture_liveenv_nginx
capture_liveenv_rewrite:as capture_liveenv_nginx
analyze_scale:no kernel involved (the analyzer on generated archives of 20k-70k sockets)
analyze_jobs:no kernel involved (the analyzer on fixture and generated archives at several -j)
capture_paths:forces, on the host, each slower BPF path its kernel has; each guest runs its own kernel's paths in the tests above
analyze_fields:no kernel involved (the analyzer on fixture archives)
analyze_h2:HTTP/2 and gRPC decoding of what the plain socket path records (capture_nginx_curl's path in the guests)
analyze_h2_middle:as analyze_h2
capture_tls_h2:HTTP/2 decoding over the TLS plaintext that capture_tls proves in the guests
regress_replay:replay, diff and mock of a capture: no kernel involved past the plain socket path
regress_h2:as regress_replay, over HTTP/2
goelf_objdump:no kernel involved (reads Go and C executables; objdump is the oracle)"

KERNELS=${KERNELS:-5.10 6.1 6.12}
TESTS=${TESTS:-$DEFAULT_TESTS}
VM_TIMEOUT=${VM_TIMEOUT:-900}
export VM_TEST_TIMEOUT=${VM_TEST_TIMEOUT:-300}
OUT=$BUILD/test-kernels
mkdir -p "$OUT"

# the probe tool and objects are built here, not under TCG
tests/kernels/features.sh --build-only || { echo "test-kernels: building tests/kernels/ failed"; exit 1; }
# and the Go build cache capture_tls's pprof backend and capture_gotls's
# programs use (compiling the standard library under TCG takes minutes)
gocache() { # PACKAGE
	mkdir -p "$BUILD/go-cache"
	(cd tests/servers && GOCACHE=$(cd "$BUILD" && pwd)/go-cache GOPROXY=off GOFLAGS= GO111MODULE=on \
		CGO_ENABLED=0 go build -trimpath -o /dev/null "$1") ||
		{ echo "test-kernels: go build $1 failed"; exit 1; }
}
case " $(echo $TESTS) " in *" capture_tls "*) gocache ./pprof ;; esac
case " $(echo $TESTS) " in *" capture_gotls "*) gocache ./gotls ;; esac
# and bullseye's libssl1.1 for capture_tls_openssl11 (the guests have no
# network; they see the host's build/deps over 9p)
case " $(echo $TESTS) " in *" capture_tls_openssl11 "*)
	BUILD=$BUILD scripts/fetch-libssl11.sh >/dev/null ||
		{ echo "test-kernels: fetching libssl1.1 failed"; exit 1; } ;;
esac

echo "== not run in the VMs (covered by make test on the host):"
TESTS_W=" $(echo $TESTS) "
for t in tests/e2e/*.sh; do
	[ -x "$t" ] || continue
	n=$(basename "$t" .sh)
	case $TESTS_W in *" $n "*) continue ;; esac
	why=$(grep -m1 "^$n:" <<<"$NOT_RUN" | cut -d: -f2-)
	printf '   %-26s %s\n' "$n" "${why:-not listed in tests/kernels/run.sh (DEFAULT_TESTS or NOT_RUN): add it}"
done

passed=0 failed=0
summary=()
for k in $KERNELS; do
	echo
	echo "======== kernel $k"
	start=$(date +%s)
	dir=$OUT/$k
	rm -rf "$dir"
	if ! kdir=$(scripts/kernels/fetch.sh "$k" 2>"$OUT/$k.fetch.log"); then
		sed 's/^/   /' "$OUT/$k.fetch.log"
		failed=$((failed + 1))
		summary+=("$(printf 'FAIL  kernel %-5s the kernel package could not be fetched: %s' \
			"$k" "$(tail -n1 "$OUT/$k.fetch.log")")")
		continue
	fi
	rel=$(cat "$kdir/release")
	# shellcheck disable=SC2086
	VM_RUN_DIR=$dir scripts/vm-run.sh --timeout "$VM_TIMEOUT" "$k" -- \
		tests/kernels/guest-tests.sh $TESTS
	rc=$?
	secs=$(($(date +%s) - start))
	counts=$(grep -a '^guest: ' "$dir/output" 2>/dev/null | tail -n1 | sed 's/^guest: //')
	starts=$(grep -a -m1 '^   starts: ' "$dir/output" 2>/dev/null | sed 's/^ *//')
	# a kernel that warned or oopsed fails, whatever the tests said
	oops=$(grep -a -m1 -E '(BUG|WARNING|Oops|general protection fault|Kernel panic|RCU stall|soft lockup|hung_task)[: ]' \
		"$dir/console.log" 2>/dev/null | sed 's/^\[ *[0-9.]*\] //')
	if [ -n "$oops" ]; then
		echo "test-kernels: the $k kernel logged: $oops (see $dir/console.log)"
		[ $rc -eq 0 ] && rc=1
	fi
	why=${oops:+kernel: $oops}
	case $rc in
	0) ;;
	124) why="VM timed out after ${VM_TIMEOUT}s${why:+; $why}" ;;
	125) why="the VM did not run the tests (see $dir/console.log)${why:+; $why}" ;;
	*) [ -n "$counts$why" ] || why="exit $rc" ;;
	esac
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1)) res=PASS
	else
		failed=$((failed + 1)) res=FAIL
	fi
	summary+=("$(printf '%s  kernel %-5s %-22s %4ss  %s%s%s\n      sockrec %s' "$res" "$k" \
		"($rel)" $secs "${counts:-no test results}" "${why:+, }" "$why" "${starts:-start unknown}")")
done

echo
echo "======== summary (logs: $OUT/KERNEL/)"
printf '%s\n' "${summary[@]}"
echo "kernels: $passed passed, $failed failed"
[ $failed -eq 0 ]
