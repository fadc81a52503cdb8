/* Field ownership over the real schema (apps/v1 Deployment): managedFields recorded by
 * Update operations (ownership transfer, removal, reset, subresources, ordering, the cap
 * of ten) and server-side apply (create, unchanged re-apply, removal of dropped fields,
 * conflicts with upstream's message, force, shared ownership, before-first-apply, the
 * client-side apply migration). Test JSON is written with single quotes, turned into
 * double quotes by J(). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "apiserver/apply.h"
#include "apiserver/managed.h"
#include "lib/util.h"
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

static json_t *managed_fields(const json_t *obj)
{
    return ck_obj_get(obj, "metadata.managedFields");
}

/* The fieldsV1 of the entry at index i, serialized; "" when absent. */
static char *fields_at(const json_t *obj, size_t i)
{
    json_t *e = json_array_get(managed_fields(obj), i);
    return e ? dump(json_object_get(e, "fieldsV1")) : xstrdup("");
}

static const char *manager_at(const json_t *obj, size_t i)
{
    return json_string_value(json_object_get(json_array_get(managed_fields(obj), i), "manager"));
}

static const char *field_of(const json_t *obj, size_t i, const char *key)
{
    return json_string_value(json_object_get(json_array_get(managed_fields(obj), i), key));
}

#define CHECK_FIELDS(obj, i, want)                                                                 \
    do {                                                                                           \
        char *_f = fields_at(obj, i);                                                              \
        CHECK_STR(_f, want);                                                                       \
        free(_f);                                                                                  \
    } while (0)

static const char *base =
    "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'default',"
    "'uid':'u-1','labels':{'app':'web'}},'spec':{'replicas':1,'selector':{'matchLabels':{"
    "'app':'web'}},'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{"
    "'name':'web','image':'nginx:1.25'}]}}},'status':{}}";

/* ---- Update operations ---- */

static void test_update_transfers_ownership(void)
{
    json_t *v1 = J(base);
    ck_managed_fields_update(v1, NULL, "kubectl-create", "Update", "apps/v1", NULL,
                             "2024-05-01T10:00:00Z");
    CHECK_FIELDS(v1, 0,
                 "{\"f:metadata\":{\"f:labels\":{\".\":{},\"f:app\":{}}},\"f:spec\":{"
                 "\"f:replicas\":{},\"f:selector\":{},\"f:template\":{\"f:metadata\":{"
                 "\"f:labels\":{\".\":{},\"f:app\":{}}},\"f:spec\":{\"f:containers\":{"
                 "\"k:{\\\"name\\\":\\\"web\\\"}\":{\".\":{},\"f:image\":{},\"f:name\":{}}}}}}}");

    /* Another writer changes replicas: it owns them now, the creator does not. */
    json_t *v2 = json_deep_copy(v1);
    json_object_set_new(ck_obj_get(v2, "spec"), "replicas", json_integer(3));
    ck_managed_fields_update(v2, v1, "kubectl-scale", "Update", "apps/v1", NULL,
                             "2024-05-01T10:05:00Z");
    CHECK_INT(json_array_size(managed_fields(v2)), 2);
    CHECK_STR(manager_at(v2, 0), "kubectl-create");
    CHECK_STR(manager_at(v2, 1), "kubectl-scale");
    CHECK_STR(field_of(v2, 1, "time"), "2024-05-01T10:05:00Z");
    CHECK_FIELDS(v2, 1, "{\"f:spec\":{\"f:replicas\":{}}}");
    char *f = fields_at(v2, 0);
    CHECK(strstr(f, "replicas") == NULL);
    free(f);

    /* The creator takes the image: the scaler keeps replicas, the creator's time moves on
     * and it sorts after the scaler. */
    json_t *v3 = json_deep_copy(v2);
    json_t *c = json_array_get(ck_obj_get(v3, "spec.template.spec.containers"), 0);
    json_object_set_new(c, "image", json_string("nginx:1.26"));
    ck_managed_fields_update(v3, v2, "kubectl-create", "Update", "apps/v1", NULL,
                             "2024-05-01T10:09:00Z");
    CHECK_STR(manager_at(v3, 0), "kubectl-scale");
    CHECK_STR(manager_at(v3, 1), "kubectl-create");
    CHECK_STR(field_of(v3, 1, "time"), "2024-05-01T10:09:00Z");

    /* Removing the label removes it from its owner's set, and the "." of labels too. */
    json_t *v4 = json_deep_copy(v3);
    json_object_del(ck_obj_get(v4, "metadata"), "labels");
    ck_managed_fields_update(v4, v3, "editor", "Update", "apps/v1", NULL, "2024-05-01T10:10:00Z");
    f = fields_at(v4, 1);
    CHECK(strncmp(f, "{\"f:spec\":", 10) == 0);
    free(f);
    CHECK_INT(json_array_size(managed_fields(v4)), 2); /* "editor" changed nothing it keeps */

    /* A no-op update leaves managedFields as they were. */
    json_t *v5 = json_deep_copy(v4);
    ck_managed_fields_update(v5, v4, "someone", "Update", "apps/v1", NULL, "2024-05-01T11:00:00Z");
    CHECK(json_equal(managed_fields(v5), managed_fields(v4)));

    /* No manager: untouched. */
    json_t *v6 = json_deep_copy(v4);
    json_object_set_new(ck_obj_get(v6, "spec"), "replicas", json_integer(9));
    ck_managed_fields_update(v6, v4, NULL, "Update", "apps/v1", NULL, "2024-05-01T11:00:00Z");
    CHECK(json_equal(managed_fields(v6), managed_fields(v4)));
    json_decref(v1);
    json_decref(v2);
    json_decref(v3);
    json_decref(v4);
    json_decref(v5);
    json_decref(v6);
}

