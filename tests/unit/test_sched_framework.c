/* The scheduling framework: profiles (default plugin set and weights, enable/disable,
 * MultiPoint expansion), numFeasibleNodesToFind and the rotating start, FailedScheduling
 * messages in upstream's form (FitError.Error, PreFilter and PostFilter messages), assume,
 * bind and forget, nominated pods, and random tie-breaking. Expectations follow upstream's
 * schedule_one_test.go, framework_test.go and types_test.go. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/framework.h"
#include "ut.h"
#include "ut_fixtures.h"

static ck_sched_snapshot *snap;

static void add_node(const char *name, const char *cpu, const char *mem, int pods,
                     const char *labels, const char *taints)
{
    char *s = xasprintf("{'kind':'Node','metadata':{'name':'%s','labels':%s},'spec':{'taints':%s},"
                        "'status':{'allocatable':{'cpu':'%s','memory':'%s','pods':'%d'}}}",
                        name, labels ? labels : "{}", taints ? taints : "[]", cpu, mem, pods);
    json_t *j = js(s);
    if (ck_sched_snapshot_upsert_node(snap, j, NULL) != 0) CHECK(!"upsert node");
    json_decref(j);
    free(s);
}

/* A pod in "default" with one container requesting cpu/mem (NULL: none). */
static json_t *pod_json(const char *name, const char *cpu, const char *mem, const char *spec,
                        const char *status)
{
    char *req = cpu || mem
                    ? xasprintf("'resources':{'requests':{%s%s%s%s%s%s%s}},", cpu ? "'cpu':'" : "",
                                cpu ? cpu : "", cpu ? "'" : "", cpu && mem ? "," : "",
                                mem ? "'memory':'" : "", mem ? mem : "", mem ? "'" : "")
                    : xstrdup("");
    char *s =
        xasprintf("{'kind':'Pod','metadata':{'name':'%s','namespace':'default','uid':'uid-%s'},"
                  "'spec':{'containers':[{'name':'c',%s'image':'nginx'}]%s%s},'status':{%s}}",
                  name, name, req, spec ? "," : "", spec ? spec : "", status ? status : "");
    json_t *j = js(s);
    free(s);
    free(req);
    return j;
}

static ck_sched_pod *new_pod(const char *name, const char *cpu, const char *mem, const char *spec)
{
    json_t *j = pod_json(name, cpu, mem, spec, NULL);
    ck_sched_pod *p = ck_sched_pod_new(ck_sched_snapshot_symtab(snap), j, NULL);
    json_decref(j);
    return p;
}

/* A pod already running on node. */
static void add_running(const char *name, const char *node, const char *cpu, const char *mem,
                        int priority)
{
    char *spec = xasprintf("'nodeName':'%s','priority':%d", node, priority);
    json_t *j = pod_json(name, cpu, mem, spec, "'phase':'Running'");
    CHECK(ck_sched_snapshot_upsert_pod(snap, j, NULL) == 0);
    json_decref(j);
    free(spec);
}

static ck_sched *new_sched(const char *config)
{
    json_t *cfg = config ? js(config) : NULL;
    ck_err *err = NULL;
    ck_sched *s = ck_sched_new(snap, cfg, &err);
    if (!s) fprintf(stderr, "ck_sched_new: %s\n", err->message);
    ck_err_free(err);
    json_decref(cfg);
    ck_sched_seed(s, 42);
    return s;
}

/* Schedules a pod and returns the FailedScheduling message or the node (caller frees). */
static char *schedule(ck_sched *s, ck_sched_pod *p, ck_sched_result *r)
{
    ck_sched_outcome o = ck_sched_schedule_one(s, p, r);
    return xstrdup(o == CK_SCHED_OUT_SCHEDULED ? r->node : r->message ? r->message : "?");
}

