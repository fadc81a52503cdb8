/* The Deployment rollouts and scaling (upstream rolling.go, recreate.go, progress.go and
 * sync.go's scale) over a sync's copies; see deployment.h. RollingUpdate scales the new
 * replica set up within maxSurge, then the old ones down within maxUnavailable, unhealthy
 * old pods first; Recreate scales the old sets to zero, waits until their pods are gone,
 * then creates and scales the new one. Either ends with the status and the Progressing
 * condition. A scaling event resizes the active sets in proportion to their sizes. */
#include <stdlib.h>
#include <string.h>

#include "controller/deployment.h"
#include "controller/deployment_util.h"
#include "lib/util.h"
#include "registry/registry.h"
#include "registry/workload.h"

/* reconcileNewReplicaSet: true when the new set was resized. */
static bool reconcile_new(dsync *s, json_t *const *all, size_t n, json_t *nrs)
{
    int replicas = ck_deploy_replicas(s->d), cur = ck_deploy_replicas(nrs);
    if (cur == replicas) return false;
    if (cur > replicas) return ck_dsync_scale_and_record(s, nrs, replicas);
    return ck_dsync_scale_and_record(s, nrs, ck_deploy_new_rs_replicas(s->d, all, n, nrs));
}

static int min_int(int a, int b)
{
    return a < b ? a : b;
}

/* cleanupUnhealthyReplicas: old sets shed their unavailable pods first, oldest set first,
 * at most max_cleanup in all. Returns how many were shed. */
static int cleanup_unhealthy(dsync *s, json_t **old, size_t nold, int max_cleanup)
{
    qsort(old, nold, sizeof *old, ck_rs_cmp_created);
    int total = 0;
    for (size_t i = 0; i < nold && total < max_cleanup; i++) {
        int replicas = ck_deploy_replicas(old[i]);
        int available = (int)ck_obj_int(old[i], "status.availableReplicas", 0);
        if (replicas == 0 || replicas == available) continue;
        int down = min_int(max_cleanup - total, replicas - available);
        if (down <= 0) continue; /* upstream refuses to scale up here */
        ck_dsync_scale_and_record(s, old[i], replicas - down);
        total += down;
    }
    return total;
}

/* scaleDownOldReplicaSetsForRollingUpdate: what stays above the minimum available. */
static int scale_down_old(dsync *s, json_t *const *all, size_t nall, json_t **old, size_t nold)
{
    int min_available = ck_deploy_replicas(s->d) - ck_deploy_max_unavailable(s->d);
    int available = ck_rs_sum_status(all, nall, "availableReplicas");
    if (available <= min_available) return 0;
    qsort(old, nold, sizeof *old, ck_rs_cmp_created);
    int want = available - min_available, total = 0;
    for (size_t i = 0; i < nold && total < want; i++) {
        int replicas = ck_deploy_replicas(old[i]);
        if (replicas == 0) continue;
        int down = min_int(replicas, want - total);
        ck_dsync_scale_and_record(s, old[i], replicas - down);
        total += down;
    }
    return total;
}

/* reconcileOldReplicaSets: true when old sets were scaled down. */
static bool reconcile_old(dsync *s, json_t *const *all, size_t nall, json_t **old, size_t nold,
                          const json_t *nrs)
{
    if (ck_rs_sum_spec(old, nold) == 0) return false; /* nothing left to scale down */
    int min_available = ck_deploy_replicas(s->d) - ck_deploy_max_unavailable(s->d);
    int new_unavailable =
        ck_deploy_replicas(nrs) - (int)ck_obj_int(nrs, "status.availableReplicas", 0);
    /* Pods that may go: beyond the minimum available, and not counting the new set's
     * unavailable pods, which could otherwise make the deployment unavailable. */
    int max_down = ck_rs_sum_spec(all, nall) - min_available - new_unavailable;
    if (max_down <= 0) return false;
    int cleaned = cleanup_unhealthy(s, old, nold, max_down);
    json_t **all2 = xcalloc(nold + 1, sizeof *all2);
    memcpy(all2, old, nold * sizeof *old);
    all2[nold] = (json_t *)nrs;
    int scaled = scale_down_old(s, all2, nold + 1, old, nold);
    free(all2);
    return cleaned + scaled > 0;
}

