/* KubeSchedulerConfiguration profiles: upstream's v1.34 default plugins (one MultiPoint
 * set), mergePluginSet for custom enabled/disabled sets, MultiPoint expansion into the
 * extension points with upstream's ordering (explicit overrides, then MultiPoint, then
 * other explicit plugins), score weights (explicit Score weight, else MultiPoint's, 0
 * meaning 1) and pluginConfig args handed to each plugin's create. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/plugins.h"

typedef struct pl_entry {
    const char *name;
    int64_t weight; /* 0: unset */
} pl_entry;

typedef struct pl_set {
    pl_entry *enabled;
    uint32_t nenabled;
    const char **disabled;
    uint32_t ndisabled;
} pl_set;

/* Upstream's getDefaultPlugins for v1.34 (DynamicResources is on by default). */
static const pl_entry default_multipoint[] = {
    {"SchedulingGates", 0},
    {"PrioritySort", 0},
    {"NodeUnschedulable", 0},
    {"NodeName", 0},
    {"TaintToleration", 3},
    {"NodeAffinity", 2},
    {"NodePorts", 0},
    {"NodeResourcesFit", 1},
    {"VolumeRestrictions", 0},
    {"NodeVolumeLimits", 0},
    {"VolumeBinding", 0},
    {"VolumeZone", 0},
    {"PodTopologySpread", 2},
    {"InterPodAffinity", 2},
    {"DynamicResources", 0},
    {"DefaultPreemption", 0},
    {"NodeResourcesBalancedAllocation", 1},
    {"ImageLocality", 1},
    {"DefaultBinder", 0},
};

static const char *const ep_keys[CK_EP_COUNT] = {"preFilter", "filter",  "postFilter", "preScore",
                                                 "score",     "reserve", "permit",     "bind"};
static const char *const ep_types[CK_EP_COUNT] = {
    "PreFilterPlugin", "FilterPlugin",  "PostFilterPlugin", "PreScorePlugin",
    "ScorePlugin",     "ReservePlugin", "PermitPlugin",     "BindPlugin"};

static bool implements(const ck_sched_plugin_ops *o, int ep)
{
    switch (ep) {
    case CK_EP_PRE_FILTER:
        return o->pre_filter != NULL;
    case CK_EP_FILTER:
        return o->filter != NULL;
    case CK_EP_POST_FILTER:
        return o->post_filter != NULL;
    case CK_EP_PRE_SCORE:
        return o->pre_score != NULL;
    case CK_EP_SCORE:
        return o->score != NULL;
    case CK_EP_RESERVE:
        return o->reserve != NULL;
    case CK_EP_PERMIT:
        return o->permit != NULL;
    case CK_EP_BIND:
        return o->bind != NULL;
    }
    return false;
}

static void set_free(pl_set *s)
{
    free(s->enabled);
    free(s->disabled);
    memset(s, 0, sizeof(*s));
}

static bool set_disabled(const pl_set *s, const char *name)
{
    for (uint32_t i = 0; i < s->ndisabled; i++)
        if (streq(s->disabled[i], name)) return true;
    return false;
}

static void set_enable(pl_set *s, const char *name, int64_t weight)
{
    s->enabled = xrealloc(s->enabled, (s->nenabled + 1) * sizeof(pl_entry));
    s->enabled[s->nenabled++] = (pl_entry){name, weight};
}

/* mergePluginSet(defaults, custom): drop disabled defaults (all with "*"), replace
 * re-configured defaults in place, append the other custom plugins. */
static void merge_set(const pl_entry *defs, size_t ndefs, const json_t *custom, pl_set *out)
{
    memset(out, 0, sizeof(*out));
    const json_t *en = json_object_get(custom, "enabled"),
                 *dis = json_object_get(custom, "disabled");
    size_t i, j;
    json_t *e;
    json_array_foreach(dis, i, e)
    {
        const char *n = json_string_value(json_object_get(e, "name"));
        if (!n) continue;
        out->disabled = xrealloc(out->disabled, (out->ndisabled + 1) * sizeof(char *));
        out->disabled[out->ndisabled++] = n;
    }
    size_t nen = json_array_size(en);
    bool *replaced = xcalloc(nen + 1, sizeof(bool));
    if (!set_disabled(out, "*")) {
        for (i = 0; i < ndefs; i++) {
            if (set_disabled(out, defs[i].name)) continue;
            pl_entry d = defs[i];
            json_array_foreach(en, j, e)
            {
                if (streq(json_string_value(json_object_get(e, "name")), d.name) && !replaced[j]) {
                    d.weight = json_integer_value(json_object_get(e, "weight"));
                    replaced[j] = true;
                    break;
                }
            }
            set_enable(out, d.name, d.weight);
        }
    }
    json_array_foreach(en, j, e)
    {
        const char *n = json_string_value(json_object_get(e, "name"));
        if (n && !replaced[j]) set_enable(out, n, json_integer_value(json_object_get(e, "weight")));
    }
    free(replaced);
}

