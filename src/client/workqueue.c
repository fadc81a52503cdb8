/* The rate-limited work queue (see workqueue.h), after client-go's workqueue.Typed (FIFO
 * plus the dirty and processing sets), delayingType (a min-heap of keys waiting for their
 * time, each key once, at its earliest time) and rateLimitingType. Everything runs on the
 * loop's thread: keys are processed from a zero-delay timer, at most `batch` per run, and
 * the timer is re-armed while keys remain so other loop work interleaves. */
#include <jansson.h>

#include "client/ratelimit.h"
#include "client/workqueue.h"
#include "lib/log.h"
#include "lib/util.h"

#define DEFAULT_BATCH 32

typedef struct wait_entry {
    uint64_t at; /* loop time (ms) the key is ready */
    char *key;
} wait_entry;

struct ck_workqueue {
    ck_loop *loop;
    char *name;
    ck_work_fn fn;
    void *ctx;
    unsigned batch;

    /* The FIFO of keys ready to process: a ring buffer of owned strings. */
    char **fifo;
    size_t head, count, cap;
    json_t *dirty;      /* keys added and not yet taken (a set: key -> true) */
    json_t *processing; /* keys whose fn is running */
    ck_timer_id run_timer;

    /* Delayed adds: waiting maps key -> its ready time; the heap may hold stale entries
     * (an earlier time replaced them), skipped when they surface. */
    json_t *waiting;
    wait_entry *heap;
    size_t nheap, capheap;
    ck_timer_id wait_timer;
    uint64_t wait_timer_at;

    ck_ratelimiter limiter;
};

static void run_cb(ck_loop *l, void *ctx);
static void wait_cb(ck_loop *l, void *ctx);

ck_workqueue *ck_workqueue_new(ck_loop *loop, const char *name, ck_work_fn fn, void *ctx)
{
    ck_workqueue *q = xcalloc(1, sizeof *q);
    q->loop = loop;
    q->name = xstrdup(name ? name : "workqueue");
    q->fn = fn;
    q->ctx = ctx;
    q->batch = DEFAULT_BATCH;
    q->dirty = json_object();
    q->processing = json_object();
    q->waiting = json_object();
    ck_ratelimiter_init_default(&q->limiter, ck_loop_now(loop));
    return q;
}

void ck_workqueue_free(ck_workqueue *q)
{
    if (!q) return;
    if (q->run_timer) ck_loop_cancel(q->loop, q->run_timer);
    if (q->wait_timer) ck_loop_cancel(q->loop, q->wait_timer);
    for (size_t i = 0; i < q->count; i++)
        free(q->fifo[(q->head + i) % q->cap]);
    free(q->fifo);
    for (size_t i = 0; i < q->nheap; i++)
        free(q->heap[i].key);
    free(q->heap);
    json_decref(q->dirty);
    json_decref(q->processing);
    json_decref(q->waiting);
    ck_ratelimiter_clear(&q->limiter);
    free(q->name);
    free(q);
}

void ck_workqueue_set_batch(ck_workqueue *q, unsigned batch)
{
    q->batch = batch ? batch : 1;
}

size_t ck_workqueue_len(const ck_workqueue *q)
{
    return q->count;
}

static void fifo_push(ck_workqueue *q, const char *key)
{
    if (q->count == q->cap) {
        size_t ncap = q->cap ? q->cap * 2 : 16;
        char **n = xmalloc(ncap * sizeof *n);
        for (size_t i = 0; i < q->count; i++)
            n[i] = q->fifo[(q->head + i) % q->cap];
        free(q->fifo);
        q->fifo = n;
        q->cap = ncap;
        q->head = 0;
    }
    q->fifo[(q->head + q->count++) % q->cap] = xstrdup(key);
}

static char *fifo_pop(ck_workqueue *q)
{
    char *k = q->fifo[q->head];
    q->head = (q->head + 1) % q->cap;
    q->count--;
    return k;
}

static void schedule_run(ck_workqueue *q)
{
    if (!q->run_timer && q->count) q->run_timer = ck_loop_timer(q->loop, 0, run_cb, q);
}

void ck_workqueue_add(ck_workqueue *q, const char *key)
{
    if (json_object_get(q->dirty, key)) return; /* already waiting: deduplicated */
    json_object_set_new_nocheck(q->dirty, key, json_true());
    if (json_object_get(q->processing, key)) return; /* pushed again by done() */
    fifo_push(q, key);
    schedule_run(q);
}

/* Done(key): the key is no longer processing; if it was added meanwhile it goes back to
 * the FIFO. */
