/* NodeResourcesFit (upstream plugins/noderesources/fit.go and the scorers): Filter checks
 * the pod count and every requested resource against allocatable minus requested ("Too
 * many pods", "Insufficient <resource>"; unresolvable when the request exceeds the whole
 * node); Score uses the configured strategy: LeastAllocated (default), MostAllocated or
 * RequestedToCapacityRatio, over weighted resources, with the non-zero request defaults. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/plugins.h"

enum { LEAST_ALLOCATED, MOST_ALLOCATED, REQUESTED_TO_CAPACITY };

typedef struct shape_point {
    int64_t utilization, score;
} shape_point;

typedef struct fit {
    int strategy;
    ck_sched_rspec *res;
    uint32_t nres;
    shape_point *shape;
    uint32_t nshape;
    char **ignored, **ignored_groups;
    uint32_t nignored, nignored_groups;
} fit;

/* ---- Resource specs (shared with BalancedAllocation) -------------------------------- */

int ck_sched_parse_rspecs(ck_sched_symtab *t, const json_t *arr, ck_sched_rspec **out, uint32_t *n,
                          ck_err **err)
{
    size_t cnt = json_array_size(arr), i;
    json_t *e;
    if (cnt == 0) {
        *out = xcalloc(2, sizeof(ck_sched_rspec));
        (*out)[0] = (ck_sched_rspec){CK_RS_CPU, ck_sym_intern(t, "cpu"), 1};
        (*out)[1] = (ck_sched_rspec){CK_RS_MEMORY, ck_sym_intern(t, "memory"), 1};
        *n = 2;
        return 0;
    }
    *out = xcalloc(cnt, sizeof(ck_sched_rspec));
    *n = 0;
    json_array_foreach(arr, i, e)
    {
        const char *name = json_string_value(json_object_get(e, "name"));
        json_int_t w = json_integer_value(json_object_get(e, "weight"));
        if (!name)
            return ck_error(err, 400, CK_BAD_REQUEST, "resources[%zu].name: Required value", i);
        if (w == 0) w = 1;
        if (w < 1 || w > 100)
            return ck_error(err, 400, CK_BAD_REQUEST,
                            "resources[%zu].weight: Invalid value: %lld: resource weight of %s "
                            "should be in range [1, 100]",
                            i, (long long)w, name);
        uint8_t kind = streq(name, "cpu")                 ? CK_RS_CPU
                       : streq(name, "memory")            ? CK_RS_MEMORY
                       : streq(name, "ephemeral-storage") ? CK_RS_EPHEMERAL
                       : ck_sched_is_scalar(name)         ? CK_RS_SCALAR
                                                          : CK_RS_OTHER;
        (*out)[(*n)++] = (ck_sched_rspec){kind, ck_sym_intern(t, name), w};
    }
    return 0;
}

int64_t ck_sched_rspec_pod(const ck_sched_rspec *r, const ck_sched_pod *pod, bool use_requested)
{
    switch (r->kind) {
    case CK_RS_CPU:
        return use_requested ? pod->req.milli_cpu : pod->sc_milli_cpu;
    case CK_RS_MEMORY:
        return use_requested ? pod->req.memory : pod->sc_memory;
    case CK_RS_EPHEMERAL:
        return pod->req.ephemeral;
    case CK_RS_SCALAR:
        return ck_sched_scalar_get(&pod->req_sc, r->name);
    }
    return 0;
}

void ck_sched_rspec_node(const ck_sched_rspec *r, const ck_sched_node *node, int64_t pod_req,
                         bool use_requested, int64_t *alloc, int64_t *req)
{
    *alloc = *req = 0;
    switch (r->kind) {
    case CK_RS_CPU:
        *alloc = node->alloc.milli_cpu;
        *req = (use_requested ? node->requested.milli_cpu : node->nz_milli_cpu) + pod_req;
        break;
    case CK_RS_MEMORY:
        *alloc = node->alloc.memory;
        *req = (use_requested ? node->requested.memory : node->nz_memory) + pod_req;
        break;
    case CK_RS_EPHEMERAL:
        *alloc = node->alloc.ephemeral;
        *req = node->requested.ephemeral + pod_req;
        break;
    case CK_RS_SCALAR:
        if (pod_req == 0) break;
        *alloc = ck_sched_scalar_get(&node->alloc_sc, r->name);
        *req = ck_sched_scalar_get(&node->requested_sc, r->name) + pod_req;
        break;
    }
}

/* ---- Plugin --------------------------------------------------------------------------- */

