/* NodeResourcesBalancedAllocation (upstream plugins/noderesources/balanced_allocation.go):
 * favours nodes whose resource fractions (requested including the pod, over allocatable)
 * are close to each other: score = (1 - standard deviation) * 100. Best-effort pods are
 * skipped. */
#include <math.h>
#include <stdlib.h>

#include "lib/util.h"
#include "scheduler/plugins.h"

typedef struct balanced {
    ck_sched_rspec *res;
    uint32_t nres;
} balanced;

static void destroy(void *self)
{
    balanced *b = self;
    if (!b) return;
    free(b->res);
    free(b);
}

static void *create(const json_t *args, ck_sched_snapshot *snap, ck_err **err)
{
    balanced *b = xcalloc(1, sizeof(*b));
    if (ck_sched_parse_rspecs(ck_sched_snapshot_symtab(snap), json_object_get(args, "resources"),
                              &b->res, &b->nres, err) < 0) {
        destroy(b);
        return NULL;
    }
    return b;
}

static ck_sched_status pre_score(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                 ck_sched_node *const *nodes, uint32_t n)
{
    (void)nodes;
    (void)n;
    const balanced *b = self;
    int64_t *req = ck_sched_arena_alloc(ck_sched_cycle_arena(c), (b->nres + 1) * sizeof(int64_t));
    bool best_effort = true;
    for (uint32_t i = 0; i < b->nres; i++) {
        req[i] = ck_sched_rspec_pod(&b->res[i], pod, true);
        if (req[i] != 0) best_effort = false;
    }
    if (best_effort) return ck_sched_st(CK_SCHED_SKIP, NULL);
    ck_sched_cycle_put(c, CK_PL_BALANCED_ALLOCATION, CK_STATE_PRESCORE, req, NULL, NULL);
    return ck_sched_ok();
}

static ck_sched_status score(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                             const ck_sched_node *node, int64_t *out)
{
    const balanced *b = self;
    const int64_t *podreq = ck_sched_cycle_get(c, CK_PL_BALANCED_ALLOCATION, CK_STATE_PRESCORE);
    double fractions[16], total = 0;
    uint32_t nf = 0;
    for (uint32_t i = 0; i < b->nres && nf < 16; i++) {
        int64_t alloc, req;
        int64_t pr = podreq ? podreq[i] : ck_sched_rspec_pod(&b->res[i], pod, true);
        ck_sched_rspec_node(&b->res[i], node, pr, true, &alloc, &req);
        if (alloc == 0) continue;
        double f = (double)req / (double)alloc;
        if (f > 1) f = 1;
        total += f;
        fractions[nf++] = f;
    }
    double std = 0;
    if (nf == 2) {
        std = fabs((fractions[0] - fractions[1]) / 2);
    } else if (nf > 2) {
        double mean = total / nf, sum = 0;
        for (uint32_t i = 0; i < nf; i++)
            sum += (fractions[i] - mean) * (fractions[i] - mean);
        std = sqrt(sum / nf);
    }
    *out = (int64_t)((1 - std) * (double)CK_SCHED_MAX_NODE_SCORE);
    return ck_sched_ok();
}

const ck_sched_plugin_ops ck_pl_balanced_allocation = {.name = "NodeResourcesBalancedAllocation",
                                                       .create = create,
                                                       .destroy = destroy,
                                                       .pre_score = pre_score,
                                                       .score = score};
