/* Core-group strategies (src/registry/{pod,service,...}.c): upstream defaults, validation
 * messages, Table cells and field selectors through the registry's definitions
 * (allocation of Service ClusterIPs and NodePorts is in test_service_alloc.c). */
#include <stdio.h>
#include <stdlib.h>

#include "lib/util.h"
#include "registry/corefmt.h"
#include "registry/kinds.h"
#include "registry/podspec.h"
#include "ut.h"

/* JSON with ' for " (test literals stay readable). */
static json_t *J(const char *s)
{
    char *t = xstrdup(s);
    for (char *p = t; *p; p++)
        if (*p == '\'') *p = '"';
    json_error_t e;
    json_t *j = json_loads(t, 0, &e);
    if (!j) {
        fprintf(stderr, "bad test JSON (%s): %s\n", e.text, t);
        exit(2);
    }
    free(t);
    return j;
}

static const ck_rtype_def *def(const char *plural)
{
    return ck_registry_find("", "v1", plural)->def;
}

/* The value at path as compact JSON ("null" when absent); the caller frees. */
static char *at(const json_t *obj, const char *path)
{
    const json_t *v = *path ? ck_obj_get(obj, path) : obj;
    return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS) : xstrdup("null");
}

#define CHECK_AT(obj, path, want)                                                                  \
    do {                                                                                           \
        char *_s = at(obj, path);                                                                  \
        CHECK_STR(_s, want);                                                                       \
        free(_s);                                                                                  \
    } while (0)

/* Runs validate (and validate_update with old); returns the 422 message or "". */
static char *verr(const char *plural, const char *kind, const json_t *obj, const json_t *old)
{
    const ck_rtype_def *d = def(plural);
    ck_field_errors *fe = ck_ferrs_new();
    if (d->validate) d->validate(obj, fe);
    if (old && d->validate_update) d->validate_update(obj, old, fe);
    ck_err *err = NULL;
    const char *name = ck_obj_str(obj, "metadata.name");
    char *out = xstrdup("");
    if (ck_ferrs_to_err(fe, kind, "", name ? name : "", &err) < 0) {
        free(out);
        out = xstrdup(err->message);
        ck_err_free(err);
    }
    ck_ferrs_free(fe);
    return out;
}

#define CHECK_ERR(plural, kind, obj, old, want)                                                    \
    do {                                                                                           \
        char *_m = verr(plural, kind, obj, old);                                                   \
        CHECK_STR(_m, want);                                                                       \
        free(_m);                                                                                  \
    } while (0)

/* Table cells of obj as compact JSON. */
static char *row(const char *plural, const json_t *obj)
{
    json_t *cells = json_array();
    def(plural)->table_row(obj, cells);
    char *s = json_dumps(cells, JSON_COMPACT);
    json_decref(cells);
    return s;
}

#define CHECK_ROW(plural, obj, want)                                                               \
    do {                                                                                           \
        char *_r = row(plural, obj);                                                               \
        CHECK_STR(_r, want);                                                                       \
        free(_r);                                                                                  \
    } while (0)

static void check_field(const char *plural, const json_t *obj, const char *field, const char *want)
{
    const ck_rtype_def *d = def(plural);
    bool listed = false;
    for (const char *const *f = d->fields; f && *f; f++)
        listed |= streq(*f, field);
    CHECK(listed);
    char *v = d->field_value ? d->field_value(obj, field) : xstrdup(ck_obj_str(obj, field));
    CHECK_STR(v, want);
    free(v);
}

/* Defaults then prepare_create, as a create does. */
static json_t *created(const char *plural, const char *s)
{
    json_t *o = J(s);
    const ck_rtype_def *d = def(plural);
    if (d->prepare_create) d->prepare_create(o);
    if (d->defaults) d->defaults(o);
    return o;
}

/* ---- pods ---------------------------------------------------------------------------- */

