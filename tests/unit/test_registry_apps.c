/* Unit tests for the apps/v1 kinds (src/registry/deployment.c, replicaset.c,
 * daemonset.c, statefulset.c, controllerrevision.c) and the shared helpers of
 * src/registry/workload.c: upstream defaults, validation messages and table cells. */
#include "registry/workload.h"
#include "registry_ut.h"

#define DEPLOY                                                                                     \
    "{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\"},\"spec\":{\"selector\":{"          \
    "\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}}" \
    ",\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx\"}]}}}}"

static void test_deployment_defaults(void)
{
    ck_rtype *rt = kind("apps", "v1", "deployments");
    json_t *d = js(DEPLOY);
    create_steps(rt, d);
    CHECK_INT(int_at(d, "spec.replicas"), 1);
    CHECK_STR(str_at(d, "spec.strategy.type"), "RollingUpdate");
    CHECK_STR(str_at(d, "spec.strategy.rollingUpdate.maxUnavailable"), "25%");
    CHECK_STR(str_at(d, "spec.strategy.rollingUpdate.maxSurge"), "25%");
    CHECK_INT(int_at(d, "spec.revisionHistoryLimit"), 10);
    CHECK_INT(int_at(d, "spec.progressDeadlineSeconds"), 600);
    const json_t *ps = ck_obj_get(d, "spec.template.spec");
    CHECK_STR(str_at(ps, "restartPolicy"), "Always");
    CHECK_STR(str_at(ps, "dnsPolicy"), "ClusterFirst");
    CHECK_STR(str_at(ps, "schedulerName"), "default-scheduler");
    CHECK_INT(int_at(ps, "terminationGracePeriodSeconds"), 30);
    CHECK(json_is_object(json_object_get(ps, "securityContext")));
    const json_t *c = json_array_get(json_object_get(ps, "containers"), 0);
    CHECK_STR(str_at(c, "imagePullPolicy"), "Always");
    CHECK_STR(str_at(c, "terminationMessagePath"), "/dev/termination-log");
    CHECK_STR(str_at(c, "terminationMessagePolicy"), "File");
    CHECK_INVALID(rt, d, NULL, NULL);
    json_decref(d);

    /* A tagged image pulls IfNotPresent; Recreate gets no rollingUpdate. */
    d = js("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"strategy\":{\"type\":\"Recreate\"},"
           "\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"nginx:1.25\","
           "\"ports\":[{\"containerPort\":80}]}]}}}}");
    create_steps(rt, d);
    CHECK(ck_obj_get(d, "spec.strategy.rollingUpdate") == NULL);
    const json_t *c2 = json_array_get(ck_obj_get(d, "spec.template.spec.containers"), 0);
    CHECK_STR(str_at(c2, "imagePullPolicy"), "IfNotPresent");
    CHECK_STR(str_at(json_array_get(json_object_get(c2, "ports"), 0), "protocol"), "TCP");
    json_decref(d);
}

