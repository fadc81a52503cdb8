/* YAML to JSON, mirroring sigs.k8s.io/yaml.YAMLToJSON over go-yaml v2: libyaml events are first
 * built into a node tree (go-yaml's parser), which is then decoded as go-yaml decodes into
 * interface{} (aliases re-expanded, merge keys, alias-ratio accounting) and converted to JSON as
 * sigs.k8s.io/yaml does (map keys to strings, non-finite floats refused). */
#include "lib/yaml.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <yaml.h>

#include "lib/util.h"
#include "lib/yaml_scalar.h"

enum { N_MAP, N_SEQ, N_SCALAR, N_ALIAS };

typedef struct ynode ynode;
struct ynode {
    int kind;
    int line;      /* 0-based, as libyaml reports it */
    bool implicit; /* a plain scalar, or one tagged "!" */
    bool active;   /* an alias being expanded (go-yaml's d.aliases) */
    char *tag;     /* explicit tag in long form, or NULL */
    char *value;   /* scalar text, or the anchor name of an alias */
    size_t len;    /* length of value */
    ynode *alias;  /* the node an alias refers to */
    ynode **kids;  /* sequence items, or mapping keys and values alternating */
    size_t nkids, cap;
};

/* A growable string, for messages. */
typedef struct {
    char *s;
    size_t len, cap;
} sbuf;

static void sb_add(sbuf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = 0;
}

__attribute__((format(printf, 2, 3))) static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s;
    if (vasprintf(&s, fmt, ap) < 0) abort();
    va_end(ap);
    sb_add(b, s, strlen(s));
    free(s);
}

/* ---- Parsing: libyaml events to a node tree ---------------------------------------------- */

/* Anchor names of the current document; a redefinition replaces the earlier node. */
typedef struct {
    char **names;
    ynode **nodes;
    size_t cap, n;
} anchors;

static size_t anchor_slot(const anchors *a, const char *name)
{
    size_t h = 14695981039346656037u;
    for (const char *c = name; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211u;
    for (size_t i = h & (a->cap - 1);; i = (i + 1) & (a->cap - 1))
        if (!a->names[i] || streq(a->names[i], name)) return i;
}

static void anchors_clear(anchors *a)
{
    for (size_t i = 0; i < a->cap; i++)
        free(a->names[i]);
    free(a->names);
    free(a->nodes);
    memset(a, 0, sizeof *a);
}

static void anchor_set(anchors *a, const char *name, ynode *n)
{
    if (2 * (a->n + 1) > a->cap) {
        anchors old = *a;
        a->cap = old.cap ? old.cap * 2 : 16;
        a->names = xcalloc(a->cap, sizeof *a->names);
        a->nodes = xcalloc(a->cap, sizeof *a->nodes);
        a->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.names[i]) {
                size_t j = anchor_slot(a, old.names[i]);
                a->names[j] = old.names[i];
                a->nodes[j] = old.nodes[i];
                a->n++;
            }
        free(old.names);
        free(old.nodes);
    }
    size_t i = anchor_slot(a, name);
    if (!a->names[i]) {
        a->names[i] = xstrdup(name);
        a->n++;
    }
    a->nodes[i] = n;
}

static ynode *anchor_get(const anchors *a, const char *name)
{
    if (!a->cap) return NULL;
    size_t i = anchor_slot(a, name);
    return a->names[i] ? a->nodes[i] : NULL;
}

typedef struct {
    ynode **all; /* every node, released together */
    size_t nall, capall;
    ynode *doc;      /* the one non-empty document */
    int second_line; /* where another non-empty document starts, or 0 */
} ytree;

static void tree_free(ytree *t)
{
    for (size_t i = 0; i < t->nall; i++) {
        free(t->all[i]->tag);
        free(t->all[i]->value);
        free(t->all[i]->kids);
        free(t->all[i]);
    }
    free(t->all);
}