static void test_pod_defaults(void)
{
    json_t *p =
        created("pods", "{'metadata':{'name':'p'},'spec':{'containers':["
                        "{'name':'a','image':'nginx','ports':[{'containerPort':80}],"
                        " 'resources':{'limits':{'cpu':'0.5','memory':'128Mi'}},"
                        " 'livenessProbe':{'httpGet':{'port':80}}},"
                        "{'name':'b','image':'nginx:1.25'},{'name':'c','image':'r/x:latest'},"
                        "{'name':'d','image':'x@sha256:abc'},{'name':'e','image':'host:5000/x'}],"
                        "'volumes':[{'name':'v'},{'name':'s','secret':{'secretName':'s'}}]}}");
    CHECK_AT(p, "spec.restartPolicy", "\"Always\"");
    CHECK_AT(p, "spec.dnsPolicy", "\"ClusterFirst\"");
    CHECK_AT(p, "spec.terminationGracePeriodSeconds", "30");
    CHECK_AT(p, "spec.schedulerName", "\"default-scheduler\"");
    CHECK_AT(p, "spec.securityContext", "{}");
    CHECK_AT(p, "spec.enableServiceLinks", "true");
    /* The ServiceAccount and DefaultTolerationSeconds admission plugins, not the strategy,
     * set these (tests/unit/test_admission_pod.c). */
    CHECK_AT(p, "spec.serviceAccountName", "null");
    json_t *c = ck_obj_get(p, "spec.containers");
    CHECK_AT(json_array_get(c, 0), "imagePullPolicy", "\"Always\"");
    CHECK_AT(json_array_get(c, 1), "imagePullPolicy", "\"IfNotPresent\"");
    CHECK_AT(json_array_get(c, 2), "imagePullPolicy", "\"Always\"");
    CHECK_AT(json_array_get(c, 3), "imagePullPolicy", "\"IfNotPresent\"");
    CHECK_AT(json_array_get(c, 4), "imagePullPolicy", "\"Always\"");
    CHECK_AT(json_array_get(c, 0), "terminationMessagePath", "\"/dev/termination-log\"");
    CHECK_AT(json_array_get(c, 0), "terminationMessagePolicy", "\"File\"");
    CHECK_AT(json_array_get(c, 0), "ports", "[{\"containerPort\":80,\"protocol\":\"TCP\"}]");
    CHECK_AT(json_array_get(c, 0), "resources",
             "{\"limits\":{\"cpu\":\"500m\",\"memory\":\"128Mi\"},"
             "\"requests\":{\"cpu\":\"500m\",\"memory\":\"128Mi\"}}");
    CHECK_AT(json_array_get(c, 0), "resizePolicy",
             "[{\"resourceName\":\"cpu\",\"restartPolicy\":\"NotRequired\"},"
             "{\"resourceName\":\"memory\",\"restartPolicy\":\"NotRequired\"}]");
    CHECK_AT(json_array_get(c, 0), "livenessProbe",
             "{\"failureThreshold\":3,\"httpGet\":{\"path\":\"/\",\"port\":80,\"scheme\":\"HTTP\"},"
             "\"periodSeconds\":10,\"successThreshold\":1,\"timeoutSeconds\":1}");
    CHECK_AT(json_array_get(c, 1), "resources", "{}");
    CHECK_AT(p, "spec.volumes",
             "[{\"emptyDir\":{},\"name\":\"v\"},"
             "{\"name\":\"s\",\"secret\":{\"defaultMode\":420,\"secretName\":\"s\"}}]");
    CHECK_AT(p, "status", "{\"phase\":\"Pending\",\"qosClass\":\"Burstable\"}");
    CHECK_AT(p, "spec.tolerations", "null");
    json_decref(p);

    p = created("pods", "{'spec':{'hostNetwork':true,'containers':[{'name':'a','image':'i',"
                        "'ports':[{'containerPort':8080}],"
                        "'resources':{'limits':{'cpu':'1','memory':'1Gi'}}}],"
                        "'schedulingGates':[{'name':'x'}]}}");
    CHECK_AT(p, "spec.containers.0", "null"); /* arrays are not paths */
    CHECK_AT(json_array_get(ck_obj_get(p, "spec.containers"), 0), "ports.0", "null");
    CHECK_AT(json_array_get(ck_obj_get(p, "spec.containers"), 0), "ports",
             "[{\"containerPort\":8080,\"hostPort\":8080,\"protocol\":\"TCP\"}]");
    CHECK_AT(p, "status.qosClass", "\"Guaranteed\"");
    json_t *cond = json_array_get(ck_obj_get(p, "status.conditions"), 0);
    CHECK_AT(cond, "reason", "\"SchedulingGated\"");
    CHECK_AT(cond, "message", "\"Scheduling is blocked due to non-empty scheduling gates\"");
    json_decref(p);
    p = created("pods", "{'spec':{'containers':[{'name':'a','image':'i'}]}}");
    CHECK_AT(p, "status.qosClass", "\"BestEffort\"");
    json_decref(p);
}

