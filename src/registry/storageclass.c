/* storageclasses (storage.k8s.io/v1): SetDefaults_StorageClass (reclaimPolicy Delete,
 * volumeBindingMode Immediate), ValidateStorageClass / ValidateStorageClassUpdate
 * (parameters, provisioner, reclaimPolicy and volumeBindingMode never change) and the
 * storage class printer ("(default)" after the default class's name). */
#include <ctype.h>

#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/workload.h"

static void defaults(json_t *obj)
{
    ck_obj_default_str(obj, "reclaimPolicy", "Delete");
    ck_obj_default_str(obj, "volumeBindingMode", "Immediate");
}

static void validate(const json_t *obj, ck_field_errors *fe)
{
    const char *prov = ck_obj_str(obj, "provisioner");
    if (!prov || !*prov) {
        ck_ferr_required(fe, "provisioner", "");
    } else {
        cleanup_free char *lower = xstrdup(prov);
        for (char *p = lower; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        ck_msgs m = {0};
        ck_is_qualified_name(lower, &m);
        ck_ferr_invalid_msgs(fe, "provisioner", lower, &m);
    }
    const json_t *params = json_object_get(obj, "parameters");
    if (json_object_size(params) > 512) {
        ck_ferr_too_long(fe, "parameters", 512);
    } else {
        size_t total = 0;
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)params, k, v)
        {
            if (!*k) ck_ferr_invalid_str(fe, "parameters", k, "field can not be empty.");
            total += strlen(k) + strlen(json_string_value(v) ? json_string_value(v) : "");
        }
        if (total > 256 * 1024) ck_ferr_too_long(fe, "parameters", 256 * 1024);
    }
    const json_t *rp = json_object_get(obj, "reclaimPolicy");
    const char *r = json_string_value(rp);
    if (r && *r && !streq(r, "Delete") && !streq(r, "Retain")) {
        static const char *const ok[] = {"Delete", "Retain", NULL};
        ck_ferr_not_supported(fe, "reclaimPolicy", rp, ok);
    }
    const json_t *vb = json_object_get(obj, "volumeBindingMode");
    const char *b = json_string_value(vb);
    if (!vb || json_is_null(vb)) {
        ck_ferr_required(fe, "volumeBindingMode", "");
    } else if (!streq(b, "Immediate") && !streq(b, "WaitForFirstConsumer")) {
        static const char *const ok[] = {"Immediate", "WaitForFirstConsumer", NULL};
        ck_ferr_not_supported(fe, "volumeBindingMode", vb, ok);
    }
}

static void validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    if (!ck_json_same(json_object_get(obj, "parameters"), json_object_get(old, "parameters")))
        ck_ferr_forbidden(fe, "parameters", "updates to parameters are forbidden.");
    if (!streq(ck_obj_str(obj, "provisioner") ? ck_obj_str(obj, "provisioner") : "",
               ck_obj_str(old, "provisioner") ? ck_obj_str(old, "provisioner") : ""))
        ck_ferr_forbidden(fe, "provisioner", "updates to provisioner are forbidden.");
    if (!ck_json_same(json_object_get(obj, "reclaimPolicy"), json_object_get(old, "reclaimPolicy")))
        ck_ferr_forbidden(fe, "reclaimPolicy", "updates to reclaimPolicy are forbidden.");
    ck_validate_immutable(json_object_get(obj, "volumeBindingMode"),
                          json_object_get(old, "volumeBindingMode"), "volumeBindingMode", fe);
}

static const ck_column columns[] = {
    CK_COL_NAME,
    {"Provisioner", "string", "", "provisioner indicates the type of the provisioner.", 0},
    {"ReclaimPolicy", "string", "",
     "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of "
     "this storage class. Defaults to Delete.",
     0},
    {"VolumeBindingMode", "string", "",
     "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.", 0},
    {"AllowVolumeExpansion", "string", "",
     "allowVolumeExpansion shows whether the storage class allow volume expand.", 0},
    CK_COL_AGE,
};

static void table_row(const json_t *obj, json_t *cells)
{
    const json_t *ann = ck_obj_get(obj, "metadata.annotations");
    const char *name = ck_obj_str(obj, "metadata.name");
    bool dflt = streq(json_string_value(
                          json_object_get(ann, "storageclass.kubernetes.io/is-default-class")),
                      "true") ||
                streq(json_string_value(
                          json_object_get(ann, "storageclass.beta.kubernetes.io/is-default-class")),
                      "true");
    const char *rp = ck_obj_str(obj, "reclaimPolicy"), *vb = ck_obj_str(obj, "volumeBindingMode");
    ck_cell_take(cells, xasprintf("%s%s", name ? name : "", dflt ? " (default)" : ""));
    ck_cell_str(cells, ck_obj_str(obj, "provisioner"));
    ck_cell_str(cells, rp ? rp : "Delete");
    ck_cell_str(cells, vb ? vb : "Immediate");
    json_array_append_new(cells,
                          json_boolean(json_is_true(json_object_get(obj, "allowVolumeExpansion"))));
    ck_cell_age(obj, cells);
}

const ck_rtype_def ck_reg_storageclass = {
    .group = "storage.k8s.io",
    .version = "v1",
    .plural = "storageclasses",
    .defaults = defaults,
    .validate = validate,
    .validate_update = validate_update,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = table_row,
};
