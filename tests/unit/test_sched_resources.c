/* Pod requests as upstream's PodRequests (containers, init containers, sidecars, overhead,
 * pod-level requests, non-zero defaults), NodeResourcesFit's filter and scoring strategies,
 * BalancedAllocation, NodePorts and ImageLocality. Cases follow upstream's fit_test.go,
 * least_allocated_test.go, most_allocated_test.go, requested_to_capacity_ratio_test.go,
 * balanced_allocation_test.go, node_ports_test.go and resource helpers' tests. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/framework.h"
#include "ut.h"
#include "ut_fixtures.h"

static ck_sched_snapshot *snap;

static ck_sched_pod *pod_from(const char *spec)
{
    char *s = xasprintf("{'kind':'Pod','metadata':{'name':'p','namespace':'default','uid':'u-p'},"
                        "'spec':{%s}}",
                        spec);
    json_t *j = js(s);
    ck_err *err = NULL;
    ck_sched_pod *p = ck_sched_pod_new(ck_sched_snapshot_symtab(snap), j, &err);
    if (!p) fprintf(stderr, "pod: %s\n", err->message);
    ck_err_free(err);
    json_decref(j);
    free(s);
    return p;
}

static void test_requests(void)
{
    snap = ck_sched_snapshot_new();
    /* Upstream's example: max(sum of containers, each init container). */
    ck_sched_pod *p = pod_from(
        "'initContainers':[{'name':'i1','resources':{'requests':{'cpu':'2','memory':'1G'}}},"
        "{'name':'i2','resources':{'requests':{'cpu':'2','memory':'3G'}}}],"
        "'containers':[{'name':'c1','resources':{'requests':{'cpu':'2','memory':'1G'}}},"
        "{'name':'c2','resources':{'requests':{'cpu':'1','memory':'1G'}}}]");
    CHECK_INT(p->req.milli_cpu, 3000);
    CHECK_INT(p->req.memory, 3000000000LL);
    CHECK_INT(p->nz_milli_cpu, 3000);
    ck_sched_pod_unref(p);

    /* Sidecars (restartPolicy Always) add up and run beside later init containers. */
    p = pod_from("'initContainers':[{'name':'s1','restartPolicy':'Always','resources':{'requests':{"
                 "'cpu':'1'}}},"
                 "{'name':'i1','resources':{'requests':{'cpu':'3'}}},"
                 "{'name':'s2','restartPolicy':'Always','resources':{'requests':{'cpu':'500m'}}}],"
                 "'containers':[{'name':'c','resources':{'requests':{'cpu':'1'}}}]");
    /* containers 1 + sidecars 1.5 = 2.5; init i1 runs with s1: 3 + 1 = 4. */
    CHECK_INT(p->req.milli_cpu, 4000);
    ck_sched_pod_unref(p);
    p = pod_from("'initContainers':[{'name':'s1','restartPolicy':'Always','resources':{'requests':{"
                 "'cpu':'2'}}},"
                 "{'name':'i1','resources':{'requests':{'cpu':'1'}}}],"
                 "'containers':[{'name':'c','resources':{'requests':{'cpu':'2'}}}]");
    CHECK_INT(p->req.milli_cpu, 4000);
    ck_sched_pod_unref(p);

    /* Overhead, extended resources, hugepages; unknown names ignored. */
    p = pod_from("'overhead':{'cpu':'250m','memory':'120Mi'},"
                 "'containers':[{'name':'c','resources':{'requests':{'cpu':'1','memory':'1Gi',"
                 "'ephemeral-storage':'2Gi','example.com/"
                 "gpu':'2','hugepages-2Mi':'4Mi','storage':'5Gi'}}}]");
    CHECK_INT(p->req.milli_cpu, 1250);
    CHECK_INT(p->req.memory, 1024LL * 1024 * 1024 + 120LL * 1024 * 1024);
    CHECK_INT(p->req.ephemeral, 2LL * 1024 * 1024 * 1024);
    ck_sched_symtab *t = ck_sched_snapshot_symtab(snap);
    CHECK_INT(ck_sched_scalar_get(&p->req_sc, ck_sym_intern(t, "example.com/gpu")), 2);
    CHECK_INT(ck_sched_scalar_get(&p->req_sc, ck_sym_intern(t, "hugepages-2Mi")),
              4LL * 1024 * 1024);
    CHECK_INT(p->req_sc.n, 2);
    ck_sched_pod_unref(p);

    /* Non-zero defaults: 100m and 200Mi per container lacking a request (init too). */
    p = pod_from("'initContainers':[{'name':'i'}],"
                 "'containers':[{'name':'a'},{'name':'b','resources':{'requests':{'cpu':'0'}}}]");
    CHECK_INT(p->req.milli_cpu, 0);
    CHECK_INT(p->req.memory, 0);
    CHECK_INT(p->nz_milli_cpu, 100);                  /* b's explicit 0 is kept */
    CHECK_INT(p->nz_memory, 2 * 200LL * 1024 * 1024); /* a and b */
    CHECK_INT(p->sc_milli_cpu, 100);
    CHECK(!p->gated);
    ck_sched_pod_unref(p);
    p = pod_from("'schedulingGates':[{'name':'wait'}],'containers':[{'name':'a'}]");
    CHECK(p->gated);
    ck_sched_pod_unref(p);

    /* Pod-level requests replace the container aggregate for cpu and memory. */
    p = pod_from("'resources':{'requests':{'cpu':'3','memory':'1Gi'}},"
                 "'containers':[{'name':'a','resources':{'requests':{'cpu':'1'}}},{'name':'b'}]");
    CHECK_INT(p->req.milli_cpu, 3000);
    CHECK_INT(p->req.memory, 1024LL * 1024 * 1024);
    CHECK_INT(p->nz_milli_cpu, 3000);
    CHECK_INT(p->nz_memory, 1024LL * 1024 * 1024);
    ck_sched_pod_unref(p);

    /* A malformed quantity is an error. */
    json_t *j = js("{'metadata':{'name':'x','uid':'x'},'spec':{'containers':[{'resources':{'"
                   "requests':{'cpu':'lots'}}}]}}");
    ck_err *err = NULL;
    CHECK(ck_sched_pod_new(t, j, &err) == NULL);
    CHECK(err && err->code == 400);
    ck_err_free(err);
    json_decref(j);
    ck_sched_snapshot_free(snap);
}

