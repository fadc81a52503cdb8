/* The objects a hollow kubelet writes about its node, built as upstream's kubelet builds
 * them (pkg/kubelet/kubelet_node_status.go, nodestatus/setters.go, nodelease/controller.go):
 * the Node it registers, the node conditions of its heartbeats, its Lease; and the parsing
 * of the flags that shape them. Pure: no I/O; times are passed in. */
#ifndef CK_HOLLOW_OBJECTS_H
#define CK_HOLLOW_OBJECTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"

#define HW_LEASE_NAMESPACE "kube-node-lease"

/* What every node of one hollow-nodes process has in common. */
typedef struct hw_node_spec {
    const char *cpu, *memory, *pods, *ephemeral_storage; /* canonical quantities */
    json_t *labels;                                      /* --node-labels (object), borrowed */
    json_t *taints;                                      /* --register-with-taints (array) */
    const char *kernel_version, *os_image;               /* of this machine */
    const char *kubelet_version;
} hw_node_spec;

/* The Node a kubelet registers (initialNode plus the first status): labels hostname, os,
 * arch (stable and beta), the attach-detach annotation, taints, capacity = allocatable,
 * the four conditions (heartbeat and transition at now), addresses, daemonEndpoints and
 * nodeInfo. ip: the InternalIP; boot_id: this run's. New reference. */
json_t *hw_node_object(const hw_node_spec *s, const char *name, const char *ip, const char *boot_id,
                       const char *now);
/* The node status alone (what a restarted kubelet re-reports for a Node that exists). */
json_t *hw_node_status(const hw_node_spec *s, const char *name, const char *ip, const char *boot_id,
                       const char *now, const char *transition);
/* MemoryPressure, DiskPressure, PIDPressure False and Ready True with upstream's reasons
 * and messages, heartbeat at now, lastTransitionTime at transition. */
json_t *hw_node_conditions(const char *now, const char *transition);
/* True when the node's conditions are the ones hw_node_conditions reports (so no write is
 * needed before the next heartbeat). */
bool hw_node_conditions_current(const json_t *node);
/* What hollow-nodes keeps of a Node (new reference): name, uid, podCIDR(s) and the
 * conditions' type, status and reason. */
json_t *hw_node_trim(const json_t *node);
/* The node's Lease in kube-node-lease as the kubelet's lease controller writes it:
 * holderIdentity = node name, leaseDurationSeconds (upstream's default 40), renewTime
 * (MicroTime), owned by the Node (when node_uid is known). */
json_t *hw_lease_object(const char *node, const char *node_uid, int duration_s, int64_t renew_us);

/* Stable per-name identifiers for nodeInfo: machineID (32 hex) and systemUUID. */
void hw_machine_id(const char *name, char out[33]);
void hw_system_uuid(const char *name, char out[37]);

/* --node-labels "k=v,k2=v2" into an object; keys and values checked as label keys and
 * values. --register-with-taints "k=v:Effect,k:Effect" into a taint array. Return 0, or
 * -1 with err (400) naming the bad item. *out is a new reference. */
int hw_parse_labels(const char *s, json_t **out, ck_err **err);
int hw_parse_taints(const char *s, json_t **out, ck_err **err);
/* --cpu/--memory/--pods/... : a non-negative quantity, into its canonical form (caller
 * frees). flag names the flag in the error. */
int hw_parse_quantity(const char *flag, const char *s, char **canonical, ck_err **err);

/* The image reference as a container runtime reports it: "nginx" is
 * "docker.io/library/nginx:latest", "repo/x:1" is "docker.io/repo/x:1", digests kept.
 * Caller frees. */
char *hw_image_ref(const char *image);

#endif
