/* jobs (batch/v1): SetDefaults_Job, the job strategy (a selector on the job's uid is
 * generated unless manualSelector, with the matching template labels), ValidateJob /
 * ValidateJobUpdate for the common rules, the job printer (1.32+ STATUS column) and the
 * status.successful field selector. */
#include <stdio.h>

#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/podspec.h"
#include "registry/workload.h"

#define UID_LABEL "batch.kubernetes.io/controller-uid"
#define NAME_LABEL "batch.kubernetes.io/job-name"
#define LEGACY_UID_LABEL "controller-uid"
#define LEGACY_NAME_LABEL "job-name"

static void defaults(json_t *obj)
{
    json_t *spec = ck_obj_ensure(obj, "spec");
    if (!json_object_get(spec, "completions") && !json_object_get(spec, "parallelism"))
        json_object_set_new(spec, "completions", json_integer(1));
    ck_obj_default_int(spec, "parallelism", 1);
    ck_obj_default_int(spec, "backoffLimit",
                       json_object_get(spec, "backoffLimitPerIndex") ? 2147483647 : 6);
    json_t *tlabels = ck_obj_get(spec, "template.metadata.labels");
    json_t *meta = ck_obj_ensure(obj, "metadata");
    if (json_is_object(tlabels) && json_object_size(json_object_get(meta, "labels")) == 0)
        json_object_set_new(meta, "labels", json_deep_copy(tlabels));
    ck_obj_default_str(spec, "completionMode", "NonIndexed");
    ck_obj_default_bool(spec, "suspend", false);
    size_t i, j;
    json_t *rule, *pat;
    json_array_foreach(ck_obj_get(spec, "podFailurePolicy.rules"), i, rule)
        json_array_foreach(json_object_get(rule, "onPodConditions"), j,
                           pat) if (json_is_object(pat)) ck_obj_default_str(pat, "status", "True");
    ck_obj_default_str(spec, "podReplacementPolicy",
                       json_object_get(spec, "podFailurePolicy") ? "Failed"
                                                                 : "TerminatingOrFailed");
    ck_obj_default_bool(spec, "manualSelector", false);
    ck_obj_ensure(spec, "template.spec");
    ck_pod_template_defaults(json_object_get(spec, "template"));
}

static void label_default(json_t *labels, const char *key, const char *value)
{
    if (!json_object_get(labels, key)) json_object_set_new(labels, key, json_string(value));
}

/* generateSelector: pods carry the job's name and uid; the selector picks the uid. */
static void prepare_create(json_t *obj)
{
    json_t *spec = ck_obj_ensure(obj, "spec");
    if (json_is_true(json_object_get(spec, "manualSelector"))) return;
    const char *name = ck_obj_str(obj, "metadata.name"), *uid = ck_obj_str(obj, "metadata.uid");
    json_t *labels = ck_obj_ensure(spec, "template.metadata.labels");
    label_default(labels, LEGACY_NAME_LABEL, name ? name : "");
    label_default(labels, NAME_LABEL, name ? name : "");
    label_default(labels, LEGACY_UID_LABEL, uid ? uid : "");
    label_default(labels, UID_LABEL, uid ? uid : "");
    label_default(ck_obj_ensure(spec, "selector.matchLabels"), UID_LABEL, uid ? uid : "");
}

static void has_label(const json_t *tmpl, const char *key, const char *want, ck_field_errors *fe)
{
    const json_t *labels = ck_obj_get(tmpl, "metadata.labels");
    const char *have = json_string_value(json_object_get(labels, key));
    cleanup_free char *p = xasprintf("spec.template.metadata.labels[%s]", key);
    if (!have) {
        ck_ferr_required(fe, p, want);
    } else if (!streq(have, want)) {
        cleanup_free char *d = xasprintf("must be '%s'", want);
        ck_ferr_invalid(fe, p, labels, d);
    }
}

/* validateGeneratedSelector. */
static void validate_generated_selector(const json_t *obj, ck_field_errors *fe)
{
    const json_t *spec = json_object_get(obj, "spec");
    const json_t *tmpl = json_object_get(spec, "template");
    if (json_is_true(json_object_get(spec, "manualSelector")) ||
        !json_is_object(ck_obj_get(tmpl, "metadata.labels")))
        return;
    const char *uid = ck_obj_str(obj, "metadata.uid"), *name = ck_obj_str(obj, "metadata.name");
    if (!uid || !*uid) ck_ferr_required(fe, "metadata.uid", "");
    has_label(tmpl, UID_LABEL, uid ? uid : "", fe);
    has_label(tmpl, NAME_LABEL, name ? name : "", fe);
    has_label(tmpl, LEGACY_UID_LABEL, uid ? uid : "", fe);
    has_label(tmpl, LEGACY_NAME_LABEL, name ? name : "", fe);
    json_t *expected = json_pack("{s:{s:{s:s, s:s}}}", "metadata", "labels", UID_LABEL,
                                 uid ? uid : "", LEGACY_UID_LABEL, uid ? uid : "");
    const json_t *sel = json_object_get(spec, "selector");
    ck_field_errors *tmp = ck_ferrs_new();
    if (ck_selector_parses(sel)) ck_validate_selector_match(sel, expected, "x", tmp);
    if (!ck_ferrs_empty(tmp))
        ck_ferr_invalid(fe, "spec.selector", sel, "`selector` not auto-generated");
    ck_ferrs_free(tmp);
    json_decref(expected);
}

