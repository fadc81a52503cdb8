/* The nodes of hollow-nodes: registration (POST; a Node that already exists gets its
 * status re-reported, as a restarted kubelet does), the Lease renewed every quarter of its
 * duration, the status re-reported every --node-status-report-frequency or when someone
 * else changed the conditions (the node lifecycle controller marking it Unknown), and the
 * node's podCIDRs followed from the nodes reflector. Renewals and reports of node i are
 * due at start + i * period / count (+ k periods), so the writes spread evenly. */
#include <stddef.h>
#include <stdio.h>

#include "hollow/internal.h"
#include "lib/log.h"
#include "lib/random.h"
#include "lib/util.h"
#include "registry/registry.h"

#define NODE_OF(t, member) ((hw_node *)((char *)(t)-offsetof(hw_node, member)))
#define MAX_BACKOFF_MS 7000 /* upstream's lease controller maxBackoff */
#define SMP "application/strategic-merge-patch+json"

static void status_run(hw_task *t);
static void lease_run(hw_task *t);

/* The delay until node n's next slot of a period, strictly after now. */
static uint64_t next_slot(hw_node *n, uint64_t period)
{
    hw_hollow *h = n->h;
    uint64_t now = ck_loop_now(h->loop);
    uint64_t base = h->started_ms + period * n->index / h->n;
    if (now < base) return base - now;
    return base + ((now - base) / period + 1) * period - now;
}

static void on_status_timer(ck_loop *l, void *ctx)
{
    hw_node *n = ctx;
    n->status_timer = 0;
    n->status_due = true;
    hw_enqueue(n->h, &n->status_task);
    hw_pump(n->h);
}

static void on_lease_timer(ck_loop *l, void *ctx)
{
    hw_node *n = ctx;
    n->lease_timer = 0;
    hw_enqueue(n->h, &n->lease_task);
    hw_pump(n->h);
}

static void arm_status(hw_node *n, uint64_t delay)
{
    ck_loop_cancel(n->h->loop, n->status_timer);
    n->status_timer = ck_loop_timer(n->h->loop, delay, on_status_timer, n);
}

static void arm_lease(hw_node *n, uint64_t delay)
{
    ck_loop_cancel(n->h->loop, n->lease_timer);
    n->lease_timer = ck_loop_timer(n->h->loop, delay, on_lease_timer, n);
}

static uint64_t lease_period(const hw_hollow *h)
{
    return (uint64_t)h->o->lease_duration_s * 1000 / 4;
}

/* The node's uid and the transition time of its Ready condition, from a Node we wrote. */
static void learn(hw_node *n, const json_t *node)
{
    const char *uid = ck_obj_str(node, "metadata.uid");
    if (uid && !streq(uid, n->uid)) {
        free(n->uid);
        n->uid = xstrdup(uid);
    }
    size_t i;
    json_t *c;
    json_array_foreach(ck_obj_get(node, "status.conditions"), i, c)
    {
        const char *t = ck_obj_str(c, "lastTransitionTime");
        if (streq(ck_obj_str(c, "type"), "Ready") && t && streq(ck_obj_str(c, "status"), "True") &&
            !streq(t, n->transition)) {
            free(n->transition);
            n->transition = xstrdup(t);
        }
    }
}

static void became_registered(hw_node *n, const json_t *node)
{
    hw_hollow *h = n->h;
    learn(n, node);
    if (!n->registered) {
        n->registered = true;
        if (++h->registered == h->n) {
            h->registered_ms = ck_loop_now(h->loop);
            double s = (double)(h->registered_ms - h->started_ms) / 1000.0;
            ck_log_info("hollow-nodes: registered %u nodes in %.2fs (%.0f nodes/s)", h->n, s,
                        s > 0 ? h->n / s : (double)h->n);
        }
    }
    arm_status(n, next_slot(n, (uint64_t)h->o->status_report_ms));
    if (!n->lease_timer && !n->lease_busy)
        hw_enqueue(h, &n->lease_task); /* the first Lease at once, as the kubelet's */
}

