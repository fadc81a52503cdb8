/* limitranges (/v1): SetDefaults_LimitRangeItem (a Container's default limit from max,
 * default request from the default limit or min) and ValidateLimitRange. Upstream has no
 * printer for them, so the Table has the default Name / Created At columns. */
#include <stdio.h>

#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/podspec.h"

static const char *const lists[] = {"max", "min", "default", "defaultRequest",
                                    "maxLimitRequestRatio"};

static void fill_from(json_t *item, const char *dst, const char *src)
{
    const char *k;
    json_t *v;
    json_t *d = ck_obj_ensure(item, dst);
    json_object_foreach(json_object_get(item, src), k, v) if (!json_object_get(d, k))
        json_object_set(d, k, v);
}

static void lr_defaults(json_t *obj)
{
    size_t i;
    json_t *it;
    json_array_foreach(ck_obj_get(obj, "spec.limits"), i, it)
    {
        if (!json_is_object(it)) continue;
        for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
            ck_resource_list_defaults(json_object_get(it, lists[l]));
        if (!streq(ck_obj_str(it, "type"), "Container")) continue;
        fill_from(it, "default", "max");
        fill_from(it, "defaultRequest", "default");
        fill_from(it, "defaultRequest", "min");
    }
}

static bool qty(const json_t *list, const char *k, ck_quantity *q)
{
    return ck_json_quantity(json_object_get(list, k), q);
}

/* Invalid at path with the quantity a as value and "<what> value A is greater than ... B". */
static void greater(ck_field_errors *fe, const char *path, const ck_quantity *shown,
                    const char *fmt, const ck_quantity *a, const ck_quantity *b)
{
    char *sa = ck_quantity_string(a), *sb = ck_quantity_string(b), *ss = ck_quantity_string(shown);
    char *d = xasprintf(fmt, sa, sb);
    ck_ferr_invalid_str(fe, path, ss, d);
    free(d);
    free(sa);
    free(sb);
    free(ss);
}

static void lr_validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *limits = ck_obj_get(obj, "spec.limits");
    size_t i;
    json_t *it;
    char p[512], b[640];
    json_array_foreach(limits, i, it)
    {
        const char *type = ck_obj_str(it, "type") ? ck_obj_str(it, "type") : "";
        snprintf(p, sizeof p, "spec.limits[%zu]", i);
        snprintf(b, sizeof b, "%s.type", p);
        ck_msgs m = {0};
        if (ck_is_qualified_name(type, &m))
            ck_ferr_invalid_msgs(fe, b, type, &m);
        else if (!strchr(type, '/') && !streq(type, "Pod") && !streq(type, "Container") &&
                 !streq(type, "PersistentVolumeClaim"))
            ck_ferr_invalid_str(fe, b, type, "must be a standard limit type or fully qualified");
        for (size_t j = 0; j < i; j++)
            if (streq(ck_obj_str(json_array_get(limits, j), "type"), type)) {
                ck_ferr_duplicate(fe, b, json_object_get(it, "type"));
                break;
            }
        bool pod = streq(type, "Pod");
        bool ctr = pod || streq(type, "Container");
        for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
            const char *k;
            json_t *v;
            json_t *list = json_object_get(it, lists[l]);
            if (pod && (l == 2 || l == 3) && json_object_size(list)) {
                snprintf(b, sizeof b, "%s.%s", p, lists[l]);
                ck_ferr_forbidden(fe, b, "may not be specified when `type` is 'Pod'");
                continue;
            }
            json_object_foreach(list, k, v)
            {
                snprintf(b, sizeof b, "%s.%s[%s]", p, lists[l], k);
                ck_validate_resource_name(k, ctr ? CK_RES_CONTAINER : CK_RES_STANDARD, b, fe);
            }
        }
        const json_t *mn = json_object_get(it, "min"), *mx = json_object_get(it, "max");
        const json_t *df = json_object_get(it, "default"),
                     *dr = json_object_get(it, "defaultRequest");
        const json_t *ratio = json_object_get(it, "maxLimitRequestRatio");
        if (streq(type, "PersistentVolumeClaim") && !json_object_get(mn, "storage") &&
            !json_object_get(mx, "storage")) {
            snprintf(b, sizeof b, "%s.limits", p);
            ck_ferr_required(
                fe, b,
                "either minimum or maximum storage value is required, but neither was provided");
        }
        const json_t *all[] = {mx, mn, df, dr, ratio};
        for (size_t l = 0; l < ARRAY_SIZE(all); l++) {
            const char *k;
            json_t *v;
            json_object_foreach((json_t *)all[l], k, v)
            {
                ck_quantity qmin, qmax, qdef, qreq, qr;
                bool hmin = qty(mn, k, &qmin), hmax = qty(mx, k, &qmax), hdef = qty(df, k, &qdef);
                bool hreq = qty(dr, k, &qreq), hr = qty(ratio, k, &qr);
                /* report each key once: at the first list that has it */
                bool first = true;
                for (size_t e = 0; e < l; e++)
                    first &= !json_object_get(all[e], k);
                if (!first) continue;
                if (hmin && hmax && ck_quantity_cmp(&qmin, &qmax) > 0) {
                    snprintf(b, sizeof b, "%s.min[%s]", p, k);
                    greater(fe, b, &qmin, "min value %s is greater than max value %s", &qmin,
                            &qmax);
                }
                if (hreq && hmin && ck_quantity_cmp(&qmin, &qreq) > 0) {
                    snprintf(b, sizeof b, "%s.defaultRequest[%s]", p, k);
                    greater(fe, b, &qreq, "min value %s is greater than default request value %s",
                            &qmin, &qreq);
                }
                if (hreq && hmax && ck_quantity_cmp(&qreq, &qmax) > 0) {
                    snprintf(b, sizeof b, "%s.defaultRequest[%s]", p, k);
                    greater(fe, b, &qreq, "default request value %s is greater than max value %s",
                            &qreq, &qmax);
                }
                if (hreq && hdef && ck_quantity_cmp(&qreq, &qdef) > 0) {
                    snprintf(b, sizeof b, "%s.defaultRequest[%s]", p, k);
                    greater(fe, b, &qreq,
                            "default request value %s is greater than default limit value %s",
                            &qreq, &qdef);
                }
                if (hdef && hmin && ck_quantity_cmp(&qmin, &qdef) > 0) {
                    snprintf(b, sizeof b, "%s.default[%s]", p, k);
                    greater(fe, b, &qmin, "min value %s is greater than default value %s", &qmin,
                            &qdef);
                }
                if (hdef && hmax && ck_quantity_cmp(&qdef, &qmax) > 0) {
                    snprintf(b, sizeof b, "%s.default[%s]", p, k);
                    greater(fe, b, &qmax, "default value %s is greater than max value %s", &qdef,
                            &qmax);
                }
                if (hr && ck_quantity_milli(&qr) < 1000) {
                    char *s = ck_quantity_string(&qr), *d = xasprintf("ratio %s is less than 1", s);
                    snprintf(b, sizeof b, "%s.maxLimitRequestRatio[%s]", p, k);
                    ck_ferr_invalid_str(fe, b, s, d);
                    free(s);
                    free(d);
                }
            }
        }
    }
}

const ck_rtype_def ck_reg_limitrange = {
    .group = "",
    .version = "v1",
    .plural = "limitranges",
    .create_on_update = true,
    .defaults = lr_defaults,
    .validate = lr_validate,
};
