/* RFC 6902 JSON Patch over jansson values, with RFC 6901 pointers. Operations apply to a
 * private deep copy, so a failing patch leaves the caller's document untouched. Semantics
 * follow the RFC (strict array indices, "-" only for add); error codes and messages follow
 * the upstream apiserver, which uses evanphx/json-patch: a document that is not a list of
 * operations is 400, an operation that does not apply is 422. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "machinery/patch.h"

#define MAX_OPS 10000                    /* apiserver maxJSONPatchOperations */
#define MAX_COPY_BYTES (3 * 1024 * 1024) /* apiserver JSONPatchMaxCopyBytes default */

typedef struct tok {
    char *s;
    size_t len;
} tok;

/* A decoded JSON pointer: n reference tokens, owned. */
typedef struct ptr {
    tok *t;
    size_t n;
} ptr;

static void ptr_free(ptr *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->t[i].s);
    free(p->t);
    p->t = NULL;
    p->n = 0;
}

/* Decodes pointer text s (len bytes). Returns -1 if it is neither "" nor starts with '/',
 * or has a '~' not followed by '0' or '1'. */
static int ptr_parse(const char *s, size_t len, ptr *p)
{
    p->t = NULL;
    p->n = 0;
    if (len == 0) return 0;
    if (s[0] != '/') return -1;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += s[i] == '/';
    p->t = xcalloc(n, sizeof *p->t);
    const char *c = s + 1, *end = s + len;
    while (p->n < n) {
        const char *e = memchr(c, '/', (size_t)(end - c));
        if (!e) e = end;
        char *d = xmalloc((size_t)(e - c) + 1);
        size_t k = 0;
        for (const char *q = c; q < e; q++) {
            if (*q != '~') {
                d[k++] = *q;
            } else if (q + 1 < e && (q[1] == '0' || q[1] == '1')) {
                d[k++] = q[1] == '0' ? '~' : '/';
                q++;
            } else {
                free(d);
                ptr_free(p);
                return -1;
            }
        }
        d[k] = '\0';
        p->t[p->n++] = (tok){d, k};
        c = e + 1;
    }
    return 0;
}

/* Index classification of an array reference token. */
enum { IDX_OK, IDX_SYNTAX, IDX_RANGE };

/* Parses an RFC 6901 array index (digits, no leading zeros) that must be <= max. */
static int arr_index(const tok *t, size_t max, size_t *out)
{
    if (t->len == 0) return IDX_SYNTAX;
    size_t v = 0;
    for (size_t i = 0; i < t->len; i++) {
        if (t->s[i] < '0' || t->s[i] > '9') return IDX_SYNTAX;
        if (v > (SIZE_MAX - 9) / 10) return IDX_RANGE;
        v = v * 10 + (size_t)(t->s[i] - '0');
    }
    if (t->len > 1 && t->s[0] == '0') return IDX_RANGE;
    if (v > max) return IDX_RANGE;
    *out = v;
    return IDX_OK;
}

/* Existing child of container c at token t, or NULL. */
static json_t *child(json_t *c, const tok *t)
{
    size_t i;
    if (json_is_object(c)) return json_object_getn(c, t->s, t->len);
    if (json_is_array(c) && json_array_size(c) > 0 &&
        arr_index(t, json_array_size(c) - 1, &i) == IDX_OK)
        return json_array_get(c, i);
    return NULL;
}

/* The value at the first `depth` tokens of p, or NULL when absent. */
static json_t *resolve(json_t *root, const ptr *p, size_t depth)
{
    json_t *v = root;
    for (size_t i = 0; v && i < depth; i++)
        v = child(v, &p->t[i]);
    return v;
}

/* Numeric-aware deep equality (RFC 6902 4.6: 1 equals 1.0). */
static bool equal(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b)) {
        if (json_is_integer(a) && json_is_integer(b))
            return json_integer_value(a) == json_integer_value(b);
        return json_number_value(a) == json_number_value(b);
    }
    if (json_typeof(a) != json_typeof(b)) return false;
    if (json_is_object(a)) {
        if (json_object_size(a) != json_object_size(b)) return false;
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)a, k, v)
        {
            json_t *o = json_object_get(b, k);
            if (!o || !equal(v, o)) return false;
        }
        return true;
    }
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b)) return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!equal(json_array_get(a, i), json_array_get(b, i))) return false;
        return true;
    }
    return json_equal(a, b);
}

/* Go's name for a JSON value kind, as encoding/json prints it in unmarshal errors. */
static const char *go_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "bool";
    default:
        return "null";
    }
}

