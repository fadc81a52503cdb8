#!/bin/bash
# Admission webhooks end to end with the real kubectl and a loopback HTTPS webhook
# (tests/e2e/webhook_server.py, serving certificate from a CA made here with openssl):
# Mutating/ValidatingWebhookConfigurations with url + caBundle; JSONPatch mutation (and
# reinvocation); denials with upstream's messages and codes; the AdmissionReview v1 request
# the webhook receives (kinds, resources, operation, user, objects, options, dryRun, the
# ?timeout= query); warnings; namespace and object selectors; failurePolicy Fail/Ignore on
# an unreachable webhook, a timeout, a wrong uid and a non-JSON answer; server-side dry run;
# deleting the configurations; and that the API server keeps serving while a slow webhook
# call is in flight.
source "$(dirname "$0")/lib.sh"

WH=$WORK/webhook
WH_LOG=$WH/requests.log
WH_PID=""
stop_webhook() {
    [ -n "$WH_PID" ] || return 0
    kill -TERM "$WH_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$WH_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$WH_PID" 2>/dev/null
    wait "$WH_PID" 2>/dev/null
    WH_PID=""
}
# lib.sh's EXIT trap only knows the API server: stop the webhook first.
trap 'stop_webhook; cleanup_on_exit' EXIT

# ---- the webhook's CA and serving certificate (SAN IP:127.0.0.1) ----
mkdir -p "$WH"
cat >"$WH/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = ckube-e2e-webhook-ca
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
openssl req -x509 -config "$WH/openssl.cnf" -extensions ca -newkey rsa:2048 -nodes \
    -keyout "$WH/ca.key" -out "$WH/ca.crt" -days 2 -subj "/CN=ckube-e2e-webhook-ca" \
    >"$WH/openssl.log" 2>&1
openssl req -new -config "$WH/openssl.cnf" -newkey rsa:2048 -nodes -keyout "$WH/tls.key" \
    -out "$WH/tls.csr" -subj "/CN=127.0.0.1" >>"$WH/openssl.log" 2>&1
openssl x509 -req -in "$WH/tls.csr" -CA "$WH/ca.crt" -CAkey "$WH/ca.key" -set_serial 2 \
    -days 2 -extfile "$WH/openssl.cnf" -extensions leaf -out "$WH/tls.crt" \
    >>"$WH/openssl.log" 2>&1
check "webhook serving certificate verifies against its CA" \
    openssl verify -CAfile "$WH/ca.crt" "$WH/tls.crt"
CA_BUNDLE=$(base64 -w0 <"$WH/ca.crt")

# ---- the webhook server ----
python3 "$E2E_ROOT/tests/e2e/webhook_server.py" --cert "$WH/tls.crt" --key "$WH/tls.key" \
    --port-file "$WH/port" --log "$WH_LOG" 2>"$WH/server.err" &
WH_PID=$!
WH_PORT=""
for _ in $(seq 1 100); do
    if [ -s "$WH/port" ]; then
        WH_PORT=$(cat "$WH/port")
        curl -s --max-time 1 --cacert "$WH/ca.crt" "https://127.0.0.1:$WH_PORT/healthz" \
            2>/dev/null | grep -q ok && break
    fi
    kill -0 "$WH_PID" 2>/dev/null || break
    sleep 0.1
done
if ! curl -s --max-time 1 --cacert "$WH/ca.crt" "https://127.0.0.1:$WH_PORT/healthz" \
    2>/dev/null | grep -q ok; then
    fail "webhook server ready"; cat "$WH/server.err"; finish; exit 1
fi
ok "webhook server ready on port $WH_PORT"
WH_URL=https://127.0.0.1:$WH_PORT
: >"$WH_LOG"

