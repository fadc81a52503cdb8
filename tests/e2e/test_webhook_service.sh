#!/bin/bash
# Admission webhooks reached through a Service reference (clientConfig.service), as
# in-cluster webhooks are: the API server resolves the service port to a ready endpoint
# address and calls https://<service>.<namespace>.svc:<port><path> there, verifying the
# certificate for that DNS name. Endpoints may not be loopback, so the webhook
# (tests/e2e/webhook_server.py) runs inside a network namespace this test creates, joined
# to the host by a veth pair on 198.18.231.0/30 (RFC 2544 benchmarking space); the
# namespace, the veth pair and the webhook process are removed at the end. Needs root
# and iproute2; without them the test says so and counts nothing.
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
    echo "SKIP - needs root and iproute2 to create a network namespace (nothing counted)"
    finish
    exit 0
fi

NETNS=ckube-wh-$$
VETH=ckwh$$
HOST_IP=198.18.231.1
WH_IP=198.18.231.2
WH=$WORK/webhook
WH_PID=""
cleanup_net() {
    if [ -n "$WH_PID" ]; then
        kill -TERM "$WH_PID" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$WH_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$WH_PID" 2>/dev/null
        wait "$WH_PID" 2>/dev/null
        WH_PID=""
    fi
    ip link del "${VETH}h" 2>/dev/null
    ip netns del "$NETNS" 2>/dev/null
}
trap 'cleanup_net; cleanup_on_exit' EXIT

# ---- the network namespace ----
check "create network namespace" ip netns add "$NETNS"
check "create veth pair" ip link add "${VETH}h" type veth peer name "${VETH}n" netns "$NETNS"
ip addr add "$HOST_IP/30" dev "${VETH}h" && ip link set "${VETH}h" up
ip -n "$NETNS" addr add "$WH_IP/30" dev "${VETH}n" && ip -n "$NETNS" link set "${VETH}n" up
ip -n "$NETNS" link set lo up

start_server || { finish; exit 1; }
NS=whsvc
check "create namespace" k create namespace "$NS"

# ---- a CA and a serving certificate for wh.whsvc.svc ----
mkdir -p "$WH"
cat >"$WH/openssl.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = ckube-e2e-webhook-ca
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:wh.$NS.svc
EOF
openssl req -x509 -config "$WH/openssl.cnf" -extensions ca -newkey rsa:2048 -nodes \
    -keyout "$WH/ca.key" -out "$WH/ca.crt" -days 2 >"$WH/openssl.log" 2>&1
openssl req -new -config "$WH/openssl.cnf" -newkey rsa:2048 -nodes -keyout "$WH/tls.key" \
    -out "$WH/tls.csr" -subj "/CN=wh.$NS.svc" >>"$WH/openssl.log" 2>&1
openssl x509 -req -in "$WH/tls.csr" -CA "$WH/ca.crt" -CAkey "$WH/ca.key" -set_serial 2 \
    -days 2 -extfile "$WH/openssl.cnf" -extensions leaf -out "$WH/tls.crt" \
    >>"$WH/openssl.log" 2>&1
check "serving certificate verifies" openssl verify -CAfile "$WH/ca.crt" "$WH/tls.crt"
CA_BUNDLE=$(base64 -w0 <"$WH/ca.crt")

# ---- the webhook, inside the namespace ----
ip netns exec "$NETNS" python3 "$E2E_ROOT/tests/e2e/webhook_server.py" --host "$WH_IP" \
    --cert "$WH/tls.crt" --key "$WH/tls.key" --port-file "$WH/port" --log "$WH/requests.log" \
    2>"$WH/server.err" &
WH_PID=$!
WH_PORT=""
for _ in $(seq 1 100); do
    [ -s "$WH/port" ] && WH_PORT=$(cat "$WH/port") &&
        curl -s --max-time 1 --cacert "$WH/ca.crt" --resolve "wh.$NS.svc:$WH_PORT:$WH_IP" \
            "https://wh.$NS.svc:$WH_PORT/healthz" 2>/dev/null | grep -q ok && break
    sleep 0.1
done
check "webhook answers at $WH_IP:$WH_PORT as wh.$NS.svc" bash -c \
    "curl -s --max-time 2 --cacert '$WH/ca.crt' --resolve 'wh.$NS.svc:$WH_PORT:$WH_IP' https://wh.$NS.svc:$WH_PORT/healthz | grep -q ok"

# ---- a selectorless Service with hand-made Endpoints ----
k apply -f - >"$WORK/apply.out" 2>&1 <<EOF
apiVersion: v1
kind: Service
metadata: {name: wh, namespace: $NS}
spec:
  ports: [{name: https, port: 443, targetPort: $WH_PORT}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: wh, namespace: $NS}
subsets:
- addresses: [{ip: $WH_IP}]
  ports: [{name: https, port: $WH_PORT}]
EOF
check "service and endpoints created" grep -q "endpoints/wh created" "$WORK/apply.out"

k apply -f - >"$WORK/apply.out" 2>&1 <<EOF
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: e2e-service}
webhooks:
- name: svc.ckube.test
  clientConfig:
    service: {namespace: $NS, name: wh, port: 443, path: /mutate-label/svc}
    caBundle: "$CA_BUNDLE"
  rules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
  namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: $NS}}
  sideEffects: None
  admissionReviewVersions: [v1]
EOF
check "webhook configuration created" grep -q "created" "$WORK/apply.out"

check "create a configmap" k -n "$NS" create configmap via-service
expect_eq "mutated by the webhook behind the service" \
    "$(k -n "$NS" get configmap via-service -o 'jsonpath={.metadata.labels.webhook\.ckube\.test/mutated}')" yes
expect_eq "the webhook was called on the service path" \
    "$(python3 -c 'import json,sys
n=0
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e.get("path")=="/mutate-label/svc" and (e.get("body") or {}).get("request",{}).get("name")=="via-service": n+=1
print(n)' "$WH/requests.log")" 1

# Without ready addresses the call fails (failurePolicy Fail).
k -n "$NS" patch endpoints wh --type=merge -p '{"subsets":[{"notReadyAddresses":[{"ip":"'"$WH_IP"'"}],"ports":[{"name":"https","port":'"$WH_PORT"'}]}]}' >/dev/null 2>&1
out=$(k -n "$NS" create configmap no-endpoints 2>&1)
expect_match "no ready endpoint: the write fails" "$out" \
    'Internal error occurred: failed calling webhook "svc.ckube.test": failed to call webhook: Post "https://wh\.whsvc\.svc:443/mutate-label/svc\?timeout=10s": no endpoints available for service "wh"$'
check "nothing stored" bash -c "! '$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS get configmap no-endpoints"
check "delete the configuration" k delete mutatingwebhookconfiguration e2e-service

cleanup_net
check "network namespace removed" bash -c "! ip netns list | grep -qw '$NETNS'"
finish
