/* The scheduling queue (src/scheduler/queue.c): PrioritySort order, backoff doubling to
 * its cap, the unschedulable pool left on the events the rejecting plugins registered for
 * (or after a move request during the attempt, or after five minutes), scheduling gates,
 * updates and deletes, and the nominator. Cases after upstream's scheduling_queue_test.go. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/component.h"
#include "ut.h"
#include "ut_fixtures.h"

static ck_sched_snapshot *snap;

/* A pending pod named name (uid u-name); extra is appended to spec, status to the pod. */
static ck_sched_pod *mk(const char *name, int prio, const char *extra, const char *status)
{
    char *s = xasprintf("{'kind':'Pod','metadata':{'name':'%s','namespace':'default','uid':'u-%s'},"
                        "'spec':{'priority':%d,'containers':[{'name':'c'}]%s%s}%s%s}",
                        name, name, prio, extra ? "," : "", extra ? extra : "",
                        status ? ",'status':" : "", status ? status : "");
    json_t *j = js(s);
    ck_sched_pod *p = ck_sched_pod_new(ck_sched_snapshot_symtab(snap), j, NULL);
    json_decref(j);
    free(s);
    if (!p) CHECK(!"pod parses");
    return p;
}

/* Adds a new pod and drops the caller's reference. */
static void add(ck_sched_queue *q, const char *name, int prio, const char *extra, uint64_t now)
{
    ck_sched_pod *p = mk(name, prio, extra, NULL);
    ck_sq_add(q, p, now);
    ck_sched_pod_unref(p);
}

static const char *pop_name(ck_sched_queue *q, uint64_t now)
{
    ck_sched_pod *p = ck_sq_pop(q, now);
    return p ? p->name : "(empty)";
}

static void test_order(void)
{
    ck_sched_queue *q = ck_sq_new(snap, NULL);
    add(q, "low", 0, NULL, 100);
    add(q, "high-late", 1000, NULL, 300);
    add(q, "mid", 50, NULL, 50);
    add(q, "high-early", 1000, NULL, 200);
    add(q, "low-early", 0, NULL, 10);
    CHECK_INT(ck_sq_len(q, CK_SQ_ACTIVE), 5);
    CHECK_STR(pop_name(q, 400), "high-early");
    CHECK_STR(pop_name(q, 400), "high-late");
    CHECK_STR(pop_name(q, 400), "mid");
    CHECK_STR(pop_name(q, 400), "low-early");
    CHECK_STR(pop_name(q, 400), "low");
    CHECK_STR(pop_name(q, 400), "(empty)");
    CHECK_INT(ck_sq_len(q, CK_SQ_IN_FLIGHT), 5);
    /* Done forgets a pod; a failed one comes back with a fresh timestamp, behind the pods
     * of its priority that waited longer. */
    ck_sq_done(q, "u-high-early");
    CHECK_INT(ck_sq_where_is(q, "u-high-early"), CK_SQ_ABSENT);
    CHECK_INT(ck_sq_requeue(q, "u-low", "", 1000), CK_SQ_BACKOFF);
    add(q, "low-new", 0, NULL, 900);
    CHECK_INT(ck_sq_flush_backoff(q, 2000), 1);
    CHECK_STR(pop_name(q, 2000), "low-new");
    CHECK_STR(pop_name(q, 2000), "low");
    /* Requeue only applies to pods in flight. */
    CHECK_INT(ck_sq_requeue(q, "u-nope", "", 2000), CK_SQ_ABSENT);
    ck_sq_free(q);
}

static void test_backoff(void)
{
    ck_sched_queue *q = ck_sq_new(snap, NULL);
    CHECK_INT(ck_sq_backoff_ms(q, 0), 0);
    CHECK_INT(ck_sq_backoff_ms(q, 1), 1000);
    CHECK_INT(ck_sq_backoff_ms(q, 2), 2000);
    CHECK_INT(ck_sq_backoff_ms(q, 3), 4000);
    CHECK_INT(ck_sq_backoff_ms(q, 4), 8000);
    CHECK_INT(ck_sq_backoff_ms(q, 5), 10000);
    CHECK_INT(ck_sq_backoff_ms(q, 60), 10000);
    add(q, "p", 0, NULL, 0);
    uint64_t now = 0;
    const uint64_t want[] = {1000, 2000, 4000, 8000, 10000, 10000};
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        CHECK(ck_sq_pop(q, now) != NULL);
        /* An error (no rejecting plugin) waits in backoffQ. */
        CHECK_INT(ck_sq_requeue(q, "u-p", NULL, now), CK_SQ_BACKOFF);
        CHECK_INT(ck_sq_flush_backoff(q, now + want[i] - 1), 0);
        CHECK(ck_sq_pop(q, now + want[i] - 1) == NULL);
        CHECK_INT(ck_sq_flush_backoff(q, now + want[i]), 1);
        CHECK_INT(ck_sq_where_is(q, "u-p"), CK_SQ_ACTIVE);
        now += want[i];
    }
    /* backoffQ releases in expiry order. */
    ck_sched_queue *q2 =
        ck_sq_new(snap, &(ck_sq_config){.initial_backoff_ms = 100, .max_backoff_ms = 1000});
    add(q2, "a", 0, NULL, 0);
    add(q2, "b", 0, NULL, 0);
    ck_sq_pop(q2, 0);
    ck_sq_pop(q2, 0);
    ck_sq_requeue(q2, "u-a", NULL, 50); /* until 150 */
    ck_sq_requeue(q2, "u-b", NULL, 10); /* until 110 */
    CHECK_INT(ck_sq_flush_backoff(q2, 120), 1);
    CHECK_STR(pop_name(q2, 120), "b");
    CHECK_INT(ck_sq_flush_backoff(q2, 150), 1);
    CHECK_STR(pop_name(q2, 150), "a");
    ck_sq_free(q2);
    ck_sq_free(q);
}

