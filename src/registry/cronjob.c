/* cronjobs (batch/v1): SetDefaults_CronJob, ValidateCronJobCreate/Update (the schedule is
 * parsed as robfig/cron's standard parser does, with its error texts) and the cron job
 * printer. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/podspec.h"
#include "registry/workload.h"

static void defaults(json_t *obj)
{
    json_t *spec = ck_obj_ensure(obj, "spec");
    ck_obj_default_str(spec, "concurrencyPolicy", "Allow");
    ck_obj_default_bool(spec, "suspend", false);
    ck_obj_default_int(spec, "successfulJobsHistoryLimit", 3);
    ck_obj_default_int(spec, "failedJobsHistoryLimit", 1);
    ck_obj_ensure(spec, "jobTemplate.spec.template.spec");
    ck_pod_template_defaults(ck_obj_get(spec, "jobTemplate.spec.template"));
}

/* ---- cron expressions (robfig/cron v3, standard parser) -------------------------------- */

typedef struct bounds {
    long min, max;
    const char *const *names; /* names[i] is the value min + i */
} bounds;

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
                                          "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const dow_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

/* strconv.Atoi plus the non-negative rule; returns an error text or NULL. */
static char *parse_int(const char *s, long *out)
{
    const char *p = s + (*s == '+' || *s == '-');
    bool digits = *p != 0;
    for (const char *q = p; *q; q++)
        digits &= *q >= '0' && *q <= '9';
    cleanup_free char *q = ck_quote(s);
    if (!digits)
        return xasprintf("failed to parse int from %s: strconv.Atoi: parsing %s: invalid syntax", s,
                         q);
    if (strlen(p) > 18)
        return xasprintf(
            "failed to parse int from %s: strconv.Atoi: parsing %s: value out of range", s, q);
    *out = strtol(s, NULL, 10);
    if (*out < 0) return xasprintf("negative number (%ld) not allowed: %s", *out, s);
    return NULL;
}

static char *parse_int_or_name(const char *s, const bounds *b, long *out)
{
    for (size_t i = 0; b->names && b->names[i]; i++)
        if (strcasecmp(s, b->names[i]) == 0) {
            *out = b->min + (long)i;
            return NULL;
        }
    return parse_int(s, out);
}

static char *parse_range(const char *expr, const bounds *b)
{
    cleanup_free char *dup = xstrdup(expr);
    char *slash = strchr(dup, '/'), *step_s = NULL;
    if (slash) {
        *slash = 0;
        step_s = slash + 1;
        if (strchr(step_s, '/')) return xasprintf("too many slashes: %s", expr);
    }
    long start, end, step = 1;
    char *hyphen = strchr(dup, '-');
    bool single = !hyphen;
    char *err = NULL;
    if (hyphen) *hyphen = 0;
    bool star = streq(dup, "*") || streq(dup, "?");
    if (star) {
        start = b->min, end = b->max;
    } else {
        if ((err = parse_int_or_name(dup, b, &start))) return err;
        if (!hyphen)
            end = start;
        else if (strchr(hyphen + 1, '-'))
            return xasprintf("too many hyphens: %s", expr);
        else if ((err = parse_int_or_name(hyphen + 1, b, &end)))
            return err;
    }
    if (step_s) {
        if ((err = parse_int(step_s, &step))) return err;
        if (single && !star) end = b->max;
    }
    if (start < b->min)
        return xasprintf("beginning of range (%ld) below minimum (%ld): %s", start, b->min, expr);
    if (end > b->max)
        return xasprintf("end of range (%ld) above maximum (%ld): %s", end, b->max, expr);
    if (start > end)
        return xasprintf("beginning of range (%ld) beyond end of range (%ld): %s", start, end,
                         expr);
    if (step == 0) return xasprintf("step of range should be a positive number: %s", expr);
    return NULL;
}

