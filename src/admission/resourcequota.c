/* ResourceQuota: usage of pods, services, persistentvolumeclaims and object counts is
 * computed from the watch cache (which writes update at once, so objects created earlier in
 * the same loop iteration count); a write that would take a quota over spec.hard is
 * refused. Scoped quotas (spec.scopes / scopeSelector) are not evaluated yet. */
#include "admission/resourcequota.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiserver/cache.h"
#include "apiserver/objstore.h"
#include "apiserver/server.h"
#include "lib/log.h"
#include "lib/util.h"
#include "registry/podspec.h"
#include "registry/registry.h"

/* ---- resource lists ---- */

void ck_rl_clear(ck_rlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].name);
    free(l->v);
    *l = (ck_rlist){0};
}

ck_quantity *ck_rl_get(const ck_rlist *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (streq(l->v[i].name, name)) return &l->v[i].q;
    return NULL;
}

static ck_quantity *rl_put(ck_rlist *l, const char *name, const ck_quantity *q)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n] = (ck_rl_item){.name = xstrdup(name), .q = *q};
    return &l->v[l->n++].q;
}

void ck_quantity_add(ck_quantity *a, const ck_quantity *b, int sign)
{
    __int128 ma = a->mantissa, mb = b->mantissa;
    int32_t s = a->scale < b->scale ? a->scale : b->scale;
    for (int32_t i = a->scale; i > s; i--)
        ma *= 10;
    for (int32_t i = b->scale; i > s; i--)
        mb *= 10;
    a->mantissa = ma + sign * mb;
    a->scale = a->mantissa ? s : 0;
    a->cached[0] = '\0';
}

void ck_rl_add(ck_rlist *l, const char *name, const ck_quantity *q)
{
    ck_quantity *cur = ck_rl_get(l, name);
    if (!cur) {
        rl_put(l, name, q);
        return;
    }
    ck_quantity_add(cur, q, 1);
}

void ck_rl_max(ck_rlist *l, const char *name, const ck_quantity *q)
{
    ck_quantity *cur = ck_rl_get(l, name);
    if (!cur)
        rl_put(l, name, q);
    else if (ck_quantity_cmp(cur, q) < 0)
        *cur = *q;
}

