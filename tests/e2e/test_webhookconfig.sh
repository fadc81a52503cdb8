#!/bin/bash
# admissionregistration.k8s.io/v1 MutatingWebhookConfiguration and
# ValidatingWebhookConfiguration through the real kubectl: discovery, create -f with the v1
# defaults filled in, upstream's table (NAME WEBHOOKS AGE), generation on change, 422s with
# upstream's messages for invalid webhooks (nothing stored), delete. The webhooks only match
# widgets.example.com, which nothing creates, so they cannot get in the way of other writes
# once webhooks are called.
source "$(dirname "$0")/lib.sh"
start_server || { finish; exit 1; }

out=$(k api-resources --api-group=admissionregistration.k8s.io --no-headers 2>&1)
expect_match "api-resources lists mutatingwebhookconfigurations" "$out" \
    '^mutatingwebhookconfigurations +admissionregistration.k8s.io/v1 +false +MutatingWebhookConfiguration$'
expect_match "api-resources lists validatingwebhookconfigurations" "$out" \
    'validatingwebhookconfigurations +admissionregistration.k8s.io/v1 +false +ValidatingWebhookConfiguration'
out=$(k explain mutatingwebhookconfiguration.webhooks.sideEffects 2>&1)
expect_match "explain knows the webhook fields" "$out" 'FIELD: *sideEffects <string>'

# RULES: one rule, on widgets.example.com only.
RULES='    rules:
    - operations: ["CREATE", "UPDATE"]
      apiGroups: ["example.com"]
      apiVersions: ["v1"]
      resources: ["widgets"]'

cat >"$WORK/mutating.yaml" <<EOF
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: widget-defaulter
webhooks:
  - name: default.widgets.example.com
    sideEffects: None
    admissionReviewVersions: ["v1", "v1beta1"]
    clientConfig:
      service:
        namespace: default
        name: widget-webhook
        path: /mutate
$RULES
EOF
cat >"$WORK/validating.yaml" <<EOF
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: widget-policy
webhooks:
  - name: check.widgets.example.com
    sideEffects: NoneOnDryRun
    admissionReviewVersions: ["v1"]
    failurePolicy: Ignore
    timeoutSeconds: 5
    clientConfig:
      url: https://policy.example.com:8443/validate
      caBundle: $(printf 'not a real CA' | base64 -w0)
$RULES
  - name: audit.widgets.example.com
    sideEffects: None
    admissionReviewVersions: ["v1"]
    objectSelector:
      matchLabels:
        audited: "true"
    matchConditions:
      - name: not-a-dry-run
        expression: "!request.dryRun"
    clientConfig:
      service:
        namespace: policy
        name: audit
        port: 9443
$RULES
EOF

out=$(k create -f "$WORK/mutating.yaml" 2>&1)
expect_eq "create MutatingWebhookConfiguration" "$out" \
    "mutatingwebhookconfiguration.admissionregistration.k8s.io/widget-defaulter created"
out=$(k create -f "$WORK/validating.yaml" 2>&1)
expect_eq "create ValidatingWebhookConfiguration" "$out" \
    "validatingwebhookconfiguration.admissionregistration.k8s.io/widget-policy created"

jp() { k get "$1" "$2" -o jsonpath="$3" 2>&1; }
M=mutatingwebhookconfigurations
V=validatingwebhookconfigurations
expect_eq "mutating defaults: failurePolicy, matchPolicy, timeoutSeconds, reinvocationPolicy" \
    "$(jp $M widget-defaulter '{.webhooks[0].failurePolicy} {.webhooks[0].matchPolicy} {.webhooks[0].timeoutSeconds} {.webhooks[0].reinvocationPolicy}')" \
    "Fail Equivalent 10 Never"
expect_eq "mutating defaults: selectors {}, rule scope *, service port 443" \
    "$(jp $M widget-defaulter '{.webhooks[0].namespaceSelector} {.webhooks[0].objectSelector} {.webhooks[0].rules[0].scope} {.webhooks[0].clientConfig.service.port}')" \
    "{} {} * 443"
expect_eq "mutating: given fields kept, generation 1" \
    "$(jp $M widget-defaulter '{.webhooks[0].sideEffects} {.webhooks[0].admissionReviewVersions} {.webhooks[0].clientConfig.service.path} {.metadata.generation}')" \
    'None ["v1","v1beta1"] /mutate 1'
expect_eq "validating: given values kept, no reinvocationPolicy" \
    "$(jp $V widget-policy '{.webhooks[0].failurePolicy} {.webhooks[0].timeoutSeconds} {.webhooks[0].matchPolicy} [{.webhooks[0].reinvocationPolicy}]')" \
    "Ignore 5 Equivalent []"
expect_eq "validating: caBundle round-trips as base64" \
    "$(jp $V widget-policy '{.webhooks[0].clientConfig.caBundle}' | base64 -d)" "not a real CA"
