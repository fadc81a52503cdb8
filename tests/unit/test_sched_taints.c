/* TaintToleration (NoSchedule/NoExecute filter, PreferNoSchedule score) and
 * NodeUnschedulable. Cases after upstream's taint_toleration_test.go,
 * node_unschedulable_test.go and the toleration helpers' tests. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/framework.h"
#include "ut.h"
#include "ut_fixtures.h"

static ck_sched_snapshot *snap;

static void add_node(const char *name, const char *taints, bool unschedulable)
{
    char *s =
        xasprintf("{'kind':'Node','metadata':{'name':'%s'},'spec':{'taints':%s,'unschedulable':%s},"
                  "'status':{'allocatable':{'cpu':'4','memory':'8Gi','pods':'110'}}}",
                  name, taints, unschedulable ? "true" : "false");
    json_t *j = js(s);
    if (ck_sched_snapshot_upsert_node(snap, j, NULL) != 0) CHECK(!"node");
    json_decref(j);
    free(s);
}

static ck_sched_pod *pod_with(const char *tolerations)
{
    char *s = xasprintf("{'kind':'Pod','metadata':{'name':'p','namespace':'default','uid':'u-p'},"
                        "'spec':{'containers':[{'name':'c'}],'tolerations':%s}}",
                        tolerations);
    json_t *j = js(s);
    ck_sched_pod *p = ck_sched_pod_new(ck_sched_snapshot_symtab(snap), j, NULL);
    json_decref(j);
    free(s);
    return p;
}

static ck_sched *new_sched(void)
{
    json_t *cfg = js("{'profiles':[{'plugins':{'postFilter':{'disabled':[{'name':'*'}]}}}]}");
    ck_sched *s = ck_sched_new(snap, cfg, NULL);
    json_decref(cfg);
    ck_sched_seed(s, 9);
    return s;
}

static char *schedule(ck_sched *s, const char *tolerations)
{
    ck_sched_pod *p = pod_with(tolerations);
    ck_sched_result r;
    ck_sched_outcome o = ck_sched_schedule_one(s, p, &r);
    char *out = xstrdup(o == CK_SCHED_OUT_SCHEDULED ? r.node : r.message);
    if (o == CK_SCHED_OUT_SCHEDULED) ck_sched_forget(s, p);
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(p);
    return out;
}

static void expect(ck_sched *s, const char *tolerations, const char *want)
{
    char *got = schedule(s, tolerations);
    CHECK_STR(got, want);
    free(got);
}

static void test_filter(void)
{
    snap = ck_sched_snapshot_new();
    add_node("n",
             "[{'key':'dedicated','value':'user1','effect':'NoSchedule'},"
             "{'key':'gpu','effect':'NoExecute'},{'key':'soft','value':'x','effect':'"
             "PreferNoSchedule'}]",
             false);
    ck_sched *s = new_sched();
    const char *first =
        "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: user1}.";
    const char *second = "0/1 nodes are available: 1 node(s) had untolerated taint {gpu: }.";
    expect(s, "[]", first);
    expect(s, "[{'key':'dedicated','operator':'Equal','value':'user1','effect':'NoSchedule'}]",
           second);
    expect(s, "[{'key':'dedicated','value':'user1'},{'key':'gpu','operator':'Exists'}]", "n");
    /* Value must match for Equal (the default operator); Exists ignores it. */
    expect(s, "[{'key':'dedicated','value':'user2'},{'key':'gpu','operator':'Exists'}]", first);
    expect(s,
           "[{'key':'dedicated','operator':'Exists'},{'key':'gpu','operator':'Exists','effect':'"
           "NoExecute'}]",
           "n");
    /* An effect restricts the toleration to that effect. */
    expect(s,
           "[{'key':'dedicated','operator':'Exists','effect':'NoExecute'},{'key':'gpu','operator':'"
           "Exists'}]",
           first);
    /* An empty key with Exists tolerates everything. */
    expect(s, "[{'operator':'Exists'}]", "n");
    expect(s, "[{'operator':'Exists','effect':'NoSchedule'}]", second);
    /* Unknown operators tolerate nothing. */
    expect(s, "[{'key':'dedicated','operator':'Bogus'},{'key':'gpu','operator':'Exists'}]", first);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static int64_t score(ck_sched *s, const char *tolerations, const char *node)
{
    ck_sched_pod *p = pod_with(tolerations);
    json_t *e = ck_sched_explain(s, p);
    json_t *v = json_object_get(
        json_object_get(json_object_get(json_object_get(e, "nodes"), node), "scores"),
        "TaintToleration");
    int64_t out = json_is_integer(v) ? json_integer_value(v) : -1;
    json_decref(e);
    ck_sched_pod_unref(p);
    return out;
}

static void test_score(void)
{
    snap = ck_sched_snapshot_new();
    add_node("two",
             "[{'key':'a','value':'1','effect':'PreferNoSchedule'},{'key':'b','value':'2','effect':"
             "'PreferNoSchedule'}]",
             false);
    add_node("one", "[{'key':'a','value':'1','effect':'PreferNoSchedule'}]", false);
    add_node("none", "[]", false);
    ck_sched *s = new_sched();
    /* Fewer intolerable PreferNoSchedule taints is better: counts 2, 1, 0 reversed. */
    CHECK_INT(score(s, "[]", "two"), 0);
    CHECK_INT(score(s, "[]", "one"), 50);
    CHECK_INT(score(s, "[]", "none"), 100);
    /* Tolerating "a" (empty effect or PreferNoSchedule) leaves counts 1, 0, 0. */
    CHECK_INT(score(s, "[{'key':'a','operator':'Exists'}]", "two"), 0);
    CHECK_INT(score(s, "[{'key':'a','operator':'Exists','effect':'PreferNoSchedule'}]", "one"),
              100);
    /* A NoSchedule toleration does not count for scoring. */
    CHECK_INT(score(s, "[{'key':'a','operator':'Exists','effect':'NoSchedule'}]", "one"), 50);
    /* All tolerated: every node scores 100. */
    CHECK_INT(score(s, "[{'operator':'Exists'}]", "two"), 100);
    char *got = schedule(s, "[]");
    CHECK_STR(got, "none");
    free(got);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static void test_unschedulable(void)
{
    snap = ck_sched_snapshot_new();
    add_node("cordoned", "[]", true);
    ck_sched *s = new_sched();
    expect(s, "[]", "0/1 nodes are available: 1 node(s) were unschedulable.");
    expect(s,
           "[{'key':'node.kubernetes.io/unschedulable','operator':'Exists','effect':'NoSchedule'}]",
           "cordoned");
    expect(s,
           "[{'key':'node.kubernetes.io/unschedulable','operator':'Exists','effect':'NoExecute'}]",
           "0/1 nodes are available: 1 node(s) were unschedulable.");
    /* Uncordoning takes effect on the next cycle. */
    add_node("cordoned", "[]", false);
    expect(s, "[]", "cordoned");
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

int main(void)
{
    test_filter();
    test_score();
    test_unschedulable();
    return UT_DONE();
}
