/* The bootstrap RBAC policy: upstream's default ClusterRoles (bootstrappolicy/policy.go
 * and controller_policy.go, as of Kubernetes 1.34) and their ClusterRoleBindings, and the
 * Roles and RoleBindings of kube-system and kube-public (namespace_policy.go), in the
 * compact rule notation of auth/rbac.h. admin, edit and view carry their aggregationRule
 * and, since ckube has no aggregation controller yet, the aggregated rules materialized:
 * view = system:aggregate-to-view, edit = aggregate-to-edit + view, admin =
 * aggregate-to-admin + edit. */
#include <stdio.h>

#include "auth/rbac.h"
#include "lib/util.h"

#define RULES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define R "get,list,watch"
#define RW "create,delete,deletecollection,get,list,patch,update,watch"
#define W "create,delete,deletecollection,patch,update"
#define EVENTS "create,patch,update|core,events.k8s.io|events||"

static const char *const agg_admin[] = {
    "create|authorization.k8s.io|localsubjectaccessreviews||",
    RW "|rbac.authorization.k8s.io|rolebindings,roles||",
    NULL,
};

static const char *const agg_edit[] = {
    R "|core|pods/attach,pods/exec,pods/portforward,pods/proxy,secrets,services/proxy||",
    "impersonate|core|serviceaccounts||",
    W "|core|pods,pods/attach,pods/exec,pods/portforward,pods/proxy||",
    "create|core|pods/eviction||",
    W "|core|configmaps,events,persistentvolumeclaims,replicationcontrollers,"
      "replicationcontrollers/scale,secrets,serviceaccounts,services,services/proxy||",
    "create|core|serviceaccounts/token||",
    W "|apps|daemonsets,deployments,deployments/rollback,deployments/scale,replicasets,"
      "replicasets/scale,statefulsets,statefulsets/scale||",
    W "|autoscaling|horizontalpodautoscalers||",
    W "|batch|cronjobs,jobs||",
    W "|extensions|daemonsets,deployments,deployments/rollback,deployments/scale,ingresses,"
      "networkpolicies,replicasets,replicasets/scale,replicationcontrollers/scale||",
    W "|policy|poddisruptionbudgets||",
    W "|networking.k8s.io|ingresses,networkpolicies||",
    RW "|coordination.k8s.io|leases||",
    NULL,
};

static const char *const agg_view[] = {
    R "|core|configmaps,endpoints,persistentvolumeclaims,persistentvolumeclaims/status,pods,"
      "replicationcontrollers,replicationcontrollers/scale,serviceaccounts,services,"
      "services/status||",
    R "|core|bindings,events,limitranges,namespaces/status,pods/log,pods/status,"
      "replicationcontrollers/status,resourcequotas,resourcequotas/status||",
    R "|core|namespaces||",
    R "|discovery.k8s.io|endpointslices||",
    R "|apps|controllerrevisions,daemonsets,daemonsets/status,deployments,deployments/scale,"
      "deployments/status,replicasets,replicasets/scale,replicasets/status,statefulsets,"
      "statefulsets/scale,statefulsets/status||",
    R "|autoscaling|horizontalpodautoscalers,horizontalpodautoscalers/status||",
    R "|batch|cronjobs,cronjobs/status,jobs,jobs/status||",
    R "|extensions|daemonsets,daemonsets/status,deployments,deployments/scale,"
      "deployments/status,ingresses,ingresses/status,networkpolicies,replicasets,"
      "replicasets/scale,replicasets/status,replicationcontrollers/scale||",
    R "|policy|poddisruptionbudgets,poddisruptionbudgets/status||",
    R "|networking.k8s.io|ingresses,ingresses/status,networkpolicies||",
    NULL,
};

#define APPROVER(signer) RULES("approve|certificates.k8s.io|signers|kubernetes.io/" signer "|")
#define CTRL(name, ...)                                                                            \
    {                                                                                              \
        "system:controller:" name, NULL, NULL,                                                     \
        {                                                                                          \
            RULES(__VA_ARGS__)                                                                     \
        }                                                                                          \
    }

