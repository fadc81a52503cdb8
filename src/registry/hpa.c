/* horizontalpodautoscalers: autoscaling/v2 (SetDefaults_HorizontalPodAutoscaler: minReplicas,
 * the 80% cpu metric, the default scaling behavior; ValidateHorizontalPodAutoscaler) and
 * autoscaling/v1 (validated and printed through its v2 form, as upstream validates the
 * internal object), the HPA printer, and upstream's v1 <-> v2 conversion. */
#include <stdio.h>

#include "lib/util.h"
#include "machinery/quantity.h"
#include "registry/kinds.h"
#include "registry/workload.h"

#define ANN_METRICS "autoscaling.alpha.kubernetes.io/metrics"
#define ANN_CURRENT "autoscaling.alpha.kubernetes.io/current-metrics"
#define ANN_CONDITIONS "autoscaling.alpha.kubernetes.io/conditions"
#define ANN_BEHAVIOR "autoscaling.alpha.kubernetes.io/behavior"

static const char *str_or(const char *s)
{
    return s ? s : "";
}

/* Sets key to a copy of v when v is present and not null. */
static void put(json_t *o, const char *key, const json_t *v)
{
    if (v && !json_is_null(v)) json_object_set_new(o, key, json_deep_copy(v));
}

static json_t *cpu_metric(json_int_t utilization)
{
    return json_pack("{s:s, s:{s:s, s:{s:s, s:I}}}", "type", "Resource", "resource", "name", "cpu",
                     "target", "type", "Utilization", "averageUtilization", utilization);
}

/* ---- defaults ------------------------------------------------------------------------- */

/* GenerateHPAScaleUpRules / ScaleDownRules: the user's rules over upstream's defaults. */
static void scaling_rules(json_t *behavior, const char *key, bool up)
{
    json_t *from = json_object_get(behavior, key);
    json_t *to = up ? json_pack("{s:i, s:s, s:[{s:s, s:i, s:i}, {s:s, s:i, s:i}]}",
                                "stabilizationWindowSeconds", 0, "selectPolicy", "Max", "policies",
                                "type", "Pods", "value", 4, "periodSeconds", 15, "type", "Percent",
                                "value", 100, "periodSeconds", 15)
                    : json_pack("{s:s, s:[{s:s, s:i, s:i}]}", "selectPolicy", "Max", "policies",
                                "type", "Percent", "value", 100, "periodSeconds", 15);
    static const char *const keys[] = {"stabilizationWindowSeconds", "selectPolicy", "policies",
                                       "tolerance"};
    for (size_t i = 0; json_is_object(from) && i < ARRAY_SIZE(keys); i++)
        put(to, keys[i], json_object_get(from, keys[i]));
    json_object_set_new(behavior, key, to);
}

static void defaults(json_t *obj)
{
    json_t *spec = ck_obj_ensure(obj, "spec");
    ck_obj_default_int(spec, "minReplicas", 1);
    if (json_array_size(json_object_get(spec, "metrics")) == 0)
        json_object_set_new(spec, "metrics", json_pack("[o]", cpu_metric(80)));
    json_t *b = json_object_get(spec, "behavior");
    if (json_is_object(b)) {
        scaling_rules(b, "scaleUp", true);
        scaling_rules(b, "scaleDown", false);
    }
}

/* ---- validation ------------------------------------------------------------------------ */

static void ref_name(const json_t *ref, const char *key, const char *path, ck_field_errors *fe)
{
    const char *v = ck_obj_str(ref, key);
    cleanup_free char *p = ck_path(path, key);
    if (!v || !*v) {
        ck_ferr_required(fe, p, "");
        return;
    }
    ck_msgs m = {0};
    ck_name_is_path_segment(v, false, &m);
    ck_ferr_invalid_msgs(fe, p, v, &m);
}

/* ValidateCrossVersionObjectReference; returns whether it added errors. */
static bool validate_ref(const json_t *ref, const char *path, ck_field_errors *fe)
{
    unsigned before = ck_ferrs_count(fe);
    ref_name(ref, "kind", path, fe);
    ref_name(ref, "name", path, fe);
    return ck_ferrs_count(fe) != before;
}

static bool positive_qty(const json_t *v)
{
    ck_quantity q;
    ck_err *err = NULL;
    const char *s = json_string_value(v);
    char buf[32];
    if (json_is_integer(v))
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v)), s = buf;
    if (!s || ck_quantity_parse(s, &q, &err) < 0) {
        ck_err_free(err);
        return false;
    }
    return q.mantissa > 0;
}

