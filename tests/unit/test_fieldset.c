/* Field sets and their FieldsV1 encoding (machinery/fieldset.c), the typed field sets and
 * comparisons over the real schema (machinery/typed.c), and the managedFields that an
 * Update records (apiserver/managed.c). Expected FieldsV1 documents are what upstream
 * kube-apiserver writes for the same requests. Test JSON is written with single quotes,
 * turned into double quotes by J(). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "apiserver/managed.h"
#include "lib/util.h"
#include "machinery/fieldset.h"
#include "machinery/typed.h"
#include "registry/registry.h"
#include "ut.h"

static json_t *J(const char *s)
{
    cleanup_free char *d = xstrdup(s);
    for (char *p = d; *p; p++)
        if (*p == '\'') *p = '"';
    json_error_t e;
    json_t *v = json_loads(d, JSON_DECODE_ANY, &e);
    if (!v) {
        fprintf(stderr, "bad test JSON: %s: %s\n", d, e.text);
        abort();
    }
    return v;
}

static char *dump(const json_t *v)
{
    return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : xstrdup("(null)");
}

/* Parses FieldsV1 text (real JSON) into a set. */
static ck_fieldset *FS(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    ck_fieldset *s = NULL;
    char *msg = NULL;
    if (!j || ck_fs_from_json(j, &s, &msg) < 0) {
        fprintf(stderr, "bad FieldsV1: %s (%s)\n", text, msg ? msg : "");
        abort();
    }
    json_decref(j);
    return s;
}

static void check_set(const ck_fieldset *s, const char *want, int line)
{
    json_t *j = ck_fs_to_json(s);
    char *got = dump(j);
    if (strcmp(got, want) != 0) {
        ut_failed++;
        fprintf(stderr, "FAIL line %d:\n  got:  %s\n  want: %s\n", line, got, want);
    } else {
        ut_passed++;
    }
    free(got);
    json_decref(j);
}
#define CHECK_SET(s, want) check_set(s, want, __LINE__)

static void test_path_elements(void)
{
    const char *keys[] = {"f:spec",
                          "k:{\"containerPort\":80,\"protocol\":\"TCP\"}",
                          "v:\"kubernetes.io/pvc-protection\"",
                          "i:3",
                          "v:80",
                          "k:{\"name\":\"a\\u003cb\"}"};
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        ck_pe pe;
        CHECK_INT(ck_pe_parse(keys[i], &pe), 0);
        char *s = ck_pe_serialize(&pe);
        CHECK_STR(s, keys[i]);
        free(s);
        ck_pe_clear(&pe);
    }
    /* Key fields are sorted by name whatever order they come in. */
    ck_pe pe;
    CHECK_INT(ck_pe_parse("k:{\"protocol\":\"UDP\",\"port\":53}", &pe), 0);
    char *s = ck_pe_serialize(&pe);
    CHECK_STR(s, "k:{\"port\":53,\"protocol\":\"UDP\"}");
    const ck_pe *path[] = {&pe};
    char *d = ck_path_string(path, 1);
    CHECK_STR(d, "[port=53,protocol=\"UDP\"]");
    free(d);
    free(s);
    ck_pe_clear(&pe);
    CHECK_INT(ck_pe_parse("z:whatever", &pe), 1);
    CHECK_INT(ck_pe_parse("k:[1]", &pe), -1);
    CHECK_INT(ck_pe_parse("x", &pe), -1);

    /* Order: fields < keys < values < indexes; numbers before strings. */
    ck_pe a, b;
    ck_pe_parse("f:z", &a);
    ck_pe_parse("k:{\"a\":1}", &b);
    CHECK(ck_pe_compare(&a, &b) < 0);
    ck_pe_clear(&a);
    ck_pe_clear(&b);
    ck_pe_parse("v:2", &a);
    ck_pe_parse("v:\"1\"", &b);
    CHECK(ck_pe_compare(&a, &b) < 0);
    ck_pe_clear(&a);
    ck_pe_clear(&b);
    ck_pe_parse("v:2.0", &a);
    ck_pe_parse("v:2", &b);
    CHECK_INT(ck_pe_compare(&a, &b), 0);
    ck_pe_clear(&a);
    ck_pe_clear(&b);
}

