/* Field sets (upstream fieldpath.Set) and their FieldsV1 encoding. Levels are sorted
 * arrays, so union, difference and intersection are linear merges. */
#include "machinery/fieldset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

/* ---- growing strings ---- */

typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

static void sb_putc(sbuf *b, char c)
{
    sb_putn(b, &c, 1);
}

/* ---- values ---- */

static int cmp3(double a, double b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted keys of an object; caller frees the array (not the strings). */
static const char **sorted_keys(const json_t *o, size_t *n)
{
    *n = json_object_size(o);
    const char **k = xcalloc(*n + 1, sizeof *k);
    size_t i = 0;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)o, key, v) k[i++] = key;
    qsort(k, *n, sizeof *k, key_cmp);
    return k;
}

static int map_compare(const json_t *a, const json_t *b)
{
    size_t na, nb;
    const char **ka = sorted_keys(a, &na), **kb = sorted_keys(b, &nb);
    size_t i = 0, ia = 0, ib = 0;
    int c = 0;
    if (na == 0 && nb == 0) goto done;
    while (c == 0 && (ia < na || ib < nb)) {
        int d = ia >= na ? 1 : ib >= nb ? -1 : strcmp(ka[ia], kb[ib]);
        const json_t *va = d <= 0 ? json_object_get(a, ka[ia]) : NULL;
        const json_t *vb = d >= 0 ? json_object_get(b, kb[ib]) : NULL;
        if (i == na) c = -1;
        else if (i == nb) c = 1;
        else if (!va) c = 1;
        else if (!vb) c = -1;
        else c = ck_value_compare(va, vb);
        if (d <= 0) ia++;
        if (d >= 0) ib++;
        i++;
    }
done:
    free(ka);
    free(kb);
    return c;
}

int ck_value_compare(const json_t *a, const json_t *b)
{
    if (json_is_real(a)) {
        if (json_is_real(b)) return cmp3(json_real_value(a), json_real_value(b));
        if (json_is_integer(b)) return cmp3(json_real_value(a), (double)json_integer_value(b));
        return -1;
    } else if (json_is_real(b)) {
        if (json_is_integer(a)) return cmp3((double)json_integer_value(a), json_real_value(b));
        return 1;
    }
    if (json_is_integer(a)) {
        if (!json_is_integer(b)) return -1;
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return x < y ? -1 : x > y;
    } else if (json_is_integer(b)) {
        return 1;
    }
    if (json_is_string(a)) {
        if (!json_is_string(b)) return -1;
        size_t la = json_string_length(a), lb = json_string_length(b);
        int c = memcmp(json_string_value(a), json_string_value(b), la < lb ? la : lb);
        return c ? (c < 0 ? -1 : 1) : la < lb ? -1 : la > lb;
    } else if (json_is_string(b)) {
        return 1;
    }
    if (json_is_boolean(a)) {
        if (!json_is_boolean(b)) return -1;
        return json_is_true(a) == json_is_true(b) ? 0 : json_is_true(a) ? 1 : -1;
    } else if (json_is_boolean(b)) {
        return 1;
    }
    if (json_is_array(a)) {
        if (!json_is_array(b)) return -1;
        size_t na = json_array_size(a), nb = json_array_size(b);
        for (size_t i = 0; i < na && i < nb; i++) {
            int c = ck_value_compare(json_array_get(a, i), json_array_get(b, i));
            if (c) return c;
        }
        return na < nb ? -1 : na > nb;
    } else if (json_is_array(b)) {
        return 1;
    }
    if (json_is_object(a)) {
        if (!json_is_object(b)) return -1;
        return map_compare(a, b);
    } else if (json_is_object(b)) {
        return 1;
    }
    return 0;
}

bool ck_value_equal(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b)) return ck_value_compare(a, b) == 0;
    if (json_typeof(a) != json_typeof(b)) return false;
    if (json_is_array(a)) {
        size_t n = json_array_size(a);
        if (n != json_array_size(b)) return false;
        for (size_t i = 0; i < n; i++)
            if (!ck_value_equal(json_array_get(a, i), json_array_get(b, i))) return false;
        return true;
    }
    if (json_is_object(a)) {
        if (json_object_size(a) != json_object_size(b)) return false;
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)a, k, v)
        {
            const json_t *w = json_object_get(b, k);
            if (!w || !ck_value_equal(v, w)) return false;
        }
        return true;
    }
    return json_equal((json_t *)a, (json_t *)b);
}

/* Shortest decimal text that reads back as d, in Go's float formatting. */
static void put_float(sbuf *b, double d)
{
    char tmp[64];
    double a = fabs(d);
    bool exp = a != 0 && (a < 1e-6 || a >= 1e21);
    for (int p = 0; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, exp ? "%.*e" : "%.*f", p, d);
        if (strtod(tmp, NULL) == d) break;
    }
    char *e = strchr(tmp, 'e');
    if (e && e[2] == '0' && e[3]) memmove(e + 2, e + 3, strlen(e + 3) + 1); /* e-07 -> e-7 */
    sb_puts(b, tmp);
}

static void put_go_string(sbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    sb_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            sb_putc(b, '\\');
            sb_putc(b, (char)c);
        } else if (c == '\n') {
            sb_puts(b, "\\n");
        } else if (c == '\r') {
            sb_puts(b, "\\r");
        } else if (c == '\t') {
            sb_puts(b, "\\t");
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            sb_puts(b, u);
        } else if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
                   ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9)) {
            sb_puts(b, (unsigned char)s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
            i += 2;
        } else {
            sb_putc(b, (char)c);
        }
    }
    sb_putc(b, '"');
}

