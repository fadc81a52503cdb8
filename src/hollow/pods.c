/* The kubelet's part for pods bound to hollow nodes. Each pod moves through
 *   new -> running [-> backoff -> running ...] -> done
 * and every step is one status write (pods/NAME/status, strategic merge patch, built in
 * podstatus.c); the step is taken only when the write succeeded. A new pod is admitted
 * against the node's capacity (pods, cpu, memory; refused pods fail with the kubelet's
 * OutOf<resource> reason), given IPs from the node's ranges and reported Running. Pods that
 * run to completion end after their run time with the annotated exit code (OnFailure pods
 * that fail restart after the kubelet's crash-loop back-off, 10 s doubling to 5 min);
 * activeDeadlineSeconds ends them with DeadlineExceeded. A pod with a deletionTimestamp
 * has its containers reported terminated and is then deleted with gracePeriodSeconds=0 and
 * its uid as precondition, as the kubelet's status manager does. Pods found running after
 * a restart keep their IPs and times. */
#include <stdio.h>

#include "client/leader.h"
#include "hollow/internal.h"
#include "hollow/podstatus.h"
#include "lib/log.h"
#include "lib/util.h"
#include "registry/registry.h"

#define SMP "application/strategic-merge-patch+json"
#define BACKOFF_BASE_MS 10000 /* the kubelet's crash-loop back-off */
#define BACKOFF_MAX_MS 300000
#define NO_IP_RETRY_MS 5000

typedef enum { PS_NEW, PS_RUNNING, PS_BACKOFF, PS_DONE } pod_stage;

struct hw_pod {
    hw_task task; /* first: a task is its pod */
    hw_pod *next; /* the node's pods */
    hw_node *node;
    char *ns, *name, *uid;
    char *text;   /* the latest seen, trimmed (hw_pod_trim), as compact JSON */
    json_t *obj;  /* text parsed, while a step runs (and while adopting); else NULL */
    uint32_t gen; /* the list that last had it */
    bool deleting, terminal, gated; /* from text: deletionTimestamp, phase, readinessGates */
    char ips[2][48];
    unsigned nips;
    bool holds_ips; /* ips came from the node's ranges */
    bool admitted;  /* counted in the node's usage */
    int64_t cpu_m, mem;
    char start[32], started_at[32], last_started[32], finished_at[32];
    int restarts, last_exit;
    uint64_t run_end, deadline, restart_at; /* loop ms; 0: none */
    uint64_t retry_backoff;
    ck_timer_id timer;
    uint8_t stage, pending; /* pending: the stage a write in flight leads to */
    bool busy, dead, delete_sent;
};

/* ---- bookkeeping ---- */

static void release(hw_pod *p)
{
    hw_node *n = p->node;
    if (p->holds_ips)
        for (unsigned i = 0; i < p->nips; i++)
            for (unsigned k = 0; k < n->nranges; k++)
                hw_range_release(&n->ranges[k], p->ips[i]);
    p->holds_ips = false;
    if (p->admitted) {
        n->npods_admitted--;
        n->cpu_used -= p->cpu_m;
        n->mem_used -= p->mem;
    }
    p->admitted = false;
}

static void admit(hw_pod *p)
{
    hw_node *n = p->node;
    n->npods_admitted++;
    n->cpu_used += p->cpu_m;
    n->mem_used += p->mem;
    p->admitted = true;
}

static void pod_free(hw_pod *p)
{
    json_decref(p->obj);
    free(p->text);
    free(p->ns);
    free(p->name);
    free(p->uid);
    free(p);
}

