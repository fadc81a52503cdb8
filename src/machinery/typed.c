/* Typed walks over JSON values for server-side apply: field sets, comparison, merge and
 * prune, after upstream structured-merge-diff (typed/tofieldset.go, compare.go, merge.go,
 * remove.go and merge/update.go's prune). Each walk visits a value once; list items are
 * matched through sorted indexes, so the cost is O(n log n) in the list length. */
#include "machinery/typed.h"

#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

/* ---- the schema seen as upstream's atoms ---- */

typedef enum { ST_SCALAR, ST_UNTYPED, ST_DEDUCED, ST_STRUCT, ST_MAP, ST_LIST } st_kind;

typedef struct stype {
    st_kind kind;
    bool atomic;
    const ck_def *def; /* ST_STRUCT */
    uint8_t elem_type; /* ST_MAP / ST_LIST element */
    const ck_def *elem_def;
    bool associative; /* ST_LIST */
    const char *keys; /* ST_LIST: list-map keys, comma-separated; NULL for a set */
} stype;

static bool is_atomic(const char *map_type)
{
    return map_type && streq(map_type, "atomic");
}

static stype object_type(const ck_def *d, const char *map_type)
{
    if (!d) return (stype){.kind = ST_DEDUCED};
    if (d->type == CK_T_ANY) return (stype){.kind = ST_UNTYPED};
    if (d->type != CK_T_OBJECT) return (stype){.kind = ST_SCALAR};
    bool atomic = is_atomic(map_type) || is_atomic(d->map_type);
    if (d->nfields == 0) return (stype){.kind = atomic ? ST_UNTYPED : ST_DEDUCED};
    return (stype){.kind = ST_STRUCT, .atomic = atomic, .def = d};
}

/* Type of a list item or map value: only the item's own definition is known. */
static stype elem_type(uint8_t type, const ck_def *d)
{
    switch (type) {
    case CK_T_OBJECT:
        return object_type(d, NULL);
    case CK_T_MAP:
        return (stype){.kind = ST_DEDUCED};
    case CK_T_ARRAY:
        return (stype){.kind = ST_LIST, .atomic = true, .elem_type = CK_T_ANY};
    case CK_T_ANY:
        return (stype){.kind = ST_UNTYPED};
    default:
        return (stype){.kind = d && d->type == CK_T_ANY ? ST_UNTYPED : ST_SCALAR};
    }
}

/* List relationship as upstream's schema conversion decides it: x-kubernetes-list-type,
 * else a "merge" patch strategy (keyed by the merge key, or a set), else atomic. */
static stype list_type(const ck_field *f, const ck_def *d)
{
    stype t = {.kind = ST_LIST, .elem_type = f->elem_type, .elem_def = d};
    if (f->list_type) {
        if (streq(f->list_type, "set")) {
            t.associative = true;
        } else if (streq(f->list_type, "map")) {
            t.associative = true;
            t.keys = f->list_map_keys;
        } else {
            t.atomic = true;
        }
    } else if (f->patch_strategy && (streq(f->patch_strategy, "merge") ||
                                     streq(f->patch_strategy, "merge,retainKeys"))) {
        t.associative = true;
        t.keys = f->merge_key;
    } else {
        t.atomic = true;
    }
    return t;
}

static stype field_type(const ck_field *f)
{
    const ck_def *d = ck_schema_field_def(f);
    switch (f->type) {
    case CK_T_OBJECT:
        return object_type(d, f->map_type);
    case CK_T_MAP:
        return (stype){.kind = ST_MAP,
                       .atomic = is_atomic(f->map_type),
                       .elem_type = f->elem_type,
                       .elem_def = d};
    case CK_T_ARRAY:
        return list_type(f, d);
    case CK_T_ANY:
        return (stype){.kind = ST_UNTYPED};
    default:
        return (stype){.kind = d && d->type == CK_T_ANY ? ST_UNTYPED : ST_SCALAR};
    }
}

static stype root_type(const ck_def *def)
{
    return object_type(def, NULL);
}

