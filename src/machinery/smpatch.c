/* Kubernetes strategic merge patch, modelled on the behaviour of upstream
 * k8s.io/apimachinery/pkg/util/strategicpatch as the apiserver applies it (merge parallel
 * lists, ignore unmatched nulls). Field metadata comes from the schema table: lists merge
 * only when the field's patch strategy contains "merge" (by merge key for objects, as an
 * ordered set for primitives); every other list is replaced; objects merge recursively.
 *
 * The working copy of the document is mutated in place; values taken from the patch are
 * always copied, with null members and directive keys removed, so the result shares nothing
 * with the inputs. Error codes mirror the apiserver: malformed directives are 400, lists of
 * lists 422, and the remaining upstream errors (missing merge key, bad $patch value, ...)
 * are plain errors that the apiserver reports as 500 with an empty reason.
 *
 * Schema tables: a def inside the generated table resolves ck_field.ref through it; any
 * other def (hand-built tables in tests) must be element 0 of its own table, and refs
 * index that table. */
#include <stdarg.h>
#include <stdio.h>

#include "lib/util.h"
#include "machinery/patch.h"

#define DIRECTIVE "$patch"
#define RETAIN_KEYS "$retainKeys"
#define DELETE_PREFIX "$deleteFromPrimitiveList"
#define ORDER_PREFIX "$setElementOrder"
#define MAP_T "map[string]interface {}"
#define LIST_T "[]interface {}"

/* Upstream returns these as non-Status errors, which the apiserver turns into 500 with
 * reason "" (kubectl prints "Error from server: <message>"). */
#define PLAIN_CODE 500
#define PLAIN_REASON ""

/* Where a value sits in the schema. */
typedef struct sch {
    const ck_def *def;   /* object definition, or NULL when unknown */
    const ck_field *map; /* non-NULL: a map whose values this field describes */
    const ck_def *tbl;   /* table that refs index; NULL for the generated table */
} sch;

/* Patch metadata of one field. */
typedef struct meta {
    sch sub;               /* schema of the value (objects) or of its elements (lists) */
    const char *strategy;  /* "merge", "replace" or "" (retainKeys is not a list strategy) */
    const char *merge_key; /* "" when none */
} meta;

static const ck_def *def_at(const ck_def *tbl, int ref)
{
    if (ref < 0) return NULL;
    return tbl ? &tbl[ref] : ck_schema_def(ref);
}

static meta lookup(sch s, const char *key)
{
    meta m = {.sub = {.tbl = s.tbl}, .strategy = "", .merge_key = ""};
    if (s.map) {
        if (s.map->elem_type == CK_T_OBJECT) m.sub.def = def_at(s.tbl, s.map->ref);
        return m;
    }
    const ck_field *f = ck_schema_field(s.def, key);
    if (!f) return m;
    if (f->type == CK_T_MAP)
        m.sub.map = f;
    else if (f->type == CK_T_OBJECT || (f->type == CK_T_ARRAY && f->elem_type == CK_T_OBJECT))
        m.sub.def = def_at(s.tbl, f->ref);
    if (ck_csv_has(f->patch_strategy, "merge"))
        m.strategy = "merge";
    else if (ck_csv_has(f->patch_strategy, "replace"))
        m.strategy = "replace";
    if (f->merge_key) m.merge_key = f->merge_key;
    return m;
}

/* ---- Go-style rendering of values for upstream-like messages (fmt's %v) ---- */

