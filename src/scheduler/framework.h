/* The scheduling core (upstream pkg/scheduler/framework and its default plugins) as a pure
 * library: no networking, one thread. The scheduler component feeds a snapshot from its
 * informers (nodes, assigned pods, namespaces, volumes, workloads), turns each pending pod
 * into a ck_sched_pod once, and runs ck_sched_schedule_one; it performs the binding, event
 * and preemption API calls itself from the result.
 *
 * Model: nodes and pods are parsed from API JSON once (quantities, selectors, affinity
 * terms, tolerations...) into the structs below; label keys and values are interned
 * (ck_sym) so plugins compare integers. Plugins are structs of function pointers with
 * upstream's extension points; a profile (KubeSchedulerConfiguration) chooses them. */
#ifndef CK_SCHED_FRAMEWORK_H
#define CK_SCHED_FRAMEWORK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"
#include "scheduler/symtab.h"

#define CK_SCHED_MAX_NODE_SCORE 100
/* Upstream's non-zero defaults for pods that request nothing (schedutil). */
#define CK_SCHED_DEFAULT_MILLI_CPU 100
#define CK_SCHED_DEFAULT_MEMORY (200LL * 1024 * 1024)
/* A status keeps at most this many reasons (NodeResourcesFit's are the longest list). */
#define CK_SCHED_MAX_REASONS 8

/* ---- Labels and selectors ------------------------------------------------------------- */

typedef struct ck_sched_label {
    ck_sym key, val;
} ck_sched_label;

/* A label map, sorted by key id. */
typedef struct ck_sched_labels {
    ck_sched_label *v;
    uint32_t n;
} ck_sched_labels;

typedef enum {
    CK_SEL_IN,
    CK_SEL_NOT_IN,
    CK_SEL_EXISTS,
    CK_SEL_DOES_NOT_EXIST,
    CK_SEL_GT,
    CK_SEL_LT
} ck_sel_op;

typedef struct ck_sel_req {
    ck_sym key;
    uint8_t op; /* ck_sel_op */
    uint32_t nvals;
    ck_sym *vals;
    int64_t num; /* Gt/Lt operand */
} ck_sel_req;

/* A compiled label selector. `nothing` is upstream's labels.Nothing() (a nil selector);
 * an empty one selects everything. */
typedef struct ck_sched_selector {
    ck_sel_req *reqs;
    uint32_t n;
    bool nothing;
} ck_sched_selector;

/* The value of key in l, or 0. */
ck_sym ck_sched_labels_get(const ck_sched_labels *l, ck_sym key);
bool ck_sched_selector_matches(const ck_sched_selector *s, const ck_sched_labels *l,
                               const ck_sched_symtab *t);

/* ---- Resources ------------------------------------------------------------------------- */

typedef struct ck_sched_scalar {
    ck_sym name;
    int64_t val;
} ck_sched_scalar;

/* framework.Resource: cpu in millicores, the rest in units. */
typedef struct ck_sched_res {
    int64_t milli_cpu, memory, ephemeral;
    int64_t pods; /* allowed pod number (allocatable only) */
} ck_sched_res;

/* ScalarResources: extended resources, hugepages and attachable volumes. */
typedef struct ck_sched_scalars {
    ck_sched_scalar *v;
    uint32_t n, cap;
} ck_sched_scalars;

int64_t ck_sched_scalar_get(const ck_sched_scalars *r, ck_sym name);

/* ---- Nodes ------------------------------------------------------------------------------ */

typedef enum {
    CK_EFFECT_ANY = 0, /* tolerations only: empty effect matches all */
    CK_EFFECT_NO_SCHEDULE,
    CK_EFFECT_PREFER_NO_SCHEDULE,
    CK_EFFECT_NO_EXECUTE,
    CK_EFFECT_OTHER
} ck_taint_effect;

typedef struct ck_sched_taint {
    ck_sym key, value;
    uint8_t effect;
    char *msg; /* "node(s) had untolerated taint {key: value}" */
} ck_sched_taint;

typedef enum { CK_PROTO_TCP, CK_PROTO_UDP, CK_PROTO_SCTP } ck_sched_proto;

typedef struct ck_sched_port {
    ck_sym ip; /* "0.0.0.0" when unset */
    uint8_t proto;
    int32_t port;
    uint32_t count; /* node: pods using it */
} ck_sched_port;

typedef struct ck_sched_image {
    ck_sym name;
    int64_t size;
} ck_sched_image;

typedef struct ck_sched_pod ck_sched_pod;

