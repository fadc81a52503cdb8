/* PodSecurity admission (upstream k8s.io/pod-security-admission/admission): reads the
 * enforce, warn and audit policies from the namespace's pod-security.kubernetes.io labels
 * and applies them as upstream does:
 *  - Pods (and pod subresources that can change the spec): the enforce level refuses, the
 *    audit level records `pod-security.kubernetes.io/audit-violations` on the audit event,
 *    the warn level adds a Warning header; `enforce-policy` records the enforced level.
 *  - Workload resources with a pod template: audit and warn only, never enforced.
 *  - Namespaces: invalid policy labels are refused, and making the enforce level stricter
 *    warns about the existing pods that would violate it.
 * Exemptions (usernames, namespaces, runtime classes) come from an AdmissionConfiguration
 * upstream; ckube has none, so nothing is exempt and the defaults are privileged:latest. */
#include "admission/podsecurity.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admission/admission.h"
#include "admission/plugins.h"
#include "apiserver/cache.h"
#include "apiserver/http.h"
#include "apiserver/server.h"
#include "lib/util.h"
#include "machinery/validation.h"

#define LABEL_PREFIX "pod-security.kubernetes.io/"

/* Upstream's limits when checking the pods of a namespace whose enforce level changes. */
#define NS_MAX_PODS 3000
#define NS_CHECK_SECONDS 1.0

/* ---- Policy from namespace labels ------------------------------------------------------ */

/* A level and version; version points into the labels it came from, or is "latest". */
typedef struct level_version {
    const char *level;
    const char *version;
} level_version;

typedef struct policy {
    level_version enforce, audit, warn;
} policy;

static bool lv_eq(level_version a, level_version b)
{
    return streq(a.level, b.level) && streq(a.version, b.version);
}

/* "restricted:latest"; the caller frees. */
static char *lv_str(level_version lv)
{
    return xasprintf("%s:%s", lv.level, lv.version);
}

static int level_rank(const char *l)
{
    return streq(l, "restricted") ? 2 : streq(l, "baseline") ? 1 : 0;
}

/* A level label value, or NULL when invalid. */
static const char *parse_level(const char *v)
{
    static const char *const levels[] = {"privileged", "baseline", "restricted"};
    for (size_t i = 0; i < ARRAY_SIZE(levels); i++)
        if (streq(v, levels[i])) return levels[i];
    return NULL;
}

/* "latest" or "v1.<minor>" without leading zeros (and small enough for an int). */
static bool valid_version(const char *v)
{
    if (streq(v, "latest")) return true;
    if (!v || !has_prefix(v, "v1.") || !v[3] || strlen(v + 3) > 18) return false;
    for (const char *p = v + 3; *p; p++)
        if (!isdigit((unsigned char)*p)) return false;
    return !(v[3] == '0' && v[4]);
}

static void label_level(const json_t *labels, const char *mode, const char *fallback,
                        const char **level, ck_field_errors *fe)
{
    cleanup_free char *key = xasprintf(LABEL_PREFIX "%s", mode);
    const json_t *v = json_object_get(labels, key);
    if (!v) return;
    const char *s = json_string_value(v);
    *level = parse_level(s);
    if (*level) return;
    *level = fallback;
    cleanup_free char *path = xasprintf("metadata.labels[%s]", key);
    ck_ferr_invalid_str(fe, path, s, "must be one of privileged, baseline, restricted");
}

static void label_version(const json_t *labels, const char *mode, const char **version,
                          ck_field_errors *fe)
{
    cleanup_free char *key = xasprintf(LABEL_PREFIX "%s-version", mode);
    const json_t *v = json_object_get(labels, key);
    if (!v) return;
    const char *s = json_string_value(v);
    if (valid_version(s)) {
        *version = s;
        return;
    }
    *version = "latest";
    cleanup_free char *path = xasprintf("metadata.labels[%s]", key);
    ck_ferr_invalid_str(fe, path, s, "must be \"latest\" or \"v1.x\"");
}

/* The policy of a namespace with these labels (borrowed; the policy points into them). An
 * invalid enforce level fails closed to restricted, invalid warn and audit levels fail
 * open to privileged, an invalid version is latest; each invalid label is added to fe. */
