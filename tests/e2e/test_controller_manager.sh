#!/bin/bash
# `ckube controller-manager` beside a `ckube server`, with the real kubectl: the ReplicaSet and
# ReplicationController controllers create pods from the template (owner references,
# generateName), keep the count on scale up and down, adopt matching orphans and release
# pods whose labels stop matching, keep status current and record upstream's events;
# leader election through the kube-system/kube-controller-manager Lease; a clean exit.
source "$(dirname "$0")/lib.sh"

CM_PID=""
CM_LOG=""
start_cm() { # start_cm LOG FLAGS...
    CM_LOG=$1; shift
    "$CKUBE" controller-manager --kubeconfig "$KUBECONFIG" "$@" >"$CM_LOG" 2>&1 &
    CM_PID=$!
}
stop_cm() { # stop_cm PID LOG NAME
    local pid=$1 log=$2 name=$3
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fail "$name exits on SIGTERM"; fi
    wait "$pid" 2>/dev/null
    local rc=$?
    expect_eq "$name exit status" "$rc" 0
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log"; then
        fail "$name sanitizer report"; grep -E -A30 'ERROR: |runtime error:' "$log" | head -50
    else
        ok "$name clean exit, no sanitizer report"
    fi
}
trap 'for p in $CM_PID ${CM2_PID:-}; do kill -KILL "$p" 2>/dev/null; done; cleanup_on_exit' EXIT

# wait_for DESC WANT CMD...: polls CMD (up to 10 s) until its output equals WANT.
wait_for() {
    local desc=$1 want=$2 got=""; shift 2
    for _ in $(seq 1 100); do
        got=$("$@" 2>&1)
        [ "$got" == "$want" ] && break
        sleep 0.1
    done
    expect_eq "$desc" "$got" "$want"
}
npods() { k get pods -l "$1" --no-headers 2>/dev/null | wc -l | tr -d ' '; }

start_server || { finish; exit 1; }
out=$("$CKUBE" controller-manager --controllers=bogus --kubeconfig "$KUBECONFIG" 2>&1)
expect_match "unknown controller refused" "$out" '"bogus" is not in the list of known controllers'

start_cm "$WORK/cm.log" --leader-elect=false
k apply -f - >/dev/null <<'EOF'
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec: {containers: [{name: c, image: nginx}]}
EOF
wait_for "replicaset makes 3 pods" 3 npods app=web
pod=$(k get pods -l app=web -o jsonpath='{.items[0].metadata.name}')
expect_match "pod named from the set" "$pod" '^web-[bcdfghjklmnpqrstvwxz2456789]{5}$'
expect_eq "controller owner reference" \
    "$(k get pod "$pod" -o jsonpath='{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {.metadata.ownerReferences[0].controller} {.metadata.ownerReferences[0].blockOwnerDeletion}')" \
    "ReplicaSet/web true true"
expect_eq "template labels copied" "$(k get pod "$pod" -o jsonpath='{.metadata.labels.tier}')" front
wait_for "status.replicas 3" "3 3" k get rs web -o jsonpath='{.status.replicas} {.status.fullyLabeledReplicas}'
expect_eq "status.observedGeneration" "$(k get rs web -o jsonpath='{.status.observedGeneration}')" 1

check "scale up to 5" k scale rs web --replicas=5
wait_for "scaled up to 5 pods" 5 npods app=web
check "scale down to 2" k scale rs web --replicas=2
wait_for "scaled down to 2 pods" 2 npods app=web
wait_for "status follows the scale" "2 2" k get rs web -o jsonpath='{.status.replicas} {.spec.replicas}'
ev=$(k describe rs web 2>&1)
expect_match "SuccessfulCreate events" "$ev" 'Normal +SuccessfulCreate +.* +replicaset-controller +Created pod: web-'
expect_match "SuccessfulDelete events" "$ev" 'Normal +SuccessfulDelete +.* +replicaset-controller +Deleted pod: web-'

# An orphan with matching labels is adopted, which makes one too many: the newest goes.
check "create a matching orphan" k run orphan --image=nginx --labels=app=web
wait_for "orphan adopted, then the extra pod deleted" 2 npods app=web
# A pod whose labels stop matching is released and replaced.
victim=$(k get pods -l app=web -o jsonpath='{.items[0].metadata.name}')
check "relabel a pod" k label pod "$victim" app=other --overwrite
wait_for "released pod loses its owner" "" k get pod "$victim" -o jsonpath='{.metadata.ownerReferences}'
wait_for "a replacement keeps 2 pods" 2 npods app=web
check "delete a pod" k delete pod "$(k get pods -l app=web -o jsonpath='{.items[0].metadata.name}')" --wait=false
wait_for "the deleted pod is replaced" 2 npods app=web

# ReplicationController (selector as a label map).
k create -f - >/dev/null <<'EOF'
apiVersion: v1
kind: ReplicationController
metadata: {name: legacy}
spec:
  replicas: 2
  selector: {app: legacy}
  template:
    metadata: {labels: {app: legacy}}
    spec: {containers: [{name: c, image: nginx}]}
EOF
wait_for "replicationcontroller makes 2 pods" 2 npods app=legacy
expect_match "RC events from replication-controller" "$(k describe rc legacy 2>&1)" 'replication-controller +Created pod: legacy-'
stop_cm "$CM_PID" "$WORK/cm.log" "controller-manager"
CM_PID=""

# Leader election: two managers, one leads; stopping it hands over within the lease.
LE="--leader-elect=true --leader-elect-lease-duration=3s --leader-elect-renew-deadline=2s --leader-elect-retry-period=500ms"
start_cm "$WORK/cm1.log" $LE
CM1_PID=$CM_PID
sleep 1.5
start_cm "$WORK/cm2.log" $LE
CM2_PID=$CM_PID
holder=""
for _ in $(seq 1 50); do
    holder=$(k -n kube-system get lease kube-controller-manager -o jsonpath='{.spec.holderIdentity}' 2>/dev/null)
    [ -n "$holder" ] && break; sleep 0.1
done
expect_match "a leader holds the lease" "$holder" '.+_[0-9a-f-]{36}$'
check "the leader scales the set" k scale rs web --replicas=3
wait_for "leader acts" 3 npods app=web
stop_cm "$CM1_PID" "$WORK/cm1.log" "first controller-manager"
CM_PID=$CM2_PID
new=""
for _ in $(seq 1 80); do
    new=$(k -n kube-system get lease kube-controller-manager -o jsonpath='{.spec.holderIdentity}' 2>/dev/null)
    [ -n "$new" ] && [ "$new" != "$holder" ] && break; sleep 0.1
done
check "the standby took the lease" test -n "$new" -a "$new" != "$holder"
check "the new leader acts" k scale rs web --replicas=1
wait_for "scaled by the new leader" 1 npods app=web
stop_cm "$CM2_PID" "$WORK/cm2.log" "second controller-manager"
CM_PID=""; CM2_PID=""
finish
