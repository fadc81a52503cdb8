# Shared helpers for end-to-end tests: start a real `ckube server` on a free loopback
# port in a temp dir, drive it with the real kubectl, count results, clean up.
# Usage: source tests/e2e/lib.sh; start_server; ...; finish
set -u
E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CKUBE=${CKUBE:-$E2E_ROOT/build/asan/ckube}
case "$CKUBE" in /*) ;; *) CKUBE=$E2E_ROOT/$CKUBE ;; esac
KUBECTL=${KUBECTL:-/usr/bin/kubectl}
[ -x "$KUBECTL" ] || KUBECTL=$(command -v kubectl)
FIXTURES=$E2E_ROOT/tests/e2e/fixtures
PASSED=0
FAILED=0
WORK=$(mktemp -d /tmp/ckube-e2e.XXXXXX)
SERVER_PID=""
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$E2E_ROOT/tests/lsan.supp:print_suppressions=0}

ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }

# check NAME COMMAND...: passes when the command exits 0.
check() {
    local name=$1; shift
    if "$@" >"$WORK/last.out" 2>&1; then ok "$name"; else fail "$name"; sed 's/^/    | /' "$WORK/last.out" | head -20; fi
}
# expect_eq NAME GOT WANT
expect_eq() {
    if [ "$2" == "$3" ]; then ok "$1"; else fail "$1"; echo "    got:  $2"; echo "    want: $3"; fi
}
# expect_match NAME TEXT REGEX (extended regex)
expect_match() {
    if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else fail "$1"; echo "    text: $(printf '%s' "$2" | head -c 600)"; echo "    want match: $3"; fi
}
expect_no_match() {
    if printf '%s' "$2" | grep -Eq -- "$3"; then fail "$1"; echo "    text: $(printf '%s' "$2" | head -c 600)"; echo "    must not match: $3"; else ok "$1"; fi
}

k() { "$KUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }

free_port() {
    local p
    for _ in $(seq 1 50); do
        # Below the kernel's ephemeral range (32768+), where client sockets live.
        p=$((20000 + RANDOM % 12000))
        if ! ss -ltnH "sport = :$p" 2>/dev/null | grep -q .; then echo "$p"; return; fi
    done
    echo 26443
}

# start_server [extra flags...]: starts ckube server with DATA=$WORK/data; retries on
# another port if the chosen one was taken meanwhile.
start_server() {
    local try
    for try in 1 2 3; do
        PORT=${FIXED_PORT:-$(free_port)}
        if start_server_once "$@"; then return 0; fi
        grep -q "Address already in use" "$WORK/server.log" || break
    done
    echo "server did not become ready"; tail -n 30 "$WORK/server.log"
    fail "server start"
    return 1
}

start_server_once() {
    DATA=$WORK/data
    "$CKUBE" server --data-dir "$DATA" --secure-port "$PORT" --bind-address 127.0.0.1 \
        --disable-agent "$@" >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    export KUBECONFIG=$DATA/admin.kubeconfig
    for _ in $(seq 1 300); do
        if [ -f "$KUBECONFIG" ] && curl -sk --max-time 1 "https://127.0.0.1:$PORT/readyz" 2>/dev/null | grep -q ok; then
            return 0
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
        sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=""
    return 1
}

# stop_server: SIGTERM, wait, and fail on sanitizer reports in its log.
stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -KILL "$SERVER_PID" 2>/dev/null
        fail "server exits on SIGTERM"
    fi
    wait "$SERVER_PID" 2>/dev/null
    local rc=$?
    SERVER_PID=""
    [ $rc -eq 0 ] || fail "server exit status $rc after SIGTERM"
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$WORK/server.log"; then
        fail "server sanitizer report"
        grep -E -A30 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$WORK/server.log" | head -60
    else
        ok "server clean exit, no sanitizer report"
    fi
}

finish() {
    stop_server
    rm -rf "$WORK"
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}

cleanup_on_exit() {
    if [ -n "$SERVER_PID" ]; then kill -KILL "$SERVER_PID" 2>/dev/null; fi
    rm -rf "$WORK"
}
trap cleanup_on_exit EXIT
