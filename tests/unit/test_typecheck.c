/* ck_type_check: JSON values of the wrong type for their schema field are rejected with
 * Go's encoding/json message, as upstream's typed decoding does. */
#include "machinery/typecheck.h"
#include "lib/util.h"
#include "ut.h"

static char *check(const char *kind_def, const char *json)
{
    json_t *obj = json_loads(json, 0, NULL);
    ck_err *err = NULL;
    int rc = ck_type_check(obj, ck_schema_def_by_name(kind_def), &err);
    char *msg = rc < 0 ? xstrdup(err->message) : NULL;
    if (rc < 0) CHECK_INT(err->code, 400);
    ck_err_free(err);
    json_decref(obj);
    return msg;
}

#define CM "io.k8s.api.core.v1.ConfigMap"
#define DEPLOY "io.k8s.api.apps.v1.Deployment"

int main(void)
{
    char *m;
    CHECK(
        check(CM,
              "{\"metadata\":{\"name\":\"a\",\"labels\":{\"x\":\"y\"}},\"data\":{\"k\":\"v\"}}") ==
        NULL);
    CHECK(check(CM, "{\"metadata\":null,\"data\":null}") == NULL);
    m = check(CM, "{\"data\":{\"k\":5}}");
    CHECK_STR(m,
              "json: cannot unmarshal number into Go struct field ConfigMap.data of type string");
    free(m);
    m = check(CM, "{\"metadata\":{\"labels\":\"x\"}}");
    CHECK_STR(m, "json: cannot unmarshal string into Go struct field ObjectMeta.metadata.labels of "
                 "type map[string]string");
    free(m);
    m = check(CM, "{\"metadata\":{\"finalizers\":[1]}}");
    CHECK_STR(m,
              "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.finalizers "
              "of type string");
    free(m);
    m = check(CM, "{\"immutable\":\"yes\"}");
    CHECK_STR(
        m, "json: cannot unmarshal string into Go struct field ConfigMap.immutable of type bool");
    free(m);
    m = check(CM, "{\"binaryData\":{\"b\":\"%%%\"}}");
    CHECK_STR(m, "illegal base64 data at input byte 0");
    free(m);
    CHECK(check(CM, "{\"binaryData\":{\"b\":\"aGVsbG8=\"}}") == NULL);

    CHECK(check(DEPLOY, "{\"spec\":{\"replicas\":3,\"strategy\":{\"rollingUpdate\":{\"maxSurge\":"
                        "\"25%\",\"maxUnavailable\":1}}}}") == NULL);
    m = check(DEPLOY, "{\"spec\":{\"replicas\":\"3\"}}");
    CHECK_STR(m,
              "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of "
              "type int32");
    free(m);
    m = check(DEPLOY, "{\"spec\":{\"replicas\":1.5}}");
    CHECK(m &&
          strstr(m, "cannot unmarshal number into Go struct field DeploymentSpec.spec.replicas"));
    free(m);
    m = check(DEPLOY, "{\"spec\":{\"template\":{\"spec\":{\"containers\":{}}}}}");
    CHECK_STR(m, "json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec."
                 "containers of type []v1.Container");
    free(m);
    m = check(DEPLOY,
              "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"ports\":"
              "[{\"containerPort\":\"80\"}]}]}}}}");
    CHECK_STR(m, "json: cannot unmarshal string into Go struct field ContainerPort.spec.template."
                 "spec.containers.ports.containerPort of type int32");
    free(m);
    m = check(DEPLOY,
              "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"resources\":{\"limits\":"
              "{\"cpu\":true}}}]}}}}");
    CHECK(m && strstr(m, "cannot unmarshal bool into Go struct field"));
    free(m);
    CHECK(check(DEPLOY,
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"resources\":{\"limits\":"
                "{\"cpu\":1,\"memory\":\"1Gi\"}}}]}}}}") == NULL);
    CHECK(check(DEPLOY, "{\"metadata\":{\"creationTimestamp\":null,\"unknownField\":5}}") == NULL);
    return UT_DONE();
}
