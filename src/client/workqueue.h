/* A rate-limited work queue (client-go's workqueue with DefaultControllerRateLimiter):
 * string keys ("ns/name"), deduplicated while waiting; a key being processed that is added
 * again is processed once more afterwards, never concurrently. Failed keys come back after
 * a per-key exponential backoff (5 ms doubling to 1000 s) combined with an overall token
 * bucket (10 qps, burst 100), the slower of the two. Runs on a ck_loop. */
#ifndef CK_WORKQUEUE_H
#define CK_WORKQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/loop.h"

typedef struct ck_workqueue ck_workqueue;

/* Processes one key: returns 0 when done (the key's backoff is forgotten), -1 to retry it
 * with backoff. */
typedef int (*ck_work_fn)(const char *key, void *ctx);

ck_workqueue *ck_workqueue_new(ck_loop *loop, const char *name, ck_work_fn fn, void *ctx);
void ck_workqueue_free(ck_workqueue *q);
void ck_workqueue_add(ck_workqueue *q, const char *key);
void ck_workqueue_add_after(ck_workqueue *q, const char *key, uint64_t delay_ms);
/* Adds after the key's rate-limited delay (what a failed fn does automatically). */
void ck_workqueue_add_rate_limited(ck_workqueue *q, const char *key);
void ck_workqueue_forget(ck_workqueue *q, const char *key);
size_t ck_workqueue_len(const ck_workqueue *q);
/* The loop calls the queue to process waiting keys, at most `batch` per loop iteration so
 * other work interleaves. */
void ck_workqueue_set_batch(ck_workqueue *q, unsigned batch);

#endif