static void test_json_roundtrip(void)
{
    /* Unsorted input, "." members, a member-only leaf written with a child-less {}. */
    ck_fieldset *s =
        FS("{\"f:spec\":{\"f:replicas\":{},\"f:template\":{\"f:spec\":{"
           "\"f:containers\":{\"k:{\\\"name\\\":\\\"b\\\"}\":{\".\":{},\"f:image\":{}},"
           "\"k:{\\\"name\\\":\\\"a\\\"}\":{\".\":{},\"f:name\":{}}}}}},"
           "\"f:metadata\":{\"f:labels\":{\"f:app\":{},\".\":{}}},\"z:ignored\":{}}");
    CHECK_SET(s, "{\"f:metadata\":{\"f:labels\":{\".\":{},\"f:app\":{}}},\"f:spec\":{"
                 "\"f:replicas\":{},\"f:template\":{\"f:spec\":{\"f:containers\":{"
                 "\"k:{\\\"name\\\":\\\"a\\\"}\":{\".\":{},\"f:name\":{}},"
                 "\"k:{\\\"name\\\":\\\"b\\\"}\":{\".\":{},\"f:image\":{}}}}}}}");
    ck_fs_free(s);
    ck_fieldset *e = FS("{}");
    CHECK(e == NULL);
    CHECK_SET(NULL, "{}");
}

static void test_set_algebra(void)
{
    ck_fieldset *a = FS("{\"f:metadata\":{\"f:labels\":{\".\":{},\"f:a\":{},\"f:b\":{}}},"
                        "\"f:spec\":{\"f:replicas\":{}}}");
    ck_fieldset *b = FS("{\"f:metadata\":{\"f:labels\":{\"f:b\":{},\"f:c\":{}}},"
                        "\"f:spec\":{\".\":{},\"f:paused\":{}}}");
    ck_fieldset *u = ck_fs_union(a, b);
    CHECK_SET(u, "{\"f:metadata\":{\"f:labels\":{\".\":{},\"f:a\":{},\"f:b\":{},\"f:c\":{}}},"
                 "\"f:spec\":{\".\":{},\"f:paused\":{},\"f:replicas\":{}}}");
    ck_fieldset *d = ck_fs_difference(a, b);
    CHECK_SET(
        d, "{\"f:metadata\":{\"f:labels\":{\".\":{},\"f:a\":{}}},\"f:spec\":{\"f:replicas\":{}}}");
    ck_fieldset *i = ck_fs_intersection(a, b);
    CHECK_SET(i, "{\"f:metadata\":{\"f:labels\":{\"f:b\":{}}}}");
    /* A member of b removes the whole subtree. */
    ck_fieldset *r = ck_fs_recursive_difference(a, b);
    CHECK_SET(r, "{\"f:metadata\":{\"f:labels\":{\".\":{},\"f:a\":{}}}}");
    CHECK(ck_fs_equal(a, a));
    CHECK(!ck_fs_equal(a, b));
    ck_fieldset *none = ck_fs_difference(a, a);
    CHECK(none == NULL);
    /* In place: the same result as Difference, nothing removed leaves it equal. */
    ck_fieldset *inplace = ck_fs_copy(a);
    CHECK(ck_fs_subtract(&inplace, b));
    CHECK(ck_fs_equal(inplace, d));
    CHECK(!ck_fs_subtract(&inplace, i));
    CHECK(ck_fs_equal(inplace, d));
    ck_fieldset *all = ck_fs_copy(a);
    ck_fs_subtract(&all, a);
    CHECK(all == NULL);
    ck_fs_free(inplace);
    ck_fs_free(a);
    ck_fs_free(b);
    ck_fs_free(u);
    ck_fs_free(d);
    ck_fs_free(i);
    ck_fs_free(r);
}

static void collect(const ck_pe *const *path, size_t n, void *ud)
{
    char **acc = ud;
    char *p = ck_path_string(path, n);
    char *next = xasprintf("%s%s%s", *acc ? *acc : "", *acc ? " " : "", p);
    free(p);
    free(*acc);
    *acc = next;
}

static void test_iterate(void)
{
    ck_fieldset *s = FS("{\"f:spec\":{\"f:template\":{\"f:spec\":{\"f:containers\":{"
                        "\"k:{\\\"name\\\":\\\"web\\\"}\":{\".\":{},\"f:image\":{}}}}},"
                        "\"f:replicas\":{}},\"f:metadata\":{\"f:finalizers\":{"
                        "\"v:\\\"x\\\"\":{}}}}");
    char *acc = NULL;
    ck_fs_iterate(s, collect, &acc);
    CHECK_STR(acc, ".metadata.finalizers[=\"x\"] .spec.replicas "
                   ".spec.template.spec.containers[name=\"web\"] "
                   ".spec.template.spec.containers[name=\"web\"].image");
    free(acc);
    ck_fs_free(s);
}

static const ck_def *deployment(void)
{
    return ck_schema_def_by_name("io.k8s.api.apps.v1.Deployment");
}

/* The field set of an applied configuration: list-maps keyed (the port key gets the
 * protocol default), no "." on struct fields. */
