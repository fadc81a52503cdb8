/* Internal to the scheduling core: plugin ids, the cycle and profile structures, the
 * framework calls preemption re-enters, and helpers several plugins share (taints and
 * tolerations, node affinity matching, node info updates). */
#ifndef CK_SCHED_PLUGINS_H
#define CK_SCHED_PLUGINS_H

#include "scheduler/framework.h"

/* Built-in plugin ids: the registry order (framework.c). */
enum {
    CK_PL_PRIORITY_SORT,
    CK_PL_SCHEDULING_GATES,
    CK_PL_NODE_UNSCHEDULABLE,
    CK_PL_NODE_NAME,
    CK_PL_TAINT_TOLERATION,
    CK_PL_NODE_AFFINITY,
    CK_PL_NODE_PORTS,
    CK_PL_NODE_RESOURCES_FIT,
    CK_PL_VOLUME_RESTRICTIONS,
    CK_PL_NODE_VOLUME_LIMITS,
    CK_PL_VOLUME_BINDING,
    CK_PL_VOLUME_ZONE,
    CK_PL_POD_TOPOLOGY_SPREAD,
    CK_PL_INTER_POD_AFFINITY,
    CK_PL_DYNAMIC_RESOURCES,
    CK_PL_DEFAULT_PREEMPTION,
    CK_PL_BALANCED_ALLOCATION,
    CK_PL_IMAGE_LOCALITY,
    CK_PL_DEFAULT_BINDER,
    CK_PL_COUNT /* built-ins; registered plugins follow, up to CK_PL_MAX */
};
#define CK_PL_MAX 32

extern const ck_sched_plugin_ops ck_pl_node_unschedulable, ck_pl_node_name, ck_pl_taint_toleration,
    ck_pl_node_affinity, ck_pl_node_ports, ck_pl_node_resources_fit, ck_pl_volume_binding,
    ck_pl_pod_topology_spread, ck_pl_inter_pod_affinity, ck_pl_default_preemption,
    ck_pl_balanced_allocation, ck_pl_image_locality, ck_pl_default_binder, ck_pl_noop_priority_sort,
    ck_pl_noop_scheduling_gates, ck_pl_noop_volume_restrictions, ck_pl_noop_node_volume_limits,
    ck_pl_noop_volume_zone, ck_pl_noop_dynamic_resources;

/* Extension points (KubeSchedulerConfiguration plugin sets). */
enum {
    CK_EP_PRE_FILTER,
    CK_EP_FILTER,
    CK_EP_POST_FILTER,
    CK_EP_PRE_SCORE,
    CK_EP_SCORE,
    CK_EP_RESERVE,
    CK_EP_PERMIT,
    CK_EP_BIND,
    CK_EP_COUNT
};

typedef struct ck_sched_pl {
    uint32_t id;
    const ck_sched_plugin_ops *ops;
    void *self;
    int64_t weight; /* Score */
} ck_sched_pl;

typedef struct ck_sched_profile {
    char *name;
    int32_t percentage; /* percentageOfNodesToScore; -1: the global value */
    void *self[CK_PL_MAX];
    bool created[CK_PL_MAX];
    ck_sched_pl *points[CK_EP_COUNT];
    uint32_t npoints[CK_EP_COUNT];
} ck_sched_profile;

/* Builds profiles from a configuration (profile.c). */
int ck_sched_profiles_build(ck_sched_snapshot *snap, const json_t *config, ck_sched_profile **out,
                            uint32_t *n, int32_t *percentage, ck_err **err);
void ck_sched_profiles_free(ck_sched_profile *p, uint32_t n);

typedef struct ck_sched_slot {
    void *p;
    void (*free_fn)(void *);
    void *(*clone_fn)(const void *);
    bool owned; /* this cycle frees p */
} ck_sched_slot;

struct ck_sched_cycle {
    ck_sched *sched;
    ck_sched_snapshot *snap;
    const ck_sched_profile *prof;
    ck_sched_arena *arena;
    ck_sched_slot st[CK_PL_MAX][2];
    bool skip_filter[CK_PL_MAX];
    bool skip_score[CK_PL_MAX];
};

