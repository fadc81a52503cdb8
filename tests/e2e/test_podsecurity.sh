#!/bin/bash
# Admission plugins on by default, with the real kubectl: PodSecurity from namespace labels
# (enforce: restricted refuses a plain pod with upstream's message and accepts a compliant
# one, baseline refuses hostNetwork, privileged allows it; warn: a Warning line and the
# object is still created, for pods and for workload templates, which are never enforced;
# audit: the pod-security.kubernetes.io annotations in the audit log; namespaces: invalid
# labels refused, a stricter enforce level warns about existing pods, also in dry-run),
# DefaultStorageClass filling a PVC's class, TaintNodesByCondition tainting new Nodes
# not-ready.
source "$(dirname "$0")/lib.sh"
cat >"$WORK/policy.yaml" <<'YAML'
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: Metadata
  omitStages: [RequestReceived]
YAML
start_server --audit-log-path="$WORK/audit.log" --audit-policy-file="$WORK/policy.yaml" ||
    { finish; exit 1; }

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
# Invalid policy labels are refused, on update and on create.
out=$(k label --overwrite namespace base pod-security.kubernetes.io/enforce=bogus 2>&1)
expect_eq "invalid enforce label refused" "$out" 'The Namespace "base" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "bogus": must be one of privileged, baseline, restricted'
out=$(printf '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bad","labels":{"pod-security.kubernetes.io/warn":"x","pod-security.kubernetes.io/audit-version":"v1.01"}}}' | k create -f - 2>&1)
want=$(printf '%s\n%s\n%s' 'The Namespace "bad" is invalid: ' \
    '* metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: "v1.01": must be "latest" or "v1.x"' \
    '* metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "x": must be one of privileged, baseline, restricted')
expect_eq "namespace with invalid labels refused (each label named)" "$out" "$want"

# warn: the pod is created and kubectl prints upstream's warning.
restricted_detail() { # container
    printf 'allowPrivilegeEscalation != false (container "%s" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "%s" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "%s" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "%s" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")' "$1" "$1" "$1" "$1"
}
k create namespace w >/dev/null
k label namespace w pod-security.kubernetes.io/warn=restricted >/dev/null
out=$(k -n w run p --image=nginx --restart=Never 2>&1)
expect_eq "warn: kubectl run prints the warning, pod created" "$out" "Warning: would violate PodSecurity \"restricted:latest\": $(restricted_detail p)
pod/p created"
out=$(k -n w label pod p tier=web 2>&1)
expect_eq "warn: a label change is not evaluated again" "$out" "pod/p labeled"
out=$(k -n w set image pod/p p=nginx:1.27 2>&1)
expect_eq "warn: an image change is" "$out" "Warning: would violate PodSecurity \"restricted:latest\": $(restricted_detail p)
pod/p image updated"
k create namespace w2 >/dev/null
k label namespace w2 pod-security.kubernetes.io/warn=baseline pod-security.kubernetes.io/warn-version=v1.30 >/dev/null
out=$(hostnet w2 | k apply -f - 2>&1)
expect_eq "warn: kubectl apply prints the warning with the version" "$out" 'Warning: would violate PodSecurity "baseline:v1.30": host namespaces (hostNetwork)
pod/h created'
expect_eq "warn: the pod exists" "$(k -n w2 get pod h -o name)" "pod/h"

# Workload resources: pod templates get warn and audit, never enforce.
out=$(k -n strict create deployment d --image=nginx 2>&1)
expect_eq "enforce only: a Deployment is neither refused nor warned about" "$out" "deployment.apps/d created"
k label namespace strict pod-security.kubernetes.io/warn=restricted >/dev/null
out=$(k -n strict create deployment d2 --image=nginx 2>&1)
expect_eq "enforce+warn restricted: Deployment created with a warning" "$out" "Warning: would violate PodSecurity \"restricted:latest\": $(restricted_detail nginx)
deployment.apps/d2 created"
out=$(k -n strict scale deployment d2 --replicas=3 2>&1)
expect_eq "scale is not evaluated" "$out" "deployment.apps/d2 scaled"
out=$(k -n w create cronjob cj --image=busybox --schedule='*/5 * * * *' 2>&1)
expect_eq "CronJob: the job's pod template is evaluated" "$out" "Warning: would violate PodSecurity \"restricted:latest\": $(restricted_detail cj)
cronjob.batch/cj created"
out=$(k -n w2 create job j --image=busybox 2>&1)
expect_eq "Job allowed by the warn level: no warning" "$out" "job.batch/j created"

