/* VolumeBinding, basic (upstream plugins/volumebinding): PreFilter rejects pods whose
 * PVCs are missing, lost, being deleted or unbound with Immediate binding; Filter checks
 * bound PVs' node affinity and, for WaitForFirstConsumer claims, that a matching available
 * PV or a dynamic provisioner whose allowed topologies fit the node exists. No PreBind
 * (volumes are not bound by the scheduler yet). */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "machinery/quantity.h"
#include "scheduler/plugins.h"

#define ERR_NODE_CONFLICT "node(s) had volume node affinity conflict"
#define ERR_BIND_CONFLICT "node(s) didn't find available persistent volumes to bind"
#define ERR_PV_NOT_EXIST "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"

typedef struct state {
    const json_t **bound;   /* bound claims */
    const json_t **delayed; /* unbound WaitForFirstConsumer claims */
    uint32_t nbound, ndelayed;
} state;

static const char *str(const json_t *o, const char *a, const char *b)
{
    const json_t *v = json_object_get(o, a);
    return json_string_value(b ? json_object_get(v, b) : v);
}

static const char *claim_class(const json_t *pvc)
{
    const char *c = str(pvc, "spec", "storageClassName");
    if (c) return c;
    return json_string_value(
        json_object_get(json_object_get(json_object_get(pvc, "metadata"), "annotations"),
                        "volume.beta.kubernetes.io/storage-class"));
}

static ck_sched_status pre_filter(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                  ck_sched_prefilter_result *res)
{
    (void)self;
    (void)res;
    if (pod->nvolumes == 0) return ck_sched_st(CK_SCHED_SKIP, NULL);
    ck_sched_snapshot *snap = ck_sched_cycle_snapshot(c);
    ck_sched_arena *a = ck_sched_cycle_arena(c);
    const char *ns = ck_sym_str(ck_sched_snapshot_symtab(snap), pod->ns);
    state *s = ck_sched_arena_alloc(a, sizeof(*s));
    s->bound = ck_sched_arena_alloc(a, pod->nvolumes * sizeof(json_t *));
    s->delayed = ck_sched_arena_alloc(a, pod->nvolumes * sizeof(json_t *));
    s->nbound = s->ndelayed = 0;
    bool immediate = false;
    for (uint32_t i = 0; i < pod->nvolumes; i++) {
        const char *name = pod->volumes[i].claim;
        const json_t *pvc = ck_sched_snapshot_object(snap, "PersistentVolumeClaim", ns, name);
        if (!pvc)
            return ck_sched_st(
                CK_SCHED_UNRESOLVABLE,
                pod->volumes[i].ephemeral
                    ? ck_sched_arena_printf(a,
                                            "waiting for ephemeral volume controller to create the "
                                            "persistentvolumeclaim \"%s\"",
                                            name)
                    : ck_sched_arena_printf(a, "persistentvolumeclaim \"%s\" not found", name));
        const char *vol = str(pvc, "spec", "volumeName");
        if (streq(str(pvc, "status", "phase"), "Lost"))
            return ck_sched_st(
                CK_SCHED_UNRESOLVABLE,
                ck_sched_arena_printf(
                    a, "persistentvolumeclaim \"%s\" bound to non-existent persistentvolume \"%s\"",
                    name, vol ? vol : ""));
        if (json_object_get(json_object_get(pvc, "metadata"), "deletionTimestamp"))
            return ck_sched_st(
                CK_SCHED_UNRESOLVABLE,
                ck_sched_arena_printf(a, "persistentvolumeclaim \"%s\" is being deleted", name));
        const json_t *ann = json_object_get(json_object_get(pvc, "metadata"), "annotations");
        if (vol && *vol && json_object_get(ann, "pv.kubernetes.io/bind-completed")) {
            s->bound[s->nbound++] = pvc;
            continue;
        }
        const char *cls = claim_class(pvc);
        const json_t *sc =
            cls && *cls ? ck_sched_snapshot_object(snap, "StorageClass", NULL, cls) : NULL;
        bool delay = sc && streq(json_string_value(json_object_get(sc, "volumeBindingMode")),
                                 "WaitForFirstConsumer");
        if (delay && !(vol && *vol))
            s->delayed[s->ndelayed++] = pvc;
        else
            immediate = true;
    }
    if (immediate)
        return ck_sched_st(CK_SCHED_UNRESOLVABLE,
                           "pod has unbound immediate PersistentVolumeClaims");
    ck_sched_cycle_put(c, CK_PL_VOLUME_BINDING, CK_STATE_PREFILTER, s, NULL, NULL);
    return ck_sched_ok();
}

/* A v1.NodeSelector (PV nodeAffinity.required): terms ORed; none means no constraint. */
static bool selector_matches(ck_sched_symtab *t, const json_t *ns, const ck_sched_node *node)
{
    const json_t *terms = json_object_get(ns, "nodeSelectorTerms");
    if (!json_is_object(ns)) return true;
    size_t i;
    json_t *e;
    json_array_foreach(terms, i, e)
    {
        ck_sched_node_term term;
        ck_sched_parse_node_term(t, e, &term, NULL);
        bool ok = ck_sched_node_term_matches(&term, node, t);
        ck_sched_node_term_free(&term);
        if (ok) return true;
    }
    return false;
}

static bool pv_fits_node(ck_sched_symtab *t, const json_t *pv, const ck_sched_node *node)
{
    return selector_matches(
        t,
        json_object_get(json_object_get(json_object_get(pv, "spec"), "nodeAffinity"), "required"),
        node);
}

