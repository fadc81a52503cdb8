/* Helpers for the registry strategy tests: build objects from JSON text, run a kind's
 * create/update steps as the object store does, and read validation messages and table
 * cells. */
#ifndef CK_REGISTRY_UT_H
#define CK_REGISTRY_UT_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/err.h"
#include "lib/util.h"
#include "machinery/validation.h"
#include "registry/registry.h"
#include "ut.h"

static inline json_t *js(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (!j) fprintf(stderr, "bad JSON in test: %s: %s\n", e.text, text);
    return j;
}

static inline ck_rtype *kind(const char *group, const char *version, const char *plural)
{
    ck_registry_init();
    ck_rtype *rt = ck_registry_find(group, version, plural);
    if (!rt) fprintf(stderr, "no kind %s/%s %s\n", group, version, plural);
    return rt;
}

/* The create path up to validation: system metadata, prepare_create, defaults. */
static inline void create_steps(const ck_rtype *rt, json_t *obj)
{
    json_t *meta = json_object_get(obj, "metadata");
    if (!json_is_object(meta)) json_object_set_new(obj, "metadata", meta = json_object());
    if (!json_object_get(meta, "uid"))
        json_object_set_new(meta, "uid", json_string("6d5c9b63-0000-4000-8000-000000000001"));
    json_object_set_new(meta, "creationTimestamp", json_string("2024-01-02T03:04:05Z"));
    if (rt->def->generation) json_object_set_new(meta, "generation", json_integer(1));
    if (rt->def->prepare_create) rt->def->prepare_create(obj);
    if (rt->def->defaults) rt->def->defaults(obj);
}

/* The update path up to validation (status kept from old for the main resource). */
static inline void update_steps(const ck_rtype *rt, json_t *obj, const json_t *old)
{
    json_t *meta = json_object_get(obj, "metadata");
    json_t *om = json_object_get(old, "metadata");
    json_t *gen = json_object_get(om, "generation");
    if (gen) json_object_set(meta, "generation", gen);
    json_object_set_new(meta, "resourceVersion", json_string("7"));
    if (rt->def->prepare_update) rt->def->prepare_update(obj, old);
    if (rt->def->defaults) rt->def->defaults(obj);
    if (rt->def->generation &&
        !json_equal(json_object_get(obj, "spec"), json_object_get(old, "spec"))) {
        json_int_t g = json_integer_value(json_object_get(om, "generation"));
        json_object_set_new(meta, "generation", json_integer(g + 1));
    }
}

/* The 422 message for obj (old: NULL on create), or NULL when valid. The caller frees. */
static inline char *invalid(const ck_rtype *rt, const json_t *obj, const json_t *old)
{
    ck_field_errors *fe = ck_ferrs_new();
    if (rt->def->validate) rt->def->validate(obj, fe);
    if (old && rt->def->validate_update) rt->def->validate_update(obj, old, fe);
    ck_err *err = NULL;
    char *msg = NULL;
    const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
    if (ck_ferrs_to_err(fe, rt->res->kind, rt->def->group, name ? name : "", &err) < 0) {
        msg = xstrdup(err->message);
        ck_err_free(err);
    }
    ck_ferrs_free(fe);
    return msg;
}

/* Checks the validation message of obj, then frees obj. want NULL: valid. */
#define CHECK_INVALID(rt, obj, old, want)                                                          \
    do {                                                                                           \
        char *_m = invalid(rt, obj, old);                                                          \
        if ((want) == NULL) {                                                                      \
            if (_m) fprintf(stderr, "unexpected: %s\n", _m);                                       \
            CHECK(_m == NULL);                                                                     \
        } else {                                                                                   \
            CHECK_STR(_m, (const char *)(want));                                                   \
        }                                                                                          \
        free(_m);                                                                                  \
    } while (0)

/* The row's cells, as compact JSON text (the caller frees). */
static inline char *cells_of(const ck_rtype *rt, const json_t *obj)
{
    json_t *cells = json_array();
    rt->def->table_row(obj, cells);
    char *s = json_dumps(cells, JSON_COMPACT);
    json_decref(cells);
    return s;
}

#define CHECK_CELLS(rt, obj, want)                                                                 \
    do {                                                                                           \
        char *_c = cells_of(rt, obj);                                                              \
        CHECK_STR(_c, want);                                                                       \
        free(_c);                                                                                  \
    } while (0)

/* "Name:type:format:priority,..." for the kind's columns (the caller frees). */
static inline char *columns_of(const ck_rtype *rt)
{
    size_t len = 1;
    for (unsigned i = 0; i < rt->def->ncolumns; i++)
        len += strlen(rt->def->columns[i].name) + strlen(rt->def->columns[i].type) +
               strlen(rt->def->columns[i].format ? rt->def->columns[i].format : "") + 16;
    char *out = xmalloc(len), *p = out;
    *p = 0;
    for (unsigned i = 0; i < rt->def->ncolumns; i++)
        p += sprintf(p, "%s%s:%s:%s:%d", i ? "," : "", rt->def->columns[i].name,
                     rt->def->columns[i].type,
                     rt->def->columns[i].format ? rt->def->columns[i].format : "",
                     rt->def->columns[i].priority);
    return out;
}

#define CHECK_COLUMNS(rt, want)                                                                    \
    do {                                                                                           \
        char *_c = columns_of(rt);                                                                 \
        CHECK_STR(_c, want);                                                                       \
        free(_c);                                                                                  \
    } while (0)

/* The string at a dotted path, for CHECK_STR. */
static inline const char *str_at(const json_t *obj, const char *path)
{
    return ck_obj_str(obj, path);
}

static inline long long int_at(const json_t *obj, const char *path)
{
    const json_t *v = ck_obj_get(obj, path);
    return json_is_integer(v) ? (long long)json_integer_value(v) : -999;
}

#endif
