/* statefulsets (apps/v1): SetDefaults_StatefulSet (including the claim templates' PVC
 * defaults), ValidateStatefulSetSpec / ValidateStatefulSetUpdate (only replicas, ordinals,
 * template, updateStrategy, persistentVolumeClaimRetentionPolicy and minReadySeconds may
 * change) and the stateful set printer. Names are DNS labels. As upstream, the pod
 * template's spec is not validated beyond labels, annotations and restart policy. */
#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/podspec.h"
#include "registry/workload.h"

static void defaults(json_t *obj)
{
    json_t *spec = ck_obj_ensure(obj, "spec");
    ck_obj_default_str(spec, "podManagementPolicy", "OrderedReady");
    json_t *us = ck_obj_ensure(spec, "updateStrategy");
    if (!ck_obj_str(us, "type")) {
        json_object_set_new(us, "type", json_string("RollingUpdate"));
        ck_obj_ensure(us, "rollingUpdate");
    }
    json_t *ru = json_object_get(us, "rollingUpdate");
    if (streq(ck_obj_str(us, "type"), "RollingUpdate") && json_is_object(ru))
        ck_obj_default_int(ru, "partition", 0);
    json_t *pol = ck_obj_ensure(spec, "persistentVolumeClaimRetentionPolicy");
    ck_obj_default_str(pol, "whenDeleted", "Retain");
    ck_obj_default_str(pol, "whenScaled", "Retain");
    ck_obj_default_int(spec, "replicas", 1);
    ck_obj_default_int(spec, "revisionHistoryLimit", 10);
    ck_obj_ensure(spec, "template.spec");
    ck_pod_template_defaults(json_object_get(spec, "template"));
    size_t i;
    json_t *pvc;
    json_array_foreach(json_object_get(spec, "volumeClaimTemplates"), i, pvc)
    {
        if (!json_is_object(pvc)) continue;
        ck_obj_default_str(ck_obj_ensure(pvc, "spec"), "volumeMode", "Filesystem");
        ck_resource_list_defaults(ck_obj_get(pvc, "spec.resources.requests"));
        ck_resource_list_defaults(ck_obj_get(pvc, "spec.resources.limits"));
        ck_obj_default_str(ck_obj_ensure(pvc, "status"), "phase", "Pending");
    }
}

static void validate_update_strategy(const json_t *us, ck_field_errors *fe)
{
    const char *type = ck_obj_str(us, "type");
    const json_t *ru = json_object_get(us, "rollingUpdate");
    if (!type || !*type) {
        ck_ferr_required(fe, "spec.updateStrategy", "");
    } else if (streq(type, "OnDelete")) {
        if (ru)
            ck_ferr_invalid(fe, "spec.updateStrategy.rollingUpdate", ru,
                            "only allowed for updateStrategy 'RollingUpdate'");
    } else if (streq(type, "RollingUpdate")) {
        if (!json_is_object(ru)) return;
        ck_validate_nonnegative(json_object_get(ru, "partition"),
                                "spec.updateStrategy.rollingUpdate.partition", fe);
        const json_t *mu = json_object_get(ru, "maxUnavailable");
        const char *p = "spec.updateStrategy.rollingUpdate.maxUnavailable";
        if (mu && !json_is_null(mu)) {
            ck_validate_int_or_percent(mu, p, fe);
            if (ck_int_or_percent(mu) == 0) ck_ferr_invalid(fe, p, mu, "cannot be 0");
            ck_validate_not_over_100(mu, p, fe);
        }
    } else {
        ck_ferr_invalid(fe, "spec.updateStrategy", us, "must be 'RollingUpdate' or 'OnDelete'");
    }
}

static void validate_retention(const json_t *pol, ck_field_errors *fe)
{
    static const char *const types[] = {"Retain", "Delete", NULL};
    static const char *const keys[] = {"whenDeleted", "whenScaled"};
    if (!json_is_object(pol)) return;
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        const json_t *v = json_object_get(pol, keys[i]);
        const char *s = json_string_value(v);
        if (streq(s, "Retain") || streq(s, "Delete")) continue;
        cleanup_free char *p = xasprintf("spec.persistentVolumeClaimRetentionPolicy.%s", keys[i]);
        json_t *val = v ? json_incref((json_t *)v) : json_string("");
        ck_ferr_not_supported(fe, p, val, types);
        json_decref(val);
    }
}

