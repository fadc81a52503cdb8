#!/bin/bash
# The client library (src/client) against a real server, through tests/e2e/client_probe.c
# (and first against a fake HTTP/1.1 server that cuts watch streams at awkward places):
# HTTP/2 multiplexing, Status and transport errors, the rate limiter, 410 inside a watch
# stream, and an informer following kubectl's creates, updates and deletes, re-watching
# after the server's timeouts, relisting after 410 Expired, and finding the deletion it
# missed while the server was away.
source "$(dirname "$0")/lib.sh"
PROBE=${PROBE:-$E2E_ROOT/build/asan/tests/client_probe}
[ -x "$PROBE" ] || { fail "client probe not built ($PROBE)"; finish; exit 1; }
start_server --etcd-compaction-interval=1s || { finish; exit 1; }
# The probe keeps this copy: a restart on another port rewrites admin.kubeconfig.
PKC=$WORK/probe.kubeconfig
cp "$KUBECONFIG" "$PKC"
PROBE_PID=""

check "watch streams cut at every byte, bad lines, refusals, broken streams, cancels (fake server)" \
    "$PROBE" - stream
check "200 requests over one HTTP/2 connection beside 60 watches" "$PROBE" "$PKC" h2 60 200 1
check "150 watches and 200 requests over two connections" "$PROBE" "$PKC" h2 150 200 2
check "Status errors keep code, reason and message; transport errors read like Go's" \
    "$PROBE" "$PKC" errors
check "25 requests at qps 20 burst 5 take about a second" "$PROBE" "$PKC" ratelimit 20 5 25

# wait_for REGEX [SECONDS]: the informer's output has a matching line.
wait_for() {
    local i
    for i in $(seq 1 $((${2:-20} * 10))); do
        grep -qE -- "$1" "$WORK/inf.out" && return 0
        sleep 0.1
    done
    echo "no line matching $1 in:"; cat "$WORK/inf.out"; return 1
}

k create namespace probe >/dev/null
k -n probe create configmap a --from-literal=k=v >/dev/null
"$PROBE" "$PKC" informer /api/v1/namespaces/probe/configmaps 2 >"$WORK/inf.out" 2>"$WORK/inf.err" &
PROBE_PID=$!
check "the informer syncs" wait_for '^SYNCED [0-9]+'
check "the first list is delivered as adds" wait_for '^ADD probe/a [0-9]+'
k -n probe create configmap b --from-literal=k=v >/dev/null
check "a create is an add" wait_for '^ADD probe/b [0-9]+'
k -n probe patch configmap b -p '{"data":{"k":"w"}}' >/dev/null
check "a patch is an update with both resourceVersions" wait_for '^UPDATE probe/b [0-9]+ [0-9]+'
k -n probe delete configmap a >/dev/null
check "a delete is a delete" wait_for '^DELETE probe/a [0-9]+'
check "the watch is resumed after the server ends it (timeoutSeconds=2)" wait_for '^WATCHES 3$' 15

# Writes elsewhere move the compaction past the informer's resume point: the next
# re-watch gets a 410 Expired ERROR event, and the informer relists.
for i in 1 2 3; do k -n default create configmap "filler-$i" >/dev/null; sleep 0.5; done
check "a 410 in the watch stream is seen" wait_for '^EXPIRED 1$' 20
check "and the informer relists" wait_for '^LISTS 2$' 10
after=$(sed -n '/^EXPIRED 1$/,$p' "$WORK/inf.out")
expect_no_match "a relist of unchanged objects calls no handler" "$after" '^(ADD|UPDATE|DELETE) '
out=$("$PROBE" "$PKC" expired /api/v1/namespaces/default/configmaps 2 2>&1)
expect_match "a watch from a compacted resourceVersion gets 410 as an ERROR event" "$out" \
    'type=ERROR code=410 ends=1'

# The server goes away; meanwhile (on another port the probe does not know) an object is
# deleted, one created, one changed. When the server is back on the probe's port, the
# relist finds all three; the deleted one is reported with its last known state.
k -n probe create configmap gone --from-literal=k=v >/dev/null
check "an add before the outage" wait_for '^ADD probe/gone '
gone_rv=$(k -n probe get configmap gone -o jsonpath='{.metadata.resourceVersion}')
orig_port=$PORT
stop_server
start_server --etcd-compaction-interval=1s || { finish; exit 1; }
k -n probe delete configmap gone >/dev/null
k -n probe create configmap new --from-literal=k=v >/dev/null
k -n probe patch configmap b -p '{"data":{"k":"x"}}' >/dev/null
stop_server
FIXED_PORT=$orig_port start_server --etcd-compaction-interval=1s || { finish; exit 1; }
check "the missed deletion is found by the relist (last known state)" \
    wait_for "^DELETE probe/gone $gone_rv\$" 90
check "the missed create too" wait_for '^ADD probe/new ' 10
check "and the missed update" wait_for '^UPDATE probe/b [0-9]+ [0-9]+' 10
expect_eq "b was updated twice in all" "$(grep -c '^UPDATE probe/b ' "$WORK/inf.out")" 2

kill -TERM "$PROBE_PID"
wait "$PROBE_PID"
rc=$?
expect_eq "the probe stops on SIGTERM and exits 0" "$rc" 0
expect_eq "the informer's store matches the server's" \
    "$(grep '^STOPPED ' "$WORK/inf.out")" "STOPPED $(k -n probe get configmaps --no-headers | wc -l)"
if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|^FAIL ' "$WORK/inf.err" "$WORK/inf.out"; then
    fail "probe sanitizer report or failure"
    grep -E -A20 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|^FAIL ' "$WORK/inf.err" "$WORK/inf.out" | head -40
else
    ok "probe: no sanitizer report, no leak"
fi
finish