/* framework.NodeInfo. Immutable parts (labels, taints, allocatable) change only through
 * ck_sched_snapshot_upsert_node; the pod aggregates change as pods come and go. */
typedef struct ck_sched_node {
    /* The first two cache lines hold what Filter and Score read for hundreds of nodes per
     * cycle; the rest is read only by the plugins a pod actually needs. */
    ck_sym name;
    uint32_t idx; /* position in the snapshot's table (stable while the node exists) */
    bool present; /* false: a placeholder holding pods bound to a node not (yet) seen */
    bool unschedulable;
    bool is_clone;
    uint32_t npods;
    uint32_t nnominated, ntaints, nimages, nports;
    ck_sched_res alloc;
    ck_sched_res requested;          /* sum of pod requests (pods unused) */
    int64_t nz_milli_cpu, nz_memory; /* NonZeroRequested cpu and memory */
    ck_sched_image *images;          /* sorted by name */
    ck_sched_taint *taints;
    /* Cold. */
    ck_sched_scalars alloc_sc, requested_sc;
    ck_sched_labels labels;
    ck_sym zone; /* node tree zone key (region + zone labels) */
    ck_sched_pod **pods;
    uint32_t cappods;
    uint32_t n_with_affinity, n_with_req_anti;
    ck_sched_port *ports;
    uint32_t capports;
    ck_sched_pod **nominated; /* pods nominated to this node (preemption) */
    uint32_t capnominated;
    json_t *obj; /* the Node object (reference) */
} ck_sched_node;

/* ---- Pods ------------------------------------------------------------------------------- */

typedef enum { CK_TOL_EQUAL, CK_TOL_EXISTS, CK_TOL_INVALID } ck_tol_op;

typedef struct ck_sched_toleration {
    ck_sym key, value; /* key 0: empty key */
    uint8_t op;        /* ck_tol_op */
    uint8_t effect;    /* ck_taint_effect, ANY when empty */
} ck_sched_toleration;

/* A node selector term: requirements on labels and on fields (metadata.name). */
typedef struct ck_sched_node_term {
    ck_sel_req *exprs, *fields;
    uint32_t nexprs, nfields;
    int32_t weight; /* preferred terms */
} ck_sched_node_term;

/* fwk.AffinityTerm: namespaces, namespaceSelector (nothing when unset), label selector. */
typedef struct ck_sched_aff_term {
    ck_sched_selector sel;
    ck_sym *namespaces;
    uint32_t nns;
    ck_sched_selector ns_sel;
    ck_sym topology_key;
    int32_t weight;
} ck_sched_aff_term;

typedef struct ck_sched_spread {
    int32_t max_skew;
    ck_sym topology_key;
    bool do_not_schedule;  /* whenUnsatisfiable */
    ck_sched_selector sel; /* labelSelector with matchLabelKeys merged */
    int32_t min_domains;
    bool honor_node_affinity, honor_node_taints;
} ck_sched_spread;

typedef enum { CK_OWNER_NONE, CK_OWNER_RC, CK_OWNER_RS, CK_OWNER_SS, CK_OWNER_OTHER } ck_owner_kind;

typedef struct ck_sched_volume {
    char *claim;    /* PVC name */
    bool ephemeral; /* generic ephemeral volume: the claim is <pod>-<volume> */
} ck_sched_volume;

/* framework.PodInfo with the pod's requests computed once. Reference counted: the snapshot
 * holds one reference while the pod is on a node. */
struct ck_sched_pod {
    uint32_t refs;
    char *name, *uid;
    ck_sym ns;
    ck_sym node_name;      /* spec.nodeName */
    ck_sym nominated_node; /* status.nominatedNodeName */
    ck_sym scheduler_name;
    int32_t priority;
    bool preempt_never;
    bool gated;       /* spec.schedulingGates not empty: keep out of the queue (SchedulingGates) */
    bool terminating; /* deletionTimestamp set */
    bool preempted_by_scheduler; /* DisruptionTarget condition PreemptionByScheduler */
    int64_t start_time;          /* status.startTime (unix seconds), INT64_MAX when unset */
    ck_sched_labels labels;
    ck_sched_node_term node_selector; /* spec.nodeSelector as In requirements */
    bool has_node_selector;
    ck_sched_node_term *required; /* required node affinity terms (ORed) */
    uint32_t nrequired;
    bool has_required; /* requiredDuringScheduling... is set */
    ck_sched_node_term *preferred;
    uint32_t npreferred;
    ck_sched_toleration *tols;
    uint32_t ntols;
    ck_sched_port *ports;
    uint32_t nports;
    ck_sched_res req; /* computed requests (PodRequests) */
    ck_sched_scalars req_sc;
    int64_t nz_milli_cpu, nz_memory; /* NodeInfo's NonZeroRequested share */
    int64_t sc_milli_cpu, sc_memory; /* with the non-zero defaults, for scoring */
    ck_sched_aff_term *aff_req, *anti_req, *aff_pref, *anti_pref;
    uint32_t naff_req, nanti_req, naff_pref, nanti_pref;
    bool has_pod_affinity, has_pod_anti_affinity; /* the affinity structs are set */
    ck_sched_spread *spread;
    uint32_t nspread;
    ck_sym *images; /* normalized images of init and regular containers */
    uint32_t nimages;
    uint32_t ncontainers;
    ck_sched_volume *volumes;
    uint32_t nvolumes;
    uint8_t owner_kind; /* controller owner reference */
    char *owner_name;
    json_t *obj;
    /* Snapshot bookkeeping. */
    ck_sched_node *node;
    bool assumed;
    bool in_nominated;
};

