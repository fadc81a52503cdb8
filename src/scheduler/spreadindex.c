/* PodTopologySpread's counting, kept incrementally: for each (namespace, selector) in use,
 * the number of matching non-terminating pods per node and, for each topology key asked
 * for, per domain (pods, and present nodes per domain). Upstream recounts every pod of
 * every node each cycle; here an entry is built once (one pass over the pods) and then
 * follows pod and node changes, so a Deployment's pods cost O(domains) instead of
 * O(pods in the cluster). A small LRU bounds the number of selectors tracked. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/plugins.h"

typedef struct spread_key {
    ck_sym key;
    ck_sched_u64map pods;  /* domain value (CK_SPREAD_MISSING) -> matching pods on present nodes */
    ck_sched_u64map nodes; /* domain value -> present nodes */
} spread_key;

struct ck_sched_spread_index {
    ck_sym ns;
    bool with_terminating; /* InterPodAffinity counts terminating pods, spreading does not */
    ck_sched_selector sel; /* owned copy */
    uint64_t hash, last_use;
    int32_t *counts; /* by node idx */
    uint32_t cap;
    spread_key **keys; /* stable pointers */
    uint32_t nkeys;
};

static uint64_t sel_hash(ck_sym ns, const ck_sched_selector *sel)
{
    uint64_t h = 1469598103934665603ULL ^ ns ^ ((uint64_t)sel->nothing << 40);
    for (uint32_t i = 0; i < sel->n; i++) {
        const ck_sel_req *r = &sel->reqs[i];
        h = (h ^ r->key) * 1099511628211ULL;
        h = (h ^ r->op ^ ((uint64_t)r->num << 8)) * 1099511628211ULL;
        for (uint32_t j = 0; j < r->nvals; j++)
            h = (h ^ r->vals[j]) * 1099511628211ULL;
    }
    return h;
}

static bool sel_equal(const ck_sched_selector *a, const ck_sched_selector *b)
{
    if (a->nothing != b->nothing || a->n != b->n) return false;
    for (uint32_t i = 0; i < a->n; i++) {
        const ck_sel_req *x = &a->reqs[i], *y = &b->reqs[i];
        if (x->key != y->key || x->op != y->op || x->num != y->num || x->nvals != y->nvals ||
            (x->nvals && memcmp(x->vals, y->vals, x->nvals * sizeof(ck_sym)) != 0))
            return false;
    }
    return true;
}

static void sel_copy(ck_sched_selector *dst, const ck_sched_selector *src)
{
    *dst = *src;
    dst->reqs = src->n ? xmalloc(src->n * sizeof(ck_sel_req)) : NULL;
    for (uint32_t i = 0; i < src->n; i++) {
        dst->reqs[i] = src->reqs[i];
        dst->reqs[i].vals = xmalloc((src->reqs[i].nvals + 1) * sizeof(ck_sym));
        if (src->reqs[i].nvals)
            memcpy(dst->reqs[i].vals, src->reqs[i].vals, src->reqs[i].nvals * sizeof(ck_sym));
    }
}

static void entry_free(ck_sched_spread_index *e)
{
    ck_sched_selector_free(&e->sel);
    free(e->counts);
    for (uint32_t i = 0; i < e->nkeys; i++) {
        ck_sched_u64map_free(&e->keys[i]->pods);
        ck_sched_u64map_free(&e->keys[i]->nodes);
        free(e->keys[i]);
    }
    free(e->keys);
    free(e);
}

void ck_sched_spread_cache_free(ck_sched_spread_cache *c)
{
    for (uint32_t i = 0; i < c->n; i++)
        entry_free(c->e[i]);
    memset(c, 0, sizeof(*c));
}

static bool counts_pod(const ck_sched_spread_index *e, const ck_sched_pod *p,
                       const ck_sched_symtab *t)
{
    return p->ns == e->ns && (e->with_terminating || !p->terminating) &&
           ck_sched_selector_matches(&e->sel, &p->labels, t);
}

static uint64_t domain(const ck_sched_node *n, ck_sym key)
{
    ck_sym v = ck_sched_labels_get(&n->labels, key);
    return v ? v : CK_SPREAD_MISSING;
}

static void grow_counts(ck_sched_spread_index *e, uint32_t idx)
{
    if (idx < e->cap) return;
    uint32_t cap = e->cap ? e->cap : 64;
    while (cap <= idx)
        cap *= 2;
    e->counts = xrealloc(e->counts, cap * sizeof(int32_t));
    memset(e->counts + e->cap, 0, (cap - e->cap) * sizeof(int32_t));
    e->cap = cap;
}