expect_eq "validating: second webhook defaults and given port" \
    "$(jp $V widget-policy '{.webhooks[1].failurePolicy} {.webhooks[1].timeoutSeconds} {.webhooks[1].clientConfig.service.port} {.webhooks[1].objectSelector.matchLabels.audited} {.webhooks[1].matchConditions[0].name}')" \
    "Fail 10 9443 true not-a-dry-run"

out=$(k get $M 2>&1)
expect_match "mutating table header" "$(head -1 <<<"$out")" '^NAME +WEBHOOKS +AGE$'
expect_match "mutating table row" "$out" $'\n''widget-defaulter +1 +[0-9]+s'
out=$(k get $V widget-policy 2>&1)
expect_match "validating table header" "$(head -1 <<<"$out")" '^NAME +WEBHOOKS +AGE$'
expect_match "validating table row counts webhooks" "$out" $'\n''widget-policy +2 +[0-9]+s'
out=$(k get mutatingwebhookconfiguration,validatingwebhookconfiguration -o name 2>&1)
expect_eq "-o name for both kinds" "$out" \
    "mutatingwebhookconfiguration.admissionregistration.k8s.io/widget-defaulter
validatingwebhookconfiguration.admissionregistration.k8s.io/widget-policy"

check "patch a webhook" k patch $M widget-defaulter --type=json \
    -p '[{"op":"replace","path":"/webhooks/0/timeoutSeconds","value":3}]'
expect_eq "a webhook change bumps the generation" \
    "$(jp $M widget-defaulter '{.webhooks[0].timeoutSeconds} {.metadata.generation}')" "3 2"
check "label the configuration" k label $M widget-defaulter team=platform
expect_eq "a metadata change keeps the generation" \
    "$(jp $M widget-defaulter '{.metadata.generation}')" "2"
out=$(k patch $V widget-policy --type=json \
    -p '[{"op":"replace","path":"/webhooks/1/name","value":"check.widgets.example.com"}]' 2>&1)
expect_match "update to duplicate webhook names is refused" "$out" \
    'The ValidatingWebhookConfiguration "widget-policy" is invalid: webhooks\[1\]\.name: Duplicate value: "check\.widgets\.example\.com"'

