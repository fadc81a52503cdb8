/* pods/binding and pods/eviction (upstream's BindingREST, LegacyBindingREST and
 * EvictionREST in pkg/registry/core/pod/storage), plus the body handling the POST
 * subresources share. Everything runs on the event loop, so a read of the cache followed
 * by a compare-and-swap write cannot race with another request: upstream's conflict
 * retries are not needed. */
#include <stdio.h>

#include "apiserver/objstore.h"
#include "apiserver/rest_sub.h"
#include "auth/authz.h"
#include "lib/util.h"
#include "machinery/fieldvalidation.h"
#include "machinery/selector.h"

/* Upstream's MaxDisruptedPodSize: evictions approved but not yet seen by the controller. */
#define MAX_DISRUPTED_PODS 2000

/* ---- shared by the POST subresources --------------------------------------------------- */

int ck_sub_decode(ck_request *r, const ck_reqinfo *ri, const char *api_version,
                  const char *alt_version, const char *kind, const char *def_name, json_t **out,
                  ck_err **err)
{
    *out = NULL;
    const char *d = ck_query(r, "dryRun");
    if (d && *d && !streq(d, "All"))
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "dryRun: Unsupported value: \"%s\": supported values: \"All\"", d);
    json_t *obj = NULL;
    if (ck_decode_body(r, &obj, err) < 0) return -1;
    const char *slash = strchr(api_version, '/');
    const char *version = slash ? slash + 1 : api_version;
    if (!json_is_object(obj)) {
        json_decref(obj);
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "the object provided is unrecognized (must be of type %s)", kind);
    }
    const char *av = ck_obj_str(obj, "apiVersion"), *k = ck_obj_str(obj, "kind");
    int rc = 0;
    if (av && *av && !streq(av, api_version) && !streq(av, alt_version))
        rc = ck_error(err, 400, CK_BAD_REQUEST,
                      "the API version in the data (%s) does not match the expected API version "
                      "(%s)",
                      av, api_version);
    else if (k && *k && !streq(k, kind))
        rc = ck_error(err, 400, CK_BAD_REQUEST, "%s in version \"%s\" cannot be handled as a %s", k,
                      av && strchr(av, '/') ? strchr(av, '/') + 1
                      : av                  ? av
                                            : version,
                      kind);
    char **warnings = NULL;
    if (rc == 0 && ck_field_validation(obj, ck_schema_def_by_name(def_name),
                                       ck_query(r, "fieldValidation"), &warnings, err) < 0) {
        if (has_prefix((*err)->message, "strict decoding error")) {
            char *m = xasprintf("%s in version \"%s\" cannot be handled as a %s: %s", kind, version,
                                kind, (*err)->message);
            free((*err)->message);
            (*err)->message = m;
        }
        rc = -1;
    }
    for (char **w = warnings; w && *w; w++)
        ck_add_warning(r, *w);
    ck_field_warnings_free(warnings);
    const char *ns = ck_obj_str(obj, "metadata.namespace");
    if (rc == 0 && ns && *ns && ri->ns && !streq(ns, ri->ns))
        rc = ck_error(err, 400, CK_BAD_REQUEST,
                      "the namespace of the provided object does not match the namespace sent on "
                      "the request");
    if (rc < 0) {
        json_decref(obj);
        return -1;
    }
    if (ri->ns)
        json_object_set_new(ck_obj_ensure(obj, "metadata"), "namespace", json_string(ri->ns));
    *out = obj;
    return 0;
}

void ck_sub_send_success(ck_request *r)
{
    ck_send_json(r, 201,
                 json_pack("{s:s, s:s, s:{}, s:s, s:i}", "kind", "Status", "apiVersion", "v1",
                           "metadata", "status", "Success", "code", 201));
}

