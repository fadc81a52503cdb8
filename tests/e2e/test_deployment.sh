#!/bin/bash
# The Deployment controller with the real kubectl, beside a `ckube server` and a
# `ckube controller-manager`: `kubectl create deployment` makes the replica set
# web-<pod-template-hash> (upstream's hash) and its pods; `set image` rolls within
# maxSurge/maxUnavailable (checked from a watch of the replica sets); `rollout
# status|history|undo|pause|resume|restart`; scaling, proportionally during a rollout;
# Recreate; the progress deadline; revision history cleanup; ScalingReplicaSet events in
# `kubectl describe`; a clean exit. Nothing runs pods yet, so a helper marks them Running
# and Ready through the status subresource, as a kubelet would (images containing "stuck"
# never become ready).
source "$(dirname "$0")/lib.sh"

CM_PID=""
READY_PID=""
WATCH_PID=""
trap 'for p in $READY_PID $WATCH_PID $CM_PID; do kill -KILL "$p" 2>/dev/null; done; cleanup_on_exit' EXIT

# The controller-manager must stay up; a crash ends the test with its log.
cm_alive() {
    kill -0 "$CM_PID" 2>/dev/null && return 0
    fail "controller-manager is running"
    tail -n 30 "$WORK/cm.log"
    finish
    exit 1
}
# wait_for DESC WANT CMD...: polls CMD (up to 30 s) until its output equals WANT.
wait_for() {
    local desc=$1 want=$2 got=""; shift 2
    cm_alive
    for _ in $(seq 1 300); do
        got=$("$@" 2>&1)
        [ "$got" == "$want" ] && break
        sleep 0.1
    done
    expect_eq "$desc" "$got" "$want"
}
rs_of() { # the replica sets of a deployment: name=replicas, oldest first
    k get rs -l "app=$1" --sort-by=.metadata.creationTimestamp \
        -o jsonpath='{range .items[*]}{.metadata.name}={.spec.replicas} {end}' 2>/dev/null
}
prop_sizes() { # replicas of prop's sets for images nginx and nginx:stuck
    k get rs -l app=prop -o jsonpath='{.items[?(@.spec.template.spec.containers[0].image=="nginx")].spec.replicas} {.items[?(@.spec.template.spec.containers[0].image=="nginx:stuck")].spec.replicas}'
}
cond() { # cond DEPLOYMENT TYPE: status/reason of a condition
    k get deploy "$1" -o jsonpath="{.status.conditions[?(@.type==\"$2\")].status}/{.status.conditions[?(@.type==\"$2\")].reason}"
}
ann() { # ann KIND NAME KEY
    k get "$1" "$2" -o jsonpath="{.metadata.annotations.${3//./\\.}}"
}
rollout_ok() { # rollout_ok NAME: `kubectl rollout status` ends with upstream's text
    local out
    cm_alive
    out=$(timeout 60 "$KUBECTL" --kubeconfig "$KUBECONFIG" rollout status "deploy/$1" 2>&1)
    expect_match "rollout status $1 completes" "$out" "deployment \"$1\" successfully rolled out\$"
}

# The kubelet's part: pods become Running and Ready (phase and Ready condition).
mark_ready() {
    while :; do
        k get pods -o jsonpath='{range .items[*]}{.metadata.name} {.status.phase} {.spec.containers[0].image}{"\n"}{end}' 2>/dev/null |
            while read -r name phase image; do
                [ "$phase" = Running ] && continue
                case $image in *stuck*) continue ;; esac
                k patch pod "$name" --subresource=status --type=merge -p \
                    "{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"lastTransitionTime\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}]}}" \
                    >/dev/null 2>&1
            done
        sleep 0.3
    done
}

start_server || { finish; exit 1; }
"$CKUBE" controller-manager --kubeconfig "$KUBECONFIG" --leader-elect=false >"$WORK/cm.log" 2>&1 &
CM_PID=$!
mark_ready &
READY_PID=$!

