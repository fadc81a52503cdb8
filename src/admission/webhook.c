/* The MutatingAdmissionWebhook and ValidatingAdmissionWebhook plugins: which webhooks a
 * write must call (rules, namespaceSelector, objectSelector, exemptions), the
 * AdmissionReview they get, and the hand-off to the workers and back (see webhook.h). */
#include "admission/webhook.h"

#include <stdio.h>
#include <string.h>

#include "admission/plugins.h"
#include "apiserver/cache.h"
#include "apiserver/http.h"
#include "apiserver/server.h"
#include "audit/audit.h"
#include "lib/base64.h"
#include "lib/log.h"
#include "lib/util.h"
#include "registry/registry.h"

/* A request is handed to the workers at most this often before it gives up (updates whose
 * object keeps changing under the webhooks). */
#define MAX_DISPATCHES 5

enum { MUTATING, VALIDATING };

/* The outcome of one dispatch, for the handler's next run: the phase, the object it was
 * for ("ns/name" or "" for a create without a name) and the old object's resourceVersion. */
typedef struct memo_entry {
    int phase;
    char *key, *old_rv;
    json_t *obj; /* mutating: the object the webhooks returned */
    ck_err *err;
} memo_entry;

struct ck_webhook_memo {
    memo_entry *e;
    size_t n;
    int redispatches; /* dispatches for an object whose earlier outcome went stale */
};

void ck_webhook_memo_free(ck_webhook_memo *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->e[i].key);
        free(m->e[i].old_rv);
        json_decref(m->e[i].obj);
        ck_err_free(m->e[i].err);
    }
    free(m->e);
    free(m);
}

static memo_entry *memo_find(ck_webhook_memo *m, int phase, const char *key)
{
    for (size_t i = 0; m && i < m->n; i++)
        if (m->e[i].phase == phase && streq(m->e[i].key, key)) return &m->e[i];
    return NULL;
}

static void hook_clear(ck_hook *h)
{
    free(h->name);
    free(h->config);
    free(h->url);
    free(h->connect_to);
    free(h->unreachable);
    free(h->ca);
    ck_label_selector_free(h->object_sel);
}

void ck_webhook_job_free(ck_webhook_job *job)
{
    if (!job) return;
    for (size_t i = 0; i < job->nhooks; i++)
        hook_clear(&job->hooks[i]);
    free(job->hooks);
    json_decref(job->review);
    json_decref(job->obj);
    json_decref(job->old);
    ck_err_free(job->err);
    json_decref(job->warnings);
    json_decref(job->annotations);
    free(job->key);
    free(job->old_rv);
    free(job);
}

/* ---- matching ---- */

static bool has(const json_t *list, const char *v)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *s = json_string_value(e);
        if (s && (streq(s, "*") || streq(s, v))) return true;
    }
    return false;
}

/* Rule resources against a resource and subresource: "pods", "pods/status", "*" (main
 * resources only), "*" with a "*" subresource (everything), "*" with "status". */
static bool resource_matches(const json_t *list, const char *res, const char *sub)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *s = json_string_value(e);
        if (!s) continue;
        const char *slash = strchr(s, '/');
        size_t rn = slash ? (size_t)(slash - s) : strlen(s);
        const char *rs = slash ? slash + 1 : "";
        bool rok = (rn == 1 && s[0] == '*') || (strlen(res) == rn && !strncmp(s, res, rn));
        bool sok = streq(rs, "*") || streq(rs, sub ? sub : "");
        if (rok && sok) return true;
    }
    return false;
}

static bool rule_matches(const json_t *rule, const ck_admission_attrs *a)
{
    const ck_rtype_def *d = a->rt->def;
    if (!has(json_object_get(rule, "operations"), a->operation) ||
        !has(json_object_get(rule, "apiGroups"), d->group) ||
        !has(json_object_get(rule, "apiVersions"), d->version) ||
        !resource_matches(json_object_get(rule, "resources"), d->plural, a->sub))
        return false;
    const char *scope = json_string_value(json_object_get(rule, "scope"));
    if (!scope || streq(scope, "*")) return true;
    bool cluster = !a->rt->res->namespaced;
    return streq(scope, "Cluster") ? cluster : !cluster;
}

/* Upstream never sends the webhook and policy configurations themselves to webhooks. */
static bool exempt(const ck_admission_attrs *a)
{
    return streq(a->rt->def->group, "admissionregistration.k8s.io");
}

static bool selector_matches(const json_t *sel, const json_t *labels)
{
    ck_label_selector *s = NULL;
    ck_err *e = NULL;
    if (ck_label_selector_from_json(sel, &s, &e) < 0) {
        ck_err_free(e);
        return false;
    }
    bool ok = ck_label_selector_matches(s, labels);
    ck_label_selector_free(s);
    return ok;
}

