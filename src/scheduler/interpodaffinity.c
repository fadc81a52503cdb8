/* InterPodAffinity (upstream plugins/interpodaffinity): required pod affinity (every
 * term's topology domain must hold a matching pod, except for the first pod of a group
 * matching itself), required anti-affinity, existing pods' required anti-affinity against
 * the incoming pod, and preferred (anti-)affinity of both sides plus existing pods' hard
 * affinity (hardPodAffinityWeight) as score. Counts are kept per (topology key, value). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/plugins.h"

typedef struct ipa {
    int64_t hard_weight;
    bool ignore_existing_preferred;
} ipa;

static void *create(const json_t *args, ck_sched_snapshot *snap, ck_err **err)
{
    (void)snap;
    ipa *p = xcalloc(1, sizeof(*p));
    json_t *hw = json_object_get(args, "hardPodAffinityWeight");
    p->hard_weight = json_is_integer(hw) ? json_integer_value(hw) : 1;
    p->ignore_existing_preferred =
        json_is_true(json_object_get(args, "ignorePreferredTermsOfExistingPods"));
    if (p->hard_weight < 0 || p->hard_weight > 100) {
        ck_error(err, 400, CK_BAD_REQUEST,
                 "hardPodAffinityWeight: Invalid value: %lld: not in valid range [0, 100]",
                 (long long)p->hard_weight);
        free(p);
        return NULL;
    }
    return p;
}

static inline uint64_t pair(ck_sym key, ck_sym val)
{
    return (uint64_t)key << 32 | val;
}

/* An incoming pod's term against another pod: the namespaceSelector is merged into the
 * namespaces (known namespaces only), an empty one matches every namespace. */
static bool incoming_matches(const ck_sched_aff_term *t, const ck_sched_pod *other,
                             const ck_sched_snapshot *snap)
{
    const ck_sched_symtab *st = ck_sched_snapshot_symtab((ck_sched_snapshot *)snap);
    bool ns_ok = false;
    for (uint32_t i = 0; i < t->nns && !ns_ok; i++)
        ns_ok = t->namespaces[i] == other->ns;
    if (!ns_ok && !t->ns_sel.nothing) {
        if (t->ns_sel.n == 0) {
            ns_ok = true;
        } else {
            const ck_sched_labels *l = ck_sched_snapshot_ns_labels(snap, other->ns);
            ns_ok = l && ck_sched_selector_matches(&t->ns_sel, l, st);
        }
    }
    return ns_ok && ck_sched_selector_matches(&t->sel, &other->labels, st);
}

static bool matches_all(const ck_sched_aff_term *terms, uint32_t n, const ck_sched_pod *other,
                        const ck_sched_snapshot *snap)
{
    if (n == 0) return false;
    for (uint32_t i = 0; i < n; i++)
        if (!incoming_matches(&terms[i], other, snap)) return false;
    return true;
}

/* A term the count index can answer: one namespace, no namespaceSelector. */
static bool indexable(const ck_sched_aff_term *t)
{
    return t->nns == 1 && t->ns_sel.nothing;
}

/* Adds weight * (pods matching t) per topology domain of t's key, over present nodes. */
static void add_domains(ck_sched_snapshot *snap, const ck_sched_aff_term *t, int64_t weight,
                        ck_sched_u64map *m, bool drop_zero)
{
    ck_sched_spread_index *e = ck_sched_spread_get(snap, t->namespaces[0], &t->sel, true);
    const ck_sched_u64map *pods = ck_sched_spread_domains(snap, e, t->topology_key, NULL);
    CK_SCHED_U64MAP_FOREACH(pods, k)
    {
        if (pods->keys[k] == CK_SPREAD_MISSING || pods->vals[k] <= 0) continue;
        ck_sched_u64map_add(m, pair(t->topology_key, (ck_sym)pods->keys[k]), weight * pods->vals[k],
                            drop_zero);
    }
}

static void bump(ck_sched_u64map *m, const ck_sched_node *node, ck_sym key, int64_t delta)
{
    ck_sym v = ck_sched_labels_get(&node->labels, key);
    if (v) ck_sched_u64map_add(m, pair(key, v), delta, true);
}

/* ---- Filter -------------------------------------------------------------------------------- */