static char *parse_field(const char *field, const bounds *b)
{
    cleanup_free char *dup = xstrdup(field);
    char *save = NULL;
    for (char *r = strtok_r(dup, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
        char *err = parse_range(r, b);
        if (err) return err;
    }
    return NULL;
}

/* time.ParseDuration's grammar, for "@every <duration>". */
static bool go_duration_ok(const char *s)
{
    static const char *const units[] = {"ns", "us", "µs", "μs", "ms", "s", "m", "h"};
    if (*s == '+' || *s == '-') s++;
    if (streq(s, "0")) return true;
    if (!*s) return false;
    while (*s) {
        const char *d = s;
        while ((*s >= '0' && *s <= '9') || *s == '.')
            s++;
        if (s == d) return false;
        size_t best = 0;
        for (size_t i = 0; i < ARRAY_SIZE(units); i++)
            if (strncmp(s, units[i], strlen(units[i])) == 0 && strlen(units[i]) > best)
                best = strlen(units[i]);
        if (!best) return false;
        s += best;
    }
    return true;
}

/* Returns NULL when spec parses, else robfig/cron's error text. */
static char *cron_parse(const char *spec)
{
    if (!*spec) return xstrdup("empty spec string");
    if (has_prefix(spec, "TZ=") || has_prefix(spec, "CRON_TZ=")) {
        const char *eq = strchr(spec, '='), *sp = strchr(spec, ' ');
        if (!sp) return xstrdup("provided bad location: missing schedule");
        cleanup_free char *loc = xstrndup(eq + 1, (size_t)(sp - eq - 1));
        cleanup_free char *path = xasprintf("/usr/share/zoneinfo/%s", loc);
        struct stat st;
        if (!*loc || strstr(loc, "..") || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            return xasprintf("provided bad location %s: unknown time zone %s", loc, loc);
        spec = sp;
        while (*spec == ' ')
            spec++;
    }
    if (*spec == '@') {
        static const char *const named[] = {"@yearly", "@annually", "@monthly", "@weekly",
                                            "@daily",  "@midnight", "@hourly"};
        for (size_t i = 0; i < ARRAY_SIZE(named); i++)
            if (streq(spec, named[i])) return NULL;
        if (has_prefix(spec, "@every ")) {
            const char *d = spec + 7;
            if (go_duration_ok(d)) return NULL;
            cleanup_free char *q = ck_quote(d);
            return xasprintf("failed to parse duration %s: time: invalid duration %s", spec, q);
        }
        return xasprintf("unrecognized descriptor: %s", spec);
    }
    char *fields[6];
    size_t n = 0, len = 3;
    cleanup_free char *dup = xstrdup(spec);
    char *save = NULL;
    for (char *f = strtok_r(dup, " \t\n\r\v\f", &save); f;
         f = strtok_r(NULL, " \t\n\r\v\f", &save)) {
        if (n < ARRAY_SIZE(fields)) fields[n] = f;
        n++;
        len += strlen(f) + 1;
    }
    if (n != 5) {
        /* Go prints the []string as "[a b c]". */
        cleanup_free char *list = xmalloc(len + strlen(spec));
        char *p = list;
        p += sprintf(p, "[");
        cleanup_free char *again = xstrdup(spec);
        char *s2 = NULL;
        size_t k = 0;
        for (char *f = strtok_r(again, " \t\n\r\v\f", &s2); f;
             f = strtok_r(NULL, " \t\n\r\v\f", &s2))
            p += sprintf(p, "%s%s", k++ ? " " : "", f);
        sprintf(p, "]");
        return xasprintf("expected exactly 5 fields, found %zu: %s", n, list);
    }
    const bounds b[5] = {
        {0, 59, NULL}, {0, 23, NULL}, {1, 31, NULL}, {1, 12, month_names}, {0, 6, dow_names}};
    for (size_t i = 0; i < 5; i++) {
        char *err = parse_field(fields[i], &b[i]);
        if (err) return err;
    }
    return NULL;
}

/* ---- validation --------------------------------------------------------------------------- */

static void validate_time_zone(const json_t *tzv, ck_field_errors *fe)
{
    if (!tzv || json_is_null(tzv)) return;
    const char *tz = json_string_value(tzv);
    if (!tz || !*tz) {
        ck_ferr_invalid(fe, "spec.timeZone", tzv, "timeZone must be nil or non-empty string");
        return;
    }
    if (strcasecmp(tz, "Local") == 0) {
        ck_ferr_invalid(fe, "spec.timeZone", tzv,
                        "timeZone must be an explicit time zone as defined in "
                        "https://www.iana.org/time-zones");
    }
    cleanup_free char *path = xasprintf("/usr/share/zoneinfo/%s", tz);
    struct stat st;
    bool bad = tz[0] == '-' || strstr(tz, "..") || strstr(tz, "/.") || tz[0] == '/' ||
               stat(path, &st) != 0 || !S_ISREG(st.st_mode);
    if (bad && strcasecmp(tz, "Local") != 0 && !streq(tz, "UTC")) {
        cleanup_free char *d = xasprintf("unknown time zone %s", tz);
        ck_ferr_invalid(fe, "spec.timeZone", tzv, d);
    }
}

/* Create and update share this; on update (the store has filled resourceVersion in) the
 * rules that depend on the old object run in validate_update. */
static void validate_spec(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    const json_t *spec = json_object_get(obj, "spec"), *ospec = json_object_get(old, "spec");
    const json_t *sched = json_object_get(spec, "schedule");
    const char *s = json_string_value(sched);
    if (!s || !*s) {
        ck_ferr_required(fe, "spec.schedule", "");
    } else {
        cleanup_free char *err = cron_parse(s);
        if (err) ck_ferr_invalid(fe, "spec.schedule", sched, err);
        bool allow_tz =
            old && strstr(ck_obj_str(ospec, "schedule") ? ck_obj_str(ospec, "schedule") : "", "TZ");
        const json_t *tz = json_object_get(spec, "timeZone");
        if (allow_tz && strstr(s, "TZ") && tz && !json_is_null(tz))
            ck_ferr_invalid(fe, "spec.schedule", sched,
                            "cannot use both timeZone field and TZ or CRON_TZ in schedule");
        else if (!allow_tz && strstr(s, "TZ"))
            ck_ferr_invalid(fe, "spec.schedule", sched,
                            "cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
    }
    ck_validate_nonnegative(json_object_get(spec, "startingDeadlineSeconds"),
                            "spec.startingDeadlineSeconds", fe);
    if (!old ||
        !ck_json_same(json_object_get(spec, "timeZone"), json_object_get(ospec, "timeZone")))
        validate_time_zone(json_object_get(spec, "timeZone"), fe);
    const json_t *cp = json_object_get(spec, "concurrencyPolicy");
    if (!json_string_value(cp) || !*json_string_value(cp)) {
        ck_ferr_required(fe, "spec.concurrencyPolicy", "");
    } else if (!streq(json_string_value(cp), "Allow") && !streq(json_string_value(cp), "Forbid") &&
               !streq(json_string_value(cp), "Replace")) {
        static const char *const policies[] = {"Allow", "Forbid", "Replace", NULL};
        ck_ferr_not_supported(fe, "spec.concurrencyPolicy", cp, policies);
    }
    const json_t *js = ck_obj_get(spec, "jobTemplate.spec");
    ck_validate_job_spec_common(js, "spec.jobTemplate.spec", fe);
    const json_t *sel = json_object_get(js, "selector");
    if (sel && !json_is_null(sel))
        ck_ferr_invalid(fe, "spec.jobTemplate.spec.selector", sel,
                        "`selector` will be auto-generated");
    const json_t *ms = json_object_get(js, "manualSelector");
    if (json_is_true(ms)) {
        static const char *const ok[] = {"nil", "false", NULL};
        ck_ferr_not_supported(fe, "spec.jobTemplate.spec.manualSelector", ms, ok);
    }
    ck_validate_nonnegative(json_object_get(spec, "successfulJobsHistoryLimit"),
                            "spec.successfulJobsHistoryLimit", fe);
    ck_validate_nonnegative(json_object_get(spec, "failedJobsHistoryLimit"),
                            "spec.failedJobsHistoryLimit", fe);
}

static void validate(const json_t *obj, ck_field_errors *fe)
{
    const char *rv = ck_obj_str(obj, "metadata.resourceVersion");
    if (rv && *rv) return; /* an update: validate_update has the old object */
    const char *name = ck_obj_str(obj, "metadata.name");
    /* The controller appends an 11-character suffix to job names. */
    if (name && strlen(name) > 52)
        ck_ferr_invalid_str(fe, "metadata.name", name, "must be no more than 52 characters");
    validate_spec(obj, NULL, fe);
}

static void validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    validate_spec(obj, old, fe);
}

static const ck_column columns[] = {
    CK_COL_NAME,
    {"Schedule", "string", "",
     "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.", 0},
    {"Timezone", "string", "", "The time zone name for the given schedule.", 0},
    {"Suspend", "boolean", "",
     "This flag tells the controller to suspend subsequent executions, it does not apply to "
     "already started executions.  Defaults to false.",
     0},
    {"Active", "integer", "", "A list of pointers to currently running jobs.", 0},
    {"Last Schedule", "string", "",
     "Information when was the last time the job was successfully scheduled.", 0},
    CK_COL_AGE,
    {"Containers", "string", "", "Names of each container in the template.", 1},
    {"Images", "string", "", "Images referenced by each container in the template.", 1},
    {"Selector", "string", "", "A label query over pods that should match the pod count.", 1},
};

static void table_row(const json_t *obj, json_t *cells)
{
    const json_t *suspend = ck_obj_get(obj, "spec.suspend");
    const char *tz = ck_obj_str(obj, "spec.timeZone");
    const char *last = ck_obj_str(obj, "status.lastScheduleTime");
    ck_cell_name(obj, cells);
    ck_cell_str(cells, ck_obj_str(obj, "spec.schedule"));
    ck_cell_str(cells, tz ? tz : "<none>");
    ck_cell_str(cells, !json_is_boolean(suspend) ? "<unset>"
                       : json_is_true(suspend)   ? "True"
                                                 : "False");
    ck_cell_int(cells, (json_int_t)json_array_size(ck_obj_get(obj, "status.active")));
    if (last)
        ck_cell_take(cells, ck_since(last));
    else
        ck_cell_str(cells, "<none>");
    ck_cell_age(obj, cells);
    ck_cells_containers(ck_obj_get(obj, "spec.jobTemplate.spec.template.spec.containers"), cells);
    ck_cell_take(cells,
                 ck_format_label_selector(ck_obj_get(obj, "spec.jobTemplate.spec.selector")));
}

const ck_rtype_def ck_reg_cronjob = {
    .group = "batch",
    .version = "v1",
    .plural = "cronjobs",
    .defaults = defaults,
    .validate = validate,
    .validate_update = validate_update,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = table_row,
    .generation = true,
};
