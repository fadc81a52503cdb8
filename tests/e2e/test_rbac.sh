#!/bin/bash
# RBAC enforcement (ckube server's default --authorization-mode=Node,RBAC) for a user from
# --token-auth-file: denied by default with upstream's message, then allowed exactly as the
# bootstrap view and edit ClusterRoles grant once bound in one namespace. Then upstream's
# namespaced bootstrap policy: the Roles and RoleBindings of kube-system and kube-public,
# what they give system:kube-scheduler and system:kube-controller-manager (token users here),
# and their reconciliation at the next start.
source "$(dirname "$0")/lib.sh"
cat > "$WORK/token.csv" <<'CSV'
alice-token,alice,1001,"dev-team"
sched-token,system:kube-scheduler,1002
kcm-token,system:kube-controller-manager,1003
CSV
start_server --token-auth-file="$WORK/token.csv" || { finish; exit 1; }
A() { "$KUBECTL" --kubeconfig "$KUBECONFIG" --token=alice-token --user=alice-user "$@"; }
k config set-credentials alice-user --token=alice-token >/dev/null

check "create namespace dev (admin)" k create namespace dev
out=$(A get pods -n dev 2>&1)
expect_match "no binding: forbidden with upstream's message" "$out" 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "dev"'
out=$(A get --raw /api 2>&1)
expect_match "discovery is allowed to every authenticated user" "$out" '"kind":"APIVersions"'

check "bind view in dev" k create rolebinding alice-view --clusterrole=view --user=alice -n dev
out=$(A get pods -n dev 2>&1)
expect_match "view: list pods allowed" "$out" 'No resources found in dev namespace'
out=$(A get secrets -n dev 2>&1)
expect_match "view: secrets stay forbidden" "$out" 'cannot list resource "secrets"'
out=$(A create configmap c1 -n dev --from-literal=a=b 2>&1)
expect_match "view: create forbidden" "$out" 'cannot create resource "configmaps"'
out=$(A get pods -n default 2>&1)
expect_match "a RoleBinding grants only in its namespace" "$out" 'in the namespace "default"'

check "bind edit to the user's group in dev" k create rolebinding team-edit --clusterrole=edit --group=dev-team -n dev
check "edit: create configmap allowed" A create configmap c1 -n dev --from-literal=a=b
check "edit: create deployment allowed" A create deployment web --image=nginx -n dev
out=$(A create role r1 --verb=get --resource=pods -n dev 2>&1)
expect_match "edit: roles stay forbidden" "$out" 'cannot create resource "roles"'
out=$(A scale deployment web --replicas=2 -n dev 2>&1)
expect_match "edit: scale subresource allowed" "$out" 'scaled'

check "remove the group binding" k delete rolebinding team-edit -n dev
out=$(A delete configmap c1 -n dev 2>&1)
expect_match "unbinding takes effect at once" "$out" 'cannot delete resource "configmaps"'

out=$(k get clusterrole view -o jsonpath='{.metadata.labels.kubernetes\.io/bootstrapping}')
expect_eq "bootstrap policy present" "$out" "rbac-defaults"
out=$(curl -sk "https://127.0.0.1:$PORT/api")
expect_match "anonymous: /api forbidden" "$out" 'User \\"system:anonymous\\" cannot get path \\"/api\\"'
out=$(curl -sk "https://127.0.0.1:$PORT/healthz")
expect_eq "anonymous: /healthz allowed" "$out" "ok"

# ---- the namespaced bootstrap policy (upstream's namespace_policy.go) ----
out=$(k get roles -n kube-system -o name | sort | tr '\n' ' ')
expect_match "kube-system bootstrap roles" "$out" 'role.rbac.authorization.k8s.io/extension-apiserver-authentication-reader role.rbac.authorization.k8s.io/system::leader-locking-kube-controller-manager role.rbac.authorization.k8s.io/system::leader-locking-kube-scheduler role.rbac.authorization.k8s.io/system:controller:bootstrap-signer role.rbac.authorization.k8s.io/system:controller:cloud-provider role.rbac.authorization.k8s.io/system:controller:token-cleaner'
out=$(k get rolebindings -n kube-system -o name | sort | tr '\n' ' ')
expect_match "kube-system bootstrap rolebindings" "$out" 'rolebinding.rbac.authorization.k8s.io/system::extension-apiserver-authentication-reader rolebinding.rbac.authorization.k8s.io/system::leader-locking-kube-controller-manager rolebinding.rbac.authorization.k8s.io/system::leader-locking-kube-scheduler rolebinding.rbac.authorization.k8s.io/system:controller:bootstrap-signer rolebinding.rbac.authorization.k8s.io/system:controller:cloud-provider rolebinding.rbac.authorization.k8s.io/system:controller:token-cleaner'
out=$(k get role,rolebinding -n kube-public -o name | tr '\n' ' ')
expect_match "kube-public bootstrap-signer role" "$out" 'role.rbac.authorization.k8s.io/system:controller:bootstrap-signer '
expect_match "kube-public bootstrap-signer rolebinding" "$out" 'rolebinding.rbac.authorization.k8s.io/system:controller:bootstrap-signer '