static void test_deployment_validation(void)
{
    ck_rtype *rt = kind("apps", "v1", "deployments");
    json_t *d = js(DEPLOY);
    json_object_set_new(ck_obj_get(d, "spec.template.metadata.labels"), "app", json_string("x"));
    create_steps(rt, d);
    CHECK_INVALID(
        rt, d, NULL,
        "Deployment.apps \"web\" is invalid: spec.template.metadata.labels: Invalid "
        "value: map[string]string{\"app\":\"x\"}: `selector` does not match template `labels`");
    json_decref(d);

    d = js(DEPLOY);
    json_object_set_new(ck_obj_get(d, "spec"), "replicas", json_integer(-1));
    create_steps(rt, d);
    CHECK_INVALID(rt, d, NULL,
                  "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be "
                  "greater than or equal to 0");
    json_decref(d);

    d = js(DEPLOY);
    json_object_del(ck_obj_get(d, "spec"), "selector");
    create_steps(rt, d);
    CHECK_INVALID(rt, d, NULL,
                  "Deployment.apps \"web\" is invalid: [spec.selector: Required value, "
                  "spec.template.metadata.labels: Invalid value: "
                  "map[string]string{\"app\":\"web\"}: `selector` "
                  "does not match template `labels`]");
    json_decref(d);

    d = js(DEPLOY);
    json_object_set_new(ck_obj_get(d, "spec"), "selector", json_object());
    create_steps(rt, d);
    CHECK_INVALID(rt, d, NULL,
                  "Deployment.apps \"web\" is invalid: spec.selector: Invalid value: {}: empty "
                  "selector is invalid for deployment");
    json_decref(d);

    d = js(DEPLOY);
    json_object_set_new(ck_obj_get(d, "spec"), "strategy",
                        js("{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":0,"
                           "\"maxSurge\":\"0%\"}}"));
    create_steps(rt, d);
    CHECK_INVALID(rt, d, NULL,
                  "Deployment.apps \"web\" is invalid: spec.strategy.rollingUpdate.maxUnavailable: "
                  "Invalid value: 0: may not be 0 when `maxSurge` is 0");
    json_decref(d);

    d = js(DEPLOY);
    json_object_set_new(ck_obj_get(d, "spec"), "strategy",
                        js("{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":"
                           "\"110%\"}}"));
    create_steps(rt, d);
    CHECK_INVALID(rt, d, NULL,
                  "Deployment.apps \"web\" is invalid: spec.strategy.rollingUpdate.maxUnavailable: "
                  "Invalid value: \"110%\": must not be greater than 100%");
    json_decref(d);

    d = js(DEPLOY);
    json_object_set_new(ck_obj_get(d, "spec"), "strategy", js("{\"type\":\"Blue\"}"));
    create_steps(rt, d);
    CHECK_INVALID(rt, d, NULL,
                  "Deployment.apps \"web\" is invalid: spec.strategy: Unsupported value: "
                  "{\"type\":\"Blue\"}: supported values: \"Recreate\", \"RollingUpdate\"");
    json_decref(d);

    d = js(DEPLOY);
    json_object_set_new(ck_obj_get(d, "spec.template.spec"), "restartPolicy", json_string("Never"));
    create_steps(rt, d);
    CHECK_INVALID(rt, d, NULL,
                  "Deployment.apps \"web\" is invalid: spec.template.spec.restartPolicy: "
                  "Unsupported value: \"Never\": supported values: \"Always\"");
    json_decref(d);

    d = js(DEPLOY);
    json_object_set_new(ck_obj_get(d, "spec"), "progressDeadlineSeconds", json_integer(5));
    json_object_set_new(ck_obj_get(d, "spec"), "minReadySeconds", json_integer(5));
    create_steps(rt, d);
    CHECK_INVALID(
        rt, d, NULL,
        "Deployment.apps \"web\" is invalid: spec.progressDeadlineSeconds: Invalid value: "
        "5: must be greater than minReadySeconds");
    json_decref(d);

    /* The pod template is validated by the shared PodSpec rules. */
    d = js(DEPLOY);
    json_object_set_new(ck_obj_get(d, "spec.template.spec"), "containers", json_array());
    create_steps(rt, d);
    char *m = invalid(rt, d, NULL);
    CHECK(m && strstr(m, "spec.template.spec.containers: Required value"));
    free(m);
    json_decref(d);
}