static void test_update_reset_and_untracked(void)
{
    json_t *v1 = J(base);
    ck_managed_fields_update(v1, NULL, "creator", "Update", "apps/v1", NULL,
                             "2024-05-01T10:00:00Z");
    /* managedFields: [] resets; the object is then untracked by updates. */
    json_t *v2 = json_deep_copy(v1);
    json_object_set_new(ck_obj_get(v2, "metadata"), "managedFields", json_array());
    json_object_set_new(ck_obj_get(v2, "spec"), "replicas", json_integer(2));
    ck_managed_fields_update(v2, v1, "resetter", "Update", "apps/v1", NULL, "2024-05-01T10:01:00Z");
    CHECK(managed_fields(v2) == NULL);
    json_t *v3 = json_deep_copy(v2);
    json_object_set_new(ck_obj_get(v3, "spec"), "replicas", json_integer(3));
    ck_managed_fields_update(v3, v2, "later", "Update", "apps/v1", NULL, "2024-05-01T10:02:00Z");
    CHECK(managed_fields(v3) == NULL);

    /* managedFields: null (or absent) keeps the live ones. */
    json_t *v4 = json_deep_copy(v1);
    json_object_set_new(ck_obj_get(v4, "metadata"), "managedFields", json_null());
    json_object_set_new(ck_obj_get(v4, "spec"), "replicas", json_integer(4));
    ck_managed_fields_update(v4, v1, "other", "Update", "apps/v1", NULL, "2024-05-01T10:03:00Z");
    CHECK_INT(json_array_size(managed_fields(v4)), 2);

    /* A request may rewrite managedFields itself. */
    json_t *v5 = json_deep_copy(v1);
    json_object_set_new(ck_obj_get(v5, "metadata"), "managedFields",
                        J("[{'manager':'x','operation':'Apply','apiVersion':'apps/v1',"
                          "'fieldsType':'FieldsV1','fieldsV1':{'f:spec':{'f:replicas':{}}}}]"));
    ck_managed_fields_update(v5, v1, "rewriter", "Update", "apps/v1", NULL, "2024-05-01T10:04:00Z");
    CHECK_INT(json_array_size(managed_fields(v5)), 1);
    CHECK_STR(manager_at(v5, 0), "x");

    /* ... but not through a subresource. */
    json_t *v6 = json_deep_copy(v5);
    json_object_set_new(v6, "status", J("{'replicas':1}"));
    ck_managed_fields_update(v6, v1, "kube-controller-manager", "Update", "apps/v1", "status",
                             "2024-05-01T10:05:00Z");
    CHECK_INT(json_array_size(managed_fields(v6)), 2);
    CHECK_STR(manager_at(v6, 0), "creator");
    CHECK_STR(manager_at(v6, 1), "kube-controller-manager");
    CHECK_STR(field_of(v6, 1, "subresource"), "status");
    CHECK_FIELDS(v6, 1, "{\"f:status\":{\"f:replicas\":{}}}");

    /* Status written through the main resource is not recorded. */
    json_t *v7 = json_deep_copy(v1);
    json_object_set_new(v7, "status", J("{'replicas':1}"));
    ck_managed_fields_update(v7, v1, "main", "Update", "apps/v1", NULL, "2024-05-01T10:06:00Z");
    CHECK_INT(json_array_size(managed_fields(v7)), 1);
    json_decref(v1);
    json_decref(v2);
    json_decref(v3);
    json_decref(v4);
    json_decref(v5);
    json_decref(v6);
    json_decref(v7);
}

