#!/bin/bash
# Node authorization and NodeRestriction admission (the server's default
# --authorization-mode=Node,RBAC) for a kubelet identity from a client certificate
# (CN=system:node:n1, O=system:nodes): secrets only of its own pods, its own Node only,
# no listing of secrets.
source "$(dirname "$0")/lib.sh"
start_server || { finish; exit 1; }

cd "$WORK"
cat > n1-csr.json <<'JSON'
{"CN": "system:node:n1", "hosts": [], "key": {"algo": "rsa", "size": 2048},
 "names": [{"O": "system:nodes"}]}
JSON
check "issue a node client certificate" "$CKUBE" certs issue --ca "$DATA/pki/ca.crt" \
    --ca-key "$DATA/pki/ca.key" --csr n1-csr.json --profile client --out-prefix n1
cp "$KUBECONFIG" n1.kubeconfig
N1() { "$KUBECTL" --kubeconfig "$WORK/n1.kubeconfig" "$@"; }
N1 config set-credentials n1 --client-certificate=n1.pem --client-key=n1-key.pem \
    --embed-certs >/dev/null
N1 config set-context --current --user=n1 >/dev/null

node_json() {
    printf '{"apiVersion":"v1","kind":"Node","metadata":{"name":"%s"}}' "$1"
}
pod_json() { # name node secret configmap
    printf '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s"},"spec":{"nodeName":"%s",
 "containers":[{"name":"c","image":"nginx","envFrom":[{"configMapRef":{"name":"%s"}}]}],
 "volumes":[{"name":"s","secret":{"secretName":"%s"}}]}}' "$1" "$2" "$4" "$3"
}
check "create nodes n1 and n2 (admin)" sh -c "$(declare -f node_json); \
    { node_json n1; node_json n2; } | '$KUBECTL' --kubeconfig '$KUBECONFIG' create -f -"
check "create secrets and configmaps (admin)" sh -c "'$KUBECTL' --kubeconfig '$KUBECONFIG' \
    create secret generic s1 --from-literal=a=1 && '$KUBECTL' --kubeconfig '$KUBECONFIG' \
    create secret generic s2 --from-literal=a=2 && '$KUBECTL' --kubeconfig '$KUBECONFIG' \
    create configmap c1 --from-literal=a=1 && '$KUBECTL' --kubeconfig '$KUBECONFIG' \
    create configmap c2 --from-literal=a=2"
pod_json p1 n1 s1 c1 > p1.json
pod_json p2 n2 s2 c2 > p2.json
check "create pods bound to n1 and n2 (admin)" k create -f p1.json -f p2.json

out=$(N1 auth whoami -o jsonpath='{.status.userInfo.username}' 2>&1)
expect_eq "the node identity" "$out" "system:node:n1"
out=$(N1 get secret s1 -o jsonpath='{.data.a}' 2>&1)
expect_eq "n1: get its pod's secret allowed" "$out" "MQ=="
out=$(N1 get configmap c1 -o jsonpath='{.data.a}' 2>&1)
expect_eq "n1: get its pod's configmap allowed" "$out" "1"
out=$(N1 get secret s2 2>&1)
expect_match "n1: get n2's pod's secret forbidden" "$out" \
    "secrets \"s2\" is forbidden: User \"system:node:n1\" cannot get resource \"secrets\" in API group \"\" in the namespace \"default\": no relationship found between node 'n1' and this object"
out=$(N1 get configmap c2 2>&1)
expect_match "n1: get n2's pod's configmap forbidden" "$out" 'cannot get resource "configmaps"'
out=$(N1 get secrets 2>&1)
expect_match "n1: list secrets forbidden" "$out" 'cannot list resource "secrets"'
out=$(N1 get serviceaccount default 2>&1)
expect_match "n1: get serviceaccounts forbidden" "$out" 'can only create tokens for individual service accounts'
check "n1: token for its pod's service account" N1 create token default
out=$(N1 get pods -o name 2>&1)
expect_match "n1: list pods (static node rules)" "$out" 'pod/p2'

