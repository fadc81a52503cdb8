#!/bin/bash
# Every served resource through the real kubectl, from YAML fixtures in
# tests/e2e/fixtures/resources: create -f, get NAME -o json (kind, apiVersion, a key field),
# the list's table header as upstream's printers write it (pkg/printers/internalversion),
# delete -f, then NotFound. Also: componentstatuses, `certificate approve`, the
# autoscaling/v1 view of an autoscaling/v2 HPA, `apply` of a multi-document file twice,
# and invalid objects per kind family that are refused with upstream's messages and not stored.
source "$(dirname "$0")/lib.sh"
R=$FIXTURES/resources
NS="res-test"
start_server || { finish; exit 1; }

check "create namespace $NS" k create namespace "$NS"

# The CSR fixture gets a fresh PEM request at run time.
if openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=alice/O=dev \
    -keyout "$WORK/alice.key" -out "$WORK/alice.csr" >/dev/null 2>&1; then
    ok "openssl generated a CSR"
else
    fail "openssl generated a CSR"
fi
sed "s|__CSR_BASE64__|$(base64 -w0 <"$WORK/alice.csr")|" "$R/certificatesigningrequest.yaml" \
    >"$WORK/certificatesigningrequest.yaml"

# kget RESOURCE SCOPE ARGS...: kubectl get in the test namespace (ns) or cluster-wide.
kget() {
    local res=$1 scope=$2
    shift 2
    if [ "$scope" = ns ]; then k get "$res" -n "$NS" "$@"; else k get "$res" "$@"; fi
}

