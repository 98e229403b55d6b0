# sockrec - build, test, demo, bench.
#
#   make              build/sockrec, build/sockrec-analyze, build/libsrformat.a
#   make test         check-layers, unit, fuzz-corpus, end-to-end and golden tests
#   make check-layers the analyzer's include directions (analyze/README.md)
#   make test SANITIZE=1   the same, built with ASan + UBSan (into build/san)
#   make test-kernels the capture end-to-end tests inside Debian's 5.10, 6.1
#                     and 6.12 kernels (QEMU; KERNELS="6.1" for one)
#   make demo         record a small realistic system and analyze it
#   make bench        benchmarks (never part of make test)
#   make fuzz         libFuzzer binaries (clang) under build/fuzz
#   make fuzz-smoke   every fuzz target under libFuzzer, FUZZ_SECONDS (60) each
#   V=1               show commands
#
# Sources are found by wildcard: a new module is a new .c (+ .h) in its
# folder; a new unit test is tests/test_<name>.c; a new fuzz target is
# tests/fuzz/fuzz_<name>.c with its corpus in tests/corpus/<name>/.

.DELETE_ON_ERROR:
.SUFFIXES:

ifeq ($(SANITIZE),1)
BUILD ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD ?= build
SANFLAGS :=
endif

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' $(1) $(2)
endif

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

PKGS_CAPTURE := libbpf libelf zlib libzstd
PKGS_FORMAT := libzstd zlib
PKGS_ANALYZE := $(PKGS_FORMAT) jansson yaml-0.1 libnghttp2 libbrotlidec
# the HTTP client of `sockrec-analyze replay` (analyze/regress/replay.c): linked
# into sockrec-analyze only, never into the capture binary
PKGS_REPLAY := libcurl
PKGS_TEST := cmocka libpcap
PKG_CONFIG ?= pkg-config

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CFLAGS ?= -O2 -g
# The project's flags are added even to a CFLAGS given on the command line
# (make fuzz does that): without -D_GNU_SOURCE, memmem() is implicitly
# declared as returning int and its pointer truncated. An implicit
# declaration is an error in every build.
PROJECT_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Werror=implicit-function-declaration \
	-D_GNU_SOURCE -fno-strict-aliasing -DSOCKREC_VERSION='"$(VERSION)"'
override CFLAGS += $(PROJECT_CFLAGS) $(SANFLAGS)
CPPFLAGS += -Iformat -Ibpf -I$(BUILD)
LDFLAGS += $(SANFLAGS) -pthread

pkg_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pkg_libs = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

