/* Server-side apply (PATCH with application/apply-patch+yaml). */
#ifndef CK_APPLY_H
#define CK_APPLY_H

#include "apiserver/api.h"

/* What an apply needs to know besides the objects. */
typedef struct ck_apply_opts {
    const ck_def *schema;    /* the kind's definition (NULL: free-form) */
    const char *api_version; /* of the endpoint, "apps/v1" */
    const char *kind;        /* of the endpoint, "Deployment" */
    const char *manager;     /* fieldManager (required) */
    const char *subresource; /* "status" or NULL */
    bool has_status;         /* the kind has a status subresource */
    bool force;              /* take fields other managers own */
    const char *now;         /* RFC 3339 time for the manager entry */
} ck_apply_opts;

/* Applies the configuration cfg (borrowed) to live (borrowed; NULL: the object does not
 * exist yet): merges it per the schema, removes fields the manager applied before and no
 * longer applies unless someone else owns them, and records the manager with operation
 * "Apply". On success *out (new reference) is the object to store, with its
 * managedFields; it equals live with new managedFields when nothing else changed.
 * Fails with 400 (bad configuration), 409 (conflicts with other managers, upstream's
 * message) or 500. */
int ck_apply_object(const json_t *live, const json_t *cfg, const ck_apply_opts *o, json_t **out,
                    ck_err **err);

/* The PATCH handler: applies `cfg` (borrowed) for the request's field manager to `old`
 * (NULL: the object does not exist and is created) and sends the response. */
void ck_apply(ck_request *r, ck_reqinfo *ri, ck_obj *old, json_t *cfg);

#endif
