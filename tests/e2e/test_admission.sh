#!/bin/bash
# Admission plugins with the real kubectl: LimitRanger (defaults, annotation, max refused
# with upstream's message) and ResourceQuota (pods and configmaps counts, the
# exceeded-quota message, status.used kept by the reconciler, deletion frees quota).
source "$(dirname "$0")/lib.sh"
start_server || { finish; exit 1; }

pod() { # name [resources json]
    printf '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s"},"spec":{"containers":[{"name":"c","image":"busybox"%s}]}}' \
        "$1" "${2:+,\"resources\":$2}"
}
# wait_used NS QUOTA RESOURCE WANT: polls status.used for up to 5 seconds.
wait_used() {
    local got="" i
    for i in $(seq 1 50); do
        got=$(k -n "$1" get resourcequota "$2" -o "jsonpath={.status.used.$3}" 2>/dev/null)
        [ "$got" == "$4" ] && break
        sleep 0.1
    done
    expect_eq "quota $2 status.used.$3" "$got" "$4"
}

# ---- LimitRanger ----
check "create namespace lr" k create namespace lr
cat >"$WORK/lr.yaml" <<'YAML'
apiVersion: v1
kind: LimitRange
metadata: {name: limits, namespace: lr}
spec:
  limits:
  - type: Container
    max: {cpu: 500m}
    default: {cpu: 200m, memory: 128Mi}  # defaultRequest.memory defaults from it
    defaultRequest: {cpu: 100m}
YAML
check "create limitrange" k apply -f "$WORK/lr.yaml"
pod plain | k -n lr create -f - >/dev/null 2>&1
expect_eq "default limits applied" "$(k -n lr get pod plain -o 'jsonpath={.spec.containers[0].resources.limits.cpu} {.spec.containers[0].resources.limits.memory}')" "200m 128Mi"
expect_eq "default request applied" "$(k -n lr get pod plain -o 'jsonpath={.spec.containers[0].resources.requests.cpu} {.spec.containers[0].resources.requests.memory}')" "100m 128Mi"
expect_eq "limit-ranger annotation" \
    "$(k -n lr get pod plain -o 'jsonpath={.metadata.annotations.kubernetes\.io/limit-ranger}')" \
    "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c"
out=$(pod big '{"limits":{"cpu":"1"}}' | k -n lr create -f - 2>&1)
expect_match "over max refused" "$out" 'Error from server \(Forbidden\).*pods "big" is forbidden: maximum cpu usage per Container is 500m, but limit is 1$'
check "over max not stored" bash -c "! '$KUBECTL' --kubeconfig '$KUBECONFIG' -n lr get pod big"
out=$(pod both '{"limits":{"cpu":"2"},"requests":{"cpu":"600m"}}' | k -n lr create -f - 2>&1)
expect_match "single max message" "$out" 'maximum cpu usage per Container is 500m, but limit is 2$'

# ---- ResourceQuota: pods ----
check "create namespace rq" k create namespace rq
check "create quota" k -n rq create quota q1 --hard=pods=2
check "pod 1" bash -c "$(declare -f pod); pod p1 | '$KUBECTL' --kubeconfig '$KUBECONFIG' -n rq create -f -"
check "pod 2" bash -c "$(declare -f pod); pod p2 | '$KUBECTL' --kubeconfig '$KUBECONFIG' -n rq create -f -"
out=$(pod p3 | k -n rq create -f - 2>&1)
expect_match "third pod refused" "$out" 'pods "p3" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=2, limited: pods=2'
check "third pod not stored" bash -c "! '$KUBECTL' --kubeconfig '$KUBECONFIG' -n rq get pod p3"
wait_used rq q1 pods 2
expect_eq "quota status.hard" "$(k -n rq get quota q1 -o 'jsonpath={.status.hard.pods}')" "2"
check "delete pod 1" k -n rq delete pod p1 --wait=false
wait_used rq q1 pods 1
check "pod 3 after delete" bash -c "$(declare -f pod); pod p3 | '$KUBECTL' --kubeconfig '$KUBECONFIG' -n rq create -f -"

# ---- ResourceQuota: compute resources must be specified ----
check "create namespace cq" k create namespace cq
check "create cpu quota" k -n cq create quota cpu --hard=limits.cpu=1,requests.memory=1Gi
out=$(pod bare | k -n cq create -f - 2>&1)
expect_match "must specify" "$out" 'pods "bare" is forbidden: failed quota: cpu: must specify limits.cpu for: c; requests.memory for: c'
check "pod within compute quota" bash -c "$(declare -f pod); pod fits '{\"limits\":{\"cpu\":\"600m\",\"memory\":\"512Mi\"}}' | '$KUBECTL' --kubeconfig '$KUBECONFIG' -n cq create -f -"
out=$(pod more '{"limits":{"cpu":"600m","memory":"512Mi"}}' | k -n cq create -f - 2>&1)
expect_match "compute quota exceeded" "$out" 'exceeded quota: cpu, requested: limits.cpu=600m, used: limits.cpu=600m, limited: limits.cpu=1'
wait_used cq cpu 'requests\.memory' 512Mi

# ---- ResourceQuota: configmaps ----
check "create namespace cm" k create namespace cm
# kube-root-ca.crt already counts as one configmap.
check "create configmaps quota" k -n cm create quota cmq --hard=configmaps=2,count/secrets=1
check "configmap 1" k -n cm create configmap a
out=$(k -n cm create configmap b 2>&1)
expect_match "configmap over quota" "$out" 'configmaps "b" is forbidden: exceeded quota: cmq, requested: configmaps=1, used: configmaps=2, limited: configmaps=2'
check "secret 1" k -n cm create secret generic s1
out=$(k -n cm create secret generic s2 2>&1)
expect_match "count/secrets over quota" "$out" 'exceeded quota: cmq, requested: count/secrets=1, used: count/secrets=1, limited: count/secrets=1'
wait_used cm cmq configmaps 2
check "delete configmap" k -n cm delete configmap a
check "configmap after delete" k -n cm create configmap b

finish
