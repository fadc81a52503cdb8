#!/bin/bash
# `ckube scheduler` against a real `ckube server` (which runs no scheduler itself), with
# Node objects made by hand and the real kubectl: pods get spec.nodeName with a Scheduled
# event; a pod too big for every node stays Pending with upstream's FailedScheduling text
# and PodScheduled=False condition until a fitting node is added; nodeSelector, taints and
# tolerations, scheduling gates, preemption by PriorityClass (DisruptionTarget, graceful
# deletion, nominatedNodeName); a throughput figure (pods/s, logged, not asserted); and two
# schedulers with --leader-elect where only the leader binds and a killed leader hands over.
source "$(dirname "$0")/lib.sh"
start_server || { finish; exit 1; }
KC=$WORK/sched.kubeconfig # a copy: restarts of the server do not happen here, but be safe
cp "$KUBECONFIG" "$KC"

declare -A SCHED_PID
# start_sched NAME FLAGS...: runs `ckube scheduler` in the background, log in $WORK/NAME.log,
# and waits until its informers have synced.
start_sched() {
    local name=$1; shift
    "$CKUBE" scheduler --kubeconfig "$KC" "$@" >>"$WORK/$name.log" 2>&1 &
    SCHED_PID[$name]=$!
    for _ in $(seq 1 100); do
        grep -q 'caches synced' "$WORK/$name.log" && return 0
        sleep 0.1
    done
    fail "scheduler $name syncs its caches"
}
# stop_sched NAME: SIGTERM; it must exit 0 within 15 s without sanitizer reports.
stop_sched() {
    local name=$1 pid=${SCHED_PID[$1]} rc
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fail "scheduler $name exits on SIGTERM"; fi
    wait "$pid" 2>/dev/null
    rc=$?
    SCHED_PID[$name]=""
    expect_eq "scheduler $name exits 0 after SIGTERM" "$rc" 0
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$WORK/$name.log"; then
        fail "scheduler $name sanitizer report"
        grep -E -A30 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$WORK/$name.log" | head -60
    else
        ok "scheduler $name: no sanitizer report"
    fi
}
kill_scheds() { for n in "${!SCHED_PID[@]}"; do [ -n "${SCHED_PID[$n]}" ] && kill -KILL "${SCHED_PID[$n]}" 2>/dev/null; done; }
trap 'kill_scheds; cleanup_on_exit' EXIT

