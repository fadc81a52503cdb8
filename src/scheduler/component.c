/* `ckube scheduler`: upstream kube-scheduler's shape. Informers feed the snapshot (nodes,
 * assigned pods, the objects plugins read) and the scheduling queue (pending pods whose
 * schedulerName has a profile); a zero-delay timer pops pods, a bounded batch per loop
 * iteration, and runs the scheduling cycle; bindings, PodScheduled conditions, events and
 * preemption's deletions go out asynchronously, never blocking the loop. An assumed pod
 * stays in the snapshot until the informer shows it bound, or the binding fails (then it
 * is forgotten and retried after backoff). Only the Lease holder schedules. */
#include "scheduler/component.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/client.h"
#include "client/factory.h"
#include "client/leader.h"
#include "client/recorder.h"
#include "lib/flags.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/yaml.h"
#include "scheduler/plugins.h"
#include "version.h"

#define PUMP_MAX_PODS 512     /* pods per loop iteration ... */
#define PUMP_BUDGET_MS 20     /* ... or this much time, then other loop work runs */
#define BACKOFF_FLUSH_MS 1000 /* upstream flushBackoffQCompleted period */
#define LEFTOVER_FLUSH_MS 30000
#define SYNC_POLL_MS 50
#define STATS_MS 5000
#define NOTE_LENGTH_LIMIT 1024 /* events: validation.NoteLengthLimit */

typedef struct sched_comp sched_comp;

/* A request whose callback owns memory; listed so shutdown can cancel and free it. */
typedef enum { CALL_BIND, CALL_VICTIM_PATCH, CALL_VICTIM_DELETE } call_kind;
typedef struct call_rec {
    struct call_rec *prev, *next;
    sched_comp *sc;
    ck_call *call;
    call_kind kind;
    ck_sched_pod *pod; /* bind: the assumed pod; victim: the victim (references) */
    char *node;
    char *preemptor; /* victim: the preemptor's uid */
} call_rec;

/* An informer feeding the snapshot with one kind, and the events its changes raise. */
typedef struct obj_feed {
    sched_comp *sc;
    const char *path, *kind;
    uint32_t events;
} obj_feed;

static const obj_feed feeds[] = {
    {NULL, "/api/v1/namespaces", "Namespace", 0},
    {NULL, "/api/v1/persistentvolumeclaims", "PersistentVolumeClaim", CK_SQ_EV_PVC},
    {NULL, "/api/v1/persistentvolumes", "PersistentVolume", CK_SQ_EV_PV},
    {NULL, "/apis/storage.k8s.io/v1/storageclasses", "StorageClass", CK_SQ_EV_STORAGE_CLASS},
    {NULL, "/api/v1/services", "Service", 0},
    {NULL, "/apis/apps/v1/replicasets", "ReplicaSet", 0},
    {NULL, "/apis/apps/v1/statefulsets", "StatefulSet", 0},
    {NULL, "/api/v1/replicationcontrollers", "ReplicationController", 0},
};
/* Listed and kept for what comes next (preemption honouring PDBs), not read yet. */
static const char *const idle_paths[] = {"/apis/policy/v1/poddisruptionbudgets",
                                         "/apis/scheduling.k8s.io/v1/priorityclasses"};

struct sched_comp {
    const ck_scheduler_options *o;
    ck_loop *loop;
    ck_client *client, *ev_client, *le_client;
    ck_informer_factory *factory;
    ck_informer *pods;
    obj_feed feeds[ARRAY_SIZE(feeds)];
    ck_sched_snapshot *snap;
    ck_sched *sched;
    ck_sched_queue *q;
    ck_leader *le;
    char **profiles; /* scheduler names, config order */
    ck_recorder **recs;
    size_t nprofiles;
    bool leading, synced, stopping, lost;
    ck_timer_id pump_timer, backoff_timer, leftover_timer, sync_timer, stats_timer;
    call_rec *calls;
    /* Counters; binds in the current stats window for the pods/s log. */
    unsigned long attempts, unschedulable, errors, bound, bind_errors, win_bound;
    uint64_t win_first, win_last;
};

/* ---- Small helpers ---------------------------------------------------------------------- */

static const char *jstr(const json_t *o, const char *a, const char *b)
{
    const json_t *v = json_object_get(o, a);
    if (b) v = json_object_get(v, b);
    return json_string_value(v);
}

static bool assigned(const json_t *pod)
{
    const char *n = jstr(pod, "spec", "nodeName");
    return n && *n;
}

static bool terminal(const json_t *pod)
{
    const char *ph = jstr(pod, "status", "phase");
    return streq(ph, "Succeeded") || streq(ph, "Failed");
}

static const char *pod_ns(const ck_sched_pod *p)
{
    return jstr(p->obj, "metadata", "namespace");
}

static const char *scheduler_name(const json_t *pod)
{
    const char *s = jstr(pod, "spec", "schedulerName");
    return s && *s ? s : "default-scheduler";
}

/* The ObjectReference events about a pod carry (new reference). */
static json_t *pod_ref(const json_t *pod)
{
    const json_t *md = json_object_get(pod, "metadata");
    json_t *r = json_pack("{s:s, s:s}", "kind", "Pod", "apiVersion", "v1");
    const char *keys[] = {"namespace", "name", "uid", "resourceVersion"};
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
        if (jstr(md, keys[i], NULL)) json_object_set(r, keys[i], json_object_get(md, keys[i]));
    return r;
}

static ck_recorder *recorder_for(sched_comp *sc, const char *scheduler)
{
    for (size_t i = 0; i < sc->nprofiles; i++)
        if (streq(sc->profiles[i], scheduler)) return sc->recs[i];
    return sc->nprofiles ? sc->recs[0] : NULL;
}

static void event(sched_comp *sc, const json_t *pod, const char *type, const char *reason,
                  const char *msg)
{
    json_t *ref = pod_ref(pod);
    ck_recorder_event(recorder_for(sc, scheduler_name(pod)), ref, type, reason, "%s", msg);
    json_decref(ref);
}

/* Whether x and y differ in a field of x not named in skip. */
static bool differs_except(const json_t *x, const json_t *y, const char *const *skip, size_t n)
{
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)x, k, v)
    {
        bool ignored = false;
        for (size_t i = 0; i < n && !ignored; i++)
            ignored = streq(k, skip[i]);
        if (!ignored && !json_equal(v, json_object_get(y, k))) return true;
    }
    return false;
}

/* upstream isPodUpdated: anything but status, resourceVersion, generation, managedFields
 * and finalizers differs. */
