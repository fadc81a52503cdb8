# ckube — one Makefile. `make` builds bin/ckube; `make test` builds everything under
# ASan+UBSan and runs the unit and end-to-end tests; `make run` starts a one-node cluster.

CC      ?= cc
PKGS    := openssl sqlite3 jansson yaml-0.1 libh2o-evloop libcurl libsodium
WARN    := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wstrict-prototypes -Wno-missing-field-initializers \
           -Wno-format-truncation
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE -DH2O_USE_LIBUV=0 -Isrc $(WARN) $(CFLAGS) \
             $(shell pkg-config --cflags $(PKGS)) -MMD -MP
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

DATA_DIR ?= /var/lib/ckube
PORT     ?= 6443

LIB_SRC  := $(filter-out src/main.c,$(shell find src -name '*.c' | sort))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

# Two build flavours share the rules: release in build/rel, sanitized in build/asan.
REL  := build/rel
ASAN := build/asan

.PHONY: all test unit e2e run bench fuzz format format-check gen gen-check clean deps
all: bin/ckube

define flavour
$(1)/%.o: %.c
	@mkdir -p $$(@D)
	@echo "  CC    $$@"
	@$$(CC) $$(ALL_CFLAGS) $(2) -c $$< -o $$@
$(1)/libckube.a: $$(LIB_SRC:%.c=$(1)/%.o)
	@rm -f $$@
	@ar rcs $$@ $$^
$(1)/ckube: $(1)/src/main.o $(1)/libckube.a
	@echo "  LD    $$@"
	@$$(CC) $(2) -o $$@ $$^ $$(LDLIBS)
-include $$(shell find $(1) -name '*.d' 2>/dev/null)
endef
$(eval $(call flavour,$(REL),))
$(eval $(call flavour,$(ASAN),$(SAN)))

bin/ckube: $(REL)/ckube
	@mkdir -p bin
	cp $< $@

$(ASAN)/tests/unit/%: $(ASAN)/tests/unit/%.o $(ASAN)/libckube.a
	@echo "  LD    $@"
	@$(CC) $(SAN) -o $@ $^ $(LDLIBS)

UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(ASAN)/tests/unit/%)

# The client library's probe, run against a real server by tests/e2e/test_client.sh.
$(ASAN)/tests/client_probe: $(ASAN)/tests/e2e/client_probe.o $(ASAN)/libckube.a
	@echo "  LD    $@"
	@$(CC) $(SAN) -o $@ $^ $(LDLIBS)

deps:
	@scripts/deps.sh build

test:
	@scripts/deps.sh build test
	@$(MAKE) --no-print-directory $(ASAN)/ckube $(UNIT_BIN) $(ASAN)/tests/client_probe bin/ckube
	@CKUBE=$(ASAN)/ckube UNIT_DIR=$(ASAN)/tests/unit tests/run.sh

unit: $(UNIT_BIN)
	@UNIT_DIR=$(ASAN)/tests/unit ONLY=unit tests/run.sh

e2e: $(ASAN)/ckube $(ASAN)/tests/client_probe
	@CKUBE=$(ASAN)/ckube ONLY=e2e tests/run.sh

run:
	@scripts/deps.sh build run
	@$(MAKE) --no-print-directory bin/ckube
	@scripts/run.sh bin/ckube "$(DATA_DIR)" "$(PORT)"

bench:
	@scripts/deps.sh build bench
	@$(MAKE) --no-print-directory bin/ckube
	@CC="$(CC)" WARN="$(WARN)" bench/apiserver/run.sh bin/ckube

fuzz:
	@scripts/deps.sh build fuzz
	@fuzz/run.sh

# The schema table is generated from the upstream OpenAPI spec by our own script and
# committed; gen-check fails when the committed output is stale (needs ../shared).
SPEC ?= ../shared/reference/kubernetes-1.34-openapi-v2.json
gen:
	python3 scripts/gen_schema.py $(SPEC) src/gen/schema_data.c
gen-check:
	@mkdir -p build; if [ -f "$(SPEC)" ]; then \
	  python3 scripts/gen_schema.py $(SPEC) build/schema_data.c.new && \
	  cmp -s build/schema_data.c.new src/gen/schema_data.c && echo "gen-check: schema up to date" || \
	  { echo "gen-check: src/gen/schema_data.c is stale; run 'make gen'"; exit 1; }; \
	else echo "gen-check: $(SPEC) not present, skipped"; fi

format:
	clang-format -i $$(find src tests fuzz bench -name '*.[ch]' -not -path 'src/gen/*')
format-check:
	@clang-format --dry-run -Werror $$(find src tests fuzz bench -name '*.[ch]' -not -path 'src/gen/*')

clean:
	rm -rf build bin
