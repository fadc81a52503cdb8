/* Unit tests for the remaining non-core kinds: leases, CSRs, RBAC, endpoint slices,
 * events (core and events.k8s.io), ingresses, ingress classes, network policies, PDBs,
 * priority classes, storage classes and runtime classes. */
#include "registry/workload.h"
#include "registry_ut.h"

/* A P-256 CSR for CN=alice, base64 of its PEM; BADSIG has the CN changed after signing;
 * NOTCSR is the same data in a CERTIFICATE block. */
#define CSR                                                                                        \
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIS01ISUNBUUF3RURFT01Bd0dBMVVFQXd3RllXeHB"  \
    "ZMlV3V1RBVEJnY3Foa2pPUFFJQkJnZ3Foa2pPUFFNQgpCd05DQUFSd2VmTFhobkROSE9aZDNKN0N1elROTVFzNm1vYX"  \
    "B0VmxMZjJCNXh6ZWRsNmhPcGduYVBQV2ZYU0Q2Ckpmajdnc2FycnRNaHd5VFdBdUttd1ordGZoL0hvQUF3Q2dZSUtvW"  \
    "kl6ajBFQXdJRFNBQXdSUUloQUtEclI4cWUKRk53dEcrMTFRa2J6SEtnS0w2bEx6bDlITGNRYVZXcHpmOWY1QWlCV09j"  \
    "ZDNzRFhSd20wNXQ1dWNNUm85amRCSgpWOHgwQkE2ZExkblVqcXFDZXc9PQotLS0tLUVORCBDRVJUSUZJQ0FURSBSRV"   \
    "FVRVNULS0tLS0K"
#define BADSIG                                                                                     \
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIS01ISUNBUUF3RURFT01Bd0dBMVVFQXd3RllXeHB"  \
    "ZMll3V1RBVEJnY3Foa2pPUFFJQkJnZ3Foa2pPUFFNQgpCd05DQUFSd2VmTFhobkROSE9aZDNKN0N1elROTVFzNm1vYX"  \
    "B0VmxMZjJCNXh6ZWRsNmhPcGduYVBQV2ZYU0Q2Ckpmajdnc2FycnRNaHd5VFdBdUttd1ordGZoL0hvQUF3Q2dZSUtvW"  \
    "kl6ajBFQXdJRFNBQXdSUUloQUtEclI4cWUKRk53dEcrMTFRa2J6SEtnS0w2bEx6bDlITGNRYVZXcHpmOWY1QWlCV09j"  \
    "ZDNzRFhSd20wNXQ1dWNNUm85amRCSgpWOHgwQkE2ZExkblVqcXFDZXc9PQotLS0tLUVORCBDRVJUSUZJQ0FURSBSRV"   \
    "FVRVNULS0tLS0K"
#define NOTCSR                                                                                     \
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSEtNSElDQVFBd0VERU9NQXdHQTFVRUF3d0ZZV3hwWTJZd1dUQVR"  \
    "CZ2NxaGtqT1BRSUJCZ2dxaGtqT1BRTUIKQndOQ0FBUndlZkxYaG5ETkhPWmQzSjdDdXpUTk1RczZtb2FwdFZsTGYyQj"  \
    "V4emVkbDZoT3BnbmFQUFdmWFNENgpKZmo3Z3NhcnJ0TWh3eVRXQXVLbXdaK3RmaC9Ib0FBd0NnWUlLb1pJemowRUF3S"  \
    "URTQUF3UlFJaEFLRHJSOHFlCkZOd3RHKzExUWtiekhLZ0tMNmxMemw5SExjUWFWV3B6ZjlmNUFpQldPY2Qzc0RYUndt"  \
    "MDV0NXVjTVJvOWpkQkoKVjh4MEJBNmRMZG5VanFxQ2V3PT0KLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="

static json_t *csr_obj(const char *request)
{
    json_t *o = js("{\"metadata\":{\"name\":\"alice\"},\"spec\":{\"signerName\":"
                   "\"kubernetes.io/kube-apiserver-client\",\"usages\":[\"client auth\"],"
                   "\"expirationSeconds\":86400,\"username\":\"mallory\"}}");
    json_object_set_new(ck_obj_get(o, "spec"), "request", json_string(request));
    return o;
}

void ck_csr_prepare_approval(json_t *obj, const json_t *old);