static policy policy_of(const json_t *labels, ck_field_errors *fe)
{
    policy p = {{"privileged", "latest"}, {"privileged", "latest"}, {"privileged", "latest"}};
    label_level(labels, "enforce", "restricted", &p.enforce.level, fe);
    label_version(labels, "enforce", &p.enforce.version, fe);
    label_level(labels, "audit", "privileged", &p.audit.level, fe);
    label_version(labels, "audit", &p.audit.version, fe);
    label_level(labels, "warn", "privileged", &p.warn.level, fe);
    label_version(labels, "warn", &p.warn.version, fe);
    return p;
}

/* ---- Evaluation ------------------------------------------------------------------------- */

/* Results already computed for a request, so equal levels are evaluated once. */
typedef struct evals {
    size_t n;
    level_version lv[3];
    ck_psa_result r[3];
    bool allowed[3];
} evals;

static size_t evaluate(evals *e, level_version lv, const json_t *pod)
{
    for (size_t i = 0; i < e->n; i++)
        if (lv_eq(e->lv[i], lv)) return i;
    size_t i = e->n++;
    e->lv[i] = lv;
    e->allowed[i] = ck_psa_check(lv.level, pod, &e->r[i]);
    return i;
}

static void evals_free(evals *e)
{
    for (size_t i = 0; i < e->n; i++)
        ck_psa_result_free(&e->r[i]);
}

/* `<prefix> PodSecurity "<level:version>": <details>`; the caller frees. */
static char *violation(const char *prefix, const evals *e, size_t i)
{
    cleanup_free char *lv = lv_str(e->lv[i]);
    cleanup_free char *q = ck_quote(lv);
    cleanup_free char *d = ck_psa_detail(&e->r[i]);
    return xasprintf("%s PodSecurity %s: %s", prefix, q, d);
}

static void annotate(const ck_admission_attrs *a, const char *key, const char *value)
{
    cleanup_free char *k = xasprintf(LABEL_PREFIX "%s", key);
    ck_admission_annotate(a, k, value);
}

/* Upstream's EvaluatePod: pod is a Pod or a pod template; the enforce level is applied only
 * when `enforce` (Pods). Audit annotations are recorded whatever the outcome; the warning
 * is added only when the request is allowed. */
static int evaluate_pod(const ck_admission_attrs *a, const policy *p, const ck_field_errors *fe,
                        const json_t *pod, bool enforce, ck_err **err)
{
    if (!ck_ferrs_empty(fe)) {
        cleanup_free char *agg = ck_ferrs_aggregate(fe);
        cleanup_free char *msg = xasprintf("Failed to parse policy: %s", agg);
        annotate(a, "error", msg);
    }
    evals e = {0};
    int rc = 0;
    if (enforce) {
        cleanup_free char *lv = lv_str(p->enforce);
        annotate(a, "enforce-policy", lv);
        size_t i = evaluate(&e, p->enforce, pod);
        if (!e.allowed[i]) {
            cleanup_free char *why = violation("violates", &e, i);
            const char *name = a->name ? a->name : "";
            cleanup_free char *q = ck_quote(name);
            json_t *d = json_pack("{s:s, s:s}", "name", name, "kind", "pods");
            rc = ck_error_details(err, 403, CK_FORBIDDEN, d, "pods %s is forbidden: %s", q, why);
        }
    }
    size_t i = evaluate(&e, p->audit, pod);
    if (!e.allowed[i]) {
        cleanup_free char *v = violation("would violate", &e, i);
        annotate(a, "audit-violations", v);
    }
    if (rc == 0) {
        i = evaluate(&e, p->warn, pod);
        if (!e.allowed[i]) {
            cleanup_free char *v = violation("would violate", &e, i);
            ck_admission_warn(a, v);
        }
    }
    evals_free(&e);
    return rc;
}

/* The namespace object from the watch cache (a new reference), or NULL. */
static ck_obj *namespace_obj(ck_apiserver *srv, const char *ns)
{
    ck_rtype *nsrt = ck_registry_find("", "v1", "namespaces");
    ck_obj *o = srv->cache && nsrt ? ck_cache_get(srv->cache, nsrt, NULL, ns) : NULL;
    return o ? ck_obj_ref(o) : NULL;
}

/* ---- Pods ------------------------------------------------------------------------------ */

static const char *annotation(const json_t *pod, const char *key)
{
    const char *v =
        json_string_value(json_object_get(ck_obj_get(pod, "metadata.annotations"), key));
    return v ? v : "";
}