const ck_policy_role ck_policy_cluster_roles[] = {
    {"cluster-admin", NULL, NULL, {RULES("*|*|*||", "*||||*")}},
    {"admin", NULL, "admin", {agg_admin, agg_edit, agg_view}},
    {"edit", "admin", "edit", {agg_edit, agg_view}},
    {"view", "edit", "view", {agg_view}},
    {"system:aggregate-to-admin", "admin", NULL, {agg_admin}},
    {"system:aggregate-to-edit", "edit", NULL, {agg_edit}},
    {"system:aggregate-to-view", "view", NULL, {agg_view}},
    {"system:auth-delegator",
     NULL,
     NULL,
     {RULES("create|authentication.k8s.io|tokenreviews||",
            "create|authorization.k8s.io|subjectaccessreviews||")}},
    {"system:basic-user",
     NULL,
     NULL,
     {RULES("create|authorization.k8s.io|selfsubjectaccessreviews,selfsubjectrulesreviews||",
            "create|authentication.k8s.io|selfsubjectreviews||")}},
    {"system:certificates.k8s.io:certificatesigningrequests:nodeclient",
     NULL,
     NULL,
     {RULES("create|certificates.k8s.io|certificatesigningrequests/nodeclient||")}},
    {"system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
     NULL,
     NULL,
     {RULES("create|certificates.k8s.io|certificatesigningrequests/selfnodeclient||")}},
    {"system:certificates.k8s.io:kube-apiserver-client-approver",
     NULL,
     NULL,
     {APPROVER("kube-apiserver-client")}},
    {"system:certificates.k8s.io:kube-apiserver-client-kubelet-approver",
     NULL,
     NULL,
     {APPROVER("kube-apiserver-client-kubelet")}},
    {"system:certificates.k8s.io:kubelet-serving-approver",
     NULL,
     NULL,
     {APPROVER("kubelet-serving")}},
    {"system:certificates.k8s.io:legacy-unknown-approver",
     NULL,
     NULL,
     {APPROVER("legacy-unknown")}},
    {"system:discovery",
     NULL,
     NULL,
     {RULES("get||||/api,/api/*,/apis,/apis/*,/healthz,/livez,/openapi,/openapi/*,/readyz,"
            "/version,/version/")}},
    {"system:heapster",
     NULL,
     NULL,
     {RULES(R "|core|events,namespaces,nodes,pods||", R "|extensions|deployments||")}},
    {"system:kube-aggregator", NULL, NULL, {RULES(R "|core|endpoints,services||")}},
    {"system:kube-controller-manager",
     NULL,
     NULL,
     {RULES(EVENTS, "create|coordination.k8s.io|leases||",
            "get,update|coordination.k8s.io|leases|kube-controller-manager|",
            "create|core|secrets,serviceaccounts||", "delete|core|secrets||",
            "get|core|configmaps,namespaces,secrets,serviceaccounts||",
            "update|core|secrets,serviceaccounts||", "create|authentication.k8s.io|tokenreviews||",
            "create|authorization.k8s.io|subjectaccessreviews||", "list,watch|*|*||",
            "create|core|serviceaccounts/token||")}},
    {"system:kube-dns", NULL, NULL, {RULES("list,watch|core|endpoints,services||")}},
    {"system:kube-scheduler",
     NULL,
     NULL,
     {RULES(EVENTS, "create|coordination.k8s.io|leases||",
            "get,update|coordination.k8s.io|leases|kube-scheduler|", R "|core|nodes||",
            "delete,get,list,watch|core|pods||", "create|core|bindings,pods/binding||",
            "patch,update|core|pods/status||", R "|core|replicationcontrollers,services||",
            R "|apps,extensions|replicasets||", R "|apps|statefulsets||",
            R "|policy|poddisruptionbudgets||",
            R "|core|persistentvolumeclaims,persistentvolumes||",
            "create|authentication.k8s.io|tokenreviews||",
            "create|authorization.k8s.io|subjectaccessreviews||", R "|storage.k8s.io|csinodes||",
            R "|core|namespaces||", R "|storage.k8s.io|csidrivers||",
            R "|storage.k8s.io|csistoragecapacities||")}},
    {"system:kubelet-api-admin",
     NULL,
     NULL,
     {RULES(R "|core|nodes||", "proxy|core|nodes||",
            "*|core|nodes/log,nodes/metrics,nodes/proxy,nodes/stats||")}},
    {"system:monitoring",
     NULL,
     NULL,
     {RULES("get||||/healthz,/healthz/*,/livez,/livez/*,/metrics,/metrics/slis,/readyz,"
            "/readyz/*")}},
    {"system:node",
     NULL,
     NULL,
     {RULES("create|authentication.k8s.io|tokenreviews||",
            "create|authorization.k8s.io|localsubjectaccessreviews,subjectaccessreviews||",
            R "|core|services||", "create,get,list,watch|core|nodes||",
            "patch,update|core|nodes/status||", "patch,update|core|nodes||",
            "create,patch,update|core|events||", R "|core|pods||", "create,delete|core|pods||",
            "patch,update|core|pods/status||", "create|core|pods/eviction||",
            R "|core|configmaps,secrets||", "get|core|persistentvolumeclaims,persistentvolumes||",
            "get|core|endpoints||",
            "create,get,list,watch|certificates.k8s.io|certificatesigningrequests||",
            "create,delete,get,patch,update|coordination.k8s.io|leases||",
            "get|storage.k8s.io|volumeattachments||", "create|core|serviceaccounts/token||",
            "get,patch,update|core|persistentvolumeclaims/status||",
            R "|storage.k8s.io|csidrivers||",
            "create,delete,get,patch,update|storage.k8s.io|csinodes||",
            R "|node.k8s.io|runtimeclasses||")}},
    {"system:node-bootstrapper",
     NULL,
     NULL,
     {RULES("create,get,list,watch|certificates.k8s.io|certificatesigningrequests||")}},
    {"system:node-problem-detector",
     NULL,
     NULL,
     {RULES("get|core|nodes||", "patch|core|nodes/status||", EVENTS)}},
    {"system:node-proxier",
     NULL,
     NULL,
     {RULES("list,watch|core|endpoints,services||", R "|core|nodes||", EVENTS,
            "list,watch|discovery.k8s.io|endpointslices||")}},
    {"system:persistent-volume-provisioner",
     NULL,
     NULL,
     {RULES("create,delete,get,list,watch|core|persistentvolumes||",
            "get,list,update,watch|core|persistentvolumeclaims||",
            R "|storage.k8s.io|storageclasses||", "watch|core|events||", EVENTS)}},
    {"system:public-info-viewer",
     NULL,
     NULL,
     {RULES("get||||/healthz,/livez,/readyz,/version,/version/")}},
    {"system:service-account-issuer-discovery",
     NULL,
     NULL,
     {RULES("get||||/.well-known/openid-configuration,/openid/v1/jwks")}},
    {"system:volume-scheduler",
     NULL,
     NULL,
     {RULES("get,list,patch,update,watch|core|persistentvolumes||",
            R "|storage.k8s.io|storageclasses||",
            "get,list,patch,update,watch|core|persistentvolumeclaims||")}},

    /* controller roles, each bound to its service account in kube-system */
    CTRL("attachdetach-controller", "list,watch|core|persistentvolumeclaims,persistentvolumes||",
         R "|core|nodes||", "patch,update|core|nodes/status||", "list,watch|core|pods||", EVENTS,
         "create,delete,get,list,watch|storage.k8s.io|volumeattachments||",
         R "|storage.k8s.io|csidrivers||", R "|storage.k8s.io|csinodes||"),
    CTRL("certificate-controller",
         "delete,get,list,watch|certificates.k8s.io|certificatesigningrequests||",
         "update|certificates.k8s.io|certificatesigningrequests/approval,"
         "certificatesigningrequests/status||",
         "approve|certificates.k8s.io|signers|kubernetes.io/kube-apiserver-client-kubelet|",
         "sign|certificates.k8s.io|signers|kubernetes.io/kube-apiserver-client,"
         "kubernetes.io/kube-apiserver-client-kubelet,kubernetes.io/kubelet-serving,"
         "kubernetes.io/legacy-unknown|",
         "create|authorization.k8s.io|subjectaccessreviews||", EVENTS),
    CTRL("clusterrole-aggregation-controller",
         "escalate,get,list,patch,update,watch|rbac.authorization.k8s.io|clusterroles||"),
    CTRL("cronjob-controller", "get,list,update,watch|batch|cronjobs||",
         "create,delete,get,list,patch,update,watch|batch|jobs||", "update|batch|cronjobs/status||",
         "update|batch|cronjobs/finalizers||", "delete,list,watch|core|pods||", EVENTS),
    CTRL("daemon-set-controller", R "|apps,extensions|daemonsets||",
         "update|apps,extensions|daemonsets/status||",
         "update|apps,extensions|daemonsets/finalizers||", "list,watch|core|nodes||",
         "create,delete,list,patch,watch|core|pods||", "create|core|pods/binding||",
         "create,delete,get,list,patch,update,watch|apps|controllerrevisions||", EVENTS),
    CTRL("deployment-controller", "get,list,update,watch|apps,extensions|deployments||",
         "update|apps,extensions|deployments/status||",
         "update|apps,extensions|deployments/finalizers||",
         "create,delete,get,list,patch,update,watch|apps,extensions|replicasets||",
         "get,list,update,watch|core|pods||", EVENTS),
    CTRL("device-taint-eviction-controller", "delete,get,list,watch|core|pods||",
         "patch,update|core|pods/status||", R "|resource.k8s.io|resourceclaims||",
         R "|resource.k8s.io|resourceslices||", R "|resource.k8s.io|deviceclasses||", EVENTS,
         "patch,update|resource.k8s.io|devicetaintrules/status||",
         R "|resource.k8s.io|devicetaintrules||"),
    CTRL("disruption-controller", R "|apps,extensions|deployments||",
         R "|apps,extensions|replicasets||", R "|core|replicationcontrollers||",
         R "|policy|poddisruptionbudgets||", R "|apps|statefulsets||",
         "update|policy|poddisruptionbudgets/status||", "patch,update|core|pods/status||",
         "get|*|*/scale||", EVENTS),
    CTRL("endpoint-controller", R "|core|pods,services||",
         "create,delete,get,list,update,watch|core|endpoints||",
         "create|core|endpoints/restricted||", EVENTS),
    CTRL("endpointslice-controller", R "|core|nodes,pods,services||",
         "update|core|services/finalizers||",
         "create,delete,get,list,update,watch|discovery.k8s.io|endpointslices||",
         "create|discovery.k8s.io|endpointslices/restricted||", EVENTS),
    CTRL("endpointslicemirroring-controller", R "|core|endpoints,services||",
         "update|core|services/finalizers||", "update|core|endpoints/finalizers||",
         "create,delete,get,list,update,watch|discovery.k8s.io|endpointslices||",
         "create|discovery.k8s.io|endpointslices/restricted||", EVENTS),
    CTRL("ephemeral-volume-controller", R "|core|pods||", "update|core|pods/finalizers||",
         "create,get,list,watch|core|persistentvolumeclaims||", EVENTS),
    CTRL("expand-controller", "get,list,patch,update,watch|core|persistentvolumes||",
         "patch,update|core|persistentvolumeclaims/status||", R "|core|persistentvolumeclaims||",
         EVENTS),
    CTRL("generic-garbage-collector", "delete,get,list,patch,update,watch|*|*||", EVENTS),
    CTRL("horizontal-pod-autoscaler", R "|autoscaling|horizontalpodautoscalers||",
         "update|autoscaling|horizontalpodautoscalers/status||", "get,update|*|*/scale||",
         "list,watch|core|pods||", "list,watch|metrics.k8s.io|pods||",
         R "|custom.metrics.k8s.io|*||", R "|external.metrics.k8s.io|*||", EVENTS),
    CTRL("job-controller", "get,list,patch,update,watch|batch|jobs||", "update|batch|jobs/status||",
         "update|batch|jobs/finalizers||", "create,delete,list,patch,watch|core|pods||", EVENTS),
    CTRL("kube-apiserver-serving-clustertrustbundle-publisher",
         "attest|certificates.k8s.io|signers|kubernetes.io/kube-apiserver-serving|",
         "create,delete,list,update,watch|certificates.k8s.io|clustertrustbundles||", EVENTS),
    CTRL("legacy-service-account-token-cleaner",
         "get|core|configmaps|kube-apiserver-legacy-service-account-token-tracking|",
         "delete,patch|core|secrets||"),
    CTRL("namespace-controller", "delete,get,list,watch|core|namespaces||",
         "update|core|namespaces/finalize,namespaces/status||",
         "delete,deletecollection,get,list,watch|*|*||"),
    CTRL("node-controller", "delete,get,list,patch,update,watch|core|nodes||",
         "patch,update|core|nodes/status||", "patch,update|core|pods/status||",
         "delete,get,list,watch|core|pods||", R "|coordination.k8s.io|leases||", EVENTS),
    CTRL("persistent-volume-binder", "create,delete,get,list,update,watch|core|persistentvolumes||",
         "update|core|persistentvolumes/status||",
         "get,list,update,watch|core|persistentvolumeclaims||",
         "update|core|persistentvolumeclaims/status||", "create,delete,get,list,watch|core|pods||",
         R "|storage.k8s.io|storageclasses||", "list,watch|core|nodes||", EVENTS,
         "watch|core|events||"),
    CTRL("pod-garbage-collector", "delete,list,watch|core|pods||", R "|core|nodes||",
         "patch|core|pods/status||"),
    CTRL("podcertificaterequestcleaner",
         "delete,get,list,watch|certificates.k8s.io|podcertificaterequests||"),
    CTRL("pv-protection-controller", "get,list,update,watch|core|persistentvolumes||", EVENTS),
    CTRL("pvc-protection-controller", "get,list,update,watch|core|persistentvolumeclaims||",
         "update|core|persistentvolumeclaims/status||", R "|core|pods||", EVENTS),
    CTRL("replicaset-controller", "get,list,update,watch|apps,extensions|replicasets||",
         "update|apps,extensions|replicasets/status||",
         "update|apps,extensions|replicasets/finalizers||",
         "create,delete,list,patch,watch|core|pods||", EVENTS),
    CTRL("replication-controller", "get,list,update,watch|core|replicationcontrollers||",
         "update|core|replicationcontrollers/status||",
         "update|core|replicationcontrollers/finalizers||",
         "create,delete,list,patch,watch|core|pods||", EVENTS),
    CTRL("resource-claim-controller", R "|core|pods||", "update|core|pods/finalizers||",
         "create,delete,get,list,watch|resource.k8s.io|resourceclaims||",
         "patch,update|resource.k8s.io|resourceclaims,resourceclaims/status||",
         "patch,update|core|pods/status||", EVENTS,
         "patch,update|resource.k8s.io|resourceclaims/binding||"),
    CTRL("resourcequota-controller", "list,watch|*|*||", "update|core|resourcequotas/status||",
         EVENTS),
    CTRL("root-ca-cert-publisher", "create,update|core|configmaps||", EVENTS),
    CTRL("route-controller", "list,watch|core|nodes||", "patch|core|nodes/status||", EVENTS),
    CTRL("selinux-warning-controller", EVENTS, R "|core|persistentvolumes||",
         R "|core|persistentvolumeclaims||", R "|core|pods||", R "|storage.k8s.io|csidrivers||"),
    CTRL("service-account-controller", "create|core|serviceaccounts||", EVENTS),
    CTRL("service-cidrs-controller", "get,list,patch,update,watch|networking.k8s.io|servicecidrs||",
         "patch,update|networking.k8s.io|servicecidrs/finalizers||",
         "patch,update|networking.k8s.io|servicecidrs/status||",
         R "|networking.k8s.io|ipaddresses||", EVENTS),
    CTRL("service-controller", R "|core|services||", "patch,update|core|services/status||",
         "list,watch|core|nodes||", EVENTS),
    CTRL("statefulset-controller", "list,watch|core|pods||", R "|apps|statefulsets||",
         "update|apps|statefulsets/status||", "update|apps|statefulsets/finalizers||",
         "create,delete,get,patch,update|core|pods||",
         "create,delete,get,list,patch,update,watch|apps|controllerrevisions||",
         "create,get,list,watch|core|persistentvolumeclaims||",
         "delete,update|core|persistentvolumeclaims||", "update|core|pods/finalizers||", EVENTS),
    CTRL("storage-version-migrator-controller", "list,patch|*|*||",
         "get|apiextensions.k8s.io|customresourcedefinitions||",
         "patch|apiextensions.k8s.io|customresourcedefinitions/status||",
         "update|storagemigration.k8s.io|storageversionmigrations/status||"),
    CTRL("ttl-after-finished-controller", "delete,get,list,watch|batch|jobs||", EVENTS),
    CTRL("ttl-controller", "list,patch,update,watch|core|nodes||", EVENTS),
    CTRL("validatingadmissionpolicy-status-controller",
         R "|admissionregistration.k8s.io|validatingadmissionpolicies||",
         "get,patch,update|admissionregistration.k8s.io|validatingadmissionpolicies/status||",
         EVENTS),
    CTRL("volumeattributesclass-protection-controller", R "|core|persistentvolumeclaims||",
         R "|core|persistentvolumes||",
         "get,list,update,watch|storage.k8s.io|volumeattributesclasses||", EVENTS),
};
const unsigned ck_policy_ncluster_roles = ARRAY_SIZE(ck_policy_cluster_roles);