static int64_t storage(const json_t *rl)
{
    ck_quantity q;
    const char *s = json_string_value(json_object_get(rl, "storage"));
    return s && ck_quantity_parse(s, &q, NULL) == 0 ? ck_quantity_value(&q) : 0;
}

static bool modes_ok(const json_t *claim_modes, const json_t *pv_modes)
{
    size_t i, j;
    json_t *m, *p;
    json_array_foreach(claim_modes, i, m)
    {
        bool found = false;
        json_array_foreach(pv_modes, j, p) found = found || json_equal(m, p);
        if (!found) return false;
    }
    return true;
}

/* findMatchingVolume, basic: class, free or pre-bound to this claim, capacity, access
 * modes, label selector and node affinity. */
static bool matching_pv(ck_sched_snapshot *snap, const json_t *pvc, const ck_sched_node *node)
{
    ck_sched_symtab *t = ck_sched_snapshot_symtab(snap);
    const ck_sched_strmap *pvs = ck_sched_snapshot_objects(snap, "PersistentVolume");
    const char *cls = claim_class(pvc), *cname = str(pvc, "metadata", "name"),
               *cns = str(pvc, "metadata", "namespace");
    const json_t *cspec = json_object_get(pvc, "spec");
    int64_t want = storage(json_object_get(json_object_get(cspec, "resources"), "requests"));
    ck_sched_selector sel = {0};
    bool has_sel = json_is_object(json_object_get(cspec, "selector"));
    if (has_sel && ck_sched_parse_selector(t, json_object_get(cspec, "selector"), &sel, NULL) < 0)
        return false;
    bool found = false;
    CK_SCHED_STRMAP_FOREACH(pvs, i)
    {
        const json_t *pv = pvs->vals[i], *spec = json_object_get(pv, "spec");
        const json_t *ref = json_object_get(spec, "claimRef");
        if (ref &&
            !(streq(str(ref, "name", NULL), cname) && streq(str(ref, "namespace", NULL), cns)))
            continue;
        if (json_object_get(json_object_get(pv, "metadata"), "deletionTimestamp")) continue;
        const char *pcls = json_string_value(json_object_get(spec, "storageClassName"));
        if (!streq(pcls ? pcls : "", cls ? cls : "")) continue;
        if (storage(json_object_get(spec, "capacity")) < want) continue;
        if (!modes_ok(json_object_get(cspec, "accessModes"), json_object_get(spec, "accessModes")))
            continue;
        if (has_sel) {
            ck_sched_labels l;
            ck_sched_labels_parse(t, json_object_get(json_object_get(pv, "metadata"), "labels"),
                                  &l);
            bool ok = ck_sched_selector_matches(&sel, &l, t);
            free(l.v);
            if (!ok) continue;
        }
        if (!pv_fits_node(t, pv, node)) continue;
        found = true;
        break;
    }
    ck_sched_selector_free(&sel);
    return found;
}

/* MatchTopologySelectorTerms: terms ORed, expressions ANDed; no terms match all. */
static bool topology_ok(const json_t *terms, const ck_sched_node *node, ck_sched_symtab *t)
{
    if (json_array_size(terms) == 0) return true;
    size_t i, j, k;
    json_t *term, *e, *v;
    json_array_foreach(terms, i, term)
    {
        bool all = true;
        json_array_foreach(json_object_get(term, "matchLabelExpressions"), j, e)
        {
            const char *key = json_string_value(json_object_get(e, "key"));
            ck_sym have = key ? ck_sched_labels_get(&node->labels, ck_sym_intern(t, key)) : 0;
            bool in = false;
            json_array_foreach(json_object_get(e, "values"), k, v) in =
                in ||
                (have && json_is_string(v) && streq(ck_sym_str(t, have), json_string_value(v)));
            all = all && in;
        }
        if (all) return true;
    }
    return false;
}

static ck_sched_status filter(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                              const ck_sched_node *node)
{
    (void)self;
    (void)pod;
    const state *s = ck_sched_cycle_get(c, CK_PL_VOLUME_BINDING, CK_STATE_PREFILTER);
    if (!s) return ck_sched_ok();
    ck_sched_snapshot *snap = ck_sched_cycle_snapshot(c);
    ck_sched_symtab *t = ck_sched_snapshot_symtab(snap);
    ck_sched_status st = ck_sched_ok();
    bool node_conflict = false, bind_conflict = false;
    for (uint32_t i = 0; i < s->nbound; i++) {
        const json_t *pv = ck_sched_snapshot_object(snap, "PersistentVolume", NULL,
                                                    str(s->bound[i], "spec", "volumeName"));
        if (!pv) return ck_sched_st(CK_SCHED_UNRESOLVABLE, ERR_PV_NOT_EXIST);
        if (!pv_fits_node(t, pv, node)) node_conflict = true;
    }
    for (uint32_t i = 0; i < s->ndelayed; i++) {
        if (matching_pv(snap, s->delayed[i], node)) continue;
        const json_t *sc =
            ck_sched_snapshot_object(snap, "StorageClass", NULL, claim_class(s->delayed[i]));
        const char *prov = str(sc, "provisioner", NULL);
        if (!prov || !*prov || streq(prov, "kubernetes.io/no-provisioner") ||
            !topology_ok(json_object_get(sc, "allowedTopologies"), node, t))
            bind_conflict = true;
    }
    if (node_conflict) ck_sched_st_add(&st, ERR_NODE_CONFLICT);
    if (bind_conflict) ck_sched_st_add(&st, ERR_BIND_CONFLICT);
    if (st.nreasons) st.code = CK_SCHED_UNRESOLVABLE;
    return st;
}

const ck_sched_plugin_ops ck_pl_volume_binding = {
    .name = "VolumeBinding", .pre_filter = pre_filter, .filter = filter};
