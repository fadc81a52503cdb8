/* framework.PodInfo from a Pod object: requests as upstream's resourcehelper.PodRequests
 * (sum of containers, max with each init container where restartable init containers
 * accumulate, pod-level requests, overhead; the non-zero defaults of 100m cpu and 200Mi
 * memory per container for scoring), node selector and affinity, tolerations, host ports,
 * (anti-)affinity terms, topology spread constraints, images, volumes and owner. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/util.h"
#include "machinery/quantity.h"
#include "scheduler/plugins.h"

/* ---- Resource lists ---------------------------------------------------------------------- */

#define RL_MAX_SCALARS 16

enum { R_CPU, R_MEM, R_EPH, R_N };

typedef struct rlist {
    int64_t v[R_N];
    bool has[R_N];
    ck_sched_scalar sc[RL_MAX_SCALARS];
    uint32_t nsc;
} rlist;

static int64_t *rl_scalar(rlist *r, ck_sym name, bool create)
{
    for (uint32_t i = 0; i < r->nsc; i++)
        if (r->sc[i].name == name) return &r->sc[i].val;
    if (!create || r->nsc == RL_MAX_SCALARS) return NULL;
    r->sc[r->nsc] = (ck_sched_scalar){name, 0};
    return &r->sc[r->nsc++].val;
}

static void rl_add(rlist *dst, const rlist *src)
{
    for (int i = 0; i < R_N; i++)
        if (src->has[i]) {
            dst->v[i] += src->v[i];
            dst->has[i] = true;
        }
    for (uint32_t i = 0; i < src->nsc; i++) {
        int64_t *v = rl_scalar(dst, src->sc[i].name, true);
        if (v) *v += src->sc[i].val;
    }
}

/* maxResourceList: dst[k] = max(dst[k], src[k]) for the keys of src. */
static void rl_max(rlist *dst, const rlist *src)
{
    for (int i = 0; i < R_N; i++)
        if (src->has[i]) {
            if (!dst->has[i] || src->v[i] > dst->v[i]) dst->v[i] = src->v[i];
            dst->has[i] = true;
        }
    for (uint32_t i = 0; i < src->nsc; i++) {
        bool had = rl_scalar(dst, src->sc[i].name, false) != NULL;
        int64_t *v = rl_scalar(dst, src->sc[i].name, true);
        if (v && (!had || src->sc[i].val > *v)) *v = src->sc[i].val;
    }
}

static int quantity(const json_t *v, bool milli, int64_t *out, ck_err **err)
{
    char buf[64];
    const char *s;
    if (json_is_string(v)) {
        s = json_string_value(v);
    } else if (json_is_integer(v)) {
        snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
        s = buf;
    } else if (json_is_real(v)) {
        snprintf(buf, sizeof(buf), "%.9f", json_real_value(v));
        s = buf;
    } else {
        return ck_error(err, 400, CK_BAD_REQUEST, "quantity must be a string");
    }
    ck_quantity q;
    if (ck_quantity_parse(s, &q, err) < 0) return -1;
    *out = milli ? ck_quantity_milli(&q) : ck_quantity_value(&q);
    return 0;
}

/* A ResourceList object (requests, overhead) into r. */
static int rl_parse(ck_sched_symtab *t, const json_t *obj, rlist *r, ck_err **err)
{
    memset(r, 0, sizeof(*r));
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        int idx = streq(k, "cpu")                 ? R_CPU
                  : streq(k, "memory")            ? R_MEM
                  : streq(k, "ephemeral-storage") ? R_EPH
                                                  : -1;
        int64_t n = 0;
        if (idx < 0 && !ck_sched_is_scalar(k)) continue;
        if (quantity(v, idx == R_CPU, &n, err) < 0) return -1;
        if (idx >= 0) {
            r->v[idx] = n;
            r->has[idx] = true;
        } else {
            int64_t *s = rl_scalar(r, ck_sym_intern(t, k), true);
            if (s) *s = n;
        }
    }
    return 0;
}

