#!/usr/bin/env bash
# User impersonation end to end (upstream's WithImpersonation filter): kubectl --as,
# --as-group and --as-uid and raw Impersonate-* headers; each impersonated attribute
# authorized with verb "impersonate" (users, groups, serviceaccounts, uids, userextras) and
# upstream's 403 texts; the 400 for groups without a user; the impersonated identity used for
# everything after (SelfSubjectReview, access reviews, authorization, admission); the audit
# event keeps the requester as its user.
source "$(dirname "$0")/lib.sh"

cat >"$WORK/token.csv" <<'CSV'
alice-token,alice,uid-alice,"dev-team"
CSV
cat >"$WORK/policy.yaml" <<'YAML'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  resources: [{group: authentication.k8s.io, resources: [selfsubjectreviews]}]
YAML
start_server --token-auth-file="$WORK/token.csv" --audit-log-path="$WORK/audit.log" \
    --audit-policy-file="$WORK/policy.yaml" || { finish; exit 1; }
SERVER=https://127.0.0.1:$PORT
PKI=$DATA/pki
# A ARGS...: kubectl as alice (token user, no impersonation rights until granted below).
A() {
    "$KUBECTL" --kubeconfig /dev/null --server "$SERVER" --certificate-authority "$PKI/ca.crt" \
        --token alice-token "$@"
}
admin_curl() { curl -s --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$@"; }
alice_curl() { curl -s --cacert "$PKI/ca.crt" -H 'Authorization: Bearer alice-token' "$@"; }
SSR='{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}'
# whoami_raw CURLFN HEADERS...: status.userInfo of a SelfSubjectReview sent with the headers.
whoami_raw() {
    local fn=$1; shift
    local args=() h
    for h in "$@"; do args+=(-H "$h"); done
    "$fn" -X POST -H 'Content-Type: application/json' "${args[@]}" -d "$SSR" \
        "$SERVER/apis/authentication.k8s.io/v1/selfsubjectreviews" | jq -c '.status.userInfo // .'
}
FORBID_BOB='users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope'

# ---- the admin (system:masters) may impersonate anyone ----
admin=$(k auth whoami -o jsonpath='{.status.userInfo.username}')
out=$(k auth whoami --as=bob --as-group=devs -o json 2>&1)
expect_eq "whoami --as=bob --as-group=devs: user" "$(printf '%s' "$out" | jq -r .status.userInfo.username)" bob
expect_eq "whoami --as=bob --as-group=devs: groups" \
    "$(printf '%s' "$out" | jq -c .status.userInfo.groups)" '["devs","system:authenticated"]'
out=$(k auth whoami --as=bob --as-group=devs 2>&1)
expect_match "whoami table: Username bob" "$out" 'Username[[:space:]]+bob'
expect_match "whoami table: Groups" "$out" 'Groups[[:space:]]+\[devs system:authenticated\]'
out=$(k auth whoami --as=bob -o json 2>&1)
expect_eq "--as alone: system:authenticated only (not the admin's groups)" \
    "$(printf '%s' "$out" | jq -c .status.userInfo)" '{"username":"bob","groups":["system:authenticated"]}'
out=$(k auth whoami --as=bob --as-uid=uid-bob -o json 2>&1)
expect_eq "--as-uid: uid" "$(printf '%s' "$out" | jq -r .status.userInfo.uid)" uid-bob
out=$(whoami_raw admin_curl 'Impersonate-User: bob' 'Impersonate-Extra-Example.org%2FScopes: read' \
    'impersonate-extra-example.org%2fscopes: write' 'Impersonate-Extra-Team: blue')
expect_eq "Impersonate-Extra-*: keys lower-cased and decoded, values in order" "$out" \
    '{"username":"bob","groups":["system:authenticated"],"extra":{"example.org/scopes":["read","write"],"team":["blue"]}}'
out=$(k auth whoami --as=system:serviceaccount:default:default -o json 2>&1)
expect_eq "service account: user and implied groups" "$(printf '%s' "$out" | jq -c .status.userInfo)" \
    '{"username":"system:serviceaccount:default:default","groups":["system:serviceaccounts","system:serviceaccounts:default","system:authenticated"]}'
out=$(k auth whoami --as=system:serviceaccount:default:default --as-group=g1 -o json 2>&1)
expect_eq "service account with --as-group: the groups given only" \
    "$(printf '%s' "$out" | jq -c .status.userInfo.groups)" '["g1","system:authenticated"]'
out=$(k get --raw /api --as=system:anonymous 2>&1)
expect_match "--as=system:anonymous: no discovery (system:authenticated not added)" "$out" \
    'forbidden: User "system:anonymous" cannot get path "/api"'
out=$(k auth whoami --as=system:anonymous --as-group=system:authenticated -o json 2>&1)
expect_eq "system:anonymous gets system:unauthenticated added" \
    "$(printf '%s' "$out" | jq -c .status.userInfo.groups)" '["system:authenticated","system:unauthenticated"]'

# ---- authorization after impersonation is the impersonated user's ----
expect_eq "can-i --as scheduler: get its lock configmap" \
    "$(k auth can-i --as=system:kube-scheduler get configmaps/kube-scheduler -n kube-system 2>&1)" yes
expect_eq "can-i --as scheduler: no delete" \
    "$(k auth can-i --as=system:kube-scheduler delete configmaps/kube-scheduler -n kube-system 2>&1)" no
expect_eq "can-i --as default service account: no list secrets" \
    "$(k auth can-i --as=system:serviceaccount:default:default list secrets -n default 2>&1)" no
out=$(k get configmaps -n default --as=bob 2>&1)
expect_match "admin --as=bob: bob's own rights" "$out" \
    'configmaps is forbidden: User "bob" cannot list resource "configmaps" in API group "" in the namespace "default"'
out=$(k get configmaps -n default --as=bob --as-group=system:masters 2>&1)
expect_no_match "--as-group=system:masters: allowed" "$out" 'forbidden'
# admission sees the impersonated user: NodeRestriction for a node identity
out=$(k run p1 --image=nginx -n default --as=system:node:n1 --as-group=system:nodes 2>&1)
expect_match "admission: NodeRestriction applies to the impersonated node" "$out" \
    'node "n1" can only create mirror pods'
check "writes as the impersonated user once allowed" bash -c \
    "$KUBECTL --kubeconfig $KUBECONFIG create rolebinding bob-edit --clusterrole=edit --user=bob -n default >/dev/null &&
     $KUBECTL --kubeconfig $KUBECONFIG create configmap c1 -n default --from-literal=a=b --as=bob"

# ---- a user without impersonate rights gets upstream's 403 ----
out=$(A get --raw /api --as=bob 2>&1)
expect_match "alice --as=bob: forbidden" "$out" "$FORBID_BOB"
out=$(A auth can-i list pods --as=bob 2>&1)
expect_match "alice can-i --as=bob: forbidden" "$out" "$FORBID_BOB"
code=$(alice_curl -o "$WORK/body" -w '%{http_code}' -H 'Impersonate-User: bob' "$SERVER/api")
expect_eq "raw: 403" "$code" 403
expect_eq "raw: Status reason and details" "$(jq -c '[.reason,.details]' "$WORK/body")" \
    '["Forbidden",{"name":"bob","kind":"users"}]'
out=$(curl -s --cacert "$PKI/ca.crt" -H 'Impersonate-User: bob' "$SERVER/api")
expect_match "anonymous: forbidden to impersonate" "$out" \
    'users \\"bob\\" is forbidden: User \\"system:anonymous\\" cannot impersonate resource \\"users\\"'
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$PKI/ca.crt" -H 'Authorization: Bearer nope' \
    -H 'Impersonate-User: bob' "$SERVER/api")
expect_eq "bad credentials: 401 before impersonation" "$code" 401

# ---- groups, extras or a uid without a user: 400 ----
code=$(admin_curl -o "$WORK/body" -w '%{http_code}' -H 'Impersonate-Group: devs' "$SERVER/api")
expect_eq "group without user: 400" "$code" 400
expect_eq "group without user: upstream's message" "$(jq -c '[.reason,.message]' "$WORK/body")" \
    '["BadRequest","requested [{Group  devs    }] without impersonating a user"]'
out=$(admin_curl -H 'Impersonate-Uid: u1' "$SERVER/api" | jq -r .message)
expect_eq "uid without user: upstream's message" "$out" \
    'requested [{UID  u1  authentication.k8s.io/v1  }] without impersonating a user'
out=$(admin_curl -H 'Impersonate-Extra-Scopes: view' "$SERVER/api" | jq -r .message)
expect_eq "extra without user: upstream's message" "$out" \
    'requested [{UserExtra  view  authentication.k8s.io/v1  scopes}] without impersonating a user'

# ---- impersonate rights by RBAC, attribute by attribute ----
check "ClusterRole: impersonate users [bob]" k create clusterrole impersonate-bob \
    --verb=impersonate --resource=users --resource-name=bob
check "bind it to alice" k create clusterrolebinding alice-impersonate-bob \
    --clusterrole=impersonate-bob --user=alice
out=$(A auth whoami --as=bob -o json 2>&1)
expect_eq "alice --as=bob: allowed, bob's identity" "$(printf '%s' "$out" | jq -c .status.userInfo)" \
    '{"username":"bob","groups":["system:authenticated"]}'
expect_eq "alice --as=bob: bob's rights (edit in default)" \
    "$(A auth can-i create configmaps -n default --as=bob 2>&1)" yes
out=$(A get --raw /api --as=carol 2>&1)
expect_match "alice --as=carol: forbidden" "$out" \
    'users "carol" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope'
out=$(A get --raw /api --as=bob --as-group=devs 2>&1)
expect_match "alice --as-group: groups checked too" "$out" \
    'groups "devs" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope'
out=$(A get --raw /api --as=bob --as-uid=u1 2>&1)
expect_match "alice --as-uid: uids checked" "$out" \
    'uids.authentication.k8s.io "u1" is forbidden: User "alice" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope'
out=$(alice_curl -H 'Impersonate-User: bob' -H 'Impersonate-Extra-Scopes: view' "$SERVER/api" | jq -r .message)
expect_eq "alice Impersonate-Extra: userextras/<key> checked" "$out" \
    'userextras.authentication.k8s.io "view" is forbidden: User "alice" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope'
out=$(A get --raw /api --as=system:serviceaccount:default:default 2>&1)
expect_match "alice --as service account: serviceaccounts in its namespace" "$out" \
    'serviceaccounts "default" is forbidden: User "alice" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "default"'

check "grant groups, service accounts, uids and userextras/scopes" k apply -f - <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: impersonate-more}
rules:
- {apiGroups: [""], resources: [groups], verbs: [impersonate], resourceNames: [devs]}
- {apiGroups: [""], resources: [serviceaccounts], verbs: [impersonate]}
- {apiGroups: [authentication.k8s.io], resources: [uids, userextras/scopes], verbs: [impersonate]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-impersonate-more, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonate-more}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: alice-impersonate-more}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonate-more}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]
YAML
out=$(A auth whoami --as=bob --as-group=devs -o json 2>&1)
expect_eq "alice --as=bob --as-group=devs: allowed" "$(printf '%s' "$out" | jq -c .status.userInfo.groups)" \
    '["devs","system:authenticated"]'