/* ---- Filter and score through the framework ----------------------------------------------- */

static void add_node(const char *name, const char *alloc, const char *images)
{
    char *s = xasprintf("{'kind':'Node','metadata':{'name':'%s'},'spec':{},"
                        "'status':{'allocatable':{%s},'images':%s}}",
                        name, alloc, images ? images : "[]");
    json_t *j = js(s);
    if (ck_sched_snapshot_upsert_node(snap, j, NULL) != 0) CHECK(!"node");
    json_decref(j);
    free(s);
}

static void run_on(const char *name, const char *node, const char *spec)
{
    char *s = xasprintf("{'kind':'Pod','metadata':{'name':'%s','namespace':'default','uid':'u-%s'},"
                        "'spec':{'nodeName':'%s',%s},'status':{'phase':'Running'}}",
                        name, name, node, spec);
    json_t *j = js(s);
    if (ck_sched_snapshot_upsert_pod(snap, j, NULL) != 0) CHECK(!"pod");
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
    ck_sched_seed(s, 1);
    return s;
}

/* Schedules spec; returns the node or the message (caller frees) and forgets the pod. */
static char *try(ck_sched *s, const char *spec)
{
    ck_sched_pod *p = pod_from(spec);
    ck_sched_result r;
    ck_sched_outcome o = ck_sched_schedule_one(s, p, &r);
    char *out = xstrdup(o == CK_SCHED_OUT_SCHEDULED ? r.node : r.message ? r.message : "?");
    if (o == CK_SCHED_OUT_SCHEDULED) ck_sched_forget(s, p);
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(p);
    return out;
}

#define NOPOST "{'profiles':[{'plugins':{'postFilter':{'disabled':[{'name':'*'}]}}}]}"

static void expect(ck_sched *s, const char *spec, const char *want)
{
    char *got = try(s, spec);
    CHECK_STR(got, want);
    free(got);
}