start_server || { finish; exit 1; }
PKI=$DATA/pki
API=https://127.0.0.1:$PORT
admin() { curl -s --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$@"; }
# A port nobody listens on, for the unreachable webhook.
CLOSED=$(free_port)
while [ "$CLOSED" = "$PORT" ] || [ "$CLOSED" = "$WH_PORT" ]; do CLOSED=$(free_port); done

# ---- helpers ----
# cm NAME [LABELS-JSON]: a ConfigMap manifest.
cm() {
    local labels=${2:-'{}'}
    printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s","labels":%s},"data":{"k":"v"}}' "$1" "$labels"
}
# now_ms: a monotonic enough wall clock in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# wh PATH NS NAME EXPR: evaluates the Python expression EXPR over the last request the
# webhook got on PATH for object NS/NAME (e: the log entry, r: its body's request; a
# missing key reads as None) and prints it: strings as they are, the rest as compact JSON;
# "<none>" when there was no such request.
wh() {
    python3 - "$WH_LOG" "$@" <<'PY'
import json, sys
log, path, ns, name, expr = sys.argv[1:6]
hit = None
for line in open(log, encoding="utf-8"):
    e = json.loads(line)
    r = ((e.get("body") or {}).get("request")) or {}
    if e.get("path") == path and r.get("namespace") == ns and r.get("name") == name:
        hit = (e, r)
if hit is None:
    print("<none>")
    sys.exit(0)
e, r = hit
try:
    v = eval(expr, {"e": e, "r": r, "json": json})
except (KeyError, TypeError, AttributeError, IndexError) as err:
    v = "<error %s: %s>" % (type(err).__name__, err)
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True, separators=(",", ":")))
PY
}
# wh_count PATH NS NAME: how many requests the webhook got on PATH for NS/NAME.
wh_count() {
    python3 - "$WH_LOG" "$@" <<'PY'
import json, sys
log, path, ns, name = sys.argv[1:5]
n = 0
for line in open(log, encoding="utf-8"):
    e = json.loads(line)
    r = ((e.get("body") or {}).get("request")) or {}
    n += e.get("path") == path and r.get("namespace") == ns and r.get("name") == name
print(n)
PY
}
# status FILE: "code reason|message" of a Status body ("-" for a missing reason).
status() {
    python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
print("%s %s|%s" % (s.get("code"), s.get("reason") or "-", s.get("message")))' "$1" 2>/dev/null ||
        echo "<not a Status: $(head -c 300 "$1")>"
}
# post NS MANIFEST: POSTs the manifest as the admin; the body goes to $WORK/resp.json, the
# headers to $WORK/resp.headers; prints the HTTP status.
post() {
    admin -o "$WORK/resp.json" -D "$WORK/resp.headers" -w '%{http_code}' -X POST \
        -H 'Content-Type: application/json' -d "$2" "$API/api/v1/namespaces/$1/configmaps"
}
# absent NS NAME: the configmap is not stored.
absent() { ! k -n "$1" get configmap "$2" >/dev/null 2>&1; }
MUTATED='{.metadata.labels.webhook\.ckube\.test/mutated}'

WHO_USER=$(k auth whoami -o jsonpath='{.status.userInfo.username}' 2>/dev/null)
WHO_GROUPS=$(k auth whoami -o json 2>/dev/null |
    python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["status"]["userInfo"]["groups"], separators=(",", ":")))' 2>/dev/null)
expect_eq "admin identity (kubectl auth whoami)" "$WHO_USER $WHO_GROUPS" \
    'admin ["system:masters","system:authenticated"]'

# ---- namespaces: the webhooks select e2e.ckube.test/webhooks=enabled ----
NS=wh-on
OFF=wh-off
check "create namespace $NS" k create namespace "$NS"
check "label namespace $NS" k label namespace "$NS" e2e.ckube.test/webhooks=enabled
check "create namespace $OFF" k create namespace "$OFF"

