/* The token bucket, the per-item backoff, and the work queue on a real ck_loop: dedup of
 * waiting keys, a key never processed twice at once and processed again when added while
 * processing, add_after keeping the earliest time, retries with backoff, batches. */
#include <stdlib.h>

#include "client/loop.h"
#include "client/ratelimit.h"
#include "client/workqueue.h"
#include "lib/util.h"
#include "ut.h"

static void test_bucket(void)
{
    ck_bucket b;
    ck_bucket_init(&b, 10, 3, 1000);
    CHECK(ck_bucket_try_accept(&b, 1000));
    CHECK(ck_bucket_try_accept(&b, 1000));
    CHECK(ck_bucket_try_accept(&b, 1000));
    CHECK(!ck_bucket_try_accept(&b, 1000));
    CHECK(!ck_bucket_try_accept(&b, 1099));
    CHECK(ck_bucket_try_accept(&b, 1100)); /* one token per 100 ms */
    CHECK(!ck_bucket_try_accept(&b, 1100));
    CHECK(ck_bucket_tokens(&b, 100000) == 3); /* refills to burst, no further */

    /* Reserve borrows: each call waits 100 ms longer than the one before. */
    ck_bucket_init(&b, 10, 2, 0);
    CHECK_INT(ck_bucket_reserve(&b, 0), 0);
    CHECK_INT(ck_bucket_reserve(&b, 0), 0);
    CHECK_INT(ck_bucket_reserve(&b, 0), 100);
    CHECK_INT(ck_bucket_reserve(&b, 0), 200);
    CHECK_INT(ck_bucket_reserve(&b, 50), 250);
    CHECK(!ck_bucket_try_accept(&b, 300)); /* in debt until 400 ms */
    CHECK(ck_bucket_try_accept(&b, 500));

    /* The event spam filter's bucket: 25 at once, then one per 5 minutes. */
    ck_bucket_init(&b, 1.0 / 300, 25, 0);
    int ok = 0;
    for (int i = 0; i < 30; i++)
        ok += ck_bucket_try_accept(&b, 1000);
    CHECK_INT(ok, 25);
    CHECK(!ck_bucket_try_accept(&b, 1000 + 299000));
    CHECK(ck_bucket_try_accept(&b, 1000 + 300000));

    /* qps 0: unlimited. */
    ck_bucket_init(&b, 0, 0, 0);
    CHECK(ck_bucket_try_accept(&b, 0));
    CHECK_INT(ck_bucket_reserve(&b, 0), 0);
}

static void test_backoff(void)
{
    ck_backoff *bo = ck_backoff_new(5, 1000 * 1000);
    CHECK_INT(ck_backoff_when(bo, "a"), 5);
    CHECK_INT(ck_backoff_when(bo, "a"), 10);
    CHECK_INT(ck_backoff_when(bo, "a"), 20);
    CHECK_INT(ck_backoff_when(bo, "b"), 5);
    CHECK_INT(ck_backoff_requeues(bo, "a"), 3);
    ck_backoff_forget(bo, "a");
    CHECK_INT(ck_backoff_requeues(bo, "a"), 0);
    CHECK_INT(ck_backoff_when(bo, "a"), 5);
    uint64_t last = 0;
    for (int i = 0; i < 100; i++)
        last = ck_backoff_when(bo, "c");
    CHECK_INT(last, 1000 * 1000); /* capped, no overflow */
    ck_backoff_free(bo);

    /* The default controller limiter: the bucket dominates after 100 fast failures. */
    ck_ratelimiter r;
    ck_ratelimiter_init_default(&r, 0);
    uint64_t d = 0;
    for (int i = 0; i < 100; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        d = ck_ratelimiter_when(&r, k, 0);
    }
    CHECK_INT(d, 5);
    CHECK_INT(ck_ratelimiter_when(&r, "x", 0), 100);
    CHECK_INT(ck_ratelimiter_when(&r, "y", 0), 200);
    CHECK_INT(ck_ratelimiter_when(&r, "x", 100000), 10); /* the bucket has refilled */
    ck_ratelimiter_forget(&r, "x");
    CHECK_INT(ck_ratelimiter_when(&r, "x", 100000), 5);
    ck_ratelimiter_clear(&r);
}

/* --- the queue --- */