static void test_pod_validation(void)
{
    json_t *p = created("pods", "{'metadata':{'name':'p'},'spec':{}}");
    CHECK_ERR("pods", "Pod", p, NULL, "Pod \"p\" is invalid: spec.containers: Required value");
    json_decref(p);
    p = created(
        "pods",
        "{'metadata':{'name':'p'},'spec':{'restartPolicy':'Sometimes','containers':["
        "{'name':'A_1','image':''},{'name':'b','image':'i','ports':[{'containerPort':70000}],"
        " 'volumeMounts':[{'name':'nope','mountPath':'/x'}]},{'name':'b','image':'i'}]}}");
    CHECK_ERR(
        "pods", "Pod", p, NULL,
        "Pod \"p\" is invalid: [spec.containers[0].name: Invalid value: \"A_1\": a lowercase "
        "RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
        "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
        "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?'), "
        "spec.containers[0].image: Required value, spec.containers[1].ports[0].containerPort: "
        "Invalid value: 70000: must be between 1 and 65535, inclusive, "
        "spec.containers[1].volumeMounts[0].name: Not found: \"nope\", "
        "spec.containers[2].name: Duplicate value: \"b\", spec.restartPolicy: Unsupported "
        "value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"]");
    json_decref(p);
    p = created("pods", "{'metadata':{'name':'p'},'spec':{'containers':[{'name':'a','image':'i',"
                        "'resources':{'requests':{'cpu':'2'},'limits':{'cpu':'1'}}}]}}");
    CHECK_ERR("pods", "Pod", p, NULL,
              "Pod \"p\" is invalid: spec.containers[0].resources.requests: Invalid value: \"2\": "
              "must be less than or equal to cpu limit of 1");
    json_decref(p);

    json_t *old = created(
        "pods", "{'metadata':{'name':'p'},'spec':{'containers':[{'name':'a','image':'i'}]}}");
    json_t *n = json_deep_copy(old);
    json_object_set_new(json_array_get(ck_obj_get(n, "spec.containers"), 0), "image",
                        json_string("j"));
    CHECK_ERR("pods", "Pod", n, old, "");
    json_object_set_new(ck_obj_get(n, "spec"), "restartPolicy", json_string("Never"));
    char *m = verr("pods", "Pod", n, old);
    CHECK(has_prefix(m, "Pod \"p\" is invalid: spec: Forbidden: pod updates may not change fields "
                        "other than `spec.containers[*].image`,"));
    CHECK(strstr(m, "+ \trestartPolicy: \"Never\",") != NULL);
    free(m);
    json_array_append_new(ck_obj_get(n, "spec.containers"), J("{'name':'z','image':'i'}"));
    def("pods")->defaults(n);
    CHECK_ERR("pods", "Pod", n, old,
              "Pod \"p\" is invalid: spec.containers: Forbidden: pod updates may not add or "
              "remove containers");
    json_decref(n);
    json_decref(old);
}

static void test_pod_table(void)
{
    json_t *p =
        created("pods", "{'metadata':{'name':'p','creationTimestamp':'2024-01-01T00:00:00Z'},"
                        "'spec':{'containers':[{'name':'a','image':'i'}]}}");
    CHECK_ROW("pods", p,
              "[\"p\",\"0/1\",\"Pending\",\"0\",\"2024-01-01T00:00:00Z\",\"<none>\","
              "\"<none>\",\"<none>\",\"<none>\"]");
    json_decref(p);
    p = J(
        "{'metadata':{'name':'r'},'spec':{'nodeName':'n1','readinessGates':[{'conditionType':'g'}],"
        "'containers':[{'name':'a'},{'name':'b'}]},"
        "'status':{'phase':'Running','podIPs':[{'ip':'10.1.0.5'}],'conditions':[{'type':'g','"
        "status':'True'}],"
        "'containerStatuses':[{'name':'a','ready':true,'restartCount':2,'state':{'running':{}}},"
        "{'name':'b','ready':false,'restartCount':0,'state':{'waiting':{'reason':'CrashLoopBackOff'"
        "}}}]}}");
    CHECK_ROW("pods", p,
              "[\"r\",\"1/2\",\"CrashLoopBackOff\",\"2\",null,\"10.1.0.5\",\"n1\","
              "\"<none>\",\"1/1\"]");
    check_field("pods", p, "status.podIP", "10.1.0.5");
    check_field("pods", p, "spec.hostNetwork", "false");
    check_field("pods", p, "spec.nodeName", "n1");
    json_decref(p);
    p = J("{'metadata':{'name':'i','deletionTimestamp':'2024-01-01T00:00:00Z'},'spec':{'"
          "initContainers':"
          "[{'name':'x'}],'containers':[{'name':'a'}]},'status':{'phase':'Pending',"
          "'initContainerStatuses':[{'name':'x','state':{'terminated':{'exitCode':3}}}]}}");
    CHECK_ROW(
        "pods", p,
        "[\"i\",\"0/1\",\"Terminating\",\"0\",null,\"<none>\",\"<none>\",\"<none>\",\"<none>\"]");
    json_object_del(ck_obj_get(p, "metadata"), "deletionTimestamp");
    CHECK_ROW("pods", p,
              "[\"i\",\"0/"
              "1\",\"Init:ExitCode:3\",\"0\",null,\"<none>\",\"<none>\",\"<none>\",\"<none>\"]");
    json_decref(p);
    CHECK(def("pods")->generation && def("pods")->return_deleted);
    CHECK_INT(def("pods")->ncolumns, 9);
    CHECK_STR(def("pods")->columns[7].name, "Nominated Node");
    CHECK_INT(def("pods")->columns[7].priority, 1);
    CHECK_STR(def("pods")->columns[4].type, "date");
}

/* ---- services (strategy) ----------------------------------------------------------------- */