/* Type of map entry `key` under t; *named says it is a field the struct declares. */
static stype child_type(const stype *t, const char *key, bool *named)
{
    *named = false;
    if (t->kind == ST_STRUCT) {
        const ck_field *f = ck_schema_field(t->def, key);
        if (!f) return (stype){.kind = ST_UNTYPED};
        *named = true;
        return field_type(f);
    }
    if (t->kind == ST_MAP) return elem_type(t->elem_type, t->elem_def);
    return (stype){.kind = ST_DEDUCED};
}

static stype item_type(const stype *t)
{
    return elem_type(t->elem_type, t->elem_def);
}

typedef enum { N_LEAF, N_MAP, N_LIST } nkind;

/* How a value of type t is walked (upstream's deduceAtom + handleAtom). */
static nkind node_kind(const stype *t, const json_t *v)
{
    switch (t->kind) {
    case ST_SCALAR:
    case ST_UNTYPED:
        return N_LEAF;
    case ST_DEDUCED:
        return json_is_object(v) || json_is_null(v) ? N_MAP : N_LEAF;
    case ST_STRUCT:
    case ST_MAP:
        if (!json_is_object(v) && !json_is_null(v)) return N_LEAF;
        return t->atomic ? N_LEAF : N_MAP;
    default:
        if (!json_is_array(v) && !json_is_null(v)) return N_LEAF;
        return t->atomic ? N_LEAF : N_LIST;
    }
}

static bool empty_value(const json_t *v)
{
    return !v || json_is_null(v) || (json_is_object(v) && json_object_size(v) == 0) ||
           (json_is_array(v) && json_array_size(v) == 0);
}

/* The walk for a pair of values (either may be absent, not both); two empty containers
 * are one leaf, as upstream's emptyPromoteToLeaf. */
static nkind pair_kind(const stype *t, const json_t *l, const json_t *r)
{
    nkind kl = l ? node_kind(t, l) : N_LEAF, kr = r ? node_kind(t, r) : N_LEAF;
    if (l && r && kl != kr) return N_LEAF;
    nkind k = r ? kr : kl;
    if (k != N_LEAF && empty_value(l) && empty_value(r)) return N_LEAF;
    return k;
}

/* ---- walk context: the current path, for error messages ---- */

typedef struct tctx {
    const ck_pe **path;
    size_t n, cap;
    char *msg;
} tctx;

static void enter(tctx *c, const ck_pe *pe)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->path = xrealloc(c->path, c->cap * sizeof *c->path);
    }
    c->path[c->n++] = pe;
}

static void leave(tctx *c)
{
    c->n--;
}

static void fail(tctx *c, const char *what)
{
    if (c->msg) return;
    char *p = ck_path_string(c->path, c->n);
    c->msg = xasprintf("%s: %s", p, what);
    free(p);
}

/* Defaults of list-map key fields that the upstream OpenAPI v3 spec declares (the v2
 * spec our table comes from does not carry them). */
static const struct {
    const char *def, *field, *value;
} key_defaults[] = {
    {"io.k8s.api.core.v1.ContainerPort", "protocol", "TCP"},
    {"io.k8s.api.core.v1.ServicePort", "protocol", "TCP"},
};

static const char *key_default(const ck_def *d, const char *field)
{
    for (size_t i = 0; d && i < ARRAY_SIZE(key_defaults); i++)
        if (streq(d->name, key_defaults[i].def) && streq(field, key_defaults[i].field))
            return key_defaults[i].value;
    return NULL;
}

