/* Admission: plugins that may change (mutating) or refuse (validating) a write after
 * authorization, in upstream's order, enabled with --enable-admission-plugins /
 * --disable-admission-plugins. The object store runs them: mutating after defaulting and
 * before the kind's validation, validating after it and before storage. */
#ifndef CK_ADMISSION_H
#define CK_ADMISSION_H

#include <jansson.h>
#include <stdbool.h>

#include "lib/err.h"

typedef struct ck_apiserver ck_apiserver;
struct ck_rtype;
struct ck_request;

typedef struct ck_admission_attrs {
    ck_apiserver *srv;
    struct ck_rtype *rt;
    const char *operation; /* "CREATE", "UPDATE", "DELETE" */
    const char *sub;       /* subresource or NULL */
    const char *ns;        /* NULL for cluster-scoped */
    const char *name;
    const char *user; /* NULL for the server's own writes (never refused) */
    const char *const *groups;
    bool dry_run;
    const char *field_manager; /* for the webhooks' CreateOptions/UpdateOptions, or NULL */
    /* The API request being admitted (warnings, audit annotations), or NULL for the
     * server's own writes. */
    struct ck_request *req;
} ck_admission_attrs;

typedef struct ck_admission_plugin {
    const char *name; /* upstream's plugin name, e.g. "LimitRanger" */
    /* Mutating step: may change obj (NULL for DELETE). */
    int (*admit)(const ck_admission_attrs *a, json_t *obj, const json_t *old, ck_err **err);
    /* Validating step: obj is final (for DELETE, the object being deleted). */
    int (*validate)(const ck_admission_attrs *a, const json_t *obj, const json_t *old,
                    ck_err **err);
    bool on_delete; /* also called for DELETE (obj NULL, old the object being deleted) */
} ck_admission_plugin;

/* Chooses the plugins: upstream's default set plus `enable`, minus `disable` (comma lists);
 * unknown names are an error naming them. Order is always upstream's. */
int ck_admission_setup(ck_apiserver *srv, const char *enable, const char *disable, ck_err **err);
void ck_admission_free(ck_apiserver *srv);
int ck_admission_mutate(const ck_admission_attrs *a, json_t *obj, const json_t *old, ck_err **err);
int ck_admission_validate(const ck_admission_attrs *a, const json_t *obj, const json_t *old,
                          ck_err **err);
/* upstream's admission.NewForbidden: 403 `<resource> "<name>" is forbidden: <why>`, the name
 * being obj's name, else its generateName (not generated yet), else "Unknown". */
int ck_admission_forbid(const ck_admission_attrs *a, const json_t *obj, ck_err **err,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Adds a `Warning` header to the request's response (nothing for the server's own writes). */
void ck_admission_warn(const ck_admission_attrs *a, const char *text);
/* Adds an annotation to the request's audit event, if it is audited. */
void ck_admission_annotate(const ck_admission_attrs *a, const char *key, const char *value);

#endif
