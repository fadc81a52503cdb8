#!/usr/bin/env bash
# TLS bootstrap end to end: a bootstrap token Secret authenticates as system:bootstrap:<id>;
# its CSR records the requestor, is auto-approved once the nodeclient role is bound to
# system:bootstrappers, and is signed by the cluster CA into a working node client
# certificate; a user CSR waits for `kubectl certificate approve`; signer restrictions fail
# bad requests; expired tokens get 401.
source "$(dirname "$0")/lib.sh"

start_server || { finish; exit 1; }
SERVER=https://127.0.0.1:$PORT
CA=$DATA/pki/ca.crt
kt() {
    local t=$1; shift
    "$KUBECTL" --kubeconfig /dev/null --server "$SERVER" --certificate-authority "$CA" \
        --token "$t" "$@"
}
b64() { printf '%s' "$1" | base64 -w0; }

# token_secret ID SECRET EXPIRATION [EXTRA_GROUPS]: a bootstrap token Secret manifest.
token_secret() {
    cat <<EOF
apiVersion: v1
kind: Secret
metadata: {name: bootstrap-token-$1, namespace: kube-system}
type: bootstrap.kubernetes.io/token
stringData:
  token-id: "$1"
  token-secret: "$2"
  expiration: "$3"
  usage-bootstrap-authentication: "true"
  usage-bootstrap-signing: "true"
  auth-extra-groups: "${4:-}"
EOF
}
FUTURE=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
PAST=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
TOKEN=abcdef.0123456789abcdef
check "create bootstrap token secret" \
    k apply -f <(token_secret abcdef 0123456789abcdef "$FUTURE" system:bootstrappers:worker)
check "create expired token secret" k apply -f <(token_secret expird 0123456789abcdef "$PAST")

out=$(kt "$TOKEN" auth whoami -o json 2>&1)
expect_match "whoami: bootstrap user" "$out" '"username": "system:bootstrap:abcdef"'
expect_eq "whoami: bootstrap groups" "$(printf '%s' "$out" | jq -c '.status.userInfo.groups')" \
    '["system:bootstrappers","system:bootstrappers:worker","system:authenticated"]'
code=$(curl -s -o "$WORK/body" -w '%{http_code}' --cacert "$CA" \
    -H "Authorization: Bearer expird.0123456789abcdef" "$SERVER/api/v1/namespaces")
expect_eq "expired bootstrap token: 401" "$code" 401
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" \
    -H "Authorization: Bearer abcdef.0123456789abcdee" "$SERVER/api/v1/namespaces")
expect_eq "wrong token secret: 401" "$code" 401

# gen_csr NAME SUBJ [EXT]: a key and CSR in $WORK; prints the base64 request.
gen_csr() {
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$WORK/$1.key" -out "$WORK/$1.csr" -subj "$2" ${3:+-addext "$3"} 2>/dev/null
    base64 -w0 <"$WORK/$1.csr"
}
# csr_yaml NAME REQUEST SIGNER USAGES [EXPIRATION]
csr_yaml() {
    cat <<EOF
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: {name: $1}
spec:
  request: $2
  signerName: $3
  usages: [$4]
${5:+  expirationSeconds: $5}
EOF
}
# wait_jsonpath NAME PATH REGEX: polls the CSR until the field matches (5 s).
wait_jsonpath() {
    local v=""
    for _ in $(seq 1 50); do
        v=$(k get csr "$1" -o jsonpath="$2" 2>/dev/null)
        if printf '%s' "$v" | grep -Eq -- "$3"; then break; fi
        sleep 0.1
    done
    printf '%s' "$v"
}

check "bind system:node-bootstrapper" k create clusterrolebinding kubelet-bootstrap \
    --clusterrole=system:node-bootstrapper --group=system:bootstrappers
REQ=$(gen_csr node "/O=system:nodes/CN=system:node:n1")
check "bootstrap user creates node CSR" kt "$TOKEN" create -f \
    <(csr_yaml node-csr-n1 "$REQ" kubernetes.io/kube-apiserver-client-kubelet \
        '"digital signature", "client auth"')
expect_eq "requestor username" "$(k get csr node-csr-n1 -o jsonpath='{.spec.username}')" \
    system:bootstrap:abcdef
expect_eq "requestor groups" "$(k get csr node-csr-n1 -o json | jq -c .spec.groups)" \
    '["system:bootstrappers","system:bootstrappers:worker","system:authenticated"]'
sleep 0.5
expect_match "no nodeclient binding: still pending" "$(k get csr node-csr-n1 2>&1)" \
    'system:bootstrap:abcdef +<none> +Pending'

check "bind nodeclient auto-approve role" k create clusterrolebinding node-autoapprove \
    --clusterrole=system:certificates.k8s.io:certificatesigningrequests:nodeclient \
    --group=system:bootstrappers
