/* PodTopologySpread (upstream plugins/podtopologyspread): DoNotSchedule constraints filter
 * (matching pods per topology domain + self - global minimum <= maxSkew, minDomains,
 * nodeAffinityPolicy Honor / nodeTaintsPolicy Ignore by default), ScheduleAnyway
 * constraints score (fewer matching pods is better, weighted by log(domains + 2)). Pods
 * without constraints get the default ones (System: hostname maxSkew 3, zone maxSkew 5)
 * with a selector from the Services, RCs, RSs and StatefulSets selecting them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/plugins.h"

#define ERR_CONSTRAINTS "node(s) didn't match pod topology spread constraints"
#define ERR_MISSING_LABEL ERR_CONSTRAINTS " (missing required label)"

typedef struct def_constraint {
    int32_t max_skew;
    ck_sym key;
    bool dns;
} def_constraint;

typedef struct pts {
    bool system_defaulted;
    def_constraint *defs;
    uint32_t ndefs;
    ck_sym hostname, empty;
} pts;

static void destroy(void *self)
{
    pts *p = self;
    if (!p) return;
    free(p->defs);
    free(p);
}

static void *create(const json_t *args, ck_sched_snapshot *snap, ck_err **err)
{
    ck_sched_symtab *t = ck_sched_snapshot_symtab(snap);
    pts *p = xcalloc(1, sizeof(*p));
    p->hostname = ck_sym_intern(t, "kubernetes.io/hostname");
    p->empty = ck_sym_intern(t, "");
    const char *type = json_string_value(json_object_get(args, "defaultingType"));
    const json_t *defs = json_object_get(args, "defaultConstraints");
    p->system_defaulted = !type || streq(type, "System");
    if (p->system_defaulted && json_array_size(defs)) {
        ck_error(err, 400, CK_BAD_REQUEST,
                 "defaultConstraints: Invalid value: when .defaultingType is \"System\", "
                 ".defaultConstraints must be empty");
        destroy(p);
        return NULL;
    }
    if (p->system_defaulted) {
        p->defs = xcalloc(2, sizeof(def_constraint));
        p->defs[0] = (def_constraint){3, p->hostname, false};
        p->defs[1] = (def_constraint){5, ck_sym_intern(t, "topology.kubernetes.io/zone"), false};
        p->ndefs = 2;
        return p;
    }
    size_t i;
    json_t *c;
    p->defs = xcalloc(json_array_size(defs) + 1, sizeof(def_constraint));
    json_array_foreach(defs, i, c)
    {
        const char *key = json_string_value(json_object_get(c, "topologyKey"));
        if (json_object_get(c, "labelSelector")) {
            ck_error(err, 400, CK_BAD_REQUEST,
                     "defaultConstraints[%zu].labelSelector: Forbidden: constraint must not define "
                     "a selector, as they deduced for each pod",
                     i);
            destroy(p);
            return NULL;
        }
        p->defs[p->ndefs++] = (def_constraint){
            (int32_t)json_integer_value(json_object_get(c, "maxSkew")),
            ck_sym_intern(t, key ? key : ""),
            !streq(json_string_value(json_object_get(c, "whenUnsatisfiable")), "ScheduleAnyway")};
    }
    return p;
}

/* getConstraints / buildDefaultConstraints for one whenUnsatisfiable action. */
static uint32_t constraints(const pts *p, ck_sched_cycle *c, const ck_sched_pod *pod, bool dns,
                            ck_sched_spread **out)
{
    ck_sched_arena *a = ck_sched_cycle_arena(c);
    uint32_t n = 0;
    if (pod->nspread) {
        *out = ck_sched_arena_alloc(a, pod->nspread * sizeof(ck_sched_spread));
        for (uint32_t i = 0; i < pod->nspread; i++)
            if (pod->spread[i].do_not_schedule == dns) (*out)[n++] = pod->spread[i];
        return n;
    }
    uint32_t want = 0;
    for (uint32_t i = 0; i < p->ndefs; i++)
        want += p->defs[i].dns == dns;
    if (!want) return 0;
    ck_sched_selector sel;
    if (!ck_sched_default_selector(ck_sched_cycle_snapshot(c), pod, a, &sel)) return 0;
    *out = ck_sched_arena_alloc(a, want * sizeof(ck_sched_spread));
    for (uint32_t i = 0; i < p->ndefs; i++)
        if (p->defs[i].dns == dns)
            (*out)[n++] = (ck_sched_spread){.max_skew = p->defs[i].max_skew,
                                            .topology_key = p->defs[i].key,
                                            .do_not_schedule = dns,
                                            .sel = sel,
                                            .min_domains = 1,
                                            .honor_node_affinity = true};
    return n;
}