static bool restartable(const json_t *c)
{
    return streq(json_string_value(json_object_get(c, "restartPolicy")), "Always");
}

/* AggregateContainerRequests; defaults (NonMissingContainerRequests) for cpu/memory when
 * want_cpu/want_mem. */
static int aggregate(ck_sched_symtab *t, const json_t *spec, bool def_cpu, bool def_mem, rlist *out,
                     ck_err **err)
{
    memset(out, 0, sizeof(*out));
    rlist c, init_max, sidecars;
    memset(&init_max, 0, sizeof(init_max));
    memset(&sidecars, 0, sizeof(sidecars));
    size_t i;
    json_t *ct;
    json_array_foreach(json_object_get(spec, "containers"), i, ct)
    {
        if (rl_parse(t, json_object_get(json_object_get(ct, "resources"), "requests"), &c, err) < 0)
            return -1;
        if (def_cpu && !c.has[R_CPU]) c.v[R_CPU] = CK_SCHED_DEFAULT_MILLI_CPU, c.has[R_CPU] = true;
        if (def_mem && !c.has[R_MEM]) c.v[R_MEM] = CK_SCHED_DEFAULT_MEMORY, c.has[R_MEM] = true;
        rl_add(out, &c);
    }
    json_array_foreach(json_object_get(spec, "initContainers"), i, ct)
    {
        if (rl_parse(t, json_object_get(json_object_get(ct, "resources"), "requests"), &c, err) < 0)
            return -1;
        if (def_cpu && !c.has[R_CPU]) c.v[R_CPU] = CK_SCHED_DEFAULT_MILLI_CPU, c.has[R_CPU] = true;
        if (def_mem && !c.has[R_MEM]) c.v[R_MEM] = CK_SCHED_DEFAULT_MEMORY, c.has[R_MEM] = true;
        if (restartable(ct)) {
            /* Sidecars run for the pod's life: they add to the total, and each later init
             * container runs beside all sidecars started before it. */
            rl_add(out, &c);
            rl_add(&sidecars, &c);
            rl_max(&init_max, &sidecars);
        } else {
            rlist tmp;
            memset(&tmp, 0, sizeof(tmp));
            rl_add(&tmp, &c);
            rl_add(&tmp, &sidecars);
            rl_max(&init_max, &tmp);
        }
    }
    rl_max(out, &init_max);
    return 0;
}

static int compute_requests(ck_sched_symtab *t, ck_sched_pod *p, const json_t *spec, ck_err **err)
{
    rlist req, nz, sc, pod_level, overhead;
    if (aggregate(t, spec, false, false, &req, err) < 0) return -1;
    const json_t *plr = json_object_get(json_object_get(spec, "resources"), "requests");
    if (rl_parse(t, plr, &pod_level, err) < 0) return -1;
    if (rl_parse(t, json_object_get(spec, "overhead"), &overhead, err) < 0) return -1;
    bool pl_set = pod_level.has[R_CPU] || pod_level.has[R_MEM];
    /* Pod-level requests (PodLevelResources) replace the aggregate for cpu and memory. */
    for (int i = R_CPU; i <= R_MEM; i++)
        if (pod_level.has[i]) req.v[i] = pod_level.v[i], req.has[i] = true;
    /* NodeInfo's non-zero share: defaults only where neither level set the resource. */
    if (aggregate(t, spec, pl_set ? !req.has[R_CPU] : true, pl_set ? !req.has[R_MEM] : true, &nz,
                  err) < 0)
        return -1;
    /* Scoring (NodeResourcesFit): defaults for every container lacking them. */
    if (aggregate(t, spec, true, true, &sc, err) < 0) return -1;
    for (int i = R_CPU; i <= R_MEM; i++)
        if (pod_level.has[i]) nz.v[i] = sc.v[i] = pod_level.v[i];
    rl_add(&req, &overhead);
    nz.v[R_CPU] += overhead.v[R_CPU];
    nz.v[R_MEM] += overhead.v[R_MEM];
    sc.v[R_CPU] += overhead.v[R_CPU];
    sc.v[R_MEM] += overhead.v[R_MEM];
    p->req.milli_cpu = req.v[R_CPU];
    p->req.memory = req.v[R_MEM];
    p->req.ephemeral = req.v[R_EPH];
    for (uint32_t i = 0; i < req.nsc; i++)
        ck_sched_scalar_add(&p->req_sc, req.sc[i].name, req.sc[i].val);
    p->nz_milli_cpu = nz.v[R_CPU];
    p->nz_memory = nz.v[R_MEM];
    p->sc_milli_cpu = sc.v[R_CPU];
    p->sc_memory = sc.v[R_MEM];
    return 0;
}