void ck_sub_send_err(ck_request *r, const ck_err *err)
{
    json_int_t after = json_integer_value(json_object_get(err->details, "retryAfterSeconds"));
    if (err->code == 429 && after > 0) {
        char v[24];
        int n = snprintf(v, sizeof v, "%lld", (long long)after);
        h2o_iovec_t hv = h2o_strdup(&r->h2o->pool, v, (size_t)n);
        h2o_add_header_by_str(&r->h2o->pool, &r->h2o->res.headers, H2O_STRLIT("retry-after"), 0,
                              NULL, hv.base, hv.len);
    }
    ck_send_err(r, err);
}

/* Upstream's podutil.UpdatePodCondition: replaces the condition of that type (keeping its
 * lastTransitionTime when the status does not change) or appends it. */
static void set_pod_condition(json_t *pod, const char *type, const char *status, const char *reason,
                              const char *message)
{
    json_t *st = ck_obj_ensure(pod, "status");
    json_t *conds = json_object_get(st, "conditions");
    if (!json_is_array(conds)) json_object_set_new(st, "conditions", conds = json_array());
    char now[32];
    rfc3339_now(now);
    json_t *c = json_pack("{s:s, s:s, s:n, s:s}", "type", type, "status", status, "lastProbeTime",
                          "lastTransitionTime", now);
    if (reason) json_object_set_new(c, "reason", json_string(reason));
    if (message) json_object_set_new(c, "message", json_string(message));
    size_t i;
    json_t *old;
    json_array_foreach(conds, i, old)
    {
        if (!streq(ck_obj_str(old, "type"), type)) continue;
        json_t *ltt = json_object_get(old, "lastTransitionTime");
        if (streq(ck_obj_str(old, "status"), status) && ltt)
            json_object_set(c, "lastTransitionTime", ltt);
        json_array_set_new(conds, i, c);
        return;
    }
    json_array_append_new(conds, c);
}

/* ---- binding --------------------------------------------------------------------------- */

/* ValidatePodBinding. Upstream returns the field errors unwrapped, so the client sees a 500
 * with the aggregate as message and no reason. */
static int validate_binding(const json_t *b, ck_err **err)
{
    cleanup_ferrs ck_field_errors *fe = ck_ferrs_new();
    const json_t *kind = ck_obj_get(b, "target.kind");
    const char *k = json_string_value(kind);
    if (k && *k && !streq(k, "Node")) {
        static const char *const ok[] = {"Node", "<empty>", NULL};
        ck_ferr_not_supported(fe, "target.kind", kind, ok);
    }
    const char *target = ck_obj_str(b, "target.name");
    if (!target || !*target) ck_ferr_required(fe, "target.name", "");
    if (ck_ferrs_empty(fe)) return 0;
    cleanup_free char *agg = ck_ferrs_aggregate(fe);
    return ck_error(err, 500, NULL, "%s", agg);
}

/* Upstream's storage precondition failure, as InterpretUpdateError words it. */
static int precondition_failed(ck_err **err, ck_rtype *rt, const char *ns, const char *name,
                               const char *what)
{
    cleanup_free char *key = ck_storage_key(rt, ns, name);
    return ck_error_details(err, 409, CK_CONFLICT, ck_status_details(rt, name),
                            "Operation cannot be fulfilled on %s \"%s\": StorageError: invalid "
                            "object, Code: 4, Key: %s, ResourceVersion: 0, AdditionalErrorMsg: "
                            "Precondition failed: %s",
                            rt->qualified, name, key, what);
}

/* setPodHostAndAnnotations: sets spec.nodeName of an unassigned pod, merges the Binding's
 * annotations and marks it PodScheduled, written straight to storage (the pod update
 * strategy forbids spec changes). */