static void node_gone(hw_node *n)
{
    hw_hollow *h = n->h;
    if (n->gone) return;
    n->gone = true;
    ck_loop_cancel(h->loop, n->status_timer);
    ck_loop_cancel(h->loop, n->lease_timer);
    n->status_timer = n->lease_timer = 0;
    hw_dequeue(h, &n->status_task);
    hw_dequeue(h, &n->lease_task);
    if (n->registered) h->registered--;
    ck_log_warn("hollow-nodes: node %s was deleted; it is no longer reported (as a kubelet, "
                "it would need a restart to register again)",
                n->name);
}

static void on_status(hw_hollow *h, const ck_response *r, void *ctx)
{
    hw_node *n = ctx;
    n->status_busy = false;
    if (n->gone) return;
    uint64_t period = (uint64_t)h->o->status_report_ms;
    if (r->status >= 200 && r->status < 300) {
        n->status_backoff = 0;
        became_registered(n, r->body);
    } else if (r->status == 409 && !n->registered) {
        /* Registered by an earlier run: re-report its status (a PATCH that returns it). */
        n->registered = false;
        n->status_due = true;
        free(n->uid);
        n->uid = xstrdup("");
        hw_enqueue(h, &n->status_task);
    } else if (r->status == 404 && n->registered) {
        node_gone(n);
    } else if (r->status == 404) {
        free(n->uid); /* deleted meanwhile: register it anew */
        n->uid = NULL;
        hw_enqueue(h, &n->status_task);
    } else {
        if (!hw_retryable(r))
            ck_log_warn("hollow-nodes: node %s: %s", n->name,
                        r->err ? r->err->message : "unexpected answer");
        n->status_due = true;
        uint64_t d = hw_backoff_next(&n->status_backoff, hw_retryable(r) ? MAX_BACKOFF_MS : 30000);
        arm_status(n, d < period ? d : period);
    }
}

/* Registers the node, or reports its status when due. A Node found already registered
 * (uid "") gets its whole status re-reported, which also returns its uid. */
static void status_run(hw_task *t)
{
    hw_node *n = NODE_OF(t, status_task);
    hw_hollow *h = n->h;
    if (n->gone || n->status_busy || (n->registered && !n->status_due)) return;
    char now[32];
    rfc3339_now(now);
    json_t *body;
    cleanup_free char *path = xasprintf("/api/v1/nodes/%s/status", n->name);
    n->status_busy = true;
    n->status_due = false;
    if (!n->uid) {
        body = hw_node_object(&h->spec, n->name, n->ip, n->boot_id, now);
        hw_send(h, HW_W_REGISTER, "POST", "/api/v1/nodes", body, NULL, on_status, n);
    } else if (!*n->uid) {
        body = json_pack("{s:o}", "status",
                         hw_node_status(&h->spec, n->name, n->ip, n->boot_id, now, now));
        hw_send(h, HW_W_REGISTER, "PATCH", path, body, SMP, on_status, n);
    } else {
        if (!n->transition) n->transition = xstrdup(now);
        body =
            json_pack("{s:{s:o}}", "status", "conditions", hw_node_conditions(now, n->transition));
        hw_send(h, HW_W_NODE_STATUS, "PATCH", path, body, SMP, on_status, n);
    }
    json_decref(body);
}

static void on_lease(hw_hollow *h, const ck_response *r, void *ctx)
{
    hw_node *n = ctx;
    n->lease_busy = false;
    if (n->gone) return;
    if (r->status >= 200 && r->status < 300) {
        n->lease_backoff = 0;
        arm_lease(n, next_slot(n, lease_period(h)));
        return;
    }
    if (!hw_retryable(r) && r->status != 404)
        ck_log_warn("hollow-nodes: lease %s: %s", n->name,
                    r->err ? r->err->message : "unexpected answer");
    arm_lease(n, hw_backoff_next(&n->lease_backoff, MAX_BACKOFF_MS));
}

/* Renews the Lease with an unconditional PUT: it creates the Lease when missing, and this
 * process is its only writer. */
