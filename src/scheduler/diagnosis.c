/* The plugin registry, statuses, the per-node status map (NodeToStatus) and upstream's
 * FitError text: "0/N nodes are available: <PreFilterMsg>. | <count reason, ...>.
 * <PostFilterMsg>" with the reason histogram sorted as strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/plugins.h"

/* ---- Registry ---------------------------------------------------------------------------- */

/* Plugins ckube does not implement yet keep their names so configurations naming them are
 * accepted; they take part in no extension point. */
#define NOOP_PLUGIN(var, nm) const ck_sched_plugin_ops var = {.name = nm}
NOOP_PLUGIN(ck_pl_noop_priority_sort, "PrioritySort");
NOOP_PLUGIN(ck_pl_noop_scheduling_gates, "SchedulingGates");
NOOP_PLUGIN(ck_pl_noop_volume_restrictions, "VolumeRestrictions");
NOOP_PLUGIN(ck_pl_noop_node_volume_limits, "NodeVolumeLimits");
NOOP_PLUGIN(ck_pl_noop_volume_zone, "VolumeZone");
NOOP_PLUGIN(ck_pl_noop_dynamic_resources, "DynamicResources");

static const ck_sched_plugin_ops *registry[CK_PL_MAX] = {
    [CK_PL_PRIORITY_SORT] = &ck_pl_noop_priority_sort,
    [CK_PL_SCHEDULING_GATES] = &ck_pl_noop_scheduling_gates,
    [CK_PL_NODE_UNSCHEDULABLE] = &ck_pl_node_unschedulable,
    [CK_PL_NODE_NAME] = &ck_pl_node_name,
    [CK_PL_TAINT_TOLERATION] = &ck_pl_taint_toleration,
    [CK_PL_NODE_AFFINITY] = &ck_pl_node_affinity,
    [CK_PL_NODE_PORTS] = &ck_pl_node_ports,
    [CK_PL_NODE_RESOURCES_FIT] = &ck_pl_node_resources_fit,
    [CK_PL_VOLUME_RESTRICTIONS] = &ck_pl_noop_volume_restrictions,
    [CK_PL_NODE_VOLUME_LIMITS] = &ck_pl_noop_node_volume_limits,
    [CK_PL_VOLUME_BINDING] = &ck_pl_volume_binding,
    [CK_PL_VOLUME_ZONE] = &ck_pl_noop_volume_zone,
    [CK_PL_POD_TOPOLOGY_SPREAD] = &ck_pl_pod_topology_spread,
    [CK_PL_INTER_POD_AFFINITY] = &ck_pl_inter_pod_affinity,
    [CK_PL_DYNAMIC_RESOURCES] = &ck_pl_noop_dynamic_resources,
    [CK_PL_DEFAULT_PREEMPTION] = &ck_pl_default_preemption,
    [CK_PL_BALANCED_ALLOCATION] = &ck_pl_balanced_allocation,
    [CK_PL_IMAGE_LOCALITY] = &ck_pl_image_locality,
    [CK_PL_DEFAULT_BINDER] = &ck_pl_default_binder,
};

static uint32_t nregistry = CK_PL_COUNT;

const ck_sched_plugin_ops *const *ck_sched_registry(uint32_t *n)
{
    if (n) *n = nregistry;
    return registry;
}

int ck_sched_plugin_id(const char *name)
{
    for (uint32_t i = 0; i < nregistry; i++)
        if (streq(registry[i]->name, name)) return (int)i;
    return -1;
}

int ck_sched_register_plugin(const ck_sched_plugin_ops *ops, ck_err **err)
{
    if (!ops->name || ck_sched_plugin_id(ops->name) >= 0)
        return ck_error(err, 409, CK_ALREADY_EXISTS, "a plugin named \"%s\" already exists",
                        ops->name ? ops->name : "");
    if (nregistry == CK_PL_MAX)
        return ck_error(err, 400, CK_BAD_REQUEST, "too many plugins (at most %d)", CK_PL_MAX);
    registry[nregistry] = ops;
    return (int)nregistry++;
}

/* ---- Statuses ----------------------------------------------------------------------------- */

ck_sched_status ck_sched_st(ck_sched_code code, const char *reason)
{
    ck_sched_status s = {.code = (uint8_t)code};
    if (reason) s.reasons[s.nreasons++] = reason;
    return s;
}

void ck_sched_st_add(ck_sched_status *s, const char *reason)
{
    if (s->nreasons < CK_SCHED_MAX_REASONS) s->reasons[s->nreasons++] = reason;
}

