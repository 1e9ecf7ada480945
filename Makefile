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

.PHONY: all deps check unit integration e2e demo bench install uninstall clean fuzz soak
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

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
		echo "== $$t"; $$t || fail=1; \
	done; exit $$fail

integration: $(BINS)
	$(PYTHON) -m pytest -q test/integration $(PYTEST_ARGS)

# The fault-injection soak (test/soak/soak.py); `make check` runs a small N through
# test/integration/test_soak.py. SEED=S repeats a run.
N ?= 1000
soak: $(BINS)
	$(PYTHON) test/soak/soak.py --steps $(N) $(if $(SEED),--seed $(SEED))

# podman runs containers through bin/ (test/e2e/conftest.py says what it touches)
e2e: $(BINS)
	$(PYTHON) -m pytest -q test/e2e $(PYTEST_ARGS)

check: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) integration
	$(MAKE) e2e

demo: deps all
	./scripts/demo.sh

bench: deps all $(BENCH_BINS)
	BENCH_BUILD=$(BUILD) ./test/bench/run.sh

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
-include $(COMMON_OBJ:.o=.d) $(SCHED_OBJ:.o=.d) $(ALL_OBJ:.o=.d)
