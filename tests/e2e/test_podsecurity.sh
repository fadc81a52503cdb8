#!/bin/bash
# Admission plugins on by default, with the real kubectl: PodSecurity enforce levels from
# namespace labels (restricted refuses a plain pod with upstream's message and accepts a
# compliant one; baseline refuses hostNetwork; privileged allows it), DefaultStorageClass
# filling a PVC's class, TaintNodesByCondition tainting new Nodes not-ready.
source "$(dirname "$0")/lib.sh"
start_server || { finish; exit 1; }

k create namespace strict >/dev/null
k label namespace strict pod-security.kubernetes.io/enforce=restricted >/dev/null
out=$(k -n strict run p --image=nginx --restart=Never 2>&1)
expect_eq "restricted refuses a plain pod" "$out" 'Error from server (Forbidden): pods "p" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "p" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "p" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "p" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "p" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'

cat >"$WORK/ok.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: ok, namespace: strict}
spec:
  securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: c
    image: nginx
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
    volumeMounts: [{name: tmp, mountPath: /tmp}]
  volumes: [{name: tmp, emptyDir: {}}]
YAML
check "restricted accepts a compliant pod" k apply -f "$WORK/ok.yaml"

k create namespace base >/dev/null
k label namespace base pod-security.kubernetes.io/enforce=baseline pod-security.kubernetes.io/enforce-version=v1.30 >/dev/null
hostnet() { # ns
    printf '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"h","namespace":"%s"},"spec":{"hostNetwork":true,"containers":[{"name":"c","image":"nginx"}]}}' "$1"
}
out=$(hostnet base | k apply -f - 2>&1)
expect_eq "baseline refuses hostNetwork" "$out" 'Error from server (Forbidden): error when creating "STDIN": pods "h" is forbidden: violates PodSecurity "baseline:v1.30": host namespaces (hostNetwork)'
out=$(k -n base run plain --image=nginx --restart=Never 2>&1)
expect_match "baseline allows a plain pod" "$out" 'pod/plain created'

k create namespace open >/dev/null
k label namespace open pod-security.kubernetes.io/enforce=privileged >/dev/null
out=$(hostnet open | k apply -f - 2>&1)
expect_match "privileged allows hostNetwork" "$out" 'pod/h created'
out=$(hostnet default | k apply -f - 2>&1)
expect_match "unlabelled namespace is privileged" "$out" 'pod/h created'
k create namespace bad >/dev/null
k label namespace bad pod-security.kubernetes.io/enforce=bogus >/dev/null
out=$(hostnet bad | k apply -f - 2>&1)
expect_match "invalid level fails closed" "$out" 'violates PodSecurity "restricted:latest": host namespaces \(hostNetwork\), allowPrivilegeEscalation'

# DefaultStorageClass: the newest default class wins; an explicit class is kept.
sc() { # name default
    printf '{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"%s","annotations":{"storageclass.kubernetes.io/is-default-class":"%s"}},"provisioner":"x"}' "$1" "$2"
}
pvc() { # name [class]
    local cls=""
    [ -n "${2:-}" ] && cls=",\"storageClassName\":\"$2\""
    printf '{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"%s"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}%s}}' "$1" "$cls"
}
pvc none | k apply -f - >/dev/null
expect_eq "no default class: none set" "$(k get pvc none -o jsonpath='{.spec.storageClassName}')" ""
sc old true | k apply -f - >/dev/null
sc other false | k apply -f - >/dev/null
sleep 1.1
sc newer true | k apply -f - >/dev/null
pvc claim | k apply -f - >/dev/null
expect_eq "PVC gets the newest default class" "$(k get pvc claim -o jsonpath='{.spec.storageClassName}')" "newer"
pvc mine other | k apply -f - >/dev/null
expect_eq "explicit class kept" "$(k get pvc mine -o jsonpath='{.spec.storageClassName}')" "other"

# TaintNodesByCondition
printf '{"apiVersion":"v1","kind":"Node","metadata":{"name":"n9"}}' | k apply -f - >/dev/null
expect_eq "new node gets the not-ready taint" "$(k get node n9 -o jsonpath='{range .spec.taints[*]}{.key}:{.effect};{end}')" "node.kubernetes.io/not-ready:NoSchedule;"
printf '{"apiVersion":"v1","kind":"Node","metadata":{"name":"n8"},"spec":{"taints":[{"key":"a","effect":"NoExecute"}]}}' | k apply -f - >/dev/null
expect_eq "taint appended to existing ones" "$(k get node n8 -o jsonpath='{range .spec.taints[*]}{.key}:{.effect};{end}')" "a:NoExecute;node.kubernetes.io/not-ready:NoSchedule;"

finish