static int bind_pod(ck_apiserver *srv, const char *ns, const char *name, const json_t *b, bool dry,
                    ck_err **err)
{
    ck_rtype *pods = ck_registry_find("", "v1", "pods");
    ck_obj *o = ck_cache_get(srv->cache, pods, ns, name);
    if (!o) return ck_err_not_found(err, pods, name);
    const char *uid = ck_obj_str(b, "metadata.uid");
    const char *rv = ck_obj_str(b, "metadata.resourceVersion");
    if (uid && *uid && !streq(uid, o->uid)) {
        cleanup_free char *w =
            xasprintf("UID in precondition: %s, UID in object meta: %s", uid, o->uid ? o->uid : "");
        return precondition_failed(err, pods, ns, name, w);
    }
    if (rv && *rv && strtoll(rv, NULL, 10) != o->mod_rev) {
        cleanup_free char *w =
            xasprintf("ResourceVersion in precondition: %s, ResourceVersion in object meta: %lld",
                      rv, (long long)o->mod_rev);
        return precondition_failed(err, pods, ns, name, w);
    }
    json_t *pod = ck_obj_parse(o);
    json_t *spec = ck_obj_ensure(pod, "spec");
    const char *node = ck_obj_str(spec, "nodeName");
    cleanup_free char *why = NULL;
    if (ck_obj_get(pod, "metadata.deletionTimestamp")) {
        why = xasprintf("pod %s is being deleted, cannot be assigned to a host", name);
    } else if (node && *node) {
        cleanup_free char *q = ck_quote(node);
        why = xasprintf("pod %s is already assigned to node %s", name, q);
    } else if (json_array_size(json_object_get(spec, "schedulingGates"))) {
        why = xasprintf("pod %s has non-empty .spec.schedulingGates", name);
    }
    if (why) {
        json_decref(pod);
        return ck_error_details(
            err, 409, CK_CONFLICT, json_pack("{s:s, s:s}", "name", name, "kind", "pods/binding"),
            "Operation cannot be fulfilled on pods/binding \"%s\": %s", name, why);
    }
    json_object_set(spec, "nodeName", ck_obj_get(b, "target.name"));
    json_t *ann = ck_obj_get(b, "metadata.annotations");
    if (json_object_size(ann)) json_object_update(ck_obj_ensure(pod, "metadata.annotations"), ann);
    set_pod_condition(pod, "PodScheduled", "True", NULL, NULL);
    int rc = 0;
    if (!dry) {
        json_object_del(json_object_get(pod, "metadata"), "resourceVersion");
        cleanup_free char *key = ck_storage_key(pods, ns, name);
        cleanup_free char *val = json_dumps(pod, JSON_COMPACT);
        int64_t rev = 0;
        rc = srv->store->ops->update(srv->store, key, o->mod_rev, val, strlen(val), &rev, err);
    }
    json_decref(pod);
    return rc;
}

void ck_rest_pod_binding(ck_request *r, ck_reqinfo *ri, bool legacy)
{
    ck_err *err = NULL;
    json_t *b = NULL;
    if (ck_sub_decode(r, ri, "v1", NULL, "Binding", "io.k8s.api.core.v1.Binding", &b, &err) < 0)
        goto fail;
    const char *bname = ck_obj_str(b, "metadata.name");
    const char *name = legacy ? bname : ri->name;
    if (!streq(bname ? bname : "", name ? name : "")) {
        ck_error(&err, 400, CK_BAD_REQUEST, "name in URL does not match name in Binding object");
        goto fail;
    }
    if (validate_binding(b, &err) < 0) goto fail;
    if (!name || !*name) {
        ck_error(&err, 400, CK_BAD_REQUEST, "Name parameter required.");
        goto fail;
    }
    const char *d = ck_query(r, "dryRun");
    if (bind_pod(r->srv, ri->ns, name, b, d && *d, &err) < 0) goto fail;
    ck_sub_send_success(r);
    json_decref(b);
    return;
fail:
    ck_send_err(r, err);
    ck_err_free(err);
    json_decref(b);
}

/* ---- eviction -------------------------------------------------------------------------- */

