/* The Deployment controller (upstream pkg/controller/deployment): each Deployment owns a
 * ReplicaSet per pod template, named <deployment>-<pod-template-hash>; rollouts move
 * replicas from the old sets to the new one (deployment_rolling.c), scaling events resize
 * the active sets proportionally, old empty sets beyond revisionHistoryLimit are deleted,
 * and the status and its Available/Progressing conditions follow the sets. Informers on
 * deployments, replica sets and pods (for Recreate); writes as described in deployment.h.
 * Events come from "deployment-controller", as upstream's. */
#include "controller/deployment.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client/informer.h"
#include "client/recorder.h"
#include "client/workqueue.h"
#include "controller/controller.h"
#include "controller/deployment_util.h"
#include "controller/podutil.h"
#include "lib/log.h"
#include "lib/util.h"
#include "machinery/selector.h"
#include "registry/registry.h"
#include "registry/workload.h"

typedef struct dctl {
    const ck_controller_ctx *ctx;
    ck_informer *deploys, *sets, *pods;
    ck_workqueue *q;
    ck_recorder *rec;
    ck_callset *calls; /* in flight; cancelled on stop */
    /* Per deployment key: {"n": writes in flight, "again": a sync was asked for meanwhile,
     * "retry": one of them failed}. A key with writes in flight is not synced. */
    json_t *inflight;
    bool stopping;
} dctl;

static const char *const APPS = "/apis/apps/v1/namespaces/";

static ck_label_selector *selector_of(const json_t *d)
{
    ck_label_selector *s = NULL;
    ck_err *err = NULL;
    if (ck_label_selector_from_json(ck_obj_get(d, "spec.selector"), &s, &err) < 0) {
        ck_log_warn("deployment: invalid selector: %s", err->message);
        ck_err_free(err);
        return NULL;
    }
    return s;
}

static json_t *with_kind(const json_t *obj, const char *kind)
{
    json_t *o = json_deep_copy(obj);
    json_object_set_new(o, "kind", json_string(kind));
    json_object_set_new(o, "apiVersion", json_string("apps/v1"));
    return o;
}

/* ---- writes in flight ---- */

static json_t *entry(dctl *c, const char *key)
{
    json_t *e = json_object_get(c->inflight, key);
    if (!e) {
        e = json_pack("{s:i, s:b, s:b}", "n", 0, "again", 0, "retry", 0);
        json_object_set_new(c->inflight, key, e);
    }
    return e;
}

/* True (and the key marked for another sync) while writes for key are in flight. */
static bool busy(dctl *c, const char *key)
{
    json_t *e = json_object_get(c->inflight, key);
    if (!e || json_integer_value(json_object_get(e, "n")) == 0) return false;
    json_object_set_new(e, "again", json_true());
    return true;
}

static void write_done(dctl *c, const char *key, bool failed)
{
    json_t *e = json_object_get(c->inflight, key);
    if (!e) return;
    json_int_t n = json_integer_value(json_object_get(e, "n")) - 1;
    json_object_set_new(e, "n", json_integer(n));
    if (failed) json_object_set_new(e, "retry", json_true());
    if (n > 0 || c->stopping) return;
    bool retry = json_is_true(json_object_get(e, "retry"));
    bool again = json_is_true(json_object_get(e, "again"));
    json_object_del(c->inflight, key);
    if (retry)
        ck_workqueue_add_rate_limited(c->q, key);
    else if (again)
        ck_workqueue_add(c->q, key);
}

enum wkind { W_PLAIN, W_STATUS, W_CREATE, W_DELETE };

typedef struct wctx {
    dctl *c;
    enum wkind kind;
    char *key, *what;
    json_t *event_d; /* the deployment the ScalingReplicaSet event is about, or NULL */
    char *event_msg;
    bool failed;
    /* W_STATUS: the revision annotation wanted; W_CREATE: the sync's deployment, the set's
     * name, size and revision. */
    char *want_rev;
    json_t *d;
    char *rs_name, *rev;
    int replicas;
} wctx;

static void wctx_free(void *arg)
{
    wctx *w = arg;
    write_done(w->c, w->key, w->failed);
    free(w->key);
    free(w->what);
    json_decref(w->event_d);
    free(w->event_msg);
    free(w->want_rev);
    json_decref(w->d);
    free(w->rs_name);
    free(w->rev);
    free(w);
}