# One row per resource:
#   file ~ resource ~ name ~ scope ~ apiVersion ~ kind ~ jq expression ~ its value ~ table header regex ~ list row regex
# The header regexes are upstream's column definitions, upper-cased by kubectl; kinds with
# no printer upstream (roles, clusterroles, limitranges) get the default NAME / CREATED AT.
CASES=$(cat <<'EOF'
namespace.yaml~namespaces~res-scratch~cluster~v1~Namespace~.metadata.labels.team~platform~^NAME +STATUS +AGE$~
node.yaml~nodes~res-node-1~cluster~v1~Node~.spec.providerID~ckube://res-node-1~^NAME +STATUS +ROLES +AGE +VERSION$~
pod.yaml~pods~web-0~ns~v1~Pod~.spec.containers[0].image~nginx:1.25~^NAME +READY +STATUS +RESTARTS +AGE$~
service.yaml~services~web~ns~v1~Service~.spec.ports[0].targetPort~8080~^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE$~
endpoints.yaml~endpoints~external-db~ns~v1~Endpoints~.subsets[0].addresses[0].ip~192.168.10.20~^NAME +ENDPOINTS +AGE$~
configmap.yaml~configmaps~app-settings~ns~v1~ConfigMap~.data.log_level~debug~^NAME +DATA +AGE$~
secret.yaml~secrets~db-credentials~ns~v1~Secret~.type + " " + (.data.password | @base64d)~kubernetes.io/basic-auth s3cr3t~^NAME +TYPE +DATA +AGE$~
serviceaccount.yaml~serviceaccounts~builder~ns~v1~ServiceAccount~.automountServiceAccountToken~false~^NAME +SECRETS +AGE$~
event.yaml~events~web-0.17a2b3c4d5e6f708~ns~v1~Event~.reason + " " + .involvedObject.name~Scheduled web-0~^LAST SEEN +TYPE +REASON +OBJECT +MESSAGE$~pod/web-0 +Successfully assigned
limitrange.yaml~limitranges~container-defaults~ns~v1~LimitRange~.spec.limits[0].default.cpu~500m~^NAME +CREATED AT$~
resourcequota.yaml~resourcequotas~compute-quota~ns~v1~ResourceQuota~.spec.hard.pods~20~^NAME +REQUEST +LIMIT +AGE$~
persistentvolume.yaml~persistentvolumes~res-pv-1~cluster~v1~PersistentVolume~.spec.capacity.storage~5Gi~^NAME +CAPACITY +ACCESS MODES +RECLAIM POLICY +STATUS +CLAIM +STORAGECLASS +VOLUMEATTRIBUTESCLASS +REASON +AGE$~
persistentvolumeclaim.yaml~persistentvolumeclaims~data~ns~v1~PersistentVolumeClaim~.spec.resources.requests.storage~1Gi~^NAME +STATUS +VOLUME +CAPACITY +ACCESS MODES +STORAGECLASS +VOLUMEATTRIBUTESCLASS +AGE$~
podtemplate.yaml~podtemplates~worker-template~ns~v1~PodTemplate~.template.spec.containers[0].image~busybox:1.36~^NAME +CONTAINERS +IMAGES +POD LABELS$~
replicationcontroller.yaml~replicationcontrollers~legacy-web~ns~v1~ReplicationController~.spec.replicas~2~^NAME +DESIRED +CURRENT +READY +AGE$~
deployment.yaml~deployments~frontend~ns~apps/v1~Deployment~.spec.replicas~3~^NAME +READY +UP-TO-DATE +AVAILABLE +AGE$~
replicaset.yaml~replicasets~backend~ns~apps/v1~ReplicaSet~.spec.selector.matchLabels.app~backend~^NAME +DESIRED +CURRENT +READY +AGE$~
daemonset.yaml~daemonsets~log-agent~ns~apps/v1~DaemonSet~.spec.template.spec.nodeSelector["kubernetes.io/os"]~linux~^NAME +DESIRED +CURRENT +READY +UP-TO-DATE +AVAILABLE +NODE SELECTOR +AGE$~
statefulset.yaml~statefulsets~db~ns~apps/v1~StatefulSet~.spec.serviceName~db~^NAME +READY +AGE$~
controllerrevision.yaml~controllerrevisions~db-7c9d8f5b6~ns~apps/v1~ControllerRevision~.revision~1~^NAME +CONTROLLER +REVISION +AGE$~
job.yaml~jobs~migrate~ns~batch/v1~Job~.spec.backoffLimit~2~^NAME +STATUS +COMPLETIONS +DURATION +AGE$~
cronjob.yaml~cronjobs~nightly-report~ns~batch/v1~CronJob~.spec.schedule~0 2 * * *~^NAME +SCHEDULE +TIMEZONE +SUSPEND +ACTIVE +LAST SCHEDULE +AGE$~
horizontalpodautoscaler.yaml~horizontalpodautoscalers~frontend~ns~autoscaling/v2~HorizontalPodAutoscaler~.spec.metrics[0].resource.target.averageUtilization~70~^NAME +REFERENCE +TARGETS +MINPODS +MAXPODS +REPLICAS +AGE$~
lease.yaml~leases~leader-election~ns~coordination.k8s.io/v1~Lease~.spec.holderIdentity~controller-0~^NAME +HOLDER +AGE$~
@csr~certificatesigningrequests~alice~cluster~certificates.k8s.io/v1~CertificateSigningRequest~.spec.signerName~kubernetes.io/kube-apiserver-client~^NAME +AGE +SIGNERNAME +REQUESTOR +REQUESTEDDURATION +CONDITION$~
role.yaml~roles~pod-reader~ns~rbac.authorization.k8s.io/v1~Role~.rules[0].resources | join(",")~pods,pods/log~^NAME +CREATED AT$~
rolebinding.yaml~rolebindings~read-pods~ns~rbac.authorization.k8s.io/v1~RoleBinding~.roleRef.name~pod-reader~^NAME +ROLE +AGE$~
clusterrole.yaml~clusterroles~secret-reader~cluster~rbac.authorization.k8s.io/v1~ClusterRole~.rules[0].resources[0]~secrets~^NAME +CREATED AT$~
clusterrolebinding.yaml~clusterrolebindings~read-secrets-global~cluster~rbac.authorization.k8s.io/v1~ClusterRoleBinding~.subjects[0].name~auditors~^NAME +ROLE +AGE$~
endpointslice.yaml~endpointslices~web-abc12~ns~discovery.k8s.io/v1~EndpointSlice~.endpoints[0].addresses[0]~10.244.1.5~^NAME +ADDRESSTYPE +PORTS +ENDPOINTS +AGE$~
event-events.k8s.io.yaml~events.events.k8s.io~web-0.17a2b3c4d5e6f709~ns~events.k8s.io/v1~Event~.note~Successfully assigned res-test/web-0 to res-node-1~^LAST SEEN +TYPE +REASON +OBJECT +MESSAGE$~pod/web-0 +Successfully assigned
ingressclass.yaml~ingressclasses~nginx-example~cluster~networking.k8s.io/v1~IngressClass~.spec.controller~k8s.io/ingress-nginx~^NAME +CONTROLLER +PARAMETERS +AGE$~
ingress.yaml~ingresses~web~ns~networking.k8s.io/v1~Ingress~.spec.rules[0].host~web.example.com~^NAME +CLASS +HOSTS +ADDRESS +PORTS +AGE$~
networkpolicy.yaml~networkpolicies~db-allow-backend~ns~networking.k8s.io/v1~NetworkPolicy~.spec.podSelector.matchLabels.app~db~^NAME +POD-SELECTOR +AGE$~
poddisruptionbudget.yaml~poddisruptionbudgets~frontend-pdb~ns~policy/v1~PodDisruptionBudget~.spec.minAvailable~2~^NAME +MIN AVAILABLE +MAX UNAVAILABLE +ALLOWED DISRUPTIONS +AGE$~
priorityclass.yaml~priorityclasses~high-priority~cluster~scheduling.k8s.io/v1~PriorityClass~.value~1000000~^NAME +VALUE +GLOBAL-DEFAULT +AGE +PREEMPTIONPOLICY$~
storageclass.yaml~storageclasses~fast-local~cluster~storage.k8s.io/v1~StorageClass~.provisioner~kubernetes.io/no-provisioner~^NAME +PROVISIONER +RECLAIMPOLICY +VOLUMEBINDINGMODE +ALLOWVOLUMEEXPANSION +AGE$~
runtimeclass.yaml~runtimeclasses~gvisor~cluster~node.k8s.io/v1~RuntimeClass~.handler~runsc~^NAME +HANDLER +AGE$~
EOF
)

