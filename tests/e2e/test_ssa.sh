#!/bin/bash
# Server-side apply and managedFields end to end with the real kubectl: create, unchanged
# re-apply, conflicts with upstream's message, --force-conflicts, removal of dropped
# fields, shared ownership, dry run, client-side to server-side apply migration,
# managedFields reset and before-first-apply, and the raw API's checks.
source "$(dirname "$0")/lib.sh"
start_server || { finish; exit 1; }

# kubectl validates against /openapi/v3 when the server offers it.
V=
curl -sk --max-time 5 --cert "$DATA/pki/admin.crt" --key "$DATA/pki/admin.key" \
    "https://127.0.0.1:$PORT/openapi/v3" | grep -q '"apis/apps/v1"' || V=--validate=false

cat >"$WORK/deploy.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
    tier: frontend
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports:
        - containerPort: 80
EOF
rv() { k get deploy "${1:-web}" -o jsonpath='{.metadata.resourceVersion}'; }
managers() { k get deploy "${1:-web}" -o jsonpath='{range .metadata.managedFields[*]}{.manager}/{.operation}{.subresource} {end}'; }

# create
out=$(k apply --server-side $V -f "$WORK/deploy.yaml" 2>&1)
expect_match "apply --server-side creates" "$out" '^deployment.apps/web serverside-applied$'
out=$(k get deploy web -o yaml --show-managed-fields 2>&1)
expect_match "managedFields lists the applier" "$out" 'manager: kubectl$'
expect_match "the entry is an Apply" "$out" 'operation: Apply$'
expect_match "fieldsV1 keys list-map elements" "$out" 'k:\{"name":"web"\}:'
expect_match "port key carries the protocol default" "$out" 'k:\{"containerPort":80,"protocol":"TCP"\}:'
expect_match "fieldsV1 lists applied labels" "$out" 'f:tier: \{\}'
out=$(k get deploy web -o jsonpath='{.metadata.managedFields[0].fieldsV1}')
expect_eq "fieldsV1 is upstream's set" "$out" '{"f:metadata":{"f:labels":{"f:app":{},"f:tier":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}'
out=$(k get deploy web -o yaml 2>&1)
expect_no_match "managedFields hidden without --show-managed-fields" "$out" 'managedFields'

# unchanged re-apply
before=$(rv)
out=$(k apply --server-side $V -f "$WORK/deploy.yaml" 2>&1)
expect_match "re-apply reports serverside-applied" "$out" 'serverside-applied'
expect_eq "re-apply writes nothing (same resourceVersion)" "$(rv)" "$before"

# another manager conflicts, then --force-conflicts wins
cat >"$WORK/other.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 4
EOF
out=$(k apply --server-side $V --field-manager=other -f "$WORK/other.yaml" 2>&1)
expect_match "other manager conflicts with the applier" "$out" 'Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas'
check "other manager forces" k apply --server-side $V --field-manager=other --force-conflicts -f "$WORK/other.yaml"
expect_eq "forced value stored" "$(k get deploy web -o jsonpath='{.spec.replicas}')" "4"
out=$(k apply --server-side $V -f "$WORK/deploy.yaml" 2>&1)
expect_match "first manager now conflicts (upstream message)" "$out" 'error: Apply failed with 1 conflict: conflict with "other": \.spec\.replicas'
expect_match "kubectl explains the conflict" "$out" 'force-conflicts'
check "first manager forces back" k apply --server-side $V --force-conflicts -f "$WORK/deploy.yaml"
expect_eq "replicas back" "$(k get deploy web -o jsonpath='{.spec.replicas}')" "2"
expect_no_match "other lost its only field and its entry" "$(managers)" 'other/'

# an Update writer (kubectl scale) conflicts too
check "kubectl scale" k scale deploy web --replicas=5
out=$(managers)
expect_match "scale recorded an Update entry" "$out" 'kubectl/Update'
out=$(k apply --server-side $V -f "$WORK/deploy.yaml" 2>&1)
expect_match "apply conflicts with the scaler" "$out" 'Apply failed with 1 conflict: conflict with "kubectl"( with subresource "scale")? using apps/v1: \.spec\.replicas'
check "force after scale" k apply --server-side $V --force-conflicts -f "$WORK/deploy.yaml"
expect_no_match "the scaler's emptied entry is dropped" "$(managers)" 'kubectl/Update'

# removing a field from the configuration removes it from the object
sed '/tier: frontend/d' "$WORK/deploy.yaml" >"$WORK/deploy2.yaml"
check "apply without the tier label" k apply --server-side $V -f "$WORK/deploy2.yaml"
expect_eq "label removed from the object" "$(k get deploy web -o jsonpath='{.metadata.labels}')" '{"app":"web"}'
out=$(k get deploy web -o jsonpath='{.metadata.managedFields[?(@.manager=="kubectl")].fieldsV1}')
expect_no_match "label removed from the applier's set" "$out" 'f:tier'
# ... unless another manager still owns it
cat >"$WORK/label.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    tier: frontend
EOF
check "first manager applies the label again" k apply --server-side $V -f "$WORK/deploy.yaml"
check "other co-owns the label" k apply --server-side $V --field-manager=other -f "$WORK/label.yaml"
check "first manager re-applies without it" k apply --server-side $V -f "$WORK/deploy2.yaml"
expect_match "co-owned label stays" "$(k get deploy web -o jsonpath='{.metadata.labels}')" '"tier":"frontend"'