/* The bindings of the non-controller roles; every system:controller:<name> role is also
 * bound to the service account kube-system/<name> (ck_policy_binding_object callers
 * derive those from the role table). */
const ck_policy_binding ck_policy_cluster_bindings[] = {
    {"cluster-admin", "cluster-admin", "G:system:masters"},
    {"system:basic-user", "system:basic-user", "G:system:authenticated"},
    {"system:discovery", "system:discovery", "G:system:authenticated"},
    {"system:kube-controller-manager", "system:kube-controller-manager",
     "U:system:kube-controller-manager"},
    {"system:kube-dns", "system:kube-dns", "S:kube-system/kube-dns"},
    {"system:kube-scheduler", "system:kube-scheduler", "U:system:kube-scheduler"},
    {"system:monitoring", "system:monitoring", "G:system:monitoring"},
    {"system:node", "system:node", ""},
    {"system:node-proxier", "system:node-proxier", "U:system:kube-proxy"},
    {"system:public-info-viewer", "system:public-info-viewer",
     "G:system:authenticated;G:system:unauthenticated"},
    {"system:service-account-issuer-discovery", "system:service-account-issuer-discovery",
     "G:system:serviceaccounts"},
    {"system:volume-scheduler", "system:volume-scheduler", "U:system:kube-scheduler"},
};
const unsigned ck_policy_ncluster_bindings = ARRAY_SIZE(ck_policy_cluster_bindings);

