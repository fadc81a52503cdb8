#!/usr/bin/env bash
# The bootstrap-token controllers end to end: `ckube server` creates kube-public/cluster-info
# (cluster CA and server URL) readable by anonymous users, as `kubeadm init` does; the
# bootstrap signer adds a jws-kubeconfig-<id> detached JWS for each valid token with
# usage-bootstrap-signing, checked here with Python's hmac as `kubeadm join` checks it, and
# removes it when the token goes; the token cleaner deletes expired token Secrets.
source "$(dirname "$0")/lib.sh"

start_server || { finish; exit 1; }
CA=$DATA/pki/ca.crt

# token_secret ID SECRET EXPIRATION SIGNING [NAMESPACE]: a bootstrap token Secret manifest.
token_secret() {
    cat <<EOF
apiVersion: v1
kind: Secret
metadata: {name: bootstrap-token-$1, namespace: ${5:-kube-system}}
type: bootstrap.kubernetes.io/token
stringData:
  token-id: "$1"
  token-secret: "$2"
  usage-bootstrap-authentication: "true"
EOF
    [ -z "${3:-}" ] || printf '  expiration: "%s"\n' "$3"
    [ -z "${4:-}" ] || printf '  usage-bootstrap-signing: "%s"\n' "$4"
}
# wait_for SECONDS COMMAND...: polls every 0.2 s until the command succeeds.
wait_for() {
    local n=$(($1 * 5)); shift
    for _ in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    return 1
}
cm_json() { k -n kube-public get cm cluster-info -o json; }
sig_of() { cm_json | jq -r --arg k "jws-kubeconfig-$1" '.data[$k] // empty'; }
has_sig() { [ -n "$(sig_of "$1")" ]; }
no_sig() { cm_json >/dev/null && [ -z "$(sig_of "$1")" ]; }
secret_gone() { ! k -n "${2:-kube-system}" get secret "bootstrap-token-$1" >/dev/null 2>&1; }
# verify_jws ID SECRET: reads a ConfigMap's JSON on stdin and checks data.jws-kubeconfig-ID
# the way kubeadm join does (jws.DetachedTokenIsValid), computed independently here.
verify_jws() {
    python3 -c '
import base64, hashlib, hmac, json, sys
tid, secret = sys.argv[1], sys.argv[2]
data = json.load(sys.stdin)["data"]
b = lambda x: base64.urlsafe_b64encode(x).rstrip(b"=").decode()
hdr = b(json.dumps({"alg": "HS256", "kid": tid}, separators=(",", ":")).encode())
msg = (hdr + "." + b(data["kubeconfig"].encode())).encode()
want = hdr + ".." + b(hmac.new(secret.encode().ljust(32, b"\0"), msg, hashlib.sha256).digest())
got = data.get("jws-kubeconfig-" + tid)
sys.exit(0 if got == want else "got %s, want %s" % (got, want))
' "$@"
}

# cluster-info, as kubeadm's bootstrap-token phase writes it.
check "cluster-info created" wait_for 5 cm_json
kc=$(cm_json | jq -r '.data.kubeconfig')
expect_eq "kubeconfig: CA data is the cluster CA" \
    "$(printf '%s\n' "$kc" | sed -n 's/^ *certificate-authority-data: //p')" "$(base64 -w0 <"$CA")"
server=$(printf '%s\n' "$kc" | sed -n 's/^    server: //p')
expect_match "kubeconfig: server URL" "$server" "^https://[^ /]+:$PORT\$"
expect_eq "kubeconfig: clientcmd.Write's layout" "$kc" "apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: $(base64 -w0 <"$CA")
    server: $server
  name: \"\"
contexts: null
current-context: \"\"
kind: Config
preferences: {}
users: null"
check "kubeconfig parses for kubectl" "$KUBECTL" --kubeconfig <(printf '%s\n' "$kc") config view
expect_eq "Role" "$(k -n kube-public get role kubeadm:bootstrap-signer-clusterinfo \
    -o jsonpath='{.rules[0].verbs[0]} {.rules[0].resources[0]} {.rules[0].resourceNames[0]}')" \
    "get configmaps cluster-info"
expect_eq "RoleBinding" "$(k -n kube-public get rolebinding kubeadm:bootstrap-signer-clusterinfo \
    -o jsonpath='{.roleRef.kind}/{.roleRef.name} {.subjects[0].kind}/{.subjects[0].name}')" \
    "Role/kubeadm:bootstrap-signer-clusterinfo User/system:anonymous"
code=$(curl -sk -o "$WORK/anon.json" -w '%{http_code}' \
    "https://127.0.0.1:$PORT/api/v1/namespaces/kube-public/configmaps/cluster-info")
expect_eq "anonymous GET cluster-info: 200" "$code" 200
expect_eq "anonymous GET cluster-info: the kubeconfig" "$(jq -r .data.kubeconfig "$WORK/anon.json")" \
    "$kc"
