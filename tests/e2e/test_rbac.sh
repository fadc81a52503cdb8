#!/bin/bash
# RBAC enforcement (ckube server's default --authorization-mode=Node,RBAC) for a user from
# --token-auth-file: denied by default with upstream's message, then allowed exactly as the
# bootstrap view and edit ClusterRoles grant once bound in one namespace.
source "$(dirname "$0")/lib.sh"
printf 'alice-token,alice,1001,"dev-team"\n' > "$WORK/token.csv"
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

finish