static int fail(ck_err **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(ck_err **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    ck_error(err, 422, CK_INVALID, "%s", msg ? msg : "json patch failed");
    free(msg);
    return -1;
}

/* One decoded operation; strings borrow from the patch document. */
typedef struct op {
    const char *name;
    const char *path, *from; /* raw pointer text, for messages */
    ptr p, f;
    const json_t *value;
} op;

static int index_error(ck_err **err, const char *what, const char *path, const tok *t, int kind)
{
    if (kind == IDX_SYNTAX)
        return fail(err,
                    "error in %s for path: '%s': value was not a proper array index: '%s': "
                    "strconv.Atoi: parsing \"%s\": invalid syntax",
                    what, path, t->s, t->s);
    return fail(err,
                "error in %s for path: '%s': Unable to access invalid index: %s: invalid index "
                "referenced",
                what, path, t->s);
}

/* Inserts v (stolen) at pointer p: object members are set, array elements inserted, "-"
 * appends, an empty pointer replaces the root. `what` names the op for messages. */
static int put(json_t **root, const ptr *p, const char *path, json_t *v, const char *what,
               ck_err **err)
{
    if (p->n == 0) {
        json_decref(*root);
        *root = v;
        return 0;
    }
    json_t *parent = resolve(*root, p, p->n - 1);
    const tok *last = &p->t[p->n - 1];
    if (json_is_object(parent)) {
        json_object_setn_new(parent, last->s, last->len, v);
        return 0;
    }
    if (json_is_array(parent)) {
        size_t i = json_array_size(parent);
        int r = last->len == 1 && last->s[0] == '-' ? IDX_OK : arr_index(last, i, &i);
        if (r == IDX_OK) {
            json_array_insert_new(parent, i, v);
            return 0;
        }
        json_decref(v);
        return index_error(err, what, path, last, r);
    }
    json_decref(v);
    if (streq(what, "add"))
        return fail(err, "add operation does not apply: doc is missing path: \"%s\": missing value",
                    path);
    return fail(err,
                "%s operation does not apply: doc is missing destination path: %s: missing value",
                what, path);
}

/* Removes the value at p (which must exist and not be the root). */
static int take(json_t *root, const ptr *p, const char *path, const char *what, ck_err **err)
{
    json_t *parent = p->n ? resolve(root, p, p->n - 1) : NULL;
    const tok *last = p->n ? &p->t[p->n - 1] : NULL;
    if (json_is_object(parent)) {
        if (json_object_deln(parent, last->s, last->len) == 0) return 0;
        return fail(err,
                    "error in %s for path: '%s': Unable to remove nonexistent key: %s: missing "
                    "value",
                    what, path, last->s);
    }
    if (json_is_array(parent)) {
        size_t i = 0, n = json_array_size(parent);
        int r = n ? arr_index(last, n - 1, &i) : IDX_RANGE;
        if (r == IDX_OK) {
            json_array_remove(parent, i);
            return 0;
        }
        return index_error(err, what, path, last, r);
    }
    return fail(err, "%s operation does not apply: doc is missing path: \"%s\": missing value",
                what, path);
}

static int do_replace(json_t **root, const op *o, ck_err **err)
{
    json_t *v = json_deep_copy(o->value);
    if (o->p.n == 0) {
        json_decref(*root);
        *root = v;
        return 0;
    }
    json_t *parent = resolve(*root, &o->p, o->p.n - 1);
    const tok *last = &o->p.t[o->p.n - 1];
    size_t i;
    if (!json_is_object(parent) && !json_is_array(parent)) {
        json_decref(v);
        return fail(err, "replace operation does not apply: doc is missing path: %s: missing value",
                    o->path);
    }
    if (json_is_object(parent) && json_object_getn(parent, last->s, last->len)) {
        json_object_setn_new(parent, last->s, last->len, v);
        return 0;
    }
    if (json_is_array(parent) && json_array_size(parent) &&
        arr_index(last, json_array_size(parent) - 1, &i) == IDX_OK) {
        json_array_set_new(parent, i, v);
        return 0;
    }
    json_decref(v);
    return fail(err, "replace operation does not apply: doc is missing key: %s: missing value",
                o->path);
}

/* True if a's tokens are a prefix of b's (proper: and b is longer). */
static bool is_prefix(const ptr *a, const ptr *b, bool proper)
{
    if (a->n > b->n || (proper && a->n == b->n)) return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->t[i].len != b->t[i].len || memcmp(a->t[i].s, b->t[i].s, a->t[i].len) != 0)
            return false;
    return true;
}

static int do_move(json_t **root, const op *o, ck_err **err)
{
    json_t *v = resolve(*root, &o->f, o->f.n);
    if (!v)
        return fail(err,
                    "move operation does not apply: doc is missing from path: %s: missing value",
                    o->from);
    if (o->f.n == o->p.n && is_prefix(&o->f, &o->p, false)) return 0; /* same location */
    if (is_prefix(&o->f, &o->p, true))
        return fail(err, "move operation does not apply: from path %s is a prefix of path %s",
                    o->from, o->path);
    json_incref(v);
    if (take(*root, &o->f, o->from, "move", err) < 0) {
        json_decref(v);
        return -1;
    }
    return put(root, &o->p, o->path, v, "move", err);
}