reason=$(wait_jsonpath node-csr-n1 '{.status.conditions[?(@.type=="Approved")].reason}' .)
expect_eq "node CSR AutoApproved" "$reason" AutoApproved
cert=$(wait_jsonpath node-csr-n1 '{.status.certificate}' .)
printf '%s' "$cert" | base64 -d >"$WORK/node.crt" 2>/dev/null
check "node certificate verifies against the CA" openssl verify -CAfile "$CA" "$WORK/node.crt"
expect_match "node certificate subject" \
    "$(openssl x509 -in "$WORK/node.crt" -noout -subject -nameopt RFC2253)" \
    'CN=system:node:n1,O=system:nodes'
expect_eq "node certificate: client auth only" \
    "$(openssl x509 -in "$WORK/node.crt" -noout -ext extendedKeyUsage | tail -n1 | tr -d ' ')" \
    TLSWebClientAuthentication
expect_match "kubectl get csr: Approved,Issued" "$(k get csr node-csr-n1 2>&1)" \
    'Approved,Issued'
check "node kubeconfig" "$CKUBE" certs kubeconfig --server "$SERVER" --ca "$CA" \
    --cert "$WORK/node.crt" --key "$WORK/node.key" --user system:node:n1 --out "$WORK/node.kc"
out=$("$KUBECTL" --kubeconfig "$WORK/node.kc" auth whoami -o json 2>&1)
expect_match "node cert authenticates as system:node:n1" "$out" \
    '"username": "system:node:n1"'
expect_match "node cert groups" "$out" '"system:nodes"'

# A user's client certificate: waits for manual approval, honours expirationSeconds.
REQ=$(gen_csr alice "/O=devs/CN=alice")
check "create user CSR" k create -f <(csr_yaml alice "$REQ" kubernetes.io/kube-apiserver-client \
    '"client auth"' 3600)
sleep 0.5
expect_match "user CSR pending" "$(k get csr alice 2>&1)" 'kubernetes.io/kube-apiserver-client +admin +60m +Pending'
expect_eq "user CSR has no certificate yet" "$(k get csr alice -o jsonpath='{.status.certificate}')" ""
check "kubectl certificate approve" k certificate approve alice
cert=$(wait_jsonpath alice '{.status.certificate}' .)
printf '%s' "$cert" | base64 -d >"$WORK/alice.crt" 2>/dev/null
check "user certificate verifies against the CA" openssl verify -CAfile "$CA" "$WORK/alice.crt"
nb=$(date -u -d "$(openssl x509 -in "$WORK/alice.crt" -noout -startdate | cut -d= -f2)" +%s)
na=$(date -u -d "$(openssl x509 -in "$WORK/alice.crt" -noout -enddate | cut -d= -f2)" +%s)
expect_eq "expirationSeconds honoured" "$((na - nb))" 3600
check "user kubeconfig" "$CKUBE" certs kubeconfig --server "$SERVER" --ca "$CA" \
    --cert "$WORK/alice.crt" --key "$WORK/alice.key" --user alice --out "$WORK/alice.kc"
expect_match "user cert authenticates as alice" \
    "$("$KUBECTL" --kubeconfig "$WORK/alice.kc" auth whoami 2>&1)" 'Username +alice'

# Signer restrictions: a client signer asked for server auth fails once approved.
REQ=$(gen_csr bad "/CN=bad")
check "create CSR with a forbidden usage" k create -f <(csr_yaml bad "$REQ" \
    kubernetes.io/kube-apiserver-client '"server auth"')
check "approve it" k certificate approve bad
msg=$(wait_jsonpath bad '{.status.conditions[?(@.type=="Failed")].message}' .)
expect_eq "Failed: signer validation" "$msg" "invalid usage for client certificate: server auth"
expect_eq "Failed: reason" \
    "$(k get csr bad -o jsonpath='{.status.conditions[?(@.type=="Failed")].reason}')" \
    SignerValidationFailure
# kubelet-serving: needs system:nodes and a SAN.
REQ=$(gen_csr serving "/O=system:nodes/CN=system:node:n1" "subjectAltName=DNS:n1,IP:10.0.0.7")
check "create kubelet-serving CSR" k create -f <(csr_yaml serving "$REQ" \
    kubernetes.io/kubelet-serving '"digital signature", "key encipherment", "server auth"')
check "approve serving CSR" k certificate approve serving
cert=$(wait_jsonpath serving '{.status.certificate}' .)
printf '%s' "$cert" | base64 -d >"$WORK/serving.crt" 2>/dev/null
expect_match "serving certificate SANs" \
    "$(openssl x509 -in "$WORK/serving.crt" -noout -ext subjectAltName 2>&1)" \
    'DNS:n1, IP Address:10.0.0.7'

finish
