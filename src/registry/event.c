/* events: core v1 (legacy validation only, as upstream does for that version) and
 * events.k8s.io/v1 (legacy plus the strict rules: eventTime, type, no deprecated fields;
 * most fields immutable). Both use the core event printer and field selectors (the
 * events.k8s.io names are upstream's field-label conversions). Error paths use the core
 * field names, as upstream validates the internal object. */
#include <ctype.h>

#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/workload.h"

/* JSON names of the fields that differ between the two versions. */
typedef struct names {
    const char *involved, *message, *source, *first, *last, *count, *controller;
} names;

static const names core_names = {"involvedObject",    "message",       "source",
                                 "firstTimestamp",    "lastTimestamp", "count",
                                 "reportingComponent"};
static const names v1_names = {"regarding",
                               "note",
                               "deprecatedSource",
                               "deprecatedFirstTimestamp",
                               "deprecatedLastTimestamp",
                               "deprecatedCount",
                               "reportingController"};

static size_t len_of(const json_t *obj, const char *key)
{
    const char *s = ck_obj_str(obj, key);
    return s ? strlen(s) : 0;
}

static void at_most(const json_t *obj, const char *key, const char *path, size_t max,
                    ck_field_errors *fe)
{
    if (len_of(obj, key) <= max) return;
    cleanup_free char *d = xasprintf("can have at most %zu characters", max);
    ck_ferr_invalid_str(fe, path, "", d);
}

/* legacyValidateEvent. */
static void validate_legacy(const json_t *obj, const names *n, const char *controller_path,
                            ck_field_errors *fe)
{
    const char *ns = ck_obj_str(obj, "metadata.namespace");
    const json_t *inv = json_object_get(obj, n->involved);
    const char *ins = ck_obj_str(inv, "namespace");
    if (!ns) ns = "";
    if (!ins) ins = "";
    const char *et = ck_obj_str(obj, "eventTime");
    if (!et || !*et) {
        if (*ins ? !streq(ns, ins) : *ns && !streq(ns, "default"))
            ck_ferr_invalid_str(fe, "involvedObject.namespace", ins,
                                "does not match event.namespace");
    } else {
        if (!*ins && !streq(ns, "default") && !streq(ns, "kube-system"))
            ck_ferr_invalid_str(fe, "involvedObject.namespace", ins,
                                "does not match event.namespace");
        const char *rc = ck_obj_str(obj, n->controller);
        if (!rc || !*rc) ck_ferr_required(fe, controller_path, "");
        ck_msgs m = {0};
        ck_is_qualified_name(rc ? rc : "", &m);
        ck_ferr_invalid_msgs(fe, controller_path, rc ? rc : "", &m);
        if (!len_of(obj, "reportingInstance")) ck_ferr_required(fe, "reportingInstance", "");
        at_most(obj, "reportingInstance", "reportingInstance", 128, fe);
        if (!len_of(obj, "action")) ck_ferr_required(fe, "action", "");
        at_most(obj, "action", "action", 128, fe);
        if (!len_of(obj, "reason")) ck_ferr_required(fe, "reason", "");
        at_most(obj, "reason", "reason", 128, fe);
        at_most(obj, n->message, "message", 1024, fe);
    }
    ck_msgs m = {0};
    ck_is_dns1123_subdomain(ns, &m);
    ck_ferr_invalid_msgs(fe, "namespace", ns, &m);
}

static void validate_core(const json_t *obj, ck_field_errors *fe)
{
    validate_legacy(obj, &core_names, "reportingComponent", fe);
}

static void validate_series(const json_t *obj, ck_field_errors *fe)
{
    const json_t *s = json_object_get(obj, "series");
    if (!json_is_object(s)) return;
    if (ck_obj_int(s, "count", 0) < 2)
        ck_ferr_invalid_str(fe, "series.count", "", "should be at least 2");
    if (!ck_obj_str(s, "lastObservedTime")) ck_ferr_required(fe, "series.lastObservedTime", "");
}

static void validate_v1(const json_t *obj, ck_field_errors *fe)
{
    validate_legacy(obj, &v1_names, "reportingController", fe);
    const char *rv = ck_obj_str(obj, "metadata.resourceVersion");
    if (rv && *rv) return; /* an update: see validate_v1_update */
    validate_series(obj, fe);
    if (!ck_obj_str(obj, "eventTime")) ck_ferr_required(fe, "eventTime", "");
    const char *type = ck_obj_str(obj, "type");
    if (!streq(type, "Normal") && !streq(type, "Warning")) {
        cleanup_free char *d = xasprintf("has invalid value: %s", type ? type : "");
        ck_ferr_invalid_str(fe, "type", "", d);
    }
    if (ck_obj_str(obj, "deprecatedFirstTimestamp"))
        ck_ferr_invalid_str(fe, "deprecatedFirstTimestamp", "", "needs to be unset");
    if (ck_obj_str(obj, "deprecatedLastTimestamp"))
        ck_ferr_invalid_str(fe, "deprecatedLastTimestamp", "", "needs to be unset");
    if (ck_obj_int(obj, "deprecatedCount", 0) != 0)
        ck_ferr_invalid_str(fe, "deprecatedCount", "", "needs to be unset");
    if (len_of(obj, "deprecatedSource.component") || len_of(obj, "deprecatedSource.host"))
        ck_ferr_invalid_str(fe, "deprecatedSource", "", "needs to be unset");
}

