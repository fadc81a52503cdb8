#!/bin/bash
# The ckube binary as a user meets it: subcommand dispatch, --help, clear errors for
# unknown commands and flags, and `ckube apiserver` run the seed's way — with the upstream
# flags and certificates made by `ckube certs` — then driven by kubectl.
source "$(dirname "$0")/lib.sh"

out=$("$CKUBE" 2>&1); rc=$?
expect_eq "no command exits 1" "$rc" "1"
expect_match "no command prints usage" "$out" 'Usage:'
out=$("$CKUBE" --help 2>&1)
for cmd in server apiserver certs kubectl version; do
    expect_match "help lists $cmd" "$out" "^  $cmd "
done
for cmd in server apiserver certs version; do
    check "$cmd --help exits 0" "$CKUBE" $cmd --help
done
out=$("$CKUBE" frobnicate 2>&1); rc=$?
expect_eq "unknown command exits 1" "$rc" "1"
expect_match "unknown command is named" "$out" 'unknown command "frobnicate"'
out=$("$CKUBE" server --frob 2>&1); rc=$?
expect_eq "unknown flag exits 1" "$rc" "1"
expect_match "unknown flag is named" "$out" '^Error: unknown flag: --frob'
out=$("$CKUBE" apiserver --secure-port=abc 2>&1)
expect_match "bad flag value is explained" "$out" 'invalid argument "abc" for "--secure-port"'
out=$("$CKUBE" apiserver --etcd-servers=https://127.0.0.1:2379 2>&1)
expect_match "reserved etcd flags say they are not supported yet" "$out" 'etcd-servers is not supported yet'
out=$("$CKUBE" version)
expect_match "version" "$out" '^ckube version [0-9.]+ \(Kubernetes v1\.34'

# The seed's by-hand install: a CA, a serving cert for the apiserver, an admin client cert.
cd "$WORK"
cat > ca-csr.json <<'JSON'
{"CN": "kubernetes", "key": {"algo": "rsa", "size": 2048},
 "names": [{"C": "CN", "L": "Beijing", "ST": "Beijing", "O": "k8s", "OU": "System"}]}
JSON
cat > server-csr.json <<'JSON'
{"CN": "kubernetes", "hosts": ["127.0.0.1", "10.0.0.1", "kubernetes", "kubernetes.default",
 "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"],
 "key": {"algo": "rsa", "size": 2048}, "names": [{"C": "CN", "O": "k8s", "OU": "System"}]}
JSON
cat > admin-csr.json <<'JSON'
{"CN": "admin", "hosts": [], "key": {"algo": "rsa", "size": 2048},
 "names": [{"C": "CN", "O": "system:masters", "OU": "System"}]}
JSON
check "certs ca" "$CKUBE" certs ca --csr ca-csr.json --out-prefix ca
check "certs issue server" "$CKUBE" certs issue --ca ca.pem --ca-key ca-key.pem --csr server-csr.json --profile kubernetes --out-prefix server
check "certs issue admin" "$CKUBE" certs issue --ca ca.pem --ca-key ca-key.pem --csr admin-csr.json --profile client --out-prefix admin

PORT=$(free_port)
"$CKUBE" apiserver --bind-address=127.0.0.1 --secure-port="$PORT" --advertise-address=127.0.0.1 \
    --service-cluster-ip-range=10.0.0.0/24 --service-node-port-range=30000-32767 \
    --tls-cert-file=server.pem --tls-private-key-file=server-key.pem --client-ca-file=ca.pem \
    --allow-privileged=true --v=2 --logtostderr=true --authorization-mode=RBAC,Node \
    --data-dir="$WORK/apiserver" \
    >>"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 200); do
    curl -s --cacert ca.pem --max-time 1 "https://127.0.0.1:$PORT/readyz" 2>/dev/null | grep -q ok && break
    sleep 0.1
done
check "certs kubeconfig" "$CKUBE" certs kubeconfig --server "https://127.0.0.1:$PORT" --ca ca.pem \
    --cert admin.pem --key admin-key.pem --user admin --cluster kubernetes --out admin.kubeconfig
export KUBECONFIG=$WORK/admin.kubeconfig
out=$(k get ns -o name 2>&1)
expect_match "kubectl works with the user's own certificates" "$out" '^namespace/kube-system$'
out=$(openssl s_client -connect "127.0.0.1:$PORT" -CAfile ca.pem -verify_return_error </dev/null 2>&1)
expect_match "the serving certificate verifies against the user's CA" "$out" 'Verify return code: 0 \(ok\)'
out=$(curl -s --cacert ca.pem "https://127.0.0.1:$PORT/api/v1/namespaces")
expect_match "no client certificate: forbidden as system:anonymous" "$out" 'User \\"system:anonymous\\" cannot list resource \\"namespaces\\"'
"$CKUBE" certs ca --out-prefix other >/dev/null 2>&1
"$CKUBE" certs issue --ca other.pem --ca-key other-key.pem --csr admin-csr.json --profile client --out-prefix stranger >/dev/null 2>&1
out=$(curl -s --cacert ca.pem --cert stranger.pem --key stranger-key.pem "https://127.0.0.1:$PORT/api/v1/namespaces" 2>&1; echo "rc=$?")
expect_no_match "a client certificate from another CA is refused" "$out" '"kind":"NamespaceList"'

# --anonymous-auth=false: unauthenticated requests get 401 instead of 403.
stop_server
PORT=$(free_port)
"$CKUBE" apiserver --bind-address=127.0.0.1 --secure-port="$PORT" --anonymous-auth=false \
    --tls-cert-file=server.pem --tls-private-key-file=server-key.pem --client-ca-file=ca.pem \
    --data-dir="$WORK/apiserver" >>"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 200); do
    curl -s --cacert ca.pem --max-time 1 "https://127.0.0.1:$PORT/readyz" 2>/dev/null | grep -q ok && break
    sleep 0.1
done
out=$(curl -s --cacert ca.pem "https://127.0.0.1:$PORT/api/v1/namespaces")
expect_match "--anonymous-auth=false: 401 Unauthorized" "$out" '"reason":"Unauthorized".*"code":401'
out=$(curl -s --cacert ca.pem --cert admin.pem --key admin-key.pem "https://127.0.0.1:$PORT/api/v1/namespaces")
expect_match "--anonymous-auth=false: client certificates still work" "$out" '"kind":"NamespaceList"'

finish