void ck_rl_add_json(ck_rlist *l, const json_t *rl)
{
    const char *k;
    json_t *v;
    ck_quantity q;
    json_object_foreach((json_t *)rl, k, v) if (ck_json_quantity(v, &q)) ck_rl_add(l, k, &q);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *ck_rl_pretty(const ck_rlist *l, const char *const *names, size_t n)
{
    const char **sorted = xcalloc(n + 1, sizeof *sorted);
    memcpy(sorted, names, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_str);
    char *out = xstrdup("");
    for (size_t i = 0; i < n; i++) {
        ck_quantity zero = {.format = CK_Q_DECIMAL_SI}, *q = ck_rl_get(l, sorted[i]);
        char *v = ck_quantity_string(q ? q : &zero);
        char *next = xasprintf("%s%s%s=%s", out, i ? "," : "", sorted[i], v);
        free(v);
        free(out);
        out = next;
    }
    free(sorted);
    return out;
}

/* ---- evaluators: the usage one object charges ---- */

static void one(ck_rlist *l, const char *name, int64_t n)
{
    ck_quantity q = {.mantissa = n, .format = CK_Q_DECIMAL_SI};
    ck_rl_add(l, name, &q);
}

static bool terminal_pod(const json_t *pod)
{
    const char *phase = ck_obj_str(pod, "status.phase");
    return phase && (streq(phase, "Succeeded") || streq(phase, "Failed"));
}

/* Requests or limits of a pod: containers summed, init containers as a maximum. */
static void pod_resources(const json_t *pod, const char *which, ck_rlist *out)
{
    size_t i;
    json_t *c;
    char path[64];
    snprintf(path, sizeof path, "resources.%s", which);
    json_array_foreach(ck_obj_get(pod, "spec.containers"), i, c)
        ck_rl_add_json(out, ck_obj_get(c, path));
    json_array_foreach(ck_obj_get(pod, "spec.initContainers"), i, c)
    {
        const char *k;
        json_t *v;
        ck_quantity q;
        json_object_foreach(ck_obj_get(c, path), k, v) if (ck_json_quantity(v, &q))
            ck_rl_max(out, k, &q);
    }
}

static void pod_usage(const json_t *pod, ck_rlist *u)
{
    if (terminal_pod(pod)) return;
    one(u, "pods", 1);
    one(u, "count/pods", 1);
    ck_rlist req = {0}, lim = {0};
    pod_resources(pod, "requests", &req);
    pod_resources(pod, "limits", &lim);
    static const char *const res[] = {"cpu", "memory", "ephemeral-storage"};
    for (size_t i = 0; i < ARRAY_SIZE(res); i++) {
        ck_quantity *q = ck_rl_get(&req, res[i]);
        char name[64];
        if (q) {
            ck_rl_add(u, res[i], q);
            snprintf(name, sizeof name, "requests.%s", res[i]);
            ck_rl_add(u, name, q);
        }
        if ((q = ck_rl_get(&lim, res[i]))) {
            snprintf(name, sizeof name, "limits.%s", res[i]);
            ck_rl_add(u, name, q);
        }
    }
    ck_rl_clear(&req);
    ck_rl_clear(&lim);
}

static void service_usage(const json_t *svc, ck_rlist *u)
{
    one(u, "services", 1);
    one(u, "count/services", 1);
    const char *type = ck_obj_str(svc, "spec.type");
    size_t ports = json_array_size(ck_obj_get(svc, "spec.ports"));
    if (type && streq(type, "LoadBalancer")) {
        one(u, "services.loadbalancers", 1);
        if (json_is_false(ck_obj_get(svc, "spec.allocateLoadBalancerNodePorts"))) {
            size_t i, n = 0;
            json_t *p;
            json_array_foreach(ck_obj_get(svc, "spec.ports"), i, p) n +=
                json_integer_value(json_object_get(p, "nodePort")) != 0;
            ports = n;
        }
        one(u, "services.nodeports", (int64_t)ports);
    } else if (type && streq(type, "NodePort")) {
        one(u, "services.nodeports", (int64_t)ports);
    }
}

static void pvc_usage(const json_t *pvc, ck_rlist *u)
{
    one(u, "persistentvolumeclaims", 1);
    one(u, "count/persistentvolumeclaims", 1);
    ck_quantity q;
    bool has = ck_json_quantity(ck_obj_get(pvc, "spec.resources.requests.storage"), &q);
    if (has) ck_rl_add(u, "requests.storage", &q);
    const char *sc = ck_obj_str(pvc, "spec.storageClassName");
    if (sc && *sc) {
        char name[320];
        snprintf(name, sizeof name, "%s.storageclass.storage.k8s.io/persistentvolumeclaims", sc);
        one(u, name, 1);
        snprintf(name, sizeof name, "%s.storageclass.storage.k8s.io/requests.storage", sc);
        if (has) ck_rl_add(u, name, &q);
    }
}

static const char *const legacy_counts[] = {"configmaps", "secrets", "replicationcontrollers",
                                            "resourcequotas"};

/* Usage of one object of type rt. */
static void usage_of(const ck_rtype *rt, const json_t *obj, ck_rlist *u)
{
    const char *group = rt->def->group, *plural = rt->def->plural;
    if (!*group && streq(plural, "pods")) return pod_usage(obj, u);
    if (!*group && streq(plural, "services")) return service_usage(obj, u);
    if (!*group && streq(plural, "persistentvolumeclaims")) return pvc_usage(obj, u);
    char name[300];
    snprintf(name, sizeof name, "count/%s%s%s", plural, *group ? "." : "", group);
    one(u, name, 1);
    for (size_t i = 0; i < ARRAY_SIZE(legacy_counts) && !*group; i++)
        if (streq(plural, legacy_counts[i])) one(u, plural, 1);
}

/* The type whose objects a quota resource name counts, or NULL. */
static ck_rtype *rtype_for(const char *res)
{
    const char *plural = NULL, *group = "";
    char buf[256];
    if (!strncmp(res, "count/", 6)) {
        snprintf(buf, sizeof buf, "%s", res + 6);
        char *dot = strchr(buf, '.');
        if (dot) {
            *dot = '\0';
            group = dot + 1;
        }
        plural = buf;
    } else if (!strncmp(res, "services", 8)) {
        plural = "services";
    } else if (!strncmp(res, "persistentvolumeclaims", 22) || strstr(res, ".storageclass.") ||
               streq(res, "requests.storage")) {
        plural = "persistentvolumeclaims";
    } else {
        plural = "pods";
        for (size_t i = 0; i < ARRAY_SIZE(legacy_counts); i++)
            if (streq(res, legacy_counts[i])) plural = res;
    }
    ck_rtype *rt;
    for (unsigned i = 0; (rt = ck_registry_at(i)); i++)
        if (streq(rt->def->group, group) && streq(rt->def->plural, plural)) return rt;
    return NULL;
}

typedef struct usage_ctx {
    ck_rtype *rt;
    ck_rlist *u;
} usage_ctx;

static bool add_usage(ck_obj *o, void *ctx)
{
    usage_ctx *c = ctx;
    json_t *doc = ck_obj_parse(o);
    if (doc) usage_of(c->rt, doc, c->u);
    json_decref(doc);
    return true;
}

/* Usage in namespace ns of the resources named in hard (each type listed once). */
static void namespace_usage(ck_apiserver *srv, const char *ns, const json_t *hard, ck_rlist *u)
{
    ck_rtype *seen[32];
    size_t nseen = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)hard, k, v)
    {
        ck_rtype *rt = rtype_for(k);
        bool dup = !rt;
        for (size_t i = 0; i < nseen && !dup; i++)
            dup = seen[i] == rt;
        if (dup || nseen == ARRAY_SIZE(seen)) continue;
        seen[nseen++] = rt;
        usage_ctx c = {rt, u};
        ck_cache_each(srv->cache, rt, ns, NULL, add_usage, &c);
    }
}

