/* Label selectors. The string form follows upstream's labels.Parse: the same tokens
 * (whitespace is ' ', '\t', '\r', '\n'; "in"/"notin" are keywords only where an operator
 * is expected), the same requirement checks and the same error texts. Selector objects
 * follow metav1.LabelSelectorAsSelector. The lexer and parser are our own. */
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "machinery/selector.h"
#include "machinery/validation.h"

typedef enum { OP_IN, OP_NOTIN, OP_EQ, OP_DEQ, OP_NEQ, OP_EXISTS, OP_DNE, OP_GT, OP_LT } op_t;

typedef struct requirement {
    char *key;
    op_t op;
    char **vals;
    size_t nvals;
} requirement;

struct ck_label_selector {
    requirement *reqs;
    size_t n;
};

void ck_label_selector_free(ck_label_selector *sel)
{
    if (!sel) return;
    for (size_t i = 0; i < sel->n; i++) {
        free(sel->reqs[i].key);
        for (size_t j = 0; j < sel->reqs[i].nvals; j++)
            free(sel->reqs[i].vals[j]);
        free(sel->reqs[i].vals);
    }
    free(sel->reqs);
    free(sel);
}

static void free_selp(ck_label_selector **s)
{
    ck_label_selector_free(*s);
}
#define cleanup_sel __attribute__((cleanup(free_selp)))

bool ck_label_selector_empty(const ck_label_selector *sel)
{
    return !sel || sel->n == 0;
}

/* strconv.ParseInt(s, 10, 64) */
static bool parse_int64(const char *s, long long *out)
{
    size_t i = 0;
    bool neg = false;
    if (s[i] == '+' || s[i] == '-') neg = s[i++] == '-';
    if (!s[i]) return false;
    unsigned long long v = 0, limit = neg ? 9223372036854775808ULL : 9223372036854775807ULL;
    for (; s[i]; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = neg ? (long long)(0 - v) : (long long)v;
    return true;
}

/* ---- Requirements --------------------------------------------------------------------- */

/* The values as a JSON bad value: a nil Go slice prints as null. */
static json_t *values_json(char **vals, size_t n)
{
    if (n == 0) return json_null();
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(vals[i]));
    return a;
}

static void invalid_joined(ck_field_errors *fe, const char *path, const char *value, ck_msgs *m)
{
    if (m->n == 0) return;
    cleanup_free char *joined = ck_msgs_join(m, "; ");
    ck_ferr_invalid_str(fe, path, value, joined);
    ck_msgs_free(m);
}

/* Upstream's NewRequirement: on success appends to sel, taking key and vals; on failure
 * frees them and returns the aggregated field errors as *msg. */
static int add_requirement(ck_label_selector *sel, char *key, op_t op, char **vals, size_t n,
                           char **msg)
{
    cleanup_ferrs ck_field_errors *fe = ck_ferrs_new();
    ck_msgs m = {0};
    ck_is_qualified_name(key, &m);
    invalid_joined(fe, "key", key, &m);
    const char *detail = NULL;
    switch (op) {
    case OP_IN:
    case OP_NOTIN:
        if (n == 0) detail = "for 'in', 'notin' operators, values set can't be empty";
        break;
    case OP_EQ:
    case OP_DEQ:
    case OP_NEQ:
        if (n != 1) detail = "exact-match compatibility requires one single value";
        break;
    case OP_EXISTS:
    case OP_DNE:
        if (n != 0) detail = "values set must be empty for exists and does not exist";
        break;
    case OP_GT:
    case OP_LT:
        if (n != 1) detail = "for 'Gt', 'Lt' operators, exactly one value is required";
        break;
    }
    if (detail) {
        json_t *bad = values_json(vals, n);
        ck_ferr_invalid(fe, "values", bad, detail);
        json_decref(bad);
    }
    for (size_t i = 0; i < n && (op == OP_GT || op == OP_LT); i++) {
        long long v;
        cleanup_free char *path = xasprintf("values[%zu]", i);
        if (!parse_int64(vals[i], &v))
            ck_ferr_invalid_str(fe, path, vals[i],
                                "for 'Gt', 'Lt' operators, the value must be an integer");
    }
    for (size_t i = 0; i < n; i++) {
        cleanup_free char *path = xasprintf("values[%zu][%s]", i, key);
        ck_is_valid_label_value(vals[i], &m);
        invalid_joined(fe, path, vals[i], &m);
    }
    if (!ck_ferrs_empty(fe)) {
        *msg = ck_ferrs_aggregate(fe);
        free(key);
        for (size_t i = 0; i < n; i++)
            free(vals[i]);
        free(vals);
        return -1;
    }
    sel->reqs = xrealloc(sel->reqs, (sel->n + 1) * sizeof *sel->reqs);
    sel->reqs[sel->n++] = (requirement){.key = key, .op = op, .vals = vals, .nvals = n};
    return 0;
}

