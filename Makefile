# cell - build, test, bench, demo. `make help` lists the targets.

CC      ?= cc
CLANG   ?= clang
PREFIX  ?= /usr/local
CFLAGS  ?= -O2 -g
PKG_CONFIG ?= pkg-config

# Quiet by default, as git's Makefile is; `make V=1` shows every command.
ifneq ($(V),1)
QUIET_CC   = @echo '   CC     $@';
QUIET_LINK = @echo '   LINK   $@';
QUIET_AR   = @echo '   AR     $@';
endif

STD     := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror
INCS    := -Isdk -Idna -Icli -Istem
PKGS    := libsodium libgit2 libcjson libseccomp
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = $(STD) $(WARN) $(INCS) $(PKG_CFLAGS) $(CFLAGS)
SAN     := -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_CFLAGS = $(STD) $(WARN) $(INCS) $(PKG_CFLAGS) -O1 -g $(SAN)

SDK_SRC  := $(sort $(wildcard sdk/*.c))
DNA_SRC  := $(sort $(wildcard dna/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c cli/cmd/*.c))
STEM_SRC := $(sort $(wildcard stem/*.c))
UNIT_SRC := $(sort $(wildcard test/unit/*_test.c))
# main() lives in these; unit tests link everything else.
MAINS    := cli/main.c stem/main.c

rel  = $(patsubst %.c,build/rel/%.o,$(1))
asan = $(patsubst %.c,build/asan/%.o,$(1))

BINS := bin/cell $(if $(wildcard stem/main.c),bin/cell-stem)
UNIT_BINS := $(patsubst test/unit/%.c,build/asan/unit/%,$(UNIT_SRC))

.PHONY: all deps test unit lint bench demo fuzz install clean help
all: $(BINS) lib/libcell.a include/cell.h

help:
	@echo "make          build bin/cell, bin/cell-stem, lib/libcell.a, include/cell.h"
	@echo "make deps     install missing Debian packages (scripts/deps.sh)"
	@echo "make demo     deps, build, build cells/ into a demo store, show it"
	@echo "make test     deps, build, unit tests (ASan+UBSan), lint, bats"
	@echo "make bench    benchmarks, each beside a baseline from the same run"
	@echo "make fuzz     fuzz the frame decoder with libFuzzer"
	@echo "make install  install under PREFIX ($(PREFIX))"

deps:
	@sh scripts/deps.sh

build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ASAN_CFLAGS) -MMD -MP -c $< -o $@

# D: deterministic archive, so libcell's hash (part of every cache key)
# depends only on its contents.
lib/libcell.a: $(call rel,$(SDK_SRC))
	@mkdir -p lib
	$(QUIET_AR)rm -f $@ && ar rcsD $@ $^

build/rel/libdna.a: $(call rel,$(DNA_SRC))
	$(QUIET_AR)rm -f $@ && ar rcsD $@ $^

include/cell.h: sdk/cell.h
	@mkdir -p include
	cp $< $@

bin/cell: $(call rel,$(CLI_SRC)) build/rel/libdna.a lib/libcell.a
	@mkdir -p bin
	$(QUIET_LINK)$(CC) $(CFLAGS) -o $@ $(call rel,$(CLI_SRC)) build/rel/libdna.a lib/libcell.a $(PKG_LIBS)

bin/cell-stem: $(call rel,$(STEM_SRC)) build/rel/libdna.a lib/libcell.a
	@mkdir -p bin
	$(QUIET_LINK)$(CC) $(CFLAGS) -o $@ $(call rel,$(STEM_SRC)) build/rel/libdna.a lib/libcell.a $(PKG_LIBS)

# Unit tests: one binary per test file, linked against every module built
# with ASan+UBSan (all sources but the two mains).
UNIT_OBJS = $(call asan,$(filter-out $(MAINS),$(STEM_SRC) $(CLI_SRC) $(DNA_SRC) $(SDK_SRC)))
build/asan/unit/%: test/unit/%.c $(wildcard test/unit/*.h) $(UNIT_OBJS)
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CC) $(ASAN_CFLAGS) -Itest/unit -o $@ $< $(UNIT_OBJS) $(PKG_LIBS)

unit: $(UNIT_BINS) build/rel/cell-test

# Test helper for bats: puts things into a store (test/helper/cell-test.c).
build/rel/cell-test: build/rel/test/helper/cell-test.o build/rel/libdna.a lib/libcell.a
	$(QUIET_LINK)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

test: deps
	@$(MAKE) --no-print-directory all unit
	@sh test/run.sh $(UNIT_BINS)

lint:
	@sh test/lint.sh

bench: all build/rel/bench-ipc
	@sh bench/run.sh

build/rel/bench-ipc: bench/ipc.c lib/libcell.a
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) -o $@ bench/ipc.c lib/libcell.a $(PKG_LIBS)

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh

# New inputs go to build/fuzz/corpus (the first directory); the seeds in
# test/fuzz/corpus/frame stay as committed.
fuzz: build/fuzz/frame_fuzz
	@mkdir -p build/fuzz/corpus
	build/fuzz/frame_fuzz -max_total_time=$${FUZZ_SECONDS:-60} -print_final_stats=1 build/fuzz/corpus test/fuzz/corpus/frame

build/fuzz/frame_fuzz: test/fuzz/frame_fuzz.c $(SDK_SRC)
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CLANG) $(STD) $(WARN) $(INCS) $(PKG_CFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS)

# Programs the sandbox tests run inside a sandbox: a static probe (needs
# nothing from /usr, as a cell in any language) and a dynamic hello.
SANDBOX_PROBES := build/sandbox/probe build/sandbox/hello
unit: $(SANDBOX_PROBES)
build/sandbox/probe: test/sandbox/probe.c
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CC) $(STD) $(WARN) -O2 -static -o $@ $<
build/sandbox/hello: test/sandbox/hello.c
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CC) $(STD) $(WARN) -O2 -o $@ $<

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man3 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin
	install -m 0644 lib/libcell.a $(DESTDIR)$(PREFIX)/lib
	install -m 0644 include/cell.h $(DESTDIR)$(PREFIX)/include
	for m in man/*.[1358]; do s=$${m##*.}; \
		install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s; done
	for t in templates/*/; do d=$(DESTDIR)$(PREFIX)/share/cell/$$t; \
		install -d $$d && install -m 0644 $$t* $$d; done

clean:
	rm -rf build bin lib include

-include $(shell find build -name '*.d' 2>/dev/null)
