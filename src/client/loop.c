/* The client-side event loop: epoll for file descriptors, a binary min-heap of one-shot
 * timers whose ids name a slot and its generation (so cancel is O(log n) with no lookup
 * table), an eventfd for ck_loop_post and ck_loop_stop from other threads, and a signalfd
 * for SIGINT/SIGTERM when asked (ck_loop_handle_signals). */
#include "client/loop.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"

typedef struct watcher {
    ck_loop_io_cb cb;
    void *ctx;
    int events; /* 0: not watched */
} watcher;

/* A timer slot: in the heap while cb is set; otherwise on the free list (next_free). */
typedef struct timer_slot {
    uint64_t when, seq;
    ck_loop_timer_cb cb;
    void *ctx;
    uint32_t gen;
    uint32_t pos; /* index in the heap, or the next free slot */
} timer_slot;

typedef struct post {
    ck_loop_timer_cb cb;
    void *ctx;
} post;

#define NO_SLOT UINT32_MAX

struct ck_loop {
    int epfd, evfd, sigfd;
    uint64_t now;
    watcher *fds;
    size_t nfds;
    timer_slot *slots;
    uint32_t nslots, slots_cap, free_slot;
    uint32_t *heap; /* slot indexes ordered by (when, seq) */
    uint32_t heap_n, heap_cap;
    uint64_t seq;
    pthread_mutex_t mu; /* guards posts */
    post *posts;
    size_t nposts, posts_cap;
    post *spare; /* an empty array for the next swap (loop thread only) */
    size_t spare_cap;
    atomic_bool stopped;
    bool signals;
    sigset_t oldmask;
};

ck_loop *ck_loop_new(void)
{
    ck_loop *l = xcalloc(1, sizeof *l);
    l->sigfd = -1;
    l->free_slot = NO_SLOT;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->epfd < 0 || l->evfd < 0) {
        ck_log_error("loop: %s", strerror(errno));
        if (l->epfd >= 0) close(l->epfd);
        if (l->evfd >= 0) close(l->evfd);
        free(l);
        return NULL;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = l->evfd};
    epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->evfd, &ev);
    pthread_mutex_init(&l->mu, NULL);
    l->now = now_ms();
    return l;
}

void ck_loop_free(ck_loop *l)
{
    if (!l) return;
    if (l->signals) {
        /* Take pending signals first so unblocking them does not run the default action. */
        struct signalfd_siginfo si;
        while (read(l->sigfd, &si, sizeof si) == sizeof si) {
        }
        close(l->sigfd);
        pthread_sigmask(SIG_SETMASK, &l->oldmask, NULL);
    }
    close(l->epfd);
    close(l->evfd);
    pthread_mutex_destroy(&l->mu);
    free(l->fds);
    free(l->slots);
    free(l->heap);
    free(l->posts);
    free(l->spare);
    free(l);
}

uint64_t ck_loop_now(const ck_loop *l)
{
    return l->now;
}

/* ---- file descriptors ---- */

static uint32_t epoll_bits(int events)
{
    return (events & CK_LOOP_READ ? EPOLLIN : 0) | (events & CK_LOOP_WRITE ? EPOLLOUT : 0);
}

int ck_loop_watch(ck_loop *l, int fd, int events, ck_loop_io_cb cb, void *ctx)
{
    if (fd < 0 || fd == l->evfd || (l->sigfd >= 0 && fd == l->sigfd)) {
        errno = EBADF;
        return -1;
    }
    if ((size_t)fd >= l->nfds) {
        if (!events) return 0;
        size_t n = l->nfds ? l->nfds : 64;
        while (n <= (size_t)fd)
            n *= 2;
        l->fds = xrealloc(l->fds, n * sizeof *l->fds);
        memset(l->fds + l->nfds, 0, (n - l->nfds) * sizeof *l->fds);
        l->nfds = n;
    }
    watcher *w = &l->fds[fd];
    if (!events) {
        /* The fd may already be closed (and then out of the epoll set): ignore errors. */
        if (w->events) epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
        memset(w, 0, sizeof *w);
        return 0;
    }
    struct epoll_event ev = {.events = epoll_bits(events), .data.fd = fd};
    int rc = epoll_ctl(l->epfd, w->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
    /* A stale entry (closed without unwatching, number reused) or one epoll still holds. */
    if (rc < 0 && errno == ENOENT) rc = epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev);
    if (rc < 0 && errno == EEXIST) rc = epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
    if (rc < 0) {
        memset(w, 0, sizeof *w);
        return -1;
    }
    *w = (watcher){.cb = cb, .ctx = ctx, .events = events};
    return 0;
}