/* Leader election of kube-controller-manager and kube-scheduler in kube-system: the
 * ConfigMap lock of old releases (1.35 drops it), the Lease lock, and the LeaseCandidates of
 * coordinated leader election. */
#define LEADER_LOCK(name)                                                                          \
    RULES("watch|core|configmaps||", "get,update|core|configmaps|" name "|",                       \
          "create,get,list,update,watch|coordination.k8s.io|leases||",                             \
          "create,get,list,update,watch|coordination.k8s.io|leasecandidates||")
#define NS_ROLE(ns, name, rules)                                                                   \
    {                                                                                              \
        ns,                                                                                        \
        {                                                                                          \
            name, NULL, NULL,                                                                      \
            {                                                                                      \
                rules                                                                              \
            }                                                                                      \
        }                                                                                          \
    }

const ck_policy_ns_role ck_policy_ns_roles[] = {
    /* read by aggregated API servers for the front-proxy and client CA configuration */
    NS_ROLE("kube-system", "extension-apiserver-authentication-reader",
            RULES(R "|core|configmaps|extension-apiserver-authentication|")),
    NS_ROLE("kube-system", "system::leader-locking-kube-controller-manager",
            LEADER_LOCK("kube-controller-manager")),
    NS_ROLE("kube-system", "system::leader-locking-kube-scheduler", LEADER_LOCK("kube-scheduler")),
    /* the bootstrap signer reads the token Secrets here and signs kube-public/cluster-info */
    NS_ROLE("kube-system", "system:controller:bootstrap-signer", RULES(R "|core|secrets||")),
    /* deprecated since 1.10, still created */
    NS_ROLE("kube-system", "system:controller:cloud-provider",
            RULES("create,get,list,watch|core|configmaps||")),
    NS_ROLE("kube-system", "system:controller:token-cleaner",
            RULES("delete,get,list,watch|core|secrets||", EVENTS)),
    NS_ROLE("kube-public", "system:controller:bootstrap-signer",
            RULES(R "|core|configmaps||", "update|core|configmaps|cluster-info|", EVENTS)),
};
const unsigned ck_policy_nns_roles = ARRAY_SIZE(ck_policy_ns_roles);

