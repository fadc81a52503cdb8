/* The scheduling queue (upstream pkg/scheduler/backend/queue with queueing hints off):
 * activeQ, a heap in PrioritySort order; backoffQ, a heap by backoff expiry; the
 * unschedulable pool, left on cluster events the rejecting plugins registered for or
 * after podMaxInUnschedulablePodsDuration. Every pending pod has one entry, found by uid,
 * which is in at most one of the three (or in flight). Pure: the caller passes the time. */
#include <string.h>

#include "lib/util.h"
#include "scheduler/component.h"
#include "scheduler/symtab.h"

typedef struct sq_entry {
    ck_sched_pod *pod; /* reference */
    uint64_t ts;       /* upstream Timestamp: when added, or returned after a failure */
    uint64_t seq;      /* order of arrival, the last tie-break */
    uint64_t cycle;    /* scheduling cycle of the last pop */
    uint64_t backoff_until;
    uint32_t attempts;
    uint32_t events; /* what may resolve the last rejection */
    char *plugins;   /* the rejecting plugins, "" for none */
    uint8_t where;   /* ck_sq_where */
    uint32_t pos;    /* index in its heap or in the pool */
} sq_entry;

typedef struct sq_heap {
    sq_entry **v;
    uint32_t n, cap;
    bool (*less)(const sq_entry *a, const sq_entry *b);
} sq_heap;

struct ck_sched_queue {
    ck_sched_snapshot *snap;
    ck_sq_config cfg;
    ck_sched_strmap by_uid; /* uid -> sq_entry */
    sq_heap active, backoff;
    sq_entry **pool; /* the unschedulable pool */
    uint32_t npool, cappool;
    size_t nflight;
    uint64_t seq, cycle, move_request_cycle;
};

/* ---- Plugin events ---------------------------------------------------------------------- */

/* What each plugin registers (EventsToRegister of v1.34's in-tree plugins). */
static const struct {
    const char *name;
    uint32_t events;
} plugin_events[] = {
    {"NodeUnschedulable", CK_SQ_EV_NODE_ADD | CK_SQ_EV_NODE_TAINT},
    {"NodeName", CK_SQ_EV_NODE_ADD},
    {"TaintToleration", CK_SQ_EV_NODE_ADD | CK_SQ_EV_NODE_TAINT},
    {"NodeAffinity", CK_SQ_EV_NODE_ADD | CK_SQ_EV_NODE_LABEL},
    {"NodePorts", CK_SQ_EV_NODE_ADD | CK_SQ_EV_POD_DELETE},
    {"NodeResourcesFit",
     CK_SQ_EV_NODE_ADD | CK_SQ_EV_NODE_ALLOCATABLE | CK_SQ_EV_POD_DELETE | CK_SQ_EV_POD_SCALE_DOWN},
    {"VolumeRestrictions", CK_SQ_EV_NODE_ADD | CK_SQ_EV_POD_DELETE | CK_SQ_EV_PVC},
    {"NodeVolumeLimits", CK_SQ_EV_NODE_ADD | CK_SQ_EV_POD_DELETE | CK_SQ_EV_PVC},
    {"VolumeBinding", CK_SQ_EV_NODE_ADD | CK_SQ_EV_NODE_LABEL | CK_SQ_EV_NODE_TAINT | CK_SQ_EV_PVC |
                          CK_SQ_EV_PV | CK_SQ_EV_STORAGE_CLASS},
    {"VolumeZone",
     CK_SQ_EV_NODE_ADD | CK_SQ_EV_NODE_LABEL | CK_SQ_EV_PVC | CK_SQ_EV_PV | CK_SQ_EV_STORAGE_CLASS},
    {"PodTopologySpread", CK_SQ_EV_NODE_ADD | CK_SQ_EV_NODE_DELETE | CK_SQ_EV_NODE_LABEL |
                              CK_SQ_EV_NODE_TAINT | CK_SQ_EV_POD_ADD | CK_SQ_EV_POD_LABEL |
                              CK_SQ_EV_POD_DELETE},
    {"InterPodAffinity", CK_SQ_EV_NODE_ADD | CK_SQ_EV_NODE_LABEL | CK_SQ_EV_POD_ADD |
                             CK_SQ_EV_POD_LABEL | CK_SQ_EV_POD_DELETE},
    /* Rejections the pod's own update resolves (handled by ck_sq_update). */
    {"SchedulingGates", 0},
    {"DefaultPreemption", 0},
};