static void test_csr(void)
{
    ck_rtype *rt = kind("certificates.k8s.io", "v1", "certificatesigningrequests");
    json_t *c = csr_obj(CSR);
    create_steps(rt, c);
    CHECK(ck_obj_get(c, "spec.username") == NULL); /* the server's to set */
    CHECK_INVALID(rt, c, NULL, NULL);
    CHECK_COLUMNS(rt, "Name:string:name:0,Age:date::0,SignerName:string::0,"
                      "Requestor:string::0,RequestedDuration:string::0,Condition:string::0");
    CHECK_CELLS(rt, c,
                "[\"alice\",\"2024-01-02T03:04:05Z\",\"kubernetes.io/kube-apiserver-client\""
                ",\"\",\"24h\",\"Pending\"]");
    CHECK(streq(rt->def->fields[0], "spec.signerName"));

    /* Approval changes only the conditions, stamping their times. */
    json_t *appr = json_deep_copy(c);
    json_object_set_new(appr, "spec", js("{\"signerName\":\"x/y\"}"));
    json_object_set_new(appr, "status",
                        js("{\"certificate\":\"Zm9v\",\"conditions\":[{\"type\":\"Approved\","
                           "\"reason\":\"KubectlApprove\"}]}"));
    ck_csr_prepare_approval(appr, c);
    rt->def->defaults(appr);
    CHECK_STR(str_at(appr, "spec.signerName"), "kubernetes.io/kube-apiserver-client");
    CHECK(ck_obj_get(appr, "status.certificate") == NULL);
    const json_t *cond = json_array_get(ck_obj_get(appr, "status.conditions"), 0);
    CHECK_STR(str_at(cond, "status"), "True");
    CHECK(str_at(cond, "lastUpdateTime") && str_at(cond, "lastTransitionTime"));
    CHECK_INVALID(rt, appr, c, NULL);
    CHECK_CELLS(rt, appr,
                "[\"alice\",\"2024-01-02T03:04:05Z\","
                "\"kubernetes.io/kube-apiserver-client\",\"\",\"24h\",\"Approved\"]");

    /* Updates of the main resource or status keep spec and the approval conditions. */
    json_t *upd = json_deep_copy(appr);
    json_object_set_new(ck_obj_get(upd, "spec"), "usages", js("[\"server auth\"]"));
    json_object_set_new(upd, "status",
                        js("{\"conditions\":[{\"type\":\"Approved\",\"status\":"
                           "\"True\",\"reason\":\"Changed\"}],\"certificate\":"
                           "\"Zm9v\"}"));
    update_steps(rt, upd, appr);
    CHECK(json_equal(ck_obj_get(upd, "spec"), ck_obj_get(appr, "spec")));
    CHECK_STR(str_at(json_array_get(ck_obj_get(upd, "status.conditions"), 0), "reason"),
              "KubectlApprove");
    CHECK_INVALID(rt, upd, appr, NULL);
    CHECK_CELLS(rt, upd,
                "[\"alice\",\"2024-01-02T03:04:05Z\","
                "\"kubernetes.io/kube-apiserver-client\",\"\",\"24h\",\"Approved,Issued\"]");
    json_decref(upd);

    /* Denying an approved request removes Approved: forbidden. */
    upd = json_deep_copy(appr);
    json_object_set_new(upd, "status",
                        js("{\"conditions\":[{\"type\":\"Denied\",\"status\":"
                           "\"True\"}]}"));
    ck_csr_prepare_approval(upd, appr);
    CHECK_INVALID(rt, upd, appr,
                  "CertificateSigningRequest.certificates.k8s.io \"alice\" is invalid: "
                  "status.conditions: Forbidden: updates may not remove a condition of type "
                  "\"Approved\"");
    json_decref(upd);
    json_decref(appr);
    json_decref(c);

    c = csr_obj(BADSIG);
    create_steps(rt, c);
    char *m = invalid(rt, c, NULL);
    CHECK(m && strstr(m, "spec.request: Invalid value: []byte{0x2d, 0x2d, 0x2d") &&
          strstr(m, "x509: ECDSA verification failure"));
    free(m);
    json_decref(c);
    c = csr_obj(NOTCSR);
    create_steps(rt, c);
    m = invalid(rt, c, NULL);
    CHECK(m && strstr(m, "PEM block type must be CERTIFICATE REQUEST"));
    free(m);
    json_decref(c);

    c = csr_obj(CSR);
    json_object_set_new(ck_obj_get(c, "spec"), "signerName", json_string("example"));
    json_object_set_new(ck_obj_get(c, "spec"), "usages", js("[\"flying\"]"));
    json_object_set_new(ck_obj_get(c, "spec"), "expirationSeconds", json_integer(60));
    create_steps(rt, c);
    m = invalid(rt, c, NULL);
    CHECK(m && strstr(m, "spec.usages[0]: Unsupported value: \"flying\": supported values: "
                         "\"any\", \"cert sign\""));
    CHECK(m && strstr(m, "spec.signerName: Invalid value: \"example\": must be a fully qualified "
                         "domain and path of the form 'example.com/signer-name'"));
    CHECK(m && strstr(m, "spec.expirationSeconds: Invalid value: 60: may not specify a duration "
                         "less than 600 seconds (10 minutes)"));
    free(m);
    json_object_set_new(ck_obj_get(c, "spec"), "signerName", json_string("Example/x"));
    json_object_set_new(ck_obj_get(c, "spec"), "usages", js("[\"any\"]"));
    json_object_del(ck_obj_get(c, "spec"), "expirationSeconds");
    m = invalid(rt, c, NULL);
    CHECK(m && strstr(m, "spec.signerName: Invalid value: \"Example\": validating label "
                         "\"Example\": a lowercase RFC 1123 label"));
    CHECK(m && strstr(m, "should be a domain with at least two segments separated by dots"));
    free(m);
    json_decref(c);
}