/* ---- admission ---- */

typedef struct obj_vec {
    ck_obj **v;
    size_t n, cap;
} obj_vec;

static bool collect(ck_obj *o, void *ctx)
{
    obj_vec *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = ck_obj_ref(o);
    return true;
}

static void obj_vec_clear(obj_vec *l)
{
    for (size_t i = 0; i < l->n; i++)
        ck_obj_unref(l->v[i]);
    free(l->v);
}

static bool scoped(const json_t *rq)
{
    return json_array_size(ck_obj_get(rq, "spec.scopes")) ||
           json_is_object(ck_obj_get(rq, "spec.scopeSelector"));
}

/* Upstream's pod Constraints: a quota on cpu/memory needs every container to set them. */
static int pod_constraints(const ck_admission_attrs *a, const char *qname, const json_t *hard,
                           const json_t *pod, ck_err **err)
{
    static const char *const need[] = {"cpu",    "limits.cpu",   "limits.memory",
                                       "memory", "requests.cpu", "requests.memory"};
    static const char *const lists[] = {"spec.containers", "spec.initContainers"};
    char *msg = NULL;
    for (size_t r = 0; r < ARRAY_SIZE(need); r++) {
        if (!json_object_get(hard, need[r])) continue;
        const char *dot = strchr(need[r], '.');
        const char *res = dot ? dot + 1 : need[r];
        bool want_limit = !strncmp(need[r], "limits.", 7);
        char *names = NULL;
        for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
            size_t i;
            json_t *c;
            json_array_foreach(ck_obj_get(pod, lists[l]), i, c)
            {
                const json_t *rl =
                    ck_obj_get(c, want_limit ? "resources.limits" : "resources.requests");
                if (json_object_get(rl, res)) continue;
                const char *cn = ck_obj_str(c, "name");
                char *next =
                    xasprintf("%s%s%s", names ? names : "", names ? "," : "", cn ? cn : "");
                free(names);
                names = next;
            }
        }
        if (!names) continue;
        char *next = xasprintf("%s%s%s for: %s", msg ? msg : "", msg ? "; " : "", need[r], names);
        free(names);
        free(msg);
        msg = next;
    }
    if (!msg) return 0;
    ck_error(err, 403, CK_FORBIDDEN, "%s \"%s\" is forbidden: failed quota: %s: must specify %s",
             a->rt->def->plural, a->name ? a->name : "", qname, msg);
    free(msg);
    return -1;
}

