/* The client event loop: timer order and cancel, many timers, posts from other threads,
 * fd watchers, stop, and SIGTERM through the signalfd. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "client/loop.h"
#include "lib/util.h"
#include "ut.h"

typedef struct rec {
    int order[64];
    int n;
} rec;

typedef struct tctx {
    rec *r;
    int id;
} tctx;

static void on_timer(ck_loop *l, void *ctx)
{
    tctx *t = ctx;
    t->r->order[t->r->n++] = t->id;
}

static void run_until(ck_loop *l, const int *n, int want, uint64_t max_ms)
{
    uint64_t end = now_ms() + max_ms;
    while (*n < want && now_ms() < end)
        ck_loop_run_once(l, 10);
}

static void test_order_and_cancel(void)
{
    ck_loop *l = ck_loop_new();
    rec r = {0};
    tctx t[6];
    for (int i = 0; i < 6; i++)
        t[i] = (tctx){&r, i};
    uint64_t start = ck_loop_now(l);
    ck_loop_timer(l, 30, on_timer, &t[0]);
    ck_loop_timer(l, 10, on_timer, &t[1]);
    ck_timer_id c = ck_loop_timer(l, 20, on_timer, &t[2]);
    ck_loop_timer(l, 10, on_timer, &t[3]); /* same deadline as 1: after it */
    ck_loop_timer(l, 0, on_timer, &t[4]);
    ck_timer_id c2 = ck_loop_timer(l, 5, on_timer, &t[5]);
    ck_loop_cancel(l, c);
    ck_loop_cancel(l, c2);
    ck_loop_cancel(l, c2); /* twice: ignored */
    ck_loop_cancel(l, 0);
    ck_loop_cancel(l, 12345678);
    run_until(l, &r.n, 4, 2000);
    CHECK_INT(r.n, 4);
    CHECK_INT(r.order[0], 4);
    CHECK_INT(r.order[1], 1);
    CHECK_INT(r.order[2], 3);
    CHECK_INT(r.order[3], 0);
    CHECK(ck_loop_now(l) - start >= 30);
    /* A fired id is stale: cancelling it does not touch the slot's next timer. */
    ck_timer_id a = ck_loop_timer(l, 1, on_timer, &t[1]);
    run_until(l, &r.n, 5, 2000);
    ck_timer_id b = ck_loop_timer(l, 1, on_timer, &t[2]);
    CHECK(a != b);
    ck_loop_cancel(l, a);
    run_until(l, &r.n, 6, 2000);
    CHECK_INT(r.n, 6);
    CHECK_INT(r.order[5], 2);
    ck_loop_free(l);
}

/* ---- many timers ---- */

typedef struct many {
    uint64_t last_when;
    int fired, out_of_order;
    uint64_t *when;
} many;

typedef struct mt {
    many *m;
    uint64_t when;
} mt;

static void on_many(ck_loop *l, void *ctx)
{
    mt *t = ctx;
    if (t->when < t->m->last_when) t->m->out_of_order++;
    t->m->last_when = t->when;
    t->m->fired++;
}

static void test_many_timers(void)
{
    enum { N = 100000 };
    ck_loop *l = ck_loop_new();
    many m = {0};
    mt *ts = xcalloc(N, sizeof *ts);
    ck_timer_id *ids = xcalloc(N, sizeof *ids);
    srand(7);
    uint64_t t0 = now_ms();
    for (int i = 0; i < N; i++) {
        uint64_t after = (uint64_t)(rand() % 200);
        ts[i] = (mt){&m, ck_loop_now(l) + after};
        ids[i] = ck_loop_timer(l, after, on_many, &ts[i]);
    }
    for (int i = 0; i < N; i += 2)
        ck_loop_cancel(l, ids[i]);
    uint64_t armed = now_ms() - t0;
    run_until(l, &m.fired, N / 2, 5000);
    CHECK_INT(m.fired, N / 2);
    CHECK_INT(m.out_of_order, 0);
    printf("100000 timers armed and 50000 cancelled in %llu ms\n", (unsigned long long)armed);
    CHECK(armed < 2000);
    free(ts);
    free(ids);
    ck_loop_free(l);
}

/* A timer re-arming itself with 0 ms runs once per iteration, never spinning. */
static void on_rearm(ck_loop *l, void *ctx)
{
    int *n = ctx;
    if (++*n < 3) ck_loop_timer(l, 0, on_rearm, ctx);
}

static void test_rearm(void)
{
    ck_loop *l = ck_loop_new();
    int n = 0;
    ck_loop_timer(l, 0, on_rearm, &n);
    CHECK_INT(ck_loop_run_once(l, 0), 1);
    CHECK_INT(n, 1);
    CHECK_INT(ck_loop_run_once(l, 0), 1);
    CHECK_INT(n, 2);
    ck_loop_run_once(l, 0);
    CHECK_INT(ck_loop_run_once(l, 0), 0);
    CHECK_INT(n, 3);
    ck_loop_free(l);
}