static void on_write(const ck_response *r, void *arg);

static wctx *new_write(dctl *c, const char *key, enum wkind kind, const char *what)
{
    wctx *w = xcalloc(1, sizeof *w);
    w->c = c;
    w->kind = kind;
    w->key = xstrdup(key);
    w->what = xstrdup(what);
    return w;
}

static void send(wctx *w, const char *method, const char *path, const json_t *body,
                 const char *ctype)
{
    json_int_t n = json_integer_value(json_object_get(entry(w->c, w->key), "n"));
    json_object_set_new(entry(w->c, w->key), "n", json_integer(n + 1));
    ck_callset_request(w->c->calls, w->c->ctx->client, method, path, body, ctype, on_write, w,
                       wctx_free);
}

static void put_status(dctl *c, const char *key, json_t *d)
{
    wctx *w = new_write(c, key, W_STATUS, "updating deployment status");
    const char *rev = json_string_value(
        json_object_get(ck_obj_get(d, "metadata.annotations"), CK_DEPLOY_REVISION));
    w->want_rev = rev ? xstrdup(rev) : NULL;
    cleanup_free char *path =
        xasprintf("%s%s/deployments/%s/status", APPS, ck_obj_str(d, "metadata.namespace"),
                  ck_obj_str(d, "metadata.name"));
    send(w, "PUT", path, d, NULL);
}

/* The status subresource of a server that, unlike upstream's, drops metadata changes does
 * not take the revision annotation: write it on the deployment itself. */
static void patch_revision(dctl *c, const char *key, const json_t *got, const char *rev)
{
    wctx *w = new_write(c, key, W_PLAIN, "setting the deployment's revision");
    json_t *patch = json_pack("{s:{s:s?, s:{s:s}}}", "metadata", "resourceVersion",
                              ck_obj_str(got, "metadata.resourceVersion"), "annotations",
                              CK_DEPLOY_REVISION, rev);
    cleanup_free char *path =
        xasprintf("%s%s/deployments/%s", APPS, ck_obj_str(got, "metadata.namespace"),
                  ck_obj_str(got, "metadata.name"));
    send(w, "PATCH", path, patch, "application/merge-patch+json");
    json_decref(patch);
}

static void created(wctx *w, const ck_response *r);

static void on_write(const ck_response *r, void *arg)
{
    wctx *w = arg;
    dctl *c = w->c;
    if (w->kind == W_CREATE) {
        created(w, r);
        return;
    }
    if (r->err) {
        if (w->kind == W_DELETE && r->status == 404) return;
        if (r->status != 409)
            ck_log_warn("deployment %s: %s: %s", w->key, w->what, r->err->message);
        w->failed = true;
        return;
    }
    if (w->event_msg)
        ck_recorder_event(c->rec, w->event_d, "Normal", "ScalingReplicaSet", "%s", w->event_msg);
    if (w->kind == W_STATUS && w->want_rev && r->body) {
        const char *got = json_string_value(
            json_object_get(ck_obj_get(r->body, "metadata.annotations"), CK_DEPLOY_REVISION));
        if (!streq(got, w->want_rev)) patch_revision(c, w->key, r->body, w->want_rev);
    }
}