uint32_t ck_sq_plugin_events(const char *plugins)
{
    uint32_t ev = 0;
    const char *p = plugins ? plugins : "";
    while (*p) {
        size_t len = strcspn(p, ",");
        size_t i = 0;
        for (; i < ARRAY_SIZE(plugin_events); i++)
            if (strlen(plugin_events[i].name) == len && memcmp(plugin_events[i].name, p, len) == 0)
                break;
        ev |= i < ARRAY_SIZE(plugin_events) ? plugin_events[i].events : CK_SQ_EV_ALL;
        p += len;
        if (*p == ',') p++;
    }
    return ev;
}

/* ---- Heaps ------------------------------------------------------------------------------ */

static void heap_set(sq_heap *h, uint32_t i, sq_entry *e)
{
    h->v[i] = e;
    e->pos = i;
}

static void heap_up(sq_heap *h, uint32_t i)
{
    sq_entry *e = h->v[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!h->less(e, h->v[parent])) break;
        heap_set(h, i, h->v[parent]);
        i = parent;
    }
    heap_set(h, i, e);
}

static void heap_down(sq_heap *h, uint32_t i)
{
    sq_entry *e = h->v[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && h->less(h->v[c + 1], h->v[c])) c++;
        if (!h->less(h->v[c], e)) break;
        heap_set(h, i, h->v[c]);
        i = c;
    }
    heap_set(h, i, e);
}

static void heap_push(sq_heap *h, sq_entry *e)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 64;
        h->v = xrealloc(h->v, h->cap * sizeof(*h->v));
    }
    heap_set(h, h->n++, e);
    heap_up(h, e->pos);
}

static void heap_remove(sq_heap *h, sq_entry *e)
{
    uint32_t i = e->pos;
    sq_entry *last = h->v[--h->n];
    if (i == h->n) return;
    heap_set(h, i, last);
    heap_down(h, i);
    heap_up(h, last->pos);
}

static void heap_fix(sq_heap *h, sq_entry *e)
{
    heap_down(h, e->pos);
    heap_up(h, e->pos);
}

/* PrioritySort: higher priority first, then the older timestamp. */
static bool less_active(const sq_entry *a, const sq_entry *b)
{
    if (a->pod->priority != b->pod->priority) return a->pod->priority > b->pod->priority;
    if (a->ts != b->ts) return a->ts < b->ts;
    return a->seq < b->seq;
}

static bool less_backoff(const sq_entry *a, const sq_entry *b)
{
    if (a->backoff_until != b->backoff_until) return a->backoff_until < b->backoff_until;
    return a->seq < b->seq;
}

/* ---- Entries ---------------------------------------------------------------------------- */

ck_sched_queue *ck_sq_new(ck_sched_snapshot *snap, const ck_sq_config *cfg)
{
    ck_sched_queue *q = xcalloc(1, sizeof(*q));
    q->snap = snap;
    if (cfg) q->cfg = *cfg;
    if (!q->cfg.initial_backoff_ms) q->cfg.initial_backoff_ms = 1000;
    if (!q->cfg.max_backoff_ms) q->cfg.max_backoff_ms = 10000;
    if (!q->cfg.max_unschedulable_ms) q->cfg.max_unschedulable_ms = 5 * 60 * 1000;
    q->active.less = less_active;
    q->backoff.less = less_backoff;
    return q;
}

static void nominate(ck_sched_queue *q, ck_sched_pod *pod, const char *node)
{
    if (q->snap) ck_sched_snapshot_nominate(q->snap, pod, node);
}

static const char *nnn(const ck_sched_pod *pod)
{
    const char *s = json_string_value(
        json_object_get(json_object_get(pod->obj, "status"), "nominatedNodeName"));
    return s && *s ? s : NULL;
}

static void entry_free(ck_sched_queue *q, sq_entry *e)
{
    if (e->pod->in_nominated) nominate(q, e->pod, NULL);
    ck_sched_pod_unref(e->pod);
    free(e->plugins);
    free(e);
}

void ck_sq_free(ck_sched_queue *q)
{
    if (!q) return;
    CK_SCHED_STRMAP_FOREACH(&q->by_uid, i) entry_free(q, q->by_uid.vals[i]);
    ck_sched_strmap_free(&q->by_uid);
    free(q->active.v);
    free(q->backoff.v);
    free(q->pool);
    free(q);
}

uint64_t ck_sq_backoff_ms(const ck_sched_queue *q, uint32_t attempts)
{
    if (attempts == 0) return 0;
    uint64_t d = q->cfg.initial_backoff_ms, max = q->cfg.max_backoff_ms;
    for (uint32_t i = 1; i < attempts; i++) {
        if (d > max - d) return max;
        d += d;
    }
    return d < max ? d : max;
}

