/* `ckube scheduler` (upstream kube-scheduler): informers feed the scheduling core's
 * snapshot and the scheduling queue; one loop pops pods, runs ck_sched_schedule_one and
 * binds asynchronously through the API, records events and PodScheduled conditions, and
 * carries out preemption. With leader election only the holder of the Lease schedules.
 *
 * The scheduling queue (upstream pkg/scheduler/backend/queue, queue.c) is declared here
 * too: it is pure (time is passed in), so unit tests drive it without a loop or server. */
#ifndef CK_SCHED_COMPONENT_H
#define CK_SCHED_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/loop.h"
#include "lib/err.h"
#include "scheduler/framework.h"

/* ---- The scheduling queue --------------------------------------------------------------- */

typedef struct ck_sched_queue ck_sched_queue;

/* Where a pending pod is. In flight: popped, being scheduled or bound. */
typedef enum {
    CK_SQ_ABSENT = 0,
    CK_SQ_ACTIVE,
    CK_SQ_BACKOFF,
    CK_SQ_UNSCHEDULABLE,
    CK_SQ_IN_FLIGHT
} ck_sq_where;

/* Cluster events that may make an unschedulable pod schedulable (upstream's ClusterEvent
 * resource/action pairs that the plugins register, EventsToRegister). */
enum {
    CK_SQ_EV_NODE_ADD = 1u << 0,
    CK_SQ_EV_NODE_DELETE = 1u << 1,
    CK_SQ_EV_NODE_LABEL = 1u << 2,
    CK_SQ_EV_NODE_TAINT = 1u << 3, /* taints or spec.unschedulable changed */
    CK_SQ_EV_NODE_ALLOCATABLE = 1u << 4,
    CK_SQ_EV_NODE_CONDITION = 1u << 5,
    CK_SQ_EV_POD_ADD = 1u << 6,        /* a pod was assigned to a node */
    CK_SQ_EV_POD_LABEL = 1u << 7,      /* an assigned pod's labels changed */
    CK_SQ_EV_POD_SCALE_DOWN = 1u << 8, /* an assigned pod's requests shrank */
    CK_SQ_EV_POD_DELETE = 1u << 9,     /* an assigned pod was deleted or terminated */
    CK_SQ_EV_PVC = 1u << 10,
    CK_SQ_EV_PV = 1u << 11,
    CK_SQ_EV_STORAGE_CLASS = 1u << 12,
    CK_SQ_EV_ALL = 0xffffffffu /* wildcard: moves every pod not gated */
};

/* The events that may resolve a rejection by the plugins in `plugins` (comma-separated
 * names, as ck_sched_result.plugins): the union of what each registers; unknown plugins
 * register every event. */
uint32_t ck_sq_plugin_events(const char *plugins);

typedef struct ck_sq_config {
    uint64_t initial_backoff_ms;   /* 0: 1 s (podInitialBackoffSeconds) */
    uint64_t max_backoff_ms;       /* 0: 10 s (podMaxBackoffSeconds) */
    uint64_t max_unschedulable_ms; /* 0: 5 min (podMaxInUnschedulablePodsDuration) */
} ck_sq_config;

/* snap (may be NULL) is the nominator: pods carrying status.nominatedNodeName are
 * nominated there while they are queued (upstream's nominator lives in the queue). */
ck_sched_queue *ck_sq_new(ck_sched_snapshot *snap, const ck_sq_config *cfg);
/* Drops every pod's reference (and nomination). */
void ck_sq_free(ck_sched_queue *q);

/* Backoff after `attempts` scheduling attempts: 0 for none, then the initial backoff
 * doubling per attempt up to the maximum. */
uint64_t ck_sq_backoff_ms(const ck_sched_queue *q, uint32_t attempts);

/* A new pending pod (the queue takes a reference): to activeQ, or to the unschedulable
 * pool when it has scheduling gates. A pod already queued is updated instead. */
void ck_sq_add(ck_sched_queue *q, ck_sched_pod *pod, uint64_t now);
/* A newer version of a queued pod (reference taken; the old one is released). In activeQ
 * or backoffQ, or in flight, it is replaced in place. In the unschedulable pool it moves
 * to activeQ (or backoffQ while backing off) when its gates are gone or when `changed`
 * (upstream isPodUpdated: anything beyond status changed). Unknown pods are added. The
 * nomination follows status.nominatedNodeName, keeping one the scheduler made in memory
 * while neither version carries it (upstream UpdateNominatedPod). */