# kubectl patch --subresource GETs nodes/status first, which upstream's node rules do not
# grant either; the kubelet PATCHes directly.
N1PATCH() { # path body
    curl -s --cacert "$DATA/pki/ca.crt" --cert n1.pem --key n1-key.pem -X PATCH \
        -H 'Content-Type: application/merge-patch+json' --data "$2" "https://127.0.0.1:$PORT$1"
}
out=$(N1PATCH /api/v1/nodes/n1/status '{"status":{"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"ok","lastHeartbeatTime":"2024-01-01T00:00:00Z","lastTransitionTime":"2024-01-01T00:00:00Z"}]}}')
expect_match "n1: update its own Node status" "$out" '"kind":"Node"'
out=$(k get node n1 -o jsonpath='{.status.conditions[0].status}')
expect_eq "the status was written" "$out" "True"
check "n1: label its own Node with an allowed label" N1 label node n1 kubernetes.io/arch=amd64
out=$(N1 patch node n2 --type=merge -p '{"metadata":{"labels":{"a":"b"}}}' 2>&1)
expect_match "n1: patch node n2 forbidden by NodeRestriction" "$out" \
    'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"'
out=$(N1 label node n1 node-restriction.kubernetes.io/x=y 2>&1)
expect_match "n1: node-restriction labels forbidden" "$out" \
    'nodes "n1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/x'
out=$(N1 taint node n1 k=v:NoSchedule 2>&1)
expect_match "n1: its own taints forbidden" "$out" 'node "n1" is not allowed to modify taints'
out=$(N1PATCH /api/v1/namespaces/default/pods/p2/status '{"status":{"message":"x"}}')
expect_match "n1: status of n2's pod forbidden" "$out" \
    'pods \\"p2\\" is forbidden: node \\"n1\\" can only update pod status for pods with spec.nodeName set to itself'
out=$(N1PATCH /api/v1/namespaces/default/pods/p1/status '{"status":{"message":"x"}}')
expect_match "n1: status of its own pod" "$out" '"message":"x"'
out=$(N1 run p3 --image=nginx --overrides='{"spec":{"nodeName":"n1"}}' 2>&1)
expect_match "n1: non-mirror pods forbidden" "$out" 'can only create mirror pods'

out=$(N1 create -f - 2>&1 <<'JSON'
{"apiVersion":"coordination.k8s.io/v1","kind":"Lease",
 "metadata":{"name":"n1","namespace":"kube-node-lease"},"spec":{"holderIdentity":"n1"}}
JSON
)
expect_match "n1: create its own Lease" "$out" 'lease.coordination.k8s.io/n1 created'
out=$(N1 create -f - 2>&1 <<'JSON'
{"apiVersion":"coordination.k8s.io/v1","kind":"Lease",
 "metadata":{"name":"n2","namespace":"kube-node-lease"},"spec":{"holderIdentity":"n1"}}
JSON
)
expect_match "n1: another node's Lease forbidden" "$out" \
    'can only access node lease with the same name as the requesting node'

out=$(N1 delete pod p2 --wait=false 2>&1)
expect_match "n1: deleting a pod of n2 is refused" "$out" 'node "n1" can only delete pods with spec.nodeName set to itself'
out=$(N1 create --raw /api/v1/namespaces/default/pods/p2/eviction -f - 2>&1 <<'JSON'
{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"p2","namespace":"default"}}
JSON
)
expect_match "n1: evicting a pod of n2 is refused" "$out" 'node "n1" can only evict pods with spec.nodeName set to itself'
out=$(k get pod p2 -o name 2>&1)
expect_eq "p2 is still there" "$out" "pod/p2"
check "delete pod p1 (admin)" k delete pod p1 --grace-period=0 --force
out=$(N1 get secret s1 2>&1)
expect_match "the graph follows pod deletion" "$out" 'no relationship found'

cd /
finish