static void test_fit_filter(void)
{
    snap = ck_sched_snapshot_new();
    add_node("n",
             "'cpu':'10','memory':'20','pods':'3','ephemeral-storage':'20','example.com/"
             "aaa':'5','kubernetes.io/bbb':'1'",
             NULL);
    run_on("a", "n",
           "'containers':[{'resources':{'requests':{'cpu':'5','memory':'19','ephemeral-storage':'5'"
           ",'example.com/aaa':'2'}}}]");
    ck_sched *s = sched_with(NOPOST);
    expect(s, "'containers':[{'resources':{'requests':{'cpu':'5','memory':'1'}}}]", "n");
    expect(s, "'containers':[{'resources':{'requests':{'cpu':'6','memory':'1'}}}]",
           "0/1 nodes are available: 1 Insufficient cpu.");
    expect(s, "'containers':[{'resources':{'requests':{'cpu':'6','memory':'2'}}}]",
           "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.");
    expect(s, "'containers':[{'resources':{'requests':{'ephemeral-storage':'16'}}}]",
           "0/1 nodes are available: 1 Insufficient ephemeral-storage.");
    expect(s, "'containers':[{'resources':{'requests':{'example.com/aaa':'4'}}}]",
           "0/1 nodes are available: 1 Insufficient example.com/aaa.");
    expect(s, "'containers':[{'resources':{'requests':{'example.com/ccc':'1'}}}]",
           "0/1 nodes are available: 1 Insufficient example.com/ccc.");
    expect(s, "'containers':[{'resources':{'requests':{'kubernetes.io/bbb':'2'}}}]",
           "0/1 nodes are available: 1 Insufficient kubernetes.io/bbb.");
    /* The init container's larger request counts. */
    expect(s,
           "'initContainers':[{'resources':{'requests':{'cpu':'6'}}}],'containers':[{'resources':{'"
           "requests':{'cpu':'1'}}}]",
           "0/1 nodes are available: 1 Insufficient cpu.");
    /* A pod requesting nothing only needs a pod slot. */
    expect(s, "'containers':[{'name':'c'}]", "n");
    run_on("b", "n", "'containers':[{'name':'c'}]");
    run_on("c", "n", "'containers':[{'name':'c'}]");
    expect(s, "'containers':[{'name':'c'}]", "0/1 nodes are available: 1 Too many pods.");
    expect(s, "'containers':[{'resources':{'requests':{'cpu':'6'}}}]",
           "0/1 nodes are available: 1 Insufficient cpu, 1 Too many pods.");
    ck_sched_free(s);

    /* ignoredResources / ignoredResourceGroups skip extended resources only. */
    s = sched_with(
        "{'profiles':[{'plugins':{'postFilter':{'disabled':[{'name':'*'}]}},"
        "'pluginConfig':[{'name':'NodeResourcesFit','args':{'ignoredResources':['example.com/ccc'],"
        "'ignoredResourceGroups':['example.org']}}]}]}");
    ck_sched_snapshot_remove_pod(snap, "u-c");
    expect(s,
           "'containers':[{'resources':{'requests':{'example.com/ccc':'1','example.org/x':'3'}}}]",
           "n");
    expect(s, "'containers':[{'resources':{'requests':{'example.com/aaa':'4'}}}]",
           "0/1 nodes are available: 1 Insufficient example.com/aaa.");
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);

    /* Unresolvable (bigger than the node) vs. resolvable (freed by preemption). */
    snap = ck_sched_snapshot_new();
    add_node("n", "'cpu':'2','memory':'4Gi','pods':'10'", NULL);
    run_on("low", "n", "'priority':1,'containers':[{'resources':{'requests':{'cpu':'1500m'}}}]");
    s = sched_with(NULL);
    expect(s, "'priority':10,'containers':[{'resources':{'requests':{'cpu':'3'}}}]",
           "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 "
           "Preemption is not helpful for scheduling.");
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

/* The normalized score plugin gives node "n1" for spec (-1: not scored), via explain. */
static int64_t score_of(ck_sched *s, const char *spec, const char *plugin)
{
    ck_sched_pod *p = pod_from(spec);
    json_t *e = ck_sched_explain(s, p);
    json_t *v = json_object_get(
        json_object_get(json_object_get(json_object_get(e, "nodes"), "n1"), "scores"), plugin);
    int64_t out = json_is_integer(v) ? json_integer_value(v) : -1;
    json_decref(e);
    ck_sched_pod_unref(p);
    return out;
}

static ck_sched *score_setup(const char *fit_args, const char *ba_args)
{
    snap = ck_sched_snapshot_new();
    add_node("n1", "'cpu':'4','memory':'10000','pods':'10','example.com/gpu':'4'",
             "[{'names':['busybox:latest'],'sizeBytes':314572800}]");
    add_node("n2", "'cpu':'4','memory':'10000','pods':'10'", NULL);
    run_on("r", "n1", "'containers':[{'resources':{'requests':{'cpu':'2','memory':'1000'}}}]");
    char *cfg = xasprintf("{'profiles':[{'pluginConfig':[{'name':'NodeResourcesFit','args':%s},"
                          "{'name':'NodeResourcesBalancedAllocation','args':%s}]}]}",
                          fit_args ? fit_args : "{}", ba_args ? ba_args : "{}");
    ck_sched *s = sched_with(cfg);
    free(cfg);
    return s;
}

#define POD_1CPU "'containers':[{'resources':{'requests':{'cpu':'1','memory':'1000'}}}]"

