/* TaintToleration (upstream plugins/tainttoleration): Filter rejects nodes with a
 * NoSchedule/NoExecute taint the pod does not tolerate; Score counts the intolerable
 * PreferNoSchedule taints, normalized in reverse (fewer is better). */
#include <stdlib.h>

#include "scheduler/plugins.h"

static ck_sched_status filter(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                              const ck_sched_node *node)
{
    (void)self;
    (void)c;
    const ck_sched_taint *t = ck_sched_untolerated(node, pod);
    if (!t) return ck_sched_ok();
    return ck_sched_st(CK_SCHED_UNRESOLVABLE, t->msg);
}

typedef struct prescore {
    ck_sched_toleration *tols; /* tolerations with an empty or PreferNoSchedule effect */
    uint32_t n;
} prescore;

static ck_sched_status pre_score(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                 ck_sched_node *const *nodes, uint32_t n)
{
    (void)self;
    (void)nodes;
    if (n == 0) return ck_sched_ok();
    prescore *s = ck_sched_arena_alloc(ck_sched_cycle_arena(c), sizeof(*s));
    s->tols = ck_sched_arena_alloc(ck_sched_cycle_arena(c),
                                   (pod->ntols + 1) * sizeof(ck_sched_toleration));
    s->n = 0;
    for (uint32_t i = 0; i < pod->ntols; i++)
        if (pod->tols[i].effect == CK_EFFECT_ANY ||
            pod->tols[i].effect == CK_EFFECT_PREFER_NO_SCHEDULE)
            s->tols[s->n++] = pod->tols[i];
    ck_sched_cycle_put(c, CK_PL_TAINT_TOLERATION, CK_STATE_PRESCORE, s, NULL, NULL);
    return ck_sched_ok();
}

static ck_sched_status score(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                             const ck_sched_node *node, int64_t *out)
{
    (void)self;
    (void)pod;
    const prescore *s = ck_sched_cycle_get(c, CK_PL_TAINT_TOLERATION, CK_STATE_PRESCORE);
    int64_t n = 0;
    for (uint32_t i = 0; i < node->ntaints; i++) {
        const ck_sched_taint *t = &node->taints[i];
        if (t->effect != CK_EFFECT_PREFER_NO_SCHEDULE) continue;
        if (!s || !ck_sched_tolerations_tolerate(s->tols, s->n, t)) n++;
    }
    *out = n;
    return ck_sched_ok();
}

static ck_sched_status normalize(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                 ck_sched_node *const *nodes, int64_t *scores, uint32_t n)
{
    (void)self;
    (void)c;
    (void)pod;
    (void)nodes;
    ck_sched_default_normalize(scores, n, true);
    return ck_sched_ok();
}

const ck_sched_plugin_ops ck_pl_taint_toleration = {.name = "TaintToleration",
                                                    .filter = filter,
                                                    .pre_score = pre_score,
                                                    .score = score,
                                                    .normalize_score = normalize};