static bool has_all_keys(const ck_sched_node *node, const ck_sched_spread *cons, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!ck_sched_labels_get(&node->labels, cons[i].topology_key)) return false;
    return true;
}

static bool included(const ck_sched_spread *c, const ck_sched_pod *pod, const ck_sched_node *node,
                     const ck_sched_symtab *t)
{
    if (c->honor_node_affinity && !ck_sched_required_affinity_matches(pod, node, t)) return false;
    if (c->honor_node_taints && ck_sched_untolerated(node, pod)) return false;
    return true;
}

/* Whether the counting can use the index's per-domain totals: every present node counts
 * (no node affinity or taint policy narrows them) and, when nodes must hold every key, none
 * lacks one. */
static bool whole_domains(ck_sched_snapshot *snap, const ck_sched_pod *pod,
                          const ck_sched_spread *cons, uint32_t n, ck_sched_spread_index **ix,
                          bool require_all)
{
    for (uint32_t i = 0; i < n; i++) {
        if (cons[i].honor_node_taints) return false;
        if (cons[i].honor_node_affinity && (pod->has_node_selector || pod->has_required))
            return false;
    }
    for (uint32_t i = 0; require_all && n > 1 && i < n; i++) {
        const ck_sched_u64map *nodes;
        ck_sched_spread_domains(snap, ix[i], cons[i].topology_key, &nodes);
        if (ck_sched_u64map_get(nodes, CK_SPREAD_MISSING)) return false;
    }
    return true;
}

/* ---- Filter ----------------------------------------------------------------------------- */

typedef struct pf_state {
    ck_sched_spread *cons; /* arena, shared by clones */
    uint32_t n;
    ck_sched_u64map *counts; /* per constraint: topology value -> matching pods */
    int64_t *min;
    bool min_dirty;
} pf_state;

static void pf_free(void *v)
{
    pf_state *s = v;
    for (uint32_t i = 0; i < s->n; i++)
        ck_sched_u64map_free(&s->counts[i]);
    free(s->counts);
    free(s->min);
    free(s);
}

static void *pf_clone(const void *v)
{
    const pf_state *s = v;
    pf_state *c = xmalloc(sizeof(*c));
    *c = *s;
    c->counts = xcalloc(s->n, sizeof(ck_sched_u64map));
    c->min = xmalloc(s->n * sizeof(int64_t));
    for (uint32_t i = 0; i < s->n; i++)
        ck_sched_u64map_copy(&c->counts[i], &s->counts[i]);
    memcpy(c->min, s->min, s->n * sizeof(int64_t));
    return c;
}

static void recompute_min(pf_state *s)
{
    for (uint32_t i = 0; i < s->n; i++) {
        s->min[i] = INT32_MAX;
        CK_SCHED_U64MAP_FOREACH(&s->counts[i], k)
        if (s->counts[i].vals[k] < s->min[i]) s->min[i] = s->counts[i].vals[k];
    }
    s->min_dirty = false;
}

