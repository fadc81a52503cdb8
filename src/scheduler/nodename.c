/* NodeName (upstream plugins/nodename): a pod naming a node in spec.nodeName fits only
 * that node. */
#include "scheduler/plugins.h"

static ck_sched_status filter(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                              const ck_sched_node *node)
{
    (void)self;
    (void)c;
    if (!pod->node_name || pod->node_name == node->name) return ck_sched_ok();
    return ck_sched_st(CK_SCHED_UNRESOLVABLE, "node(s) didn't match the requested node name");
}

const ck_sched_plugin_ops ck_pl_node_name = {.name = "NodeName", .filter = filter};