const ck_policy_ns_binding ck_policy_ns_bindings[] = {
    {"kube-system",
     {"system::extension-apiserver-authentication-reader",
      "extension-apiserver-authentication-reader",
      "U:system:kube-controller-manager;U:system:kube-scheduler"}},
    {"kube-system",
     {"system::leader-locking-kube-controller-manager",
      "system::leader-locking-kube-controller-manager",
      "U:system:kube-controller-manager;S:kube-system/kube-controller-manager;"
      "S:kube-system/leader-election-controller"}},
    {"kube-system",
     {"system::leader-locking-kube-scheduler", "system::leader-locking-kube-scheduler",
      "U:system:kube-scheduler;S:kube-system/kube-scheduler"}},
    {"kube-system",
     {"system:controller:bootstrap-signer", "system:controller:bootstrap-signer",
      "S:kube-system/bootstrap-signer"}},
    {"kube-system",
     {"system:controller:cloud-provider", "system:controller:cloud-provider",
      "S:kube-system/cloud-provider"}},
    {"kube-system",
     {"system:controller:token-cleaner", "system:controller:token-cleaner",
      "S:kube-system/token-cleaner"}},
    {"kube-public",
     {"system:controller:bootstrap-signer", "system:controller:bootstrap-signer",
      "S:kube-system/bootstrap-signer"}},
};
const unsigned ck_policy_nns_bindings = ARRAY_SIZE(ck_policy_ns_bindings);

