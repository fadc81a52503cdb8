/* VolumeBinding, basic: missing, lost, deleting and unbound-immediate claims at PreFilter;
 * bound PVs' node affinity; WaitForFirstConsumer claims matched to available PVs or to a
 * provisioner's allowed topologies. Messages as upstream's volumebinding plugin. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/framework.h"
#include "ut.h"
#include "ut_fixtures.h"

static ck_sched_snapshot *snap;

static void obj(const char *text)
{
    json_t *j = js(text);
    ck_sched_snapshot_upsert_object(snap, NULL, j);
    json_decref(j);
}

static void add_node(const char *name, const char *zone)
{
    char *s =
        xasprintf("{'kind':'Node','metadata':{'name':'%s','labels':{'kubernetes.io/hostname':'%s',"
                  "'topology.kubernetes.io/zone':'%s'}},'spec':{},"
                  "'status':{'allocatable':{'cpu':'4','memory':'8Gi','pods':'110'}}}",
                  name, name, zone);
    json_t *j = js(s);
    if (ck_sched_snapshot_upsert_node(snap, j, NULL) != 0) CHECK(!"node");
    json_decref(j);
    free(s);
}

static char *schedule(ck_sched *s, const char *volumes)
{
    char *t = xasprintf("{'kind':'Pod','metadata':{'name':'p','namespace':'default','uid':'u-p'},"
                        "'spec':{'containers':[{'name':'c'}],'volumes':%s}}",
                        volumes);
    json_t *j = js(t);
    free(t);
    ck_sched_pod *p = ck_sched_pod_new(ck_sched_snapshot_symtab(snap), j, NULL);
    json_decref(j);
    ck_sched_result r;
    ck_sched_outcome o = ck_sched_schedule_one(s, p, &r);
    char *out = xstrdup(o == CK_SCHED_OUT_SCHEDULED ? r.node : r.message ? r.message : "?");
    if (o == CK_SCHED_OUT_SCHEDULED) ck_sched_forget(s, p);
    ck_sched_result_clear(&r);
    ck_sched_pod_unref(p);
    return out;
}

static void expect(ck_sched *s, const char *volumes, const char *want)
{
    char *got = schedule(s, volumes);
    CHECK_STR(got, want);
    free(got);
}

#define CLAIM(n) "[{'name':'v','persistentVolumeClaim':{'claimName':'" n "'}}]"
#define PVC(name, spec, extra)                                                                     \
    "{'kind':'PersistentVolumeClaim','metadata':{'name':'" name "','namespace':'default'" extra    \
    "},"                                                                                           \
    "'spec':{'accessModes':['ReadWriteOnce'],'resources':{'requests':{'storage':'5Gi'}}" spec "}}"
#define BOUND ",'annotations':{'pv.kubernetes.io/bind-completed':'yes'}"
#define PV(name, size, host, extra)                                                                \
    "{'kind':'PersistentVolume','metadata':{'name':'" name                                         \
    "'},'spec':{'capacity':{'storage':'" size "'},"                                                \
    "'accessModes':['ReadWriteOnce'],'nodeAffinity':{'required':{'nodeSelectorTerms':[{'"          \
    "matchExpressions':["                                                                          \
    "{'key':'kubernetes.io/hostname','operator':'In','values':['" host "']}]}]}}" extra "}}"

int main(void)
{
    snap = ck_sched_snapshot_new();
    add_node("n1", "a");
    add_node("n2", "b");
    ck_sched *s = ck_sched_new(snap, NULL, NULL);
    ck_sched_seed(s, 2);
    const char *not_helpful =
        " preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.";
    char *want = xasprintf("0/2 nodes are available: persistentvolumeclaim \"data\" not found.%s",
                           not_helpful);
    expect(s, CLAIM("data"), want);
    free(want);
    want =
        xasprintf("0/2 nodes are available: waiting for ephemeral volume controller to create the "
                  "persistentvolumeclaim \"p-scratch\".%s",
                  not_helpful);
    expect(s, "[{'name':'scratch','ephemeral':{'volumeClaimTemplate':{}}}]", want);
    free(want);
    /* No storage class: Immediate binding, not bound yet. */
    obj(PVC("data", "", ""));
    want = xasprintf("0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.%s",
                     not_helpful);
    expect(s, CLAIM("data"), want);
    free(want);
    obj("{'kind':'PersistentVolumeClaim','metadata':{'name':'lost','namespace':'default'},'spec':{'"
        "volumeName':'gone'},'status':{'phase':'Lost'}}");
    want =
        xasprintf("0/2 nodes are available: persistentvolumeclaim \"lost\" bound to non-existent "
                  "persistentvolume \"gone\".%s",
                  not_helpful);
    expect(s, CLAIM("lost"), want);
    free(want);

    /* Bound claims follow their PV's node affinity. */
    obj(PVC("bound", ",'volumeName':'pv1'", BOUND));
    obj(PV("pv1", "10Gi", "n2", ""));
    expect(s, CLAIM("bound"), "n2");
    obj(PV("pv1", "10Gi", "n3", ""));
    want = xasprintf("0/2 nodes are available: 2 node(s) had volume node affinity conflict.%s",
                     not_helpful);
    expect(s, CLAIM("bound"), want);
    free(want);
    ck_sched_snapshot_remove_object(snap, "PersistentVolume", NULL, "pv1");
    want = xasprintf(
        "0/2 nodes are available: 2 node(s) unavailable due to one or more pvc(s) bound to "
        "non-existent pv(s).%s",
        not_helpful);
    expect(s, CLAIM("bound"), want);
    free(want);

    /* WaitForFirstConsumer: a local PV big enough on n1 only. */
    obj("{'kind':'StorageClass','metadata':{'name':'local'},'provisioner':'kubernetes.io/"
        "no-provisioner','volumeBindingMode':'WaitForFirstConsumer'}");
    obj(PVC("wait", ",'storageClassName':'local'", ""));
    obj(PV("small", "1Gi", "n2", ",'storageClassName':'local'"));
    want = xasprintf(
        "0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind.%s",
        not_helpful);
    expect(s, CLAIM("wait"), want);
    free(want);
    obj(PV("big", "10Gi", "n1", ",'storageClassName':'local'"));
    expect(s, CLAIM("wait"), "n1");
    /* A PV claimed by another PVC is not available. */
    obj(PV("big", "10Gi", "n1",
           ",'storageClassName':'local','claimRef':{'name':'else','namespace':'default'}"));
    want = xasprintf(
        "0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind.%s",
        not_helpful);
    expect(s, CLAIM("wait"), want);
    free(want);

    /* A dynamic provisioner restricted to zone b. */
    obj("{'kind':'StorageClass','metadata':{'name':'fast'},'provisioner':'csi.example.com','"
        "volumeBindingMode':'WaitForFirstConsumer',"
        "'allowedTopologies':[{'matchLabelExpressions':[{'key':'topology.kubernetes.io/"
        "zone','values':['b']}]}]}");
    obj(PVC("dyn", ",'storageClassName':'fast'", ""));
    expect(s, CLAIM("dyn"), "n2");
    /* Pods without claims skip the plugin. */
    char *got = schedule(s, "[{'name':'e','emptyDir':{}}]");
    CHECK(streq(got, "n1") || streq(got, "n2"));
    free(got);
    ck_sched_free(s);
    ck_sched_snapshot_free(snap);
    return UT_DONE();
}