/* The path element of list item v (upstream listItemToPathElement). */
static int item_pe(tctx *c, const stype *t, const json_t *v, size_t index, ck_pe *out)
{
    const char *err = NULL;
    if (t->keys) {
        if (json_is_null(v))
            err = "associative list with keys may not have a null element";
        else if (!json_is_object(v))
            err = "associative list with keys may not have non-map elements";
    } else if (json_is_object(v)) {
        err = "associative list without keys has an element that's a map type";
    } else if (json_is_array(v)) {
        err = "not supported: associative list with lists as elements";
    } else if (json_is_null(v)) {
        err = "associative list without keys has an element that's an explicit null";
    }
    if (!err && !t->keys) {
        *out = (ck_pe){.kind = CK_PE_VALUE, .val = json_incref((json_t *)v)};
        return 0;
    }
    if (!err) {
        /* Key fields in name order; the csv lists them in schema order. */
        const char *names[8];
        size_t n = 0;
        char *keys = xstrdup(t->keys), *save = NULL;
        for (char *k = strtok_r(keys, ",", &save); k && n < ARRAY_SIZE(names);
             k = strtok_r(NULL, ",", &save))
            names[n++] = k;
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
                const char *x = names[j];
                names[j] = names[j - 1];
                names[j - 1] = x;
            }
        json_t *key = json_object();
        for (size_t i = 0; i < n; i++) {
            json_t *kv = json_object_get(v, names[i]);
            const char *def = kv ? NULL : key_default(t->elem_def, names[i]);
            if (kv)
                json_object_set(key, names[i], kv);
            else if (def)
                json_object_set_new(key, names[i], json_string(def));
        }
        free(keys);
        if (json_object_size(key) > 0) {
            *out = (ck_pe){.kind = CK_PE_KEY, .val = key};
            return 0;
        }
        json_decref(key);
        /* The key names as Go's %q prints a string slice: ["a" "b"]. */
        ck_strbuf q = {0};
        ck_strbuf_putc(&q, '[');
        char *all = xstrdup(t->keys), *save2 = NULL;
        for (char *k = strtok_r(all, ",", &save2); k; k = strtok_r(NULL, ",", &save2)) {
            char *qk = ck_go_quote(k);
            if (q.len > 1) ck_strbuf_putc(&q, ' ');
            ck_strbuf_puts(&q, qk);
            free(qk);
        }
        ck_strbuf_putc(&q, ']');
        free(all);
        char *m = xasprintf("element %zu: associative list with keys has an element that omits "
                            "all key fields %s (and doesn't have default values for any key "
                            "fields)",
                            index, q.s);
        free(q.s);
        fail(c, m);
        free(m);
        return -1;
    }
    char *m = xasprintf("element %zu: %s", index, err);
    fail(c, m);
    free(m);
    return -1;
}

/* The items of a list with their path elements, and an index sorted by element. */
typedef struct items {
    size_t n, m; /* items; items with a valid path element */
    ck_pe *pe;
    bool *ok;    /* the item has a path element */
    size_t *idx; /* the m valid positions sorted by (pe, position) */
} items;

static int idx_cmp(const void *a, const void *b, void *base)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = ck_pe_compare(&((const ck_pe *)base)[x], &((const ck_pe *)base)[y]);
    return c ? c : (x < y ? -1 : x > y);
}

static int index_items(tctx *c, const stype *t, const json_t *list, items *it)
{
    memset(it, 0, sizeof *it);
    it->n = json_is_array(list) ? json_array_size(list) : 0;
    it->pe = xcalloc(it->n + 1, sizeof *it->pe);
    it->ok = xcalloc(it->n + 1, sizeof *it->ok);
    it->idx = xcalloc(it->n + 1, sizeof *it->idx);
    int r = 0;
    for (size_t i = 0; i < it->n; i++) {
        if (item_pe(c, t, json_array_get(list, i), i, &it->pe[i]) < 0) {
            r = -1;
        } else {
            it->ok[i] = true;
            it->idx[it->m++] = i;
        }
    }
    qsort_r(it->idx, it->m, sizeof *it->idx, idx_cmp, it->pe);
    return r;
}

static void items_free(items *it)
{
    for (size_t i = 0; i < it->n; i++)
        ck_pe_clear(&it->pe[i]);
    free(it->pe);
    free(it->ok);
    free(it->idx);
}

