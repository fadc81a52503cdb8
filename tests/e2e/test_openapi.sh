#!/bin/bash
# OpenAPI: the /openapi/v3 root and group/version documents (raw, with curl), /openapi/v2
# content negotiation, and what the real kubectl does with them: explain, apply with its
# default validation (server-side, decided from the PATCH operation's fieldValidation
# parameter), strategic merge patches computed from the v3 schemas, diff, edit and
# server-side apply.
source "$(dirname "$0")/lib.sh"
start_server || { finish; exit 1; }

# curl as the admin user: prints the body, the status code last.
kcurl() {
    curl -sk --max-time 10 --cert "$DATA/pki/admin.crt" --key "$DATA/pki/admin.key" \
        -w '\n%{http_code}' "$@"
}
URL=https://127.0.0.1:$PORT

# ---- raw documents ----
out=$(kcurl "$URL/openapi/v3")
expect_match "v3 root is 200" "$(printf '%s' "$out" | tail -n 1)" '^200$'
root=$(printf '%s' "$out" | sed '$d')
expect_eq "v3 root is JSON with paths" "$(printf '%s' "$root" | jq -r '.paths | type')" "object"
expect_match "v3 root lists api/v1 with a hash" \
    "$(printf '%s' "$root" | jq -r '.paths["api/v1"].serverRelativeURL')" \
    '^/openapi/v3/api/v1\?hash=[0-9A-F]{128}$'
apps_url=$(printf '%s' "$root" | jq -r '.paths["apis/apps/v1"].serverRelativeURL')
expect_match "v3 root lists apis/apps/v1" "$apps_url" '^/openapi/v3/apis/apps/v1\?hash='

out=$(kcurl -D "$WORK/headers" -H 'Accept: application/json' "$URL$apps_url")
expect_match "apps/v1 document is 200" "$(printf '%s' "$out" | tail -n 1)" '^200$'
printf '%s' "$out" | sed '$d' >"$WORK/apps.json"
expect_eq "apps/v1 document is OpenAPI 3.0" "$(jq -r .openapi "$WORK/apps.json")" "3.0.0"
expect_eq "Deployment schema carries its GVK" \
    "$(jq -c '.components.schemas["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"]' "$WORK/apps.json")" \
    '[{"group":"apps","kind":"Deployment","version":"v1"}]'
expect_eq "DeploymentList schema carries its GVK" \
    "$(jq -r '.components.schemas["io.k8s.api.apps.v1.DeploymentList"]["x-kubernetes-group-version-kind"][0].kind' "$WORK/apps.json")" \
    "DeploymentList"
expect_eq "containers keep their merge key" \
    "$(jq -r '.components.schemas["io.k8s.api.core.v1.PodSpec"].properties.containers["x-kubernetes-patch-merge-key"]' "$WORK/apps.json")" \
    "name"
expect_eq "IntOrString is int-or-string" \
    "$(jq -r '.components.schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"].format' "$WORK/apps.json")" \
    "int-or-string"
patch_op='.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"].patch'
expect_eq "PATCH deployment declares fieldValidation" \
    "$(jq -r "$patch_op.parameters[] | select(.name == \"fieldValidation\") | .in" "$WORK/apps.json")" \
    "query"
expect_eq "PATCH deployment has its GVK and action" \
    "$(jq -c "[$patch_op[\"x-kubernetes-action\"], $patch_op[\"x-kubernetes-group-version-kind\"].kind]" "$WORK/apps.json")" \
    '["patch","Deployment"]'
expect_eq "PATCH deployment accepts strategic merge patches" \
    "$(jq -r "$patch_op.requestBody.content | has(\"application/strategic-merge-patch+json\")" "$WORK/apps.json")" \
    "true"
expect_eq "scale subresource answers autoscaling/v1 Scale" \
    "$(jq -c '.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"].get["x-kubernetes-group-version-kind"]' "$WORK/apps.json")" \
    '{"group":"autoscaling","kind":"Scale","version":"v1"}'
