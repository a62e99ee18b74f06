# xdsd - one non-recursive Makefile.
#
#   make            build build/xdsd (one job per core unless -j is given)
#   make run        build and serve the bundled example
#   make test       build and run every test suite (then the unit tests under ASan+UBSan)
#   make bench      run the benchmarks
#   make bench-large  50,000 streams against xdsd and the raw server
#   make bench-growth  cost at 1,000, 10,000 and 50,000 services and 1,000 to 18,000 streams
#   make examples   what the proxyless gRPC example runs: npm packages, the C xDS client
#   make fuzz       build the libFuzzer drivers (clang)
#   make install    install to $(DESTDIR)$(PREFIX)
#   SANITIZE=address,undefined   build into build/san with sanitizers
#   V=1             show the commands

VERSION := 0.1.0
PREFIX ?= /usr/local
CC ?= cc
PKGS := grpc libprotobuf-c yaml-0.1 jansson libmicrohttpd libcrypto

ROOT := build
GEN := $(ROOT)/gen
ifdef SANITIZE
O := $(ROOT)/san
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
else
O := $(ROOT)
SANFLAGS :=
endif

# Build in parallel by default, one job per core, unless -j was given: GNU
# make 4.4 shows a command-line -j in MAKEFLAGS here, and 4.3 lets it win over
# this line anyway. Only the top-level make: a sub-make shares its jobserver.
ifeq ($(MAKELEVEL)$(filter -j%,$(MAKEFLAGS)),0)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 1)
endif
# `make clean all` must not remove build/ while objects are being written
ifneq ($(filter clean,$(MAKECMDGOALS)),)
.NOTPARALLEL:
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

# -Werror where the build must stay clean (CI), warnings elsewhere.
ifeq ($(CI),true)
WERROR := -Werror
endif

# pkg-config answers only once the packages are there: the deps stamp below
# installs them first, so these are evaluated lazily.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(WERROR) $(CFLAGS) $(SANFLAGS) \
	-Iinclude -I$(GEN) $(PKG_CFLAGS) -MMD -MP
# protoc-c's output is not ours to fix: compile it without our stricter warnings
GEN_CFLAGS = -std=c11 $(CFLAGS) $(SANFLAGS) -I$(GEN) $(PKG_CFLAGS) -MMD -MP
LDLIBS = $(PKG_LIBS) -lpthread -lm
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

# --- generated protobuf-c code ------------------------------------------------
PROTOS := $(shell find proto -name '*.proto' | LC_ALL=C sort)
WKT_DIR := /usr/include
WKT := google/protobuf/any.proto google/protobuf/duration.proto google/protobuf/wrappers.proto \
	google/protobuf/struct.proto google/protobuf/empty.proto google/protobuf/timestamp.proto
PROTO_REL := $(patsubst proto/%,%,$(PROTOS))
GEN_PB_C := $(addprefix $(GEN)/,$(PROTO_REL:.proto=.pb-c.c) $(WKT:.proto=.pb-c.c))
GEN_H := $(GEN_PB_C:.c=.h)
# every message descriptor, for the JSON encoder's Any registry
GEN_C := $(GEN_PB_C) $(GEN)/pb_registry.c
GEN_OBJ := $(patsubst $(GEN)/%.c,$(O)/obj/gen/%.o,$(GEN_C))

# --- our code -----------------------------------------------------------------
# the command line's own files (main.c and the flag parsers it shares cli.h
# with) make the binary; everything else is the library tests link
CLI_SRC := src/cmd/main.c $(sort $(wildcard src/cmd/cli_*.c))
CLI_OBJ := $(patsubst %.c,$(O)/obj/%.o,$(CLI_SRC))
LIB_SRC := $(filter-out $(CLI_SRC),$(shell find src -name '*.c' | LC_ALL=C sort))
LIB_OBJ := $(patsubst %.c,$(O)/obj/%.o,$(LIB_SRC))
LIB := $(O)/libxdsd.a
BIN := $(O)/xdsd

UNIT_SRC := test/unit.c $(sort $(wildcard test/t_*.c))
UNIT_OBJ := $(patsubst %.c,$(O)/obj/%.o,$(UNIT_SRC))
UNIT := $(O)/test/unit

