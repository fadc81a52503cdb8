/* LimitRanger (upstream's plugin/pkg/admission/limitranger): on pod creation, containers
 * get the default limits and requests of the namespace's LimitRanges (recorded in the
 * kubernetes.io/limit-ranger annotation); then pods (Container and Pod items) and
 * PersistentVolumeClaims are checked against min, max and maxLimitRequestRatio. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admission/resourcequota.h"
#include "apiserver/cache.h"
#include "apiserver/server.h"
#include "lib/util.h"
#include "registry/podspec.h"
#include "registry/registry.h"

#define ANNOTATION "kubernetes.io/limit-ranger"
#define MAX_MILLI_VALUE (INT64_MAX / 1000)

typedef struct strs {
    char **v;
    size_t n, cap;
} strs;

static void strs_push(strs *s, char *str)
{
    for (size_t i = 0; i < s->n; i++)
        if (streq(s->v[i], str)) {
            free(str);
            return;
        }
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = str;
}

static void strs_clear(strs *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    *s = (strs){0};
}

/* Joined with sep; the caller frees. */
static char *strs_join(const strs *s, const char *sep)
{
    char *out = xstrdup("");
    for (size_t i = 0; i < s->n; i++) {
        char *next = xasprintf("%s%s%s", out, i ? sep : "", s->v[i]);
        free(out);
        out = next;
    }
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool collect_doc(ck_obj *o, void *ctx)
{
    json_t *arr = ctx;
    json_t *doc = ck_obj_parse(o);
    if (doc) json_array_append_new(arr, doc);
    return true;
}

/* The namespace's LimitRanges, parsed (new reference). */
static json_t *limit_ranges(ck_apiserver *srv, const char *ns)
{
    json_t *arr = json_array();
    ck_rtype *rt = ck_registry_find("", "v1", "limitranges");
    if (srv->cache && rt) ck_cache_each(srv->cache, rt, ns, NULL, collect_doc, arr);
    return arr;
}

static bool applies(const ck_admission_attrs *a, bool *is_pod)
{
    if (a->sub || !a->ns) return false;
    const char *g = a->rt->def->group, *p = a->rt->def->plural;
    *is_pod = !*g && streq(p, "pods");
    bool pvc = !*g && streq(p, "persistentvolumeclaims");
    bool create = streq(a->operation, "CREATE");
    return (*is_pod && create) || (pvc && (create || streq(a->operation, "UPDATE")));
}

/* ---- defaults ---- */

/* Sets the names of dflt missing from container's resources.<which>; appends the "cpu,
 * memory request for container c" note. */
static void merge(json_t *c, const char *which, const json_t *dflt, const char *kind, strs *notes)
{
    if (!json_object_size(dflt)) return;
    json_t *res = ck_obj_ensure(c, "resources");
    json_t *list = json_object_get(res, which);
    if (!json_is_object(list)) {
        list = json_object();
        json_object_set_new(res, which, list);
    }
    strs set = {0};
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)dflt, k, v)
    {
        if (json_object_get(list, k)) continue;
        json_object_set(list, k, v);
        strs_push(&set, xstrdup(k));
    }
    if (!json_object_size(list)) json_object_del(res, which);
    if (!set.n) return;
    qsort(set.v, set.n, sizeof *set.v, cmp_str);
    char *names = strs_join(&set, ", ");
    const char *cn = ck_obj_str(c, "name");
    strs_push(notes, xasprintf("%s %s for %s %s", names,
                               streq(which, "limits") ? "limit" : "request", kind, cn ? cn : ""));
    free(names);
    strs_clear(&set);
}

static void apply_defaults(json_t *pod, const json_t *lr)
{
    json_t *limits = json_object(), *requests = json_object();
    size_t i;
    json_t *it;
    json_array_foreach(ck_obj_get(lr, "spec.limits"), i, it)
    {
        const char *type = ck_obj_str(it, "type");
        if (!type || !streq(type, "Container")) continue;
        json_object_update(limits, json_object_get(it, "default"));
        json_object_update(requests, json_object_get(it, "defaultRequest"));
    }
    strs notes = {0};
    static const char *const lists[] = {"spec.containers", "spec.initContainers"};
    static const char *const kinds[] = {"container", "init container"};
    for (size_t l = 0; l < 2; l++) {
        json_t *c;
        json_array_foreach(ck_obj_get(pod, lists[l]), i, c)
        {
            if (!json_is_object(c)) continue;
            merge(c, "requests", requests, kinds[l], &notes);
            merge(c, "limits", limits, kinds[l], &notes);
        }
    }
    if (notes.n) {
        char *all = strs_join(&notes, "; ");
        char *val = xasprintf("LimitRanger plugin set: %s", all);
        json_object_set_new(ck_obj_ensure(pod, "metadata.annotations"), ANNOTATION,
                            json_string(val));
        free(val);
        free(all);
    }
    strs_clear(&notes);
    json_decref(limits);
    json_decref(requests);
}