static bool pod_updated(const json_t *a, const json_t *b)
{
    static const char *const top[] = {"metadata", "status"};
    static const char *const meta[] = {"resourceVersion", "generation", "managedFields",
                                       "finalizers"};
    const json_t *ma = json_object_get(a, "metadata"), *mb = json_object_get(b, "metadata");
    return differs_except(a, b, top, ARRAY_SIZE(top)) ||
           differs_except(b, a, top, ARRAY_SIZE(top)) ||
           differs_except(ma, mb, meta, ARRAY_SIZE(meta)) ||
           differs_except(mb, ma, meta, ARRAY_SIZE(meta));
}

static void call_link(sched_comp *sc, call_rec *r)
{
    r->sc = sc;
    r->next = sc->calls;
    if (sc->calls) sc->calls->prev = r;
    sc->calls = r;
}

static void call_free(call_rec *r)
{
    sched_comp *sc = r->sc;
    if (r->prev)
        r->prev->next = r->next;
    else
        sc->calls = r->next;
    if (r->next) r->next->prev = r->prev;
    ck_sched_pod_unref(r->pod);
    free(r->node);
    free(r->preemptor);
    free(r);
}

static void kick(sched_comp *sc);

/* ---- Pod status ------------------------------------------------------------------------- */

/* A PodCondition with the fields upstream's UpdatePodCondition compares (new reference):
 * lastTransitionTime kept while the status stays the same. Sets *changed. */
static json_t *condition(const json_t *pod, const char *type, const char *status,
                         const char *reason, const char *msg, bool *changed)
{
    const json_t *old = NULL, *c;
    size_t i;
    json_array_foreach(json_object_get(json_object_get(pod, "status"), "conditions"), i, c)
    {
        if (streq(jstr(c, "type", NULL), type)) old = c;
    }
    char now[32];
    rfc3339_now(now);
    bool same_status = old && streq(jstr(old, "status", NULL), status);
    json_t *cond = json_pack(
        "{s:s, s:s, s:s, s:s, s:n, s:s}", "type", type, "status", status, "reason", reason,
        "message", msg, "lastProbeTime", "lastTransitionTime",
        same_status && jstr(old, "lastTransitionTime", NULL) ? jstr(old, "lastTransitionTime", NULL)
                                                             : now);
    json_t *gen = json_object_get(json_object_get(pod, "metadata"), "generation");
    if (json_is_integer(gen)) json_object_set(cond, "observedGeneration", gen);
    *changed = !old || !same_status || !streq(jstr(old, "reason", NULL), reason) ||
               !streq(jstr(old, "message", NULL), msg) ||
               (json_object_get(old, "lastProbeTime") &&
                !json_is_null(json_object_get(old, "lastProbeTime")));
    return cond;
}

static void log_patch(const ck_response *r, void *ctx)
{
    char *what = ctx;
    if (r->err && r->status != 404)
        ck_log_error("Error updating pod %s: %s", what, r->err->message);
    free(what);
}

/* PATCH pods/NAME/status (strategic merge) with cond (stolen, may be NULL) and, when
 * set_nnn, nominatedNodeName (NULL or "" clears it). */
static void patch_status(sched_comp *sc, const json_t *pod, json_t *cond, bool set_nnn,
                         const char *nnn)
{
    json_t *st = json_object();
    if (cond) json_object_set_new(st, "conditions", json_pack("[o]", cond));
    if (set_nnn)
        json_object_set_new(st, "nominatedNodeName", nnn && *nnn ? json_string(nnn) : json_null());
    json_t *body = json_pack("{s:o}", "status", st);
    const char *ns = jstr(pod, "metadata", "namespace"), *name = jstr(pod, "metadata", "name");
    char *path = xasprintf("/api/v1/namespaces/%s/pods/%s/status", ns, name);
    ck_client_request(sc->client, "PATCH", path, body, "application/strategic-merge-patch+json",
                      log_patch, xasprintf("%s/%s", ns, name));
    free(path);
    json_decref(body);
}

/* ---- Binding ---------------------------------------------------------------------------- */

static void stats_bound(sched_comp *sc)
{
    uint64_t t = now_ms();
    if (!sc->win_bound) sc->win_first = t;
    sc->win_last = t;
    sc->win_bound++;
    sc->bound++;
}

static void requeue_failed(sched_comp *sc, ck_sched_pod *pod, const char *msg);

static void on_bound(const ck_response *r, void *ctx)
{
    call_rec *c = ctx;
    sched_comp *sc = c->sc;
    ck_sched_pod *pod = c->pod;
    const char *ns = pod_ns(pod);
    if (!r->err) {
        stats_bound(sc);
        ck_log_v(2, "Successfully bound pod to node pod=\"%s/%s\" node=\"%s\"", ns, pod->name,
                 c->node);
        char *msg = xasprintf("Successfully assigned %s/%s to %s", ns, pod->name, c->node);
        event(sc, pod->obj, "Normal", "Scheduled", msg);
        free(msg);
        ck_sq_done(sc->q, pod->uid);
        call_free(c);
        return;
    }
    sc->bind_errors++;
    const char *why = r->err->message;
    ck_log_error("Failed to bind pod %s/%s to %s: %s", ns, pod->name, c->node, why);
    /* Still assumed (not deleted or confirmed meanwhile): forget it, which frees its
     * resources for the pods waiting (upstream moves them as AssignedPodDelete). */
    if (pod->assumed && ck_sched_snapshot_pod(sc->snap, pod->uid) == pod) {
        ck_sched_forget(sc->sched, pod);
        ck_sq_move(sc->q, CK_SQ_EV_POD_DELETE, NULL, NULL, ck_loop_now(sc->loop));
    }
    char *msg = xasprintf("running Bind plugin \"DefaultBinder\": %s", why);
    ck_sched_pod *queued = ck_sq_get(sc->q, pod->uid);
    if (queued && ck_sq_where_is(sc->q, pod->uid) == CK_SQ_IN_FLIGHT)
        requeue_failed(sc, queued, msg);
    free(msg);
    call_free(c);
    kick(sc);
}

/* DefaultBinder's call: POST the Binding and return at once; on_bound finishes. */
static int bind_fn(void *ctx, const ck_sched_pod *pod, const char *node, ck_err **err)
{
    (void)err;
    sched_comp *sc = ctx;
    const char *ns = pod_ns(pod);
    json_t *b = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}}", "kind", "Binding",
                          "apiVersion", "v1", "metadata", "name", pod->name, "namespace", ns, "uid",
                          pod->uid, "target", "kind", "Node", "apiVersion", "v1", "name", node);
    char *path = xasprintf("/api/v1/namespaces/%s/pods/%s/binding", ns, pod->name);
    call_rec *c = xcalloc(1, sizeof(*c));
    c->kind = CALL_BIND;
    c->pod = ck_sched_pod_ref((ck_sched_pod *)pod);
    c->node = xstrdup(node);
    call_link(sc, c);
    c->call = ck_client_request(sc->client, "POST", path, b, NULL, on_bound, c);
    free(path);
    json_decref(b);
    return 0;
}