/* ---- posts from other threads ---- */

typedef struct poster {
    ck_loop *l;
    int count;
} poster;

static int posted;
static pthread_t loop_thread;
static int wrong_thread;

static void on_post(ck_loop *l, void *ctx)
{
    if (!pthread_equal(pthread_self(), loop_thread)) wrong_thread++;
    posted++;
}

static void *post_thread(void *arg)
{
    poster *p = arg;
    for (int i = 0; i < p->count; i++) {
        ck_loop_post(p->l, on_post, NULL);
        if (i % 100 == 0) usleep(100);
    }
    return NULL;
}

static void test_post(void)
{
    ck_loop *l = ck_loop_new();
    loop_thread = pthread_self();
    poster p = {l, 5000};
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, post_thread, &p);
    run_until(l, &posted, 20000, 10000);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    ck_loop_run_once(l, 0);
    CHECK_INT(posted, 20000);
    CHECK_INT(wrong_thread, 0);
    ck_loop_free(l);
}

/* ---- fds ---- */

typedef struct io {
    int reads, writes;
    char got[16];
} io;

static void on_io(ck_loop *l, int fd, int events, void *ctx)
{
    io *s = ctx;
    if (events & CK_LOOP_READ) {
        ssize_t n = read(fd, s->got, sizeof s->got - 1);
        if (n > 0) s->got[n] = 0;
        s->reads++;
    }
    if (events & CK_LOOP_WRITE) {
        s->writes++;
        ck_loop_watch(l, fd, 0, NULL, NULL); /* once is enough */
    }
}

static void test_fd(void)
{
    ck_loop *l = ck_loop_new();
    int p[2];
    CHECK(pipe(p) == 0);
    io s = {0};
    CHECK(ck_loop_watch(l, p[0], CK_LOOP_READ, on_io, &s) == 0);
    CHECK(ck_loop_watch(l, p[1], CK_LOOP_WRITE, on_io, &s) == 0);
    CHECK_INT(ck_loop_run_once(l, 100), 1); /* writable at once; not readable */
    CHECK_INT(s.writes, 1);
    CHECK_INT(s.reads, 0);
    CHECK(write(p[1], "hi", 2) == 2);
    CHECK_INT(ck_loop_run_once(l, 1000), 1);
    CHECK_INT(s.reads, 1);
    CHECK_STR(s.got, "hi");
    /* Removed: nothing more even with data waiting. */
    CHECK(ck_loop_watch(l, p[0], 0, NULL, NULL) == 0);
    CHECK(write(p[1], "x", 1) == 1);
    CHECK_INT(ck_loop_run_once(l, 20), 0);
    /* Closed without unwatching, the number reused: watching it again works. */
    CHECK(ck_loop_watch(l, p[0], CK_LOOP_READ, on_io, &s) == 0);
    close(p[0]);
    close(p[1]);
    CHECK(pipe(p) == 0);
    CHECK(ck_loop_watch(l, p[0], CK_LOOP_READ, on_io, &s) == 0);
    CHECK(write(p[1], "again", 5) == 5);
    CHECK_INT(ck_loop_run_once(l, 1000), 1);
    CHECK_STR(s.got, "again");
    /* A closed write end is a read event (EOF). */
    close(p[1]);
    CHECK_INT(ck_loop_run_once(l, 1000), 1);
    CHECK_INT(s.reads, 3);
    ck_loop_watch(l, p[0], 0, NULL, NULL);
    close(p[0]);
    CHECK(ck_loop_watch(l, -1, CK_LOOP_READ, on_io, &s) < 0);
    ck_loop_free(l);
}

/* ---- stop ---- */

static void *stop_thread(void *arg)
{
    usleep(20000);
    ck_loop_stop(arg);
    return NULL;
}

static void on_raise(ck_loop *l, void *ctx)
{
    kill(getpid(), SIGTERM);
}

static void test_stop(void)
{
    ck_loop *l = ck_loop_new();
    pthread_t th;
    pthread_create(&th, NULL, stop_thread, l);
    uint64_t t0 = now_ms();
    ck_loop_run(l); /* no timers: only the other thread's stop ends it */
    pthread_join(th, NULL);
    CHECK(ck_loop_stopped(l));
    CHECK(now_ms() - t0 < 5000);
    ck_loop_run(l); /* stopped: returns at once */
    ck_loop_free(l);

    l = ck_loop_new();
    CHECK(ck_loop_handle_signals(l) == 0);
    ck_loop_timer(l, 10, on_raise, NULL);
    ck_loop_run(l);
    CHECK(ck_loop_stopped(l));
    ck_loop_free(l);
    /* The mask is restored. */
    sigset_t cur;
    pthread_sigmask(SIG_SETMASK, NULL, &cur);
    CHECK(!sigismember(&cur, SIGTERM));
}

int main(void)
{
    test_order_and_cancel();
    test_many_timers();
    test_rearm();
    test_post();
    test_fd();
    test_stop();
    return UT_DONE();
}
