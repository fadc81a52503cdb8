/* Informers (client-go's SharedIndexInformer): list then watch one resource, keep a local
 * store of the objects, call handlers on add/update/delete, re-watch from the last
 * resourceVersion when a stream ends, relist on 410 Gone, retry failures with client-go's
 * backoff, resync nothing (upstream's default for most controllers: 0). Watches ask for
 * bookmarks (allowWatchBookmarks) to keep the resume point fresh. */
#ifndef CK_INFORMER_H
#define CK_INFORMER_H

#include <jansson.h>
#include <stdbool.h>

#include "client/client.h"

typedef struct ck_informer ck_informer;

typedef struct ck_informer_handlers {
    /* obj, old: borrowed for the call; keep a reference (json_incref) to hold one. */
    void (*on_add)(const json_t *obj, void *ctx);
    void (*on_update)(const json_t *old, const json_t *obj, void *ctx);
    /* obj is the last state known (the tombstone after a relist missed the deletion). */
    void (*on_delete)(const json_t *obj, void *ctx);
    void *ctx;
} ck_informer_handlers;

/* path: the collection, e.g. "/api/v1/pods" or "/apis/apps/v1/namespaces/x/deployments";
 * selectors may be NULL. Starts listing at once (the request goes out when the loop runs). */
ck_informer *ck_informer_new(ck_client *c, const char *path, const char *label_selector,
                             const char *field_selector);
/* Frees the informer and its store; call it before ck_client_free, never from a handler. */
void ck_informer_free(ck_informer *inf);
/* Watch requests ask the server to end them after this many seconds (0, the default: a
 * random 5-10 minutes, as client-go's reflector); the informer then re-watches. */
void ck_informer_set_watch_timeout(ck_informer *inf, unsigned seconds);
/* Handlers added after the first list get an on_add for every object already stored. */
void ck_informer_add_handlers(ck_informer *inf, const ck_informer_handlers *h);
/* True once the first list has been stored (and its on_adds delivered). */
bool ck_informer_synced(const ck_informer *inf);

/* The stored object for ns/name (ns NULL or "" for cluster-scoped), borrowed; NULL if
 * absent. Objects are never modified in place: an update replaces the stored value.
 * Stored objects (and those handed to handlers) lack metadata.managedFields, trimmed as
 * kube-controller-manager and kube-scheduler do to save memory. */
const json_t *ck_informer_get(const ck_informer *inf, const char *ns, const char *name);
/* Calls fn for each stored object (of namespace ns, "" for the cluster-scoped ones, or all
 * when ns is NULL; a namespace costs only its own objects) until it returns false. */
void ck_informer_each(const ck_informer *inf, const char *ns,
                      bool (*fn)(const json_t *obj, void *ctx), void *ctx);
size_t ck_informer_count(const ck_informer *inf);
/* Counters for logs, tests and benchmarks. */
typedef struct ck_informer_stats {
    unsigned long lists;    /* complete lists stored (the first one and every relist) */
    unsigned long watches;  /* watch requests started */
    unsigned long events;   /* watch events received, bookmarks and errors included */
    unsigned long expired;  /* 410 Expired ERROR events (each followed by a relist) */
    unsigned long failures; /* failed lists and watches (each followed by a backoff) */
} ck_informer_stats;
void ck_informer_get_stats(const ck_informer *inf, ck_informer_stats *out);

/* "ns/name" or "name" for an object: the work-queue key. Caller frees. */
char *ck_object_key(const json_t *obj);

#endif