static void test_update_cap(void)
{
    json_t *cur = J(base);
    ck_managed_fields_update(cur, NULL, "m00", "Update", "apps/v1", NULL, "2024-05-01T10:00:00Z");
    for (int i = 1; i <= 11; i++) {
        json_t *next = json_deep_copy(cur);
        char label[16], mgr[16], t[32];
        snprintf(label, sizeof label, "l%02d", i);
        snprintf(mgr, sizeof mgr, "m%02d", i);
        snprintf(t, sizeof t, "2024-05-01T10:%02d:00Z", i);
        json_object_set_new(ck_obj_get(next, "metadata.labels"), label, json_string("x"));
        ck_managed_fields_update(next, cur, mgr, "Update", "apps/v1", NULL, t);
        json_decref(cur);
        cur = next;
    }
    /* 12 updaters: the two oldest are merged into "ancient-changes". */
    CHECK_INT(json_array_size(managed_fields(cur)), 10);
    bool ancient = false;
    for (size_t i = 0; i < 10; i++)
        ancient = ancient || streq(manager_at(cur, i), "ancient-changes");
    CHECK(ancient);
    json_decref(cur);
}

/* ---- apply ---- */

static const char *cfg1 =
    "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','labels':{"
    "'app':'web','tier':'fe'}},'spec':{'replicas':2,'selector':{'matchLabels':{'app':'web'}},"
    "'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'web',"
    "'image':'nginx:1.25'}]}}}}";

static const char *cfg1_fields =
    "{\"f:metadata\":{\"f:labels\":{\"f:app\":{},\"f:tier\":{}}},\"f:spec\":{\"f:replicas\":{},"
    "\"f:selector\":{},\"f:template\":{\"f:metadata\":{\"f:labels\":{\"f:app\":{}}},\"f:spec\":{"
    "\"f:containers\":{\"k:{\\\"name\\\":\\\"web\\\"}\":{\".\":{},\"f:image\":{},\"f:name\":{}}}}}}"
    "}";

static ck_apply_opts opts(const char *manager, bool force, const char *now)
{
    return (ck_apply_opts){.schema = ck_schema_def_by_name("io.k8s.api.apps.v1.Deployment"),
                           .api_version = "apps/v1",
                           .kind = "Deployment",
                           .manager = manager,
                           .has_status = true,
                           .force = force,
                           .now = now};
}

/* Applies cfg text to live; returns the result (NULL on error, *err set). */
static json_t *apply(const json_t *live, const char *cfg, const char *manager, bool force,
                     const char *now, ck_err **err)
{
    json_t *c = J(cfg), *out = NULL;
    ck_apply_opts o = opts(manager, force, now);
    ck_apply_object(live, c, &o, &out, err);
    json_decref(c);
    return out;
}

/* What the store adds to a created object. */
static void stored(json_t *obj)
{
    json_t *m = ck_obj_get(obj, "metadata");
    json_object_set_new(m, "namespace", json_string("default"));
    json_object_set_new(m, "uid", json_string("u-1"));
    json_object_set_new(m, "resourceVersion", json_string("7"));
}