char *ck_sched_st_message(ck_sched_arena *a, const ck_sched_status *s)
{
    size_t len = 1;
    for (uint32_t i = 0; i < s->nreasons; i++)
        len += strlen(s->reasons[i]) + 2;
    char *m = ck_sched_arena_alloc(a, len), *p = m;
    *p = 0;
    for (uint32_t i = 0; i < s->nreasons; i++)
        p += sprintf(p, "%s%s", i ? ", " : "", s->reasons[i]);
    return m;
}

/* ---- NodeToStatus --------------------------------------------------------------------------- */

void ck_sched_ns_init(ck_sched_node_statuses *m, uint32_t cap)
{
    for (uint32_t i = 0; i < m->nlist; i++)
        m->set[m->list[i]] = 0;
    m->nlist = 0;
    if (cap > m->cap) {
        m->st = xrealloc(m->st, cap * sizeof(ck_sched_status));
        m->set = xrealloc(m->set, cap);
        memset(m->set + m->cap, 0, cap - m->cap);
        m->list = xrealloc(m->list, cap * sizeof(uint32_t));
        m->cap = cap;
    }
    m->absent = ck_sched_st(CK_SCHED_UNRESOLVABLE, NULL);
}

void ck_sched_ns_free(ck_sched_node_statuses *m)
{
    free(m->st);
    free(m->set);
    free(m->list);
    memset(m, 0, sizeof(*m));
}

void ck_sched_ns_set(ck_sched_node_statuses *m, const ck_sched_node *node,
                     const ck_sched_status *st)
{
    if (node->idx >= m->cap) return;
    if (!m->set[node->idx]) {
        m->set[node->idx] = 1;
        m->list[m->nlist++] = node->idx;
    }
    m->st[node->idx] = *st;
}

const ck_sched_status *ck_sched_node_status(const ck_sched_node_statuses *m,
                                            const ck_sched_node *node)
{
    return node->idx < m->cap && m->set[node->idx] ? &m->st[node->idx] : &m->absent;
}

/* ---- FitError ------------------------------------------------------------------------------- */

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void bputs(buf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void count(ck_sched_strmap *h, const char *reason, intptr_t n)
{
    intptr_t v = (intptr_t)ck_sched_strmap_get(h, reason);
    ck_sched_strmap_put(h, reason, (void *)(v + n));
}

char *ck_sched_fit_error(ck_sched_arena *a, uint32_t num_nodes, const ck_sched_node_statuses *m,
                         const char *prefilter_msg, const char *postfilter_msg)
{
    buf b = {0};
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "0/%u nodes are available:", num_nodes);
    bputs(&b, tmp);
    if (prefilter_msg && *prefilter_msg) {
        bputs(&b, " ");
        bputs(&b, prefilter_msg);
        bputs(&b, ".");
    } else {
        ck_sched_strmap h;
        ck_sched_strmap_init(&h);
        for (uint32_t i = 0; i < m->nlist; i++) {
            const ck_sched_status *st = &m->st[m->list[i]];
            for (uint32_t r = 0; r < st->nreasons; r++)
                count(&h, st->reasons[r], 1);
        }
        if (m->nlist < num_nodes)
            for (uint32_t r = 0; r < m->absent.nreasons; r++)
                count(&h, m->absent.reasons[r], (intptr_t)(num_nodes - m->nlist));
        char **items = xmalloc((h.len + 1) * sizeof(char *));
        uint32_t n = 0;
        CK_SCHED_STRMAP_FOREACH(&h, i)
        items[n++] = xasprintf("%ld %s", (long)(intptr_t)h.vals[i], h.keys[i]);
        qsort(items, n, sizeof(char *), str_cmp);
        for (uint32_t i = 0; i < n; i++) {
            bputs(&b, i ? ", " : " ");
            bputs(&b, items[i]);
            free(items[i]);
        }
        if (n) bputs(&b, ".");
        free(items);
        ck_sched_strmap_free(&h);
    }
    if (postfilter_msg && *postfilter_msg) {
        bputs(&b, " ");
        bputs(&b, postfilter_msg);
    }
    char *out = ck_sched_arena_strdup(a, b.p);
    free(b.p);
    return out;
}

void ck_sched_default_normalize(int64_t *scores, uint32_t n, bool reverse)
{
    int64_t max = 0;
    for (uint32_t i = 0; i < n; i++)
        if (scores[i] > max) max = scores[i];
    if (max == 0) {
        if (reverse)
            for (uint32_t i = 0; i < n; i++)
                scores[i] = CK_SCHED_MAX_NODE_SCORE;
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        int64_t v = CK_SCHED_MAX_NODE_SCORE * scores[i] / max;
        scores[i] = reverse ? CK_SCHED_MAX_NODE_SCORE - v : v;
    }
}
