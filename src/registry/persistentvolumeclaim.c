/* persistentvolumeclaims (/v1): SetDefaults_PersistentVolumeClaim(Spec) (Filesystem,
 * Pending), ValidatePersistentVolumeClaim(Update) with upstream's spec immutability, the
 * printer and the legacy "name" field selector (pkg/registry/core/persistentvolumeclaim). */
#include <stdio.h>

#include "lib/util.h"
#include "registry/corefmt.h"
#include "registry/kinds.h"
#include "registry/podspec.h"

static void pvc_defaults(json_t *obj)
{
    json_t *spec = ck_obj_ensure(obj, "spec");
    ck_obj_default_str(spec, "volumeMode", "Filesystem");
    ck_obj_default_str(obj, "status.phase", "Pending");
    ck_resource_list_defaults(ck_obj_get(spec, "resources.requests"));
    ck_resource_list_defaults(ck_obj_get(spec, "resources.limits"));
    ck_resource_list_defaults(ck_obj_get(obj, "status.capacity"));
}

static void pvc_prepare_create(json_t *obj)
{
    json_object_set_new(obj, "status", json_object());
}

static void pvc_validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *spec = json_object_get(obj, "spec");
    ck_pv_access_modes(json_object_get(spec, "accessModes"), "spec.accessModes",
                       "at least 1 access mode is required", fe);
    ck_validate_label_selector(json_object_get(spec, "selector"), "spec.selector", fe);
    const json_t *st = ck_obj_get(spec, "resources.requests.storage");
    ck_quantity q;
    if (!st) {
        ck_ferr_required(fe, "spec.resources[storage]", "");
    } else if (ck_json_quantity(st, &q) && q.mantissa <= 0) {
        char *s = ck_quantity_string(&q);
        ck_ferr_invalid_str(fe, "spec.resources[storage]", s, "must be greater than zero");
        free(s);
    } else {
        ck_validate_quantity("storage", st, "spec.resources[storage]", fe);
    }
    const char *sc = ck_obj_str(spec, "storageClassName");
    ck_msgs m = {0};
    if (sc && *sc && ck_is_dns1123_subdomain(sc, &m))
        ck_ferr_invalid_msgs(fe, "spec.storageClassName", sc, &m);
    const json_t *vm = json_object_get(spec, "volumeMode");
    static const char *const modes[] = {"Block", "Filesystem", NULL};
    if (vm && !streq(json_string_value(vm), "Block") && !streq(json_string_value(vm), "Filesystem"))
        ck_ferr_not_supported(fe, "spec.volumeMode", vm, modes);
    static const char *const srcs[] = {"dataSource", "dataSourceRef"};
    for (size_t i = 0; i < ARRAY_SIZE(srcs); i++) {
        const json_t *ds = json_object_get(spec, srcs[i]);
        if (!ds) continue;
        char b[64];
        snprintf(b, sizeof b, "spec.%s.name", srcs[i]);
        if (!json_string_length(json_object_get(ds, "name"))) ck_ferr_required(fe, b, "");
        snprintf(b, sizeof b, "spec.%s.kind", srcs[i]);
        if (!json_string_length(json_object_get(ds, "kind"))) ck_ferr_required(fe, b, "");
        snprintf(b, sizeof b, "spec.%s", srcs[i]);
        if (!json_string_length(json_object_get(ds, "apiGroup")) &&
            !streq(ck_obj_str(ds, "kind"), "PersistentVolumeClaim"))
            ck_ferr_invalid(
                fe, b, json_object_get(ds, "kind"),
                "must be 'PersistentVolumeClaim' when referencing the default apiGroup");
    }
}