static int add_point(ck_sched_profile *p, int ep, uint32_t id, ck_err **err)
{
    for (uint32_t i = 0; i < p->npoints[ep]; i++)
        if (p->points[ep][i].id == id)
            return ck_error(err, 400, CK_BAD_REQUEST, "plugin \"%s\" already registered as \"%s\"",
                            ck_sched_registry(NULL)[id]->name, ep_types[ep]);
    p->points[ep] = xrealloc(p->points[ep], (p->npoints[ep] + 1) * sizeof(ck_sched_pl));
    p->points[ep][p->npoints[ep]++] = (ck_sched_pl){.id = id, .ops = ck_sched_registry(NULL)[id]};
    return 0;
}

static bool in_list(const pl_entry *l, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (streq(l[i].name, name)) return true;
    return false;
}

/* The ordered plugin list of one extension point (upstream expandMultiPointPlugins). */
static int build_point(ck_sched_profile *p, int ep, const pl_set *explicit_set, const pl_set *mp,
                       ck_err **err)
{
    const ck_sched_plugin_ops *const *reg = ck_sched_registry(NULL);
    for (uint32_t i = 0; i < explicit_set->nenabled; i++) {
        int id = ck_sched_plugin_id(explicit_set->enabled[i].name);
        if (id < 0)
            return ck_error(err, 400, CK_BAD_REQUEST, "%s \"%s\" does not exist", ep_types[ep],
                            explicit_set->enabled[i].name);
        if (!implements(reg[id], ep))
            return ck_error(err, 400, CK_BAD_REQUEST, "plugin \"%s\" does not extend %s plugin",
                            explicit_set->enabled[i].name, ep_types[ep]);
    }
    const char **order = xcalloc(explicit_set->nenabled + mp->nenabled + 1, sizeof(char *));
    uint32_t norder = 0;
    bool expand = !set_disabled(explicit_set, "*");
    /* part 1: explicit plugins that MultiPoint also enables (overrides) */
    for (uint32_t i = 0; expand && i < explicit_set->nenabled; i++)
        if (in_list(mp->enabled, mp->nenabled, explicit_set->enabled[i].name))
            order[norder++] = explicit_set->enabled[i].name;
    /* part 2: MultiPoint plugins implementing this point and not disabled here */
    for (uint32_t i = 0; expand && i < mp->nenabled; i++) {
        const char *name = mp->enabled[i].name;
        int id = ck_sched_plugin_id(name);
        if (id < 0) {
            free(order);
            return ck_error(err, 400, CK_BAD_REQUEST, "%s \"%s\" does not exist", ep_types[ep],
                            name);
        }
        if (!implements(reg[id], ep) || set_disabled(explicit_set, name) ||
            in_list(explicit_set->enabled, explicit_set->nenabled, name))
            continue;
        order[norder++] = name;
    }
    /* part 3: the other explicit plugins */
    for (uint32_t i = 0; i < explicit_set->nenabled; i++) {
        const char *name = explicit_set->enabled[i].name;
        if (expand && in_list(mp->enabled, mp->nenabled, name)) continue;
        order[norder++] = name;
    }
    int rc = 0;
    for (uint32_t i = 0; i < norder && rc == 0; i++)
        rc = add_point(p, ep, (uint32_t)ck_sched_plugin_id(order[i]), err);
    free(order);
    return rc;
}

static const json_t *plugin_args(const json_t *prof, const char *name)
{
    size_t i;
    json_t *pc;
    json_array_foreach(json_object_get(prof, "pluginConfig"), i, pc)
    {
        if (streq(json_string_value(json_object_get(pc, "name")), name))
            return json_object_get(pc, "args");
    }
    return NULL;
}

