/* Token bucket and per-item exponential backoff (see ratelimit.h). */
#include <jansson.h>
#include <math.h>

#include "client/ratelimit.h"
#include "lib/util.h"

void ck_bucket_init(ck_bucket *b, double qps, int burst, uint64_t now_ms)
{
    *b = (ck_bucket){.qps = qps, .burst = burst, .tokens = burst, .last_ms = now_ms};
}

/* The tokens at now_ms: refilled for the time since the last update, capped at burst. A
 * clock that went backwards refills nothing. */
double ck_bucket_tokens(const ck_bucket *b, uint64_t now_ms)
{
    double t = b->tokens;
    if (now_ms > b->last_ms) t += (double)(now_ms - b->last_ms) * b->qps / 1000.0;
    return t > b->burst ? b->burst : t;
}

static void advance(ck_bucket *b, uint64_t now_ms)
{
    b->tokens = ck_bucket_tokens(b, now_ms);
    b->last_ms = now_ms;
}

bool ck_bucket_try_accept(ck_bucket *b, uint64_t now_ms)
{
    if (b->qps <= 0) return true;
    advance(b, now_ms);
    if (b->tokens < 1) return false;
    b->tokens -= 1;
    return true;
}

uint64_t ck_bucket_reserve(ck_bucket *b, uint64_t now_ms)
{
    if (b->qps <= 0) return 0;
    advance(b, now_ms);
    b->tokens -= 1;
    if (b->tokens >= 0) return 0;
    return (uint64_t)ceil(-b->tokens * 1000.0 / b->qps);
}

/* The failure counts live in a JSON object (item -> integer): jansson's hash table. */
struct ck_backoff {
    uint64_t base_ms, max_ms;
    json_t *failures;
};

ck_backoff *ck_backoff_new(uint64_t base_ms, uint64_t max_ms)
{
    ck_backoff *b = xcalloc(1, sizeof *b);
    b->base_ms = base_ms;
    b->max_ms = max_ms;
    b->failures = json_object();
    return b;
}

void ck_backoff_free(ck_backoff *b)
{
    if (!b) return;
    json_decref(b->failures);
    free(b);
}

int ck_backoff_requeues(const ck_backoff *b, const char *item)
{
    return (int)json_integer_value(json_object_get(b->failures, item));
}

uint64_t ck_backoff_when(ck_backoff *b, const char *item)
{
    int exp = ck_backoff_requeues(b, item);
    json_object_set_new_nocheck(b->failures, item, json_integer(exp + 1));
    double d = (double)b->base_ms * pow(2, exp);
    return d >= (double)b->max_ms ? b->max_ms : (uint64_t)d;
}

void ck_backoff_forget(ck_backoff *b, const char *item)
{
    json_object_del(b->failures, item);
}

void ck_ratelimiter_init_default(ck_ratelimiter *r, uint64_t now_ms)
{
    r->items = ck_backoff_new(5, 1000 * 1000);
    ck_bucket_init(&r->bucket, 10, 100, now_ms);
}

void ck_ratelimiter_clear(ck_ratelimiter *r)
{
    ck_backoff_free(r->items);
    r->items = NULL;
}

uint64_t ck_ratelimiter_when(ck_ratelimiter *r, const char *item, uint64_t now_ms)
{
    /* Both are always consulted, as upstream's MaxOfRateLimiter does. */
    uint64_t a = ck_backoff_when(r->items, item);
    uint64_t b = ck_bucket_reserve(&r->bucket, now_ms);
    return a > b ? a : b;
}

void ck_ratelimiter_forget(ck_ratelimiter *r, const char *item)
{
    ck_backoff_forget(r->items, item);
}
