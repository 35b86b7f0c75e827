# motcua - build, test, run. See README.md.
#   make            build build/motcua
#   make run        install what is missing, build, local PostgreSQL under var/, migrate, demo data, serve
#   make test       every suite, twice: plain and with ASan+UBSan; ends with "N passed, N failed"
#   make soak       load + hard PostgreSQL restarts for MOTCUA_SOAK_SECONDS (default 300)
#   make fuzz       libFuzzer harnesses for longer (clang)
#   make bench      benchmarks in tools/bench (figures, not assertions)
#   make lint fmt clean
# CC=clang works everywhere. BUILD selects the output folder; SAN=1 adds sanitizers.
# TEST_CLOCK=1 builds a binary that honours MOTCUA_TEST_NOW (a pinned clock, core/clock.h):
# tests/run.sh builds its folders so; never a production build (give it its own BUILD).

CC ?= cc
BUILD ?= build
SAN ?= 0
TEST_CLOCK ?= 0
VERSION := 0.1.0

PKGS := libevent libevent_pthreads libevent_openssl jansson openssl uuid libpq cairo pangocairo \
        libqrencode libutf8proc libargon2 xlsxwriter fontconfig
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CFLAGS ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDSAN := -fsanitize=address,undefined
endif
ifeq ($(TEST_CLOCK),1)
CLOCK_FLAGS := -DMOTCUA_TEST_CLOCK
endif
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Iserver -I$(BUILD)/gen $(PKG_CFLAGS) \
              -DMOTCUA_VERSION=\"$(VERSION)\" $(CLOCK_FLAGS) -MMD -MP
LIBS := $(PKG_LIBS) -lpthread -lm

# Two libraries: the pure part (core + domain, what unit tests and fuzzers of the domain
# link) and everything else (http, db, api, cli).
DOMAIN_SRCS := $(shell find server/core server/domain -name '*.c' | sort)
DOMAIN_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(DOMAIN_SRCS)) $(BUILD)/obj/gen/embed.o
REST_SRCS := $(shell find server -name '*.c' ! -path server/main.c ! -path 'server/core/*' ! -path 'server/domain/*' | sort)
REST_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(REST_SRCS)) $(BUILD)/obj/gen/web.o
MAIN_OBJ := $(BUILD)/obj/server/main.o
LIB_DOMAIN := $(BUILD)/libmotcua_domain.a
LIB := $(BUILD)/libmotcua.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
REPLAY_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/tests/replay_%,$(FUZZ_SRCS))
BENCH_SRCS := $(wildcard tools/bench/bench_*.c)
BENCH_BINS := $(patsubst tools/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
EMBED_INPUTS := $(sort $(wildcard sql/*.sql sql/*.tsv sql/fn/*.sql))
WEB_INPUTS := $(sort $(wildcard server/web/*))

.PHONY: all deps run test test-fast soak fuzz bench lint fmt clean demo tests-bin

all: $(BUILD)/motcua tests-bin

tests-bin: $(UNIT_BINS) $(REPLAY_BINS) $(BENCH_BINS)

$(BUILD)/motcua: $(MAIN_OBJ) $(LIB) $(LIB_DOMAIN)
	$(CC) $(LDSAN) -o $@ $(MAIN_OBJ) $(LIB) $(LIB_DOMAIN) $(LIBS)

$(LIB_DOMAIN): $(DOMAIN_OBJS)
	@rm -f $@
	ar rcs $@ $(DOMAIN_OBJS)

$(LIB): $(REST_OBJS)
	@rm -f $@
	ar rcs $@ $(REST_OBJS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Only server/core/clock.c reads MOTCUA_TEST_CLOCK: a folder built again with another
# TEST_CLOCK recompiles it (the stamp names the folder's current setting).
CLOCK_STAMP := $(BUILD)/test-clock-$(TEST_CLOCK)
$(CLOCK_STAMP):
	@mkdir -p $(dir $@)
	@rm -f $(BUILD)/test-clock-*
	@touch $@
$(BUILD)/obj/server/core/clock.o: $(CLOCK_STAMP)

# SQL migrations and the announced calendar are embedded in the binary, so the server
# can tell whether the database schema is at its head (and the files unchanged).
$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/gen/embed.c: $(BUILD)/tools/embed $(EMBED_INPUTS)
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed $(EMBED_INPUTS) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/embed.o: $(BUILD)/gen/embed.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-overlength-strings -c -o $@ $<

# The web client (server/web) is built in too, gzip'd, under one build id (tools/webembed.c).
$(BUILD)/tools/webembed: tools/webembed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -Wall -Wextra -Werror -o $@ $< -lz

$(BUILD)/gen/web.c: $(BUILD)/tools/webembed $(WEB_INPUTS)
	@mkdir -p $(dir $@)
	$(BUILD)/tools/webembed $(WEB_INPUTS) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/web.o: $(BUILD)/gen/web.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-overlength-strings -c -o $@ $<

# Unit tests and fuzzers named *_http_*, *_db_*, *_api_* link the whole server; the others
# link only core + domain, so they build while the rest of the tree is being worked on.
is_full = $(filter test_http_% test_db_% test_api_% fuzz_http_% fuzz_db_% fuzz_api_% bench_api_% bench_http_%,$(1))
# The document renderers (server/doc) need only core + domain and cairo/pango/qrencode, so
# tests, fuzzers and benchmarks named *_doc* link them without the rest of the server.
DOC_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(sort $(wildcard server/doc/*.c)))
is_doc = $(filter test_doc% fuzz_doc% bench_doc%,$(1))
libs_for = $(if $(call is_full,$(1)),$(LIB) $(LIB_DOMAIN),$(if $(call is_doc,$(1)),$(DOC_OBJS) )$(LIB_DOMAIN))

.SECONDEXPANSION:
$(BUILD)/tests/test_%: tests/unit/test_%.c $$(call libs_for,test_$$*)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(call libs_for,test_$*) $(LIBS) $(LDSAN) $(shell pkg-config --libs cmocka)

$(BUILD)/tests/replay_%: tests/fuzz/%.c tests/fuzz/replay_main.c $$(call libs_for,$$*)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay_main.c $(call libs_for,$*) $(LIBS) $(LDSAN)

$(BUILD)/bench/%: tools/bench/%.c $$(call libs_for,$$*)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(call libs_for,$*) $(LIBS) $(LDSAN)

deps:
	@sh tools/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@sh tools/run.sh

test:
	@sh tools/deps.sh test
	@bash tests/run.sh

# One build, no sanitizer pass (for quick local iteration).
test-fast:
	@sh tools/deps.sh test
	@MOTCUA_TEST_FAST=1 bash tests/run.sh

# Load/fault test for longer: MOTCUA_SOAK_SECONDS (default 300), SOAK_SAN=1 for sanitizers.
soak:
	@sh tools/soak.sh

fuzz:
	@sh tests/fuzz/run.sh $(or $(SECONDS),60)

bench: all
	@sh tools/bench/run.sh

demo: all
	@sh tools/run.sh --demo-only

# The link line, for scripts that build outside these rules (tests/fuzz/run.sh).
print-libs:
	@echo $(LIBS)

lint:
	@sh tools/lint.sh

fmt:
	clang-format -i $$(find server tests tools -name '*.[ch]')

clean:
	rm -rf build build-*

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
-include $(wildcard $(BUILD)/tests/*.d $(BUILD)/bench/*.d)