fixture() { if [ "$1" = "@csr" ]; then echo "$WORK/certificatesigningrequest.yaml"; else echo "$R/$1"; fi; }

# Phase 1: create, read back, list.
while IFS='~' read -r file res name scope av kind expr want header row; do
    [ -n "$file" ] || continue
    f=$(fixture "$file")
    check "$res: create -f $(basename "$f")" k create -f "$f"
    got=$(kget "$res" "$scope" "$name" -o json 2>&1 |
        jq -r "\"\(.apiVersion) \(.kind) \" + (($expr) | tostring)" 2>&1)
    expect_eq "$res: get $name -o json" "$got" "$av $kind $want"
    table=$(kget "$res" "$scope" 2>"$WORK/list.err")
    expect_match "$res: list includes $name" "$table" "${row:-^$name( |\$)}"
    expect_match "$res: table header" "$(printf '%s\n' "$table" | head -n1)" "$header"
done <<<"$CASES"

# -o wide columns (priority-1 columns upstream).
hdr() { kget "$@" 2>/dev/null | head -n1; }
expect_match "pods: wide header" "$(hdr pods ns -o wide)" \
    '^NAME +READY +STATUS +RESTARTS +AGE +IP +NODE +NOMINATED NODE +READINESS GATES$'
expect_match "services: wide header" "$(hdr services ns -o wide)" \
    '^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE +SELECTOR$'
expect_match "deployments: wide header" "$(hdr deployments ns -o wide)" \
    '^NAME +READY +UP-TO-DATE +AVAILABLE +AGE +CONTAINERS +IMAGES +SELECTOR$'
expect_match "replicasets: wide header" "$(hdr replicasets ns -o wide)" \
    '^NAME +DESIRED +CURRENT +READY +AGE +CONTAINERS +IMAGES +SELECTOR$'
expect_match "nodes: wide header" "$(hdr nodes cluster -o wide)" \
    '^NAME +STATUS +ROLES +AGE +VERSION +INTERNAL-IP +EXTERNAL-IP +OS-IMAGE +KERNEL-VERSION +CONTAINER-RUNTIME$'