static void validate_target(const json_t *t, const char *path, ck_field_errors *fe)
{
    cleanup_free char *pt = ck_path(path, "type"), *pv = ck_path(path, "value");
    cleanup_free char *pa = ck_path(path, "averageValue");
    cleanup_free char *pu = ck_path(path, "averageUtilization");
    const json_t *type = json_object_get(t, "type");
    const char *ty = json_string_value(type);
    if (!ty || !*ty) ck_ferr_required(fe, pt, "must specify a metric target type");
    if (!streq(ty, "Utilization") && !streq(ty, "Value") && !streq(ty, "AverageValue")) {
        json_t *v = type ? json_incref((json_t *)type) : json_string("");
        ck_ferr_invalid(fe, pt, v, "must be either Utilization, Value, or AverageValue");
        json_decref(v);
    }
    const json_t *val = json_object_get(t, "value"), *avg = json_object_get(t, "averageValue");
    const json_t *util = json_object_get(t, "averageUtilization");
    if (val && !positive_qty(val)) ck_ferr_invalid(fe, pv, val, "must be positive");
    if (avg && !positive_qty(avg)) ck_ferr_invalid(fe, pa, avg, "must be positive");
    if (json_is_integer(util) && json_integer_value(util) < 1)
        ck_ferr_invalid(fe, pu, util, "must be greater than 0");
}

static void validate_source(const char *type, const json_t *src, const char *path,
                            ck_field_errors *fe)
{
    cleanup_free char *pt = ck_path(path, "target");
    cleanup_free char *pa = ck_path(pt, "averageValue"), *pu = ck_path(pt, "averageUtilization");
    cleanup_free char *pv = ck_path(pt, "value");
    const json_t *t = json_object_get(src, "target");
    bool has_val = json_object_get(t, "value") != NULL,
         has_avg = json_object_get(t, "averageValue");
    if (streq(type, "resource") || streq(type, "containerResource")) {
        if (!ck_obj_str(src, "name") || !*ck_obj_str(src, "name")) {
            cleanup_free char *p = ck_path(path, "name");
            ck_ferr_required(fe, p, "must specify a resource name");
        }
        if (streq(type, "containerResource") && !ck_obj_str(src, "container")) {
            cleanup_free char *p = ck_path(path, "container");
            ck_ferr_required(fe, p, "must specify a container");
        }
        validate_target(t, pt, fe);
        bool has_util = json_object_get(t, "averageUtilization") != NULL;
        if (!has_util && !has_avg)
            ck_ferr_required(fe, pu, "must set either a target raw value or a target utilization");
        if (has_util && has_avg)
            ck_ferr_forbidden(fe, pa,
                              "may not set both a target raw value and a target utilization");
        return;
    }
    if (streq(type, "object")) {
        cleanup_free char *p = ck_path(path, "describedObject");
        validate_ref(json_object_get(src, "describedObject"), p, fe);
    }
    const char *mn = ck_obj_str(src, "metric.name");
    if (!mn || !*mn) {
        cleanup_free char *p = ck_path(path, "metric.name");
        ck_ferr_required(fe, p, "must specify a metric name");
    }
    validate_target(t, pt, fe);
    if (streq(type, "pods") && !has_avg)
        ck_ferr_required(fe, pa, "must specify a positive target averageValue");
    if (streq(type, "object") && !has_val && !has_avg)
        ck_ferr_required(fe, pa, "must set either a target value or averageValue");
    if (streq(type, "external") && !has_val && !has_avg)
        ck_ferr_required(fe, pa, "must set either a target value for metric or a per-pod target");
    if (streq(type, "external") && has_val && has_avg)
        ck_ferr_forbidden(fe, pv,
                          "may not set both a target value for metric and a per-pod target");
}

static void validate_metric(const json_t *m, const char *path, ck_field_errors *fe)
{
    static const char *const types[] = {"ContainerResource", "External", "Object", "Pods",
                                        "Resource",          NULL};
    static const char *const members[] = {"object", "pods", "resource", "containerResource",
                                          "external"};
    static const char *const for_type[] = {"Object", "Pods", "Resource", "ContainerResource",
                                           "External"};
    cleanup_free char *pt = ck_path(path, "type");
    const json_t *type = json_object_get(m, "type");
    const char *ty = json_string_value(type);
    if (!ty || !*ty) ck_ferr_required(fe, pt, "must specify a metric source type");
    const char *expected = NULL;
    unsigned present = 0;
    for (size_t i = 0; i < ARRAY_SIZE(members); i++) {
        if (streq(ty, for_type[i])) expected = members[i];
        if (!json_is_object(json_object_get(m, members[i]))) continue;
        if (++present == 1) {
            cleanup_free char *p = ck_path(path, members[i]);
            validate_source(members[i], json_object_get(m, members[i]), p, fe);
        }
    }
    json_t *tv = type ? json_incref((json_t *)type) : json_string("");
    if (!expected) {
        ck_ferr_not_supported(fe, pt, tv, types);
        ck_ferr_not_supported(fe, pt, tv, types);
    } else if (!json_is_object(json_object_get(m, expected))) {
        cleanup_free char *p = ck_path(path, expected);
        ck_ferr_required(fe, p, "must populate information for the given metric source");
    }
    json_decref(tv);
    for (size_t i = 0; present != 1 && i < ARRAY_SIZE(members); i++) {
        if (!json_is_object(json_object_get(m, members[i])) || streq(members[i], expected))
            continue;
        cleanup_free char *p = ck_path(path, members[i]);
        ck_ferr_forbidden(fe, p, "must populate the given metric source only");
    }
}