static bool only_y(const ck_sched_pod *p, const char *plugins, void *ctx)
{
    (void)ctx;
    return streq(p->name, "y") && streq(plugins, "InterPodAffinity");
}

static void test_unschedulable(void)
{
    ck_sched_queue *q = ck_sq_new(snap, NULL);
    add(q, "big", 0, NULL, 0);
    add(q, "tainted", 0, NULL, 0);
    add(q, "spread", 0, NULL, 0);
    ck_sq_pop(q, 0);
    ck_sq_pop(q, 0);
    ck_sq_pop(q, 0);
    CHECK_INT(ck_sq_requeue(q, "u-big", "NodeResourcesFit", 0), CK_SQ_UNSCHEDULABLE);
    CHECK_INT(ck_sq_requeue(q, "u-tainted", "TaintToleration", 0), CK_SQ_UNSCHEDULABLE);
    CHECK_INT(ck_sq_requeue(q, "u-spread", "NodeAffinity,PodTopologySpread", 0),
              CK_SQ_UNSCHEDULABLE);
    CHECK_STR(ck_sq_plugins(q, "u-big"), "NodeResourcesFit");
    /* Not moved by time alone, nor by events their plugins ignore. */
    CHECK_INT(ck_sq_flush_backoff(q, 60000), 0);
    CHECK_INT(ck_sq_move(q, CK_SQ_EV_NODE_LABEL, NULL, NULL, 100), 1); /* spread */
    CHECK_INT(ck_sq_where_is(q, "u-spread"), CK_SQ_BACKOFF);           /* backing off till 1000 */
    CHECK_INT(ck_sq_move(q, CK_SQ_EV_PVC | CK_SQ_EV_POD_LABEL, NULL, NULL, 100), 0);
    CHECK_INT(ck_sq_where_is(q, "u-big"), CK_SQ_UNSCHEDULABLE);
    /* A deleted assigned pod frees resources: past its backoff, big goes straight to
     * activeQ; taints are not helped. */
    CHECK_INT(ck_sq_move(q, CK_SQ_EV_POD_DELETE, NULL, NULL, 5000), 1);
    CHECK_INT(ck_sq_where_is(q, "u-big"), CK_SQ_ACTIVE);
    CHECK_INT(ck_sq_where_is(q, "u-tainted"), CK_SQ_UNSCHEDULABLE);
    CHECK_INT(ck_sq_move(q, CK_SQ_EV_NODE_TAINT, NULL, NULL, 5000), 1);
    CHECK_INT(ck_sq_where_is(q, "u-tainted"), CK_SQ_ACTIVE);
    CHECK_INT(ck_sq_len(q, CK_SQ_UNSCHEDULABLE), 0);
    ck_sq_free(q);

    /* An event while the pod is in flight: the attempt may have missed it, so the pod
     * goes to backoffQ instead of the pool (moveRequestCycle). */
    q = ck_sq_new(snap, NULL);
    add(q, "a", 0, NULL, 0);
    add(q, "b", 0, NULL, 0);
    ck_sq_pop(q, 0);
    ck_sq_move(q, CK_SQ_EV_NODE_ADD, NULL, NULL, 0);
    CHECK_INT(ck_sq_requeue(q, "u-a", "NodeResourcesFit", 0), CK_SQ_BACKOFF);
    ck_sq_pop(q, 0);
    CHECK_INT(ck_sq_requeue(q, "u-b", "NodeResourcesFit", 0), CK_SQ_UNSCHEDULABLE);
    ck_sq_free(q);

    /* A filter (upstream's cross-topology pre-check for pod events). */
    q = ck_sq_new(snap, NULL);
    add(q, "x", 0, NULL, 0);
    add(q, "y", 0, NULL, 0);
    ck_sq_pop(q, 0);
    ck_sq_pop(q, 0);
    ck_sq_requeue(q, "u-x", "InterPodAffinity", 0);
    ck_sq_requeue(q, "u-y", "InterPodAffinity", 0);
    CHECK_INT(ck_sq_move(q, CK_SQ_EV_POD_ADD, only_y, NULL, 2000), 1);
    CHECK_INT(ck_sq_where_is(q, "u-y"), CK_SQ_ACTIVE);
    CHECK_INT(ck_sq_where_is(q, "u-x"), CK_SQ_UNSCHEDULABLE);
    ck_sq_free(q);
}

