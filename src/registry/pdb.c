/* poddisruptionbudgets (policy/v1): ValidatePodDisruptionBudgetSpec (minAvailable or
 * maxUnavailable as int-or-percent, selector, unhealthy pod eviction policy) and the PDB
 * printer. */
#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/workload.h"

static void validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *spec = json_object_get(obj, "spec");
    const json_t *min = json_object_get(spec, "minAvailable");
    const json_t *max = json_object_get(spec, "maxUnavailable");
    if (min && max && !json_is_null(min) && !json_is_null(max))
        ck_ferr_invalid(fe, "spec", spec, "minAvailable and maxUnavailable cannot be both set");
    if (min && !json_is_null(min)) {
        ck_validate_int_or_percent(min, "spec.minAvailable", fe);
        ck_validate_not_over_100(min, "spec.minAvailable", fe);
    }
    if (max && !json_is_null(max)) {
        ck_validate_int_or_percent(max, "spec.maxUnavailable", fe);
        ck_validate_not_over_100(max, "spec.maxUnavailable", fe);
    }
    ck_validate_label_selector(json_object_get(spec, "selector"), "spec.selector", fe);
    const json_t *pol = json_object_get(spec, "unhealthyPodEvictionPolicy");
    const char *p = json_string_value(pol);
    if (pol && !json_is_null(pol) && !streq(p, "AlwaysAllow") && !streq(p, "IfHealthyBudget")) {
        static const char *const ok[] = {"AlwaysAllow", "IfHealthyBudget", NULL};
        ck_ferr_not_supported(fe, "spec.unhealthyPodEvictionPolicy", pol, ok);
    }
}

static const ck_column columns[] = {
    CK_COL_NAME,
    {"Min Available", "string", "", "The minimum number of pods that must be available.", 0},
    {"Max Unavailable", "string", "", "The maximum number of pods that may be unavailable.", 0},
    {"Allowed Disruptions", "integer", "",
     "Calculated number of pods that may be disrupted at this time.", 0},
    CK_COL_AGE,
};

/* IntOrString.String(), or "N/A" when unset. */
static char *int_or_string(const json_t *v)
{
    if (json_is_integer(v)) return xasprintf("%lld", (long long)json_integer_value(v));
    if (json_is_string(v)) return xstrdup(json_string_value(v));
    return xstrdup("N/A");
}

static void table_row(const json_t *obj, json_t *cells)
{
    ck_cell_name(obj, cells);
    ck_cell_take(cells, int_or_string(ck_obj_get(obj, "spec.minAvailable")));
    ck_cell_take(cells, int_or_string(ck_obj_get(obj, "spec.maxUnavailable")));
    ck_cell_int(cells, ck_obj_int(obj, "status.disruptionsAllowed", 0));
    ck_cell_age(obj, cells);
}

const ck_rtype_def ck_reg_pdb = {
    .group = "policy",
    .version = "v1",
    .plural = "poddisruptionbudgets",
    .validate = validate,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = table_row,
    .generation = true,
};