/* Parses a Pod. The pod is interned into t (the snapshot's table). Returns NULL with a 400
 * error for malformed quantities or selectors. The pod keeps a reference to obj. */
ck_sched_pod *ck_sched_pod_new(ck_sched_symtab *t, json_t *obj, ck_err **err);
ck_sched_pod *ck_sched_pod_ref(ck_sched_pod *p);
void ck_sched_pod_unref(ck_sched_pod *p);

/* ---- Snapshot ----------------------------------------------------------------------------- */

/* All nodes with their pods, plus the objects plugins consult (namespaces, PVCs, PVs,
 * StorageClasses, Services, ReplicationControllers, ReplicaSets, StatefulSets). Updated in
 * place between cycles by the component's informers, on the scheduling thread. It also
 * keeps, incrementally, the per-domain pod counts topology spreading and inter-pod affinity
 * read, so their cost per cycle does not grow with the number of pods. */
typedef struct ck_sched_snapshot ck_sched_snapshot;

ck_sched_snapshot *ck_sched_snapshot_new(void);
void ck_sched_snapshot_free(ck_sched_snapshot *s);
ck_sched_symtab *ck_sched_snapshot_symtab(ck_sched_snapshot *s);
/* Adds or updates a Node (keeps its pods). */
int ck_sched_snapshot_upsert_node(ck_sched_snapshot *s, json_t *node, ck_err **err);
void ck_sched_snapshot_remove_node(ck_sched_snapshot *s, const char *name);
/* Adds or updates a Pod bound to a node (spec.nodeName set). Pods not bound, or terminal
 * (Succeeded/Failed), are removed (an assumed pod is kept until its node is confirmed). */
int ck_sched_snapshot_upsert_pod(ck_sched_snapshot *s, json_t *pod, ck_err **err);
void ck_sched_snapshot_remove_pod(ck_sched_snapshot *s, const char *uid);
/* Namespaces (for namespaceSelector), PVCs, PVs, StorageClasses, Services, RCs, RSs and
 * StatefulSets by kind ("Namespace", ...; NULL: the object's own "kind", which list items
 * lack). Other kinds are ignored. The snapshot keeps a reference. */
void ck_sched_snapshot_upsert_object(ck_sched_snapshot *s, const char *kind, json_t *obj);
void ck_sched_snapshot_remove_object(ck_sched_snapshot *s, const char *kind, const char *ns,
                                     const char *name);
const json_t *ck_sched_snapshot_object(const ck_sched_snapshot *s, const char *kind, const char *ns,
                                       const char *name);
/* Records that a pending pod is nominated to a node (status.nominatedNodeName); node NULL
 * or "" clears it. Filters treat nominated pods of equal or higher priority as running. */
void ck_sched_snapshot_nominate(ck_sched_snapshot *s, ck_sched_pod *pod, const char *node);
/* The nodes in upstream's node tree order (zones interleaved). */
ck_sched_node *const *ck_sched_snapshot_nodes(ck_sched_snapshot *s, uint32_t *n);
ck_sched_node *ck_sched_snapshot_node(const ck_sched_snapshot *s, const char *name);
ck_sched_pod *ck_sched_snapshot_pod(const ck_sched_snapshot *s, const char *uid);
uint32_t ck_sched_snapshot_num_nodes(const ck_sched_snapshot *s);

/* ---- Plugin interface -------------------------------------------------------------------- */

typedef enum {
    CK_SCHED_SUCCESS = 0,
    CK_SCHED_ERROR,
    CK_SCHED_UNSCHEDULABLE,
    CK_SCHED_UNRESOLVABLE, /* UnschedulableAndUnresolvable */
    CK_SCHED_WAIT,
    CK_SCHED_SKIP,
    CK_SCHED_PENDING
} ck_sched_code;