static void test_leftover(void)
{
    ck_sched_queue *q = ck_sq_new(snap, NULL);
    add(q, "p", 0, NULL, 0);
    ck_sq_pop(q, 0);
    ck_sq_requeue(q, "u-p", "NodeAffinity", 1000);
    CHECK_INT(ck_sq_flush_unschedulable(q, 1000 + 300000), 0);
    CHECK_INT(ck_sq_flush_unschedulable(q, 1000 + 300001), 1);
    CHECK_INT(ck_sq_where_is(q, "u-p"), CK_SQ_ACTIVE);
    ck_sq_free(q);
    /* A shorter podMaxInUnschedulablePodsDuration. */
    q = ck_sq_new(snap, &(ck_sq_config){.max_unschedulable_ms = 2000});
    add(q, "p", 0, NULL, 0);
    ck_sq_pop(q, 0);
    ck_sq_requeue(q, "u-p", "NodeAffinity", 0);
    CHECK_INT(ck_sq_flush_unschedulable(q, 2001), 1);
    ck_sq_free(q);
}

static void test_gates(void)
{
    ck_sched_queue *q = ck_sq_new(snap, NULL);
    ck_sched_pod *g = mk("gated", 10, "'schedulingGates':[{'name':'example.com/wait'}]", NULL);
    ck_sq_add(q, g, 0);
    ck_sched_pod_unref(g);
    add(q, "free", 0, NULL, 0);
    CHECK_INT(ck_sq_where_is(q, "u-gated"), CK_SQ_UNSCHEDULABLE);
    CHECK_STR(ck_sq_plugins(q, "u-gated"), "SchedulingGates");
    CHECK_INT(ck_sq_len(q, CK_SQ_ACTIVE), 1);
    /* Neither cluster events nor the five-minute flush release a gated pod. */
    CHECK_INT(ck_sq_move(q, CK_SQ_EV_ALL, NULL, NULL, 10), 0);
    CHECK_INT(ck_sq_flush_unschedulable(q, 10 * 60 * 1000), 0);
    /* An update that keeps a gate keeps it waiting. */
    g = mk("gated", 10, "'schedulingGates':[{'name':'example.com/other'}]", NULL);
    ck_sq_update(q, g, true, 20);
    ck_sched_pod_unref(g);
    CHECK_INT(ck_sq_where_is(q, "u-gated"), CK_SQ_UNSCHEDULABLE);
    /* Gates removed: straight to activeQ (it was never attempted, so no backoff), and
     * ahead of the lower-priority pod. */
    g = mk("gated", 10, NULL, NULL);
    ck_sq_update(q, g, true, 30);
    ck_sched_pod_unref(g);
    CHECK_INT(ck_sq_where_is(q, "u-gated"), CK_SQ_ACTIVE);
    CHECK_STR(pop_name(q, 30), "gated");
    ck_sq_free(q);
}

