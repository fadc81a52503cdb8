/* NodeAffinity (upstream plugins/nodeaffinity): nodeSelector and required node affinity
 * (In/NotIn/Exists/DoesNotExist/Gt/Lt on labels, metadata.name in matchFields, which also
 * narrows the candidate nodes at PreFilter), the scheduler-enforced addedAffinity, and the
 * sum of matching preferred term weights as score. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/plugins.h"

typedef struct nodeaffinity {
    ck_sched_node_term *added_req; /* addedAffinity.required terms (ORed) */
    uint32_t nadded_req;
    bool has_added_req;
    ck_sched_node_term *added_pref;
    uint32_t nadded_pref;
    ck_sym name_field;
} nodeaffinity;

static void destroy(void *self)
{
    nodeaffinity *na = self;
    for (uint32_t i = 0; i < na->nadded_req; i++)
        ck_sched_node_term_free(&na->added_req[i]);
    for (uint32_t i = 0; i < na->nadded_pref; i++)
        ck_sched_node_term_free(&na->added_pref[i]);
    free(na->added_req);
    free(na->added_pref);
    free(na);
}

static void *create(const json_t *args, ck_sched_snapshot *snap, ck_err **err)
{
    ck_sched_symtab *t = ck_sched_snapshot_symtab(snap);
    nodeaffinity *na = xcalloc(1, sizeof(*na));
    na->name_field = ck_sym_intern(t, "metadata.name");
    const json_t *added = json_object_get(args, "addedAffinity");
    const json_t *req = json_object_get(added, "requiredDuringSchedulingIgnoredDuringExecution");
    const json_t *terms = json_object_get(req, "nodeSelectorTerms");
    size_t i;
    json_t *e;
    if (json_is_object(req)) {
        na->has_added_req = true;
        na->added_req = xcalloc(json_array_size(terms) + 1, sizeof(ck_sched_node_term));
        json_array_foreach(terms, i, e)
        {
            if (ck_sched_parse_node_term(t, e, &na->added_req[na->nadded_req], err) < 0) break;
            na->nadded_req++;
        }
    }
    const json_t *pref = json_object_get(added, "preferredDuringSchedulingIgnoredDuringExecution");
    na->added_pref = xcalloc(json_array_size(pref) + 1, sizeof(ck_sched_node_term));
    json_array_foreach(pref, i, e)
    {
        ck_sched_node_term *term = &na->added_pref[na->nadded_pref];
        if (ck_sched_parse_node_term(t, json_object_get(e, "preference"), term, err) < 0) break;
        term->weight = (int32_t)json_integer_value(json_object_get(e, "weight"));
        na->nadded_pref++;
    }
    return na;
}

static bool added_matches(const nodeaffinity *na, const ck_sched_node *node,
                          const ck_sched_symtab *t)
{
    if (!na->has_added_req) return true;
    for (uint32_t i = 0; i < na->nadded_req; i++)
        if (ck_sched_node_term_matches(&na->added_req[i], node, t)) return true;
    return false;
}

static int cmp_sym(const void *a, const void *b)
{
    ck_sym x = *(const ck_sym *)a, y = *(const ck_sym *)b;
    return x < y ? -1 : x > y;
}

static ck_sched_status pre_filter(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                  ck_sched_prefilter_result *res)
{
    nodeaffinity *na = self;
    if (!pod->has_required && !na->has_added_req && !pod->has_node_selector)
        return ck_sched_st(CK_SCHED_SKIP, NULL);
    if (!pod->has_required || pod->nrequired == 0) return ck_sched_ok();
    /* Terms are ORed; within a term the metadata.name In requirements are ANDed. */
    ck_sched_arena *a = ck_sched_cycle_arena(c);
    ck_sym *names = NULL;
    uint32_t n = 0, cap = 0;
    for (uint32_t i = 0; i < pod->nrequired; i++) {
        const ck_sched_node_term *term = &pod->required[i];
        bool any = false;
        ck_sym term_name = 0;
        bool empty = false;
        for (uint32_t f = 0; f < term->nfields; f++) {
            const ck_sel_req *r = &term->fields[f];
            if (r->key != na->name_field || r->op != CK_SEL_IN) continue;
            if (any && term_name != r->vals[0]) empty = true;
            term_name = r->vals[0];
            any = true;
        }
        if (!any) return ck_sched_ok(); /* this term admits every node */
        if (empty) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            ck_sym *nn = ck_sched_arena_alloc(a, cap * sizeof(ck_sym));
            if (n) memcpy(nn, names, n * sizeof(ck_sym));
            names = nn;
        }
        names[n++] = term_name;
    }
    if (n == 0) return ck_sched_st(CK_SCHED_UNRESOLVABLE, "pod affinity terms conflict");
    qsort(names, n, sizeof(ck_sym), cmp_sym);
    uint32_t w = 0;
    for (uint32_t i = 0; i < n; i++)
        if (w == 0 || names[w - 1] != names[i]) names[w++] = names[i];
    res->all = false;
    res->names = names;
    res->n = w;
    return ck_sched_ok();
}

static ck_sched_status filter(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                              const ck_sched_node *node)
{
    const ck_sched_symtab *t = ck_sched_snapshot_symtab(ck_sched_cycle_snapshot(c));
    if (!added_matches(self, node, t))
        return ck_sched_st(CK_SCHED_UNRESOLVABLE,
                           "node(s) didn't match scheduler-enforced node affinity");
    if (!ck_sched_required_affinity_matches(pod, node, t))
        return ck_sched_st(CK_SCHED_UNRESOLVABLE,
                           "node(s) didn't match Pod's node affinity/selector");
    return ck_sched_ok();
}

static ck_sched_status pre_score(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                 ck_sched_node *const *nodes, uint32_t n)
{
    (void)self;
    (void)c;
    (void)nodes;
    if (n == 0) return ck_sched_ok();
    return pod->npreferred ? ck_sched_ok() : ck_sched_st(CK_SCHED_SKIP, NULL);
}

static int64_t preferred_score(const ck_sched_node_term *terms, uint32_t n,
                               const ck_sched_node *node, const ck_sched_symtab *t)
{
    int64_t sum = 0;
    for (uint32_t i = 0; i < n; i++)
        if (terms[i].weight != 0 && ck_sched_node_term_matches(&terms[i], node, t))
            sum += terms[i].weight;
    return sum;
}

static ck_sched_status score(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                             const ck_sched_node *node, int64_t *out)
{
    nodeaffinity *na = self;
    const ck_sched_symtab *t = ck_sched_snapshot_symtab(ck_sched_cycle_snapshot(c));
    *out = preferred_score(na->added_pref, na->nadded_pref, node, t) +
           preferred_score(pod->preferred, pod->npreferred, node, t);
    return ck_sched_ok();
}

static ck_sched_status normalize(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                 ck_sched_node *const *nodes, int64_t *scores, uint32_t n)
{
    (void)self;
    (void)c;
    (void)pod;
    (void)nodes;
    ck_sched_default_normalize(scores, n, false);
    return ck_sched_ok();
}

const ck_sched_plugin_ops ck_pl_node_affinity = {.name = "NodeAffinity",
                                                 .create = create,
                                                 .destroy = destroy,
                                                 .pre_filter = pre_filter,
                                                 .filter = filter,
                                                 .pre_score = pre_score,
                                                 .score = score,
                                                 .normalize_score = normalize};