static void test_service_strategy(void)
{
    json_t *s =
        created("services", "{'metadata':{'name':'s'},'spec':{'selector':{'app':'a'},"
                            "'ports':[{'port':80},{'name':'x','port':81,'targetPort':'web'}]}}");
    CHECK_AT(s, "spec.type", "\"ClusterIP\"");
    CHECK_AT(s, "spec.sessionAffinity", "\"None\"");
    CHECK_AT(s, "spec.internalTrafficPolicy", "\"Cluster\"");
    CHECK_AT(s, "spec.externalTrafficPolicy", "null");
    CHECK_AT(s, "spec.ports",
             "[{\"port\":80,\"protocol\":\"TCP\",\"targetPort\":80},"
             "{\"name\":\"x\",\"port\":81,\"protocol\":\"TCP\",\"targetPort\":\"web\"}]");
    CHECK_AT(s, "status", "{\"loadBalancer\":{}}");
    CHECK_ERR("services", "Service", s, NULL,
              "Service \"s\" is invalid: spec.ports[0].name: Required value");
    json_decref(s);
    s = created("services",
                "{'metadata':{'name':'s'},'spec':{'type':'LoadBalancer','sessionAffinity':"
                "'ClientIP','ports':[{'port':80}]}}");
    CHECK_AT(s, "spec.externalTrafficPolicy", "\"Cluster\"");
    CHECK_AT(s, "spec.allocateLoadBalancerNodePorts", "true");
    CHECK_AT(s, "spec.sessionAffinityConfig", "{\"clientIP\":{\"timeoutSeconds\":10800}}");
    CHECK_ERR("services", "Service", s, NULL, "");
    json_decref(s);
    s = created("services", "{'metadata':{'name':'s'},'spec':{}}");
    CHECK_ERR("services", "Service", s, NULL,
              "Service \"s\" is invalid: spec.ports: Required value");
    json_decref(s);
    s = created("services", "{'metadata':{'name':'s'},'spec':{'type':'NodePort','clusterIP':'None',"
                            "'ports':[{'port':0,'protocol':'XTP'}]}}");
    CHECK_AT(s, "spec.clusterIPs", "[\"None\"]");
    CHECK_ERR("services", "Service", s, NULL,
              "Service \"s\" is invalid: [spec.clusterIPs[0]: Invalid value: \"None\": may not be "
              "set to 'None' for NodePort services, spec.ports[0].port: Invalid value: 0: must be "
              "between 1 and 65535, inclusive, spec.ports[0].protocol: Unsupported value: \"XTP\": "
              "supported values: \"SCTP\", \"TCP\", \"UDP\", spec.ports[0].targetPort: Invalid "
              "value: 0: must be between 1 and 65535, inclusive]");
    json_decref(s);
    s = created(
        "services",
        "{'metadata':{'name':'e'},'spec':{'type':'ExternalName','externalName':'Bad_Host'}}");
    char *m = verr("services", "Service", s, NULL);
    CHECK(has_prefix(m, "Service \"e\" is invalid: spec.externalName: Invalid value: \"Bad_Host\": "
                        "a lowercase RFC 1123 subdomain"));
    free(m);
    CHECK_AT(s, "spec.internalTrafficPolicy", "null");
    json_decref(s);

    /* updates keep allocated values and clusterIP is immutable */
    json_t *old =
        J("{'metadata':{'name':'s'},'spec':{'type':'NodePort','clusterIP':'10.0.0.9',"
          "'clusterIPs':['10.0.0.9'],'ipFamilies':['IPv4'],'ipFamilyPolicy':'SingleStack',"
          "'externalTrafficPolicy':'Cluster','internalTrafficPolicy':'Cluster',"
          "'sessionAffinity':'None','ports':[{'port':80,'protocol':'TCP','targetPort':80,"
          "'nodePort':30080}]}}");
    json_t *n = J("{'metadata':{'name':'s'},'spec':{'type':'NodePort','ports':[{'port':80}]}}");
    def("services")->prepare_update(n, old);
    def("services")->defaults(n);
    CHECK_AT(n, "spec.clusterIPs", "[\"10.0.0.9\"]");
    CHECK_AT(n, "spec.ports",
             "[{\"nodePort\":30080,\"port\":80,\"protocol\":\"TCP\",\"targetPort\":80}]");
    CHECK_ERR("services", "Service", n, old, "");
    json_object_set_new(ck_obj_get(n, "spec"), "clusterIP", json_string("10.0.0.10"));
    json_object_set_new(ck_obj_get(n, "spec"), "clusterIPs", json_pack("[s]", "10.0.0.10"));
    CHECK_ERR("services", "Service", n, old,
              "Service \"s\" is invalid: spec.clusterIPs[0]: Invalid value: [\"10.0.0.10\"]: may "
              "not change once set");
    json_decref(n);
    n = J("{'metadata':{'name':'s'},'spec':{'type':'ClusterIP','clusterIP':'10.0.0.9','ports':[{'"
          "port':80,"
          "'nodePort':30080}]}}");
    def("services")->prepare_update(n, old);
    CHECK_AT(n, "spec.ports", "[{\"port\":80}]"); /* dropTypeDependentFields */
    json_decref(n);
    json_decref(old);

    s = J("{'metadata':{'name':'lb','creationTimestamp':'2024-01-01T00:00:00Z'},'spec':{'type':'"
          "LoadBalancer',"
          "'clusterIPs':['10.0.0.3'],'selector':{'b':'2','a':'1'},'ports':[{'port':80,'nodePort':"
          "30001,"
          "'protocol':'TCP'},{'port':53,'protocol':'UDP'}]},'status':{'loadBalancer':{'ingress':"
          "[{'ip':'1.2.3.4'},{'hostname':'lb.example.com'}]}}}");
    CHECK_ROW("services", s,
              "[\"lb\",\"LoadBalancer\",\"10.0.0.3\",\"1.2.3.4,lb.example.com\","
              "\"80:30001/TCP,53/UDP\",\"2024-01-01T00:00:00Z\",\"a=1,b=2\"]");
    json_object_del(json_object_get(s, "status"), "loadBalancer");
    CHECK_ROW("services", s,
              "[\"lb\",\"LoadBalancer\",\"10.0.0.3\",\"<pending>\","
              "\"80:30001/TCP,53/UDP\",\"2024-01-01T00:00:00Z\",\"a=1,b=2\"]");
    json_decref(s);
    CHECK(def("services")->validate_name("my-svc", false, NULL) == 0);
    CHECK(def("services")->validate_name("1svc", false, NULL) > 0);
}