/* ---- Affinity and spreading --------------------------------------------------------------- */

/* Adds In (match) or NotIn (mismatch) requirements on the pod's own label values. */
static void merge_label_keys(ck_sched_symtab *t, ck_sched_selector *sel, const json_t *keys,
                             const ck_sched_labels *labels, uint8_t op)
{
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        if (!json_is_string(k)) continue;
        ck_sym key = ck_sym_intern(t, json_string_value(k)), v = ck_sched_labels_get(labels, key);
        if (!v) continue;
        if (sel->nothing && op == CK_SEL_IN) {
            /* mergeLabelSetWithSelector: a nil selector contributes no requirements. */
            sel->nothing = false;
        }
        sel->reqs = xrealloc(sel->reqs, (sel->n + 1) * sizeof(ck_sel_req));
        ck_sel_req *r = &sel->reqs[sel->n++];
        memset(r, 0, sizeof(*r));
        r->key = key;
        r->op = op;
        r->vals = xmalloc(sizeof(ck_sym));
        r->vals[0] = v;
        r->nvals = 1;
    }
}

static int parse_aff_term(ck_sched_symtab *t, ck_sched_pod *p, const json_t *term, int32_t weight,
                          ck_sched_aff_term *out, ck_err **err)
{
    memset(out, 0, sizeof(*out));
    out->weight = weight;
    const char *tk = json_string_value(json_object_get(term, "topologyKey"));
    out->topology_key = ck_sym_intern(t, tk ? tk : "");
    if (ck_sched_parse_selector(t, json_object_get(term, "labelSelector"), &out->sel, err) < 0)
        return -1;
    merge_label_keys(t, &out->sel, json_object_get(term, "matchLabelKeys"), &p->labels, CK_SEL_IN);
    merge_label_keys(t, &out->sel, json_object_get(term, "mismatchLabelKeys"), &p->labels,
                     CK_SEL_NOT_IN);
    json_t *nss = json_object_get(term, "namespaces"),
           *nsel = json_object_get(term, "namespaceSelector");
    if (ck_sched_parse_selector(t, nsel, &out->ns_sel, err) < 0) return -1;
    if (json_array_size(nss) == 0 && (!nsel || json_is_null(nsel))) {
        out->namespaces = xmalloc(sizeof(ck_sym));
        out->namespaces[out->nns++] = p->ns;
    } else if (json_array_size(nss)) {
        out->namespaces = xmalloc(json_array_size(nss) * sizeof(ck_sym));
        size_t i;
        json_t *n;
        json_array_foreach(nss, i, n) out->namespaces[out->nns++] =
            ck_sym_intern(t, json_is_string(n) ? json_string_value(n) : "");
    }
    return 0;
}