static void validate_rules(const json_t *r, const char *path, ck_field_errors *fe)
{
    if (!json_is_object(r)) return;
    cleanup_free char *ps = ck_path(path, "stabilizationWindowSeconds");
    const json_t *sw = json_object_get(r, "stabilizationWindowSeconds");
    if (json_is_integer(sw) && json_integer_value(sw) < 0)
        ck_ferr_invalid(fe, ps, sw, "must be greater than or equal to zero");
    if (json_is_integer(sw) && json_integer_value(sw) > 3600)
        ck_ferr_invalid(fe, ps, sw, "must be less than or equal to 3600");
    const json_t *sp = json_object_get(r, "selectPolicy");
    if (sp && !streq(json_string_value(sp), "Max") && !streq(json_string_value(sp), "Min") &&
        !streq(json_string_value(sp), "Disabled")) {
        static const char *const ok[] = {"Disabled", "Max", "Min", NULL};
        cleanup_free char *p = ck_path(path, "selectPolicy");
        ck_ferr_not_supported(fe, p, sp, ok);
    }
    cleanup_free char *pp = ck_path(path, "policies");
    const json_t *pols = json_object_get(r, "policies");
    if (json_array_size(pols) == 0) ck_ferr_required(fe, pp, "must specify at least one Policy");
    size_t i;
    json_t *pol;
    json_array_foreach(pols, i, pol)
    {
        cleanup_free char *ip = xasprintf("%s[%zu]", pp, i);
        cleanup_free char *pt = ck_path(ip, "type"), *pv = ck_path(ip, "value");
        cleanup_free char *pper = ck_path(ip, "periodSeconds");
        const json_t *t = json_object_get(pol, "type");
        if (!streq(json_string_value(t), "Pods") && !streq(json_string_value(t), "Percent")) {
            static const char *const ok[] = {"Percent", "Pods", NULL};
            json_t *v = t ? json_incref((json_t *)t) : json_string("");
            ck_ferr_not_supported(fe, pt, v, ok);
            json_decref(v);
        }
        json_int_t v = ck_obj_int(pol, "value", 0), per = ck_obj_int(pol, "periodSeconds", 0);
        if (v <= 0) ck_ferr_invalid_int(fe, pv, v, "must be greater than zero");
        if (per <= 0) ck_ferr_invalid_int(fe, pper, per, "must be greater than zero");
        if (per > 1800) ck_ferr_invalid_int(fe, pper, per, "must be less than or equal to 1800");
    }
}

static void validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *spec = json_object_get(obj, "spec");
    const json_t *min = json_object_get(spec, "minReplicas");
    json_int_t max = ck_obj_int(spec, "maxReplicas", 0);
    if (json_is_integer(min) && json_integer_value(min) < 1)
        ck_ferr_invalid(fe, "spec.minReplicas", min, "must be greater than or equal to 1");
    if (max < 1) ck_ferr_invalid_int(fe, "spec.maxReplicas", max, "must be greater than 0");
    if (json_is_integer(min) && max < json_integer_value(min))
        ck_ferr_invalid_int(fe, "spec.maxReplicas", max,
                            "must be greater than or equal to `minReplicas`");
    if (validate_ref(json_object_get(spec, "scaleTargetRef"), "spec.scaleTargetRef", fe)) return;
    unsigned before = ck_ferrs_count(fe);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(spec, "metrics"), i, m)
    {
        cleanup_free char *p = xasprintf("spec.metrics[%zu]", i);
        validate_metric(m, p, fe);
    }
    if (ck_ferrs_count(fe) != before) return;
    const json_t *b = json_object_get(spec, "behavior");
    validate_rules(json_object_get(b, "scaleUp"), "spec.behavior.scaleUp", fe);
    validate_rules(json_object_get(b, "scaleDown"), "spec.behavior.scaleDown", fe);
}

/* ---- table ------------------------------------------------------------------------------ */