static void test_deployment_update(void)
{
    ck_rtype *rt = kind("apps", "v1", "deployments");
    json_t *old = js(DEPLOY);
    create_steps(rt, old);
    json_t *d = json_deep_copy(old);
    json_object_set_new(ck_obj_get(d, "spec.selector.matchLabels"), "tier", json_string("fe"));
    json_object_set_new(ck_obj_get(d, "spec.template.metadata.labels"), "tier", json_string("fe"));
    update_steps(rt, d, old);
    CHECK_INT(int_at(d, "metadata.generation"), 2);
    CHECK_INVALID(rt, d, old,
                  "Deployment.apps \"web\" is invalid: spec.selector: Invalid value: "
                  "{\"matchLabels\":{\"app\":\"web\",\"tier\":\"fe\"}}: field is immutable");
    json_decref(d);

    /* Annotation changes bump the generation too. */
    d = json_deep_copy(old);
    json_object_set_new(ck_obj_get(d, "metadata"), "annotations", js("{\"a\":\"b\"}"));
    update_steps(rt, d, old);
    CHECK_INT(int_at(d, "metadata.generation"), 2);
    CHECK_INVALID(rt, d, old, NULL);
    json_decref(d);

    d = json_deep_copy(old);
    update_steps(rt, d, old);
    CHECK_INT(int_at(d, "metadata.generation"), 1);
    json_decref(d);
    json_decref(old);
}

static void test_deployment_table(void)
{
    ck_rtype *rt = kind("apps", "v1", "deployments");
    CHECK_COLUMNS(rt, "Name:string:name:0,Ready:string::0,Up-to-date:string::0,"
                      "Available:string::0,Age:date::0,Containers:string::1,Images:string::1,"
                      "Selector:string::1");
    json_t *d = js(DEPLOY);
    create_steps(rt, d);
    json_object_set_new(d, "status",
                        js("{\"readyReplicas\":1,\"updatedReplicas\":1,\"availableReplicas\":1}"));
    CHECK_CELLS(rt, d,
                "[\"web\",\"1/1\",1,1,\"2024-01-02T03:04:05Z\",\"nginx\",\"nginx\","
                "\"app=web\"]");
    json_decref(d);
}

#define RS                                                                                         \
    "{\"metadata\":{\"name\":\"rs\"},\"spec\":{\"selector\":{\"matchExpressions\":[{\"key\":"      \
    "\"app\",\"operator\":\"In\",\"values\":[\"web\",\"api\"]}],\"matchLabels\":{\"tier\":\"fe\"}" \
    "},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\",\"tier\":\"fe\"}},\"spec\":{"       \
    "\"containers\":[{\"name\":\"a\",\"image\":\"busybox@sha256:abc\"},{\"name\":\"b\","           \
    "\"image\":\"redis:7\"}]}}}}"

static void test_replicaset(void)
{
    ck_rtype *rt = kind("apps", "v1", "replicasets");
    json_t *rs = js(RS);
    create_steps(rt, rs);
    CHECK_INT(int_at(rs, "spec.replicas"), 1);
    CHECK(ck_obj_get(rs, "spec.revisionHistoryLimit") == NULL);
    const json_t *c = json_array_get(ck_obj_get(rs, "spec.template.spec.containers"), 0);
    CHECK_STR(str_at(c, "imagePullPolicy"), "IfNotPresent"); /* a digest, no tag */
    CHECK_INVALID(rt, rs, NULL, NULL);
    CHECK_COLUMNS(rt, "Name:string:name:0,Desired:integer::0,Current:integer::0,"
                      "Ready:integer::0,Age:date::0,Containers:string::1,Images:string::1,"
                      "Selector:string::1");
    json_object_set_new(rs, "status", js("{\"replicas\":3,\"readyReplicas\":2}"));
    CHECK_CELLS(rt, rs,
                "[\"rs\",1,3,2,\"2024-01-02T03:04:05Z\",\"a,b\","
                "\"busybox@sha256:abc,redis:7\",\"app in (api,web),tier=fe\"]");
    CHECK(rt->def->fields && streq(rt->def->fields[0], "status.replicas"));
    char *v = rt->def->field_value(rs, "status.replicas");
    CHECK_STR(v, "3");
    free(v);
    json_t *empty = js("{}");
    v = rt->def->field_value(empty, "status.replicas");
    CHECK_STR(v, "0");
    free(v);
    json_decref(empty);

    json_t *old = json_deep_copy(rs);
    json_object_set_new(ck_obj_get(rs, "spec.selector"), "matchExpressions", json_array());
    update_steps(rt, rs, old);
    char *m = invalid(rt, rs, old);
    CHECK(m && strstr(m, "spec.selector: Invalid value: ") && strstr(m, "field is immutable"));
    free(m);
    json_decref(old);
    json_decref(rs);

    rs = js(RS);
    json_object_set_new(ck_obj_get(rs, "spec"), "selector", js("{}"));
    create_steps(rt, rs);
    CHECK_INVALID(rt, rs, NULL,
                  "ReplicaSet.apps \"rs\" is invalid: spec.selector: Invalid value: {}: empty "
                  "selector is invalid for deployment");
    json_decref(rs);
}