static int build_profile(ck_sched_snapshot *snap, const json_t *prof, ck_sched_profile *p,
                         ck_err **err)
{
    const char *name = json_string_value(json_object_get(prof, "schedulerName"));
    p->name = xstrdup(name && *name ? name : "default-scheduler");
    json_t *pct = json_object_get(prof, "percentageOfNodesToScore");
    p->percentage = json_is_integer(pct) ? (int32_t)json_integer_value(pct) : -1;
    const json_t *plugins = json_object_get(prof, "plugins");
    pl_set mp, sets[CK_EP_COUNT];
    merge_set(default_multipoint, ARRAY_SIZE(default_multipoint),
              json_object_get(plugins, "multiPoint"), &mp);
    int rc = 0;
    for (int ep = 0; ep < CK_EP_COUNT; ep++) {
        merge_set(NULL, 0, json_object_get(plugins, ep_keys[ep]), &sets[ep]);
        if (rc == 0) rc = build_point(p, ep, &sets[ep], &mp, err);
    }
    /* Weights: an explicit Score weight wins over MultiPoint's; 0 means 1. */
    for (uint32_t i = 0; rc == 0 && i < p->npoints[CK_EP_SCORE]; i++) {
        ck_sched_pl *pl = &p->points[CK_EP_SCORE][i];
        int64_t w = -1;
        for (uint32_t j = 0; j < sets[CK_EP_SCORE].nenabled && w < 0; j++)
            if (streq(sets[CK_EP_SCORE].enabled[j].name, pl->ops->name))
                w = sets[CK_EP_SCORE].enabled[j].weight;
        for (uint32_t j = 0; j < mp.nenabled && w < 0; j++)
            if (streq(mp.enabled[j].name, pl->ops->name)) w = mp.enabled[j].weight;
        pl->weight = w > 0 ? w : 1;
    }
    /* Instantiate every plugin in use once, with its pluginConfig args. */
    for (int ep = 0; rc == 0 && ep < CK_EP_COUNT; ep++)
        for (uint32_t i = 0; rc == 0 && i < p->npoints[ep]; i++) {
            ck_sched_pl *pl = &p->points[ep][i];
            if (!p->created[pl->id]) {
                if (pl->ops->create) {
                    ck_err *e = NULL;
                    p->self[pl->id] = pl->ops->create(plugin_args(prof, pl->ops->name), snap, &e);
                    if (e) {
                        rc = ck_error(err, 400, CK_BAD_REQUEST, "initializing plugin \"%s\": %s",
                                      pl->ops->name, e->message);
                        ck_err_free(e);
                    }
                }
                p->created[pl->id] = true;
            }
            pl->self = p->self[pl->id];
        }
    set_free(&mp);
    for (int ep = 0; ep < CK_EP_COUNT; ep++)
        set_free(&sets[ep]);
    return rc;
}

void ck_sched_profiles_free(ck_sched_profile *p, uint32_t n)
{
    const ck_sched_plugin_ops *const *reg = ck_sched_registry(NULL);
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t id = 0; id < CK_PL_MAX; id++)
            if (p[i].created[id] && reg[id]->destroy) reg[id]->destroy(p[i].self[id]);
        for (int ep = 0; ep < CK_EP_COUNT; ep++)
            free(p[i].points[ep]);
        free(p[i].name);
    }
    free(p);
}

int ck_sched_profiles_build(ck_sched_snapshot *snap, const json_t *config, ck_sched_profile **out,
                            uint32_t *n, int32_t *percentage, ck_err **err)
{
    *out = NULL;
    *n = 0;
    json_t *pct = json_object_get(config, "percentageOfNodesToScore");
    *percentage = json_is_integer(pct) ? (int32_t)json_integer_value(pct) : 0;
    if (*percentage < 0 || *percentage > 100)
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "percentageOfNodesToScore: Invalid value: %d: not in valid range [0-100]",
                        *percentage);
    const json_t *profs = json_object_get(config, "profiles");
    json_t *dflt = NULL;
    if (json_array_size(profs) == 0) profs = dflt = json_pack("[{}]");
    size_t cnt = json_array_size(profs), i;
    ck_sched_profile *p = xcalloc(cnt, sizeof(*p));
    json_t *prof;
    int rc = 0;
    json_array_foreach(profs, i, prof)
    {
        rc = build_profile(snap, prof, &p[i], err);
        for (size_t j = 0; rc == 0 && j < i; j++)
            if (streq(p[j].name, p[i].name))
                rc = ck_error(err, 400, CK_BAD_REQUEST,
                              "duplicate profile with scheduler name \"%s\"", p[i].name);
        *n = (uint32_t)i + 1;
        if (rc < 0) break;
    }
    json_decref(dflt);
    if (rc < 0) {
        ck_sched_profiles_free(p, *n);
        *n = 0;
        return -1;
    }
    *out = p;
    return 0;
}
