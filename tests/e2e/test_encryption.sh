#!/bin/bash
# Encryption at rest (--encryption-provider-config): secrets are stored as
# k8s:enc:aesgcm:v1:<key>:<ciphertext> (no plaintext in the database or its WAL) and read back;
# a new first key with the old one still listed keeps old values readable; the offline
# `ckube secrets-encrypt rotate` re-encrypts them with the new key, after which the old key
# can be dropped; invalid configs stop the server with a clear message.
source "$(dirname "$0")/lib.sh"

K1=$(printf '0123456789abcdef0123456789abcdef' | base64 -w0)
K2=$(printf 'fedcba9876543210fedcba9876543210' | base64 -w0)
enc_config() { # enc_config FILE KEYS-YAML
    cat >"$1" <<YAML
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources:
      - secrets
    providers:
      - aesgcm:
          keys:
$2
YAML
}
enc_config "$WORK/enc.yaml" "            - name: key1
              secret: $K1"
enc_config "$WORK/enc2.yaml" "            - name: key2
              secret: $K2
            - name: key1
              secret: $K1"
enc_config "$WORK/enc3.yaml" "            - name: key2
              secret: $K2"

# db_count PATTERN: matching lines in the database files (db, WAL), summed.
db_count() { grep -rac -- "$1" "$DATA/db" | awk -F: '{ n += $NF } END { print n + 0 }'; }

start_server --encryption-provider-config="$WORK/enc.yaml" || { finish; exit 1; }
VALUE="ckube-e2e-distinctive-Pa55w0rd-$$"
B64=$(printf '%s' "$VALUE" | base64 -w0)
check "create a secret" k create secret generic enc1 --from-literal=password="$VALUE"
check "create a configmap" k create configmap plain1 --from-literal=note="$VALUE"
expect_eq "no plaintext secret data in the database files" "$(db_count "$B64")" "0"
expect_match "secrets stored with the aesgcm key1 prefix" "$(db_count 'k8s:enc:aesgcm:v1:key1:')" '^[1-9]'
expect_match "configmaps (not configured) stay plaintext" "$(db_count "$VALUE")" '^[1-9]'
got=$(k get secret enc1 -o jsonpath='{.data.password}' | base64 -d)
expect_eq "kubectl reads the secret back" "$got" "$VALUE"
out=$("$CKUBE" secrets-encrypt status --data-dir "$DATA" 2>&1)
expect_match "status while running: enabled" "$out" 'Encryption Status: Enabled'
expect_match "status counts key1" "$out" 'aesgcm:key1 +[1-9]'
out=$(k get secrets -A -o name 2>&1)
expect_match "list of secrets decrypts" "$out" 'secret/enc1'
stop_server

# A new first key, the old one still listed: old values read, new writes use key2.
start_server --encryption-provider-config="$WORK/enc2.yaml" || { finish; exit 1; }
got=$(k get secret enc1 -o jsonpath='{.data.password}' | base64 -d)
expect_eq "reads with the old key after adding a new first key" "$got" "$VALUE"
check "create a second secret" k create secret generic enc2 --from-literal=password="$VALUE"
out=$("$CKUBE" secrets-encrypt status --data-dir "$DATA" --encryption-provider-config "$WORK/enc2.yaml" 2>&1)
expect_match "status shows both keys" "$out" 'aesgcm:key2 +1'
expect_match "status: rotation needed" "$out" 'Rotation: needed, 1 secret'
out=$("$CKUBE" secrets-encrypt rotate --data-dir "$DATA" --encryption-provider-config "$WORK/enc2.yaml" 2>&1)
expect_match "rotate refuses while the server runs" "$out" 'in use: stop the ckube server first'
stop_server

out=$("$CKUBE" secrets-encrypt rotate --data-dir "$DATA" --encryption-provider-config "$WORK/enc2.yaml" 2>&1)
expect_match "rotate rewrites the stale secrets" "$out" 'Rotated [1-9][0-9]* value\(s\); secrets are written with aesgcm:key2'
out=$("$CKUBE" secrets-encrypt status --data-dir "$DATA" --encryption-provider-config "$WORK/enc2.yaml" 2>&1)
expect_no_match "after rotate no secret uses key1" "$out" 'aesgcm:key1'
expect_match "after rotate: not needed" "$out" 'Rotation: not needed'

# Only the new key: everything still reads.
start_server --encryption-provider-config="$WORK/enc3.yaml" || { finish; exit 1; }
got=$(k get secret enc1 -o jsonpath='{.data.password}' | base64 -d)
expect_eq "reads with only the new key after rotation" "$got" "$VALUE"
got=$(k get secret enc2 -o jsonpath='{.data.password}' | base64 -d)
expect_eq "the secret written with key2 reads" "$got" "$VALUE"
check "update a secret" k label secret enc1 rotated=yes
expect_eq "no plaintext secret data after updates" "$(db_count "$B64")" "0"
stop_server

# secretbox (XSalsa20-Poly1305): a third provider first, the aesgcm keys still listed.
cat >"$WORK/box.yaml" <<YAML
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - secretbox:
          keys: [{name: box1, secret: $K1}]
      - aesgcm:
          keys: [{name: key2, secret: $K2}]
YAML
start_server --encryption-provider-config="$WORK/box.yaml" || { finish; exit 1; }
check "create a secret under secretbox" k create secret generic box1 --from-literal=password="$VALUE"
expect_match "secrets stored with the secretbox prefix" "$(db_count 'k8s:enc:secretbox:v1:box1:')" '^[1-9]'
expect_eq "no plaintext with secretbox" "$(db_count "$B64")" "0"
got=$(k get secret box1 -o jsonpath='{.data.password}' | base64 -d)
expect_eq "the secretbox secret reads back" "$got" "$VALUE"
got=$(k get secret enc2 -o jsonpath='{.data.password}' | base64 -d)
expect_eq "aesgcm secrets still read with secretbox first" "$got" "$VALUE"
stop_server

# Invalid configs: the server refuses to start, naming the problem.
SHORT=$(printf '0123456789abcdef' | base64 -w0)
cat >"$WORK/bad.yaml" <<YAML
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - secretbox:
          keys: [{name: k, secret: $SHORT}]
YAML
out=$(timeout 30 "$CKUBE" server --data-dir "$DATA" --secure-port "$PORT" --bind-address 127.0.0.1 \
    --disable-agent --encryption-provider-config="$WORK/bad.yaml" 2>&1)
expect_match "a short secretbox key is refused clearly" "$out" 'providers\[0\]\.secretbox\.keys\[0\]\.secret: Invalid value: "REDACTED": secret is not of the expected length, got 16, expected one of \[32\]'
out=$(timeout 30 "$CKUBE" server --data-dir "$DATA" --secure-port "$PORT" --bind-address 127.0.0.1 \
    --disable-agent --encryption-provider-config="$WORK/enc.yaml" 2>&1)
expect_match "a config without the current key cannot start" "$out" 'no matching prefix found'
finish