#define MAXLOG 64
typedef struct rec {
    ck_loop *loop;
    ck_workqueue *q;
    char log[MAXLOG][16];
    uint64_t at[MAXLOG]; /* wall time since start */
    uint64_t lt[MAXLOG]; /* loop time: delays count from the loop's iteration time */
    int n;
    int fail_left;   /* keys "f*" fail this many times */
    bool running_n;  /* "n" is being processed */
    bool overlapped; /* "n" was processed inside its own processing */
    int n_calls;
    uint64_t start, lstart; /* wall and loop time */
} rec;

/* Restarts the clocks: lower bounds are checked on loop time (LT), upper ones on wall. */
static void restart(rec *r)
{
    r->n = 0;
    r->start = now_ms();
    r->lstart = ck_loop_now(r->loop);
}
#define LT(r, i) ((r)->lt[i] - (r)->lstart)

static int count_of(const rec *r, const char *k)
{
    int c = 0;
    for (int i = 0; i < r->n; i++)
        c += streq(r->log[i], k);
    return c;
}

static int work(const char *key, void *ctx)
{
    rec *r = ctx;
    if (r->n < MAXLOG) {
        snprintf(r->log[r->n], sizeof r->log[0], "%s", key);
        r->lt[r->n] = ck_loop_now(r->loop);
        r->at[r->n++] = now_ms() - r->start;
    }
    if (streq(key, "self") && count_of(r, "self") == 1) {
        ck_workqueue_add(r->q, "self"); /* added while processing: once more afterwards */
        ck_workqueue_add(r->q, "self");
    }
    if (streq(key, "n")) {
        if (r->running_n) r->overlapped = true;
        r->running_n = true;
        if (++r->n_calls == 1) {
            /* Nested loop iterations (as a blocking client call runs) while "n" is
             * processing: "m" runs, "n" must not. */
            ck_workqueue_add(r->q, "n");
            ck_workqueue_add(r->q, "m");
            for (int i = 0; i < 3; i++)
                ck_loop_run_once(r->loop, 20);
        }
        r->running_n = false;
    }
    if (key[0] == 'f' && r->fail_left > 0) {
        r->fail_left--;
        return -1;
    }
    return 0;
}

/* Runs the loop for about ms milliseconds. */
static void run_for(ck_loop *l, uint64_t ms)
{
    uint64_t end = now_ms() + ms;
    for (uint64_t t; (t = now_ms()) < end;)
        ck_loop_run_once(l, (int)(end - t));
}

static rec *setup(void)
{
    rec *r = xcalloc(1, sizeof *r);
    r->loop = ck_loop_new();
    r->q = ck_workqueue_new(r->loop, "test", work, r);
    restart(r);
    return r;
}

static void teardown(rec *r)
{
    ck_workqueue_free(r->q);
    ck_loop_free(r->loop);
    free(r);
}

static void test_dedup(void)
{
    rec *r = setup();
    ck_workqueue_add(r->q, "a");
    ck_workqueue_add(r->q, "b");
    ck_workqueue_add(r->q, "a");
    CHECK_INT(ck_workqueue_len(r->q), 2);
    run_for(r->loop, 50);
    CHECK_INT(r->n, 2);
    CHECK_STR(r->log[0], "a");
    CHECK_STR(r->log[1], "b");
    CHECK_INT(ck_workqueue_len(r->q), 0);

    /* Added twice while processing: processed exactly once more. */
    ck_workqueue_add(r->q, "self");
    run_for(r->loop, 50);
    CHECK_INT(count_of(r, "self"), 2);

    /* Nested loop runs while "n" is processing. */
    ck_workqueue_add(r->q, "n");
    run_for(r->loop, 200);
    CHECK(!r->overlapped);
    CHECK_INT(count_of(r, "n"), 2);
    CHECK_INT(count_of(r, "m"), 1);
    int im = -1, in2 = -1;
    for (int i = 0; i < r->n; i++) {
        if (streq(r->log[i], "m")) im = i;
        if (streq(r->log[i], "n")) in2 = i;
    }
    CHECK(im >= 0 && im < in2); /* m ran inside the first n; the second n after */
    teardown(r);
}