# ---- the configurations ----
# Rules only match configmaps in selected namespaces, so the rest of the cluster is
# untouched. Webhook order in the mutating configuration matters: count runs before mutate.
RULES='[{apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [configmaps]}]'
NSSEL='{matchLabels: {e2e.ckube.test/webhooks: enabled}}'
# hook NAME URL OBJECT-SELECTOR [EXTRA-FIELDS]: one webhook entry.
hook() {
    cat <<EOF
- name: $1
  clientConfig: {url: "$2", caBundle: "$CA_BUNDLE"}
  rules: $RULES
  namespaceSelector: $NSSEL
  objectSelector: $3
  sideEffects: None
  admissionReviewVersions: [v1]
${4:+  $4}
EOF
}
{
    echo 'apiVersion: admissionregistration.k8s.io/v1'
    echo 'kind: MutatingWebhookConfiguration'
    echo 'metadata: {name: e2e-mutating}'
    echo 'webhooks:'
    hook count.ckube.test "$WH_URL/count-mutate" '{matchLabels: {count: "yes"}}' \
        'reinvocationPolicy: IfNeeded'
    hook mutate.ckube.test "$WH_URL/mutate-label" '{}' 'failurePolicy: Fail'
} >"$WORK/mutating.yaml"
{
    echo 'apiVersion: admissionregistration.k8s.io/v1'
    echo 'kind: ValidatingWebhookConfiguration'
    echo 'metadata: {name: e2e-validating}'
    echo 'webhooks:'
    hook deny.ckube.test "$WH_URL/deny-if-label" '{}'
    hook warn.ckube.test "$WH_URL/allow-warn" '{matchLabels: {warn: "yes"}}'
    hook objsel.ckube.test "$WH_URL/allow/objsel" '{matchLabels: {x: "y"}}'
    hook code.ckube.test "$WH_URL/deny-code" '{matchLabels: {deny-code: "yes"}}'
    hook bare.ckube.test "$WH_URL/deny-bare" '{matchLabels: {deny-bare: "yes"}}'
    hook uid.ckube.test "$WH_URL/wrong-uid" '{matchLabels: {wrong-uid: "yes"}}'
    hook badjson.ckube.test "$WH_URL/bad-json" '{matchLabels: {bad-json: "yes"}}'
    hook closed-fail.ckube.test "https://127.0.0.1:$CLOSED/x" '{matchLabels: {closed: fail}}' \
        'failurePolicy: Fail'
    hook closed-ignore.ckube.test "https://127.0.0.1:$CLOSED/x" \
        '{matchLabels: {closed: ignore}}' 'failurePolicy: Ignore'
    hook slow-fail.ckube.test "$WH_URL/slow/fail" '{matchLabels: {slow: fail}}' \
        'failurePolicy: Fail
  timeoutSeconds: 1'
    hook slow-ignore.ckube.test "$WH_URL/slow/ignore" '{matchLabels: {slow: ignore}}' \
        'failurePolicy: Ignore
  timeoutSeconds: 1'
    hook slow-wait.ckube.test "$WH_URL/slow/wait" '{matchLabels: {slow: wait}}' \
        'failurePolicy: Fail
  timeoutSeconds: 5'
} >"$WORK/validating.yaml"
check "apply MutatingWebhookConfiguration" k apply -f - <"$WORK/mutating.yaml"
check "apply ValidatingWebhookConfiguration" k apply -f - <"$WORK/validating.yaml"
expect_eq "configurations listed" \
    "$(k get mutatingwebhookconfigurations,validatingwebhookconfigurations -o name 2>&1 | grep e2e- | sort | tr '\n' ' ')" \
    "mutatingwebhookconfiguration.admissionregistration.k8s.io/e2e-mutating validatingwebhookconfiguration.admissionregistration.k8s.io/e2e-validating "
expect_eq "failurePolicy defaults to Fail, timeoutSeconds to 10" \
    "$(k get validatingwebhookconfiguration e2e-validating -o 'jsonpath={.webhooks[0].failurePolicy} {.webhooks[0].timeoutSeconds} {.webhooks[0].matchPolicy}')" \
    "Fail 10 Equivalent"

# Upstream picks configurations up from an informer; wait (at most 5 s) until both are live.
live=""
for i in $(seq 1 50); do
    m=$(k -n "$NS" create configmap "probe-$i" -o "jsonpath=$MUTATED" 2>/dev/null)
    v=$(cm "probe-deny-$i" '{"deny":"true"}' | k -n "$NS" create -f - 2>&1)
    if [ "$m" = yes ] && printf '%s' "$v" | grep -q 'denied the request'; then live=yes; break; fi
    sleep 0.1
done
expect_eq "webhooks live after apply" "$live" yes

# ---- a. mutating webhook, namespace selector ----
check "create configmap m1 ($NS)" k -n "$NS" create configmap m1 --from-literal=a=b
expect_eq "m1 stored with the webhook's label" "$(k -n "$NS" get configmap m1 -o "jsonpath=$MUTATED")" yes
expect_eq "m1 keeps its data" "$(k -n "$NS" get configmap m1 -o 'jsonpath={.data.a}')" b
check "create configmap m2 with labels ($NS)" bash -c "$(declare -f cm); cm m2 '{\"keep\":\"me\"}' | '$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS create -f -"
expect_eq "m2: webhook label added beside existing ones" \
    "$(k -n "$NS" get configmap m2 -o 'jsonpath={.metadata.labels.keep} {.metadata.labels.webhook\.ckube\.test/mutated}')" "me yes"