yaml=$(k -n kube-system get role system::leader-locking-kube-scheduler -o yaml)
expect_match "leader-locking role: bootstrapping label" "$yaml" 'kubernetes.io/bootstrapping: rbac-defaults'
expect_match "leader-locking role: autoupdate annotation" "$yaml" 'rbac.authorization.kubernetes.io/autoupdate: "true"'
# upstream's testdata/namespace-roles.yaml as of 1.34 (the ConfigMap lock goes in 1.35)
want_rules=$(cat <<'YAML'
rules:
- apiGroups:
  - ""
  resources:
  - configmaps
  verbs:
  - watch
- apiGroups:
  - ""
  resourceNames:
  - kube-scheduler
  resources:
  - configmaps
  verbs:
  - get
  - update
- apiGroups:
  - coordination.k8s.io
  resources:
  - leases
  verbs:
  - create
  - get
  - list
  - update
  - watch
- apiGroups:
  - coordination.k8s.io
  resources:
  - leasecandidates
  verbs:
  - create
  - get
  - list
  - update
  - watch
YAML
)
expect_eq "leader-locking-kube-scheduler: upstream's rules" "$(printf '%s\n' "$yaml" | sed -n '/^rules:/,$p')" "$want_rules"
subjects='{range .subjects[*]}{.kind}:{.namespace}/{.name} {end}'
out=$(k -n kube-system get rolebinding system::leader-locking-kube-controller-manager -o jsonpath="$subjects")
expect_eq "kcm leader-locking subjects" "$out" "User:/system:kube-controller-manager ServiceAccount:kube-system/kube-controller-manager ServiceAccount:kube-system/leader-election-controller "
out=$(k -n kube-system get rolebinding system::leader-locking-kube-scheduler -o jsonpath="$subjects{.roleRef.kind}/{.roleRef.name}")
expect_eq "scheduler leader-locking subjects and role" "$out" "User:/system:kube-scheduler ServiceAccount:kube-system/kube-scheduler Role/system::leader-locking-kube-scheduler"
out=$(k -n kube-system get rolebinding system::extension-apiserver-authentication-reader -o jsonpath="$subjects{.roleRef.name}")
expect_eq "extension-apiserver-authentication-reader subjects" "$out" "User:/system:kube-controller-manager User:/system:kube-scheduler extension-apiserver-authentication-reader"
out=$(k -n kube-public get rolebinding system:controller:bootstrap-signer -o jsonpath="$subjects")
expect_eq "kube-public bootstrap-signer subject" "$out" "ServiceAccount:kube-system/bootstrap-signer "