static void destroy(void *self)
{
    fit *f = self;
    if (!f) return;
    free(f->res);
    free(f->shape);
    for (uint32_t i = 0; i < f->nignored; i++)
        free(f->ignored[i]);
    for (uint32_t i = 0; i < f->nignored_groups; i++)
        free(f->ignored_groups[i]);
    free(f->ignored);
    free(f->ignored_groups);
    free(f);
}

static char **strings(const json_t *arr, uint32_t *n)
{
    size_t cnt = json_array_size(arr), i;
    json_t *e;
    char **out = xcalloc(cnt + 1, sizeof(char *));
    *n = 0;
    json_array_foreach(arr, i, e) if (json_is_string(e)) out[(*n)++] =
        xstrdup(json_string_value(e));
    return out;
}

static void *create(const json_t *args, ck_sched_snapshot *snap, ck_err **err)
{
    fit *f = xcalloc(1, sizeof(*f));
    const json_t *ss = json_object_get(args, "scoringStrategy");
    const char *type = json_string_value(json_object_get(ss, "type"));
    if (!type || streq(type, "LeastAllocated"))
        f->strategy = LEAST_ALLOCATED;
    else if (streq(type, "MostAllocated"))
        f->strategy = MOST_ALLOCATED;
    else if (streq(type, "RequestedToCapacityRatio"))
        f->strategy = REQUESTED_TO_CAPACITY;
    else {
        ck_error(err, 400, CK_BAD_REQUEST, "scoring strategy %s is not supported", type);
        destroy(f);
        return NULL;
    }
    if (ck_sched_parse_rspecs(ck_sched_snapshot_symtab(snap), json_object_get(ss, "resources"),
                              &f->res, &f->nres, err) < 0) {
        destroy(f);
        return NULL;
    }
    if (f->strategy == REQUESTED_TO_CAPACITY) {
        const json_t *shape =
            json_object_get(json_object_get(ss, "requestedToCapacityRatio"), "shape");
        size_t n = json_array_size(shape), i;
        json_t *e;
        if (n == 0) {
            ck_error(err, 400, CK_BAD_REQUEST,
                     "scoringStrategy.requestedToCapacityRatio.shape: Required value: at least one "
                     "point must be specified");
            destroy(f);
            return NULL;
        }
        f->shape = xcalloc(n, sizeof(shape_point));
        json_array_foreach(shape, i, e)
        {
            /* Shape scores are 0-10 (MaxCustomPriorityScore), scaled to 0-100. */
            f->shape[f->nshape++] = (shape_point){
                json_integer_value(json_object_get(e, "utilization")),
                json_integer_value(json_object_get(e, "score")) * (CK_SCHED_MAX_NODE_SCORE / 10)};
        }
    }
    f->ignored = strings(json_object_get(args, "ignoredResources"), &f->nignored);
    f->ignored_groups =
        strings(json_object_get(args, "ignoredResourceGroups"), &f->nignored_groups);
    return f;
}

static ck_sched_status pre_filter(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                  ck_sched_prefilter_result *res)
{
    (void)self;
    (void)c;
    (void)pod;
    (void)res;
    return ck_sched_ok(); /* the requests were computed when the pod was parsed */
}

/* v1helper.IsExtendedResourceName */
static bool is_extended(const char *name)
{
    return strchr(name, '/') && !strstr(name, "kubernetes.io/") && !has_prefix(name, "requests.");
}

static bool ignored(const fit *f, const char *name)
{
    if (!is_extended(name)) return false;
    for (uint32_t i = 0; i < f->nignored; i++)
        if (streq(f->ignored[i], name)) return true;
    const char *slash = strchr(name, '/');
    for (uint32_t i = 0; i < f->nignored_groups; i++)
        if (strlen(f->ignored_groups[i]) == (size_t)(slash - name) &&
            strncmp(f->ignored_groups[i], name, (size_t)(slash - name)) == 0)
            return true;
    return false;
}

static void insufficient(ck_sched_status *st, const char *reason, bool unresolvable)
{
    if (unresolvable)
        st->code = CK_SCHED_UNRESOLVABLE;
    else if (st->code == CK_SCHED_SUCCESS)
        st->code = CK_SCHED_UNSCHEDULABLE;
    ck_sched_st_add(st, reason);
}

