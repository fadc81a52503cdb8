/* persistentvolumes (/v1): SetDefaults_PersistentVolume (Retain, Filesystem, Pending),
 * status Pending with a phase transition time on create, ValidatePersistentVolume(Update),
 * the printer and the legacy "name" field selector (pkg/registry/core/persistentvolume). */
#include <stdio.h>

#include "lib/util.h"
#include "registry/corefmt.h"
#include "registry/kinds.h"
#include "registry/podspec.h"

/* Keys of spec that are not the volume source. */
static const char *const non_source[] = {"accessModes",
                                         "capacity",
                                         "claimRef",
                                         "persistentVolumeReclaimPolicy",
                                         "storageClassName",
                                         "mountOptions",
                                         "volumeMode",
                                         "nodeAffinity",
                                         "volumeAttributesClassName",
                                         NULL};

static bool is_source_key(const char *k)
{
    for (const char *const *n = non_source; *n; n++)
        if (streq(*n, k)) return false;
    return true;
}

static void pv_defaults(json_t *obj)
{
    json_t *spec = ck_obj_ensure(obj, "spec");
    ck_obj_default_str(spec, "persistentVolumeReclaimPolicy", "Retain");
    ck_obj_default_str(spec, "volumeMode", "Filesystem");
    ck_obj_default_str(obj, "status.phase", "Pending");
    ck_resource_list_defaults(json_object_get(spec, "capacity"));
    json_t *hp = json_object_get(spec, "hostPath");
    if (json_is_object(hp)) ck_obj_default_str(hp, "type", "");
}

static void pv_prepare_create(json_t *obj)
{
    char now[32];
    rfc3339_now(now);
    json_object_set_new(
        obj, "status", json_pack("{s:s, s:s}", "phase", "Pending", "lastPhaseTransitionTime", now));
}

static const char *const access_modes[] = {"ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce",
                                           "ReadWriteOncePod", NULL};

void ck_pv_access_modes(const json_t *modes, const char *path, const char *required,
                        ck_field_errors *fe)
{
    if (!json_array_size(modes)) ck_ferr_required(fe, path, required);
    bool rwop = false, other = false;
    size_t i;
    json_t *m;
    json_array_foreach(modes, i, m)
    {
        const char *v = json_string_value(m);
        const char *const *a = access_modes;
        while (*a && !streq(*a, v))
            a++;
        if (!*a)
            ck_ferr_not_supported(fe, path, m, access_modes);
        else if (streq(v, "ReadWriteOncePod"))
            rwop = true;
        else
            other = true;
    }
    if (rwop && other)
        ck_ferr_forbidden(fe, path, "may not use ReadWriteOncePod with other access modes");
}

