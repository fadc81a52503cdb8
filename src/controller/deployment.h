/* The Deployment controller's steps shared by deployment.c (informers, queue, claiming
 * replica sets, scaling, writes) and deployment_rolling.c (the RollingUpdate and Recreate
 * rollouts and the progress conditions), as upstream splits sync.go, rolling.go,
 * recreate.go and progress.go.
 *
 * A sync works on copies: the deployment and the replica sets it owns are copied from the
 * informers, the steps change the copies as upstream's steps change the objects they
 * write, and at the end each changed replica set is written once (PUT with its
 * resourceVersion, so a stale cache loses with 409 Conflict and the key is retried) with
 * its ScalingReplicaSet event after success, and the deployment's status once. Creating the
 * new replica set ends the sync: the status that records it is written after the create
 * succeeds, and the informer's event brings the next sync. */
#ifndef CK_DEPLOYMENT_H
#define CK_DEPLOYMENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct dctl;

typedef struct dsync {
    struct dctl *c;
    const char *key;
    json_t *d;   /* the deployment (with kind and apiVersion), changed in place */
    json_t **rs; /* the replica sets it owns, copies changed in place */
    size_t nrs;
    char now[32]; /* RFC 3339, for condition times */
    long long now_sec;
} dsync;

/* Steps (deployment.c). get_new_rs: 0 with *out the new set (or NULL when none and
 * !create), 1 when a create was sent (the sync ends), -1 on error (logged). */
int ck_dsync_get_new_rs(dsync *s, bool create, json_t **out);
/* The sets other than new_rs, in a new array (caller frees; elements borrowed). */
json_t **ck_dsync_old(dsync *s, const json_t *new_rs, size_t *n);
/* Active (spec.replicas > 0) sets of rs, in a new array (caller frees). */
json_t **ck_dsync_active(json_t *const *rs, size_t n, size_t *out_n);
/* scaleReplicaSetAndRecordEvent: nothing when rs already has n replicas; else sets them
 * and the replicas annotations. True when the size changed. */
bool ck_dsync_scale_and_record(dsync *s, json_t *rs, int n);
/* scaleReplicaSet: sets the size, and the replicas annotations, when either differs. True
 * when the size changed. */
bool ck_dsync_scale_rs(dsync *s, json_t *rs, int n);
/* cleanupDeployment: deletes the oldest sets beyond revisionHistoryLimit that are empty. */
void ck_dsync_cleanup(dsync *s, json_t *const *old, size_t nold);
/* Recreate: whether pods of old sets still run. */
bool ck_dsync_old_pods_running(dsync *s, const json_t *new_rs, json_t *const *old, size_t nold);

/* Rollouts, scaling and status (deployment_rolling.c); they end by setting s->d's status. Return
 * as ck_dsync_get_new_rs. */
int ck_dsync_rollout_rolling(dsync *s);
int ck_dsync_rollout_recreate(dsync *s);
/* scale: a scaling event, or a paused deployment: with one active set (or none: the newest)
 * that one takes the deployment's replicas; a saturated new set leaves the old ones
 * nothing; else the replicas added or removed are shared in proportion, largest set first.
 * old has room for one more element. */
void ck_dsync_scale(dsync *s, json_t *nrs, json_t **old, size_t nold);
/* syncRolloutStatus: status and the Progressing condition; when nothing changes, a
 * progress check is queued for when the deadline passes. */
void ck_dsync_rollout_status(dsync *s, json_t *const *all, size_t n, const json_t *new_rs);
/* Requeue hooks (deployment.c). */
void ck_dsync_requeue_after(dsync *s, long long ms);
void ck_dsync_requeue_rate_limited(dsync *s);

#endif
