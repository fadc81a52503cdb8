/* resourcequotas (/v1): quota resource names and quantities (ValidateResourceQuota),
 * immutable scopes, status reset on create, and the printer's Request / Limit columns
 * built from status.hard and status.used (printResourceQuota). */
#include <stdio.h>

#include "lib/util.h"
#include "registry/corefmt.h"
#include "registry/kinds.h"
#include "registry/podspec.h"

static void rq_defaults(json_t *obj)
{
    ck_obj_ensure(obj, "spec");
    ck_resource_list_defaults(ck_obj_get(obj, "spec.hard"));
    ck_resource_list_defaults(ck_obj_get(obj, "status.hard"));
    ck_resource_list_defaults(ck_obj_get(obj, "status.used"));
}

static void rq_prepare_create(json_t *obj)
{
    json_object_set_new(obj, "status", json_object());
}

static void hard_list(const json_t *list, const char *path, ck_field_errors *fe)
{
    const char *k;
    json_t *v;
    char b[512];
    json_object_foreach((json_t *)list, k, v)
    {
        snprintf(b, sizeof b, "%s[%s]", path, k);
        ck_validate_resource_name(k, CK_RES_QUOTA, b, fe);
        ck_validate_quantity(k, v, b, fe);
    }
}

static const char *const scopes[] = {"Terminating",
                                     "NotTerminating",
                                     "BestEffort",
                                     "NotBestEffort",
                                     "PriorityClass",
                                     "CrossNamespacePodAffinity",
                                     "VolumeAttributesClass",
                                     NULL};

static void rq_validate(const json_t *obj, ck_field_errors *fe)
{
    hard_list(ck_obj_get(obj, "spec.hard"), "spec.hard", fe);
    hard_list(ck_obj_get(obj, "status.hard"), "status.hard", fe);
    hard_list(ck_obj_get(obj, "status.used"), "status.used", fe);
    const json_t *sc = ck_obj_get(obj, "spec.scopes");
    size_t i;
    json_t *s;
    bool be = false, nbe = false, t = false, nt = false;
    json_array_foreach(sc, i, s)
    {
        const char *v = json_string_value(s) ? json_string_value(s) : "";
        const char *const *k = scopes;
        while (*k && !streq(*k, v))
            k++;
        if (!*k) ck_ferr_invalid(fe, "spec.scopes", sc, "unsupported scope");
        be |= streq(v, "BestEffort");
        nbe |= streq(v, "NotBestEffort");
        t |= streq(v, "Terminating");
        nt |= streq(v, "NotTerminating");
    }
    if ((be && nbe) || (t && nt)) ck_ferr_invalid(fe, "spec.scopes", sc, "conflicting scopes");
}

static void rq_validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    const json_t *ns = ck_obj_get(obj, "spec.scopes"), *os = ck_obj_get(old, "spec.scopes");
    size_t i, j;
    json_t *a, *b;
    bool same = true;
    json_array_foreach(ns, i, a)
    {
        bool f = false;
        json_array_foreach(os, j, b) f |= json_equal(a, b);
        same &= f;
    }
    json_array_foreach(os, i, a)
    {
        bool f = false;
        json_array_foreach(ns, j, b) f |= json_equal(a, b);
        same &= f;
    }
    if (!same) ck_ferr_invalid(fe, "spec.scopes", ns, "field is immutable");
}

static const ck_column rq_columns[] = {
    CK_CORE_COL_NAME,
    {"Request", "string", "",
     "Request represents a minimum amount of cpu/memory that a container may consume.", 0},
    {"Limit", "string", "",
     "Limits control the maximum amount of cpu/memory that a container may use independent of "
     "contention on the node.",
     0},
    CK_CORE_COL_AGE,
};

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static char *qstr(const json_t *v)
{
    ck_quantity q;
    if (ck_json_quantity(v, &q)) return ck_quantity_string(&q);
    return xstrdup("0");
}

static void rq_row(const json_t *obj, json_t *cells)
{
    const json_t *hard = ck_obj_get(obj, "status.hard"), *used = ck_obj_get(obj, "status.used");
    size_t n = json_object_size(hard), k = 0;
    const char **names = xcalloc(n + 1, sizeof *names);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)hard, key, v) names[k++] = key;
    qsort(names, k, sizeof *names, cmp_str);
    char *cols[2] = {xstrdup(""), xstrdup("")};
    for (size_t i = 0; i < k; i++) {
        int c = has_prefix(names[i], "limits.") ? 1 : 0;
        char *u = qstr(json_object_get(used, names[i])), *h = qstr(json_object_get(hard, names[i]));
        char *s = xasprintf("%s%s%s: %s/%s", cols[c], *cols[c] ? ", " : "", names[i], u, h);
        free(cols[c]);
        cols[c] = s;
        free(u);
        free(h);
    }
    free(names);
    ck_row_name(obj, cells);
    ck_row_take(cells, cols[0]);
    ck_row_take(cells, cols[1]);
    ck_row_age(obj, cells);
}

const ck_rtype_def ck_reg_resourcequota = {
    .group = "",
    .version = "v1",
    .plural = "resourcequotas",
    .defaults = rq_defaults,
    .prepare_create = rq_prepare_create,
    .validate = rq_validate,
    .validate_update = rq_validate_update,
    .columns = rq_columns,
    .ncolumns = ARRAY_SIZE(rq_columns),
    .table_row = rq_row,
};
