/* Shared between the parts of hollow-nodes: the process state (hollow.c), the nodes
 * (nodes.c: registration, Lease, status) and the pods (pods.c: the kubelet's part).
 *
 * Writes go through one queue: objects with work to do put their task on it (once; a
 * queued task is not queued again), and the queue is drained while fewer than
 * max_requests_inflight writes are outstanding, node work before pod work. A task decides
 * when it runs what to write, from the latest state, so work that piles up while writes
 * wait is coalesced. Work that a list finds waits until the list is over and its watch has
 * been asked for, so the writes show up in the watch as live events. */
#ifndef CK_HOLLOW_INTERNAL_H
#define CK_HOLLOW_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "client/client.h"
#include "hollow/hollow.h"
#include "hollow/ipam.h"
#include "hollow/objects.h"
#include "hollow/reflector.h"

typedef struct hw_hollow hw_hollow;
typedef struct hw_node hw_node;
typedef struct hw_pod hw_pod;
typedef struct hw_task hw_task;

enum { HW_PRIO_NODE, HW_PRIO_POD, HW_NPRIO };

struct hw_task {
    hw_task *prev, *next;
    void (*run)(hw_task *t); /* sends at most one write */
    uint8_t prio;
    bool queued;
};

/* What each write is counted as. */
typedef enum {
    HW_W_REGISTER,
    HW_W_NODE_STATUS,
    HW_W_LEASE,
    HW_W_POD_STATUS,
    HW_W_POD_DELETE,
    HW_W_NODE_DELETE,
    HW_W_N
} hw_write_kind;

struct hw_node {
    hw_hollow *h;
    unsigned index;
    char *name;
    char ip[32];
    char boot_id[37];
    char *uid;        /* once registered (or found registered) */
    char *transition; /* lastTransitionTime of the conditions we report */
    char *pod_cidrs;  /* spec.podCIDRs as last seen, joined by ',' */
    hw_range ranges[2];
    unsigned nranges;
    bool registered, gone;
    bool in_store;     /* the nodes reflector has it */
    uint32_t seen_gen; /* the list that last had it */
    bool status_busy, lease_busy;
    bool status_due; /* a status report is wanted (timer or change) */
    uint64_t status_backoff, lease_backoff;
    ck_timer_id status_timer, lease_timer;
    hw_task status_task, lease_task; /* status_task also registers */
    hw_pod *pods;                    /* the pods bound here */
    unsigned npods_admitted;
    int64_t cpu_used, mem_used; /* requests of admitted, unfinished pods */
};

struct hw_hollow {
    const ck_hollow_opts *o;
    ck_loop *loop;
    ck_client *client;
    hw_reflector *nodes_ref, *pods_ref;
    uint32_t node_gen, pod_gen; /* the current (re)list of each */
    ck_timer_id pods_timer, stats_timer;
    hw_node *nodes;
    unsigned n;
    size_t prefix_len;
    hw_node_spec spec;
    int64_t cap_cpu_m, cap_mem, cap_pods;
    hw_task *head[HW_NPRIO], *tail[HW_NPRIO];
    bool hold[HW_NPRIO]; /* queued, not run: a list of their objects is being read */
    unsigned queued;
    unsigned inflight;
    struct hw_req *reqs; /* outstanding writes */
    unsigned registered;
    unsigned npods;
    uint64_t started_ms, registered_ms;
    bool stopping;
    unsigned long writes[HW_W_N], last_writes[HW_W_N], errors, last_errors;
    uint64_t last_stats_ms;
};

/* ---- hollow.c ---- */

void hw_enqueue(hw_hollow *h, hw_task *t);
void hw_dequeue(hw_hollow *h, hw_task *t);
/* Runs queued tasks while writes may start. */
void hw_pump(hw_hollow *h);
typedef void (*hw_done_fn)(hw_hollow *h, const ck_response *r, void *ctx);
/* Sends one write (counted as kind); done runs with the response, then the queue pumps.
 * ctx must stay valid until done runs or the process stops. */
void hw_send(hw_hollow *h, hw_write_kind kind, const char *method, const char *path,
             const json_t *body, const char *content_type, hw_done_fn done, void *ctx);
/* The node named name when it is one of ours. */
hw_node *hw_node_by_name(hw_hollow *h, const char *name);
/* True for errors worth retrying: transport failures, 429, 5xx. */
bool hw_retryable(const ck_response *r);
/* The next backoff step: 200 ms doubling up to max_ms. */
uint64_t hw_backoff_next(uint64_t *cur, uint64_t max_ms);
int64_t hw_wall_us(void);

/* ---- nodes.c ---- */

void hw_nodes_init(hw_hollow *h);
void hw_nodes_free(hw_hollow *h);
/* Starts the nodes reflector (podCIDRs, conditions changed by others, deletions). */
void hw_nodes_watch(hw_hollow *h);
/* Deletes every node and its Lease (for --delete-nodes-on-exit), running the loop until
 * done or timeout_ms has passed. */
void hw_nodes_delete_all(hw_hollow *h, uint64_t timeout_ms);
/* Cancels the nodes' timers and takes their tasks off the queue (shutdown). */
void hw_nodes_quiesce(hw_hollow *h);

/* ---- pods.c ---- */

/* Starts the pods reflector (every pod bound to a node; ours are kept, trimmed). */
void hw_pods_watch(hw_hollow *h);
/* Drops every pod of every node (shutdown). */
void hw_pods_free(hw_hollow *h);

#endif
