/* Rate limiters shared by the client side, after client-go's: a token bucket (the
 * golang.org/x/time/rate limiter behind workqueue's BucketRateLimiter, flowcontrol's QPS
 * limiter and the event spam filter) and a per-item exponential failure backoff
 * (workqueue's ItemExponentialFailureRateLimiter). Time is passed in (milliseconds on any
 * monotonic clock, e.g. ck_loop_now), so both are pure and testable; neither is
 * thread-safe. */
#ifndef CK_RATELIMIT_H
#define CK_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

/* A token bucket refilled at qps tokens per second up to burst; it starts full. The
 * fields are the state; use the functions. */
typedef struct ck_bucket {
    double qps;
    int burst;
    double tokens;    /* may go negative: reserved tokens not yet refilled */
    uint64_t last_ms; /* time of the last update */
} ck_bucket;

void ck_bucket_init(ck_bucket *b, double qps, int burst, uint64_t now_ms);
/* Takes one token if one is available now (flowcontrol's TryAccept, rate's Allow). */
bool ck_bucket_try_accept(ck_bucket *b, uint64_t now_ms);
/* Takes one token now, borrowing from the future if none is left, and returns how long the
 * caller must wait before acting (rate's Reserve().Delay(); what a blocking Accept sleeps).
 * A client QPS limiter sends a request after this delay; calls made while earlier ones wait
 * get successively longer delays. qps <= 0 means unlimited (always 0). */
uint64_t ck_bucket_reserve(ck_bucket *b, uint64_t now_ms);
/* The tokens available at now_ms (without taking any). */
double ck_bucket_tokens(const ck_bucket *b, uint64_t now_ms);

/* Per-item exponential backoff: the n-th call of ck_backoff_when for an item (n from 0)
 * returns base_ms * 2^n, at most max_ms; ck_backoff_forget resets the item. Items are
 * strings (work-queue keys). */
typedef struct ck_backoff ck_backoff;

ck_backoff *ck_backoff_new(uint64_t base_ms, uint64_t max_ms);
void ck_backoff_free(ck_backoff *b);
uint64_t ck_backoff_when(ck_backoff *b, const char *item);
void ck_backoff_forget(ck_backoff *b, const char *item);
/* The number of failures recorded for item (client-go's NumRequeues). */
int ck_backoff_requeues(const ck_backoff *b, const char *item);

/* client-go's DefaultControllerRateLimiter: the larger of the per-item backoff (5 ms to
 * 1000 s) and the overall bucket (10 qps, burst 100; every call takes a token). */
typedef struct ck_ratelimiter {
    ck_backoff *items;
    ck_bucket bucket;
} ck_ratelimiter;

void ck_ratelimiter_init_default(ck_ratelimiter *r, uint64_t now_ms);
void ck_ratelimiter_clear(ck_ratelimiter *r);
uint64_t ck_ratelimiter_when(ck_ratelimiter *r, const char *item, uint64_t now_ms);
void ck_ratelimiter_forget(ck_ratelimiter *r, const char *item);

#endif
