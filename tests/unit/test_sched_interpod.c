/* InterPodAffinity: required affinity (with the first-pod-of-a-group rule), required
 * anti-affinity, existing pods' anti-affinity, namespaces and namespaceSelector, missing
 * topology labels, preferred terms of both sides and hardPodAffinityWeight, and the
 * PreFilter extensions used for nominated pods. Cases after upstream's interpodaffinity
 * filtering_test.go and scoring_test.go. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/framework.h"
#include "ut.h"
#include "ut_fixtures.h"

static ck_sched_snapshot *snap;

static void add_node(const char *name, const char *zone)
{
    char *s =
        xasprintf("{'kind':'Node','metadata':{'name':'%s','labels':{'kubernetes.io/hostname':'%s',"
                  "'topology.kubernetes.io/zone':'%s'}},'spec':{},"
                  "'status':{'allocatable':{'cpu':'8','memory':'8Gi','pods':'110'}}}",
                  name, name, zone);
    json_t *j = js(s);
    if (ck_sched_snapshot_upsert_node(snap, j, NULL) != 0) CHECK(!"node");
    json_decref(j);
    free(s);
}

static void run_on(const char *name, const char *ns, const char *node, const char *labels,
                   const char *spec)
{
    char *s = xasprintf(
        "{'kind':'Pod','metadata':{'name':'%s','namespace':'%s','uid':'%s','labels':%s},"
        "'spec':{'nodeName':'%s','containers':[{'name':'c'}]%s%s},'status':{'phase':'Running'}}",
        name, ns, name, labels, node, spec ? "," : "", spec ? spec : "");
    json_t *j = js(s);
    if (ck_sched_snapshot_upsert_pod(snap, j, NULL) != 0) CHECK(!"pod");
    json_decref(j);
    free(s);
}

#define HOST "kubernetes.io/hostname"
#define ZONE "topology.kubernetes.io/zone"
#define TERM(app, key, extra)                                                                      \
    "{'labelSelector':{'matchLabels':{'app':'" app "'}},'topologyKey':'" key "'" extra "}"
#define AFF(terms)                                                                                 \
    "'affinity':{'podAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':[" terms "]}}"
#define ANTI(terms)                                                                                \
    "'affinity':{'podAntiAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':[" terms "]}" \
    "}"

/* Zone a: n1 (db), n2; zone b: n3 (cache, which repels app=web on its host). */
static void cluster(void)
{
    snap = ck_sched_snapshot_new();
    add_node("n1", "a");
    add_node("n2", "a");
    add_node("n3", "b");
    run_on("db", "default", "n1", "{'app':'db'}", NULL);
    run_on("cache", "default", "n3", "{'app':'cache'}", ANTI(TERM("web", HOST, "")));
}

static ck_sched *sched_with(const char *config)
{
    json_t *cfg = config ? js(config) : NULL;
    ck_err *err = NULL;
    ck_sched *s = ck_sched_new(snap, cfg, &err);
    if (!s) fprintf(stderr, "config: %s\n", err->message);
    ck_err_free(err);
    json_decref(cfg);
    ck_sched_seed(s, 11);
    return s;
}

