/* NodeAffinity (nodeSelector, required and preferred node affinity with In, NotIn, Exists,
 * DoesNotExist, Gt, Lt and matchFields, scheduler-enforced addedAffinity) and NodeName.
 * Cases after upstream's node_affinity_test.go and nodeaffinity helpers' tests. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/framework.h"
#include "ut.h"
#include "ut_fixtures.h"

static ck_sched_snapshot *snap;

static void add_node(const char *name, const char *labels)
{
    char *s = xasprintf("{'kind':'Node','metadata':{'name':'%s','labels':%s},'spec':{},"
                        "'status':{'allocatable':{'cpu':'4','memory':'8Gi','pods':'110'}}}",
                        name, labels);
    json_t *j = js(s);
    if (ck_sched_snapshot_upsert_node(snap, j, NULL) != 0) CHECK(!"node");
    json_decref(j);
    free(s);
}

static ck_sched *sched_with(const char *config)
{
    json_t *cfg = config ? js(config) : NULL;
    ck_err *err = NULL;
    ck_sched *s = ck_sched_new(snap, cfg, &err);
    if (!s) fprintf(stderr, "config: %s\n", err->message);
    ck_err_free(err);
    json_decref(cfg);
    ck_sched_seed(s, 3);
    return s;
}

static ck_sched_pod *pod_from(const char *spec)
{
    char *s = xasprintf("{'kind':'Pod','metadata':{'name':'p','namespace':'default','uid':'u-p'},"
                        "'spec':{'containers':[{'name':'c'}]%s%s}}",
                        *spec ? "," : "", spec);
    json_t *j = js(s);
    ck_sched_pod *p = ck_sched_pod_new(ck_sched_snapshot_symtab(snap), j, NULL);
    json_decref(j);
    free(s);
    return p;
}

/* Which nodes pass the filters, as "a,b" (explain). */
static char *feasible(ck_sched *s, const char *spec)
{
    ck_sched_pod *p = pod_from(spec);
    json_t *e = ck_sched_explain(s, p);
    char *out = xstrdup("");
    const char *name;
    json_t *n;
    json_object_foreach(json_object_get(e, "nodes"), name, n)
    {
        if (json_object_get(n, "status")) continue;
        char *x = xasprintf("%s%s%s", out, *out ? "," : "", name);
        free(out);
        out = x;
    }
    if (json_object_get(e, "prefilter")) {
        free(out);
        out = xstrdup(json_string_value(json_object_get(e, "prefilter")));
    }
    json_decref(e);
    ck_sched_pod_unref(p);
    return out;
}

static void expect(ck_sched *s, const char *spec, const char *want)
{
    char *got = feasible(s, spec);
    CHECK_STR(got, want);
    free(got);
}

#define REQ(terms)                                                                                 \
    "'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{'"              \
    "nodeSelectorTerms':" terms "}}}"
#define EXPR(k, op, vals) "{'key':'" k "','operator':'" op "','values':" vals "}"