static void lease_run(hw_task *t)
{
    hw_node *n = NODE_OF(t, lease_task);
    hw_hollow *h = n->h;
    if (n->gone || n->lease_busy || !n->registered) return;
    json_t *lease = hw_lease_object(n->name, n->uid, h->o->lease_duration_s, hw_wall_us());
    cleanup_free char *path = xasprintf(
        "/apis/coordination.k8s.io/v1/namespaces/" HW_LEASE_NAMESPACE "/leases/%s", n->name);
    n->lease_busy = true;
    hw_send(h, HW_W_LEASE, "PUT", path, lease, NULL, on_lease, n);
    json_decref(lease);
}

/* ---- podCIDRs ---- */

static void set_cidrs(hw_node *n, const json_t *node)
{
    const json_t *list = ck_obj_get(node, "spec.podCIDRs");
    const char *single = ck_obj_str(node, "spec.podCIDR");
    char *joined = xstrdup("");
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        char *j = xasprintf("%s%s%s", joined, i ? "," : "", json_string_value(c));
        free(joined);
        joined = j;
    }
    if (!*joined && single) {
        free(joined);
        joined = xstrdup(single);
    }
    if (n->pod_cidrs && streq(joined, n->pod_cidrs)) {
        free(joined);
        return;
    }
    for (unsigned k = 0; k < n->nranges; k++)
        hw_range_clear(&n->ranges[k]);
    n->nranges = 0;
    cleanup_free char *copy = xstrdup(joined);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t && n->nranges < 2;
         t = strtok_r(NULL, ",", &save))
        if (hw_range_init(&n->ranges[n->nranges], t) == 0) n->nranges++;
    if (!n->nranges) {
        char fb[32];
        hw_fallback_pod_cidr(n->index, fb);
        hw_range_init(&n->ranges[0], fb);
        n->nranges = 1;
    }
    if (n->pod_cidrs) ck_log_v(1, "hollow-nodes: node %s: pod IPs from %s", n->name, joined);
    free(n->pod_cidrs);
    n->pod_cidrs = joined;
}

/* ---- the nodes reflector ---- */

static json_t *node_trim(const json_t *obj, void *ctx)
{
    return hw_node_by_name(ctx, ck_obj_str(obj, "metadata.name")) ? hw_node_trim(obj) : NULL;
}

static void node_upsert(json_t *obj, void *ctx)
{
    hw_hollow *h = ctx;
    hw_node *n = hw_node_by_name(h, ck_obj_str(obj, "metadata.name"));
    if (!n) {
        json_decref(obj);
        return;
    }
    n->in_store = true;
    n->seen_gen = h->node_gen;
    if (n->gone) goto out;
    set_cidrs(n, obj);
    if (!n->registered || n->status_busy) goto out;
    const char *uid = ck_obj_str(obj, "metadata.uid");
    if (uid && n->uid && *n->uid && !streq(uid, n->uid)) {
        /* Deleted and created again by someone else: it is ours to report again. */
        free(n->uid);
        n->uid = xstrdup(uid);
    }
    if (!hw_node_conditions_current(obj)) {
        ck_log_v(1, "hollow-nodes: node %s: conditions changed by others; reporting", n->name);
        free(n->transition);
        n->transition = NULL; /* Ready turns True again now */
        n->status_due = true;
        hw_enqueue(h, &n->status_task);
        hw_pump(h);
    }
out:
    json_decref(obj);
}

static void node_remove(const json_t *obj, void *ctx)
{
    hw_hollow *h = ctx;
    hw_node *n = hw_node_by_name(h, ck_obj_str(obj, "metadata.name"));
    if (!n) return;
    n->in_store = false;
    const char *uid = ck_obj_str(obj, "metadata.uid");
    if (n->registered && (!n->uid || !*n->uid || streq(uid, n->uid))) node_gone(n);
}

static void node_relist_begin(void *ctx)
{
    hw_hollow *h = ctx;
    h->node_gen++;
    h->hold[HW_PRIO_NODE] = true;
}

