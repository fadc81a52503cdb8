#!/bin/bash
# The admission plugins that shape every new pod, with the real kubectl: ServiceAccount
# (default account, the kube-api-access projected volume and its mounts,
# automountServiceAccountToken on the account or the pod, a missing account refused with
# upstream's message, image pull secrets, mountable secrets, mirror pods),
# DefaultTolerationSeconds and Priority (classes, the global default, system classes,
# upstream's errors), and each plugin switched off with --disable-admission-plugins.
source "$(dirname "$0")/lib.sh"
start_server || { finish; exit 1; }

SA_PATH=/var/run/secrets/kubernetes.io/serviceaccount
jp() { k get pod "$1" -o "jsonpath=$2" 2>&1; }
run() { # name [overrides json]
    k run "$1" --image=nginx --restart=Never ${2:+--overrides="$2"} 2>&1
}
check "serviceaccount default exists" sh -c 'for i in $(seq 50); do '"$KUBECTL"' get sa default >/dev/null 2>&1 && exit 0; sleep 0.1; done; exit 1'

# ---- ServiceAccount: the default account and the token volume ----
expect_match "kubectl run" "$(run web)" '^pod/web created$'
expect_eq "serviceAccountName defaulted" "$(jp web '{.spec.serviceAccountName} {.spec.serviceAccount}')" "default default"
vol=$(jp web '{.spec.volumes[0].name}')
expect_match "kube-api-access volume with a generated suffix" "$vol" '^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$'
expect_eq "projected volume" "$(k get pod web -o json | jq -c '.spec.volumes[0].projected')" \
    '{"defaultMode":420,"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"items":[{"key":"ca.crt","path":"ca.crt"}],"name":"kube-root-ca.crt"}},{"downwardAPI":{"items":[{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"},"path":"namespace"}]}}]}'
expect_eq "container mount" "$(jp web '{.spec.containers[0].volumeMounts[0].name} {.spec.containers[0].volumeMounts[0].readOnly} {.spec.containers[0].volumeMounts[0].mountPath}')" \
    "$vol true $SA_PATH"

cat >"$WORK/multi.json" <<JSON
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"multi"},"spec":{
 "initContainers":[{"name":"init","image":"busybox"}],
 "containers":[{"name":"a","image":"nginx"},
  {"name":"b","image":"nginx","volumeMounts":[{"name":"own","mountPath":"$SA_PATH"}]}],
 "volumes":[{"name":"own","emptyDir":{}}]}}
JSON
check "create pod with init container and its own mount" k create -f "$WORK/multi.json"
vol=$(jp multi '{.spec.volumes[1].name}')
expect_match "one token volume added" "$(jp multi '{.spec.volumes[*].name}')" '^own kube-api-access-[a-z0-9]{5}$'
expect_eq "init container mounts it" "$(jp multi '{.spec.initContainers[0].volumeMounts[0].name}')" "$vol"
expect_eq "container a mounts it" "$(jp multi '{.spec.containers[0].volumeMounts[0].name}')" "$vol"
expect_eq "container b keeps its own mount only" "$(jp multi '{.spec.containers[1].volumeMounts[*].name}')" "own"

# ---- automountServiceAccountToken ----
check "create serviceaccount quiet" k create serviceaccount quiet
check "quiet: automountServiceAccountToken false" k patch serviceaccount quiet -p '{"automountServiceAccountToken":false}'
expect_match "run with quiet" "$(run q1 '{"spec":{"serviceAccountName":"quiet"}}')" 'pod/q1 created'
expect_eq "account off: no volume, no mount" "$(jp q1 '{.spec.serviceAccountName}|{.spec.volumes}|{.spec.containers[0].volumeMounts}')" "quiet||"
expect_match "run with quiet, pod says true" "$(run q2 '{"spec":{"serviceAccountName":"quiet","automountServiceAccountToken":true}}')" 'pod/q2 created'
expect_match "the pod's setting wins" "$(jp q2 '{.spec.volumes[0].name}')" '^kube-api-access-'
expect_match "run with automount false" "$(run q3 '{"spec":{"automountServiceAccountToken":false}}')" 'pod/q3 created'
expect_eq "pod off: no volume" "$(jp q3 '{.spec.serviceAccountName}|{.spec.volumes}')" "default|"

# ---- a missing account ----
out=$(run ghosted '{"spec":{"serviceAccountName":"ghost"}}')
expect_eq "missing service account refused" "$out" \
    'Error from server (Forbidden): pods "ghosted" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found'
check "refused pod not stored" bash -c "! '$KUBECTL' --kubeconfig '$KUBECONFIG' get pod ghosted"

# ---- image pull secrets and mountable secrets ----
check "create serviceaccount puller" k create serviceaccount puller
check "puller: imagePullSecrets" k patch serviceaccount puller -p '{"imagePullSecrets":[{"name":"registry"}]}'
run pulled '{"spec":{"serviceAccountName":"puller"}}' >/dev/null
expect_eq "imagePullSecrets copied from the account" "$(jp pulled '{.spec.imagePullSecrets[*].name}')" "registry"
check "create serviceaccount strict" k create serviceaccount strict
check "strict: enforce mountable secrets" k annotate serviceaccount strict kubernetes.io/enforce-mountable-secrets=true
out=$(run leaky '{"spec":{"serviceAccountName":"strict","volumes":[{"name":"s","secret":{"secretName":"other"}}]}}')
expect_eq "unlisted secret refused" "$out" \
    'Error from server (Forbidden): pods "leaky" is forbidden: volume with secret.secretName="other" is not allowed because service account strict does not reference that secret'