/* ---- other kinds -------------------------------------------------------------------------- */

static void test_namespace(void)
{
    json_t *n =
        created("namespaces", "{'metadata':{'name':'team'},'spec':{'finalizers':['a.io/x']}}");
    CHECK_AT(n, "metadata.labels", "{\"kubernetes.io/metadata.name\":\"team\"}");
    CHECK_AT(n, "spec.finalizers", "[\"a.io/x\",\"kubernetes\"]");
    CHECK_AT(n, "status", "{\"phase\":\"Active\"}");
    CHECK_ROW("namespaces", n, "[\"team\",\"Active\",null]");
    CHECK(def("namespaces")->begin_delete(n));
    CHECK_AT(n, "status.phase", "\"Terminating\"");
    json_object_set_new(ck_obj_get(n, "spec"), "finalizers", json_array());
    CHECK(!def("namespaces")->begin_delete(n));
    check_field("namespaces", n, "status.phase", "Terminating");
    json_object_set_new(ck_obj_get(n, "spec"), "finalizers", json_pack("[s]", "bogus"));
    CHECK_ERR("namespaces", "Namespace", n, NULL,
              "Namespace \"team\" is invalid: spec.finalizers: Invalid value: \"bogus\": name is "
              "neither a standard finalizer name nor is it fully qualified");
    CHECK(def("namespaces")->validate_name("Team", false, NULL) > 0);
    CHECK(def("namespaces")->return_deleted);
    json_decref(n);
}

static void test_configmap_secret(void)
{
    json_t *c = J("{'metadata':{'name':'c'},'data':{'a':'1','b/c':'2'},'binaryData':{'a':'AAA='}}");
    CHECK_ERR(
        "configmaps", "ConfigMap", c, NULL,
        "ConfigMap \"c\" is invalid: [data[a]: Invalid value: \"a\": duplicate of key present "
        "in binaryData, data[b/c]: Invalid value: \"b/c\": a valid config key must consist of "
        "alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
        "'key-name', regex used for validation is '[-._a-zA-Z0-9]+')]");
    CHECK_ROW("configmaps", c, "[\"c\",3,null]");
    json_t *old = J("{'metadata':{'name':'c'},'immutable':true,'data':{'a':'1'}}");
    json_t *n = J("{'metadata':{'name':'c'},'data':{'a':'2'}}");
    CHECK_ERR("configmaps", "ConfigMap", n, old,
              "ConfigMap \"c\" is invalid: [immutable: Forbidden: field is immutable when "
              "`immutable` is set, data: Forbidden: field is immutable when `immutable` is set]");
    json_decref(c);
    json_decref(old);
    json_decref(n);
    char *big = xmalloc(1024 * 1024 + 2);
    memset(big, 'x', 1024 * 1024 + 1);
    big[1024 * 1024 + 1] = 0;
    c = json_pack("{s:{s:s}, s:{s:s}}", "metadata", "name", "c", "data", "k", big);
    free(big);
    CHECK_ERR("configmaps", "ConfigMap", c, NULL,
              "ConfigMap \"c\" is invalid: : Too long: may not be more than 1048576 bytes");
    json_decref(c);

    json_t *s = created("secrets",
                        "{'metadata':{'name':'s'},'data':{'a':'eA=='},'stringData':{'b':'hey'}}");
    CHECK_AT(s, "type", "\"Opaque\"");
    CHECK_AT(s, "data", "{\"a\":\"eA==\",\"b\":\"aGV5\"}");
    CHECK_AT(s, "stringData", "null");
    CHECK_ROW("secrets", s, "[\"s\",\"Opaque\",2,null]");
    check_field("secrets", s, "type", "Opaque");
    json_t *t = J("{'metadata':{'name':'s'},'type':'kubernetes.io/tls','data':{'tls.crt':''}}");
    CHECK_ERR("secrets", "Secret", t, s,
              "Secret \"s\" is invalid: [data[tls.key]: Required value, type: Invalid value: "
              "\"kubernetes.io/tls\": field is immutable]");
    json_decref(t);
    json_decref(s);
}

