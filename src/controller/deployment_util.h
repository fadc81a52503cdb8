/* The Deployment controller's pure parts (upstream pkg/controller/deployment/util and the
 * arithmetic of sync.go, rolling.go and progress.go), over JSON objects: maxSurge and
 * maxUnavailable, proportional scaling, revisions and the annotations copied to replica
 * sets, conditions and status, and the pod-template-hash (deployment_hash.c). Objects are
 * apps/v1 Deployments and ReplicaSets as the API serves them; nothing here talks to the
 * server, so the unit tests drive it directly. */
#ifndef CK_DEPLOYMENT_UTIL_H
#define CK_DEPLOYMENT_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CK_DEPLOY_HASH_LABEL "pod-template-hash"
#define CK_DEPLOY_REVISION "deployment.kubernetes.io/revision"
#define CK_DEPLOY_REVISION_HISTORY "deployment.kubernetes.io/revision-history"
#define CK_DEPLOY_DESIRED "deployment.kubernetes.io/desired-replicas"
#define CK_DEPLOY_MAX "deployment.kubernetes.io/max-replicas"
/* Upstream caps revision-history at 2000 characters. */
#define CK_DEPLOY_REV_HISTORY_CHARS 2000

/* ---- counts ---- */

/* spec.replicas of a Deployment or ReplicaSet (1 when absent, as defaulted). */
int ck_deploy_replicas(const json_t *obj);
/* intstr.GetScaledValueFromIntOrPercent: an integer, or "N%" of total rounded up or down.
 * Returns -1 (and *out 0) for anything else. */
int ck_int_or_percent_scaled(const json_t *v, int total, bool round_up, int *out);
/* ResolveFenceposts: surge rounds up, unavailable down; both zero makes unavailable 1. */
void ck_deploy_fenceposts(const json_t *max_surge, const json_t *max_unavailable, int desired,
                          int *surge, int *unavailable);
/* MaxSurge / MaxUnavailable (capped at replicas) of a RollingUpdate deployment; 0 for
 * Recreate (and MaxUnavailable 0 for zero replicas). */
int ck_deploy_max_surge(const json_t *d);
int ck_deploy_max_unavailable(const json_t *d);
bool ck_deploy_is_rolling(const json_t *d);

/* GetReplicaCountForReplicaSets (spec) and the status sums; NULL entries are skipped. */
int ck_rs_sum_spec(json_t *const *rs, size_t n);
int ck_rs_sum_status(json_t *const *rs, size_t n, const char *field);

/* NewRSNewReplicas: the size the new replica set may have now (all includes new_rs). */
int ck_deploy_new_rs_replicas(const json_t *d, json_t *const *all, size_t n, const json_t *new_rs);
/* GetProportion: how many replicas rs gets (positive) or gives (negative) when the
 * deployment adds to_add replicas across its active sets, added of them handed out so far. */
int ck_deploy_proportion(const json_t *rs, const json_t *d, int to_add, int added);
/* IsSaturated: the new set has the deployment's replicas, all available, and says so in
 * its desired-replicas annotation. */
bool ck_deploy_is_saturated(const json_t *d, const json_t *rs);

/* ---- revisions and annotations ---- */

/* The deployment.kubernetes.io/revision of obj: 0 when absent, -1 when not a number. */
long long ck_deploy_revision(const json_t *obj);
/* MaxRevision and LastRevision (the second highest) over replica sets. */
long long ck_deploy_max_revision(json_t *const *rs, size_t n);
long long ck_deploy_last_revision(json_t *const *rs, size_t n);
/* SetNewReplicaSetAnnotations: copies the deployment's annotations (but the skipped ones)
 * to rs, raises its revision to new_revision (recording the old one in revision-history,
 * kept under hist_chars characters), and for a set about to be created the desired and
 * max replicas. True when rs changed. */
bool ck_deploy_set_new_rs_annotations(const json_t *d, json_t *rs, const char *new_revision,
                                      bool exists, size_t hist_chars);