/* ---- Failures and preemption ------------------------------------------------------------ */

static char *truncate_note(const char *msg)
{
    if (strlen(msg) <= NOTE_LENGTH_LIMIT) return xstrdup(msg);
    return xasprintf("%.*s ...", NOTE_LENGTH_LIMIT - 4, msg);
}

/* handleSchedulingFailure's API side: the FailedScheduling event and the PodScheduled
 * condition (with nominatedNodeName when the cycle nominated). */
static void report_failure(sched_comp *sc, const json_t *pod, const char *reason, const char *msg,
                           bool set_nnn, const char *nnn)
{
    char *note = truncate_note(msg);
    event(sc, pod, "Warning", "FailedScheduling", note);
    free(note);
    bool changed;
    json_t *cond = condition(pod, "PodScheduled", "False", reason, msg, &changed);
    const char *cur = jstr(pod, "status", "nominatedNodeName");
    bool nnn_changed = set_nnn && !streq(cur ? cur : "", nnn ? nnn : "");
    if (!changed && !nnn_changed) {
        json_decref(cond);
        return;
    }
    patch_status(sc, pod, changed ? cond : NULL, nnn_changed, nnn);
    if (!changed) json_decref(cond);
}

/* Whether the informer still has this pod pending (not deleted, not bound elsewhere). */
static const json_t *still_pending(sched_comp *sc, const ck_sched_pod *pod)
{
    const json_t *cur = ck_informer_get(sc->pods, pod_ns(pod), pod->name);
    if (!cur || !streq(jstr(cur, "metadata", "uid"), pod->uid)) {
        ck_log_info("Pod doesn't exist in informer cache pod=\"%s/%s\"", pod_ns(pod), pod->name);
        return NULL;
    }
    if (assigned(cur)) {
        ck_log_info("Pod has been assigned to node. Abort adding it back to queue. pod=\"%s/%s\"",
                    pod_ns(pod), pod->name);
        return NULL;
    }
    return cur;
}

/* The pod goes back to the queue as the informer has it now (updates that arrived while it
 * was being bound were not applied). */
static void refresh(sched_comp *sc, const ck_sched_pod *pod, const json_t *cur)
{
    if (cur == pod->obj || streq(jstr(cur, "metadata", "resourceVersion"),
                                 jstr(pod->obj, "metadata", "resourceVersion")))
        return;
    ck_sched_pod *p = ck_sched_pod_new(ck_sched_snapshot_symtab(sc->snap), (json_t *)cur, NULL);
    if (!p) return;
    ck_sq_update(sc->q, p, false, ck_loop_now(sc->loop));
    ck_sched_pod_unref(p);
}

/* An error (not a rejection): retry after the error backoff. */
static void requeue_failed(sched_comp *sc, ck_sched_pod *pod, const char *msg)
{
    sc->errors++;
    ck_log_error("Error scheduling pod; retrying pod=\"%s/%s\" err=\"%s\"", pod_ns(pod), pod->name,
                 msg);
    const json_t *cur = still_pending(sc, pod);
    if (!cur) {
        ck_sq_done(sc->q, pod->uid);
        return;
    }
    char *uid = xstrdup(pod->uid);
    refresh(sc, pod, cur); /* pod may be released here */
    json_t *obj = json_incref(ck_sq_get(sc->q, uid)->obj);
    ck_sq_requeue(sc->q, uid, NULL, ck_loop_now(sc->loop));
    report_failure(sc, obj, "SchedulerError", msg, false, NULL);
    json_decref(obj);
    free(uid);
}

static void on_victim(const ck_response *r, void *ctx)
{
    call_rec *c = ctx;
    sched_comp *sc = c->sc;
    ck_sched_pod *v = c->pod;
    const char *ns = pod_ns(v);
    if (r->status == 404) {
        ck_log_v(2, "Victim Pod is already deleted victim=\"%s/%s\"", ns, v->name);
        call_free(c);
        return;
    }
    if (r->err) {
        ck_log_error("Error preempting victim %s/%s: %s", ns, v->name, r->err->message);
        call_free(c);
        return;
    }
    if (c->kind == CALL_VICTIM_PATCH) {
        c->kind = CALL_VICTIM_DELETE;
        char *path = xasprintf("/api/v1/namespaces/%s/pods/%s", ns, v->name);
        c->call = ck_client_request(sc->client, "DELETE", path, NULL, NULL, on_victim, c);
        free(path);
        return;
    }
    ck_log_v(2, "Preemptor Pod preempted victim Pod victim=\"%s/%s\" node=\"%s\"", ns, v->name,
             c->node);
    char *msg = xasprintf("Preempted by pod %s on node %s", c->preemptor, c->node);
    event(sc, v->obj, "Normal", "Preempted", msg);
    free(msg);
    call_free(c);
}

/* prepareCandidate: each victim gets the DisruptionTarget condition, then is deleted with
 * its own grace period; lower-priority pods nominated to the node lose the nomination. */
static void preempt(sched_comp *sc, const ck_sched_pod *pod, const ck_sched_result *res)
{
    const char *node = res->nominated_node;
    for (uint32_t i = 0; i < res->nvictims; i++) {
        ck_sched_pod *v = res->victims[i];
        call_rec *c = xcalloc(1, sizeof(*c));
        c->pod = ck_sched_pod_ref(v);
        c->node = xstrdup(node);
        c->preemptor = xstrdup(pod->uid);
        call_link(sc, c);
        char *msg = xasprintf("%s: preempting to accommodate a higher priority pod",
                              scheduler_name(pod->obj));
        bool changed;
        json_t *cond =
            condition(v->obj, "DisruptionTarget", "True", "PreemptionByScheduler", msg, &changed);
        free(msg);
        const char *ns = pod_ns(v);
        char *path = changed ? xasprintf("/api/v1/namespaces/%s/pods/%s/status", ns, v->name)
                             : xasprintf("/api/v1/namespaces/%s/pods/%s", ns, v->name);
        c->kind = changed ? CALL_VICTIM_PATCH : CALL_VICTIM_DELETE;
        json_t *body = changed ? json_pack("{s:{s:[O]}}", "status", "conditions", cond) : NULL;
        c->call = ck_client_request(sc->client, changed ? "PATCH" : "DELETE", path, body,
                                    changed ? "application/strategic-merge-patch+json" : NULL,
                                    on_victim, c);
        json_decref(body);
        json_decref(cond);
        free(path);
    }
    ck_sched_node *n = ck_sched_snapshot_node(sc->snap, node);
    for (uint32_t i = 0; n && i < n->nnominated; i++) {
        const ck_sched_pod *p = n->nominated[i];
        if (p->priority < pod->priority && !streq(p->uid, pod->uid) &&
            jstr(p->obj, "status", "nominatedNodeName"))
            patch_status(sc, p->obj, NULL, true, NULL);
    }
}