#define DS                                                                                         \
    "{\"metadata\":{\"name\":\"ds\"},\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"ds\"}},"   \
    "\"template\":{\"metadata\":{\"labels\":{\"app\":\"ds\"}},\"spec\":{\"nodeSelector\":{"        \
    "\"zone\":\"a\",\"kubernetes.io/os\":\"linux\"},\"containers\":[{\"name\":\"a\",\"image\":"    \
    "\"fluentd:v1\"}]}}}}"

static void test_daemonset(void)
{
    ck_rtype *rt = kind("apps", "v1", "daemonsets");
    json_t *ds = js(DS);
    create_steps(rt, ds);
    CHECK_STR(str_at(ds, "spec.updateStrategy.type"), "RollingUpdate");
    CHECK_INT(int_at(ds, "spec.updateStrategy.rollingUpdate.maxUnavailable"), 1);
    CHECK_INT(int_at(ds, "spec.updateStrategy.rollingUpdate.maxSurge"), 0);
    CHECK_INT(int_at(ds, "spec.revisionHistoryLimit"), 10);
    CHECK_STR(json_string_value(json_object_get(ck_obj_get(ds, "metadata.annotations"),
                                                "deprecated.daemonset.template.generation")),
              "1");
    CHECK_INVALID(rt, ds, NULL, NULL);
    CHECK_CELLS(rt, ds,
                "[\"ds\",0,0,0,0,0,\"kubernetes.io/os=linux,zone=a\","
                "\"2024-01-02T03:04:05Z\",\"a\",\"fluentd:v1\",\"app=ds\"]");

    /* A template change bumps the template generation and the generation. */
    json_t *old = json_deep_copy(ds);
    json_t *upd = json_deep_copy(ds);
    json_object_set_new(json_array_get(ck_obj_get(upd, "spec.template.spec.containers"), 0),
                        "image", json_string("fluentd:v2"));
    update_steps(rt, upd, old);
    CHECK_STR(json_string_value(json_object_get(ck_obj_get(upd, "metadata.annotations"),
                                                "deprecated.daemonset.template.generation")),
              "2");
    CHECK_INT(int_at(upd, "metadata.generation"), 2);
    CHECK_INVALID(rt, upd, old, NULL);
    json_decref(upd);

    upd = json_deep_copy(ds);
    json_object_set_new(ck_obj_get(upd, "spec.updateStrategy.rollingUpdate"), "maxSurge",
                        json_integer(1));
    update_steps(rt, upd, old);
    CHECK_INVALID(rt, upd, old,
                  "DaemonSet.apps \"ds\" is invalid: spec.updateStrategy.rollingUpdate.maxSurge: "
                  "Invalid value: 1: may not be set when maxUnavailable is non-zero");
    json_decref(upd);
    json_decref(old);
    json_decref(ds);

    ds = js(DS);
    json_object_set_new(
        ck_obj_get(ds, "spec"), "updateStrategy",
        js("{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":0}}"));
    create_steps(rt, ds);
    CHECK_INVALID(rt, ds, NULL,
                  "DaemonSet.apps \"ds\" is invalid: spec.updateStrategy.rollingUpdate."
                  "maxUnavailable: Required value: cannot be 0 when maxSurge is 0");
    json_decref(ds);
}