static ynode *node_new(ytree *t, int kind, const yaml_event_t *ev)
{
    ynode *n = xcalloc(1, sizeof *n);
    n->kind = kind;
    n->line = (int)ev->start_mark.line;
    if (t->nall == t->capall) {
        t->capall = t->capall ? t->capall * 2 : 64;
        t->all = xrealloc(t->all, t->capall * sizeof *t->all);
    }
    t->all[t->nall++] = n;
    return n;
}

static void node_add(ynode *parent, ynode *kid)
{
    if (parent->nkids == parent->cap) {
        parent->cap = parent->cap ? parent->cap * 2 : 4;
        parent->kids = xrealloc(parent->kids, parent->cap * sizeof *parent->kids);
    }
    parent->kids[parent->nkids++] = kid;
}

/* go-yaml's parser.fail(): scanner errors report the 1-based line, others libyaml's 0-based one. */
static char *parser_message(const yaml_parser_t *p)
{
    size_t line = 0;
    if (p->problem_mark.line != 0) {
        line = p->problem_mark.line;
        if (p->error == YAML_SCANNER_ERROR) line++;
    } else if (p->context_mark.line != 0) {
        line = p->context_mark.line;
    }
    const char *problem = p->problem ? p->problem : "unknown problem parsing YAML content";
    return line ? xasprintf("yaml: line %zu: %s", line, problem) : xasprintf("yaml: %s", problem);
}

/* An empty document ("---" with nothing after it) parses to a plain empty scalar. */
static bool is_empty_doc(const ynode *n)
{
    return n->kind == N_SCALAR && n->len == 0 && !n->tag && n->implicit;
}

/* Builds the tree for the whole stream. Returns 0, or -1 with *msg set. */
static int parse_stream(const char *buf, size_t len, ytree *t, char **msg)
{
    yaml_parser_t p;
    yaml_event_t ev;
    anchors an = {0};
    ynode *stack[CK_YAML_MAX_DEPTH], *root = NULL;
    size_t depth = 0;
    int rc = 0;

    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)(buf ? buf : ""), len);
    for (bool done = false; !done && rc == 0;) {
        if (!yaml_parser_parse(&p, &ev)) {
            *msg = parser_message(&p);
            rc = -1;
            break;
        }
        ynode *n = NULL;
        const yaml_char_t *anchor = NULL, *tag = NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            anchors_clear(&an);
            root = NULL;
            break;
        case YAML_DOCUMENT_END_EVENT:
            if (!root || is_empty_doc(root)) break;
            if (!t->doc)
                t->doc = root;
            else if (!t->second_line)
                t->second_line = root->line + 1;
            break;
        case YAML_SCALAR_EVENT:
            n = node_new(t, N_SCALAR, &ev);
            n->value = xmalloc(ev.data.scalar.length + 1);
            memcpy(n->value, ev.data.scalar.value, ev.data.scalar.length + 1);
            n->len = ev.data.scalar.length;
            n->implicit = ev.data.scalar.plain_implicit;
            anchor = ev.data.scalar.anchor;
            tag = ev.data.scalar.tag;
            break;
        case YAML_ALIAS_EVENT:
            n = node_new(t, N_ALIAS, &ev);
            n->value = xstrdup((const char *)ev.data.alias.anchor);
            n->alias = anchor_get(&an, n->value);
            if (!n->alias) {
                *msg = xasprintf("yaml: unknown anchor '%s' referenced", n->value);
                rc = -1;
            }
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            n = node_new(t, ev.type == YAML_MAPPING_START_EVENT ? N_MAP : N_SEQ, &ev);
            anchor = ev.type == YAML_MAPPING_START_EVENT ? ev.data.mapping_start.anchor
                                                         : ev.data.sequence_start.anchor;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        default:
            break;
        }
        if (n) {
            if (tag) n->tag = xstrdup((const char *)tag);
            if (anchor) anchor_set(&an, (const char *)anchor, n);
            if (depth)
                node_add(stack[depth - 1], n);
            else
                root = n;
            if (n->kind == N_MAP || n->kind == N_SEQ) {
                if (depth == CK_YAML_MAX_DEPTH) {
                    *msg = xasprintf("yaml: line %d: exceeded max depth of %d", n->line + 1,
                                     CK_YAML_MAX_DEPTH);
                    rc = -1;
                } else {
                    stack[depth++] = n;
                }
            }
        }
        yaml_event_delete(&ev);
    }
    anchors_clear(&an);
    yaml_parser_delete(&p);
    return rc;
}