/* A FitError (or "no nodes available"): nominate, requeue with the rejecting plugins (none:
 * the error backoff), preempt, report. */
static void unschedulable(sched_comp *sc, ck_sched_pod *pod, const ck_sched_result *res)
{
    /* ErrNoNodesAvailable is an error upstream, not a FitError. */
    bool no_nodes = streq(res->message, "no nodes available to schedule pods");
    if (no_nodes)
        sc->errors++;
    else
        sc->unschedulable++;
    ck_log_v(2, "Unable to schedule pod; no fit; waiting pod=\"%s/%s\" err=\"%s\"", pod_ns(pod),
             pod->name, res->message);
    const json_t *cur = still_pending(sc, pod);
    if (!cur) {
        ck_sq_done(sc->q, pod->uid);
        return;
    }
    char *uid = xstrdup(pod->uid);
    refresh(sc, pod, cur);
    pod = ck_sq_get(sc->q, uid); /* the current version */
    json_t *obj = json_incref(pod->obj);
    if (res->nominate) ck_sched_snapshot_nominate(sc->snap, pod, res->nominated_node);
    if (res->nvictims && res->nominate && res->nominated_node && *res->nominated_node)
        preempt(sc, pod, res);
    ck_sq_requeue(sc->q, uid, res->plugins, ck_loop_now(sc->loop));
    free(uid);
    report_failure(sc, obj, no_nodes ? "SchedulerError" : "Unschedulable", res->message,
                   res->nominate, res->nominated_node);
    json_decref(obj);
}

/* ---- The scheduling loop ---------------------------------------------------------------- */

static void schedule_pod(sched_comp *sc, ck_sched_pod *pod)
{
    if (pod->terminating) { /* skipPodSchedule: a deleting pod */
        ck_sq_done(sc->q, pod->uid);
        return;
    }
    sc->attempts++;
    ck_sched_result res;
    ck_sched_outcome o = ck_sched_schedule_one(sc->sched, pod, &res);
    if (o == CK_SCHED_OUT_SCHEDULED || o == CK_SCHED_OUT_WAITING) {
        ck_log_v(3,
                 "Attempting to bind pod to node pod=\"%s/%s\" node=\"%s\" evaluatedNodes=%u "
                 "feasibleNodes=%u",
                 pod_ns(pod), pod->name, res.node, res.evaluated, res.feasible);
        ck_err *err = NULL;
        if (ck_sched_bind(sc->sched, pod, &err) < 0) requeue_failed(sc, pod, err->message);
        ck_err_free(err);
    } else if (o == CK_SCHED_OUT_UNSCHEDULABLE) {
        unschedulable(sc, pod, &res);
    } else {
        requeue_failed(sc, pod, res.message ? res.message : "scheduling failed");
    }
    ck_sched_result_clear(&res);
}

static bool can_schedule(const sched_comp *sc)
{
    return sc->leading && sc->synced && !sc->stopping;
}

static void pump(ck_loop *l, void *ctx)
{
    sched_comp *sc = ctx;
    sc->pump_timer = 0;
    uint64_t start = now_ms();
    for (unsigned n = 0; can_schedule(sc) && n < PUMP_MAX_PODS; n++) {
        ck_sched_pod *pod = ck_sq_pop(sc->q, ck_loop_now(l));
        if (!pod) break;
        schedule_pod(sc, pod);
        if (now_ms() - start >= PUMP_BUDGET_MS) break;
    }
    kick(sc);
}

static void kick(sched_comp *sc)
{
    if (!sc->pump_timer && can_schedule(sc) && ck_sq_len(sc->q, CK_SQ_ACTIVE))
        sc->pump_timer = ck_loop_timer(sc->loop, 0, pump, sc);
}

static void flush_backoff(ck_loop *l, void *ctx)
{
    sched_comp *sc = ctx;
    ck_sq_flush_backoff(sc->q, ck_loop_now(l));
    sc->backoff_timer = ck_loop_timer(l, BACKOFF_FLUSH_MS, flush_backoff, sc);
    kick(sc);
}

static void flush_leftover(ck_loop *l, void *ctx)
{
    sched_comp *sc = ctx;
    ck_sq_flush_unschedulable(sc->q, ck_loop_now(l));
    sc->leftover_timer = ck_loop_timer(l, LEFTOVER_FLUSH_MS, flush_leftover, sc);
    kick(sc);
}

static void stats(ck_loop *l, void *ctx)
{
    sched_comp *sc = ctx;
    if (sc->win_bound) {
        uint64_t span = sc->win_last - sc->win_first;
        char rate[48] = "";
        if (sc->win_bound > 1 && span)
            snprintf(rate, sizeof rate, " (%.0f pods/s)", sc->win_bound * 1000.0 / (double)span);
        ck_log_info("scheduler: bound %lu pods in %llu ms%s; pending: active %zu, backoff %zu, "
                    "unschedulable %zu",
                    sc->win_bound, (unsigned long long)span, rate, ck_sq_len(sc->q, CK_SQ_ACTIVE),
                    ck_sq_len(sc->q, CK_SQ_BACKOFF), ck_sq_len(sc->q, CK_SQ_UNSCHEDULABLE));
        sc->win_bound = 0;
    }
    sc->stats_timer = ck_loop_timer(l, STATS_MS, stats, sc);
}

static void check_synced(ck_loop *l, void *ctx)
{
    sched_comp *sc = ctx;
    sc->sync_timer = 0;
    if (!ck_informer_factory_synced(sc->factory)) {
        sc->sync_timer = ck_loop_timer(l, SYNC_POLL_MS, check_synced, sc);
        return;
    }
    sc->synced = true;
    ck_log_info("scheduler: caches synced: %u nodes, %zu pending pods",
                ck_sched_snapshot_num_nodes(sc->snap), ck_sq_len(sc->q, CK_SQ_ABSENT));
    kick(sc);
}

