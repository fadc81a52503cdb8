/* replicationcontrollers (/v1): SetDefaults_ReplicationController (selector and labels
 * from the template labels, one replica), a generation bumped on spec changes, status
 * reset on create, ValidateReplicationController, the printer and the status.replicas
 * field selector (pkg/registry/core/replicationcontroller). */
#include <stdio.h>

#include "lib/util.h"
#include "registry/corefmt.h"
#include "registry/kinds.h"
#include "registry/podspec.h"

static void rc_defaults(json_t *obj)
{
    json_t *spec = ck_obj_ensure(obj, "spec");
    json_t *labels = ck_obj_get(spec, "template.metadata.labels");
    if (json_is_object(labels)) {
        if (!json_object_size(json_object_get(spec, "selector")))
            json_object_set_new(spec, "selector", json_deep_copy(labels));
        if (!json_object_size(ck_obj_get(obj, "metadata.labels")))
            json_object_set_new(ck_obj_ensure(obj, "metadata"), "labels", json_deep_copy(labels));
    }
    ck_obj_default_int(spec, "replicas", 1);
    ck_pod_template_defaults(json_object_get(spec, "template"));
}

static void rc_prepare_create(json_t *obj)
{
    json_object_set_new(obj, "status", json_pack("{s:i}", "replicas", 0));
}

static void nonneg(const json_t *spec, const char *key, ck_field_errors *fe)
{
    const json_t *v = json_object_get(spec, key);
    char p[64];
    snprintf(p, sizeof p, "spec.%s", key);
    if (json_integer_value(v) < 0) ck_ferr_invalid(fe, p, v, "must be greater than or equal to 0");
}

static void rc_validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *spec = json_object_get(obj, "spec");
    nonneg(spec, "minReadySeconds", fe);
    const json_t *sel = json_object_get(spec, "selector");
    if (!json_object_size(sel)) ck_ferr_required(fe, "spec.selector", "");
    nonneg(spec, "replicas", fe);
    const json_t *tmpl = json_object_get(spec, "template");
    if (!json_is_object(tmpl)) {
        ck_ferr_required(fe, "spec.template", "");
        return;
    }
    const json_t *labels = ck_obj_get(tmpl, "metadata.labels");
    const char *k;
    json_t *v;
    bool match = true;
    json_object_foreach((json_t *)sel, k, v) match &= json_equal(json_object_get(labels, k), v);
    if (json_object_size(sel) && !match) {
        char *shown = ck_go_string_map(json_is_object(labels) ? labels : NULL);
        ck_ferr_invalid_raw(fe, "spec.template.metadata.labels", shown,
                            "`selector` does not match template `labels`");
        free(shown);
    }
    ck_validate_pod_template(tmpl, "spec.template", fe);
    const json_t *rp = ck_obj_get(tmpl, "spec.restartPolicy");
    static const char *const always[] = {"Always", NULL};
    if (!streq(json_string_value(rp), "Always")) {
        json_t *shown = rp ? json_incref((json_t *)rp) : json_string("");
        ck_ferr_not_supported(fe, "spec.template.spec.restartPolicy", shown, always);
        json_decref(shown);
    }
    if (ck_obj_get(tmpl, "spec.activeDeadlineSeconds"))
        ck_ferr_forbidden(fe, "spec.template.spec.activeDeadlineSeconds",
                          "activeDeadlineSeconds in ReplicationController is not Supported");
}

static const ck_column rc_columns[] = {
    CK_CORE_COL_NAME,
    {"Desired", "integer", "", "Replicas is the number of desired replicas.", 0},
    {"Current", "integer", "", "Replicas is the most recently observed number of replicas.", 0},
    {"Ready", "integer", "", "The number of ready replicas for this replication controller.", 0},
    CK_CORE_COL_AGE,
    {"Containers", "string", "", "Names of each container in the template.", 1},
    {"Images", "string", "", "Images referenced by each container in the template.", 1},
    {"Selector", "string", "",
     "Selector is a label query over pods that should match the Replicas count.", 1},
};

static void rc_row(const json_t *obj, json_t *cells)
{
    ck_row_name(obj, cells);
    json_array_append_new(cells,
                          json_integer(json_integer_value(ck_obj_get(obj, "spec.replicas"))));
    json_array_append_new(cells,
                          json_integer(json_integer_value(ck_obj_get(obj, "status.replicas"))));
    json_array_append_new(
        cells, json_integer(json_integer_value(ck_obj_get(obj, "status.readyReplicas"))));
    ck_row_age(obj, cells);
    ck_fmt_containers(ck_obj_get(obj, "spec.template.spec.containers"), cells);
    ck_row_take(cells, ck_fmt_labels(ck_obj_get(obj, "spec.selector")));
}

static const char *const rc_fields[] = {"status.replicas", NULL};

static char *rc_field(const json_t *obj, const char *field)
{
    (void)field;
    return xasprintf("%lld", (long long)json_integer_value(ck_obj_get(obj, "status.replicas")));
}

const ck_rtype_def ck_reg_replicationcontroller = {
    .group = "",
    .version = "v1",
    .plural = "replicationcontrollers",
    .defaults = rc_defaults,
    .prepare_create = rc_prepare_create,
    .validate = rc_validate,
    .columns = rc_columns,
    .ncolumns = ARRAY_SIZE(rc_columns),
    .table_row = rc_row,
    .fields = rc_fields,
    .field_value = rc_field,
    .generation = true,
};
