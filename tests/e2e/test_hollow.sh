#!/bin/bash
# `ckube hollow-nodes` against a real server, driven and checked with the real kubectl:
# nodes registered Ready with the flags' capacity, labels and taints; Leases renewed; pods
# bound by hand (no scheduler here) become Running with an IP from the node's podCIDR
# (or the documented fallback range), pods that run to completion end after the job
# duration with the annotated exit code, OnFailure pods crash-loop, deadlines, admission
# refusals, readiness gates, deletion; a restart adopts what is running; the nodes are
# deleted on exit when asked; and a 500-node registration is timed (printed only).
source "$(dirname "$0")/lib.sh"
HOLLOW_PID=""
HOLLOW_LOG=$WORK/hollow.log
trap 'if [ -n "$HOLLOW_PID" ]; then kill -KILL "$HOLLOW_PID" 2>/dev/null; fi; cleanup_on_exit' EXIT

start_server || { finish; exit 1; }

# start_hollow FLAGS...: runs hollow-nodes in the background (its PID in HOLLOW_PID).
start_hollow() {
    : >"$HOLLOW_LOG"
    "$CKUBE" hollow-nodes --kubeconfig "$KUBECONFIG" "$@" >>"$HOLLOW_LOG" 2>&1 &
    HOLLOW_PID=$!
}

# stop_hollow: SIGTERM; a clean exit (status 0) without sanitizer reports.
stop_hollow() {
    [ -n "$HOLLOW_PID" ] || return 0
    kill -TERM "$HOLLOW_PID" 2>/dev/null
    for _ in $(seq 1 300); do kill -0 "$HOLLOW_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$HOLLOW_PID" 2>/dev/null; then
        kill -KILL "$HOLLOW_PID" 2>/dev/null
        fail "hollow-nodes exits on SIGTERM"
    fi
    wait "$HOLLOW_PID" 2>/dev/null
    local rc=$?
    HOLLOW_PID=""
    expect_eq "hollow-nodes exit status after SIGTERM" "$rc" 0
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$HOLLOW_LOG"; then
        fail "hollow-nodes sanitizer report"
        grep -E -A30 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$HOLLOW_LOG" | head -60
    else
        ok "hollow-nodes clean exit, no sanitizer report"
    fi
}

# poll SECONDS COMMAND...: retries the command every 0.2 s until it succeeds.
poll() {
    local secs=$1 i
    shift
    for i in $(seq 1 $((secs * 5))); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    "$@"
}
jp() { k get "$1" "$2" -o jsonpath="$3" 2>/dev/null; }
phase_is() { [ "$(jp pod "$1" '{.status.phase}')" == "$2" ]; }
ready_nodes() { [ "$(k get nodes --no-headers 2>/dev/null | grep -c " Ready ")" -eq "$1" ]; }

out=$("$CKUBE" hollow-nodes --count 3 2>&1)
expect_match "--kubeconfig is required" "$out" 'kubeconfig is required'
out=$("$CKUBE" hollow-nodes --kubeconfig "$KUBECONFIG" --memory 12GB 2>&1)
expect_match "a bad --memory is refused with the quantity's error" "$out" \
    'invalid --memory 12GB: .*quantities must match'
out=$("$CKUBE" hollow-nodes --kubeconfig "$KUBECONFIG" --register-with-taints a=b:Never 2>&1)
expect_match "a bad taint effect is refused" "$out" 'invalid taint a=b:Never'

start_hollow --count 3 --cpu 8 --memory 64Gi --pods 20 \
    --node-labels topology.kubernetes.io/zone=zone-a,example.com/pool=hollow \
    --register-with-taints example.com/hollow=true:PreferNoSchedule
check "3 nodes become Ready" poll 30 ready_nodes 3
out=$(k get nodes --no-headers)
expect_match "named hollow-node-0..2" "$(echo "$out" | awk '{print $1}' | tr '\n' ' ')" \
    '^hollow-node-0 hollow-node-1 hollow-node-2 $'
expect_match "kubectl shows the kubelet version" "$out" 'v1\.34\.[0-9]+\+ckube'
expect_eq "capacity from the flags" "$(jp node hollow-node-1 '{.status.capacity.cpu} {.status.capacity.memory} {.status.capacity.pods} {.status.capacity.ephemeral-storage}')" \
    "8 64Gi 20 100Gi"
expect_eq "allocatable = capacity" "$(jp node hollow-node-1 '{.status.allocatable.cpu} {.status.allocatable.memory} {.status.allocatable.pods}')" \
    "8 64Gi 20"