static int parse_aff_terms(ck_sched_symtab *t, ck_sched_pod *p, const json_t *arr, bool weighted,
                           ck_sched_aff_term **out, uint32_t *n, ck_err **err)
{
    size_t cnt = json_array_size(arr), i;
    json_t *e;
    if (!cnt) return 0;
    *out = xcalloc(cnt, sizeof(ck_sched_aff_term));
    json_array_foreach(arr, i, e)
    {
        const json_t *term = weighted ? json_object_get(e, "podAffinityTerm") : e;
        int32_t w = weighted ? (int32_t)json_integer_value(json_object_get(e, "weight")) : 0;
        if (parse_aff_term(t, p, term, w, &(*out)[*n], err) < 0) return -1;
        (*n)++;
    }
    return 0;
}

static int parse_spread(ck_sched_symtab *t, ck_sched_pod *p, const json_t *arr, ck_err **err)
{
    size_t cnt = json_array_size(arr), i;
    json_t *c;
    if (!cnt) return 0;
    p->spread = xcalloc(cnt, sizeof(ck_sched_spread));
    json_array_foreach(arr, i, c)
    {
        ck_sched_spread *s = &p->spread[p->nspread];
        s->max_skew = (int32_t)json_integer_value(json_object_get(c, "maxSkew"));
        const char *tk = json_string_value(json_object_get(c, "topologyKey"));
        s->topology_key = ck_sym_intern(t, tk ? tk : "");
        s->do_not_schedule =
            !streq(json_string_value(json_object_get(c, "whenUnsatisfiable")), "ScheduleAnyway");
        json_t *md = json_object_get(c, "minDomains");
        s->min_domains = json_is_integer(md) ? (int32_t)json_integer_value(md) : 1;
        s->honor_node_affinity =
            !streq(json_string_value(json_object_get(c, "nodeAffinityPolicy")), "Ignore");
        s->honor_node_taints =
            streq(json_string_value(json_object_get(c, "nodeTaintsPolicy")), "Honor");
        if (ck_sched_parse_selector(t, json_object_get(c, "labelSelector"), &s->sel, err) < 0)
            return -1;
        merge_label_keys(t, &s->sel, json_object_get(c, "matchLabelKeys"), &p->labels, CK_SEL_IN);
        p->nspread++;
    }
    return 0;
}

/* ---- The rest of the spec ------------------------------------------------------------------ */

static void parse_tolerations(ck_sched_symtab *t, ck_sched_pod *p, const json_t *arr)
{
    size_t n = json_array_size(arr), i;
    json_t *e;
    if (!n) return;
    p->tols = xcalloc(n, sizeof(ck_sched_toleration));
    json_array_foreach(arr, i, e)
    {
        ck_sched_toleration *tl = &p->tols[p->ntols++];
        const char *key = json_string_value(json_object_get(e, "key"));
        const char *op = json_string_value(json_object_get(e, "operator"));
        const char *val = json_string_value(json_object_get(e, "value"));
        tl->key = key && *key ? ck_sym_intern(t, key) : 0;
        tl->value = ck_sym_intern(t, val ? val : "");
        tl->op = !op || !*op || streq(op, "Equal") ? CK_TOL_EQUAL
                 : streq(op, "Exists")             ? CK_TOL_EXISTS
                                                   : CK_TOL_INVALID;
        tl->effect = ck_sched_parse_effect(json_string_value(json_object_get(e, "effect")));
    }
}

static void add_ports(ck_sched_symtab *t, ck_sched_pod *p, const json_t *container)
{
    size_t i;
    json_t *port;
    json_array_foreach(json_object_get(container, "ports"), i, port)
    {
        json_int_t hp = json_integer_value(json_object_get(port, "hostPort"));
        if (hp <= 0) continue;
        const char *ip = json_string_value(json_object_get(port, "hostIP"));
        const char *proto = json_string_value(json_object_get(port, "protocol"));
        p->ports = xrealloc(p->ports, (p->nports + 1) * sizeof(ck_sched_port));
        p->ports[p->nports++] = (ck_sched_port){.ip = ck_sym_intern(t, ip && *ip ? ip : "0.0.0.0"),
                                                .proto = streq(proto, "UDP")    ? CK_PROTO_UDP
                                                         : streq(proto, "SCTP") ? CK_PROTO_SCTP
                                                                                : CK_PROTO_TCP,
                                                .port = (int32_t)hp,
                                                .count = 1};
    }
}