/* ---- Informer handlers ------------------------------------------------------------------ */

typedef struct topo_ctx {
    const ck_sched_snapshot *snap;
    const ck_sched_pod *pod; /* the assigned pod of the event */
} topo_ctx;

static bool has_plugin(const char *plugins, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = plugins; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && memcmp(p, name, n) == 0) return true;
        p += len;
        if (*p == ',') p++;
    }
    return false;
}

/* getUnschedulablePodsWithCrossTopologyTerm: rejected by PodTopologySpread in the same
 * namespace, or with a required affinity term matching the pod. */
static bool cross_topology(const ck_sched_pod *pending, const char *plugins, void *arg)
{
    const topo_ctx *c = arg;
    if (has_plugin(plugins, "PodTopologySpread") && pending->ns == c->pod->ns) return true;
    const ck_sched_symtab *t = ck_sched_snapshot_symtab((ck_sched_snapshot *)c->snap);
    const ck_sched_labels *nsl = ck_sched_snapshot_ns_labels(c->snap, c->pod->ns);
    for (uint32_t i = 0; i < pending->naff_req; i++)
        if (ck_sched_aff_term_matches(&pending->aff_req[i], c->pod, nsl, t)) return true;
    return false;
}

static void move(sched_comp *sc, uint32_t events)
{
    if (ck_sq_move(sc->q, events, NULL, NULL, ck_loop_now(sc->loop))) kick(sc);
}

static void move_for_pod(sched_comp *sc, uint32_t events, const char *uid)
{
    const ck_sched_pod *p = ck_sched_snapshot_pod(sc->snap, uid);
    if (!p) return;
    topo_ctx c = {sc->snap, p};
    if (ck_sq_move(sc->q, events, cross_topology, &c, ck_loop_now(sc->loop))) kick(sc);
}

/* An assigned pod into the snapshot. */
static void cache_pod(sched_comp *sc, const json_t *obj)
{
    ck_err *err = NULL;
    if (ck_sched_snapshot_upsert_pod(sc->snap, (json_t *)obj, &err) < 0) {
        ck_log_error("scheduler: pod %s/%s: %s", jstr(obj, "metadata", "namespace"),
                     jstr(obj, "metadata", "name"), err->message);
        ck_err_free(err);
    }
}

/* A pending pod into the queue (added or updated). */
static void queue_pod(sched_comp *sc, const json_t *obj, bool is_new, bool changed)
{
    if (!ck_sched_has_profile(sc->sched, scheduler_name(obj))) return;
    ck_err *err = NULL;
    ck_sched_pod *p = ck_sched_pod_new(ck_sched_snapshot_symtab(sc->snap), (json_t *)obj, &err);
    if (!p) {
        ck_log_error("scheduler: pod %s/%s: %s", jstr(obj, "metadata", "namespace"),
                     jstr(obj, "metadata", "name"), err->message);
        ck_err_free(err);
        return;
    }
    if (is_new)
        ck_sq_add(sc->q, p, ck_loop_now(sc->loop));
    else
        ck_sq_update(sc->q, p, changed, ck_loop_now(sc->loop));
    ck_sched_pod_unref(p);
    kick(sc);
}

static void pod_add(const json_t *obj, void *ctx)
{
    sched_comp *sc = ctx;
    if (assigned(obj)) {
        cache_pod(sc, obj);
        if (!terminal(obj)) move_for_pod(sc, CK_SQ_EV_POD_ADD, jstr(obj, "metadata", "uid"));
    } else if (!terminal(obj)) {
        queue_pod(sc, obj, true, true);
    }
}

static void pod_update(const json_t *old, const json_t *obj, void *ctx)
{
    sched_comp *sc = ctx;
    const char *uid = jstr(obj, "metadata", "uid");
    if (assigned(obj)) {
        bool bound_now = !assigned(old);
        if (bound_now) ck_sq_delete(sc->q, uid); /* leaves the queue for the cache */
        cache_pod(sc, obj);
        if (terminal(obj) && !terminal(old)) {
            move(sc, CK_SQ_EV_POD_DELETE);
        } else if (bound_now) {
            move_for_pod(sc, CK_SQ_EV_POD_ADD, uid);
        } else {
            const char *res = "resources";
            if (!json_equal(json_object_get(json_object_get(old, "metadata"), "labels"),
                            json_object_get(json_object_get(obj, "metadata"), "labels")))
                move_for_pod(sc, CK_SQ_EV_POD_LABEL, uid);
            json_t *oc = json_object_get(json_object_get(old, "spec"), "containers"),
                   *nc = json_object_get(json_object_get(obj, "spec"), "containers");
            size_t i;
            json_t *c;
            json_array_foreach(nc, i, c)
            {
                if (!json_equal(json_object_get(c, res),
                                json_object_get(json_array_get(oc, i), res))) {
                    move(sc, CK_SQ_EV_POD_SCALE_DOWN);
                    break;
                }
            }
        }
        return;
    }
    if (streq(jstr(old, "metadata", "resourceVersion"), jstr(obj, "metadata", "resourceVersion")))
        return;
    const ck_sched_pod *cached = ck_sched_snapshot_pod(sc->snap, uid);
    if (cached && cached->assumed) return; /* being bound: the binding decides */
    if (terminal(obj)) {
        ck_sq_delete(sc->q, uid);
        return;
    }
    queue_pod(sc, obj, false, pod_updated(old, obj));
}

static void pod_delete(const json_t *obj, void *ctx)
{
    sched_comp *sc = ctx;
    const char *uid = jstr(obj, "metadata", "uid");
    ck_sq_delete(sc->q, uid);
    if (ck_sched_snapshot_pod(sc->snap, uid)) {
        ck_sched_snapshot_remove_pod(sc->snap, uid);
        move(sc, CK_SQ_EV_POD_DELETE);
    }
}

static void node_add(const json_t *obj, void *ctx)
{
    sched_comp *sc = ctx;
    ck_err *err = NULL;
    if (ck_sched_snapshot_upsert_node(sc->snap, (json_t *)obj, &err) < 0) {
        ck_log_error("scheduler: node %s: %s", jstr(obj, "metadata", "name"), err->message);
        ck_err_free(err);
        return;
    }
    move(sc, CK_SQ_EV_NODE_ADD);
}

static bool differs(const json_t *a, const json_t *b, const char *k1, const char *k2)
{
    return !json_equal(json_object_get(json_object_get(a, k1), k2),
                       json_object_get(json_object_get(b, k1), k2));
}