static void go_float(FILE *f, double d)
{
    char buf[48];
    int p = 1;
    if (d == 0) {
        fputs("0", f);
        return;
    }
    for (; p < 17; p++) { /* shortest digits that round-trip */
        snprintf(buf, sizeof buf, "%.*e", p - 1, d);
        if (strtod(buf, NULL) == d) break;
    }
    snprintf(buf, sizeof buf, "%.*e", p - 1, d);
    int exp = atoi(strchr(buf, 'e') + 1);
    if (exp < -4 || exp >= 6)
        fputs(buf, f);
    else
        fprintf(f, "%.*f", p - 1 - exp > 0 ? p - 1 - exp : 0, d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void go_fmt(FILE *f, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(v), i = 0;
        const char **keys = xcalloc(n ? n : 1, sizeof *keys);
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m) keys[i++] = k;
        qsort(keys, n, sizeof *keys, cmp_str);
        fputs("map[", f);
        for (i = 0; i < n; i++) {
            fprintf(f, "%s%s:", i ? " " : "", keys[i]);
            go_fmt(f, json_object_get(v, keys[i]));
        }
        fputc(']', f);
        free(keys);
        break;
    }
    case JSON_ARRAY:
        fputc('[', f);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) fputc(' ', f);
            go_fmt(f, json_array_get(v, i));
        }
        fputc(']', f);
        break;
    case JSON_STRING:
        fwrite(json_string_value(v), 1, json_string_length(v), f);
        break;
    case JSON_INTEGER:
        fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        go_float(f, json_real_value(v));
        break;
    case JSON_TRUE:
        fputs("true", f);
        break;
    case JSON_FALSE:
        fputs("false", f);
        break;
    default:
        fputs("<nil>", f);
        break;
    }
}

/* fmt's %v of v; the caller frees. */
static char *go_str(const json_t *v)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) abort();
    go_fmt(f, v);
    fclose(f);
    return buf;
}

static const char *go_type(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return MAP_T;
    case JSON_ARRAY:
        return LIST_T;
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "int64";
    case JSON_REAL:
        return "float64";
    case JSON_TRUE:
    case JSON_FALSE:
        return "bool";
    default:
        return "<nil>";
    }
}

/* ---- errors ---- */

static int plain(ck_err **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int plain(ck_err **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    ck_error(err, PLAIN_CODE, PLAIN_REASON, "%s", msg ? msg : "strategic merge patch failed");
    free(msg);
    return -1;
}

static int bad(ck_err **err, const char *what)
{
    return ck_error(err, 400, CK_BAD_REQUEST, "invalid patch format of %s", what);
}

static int bad_arg(ck_err **err, const char *expected, const json_t *actual)
{
    return plain(err, "expected a %s, but received a %s", expected, go_type(actual));
}

static int no_merge_key(ck_err **err, const json_t *m, const char *mk)
{
    cleanup_free char *s = go_str(m);
    return plain(err, "map: %s does not contain declared merge key: %s", s, mk);
}

static int bad_patch_type(ck_err **err, const json_t *d, const json_t *m)
{
    cleanup_free char *ds = go_str(d);
    cleanup_free char *ms = go_str(m);
    return plain(err, "unknown patch type: %s in map: %s", ds, ms);
}

/* ---- value helpers ---- */

static bool is_directive_key(const char *k)
{
    return streq(k, DIRECTIVE) || streq(k, RETAIN_KEYS) || has_prefix(k, DELETE_PREFIX) ||
           has_prefix(k, ORDER_PREFIX);
}

static bool directive_is(const json_t *v, const char *what)
{
    const json_t *d = json_is_object(v) ? json_object_get(v, DIRECTIVE) : NULL;
    return json_is_string(d) && streq(json_string_value(d), what);
}

/* A copy of patch value v with null members and directive keys removed at every depth.
 * With drop, a map holding a non-null $patch is dropped altogether (NULL is returned, and
 * such list elements and members disappear), as upstream's removeDirectives does. */
static json_t *clean(const json_t *v, bool drop)
{
    if (json_is_object(v)) {
        const json_t *d = json_object_get(v, DIRECTIVE);
        if (drop && d && !json_is_null(d)) return NULL;
        json_t *o = json_object();
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m)
        {
            json_t *c = json_is_null(m) || is_directive_key(k) ? NULL : clean(m, drop);
            if (c) json_object_set_new(o, k, c);
        }
        return o;
    }
    if (json_is_array(v)) {
        json_t *a = json_array();
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *c = clean(json_array_get(v, i), drop);
            if (c) json_array_append_new(a, c);
        }
        return a;
    }
    return json_deep_copy(v);
}

