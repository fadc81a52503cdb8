#!/usr/bin/env bash
# Audit logging end to end: --audit-policy-file picks the level per request, and a known
# request sequence yields exactly the expected audit.k8s.io/v1 Event lines (stages, verbs,
# objectRef, codes, users, authorization annotations, request objects by level); the
# Audit-Id response header carries the event's auditID; level None suppresses a resource.
source "$(dirname "$0")/lib.sh"

cat >"$WORK/policy.yaml" <<'YAML'
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  resources: [{group: "", resources: [secrets]}]
- level: Request
  omitStages: [RequestReceived]
  namespaces: [default]
  resources: [{group: "", resources: [configmaps]}]
- level: Metadata
  omitStages: [RequestReceived]
  resources: [{group: "", resources: [configmaps]}]
- level: Metadata
  resources: [{group: "", resources: [pods]}]
YAML

start_server --audit-log-path="$WORK/audit.log" --audit-policy-file="$WORK/policy.yaml" \
    --audit-log-maxsize=1 --audit-log-maxbackup=2 --audit-log-maxage=7 || { finish; exit 1; }
SERVER=https://127.0.0.1:$PORT
PKI=$DATA/pki
admin() { curl -s --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$@"; }
anon() { curl -s --cacert "$PKI/ca.crt" "$@"; }
CM='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1"},"data":{"k":"v"}}'

code=$(admin -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d "$CM" "$SERVER/api/v1/namespaces/default/configmaps")
expect_eq "create configmap" "$code" 201
code=$(admin -o /dev/null -D "$WORK/get.headers" -w '%{http_code}' \
    "$SERVER/api/v1/namespaces/default/configmaps/c1")
expect_eq "get configmap" "$code" 200
code=$(anon -o /dev/null -w '%{http_code}' "$SERVER/api/v1/namespaces/default/configmaps")
expect_eq "anonymous list forbidden" "$code" 403
code=$(admin -o /dev/null -w '%{http_code}' \
    "$SERVER/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=1")
expect_eq "watch pods" "$code" 200
code=$(admin -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d "${CM/c1/c2}" "$SERVER/api/v1/namespaces/kube-public/configmaps")
expect_eq "create configmap in kube-public" "$code" 201
code=$(admin -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s1"}}' \
    "$SERVER/api/v1/namespaces/default/secrets")
expect_eq "create secret" "$code" 201
code=$(admin -o /dev/null -w '%{http_code}' -X DELETE \
    "$SERVER/api/v1/namespaces/default/configmaps/c1")
expect_eq "delete configmap" "$code" 200

# Lines are written once per loop iteration: wait for the last one.
for _ in $(seq 1 50); do
    [ "$(wc -l <"$WORK/audit.log" 2>/dev/null || echo 0)" -ge 8 ] && break
    sleep 0.1
done
# One summary per line: stage verb resource/namespace/name code user decision level
# requestObject?
got=$(jq -r '[.stage, .verb, (.objectRef | "\(.resource)/\(.namespace // "")/\(.name // "")"),
    (.responseStatus.code // "-"), .user.username, (.annotations["authorization.k8s.io/decision"]
    // "-"), .level, (if .requestObject then "body" else "nobody" end)] | join(" ")' \
    "$WORK/audit.log")
want="ResponseComplete create configmaps/default/c1 201 kubernetes-admin allow Request body
ResponseComplete get configmaps/default/c1 200 kubernetes-admin allow Request nobody
ResponseComplete list configmaps/default/ 403 system:anonymous forbid Request nobody
RequestReceived watch pods/default/ - kubernetes-admin - Metadata nobody
ResponseStarted watch pods/default/ 200 kubernetes-admin allow Metadata nobody
ResponseComplete watch pods/default/ 200 kubernetes-admin allow Metadata nobody
ResponseComplete create configmaps/kube-public/c2 201 kubernetes-admin allow Metadata nobody
ResponseComplete delete configmaps/default/c1 200 kubernetes-admin allow Request nobody"
ADMIN_USER=$(jq -r 'select(.verb == "create") | .user.username' "$WORK/audit.log" | head -n1)
expect_eq "audit lines" "$got" "${want//kubernetes-admin/$ADMIN_USER}"
expect_eq "every line is an audit.k8s.io/v1 Event" \
    "$(jq -r '"\(.kind) \(.apiVersion)"' "$WORK/audit.log" | sort -u)" "Event audit.k8s.io/v1"
expect_eq "level None suppresses secrets" "$(grep -c '"secrets"' "$WORK/audit.log")" 0

hdr=$(tr -d '\r' <"$WORK/get.headers" | awk -F': ' 'tolower($1) == "audit-id" {print $2}')
expect_match "Audit-Id header is a UUID" "$hdr" '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
expect_eq "Audit-Id matches auditID" \
    "$(jq -r 'select(.verb == "get") | .auditID' "$WORK/audit.log")" "$hdr"
expect_eq "watch stages share one auditID" \
    "$(jq -r 'select(.verb == "watch") | .auditID' "$WORK/audit.log" | sort -u | wc -l)" 1

line=$(jq -c 'select(.verb == "create" and .objectRef.namespace == "default")' "$WORK/audit.log")
expect_eq "create: objectRef" "$(printf '%s' "$line" | jq -c .objectRef)" \
    '{"resource":"configmaps","namespace":"default","name":"c1","apiVersion":"v1"}'
expect_eq "create: requestObject is the body" \
    "$(printf '%s' "$line" | jq -c .requestObject)" "$CM"
expect_eq "create: no responseObject at Request level" \
    "$(printf '%s' "$line" | jq -c .responseObject)" null
expect_match "create: user groups" "$(printf '%s' "$line" | jq -c .user.groups)" \
    'system:authenticated'
expect_match "create: sourceIPs" "$(printf '%s' "$line" | jq -c .sourceIPs)" '^\["127.0.0.1"\]$'
expect_match "create: userAgent" "$(printf '%s' "$line" | jq -r .userAgent)" '^curl/'
expect_match "create: MicroTime timestamps" \
    "$(printf '%s' "$line" | jq -r '.requestReceivedTimestamp + " " + .stageTimestamp')" \
    '^[0-9-]{10}T[0-9:]{8}\.[0-9]{6}Z [0-9-]{10}T[0-9:]{8}\.[0-9]{6}Z$'
expect_eq "create: reason annotation present" \
    "$(printf '%s' "$line" | jq -r '.annotations | has("authorization.k8s.io/reason")')" true
line=$(jq -c 'select(.responseStatus.code == 403)' "$WORK/audit.log")
expect_eq "forbidden: responseStatus" \
    "$(printf '%s' "$line" | jq -c '.responseStatus | [.status, .reason, (.message | test("cannot list resource"))]')" \
    '["Failure","Forbidden",true]'
expect_eq "forbidden: anonymous groups" "$(printf '%s' "$line" | jq -c .user.groups)" \
    '["system:unauthenticated"]'
expect_eq "received stage has no annotations or status" \
    "$(jq -c 'select(.stage == "RequestReceived") | [.annotations, .responseStatus]' "$WORK/audit.log")" \
    '[null,null]'

stop_server
expect_eq "log complete after shutdown" "$(wc -l <"$WORK/audit.log")" 8

# Without a policy file nothing is recorded (as upstream); '-' writes to standard output.
rm -f "$WORK/audit.log"
start_server --audit-log-path="$WORK/audit.log" || { finish; exit 1; }
admin -o /dev/null "https://127.0.0.1:$PORT/api/v1/namespaces/default/configmaps"
stop_server
expect_eq "no policy: no events" "$(cat "$WORK/audit.log" 2>/dev/null | wc -l)" 0
: >"$WORK/server.log"
start_server --audit-log-path=- --audit-policy-file="$WORK/policy.yaml" || { finish; exit 1; }
admin -o /dev/null "https://127.0.0.1:$PORT/api/v1/namespaces/default/configmaps"
stop_server
expect_eq "stdout: event written" \
    "$(grep -c '"kind":"Event".*"verb":"list"' "$WORK/server.log")" 1
finish