static ck_sched_status pre_filter(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                  ck_sched_prefilter_result *res)
{
    (void)res;
    ck_sched_spread *cons = NULL;
    uint32_t n = constraints(self, c, pod, true, &cons);
    if (n == 0) return ck_sched_st(CK_SCHED_SKIP, NULL);
    ck_sched_snapshot *snap = ck_sched_cycle_snapshot(c);
    const ck_sched_symtab *t = ck_sched_snapshot_symtab(snap);
    pf_state *s = xcalloc(1, sizeof(*s));
    s->cons = cons;
    s->n = n;
    s->counts = xcalloc(n, sizeof(ck_sched_u64map));
    s->min = xcalloc(n, sizeof(int64_t));
    ck_sched_spread_index **ix = ck_sched_arena_alloc(ck_sched_cycle_arena(c), n * sizeof(*ix));
    for (uint32_t i = 0; i < n; i++)
        ix[i] = ck_sched_spread_get(snap, pod->ns, &cons[i].sel, false);
    if (whole_domains(snap, pod, cons, n, ix, true)) {
        for (uint32_t i = 0; i < n; i++) {
            const ck_sched_u64map *nodes;
            const ck_sched_u64map *pods =
                ck_sched_spread_domains(snap, ix[i], cons[i].topology_key, &nodes);
            CK_SCHED_U64MAP_FOREACH(nodes, k)
            {
                if (nodes->keys[k] == CK_SPREAD_MISSING) continue;
                const int64_t *cnt = ck_sched_u64map_get(pods, nodes->keys[k]);
                *ck_sched_u64map_slot(&s->counts[i], nodes->keys[k]) = cnt ? *cnt : 0;
            }
        }
    } else {
        uint32_t nall;
        ck_sched_node *const *all = ck_sched_snapshot_nodes(snap, &nall);
        for (uint32_t k = 0; k < nall; k++) {
            const ck_sched_node *node = all[k];
            if (!has_all_keys(node, cons, n)) continue;
            for (uint32_t i = 0; i < n; i++) {
                if (!included(&cons[i], pod, node, t)) continue;
                ck_sched_u64map_add(&s->counts[i],
                                    ck_sched_labels_get(&node->labels, cons[i].topology_key),
                                    ck_sched_spread_count(ix[i], node), false);
            }
        }
    }
    recompute_min(s);
    ck_sched_cycle_put(c, CK_PL_POD_TOPOLOGY_SPREAD, CK_STATE_PREFILTER, s, pf_free, pf_clone);
    return ck_sched_ok();
}

static ck_sched_status update(ck_sched_cycle *c, const ck_sched_pod *pod, const ck_sched_pod *other,
                              const ck_sched_node *node, int64_t delta)
{
    pf_state *s = ck_sched_cycle_get(c, CK_PL_POD_TOPOLOGY_SPREAD, CK_STATE_PREFILTER);
    if (!s || other->ns != pod->ns || !has_all_keys(node, s->cons, s->n)) return ck_sched_ok();
    const ck_sched_symtab *t = ck_sched_snapshot_symtab(ck_sched_cycle_snapshot(c));
    for (uint32_t i = 0; i < s->n; i++) {
        if (!ck_sched_selector_matches(&s->cons[i].sel, &other->labels, t)) continue;
        if (!included(&s->cons[i], pod, node, t)) continue;
        ck_sched_u64map_add(&s->counts[i],
                            ck_sched_labels_get(&node->labels, s->cons[i].topology_key), delta,
                            false);
        s->min_dirty = true;
    }
    return ck_sched_ok();
}

static ck_sched_status add_pod(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                               const ck_sched_pod *other, const ck_sched_node *node)
{
    (void)self;
    return update(c, pod, other, node, 1);
}

static ck_sched_status remove_pod(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                  const ck_sched_pod *other, const ck_sched_node *node)
{
    (void)self;
    return update(c, pod, other, node, -1);
}

