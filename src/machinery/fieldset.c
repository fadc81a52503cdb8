/* Field sets (upstream fieldpath.Set) and their FieldsV1 encoding. Levels are sorted
 * arrays, so union, difference and intersection are linear merges. */
#include "machinery/fieldset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

/* ---- path elements ---- */

ck_pe ck_pe_field(const char *name)
{
    return (ck_pe){.kind = CK_PE_FIELD, .name = xstrdup(name)};
}

ck_pe ck_pe_copy(const ck_pe *pe)
{
    ck_pe c = *pe;
    if (c.name) c.name = xstrdup(c.name);
    if (c.val) json_incref(c.val);
    return c;
}

void ck_pe_clear(ck_pe *pe)
{
    free(pe->name);
    json_decref(pe->val);
    memset(pe, 0, sizeof *pe);
}

/* Key field lists compare field by field: name, then value. */
static int key_compare(const json_t *a, const json_t *b)
{
    void *ia = json_object_iter((json_t *)a), *ib = json_object_iter((json_t *)b);
    for (;;) {
        if (!ia && !ib) return 0;
        if (!ia) return -1;
        if (!ib) return 1;
        int c = strcmp(json_object_iter_key(ia), json_object_iter_key(ib));
        if (c) return c < 0 ? -1 : 1;
        c = ck_value_compare(json_object_iter_value(ia), json_object_iter_value(ib));
        if (c) return c;
        ia = json_object_iter_next((json_t *)a, ia);
        ib = json_object_iter_next((json_t *)b, ib);
    }
}

int ck_pe_compare(const ck_pe *a, const ck_pe *b)
{
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    switch (a->kind) {
    case CK_PE_FIELD: {
        int c = strcmp(a->name, b->name);
        return c < 0 ? -1 : c > 0;
    }
    case CK_PE_KEY:
        return key_compare(a->val, b->val);
    case CK_PE_VALUE:
        return ck_value_compare(a->val, b->val);
    default:
        return a->index < b->index ? -1 : a->index > b->index;
    }
}

char *ck_pe_serialize(const ck_pe *pe)
{
    ck_strbuf b = {0};
    char tmp[32];
    switch (pe->kind) {
    case CK_PE_FIELD:
        ck_strbuf_puts(&b, "f:");
        ck_strbuf_puts(&b, pe->name);
        break;
    case CK_PE_KEY: {
        /* The key fields in their (sorted) order. */
        ck_strbuf_puts(&b, "k:{");
        const char *k;
        json_t *v;
        bool first = true;
        json_object_foreach(pe->val, k, v)
        {
            if (!first) ck_strbuf_putc(&b, ',');
            first = false;
            ck_value_go_string(&b, k, strlen(k));
            ck_strbuf_putc(&b, ':');
            ck_value_go_json(&b, v);
        }
        ck_strbuf_putc(&b, '}');
        break;
    }
    case CK_PE_VALUE:
        ck_strbuf_puts(&b, "v:");
        ck_value_go_json(&b, pe->val);
        break;
    default:
        snprintf(tmp, sizeof tmp, "i:%lld", pe->index);
        ck_strbuf_puts(&b, tmp);
    }
    return b.s;
}

int ck_pe_parse(const char *s, ck_pe *out)
{
    memset(out, 0, sizeof *out);
    if (strlen(s) < 2 || s[1] != ':') return -1;
    const char *rest = s + 2;
    json_t *v;
    char *end;
    switch (s[0]) {
    case 'f':
        *out = ck_pe_field(rest);
        return 0;
    case 'v':
        v = json_loads(rest, JSON_DECODE_ANY, NULL);
        if (!v) return -1;
        *out = (ck_pe){.kind = CK_PE_VALUE, .val = v};
        return 0;
    case 'k':
        v = json_loads(rest, 0, NULL);
        if (!json_is_object(v)) {
            json_decref(v);
            return -1;
        }
        *out = (ck_pe){.kind = CK_PE_KEY, .val = ck_value_sorted_object(v)};
        json_decref(v);
        return 0;
    case 'i':
        out->kind = CK_PE_INDEX;
        out->index = strtoll(rest, &end, 10);
        return *rest && !*end ? 0 : -1;
    default:
        return 1;
    }
}