static void test_volumes(void)
{
    json_t *pv = created("persistentvolumes",
                         "{'metadata':{'name':'pv','creationTimestamp':'2024-01-01T00:00:00Z'},"
                         "'spec':{'capacity':{'storage':'1024Mi'},"
                         "'accessModes':['ReadOnlyMany','ReadWriteOnce'],'hostPath':{'path':'/d'},"
                         "'claimRef':{'namespace':'ns','name':'c'}}}");
    CHECK_AT(pv, "spec.persistentVolumeReclaimPolicy", "\"Retain\"");
    CHECK_AT(pv, "spec.volumeMode", "\"Filesystem\"");
    CHECK_AT(pv, "status.phase", "\"Pending\"");
    CHECK(ck_obj_get(pv, "status.lastPhaseTransitionTime") != NULL);
    CHECK_ERR("persistentvolumes", "PersistentVolume", pv, NULL, "");
    CHECK_ROW("persistentvolumes", pv,
              "[\"pv\",\"1Gi\",\"RWO,ROX\",\"Retain\",\"Pending\",\"ns/c\",\"\","
              "\"<unset>\",\"\",\"2024-01-01T00:00:00Z\",\"Filesystem\"]");
    json_t *n = json_deep_copy(pv);
    json_object_set_new(ck_obj_get(n, "spec.hostPath"), "path", json_string("/e"));
    char *m = verr("persistentvolumes", "PersistentVolume", n, pv);
    CHECK(has_prefix(m,
                     "PersistentVolume \"pv\" is invalid: spec.persistentvolumesource: Forbidden: "
                     "spec.persistentvolumesource is immutable after creation\n"));
    free(m);
    json_decref(n);
    json_decref(pv);
    pv = created("persistentvolumes",
                 "{'metadata':{'name':'pv'},'spec':{'accessModes':['Everything']}}");
    CHECK_ERR("persistentvolumes", "PersistentVolume", pv, NULL,
              "PersistentVolume \"pv\" is invalid: [spec.accessModes: Unsupported value: "
              "\"Everything\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", "
              "\"ReadWriteOnce\", \"ReadWriteOncePod\", spec.capacity: Required value, "
              "spec.capacity: Unsupported value: {}: supported values: \"storage\", spec: Required "
              "value: must specify a volume type]");
    json_decref(pv);

    json_t *c =
        created("persistentvolumeclaims", "{'metadata':{'name':'c'},'spec':{'resources':{}}}");
    CHECK_AT(c, "spec.volumeMode", "\"Filesystem\"");
    CHECK_AT(c, "status", "{\"phase\":\"Pending\"}");
    CHECK_ERR("persistentvolumeclaims", "PersistentVolumeClaim", c, NULL,
              "PersistentVolumeClaim \"c\" is invalid: [spec.accessModes: Required value: at least "
              "1 access mode is required, spec.resources[storage]: Required value]");
    CHECK_ROW("persistentvolumeclaims", c,
              "[\"c\",\"Pending\",\"\",\"\",\"\",\"\",\"<unset>\",null,\"Filesystem\"]");
    check_field("persistentvolumeclaims", c, "name", "c");
    json_decref(c);
    json_t *old = created("persistentvolumeclaims",
                          "{'metadata':{'name':'c'},'spec':{'accessModes':['ReadWriteOnce'],"
                          "'resources':{'requests':{'storage':'1Gi'}}}}");
    c = json_deep_copy(old);
    json_object_set_new(ck_obj_get(c, "spec.resources.requests"), "storage", json_string("2Gi"));
    m = verr("persistentvolumeclaims", "PersistentVolumeClaim", c, old);
    CHECK(has_prefix(m,
                     "PersistentVolumeClaim \"c\" is invalid: spec: Forbidden: spec is immutable "
                     "after creation except resources.requests and volumeAttributesClassName for "
                     "bound claims\n"));
    free(m);
    json_object_set_new(ck_obj_get(c, "status"), "phase", json_string("Bound"));
    CHECK_ERR("persistentvolumeclaims", "PersistentVolumeClaim", c, old, "");
    json_decref(c);
    json_decref(old);
}