static ck_sched_status filter(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                              const ck_sched_node *node)
{
    (void)self;
    pf_state *s = ck_sched_cycle_get(c, CK_PL_POD_TOPOLOGY_SPREAD, CK_STATE_PREFILTER);
    if (!s || s->n == 0) return ck_sched_ok();
    if (s->min_dirty) recompute_min(s);
    const ck_sched_symtab *t = ck_sched_snapshot_symtab(ck_sched_cycle_snapshot(c));
    for (uint32_t i = 0; i < s->n; i++) {
        const ck_sched_spread *cn = &s->cons[i];
        ck_sym v = ck_sched_labels_get(&node->labels, cn->topology_key);
        if (!v) return ck_sched_st(CK_SCHED_UNRESOLVABLE, ERR_MISSING_LABEL);
        int64_t min = (int64_t)s->counts[i].len < cn->min_domains ? 0 : s->min[i];
        int64_t self_match = ck_sched_selector_matches(&cn->sel, &pod->labels, t) ? 1 : 0;
        const int64_t *cnt = ck_sched_u64map_get(&s->counts[i], v);
        if ((cnt ? *cnt : 0) + self_match - min > cn->max_skew)
            return ck_sched_st(CK_SCHED_UNSCHEDULABLE, ERR_CONSTRAINTS);
    }
    return ck_sched_ok();
}

/* ---- Score ------------------------------------------------------------------------------ */

typedef struct ps_state {
    ck_sched_spread *cons;
    ck_sched_spread_index **ix;
    uint32_t n;
    ck_sched_u64map *counts; /* non-hostname constraints: value -> matching pods */
    double *weight;
    uint8_t *ignored; /* by node idx */
} ps_state;

static void ps_free(void *v)
{
    ps_state *s = v;
    for (uint32_t i = 0; i < s->n; i++)
        ck_sched_u64map_free(&s->counts[i]);
    free(s->counts);
    free(s);
}

static ck_sched_status pre_score(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                 ck_sched_node *const *nodes, uint32_t n)
{
    const pts *p = self;
    ck_sched_snapshot *snap = ck_sched_cycle_snapshot(c);
    const ck_sched_symtab *t = ck_sched_snapshot_symtab(snap);
    uint32_t nall;
    ck_sched_node *const *all = ck_sched_snapshot_nodes(snap, &nall);
    if (nall == 0) return ck_sched_st(CK_SCHED_SKIP, NULL);
    bool require_all = pod->nspread > 0 || !p->system_defaulted;
    ck_sched_spread *cons = NULL;
    uint32_t nc = constraints(p, c, pod, false, &cons);
    if (nc == 0) return ck_sched_st(CK_SCHED_SKIP, NULL);
    ck_sched_arena *a = ck_sched_cycle_arena(c);
    ps_state *s = xcalloc(1, sizeof(*s));
    s->cons = cons;
    s->n = nc;
    s->counts = xcalloc(nc, sizeof(ck_sched_u64map));
    s->weight = ck_sched_arena_alloc(a, nc * sizeof(double));
    uint32_t tsize = ck_sched_snapshot_table_size(snap);
    s->ignored = ck_sched_arena_alloc(a, tsize + 1);
    memset(s->ignored, 0, tsize + 1);
    uint32_t nignored = 0;
    for (uint32_t k = 0; k < n; k++) {
        if (require_all && !has_all_keys(nodes[k], cons, nc)) {
            s->ignored[nodes[k]->idx] = 1;
            nignored++;
            continue;
        }
        for (uint32_t i = 0; i < nc; i++) {
            if (cons[i].topology_key == p->hostname) continue;
            ck_sym v = ck_sched_labels_get(&nodes[k]->labels, cons[i].topology_key);
            ck_sched_u64map_slot(&s->counts[i], v ? v : p->empty);
        }
    }
    for (uint32_t i = 0; i < nc; i++) {
        uint32_t size = cons[i].topology_key == p->hostname ? n - nignored : s->counts[i].len;
        s->weight[i] = log((double)size + 2);
    }
    s->ix = ck_sched_arena_alloc(a, nc * sizeof(*s->ix));
    for (uint32_t i = 0; i < nc; i++)
        s->ix[i] = ck_sched_spread_get(snap, pod->ns, &cons[i].sel, false);
    if (whole_domains(snap, pod, cons, nc, s->ix, require_all)) {
        for (uint32_t i = 0; i < nc; i++) {
            if (cons[i].topology_key == p->hostname) continue;
            const ck_sched_u64map *pods =
                ck_sched_spread_domains(snap, s->ix[i], cons[i].topology_key, NULL);
            CK_SCHED_U64MAP_FOREACH(&s->counts[i], k)
            {
                ck_sym v = (ck_sym)s->counts[i].keys[k];
                const int64_t *cnt = ck_sched_u64map_get(pods, v);
                s->counts[i].vals[k] = cnt ? *cnt : 0;
                /* Nodes without the key count as the value "" (upstream reads a missing
                 * label as ""). */
                const int64_t *missing =
                    v == p->empty ? ck_sched_u64map_get(pods, CK_SPREAD_MISSING) : NULL;
                if (missing) s->counts[i].vals[k] += *missing;
            }
        }
    } else {
        for (uint32_t k = 0; k < nall; k++) {
            const ck_sched_node *node = all[k];
            if (require_all && !has_all_keys(node, cons, nc)) continue;
            for (uint32_t i = 0; i < nc; i++) {
                if (!included(&cons[i], pod, node, t)) continue;
                ck_sym v = ck_sched_labels_get(&node->labels, cons[i].topology_key);
                int64_t *cnt = ck_sched_u64map_get(&s->counts[i], v ? v : p->empty);
                if (cnt) *cnt += ck_sched_spread_count(s->ix[i], node);
            }
        }
    }
    ck_sched_cycle_put(c, CK_PL_POD_TOPOLOGY_SPREAD, CK_STATE_PRESCORE, s, ps_free, NULL);
    return ck_sched_ok();
}