static char *qty(const json_t *v)
{
    ck_quantity q;
    ck_err *err = NULL;
    char buf[32];
    const char *s = json_string_value(v);
    if (json_is_integer(v))
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v)), s = buf;
    if (!s) return xstrdup("<nil>");
    if (ck_quantity_parse(s, &q, &err) < 0) {
        ck_err_free(err);
        return xstrdup(s);
    }
    return ck_quantity_string(&q);
}

/* One entry of formatHPAMetrics for metric spec m and the status at the same index. */
static char *metric_text(const json_t *m, const json_t *st)
{
    static const char *const members[][2] = {{"External", "external"},
                                             {"Pods", "pods"},
                                             {"Object", "object"},
                                             {"Resource", "resource"},
                                             {"ContainerResource", "containerResource"}};
    const char *type = ck_obj_str(m, "type"), *mem = NULL;
    for (size_t i = 0; i < ARRAY_SIZE(members); i++)
        if (streq(type, members[i][0])) mem = members[i][1];
    const json_t *src = mem ? json_object_get(m, mem) : NULL;
    if (!json_is_object(src)) return xstrdup("<unknown type>");
    const json_t *t = json_object_get(src, "target");
    const json_t *sst = json_object_get(st, mem), *cur = json_object_get(sst, "current");
    const json_t *avg = json_object_get(t, "averageValue");
    bool resource = streq(mem, "resource") || streq(mem, "containerResource");
    cleanup_free char *c = NULL, *g = NULL;
    if (streq(mem, "pods")) {
        c = sst ? qty(json_object_get(cur, "averageValue")) : xstrdup("<unknown>");
        g = qty(avg);
        return xasprintf("%s/%s", c, g);
    }
    if (avg) {
        const json_t *ca = json_object_get(cur, "averageValue");
        c = sst && (ca || resource) ? qty(ca) : xstrdup("<unknown>");
        g = qty(avg);
        if (resource) return xasprintf("%s: %s/%s", str_or(ck_obj_str(src, "name")), c, g);
        return xasprintf("%s/%s (avg)", c, g);
    }
    if (resource) {
        const json_t *cu = json_object_get(cur, "averageUtilization");
        const json_t *tu = json_object_get(t, "averageUtilization");
        c = sst && cu ? xasprintf("%lld%%", (long long)json_integer_value(cu))
                      : xstrdup("<unknown>");
        g = tu ? xasprintf("%lld%%", (long long)json_integer_value(tu)) : xstrdup("<auto>");
        return xasprintf("%s: %s/%s", str_or(ck_obj_str(src, "name")), c, g);
    }
    c = sst ? qty(json_object_get(cur, "value")) : xstrdup("<unknown>");
    g = qty(json_object_get(t, "value"));
    return xasprintf("%s/%s", c, g);
}

static char *format_metrics(const json_t *obj)
{
    const json_t *specs = ck_obj_get(obj, "spec.metrics");
    const json_t *statuses = ck_obj_get(obj, "status.currentMetrics");
    size_t n = json_array_size(specs);
    if (n == 0) return xstrdup("<none>");
    char *out = xstrdup("");
    for (size_t i = 0; i < n && i < 2; i++) {
        cleanup_free char *t = metric_text(json_array_get(specs, i), json_array_get(statuses, i));
        char *next = xasprintf("%s%s%s", out, i ? ", " : "", t);
        free(out);
        out = next;
    }
    if (n > 2) {
        char *next = xasprintf("%s + %zu more...", out, n - 2);
        free(out);
        out = next;
    }
    return out;
}

static const ck_column columns[] = {
    CK_COL_NAME,
    {"Reference", "string", "", "scaleTargetRef points to the target resource to scale.", 0},
    {"Targets", "string", "",
     "metrics contains the specifications for which to use to calculate the desired replica "
     "count.",
     0},
    {"MinPods", "string", "",
     "minReplicas is the lower limit for the number of replicas to which the autoscaler can "
     "scale down.",
     0},
    {"MaxPods", "string", "",
     "maxReplicas is the upper limit for the number of replicas to which the autoscaler can "
     "scale up.",
     0},
    {"Replicas", "string", "",
     "currentReplicas is current number of replicas of pods managed by this autoscaler.", 0},
    CK_COL_AGE,
};