int ck_dsync_rollout_rolling(dsync *s)
{
    json_t *nrs;
    int r = ck_dsync_get_new_rs(s, true, &nrs);
    if (r != 0) return r;
    size_t nold, nactive;
    json_t **old = ck_dsync_old(s, nrs, &nold);
    old[nold] = nrs;
    size_t nall = nold + 1;
    json_t **all = old; /* old sets first, then the new one */
    if (!reconcile_new(s, all, nall, nrs)) {
        json_t **active = ck_dsync_active(old, nold, &nactive);
        bool down = reconcile_old(s, all, nall, active, nactive, nrs);
        free(active);
        if (!down && ck_deploy_complete(s->d, json_object_get(s->d, "status")))
            ck_dsync_cleanup(s, old, nold);
    }
    ck_dsync_rollout_status(s, all, nall, nrs);
    free(old);
    return 0;
}

int ck_dsync_rollout_recreate(dsync *s)
{
    json_t *nrs;
    if (ck_dsync_get_new_rs(s, false, &nrs) < 0) return -1;
    size_t nold, nactive;
    json_t **old = ck_dsync_old(s, nrs, &nold);
    json_t **active = ck_dsync_active(old, nold, &nactive);
    bool down = false;
    for (size_t i = 0; i < nactive; i++) /* scaleDownOldReplicaSetsForRecreate */
        if (ck_dsync_scale_and_record(s, active[i], 0)) down = true;
    free(active);
    int r = 0;
    /* The new pods come only once every old one is gone. */
    if (!down && !ck_dsync_old_pods_running(s, nrs, old, nold)) {
        if (!nrs) r = ck_dsync_get_new_rs(s, true, &nrs);
        if (r == 0 && nrs) {
            ck_dsync_scale_and_record(s, nrs, ck_deploy_replicas(s->d));
            if (ck_deploy_complete(s->d, json_object_get(s->d, "status")))
                ck_dsync_cleanup(s, old, nold);
        }
    }
    if (r == 0) {
        old[nold] = nrs;
        ck_dsync_rollout_status(s, old, nold + (nrs ? 1 : 0), nrs);
    }
    free(old);
    return r;
}

void ck_dsync_scale(dsync *s, json_t *nrs, json_t **old, size_t nold)
{
    int replicas = ck_deploy_replicas(s->d);
    /* FindActiveOrLatest: with at most one active set, that one (or the newest) takes all. */
    qsort(old, nold, sizeof *old, ck_rs_cmp_created);
    old[nold] = nrs;
    size_t nall;
    json_t **all = ck_dsync_active(old, nold + 1, &nall);
    json_t *only = nall == 1   ? all[0]
                   : nall == 0 ? (nrs    ? nrs
                                  : nold ? old[nold - 1]
                                         : NULL)
                               : NULL;
    if (only) {
        if (ck_deploy_replicas(only) != replicas) ck_dsync_scale_and_record(s, only, replicas);
        goto out;
    }
    if (ck_deploy_is_saturated(s->d, nrs)) { /* the old sets go entirely */
        for (size_t i = 0; i < nold; i++)
            if (ck_deploy_replicas(old[i]) > 0) ck_dsync_scale_and_record(s, old[i], 0);
        goto out;
    }
    if (!ck_deploy_is_rolling(s->d) || nall == 0) goto out;
    int allowed = replicas > 0 ? replicas + ck_deploy_max_surge(s->d) : 0;
    int to_add = allowed - ck_rs_sum_spec(all, nall), added = 0;
    if (to_add > 0) qsort(all, nall, sizeof *all, ck_rs_cmp_size_newer);
    if (to_add < 0) qsort(all, nall, sizeof *all, ck_rs_cmp_size_older);
    int *size = xcalloc(nall, sizeof *size);
    for (size_t i = 0; i < nall; i++) {
        int p = to_add ? ck_deploy_proportion(all[i], s->d, to_add, added) : 0;
        size[i] = ck_deploy_replicas(all[i]) + p;
        added += p;
    }
    if (to_add) { /* leftovers go to the largest set */
        size[0] += to_add - added;
        if (size[0] < 0) size[0] = 0;
    }
    for (size_t i = 0; i < nall; i++)
        ck_dsync_scale_rs(s, all[i], size[i]);
    free(size);
out:
    free(all);
}