/* Go's dynamic type identity: true and false are both bool. */
static int kind_of(const json_t *v)
{
    json_type t = json_typeof(v);
    return t == JSON_FALSE ? JSON_TRUE : (int)t;
}

static const json_t *keyval(const json_t *item, const char *mk)
{
    return json_is_object(item) ? json_object_get(item, mk) : NULL;
}

/* Upstream's index(): items match by merge-key value (maps) or by value. */
static bool same_item(const json_t *a, const json_t *b, const char *mk, int kind)
{
    if (kind != JSON_OBJECT) return json_equal(a, b);
    const json_t *x = keyval(a, mk), *y = keyval(b, mk);
    return x == y || (x && y && json_equal(x, y));
}

static long index_of(const json_t *list, const json_t *item, const char *mk, int kind)
{
    for (size_t i = 0; i < json_array_size(list); i++)
        if (same_item(json_array_get(list, i), item, mk, kind)) return (long)i;
    return -1;
}

/* The common element type of lists a and b (either may be NULL) into *kind. */
static int elem_kind(const json_t *a, const json_t *b, int *kind, ck_err **err)
{
    int t = -1;
    const json_t *lists[2] = {a, b};
    for (int l = 0; l < 2; l++) {
        for (size_t i = 0; i < json_array_size(lists[l]); i++) {
            int k = kind_of(json_array_get(lists[l], i));
            if (t < 0 && k == JSON_ARRAY)
                return ck_error(err, 422, CK_INVALID, "lists of lists are not supported");
            if (t >= 0 && k != t) {
                json_t *pair = json_pack("[oo]", a ? json_deep_copy(a) : json_array(),
                                         b ? json_deep_copy(b) : json_array());
                cleanup_free char *s = go_str(pair);
                json_decref(pair);
                return plain(err, "list element types are not identical: %s", s);
            }
            t = k;
        }
    }
    if (t < 0) return plain(err, "no elements in any of the given slices");
    *kind = t;
    return 0;
}

static int check_merge_keys(const json_t *list, const char *mk, ck_err **err)
{
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *m = json_array_get(list, i);
        if (!json_is_object(m)) return bad_arg(err, MAP_T, m);
        if (!json_object_get(m, mk)) return no_merge_key(err, m, mk);
    }
    return 0;
}

/* ---- ordering (upstream normalizeElementOrder) ---- */

typedef struct ent {
    json_t *v;
    long pos;
} ent;

static void merge_sort(ent *a, ent *tmp, size_t n)
{
    if (n < 2) return;
    size_t h = n / 2, i = 0, j = h, k = 0;
    merge_sort(a, tmp, h);
    merge_sort(a + h, tmp, n - h);
    while (i < h && j < n)
        tmp[k++] = a[j].pos < a[i].pos ? a[j++] : a[i++];
    while (i < h)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

/* Stable sort of `list` (replaced in place) by position in `order`; maps whose $patch is
 * "delete" go last. Upstream's comparator treats an item missing from `order` as less than
 * anything; with such items we run the insertion sort Go's sort.SliceStable uses for up to
 * 20 items, otherwise any stable sort gives the same result. */
static int sort_by(json_t *list, const json_t *order, const char *mk, int kind, ck_err **err)
{
    if (kind == JSON_OBJECT &&
        (check_merge_keys(list, mk, err) < 0 || check_merge_keys(order, mk, err) < 0))
        return -1;
    size_t n = json_array_size(list), m = 0, d = n;
    ent *e = xcalloc(n ? 3 * n : 1, sizeof *e); /* items, then deletions, then sort scratch */
    bool all_found = true;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_incref(json_array_get(list, i));
        if (kind == JSON_OBJECT && directive_is(v, "delete")) {
            e[d++].v = v;
            continue;
        }
        e[m] = (ent){v, index_of(order, v, mk, kind)};
        all_found = all_found && e[m].pos >= 0;
        m++;
    }
    if (all_found) {
        merge_sort(e, e + 2 * n, m);
    } else {
        for (size_t i = 1; i < m; i++)
            for (size_t j = i; j > 0; j--) {
                ent x = e[j], y = e[j - 1];
                if (x.pos >= 0 && y.pos >= 0 && x.pos >= y.pos) break;
                e[j] = y;
                e[j - 1] = x;
            }
    }
    json_array_clear(list);
    for (size_t i = 0; i < m; i++)
        json_array_append_new(list, e[i].v);
    for (size_t i = n; i < d; i++)
        json_array_append_new(list, e[i].v);
    free(e);
    return 0;
}