/* fwk.Status. Reasons are static strings or live in the cycle arena / node. */
typedef struct ck_sched_status {
    uint8_t code;
    uint8_t nreasons;
    uint8_t plugin_id; /* set with plugin by the framework */
    const char *plugin;
    const char *reasons[CK_SCHED_MAX_REASONS];
} ck_sched_status;

static inline ck_sched_status ck_sched_ok(void)
{
    return (ck_sched_status){.code = CK_SCHED_SUCCESS};
}
ck_sched_status ck_sched_st(ck_sched_code code, const char *reason);
void ck_sched_st_add(ck_sched_status *s, const char *reason);
static inline bool ck_sched_rejected(const ck_sched_status *s)
{
    return s->code == CK_SCHED_UNSCHEDULABLE || s->code == CK_SCHED_UNRESOLVABLE;
}

typedef struct ck_sched_cycle ck_sched_cycle;

/* PreFilterResult: the node names that may fit (all when `all`). */
typedef struct ck_sched_prefilter_result {
    bool all;
    ck_sym *names;
    uint32_t n;
} ck_sched_prefilter_result;

/* Node statuses after Filter (NodeToStatus): explicit per node, else `absent`. */
typedef struct ck_sched_node_statuses ck_sched_node_statuses;
const ck_sched_status *ck_sched_node_status(const ck_sched_node_statuses *m,
                                            const ck_sched_node *node);

typedef struct ck_sched_post_filter_result {
    bool nominate;          /* ModeOverride */
    ck_sym nominated_node;  /* 0 clears */
    ck_sched_pod **victims; /* references, owned by the result */
    uint32_t nvictims;
} ck_sched_post_filter_result;

/* A plugin: any extension point may be NULL. `self` is what create returned. Cycle state
 * is kept with ck_sched_cycle_put/get under the plugin's id. */
typedef struct ck_sched_plugin_ops {
    const char *name;
    void *(*create)(const json_t *args, ck_sched_snapshot *snap, ck_err **err);
    void (*destroy)(void *self);
    ck_sched_status (*pre_filter)(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                  ck_sched_prefilter_result *res);
    /* PreFilterExtensions: a pod added to / removed from node in this (cloned) state. */
    ck_sched_status (*add_pod)(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                               const ck_sched_pod *other, const ck_sched_node *node);
    ck_sched_status (*remove_pod)(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                  const ck_sched_pod *other, const ck_sched_node *node);
    ck_sched_status (*filter)(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                              const ck_sched_node *node);
    ck_sched_status (*post_filter)(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                   const ck_sched_node_statuses *m,
                                   ck_sched_post_filter_result *res);
    ck_sched_status (*pre_score)(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                 ck_sched_node *const *nodes, uint32_t n);
    ck_sched_status (*score)(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                             const ck_sched_node *node, int64_t *score);
    ck_sched_status (*normalize_score)(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                                       ck_sched_node *const *nodes, int64_t *scores, uint32_t n);
    ck_sched_status (*reserve)(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                               const ck_sched_node *node);
    void (*unreserve)(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                      const ck_sched_node *node);
    ck_sched_status (*permit)(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                              const ck_sched_node *node, uint32_t *timeout_ms);
    ck_sched_status (*bind)(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                            const ck_sched_node *node);
    /* Optional hint: node will be scored soon (prefetch what score reads beyond the node's
     * first cache lines). */
    void (*prefetch)(void *self, const ck_sched_node *node);
} ck_sched_plugin_ops;

/* Cycle state slots, one pair per registered plugin (prefilter state is cloned for
 * preemption's what-if runs; prescore state is not). clone NULL shares the pointer. */
typedef enum { CK_STATE_PREFILTER = 0, CK_STATE_PRESCORE = 1 } ck_sched_state_kind;
void ck_sched_cycle_put(ck_sched_cycle *c, uint32_t plugin_id, ck_sched_state_kind kind,
                        void *state, void (*free_fn)(void *), void *(*clone_fn)(const void *));
void *ck_sched_cycle_get(const ck_sched_cycle *c, uint32_t plugin_id, ck_sched_state_kind kind);
ck_sched_snapshot *ck_sched_cycle_snapshot(const ck_sched_cycle *c);
ck_sched_arena *ck_sched_cycle_arena(ck_sched_cycle *c);