/* namespaceSelector: the labels of the request's namespace; for Namespace objects, their
 * own; cluster-scoped objects always match. */
static bool namespace_matches(const json_t *sel, const ck_admission_attrs *a, const json_t *obj,
                              const json_t *old)
{
    if (!sel || !json_object_size(sel)) return true;
    if (streq(a->rt->def->plural, "namespaces") && !*a->rt->def->group) {
        const json_t *o = obj ? obj : old;
        return selector_matches(sel, ck_obj_get(o, "metadata.labels"));
    }
    if (!a->ns) return true;
    ck_obj *ns = ck_cache_get(a->srv->cache, ck_registry_find("", "v1", "namespaces"), NULL, a->ns);
    return selector_matches(sel, ns ? ns->labels : NULL);
}

/* ---- client configuration ---- */

/* Service references are called at the service's DNS name, connected to a ready endpoint
 * address of the service port (upstream's aggregator routing to endpoints); never through
 * DNS. Without one, *why says what is missing. */
static char *service_target(ck_apiserver *srv, const json_t *svcref, char **url_out, char **why)
{
    const char *ns = json_string_value(json_object_get(svcref, "namespace"));
    const char *name = json_string_value(json_object_get(svcref, "name"));
    const char *path = json_string_value(json_object_get(svcref, "path"));
    json_int_t port = json_integer_value(json_object_get(svcref, "port"));
    if (!port) port = 443;
    *url_out = xasprintf("https://%s.%s.svc:%lld%s", name ? name : "", ns ? ns : "",
                         (long long)port, path ? path : "");
    ck_obj *svc = ck_cache_get(srv->cache, ck_registry_find("", "v1", "services"), ns, name);
    ck_obj *eps = ck_cache_get(srv->cache, ck_registry_find("", "v1", "endpoints"), ns, name);
    if (!svc) {
        *why = xasprintf("service \"%s\" not found", name ? name : "");
        return NULL;
    }
    *why = xasprintf("no endpoints available for service \"%s\"", name ? name : "");
    if (!eps) return NULL;
    json_t *sdoc = ck_obj_parse(svc), *edoc = ck_obj_parse(eps);
    const char *pname = NULL;
    size_t i, j, k;
    json_t *p, *sub, *addr, *ep;
    json_array_foreach(ck_obj_get(sdoc, "spec.ports"), i, p)
    {
        if (json_integer_value(json_object_get(p, "port")) == port)
            pname = json_string_value(json_object_get(p, "name"));
    }
    char *out = NULL;
    json_array_foreach(ck_obj_get(edoc, "subsets"), i, sub)
    {
        json_array_foreach(json_object_get(sub, "ports"), j, ep)
        {
            const char *en = json_string_value(json_object_get(ep, "name"));
            if (out || !streq(en ? en : "", pname ? pname : "")) continue;
            json_array_foreach(json_object_get(sub, "addresses"), k, addr)
            {
                const char *ip = json_string_value(json_object_get(addr, "ip"));
                if (ip && !out)
                    out = xasprintf("%s.%s.svc:%lld:%s%s%s:%lld", name, ns, (long long)port,
                                    strchr(ip, ':') ? "[" : "", ip, strchr(ip, ':') ? "]" : "",
                                    (long long)json_integer_value(json_object_get(ep, "port")));
            }
        }
    }
    json_decref(sdoc);
    json_decref(edoc);
    if (out) {
        free(*why);
        *why = NULL;
    }
    return out;
}

static void hook_from(ck_hook *h, ck_apiserver *srv, const char *config, const json_t *wh,
                      bool mutating)
{
    h->name = xstrdup(json_string_value(json_object_get(wh, "name")));
    h->config = xstrdup(config);
    h->timeout_s = json_integer_value(json_object_get(wh, "timeoutSeconds"));
    if (h->timeout_s <= 0) h->timeout_s = 10;
    h->fail_open = streq(json_string_value(json_object_get(wh, "failurePolicy")), "Ignore");
    h->reinvoke =
        mutating && streq(json_string_value(json_object_get(wh, "reinvocationPolicy")), "IfNeeded");
    const json_t *cc = json_object_get(wh, "clientConfig");
    const char *url = json_string_value(json_object_get(cc, "url"));
    char *base = NULL;
    if (url)
        base = xstrdup(url);
    else
        h->connect_to = service_target(srv, json_object_get(cc, "service"), &base, &h->unreachable);
    h->url = xasprintf("%s?timeout=%lds", base, h->timeout_s);
    free(base);
    const char *ca = json_string_value(json_object_get(cc, "caBundle"));
    if (ca && *ca) h->ca = (char *)ck_base64_decode(ca, strlen(ca), &h->ca_len, NULL);
    const json_t *os = json_object_get(wh, "objectSelector");
    if (json_object_size(os)) {
        ck_err *e = NULL;
        if (ck_label_selector_from_json(os, &h->object_sel, &e) < 0) ck_err_free(e);
    }
}