/* A container change that matters: its image or its seccomp annotation. */
static bool container_changed(const json_t *c, const json_t *oc, const json_t *pod,
                              const json_t *old)
{
    const char *img = json_string_value(json_object_get(c, "image"));
    const char *oimg = json_string_value(json_object_get(oc, "image"));
    if (strcmp(img ? img : "", oimg ? oimg : "") != 0) return true;
    const char *name = json_string_value(json_object_get(c, "name"));
    cleanup_free char *key =
        xasprintf("container.seccomp.security.alpha.kubernetes.io/%s", name ? name : "");
    return strcmp(annotation(pod, key), annotation(old, key)) != 0;
}

/* Upstream's isSignificantPodUpdate: the fields a pod update may change that the checks
 * look at (images, seccomp annotations, containers added); anything else (labels, other
 * annotations, tolerations, ...) is not re-evaluated. */
static bool significant_update(const json_t *pod, const json_t *old)
{
    static const char *const seccomp_pod = "seccomp.security.alpha.kubernetes.io/pod";
    if (strcmp(annotation(pod, seccomp_pod), annotation(old, seccomp_pod)) != 0) return true;
    static const char *const lists[] = {"spec.containers", "spec.initContainers"};
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
        const json_t *cs = ck_obj_get(pod, lists[l]), *ocs = ck_obj_get(old, lists[l]);
        if (json_array_size(cs) != json_array_size(ocs)) return true;
        for (size_t i = 0; i < json_array_size(cs); i++)
            if (container_changed(json_array_get(cs, i), json_array_get(ocs, i), pod, old))
                return true;
    }
    size_t i, j;
    json_t *c, *oc;
    json_array_foreach(ck_obj_get(pod, "spec.ephemeralContainers"), i, c)
    {
        const char *name = json_string_value(json_object_get(c, "name"));
        const json_t *match = NULL;
        json_array_foreach(ck_obj_get(old, "spec.ephemeralContainers"), j, oc)
        {
            if (streq(json_string_value(json_object_get(oc, "name")), name)) {
                match = oc;
                break;
            }
        }
        if (!match || container_changed(c, match, pod, old)) return true;
    }
    return false;
}

/* Pod subresources that never change the spec; any other one is evaluated. */
static bool ignored_pod_sub(const char *sub)
{
    static const char *const ignored[] = {"exec", "attach",      "binding", "eviction",
                                          "log",  "portforward", "proxy",   "status"};
    for (size_t i = 0; sub && i < ARRAY_SIZE(ignored); i++)
        if (streq(sub, ignored[i])) return true;
    return false;
}

static int validate_pod(const ck_admission_attrs *a, const json_t *obj, const json_t *old,
                        ck_err **err)
{
    if (ignored_pod_sub(a->sub) || !a->ns) return 0;
    ck_obj *ns = namespace_obj(a->srv, a->ns);
    if (!ns) {
        if (!a->srv->cache) return 0;
        cleanup_free char *e = xasprintf("Internal error occurred: failed to lookup namespace "
                                         "%s: namespaces \"%s\" not found",
                                         a->ns, a->ns);
        annotate(a, "error", e);
        return ck_error(err, 500, CK_INTERNAL,
                        "Internal error occurred: failed to lookup namespace %s", a->ns);
    }
    cleanup_ferrs ck_field_errors *fe = ck_ferrs_new();
    policy p = policy_of(ns->labels, fe);
    int rc = 0;
    if (ck_ferrs_empty(fe) && streq(p.enforce.level, "privileged") &&
        streq(p.warn.level, "privileged") && streq(p.audit.level, "privileged"))
        goto out;
    if (old && streq(a->operation, "UPDATE") && !significant_update(obj, old)) goto out;
    rc = evaluate_pod(a, &p, fe, obj, true, err);
out:
    ck_obj_unref(ns);
    return rc;
}

/* ---- Workload resources ---------------------------------------------------------------- */

/* Resources that embed a pod template, and where the template is. */
static const struct {
    const char *group, *plural, *path;
    bool optional; /* a missing template is skipped (ReplicationController's is a pointer) */
} controllers[] = {
    {"", "replicationcontrollers", "spec.template", true},
    {"", "podtemplates", "template", false},
    {"apps", "replicasets", "spec.template", false},
    {"apps", "deployments", "spec.template", false},
    {"apps", "statefulsets", "spec.template", false},
    {"apps", "daemonsets", "spec.template", false},
    {"batch", "jobs", "spec.template", false},
    {"batch", "cronjobs", "spec.jobTemplate.spec.template", false},
};

