/* NodePorts (upstream plugins/nodeports): a pod's host ports (containers and restartable
 * init containers) must be free on the node; 0.0.0.0 conflicts with every address. */
#include "scheduler/plugins.h"

static ck_sched_status pre_filter(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                  ck_sched_prefilter_result *res)
{
    (void)self;
    (void)c;
    (void)res;
    return pod->nports ? ck_sched_ok() : ck_sched_st(CK_SCHED_SKIP, NULL);
}

static ck_sched_status filter(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                              const ck_sched_node *node)
{
    (void)self;
    const ck_sched_symtab *t = ck_sched_snapshot_symtab(ck_sched_cycle_snapshot(c));
    for (uint32_t i = 0; i < pod->nports; i++)
        if (ck_sched_node_port_conflict(node, &pod->ports[i], t))
            return ck_sched_st(CK_SCHED_UNSCHEDULABLE,
                               "node(s) didn't have free ports for the requested pod ports");
    return ck_sched_ok();
}

const ck_sched_plugin_ops ck_pl_node_ports = {
    .name = "NodePorts", .pre_filter = pre_filter, .filter = filter};
