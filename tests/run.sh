#!/bin/bash
# Runs every unit test binary and end-to-end script, sums their "N passed, N failed"
# lines, and prints the total last. ONLY=unit|e2e limits the run; FILTER=substr picks tests.
set -u
cd "$(dirname "$0")/.."
total_pass=0
total_fail=0
failed_names=()
logdir=$(mktemp -d /tmp/ckube-test-logs.XXXXXX)

run_one() { # name, command...
    local name=$1; shift
    local log="$logdir/${name//\//_}.log"
    local start=$SECONDS
    "$@" >"$log" 2>&1
    local rc=$?
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    local p=0 f=0
    if [ -n "$line" ]; then
        p=${line%% passed*}
        f=${line#*, }; f=${f%% failed*}
    fi
    # A crash, sanitizer report or a non-zero exit without failures counts as a failure.
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log"; then
        [ "$f" -eq 0 ] && f=1
        echo "  sanitizer report in $name"
    fi
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    printf '%-40s %4d passed, %d failed (%ds)\n' "$name" "$p" "$f" $((SECONDS - start))
    if [ "$f" -ne 0 ]; then
        failed_names+=("$name")
        sed -e 's/^/    | /' "$log" | grep -E 'FAIL|not ok|ERROR|runtime error|SUMMARY' | head -n 40
    fi
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if [ "${ONLY:-static}" = static ] || [ -z "${ONLY:-}" ]; then
    for t in tests/static/test_*.sh; do
        [ -n "${FILTER:-}" ] && [[ "$t" != *"$FILTER"* ]] && continue
        run_one "static/$(basename "$t" .sh)" bash "$t"
    done
fi
if [ "${ONLY:-unit}" = unit ] || [ -z "${ONLY:-}" ]; then
    for t in "${UNIT_DIR:-build/asan/tests/unit}"/test_*; do
        [ -x "$t" ] || continue
        case "$t" in *.o|*.d) continue ;; esac
        [ -n "${FILTER:-}" ] && [[ "$t" != *"$FILTER"* ]] && continue
        run_one "unit/$(basename "$t")" "$t"
    done
fi
if [ "${ONLY:-e2e}" = e2e ] || [ -z "${ONLY:-}" ]; then
    for t in tests/e2e/test_*.sh; do
        [ -f "$t" ] || continue
        [ -n "${FILTER:-}" ] && [[ "$t" != *"$FILTER"* ]] && continue
        run_one "e2e/$(basename "$t" .sh)" bash "$t"
    done
fi
# Logs are kept only when something failed.
if [ "$total_fail" -eq 0 ]; then rm -rf "$logdir"; else echo "logs: $logdir"; fi
[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