# `kubectl auth can-i` as the components themselves (token users of the same names)
k config set-credentials sched-user --token=sched-token >/dev/null
k config set-credentials kcm-user --token=kcm-token >/dev/null
# can NAME USER WANT ARGS...: `auth can-i ARGS` as USER answers WANT (yes/no); stderr (a
# warning for a resource type the server does not serve) is not part of the answer.
can() {
    local name=$1 u=$2 want=$3; shift 3
    expect_eq "$name" "$(k --user="$u" auth can-i "$@" 2>/dev/null)" "$want"
}
can "scheduler: get its lock configmap" sched-user yes get configmaps/kube-scheduler -n kube-system
can "scheduler: update its lock configmap" sched-user yes update configmaps/kube-scheduler -n kube-system
can "scheduler: watch configmaps in kube-system" sched-user yes watch configmaps -n kube-system
can "scheduler: not the controller manager's lock" sched-user no get configmaps/kube-controller-manager -n kube-system
can "scheduler: not its lock configmap elsewhere" sched-user no get configmaps/kube-scheduler -n default
can "scheduler: no delete of its lock configmap" sched-user no delete configmaps/kube-scheduler -n kube-system
can "scheduler: get its lease (ClusterRole)" sched-user yes get leases.coordination.k8s.io/kube-scheduler -n default
can "scheduler: create leases (ClusterRole)" sched-user yes create leases.coordination.k8s.io -n default
can "scheduler: other leases elsewhere denied" sched-user no update leases.coordination.k8s.io/other -n default
can "scheduler: list leases in kube-system (Role)" sched-user yes list leases.coordination.k8s.io -n kube-system
can "scheduler: list leases elsewhere denied" sched-user no list leases.coordination.k8s.io -n default
can "scheduler: no delete of its lease" sched-user no delete leases.coordination.k8s.io/kube-scheduler -n kube-system
# LeaseCandidates are not served (kubectl's can-i would ask for group ""): a SubjectAccessReview
sar() { # sar USER VERB NS GROUP RESOURCE: status.allowed of a SubjectAccessReview
    k create --validate=false -o jsonpath='{.status.allowed}' -f - <<YAML 2>&1
apiVersion: authorization.k8s.io/v1
kind: SubjectAccessReview
spec: {user: "$1", resourceAttributes: {verb: $2, namespace: $3, group: $4, resource: $5}}
YAML
}
expect_eq "scheduler: create leasecandidates in kube-system (SAR)" "$(sar system:kube-scheduler create kube-system coordination.k8s.io leasecandidates)" "true"
expect_eq "scheduler: no leasecandidates elsewhere (SAR)" "$(sar system:kube-scheduler create default coordination.k8s.io leasecandidates)" "false"
can "scheduler: read the authentication configmap" sched-user yes get configmaps/extension-apiserver-authentication -n kube-system
can "controller manager: update its lock configmap" kcm-user yes update configmaps/kube-controller-manager -n kube-system
can "controller manager: not the scheduler's lock" kcm-user no update configmaps/kube-scheduler -n kube-system
can "controller manager: read the authentication configmap" kcm-user yes list configmaps/extension-apiserver-authentication -n kube-system
can "alice: no authentication configmap" alice-user no get configmaps/extension-apiserver-authentication -n kube-system

# The same with --as (the admin impersonates the components).
out=$(k auth can-i --as=system:kube-scheduler get configmaps/kube-scheduler -n kube-system 2>&1)
expect_eq "--as scheduler: get its lock configmap" "$out" "yes"
out=$(k auth can-i --as=system:kube-scheduler get leases.coordination.k8s.io/kube-scheduler -n kube-system 2>&1)
expect_eq "--as scheduler: get its lease" "$out" "yes"
out=$(k auth can-i --as=system:kube-scheduler delete configmaps/kube-scheduler -n kube-system 2>&1)
expect_eq "--as scheduler: no delete" "$out" "no"

# Reconciliation at the next start, as for the ClusterRoles: missing rules and subjects come
# back, extra ones stay, autoupdate=false is respected, deleted objects are recreated.
check "strip the scheduler's leader-locking role" k -n kube-system patch role system::leader-locking-kube-scheduler --type=json -p '[{"op":"replace","path":"/rules","value":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]}]'
check "drop a subject of the controller manager's binding" k -n kube-system patch rolebinding system::leader-locking-kube-controller-manager --type=json -p '[{"op":"replace","path":"/subjects","value":[{"kind":"ServiceAccount","name":"kube-controller-manager","namespace":"kube-system"}]}]'
check "protect cloud-provider (autoupdate=false) and strip it" bash -c "$KUBECTL --kubeconfig $KUBECONFIG -n kube-system annotate role system:controller:cloud-provider --overwrite rbac.authorization.kubernetes.io/autoupdate=false && $KUBECTL --kubeconfig $KUBECONFIG -n kube-system patch role system:controller:cloud-provider --type=json -p '[{\"op\":\"replace\",\"path\":\"/rules\",\"value\":[]}]'"
check "delete the kube-public bootstrap-signer role" k -n kube-public delete role system:controller:bootstrap-signer
stop_server
start_server --token-auth-file="$WORK/token.csv" || { finish; exit 1; }
yaml=$(k -n kube-system get role system::leader-locking-kube-scheduler -o yaml)
expect_match "restart: scheduler's ConfigMap lock rule is back" "$yaml" '- kube-scheduler'
expect_match "restart: scheduler's lease rules are back" "$yaml" '- leasecandidates'
expect_match "restart: the extra rule stays" "$yaml" '- pods'
out=$(k -n kube-system get rolebinding system::leader-locking-kube-controller-manager -o jsonpath="$subjects")
expect_eq "restart: binding subjects restored (order: kept, then added)" "$out" "ServiceAccount:kube-system/kube-controller-manager User:/system:kube-controller-manager ServiceAccount:kube-system/leader-election-controller "
out=$(k -n kube-system get role system:controller:cloud-provider -o jsonpath='{.rules}')
expect_match "restart: autoupdate=false role left alone" "$out" '^(\[\])?$'
check "restart: deleted kube-public role recreated" k -n kube-public get role system:controller:bootstrap-signer

finish