/* Number of items with element pe (0: absent) and the position of the first. */
static size_t lookup(const items *it, const ck_pe *pe, size_t *pos)
{
    size_t lo = 0, hi = it->m;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ck_pe_compare(&it->pe[it->idx[mid]], pe) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t k = lo;
    while (k < it->m && ck_pe_compare(&it->pe[it->idx[k]], pe) == 0)
        k++;
    if (k > lo && pos) *pos = it->idx[lo];
    return k - lo;
}

/* ---- field sets ---- */

/* The set below v; *self says whether v's own path is a member. */
static ck_fieldset *tfs(tctx *c, const json_t *v, const stype *t, bool *self)
{
    *self = false;
    nkind k = node_kind(t, v);
    if (k == N_LEAF) {
        *self = true;
        return NULL;
    }
    ck_fieldset *s = ck_fs_new();
    if (k == N_MAP && json_is_object(v)) {
        const char *key;
        json_t *cv;
        json_object_foreach((json_t *)v, key, cv)
        {
            bool named, cself;
            stype ct = child_type(t, key, &named);
            ck_pe pe = ck_pe_field(key);
            enter(c, &pe);
            if (t->kind == ST_STRUCT && !named) fail(c, "field not declared in schema");
            ck_fieldset *cs = tfs(c, cv, &ct, &cself);
            leave(c);
            bool member = cself || json_is_null(cv) ||
                          (json_is_object(cv) && json_object_size(cv) == 0) || !named;
            ck_fs_add(s, pe, member, cs);
        }
    } else if (k == N_LIST && json_is_array(v)) {
        stype et = item_type(t);
        items it;
        index_items(c, t, v, &it);
        for (size_t i = 0; i < it.n; i++) {
            size_t first = 0;
            if (!it.ok[i]) continue;
            if (lookup(&it, &it.pe[i], &first) > 1) {
                /* Duplicates are owned as one member, without their contents. */
                if (first == i) ck_fs_add(s, ck_pe_copy(&it.pe[i]), true, NULL);
                continue;
            }
            bool cself;
            enter(c, &it.pe[i]);
            ck_fieldset *cs = tfs(c, json_array_get(v, i), &et, &cself);
            leave(c);
            ck_fs_add(s, ck_pe_copy(&it.pe[i]), true, cs);
        }
        items_free(&it);
    }
    ck_fs_seal(s);
    if (s->n == 0) {
        ck_fs_free(s);
        s = NULL;
    }
    return s;
}