static void add_image(ck_sched_symtab *t, ck_sched_pod *p, const json_t *container)
{
    const char *img = json_string_value(json_object_get(container, "image"));
    p->ncontainers++;
    if (!img) return;
    const char *colon = strrchr(img, ':'), *slash = strrchr(img, '/');
    ck_sym s;
    if (!colon || (slash && colon < slash)) {
        char *n = xasprintf("%s:latest", img);
        s = ck_sym_intern(t, n);
        free(n);
    } else {
        s = ck_sym_intern(t, img);
    }
    p->images = xrealloc(p->images, (p->nimages + 1) * sizeof(ck_sym));
    p->images[p->nimages++] = s;
}

/* "2006-01-02T15:04:05Z" (fractions and offsets accepted) to unix seconds. */
static int64_t parse_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *rest = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!rest) return INT64_MAX;
    int64_t t = (int64_t)timegm(&tm);
    while (*rest == '.' || (*rest >= '0' && *rest <= '9'))
        rest++;
    if (*rest == '+' || *rest == '-') {
        int hh = 0, mm = 0;
        if (sscanf(rest + 1, "%2d:%2d", &hh, &mm) >= 1)
            t -= (*rest == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
    }
    return t;
}

static void parse_meta(ck_sched_symtab *t, ck_sched_pod *p, const json_t *obj)
{
    const json_t *md = json_object_get(obj, "metadata");
    const char *ns = json_string_value(json_object_get(md, "namespace"));
    const char *name = json_string_value(json_object_get(md, "name"));
    const char *uid = json_string_value(json_object_get(md, "uid"));
    p->name = xstrdup(name ? name : "");
    p->uid = xstrdup(uid ? uid : "");
    p->ns = ck_sym_intern(t, ns ? ns : "");
    p->terminating = json_object_get(md, "deletionTimestamp") != NULL &&
                     !json_is_null(json_object_get(md, "deletionTimestamp"));
    ck_sched_labels_parse(t, json_object_get(md, "labels"), &p->labels);
    size_t i;
    json_t *ref;
    json_array_foreach(json_object_get(md, "ownerReferences"), i, ref)
    {
        if (!json_is_true(json_object_get(ref, "controller"))) continue;
        const char *kind = json_string_value(json_object_get(ref, "kind"));
        const char *av = json_string_value(json_object_get(ref, "apiVersion"));
        p->owner_kind = streq(av, "v1") && streq(kind, "ReplicationController") ? CK_OWNER_RC
                        : streq(av, "apps/v1") && streq(kind, "ReplicaSet")     ? CK_OWNER_RS
                        : streq(av, "apps/v1") && streq(kind, "StatefulSet")    ? CK_OWNER_SS
                                                                                : CK_OWNER_OTHER;
        const char *on = json_string_value(json_object_get(ref, "name"));
        p->owner_name = xstrdup(on ? on : "");
        break;
    }
}

static void parse_status(ck_sched_symtab *t, ck_sched_pod *p, const json_t *st)
{
    const char *nnn = json_string_value(json_object_get(st, "nominatedNodeName"));
    p->nominated_node = nnn && *nnn ? ck_sym_intern(t, nnn) : 0;
    p->start_time = parse_time(json_string_value(json_object_get(st, "startTime")));
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(st, "conditions"), i, c)
    {
        if (streq(json_string_value(json_object_get(c, "type")), "DisruptionTarget") &&
            streq(json_string_value(json_object_get(c, "status")), "True") &&
            streq(json_string_value(json_object_get(c, "reason")), "PreemptionByScheduler"))
            p->preempted_by_scheduler = true;
    }
}

