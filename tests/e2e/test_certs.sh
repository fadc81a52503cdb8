#!/bin/bash
# End-to-end test of `ckube certs`: the seed tutorial's cfssl steps (CA, server/client certs
# from CSR JSON, kubeconfigs) run through the real binary and checked with the openssl CLI
# (and kubectl, when present). Prints "N passed, N failed" last.
set -u
CKUBE=${CKUBE:-build/asan/ckube}
case "$CKUBE" in /*) ;; *) CKUBE="$PWD/$CKUBE" ;; esac
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # description, command...
    local d=$1; shift
    if "$@" >/dev/null 2>&1; then ok; else bad "$d"; fi
}
check_not() {
    local d=$1; shift
    if "$@" >/dev/null 2>&1; then bad "$d"; else ok; fi
}
# Runs ckube expecting exit 1 and exactly one "Error: ..." line on stderr containing $2.
check_error() { # description, expected substring, args...
    local d=$1 want=$2; shift 2
    local err rc
    err=$("$CKUBE" "$@" 2>&1 >/dev/null)
    rc=$?
    if [ $rc -eq 1 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
        [[ "$err" == Error:* ]] && [[ "$err" == *"$want"* ]]; then
        ok
    else
        bad "$d (rc=$rc): $err"
    fi
}
text() { openssl x509 -noout -text -in "$1"; }
has_text() { text "$1" | grep -qF -- "$2"; }
mode() { stat -c %a "$1"; }
b64field() { grep -E "^ +$2: " "$1" | head -n 1 | sed -E "s/^ +$2: //" | base64 -d; }

if [ ! -x "$CKUBE" ]; then
    echo "ckube binary not found at $CKUBE"
    echo "0 passed, 1 failed"
    exit 1
fi
work=$(mktemp -d /tmp/ckube-e2e-certs.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

# --- help ----------------------------------------------------------------------------------
out=$("$CKUBE" certs --help)
check "certs --help exits 0" test $? -eq 0
for sub in ca issue kubeconfig; do
    check "certs --help lists $sub" grep -qE "^  $sub " <<<"$out"
    check "certs $sub --help exits 0" "$CKUBE" certs $sub --help
done
check_not "certs without a subcommand fails" "$CKUBE" certs

# --- the seed's files, verbatim in spirit ---------------------------------------------------
cat >ca-config.json <<'EOF'
{
  "signing": {
    "default": { "expiry": "87600h" },
    "profiles": {
      "kubernetes": {
        "usages": ["signing", "key encipherment", "server auth", "client auth"],
        "expiry": "87600h"
      }
    }
  }
}
EOF
cat >ca-csr.json <<'EOF'
{
  "CN": "kubernetes",
  "key": { "algo": "rsa", "size": 2048 },
  "names": [ { "C": "CN", "ST": "Shanghai", "L": "Shanghai", "O": "kubernetes", "OU": "System" } ],
  "ca": { "expiry": "87600h" }
}
EOF
cat >kubernetes-csr.json <<'EOF'
{
    "CN": "kubernetes",
    "hosts": [ "127.0.0.1", "10.0.0.1", "192.168.31.24", "fd00::1", "kubernetes",
               "kubernetes.default", "kubernetes.default.svc",
               "kubernetes.default.svc.cluster.local" ],
    "key": { "algo": "rsa", "size": 2048 },
    "names": [ { "C": "CN", "ST": "BeiJing", "L": "BeiJing", "O": "kubernetes", "OU": "System" } ]
}
EOF
cat >admin-csr.json <<'EOF'
{
    "CN": "admin",
    "hosts": [],
    "key": { "algo": "ecdsa", "size": 256 },
    "names": [ { "C": "CN", "L": "BeiJing", "ST": "BeiJing", "O": "system:masters", "OU": "System" } ]
}
EOF
cat >node-csr.json <<'EOF'
{ "CN": "system:node:worker-1", "names": [ { "O": "system:nodes" } ] }
EOF
cat >etcd-csr.json <<'EOF'
{ "CN": "etcd", "hosts": ["192.168.31.24", "etcd.local"] }
EOF

# --- CA: `cfssl gencert -initca ca-csr.json | cfssljson -bare ca` ---------------------------
check "certs ca" "$CKUBE" certs ca ca-csr.json
check "ca.pem written" test -s ca.pem
check "ca-key.pem written" test -s ca-key.pem
check "ca-key.pem is 0600" test "$(mode ca-key.pem)" = 600
check "CA basicConstraints CA:TRUE" has_text ca.pem "CA:TRUE"
check "CA basicConstraints critical" bash -c "openssl x509 -noout -text -in ca.pem |
    grep -A1 'Basic Constraints: critical' | grep -q CA:TRUE"
check "CA keyUsage certSign, cRLSign" has_text ca.pem "Certificate Sign, CRL Sign"
check "CA subject from CSR names" bash -c "openssl x509 -noout -subject -in ca.pem |
    grep -q 'C = CN, ST = Shanghai, L = Shanghai, O = kubernetes, OU = System, CN = kubernetes'"
check "CA RSA 2048 as asked" has_text ca.pem "Public-Key: (2048 bit)"
check "CA valid 9 years from now" openssl x509 -noout -checkend $((9 * 365 * 86400)) -in ca.pem
check "CA self-verifies" openssl verify -CAfile ca.pem ca.pem
check "CA key matches cert" bash -c 'diff <(openssl x509 -noout -pubkey -in ca.pem) \
    <(openssl pkey -pubout -in ca-key.pem)'
serial=$(openssl x509 -noout -serial -in ca.pem | cut -d= -f2)
check "serial is ~128 bits" test ${#serial} -ge 30

# Default CSR and --out-prefix into a new directory.
check "certs ca without CSR" "$CKUBE" certs ca --out-prefix other/ca2
check "default CA CN kubernetes" bash -c "openssl x509 -noout -subject -in other/ca2.pem |
    grep -q 'CN = kubernetes'"
check "default CA key is ECDSA P-256" bash -c "openssl x509 -noout -text -in other/ca2.pem |
    grep -q 'NIST CURVE: P-256'"

# --- server+client cert, cfssl's own flag spelling ------------------------------------------
check "certs issue, cfssl-style flags" "$CKUBE" certs issue -ca=ca.pem -ca-key=ca-key.pem \
    -config=ca-config.json -profile=kubernetes kubernetes-csr.json
check "kubernetes.pem written (name from the CSR file)" test -s kubernetes.pem
check "kubernetes-key.pem is 0600" test "$(mode kubernetes-key.pem)" = 600
check "server cert verifies against CA" openssl verify -CAfile ca.pem kubernetes.pem
check "server cert: purpose sslserver" openssl verify -CAfile ca.pem -purpose sslserver kubernetes.pem
check "server cert: purpose sslclient" openssl verify -CAfile ca.pem -purpose sslclient kubernetes.pem
for san in "IP Address:127.0.0.1" "IP Address:10.0.0.1" "IP Address:192.168.31.24" \
    "IP Address:FD00:0:0:0:0:0:0:1" "DNS:kubernetes," "DNS:kubernetes.default.svc.cluster.local"; do
    check "SAN $san" has_text kubernetes.pem "$san"
done
check "verify_ip 10.0.0.1" openssl verify -CAfile ca.pem -verify_ip 10.0.0.1 kubernetes.pem
check "verify_hostname kubernetes.default.svc" openssl verify -CAfile ca.pem \
    -verify_hostname kubernetes.default.svc kubernetes.pem
check_not "no SAN for other.example" openssl verify -CAfile ca.pem \
    -verify_hostname other.example kubernetes.pem
check "EKU server+client" has_text kubernetes.pem \
    "TLS Web Server Authentication, TLS Web Client Authentication"
check "leaf is not a CA" has_text kubernetes.pem "CA:FALSE"
check "leaf has SKI" has_text kubernetes.pem "X509v3 Subject Key Identifier"
check "leaf has AKI" has_text kubernetes.pem "X509v3 Authority Key Identifier"
check "RSA leaf keyUsage has keyEncipherment" has_text kubernetes.pem \
    "Digital Signature, Key Encipherment"
check "profile expiry 87600h from ca-config" openssl x509 -noout \
    -checkend $((9 * 365 * 86400)) -in kubernetes.pem
check "leaf key matches cert" bash -c 'diff <(openssl x509 -noout -pubkey -in kubernetes.pem) \
    <(openssl pkey -pubout -in kubernetes-key.pem)'

# --- admin client cert: CN is the user, O the group -----------------------------------------
check "certs issue admin" "$CKUBE" certs issue --ca ca.pem --ca-key ca-key.pem \
    --csr admin-csr.json --profile client --out-prefix pki/admin
check "admin subject CN=admin O=system:masters" bash -c "openssl x509 -noout -subject \
    -in pki/admin.pem | grep -q 'O = system:masters, OU = System, CN = admin'"
check "admin: purpose sslclient" openssl verify -CAfile ca.pem -purpose sslclient pki/admin.pem
check_not "admin: not for sslserver" openssl verify -CAfile ca.pem -purpose sslserver pki/admin.pem
check "admin ECDSA key as asked" has_text pki/admin.pem "NIST CURVE: P-256"
check "default leaf validity one year" openssl x509 -noout -checkend $((360 * 86400)) -in pki/admin.pem
check_not "default leaf validity not past 366 days" openssl x509 -noout \
    -checkend $((366 * 86400)) -in pki/admin.pem

check "certs issue node (server profile, --hostname, --expiry)" "$CKUBE" certs issue \
    --ca ca.pem --ca-key ca-key.pem --csr node-csr.json --profile server \
    --hostname 192.168.31.35,worker-1 --expiry 2h --out-prefix node
check "node subject" bash -c "openssl x509 -noout -subject -in node.pem |
    grep -q 'O = system:nodes, CN = system:node:worker-1'"
check "node --hostname SAN DNS" has_text node.pem "DNS:worker-1"
check "node --hostname SAN IP" has_text node.pem "IP Address:192.168.31.35"
check "node: purpose sslserver" openssl verify -CAfile ca.pem -purpose sslserver node.pem
check_not "node: not for sslclient" openssl verify -CAfile ca.pem -purpose sslclient node.pem
check "--expiry 2h lasts an hour" openssl x509 -noout -checkend 3600 -in node.pem
check_not "--expiry 2h is over in 3 hours" openssl x509 -noout -checkend 10800 -in node.pem
check "certs issue peer" "$CKUBE" certs issue --ca ca.pem --ca-key ca-key.pem etcd-csr.json \
    --profile peer
check "peer cert both usages" has_text etcd.pem \
    "TLS Web Server Authentication, TLS Web Client Authentication"

# --- kubeconfig with embedded credentials ---------------------------------------------------
check "certs kubeconfig (cert)" "$CKUBE" certs kubeconfig --server https://192.168.31.24:6443 \
    --ca ca.pem --cert pki/admin.pem --key pki/admin-key.pem --user admin --cluster kubernetes \
    --out admin.kubeconfig
check "kubeconfig is 0600" test "$(mode admin.kubeconfig)" = 600
check "kubeconfig kind Config" grep -qx "kind: Config" admin.kubeconfig
check "certificate-authority-data decodes to ca.pem" cmp <(b64field admin.kubeconfig \
    certificate-authority-data) ca.pem
check "client-certificate-data decodes to admin.pem" cmp <(b64field admin.kubeconfig \
    client-certificate-data) pki/admin.pem
check "client-key-data decodes to admin-key.pem" cmp <(b64field admin.kubeconfig \
    client-key-data) pki/admin-key.pem
if command -v kubectl >/dev/null; then
    check "kubectl reads current-context" test \
        "$(kubectl config current-context --kubeconfig admin.kubeconfig)" = kubernetes
    check "kubectl sees the server" test "$(kubectl config view --kubeconfig admin.kubeconfig \
        -o jsonpath='{.clusters[0].cluster.server}')" = https://192.168.31.24:6443
    check "kubectl sees the user" test "$(kubectl config view --kubeconfig admin.kubeconfig \
        -o jsonpath='{.contexts[0].context.user}')" = admin
fi

check "certs kubeconfig (token)" "$CKUBE" certs kubeconfig --server https://192.168.31.24:6443 \
    --ca ca.pem --token bfa3cb7f6f21f87e5c0e5f25e6cfedad --user kubelet-bootstrap \
    --context default --out cfg/bootstrap.kubeconfig
check "token written" grep -q 'token: "bfa3cb7f6f21f87e5c0e5f25e6cfedad"' cfg/bootstrap.kubeconfig
check_not "no client key in token kubeconfig" grep -q client-key-data cfg/bootstrap.kubeconfig
if command -v kubectl >/dev/null; then
    check "kubectl reads the token" test "$(kubectl config view --raw \
        --kubeconfig cfg/bootstrap.kubeconfig -o jsonpath='{.users[0].user.token}')" = \
        bfa3cb7f6f21f87e5c0e5f25e6cfedad
    check "kubectl context default" test \
        "$(kubectl config current-context --kubeconfig cfg/bootstrap.kubeconfig)" = default
fi

# --- errors: one clear line, exit 1 ---------------------------------------------------------
echo '{"CN": "x", "hosts": [' >broken.json
echo '{"CN": "x", "key": {"algo": "dsa"}}' >dsa.json
echo '{"CN": "x", "names": [{"C": "China"}]}' >country.json
echo '{"CN": "x", "hosts": ["not a host"]}' >host.json
check_error "bad JSON" "broken.json:" certs issue --ca ca.pem --ca-key ca-key.pem \
    --profile client broken.json
check_error "bad key algo" 'unsupported "dsa"' certs issue --ca ca.pem --ca-key ca-key.pem \
    --profile client dsa.json
check_error "bad country" "two-letter" certs ca country.json
check_error "bad host" "neither an IP" certs issue --ca ca.pem --ca-key ca-key.pem \
    --profile server host.json
check_error "missing CSR file" "nope-csr.json" certs issue --ca ca.pem --ca-key ca-key.pem \
    --profile client nope-csr.json
check_error "missing CA file" "missing.pem" certs issue --ca missing.pem --ca-key ca-key.pem \
    --profile client admin-csr.json
check_error "CA key mismatch" "does not match" certs issue --ca ca.pem \
    --ca-key kubernetes-key.pem --profile client admin-csr.json
check_error "leaf as CA" "not a CA" certs issue --ca kubernetes.pem \
    --ca-key kubernetes-key.pem --profile client admin-csr.json
check_error "unknown profile" 'unknown profile "kubenates"' certs issue --ca ca.pem \
    --ca-key ca-key.pem --profile kubenates admin-csr.json
check_error "profile not in config" "have: kubernetes" certs issue --ca ca.pem \
    --ca-key ca-key.pem --config ca-config.json --profile kubenates admin-csr.json
check_error "missing --profile" "--profile is required" certs issue --ca ca.pem \
    --ca-key ca-key.pem admin-csr.json
check_error "bad expiry" 'invalid expiry "ten years"' certs issue --ca ca.pem \
    --ca-key ca-key.pem --profile client --expiry "ten years" admin-csr.json
check_error "token and cert" "not both" certs kubeconfig --server https://x:6443 --ca ca.pem \
    --token t --cert pki/admin.pem --key pki/admin-key.pem --out x.kubeconfig
check_error "kubeconfig cert/key mismatch" "does not match" certs kubeconfig \
    --server https://x:6443 --ca ca.pem --cert pki/admin.pem --key kubernetes-key.pem \
    --out x.kubeconfig
check_error "kubeconfig without --server" "--server is required" certs kubeconfig --ca ca.pem \
    --token t --out x.kubeconfig
check "no kubeconfig left by failures" test ! -e x.kubeconfig
check_not "unknown subcommand" "$CKUBE" certs sign
check_not "unknown flag" "$CKUBE" certs ca --bogus

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
