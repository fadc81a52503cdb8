/* DefaultTolerationSeconds (upstream's plugin/pkg/admission/defaulttolerationseconds): a pod
 * created or updated without a toleration for the node.kubernetes.io/not-ready or
 * node.kubernetes.io/unreachable NoExecute taints gets one with tolerationSeconds 300, so
 * its pods are evicted five minutes after their node fails. A toleration with an empty key
 * or an empty effect counts as covering the taint. */
#include "admission/admission.h"
#include "admission/plugins.h"
#include "lib/util.h"
#include "registry/registry.h"

/* Upstream's --default-not-ready-toleration-seconds and
 * --default-unreachable-toleration-seconds defaults; the flags are not plumbed yet. */
#define DEFAULT_TOLERATION_SECONDS 300

static bool covers(const json_t *t, const char *taint)
{
    const char *key = ck_obj_str(t, "key"), *eff = ck_obj_str(t, "effect");
    return (!key || !*key || streq(key, taint)) && (!eff || !*eff || streq(eff, "NoExecute"));
}

static int dts_admit(const ck_admission_attrs *a, json_t *obj, const json_t *old, ck_err **err)
{
    (void)old;
    (void)err;
    if (!a->rt || a->sub || *a->rt->def->group || !streq(a->rt->def->plural, "pods") ||
        !(streq(a->operation, "CREATE") || streq(a->operation, "UPDATE")))
        return 0;
    json_t *spec = json_object_get(obj, "spec");
    if (!json_is_object(spec)) return 0;
    static const char *const taints[] = {"node.kubernetes.io/not-ready",
                                         "node.kubernetes.io/unreachable"};
    bool covered[ARRAY_SIZE(taints)] = {false};
    json_t *tols = json_object_get(spec, "tolerations"), *t;
    size_t i;
    json_array_foreach(tols, i, t)
    {
        for (size_t k = 0; k < ARRAY_SIZE(taints); k++)
            covered[k] |= covers(t, taints[k]);
    }
    for (size_t k = 0; k < ARRAY_SIZE(taints); k++) {
        if (covered[k]) continue;
        if (!json_is_array(tols)) json_object_set_new(spec, "tolerations", tols = json_array());
        json_array_append_new(tols, json_pack("{s:s, s:s, s:s, s:i}", "key", taints[k], "operator",
                                              "Exists", "effect", "NoExecute", "tolerationSeconds",
                                              DEFAULT_TOLERATION_SECONDS));
    }
    return 0;
}

const ck_admission_plugin ck_admission_defaulttolerationseconds = {
    .name = "DefaultTolerationSeconds",
    .admit = dts_admit,
};
