/* The scheduling cycle (upstream schedule_one.go and frameworkImpl): PreFilter with
 * PreFilterResult intersection, Filter over nodes from a rotating start until
 * numFeasibleNodesToFind are found (nominated pods of equal or higher priority counted in
 * a first pass), PostFilter on a FitError, PreScore/Score/NormalizeScore with weights,
 * host selection with reservoir sampling among the best, then assume, Reserve and Permit;
 * the binding cycle runs the Bind plugins. Buffers are reused across cycles and per-cycle
 * allocations come from an arena. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/plugins.h"

#define MIN_FEASIBLE_NODES 100
#define MIN_FEASIBLE_PERCENTAGE 5

struct ck_sched {
    ck_sched_snapshot *snap;
    ck_sched_profile *profiles;
    uint32_t nprofiles;
    int32_t percentage;
    uint32_t next_start;
    uint64_t rng;
    ck_sched_bind_fn bind_fn;
    void *bind_ctx;
    ck_sched_arena arena;
    ck_sched_node_statuses statuses;
    ck_sched_node **feasible;
    uint32_t capfeasible;
    int64_t *scores, *totals;
    size_t capscores, captotals;
};

ck_sched *ck_sched_new(ck_sched_snapshot *snap, const json_t *config, ck_err **err)
{
    ck_sched *s = xcalloc(1, sizeof(*s));
    s->snap = snap;
    s->rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)now_ms();
    if (ck_sched_profiles_build(snap, config, &s->profiles, &s->nprofiles, &s->percentage, err) <
        0) {
        free(s);
        return NULL;
    }
    return s;
}

void ck_sched_free(ck_sched *s)
{
    if (!s) return;
    ck_sched_profiles_free(s->profiles, s->nprofiles);
    ck_sched_ns_free(&s->statuses);
    ck_sched_arena_free(&s->arena);
    free(s->feasible);
    free(s->scores);
    free(s->totals);
    free(s);
}

void ck_sched_seed(ck_sched *s, uint64_t seed)
{
    s->rng = seed ? seed : 1;
}

void ck_sched_set_binder(ck_sched *s, ck_sched_bind_fn fn, void *ctx)
{
    s->bind_fn = fn;
    s->bind_ctx = ctx;
}

const ck_sched_profile *ck_sched_profile_get(const ck_sched *s, const char *name)
{
    for (uint32_t i = 0; i < s->nprofiles; i++)
        if (streq(s->profiles[i].name, name)) return &s->profiles[i];
    return NULL;
}

ck_sched_snapshot *ck_sched_get_snapshot(const ck_sched *s)
{
    return s->snap;
}

bool ck_sched_has_profile(const ck_sched *s, const char *scheduler_name)
{
    return ck_sched_profile_get(s, scheduler_name) != NULL;
}

/* ---- Cycle state ------------------------------------------------------------------------------
 */

void ck_sched_cycle_put(ck_sched_cycle *c, uint32_t plugin_id, ck_sched_state_kind kind,
                        void *state, void (*free_fn)(void *), void *(*clone_fn)(const void *))
{
    ck_sched_slot *sl = &c->st[plugin_id][kind];
    if (sl->owned && sl->p && sl->free_fn) sl->free_fn(sl->p);
    *sl = (ck_sched_slot){state, free_fn, clone_fn, true};
}

void *ck_sched_cycle_get(const ck_sched_cycle *c, uint32_t plugin_id, ck_sched_state_kind kind)
{
    return c->st[plugin_id][kind].p;
}

ck_sched_snapshot *ck_sched_cycle_snapshot(const ck_sched_cycle *c)
{
    return c->snap;
}

ck_sched_arena *ck_sched_cycle_arena(ck_sched_cycle *c)
{
    return c->arena;
}

