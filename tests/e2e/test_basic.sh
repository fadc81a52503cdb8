#!/bin/bash
# The vertical slice: kubectl version, discovery, namespaces, configmaps CRUD, errors.
source "$(dirname "$0")/lib.sh"
start_server || { finish; exit 1; }

out=$(k version -o json 2>&1)
expect_match "kubectl version shows the server" "$out" '"gitVersion": "v1\.34\.0\+ckube'
out=$(k api-versions 2>&1)
expect_match "api-versions lists apps/v1" "$out" '^apps/v1$'
expect_match "api-versions lists v1" "$out" '^v1$'
out=$(k api-resources 2>&1)
expect_match "api-resources lists deployments with short name" "$out" 'deployments +deploy +apps/v1 +true +Deployment'
expect_match "api-resources lists nodes cluster-scoped" "$out" 'nodes +no +v1 +false +Node'

out=$(k get ns -o name 2>&1)
for ns in default kube-system kube-public kube-node-lease; do
    expect_match "bootstrap namespace $ns" "$out" "^namespace/$ns\$"
done
out=$(k get svc kubernetes -n default -o jsonpath='{.spec.clusterIP}' 2>&1)
expect_eq "kubernetes service has the first service IP" "$out" "10.0.0.1"
out=$(k get sa default -n kube-system -o name 2>&1)
expect_eq "default serviceaccount per namespace" "$out" "serviceaccount/default"

check "create configmap" k create --validate=false -f "$FIXTURES/cm1.yaml"
out=$(k get configmap cm1 -o jsonpath='{.data.a}')
expect_eq "get configmap data" "$out" "1"
out=$(k create --validate=false -f "$FIXTURES/cm1.yaml" 2>&1)
expect_match "duplicate create is AlreadyExists" "$out" 'configmaps "cm1" already exists'
out=$(k get configmap nope 2>&1)
expect_match "missing object is NotFound" "$out" 'configmaps "nope" not found'
out=$(k get frobs 2>&1)
expect_match "unknown resource" "$out" "the server doesn't have a resource type \"frobs\""
out=$(k create --validate=false -f "$FIXTURES/bad-name.yaml" 2>&1)
expect_match "invalid name is Invalid" "$out" 'is invalid: metadata.name: Invalid value: "Bad_Name"'
out=$(k get cm Bad_Name 2>&1)
expect_match "invalid object was not stored" "$out" 'not found'
check "delete configmap" k delete configmap cm1
out=$(k get configmap cm1 2>&1)
expect_match "deleted configmap is gone" "$out" 'not found'

finish
