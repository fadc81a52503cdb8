/* TaintNodesByCondition admission: a Node is created with the node.kubernetes.io/not-ready
 * NoSchedule taint (unless it already has that key and effect), as upstream; the node
 * lifecycle controller removes it once the node reports Ready. */
#include "admission/admission.h"
#include "admission/plugins.h"
#include "lib/util.h"
#include "registry/registry.h"

#define NOT_READY "node.kubernetes.io/not-ready"

static int taint_admit(const ck_admission_attrs *a, json_t *obj, const json_t *old, ck_err **err)
{
    (void)old;
    (void)err;
    if (!a->rt || !streq(a->operation, "CREATE") || a->sub || !streq(a->rt->def->group, "") ||
        !streq(a->rt->def->plural, "nodes"))
        return 0;
    json_t *spec = json_object_get(obj, "spec");
    if (!json_is_object(spec)) json_object_set_new(obj, "spec", spec = json_object());
    json_t *taints = json_object_get(spec, "taints");
    if (!json_is_array(taints)) json_object_set_new(spec, "taints", taints = json_array());
    size_t i;
    json_t *t;
    json_array_foreach(taints, i, t)
    {
        if (streq(ck_obj_str(t, "key"), NOT_READY) && streq(ck_obj_str(t, "effect"), "NoSchedule"))
            return 0;
    }
    json_array_append_new(taints,
                          json_pack("{s:s, s:s}", "key", NOT_READY, "effect", "NoSchedule"));
    return 0;
}

const ck_admission_plugin ck_admission_taintnodes = {
    .name = "TaintNodesByCondition",
    .admit = taint_admit,
};