/* getReplicaFailures: the new set's ReplicaFailure condition, else any old set's. */
static const json_t *replica_failure(json_t *const *all, size_t n, const json_t *nrs)
{
    const json_t *c =
        nrs ? ck_deploy_condition(json_object_get(nrs, "status"), "ReplicaFailure") : NULL;
    for (size_t i = 0; i < n && !c; i++)
        if (all[i]) c = ck_deploy_condition(json_object_get(all[i], "status"), "ReplicaFailure");
    return c;
}

/* requeueStuckDeployment: a progress check when the deadline would pass. */
static void requeue_stuck(dsync *s, const json_t *st)
{
    const json_t *cur = ck_deploy_condition(json_object_get(s->d, "status"), "Progressing");
    if (!ck_deploy_has_progress_deadline(s->d) || !cur) return;
    if (ck_deploy_complete(s->d, st) ||
        streq(ck_obj_str(cur, "reason"), "ProgressDeadlineExceeded"))
        return;
    long long after = ck_deploy_time(ck_obj_str(cur, "lastUpdateTime")) +
                      ck_obj_int(s->d, "spec.progressDeadlineSeconds", 0) - s->now_sec;
    if (after < 1)
        ck_dsync_requeue_rate_limited(s);
    else
        ck_dsync_requeue_after(s, (after + 1) * 1000); /* a second for clock skew, as upstream */
}

void ck_dsync_rollout_status(dsync *s, json_t *const *all, size_t n, const json_t *nrs)
{
    json_t *st = ck_deploy_calculate_status(all, n, nrs, s->d, s->now);
    if (!ck_deploy_has_progress_deadline(s->d)) ck_deploy_remove_condition(st, "Progressing");
    const json_t *cur = ck_deploy_condition(json_object_get(s->d, "status"), "Progressing");
    /* A finished rollout with nothing new is not estimated again. */
    bool done = json_integer_value(json_object_get(st, "replicas")) ==
                    json_integer_value(json_object_get(st, "updatedReplicas")) &&
                cur && streq(ck_obj_str(cur, "reason"), "NewReplicaSetAvailable");
    const char *name = nrs ? ck_obj_str(nrs, "metadata.name") : ck_obj_str(s->d, "metadata.name");
    const char *what = nrs ? "ReplicaSet" : "Deployment";
    if (ck_deploy_has_progress_deadline(s->d) && !done) {
        if (ck_deploy_complete(s->d, st)) {
            cleanup_free char *msg =
                xasprintf("%s \"%s\" has successfully progressed.", what, name);
            ck_deploy_set_condition(st, "Progressing", "True", "NewReplicaSetAvailable", msg,
                                    s->now);
        } else if (ck_deploy_progressing(s->d, st)) {
            /* Progress refreshes lastUpdateTime even with the same reason; the transition
             * time stays while the status stays True. */
            cleanup_free char *msg = xasprintf("%s \"%s\" is progressing.", what, name);
            cleanup_free char *since = cur && streq(ck_obj_str(cur, "status"), "True") &&
                                               ck_obj_str(cur, "lastTransitionTime")
                                           ? xstrdup(ck_obj_str(cur, "lastTransitionTime"))
                                           : NULL;
            ck_deploy_remove_condition(st, "Progressing");
            ck_deploy_set_condition(st, "Progressing", "True", "ReplicaSetUpdated", msg, s->now);
            if (since) {
                json_t *conds = json_object_get(st, "conditions");
                json_object_set_new(json_array_get(conds, json_array_size(conds) - 1),
                                    "lastTransitionTime", json_string(since));
            }
        } else if (ck_deploy_timed_out(s->d, st, s->now_sec)) {
            cleanup_free char *msg = xasprintf("%s \"%s\" has timed out progressing.", what, name);
            ck_deploy_set_condition(st, "Progressing", "False", "ProgressDeadlineExceeded", msg,
                                    s->now);
        }
    }
    const json_t *fail = replica_failure(all, n, nrs);
    if (fail) {
        const char *t = ck_obj_str(fail, "lastTransitionTime");
        const char *cs = ck_obj_str(fail, "status"), *reason = ck_obj_str(fail, "reason");
        const char *msg = ck_obj_str(fail, "message");
        ck_deploy_set_condition(st, "ReplicaFailure", cs ? cs : "", reason ? reason : "",
                                msg ? msg : "", t ? t : s->now);
    } else {
        ck_deploy_remove_condition(st, "ReplicaFailure");
    }
    if (ck_deploy_status_equal(json_object_get(s->d, "status"), st)) requeue_stuck(s, st);
    json_object_set_new(s->d, "status", st);
}