static void test_apply_create_reapply_prune(void)
{
    ck_err *err = NULL;
    json_t *v1 = apply(NULL, cfg1, "kubectl", false, "2024-05-01T10:00:00Z", &err);
    CHECK(v1 != NULL);
    if (!v1) return;
    CHECK_INT(json_array_size(managed_fields(v1)), 1);
    CHECK_STR(manager_at(v1, 0), "kubectl");
    CHECK_STR(field_of(v1, 0, "operation"), "Apply");
    CHECK_STR(field_of(v1, 0, "apiVersion"), "apps/v1");
    CHECK_STR(field_of(v1, 0, "time"), "2024-05-01T10:00:00Z");
    CHECK(field_of(v1, 0, "subresource") == NULL);
    CHECK_FIELDS(v1, 0, cfg1_fields);
    CHECK_INT(json_integer_value(ck_obj_get(v1, "spec.replicas")), 2);
    stored(v1);

    /* The same configuration again changes nothing, not even the time. */
    json_t *v2 = apply(v1, cfg1, "kubectl", false, "2024-05-01T10:30:00Z", &err);
    CHECK(v2 && json_equal(v2, v1));

    /* Dropping a label from the configuration removes it from the object. */
    json_t *v3 = apply(v1,
                       "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web',"
                       "'labels':{'app':'web'}},'spec':{'replicas':2,'selector':{'matchLabels':{"
                       "'app':'web'}},'template':{'metadata':{'labels':{'app':'web'}},'spec':{"
                       "'containers':[{'name':'web','image':'nginx:1.25'}]}}}}",
                       "kubectl", false, "2024-05-01T10:40:00Z", &err);
    CHECK(v3 && ck_obj_get(v3, "metadata.labels.tier") == NULL);
    CHECK_STR(ck_obj_str(v3, "metadata.labels.app"), "web");
    CHECK_STR(field_of(v3, 0, "time"), "2024-05-01T10:40:00Z");
    char *f = fields_at(v3, 0);
    CHECK(f && strstr(f, "tier") == NULL);
    free(f);

    /* A dropped list-map element goes too; fields nobody applied (defaults) stay. */
    json_t *v4 = json_deep_copy(v3);
    json_object_set_new(ck_obj_get(v4, "spec"), "revisionHistoryLimit", json_integer(10));
    json_t *v5 = apply(v4,
                       "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web'},"
                       "'spec':{'selector':{'matchLabels':{'app':'web'}},'template':{'metadata':{"
                       "'labels':{'app':'web'}},'spec':{'containers':[{'name':'side','image':"
                       "'busybox'}]}}}}",
                       "kubectl", false, "2024-05-01T10:50:00Z", &err);
    json_t *cs = ck_obj_get(v5, "spec.template.spec.containers");
    CHECK_INT(json_array_size(cs), 1);
    CHECK_STR(ck_obj_str(json_array_get(cs, 0), "name"), "side");
    CHECK(ck_obj_get(v5, "spec.replicas") == NULL);
    CHECK(ck_obj_get(v5, "metadata.labels") == NULL);
    CHECK_INT(json_integer_value(ck_obj_get(v5, "spec.revisionHistoryLimit")), 10);
    json_decref(v1);
    json_decref(v2);
    json_decref(v3);
    json_decref(v4);
    json_decref(v5);
    CHECK(err == NULL);
    ck_err_free(err);
}