static void test_profiles(void)
{
    snap = ck_sched_snapshot_new();
    ck_sched *s = new_sched(NULL);
    char *d = ck_sched_describe(s, "default-scheduler", "Filter");
    CHECK_STR(d, "NodeUnschedulable,NodeName,TaintToleration,NodeAffinity,NodePorts,"
                 "NodeResourcesFit,VolumeBinding,PodTopologySpread,InterPodAffinity");
    free(d);
    d = ck_sched_describe(s, "default-scheduler", "Score");
    CHECK_STR(d, "TaintToleration:3,NodeAffinity:2,NodeResourcesFit:1,PodTopologySpread:2,"
                 "InterPodAffinity:2,NodeResourcesBalancedAllocation:1,ImageLocality:1");
    free(d);
    d = ck_sched_describe(s, "default-scheduler", "PreFilter");
    CHECK_STR(d, "NodeAffinity,NodePorts,NodeResourcesFit,VolumeBinding,PodTopologySpread,"
                 "InterPodAffinity");
    free(d);
    d = ck_sched_describe(s, "default-scheduler", "PostFilter");
    CHECK_STR(d, "DefaultPreemption");
    free(d);
    d = ck_sched_describe(s, "default-scheduler", "Bind");
    CHECK_STR(d, "DefaultBinder");
    free(d);
    CHECK(!ck_sched_has_profile(s, "other"));
    ck_sched_free(s);

    /* Disable at one point, re-weight through MultiPoint, a second profile. */
    s = new_sched("{'profiles':[{'schedulerName':'default-scheduler','plugins':{"
                  "'score':{'disabled':[{'name':'ImageLocality'}],'enabled':[{'name':'NodeAffinity'"
                  ",'weight':5}]},"
                  "'multiPoint':{'enabled':[{'name':'TaintToleration','weight':7}]}}},"
                  "{'schedulerName':'lean','plugins':{'multiPoint':{'disabled':[{'name':'*'}],"
                  "'enabled':[{'name':'NodeResourcesFit'},{'name':'DefaultBinder'}]}}}]}");
    d = ck_sched_describe(s, "default-scheduler", "Score");
    /* The explicit Score entry keeps its place first (an override), then MultiPoint. */
    CHECK_STR(d, "NodeAffinity:5,TaintToleration:7,NodeResourcesFit:1,PodTopologySpread:2,"
                 "InterPodAffinity:2,NodeResourcesBalancedAllocation:1");
    free(d);
    d = ck_sched_describe(s, "lean", "Filter");
    CHECK_STR(d, "NodeResourcesFit");
    free(d);
    d = ck_sched_describe(s, "lean", "PostFilter");
    CHECK_STR(d, "");
    free(d);
    ck_sched_free(s);

    /* Filter disabled with "*" keeps only explicit filters. */
    s = new_sched("{'profiles':[{'plugins':{'filter':{'disabled':[{'name':'*'}],"
                  "'enabled':[{'name':'NodeName'}]}}}]}");
    d = ck_sched_describe(s, "default-scheduler", "Filter");
    CHECK_STR(d, "NodeName");
    free(d);
    ck_sched_free(s);

    ck_err *err = NULL;
    json_t *cfg = js("{'profiles':[{'plugins':{'filter':{'enabled':[{'name':'Nope'}]}}}]}");
    CHECK(ck_sched_new(snap, cfg, &err) == NULL);
    CHECK_STR(err ? err->message : NULL, "FilterPlugin \"Nope\" does not exist");
    ck_err_free(err);
    json_decref(cfg);
    err = NULL;
    cfg = js("{'profiles':[{'plugins':{'score':{'enabled':[{'name':'NodeName'}]}}}]}");
    CHECK(ck_sched_new(snap, cfg, &err) == NULL);
    CHECK_STR(err ? err->message : NULL, "plugin \"NodeName\" does not extend ScorePlugin plugin");
    ck_err_free(err);
    json_decref(cfg);
    err = NULL;
    cfg = js("{'profiles':[{'schedulerName':'a'},{'schedulerName':'a'}]}");
    CHECK(ck_sched_new(snap, cfg, &err) == NULL);
    CHECK_STR(err ? err->message : NULL, "duplicate profile with scheduler name \"a\"");
    ck_err_free(err);
    json_decref(cfg);
    err = NULL;
    cfg = js("{'profiles':[{'pluginConfig':[{'name':'NodeResourcesFit','args':{'scoringStrategy':{'"
             "type':'Bogus'}}}]}]}");
    CHECK(ck_sched_new(snap, cfg, &err) == NULL);
    CHECK_STR(err ? err->message : NULL,
              "initializing plugin \"NodeResourcesFit\": scoring strategy Bogus is not supported");
    ck_err_free(err);
    json_decref(cfg);
    ck_sched_snapshot_free(snap);
}