uint64_t ck_sched_cycle_rand(ck_sched_cycle *c)
{
    uint64_t x = c->sched->rng; /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    c->sched->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static void cycle_release(ck_sched_cycle *c)
{
    for (int i = 0; i < CK_PL_MAX; i++)
        for (int k = 0; k < 2; k++) {
            ck_sched_slot *sl = &c->st[i][k];
            if (sl->owned && sl->p && sl->free_fn) sl->free_fn(sl->p);
            memset(sl, 0, sizeof(*sl));
        }
}

ck_sched_cycle *ck_sched_cycle_clone(const ck_sched_cycle *c)
{
    ck_sched_cycle *n = xmalloc(sizeof(*n));
    *n = *c;
    for (int i = 0; i < CK_PL_MAX; i++) {
        ck_sched_slot *pf = &n->st[i][CK_STATE_PREFILTER];
        pf->owned = pf->p && pf->clone_fn;
        if (pf->owned) pf->p = pf->clone_fn(pf->p);
        n->st[i][CK_STATE_PRESCORE].owned = false;
    }
    return n;
}

void ck_sched_cycle_drop(ck_sched_cycle *c)
{
    if (!c) return;
    cycle_release(c);
    free(c);
}

/* ---- Filter -----------------------------------------------------------------------------------
 */

static ck_sched_status error_status(ck_sched_cycle *c, const char *what, const ck_sched_pl *pl,
                                    const ck_sched_status *st)
{
    char *m = ck_sched_st_message(c->arena, st);
    ck_sched_status e =
        ck_sched_st(CK_SCHED_ERROR, ck_sched_arena_printf(c->arena, "running %s plugin \"%s\": %s",
                                                          what, pl->ops->name, m));
    e.plugin = pl->ops->name;
    return e;
}

static ck_sched_status run_filters(ck_sched_cycle *c, const ck_sched_pod *pod,
                                   const ck_sched_node *node)
{
    const ck_sched_profile *p = c->prof;
    for (uint32_t i = 0; i < p->npoints[CK_EP_FILTER]; i++) {
        const ck_sched_pl *pl = &p->points[CK_EP_FILTER][i];
        if (c->skip_filter[pl->id]) continue;
        ck_sched_status st = pl->ops->filter(pl->self, c, pod, node);
        if (st.code == CK_SCHED_SUCCESS) continue;
        if (!ck_sched_rejected(&st)) return error_status(c, "Filter", pl, &st);
        st.plugin = pl->ops->name;
        st.plugin_id = (uint8_t)pl->id;
        return st;
    }
    return ck_sched_ok();
}

static ck_sched_status run_ext(ck_sched_cycle *c, const ck_sched_pod *pod,
                               const ck_sched_pod *other, const ck_sched_node *node, bool add)
{
    const ck_sched_profile *p = c->prof;
    for (uint32_t i = 0; i < p->npoints[CK_EP_PRE_FILTER]; i++) {
        const ck_sched_pl *pl = &p->points[CK_EP_PRE_FILTER][i];
        if (c->skip_filter[pl->id]) continue;
        ck_sched_status (*fn)(void *, ck_sched_cycle *, const ck_sched_pod *, const ck_sched_pod *,
                              const ck_sched_node *) = add ? pl->ops->add_pod : pl->ops->remove_pod;
        if (!fn) continue;
        ck_sched_status st = fn(pl->self, c, pod, other, node);
        if (st.code != CK_SCHED_SUCCESS)
            return error_status(c, add ? "AddPod" : "RemovePod", pl, &st);
    }
    return ck_sched_ok();
}

ck_sched_status ck_sched_run_add_pod(ck_sched_cycle *c, const ck_sched_pod *pod,
                                     const ck_sched_pod *other, const ck_sched_node *node)
{
    return run_ext(c, pod, other, node, true);
}

ck_sched_status ck_sched_run_remove_pod(ck_sched_cycle *c, const ck_sched_pod *pod,
                                        const ck_sched_pod *other, const ck_sched_node *node)
{
    return run_ext(c, pod, other, node, false);
}

/* RunFilterPluginsWithNominatedPods: first with the nominated pods of equal or higher
 * priority added (in a cloned state and node), then, if that passed, without them. */
ck_sched_status ck_sched_run_filters_nominated(ck_sched_cycle *c, const ck_sched_pod *pod,
                                               ck_sched_node *node)
{
    bool any = false;
    for (uint32_t i = 0; i < node->nnominated && !any; i++)
        any = node->nominated[i]->priority >= pod->priority &&
              !streq(node->nominated[i]->uid, pod->uid);
    if (!any) return run_filters(c, pod, node);
    ck_sched_node *clone = ck_sched_node_clone(node);
    ck_sched_cycle *cc = ck_sched_cycle_clone(c);
    ck_sched_status st = ck_sched_ok();
    for (uint32_t i = 0; i < node->nnominated && st.code == CK_SCHED_SUCCESS; i++) {
        ck_sched_pod *np = node->nominated[i];
        if (np->priority < pod->priority || streq(np->uid, pod->uid)) continue;
        ck_sched_node_add_pod(clone, np);
        st = ck_sched_run_add_pod(cc, pod, np, clone);
    }
    if (st.code == CK_SCHED_SUCCESS) st = run_filters(cc, pod, clone);
    ck_sched_cycle_drop(cc);
    ck_sched_node_clone_free(clone);
    if (st.code != CK_SCHED_SUCCESS) return st;
    return run_filters(c, pod, node);
}

static uint32_t num_feasible_to_find(const ck_sched *s, const ck_sched_profile *p, uint32_t n)
{
    if (n < MIN_FEASIBLE_NODES) return n;
    int64_t pct = p->percentage >= 0 ? p->percentage : s->percentage;
    if (pct == 0) {
        pct = 50 - (int64_t)n / 125;
        if (pct < MIN_FEASIBLE_PERCENTAGE) pct = MIN_FEASIBLE_PERCENTAGE;
    }
    int64_t num = (int64_t)n * pct / 100;
    return num < MIN_FEASIBLE_NODES ? MIN_FEASIBLE_NODES : (uint32_t)num;
}

typedef struct diag {
    uint32_t unsched; /* bitmask of plugin ids that rejected */
    const char *prefilter_msg;
} diag;

/* Filters nodes (a rotating window); feasible nodes go to s->feasible. */
static ck_sched_status find_feasible(ck_sched *s, ck_sched_cycle *c, const ck_sched_pod *pod,
                                     ck_sched_node *const *nodes, uint32_t n, uint32_t to_find,
                                     uint32_t *nfeasible, diag *d)
{
    *nfeasible = 0;
    if (!n) return ck_sched_ok();
    if (c->prof->npoints[CK_EP_FILTER] == 0) {
        for (uint32_t i = 0; i < to_find && i < n; i++)
            s->feasible[(*nfeasible)++] = nodes[(s->next_start + i) % n];
        return ck_sched_ok();
    }
    for (uint32_t i = 0; i < n; i++) {
        ck_sched_node *node = nodes[(s->next_start + i) % n];
        /* Nodes are scattered in memory: fetch the hot part of one a few steps ahead. */
        const char *ahead = (const char *)nodes[(s->next_start + i + 6) % n];
        __builtin_prefetch(ahead);
        __builtin_prefetch(ahead + 64);
        ck_sched_status st = ck_sched_run_filters_nominated(c, pod, node);
        if (st.code == CK_SCHED_SUCCESS) {
            s->feasible[(*nfeasible)++] = node;
            if (*nfeasible >= to_find) break;
        } else if (st.code == CK_SCHED_ERROR) {
            return st;
        } else {
            ck_sched_ns_set(&s->statuses, node, &st);
            if (st.plugin) d->unsched |= 1u << st.plugin_id;
        }
    }
    return ck_sched_ok();
}

static int cmp_sym(const void *a, const void *b)
{
    ck_sym x = *(const ck_sym *)a, y = *(const ck_sym *)b;
    return x < y ? -1 : x > y;
}

/* The "[A B]" of Go's %v for a sorted string set (plugin bitmask). */
static char *plugin_list(ck_sched_arena *a, uint32_t mask, const char *sep)
{
    const char *names[CK_PL_MAX];
    uint32_t n = 0, nreg;
    ck_sched_registry(&nreg);
    for (uint32_t i = 0; i < nreg; i++)
        if (mask & (1u << i)) names[n++] = ck_sched_registry(NULL)[i]->name;
    for (uint32_t i = 1; i < n; i++)
        for (uint32_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    char *out = ck_sched_arena_strdup(a, "");
    for (uint32_t i = 0; i < n; i++)
        out = ck_sched_arena_printf(a, "%s%s%s", out, i ? sep : "", names[i]);
    return out;
}

/* RunPreFilterPlugins: merged PreFilterResult (sorted node names) or a rejection. */
static ck_sched_status run_prefilter(ck_sched_cycle *c, const ck_sched_pod *pod,
                                     ck_sched_prefilter_result *merged, diag *d)
{
    const ck_sched_profile *p = c->prof;
    ck_sched_status ret = ck_sched_ok();
    uint32_t with_nodes = 0;
    merged->all = true;
    for (uint32_t i = 0; i < p->npoints[CK_EP_PRE_FILTER]; i++) {
        const ck_sched_pl *pl = &p->points[CK_EP_PRE_FILTER][i];
        ck_sched_prefilter_result r = {.all = true};
        ck_sched_status st = pl->ops->pre_filter(pl->self, c, pod, &r);
        if (st.code == CK_SCHED_SKIP) {
            c->skip_filter[pl->id] = true;
            continue;
        }
        if (st.code != CK_SCHED_SUCCESS) {
            st.plugin = pl->ops->name;
            if (st.code == CK_SCHED_UNRESOLVABLE) {
                d->unsched |= 1u << pl->id;
                return st;
            }
            if (st.code == CK_SCHED_UNSCHEDULABLE) {
                d->unsched |= 1u << pl->id;
                ret = st;
                continue;
            }
            return error_status(c, "PreFilter", pl, &st);
        }
        if (r.all) continue;
        with_nodes |= 1u << pl->id;
        qsort(r.names, r.n, sizeof(ck_sym), cmp_sym);
        if (merged->all) {
            *merged = r;
            merged->all = false;
        } else {
            uint32_t w = 0;
            for (uint32_t a = 0; a < merged->n; a++)
                if (bsearch(&merged->names[a], r.names, r.n, sizeof(ck_sym), cmp_sym))
                    merged->names[w++] = merged->names[a];
            merged->n = w;
        }
        if (merged->n == 0) {
            uint32_t cnt = (uint32_t)__builtin_popcount(with_nodes);
            d->unsched |= with_nodes;
            return ck_sched_st(
                CK_SCHED_UNRESOLVABLE,
                cnt == 1 ? ck_sched_arena_printf(c->arena, "node(s) didn't satisfy plugin %s",
                                                 plugin_list(c->arena, with_nodes, " "))
                         : ck_sched_arena_printf(
                               c->arena, "node(s) didn't satisfy plugin(s) [%s] simultaneously",
                               plugin_list(c->arena, with_nodes, " ")));
        }
    }
    if (!merged->all) {
        d->unsched |= with_nodes;
        c->sched->statuses.absent =
            ck_sched_st(CK_SCHED_UNRESOLVABLE,
                        ck_sched_arena_printf(c->arena, "node(s) didn't satisfy plugin(s) [%s]",
                                              plugin_list(c->arena, with_nodes, " ")));
    }
    return ret;
}

ck_sched_status ck_sched_prefilter(ck_sched_cycle *c, const ck_sched_pod *pod,
                                   ck_sched_prefilter_result *merged)
{
    diag d = {0};
    ck_sched_ns_init(&c->sched->statuses, ck_sched_snapshot_table_size(c->snap));
    return run_prefilter(c, pod, merged, &d);
}

/* ---- Score ------------------------------------------------------------------------------------
 */

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return p;
    *cap = need * 2;
    return xrealloc(p, *cap * elem);
}

/* prioritizeNodes: totals[i] is the weighted sum for nodes[i]; per_plugin (optional,
 * npoints[Score] rows of n) receives each plugin's normalized score, 0 when skipped. */
ck_sched_status ck_sched_prioritize(ck_sched_cycle *c, const ck_sched_pod *pod,
                                    ck_sched_node *const *nodes, uint32_t n, int64_t *scores,
                                    int64_t *totals, int64_t *per_plugin)
{
    const ck_sched_profile *p = c->prof;
    memset(totals, 0, n * sizeof(int64_t));
    if (p->npoints[CK_EP_SCORE] == 0) {
        for (uint32_t i = 0; i < n; i++)
            totals[i] = 1;
        return ck_sched_ok();
    }
    for (uint32_t i = 0; i < p->npoints[CK_EP_PRE_SCORE]; i++) {
        const ck_sched_pl *pl = &p->points[CK_EP_PRE_SCORE][i];
        ck_sched_status st = pl->ops->pre_score(pl->self, c, pod, nodes, n);
        if (st.code == CK_SCHED_SKIP)
            c->skip_score[pl->id] = true;
        else if (st.code != CK_SCHED_SUCCESS)
            return error_status(c, "PreScore", pl, &st);
    }
    for (uint32_t k = 0; k < p->npoints[CK_EP_SCORE]; k++) {
        const ck_sched_pl *pl = &p->points[CK_EP_SCORE][k];
        if (per_plugin) memset(&per_plugin[k * n], 0, n * sizeof(int64_t));
        if (c->skip_score[pl->id]) continue;
        for (uint32_t i = 0; i < n; i++) {
            if (pl->ops->prefetch && i + 12 < n) pl->ops->prefetch(pl->self, nodes[i + 12]);
            ck_sched_status st = pl->ops->score(pl->self, c, pod, nodes[i], &scores[i]);
            if (st.code != CK_SCHED_SUCCESS) return error_status(c, "Score", pl, &st);
        }
        if (pl->ops->normalize_score) {
            ck_sched_status st = pl->ops->normalize_score(pl->self, c, pod, nodes, scores, n);
            if (st.code != CK_SCHED_SUCCESS) return error_status(c, "NormalizeScore", pl, &st);
        }
        for (uint32_t i = 0; i < n; i++) {
            if (scores[i] > CK_SCHED_MAX_NODE_SCORE || scores[i] < 0)
                return ck_sched_st(
                    CK_SCHED_ERROR,
                    ck_sched_arena_printf(
                        c->arena,
                        "plugin \"%s\" returns an invalid score %lld, it should in the "
                        "range of [0, 100] after normalizing",
                        pl->ops->name, (long long)scores[i]));
            if (per_plugin) per_plugin[k * n + i] = scores[i];
            totals[i] += scores[i] * pl->weight;
        }
    }
    return ck_sched_ok();
}

/* selectHost: the highest total, ties broken uniformly at random (reservoir sampling). */
static uint32_t select_host(ck_sched *s, ck_sched_cycle *c, uint32_t n)
{
    uint32_t best = 0, ties = 1;
    for (uint32_t i = 1; i < n; i++) {
        if (s->totals[i] > s->totals[best]) {
            best = i;
            ties = 1;
        } else if (s->totals[i] == s->totals[best] && ck_sched_cycle_rand(c) % ++ties == 0) {
            best = i;
        }
    }
    return best;
}

/* ---- The cycle ------------------------------------------------------------------------------- */

void ck_sched_result_clear(ck_sched_result *r)
{
    free(r->message);
    free(r->plugins);
    free(r->nominated_node);
    for (uint32_t i = 0; i < r->nvictims; i++)
        ck_sched_pod_unref(r->victims[i]);
    free(r->victims);
    memset(r, 0, sizeof(*r));
}

void ck_sched_cycle_begin(ck_sched *s, ck_sched_cycle *c, const ck_sched_profile *p)
{
    memset(c, 0, sizeof(*c));
    c->sched = s;
    c->snap = s->snap;
    c->prof = p;
    c->arena = &s->arena;
}

void ck_sched_cycle_end(ck_sched *s, ck_sched_cycle *c)
{
    cycle_release(c);
    ck_sched_arena_reset(&s->arena);
}

static ck_sched_outcome fail(ck_sched_result *res, ck_sched_outcome o, const char *msg)
{
    res->outcome = o;
    res->message = xstrdup(msg);
    return o;
}

/* RunPostFilterPlugins: the first success wins; otherwise the reasons are joined. */
static void run_post_filter(ck_sched_cycle *c, const ck_sched_pod *pod, ck_sched_result *res,
                            const char **msg)
{
    const ck_sched_profile *p = c->prof;
    ck_sched_status all = ck_sched_st(CK_SCHED_UNSCHEDULABLE, NULL);
    for (uint32_t i = 0; i < p->npoints[CK_EP_POST_FILTER]; i++) {
        const ck_sched_pl *pl = &p->points[CK_EP_POST_FILTER][i];
        ck_sched_post_filter_result r = {0};
        ck_sched_status st = pl->ops->post_filter(pl->self, c, pod, &c->sched->statuses, &r);
        if (r.nominate) {
            res->nominate = true;
            free(res->nominated_node);
            res->nominated_node =
                xstrdup(ck_sym_str(ck_sched_snapshot_symtab(c->snap), r.nominated_node));
        }
        if (r.nvictims) {
            for (uint32_t v = 0; v < res->nvictims; v++)
                ck_sched_pod_unref(res->victims[v]);
            free(res->victims);
            res->victims = r.victims;
            res->nvictims = r.nvictims;
        } else {
            free(r.victims);
        }
        if (st.code == CK_SCHED_SUCCESS || !ck_sched_rejected(&st) ||
            st.code == CK_SCHED_UNRESOLVABLE) {
            *msg = ck_sched_st_message(c->arena, &st);
            return;
        }
        for (uint32_t r2 = 0; r2 < st.nreasons; r2++)
            ck_sched_st_add(&all, st.reasons[r2]);
    }
    *msg = ck_sched_st_message(c->arena, &all);
}

static void run_unreserve(ck_sched_cycle *c, const ck_sched_pod *pod, const ck_sched_node *node)
{
    const ck_sched_profile *p = c->prof;
    for (uint32_t i = p->npoints[CK_EP_RESERVE]; i-- > 0;) {
        const ck_sched_pl *pl = &p->points[CK_EP_RESERVE][i];
        if (pl->ops->unreserve) pl->ops->unreserve(pl->self, c, pod, node);
    }
}

static void forget(ck_sched *s, ck_sched_cycle *c, ck_sched_pod *pod)
{
    if (pod->node) run_unreserve(c, pod, pod->node);
    if (pod->assumed) ck_sched_snapshot_remove_pod(s->snap, pod->uid);
    pod->node_name = 0;
}

/* A rejection at Reserve/Permit: a FitError over the one suggested node. */
static ck_sched_outcome reject_one(ck_sched *s, ck_sched_cycle *c, ck_sched_pod *pod,
                                   ck_sched_node *node, const ck_sched_status *st,
                                   ck_sched_result *res)
{
    if (!ck_sched_rejected(st)) {
        forget(s, c, pod);
        return fail(res, CK_SCHED_OUT_FAILED, ck_sched_st_message(c->arena, st));
    }
    ck_sched_ns_init(&s->statuses, ck_sched_snapshot_table_size(s->snap));
    ck_sched_ns_set(&s->statuses, node, st);
    char *msg = ck_sched_fit_error(c->arena, 1, &s->statuses, NULL, NULL);
    res->plugins = xstrdup(st->plugin ? st->plugin : "");
    forget(s, c, pod);
    return fail(res, CK_SCHED_OUT_UNSCHEDULABLE, msg);
}

static ck_sched_outcome assume_reserve_permit(ck_sched *s, ck_sched_cycle *c, ck_sched_pod *pod,
                                              ck_sched_node *node, ck_sched_result *res)
{
    const ck_sched_profile *p = c->prof;
    ck_sched_snapshot_assume(s->snap, pod, node);
    for (uint32_t i = 0; i < p->npoints[CK_EP_RESERVE]; i++) {
        const ck_sched_pl *pl = &p->points[CK_EP_RESERVE][i];
        ck_sched_status st = pl->ops->reserve(pl->self, c, pod, node);
        if (st.code != CK_SCHED_SUCCESS) {
            st.plugin = pl->ops->name;
            return reject_one(s, c, pod, node, &st, res);
        }
    }
    bool wait = false;
    for (uint32_t i = 0; i < p->npoints[CK_EP_PERMIT]; i++) {
        const ck_sched_pl *pl = &p->points[CK_EP_PERMIT][i];
        uint32_t timeout = 0;
        ck_sched_status st = pl->ops->permit(pl->self, c, pod, node, &timeout);
        if (st.code == CK_SCHED_WAIT) {
            wait = true;
        } else if (st.code != CK_SCHED_SUCCESS) {
            st.plugin = pl->ops->name;
            return reject_one(s, c, pod, node, &st, res);
        }
    }
    res->node = ck_sym_str(ck_sched_snapshot_symtab(s->snap), node->name);
    res->outcome = wait ? CK_SCHED_OUT_WAITING : CK_SCHED_OUT_SCHEDULED;
    return res->outcome;
}

static ck_sched_outcome cycle(ck_sched *s, ck_sched_cycle *c, ck_sched_pod *pod,
                              ck_sched_result *res)
{
    uint32_t nall;
    ck_sched_node *const *all = ck_sched_snapshot_nodes(s->snap, &nall);
    if (nall == 0)
        return fail(res, CK_SCHED_OUT_UNSCHEDULABLE, "no nodes available to schedule pods");
    ck_sched_ns_init(&s->statuses, ck_sched_snapshot_table_size(s->snap));
    diag d = {0};
    ck_sched_prefilter_result pre = {.all = true};
    ck_sched_status st = run_prefilter(c, pod, &pre, &d);
    uint32_t nfeasible = 0;
    if (st.code == CK_SCHED_ERROR) return fail(res, CK_SCHED_OUT_FAILED, st.reasons[0]);
    if (st.code != CK_SCHED_SUCCESS) {
        s->statuses.absent = st;
        d.prefilter_msg = ck_sched_st_message(c->arena, &st);
    } else {
        if (s->capfeasible < nall + 1) {
            s->capfeasible = nall + 1;
            s->feasible = xrealloc(s->feasible, s->capfeasible * sizeof(ck_sched_node *));
        }
        ck_sched_node *nominated =
            pod->nominated_node
                ? ck_sched_snapshot_node(
                      s->snap, ck_sym_str(ck_sched_snapshot_symtab(s->snap), pod->nominated_node))
                : NULL;
        if (nominated) {
            st = ck_sched_run_filters_nominated(c, pod, nominated);
            if (st.code == CK_SCHED_SUCCESS) {
                s->feasible[0] = nominated;
                nfeasible = 1;
            } else if (st.code != CK_SCHED_ERROR) {
                ck_sched_ns_set(&s->statuses, nominated, &st);
            }
        }
        if (!nfeasible) {
            ck_sched_node *const *nodes = all;
            uint32_t n = nall;
            if (!pre.all) {
                ck_sched_node **sub = ck_sched_arena_alloc(c->arena, (pre.n + 1) * sizeof(*sub));
                n = 0;
                for (uint32_t i = 0; i < pre.n; i++) {
                    ck_sched_node *nd = ck_sched_snapshot_node(
                        s->snap, ck_sym_str(ck_sched_snapshot_symtab(s->snap), pre.names[i]));
                    if (nd) sub[n++] = nd;
                }
                nodes = sub;
            }
            uint32_t to_find = num_feasible_to_find(s, c->prof, n);
            if (c->prof->npoints[CK_EP_SCORE] == 0) to_find = 1;
            st = find_feasible(s, c, pod, nodes, n, to_find, &nfeasible, &d);
            s->next_start = (s->next_start + nfeasible + s->statuses.nlist) % nall;
            if (st.code == CK_SCHED_ERROR) return fail(res, CK_SCHED_OUT_FAILED, st.reasons[0]);
        }
    }
    res->evaluated = nfeasible + s->statuses.nlist;
    res->feasible = nfeasible;
    if (nfeasible == 0) {
        res->plugins = xstrdup(plugin_list(c->arena, d.unsched, ","));
        const char *post = NULL;
        if (c->prof->npoints[CK_EP_POST_FILTER]) run_post_filter(c, pod, res, &post);
        char *msg = ck_sched_fit_error(c->arena, nall, &s->statuses, d.prefilter_msg, post);
        return fail(res, CK_SCHED_OUT_UNSCHEDULABLE, msg);
    }
    uint32_t best = 0;
    if (nfeasible > 1) {
        s->totals = grow(s->totals, &s->captotals, nfeasible, sizeof(int64_t));
        s->scores = grow(s->scores, &s->capscores, nfeasible, sizeof(int64_t));
        st = ck_sched_prioritize(c, pod, s->feasible, nfeasible, s->scores, s->totals, NULL);
        if (st.code != CK_SCHED_SUCCESS) return fail(res, CK_SCHED_OUT_FAILED, st.reasons[0]);
        best = select_host(s, c, nfeasible);
    }
    return assume_reserve_permit(s, c, pod, s->feasible[best], res);
}

ck_sched_outcome ck_sched_schedule_one(ck_sched *s, ck_sched_pod *pod, ck_sched_result *res)
{
    memset(res, 0, sizeof(*res));
    const ck_sched_profile *p =
        ck_sched_profile_get(s, ck_sym_str(ck_sched_snapshot_symtab(s->snap), pod->scheduler_name));
    if (!p) {
        char *m = xasprintf("profile not found for scheduler name \"%s\"",
                            ck_sym_str(ck_sched_snapshot_symtab(s->snap), pod->scheduler_name));
        fail(res, CK_SCHED_OUT_FAILED, m);
        free(m);
        return res->outcome;
    }
    ck_sched_cycle c;
    ck_sched_cycle_begin(s, &c, p);
    ck_sched_outcome o = cycle(s, &c, pod, res);
    ck_sched_cycle_end(s, &c);
    return o;
}

int ck_sched_bind(ck_sched *s, ck_sched_pod *pod, ck_err **err)
{
    if (!pod->node || !pod->assumed)
        return ck_error(err, 409, CK_CONFLICT, "pod %s is not assumed on a node", pod->name);
    const ck_sched_profile *p =
        ck_sched_profile_get(s, ck_sym_str(ck_sched_snapshot_symtab(s->snap), pod->scheduler_name));
    if (!p) return ck_error(err, 400, CK_BAD_REQUEST, "profile not found");
    ck_sched_cycle c;
    ck_sched_cycle_begin(s, &c, p);
    ck_sched_status st = ck_sched_st(CK_SCHED_SKIP, NULL);
    for (uint32_t i = 0; i < p->npoints[CK_EP_BIND] && st.code == CK_SCHED_SKIP; i++) {
        const ck_sched_pl *pl = &p->points[CK_EP_BIND][i];
        st = pl->ops->bind(pl->self, &c, pod, pod->node);
    }
    int rc = 0;
    if (st.code != CK_SCHED_SUCCESS) {
        rc = ck_error(err, 500, CK_INTERNAL, "binding rejected: %s",
                      st.nreasons ? ck_sched_st_message(c.arena, &st)
                                  : "no bind plugin bound the pod");
        forget(s, &c, pod);
    }
    ck_sched_cycle_end(s, &c);
    return rc;
}

void ck_sched_forget(ck_sched *s, ck_sched_pod *pod)
{
    const ck_sched_profile *p =
        ck_sched_profile_get(s, ck_sym_str(ck_sched_snapshot_symtab(s->snap), pod->scheduler_name));
    if (!p) return;
    ck_sched_cycle c;
    ck_sched_cycle_begin(s, &c, p);
    forget(s, &c, pod);
    ck_sched_cycle_end(s, &c);
}

int ck_sched_call_binder(ck_sched_cycle *c, const ck_sched_pod *pod, const char *node, ck_err **err)
{
    if (!c->sched->bind_fn) return 0;
    return c->sched->bind_fn(c->sched->bind_ctx, pod, node, err);
}