static void table_row(const json_t *obj, json_t *cells)
{
    const char *kind = ck_obj_str(obj, "spec.scaleTargetRef.kind");
    const char *name = ck_obj_str(obj, "spec.scaleTargetRef.name");
    const json_t *min = ck_obj_get(obj, "spec.minReplicas");
    ck_cell_name(obj, cells);
    ck_cell_take(cells, xasprintf("%s/%s", kind ? kind : "", name ? name : ""));
    ck_cell_take(cells, format_metrics(obj));
    if (json_is_integer(min))
        ck_cell_take(cells, xasprintf("%lld", (long long)json_integer_value(min)));
    else
        ck_cell_str(cells, "<unset>");
    ck_cell_int(cells, ck_obj_int(obj, "spec.maxReplicas", 0));
    ck_cell_int(cells, ck_obj_int(obj, "status.currentReplicas", 0));
    ck_cell_age(obj, cells);
}

/* ---- v1 <-> v2 conversion ------------------------------------------------------------- */

/* A CrossVersionObjectReference in Go's field order. */
static json_t *xref(const json_t *r)
{
    json_t *o = json_object();
    put(o, "kind", json_object_get(r, "kind"));
    put(o, "name", json_object_get(r, "name"));
    put(o, "apiVersion", json_object_get(r, "apiVersion"));
    return o;
}

/* A non-pointer resource.Quantity: "0" when unset. */
static json_t *qty_or_zero(const json_t *v)
{
    return v && !json_is_null(v) ? json_deep_copy(v) : json_string("0");
}

/* MetricSpec (status: MetricStatus) of v2 as autoscaling/v1's. */
static json_t *metric_to_v1(const json_t *m, bool status)
{
    const char *type = ck_obj_str(m, "type");
    json_t *out = json_pack("{s:s}", "type", str_or(type));
    const char *vk = status ? "current" : "target";
    static const char *const members[] = {"object", "pods", "resource", "containerResource",
                                          "external"};
    for (size_t i = 0; i < ARRAY_SIZE(members); i++) {
        const json_t *src = json_object_get(m, members[i]);
        if (!json_is_object(src)) continue;
        const json_t *t = json_object_get(src, vk), *sel = ck_obj_get(src, "metric.selector");
        const json_t *mn = ck_obj_get(src, "metric.name");
        json_t *o = json_object();
        switch (i) {
        case 0: /* object */
            json_object_set_new(o, "target", xref(json_object_get(src, "describedObject")));
            put(o, "metricName", mn);
            json_object_set_new(o, status ? "currentValue" : "targetValue",
                                qty_or_zero(json_object_get(t, "value")));
            put(o, "selector", sel);
            put(o, "averageValue", json_object_get(t, "averageValue"));
            break;
        case 1: /* pods */
            put(o, "metricName", mn);
            json_object_set_new(o, status ? "currentAverageValue" : "targetAverageValue",
                                qty_or_zero(json_object_get(t, "averageValue")));
            put(o, "selector", sel);
            break;
        case 2: /* resource */
        case 3: /* containerResource */
            put(o, "name", json_object_get(src, "name"));
            put(o, status ? "currentAverageUtilization" : "targetAverageUtilization",
                json_object_get(t, "averageUtilization"));
            if (status)
                json_object_set_new(o, "currentAverageValue",
                                    qty_or_zero(json_object_get(t, "averageValue")));
            else
                put(o, "targetAverageValue", json_object_get(t, "averageValue"));
            if (i == 3) put(o, "container", json_object_get(src, "container"));
            break;
        default: /* external */
            put(o, "metricName", mn);
            put(o, "metricSelector", sel);
            if (status)
                json_object_set_new(o, "currentValue", qty_or_zero(json_object_get(t, "value")));
            else
                put(o, "targetValue", json_object_get(t, "value"));
            put(o, status ? "currentAverageValue" : "targetAverageValue",
                json_object_get(t, "averageValue"));
        }
        json_object_set_new(out, members[i], o);
    }
    return out;
}