/* Checks one quota against the requested delta. */
static int check_quota(const ck_admission_attrs *a, ck_obj *q, const json_t *obj,
                       const ck_rlist *delta, ck_err **err)
{
    json_t *rq = ck_obj_parse(q);
    const json_t *hard = ck_obj_get(rq, "spec.hard");
    int r = 0;
    if (!rq || scoped(rq) || !json_object_size(hard)) goto out;
    bool is_pod = !*a->rt->def->group && streq(a->rt->def->plural, "pods");
    if (is_pod && streq(a->operation, "CREATE") &&
        (r = pod_constraints(a, q->name, hard, obj, err)) < 0)
        goto out;
    const char *names[64];
    size_t nreq = 0, nexc = 0;
    for (size_t i = 0; i < delta->n && nreq < ARRAY_SIZE(names); i++)
        if (json_object_get(hard, delta->v[i].name) && delta->v[i].q.mantissa > 0)
            names[nreq++] = delta->v[i].name;
    if (!nreq) goto out;
    ck_rlist used = {0}, hardl = {0};
    namespace_usage(a->srv, a->ns, hard, &used);
    ck_rl_add_json(&hardl, hard);
    const char *exc[64];
    for (size_t i = 0; i < nreq; i++) {
        ck_quantity nu = {.format = CK_Q_DECIMAL_SI}, *u = ck_rl_get(&used, names[i]);
        if (u) nu = *u;
        ck_quantity_add(&nu, ck_rl_get(delta, names[i]), 1);
        const ck_quantity *h = ck_rl_get(&hardl, names[i]);
        if (h && ck_quantity_cmp(&nu, h) > 0) exc[nexc++] = names[i];
    }
    if (nexc) {
        char *rs = ck_rl_pretty(delta, exc, nexc), *us = ck_rl_pretty(&used, exc, nexc),
             *hs = ck_rl_pretty(&hardl, exc, nexc);
        r = ck_error(err, 403, CK_FORBIDDEN,
                     "%s \"%s\" is forbidden: exceeded quota: %s, requested: %s, used: %s, "
                     "limited: %s",
                     a->rt->def->plural, a->name ? a->name : "", q->name, rs, us, hs);
        free(rs);
        free(us);
        free(hs);
    }
    ck_rl_clear(&used);
    ck_rl_clear(&hardl);
out:
    json_decref(rq);
    return r;
}