static int parse_node_affinity(ck_sched_symtab *t, ck_sched_pod *p, const json_t *na, ck_err **err)
{
    const json_t *req = json_object_get(na, "requiredDuringSchedulingIgnoredDuringExecution");
    if (req && !json_is_null(req)) {
        const json_t *terms = json_object_get(req, "nodeSelectorTerms");
        p->has_required = true;
        size_t n = json_array_size(terms), i;
        json_t *term;
        if (n) p->required = xcalloc(n, sizeof(ck_sched_node_term));
        json_array_foreach(terms, i, term)
        {
            if (ck_sched_parse_node_term(t, term, &p->required[p->nrequired], err) < 0) return -1;
            p->nrequired++;
        }
    }
    const json_t *pref = json_object_get(na, "preferredDuringSchedulingIgnoredDuringExecution");
    size_t n = json_array_size(pref), i;
    json_t *e;
    if (n) p->preferred = xcalloc(n, sizeof(ck_sched_node_term));
    json_array_foreach(pref, i, e)
    {
        ck_sched_node_term *term = &p->preferred[p->npreferred];
        if (ck_sched_parse_node_term(t, json_object_get(e, "preference"), term, err) < 0) return -1;
        term->weight = (int32_t)json_integer_value(json_object_get(e, "weight"));
        p->npreferred++;
    }
    return 0;
}

static int parse_spec(ck_sched_symtab *t, ck_sched_pod *p, const json_t *spec, ck_err **err)
{
    const char *nn = json_string_value(json_object_get(spec, "nodeName"));
    p->node_name = nn && *nn ? ck_sym_intern(t, nn) : 0;
    const char *sn = json_string_value(json_object_get(spec, "schedulerName"));
    p->scheduler_name = ck_sym_intern(t, sn && *sn ? sn : "default-scheduler");
    p->priority = (int32_t)json_integer_value(json_object_get(spec, "priority"));
    p->preempt_never = streq(json_string_value(json_object_get(spec, "preemptionPolicy")), "Never");
    p->gated = json_array_size(json_object_get(spec, "schedulingGates")) > 0;
    const json_t *nsel = json_object_get(spec, "nodeSelector");
    if (json_is_object(nsel)) {
        p->has_node_selector = true;
        size_t n = json_object_size(nsel);
        if (n) p->node_selector.exprs = xcalloc(n, sizeof(ck_sel_req));
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)nsel, k, v)
        {
            ck_sel_req *r = &p->node_selector.exprs[p->node_selector.nexprs++];
            r->key = ck_sym_intern(t, k);
            r->op = CK_SEL_IN;
            r->vals = xmalloc(sizeof(ck_sym));
            r->vals[0] = ck_sym_intern(t, json_is_string(v) ? json_string_value(v) : "");
            r->nvals = 1;
        }
    }
    const json_t *aff = json_object_get(spec, "affinity");
    if (parse_node_affinity(t, p, json_object_get(aff, "nodeAffinity"), err) < 0) return -1;
    const json_t *pa = json_object_get(aff, "podAffinity"),
                 *paa = json_object_get(aff, "podAntiAffinity");
    p->has_pod_affinity = json_is_object(pa);
    p->has_pod_anti_affinity = json_is_object(paa);
    if (parse_aff_terms(t, p, json_object_get(pa, "requiredDuringSchedulingIgnoredDuringExecution"),
                        false, &p->aff_req, &p->naff_req, err) < 0 ||
        parse_aff_terms(t, p,
                        json_object_get(paa, "requiredDuringSchedulingIgnoredDuringExecution"),
                        false, &p->anti_req, &p->nanti_req, err) < 0 ||
        parse_aff_terms(t, p,
                        json_object_get(pa, "preferredDuringSchedulingIgnoredDuringExecution"),
                        true, &p->aff_pref, &p->naff_pref, err) < 0 ||
        parse_aff_terms(t, p,
                        json_object_get(paa, "preferredDuringSchedulingIgnoredDuringExecution"),
                        true, &p->anti_pref, &p->nanti_pref, err) < 0)
        return -1;
    parse_tolerations(t, p, json_object_get(spec, "tolerations"));
    if (parse_spread(t, p, json_object_get(spec, "topologySpreadConstraints"), err) < 0) return -1;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(spec, "initContainers"), i, c)
    {
        add_image(t, p, c);
        if (restartable(c)) add_ports(t, p, c);
    }
    json_array_foreach(json_object_get(spec, "containers"), i, c)
    {
        add_image(t, p, c);
        add_ports(t, p, c);
    }
    json_array_foreach(json_object_get(spec, "volumes"), i, c)
    {
        const char *claim = json_string_value(
            json_object_get(json_object_get(c, "persistentVolumeClaim"), "claimName"));
        bool eph = json_is_object(json_object_get(c, "ephemeral"));
        if (!claim && !eph) continue;
        p->volumes = xrealloc(p->volumes, (p->nvolumes + 1) * sizeof(ck_sched_volume));
        const char *vn = json_string_value(json_object_get(c, "name"));
        p->volumes[p->nvolumes++] = (ck_sched_volume){
            .claim = claim ? xstrdup(claim) : xasprintf("%s-%s", p->name, vn ? vn : ""),
            .ephemeral = eph && !claim};
    }
    return compute_requests(t, p, spec, err);
}

