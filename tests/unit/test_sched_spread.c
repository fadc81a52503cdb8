/* PodTopologySpread: DoNotSchedule filtering (maxSkew, self-match, minDomains, missing
 * labels, nodeAffinityPolicy, nodeTaintsPolicy, matchLabelKeys), ScheduleAnyway scoring and
 * the system default constraints built from the workloads selecting the pod. Cases after
 * upstream's podtopologyspread filtering_test.go, scoring_test.go and plugin_test.go. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/framework.h"
#include "ut.h"
#include "ut_fixtures.h"

static ck_sched_snapshot *snap;

static void add_node(const char *name, const char *zone, const char *extra_labels,
                     const char *taints)
{
    char *s = xasprintf(
        "{'kind':'Node','metadata':{'name':'%s','labels':{'kubernetes.io/hostname':'%s'%s%s%s%s}},"
        "'spec':{'taints':%s},'status':{'allocatable':{'cpu':'8','memory':'8Gi','pods':'110'}}}",
        name, name, zone ? ",'topology.kubernetes.io/zone':'" : "", zone ? zone : "",
        zone ? "'" : "", extra_labels ? extra_labels : "", taints ? taints : "[]");
    json_t *j = js(s);
    if (ck_sched_snapshot_upsert_node(snap, j, NULL) != 0) CHECK(!"node");
    json_decref(j);
    free(s);
}

static int npods;
static void run_on(const char *node, const char *labels)
{
    char *s = xasprintf(
        "{'kind':'Pod','metadata':{'name':'e%d','namespace':'default','uid':'e%d','labels':%s},"
        "'spec':{'nodeName':'%s','containers':[{'name':'c'}]},'status':{'phase':'Running'}}",
        npods, npods, labels, node);
    npods++;
    json_t *j = js(s);
    if (ck_sched_snapshot_upsert_pod(snap, j, NULL) != 0) CHECK(!"pod");
    json_decref(j);
    free(s);
}

/* Zone a: n1 (2 web pods), n2 (1); zone b: n3 (1), n4 (0). */
static void cluster(const char *n4_taints)
{
    snap = ck_sched_snapshot_new();
    add_node("n1", "a", ",'disk':'ssd'", NULL);
    add_node("n2", "a", NULL, NULL);
    add_node("n3", "b", ",'disk':'ssd'", NULL);
    add_node("n4", "b", NULL, n4_taints);
    run_on("n1", "{'app':'web','version':'v1'}");
    run_on("n1", "{'app':'web','version':'v1'}");
    run_on("n2", "{'app':'web','version':'v1'}");
    run_on("n3", "{'app':'web','version':'v2'}");
    run_on("n1", "{'app':'db'}");
}

static ck_sched *sched_with(const char *config)
{
    json_t *cfg = config ? js(config) : NULL;
    ck_err *err = NULL;
    ck_sched *s = ck_sched_new(snap, cfg, &err);
    if (!s) fprintf(stderr, "config: %s\n", err->message);
    ck_err_free(err);
    json_decref(cfg);
    ck_sched_seed(s, 5);
    return s;
}

