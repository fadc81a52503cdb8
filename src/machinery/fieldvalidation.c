/* Unknown-field detection for fieldValidation=Strict|Warn, walking a decoded object along
 * its schema definition; see fieldvalidation.h. */
#include "machinery/fieldvalidation.h"

#include <stdio.h>
#include <string.h>

#include "lib/util.h"

#define MAX_REPORTED 100

/* What a walk does with unknown fields: collect their paths, or delete them. */
typedef struct found {
    char **msgs; /* NULL-terminated once done */
    size_t n;
    bool prune;
} found;

static void report(found *out, const char *path)
{
    if (out->prune || out->n >= MAX_REPORTED) return;
    out->msgs = xrealloc(out->msgs, (out->n + 2) * sizeof *out->msgs);
    out->msgs[out->n++] = xasprintf("unknown field \"%s\"", path);
    out->msgs[out->n] = NULL;
}

static void walk_object(json_t *obj, const ck_def *def, const char *path, found *out);

/* The definition to descend into for a field's value (object, or array item / map value),
 * or NULL when the value is opaque to the strict decoder. */
static const ck_def *object_def(const ck_field *f)
{
    const ck_def *d = ck_schema_field_def(f);
    return d && d->type == CK_T_OBJECT ? d : NULL;
}

static void walk_field(json_t *v, const ck_field *f, const char *path, found *out)
{
    const ck_def *d = object_def(f);
    if (!d) return;
    if (f->type == CK_T_OBJECT) {
        walk_object(v, d, path, out);
    } else if (f->type == CK_T_ARRAY && json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            char *p = out->prune ? NULL : xasprintf("%s[%zu]", path, i);
            walk_object(e, d, p, out);
            free(p);
        }
    } else if (f->type == CK_T_MAP && json_is_object(v)) {
        const char *k;
        json_t *e;
        json_object_foreach(v, k, e)
        {
            char *p = out->prune ? NULL : xasprintf("%s.%s", path, k);
            walk_object(e, d, p, out);
            free(p);
        }
    }
}

/* path is "" at the top level; NULL when pruning (no paths are built). */
static void walk_object(json_t *obj, const ck_def *def, const char *path, found *out)
{
    if (!json_is_object(obj)) return;
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(obj, tmp, k, v)
    {
        const ck_field *f = ck_schema_field(def, k);
        if (!f && out->prune) {
            json_object_del(obj, k);
            continue;
        }
        char *p = out->prune ? NULL : *path ? xasprintf("%s.%s", path, k) : xstrdup(k);
        if (f)
            walk_field(v, f, p, out);
        else
            report(out, p);
        free(p);
    }
}

void ck_field_warnings_free(char **warnings)
{
    if (!warnings) return;
    for (char **w = warnings; *w; w++)
        free(*w);
    free(warnings);
}

int ck_field_validation(const json_t *obj, const ck_def *def, const char *mode, char ***warnings,
                        ck_err **err)
{
    if (warnings) *warnings = NULL;
    bool strict = streq(mode, "Strict");
    if (mode && *mode && !strict && !streq(mode, "Warn") && !streq(mode, "Ignore"))
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "fieldValidation: Unsupported value: \"%s\": supported values: \"\", "
                        "\"Ignore\", \"Strict\", \"Warn\"",
                        mode);
    if (streq(mode, "Ignore") || !def || def->type != CK_T_OBJECT) return 0;
    found out = {0};
    /* Not pruning: the walk does not modify obj. */
    walk_object((json_t *)obj, def, "", &out);
    if (!out.n) return 0;
    if (!strict) {
        if (warnings)
            *warnings = out.msgs;
        else
            ck_field_warnings_free(out.msgs);
        return 0;
    }
    size_t len = 0;
    for (size_t i = 0; i < out.n; i++)
        len += strlen(out.msgs[i]) + 2;
    char *joined = xcalloc(1, len + 1);
    for (size_t i = 0; i < out.n; i++) {
        if (i) strcat(joined, ", ");
        strcat(joined, out.msgs[i]);
    }
    ck_field_warnings_free(out.msgs);
    ck_error(err, 400, CK_BAD_REQUEST, "strict decoding error: %s", joined);
    free(joined);
    return -1;
}

void ck_field_prune(json_t *obj, const ck_def *def)
{
    if (!def || def->type != CK_T_OBJECT) return;
    found out = {.prune = true};
    walk_object(obj, def, NULL, &out);
}