/* The reverse of metric_to_v1. */
static json_t *metric_to_v2(const json_t *m, bool status)
{
    const char *type = ck_obj_str(m, "type");
    json_t *out = json_pack("{s:s}", "type", str_or(type));
    static const char *const members[] = {"object", "pods", "resource", "containerResource",
                                          "external"};
    for (size_t i = 0; i < ARRAY_SIZE(members); i++) {
        const json_t *src = json_object_get(m, members[i]);
        if (!json_is_object(src)) continue;
        json_t *o = json_object(), *t = json_object(), *metric = json_object();
        const char *cur = status ? "current" : "target";
        if (i == 2 || i == 3) {
            put(o, "name", json_object_get(src, "name"));
            if (i == 3) put(o, "container", json_object_get(src, "container"));
            const json_t *u = json_object_get(src, status ? "currentAverageUtilization"
                                                          : "targetAverageUtilization");
            const json_t *av =
                json_object_get(src, status ? "currentAverageValue" : "targetAverageValue");
            if (!status)
                json_object_set_new(t, "type", json_string(u ? "Utilization" : "AverageValue"));
            put(t, "averageValue", av);
            put(t, "averageUtilization", u);
        } else {
            put(metric, "name", json_object_get(src, "metricName"));
            put(metric, "selector", json_object_get(src, i == 4 ? "metricSelector" : "selector"));
            json_object_set(o, "metric", metric);
            if (i == 0)
                json_object_set_new(o, "describedObject", xref(json_object_get(src, "target")));
            const json_t *val =
                json_object_get(src, i == 0   ? (status ? "currentValue" : "targetValue")
                                     : i == 4 ? (status ? "currentValue" : "targetValue")
                                              : "");
            const json_t *av = json_object_get(src, i == 0   ? "averageValue"
                                                    : status ? "currentAverageValue"
                                                             : "targetAverageValue");
            const char *ty = i == 1   ? "AverageValue"
                             : i == 0 ? (av ? "AverageValue" : "Value")
                                      : (val ? "Value" : "AverageValue");
            if (!status) json_object_set_new(t, "type", json_string(ty));
            put(t, "value", val);
            put(t, "averageValue", av);
        }
        json_object_set_new(o, cur, t);
        json_decref(metric);
        json_object_set_new(out, members[i], o);
    }
    return out;
}

static bool round_trip_key(const char *k)
{
    return streq(k, ANN_METRICS) || streq(k, ANN_CURRENT) || streq(k, ANN_CONDITIONS) ||
           streq(k, ANN_BEHAVIOR);
}

/* Copies metadata without the round-trip annotations (dropping an emptied map). */
static json_t *meta_copy(const json_t *obj)
{
    json_t *meta = json_deep_copy(json_object_get(obj, "metadata"));
    if (!meta) meta = json_object();
    json_t *ann = json_object_get(meta, "annotations");
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(ann, tmp, k, v) if (round_trip_key(k)) json_object_del(ann, k);
    if (ann && json_object_size(ann) == 0) json_object_del(meta, "annotations");
    return meta;
}

static void annotate(json_t *meta, const char *key, json_t *value)
{
    char *s = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    json_object_set_new(ck_obj_ensure(meta, "annotations"), key, json_string(s));
    free(s);
    json_decref(value);
}

/* HPAScalingRules as encoding/json prints upstream's internal type (Go field names). */
static json_t *rules_go(const json_t *r)
{
    if (!json_is_object(r)) return json_null();
    json_t *pols = json_null();
    const json_t *src = json_object_get(r, "policies");
    if (json_is_array(src)) {
        pols = json_array();
        size_t i;
        json_t *p;
        json_array_foreach(src, i, p) json_array_append_new(
            pols, json_pack("{s:s, s:I, s:I}", "Type", str_or(ck_obj_str(p, "type")), "Value",
                            ck_obj_int(p, "value", 0), "PeriodSeconds",
                            ck_obj_int(p, "periodSeconds", 0)));
    }
    const json_t *sw = json_object_get(r, "stabilizationWindowSeconds");
    const json_t *sp = json_object_get(r, "selectPolicy"), *tol = json_object_get(r, "tolerance");
    return json_pack("{s:O, s:O, s:o, s:O}", "StabilizationWindowSeconds", sw ? sw : json_null(),
                     "SelectPolicy", sp ? sp : json_null(), "Policies", pols, "Tolerance",
                     tol ? tol : json_null());
}

/* Reads rules_go's form back (keys matched case-insensitively, as encoding/json does). */
static json_t *rules_from_go(const json_t *g)
{
    if (!json_is_object(g)) return NULL;
    json_t *r = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)g, k, v)
    {
        if (json_is_null(v)) continue;
        if (strcasecmp(k, "StabilizationWindowSeconds") == 0)
            put(r, "stabilizationWindowSeconds", v);
        if (strcasecmp(k, "SelectPolicy") == 0) put(r, "selectPolicy", v);
        if (strcasecmp(k, "Tolerance") == 0) put(r, "tolerance", v);
        if (strcasecmp(k, "Policies") == 0 && json_is_array(v)) {
            json_t *pols = json_array();
            size_t i;
            json_t *p;
            json_array_foreach(v, i, p)
            {
                json_t *q = json_object();
                const char *pk;
                json_t *pv;
                json_object_foreach(p, pk, pv)
                {
                    if (strcasecmp(pk, "Type") == 0) put(q, "type", pv);
                    if (strcasecmp(pk, "Value") == 0) put(q, "value", pv);
                    if (strcasecmp(pk, "PeriodSeconds") == 0) put(q, "periodSeconds", pv);
                }
                json_array_append_new(pols, q);
            }
            json_object_set_new(r, "policies", pols);
        }
    }
    return r;
}