/* Upstream's 429 for a budget that does not allow the eviction (now or yet). */
static int too_many_requests(ck_err **err, int retry_after, char *cause)
{
    json_t *d =
        json_pack("{s:[{s:s, s:s}]}", "causes", "reason", "DisruptionBudget", "message", cause);
    free(cause);
    if (retry_after > 0) json_object_set_new(d, "retryAfterSeconds", json_integer(retry_after));
    return ck_error_details(err, 429, "TooManyRequests", d,
                            "Cannot evict pod as it would violate the pod's disruption budget.");
}

static int pdb_forbidden(ck_err **err, const char *name, const char *why)
{
    return ck_error_details(err, 403, CK_FORBIDDEN,
                            json_pack("{s:s, s:s, s:s}", "name", name, "group", "policy", "kind",
                                      "poddisruptionbudget"),
                            "poddisruptionbudget.policy \"%s\" is forbidden: %s", name, why);
}

/* apimeta.SetStatusCondition for the DisruptionAllowed=False condition the eviction sets
 * when it takes the last allowed disruption. */
static void set_insufficient_pods(json_t *status, json_int_t observed)
{
    json_t *conds = json_object_get(status, "conditions");
    if (!json_is_array(conds)) json_object_set_new(status, "conditions", conds = json_array());
    char now[32];
    rfc3339_now(now);
    size_t i;
    json_t *c;
    json_array_foreach(conds, i, c)
    {
        if (!streq(ck_obj_str(c, "type"), "DisruptionAllowed")) continue;
        if (!streq(ck_obj_str(c, "status"), "False")) {
            json_object_set_new(c, "status", json_string("False"));
            json_object_set_new(c, "lastTransitionTime", json_string(now));
        }
        json_object_set_new(c, "reason", json_string("InsufficientPods"));
        json_object_set_new(c, "message", json_string(""));
        if (observed)
            json_object_set_new(c, "observedGeneration", json_integer(observed));
        else
            json_object_del(c, "observedGeneration");
        return;
    }
    c = json_pack("{s:s, s:s}", "type", "DisruptionAllowed", "status", "False");
    if (observed) json_object_set_new(c, "observedGeneration", json_integer(observed));
    json_object_set_new(c, "lastTransitionTime", json_string(now));
    json_object_set_new(c, "reason", json_string("InsufficientPods"));
    json_object_set_new(c, "message", json_string(""));
    json_array_append_new(conds, c);
}

/* checkAndDecrement: takes one allowed disruption from the budget and records the pod in
 * status.disruptedPods (not on dry run), or fails with upstream's 429/403. */
static int check_and_decrement(ck_apiserver *srv, const ck_obj *po, const char *pod, bool dry,
                               ck_err **err)
{
    json_t *pdb = ck_obj_parse(po);
    const char *name = po->name;
    json_t *st = ck_obj_ensure(pdb, "status");
    json_int_t gen = json_integer_value(ck_obj_get(pdb, "metadata.generation"));
    json_int_t observed = json_integer_value(json_object_get(st, "observedGeneration"));
    json_int_t allowed = json_integer_value(json_object_get(st, "disruptionsAllowed"));
    json_t *disrupted = json_object_get(st, "disruptedPods");
    int rc = 0;
    if (observed < gen)
        rc = too_many_requests(err, 10,
                               xasprintf("The disruption budget %s is still being processed by "
                                         "the server.",
                                         name));
    else if (allowed < 0)
        rc = pdb_forbidden(err, name, "pdb disruptions allowed is negative");
    else if (json_object_size(disrupted) > MAX_DISRUPTED_PODS)
        rc = pdb_forbidden(err, name,
                           "DisruptedPods map too big - too many evictions not confirmed by PDB "
                           "controller");
    else if (allowed == 0)
        rc = too_many_requests(
            err, 0,
            xasprintf("The disruption budget %s needs %lld healthy pods and has %lld currently",
                      name, (long long)json_integer_value(json_object_get(st, "desiredHealthy")),
                      (long long)json_integer_value(json_object_get(st, "currentHealthy"))));
    if (rc == 0 && !dry) {
        json_object_set_new(st, "disruptionsAllowed", json_integer(allowed - 1));
        if (allowed - 1 == 0) set_insufficient_pods(st, observed);
        if (!json_is_object(disrupted))
            json_object_set_new(st, "disruptedPods", disrupted = json_object());
        char now[32];
        rfc3339_now(now);
        json_object_set_new(disrupted, pod, json_string(now));
        ck_write_opts wo = {
            .subresource = "status", .field_manager = "kube-apiserver", .operation = "Update"};
        ck_written w = {0};
        rc = ck_objstore_update(srv, po->rt, po, pdb, &wo, &w, err);
        ck_written_clear(&w);
    }
    json_decref(pdb);
    return rc;
}

