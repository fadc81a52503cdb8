/* DefaultPreemption: victims are lower-priority pods, the most important are reprieved,
 * the node is picked by lowest highest-victim priority, lowest priority sum, fewest victims
 * and latest start; eligibility (preemptionPolicy Never, terminating victims on the
 * nominated node); what-if runs go through the PreFilter extensions (anti-affinity); the
 * nominated node is tried first afterwards. Cases after upstream's default_preemption_test.go
 * and preemption_test.go. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/framework.h"
#include "ut.h"
#include "ut_fixtures.h"

static ck_sched_snapshot *snap;

static void add_node(const char *name, const char *cpu)
{
    char *s = xasprintf("{'kind':'Node','metadata':{'name':'%s','labels':{'kubernetes.io/"
                        "hostname':'%s'}},'spec':{},"
                        "'status':{'allocatable':{'cpu':'%s','memory':'8Gi','pods':'110'}}}",
                        name, name, cpu);
    json_t *j = js(s);
    if (ck_sched_snapshot_upsert_node(snap, j, NULL) != 0) CHECK(!"node");
    json_decref(j);
    free(s);
}

static void run_on(const char *name, const char *node, const char *cpu, int prio,
                   const char *extra_meta, const char *start)
{
    char *s = xasprintf("{'kind':'Pod','metadata':{'name':'%s','namespace':'default','uid':'%s'%s},"
                        "'spec':{'nodeName':'%s','priority':%d,'containers':[{'name':'c','"
                        "resources':{'requests':{'cpu':'%s'}}}]},"
                        "'status':{'phase':'Running','startTime':'%s'}}",
                        name, name, extra_meta ? extra_meta : "", node, prio, cpu,
                        start ? start : "2024-01-01T00:00:00Z");
    json_t *j = js(s);
    if (ck_sched_snapshot_upsert_pod(snap, j, NULL) != 0) CHECK(!"pod");
    json_decref(j);
    free(s);
}

static ck_sched_pod *pod_from(const char *cpu, int prio, const char *spec)
{
    char *s = xasprintf("{'kind':'Pod','metadata':{'name':'p','namespace':'default','uid':'u-p','"
                        "labels':{'app':'p'}},"
                        "'spec':{'priority':%d,'containers':[{'name':'c','resources':{'requests':{'"
                        "cpu':'%s'}}}]%s%s}}",
                        prio, cpu, spec ? "," : "", spec ? spec : "");
    json_t *j = js(s);
    ck_sched_pod *p = ck_sched_pod_new(ck_sched_snapshot_symtab(snap), j, NULL);
    json_decref(j);
    free(s);
    return p;
}

static ck_sched *new_sched(void)
{
    ck_sched *s = ck_sched_new(snap, NULL, NULL);
    ck_sched_seed(s, 21);
    return s;
}

/* Runs a cycle expected to preempt; returns "node: victim,victim" (caller frees). */
static char *preempt(ck_sched *s, ck_sched_pod *p, ck_sched_result *r)
{
    ck_sched_outcome o = ck_sched_schedule_one(s, p, r);
    if (o != CK_SCHED_OUT_UNSCHEDULABLE || !r->nominate || !*r->nominated_node)
        return xstrdup(r->message ? r->message : "scheduled");
    char *out = xasprintf("%s:", r->nominated_node);
    for (uint32_t i = 0; i < r->nvictims; i++) {
        char *x = xasprintf("%s%s%s", out, i ? "," : " ", r->victims[i]->name);
        free(out);
        out = x;
    }
    return out;
}

static void expect(ck_sched *s, ck_sched_pod *p, const char *want)
{
    ck_sched_result r;
    char *got = preempt(s, p, &r);
    CHECK_STR(got, want);
    free(got);
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(p);
}

