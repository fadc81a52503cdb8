/* Labels, compiled selectors (metav1.LabelSelector and v1.NodeSelectorTerm), taints and
 * tolerations, node affinity and affinity-term matching: the predicates every plugin uses,
 * on interned ids. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/plugins.h"

/* ---- Labels ------------------------------------------------------------------------------ */

ck_sym ck_sched_labels_get(const ck_sched_labels *l, ck_sym key)
{
    if (!l) return 0;
    uint32_t lo = 0, hi = l->n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (l->v[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < l->n && l->v[lo].key == key ? l->v[lo].val : 0;
}

static int label_cmp(const void *a, const void *b)
{
    const ck_sched_label *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key;
}

void ck_sched_labels_parse(ck_sched_symtab *t, const json_t *obj, ck_sched_labels *out)
{
    out->v = NULL;
    out->n = 0;
    if (!json_is_object(obj) || json_object_size(obj) == 0) return;
    out->v = xmalloc(json_object_size(obj) * sizeof(ck_sched_label));
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        if (!json_is_string(v)) continue;
        out->v[out->n++] = (ck_sched_label){
            ck_sym_intern(t, k), ck_sym_internn(t, json_string_value(v), json_string_length(v))};
    }
    qsort(out->v, out->n, sizeof(ck_sched_label), label_cmp);
}

/* ---- Selectors --------------------------------------------------------------------------- */

static bool req_matches(const ck_sel_req *r, const ck_sched_labels *l, const ck_sched_symtab *t)
{
    ck_sym v = ck_sched_labels_get(l, r->key);
    switch (r->op) {
    case CK_SEL_IN:
        if (!v) return false;
        for (uint32_t i = 0; i < r->nvals; i++)
            if (r->vals[i] == v) return true;
        return false;
    case CK_SEL_NOT_IN:
        if (!v) return true;
        for (uint32_t i = 0; i < r->nvals; i++)
            if (r->vals[i] == v) return false;
        return true;
    case CK_SEL_EXISTS:
        return v != 0;
    case CK_SEL_DOES_NOT_EXIST:
        return v == 0;
    case CK_SEL_GT:
    case CK_SEL_LT: {
        int64_t n;
        if (!v || !ck_sym_int(t, v, &n)) return false;
        return r->op == CK_SEL_GT ? n > r->num : n < r->num;
    }
    }
    return false;
}

bool ck_sched_selector_matches(const ck_sched_selector *s, const ck_sched_labels *l,
                               const ck_sched_symtab *t)
{
    if (s->nothing) return false;
    for (uint32_t i = 0; i < s->n; i++)
        if (!req_matches(&s->reqs[i], l, t)) return false;
    return true;
}

static void req_free(ck_sel_req *r)
{
    free(r->vals);
}

void ck_sched_selector_free(ck_sched_selector *s)
{
    for (uint32_t i = 0; i < s->n; i++)
        req_free(&s->reqs[i]);
    free(s->reqs);
    memset(s, 0, sizeof(*s));
}

static int parse_op(const char *op, bool node)
{
    if (streq(op, "In")) return CK_SEL_IN;
    if (streq(op, "NotIn")) return CK_SEL_NOT_IN;
    if (streq(op, "Exists")) return CK_SEL_EXISTS;
    if (streq(op, "DoesNotExist")) return CK_SEL_DOES_NOT_EXIST;
    if (node && streq(op, "Gt")) return CK_SEL_GT;
    if (node && streq(op, "Lt")) return CK_SEL_LT;
    return -1;
}

/* One requirement {key, operator, values}. Returns false if it is invalid (the caller
 * decides whether that is an error or a never-matching term). */
static bool parse_req(ck_sched_symtab *t, const json_t *e, bool node, ck_sel_req *r)
{
    memset(r, 0, sizeof(*r));
    const char *key = json_string_value(json_object_get(e, "key"));
    const char *op = json_string_value(json_object_get(e, "operator"));
    json_t *vals = json_object_get(e, "values");
    int o = op ? parse_op(op, node) : -1;
    if (!key || o < 0) return false;
    size_t nv = json_is_array(vals) ? json_array_size(vals) : 0;
    r->key = ck_sym_intern(t, key);
    r->op = (uint8_t)o;
    if ((o == CK_SEL_IN || o == CK_SEL_NOT_IN) && nv == 0) return false;
    if ((o == CK_SEL_EXISTS || o == CK_SEL_DOES_NOT_EXIST) && nv != 0) return false;
    if (o == CK_SEL_GT || o == CK_SEL_LT) {
        if (nv != 1) return false;
        const char *s = json_string_value(json_array_get(vals, 0));
        ck_sym v = s ? ck_sym_intern(t, s) : 0;
        if (!v || !ck_sym_int(t, v, &r->num)) return false;
        return true;
    }
    if (nv) {
        r->vals = xmalloc(nv * sizeof(ck_sym));
        for (size_t i = 0; i < nv; i++) {
            const char *s = json_string_value(json_array_get(vals, i));
            r->vals[r->nvals++] = ck_sym_intern(t, s ? s : "");
        }
    }
    return true;
}

int ck_sched_parse_selector(ck_sched_symtab *t, const json_t *ls, ck_sched_selector *out,
                            ck_err **err)
{
    memset(out, 0, sizeof(*out));
    if (!ls || json_is_null(ls)) {
        out->nothing = true;
        return 0;
    }
    json_t *ml = json_object_get(ls, "matchLabels"), *me = json_object_get(ls, "matchExpressions");
    size_t cap = json_object_size(ml) + json_array_size(me);
    if (cap) out->reqs = xcalloc(cap, sizeof(ck_sel_req));
    const char *k;
    json_t *v;
    json_object_foreach(ml, k, v)
    {
        ck_sel_req *r = &out->reqs[out->n++];
        r->key = ck_sym_intern(t, k);
        r->op = CK_SEL_IN;
        r->vals = xmalloc(sizeof(ck_sym));
        r->vals[0] = ck_sym_intern(t, json_is_string(v) ? json_string_value(v) : "");
        r->nvals = 1;
    }
    size_t i;
    json_array_foreach(me, i, v)
    {
        ck_sel_req *r = &out->reqs[out->n];
        if (!parse_req(t, v, false, r)) {
            const char *op = json_string_value(json_object_get(v, "operator"));
            req_free(r);
            ck_sched_selector_free(out);
            if (op && parse_op(op, false) < 0)
                return ck_error(err, 400, CK_BAD_REQUEST,
                                "%s is not a valid label selector operator", op);
            return ck_error(err, 400, CK_BAD_REQUEST, "invalid label selector requirement");
        }
        out->n++;
    }
    return 0;
}

/* ---- Node selector terms -------------------------------------------------------------- */

void ck_sched_node_term_free(ck_sched_node_term *t)
{
    for (uint32_t i = 0; i < t->nexprs; i++)
        req_free(&t->exprs[i]);
    for (uint32_t i = 0; i < t->nfields; i++)
        req_free(&t->fields[i]);
    free(t->exprs);
    free(t->fields);
    memset(t, 0, sizeof(*t));
}

/* A term with an invalid requirement never matches (upstream ignores its parse error). */
static void poison(ck_sched_node_term *out)
{
    ck_sched_node_term_free(out);
    out->exprs = xcalloc(1, sizeof(ck_sel_req));
    out->exprs[0].op = CK_SEL_IN; /* In with no values: matches nothing */
    out->nexprs = 1;
}

int ck_sched_parse_node_term(ck_sched_symtab *t, const json_t *term, ck_sched_node_term *out,
                             ck_err **err)
{
    (void)err;
    memset(out, 0, sizeof(*out));
    json_t *me = json_object_get(term, "matchExpressions"),
           *mf = json_object_get(term, "matchFields");
    size_t ne = json_array_size(me), nf = json_array_size(mf), i;
    json_t *v;
    if (ne) out->exprs = xcalloc(ne, sizeof(ck_sel_req));
    if (nf) out->fields = xcalloc(nf, sizeof(ck_sel_req));
    json_array_foreach(me, i, v)
    {
        if (!parse_req(t, v, true, &out->exprs[out->nexprs])) {
            req_free(&out->exprs[out->nexprs]);
            poison(out);
            return 0;
        }
        out->nexprs++;
    }
    json_array_foreach(mf, i, v)
    {
        ck_sel_req *r = &out->fields[out->nfields];
        /* Field selectors take In/NotIn with exactly one value. */
        if (!parse_req(t, v, false, r) || (r->op != CK_SEL_IN && r->op != CK_SEL_NOT_IN) ||
            r->nvals != 1) {
            req_free(r);
            poison(out);
            return 0;
        }
        out->nfields++;
    }
    return 0;
}

bool ck_sched_node_term_matches(const ck_sched_node_term *term, const ck_sched_node *node,
                                const ck_sched_symtab *t)
{
    if (term->nexprs == 0 && term->nfields == 0) return false;
    for (uint32_t i = 0; i < term->nexprs; i++)
        if (!req_matches(&term->exprs[i], &node->labels, t)) return false;
    if (term->nfields) {
        ck_sched_label f = {ck_sym_find(t, "metadata.name"), node->name};
        ck_sched_labels fields = {&f, 1};
        for (uint32_t i = 0; i < term->nfields; i++)
            if (!req_matches(&term->fields[i], &fields, t)) return false;
    }
    return true;
}

bool ck_sched_required_affinity_matches(const ck_sched_pod *pod, const ck_sched_node *node,
                                        const ck_sched_symtab *t)
{
    if (pod->has_node_selector) {
        const ck_sched_node_term *ns = &pod->node_selector;
        for (uint32_t i = 0; i < ns->nexprs; i++)
            if (!req_matches(&ns->exprs[i], &node->labels, t)) return false;
    }
    if (!pod->has_required) return true;
    for (uint32_t i = 0; i < pod->nrequired; i++)
        if (ck_sched_node_term_matches(&pod->required[i], node, t)) return true;
    return false;
}

/* ---- Taints and tolerations ---------------------------------------------------------- */

uint8_t ck_sched_parse_effect(const char *s)
{
    if (!s || !*s) return CK_EFFECT_ANY;
    if (streq(s, "NoSchedule")) return CK_EFFECT_NO_SCHEDULE;
    if (streq(s, "PreferNoSchedule")) return CK_EFFECT_PREFER_NO_SCHEDULE;
    if (streq(s, "NoExecute")) return CK_EFFECT_NO_EXECUTE;
    return CK_EFFECT_OTHER;
}

bool ck_sched_tolerates(const ck_sched_toleration *t, const ck_sched_taint *taint)
{
    if (t->effect != CK_EFFECT_ANY && t->effect != taint->effect) return false;
    if (t->key && t->key != taint->key) return false;
    switch (t->op) {
    case CK_TOL_EQUAL:
        return t->value == taint->value;
    case CK_TOL_EXISTS:
        return true;
    default:
        return false;
    }
}

bool ck_sched_tolerations_tolerate(const ck_sched_toleration *tols, uint32_t n,
                                   const ck_sched_taint *taint)
{
    for (uint32_t i = 0; i < n; i++)
        if (ck_sched_tolerates(&tols[i], taint)) return true;
    return false;
}

const ck_sched_taint *ck_sched_untolerated(const ck_sched_node *node, const ck_sched_pod *pod)
{
    for (uint32_t i = 0; i < node->ntaints; i++) {
        const ck_sched_taint *tt = &node->taints[i];
        if (tt->effect != CK_EFFECT_NO_SCHEDULE && tt->effect != CK_EFFECT_NO_EXECUTE) continue;
        if (!ck_sched_tolerations_tolerate(pod->tols, pod->ntols, tt)) return tt;
    }
    return NULL;
}

/* ---- Affinity terms -------------------------------------------------------------------- */

bool ck_sched_aff_term_matches(const ck_sched_aff_term *term, const ck_sched_pod *pod,
                               const ck_sched_labels *ns_labels, const ck_sched_symtab *t)
{
    bool ns_ok = false;
    for (uint32_t i = 0; i < term->nns && !ns_ok; i++)
        ns_ok = term->namespaces[i] == pod->ns;
    if (!ns_ok) {
        static const ck_sched_labels none = {NULL, 0};
        ns_ok = ck_sched_selector_matches(&term->ns_sel, ns_labels ? ns_labels : &none, t);
    }
    return ns_ok && ck_sched_selector_matches(&term->sel, &pod->labels, t);
}

/* ---- Resources ------------------------------------------------------------------------- */

bool ck_sched_is_scalar(const char *name)
{
    return has_prefix(name, "hugepages-") || has_prefix(name, "attachable-volumes-") ||
           strchr(name, '/') != NULL;
}

int64_t ck_sched_scalar_get(const ck_sched_scalars *r, ck_sym name)
{
    for (uint32_t i = 0; i < r->n; i++)
        if (r->v[i].name == name) return r->v[i].val;
    return 0;
}

void ck_sched_scalar_add(ck_sched_scalars *r, ck_sym name, int64_t v)
{
    for (uint32_t i = 0; i < r->n; i++)
        if (r->v[i].name == name) {
            r->v[i].val += v;
            return;
        }
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 4;
        r->v = xrealloc(r->v, r->cap * sizeof(ck_sched_scalar));
    }
    r->v[r->n++] = (ck_sched_scalar){name, v};
}

void ck_sched_scalars_free(ck_sched_scalars *r)
{
    free(r->v);
    r->v = NULL;
    r->n = r->cap = 0;
}