typedef struct pdb_match {
    const json_t *labels; /* the pod's */
    ck_obj *first;        /* referenced */
    int n;
} pdb_match;

/* getPodDisruptionBudgets: budgets of the pod's namespace whose selector matches it (a
 * missing selector matches nothing, an empty one everything). */
static bool match_pdb(ck_obj *o, void *ctx)
{
    pdb_match *m = ctx;
    json_t *doc = ck_obj_parse(o);
    json_t *sel = ck_obj_get(doc, "spec.selector");
    ck_label_selector *ls = NULL;
    ck_err *e = NULL;
    if (json_is_object(sel) && ck_label_selector_from_json(sel, &ls, &e) == 0 &&
        ck_label_selector_matches(ls, m->labels)) {
        if (!m->n) m->first = ck_obj_ref(o);
        m->n++;
    }
    ck_label_selector_free(ls);
    ck_err_free(e);
    json_decref(doc);
    return true;
}

static bool pod_ready(const json_t *pod)
{
    size_t i;
    json_t *c;
    json_array_foreach(
        ck_obj_get(pod, "status.conditions"), i,
        c) if (streq(ck_obj_str(c, "type"), "Ready")) return streq(ck_obj_str(c, "status"), "True");
    return false;
}

static void set_rv_precondition(json_t *opts, int64_t rev)
{
    char rv[24];
    snprintf(rv, sizeof rv, "%lld", (long long)rev);
    json_t *pre = json_object_get(opts, "preconditions");
    if (!json_is_object(pre)) json_object_set_new(opts, "preconditions", pre = json_object());
    json_object_set_new(pre, "resourceVersion", json_string(rv));
}

static bool rv_unset(const json_t *opts)
{
    return !json_is_string(ck_obj_get(opts, "preconditions.resourceVersion"));
}

/* addConditionAndDeletePod: checks the preconditions, marks the pod DisruptionTarget=True
 * (a status write, skipped on dry run), then deletes it with opts (borrowed; a
 * resourceVersion precondition is moved to the version the status write made). */