/* Appends the comma-separated items of [s, end) to a new array; "core" is "". */
static json_t *list(const char *s, const char *end)
{
    json_t *a = json_array();
    while (s < end) {
        const char *c = memchr(s, ',', (size_t)(end - s));
        if (!c) c = end;
        size_t n = (size_t)(c - s);
        json_array_append_new(a, n == 4 && memcmp(s, "core", 4) == 0 ? json_string("")
                                                                     : json_stringn(s, n));
        s = c + 1;
    }
    return a;
}

json_t *ck_policy_rule(const char *spec)
{
    static const char *const keys[] = {"verbs", "apiGroups", "resources", "resourceNames",
                                       "nonResourceURLs"};
    json_t *rule = json_object();
    const char *s = spec;
    for (size_t i = 0; i < ARRAY_SIZE(keys) && s; i++) {
        const char *bar = strchr(s, '|');
        const char *end = bar ? bar : s + strlen(s);
        if (end > s) json_object_set_new(rule, keys[i], list(s, end));
        s = bar ? bar + 1 : NULL;
    }
    return rule;
}

static json_t *meta(const char *name, const char *ns, const char *aggregate_to)
{
    json_t *labels = json_pack("{s:s}", "kubernetes.io/bootstrapping", "rbac-defaults");
    if (aggregate_to) {
        char *k = xasprintf("rbac.authorization.k8s.io/aggregate-to-%s", aggregate_to);
        json_object_set_new(labels, k, json_string("true"));
        free(k);
    }
    json_t *md = json_pack("{s:s, s:o, s:{s:s}}", "name", name, "labels", labels, "annotations",
                           "rbac.authorization.kubernetes.io/autoupdate", "true");
    if (ns) json_object_set_new(md, "namespace", json_string(ns));
    return md;
}

