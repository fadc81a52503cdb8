/* leases (coordination.k8s.io/v1): ValidateLeaseSpec's common rules and the lease printer. */
#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/workload.h"

static void validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *spec = json_object_get(obj, "spec");
    const json_t *d = json_object_get(spec, "leaseDurationSeconds");
    const json_t *t = json_object_get(spec, "leaseTransitions");
    if (json_is_integer(d) && json_integer_value(d) <= 0)
        ck_ferr_invalid(fe, "spec.leaseDurationSeconds", d, "must be greater than 0");
    if (json_is_integer(t) && json_integer_value(t) < 0)
        ck_ferr_invalid(fe, "spec.leaseTransitions", t, "must be greater than or equal to 0");
    const json_t *strategy = json_object_get(spec, "strategy");
    const char *sv = json_string_value(strategy);
    if (sv && !strchr(sv, '/') && !streq(sv, "OldestEmulationVersion")) {
        static const char *const known[] = {"OldestEmulationVersion", NULL};
        ck_ferr_not_supported(fe, "spec.strategy", strategy, known);
    } else if (sv && strchr(sv, '/')) {
        ck_msgs m = {0};
        ck_is_qualified_name(sv, &m);
        ck_ferr_invalid_msgs(fe, "spec.strategy", sv, &m);
    }
    const char *pref = ck_obj_str(spec, "preferredHolder");
    const char *holder = ck_obj_str(spec, "holderIdentity");
    if (pref && *pref && (!holder || !*holder))
        ck_ferr_forbidden(fe, "spec.preferredHolder",
                          "may only be specified if `holderIdentity` is specified");
}

static const ck_column columns[] = {
    CK_COL_NAME,
    {"Holder", "string", "",
     "holderIdentity contains the identity of the holder of a current lease.", 0},
    CK_COL_AGE,
};

static void table_row(const json_t *obj, json_t *cells)
{
    ck_cell_name(obj, cells);
    ck_cell_str(cells, ck_obj_str(obj, "spec.holderIdentity"));
    ck_cell_age(obj, cells);
}

const ck_rtype_def ck_reg_lease = {
    .group = "coordination.k8s.io",
    .version = "v1",
    .plural = "leases",
    .create_on_update = true,
    .validate = validate,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = table_row,
};