/* Interleaves server-only items (left) into patch items (right), both already sorted: a
 * left item goes first only when both are found in the live order and it precedes. */
static json_t *merge_sorted(const json_t *left, const json_t *right, const json_t *live,
                            const char *mk, int kind)
{
    size_t nl = json_array_size(left), nr = json_array_size(right), i = 0, j = 0;
    json_t *out = json_array();
    while (i < nl || j < nr) {
        bool take_left = j >= nr;
        if (i < nl && j < nr) {
            long li = index_of(live, json_array_get(left, i), mk, kind);
            long ri = index_of(live, json_array_get(right, j), mk, kind);
            take_left = li >= 0 && ri >= 0 && li < ri;
        }
        json_array_append(out, take_left ? json_array_get(left, i++) : json_array_get(right, j++));
    }
    return out;
}

/* Sorts patch items by patch_order and server-only items by live, then interleaves them.
 * Consumes both lists; returns the new list or NULL. */
static json_t *normalize(json_t *items, json_t *server, const json_t *patch_order,
                         const json_t *live, const char *mk, int kind, ck_err **err)
{
    json_t *out = NULL;
    if (sort_by(items, patch_order, mk, kind, err) == 0 &&
        sort_by(server, live, mk, kind, err) == 0)
        out = merge_sorted(server, items, live, mk, kind);
    json_decref(items);
    json_decref(server);
    return out;
}

/* Splits `list` into items present in `by` (*in) and the others (*rest). */
static int partition(const json_t *list, const json_t *by, const char *mk, json_t **in,
                     json_t **rest, ck_err **err)
{
    *in = json_array();
    *rest = json_array();
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *v = json_array_get(list, i);
        bool found = false;
        if (!*mk) {
            found = index_of(by, v, "", JSON_STRING) >= 0;
        } else {
            const json_t *kv = keyval(v, mk);
            if (!json_is_object(v) || !kv) {
                json_decref(*in);
                json_decref(*rest);
                return json_is_object(v) ? no_merge_key(err, v, mk) : bad_arg(err, MAP_T, v);
            }
            for (size_t j = 0; !found && j < json_array_size(by); j++) {
                const json_t *b = json_array_get(by, j);
                if (!json_is_object(b)) {
                    json_decref(*in);
                    json_decref(*rest);
                    return plain(err, "value for key %zu is not a map", j);
                }
                found = keyval(b, mk) && json_equal(keyval(b, mk), kv);
            }
        }
        json_array_append(found ? *in : *rest, v);
    }
    return 0;
}

/* ---- merging ---- */

static json_t *merge_map(json_t *orig, const json_t *patch, sch s, ck_err **err);

/* Lists of objects: applies $patch elements to the working list *base (delete by merge
 * key, replace), and returns the remaining patch elements (borrowed) in a new list. */