static void test_scoring(void)
{
    /* LeastAllocated (default): cpu (4000-3000)/4000 = 25, memory (10000-2000)/10000 = 80. */
    ck_sched *s = score_setup(NULL, NULL);
    CHECK_INT(score_of(s, POD_1CPU, "NodeResourcesFit"), (25 + 80) / 2);
    /* Non-zero defaults: 100m and 200Mi for a pod requesting nothing. */
    ck_sched_snapshot_remove_pod(snap, "u-r");
    CHECK_INT(score_of(s, "'containers':[{'name':'c'}]", "NodeResourcesFit"), (97 + 0) / 2);
    /* BalancedAllocation skips best-effort pods. */
    CHECK_INT(score_of(s, "'containers':[{'name':'c'}]", "NodeResourcesBalancedAllocation"), -1);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);

    s = score_setup("{'scoringStrategy':{'type':'LeastAllocated','resources':[{'name':'cpu','"
                    "weight':3},{'name':'memory','weight':1}]}}",
                    NULL);
    CHECK_INT(score_of(s, POD_1CPU, "NodeResourcesFit"), (25 * 3 + 80) / 4);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);

    s = score_setup("{'scoringStrategy':{'type':'MostAllocated'}}", NULL);
    CHECK_INT(score_of(s, POD_1CPU, "NodeResourcesFit"), (75 + 20) / 2);
    /* Requests above capacity (here the 200Mi memory default) count as full. */
    CHECK_INT(
        score_of(s, "'containers':[{'resources':{'requests':{'cpu':'1'}}}]", "NodeResourcesFit"),
        (75 + 100) / 2);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);

    /* RequestedToCapacityRatio: shape scores 0-10 scaled to 0-100, average rounded. */
    s = score_setup(
        "{'scoringStrategy':{'type':'RequestedToCapacityRatio','requestedToCapacityRatio':"
        "{'shape':[{'utilization':0,'score':0},{'utilization':100,'score':10}]}}}",
        NULL);
    CHECK_INT(score_of(s, POD_1CPU, "NodeResourcesFit"), 48); /* round(47.5) */
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
    s = score_setup(
        "{'scoringStrategy':{'type':'RequestedToCapacityRatio','requestedToCapacityRatio':"
        "{'shape':[{'utilization':0,'score':10},{'utilization':50,'score':2},{'utilization':100,'"
        "score':0}]}}}",
        NULL);
    /* cpu 75%: 20 + (0-20)*(75-50)/50 = 10; memory 20%: 100 + (20-100)*20/50 = 68. */
    CHECK_INT(score_of(s, POD_1CPU, "NodeResourcesFit"), 39);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);

    /* Extended resources are scored only when the pod requests them. */
    s = score_setup("{'scoringStrategy':{'resources':[{'name':'cpu','weight':1},{'name':'example."
                    "com/gpu','weight':1}]}}",
                    NULL);
    CHECK_INT(score_of(s, POD_1CPU, "NodeResourcesFit"), 25);
    CHECK_INT(
        score_of(s, "'containers':[{'resources':{'requests':{'cpu':'1','example.com/gpu':'1'}}}]",
                 "NodeResourcesFit"),
        (25 + 75) / 2);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);

    /* BalancedAllocation: fractions 0.75 and 0.2 -> std 0.275 -> 72. */
    s = score_setup(NULL, NULL);
    CHECK_INT(score_of(s, POD_1CPU, "NodeResourcesBalancedAllocation"), 72);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
    s = score_setup(NULL, "{'resources':[{'name':'cpu','weight':1},{'name':'memory','weight':1},{'"
                          "name':'example.com/gpu','weight':1}]}");
    /* fractions .75, .2, .5: mean .4833, std = sqrt(((.2667)^2+(.2833)^2+(.0167)^2)/3) = .2248 */
    CHECK_INT(score_of(s,
                       "'containers':[{'resources':{'requests':{'cpu':'1','memory':'1000','example."
                       "com/gpu':'2'}}}]",
                       "NodeResourcesBalancedAllocation"),
              77);
    /* ImageLocality: 300MB on 1 of 2 nodes -> 150MB over [23MB, 1000MB]. */
    CHECK_INT(score_of(s, "'containers':[{'image':'busybox','resources':{'requests':{'cpu':'1'}}}]",
                       "ImageLocality"),
              12);
    CHECK_INT(
        score_of(s, "'containers':[{'image':'busybox:1.0','resources':{'requests':{'cpu':'1'}}}]",
                 "ImageLocality"),
        0);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