static void done(ck_workqueue *q, const char *key)
{
    json_object_del(q->processing, key);
    if (json_object_get(q->dirty, key)) {
        fifo_push(q, key);
        schedule_run(q);
    }
}

static void run_cb(ck_loop *l, void *ctx)
{
    ck_workqueue *q = ctx;
    q->run_timer = 0;
    for (unsigned n = 0; n < q->batch && q->count; n++) {
        cleanup_free char *key = fifo_pop(q);
        json_object_set_new_nocheck(q->processing, key, json_true());
        json_object_del(q->dirty, key);
        if (q->fn(key, q->ctx) == 0) {
            ck_workqueue_forget(q, key);
        } else {
            ck_log_v(4, "%s: retrying %s (requeue %d)", q->name, key,
                     ck_backoff_requeues(q->limiter.items, key) + 1);
            ck_workqueue_add_rate_limited(q, key);
        }
        done(q, key);
    }
    schedule_run(q);
}

/* --- delayed adds --- */

static void heap_swap(ck_workqueue *q, size_t a, size_t b)
{
    wait_entry t = q->heap[a];
    q->heap[a] = q->heap[b];
    q->heap[b] = t;
}

static void heap_push(ck_workqueue *q, uint64_t at, const char *key)
{
    if (q->nheap == q->capheap) {
        q->capheap = q->capheap ? q->capheap * 2 : 16;
        q->heap = xrealloc(q->heap, q->capheap * sizeof *q->heap);
    }
    size_t i = q->nheap++;
    q->heap[i] = (wait_entry){at, xstrdup(key)};
    while (i > 0 && q->heap[(i - 1) / 2].at > q->heap[i].at) {
        heap_swap(q, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

/* Removes the top entry; the caller owns its key. */
static wait_entry heap_pop(ck_workqueue *q)
{
    wait_entry top = q->heap[0];
    q->heap[0] = q->heap[--q->nheap];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < q->nheap && q->heap[l].at < q->heap[m].at) m = l;
        if (r < q->nheap && q->heap[r].at < q->heap[m].at) m = r;
        if (m == i) break;
        heap_swap(q, i, m);
        i = m;
    }
    return top;
}

static bool entry_current(ck_workqueue *q, const wait_entry *e)
{
    json_t *at = json_object_get(q->waiting, e->key);
    return at && (uint64_t)json_integer_value(at) == e->at;
}

/* Drops stale entries from the top and makes sure a timer fires no later than the
 * earliest ready time. */
static void arm_wait(ck_workqueue *q)
{
    while (q->nheap && !entry_current(q, &q->heap[0]))
        free(heap_pop(q).key);
    if (!q->nheap) {
        if (q->wait_timer) ck_loop_cancel(q->loop, q->wait_timer);
        q->wait_timer = 0;
        return;
    }
    uint64_t at = q->heap[0].at;
    if (q->wait_timer && q->wait_timer_at <= at) return;
    if (q->wait_timer) ck_loop_cancel(q->loop, q->wait_timer);
    uint64_t now = ck_loop_now(q->loop);
    q->wait_timer = ck_loop_timer(q->loop, at > now ? at - now : 0, wait_cb, q);
    q->wait_timer_at = at;
}

static void wait_cb(ck_loop *l, void *ctx)
{
    ck_workqueue *q = ctx;
    q->wait_timer = 0;
    uint64_t now = ck_loop_now(l);
    while (q->nheap && q->heap[0].at <= now) {
        wait_entry e = heap_pop(q);
        if (entry_current(q, &e)) {
            json_object_del(q->waiting, e.key);
            ck_workqueue_add(q, e.key);
        }
        free(e.key);
    }
    arm_wait(q);
}

void ck_workqueue_add_after(ck_workqueue *q, const char *key, uint64_t delay_ms)
{
    if (delay_ms == 0) {
        ck_workqueue_add(q, key);
        return;
    }
    uint64_t at = ck_loop_now(q->loop) + delay_ms;
    json_t *cur = json_object_get(q->waiting, key);
    if (cur && (uint64_t)json_integer_value(cur) <= at) return; /* already due earlier */
    json_object_set_new_nocheck(q->waiting, key, json_integer((json_int_t)at));
    heap_push(q, at, key);
    arm_wait(q);
}

void ck_workqueue_add_rate_limited(ck_workqueue *q, const char *key)
{
    ck_workqueue_add_after(q, key, ck_ratelimiter_when(&q->limiter, key, ck_loop_now(q->loop)));
}

void ck_workqueue_forget(ck_workqueue *q, const char *key)
{
    ck_ratelimiter_forget(&q->limiter, key);
}