check "create configmap o1 ($OFF)" k -n "$OFF" create configmap o1
expect_eq "o1 (namespace not selected) not mutated" "$(k -n "$OFF" get configmap o1 -o 'jsonpath={.metadata.labels}')" ""
expect_eq "webhook not called for o1" "$(wh_count /mutate-label "$OFF" o1)" 0
expect_eq "validating webhook not called for o1" "$(wh_count /deny-if-label "$OFF" o1)" 0
out=$(cm o2 '{"deny":"true"}' | k -n "$OFF" create -f - 2>&1)
expect_match "deny=true allowed outside the selected namespace" "$out" '^configmap/o2 created$'

# ---- b. validating webhook ----
# Upstream's ToStatusErr (k8s.io/apiserver pkg/admission/plugin/webhook/errors/statuserror.go,
# unchanged from v1.32 to v1.36) returns the webhook's status as it is: the message gets the
# prefix `admission webhook "<name>" denied the request: ` (or the suffix " without
# explanation"), a code below 400 becomes 400, no reason and no details are added. kubectl
# prints "Error from server: ..." for a Status without a reason.
out=$(cm v1 '{"deny":"true"}' | k -n "$NS" create -f - 2>&1)
expect_match "deny=true refused with upstream's message" "$out" \
    '^Error from server: error when creating "STDIN": admission webhook "deny.ckube.test" denied the request: objects labelled deny=true are not allowed$'
check "refused configmap not stored" absent "$NS" v1
code=$(post "$NS" "$(cm v1b '{"deny":"true"}')")
expect_eq "deny: HTTP 403, no reason, upstream's message" "$code $(status "$WORK/resp.json")" \
    '403 403 -|admission webhook "deny.ckube.test" denied the request: objects labelled deny=true are not allowed'
expect_eq "deny: Status is a Failure" \
    "$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s.get("kind"), s.get("apiVersion"), s.get("status"))' "$WORK/resp.json" 2>&1)" \
    "Status v1 Failure"
out=$(cm v2 '{"deny":"false"}' | k -n "$NS" create -f - 2>&1)
expect_match "deny=false passes" "$out" '^configmap/v2 created$'
out=$(k -n "$NS" label configmap v2 deny=true --overwrite 2>&1)
expect_match "update to deny=true refused" "$out" \
    'admission webhook "deny.ckube.test" denied the request: objects labelled deny=true are not allowed$'
expect_eq "refused update not stored" "$(k -n "$NS" get configmap v2 -o 'jsonpath={.metadata.labels.deny}')" false
expect_eq "validating webhook saw the mutated object" \
    "$(wh /deny-if-label "$NS" m1 'r["object"]["metadata"]["labels"]["webhook.ckube.test/mutated"]')" yes

# deny with a code and reason: kept as the webhook sent them (statuserror.go ToStatusErr).
code=$(post "$NS" "$(cm c1 '{"deny-code":"yes"}')")
expect_eq "deny with code 422/Invalid" "$code $(status "$WORK/resp.json")" \
    '422 422 Invalid|admission webhook "code.ckube.test" denied the request: custom invalid'
out=$(cm c2 '{"deny-code":"yes"}' | k -n "$NS" create -f - 2>&1)
expect_match "kubectl: invalid request" "$out" \
    '^The request is invalid: error when creating "STDIN": admission webhook "code.ckube.test" denied the request: custom invalid$'
check "422-denied configmap not stored" absent "$NS" c2
# deny without a status: 400 "without explanation".
code=$(post "$NS" "$(cm b1 '{"deny-bare":"yes"}')")
expect_eq "deny without status" "$code $(status "$WORK/resp.json")" \
    '400 400 -|admission webhook "bare.ckube.test" denied the request without explanation'

# ---- c. the AdmissionReview the webhook received ----
M=/mutate-label
expect_eq "request: apiVersion/kind" "$(wh $M "$NS" m1 '[e["body"]["apiVersion"], e["body"]["kind"]]')" \
    '["admission.k8s.io/v1","AdmissionReview"]'
