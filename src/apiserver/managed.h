/* managedFields bookkeeping (upstream's fieldmanager): the entries of
 * metadata.managedFields decoded into field sets, encoded back in upstream's order, and
 * the Update operation that records what a writer changed. Server-side apply
 * (apiserver/apply.c) builds on the same entries. */
#ifndef CK_MANAGED_H
#define CK_MANAGED_H

#include <jansson.h>
#include <stdbool.h>

#include "lib/err.h"
#include "machinery/fieldset.h"
#include "machinery/schema.h"

/* One entry. Identity is (manager, operation, subresource) plus apiVersion for Update
 * entries, as upstream's manager identifier. time may be NULL. */
typedef struct ck_mfentry {
    char *manager, *operation, *api_version, *subresource, *time;
    ck_fieldset *set;
} ck_mfentry;

typedef struct ck_managed {
    size_t n, cap;
    ck_mfentry *v;
} ck_managed;

void ck_managed_clear(ck_managed *m);
/* Decodes a managedFields list (borrowed; NULL: none). On an invalid entry returns -1
 * with a message in *msg (caller frees) and leaves m empty. */
int ck_managed_decode(const json_t *list, ck_managed *m, char **msg);
/* Sets obj's metadata.managedFields from m, sorted as upstream (operation, time,
 * manager, apiVersion, subresource); removes it when m is empty. */
void ck_managed_store(json_t *obj, const ck_managed *m);
ck_mfentry *ck_managed_find(ck_managed *m, const char *manager, const char *operation,
                            const char *api_version, const char *subresource);
/* Adds an entry with an empty set (strings copied; NULL subresource for none). */
ck_mfentry *ck_managed_add(ck_managed *m, const char *manager, const char *operation,
                           const char *api_version, const char *subresource);
void ck_managed_remove(ck_managed *m, ck_mfentry *e);
/* Upstream's quoted manager for messages: "name" [with subresource "s"] [using v]. */
char *ck_managed_describe(const ck_mfentry *e);
/* Upstream's manager identifier (JSON text), the order conflicts are reported in. */
char *ck_managed_id(const ck_mfentry *e);

/* Drops what no manager records (apiVersion, kind, metadata name, uid, ...). */
void ck_managed_strip(ck_fieldset **set);
/* Drops what a write to the resource or subresource does not own: status on the main
 * resource of kinds with a status subresource, all but status on the status one. */
void ck_managed_ignore(ck_fieldset **set, const char *subresource, bool has_status);

/* Records an Update by `manager` from old to obj (both borrowed, neither modified): the
 * manager gains every field it changed, other entries lose those fields and the removed
 * ones, empty entries go, and Update entries beyond ten are merged as upstream.
 * Returns -1 with *msg when a value does not fit the schema. */
int ck_managed_record_update(ck_managed *m, const json_t *old, const json_t *obj, const ck_def *def,
                             const char *manager, const char *api_version, const char *subresource,
                             bool has_status, const char *time, char **msg);

/* The schema definition of obj's kind and whether the kind has a status subresource. */
const ck_def *ck_managed_kind(const json_t *obj, bool *has_status);

/* Records that `manager` wrote obj (an Update operation) in obj's metadata.managedFields:
 * old (NULL on create) is the live object. The request's managedFields are honoured (an
 * empty list resets them) except on subresources; an object without managedFields is
 * not tracked on update. No manager, or operation "Apply" (recorded by ck_apply): the
 * managedFields are left as they are. */
void ck_managed_fields_update(json_t *obj, const json_t *old, const char *manager,
                              const char *operation, const char *api_version,
                              const char *subresource, const char *time);

#endif