static bool has_value(const requirement *r, const char *v)
{
    for (size_t i = 0; i < r->nvals; i++)
        if (strcmp(r->vals[i], v) == 0) return true;
    return false;
}

static bool req_matches(const requirement *r, const json_t *labels)
{
    const char *v = json_string_value(json_object_get(labels, r->key));
    long long lv, rv;
    switch (r->op) {
    case OP_IN:
    case OP_EQ:
    case OP_DEQ:
        return v && has_value(r, v);
    case OP_NOTIN:
    case OP_NEQ:
        return !v || !has_value(r, v);
    case OP_EXISTS:
        return v != NULL;
    case OP_DNE:
        return v == NULL;
    case OP_GT:
    case OP_LT:
        if (!v || r->nvals != 1 || !parse_int64(v, &lv) || !parse_int64(r->vals[0], &rv))
            return false;
        return r->op == OP_GT ? lv > rv : lv < rv;
    }
    return false;
}

bool ck_label_selector_matches(const ck_label_selector *sel, const json_t *labels)
{
    for (size_t i = 0; sel && i < sel->n; i++)
        if (!req_matches(&sel->reqs[i], labels)) return false;
    return true;
}

/* ---- Lexer ---------------------------------------------------------------------------- */

typedef enum {
    T_EOS,
    T_CPAR,
    T_COMMA,
    T_DNE,
    T_DEQ,
    T_EQ,
    T_GT,
    T_ID,
    T_IN,
    T_LT,
    T_NEQ,
    T_NOTIN,
    T_OPAR
} tok_t;

typedef struct token {
    tok_t t;
    char *lit;
} token;

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_special(char c)
{
    return c && strchr("=!(),><", c);
}

/* One token from *pp: the longest operator, or a run of other characters. */
static token lex(const char **pp)
{
    const char *p = *pp;
    while (is_space(*p))
        p++;
    token t = {T_EOS, NULL};
    if (!*p) {
        t.lit = xstrdup("");
    } else if (is_special(*p)) {
        size_t n = (p[0] == '=' || p[0] == '!') && p[1] == '=' ? 2 : 1;
        static const char ops[] = "=!(),><";
        static const tok_t one[] = {T_EQ, T_DNE, T_OPAR, T_CPAR, T_COMMA, T_GT, T_LT};
        t.t = n == 2 ? (p[0] == '=' ? T_DEQ : T_NEQ) : one[strchr(ops, *p) - ops];
        t.lit = xstrndup(p, n);
        p += n;
    } else {
        const char *s = p;
        while (*p && !is_special(*p) && !is_space(*p))
            p++;
        t.lit = xstrndup(s, (size_t)(p - s));
        t.t = streq(t.lit, "in") ? T_IN : streq(t.lit, "notin") ? T_NOTIN : T_ID;
    }
    *pp = p;
    return t;
}

/* ---- Parser --------------------------------------------------------------------------- */

typedef struct parser {
    token *toks;
    size_t n, pos;
    char *err; /* first error text */
} parser;

/* In a values context the keywords "in" and "notin" are plain identifiers. */
static tok_t peek(const parser *p, bool values, const char **lit)
{
    const token *t = &p->toks[p->pos < p->n ? p->pos : p->n - 1];
    if (lit) *lit = t->lit;
    return values && (t->t == T_IN || t->t == T_NOTIN) ? T_ID : t->t;
}

static tok_t next(parser *p, bool values, const char **lit)
{
    tok_t t = peek(p, values, lit);
    if (p->pos < p->n - 1) p->pos++;
    return t;
}

