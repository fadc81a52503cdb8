/* DefaultPreemption (upstream plugins/defaultpreemption and framework/preemption): when a
 * pod fits nowhere, dry-run removing lower-priority pods on the nodes that failed with
 * Unschedulable (from a random offset, until enough candidates), reprieving the most
 * important victims that can stay, then pick the node with the lowest highest victim
 * priority, lowest priority sum, fewest victims, latest start; the result nominates the
 * node and lists the victims. PodDisruptionBudgets are not considered yet. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/plugins.h"

typedef struct dp {
    int64_t min_pct, min_abs;
} dp;

static void *create(const json_t *args, ck_sched_snapshot *snap, ck_err **err)
{
    (void)snap;
    dp *p = xcalloc(1, sizeof(*p));
    json_t *pct = json_object_get(args, "minCandidateNodesPercentage"),
           *abs_ = json_object_get(args, "minCandidateNodesAbsolute");
    p->min_pct = json_is_integer(pct) ? json_integer_value(pct) : 10;
    p->min_abs = json_is_integer(abs_) ? json_integer_value(abs_) : 100;
    if (p->min_pct < 0 || p->min_pct > 100 || p->min_abs < 0 ||
        (p->min_pct == 0 && p->min_abs == 0)) {
        ck_error(err, 400, CK_BAD_REQUEST,
                 "minCandidateNodesPercentage: Invalid value: %lld: not in valid range [0, 100], "
                 "or both are zero",
                 (long long)p->min_pct);
        free(p);
        return NULL;
    }
    return p;
}

typedef struct candidate {
    ck_sched_node *node;
    ck_sched_pod **victims; /* most important first */
    uint32_t n;
} candidate;

/* util.MoreImportantPod: higher priority, then earlier start. */
static int more_important(const void *a, const void *b)
{
    const ck_sched_pod *x = *(ck_sched_pod *const *)a, *y = *(ck_sched_pod *const *)b;
    if (x->priority != y->priority) return x->priority > y->priority ? -1 : 1;
    return x->start_time < y->start_time ? -1 : x->start_time > y->start_time;
}

static ck_sched_status remove_victim(ck_sched_cycle *c, const ck_sched_pod *pod,
                                     ck_sched_node *node, ck_sched_pod *v)
{
    ck_sched_node_remove_pod(node, v);
    return ck_sched_run_remove_pod(c, pod, v, node);
}

/* SelectVictimsOnNode on a cloned node and state. */
static ck_sched_status select_victims(ck_sched_cycle *c, const ck_sched_pod *pod,
                                      ck_sched_node *node, candidate *out)
{
    ck_sched_arena *a = ck_sched_cycle_arena(c);
    ck_sched_pod **pot = ck_sched_arena_alloc(a, (node->npods + 1) * sizeof(*pot));
    uint32_t np = 0;
    for (uint32_t i = 0; i < node->npods; i++)
        if (node->pods[i]->priority < pod->priority) pot[np++] = node->pods[i];
    for (uint32_t i = 0; i < np; i++) {
        ck_sched_status st = remove_victim(c, pod, node, pot[i]);
        if (st.code != CK_SCHED_SUCCESS) return st;
    }
    if (np == 0)
        return ck_sched_st(CK_SCHED_UNRESOLVABLE, "No preemption victims found for incoming pod");
    ck_sched_status st = ck_sched_run_filters_nominated(c, pod, node);
    if (st.code != CK_SCHED_SUCCESS) return st;
    qsort(pot, np, sizeof(*pot), more_important);
    out->victims = ck_sched_arena_alloc(a, np * sizeof(*pot));
    out->n = 0;
    for (uint32_t i = 0; i < np; i++) {
        ck_sched_node_add_pod(node, pot[i]);
        st = ck_sched_run_add_pod(c, pod, pot[i], node);
        if (st.code != CK_SCHED_SUCCESS) return st;
        if (ck_sched_run_filters_nominated(c, pod, node).code == CK_SCHED_SUCCESS) continue;
        st = remove_victim(c, pod, node, pot[i]);
        if (st.code != CK_SCHED_SUCCESS) return st;
        out->victims[out->n++] = pot[i];
    }
    return ck_sched_ok();
}

/* GetEarliestPodStartTime among the highest-priority victims. */
static int64_t earliest_start(const candidate *cd)
{
    int64_t t = cd->victims[0]->start_time;
    int32_t maxp = cd->victims[0]->priority;
    for (uint32_t i = 0; i < cd->n; i++) {
        const ck_sched_pod *v = cd->victims[i];
        if (v->priority == maxp && v->start_time < t)
            t = v->start_time;
        else if (v->priority > maxp) {
            maxp = v->priority;
            t = v->start_time;
        }
    }
    return t;
}

static int64_t criterion(const candidate *cd, int k)
{
    switch (k) {
    case 0:
        return -(int64_t)cd->victims[0]->priority;
    case 1: {
        int64_t sum = 0;
        for (uint32_t i = 0; i < cd->n; i++)
            sum += (int64_t)cd->victims[i]->priority + (int64_t)INT32_MAX + 1;
        return -sum;
    }
    case 2:
        return -(int64_t)cd->n;
    default:
        return earliest_start(cd);
    }
}