FORMAT_SRCS := $(sort $(wildcard format/*.c))
CAPTURE_SRCS := $(sort $(wildcard capture/*.c))
ANALYZE_SRCS := $(sort $(wildcard analyze/*.c analyze/*/*.c))
TEST_SRCS := $(sort $(wildcard tests/test_*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
BENCH_SRCS := $(sort $(wildcard bench/*.c))
# helper programs the shell tests call (tests/tools/NAME.c -> build/tests/tools/NAME)
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))

FORMAT_OBJS := $(FORMAT_SRCS:%.c=$(BUILD)/%.o)
CAPTURE_OBJS := $(CAPTURE_SRCS:%.c=$(BUILD)/%.o)
ANALYZE_OBJS := $(ANALYZE_SRCS:%.c=$(BUILD)/%.o)
CAPTURE_LIB_OBJS := $(filter-out $(BUILD)/capture/main.o,$(CAPTURE_OBJS))
ANALYZE_LIB_OBJS := $(filter-out $(BUILD)/analyze/main.o,$(ANALYZE_OBJS))

LIBFORMAT := $(BUILD)/libsrformat.a
LIBCAPTURE := $(BUILD)/libsrcapture.a
LIBANALYZE := $(BUILD)/libsranalyze.a

TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
REPLAY_BINS := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=$(BUILD)/tests/replay_%)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/tools/%)

BPF_OBJ := $(BUILD)/sockrec.bpf.o
SKEL := $(BUILD)/sockrec.skel.h
VMLINUX := $(BUILD)/vmlinux.h

.PHONY: all deps test test-kernels demo bench fuzz fuzz-smoke clean format-check check-layers

all: deps $(BUILD)/sockrec $(BUILD)/sockrec-analyze $(LIBFORMAT)

# Installs whatever Debian package is missing; a no-op (no network) when all
# are present. Every build step waits for it.
deps:
	$(Q)scripts/install-deps.sh

$(VMLINUX) $(FORMAT_OBJS) $(CAPTURE_OBJS) $(ANALYZE_OBJS): | deps

# ---- BPF ----
$(VMLINUX):
	$(call msg,BTF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(BPF_OBJ): bpf/sockrec.bpf.c bpf/sockrec.h $(VMLINUX)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(BPF_DEFS) -I$(BUILD) -Ibpf \
		-Wall -Werror -c $< -o $@

$(SKEL): $(BPF_OBJ)
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name sockrec_bpf > $@

# ---- C ----
$(BUILD)/format/%.o: format/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(call pkg_cflags,$(PKGS_FORMAT)) -MMD -MP -c $< -o $@

$(BUILD)/capture/%.o: capture/%.c $(SKEL)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(call pkg_cflags,$(PKGS_CAPTURE)) -MMD -MP -c $< -o $@

$(BUILD)/analyze/%.o: analyze/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) -Ianalyze $(CFLAGS) $(call pkg_cflags,$(PKGS_ANALYZE)) -MMD -MP -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c $(SKEL)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) -Icapture -Ianalyze $(CFLAGS) -Wno-unused-parameter \
		$(call pkg_cflags,$(PKGS_CAPTURE) $(PKGS_ANALYZE) $(PKGS_TEST)) -MMD -MP -c $< -o $@

$(BUILD)/bench/%.o: bench/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIBFORMAT): $(FORMAT_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBCAPTURE): $(CAPTURE_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBANALYZE): $(ANALYZE_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/sockrec: $(CAPTURE_OBJS) $(LIBFORMAT)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(call pkg_libs,$(PKGS_CAPTURE)) -o $@

$(BUILD)/sockrec-analyze: $(ANALYZE_OBJS) $(LIBFORMAT)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(call pkg_libs,$(PKGS_ANALYZE) $(PKGS_REPLAY)) -lm -o $@

TEST_LIBS = $(LIBANALYZE) $(LIBCAPTURE) $(LIBFORMAT) \
	$(call pkg_libs,$(PKGS_CAPTURE) $(PKGS_ANALYZE) $(PKGS_TEST)) -lm

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(LIBANALYZE) $(LIBCAPTURE) $(LIBFORMAT)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $< $(TEST_LIBS) -o $@

$(BUILD)/tests/tools/%: $(BUILD)/tests/tools/%.o $(LIBANALYZE) $(LIBCAPTURE) $(LIBFORMAT)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $< $(TEST_LIBS) -o $@

$(BUILD)/tests/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o \
		$(LIBANALYZE) $(LIBCAPTURE) $(LIBFORMAT)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $< $(BUILD)/tests/fuzz/replay.o $(TEST_LIBS) -o $@

$(BUILD)/bench/%: $(BUILD)/bench/%.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $< -o $@

# the synthetic archive generator and the zstd level study use libsrformat
GEN_ARCHIVE := $(BUILD)/bench/gen_archive
$(GEN_ARCHIVE) $(BUILD)/bench/srz_levels: $(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBFORMAT)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(call pkg_libs,$(PKGS_FORMAT)) -o $@

# ---- test, demo, bench ----
test: all check-layers $(TEST_BINS) $(REPLAY_BINS) $(TOOL_BINS) $(GEN_ARCHIVE)
	$(Q)BUILD=$(BUILD) tests/run-tests.sh

# analyze/'s layers: every #include points the allowed way (and the check
# catches wrong ones: its self-test plants some in a copy of the tree)
check-layers:
	$(Q)scripts/check-layers.sh
	$(Q)scripts/check-layers.sh --self-test

# boots each kernel under QEMU (TCG) and runs the capture tests inside it
test-kernels: all
	$(Q)scripts/install-deps.sh --vm
	$(Q)BUILD=$(BUILD) tests/kernels/run.sh

demo: all
	$(Q)scripts/demo.sh

bench: all $(BENCH_BINS)
	$(Q)scripts/install-deps.sh --bench
	$(Q)BUILD=$(BUILD) bench/run.sh

# libFuzzer builds: make fuzz, then build/fuzz/fuzz_NAME tests/corpus/NAME.
# The libraries and the targets get the project's flags (PROJECT_CFLAGS,
# added by the recursive make too) plus the sanitizers.
FUZZ_BUILD := build/fuzz
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined
fuzz: deps
	$(Q)$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(CLANG) \
		CFLAGS='$(FUZZ_CFLAGS)' \
		$(FUZZ_BUILD)/libsrformat.a $(FUZZ_BUILD)/libsranalyze.a
	$(Q)for f in $(FUZZ_SRCS); do n=$$(basename $$f .c); \
		echo "  FUZZ     $(FUZZ_BUILD)/$$n"; \
		$(CLANG) $(FUZZ_CFLAGS) $(PROJECT_CFLAGS) -Wno-unused-parameter $(FUZZ_LDFLAGS) \
		$(CPPFLAGS) -I$(FUZZ_BUILD) -Ianalyze $(call pkg_cflags,$(PKGS_ANALYZE)) \
		$$f $(FUZZ_BUILD)/libsranalyze.a $(FUZZ_BUILD)/libsrformat.a \
		$(call pkg_libs,$(PKGS_ANALYZE)) -lm -o $(FUZZ_BUILD)/$$n || exit 1; done

# every target for FUZZ_SECONDS under libFuzzer, from its corpus; a crash
# fails it (the input is kept under build/fuzz/artifacts/). FUZZ_MERGE=1
# adds the new inputs that reach new code to tests/corpus/NAME.
FUZZ_SECONDS ?= 60
fuzz-smoke: fuzz
	$(Q)FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz-smoke.sh

format-check:
	$(Q)clang-format --dry-run -Werror $(FORMAT_SRCS) $(CAPTURE_SRCS) $(ANALYZE_SRCS)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