out=$(k get deployments -n "$NS" -o wide 2>&1)
expect_match "deployments: wide row" "$out" '^frontend +0/3 +0 +0 +[0-9a-z]+ +nginx +nginx:1\.25 +app=frontend$'
out=$(k get services web -n "$NS" -o wide 2>&1)
expect_match "services: wide row" "$out" '^web +ClusterIP +10\.[0-9.]+ +<none> +80/TCP +[0-9a-z]+ +app=web$'

# componentstatuses: get/list only.
out=$(k get cs 2>/dev/null)
expect_match "componentstatuses: list has etcd-0 Healthy" "$out" '^etcd-0 +Healthy'
expect_match "componentstatuses: table header" "$(printf '%s\n' "$out" | head -n1)" '^NAME +STATUS +MESSAGE +ERROR$'
out=$(k get componentstatuses etcd-0 -o json 2>/dev/null |
    jq -r '"\(.apiVersion) \(.kind) \(.conditions[0].type) \(.conditions[0].status)"')
expect_eq "componentstatuses: get etcd-0 -o json" "$out" "v1 ComponentStatus Healthy True"

# The autoscaling/v1 form of the autoscaling/v2 HPA. Spelled with the full resource name:
# kubectl (1.30+) expands a short name to group/resource and drops the version, so
# `hpa.v1.autoscaling` reads autoscaling/v2 from a real kube-apiserver too.
out=$(k get horizontalpodautoscalers.v1.autoscaling frontend -n "$NS" -o json 2>&1 |
    jq -r '"\(.apiVersion) \(.kind) \(.spec.targetCPUUtilizationPercentage) \(.spec.minReplicas) \(.spec.maxReplicas) \(.spec.scaleTargetRef.kind)/\(.spec.scaleTargetRef.name)"' 2>&1)
expect_eq "hpa: autoscaling/v1 view" "$out" "autoscaling/v1 HorizontalPodAutoscaler 70 2 10 Deployment/frontend"

# CSR approval through the approval subresource.
check "csr: certificate approve" k certificate approve alice
out=$(k get csr alice -o json 2>&1 |
    jq -r '[.status.conditions[]? | "\(.type)=\(.status)/\(.reason)"] | join(",")' 2>&1)
expect_eq "csr: Approved condition" "$out" "Approved=True/KubectlApprove"
out=$(k get csr alice 2>&1)
expect_match "csr: table shows Approved" "$out" '^alice +.* +Approved'

# Phase 2: delete -f in reverse order, then NotFound.
while IFS='~' read -r file res name scope _; do
    [ -n "$file" ] || continue
    f=$(fixture "$file")
    check "$res: delete -f $(basename "$f")" k delete -f "$f" --timeout=30s
    out=$(kget "$res" "$scope" "$name" 2>&1)
    expect_match "$res: get after delete is NotFound" "$out" "\\(NotFound\\).* \"$name\" not found"
done < <(printf '%s\n' "$CASES" | tac)

# Multi-document apply, twice: the second run changes nothing.
out=$(k apply -f "$R/multi.yaml" 2>&1)
expect_eq "multi: first apply creates all six" "$(printf '%s\n' "$out" | grep -c ' created$')" "6"
out=$(k apply -f "$R/multi.yaml" 2>&1)
expect_eq "multi: second apply" "$out" "configmap/multi-config unchanged
serviceaccount/multi-sa unchanged
service/multi-svc unchanged
deployment.apps/multi-deploy unchanged
clusterrole.rbac.authorization.k8s.io/multi-viewer unchanged
priorityclass.scheduling.k8s.io/multi-batch unchanged"
out=$(k get -f "$R/multi.yaml" -o name 2>&1)
expect_eq "multi: get -f lists all six" "$(printf '%s\n' "$out" | wc -l)" "6"
check "multi: delete -f" k delete -f "$R/multi.yaml"
out=$(k get -f "$R/multi.yaml" -o name 2>&1)
expect_eq "multi: all six gone" "$(printf '%s\n' "$out" | grep -c 'NotFound')" "6"