void ck_sq_update(ck_sched_queue *q, ck_sched_pod *pod, bool changed, uint64_t now);
/* Forgets a pod wherever it is (and its nomination). Returns whether it was queued. */
bool ck_sq_delete(ck_sched_queue *q, const char *uid);

/* Pops the head of activeQ (highest priority, then oldest timestamp: PrioritySort), or
 * NULL. The pod stays the queue's (borrowed) and is in flight until ck_sq_done or
 * ck_sq_requeue; its attempt count grows by one. */
ck_sched_pod *ck_sq_pop(ck_sched_queue *q, uint64_t now);
/* An in-flight pod is bound or dropped: forget it. */
void ck_sq_done(ck_sched_queue *q, const char *uid);
/* An in-flight pod failed (AddUnschedulableIfNotPresent). plugins: the rejecting plugins
 * (ck_sched_result.plugins); NULL or "" for an error, which goes to backoffQ. Rejected
 * pods wait in the unschedulable pool, or in backoffQ when a move request arrived since
 * they were popped. Returns where the pod went (ABSENT if it was not in flight). */
ck_sq_where ck_sq_requeue(ck_sched_queue *q, const char *uid, const char *plugins, uint64_t now);

/* An optional filter for ck_sq_move: the unschedulable pod and its rejecting plugins. */
typedef bool (*ck_sq_pred)(const ck_sched_pod *pod, const char *plugins, void *ctx);
/* A cluster event (CK_SQ_EV_* bits): unschedulable pods whose rejecting plugins care (and
 * that pass pred, when given) move to activeQ, or to backoffQ while backing off (upstream
 * MoveAllToActiveOrBackoffQueue). Gated pods stay. Returns how many moved. */
size_t ck_sq_move(ck_sched_queue *q, uint32_t events, ck_sq_pred pred, void *ctx, uint64_t now);
/* Moves pods whose backoff has expired from backoffQ to activeQ (upstream runs this every
 * second). Returns how many moved. */
size_t ck_sq_flush_backoff(ck_sched_queue *q, uint64_t now);
/* Moves pods that stayed longer than max_unschedulable_ms in the unschedulable pool
 * (upstream checks every 30 s). Returns how many moved. */
size_t ck_sq_flush_unschedulable(ck_sched_queue *q, uint64_t now);

size_t ck_sq_len(const ck_sched_queue *q, ck_sq_where where);
ck_sq_where ck_sq_where_is(const ck_sched_queue *q, const char *uid);
/* The queued version of a pod (borrowed), or NULL. */
ck_sched_pod *ck_sq_get(const ck_sched_queue *q, const char *uid);
/* The rejecting plugins recorded at the last ck_sq_requeue ("" for none; borrowed). */
const char *ck_sq_plugins(const ck_sched_queue *q, const char *uid);

/* ---- The component ---------------------------------------------------------------------- */

typedef struct ck_scheduler_options {
    const char *kubeconfig;
    const char *config_file; /* --config: KubeSchedulerConfiguration (YAML or JSON) */
    bool leader_elect;
    int64_t lease_duration_ms, renew_deadline_ms, retry_period_ms;
    const char *lock_name, *lock_namespace;
    int kube_api_qps, kube_api_burst;
    int64_t pod_max_unschedulable_ms; /* --pod-max-in-unschedulable-pods-duration */
    /* Filled from --config (defaults otherwise). */
    int64_t pod_initial_backoff_ms, pod_max_backoff_ms;
    const char *bind_address;
    int secure_port;
} ck_scheduler_options;

/* Upstream's defaults. */
void ck_scheduler_options_init(ck_scheduler_options *o);
/* Runs the scheduler on loop until the loop is stopped (SIGTERM) or leadership is lost.
 * config: the KubeSchedulerConfiguration (NULL: defaults; borrowed). Returns 0, or 1 when
 * leadership was lost (upstream exits 1), or -1 with err when it could not start. */
int ck_scheduler_run(const ck_scheduler_options *o, const json_t *config, ck_loop *loop,
                     ck_err **err);
int ck_cmd_scheduler(int argc, char **argv);

#endif