static void test_required(void)
{
    snap = ck_sched_snapshot_new();
    add_node("a", "{'zone':'z1','disk':'ssd','gen':'5'}");
    add_node("b", "{'zone':'z2','gen':'3'}");
    add_node("c", "{'zone':'z3','gen':'x'}");
    ck_sched *s = sched_with(NULL);
    expect(s, "", "a,b,c");
    expect(s, "'nodeSelector':{'zone':'z1'}", "a");
    expect(s, "'nodeSelector':{'zone':'z1','disk':'hdd'}", "");
    expect(s, "'nodeSelector':{}", "a,b,c");
    expect(s, REQ("[{'matchExpressions':[" EXPR("zone", "In", "['z1','z2']") "]}]"), "a,b");
    expect(s, REQ("[{'matchExpressions':[" EXPR("zone", "NotIn", "['z1']") "]}]"), "b,c");
    expect(s, REQ("[{'matchExpressions':[" EXPR("disk", "NotIn", "['hdd']") "]}]"), "a,b,c");
    expect(s, REQ("[{'matchExpressions':[{'key':'disk','operator':'Exists'}]}]"), "a");
    expect(s, REQ("[{'matchExpressions':[{'key':'disk','operator':'DoesNotExist'}]}]"), "b,c");
    expect(s, REQ("[{'matchExpressions':[" EXPR("gen", "Gt", "['4']") "]}]"), "a");
    expect(s, REQ("[{'matchExpressions':[" EXPR("gen", "Lt", "['4']") "]}]"), "b");
    /* A Gt operand that is not an integer makes the term match nothing. */
    expect(s, REQ("[{'matchExpressions':[" EXPR("gen", "Gt", "['four']") "]}]"), "");
    /* Requirements in a term are ANDed, terms are ORed; an empty term matches nothing. */
    expect(s,
           REQ("[{'matchExpressions':[" EXPR("zone", "In", "['z1','z2']") "," EXPR("gen", "Lt",
                                                                                   "['4']") "]}]"),
           "b");
    expect(
        s,
        REQ("[{'matchExpressions':[" EXPR("zone", "In", "['z3']") "]},{'matchExpressions':[" EXPR(
            "disk", "In", "['ssd']") "]}]"),
        "a,c");
    expect(s, REQ("[{}]"), "");
    expect(s, REQ("[{},{'matchExpressions':[" EXPR("zone", "In", "['z2']") "]}]"), "b");
    /* nodeSelector and affinity both apply. */
    expect(s,
           "'nodeSelector':{'zone':'z2'}," REQ(
               "[{'matchExpressions':[" EXPR("zone", "In", "['z1','z2']") "]}]"),
           "b");
    /* matchFields on metadata.name; In narrows the nodes at PreFilter. */
    expect(s, REQ("[{'matchFields':[" EXPR("metadata.name", "In", "['c']") "]}]"), "c");
    expect(s, REQ("[{'matchFields':[" EXPR("metadata.name", "NotIn", "['c']") "]}]"), "a,b");
    expect(s,
           REQ("[{'matchFields':[" EXPR("metadata.name", "In", "['b']") "]},{'matchFields':[" EXPR(
               "metadata.name", "In", "['a']") "]}]"),
           "a,b");
    expect(s,
           REQ("[{'matchFields':[" EXPR("metadata.name", "In",
                                        "['a']") "," EXPR("metadata.name", "In", "['b']") "]}]"),
           "pod affinity terms conflict");
    expect(
        s,
        REQ("[{'matchFields':[" EXPR("metadata.name", "In", "['a']") "],'matchExpressions':[" EXPR(
            "zone", "In", "['z2']") "]}]"),
        "");

    ck_sched_pod *p = pod_from("'nodeSelector':{'zone':'z9'}");
    ck_sched_result r;
    CHECK(ck_sched_schedule_one(s, p, &r) == CK_SCHED_OUT_UNSCHEDULABLE);
    CHECK_STR(r.message,
              "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. "
              "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(p);
    ck_sched_free(s);

    /* addedAffinity from the profile applies to every pod. */
    s = sched_with("{'profiles':[{'pluginConfig':[{'name':'NodeAffinity','args':{'addedAffinity':{"
                   "'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':[{'"
                   "matchExpressions':[" EXPR("zone", "NotIn", "['z3']") "]}]}}}}]}]}");
    expect(s, "", "a,b");
    p = pod_from("'nodeSelector':{'zone':'z3'}");
    CHECK(ck_sched_schedule_one(s, p, &r) == CK_SCHED_OUT_UNSCHEDULABLE);
    CHECK_STR(r.message,
              "0/3 nodes are available: 1 node(s) didn't match scheduler-enforced node affinity, "
              "2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are "
              "available: 3 Preemption is not helpful for scheduling.");
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(p);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static int64_t score(ck_sched *s, const char *spec, const char *node)
{
    ck_sched_pod *p = pod_from(spec);
    json_t *e = ck_sched_explain(s, p);
    json_t *v = json_object_get(
        json_object_get(json_object_get(json_object_get(e, "nodes"), node), "scores"),
        "NodeAffinity");
    int64_t out = json_is_integer(v) ? json_integer_value(v) : -1;
    json_decref(e);
    ck_sched_pod_unref(p);
    return out;
}

#define PREF(terms)                                                                                \
    "'affinity':{'nodeAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':" terms "}}"

static void test_preferred(void)
{
    snap = ck_sched_snapshot_new();
    add_node("a", "{'zone':'z1','disk':'ssd'}");
    add_node("b", "{'zone':'z1'}");
    add_node("c", "{'zone':'z2'}");
    ck_sched *s = sched_with(NULL);
    const char *spec = PREF("[{'weight':2,'preference':{'matchExpressions':[" EXPR(
        "zone", "In", "['z1']") "]}},"
                                "{'weight':5,'preference':{'matchExpressions':[" EXPR(
                                    "disk", "In", "['ssd']") "]}},"
                                                             "{'weight':9,'preference':{}}]");
    /* Raw 7, 2, 0 normalized by the maximum. */
    CHECK_INT(score(s, spec, "a"), 100);
    CHECK_INT(score(s, spec, "b"), 28);
    CHECK_INT(score(s, spec, "c"), 0);
    /* No preferred terms: PreScore skips the plugin. */
    CHECK_INT(score(s, "", "a"), -1);
    ck_sched_pod *p = pod_from(spec);
    ck_sched_result r;
    CHECK(ck_sched_schedule_one(s, p, &r) == CK_SCHED_OUT_SCHEDULED);
    CHECK_STR(r.node, "a");
    ck_sched_result_clear(&r);
    ck_sched_forget(s, p);
    ck_sched_pod_unref(p);
    ck_sched_free(s);

    /* The profile's preferred terms add to the pod's. */
    s = sched_with("{'profiles':[{'pluginConfig':[{'name':'NodeAffinity','args':{'addedAffinity':{"
                   "'preferredDuringSchedulingIgnoredDuringExecution':[{'weight':10,'preference':{'"
                   "matchExpressions':[" EXPR("zone", "In", "['z2']") "]}}]}}}]}]}");
    CHECK_INT(score(s, spec, "c"), 100);
    CHECK_INT(score(s, spec, "a"), 70);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static void test_node_name(void)
{
    snap = ck_sched_snapshot_new();
    add_node("a", "{}");
    add_node("b", "{}");
    ck_sched *s =
        sched_with("{'profiles':[{'plugins':{'postFilter':{'disabled':[{'name':'*'}]}}}]}");
    expect(s, "'nodeName':'b'", "b");
    ck_sched_pod *p = pod_from("'nodeName':'zz'");
    ck_sched_result r;
    CHECK(ck_sched_schedule_one(s, p, &r) == CK_SCHED_OUT_UNSCHEDULABLE);
    CHECK_STR(r.message,
              "0/2 nodes are available: 2 node(s) didn't match the requested node name.");
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(p);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

int main(void)
{
    test_required();
    test_preferred();
    test_node_name();
    return UT_DONE();
}