# ---- create: the replica set named by upstream's pod-template-hash ----
check "create deployment" k create deployment web --image=nginx --replicas=3
wait_for "replica set web-64c966cf88 with 3 replicas" "web-64c966cf88=3 " rs_of web
rollout_ok web
expect_eq "3 pods of the set" "$(k get pods -l app=web,pod-template-hash=64c966cf88 --no-headers | wc -l | tr -d ' ')" 3
expect_eq "set labels and selector carry the hash" \
    "$(k get rs web-64c966cf88 -o jsonpath='{.metadata.labels.pod-template-hash} {.spec.selector.matchLabels.pod-template-hash} {.spec.template.metadata.labels.pod-template-hash}')" \
    "64c966cf88 64c966cf88 64c966cf88"
expect_eq "owned by the deployment" \
    "$(k get rs web-64c966cf88 -o jsonpath='{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {.metadata.ownerReferences[0].controller}')" \
    "Deployment/web true"
expect_eq "revision, desired and max replicas annotations" \
    "$(ann rs web-64c966cf88 deployment.kubernetes.io/revision) $(ann rs web-64c966cf88 deployment.kubernetes.io/desired-replicas) $(ann rs web-64c966cf88 deployment.kubernetes.io/max-replicas)" \
    "1 3 4"
wait_for "deployment revision 1" 1 ann deploy web deployment.kubernetes.io/revision
expect_eq "status counts" \
    "$(k get deploy web -o jsonpath='{.status.replicas} {.status.updatedReplicas} {.status.readyReplicas} {.status.availableReplicas}')" \
    "3 3 3 3"
expect_eq "Available condition" "$(cond web Available)" "True/MinimumReplicasAvailable"
expect_eq "Progressing condition" "$(cond web Progressing)" "True/NewReplicaSetAvailable"
expect_match "Progressing message" \
    "$(k get deploy web -o jsonpath='{.status.conditions[?(@.type=="Progressing")].message}')" \
    '^ReplicaSet "web-64c966cf88" has successfully progressed\.$'

# ---- set image: a rolling update within maxSurge (25% of 3: 1) and maxUnavailable (0) ----
k get rs -l app=web -w --no-headers \
    -o custom-columns=N:.metadata.name,D:.spec.replicas,A:.status.availableReplicas >"$WORK/watch.txt" 2>&1 &
WATCH_PID=$!
sleep 0.5
check "set image" k set image deploy/web nginx=nginx:1.25
rollout_ok web
sleep 0.5
kill "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID" 2>/dev/null
WATCH_PID=""
# After each watched change: replicas of all sets <= 3 + 1; available pods >= 3 - 0.
limits=$(awk '{ d[$1] = $2; a[$1] = ($3 == "<none>" ? 0 : $3); td = 0; ta = 0
                for (n in d) { td += d[n]; ta += a[n] }
                if (td > maxd) maxd = td
                if (NR == 1 || ta < mina) mina = ta }
              END { print maxd, mina, NR }' "$WORK/watch.txt")
read -r maxd mina nlines <<<"$limits"
check "the watch saw the rollout" test "${nlines:-0}" -ge 4
expect_eq "never more than replicas + maxSurge" "$maxd" 4
expect_eq "never fewer available than replicas - maxUnavailable" "$mina" 3
new=$(k get rs -l app=web -o jsonpath='{range .items[?(@.spec.replicas==3)]}{.metadata.name}{end}')
expect_match "a new set for the new template" "$new" '^web-[bcdfghjklmnpqrstvwxz2456789]{9,10}$'
expect_eq "old set scaled to 0" "$(k get rs web-64c966cf88 -o jsonpath='{.spec.replicas}')" 0
expect_eq "new set revision 2" "$(ann rs "$new" deployment.kubernetes.io/revision)" 2
ev=$(k describe deploy web 2>&1)
expect_match "ScalingReplicaSet event for the first set" "$ev" \
    'Normal +ScalingReplicaSet +.* +deployment-controller +Scaled up replica set web-64c966cf88 from 0 to 3'
expect_match "scale-up event of the new set" "$ev" \
    "Normal +ScalingReplicaSet +.* +deployment-controller +Scaled up replica set $new from 0 to 1"
