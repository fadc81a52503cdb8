#!/bin/bash
# API semantics beyond the basic verbs: dry-run, generateName, finalizers and
# deletionTimestamp, deletecollection, preconditions, method and media-type errors, and
# watch details (timeoutSeconds, replay from a resourceVersion, initial events with their
# bookmark, objects leaving a label selection).
source "$(dirname "$0")/lib.sh"
start_server || { finish; exit 1; }
API="https://127.0.0.1:$PORT"
CURL=(curl -sk --cert "$DATA/pki/admin.crt" --key "$DATA/pki/admin.key")
CM=$API/api/v1/namespaces/default/configmaps
post() { "${CURL[@]}" -X POST -H 'Content-Type: application/json' -d "$1" "$CM"; }

# dry run stores nothing
out=$(k create configmap dry --from-literal=a=b --dry-run=server -o jsonpath='{.metadata.name}' 2>&1)
expect_eq "server dry-run returns the object" "$out" "dry"
out=$(k get cm dry 2>&1)
expect_match "server dry-run stored nothing" "$out" 'not found'

# generateName
out=$(post '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"gen-"}}')
expect_match "generateName makes a name" "$out" '"name":"gen-[bcdfghjklmnpqrstvwxz2456789]{5}"'

# finalizers: delete marks, removing the last finalizer deletes
post '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"held","finalizers":["example.com/hold"]}}' >/dev/null
k delete cm held --wait=false >/dev/null 2>&1
out=$(k get cm held -o jsonpath='{.metadata.deletionTimestamp}' 2>&1)
expect_match "delete with a finalizer sets deletionTimestamp" "$out" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T'
out=$(k patch cm held --type=merge -p '{"metadata":{"finalizers":["example.com/other"]}}' 2>&1)
expect_match "no new finalizers while deleting" "$out" 'no new finalizers can be added if the object is being deleted'
check "removing the last finalizer" k patch cm held --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]'
out=$(k get cm held 2>&1)
expect_match "the object is gone once its finalizers are" "$out" 'not found'

# deletecollection with a selector
for n in 1 2 3; do post "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"batch-$n\",\"labels\":{\"batch\":\"$((n % 2))\"}}}" >/dev/null; done
out=$("${CURL[@]}" -X DELETE "$CM?labelSelector=batch%3D1")
expect_match "deletecollection returns the deleted objects" "$out" '"kind":"ConfigMapList"'
out=$(k get cm -l batch -o name | sort | tr '\n' ' ')
expect_eq "deletecollection removed only the selected objects" "$out" "configmap/batch-2 "

# preconditions
uid=$(k get cm batch-2 -o jsonpath='{.metadata.uid}')
out=$("${CURL[@]}" -X DELETE -H 'Content-Type: application/json' \
    -d '{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"00000000-0000-0000-0000-000000000000"}}' "$CM/batch-2")
expect_match "a failed uid precondition is 409" "$out" '"code":409'
out=$("${CURL[@]}" -X DELETE -H 'Content-Type: application/json' \
    -d "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"preconditions\":{\"uid\":\"$uid\"}}" "$CM/batch-2")
expect_match "a matching precondition deletes" "$out" '"status":"Success"'

# PUT of a missing object: creates for kinds that allow it (leases), 404 for others
out=$("${CURL[@]}" -X PUT -H 'Content-Type: application/json' -o /dev/null -w '%{http_code}' \
    -d '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"lock"},"spec":{"holderIdentity":"me"}}' \
    "$API/apis/coordination.k8s.io/v1/namespaces/default/leases/lock")
expect_eq "PUT creates a missing lease" "$out" "201"
out=$("${CURL[@]}" -X PUT -H 'Content-Type: application/json' \
    -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"absent"}}' "$CM/absent")
expect_match "PUT of a missing configmap is 404" "$out" '"code":404'

# values of the wrong type are rejected as upstream's typed decoding does; nothing stored
out=$(post '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"typed"},"data":{"k":5}}')
expect_match "a number where a string belongs is 400" "$out" 'cannot unmarshal number into Go struct field ConfigMap.data of type string'
out=$(k get cm typed 2>&1)
expect_match "the mistyped object was not stored" "$out" 'not found'
post '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"typed-base"}}' >/dev/null
out=$(k patch cm typed-base --type=merge -p '{"metadata":{"labels":{"n":1}}}' 2>&1)
expect_match "a patch producing a mistyped object is refused" "$out" 'cannot unmarshal number'

# method and media type errors
out=$("${CURL[@]}" -X POST -H 'Content-Type: application/json' -d '{}' "$CM/x")
expect_match "POST to an object is 405" "$out" '"code":405'
out=$("${CURL[@]}" -X POST -H 'Content-Type: text/plain' -d 'x' "$CM")
expect_match "unknown media type is 415" "$out" '"code":415'
out=$("${CURL[@]}" -X PATCH -H 'Content-Type: application/json' -d '{}' "$CM/batch-2")
expect_match "PATCH with a non-patch media type is 415" "$out" '"code":415'

# watch: timeoutSeconds ends the stream
start=$SECONDS
out=$("${CURL[@]}" --max-time 10 "$CM?watch=1&timeoutSeconds=1")
expect_match "a watch sends the current objects first" "$out" '"type":"ADDED"'
[ $((SECONDS - start)) -le 4 ] && ok "timeoutSeconds=1 ends the watch" || fail "watch did not end after timeoutSeconds=1 ($((SECONDS - start))s)"

out=$("${CURL[@]}" --http1.1 --max-time 10 -D "$WORK/h1" "$CM?watch=1&timeoutSeconds=1")
expect_match "HTTP/1.1 watch streams events" "$out" '"type":"ADDED"'
expect_match "HTTP/1.1 watch is chunked" "$(cat "$WORK/h1")" '[Tt]ransfer-[Ee]ncoding: chunked'

# watch from a resourceVersion replays what happened since
rv=$("${CURL[@]}" "$CM" | sed -n 's/^{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"\([0-9]*\)".*/\1/p')
post '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"later","labels":{"w":"yes"}}}' >/dev/null
k label cm later w=no --overwrite >/dev/null
out=$("${CURL[@]}" --max-time 10 "$CM?watch=1&timeoutSeconds=1&resourceVersion=$rv")
expect_match "replay from a resourceVersion has the add" "$out" '"type":"ADDED".*"name":"later"'
expect_match "replay from a resourceVersion has the change" "$out" '"type":"MODIFIED".*"name":"later"'
out=$("${CURL[@]}" --max-time 10 "$CM?watch=1&timeoutSeconds=1&resourceVersion=$rv&labelSelector=w%3Dyes")
expect_match "leaving a label selection is seen as DELETED" "$out" '"type":"DELETED".*"name":"later"'
out=$("${CURL[@]}" --max-time 10 "$CM?watch=1&timeoutSeconds=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&resourceVersion=")
expect_match "initial events end with a bookmark" "$out" '"type":"BOOKMARK".*"k8s.io/initial-events-end":"true"'

finish