static void test_typed_fieldset(void)
{
    json_t *cfg = J("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web',"
                    "'labels':{'app':'web'}},'spec':{'replicas':2,'selector':{'matchLabels':{"
                    "'app':'web'}},'template':{'metadata':{'labels':{'app':'web'}},'spec':{"
                    "'containers':[{'name':'web','image':'nginx','ports':[{'containerPort':80}],"
                    "'args':['a','b']}],'tolerations':[{'key':'k','operator':'Exists'}]}}}}");
    ck_fieldset *s = NULL;
    char *msg = NULL;
    CHECK_INT(ck_typed_fieldset(cfg, deployment(), &s, &msg), 0);
    CHECK_SET(s, "{\"f:apiVersion\":{},\"f:kind\":{},\"f:metadata\":{\"f:labels\":{\"f:app\":{}},"
                 "\"f:name\":{}},\"f:spec\":{\"f:replicas\":{},\"f:selector\":{},\"f:template\":{"
                 "\"f:metadata\":{\"f:labels\":{\"f:app\":{}}},\"f:spec\":{\"f:containers\":{"
                 "\"k:{\\\"name\\\":\\\"web\\\"}\":{\".\":{},\"f:args\":{},\"f:image\":{},"
                 "\"f:name\":{},\"f:ports\":{\"k:{\\\"containerPort\\\":80,\\\"protocol\\\":"
                 "\\\"TCP\\\"}\":{\".\":{},\"f:containerPort\":{}}}}},\"f:tolerations\":{}}}}}");
    ck_fs_free(s);
    json_decref(cfg);

    /* A list-map element without its key is an error. */
    cfg = J("{'spec':{'template':{'spec':{'containers':[{'image':'x'}]}}}}");
    CHECK_INT(ck_typed_fieldset(cfg, deployment(), &s, &msg), -1);
    CHECK(msg &&
          strstr(msg, ".spec.template.spec.containers: element 0: associative list with "
                      "keys has an element that omits all key fields [\"name\"] (and doesn't "
                      "have default values for any key fields)"));
    free(msg);
    json_decref(cfg);

    /* Fields the schema does not declare are refused. */
    cfg = J("{'spec':{'replicas':1,'bogus':{'a':1}}}");
    CHECK_INT(ck_typed_fieldset(cfg, deployment(), &s, &msg), -1);
    CHECK_STR(msg, ".spec.bogus: field not declared in schema");
    free(msg);
    json_decref(cfg);

    /* Sets (finalizers: list-type set) are owned by value. */
    json_t *pod = J("{'metadata':{'finalizers':['b','a']}}");
    const ck_def *pd = ck_schema_def_by_name("io.k8s.api.core.v1.Pod");
    CHECK_INT(ck_typed_fieldset(pod, pd, &s, &msg), 0);
    CHECK_SET(s, "{\"f:metadata\":{\"f:finalizers\":{\"v:\\\"a\\\"\":{},\"v:\\\"b\\\"\":{}}}}");
    ck_fs_free(s);
    json_decref(pod);
}

static void test_typed_compare(void)
{
    json_t *l = J("{'metadata':{'labels':{'a':'1','b':'2'}},'spec':{'replicas':1,"
                  "'template':{'spec':{'containers':[{'name':'c','image':'x'}]}}}}");
    json_t *r = J("{'metadata':{'labels':{'a':'1','c':'3'}},'spec':{'replicas':2,"
                  "'template':{'spec':{'containers':[{'name':'c','image':'x'},"
                  "{'name':'d','image':'y'}]}}}}");
    ck_comparison c = {0};
    char *msg = NULL;
    CHECK_INT(ck_typed_compare(l, r, deployment(), &c, &msg), 0);
    CHECK_SET(c.added, "{\"f:metadata\":{\"f:labels\":{\"f:c\":{}}},\"f:spec\":{\"f:template\":{"
                       "\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"d\\\"}\":{\".\":{},"
                       "\"f:image\":{},\"f:name\":{}}}}}}}");
    CHECK_SET(c.modified, "{\"f:spec\":{\"f:replicas\":{}}}");
    CHECK_SET(c.removed, "{\"f:metadata\":{\"f:labels\":{\"f:b\":{}}}}");
    ck_comparison_clear(&c);
    json_decref(l);
    json_decref(r);
}

