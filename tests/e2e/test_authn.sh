#!/usr/bin/env bash
# Authentication end to end: static bearer tokens from --token-auth-file, service-account
# tokens from TokenRequest, `kubectl auth whoami` (SelfSubjectReview), TokenReview, and 401
# for rejected tokens. Checks identities only, never authorization decisions.
source "$(dirname "$0")/lib.sh"

cat >"$WORK/token.csv" <<'CSV'
alice-token-123,alice,uid-alice,"devs,qa"
bob-token-456,bob,uid-bob
CSV

start_server --token-auth-file="$WORK/token.csv" || { finish; exit 1; }
SERVER=https://127.0.0.1:$PORT
CA=$DATA/pki/ca.crt
# kt TOKEN ARGS...: kubectl with a bearer token and no client certificate.
kt() {
    local t=$1; shift
    "$KUBECTL" --kubeconfig /dev/null --server "$SERVER" --certificate-authority "$CA" \
        --token "$t" "$@"
}

out=$(kt alice-token-123 auth whoami -o json 2>&1)
expect_match "whoami: token-file user" "$out" '"username": "alice"'
expect_match "whoami: token-file uid" "$out" '"uid": "uid-alice"'
expect_eq "whoami: token-file groups" \
    "$(printf '%s' "$out" | jq -c '.status.userInfo.groups')" '["devs","qa","system:authenticated"]'
out=$(kt bob-token-456 auth whoami 2>&1)
expect_match "whoami table: bob" "$out" 'Username[[:space:]]+bob'
expect_match "whoami table: groups" "$out" 'Groups[[:space:]]+\[system:authenticated\]'

out=$(kt not-a-token get namespaces 2>&1)
expect_match "bad token: kubectl must log in" "$out" 'You must be logged in to the server|provide credentials'
code=$(curl -s -o "$WORK/body" -w '%{http_code}' --cacert "$CA" -H 'Authorization: Bearer nope' \
    "$SERVER/api/v1/namespaces")
expect_eq "bad token: 401" "$code" 401
expect_match "bad token: Status reason" "$(cat "$WORK/body")" '"reason": ?"Unauthorized"'
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -H 'Authorization: Bearer nope' \
    "$SERVER/healthz")
expect_eq "bad token: 401 on /healthz too" "$code" 401
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" "$SERVER/healthz")
expect_eq "no token: anonymous /healthz" "$code" 200

# Service-account tokens.
check "serviceaccount default exists" sh -c 'for i in $(seq 50); do '"$KUBECTL"' get sa default >/dev/null 2>&1 && exit 0; sleep 0.1; done; exit 1'
SA_TOKEN=$(k create token default 2>"$WORK/err")
expect_match "create token" "$SA_TOKEN" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
SA_UID=$(k get sa default -o jsonpath='{.metadata.uid}')
out=$(kt "$SA_TOKEN" auth whoami -o json 2>&1)
expect_match "whoami: service account user" "$out" '"username": "system:serviceaccount:default:default"'
expect_eq "whoami: service account uid" "$(printf '%s' "$out" | jq -r '.status.userInfo.uid')" "$SA_UID"
expect_eq "whoami: service account groups" \
    "$(printf '%s' "$out" | jq -c '.status.userInfo.groups')" \
    '["system:serviceaccounts","system:serviceaccounts:default","system:authenticated"]'
expect_match "whoami: credential id" \
    "$(printf '%s' "$out" | jq -r '.status.userInfo.extra["authentication.kubernetes.io/credential-id"][0]')" \
    '^JTI=[0-9a-f-]{36}$'

# TokenReview with the admin certificate.
review() {
    curl -s --cacert "$CA" --cert "$DATA/pki/admin.crt" --key "$DATA/pki/admin.key" \
        -H 'Content-Type: application/json' -X POST \
        "$SERVER/apis/authentication.k8s.io/v1/tokenreviews" \
        -d "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\"$1\"$2}}"
}
out=$(review "$SA_TOKEN" "")
expect_eq "tokenreview: authenticated" "$(printf '%s' "$out" | jq -r .status.authenticated)" true
expect_eq "tokenreview: user" "$(printf '%s' "$out" | jq -r .status.user.username)" \
    system:serviceaccount:default:default
expect_eq "tokenreview: audiences" "$(printf '%s' "$out" | jq -c .status.audiences)" \
    '["https://kubernetes.default.svc.cluster.local"]'
out=$(review "$SA_TOKEN" ',"audiences":["other"]')
expect_eq "tokenreview: wrong audience not authenticated" \
    "$(printf '%s' "$out" | jq -r '.status.authenticated // false')" false
expect_match "tokenreview: wrong audience error" "$(printf '%s' "$out" | jq -r .status.error)" \
    'token audiences \["https://kubernetes.default.svc.cluster.local"\] is invalid for the target audiences \["other"\]'
out=$(review alice-token-123 "")
expect_eq "tokenreview: token file user" "$(printf '%s' "$out" | jq -r .status.user.username)" alice
out=$(review garbage "")
expect_eq "tokenreview: invalid token" "$(printf '%s' "$out" | jq -c .status)" \
    '{"user":{},"error":"invalid bearer token"}'
expect_eq "tokenreview: kind" "$(printf '%s' "$out" | jq -r .kind)" TokenReview
out=$(review "" "")
expect_match "tokenreview: empty token is 400" "$out" 'token is required'

# Discovery lists the review kinds.
out=$(k api-resources --api-group=authentication.k8s.io -o wide 2>&1)
expect_match "discovery: selfsubjectreviews" "$out" 'selfsubjectreviews.*SelfSubjectReview[[:space:]]+create'
expect_match "discovery: tokenreviews" "$out" 'tokenreviews.*TokenReview[[:space:]]+create'

# Deleting the service account revokes its tokens (a recreated `default` has a new UID).
check "delete serviceaccount" k delete sa default
out=$(kt "$SA_TOKEN" auth whoami 2>&1)
expect_match "deleted service account: Unauthorized" "$out" 'Unauthorized'
out=$(review "$SA_TOKEN" "")
expect_match "tokenreview: deleted service account" "$(printf '%s' "$out" | jq -r .status.error)" \
    'serviceaccounts "default" not found|service account UID \(.*\) does not match claim'

finish