void ck_pe_describe(const ck_pe *pe, char **buf, size_t *len)
{
    ck_strbuf b = {.s = *buf, .len = *len, .cap = *buf ? *len + 1 : 0};
    char tmp[32];
    switch (pe->kind) {
    case CK_PE_FIELD:
        ck_strbuf_putc(&b, '.');
        ck_strbuf_puts(&b, pe->name);
        break;
    case CK_PE_KEY: {
        ck_strbuf_putc(&b, '[');
        const char *k;
        json_t *v;
        bool first = true;
        json_object_foreach(pe->val, k, v)
        {
            if (!first) ck_strbuf_putc(&b, ',');
            first = false;
            ck_strbuf_puts(&b, k);
            ck_strbuf_putc(&b, '=');
            ck_value_describe(&b, v);
        }
        ck_strbuf_putc(&b, ']');
        break;
    }
    case CK_PE_VALUE:
        ck_strbuf_puts(&b, "[=");
        ck_value_describe(&b, pe->val);
        ck_strbuf_putc(&b, ']');
        break;
    default:
        snprintf(tmp, sizeof tmp, "[%lld]", pe->index);
        ck_strbuf_puts(&b, tmp);
    }
    *buf = b.s;
    *len = b.len;
}

char *ck_path_string(const ck_pe *const *path, size_t n)
{
    char *s = NULL;
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        ck_pe_describe(path[i], &s, &len);
    return s ? s : xstrdup("");
}

/* ---- sets ---- */

ck_fieldset *ck_fs_new(void)
{
    return xcalloc(1, sizeof(ck_fieldset));
}

void ck_fs_free(ck_fieldset *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) {
        ck_pe_clear(&s->v[i].pe);
        ck_fs_free(s->v[i].child);
    }
    free(s->v);
    free(s);
}

bool ck_fs_empty(const ck_fieldset *s)
{
    return !s || s->n == 0;
}

static void push(ck_fieldset *s, ck_pe pe, bool member, ck_fieldset *child)
{
    if (ck_fs_empty(child)) {
        ck_fs_free(child);
        child = NULL;
    }
    if (!member && !child) {
        ck_pe_clear(&pe);
        return;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = (ck_fsent){.pe = pe, .member = member, .child = child};
}

void ck_fs_add(ck_fieldset *s, ck_pe pe, bool member, ck_fieldset *child)
{
    size_t n = s->n;
    push(s, pe, member, child);
    if (s->n > n && n > 0 && ck_pe_compare(&s->v[n - 1].pe, &s->v[n].pe) >= 0) s->unsorted = true;
}

static int ent_cmp(const void *a, const void *b)
{
    return ck_pe_compare(&((const ck_fsent *)a)->pe, &((const ck_fsent *)b)->pe);
}

void ck_fs_seal(ck_fieldset *s)
{
    if (!s || !s->unsorted) return;
    s->unsorted = false;
    qsort(s->v, s->n, sizeof *s->v, ent_cmp);
    size_t w = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (w > 0 && ck_pe_compare(&s->v[w - 1].pe, &s->v[i].pe) == 0) {
            ck_fsent *d = &s->v[w - 1];
            d->member = d->member || s->v[i].member;
            ck_fieldset *u = ck_fs_union(d->child, s->v[i].child);
            ck_fs_free(d->child);
            ck_fs_free(s->v[i].child);
            d->child = u;
            ck_pe_clear(&s->v[i].pe);
        } else {
            s->v[w++] = s->v[i];
        }
    }
    s->n = w;
}

