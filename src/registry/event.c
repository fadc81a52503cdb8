/* events (/v1): upstream's event strategy (pkg/registry/core/event): the legacy event
 * validation of ValidateEventCreate for core/v1 requests, the printer (printEvent) and the
 * selectable fields. events.k8s.io/v1 is served from its own storage with the generic
 * behaviour. */
#include <ctype.h>
#include <stdio.h>

#include "lib/util.h"
#include "registry/corefmt.h"
#include "registry/kinds.h"

static void limit(const json_t *obj, const char *key, size_t max, ck_field_errors *fe)
{
    if (json_string_length(json_object_get(obj, key)) > max) {
        char *d = xasprintf("can have at most %zu characters", max);
        ck_ferr_invalid_str(fe, key, "", d);
        free(d);
    }
}

static void ev_validate(const json_t *obj, ck_field_errors *fe)
{
    const char *ns = ck_obj_str(obj, "metadata.namespace");
    const char *ions = ck_obj_str(obj, "involvedObject.namespace");
    const json_t *ion = ck_obj_get(obj, "involvedObject.namespace");
    ns = ns ? ns : "";
    bool new_style = json_string_length(json_object_get(obj, "eventTime")) > 0;
    if (!new_style) {
        if (!ions || !*ions) {
            if (*ns && !streq(ns, "default"))
                ck_ferr_invalid_str(fe, "involvedObject.namespace", ions ? ions : "",
                                    "does not match event.namespace");
        } else if (!streq(ns, ions)) {
            ck_ferr_invalid(fe, "involvedObject.namespace", ion, "does not match event.namespace");
        }
    } else {
        if ((!ions || !*ions) && !streq(ns, "default") && !streq(ns, "kube-system"))
            ck_ferr_invalid_str(fe, "involvedObject.namespace", ions ? ions : "",
                                "does not match event.namespace");
        const char *rc = ck_obj_str(obj, "reportingComponent");
        ck_msgs m = {0};
        if (!rc || !*rc) ck_ferr_required(fe, "reportingComponent", "");
        if (ck_is_qualified_name(rc ? rc : "", &m)) ck_ferr_invalid_msgs(fe, "reportingComponent", rc ? rc : "", &m);
        if (!json_string_length(json_object_get(obj, "reportingInstance")))
            ck_ferr_required(fe, "reportingInstance", "");
        limit(obj, "reportingInstance", 128, fe);
        if (!json_string_length(json_object_get(obj, "action"))) ck_ferr_required(fe, "action", "");
        limit(obj, "action", 128, fe);
        if (!json_string_length(json_object_get(obj, "reason"))) ck_ferr_required(fe, "reason", "");
        limit(obj, "reason", 128, fe);
        limit(obj, "message", 1024, fe);
    }
    ck_msgs m = {0};
    if (*ns && ck_is_dns1123_subdomain(ns, &m)) ck_ferr_invalid_msgs(fe, "namespace", ns, &m);
}

static const ck_column ev_columns[] = {
    {"Last Seen", "date", "", "The time at which the most recent occurrence of this event was recorded.", 0},
    {"Type", "string", "", "Type of this event (Normal, Warning), new types could be added in the future", 0},
    {"Reason", "string", "", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.", 0},
    {"Object", "string", "", "The object that this event is about.", 0},
    {"Subobject", "string", "", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.", 1},
    {"Source", "string", "", "The component reporting this event. Should be a short machine understandable string.", 1},
    {"Message", "string", "", "A human-readable description of the status of this operation.", 0},
    {"First Seen", "date", "", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", 1},
    {"Count", "string", "", "The number of times this event has occurred.", 1},
    {"Name", "string", "name", "Name must be unique within a namespace.", 1},
};

static json_t *time_cell(const char *ts)
{
    return ts && *ts ? json_string(ts) : json_null();
}

static char *first_nonempty(const char *a, const char *b)
{
    return xstrdup(a && *a ? a : b ? b : "");
}

static void ev_row(const json_t *obj, json_t *cells)
{
    const char *first = ck_obj_str(obj, "firstTimestamp");
    if (!first || !*first) first = ck_obj_str(obj, "eventTime");
    const char *last = ck_obj_str(obj, "lastTimestamp");
    if (!last || !*last) last = first;
    json_int_t count = json_integer_value(json_object_get(obj, "count"));
    const json_t *series = json_object_get(obj, "series");
    if (json_is_object(series)) {
        last = ck_obj_str(series, "lastObservedTime");
        count = json_integer_value(json_object_get(series, "count"));
    } else if (!count) {
        count = 1;
    }
    const char *kind = ck_obj_str(obj, "involvedObject.kind"), *name = ck_obj_str(obj, "involvedObject.name");
    char *target = xasprintf("%s%s%s", kind ? kind : "", name && *name ? "/" : "", name && *name ? name : "");
    for (char *p = target; *p && *p != '/'; p++) *p = (char)tolower((unsigned char)*p);
    char *comp = first_nonempty(ck_obj_str(obj, "source.component"), ck_obj_str(obj, "reportingComponent"));
    char *inst = first_nonempty(ck_obj_str(obj, "source.host"), ck_obj_str(obj, "reportingInstance"));
    char *source = *inst ? xasprintf("%s, %s", comp, inst) : xstrdup(comp);
    free(comp);
    free(inst);
    const char *msg = ck_obj_str(obj, "message");
    const char *b = msg ? msg : "";
    while (isspace((unsigned char)*b)) b++;
    size_t n = strlen(b);
    while (n && isspace((unsigned char)b[n - 1])) n--;
    json_array_append_new(cells, time_cell(last));
    ck_row_str(cells, ck_obj_str(obj, "type"));
    ck_row_str(cells, ck_obj_str(obj, "reason"));
    ck_row_take(cells, target);
    ck_row_str(cells, ck_obj_str(obj, "involvedObject.fieldPath"));
    ck_row_take(cells, source);
    ck_row_take(cells, xstrndup(b, n));
    json_array_append_new(cells, time_cell(first));
    json_array_append_new(cells, json_integer(count));
    ck_row_name(obj, cells);
}

static const char *const ev_fields[] = {
    "involvedObject.kind",      "involvedObject.namespace", "involvedObject.name",
    "involvedObject.uid",       "involvedObject.apiVersion", "involvedObject.resourceVersion",
    "involvedObject.fieldPath", "reason",                   "reportingComponent",
    "source",                   "type",                     NULL};

static char *ev_field(const json_t *obj, const char *field)
{
    if (streq(field, "source"))
        return first_nonempty(ck_obj_str(obj, "source.component"), ck_obj_str(obj, "reportingComponent"));
    const char *v = ck_obj_str(obj, field);
    return xstrdup(v ? v : "");
}

const ck_rtype_def ck_reg_event = {
    .group = "",
    .version = "v1",
    .plural = "events",
    .validate = ev_validate,
    .columns = ev_columns,
    .ncolumns = ARRAY_SIZE(ev_columns),
    .table_row = ev_row,
    .fields = ev_fields,
    .field_value = ev_field,
};

const ck_rtype_def ck_reg_event_v1 = {
    .group = "events.k8s.io",
    .version = "v1",
    .plural = "events",
};