/* ---- timers ---- */

static bool before(const ck_loop *l, uint32_t a, uint32_t b)
{
    const timer_slot *x = &l->slots[a], *y = &l->slots[b];
    return x->when < y->when || (x->when == y->when && x->seq < y->seq);
}

static void heap_set(ck_loop *l, uint32_t i, uint32_t slot)
{
    l->heap[i] = slot;
    l->slots[slot].pos = i;
}

static void sift_up(ck_loop *l, uint32_t i)
{
    uint32_t s = l->heap[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!before(l, s, l->heap[parent])) break;
        heap_set(l, i, l->heap[parent]);
        i = parent;
    }
    heap_set(l, i, s);
}

static void sift_down(ck_loop *l, uint32_t i)
{
    uint32_t s = l->heap[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= l->heap_n) break;
        if (c + 1 < l->heap_n && before(l, l->heap[c + 1], l->heap[c])) c++;
        if (!before(l, l->heap[c], s)) break;
        heap_set(l, i, l->heap[c]);
        i = c;
    }
    heap_set(l, i, s);
}

/* Takes slot out of the heap and puts it on the free list with a new generation. */
static void timer_release(ck_loop *l, uint32_t slot)
{
    uint32_t i = l->slots[slot].pos;
    uint32_t last = l->heap[--l->heap_n];
    if (i < l->heap_n) {
        heap_set(l, i, last);
        if (i > 0 && before(l, last, l->heap[(i - 1) / 2]))
            sift_up(l, i);
        else
            sift_down(l, i);
    }
    timer_slot *t = &l->slots[slot];
    t->cb = NULL;
    t->ctx = NULL;
    if (++t->gen == 0) t->gen = 1;
    t->pos = l->free_slot;
    l->free_slot = slot;
}

ck_timer_id ck_loop_timer(ck_loop *l, uint64_t after_ms, ck_loop_timer_cb cb, void *ctx)
{
    uint32_t slot;
    if (l->free_slot != NO_SLOT) {
        slot = l->free_slot;
        l->free_slot = l->slots[slot].pos;
    } else {
        if (l->nslots == l->slots_cap) {
            l->slots_cap = l->slots_cap ? l->slots_cap * 2 : 64;
            l->slots = xrealloc(l->slots, l->slots_cap * sizeof *l->slots);
            l->heap = xrealloc(l->heap, l->slots_cap * sizeof *l->heap);
        }
        slot = l->nslots++;
        l->slots[slot].gen = 1;
    }
    timer_slot *t = &l->slots[slot];
    t->when = l->now + after_ms;
    t->seq = ++l->seq;
    t->cb = cb;
    t->ctx = ctx;
    l->heap[l->heap_n] = slot;
    t->pos = l->heap_n++;
    sift_up(l, t->pos);
    return (uint64_t)t->gen << 32 | slot;
}

void ck_loop_cancel(ck_loop *l, ck_timer_id id)
{
    uint32_t slot = (uint32_t)id, gen = (uint32_t)(id >> 32);
    if (!id || slot >= l->nslots || l->slots[slot].gen != gen || !l->slots[slot].cb) return;
    timer_release(l, slot);
}

/* Runs the timers due now that existed when this pass began (one a callback adds with
 * after_ms 0 waits for the next iteration, so a timer re-arming itself cannot spin). */
static int run_timers(ck_loop *l)
{
    int n = 0;
    uint64_t seq_limit = l->seq;
    while (l->heap_n) {
        uint32_t slot = l->heap[0];
        timer_slot *t = &l->slots[slot];
        if (t->when > l->now || t->seq > seq_limit) break;
        ck_loop_timer_cb cb = t->cb;
        void *ctx = t->ctx;
        timer_release(l, slot);
        cb(l, ctx);
        n++;
    }
    return n;
}

/* ---- posts, stop, signals ---- */

static void wake(ck_loop *l)
{
    uint64_t one = 1;
    ssize_t r = write(l->evfd, &one, sizeof one);
    (void)r; /* EAGAIN: the counter is already non-zero, the loop will wake */
}