static void forget(hw_pod *p)
{
    hw_node *n = p->node;
    hw_hollow *h = n->h;
    hw_dequeue(h, &p->task);
    ck_loop_cancel(h->loop, p->timer);
    p->timer = 0;
    release(p);
    for (hw_pod **pp = &n->pods; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    h->npods--;
    if (p->busy)
        p->dead = true; /* freed when its write returns */
    else
        pod_free(p);
}

static void on_timer(ck_loop *l, void *ctx)
{
    hw_pod *p = ctx;
    p->timer = 0;
    hw_enqueue(p->node->h, &p->task);
    hw_pump(p->node->h);
}

static void arm(hw_pod *p, uint64_t at)
{
    hw_hollow *h = p->node->h;
    ck_loop_cancel(h->loop, p->timer);
    uint64_t now = ck_loop_now(h->loop);
    p->timer = ck_loop_timer(h->loop, at > now ? at - now : 0, on_timer, p);
}

/* The earliest of the times the current stage waits for. */
static void arm_stage(hw_pod *p)
{
    uint64_t at = 0;
    uint64_t c[3] = {p->stage == PS_RUNNING ? p->run_end : 0, p->deadline,
                     p->stage == PS_BACKOFF ? p->restart_at : 0};
    for (int i = 0; i < 3; i++)
        if (c[i] && (!at || c[i] < at)) at = c[i];
    if (at) arm(p, at);
}

/* Loop milliseconds for a wall-clock time given as text, plus add_ms. */
static uint64_t loop_at(hw_hollow *h, const char *wall, int64_t add_ms)
{
    int64_t us = ck_parse_micro_time(wall);
    int64_t left_ms = (us + add_ms * 1000 - hw_wall_us()) / 1000;
    uint64_t now = ck_loop_now(h->loop);
    return left_ms > 0 ? now + (uint64_t)left_ms : now;
}

static void set_deadline(hw_pod *p)
{
    const json_t *ads = ck_obj_get(p->obj, "spec.activeDeadlineSeconds");
    p->deadline = json_is_integer(ads) && p->start[0]
                      ? loop_at(p->node->h, p->start, json_integer_value(ads) * 1000)
                      : 0;
}

/* The end of the current run: its run time from now (just started), or from when it
 * started (adopted; the times are whole seconds). */
static void set_run_end(hw_pod *p, bool just_started)
{
    hw_hollow *h = p->node->h;
    int64_t ms = hw_pod_job_duration_ms(p->obj, h->o->job_duration_ms);
    if (!hw_pod_runs_to_completion(p->obj))
        p->run_end = 0;
    else if (just_started)
        p->run_end = ck_loop_now(h->loop) + (uint64_t)ms;
    else
        p->run_end = loop_at(h, p->started_at, ms);
}

static void copy_time(char dst[32], const char *src)
{
    snprintf(dst, 32, "%s", src ? src : "");
}

/* A pod seen for the first time: what an earlier run (or another kubelet) reported. */
static void adopt(hw_pod *p)
{
    const json_t *st = json_object_get(p->obj, "status");
    const char *phase = ck_obj_str(st, "phase");
    if (streq(phase, "Succeeded") || streq(phase, "Failed")) {
        p->stage = PS_DONE;
        return;
    }
    if (!streq(phase, "Running")) return;
    hw_node *n = p->node;
    hw_pod_requests(p->obj, &p->cpu_m, &p->mem);
    admit(p);
    size_t i;
    json_t *ip;
    json_array_foreach(json_object_get(st, "podIPs"), i, ip)
    {
        if (p->nips >= 2 || !ck_obj_str(ip, "ip")) continue;
        copy_time(p->ips[p->nips++], ck_obj_str(ip, "ip"));
        for (unsigned k = 0; k < n->nranges; k++)
            hw_range_reserve(&n->ranges[k], ck_obj_str(ip, "ip"));
    }
    p->holds_ips = !json_is_true(ck_obj_get(p->obj, "spec.hostNetwork"));
    copy_time(p->start, ck_obj_str(st, "startTime"));
    copy_time(p->started_at, p->start);
    p->stage = PS_RUNNING;
    json_t *cs;
    json_array_foreach(json_object_get(st, "containerStatuses"), i, cs)
    {
        int rc = (int)json_integer_value(json_object_get(cs, "restartCount"));
        if (rc > p->restarts) p->restarts = rc;
        const char *at = ck_obj_str(cs, "state.running.startedAt");
        if (at) copy_time(p->started_at, at);
        const json_t *last = ck_obj_get(cs, "lastState.terminated");
        if (last) {
            p->last_exit = (int)json_integer_value(json_object_get(last, "exitCode"));
            copy_time(p->last_started, ck_obj_str(last, "startedAt"));
            copy_time(p->finished_at, ck_obj_str(last, "finishedAt"));
        }
        if (ck_obj_get(cs, "state.waiting")) {
            p->stage = PS_BACKOFF;
            p->restart_at = ck_loop_now(n->h->loop);
        }
    }
    set_deadline(p);
    set_run_end(p, false);
    arm_stage(p);
}

/* ---- writes ---- */

static void pod_written(hw_hollow *h, const ck_response *r, void *ctx)
{
    hw_pod *p = ctx;
    p->busy = false;
    if (p->dead) {
        pod_free(p);
        return;
    }
    if (r->status >= 200 && r->status < 300) {
        p->retry_backoff = 0;
        p->stage = p->pending;
        if (p->stage == PS_DONE) release(p);
        arm_stage(p);
        hw_enqueue(h, &p->task); /* anything that arrived meanwhile */
    } else if (hw_retryable(r)) {
        arm(p, ck_loop_now(h->loop) + hw_backoff_next(&p->retry_backoff, 30000));
    } else if (r->status != 404 && r->status != 409) {
        /* 404: the pod is gone; 409: its uid changed. The reflector brings either. */
        ck_log_warn("hollow-nodes: pod %s/%s: %s", p->ns, p->name,
                    r->err ? r->err->message : "unexpected answer");
    }
}

static void send_status(hw_pod *p, json_t *patch, pod_stage next)
{
    hw_hollow *h = p->node->h;
    cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/pods/%s/status", p->ns, p->name);
    p->busy = true;
    p->pending = (uint8_t)next;
    hw_send(h, HW_W_POD_STATUS, "PATCH", path, patch, SMP, pod_written, p);
    json_decref(patch);
}

static void deleted(hw_hollow *h, const ck_response *r, void *ctx)
{
    hw_pod *p = ctx;
    p->busy = false;
    if (p->dead) {
        pod_free(p);
        return;
    }
    if ((r->status >= 200 && r->status < 300) || r->status == 404 || r->status == 409)
        p->delete_sent = true;
    else
        arm(p, ck_loop_now(h->loop) + hw_backoff_next(&p->retry_backoff, 30000));
}

static void send_delete(hw_pod *p)
{
    hw_hollow *h = p->node->h;
    cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/pods/%s", p->ns, p->name);
    json_t *opts = json_pack("{s:s, s:s, s:i, s:{s:s}}", "kind", "DeleteOptions", "apiVersion",
                             "v1", "gracePeriodSeconds", 0, "preconditions", "uid", p->uid);
    p->busy = true;
    hw_send(h, HW_W_POD_DELETE, "DELETE", path, opts, NULL, deleted, p);
    json_decref(opts);
}

static hw_pod_env env_of(const hw_pod *p, const char *now)
{
    hw_pod_env e = {.host_ip = p->node->ip,
                    .npod_ips = p->nips,
                    .now = now,
                    .start = p->start,
                    .started_at = p->started_at,
                    .restarts = p->restarts,
                    .last_started = p->last_started[0] ? p->last_started : NULL,
                    .finished_at = p->finished_at[0] ? p->finished_at : NULL,
                    .last_exit = p->last_exit};
    for (unsigned i = 0; i < p->nips; i++)
        e.pod_ips[i] = p->ips[i];
    return e;
}

/* ---- the steps ---- */

/* The kubelet's admission (noderesources fit: pods, cpu, memory); a message when the pod
 * does not fit (caller frees), reason set. */
static char *refused(hw_pod *p, const char **reason)
{
    hw_node *n = p->node;
    hw_hollow *h = n->h;
    if ((int64_t)n->npods_admitted + 1 > h->cap_pods) {
        *reason = "OutOfpods";
        return hw_reject_message("pods", 1, n->npods_admitted, h->cap_pods);
    }
    if (p->cpu_m && n->cpu_used + p->cpu_m > h->cap_cpu_m) {
        *reason = "OutOfcpu";
        return hw_reject_message("cpu", p->cpu_m, n->cpu_used, h->cap_cpu_m);
    }
    if (p->mem && n->mem_used + p->mem > h->cap_mem) {
        *reason = "OutOfmemory";
        return hw_reject_message("memory", p->mem, n->mem_used, h->cap_mem);
    }
    return NULL;
}

static void start(hw_pod *p, const char *now)
{
    hw_node *n = p->node;
    if (!p->admitted) {
        hw_pod_requests(p->obj, &p->cpu_m, &p->mem);
        const char *reason = NULL;
        char *msg = refused(p, &reason);
        if (msg) {
            ck_log_v(1, "hollow-nodes: pod %s/%s refused on %s: %s", p->ns, p->name, n->name, msg);
            send_status(p, hw_pod_rejected_patch(p->obj, reason, msg), PS_DONE);
            free(msg);
            return;
        }
        admit(p);
    }
    if (json_is_true(ck_obj_get(p->obj, "spec.hostNetwork"))) {
        copy_time(p->ips[0], n->ip);
        p->nips = 1;
    } else if (!p->holds_ips) {
        p->nips = 0;
        for (unsigned k = 0; k < n->nranges; k++)
            if (hw_range_alloc(&n->ranges[k], p->ips[p->nips]) == 0) p->nips++;
        p->holds_ips = p->nips > 0;
        if (!p->nips) {
            ck_log_warn("hollow-nodes: pod %s/%s: no free IP on %s (%s); retrying", p->ns, p->name,
                        n->name, n->pod_cidrs);
            arm(p, ck_loop_now(n->h->loop) + NO_IP_RETRY_MS);
            return;
        }
    }
    copy_time(p->start, now);
    copy_time(p->started_at, now);
    hw_pod_env e = env_of(p, now);
    set_deadline(p);
    set_run_end(p, true);
    send_status(p, hw_pod_running_patch(p->obj, &e), PS_RUNNING);
}

/* A run ended: done, or (OnFailure, failed) restarted at once the first time and after
 * the crash-loop back-off later. */
static void end_run(hw_pod *p, const char *now)
{
    hw_hollow *h = p->node->h;
    int code = hw_pod_exit_code(p->obj);
    bool restart = code && streq(ck_obj_str(p->obj, "spec.restartPolicy"), "OnFailure");
    if (!restart) {
        hw_pod_env e = env_of(p, now);
        send_status(p, hw_pod_finished_patch(p->obj, &e, code, NULL, NULL), PS_DONE);
        return;
    }
    p->last_exit = code;
    copy_time(p->last_started, p->started_at);
    copy_time(p->finished_at, now);
    uint64_t delay = 0;
    if (p->restarts > 0) {
        delay = BACKOFF_BASE_MS;
        for (int i = 1; i < p->restarts && delay < BACKOFF_MAX_MS; i++)
            delay *= 2;
        if (delay > BACKOFF_MAX_MS) delay = BACKOFF_MAX_MS;
    }
    if (!delay) {
        p->restarts++;
        copy_time(p->started_at, now);
        set_run_end(p, true);
        hw_pod_env e = env_of(p, now);
        send_status(p, hw_pod_running_patch(p->obj, &e), PS_RUNNING);
        return;
    }
    p->restart_at = ck_loop_now(h->loop) + delay;
    hw_pod_env e = env_of(p, now);
    send_status(p, hw_pod_backoff_patch(p->obj, &e, delay), PS_BACKOFF);
}

/* Whether pod_run has anything to consider (most runs follow the echo of our own write
 * and have not): decided without parsing the pod. */
static bool has_work(const hw_pod *p, uint64_t now_ms)
{
    bool live = p->stage == PS_RUNNING || p->stage == PS_BACKOFF;
    if (p->deleting) return (live && !p->terminal) || !p->delete_sent;
    if (p->terminal) return p->stage != PS_DONE;
    if (p->stage == PS_NEW) return true;
    if (!live) return false;
    return (p->deadline && now_ms >= p->deadline) ||
           (p->stage == PS_RUNNING && p->run_end && now_ms >= p->run_end) ||
           (p->stage == PS_BACKOFF && now_ms >= p->restart_at) ||
           (p->stage == PS_RUNNING && p->gated);
}

static void step(hw_pod *p, uint64_t now_ms);

static void pod_run(hw_task *t)
{
    hw_pod *p = (hw_pod *)t;
    if (p->dead || p->busy || p->node->gone) return; /* a deleted node's kubelet is away */
    uint64_t now_ms = ck_loop_now(p->node->h->loop);
    if (!has_work(p, now_ms)) return;
    p->obj = json_loads(p->text, 0, NULL);
    if (p->obj) step(p, now_ms);
    json_decref(p->obj);
    p->obj = NULL;
}

/* The next step for the pod (p->obj parsed): at most one write. */
static void step(hw_pod *p, uint64_t now_ms)
{
    hw_hollow *h = p->node->h;
    bool terminal = p->terminal;
    char now[32];
    rfc3339_now(now);
    if (p->deleting) {
        if ((p->stage == PS_RUNNING || p->stage == PS_BACKOFF) && !terminal) {
            hw_pod_env e = env_of(p, now);
            send_status(p, hw_pod_finished_patch(p->obj, &e, 0, NULL, NULL), PS_DONE);
        } else if (!p->delete_sent) {
            send_delete(p);
        }
        return;
    }
    if (terminal && p->stage != PS_DONE) {
        p->stage = PS_DONE; /* ended by someone else */
        release(p);
        ck_loop_cancel(h->loop, p->timer);
        p->timer = 0;
        return;
    }
    if (p->stage == PS_NEW) {
        start(p, now);
    } else if ((p->stage == PS_RUNNING || p->stage == PS_BACKOFF) && p->deadline &&
               now_ms >= p->deadline) {
        hw_pod_env e = env_of(p, now);
        send_status(p,
                    hw_pod_finished_patch(p->obj, &e, 137, "DeadlineExceeded",
                                          "Pod was active on the node longer than the specified "
                                          "deadline"),
                    PS_DONE);
    } else if (p->stage == PS_RUNNING && p->run_end && now_ms >= p->run_end) {
        end_run(p, now);
    } else if (p->stage == PS_BACKOFF && now_ms >= p->restart_at) {
        p->restarts++;
        copy_time(p->started_at, now);
        set_run_end(p, true);
        hw_pod_env e = env_of(p, now);
        send_status(p, hw_pod_running_patch(p->obj, &e), PS_RUNNING);
    } else if (p->stage == PS_RUNNING) {
        json_t *patch = hw_pod_ready_patch(p->obj, now);
        if (patch) send_status(p, patch, PS_RUNNING);
    }
}

/* ---- the pods reflector ---- */

static hw_pod *find(hw_node *n, const char *ns, const char *name)
{
    for (hw_pod *p = n->pods; p; p = p->next)
        if (streq(p->name, name) && streq(p->ns, ns)) return p;
    return NULL;
}

static json_t *pod_trim(const json_t *obj, void *ctx)
{
    hw_node *n = hw_node_by_name(ctx, ck_obj_str(obj, "spec.nodeName"));
    return n && !n->gone ? hw_pod_trim(obj) : NULL;
}

/* Takes obj (trimmed). What only adoption reads is dropped once read. */
static void pod_upsert(json_t *obj, void *ctx)
{
    hw_hollow *h = ctx;
    hw_node *n = hw_node_by_name(h, ck_obj_str(obj, "spec.nodeName"));
    const char *ns = ck_obj_str(obj, "metadata.namespace");
    const char *name = ck_obj_str(obj, "metadata.name");
    const char *uid = ck_obj_str(obj, "metadata.uid");
    if (!n || !ns || !name || !uid) {
        json_decref(obj);
        return;
    }
    hw_pod *p = find(n, ns, name);
    if (p && !streq(p->uid, uid)) {
        forget(p); /* the same name, another pod */
        p = NULL;
    }
    if (!p) {
        p = xcalloc(1, sizeof *p);
        p->task = (hw_task){.run = pod_run, .prio = HW_PRIO_POD};
        p->node = n;
        p->ns = xstrdup(ns);
        p->name = xstrdup(name);
        p->uid = xstrdup(uid);
        p->obj = obj;
        p->next = n->pods;
        n->pods = p;
        h->npods++;
        adopt(p);
        p->obj = NULL;
    }
    p->gen = h->pod_gen;
    const char *phase = ck_obj_str(obj, "status.phase");
    p->terminal = streq(phase, "Succeeded") || streq(phase, "Failed");
    p->deleting = ck_obj_get(obj, "metadata.deletionTimestamp") != NULL;
    p->gated = json_array_size(ck_obj_get(obj, "spec.readinessGates")) > 0;
    json_t *st = json_object_get(obj, "status");
    json_object_del(st, "containerStatuses");
    json_object_del(st, "podIPs");
    json_object_del(st, "startTime");
    if (!p->gated && p->terminal) json_object_del(st, "conditions"); /* never read again */
    free(p->text);
    p->text = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    hw_enqueue(h, &p->task);
    hw_pump(h);
}

static void pod_remove(const json_t *obj, void *ctx)
{
    hw_hollow *h = ctx;
    hw_node *n = hw_node_by_name(h, ck_obj_str(obj, "spec.nodeName"));
    if (!n) return;
    hw_pod *p = find(n, ck_obj_str(obj, "metadata.namespace"), ck_obj_str(obj, "metadata.name"));
    if (p && streq(p->uid, ck_obj_str(obj, "metadata.uid"))) forget(p);
}

static void pod_relist_begin(void *ctx)
{
    hw_hollow *h = ctx;
    h->pod_gen++;
    h->hold[HW_PRIO_POD] = true;
}

/* Pods the new list lacks were deleted while no watch was open. */
static void pod_relist_end(void *ctx)
{
    hw_hollow *h = ctx;
    for (unsigned i = 0; i < h->n; i++)
        for (hw_pod *p = h->nodes[i].pods, *next; p; p = next) {
            next = p->next;
            if (p->gen != h->pod_gen) forget(p);
        }
    h->hold[HW_PRIO_POD] = false;
    hw_pump(h);
}

void hw_pods_watch(hw_hollow *h)
{
    hw_reflector_ops ops = {.trim = pod_trim,
                            .upsert = pod_upsert,
                            .remove = pod_remove,
                            .relist_begin = pod_relist_begin,
                            .relist_end = pod_relist_end,
                            .ctx = h};
    /* Every bound pod (a field selector cannot name a set of nodes); ours are kept. */
    h->pods_ref = hw_reflector_new(h->client, "/api/v1/pods", "spec.nodeName!=", &ops);
}

void hw_pods_free(hw_hollow *h)
{
    for (unsigned i = 0; h->nodes && i < h->n; i++) {
        hw_node *n = &h->nodes[i];
        while (n->pods) {
            hw_pod *p = n->pods;
            n->pods = p->next;
            hw_dequeue(h, &p->task);
            ck_loop_cancel(h->loop, p->timer);
            pod_free(p);
        }
    }
    h->npods = 0;
}