static void validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *spec = json_object_get(obj, "spec");
    const json_t *pmp = json_object_get(spec, "podManagementPolicy");
    const char *pm = json_string_value(pmp);
    if (!pm || !*pm)
        ck_ferr_required(fe, "spec.podManagementPolicy", "");
    else if (!streq(pm, "OrderedReady") && !streq(pm, "Parallel"))
        ck_ferr_invalid(fe, "spec.podManagementPolicy", pmp,
                        "must be 'OrderedReady' or 'Parallel'");
    validate_update_strategy(json_object_get(spec, "updateStrategy"), fe);
    validate_retention(json_object_get(spec, "persistentVolumeClaimRetentionPolicy"), fe);
    ck_validate_nonnegative(json_object_get(spec, "replicas"), "spec.replicas", fe);
    ck_validate_nonnegative(json_object_get(spec, "minReadySeconds"), "spec.minReadySeconds", fe);
    ck_validate_nonnegative(ck_obj_get(spec, "ordinals.start"), "spec.ordinals.start", fe);
    const json_t *sel = json_object_get(spec, "selector");
    ck_validate_required_selector(sel, "spec.selector", "statefulset", fe);
    const json_t *tmpl = json_object_get(spec, "template");
    if (!ck_selector_parses(sel)) {
        ck_ferr_invalid(fe, "spec.selector", sel, "");
    } else {
        bool empty = json_is_object(sel) &&
                     json_object_size(json_object_get(sel, "matchLabels")) +
                             json_array_size(json_object_get(sel, "matchExpressions")) ==
                         0;
        if (!empty) ck_validate_selector_match(sel, tmpl, "spec.template", fe);
        const json_t *meta = json_object_get(tmpl, "metadata");
        ck_validate_labels(json_object_get(meta, "labels"), "spec.template.labels", fe);
        ck_validate_annotations(json_object_get(meta, "annotations"), "spec.template.annotations",
                                fe);
    }
    ck_validate_restart_always(tmpl, "spec.template", "StatefulSet", fe);
}

static void validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    static const char *const changeable[] = {
        "replicas",        "template", "updateStrategy",
        "minReadySeconds", "ordinals", "persistentVolumeClaimRetentionPolicy"};
    const json_t *ospec = json_object_get(old, "spec");
    json_t *clone = json_deep_copy(json_object_get(obj, "spec"));
    if (!clone) clone = json_object();
    for (size_t i = 0; i < ARRAY_SIZE(changeable); i++) {
        json_t *ov = json_object_get(ospec, changeable[i]);
        if (ov)
            json_object_set(clone, changeable[i], ov);
        else
            json_object_del(clone, changeable[i]);
    }
    if (!ck_json_same(clone, ospec))
        ck_ferr_forbidden(fe, "spec",
                          "updates to statefulset spec for fields other than 'replicas', "
                          "'ordinals', 'template', 'updateStrategy', "
                          "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are "
                          "forbidden");
    json_decref(clone);
}

static const ck_column columns[] = {
    CK_COL_NAME,
    {"Ready", "string", "", "Number of the pod with ready state", 0},
    CK_COL_AGE,
    {"Containers", "string", "", "Names of each container in the template.", 1},
    {"Images", "string", "", "Images referenced by each container in the template.", 1},
};

static void table_row(const json_t *obj, json_t *cells)
{
    ck_cell_name(obj, cells);
    ck_cell_take(cells,
                 xasprintf("%lld/%lld", (long long)ck_obj_int(obj, "status.readyReplicas", 0),
                           (long long)ck_obj_int(obj, "spec.replicas", 0)));
    ck_cell_age(obj, cells);
    ck_cells_containers(ck_obj_get(obj, "spec.template.spec.containers"), cells);
}

const ck_rtype_def ck_reg_statefulset = {
    .group = "apps",
    .version = "v1",
    .plural = "statefulsets",
    .defaults = defaults,
    .validate = validate,
    .validate_update = validate_update,
    .validate_name = ck_name_is_dns_label,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = table_row,
    .generation = true,
};
