/* daemonsets (apps/v1): SetDefaults_DaemonSet, the daemon set strategy (template
 * generation kept in the deprecated.daemonset.template.generation annotation, as the
 * apps/v1 conversion does; selector immutable) and ValidateDaemonSetSpec, with the columns
 * of the daemon set printer. */
#include <stdio.h>
#include <stdlib.h>

#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/podspec.h"
#include "registry/workload.h"

#define TEMPLATE_GENERATION "deprecated.daemonset.template.generation"

static void defaults(json_t *obj)
{
    json_t *spec = ck_obj_ensure(obj, "spec");
    json_t *us = ck_obj_ensure(spec, "updateStrategy");
    ck_obj_default_str(us, "type", "RollingUpdate");
    if (streq(ck_obj_str(us, "type"), "RollingUpdate")) {
        json_t *ru = ck_obj_ensure(us, "rollingUpdate");
        ck_obj_default_int(ru, "maxUnavailable", 1);
        ck_obj_default_int(ru, "maxSurge", 0);
    }
    ck_obj_default_int(spec, "revisionHistoryLimit", 10);
    ck_obj_ensure(spec, "template.spec");
    ck_pod_template_defaults(json_object_get(spec, "template"));
}

static long long template_generation(const json_t *obj)
{
    const char *v = json_string_value(
        json_object_get(ck_obj_get(obj, "metadata.annotations"), TEMPLATE_GENERATION));
    return v ? strtoll(v, NULL, 10) : 0;
}

static void set_template_generation(json_t *obj, long long g)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", g);
    json_object_set_new(ck_obj_ensure(obj, "metadata.annotations"), TEMPLATE_GENERATION,
                        json_string(buf));
}

static void prepare_create(json_t *obj)
{
    long long g = template_generation(obj);
    set_template_generation(obj, g < 1 ? 1 : g);
}

/* The template generation is the server's: it follows the old one, plus one when the
 * (defaulted) template changes, which also bumps metadata.generation. */
static void prepare_update(json_t *obj, const json_t *old)
{
    defaults(obj);
    long long g = template_generation(old);
    if (!ck_json_same(ck_obj_get(obj, "spec.template"), ck_obj_get(old, "spec.template"))) {
        g++;
        json_object_set_new(ck_obj_ensure(obj, "metadata"), "generation",
                            json_integer(ck_obj_int(old, "metadata.generation", 0) + 1));
    }
    set_template_generation(obj, g);
}

static void validate_rolling_update(const json_t *ru, ck_field_errors *fe)
{
    const char *pmu = "spec.updateStrategy.rollingUpdate.maxUnavailable";
    const char *pms = "spec.updateStrategy.rollingUpdate.maxSurge";
    const json_t *mu = json_object_get(ru, "maxUnavailable"), *ms = json_object_get(ru, "maxSurge");
    ck_validate_int_or_percent(mu, pmu, fe);
    ck_validate_int_or_percent(ms, pms, fe);
    ck_validate_not_over_100(mu, pmu, fe);
    ck_validate_not_over_100(ms, pms, fe);
    bool has_u = ck_int_or_percent(mu) != 0, has_s = ck_int_or_percent(ms) != 0;
    if (has_u && has_s)
        ck_ferr_invalid(fe, pms, ms, "may not be set when maxUnavailable is non-zero");
    else if (!has_u && !has_s)
        ck_ferr_required(fe, pmu, "cannot be 0 when maxSurge is 0");
}

static void validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *spec = json_object_get(obj, "spec");
    const json_t *sel = json_object_get(spec, "selector");
    const json_t *tmpl = json_object_get(spec, "template");
    ck_validate_label_selector(sel, "spec.selector", fe);
    if (ck_selector_parses(sel)) ck_validate_selector_match(sel, tmpl, "spec.template", fe);
    if (json_is_object(sel) && json_object_size(json_object_get(sel, "matchLabels")) +
                                       json_array_size(json_object_get(sel, "matchExpressions")) ==
                                   0)
        ck_ferr_invalid(fe, "spec.selector", sel, "empty selector is invalid for daemonset");
    ck_validate_pod_template(tmpl, "spec.template", fe);
    ck_validate_restart_always(tmpl, "spec.template", "DaemonSet", fe);
    ck_validate_nonnegative(json_object_get(spec, "minReadySeconds"), "spec.minReadySeconds", fe);
    const json_t *us = json_object_get(spec, "updateStrategy");
    const char *type = ck_obj_str(us, "type");
    if (streq(type, "RollingUpdate")) {
        const json_t *ru = json_object_get(us, "rollingUpdate");
        if (!json_is_object(ru))
            ck_ferr_required(fe, "spec.updateStrategy.rollingUpdate", "");
        else
            validate_rolling_update(ru, fe);
    } else if (!streq(type, "OnDelete")) {
        static const char *const types[] = {"RollingUpdate", "OnDelete", NULL};
        ck_ferr_not_supported(fe, "spec.updateStrategy", us, types);
    }
    ck_validate_nonnegative(json_object_get(spec, "revisionHistoryLimit"),
                            "spec.revisionHistoryLimit", fe);
}

static void validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    ck_validate_immutable(ck_obj_get(obj, "spec.selector"), ck_obj_get(old, "spec.selector"),
                          "spec.selector", fe);
}

static const ck_column columns[] = {
    CK_COL_NAME,
    {"Desired", "integer", "", "The total number of nodes that should be running the daemon pod.",
     0},
    {"Current", "integer", "",
     "The number of nodes that are running at least 1 daemon pod and are supposed to run the "
     "daemon pod.",
     0},
    {"Ready", "integer", "",
     "numberReady is the number of nodes that should be running the daemon pod and have one or "
     "more of the daemon pod running with a Ready Condition.",
     0},
    {"Up-to-date", "integer", "", "The total number of nodes that are running updated daemon pod",
     0},
    {"Available", "integer", "",
     "The number of nodes that should be running the daemon pod and have one or more of the "
     "daemon pod running and available (ready for at least spec.minReadySeconds)",
     0},
    {"Node Selector", "string", "",
     "NodeSelector is a selector which must be true for the pod to fit on a node.", 0},
    CK_COL_AGE,
    {"Containers", "string", "", "Names of each container in the template.", 1},
    {"Images", "string", "", "Images referenced by each container in the template.", 1},
    {"Selector", "string", "", "A label query over pods that are managed by the daemon set.", 1},
};

static void table_row(const json_t *obj, json_t *cells)
{
    static const char *const counts[] = {"desiredNumberScheduled", "currentNumberScheduled",
                                         "numberReady", "updatedNumberScheduled",
                                         "numberAvailable"};
    const json_t *status = json_object_get(obj, "status");
    ck_cell_name(obj, cells);
    for (size_t i = 0; i < ARRAY_SIZE(counts); i++)
        json_array_append_new(cells, json_integer(ck_obj_int(status, counts[i], 0)));
    ck_cell_take(cells, ck_format_labels(ck_obj_get(obj, "spec.template.spec.nodeSelector")));
    ck_cell_age(obj, cells);
    ck_cells_containers(ck_obj_get(obj, "spec.template.spec.containers"), cells);
    ck_cell_take(cells, ck_format_label_selector(ck_obj_get(obj, "spec.selector")));
}

const ck_rtype_def ck_reg_daemonset = {
    .group = "apps",
    .version = "v1",
    .plural = "daemonsets",
    .defaults = defaults,
    .prepare_create = prepare_create,
    .prepare_update = prepare_update,
    .validate = validate,
    .validate_update = validate_update,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = table_row,
    .generation = true,
};