/* ---- the AdmissionReview ---- */

static json_t *review_for(const ck_admission_attrs *a, const json_t *obj, const json_t *old)
{
    const ck_rtype_def *d = a->rt->def;
    json_t *kind = json_pack("{s:s, s:s, s:s}", "group", d->group, "version", d->version, "kind",
                             a->rt->res->kind);
    json_t *res = json_pack("{s:s, s:s, s:s}", "group", d->group, "version", d->version, "resource",
                            d->plural);
    json_t *req = json_pack("{s:O, s:O, s:O, s:O}", "kind", kind, "resource", res, "requestKind",
                            kind, "requestResource", res);
    json_decref(kind);
    json_decref(res);
    if (a->sub) {
        json_object_set_new(req, "subResource", json_string(a->sub));
        json_object_set_new(req, "requestSubResource", json_string(a->sub));
    }
    const char *name = ck_obj_str(obj ? obj : old, "metadata.name");
    if (name && *name) json_object_set_new(req, "name", json_string(name));
    if (a->ns) json_object_set_new(req, "namespace", json_string(a->ns));
    json_object_set_new(req, "operation", json_string(a->operation));
    json_t *ui = json_pack("{s:s}", "username", a->user ? a->user : "system:anonymous");
    const ck_user *u = a->req ? &a->req->user : NULL;
    if (u && u->uid) json_object_set_new(ui, "uid", json_string(u->uid));
    json_t *groups = json_array();
    for (const char *const *g = a->groups; g && *g; g++)
        json_array_append_new(groups, json_string(*g));
    json_object_set_new(ui, "groups", groups);
    if (u && u->extra && json_object_size(u->extra)) json_object_set(ui, "extra", u->extra);
    json_object_set_new(req, "userInfo", ui);
    json_object_set_new(req, "dryRun", json_boolean(a->dry_run));
    const char *ok = streq(a->operation, "CREATE")   ? "CreateOptions"
                     : streq(a->operation, "UPDATE") ? "UpdateOptions"
                                                     : "DeleteOptions";
    json_t *opts = json_pack("{s:s, s:s}", "kind", ok, "apiVersion", "meta.k8s.io/v1");
    if (a->dry_run) json_object_set_new(opts, "dryRun", json_pack("[s]", "All"));
    if (a->field_manager && !streq(ok, "DeleteOptions"))
        json_object_set_new(opts, "fieldManager", json_string(a->field_manager));
    json_object_set_new(req, "options", opts);
    return json_pack("{s:s, s:s, s:o}", "kind", "AdmissionReview", "apiVersion",
                     "admission.k8s.io/v1", "request", req);
}

/* ---- the plugins ---- */

typedef struct gather {
    const ck_admission_attrs *a;
    const json_t *obj, *old;
    bool mutating;
    ck_hook *hooks;
    size_t n, cap;
    ck_err **err;
    int failed;
} gather;

static bool consider(ck_obj *cfg, void *ctx)
{
    gather *g = ctx;
    json_t *doc = ck_obj_parse(cfg);
    size_t i, j;
    json_t *wh, *rule;
    json_array_foreach(json_object_get(doc, "webhooks"), i, wh)
    {
        bool match = false;
        json_array_foreach(json_object_get(wh, "rules"), j, rule)
        {
            match = match || rule_matches(rule, g->a);
        }
        if (!match ||
            !namespace_matches(json_object_get(wh, "namespaceSelector"), g->a, g->obj, g->old))
            continue;
        const char *se = json_string_value(json_object_get(wh, "sideEffects"));
        const char *name = json_string_value(json_object_get(wh, "name"));
        if (g->a->dry_run && !streq(se, "None") && !streq(se, "NoneOnDryRun")) {
            g->failed =
                ck_error(g->err, 400, CK_BAD_REQUEST,
                         "admission webhook \"%s\" does not support dry run", name ? name : "");
            break;
        }
        if (g->n == g->cap) {
            g->cap = g->cap ? 2 * g->cap : 4;
            g->hooks = xrealloc(g->hooks, g->cap * sizeof *g->hooks);
        }
        memset(&g->hooks[g->n], 0, sizeof g->hooks[g->n]);
        hook_from(&g->hooks[g->n++], g->a->srv, cfg->name, wh, g->mutating);
    }
    json_decref(doc);
    return g->failed == 0;
}

/* The pending error: the request is parked and nothing answers it now. */
static int pending(ck_err **err)
{
    return ck_error(err, 500, CK_INTERNAL, "admission webhooks are being called");
}

static void free_hooks(ck_hook *hooks, size_t n)
{
    for (size_t i = 0; i < n; i++)
        hook_clear(&hooks[i]);
    free(hooks);
}