static void validate_v1_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    /* {events.k8s.io name, path upstream reports} */
    static const char *const fixed[][2] = {
        {"regarding", "involvedObject"},
        {"reason", "reason"},
        {"note", "message"},
        {"deprecatedSource", "source"},
        {"deprecatedFirstTimestamp", "firstTimestamp"},
        {"deprecatedLastTimestamp", "lastTimestamp"},
        {"deprecatedCount", "count"},
        {"type", "type"},
        {"eventTime", "eventTime"},
        {"action", "action"},
        {"related", "related"},
        {"reportingController", "reportingController"},
        {"reportingInstance", "reportingInstance"},
    };
    if (!ck_json_same(json_object_get(obj, "series"), json_object_get(old, "series")))
        validate_series(obj, fe);
    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
        ck_validate_immutable(json_object_get(obj, fixed[i][0]), json_object_get(old, fixed[i][0]),
                              fixed[i][1], fe);
}

static const ck_column columns[] = {
    {"Last Seen", "string", "",
     "The time at which the most recent occurrence of this event was recorded.", 0},
    {"Type", "string", "",
     "Type of this event (Normal, Warning), new types could be added in the future", 0},
    {"Reason", "string", "",
     "This should be a short, machine understandable string that gives the reason for the "
     "transition into the object's current status.",
     0},
    {"Object", "string", "", "The object that this event is about.", 0},
    {"Subobject", "string", "",
     "If referring to a piece of an object instead of an entire object, this string should "
     "contain a valid JSON/Go field access statement.",
     1},
    {"Source", "string", "", "The component reporting this event.", 1},
    {"Message", "string", "", "A human-readable description of the status of this operation.", 0},
    {"First Seen", "string", "", "The time at which the event was first recorded.", 1},
    {"Count", "string", "", "The number of times this event has occurred.", 1},
    {"Name", "string", "name", "Name must be unique within a namespace.", 1},
};

static char *trim(const char *s)
{
    if (!s) return xstrdup("");
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return xstrndup(s, n);
}

static void row(const json_t *obj, const names *n, json_t *cells)
{
    const char *first_ts = ck_obj_str(obj, n->first), *last_ts = ck_obj_str(obj, n->last);
    char *first = ck_since(first_ts ? first_ts : ck_obj_str(obj, "eventTime"));
    char *last = last_ts ? ck_since(last_ts) : xstrdup(first);
    json_int_t count = ck_obj_int(obj, n->count, 0);
    const json_t *series = json_object_get(obj, "series");
    if (json_is_object(series)) {
        free(last);
        last = ck_since(ck_obj_str(series, "lastObservedTime"));
        count = ck_obj_int(series, "count", 0);
    } else if (count == 0) {
        count = 1;
    }
    const json_t *inv = json_object_get(obj, n->involved);
    const char *kind = ck_obj_str(inv, "kind"), *name = ck_obj_str(inv, "name");
    char *target =
        name && *name ? xasprintf("%s/%s", kind ? kind : "", name) : xstrdup(kind ? kind : "");
    for (char *p = target; *p && *p != '/'; p++)
        *p = (char)tolower((unsigned char)*p);
    const char *comp = ck_obj_str(obj, "source.component"), *host = ck_obj_str(obj, "source.host");
    if (n == &v1_names) {
        comp = ck_obj_str(obj, "deprecatedSource.component");
        host = ck_obj_str(obj, "deprecatedSource.host");
    }
    if (!comp || !*comp) comp = ck_obj_str(obj, n->controller);
    if (!host || !*host) host = ck_obj_str(obj, "reportingInstance");
    ck_cell_take(cells, last);
    ck_cell_str(cells, ck_obj_str(obj, "type"));
    ck_cell_str(cells, ck_obj_str(obj, "reason"));
    ck_cell_take(cells, target);
    ck_cell_str(cells, ck_obj_str(inv, "fieldPath"));
    if (host && *host)
        ck_cell_take(cells, xasprintf("%s, %s", comp ? comp : "", host));
    else
        ck_cell_str(cells, comp);
    ck_cell_take(cells, trim(ck_obj_str(obj, n->message)));
    ck_cell_take(cells, first);
    ck_cell_int(cells, count);
    ck_cell_name(obj, cells);
}

static void core_row(const json_t *obj, json_t *cells)
{
    row(obj, &core_names, cells);
}

static void v1_row(const json_t *obj, json_t *cells)
{
    row(obj, &v1_names, cells);
}

static const char *const core_fields[] = {"involvedObject.kind",
                                          "involvedObject.namespace",
                                          "involvedObject.name",
                                          "involvedObject.uid",
                                          "involvedObject.apiVersion",
                                          "involvedObject.resourceVersion",
                                          "involvedObject.fieldPath",
                                          "reason",
                                          "reportingComponent",
                                          "source",
                                          "type",
                                          NULL};

/* "source" selects on source.component; the rest are plain paths. */
static char *core_field(const json_t *obj, const char *field)
{
    const char *v = ck_obj_str(obj, streq(field, "source") ? "source.component" : field);
    return xstrdup(v ? v : "");
}

static const char *const v1_fields[] = {"regarding.kind",
                                        "regarding.namespace",
                                        "regarding.name",
                                        "regarding.uid",
                                        "regarding.apiVersion",
                                        "regarding.resourceVersion",
                                        "regarding.fieldPath",
                                        "reason",
                                        "reportingController",
                                        "type",
                                        NULL};

const ck_rtype_def ck_reg_event = {
    .group = "",
    .version = "v1",
    .plural = "events",
    .create_on_update = true,
    .validate = validate_core,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = core_row,
    .fields = core_fields,
    .field_value = core_field,
};

const ck_rtype_def ck_reg_event_v1 = {
    .group = "events.k8s.io",
    .version = "v1",
    .plural = "events",
    .create_on_update = true,
    .validate = validate_v1,
    .validate_update = validate_v1_update,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = v1_row,
    .fields = v1_fields,
};
