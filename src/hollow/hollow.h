/* `ckube hollow-nodes`: many simulated nodes in one process (kubemark's hollow kubelet,
 * kwok). Each node is registered, keeps its Lease and status fresh, and plays the kubelet
 * for the pods bound to it without running containers: they become Running with an IP
 * from the node's podCIDR, pods that run to completion end after --job-duration, deleted
 * pods are finished. One loop, one API client, no blocking calls.
 *
 * Choices where there is no real machine behind a node:
 *  - InternalIP: 198.18.0.0/15 (RFC 2544's benchmarking range, never routed) + index + 1;
 *    nothing dials it. Processes with different prefixes reuse the same addresses.
 *  - Pod IPs: from spec.podCIDR(s) (set by node IPAM or by hand) in host-local's order,
 *    skipping the network address, the gateway (.1) and the broadcast address. A node
 *    without podCIDR uses the index-th /24 of 100.64.0.0/10 (RFC 6598; 16,384 of them).
 *    Pods that already had IPs keep them when the podCIDR arrives later.
 *  - Containers of a deleted pod exit 0 (they honour SIGTERM), so its phase is Succeeded.
 *  - OnFailure pods that fail restart, as upstream's kubelet does (at once the first time,
 *    then after 10 s doubling to 5 min), rather than failing the pod. */
#ifndef CK_HOLLOW_H
#define CK_HOLLOW_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ck_hollow_opts {
    const char *kubeconfig;
    int count;
    const char *name_prefix;                             /* nodes are <prefix>-0 .. -<count-1> */
    const char *cpu, *memory, *pods, *ephemeral_storage; /* capacity = allocatable */
    int64_t job_duration_ms;                             /* run time of Never/OnFailure pods */
    const char *node_labels;                             /* "k=v,..." */
    const char *register_with_taints;                    /* "k=v:Effect,..." */
    int kube_api_qps, kube_api_burst;                    /* 0: unlimited */
    int max_requests_inflight;                           /* writes outstanding at once */
    int lease_duration_s;                                /* 40; renewed every quarter of it */
    int64_t status_report_ms;                            /* upstream's nodeStatusReportFrequency */
    int64_t stats_interval_ms;                           /* progress lines (0: none) */
    bool delete_nodes_on_exit;
} ck_hollow_opts;

void ck_hollow_opts_init(ck_hollow_opts *o);
/* Runs until SIGINT/SIGTERM. Returns 0, or -1 when start-up failed (message printed). */
int ck_hollow_run(const ck_hollow_opts *o);
int ck_cmd_hollow_nodes(int argc, char **argv);

#endif