static int evict_delete(ck_apiserver *srv, ck_rtype *pods, const char *ns, const char *name,
                        json_t *opts, bool dry, ck_err **err)
{
    ck_obj *cur = ck_obj_ref(ck_cache_get(srv->cache, pods, ns, name));
    if (!cur) return ck_err_not_found(err, pods, name);
    int rc = 0;
    const char *uid = json_string_value(ck_obj_get(opts, "preconditions.uid"));
    const char *rv = json_string_value(ck_obj_get(opts, "preconditions.resourceVersion"));
    json_t *details = json_pack("{s:s, s:s}", "name", name, "kind", "Pod");
    if (!dry && uid && *uid && !streq(uid, cur->uid))
        rc = ck_error_details(err, 409, CK_CONFLICT, json_incref(details),
                              "Operation cannot be fulfilled on Pod \"%s\": the UID in the "
                              "precondition (%s) does not match the UID in record (%s). The "
                              "object might have been deleted and then recreated",
                              name, uid, cur->uid ? cur->uid : "");
    else if (!dry && rv && *rv && strtoll(rv, NULL, 10) != cur->mod_rev)
        rc = ck_error_details(err, 409, CK_CONFLICT, json_incref(details),
                              "Operation cannot be fulfilled on Pod \"%s\": the ResourceVersion "
                              "in the precondition (%s) does not match the ResourceVersion in "
                              "record (%lld). The object might have been modified",
                              name, rv, (long long)cur->mod_rev);
    json_decref(details);
    if (rc == 0 && !dry) {
        json_t *doc = ck_obj_parse(cur);
        set_pod_condition(doc, "DisruptionTarget", "True", "EvictionByEvictionAPI",
                          "Eviction API: evicting");
        ck_write_opts wo = {.subresource = "status", .operation = "Update", .ignore_rv = true};
        ck_written w = {0};
        rc = ck_objstore_update(srv, pods, cur, doc, &wo, &w, err);
        json_decref(doc);
        ck_written_clear(&w);
        if (rc == 0) {
            ck_obj_unref(cur);
            cur = ck_obj_ref(ck_cache_get(srv->cache, pods, ns, name));
            if (!cur) return ck_err_not_found(err, pods, name);
            if (!rv_unset(opts)) set_rv_precondition(opts, cur->mod_rev);
        }
    }
    if (rc == 0) {
        ck_written w = {0};
        ck_write_opts dwo = {.dry_run = dry};
        rc = ck_objstore_delete(srv, pods, cur, opts, &dwo, &w, err);
        ck_written_clear(&w);
    }
    ck_obj_unref(cur);
    return rc;
}

/* propagateDryRun: the request's dryRun goes into the eviction's DeleteOptions; both set
 * and different is an error. Returns the options (new reference) or NULL. */
static json_t *delete_options(ck_request *r, const json_t *ev, ck_err **err)
{
    const json_t *in = json_object_get(ev, "deleteOptions");
    json_t *opts = json_is_object(in) ? json_deep_copy(in) : json_object();
    const char *q = ck_query(r, "dryRun");
    json_t *dr = json_object_get(opts, "dryRun");
    if (q && *q) {
        if (!json_array_size(dr)) {
            json_object_set_new(opts, "dryRun", json_pack("[s]", q));
        } else if (json_array_size(dr) != 1 ||
                   !streq(json_string_value(json_array_get(dr, 0)), q)) {
            cleanup_free char *body = json_dumps(dr, JSON_COMPACT | JSON_ENCODE_ANY);
            ck_error(err, 500, NULL,
                     "Non-matching dry-run options in request and content: [%s] and %s", q,
                     body ? body : "[]");
            json_decref(opts);
            return NULL;
        }
    }
    return opts;
}

