/* Pod statuses as the kubelet reports them (pkg/kubelet/kubelet_pods.go
 * generateAPIPodStatus, pkg/kubelet/status/generate.go), built for hollow nodes that run
 * no containers. Each builder returns the strategic merge patch for pods/NAME/status that
 * the kubelet's status manager would send: {"metadata":{"uid"}, "status":{...}} with
 * $setElementOrder for the conditions (merged by type, so conditions others own, such as
 * DisruptionTarget or readiness gates, are kept) and containerStatuses replaced whole.
 * Pure: times are passed in as RFC 3339 text. */
#ifndef CK_HOLLOW_PODSTATUS_H
#define CK_HOLLOW_PODSTATUS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define HW_EXIT_CODE_ANNOTATION "hollow.ckube.io/exit-code"
#define HW_DURATION_ANNOTATION "hollow.ckube.io/job-duration"

typedef struct hw_pod_env {
    const char *host_ip;
    const char *pod_ips[2]; /* in the order of the node's podCIDRs */
    unsigned npod_ips;
    const char *now;        /* when this report is made */
    const char *start;      /* status.startTime: when the node took the pod */
    const char *started_at; /* when the current containers started (the last restart) */
    int restarts;           /* restartCount of the containers */
    /* The previous run (after a failure with restartPolicy OnFailure), or NULL: */
    const char *last_started, *finished_at;
    int last_exit; /* its exit code */
} hw_pod_env;

/* Running: every container running, started and ready; conditions
 * PodReadyToStartContainers, Initialized, ContainersReady True, Ready True unless a
 * readiness gate's condition is not True, PodScheduled True when missing; hostIP(s),
 * podIP(s), startTime. With env->finished_at, lastState holds the previous run. */
json_t *hw_pod_running_patch(const json_t *pod, const hw_pod_env *e);
/* Terminal: containers terminated with exit_code (reason Completed for 0, else Error);
 * phase Succeeded when exit_code is 0, else Failed; Ready and ContainersReady False with
 * reason PodCompleted or PodFailed; PodReadyToStartContainers False. reason and message
 * (both may be NULL) are the pod's own (DeadlineExceeded). */
json_t *hw_pod_finished_patch(const json_t *pod, const hw_pod_env *e, int exit_code,
                              const char *reason, const char *message);
/* restartPolicy OnFailure after a failed run: phase Running, containers waiting in
 * CrashLoopBackOff ("back-off 10s restarting failed container=...") with the failed run in
 * lastState. */
json_t *hw_pod_backoff_patch(const json_t *pod, const hw_pod_env *e, uint64_t backoff_ms);
/* The kubelet's admission refusing the pod: phase Failed with reason and message. */
json_t *hw_pod_rejected_patch(const json_t *pod, const char *reason, const char *message);
/* When a Running pod's Ready condition differs from what its readiness gates give
 * (ContainersReady True), the patch setting Ready; NULL when it is current. */
json_t *hw_pod_ready_patch(const json_t *pod, const char *now);

/* What a hollow kubelet keeps of a pod (new reference): the metadata, spec and status
 * fields the builders here and the pod steps read; annotations only those under hollow.ckube.io/.
 */
json_t *hw_pod_trim(const json_t *pod);

/* The exit code in the hollow.ckube.io/exit-code annotation (0..255; default 0; anything
 * else counts as 1). */
int hw_pod_exit_code(const json_t *pod);
/* The run time of a pod that runs to completion: the hollow.ckube.io/job-duration
 * annotation (Go duration) or dflt_ms. */
int64_t hw_pod_job_duration_ms(const json_t *pod, int64_t dflt_ms);
/* restartPolicy Never or OnFailure. */
bool hw_pod_runs_to_completion(const json_t *pod);
/* The pod's effective requests as the kubelet's admission counts them: the sum over
 * containers and sidecars, at least any regular init container, plus overhead (or the
 * pod-level resources when set). cpu in millicores, memory in bytes. */
void hw_pod_requests(const json_t *pod, int64_t *cpu_m, int64_t *mem);
/* The kubelet's rejection message for a resource that does not fit: "Node didn't have
 * enough resource: cpu, requested: 1000, used: 31500, capacity: 32000". Caller frees. */
char *hw_reject_message(const char *resource, int64_t requested, int64_t used, int64_t cap);

#endif