expect_eq "standard and --node-labels labels" \
    "$(jp node hollow-node-2 '{.metadata.labels.kubernetes\.io/hostname} {.metadata.labels.kubernetes\.io/os} {.metadata.labels.kubernetes\.io/arch} {.metadata.labels.topology\.kubernetes\.io/zone} {.metadata.labels.example\.com/pool}')" \
    "hollow-node-2 linux amd64 zone-a hollow"
expect_match "--register-with-taints" "$(jp node hollow-node-0 '{.spec.taints}')" \
    '"effect":"PreferNoSchedule","key":"example.com/hollow","value":"true"'
expect_eq "Ready True as the kubelet posts it" \
    "$(jp node hollow-node-0 '{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].reason} {.status.conditions[?(@.type=="Ready")].message}')" \
    "True KubeletReady kubelet is posting ready status"
expect_eq "pressure conditions False" \
    "$(jp node hollow-node-0 '{.status.conditions[?(@.type=="MemoryPressure")].status} {.status.conditions[?(@.type=="DiskPressure")].status} {.status.conditions[?(@.type=="PIDPressure")].status}')" \
    "False False False"
expect_eq "node info" "$(jp node hollow-node-0 '{.status.nodeInfo.containerRuntimeVersion} {.status.nodeInfo.operatingSystem} {.status.nodeInfo.architecture} {.status.nodeInfo.kernelVersion}')" \
    "hollow://1.0.0 linux amd64 $(uname -r)"
expect_eq "addresses: InternalIP in 198.18.0.0/15, Hostname" \
    "$(jp node hollow-node-1 '{.status.addresses[0].type}={.status.addresses[0].address} {.status.addresses[1].type}={.status.addresses[1].address} {.status.daemonEndpoints.kubeletEndpoint.Port}')" \
    "InternalIP=198.18.0.2 Hostname=hollow-node-1 10250"

# Leases: one per node, held by the node, owned by it, renewed every 10 s.
out=$(k -n kube-node-lease get leases --no-headers 2>&1 | awk '{print $1"/"$2}' | tr '\n' ' ')
expect_eq "a Lease per node, held by it" "$out" \
    "hollow-node-0/hollow-node-0 hollow-node-1/hollow-node-1 hollow-node-2/hollow-node-2 "
expect_eq "lease duration and owner" \
    "$(k -n kube-node-lease get lease hollow-node-1 -o jsonpath='{.spec.leaseDurationSeconds} {.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}')" \
    "40 Node/hollow-node-1"
renew0=$(k -n kube-node-lease get lease hollow-node-1 -o jsonpath='{.spec.renewTime}')
lease_renewed() {
    local now
    now=$(k -n kube-node-lease get lease hollow-node-1 -o jsonpath='{.spec.renewTime}')
    [ -n "$now" ] && [ "$now" != "$renew0" ]
}
check "the Lease's renewTime advances (within 15 s)" poll 15 lease_renewed

# Pods bound by hand: an IP from the node's podCIDR (set here as node IPAM would), or
# from the fallback range (100.64.<node index>.0/24) when the node has none.
k patch node hollow-node-1 -p '{"spec":{"podCIDR":"10.244.1.0/24","podCIDRs":["10.244.1.0/24"]}}' >/dev/null
sleep 0.5
pod_yaml() { # name node restartPolicy [annotations-json] [extra-spec-json]
    local ann=${4:-} extra=${5:-}
    [ -n "$ann" ] || ann='{}'
    [ -z "$extra" ] || extra=",$extra"
    cat <<EOF
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"$1","annotations":$ann},
 "spec":{"nodeName":"$2","restartPolicy":"$3","containers":[{"name":"c","image":"nginx",
 "resources":{"requests":{"cpu":"100m","memory":"32Mi"}}}]$extra}}
EOF
}
pod_yaml web hollow-node-1 Always | k create -f - >/dev/null
pod_yaml web2 hollow-node-1 Always | k create -f - >/dev/null
pod_yaml other hollow-node-2 Always | k create -f - >/dev/null
check "a pod bound to hollow-node-1 becomes Running" poll 20 phase_is web Running
ip=$(jp pod web '{.status.podIP}')
expect_match "its IP is inside the node's podCIDR 10.244.1.0/24 (past the gateway)" "$ip" \
    '^10\.244\.1\.([2-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-4])$'