static void test_rc_podtemplate(void)
{
    json_t *rc =
        created("replicationcontrollers",
                "{'metadata':{'name':'r'},'spec':{'template':{'metadata':{'labels':{'app':'x'}},"
                "'spec':{'containers':[{'name':'c','image':'i:1'}]}}}}");
    CHECK_AT(rc, "spec.replicas", "1");
    CHECK_AT(rc, "spec.selector", "{\"app\":\"x\"}");
    CHECK_AT(rc, "metadata.labels", "{\"app\":\"x\"}");
    CHECK_AT(rc, "status", "{\"replicas\":0}");
    CHECK_AT(rc, "spec.template.spec.restartPolicy", "\"Always\"");
    CHECK_ERR("replicationcontrollers", "ReplicationController", rc, NULL, "");
    CHECK_ROW("replicationcontrollers", rc, "[\"r\",1,0,0,null,\"c\",\"i:1\",\"app=x\"]");
    check_field("replicationcontrollers", rc, "status.replicas", "0");
    json_object_set_new(ck_obj_get(rc, "spec.selector"), "app", json_string("y"));
    json_object_set_new(ck_obj_get(rc, "spec.template.spec"), "restartPolicy",
                        json_string("Never"));
    CHECK_ERR(
        "replicationcontrollers", "ReplicationController", rc, NULL,
        "ReplicationController \"r\" is invalid: [spec.template.metadata.labels: Invalid "
        "value: map[string]string{\"app\":\"x\"}: `selector` does not match template `labels`, "
        "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: "
        "\"Always\"]");
    CHECK(def("replicationcontrollers")->generation);
    json_decref(rc);
    json_t *pt =
        created("podtemplates",
                "{'metadata':{'name':'t'},'template':{'metadata':{'labels':{'b':'1','a':'2'}},"
                "'spec':{'containers':[{'name':'c','image':'i'},{'name':'d','image':'j'}]}}}");
    CHECK_ERR("podtemplates", "PodTemplate", pt, NULL, "");
    CHECK_ROW("podtemplates", pt, "[\"t\",\"c,d\",\"i,j\",\"a=2,b=1\"]");
    json_t *old = json_deep_copy(pt);
    json_object_set_new(ck_obj_get(old, "metadata"), "generation", json_integer(1));
    json_object_set_new(json_array_get(ck_obj_get(pt, "template.spec.containers"), 0), "image",
                        json_string("k"));
    def("podtemplates")->prepare_update(pt, old);
    CHECK_AT(pt, "metadata.generation", "2");
    json_object_set_new(ck_obj_get(pt, "template"), "spec", json_object());
    def("podtemplates")->defaults(pt);
    CHECK_ERR("podtemplates", "PodTemplate", pt, NULL,
              "PodTemplate \"t\" is invalid: template.spec.containers: Required value");
    json_decref(old);
    json_decref(pt);
}

