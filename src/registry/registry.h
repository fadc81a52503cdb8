/* The resource registry: every served resource type (group/version/plural) with its
 * strategy, the per-kind behaviour upstream keeps in pkg/registry/<group>/<resource>/
 * strategy.go: defaults, validation, create/update preparation, table columns and
 * selectable fields. Adding a kind is one src/registry/<resource>.c defining a
 * ck_rtype_def, plus its line in the table in registry.c. */
#ifndef CK_REGISTRY_H
#define CK_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>

#include "lib/err.h"
#include "machinery/schema.h"
#include "machinery/validation.h"

typedef struct ck_apiserver ck_apiserver;

/* One Table column: name, type ("string", "integer", "date", ...), format, priority
 * (0: always shown, 1: -o wide). */
typedef struct ck_column {
    const char *name, *type, *format, *description;
    int priority;
} ck_column;

/* Context passed to strategies that need server state (allocators, other objects). */
typedef struct ck_strategy_ctx {
    ck_apiserver *srv;
    bool dry_run;
    /* The requester (groups NULL-terminated); user NULL for the server's own writes. */
    const char *user;
    const char *const *groups;
    const char *uid;     /* NULL when the authenticator gave none */
    const json_t *extra; /* {key: [values]} or NULL */
} ck_strategy_ctx;

typedef struct ck_rtype_def {
    const char *group, *version, *plural;
    /* Storage: resources sharing storage with another version name it here
     * (e.g. autoscaling/v1 HPAs are stored as autoscaling/v2); NULL: own storage. */
    const char *storage_version;
    /* Conversion for resources stored in another version: served → storage and back
     * (new references; apiVersion/kind are set by the caller). */
    json_t *(*to_storage)(const json_t *obj);
    json_t *(*from_storage)(const json_t *obj);

    /* Sets upstream defaults in place. */
    void (*defaults)(json_t *obj);
    /* Strategy hooks, all optional. prepare_* run before validation. */
    void (*prepare_create)(json_t *obj);
    void (*prepare_update)(json_t *obj, const json_t *old);
    void (*validate)(const json_t *obj, ck_field_errors *errs);
    void (*validate_update)(const json_t *obj, const json_t *old, ck_field_errors *errs);
    /* Updates through a subresource other than status (approval, finalize), after the
     * server kept everything the subresource may not change. */
    void (*prepare_subresource)(const char *sub, json_t *obj, const json_t *old);
    /* Side effects with server state (allocation), before storing; undo on failure. */
    int (*before_create)(ck_strategy_ctx *ctx, json_t *obj, ck_err **err);
    int (*before_update)(ck_strategy_ctx *ctx, json_t *obj, const json_t *old, ck_err **err);
    void (*after_delete)(ck_strategy_ctx *ctx, const json_t *obj);
    /* A delete begins: returns true if the object must stay, marked as terminating, until
     * something removes what holds it (namespaces: spec.finalizers, status Terminating).
     * metadata.finalizers are handled generically. */
    bool (*begin_delete)(json_t *obj);
    /* Virtual kinds (componentstatuses) compute their items instead of storing them:
     * returns a new array of objects. */
    json_t *(*virtual_items)(ck_strategy_ctx *ctx);
    /* A deprecation warning sent as a Warning header with every response, or NULL. */
    const char *warning;

    /* Names must be DNS-1123 subdomains unless this says otherwise. */
    ck_name_fn validate_name;

    /* Table output: column list and a row builder appending one cell per column. */
    const ck_column *columns;
    unsigned ncolumns;
    void (*table_row)(const json_t *obj, json_t *cells);

    /* Field selectors beyond metadata.name/metadata.namespace: NULL-terminated field
     * names; values are taken by dotted path from the object unless field_value is set. */
    const char *const *fields;
    char *(*field_value)(const json_t *obj, const char *field);

    /* Status subresource resets: on main-resource update status is kept from the old
     * object, on status update everything but status is kept. Default true when the
     * schema lists a "status" subresource. */
    bool no_status_reset;
    /* Sets metadata.generation to 1 on create and bumps it on spec changes. */
    bool generation;
    /* PUT of a missing object creates it (upstream's AllowCreateOnUpdate). */
    bool create_on_update;
    /* DELETE answers with the deleted object rather than a Status (pods, namespaces). */
    bool return_deleted;
    /* Create-only kinds answered by src/apiserver/rest_review.c and never stored
     * (TokenReview, SelfSubjectReview). */
    bool review;
} ck_rtype_def;

/* A served resource type at run time. */
typedef struct ck_rtype {
    const ck_rtype_def *def;
    const ck_resource *res; /* schema entry: kind, namespaced, verbs, ... */
    const ck_def *schema;   /* definition of the kind's object */
    char *prefix;           /* storage key prefix: "/registry/apps/deployments/" */
    char *api_version;      /* "apps/v1" or "v1" */
    char *qualified;        /* "deployments.apps" or "pods" (for messages) */
    int index;
    bool has_status, has_scale;
    struct ck_rtype *storage; /* rtype whose storage this one shares, or itself */
} ck_rtype;

/* Initializes the registry from the schema table; aborts on an inconsistent table. */
void ck_registry_init(void);
unsigned ck_registry_count(void);
ck_rtype *ck_registry_at(unsigned i);
ck_rtype *ck_registry_find(const char *group, const char *version, const char *plural);
ck_rtype *ck_registry_by_prefix(const char *key, const char **rest);
/* The preferred version of a group ("" for core) and whether the group is served. */
const char *ck_registry_preferred_version(const char *group);

/* Object field helpers used by strategies. */
const char *ck_obj_str(const json_t *obj, const char *path); /* dotted path or NULL */
json_t *ck_obj_get(const json_t *obj, const char *path);
json_t *ck_obj_ensure(json_t *obj, const char *path); /* creates objects along the path */
void ck_obj_default_str(json_t *obj, const char *path, const char *value);
void ck_obj_default_int(json_t *obj, const char *path, json_int_t value);
void ck_obj_default_bool(json_t *obj, const char *path, bool value);

#endif