expect_eq "request: POSTed as JSON with ?timeout=10s (timeoutSeconds defaults to 10)" \
    "$(wh $M "$NS" m1 '[e["method"], e["content_type"].split(";")[0], e["query"]]')" \
    '["POST","application/json","timeout=10s"]'
expect_match "request.uid" "$(wh $M "$NS" m1 'r["uid"]')" '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
check "each call has its own uid" test "$(wh $M "$NS" m1 'r["uid"]')" != "$(wh /deny-if-label "$NS" m1 'r["uid"]')"
expect_eq "request.kind" "$(wh $M "$NS" m1 'r["kind"]')" '{"group":"","kind":"ConfigMap","version":"v1"}'
expect_eq "request.resource" "$(wh $M "$NS" m1 'r["resource"]')" '{"group":"","resource":"configmaps","version":"v1"}'
expect_eq "request.requestKind/requestResource" \
    "$(wh $M "$NS" m1 '[r["requestKind"], r["requestResource"]]')" \
    '[{"group":"","kind":"ConfigMap","version":"v1"},{"group":"","resource":"configmaps","version":"v1"}]'
expect_eq "no subResource" "$(wh $M "$NS" m1 '[r.get("subResource", ""), r.get("requestSubResource", "")]')" '["",""]'
expect_eq "request.operation/namespace/name" "$(wh $M "$NS" m1 '[r["operation"], r["namespace"], r["name"]]')" \
    "[\"CREATE\",\"$NS\",\"m1\"]"
expect_eq "request.userInfo.username" "$(wh $M "$NS" m1 'r["userInfo"]["username"]')" "$WHO_USER"
expect_eq "request.userInfo.groups" "$(wh $M "$NS" m1 'r["userInfo"]["groups"]')" "$WHO_GROUPS"
expect_eq "request.object" "$(wh $M "$NS" m1 '[r["object"]["apiVersion"], r["object"]["kind"], r["object"]["metadata"]["name"], r["object"]["metadata"]["namespace"], r["object"]["data"]]')" \
    "[\"v1\",\"ConfigMap\",\"m1\",\"$NS\",{\"a\":\"b\"}]"
expect_eq "request.oldObject is null on CREATE" "$(wh $M "$NS" m1 '["oldObject" in r, r["oldObject"]]')" '[true,null]'
expect_eq "request.dryRun false" "$(wh $M "$NS" m1 'r["dryRun"]')" false
expect_eq "request.options: CreateOptions" \
    "$(wh $M "$NS" m1 '[r["options"]["apiVersion"], r["options"]["kind"], r["options"].get("fieldManager")]')" \
    '["meta.k8s.io/v1","CreateOptions","kubectl-create"]'
# UPDATE through kubectl label (a PATCH, which admission sees as an UPDATE, patch.go).
check "kubectl label m1" k -n "$NS" label configmap m1 extra=1
expect_eq "update: operation UPDATE, options UpdateOptions" \
    "$(wh $M "$NS" m1 '[r["operation"], r["options"]["apiVersion"], r["options"]["kind"], r["options"].get("fieldManager")]')" \
    '["UPDATE","meta.k8s.io/v1","UpdateOptions","kubectl-label"]'
expect_eq "update: oldObject is the stored object, object the patched one" \
    "$(wh $M "$NS" m1 '[r["oldObject"]["metadata"]["labels"], r["object"]["metadata"]["labels"]]')" \
    '[{"webhook.ckube.test/mutated":"yes"},{"extra":"1","webhook.ckube.test/mutated":"yes"}]'
expect_eq "update: oldObject resourceVersion set" "$(wh $M "$NS" m1 '0 < len(r["oldObject"]["metadata"]["resourceVersion"])')" true
# UPDATE through PUT (kubectl replace).
k -n "$NS" get configmap m1 -o json >"$WORK/m1.json"
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); o["data"]["a"]="c"; json.dump(o, open(sys.argv[1], "w"))' "$WORK/m1.json"
check "kubectl replace m1" k -n "$NS" replace -f "$WORK/m1.json"
expect_eq "replace: UPDATE with UpdateOptions" \
    "$(wh $M "$NS" m1 '[r["operation"], r["options"]["kind"], r["oldObject"]["data"]["a"], r["object"]["data"]["a"]]')" \
    '["UPDATE","UpdateOptions","b","c"]'