# Invalid objects: refused as Invalid (422) with upstream's message, and not stored.
#   file ~ resource ~ name ~ scope ~ kind ~ message regex
INVALID=$(cat <<'EOF'
invalid-deployment-selector.yaml~deployments~bad-selector~ns~Deployment~spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"other"\}: `selector` does not match template `labels`
invalid-statefulset-selector.yaml~statefulsets~bad-sts~ns~StatefulSet~spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"cache"\}: `selector` does not match template `labels`
invalid-service-port.yaml~services~bad-port~ns~Service~spec\.ports\[0\]\.port: Invalid value: 70000: must be between 1 and 65535, inclusive
invalid-pod-no-containers.yaml~pods~no-containers~ns~Pod~spec\.containers: Required value
invalid-configmap-key.yaml~configmaps~bad-key~ns~ConfigMap~data\[bad key\]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '\.'
invalid-secret-basic-auth.yaml~secrets~bad-basic-auth~ns~Secret~data\[username\]: Required value
invalid-namespace-name.yaml~namespaces~Bad_Namespace~cluster~Namespace~metadata\.name: Invalid value: "Bad_Namespace": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'
invalid-persistentvolume.yaml~persistentvolumes~bad-pv~cluster~PersistentVolume~spec\.capacity: Required value
invalid-job-restartpolicy.yaml~jobs~bad-job~ns~Job~spec\.template\.spec\.restartPolicy: Required value: valid values: "OnFailure", "Never"
invalid-cronjob-schedule.yaml~cronjobs~bad-cron~ns~CronJob~spec\.schedule: Invalid value: "every tuesday"
invalid-hpa-replicas.yaml~horizontalpodautoscalers~bad-hpa~ns~HorizontalPodAutoscaler~spec\.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`
invalid-lease-duration.yaml~leases~bad-lease~ns~Lease~spec\.leaseDurationSeconds: Invalid value: 0: must be greater than 0
invalid-csr-request.yaml~certificatesigningrequests~bad-csr~cluster~CertificateSigningRequest~spec\.request: Invalid value: \[\]byte\{0x74, 0x68, 0x69, 0x73, 0x20, 0x69, 0x73, 0x20, 0x6e, 0x6f, 0x74, 0x20, 0x61, 0x20, 0x43, 0x53, 0x52\}: PEM block type must be CERTIFICATE REQUEST
invalid-rolebinding-roleref.yaml~rolebindings~bad-binding~ns~RoleBinding~roleRef\.kind: Unsupported value: "Deployment": supported values: "Role", "ClusterRole"
invalid-endpointslice-addresstype.yaml~endpointslices~bad-slice~ns~EndpointSlice~addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"
invalid-ingress-pathtype.yaml~ingresses~bad-ingress~ns~Ingress~spec\.rules\[0\]\.http\.paths\[0\]\.pathType: Required value: pathType must be specified
invalid-pdb-both.yaml~poddisruptionbudgets~bad-pdb~ns~PodDisruptionBudget~spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set
invalid-priorityclass-value.yaml~priorityclasses~too-high~cluster~PriorityClass~value: Forbidden: maximum allowed value of a user defined priority is 1000000000
invalid-storageclass-provisioner.yaml~storageclasses~no-provisioner~cluster~StorageClass~provisioner: Required value
EOF
)
while IFS='~' read -r file res name scope kind msg; do
    [ -n "$file" ] || continue
    out=$(k create -f "$R/$file" 2>&1)
    rc=$?
    expect_eq "$file: create fails" "$([ $rc -ne 0 ] && echo failed || echo succeeded)" "failed"
    expect_match "$file: Invalid with upstream's message" "$out" "^The $kind \"$name\" is invalid: "
    expect_match "$file: message" "$out" "$msg"
    out=$(kget "$res" "$scope" "$name" 2>&1)
    expect_match "$file: not stored" "$out" "\\(NotFound\\).* \"$name\" not found"
done <<<"$INVALID"
out=$(k create -f "$R/invalid-deployment-selector.yaml" -v=6 2>&1)
expect_match "invalid deployment: HTTP 422" "$out" 'POST https://[^ ]+/apis/apps/v1/namespaces/res-test/deployments[^ ]* 422 Unprocessable Entity'

finish
