#!/bin/bash
# Compaction: history older than the last interval's revision is dropped (old exact reads
# and watches get 410), current objects survive, and the database stays small after many
# updates of the same objects.
source "$(dirname "$0")/lib.sh"
start_server --etcd-compaction-interval=1s || { finish; exit 1; }
API="https://127.0.0.1:$PORT"
CURL=(curl -sk --cert "$DATA/pki/admin.crt" --key "$DATA/pki/admin.key")
CM=$API/api/v1/namespaces/default/configmaps

blob=$(head -c 2000 /dev/zero | tr '\0' 'x')
"${CURL[@]}" -X POST -H 'Content-Type: application/json' \
    -d "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"hot\"},\"data\":{\"n\":\"0\"}}" "$CM" >/dev/null
first=$(k get cm hot -o jsonpath='{.metadata.resourceVersion}')
# 400 updates of one 2 KB object, 4 at a time over HTTP keep-alive.
for i in $(seq 1 100); do
    for j in 1 2 3 4; do
        [ "$j" -gt 1 ] && printf -- '--next\n-sk\n--cert\n%s\n--key\n%s\n' "$DATA/pki/admin.crt" "$DATA/pki/admin.key"
        printf -- '-X\nPATCH\n-H\nContent-Type: application/merge-patch+json\n-d\n{"data":{"n":"%s","b":"%s"}}\n--url\n%s/hot\n-o\n/dev/null\n' "$i-$j" "$blob" "$CM"
    done > "$WORK/batch"
    xargs -d '\n' -a "$WORK/batch" "${CURL[@]}" || true
done
last=$(k get cm hot -o jsonpath='{.metadata.resourceVersion} {.data.n}')
expect_match "updates applied" "$last" ' 100-4$'
sleep 3.5 # two compaction intervals: the first records a revision, the second compacts to it

out=$("${CURL[@]}" "$CM?resourceVersion=$first&resourceVersionMatch=Exact")
expect_match "an exact list at a compacted revision is 410 Gone" "$out" '"code":410'
out=$("${CURL[@]}" --max-time 3 "$CM?watch=1&resourceVersion=$first")
expect_match "a watch from a compacted revision gets 410 Expired" "$out" '"type":"ERROR".*"code":410'
out=$(k get cm hot -o jsonpath='{.data.n}')
expect_eq "the current object survives compaction" "$out" "100-4"

size=$(( $(stat -c %s "$DATA/db/state.db") + $(stat -c %s "$DATA/db/state.db-wal" 2>/dev/null || echo 0) ))
[ "$size" -lt 4000000 ] && ok "database and WAL stay small after compaction ($size bytes for ~800 KB of history)" || fail "database grew to $size bytes"

finish