/* ---- Decoding: node tree to JSON --------------------------------------------------------- */

typedef struct {
    long decodes, aliased; /* go-yaml's decodeCount and aliasCount */
    int alias_depth, depth;
    size_t alias_bytes; /* content added by alias expansion */
    char *fatal;        /* a go-yaml failf: decoding stops */
    sbuf dups;          /* go-yaml strict-mode TypeError lines */
    char *badkey;       /* sigs.k8s.io/yaml conversion error: a key JSON cannot hold */
    char *nonfinite;    /* encoding/json error: NaN or an infinity */
} ydec;

/* A resolved scalar: its value and, for string kinds, its text. */
typedef struct {
    ys_value v;
    const char *s;
    size_t len;
    char *owned; /* decoded !!binary text */
} yscalar;

__attribute__((format(printf, 2, 3))) static bool fail(ydec *d, const char *fmt, ...)
{
    if (d->fatal) return false;
    va_list ap;
    va_start(ap, fmt);
    char *m;
    if (vasprintf(&m, fmt, ap) < 0) abort();
    va_end(ap);
    d->fatal = xasprintf("yaml: %s", m);
    free(m);
    return false;
}

static double allowed_alias_ratio(long decodes)
{
    if (decodes <= 400000) return 0.99;
    if (decodes >= 4000000) return 0.10;
    return 0.99 - 0.89 * ((double)(decodes - 400000) / 3600000.0);
}

/* The bookkeeping at the top of go-yaml's d.unmarshal; false once decoding must stop. */
static bool tick(ydec *d)
{
    if (d->fatal) return false;
    d->decodes++;
    if (d->alias_depth > 0) d->aliased++;
    if (d->aliased > 100 && d->decodes > 1000 &&
        (double)d->aliased / (double)d->decodes > allowed_alias_ratio(d->decodes))
        return fail(d, "document contains excessive aliasing");
    return true;
}

/* Charges n bytes of output to the alias budget when inside an alias expansion. */
static bool charge(ydec *d, size_t n)
{
    if (d->alias_depth > 0 && (d->alias_bytes += n) > CK_YAML_MAX_ALIAS_BYTES)
        return fail(d, "document contains excessive aliasing");
    return true;
}

static bool alias_enter(ydec *d, ynode *n)
{
    if (n->active) return fail(d, "anchor '%s' value contains itself", n->value);
    n->active = true;
    d->alias_depth++;
    return true;
}

static void alias_leave(ydec *d, ynode *n)
{
    n->active = false;
    d->alias_depth--;
}

static bool depth_enter(ydec *d)
{
    if (++d->depth > CK_YAML_MAX_DEPTH)
        return fail(d, "exceeded max depth of %d", CK_YAML_MAX_DEPTH);
    return true;
}

/* go-yaml's d.scalar resolution: untagged quoted scalars are strings, !!binary is decoded. */
static bool scalar_resolve(ydec *d, const ynode *n, yscalar *sc)
{
    char *msg = NULL;
    memset(sc, 0, sizeof *sc);
    sc->s = n->value;
    sc->len = n->len;
    if (!n->tag && !n->implicit) {
        sc->v.kind = YS_STR;
        return true;
    }
    if (ys_resolve(n->tag, n->value, n->len, &sc->v, &msg) < 0) {
        fail(d, "%s", msg);
        free(msg);
        return false;
    }
    if (sc->v.kind == YS_BINARY) {
        sc->owned = ys_base64_decode(n->value, n->len, &sc->len);
        if (!sc->owned) return fail(d, "!!binary value contains invalid base64 data");
        sc->s = sc->owned;
        sc->v.kind = YS_STR;
    }
    return true;
}