static ck_sched_pod *pod_from(const char *meta, const char *spec)
{
    char *s =
        xasprintf("{'kind':'Pod','metadata':{'name':'p','namespace':'default','uid':'u-p'%s%s},"
                  "'spec':{'containers':[{'name':'c'}]%s%s}}",
                  meta ? "," : "", meta ? meta : "", spec ? "," : "", spec ? spec : "");
    json_t *j = js(s);
    ck_sched_pod *p = ck_sched_pod_new(ck_sched_snapshot_symtab(snap), j, NULL);
    json_decref(j);
    free(s);
    return p;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Feasible nodes, sorted ("n3,n4"), or, when none, the FailedScheduling message. */
static char *outcome(ck_sched *s, const char *meta, const char *spec)
{
    ck_sched_pod *p = pod_from(meta, spec);
    json_t *e = ck_sched_explain(s, p);
    const char *names[16];
    size_t nn = 0;
    const char *name;
    json_t *n;
    json_object_foreach(json_object_get(e, "nodes"), name, n)
    {
        if (!json_object_get(n, "status") && nn < 16) names[nn++] = name;
    }
    qsort(names, nn, sizeof(char *), str_cmp);
    char *out = xstrdup("");
    for (size_t i = 0; i < nn; i++) {
        char *x = xasprintf("%s%s%s", out, i ? "," : "", names[i]);
        free(out);
        out = x;
    }
    json_decref(e);
    if (!*out) {
        ck_sched_result r;
        ck_sched_schedule_one(s, p, &r);
        free(out);
        out = xstrdup(r.message ? r.message : "?");
        ck_sched_result_clear(&r);
    }
    ck_sched_pod_unref(p);
    return out;
}

static void expect(ck_sched *s, const char *meta, const char *spec, const char *want)
{
    char *got = outcome(s, meta, spec);
    CHECK_STR(got, want);
    free(got);
}

#define WEB "'labels':{'app':'web','version':'v2'}"
#define TSC(skew, key, when, extra)                                                                \
    "'topologySpreadConstraints':[{'maxSkew':" skew ",'topologyKey':'" key                         \
    "','whenUnsatisfiable':'" when "',"                                                            \
    "'labelSelector':{'matchLabels':{'app':'web'}}" extra "}]"
#define ZONE "topology.kubernetes.io/zone"
#define HOST "kubernetes.io/hostname"
#define NOPOST "{'profiles':[{'plugins':{'postFilter':{'disabled':[{'name':'*'}]}}}]}"

static void test_filter(void)
{
    cluster(NULL);
    ck_sched *s = sched_with(NOPOST);
    /* Zone a holds 3, zone b 1: only zone b keeps the skew within 1. */
    expect(s, WEB, TSC("1", ZONE, "DoNotSchedule", ""), "n3,n4");
    expect(s, WEB, TSC("3", ZONE, "DoNotSchedule", ""), "n1,n2,n3,n4");
    /* Per host: 2, 1, 1, 0. */
    expect(s, WEB, TSC("1", HOST, "DoNotSchedule", ""), "n4");
    expect(s, WEB, TSC("2", HOST, "DoNotSchedule", ""), "n2,n3,n4");
    /* A pod outside the selector does not count itself. */
    expect(s, "'labels':{'app':'other'}", TSC("1", ZONE, "DoNotSchedule", ""), "n3,n4");
    expect(s, "'labels':{'app':'other'}", TSC("1", HOST, "DoNotSchedule", ""), "n2,n3,n4");
    /* ScheduleAnyway never filters. */
    expect(s, WEB, TSC("1", HOST, "ScheduleAnyway", ""), "n1,n2,n3,n4");
    /* minDomains above the number of domains makes the global minimum 0. */
    expect(s, WEB, TSC("1", ZONE, "DoNotSchedule", ",'minDomains':3"),
           "0/4 nodes are available: 4 node(s) didn't match pod topology spread constraints.");
    expect(s, WEB, TSC("2", ZONE, "DoNotSchedule", ",'minDomains':3"), "n3,n4");
    expect(s, WEB, TSC("2", ZONE, "DoNotSchedule", ",'minDomains':2"), "n3,n4");
    /* matchLabelKeys adds the pod's own version to the selector: no v3 pods anywhere. */
    expect(s, "'labels':{'app':'web','version':'v3'}",
           TSC("1", HOST, "DoNotSchedule", ",'matchLabelKeys':['version']"), "n1,n2,n3,n4");
    /* Only one v2 pod (on n3). */
    expect(s, WEB, TSC("1", HOST, "DoNotSchedule", ",'matchLabelKeys':['version']"), "n1,n2,n4");
    ck_sched_free(s);

    /* A node without the topology label cannot take the pod. */
    add_node("n5", NULL, NULL, NULL);
    s = sched_with(NOPOST);
    ck_sched_pod *p = pod_from(WEB, TSC("1", ZONE, "DoNotSchedule", ""));
    ck_sched_result r;
    json_t *e = ck_sched_explain(s, p);
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(json_object_get(e, "nodes"), "n5"), "status")),
              "node(s) didn't match pod topology spread constraints (missing required label)");
    json_decref(e);
    ck_sched_pod_unref(p);
    p = pod_from(
        WEB, TSC("1", ZONE, "DoNotSchedule",
                 ",'labelSelector':{'matchLabels':{'app':'none'}}") ",'nodeSelector':{'kubernetes."
                                                                    "io/hostname':'n5'}");
    CHECK(ck_sched_schedule_one(s, p, &r) == CK_SCHED_OUT_UNSCHEDULABLE);
    CHECK_STR(r.message,
              "0/5 nodes are available: 1 node(s) didn't match pod topology spread constraints "
              "(missing required label), 4 node(s) didn't match Pod's node affinity/selector.");
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(p);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static void test_inclusion_policies(void)
{
    cluster(NULL);
    ck_sched *s = sched_with(NOPOST);
    /* Honor (default): only zone a nodes count for a pod selecting zone a. */
    expect(s, WEB, TSC("1", ZONE, "DoNotSchedule", "") ",'nodeSelector':{'" ZONE "':'a'}", "n1,n2");
    expect(
        s, WEB,
        TSC("1", ZONE, "DoNotSchedule", ",'nodeAffinityPolicy':'Ignore'") ",'nodeSelector':{'" ZONE
                                                                          "':'a'}",
        "0/4 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 2 node(s) "
        "didn't match pod topology spread constraints.");
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);

    /* nodeTaintsPolicy Honor leaves out nodes whose taints the pod does not tolerate. */
    cluster("[{'key':'k','effect':'NoSchedule'}]");
    s = sched_with(NOPOST);
    expect(s, WEB, TSC("1", HOST, "DoNotSchedule", ",'nodeTaintsPolicy':'Honor'"), "n2,n3");
    expect(s, WEB, TSC("1", HOST, "DoNotSchedule", ""),
           "0/4 nodes are available: 1 node(s) had untolerated taint {k: }, 3 node(s) didn't match "
           "pod topology spread constraints.");
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static int64_t score(ck_sched *s, const char *meta, const char *spec, const char *node)
{
    ck_sched_pod *p = pod_from(meta, spec);
    json_t *e = ck_sched_explain(s, p);
    json_t *v = json_object_get(
        json_object_get(json_object_get(json_object_get(e, "nodes"), node), "scores"),
        "PodTopologySpread");
    int64_t out = json_is_integer(v) ? json_integer_value(v) : -1;
    json_decref(e);
    ck_sched_pod_unref(p);
    return out;
}