static void pvc_validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    const json_t *ns = json_object_get(obj, "spec"), *os = json_object_get(old, "spec");
    json_t *n = json_deep_copy(ns), *o = json_deep_copy(os);
    if (!json_string_length(json_object_get(os, "volumeName"))) { /* may be set once */
        json_object_del(n, "volumeName");
        json_object_del(o, "volumeName");
    }
    if (!json_object_get(os, "storageClassName")) json_object_del(n, "storageClassName");
    if (streq(ck_obj_str(obj, "status.phase"), "Bound")) { /* expansion */
        json_t *req = ck_obj_get(n, "resources.requests");
        if (json_is_object(req)) {
            json_t *ov = ck_obj_get(os, "resources.requests.storage");
            if (ov)
                json_object_set(req, "storage", ov);
            else
                json_object_del(req, "storage");
        }
        json_object_del(n, "volumeAttributesClassName");
        json_object_del(o, "volumeAttributesClassName");
    }
    if (!json_equal(n, o)) {
        char *a = json_dumps(o, JSON_COMPACT), *b = json_dumps(n, JSON_COMPACT);
        char *d = xasprintf("spec is immutable after creation except resources.requests and "
                            "volumeAttributesClassName for bound claims\n- %s\n+ %s\n",
                            a, b);
        ck_ferr_forbidden(fe, "spec", d);
        free(d);
        free(a);
        free(b);
    }
    json_decref(n);
    json_decref(o);
    ck_quantity nq, oq, sq;
    if (ck_json_quantity(ck_obj_get(ns, "resources.requests.storage"), &nq) &&
        ck_json_quantity(ck_obj_get(os, "resources.requests.storage"), &oq) &&
        ck_quantity_cmp(&nq, &oq) < 0) {
        if (!ck_json_quantity(ck_obj_get(old, "status.capacity.storage"), &sq))
            memset(&sq, 0, sizeof sq);
        if (ck_quantity_cmp(&nq, &sq) <= 0)
            ck_ferr_forbidden(fe, "spec.resources.requests.storage",
                              "field can not be less than status.capacity");
    }
    if (!json_equal(json_object_get(ns, "volumeMode"), json_object_get(os, "volumeMode")))
        ck_ferr_invalid(fe, "volumeMode", json_object_get(ns, "volumeMode"), "field is immutable");
}

static const ck_column pvc_columns[] = {
    CK_CORE_COL_NAME,
    {"Status", "string", "", "phase represents the current phase of PersistentVolumeClaim.", 0},
    {"Volume", "string", "",
     "volumeName is the binding reference to the PersistentVolume backing this claim.", 0},
    {"Capacity", "string", "", "capacity represents the actual resources of the underlying volume.",
     0},
    {"Access Modes", "string", "",
     "accessModes contains the actual access modes the volume backing the PVC has.", 0},
    {"StorageClass", "string", "", "StorageClass of the pvc", 0},
    {"VolumeAttributesClass", "string", "", "VolumeAttributesClass of the pvc", 0},
    CK_CORE_COL_AGE,
    {"VolumeMode", "string", "", "volumeMode defines what type of volume is required by the claim.",
     1},
};

static void pvc_row(const json_t *obj, json_t *cells)
{
    const json_t *spec = json_object_get(obj, "spec");
    const char *vol = ck_obj_str(spec, "volumeName");
    bool bound = vol && *vol;
    ck_row_name(obj, cells);
    ck_row_str(cells, ck_obj_get(obj, "metadata.deletionTimestamp")
                          ? "Terminating"
                          : ck_obj_str(obj, "status.phase"));
    ck_row_str(cells, vol);
    ck_row_take(cells,
                bound ? ck_pv_quantity(ck_obj_get(obj, "status.capacity.storage")) : xstrdup(""));
    ck_row_take(cells,
                bound ? ck_pv_modes_string(ck_obj_get(obj, "status.accessModes")) : xstrdup(""));
    const char *ann = json_string_value(json_object_get(ck_obj_get(obj, "metadata.annotations"),
                                                        "volume.beta.kubernetes.io/storage-class"));
    ck_row_str(cells, ann ? ann : ck_obj_str(spec, "storageClassName"));
    const char *vac = ck_obj_str(spec, "volumeAttributesClassName");
    ck_row_str(cells, vac ? vac : "<unset>");
    ck_row_age(obj, cells);
    const char *vm = ck_obj_str(spec, "volumeMode");
    ck_row_str(cells, vm ? vm : "<unset>");
}

static const char *const pvc_fields[] = {"name", NULL};

static char *pvc_field(const json_t *obj, const char *field)
{
    (void)field;
    return xstrdup(ck_obj_str(obj, "metadata.name") ? ck_obj_str(obj, "metadata.name") : "");
}

const ck_rtype_def ck_reg_persistentvolumeclaim = {
    .group = "",
    .version = "v1",
    .plural = "persistentvolumeclaims",
    .defaults = pvc_defaults,
    .prepare_create = pvc_prepare_create,
    .validate = pvc_validate,
    .validate_update = pvc_validate_update,
    .columns = pvc_columns,
    .ncolumns = ARRAY_SIZE(pvc_columns),
    .table_row = pvc_row,
    .fields = pvc_fields,
    .field_value = pvc_field,
    .return_deleted = true,
};