/* Go strconv.Quote, as %#v prints a string key. */
static void go_quote(sbuf *b, const char *s, size_t len)
{
    sb_add(b, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = c == '"'    ? "\\\""
                          : c == '\\' ? "\\\\"
                          : c == '\n' ? "\\n"
                          : c == '\t' ? "\\t"
                          : c == '\r' ? "\\r"
                          : c == '\a' ? "\\a"
                          : c == '\b' ? "\\b"
                          : c == '\f' ? "\\f"
                          : c == '\v' ? "\\v"
                                      : NULL;
        if (esc)
            sb_add(b, esc, strlen(esc));
        else if (c < 0x20 || c == 0x7f)
            sb_printf(b, "\\x%02x", c);
        else
            sb_add(b, s + i, 1);
    }
    sb_add(b, "\"", 1);
}

/* fmt's %#v of a decoded scalar, for messages. */
static void go_repr_scalar(sbuf *b, const yscalar *k)
{
    char f[40];
    switch (k->v.kind) {
    case YS_NULL:
        sb_add(b, "<nil>", 5);
        break;
    case YS_BOOL:
        sb_printf(b, "%s", k->v.b ? "true" : "false");
        break;
    case YS_INT:
        sb_printf(b, "%" PRId64, k->v.i);
        break;
    case YS_UINT:
        sb_printf(b, "0x%" PRIx64, k->v.u);
        break;
    case YS_FLOAT:
        ys_format_float(k->v.f, 64, f);
        sb_printf(b, "%s", f);
        break;
    default:
        go_quote(b, k->s, k->len);
    }
}

/* fmt's %#v of a decoded value, abbreviated for collections. */
static void go_repr_json(sbuf *b, const json_t *v)
{
    char f[40];
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        sb_printf(b, "map[interface {}]interface {}{...}");
        break;
    case JSON_ARRAY:
        sb_printf(b, "[]interface {}{...}");
        break;
    case JSON_STRING:
        go_quote(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        sb_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        ys_format_float(json_real_value(v), 64, f);
        sb_printf(b, "%s", f);
        break;
    case JSON_TRUE:
        sb_printf(b, "true");
        break;
    case JSON_FALSE:
        sb_printf(b, "false");
        break;
    default:
        sb_printf(b, "<nil>");
    }
}

/* A JSON string; bytes that are not UTF-8 (only possible from !!binary) become U+FFFD. */
static json_t *string_json(const char *s, size_t len)
{
    if (ys_utf8_valid(s, len)) return json_stringn(s, len);
    size_t n;
    char *clean = ys_utf8_sanitize(s, len, &n);
    json_t *v = json_stringn(clean, n);
    free(clean);
    return v;
}

/* A float as it comes back from encoding/json text: integral values within int64 are integers;
 * NaN and infinities are refused ("json: unsupported value: NaN"). */
static json_t *float_json(ydec *d, double f)
{
    if (!isfinite(f)) {
        if (!d->nonfinite)
            d->nonfinite = xasprintf("json: unsupported value: %s", isnan(f) ? "NaN"
                                                                    : f > 0  ? "+Inf"
                                                                             : "-Inf");
        return json_null();
    }
    if (f == trunc(f) && f >= -9223372036854775808.0 && f < 9223372036854775808.0)
        return json_integer((json_int_t)f);
    return json_real(f);
}

static json_t *scalar_json(ydec *d, const ynode *n)
{
    yscalar sc;
    if (!scalar_resolve(d, n, &sc)) return NULL;
    json_t *v;
    switch (sc.v.kind) {
    case YS_NULL:
        v = json_null();
        break;
    case YS_BOOL:
        v = json_boolean(sc.v.b);
        break;
    case YS_INT:
        v = json_integer(sc.v.i);
        break;
    case YS_UINT:
        v = json_real((double)sc.v.u);
        break;
    case YS_FLOAT:
        v = float_json(d, sc.v.f);
        break;
    default:
        v = string_json(sc.s, sc.len); /* strings and timestamps */
    }
    bool ok = charge(d, sc.len + 16);
    free(sc.owned);
    if (!ok) json_decref(v);
    return ok ? v : NULL;
}