static void nodes(int n)
{
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof(name), "node-%04d", i);
        add_node(name, "32", "256Gi", 110, NULL, NULL);
    }
}

static uint32_t evaluated(int num_nodes, const char *config)
{
    snap = ck_sched_snapshot_new();
    nodes(num_nodes);
    ck_sched *s = new_sched(config);
    ck_sched_pod *p = new_pod("p", "100m", "100Mi", NULL);
    ck_sched_result r;
    ck_sched_schedule_one(s, p, &r);
    uint32_t e = r.evaluated;
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(p);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
    return e;
}

static void test_num_feasible(void)
{
    /* numFeasibleNodesToFind: all nodes under 100, else 50 - n/125 percent (at least 5%)
     * and at least 100 nodes. */
    CHECK_INT(evaluated(10, NULL), 10);
    CHECK_INT(evaluated(99, NULL), 99);
    CHECK_INT(evaluated(150, NULL), 100);
    CHECK_INT(evaluated(1000, NULL), 420);
    CHECK_INT(evaluated(5000, NULL), 500);
    CHECK_INT(evaluated(1000, "{'percentageOfNodesToScore':30}"), 300);
    CHECK_INT(evaluated(1000, "{'profiles':[{'percentageOfNodesToScore':10}]}"), 100);
    CHECK_INT(evaluated(1000, "{'percentageOfNodesToScore':100}"), 1000);

    /* The next cycle starts where the previous one stopped. */
    snap = ck_sched_snapshot_new();
    nodes(1000);
    ck_sched *s = new_sched(NULL);
    for (int i = 0; i < 2; i++) {
        ck_sched_pod *p = new_pod(i ? "p1" : "p0", "100m", "100Mi", NULL);
        ck_sched_result r;
        CHECK(ck_sched_schedule_one(s, p, &r) == CK_SCHED_OUT_SCHEDULED);
        int idx = r.node ? atoi(r.node + 5) : -1;
        CHECK(i == 0 ? idx < 420 : (idx >= 420 && idx < 840));
        ck_sched_result_clear(&r);
        ck_sched_pod_unref(p);
    }
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static void test_messages(void)
{
    snap = ck_sched_snapshot_new();
    ck_sched *s = new_sched(NULL);
    ck_sched_pod *p = new_pod("p", "1", NULL, NULL);
    ck_sched_result r;
    char *m = schedule(s, p, &r);
    CHECK_STR(m, "no nodes available to schedule pods");
    free(m);
    ck_sched_result_clear(&r);

    add_node("cp", "4", "8Gi", 110, NULL,
             "[{'key':'node-role.kubernetes.io/control-plane','effect':'NoSchedule'}]");
    add_node("w1", "2", "8Gi", 110, NULL, NULL);
    add_node("w2", "2", "8Gi", 110, NULL, NULL);
    ck_sched_pod_unref(p);
    /* The example: the request exceeds the workers' size, so preemption cannot help. */
    p = new_pod("p", "4", NULL, NULL);
    m = schedule(s, p, &r);
    CHECK_STR(m, "0/3 nodes are available: 1 node(s) had untolerated taint "
                 "{node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 "
                 "nodes are available: 3 Preemption is not helpful for scheduling.");
    CHECK_STR(r.plugins, "NodeResourcesFit,TaintToleration");
    CHECK(r.nominate && r.nominated_node && !*r.nominated_node);
    free(m);
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(p);

    /* Fits the workers' size but they are busy with pods of equal priority. */
    add_running("a", "w1", "1500m", NULL, 0);
    add_running("b", "w2", "1500m", NULL, 0);
    p = new_pod("p", "1", "9Gi", NULL);
    m = schedule(s, p, &r);
    CHECK_STR(m, "0/3 nodes are available: 1 node(s) had untolerated taint "
                 "{node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu, 2 Insufficient "
                 "memory. preemption: 0/3 nodes are available: 3 Preemption is not helpful for "
                 "scheduling.");
    free(m);
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(p);
    p = new_pod("p", "1", NULL, NULL);
    m = schedule(s, p, &r);
    CHECK_STR(m, "0/3 nodes are available: 1 node(s) had untolerated taint "
                 "{node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 "
                 "nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption "
                 "victims found for incoming pod.");
    free(m);
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(p);

    p = new_pod("p", "1", NULL, "'preemptionPolicy':'Never'");
    m = schedule(s, p, &r);
    CHECK_STR(m, "0/3 nodes are available: 1 node(s) had untolerated taint "
                 "{node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: not "
                 "eligible due to preemptionPolicy=Never.");
    free(m);
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(p);

    /* A PreFilter rejection replaces the per-node histogram. */
    p = new_pod("p", NULL, NULL,
                "'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{"
                "'nodeSelectorTerms':[{'matchFields':[{'key':'metadata.name','operator':'In','"
                "values':['a']},"
                "{'key':'metadata.name','operator':'In','values':['b']}]}]}}}");
    m = schedule(s, p, &r);
    CHECK_STR(m, "0/3 nodes are available: pod affinity terms conflict. preemption: 0/3 nodes are "
                 "available: 3 Preemption is not helpful for scheduling.");
    CHECK_STR(r.plugins, "NodeAffinity");
    free(m);
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(p);

    /* A PreFilterResult narrows the nodes; the others count as not satisfying the plugin. */
    p = new_pod("p", "1", NULL,
                "'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{"
                "'nodeSelectorTerms':[{'matchFields':[{'key':'metadata.name','operator':'In','"
                "values':['w1']}]}]}}}");
    m = schedule(s, p, &r);
    CHECK_STR(m, "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) "
                 "[NodeAffinity]. preemption: 0/3 nodes are available: 1 No preemption victims "
                 "found for incoming pod, 2 Preemption is not helpful for scheduling.");
    CHECK_INT(r.evaluated, 1);
    free(m);
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(p);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);

    /* Histogram entries sort as strings: "10 ..." before "2 ...". */
    snap = ck_sched_snapshot_new();
    s = new_sched("{'profiles':[{'plugins':{'postFilter':{'disabled':[{'name':'*'}]}}}]}");
    for (int i = 0; i < 12; i++) {
        char n[16];
        snprintf(n, sizeof(n), "n%d", i);
        add_node(n, i < 10 ? "1" : "8", "1Gi", 110, NULL,
                 i < 10 ? NULL : "[{'key':'k','value':'v','effect':'NoExecute'}]");
    }
    p = new_pod("p", "2", NULL, NULL);
    m = schedule(s, p, &r);
    CHECK_STR(
        m,
        "0/12 nodes are available: 10 Insufficient cpu, 2 node(s) had untolerated taint {k: v}.");
    free(m);
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(p);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static const char *bound_node;
static int binds;
static int binder(void *ctx, const ck_sched_pod *pod, const char *node, ck_err **err)
{
    (void)pod;
    binds++;
    bound_node = node;
    if (ctx) return ck_error(err, 500, CK_INTERNAL, "apiserver says no");
    return 0;
}

static void test_assume_bind_forget(void)
{
    snap = ck_sched_snapshot_new();
    add_node("n1", "2", "4Gi", 110, NULL, NULL);
    ck_sched *s = new_sched(NULL);
    ck_sched_set_binder(s, binder, NULL);
    ck_sched_pod *p = new_pod("p", "1500m", NULL, NULL);
    ck_sched_result r;
    CHECK(ck_sched_schedule_one(s, p, &r) == CK_SCHED_OUT_SCHEDULED);
    CHECK_STR(r.node, "n1");
    ck_sched_result_clear(&r);
    ck_sched_node *n = ck_sched_snapshot_node(snap, "n1");
    CHECK_INT(n->requested.milli_cpu, 1500);
    CHECK_INT(n->npods, 1);
    CHECK(p->assumed);
    CHECK(ck_sched_bind(s, p, NULL) == 0);
    CHECK_INT(binds, 1);
    CHECK_STR(bound_node, "n1");

    /* The assumed pod holds its resources until the informer confirms it. */
    ck_sched_pod *q = new_pod("q", "1", NULL, NULL);
    char *m = schedule(s, q, &r);
    CHECK_STR(m, "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are "
                 "available: 1 No preemption victims found for incoming pod.");
    free(m);
    ck_sched_result_clear(&r);
    /* The bound pod arrives from the informer: replaces the assumed one. */
    add_running("p", "n1", "1500m", NULL, 0);
    CHECK_INT(n->npods, 1);
    CHECK(!p->assumed);
    ck_sched_pod_unref(p);

    /* A failing bind forgets the pod. */
    ck_sched_snapshot_remove_pod(snap, "uid-p");
    CHECK_INT(n->requested.milli_cpu, 0);
    ck_sched_set_binder(s, binder, (void *)1);
    CHECK(ck_sched_schedule_one(s, q, &r) == CK_SCHED_OUT_SCHEDULED);
    ck_sched_result_clear(&r);
    CHECK_INT(n->requested.milli_cpu, 1000);
    ck_err *err = NULL;
    CHECK(ck_sched_bind(s, q, &err) < 0);
    CHECK(err && strstr(err->message, "apiserver says no"));
    ck_err_free(err);
    CHECK_INT(n->requested.milli_cpu, 0);
    CHECK_INT(n->npods, 0);
    CHECK(!q->assumed);
    /* ck_sched_forget after a Permit wait or elsewhere. */
    CHECK(ck_sched_schedule_one(s, q, &r) == CK_SCHED_OUT_SCHEDULED);
    ck_sched_result_clear(&r);
    ck_sched_forget(s, q);
    CHECK_INT(n->npods, 0);
    ck_sched_pod_unref(q);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static void test_nominated(void)
{
    snap = ck_sched_snapshot_new();
    add_node("a", "2", "4Gi", 110, NULL, NULL);
    add_node("b", "1", "4Gi", 110, NULL, NULL);
    ck_sched *s = new_sched(NULL);
    /* A high-priority pod nominated to "a" keeps a lower-priority pod out of it. */
    ck_sched_pod *hi = new_pod("hi", "2", NULL, "'priority':1000");
    ck_sched_snapshot_nominate(snap, hi, "a");
    ck_sched_pod *lo = new_pod("lo", "1", NULL, "'priority':1");
    ck_sched_result r;
    CHECK(ck_sched_schedule_one(s, lo, &r) == CK_SCHED_OUT_SCHEDULED);
    CHECK_STR(r.node, "b");
    ck_sched_result_clear(&r);
    ck_sched_forget(s, lo);
    /* An equal-or-higher pod is not held back by a lower nominated one. */
    ck_sched_snapshot_nominate(snap, hi, NULL);
    ck_sched_snapshot_nominate(snap, lo, "a");
    ck_sched_pod *mid = new_pod("mid", "2", NULL, "'priority':500");
    CHECK(ck_sched_schedule_one(s, mid, &r) == CK_SCHED_OUT_SCHEDULED);
    CHECK_STR(r.node, "a");
    ck_sched_result_clear(&r);
    /* A pod with a nominated node tries it first. */
    ck_sched_forget(s, mid);
    ck_sched_snapshot_nominate(snap, lo, NULL);
    ck_sched_pod_unref(lo);
    lo = new_pod("lo", "100m", NULL, NULL);
    ck_sched_snapshot_nominate(snap, lo, "b");
    CHECK(ck_sched_schedule_one(s, lo, &r) == CK_SCHED_OUT_SCHEDULED);
    CHECK_STR(r.node, "b");
    CHECK_INT(r.evaluated, 1);
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(lo);
    ck_sched_pod_unref(mid);
    ck_sched_pod_unref(hi);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static void test_ties(void)
{
    snap = ck_sched_snapshot_new();
    add_node("x", "4", "8Gi", 110, NULL, NULL);
    add_node("y", "4", "8Gi", 110, NULL, NULL);
    add_node("z", "4", "8Gi", 110, NULL, NULL);
    add_node("small", "1", "8Gi", 110, NULL, NULL);
    ck_sched *s = new_sched(NULL);
    int counts[4] = {0}, failed = 0;
    for (int i = 0; i < 300; i++) {
        ck_sched_pod *p = new_pod("p", "500m", "512Mi", NULL);
        ck_sched_result r;
        if (ck_sched_schedule_one(s, p, &r) == CK_SCHED_OUT_SCHEDULED)
            counts[r.node[0] == 's' ? 3 : r.node[0] - 'x']++;
        else
            failed++;
        ck_sched_result_clear(&r);
        ck_sched_forget(s, p);
        ck_sched_pod_unref(p);
    }
    CHECK_INT(failed, 0);
    /* The three equal nodes share the picks; the smaller one scores lower. */
    CHECK(counts[0] > 60 && counts[1] > 60 && counts[2] > 60);
    CHECK_INT(counts[3], 0);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static char *order(void)
{
    uint32_t n;
    ck_sched_node *const *list = ck_sched_snapshot_nodes(snap, &n);
    char *out = xstrdup("");
    for (uint32_t i = 0; i < n; i++) {
        char *x = xasprintf("%s%s%s", out, i ? "," : "",
                            ck_sym_str(ck_sched_snapshot_symtab(snap), list[i]->name));
        free(out);
        out = x;
    }
    return out;
}

static void test_snapshot(void)
{
    snap = ck_sched_snapshot_new();
    /* A pod bound to a node not seen yet waits on a placeholder. */
    add_running("early", "late", "1", "1Gi", 0);
    CHECK_INT(ck_sched_snapshot_num_nodes(snap), 0);
    CHECK(ck_sched_snapshot_node(snap, "late") == NULL);
    /* Node tree order: zones interleaved, in order of first appearance. */
    add_node("a1", "4", "8Gi", 110, "{'topology.kubernetes.io/zone':'a'}", NULL);
    add_node("a2", "4", "8Gi", 110, "{'topology.kubernetes.io/zone':'a'}", NULL);
    add_node("a3", "4", "8Gi", 110, "{'topology.kubernetes.io/zone':'a'}", NULL);
    add_node("b1", "4", "8Gi", 110, "{'topology.kubernetes.io/zone':'b'}", NULL);
    add_node("late", "4", "8Gi", 110, "{'topology.kubernetes.io/zone':'b'}", NULL);
    char *o = order();
    CHECK_STR(o, "a1,b1,a2,late,a3");
    free(o);
    ck_sched_node *late = ck_sched_snapshot_node(snap, "late");
    CHECK(late && late->npods == 1 && late->requested.milli_cpu == 1000 &&
          late->requested.memory == 1024LL * 1024 * 1024);
    /* Moving a node to another zone moves it in the order; updates keep its pods. */
    add_node("late", "8", "8Gi", 110, "{'topology.kubernetes.io/zone':'c'}", NULL);
    o = order();
    CHECK_STR(o, "a1,b1,late,a2,a3");
    free(o);
    CHECK(late == ck_sched_snapshot_node(snap, "late") && late->npods == 1 &&
          late->alloc.milli_cpu == 8000);
    /* Terminal and unbound pods leave the snapshot; an update replaces the pod. */
    add_running("x", "a1", "500m", NULL, 0);
    ck_sched_node *a1 = ck_sched_snapshot_node(snap, "a1");
    CHECK_INT(a1->requested.milli_cpu, 500);
    add_running("x", "a1", "700m", NULL, 0);
    CHECK_INT(a1->requested.milli_cpu, 700);
    CHECK_INT(a1->npods, 1);
    json_t *j = pod_json("x", "700m", NULL, "'nodeName':'a1'", "'phase':'Succeeded'");
    CHECK(ck_sched_snapshot_upsert_pod(snap, j, NULL) == 0);
    json_decref(j);
    CHECK_INT(a1->npods, 0);
    CHECK_INT(a1->requested.milli_cpu, 0);
    CHECK_INT(a1->nz_milli_cpu, 0);
    CHECK(ck_sched_snapshot_pod(snap, "uid-x") == NULL);
    /* A removed node keeps its pods as a placeholder until they go. */
    ck_sched_snapshot_remove_node(snap, "late");
    CHECK(ck_sched_snapshot_node(snap, "late") == NULL);
    CHECK_INT(ck_sched_snapshot_num_nodes(snap), 4);
    ck_sched_snapshot_remove_pod(snap, "uid-early");
    o = order();
    CHECK_STR(o, "a1,b1,a2,a3");
    free(o);
    /* Namespaces and other objects are kept by kind and name. */
    j = js("{'kind':'StorageClass','metadata':{'name':'fast'},'provisioner':'x'}");
    ck_sched_snapshot_upsert_object(snap, NULL, j);
    json_decref(j);
    CHECK(ck_sched_snapshot_object(snap, "StorageClass", NULL, "fast") != NULL);
    ck_sched_snapshot_remove_object(snap, "StorageClass", NULL, "fast");
    CHECK(ck_sched_snapshot_object(snap, "StorageClass", NULL, "fast") == NULL);
    /* List items carry no kind: the caller names it. */
    j = js("{'metadata':{'name':'data','namespace':'ns1'},'spec':{}}");
    ck_sched_snapshot_upsert_object(snap, "PersistentVolumeClaim", j);
    ck_sched_snapshot_upsert_object(snap, "ConfigMap", j);
    json_decref(j);
    CHECK(ck_sched_snapshot_object(snap, "PersistentVolumeClaim", "ns1", "data") != NULL);
    CHECK(ck_sched_snapshot_object(snap, "ConfigMap", "ns1", "data") == NULL);
    ck_sched_snapshot_free(snap);
}

/* An out-of-tree plugin exercising Reserve, Unreserve and Permit. */
static int reserved, unreserved;
static ck_sched_status gate_reserve(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                    const ck_sched_node *node)
{
    (void)self, (void)c, (void)pod, (void)node;
    reserved++;
    return ck_sched_ok();
}

static void gate_unreserve(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                           const ck_sched_node *node)
{
    (void)self, (void)c, (void)pod, (void)node;
    unreserved++;
}

static ck_sched_status gate_permit(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                   const ck_sched_node *node, uint32_t *timeout_ms)
{
    (void)self, (void)c, (void)node;
    if (strcmp(pod->name, "deny") == 0)
        return ck_sched_st(CK_SCHED_UNSCHEDULABLE, "denied by the gate");
    if (strcmp(pod->name, "wait") == 0) {
        *timeout_ms = 1000;
        return ck_sched_st(CK_SCHED_WAIT, NULL);
    }
    return ck_sched_ok();
}

static const ck_sched_plugin_ops gate = {.name = "TestGate",
                                         .reserve = gate_reserve,
                                         .unreserve = gate_unreserve,
                                         .permit = gate_permit};

static void test_reserve_permit(void)
{
    ck_err *err = NULL;
    CHECK(ck_sched_register_plugin(&gate, NULL) >= 0);
    CHECK(ck_sched_register_plugin(&gate, &err) < 0);
    CHECK_STR(err ? err->message : NULL, "a plugin named \"TestGate\" already exists");
    ck_err_free(err);
    snap = ck_sched_snapshot_new();
    add_node("n1", "2", "4Gi", 110, NULL, NULL);
    ck_sched *s =
        new_sched("{'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'TestGate'}]}}}]}");
    char *d = ck_sched_describe(s, "default-scheduler", "Permit");
    CHECK_STR(d, "TestGate");
    free(d);
    ck_sched_pod *p = new_pod("ok", "1", NULL, NULL);
    ck_sched_result r;
    CHECK(ck_sched_schedule_one(s, p, &r) == CK_SCHED_OUT_SCHEDULED);
    CHECK_INT(reserved, 1);
    ck_sched_result_clear(&r);
    ck_sched_forget(s, p);
    CHECK_INT(unreserved, 1);
    ck_sched_pod_unref(p);
    p = new_pod("deny", "1", NULL, NULL);
    CHECK(ck_sched_schedule_one(s, p, &r) == CK_SCHED_OUT_UNSCHEDULABLE);
    CHECK_STR(r.message, "0/1 nodes are available: 1 denied by the gate.");
    CHECK_STR(r.plugins, "TestGate");
    CHECK_INT(unreserved, 2);
    CHECK(!p->assumed);
    CHECK_INT(ck_sched_snapshot_node(snap, "n1")->npods, 0);
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(p);
    p = new_pod("wait", "1", NULL, NULL);
    CHECK(ck_sched_schedule_one(s, p, &r) == CK_SCHED_OUT_WAITING);
    CHECK(p->assumed);
    ck_sched_result_clear(&r);
    CHECK(ck_sched_bind(s, p, NULL) == 0);
    ck_sched_pod_unref(p);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

int main(void)
{
    test_profiles();
    test_snapshot();
    test_num_feasible();
    test_messages();
    test_assume_bind_forget();
    test_nominated();
    test_ties();
    test_reserve_permit();
    return UT_DONE();
}