typedef struct pf_state {
    ck_sched_u64map existing_anti, affinity, anti;
    const ck_sched_labels *ns_labels;
} pf_state;

static void pf_free(void *v)
{
    pf_state *s = v;
    ck_sched_u64map_free(&s->existing_anti);
    ck_sched_u64map_free(&s->affinity);
    ck_sched_u64map_free(&s->anti);
    free(s);
}

static void *pf_clone(const void *v)
{
    const pf_state *s = v;
    pf_state *c = xcalloc(1, sizeof(*c));
    ck_sched_u64map_copy(&c->existing_anti, &s->existing_anti);
    ck_sched_u64map_copy(&c->affinity, &s->affinity);
    ck_sched_u64map_copy(&c->anti, &s->anti);
    c->ns_labels = s->ns_labels;
    return c;
}

/* updateWithPod: other's anti-affinity against the pod, the pod's terms against other. */
static void update(pf_state *s, const ck_sched_pod *pod, const ck_sched_pod *other,
                   const ck_sched_node *node, const ck_sched_snapshot *snap, int64_t delta)
{
    const ck_sched_symtab *t = ck_sched_snapshot_symtab((ck_sched_snapshot *)snap);
    for (uint32_t i = 0; i < other->nanti_req; i++)
        if (ck_sched_aff_term_matches(&other->anti_req[i], pod, s->ns_labels, t))
            bump(&s->existing_anti, node, other->anti_req[i].topology_key, delta);
    if (matches_all(pod->aff_req, pod->naff_req, other, snap))
        for (uint32_t i = 0; i < pod->naff_req; i++)
            bump(&s->affinity, node, pod->aff_req[i].topology_key, delta);
    for (uint32_t i = 0; i < pod->nanti_req; i++)
        if (incoming_matches(&pod->anti_req[i], other, snap))
            bump(&s->anti, node, pod->anti_req[i].topology_key, delta);
}

static ck_sched_status pre_filter(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                  ck_sched_prefilter_result *res)
{
    (void)self;
    (void)res;
    ck_sched_snapshot *snap = ck_sched_cycle_snapshot(c);
    const ck_sched_symtab *t = ck_sched_snapshot_symtab(snap);
    pf_state *s = xcalloc(1, sizeof(*s));
    s->ns_labels = ck_sched_snapshot_ns_labels(snap, pod->ns);
    /* Existing pods' required anti-affinity, one evaluation per distinct term. */
    ck_sched_term_group *const *groups;
    uint32_t ng = ck_sched_term_groups(ck_sched_snapshot_terms(snap), &groups), n;
    for (uint32_t i = 0; i < ng; i++) {
        const ck_sched_aff_term *term = ck_sched_term_group_term(groups[i]);
        if (ck_sched_term_group_kind(groups[i]) != CK_TERM_ANTI_REQ ||
            !ck_sched_aff_term_matches(term, pod, s->ns_labels, t))
            continue;
        const ck_sched_u64map *pods = ck_sched_term_group_domains(groups[i]);
        CK_SCHED_U64MAP_FOREACH(pods, k)
        {
            if (pods->keys[k] != CK_SPREAD_MISSING && pods->vals[k] > 0)
                ck_sched_u64map_add(&s->existing_anti,
                                    pair(term->topology_key, (ck_sym)pods->keys[k]), pods->vals[k],
                                    true);
        }
    }
    bool fast = pod->naff_req <= 1 && (pod->naff_req == 0 || indexable(&pod->aff_req[0]));
    for (uint32_t i = 0; i < pod->nanti_req; i++)
        fast = fast && indexable(&pod->anti_req[i]);
    if (fast) {
        for (uint32_t i = 0; i < pod->naff_req; i++)
            add_domains(snap, &pod->aff_req[i], 1, &s->affinity, true);
        for (uint32_t i = 0; i < pod->nanti_req; i++)
            add_domains(snap, &pod->anti_req[i], 1, &s->anti, true);
    } else if (pod->naff_req || pod->nanti_req) {
        ck_sched_node *const *all = ck_sched_snapshot_nodes(snap, &n);
        for (uint32_t k = 0; k < n; k++) {
            const ck_sched_node *node = all[k];
            for (uint32_t j = 0; j < node->npods; j++) {
                const ck_sched_pod *ep = node->pods[j];
                if (matches_all(pod->aff_req, pod->naff_req, ep, snap))
                    for (uint32_t i = 0; i < pod->naff_req; i++)
                        bump(&s->affinity, node, pod->aff_req[i].topology_key, 1);
                for (uint32_t i = 0; i < pod->nanti_req; i++)
                    if (incoming_matches(&pod->anti_req[i], ep, snap))
                        bump(&s->anti, node, pod->anti_req[i].topology_key, 1);
            }
        }
    }
    if (s->existing_anti.len == 0 && !pod->naff_req && !pod->nanti_req) {
        pf_free(s);
        return ck_sched_st(CK_SCHED_SKIP, NULL);
    }
    ck_sched_cycle_put(c, CK_PL_INTER_POD_AFFINITY, CK_STATE_PREFILTER, s, pf_free, pf_clone);
    return ck_sched_ok();
}

