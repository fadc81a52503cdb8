#!/bin/bash
# ckube renews its own serving and admin client certificates while running (k3s users
# lose clusters at the one-year mark): with 300 s leaves and a 590 s renewal window the
# first renewal is due ~10 s after start. The served certificate changes without a
# restart, verifies against the unchanged CA, and the rewritten admin.kubeconfig works.
source "$(dirname "$0")/lib.sh"

export CKUBE_CERT_VALIDITY_SECONDS=300
export CKUBE_CERT_RENEW_BEFORE_SECONDS=590
start_server || { finish; exit 1; }
pid=$SERVER_PID

served() {
    echo | timeout 5 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost 2>/dev/null |
        openssl x509 "$@" 2>/dev/null
}
kc_client_serial() {
    sed -n 's/^ *client-certificate-data: *//p' "$KUBECONFIG" | base64 -d | openssl x509 -noout -serial
}

serial0=$(served -noout -serial)
admin_serial0=$(openssl x509 -noout -serial -in "$DATA/pki/admin.crt")
admin_end0=$(openssl x509 -noout -enddate -in "$DATA/pki/admin.crt" | cut -d= -f2)
expect_match "serving cert has a serial" "$serial0" '^serial='
check "kubectl works before renewal" k get ns default
expect_eq "kubeconfig carries admin.crt" "$(kc_client_serial)" "$admin_serial0"

serial1=$serial0
for _ in $(seq 1 60); do
    serial1=$(served -noout -serial)
    [ -n "$serial1" ] && [ "$serial1" != "$serial0" ] && break
    sleep 0.5
done
expect_match "served serial is readable after renewal" "$serial1" '^serial='
if [ -n "$serial1" ] && [ "$serial1" != "$serial0" ]; then ok "served certificate renewed"; else fail "served certificate renewed ($serial0 unchanged)"; fi
expect_match "renewal is logged" "$(cat "$WORK/server.log")" 'pki: renewed serving certificate'
expect_match "admin renewal is logged" "$(cat "$WORK/server.log")" 'pki: renewed admin client certificate'

served >"$WORK/served.pem"
check "renewed serving cert verifies against DATA/pki/ca.crt" \
    openssl verify -CAfile "$DATA/pki/ca.crt" -purpose sslserver "$WORK/served.pem"
check "renewed serving cert keeps the 127.0.0.1 SAN" \
    openssl verify -CAfile "$DATA/pki/ca.crt" -verify_ip 127.0.0.1 "$WORK/served.pem"
check "TLS to localhost verifies with the CA" \
    curl -sf --cacert "$DATA/pki/ca.crt" "https://localhost:$PORT/readyz"

admin_serial1=$(openssl x509 -noout -serial -in "$DATA/pki/admin.crt")
admin_end1=$(openssl x509 -noout -enddate -in "$DATA/pki/admin.crt" | cut -d= -f2)
if [ "$admin_serial1" != "$admin_serial0" ]; then ok "admin.crt re-issued"; else fail "admin.crt re-issued"; fi
if [ "$(date -d "$admin_end1" +%s)" -gt "$(date -d "$admin_end0" +%s)" ]; then
    ok "admin.crt notAfter moved later"
else
    fail "admin.crt notAfter moved later ($admin_end0 -> $admin_end1)"
fi
check "admin.crt verifies against the CA" \
    openssl verify -CAfile "$DATA/pki/ca.crt" -purpose sslclient "$DATA/pki/admin.crt"
check "kubectl works with the rewritten admin.kubeconfig" k get ns default
out=$(k auth whoami -o jsonpath='{.status.userInfo.username}' 2>&1)
expect_eq "still authenticated as admin" "$out" "admin"
expect_match "kubeconfig carries a renewed client cert" "$(kc_client_serial)" '^serial='
if [ "$(kc_client_serial)" != "$admin_serial0" ]; then ok "kubeconfig client cert replaced"; else fail "kubeconfig client cert replaced"; fi
expect_eq "server PID unchanged (no restart)" "$SERVER_PID" "$pid"
check "server process still alive" kill -0 "$pid"

finish
