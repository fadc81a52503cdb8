/* secrets (/v1): type Opaque by default, stringData folded into data (the v1 conversion),
 * keys per IsConfigMapKey, at most 1 MiB, the per-type required keys, an immutable type
 * and the `immutable` lock (upstream pkg/registry/core/secret, ValidateSecret). */
#include <stdio.h>

#include "lib/base64.h"
#include "lib/util.h"
#include "registry/corefmt.h"
#include "registry/kinds.h"
#include "registry/podspec.h"

#define MAX_SIZE (1024 * 1024)

static void secret_defaults(json_t *obj)
{
    ck_obj_default_str(obj, "type", "Opaque");
    json_t *sd = json_object_get(obj, "stringData");
    if (!json_is_object(sd)) return;
    json_t *data = json_object_get(obj, "data");
    if (!json_is_object(data)) json_object_set_new(obj, "data", data = json_object());
    const char *k;
    json_t *v;
    json_object_foreach(sd, k, v)
    {
        const char *s = json_string_value(v) ? json_string_value(v) : "";
        char *b = ck_base64_encode(s, json_string_length(v), NULL);
        json_object_set_new(data, k, json_string(b));
        free(b);
    }
    json_object_del(obj, "stringData");
}

static bool has_key(const json_t *data, const char *k)
{
    return json_object_get(data, k) != NULL;
}

static void require(ck_field_errors *fe, const char *key)
{
    char p[128];
    snprintf(p, sizeof p, "data[%s]", key);
    ck_ferr_required(fe, p, "");
}

static void secret_validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *data = json_object_get(obj, "data");
    long total = 0;
    const char *k;
    json_t *v;
    char p[512];
    json_object_foreach((json_t *)data, k, v)
    {
        ck_msgs m = {0};
        snprintf(p, sizeof p, "data[%s]", k);
        if (ck_is_config_map_key(k, &m)) ck_ferr_invalid_msgs(fe, p, k, &m);
        long n = ck_base64_len(json_string_value(v) ? json_string_value(v) : "");
        if (n < 0)
            ck_ferr_invalid_str(fe, p, "<secret contents redacted>", "illegal base64 data");
        else
            total += n;
    }
    if (total > MAX_SIZE) ck_ferr_too_long(fe, "data", MAX_SIZE);
    const char *type = ck_obj_str(obj, "type");
    if (streq(type, "kubernetes.io/service-account-token")) {
        const json_t *ann = ck_obj_get(obj, "metadata.annotations");
        const char *sa =
            json_string_value(json_object_get(ann, "kubernetes.io/service-account.name"));
        if (!sa || !*sa)
            ck_ferr_required(fe, "metadata.annotations[kubernetes.io/service-account.name]", "");
    } else if (streq(type, "kubernetes.io/dockercfg")) {
        if (!has_key(data, ".dockercfg")) require(fe, ".dockercfg");
    } else if (streq(type, "kubernetes.io/dockerconfigjson")) {
        if (!has_key(data, ".dockerconfigjson")) require(fe, ".dockerconfigjson");
    } else if (streq(type, "kubernetes.io/basic-auth")) {
        if (!has_key(data, "username") && !has_key(data, "password")) {
            require(fe, "username");
            require(fe, "password");
        }
    } else if (streq(type, "kubernetes.io/ssh-auth")) {
        if (!json_string_length(json_object_get(data, "ssh-privatekey")))
            require(fe, "ssh-privatekey");
    } else if (streq(type, "kubernetes.io/tls")) {
        if (!has_key(data, "tls.crt")) require(fe, "tls.crt");
        if (!has_key(data, "tls.key")) require(fe, "tls.key");
    }
}

static void secret_validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    const json_t *nt = json_object_get(obj, "type"), *ot = json_object_get(old, "type");
    if (!json_equal(nt, ot)) ck_ferr_invalid(fe, "type", nt, "field is immutable");
    if (!json_is_true(json_object_get(old, "immutable"))) return;
    if (!json_is_true(json_object_get(obj, "immutable")))
        ck_ferr_forbidden(fe, "immutable", "field is immutable when `immutable` is set");
    const json_t *a = json_object_get(obj, "data"), *b = json_object_get(old, "data");
    if (!(json_object_size(a) == 0 && json_object_size(b) == 0) && !json_equal(a, b))
        ck_ferr_forbidden(fe, "data", "field is immutable when `immutable` is set");
}

static const ck_column secret_columns[] = {
    CK_CORE_COL_NAME,
    {"Type", "string", "", "Used to facilitate programmatic handling of secret data.", 0},
    {"Data", "string", "",
     "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' "
     "or '.'.",
     0},
    CK_CORE_COL_AGE,
};

static void secret_row(const json_t *obj, json_t *cells)
{
    ck_row_name(obj, cells);
    ck_row_str(cells, ck_obj_str(obj, "type"));
    json_array_append_new(cells,
                          json_integer((json_int_t)json_object_size(json_object_get(obj, "data"))));
    ck_row_age(obj, cells);
}

static const char *const secret_fields[] = {"type", NULL};

const ck_rtype_def ck_reg_secret = {
    .group = "",
    .version = "v1",
    .plural = "secrets",
    .defaults = secret_defaults,
    .validate = secret_validate,
    .validate_update = secret_validate_update,
    .columns = secret_columns,
    .ncolumns = ARRAY_SIZE(secret_columns),
    .table_row = secret_row,
    .fields = secret_fields,
};