static ck_sched_pod *pod_from(const char *labels, const char *spec)
{
    char *s = xasprintf(
        "{'kind':'Pod','metadata':{'name':'p','namespace':'default','uid':'u-p','labels':%s},"
        "'spec':{'containers':[{'name':'c'}]%s%s}}",
        labels, spec ? "," : "", spec ? spec : "");
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

/* Sorted feasible nodes, or the FailedScheduling message when there are none. */
static char *outcome(ck_sched *s, const char *labels, const char *spec)
{
    ck_sched_pod *p = pod_from(labels, spec);
    json_t *e = ck_sched_explain(s, p);
    const char *names[8];
    size_t nn = 0;
    const char *name;
    json_t *n;
    json_object_foreach(json_object_get(e, "nodes"), name, n)
    {
        if (!json_object_get(n, "status") && nn < 8) names[nn++] = name;
    }
    qsort(names, nn, sizeof(char *), str_cmp);
    char *out = xstrdup("");
    for (size_t i = 0; i < nn; i++) {
        char *x = xasprintf("%s%s%s", out, i ? "," : "", names[i]);
        free(out);
        out = x;
    }
    json_decref(e);
    if (!nn) {
        ck_sched_result r;
        ck_sched_schedule_one(s, p, &r);
        free(out);
        out = xstrdup(r.message ? r.message : "?");
        ck_sched_result_clear(&r);
    }
    ck_sched_pod_unref(p);
    return out;
}

static void expect(ck_sched *s, const char *labels, const char *spec, const char *want)
{
    char *got = outcome(s, labels, spec);
    CHECK_STR(got, want);
    free(got);
}

#define NOPOST "{'profiles':[{'plugins':{'postFilter':{'disabled':[{'name':'*'}]}}}]}"

static void test_required(void)
{
    cluster();
    ck_sched *s = sched_with(NOPOST);
    expect(s, "{'app':'x'}", AFF(TERM("db", ZONE, "")), "n1,n2");
    expect(s, "{'app':'x'}", AFF(TERM("db", HOST, "")), "n1");
    /* Both terms must hold. */
    expect(s, "{'app':'x'}", AFF(TERM("db", ZONE, "") "," TERM("cache", ZONE, "")),
           "0/3 nodes are available: 3 node(s) didn't match pod affinity rules.");
    /* No pod matches: allowed only for a pod matching its own terms (first of a group). */
    expect(s, "{'app':'solo'}", AFF(TERM("solo", ZONE, "")), "n1,n2,n3");
    expect(s, "{'app':'x'}", AFF(TERM("solo", ZONE, "")),
           "0/3 nodes are available: 3 node(s) didn't match pod affinity rules.");
    /* Every topology key must exist on the node. */
    expect(s, "{'app':'db'}", AFF(TERM("db", "rack", "")),
           "0/3 nodes are available: 3 node(s) didn't match pod affinity rules.");
    /* Anti-affinity of the pod and of the existing cache pod. */
    expect(s, "{'app':'x'}", ANTI(TERM("db", ZONE, "")), "n3");
    expect(s, "{'app':'web'}", NULL, "n1,n2");
    expect(s, "{'app':'web'}", ANTI(TERM("db", ZONE, "")),
           "0/3 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules, 2 "
           "node(s) didn't match pod anti-affinity rules.");
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static void test_namespaces(void)
{
    cluster();
    run_on("other-db", "other", "n3", "{'app':'db'}", NULL);
    ck_sched *s = sched_with(NOPOST);
    /* The pod's own namespace by default; explicit namespaces replace it. */
    expect(s, "{'app':'x'}", AFF(TERM("db", HOST, "")), "n1");
    expect(s, "{'app':'x'}", AFF(TERM("db", HOST, ",'namespaces':['other']")), "n3");
    expect(s, "{'app':'x'}", AFF(TERM("db", ZONE, ",'namespaces':['nowhere']")),
           "0/3 nodes are available: 3 node(s) didn't match pod affinity rules.");
    /* An empty namespaceSelector selects every namespace. */
    expect(s, "{'app':'x'}", ANTI(TERM("db", HOST, ",'namespaceSelector':{}")), "n2");
    /* A namespaceSelector by labels. */
    json_t *ns = js("{'metadata':{'name':'other','labels':{'team':'blue'}}}");
    ck_sched_snapshot_upsert_object(snap, "Namespace", ns);
    json_decref(ns);
    expect(s, "{'app':'x'}",
           AFF(TERM("db", HOST, ",'namespaceSelector':{'matchLabels':{'team':'blue'}}")), "n3");
    expect(s, "{'app':'x'}",
           AFF(TERM("db", HOST, ",'namespaceSelector':{'matchLabels':{'team':'red'}}")),
           "0/3 nodes are available: 3 node(s) didn't match pod affinity rules.");
    /* An existing pod's anti-affinity with a namespaceSelector matching the incoming pod's
     * namespace labels. */
    ns = js("{'kind':'Namespace','metadata':{'name':'default','labels':{'team':'green'}}}");
    ck_sched_snapshot_upsert_object(snap, NULL, ns);
    json_decref(ns);
    run_on("guard", "other", "n2", "{'app':'guard'}",
           ANTI(TERM("x", HOST, ",'namespaceSelector':{'matchLabels':{'team':'green'}}")));
    expect(s, "{'app':'x'}", NULL, "n1,n3");
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static int64_t score(ck_sched *s, const char *labels, const char *spec, const char *node)
{
    ck_sched_pod *p = pod_from(labels, spec);
    json_t *e = ck_sched_explain(s, p);
    json_t *v = json_object_get(
        json_object_get(json_object_get(json_object_get(e, "nodes"), node), "scores"),
        "InterPodAffinity");
    int64_t out = json_is_integer(v) ? json_integer_value(v) : -1;
    json_decref(e);
    ck_sched_pod_unref(p);
    return out;
}

#define PREF(kind, w, term)                                                                        \
    "'affinity':{'" kind "':{'preferredDuringSchedulingIgnoredDuringExecution':[{'weight':" w      \
    ",'podAffinityTerm':" term "}]}}"

static void test_score(void)
{
    cluster();
    ck_sched *s = sched_with(NULL);
    const char *aff = PREF("podAffinity", "10", TERM("db", ZONE, ""));
    CHECK_INT(score(s, "{'app':'x'}", aff, "n1"), 100);
    CHECK_INT(score(s, "{'app':'x'}", aff, "n2"), 100);
    CHECK_INT(score(s, "{'app':'x'}", aff, "n3"), 0);
    const char *anti = PREF("podAntiAffinity", "10", TERM("db", ZONE, ""));
    CHECK_INT(score(s, "{'app':'x'}", anti, "n1"), 0);
    CHECK_INT(score(s, "{'app':'x'}", anti, "n3"), 100);
    /* Nothing to score: skipped. */
    CHECK_INT(score(s, "{'app':'x'}", NULL, "n1"), -1);
    ck_sched_free(s);

    /* Existing pods' preferred terms and required affinity (hardPodAffinityWeight). */
    run_on("fan", "default", "n2", "{'app':'fan'}",
           PREF("podAffinity", "5", TERM("api", HOST, "")));
    run_on("needy", "default", "n3", "{'app':'needy'}", AFF(TERM("api", HOST, "")));
    s = sched_with(NULL);
    /* Raw: n2 5, n3 1 (hard weight), n1 0. */
    CHECK_INT(score(s, "{'app':'api'}", NULL, "n2"), 100);
    CHECK_INT(score(s, "{'app':'api'}", NULL, "n3"), 20);
    CHECK_INT(score(s, "{'app':'api'}", NULL, "n1"), 0);
    ck_sched_free(s);
    s = sched_with("{'profiles':[{'pluginConfig':[{'name':'InterPodAffinity','args':{'"
                   "hardPodAffinityWeight':5}}]}]}");
    CHECK_INT(score(s, "{'app':'api'}", NULL, "n3"), 100);
    ck_sched_free(s);
    s = sched_with("{'profiles':[{'pluginConfig':[{'name':'InterPodAffinity','args':{'"
                   "ignorePreferredTermsOfExistingPods':true}}]}]}");
    CHECK_INT(score(s, "{'app':'api'}", NULL, "n2"), -1);
    CHECK_INT(score(s, "{'app':'x'}", aff, "n1"), 100);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static void test_nominated(void)
{
    cluster();
    ck_sched *s = sched_with(NOPOST);
    /* A web pod nominated to n2 with a higher priority counts for anti-affinity. */
    json_t *j = js("{'kind':'Pod','metadata':{'name':'w','namespace':'default','uid':'w','labels':{"
                   "'app':'web'}},"
                   "'spec':{'priority':100,'containers':[{'name':'c'}]}}");
    ck_sched_pod *w = ck_sched_pod_new(ck_sched_snapshot_symtab(snap), j, NULL);
    json_decref(j);
    ck_sched_snapshot_nominate(snap, w, "n2");
    expect(s, "{'app':'x'}", ANTI(TERM("web", HOST, "")), "n1,n3");
    /* ...and for affinity only when the pod also fits without it. */
    expect(s, "{'app':'x'}", AFF(TERM("web", HOST, "")),
           "0/3 nodes are available: 3 node(s) didn't match pod affinity rules.");
    ck_sched_snapshot_nominate(snap, w, NULL);
    expect(s, "{'app':'x'}", ANTI(TERM("web", HOST, "")), "n1,n2,n3");
    ck_sched_pod_unref(w);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

/* Terms the count index answers give the same result as the per-pod scan (forced here by
 * adding a namespace no pod lives in), terminating pods included. */
static void test_index_equivalence(void)
{
    snap = ck_sched_snapshot_new();
    static const char *const zones[] = {"a", "b", "c"};
    for (int i = 0; i < 9; i++) {
        char name[8];
        snprintf(name, sizeof(name), "n%d", i);
        add_node(name, zones[i % 3]);
    }
    uint64_t r = 12345;
    for (int i = 0; i < 60; i++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        char name[16], node[8], *spec = NULL;
        snprintf(name, sizeof(name), "x%d", i);
        snprintf(node, sizeof(node), "n%d", (int)((r >> 33) % 9));
        const char *labels = (r >> 20) % 3 ? "{'app':'web'}" : "{'app':'db'}";
        char *s = xasprintf(
            "{'kind':'Pod','metadata':{'name':'%s','namespace':'%s','uid':'%s','labels':%s%s},"
            "'spec':{'nodeName':'%s','containers':[{'name':'c'}]},'status':{'phase':'Running'}}",
            name, (r >> 40) % 4 ? "default" : "other", name, labels,
            (r >> 50) % 5 ? "" : ",'deletionTimestamp':'2024-01-01T00:00:00Z'", node);
        json_t *j = js(s);
        ck_sched_snapshot_upsert_pod(snap, j, NULL);
        json_decref(j);
        free(s);
        free(spec);
    }
    ck_sched *s = sched_with(NULL);
    static const char *const shapes[][2] = {
        {ANTI(TERM("web", ZONE, "")), ANTI(TERM("web", ZONE, ",'namespaces':['default','void']"))},
        {AFF(TERM("db", HOST, "")), AFF(TERM("db", HOST, ",'namespaces':['default','void']"))},
        {AFF(TERM("db", ZONE, ",'namespaces':['other']")),
         AFF(TERM("db", ZONE, ",'namespaces':['other','void']"))},
        {PREF("podAffinity", "7", TERM("web", ZONE, "")),
         PREF("podAffinity", "7", TERM("web", ZONE, ",'namespaces':['default','void']"))},
        {PREF("podAntiAffinity", "3", TERM("web", HOST, "")),
         PREF("podAntiAffinity", "3", TERM("web", HOST, ",'namespaces':['default','void']"))},
    };
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        ck_sched_pod *a = pod_from("{'app':'x'}", shapes[i][0]),
                     *b = pod_from("{'app':'x'}", shapes[i][1]);
        json_t *ea = ck_sched_explain(s, a), *eb = ck_sched_explain(s, b);
        CHECK(json_equal(ea, eb));
        json_decref(ea);
        json_decref(eb);
        ck_sched_pod_unref(a);
        ck_sched_pod_unref(b);
    }
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

/* The term groups follow churn: a snapshot that saw pods with terms come and go, and nodes
 * relabeled and removed, explains like one built from the final objects. */
static json_t *churn_pod(int i, uint64_t r)
{
    static const char *const terms[] = {
        "",
        "," ANTI(TERM("web", HOST, "")),
        "," PREF("podAntiAffinity", "4", TERM("web", ZONE, "")),
        "," PREF("podAffinity", "9", TERM("x", HOST, "")),
        "," AFF(TERM("x", ZONE, "")),
    };
    char *s = xasprintf(
        "{'metadata':{'name':'c%d','namespace':'default','uid':'c%d','labels':{'app':'%s'}%s},"
        "'spec':{'nodeName':'n%d','containers':[{'name':'c'}]%s},'status':{'phase':'Running'}}",
        i, i, (r >> 3) % 2 ? "web" : "db",
        (r >> 9) % 7 ? "" : ",'deletionTimestamp':'2024-01-01T00:00:00Z'", (int)((r >> 17) % 8),
        terms[(r >> 27) % 5]);
    json_t *j = js(s);
    free(s);
    return j;
}

static json_t *explain_set(ck_sched *s)
{
    static const char *const specs[] = {NULL, ANTI(TERM("db", HOST, "")),
                                        PREF("podAffinity", "5", TERM("web", ZONE, ""))};
    json_t *out = json_array();
    for (size_t i = 0; i < 3; i++) {
        ck_sched_pod *p = pod_from(i == 1 ? "{'app':'web'}" : "{'app':'x'}", specs[i]);
        json_array_append_new(out, ck_sched_explain(s, p));
        ck_sched_pod_unref(p);
    }
    return out;
}

static void test_churn(void)
{
    static const char *const zones[] = {"a", "b", "c"};
    json_t *pods[40] = {0};
    const char *node_zone[8];
    uint64_t r = 99;
    snap = ck_sched_snapshot_new();
    for (int i = 0; i < 8; i++) {
        char n[8];
        snprintf(n, sizeof(n), "n%d", i);
        node_zone[i] = zones[i % 3];
        add_node(n, node_zone[i]);
    }
    bool present[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    ck_sched *s = sched_with(NULL);
    for (int step = 0; step < 400; step++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        int i = (int)((r >> 40) % 40), what = (int)((r >> 50) % 10);
        char id[16];
        if (what < 6) {
            json_decref(pods[i]);
            pods[i] = churn_pod(i, r);
            ck_sched_snapshot_upsert_pod(snap, pods[i], NULL);
        } else if (what < 8) {
            snprintf(id, sizeof(id), "c%d", i);
            ck_sched_snapshot_remove_pod(snap, id);
            json_decref(pods[i]);
            pods[i] = NULL;
        } else {
            int k = i % 8;
            snprintf(id, sizeof(id), "n%d", k);
            if (what == 8) {
                node_zone[k] = zones[(r >> 20) % 3];
                add_node(id, node_zone[k]);
                present[k] = true;
            } else {
                ck_sched_snapshot_remove_node(snap, id);
                present[k] = false;
            }
        }
        if (step % 100 == 99) json_decref(explain_set(s));
    }
    json_t *churned = explain_set(s);
    ck_sched_free(s);
    ck_sched_snapshot *old = snap;
    snap = ck_sched_snapshot_new();
    for (int k = 0; k < 8; k++) {
        char n[8];
        snprintf(n, sizeof(n), "n%d", k);
        if (present[k]) add_node(n, node_zone[k]);
    }
    for (int i = 0; i < 40; i++)
        if (pods[i]) ck_sched_snapshot_upsert_pod(snap, pods[i], NULL);
    s = sched_with(NULL);
    json_t *clean = explain_set(s);
    CHECK(json_equal(churned, clean));
    json_decref(churned);
    json_decref(clean);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
    ck_sched_snapshot_free(old);
    for (int i = 0; i < 40; i++)
        json_decref(pods[i]);
}

int main(void)
{
    test_required();
    test_namespaces();
    test_score();
    test_nominated();
    test_index_equivalence();
    test_churn();
    return UT_DONE();
}