static void test_apply_conflicts(void)
{
    /* Created by client-side apply (an Update), then applied server side. */
    json_t *live = J(base);
    ck_managed_fields_update(live, NULL, "kubectl-client-side-apply", "Update", "apps/v1", NULL,
                             "2024-05-01T10:00:00Z");
    ck_err *err = NULL;
    json_t *out = apply(live, cfg1, "kubectl", false, "2024-05-01T10:10:00Z", &err);
    CHECK(out == NULL);
    CHECK(err && err->code == 409);
    CHECK_STR(err ? err->reason : NULL, "Conflict");
    CHECK_STR(err ? err->message : NULL,
              "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using "
              "apps/v1: .spec.replicas");
    char *d = err ? dump(err->details) : NULL;
    CHECK_STR(d,
              "{\"causes\":[{\"reason\":\"FieldManagerConflict\",\"message\":\"conflict with "
              "\\\"kubectl-client-side-apply\\\" using apps/v1\",\"field\":\".spec.replicas\"}]}");
    free(d);
    ck_err_free(err);
    err = NULL;

    /* Two conflicting fields. */
    out =
        apply(live,
              "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web'},'spec':{"
              "'replicas':5,'template':{'spec':{'containers':[{'name':'web','image':'httpd'}]}}}}",
              "other", false, "2024-05-01T10:10:00Z", &err);
    CHECK(out == NULL);
    CHECK_STR(err ? err->message : NULL,
              "Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" using "
              "apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name=\"web\"].image");
    CHECK_INT(json_array_size(ck_obj_get(err ? err->details : NULL, "causes")), 2);
    ck_err_free(err);
    err = NULL;

    /* Force takes the fields over. */
    out = apply(live, cfg1, "kubectl", true, "2024-05-01T10:20:00Z", &err);
    CHECK(out != NULL);
    CHECK_INT(json_integer_value(ck_obj_get(out, "spec.replicas")), 2);
    CHECK_STR(manager_at(out, 0), "kubectl");
    CHECK_STR(manager_at(out, 1), "kubectl-client-side-apply");
    char *f = fields_at(out, 1);
    CHECK(f && strstr(f, "replicas") == NULL);
    free(f);

    /* Then the old writer conflicts with the applier ("Apply" managers print bare). */
    json_t *back = apply(out,
                         "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web'},"
                         "'spec':{'replicas':7}}",
                         "other", false, "2024-05-01T10:30:00Z", &err);
    CHECK(back == NULL);
    CHECK_STR(err ? err->message : NULL,
              "Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas");
    ck_err_free(err);
    err = NULL;

    /* Applying the value already there is no conflict: ownership is shared. */
    json_t *shared = apply(out,
                           "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web'},"
                           "'spec':{'replicas':2}}",
                           "other", false, "2024-05-01T10:40:00Z", &err);
    CHECK(shared != NULL);
    CHECK_INT(json_array_size(managed_fields(shared)), 3);
    CHECK_STR(manager_at(shared, 0), "other"); /* nothing changed: no time, sorts first */
    CHECK(field_of(shared, 0, "time") == NULL);
    /* The first applier drops replicas: someone else still owns them, so they stay. */
    json_t *kept = apply(shared,
                         "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web',"
                         "'labels':{'app':'web','tier':'fe'}},'spec':{'selector':{'matchLabels':{"
                         "'app':'web'}},'template':{'metadata':{'labels':{'app':'web'}},'spec':{"
                         "'containers':[{'name':'web','image':'nginx:1.25'}]}}}}",
                         "kubectl", false, "2024-05-01T10:50:00Z", &err);
    CHECK_INT(json_integer_value(ck_obj_get(kept, "spec.replicas")), 2);
    json_decref(kept);
    json_decref(shared);
    json_decref(out);
    json_decref(live);
    CHECK(err == NULL);
    ck_err_free(err);
}

static void test_apply_before_first_and_checks(void)
{
    /* An object nobody tracked: its fields go to "before-first-apply". */
    json_t *live = J(base);
    ck_err *err = NULL;
    json_t *out = apply(live,
                        "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web',"
                        "'annotations':{'a':'b'}}}",
                        "mgr", false, "2024-05-01T10:00:00Z", &err);
    CHECK(out != NULL);
    CHECK_INT(json_array_size(managed_fields(out)), 2);
    CHECK_STR(manager_at(out, 0), "mgr");
    CHECK_STR(manager_at(out, 1), "before-first-apply");
    CHECK_STR(field_of(out, 1, "operation"), "Update");
    CHECK_FIELDS(out, 0, "{\"f:metadata\":{\"f:annotations\":{\"f:a\":{}}}}");
    json_decref(out);

    out = apply(live, "{'apiVersion':'apps/v1','kind':'Foo','metadata':{'name':'web'}}", "mgr",
                false, "2024-05-01T10:00:00Z", &err);
    CHECK(out == NULL && err && err->code == 400);
    CHECK_STR(err ? err->message : NULL, "invalid object type: apps/v1, Kind=Foo");
    ck_err_free(err);
    err = NULL;
    out = apply(live,
                "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web',"
                "'managedFields':[]}}",
                "mgr", false, "2024-05-01T10:00:00Z", &err);
    CHECK(out == NULL && err && err->code == 400);
    CHECK_STR(err ? err->message : NULL, "metadata.managedFields must be nil");
    ck_err_free(err);
    err = NULL;
    out = apply(live,
                "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web'},'spec':{"
                "'template':{'spec':{'containers':[{'name':'a'},{'name':'a'}]}}}}",
                "mgr", false, "2024-05-01T10:00:00Z", &err);
    CHECK(out == NULL && err && err->code == 500);
    CHECK(err && strstr(err->message, "duplicate entries for key [name=\"a\"]"));
    ck_err_free(err);
    json_decref(live);
}