/* The answer to creating the new replica set (getNewReplicaSet after Create). */
static void created(wctx *w, const ck_response *r)
{
    dctl *c = w->c;
    json_t *d = w->d;
    json_t *st = ck_obj_ensure(d, "status");
    char now[32];
    rfc3339_now(now);
    if (!r->err) {
        if (w->replicas > 0)
            ck_recorder_event(c->rec, d, "Normal", "ScalingReplicaSet",
                              "Scaled up replica set %s from 0 to %d", w->rs_name, w->replicas);
        ck_deploy_set_revision(d, w->rev);
        if (ck_deploy_has_progress_deadline(d)) {
            cleanup_free char *msg = xasprintf("Created new replica set \"%s\"", w->rs_name);
            ck_deploy_set_condition(st, "Progressing", "True", "NewReplicaSetCreated", msg, now);
        }
        put_status(c, w->key, d);
        return;
    }
    w->failed = true;
    if (r->status == 409 && streq(r->err->reason, "AlreadyExists")) {
        /* A slow cache, or a hash collision: another template has this name. */
        const json_t *rs =
            ck_informer_get(c->sets, ck_obj_str(d, "metadata.namespace"), w->rs_name);
        const json_t *ref = rs ? ck_controller_ref(rs) : NULL;
        if (!rs || (ref && streq(ck_obj_str(ref, "uid"), ck_obj_str(d, "metadata.uid")) &&
                    ck_deploy_equal_ignore_hash(ck_obj_get(d, "spec.template"),
                                                ck_obj_get(rs, "spec.template"))))
            return; /* ours: the next sync finds it */
        json_int_t cc = json_integer_value(json_object_get(st, "collisionCount"));
        json_object_set_new(st, "collisionCount", json_integer(cc + 1));
        ck_log_info("deployment %s: hash collision on %s, collisionCount %lld", w->key, w->rs_name,
                    (long long)cc + 1);
        put_status(c, w->key, d);
        return;
    }
    if (r->err->message && strstr(r->err->message, "because it is being terminated"))
        return; /* the namespace is going away: every create fails */
    cleanup_free char *msg =
        xasprintf("Failed to create new replica set \"%s\": %s", w->rs_name, r->err->message);
    if (ck_deploy_has_progress_deadline(d)) {
        ck_deploy_set_condition(st, "Progressing", "False", "ReplicaSetCreateError", msg, now);
        put_status(c, w->key, d);
    }
    ck_recorder_event(c->rec, d, "Warning", "ReplicaSetCreateError", "%s", msg);
}

/* ---- event handlers ---- */

static void enqueue(dctl *c, const json_t *d)
{
    cleanup_free char *key = ck_object_key(d);
    ck_workqueue_add(c->q, key);
}

static void on_deploy(const json_t *d, void *ctx)
{
    enqueue(ctx, d);
}

static void on_deploy_update(const json_t *old, const json_t *d, void *ctx)
{
    (void)old;
    enqueue(ctx, d);
}

/* resolveControllerRef: the deployment controlling rs, if it is in the cache. */
static const json_t *deployment_of(dctl *c, const json_t *rs)
{
    const json_t *ref = rs ? ck_controller_ref(rs) : NULL;
    if (!ref || !streq(ck_obj_str(ref, "kind"), "Deployment")) return NULL;
    const json_t *d =
        ck_informer_get(c->deploys, ck_obj_str(rs, "metadata.namespace"), ck_obj_str(ref, "name"));
    if (!d || !streq(ck_obj_str(d, "metadata.uid"), ck_obj_str(ref, "uid"))) return NULL;
    return d;
}

typedef struct select_ctx {
    dctl *c;
    const json_t *rs;
} select_ctx;

static bool enqueue_if_selects(const json_t *d, void *arg)
{
    select_ctx *m = arg;
    ck_label_selector *s = selector_of(d);
    if (s && !ck_label_selector_empty(s) &&
        ck_label_selector_matches(s, ck_obj_get(m->rs, "metadata.labels")))
        enqueue(m->c, d);
    ck_label_selector_free(s);
    return true;
}

/* getDeploymentsForReplicaSet: an orphan wakes the deployments that select it. */
static void enqueue_selecting(dctl *c, const json_t *rs)
{
    select_ctx m = {c, rs};
    ck_informer_each(c->deploys, ck_obj_str(rs, "metadata.namespace"), enqueue_if_selects, &m);
}

static void on_rs_delete(const json_t *rs, void *ctx)
{
    const json_t *d = deployment_of(ctx, rs);
    if (d) enqueue(ctx, d);
}

static void on_rs(const json_t *rs, void *ctx)
{
    if (ck_obj_get(rs, "metadata.deletionTimestamp")) {
        on_rs_delete(rs, ctx);
        return;
    }
    if (ck_controller_ref(rs)) {
        on_rs_delete(rs, ctx); /* enqueues its deployment */
        return;
    }
    enqueue_selecting(ctx, rs);
}

static void on_rs_update(const json_t *old, const json_t *rs, void *ctx)
{
    const json_t *oref = ck_controller_ref(old), *cref = ck_controller_ref(rs);
    bool ref_changed = !(oref && cref ? json_equal(oref, cref) : oref == cref);
    if (ref_changed && oref) on_rs_delete(old, ctx);
    if (cref) {
        on_rs_delete(rs, ctx);
        return;
    }
    if (ref_changed ||
        !ck_json_same(ck_obj_get(old, "metadata.labels"), ck_obj_get(rs, "metadata.labels")))
        enqueue_selecting(ctx, rs);
}