static void test_rbac(void)
{
    ck_rtype *role = kind("rbac.authorization.k8s.io", "v1", "roles");
    json_t *r = js("{\"metadata\":{\"name\":\"system:reader\",\"namespace\":\"ns\"},\"rules\":[{"
                   "\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":[\"get\"]},{"
                   "\"resources\":[\"pods\"]},{\"nonResourceURLs\":[\"/healthz\"],\"verbs\":["
                   "\"get\"]}]}");
    create_steps(role, r);
    CHECK_INVALID(role, r, NULL,
                  "Role.rbac.authorization.k8s.io \"system:reader\" is invalid: [rules[1].verbs: "
                  "Required value: verbs must contain at least one value, rules[1].apiGroups: "
                  "Required value: resource rules must supply at least one api group, "
                  "rules[2].nonResourceURLs: Invalid value: [\"/healthz\"]: namespaced rules "
                  "cannot apply to non-resource URLs]");
    CHECK(role->def->columns == NULL); /* the default Name / Created At table */
    ck_msgs msgs = {0};
    CHECK(role->def->validate_name("system:reader", false, &msgs) == 0);
    CHECK(role->def->validate_name("a/b", false, &msgs) == 1);
    CHECK_STR(msgs.v[0], "may not contain '/'");
    ck_msgs_free(&msgs);
    json_decref(r);

    ck_rtype *cr = kind("rbac.authorization.k8s.io", "v1", "clusterroles");
    r = js("{\"metadata\":{\"name\":\"agg\"},\"aggregationRule\":{},\"rules\":[{"
           "\"nonResourceURLs\":[\"/healthz\"],\"verbs\":[\"get\"]}]}");
    create_steps(cr, r);
    CHECK_INVALID(cr, r, NULL,
                  "ClusterRole.rbac.authorization.k8s.io \"agg\" is invalid: "
                  "aggregationRule.clusterRoleSelectors: Required value: at least one "
                  "clusterRoleSelector required if aggregationRule is non-nil");
    json_decref(r);

    ck_rtype *rb = kind("rbac.authorization.k8s.io", "v1", "rolebindings");
    json_t *b = js("{\"metadata\":{\"name\":\"rb\",\"namespace\":\"ns\"},\"roleRef\":{\"kind\":"
                   "\"Role\",\"name\":\"reader\"},\"subjects\":[{\"kind\":\"User\",\"name\":"
                   "\"alice\"},{\"kind\":\"Group\",\"name\":\"devs\"},{\"kind\":"
                   "\"ServiceAccount\",\"name\":\"bot\",\"namespace\":\"ns\"},{\"kind\":\"User\","
                   "\"name\":\"bob\"}]}");
    create_steps(rb, b);
    CHECK_STR(str_at(b, "roleRef.apiGroup"), "rbac.authorization.k8s.io");
    CHECK_STR(str_at(json_array_get(json_object_get(b, "subjects"), 0), "apiGroup"),
              "rbac.authorization.k8s.io");
    CHECK(ck_obj_get(json_array_get(json_object_get(b, "subjects"), 2), "apiGroup") == NULL);
    CHECK_INVALID(rb, b, NULL, NULL);
    CHECK_COLUMNS(rb, "Name:string:name:0,Role:string::0,Age:date::0,Users:string::1,"
                      "Groups:string::1,ServiceAccounts:string::1");
    CHECK_CELLS(rb, b,
                "[\"rb\",\"Role/reader\",\"2024-01-02T03:04:05Z\",\"alice, bob\","
                "\"devs\",\"ns/bot\"]");
    json_t *upd = json_deep_copy(b);
    json_object_set_new(ck_obj_get(upd, "roleRef"), "name", json_string("writer"));
    CHECK_INVALID(
        rb, upd, b,
        "RoleBinding.rbac.authorization.k8s.io \"rb\" is invalid: roleRef: Invalid value: "
        "{\"kind\":\"Role\",\"name\":\"writer\",\"apiGroup\":\"rbac.authorization.k8s.io\"}"
        ": cannot change roleRef");
    json_decref(upd);
    json_decref(b);

    ck_rtype *crb = kind("rbac.authorization.k8s.io", "v1", "clusterrolebindings");
    b = js("{\"metadata\":{\"name\":\"crb\"},\"roleRef\":{\"kind\":\"Role\",\"name\":\"r\"},"
           "\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"bot\"},{\"kind\":\"Robot\","
           "\"name\":\"r2\"}]}");
    create_steps(crb, b);
    CHECK_INVALID(crb, b, NULL,
                  "ClusterRoleBinding.rbac.authorization.k8s.io \"crb\" is invalid: "
                  "[roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\", "
                  "subjects[0].namespace: Required value, subjects[1].kind: Unsupported value: "
                  "\"Robot\": supported values: \"ServiceAccount\", \"User\", \"Group\"]");
    json_decref(b);
}

static void test_lease_and_classes(void)
{
    ck_rtype *rt = kind("coordination.k8s.io", "v1", "leases");
    json_t *l = js("{\"metadata\":{\"name\":\"node-a\"},\"spec\":{\"holderIdentity\":\"node-a\","
                   "\"leaseDurationSeconds\":40}}");
    create_steps(rt, l);
    CHECK_INVALID(rt, l, NULL, NULL);
    CHECK_CELLS(rt, l, "[\"node-a\",\"node-a\",\"2024-01-02T03:04:05Z\"]");
    json_object_set_new(ck_obj_get(l, "spec"), "leaseDurationSeconds", json_integer(0));
    CHECK_INVALID(rt, l, NULL,
                  "Lease.coordination.k8s.io \"node-a\" is invalid: spec.leaseDurationSeconds: "
                  "Invalid value: 0: must be greater than 0");
    json_decref(l);

    rt = kind("scheduling.k8s.io", "v1", "priorityclasses");
    json_t *pc = js("{\"metadata\":{\"name\":\"high\"},\"value\":1000,\"globalDefault\":true}");
    create_steps(rt, pc);
    CHECK_STR(str_at(pc, "preemptionPolicy"), "PreemptLowerPriority");
    CHECK_INVALID(rt, pc, NULL, NULL);
    CHECK_COLUMNS(rt, "Name:string:name:0,Value:integer::0,Global-Default:boolean::0,"
                      "Age:date::0,PreemptionPolicy:string::0");
    CHECK_CELLS(rt, pc, "[\"high\",1000,true,\"2024-01-02T03:04:05Z\",\"PreemptLowerPriority\"]");
    json_t *upd = json_deep_copy(pc);
    json_object_set_new(upd, "value", json_integer(5));
    CHECK_INVALID(rt, upd, pc,
                  "PriorityClass.scheduling.k8s.io \"high\" is invalid: value: Forbidden: may not "
                  "be changed in an update.");
    json_decref(upd);
    json_object_set_new(pc, "value", json_integer(2000000000));
    CHECK_INVALID(rt, pc, NULL,
                  "PriorityClass.scheduling.k8s.io \"high\" is invalid: value: Forbidden: maximum "
                  "allowed value of a user defined priority is 1000000000");
    json_object_set_new(ck_obj_get(pc, "metadata"), "name", json_string("system-high"));
    CHECK_INVALID(rt, pc, NULL,
                  "PriorityClass.scheduling.k8s.io \"system-high\" is invalid: metadata.name: "
                  "Forbidden: priority class names with 'system-' prefix are reserved for system "
                  "use only. error: system-high is not a known system priority class");
    json_decref(pc);

    rt = kind("storage.k8s.io", "v1", "storageclasses");
    json_t *sc = js("{\"metadata\":{\"name\":\"fast\",\"annotations\":{"
                    "\"storageclass.kubernetes.io/is-default-class\":\"true\"}},\"provisioner\":"
                    "\"rancher.io/local-path\"}");
    create_steps(rt, sc);
    CHECK_STR(str_at(sc, "reclaimPolicy"), "Delete");
    CHECK_STR(str_at(sc, "volumeBindingMode"), "Immediate");
    CHECK_INVALID(rt, sc, NULL, NULL);
    CHECK_CELLS(rt, sc,
                "[\"fast (default)\",\"rancher.io/local-path\",\"Delete\",\"Immediate\","
                "false,\"2024-01-02T03:04:05Z\"]");
    upd = json_deep_copy(sc);
    json_object_set_new(upd, "reclaimPolicy", json_string("Retain"));
    CHECK_INVALID(rt, upd, sc,
                  "StorageClass.storage.k8s.io \"fast\" is invalid: reclaimPolicy: Forbidden: "
                  "updates to reclaimPolicy are forbidden.");
    json_decref(upd);
    json_object_del(sc, "provisioner");
    json_object_set_new(sc, "volumeBindingMode", json_string("Later"));
    CHECK_INVALID(rt, sc, NULL,
                  "StorageClass.storage.k8s.io \"fast\" is invalid: [provisioner: Required value, "
                  "volumeBindingMode: Unsupported value: \"Later\": supported values: "
                  "\"Immediate\", \"WaitForFirstConsumer\"]");
    json_decref(sc);

    rt = kind("node.k8s.io", "v1", "runtimeclasses");
    json_t *rc = js("{\"metadata\":{\"name\":\"gvisor\"},\"handler\":\"runsc\"}");
    create_steps(rt, rc);
    CHECK_INVALID(rt, rc, NULL, NULL);
    CHECK_CELLS(rt, rc, "[\"gvisor\",\"runsc\",\"2024-01-02T03:04:05Z\"]");
    upd = json_deep_copy(rc);
    json_object_set_new(upd, "handler", json_string("runc"));
    CHECK_INVALID(rt, upd, rc,
                  "RuntimeClass.node.k8s.io \"gvisor\" is invalid: handler: Invalid value: "
                  "\"runc\": field is immutable");
    json_decref(upd);
    json_object_del(rc, "handler");
    char *m = invalid(rt, rc, NULL);
    CHECK(m && strstr(m, "handler: Invalid value: \"\": a lowercase RFC 1123 label must"));
    free(m);
    json_decref(rc);
}

static void test_networking(void)
{
    ck_rtype *rt = kind("networking.k8s.io", "v1", "ingresses");
    json_t *ing =
        js("{\"metadata\":{\"name\":\"web\"},\"spec\":{\"ingressClassName\":\"nginx\",\"tls\":[{"
           "\"hosts\":[\"a.example.com\"],\"secretName\":\"tls\"}],\"rules\":[{\"host\":"
           "\"a.example.com\",\"http\":{\"paths\":[{\"path\":\"/\",\"pathType\":\"Prefix\","
           "\"backend\":{\"service\":{\"name\":\"web\",\"port\":{\"number\":80}}}}]}},{\"host\":"
           "\"*.b.example.com\",\"http\":{\"paths\":[{\"path\":\"/api\",\"pathType\":\"Exact\","
           "\"backend\":{\"service\":{\"name\":\"api\",\"port\":{\"name\":\"http\"}}}}]}}]},"
           "\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"10.0.0.2\"},{\"ip\":\"10.0.0.1\"}]"
           "}}}");
    create_steps(rt, ing);
    CHECK_INVALID(rt, ing, NULL, NULL);
    CHECK_COLUMNS(rt, "Name:string:name:0,Class:string::0,Hosts:string::0,Address:string::0,"
                      "Ports:string::0,Age:date::0");
    CHECK_CELLS(rt, ing,
                "[\"web\",\"nginx\",\"a.example.com,*.b.example.com\","
                "\"10.0.0.1,10.0.0.2\",\"80, 443\",\"2024-01-02T03:04:05Z\"]");
    json_decref(ing);
    ing = js("{\"metadata\":{\"name\":\"bad\"},\"spec\":{\"rules\":[{\"host\":\"1.2.3.4\","
             "\"http\":{\"paths\":[{\"path\":\"api\",\"pathType\":\"Exact\",\"backend\":{"
             "\"service\":{\"name\":\"api\"}}},{\"path\":\"/\",\"backend\":{}}]}}]}}");
    create_steps(rt, ing);
    CHECK_INVALID(
        rt, ing, NULL,
        "Ingress.networking.k8s.io \"bad\" is invalid: [spec.rules[0].host: Invalid value: "
        "\"1.2.3.4\": must be a DNS name, not an IP address, "
        "spec.rules[0].http.paths[0].path: Invalid value: \"api\": must be an absolute "
        "path, spec.rules[0].http.paths[0].backend: Required value: port name or number "
        "is required, spec.rules[0].http.paths[1].pathType: Required value: pathType "
        "must be specified]");
    json_decref(ing);
    ing = js("{\"metadata\":{\"name\":\"empty\"},\"spec\":{}}");
    create_steps(rt, ing);
    CHECK_INVALID(rt, ing, NULL,
                  "Ingress.networking.k8s.io \"empty\" is invalid: spec: Invalid value: null: "
                  "either `defaultBackend` or `rules` must be specified");
    CHECK_CELLS(rt, ing, "[\"empty\",\"<none>\",\"*\",\"\",\"80\",\"2024-01-02T03:04:05Z\"]");
    json_decref(ing);

    rt = kind("networking.k8s.io", "v1", "ingressclasses");
    json_t *ic = js("{\"metadata\":{\"name\":\"nginx\"},\"spec\":{\"controller\":"
                    "\"k8s.io/ingress-nginx\",\"parameters\":{\"apiGroup\":\"k8s.example.com\","
                    "\"kind\":\"IngressParameters\",\"name\":\"external-lb\"}}}");
    create_steps(rt, ic);
    CHECK_STR(str_at(ic, "spec.parameters.scope"), "Cluster");
    CHECK_INVALID(rt, ic, NULL, NULL);
    CHECK_CELLS(rt, ic,
                "[\"nginx\",\"k8s.io/ingress-nginx\","
                "\"IngressParameters.k8s.example.com/external-lb\","
                "\"2024-01-02T03:04:05Z\"]");
    json_t *upd = json_deep_copy(ic);
    json_object_set_new(ck_obj_get(upd, "spec"), "controller", json_string("example.com/other"));
    CHECK_INVALID(rt, upd, ic,
                  "IngressClass.networking.k8s.io \"nginx\" is invalid: spec.controller: Invalid "
                  "value: \"example.com/other\": field is immutable");
    json_decref(upd);
    json_object_set_new(ck_obj_get(ic, "spec"), "controller", json_string("nginx"));
    CHECK_INVALID(rt, ic, NULL,
                  "IngressClass.networking.k8s.io \"nginx\" is invalid: spec.controller: Invalid "
                  "value: \"nginx\": must be a domain-prefixed path (such as \"acme.io/foo\")");
    json_decref(ic);

    rt = kind("networking.k8s.io", "v1", "networkpolicies");
    json_t *np = js("{\"metadata\":{\"name\":\"deny\"},\"spec\":{\"podSelector\":{\"matchLabels\":"
                    "{\"app\":\"db\"}},\"ingress\":[{\"from\":[{\"ipBlock\":{\"cidr\":"
                    "\"10.0.0.0/16\",\"except\":[\"10.0.1.0/24\"]}}],\"ports\":[{\"port\":5432}]}],"
                    "\"egress\":[{}]}}");
    create_steps(rt, np);
    json_t *want = js("[\"Ingress\",\"Egress\"]");
    CHECK(json_equal(ck_obj_get(np, "spec.policyTypes"), want));
    json_decref(want);
    CHECK_STR(str_at(json_array_get(
                         ck_obj_get(json_array_get(ck_obj_get(np, "spec.ingress"), 0), "ports"), 0),
                     "protocol"),
              "TCP");
    CHECK_INVALID(rt, np, NULL, NULL);
    CHECK_CELLS(rt, np, "[\"deny\",\"app=db\",\"2024-01-02T03:04:05Z\"]");
    json_decref(np);
    np = js("{\"metadata\":{\"name\":\"bad\"},\"spec\":{\"podSelector\":{},\"ingress\":[{"
            "\"from\":[{},{\"ipBlock\":{\"cidr\":\"10.0.0.0/16\",\"except\":[\"10.1.0.0/24\"]},"
            "\"podSelector\":{}}],\"ports\":[{\"port\":\"http\",\"endPort\":90}]}]}}");
    create_steps(rt, np);
    CHECK_INVALID(rt, np, NULL,
                  "NetworkPolicy.networking.k8s.io \"bad\" is invalid: [spec.ingress[0].ports[0]."
                  "endPort: Invalid value: 90: may not be specified when `port` is non-numeric, "
                  "spec.ingress[0].from[0]: Required value: must specify a peer, "
                  "spec.ingress[0].from[1].ipBlock.except[0]: Invalid value: \"10.1.0.0/24\": must "
                  "be a strict subset of `cidr`, spec.ingress[0].from[1]: Forbidden: may not "
                  "specify both ipBlock and another peer]");
    CHECK_CELLS(rt, np, "[\"bad\",\"<none>\",\"2024-01-02T03:04:05Z\"]");
    json_decref(np);

    rt = kind("policy", "v1", "poddisruptionbudgets");
    json_t *pdb = js("{\"metadata\":{\"name\":\"db\"},\"spec\":{\"minAvailable\":\"50%\","
                     "\"selector\":{\"matchLabels\":{\"app\":\"db\"}}}}");
    create_steps(rt, pdb);
    CHECK_INVALID(rt, pdb, NULL, NULL);
    CHECK_CELLS(rt, pdb, "[\"db\",\"50%\",\"N/A\",0,\"2024-01-02T03:04:05Z\"]");
    json_object_set_new(ck_obj_get(pdb, "spec"), "maxUnavailable", json_integer(1));
    char *m = invalid(rt, pdb, NULL);
    CHECK(m && strstr(m, "spec: Invalid value: {") &&
          strstr(m, "minAvailable and maxUnavailable cannot be both set"));
    free(m);
    json_decref(pdb);

    rt = kind("discovery.k8s.io", "v1", "endpointslices");
    json_t *es = js("{\"metadata\":{\"name\":\"web-abc\"},\"addressType\":\"IPv4\",\"ports\":[{"
                    "\"port\":80},{\"name\":\"b\",\"port\":443},{\"name\":\"x\"},{\"name\":"
                    "\"m\",\"port\":9}],\"endpoints\":[{"
                    "\"addresses\":[\"10.0.0.1\"]},{\"addresses\":[\"10.0.0.2\"]}]}");
    create_steps(rt, es);
    CHECK_STR(str_at(json_array_get(json_object_get(es, "ports"), 0), "protocol"), "TCP");
    CHECK_STR(str_at(json_array_get(json_object_get(es, "ports"), 0), "name"), "");
    CHECK_INVALID(rt, es, NULL, NULL);
    CHECK_COLUMNS(rt, "Name:string:name:0,AddressType:string::0,Ports:string::0,"
                      "Endpoints:string::0,Age:date::0");
    CHECK_CELLS(rt, es,
                "[\"web-abc\",\"IPv4\",\"80,443,x + 1 more...\",\"10.0.0.1,10.0.0.2\","
                "\"2024-01-02T03:04:05Z\"]");
    json_t *upd2 = json_deep_copy(es);
    json_object_set_new(upd2, "addressType", json_string("IPv6"));
    json_object_set_new(upd2, "endpoints", json_array());
    update_steps(rt, upd2, es);
    CHECK_INT(int_at(upd2, "metadata.generation"), 2);
    CHECK_INVALID(rt, upd2, es,
                  "EndpointSlice.discovery.k8s.io \"web-abc\" is invalid: addressType: Invalid "
                  "value: \"IPv6\": field is immutable");
    json_decref(upd2);
    json_object_set_new(json_array_get(json_object_get(es, "endpoints"), 1), "addresses",
                        js("[\"not-an-ip\"]"));
    json_object_del(es, "addressType");
    CHECK_INVALID(rt, es, NULL,
                  "EndpointSlice.discovery.k8s.io \"web-abc\" is invalid: addressType: Required "
                  "value");
    json_decref(es);
}

static void test_events(void)
{
    ck_rtype *rt = kind("", "v1", "events");
    json_t *ev = js("{\"metadata\":{\"name\":\"web.1\",\"namespace\":\"default\"},"
                    "\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"web\",\"namespace\":"
                    "\"default\",\"fieldPath\":\"spec.containers{nginx}\"},\"reason\":\"Pulled\","
                    "\"message\":\" Pulled image \\n\",\"type\":\"Normal\",\"source\":{"
                    "\"component\":\"kubelet\",\"host\":\"node-a\"},\"count\":3,"
                    "\"firstTimestamp\":\"2024-01-02T03:04:05Z\"}");
    create_steps(rt, ev);
    CHECK_INVALID(rt, ev, NULL, NULL);
    CHECK_COLUMNS(rt, "Last Seen:string::0,Type:string::0,Reason:string::0,Object:string::0,"
                      "Subobject:string::1,Source:string::1,Message:string::0,"
                      "First Seen:string::1,Count:string::1,Name:string:name:1");
    char *c = cells_of(rt, ev);
    CHECK(c && strstr(c, "\"Normal\",\"Pulled\",\"pod/web\",\"spec.containers{nginx}\","
                         "\"kubelet, node-a\",\"Pulled image\","));
    CHECK(c && strstr(c, ",3,\"web.1\"]"));
    free(c);
    char *v = rt->def->field_value(ev, "source");
    CHECK_STR(v, "kubelet");
    free(v);
    json_object_set_new(ck_obj_get(ev, "involvedObject"), "namespace", json_string("other"));
    CHECK_INVALID(rt, ev, NULL,
                  "Event \"web.1\" is invalid: involvedObject.namespace: Invalid value: \"other\": "
                  "does not match event.namespace");
    json_decref(ev);

    /* events.k8s.io: the strict rules, the same printer over the new field names. */
    rt = kind("events.k8s.io", "v1", "events");
    ev = js("{\"metadata\":{\"name\":\"e\",\"namespace\":\"default\"},\"eventTime\":"
            "\"2024-01-02T03:04:05.000000Z\",\"reportingController\":\"example.com/ctl\","
            "\"reportingInstance\":\"ctl-1\",\"action\":\"Sync\",\"reason\":\"Synced\","
            "\"regarding\":{\"kind\":\"Node\",\"name\":\"a\"},\"note\":\"done\",\"type\":"
            "\"Normal\"}");
    create_steps(rt, ev);
    CHECK_INVALID(rt, ev, NULL, NULL);
    c = cells_of(rt, ev);
    CHECK(c && strstr(c, "\"Normal\",\"Synced\",\"node/a\",\"\",\"example.com/ctl, ctl-1\","
                         "\"done\","));
    CHECK(c && strstr(c, ",1,\"e\"]"));
    free(c);
    CHECK(streq(rt->def->fields[0], "regarding.kind"));
    json_t *upd = json_deep_copy(ev);
    json_object_set_new(upd, "note", json_string("changed"));
    update_steps(rt, upd, ev);
    CHECK_INVALID(rt, upd, ev,
                  "Event.events.k8s.io \"e\" is invalid: message: Invalid value: \"changed\": "
                  "field is immutable");
    json_decref(upd);
    json_object_set_new(ev, "type", json_string("Odd"));
    json_object_set_new(ev, "deprecatedCount", json_integer(2));
    json_object_del(ev, "action");
    CHECK_INVALID(
        rt, ev, NULL,
        "Event.events.k8s.io \"e\" is invalid: [action: Required value, type: Invalid "
        "value: \"\": has invalid value: Odd, deprecatedCount: Invalid value: \"\": needs "
        "to be unset]");
    json_decref(ev);
}

int main(void)
{
    test_csr();
    test_rbac();
    test_lease_and_classes();
    test_networking();
    test_events();
    return UT_DONE();
}