static void test_score(void)
{
    cluster(NULL);
    ck_sched *s = sched_with(NULL);
    /* Zone counts 3 and 1, weight log(4): raw 4 and 1, normalized 100*(max+min-s)/max. */
    const char *spec = TSC("1", ZONE, "ScheduleAnyway", "");
    CHECK_INT(score(s, WEB, spec, "n1"), 25);
    CHECK_INT(score(s, WEB, spec, "n2"), 25);
    CHECK_INT(score(s, WEB, spec, "n3"), 100);
    CHECK_INT(score(s, WEB, spec, "n4"), 100);
    /* Host counts 2, 1, 1, 0 with weight log(6) and maxSkew 2 (+1): 5, 3, 3, 1. */
    spec = TSC("2", HOST, "ScheduleAnyway", "");
    CHECK_INT(score(s, WEB, spec, "n1"), 20);
    CHECK_INT(score(s, WEB, spec, "n2"), 60);
    CHECK_INT(score(s, WEB, spec, "n4"), 100);
    /* No soft constraints and no workload selecting the pod: skipped. */
    CHECK_INT(score(s, WEB, NULL, "n1"), -1);
    ck_sched_free(s);

    /* System defaults (hostname maxSkew 3, zone 5) with the ReplicaSet's selector. */
    json_t *rs = js("{'kind':'ReplicaSet','metadata':{'name':'web-1','namespace':'default'},"
                    "'spec':{'selector':{'matchLabels':{'app':'web'}}}}");
    ck_sched_snapshot_upsert_object(snap, NULL, rs);
    json_decref(rs);
    s = sched_with(NULL);
    const char *owned = WEB ",'ownerReferences':[{'apiVersion':'apps/"
                            "v1','kind':'ReplicaSet','name':'web-1','controller':true}]";
    CHECK_INT(score(s, owned, NULL, "n1"), 50);
    CHECK_INT(score(s, owned, NULL, "n2"), 64);
    CHECK_INT(score(s, owned, NULL, "n3"), 85);
    CHECK_INT(score(s, owned, NULL, "n4"), 100);
    /* A Service selecting the pod works the same way. */
    ck_sched_snapshot_remove_object(snap, "ReplicaSet", "default", "web-1");
    CHECK_INT(score(s, owned, NULL, "n1"), -1);
    json_t *svc = js("{'kind':'Service','metadata':{'name':'web','namespace':'default'},'spec':{'"
                     "selector':{'app':'web'}}}");
    ck_sched_snapshot_upsert_object(snap, NULL, svc);
    json_decref(svc);
    CHECK_INT(score(s, WEB, NULL, "n4"), 100);
    CHECK_INT(score(s, WEB, NULL, "n1"), 50);
    ck_sched_free(s);

    /* List defaulting with a hard default constraint. */
    s = sched_with("{'profiles':[{'plugins':{'postFilter':{'disabled':[{'name':'*'}]}},'"
                   "pluginConfig':[{'name':'PodTopologySpread','args':{"
                   "'defaultingType':'List','defaultConstraints':[{'maxSkew':1,'topologyKey':'" ZONE
                   "','whenUnsatisfiable':'DoNotSchedule'}]}}]}]}");
    expect(s, WEB, NULL, "n3,n4");
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);

    snap = ck_sched_snapshot_new();
    ck_err *err = NULL;
    json_t *cfg =
        js("{'profiles':[{'pluginConfig':[{'name':'PodTopologySpread','args':{'defaultConstraints':"
           "[{'maxSkew':1,'topologyKey':'x','whenUnsatisfiable':'DoNotSchedule'}]}}]}]}");
    CHECK(ck_sched_new(snap, cfg, &err) == NULL);
    CHECK(err && strstr(err->message,
                        "when .defaultingType is \"System\", .defaultConstraints must be empty"));
    ck_err_free(err);
    json_decref(cfg);
    ck_sched_snapshot_free(snap);
}