check "a second pod becomes Running" poll 20 phase_is web2 Running
ip2=$(jp pod web2 '{.status.podIP}')
expect_match "with another address from the same range" "$ip2" '^10\.244\.1\.'
[ "$ip" != "$ip2" ] && ok "the two IPs differ" || fail "the two IPs differ ($ip $ip2)"
check "a pod on a node without podCIDR becomes Running" poll 20 phase_is other Running
expect_match "with an IP from the fallback range 100.64.2.0/24" "$(jp pod other '{.status.podIP}')" \
    '^100\.64\.2\.'
expect_eq "hostIP and podIPs" "$(jp pod web '{.status.hostIP} {.status.podIPs[0].ip}')" \
    "198.18.0.2 $ip"
expect_eq "conditions as the kubelet reports them" \
    "$(jp pod web '{range .status.conditions[*]}{.type}={.status} {end}')" \
    "PodReadyToStartContainers=True Initialized=True Ready=True ContainersReady=True PodScheduled=True "
uid=$(jp pod web '{.metadata.uid}')
expect_eq "container status" \
    "$(jp pod web '{.status.containerStatuses[0].ready} {.status.containerStatuses[0].started} {.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].image} {.status.containerStatuses[0].imageID} {.status.containerStatuses[0].containerID}')" \
    "true true 0 docker.io/library/nginx:latest hollow://docker.io/library/nginx:latest hollow://$uid/c"
expect_match "running.startedAt and startTime set" \
    "$(jp pod web '{.status.containerStatuses[0].state.running.startedAt} {.status.startTime}')" \
    '^[0-9-]+T[0-9:]+Z [0-9-]+T[0-9:]+Z$'
expect_eq "qosClass kept" "$(jp pod web '{.status.qosClass}')" "Burstable"
out=$(k get pod web --no-headers)
expect_match "kubectl get pods shows 1/1 Running" "$out" '^web +1/1 +Running +0 '

# Run to completion: Succeeded after --job-duration (1 s), Failed with the annotated code.
t0=$(date +%s%N)
pod_yaml job hollow-node-0 Never | k create -f - >/dev/null
check "a restartPolicy Never pod becomes Succeeded" poll 20 phase_is job Succeeded
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -ge 900 ] && ok "it ran for the job duration (${ms} ms >= 1 s)" ||
    fail "it ran for the job duration (${ms} ms, want >= 1 s)"
expect_eq "its container terminated with Completed, exit 0" \
    "$(jp pod job '{.status.containerStatuses[0].state.terminated.reason} {.status.containerStatuses[0].state.terminated.exitCode} {.status.conditions[?(@.type=="Ready")].reason}')" \
    "Completed 0 PodCompleted"
expect_match "kubectl shows Completed" "$(k get pod job --no-headers)" '^job +0/1 +Completed '
pod_yaml fail hollow-node-0 Never '{"hollow.ckube.io/exit-code":"3"}' | k create -f - >/dev/null
check "exit-code 3: the pod becomes Failed" poll 20 phase_is fail Failed
expect_eq "its container terminated with Error, exit 3" \
    "$(jp pod fail '{.status.containerStatuses[0].state.terminated.reason} {.status.containerStatuses[0].state.terminated.exitCode}')" \
    "Error 3"
expect_match "kubectl shows Error" "$(k get pod fail --no-headers)" '^fail +0/1 +Error '
pod_yaml quick hollow-node-0 OnFailure '{"hollow.ckube.io/job-duration":"100ms"}' | k create -f - >/dev/null
check "OnFailure, exit 0, job-duration annotation: Succeeded" poll 10 phase_is quick Succeeded
pod_yaml crash hollow-node-0 OnFailure '{"hollow.ckube.io/exit-code":"2"}' | k create -f - >/dev/null
crashlooping() { [ "$(jp pod crash '{.status.containerStatuses[0].state.waiting.reason}')" == CrashLoopBackOff ]; }
check "OnFailure with exit code 2: restarted, then CrashLoopBackOff" poll 20 crashlooping
expect_eq "the pod stays Running with a restart and the failure in lastState" \
    "$(jp pod crash '{.status.phase} {.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].lastState.terminated.exitCode}')" \
    "Running 1 2"
pod_yaml deadline hollow-node-0 Always '{}' '"activeDeadlineSeconds":1' | k create -f - >/dev/null
check "activeDeadlineSeconds: Failed" poll 20 phase_is deadline Failed
expect_eq "with reason DeadlineExceeded" "$(jp pod deadline '{.status.reason}')" "DeadlineExceeded"