# wait_until SECONDS COMMAND...: polls every 0.2 s until the command succeeds.
wait_until() {
    local t=$1; shift
    for _ in $(seq 1 $((t * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    "$@"
}
node_of() { k get pod "$@" -o jsonpath='{.spec.nodeName}'; }
bound() { local p; for p in "$@"; do [ -n "$(node_of "$p")" ] || return 1; done; }
bound_to() { [ "$(node_of "$1")" == "$2" ]; }

# mknode NAME CPU [LABELS-JSON] [TAINTS-JSON]: a Ready node as a kubelet would register it;
# TaintNodesByCondition's not-ready taint is removed as the node lifecycle controller would.
mknode() {
    local labels=${3:-} taints=${4:-}
    cat <<EOF | k create -f - >/dev/null
{"apiVersion":"v1","kind":"Node",
 "metadata":{"name":"$1","labels":${labels:-null}},
 "spec":{"taints":${taints:-null}},
 "status":{"capacity":{"cpu":"$2","memory":"8Gi","pods":"110"},
           "allocatable":{"cpu":"$2","memory":"8Gi","pods":"110"},
           "conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"kubelet is posting ready status"}]}}
EOF
    k taint node "$1" node.kubernetes.io/not-ready:NoSchedule- >/dev/null 2>&1
}
# mkpod NAME CPU [SPEC-EXTRA-JSON] [NAMESPACE]
mkpod() {
    cat <<EOF | k create -n "${4:-default}" -f - >/dev/null
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"$1"},
 "spec":{"containers":[{"name":"c","image":"registry.k8s.io/pause:3.10","resources":{"requests":{"cpu":"$2"}}}]${3:+,$3}}}
EOF
}

mknode n1 2 '{"kubernetes.io/hostname":"n1","disk":"ssd"}'
mknode n2 2 '{"kubernetes.io/hostname":"n2","disk":"hdd"}'
mknode n3 2 '{"kubernetes.io/hostname":"n3","disk":"hdd"}'
expect_eq "three nodes without the not-ready taint" \
    "$(k get nodes -o jsonpath='{range .items[*]}{.metadata.name}:{.spec.taints[*].key} {end}')" \
    "n1: n2: n3: "

start_sched a --leader-elect=false
mkpod p1 100m
mkpod p2 100m
mkpod p3 100m
check "pods get a node" wait_until 30 bound p1 p2 p3
out=$(k get pod p1 -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].status}')
expect_eq "PodScheduled is True" "$out" "True"
check "describe shows the Scheduled event" wait_until 10 \
    bash -c "'$KUBECTL' --kubeconfig '$KC' describe pod p1 | grep -E 'Normal +Scheduled .*default-scheduler +Successfully assigned default/p1 to n[123]'"

# nodeSelector
mkpod ssd 100m '"nodeSelector":{"disk":"ssd"}'
check "nodeSelector: the ssd pod lands on n1" wait_until 30 bound_to ssd n1

# too big for every node; then a node that fits is added
mkpod big 5
check "FailedScheduling for the pod too big for every node" wait_until 20 \
    bash -c "'$KUBECTL' --kubeconfig '$KC' describe pod big | grep -q FailedScheduling"
out=$(k describe pod big)
expect_match "describe shows upstream's text" "$out" \
    "Warning +FailedScheduling +.* +default-scheduler +0/3 nodes are available: 3 Insufficient cpu\. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling\."
out=$(k get pod big -o jsonpath='{range .status.conditions[?(@.type=="PodScheduled")]}{.status}/{.reason}/{.message}{end}')
expect_eq "PodScheduled=False, Unschedulable, with the message" "$out" \
    "False/Unschedulable/0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
sleep 2
expect_eq "big is still Pending" "$(k get pod big -o jsonpath='{.status.phase}/{.spec.nodeName}')" "Pending/"
mknode n4 8 '{"kubernetes.io/hostname":"n4"}'
t0=$(date +%s.%N)
check "adding a node that fits schedules the pending pod" wait_until 30 bound_to big n4
echo "    (pending pod bound $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-4) s after its node was added)"

# taints and tolerations
k taint node n3 dedicated=gpu:NoSchedule >/dev/null
mkpod no-tol 100m '"nodeSelector":{"kubernetes.io/hostname":"n3"}'
mkpod tol 100m '"nodeSelector":{"kubernetes.io/hostname":"n3"},"tolerations":[{"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule"}]'
check "a pod tolerating the taint lands on n3" wait_until 30 bound_to tol n3
check "FailedScheduling for the pod that does not tolerate it" wait_until 20 \
    bash -c "'$KUBECTL' --kubeconfig '$KC' describe pod no-tol | grep -q FailedScheduling"
out=$(k describe pod no-tol)
expect_match "the FailedScheduling text names the taint and the selector" "$out" \
    "0/4 nodes are available: 1 node\(s\) had untolerated taint \{dedicated: gpu\}, 3 node\(s\) didn't match Pod's node affinity/selector\. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling\."
expect_eq "no-tol stays Pending without a node" "$(k get pod no-tol -o jsonpath='{.status.phase}/{.spec.nodeName}')" "Pending/"
k taint node n3 dedicated=gpu:NoSchedule- >/dev/null
check "removing the taint schedules it" wait_until 30 bound_to no-tol n3
k taint node n3 dedicated=gpu:NoSchedule >/dev/null

# scheduling gates
mkpod gated 100m '"schedulingGates":[{"name":"example.com/wait"}]'
sleep 2
expect_eq "a gated pod waits" "$(node_of gated)" ""
out=$(k get pod gated -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].reason}')
expect_eq "with the SchedulingGated condition" "$out" "SchedulingGated"
k patch pod gated --type=json -p '[{"op":"remove","path":"/spec/schedulingGates"}]' >/dev/null
check "removing the gate schedules it" wait_until 30 bound gated

# preemption by PriorityClass (ckube server deletes pods at once, having no kubelet to
# finish a graceful deletion, so the victim's last state is read from a watch)
k create priorityclass high --value=1000 >/dev/null
mknode n5 1 '{"kubernetes.io/hostname":"n5","tier":"prem"}'
mkpod low 800m '"nodeSelector":{"tier":"prem"}'
check "the low-priority pod runs on n5" wait_until 30 bound_to low n5
"$KUBECTL" --kubeconfig "$KC" get pods -w -o json --output-watch-events >"$WORK/watch.json" 2>&1 &
WATCH_PID=$!
sleep 1
mkpod vip 800m '"nodeSelector":{"tier":"prem"},"priorityClassName":"high"'
check "the preemptor lands on n5" wait_until 30 bound_to vip n5
sleep 1
kill "$WATCH_PID"; wait "$WATCH_PID" 2>/dev/null
out=$(jq -r 'select(.object.metadata.name == "low") | .object.status.conditions[]? | select(.type == "DisruptionTarget") | "\(.status)/\(.reason)/\(.message)"' "$WORK/watch.json" | head -1)
expect_eq "the victim got the DisruptionTarget condition" "$out" \
    "True/PreemptionByScheduler/default-scheduler: preempting to accommodate a higher priority pod"
expect_eq "then it was deleted" "$(jq -r 'select(.object.metadata.name == "low") | .type' "$WORK/watch.json" | tail -1)" "DELETED"
expect_eq "the preemptor was nominated to n5 first" \
    "$(jq -r 'select(.object.metadata.name == "vip") | .object.status.nominatedNodeName // empty' "$WORK/watch.json" | sort -u)" "n5"
out=$(k get events --field-selector involvedObject.name=low -o jsonpath='{range .items[*]}{.reason}: {.message}{"\n"}{end}')
expect_match "the victim has a Preempted event" "$out" 'Preempted: Preempted by pod [0-9a-f-]{36} on node n5'
out=$(k get events --field-selector involvedObject.name=vip -o jsonpath='{range .items[*]}{.reason}: {.message}{"\n"}{end}')
expect_match "the preemptor's FailedScheduling, then Scheduled" "$out" \
    'FailedScheduling: 0/5 nodes are available: .*Insufficient cpu.*'
expect_match "the preemptor's Scheduled event" "$out" 'Scheduled: Successfully assigned default/vip to n5'

stop_sched a

# Throughput: pods created while no scheduler runs, then one scheduler binds them all.
N=${SCHED_BENCH_PODS:-300}
k create namespace bench >/dev/null
for i in $(seq 1 "$N"); do
    printf -- '---\n{"apiVersion":"v1","kind":"Pod","metadata":{"name":"b-%d","namespace":"bench"},"spec":{"containers":[{"name":"c","image":"registry.k8s.io/pause:3.10","resources":{"requests":{"cpu":"10m","memory":"10Mi"}}}]}}\n' "$i"
done >"$WORK/bench.yaml"
k create -f "$WORK/bench.yaml" >/dev/null
count_bound() { k get pods -n bench -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | grep -c .; }
all_bound() { [ "$(count_bound)" -eq "$N" ]; }
t0=$(date +%s.%N)
start_sched bench --leader-elect=false --kube-api-qps=5000 --kube-api-burst=5000
check "$N pending pods are all bound" wait_until 120 all_bound
t1=$(date +%s.%N)
sleep 5.5 # the scheduler logs its own binding rate every 5 s
stop_sched bench
rate=$(echo "$N / ($t1 - $t0)" | bc -l | cut -d. -f1)
echo "    measured: $N pods bound in $(echo "$t1 - $t0" | bc | cut -c1-5) s from the scheduler's start (sync included), ~$rate pods/s"
grep -o 'bound [0-9]* pods in [0-9]* ms ([0-9]* pods/s)' "$WORK/bench.log" | head -3 | sed 's/^/    scheduler log: /'
per_node=$(k get pods -n bench -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort | uniq -c | awk '{printf "%s=%s ", $2, $1}')
echo "    spread over nodes: $per_node"
expect_no_match "no bench pod on the tainted node" "$per_node" 'n3='

# --config: a KubeSchedulerConfiguration with two profiles (one ignores taints) and the
# leader election block; pods naming no profile are left alone.
cat >"$WORK/sched.yaml" <<EOF
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
leaderElection:
  leaderElect: false
percentageOfNodesToScore: 50
podInitialBackoffSeconds: 1
podMaxBackoffSeconds: 5
profiles:
- schedulerName: default-scheduler
- schedulerName: ignore-taints
  plugins:
    filter:
      disabled:
      - name: TaintToleration
EOF
start_sched cfg --config "$WORK/sched.yaml"
mkpod cfg-p 10m '"schedulerName":"ignore-taints","nodeSelector":{"kubernetes.io/hostname":"n3"}'
mkpod nobodys 10m '"schedulerName":"nobody"'
check "a profile without TaintToleration places a pod on the tainted node" wait_until 30 bound_to cfg-p n3
out=$(k get events --field-selector involvedObject.name=cfg-p -o jsonpath='{.items[*].source.component}')
expect_eq "its event comes from that profile" "$out" "ignore-taints"
expect_eq "a pod for an unknown scheduler is left alone" \
    "$(node_of nobodys)|$(k get events --field-selector involvedObject.name=nobodys -o name)" "|"
stop_sched cfg
sed 's|kubescheduler.config.k8s.io/v1|kubescheduler.config.k8s.io/v1beta3|' "$WORK/sched.yaml" >"$WORK/bad.yaml"
out=$("$CKUBE" scheduler --kubeconfig "$KC" --config "$WORK/bad.yaml" 2>&1)
expect_eq "an unknown config version is refused" "$?|$out" \
    '1|Error: no kind "KubeSchedulerConfiguration" is registered for version "kubescheduler.config.k8s.io/v1beta3"'
printf 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- plugins: {filter: {enabled: [{name: NoSuchPlugin}]}}\n' >"$WORK/bad.yaml"
out=$("$CKUBE" scheduler --kubeconfig "$KC" --config "$WORK/bad.yaml" 2>&1)
expect_match "an unknown plugin is refused" "$?|$out" '^1\|Error: .*NoSuchPlugin'

# Leader election: two candidates, short leases; only the leader binds.
LE=(--leader-elect=true --leader-elect-lease-duration=4s --leader-elect-renew-deadline=3s
    --leader-elect-retry-period=500ms --v=2)
start_sched le1 "${LE[@]}"
start_sched le2 "${LE[@]}"
leader() {
    local n
    for n in le1 le2; do
        grep -q 'successfully acquired lease kube-system/kube-scheduler' "$WORK/$n.log" 2>/dev/null &&
            [ -n "${SCHED_PID[$n]}" ] && echo "$n"
    done
}
one_leader() { [ "$(leader | wc -l)" -eq 1 ]; }
check "exactly one scheduler acquires the lease" wait_until 30 one_leader
L=$(leader)
F=$([ "$L" == le1 ] && echo le2 || echo le1)
holder=$(k get lease -n kube-system kube-scheduler -o jsonpath='{.spec.holderIdentity}')
expect_match "the Lease names a holder (hostname_uuid)" "$holder" '^.+_[0-9a-f-]{36}$'
mkpod le-a 10m
mkpod le-b 10m
check "pods are bound while two schedulers run" wait_until 30 bound le-a le-b
expect_eq "the leader ($L) bound them" "$(grep -c 'Successfully bound pod to node pod="default/le-[ab]"' "$WORK/$L.log")" 2
expect_eq "the standby ($F) bound nothing" "$(grep -c 'Successfully bound pod' "$WORK/$F.log")" 0
kill -KILL "${SCHED_PID[$L]}"
wait "${SCHED_PID[$L]}" 2>/dev/null
SCHED_PID[$L]=""
t0=$(date +%s.%N)
check "the standby takes over after the leader is killed" wait_until 30 \
    grep -q 'successfully acquired lease kube-system/kube-scheduler' "$WORK/$F.log"
echo "    (took over $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-4) s after the kill; lease 4 s)"
mkpod le-c 10m
check "the new leader binds" wait_until 30 bound le-c
expect_eq "and it was $F" "$(grep -c 'Successfully bound pod to node pod="default/le-c"' "$WORK/$F.log")" 1
stop_sched "$F"
out=$(k get lease -n kube-system kube-scheduler -o jsonpath='{.spec.holderIdentity}')
expect_eq "SIGTERM releases the lease (ReleaseOnCancel)" "$out" ""

finish