/* ---- The incremental counts agree with a snapshot built from scratch ---------------- */

static uint64_t rnd_state = 88172645463325252ULL;
static uint32_t rnd(uint32_t n)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return (uint32_t)(rnd_state % n);
}

#define CN 12
#define CP 80
static json_t *cnodes[CN], *cpods[CP];

static json_t *rand_node(int i)
{
    static const char *const zones[] = {"a", "b", "c"};
    char *s =
        rnd(5) ? xasprintf("{'metadata':{'name':'n%d','labels':{'kubernetes.io/hostname':'n%d',"
                           "'topology.kubernetes.io/"
                           "zone':'%s'}},'status':{'allocatable':{'cpu':'64','memory':'64Gi','pods'"
                           ":'110'}}}",
                           i, i, zones[rnd(3)])
               : xasprintf("{'metadata':{'name':'n%d','labels':{'kubernetes.io/hostname':'n%d'}},"
                           "'status':{'allocatable':{'cpu':'64','memory':'64Gi','pods':'110'}}}",
                           i, i);
    json_t *j = js(s);
    free(s);
    return j;
}

static json_t *rand_pod(int i)
{
    char *s = xasprintf(
        "{'metadata':{'name':'q%d','namespace':'%s','uid':'q%d','labels':{'app':'%s'}%s},"
        "'spec':{'nodeName':'n%d','containers':[{'name':'c'}]},'status':{'phase':'Running'}}",
        i, rnd(4) ? "default" : "other", i, rnd(3) ? "web" : "db",
        rnd(6) ? "" : ",'deletionTimestamp':'2024-01-01T00:00:00Z'", (int)rnd(CN));
    json_t *j = js(s);
    free(s);
    return j;
}