/* A ClusterRole (ns NULL) or a Role in ns. */
static json_t *role_object(const ck_policy_role *r, const char *ns)
{
    json_t *obj = json_pack("{s:s, s:s, s:o}", "apiVersion", "rbac.authorization.k8s.io/v1", "kind",
                            ns ? "Role" : "ClusterRole", "metadata",
                            meta(r->name, ns, ns ? NULL : r->aggregate_to));
    if (r->aggregation && !ns) {
        char *k = xasprintf("rbac.authorization.k8s.io/aggregate-to-%s", r->aggregation);
        json_object_set_new(
            obj, "aggregationRule",
            json_pack("{s:[{s:{s:s}}]}", "clusterRoleSelectors", "matchLabels", k, "true"));
        free(k);
    }
    json_t *rules = json_array();
    for (size_t i = 0; i < ARRAY_SIZE(r->rules) && r->rules[i]; i++)
        for (const char *const *s = r->rules[i]; *s; s++)
            json_array_append_new(rules, ck_policy_rule(*s));
    json_object_set_new(obj, "rules", rules);
    return obj;
}

json_t *ck_policy_role_object(const ck_policy_role *r)
{
    return role_object(r, NULL);
}

json_t *ck_policy_ns_role_object(const ck_policy_ns_role *r)
{
    return role_object(&r->role, r->ns);
}