static int perr(parser *p, const char *fmt, const char *lit)
{
    p->err = xasprintf(fmt, lit);
    return -1;
}

/* A sorted set of values, as upstream's sets.String.List(). */
typedef struct strset {
    char **v;
    size_t n;
} strset;

static void set_add(strset *s, const char *v)
{
    size_t at = 0;
    while (at < s->n && strcmp(s->v[at], v) < 0)
        at++;
    if (at < s->n && strcmp(s->v[at], v) == 0) return;
    s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
    memmove(s->v + at + 1, s->v + at, (s->n - at) * sizeof *s->v);
    s->v[at] = xstrdup(v);
    s->n++;
}

static void set_clear(strset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    *s = (strset){0};
}

/* "(" values ")": empty entries (as in "(a,,b)" or "()") are the empty string. */
static int parse_values(parser *p, strset *s)
{
    const char *lit;
    if (next(p, true, &lit) != T_OPAR) return perr(p, "found '%s' expected: '('", lit);
    tok_t t = peek(p, true, &lit);
    if (t == T_CPAR) {
        next(p, true, NULL);
        set_add(s, "");
        return 0;
    }
    if (t != T_ID && t != T_COMMA)
        return perr(p, "found '%s', expected: ',', ')' or identifier", lit);
    for (;;) {
        const char *l2;
        t = next(p, true, &lit);
        if (t == T_ID) {
            set_add(s, lit);
            tok_t t2 = peek(p, true, &l2);
            if (t2 == T_CPAR) break;
            if (t2 != T_COMMA) return perr(p, "found '%s', expected: ',' or ')'", l2);
        } else if (t == T_COMMA) {
            if (s->n == 0) set_add(s, "");
            tok_t t2 = peek(p, true, NULL);
            if (t2 == T_CPAR) {
                set_add(s, "");
                break;
            }
            if (t2 == T_COMMA) { /* as upstream 1.34: the second comma is consumed here */
                next(p, true, NULL);
                set_add(s, "");
            }
        } else {
            return perr(p, "found '%s', expected: ',', or identifier", lit);
        }
    }
    next(p, true, NULL); /* the ')' */
    return 0;
}

static int parse_requirement(parser *p, ck_label_selector *sel)
{
    const char *lit;
    tok_t t = next(p, true, &lit);
    op_t op = OP_EXISTS;
    bool unary = false;
    if (t == T_DNE) {
        op = OP_DNE;
        unary = true;
        t = next(p, true, &lit);
    }
    if (t != T_ID) return perr(p, "found '%s', expected: identifier", lit);
    char *key = xstrdup(lit);
    ck_msgs m = {0};
    if (ck_is_qualified_name(key, &m)) {
        cleanup_ferrs ck_field_errors *fe = ck_ferrs_new();
        invalid_joined(fe, NULL, key, &m);
        p->err = xstrdup(ck_ferrs_text(fe, 0));
        free(key);
        return -1;
    }
    tok_t la = peek(p, true, NULL);
    if (unary || la == T_EOS || la == T_COMMA) {
        if (add_requirement(sel, key, op, NULL, 0, &p->err) < 0) return -1;
        return 0;
    }
    strset vals = {0};
    switch (next(p, false, &lit)) {
    case T_IN:
        op = OP_IN;
        break;
    case T_NOTIN:
        op = OP_NOTIN;
        break;
    case T_EQ:
        op = OP_EQ;
        break;
    case T_DEQ:
        op = OP_DEQ;
        break;
    case T_NEQ:
        op = OP_NEQ;
        break;
    case T_GT:
        op = OP_GT;
        break;
    case T_LT:
        op = OP_LT;
        break;
    default:
        free(key);
        return perr(p, "found '%s', expected: in, notin, =, ==, !=, gt, lt", lit);
    }
    if (op == OP_IN || op == OP_NOTIN) {
        if (parse_values(p, &vals) < 0) {
            set_clear(&vals);
            free(key);
            return -1;
        }
    } else {
        la = peek(p, true, &lit);
        if (la == T_EOS || la == T_COMMA) {
            set_add(&vals, "");
        } else if (next(p, true, &lit) == T_ID) {
            set_add(&vals, lit);
        } else {
            free(key);
            return perr(p, "found '%s', expected: identifier", lit);
        }
    }
    return add_requirement(sel, key, op, vals.v, vals.n, &p->err);
}