static ck_sched_status score(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                             const ck_sched_node *node, int64_t *out)
{
    const pts *p = self;
    const ps_state *s = ck_sched_cycle_get(c, CK_PL_POD_TOPOLOGY_SPREAD, CK_STATE_PRESCORE);
    *out = 0;
    if (!s || s->ignored[node->idx]) return ck_sched_ok();
    double sc = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        ck_sym v = ck_sched_labels_get(&node->labels, s->cons[i].topology_key);
        if (!v) continue;
        int64_t cnt;
        if (s->cons[i].topology_key == p->hostname) {
            cnt = ck_sched_spread_count(s->ix[i], node);
        } else {
            const int64_t *x = ck_sched_u64map_get(&s->counts[i], v);
            cnt = x ? *x : 0;
        }
        sc += (double)cnt * s->weight[i] + (double)(s->cons[i].max_skew - 1);
    }
    *out = (int64_t)llround(sc);
    return ck_sched_ok();
}

static ck_sched_status normalize(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                 ck_sched_node *const *nodes, int64_t *scores, uint32_t n)
{
    (void)self;
    (void)pod;
    const ps_state *s = ck_sched_cycle_get(c, CK_PL_POD_TOPOLOGY_SPREAD, CK_STATE_PRESCORE);
    if (!s) return ck_sched_ok();
    int64_t min = INT64_MAX, max = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (s->ignored[nodes[i]->idx]) continue;
        if (scores[i] < min) min = scores[i];
        if (scores[i] > max) max = scores[i];
    }
    for (uint32_t i = 0; i < n; i++) {
        if (s->ignored[nodes[i]->idx])
            scores[i] = 0;
        else if (max == 0)
            scores[i] = CK_SCHED_MAX_NODE_SCORE;
        else
            scores[i] = CK_SCHED_MAX_NODE_SCORE * (max + min - scores[i]) / max;
    }
    return ck_sched_ok();
}

const ck_sched_plugin_ops ck_pl_pod_topology_spread = {.name = "PodTopologySpread",
                                                       .create = create,
                                                       .destroy = destroy,
                                                       .pre_filter = pre_filter,
                                                       .add_pod = add_pod,
                                                       .remove_pod = remove_pod,
                                                       .filter = filter,
                                                       .pre_score = pre_score,
                                                       .score = score,
                                                       .normalize_score = normalize};