struct ck_sched_node_statuses {
    ck_sched_status *st; /* by node idx */
    uint8_t *set;
    uint32_t *list;
    uint32_t nlist, cap;
    ck_sched_status absent;
};

/* Empties m for nodes with idx < cap (growing it); ck_sched_ns_free releases it. */
void ck_sched_ns_init(ck_sched_node_statuses *m, uint32_t cap);
void ck_sched_ns_free(ck_sched_node_statuses *m);
void ck_sched_ns_set(ck_sched_node_statuses *m, const ck_sched_node *node,
                     const ck_sched_status *st);
/* upstream FitError.Error(): "0/N nodes are available: ..." (arena string). */
char *ck_sched_fit_error(ck_sched_arena *a, uint32_t num_nodes, const ck_sched_node_statuses *m,
                         const char *prefilter_msg, const char *postfilter_msg);
/* helper.DefaultNormalizeScore: scale to [0, 100] by the maximum, optionally reversed. */
void ck_sched_default_normalize(int64_t *scores, uint32_t n, bool reverse);
/* Status.Message(): the reasons joined with ", " (arena string). */
char *ck_sched_st_message(ck_sched_arena *a, const ck_sched_status *s);

/* Framework calls for PostFilter (preemption). */
ck_sched_status ck_sched_run_filters_nominated(ck_sched_cycle *c, const ck_sched_pod *pod,
                                               ck_sched_node *node);
ck_sched_status ck_sched_run_add_pod(ck_sched_cycle *c, const ck_sched_pod *pod,
                                     const ck_sched_pod *other, const ck_sched_node *node);
ck_sched_status ck_sched_run_remove_pod(ck_sched_cycle *c, const ck_sched_pod *pod,
                                        const ck_sched_pod *other, const ck_sched_node *node);
/* A copy of the cycle whose prefilter states are cloned; free with ck_sched_cycle_drop. */
ck_sched_cycle *ck_sched_cycle_clone(const ck_sched_cycle *c);
void ck_sched_cycle_drop(ck_sched_cycle *c);
uint64_t ck_sched_cycle_rand(ck_sched_cycle *c);
/* Cycle pieces for ck_sched_explain (explain.c). */
const ck_sched_profile *ck_sched_profile_get(const ck_sched *s, const char *name);
ck_sched_snapshot *ck_sched_get_snapshot(const ck_sched *s);
void ck_sched_cycle_begin(ck_sched *s, ck_sched_cycle *c, const ck_sched_profile *p);
void ck_sched_cycle_end(ck_sched *s, ck_sched_cycle *c);
ck_sched_status ck_sched_prefilter(ck_sched_cycle *c, const ck_sched_pod *pod,
                                   ck_sched_prefilter_result *merged);
ck_sched_status ck_sched_prioritize(ck_sched_cycle *c, const ck_sched_pod *pod,
                                    ck_sched_node *const *nodes, uint32_t n, int64_t *scores,
                                    int64_t *totals, int64_t *per_plugin);
/* DefaultBinder: the component's bind function (success when none is set). */
int ck_sched_call_binder(ck_sched_cycle *c, const ck_sched_pod *pod, const char *node,
                         ck_err **err);

/* ---- Node info (nodeinfo.c) ----------------------------------------------------------- */

int ck_sched_node_set(ck_sched_node *n, ck_sched_symtab *t, json_t *obj, ck_err **err);
void ck_sched_node_clear(ck_sched_node *n);
void ck_sched_node_add_pod(ck_sched_node *n, ck_sched_pod *p);
/* Removes p; false if it was not on the node. */
bool ck_sched_node_remove_pod(ck_sched_node *n, ck_sched_pod *p);
/* framework.NodeInfo.Snapshot(): pods and aggregates copied, the rest shared. */
ck_sched_node *ck_sched_node_clone(const ck_sched_node *n);
void ck_sched_node_clone_free(ck_sched_node *n);
bool ck_sched_node_port_conflict(const ck_sched_node *n, const ck_sched_port *p,
                                 const ck_sched_symtab *t);
bool ck_sched_pod_has_affinity(const ck_sched_pod *p);
bool ck_sched_pod_has_req_anti(const ck_sched_pod *p);

