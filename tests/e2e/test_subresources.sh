#!/bin/bash
# POST subresources with the real kubectl: pods/binding (and the legacy bindings
# collection), pods/eviction against PodDisruptionBudgets, `kubectl drain`, and
# serviceaccounts/token (`kubectl create token`), whose JWT is decoded and verified with
# openssl against DATA/pki/sa.pub.
source "$(dirname "$0")/lib.sh"
start_server || { finish; exit 1; }

# raw POST with the admin client certificate: prints the body, then the HTTP code.
post() { # path file [content-type]
    curl -sk --cert "$DATA/pki/admin.crt" --key "$DATA/pki/admin.key" -X POST \
        -H "Content-Type: ${3:-application/json}" --data-binary @"$2" -w '\n%{http_code}' \
        "https://127.0.0.1:$PORT$1"
}
# base64url (unpadded) to bytes
b64url_d() {
    local s
    s=$(printf '%s' "$1" | tr '_-' '/+')
    while [ $((${#s} % 4)) -ne 0 ]; do s="$s="; done
    printf '%s' "$s" | base64 -d
}
binding() { # pod node [extra metadata json]
    printf '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"%s"%s},"target":{"apiVersion":"v1","kind":"Node","name":"%s"}}' \
        "$1" "${3:+,$3}" "$2" >"$WORK/binding.json"
}
eviction() { # pod [deleteOptions json]
    printf '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"%s","namespace":"default"}%s}' \
        "$1" "${2:+,\"deleteOptions\":$2}" >"$WORK/eviction.json"
}

# ---- the signing key and discovery ----
expect_eq "sa.key is private, sa.pub public" "$(stat -c %a "$DATA/pki/sa.key") $(stat -c %a "$DATA/pki/sa.pub")" "600 644"
check "sa.pub is an RSA public key" openssl pkey -pubin -in "$DATA/pki/sa.pub" -noout
out=$(k get --raw /api/v1 | jq -c '[.resources[] | select(.name == "bindings" or .name == "pods/binding" or .name == "pods/eviction" or .name == "serviceaccounts/token") | [.name, .group // "", .version // "", .kind, .verbs]]')
expect_eq "discovery lists the subresources" "$out" \
    '[["bindings","","","Binding",["create"]],["pods/binding","","","Binding",["create"]],["pods/eviction","policy","v1","Eviction",["create"]],["serviceaccounts/token","authentication.k8s.io","v1","TokenRequest",["create"]]]'
out=$(k api-resources --api-group='' -o name 2>&1 | grep -c '^bindings$')
expect_eq "api-resources shows bindings" "$out" "1"

# ---- binding ----
printf '{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}' >"$WORK/node.json"
check "create node n1" k create -f "$WORK/node.json"
check "create pod p" k run p --image=nginx --restart=Never
binding p n1 '"annotations":{"scheduler.example/reason":"manual"}'
out=$(k create --raw /api/v1/namespaces/default/pods/p/binding -f "$WORK/binding.json" 2>&1)
expect_eq "binding answers a Status Success" "$(printf '%s' "$out" | jq -c '[.kind, .status, .code]')" '["Status","Success",201]'
expect_eq "binding set spec.nodeName" "$(k get pod p -o jsonpath='{.spec.nodeName}')" "n1"
expect_eq "binding merged the annotations" "$(k get pod p -o jsonpath='{.metadata.annotations.scheduler\.example/reason}')" "manual"
expect_eq "binding set PodScheduled=True" \
    "$(k get pod p -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].status}')" "True"
out=$(k create --raw /api/v1/namespaces/default/pods/p/binding -f "$WORK/binding.json" 2>&1)
expect_match "binding twice is a conflict" "$out" \
    'Error from server \(Conflict\): Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "n1"'
binding ghost n1
out=$(k create --raw /api/v1/namespaces/default/pods/ghost/binding -f "$WORK/binding.json" 2>&1)
expect_match "binding a missing pod is NotFound" "$out" 'pods "ghost" not found'
out=$(k create --raw /api/v1/namespaces/default/pods/p/binding -f "$WORK/binding.json" 2>&1)
expect_match "binding name must match the URL" "$out" 'name in URL does not match name in Binding object'
check "create pod q" k run q --image=nginx --restart=Never
binding q n1 '"uid":"not-the-uid"'
out=$(k create --raw /api/v1/namespaces/default/pods/q/binding -f "$WORK/binding.json" 2>&1)
expect_match "binding honours a UID precondition" "$out" 'Precondition failed: UID in precondition: not-the-uid'
binding q n1
out=$(k create --raw /api/v1/namespaces/default/bindings -f "$WORK/binding.json" 2>&1)
expect_match "legacy bindings collection" "$out" '"status":"Success"'
expect_eq "legacy binding set spec.nodeName" "$(k get pod q -o jsonpath='{.spec.nodeName}')" "n1"
printf '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"q"},"target":{"kind":"Pod"}}' >"$WORK/bad.json"
out=$(post /api/v1/namespaces/default/pods/q/binding "$WORK/bad.json")
expect_eq "binding validation (upstream's unwrapped 500)" "$(printf '%s' "$out" | head -1 | jq -r .message) $(printf '%s' "$out" | tail -1)" \
    '[target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>", target.name: Required value] 500'

# ---- eviction ----
check "create pod web-1" k run web-1 --image=nginx --restart=Never --labels=app=web
check "mark web-1 running and ready" k patch pod web-1 --subresource=status --type=merge \
    -p '{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}'
check "create pdb" k create pdb web --selector=app=web --min-available=1
check "pdb status allows no disruption" k patch pdb web --subresource=status --type=merge \
    -p '{"status":{"observedGeneration":1,"disruptionsAllowed":0,"currentHealthy":1,"desiredHealthy":1,"expectedPods":1}}'
eviction web-1
out=$(k create --raw /api/v1/namespaces/default/pods/web-1/eviction -f "$WORK/eviction.json" 2>&1)
expect_match "eviction blocked by the budget" "$out" \
    "Error from server \\(TooManyRequests\\): Cannot evict pod as it would violate the pod's disruption budget\\."
out=$(post /api/v1/namespaces/default/pods/web-1/eviction "$WORK/eviction.json")
expect_eq "429 with the DisruptionBudget cause" \
    "$(printf '%s' "$out" | head -1 | jq -c '[.reason, .details.causes[0].reason, .details.causes[0].message]') $(printf '%s' "$out" | tail -1)" \
    '["TooManyRequests","DisruptionBudget","The disruption budget web needs 1 healthy pods and has 1 currently"] 429'
expect_eq "blocked pod stays" "$(k get pod web-1 -o name 2>&1)" "pod/web-1"

check "pdb status allows one disruption" k patch pdb web --subresource=status --type=merge -p '{"status":{"disruptionsAllowed":1}}'
out=$(post '/api/v1/namespaces/default/pods/web-1/eviction?dryRun=All' "$WORK/eviction.json")
expect_eq "dry-run eviction succeeds" "$(printf '%s' "$out" | tail -1)" "201"
expect_eq "dry run kept the pod and the budget" \
    "$(k get pod web-1 -o name) $(k get pdb web -o jsonpath='{.status.disruptionsAllowed}')" "pod/web-1 1"
eviction web-1 '{"gracePeriodSeconds":0}'
out=$(k create --raw /api/v1/namespaces/default/pods/web-1/eviction -f "$WORK/eviction.json" 2>&1)
expect_eq "eviction allowed by the budget" "$(printf '%s' "$out" | jq -c '[.status, .code]')" '["Success",201]'
out=$(k get pod web-1 2>&1)
expect_match "evicted pod is gone" "$out" 'pods "web-1" not found'
expect_eq "budget decremented, pod recorded as disrupted" \
    "$(k get pdb web -o jsonpath='{.status.disruptionsAllowed} {.status.disruptedPods.web-1}' | sed 's/ .*T.*Z$/ set/')" "0 set"
expect_eq "DisruptionAllowed condition" \
    "$(k get pdb web -o jsonpath='{.status.conditions[?(@.type=="DisruptionAllowed")].reason}')" "InsufficientPods"

check "create pending pod web-2" k run web-2 --image=nginx --restart=Never --labels=app=web
eviction web-2 '{"preconditions":{"uid":"other"}}'
out=$(k create --raw /api/v1/namespaces/default/pods/web-2/eviction -f "$WORK/eviction.json" 2>&1)
expect_match "eviction honours DeleteOptions preconditions" "$out" 'Conflict.*the UID in the precondition \(other\) does not match'
eviction web-2
out=$(k create --raw /api/v1/namespaces/default/pods/web-2/eviction -f "$WORK/eviction.json" 2>&1)
expect_match "a pending pod is evicted without the budget" "$out" '"status":"Success"'
expect_match "pending pod is gone" "$(k get pod web-2 2>&1)" 'not found'
eviction ghost
out=$(k create --raw /api/v1/namespaces/default/pods/ghost/eviction -f "$WORK/eviction.json" 2>&1)
expect_match "evicting a missing pod is NotFound" "$out" 'pods "ghost" not found'

# ---- kubectl drain ----
printf '{"apiVersion":"v1","kind":"Node","metadata":{"name":"n2"}}' >"$WORK/node2.json"
check "create node n2" k create -f "$WORK/node2.json"
check "create pod d1 on n2" k run d1 --image=nginx --restart=Never --overrides='{"spec":{"nodeName":"n2"}}'
check "create pod d2 on n2" k run d2 --image=nginx --restart=Never --overrides='{"spec":{"nodeName":"n2"}}'
out=$(k drain n2 --force --ignore-daemonsets --timeout=60s 2>&1)
expect_match "drain evicts the node's pods" "$out" 'node/n2 drained'
expect_match "drain used the eviction API" "$out" 'pod/d1 evicted'
expect_eq "drained node has no pods" "$(k get pods --field-selector spec.nodeName=n2 -o name 2>&1)" ""
expect_eq "drained node is cordoned" "$(k get node n2 -o jsonpath='{.spec.unschedulable}')" "true"
expect_eq "other nodes' pods stay" "$(k get pod p -o name)" "pod/p"

# ---- token ----
tok=$(k create token default 2>&1)
expect_match "create token prints a JWT" "$tok" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
IFS=. read -r h64 p64 s64 <<<"$tok"
hdr=$(b64url_d "$h64")
claims=$(b64url_d "$p64")
sa_uid=$(k get sa default -o jsonpath='{.metadata.uid}')
kid=$(openssl pkey -pubin -in "$DATA/pki/sa.pub" -outform DER | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')
expect_eq "token header" "$(printf '%s' "$hdr" | jq -c .)" "{\"alg\":\"RS256\",\"kid\":\"$kid\"}"
expect_eq "token claims" \
    "$(printf '%s' "$claims" | jq -c '[.iss, .sub, .aud, .exp - .iat, .nbf == .iat, (.jti | length), .["kubernetes.io"]]')" \
    "[\"https://kubernetes.default.svc.cluster.local\",\"system:serviceaccount:default:default\",[\"https://kubernetes.default.svc.cluster.local\"],3600,true,36,{\"namespace\":\"default\",\"serviceaccount\":{\"name\":\"default\",\"uid\":\"$sa_uid\"}}]"
now=$(date +%s)
exp=$(printf '%s' "$claims" | jq .exp)
expect_eq "token expires in an hour" "$(((exp - now) > 3500 && (exp - now) <= 3600))" "1"
printf '%s' "$h64.$p64" >"$WORK/signed.txt"
b64url_d "$s64" >"$WORK/sig.bin"
check "signature verifies against sa.pub" openssl dgst -sha256 -verify "$DATA/pki/sa.pub" -signature "$WORK/sig.bin" "$WORK/signed.txt"
printf '%s' "$h64.${p64}x" >"$WORK/signed.txt"
out=$(openssl dgst -sha256 -verify "$DATA/pki/sa.pub" -signature "$WORK/sig.bin" "$WORK/signed.txt" 2>&1)
expect_match "a changed token does not verify" "$out" 'Verification failure'

tok=$(k create token default --duration=2h --audience=vault --audience=other 2>&1)
claims=$(b64url_d "$(printf '%s' "$tok" | cut -d. -f2)")
expect_eq "duration and audiences" "$(printf '%s' "$claims" | jq -c '[.aud, .exp - .iat]')" '[["vault","other"],7200]'
tok=$(k create token default --bound-object-kind=Pod --bound-object-name=p 2>&1)
claims=$(b64url_d "$(printf '%s' "$tok" | cut -d. -f2)")
pod_uid=$(k get pod p -o jsonpath='{.metadata.uid}')
node_uid=$(k get node n1 -o jsonpath='{.metadata.uid}')
expect_eq "pod-bound token names the pod and its node" \
    "$(printf '%s' "$claims" | jq -c '.["kubernetes.io"] | [.pod, .node]')" \
    "[{\"name\":\"p\",\"uid\":\"$pod_uid\"},{\"name\":\"n1\",\"uid\":\"$node_uid\"}]"
out=$(k create token default --duration=1m 2>&1)
expect_match "too short a duration is invalid" "$out" \
    'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes'
out=$(k create token nobody 2>&1)
expect_match "token for a missing service account" "$out" 'serviceaccounts "nobody" not found'
out=$(k create token default --bound-object-kind=Secret --bound-object-name=nope 2>&1)
expect_match "token bound to a missing secret" "$out" 'secrets "nope" not found'
printf '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{}}' >"$WORK/tr.json"
out=$(post /api/v1/namespaces/default/serviceaccounts/default/token "$WORK/tr.json")
expect_eq "TokenRequest response" \
    "$(printf '%s' "$out" | head -1 | jq -c '[.kind, .metadata.name, .metadata.uid == "'"$sa_uid"'", .spec.audiences, .spec.expirationSeconds, (.status.token | split(".") | length), (.status.expirationTimestamp | test("Z$"))]') $(printf '%s' "$out" | tail -1)" \
    '["TokenRequest","default",true,["https://kubernetes.default.svc.cluster.local"],3600,3,true] 201'

finish