static int parse(parser *p, ck_label_selector *sel)
{
    for (;;) {
        const char *lit;
        tok_t t = peek(p, true, &lit);
        if (t == T_EOS) return 0;
        if (t != T_ID && t != T_DNE)
            return perr(p, "found '%s', expected: !, identifier, or 'end of string'", lit);
        if (parse_requirement(p, sel) < 0) {
            char *inner = p->err;
            p->err = xasprintf("unable to parse requirement: %s", inner);
            free(inner);
            return -1;
        }
        t = next(p, true, &lit);
        if (t == T_EOS) return 0;
        if (t != T_COMMA) return perr(p, "found '%s', expected: ',' or 'end of string'", lit);
        t = peek(p, true, &lit);
        if (t != T_ID && t != T_DNE)
            return perr(p, "found '%s', expected: identifier after ','", lit);
    }
}

int ck_label_selector_parse(const char *s, ck_label_selector **out, ck_err **err)
{
    parser p = {0};
    size_t cap = 0;
    for (const char *c = s ? s : "";;) {
        if (p.n == cap) {
            cap = cap ? cap * 2 : 8;
            p.toks = xrealloc(p.toks, cap * sizeof *p.toks);
        }
        p.toks[p.n++] = lex(&c);
        if (p.toks[p.n - 1].t == T_EOS) break;
    }
    ck_label_selector *sel = xcalloc(1, sizeof *sel);
    int r = parse(&p, sel);
    for (size_t i = 0; i < p.n; i++)
        free(p.toks[i].lit);
    free(p.toks);
    if (r < 0) {
        ck_label_selector_free(sel);
        ck_error(err, 400, CK_BAD_REQUEST, "%s", p.err);
        free(p.err);
        return -1;
    }
    *out = sel;
    return 0;
}

/* ---- Selector objects ----------------------------------------------------------------- */

int ck_label_selector_from_json(const json_t *ls, ck_label_selector **out, ck_err **err)
{
    cleanup_sel ck_label_selector *sel = xcalloc(1, sizeof *sel);
    if (ls && !json_is_null(ls) && !json_is_object(ls))
        return ck_error(err, 400, CK_BAD_REQUEST, "label selector must be an object");
    cleanup_free char *msg = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(ls, "matchLabels"), k, v)
    {
        char **vals = xcalloc(1, sizeof *vals);
        vals[0] = xstrdup(json_is_string(v) ? json_string_value(v) : "");
        if (add_requirement(sel, xstrdup(k), OP_EQ, vals, 1, &msg) < 0)
            return ck_error(err, 400, CK_BAD_REQUEST, "%s", msg);
    }
    size_t i;
    json_t *expr;
    json_array_foreach(json_object_get(ls, "matchExpressions"), i, expr)
    {
        const char *opname = json_string_value(json_object_get(expr, "operator"));
        op_t op;
        if (streq(opname, "In"))
            op = OP_IN;
        else if (streq(opname, "NotIn"))
            op = OP_NOTIN;
        else if (streq(opname, "Exists"))
            op = OP_EXISTS;
        else if (streq(opname, "DoesNotExist"))
            op = OP_DNE;
        else {
            cleanup_free char *q = ck_quote(opname ? opname : "");
            return ck_error(err, 400, CK_BAD_REQUEST, "%s is not a valid label selector operator",
                            q);
        }
        json_t *values = json_object_get(expr, "values");
        size_t n = json_array_size(values);
        char **vals = n ? xcalloc(n, sizeof *vals) : NULL;
        for (size_t j = 0; j < n; j++) {
            const char *s = json_string_value(json_array_get(values, j));
            vals[j] = xstrdup(s ? s : "");
        }
        const char *key = json_string_value(json_object_get(expr, "key"));
        if (add_requirement(sel, xstrdup(key ? key : ""), op, vals, n, &msg) < 0)
            return ck_error(err, 400, CK_BAD_REQUEST, "%s", msg);
    }
    *out = steal_pointer(&sel);
    return 0;
}