static int controller_index(const ck_rtype_def *def)
{
    for (size_t i = 0; i < ARRAY_SIZE(controllers); i++)
        if (streq(def->group, controllers[i].group) && streq(def->plural, controllers[i].plural))
            return (int)i;
    return -1;
}

/* The scale subresource reaches the store as an update of the main resource: recognised by
 * the request path ending in /<name>/scale. */
static bool is_scale(const ck_admission_attrs *a)
{
    if (!a->req || !a->req->path || !a->name) return false;
    cleanup_free char *tail = xasprintf("/%s/scale", a->name);
    size_t n = strlen(a->req->path), t = strlen(tail);
    return n > t && streq(a->req->path + n - t, tail);
}

static int validate_controller(const ck_admission_attrs *a, int idx, const json_t *obj)
{
    if (a->sub || !a->ns || is_scale(a)) return 0;
    ck_obj *ns = namespace_obj(a->srv, a->ns);
    if (!ns) {
        if (!a->srv->cache) return 0;
        cleanup_free char *e =
            xasprintf("failed to lookup namespace %s: namespaces \"%s\" not found", a->ns, a->ns);
        annotate(a, "error", e);
        return 0;
    }
    cleanup_ferrs ck_field_errors *fe = ck_ferrs_new();
    policy p = policy_of(ns->labels, fe);
    if (!ck_ferrs_empty(fe) || !streq(p.warn.level, "privileged") ||
        !streq(p.audit.level, "privileged")) {
        const json_t *tmpl = ck_obj_get(obj, controllers[idx].path);
        json_t *empty = NULL;
        if (!tmpl && !controllers[idx].optional) tmpl = empty = json_object();
        if (tmpl) evaluate_pod(a, &p, fe, tmpl, false, NULL);
        json_decref(empty);
    }
    ck_obj_unref(ns);
    return 0;
}

/* ---- Namespaces ------------------------------------------------------------------------ */

/* Pods to check: those without a controller and the first of each controller, then the
 * other replicas (upstream's prioritizePods). */
typedef struct pod_list {
    json_t *first, *rest, *seen_owners;
} pod_list;

static const char *controller_uid(const json_t *pod)
{
    size_t i;
    json_t *ref;
    json_array_foreach(ck_obj_get(pod, "metadata.ownerReferences"), i, ref)
    {
        if (json_is_true(json_object_get(ref, "controller")))
            return json_string_value(json_object_get(ref, "uid"));
    }
    return NULL;
}

static bool collect_pod(ck_obj *o, void *ctx)
{
    pod_list *l = ctx;
    json_t *pod = ck_obj_parse(o);
    if (!pod) return true;
    const char *uid = controller_uid(pod);
    if (uid && json_object_get(l->seen_owners, uid)) {
        json_array_append_new(l->rest, pod);
        return true;
    }
    if (uid) json_object_set_new(l->seen_owners, uid, json_true());
    json_array_append_new(l->first, pod);
    return true;
}

/* One distinct violation among the namespace's pods: the lexically first pod and the
 * number of pods with it. */