/* pickOneNodeForPreemption (no PDB violations to compare). */
static uint32_t pick(candidate *cands, uint32_t n, ck_sched_arena *a)
{
    uint32_t *sel = ck_sched_arena_alloc(a, n * sizeof(uint32_t)), ns = n;
    for (uint32_t i = 0; i < n; i++)
        sel[i] = i;
    for (int k = 0; k < 4 && ns > 1; k++) {
        int64_t best = INT64_MIN;
        uint32_t w = 0;
        for (uint32_t i = 0; i < ns; i++) {
            int64_t v = criterion(&cands[sel[i]], k);
            if (v > best) {
                best = v;
                w = 0;
            }
            if (v == best) sel[w++] = sel[i];
        }
        ns = w;
    }
    return sel[0];
}

static bool eligible(const ck_sched_cycle *c, const ck_sched_pod *pod,
                     const ck_sched_node_statuses *m, const char **why)
{
    if (pod->preempt_never) {
        *why = "preemption: not eligible due to preemptionPolicy=Never.";
        return false;
    }
    if (!pod->nominated_node) return true;
    ck_sched_snapshot *snap = ck_sched_cycle_snapshot(c);
    ck_sched_node *n = ck_sched_snapshot_node(
        snap, ck_sym_str(ck_sched_snapshot_symtab(snap), pod->nominated_node));
    if (!n || ck_sched_node_status(m, n)->code == CK_SCHED_UNRESOLVABLE) return true;
    for (uint32_t i = 0; i < n->npods; i++) {
        const ck_sched_pod *p = n->pods[i];
        if (p->priority < pod->priority && p->terminating && p->preempted_by_scheduler) {
            *why = "preemption: not eligible due to a terminating pod on the nominated node.";
            return false;
        }
    }
    return true;
}

static ck_sched_status post_filter(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                   const ck_sched_node_statuses *m,
                                   ck_sched_post_filter_result *res)
{
    const dp *p = self;
    const char *why = NULL;
    if (!eligible(c, pod, m, &why)) return ck_sched_st(CK_SCHED_UNSCHEDULABLE, why);
    ck_sched_snapshot *snap = ck_sched_cycle_snapshot(c);
    ck_sched_arena *a = ck_sched_cycle_arena(c);
    uint32_t nall;
    ck_sched_node *const *all = ck_sched_snapshot_nodes(snap, &nall);
    ck_sched_node **pot = ck_sched_arena_alloc(a, (nall + 1) * sizeof(*pot));
    uint32_t np = 0;
    for (uint32_t i = 0; i < nall; i++)
        if (ck_sched_node_status(m, all[i])->code == CK_SCHED_UNSCHEDULABLE) pot[np++] = all[i];
    ck_sched_node_statuses local = {0};
    ck_sched_ns_init(&local, ck_sched_snapshot_table_size(snap));
    candidate *cands = ck_sched_arena_alloc(a, (np + 1) * sizeof(candidate));
    uint32_t ncand = 0;
    const char *error = NULL;
    if (np) {
        int64_t want = (int64_t)np * p->min_pct / 100;
        if (want < p->min_abs) want = p->min_abs;
        if (want > np) want = np;
        uint32_t offset = (uint32_t)(ck_sched_cycle_rand(c) % np);
        for (uint32_t i = 0; i < np && ncand < want; i++) {
            ck_sched_node *orig = pot[(offset + i) % np];
            ck_sched_node *clone = ck_sched_node_clone(orig);
            ck_sched_cycle *cc = ck_sched_cycle_clone(c);
            candidate cd = {.node = orig};
            ck_sched_status st = select_victims(cc, pod, clone, &cd);
            if (st.code == CK_SCHED_SUCCESS && cd.n)
                cands[ncand++] = cd;
            else {
                if (st.code == CK_SCHED_SUCCESS)
                    st = ck_sched_st(CK_SCHED_ERROR,
                                     ck_sched_arena_printf(
                                         a, "expected at least one victim pod on node \"%s\"",
                                         ck_sym_str(ck_sched_snapshot_symtab(snap), orig->name)));
                if (st.code == CK_SCHED_ERROR && !error) error = st.reasons[0];
                ck_sched_ns_set(&local, orig, &st);
            }
            ck_sched_cycle_drop(cc);
            ck_sched_node_clone_free(clone);
        }
    }
    ck_sched_status ret;
    if (ncand == 0 && error) {
        ret = ck_sched_st(CK_SCHED_ERROR, ck_sched_arena_printf(a, "preemption: %s", error));
    } else if (ncand == 0) {
        local.absent =
            ck_sched_st(CK_SCHED_UNRESOLVABLE, "Preemption is not helpful for scheduling");
        char *msg = ck_sched_fit_error(a, nall, &local, NULL, NULL);
        res->nominate = true;
        res->nominated_node = 0;
        ret = ck_sched_st(CK_SCHED_UNSCHEDULABLE, ck_sched_arena_printf(a, "preemption: %s", msg));
    } else {
        const candidate *best = &cands[pick(cands, ncand, a)];
        res->nominate = true;
        res->nominated_node = best->node->name;
        res->victims = xmalloc(best->n * sizeof(ck_sched_pod *));
        for (uint32_t i = 0; i < best->n; i++)
            res->victims[i] = ck_sched_pod_ref(best->victims[i]);
        res->nvictims = best->n;
        ret = ck_sched_ok();
    }
    ck_sched_ns_free(&local);
    return ret;
}

const ck_sched_plugin_ops ck_pl_default_preemption = {
    .name = "DefaultPreemption", .create = create, .destroy = free, .post_filter = post_filter};