static json_t *special_elements(json_t **base, const json_t *patch, const char *mk, ck_err **err)
{
    json_t *rest = json_array();
    bool replace = false;
    for (size_t i = 0; i < json_array_size(patch); i++) {
        json_t *p = json_array_get(patch, i);
        const json_t *d = json_object_get(p, DIRECTIVE);
        int r = 0;
        if (!d) {
            json_array_append(rest, p);
        } else if (directive_is(p, "delete")) {
            const json_t *kv = json_object_get(p, mk);
            if (!kv) r = no_merge_key(err, p, mk);
            for (size_t j = 0; kv && j < json_array_size(*base);) {
                const json_t *o = keyval(json_array_get(*base, j), mk);
                if (o && json_equal(o, kv))
                    json_array_remove(*base, j);
                else
                    j++;
            }
        } else if (directive_is(p, "replace")) {
            replace = true;
        } else if (directive_is(p, "merge")) {
            r = plain(err, "merging lists cannot yet be specified in the patch");
        } else {
            r = bad_patch_type(err, d, p);
        }
        if (r < 0) {
            json_decref(rest);
            return NULL;
        }
    }
    if (replace) {
        json_decref(*base);
        *base = clean(rest, false);
        json_array_clear(rest);
    }
    return rest;
}

/* Merges list patch into orig (owned) for a field with merge semantics; del marks a
 * $deleteFromPrimitiveList list. Returns the new list (owned) or NULL. */
static json_t *merge_slice(json_t *orig, const json_t *patch, sch s, const char *mk, bool del,
                           ck_err **err)
{
    json_t *base = NULL, *merged = NULL, *rest = NULL, *in, *server, *out = NULL, *plist;
    int kind;
    if (!json_array_size(orig) && !json_array_size(patch)) return orig;
    if (elem_kind(orig, patch, &kind, err) < 0) goto done;
    merged = json_array();
    if (kind != JSON_OBJECT) {
        for (size_t i = 0; i < json_array_size(orig); i++) {
            json_t *v = json_array_get(orig, i);
            if (index_of(del ? patch : merged, v, "", kind) < 0) json_array_append(merged, v);
        }
        if (del) { /* $deleteFromPrimitiveList keeps the live order as is */
            out = steal_pointer(&merged);
            goto done;
        }
        for (size_t i = 0; i < json_array_size(patch); i++) {
            json_t *v = json_array_get(patch, i);
            if (index_of(merged, v, "", kind) < 0) json_array_append_new(merged, json_deep_copy(v));
        }
        base = json_incref(orig);
        plist = (json_t *)patch; /* only read */
    } else {
        if (!*mk) {
            plain(err, "cannot merge lists without merge key for %s",
                  s.def ? s.def->name : "struct");
            goto done;
        }
        base = json_copy(orig); /* shallow: elements are shared and merged in place */
        if (!(rest = special_elements(&base, patch, mk, err))) goto done;
        json_array_extend(merged, base);
        for (size_t i = 0; i < json_array_size(rest); i++) {
            const json_t *p = json_array_get(rest, i), *kv = json_object_get(p, mk);
            if (!kv) {
                no_merge_key(err, p, mk);
                goto done;
            }
            size_t j = 0, n = json_array_size(merged);
            while (j < n && !json_equal(keyval(json_array_get(merged, j), mk), kv))
                j++;
            if (j == n) {
                json_array_append_new(merged, clean(p, false));
                continue;
            }
            json_t *r = merge_map(json_incref(json_array_get(merged, j)), p, s, err);
            if (!r) goto done;
            json_array_set_new(merged, j, r);
        }
        plist = rest;
    }
    if (partition(merged, plist, mk, &in, &server, err) == 0)
        out = normalize(in, server, plist, base, mk, kind, err);
done:
    json_decref(orig);
    json_decref(base);
    json_decref(merged);
    json_decref(rest);
    return out;
}

/* Applies a $retainKeys directive: checks every patch key is listed, then drops unlisted
 * keys from orig. */