#define STS                                                                                        \
    "{\"metadata\":{\"name\":\"db\"},\"spec\":{\"serviceName\":\"db\",\"selector\":{"              \
    "\"matchLabels\":{\"app\":\"db\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"db\"}},"  \
    "\"spec\":{\"containers\":[{\"name\":\"pg\",\"image\":\"postgres:16\"}]}},"                    \
    "\"volumeClaimTemplates\":[{\"metadata\":{\"name\":\"data\"},\"spec\":{\"accessModes\":["      \
    "\"ReadWriteOnce\"]}}]}}"

static void test_statefulset(void)
{
    ck_rtype *rt = kind("apps", "v1", "statefulsets");
    json_t *s = js(STS);
    create_steps(rt, s);
    CHECK_INT(int_at(s, "spec.replicas"), 1);
    CHECK_STR(str_at(s, "spec.podManagementPolicy"), "OrderedReady");
    CHECK_STR(str_at(s, "spec.updateStrategy.type"), "RollingUpdate");
    CHECK_INT(int_at(s, "spec.updateStrategy.rollingUpdate.partition"), 0);
    CHECK_STR(str_at(s, "spec.persistentVolumeClaimRetentionPolicy.whenDeleted"), "Retain");
    CHECK_STR(str_at(s, "spec.persistentVolumeClaimRetentionPolicy.whenScaled"), "Retain");
    CHECK_INT(int_at(s, "spec.revisionHistoryLimit"), 10);
    const json_t *vct = json_array_get(ck_obj_get(s, "spec.volumeClaimTemplates"), 0);
    CHECK_STR(str_at(vct, "spec.volumeMode"), "Filesystem");
    CHECK_STR(str_at(vct, "status.phase"), "Pending");
    CHECK_INVALID(rt, s, NULL, NULL);
    CHECK_COLUMNS(rt, "Name:string:name:0,Ready:string::0,Age:date::0,Containers:string::1,"
                      "Images:string::1");
    CHECK_CELLS(rt, s, "[\"db\",\"0/1\",\"2024-01-02T03:04:05Z\",\"pg\",\"postgres:16\"]");

    /* Only some spec fields may change. */
    json_t *old = json_deep_copy(s);
    json_t *upd = json_deep_copy(s);
    json_object_set_new(ck_obj_get(upd, "spec"), "replicas", json_integer(3));
    update_steps(rt, upd, old);
    CHECK_INVALID(rt, upd, old, NULL);
    json_object_set_new(ck_obj_get(upd, "spec"), "serviceName", json_string("other"));
    CHECK_INVALID(rt, upd, old,
                  "StatefulSet.apps \"db\" is invalid: spec: Forbidden: updates to statefulset "
                  "spec for fields other than 'replicas', 'ordinals', 'template', "
                  "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
                  "'minReadySeconds' are forbidden");
    json_decref(upd);
    json_decref(old);
    json_decref(s);

    s = js(STS);
    json_object_set_new(ck_obj_get(s, "spec"), "podManagementPolicy", json_string("Random"));
    create_steps(rt, s);
    CHECK_INVALID(rt, s, NULL,
                  "StatefulSet.apps \"db\" is invalid: spec.podManagementPolicy: Invalid value: "
                  "\"Random\": must be 'OrderedReady' or 'Parallel'");
    json_decref(s);

    /* Names are DNS labels. */
    ck_msgs m = {0};
    CHECK(rt->def->validate_name("a.b", false, &m) > 0);
    ck_msgs_free(&m);
}