# The kubelet's admission: requests beyond the node's capacity (8 CPUs) are refused.
cat <<EOF | k create -f - >/dev/null
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"huge"},"spec":{"nodeName":"hollow-node-2",
 "containers":[{"name":"c","image":"nginx","resources":{"requests":{"cpu":"9"}}}]}}
EOF
check "a pod that does not fit is refused" poll 20 phase_is huge Failed
expect_eq "with OutOfcpu and the kubelet's message" "$(jp pod huge '{.status.reason}: {.status.message}')" \
    "OutOfcpu: Pod was rejected: Node didn't have enough resource: cpu, requested: 9000, used: 100, capacity: 8000"

# Readiness gates: Ready waits for the gate's condition.
pod_yaml gated hollow-node-0 Always '{}' '"readinessGates":[{"conditionType":"example.com/lb"}]' |
    k create -f - >/dev/null
check "a gated pod runs" poll 20 phase_is gated Running
expect_eq "not Ready while its gate's condition is missing" \
    "$(jp pod gated '{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].reason}')" \
    "False ReadinessGatesNotReady"
k patch pod gated --subresource=status -p '{"status":{"conditions":[{"type":"example.com/lb","status":"True"}]}}' >/dev/null
gate_ready() { [ "$(jp pod gated '{.status.conditions[?(@.type=="Ready")].status}')" == True ]; }
check "Ready once the gate's condition is True" poll 10 gate_ready

# Deletion: kubectl delete completes; with a finalizer holding the pod, the hollow kubelet
# reports its containers terminated (and deletes it with grace 0, which the finalizer holds).
check "kubectl delete pod completes" k delete pod web2 --timeout=30s
check "and the pod is gone" poll 10 bash -c "! $KUBECTL --kubeconfig $KUBECONFIG get pod web2"
pod_yaml held hollow-node-1 Always | k create -f - >/dev/null
k patch pod held -p '{"metadata":{"finalizers":["example.com/hold"]}}' >/dev/null
check "a pod with a finalizer runs" poll 20 phase_is held Running
k delete pod held --wait=false >/dev/null
held_done() { [ -n "$(jp pod held '{.status.containerStatuses[0].state.terminated.finishedAt}')" ]; }
check "a deleted pod's containers are reported terminated" poll 20 held_done
expect_eq "and its phase terminal" "$(jp pod held '{.status.phase}')" "Succeeded"
k patch pod held -p '{"metadata":{"finalizers":null}}' >/dev/null
check "without the finalizer the pod goes" poll 10 bash -c "! $KUBECTL --kubeconfig $KUBECONFIG get pod held"

stop_hollow

# A restart adopts what runs: no new nodes, pods keep their IPs, new pods get others.
start_hollow --count 3 --cpu 8 --memory 64Gi --pods 20 --delete-nodes-on-exit
check "after a restart the 3 nodes are Ready again" poll 30 ready_nodes 3
sleep 1
expect_eq "the running pod kept its IP" "$(jp pod web '{.status.phase} {.status.podIP}')" "Running $ip"
pod_yaml web3 hollow-node-1 Always | k create -f - >/dev/null
check "a new pod after the restart runs" poll 20 phase_is web3 Running
ip3=$(jp pod web3 '{.status.podIP}')
[ "$ip3" != "$ip" ] && ok "and does not get the adopted pod's IP ($ip3)" ||
    fail "and does not get the adopted pod's IP ($ip3 = $ip)"
expect_no_match "no registration errors in the log" "$(cat "$HOLLOW_LOG")" '^E[0-9]{4} '
stop_hollow
expect_eq "--delete-nodes-on-exit deletes the nodes" "$(k get nodes --no-headers 2>/dev/null | wc -l)" 0
expect_eq "and their Leases" "$(k -n kube-node-lease get leases --no-headers 2>/dev/null | wc -l)" 0
k delete pods --all --wait=false >/dev/null 2>&1

# Scale: 500 nodes, timed (printed, not asserted).
t0=$(date +%s%N)
start_hollow --count 500 --name-prefix scale --stats-interval 2s --delete-nodes-on-exit
check "500 nodes register and become Ready" poll 120 ready_nodes 500
ms=$((($(date +%s%N) - t0) / 1000000))
line=$(grep -o 'registered 500 nodes in .*' "$HOLLOW_LOG")
echo "    500 nodes: $line; Ready in kubectl after ${ms} ms (ASan build)"
sleep 5
grep -o 'hollow-nodes: 500/500 .*' "$HOLLOW_LOG" | tail -1 | sed 's/^/    /'
stop_hollow
finish
