/* The ReplicaSet and ReplicationController controllers (upstream pkg/controller/replicaset,
 * which serves both): keep spec.replicas pods of the template running, adopting orphans
 * that match the selector and releasing owned pods that no longer match; creations in
 * slow-start batches (1, 2, 4, ...) and at most 500 per sync; deletions of the least
 * valuable pods first; expectations so a sync never acts again before the informer has
 * seen its previous writes; status from the pods. */
#include <stdio.h>
#include <string.h>

#include "client/informer.h"
#include "client/recorder.h"
#include "client/workqueue.h"
#include "controller/controller.h"
#include "controller/expectations.h"
#include "controller/podutil.h"
#include "lib/log.h"
#include "lib/util.h"
#include "machinery/selector.h"
#include "registry/registry.h"

#define BURST_REPLICAS 500
#define EXPECTATIONS_TTL_MS (5 * 60 * 1000)

typedef struct rs_kind {
    const char *name, *kind, *api_version, *collection; /* collection: all namespaces */
    const char *component;                              /* event source, as upstream */
    const char *prefix;                                 /* "/apis/apps/v1/namespaces/" */
    const char *plural;
    bool map_selector; /* ReplicationController: spec.selector is a label map */
} rs_kind;

static const rs_kind K_RS = {"replicaset",
                             "ReplicaSet",
                             "apps/v1",
                             "/apis/apps/v1/replicasets",
                             "replicaset-controller",
                             "/apis/apps/v1/namespaces/",
                             "replicasets",
                             false};
static const rs_kind K_RC = {"replicationcontroller",
                             "ReplicationController",
                             "v1",
                             "/api/v1/replicationcontrollers",
                             "replication-controller",
                             "/api/v1/namespaces/",
                             "replicationcontrollers",
                             true};

typedef struct rsc {
    const rs_kind *k;
    const ck_controller_ctx *ctx;
    ck_informer *sets, *pods;
    ck_workqueue *q;
    ck_expectations *exp;
    ck_recorder *rec;
    ck_callset *calls; /* in flight; cancelled on stop */
} rsc;

/* The owner's selector; NULL (logged) when it cannot be parsed. */
static ck_label_selector *selector_of(const rsc *c, const json_t *set)
{
    const json_t *sel = ck_obj_get(set, "spec.selector");
    ck_label_selector *s = NULL;
    ck_err *err = NULL;
    json_t *wrapped = c->k->map_selector ? json_pack("{s:O?}", "matchLabels", sel) : NULL;
    int r = ck_label_selector_from_json(wrapped ? wrapped : sel, &s, &err);
    json_decref(wrapped);
    if (r < 0) {
        ck_log_warn("%s: invalid selector: %s", c->k->name, err->message);
        ck_err_free(err);
        return NULL;
    }
    return s;
}

/* ---- event handlers ---- */

static void enqueue(rsc *c, const json_t *set)
{
    cleanup_free char *key = ck_object_key(set);
    ck_workqueue_add(c->q, key);
}

static void on_set(const json_t *obj, void *ctx)
{
    enqueue(ctx, obj);
}

static void on_set_update(const json_t *old, const json_t *obj, void *ctx)
{
    (void)old;
    enqueue(ctx, obj);
}

static void on_set_delete(const json_t *obj, void *ctx)
{
    rsc *c = ctx;
    cleanup_free char *key = ck_object_key(obj);
    ck_expectations_delete(c->exp, key);
    ck_workqueue_add(c->q, key);
}

/* The set owning pod through its controller reference, if it is one of ours. */
static const json_t *owner_of(rsc *c, const json_t *pod)
{
    const json_t *ref = ck_controller_ref(pod);
    if (!ref || !streq(ck_obj_str(ref, "kind"), c->k->kind)) return NULL;
    const json_t *set =
        ck_informer_get(c->sets, ck_obj_str(pod, "metadata.namespace"), ck_obj_str(ref, "name"));
    if (!set || !streq(ck_obj_str(set, "metadata.uid"), ck_obj_str(ref, "uid"))) return NULL;
    return set;
}

typedef struct match_ctx {
    rsc *c;
    const json_t *pod;
} match_ctx;

