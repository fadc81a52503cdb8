/* DefaultBinder (upstream plugins/defaultbinder): binds through the component's binder
 * (the pods/binding subresource); the library alone has none and succeeds. */
#include "scheduler/plugins.h"

static ck_sched_status bind(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                            const ck_sched_node *node)
{
    (void)self;
    ck_err *err = NULL;
    const char *name = ck_sym_str(ck_sched_snapshot_symtab(ck_sched_cycle_snapshot(c)), node->name);
    if (ck_sched_call_binder(c, pod, name, &err) == 0) return ck_sched_ok();
    ck_sched_status st =
        ck_sched_st(CK_SCHED_ERROR, ck_sched_arena_strdup(ck_sched_cycle_arena(c),
                                                          err ? err->message : "bind failed"));
    ck_err_free(err);
    return st;
}

const ck_sched_plugin_ops ck_pl_default_binder = {.name = "DefaultBinder", .bind = bind};
