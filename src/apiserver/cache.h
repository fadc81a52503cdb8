/* The watch cache: the current state of every object, kept in memory and fed only by the
 * storage watch (never by polling), plus a window of recent events that watches replay
 * from. Objects are immutable, reference-counted snapshots: the serialized JSON (with
 * resourceVersion) is what GET and LIST send, unparsed. */
#ifndef CK_CACHE_H
#define CK_CACHE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "registry/registry.h"
#include "storage/storage.h"

typedef struct ck_obj {
    int refs;
    ck_rtype *rt;     /* storage rtype */
    char *key;        /* storage for ns and name: "ns\0name" or "name" */
    const char *ns;   /* points into key, NULL when cluster-scoped */
    const char *name; /* points into key */
    int64_t mod_rev, create_rev;
    char *json; /* object with metadata.resourceVersion */
    size_t len;
    json_t *labels; /* metadata.labels or NULL */
    char **fields;  /* values of rt->def->fields, aligned; NULL entries if unset */
    char *uid;
} ck_obj;

/* Builds an object snapshot from a stored value at revision rev; rest is the key after
 * the type's prefix ("ns/name"). Returns NULL if the value does not decode. */
ck_obj *ck_obj_make(ck_rtype *rt, const char *rest, const ck_kv *kv, int64_t rev);
ck_obj *ck_obj_ref(ck_obj *o);
void ck_obj_unref(ck_obj *o);
/* Parses the object's JSON (new reference). */
json_t *ck_obj_parse(const ck_obj *o);
/* The object as rt serves it when rt is stored in another version: parses, converts and
 * sets apiVersion/kind (new reference). Without conversion it is a plain parse. */
json_t *ck_obj_parse_for(const ck_obj *o, const ck_rtype *rt);
/* Serialized view of a stored JSON text for rt, or NULL when rt needs no conversion
 * (then the stored text is already right). The caller frees; *outlen gets the length. */
char *ck_json_view(const ck_rtype *rt, const char *json, size_t len, size_t *outlen);
/* Field value for a field selector ("metadata.name", "spec.nodeName", ...) or NULL. */
const char *ck_obj_field(const ck_obj *o, const char *field);

typedef enum { CK_WATCH_ADDED, CK_WATCH_MODIFIED, CK_WATCH_DELETED } ck_watch_type;

typedef struct ck_cache_event {
    ck_watch_type type;
    int64_t rev;
    ck_obj *obj;  /* new state (DELETED: last state, with the deletion revision) */
    ck_obj *prev; /* previous state for MODIFIED/DELETED, else NULL */
} ck_cache_event;

typedef struct ck_cache ck_cache;
typedef void (*ck_cache_listener)(const ck_cache_event *ev, void *ctx);

/* Creates the cache over store: loads every object, then follows the store's watch. */
int ck_cache_open(ck_store *store, ck_cache **out, ck_err **err);
void ck_cache_free(ck_cache *c);
int64_t ck_cache_rev(const ck_cache *c);
/* Oldest revision the event window can replay from (watch from rv >= this). */
int64_t ck_cache_oldest(const ck_cache *c);

/* Current object or NULL (borrowed; ref it to keep). */
ck_obj *ck_cache_get(ck_cache *c, ck_rtype *rt, const char *ns, const char *name);
/* Iterates objects of rt in key order, limited to namespace ns when non-NULL, starting
 * strictly after `after` (a key) when non-NULL. The callback returns false to stop. */
typedef bool (*ck_cache_iter)(ck_obj *o, void *ctx);
void ck_cache_each(ck_cache *c, ck_rtype *rt, const char *ns, const char *after, ck_cache_iter fn,
                   void *ctx);
size_t ck_cache_count(ck_cache *c, ck_rtype *rt, const char *ns);

/* Replays events with rev > after for rt (all types if rt NULL); 410 if too old. */
int ck_cache_replay(ck_cache *c, int64_t after, ck_rtype *rt, ck_cache_listener fn, void *ctx,
                    ck_err **err);
/* Listeners get every event as it is applied. Returns an id for removal. */
int ck_cache_listen(ck_cache *c, ck_cache_listener fn, void *ctx);
void ck_cache_unlisten(ck_cache *c, int id);

/* Storage key for an object: prefix + "ns/name". Caller frees. */
char *ck_storage_key(const ck_rtype *rt, const char *ns, const char *name);

#endif