static void put_go_json(sbuf *b, const json_t *v)
{
    char tmp[32];
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n;
        const char **k = sorted_keys(v, &n);
        sb_putc(b, '{');
        for (size_t i = 0; i < n; i++) {
            if (i) sb_putc(b, ',');
            put_go_string(b, k[i], strlen(k[i]));
            sb_putc(b, ':');
            put_go_json(b, json_object_get(v, k[i]));
        }
        sb_putc(b, '}');
        free(k);
        break;
    }
    case JSON_ARRAY:
        sb_putc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) sb_putc(b, ',');
            put_go_json(b, json_array_get(v, i));
        }
        sb_putc(b, ']');
        break;
    case JSON_STRING:
        put_go_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
        sb_puts(b, tmp);
        break;
    case JSON_REAL:
        put_float(b, json_real_value(v));
        break;
    case JSON_TRUE:
        sb_puts(b, "true");
        break;
    case JSON_FALSE:
        sb_puts(b, "false");
        break;
    default:
        sb_puts(b, "null");
    }
}

char *ck_go_json(const json_t *v)
{
    sbuf b = {0};
    put_go_json(&b, v);
    return b.s ? b.s : xstrdup("");
}

/* Go's %v of a value (upstream value.ToString), strings quoted like %q. */
static void put_value_string(sbuf *b, const json_t *v)
{
    char tmp[32];
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        sb_putc(b, '"');
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            const char *esc = c == '"'    ? "\\\""
                              : c == '\\' ? "\\\\"
                              : c == '\n' ? "\\n"
                              : c == '\r' ? "\\r"
                              : c == '\t' ? "\\t"
                                          : NULL;
            if (esc) {
                sb_puts(b, esc);
            } else if (c < 0x20 || c == 0x7f) {
                snprintf(tmp, sizeof tmp, "\\x%02x", c);
                sb_puts(b, tmp);
            } else {
                sb_putc(b, (char)c);
            }
        }
        sb_putc(b, '"');
    } else if (json_is_array(v)) {
        sb_putc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) sb_putc(b, ',');
            put_value_string(b, json_array_get(v, i));
        }
        sb_putc(b, ']');
    } else if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach((json_t *)v, k, c)
        {
            sb_puts(b, k);
            sb_putc(b, '=');
            put_value_string(b, c);
        }
    } else if (json_is_real(v)) {
        snprintf(tmp, sizeof tmp, "%g", json_real_value(v));
        sb_puts(b, tmp);
    } else {
        put_go_json(b, v);
    }
}

char *ck_go_quote(const char *s)
{
    sbuf b = {0};
    json_t *v = json_string(s ? s : "");
    put_value_string(&b, v);
    json_decref(v);
    return b.s;
}

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
    sbuf b = {0};
    char tmp[32];
    switch (pe->kind) {
    case CK_PE_FIELD:
        sb_puts(&b, "f:");
        sb_puts(&b, pe->name);
        break;
    case CK_PE_KEY: {
        /* The key fields in their (sorted) order. */
        sb_puts(&b, "k:{");
        const char *k;
        json_t *v;
        bool first = true;
        json_object_foreach(pe->val, k, v)
        {
            if (!first) sb_putc(&b, ',');
            first = false;
            put_go_string(&b, k, strlen(k));
            sb_putc(&b, ':');
            put_go_json(&b, v);
        }
        sb_putc(&b, '}');
        break;
    }
    case CK_PE_VALUE:
        sb_puts(&b, "v:");
        put_go_json(&b, pe->val);
        break;
    default:
        snprintf(tmp, sizeof tmp, "i:%lld", pe->index);
        sb_puts(&b, tmp);
    }
    return b.s;
}

/* An object with the fields of o inserted in name order (new reference). */
static json_t *sorted_object(const json_t *o)
{
    size_t n;
    const char **k = sorted_keys(o, &n);
    json_t *out = json_object();
    for (size_t i = 0; i < n; i++) json_object_set(out, k[i], json_object_get(o, k[i]));
    free(k);
    return out;
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
        *out = (ck_pe){.kind = CK_PE_KEY, .val = sorted_object(v)};
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
    sbuf b = {.s = *buf, .len = *len, .cap = *buf ? *len + 1 : 0};
    char tmp[32];
    switch (pe->kind) {
    case CK_PE_FIELD:
        sb_putc(&b, '.');
        sb_puts(&b, pe->name);
        break;
    case CK_PE_KEY: {
        sb_putc(&b, '[');
        const char *k;
        json_t *v;
        bool first = true;
        json_object_foreach(pe->val, k, v)
        {
            if (!first) sb_putc(&b, ',');
            first = false;
            sb_puts(&b, k);
            sb_putc(&b, '=');
            put_value_string(&b, v);
        }
        sb_putc(&b, ']');
        break;
    }
    case CK_PE_VALUE:
        sb_puts(&b, "[=");
        put_value_string(&b, pe->val);
        sb_putc(&b, ']');
        break;
    default:
        snprintf(tmp, sizeof tmp, "[%lld]", pe->index);
        sb_puts(&b, tmp);
    }
    *buf = b.s;
    *len = b.len;
}

char *ck_path_string(const ck_pe *const *path, size_t n)
{
    char *s = NULL;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) ck_pe_describe(path[i], &s, &len);
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
    if (s->n > n && n > 0 && ck_pe_compare(&s->v[n - 1].pe, &s->v[n].pe) >= 0)
        s->unsorted = true;
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
        if (c < 0) lo = mid + 1;
        else hi = mid;
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
        while (j < b->n && ck_pe_compare(&b->v[j].pe, &e->pe) < 0) j++;
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
