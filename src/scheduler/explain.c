/* Introspection: the plugins of a profile's extension points, and what a cycle would
 * decide for a pod (every node's filter status and per-plugin scores) without assuming. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/plugins.h"

char *ck_sched_describe(const ck_sched *s, const char *scheduler_name, const char *point)
{
    static const char *const names[CK_EP_COUNT] = {"PreFilter", "Filter",  "PostFilter", "PreScore",
                                                   "Score",     "Reserve", "Permit",     "Bind"};
    const ck_sched_profile *p = ck_sched_profile_get(s, scheduler_name);
    char *out = xstrdup("");
    for (int ep = 0; p && ep < CK_EP_COUNT; ep++) {
        if (!streq(names[ep], point)) continue;
        for (uint32_t i = 0; i < p->npoints[ep]; i++) {
            char *n = ep == CK_EP_SCORE
                          ? xasprintf("%s%s%s:%lld", out, i ? "," : "", p->points[ep][i].ops->name,
                                      (long long)p->points[ep][i].weight)
                          : xasprintf("%s%s%s", out, i ? "," : "", p->points[ep][i].ops->name);
            free(out);
            out = n;
        }
    }
    return out;
}

json_t *ck_sched_explain(ck_sched *s, ck_sched_pod *pod)
{
    ck_sched_snapshot *snap = ck_sched_get_snapshot(s);
    ck_sched_symtab *t = ck_sched_snapshot_symtab(snap);
    json_t *out = json_object(), *jnodes = json_object();
    json_object_set_new(out, "nodes", jnodes);
    const ck_sched_profile *p = ck_sched_profile_get(s, ck_sym_str(t, pod->scheduler_name));
    if (!p) return out;
    ck_sched_cycle c;
    ck_sched_cycle_begin(s, &c, p);
    ck_sched_prefilter_result pre = {.all = true};
    ck_sched_status st = ck_sched_prefilter(&c, pod, &pre);
    if (st.code != CK_SCHED_SUCCESS) {
        json_object_set_new(out, "prefilter", json_string(ck_sched_st_message(c.arena, &st)));
        ck_sched_cycle_end(s, &c);
        return out;
    }
    uint32_t n;
    ck_sched_node *const *all = ck_sched_snapshot_nodes(snap, &n);
    ck_sched_node **feasible = xmalloc((n + 1) * sizeof(*feasible));
    uint32_t nf = 0;
    for (uint32_t i = 0; i < n; i++) {
        json_t *jn = json_object();
        json_object_set_new(jnodes, ck_sym_str(t, all[i]->name), jn);
        bool listed = pre.all;
        for (uint32_t k = 0; k < pre.n && !listed; k++)
            listed = pre.names[k] == all[i]->name;
        if (!listed) {
            json_object_set_new(jn, "status", json_string("not in PreFilterResult"));
            continue;
        }
        st = ck_sched_run_filters_nominated(&c, pod, all[i]);
        if (st.code == CK_SCHED_SUCCESS)
            feasible[nf++] = all[i];
        else
            json_object_set_new(jn, "status", json_string(ck_sched_st_message(c.arena, &st)));
    }
    uint32_t np = p->npoints[CK_EP_SCORE];
    int64_t *scores = xcalloc(nf + 1, sizeof(int64_t)), *totals = xcalloc(nf + 1, sizeof(int64_t));
    int64_t *per = xcalloc((size_t)np * nf + 1, sizeof(int64_t));
    st = ck_sched_prioritize(&c, pod, feasible, nf, scores, totals, per);
    if (st.code != CK_SCHED_SUCCESS)
        json_object_set_new(out, "error", json_string(ck_sched_st_message(c.arena, &st)));
    for (uint32_t i = 0; st.code == CK_SCHED_SUCCESS && i < nf; i++) {
        json_t *jn = json_object_get(jnodes, ck_sym_str(t, feasible[i]->name)), *js = json_object();
        for (uint32_t k = 0; k < np; k++)
            if (!c.skip_score[p->points[CK_EP_SCORE][k].id])
                json_object_set_new(js, p->points[CK_EP_SCORE][k].ops->name,
                                    json_integer(per[k * nf + i]));
        json_object_set_new(jn, "scores", js);
        json_object_set_new(jn, "total", json_integer(totals[i]));
    }
    free(feasible);
    free(scores);
    free(totals);
    free(per);
    ck_sched_cycle_end(s, &c);
    return out;
}