static int lr_admit(const ck_admission_attrs *a, json_t *obj, const json_t *old, ck_err **err)
{
    (void)old;
    (void)err;
    bool is_pod;
    if (!applies(a, &is_pod) || !is_pod) return 0;
    json_t *lrs = limit_ranges(a->srv, a->ns);
    size_t i;
    json_t *lr;
    json_array_foreach(lrs, i, lr) apply_defaults(obj, lr);
    json_decref(lrs);
    return 0;
}

/* ---- validation ---- */

static char *qstr(const ck_quantity *q)
{
    return ck_quantity_string(q);
}

static void constraint(strs *errs, const char *kind, const char *res, const char *which,
                       const json_t *enforced_v, const json_t *requests, const json_t *limits)
{
    ck_quantity enf, req, lim;
    if (!ck_json_quantity(enforced_v, &enf)) return;
    bool has_req = ck_json_quantity(json_object_get(requests, res), &req);
    bool has_lim = limits && ck_json_quantity(json_object_get(limits, res), &lim);
    char *e = qstr(&enf);
    if (streq(which, "min")) {
        if (!has_req) {
            strs_push(errs, xasprintf("minimum %s usage per %s is %s.  No request is specified",
                                      res, kind, e));
        } else if (ck_quantity_cmp(&req, &enf) < 0) {
            char *s = qstr(&req);
            strs_push(errs, xasprintf("minimum %s usage per %s is %s, but request is %s", res, kind,
                                      e, s));
            free(s);
        } else if (has_lim && ck_quantity_cmp(&lim, &enf) < 0) {
            char *s = qstr(&lim);
            strs_push(errs,
                      xasprintf("minimum %s usage per %s is %s, but limit is %s", res, kind, e, s));
            free(s);
        }
    } else if (streq(which, "max") && !limits) { /* PersistentVolumeClaim: the request */
        if (!has_req) {
            strs_push(errs, xasprintf("maximum %s usage per %s is %s.  No request is specified",
                                      res, kind, e));
        } else if (ck_quantity_cmp(&req, &enf) > 0) {
            char *s = qstr(&req);
            strs_push(errs, xasprintf("maximum %s usage per %s is %s, but request is %s", res, kind,
                                      e, s));
            free(s);
        }
    } else if (streq(which, "max")) {
        if (!has_lim) {
            strs_push(errs, xasprintf("maximum %s usage per %s is %s.  No limit is specified", res,
                                      kind, e));
        } else if (ck_quantity_cmp(&lim, &enf) > 0) {
            char *s = qstr(&lim);
            strs_push(errs,
                      xasprintf("maximum %s usage per %s is %s, but limit is %s", res, kind, e, s));
            free(s);
        } else if (has_req && ck_quantity_cmp(&req, &enf) > 0) {
            char *s = qstr(&req);
            strs_push(errs, xasprintf("maximum %s usage per %s is %s, but request is %s", res, kind,
                                      e, s));
            free(s);
        }
    } else {
        int64_t r = has_req ? ck_quantity_milli(&req) : 0,
                l = has_lim ? ck_quantity_milli(&lim) : 0;
        if (r == 0)
            strs_push(errs, xasprintf("%s max limit to request ratio per %s is %s, but no "
                                      "request is specified or request is 0",
                                      res, kind, e));
        else if (l == 0)
            strs_push(errs, xasprintf("%s max limit to request ratio per %s is %s, but no "
                                      "limit is specified or limit is 0",
                                      res, kind, e));
        else {
            double ratio = (double)l / (double)r, shown = ratio;
            double maxr = (double)ck_quantity_value(&enf);
            if (ck_quantity_value(&enf) <= MAX_MILLI_VALUE) {
                ratio *= 1000;
                maxr = (double)ck_quantity_milli(&enf);
            }
            if (ratio > maxr)
                strs_push(errs, xasprintf("%s max limit to request ratio per %s is %s, but "
                                          "provided ratio is %f",
                                          res, kind, e, shown));
        }
    }
    free(e);
}