/* nodeSchedulingPropertiesChange: which changes of a node may help pending pods. */
static uint32_t node_changes(const json_t *old, const json_t *obj)
{
    uint32_t ev = 0;
    if (differs(old, obj, "metadata", "labels")) ev |= CK_SQ_EV_NODE_LABEL;
    if (differs(old, obj, "spec", "taints") || differs(old, obj, "spec", "unschedulable"))
        ev |= CK_SQ_EV_NODE_TAINT;
    if (differs(old, obj, "status", "allocatable")) ev |= CK_SQ_EV_NODE_ALLOCATABLE;
    /* Conditions without their heartbeat times. */
    const json_t *oc = json_object_get(json_object_get(old, "status"), "conditions"),
                 *nc = json_object_get(json_object_get(obj, "status"), "conditions");
    bool cond = json_array_size(oc) != json_array_size(nc);
    for (size_t i = 0; !cond && i < json_array_size(nc); i++)
        cond = !streq(jstr(json_array_get(oc, i), "type", NULL),
                      jstr(json_array_get(nc, i), "type", NULL)) ||
               !streq(jstr(json_array_get(oc, i), "status", NULL),
                      jstr(json_array_get(nc, i), "status", NULL));
    if (cond) ev |= CK_SQ_EV_NODE_CONDITION;
    return ev;
}

static void node_update(const json_t *old, const json_t *obj, void *ctx)
{
    sched_comp *sc = ctx;
    uint32_t ev = node_changes(old, obj);
    ck_err *err = NULL;
    if (ck_sched_snapshot_upsert_node(sc->snap, (json_t *)obj, &err) < 0) {
        ck_log_error("scheduler: node %s: %s", jstr(obj, "metadata", "name"), err->message);
        ck_err_free(err);
        return;
    }
    if (ev) move(sc, ev);
}

static void node_delete(const json_t *obj, void *ctx)
{
    sched_comp *sc = ctx;
    ck_sched_snapshot_remove_node(sc->snap, jstr(obj, "metadata", "name"));
    move(sc, CK_SQ_EV_NODE_DELETE);
}

static void obj_add(const json_t *obj, void *ctx)
{
    obj_feed *f = ctx;
    ck_sched_snapshot_upsert_object(f->sc->snap, f->kind, (json_t *)obj);
    if (f->events) move(f->sc, f->events);
}

static void obj_update(const json_t *old, const json_t *obj, void *ctx)
{
    (void)old;
    obj_add(obj, ctx);
}

static void obj_delete(const json_t *obj, void *ctx)
{
    obj_feed *f = ctx;
    ck_sched_snapshot_remove_object(f->sc->snap, f->kind, jstr(obj, "metadata", "namespace"),
                                    jstr(obj, "metadata", "name"));
}

/* ---- Leader election -------------------------------------------------------------------- */

static void started_leading(void *ctx)
{
    sched_comp *sc = ctx;
    sc->leading = true;
    ck_log_info("scheduler: started leading; scheduling");
    kick(sc);
}

static void stopped_leading(void *ctx)
{
    sched_comp *sc = ctx;
    sc->leading = false;
    if (sc->stopping) {
        ck_log_info("Requested to terminate, exiting");
        return;
    }
    ck_log_error("Leaderelection lost");
    sc->lost = true;
    ck_loop_stop(sc->loop);
}

/* ---- Running ---------------------------------------------------------------------------- */

static void profile_names(sched_comp *sc, const json_t *config)
{
    const json_t *profs = json_object_get(config, "profiles");
    size_t n = json_array_size(profs);
    sc->nprofiles = n ? n : 1;
    sc->profiles = xcalloc(sc->nprofiles, sizeof(char *));
    sc->recs = xcalloc(sc->nprofiles, sizeof(ck_recorder *));
    for (size_t i = 0; i < sc->nprofiles; i++) {
        const char *name = jstr(json_array_get(profs, i), "schedulerName", NULL);
        sc->profiles[i] = xstrdup(name && *name ? name : "default-scheduler");
        sc->recs[i] = ck_recorder_new(sc->ev_client, sc->profiles[i], NULL);
    }
}

static void start_informers(sched_comp *sc)
{
    sc->factory = ck_informer_factory_new(sc->client);
    ck_informer *nodes = ck_informer_for(sc->factory, "/api/v1/nodes");
    ck_informer_add_handlers(nodes,
                             &(ck_informer_handlers){node_add, node_update, node_delete, sc});
    for (size_t i = 0; i < ARRAY_SIZE(feeds); i++) {
        sc->feeds[i] = feeds[i];
        sc->feeds[i].sc = sc;
        ck_informer_add_handlers(
            ck_informer_for(sc->factory, feeds[i].path),
            &(ck_informer_handlers){obj_add, obj_update, obj_delete, &sc->feeds[i]});
    }
    for (size_t i = 0; i < ARRAY_SIZE(idle_paths); i++)
        ck_informer_for(sc->factory, idle_paths[i]);
    /* Pods last: the nodes and objects they refer to are usually known by then. */
    sc->pods = ck_informer_for(sc->factory, "/api/v1/pods");
    ck_informer_add_handlers(sc->pods,
                             &(ck_informer_handlers){pod_add, pod_update, pod_delete, sc});
}

static void shutdown_comp(sched_comp *sc)
{
    sc->stopping = true;
    ck_timer_id *timers[] = {&sc->pump_timer, &sc->backoff_timer, &sc->leftover_timer,
                             &sc->sync_timer, &sc->stats_timer};
    for (size_t i = 0; i < ARRAY_SIZE(timers); i++) {
        ck_loop_cancel(sc->loop, *timers[i]);
        *timers[i] = 0;
    }
    ck_leader_free(sc->le); /* releases the Lease if we held it (ReleaseOnCancel) */
    sc->le = NULL;
    ck_log_info("scheduler: %lu attempts, %lu bound, %lu unschedulable, %lu errors, %lu binding "
                "failures",
                sc->attempts, sc->bound, sc->unschedulable, sc->errors, sc->bind_errors);
    while (sc->calls) {
        ck_call_cancel(sc->calls->call);
        call_free(sc->calls);
    }
    uint64_t end = now_ms() + 2000;
    for (size_t i = 0; i < sc->nprofiles; i++) {
        uint64_t t = now_ms();
        ck_recorder_flush(sc->recs[i], t < end ? end - t : 0);
    }
    for (size_t i = 0; i < sc->nprofiles; i++) {
        ck_recorder_free(sc->recs[i]);
        free(sc->profiles[i]);
    }
    free(sc->recs);
    free(sc->profiles);
    ck_sq_free(sc->q);
    ck_informer_factory_free(sc->factory);
    ck_sched_free(sc->sched);
    ck_sched_snapshot_free(sc->snap);
    ck_client_free(sc->le_client);
    ck_client_free(sc->ev_client);
    ck_client_free(sc->client);
}