/* ---- Shared helpers (labels.c) -------------------------------------------------------- */

/* Toleration.ToleratesTaint */
bool ck_sched_tolerates(const ck_sched_toleration *t, const ck_sched_taint *taint);
bool ck_sched_tolerations_tolerate(const ck_sched_toleration *tols, uint32_t n,
                                   const ck_sched_taint *taint);
/* The first NoSchedule/NoExecute taint not tolerated, or NULL. */
const ck_sched_taint *ck_sched_untolerated(const ck_sched_node *node, const ck_sched_pod *pod);
/* A node selector term's match (empty terms match nothing). */
bool ck_sched_node_term_matches(const ck_sched_node_term *term, const ck_sched_node *node,
                                const ck_sched_symtab *t);
/* nodeaffinity.GetRequiredNodeAffinity(pod).Match(node): nodeSelector and required terms. */
bool ck_sched_required_affinity_matches(const ck_sched_pod *pod, const ck_sched_node *node,
                                        const ck_sched_symtab *t);
/* AffinityTerm.Matches(pod, nsLabels): namespaces or namespaceSelector, then selector. */
bool ck_sched_aff_term_matches(const ck_sched_aff_term *term, const ck_sched_pod *pod,
                               const ck_sched_labels *ns_labels, const ck_sched_symtab *t);
/* The labels of a namespace (NULL when unknown). */
const ck_sched_labels *ck_sched_snapshot_ns_labels(const ck_sched_snapshot *s, ck_sym ns);
/* The size of the node table (node idx < size). */
uint32_t ck_sched_snapshot_table_size(const ck_sched_snapshot *s);
/* Puts pod on node as assumed (the snapshot takes a reference). */
void ck_sched_snapshot_assume(ck_sched_snapshot *s, ck_sched_pod *p, ck_sched_node *node);
/* Namespace names whose labels match sel (for mergeAffinityTermNamespacesIfNotEmpty). */
uint32_t ck_sched_snapshot_match_namespaces(const ck_sched_snapshot *s,
                                            const ck_sched_selector *sel, ck_sym *out,
                                            uint32_t cap);
/* helper.DefaultSelector: services, RC, RS, SS selecting the pod (arena selector). */
bool ck_sched_default_selector(ck_sched_snapshot *s, const ck_sched_pod *pod, ck_sched_arena *a,
                               ck_sched_selector *out);
/* The stored objects of a kind ("ns/name" -> json_t *), NULL for unknown kinds. */
const ck_sched_strmap *ck_sched_snapshot_objects(const ck_sched_snapshot *s, const char *kind);
/* PodTopologySpread's incremental counts (spreadindex.c). */
#define CK_SPREAD_CACHE 32
#define CK_SPREAD_MISSING (1ULL << 32) /* not a symbol: u64map keys cannot be 0 */
typedef struct ck_sched_spread_index ck_sched_spread_index;
typedef struct ck_sched_spread_cache {
    ck_sched_spread_index *e[CK_SPREAD_CACHE];
    uint32_t n;
    uint64_t clock;
} ck_sched_spread_cache;
ck_sched_spread_cache *ck_sched_snapshot_spread(ck_sched_snapshot *s);
/* The node table by idx (NULL holes); placeholders included. */
ck_sched_node *const *ck_sched_snapshot_table(ck_sched_snapshot *s, uint32_t *n);
void ck_sched_spread_cache_free(ck_sched_spread_cache *c);
/* Hooks: a pod added to (+1) or removed from (-1) node; a present node's labels going
 * away (-1, before a change or removal) or coming (+1, after). */
void ck_sched_spread_on_pod(ck_sched_spread_cache *c, const ck_sched_symtab *t,
                            const ck_sched_pod *p, const ck_sched_node *n, int64_t delta);
void ck_sched_spread_on_node(ck_sched_spread_cache *c, const ck_sched_node *n, int64_t delta);
/* The entry for pods of namespace ns matching sel, terminating ones included or not (built
 * on first use). Valid until more than CK_SPREAD_CACHE other selectors are asked for. */
ck_sched_spread_index *ck_sched_spread_get(ck_sched_snapshot *s, ck_sym ns,
                                           const ck_sched_selector *sel, bool with_terminating);
