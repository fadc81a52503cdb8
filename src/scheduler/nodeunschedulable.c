/* NodeUnschedulable (upstream plugins/nodeunschedulable): spec.unschedulable nodes take
 * only pods tolerating the node.kubernetes.io/unschedulable:NoSchedule taint. */
#include <stdlib.h>

#include "lib/util.h"
#include "scheduler/plugins.h"

static void *create(const json_t *args, ck_sched_snapshot *snap, ck_err **err)
{
    (void)args;
    (void)err;
    ck_sched_symtab *t = ck_sched_snapshot_symtab(snap);
    ck_sched_taint *taint = xcalloc(1, sizeof(*taint));
    taint->key = ck_sym_intern(t, "node.kubernetes.io/unschedulable");
    taint->value = ck_sym_intern(t, "");
    taint->effect = CK_EFFECT_NO_SCHEDULE;
    return taint;
}

static ck_sched_status filter(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                              const ck_sched_node *node)
{
    (void)c;
    if (!node->unschedulable || ck_sched_tolerations_tolerate(pod->tols, pod->ntols, self))
        return ck_sched_ok();
    return ck_sched_st(CK_SCHED_UNRESOLVABLE, "node(s) were unschedulable");
}

const ck_sched_plugin_ops ck_pl_node_unschedulable = {
    .name = "NodeUnschedulable", .create = create, .destroy = free, .filter = filter};