expect_eq "replace: still mutated" "$(k -n "$NS" get configmap m1 -o "jsonpath=$MUTATED")" yes

# ---- d. warnings ----
out=$(cm w1 '{"warn":"yes"}' | k -n "$NS" create -f - 2>&1)
expect_match "kubectl prints the webhook's warning" "$out" '^Warning: webhook says hello$'
expect_match "warned create succeeds" "$out" 'configmap/w1 created'
code=$(post "$NS" "$(cm w2 '{"warn":"yes"}')")
expect_eq "warned create: 201" "$code" 201
expect_match "Warning header" "$(tr -d '\r' <"$WORK/resp.headers")" '^[Ww]arning: 299 - "webhook says hello"$'

# ---- e. failurePolicy on an unreachable webhook ----
WANT_REFUSED="Internal error occurred: failed calling webhook \"closed-fail.ckube.test\": failed to call webhook: Post \"https://127.0.0.1:$CLOSED/x?timeout=10s\": dial tcp 127.0.0.1:$CLOSED: connect: connection refused"
code=$(post "$NS" "$(cm f1 '{"closed":"fail"}')")
expect_eq "Fail: 500 InternalError with upstream's message" "$code $(status "$WORK/resp.json")" \
    "500 500 InternalError|$WANT_REFUSED"
expect_eq "Fail: the cause carries the call error" \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["details"]["causes"][0]["message"])' "$WORK/resp.json" 2>&1)" \
    "${WANT_REFUSED#Internal error occurred: }"
out=$(cm f2 '{"closed":"fail"}' | k -n "$NS" create -f - 2>&1)
expect_eq "kubectl: Fail refused" "$out" \
    "Error from server (InternalError): error when creating \"STDIN\": $WANT_REFUSED"
check "Fail: nothing stored" absent "$NS" f2
out=$(cm i1 '{"closed":"ignore"}' | k -n "$NS" create -f - 2>&1)
expect_match "Ignore: the request goes through" "$out" '^configmap/i1 created$'
expect_eq "Ignore: stored (and mutated)" "$(k -n "$NS" get configmap i1 -o "jsonpath=$MUTATED")" yes

# ---- f. timeouts ----
t0=$(now_ms)
code=$(post "$NS" "$(cm s1 '{"slow":"fail"}')")
el=$(($(now_ms) - t0))
expect_eq "timeout, Fail: refused" "$code $(status "$WORK/resp.json")" \
    "500 500 InternalError|Internal error occurred: failed calling webhook \"slow-fail.ckube.test\": failed to call webhook: Post \"$WH_URL/slow/fail?timeout=1s\": context deadline exceeded"
check "timeout, Fail: refused after ~1 s (took ${el} ms)" test "$el" -ge 900 -a "$el" -lt 2800
expect_eq "timeoutSeconds 1: ?timeout=1s" "$(wh /slow/fail "$NS" s1 'e["query"]')" timeout=1s
check "timeout, Fail: nothing stored" absent "$NS" s1
t0=$(now_ms)
out=$(cm s2 '{"slow":"ignore"}' | k -n "$NS" create -f - 2>&1)
el=$(($(now_ms) - t0))
expect_match "timeout, Ignore: the request goes through" "$out" '^configmap/s2 created$'
check "timeout, Ignore: after ~1 s (took ${el} ms)" test "$el" -ge 900 -a "$el" -lt 2800

# ---- other broken webhooks (Fail) ----
code=$(post "$NS" "$(cm u1 '{"wrong-uid":"yes"}')")
UID1=$(wh /wrong-uid "$NS" u1 'r["uid"]')
expect_eq "response with a wrong uid refused" "$code $(status "$WORK/resp.json")" \
    "500 500 InternalError|Internal error occurred: failed calling webhook \"uid.ckube.test\": received invalid webhook response: expected response.uid=\"$UID1\", got \"not-the-request-uid\""
code=$(post "$NS" "$(cm j1 '{"bad-json":"yes"}')")
expect_match "non-JSON response refused" "$code $(status "$WORK/resp.json")" \
    '^500 500 InternalError\|Internal error occurred: failed calling webhook "badjson.ckube.test": failed to call webhook: .'