missing=$(jq -r '(.components.schemas | keys) as $k
    | [.. | objects | .["$ref"]? // empty | ltrimstr("#/components/schemas/")] | unique - $k
    | join(",")' "$WORK/apps.json")
expect_eq "every \$ref resolves in the document" "$missing" ""

etag=$(grep -i '^etag:' "$WORK/headers" | tr -d '\r' | sed 's/^[^:]*: *//')
expect_match "document has an ETag" "$etag" '^"[0-9A-F]{128}"$'
out=$(kcurl -H "If-None-Match: $etag" "$URL$apps_url")
expect_match "If-None-Match answers 304" "$(printf '%s' "$out" | tail -n 1)" '^304$'
out=$(kcurl "$URL/openapi/v3/apis/apps/v1?hash=0000")
expect_match "stale hash redirects" "$(printf '%s' "$out" | tail -n 1)" '^301$'
out=$(kcurl "$URL/openapi/v3/apis/nosuch.group/v1")
expect_match "unknown group/version is 404" "$(printf '%s' "$out" | tail -n 1)" '^404$'
out=$(kcurl -H 'Accept: application/com.github.proto-openapi.spec.v3@v1.0+protobuf' "$URL$apps_url")
expect_match "v3 protobuf is 406" "$(printf '%s' "$out" | tail -n 1)" '^406$'

out=$(kcurl -H 'Accept: application/json' "$URL/openapi/v2")
expect_match "v2 JSON is 200" "$(printf '%s' "$out" | tail -n 1)" '^200$'
expect_eq "v2 is swagger 2.0 with Pod" \
    "$(printf '%s' "$out" | sed '$d' | jq -r '[.swagger, (.definitions | has("io.k8s.api.core.v1.Pod"))] | join(" ")')" \
    "2.0 true"
out=$(kcurl -H 'Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf' "$URL/openapi/v2")
expect_match "v2 protobuf is 406" "$(printf '%s' "$out" | tail -n 1)" '^406$'

# ---- kubectl explain ----
out=$(k explain deployment.spec.strategy 2>&1)
expect_match "explain names the kind" "$out" 'KIND: +Deployment'
expect_match "explain strategy lists rollingUpdate" "$out" 'rollingUpdate[[:space:]]+<RollingUpdateDeployment>'
expect_match "explain strategy lists type" "$out" '^ +type[[:space:]]+<string>'
out=$(k explain deployment.spec.strategy.rollingUpdate.maxSurge 2>&1)
expect_match "explain shows IntOrString" "$out" 'FIELD: maxSurge <IntOrString>'
out=$(k explain pods --recursive 2>&1)
expect_match "explain pods --recursive lists containers" "$out" '^ +containers[[:space:]]+<\[\]Container> -required-'
expect_match "explain pods --recursive lists ports" "$out" '^ +ports[[:space:]]+<\[\]ContainerPort>'
expect_match "explain pods --recursive lists containerPort" "$out" '^ +containerPort[[:space:]]+<integer> -required-'
out=$(k explain nodes.status.capacity 2>&1)
expect_match "explain shows map of Quantity" "$out" 'capacity <map\[string\]Quantity>'
out=$(k explain deployment.spec.nosuch 2>&1)
expect_match "explain of a missing field fails" "$out" 'field "nosuch" does not exist'

# ---- apply with default validation ----
cat >"$WORK/app.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports:
        - containerPort: 80
        resources:
          limits: {cpu: 500m, memory: 128Mi}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  color: blue
EOF
out=$(k apply -f "$WORK/app.yaml" 2>&1)
expect_match "apply creates the deployment" "$out" 'deployment.apps/web created'
expect_match "apply creates the configmap" "$out" 'configmap/web-config created'
expect_no_match "apply does not fail on openapi" "$out" 'failed to download openapi|validation'
out=$(k apply -f "$WORK/app.yaml" 2>&1)
expect_match "second apply is unchanged" "$out" 'deployment.apps/web unchanged'

sed -e 's/replicas: 2/replicas: 3/' -e 's/nginx:1.25/nginx:1.26/' -e 's/color: blue/color: red/' \
    "$WORK/app.yaml" >"$WORK/app2.yaml"
out=$(k diff -f "$WORK/app2.yaml" 2>&1)
expect_match "diff shows the replica change" "$out" '^\+  replicas: 3'
expect_match "diff shows the configmap change" "$out" '^\+  color: red'
out=$(k apply -f "$WORK/app2.yaml" -v=9 2>&1)
expect_match "apply configures the deployment" "$out" 'deployment.apps/web configured'
expect_no_match "patch computed from the v3 schema" "$out" 'error calculating patch'
expect_match "strategic merge patch keyed containers by name" "$out" 'setElementOrder/containers'
out=$(k get deploy web -o jsonpath='{.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort}')
expect_eq "apply patched the deployment" "$out" "3 nginx:1.26 80"
out=$(k diff -f "$WORK/app2.yaml" 2>&1)
expect_eq "diff is empty after apply" "$out" ""

# ---- edit ----
out=$(KUBE_EDITOR="sed -i -e s/replicas:\ 3/replicas:\ 4/" k edit deployment web 2>&1)
expect_match "edit saves the change" "$out" 'deployment.apps/web edited'
out=$(k get deploy web -o jsonpath='{.spec.replicas}')
expect_eq "edit stored replicas" "$out" "4"

# ---- server-side apply ----
sed -e 's/replicas: 3/replicas: 5/' "$WORK/app2.yaml" >"$WORK/app3.yaml"
out=$(k apply --server-side --force-conflicts -f "$WORK/app3.yaml" 2>&1)
expect_match "server-side apply" "$out" 'deployment.apps/web serverside-applied'
out=$(k get deploy web -o jsonpath='{.spec.replicas}')
expect_eq "server-side apply stored replicas" "$out" "5"

# ---- unknown fields: kubectl leaves them to the server (fieldValidation=Strict) ----
sed -e 's/replicas: 2/replicaz: 2/' -e 's/name: web$/name: web-typo/' "$WORK/app.yaml" \
    | sed -n '1,/^---$/p' | sed '$d' >"$WORK/typo.yaml"
out=$(k apply -f "$WORK/typo.yaml" 2>&1)
expect_match "apply rejects an unknown field" "$out" 'strict decoding error: unknown field "spec.replicaz"'
out=$(k get deploy web-typo 2>&1)
expect_match "the object with an unknown field was not created" "$out" 'not found'
out=$(k apply --validate=false -f "$WORK/typo.yaml" 2>&1)
expect_match "--validate=false accepts it" "$out" 'deployment.apps/web-typo created'
out=$(k get deploy web-typo -o json | jq -r '.spec | has("replicaz")')
expect_eq "the unknown field was dropped" "$out" "false"

finish