/* min, max and maxLimitRequestRatio of one LimitRange item against requests/limits
 * (limits NULL for a PersistentVolumeClaim, which has neither ratio nor limit). */
static void check_item(strs *errs, const json_t *it, const char *kind, const json_t *requests,
                       const json_t *limits)
{
    static const char *const which[] = {"min", "max", "maxLimitRequestRatio"};
    for (size_t w = 0; w < (limits ? 3u : 2u); w++) {
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(it, which[w]), k, v)
            constraint(errs, kind, k, which[w], v, requests, limits);
    }
}

/* Pod-level requests or limits as a JSON resource list (new reference). */
static json_t *pod_total(const json_t *pod, const char *which)
{
    ck_rlist l = {0};
    char path[64];
    snprintf(path, sizeof path, "resources.%s", which);
    size_t i;
    json_t *c;
    json_array_foreach(ck_obj_get(pod, "spec.containers"), i, c)
        ck_rl_add_json(&l, ck_obj_get(c, path));
    json_array_foreach(ck_obj_get(pod, "spec.initContainers"), i, c)
    {
        const char *k;
        json_t *v;
        ck_quantity q;
        json_object_foreach(ck_obj_get(c, path), k, v) if (ck_json_quantity(v, &q))
            ck_rl_max(&l, k, &q);
    }
    json_t *out = json_object();
    for (size_t j = 0; j < l.n; j++) {
        char *s = ck_quantity_string(&l.v[j].q);
        json_object_set_new(out, l.v[j].name, json_string(s));
        free(s);
    }
    ck_rl_clear(&l);
    return out;
}

static void check_pod(strs *errs, const json_t *it, const json_t *pod)
{
    const char *type = ck_obj_str(it, "type");
    if (!type) return;
    if (streq(type, "Container")) {
        static const char *const lists[] = {"spec.containers", "spec.initContainers"};
        for (size_t l = 0; l < 2; l++) {
            size_t i;
            json_t *c;
            json_array_foreach(ck_obj_get(pod, lists[l]), i, c)
            {
                json_t *lim = ck_obj_get(c, "resources.limits"), *empty = json_object();
                check_item(errs, it, "Container", ck_obj_get(c, "resources.requests"),
                           lim ? lim : empty);
                json_decref(empty);
            }
        }
    } else if (streq(type, "Pod")) {
        json_t *req = pod_total(pod, "requests"), *lim = pod_total(pod, "limits");
        check_item(errs, it, "Pod", req, lim);
        json_decref(req);
        json_decref(lim);
    }
}

static int lr_validate(const ck_admission_attrs *a, const json_t *obj, const json_t *old,
                       ck_err **err)
{
    (void)old;
    bool is_pod;
    if (!a->user || !applies(a, &is_pod)) return 0;
    json_t *lrs = limit_ranges(a->srv, a->ns);
    strs errs = {0};
    size_t i, j;
    json_t *lr, *it;
    json_array_foreach(lrs, i, lr) json_array_foreach(ck_obj_get(lr, "spec.limits"), j, it)
    {
        const char *type = ck_obj_str(it, "type");
        if (is_pod)
            check_pod(&errs, it, obj);
        else if (type && streq(type, "PersistentVolumeClaim"))
            check_item(&errs, it, "PersistentVolumeClaim",
                       ck_obj_get(obj, "spec.resources.requests"), NULL);
    }
    json_decref(lrs);
    int r = 0;
    if (errs.n) {
        char *all = strs_join(&errs, ", ");
        r = ck_error(err, 403, CK_FORBIDDEN, "%s \"%s\" is forbidden: %s%s%s", a->rt->def->plural,
                     a->name ? a->name : "", errs.n > 1 ? "[" : "", all, errs.n > 1 ? "]" : "");
        free(all);
    }
    strs_clear(&errs);
    return r;
}

const ck_admission_plugin ck_admission_limitranger = {
    .name = "LimitRanger", .admit = lr_admit, .validate = lr_validate};
