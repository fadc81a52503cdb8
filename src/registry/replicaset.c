/* replicasets (apps/v1): SetDefaults_ReplicaSet, ValidateReplicaSetSpec (selector
 * immutable in apps/v1), the replica set printer and the status.replicas field selector. */
#include <stdio.h>

#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/podspec.h"
#include "registry/workload.h"

static void defaults(json_t *obj)
{
    json_t *spec = ck_obj_ensure(obj, "spec");
    ck_obj_default_int(spec, "replicas", 1);
    ck_obj_ensure(spec, "template.spec");
    ck_pod_template_defaults(json_object_get(spec, "template"));
}

static void validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *spec = json_object_get(obj, "spec");
    ck_validate_nonnegative(json_object_get(spec, "replicas"), "spec.replicas", fe);
    ck_validate_nonnegative(json_object_get(spec, "minReadySeconds"), "spec.minReadySeconds", fe);
    /* Upstream's message says "deployment" for replica sets too. */
    ck_validate_required_selector(json_object_get(spec, "selector"), "spec.selector", "deployment",
                                  fe);
    ck_validate_replica_template(spec, fe);
}

static void validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    ck_validate_immutable(ck_obj_get(obj, "spec.selector"), ck_obj_get(old, "spec.selector"),
                          "spec.selector", fe);
}

static const ck_column columns[] = {
    CK_COL_NAME,
    {"Desired", "integer", "", "Replicas is the number of desired pods.", 0},
    {"Current", "integer", "",
     "Replicas is the most recently observed number of non-terminating pods.", 0},
    {"Ready", "integer", "",
     "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.", 0},
    CK_COL_AGE,
    {"Containers", "string", "", "Names of each container in the template.", 1},
    {"Images", "string", "", "Images referenced by each container in the template.", 1},
    {"Selector", "string", "",
     "Selector is a label query over pods that should match the replica count.", 1},
};

static void table_row(const json_t *obj, json_t *cells)
{
    ck_cell_name(obj, cells);
    json_array_append_new(cells, json_integer(ck_obj_int(obj, "spec.replicas", 0)));
    json_array_append_new(cells, json_integer(ck_obj_int(obj, "status.replicas", 0)));
    json_array_append_new(cells, json_integer(ck_obj_int(obj, "status.readyReplicas", 0)));
    ck_cell_age(obj, cells);
    ck_cells_containers(ck_obj_get(obj, "spec.template.spec.containers"), cells);
    ck_cell_take(cells, ck_format_label_selector(ck_obj_get(obj, "spec.selector")));
}

static const char *const fields[] = {"status.replicas", NULL};

/* status.replicas is an int32 that reads "0" when unset. */
static char *field_value(const json_t *obj, const char *field)
{
    (void)field;
    return xasprintf("%lld", (long long)ck_obj_int(obj, "status.replicas", 0));
}

const ck_rtype_def ck_reg_replicaset = {
    .group = "apps",
    .version = "v1",
    .plural = "replicasets",
    .defaults = defaults,
    .validate = validate,
    .validate_update = validate_update,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = table_row,
    .fields = fields,
    .field_value = field_value,
    .generation = true,
};
