/* Pod helpers the workload controllers share (upstream pkg/controller/controller_utils.go
 * and pkg/api/v1/pod): controller references, readiness, the pod a template makes, adoption
 * and release, which pods to delete first, and deleting with an event. */
#ifndef CK_PODUTIL_H
#define CK_PODUTIL_H

#include <jansson.h>
#include <stdbool.h>

#include "client/callset.h"
#include "client/client.h"

struct ck_recorder;

/* The ownerReference with controller: true, or NULL. */
const json_t *ck_controller_ref(const json_t *obj);
/* Not Succeeded, not Failed, not being deleted (upstream IsPodActive). */
bool ck_pod_active(const json_t *pod);
/* Condition Ready is True. */
bool ck_pod_ready(const json_t *pod);
/* Ready for at least min_ready_seconds (by the Ready condition's lastTransitionTime). */
bool ck_pod_available(const json_t *pod, long long min_ready_seconds);
/* Every label of want is in labels with the same value. */
bool ck_labels_superset(const json_t *labels, const json_t *want);
/* The pod owner's spec.template makes (GetPodFromTemplate): generateName "<owner>-",
 * labels, annotations, finalizers, the spec, and a controller ownerReference. New ref. */
json_t *ck_pod_from_template(const json_t *owner, const char *api_version, const char *kind);
/* Adopts / releases pod with a strategic-merge PATCH of its ownerReferences (asynchronous;
 * failures are logged and left to the next sync). */
void ck_pod_adopt(ck_callset *s, ck_client *c, const json_t *pod, const json_t *owner,
                  const char *api_version, const char *kind);
void ck_pod_release(ck_callset *s, ck_client *c, const json_t *pod, const char *owner_uid);
/* Order for scale-down, least valuable first (upstream ActivePodsWithRanks without the
 * co-location rank): unassigned, pending, not ready, ready for less time, more restarts,
 * newer. */
int ck_pod_deletion_cmp(const json_t *a, const json_t *b);
/* DELETEs the pod; records SuccessfulDelete/FailedDelete on owner like upstream. */
void ck_pod_delete(ck_callset *s, ck_client *c, const json_t *pod, struct ck_recorder *rec,
                   const json_t *owner);

#endif