static void test_pick_node(void)
{
    snap = ck_sched_snapshot_new();
    add_node("n1", "2");
    add_node("n2", "2");
    add_node("n3", "2");
    run_on("low", "n1", "2", 1, NULL, NULL);
    run_on("mid", "n2", "2", 5, NULL, NULL);
    run_on("high", "n3", "2", 100, NULL, NULL);
    ck_sched *s = new_sched();
    ck_sched_pod *p = pod_from("2", 10, NULL);
    ck_sched_result r;
    char *got = preempt(s, p, &r);
    CHECK_STR(got, "n1: low");
    /* A successful preemption adds no PostFilter text. */
    CHECK_STR(r.message, "0/3 nodes are available: 3 Insufficient cpu.");
    free(got);
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(p);
    /* Nothing below priority 1. */
    expect(s, pod_from("2", 1, NULL),
           "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No "
           "preemption victims found for incoming pod.");
    expect(s, pod_from("2", 10, "'preemptionPolicy':'Never'"),
           "0/3 nodes are available: 3 Insufficient cpu. preemption: not eligible due to "
           "preemptionPolicy=Never.");
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);

    /* Equal highest priority: the smaller priority sum (fewer victims) wins. */
    snap = ck_sched_snapshot_new();
    add_node("n1", "2");
    add_node("n2", "2");
    run_on("a1", "n1", "1", 1, NULL, NULL);
    run_on("a2", "n1", "1", 1, NULL, NULL);
    run_on("b1", "n2", "2", 1, NULL, NULL);
    s = new_sched();
    expect(s, pod_from("2", 10, NULL), "n2: b1");
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);

    /* All else equal: the node whose victims started last. */
    snap = ck_sched_snapshot_new();
    add_node("n1", "2");
    add_node("n2", "2");
    run_on("old", "n1", "2", 1, NULL, "2020-01-01T00:00:00Z");
    run_on("new", "n2", "2", 1, NULL, "2021-06-01T00:00:00Z");
    s = new_sched();
    expect(s, pod_from("2", 10, NULL), "n2: new");
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static void test_reprieve(void)
{
    snap = ck_sched_snapshot_new();
    add_node("n1", "3");
    run_on("p1", "n1", "1", 1, NULL, NULL);
    run_on("p2", "n1", "1", 2, NULL, NULL);
    run_on("p3", "n1", "1", 3, NULL, NULL);
    ck_sched *s = new_sched();
    /* 2 cpu needed: p3 and then p2 are tried back first; only p1 and p2 must go... */
    expect(s, pod_from("2", 10, NULL), "n1: p2,p1");
    /* ...and for 1 cpu only the least important. */
    expect(s, pod_from("1", 10, NULL), "n1: p1");
    /* Pods of the same priority as the preemptor stay. */
    expect(s, pod_from("3", 2, NULL),
           "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 "
           "Insufficient cpu.");
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static void test_affinity_victims(void)
{
    snap = ck_sched_snapshot_new();
    add_node("n1", "4");
    add_node("n2", "4");
    run_on("blocker", "n1", "100m", 1, ",'labels':{'app':'blocker'}", NULL);
    run_on("keeper", "n2", "100m", 50, ",'labels':{'app':'blocker'}", NULL);
    ck_sched *s = new_sched();
    /* Anti-affinity to app=blocker: removing the low-priority blocker on n1 helps. */
    expect(
        s,
        pod_from("1", 10,
                 "'affinity':{'podAntiAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':["
                 "{'labelSelector':{'matchLabels':{'app':'blocker'}},'topologyKey':'kubernetes.io/"
                 "hostname'}]}}"),
        "n1: blocker");
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static void test_spread_victims(void)
{
    /* n2 is full with a high-priority pod; n1's two low-priority web pods make the skew too
     * big. Removing one of them is enough (PodTopologySpread's RemovePod/AddPod). */
    snap = ck_sched_snapshot_new();
    add_node("n1", "4");
    add_node("n2", "1");
    run_on("w1", "n1", "100m", 1, ",'labels':{'app':'web'}", "2024-01-01T00:00:00Z");
    run_on("w2", "n1", "100m", 1, ",'labels':{'app':'web'}", "2024-01-02T00:00:00Z");
    run_on("w3", "n2", "1", 100, ",'labels':{'app':'web'}", NULL);
    ck_sched *s = new_sched();
    char *spec = xasprintf(
        "'topologySpreadConstraints':[{'maxSkew':1,'topologyKey':'kubernetes.io/hostname',"
        "'whenUnsatisfiable':'DoNotSchedule','labelSelector':{'matchLabels':{'app':'web'}}}]");
    ck_sched_pod *p = pod_from("1", 10, spec);
    free(spec);
    free(p->labels.v);
    ck_sched_symtab *t = ck_sched_snapshot_symtab(snap);
    p->labels.v = xmalloc(sizeof(ck_sched_label));
    p->labels.v[0] = (ck_sched_label){ck_sym_intern(t, "app"), ck_sym_intern(t, "web")};
    p->labels.n = 1;
    /* The more important (earlier started) w1 is reprieved first and stays. */
    expect(s, p, "n1: w2");
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static void test_after_preemption(void)
{
    snap = ck_sched_snapshot_new();
    add_node("n1", "2");
    add_node("n2", "2");
    run_on("low", "n1", "2", 1, NULL, NULL);
    run_on("other", "n2", "2", 100, NULL, NULL);
    ck_sched *s = new_sched();
    ck_sched_pod *p = pod_from("2", 10, NULL);
    ck_sched_result r;
    char *got = preempt(s, p, &r);
    CHECK_STR(got, "n1: low");
    free(got);
    ck_sched_result_clear(&r);
    /* The component marks the victim terminating (DisruptionTarget) and nominates the pod. */
    run_on("low", "n1", "2", 1, ",'deletionTimestamp':'2024-01-01T00:00:10Z'", NULL);
    json_t *j = js("{'kind':'Pod','metadata':{'name':'low','namespace':'default','uid':'low','"
                   "deletionTimestamp':'2024-01-01T00:00:10Z'},"
                   "'spec':{'nodeName':'n1','priority':1,'containers':[{'name':'c','resources':{'"
                   "requests':{'cpu':'2'}}}]},"
                   "'status':{'phase':'Running','conditions':[{'type':'DisruptionTarget','status':'"
                   "True','reason':'PreemptionByScheduler'}]}}");
    ck_sched_snapshot_upsert_pod(snap, j, NULL);
    json_decref(j);
    ck_sched_snapshot_nominate(snap, p, "n1");
    /* While the victim terminates, the pod waits instead of preempting more. */
    ck_sched_outcome o = ck_sched_schedule_one(s, p, &r);
    CHECK(o == CK_SCHED_OUT_UNSCHEDULABLE);
    CHECK_STR(r.message,
              "0/2 nodes are available: 2 Insufficient cpu. preemption: not eligible due to a "
              "terminating pod on the nominated node.");
    CHECK(!r.nominate);
    ck_sched_result_clear(&r);
    /* Once the victim is gone, the nominated node is tried first. */
    ck_sched_snapshot_remove_pod(snap, "low");
    CHECK(ck_sched_schedule_one(s, p, &r) == CK_SCHED_OUT_SCHEDULED);
    CHECK_STR(r.node, "n1");
    CHECK_INT(r.evaluated, 1);
    ck_sched_result_clear(&r);
    /* Assumed, it is no longer counted as nominated on n1. */
    CHECK_INT(ck_sched_snapshot_node(snap, "n1")->nnominated, 0);
    CHECK_INT(ck_sched_snapshot_node(snap, "n1")->npods, 1);
    ck_sched_pod_unref(p);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static void test_nominated_blocks(void)
{
    /* A lower-priority pod cannot take room freed for a nominated higher-priority pod. */
    snap = ck_sched_snapshot_new();
    add_node("n1", "2");
    ck_sched *s = new_sched();
    ck_sched_pod *hi = pod_from("2", 100, NULL);
    free(hi->uid);
    hi->uid = xstrdup("hi");
    ck_sched_snapshot_nominate(snap, hi, "n1");
    ck_sched_pod *lo = pod_from("1", 5, NULL);
    ck_sched_result r;
    CHECK(ck_sched_schedule_one(s, lo, &r) == CK_SCHED_OUT_UNSCHEDULABLE);
    CHECK_STR(r.message, "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are "
                         "available: 1 No preemption victims found for incoming pod.");
    ck_sched_result_clear(&r);
    ck_sched_snapshot_nominate(snap, hi, NULL);
    ck_sched_pod_unref(hi);
    ck_sched_pod_unref(lo);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

int main(void)
{
    test_pick_node();
    test_reprieve();
    test_affinity_victims();
    test_spread_victims();
    test_after_preemption();
    test_nominated_blocks();
    return UT_DONE();
}
