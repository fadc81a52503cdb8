/* deployments (apps/v1): upstream's SetDefaults_Deployment, the deployment strategy
 * (generation bumped on spec or annotation changes, selector immutable) and
 * ValidateDeploymentSpec, with the columns of the deployment printer. */
#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/podspec.h"
#include "registry/workload.h"

static void defaults(json_t *obj)
{
    json_t *spec = ck_obj_ensure(obj, "spec");
    ck_obj_default_int(spec, "replicas", 1);
    json_t *st = ck_obj_ensure(spec, "strategy");
    ck_obj_default_str(st, "type", "RollingUpdate");
    if (streq(ck_obj_str(st, "type"), "RollingUpdate")) {
        json_t *ru = ck_obj_ensure(st, "rollingUpdate");
        ck_obj_default_str(ru, "maxUnavailable", "25%");
        ck_obj_default_str(ru, "maxSurge", "25%");
    }
    ck_obj_default_int(spec, "revisionHistoryLimit", 10);
    ck_obj_default_int(spec, "progressDeadlineSeconds", 600);
    ck_obj_ensure(spec, "template.spec");
    ck_pod_template_defaults(json_object_get(spec, "template"));
}

/* Annotations are copied to the ReplicaSets, so changing them bumps the generation too
 * (the store bumps it for spec changes). */
static void prepare_update(json_t *obj, const json_t *old)
{
    if (ck_json_same(ck_obj_get(obj, "metadata.annotations"),
                     ck_obj_get(old, "metadata.annotations")))
        return;
    json_object_set_new(ck_obj_ensure(obj, "metadata"), "generation",
                        json_integer(ck_obj_int(old, "metadata.generation", 0) + 1));
}

static void validate_strategy(const json_t *st, ck_field_errors *fe)
{
    static const char *const types[] = {"Recreate", "RollingUpdate", NULL};
    const char *type = ck_obj_str(st, "type");
    const json_t *ru = json_object_get(st, "rollingUpdate");
    if (streq(type, "Recreate")) {
        if (ru)
            ck_ferr_forbidden(fe, "spec.strategy.rollingUpdate",
                              "may not be specified when strategy `type` is 'Recreate'");
    } else if (streq(type, "RollingUpdate")) {
        if (!json_is_object(ru)) {
            ck_ferr_required(fe, "spec.strategy.rollingUpdate",
                             "this should be defaulted and never be nil");
            return;
        }
        const json_t *mu = json_object_get(ru, "maxUnavailable");
        const json_t *ms = json_object_get(ru, "maxSurge");
        ck_validate_int_or_percent(mu, "spec.strategy.rollingUpdate.maxUnavailable", fe);
        ck_validate_int_or_percent(ms, "spec.strategy.rollingUpdate.maxSurge", fe);
        if (ck_int_or_percent(mu) == 0 && ck_int_or_percent(ms) == 0)
            ck_ferr_invalid(fe, "spec.strategy.rollingUpdate.maxUnavailable", mu,
                            "may not be 0 when `maxSurge` is 0");
        ck_validate_not_over_100(mu, "spec.strategy.rollingUpdate.maxUnavailable", fe);
    } else {
        ck_ferr_not_supported(fe, "spec.strategy", st, types);
    }
}

static void validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *spec = json_object_get(obj, "spec");
    ck_validate_nonnegative(json_object_get(spec, "replicas"), "spec.replicas", fe);
    ck_validate_required_selector(json_object_get(spec, "selector"), "spec.selector", "deployment",
                                  fe);
    ck_validate_replica_template(spec, fe);
    validate_strategy(json_object_get(spec, "strategy"), fe);
    const json_t *mrs = json_object_get(spec, "minReadySeconds");
    ck_validate_nonnegative(mrs, "spec.minReadySeconds", fe);
    ck_validate_nonnegative(json_object_get(spec, "revisionHistoryLimit"),
                            "spec.revisionHistoryLimit", fe);
    const json_t *pds = json_object_get(spec, "progressDeadlineSeconds");
    if (json_is_integer(pds)) {
        ck_validate_nonnegative(pds, "spec.progressDeadlineSeconds", fe);
        if (json_integer_value(pds) <= ck_obj_int(spec, "minReadySeconds", 0))
            ck_ferr_invalid(fe, "spec.progressDeadlineSeconds", pds,
                            "must be greater than minReadySeconds");
    }
}

static void validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    ck_validate_immutable(ck_obj_get(obj, "spec.selector"), ck_obj_get(old, "spec.selector"),
                          "spec.selector", fe);
}

static const ck_column columns[] = {
    CK_COL_NAME,
    {"Ready", "string", "", "Number of the pod with ready state", 0},
    {"Up-to-date", "string", "",
     "Total number of non-terminating pods targeted by this deployment that have the desired "
     "template spec.",
     0},
    {"Available", "string", "",
     "Total number of available non-terminating pods (ready for at least minReadySeconds) "
     "targeted by this deployment.",
     0},
    CK_COL_AGE,
    {"Containers", "string", "", "Names of each container in the template.", 1},
    {"Images", "string", "", "Images referenced by each container in the template.", 1},
    {"Selector", "string", "", "Label selector for pods.", 1},
};

static void table_row(const json_t *obj, json_t *cells)
{
    ck_cell_name(obj, cells);
    ck_cell_take(cells,
                 xasprintf("%lld/%lld", (long long)ck_obj_int(obj, "status.readyReplicas", 0),
                           (long long)ck_obj_int(obj, "spec.replicas", 0)));
    json_array_append_new(cells, json_integer(ck_obj_int(obj, "status.updatedReplicas", 0)));
    json_array_append_new(cells, json_integer(ck_obj_int(obj, "status.availableReplicas", 0)));
    ck_cell_age(obj, cells);
    ck_cells_containers(ck_obj_get(obj, "spec.template.spec.containers"), cells);
    /* selector.String(): "" when it selects everything or nothing. */
    char *sel = ck_format_label_selector(ck_obj_get(obj, "spec.selector"));
    ck_cell_str(cells, streq(sel, "<none>") ? "" : streq(sel, "<error>") ? "<invalid>" : sel);
    free(sel);
}

const ck_rtype_def ck_reg_deployment = {
    .group = "apps",
    .version = "v1",
    .plural = "deployments",
    .defaults = defaults,
    .prepare_update = prepare_update,
    .validate = validate,
    .validate_update = validate_update,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = table_row,
    .generation = true,
};