static void pv_validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *spec = json_object_get(obj, "spec");
    ck_pv_access_modes(json_object_get(spec, "accessModes"), "spec.accessModes", "", fe);
    const json_t *cap = json_object_get(spec, "capacity");
    if (!json_object_size(cap)) ck_ferr_required(fe, "spec.capacity", "");
    if (!json_object_get(cap, "storage") || json_object_size(cap) > 1) {
        static const char *const storage[] = {"storage", NULL};
        json_t *v = cap ? json_incref((json_t *)cap) : json_object();
        ck_ferr_not_supported(fe, "spec.capacity", v, storage);
        json_decref(v);
    }
    const char *k;
    json_t *v;
    char b[512];
    json_object_foreach((json_t *)cap, k, v)
    {
        ck_quantity q;
        snprintf(b, sizeof b, "spec.capacity[%s]", k);
        if (ck_json_quantity(v, &q) && q.mantissa <= 0) {
            char *s = ck_quantity_string(&q);
            ck_ferr_invalid_str(fe, b, s, "must be greater than zero");
            free(s);
        } else {
            ck_validate_quantity(k, v, b, fe);
        }
    }
    const json_t *rp = json_object_get(spec, "persistentVolumeReclaimPolicy");
    static const char *const policies[] = {"Delete", "Recycle", "Retain", NULL};
    if (json_string_length(rp) && !streq(json_string_value(rp), "Delete") &&
        !streq(json_string_value(rp), "Recycle") && !streq(json_string_value(rp), "Retain"))
        ck_ferr_not_supported(fe, "spec.persistentVolumeReclaimPolicy", rp, policies);
    int n = 0;
    json_object_foreach((json_t *)spec, k, v)
    {
        if (!is_source_key(k)) continue;
        snprintf(b, sizeof b, "spec.%s", k);
        if (n++) {
            ck_ferr_forbidden(fe, b, "may not specify more than 1 volume type");
            continue;
        }
        if ((streq(k, "hostPath") || streq(k, "local") || streq(k, "nfs")) &&
            !json_string_length(json_object_get(v, "path"))) {
            snprintf(b, sizeof b, "spec.%s.path", k);
            ck_ferr_required(fe, b, "");
        }
        if (streq(k, "nfs") && !json_string_length(json_object_get(v, "server")))
            ck_ferr_required(fe, "spec.nfs.server", "");
        if (streq(k, "local") && !json_object_get(spec, "nodeAffinity"))
            ck_ferr_required(fe, "spec.nodeAffinity", "Local volume requires node affinity");
        if (streq(k, "csi")) {
            if (!json_string_length(json_object_get(v, "driver")))
                ck_ferr_required(fe, "spec.csi.driver", "");
            if (!json_string_length(json_object_get(v, "volumeHandle")))
                ck_ferr_required(fe, "spec.csi.volumeHandle", "");
        }
    }
    if (!n) ck_ferr_required(fe, "spec", "must specify a volume type");
    const char *sc = ck_obj_str(spec, "storageClassName");
    ck_msgs m = {0};
    if (sc && *sc && ck_is_dns1123_subdomain(sc, &m))
        ck_ferr_invalid_msgs(fe, "spec.storageClassName", sc, &m);
    const json_t *vm = json_object_get(spec, "volumeMode");
    static const char *const modes[] = {"Block", "Filesystem", NULL};
    if (vm && !streq(json_string_value(vm), "Block") && !streq(json_string_value(vm), "Filesystem"))
        ck_ferr_not_supported(fe, "spec.volumeMode", vm, modes);
}

static void pv_validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    const json_t *ns = json_object_get(obj, "spec"), *os = json_object_get(old, "spec");
    json_t *a = json_object(), *b = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)ns, k, v) if (is_source_key(k)) json_object_set(a, k, v);
    json_object_foreach((json_t *)os, k, v) if (is_source_key(k)) json_object_set(b, k, v);
    if (!json_equal(a, b)) {
        char *na = json_dumps(a, JSON_COMPACT), *ob = json_dumps(b, JSON_COMPACT);
        char *d = xasprintf("spec.persistentvolumesource is immutable after creation\n- %s\n+ %s\n",
                            ob, na);
        ck_ferr_forbidden(fe, "spec.persistentvolumesource", d);
        free(d);
        free(na);
        free(ob);
    }
    json_decref(a);
    json_decref(b);
    if (!json_equal(json_object_get(ns, "volumeMode"), json_object_get(os, "volumeMode")))
        ck_ferr_invalid(fe, "volumeMode", json_object_get(ns, "volumeMode"), "field is immutable");
}

