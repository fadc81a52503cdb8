#!/bin/bash
# kubectl verbs end to end: apply twice, patch (three types), label, annotate, scale,
# output formats, selectors, chunked lists, watch, conflicts, malformed bodies, restart.
source "$(dirname "$0")/lib.sh"
start_server || { finish; exit 1; }
V=--validate=false

out=$(k apply $V -f "$FIXTURES/app.yaml" 2>&1)
expect_match "apply creates all documents" "$out" 'deployment.apps/web created'
out=$(k apply $V -f "$FIXTURES/app.yaml" 2>&1)
expect_match "second apply is unchanged (configmap)" "$out" 'configmap/web-config unchanged'
expect_match "second apply is unchanged (deployment)" "$out" 'deployment.apps/web unchanged'
expect_match "second apply is unchanged (service)" "$out" 'service/web unchanged'

# patches
check "strategic merge patch" k patch deployment web -p '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26"}]}}}}'
out=$(k get deploy web -o jsonpath='{.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort}')
expect_eq "SMP merged the container by name" "$out" "nginx:1.26 80"
check "merge patch" k patch configmap web-config --type=merge -p '{"data":{"size":"L"}}'
out=$(k get cm web-config -o jsonpath='{.data.color}/{.data.size}')
expect_eq "merge patch kept and added keys" "$out" "blue/L"
check "json patch" k patch configmap web-config --type=json -p '[{"op":"replace","path":"/data/color","value":"red"},{"op":"remove","path":"/data/size"}]'
out=$(k get cm web-config -o jsonpath='{.data}')
expect_eq "json patch applied" "$out" '{"color":"red"}'
out=$(k patch configmap web-config --type=json -p '[{"op":"test","path":"/data/color","value":"green"}]' 2>&1)
expect_match "failed json patch test is refused" "$out" 'testing value /data/color failed'
out=$(k get cm web-config -o jsonpath='{.data.color}')
expect_eq "failed patch stored nothing" "$out" "red"

# generation
out=$(k get deploy web -o jsonpath='{.metadata.generation}')
expect_eq "spec change bumped generation" "$out" "2"

# label / annotate / scale
check "label" k label deployment web env=prod
check "annotate" k annotate deployment web owner=team-a
out=$(k get deploy web -o jsonpath='{.metadata.labels.env} {.metadata.annotations.owner}')
expect_eq "label and annotation stored" "$out" "prod team-a"
check "label removal" k label deployment web env-
out=$(k get deploy web -o jsonpath='{.metadata.labels}')
expect_no_match "label removed" "$out" 'env'
check "scale" k scale deployment web --replicas=5
out=$(k get deploy web -o jsonpath='{.spec.replicas}')
expect_eq "scale set replicas" "$out" "5"
out=$(k get --raw /apis/apps/v1/namespaces/default/deployments/web/scale)
expect_match "scale subresource reads" "$out" '"kind":"Scale".*"replicas":5'

# output formats
out=$(k get deploy web -o json)
expect_match "-o json" "$out" '"kind": "Deployment"'
out=$(k get deploy web -o yaml)
expect_match "-o yaml" "$out" '^kind: Deployment'
out=$(k get deploy -o name)
expect_eq "-o name" "$out" "deployment.apps/web"
out=$(k get cm -o custom-columns=NAME:.metadata.name,COLOR:.data.color --no-headers | grep web-config)
expect_match "-o custom-columns" "$out" '^web-config +red$'
out=$(k get deploy -o wide)
expect_match "-o wide" "$out" 'web'

# selectors
k create $V -f - >/dev/null 2>&1 <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: sel-a, labels: {env: prod, tier: db}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: sel-b, labels: {env: dev, tier: web}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: sel-c, labels: {env: qa}}
YAML
out=$(k get cm -l 'env in (prod,dev)' -o name | sort | tr '\n' ' ')
expect_eq "set-based selector in" "$out" "configmap/sel-a configmap/sel-b "
out=$(k get cm -l 'env,env notin (prod)' -o name | sort | tr '\n' ' ')
expect_eq "exists + notin" "$out" "configmap/sel-b configmap/sel-c "
out=$(k get cm -l '!tier,env' -o name | tr '\n' ' ')
expect_eq "does not exist" "$out" "configmap/sel-c "
out=$(k get cm -l 'env!=prod,tier=web' -o name | tr '\n' ' ')
expect_eq "!= and =" "$out" "configmap/sel-b "
out=$(k get cm --field-selector metadata.name=sel-c -o name)
expect_eq "field selector" "$out" "configmap/sel-c"
out=$(k get cm --field-selector spec.foo=bar 2>&1)
expect_match "unsupported field selector" "$out" 'field label not supported: spec.foo'
out=$(k get cm -l 'env in (prod' 2>&1)
expect_match "bad label selector is 400" "$out" 'Error from server \(BadRequest\)'