/* A ClusterRoleBinding to a ClusterRole (ns NULL), or a RoleBinding in ns to a Role of ns. */
static json_t *binding_object(const ck_policy_binding *b, const char *ns)
{
    json_t *subjects = json_array();
    for (const char *s = b->subjects; s && *s;) {
        const char *semi = strchr(s, ';');
        size_t n = semi ? (size_t)(semi - s) : strlen(s);
        char *item = xstrndup(s, n);
        if (n > 2 && item[1] == ':') {
            const char *name = item + 2;
            if (item[0] == 'S') {
                const char *slash = strchr(name, '/');
                if (slash) {
                    char *sa_ns = xstrndup(name, (size_t)(slash - name));
                    json_array_append_new(subjects,
                                          json_pack("{s:s, s:s, s:s}", "kind", "ServiceAccount",
                                                    "name", slash + 1, "namespace", sa_ns));
                    free(sa_ns);
                }
            } else {
                json_array_append_new(
                    subjects, json_pack("{s:s, s:s, s:s}", "apiGroup", "rbac.authorization.k8s.io",
                                        "kind", item[0] == 'G' ? "Group" : "User", "name", name));
            }
        }
        free(item);
        s = semi ? semi + 1 : NULL;
    }
    json_t *obj = json_pack(
        "{s:s, s:s, s:o, s:{s:s, s:s, s:s}}", "apiVersion", "rbac.authorization.k8s.io/v1", "kind",
        ns ? "RoleBinding" : "ClusterRoleBinding", "metadata", meta(b->name, ns, NULL), "roleRef",
        "apiGroup", "rbac.authorization.k8s.io", "kind", ns ? "Role" : "ClusterRole", "name",
        b->role);
    if (json_array_size(subjects))
        json_object_set_new(obj, "subjects", subjects);
    else
        json_decref(subjects);
    return obj;
}

json_t *ck_policy_binding_object(const ck_policy_binding *b)
{
    return binding_object(b, NULL);
}

json_t *ck_policy_ns_binding_object(const ck_policy_ns_binding *b)
{
    return binding_object(&b->binding, b->ns);
}