static const ck_column pv_columns[] = {
    CK_CORE_COL_NAME,
    {"Capacity", "string", "",
     "capacity is the description of the persistent volume's resources and capacity.", 0},
    {"Access Modes", "string", "", "accessModes contains all ways the volume can be mounted.", 0},
    {"Reclaim Policy", "string", "",
     "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from "
     "its claim.",
     0},
    {"Status", "string", "",
     "phase indicates if a volume is available, bound to a claim, or released by a claim.", 0},
    {"Claim", "string", "",
     "claimRef is part of a bi-directional binding between PersistentVolume and "
     "PersistentVolumeClaim.",
     0},
    {"StorageClass", "string", "", "StorageClass of the pv", 0},
    {"VolumeAttributesClass", "string", "", "VolumeAttributesClass of the pv", 0},
    {"Reason", "string", "",
     "reason is a brief CamelCase string that describes any failure and is meant for machine "
     "parsing and tidy display in the CLI.",
     0},
    CK_CORE_COL_AGE,
    {"VolumeMode", "string", "",
     "volumeMode defines if a volume is intended to be used with a formatted filesystem or to "
     "remain in raw block state.",
     1},
};

/* helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order. */
char *ck_pv_modes_string(const json_t *modes)
{
    static const char *const order[][2] = {{"ReadWriteOnce", "RWO"},
                                           {"ReadOnlyMany", "ROX"},
                                           {"ReadWriteMany", "RWX"},
                                           {"ReadWriteOncePod", "RWOP"}};
    char out[32] = "";
    for (size_t o = 0; o < 4; o++) {
        size_t i;
        json_t *m;
        bool has = false;
        json_array_foreach(modes, i, m) has |= streq(json_string_value(m), order[o][0]);
        if (!has) continue;
        if (*out) strcat(out, ",");
        strcat(out, order[o][1]);
    }
    return xstrdup(out);
}

char *ck_pv_quantity(const json_t *v)
{
    ck_quantity q;
    return ck_json_quantity(v, &q) ? ck_quantity_string(&q) : xstrdup("0");
}

static void pv_row(const json_t *obj, json_t *cells)
{
    const json_t *spec = json_object_get(obj, "spec");
    ck_row_name(obj, cells);
    ck_row_take(cells, ck_pv_quantity(ck_obj_get(spec, "capacity.storage")));
    ck_row_take(cells, ck_pv_modes_string(json_object_get(spec, "accessModes")));
    ck_row_str(cells, ck_obj_str(spec, "persistentVolumeReclaimPolicy"));
    const char *phase = ck_obj_str(obj, "status.phase");
    ck_row_str(cells, ck_obj_get(obj, "metadata.deletionTimestamp") ? "Terminating" : phase);
    const json_t *cr = json_object_get(spec, "claimRef");
    ck_row_take(cells,
                cr ? xasprintf("%s/%s",
                               ck_obj_str(cr, "namespace") ? ck_obj_str(cr, "namespace") : "",
                               ck_obj_str(cr, "name") ? ck_obj_str(cr, "name") : "")
                   : xstrdup(""));
    const char *ann = json_string_value(json_object_get(ck_obj_get(obj, "metadata.annotations"),
                                                        "volume.beta.kubernetes.io/storage-class"));
    ck_row_str(cells, ann ? ann : ck_obj_str(spec, "storageClassName"));
    const char *vac = ck_obj_str(spec, "volumeAttributesClassName");
    ck_row_str(cells, vac ? vac : "<unset>");
    ck_row_str(cells, ck_obj_str(obj, "status.reason"));
    ck_row_age(obj, cells);
    const char *vm = ck_obj_str(spec, "volumeMode");
    ck_row_str(cells, vm ? vm : "<unset>");
}

static const char *const pv_fields[] = {"name", NULL};

static char *pv_field(const json_t *obj, const char *field)
{
    (void)field;
    return xstrdup(ck_obj_str(obj, "metadata.name") ? ck_obj_str(obj, "metadata.name") : "");
}

const ck_rtype_def ck_reg_persistentvolume = {
    .group = "",
    .version = "v1",
    .plural = "persistentvolumes",
    .defaults = pv_defaults,
    .prepare_create = pv_prepare_create,
    .validate = pv_validate,
    .validate_update = pv_validate_update,
    .columns = pv_columns,
    .ncolumns = ARRAY_SIZE(pv_columns),
    .table_row = pv_row,
    .fields = pv_fields,
    .field_value = pv_field,
    .return_deleted = true,
};