# dry run
sed 's/replicas: 2/replicas: 9/' "$WORK/deploy2.yaml" >"$WORK/dry.yaml"
before=$(rv)
out=$(k apply --server-side $V --force-conflicts --dry-run=server -f "$WORK/dry.yaml" -o jsonpath='{.spec.replicas}' 2>&1)
expect_eq "dry-run apply answers the result" "$out" "9"
expect_eq "dry-run apply stores nothing" "$(rv)" "$before"

# client-side apply creates with kubectl-client-side-apply, server-side apply takes over
sed 's/name: web$/name: csa/' "$WORK/deploy2.yaml" >"$WORK/csa.yaml"
check "client-side apply creates" k apply $V -f "$WORK/csa.yaml"
out=$(k get deploy csa -o yaml --show-managed-fields 2>&1)
expect_match "created by kubectl-client-side-apply" "$out" 'manager: kubectl-client-side-apply'
expect_match "the creator owns defaulted fields" "$out" 'f:progressDeadlineSeconds: \{\}'
expect_match "the creator owns the annotation" "$out" 'f:kubectl.kubernetes.io/last-applied-configuration: \{\}'
expect_match "labels node recorded with '.'" "$out" '\.: \{\}'
sed -i 's/replicas: 2/replicas: 3/' "$WORK/csa.yaml"
out=$(k apply --server-side $V -f "$WORK/csa.yaml" 2>&1)
expect_match "server-side apply over client-side apply needs no force" "$out" 'deployment.apps/csa serverside-applied'
expect_eq "migrated apply changed replicas" "$(k get deploy csa -o jsonpath='{.spec.replicas}')" "3"
expect_match "kubectl applier recorded" "$(managers csa)" 'kubectl/Apply'

# raw API
api=https://127.0.0.1:$PORT/apis/apps/v1/namespaces/default/deployments
craw() { curl -sk --cert "$DATA/pki/admin.crt" --key "$DATA/pki/admin.key" "$@"; }

# managedFields: [] resets, later updates stay untracked, apply starts with before-first-apply
check "reset managedFields" k patch deploy csa --type=merge -p '{"metadata":{"managedFields":[]}}'
expect_eq "managedFields reset" "$(k get deploy csa -o jsonpath='{.metadata.managedFields}')" ""
check "label after reset" k label deploy csa x=y
expect_eq "untracked object stays untracked" "$(k get deploy csa -o jsonpath='{.metadata.managedFields}')" ""
out=$(craw -X PATCH -H 'Content-Type: application/apply-patch+yaml' "$api/csa?fieldManager=late" \
    --data-binary $'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: csa\n  annotations:\n    a: b\n')
expect_match "apply on an untracked object" "$out" '"a":"b"'
expect_eq "before-first-apply holds the existing fields" "$(managers csa)" 'late/Apply before-first-apply/Update '
out=$(k get deploy csa -o jsonpath='{.metadata.managedFields[1].fieldsV1}')
expect_match "before-first-apply owns what was there" "$out" '"f:x":\{\}'
out=$(craw -X PATCH -H 'Content-Type: application/apply-patch+yaml' "$api/csa?fieldManager=late" \
    --data-binary $'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: csa\nspec:\n  bogus: 1\n')
expect_match "unknown fields are refused" "$out" 'failed to create typed patch object \(/csa; apps/v1, Kind=Deployment\): \.spec\.bogus: field not declared in schema'

out=$(craw -X PATCH -H 'Content-Type: application/apply-patch+yaml' "$api/web" \
    --data-binary $'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n')
expect_match "apply needs a fieldManager" "$out" 'fieldManager: Required value'
out=$(craw -X PATCH -H 'Content-Type: application/apply-patch+yaml' "$api/web?fieldManager=x" \
    --data-binary $'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\n')
expect_match "kind must match the endpoint" "$out" 'invalid object type: apps/v1, Kind=StatefulSet'
out=$(craw -X PATCH -H 'Content-Type: application/apply-patch+yaml' "$api/web?fieldManager=x" \
    --data-binary $'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\n')
expect_match "name must match the URL" "$out" 'does not match the name on the URL'
out=$(craw -X PATCH -H 'Content-Type: application/apply-patch+yaml' "$api/web?fieldManager=x" \
    --data-binary $'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 7\n')
expect_match "conflict is a 409 Status" "$out" '"reason":"Conflict"'
expect_match "conflict causes name the field" "$out" '"reason":"FieldManagerConflict","message":"conflict with \\"kubectl\\"","field":".spec.replicas"'
out=$(craw -o /dev/null -w '%{http_code}' -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
    "$api/fresh?fieldManager=x" --data-binary @"$WORK/deploy.yaml")
expect_eq "name mismatch on create is refused" "$out" "400"
sed 's/name: web$/name: fresh/' "$WORK/deploy.yaml" >"$WORK/fresh.yaml"
out=$(craw -o /dev/null -w '%{http_code}' -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
    "$api/fresh?fieldManager=x" --data-binary @"$WORK/fresh.yaml")
expect_eq "apply creating an object answers 201" "$out" "201"

finish