/* A Recreate rollout waits for the old pods to be gone. */
static void on_pod_delete(const json_t *pod, void *ctx)
{
    dctl *c = ctx;
    const json_t *ref = ck_controller_ref(pod);
    if (!ref || !streq(ck_obj_str(ref, "kind"), "ReplicaSet")) return;
    const json_t *rs =
        ck_informer_get(c->sets, ck_obj_str(pod, "metadata.namespace"), ck_obj_str(ref, "name"));
    if (!rs || !streq(ck_obj_str(rs, "metadata.uid"), ck_obj_str(ref, "uid"))) return;
    const json_t *d = deployment_of(c, rs);
    if (d && streq(ck_obj_str(d, "spec.strategy.type"), "Recreate")) enqueue(c, d);
}

/* ---- claiming replica sets (ReplicaSetControllerRefManager) ---- */

static json_t *owner_ref(const json_t *d)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "apiVersion", "apps/v1", "kind",
                     "Deployment", "name", ck_obj_str(d, "metadata.name"), "uid",
                     ck_obj_str(d, "metadata.uid"), "controller", 1, "blockOwnerDeletion", 1);
}

static char *rs_path(const json_t *rs)
{
    return xasprintf("%s%s/replicasets/%s", APPS, ck_obj_str(rs, "metadata.namespace"),
                     ck_obj_str(rs, "metadata.name"));
}

typedef struct claim_ctx {
    dsync *s;
    ck_label_selector *sel;
    const char *uid;
    bool deleting;
    size_t cap;
} claim_ctx;

static void own(claim_ctx *cc, const json_t *rs)
{
    dsync *s = cc->s;
    if (s->nrs == cc->cap) {
        cc->cap = cc->cap ? 2 * cc->cap : 8;
        s->rs = xrealloc(s->rs, cc->cap * sizeof *s->rs);
    }
    s->rs[s->nrs++] = with_kind(rs, "ReplicaSet");
}

static bool claim(const json_t *rs, void *arg)
{
    claim_ctx *cc = arg;
    dsync *s = cc->s;
    const json_t *ref = ck_controller_ref(rs);
    bool matches = ck_label_selector_matches(cc->sel, ck_obj_get(rs, "metadata.labels"));
    cleanup_free char *path = rs_path(rs);
    json_t *patch = NULL;
    if (ref) {
        if (!streq(ck_obj_str(ref, "uid"), cc->uid)) return true; /* someone else's */
        if (matches) {
            own(cc, rs);
            return true;
        }
        if (cc->deleting) return true;
        /* Ours, but the labels no longer match: release it. */
        patch = json_pack("{s:{s:[{s:s, s:s}], s:s}}", "metadata", "ownerReferences", "$patch",
                          "delete", "uid", cc->uid, "uid", ck_obj_str(rs, "metadata.uid"));
    } else {
        if (cc->deleting || !matches || ck_obj_get(rs, "metadata.deletionTimestamp")) return true;
        patch = json_pack("{s:{s:[o], s:s}}", "metadata", "ownerReferences", owner_ref(s->d), "uid",
                          ck_obj_str(rs, "metadata.uid"));
        own(cc, rs);
    }
    wctx *w = new_write(s->c, s->key, W_PLAIN,
                        ref ? "releasing a replica set" : "adopting a replica set");
    send(w, "PATCH", path, patch, "application/strategic-merge-patch+json");
    json_decref(patch);
    return true;
}

/* ---- steps shared with deployment_rolling.c ---- */

json_t **ck_dsync_old(dsync *s, const json_t *new_rs, size_t *n)
{
    json_t **old = xcalloc(s->nrs + 1, sizeof *old);
    *n = 0;
    for (size_t i = 0; i < s->nrs; i++)
        if (s->rs[i] != new_rs) old[(*n)++] = s->rs[i];
    return old;
}

json_t **ck_dsync_active(json_t *const *rs, size_t n, size_t *out_n)
{
    json_t **a = xcalloc(n + 1, sizeof *a);
    *out_n = 0;
    for (size_t i = 0; i < n; i++)
        if (rs[i] && ck_deploy_replicas(rs[i]) > 0) a[(*out_n)++] = rs[i];
    return a;
}