void ck_sched_spread_on_pod(ck_sched_spread_cache *c, const ck_sched_symtab *t,
                            const ck_sched_pod *p, const ck_sched_node *n, int64_t delta)
{
    for (uint32_t i = 0; i < c->n; i++) {
        ck_sched_spread_index *e = c->e[i];
        if (!counts_pod(e, p, t)) continue;
        grow_counts(e, n->idx);
        e->counts[n->idx] += (int32_t)delta;
        if (!n->present) continue;
        for (uint32_t k = 0; k < e->nkeys; k++)
            ck_sched_u64map_add(&e->keys[k]->pods, domain(n, e->keys[k]->key), delta, false);
    }
}

static void key_add_node(spread_key *k, const ck_sched_spread_index *e, const ck_sched_node *n,
                         int64_t delta)
{
    uint64_t v = domain(n, k->key);
    int64_t cnt = n->idx < e->cap ? e->counts[n->idx] : 0;
    ck_sched_u64map_add(&k->nodes, v, delta, true);
    int64_t *pods = ck_sched_u64map_slot(&k->pods, v);
    *pods += delta * cnt;
    if (*pods == 0 && !ck_sched_u64map_get(&k->nodes, v)) ck_sched_u64map_del(&k->pods, v);
}

void ck_sched_spread_on_node(ck_sched_spread_cache *c, const ck_sched_node *n, int64_t delta)
{
    for (uint32_t i = 0; i < c->n; i++)
        for (uint32_t k = 0; k < c->e[i]->nkeys; k++)
            key_add_node(c->e[i]->keys[k], c->e[i], n, delta);
}

ck_sched_spread_index *ck_sched_spread_get(ck_sched_snapshot *s, ck_sym ns,
                                           const ck_sched_selector *sel, bool with_terminating)
{
    ck_sched_spread_cache *c = ck_sched_snapshot_spread(s);
    uint64_t h = sel_hash(ns, sel) ^ with_terminating;
    for (uint32_t i = 0; i < c->n; i++) {
        ck_sched_spread_index *e = c->e[i];
        if (e->hash == h && e->ns == ns && e->with_terminating == with_terminating &&
            sel_equal(&e->sel, sel)) {
            e->last_use = ++c->clock;
            return e;
        }
    }
    if (c->n == CK_SPREAD_CACHE) {
        uint32_t lru = 0;
        for (uint32_t i = 1; i < c->n; i++)
            if (c->e[i]->last_use < c->e[lru]->last_use) lru = i;
        entry_free(c->e[lru]);
        c->e[lru] = c->e[--c->n];
    }
    ck_sched_spread_index *e = xcalloc(1, sizeof(*e));
    e->ns = ns;
    e->with_terminating = with_terminating;
    e->hash = h;
    e->last_use = ++c->clock;
    sel_copy(&e->sel, sel);
    const ck_sched_symtab *t = ck_sched_snapshot_symtab(s);
    uint32_t nt;
    ck_sched_node *const *table = ck_sched_snapshot_table(s, &nt);
    grow_counts(e, nt ? nt - 1 : 0);
    for (uint32_t i = 0; i < nt; i++) {
        const ck_sched_node *n = table[i];
        for (uint32_t j = 0; n && j < n->npods; j++)
            e->counts[i] += counts_pod(e, n->pods[j], t);
    }
    c->e[c->n++] = e;
    return e;
}

int64_t ck_sched_spread_count(const ck_sched_spread_index *e, const ck_sched_node *n)
{
    return n->idx < e->cap ? e->counts[n->idx] : 0;
}

const ck_sched_u64map *ck_sched_spread_domains(ck_sched_snapshot *s, ck_sched_spread_index *e,
                                               ck_sym key, const ck_sched_u64map **nodes)
{
    for (uint32_t i = 0; i < e->nkeys; i++)
        if (e->keys[i]->key == key) {
            if (nodes) *nodes = &e->keys[i]->nodes;
            return &e->keys[i]->pods;
        }
    e->keys = xrealloc(e->keys, (e->nkeys + 1) * sizeof(spread_key *));
    spread_key *k = e->keys[e->nkeys++] = xcalloc(1, sizeof(spread_key));
    k->key = key;
    uint32_t n;
    ck_sched_node *const *all = ck_sched_snapshot_nodes(s, &n);
    for (uint32_t i = 0; i < n; i++)
        key_add_node(k, e, all[i], 1);
    if (nodes) *nodes = &k->nodes;
    return &k->pods;
}