void ck_validate_job_spec_common(const json_t *spec, const char *path, ck_field_errors *fe)
{
    static const char *const counts[] = {"parallelism", "completions", "activeDeadlineSeconds",
                                         "backoffLimit", "ttlSecondsAfterFinished"};
    for (size_t i = 0; i < ARRAY_SIZE(counts); i++) {
        cleanup_free char *p = ck_path(path, counts[i]);
        ck_validate_nonnegative(json_object_get(spec, counts[i]), p, fe);
    }
    const json_t *mode = json_object_get(spec, "completionMode");
    if (mode && !streq(json_string_value(mode), "NonIndexed") &&
        !streq(json_string_value(mode), "Indexed")) {
        static const char *const modes[] = {"NonIndexed", "Indexed", NULL};
        cleanup_free char *p = ck_path(path, "completionMode");
        ck_ferr_not_supported(fe, p, mode, modes);
    }
    if (streq(json_string_value(mode), "Indexed") && !json_object_get(spec, "completions")) {
        cleanup_free char *p = ck_path(path, "completions");
        ck_ferr_required(fe, p, "when completion mode is Indexed");
    }
    const json_t *prp = json_object_get(spec, "podReplacementPolicy");
    if (prp && !streq(json_string_value(prp), "Failed") &&
        !streq(json_string_value(prp), "TerminatingOrFailed")) {
        static const char *const policies[] = {"Failed", "TerminatingOrFailed", NULL};
        cleanup_free char *p = ck_path(path, "podReplacementPolicy");
        ck_ferr_not_supported(fe, p, prp, policies);
    }
    const json_t *tmpl = json_object_get(spec, "template");
    cleanup_free char *tp = ck_path(path, "template");
    ck_validate_pod_template(tmpl, tp, fe);
    const json_t *rp = ck_obj_get(tmpl, "spec.restartPolicy");
    const char *r = json_string_value(rp);
    cleanup_free char *rpp = ck_path(path, "template.spec.restartPolicy");
    if (!r || !*r || streq(r, "Always")) {
        /* Upstream treats Always like a missing value here. */
        ck_ferr_required(fe, rpp, "valid values: \"OnFailure\", \"Never\"");
    } else if (!streq(r, "OnFailure") && !streq(r, "Never")) {
        static const char *const ok[] = {"OnFailure", "Never", NULL};
        ck_ferr_not_supported(fe, rpp, rp, ok);
    } else if (streq(r, "OnFailure") && json_object_get(spec, "podFailurePolicy")) {
        ck_ferr_invalid(fe, rpp, rp,
                        "only \"Never\" is supported when podFailurePolicy is specified");
    }
}

static void validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *spec = json_object_get(obj, "spec");
    validate_generated_selector(obj, fe);
    ck_validate_job_spec_common(spec, "spec", fe);
    const json_t *sel = json_object_get(spec, "selector");
    if (!json_is_object(sel))
        ck_ferr_required(fe, "spec.selector", "");
    else
        ck_validate_label_selector(sel, "spec.selector", fe);
    if (ck_selector_parses(sel) && json_is_object(sel))
        ck_validate_selector_match(sel, json_object_get(spec, "template"), "spec.template", fe);
}

/* Scheduling directives may change while a suspended job has never started. */
static json_t *template_without_scheduling(const json_t *tmpl)
{
    static const char *const keys[] = {"nodeSelector", "affinity", "tolerations",
                                       "schedulingGates"};
    json_t *c = json_deep_copy(tmpl);
    json_object_del(json_object_get(c, "metadata"), "labels");
    json_object_del(json_object_get(c, "metadata"), "annotations");
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
        json_object_del(json_object_get(c, "spec"), keys[i]);
    return c;
}