bool ck_dsync_scale_rs(dsync *s, json_t *rs, int n)
{
    int replicas = ck_deploy_replicas(s->d), max = replicas + ck_deploy_max_surge(s->d);
    bool size = ck_deploy_replicas(rs) != n;
    if (!size && !ck_deploy_replicas_annotations_differ(rs, replicas, max)) return false;
    json_object_set_new(ck_obj_ensure(rs, "spec"), "replicas", json_integer(n));
    ck_deploy_set_replicas_annotations(rs, replicas, max);
    return size;
}

bool ck_dsync_scale_and_record(dsync *s, json_t *rs, int n)
{
    if (ck_deploy_replicas(rs) == n) return false;
    return ck_dsync_scale_rs(s, rs, n);
}

int ck_dsync_get_new_rs(dsync *s, bool create, json_t **out)
{
    *out = NULL;
    json_t *nrs = ck_deploy_find_new_rs(s->d, s->rs, s->nrs);
    size_t nold;
    json_t **old = ck_dsync_old(s, nrs, &nold);
    char rev[24];
    snprintf(rev, sizeof rev, "%lld", ck_deploy_max_revision(old, nold) + 1);
    json_t *st = ck_obj_ensure(s->d, "status");
    if (nrs) {
        /* Sync its annotations and minReadySeconds; the deployment takes its revision. */
        ck_deploy_set_new_rs_annotations(s->d, nrs, rev, true, CK_DEPLOY_REV_HISTORY_CHARS);
        json_int_t mrs = ck_obj_int(s->d, "spec.minReadySeconds", 0);
        if (ck_obj_int(nrs, "spec.minReadySeconds", 0) != mrs)
            json_object_set_new(ck_obj_ensure(nrs, "spec"), "minReadySeconds", json_integer(mrs));
        const char *have = json_string_value(
            json_object_get(ck_obj_get(nrs, "metadata.annotations"), CK_DEPLOY_REVISION));
        ck_deploy_set_revision(s->d, have ? have : "");
        if (ck_deploy_has_progress_deadline(s->d) && !ck_deploy_condition(st, "Progressing")) {
            cleanup_free char *msg =
                xasprintf("Found new replica set \"%s\"", ck_obj_str(nrs, "metadata.name"));
            ck_deploy_set_condition(st, "Progressing", "True", "FoundNewReplicaSet", msg, s->now);
        }
        *out = nrs;
        free(old);
        return 0;
    }
    if (!create) {
        free(old);
        return 0;
    }
    /* The new replica set: the template with its hash as a label and in the selector. */
    json_t *tmpl = json_deep_copy(ck_obj_get(s->d, "spec.template"));
    const json_t *cc = json_object_get(st, "collisionCount");
    long long ccv = json_integer_value(cc);
    char hash[16];
    ck_deploy_template_hash(tmpl, json_is_integer(cc) ? &ccv : NULL, hash);
    json_t *labels = ck_obj_ensure(tmpl, "metadata.labels");
    json_object_set_new(labels, CK_DEPLOY_HASH_LABEL, json_string(hash));
    json_t *sel = json_deep_copy(ck_obj_get(s->d, "spec.selector"));
    json_object_set_new(ck_obj_ensure(sel, "matchLabels"), CK_DEPLOY_HASH_LABEL, json_string(hash));
    cleanup_free char *name = xasprintf("%s-%s", ck_obj_str(s->d, "metadata.name"), hash);
    json_t *rs = json_pack("{s:s, s:s, s:{s:s, s:s, s:[o], s:o}, s:{s:i, s:o, s:o}}", "apiVersion",
                           "apps/v1", "kind", "ReplicaSet", "metadata", "name", name, "namespace",
                           ck_obj_str(s->d, "metadata.namespace"), "ownerReferences",
                           owner_ref(s->d), "labels", json_deep_copy(labels), "spec", "replicas", 0,
                           "selector", sel, "template", tmpl);
    const json_t *mrs = ck_obj_get(s->d, "spec.minReadySeconds");
    if (json_integer_value(mrs))
        json_object_set(json_object_get(rs, "spec"), "minReadySeconds", (json_t *)mrs);
    old[nold] = rs;
    int replicas = ck_deploy_new_rs_replicas(s->d, old, nold + 1, rs);
    free(old);
    json_object_set_new(json_object_get(rs, "spec"), "replicas", json_integer(replicas));
    ck_deploy_set_new_rs_annotations(s->d, rs, rev, false, CK_DEPLOY_REV_HISTORY_CHARS);

    wctx *w = new_write(s->c, s->key, W_CREATE, "creating the new replica set");
    w->d = json_incref(s->d);
    w->rs_name = xstrdup(name);
    w->rev = xstrdup(rev);
    w->replicas = replicas;
    cleanup_free char *path =
        xasprintf("%s%s/replicasets", APPS, ck_obj_str(s->d, "metadata.namespace"));
    send(w, "POST", path, rs, NULL);
    json_decref(rs);
    return 1;
}