code=$(curl -sk -o /dev/null -w '%{http_code}' \
    "https://127.0.0.1:$PORT/api/v1/namespaces/kube-public/configmaps/kube-root-ca.crt")
expect_eq "anonymous GET another ConfigMap: 403" "$code" 403
code=$(curl -sk -o /dev/null -w '%{http_code}' \
    "https://127.0.0.1:$PORT/api/v1/namespaces/kube-public/configmaps")
expect_eq "anonymous LIST ConfigMaps: 403" "$code" 403

# The signer: one signature per valid signing token.
FUTURE=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
PAST=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
check "create signing token" k apply -f <(token_secret abcdef 0123456789abcdef "$FUTURE" true)
check "create token without signing usage" \
    k apply -f <(token_secret nosign 0123456789abcdef "$FUTURE")
check "create token that never expires" k apply -f <(token_secret noexpy 1111111111111111 "" true)
check "jws-kubeconfig-abcdef appears" wait_for 5 has_sig abcdef
check "jws-kubeconfig-noexpy appears" wait_for 5 has_sig noexpy
expect_match "kubectl get cm cluster-info lists the signatures" \
    "$(k -n kube-public get cm cluster-info -o yaml)" 'jws-kubeconfig-abcdef: eyJhbGciOiJIUzI1NiIsImtpZCI6ImFiY2RlZiJ9\.\.[A-Za-z0-9_-]{43}'
check "anonymous fetch verifies with token abcdef.0123456789abcdef" verify_jws abcdef \
    0123456789abcdef < <(curl -sk "https://127.0.0.1:$PORT/api/v1/namespaces/kube-public/configmaps/cluster-info")
check "signature of the other token verifies" verify_jws noexpy 1111111111111111 < <(cm_json)
wrong_secret_fails() { ! verify_jws abcdef 0123456789abcdee < <(cm_json) 2>/dev/null; }
check "a wrong secret does not verify" wrong_secret_fails
expect_eq "no signature without usage-bootstrap-signing" "$(sig_of nosign)" ""

# A new kubeconfig is signed again.
check "change the kubeconfig" k -n kube-public patch cm cluster-info --type merge \
    -p '{"data":{"kubeconfig":"apiVersion: v1\nkind: Config\n"}}'
resigned() { verify_jws abcdef 0123456789abcdef < <(cm_json); }
check "signature follows the new kubeconfig" wait_for 5 resigned
check "forged signatures are removed" k -n kube-public patch cm cluster-info --type merge \
    -p '{"data":{"jws-kubeconfig-zzzzzz":"x..y"}}'
check "forged signature gone" wait_for 5 no_sig zzzzzz

# Removing a token or its signing usage removes its signature.
check "delete the never-expiring token" k -n kube-system delete secret bootstrap-token-noexpy
check "its signature is removed" wait_for 5 no_sig noexpy
check "turn signing off" k -n kube-system patch secret bootstrap-token-abcdef --type merge \
    -p '{"stringData":{"usage-bootstrap-signing":"false"}}'
check "signature removed when signing is off" wait_for 5 no_sig abcdef
check "turn signing on" k -n kube-system patch secret bootstrap-token-abcdef --type merge \
    -p '{"stringData":{"usage-bootstrap-signing":"true"}}'
check "signature back" wait_for 5 has_sig abcdef

# The cleaner: expired (or unparseable) token Secrets go, and so do their signatures.
check "create expired token" k apply -f <(token_secret expird 0123456789abcdef "$PAST" true)
check "create token with a bad expiration" \
    k apply -f <(token_secret badexp 0123456789abcdef "tomorrow" true)
check "create expired token outside kube-system" k create namespace other
check "  (the Secret)" k apply -f <(token_secret othrns 0123456789abcdef "$PAST" true other)
check "expired token Secret deleted" wait_for 5 secret_gone expird
check "unparseable expiration deleted" wait_for 5 secret_gone badexp
expect_eq "expired token never signed" "$(sig_of expird)" ""
SOON=$(date -u -d '+4 seconds' +%Y-%m-%dT%H:%M:%SZ)
check "create token expiring in 4 s" k apply -f <(token_secret soonxx 2222222222222222 "$SOON" true)
check "it signs while valid" wait_for 3 has_sig soonxx
check "it is deleted within a few seconds of expiring" wait_for 8 secret_gone soonxx
check "and its signature removed" wait_for 3 no_sig soonxx
check "the valid token stays" k -n kube-system get secret bootstrap-token-abcdef
check "signature of the valid token stays" has_sig abcdef
check "Secrets outside kube-system are left alone" k -n other get secret bootstrap-token-othrns

# cluster-info is recreated (from the current CA and URL) when deleted.
check "delete cluster-info" k -n kube-public delete cm cluster-info
recreated_signed() { verify_jws abcdef 0123456789abcdef < <(cm_json); }
check "cluster-info recreated and signed" wait_for 5 recreated_signed
expect_eq "recreated kubeconfig is the original" "$(cm_json | jq -r .data.kubeconfig)" "$kc"

finish
