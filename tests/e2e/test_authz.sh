#!/bin/bash
# Authorization reviews and RBAC escalation prevention: `kubectl auth can-i` (Self-
# SubjectAccessReview), `auth can-i --list` (SelfSubjectRulesReview) and SubjectAccessReview
# for token users bound to the bootstrap view/edit/admin ClusterRoles; writes of roles and
# bindings granting what the writer does not hold are refused unless it may escalate/bind.
source "$(dirname "$0")/lib.sh"
cat > "$WORK/token.csv" <<'CSV'
viewer-token,viewer,2001
editor-token,editor,2002
admin-token,nsadmin,2003
alice-token,alice,2004,"dev-team"
CSV
start_server --token-auth-file="$WORK/token.csv" || { finish; exit 1; }
# One kubeconfig per token user (`--user` would clash with `create rolebinding --user`).
for u in viewer editor admin alice; do
    kc=(--kubeconfig "$WORK/$u.kubeconfig")
    "$KUBECTL" "${kc[@]}" config set-cluster ckube --server="https://127.0.0.1:$PORT" \
        --certificate-authority="$DATA/pki/ca.crt" >/dev/null
    "$KUBECTL" "${kc[@]}" config set-credentials "$u" --token="$u-token" >/dev/null
    "$KUBECTL" "${kc[@]}" config set-context ctx --cluster=ckube --user="$u" >/dev/null
    "$KUBECTL" "${kc[@]}" config use-context ctx >/dev/null
done
as() { local u=$1; shift; "$KUBECTL" --kubeconfig "$WORK/$u.kubeconfig" "$@"; }
# can NAME USER WANT ARGS...: `auth can-i ARGS` answers WANT (yes/no).
can() {
    local name=$1 u=$2 want=$3; shift 3
    local got; got=$(as "$u" auth can-i "$@" 2>&1)
    expect_eq "$name" "$got" "$want"
}

check "create namespace dev" k create namespace dev
check "bind view, edit, admin in dev" bash -c "$KUBECTL --kubeconfig $KUBECONFIG create rolebinding v --clusterrole=view --user=viewer -n dev && $KUBECTL --kubeconfig $KUBECONFIG create rolebinding e --clusterrole=edit --user=editor -n dev && $KUBECTL --kubeconfig $KUBECONFIG create rolebinding a --clusterrole=admin --user=nsadmin -n dev"

can "view: get pods" viewer yes get pods -n dev
can "view: list deployments" viewer yes list deployments.apps -n dev
can "view: create pods" viewer no create pods -n dev
can "view: get secrets" viewer no get secrets -n dev
can "view: get pods in default" viewer no get pods -n default
can "view: pods/log subresource" viewer yes get pods --subresource=log -n dev
can "view: pods/exec subresource" viewer no create pods --subresource=exec -n dev
can "edit: create deployments" editor yes create deployments -n dev
can "edit: get secrets" editor yes get secrets -n dev
can "edit: create roles" editor no create roles -n dev
can "edit: create rolebindings" editor no create rolebindings -n dev
can "admin: create roles" admin yes create roles -n dev
can "admin: create rolebindings" admin yes create rolebindings -n dev
can "admin: create resourcequotas" admin no create resourcequotas -n dev
out=$(as admin auth can-i delete namespaces/dev 2>/dev/null)
expect_eq "admin: delete namespace dev" "$out" "no"
can "admin: named resource" admin yes get configmap/any -n dev
can "non-resource URL /healthz" viewer yes get /healthz
can "non-resource URL /logs" viewer no get /logs
out=$(k auth can-i create nodes 2>/dev/null)
expect_eq "admin cert (system:masters): create nodes" "$out" "yes"

out=$(as viewer auth can-i --list -n dev 2>&1)
expect_match "can-i --list: view's pods" "$out" '^pods +\[\] +\[\] +\[get list watch\]'
expect_match "can-i --list: self reviews" "$out" 'selfsubjectaccessreviews.authorization.k8s.io +\[\] +\[\] +\[create\]'
expect_match "can-i --list: non-resource URLs" "$out" '\[/healthz\] +\[\] +\[get\]'
expect_no_match "can-i --list: no secrets for view" "$out" '^secrets '
out=$(as editor auth can-i --list -n dev 2>&1)
expect_match "can-i --list: edit creates deployments" "$out" 'deployments.apps +\[\] +\[\] +\[.*create'

