/* priorityclasses (scheduling.k8s.io/v1): SetDefaults_PriorityClass (preemptionPolicy
 * PreemptLowerPriority; value is a non-omitempty int32, so 0 when absent),
 * ValidatePriorityClass (system- names reserved, user values up to 1e9; value and
 * preemptionPolicy immutable) and the priority class printer. */
#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/workload.h"

static void defaults(json_t *obj)
{
    ck_obj_default_str(obj, "preemptionPolicy", "PreemptLowerPriority");
    ck_obj_default_int(obj, "value", 0);
}

static void validate(const json_t *obj, ck_field_errors *fe)
{
    static const struct {
        const char *name;
        json_int_t value;
    } system[] = {{"system-node-critical", 2000001000}, {"system-cluster-critical", 2000000000}};
    const char *name = ck_obj_str(obj, "metadata.name");
    json_int_t value = ck_obj_int(obj, "value", 0);
    bool global = json_is_true(json_object_get(obj, "globalDefault"));
    if (name && has_prefix(name, "system-")) {
        char *err = NULL;
        size_t i = 0;
        while (i < ARRAY_SIZE(system) && !streq(system[i].name, name))
            i++;
        if (i == ARRAY_SIZE(system))
            err = xasprintf("%s is not a known system priority class", name);
        else if (value != system[i].value)
            err = xasprintf("value of %s PriorityClass must be %lld", name,
                            (long long)system[i].value);
        else if (global)
            err = xasprintf("globalDefault of %s PriorityClass must be false", name);
        if (err) {
            cleanup_free char *d = xasprintf("priority class names with 'system-' prefix are "
                                             "reserved for system use only. error: %s",
                                             err);
            ck_ferr_forbidden(fe, "metadata.name", d);
            free(err);
        }
    } else if (value > 1000000000) {
        ck_ferr_forbidden(fe, "value",
                          "maximum allowed value of a user defined priority is 1000000000");
    }
    const json_t *pp = json_object_get(obj, "preemptionPolicy");
    const char *p = json_string_value(pp);
    if (pp && (!p || !*p)) {
        ck_ferr_required(fe, "preemptionPolicy", "");
    } else if (pp && !streq(p, "PreemptLowerPriority") && !streq(p, "Never")) {
        static const char *const ok[] = {"PreemptLowerPriority", "Never", NULL};
        ck_ferr_not_supported(fe, "preemptionPolicy", pp, ok);
    }
}

static void validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    if (ck_obj_int(obj, "value", 0) != ck_obj_int(old, "value", 0))
        ck_ferr_forbidden(fe, "value", "may not be changed in an update.");
    ck_validate_immutable(json_object_get(obj, "preemptionPolicy"),
                          json_object_get(old, "preemptionPolicy"), "preemptionPolicy", fe);
}

static const ck_column columns[] = {
    CK_COL_NAME,
    {"Value", "integer", "", "value represents the integer value of this priority class.", 0},
    {"Global-Default", "boolean", "",
     "globalDefault specifies whether this PriorityClass should be considered as the default "
     "priority for pods that do not have any priority class.",
     0},
    CK_COL_AGE,
    {"PreemptionPolicy", "string", "",
     "preemptionPolicy is the Policy for preempting pods with lower priority.", 0},
};

static void table_row(const json_t *obj, json_t *cells)
{
    ck_cell_name(obj, cells);
    ck_cell_int(cells, ck_obj_int(obj, "value", 0));
    json_array_append_new(cells, json_boolean(json_is_true(json_object_get(obj, "globalDefault"))));
    ck_cell_age(obj, cells);
    ck_cell_str(cells, ck_obj_str(obj, "preemptionPolicy"));
}

const ck_rtype_def ck_reg_priorityclass = {
    .group = "scheduling.k8s.io",
    .version = "v1",
    .plural = "priorityclasses",
    .defaults = defaults,
    .validate = validate,
    .validate_update = validate_update,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = table_row,
};