void ck_dsync_cleanup(dsync *s, json_t *const *old, size_t nold)
{
    if (!ck_deploy_has_history_limit(s->d)) return;
    json_t **live = xcalloc(nold + 1, sizeof *live);
    size_t n = 0;
    for (size_t i = 0; i < nold; i++) /* not those being deleted already */
        if (old[i] && !ck_obj_get(old[i], "metadata.deletionTimestamp")) live[n++] = old[i];
    long long diff = (long long)n - ck_obj_int(s->d, "spec.revisionHistoryLimit", 0);
    qsort(live, n, sizeof *live, ck_rs_cmp_revision);
    for (long long i = 0; i < diff; i++) {
        const json_t *rs = live[i];
        /* Only empty sets whose controller has seen their latest spec. */
        if (ck_obj_int(rs, "status.replicas", 0) != 0 || ck_deploy_replicas(rs) != 0 ||
            ck_obj_int(rs, "metadata.generation", 0) >
                ck_obj_int(rs, "status.observedGeneration", 0))
            continue;
        ck_log_v(2, "deployment %s: deleting old replica set %s", s->key,
                 ck_obj_str(rs, "metadata.name"));
        wctx *w = new_write(s->c, s->key, W_DELETE, "deleting an old replica set");
        cleanup_free char *path = rs_path(rs);
        send(w, "DELETE", path, NULL, NULL);
    }
    free(live);
}

typedef struct pods_ctx {
    dsync *s;
    ck_label_selector *sel;
    json_t *const *old;
    size_t nold;
    bool running;
} pods_ctx;

static bool old_pod(const json_t *pod, void *arg)
{
    pods_ctx *p = arg;
    const json_t *ref = ck_controller_ref(pod);
    if (!ref || !ck_label_selector_matches(p->sel, ck_obj_get(pod, "metadata.labels"))) return true;
    const char *uid = ck_obj_str(ref, "uid");
    bool of_old = false;
    for (size_t i = 0; i < p->nold && !of_old; i++)
        of_old = streq(uid, ck_obj_str(p->old[i], "metadata.uid"));
    if (!of_old) return true;
    const char *phase = ck_obj_str(pod, "status.phase");
    if (streq(phase, "Failed") || streq(phase, "Succeeded")) return true;
    p->running = true;
    return false;
}

bool ck_dsync_old_pods_running(dsync *s, const json_t *new_rs, json_t *const *old, size_t nold)
{
    if (ck_rs_sum_status(old, nold, "replicas") > 0) return true;
    (void)new_rs; /* its pods are not among the old sets' */
    pods_ctx p = {s, selector_of(s->d), old, nold, false};
    if (!p.sel) return false;
    ck_informer_each(s->c->pods, ck_obj_str(s->d, "metadata.namespace"), old_pod, &p);
    ck_label_selector_free(p.sel);
    return p.running;
}

void ck_dsync_requeue_after(dsync *s, long long ms)
{
    ck_workqueue_add_after(s->c->q, s->key, (uint64_t)(ms > 0 ? ms : 0));
}

void ck_dsync_requeue_rate_limited(dsync *s)
{
    ck_workqueue_add_rate_limited(s->c->q, s->key);
}

/* ---- sync ---- */

static void sync_status(dsync *s, json_t *const *all, size_t n, const json_t *nrs)
{
    json_t *st = ck_deploy_calculate_status(all, n, nrs, s->d, s->now);
    json_object_set_new(s->d, "status", st);
}