static void test_apply_list_merge_order(void)
{
    json_t *live = J(base);
    json_object_set_new(ck_obj_get(live, "spec.template.spec"), "containers",
                        J("[{'name':'a','image':'1'},{'name':'b','image':'2'},"
                          "{'name':'c','image':'3'}]"));
    ck_managed_fields_update(live, NULL, "creator", "Update", "apps/v1", NULL,
                             "2024-05-01T10:00:00Z");
    ck_err *err = NULL;
    json_t *out = apply(live,
                        "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web'},"
                        "'spec':{'template':{'spec':{'containers':[{'name':'c','image':'3'},"
                        "{'name':'d','image':'4'},{'name':'a','image':'1'}]}}}}",
                        "mgr", false, "2024-05-01T10:00:00Z", &err);
    json_t *cs = ck_obj_get(out, "spec.template.spec.containers");
    char names[8] = {0};
    for (size_t i = 0; i < json_array_size(cs) && i < 7; i++)
        names[i] = ck_obj_str(json_array_get(cs, i), "name")[0];
    CHECK_STR(names, "bcda");
    json_decref(out);
    json_decref(live);
    ck_err_free(err);
}

static void test_apply_client_side_migration(void)
{
    /* kubectl apply (client side) created it, with the annotation. */
    json_t *live = J(base);
    json_object_set_new(ck_obj_get(live, "metadata"), "annotations",
                        J("{'kubectl.kubernetes.io/last-applied-configuration':"
                          "'{\\'apiVersion\\':\\'apps/v1\\',\\'kind\\':\\'Deployment\\',"
                          "\\'spec\\':{\\'replicas\\':1}}'}"));
    /* J() turned the escaped quotes into \" inside the annotation string. */
    ck_managed_fields_update(live, NULL, "kubectl-client-side-apply", "Update", "apps/v1", NULL,
                             "2024-05-01T10:00:00Z");
    ck_err *err = NULL;
    json_t *out = apply(live, cfg1, "kubectl", false, "2024-05-01T10:10:00Z", &err);
    CHECK(out != NULL);
    CHECK_STR(err ? err->message : "ok", "ok");
    CHECK_INT(json_integer_value(ck_obj_get(out, "spec.replicas")), 2);
    const char *ann =
        json_string_value(json_object_get(ck_obj_get(out, "metadata.annotations"),
                                          "kubectl.kubernetes.io/last-applied-configuration"));
    CHECK(ann && strstr(ann, "\"replicas\":2") && ann[strlen(ann) - 1] == '\n');
    CHECK(ann && strncmp(ann, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",", 44) == 0);
    /* Another manager gets no such pass. */
    json_t *other = apply(live, cfg1, "someone", false, "2024-05-01T10:10:00Z", &err);
    CHECK(other == NULL && err && err->code == 409);
    ck_err_free(err);
    json_decref(out);
    json_decref(live);
}

int main(void)
{
    test_update_transfers_ownership();
    test_update_reset_and_untracked();
    test_update_cap();
    test_apply_create_reapply_prune();
    test_apply_conflicts();
    test_apply_before_first_and_checks();
    test_apply_list_merge_order();
    test_apply_client_side_migration();
    return UT_DONE();
}