int ck_scheduler_run(const ck_scheduler_options *o, const json_t *config, ck_loop *loop,
                     ck_err **err)
{
    sched_comp sc = {.o = o, .loop = loop};
    sc.snap = ck_sched_snapshot_new();
    sc.sched = ck_sched_new(sc.snap, config, err);
    if (!sc.sched) {
        ck_sched_snapshot_free(sc.snap);
        return -1;
    }
    ck_sched_set_binder(sc.sched, bind_fn, &sc);
    ck_kubeconfig kc = {0};
    if (ck_kubeconfig_load(o->kubeconfig, NULL, &kc, err) < 0) {
        ck_sched_free(sc.sched);
        ck_sched_snapshot_free(sc.snap);
        return -1;
    }
    char ua[64];
    snprintf(ua, sizeof ua, "kube-scheduler/%s (ckube)", CK_KUBE_GIT_VERSION);
    ck_client_opts co = {.user_agent = ua, .qps = o->kube_api_qps, .burst = o->kube_api_burst};
    /* As upstream: one client for the API, one for events, one for the Lease, so that
     * neither events nor renewals wait behind the other's rate limit. */
    sc.client = ck_client_new(loop, &kc, &co, err);
    if (sc.client) sc.ev_client = ck_client_new(loop, &kc, &co, err);
    if (sc.ev_client) sc.le_client = ck_client_new(loop, &kc, &co, err);
    ck_kubeconfig_clear(&kc);
    if (!sc.le_client) {
        ck_client_free(sc.ev_client);
        ck_client_free(sc.client);
        ck_sched_free(sc.sched);
        ck_sched_snapshot_free(sc.snap);
        return -1;
    }
    ck_sq_config qc = {.initial_backoff_ms = (uint64_t)o->pod_initial_backoff_ms,
                       .max_backoff_ms = (uint64_t)o->pod_max_backoff_ms,
                       .max_unschedulable_ms = (uint64_t)o->pod_max_unschedulable_ms};
    sc.q = ck_sq_new(sc.snap, &qc);
    profile_names(&sc, config);
    ck_log_info("Starting Kubernetes Scheduler version=\"%s\"", CK_KUBE_GIT_VERSION);
    start_informers(&sc);
    sc.sync_timer = ck_loop_timer(loop, SYNC_POLL_MS, check_synced, &sc);
    sc.backoff_timer = ck_loop_timer(loop, BACKOFF_FLUSH_MS, flush_backoff, &sc);
    sc.leftover_timer = ck_loop_timer(loop, LEFTOVER_FLUSH_MS, flush_leftover, &sc);
    sc.stats_timer = ck_loop_timer(loop, STATS_MS, stats, &sc);
    int rc = 0;
    if (o->leader_elect) {
        char *id = ck_leader_identity();
        ck_leader_config lc = {.lease_duration_ms = (uint64_t)o->lease_duration_ms,
                               .renew_deadline_ms = (uint64_t)o->renew_deadline_ms,
                               .retry_period_ms = (uint64_t)o->retry_period_ms,
                               .release_on_cancel = true,
                               .recorder = sc.recs[0]};
        ck_leader_callbacks cb = {.on_started_leading = started_leading,
                                  .on_stopped_leading = stopped_leading,
                                  .ctx = &sc};
        sc.le = ck_leader_new(sc.le_client, o->lock_namespace, o->lock_name, id, &lc, &cb, err);
        free(id);
        if (!sc.le) rc = -1;
    } else {
        sc.leading = true;
    }
    if (rc == 0) ck_loop_run(loop);
    shutdown_comp(&sc);
    if (rc == 0 && sc.lost) rc = 1;
    return rc;
}

/* ---- The command ------------------------------------------------------------------------ */

void ck_scheduler_options_init(ck_scheduler_options *o)
{
    *o = (ck_scheduler_options){
        .leader_elect = true,
        .lease_duration_ms = 15000,
        .renew_deadline_ms = 10000,
        .retry_period_ms = 2000,
        .lock_name = "kube-scheduler",
        .lock_namespace = "kube-system",
        .kube_api_qps = 50,
        .kube_api_burst = 100,
        .pod_max_unschedulable_ms = 5 * 60 * 1000,
        .pod_initial_backoff_ms = 1000,
        .pod_max_backoff_ms = 10000,
        .secure_port = 10259,
    };
}

/* Whether a flag was given on the command line (upstream's FlagSet.Changed). */
static bool given(int argc, char **argv, const char *name)
{
    size_t n = strlen(name);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (streq(a, "--")) break;
        if (a[0] != '-') continue;
        a += a[1] == '-' ? 2 : 1;
        if (strncmp(a, name, n) == 0 && (a[n] == 0 || a[n] == '=')) return true;
    }
    return false;
}

static int config_duration(const json_t *le, const char *key, int64_t *out)
{
    const json_t *v = json_object_get(le, key);
    if (!v) return 0;
    int64_t ms = ck_parse_duration_ms(json_string_value(v));
    if (ms < 0) {
        fprintf(stderr, "Error: leaderElection.%s: invalid duration\n", key);
        return -1;
    }
    *out = ms;
    return 0;
}

/* LoadConfigFromFile plus the fields the component reads: clientConnection,
 * leaderElection and the pod backoffs (profiles and percentageOfNodesToScore go to the
 * scheduling core). Explicit leader-election and client flags override the file. */
