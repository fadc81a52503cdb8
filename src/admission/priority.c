/* Priority (upstream's plugin/pkg/admission/priority). Mutating, for pods: at create,
 * spec.priority and spec.preemptionPolicy come from the PriorityClass named by
 * spec.priorityClassName, or from the global default class (whose name is then set), else
 * priority 0 and PreemptLowerPriority; a class that does not exist, or a priority or
 * policy in the pod that differs from the computed one, is Forbidden. At update, a
 * priority or policy left out is kept from the old pod. Validating, for PriorityClasses:
 * only one may be the global default. */
#include <stdio.h>

#include "admission/admission.h"
#include "admission/plugins.h"
#include "apiserver/api.h"
#include "apiserver/cache.h"
#include "apiserver/server.h"
#include "lib/util.h"

/* upstream's scheduling.SystemPriorityClasses, created at start-up there; ckube does not
 * create them, so they resolve here when absent from the cache. */
static const struct {
    const char *name;
    json_int_t value;
} system_classes[] = {{"system-node-critical", 2000001000},
                      {"system-cluster-critical", 2000000000}};

static ck_rtype *classes_rt(void)
{
    return ck_registry_find("scheduling.k8s.io", "v1", "priorityclasses");
}

/* The global default class with the lowest value, as upstream picks when a race left
 * several (new reference, or NULL). */
static bool lowest_default(ck_obj *o, void *ctx)
{
    json_t **best = ctx;
    json_t *doc = ck_obj_parse(o);
    if (doc && json_is_true(json_object_get(doc, "globalDefault")) &&
        (!*best || json_integer_value(json_object_get(doc, "value")) <
                       json_integer_value(json_object_get(*best, "value")))) {
        json_decref(*best);
        *best = doc;
        return true;
    }
    json_decref(doc);
    return true;
}

static json_t *default_class(ck_apiserver *srv)
{
    json_t *best = NULL;
    ck_rtype *rt = classes_rt();
    if (srv->cache && rt) ck_cache_each(srv->cache, rt, NULL, NULL, lowest_default, &best);
    return best;
}

/* The named class (new reference), a stand-in for a system class, or NULL. */
static json_t *find_class(ck_apiserver *srv, const char *name)
{
    ck_rtype *rt = classes_rt();
    ck_obj *o = srv->cache && rt ? ck_cache_get(srv->cache, rt, NULL, name) : NULL;
    if (o) return ck_obj_parse(o);
    for (size_t i = 0; i < ARRAY_SIZE(system_classes); i++)
        if (streq(name, system_classes[i].name))
            return json_pack("{s:{s:s}, s:I, s:s}", "metadata", "name", name, "value",
                             system_classes[i].value, "preemptionPolicy", "PreemptLowerPriority");
    return NULL;
}

static int admit_create(const ck_admission_attrs *a, json_t *spec, const json_t *pod, ck_err **err)
{
    const char *cls = ck_obj_str(spec, "priorityClassName");
    json_int_t value = 0;
    const char *policy = "PreemptLowerPriority";
    json_t *pc = NULL;
    if (!cls || !*cls) {
        pc = default_class(a->srv);
        if (pc) json_object_set(spec, "priorityClassName", ck_obj_get(pc, "metadata.name"));
    } else {
        pc = find_class(a->srv, cls);
        if (!pc && a->srv->cache)
            return ck_admission_forbid(a, pod, err, "no PriorityClass with name %s was found", cls);
    }
    if (pc) {
        value = json_integer_value(json_object_get(pc, "value"));
        policy = ck_obj_str(pc, "preemptionPolicy"); /* NULL: keep the pod's */
    }
    const json_t *given = json_object_get(spec, "priority");
    if (given && json_integer_value(given) != value) {
        json_decref(pc);
        return ck_admission_forbid(
            a, pod, err,
            "the integer value of priority (%lld) must not be provided in pod spec; "
            "priority admission controller computed %lld from the given PriorityClass "
            "name",
            (long long)json_integer_value(given), (long long)value);
    }
    json_object_set_new(spec, "priority", json_integer(value));
    int r = 0;
    if (policy) {
        const char *have = ck_obj_str(spec, "preemptionPolicy");
        if (have && !streq(have, policy))
            r = ck_admission_forbid(
                a, pod, err,
                "the string value of PreemptionPolicy (%s) must not be provided in pod "
                "spec; priority admission controller computed %s from the given "
                "PriorityClass name",
                have, policy);
        else
            json_object_set_new(spec, "preemptionPolicy", json_string(policy));
    }
    json_decref(pc);
    return r;
}

static int prio_admit(const ck_admission_attrs *a, json_t *obj, const json_t *old, ck_err **err)
{
    if (!a->rt || a->sub || *a->rt->def->group || !streq(a->rt->def->plural, "pods")) return 0;
    json_t *spec = json_object_get(obj, "spec");
    if (!json_is_object(spec)) return 0;
    if (streq(a->operation, "CREATE")) return admit_create(a, spec, obj, err);
    if (streq(a->operation, "UPDATE")) {
        /* Validation forbids changing them; an update that leaves them out keeps them. */
        static const char *const keep[] = {"priority", "preemptionPolicy"};
        const json_t *os = json_object_get(old, "spec");
        for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
            if (!json_object_get(spec, keep[i]) && json_object_get(os, keep[i]))
                json_object_set(spec, keep[i], json_object_get(os, keep[i]));
    }
    return 0;
}

static int prio_validate(const ck_admission_attrs *a, const json_t *obj, const json_t *old,
                         ck_err **err)
{
    (void)old;
    if (!a->rt || a->sub || !streq(a->rt->def->group, "scheduling.k8s.io") ||
        !streq(a->rt->def->plural, "priorityclasses") ||
        !(streq(a->operation, "CREATE") || streq(a->operation, "UPDATE")) ||
        !json_is_true(json_object_get(obj, "globalDefault")))
        return 0;
    json_t *dpc = default_class(a->srv);
    const char *dname = ck_obj_str(dpc, "metadata.name");
    int r = 0;
    if (dpc && (streq(a->operation, "CREATE") || !streq(dname, ck_obj_str(obj, "metadata.name"))))
        r = ck_admission_forbid(a, obj, err,
                                "PriorityClass %s is already marked as default. Only one default "
                                "can exist",
                                dname ? dname : "");
    json_decref(dpc);
    return r;
}

const ck_admission_plugin ck_admission_priority = {
    .name = "Priority",
    .admit = prio_admit,
    .validate = prio_validate,
};