typedef struct pod_warning {
    char *reason;
    const char *pod;
    size_t count;
} pod_warning;

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Upstream's EvaluatePodsInNamespace: warns about the pods in ns that violate lv. */
static void warn_existing_pods(const ck_admission_attrs *a, const char *ns, level_version lv)
{
    ck_rtype *podrt = ck_registry_find("", "v1", "pods");
    if (!a->srv->cache || !podrt) return;
    pod_list l = {json_array(), json_array(), json_object()};
    ck_cache_each(a->srv->cache, podrt, ns, NULL, collect_pod, &l);
    json_array_extend(l.first, l.rest);
    size_t total = json_array_size(l.first), checked = 0, nw = 0;
    pod_warning *w = xcalloc(total + 1, sizeof *w);
    double deadline = now_seconds() + NS_CHECK_SECONDS;
    for (size_t i = 0; i < total && i < NS_MAX_PODS; i++) {
        const json_t *pod = json_array_get(l.first, i);
        checked = i + 1;
        ck_psa_result r;
        if (!ck_psa_check(lv.level, pod, &r)) {
            char *reason = ck_psa_reason(&r);
            const char *name = ck_obj_str(pod, "metadata.name");
            if (!name) name = "";
            size_t k = 0;
            while (k < nw && strcmp(w[k].reason, reason) != 0)
                k++;
            if (k == nw) {
                w[nw++] = (pod_warning){.reason = reason, .pod = name};
            } else {
                free(reason);
                if (strcmp(name, w[k].pod) < 0) w[k].pod = name;
            }
            w[k].count++;
        }
        ck_psa_result_free(&r);
        if (now_seconds() > deadline) break;
    }
    if (checked < total) {
        cleanup_free char *m = xasprintf(
            "new PodSecurity enforce level only checked against the first %zu of %zu existing "
            "pods",
            checked, total);
        ck_admission_warn(a, m);
    }
    if (nw) {
        cleanup_free char *qns = ck_quote(ns);
        cleanup_free char *lvs = lv_str(lv);
        cleanup_free char *qlv = ck_quote(lvs);
        cleanup_free char *m = xasprintf(
            "existing pods in namespace %s violate the new PodSecurity enforce level %s", qns, qlv);
        ck_admission_warn(a, m);
    }
    char **lines = xcalloc(nw + 1, sizeof *lines);
    for (size_t k = 0; k < nw; k++) {
        if (w[k].count == 1)
            lines[k] = xasprintf("%s: %s", w[k].pod, w[k].reason);
        else if (w[k].count == 2)
            lines[k] = xasprintf("%s (and 1 other pod): %s", w[k].pod, w[k].reason);
        else
            lines[k] =
                xasprintf("%s (and %zu other pods): %s", w[k].pod, w[k].count - 1, w[k].reason);
        free(w[k].reason);
    }
    qsort(lines, nw, sizeof *lines, cmp_str);
    for (size_t k = 0; k < nw; k++) {
        ck_admission_warn(a, lines[k]);
        free(lines[k]);
    }
    free(lines);
    free(w);
    json_decref(l.first);
    json_decref(l.rest);
    json_decref(l.seen_owners);
}

/* Upstream's ValidateNamespace: labels must be valid on create and when changed; a stricter
 * enforce level checks the namespace's pods. */
static int validate_namespace(const ck_admission_attrs *a, const json_t *obj, const json_t *old,
                              ck_err **err)
{
    if (a->sub) return 0;
    const char *name = ck_obj_str(obj, "metadata.name");
    cleanup_ferrs ck_field_errors *fe = ck_ferrs_new();
    policy p = policy_of(ck_obj_get(obj, "metadata.labels"), fe);
    if (streq(a->operation, "CREATE")) return ck_ferrs_to_err(fe, "Namespace", "", name, err);
    if (!old) return 0;
    cleanup_ferrs ck_field_errors *ofe = ck_ferrs_new();
    policy op = policy_of(ck_obj_get(old, "metadata.labels"), ofe);
    if (!ck_ferrs_empty(fe)) {
        cleanup_free char *now = ck_ferrs_aggregate(fe), *before = ck_ferrs_aggregate(ofe);
        if (!before || strcmp(now, before) != 0)
            return ck_ferrs_to_err(fe, "Namespace", "", name, err);
    }
    if (lv_eq(p.enforce, op.enforce) || streq(p.enforce.level, "privileged")) return 0;
    if (streq(p.enforce.version, op.enforce.version) &&
        level_rank(p.enforce.level) <= level_rank(op.enforce.level))
        return 0;
    warn_existing_pods(a, name ? name : "", p.enforce);
    return 0;
}

/* ---- The plugin ------------------------------------------------------------------------- */

static int psa_validate(const ck_admission_attrs *a, const json_t *obj, const json_t *old,
                        ck_err **err)
{
    /* The server's own writes are not evaluated. */
    if (!a->user || !a->rt || !obj) return 0;
    if (!streq(a->operation, "CREATE") && !streq(a->operation, "UPDATE")) return 0;
    const ck_rtype_def *def = a->rt->def;
    if (streq(def->group, "") && streq(def->plural, "namespaces"))
        return validate_namespace(a, obj, old, err);
    if (streq(def->group, "") && streq(def->plural, "pods")) return validate_pod(a, obj, old, err);
    int idx = controller_index(def);
    return idx < 0 ? 0 : validate_controller(a, idx, obj);
}

const ck_admission_plugin ck_admission_podsecurity = {
    .name = "PodSecurity",
    .validate = psa_validate,
};
