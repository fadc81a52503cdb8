/* The generic object store (upstream's genericregistry.Store): create, update and delete
 * of API objects with metadata bookkeeping, strategies, validation, preconditions and
 * finalizers, over the storage backend; reads come from the watch cache. Used by the
 * REST handlers and by the server's own controllers (bootstrap, namespace lifecycle). */
#ifndef CK_OBJSTORE_H
#define CK_OBJSTORE_H

#include <jansson.h>
#include <stdbool.h>

#include "apiserver/cache.h"
#include "apiserver/server.h"
#include "lib/err.h"

typedef struct ck_write_opts {
    bool dry_run;
    const char *field_manager; /* for managedFields; NULL: no entry */
    const char *subresource;   /* "status", "scale", ... or NULL */
    const char *operation;     /* "Update" / "Apply" (managedFields) */
    bool ignore_rv;            /* do not check metadata.resourceVersion against the current */
    /* The requesting client (anonymous when its name is NULL), passed to the strategies;
     * NULL for the server's own writes. */
    const ck_user *user;
    /* The API request behind the write (admission warnings, audit annotations, webhook
     * calls), or NULL for the server's own writes. */
    struct ck_request *req;
} ck_write_opts;

/* The result of a write: the object as stored (serialized, with resourceVersion). */
typedef struct ck_written {
    char *json;
    size_t len;
    bool unchanged; /* update was a no-op */
    bool deleted;   /* the delete removed the object (not just marked it) */
} ck_written;
void ck_written_clear(ck_written *w);

/* Creates obj (borrowed; modified in place) in namespace ns (NULL: cluster-scoped). */
int ck_objstore_create(ck_apiserver *srv, ck_rtype *rt, const char *ns, json_t *obj,
                       const ck_write_opts *o, ck_written *out, ck_err **err);
/* Replaces the object named name with obj (borrowed; modified). `old` is the current
 * cached object. With a status subresource only status changes, otherwise status is kept. */
int ck_objstore_update(ck_apiserver *srv, ck_rtype *rt, const ck_obj *old, json_t *obj,
                       const ck_write_opts *o, ck_written *out, ck_err **err);
/* Deletes (or, with finalizers, marks for deletion) the object. `opts` is the
 * DeleteOptions body or NULL; `o` carries dry-run and the requester (NULL: the server). */
int ck_objstore_delete(ck_apiserver *srv, ck_rtype *rt, const ck_obj *old, const json_t *opts,
                       const ck_write_opts *o, ck_written *out, ck_err **err);

#endif