check "non-JSON response: nothing stored" absent "$NS" j1

# ---- g. objectSelector ----
check "create x=y" bash -c "$(declare -f cm); cm g1 '{\"x\":\"y\"}' | '$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS create -f -"
check "create x=z" bash -c "$(declare -f cm); cm g2 '{\"x\":\"z\"}' | '$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS create -f -"
check "create without x" k -n "$NS" create configmap g3
expect_eq "objectSelector x=y: called" "$(wh_count /allow/objsel "$NS" g1)" 1
expect_eq "objectSelector x=y: not called for x=z" "$(wh_count /allow/objsel "$NS" g2)" 0
expect_eq "objectSelector x=y: not called without the label" "$(wh_count /allow/objsel "$NS" g3)" 0
# On UPDATE the selector matches the old or the new object: removing x=y still calls.
check "remove x=y from g1" k -n "$NS" label configmap g1 x-
expect_eq "objectSelector: called when the old object matched" "$(wh_count /allow/objsel "$NS" g1)" 2
check "add x=y to g3" k -n "$NS" label configmap g3 x=y
expect_eq "objectSelector: called when the new object matches" "$(wh_count /allow/objsel "$NS" g3)" 1

# ---- h. server-side dry run ----
out=$(k -n "$NS" create configmap d1 --dry-run=server -o "jsonpath=$MUTATED" 2>&1)
expect_eq "dry run returns the mutated object" "$out" yes
check "dry run stores nothing" absent "$NS" d1
expect_eq "dry run: request.dryRun true (mutating)" "$(wh $M "$NS" d1 'r["dryRun"]')" true
expect_eq "dry run: request.dryRun true (validating)" "$(wh /deny-if-label "$NS" d1 'r["dryRun"]')" true
expect_eq "dry run: options.dryRun" "$(wh $M "$NS" d1 'r["options"]["dryRun"]')" '["All"]'
out=$(cm d2 '{"deny":"true"}' | k -n "$NS" create --dry-run=server -f - 2>&1)
expect_match "dry run: validating webhook still refuses" "$out" 'admission webhook "deny.ckube.test" denied the request: objects labelled deny=true are not allowed$'

# ---- k. reinvocation (reinvocationPolicy IfNeeded) ----
check "create count=yes" bash -c "$(declare -f cm); cm r1 '{\"count\":\"yes\"}' | '$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS create -f -"
expect_eq "count webhook called twice (reinvoked after mutate changed the object)" \
    "$(wh_count /count-mutate "$NS" r1) $(wh_count $M "$NS" r1)" "2 1"
expect_eq "mutate saw the count webhook's patch" \
    "$(wh $M "$NS" r1 'r["object"]["metadata"]["annotations"]["webhook.ckube.test/count"]')" 1
expect_eq "reinvocation saw mutate's patch" \
    "$(wh /count-mutate "$NS" r1 'r["object"]["metadata"]["labels"].get("webhook.ckube.test/mutated")')" yes
expect_eq "stored after reinvocation" \
    "$(k -n "$NS" get configmap r1 -o 'jsonpath={.metadata.annotations.webhook\.ckube\.test/count} {.metadata.labels.webhook\.ckube\.test/mutated}')" "2 yes"