static int dispatch(const ck_admission_attrs *a, int phase, json_t *obj, const json_t *old,
                    ck_err **err)
{
    ck_request *r = a->req;
    if (!r || !a->srv->cache || exempt(a)) return 0;
    const char *rv = old ? ck_obj_str(old, "metadata.resourceVersion") : NULL;
    const char *name = ck_obj_str(obj ? obj : old, "metadata.name");
    cleanup_free char *key = xasprintf("%s/%s", a->ns ? a->ns : "", name ? name : "");
    if (!rv) rv = "";
    ck_webhook_memo *m = r->webhooks;
    memo_entry *e = memo_find(m, phase, key);
    if (e && streq(e->old_rv, rv)) {
        if (e->err)
            return ck_error_details(err, e->err->code, e->err->reason, json_incref(e->err->details),
                                    "%s", e->err->message);
        if (obj && e->obj) {
            json_object_clear(obj);
            json_object_update(obj, e->obj);
            if (a->rt->def->defaults) a->rt->def->defaults(obj);
        }
        return 0;
    }
    ck_rtype *crt = ck_registry_find("admissionregistration.k8s.io", "v1",
                                     phase == MUTATING ? "mutatingwebhookconfigurations"
                                                       : "validatingwebhookconfigurations");
    if (!crt) return 0;
    gather g = {.a = a, .obj = obj, .old = old, .mutating = phase == MUTATING, .err = err};
    ck_cache_each(a->srv->cache, crt, NULL, NULL, consider, &g);
    if (g.failed || !g.n) {
        free_hooks(g.hooks, g.n);
        return g.failed;
    }
    if (!ck_webhooks_accepting()) {
        free_hooks(g.hooks, g.n);
        return ck_error(err, 503, "ServiceUnavailable", "admission webhooks are unavailable");
    }
    if (e && ++m->redispatches > MAX_DISPATCHES) {
        free_hooks(g.hooks, g.n);
        return ck_error(err, 409, CK_CONFLICT,
                        "Operation cannot be fulfilled: the object kept changing while admission "
                        "webhooks were called; please try again");
    }
    if (!m) m = r->webhooks = xcalloc(1, sizeof *m);
    ck_webhook_job *job = xcalloc(1, sizeof *job);
    job->req = r;
    job->mutating = phase == MUTATING;
    job->key = xstrdup(key);
    job->old_rv = xstrdup(rv);
    job->hooks = g.hooks;
    job->nhooks = g.n;
    job->review = review_for(a, obj, old);
    job->obj = obj ? json_deep_copy(obj) : NULL;
    job->old = old ? json_deep_copy(old) : NULL;
    ck_request_suspend(r);
    ck_webhook_submit(job);
    return pending(err);
}

void ck_webhook_done(ck_webhook_job *job)
{
    ck_request *r = job->req;
    if (!r->gone) {
        size_t i;
        json_t *w;
        json_array_foreach(job->warnings, i, w)
        {
            ck_add_warning(r, json_string_value(w));
        }
        const char *k;
        json_t *v;
        json_object_foreach(job->annotations, k, v)
        {
            if (r->audit) ck_audit_annotate(r->audit, k, json_string_value(v));
        }
    }
    int phase = job->mutating ? MUTATING : VALIDATING;
    ck_webhook_memo *m = r->webhooks;
    memo_entry *e = memo_find(m, phase, job->key);
    if (!e) {
        m->e = xrealloc(m->e, (m->n + 1) * sizeof *m->e);
        e = &m->e[m->n++];
        memset(e, 0, sizeof *e);
        e->phase = phase;
        e->key = xstrdup(job->key);
    }
    free(e->old_rv);
    json_decref(e->obj);
    ck_err_free(e->err);
    e->old_rv = job->old_rv;
    e->err = job->err;
    e->obj = job->mutating ? job->obj : NULL;
    job->old_rv = NULL;
    job->err = NULL;
    if (job->mutating) job->obj = NULL;
    ck_webhook_job_free(job);
    ck_request_resume(r);
}

static int mutating_admit(const ck_admission_attrs *a, json_t *obj, const json_t *old, ck_err **err)
{
    return dispatch(a, MUTATING, obj, old, err);
}

static int validating_validate(const ck_admission_attrs *a, const json_t *obj, const json_t *old,
                               ck_err **err)
{
    return dispatch(a, VALIDATING, (json_t *)obj, old, err);
}

const ck_admission_plugin ck_admission_mutating_webhook = {
    .name = "MutatingAdmissionWebhook",
    .admit = mutating_admit,
    .on_delete = true,
};

const ck_admission_plugin ck_admission_validating_webhook = {
    .name = "ValidatingAdmissionWebhook",
    .validate = validating_validate,
    .on_delete = true,
};