/* SetReplicasAnnotations / ReplicasAnnotationsNeedUpdate. */
bool ck_deploy_set_replicas_annotations(json_t *rs, int desired, int max);
bool ck_deploy_replicas_annotations_differ(const json_t *rs, int desired, int max);
/* The integer in annotation key of obj; false when absent or not a number. */
bool ck_deploy_int_annotation(const json_t *obj, const char *key, int *out);
/* The annotations a deployment never copies to its replica sets (and kubectl rollout undo
 * keeps on the deployment). */
bool ck_deploy_skip_annotation(const char *key);
/* SetDeploymentRevision: true when it changed. */
bool ck_deploy_set_revision(json_t *d, const char *revision);

/* ---- templates and replica set order ---- */

/* EqualIgnoreHash: semantic equality of two pod templates without the pod-template-hash
 * label; absent, null and empty values are alike (Go's zero values after decoding). */
bool ck_deploy_equal_ignore_hash(const json_t *t1, const json_t *t2);
/* qsort comparators over json_t * elements: ReplicaSetsByCreationTimestamp (then name),
 * ReplicaSetsBySizeOlder, ReplicaSetsBySizeNewer, ReplicaSetsByRevision. */
int ck_rs_cmp_created(const void *a, const void *b);
int ck_rs_cmp_size_older(const void *a, const void *b);
int ck_rs_cmp_size_newer(const void *a, const void *b);
int ck_rs_cmp_revision(const void *a, const void *b);
/* FindNewReplicaSet: the oldest set whose template equals the deployment's (sorts rs). */
json_t *ck_deploy_find_new_rs(const json_t *d, json_t **rs, size_t n);

/* ---- conditions and status ---- */

/* The condition of type in status.conditions (status may be NULL), borrowed. */
const json_t *ck_deploy_condition(const json_t *status, const char *type);
/* SetDeploymentCondition: nothing when one of the same status and reason exists; keeps
 * lastTransitionTime when only the reason changes; the new one goes last. now: RFC 3339. */
void ck_deploy_set_condition(json_t *status, const char *type, const char *cstatus,
                             const char *reason, const char *message, const char *now);
void ck_deploy_remove_condition(json_t *status, const char *type);
/* calculateStatus: counts from the sets (all includes new_rs, which may be NULL),
 * observedGeneration, collisionCount, the old conditions and Available. New reference. */
json_t *ck_deploy_calculate_status(json_t *const *all, size_t n, const json_t *new_rs,
                                   const json_t *d, const char *now);
/* DeploymentComplete / DeploymentProgressing (against d's current status) /
 * DeploymentTimedOut at now_sec (seconds since the epoch). */
bool ck_deploy_complete(const json_t *d, const json_t *status);
bool ck_deploy_progressing(const json_t *d, const json_t *status);
bool ck_deploy_timed_out(const json_t *d, const json_t *status, long long now_sec);
/* HasProgressDeadline / HasRevisionHistoryLimit (unset or MaxInt32 means none). */
bool ck_deploy_has_progress_deadline(const json_t *d);
bool ck_deploy_has_history_limit(const json_t *d);
/* Status equality as stored: zero counts (omitempty) and absent ones are alike. */
bool ck_deploy_status_equal(const json_t *a, const json_t *b);
/* Seconds since the epoch of an RFC 3339 time; 0 when absent or malformed. */
long long ck_deploy_time(const char *rfc3339);

/* ---- pod-template-hash (deployment_hash.c) ---- */

/* controller.ComputeHash: FNV-32a over the template printed as go-spew prints the Go
 * v1.PodTemplateSpec (k8s.io/api v0.34) for hashing, then collisionCount (little-endian,
 * when not NULL), as decimal digits mapped through SafeEncodeString. out: at least 11
 * bytes. */
void ck_deploy_template_hash(const json_t *tmpl, const long long *collision_count, char out[16]);
/* The printed form the hash is computed over (for tests and debugging). Caller frees. */
char *ck_deploy_template_dump(const json_t *tmpl);
/* rand.SafeEncodeString of s into out (same length; out may be s). */
void ck_safe_encode(const char *s, char *out);

#endif