void ck_loop_post(ck_loop *l, ck_loop_timer_cb cb, void *ctx)
{
    pthread_mutex_lock(&l->mu);
    if (l->nposts == l->posts_cap) {
        l->posts_cap = l->posts_cap ? l->posts_cap * 2 : 16;
        l->posts = xrealloc(l->posts, l->posts_cap * sizeof *l->posts);
    }
    l->posts[l->nposts++] = (post){cb, ctx};
    pthread_mutex_unlock(&l->mu);
    wake(l);
}

static int run_posts(ck_loop *l)
{
    uint64_t count;
    ssize_t r = read(l->evfd, &count, sizeof count);
    (void)r;
    pthread_mutex_lock(&l->mu);
    post *batch = l->posts;
    size_t n = l->nposts, cap = l->posts_cap;
    l->posts = l->spare;
    l->posts_cap = l->spare_cap;
    l->nposts = 0;
    pthread_mutex_unlock(&l->mu);
    l->spare = NULL;
    l->spare_cap = 0;
    for (size_t i = 0; i < n; i++)
        batch[i].cb(l, batch[i].ctx);
    /* Keep the batch's array for the next swap (posts made meanwhile are in l->posts). */
    if (!l->spare) {
        l->spare = batch;
        l->spare_cap = cap;
    } else {
        free(batch);
    }
    return (int)n;
}

void ck_loop_stop(ck_loop *l)
{
    atomic_store(&l->stopped, true);
    wake(l);
}

bool ck_loop_stopped(const ck_loop *l)
{
    return atomic_load(&((ck_loop *)l)->stopped);
}

int ck_loop_handle_signals(ck_loop *l)
{
    if (l->signals) return 0;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (pthread_sigmask(SIG_BLOCK, &set, &l->oldmask) != 0) return -1;
    l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = l->sigfd};
    if (l->sigfd < 0 || epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->sigfd, &ev) < 0) {
        int e = errno;
        if (l->sigfd >= 0) close(l->sigfd);
        l->sigfd = -1;
        pthread_sigmask(SIG_SETMASK, &l->oldmask, NULL);
        errno = e;
        return -1;
    }
    l->signals = true;
    return 0;
}

static void on_signal(ck_loop *l)
{
    struct signalfd_siginfo si;
    while (read(l->sigfd, &si, sizeof si) == sizeof si) {
        ck_log_info("received %s, stopping", si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
        ck_loop_stop(l);
    }
}

/* ---- running ---- */

int ck_loop_run_once(ck_loop *l, int timeout_ms)
{
    l->now = now_ms();
    int timeout = timeout_ms;
    if (l->heap_n) {
        uint64_t when = l->slots[l->heap[0]].when;
        uint64_t delta = when > l->now ? when - l->now : 0;
        if (delta > INT_MAX) delta = INT_MAX;
        if (timeout < 0 || (int)delta < timeout) timeout = (int)delta;
    }
    struct epoll_event evs[128];
    int k = epoll_wait(l->epfd, evs, (int)ARRAY_SIZE(evs), timeout);
    if (k < 0) k = 0; /* EINTR */
    l->now = now_ms();
    int n = 0;
    for (int i = 0; i < k; i++) {
        int fd = evs[i].data.fd;
        if (fd == l->evfd) {
            n += run_posts(l);
            continue;
        }
        if (fd == l->sigfd) {
            on_signal(l);
            continue;
        }
        /* A callback earlier in this batch may have removed or changed this watcher. */
        if ((size_t)fd >= l->nfds || !l->fds[fd].events) continue;
        watcher *w = &l->fds[fd];
        uint32_t e = evs[i].events;
        int got = (e & EPOLLIN ? CK_LOOP_READ : 0) | (e & EPOLLOUT ? CK_LOOP_WRITE : 0);
        if (e & (EPOLLERR | EPOLLHUP)) got |= w->events; /* let the reader see the error */
        got &= w->events;
        if (!got) continue;
        w->cb(l, fd, got, w->ctx);
        n++;
    }
    return n + run_timers(l);
}

void ck_loop_run(ck_loop *l)
{
    while (!ck_loop_stopped(l))
        ck_loop_run_once(l, -1);
}