expect_match "scale-down event of the old set" "$ev" \
    'Normal +ScalingReplicaSet +.* +deployment-controller +Scaled down replica set web-64c966cf88 from 3 to 2'
expect_match "describe shows the sets" "$ev" "NewReplicaSet: +$new \\(3/3 replicas created\\)"

# ---- history and undo ----
hist=$(k rollout history deploy/web 2>&1)
expect_match "history header" "$hist" '^REVISION +CHANGE-CAUSE$'
expect_match "history lists revision 1" "$hist" '^1 +<none>$'
expect_match "history lists revision 2" "$hist" '^2 +<none>$'
check "record a change cause" k annotate deploy web kubernetes.io/change-cause="to 1.26"
check "set image 1.26" k set image deploy/web nginx=nginx:1.26
rollout_ok web
expect_match "change cause in history" "$(k rollout history deploy/web 2>&1)" '3 +to 1\.26'
check "rollout undo" k rollout undo deploy/web
rollout_ok web
expect_eq "undo brought 1.25 back" \
    "$(k get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}')" nginx:1.25
expect_eq "the old set is reused with the newest revision" \
    "$(k get rs "$new" -o jsonpath='{.spec.replicas}') $(ann rs "$new" deployment.kubernetes.io/revision) $(ann rs "$new" deployment.kubernetes.io/revision-history)" \
    "3 4 2"
check "rollout undo --to-revision=1" k rollout undo deploy/web --to-revision=1
rollout_ok web
expect_eq "revision 1's set serves again as revision 5" \
    "$(k get rs web-64c966cf88 -o jsonpath='{.spec.replicas}') $(ann rs web-64c966cf88 deployment.kubernetes.io/revision)" \
    "3 5"
wait_for "deployment revision follows" 5 ann deploy web deployment.kubernetes.io/revision

# ---- pause, scale while paused, resume ----
check "rollout pause" k rollout pause deploy/web
wait_for "paused condition" "Unknown/DeploymentPaused" cond web Progressing
check "set image while paused" k set image deploy/web nginx=nginx:1.27
sleep 1
expect_eq "no rollout while paused" "$(k get rs -l app=web --no-headers | wc -l | tr -d ' ')" 3
check "scale while paused" k scale deploy/web --replicas=5
wait_for "scaling works while paused" 5 k get rs web-64c966cf88 -o jsonpath='{.spec.replicas}'
out=$(k rollout undo deploy/web 2>&1)
expect_match "undo refused while paused" "$out" 'cannot rollback a paused deployment'
check "rollout resume" k rollout resume deploy/web
rollout_ok web
expect_eq "the paused change rolled out" "$(k get rs -l app=web --no-headers | wc -l | tr -d ' ')" 4
expect_eq "5 updated replicas" "$(k get deploy web -o jsonpath='{.status.updatedReplicas}')" 5

# ---- restart and scale ----
before=$(k get rs -l app=web --no-headers | wc -l | tr -d ' ')
check "rollout restart" k rollout restart deploy/web
rollout_ok web
expect_eq "restart made a new set" "$(k get rs -l app=web --no-headers | wc -l | tr -d ' ')" $((before + 1))
expect_match "restartedAt in the template" \
    "$(k get deploy web -o jsonpath='{.spec.template.metadata.annotations}')" 'kubectl.kubernetes.io/restartedAt'
check "scale down" k scale deploy/web --replicas=2
wait_for "2 replicas" "2 2" k get deploy web -o jsonpath='{.status.replicas} {.status.availableReplicas}'
check "scale up" k scale deploy/web --replicas=4
wait_for "4 replicas" "4 4" k get deploy web -o jsonpath='{.status.replicas} {.status.availableReplicas}'
# web has had more events than the correlator lets through (25 per object, then one per
# 5 minutes, as upstream's), so scaling events are checked on a fresh deployment.
check "create sc" k create deployment sc --image=nginx --replicas=3
rollout_ok sc
check "scale sc down" k scale deploy/sc --replicas=1
wait_for "sc at 1" "1" k get deploy sc -o jsonpath='{.status.availableReplicas}'
check "scale sc up" k scale deploy/sc --replicas=4
wait_for "sc at 4" "4" k get deploy sc -o jsonpath='{.status.availableReplicas}'
ev=$(k describe deploy sc 2>&1)
expect_match "scale-down event" "$ev" 'ScalingReplicaSet .* Scaled down replica set sc-[a-z0-9]+ from 3 to 1$'
expect_match "scale-up event" "$ev" 'ScalingReplicaSet .* Scaled up replica set sc-[a-z0-9]+ from 1 to 4$'