static void test_event_node_misc(void)
{
    json_t *e =
        J("{'metadata':{'name':'e','namespace':'a'},'involvedObject':{'kind':'Pod','name':'p',"
          "'namespace':'b','fieldPath':'spec.containers{c}'},'reason':'Pulled','type':'Normal',"
          "'message':' done\\n','count':3,'firstTimestamp':'2024-01-01T00:00:00Z',"
          "'lastTimestamp':'2024-01-02T00:00:00Z','source':{'component':'kubelet','host':'n1'}}");
    CHECK_ERR("events", "Event", e, NULL,
              "Event \"e\" is invalid: involvedObject.namespace: Invalid value: \"b\": does not "
              "match event.namespace");
    check_field("events", e, "source", "kubelet");
    check_field("events", e, "involvedObject.kind", "Pod");
    json_decref(e);
    e = J(
        "{'metadata':{'name':'e','namespace':'default'},'eventTime':'2024-01-01T00:00:00.000000Z',"
        "'involvedObject':{'kind':'Node','name':'n'},'reportingComponent':'','series':{'count':7,"
        "'lastObservedTime':'2024-01-03T00:00:00.000000Z'}}");
    CHECK_ERR(
        "events", "Event", e, NULL,
        "Event \"e\" is invalid: [reportingComponent: Required value, reportingComponent: "
        "Invalid value: \"\": name part must be non-empty, reportingComponent: Invalid value: "
        "\"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must "
        "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
        "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'), "
        "reportingInstance: Required value, action: Required value, reason: Required value]");
    json_decref(e);

    json_t *n =
        created("nodes", "{'metadata':{'name':'n1','labels':{'node-role.kubernetes.io/worker':'',"
                         "'kubernetes.io/role':'infra'}},'spec':{'unschedulable':true},"
                         "'status':{'capacity':{'cpu':'4','memory':'4096Mi'},"
                         "'conditions':[{'type':'Ready','status':'False'}],"
                         "'addresses':[{'type':'InternalIP','address':'10.0.0.2'}],"
                         "'nodeInfo':{'kubeletVersion':'v1.34.0','osImage':'Debian'}}}");
    CHECK_AT(n, "status.allocatable", "{\"cpu\":\"4\",\"memory\":\"4Gi\"}");
    CHECK_AT(n, "status.daemonEndpoints", "{\"kubeletEndpoint\":{\"Port\":0}}");
    CHECK_ROW("nodes", n,
              "[\"n1\",\"NotReady,SchedulingDisabled\",\"infra,worker\",null,\"v1.34.0\","
              "\"10.0.0.2\",\"<none>\",\"Debian\",\"<unknown>\",\"<unknown>\"]");
    check_field("nodes", n, "spec.unschedulable", "true");
    CHECK(def("nodes")->no_status_reset);
    json_object_set_new(ck_obj_get(n, "spec"), "taints", J("[{'key':'k','effect':'Sometimes'}]"));
    CHECK_ERR(
        "nodes", "Node", n, NULL,
        "Node \"n1\" is invalid: metadata.taints[0].effect: Unsupported value: \"Sometimes\": "
        "supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"");
    json_decref(n);

    json_t *lr =
        created("limitranges", "{'metadata':{'name':'l'},'spec':{'limits':[{'type':'Container',"
                               "'max':{'cpu':'1'},'min':{'memory':'1Mi','cpu':'2'}}]}}");
    CHECK_AT(lr, "spec.limits",
             "[{\"default\":{\"cpu\":\"1\"},\"defaultRequest\":{\"cpu\":\"1\","
             "\"memory\":\"1Mi\"},\"max\":{\"cpu\":\"1\"},\"min\":{\"cpu\":\"2\","
             "\"memory\":\"1Mi\"},\"type\":\"Container\"}]");
    char *m = verr("limitranges", "LimitRange", lr, NULL);
    CHECK(strstr(m,
                 "spec.limits[0].min[cpu]: Invalid value: \"2\": min value 2 is greater than max "
                 "value 1") != NULL);
    free(m);
    json_decref(lr);

    json_t *q = created("resourcequotas",
                        "{'metadata':{'name':'q'},'spec':{'hard':{'pods':'1.5','cpu':'0.5',"
                        "'foo':'1'}}}");
    CHECK_AT(q, "spec.hard", "{\"cpu\":\"500m\",\"foo\":\"1\",\"pods\":\"1500m\"}");
    CHECK_AT(q, "status", "{}");
    CHECK_ERR("resourcequotas", "ResourceQuota", q, NULL,
              "ResourceQuota \"q\" is invalid: [spec.hard[pods]: Invalid value: \"1500m\": must "
              "be an integer, spec.hard[foo]: Invalid value: \"foo\": must be a standard resource "
              "type or fully qualified]");
    json_object_set_new(q, "status",
                        J("{'hard':{'limits.memory':'1Gi','pods':'10','cpu':'1'},"
                          "'used':{'pods':'2'}}"));
    CHECK_ROW("resourcequotas", q,
              "[\"q\",\"cpu: 0/1, pods: 2/10\",\"limits.memory: 0/1Gi\",null]");
    json_decref(q);

    json_t *ep =
        J("{'metadata':{'name':'e'},'subsets':[{'addresses':[{'ip':'10.0.0.1'},{'ip':'10.0.0.2'}],"
          "'ports':[{'name':'a','port':80},{'name':'b','port':443}]}]}");
    def("endpoints")->defaults(ep);
    CHECK_ERR("endpoints", "Endpoints", ep, NULL, "");
    CHECK_ROW("endpoints", ep, "[\"e\",\"10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...\",null]");
    json_decref(ep);
    ep = J("{'metadata':{'name':'e'},'subsets':[{'addresses':[{'ip':'127.0.0.1'}],'ports':[{'port':"
           "80}]}]}");
    def("endpoints")->defaults(ep);
    CHECK_ERR(
        "endpoints", "Endpoints", ep, NULL,
        "Endpoints \"e\" is invalid: subsets[0].addresses[0].ip: Invalid value: \"127.0.0.1\": "
        "may not be in the loopback range (127.0.0.0/8, ::1/128)");
    json_decref(ep);

    json_t *sa = J("{'metadata':{'name':'default'},'secrets':[{'name':'a'}]}");
    CHECK_ROW("serviceaccounts", sa, "[\"default\",1,null]");
    json_decref(sa);

    const ck_rtype_def *cs = def("componentstatuses");
    json_t *items = cs->virtual_items(NULL);
    CHECK_INT(json_array_size(items), 3);
    CHECK_AT(json_array_get(items, 2), "metadata.name", "\"etcd-0\"");
    CHECK_ROW("componentstatuses", json_array_get(items, 2),
              "[\"etcd-0\",\"Healthy\",\"ok\",\"\"]");
    CHECK_AT(json_array_get(items, 0), "metadata.name", "\"scheduler\"");
    CHECK_STR(cs->warning, "v1 ComponentStatus is deprecated in v1.19+");
    json_decref(items);

    char *d = ck_fmt_duration(59);
    CHECK_STR(d, "59s");
    free(d);
    d = ck_fmt_duration(400);
    CHECK_STR(d, "6m40s");
    free(d);
    d = ck_fmt_duration(3 * 3600 + 60);
    CHECK_STR(d, "3h1m");
    free(d);
    d = ck_fmt_duration(3 * 86400 + 7200);
    CHECK_STR(d, "3d2h");
    free(d);
}

int main(void)
{
    ck_registry_init();
    test_pod_defaults();
    test_pod_validation();
    test_pod_table();
    test_service_strategy();
    test_namespace();
    test_configmap_secret();
    test_volumes();
    test_rc_podtemplate();
    test_event_node_misc();
    return UT_DONE();
}