/* Runs the eviction of pod o; returns 0 (evicted), 1 (answer already in *multi) or -1. */
static int evict(ck_request *r, ck_rtype *pods, ck_obj *o, json_t *opts, json_t **multi,
                 ck_err **err)
{
    ck_apiserver *srv = r->srv;
    bool dry = json_array_size(json_object_get(opts, "dryRun")) > 0;
    json_t *pod = ck_obj_parse(o);
    const char *phase = ck_obj_str(pod, "status.phase");
    bool terminal = streq(phase, "Succeeded") || streq(phase, "Failed");
    bool deleting = ck_obj_get(pod, "metadata.deletionTimestamp") != NULL;
    int rc;
    /* canIgnorePDB: terminal, pending and terminating pods are deleted without a budget;
     * the resourceVersion precondition keeps a pod that became ready meanwhile safe. */
    if (terminal || deleting || streq(phase, "Pending")) {
        json_t *dopts = json_deep_copy(opts);
        if (!terminal && !deleting && rv_unset(dopts)) set_rv_precondition(dopts, o->mod_rev);
        rc = evict_delete(srv, pods, o->ns, o->name, dopts, dry, err);
        json_decref(dopts);
        json_decref(pod);
        return rc;
    }
    pdb_match m = {.labels = o->labels};
    ck_rtype *pdbs = ck_registry_find("policy", "v1", "poddisruptionbudgets");
    ck_cache_each(srv->cache, pdbs, o->ns, NULL, match_pdb, &m);
    bool pin_rv = false;
    rc = 0;
    if (m.n > 1) {
        *multi = json_pack("{s:s, s:s, s:{}, s:s, s:s, s:i}", "kind", "Status", "apiVersion", "v1",
                           "metadata", "status", "Failure", "message",
                           "This pod has more than one PodDisruptionBudget, which the eviction "
                           "subresource does not support.",
                           "code", 500);
        rc = 1;
    } else if (m.n == 1) {
        json_t *pdb = ck_obj_parse(m.first);
        json_int_t cur = json_integer_value(ck_obj_get(pdb, "status.currentHealthy"));
        json_int_t want = json_integer_value(ck_obj_get(pdb, "status.desiredHealthy"));
        /* An unready pod does not count as healthy: it may go when the policy says so or
         * when the budget is met without it, without taking a disruption. */
        if (!pod_ready(pod) &&
            (streq(ck_obj_str(pdb, "spec.unhealthyPodEvictionPolicy"), "AlwaysAllow") ||
             (cur >= want && want > 0)))
            pin_rv = true;
        json_decref(pdb);
        if (!pin_rv) rc = check_and_decrement(srv, m.first, o->name, dry, err);
    }
    if (rc == 0) {
        json_t *dopts = json_deep_copy(opts);
        if (pin_rv) set_rv_precondition(dopts, o->mod_rev);
        rc = evict_delete(srv, pods, o->ns, o->name, dopts, dry, err);
        json_decref(dopts);
        if (rc < 0 && (*err)->code == 409 && pin_rv && rv_unset(opts)) {
            ck_err_free(*err);
            *err = NULL;
            rc = too_many_requests(err, 10,
                                   xasprintf("The disruption budget %s is still being processed "
                                             "by the server.",
                                             m.first->name));
        }
    }
    ck_obj_unref(m.first);
    json_decref(pod);
    return rc;
}

void ck_rest_pod_eviction(ck_request *r, ck_reqinfo *ri)
{
    ck_err *err = NULL;
    json_t *ev = NULL, *opts = NULL, *multi = NULL;
    ck_obj *o = NULL;
    if (ck_sub_decode(r, ri, "policy/v1", "policy/v1beta1", "Eviction",
                      "io.k8s.api.policy.v1.Eviction", &ev, &err) < 0)
        goto fail;
    const char *name = ck_obj_str(ev, "metadata.name");
    if (!streq(name ? name : "", ri->name)) {
        ck_error(&err, 400, CK_BAD_REQUEST, "name in URL does not match name in Eviction object");
        goto fail;
    }
    if (!(opts = delete_options(r, ev, &err))) goto fail;
    o = ck_obj_ref(ck_cache_get(r->srv->cache, ri->rt, ri->ns, ri->name));
    if (!o) {
        ck_err_not_found(&err, ri->rt, ri->name);
        goto fail;
    }
    json_t *pod = ck_obj_parse(o);
    int denied = ck_noderestriction_pod_delete(r->user.name, (const char *const *)r->user.groups,
                                               pod, true, &err);
    json_decref(pod);
    if (denied < 0) goto fail;
    int rc = evict(r, ri->rt, o, opts, &multi, &err);
    if (rc < 0) goto fail;
    if (rc == 1)
        ck_send_json(r, 500, multi);
    else
        ck_sub_send_success(r);
    goto done;
fail:
    ck_sub_send_err(r, err);
    ck_err_free(err);
done:
    ck_obj_unref(o);
    json_decref(ev);
    json_decref(opts);
}
