/* The (anti-)affinity terms carried by pods on nodes, grouped by identity: pods of one
 * workload share their terms, so InterPodAffinity evaluates each distinct term once against
 * the incoming pod and reads, per topology domain, how many pods carry it, instead of
 * visiting every pod with affinity each cycle. Groups follow pod and node changes and go
 * away with their last pod. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/plugins.h"

struct ck_sched_term_group {
    uint8_t kind;
    int32_t weight;
    ck_sched_aff_term term; /* owned copy */
    uint64_t hash;
    int32_t *counts; /* by node idx */
    uint32_t cap;
    int64_t total;
    ck_sched_u64map pods; /* domain value (CK_SPREAD_MISSING) -> carrying pods on present nodes */
};

static uint64_t mix(uint64_t h, uint64_t v)
{
    return (h ^ v) * 1099511628211ULL;
}

static uint64_t sel_hash(uint64_t h, const ck_sched_selector *s)
{
    h = mix(h, s->nothing);
    for (uint32_t i = 0; i < s->n; i++) {
        h = mix(mix(mix(h, s->reqs[i].key), s->reqs[i].op), (uint64_t)s->reqs[i].num);
        for (uint32_t j = 0; j < s->reqs[i].nvals; j++)
            h = mix(h, s->reqs[i].vals[j]);
    }
    return h;
}

static uint64_t term_hash(uint8_t kind, int32_t weight, const ck_sched_aff_term *t)
{
    uint64_t h = mix(mix(mix(1469598103934665603ULL, kind), (uint32_t)weight), t->topology_key);
    for (uint32_t i = 0; i < t->nns; i++)
        h = mix(h, t->namespaces[i]);
    return sel_hash(sel_hash(h, &t->sel), &t->ns_sel);
}

static bool sel_eq(const ck_sched_selector *a, const ck_sched_selector *b)
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

static bool term_eq(const ck_sched_aff_term *a, const ck_sched_aff_term *b)
{
    return a->topology_key == b->topology_key && a->nns == b->nns &&
           (a->nns == 0 || memcmp(a->namespaces, b->namespaces, a->nns * sizeof(ck_sym)) == 0) &&
           sel_eq(&a->sel, &b->sel) && sel_eq(&a->ns_sel, &b->ns_sel);
}

static void sel_copy(ck_sched_selector *d, const ck_sched_selector *s)
{
    *d = *s;
    d->reqs = s->n ? xmalloc(s->n * sizeof(ck_sel_req)) : NULL;
    for (uint32_t i = 0; i < s->n; i++) {
        d->reqs[i] = s->reqs[i];
        d->reqs[i].vals = xmalloc((s->reqs[i].nvals + 1) * sizeof(ck_sym));
        if (s->reqs[i].nvals)
            memcpy(d->reqs[i].vals, s->reqs[i].vals, s->reqs[i].nvals * sizeof(ck_sym));
    }
}

static void group_free(ck_sched_term_group *g)
{
    ck_sched_selector_free(&g->term.sel);
    ck_sched_selector_free(&g->term.ns_sel);
    free(g->term.namespaces);
    free(g->counts);
    ck_sched_u64map_free(&g->pods);
    free(g);
}

void ck_sched_term_index_free(ck_sched_term_index *ti)
{
    for (uint32_t i = 0; i < ti->n; i++)
        group_free(ti->g[i]);
    free(ti->g);
    memset(ti, 0, sizeof(*ti));
}

static uint64_t domain(const ck_sched_node *n, ck_sym key)
{
    ck_sym v = ck_sched_labels_get(&n->labels, key);
    return v ? v : CK_SPREAD_MISSING;
}

static ck_sched_term_group *group_for(ck_sched_term_index *ti, uint8_t kind,
                                      const ck_sched_aff_term *t)
{
    uint64_t h = term_hash(kind, t->weight, t);
    for (uint32_t i = 0; i < ti->n; i++) {
        ck_sched_term_group *g = ti->g[i];
        if (g->hash == h && g->kind == kind && g->weight == t->weight && term_eq(&g->term, t))
            return g;
    }
    ck_sched_term_group *g = xcalloc(1, sizeof(*g));
    g->kind = kind;
    g->weight = t->weight;
    g->hash = h;
    g->term = *t;
    sel_copy(&g->term.sel, &t->sel);
    sel_copy(&g->term.ns_sel, &t->ns_sel);
    g->term.namespaces = xmalloc((t->nns + 1) * sizeof(ck_sym));
    if (t->nns) memcpy(g->term.namespaces, t->namespaces, t->nns * sizeof(ck_sym));
    if (ti->n == ti->cap) {
        ti->cap = ti->cap ? ti->cap * 2 : 8;
        ti->g = xrealloc(ti->g, ti->cap * sizeof(*ti->g));
    }
    ti->g[ti->n++] = g;
    return g;
}

static void count(ck_sched_term_index *ti, uint8_t kind, const ck_sched_aff_term *t,
                  const ck_sched_node *n, int64_t delta)
{
    ck_sched_term_group *g = group_for(ti, kind, t);
    if (n->idx >= g->cap) {
        uint32_t cap = g->cap ? g->cap : 64;
        while (cap <= n->idx)
            cap *= 2;
        g->counts = xrealloc(g->counts, cap * sizeof(int32_t));
        memset(g->counts + g->cap, 0, (cap - g->cap) * sizeof(int32_t));
        g->cap = cap;
    }
    g->counts[n->idx] += (int32_t)delta;
    g->total += delta;
    if (n->present) ck_sched_u64map_add(&g->pods, domain(n, g->term.topology_key), delta, true);
    if (g->total == 0) {
        for (uint32_t i = 0; i < ti->n; i++)
            if (ti->g[i] == g) {
                ti->g[i] = ti->g[--ti->n];
                break;
            }
        group_free(g);
    }
}

void ck_sched_term_index_on_pod(ck_sched_term_index *ti, const ck_sched_pod *p,
                                const ck_sched_node *n, int64_t delta)
{
    static const uint8_t kinds[] = {CK_TERM_AFF_REQ, CK_TERM_ANTI_REQ, CK_TERM_AFF_PREF,
                                    CK_TERM_ANTI_PREF};
    const ck_sched_aff_term *lists[] = {p->aff_req, p->anti_req, p->aff_pref, p->anti_pref};
    const uint32_t lens[] = {p->naff_req, p->nanti_req, p->naff_pref, p->nanti_pref};
    for (int k = 0; k < 4; k++)
        for (uint32_t i = 0; i < lens[k]; i++)
            count(ti, kinds[k], &lists[k][i], n, delta);
}

void ck_sched_term_index_on_node(ck_sched_term_index *ti, const ck_sched_node *n, int64_t delta)
{
    for (uint32_t i = 0; i < ti->n; i++) {
        ck_sched_term_group *g = ti->g[i];
        int64_t c = n->idx < g->cap ? g->counts[n->idx] : 0;
        if (c) ck_sched_u64map_add(&g->pods, domain(n, g->term.topology_key), delta * c, true);
    }
}

uint32_t ck_sched_term_groups(const ck_sched_term_index *ti, ck_sched_term_group *const **out)
{
    *out = ti->g;
    return ti->n;
}

uint8_t ck_sched_term_group_kind(const ck_sched_term_group *g)
{
    return g->kind;
}

const ck_sched_aff_term *ck_sched_term_group_term(const ck_sched_term_group *g)
{
    return &g->term;
}

const ck_sched_u64map *ck_sched_term_group_domains(const ck_sched_term_group *g)
{
    return &g->pods;
}
