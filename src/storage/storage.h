/* The storage interface: a revisioned key-value store in the shape of etcd's MVCC API.
 * One global, monotonically increasing revision numbers every write; it is the
 * resourceVersion the API exposes. Backends fill a ck_store_ops table: SQLite (embedded,
 * src/storage/sqlite.c) now, etcd v3 later. Values are opaque bytes (JSON objects).
 *
 * Threading: a store is used from one thread at a time, except that the watch callback
 * may be invoked from the backend's own thread for remote backends (etcd). The SQLite
 * backend calls it synchronously, in commit order, before the writing call returns. */
#ifndef CK_STORAGE_H
#define CK_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

typedef struct ck_kv {
    char *key;
    char *value; /* NUL-terminated for convenience; len excludes the NUL */
    size_t len;
    int64_t create_rev; /* revision that created this key (since its last deletion) */
    int64_t mod_rev;    /* revision of this version */
} ck_kv;

typedef struct ck_kv_list {
    ck_kv *items;
    size_t n, cap;
} ck_kv_list;

typedef enum { CK_EVENT_PUT = 1, CK_EVENT_DELETE = 2 } ck_event_type;

typedef struct ck_event {
    ck_event_type type;
    ck_kv kv;   /* PUT: the new version; DELETE: key, mod_rev = deletion revision,
                   value = the last value before deletion */
    ck_kv prev; /* the previous version for PUT of an existing key (key NULL if none) */
} ck_event;

typedef struct ck_event_list {
    ck_event *items;
    size_t n, cap;
} ck_event_list;

typedef void (*ck_watch_cb)(const ck_event *ev, void *ctx);

typedef struct ck_store ck_store;

typedef struct ck_store_ops {
    /* Latest version of key (rev 0) or the version visible at revision rev.
     * 404 NotFound if absent, 410 Expired if rev is compacted. */
    int (*get)(ck_store *s, const char *key, int64_t rev, ck_kv *out, ck_err **err);
    /* Keys with prefix, in key order, strictly after start_after (NULL: from the start),
     * as of revision rev (0: current). At most limit items (0: no limit); *more tells
     * whether more remain; *at_rev receives the revision the list reflects. */
    int (*list)(ck_store *s, const char *prefix, const char *start_after, int64_t rev,
                int64_t limit, ck_kv_list *out, bool *more, int64_t *at_rev, ck_err **err);
    /* Number of live keys under prefix at the current revision. */
    int (*count)(ck_store *s, const char *prefix, int64_t *n, ck_err **err);
    /* Creates key; 409 AlreadyExists if it exists. *rev receives the new revision. */
    int (*create)(ck_store *s, const char *key, const char *value, size_t len, int64_t *rev,
                  ck_err **err);
    /* Compare-and-swap: replaces key only if its mod_rev equals expect (0: any version).
     * 404 if absent, 409 Conflict if mod_rev differs. */
    int (*update)(ck_store *s, const char *key, int64_t expect, const char *value, size_t len,
                  int64_t *rev, ck_err **err);
    /* Deletes key if its mod_rev equals expect (0: any). 404 if absent, 409 on mismatch. */
    int (*del)(ck_store *s, const char *key, int64_t expect, int64_t *rev, ck_err **err);
    /* Events with revision > after, in revision order, at most limit (0: all).
     * 410 Expired if `after` is older than the compacted revision. */
    int (*events)(ck_store *s, int64_t after, int64_t limit, ck_event_list *out, ck_err **err);
    /* Registers the single watch callback receiving every event after it is set. */
    void (*set_watch)(ck_store *s, ck_watch_cb cb, void *ctx);
    /* Discards history older than rev (keeps the latest version of every live key).
     * Works in small batches so writers are never blocked for long. */
    int (*compact)(ck_store *s, int64_t rev, ck_err **err);
    /* Group commit (optional; NULL for backends that commit each write themselves).
     * With it on, writes apply at once — reads and the watch callback see them — but
     * become durable only at flush(), which commits them all with one fsync. The caller
     * must not acknowledge anything that saw an unflushed write before flush() returns 0.
     * A failed flush loses the pending writes: the caller must stop (as etcd does). */
    void (*set_group_commit)(ck_store *s, bool on);
    bool (*pending)(ck_store *s);
    int (*flush)(ck_store *s, ck_err **err);
    int64_t (*current_rev)(ck_store *s);
    int64_t (*compacted_rev)(ck_store *s);
    void (*close)(ck_store *s);
} ck_store_ops;

struct ck_store {
    const ck_store_ops *ops;
};

/* Opens (creating if needed) the SQLite store at path (e.g. DIR/db/state.db). */
int ck_store_sqlite_open(const char *path, ck_store **out, ck_err **err);

void ck_kv_clear(ck_kv *kv);
void ck_kv_list_clear(ck_kv_list *l);
void ck_event_clear(ck_event *ev);
void ck_event_list_clear(ck_event_list *l);

#endif