API="https://127.0.0.1:$PORT"
CERTS=(--cacert "$DATA/pki/ca.crt" --cert "$DATA/pki/admin.crt" --key "$DATA/pki/admin.key")
sar() { curl -s "${CERTS[@]}" -X POST -H 'Content-Type: application/json' -d "$2" "$API$1"; }
out=$(sar /apis/authorization.k8s.io/v1/subjectaccessreviews '{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"editor","resourceAttributes":{"namespace":"dev","verb":"create","group":"apps","resource":"deployments"}}}')
expect_match "SAR for another user: allowed" "$out" '"allowed":true'
expect_match "SAR: RBAC reason" "$out" '"reason":"RBAC: allowed by RoleBinding \\"e/dev\\" of ClusterRole \\"edit\\" to User \\"editor\\""'
out=$(sar /apis/authorization.k8s.io/v1/subjectaccessreviews '{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"viewer","resourceAttributes":{"namespace":"dev","verb":"delete","resource":"pods","name":"p"}}}')
expect_match "SAR: denied answer" "$out" '"status":\{"allowed":false\}'
out=$(sar /apis/authorization.k8s.io/v1/subjectaccessreviews '{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"groups":["system:masters"],"nonResourceAttributes":{"path":"/metrics","verb":"get"}}}')
expect_match "SAR: groups, non-resource" "$out" '"allowed":true'
out=$(sar /apis/authorization.k8s.io/v1/subjectaccessreviews '{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"resourceAttributes":{"verb":"get","resource":"pods"}}}')
expect_match "SAR: user or group required" "$out" 'SubjectAccessReview.authorization.k8s.io \\"\\" is invalid: spec.user: Invalid value: \\"\\": at least one of user or group must be specified'
out=$(sar /apis/authorization.k8s.io/v1/namespaces/dev/localsubjectaccessreviews '{"apiVersion":"authorization.k8s.io/v1","kind":"LocalSubjectAccessReview","spec":{"user":"viewer","resourceAttributes":{"namespace":"dev","verb":"list","resource":"pods"}}}')
expect_match "LocalSubjectAccessReview" "$out" '"allowed":true'
out=$(sar /apis/authorization.k8s.io/v1/namespaces/dev/localsubjectaccessreviews '{"apiVersion":"authorization.k8s.io/v1","kind":"LocalSubjectAccessReview","spec":{"user":"viewer","resourceAttributes":{"namespace":"other","verb":"list","resource":"pods"}}}')
expect_match "LocalSubjectAccessReview: namespace must match" "$out" 'spec.resourceAttributes.namespace: Invalid value: \\"other\\": must match metadata.namespace'
out=$(as viewer create --validate=false -o json -f - <<'YAML' 2>&1
apiVersion: authorization.k8s.io/v1
kind: SubjectAccessReview
spec: {user: editor, resourceAttributes: {verb: get, resource: pods}}
YAML
)
expect_match "SAR needs create on subjectaccessreviews" "$out" 'cannot create resource "subjectaccessreviews"'

# Escalation prevention. alice: edit in dev plus a role that may create roles/rolebindings.
check "alice: edit in dev" k create rolebinding alice-edit --clusterrole=edit --user=alice -n dev
check "role-writer role" k create role role-writer -n dev --verb=create,update,get --resource=roles,rolebindings
check "alice: role-writer" k create rolebinding alice-rw --role=role-writer --user=alice -n dev
check "alice may grant what she holds" as alice create role pod-reader -n dev --verb=get,list --resource=pods
out=$(as alice create role pod-deleter -n dev --verb=delete --resource=pods --resource-name=x 2>&1)
check "alice: delete pods is held (edit)" test -z "${out##*created*}"
out=$(as alice create role node-reader -n dev --verb=get,list --resource=nodes,persistentvolumes 2>&1)
expect_eq "escalation refused with upstream's message" "$out" 'Error from server (Forbidden): roles.rbac.authorization.k8s.io "node-reader" is forbidden: user "alice" (groups=["dev-team" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:
{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}
{APIGroups:[""], Resources:["persistentvolumes"], Verbs:["get" "list"]}'
out=$(as alice create role bad -n dev --verb=escalate --resource=roles 2>&1)
expect_match "escalate verb itself is not held" "$out" 'Resources:\["roles"\], Verbs:\["escalate"\]'
out=$(as alice create rolebinding give-admin --clusterrole=admin --user=alice -n dev 2>&1)
expect_match "binding admin refused" "$out" 'rolebindings.rbac.authorization.k8s.io "give-admin" is forbidden: user "alice" .*not currently held'
check "binding a held role allowed" as alice create rolebinding give-view --clusterrole=view --user=viewer -n dev
out=$(as alice create rolebinding ghost --role=missing --user=alice -n dev 2>&1)
expect_match "binding a missing role" "$out" 'is forbidden: role.rbac.authorization.k8s.io "missing" not found'
check "grant alice bind on clusterrole admin" bash -c "$KUBECTL --kubeconfig $KUBECONFIG create role binder -n dev --verb=bind --resource=clusterroles.rbac.authorization.k8s.io --resource-name=admin && $KUBECTL --kubeconfig $KUBECONFIG create rolebinding alice-binder --role=binder --user=alice -n dev"
check "bind verb: binding admin now allowed" as alice create rolebinding give-admin --clusterrole=admin --user=viewer -n dev
check "grant alice escalate on roles" bash -c "$KUBECTL --kubeconfig $KUBECONFIG create role esc -n dev --verb=escalate --resource=roles.rbac.authorization.k8s.io && $KUBECTL --kubeconfig $KUBECONFIG create rolebinding alice-esc --role=esc --user=alice -n dev"
check "escalate verb: role with unheld rules allowed" as alice create role node-reader -n dev --verb=get --resource=nodes
check "admin may create roles within its namespace" as admin create role r-admin -n dev --verb=delete --resource=pods
out=$(as admin create role quota -n dev --verb=create --resource=resourcequotas 2>&1)
expect_match "admin: resourcequotas create not held" "$out" 'Resources:\["resourcequotas"\], Verbs:\["create"\]'
out=$(as admin create clusterrole c1 --verb=get --resource=pods 2>&1)
expect_match "admin: cannot create clusterroles" "$out" 'cannot create resource "clusterroles"'
check "system:masters bypass" k create clusterrole big --verb='*' --resource='*'

finish