ck_fsent *ck_fs_find(const ck_fieldset *s, const ck_pe *pe)
{
    if (!s) return NULL;
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = ck_pe_compare(&s->v[mid].pe, pe);
        if (c == 0) return &s->v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

ck_fsent *ck_fs_find_field(const ck_fieldset *s, const char *name)
{
    ck_pe pe = {.kind = CK_PE_FIELD, .name = (char *)name};
    return ck_fs_find(s, &pe);
}

void ck_fs_remove(ck_fieldset *s, const ck_pe *pe)
{
    ck_fsent *e = ck_fs_find(s, pe);
    if (!e) return;
    ck_pe_clear(&e->pe);
    ck_fs_free(e->child);
    size_t i = (size_t)(e - s->v);
    memmove(e, e + 1, (s->n - i - 1) * sizeof *e);
    s->n--;
}

ck_fieldset *ck_fs_copy(const ck_fieldset *s)
{
    if (ck_fs_empty(s)) return NULL;
    ck_fieldset *c = ck_fs_new();
    for (size_t i = 0; i < s->n; i++)
        push(c, ck_pe_copy(&s->v[i].pe), s->v[i].member, ck_fs_copy(s->v[i].child));
    return c;
}

static ck_fieldset *nonempty(ck_fieldset *s)
{
    if (s && s->n == 0) {
        ck_fs_free(s);
        return NULL;
    }
    return s;
}

typedef enum { OP_UNION, OP_DIFF, OP_INTER, OP_RDIFF } setop;

/* One linear merge of two sorted levels. */
static ck_fieldset *combine(const ck_fieldset *a, const ck_fieldset *b, setop op)
{
    ck_fieldset *out = ck_fs_new();
    size_t na = a ? a->n : 0, nb = b ? b->n : 0, i = 0, j = 0;
    while (i < na || j < nb) {
        int c = i >= na ? 1 : j >= nb ? -1 : ck_pe_compare(&a->v[i].pe, &b->v[j].pe);
        if (c < 0) { /* only in a */
            if (op != OP_INTER)
                push(out, ck_pe_copy(&a->v[i].pe), a->v[i].member, ck_fs_copy(a->v[i].child));
            i++;
        } else if (c > 0) { /* only in b */
            if (op == OP_UNION)
                push(out, ck_pe_copy(&b->v[j].pe), b->v[j].member, ck_fs_copy(b->v[j].child));
            j++;
        } else {
            const ck_fsent *x = &a->v[i++], *y = &b->v[j++];
            switch (op) {
            case OP_UNION:
                push(out, ck_pe_copy(&x->pe), x->member || y->member,
                     combine(x->child, y->child, op));
                break;
            case OP_DIFF:
                push(out, ck_pe_copy(&x->pe), x->member && !y->member,
                     combine(x->child, y->child, op));
                break;
            case OP_INTER:
                push(out, ck_pe_copy(&x->pe), x->member && y->member,
                     combine(x->child, y->child, op));
                break;
            case OP_RDIFF:
                if (!y->member)
                    push(out, ck_pe_copy(&x->pe), x->member, combine(x->child, y->child, op));
                break;
            }
        }
    }
    return nonempty(out);
}

ck_fieldset *ck_fs_union(const ck_fieldset *a, const ck_fieldset *b)
{
    return combine(a, b, OP_UNION);
}

ck_fieldset *ck_fs_difference(const ck_fieldset *a, const ck_fieldset *b)
{
    return combine(a, b, OP_DIFF);
}

ck_fieldset *ck_fs_intersection(const ck_fieldset *a, const ck_fieldset *b)
{
    return combine(a, b, OP_INTER);
}

ck_fieldset *ck_fs_recursive_difference(const ck_fieldset *a, const ck_fieldset *b)
{
    return combine(a, b, OP_RDIFF);
}

bool ck_fs_subtract(ck_fieldset **a, const ck_fieldset *b)
{
    ck_fieldset *s = *a;
    if (!s || ck_fs_empty(b)) return false;
    bool changed = false;
    size_t w = 0, j = 0;
    for (size_t i = 0; i < s->n; i++) {
        ck_fsent *e = &s->v[i];
        while (j < b->n && ck_pe_compare(&b->v[j].pe, &e->pe) < 0)
            j++;
        if (j < b->n && ck_pe_compare(&b->v[j].pe, &e->pe) == 0) {
            if (b->v[j].member && e->member) {
                e->member = false;
                changed = true;
            }
            if (e->child && ck_fs_subtract(&e->child, b->v[j].child)) changed = true;
        }
        if (!e->member && !e->child) {
            ck_pe_clear(&e->pe);
            continue;
        }
        s->v[w++] = *e;
    }
    s->n = w;
    if (w == 0) {
        ck_fs_free(s);
        *a = NULL;
    }
    return changed;
}

bool ck_fs_equal(const ck_fieldset *a, const ck_fieldset *b)
{
    size_t na = a ? a->n : 0, nb = b ? b->n : 0;
    if (na != nb) return false;
    for (size_t i = 0; i < na; i++)
        if (a->v[i].member != b->v[i].member || ck_pe_compare(&a->v[i].pe, &b->v[i].pe) ||
            !ck_fs_equal(a->v[i].child, b->v[i].child))
            return false;
    return true;
}

typedef struct iter_ctx {
    const ck_pe **path;
    size_t n, cap;
    ck_fs_path_fn fn;
    void *ud;
} iter_ctx;

static void iterate(const ck_fieldset *s, iter_ctx *c)
{
    if (!s) return;
    if (c->n + 1 > c->cap) {
        c->cap = (c->n + 1) * 2;
        c->path = xrealloc(c->path, c->cap * sizeof *c->path);
    }
    for (size_t i = 0; i < s->n; i++) {
        if (!s->v[i].member) continue;
        c->path[c->n] = &s->v[i].pe;
        c->fn(c->path, c->n + 1, c->ud);
    }
    for (size_t i = 0; i < s->n; i++) {
        if (!s->v[i].child) continue;
        c->path[c->n++] = &s->v[i].pe;
        iterate(s->v[i].child, c);
        c->n--;
    }
}

void ck_fs_iterate(const ck_fieldset *s, ck_fs_path_fn fn, void *ud)
{
    iter_ctx c = {.fn = fn, .ud = ud};
    iterate(s, &c);
    free(c.path);
}

/* ---- FieldsV1 ---- */

/* Adds the entries of s to the object o, in order. */
static void fill_json(json_t *o, const ck_fieldset *s)
{
    for (size_t i = 0; s && i < s->n; i++) {
        const ck_fsent *e = &s->v[i];
        char *k = ck_pe_serialize(&e->pe);
        json_t *v = json_object();
        if (e->child) {
            if (e->member) json_object_set_new(v, ".", json_object());
            fill_json(v, e->child);
        }
        json_object_set_new(o, k, v);
        free(k);
    }
}

json_t *ck_fs_to_json(const ck_fieldset *s)
{
    json_t *o = json_object();
    fill_json(o, s);
    return o;
}

/* Reads one level; *member says whether the node itself is in the set. */
static int read_level(const json_t *o, ck_fieldset **out, bool *member, char **msg)
{
    *out = NULL;
    *member = false;
    if (!json_is_object(o)) {
        *msg = xstrdup("expected an object in FieldsV1");
        return -1;
    }
    ck_fieldset *s = NULL;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (streq(k, ".")) {
            *member = true;
            continue;
        }
        ck_pe pe;
        int r = ck_pe_parse(k, &pe);
        if (r > 0) continue;
        if (r < 0) {
            *msg = xasprintf("parsing key as path element: %s", k);
            ck_fs_free(s);
            return -1;
        }
        ck_fieldset *child;
        bool cm;
        if (read_level(v, &child, &cm, msg) < 0) {
            ck_pe_clear(&pe);
            ck_fs_free(s);
            return -1;
        }
        if (!s) s = ck_fs_new();
        ck_fs_add(s, pe, cm, child);
    }
    ck_fs_seal(s);
    if (!s) *member = true;
    *out = nonempty(s);
    return 0;
}

int ck_fs_from_json(const json_t *fields, ck_fieldset **out, char **msg)
{
    bool member;
    *msg = NULL;
    return read_level(fields, out, &member, msg);
}