static bool enqueue_if_selects(const json_t *set, void *arg)
{
    match_ctx *m = arg;
    ck_label_selector *s = selector_of(m->c, set);
    if (s && !ck_label_selector_empty(s) &&
        ck_label_selector_matches(s, ck_obj_get(m->pod, "metadata.labels")))
        enqueue(m->c, set);
    ck_label_selector_free(s);
    return true;
}

/* An orphan wakes every set in its namespace whose selector matches (adoption). */
static void enqueue_matching(rsc *c, const json_t *pod)
{
    match_ctx m = {c, pod};
    ck_informer_each(c->sets, ck_obj_str(pod, "metadata.namespace"), enqueue_if_selects, &m);
}

static void on_pod(const json_t *pod, void *ctx)
{
    rsc *c = ctx;
    const json_t *set = owner_of(c, pod);
    if (set) {
        cleanup_free char *key = ck_object_key(set);
        if (ck_obj_get(pod, "metadata.deletionTimestamp"))
            ck_expectations_deleted(c->exp, key);
        else
            ck_expectations_created(c->exp, key);
        ck_workqueue_add(c->q, key);
    } else if (!ck_controller_ref(pod)) {
        enqueue_matching(c, pod);
    }
}

static void on_pod_update(const json_t *old, const json_t *pod, void *ctx)
{
    rsc *c = ctx;
    const json_t *was = owner_of(c, old), *is = owner_of(c, pod);
    if (was && was != is) enqueue(c, was);
    if (is) {
        enqueue(c, is);
        /* Becoming ready counts as available only after minReadySeconds. */
        json_int_t mrs = json_integer_value(ck_obj_get(is, "spec.minReadySeconds"));
        if (mrs > 0 && ck_pod_ready(pod) && !ck_pod_ready(old)) {
            cleanup_free char *key = ck_object_key(is);
            ck_workqueue_add_after(c->q, key, (uint64_t)mrs * 1000 + 1000);
        }
    } else if (!ck_controller_ref(pod)) {
        enqueue_matching(c, pod);
    }
}

static void on_pod_delete(const json_t *pod, void *ctx)
{
    rsc *c = ctx;
    const json_t *set = owner_of(c, pod);
    if (!set) return;
    cleanup_free char *key = ck_object_key(set);
    ck_expectations_deleted(c->exp, key);
    ck_workqueue_add(c->q, key);
}

/* ---- sync ---- */

typedef struct pod_list {
    const json_t **p;
    size_t n, cap;
} pod_list;

static void push(pod_list *l, const json_t *p)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->p = xrealloc(l->p, l->cap * sizeof *l->p);
    }
    l->p[l->n++] = p;
}

typedef struct claim_ctx {
    rsc *c;
    const json_t *set;
    ck_label_selector *sel;
    const char *uid;
    bool set_deleting;
    pod_list owned;
} claim_ctx;

/* upstream's PodControllerRefManager.ClaimPods: keep, adopt or release each pod. */
static bool claim(const json_t *pod, void *arg)
{
    claim_ctx *cc = arg;
    if (!ck_pod_active(pod)) return true;
    const json_t *ref = ck_controller_ref(pod);
    bool matches = ck_label_selector_matches(cc->sel, ck_obj_get(pod, "metadata.labels"));
    if (ref) {
        if (!streq(ck_obj_str(ref, "uid"), cc->uid)) return true; /* someone else's */
        if (matches || cc->set_deleting) {
            push(&cc->owned, pod);
        } else {
            ck_pod_release(cc->c->calls, cc->c->ctx->client, pod, cc->uid);
        }
        return true;
    }
    if (!matches || cc->set_deleting || ck_obj_get(pod, "metadata.deletionTimestamp")) return true;
    ck_pod_adopt(cc->c->calls, cc->c->ctx->client, pod, cc->set, cc->c->k->api_version,
                 cc->c->k->kind);
    push(&cc->owned, pod);
    return true;
}

