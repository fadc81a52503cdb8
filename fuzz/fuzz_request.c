/* libFuzzer target for what a write request body goes through before storage: the input is
 * decoded as JSON and as YAML, then type-checked and field-validated against the schemas of
 * a Deployment and a Pod, pruned, and validated as ObjectMeta. Must never crash or leak. */
#include <stdint.h>
#include <stdlib.h>

#include "lib/yaml.h"
#include "machinery/fieldvalidation.h"
#include "machinery/schema.h"
#include "machinery/typecheck.h"
#include "machinery/validation.h"

static void exercise(json_t *obj, const char *def_name)
{
    const ck_def *def = ck_schema_def_by_name(def_name);
    ck_err *err = NULL;
    (void)ck_type_check(obj, def, &err);
    ck_err_free(err);
    err = NULL;
    char **warnings = NULL;
    (void)ck_field_validation(obj, def, "Warn", &warnings, &err);
    ck_field_warnings_free(warnings);
    ck_err_free(err);
    err = NULL;
    (void)ck_field_validation(obj, def, "Strict", NULL, &err);
    ck_err_free(err);
    json_t *copy = json_deep_copy(obj);
    ck_field_prune(copy, def);
    ck_field_errors *fe = ck_ferrs_new();
    ck_validate_object_meta(json_object_get(copy, "metadata"), true, NULL, fe);
    err = NULL;
    (void)ck_ferrs_to_err(fe, "Deployment", "apps", "x", &err);
    ck_err_free(err);
    ck_ferrs_free(fe);
    json_decref(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *obj = json_loadb((const char *)data, size, 0, NULL);
    if (obj) {
        exercise(obj, "io.k8s.api.apps.v1.Deployment");
        exercise(obj, "io.k8s.api.core.v1.Pod");
        json_decref(obj);
    }
    ck_err *err = NULL;
    obj = NULL;
    if (ck_yaml_to_json((const char *)data, size, &obj, &err) == 0 && obj) {
        exercise(obj, "io.k8s.api.apps.v1.Deployment");
        json_decref(obj);
    }
    ck_err_free(err);
    return 0;
}