static ck_sched_status filter(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                              const ck_sched_node *node)
{
    const fit *f = self;
    ck_sched_status st = ck_sched_ok();
    if ((int64_t)node->npods + 1 > node->alloc.pods) insufficient(&st, "Too many pods", false);
    const ck_sched_res *r = &pod->req;
    const ck_sched_scalars *sc = &pod->req_sc;
    if (r->milli_cpu == 0 && r->memory == 0 && r->ephemeral == 0 && sc->n == 0) return st;
    int64_t v = r->milli_cpu;
    if (v > 0 && v > node->alloc.milli_cpu - node->requested.milli_cpu)
        insufficient(&st, "Insufficient cpu", v > node->alloc.milli_cpu);
    v = r->memory;
    if (v > 0 && v > node->alloc.memory - node->requested.memory)
        insufficient(&st, "Insufficient memory", v > node->alloc.memory);
    v = r->ephemeral;
    if (v > 0 && v > node->alloc.ephemeral - node->requested.ephemeral)
        insufficient(&st, "Insufficient ephemeral-storage", v > node->alloc.ephemeral);
    for (uint32_t i = 0; i < sc->n; i++) {
        v = sc->v[i].val;
        if (v == 0) continue;
        ck_sched_symtab *t = ck_sched_snapshot_symtab(ck_sched_cycle_snapshot(c));
        const char *name = ck_sym_str(t, sc->v[i].name);
        if (ignored(f, name)) continue;
        int64_t alloc = ck_sched_scalar_get(&node->alloc_sc, sc->v[i].name);
        if (v > alloc - ck_sched_scalar_get(&node->requested_sc, sc->v[i].name))
            insufficient(&st,
                         ck_sched_arena_printf(ck_sched_cycle_arena(c), "Insufficient %s", name),
                         v > alloc);
    }
    return st;
}

static ck_sched_status pre_score(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                 ck_sched_node *const *nodes, uint32_t n)
{
    (void)nodes;
    (void)n;
    const fit *f = self;
    int64_t *req = ck_sched_arena_alloc(ck_sched_cycle_arena(c), f->nres * sizeof(int64_t));
    for (uint32_t i = 0; i < f->nres; i++)
        req[i] = ck_sched_rspec_pod(&f->res[i], pod, false);
    ck_sched_cycle_put(c, CK_PL_NODE_RESOURCES_FIT, CK_STATE_PRESCORE, req, NULL, NULL);
    return ck_sched_ok();
}

static int64_t least(int64_t req, int64_t cap)
{
    if (cap == 0 || req > cap) return 0;
    return (cap - req) * CK_SCHED_MAX_NODE_SCORE / cap;
}

static int64_t most(int64_t req, int64_t cap)
{
    if (cap == 0) return 0;
    if (req > cap) req = cap;
    return req * CK_SCHED_MAX_NODE_SCORE / cap;
}

/* helper.BuildBrokenLinearFunction */
static int64_t broken_linear(const fit *f, int64_t p)
{
    for (uint32_t i = 0; i < f->nshape; i++) {
        if (p <= f->shape[i].utilization) {
            if (i == 0) return f->shape[0].score;
            return f->shape[i - 1].score +
                   (f->shape[i].score - f->shape[i - 1].score) * (p - f->shape[i - 1].utilization) /
                       (f->shape[i].utilization - f->shape[i - 1].utilization);
        }
    }
    return f->shape[f->nshape - 1].score;
}

static ck_sched_status score(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                             const ck_sched_node *node, int64_t *out)
{
    const fit *f = self;
    const int64_t *podreq = ck_sched_cycle_get(c, CK_PL_NODE_RESOURCES_FIT, CK_STATE_PRESCORE);
    int64_t sum = 0, weights = 0;
    for (uint32_t i = 0; i < f->nres; i++) {
        int64_t alloc, req;
        int64_t pr = podreq ? podreq[i] : ck_sched_rspec_pod(&f->res[i], pod, false);
        ck_sched_rspec_node(&f->res[i], node, pr, false, &alloc, &req);
        if (alloc == 0) continue;
        int64_t w = f->res[i].weight, s;
        if (f->strategy == LEAST_ALLOCATED) {
            s = least(req, alloc);
        } else if (f->strategy == MOST_ALLOCATED) {
            s = most(req, alloc);
        } else {
            s = req > alloc ? broken_linear(f, 100) : broken_linear(f, req * 100 / alloc);
            if (s <= 0) continue;
        }
        sum += s * w;
        weights += w;
    }
    if (weights == 0)
        *out = 0;
    else if (f->strategy == REQUESTED_TO_CAPACITY)
        *out = (int64_t)llround((double)sum / (double)weights);
    else
        *out = sum / weights;
    return ck_sched_ok();
}

const ck_sched_plugin_ops ck_pl_node_resources_fit = {.name = "NodeResourcesFit",
                                                      .create = create,
                                                      .destroy = destroy,
                                                      .pre_filter = pre_filter,
                                                      .filter = filter,
                                                      .pre_score = pre_score,
                                                      .score = score};