static void update_status(rsc *c, const json_t *set, const pod_list *pods)
{
    const json_t *tlabels = ck_obj_get(set, "spec.template.metadata.labels");
    json_int_t mrs = json_integer_value(ck_obj_get(set, "spec.minReadySeconds"));
    json_int_t full = 0, ready = 0, avail = 0;
    for (size_t i = 0; i < pods->n; i++) {
        if (ck_labels_superset(ck_obj_get(pods->p[i], "metadata.labels"), tlabels)) full++;
        if (ck_pod_ready(pods->p[i])) {
            ready++;
            if (ck_pod_available(pods->p[i], mrs)) avail++;
        }
    }
    json_t *st =
        json_pack("{s:I, s:I, s:I, s:I, s:I}", "replicas", (json_int_t)pods->n,
                  "fullyLabeledReplicas", full, "readyReplicas", ready, "availableReplicas", avail,
                  "observedGeneration", json_integer_value(ck_obj_get(set, "metadata.generation")));
    json_t *conds = ck_obj_get(set, "status.conditions");
    if (conds) json_object_set(st, "conditions", conds);
    /* Zero counts are omitted by the API's omitempty; compare what would be stored. */
    const char *keys[] = {"fullyLabeledReplicas", "readyReplicas", "availableReplicas"};
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
        if (json_integer_value(json_object_get(st, keys[i])) == 0) json_object_del(st, keys[i]);
    const json_t *old = json_object_get(set, "status");
    json_t *oldcmp = old ? json_deep_copy(old) : json_object();
    if (!json_object_get(oldcmp, "replicas"))
        json_object_set_new(oldcmp, "replicas", json_integer(0));
    if (!json_equal(st, oldcmp)) {
        json_t *body = json_deep_copy(set);
        json_object_set(body, "status", st);
        cleanup_free char *path =
            xasprintf("%s%s/%s/%s/status", c->k->prefix, ck_obj_str(set, "metadata.namespace"),
                      c->k->plural, ck_obj_str(set, "metadata.name"));
        ck_client_request(c->ctx->client, "PUT", path, body, NULL, NULL, NULL);
        json_decref(body);
    }
    json_decref(oldcmp);
    json_decref(st);
}

typedef struct create_batch {
    rsc *c;
    char *key;
    json_t *set;
    int remaining; /* still to create after this batch */
    int batch, pending, failed;
    int refs; /* one per call in flight; freed with the last */
} create_batch;

static void batch_release(void *arg)
{
    create_batch *b = arg;
    if (--b->refs > 0) return;
    free(b->key);
    json_decref(b->set);
    free(b);
}

static void launch_batch(create_batch *b);

static void on_created(const ck_response *r, void *arg)
{
    create_batch *b = arg;
    if (!r->err && b->c->rec)
        ck_recorder_event(b->c->rec, b->set, "Normal", "SuccessfulCreate", "Created pod: %s",
                          ck_obj_str(r->body, "metadata.name"));
    if (r->err) {
        b->failed++;
        ck_expectations_created(b->c->exp, b->key); /* that one will never be observed */
        if (r->status != 409 && b->failed == 1 && b->c->rec)
            ck_recorder_event(b->c->rec, b->set, "Warning", "FailedCreate", "Error creating: %s",
                              r->err->message);
    }
    if (--b->pending > 0) return;
    if (b->failed || b->remaining <= 0) {
        /* Upstream skips the rest of the batches after a failure: lower the expectations. */
        for (int i = 0; i < b->remaining; i++)
            ck_expectations_created(b->c->exp, b->key);
        if (b->failed) ck_workqueue_add_rate_limited(b->c->q, b->key);
        return; /* the batch goes with its last call's release */
    }
    b->batch = b->batch * 2 < b->remaining ? b->batch * 2 : b->remaining;
    launch_batch(b);
}

static void launch_batch(create_batch *b)
{
    b->remaining -= b->batch;
    b->pending = b->batch;
    b->failed = 0;
    for (int i = 0; i < b->batch; i++) {
        json_t *pod = ck_pod_from_template(b->set, b->c->k->api_version, b->c->k->kind);
        cleanup_free char *path =
            xasprintf("/api/v1/namespaces/%s/pods", ck_obj_str(b->set, "metadata.namespace"));
        b->refs++;
        ck_callset_request(b->c->calls, b->c->ctx->client, "POST", path, pod, NULL, on_created, b,
                           batch_release);
        json_decref(pod);
    }
}

/* A copy of the set with kind and apiVersion, which events need and list items lack. */
static json_t *with_kind(const rsc *c, const json_t *set)
{
    json_t *o = json_deep_copy(set);
    json_object_set_new(o, "kind", json_string(c->k->kind));
    json_object_set_new(o, "apiVersion", json_string(c->k->api_version));
    return o;
}

static int rank_cmp(const void *a, const void *b)
{
    return ck_pod_deletion_cmp(*(const json_t *const *)a, *(const json_t *const *)b);
}