static json_t *explain_all(ck_sched *s)
{
    static const char *const specs[] = {
        TSC("1", ZONE, "DoNotSchedule", ""),
        TSC("1", HOST, "DoNotSchedule", ""),
        TSC("2", ZONE, "ScheduleAnyway", "") ",'nodeSelector':{'" ZONE "':'b'}",
        TSC("1", ZONE, "ScheduleAnyway", ""),
        "'topologySpreadConstraints':[{'maxSkew':1,'topologyKey':'" ZONE
        "','whenUnsatisfiable':'DoNotSchedule',"
        "'labelSelector':{'matchLabels':{'app':'web'}}},{'maxSkew':1,'topologyKey':'" HOST
        "','whenUnsatisfiable':"
        "'ScheduleAnyway','labelSelector':{'matchLabels':{'app':'web'}}}]",
        NULL,
    };
    json_t *out = json_array();
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        ck_sched_pod *p =
            pod_from("'labels':{'app':'web'},'ownerReferences':[{'apiVersion':'apps/v1','kind':"
                     "'ReplicaSet','name':'web-1','controller':true}]",
                     specs[i]);
        json_array_append_new(out, ck_sched_explain(s, p));
        ck_sched_pod_unref(p);
    }
    return out;
}

static void test_incremental(void)
{
    json_t *rs = js("{'metadata':{'name':'web-1','namespace':'default'},'spec':{'selector':{'"
                    "matchLabels':{'app':'web'}}}}");
    for (int round = 0; round < 4; round++) {
        snap = ck_sched_snapshot_new();
        ck_sched_snapshot_upsert_object(snap, "ReplicaSet", rs);
        ck_sched *s = sched_with(NULL);
        for (int i = 0; i < CN; i++) {
            cnodes[i] = rand_node(i);
            ck_sched_snapshot_upsert_node(snap, cnodes[i], NULL);
        }
        json_decref(explain_all(s)); /* the counts exist before the churn */
        for (int step = 0; step < 300; step++) {
            uint32_t what = rnd(10), i;
            if (what < 6) {
                i = rnd(CP);
                json_decref(cpods[i]);
                cpods[i] = rand_pod((int)i);
                ck_sched_snapshot_upsert_pod(snap, cpods[i], NULL);
            } else if (what < 8) {
                i = rnd(CP);
                char uid[16];
                snprintf(uid, sizeof(uid), "q%u", i);
                ck_sched_snapshot_remove_pod(snap, uid);
                json_decref(cpods[i]);
                cpods[i] = NULL;
            } else if (what < 9) {
                i = rnd(CN);
                json_decref(cnodes[i]);
                cnodes[i] = rand_node((int)i);
                ck_sched_snapshot_upsert_node(snap, cnodes[i], NULL);
            } else {
                i = rnd(CN);
                char name[16];
                snprintf(name, sizeof(name), "n%u", i);
                ck_sched_snapshot_remove_node(snap, name);
                json_decref(cnodes[i]);
                cnodes[i] = NULL;
            }
            if (step % 50 == 49) json_decref(explain_all(s));
        }
        json_t *churned = explain_all(s);
        ck_sched_free(s);

        ck_sched_snapshot *fresh = ck_sched_snapshot_new();
        ck_sched_snapshot *old = snap;
        snap = fresh;
        ck_sched_snapshot_upsert_object(snap, "ReplicaSet", rs);
        for (int i = 0; i < CN; i++)
            if (cnodes[i]) ck_sched_snapshot_upsert_node(snap, cnodes[i], NULL);
        for (int i = 0; i < CP; i++)
            if (cpods[i]) ck_sched_snapshot_upsert_pod(snap, cpods[i], NULL);
        s = sched_with(NULL);
        json_t *clean = explain_all(s);
        CHECK(json_equal(churned, clean));
        if (!json_equal(churned, clean)) {
            char *a = json_dumps(churned, JSON_COMPACT), *b = json_dumps(clean, JSON_COMPACT);
            fprintf(stderr, "churned: %s\nclean:   %s\n", a, b);
            free(a);
            free(b);
        }
        json_decref(churned);
        json_decref(clean);
        ck_sched_free(s);
        ck_sched_snapshot_free(fresh);
        ck_sched_snapshot_free(old);
        for (int i = 0; i < CN; i++) {
            json_decref(cnodes[i]);
            cnodes[i] = NULL;
        }
        for (int i = 0; i < CP; i++) {
            json_decref(cpods[i]);
            cpods[i] = NULL;
        }
    }
    json_decref(rs);
}

int main(void)
{
    test_filter();
    test_inclusion_policies();
    test_score();
    test_incremental();
    return UT_DONE();
}