/* sync: scaling events and paused deployments. */
static int sync_scaling(dsync *s)
{
    json_t *nrs;
    if (ck_dsync_get_new_rs(s, false, &nrs) < 0) return -1;
    size_t nold;
    json_t **old = ck_dsync_old(s, nrs, &nold);
    ck_dsync_scale(s, nrs, old, nold);
    if (json_is_true(ck_obj_get(s->d, "spec.paused"))) ck_dsync_cleanup(s, old, nold);
    old[nold] = nrs;
    sync_status(s, old, nold + (nrs ? 1 : 0), nrs);
    free(old);
    return 0;
}

static int sync_status_only(dsync *s)
{
    json_t *nrs;
    if (ck_dsync_get_new_rs(s, false, &nrs) < 0) return -1;
    size_t nold;
    json_t **old = ck_dsync_old(s, nrs, &nold);
    old[nold] = nrs;
    sync_status(s, old, nold + (nrs ? 1 : 0), nrs);
    free(old);
    return 0;
}

/* isScalingEvent: an active set was sized for another replica count. */
static bool scaling_event(dsync *s)
{
    json_t *nrs;
    if (ck_dsync_get_new_rs(s, false, &nrs) < 0) return false;
    for (size_t i = 0; i < s->nrs; i++) {
        int desired;
        if (ck_deploy_replicas(s->rs[i]) > 0 &&
            ck_deploy_int_annotation(s->rs[i], CK_DEPLOY_DESIRED, &desired) &&
            desired != ck_deploy_replicas(s->d))
            return true;
    }
    return false;
}

/* checkPausedConditions: Progressing Unknown while paused, so the deadline does not run. */
static void paused_conditions(dsync *s)
{
    if (!ck_deploy_has_progress_deadline(s->d)) return;
    json_t *st = ck_obj_ensure(s->d, "status");
    const json_t *cond = ck_deploy_condition(st, "Progressing");
    const char *reason = cond ? ck_obj_str(cond, "reason") : NULL;
    if (streq(reason, "ProgressDeadlineExceeded")) return;
    bool paused = json_is_true(ck_obj_get(s->d, "spec.paused"));
    bool was = streq(reason, "DeploymentPaused");
    if (paused && !was)
        ck_deploy_set_condition(st, "Progressing", "Unknown", "DeploymentPaused",
                                "Deployment is paused", s->now);
    else if (!paused && was)
        ck_deploy_set_condition(st, "Progressing", "Unknown", "DeploymentResumed",
                                "Deployment is resumed", s->now);
}

/* Writes what the steps changed: each replica set once, then the deployment's status. */
static void flush(dsync *s, const json_t *orig)
{
    const char *ns = ck_obj_str(s->d, "metadata.namespace");
    for (size_t i = 0; i < s->nrs; i++) {
        json_t *rs = s->rs[i];
        const json_t *was = ck_informer_get(s->c->sets, ns, ck_obj_str(rs, "metadata.name"));
        if (!was || (json_equal(json_object_get(rs, "spec"), json_object_get(was, "spec")) &&
                     ck_json_same(ck_obj_get(rs, "metadata.annotations"),
                                  ck_obj_get(was, "metadata.annotations"))))
            continue;
        wctx *w = new_write(s->c, s->key, W_PLAIN, "updating a replica set");
        int from = ck_deploy_replicas(was), to = ck_deploy_replicas(rs);
        if (from != to) {
            w->event_d = json_incref(s->d);
            w->event_msg =
                xasprintf("Scaled %s replica set %s from %d to %d", from < to ? "up" : "down",
                          ck_obj_str(rs, "metadata.name"), from, to);
        }
        cleanup_free char *path = rs_path(rs);
        send(w, "PUT", path, rs, NULL);
    }
    const char *rev = json_string_value(
        json_object_get(ck_obj_get(s->d, "metadata.annotations"), CK_DEPLOY_REVISION));
    const char *had = json_string_value(
        json_object_get(ck_obj_get(orig, "metadata.annotations"), CK_DEPLOY_REVISION));
    if (!ck_deploy_status_equal(json_object_get(orig, "status"), json_object_get(s->d, "status")) ||
        (rev && !streq(rev, had)))
        put_status(s->c, s->key, s->d);
}