static json_t *load_config(const char *path, ck_scheduler_options *o, int argc, char **argv)
{
    size_t len;
    cleanup_free char *text = read_file(path, &len);
    if (!text) {
        fprintf(stderr, "Error: failed to read config file \"%s\": %s\n", path, strerror(errno));
        return NULL;
    }
    json_t *cfg = NULL;
    ck_err *err = NULL;
    if (ck_yaml_to_json(text, len, &cfg, &err) < 0 || !json_is_object(cfg)) {
        fprintf(stderr, "Error: failed to decode config file \"%s\": %s\n", path,
                err ? err->message : "not an object");
        ck_err_free(err);
        json_decref(cfg);
        return NULL;
    }
    const char *av = jstr(cfg, "apiVersion", NULL), *kind = jstr(cfg, "kind", NULL);
    if (!streq(kind, "KubeSchedulerConfiguration") ||
        !streq(av, "kubescheduler.config.k8s.io/v1")) {
        fprintf(stderr, "Error: no kind \"%s\" is registered for version \"%s\"\n",
                kind ? kind : "", av ? av : "");
        json_decref(cfg);
        return NULL;
    }
    const json_t *cc = json_object_get(cfg, "clientConnection");
    if (jstr(cc, "kubeconfig", NULL) && !given(argc, argv, "kubeconfig"))
        o->kubeconfig = jstr(cc, "kubeconfig", NULL);
    if (json_is_number(json_object_get(cc, "qps")) && !given(argc, argv, "kube-api-qps"))
        o->kube_api_qps = (int)json_number_value(json_object_get(cc, "qps"));
    if (json_is_integer(json_object_get(cc, "burst")) && !given(argc, argv, "kube-api-burst"))
        o->kube_api_burst = (int)json_integer_value(json_object_get(cc, "burst"));
    const json_t *le = json_object_get(cfg, "leaderElection");
    ck_scheduler_options f = *o; /* the file's values; flags given win below */
    if (json_is_boolean(json_object_get(le, "leaderElect")))
        f.leader_elect = json_is_true(json_object_get(le, "leaderElect"));
    if (config_duration(le, "leaseDuration", &f.lease_duration_ms) < 0 ||
        config_duration(le, "renewDeadline", &f.renew_deadline_ms) < 0 ||
        config_duration(le, "retryPeriod", &f.retry_period_ms) < 0) {
        json_decref(cfg);
        return NULL;
    }
    if (jstr(le, "resourceName", NULL)) f.lock_name = jstr(le, "resourceName", NULL);
    if (jstr(le, "resourceNamespace", NULL)) f.lock_namespace = jstr(le, "resourceNamespace", NULL);
    const char *lock = jstr(le, "resourceLock", NULL);
    if (lock && !streq(lock, "leases")) {
        fprintf(stderr,
                "Error: leaderElection.resourceLock: Unsupported value: \"%s\": supported "
                "values: \"leases\"\n",
                lock);
        json_decref(cfg);
        return NULL;
    }
    if (!given(argc, argv, "leader-elect")) o->leader_elect = f.leader_elect;
    if (!given(argc, argv, "leader-elect-lease-duration"))
        o->lease_duration_ms = f.lease_duration_ms;
    if (!given(argc, argv, "leader-elect-renew-deadline"))
        o->renew_deadline_ms = f.renew_deadline_ms;
    if (!given(argc, argv, "leader-elect-retry-period")) o->retry_period_ms = f.retry_period_ms;
    if (!given(argc, argv, "leader-elect-resource-name")) o->lock_name = f.lock_name;
    if (!given(argc, argv, "leader-elect-resource-namespace")) o->lock_namespace = f.lock_namespace;
    const json_t *ib = json_object_get(cfg, "podInitialBackoffSeconds"),
                 *mb = json_object_get(cfg, "podMaxBackoffSeconds");
    if (json_is_integer(ib)) o->pod_initial_backoff_ms = json_integer_value(ib) * 1000;
    if (json_is_integer(mb)) o->pod_max_backoff_ms = json_integer_value(mb) * 1000;
    if (o->pod_initial_backoff_ms <= 0 || o->pod_max_backoff_ms < o->pod_initial_backoff_ms) {
        fprintf(stderr, "Error: podInitialBackoffSeconds must be greater than 0 and "
                        "podMaxBackoffSeconds must be greater than or equal to it\n");
        json_decref(cfg);
        return NULL;
    }
    return cfg;
}

int ck_cmd_scheduler(int argc, char **argv)
{
    ck_scheduler_options o;
    ck_scheduler_options_init(&o);
    int v = 0;
    const char *lock = "leases";
    const ck_flag flags[] = {
        {"config", CK_FLAG_STRING, &o.config_file, "The path to the configuration file."},
        {"kubeconfig", CK_FLAG_STRING, &o.kubeconfig,
         "Path to kubeconfig file with authorization and master location information."},
        {"leader-elect-resource-lock", CK_FLAG_STRING, &lock,
         "The type of resource object that is used for locking during leader election. Supported "
         "options are 'leases'."},
        CK_LEADER_ELECT_FLAGS(&o.leader_elect, &o.lease_duration_ms, &o.renew_deadline_ms,
                              &o.retry_period_ms, &o.lock_name, &o.lock_namespace),
        CK_API_CLIENT_FLAGS(&o.kube_api_qps, &o.kube_api_burst),
        {"pod-max-in-unschedulable-pods-duration", CK_FLAG_DURATION, &o.pod_max_unschedulable_ms,
         "The maximum time a pod can stay in unschedulablePods."},
        {"bind-address", CK_FLAG_STRING, &o.bind_address,
         "The IP address on which to listen for the --secure-port port.", true},
        {"secure-port", CK_FLAG_INT, &o.secure_port,
         "The port on which to serve HTTPS with authentication and authorization.", true},
        {"v", CK_FLAG_INT, &v, "number for the log level verbosity"},
    };
    ck_command_spec spec = {"ckube scheduler", "[flags]",
                            "Run the Kubernetes scheduler: it assigns pending pods to nodes.",
                            flags, ARRAY_SIZE(flags)};
    int pr = ck_flags_parse(&spec, argc, argv, NULL, NULL);
    if (pr != 0) return pr > 0 ? 0 : 1;
    ck_log_verbosity = v;
    if (!streq(lock, "leases")) {
        fprintf(stderr, "Error: --leader-elect-resource-lock: only \"leases\" is supported\n");
        return 1;
    }
    json_t *config = NULL;
    if (o.config_file && !(config = load_config(o.config_file, &o, argc, argv))) return 1;
    if (!o.kubeconfig) {
        fprintf(stderr, "Error: --kubeconfig is required (or clientConnection.kubeconfig in "
                        "--config)\n");
        json_decref(config);
        return 1;
    }
    if (o.pod_max_unschedulable_ms <= 0) {
        fprintf(stderr, "Error: --pod-max-in-unschedulable-pods-duration must be positive\n");
        json_decref(config);
        return 1;
    }
    ck_loop *loop = ck_loop_new();
    if (ck_loop_handle_signals(loop) < 0) ck_log_warn("scheduler: signals are not handled");
    ck_err *err = NULL;
    int rc = ck_scheduler_run(&o, config, loop, &err);
    if (rc < 0) fprintf(stderr, "Error: %s\n", err ? err->message : "scheduler failed");
    ck_err_free(err);
    ck_loop_free(loop);
    json_decref(config);
    return rc == 0 ? 0 : 1;
}
