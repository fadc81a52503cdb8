/* A small event loop for the client side (controllers, scheduler, hollow nodes): one
 * thread, epoll, file-descriptor watchers and one-shot timers, and a wake-up other threads
 * may post to. After redis's ae.c: each component runs one loop; nothing in it blocks. */
#ifndef CK_LOOP_H
#define CK_LOOP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ck_loop ck_loop;

ck_loop *ck_loop_new(void);
/* Frees the loop; watchers and timers still registered are dropped (their contexts are the
 * caller's). */
void ck_loop_free(ck_loop *l);

/* Milliseconds on the loop's monotonic clock (cached per iteration). */
uint64_t ck_loop_now(const ck_loop *l);

enum { CK_LOOP_READ = 1, CK_LOOP_WRITE = 2 };
typedef void (*ck_loop_io_cb)(ck_loop *l, int fd, int events, void *ctx);
/* Watches fd for events (CK_LOOP_* bits; 0 removes the watcher). One watcher per fd. */
int ck_loop_watch(ck_loop *l, int fd, int events, ck_loop_io_cb cb, void *ctx);

typedef uint64_t ck_timer_id; /* 0 is never a valid id */
typedef void (*ck_loop_timer_cb)(ck_loop *l, void *ctx);
/* Calls cb once, after_ms from now. */
ck_timer_id ck_loop_timer(ck_loop *l, uint64_t after_ms, ck_loop_timer_cb cb, void *ctx);
/* Cancels a timer not run yet; unknown or run ids are ignored. */
void ck_loop_cancel(ck_loop *l, ck_timer_id id);

/* Runs one iteration: waits at most timeout_ms (-1: until something happens) and
 * dispatches. Returns the number of callbacks run. */
int ck_loop_run_once(ck_loop *l, int timeout_ms);
/* Runs until ck_loop_stop (at once if the loop was already stopped), or until a SIGINT or
 * SIGTERM when ck_loop_handle_signals was called. */
void ck_loop_run(ck_loop *l);
/* Thread-safe; the loop stays stopped (ck_loop_run returns at once afterwards). */
void ck_loop_stop(ck_loop *l);
bool ck_loop_stopped(const ck_loop *l);

/* Makes SIGINT and SIGTERM stop the loop, through a signalfd: the two signals are blocked in
 * the calling thread, so call this from the main thread before starting other threads (they
 * inherit the mask; a thread that does not block them would take the default action, exit).
 * ck_loop_free restores the previous mask. Returns -1 with errno on failure. */
int ck_loop_handle_signals(ck_loop *l);

/* Thread-safe: makes the loop call cb(ctx) on its thread soon. */
void ck_loop_post(ck_loop *l, ck_loop_timer_cb cb, void *ctx);

#endif