static void validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    static const char *const fixed[] = {"selector",         "completionMode",
                                        "podFailurePolicy", "backoffLimitPerIndex",
                                        "managedBy",        "successPolicy"};
    const json_t *spec = json_object_get(obj, "spec"), *ospec = json_object_get(old, "spec");
    const json_t *c = json_object_get(spec, "completions");
    bool indexed = streq(ck_obj_str(spec, "completionMode"), "Indexed") &&
                   streq(ck_obj_str(ospec, "completionMode"), "Indexed");
    if (!indexed) {
        ck_validate_immutable(c, json_object_get(ospec, "completions"), "spec.completions", fe);
    } else if (!ck_json_same(c, json_object_get(ospec, "completions")) &&
               !ck_json_same(c, json_object_get(spec, "parallelism"))) {
        ck_ferr_invalid(fe, "spec.completions", c,
                        "can only be modified in tandem with spec.parallelism");
    }
    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
        cleanup_free char *p = ck_path("spec", fixed[i]);
        ck_validate_immutable(json_object_get(spec, fixed[i]), json_object_get(ospec, fixed[i]), p,
                              fe);
    }
    const json_t *t = json_object_get(spec, "template"), *ot = json_object_get(ospec, "template");
    if (json_is_true(json_object_get(ospec, "suspend")) && !ck_obj_get(old, "status.startTime")) {
        json_t *a = template_without_scheduling(t), *b = template_without_scheduling(ot);
        if (!ck_json_same(a, b)) ck_ferr_invalid(fe, "spec.template", t, "field is immutable");
        json_decref(a);
        json_decref(b);
    } else {
        ck_validate_immutable(t, ot, "spec.template", fe);
    }
}

static const ck_column columns[] = {
    CK_COL_NAME,
    {"Status", "string", "", "Status of the job.", 0},
    {"Completions", "string", "", "The number of pods which reached phase Succeeded.", 0},
    {"Duration", "string", "", "Time required to complete the job.", 0},
    CK_COL_AGE,
    {"Containers", "string", "", "Names of each container in the template.", 1},
    {"Images", "string", "", "Images referenced by each container in the template.", 1},
    {"Selector", "string", "", "A label query over pods that should match the pod count.", 1},
};

/* hasJobCondition: the first condition of the type, with status True. */
static bool has_condition(const json_t *obj, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(
        ck_obj_get(obj, "status.conditions"), i,
        c) if (streq(ck_obj_str(c, "type"), type)) return streq(ck_obj_str(c, "status"), "True");
    return false;
}

static const char *job_status(const json_t *obj)
{
    if (has_condition(obj, "Complete")) return "Complete";
    if (has_condition(obj, "Failed")) return "Failed";
    if (ck_obj_get(obj, "metadata.deletionTimestamp")) return "Terminating";
    if (has_condition(obj, "Suspended")) return "Suspended";
    if (has_condition(obj, "FailureTarget")) return "FailureTarget";
    return "Running";
}

static void table_row(const json_t *obj, json_t *cells)
{
    long long ok = (long long)ck_obj_int(obj, "status.succeeded", 0);
    const json_t *completions = ck_obj_get(obj, "spec.completions");
    long long par = (long long)ck_obj_int(obj, "spec.parallelism", 0);
    ck_cell_name(obj, cells);
    ck_cell_str(cells, job_status(obj));
    if (json_is_integer(completions))
        ck_cell_take(cells, xasprintf("%lld/%lld", ok, (long long)json_integer_value(completions)));
    else if (par > 1)
        ck_cell_take(cells, xasprintf("%lld/1 of %lld", ok, par));
    else
        ck_cell_take(cells, xasprintf("%lld/1", ok));
    int64_t start, end;
    if (!ck_parse_time(ck_obj_str(obj, "status.startTime"), &start))
        ck_cell_str(cells, "");
    else if (!ck_parse_time(ck_obj_str(obj, "status.completionTime"), &end))
        ck_cell_take(cells, ck_since(ck_obj_str(obj, "status.startTime")));
    else
        ck_cell_take(cells, ck_human_duration(end - start));
    ck_cell_age(obj, cells);
    ck_cells_containers(ck_obj_get(obj, "spec.template.spec.containers"), cells);
    ck_cell_take(cells, ck_format_label_selector(ck_obj_get(obj, "spec.selector")));
}

static const char *const fields[] = {"status.successful", NULL};

static char *field_value(const json_t *obj, const char *field)
{
    (void)field;
    return xasprintf("%lld", (long long)ck_obj_int(obj, "status.succeeded", 0));
}

const ck_rtype_def ck_reg_job = {
    .group = "batch",
    .version = "v1",
    .plural = "jobs",
    .defaults = defaults,
    .prepare_create = prepare_create,
    .validate = validate,
    .validate_update = validate_update,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = table_row,
    .fields = fields,
    .field_value = field_value,
    .generation = true,
};