# ---- mirror pods ----
mirror() { # name [extra spec json]
    printf '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","annotations":{"kubernetes.io/config.mirror":"x"}},"spec":{"containers":[{"name":"c","image":"nginx"}]%s}}' "$1" "${2:+,$2}"
}
mirror mirror1 | k create -f - >/dev/null 2>&1
expect_eq "mirror pod: no account, no volume" "$(jp mirror1 '{.spec.serviceAccountName}|{.spec.volumes}')" "|"
out=$(mirror mirror2 '"serviceAccountName":"default"' | k create -f - 2>&1)
expect_eq "mirror pod naming an account refused" "$out" \
    'Error from server (Forbidden): error when creating "STDIN": pods "mirror2" is forbidden: a mirror pod may not reference service accounts'

# ---- DefaultTolerationSeconds ----
TOLS='{range .spec.tolerations[*]}{.key}:{.operator}:{.effect}:{.tolerationSeconds} {end}'
expect_eq "default tolerations" "$(jp web "$TOLS")" \
    "node.kubernetes.io/not-ready:Exists:NoExecute:300 node.kubernetes.io/unreachable:Exists:NoExecute:300 "
run tolerant '{"spec":{"tolerations":[{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":60}]}}' >/dev/null
expect_eq "an own toleration is kept, the other added" "$(jp tolerant "$TOLS")" \
    "node.kubernetes.io/unreachable:Exists:NoExecute:60 node.kubernetes.io/not-ready:Exists:NoExecute:300 "

# ---- Priority ----
expect_eq "no class: priority 0" "$(jp web '{.spec.priorityClassName}|{.spec.priority}|{.spec.preemptionPolicy}')" "|0|PreemptLowerPriority"
k create -f - >/dev/null <<'YAML'
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
preemptionPolicy: Never
YAML
run important '{"spec":{"priorityClassName":"high"}}' >/dev/null
expect_eq "class resolved" "$(jp important '{.spec.priority} {.spec.preemptionPolicy}')" "1000 Never"
out=$(run lost '{"spec":{"priorityClassName":"nope"}}')
expect_eq "unknown class refused" "$out" \
    'Error from server (Forbidden): pods "lost" is forbidden: no PriorityClass with name nope was found'
out=$(run liar '{"spec":{"priorityClassName":"high","priority":5}}')
expect_eq "priority mismatch refused" "$out" \
    'Error from server (Forbidden): pods "liar" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name'
out=$(k run critical -n kube-system --image=nginx --restart=Never --overrides='{"spec":{"priorityClassName":"system-node-critical"}}' 2>&1)
expect_eq "system-node-critical" "$(k -n kube-system get pod critical -o jsonpath='{.spec.priority}' 2>&1)" "2000001000"
check "create a global default class" k create priorityclass fallback --value=10 --global-default
run defaulted >/dev/null
expect_eq "global default applied" "$(jp defaulted '{.spec.priorityClassName} {.spec.priority}')" "fallback 10"
out=$(k create priorityclass second --value=20 --global-default 2>&1)
expect_eq "a second global default refused" "$out" \
    'error: failed to create priorityclass: priorityclasses.scheduling.k8s.io "second" is forbidden: PriorityClass fallback is already marked as default. Only one default can exist'

# ---- the plugins switched off ----
stop_server
start_server --disable-admission-plugins=ServiceAccount || { finish; exit 1; }
run nosa >/dev/null
expect_eq "ServiceAccount off: no account, no volume" "$(jp nosa '{.spec.serviceAccountName}|{.spec.volumes}|{.spec.containers[0].volumeMounts}')" "||"
expect_match "ServiceAccount off: a missing account is accepted" "$(run ghosted '{"spec":{"serviceAccountName":"ghost"}}')" 'pod/ghosted created'
expect_eq "ServiceAccount off: tolerations still set" "$(jp nosa "$TOLS")" \
    "node.kubernetes.io/not-ready:Exists:NoExecute:300 node.kubernetes.io/unreachable:Exists:NoExecute:300 "
stop_server
start_server --disable-admission-plugins=DefaultTolerationSeconds,Priority || { finish; exit 1; }
run bare >/dev/null
expect_eq "DefaultTolerationSeconds off: no tolerations" "$(jp bare '{.spec.tolerations}')" ""
expect_eq "Priority off: no priority" "$(jp bare '{.spec.priorityClassName}|{.spec.priority}|{.spec.preemptionPolicy}')" "||"
expect_match "Priority off: an unknown class is accepted" "$(run lost '{"spec":{"priorityClassName":"nope"}}')" 'pod/lost created'
expect_match "ServiceAccount still on" "$(jp bare '{.spec.serviceAccountName} {.spec.volumes[0].name}')" '^default kube-api-access-'
finish