/* The plugin registry (built-ins, then registered plugins); ids index it. */
const ck_sched_plugin_ops *const *ck_sched_registry(uint32_t *n);
int ck_sched_plugin_id(const char *name);
/* Adds an out-of-tree plugin for profiles to enable (by name); returns its id. Not
 * synchronized: register before creating schedulers. The ops must outlive the process. */
int ck_sched_register_plugin(const ck_sched_plugin_ops *ops, ck_err **err);

/* ---- Scheduler (profiles + cycle) -------------------------------------------------------- */

typedef struct ck_sched ck_sched;

/* Builds the profiles from a KubeSchedulerConfiguration object (apiVersion
 * kubescheduler.config.k8s.io/v1; NULL: one default-scheduler profile with upstream's
 * v1.34 default plugins). Errors are 400 with upstream-like messages. The snapshot is
 * borrowed and must outlive the scheduler. */
ck_sched *ck_sched_new(ck_sched_snapshot *snap, const json_t *config, ck_err **err);
void ck_sched_free(ck_sched *s);
void ck_sched_seed(ck_sched *s, uint64_t seed);
/* Whether a profile exists for this schedulerName. */
bool ck_sched_has_profile(const ck_sched *s, const char *scheduler_name);
/* The plugins enabled at an extension point ("Filter", "Score", ...) for a profile, as
 * "Name" or "Name:weight" (Score), comma-separated; the caller frees. For tests and logs. */
char *ck_sched_describe(const ck_sched *s, const char *scheduler_name, const char *point);

/* What a cycle would decide, for logs and tests (upstream logs this at -v=10): runs
 * PreFilter, Filter on every node (no sampling), and scoring of the feasible ones without
 * assuming anything. Returns {"prefilter": msg?, "nodes": {name: {"status": reasons?,
 * "scores": {plugin: normalized score}, "total": weighted sum}}} (new reference). */
json_t *ck_sched_explain(ck_sched *s, ck_sched_pod *pod);

/* DefaultBinder's call: binds pod to node through the API (the component's binding). NULL
 * (the default) makes DefaultBinder succeed without doing anything. */
typedef int (*ck_sched_bind_fn)(void *ctx, const ck_sched_pod *pod, const char *node, ck_err **err);
void ck_sched_set_binder(ck_sched *s, ck_sched_bind_fn fn, void *ctx);

typedef enum {
    CK_SCHED_OUT_SCHEDULED,     /* assumed on `node`: call ck_sched_bind */
    CK_SCHED_OUT_WAITING,       /* a Permit plugin said Wait: bind or forget later */
    CK_SCHED_OUT_UNSCHEDULABLE, /* FitError: `message` is the FailedScheduling text */
    CK_SCHED_OUT_FAILED         /* an error: `message` says what */
} ck_sched_outcome;

/* On UNSCHEDULABLE the component records a FailedScheduling event with `message` and the
 * PodScheduled=False condition; when `nominate` is set it patches
 * status.nominatedNodeName (and tells the snapshot, ck_sched_snapshot_nominate), and
 * deletes the victims (upstream first sets their DisruptionTarget condition). */
typedef struct ck_sched_result {
    ck_sched_outcome outcome;
    const char *node; /* borrowed from the snapshot's table */
    uint32_t evaluated, feasible;
    char *message;          /* owned */
    char *plugins;          /* plugins that rejected, sorted, comma-separated (owned) */
    bool nominate;          /* set status.nominatedNodeName to nominated_node ("" clears) */
    char *nominated_node;   /* owned */
    ck_sched_pod **victims; /* pods to preempt (references) */
    uint32_t nvictims;
} ck_sched_result;

void ck_sched_result_clear(ck_sched_result *r);

/* One scheduling cycle for pod (upstream schedulingCycle): PreFilter, Filter (with
 * percentageOfNodesToScore from a rotating start), PostFilter on failure, PreScore, Score,
 * NormalizeScore, weighted sum, host selection, then assume + Reserve + Permit. On
 * OUT_SCHEDULED the pod is assumed in the snapshot (it takes a reference). Returns the outcome
 * (also in res). */
ck_sched_outcome ck_sched_schedule_one(ck_sched *s, ck_sched_pod *pod, ck_sched_result *res);
/* The binding cycle for an assumed pod: Bind plugins (they and Unreserve get a fresh cycle
 * state; the scheduling cycle's is gone). On failure the pod is unreserved and forgotten;
 * returns -1 with err. Once bound, the informer's update replaces the assumed pod. */
int ck_sched_bind(ck_sched *s, ck_sched_pod *pod, ck_err **err);
/* Unreserves and removes an assumed pod (binding failed or Permit rejected). */
void ck_sched_forget(ck_sched *s, ck_sched_pod *pod);

#endif