# invalid NAME KIND WEBHOOK-YAML REGEX...: create is refused with upstream's message (one
# cause inline, several as kubectl's bullet list) and the object is not stored.
invalid() {
    local name=$1 kind=$2 body=$3 res out w
    shift 3
    res=$(tr 'A-Z' 'a-z' <<<"$kind")s
    printf 'apiVersion: admissionregistration.k8s.io/v1\nkind: %s\nmetadata:\n  name: %s\nwebhooks:\n%s\n' \
        "$kind" "$name" "$body" >"$WORK/$name.yaml"
    out=$(k create -f "$WORK/$name.yaml" 2>&1)
    if [ $# -eq 1 ]; then
        expect_match "$name: refused with upstream's message" "$out" "^The $kind \"$name\" is invalid: $1"
    else
        expect_match "$name: refused as invalid" "$out" "^The $kind \"$name\" is invalid: $"
        for w in "$@"; do expect_match "$name: cause" "$out" "^\\* $w\$"; done
    fi
    out=$(k get "$res" "$name" 2>&1)
    expect_match "$name: not stored" "$out" "\\(NotFound\\).* \"$name\" not found"
}
SVC='    clientConfig:
      service: {namespace: default, name: hook}'
OK='    sideEffects: None
    admissionReviewVersions: ["v1"]'
invalid short-name MutatingWebhookConfiguration "  - name: hook
$OK
$SVC" \
    'webhooks\[0\]\.name: Invalid value: "hook": should be a domain with at least three segments separated by dots'
invalid no-side-effects ValidatingWebhookConfiguration "  - name: a.example.com
    admissionReviewVersions: [\"v1\"]
$SVC" \
    'webhooks\[0\]\.sideEffects: Required value: must specify one of None, NoneOnDryRun'
invalid some-side-effects MutatingWebhookConfiguration "  - name: a.example.com
    sideEffects: Some
    admissionReviewVersions: [\"v1\"]
$SVC" \
    'webhooks\[0\]\.sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"'
invalid no-review-versions MutatingWebhookConfiguration "  - name: a.example.com
    sideEffects: None
$SVC" \
    'webhooks\[0\]\.admissionReviewVersions: Required value: must specify one of v1, v1beta1'
invalid long-timeout ValidatingWebhookConfiguration "  - name: a.example.com
$OK
    timeoutSeconds: 31
$SVC" \
    'webhooks\[0\]\.timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds'
invalid http-url ValidatingWebhookConfiguration "  - name: a.example.com
$OK
    clientConfig:
      url: http://hook.example.com/validate" \
    "webhooks\\[0\\]\\.clientConfig\\.url: Invalid value: \"http\": 'https' is the only allowed URL scheme; desired format: https://host\\[/path\\]"
invalid url-query MutatingWebhookConfiguration "  - name: a.example.com
$OK
    clientConfig:
      url: https://hook.example.com/mutate?debug=1" \
    'webhooks\[0\]\.clientConfig\.url: Invalid value: "debug=1": query parameters are not permitted in the URL'
invalid two-targets MutatingWebhookConfiguration "  - name: a.example.com
$OK
    clientConfig:
      url: https://hook.example.com/
      service: {namespace: default, name: hook}" \
    'webhooks\[0\]\.clientConfig: Required value: exactly one of url or service is required'
invalid bad-service MutatingWebhookConfiguration "  - name: a.example.com
$OK
    clientConfig:
      service: {namespace: default, name: hook, port: 0, path: mutate}" \
    'webhooks\[0\]\.clientConfig\.service\.port: Invalid value: 0: port is not valid: must be between 1 and 65535, inclusive' \
    "webhooks\\[0\\]\\.clientConfig\\.service\\.path: Invalid value: \"mutate\": must start with a '/'"
invalid bad-rule ValidatingWebhookConfiguration "  - name: a.example.com
$OK
$SVC
    rules:
    - operations: [\"*\", \"CREATE\"]
      apiGroups: [\"example.com\"]
      apiVersions: [\"v1\"]
      resources: []
      scope: Global" \
    "webhooks\\[0\\]\\.rules\\[0\\]\\.operations: Invalid value: \\[\"\\*\",\"CREATE\"\\]: if '\\*' is present, must not specify other operations" \
    'webhooks\[0\]\.rules\[0\]\.resources: Required value' \
    'webhooks\[0\]\.rules\[0\]\.scope: Unsupported value: "Global": supported values: "\*", "Cluster", "Namespaced"'
invalid dup-hooks MutatingWebhookConfiguration "  - name: a.example.com
$OK
$SVC
  - name: a.example.com
$OK
$SVC" \
    'webhooks\[1\]\.name: Duplicate value: "a\.example\.com"'
invalid Bad.Name ValidatingWebhookConfiguration "  - name: a.example.com
$OK
$SVC" \
    'metadata\.name: Invalid value: "Bad\.Name": a lowercase RFC 1123 subdomain'

out=$(k create -f "$WORK/short-name.yaml" -v=6 2>&1)
expect_match "invalid webhook configuration: HTTP 422" "$out" \
    'POST https://[^ ]+/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations[^ ]* 422 Unprocessable Entity'
sed 's/caBundle: .*/caBundle: "not base64!"/; s/name: widget-policy/name: bad-ca/' \
    "$WORK/validating.yaml" >"$WORK/bad-ca.yaml"
out=$(k create -f "$WORK/bad-ca.yaml" 2>&1)
expect_match "caBundle must be base64" "$out" \
    'ValidatingWebhookConfiguration in version "v1" cannot be handled as a ValidatingWebhookConfiguration: illegal base64 data at input byte 3'

# rules is an atomic list, so kubectl's three-way patch replaces it whenever the live copy
# differs, as the defaulted scope would make it (upstream alike); the file states it.
sed 's/name: widget-policy/name: applied-policy/; s/resources: \["widgets"\]/&\n      scope: "*"/' \
    "$WORK/validating.yaml" >"$WORK/applied.yaml"
out=$(k apply -f "$WORK/applied.yaml" 2>&1)
expect_eq "apply creates" "$out" \
    "validatingwebhookconfiguration.admissionregistration.k8s.io/applied-policy created"
out=$(k apply -f "$WORK/applied.yaml" 2>&1)
expect_eq "apply again: unchanged" "$out" \
    "validatingwebhookconfiguration.admissionregistration.k8s.io/applied-policy unchanged"
sed -i 's/timeoutSeconds: 5/timeoutSeconds: 7/' "$WORK/applied.yaml"
out=$(k apply --server-side --force-conflicts -f "$WORK/applied.yaml" 2>&1)
expect_eq "server-side apply" "$out" \
    "validatingwebhookconfiguration.admissionregistration.k8s.io/applied-policy serverside-applied"
expect_eq "server-side apply merged the webhook by name" \
    "$(jp $V applied-policy '{.webhooks[0].timeoutSeconds} {.webhooks[1].timeoutSeconds} {.metadata.generation}')" \
    "7 10 2"
check "delete the applied configuration" k delete -f "$WORK/applied.yaml"

out=$(k delete -f "$WORK/mutating.yaml" 2>&1)
expect_eq "delete -f mutating" "$out" \
    'mutatingwebhookconfiguration.admissionregistration.k8s.io "widget-defaulter" deleted'
out=$(k delete $V widget-policy 2>&1)
expect_eq "delete validating" "$out" \
    'validatingwebhookconfiguration.admissionregistration.k8s.io "widget-policy" deleted'
out=$(k get $M,$V 2>&1)
expect_match "both gone" "$out" '^No resources found'

finish
