/* Unit tests for unknown-field detection (src/machinery/fieldvalidation.c). */
#include "machinery/fieldvalidation.h"

#include <string.h>

#include "ut.h"

static json_t *parse(const char *s)
{
    json_error_t e;
    json_t *v = json_loads(s, 0, &e);
    if (!v) fprintf(stderr, "bad test JSON: %s\n", e.text);
    return v;
}

/* metadata.managedFields of a parsed DEPLOY. */
static json_t *managed_fields(json_t *obj)
{
    return json_object_get(json_object_get(obj, "metadata"), "managedFields");
}

static const ck_def *deployment(void)
{
    return ck_schema_def_by_name("io.k8s.api.apps.v1.Deployment");
}

static const char *const DEPLOY =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
    "\"metadata\":{\"name\":\"d\",\"labels\":{\"a\":\"b\"},"
    "\"managedFields\":[{\"manager\":\"m\",\"fieldsV1\":{\"f:metadata\":{}}}]},"
    "\"spec\":{\"replicas\":1,\"selector\":{\"matchLabels\":{\"a\":\"b\"}},"
    "\"strategy\":{\"rollingUpdate\":{\"maxSurge\":\"25%\"}},"
    "\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},"
    "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\",\"ports\":[{\"containerPort\":80}],"
    "\"resources\":{\"limits\":{\"cpu\":\"1\"}}}]}}}}";

static void test_known_fields(void)
{
    json_t *obj = parse(DEPLOY);
    ck_err *err = NULL;
    char **warnings = (char **)1;
    CHECK_INT(ck_field_validation(obj, deployment(), "Strict", &warnings, &err), 0);
    CHECK(err == NULL);
    CHECK(warnings == NULL);
    json_decref(obj);
}

static void test_strict(void)
{
    json_t *obj = parse(DEPLOY);
    json_object_set_new(json_object_get(obj, "spec"), "replicaz", json_integer(2));
    json_t *c0 = json_array_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(obj, "spec"), "template"), "spec"),
            "containers"),
        0);
    json_object_set_new(c0, "imagePullPolicyy", json_string("Always"));
    json_object_set_new(obj, "extra", json_true());
    ck_err *err = NULL;
    char **warnings = NULL;
    /* Reported in document order (replicaz was added after template). */
    CHECK_INT(ck_field_validation(obj, deployment(), "Strict", &warnings, &err), -1);
    CHECK(warnings == NULL);
    CHECK_INT(err ? err->code : 0, 400);
    CHECK_STR(err ? err->reason : NULL, "BadRequest");
    CHECK_STR(err ? err->message : NULL,
              "strict decoding error: unknown field "
              "\"spec.template.spec.containers[0].imagePullPolicyy\", unknown field "
              "\"spec.replicaz\", unknown field \"extra\"");
    ck_err_free(err);
    json_decref(obj);
}

static void test_warn_and_ignore(void)
{
    json_t *obj = parse(DEPLOY);
    json_object_set_new(json_object_get(obj, "metadata"), "nam", json_string("x"));
    ck_err *err = NULL;
    char **warnings = NULL;
    CHECK_INT(ck_field_validation(obj, deployment(), "Warn", &warnings, &err), 0);
    CHECK(err == NULL);
    CHECK(warnings && warnings[0] && !warnings[1]);
    CHECK_STR(warnings ? warnings[0] : NULL, "unknown field \"metadata.nam\"");
    ck_field_warnings_free(warnings);

    /* NULL mode is upstream's default, Warn. */
    warnings = NULL;
    CHECK_INT(ck_field_validation(obj, deployment(), NULL, &warnings, &err), 0);
    CHECK(warnings != NULL);
    ck_field_warnings_free(warnings);

    warnings = NULL;
    CHECK_INT(ck_field_validation(obj, deployment(), "Ignore", &warnings, &err), 0);
    CHECK(warnings == NULL);
    /* Warnings may be dropped by passing NULL. */
    CHECK_INT(ck_field_validation(obj, deployment(), "Warn", NULL, &err), 0);
    json_decref(obj);
}

static void test_bad_mode(void)
{
    json_t *obj = parse("{}");
    ck_err *err = NULL;
    CHECK_INT(ck_field_validation(obj, deployment(), "Loose", NULL, &err), -1);
    CHECK_INT(err ? err->code : 0, 400);
    CHECK(err && strstr(err->message, "Unsupported value: \"Loose\""));
    ck_err_free(err);
    json_decref(obj);
}

static void test_maps_and_opaque(void)
{
    /* Objects inside maps are walked with the key in the path; opaque values are not. */
    const ck_def *cm = ck_schema_def_by_name("io.k8s.api.core.v1.ConfigMap");
    json_t *obj = parse("{\"data\":{\"k\":\"v\"},\"metadata\":{\"managedFields\":[{\"fieldsV1\":"
                        "{\"anything\":{}}}]}}");
    ck_err *err = NULL;
    CHECK_INT(ck_field_validation(obj, cm, "Strict", NULL, &err), 0);
    json_decref(obj);

    const ck_def *pod = ck_schema_def_by_name("io.k8s.api.core.v1.PodSpec");
    obj = parse("{\"overhead\":{\"cpu\":\"1\"},\"nodeSelector\":{\"a\":\"b\"},"
                "\"containers\":[{\"name\":\"a\"},{\"name\":\"b\",\"bogus\":1}],"
                "\"volumes\":\"not-an-array\"}");
    char **warnings = NULL;
    CHECK_INT(ck_field_validation(obj, pod, "Warn", &warnings, &err), 0);
    CHECK_STR(warnings ? warnings[0] : NULL, "unknown field \"containers[1].bogus\"");
    CHECK(warnings && !warnings[1]);
    ck_field_warnings_free(warnings);
    json_decref(obj);
}

static void test_cap(void)
{
    json_t *obj = json_object();
    char key[32];
    for (int i = 0; i < 150; i++) {
        snprintf(key, sizeof key, "x%d", i);
        json_object_set_new(obj, key, json_true());
    }
    char **warnings = NULL;
    ck_err *err = NULL;
    CHECK_INT(ck_field_validation(obj, deployment(), "Warn", &warnings, &err), 0);
    size_t n = 0;
    while (warnings && warnings[n])
        n++;
    CHECK_INT(n, 100);
    ck_field_warnings_free(warnings);
    json_decref(obj);
}

static void test_prune(void)
{
    json_t *obj = parse(DEPLOY);
    json_t *want = json_deep_copy(obj);
    json_t *spec = json_object_get(obj, "spec");
    json_object_set_new(spec, "replicaz", json_integer(2));
    json_object_set_new(obj, "extra", json_true());
    json_t *c0 = json_array_get(
        json_object_get(json_object_get(json_object_get(spec, "template"), "spec"), "containers"),
        0);
    json_object_set_new(c0, "bogus", json_object());
    ck_field_prune(obj, deployment());
    CHECK(json_equal(obj, want));
    /* Opaque values keep their content. */
    CHECK(json_object_get(json_object_get(json_array_get(managed_fields(obj), 0), "fieldsV1"),
                          "f:metadata") != NULL);
    json_decref(want);
    json_decref(obj);
}

int main(void)
{
    test_known_fields();
    test_strict();
    test_warn_and_ignore();
    test_bad_mode();
    test_maps_and_opaque();
    test_cap();
    test_prune();
    return UT_DONE();
}
