/* A list-then-watch reflector that keeps no store of its own: each object is trimmed by
 * the owner to the fields it needs (or dropped) and handed over, so 150,000 pods cost what
 * the owner keeps of them, not a full object each (the shared informer of src/client keeps
 * whole jansson objects; a pod is ~20 KB there, ~1 KB as pods.c keeps it). Semantics follow
 * client-go's reflector, as the informer does: LIST in pages of 500, WATCH from the list's
 * resourceVersion with bookmarks, re-watch from the last resourceVersion when a stream ends, relist
 * on 410 Gone, retry failures after 800 ms doubling to 30 s. A relist is bracketed by relist_begin
 * and relist_end so the owner can drop what the new list no longer has. */
#ifndef CK_HOLLOW_REFLECTOR_H
#define CK_HOLLOW_REFLECTOR_H

#include <jansson.h>
#include <stdbool.h>

#include "client/client.h"

typedef struct hw_reflector hw_reflector;

typedef struct hw_reflector_ops {
    /* The part of obj (borrowed) to keep, as a new reference; NULL to ignore obj. */
    json_t *(*trim)(const json_t *obj, void *ctx);
    /* Added or changed: trimmed is the owner's (a new reference to release). */
    void (*upsert)(json_t *trimmed, void *ctx);
    /* Deleted (watch event): obj is the object as the server sent it, borrowed. */
    void (*remove)(const json_t *obj, void *ctx);
    /* A (re)list starts / has delivered every object (and the watch that follows it has
     * been asked for); objects the owner holds that were not upserted in between are gone. */
    void (*relist_begin)(void *ctx);
    void (*relist_end)(void *ctx);
    void *ctx;
} hw_reflector_ops;

/* path: a collection ("/api/v1/pods"); field_selector may be NULL. Starts at once. */
hw_reflector *hw_reflector_new(ck_client *c, const char *path, const char *field_selector,
                               const hw_reflector_ops *ops);
/* Never from one of its callbacks. */
void hw_reflector_free(hw_reflector *r);
bool hw_reflector_synced(const hw_reflector *r);

#endif
