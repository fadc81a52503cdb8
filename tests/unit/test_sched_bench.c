/* Micro-benchmark of the scheduling core on 5,000 nodes (32 cpu, 256Gi, 110 pods, 3 zones).
 * Shapes: upstream scheduler_perf SchedulingBasic (pods requesting 100m cpu and 500Mi, no
 * owner), Deployment pods (owned by a ReplicaSet, so the default topology spreading
 * applies) and Deployment pods preferring distinct hosts (preferred pod anti-affinity), plus
 * unschedulable pods. BENCH_EXISTING=N first places N running pods per node (30: the
 * 150,000-pod cluster). Prints pods/s (parse + cycle + assume, and the cycle alone); asserts
 * only that every pod was placed. Build with -O2 against build/rel for release figures. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/util.h"
#include "scheduler/framework.h"
#include "ut.h"
#include "ut_fixtures.h"

#ifndef NODES
#define NODES 5000
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static ck_sched_snapshot *cluster(int existing)
{
    ck_sched_snapshot *snap = ck_sched_snapshot_new();
    for (int i = 0; i < NODES; i++) {
        char *s = xasprintf(
            "{'metadata':{'name':'node-%d','labels':{'kubernetes.io/hostname':'node-%d',"
            "'topology.kubernetes.io/zone':'zone-%d','kubernetes.io/os':'linux'}},'spec':{},"
            "'status':{'allocatable':{'cpu':'32','memory':'256Gi','pods':'110','ephemeral-storage':"
            "'100Gi'},"
            "'images':[{'names':['registry.k8s.io/pause:3.10'],'sizeBytes':300000}]}}",
            i, i, i % 3);
        json_t *j = js(s);
        if (ck_sched_snapshot_upsert_node(snap, j, NULL) != 0) CHECK(!"node");
        json_decref(j);
        free(s);
    }
    for (int n = 0; n < NODES && existing; n++)
        for (int k = 0; k < existing; k++) {
            char *s = xasprintf(
                "{'metadata':{'name':'run-%d-%d','namespace':'sched-0','uid':'run-%d-%d',"
                "'labels':{'app':'%s'}},'spec':{'nodeName':'node-%d','containers':[{'name':'c',"
                "'resources':{'requests':{'cpu':'100m','memory':'100Mi'}}}]},'status':{'phase':'"
                "Running'}}",
                n, k, n, k, k % 2 ? "web" : "other", n);
            json_t *j = js(s);
            ck_sched_snapshot_upsert_pod(snap, j, NULL);
            json_decref(j);
            free(s);
        }
    json_t *rs = js("{'metadata':{'name':'web-1','namespace':'sched-0'},'spec':{'selector':{'"
                    "matchLabels':{'app':'web'}}}}");
    ck_sched_snapshot_upsert_object(snap, "ReplicaSet", rs);
    json_decref(rs);
    return snap;
}

#define OWNED                                                                                      \
    ",'labels':{'app':'web'},'ownerReferences':[{'apiVersion':'apps/"                              \
    "v1','kind':'ReplicaSet','name':'web-1','controller':true}]"
#define SPREAD_HOSTS                                                                               \
    ",'affinity':{'podAntiAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':[{'weight'" \
    ":100,"                                                                                        \
    "'podAffinityTerm':{'labelSelector':{'matchLabels':{'app':'web'}},'topologyKey':'kubernetes."  \
    "io/hostname'}}]}}"

static void shape(const char *name, int pods, int existing, const char *meta, const char *spec)
{
    ck_sched_snapshot *snap = cluster(existing);
    ck_sched *sched = ck_sched_new(snap, NULL, NULL);
    ck_sched_seed(sched, 7);
    json_t **objs = xcalloc((size_t)pods, sizeof(json_t *));
    for (int i = 0; i < pods; i++) {
        char *s = xasprintf(
            "{'kind':'Pod','metadata':{'name':'pod-%d','namespace':'sched-0','uid':'uid-%d'%s},"
            "'spec':{'containers':[{'name':'pause','image':'registry.k8s.io/pause:3.10',"
            "'ports':[{'containerPort':80}],'resources':{'limits':{'cpu':'100m','memory':'500Mi'},"
            "'requests':{'cpu':'100m','memory':'500Mi'}}}]%s}}",
            i, i, meta, spec);
        objs[i] = js(s);
        free(s);
    }
    int scheduled = 0;
    double cycle = 0, t0 = now_s();
    for (int i = 0; i < pods; i++) {
        ck_sched_pod *p = ck_sched_pod_new(ck_sched_snapshot_symtab(snap), objs[i], NULL);
        ck_sched_result r;
        double c0 = now_s();
        if (ck_sched_schedule_one(sched, p, &r) == CK_SCHED_OUT_SCHEDULED) scheduled++;
        cycle += now_s() - c0;
        ck_sched_result_clear(&r);
        ck_sched_pod_unref(p);
    }
    double total = now_s() - t0;
    CHECK_INT(scheduled, pods);
    printf("%s: %d pods on %d nodes (%d running): %.0f pods/s (parse + cycle), %.0f pods/s (cycle "
           "alone, %.1f us/pod)\n",
           name, pods, NODES, existing * NODES, pods / total, pods / cycle, cycle / pods * 1e6);
    for (int i = 0; i < pods; i++)
        json_decref(objs[i]);
    free(objs);

    if (!*meta && !*spec) {
        /* Unschedulable pods: every node evaluated, the message built, preemption tried. */
        json_t *big =
            js("{'kind':'Pod','metadata':{'name':'big','namespace':'sched-0','uid':'uid-big'},"
               "'spec':{'containers':[{'name':'c','image':'x','resources':{'requests':{'cpu':'64'}}"
               "}]}}");
        int fails = 100, unschedulable = 0;
        t0 = now_s();
        for (int i = 0; i < fails; i++) {
            ck_sched_pod *p = ck_sched_pod_new(ck_sched_snapshot_symtab(snap), big, NULL);
            ck_sched_result r;
            unschedulable += ck_sched_schedule_one(sched, p, &r) == CK_SCHED_OUT_UNSCHEDULABLE;
            if (i == 0) printf("  %s\n", r.message);
            ck_sched_result_clear(&r);
            ck_sched_pod_unref(p);
        }
        printf("unschedulable pods: %.0f cycles/s\n", fails / (now_s() - t0));
        CHECK_INT(unschedulable, fails);
        json_decref(big);
    }
    ck_sched_free(sched);
    ck_sched_snapshot_free(snap);
}

int main(int argc, char **argv)
{
    int pods = argc > 1 ? atoi(argv[1]) : 20000;
    int existing = getenv("BENCH_EXISTING") ? atoi(getenv("BENCH_EXISTING")) : 0;
    shape("SchedulingBasic", pods, existing, "", "");
    shape("Deployment pods (default spreading)", pods / 4, existing, OWNED, "");
    shape("Deployment pods preferring distinct hosts", pods / 4, existing, OWNED, SPREAD_HOSTS);
    return UT_DONE();
}