static ck_sched_status ext(ck_sched_cycle *c, const ck_sched_pod *pod, const ck_sched_pod *other,
                           const ck_sched_node *node, int64_t delta)
{
    pf_state *s = ck_sched_cycle_get(c, CK_PL_INTER_POD_AFFINITY, CK_STATE_PREFILTER);
    if (s) update(s, pod, other, node, ck_sched_cycle_snapshot(c), delta);
    return ck_sched_ok();
}

static ck_sched_status add_pod(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                               const ck_sched_pod *other, const ck_sched_node *node)
{
    (void)self;
    return ext(c, pod, other, node, 1);
}

static ck_sched_status remove_pod(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                  const ck_sched_pod *other, const ck_sched_node *node)
{
    (void)self;
    return ext(c, pod, other, node, -1);
}

static ck_sched_status filter(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                              const ck_sched_node *node)
{
    (void)self;
    const pf_state *s = ck_sched_cycle_get(c, CK_PL_INTER_POD_AFFINITY, CK_STATE_PREFILTER);
    if (!s) return ck_sched_ok();
    bool exist = true;
    for (uint32_t i = 0; i < pod->naff_req; i++) {
        ck_sym key = pod->aff_req[i].topology_key, v = ck_sched_labels_get(&node->labels, key);
        if (!v)
            return ck_sched_st(CK_SCHED_UNRESOLVABLE, "node(s) didn't match pod affinity rules");
        const int64_t *cnt = ck_sched_u64map_get(&s->affinity, pair(key, v));
        if (!cnt || *cnt <= 0) exist = false;
    }
    /* The first pod of a group with affinity to itself may go anywhere. */
    if (!exist && !(s->affinity.len == 0 &&
                    matches_all(pod->aff_req, pod->naff_req, pod, ck_sched_cycle_snapshot(c))))
        return ck_sched_st(CK_SCHED_UNRESOLVABLE, "node(s) didn't match pod affinity rules");
    if (s->anti.len)
        for (uint32_t i = 0; i < pod->nanti_req; i++) {
            ck_sym key = pod->anti_req[i].topology_key, v = ck_sched_labels_get(&node->labels, key);
            const int64_t *cnt = v ? ck_sched_u64map_get(&s->anti, pair(key, v)) : NULL;
            if (cnt && *cnt > 0)
                return ck_sched_st(CK_SCHED_UNSCHEDULABLE,
                                   "node(s) didn't match pod anti-affinity rules");
        }
    if (s->existing_anti.len)
        for (uint32_t i = 0; i < node->labels.n; i++) {
            const int64_t *cnt = ck_sched_u64map_get(
                &s->existing_anti, pair(node->labels.v[i].key, node->labels.v[i].val));
            if (cnt && *cnt > 0)
                return ck_sched_st(CK_SCHED_UNSCHEDULABLE,
                                   "node(s) didn't satisfy existing pods anti-affinity rules");
        }
    return ck_sched_ok();
}

/* ---- Score ----------------------------------------------------------------------------------- */

/* The pod's own preferred terms answered by the count index, read per scored node
 * instead of materializing a score for every domain (every host, for hostname terms). */
typedef struct lazy_term {
    const ck_sched_u64map *pods; /* domain value -> matching pods */
    ck_sym key;
    int64_t weight;
} lazy_term;