static void test_controllerrevision(void)
{
    ck_rtype *rt = kind("apps", "v1", "controllerrevisions");
    json_t *cr = js("{\"metadata\":{\"name\":\"ds-1\",\"ownerReferences\":[{\"apiVersion\":"
                    "\"apps/v1\",\"kind\":\"DaemonSet\",\"name\":\"ds\",\"uid\":\"u\","
                    "\"controller\":true}]},\"revision\":2,\"data\":{\"spec\":{}}}");
    create_steps(rt, cr);
    CHECK_INVALID(rt, cr, NULL, NULL);
    CHECK_CELLS(rt, cr, "[\"ds-1\",\"daemonset.apps/ds\",2,\"2024-01-02T03:04:05Z\"]");
    json_t *upd = json_deep_copy(cr);
    json_object_set_new(upd, "data", js("{\"x\":1}"));
    CHECK_INVALID(rt, upd, cr,
                  "ControllerRevision.apps \"ds-1\" is invalid: data: Invalid value: {\"x\":1}: "
                  "field is immutable");
    json_decref(upd);
    json_object_del(cr, "data");
    json_object_set_new(cr, "revision", json_integer(-1));
    CHECK_INVALID(rt, cr, NULL,
                  "ControllerRevision.apps \"ds-1\" is invalid: [data: Required value: data is "
                  "mandatory, revision: Invalid value: -1: must be greater than or equal to 0]");
    json_decref(cr);
}

static void test_helpers(void)
{
    json_t *sel = js("{\"matchLabels\":{\"b\":\"2\",\"a\":\"1\"},\"matchExpressions\":[{\"key\":"
                     "\"c\",\"operator\":\"DoesNotExist\"},{\"key\":\"a\",\"operator\":\"Exists\"}"
                     ",{\"key\":\"d\",\"operator\":\"NotIn\",\"values\":[\"y\",\"x\"]}]}");
    char *s = ck_format_label_selector(sel);
    CHECK_STR(s, "a=1,a,b=2,!c,d notin (x,y)");
    free(s);
    json_decref(sel);
    s = ck_format_label_selector(NULL);
    CHECK_STR(s, "<none>");
    free(s);
    sel = js("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Bogus\"}]}");
    s = ck_format_label_selector(sel);
    CHECK_STR(s, "<error>");
    free(s);
    json_decref(sel);

    static const struct {
        int64_t secs;
        const char *want;
    } durs[] = {{-5, "<invalid>"},
                {-1, "0s"},
                {0, "0s"},
                {59, "59s"},
                {119, "119s"},
                {120, "2m"},
                {310, "5m10s"},
                {3599, "59m"},
                {3 * 3600, "3h"},
                {7300, "121m"},
                {5 * 3600 + 60, "5h1m"},
                {30 * 3600, "30h"},
                {50 * 3600, "2d2h"},
                {10 * 86400, "10d"},
                {800 * 86400, "2y70d"},
                {3000 * 86400, "8y"}};
    for (size_t i = 0; i < ARRAY_SIZE(durs); i++) {
        s = ck_human_duration(durs[i].secs);
        CHECK_STR(s, durs[i].want);
        free(s);
    }
    int64_t t;
    CHECK(ck_parse_time("2024-01-02T03:04:05Z", &t) && t == 1704164645);
    CHECK(ck_parse_time("2024-01-02T03:04:05.123456Z", &t) && t == 1704164645);
    CHECK(ck_parse_time("2024-01-02T05:04:05+02:00", &t) && t == 1704164645);
    CHECK(!ck_parse_time("yesterday", &t));
    s = ck_since(NULL);
    CHECK_STR(s, "<unknown>");
    free(s);

    ck_field_errors *fe = ck_ferrs_new();
    json_t *v = json_string("5");
    ck_validate_int_or_percent(v, "p", fe);
    CHECK_STR(ck_ferrs_text(fe, 0),
              "p: Invalid value: \"5\": a valid percent string must be a numeric string "
              "followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is "
              "'[0-9]+%')");
    json_decref(v);
    ck_ferrs_free(fe);
}

int main(void)
{
    test_deployment_defaults();
    test_deployment_validation();
    test_deployment_update();
    test_deployment_table();
    test_replicaset();
    test_daemonset();
    test_statefulset();
    test_controllerrevision();
    test_helpers();
    return UT_DONE();
}