static void test_ports(void)
{
    snap = ck_sched_snapshot_new();
    add_node("n", "'cpu':'4','memory':'4Gi','pods':'10'", NULL);
    run_on("a", "n",
           "'containers':[{'ports':[{'hostPort':8080,'hostIP':'127.0.0.1','protocol':'TCP'},"
           "{'hostPort':9090}]}]");
    ck_sched *s = sched_with(NOPOST);
    const char *busy =
        "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports.";
    expect(s, "'containers':[{'ports':[{'hostPort':8080}]}]", busy);
    expect(s, "'containers':[{'ports':[{'hostPort':8080,'hostIP':'127.0.0.1'}]}]", busy);
    expect(s, "'containers':[{'ports':[{'hostPort':8080,'hostIP':'127.0.0.2'}]}]", "n");
    expect(s, "'containers':[{'ports':[{'hostPort':8080,'protocol':'UDP'}]}]", "n");
    expect(s, "'containers':[{'ports':[{'hostPort':9090,'hostIP':'10.0.0.1'}]}]", busy);
    expect(s, "'containers':[{'ports':[{'containerPort':9090}]}]", "n");
    /* Sidecar ports count; plain init container ports do not. */
    expect(s,
           "'initContainers':[{'restartPolicy':'Always','ports':[{'hostPort':9090}]}],'containers':"
           "[{}]",
           busy);
    expect(s, "'initContainers':[{'ports':[{'hostPort':9090}]}],'containers':[{}]", "n");
    /* Removing the pod frees its ports. */
    ck_sched_snapshot_remove_pod(snap, "u-a");
    expect(s, "'containers':[{'ports':[{'hostPort':8080}]}]", "n");
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
}

/* Malformed objects (wrong types, nulls) are tolerated like absent fields. */
static void test_malformed(void)
{
    snap = ck_sched_snapshot_new();
    static const char *const pods[] = {
        "{}",
        "{'metadata':null,'spec':null,'status':null}",
        "{'metadata':{'labels':[1,2],'ownerReferences':{}},'spec':{'containers':'x','tolerations':{"
        "},"
        "'affinity':[],'nodeSelector':[],'topologySpreadConstraints':{},'volumes':[1,null]}}",
        "{'spec':{'containers':[null,1,{'resources':null},{'resources':{'requests':[]}},{'ports':["
        "null,{'hostPort':'80'}]}],"
        "'affinity':{'podAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':[null,{'"
        "labelSelector':null}]},"
        "'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':["
        "null,{'matchExpressions':[null]}]}}},"
        "'topologySpreadConstraints':[null,{'maxSkew':'1'}],'tolerations':[null,{'effect':5}]}}",
    };
    for (size_t i = 0; i < sizeof(pods) / sizeof(pods[0]); i++) {
        json_t *j = js(pods[i]);
        ck_sched_pod *p = ck_sched_pod_new(ck_sched_snapshot_symtab(snap), j, NULL);
        CHECK(p != NULL);
        ck_sched_pod_unref(p);
        json_decref(j);
    }
    json_t *bad = js("{'metadata':{'labelSelector':1},'spec':{'containers':[{'resources':{'"
                     "requests':{'cpu':{}}}}]}}");
    CHECK(ck_sched_pod_new(ck_sched_snapshot_symtab(snap), bad, NULL) == NULL);
    json_decref(bad);
    bad = js("{'spec':{'affinity':{'podAntiAffinity':{'"
             "requiredDuringSchedulingIgnoredDuringExecution':[{'labelSelector':"
             "{'matchExpressions':[{'key':'a','operator':'Near'}]}}]}}}}");
    ck_err *err = NULL;
    CHECK(ck_sched_pod_new(ck_sched_snapshot_symtab(snap), bad, &err) == NULL);
    CHECK_STR(err ? err->message : NULL, "Near is not a valid label selector operator");
    ck_err_free(err);
    json_decref(bad);
    json_t *n = js("{'metadata':{'name':'n','labels':null},'spec':{'taints':[null,{}]},'status':{'"
                   "allocatable':{'cpu':'x','memory':[]},'images':[null,{'names':[1]}]}}");
    CHECK(ck_sched_snapshot_upsert_node(snap, n, NULL) == 0);
    json_decref(n);
    n = js("{'metadata':{}}");
    CHECK(ck_sched_snapshot_upsert_node(snap, n, NULL) < 0);
    json_decref(n);
    ck_sched_snapshot_free(snap);
}

int main(void)
{
    test_requests();
    test_malformed();
    test_fit_filter();
    test_scoring();
    test_ports();
    return UT_DONE();
}