out=$(A get --raw /api --as=bob --as-group=qa 2>&1)
expect_match "alice --as-group=qa: not in resourceNames" "$out" 'groups "qa" is forbidden'
out=$(A auth whoami --as=system:serviceaccount:default:default -o jsonpath='{.status.userInfo.username}' 2>&1)
expect_eq "alice --as service account: allowed" "$out" system:serviceaccount:default:default
out=$(whoami_raw alice_curl 'Impersonate-User: bob' 'Impersonate-Uid: u1' 'Impersonate-Extra-Scopes: view')
expect_eq "alice uid and extra: allowed" "$out" \
    '{"username":"bob","uid":"u1","groups":["system:authenticated"],"extra":{"scopes":["view"]}}'
out=$(alice_curl -H 'Impersonate-User: bob' -H 'Impersonate-Extra-Other: x' "$SERVER/api" | jq -r .message)
expect_match "alice: another extra key stays forbidden" "$out" \
    'userextras.authentication.k8s.io "x" is forbidden: .* resource "userextras/other"'

# ---- the audit event's user is the requester ----
sleep 0.3
ev=$(grep '"selfsubjectreviews"' "$WORK/audit.log" | jq -c 'select(.user.username=="alice")' | tail -n 1)
expect_eq "audit: an impersonated alice request is recorded with user alice" \
    "$(printf '%s' "$ev" | jq -r '.user.username')" alice
ev=$(grep '"selfsubjectreviews"' "$WORK/audit.log" | sed -n 2p) # whoami --as=bob --as-group=devs
expect_eq "audit: the admin's --as request has the admin as user" \
    "$(printf '%s' "$ev" | jq -r '.user.username')" "$admin"

expect_eq "audit: impersonatedUser" "$(printf '%s' "$ev" | jq -c '.impersonatedUser')" \
    '{"username":"bob","groups":["devs","system:authenticated"]}'
ev=$(grep '"selfsubjectreviews"' "$WORK/audit.log" | sed -n 1p) # whoami without --as
expect_eq "audit: no impersonatedUser without impersonation" "$(printf '%s' "$ev" | jq -c '.impersonatedUser')" null

finish