ck_sched_pod *ck_sched_pod_new(ck_sched_symtab *t, json_t *obj, ck_err **err)
{
    ck_sched_pod *p = xcalloc(1, sizeof(*p));
    p->refs = 1;
    p->obj = json_incref(obj);
    parse_meta(t, p, obj);
    parse_status(t, p, json_object_get(obj, "status"));
    if (parse_spec(t, p, json_object_get(obj, "spec"), err) < 0) {
        ck_sched_pod_unref(p);
        return NULL;
    }
    return p;
}

ck_sched_pod *ck_sched_pod_ref(ck_sched_pod *p)
{
    p->refs++;
    return p;
}

static void free_aff_terms(ck_sched_aff_term *terms, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        ck_sched_selector_free(&terms[i].sel);
        ck_sched_selector_free(&terms[i].ns_sel);
        free(terms[i].namespaces);
    }
    free(terms);
}

void ck_sched_pod_unref(ck_sched_pod *p)
{
    if (!p || --p->refs > 0) return;
    free(p->name);
    free(p->uid);
    free(p->labels.v);
    ck_sched_node_term_free(&p->node_selector);
    for (uint32_t i = 0; i < p->nrequired; i++)
        ck_sched_node_term_free(&p->required[i]);
    free(p->required);
    for (uint32_t i = 0; i < p->npreferred; i++)
        ck_sched_node_term_free(&p->preferred[i]);
    free(p->preferred);
    free(p->tols);
    free(p->ports);
    ck_sched_scalars_free(&p->req_sc);
    free_aff_terms(p->aff_req, p->naff_req);
    free_aff_terms(p->anti_req, p->nanti_req);
    free_aff_terms(p->aff_pref, p->naff_pref);
    free_aff_terms(p->anti_pref, p->nanti_pref);
    for (uint32_t i = 0; i < p->nspread; i++)
        ck_sched_selector_free(&p->spread[i].sel);
    free(p->spread);
    free(p->images);
    for (uint32_t i = 0; i < p->nvolumes; i++)
        free(p->volumes[i].claim);
    free(p->volumes);
    free(p->owner_name);
    json_decref(p->obj);
    free(p);
}

bool ck_sched_pod_has_affinity(const ck_sched_pod *p)
{
    return p->has_pod_affinity || p->has_pod_anti_affinity;
}

bool ck_sched_pod_has_req_anti(const ck_sched_pod *p)
{
    return p->nanti_req > 0;
}