/* What `kubectl create deployment nginx --image=nginx` stores once defaulted. */
static const char *created =
    "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'nginx','namespace':"
    "'default','uid':'u-1','creationTimestamp':'2024-05-01T10:00:00Z','generation':1,"
    "'labels':{'app':'nginx'}},'spec':{'replicas':1,'selector':{'matchLabels':{'app':'nginx'}},"
    "'template':{'metadata':{'creationTimestamp':null,'labels':{'app':'nginx'}},'spec':{"
    "'containers':[{'name':'nginx','image':'nginx','resources':{},'terminationMessagePath':"
    "'/dev/termination-log','terminationMessagePolicy':'File','imagePullPolicy':'Always'}],"
    "'restartPolicy':'Always','terminationGracePeriodSeconds':30,'dnsPolicy':'ClusterFirst',"
    "'securityContext':{},'schedulerName':'default-scheduler'}},'strategy':{'type':"
    "'RollingUpdate','rollingUpdate':{'maxUnavailable':'25%','maxSurge':'25%'}},"
    "'revisionHistoryLimit':10,'progressDeadlineSeconds':600},'status':{}}";

/* Upstream's fieldsV1 for that create (kube-apiserver 1.34, manager kubectl-create). */
static const char *created_fields =
    "{\"f:metadata\":{\"f:labels\":{\".\":{},\"f:app\":{}}},\"f:spec\":{"
    "\"f:progressDeadlineSeconds\":{},\"f:replicas\":{},\"f:revisionHistoryLimit\":{},"
    "\"f:selector\":{},\"f:strategy\":{\"f:rollingUpdate\":{\".\":{},\"f:maxSurge\":{},"
    "\"f:maxUnavailable\":{}},\"f:type\":{}},\"f:template\":{\"f:metadata\":{\"f:labels\":{"
    "\".\":{},\"f:app\":{}}},\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"nginx\\\"}\":{"
    "\".\":{},\"f:image\":{},\"f:imagePullPolicy\":{},\"f:name\":{},\"f:resources\":{},"
    "\"f:terminationMessagePath\":{},\"f:terminationMessagePolicy\":{}}},\"f:dnsPolicy\":{},"
    "\"f:restartPolicy\":{},\"f:schedulerName\":{},\"f:securityContext\":{},"
    "\"f:terminationGracePeriodSeconds\":{}}}}}";

static void test_create_fields(void)
{
    json_t *obj = J(created);
    ck_managed_fields_update(obj, NULL, "kubectl-create", "Update", "apps/v1", NULL,
                             "2024-05-01T10:00:00Z");
    json_t *mf = json_object_get(json_object_get(obj, "metadata"), "managedFields");
    CHECK_INT(json_array_size(mf), 1);
    json_t *e = json_array_get(mf, 0);
    char *entry = dump(e);
    char *want = xasprintf("{\"manager\":\"kubectl-create\",\"operation\":\"Update\","
                           "\"apiVersion\":\"apps/v1\",\"time\":\"2024-05-01T10:00:00Z\","
                           "\"fieldsType\":\"FieldsV1\",\"fieldsV1\":%s}",
                           created_fields);
    CHECK_STR(entry, want);
    free(entry);
    free(want);
    json_decref(obj);
}

/* kubectl apply (client side) creates with the last-applied annotation and a port. */
static void test_client_side_apply_create(void)
{
    json_t *obj = J(created);
    json_t *meta = json_object_get(obj, "metadata");
    json_object_set_new(meta, "annotations",
                        J("{'kubectl.kubernetes.io/last-applied-configuration':'{}'}"));
    json_t *c = json_array_get(ck_obj_get(obj, "spec.template.spec.containers"), 0);
    json_object_set_new(c, "ports", J("[{'containerPort':80,'protocol':'TCP'}]"));
    ck_managed_fields_update(obj, NULL, "kubectl-client-side-apply", "Update", "apps/v1", NULL,
                             "2024-05-01T10:00:00Z");
    json_t *e = json_array_get(json_object_get(meta, "managedFields"), 0);
    CHECK_STR(json_string_value(json_object_get(e, "manager")), "kubectl-client-side-apply");
    char *f = dump(json_object_get(e, "fieldsV1"));
    CHECK(strncmp(f,
                  "{\"f:metadata\":{\"f:annotations\":{\".\":{},\"f:kubectl.kubernetes.io/"
                  "last-applied-configuration\":{}},\"f:labels\":",
                  100) == 0);
    CHECK(strstr(f, "\"f:name\":{},\"f:ports\":{\".\":{},\"k:{\\\"containerPort\\\":80,"
                    "\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},\"f:containerPort\":{},"
                    "\"f:protocol\":{}}},\"f:resources\":{}") != NULL);
    free(f);
    json_decref(obj);
}

int main(void)
{
    test_path_elements();
    test_json_roundtrip();
    test_set_algebra();
    test_iterate();
    test_typed_fieldset();
    test_typed_compare();
    test_create_fields();
    test_client_side_apply_create();
    return UT_DONE();
}