# ---- j. the API server keeps serving while a webhook call is in flight ----
cm sw1 '{"slow":"wait"}' >"$WORK/sw1.json"
t0=$(now_ms)
(k -n "$NS" create -f "$WORK/sw1.json" >"$WORK/sw1.out" 2>&1; echo $? >"$WORK/sw1.rc") &
BG=$!
for _ in $(seq 1 50); do [ "$(wh_count /slow/wait "$NS" sw1)" -ge 1 ] && break; sleep 0.1; done
expect_eq "slow call in flight" "$(wh_count /slow/wait "$NS" sw1)" 1
t1=$(now_ms)
out=$(k get namespaces "$NS" -o name 2>&1)
el=$(($(now_ms) - t1))
still=no; kill -0 "$BG" 2>/dev/null && still=yes
expect_eq "get namespaces answered" "$out" "namespace/$NS"
expect_eq "the slow create was still waiting on its webhook meanwhile" "$still" yes
check "get served promptly during the webhook call (${el} ms)" test "$el" -lt 1500
wait "$BG"
el=$(($(now_ms) - t0))
expect_eq "slow create (timeoutSeconds 5) succeeds" "$(cat "$WORK/sw1.rc") $(cat "$WORK/sw1.out")" "0 configmap/sw1 created"
check "slow create waited for the webhook (${el} ms)" test "$el" -ge 2900
# Two writes calling slow webhooks at once are not serialized behind one another.
cm sw2 '{"slow":"wait"}' >"$WORK/sw2.json"
cm sw3 '{"slow":"wait"}' >"$WORK/sw3.json"
t0=$(now_ms)
k -n "$NS" create -f "$WORK/sw2.json" >"$WORK/sw2.out" 2>&1 &
P2=$!
k -n "$NS" create -f "$WORK/sw3.json" >"$WORK/sw3.out" 2>&1 &
P3=$!
wait "$P2"; r2=$?
wait "$P3"; r3=$?
el=$(($(now_ms) - t0))
expect_eq "two concurrent slow creates succeed" "$r2 $r3" "0 0"
check "two concurrent slow creates overlap (${el} ms < 5500)" test "$el" -lt 5500

# ---- l. DELETE: validating webhooks see the object being deleted as oldObject ----
cat >"$WORK/delete.yaml" <<EOF
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: e2e-delete}
webhooks:
- name: delete.ckube.test
  clientConfig: {url: "$WH_URL/deny-if-label/delete", caBundle: "$CA_BUNDLE"}
  rules: [{apiGroups: [""], apiVersions: [v1], operations: [DELETE], resources: [configmaps]}]
  objectSelector: {matchLabels: {deny: "true"}}
  sideEffects: None
  admissionReviewVersions: [v1]
EOF
check "apply a DELETE webhook" k apply -f - <"$WORK/delete.yaml"
out=""
for _ in $(seq 1 50); do
    out=$(k -n "$OFF" delete configmap o2 --dry-run=server 2>&1)
    printf '%s' "$out" | grep -q 'denied the request' && break
    sleep 0.1
done
out=$(k -n "$OFF" delete configmap o2 2>&1)
expect_match "delete refused by the webhook" "$out" \
    'admission webhook "delete.ckube.test" denied the request: objects labelled deny=true are not allowed'
check "refused delete keeps the object" k -n "$OFF" get configmap o2
D=/deny-if-label/delete
expect_eq "DELETE review: operation, object, oldObject, options" \
    "$(wh $D "$OFF" o2 '[r["operation"], r["object"], r["oldObject"]["metadata"]["name"], r["options"]["kind"]]')" \
    '["DELETE",null,"o2","DeleteOptions"]'
check "configmaps without the label delete" k -n "$OFF" delete configmap o1
check "delete the DELETE webhook" k delete validatingwebhookconfiguration e2e-delete

# ---- i. deleting the configurations ----
check "delete MutatingWebhookConfiguration" k delete mutatingwebhookconfiguration e2e-mutating
check "delete ValidatingWebhookConfiguration" k delete validatingwebhookconfiguration e2e-validating
gone=""
for i in $(seq 1 50); do
    m=$(k -n "$NS" create configmap "probe-gone-$i" -o "jsonpath={.metadata.labels}" 2>/dev/null)
    if [ -z "$m" ] && k -n "$NS" get configmap "probe-gone-$i" >/dev/null 2>&1; then gone=yes; break; fi
    sleep 0.1
done
expect_eq "webhooks gone after delete" "$gone" yes
before=$(wc -l <"$WH_LOG")
check "create after delete" k -n "$NS" create configmap n1
expect_eq "not mutated after delete" "$(k -n "$NS" get configmap n1 -o 'jsonpath={.metadata.labels}')" ""
out=$(cm n2 '{"deny":"true"}' | k -n "$NS" create -f - 2>&1)
expect_match "deny=true allowed after delete" "$out" '^configmap/n2 created$'
out=$(cm n3 '{"closed":"fail"}' | k -n "$NS" create -f - 2>&1)
expect_match "unreachable webhook no longer consulted" "$out" '^configmap/n3 created$'
expect_eq "webhook not called after delete" "$(wc -l <"$WH_LOG")" "$before"

stop_webhook
if grep -q Traceback "$WH/server.err"; then fail "webhook server errors"; head -40 "$WH/server.err"; fi
finish