static void pool_add(ck_sched_queue *q, sq_entry *e)
{
    if (q->npool == q->cappool) {
        q->cappool = q->cappool ? q->cappool * 2 : 64;
        q->pool = xrealloc(q->pool, q->cappool * sizeof(*q->pool));
    }
    e->pos = q->npool;
    q->pool[q->npool++] = e;
}

static void pool_remove(ck_sched_queue *q, sq_entry *e)
{
    sq_entry *last = q->pool[--q->npool];
    q->pool[e->pos] = last;
    last->pos = e->pos;
}

/* Takes e out of wherever it is. */
static void detach(ck_sched_queue *q, sq_entry *e)
{
    switch (e->where) {
    case CK_SQ_ACTIVE:
        heap_remove(&q->active, e);
        break;
    case CK_SQ_BACKOFF:
        heap_remove(&q->backoff, e);
        break;
    case CK_SQ_UNSCHEDULABLE:
        pool_remove(q, e);
        break;
    case CK_SQ_IN_FLIGHT:
        q->nflight--;
        break;
    }
    e->where = CK_SQ_ABSENT;
}

static void put(ck_sched_queue *q, sq_entry *e, ck_sq_where where)
{
    detach(q, e);
    e->where = (uint8_t)where;
    switch (where) {
    case CK_SQ_ACTIVE:
        heap_push(&q->active, e);
        break;
    case CK_SQ_BACKOFF:
        heap_push(&q->backoff, e);
        break;
    case CK_SQ_UNSCHEDULABLE:
        pool_add(q, e);
        break;
    case CK_SQ_IN_FLIGHT:
        q->nflight++;
        break;
    default:
        break;
    }
}

/* requeuePodWithQueueingStrategy for "queue after backoff". */
static void activate(ck_sched_queue *q, sq_entry *e, uint64_t now)
{
    put(q, e, e->backoff_until > now ? CK_SQ_BACKOFF : CK_SQ_ACTIVE);
}

void ck_sq_add(ck_sched_queue *q, ck_sched_pod *pod, uint64_t now)
{
    if (ck_sched_strmap_get(&q->by_uid, pod->uid)) {
        ck_sq_update(q, pod, true, now);
        return;
    }
    sq_entry *e = xcalloc(1, sizeof(*e));
    e->pod = ck_sched_pod_ref(pod);
    e->ts = now;
    e->seq = ++q->seq;
    e->plugins = xstrdup("");
    ck_sched_strmap_put(&q->by_uid, pod->uid, e);
    if (nnn(pod)) nominate(q, pod, nnn(pod));
    if (pod->gated) {
        free(e->plugins);
        e->plugins = xstrdup("SchedulingGates");
        put(q, e, CK_SQ_UNSCHEDULABLE);
    } else {
        put(q, e, CK_SQ_ACTIVE);
    }
}

void ck_sq_update(ck_sched_queue *q, ck_sched_pod *pod, bool changed, uint64_t now)
{
    sq_entry *e = ck_sched_strmap_get(&q->by_uid, pod->uid);
    if (!e) {
        ck_sq_add(q, pod, now);
        return;
    }
    ck_sched_pod *old = e->pod;
    /* UpdateNominatedPod: keep an in-memory nomination neither version carries yet. */
    char *keep = NULL;
    if (!nnn(old) && !nnn(pod) && old->in_nominated && q->snap)
        keep = xstrdup(ck_sym_str(ck_sched_snapshot_symtab(q->snap), old->nominated_node));
    if (old->in_nominated) nominate(q, old, NULL);
    const char *target = nnn(pod) ? nnn(pod) : keep;
    if (target) nominate(q, pod, target);
    free(keep);
    bool was_gated = old->gated;
    e->pod = ck_sched_pod_ref(pod);
    ck_sched_pod_unref(old);
    switch (e->where) {
    case CK_SQ_ACTIVE:
        heap_fix(&q->active, e);
        break;
    case CK_SQ_UNSCHEDULABLE:
        if (pod->gated) break;
        if (was_gated) {
            /* The gates are gone: PreEnqueue passes now. */
            free(e->plugins);
            e->plugins = xstrdup("");
            e->events = 0;
            activate(q, e, now);
        } else if (changed) {
            activate(q, e, now);
        }
        break;
    default:
        break;
    }
}