/* Matching pods on a (real, not cloned) node. */
int64_t ck_sched_spread_count(const ck_sched_spread_index *e, const ck_sched_node *n);
/* Matching pods per value of key over present nodes (CK_SPREAD_MISSING: nodes without the
 * key), and
 * optionally the number of present nodes per value. */
const ck_sched_u64map *ck_sched_spread_domains(ck_sched_snapshot *s, ck_sched_spread_index *e,
                                               ck_sym key, const ck_sched_u64map **nodes);
/* Terms carried by pods on nodes, grouped by identity (termindex.c). */
enum { CK_TERM_AFF_REQ, CK_TERM_ANTI_REQ, CK_TERM_AFF_PREF, CK_TERM_ANTI_PREF };
typedef struct ck_sched_term_group ck_sched_term_group;
typedef struct ck_sched_term_index {
    ck_sched_term_group **g;
    uint32_t n, cap;
} ck_sched_term_index;
ck_sched_term_index *ck_sched_snapshot_terms(ck_sched_snapshot *s);
void ck_sched_term_index_free(ck_sched_term_index *ti);
void ck_sched_term_index_on_pod(ck_sched_term_index *ti, const ck_sched_pod *p,
                                const ck_sched_node *n, int64_t delta);
void ck_sched_term_index_on_node(ck_sched_term_index *ti, const ck_sched_node *n, int64_t delta);
uint32_t ck_sched_term_groups(const ck_sched_term_index *ti, ck_sched_term_group *const **out);
uint8_t ck_sched_term_group_kind(const ck_sched_term_group *g);
/* The term (weight included) and its carrying pods per domain of its topology key. */
const ck_sched_aff_term *ck_sched_term_group_term(const ck_sched_term_group *g);
const ck_sched_u64map *ck_sched_term_group_domains(const ck_sched_term_group *g);
/* How many nodes hold an image (ImageLocality spread). */
uint32_t ck_sched_snapshot_image_nodes(const ck_sched_snapshot *s, ck_sym image);

/* Parsing helpers (labels.c) used by podinfo.c and plugins. */
int ck_sched_parse_selector(ck_sched_symtab *t, const json_t *ls, ck_sched_selector *out,
                            ck_err **err);
void ck_sched_selector_free(ck_sched_selector *s);
int ck_sched_parse_node_term(ck_sched_symtab *t, const json_t *term, ck_sched_node_term *out,
                             ck_err **err);
void ck_sched_node_term_free(ck_sched_node_term *t);
void ck_sched_labels_parse(ck_sched_symtab *t, const json_t *obj, ck_sched_labels *out);
uint8_t ck_sched_parse_effect(const char *s);

/* A scoring resource (ResourceSpec) of NodeResourcesFit and BalancedAllocation. */
enum { CK_RS_CPU, CK_RS_MEMORY, CK_RS_EPHEMERAL, CK_RS_SCALAR, CK_RS_OTHER };
typedef struct ck_sched_rspec {
    uint8_t kind;
    ck_sym name;
    int64_t weight;
} ck_sched_rspec;
/* Parses [{name, weight}] (NULL or empty: cpu and memory with weight 1). */
int ck_sched_parse_rspecs(ck_sched_symtab *t, const json_t *arr, ck_sched_rspec **out, uint32_t *n,
                          ck_err **err);
/* calculatePodResourceRequest: with the non-zero defaults unless use_requested. */
int64_t ck_sched_rspec_pod(const ck_sched_rspec *r, const ck_sched_pod *pod, bool use_requested);
/* calculateResourceAllocatableRequest: (0, 0) means "do not score this resource". */
void ck_sched_rspec_node(const ck_sched_rspec *r, const ck_sched_node *node, int64_t pod_req,
                         bool use_requested, int64_t *alloc, int64_t *req);

/* Scalar resources (schedutil.IsScalarResourceName). */
bool ck_sched_is_scalar(const char *name);
void ck_sched_scalar_add(ck_sched_scalars *r, ck_sym name, int64_t v);
void ck_sched_scalars_free(ck_sched_scalars *r);

#endif
