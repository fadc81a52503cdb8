#!/bin/bash
# kubectl's generator and editing commands: create <kind>, expose, edit, diff, get cs,
# and namespace deletion.
source "$(dirname "$0")/lib.sh"
start_server || { finish; exit 1; }

check "create namespace" k create namespace team-a
check "create deployment" k create deployment web --image=nginx:1.25 --replicas=3 -n team-a
check "create service" k create service clusterip web-svc --tcp=80:8080 -n team-a
check "create configmap" k create configmap settings --from-literal=color=blue -n team-a
check "create secret" k create secret generic creds --from-literal=password=s3cr3t -n team-a
check "create serviceaccount" k create serviceaccount robot -n team-a
check "create role" k create role reader --verb=get,list --resource=pods -n team-a
check "create rolebinding" k create rolebinding reader-binding --role=reader --serviceaccount=team-a:robot -n team-a
check "create job" k create job once --image=busybox -n team-a -- echo hi
check "create cronjob" k create cronjob tick --image=busybox --schedule='*/5 * * * *' -n team-a -- date

out=$(k get deploy web -n team-a -o jsonpath='{.spec.replicas} {.spec.strategy.type} {.spec.strategy.rollingUpdate.maxSurge} {.spec.revisionHistoryLimit}')
expect_eq "deployment created with upstream defaults" "$out" "3 RollingUpdate 25% 10"
out=$(k get svc web-svc -n team-a -o jsonpath='{.spec.ports[0].port}/{.spec.ports[0].targetPort} {.spec.type} {.spec.clusterIP}')
expect_match "service created with an allocated ClusterIP" "$out" '^80/8080 ClusterIP 10\.0\.0\.[0-9]+$'
out=$(k get secret creds -n team-a -o jsonpath='{.data.password}' | base64 -d)
expect_eq "secret data round trip" "$out" "s3cr3t"
out=$(k get cm settings -n team-a -o jsonpath='{.data.color}')
expect_eq "configmap data" "$out" "blue"
out=$(k get rolebinding reader-binding -n team-a -o jsonpath='{.roleRef.name} {.subjects[0].name}')
expect_eq "rolebinding fields" "$out" "reader robot"
out=$(k get cronjob tick -n team-a -o jsonpath='{.spec.schedule}')
expect_eq "cronjob schedule" "$out" "*/5 * * * *"
out=$(k get job once -n team-a -o jsonpath='{.spec.template.spec.restartPolicy}')
expect_eq "job restartPolicy" "$out" "Never"

# expose
check "expose deployment" k expose deployment web --port=80 --target-port=8080 --name=web-exposed -n team-a
out=$(k get svc web-exposed -n team-a -o jsonpath='{.spec.selector.app} {.spec.ports[0].targetPort}')
expect_eq "exposed service selects the deployment's pods" "$out" "web 8080"

# table output
out=$(k get deploy -n team-a)
expect_match "deployment table columns" "$out" 'NAME +READY +UP-TO-DATE +AVAILABLE +AGE'
out=$(k get deploy -n team-a -o wide)
expect_match "deployment wide columns" "$out" 'CONTAINERS +IMAGES +SELECTOR'
out=$(k get svc -n team-a)
expect_match "service table columns" "$out" 'NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE'
out=$(k get cm -n team-a)
expect_match "configmap table columns" "$out" 'NAME +DATA +AGE'
out=$(k get ns)
expect_match "namespace table" "$out" 'team-a +Active'

# get cs
out=$(k get cs 2>&1)
expect_match "get componentstatuses" "$out" 'etcd-0 +Healthy'

# edit with a scripted editor
cat > "$WORK/editor.sh" <<'SH'
#!/bin/sh
sed -i 's/color: blue/color: green/' "$1"
SH
chmod +x "$WORK/editor.sh"
check "edit" env EDITOR="$WORK/editor.sh" KUBE_EDITOR="$WORK/editor.sh" "$KUBECTL" --kubeconfig "$KUBECONFIG" edit cm settings -n team-a
out=$(k get cm settings -n team-a -o jsonpath='{.data.color}')
expect_eq "edit saved the change" "$out" "green"

# diff
k get cm settings -n team-a -o yaml | sed 's/color: green/color: red/' > "$WORK/settings.yaml"
out=$(k diff -f "$WORK/settings.yaml" 2>&1)
expect_match "diff shows the change" "$out" '\+  color: red'
out=$(k get cm settings -n team-a -o jsonpath='{.data.color}')
expect_eq "diff changed nothing" "$out" "green"

# namespace deletion removes its content, then the namespace
check "delete namespace" k delete namespace team-a --wait=true --timeout=60s
for n in default kube-system kube-public; do
    out=$(k delete namespace "$n" 2>&1)
    expect_match "namespace $n may not be deleted" "$out" \
        "Error from server \\(Forbidden\\): namespaces \"$n\" is forbidden: this namespace may not be deleted"
done
expect_eq "system namespaces still active" "$(k get ns default kube-system kube-public -o jsonpath='{.items[*].status.phase}')" "Active Active Active"
out=$(k get ns team-a 2>&1)
expect_match "namespace is gone" "$out" 'not found'
out=$(k get all,cm,secret,sa,role,rolebinding -n team-a -o name 2>&1)
expect_eq "namespace content is gone" "$out" ""
out=$(k create configmap late -n team-a --from-literal=a=b 2>&1)
expect_match "creating in a missing namespace is refused" "$out" 'namespaces "team-a" not found'

finish