static void test_add_after(void)
{
    rec *r = setup();
    /* The earliest time wins, in either order. */
    ck_workqueue_add_after(r->q, "late-then-early", 300);
    ck_workqueue_add_after(r->q, "late-then-early", 30);
    ck_workqueue_add_after(r->q, "early-then-late", 30);
    ck_workqueue_add_after(r->q, "early-then-late", 300);
    CHECK_INT(ck_workqueue_len(r->q), 0); /* waiting keys are not in the queue yet */
    run_for(r->loop, 15);
    CHECK_INT(r->n, 0);
    run_for(r->loop, 200);
    CHECK_INT(r->n, 2);
    CHECK(LT(r, 0) >= 30 && LT(r, 0) < 300);
    run_for(r->loop, 300); /* the later requests were dropped */
    CHECK_INT(count_of(r, "late-then-early"), 1);
    CHECK_INT(count_of(r, "early-then-late"), 1);

    /* A plain add does not cancel a delayed one (as upstream). */
    restart(r);
    ck_workqueue_add_after(r->q, "k", 50);
    ck_workqueue_add(r->q, "k");
    run_for(r->loop, 200);
    CHECK_INT(count_of(r, "k"), 2);
    CHECK(r->n == 2 && LT(r, 0) < LT(r, 1) && LT(r, 1) >= 50);

    /* Many delayed keys come out in time order. */
    restart(r);
    static const int delays[] = {40, 10, 30, 20, 50};
    for (size_t i = 0; i < ARRAY_SIZE(delays); i++) {
        char k[8];
        snprintf(k, sizeof k, "d%d", delays[i]);
        ck_workqueue_add_after(r->q, k, (uint64_t)delays[i]);
    }
    run_for(r->loop, 300);
    CHECK_INT(r->n, 5);
    CHECK_STR(r->log[0], "d10");
    CHECK_STR(r->log[4], "d50");
    for (int i = 1; i < r->n; i++)
        CHECK(r->at[i] >= r->at[i - 1]);

    /* Freeing with keys still waiting releases everything. */
    ck_workqueue_add_after(r->q, "pending", 10000);
    ck_workqueue_add(r->q, "queued");
    teardown(r);
}

static void test_retry(void)
{
    rec *r = setup();
    r->fail_left = 3;
    ck_workqueue_add(r->q, "f");
    run_for(r->loop, 400);
    CHECK_INT(count_of(r, "f"), 4);
    /* Backoff 5, 10, 20 ms between attempts. */
    if (r->n == 4) {
        CHECK(r->lt[1] - r->lt[0] >= 5);
        CHECK(r->lt[2] - r->lt[1] >= 10);
        CHECK(r->lt[3] - r->lt[2] >= 20);
    }
    /* Success forgot the failures: the next rate-limited add waits 5 ms again, not 40 (the
     * order against a key due at 20 ms shows it, however loaded the machine is). */
    restart(r);
    ck_workqueue_add_rate_limited(r->q, "f");
    ck_workqueue_add_after(r->q, "mark", 20);
    run_for(r->loop, 100);
    CHECK(r->n == 2 && LT(r, 0) >= 5);
    CHECK_STR(r->log[0], "f");

    /* forget() resets a key's backoff explicitly: 5 ms again rather than 20. */
    ck_workqueue_add_rate_limited(r->q, "g");
    ck_workqueue_add_rate_limited(r->q, "g");
    ck_workqueue_forget(r->q, "g");
    run_for(r->loop, 100);
    restart(r);
    ck_workqueue_add_rate_limited(r->q, "g");
    ck_workqueue_add_after(r->q, "mark", 15);
    run_for(r->loop, 100);
    CHECK_INT(r->n, 2);
    CHECK_STR(r->log[0], "g");
    teardown(r);
}

static void test_batch(void)
{
    rec *r = setup();
    ck_workqueue_set_batch(r->q, 2);
    static const char *const keys[] = {"b1", "b2", "b3", "b4", "b5"};
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
        ck_workqueue_add(r->q, keys[i]);
    ck_loop_run_once(r->loop, 100);
    CHECK_INT(r->n, 2);
    CHECK_INT(ck_workqueue_len(r->q), 3);
    ck_loop_run_once(r->loop, 100);
    CHECK_INT(r->n, 4);
    ck_loop_run_once(r->loop, 100);
    CHECK_INT(r->n, 5);
    CHECK_STR(r->log[4], "b5");
    teardown(r);
}

int main(void)
{
    test_bucket();
    test_backoff();
    test_dedup();
    test_add_after();
    test_retry();
    test_batch();
    return UT_DONE();
}