static int retain_keys(json_t *orig, const json_t *patch, ck_err **err)
{
    const json_t *rk = json_object_get(patch, RETAIN_KEYS);
    if (!rk) return 0;
    if (!json_is_array(rk)) return bad(err, "retainKeys");
    const char *k;
    json_t *v, *tmp;
    json_object_foreach((json_t *)patch, k, v)
    {
        json_t *s = json_string(k);
        bool listed = index_of(rk, s, "", JSON_STRING) >= 0;
        json_decref(s);
        if (!listed && !json_is_null(v) && !has_prefix(k, DELETE_PREFIX) &&
            !has_prefix(k, ORDER_PREFIX) && !streq(k, RETAIN_KEYS))
            return bad(err, "retainKeys");
    }
    json_object_foreach_safe(orig, tmp, k, v)
    {
        json_t *s = json_string(k);
        if (index_of(rk, s, "", JSON_STRING) < 0) json_object_del(orig, k);
        json_decref(s);
    }
    return 0;
}

/* Upstream validatePatchWithSetOrderList: the patch list's items (deletions and directive
 * maps aside) must appear in the $setElementOrder list in the same relative order. */
static int check_order(const json_t *plist, const json_t *order, const char *mk, ck_err **err)
{
    size_t np = json_array_size(plist), no = json_array_size(order), pi = 0, oi = 0, n = 0;
    if (!np || !no) return 0;
    const json_t **items = xcalloc(np, sizeof *items);
    int r = 0;
    for (size_t i = 0; i < np && r == 0; i++) {
        const json_t *p = json_array_get(plist, i);
        if (*mk && !json_is_object(p))
            r = bad_arg(err, MAP_T, p);
        else if (!*mk || !directive_is(p, "delete"))
            items[n++] = p;
    }
    while (r == 0 && pi < n && oi < no) {
        const json_t *p = items[pi], *o = json_array_get(order, oi);
        if (json_is_object(p) && json_object_get(p, DIRECTIVE)) {
            pi++;
            continue;
        }
        bool eq = json_equal(p, o);
        if (*mk) {
            if (!json_is_object(o))
                r = bad_arg(err, MAP_T, o);
            else if (!json_object_get(p, mk))
                r = no_merge_key(err, p, mk);
            else if (!json_object_get(o, mk))
                r = no_merge_key(err, o, mk);
            else
                eq = json_equal(json_object_get(p, mk), json_object_get(o, mk));
        }
        pi += eq;
        oi++;
    }
    free(items);
    if (r == 0 && pi < n && oi >= no) {
        cleanup_free char *ps = go_str(plist);
        cleanup_free char *os = go_str(order);
        return plain(err, "The order in patch list:\n%s\n doesn't match %s list:\n%s\n", ps,
                     ORDER_PREFIX, os);
    }
    return r;
}

/* Processes every $setElementOrder/<key> directive: merges patch[key] into orig[key] and
 * orders the result. The keys handled here are skipped by the main merge loop. */
static int element_order(json_t *orig, const json_t *patch, sch s, ck_err **err)
{
    const char *k;
    json_t *order;
    json_object_foreach((json_t *)patch, k, order)
    {
        if (!has_prefix(k, ORDER_PREFIX)) continue;
        if (!json_is_array(order)) return bad_arg(err, LIST_T, order);
        if (k[strlen(ORDER_PREFIX)] != '/') return bad(err, "setElementOrder list");
        const char *key = k + strlen(ORDER_PREFIX) + 1;
        json_t *ol = json_object_get(orig, key), *merged = NULL, *in, *rest;
        const json_t *pl = json_object_get(patch, key);
        if (ol && !json_is_array(ol)) return bad_arg(err, LIST_T, ol);
        if (pl && !json_is_array(pl)) return bad_arg(err, LIST_T, pl);
        meta m = lookup(s, key);
        if (check_order(pl, order, m.merge_key, err) < 0) return -1;
        if (ol && !pl)
            merged = json_incref(ol);
        else if (!ol && pl)
            merged = clean(pl, true);
        else if (ol && pl && !streq(m.strategy, "merge"))
            merged = clean(pl, false);
        else if (ol && pl)
            merged = merge_slice(json_incref(ol), pl, m.sub, m.merge_key, false, err);
        else
            continue;
        if (!merged) return -1;
        int kind = 0;
        json_t *res = NULL;
        json_incref(ol); /* the live order must outlive the replacement below */
        if (partition(merged, order, m.merge_key, &in, &rest, err) == 0) {
            if (elem_kind(ol, pl, &kind, err) == 0) {
                res = normalize(in, rest, order, ol, m.merge_key, kind, err);
            } else {
                json_decref(in);
                json_decref(rest);
            }
        }
        json_decref(merged);
        json_decref(ol);
        if (!res) return -1;
        json_object_set_new(orig, key, res);
    }
    return 0;
}