typedef struct ps_state {
    ck_sched_u64map scores; /* (topology key, value) -> score */
    ck_sym *keys;           /* distinct topology keys in scores */
    uint32_t nkeys;
    lazy_term *lazy;
    uint32_t nlazy;
    bool any_lazy; /* some lazy term matches a pod on a present node */
} ps_state;

static bool has_pods(const ck_sched_u64map *pods)
{
    CK_SCHED_U64MAP_FOREACH(pods, k)
    {
        if (pods->keys[k] != CK_SPREAD_MISSING && pods->vals[k] > 0) return true;
    }
    return false;
}

static void ps_free(void *v)
{
    ps_state *s = v;
    ck_sched_u64map_free(&s->scores);
    free(s->keys);
    free(s->lazy);
    free(s);
}

static void add_score(ps_state *s, const ck_sched_node *node, ck_sym key, int64_t w)
{
    ck_sym v = ck_sched_labels_get(&node->labels, key);
    if (!v) return;
    *ck_sched_u64map_slot(&s->scores, pair(key, v)) += w;
    for (uint32_t i = 0; i < s->nkeys; i++)
        if (s->keys[i] == key) return;
    s->keys = xrealloc(s->keys, (s->nkeys + 1) * sizeof(ck_sym));
    s->keys[s->nkeys++] = key;
}

/* The incoming pod's preferred terms against an existing pod. */
static void process_incoming_terms(ps_state *s, const ck_sched_pod *pod, const ck_sched_pod *ep,
                                   const ck_sched_node *node, const ck_sched_snapshot *snap)
{
    for (uint32_t i = 0; i < pod->naff_pref; i++)
        if (incoming_matches(&pod->aff_pref[i], ep, snap))
            add_score(s, node, pod->aff_pref[i].topology_key, pod->aff_pref[i].weight);
    for (uint32_t i = 0; i < pod->nanti_pref; i++)
        if (incoming_matches(&pod->anti_pref[i], ep, snap))
            add_score(s, node, pod->anti_pref[i].topology_key, -pod->anti_pref[i].weight);
}

static ck_sched_status pre_score(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                 ck_sched_node *const *nodes, uint32_t n)
{
    (void)nodes;
    const ipa *p = self;
    if (n == 0) return ck_sched_ok();
    bool constraints = pod->naff_pref || pod->nanti_pref;
    if (p->ignore_existing_preferred && !constraints) return ck_sched_st(CK_SCHED_SKIP, NULL);
    ck_sched_snapshot *snap = ck_sched_cycle_snapshot(c);
    const ck_sched_labels *ns_labels = ck_sched_snapshot_ns_labels(snap, pod->ns);
    ps_state *s = xcalloc(1, sizeof(*s));
    /* The pod's own preferred terms: from the count index when it can answer them all,
     * else by visiting every pod. */
    bool fast = true;
    for (uint32_t i = 0; i < pod->naff_pref; i++)
        fast = fast && indexable(&pod->aff_pref[i]);
    for (uint32_t i = 0; i < pod->nanti_pref; i++)
        fast = fast && indexable(&pod->anti_pref[i]);
    uint32_t nn;
    if (constraints && fast) {
        s->lazy = xmalloc((pod->naff_pref + pod->nanti_pref) * sizeof(lazy_term));
        for (uint32_t i = 0; i < pod->naff_pref + pod->nanti_pref; i++) {
            bool anti = i >= pod->naff_pref;
            const ck_sched_aff_term *t =
                anti ? &pod->anti_pref[i - pod->naff_pref] : &pod->aff_pref[i];
            ck_sched_spread_index *e = ck_sched_spread_get(snap, t->namespaces[0], &t->sel, true);
            lazy_term *l = &s->lazy[s->nlazy++];
            l->pods = ck_sched_spread_domains(snap, e, t->topology_key, NULL);
            l->key = t->topology_key;
            l->weight = anti ? -t->weight : t->weight;
            s->any_lazy = s->any_lazy || has_pods(l->pods);
        }
    } else if (constraints) {
        ck_sched_node *const *all = ck_sched_snapshot_nodes(snap, &nn);
        for (uint32_t k = 0; k < nn; k++)
            for (uint32_t j = 0; j < all[k]->npods; j++)
                process_incoming_terms(s, pod, all[k]->pods[j], all[k], snap);
    }
    /* Existing pods' terms against the pod, one evaluation per distinct term. */
    ck_sched_term_group *const *groups;
    uint32_t ng = ck_sched_term_groups(ck_sched_snapshot_terms(snap), &groups);
    const ck_sched_symtab *t = ck_sched_snapshot_symtab(snap);
    s->lazy = xrealloc(s->lazy, (s->nlazy + ng + 1) * sizeof(lazy_term));
    for (uint32_t i = 0; i < ng; i++) {
        const ck_sched_aff_term *term = ck_sched_term_group_term(groups[i]);
        uint8_t kind = ck_sched_term_group_kind(groups[i]);
        int64_t w = kind == CK_TERM_AFF_REQ     ? p->hard_weight
                    : kind == CK_TERM_AFF_PREF  ? term->weight
                    : kind == CK_TERM_ANTI_PREF ? -(int64_t)term->weight
                                                : 0;
        if (w == 0 || !ck_sched_aff_term_matches(term, pod, ns_labels, t)) continue;
        lazy_term *l = &s->lazy[s->nlazy++];
        l->pods = ck_sched_term_group_domains(groups[i]);
        l->key = term->topology_key;
        l->weight = w;
        s->any_lazy = s->any_lazy || has_pods(l->pods);
    }
    if (s->scores.len == 0 && !s->any_lazy) {
        ps_free(s);
        return ck_sched_st(CK_SCHED_SKIP, NULL);
    }
    ck_sched_cycle_put(c, CK_PL_INTER_POD_AFFINITY, CK_STATE_PRESCORE, s, ps_free, NULL);
    return ck_sched_ok();
}