static int rq_validate(const ck_admission_attrs *a, const json_t *obj, const json_t *old,
                       ck_err **err)
{
    if (!a->user || !a->ns || a->sub || !a->srv->cache) return 0;
    bool create = streq(a->operation, "CREATE");
    const char *g = a->rt->def->group, *p = a->rt->def->plural;
    bool update_charged = !*g && (streq(p, "services") || streq(p, "persistentvolumeclaims"));
    if (!create && !(streq(a->operation, "UPDATE") && update_charged)) return 0;
    ck_rtype *rqt = ck_registry_find("", "v1", "resourcequotas");
    obj_vec quotas = {0};
    ck_cache_each(a->srv->cache, rqt, a->ns, NULL, collect, &quotas);
    int r = 0;
    if (quotas.n) {
        ck_rlist delta = {0}, prev = {0};
        usage_of(a->rt, obj, &delta);
        if (!create && old) {
            usage_of(a->rt, old, &prev);
            for (size_t i = 0; i < delta.n; i++) {
                ck_quantity *pq = ck_rl_get(&prev, delta.v[i].name);
                if (pq) ck_quantity_add(&delta.v[i].q, pq, -1);
                if (delta.v[i].q.mantissa < 0) delta.v[i].q = (ck_quantity){0};
            }
        }
        for (size_t i = 0; i < quotas.n && r == 0; i++)
            r = check_quota(a, quotas.v[i], obj, &delta, err);
        ck_rl_clear(&delta);
        ck_rl_clear(&prev);
    }
    obj_vec_clear(&quotas);
    return r;
}

const ck_admission_plugin ck_admission_resourcequota = {.name = "ResourceQuota",
                                                        .validate = rq_validate};

/* ---- status reconciler (upstream's resource quota controller) ---- */

/* Whether two resource lists hold the same names with equal values. */
static bool same_list(const json_t *a, const json_t *b)
{
    if (json_object_size(a) != json_object_size(b)) return false;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)a, k, v)
    {
        ck_quantity qa, qb;
        if (!ck_json_quantity(v, &qa) || !ck_json_quantity(json_object_get(b, k), &qb) ||
            ck_quantity_cmp(&qa, &qb) != 0)
            return false;
    }
    return true;
}

static void sync_quota(ck_apiserver *srv, ck_rtype *rt, ck_obj *q)
{
    json_t *doc = ck_obj_parse(q);
    if (!doc) return;
    json_t *hard = ck_obj_get(doc, "spec.hard");
    json_t *used = json_object();
    if (json_is_object(hard) && !scoped(doc)) {
        ck_rlist u = {0};
        namespace_usage(srv, q->ns, hard, &u);
        const char *k;
        json_t *v;
        json_object_foreach(hard, k, v)
        {
            ck_quantity zero = {.format = CK_Q_DECIMAL_SI}, *uq = ck_rl_get(&u, k);
            char *s = ck_quantity_string(uq ? uq : &zero);
            json_object_set_new(used, k, json_string(s));
            free(s);
        }
        ck_rl_clear(&u);
    }
    json_t *nhard = json_is_object(hard) ? json_deep_copy(hard) : json_object();
    if (!same_list(nhard, ck_obj_get(doc, "status.hard")) ||
        !same_list(used, ck_obj_get(doc, "status.used"))) {
        json_object_set_new(doc, "status", json_pack("{s:o, s:o}", "hard", nhard, "used", used));
        ck_write_opts o = {.subresource = "status",
                           .field_manager = "kube-controller-manager",
                           .operation = "Update"};
        ck_written w = {0};
        ck_err *err = NULL;
        if (ck_objstore_update(srv, rt, q, doc, &o, &w, &err) < 0)
            ck_log_warn("resourcequota %s/%s: status update: %s", q->ns, q->name, err->message);
        ck_err_free(err);
        ck_written_clear(&w);
    } else {
        json_decref(nhard);
        json_decref(used);
    }
    json_decref(doc);
}

void ck_quota_tick(ck_apiserver *srv)
{
    static int64_t seen_rev = -1;
    if (!srv->cache) return;
    int64_t rev = ck_cache_rev(srv->cache);
    if (rev == seen_rev) return;
    seen_rev = rev;
    ck_rtype *rt = ck_registry_find("", "v1", "resourcequotas");
    obj_vec l = {0};
    ck_cache_each(srv->cache, rt, NULL, NULL, collect, &l);
    for (size_t i = 0; i < l.n; i++)
        sync_quota(srv, rt, l.v[i]);
    obj_vec_clear(&l);
}