/* True if patch carries $setElementOrder/<key>, i.e. element_order handled key. */
static bool ordered(const json_t *patch, const char *key)
{
    cleanup_free char *k = xasprintf("%s/%s", ORDER_PREFIX, key);
    return json_object_get(patch, k) != NULL;
}

/* Merges object patch into orig (owned). Returns the result (owned) or NULL. */
static json_t *merge_map(json_t *orig, const json_t *patch, sch s, ck_err **err)
{
    const json_t *d = json_object_get(patch, DIRECTIVE);
    if (d) {
        json_decref(orig);
        if (directive_is(patch, "replace")) return clean(patch, false);
        if (directive_is(patch, "delete")) return json_object();
        bad_patch_type(err, d, patch);
        return NULL;
    }
    if (retain_keys(orig, patch, err) < 0 || element_order(orig, patch, s, err) < 0) goto fail;
    const char *k;
    json_t *pv;
    json_object_foreach((json_t *)patch, k, pv)
    {
        const char *key = k;
        bool del = has_prefix(k, DELETE_PREFIX);
        if (streq(k, RETAIN_KEYS) || has_prefix(k, ORDER_PREFIX)) continue;
        if (del) {
            if (k[strlen(DELETE_PREFIX)] != '/') {
                bad(err, "primitive list");
                goto fail;
            }
            key = k + strlen(DELETE_PREFIX) + 1;
        }
        if (!del && ordered(patch, key)) continue;
        if (json_is_null(pv)) {
            json_object_del(orig, key);
            continue;
        }
        json_t *ov = json_object_get(orig, key), *r;
        if (!ov || kind_of(ov) != kind_of(pv)) {
            if (del) continue;
            r = clean(pv, true);
            if (r)
                json_object_set_new(orig, key, r);
            else
                json_object_del(orig, key);
            continue;
        }
        meta m = lookup(s, key);
        if (json_is_object(ov))
            r = streq(m.strategy, "replace") ? clean(pv, false)
                                             : merge_map(json_incref(ov), pv, m.sub, err);
        else if (json_is_array(ov))
            r = streq(m.strategy, "merge") || del
                    ? merge_slice(json_incref(ov), pv, m.sub, m.merge_key, del, err)
                    : clean(pv, false);
        else
            r = json_deep_copy(pv);
        if (!r) goto fail;
        json_object_set_new(orig, key, r);
    }
    return orig;
fail:
    json_decref(orig);
    return NULL;
}

int ck_strategic_merge_patch(const json_t *doc, const json_t *patch, const ck_def *def,
                             json_t **out, ck_err **err)
{
    *out = NULL;
    if (!json_is_object(doc)) return ck_error(err, 400, CK_BAD_REQUEST, "invalid JSON document");
    if (!patch || json_is_null(patch)) {
        *out = json_deep_copy(doc);
        return 0;
    }
    if (!json_is_object(patch))
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "json: cannot unmarshal %s into Go value of type " MAP_T,
                        json_is_array(patch)    ? "array"
                        : json_is_string(patch) ? "string"
                        : json_is_number(patch) ? "number"
                                                : "bool");
    bool generated = def && ck_schema_def(ck_schema_def_index(def->name)) == def;
    sch s = {.def = def, .tbl = generated ? NULL : def};
    json_t *r = merge_map(json_deep_copy(doc), patch, s, err);
    if (!r) return -1;
    *out = r;
    return 0;
}