static ck_sched_status score(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                             const ck_sched_node *node, int64_t *out)
{
    (void)self;
    (void)pod;
    const ps_state *s = ck_sched_cycle_get(c, CK_PL_INTER_POD_AFFINITY, CK_STATE_PRESCORE);
    int64_t sum = 0;
    for (uint32_t i = 0; s && i < s->nkeys; i++) {
        ck_sym v = ck_sched_labels_get(&node->labels, s->keys[i]);
        const int64_t *x = v ? ck_sched_u64map_get(&s->scores, pair(s->keys[i], v)) : NULL;
        if (x) sum += *x;
    }
    for (uint32_t i = 0; s && i < s->nlazy; i++) {
        ck_sym v = ck_sched_labels_get(&node->labels, s->lazy[i].key);
        const int64_t *x = v ? ck_sched_u64map_get(s->lazy[i].pods, v) : NULL;
        if (x) sum += s->lazy[i].weight * *x;
    }
    *out = sum;
    return ck_sched_ok();
}

static ck_sched_status normalize(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                 ck_sched_node *const *nodes, int64_t *scores, uint32_t n)
{
    (void)self;
    (void)pod;
    (void)nodes;
    const ps_state *s = ck_sched_cycle_get(c, CK_PL_INTER_POD_AFFINITY, CK_STATE_PRESCORE);
    if (!s || (s->scores.len == 0 && !s->any_lazy)) return ck_sched_ok();
    int64_t min = INT64_MAX, max = INT64_MIN;
    for (uint32_t i = 0; i < n; i++) {
        if (scores[i] > max) max = scores[i];
        if (scores[i] < min) min = scores[i];
    }
    int64_t diff = max - min;
    for (uint32_t i = 0; i < n; i++)
        scores[i] = diff > 0 ? (int64_t)((double)CK_SCHED_MAX_NODE_SCORE *
                                         ((double)(scores[i] - min) / (double)diff))
                             : 0;
    return ck_sched_ok();
}

const ck_sched_plugin_ops ck_pl_inter_pod_affinity = {.name = "InterPodAffinity",
                                                      .create = create,
                                                      .destroy = free,
                                                      .pre_filter = pre_filter,
                                                      .add_pod = add_pod,
                                                      .remove_pod = remove_pod,
                                                      .filter = filter,
                                                      .pre_score = pre_score,
                                                      .score = score,
                                                      .normalize_score = normalize};