/* Whether m is a Resource cpu metric with a utilization target (v1's own field). */
static bool is_cpu_utilization(const json_t *m)
{
    return streq(ck_obj_str(m, "type"), "Resource") &&
           streq(ck_obj_str(m, "resource.name"), "cpu") &&
           ck_obj_get(m, "resource.target.averageUtilization");
}

json_t *ck_hpa_v2_to_v1(const json_t *v2)
{
    const json_t *spec = json_object_get(v2, "spec"), *st = json_object_get(v2, "status");
    json_t *meta = meta_copy(v2), *ospec = json_object(), *ost = json_object();
    json_object_set_new(ospec, "scaleTargetRef", xref(json_object_get(spec, "scaleTargetRef")));
    put(ospec, "minReplicas", json_object_get(spec, "minReplicas"));
    json_object_set_new(ospec, "maxReplicas", json_integer(ck_obj_int(spec, "maxReplicas", 0)));
    json_t *others = json_array();
    size_t i;
    json_t *m;
    bool cpu_seen = false;
    json_array_foreach(json_object_get(spec, "metrics"), i, m)
    {
        if (!cpu_seen && streq(ck_obj_str(m, "type"), "Resource") &&
            streq(ck_obj_str(m, "resource.name"), "cpu")) {
            cpu_seen = true;
            put(ospec, "targetCPUUtilizationPercentage",
                ck_obj_get(m, "resource.target.averageUtilization"));
        }
        if (!is_cpu_utilization(m)) json_array_append_new(others, metric_to_v1(m, false));
    }
    put(ost, "observedGeneration", json_object_get(st, "observedGeneration"));
    put(ost, "lastScaleTime", json_object_get(st, "lastScaleTime"));
    json_object_set_new(ost, "currentReplicas", json_integer(ck_obj_int(st, "currentReplicas", 0)));
    json_object_set_new(ost, "desiredReplicas", json_integer(ck_obj_int(st, "desiredReplicas", 0)));
    json_t *current = json_array();
    json_array_foreach(json_object_get(st, "currentMetrics"), i, m)
    {
        if (streq(ck_obj_str(m, "type"), "Resource") &&
            streq(ck_obj_str(m, "resource.name"), "cpu"))
            put(ost, "currentCPUUtilizationPercentage",
                ck_obj_get(m, "resource.current.averageUtilization"));
        json_array_append_new(current, metric_to_v1(m, true));
    }
    json_t *conds = json_array();
    json_array_foreach(json_object_get(st, "conditions"), i, m)
    {
        json_t *c = json_object();
        put(c, "type", json_object_get(m, "type"));
        put(c, "status", json_object_get(m, "status"));
        const json_t *lt = json_object_get(m, "lastTransitionTime");
        json_object_set_new(c, "lastTransitionTime", lt ? json_deep_copy(lt) : json_null());
        put(c, "reason", json_object_get(m, "reason"));
        put(c, "message", json_object_get(m, "message"));
        json_array_append_new(conds, c);
    }
    if (json_array_size(others)) annotate(meta, ANN_METRICS, json_incref(others));
    if (json_array_size(current)) annotate(meta, ANN_CURRENT, json_incref(current));
    if (json_array_size(conds)) annotate(meta, ANN_CONDITIONS, json_incref(conds));
    const json_t *b = json_object_get(spec, "behavior");
    if (json_is_object(b))
        annotate(meta, ANN_BEHAVIOR,
                 json_pack("{s:o, s:o}", "ScaleUp", rules_go(json_object_get(b, "scaleUp")),
                           "ScaleDown", rules_go(json_object_get(b, "scaleDown"))));
    json_decref(others);
    json_decref(current);
    json_decref(conds);
    return json_pack("{s:s, s:s, s:o, s:o, s:o}", "kind", "HorizontalPodAutoscaler", "apiVersion",
                     "autoscaling/v1", "metadata", meta, "spec", ospec, "status", ost);
}

/* Parses a round-trip annotation of obj, or NULL. */
static json_t *annotation_json(const json_t *obj, const char *key)
{
    const char *s =
        json_string_value(json_object_get(ck_obj_get(obj, "metadata.annotations"), key));
    return s ? json_loads(s, 0, NULL) : NULL;
}