# chunked lists
for i in $(seq 1 12); do echo "---"; printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: chunk-%02d, labels: {chunk: "yes"}}\n' "$i"; done > "$WORK/chunks.yaml"
k create $V -f "$WORK/chunks.yaml" >/dev/null
out=$(k get cm -l chunk=yes --chunk-size=5 -o name -v=6 2>&1)
expect_match "chunked list used continue" "$out" 'continue='
expect_eq "chunked list is complete" "$(printf '%s\n' "$out" | grep -c '^configmap/chunk-')" "12"

# watch: add, modify, delete
k get cm -w --output-watch-events > "$WORK/watch.out" 2>&1 &
WPID=$!
sleep 1
k create $V -f - >/dev/null <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: watched}
YAML
k label cm watched seen=1 >/dev/null
k delete cm watched >/dev/null
sleep 1
kill "$WPID" 2>/dev/null; wait "$WPID" 2>/dev/null
out=$(cat "$WORK/watch.out")
expect_match "watch saw ADDED" "$out" 'ADDED +watched'
expect_match "watch saw MODIFIED" "$out" 'MODIFIED +watched'
expect_match "watch saw DELETED" "$out" 'DELETED +watched'

# conflicts and malformed input, via the raw API
API="https://127.0.0.1:$PORT"
CURL=(curl -sk --cert "$DATA/pki/admin.crt" --key "$DATA/pki/admin.key")
out=$("${CURL[@]}" -X PUT -H 'Content-Type: application/json' \
    -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"sel-a","resourceVersion":"1"}}' \
    "$API/api/v1/namespaces/default/configmaps/sel-a")
expect_match "stale resourceVersion is 409 Conflict" "$out" '"reason":"Conflict".*"code":409'
out=$("${CURL[@]}" -X POST -H 'Content-Type: application/json' -d '{"apiVersion":"v1","kind":' \
    "$API/api/v1/namespaces/default/configmaps")
expect_match "malformed JSON is 400" "$out" '"code":400'
out=$("${CURL[@]}" -X POST -H 'Content-Type: application/yaml' --data-binary $'kind: ConfigMap\n  bad: [' \
    "$API/api/v1/namespaces/default/configmaps")
expect_match "malformed YAML is 400" "$out" '"code":400'
out=$("${CURL[@]}" "$API/api/v1/namespaces/default/configmaps" -o /dev/null -w '%{http_code}' \
    -X POST -H 'Content-Type: application/json' --data-binary @<(head -c 3200000 /dev/zero | tr '\0' 'a'))
expect_eq "body over 3 MiB is 413" "$out" "413"
out=$(curl -sk "$API/api/v1/namespaces")
expect_match "anonymous request is forbidden" "$out" '"code":403'
out=$(curl -sk "$API/version")
expect_match "anonymous /version is allowed" "$out" '"gitVersion"'

# restart keeps every object
before=$(k get cm,deploy,svc -A -o name | sort)
stop_server
start_server
after=$(k get cm,deploy,svc -A -o name | sort)
expect_eq "restart keeps every object" "$after" "$before"

# A watch resuming from a resourceVersion with events to replay (kubectl speaks HTTP/2):
# the replayed events and the stream's start are one send each.
rv=$(k get configmaps -o jsonpath='{.metadata.resourceVersion}')
check "create after the list" k create configmap replayed1
check "and another" k create configmap replayed2
P=$DATA/pki
out=$(curl -s --http2 --max-time 5 --cacert "$P/ca.crt" --cert "$P/admin.crt" --key "$P/admin.key" \
    "https://127.0.0.1:$PORT/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=$rv&timeoutSeconds=2" 2>&1)
expect_match "watch from an older resourceVersion replays (HTTP/2)" "$out" '"name":"replayed1"'
expect_match "both replayed" "$out" '"name":"replayed2"'
check "server still serving after the replayed watch" k get configmap replayed2

finish