bool ck_sq_delete(ck_sched_queue *q, const char *uid)
{
    sq_entry *e = ck_sched_strmap_del(&q->by_uid, uid);
    if (!e) return false;
    detach(q, e);
    entry_free(q, e);
    return true;
}

ck_sched_pod *ck_sq_pop(ck_sched_queue *q, uint64_t now)
{
    (void)now;
    if (q->active.n == 0) return NULL;
    sq_entry *e = q->active.v[0];
    put(q, e, CK_SQ_IN_FLIGHT);
    e->attempts++;
    e->cycle = ++q->cycle;
    return e->pod;
}

void ck_sq_done(ck_sched_queue *q, const char *uid)
{
    sq_entry *e = ck_sched_strmap_get(&q->by_uid, uid);
    if (e && e->where == CK_SQ_IN_FLIGHT) ck_sq_delete(q, uid);
}

ck_sq_where ck_sq_requeue(ck_sched_queue *q, const char *uid, const char *plugins, uint64_t now)
{
    sq_entry *e = ck_sched_strmap_get(&q->by_uid, uid);
    if (!e || e->where != CK_SQ_IN_FLIGHT) return CK_SQ_ABSENT;
    free(e->plugins);
    e->plugins = xstrdup(plugins ? plugins : "");
    e->events = ck_sq_plugin_events(e->plugins);
    e->ts = now;
    e->backoff_until = now + ck_sq_backoff_ms(q, e->attempts);
    /* An error, or a move request since the pod was popped: retry after the backoff. */
    bool retry = !*e->plugins || q->move_request_cycle >= e->cycle;
    put(q, e, retry ? CK_SQ_BACKOFF : CK_SQ_UNSCHEDULABLE);
    return (ck_sq_where)e->where;
}

size_t ck_sq_move(ck_sched_queue *q, uint32_t events, ck_sq_pred pred, void *ctx, uint64_t now)
{
    size_t moved = 0;
    /* Backwards: activate() swaps the pool's last entry into the freed slot. */
    for (uint32_t i = q->npool; i-- > 0;) {
        sq_entry *e = q->pool[i];
        if (e->pod->gated) continue;
        /* No rejecting plugin recorded: any event may help. */
        if (*e->plugins && !(e->events & events)) continue;
        if (pred && !pred(e->pod, e->plugins, ctx)) continue;
        activate(q, e, now);
        moved++;
    }
    q->move_request_cycle = q->cycle;
    return moved;
}

size_t ck_sq_flush_backoff(ck_sched_queue *q, uint64_t now)
{
    size_t moved = 0;
    while (q->backoff.n && q->backoff.v[0]->backoff_until <= now) {
        put(q, q->backoff.v[0], CK_SQ_ACTIVE);
        moved++;
    }
    return moved;
}

typedef struct stale_ctx {
    const ck_sched_queue *q;
    uint64_t now;
} stale_ctx;

static bool stale(const ck_sched_pod *pod, const char *plugins, void *arg)
{
    (void)plugins;
    const stale_ctx *c = arg;
    const sq_entry *e = ck_sched_strmap_get(&c->q->by_uid, pod->uid);
    return e && c->now - e->ts > c->q->cfg.max_unschedulable_ms;
}

size_t ck_sq_flush_unschedulable(ck_sched_queue *q, uint64_t now)
{
    stale_ctx c = {q, now};
    return ck_sq_move(q, CK_SQ_EV_ALL, stale, &c, now);
}

size_t ck_sq_len(const ck_sched_queue *q, ck_sq_where where)
{
    switch (where) {
    case CK_SQ_ACTIVE:
        return q->active.n;
    case CK_SQ_BACKOFF:
        return q->backoff.n;
    case CK_SQ_UNSCHEDULABLE:
        return q->npool;
    case CK_SQ_IN_FLIGHT:
        return q->nflight;
    default:
        return q->by_uid.len;
    }
}

ck_sq_where ck_sq_where_is(const ck_sched_queue *q, const char *uid)
{
    const sq_entry *e = ck_sched_strmap_get(&q->by_uid, uid);
    return e ? (ck_sq_where)e->where : CK_SQ_ABSENT;
}

ck_sched_pod *ck_sq_get(const ck_sched_queue *q, const char *uid)
{
    const sq_entry *e = ck_sched_strmap_get(&q->by_uid, uid);
    return e ? e->pod : NULL;
}

const char *ck_sq_plugins(const ck_sched_queue *q, const char *uid)
{
    const sq_entry *e = ck_sched_strmap_get(&q->by_uid, uid);
    return e ? e->plugins : NULL;
}
