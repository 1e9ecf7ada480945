# vdn-cni: one static library of shared code (common/), one binary per folder.
# `make` builds bin/*, `make check` runs every test, `make SANITIZE=1` adds ASan+UBSan.

PREFIX      ?= /usr/local
DESTDIR     ?=
CNI_BIN_DIR ?= /opt/cni/bin
MANDIR      ?= $(PREFIX)/share/man
PYTHON      ?= /usr/bin/python3

CC      ?= cc
PKGS    := libnl-3.0 libnl-route-3.0 libcjson libcurl yaml-0.1 libmnl
VARIANT := $(if $(SANITIZE),san,std)
BUILD   := build/$(VARIANT)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libnl is linked statically: its shared objects run dozens of constructors (every link,
# qdisc and classifier type) and read /etc/libnl at each start, a measurable share of a
# plugin's whole life (README, Benchmarks). Only the objects we use are pulled in.
NL_PKGS    := libnl-route-3.0 libnl-3.0
PKG_LIBS   := $(shell pkg-config --libs-only-L $(NL_PKGS) 2>/dev/null) \
              -Wl,-Bstatic $(shell pkg-config --libs-only-l $(NL_PKGS) 2>/dev/null) -Wl,-Bdynamic \
              $(shell pkg-config --libs $(filter-out $(NL_PKGS),$(PKGS)) 2>/dev/null) -lpthread

CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 \
           -Wno-missing-field-initializers -fno-strict-aliasing -Icommon $(PKG_CFLAGS)
LDFLAGS += -Wl,--as-needed -Wl,-O1
LDLIBS  += $(PKG_LIBS) -lm
ifneq ($(SANITIZE),)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

# name:folder of every binary that exists in the tree
BINARIES := host-device:plugins/host-device macvlan:plugins/macvlan vdhcp:ipam/vdhcp \
            multicni:plugins/multicni vdno-scheduler:scheduler
bin_name = $(word 1,$(subst :, ,$1))
bin_dir  = $(word 2,$(subst :, ,$1))
PRESENT  := $(foreach b,$(BINARIES),$(if $(wildcard $(call bin_dir,$b)/main.c),$b))
BINS     := $(foreach b,$(PRESENT),bin/$(call bin_name,$b))

COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
LIBCOMMON  := $(BUILD)/libvdncommon.a

# The scheduler's modules (all but main.c) are linked into its unit tests too.
SCHED_SRC  := $(filter-out scheduler/main.c,$(wildcard scheduler/*.c))
SCHED_OBJ  := $(SCHED_SRC:%.c=$(BUILD)/%.o)
LIBSCHED   := $(BUILD)/libvdnsched.a

# vdhcp's modules (all but main.c) are linked into the test_vdhcp_* unit tests.
VDHCP_SRC  := $(filter-out ipam/vdhcp/main.c,$(wildcard ipam/vdhcp/*.c))
VDHCP_OBJ  := $(VDHCP_SRC:%.c=$(BUILD)/%.o)

UNIT_SRC   := $(wildcard test/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRC:test/unit/%.c=$(BUILD)/test/%)

# Rebuild objects when the flags change, and relink bin/ when it holds the other variant
# (bin/ is shared by the plain and the SANITIZE=1 build).
FLAGS_STAMP := $(BUILD)/.flags
BIN_STAMP   := build/.bin-variant
FLAGS_NOW   := $(CC) $(CFLAGS) $(LDFLAGS) $(LDLIBS)
$(shell mkdir -p $(BUILD); [ "$$(cat $(FLAGS_STAMP) 2>/dev/null)" = "$(FLAGS_NOW)" ] || echo "$(FLAGS_NOW)" > $(FLAGS_STAMP))
$(shell [ "$$(cat $(BIN_STAMP) 2>/dev/null)" = "$(VARIANT) $(FLAGS_NOW)" ] || echo "$(VARIANT) $(FLAGS_NOW)" > $(BIN_STAMP))

.PHONY: all deps check unit unit-build integration e2e valgrind demo bench bench-smoke \
        install uninstall clean fuzz fuzz-build fuzz-smoke soak
all: $(BINS)

deps:
	@./scripts/install-deps.sh

$(BUILD)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIBCOMMON): $(COMMON_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(LIBSCHED): $(SCHED_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^ $(if $(SCHED_OBJ),,)

define bin_rule
bin/$(call bin_name,$1): $(patsubst %.c,$(BUILD)/%.o,$(wildcard $(call bin_dir,$1)/*.c)) $(LIBCOMMON) $(FLAGS_STAMP) $(BIN_STAMP)
	@mkdir -p bin
	$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o %.a,$$^) $$(LDLIBS)
endef
$(foreach b,$(PRESENT),$(eval $(call bin_rule,$b)))

$(BUILD)/test/%: test/unit/%.c $(LIBCOMMON) $(if $(SCHED_OBJ),$(LIBSCHED)) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ischeduler $(LDFLAGS) -o $@ $< $(if $(SCHED_OBJ),$(LIBSCHED)) $(LIBCOMMON) $(LDLIBS) -lcmocka

# A more specific pattern than the one above, so make prefers it for test_vdhcp_*.
$(BUILD)/test/test_vdhcp_%: test/unit/test_vdhcp_%.c $(VDHCP_OBJ) $(LIBCOMMON) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iipam/vdhcp $(LDFLAGS) -o $@ $< $(VDHCP_OBJ) $(LIBCOMMON) $(LDLIBS) -lcmocka

BENCH_BINS := $(BUILD)/bench/spawn_rusage $(BUILD)/bench/sched_score
$(BUILD)/bench/spawn_rusage: test/bench/spawn_rusage.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<
$(BUILD)/bench/sched_score: test/bench/sched_score.c $(LIBSCHED) $(LIBCOMMON) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ischeduler $(LDFLAGS) -o $@ $< $(LIBSCHED) $(LIBCOMMON) $(LDLIBS)

# ---- fuzzing: one libFuzzer target per parser, test/fuzz/fuzz_<parser>.c (README, Reliability).
# Built with clang into build/fuzz/ whatever CC and SANITIZE say. A target whose parser lives
# in a binary's folder names that folder in FUZZ_MODULES_<parser>; it links the folder's
# modules (all but main.c). Seeds: test/fuzz/corpus/<parser>/ (hand-written, and every input
# that once crashed, so each run replays them) and the fixtures in FUZZ_SEEDS_<parser>.
FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_DIR      := build/fuzz
FUZZ_SRC      := $(wildcard test/fuzz/fuzz_*.c)
FUZZ_TARGETS  := $(FUZZ_SRC:test/fuzz/fuzz_%.c=%)
FUZZ_BINS     := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS   := -O1 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 \
                 -Wno-missing-field-initializers -fno-strict-aliasing -Icommon $(PKG_CFLAGS) \
                 -fsanitize=fuzzer-no-link $(FUZZ_SAN)
FUZZ_COMMON   := $(COMMON_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_STAMP    := $(FUZZ_DIR)/.flags
fuzz_mod_obj   = $(foreach d,$(FUZZ_MODULES_$1),$(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(filter-out $d/main.c,$(wildcard $d/*.c))))

FUZZ_MODULES_usage        := scheduler
FUZZ_MODULES_sched_config := scheduler
FUZZ_MODULES_onos         := scheduler
FUZZ_MODULES_entries      := scheduler
FUZZ_MODULES_vdhcp_lease  := ipam/vdhcp
FUZZ_MODULES_multicni_annotations := plugins/multicni
FUZZ_SEEDS_kubeconfig     := test/fixtures/k8s/*.yaml
FUZZ_SEEDS_usage          := test/fixtures/k8s/nodelist.json test/fixtures/k8s/node-get-worker-1.json
FUZZ_SEEDS_onos           := test/fixtures/onos/*.json
# Inputs larger than any real one only slow the search down.
FUZZ_MAXLEN_args          := 4096
FUZZ_MAXLEN_quantity      := 64
FUZZ_MAXLEN_vdhcp_lease   := 4096
FUZZ_MAXLEN_usage         := 65536
fuzz_maxlen    = $(or $(FUZZ_MAXLEN_$1),16384)

$(shell mkdir -p $(FUZZ_DIR); [ "$$(cat $(FUZZ_STAMP) 2>/dev/null)" = "$(FUZZ_CC) $(FUZZ_CFLAGS)" ] || echo "$(FUZZ_CC) $(FUZZ_CFLAGS)" > $(FUZZ_STAMP))

$(FUZZ_DIR)/obj/%.o: %.c $(FUZZ_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/libvdncommon.a: $(FUZZ_COMMON)
	@rm -f $@
	$(AR) rcs $@ $^

# The modules go in through an archive, so that only the objects a parser needs are linked.
define fuzz_rule
$(FUZZ_DIR)/modules_$1.a: $(call fuzz_mod_obj,$1)
	@rm -f $$@
	$$(AR) rcs $$@ $$^
$(FUZZ_DIR)/fuzz_$1: test/fuzz/fuzz_$1.c test/fuzz/fuzz.h $(if $(FUZZ_MODULES_$1),$(FUZZ_DIR)/modules_$1.a) $(FUZZ_DIR)/libvdncommon.a $(FUZZ_STAMP)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) $(addprefix -I,$(FUZZ_MODULES_$1)) -fsanitize=fuzzer -o $$@ $$< \
		$(if $(FUZZ_MODULES_$1),$(FUZZ_DIR)/modules_$1.a) $(FUZZ_DIR)/libvdncommon.a $$(PKG_LIBS) -lm
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$t)))

# "target:max_len:seed,seed" for scripts/fuzz.sh
fuzz_spec      = '$1:$(call fuzz_maxlen,$1):$(subst $(space),$(comma),$(strip $(FUZZ_SEEDS_$1)))'
empty         :=
space         := $(empty) $(empty)
comma         := ,

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@FUZZ_DIR=$(FUZZ_DIR) ./scripts/fuzz.sh $(FUZZ_SECONDS) $(foreach t,$(FUZZ_TARGETS),$(call fuzz_spec,$t))

# make check's stage: every target briefly, after replaying its regression inputs.
fuzz-smoke: $(FUZZ_BINS)
	@FUZZ_DIR=$(FUZZ_DIR) ./scripts/fuzz.sh $(FUZZ_SMOKE_SECONDS) $(foreach t,$(FUZZ_TARGETS),$(call fuzz_spec,$t))

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
		echo "== $$t"; $$t || fail=1; \
	done; exit $$fail

# The realk8s tier meets a real kube-apiserver (scripts/kube-apiserver.sh): REAL_K8S=1 builds it
# into /var/cache/vdn-cni when missing (about 10 min) and runs the tier, REAL_K8S=0 skips it,
# unset runs it when the cached build exists.
export REAL_K8S
integration: $(BINS)
	@if [ "$(REAL_K8S)" = 1 ]; then ./scripts/kube-apiserver.sh build; fi
	$(PYTHON) -m pytest -q test/integration $(PYTEST_ARGS)

# The fault-injection soak (test/soak/soak.py); `make check` runs a small N through
# test/integration/test_soak.py. SEED=S repeats a run.
N ?= 1000
soak: $(BINS)
	$(PYTHON) test/soak/soak.py --steps $(N) $(if $(SEED),--seed $(SEED))

# Unit tests under valgrind, on the plain build (valgrind cannot run ASan binaries). Helper
# servers the tests start (python3) are not traced; a forked test child is, silently.
VALGRIND       ?= valgrind
VALGRIND_FLAGS ?= --quiet --error-exitcode=1 --leak-check=full --trace-children=no \
                  --child-silent-after-fork=yes
valgrind: $(UNIT_BINS)
ifneq ($(SANITIZE),)
	$(error valgrind runs the plain build; drop SANITIZE=1)
endif
	@fail=0; for t in $(UNIT_BINS); do \
		echo "== valgrind $$t"; \
		$(VALGRIND) $(VALGRIND_FLAGS) $$t >$$t.valgrind.log 2>&1 || \
			{ cat $$t.valgrind.log; echo "valgrind: $$t FAILED"; fail=1; }; \
	done; exit $$fail

# The stages CI runs (README, Reliability), within CI's budget on two cores. Builds run in
# parallel. The sanitizer build's integration tests (bin/ = ASan+UBSan) run alongside the
# stages that never touch bin/ (fuzz smoke, sanitizer unit tests, valgrind on the plain unit
# tests, each with its own objects), whose output is shown when they end. The plain build's
# stages come last and leave bin/ as `make` makes it. The realk8s tier (and its first build)
# runs once, in the plain build's integration stage.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CHECK_SIDE_LOG := build/check-side.log
unit-build: $(UNIT_BINS)

check: deps
	$(MAKE) -j$(JOBS) fuzz-build
	$(MAKE) -j$(JOBS) SANITIZE=1 all unit-build
	$(MAKE) -j$(JOBS) unit-build
	@echo "== fuzz smoke, sanitizer unit tests and valgrind run alongside; output in" \
		"$(CHECK_SIDE_LOG), shown when they end"
	@{ $(MAKE) fuzz-smoke && $(MAKE) SANITIZE=1 unit && $(MAKE) valgrind; } \
		>$(CHECK_SIDE_LOG) 2>&1 & side=$$!; \
	$(MAKE) SANITIZE=1 REAL_K8S=0 integration; ret=$$?; \
	wait $$side; side_ret=$$?; \
	echo "== $(CHECK_SIDE_LOG)"; cat $(CHECK_SIDE_LOG); \
	[ $$side_ret = 0 ] || echo "check: fuzz smoke, sanitizer unit tests or valgrind FAILED"; \
	[ $$ret = 0 ] && [ $$side_ret = 0 ]
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) integration
	$(MAKE) e2e
	$(MAKE) bench-smoke

# podman runs containers through bin/ (test/e2e/conftest.py says what it touches)
e2e: $(BINS)
	$(PYTHON) -m pytest -q test/e2e $(PYTEST_ARGS)

demo: deps all
	./scripts/demo.sh

# `make bench` writes bench/results.md and bench/*.png and prints the summary (README,
# Benchmarks); `make bench-smoke` is the same with tiny counts into $(BUILD)/bench-smoke/.
bench: deps all $(BENCH_BINS)
	BENCH_BUILD=$(BUILD) ./test/bench/run.sh

bench-smoke: all $(BENCH_BINS)
	BENCH_QUICK=1 BENCH_BUILD=$(BUILD) ./test/bench/run.sh

install: all
	install -d $(DESTDIR)$(CNI_BIN_DIR)
	for b in $(filter-out bin/vdno-scheduler,$(BINS)); do install -m 0755 $$b $(DESTDIR)$(CNI_BIN_DIR)/; done
	$(if $(filter bin/vdno-scheduler,$(BINS)),install -d $(DESTDIR)$(PREFIX)/bin && install -m 0755 bin/vdno-scheduler $(DESTDIR)$(PREFIX)/bin/)
	@if ls man/*.8 >/dev/null 2>&1; then install -d $(DESTDIR)$(MANDIR)/man8 && install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/; fi

uninstall:
	for b in $(BINS); do rm -f $(DESTDIR)$(CNI_BIN_DIR)/$$(basename $$b); done
	rm -f $(DESTDIR)$(PREFIX)/bin/vdno-scheduler

clean:
	rm -rf build bin

# Every object's header dependencies, the binaries' own included, so that editing a header
# rebuilds what uses it.
ALL_OBJ := $(foreach b,$(PRESENT),$(patsubst %.c,$(BUILD)/%.o,$(wildcard $(call bin_dir,$b)/*.c)))
-include $(COMMON_OBJ:.o=.d) $(SCHED_OBJ:.o=.d) $(ALL_OBJ:.o=.d) \
         $(wildcard $(FUZZ_DIR)/obj/*/*.d $(FUZZ_DIR)/obj/*/*/*.d)
