/* configmaps (/v1): keys per IsConfigMapKey, at most 1 MiB of data, and the `immutable`
 * lock on updates (upstream pkg/registry/core/configmap, ValidateConfigMap). */
#include <stdio.h>

#include "lib/util.h"
#include "registry/corefmt.h"
#include "registry/kinds.h"
#include "registry/podspec.h"

#define MAX_SIZE (1024 * 1024)

static void cm_validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *data = json_object_get(obj, "data"), *bin = json_object_get(obj, "binaryData");
    long total = 0;
    const char *k;
    json_t *v;
    char p[512];
    json_object_foreach((json_t *)data, k, v)
    {
        ck_msgs m = {0};
        snprintf(p, sizeof p, "data[%s]", k);
        if (ck_is_config_map_key(k, &m)) ck_ferr_invalid_msgs(fe, p, k, &m);
        if (json_object_get(bin, k))
            ck_ferr_invalid_str(fe, p, k, "duplicate of key present in binaryData");
        total += (long)json_string_length(v);
    }
    json_object_foreach((json_t *)bin, k, v)
    {
        ck_msgs m = {0};
        snprintf(p, sizeof p, "binaryData[%s]", k);
        if (ck_is_config_map_key(k, &m)) ck_ferr_invalid_msgs(fe, p, k, &m);
        long n = ck_base64_len(json_string_value(v) ? json_string_value(v) : "");
        if (n < 0)
            ck_ferr_invalid_str(fe, p, "<binary data>", "illegal base64 data");
        else
            total += n;
    }
    if (total > MAX_SIZE) ck_ferr_too_long(fe, "", MAX_SIZE);
}

static void cm_validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    if (!json_is_true(json_object_get(old, "immutable"))) return;
    if (!json_is_true(json_object_get(obj, "immutable")))
        ck_ferr_forbidden(fe, "immutable", "field is immutable when `immutable` is set");
    static const char *const keys[] = {"data", "binaryData"};
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        const json_t *a = json_object_get(obj, keys[i]), *b = json_object_get(old, keys[i]);
        if (!(json_object_size(a) == 0 && json_object_size(b) == 0) && !json_equal(a, b))
            ck_ferr_forbidden(fe, keys[i], "field is immutable when `immutable` is set");
    }
}

static const ck_column cm_columns[] = {
    CK_CORE_COL_NAME,
    {"Data", "string", "",
     "Data contains the configuration data. Each key must consist of alphanumeric characters, "
     "'-', '_' or '.'.",
     0},
    CK_CORE_COL_AGE,
};

static void cm_row(const json_t *obj, json_t *cells)
{
    ck_row_name(obj, cells);
    size_t n = json_object_size(json_object_get(obj, "data")) +
               json_object_size(json_object_get(obj, "binaryData"));
    json_array_append_new(cells, json_integer((json_int_t)n));
    ck_row_age(obj, cells);
}

const ck_rtype_def ck_reg_configmap = {
    .group = "",
    .version = "v1",
    .plural = "configmaps",
    .validate = cm_validate,
    .validate_update = cm_validate_update,
    .columns = cm_columns,
    .ncolumns = ARRAY_SIZE(cm_columns),
    .table_row = cm_row,
};