static void manage(rsc *c, const char *key, const json_t *set, pod_list *pods)
{
    json_int_t want = json_integer_value(ck_obj_get(set, "spec.replicas"));
    if (!ck_obj_get(set, "spec.replicas")) want = 1;
    long diff = (long)pods->n - (long)want;
    if (diff < 0) {
        int n = (int)(-diff > BURST_REPLICAS ? BURST_REPLICAS : -diff);
        ck_expectations_expect(c->exp, key, n, 0);
        create_batch *b = xcalloc(1, sizeof *b);
        *b = (create_batch){
            .c = c, .key = xstrdup(key), .set = with_kind(c, set), .remaining = n, .batch = 1};
        launch_batch(b);
    } else if (diff > 0) {
        int n = (int)(diff > BURST_REPLICAS ? BURST_REPLICAS : diff);
        qsort(pods->p, pods->n, sizeof *pods->p, rank_cmp);
        ck_expectations_expect(c->exp, key, 0, n);
        json_t *owner = with_kind(c, set);
        for (int i = 0; i < n; i++)
            ck_pod_delete(c->calls, c->ctx->client, pods->p[i], c->rec, owner);
        json_decref(owner);
    }
}

static int sync(const char *key, void *arg)
{
    rsc *c = arg;
    if (!ck_informer_synced(c->sets) || !ck_informer_synced(c->pods)) {
        ck_workqueue_add_after(c->q, key, 100);
        return 0;
    }
    cleanup_free char *ns = xstrdup(key);
    char *slash = strchr(ns, '/');
    if (!slash) return 0;
    *slash = 0;
    const json_t *set = ck_informer_get(c->sets, ns, slash + 1);
    if (!set) {
        ck_expectations_delete(c->exp, key);
        return 0;
    }
    claim_ctx cc = {.c = c,
                    .set = set,
                    .sel = selector_of(c, set),
                    .uid = ck_obj_str(set, "metadata.uid"),
                    .set_deleting = ck_obj_get(set, "metadata.deletionTimestamp") != NULL};
    if (!cc.sel) return 0;
    ck_informer_each(c->pods, ns, claim, &cc);
    if (ck_expectations_satisfied(c->exp, key, ck_loop_now(c->ctx->loop)) && !cc.set_deleting)
        manage(c, key, set, &cc.owned);
    update_status(c, set, &cc.owned);
    ck_label_selector_free(cc.sel);
    free(cc.owned.p);
    return 0;
}

static void *start(const ck_controller_ctx *ctx, const rs_kind *k)
{
    rsc *c = xcalloc(1, sizeof *c);
    c->k = k;
    c->ctx = ctx;
    c->exp = ck_expectations_new(EXPECTATIONS_TTL_MS);
    c->rec = ck_recorder_new(ctx->client, k->component, ctx->host);
    c->calls = ck_callset_new();
    c->q = ck_workqueue_new(ctx->loop, k->name, sync, c);
    ck_workqueue_set_batch(
        c->q, (unsigned)(ctx->cfg->concurrent_syncs > 0 ? ctx->cfg->concurrent_syncs * 20 : 100));
    c->sets = ck_informer_for(ctx->informers, k->collection);
    c->pods = ck_informer_for(ctx->informers, "/api/v1/pods");
    ck_informer_handlers hs = {on_set, on_set_update, on_set_delete, c};
    ck_informer_add_handlers(c->sets, &hs);
    ck_informer_handlers hp = {on_pod, on_pod_update, on_pod_delete, c};
    ck_informer_add_handlers(c->pods, &hp);
    return c;
}

static void stop(void *state)
{
    rsc *c = state;
    ck_callset_free(c->calls);
    ck_workqueue_free(c->q);
    ck_expectations_free(c->exp);
    ck_recorder_free(c->rec); /* events not sent yet are dropped, as at upstream's exit */
    free(c);
}

static void *start_rs(const ck_controller_ctx *ctx)
{
    return start(ctx, &K_RS);
}

static void *start_rc(const ck_controller_ctx *ctx)
{
    return start(ctx, &K_RC);
}

const ck_controller_def ck_ctrl_replicaset = {"replicaset", true, start_rs, stop};
const ck_controller_def ck_ctrl_replicationcontroller = {"replicationcontroller", true, start_rc,
                                                         stop};
