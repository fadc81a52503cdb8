#!/bin/bash
# Builds every fuzz/fuzz_NAME.c as a libFuzzer target linked with all of src/ except main.c
# (clang, ASan+UBSan) into build/fuzz/, then runs the targets one after another for
# FUZZ_SECONDS each (default 600). Each keeps its corpus in build/fuzz/corpus-NAME, seeded from
# fuzz/seeds/NAME/ when present; crashes land in build/fuzz/artifacts-NAME/. Prints one line per
# target and exits non-zero if any target fails to build or crashes.
#   FUZZ_TARGETS="decode patch"  run a subset (names without the fuzz_ prefix)
#   FUZZ_TIMEOUT=30              seconds one input may take before it counts as a hang
set -u
cd "$(dirname "$0")/.."

out=build/fuzz
secs=${FUZZ_SECONDS:-600}
pkgs="openssl sqlite3 jansson yaml-0.1 libh2o-evloop"
cflags="-std=c17 -D_GNU_SOURCE -DH2O_USE_LIBUV=0 -Isrc -g -O1 -fno-omit-frame-pointer \
-Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers $(pkg-config --cflags $pkgs)"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
libs="$(pkg-config --libs $pkgs) -lpthread -lm"

all=()
for f in fuzz/fuzz_*.c; do
    [ -e "$f" ] || continue
    n=${f#fuzz/fuzz_}
    all+=("${n%.c}")
done
targets=()
if [ -n "${FUZZ_TARGETS:-}" ]; then
    for t in ${FUZZ_TARGETS//,/ }; do
        if [ ! -f "fuzz/fuzz_$t.c" ]; then
            echo "fuzz: no target '$t' (have: ${all[*]})" >&2
            exit 2
        fi
        targets+=("$t")
    done
else
    targets=("${all[@]}")
fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no targets" >&2; exit 2; }

# The library objects are shared by all targets and rebuilt only when their sources change.
bins=()
for t in "${targets[@]}"; do bins+=("$out/fuzz_$t"); done
if ! make -s -j"$(nproc)" -f - OUT="$out" CC=clang CFLAGS="$cflags" SAN="$san" LIBS="$libs" \
    "${bins[@]}" <<'EOF'; then
LIB_SRC := $(filter-out src/main.c,$(shell find src -name '*.c' | sort))
OBJ := $(LIB_SRC:%.c=$(OUT)/obj/%.o)
$(OUT)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
$(OUT)/fuzz_%: fuzz/fuzz_%.c $(OBJ)
	$(CC) $(CFLAGS) $(SAN) -fsanitize=fuzzer -o $@ $< $(OBJ) $(LIBS)
-include $(OBJ:.o=.d)
EOF
    echo "fuzz: build failed" >&2
    exit 1
fi

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
status=0
for t in "${targets[@]}"; do
    corpus="$out/corpus-$t"
    artifacts="$out/artifacts-$t/"
    log="$out/$t.log"
    mkdir -p "$corpus" "$artifacts"
    dirs=("$corpus")
    [ -d "fuzz/seeds/$t" ] && dirs+=("fuzz/seeds/$t")
    args=(-max_total_time="$secs" -rss_limit_mb=2048 -timeout="${FUZZ_TIMEOUT:-30}"
        -artifact_prefix="$artifacts" -print_final_stats=1)
    [ -f "fuzz/$t.dict" ] && args+=(-dict="fuzz/$t.dict")
    echo "fuzz $t: running ${secs}s (log $log)"
    "$out/fuzz_$t" "${args[@]}" "${dirs[@]}" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ $rc -eq 0 ]; then
        printf 'fuzz %-12s ok (%s runs, corpus %s files)\n' "$t" "${runs:-?}" \
            "$(find "$corpus" -type f | wc -l)"
    else
        artifact=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
        printf 'fuzz %-12s CRASH (exit %d) artifact: %s\n' "$t" "$rc" "${artifact:-none, see $log}"
        grep -E 'ERROR|SUMMARY|runtime error|fuzz_[a-z]+:' "$log" | head -n 8 | sed 's/^/    | /'
        echo "    reproduce: $out/fuzz_$t ${artifact:-<artifact>}"
        status=1
    fi
done
exit $status