static int sync(const char *key, void *arg)
{
    dctl *c = arg;
    if (!ck_informer_synced(c->deploys) || !ck_informer_synced(c->sets) ||
        !ck_informer_synced(c->pods)) {
        ck_workqueue_add_after(c->q, key, 100);
        return 0;
    }
    if (busy(c, key)) return 0;
    cleanup_free char *ns = xstrdup(key);
    char *slash = strchr(ns, '/');
    if (!slash) return 0;
    *slash = 0;
    const json_t *orig = ck_informer_get(c->deploys, ns, slash + 1);
    if (!orig) return 0;
    dsync s = {.c = c, .key = key, .d = with_kind(orig, "Deployment")};
    rfc3339_now(s.now);
    s.now_sec = (long long)time(NULL);
    ck_label_selector *sel = selector_of(s.d);
    int r = 0;
    if (!sel || ck_label_selector_empty(sel)) {
        ck_recorder_event(c->rec, s.d, "Warning", "SelectingAll",
                          "This deployment is selecting all pods. A non-empty selector is "
                          "required.");
        json_t *st = ck_obj_ensure(s.d, "status");
        json_int_t gen = ck_obj_int(s.d, "metadata.generation", 0);
        if (json_integer_value(json_object_get(st, "observedGeneration")) < gen)
            json_object_set_new(st, "observedGeneration", json_integer(gen));
        goto write;
    }
    claim_ctx cc = {.s = &s,
                    .sel = sel,
                    .uid = ck_obj_str(s.d, "metadata.uid"),
                    .deleting = ck_obj_get(s.d, "metadata.deletionTimestamp") != NULL};
    ck_informer_each(c->sets, ns, claim, &cc);
    if (cc.deleting) {
        r = sync_status_only(&s);
        goto write;
    }
    paused_conditions(&s);
    if (json_is_true(ck_obj_get(s.d, "spec.paused")) || scaling_event(&s))
        r = sync_scaling(&s);
    else if (streq(ck_obj_str(s.d, "spec.strategy.type"), "Recreate"))
        r = ck_dsync_rollout_recreate(&s);
    else if (streq(ck_obj_str(s.d, "spec.strategy.type"), "RollingUpdate"))
        r = ck_dsync_rollout_rolling(&s);
    else
        ck_log_warn("deployment %s: unexpected deployment strategy type: %s", key,
                    ck_obj_str(s.d, "spec.strategy.type"));
write:
    if (r == 0) flush(&s, orig);
    ck_label_selector_free(sel);
    for (size_t i = 0; i < s.nrs; i++)
        json_decref(s.rs[i]);
    free(s.rs);
    json_decref(s.d);
    return 0;
}

/* ---- the controller ---- */

static void *start(const ck_controller_ctx *ctx)
{
    dctl *c = xcalloc(1, sizeof *c);
    c->ctx = ctx;
    c->inflight = json_object();
    c->rec = ck_recorder_new(ctx->client, "deployment-controller", ctx->host);
    c->calls = ck_callset_new();
    c->q = ck_workqueue_new(ctx->loop, "deployment", sync, c);
    ck_workqueue_set_batch(
        c->q, (unsigned)(ctx->cfg->concurrent_syncs > 0 ? ctx->cfg->concurrent_syncs * 10 : 50));
    c->deploys = ck_informer_for(ctx->informers, "/apis/apps/v1/deployments");
    c->sets = ck_informer_for(ctx->informers, "/apis/apps/v1/replicasets");
    c->pods = ck_informer_for(ctx->informers, "/api/v1/pods");
    ck_informer_handlers hd = {on_deploy, on_deploy_update, on_deploy, c};
    ck_informer_add_handlers(c->deploys, &hd);
    ck_informer_handlers hr = {on_rs, on_rs_update, on_rs_delete, c};
    ck_informer_add_handlers(c->sets, &hr);
    ck_informer_handlers hp = {NULL, NULL, on_pod_delete, c};
    ck_informer_add_handlers(c->pods, &hp);
    return c;
}

static void stop(void *state)
{
    dctl *c = state;
    c->stopping = true;
    ck_callset_free(c->calls); /* cancels: the writes' contexts are released, no callbacks */
    ck_workqueue_free(c->q);
    ck_recorder_free(c->rec); /* events not sent yet are dropped, as at upstream's exit */
    json_decref(c->inflight);
    free(c);
}

const ck_controller_def ck_ctrl_deployment = {"deployment", true, start, stop};
