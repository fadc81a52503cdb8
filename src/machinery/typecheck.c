/* Type checking of a decoded JSON object against its schema definition, as decoding into
 * upstream's Go structs does: the first value of the wrong JSON type is a 400 with Go's
 * encoding/json message ("json: cannot unmarshal number into Go struct field
 * ConfigMap.data of type string"). null is accepted anywhere (it leaves the zero value). */
#include "machinery/typecheck.h"

#include <stdio.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/util.h"

/* "io.k8s.api.core.v1.ConfigMap" -> "v1.ConfigMap" (Go's package-qualified name). */
static const char *go_struct(const ck_def *d, char buf[128])
{
    const char *last = strrchr(d->name, '.');
    const char *pkg = last;
    while (pkg > d->name && pkg[-1] != '.')
        pkg--;
    snprintf(buf, 128, "%s", pkg > d->name ? pkg : d->name);
    return buf;
}

static const char *short_struct(const ck_def *d)
{
    const char *last = strrchr(d->name, '.');
    return last ? last + 1 : d->name;
}

/* Go's name for a value of a scalar or nested type. */
static void go_type(uint8_t type, const ck_def *ref, const char *format, char *out, size_t n)
{
    char b[128];
    switch (type) {
    case CK_T_STRING:
        snprintf(out, n, "string");
        return;
    case CK_T_BOOLEAN:
        snprintf(out, n, "bool");
        return;
    case CK_T_NUMBER:
        snprintf(out, n, "float64");
        return;
    case CK_T_INTEGER:
        snprintf(out, n, "%s",
                 streq(format, "int32")   ? "int32"
                 : streq(format, "int64") ? "int64"
                                          : "int");
        return;
    case CK_T_OBJECT:
        snprintf(out, n, "%s", ref ? go_struct(ref, b) : "object");
        return;
    default:
        snprintf(out, n, "interface {}");
        return;
    }
}

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "bool";
    case JSON_ARRAY:
        return "array";
    case JSON_OBJECT:
        return "object";
    default:
        return "null";
    }
}

typedef struct walk {
    const ck_def *parent; /* innermost struct */
    char path[1024];      /* JSON path from the root, without indexes */
} walk;

static int mismatch(const walk *w, const json_t *v, const char *gotype, ck_err **err)
{
    return ck_error(err, 400, CK_BAD_REQUEST,
                    "json: cannot unmarshal %s into Go struct field %s.%s of type %s", json_kind(v),
                    short_struct(w->parent), w->path, gotype);
}

static int check_object(const json_t *obj, const ck_def *def, walk *w, ck_err **err);

/* Checks one value of a field whose type is (type, ref, format). */
static int check_value(const json_t *v, uint8_t type, const ck_def *ref, const char *format,
                       walk *w, ck_err **err)
{
    char gt[160];
    if (json_is_null(v)) return 0;
    /* Scalar definitions (IntOrString, Quantity, Time, ...) have their own JSON forms. */
    if (ref && ref->type != CK_T_OBJECT) {
        if (streq(ref->format, "int-or-string") || streq(short_struct(ref), "Quantity")) {
            if (json_is_string(v) || json_is_number(v)) return 0;
        } else if (json_is_string(v)) {
            return 0;
        }
        if (ref->type == CK_T_ANY) return 0;
        return mismatch(w, v, go_struct(ref, gt), err);
    }
    switch (type) {
    case CK_T_STRING:
        if (!json_is_string(v)) return mismatch(w, v, "string", err);
        if (streq(format, "byte")) {
            size_t bad = 0, n;
            const char *text = json_string_value(v);
            unsigned char *raw = ck_base64_decode(text, strlen(text), &n, &bad);
            free(raw);
            if (!raw)
                return ck_error(err, 400, CK_BAD_REQUEST, "illegal base64 data at input byte %zu",
                                bad);
        }
        return 0;
    case CK_T_BOOLEAN:
        return json_is_boolean(v) ? 0 : mismatch(w, v, "bool", err);
    case CK_T_INTEGER:
        go_type(type, NULL, format, gt, sizeof gt);
        return json_is_integer(v) ? 0 : mismatch(w, v, gt, err);
    case CK_T_NUMBER:
        return json_is_number(v) ? 0 : mismatch(w, v, "float64", err);
    case CK_T_OBJECT:
        if (!ref) return 0;
        if (!json_is_object(v)) return mismatch(w, v, go_struct(ref, gt), err);
        return check_object(v, ref, w, err);
    default:
        return 0;
    }
}

static int check_field(const json_t *v, const ck_field *f, walk *w, ck_err **err)
{
    const ck_def *ref = ck_schema_field_def(f);
    char gt[200], et[160];
    if (json_is_null(v)) return 0;
    if (f->type == CK_T_ARRAY) {
        go_type(f->elem_type, ref, f->format, et, sizeof et);
        snprintf(gt, sizeof gt, "[]%s", et);
        if (!json_is_array(v)) return mismatch(w, v, gt, err);
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) if (check_value(e, f->elem_type, ref, f->format, w, err) <
                                        0) return -1;
        return 0;
    }
    if (f->type == CK_T_MAP) {
        go_type(f->elem_type, ref, f->format, et, sizeof et);
        snprintf(gt, sizeof gt, "map[string]%s", et);
        if (!json_is_object(v)) return mismatch(w, v, gt, err);
        const char *k;
        json_t *e;
        json_object_foreach((json_t *)v, k, e) if (check_value(e, f->elem_type, ref, f->format, w,
                                                               err) < 0) return -1;
        return 0;
    }
    return check_value(v, f->type, ref, f->format, w, err);
}

static int check_object(const json_t *obj, const ck_def *def, walk *w, ck_err **err)
{
    const ck_def *saved_parent = w->parent;
    size_t saved_len = strlen(w->path);
    const char *k;
    json_t *v;
    int rc = 0;
    json_object_foreach((json_t *)obj, k, v)
    {
        const ck_field *f = ck_schema_field(def, k);
        if (!f) continue; /* unknown fields are fieldValidation's business */
        w->parent = def;
        snprintf(w->path + saved_len, sizeof w->path - saved_len, "%s%s", saved_len ? "." : "", k);
        rc = check_field(v, f, w, err);
        w->path[saved_len] = 0;
        if (rc < 0) break;
    }
    w->parent = saved_parent;
    return rc;
}

int ck_type_check(const json_t *obj, const ck_def *def, ck_err **err)
{
    if (!def || def->type != CK_T_OBJECT || !json_is_object(obj)) return 0;
    walk w = {.parent = def};
    return check_object(obj, def, &w, err);
}