json_t *ck_hpa_v1_to_v2(const json_t *v1)
{
    const json_t *spec = json_object_get(v1, "spec"), *st = json_object_get(v1, "status");
    json_t *meta = meta_copy(v1), *ospec = json_object(), *ost = json_object();
    json_object_set_new(ospec, "scaleTargetRef", xref(json_object_get(spec, "scaleTargetRef")));
    put(ospec, "minReplicas", json_object_get(spec, "minReplicas"));
    json_object_set_new(ospec, "maxReplicas", json_integer(ck_obj_int(spec, "maxReplicas", 0)));
    json_t *metrics = json_array();
    json_t *ann = annotation_json(v1, ANN_METRICS);
    size_t i;
    json_t *m;
    json_array_foreach(ann, i, m) json_array_append_new(metrics, metric_to_v2(m, false));
    json_decref(ann);
    const json_t *cpu = json_object_get(spec, "targetCPUUtilizationPercentage");
    if (json_is_integer(cpu)) json_array_append_new(metrics, cpu_metric(json_integer_value(cpu)));
    if (!json_array_size(metrics)) json_array_append_new(metrics, cpu_metric(80));
    json_object_set_new(ospec, "metrics", metrics);
    json_t *behavior = annotation_json(v1, ANN_BEHAVIOR);
    if (json_is_object(behavior)) {
        json_t *b = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(behavior, k, v)
        {
            json_t *r = rules_from_go(v);
            if (!r) continue;
            if (strcasecmp(k, "ScaleUp") == 0) json_object_set(b, "scaleUp", r);
            if (strcasecmp(k, "ScaleDown") == 0) json_object_set(b, "scaleDown", r);
            json_decref(r);
        }
        json_object_set_new(ospec, "behavior", b);
    }
    json_decref(behavior);
    put(ost, "observedGeneration", json_object_get(st, "observedGeneration"));
    put(ost, "lastScaleTime", json_object_get(st, "lastScaleTime"));
    if (ck_obj_int(st, "currentReplicas", 0))
        json_object_set_new(ost, "currentReplicas",
                            json_integer(ck_obj_int(st, "currentReplicas", 0)));
    json_object_set_new(ost, "desiredReplicas", json_integer(ck_obj_int(st, "desiredReplicas", 0)));
    json_t *current = json_array();
    ann = annotation_json(v1, ANN_CURRENT);
    if (json_is_array(ann)) {
        json_array_foreach(ann, i, m) json_array_append_new(current, metric_to_v2(m, true));
    } else if (json_is_integer(json_object_get(st, "currentCPUUtilizationPercentage"))) {
        json_array_append_new(current,
                              json_pack("{s:s, s:{s:s, s:{s:O}}}", "type", "Resource", "resource",
                                        "name", "cpu", "current", "averageUtilization",
                                        json_object_get(st, "currentCPUUtilizationPercentage")));
    }
    json_decref(ann);
    if (json_array_size(current)) json_object_set(ost, "currentMetrics", current);
    json_decref(current);
    ann = annotation_json(v1, ANN_CONDITIONS);
    if (json_is_array(ann) && json_array_size(ann)) {
        json_array_foreach(ann, i, m) if (json_is_null(json_object_get(m, "lastTransitionTime")))
            json_object_del(m, "lastTransitionTime");
        json_object_set(ost, "conditions", ann);
    }
    json_decref(ann);
    return json_pack("{s:s, s:s, s:o, s:o, s:o}", "kind", "HorizontalPodAutoscaler", "apiVersion",
                     "autoscaling/v2", "metadata", meta, "spec", ospec, "status", ost);
}

/* ---- autoscaling/v1 ------------------------------------------------------------------- */

static void v1_defaults(json_t *obj)
{
    json_t *spec = ck_obj_ensure(obj, "spec");
    ck_obj_default_int(spec, "minReplicas", 1);
    /* The v1 -> v2 conversion defaults the cpu target when no other metric is given. */
    if (!json_object_get(ck_obj_get(obj, "metadata.annotations"), ANN_METRICS))
        ck_obj_default_int(spec, "targetCPUUtilizationPercentage", 80);
}

static void v1_validate(const json_t *obj, ck_field_errors *fe)
{
    json_t *v2 = ck_hpa_v1_to_v2(obj);
    validate(v2, fe);
    json_decref(v2);
}

static void v1_table_row(const json_t *obj, json_t *cells)
{
    json_t *v2 = ck_hpa_v1_to_v2(obj);
    table_row(v2, cells);
    json_decref(v2);
}

const ck_rtype_def ck_reg_hpa = {
    .group = "autoscaling",
    .version = "v2",
    .plural = "horizontalpodautoscalers",
    .defaults = defaults,
    .validate = validate,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = table_row,
};

const ck_rtype_def ck_reg_hpa_v1 = {
    .group = "autoscaling",
    .version = "v1",
    .plural = "horizontalpodautoscalers",
    .storage_version = "v2",
    .to_storage = ck_hpa_v1_to_v2,
    .from_storage = ck_hpa_v2_to_v1,
    .defaults = v1_defaults,
    .validate = v1_validate,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = v1_table_row,
};