/* A mapping key as go-yaml decodes it: a scalar (possibly through an alias), never a
 * collection. */
static bool decode_key(ydec *d, ynode *n, yscalar *sc)
{
    if (!tick(d)) return false;
    if (n->kind == N_ALIAS) {
        if (!alias_enter(d, n)) return false;
        bool ok = decode_key(d, n->alias, sc);
        alias_leave(d, n);
        return ok;
    }
    if (n->kind == N_MAP) return fail(d, "invalid map key: map[interface {}]interface {}{...}");
    if (n->kind == N_SEQ) return fail(d, "invalid map key: []interface {}{...}");
    return scalar_resolve(d, n, sc);
}

/* sigs.k8s.io/yaml's key conversion: strings stay, ints and bools print, floats print with
 * float32 precision; null and uint64 keys are unsupported. Returns NULL when unsupported. */
static char *key_string(ydec *d, const yscalar *k, const json_t *value, size_t *len)
{
    char f[40];
    char *s = NULL;
    switch (k->v.kind) {
    case YS_BOOL:
        s = xstrdup(k->v.b ? "true" : "false");
        break;
    case YS_INT:
        s = xasprintf("%" PRId64, k->v.i);
        break;
    case YS_FLOAT:
        ys_format_float(k->v.f, 32, f);
        s = xstrdup(streq(f, "+Inf")   ? ".inf"
                    : streq(f, "-Inf") ? "-.inf"
                    : streq(f, "NaN")  ? ".nan"
                                       : f);
        break;
    case YS_NULL:
    case YS_UINT:
        if (!d->badkey) {
            sbuf b = {0};
            sb_printf(&b, "unsupported map key of type: %s, key: ",
                      k->v.kind == YS_NULL ? "%!s(<nil>)" : "uint64");
            go_repr_scalar(&b, k);
            sb_printf(&b, ", value: ");
            go_repr_json(&b, value);
            d->badkey = b.s;
        }
        return NULL;
    default:
        return ys_utf8_sanitize(k->s, k->len, len);
    }
    *len = strlen(s);
    return s;
}

static bool mapping_into(ydec *d, ynode *n, json_t *obj);

/* d.unmarshal(n, out) where out is the mapping being built: how merges apply. */
static bool merge_into(ydec *d, ynode *n, json_t *obj)
{
    if (!tick(d)) return false;
    if (n->kind == N_ALIAS) {
        if (!alias_enter(d, n)) return false;
        bool ok = merge_into(d, n->alias, obj);
        alias_leave(d, n);
        return ok;
    }
    bool ok = depth_enter(d) && mapping_into(d, n, obj);
    d->depth--;
    return ok;
}

static bool is_mapping(const ynode *n)
{
    return n->kind == N_MAP || (n->kind == N_ALIAS && n->alias->kind == N_MAP);
}

/* go-yaml's d.merge: a mapping, an alias to one, or a sequence of those where earlier entries
 * win. Merged keys overwrite keys already present (go-yaml v2 sets them in place). */
static bool merge(ydec *d, ynode *n, json_t *obj)
{
    if (is_mapping(n)) return merge_into(d, n, obj);
    if (n->kind != N_SEQ) return fail(d, "map merge requires map or sequence of maps as the value");
    for (size_t i = n->nkids; i-- > 0;) {
        if (!is_mapping(n->kids[i]))
            return fail(d, "map merge requires map or sequence of maps as the value");
        if (!merge_into(d, n->kids[i], obj)) return false;
    }
    return true;
}

static bool is_merge_key(const ynode *n)
{
    return n->kind == N_SCALAR && n->len == 2 && memcmp(n->value, "<<", 2) == 0 &&
           (n->implicit || streq(n->tag, YS_TAG_MERGE));
}

static json_t *decode(ydec *d, ynode *n);