int ck_typed_fieldset(const json_t *v, const ck_def *def, ck_fieldset **out, char **msg)
{
    tctx c = {0};
    stype t = root_type(def);
    bool self;
    *out = tfs(&c, v, &t, &self);
    free(c.path);
    *msg = c.msg;
    if (c.msg) {
        ck_fs_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* ---- comparison ---- */

enum { ADDED, MODIFIED, REMOVED };
typedef struct cres {
    ck_fieldset *s[3];
    bool self[3];
} cres;

static void cres_add(cres *o, const ck_pe *pe, cres *child)
{
    for (int i = 0; i < 3; i++) {
        if (!child->self[i] && !child->s[i]) continue;
        if (!o->s[i]) o->s[i] = ck_fs_new();
        ck_fs_add(o->s[i], ck_pe_copy(pe), child->self[i], child->s[i]);
        child->s[i] = NULL;
    }
}

static void cres_mark(cres *o, int which, const ck_pe *pe)
{
    cres m = {0};
    m.self[which] = true;
    cres_add(o, pe, &m);
}

static void cmp(tctx *c, const json_t *l, const json_t *r, const stype *t, cres *o);

static void cmp_map(tctx *c, const json_t *l, const json_t *r, const stype *t, cres *o)
{
    const json_t *lm = json_is_object(l) ? l : NULL, *rm = json_is_object(r) ? r : NULL;
    const char *key;
    json_t *cv;
    json_object_foreach((json_t *)lm, key, cv)
    {
        bool named;
        stype ct = child_type(t, key, &named);
        ck_pe pe = {.kind = CK_PE_FIELD, .name = (char *)key};
        cres co = {0};
        enter(c, &pe);
        cmp(c, cv, rm ? json_object_get(rm, key) : NULL, &ct, &co);
        leave(c);
        cres_add(o, &pe, &co);
    }
    json_object_foreach((json_t *)rm, key, cv)
    {
        if (lm && json_object_get(lm, key)) continue;
        bool named;
        stype ct = child_type(t, key, &named);
        ck_pe pe = {.kind = CK_PE_FIELD, .name = (char *)key};
        cres co = {0};
        enter(c, &pe);
        cmp(c, NULL, cv, &ct, &co);
        leave(c);
        cres_add(o, &pe, &co);
    }
}

static bool same_items(const json_t *l, const items *li, const json_t *r, const items *ri,
                       const ck_pe *pe)
{
    size_t i = 0, j = 0;
    for (;;) {
        while (i < li->n && (!li->ok[i] || ck_pe_compare(&li->pe[i], pe)))
            i++;
        while (j < ri->n && (!ri->ok[j] || ck_pe_compare(&ri->pe[j], pe)))
            j++;
        if (i >= li->n || j >= ri->n) return i >= li->n && j >= ri->n;
        if (!ck_value_equal(json_array_get(l, i++), json_array_get(r, j++))) return false;
    }
}

static void cmp_list(tctx *c, const json_t *l, const json_t *r, const stype *t, cres *o)
{
    stype et = item_type(t);
    items li, ri;
    index_items(c, t, l, &li);
    index_items(c, t, r, &ri);
    /* Elements in order of first appearance: the old list's, then the new ones. */
    for (int side = 0; side < 2; side++) {
        const items *it = side ? &ri : &li;
        for (size_t i = 0; i < it->n; i++) {
            size_t first = 0, lpos = 0, rpos = 0;
            if (!it->ok[i] || !lookup(it, &it->pe[i], &first) || first != i) continue;
            const ck_pe *pe = &it->pe[i];
            size_t ln = lookup(&li, pe, &lpos), rn = lookup(&ri, pe, &rpos);
            if (side == 1 && ln > 0) continue;
            const json_t *lv = ln ? json_array_get(l, lpos) : NULL;
            const json_t *rv = rn ? json_array_get(r, rpos) : NULL;
            cres co = {0};
            enter(c, pe);
            if (ln <= 1 && rn <= 1) {
                cmp(c, lv, rv, &et, &co);
                cres_add(o, pe, &co);
            } else if (ln >= 2 && rn >= 2) {
                if (!same_items(l, &li, r, &ri, pe)) cres_mark(o, MODIFIED, pe);
            } else if (ln >= 2) {
                if (rn) {
                    cmp(c, NULL, rv, &et, &co);
                    cres_add(o, pe, &co);
                }
                cres_mark(o, REMOVED, pe);
            } else {
                if (ln) {
                    cmp(c, lv, NULL, &et, &co);
                    cres_add(o, pe, &co);
                }
                cres_mark(o, ADDED, pe);
            }
            leave(c);
        }
    }
    items_free(&li);
    items_free(&ri);
}

static void cmp(tctx *c, const json_t *l, const json_t *r, const stype *t, cres *o)
{
    nkind k = pair_kind(t, l, r);
    if (k == N_LEAF) {
        if (!l)
            o->self[ADDED] = true;
        else if (!r)
            o->self[REMOVED] = true;
        else if (!ck_value_equal(l, r))
            o->self[MODIFIED] = true;
        return;
    }
    if (k == N_MAP)
        cmp_map(c, l, r, t, o);
    else
        cmp_list(c, l, r, t, o);
    for (int i = 0; i < 3; i++)
        ck_fs_seal(o->s[i]);
    if (!l)
        o->self[ADDED] = true;
    else if (!r)
        o->self[REMOVED] = true;
}

int ck_typed_compare(const json_t *lhs, const json_t *rhs, const ck_def *def, ck_comparison *out,
                     char **msg)
{
    tctx c = {0};
    stype t = root_type(def);
    cres o = {0};
    cmp(&c, lhs, rhs, &t, &o);
    free(c.path);
    out->added = o.s[ADDED];
    out->modified = o.s[MODIFIED];
    out->removed = o.s[REMOVED];
    *msg = c.msg;
    return c.msg ? -1 : 0;
}

void ck_comparison_clear(ck_comparison *c)
{
    ck_fs_free(c->added);
    ck_fs_free(c->modified);
    ck_fs_free(c->removed);
    memset(c, 0, sizeof *c);
}

/* ---- merge ---- */

static json_t *mrg(tctx *c, const json_t *l, const json_t *r, const stype *t);

static void put(json_t *o, const char *key, json_t *v)
{
    if (v && !json_is_null(v))
        json_object_set_new(o, key, v);
    else
        json_decref(v);
}

static json_t *mrg_map(tctx *c, const json_t *l, const json_t *r, const stype *t)
{
    const json_t *lm = json_is_object(l) ? l : NULL, *rm = json_is_object(r) ? r : NULL;
    json_t *out = json_object();
    const char *key;
    json_t *cv;
    json_object_foreach((json_t *)lm, key, cv)
    {
        bool named;
        stype ct = child_type(t, key, &named);
        ck_pe pe = {.kind = CK_PE_FIELD, .name = (char *)key};
        enter(c, &pe);
        put(out, key, mrg(c, cv, rm ? json_object_get(rm, key) : NULL, &ct));
        leave(c);
    }
    json_object_foreach((json_t *)rm, key, cv)
    {
        if (lm && json_object_get(lm, key)) continue;
        bool named;
        stype ct = child_type(t, key, &named);
        ck_pe pe = {.kind = CK_PE_FIELD, .name = (char *)key};
        enter(c, &pe);
        put(out, key, mrg(c, NULL, cv, &ct));
        leave(c);
    }
    return out;
}

static void append_item(tctx *c, json_t *out, const ck_pe *pe, const json_t *l, const json_t *r,
                        const stype *et)
{
    enter(c, pe);
    json_t *v = mrg(c, l, r, et);
    leave(c);
    if (v) json_array_append_new(out, v);
}

/* Upstream's ordering: the applied items keep their order, old items not applied stay
 * where they were relative to the shared ones. */
static json_t *mrg_list(tctx *c, const json_t *l, const json_t *r, const stype *t)
{
    stype et = item_type(t);
    items li, ri;
    json_t *out = json_array();
    int rc = index_items(c, t, l, &li);
    if (index_items(c, t, r, &ri) < 0) rc = -1;
    for (size_t j = 0; rc == 0 && j < ri.n; j++) {
        size_t first = 0;
        if (lookup(&ri, &ri.pe[j], &first) > 1) {
            char *d = ck_path_string((const ck_pe *[]){&ri.pe[j]}, 1);
            char *m = xasprintf("duplicate entries for key %s", d);
            fail(c, m);
            free(m);
            free(d);
            rc = -1;
        }
    }
    if (rc < 0) goto done;
    size_t *shared = xcalloc(ri.n + 1, sizeof *shared), ns = 0, si = 0;
    bool *merged = xcalloc(ri.n + 1, sizeof *merged);
    for (size_t j = 0; j < ri.n; j++)
        if (lookup(&li, &ri.pe[j], NULL)) shared[ns++] = j;
    const ck_pe *next = si < ns ? &ri.pe[shared[si++]] : NULL;
    size_t lI = 0, rI = 0, pos;
    while (lI < li.n || rI < ri.n) {
        if (lI < li.n && rI < ri.n) {
            const ck_pe *pe = &li.pe[lI];
            if (ck_pe_compare(pe, &ri.pe[rI]) == 0) {
                merged[rI] = true;
                lookup(&li, pe, &pos);
                append_item(c, out, pe, json_array_get(l, pos), json_array_get(r, rI), &et);
                lI++;
                rI++;
                next = si < ns ? &ri.pe[shared[si++]] : NULL;
                continue;
            }
            if (lookup(&ri, pe, NULL) && next && ck_pe_compare(next, pe) != 0) {
                lI++;
                continue;
            }
        }
        if (lI < li.n) {
            const ck_pe *pe = &li.pe[lI];
            if (!lookup(&ri, pe, &pos)) {
                append_item(c, out, pe, json_array_get(l, lI), NULL, &et);
                lI++;
                continue;
            } else if (merged[pos]) {
                lI++;
            }
        }
        if (rI < ri.n) {
            const ck_pe *pe = &ri.pe[rI];
            merged[rI] = true;
            const json_t *lv = lookup(&li, pe, &pos) ? json_array_get(l, pos) : NULL;
            append_item(c, out, pe, lv, json_array_get(r, rI), &et);
            rI++;
            if (next && ck_pe_compare(next, pe) == 0) next = si < ns ? &ri.pe[shared[si++]] : NULL;
        }
    }
    free(shared);
    free(merged);
done:
    items_free(&li);
    items_free(&ri);
    return out;
}

static json_t *mrg(tctx *c, const json_t *l, const json_t *r, const stype *t)
{
    nkind k = pair_kind(t, l, r);
    if (k == N_LEAF) return json_deep_copy(r ? r : l);
    json_t *out = k == N_MAP ? mrg_map(c, l, r, t) : mrg_list(c, l, r, t);
    if ((json_is_object(out) && json_object_size(out) == 0) ||
        (json_is_array(out) && json_array_size(out) == 0)) {
        json_decref(out);
        return NULL;
    }
    return out;
}

json_t *ck_typed_merge(const json_t *lhs, const json_t *rhs, const ck_def *def, char **msg)
{
    tctx c = {0};
    stype t = root_type(def);
    json_t *out = mrg(&c, lhs, rhs, &t);
    free(c.path);
    *msg = c.msg;
    if (c.msg) {
        json_decref(out);
        return NULL;
    }
    return out ? out : json_object();
}

/* ---- prune ---- */

/* Whether the entry owns its node: a member, or (for a field the struct declares, as
 * upstream's EnsureNamedFieldsAreMembers) anything below it. */
static bool owns(const ck_fsent *e, bool named)
{
    return e && (e->member || (named && e->child));
}

static bool prune(json_t *v, const stype *t, const ck_fieldset *last, const ck_fieldset *keep)
{
    if (ck_fs_empty(last)) return false;
    bool removed = false;
    nkind k = node_kind(t, v);
    if (k == N_MAP && json_is_object(v)) {
        const char *key;
        json_t *cv;
        void *tmp;
        json_object_foreach_safe(v, tmp, key, cv)
        {
            ck_fsent *le = ck_fs_find_field(last, key);
            if (!le) continue;
            bool named;
            stype ct = child_type(t, key, &named);
            named = named && t->kind == ST_STRUCT;
            ck_fsent *ke = ck_fs_find_field(keep, key);
            if (owns(le, named) && !owns(ke, named)) {
                json_object_del(v, key);
                removed = true;
            } else if (le->child && prune(cv, &ct, le->child, ke ? ke->child : NULL)) {
                removed = true;
                if (empty_value(cv)) json_object_del(v, key);
            }
        }
    } else if (k == N_LIST && json_is_array(v)) {
        stype et = item_type(t);
        tctx c = {0};
        for (size_t i = json_array_size(v); i-- > 0;) {
            ck_pe pe;
            if (item_pe(&c, t, json_array_get(v, i), i, &pe) < 0) continue;
            ck_fsent *le = ck_fs_find(last, &pe), *ke = ck_fs_find(keep, &pe);
            if (le && owns(le, false) && !owns(ke, false)) {
                json_array_remove(v, i);
                removed = true;
            } else if (le && le->child &&
                       prune(json_array_get(v, i), &et, le->child, ke ? ke->child : NULL)) {
                removed = true;
            }
            ck_pe_clear(&pe);
        }
        free(c.path);
        free(c.msg);
    }
    return removed;
}

void ck_typed_prune(json_t *v, const ck_fieldset *last, const ck_fieldset *keep, const ck_def *def)
{
    stype t = root_type(def);
    prune(v, &t, last, keep);
}