static void test_update_delete(void)
{
    ck_sched_queue *q = ck_sq_new(snap, NULL);
    add(q, "a", 0, NULL, 0);
    add(q, "b", 0, NULL, 0);
    add(q, "c", 0, NULL, 0);
    ck_sq_pop(q, 0);
    ck_sq_pop(q, 0);
    ck_sq_requeue(q, "u-a", "NodeAffinity", 0);
    ck_sq_requeue(q, "u-b", "NodeAffinity", 0);
    /* A status-only update leaves an unschedulable pod where it is; a spec change moves it
     * (to backoffQ while backing off, else activeQ). */
    ck_sched_pod *p = mk("a", 0, NULL, "{'phase':'Pending'}");
    ck_sq_update(q, p, false, 10);
    ck_sched_pod_unref(p);
    CHECK_INT(ck_sq_where_is(q, "u-a"), CK_SQ_UNSCHEDULABLE);
    CHECK(ck_sq_get(q, "u-a")->obj != NULL);
    p = mk("a", 0, "'nodeSelector':{'disk':'ssd'}", NULL);
    ck_sq_update(q, p, true, 10);
    ck_sched_pod_unref(p);
    CHECK_INT(ck_sq_where_is(q, "u-a"), CK_SQ_BACKOFF);
    p = mk("b", 0, "'nodeSelector':{'disk':'ssd'}", NULL);
    ck_sq_update(q, p, true, 5000);
    ck_sched_pod_unref(p);
    CHECK_INT(ck_sq_where_is(q, "u-b"), CK_SQ_ACTIVE);
    /* A priority change in activeQ reorders it. */
    p = mk("c", 100, NULL, NULL);
    ck_sq_update(q, p, true, 5000);
    ck_sched_pod_unref(p);
    CHECK_STR(pop_name(q, 5000), "c");
    /* An unknown pod's update adds it. */
    p = mk("d", 0, NULL, NULL);
    ck_sq_update(q, p, true, 5000);
    ck_sched_pod_unref(p);
    CHECK_INT(ck_sq_where_is(q, "u-d"), CK_SQ_ACTIVE);
    /* Deletes from each place. */
    CHECK(ck_sq_delete(q, "u-a"));  /* backoffQ */
    CHECK(ck_sq_delete(q, "u-b"));  /* activeQ */
    CHECK(ck_sq_delete(q, "u-c"));  /* in flight */
    CHECK(!ck_sq_delete(q, "u-a")); /* gone */
    CHECK_INT(ck_sq_len(q, CK_SQ_BACKOFF), 0);
    CHECK_INT(ck_sq_len(q, CK_SQ_IN_FLIGHT), 0);
    CHECK_INT(ck_sq_len(q, CK_SQ_ACTIVE), 1);
    CHECK_INT(ck_sq_len(q, CK_SQ_ABSENT), 1); /* every entry */
    ck_sq_done(q, "u-d");                     /* not in flight: no effect */
    CHECK_INT(ck_sq_where_is(q, "u-d"), CK_SQ_ACTIVE);
    ck_sq_free(q);
}

static void test_nominator(void)
{
    json_t *n = js("{'kind':'Node','metadata':{'name':'n1'},'status':{'allocatable':{'cpu':'1',"
                   "'memory':'1Gi','pods':'10'}}}");
    ck_sched_snapshot_upsert_node(snap, n, NULL);
    json_decref(n);
    ck_sched_node *node = ck_sched_snapshot_node(snap, "n1");
    ck_sched_queue *q = ck_sq_new(snap, NULL);
    ck_sched_pod *p = mk("nom", 100, NULL, "{'nominatedNodeName':'n1'}");
    ck_sq_add(q, p, 0);
    ck_sched_pod_unref(p);
    CHECK_INT(node->nnominated, 1);
    /* An update without the field before the scheduler's own patch lands keeps a
     * nomination made in memory; a version carrying another node moves it; one clearing
     * it (after the old carried it) clears it. */
    p = mk("mem", 100, NULL, NULL);
    ck_sq_add(q, p, 0);
    ck_sched_snapshot_nominate(snap, p, "n1");
    ck_sched_pod_unref(p);
    CHECK_INT(node->nnominated, 2);
    p = mk("mem", 100, NULL, "{'phase':'Pending'}");
    ck_sq_update(q, p, false, 1);
    ck_sched_pod_unref(p);
    CHECK_INT(node->nnominated, 2);
    CHECK(ck_sq_get(q, "u-mem")->in_nominated);
    p = mk("nom", 100, NULL, "{'phase':'Pending'}");
    ck_sq_update(q, p, false, 1);
    ck_sched_pod_unref(p);
    CHECK_INT(node->nnominated, 1);
    CHECK(ck_sq_delete(q, "u-mem"));
    CHECK_INT(node->nnominated, 0);
    ck_sq_free(q);
}

static void test_plugin_events(void)
{
    CHECK_INT(ck_sq_plugin_events("NodeName"), CK_SQ_EV_NODE_ADD);
    CHECK(ck_sq_plugin_events("NodeResourcesFit") & CK_SQ_EV_POD_DELETE);
    CHECK(!(ck_sq_plugin_events("NodeResourcesFit") & CK_SQ_EV_NODE_LABEL));
    CHECK_INT(ck_sq_plugin_events("NodeName,TaintToleration"),
              CK_SQ_EV_NODE_ADD | CK_SQ_EV_NODE_TAINT);
    CHECK_INT(ck_sq_plugin_events("SomeOutOfTreePlugin"), CK_SQ_EV_ALL);
    CHECK_INT(ck_sq_plugin_events(""), 0);
}

int main(void)
{
    snap = ck_sched_snapshot_new();
    test_order();
    test_backoff();
    test_unschedulable();
    test_leftover();
    test_gates();
    test_update_delete();
    test_nominator();
    test_plugin_events();
    ck_sched_snapshot_free(snap);
    return UT_DONE();
}