static bool mapping_into(ydec *d, ynode *n, json_t *obj)
{
    for (size_t i = 0; i + 1 < n->nkids; i += 2) {
        ynode *kn = n->kids[i], *vn = n->kids[i + 1];
        if (is_merge_key(kn)) {
            if (!merge(d, vn, obj)) return false;
            continue;
        }
        yscalar k;
        if (!decode_key(d, kn, &k)) return false;
        json_t *v = decode(d, vn);
        size_t klen = 0;
        char *ks = v ? key_string(d, &k, v, &klen) : NULL;
        if (ks && json_object_getn(obj, ks, klen)) {
            /* UnmarshalStrict's complaint; the lenient decoder keeps the last value. */
            sb_printf(&d->dups, "\n  line %d: key ", vn->line + 1);
            go_repr_scalar(&d->dups, &k);
            sb_printf(&d->dups, " already set in map");
        }
        if (ks) json_object_setn_new(obj, ks, klen, json_incref(v));
        json_decref(v);
        free(ks);
        free(k.owned);
        if (!v) return false;
    }
    return true;
}

/* go-yaml's d.unmarshal into an interface{}, followed by sigs.k8s.io/yaml's conversion. */
static json_t *decode(ydec *d, ynode *n)
{
    json_t *v = NULL;
    if (!tick(d)) return NULL;
    switch (n->kind) {
    case N_ALIAS:
        if (!alias_enter(d, n)) return NULL;
        v = decode(d, n->alias);
        alias_leave(d, n);
        return v;
    case N_SCALAR:
        return scalar_json(d, n);
    case N_SEQ:
        if (depth_enter(d)) {
            v = json_array();
            for (size_t i = 0; i < n->nkids && v; i++) {
                json_t *e = decode(d, n->kids[i]);
                if (e)
                    json_array_append_new(v, e);
                else
                    json_decref(v), v = NULL;
            }
        }
        break;
    default:
        if (depth_enter(d)) {
            v = json_object();
            if (!mapping_into(d, n, v)) json_decref(v), v = NULL;
        }
    }
    d->depth--;
    if (v && !charge(d, 16)) json_decref(v), v = NULL;
    return v;
}

static int decode_impl(const char *buf, size_t len, bool strict, json_t **out, char **dups,
                       ck_err **err)
{
    ytree t = {0};
    ydec d = {0};
    char *msg = NULL;
    json_t *v = NULL;
    int rc = -1;

    *out = NULL;
    if (dups) *dups = NULL;
    if (parse_stream(buf, len, &t, &msg) < 0) goto done;
    if (t.second_line) {
        msg = xasprintf("yaml: line %d: expected a single document in the stream, found another",
                        t.second_line);
        goto done;
    }
    if (!t.doc) {
        v = json_null();
    } else {
        tick(&d); /* the document node */
        v = decode(&d, t.doc);
        if (d.fatal)
            msg = steal_pointer(&d.fatal);
        else if (strict && d.dups.s)
            msg = xasprintf("yaml: unmarshal errors:%s", d.dups.s);
        else if (d.badkey)
            msg = steal_pointer(&d.badkey);
        else if (d.nonfinite)
            msg = steal_pointer(&d.nonfinite);
        if (msg) goto done;
    }
    if (dups && d.dups.s) *dups = xasprintf("yaml: unmarshal errors:%s", d.dups.s);
    *out = steal_pointer(&v);
    rc = 0;
done:
    if (msg) ck_error(err, 400, CK_BAD_REQUEST, "error converting YAML to JSON: %s", msg);
    json_decref(v);
    free(msg);
    free(d.fatal);
    free(d.dups.s);
    free(d.badkey);
    free(d.nonfinite);
    tree_free(&t);
    return rc;
}

int ck_yaml_to_json(const char *buf, size_t len, json_t **out, ck_err **err)
{
    return decode_impl(buf, len, true, out, NULL, err);
}

int ck_yaml_decode(const char *buf, size_t len, json_t **out, char **dups, ck_err **err)
{
    return decode_impl(buf, len, false, out, dups, err);
}