# audit: annotations on the request's audit event.
k create namespace aud >/dev/null
k label namespace aud pod-security.kubernetes.io/audit=baseline >/dev/null
hostnet aud | k apply -f - >/dev/null
printf '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"hd","namespace":"aud"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"hostNetwork":true,"containers":[{"name":"c","image":"nginx"}]}}}}' |
    k apply -f - >/dev/null
psa_annotations() { # verb resource namespace name: the event's pod-security.kubernetes.io annotations
    local got=""
    for _ in $(seq 1 50); do
        got=$(jq -c --arg v "$1" --arg r "$2" --arg ns "$3" --arg n "$4" 'select(.verb == $v and
            .objectRef.resource == $r and .objectRef.namespace == $ns and .objectRef.name == $n)
            | .annotations // {} | with_entries(select(.key | startswith("pod-security")))' \
            "$WORK/audit.log" 2>/dev/null)
        [ -n "$got" ] && break
        sleep 0.1
    done
    printf '%s' "$got"
}
expect_eq "audit: pod violations and enforced policy" "$(psa_annotations create pods aud h)" \
    '{"pod-security.kubernetes.io/enforce-policy":"privileged:latest","pod-security.kubernetes.io/audit-violations":"would violate PodSecurity \"baseline:latest\": host namespaces (hostNetwork)"}'
expect_eq "audit: Deployment violations, no enforced policy" \
    "$(psa_annotations create deployments aud hd)" \
    '{"pod-security.kubernetes.io/audit-violations":"would violate PodSecurity \"baseline:latest\": host namespaces (hostNetwork)"}'
expect_eq "audit: a refused pod records the enforced policy" \
    "$(psa_annotations create pods strict p)" '{"pod-security.kubernetes.io/enforce-policy":"restricted:latest"}'

# A stricter enforce level warns about the namespace's existing pods, also in dry-run.
k create namespace e >/dev/null
k -n e run p1 --image=nginx --restart=Never >/dev/null
k -n e run p2 --image=nginx --restart=Never >/dev/null
hostnet e | k apply -f - >/dev/null
out=$(k label --dry-run=server namespace e pod-security.kubernetes.io/enforce=baseline 2>&1)
expect_eq "dry-run label: warnings about existing pods" "$out" 'Warning: existing pods in namespace "e" violate the new PodSecurity enforce level "baseline:latest"
Warning: h: host namespaces
namespace/e labeled (server dry run)'
expect_eq "dry-run label: not stored" \
    "$(k get namespace e -o jsonpath='{.metadata.labels.pod-security\.kubernetes\.io/enforce}')" ""
out=$(k label namespace e pod-security.kubernetes.io/enforce=restricted 2>&1)
expect_eq "restricted: pods with the same violations counted" "$out" 'Warning: existing pods in namespace "e" violate the new PodSecurity enforce level "restricted:latest"
Warning: h: host namespaces, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile
Warning: p1 (and 1 other pod): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile
namespace/e labeled'
out=$(k label --overwrite namespace e pod-security.kubernetes.io/enforce=baseline 2>&1)
expect_eq "relaxing the level: no warnings" "$out" "namespace/e labeled"
out=$(k label namespace e pod-security.kubernetes.io/enforce-version=v1.30 2>&1)
expect_eq "another version: checked again" "$out" 'Warning: existing pods in namespace "e" violate the new PodSecurity enforce level "baseline:v1.30"
Warning: h: host namespaces
namespace/e labeled'
out=$(k label namespace e pod-security.kubernetes.io/warn=restricted 2>&1)
expect_eq "warn label change: pods not checked" "$out" "namespace/e labeled"

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


# A label made invalid while PodSecurity was off: enforce fails closed to restricted, and the
# audit event records the parse error.
stop_server
start_server --disable-admission-plugins=PodSecurity || { finish; exit 1; }
k create namespace bad >/dev/null
k label namespace bad pod-security.kubernetes.io/enforce=bogus >/dev/null
stop_server
start_server --audit-log-path="$WORK/audit.log" --audit-policy-file="$WORK/policy.yaml" ||
    { finish; exit 1; }
out=$(hostnet bad | k apply -f - 2>&1)
expect_match "invalid level fails closed" "$out" 'violates PodSecurity "restricted:latest": host namespaces \(hostNetwork\), allowPrivilegeEscalation'
expect_eq "audit: the label's parse error" \
    "$(psa_annotations create pods bad h | jq -r '.["pod-security.kubernetes.io/error"]')" \
    'Failed to parse policy: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "bogus": must be one of privileged, baseline, restricted'

finish