# ---- revision history limit ----
check "revisionHistoryLimit 1" k patch deploy web -p '{"spec":{"revisionHistoryLimit":1}}'
wait_for "old sets cleaned up" 2 sh -c "'$KUBECTL' --kubeconfig '$KUBECONFIG' get rs -l app=web --no-headers | wc -l"

# ---- proportional scaling during a stuck rollout (upstream's documented example) ----
check "create prop" k create deployment prop --image=nginx --replicas=10
check "surge 3, unavailable 2" k patch deploy prop -p '{"spec":{"strategy":{"rollingUpdate":{"maxSurge":3,"maxUnavailable":2}}}}'
rollout_ok prop
check "roll to an image that never gets ready" k set image deploy/prop nginx=nginx:stuck
wait_for "rollout stuck at old 8, new 5" "8 5" prop_sizes
check "scale to 15 mid-rollout" k scale deploy/prop --replicas=15
wait_for "extra replicas shared proportionally" "11 7" prop_sizes

# ---- progress deadline ----
check "short progress deadline" k patch deploy prop -p '{"spec":{"progressDeadlineSeconds":3}}'
wait_for "ProgressDeadlineExceeded" "False/ProgressDeadlineExceeded" cond prop Progressing
out=$(timeout 20 "$KUBECTL" --kubeconfig "$KUBECONFIG" rollout status deploy/prop 2>&1)
expect_match "rollout status reports the deadline" "$out" 'error: deployment "prop" exceeded its progress deadline'

# ---- Recreate: the old pods are gone before the new set exists ----
check "create rec" k create deployment rec --image=nginx --replicas=2
check "Recreate strategy" k patch deploy rec -p '{"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}}'
rollout_ok rec
k get rs -l app=rec -w --no-headers -o custom-columns=N:.metadata.name,D:.spec.replicas,R:.status.replicas >"$WORK/watch2.txt" 2>&1 &
WATCH_PID=$!
sleep 0.5
check "set image (Recreate)" k set image deploy/rec nginx=nginx:2
rollout_ok rec
sleep 0.5
kill "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID" 2>/dev/null
WATCH_PID=""
old=$(head -1 "$WORK/watch2.txt" | awk '{print $1}')
order=$(awk -v old="$old" '$1 == old && $3 == "<none>" { gone = 1 } $1 == old && $3 == 0 { gone = 1 }
                           $1 != old && !seen { seen = 1; print (gone ? "after" : "before") }' "$WORK/watch2.txt")
expect_eq "new set created only after the old pods are gone" "$order" after
expect_match "Recreate events" "$(k describe deploy rec 2>&1)" "Scaled down replica set $old from 2 to 0"

kill "$READY_PID" 2>/dev/null
wait "$READY_PID" 2>/dev/null
READY_PID=""

# ---- a clean exit ----
kill -TERM "$CM_PID"
for _ in $(seq 1 100); do kill -0 "$CM_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$CM_PID" 2>/dev/null; then kill -KILL "$CM_PID"; fail "controller-manager exits on SIGTERM"; fi
wait "$CM_PID" 2>/dev/null
expect_eq "controller-manager exit status" "$?" 0
CM_PID=""
if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$WORK/cm.log"; then
    fail "controller-manager sanitizer report"
    grep -E -A30 'ERROR: |runtime error:' "$WORK/cm.log" | head -50
else
    ok "controller-manager clean exit, no sanitizer report"
fi
finish