E2E_SRC := $(sort $(wildcard test/e2e/*.c))
E2E_BINS := $(patsubst test/e2e/%.c,$(O)/test/e2e/%,$(E2E_SRC))

INTEROP_C_SRC := $(sort $(wildcard test/interop/*.c))
INTEROP_C_BINS := $(patsubst test/interop/%.c,$(O)/test/interop/%,$(INTEROP_C_SRC))

BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BINS := $(patsubst bench/%.c,$(O)/bench/%,$(BENCH_SRC))

FUZZ_SRC := $(sort $(wildcard test/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst test/fuzz/%.c,$(ROOT)/fuzz/%,$(FUZZ_SRC))

DEPS_STAMP := $(ROOT)/.deps-ok
BUILD_ID := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

.PHONY: all run test unit bench bench-large bench-growth fuzz install clean deps examples
# keep the objects of test and bench programs between runs
.SECONDARY:
all: $(BIN)

# Install missing Debian packages when root, else say which command to run.
deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/ensure-deps
	$(Q)sh scripts/ensure-deps build
	@mkdir -p $(ROOT) && touch $@

$(GEN)/.stamp: $(PROTOS) scripts/gen-pb-registry | $(DEPS_STAMP)
	@mkdir -p $(GEN)
	@echo "  PROTOC-C proto/ -> $(GEN)"
	$(Q)protoc-c -Iproto -I$(WKT_DIR) --c_out=$(GEN) $(PROTOS) $(addprefix $(WKT_DIR)/,$(WKT))
	$(Q)sh scripts/gen-pb-registry $(GEN) > $(GEN)/pb_registry.c
	@touch $@
$(GEN_C) $(GEN_H): $(GEN)/.stamp ;

$(O)/obj/gen/%.o: $(GEN)/%.c | $(GEN)/.stamp
	@mkdir -p $(dir $@)
	@echo "  CC       $<"
	$(Q)$(CC) $(GEN_CFLAGS) -c -o $@ $<

# Every object waits for the generated headers (order-only).
$(O)/obj/%.o: %.c | $(GEN)/.stamp
	@mkdir -p $(dir $@)
	@echo "  CC       $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The dashboard's page (web/ui/) as C strings, which src/debug/ui.c includes.
UI_FILES := web/ui/index.html web/ui/app.js web/ui/style.css
$(GEN)/ui_page.h: $(UI_FILES) scripts/gen-ui-page
	@mkdir -p $(GEN)
	@echo "  GEN      $@"
	$(Q)sh scripts/gen-ui-page web/ui > $@.tmp && mv $@.tmp $@
$(O)/obj/src/debug/ui.o: $(GEN)/ui_page.h
fuzz: | $(GEN)/ui_page.h

$(O)/obj/src/version.o: ALL_CFLAGS += -DXDSD_VERSION='"$(VERSION)"' -DXDSD_BUILD='"$(BUILD_ID)"'

$(LIB): $(LIB_OBJ) $(GEN_OBJ)
	@echo "  AR       $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	@echo "  LD       $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(UNIT): $(UNIT_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD       $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(UNIT_OBJ) $(LIB) $(LDLIBS)

$(O)/test/e2e/%: $(O)/obj/test/e2e/%.o $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD       $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(O)/test/interop/%: $(O)/obj/test/interop/%.o $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD       $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(O)/bench/%: $(O)/obj/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD       $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

unit: $(UNIT)

run: $(BIN)
	$(BIN) serve --config-dir examples/http-egress/config \
		--xds-listen 127.0.0.1:15010 --debug-listen 127.0.0.1:15014

# examples/grpc-proxyless: the Node clients' npm packages (pinned, into
# build/npm, as the interop suite uses them) and gRPC C core's xDS client.
examples: $(BIN) $(O)/test/interop/xds_c_client
	$(Q)sh scripts/ensure-deps node
	$(Q)sh scripts/ensure-npm $(ROOT)/npm

# Every suite, then the unit tests again under sanitizers; test/run prints the
# total "N passed, M failed" as its last line.
test: $(BIN) $(UNIT) $(E2E_BINS) $(INTEROP_C_BINS)
	$(Q)$(MAKE) --no-print-directory SANITIZE=address,undefined CI=$(CI) unit
	$(Q)BUILD=$(ROOT) SAN_BUILD=$(ROOT)/san sh test/run

bench: $(BIN) $(BENCH_BINS)
	$(Q)sh bench/peers/build $(O)/bench $(ROOT)/go
	$(Q)if [ -x bench/run ]; then BUILD=$(O) sh bench/run; else echo "no benchmarks yet"; fi

# 50,000 streams on their own connections, xdsd and the raw server (BENCH_LARGE=N for another
# count); about 10 GB of memory for the servers and loadgen, and several minutes.
bench-large: $(BIN) $(BENCH_BINS)
	$(Q)BUILD=$(O) BENCH_LARGE=$${BENCH_LARGE:-50000} sh bench/run

# How each cost grows with the services and the streams (BENCH_GROWTH_K, BENCH_GROWTH_N,
# BENCH_GROWTH_RUNS): translate_bench at each size, bench-large at each stream count
# (about 4 minutes here, and a few GB of memory).
bench-growth: $(BIN) $(BENCH_BINS)
	$(Q)BUILD=$(O) sh bench/growth

# libFuzzer drivers need clang; each links the library built with the same flags.
FUZZ_CC := clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Iinclude -I$(GEN)
fuzz: | $(GEN)/.stamp
	$(Q)if [ -z "$(FUZZ_SRC)" ]; then echo "no fuzz drivers yet"; \
	else $(MAKE) --no-print-directory $(FUZZ_BINS); fi
$(ROOT)/fuzz/%: test/fuzz/%.c $(wildcard test/fuzz/*.h) $(LIB_SRC) $(GEN_C)
	@mkdir -p $(dir $@)
	@echo "  FUZZ     $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $(PKG_CFLAGS) -o $@ $< $(LIB_SRC) $(GEN_C) $(LDLIBS)

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/xdsd

clean:
	rm -rf $(ROOT)

# (not into the Go caches of the peers' benchmark, whose directories may end in .d)
-include $(shell find $(ROOT) -path $(ROOT)/go -prune -o -name '*.d' -type f -print 2>/dev/null)