/* Nodes the new list lacks were deleted while no watch was open. */
static void node_relist_end(void *ctx)
{
    hw_hollow *h = ctx;
    for (unsigned i = 0; i < h->n; i++) {
        hw_node *n = &h->nodes[i];
        if (!n->in_store || n->seen_gen == h->node_gen) continue;
        n->in_store = false;
        if (n->registered) node_gone(n);
    }
    h->hold[HW_PRIO_NODE] = false;
    hw_pump(h);
}

void hw_nodes_watch(hw_hollow *h)
{
    hw_reflector_ops ops = {.trim = node_trim,
                            .upsert = node_upsert,
                            .remove = node_remove,
                            .relist_begin = node_relist_begin,
                            .relist_end = node_relist_end,
                            .ctx = h};
    h->nodes_ref = hw_reflector_new(h->client, "/api/v1/nodes", NULL, &ops);
}

/* ---- life ---- */

void hw_nodes_init(hw_hollow *h)
{
    h->nodes = xcalloc(h->n, sizeof *h->nodes);
    for (unsigned i = 0; i < h->n; i++) {
        hw_node *n = &h->nodes[i];
        n->h = h;
        n->index = i;
        n->name = xasprintf("%s-%u", h->o->name_prefix, i);
        hw_node_ip(i, n->ip);
        ck_uuid(n->boot_id);
        n->status_task = (hw_task){.run = status_run, .prio = HW_PRIO_NODE};
        n->lease_task = (hw_task){.run = lease_run, .prio = HW_PRIO_NODE};
        set_cidrs(n, NULL);
        n->status_due = true;
        hw_enqueue(h, &n->status_task);
    }
}

void hw_nodes_quiesce(hw_hollow *h)
{
    for (unsigned i = 0; h->nodes && i < h->n; i++) {
        hw_node *n = &h->nodes[i];
        ck_loop_cancel(h->loop, n->status_timer);
        ck_loop_cancel(h->loop, n->lease_timer);
        n->status_timer = n->lease_timer = 0;
        hw_dequeue(h, &n->status_task);
        hw_dequeue(h, &n->lease_task);
    }
}

void hw_nodes_free(hw_hollow *h)
{
    hw_nodes_quiesce(h);
    for (unsigned i = 0; i < h->n; i++) {
        hw_node *n = &h->nodes[i];
        free(n->name);
        free(n->uid);
        free(n->transition);
        free(n->pod_cidrs);
        for (unsigned k = 0; k < n->nranges; k++)
            hw_range_clear(&n->ranges[k]);
    }
    free(h->nodes);
    h->nodes = NULL;
}

static void on_deleted(hw_hollow *h, const ck_response *r, void *ctx)
{
    unsigned *failed = ctx;
    if (r->err && r->status != 404) (*failed)++;
}

void hw_nodes_delete_all(hw_hollow *h, uint64_t timeout_ms)
{
    uint64_t deadline = now_ms() + timeout_ms;
    unsigned max = h->o->max_requests_inflight > 0 ? (unsigned)h->o->max_requests_inflight : 1;
    unsigned next = 0, failed = 0;
    while ((next < 2 * h->n || h->inflight) && now_ms() < deadline) {
        for (; h->inflight < max && next < 2 * h->n; next++) {
            hw_node *n = &h->nodes[next / 2];
            cleanup_free char *path =
                next % 2 ? xasprintf("/apis/coordination.k8s.io/v1/namespaces/" HW_LEASE_NAMESPACE
                                     "/leases/%s",
                                     n->name)
                         : xasprintf("/api/v1/nodes/%s", n->name);
            hw_send(h, HW_W_NODE_DELETE, "DELETE", path, NULL, NULL, on_deleted, &failed);
        }
        ck_loop_run_once(h->loop, 100);
    }
    if (next < 2 * h->n || h->inflight || failed)
        ck_log_warn("hollow-nodes: deleting nodes: %u of %u deletes not done",
                    2 * h->n - next + h->inflight + failed, 2 * h->n);
    else
        ck_log_info("hollow-nodes: deleted %u nodes and their leases", h->n);
}