static int do_copy(json_t **root, const op *o, int64_t *copied, ck_err **err)
{
    json_t *v = resolve(*root, &o->f, o->f.n);
    if (!v)
        return fail(err,
                    "copy operation does not apply: doc is missing from path: %s: missing value",
                    o->from);
    size_t sz = json_dumpb(v, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
    *copied += (int64_t)sz;
    if (*copied > MAX_COPY_BYTES)
        return fail(err,
                    "Unable to complete the copy, the accumulated size increase of copy is %lld, "
                    "exceeding the limit %d",
                    (long long)*copied, MAX_COPY_BYTES);
    return put(root, &o->p, o->path, json_deep_copy(v), "copy", err);
}

static int do_test(json_t *root, const op *o, ck_err **err)
{
    json_t *parent = o->p.n ? resolve(root, &o->p, o->p.n - 1) : NULL;
    if (o->p.n && !json_is_object(parent) && !json_is_array(parent))
        return fail(err, "test operation does not apply: is missing path: %s: missing value",
                    o->path);
    json_t *v = resolve(root, &o->p, o->p.n);
    if (!v || !equal(v, o->value))
        return fail(err, "testing value %s failed: test failed", o->path);
    return 0;
}

/* Reads a pointer member ("path" or "from") of operation obj into *text and *p. */
static int get_ptr(const json_t *obj, const char *member, const char *opname, const char **text,
                   ptr *p, ck_err **err)
{
    const json_t *v = json_object_get(obj, member);
    bool is_path = streq(member, "path");
    if (!v || json_is_null(v))
        return fail(err,
                    "%s operation failed to decode %s: operation%s missing %s field: missing value",
                    opname, member, is_path ? "" : ",", member);
    if (!json_is_string(v))
        return fail(err,
                    "%s operation failed to decode %s: json: cannot unmarshal %s into Go value of "
                    "type string",
                    opname, member, go_kind(v));
    *text = json_string_value(v);
    if (ptr_parse(*text, json_string_length(v), p) < 0)
        return fail(err, "%s operation does not apply: doc is missing path: \"%s\": missing value",
                    opname, *text);
    return 0;
}

static int apply_op(json_t **root, const json_t *obj, int64_t *copied, ck_err **err)
{
    static const char *const kinds[] = {"add", "remove", "replace", "move", "copy", "test"};
    const json_t *k = json_object_get(obj, "op");
    const char *name = json_is_string(k) ? json_string_value(k) : "unknown";
    size_t kind = 0;
    while (kind < ARRAY_SIZE(kinds) && !streq(kinds[kind], name))
        kind++;
    if (kind == ARRAY_SIZE(kinds)) return fail(err, "Unexpected kind: %s", name);

    op o = {.name = name, .value = json_object_get(obj, "value")};
    int r = -1;
    if (get_ptr(obj, "path", name, &o.path, &o.p, err) < 0) goto out;
    if ((kind == 3 || kind == 4) && get_ptr(obj, "from", name, &o.from, &o.f, err) < 0) goto out;
    if ((kind == 0 || kind == 2 || kind == 5) && !o.value) {
        fail(err,
             "%s operation failed to decode value: operation, missing value field: missing value",
             name);
        goto out;
    }
    switch (kind) {
    case 0:
        r = put(root, &o.p, o.path, json_deep_copy(o.value), "add", err);
        break;
    case 1:
        r = take(*root, &o.p, o.path, "remove", err);
        break;
    case 2:
        r = do_replace(root, &o, err);
        break;
    case 3:
        r = do_move(root, &o, err);
        break;
    case 4:
        r = do_copy(root, &o, copied, err);
        break;
    default:
        r = do_test(*root, &o, err);
        break;
    }
out:
    ptr_free(&o.p);
    ptr_free(&o.f);
    return r;
}

int ck_json_patch(const json_t *doc, const json_t *patch, json_t **out, ck_err **err)
{
    *out = NULL;
    if (!doc) return ck_error(err, 500, CK_INTERNAL, "json patch: no document");
    if (patch && !json_is_null(patch) && !json_is_array(patch))
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "json: cannot unmarshal %s into Go value of type jsonpatch.Patch",
                        go_kind(patch));
    size_t n = json_is_array(patch) ? json_array_size(patch) : 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *o = json_array_get(patch, i);
        if (!json_is_object(o) && !json_is_null(o))
            return ck_error(err, 400, CK_BAD_REQUEST,
                            "json: cannot unmarshal %s into Go value of type jsonpatch.Operation",
                            go_kind(o));
    }
    if (n > MAX_OPS)
        return ck_error(err, 413, CK_TOO_LARGE,
                        "The allowed maximum operations in a JSON patch is %d, got %zu", MAX_OPS,
                        n);
    json_t *root = json_deep_copy(doc);
    int64_t copied = 0;
    for (size_t i = 0; i < n; i++) {
        if (apply_op(&root, json_array_get(patch, i), &copied, err) < 0) {
            json_decref(root);
            return -1;
        }
    }
    *out = root;
    return 0;
}
