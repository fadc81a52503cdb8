/* pods (/v1): upstream's pod strategy (pkg/registry/core/pod/strategy.go) with the
 * Pod-only defaults of SetDefaults_Pod, ValidatePodCreate/Update, the printer of
 * printers.go (printPod) and the selectable fields. The admission plugins that shape every
 * new pod (ServiceAccount, Priority, DefaultTolerationSeconds) are in src/admission. */
#include <stdio.h>

#include "lib/util.h"
#include "registry/corefmt.h"
#include "registry/kinds.h"
#include "registry/podspec.h"

static void copy_missing(json_t *dst, const json_t *src)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)src, k, v) if (!json_object_get(dst, k))
        json_object_set(dst, k, v);
}

/* SetDefaults_Pod, then the PodSpec defaults. */
static void pod_defaults(json_t *obj)
{
    json_t *spec = ck_obj_ensure(obj, "spec");
    static const char *const lists[] = {"containers", "initContainers"};
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(spec, lists[l]), i, c)
        {
            json_t *lim = ck_obj_get(c, "resources.limits");
            if (json_is_object(lim)) copy_missing(ck_obj_ensure(c, "resources.requests"), lim);
            json_t *req = ck_obj_get(c, "resources.requests");
            if (l || !json_is_object(req)) continue;
            /* InPlacePodVerticalScaling: a NotRequired resize policy per requested resource. */
            static const char *const rs[] = {"cpu", "memory"};
            for (size_t r = 0; r < ARRAY_SIZE(rs); r++) {
                if (!json_object_get(req, rs[r])) continue;
                json_t *rp = json_object_get(c, "resizePolicy");
                bool found = false;
                size_t j;
                json_t *p;
                json_array_foreach(rp, j, p) found |= streq(ck_obj_str(p, "resourceName"), rs[r]);
                if (found) continue;
                if (!json_is_array(rp)) json_object_set_new(c, "resizePolicy", rp = json_array());
                json_array_append_new(rp, json_pack("{s:s, s:s}", "resourceName", rs[r],
                                                    "restartPolicy", "NotRequired"));
            }
        }
        if (json_is_true(json_object_get(spec, "hostNetwork")))
            json_array_foreach(json_object_get(spec, lists[l]), i, c)
            {
                size_t j;
                json_t *p;
                json_array_foreach(json_object_get(c, "ports"), j, p)
                {
                    json_t *cp = json_object_get(p, "containerPort");
                    if (!json_integer_value(json_object_get(p, "hostPort")) && cp)
                        json_object_set(p, "hostPort", cp);
                }
            }
    }
    ck_obj_default_bool(spec, "enableServiceLinks", true);
    ck_podspec_defaults(spec);
}

static json_t *condition(const char *type, const char *status, const char *reason,
                         const char *message)
{
    char now[32];
    rfc3339_now(now);
    return json_pack("{s:s, s:s, s:n, s:s, s:s, s:s}", "type", type, "status", status,
                     "lastProbeTime", "lastTransitionTime", now, "reason", reason, "message",
                     message);
}

static void pod_prepare_create(json_t *obj)
{
    pod_defaults(obj); /* QoS is computed on the defaulted spec, as upstream */
    json_t *spec = json_object_get(obj, "spec");
    json_t *status = json_pack("{s:s, s:s}", "phase", "Pending", "qosClass", ck_pod_qos(spec));
    if (json_array_size(json_object_get(spec, "schedulingGates")))
        json_object_set_new(status, "conditions",
                            json_pack("[o]", condition("PodScheduled", "False", "SchedulingGated",
                                                       "Scheduling is blocked due to non-empty "
                                                       "scheduling gates")));
    json_object_set_new(obj, "status", status);
}

static void pod_validate(const json_t *obj, ck_field_errors *fe)
{
    ck_validate_pod_spec(json_object_get(obj, "spec"), "spec", true, fe);
}

/* A compact description of what changed between two specs, standing in for the cmp.Diff
 * upstream appends to its update error. */
static char *spec_diff(const json_t *old, const json_t *new)
{
    size_t cap = 256, len = 0;
    char *out = xmalloc(cap);
    const json_t *sides[2] = {old, new};
    len += (size_t)snprintf(out, cap, "  core.PodSpec{\n");
    for (int s = 0; s < 2; s++) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)sides[s], k, v)
        {
            const json_t *o = json_object_get(old, k), *n = json_object_get(new, k);
            if (json_equal(o, n) || (s == 1 && o)) continue;
            char *a = o ? json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY) : xstrdup("nil");
            char *b = n ? json_dumps(n, JSON_COMPACT | JSON_ENCODE_ANY) : xstrdup("nil");
            size_t need = strlen(k) * 2 + strlen(a) + strlen(b) + 32;
            if (len + need >= cap) out = xrealloc(out, cap = (len + need) * 2);
            len += (size_t)sprintf(out + len, "- \t%s: %s,\n+ \t%s: %s,\n", k, a, k, b);
            free(a);
            free(b);
        }
    }
    out = xrealloc(out, len + 8);
    strcpy(out + len, "  }\n");
    return out;
}

static bool same_except_images(const json_t *nl, const json_t *ol)
{
    size_t i;
    json_t *c;
    json_array_foreach(nl, i, c)
    {
        json_t *x = json_deep_copy(c);
        json_object_del(x, "image");
        json_t *y = json_deep_copy(json_array_get(ol, i));
        json_object_del(y, "image");
        bool eq = json_equal(x, y);
        json_decref(x);
        json_decref(y);
        if (!eq) return false;
    }
    return true;
}

/* ValidatePodUpdate: only images, activeDeadlineSeconds, added tolerations, removed
 * scheduling gates (and a negative grace period set to 1) may change. */
static void pod_validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    const json_t *ns = json_object_get(obj, "spec"), *os = json_object_get(old, "spec");
    static const char *const lists[] = {"containers", "initContainers"};
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
        if (json_array_size(json_object_get(ns, lists[l])) !=
            json_array_size(json_object_get(os, lists[l]))) {
            char p[64];
            snprintf(p, sizeof p, "spec.%s", lists[l]);
            ck_ferr_forbidden(fe, p, "pod updates may not add or remove containers");
            return;
        }
    const json_t *na = json_object_get(ns, "activeDeadlineSeconds");
    const json_t *oa = json_object_get(os, "activeDeadlineSeconds");
    if (na) {
        json_int_t v = json_integer_value(na);
        if (v < 0 || v > 2147483647) {
            ck_ferr_invalid(fe, "spec.activeDeadlineSeconds", na,
                            "must be between 0 and 2147483647, inclusive");
            return;
        }
        if (oa && json_integer_value(oa) < v) {
            ck_ferr_invalid(fe, "spec.activeDeadlineSeconds", na,
                            "must be less than or equal to previous value");
            return;
        }
    } else if (oa) {
        json_t *null = json_null();
        ck_ferr_invalid(fe, "spec.activeDeadlineSeconds", null,
                        "must not update from a positive integer to nil value");
    }
    size_t i, j;
    json_t *t, *u;
    json_array_foreach(json_object_get(os, "tolerations"), i, t)
    {
        bool found = false;
        json_array_foreach(json_object_get(ns, "tolerations"), j, u)
        {
            json_t *a = json_deep_copy(t), *b = json_deep_copy(u);
            json_object_del(a, "tolerationSeconds");
            json_object_del(b, "tolerationSeconds");
            found |= json_equal(a, b);
            json_decref(a);
            json_decref(b);
        }
        if (!found) {
            ck_ferr_forbidden(fe, "spec.tolerations",
                              "existing toleration can not be modified except its "
                              "tolerationSeconds");
            break;
        }
    }
    json_array_foreach(json_object_get(ns, "schedulingGates"), i, t)
    {
        bool old_gate = false;
        json_array_foreach(json_object_get(os, "schedulingGates"), j, u) old_gate |=
            streq(ck_obj_str(t, "name"), ck_obj_str(u, "name"));
        if (old_gate) continue;
        char p[96], *d = xasprintf("only deletion is allowed, but found new scheduling gate '%s'",
                                   ck_obj_str(t, "name") ? ck_obj_str(t, "name") : "");
        snprintf(p, sizeof p, "spec.schedulingGates[%zu].name", i);
        ck_ferr_forbidden(fe, p, d);
        free(d);
    }
    if (json_equal(ns, os)) return;
    json_t *m = json_deep_copy(ns);
    static const char *const mutable_keys[] = {"activeDeadlineSeconds", "schedulingGates",
                                               "tolerations"};
    for (size_t k = 0; k < ARRAY_SIZE(mutable_keys); k++) {
        json_t *v = json_object_get(os, mutable_keys[k]);
        if (v)
            json_object_set(m, mutable_keys[k], v);
        else
            json_object_del(m, mutable_keys[k]);
    }
    bool images_only = true;
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
        images_only &=
            same_except_images(json_object_get(m, lists[l]), json_object_get(os, lists[l]));
        json_t *v = json_object_get(os, lists[l]);
        if (v) json_object_set(m, lists[l], v);
    }
    json_t *og = json_object_get(os, "terminationGracePeriodSeconds");
    if (json_integer_value(og) < 0 &&
        json_integer_value(json_object_get(m, "terminationGracePeriodSeconds")) == 1)
        json_object_set(m, "terminationGracePeriodSeconds", og);
    if (!images_only || !json_equal(m, os)) {
        char *diff = spec_diff(os, ns);
        char *d = xasprintf("pod updates may not change fields other than "
                            "`spec.containers[*].image`,`spec.initContainers[*].image`,"
                            "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
                            "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it "
                            "to be set to 1 if it was previously negative)\n%s",
                            diff);
        ck_ferr_forbidden(fe, "spec", d);
        free(d);
        free(diff);
    }
    json_decref(m);
}

/* ValidatePodCreate's create-only rules. */
static int pod_before_create(ck_strategy_ctx *ctx, json_t *obj, ck_err **err)
{
    const json_t *spec = json_object_get(obj, "spec");
    ck_field_errors *fe = ck_ferrs_new();
    if (json_array_size(json_object_get(spec, "ephemeralContainers")))
        ck_ferr_forbidden(fe, "spec.ephemeralContainers", "cannot be set on create");
    if (json_string_length(json_object_get(spec, "nodeName")) &&
        json_array_size(json_object_get(spec, "schedulingGates")))
        ck_ferr_forbidden(fe, "spec.nodeName",
                          "cannot be set until all schedulingGates have been cleared");
    const char *name = ck_obj_str(obj, "metadata.name");
    int r = ck_ferrs_to_err(fe, "Pod", "", name ? name : "", err);
    ck_ferrs_free(fe);
    return r;
}

/* ---- table ---- */

static const ck_column pod_columns[] = {
    CK_CORE_COL_NAME,
    {"Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.", 0},
    {"Status", "string", "", "The aggregate status of the containers in this pod.", 0},
    {"Restarts", "string", "",
     "The number of times the containers in this pod have been restarted and when the last "
     "container in this pod has restarted.",
     0},
    CK_CORE_COL_AGE,
    {"IP", "string", "",
     "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet "
     "allocated.",
     1},
    {"Node", "string", "", "NodeName indicates in which node this pod is scheduled.", 1},
    {"Nominated Node", "string", "",
     "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot "
     "be scheduled right away as preemption victims receive their graceful termination periods.",
     1},
    {"Readiness Gates", "string", "",
     "If specified, all readiness gates will be evaluated for pod readiness.", 1},
};

static bool cond_true(const json_t *status, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(
        json_object_get(status, "conditions"), i,
        c) if (streq(ck_obj_str(c, "type"), type)) return streq(ck_obj_str(c, "status"), "True");
    return false;
}

static void note_restart(const json_t *cs, int64_t *last)
{
    int64_t t;
    const char *fin = ck_obj_str(cs, "lastState.terminated.finishedAt");
    if (fin && ck_fmt_seconds_since(fin, &t) && (*last < 0 || t < *last)) *last = t;
}

static char *terminated_reason(const json_t *term, const char *prefix)
{
    const char *r = ck_obj_str(term, "reason");
    if (r && *r) return xasprintf("%s%s", prefix, r);
    json_int_t sig = json_integer_value(json_object_get(term, "signal"));
    if (sig) return xasprintf("%sSignal:%lld", prefix, (long long)sig);
    return xasprintf("%sExitCode:%lld", prefix,
                     (long long)json_integer_value(json_object_get(term, "exitCode")));
}

static void pod_row(const json_t *obj, json_t *cells)
{
    const json_t *spec = json_object_get(obj, "spec"), *st = json_object_get(obj, "status");
    long restarts = 0, init_restarts = 0, ready = 0;
    long total = (long)json_array_size(json_object_get(spec, "containers"));
    int64_t last = -1, init_last = -1; /* seconds since the latest restart; -1: none */
    const char *phase = ck_obj_str(st, "phase");
    char *reason = xstrdup(
        ck_obj_str(st, "reason") && *ck_obj_str(st, "reason") ? ck_obj_str(st, "reason") : phase);
    size_t i, j;
    json_t *c, *ic;
    json_array_foreach(json_object_get(st, "conditions"), i,
                       c) if (streq(ck_obj_str(c, "type"), "PodScheduled") &&
                              streq(ck_obj_str(c, "reason"), "SchedulingGated"))
    {
        free(reason);
        reason = xstrdup("SchedulingGated");
    }
    const json_t *inits = json_object_get(spec, "initContainers");
    json_array_foreach(inits, i, ic) total += streq(ck_obj_str(ic, "restartPolicy"), "Always");
    bool initializing = false;
    json_array_foreach(json_object_get(st, "initContainerStatuses"), i, c)
    {
        bool restartable = false;
        json_array_foreach(inits, j, ic) if (streq(ck_obj_str(ic, "name"), ck_obj_str(c, "name")))
            restartable = streq(ck_obj_str(ic, "restartPolicy"), "Always");
        long rc = (long)json_integer_value(json_object_get(c, "restartCount"));
        restarts += rc;
        note_restart(c, &last);
        if (restartable) {
            init_restarts += rc;
            note_restart(c, &init_last);
        }
        const json_t *term = ck_obj_get(c, "state.terminated");
        const char *wr = ck_obj_str(c, "state.waiting.reason");
        if (term && json_integer_value(json_object_get(term, "exitCode")) == 0) continue;
        if (restartable && json_is_true(json_object_get(c, "started"))) {
            ready += json_is_true(json_object_get(c, "ready"));
            continue;
        }
        free(reason);
        if (term)
            reason = terminated_reason(term, "Init:");
        else if (wr && *wr && !streq(wr, "PodInitializing"))
            reason = xasprintf("Init:%s", wr);
        else
            reason = xasprintf("Init:%zu/%zu", i, json_array_size(inits));
        initializing = true;
        break;
    }
    if (!initializing || cond_true(st, "Initialized")) {
        restarts = init_restarts;
        last = init_last;
        bool running = false;
        const json_t *css = json_object_get(st, "containerStatuses");
        for (size_t k = json_array_size(css); k-- > 0;) {
            c = json_array_get(css, k);
            restarts += (long)json_integer_value(json_object_get(c, "restartCount"));
            note_restart(c, &last);
            const char *wr = ck_obj_str(c, "state.waiting.reason");
            const json_t *term = ck_obj_get(c, "state.terminated");
            if (wr && *wr) {
                free(reason);
                reason = xstrdup(wr);
            } else if (term) {
                free(reason);
                reason = terminated_reason(term, "");
            } else if (json_is_true(json_object_get(c, "ready")) &&
                       ck_obj_get(c, "state.running")) {
                running = true;
                ready++;
            }
        }
        if (streq(reason, "Completed") && running) {
            free(reason);
            reason = xstrdup(cond_true(st, "Ready") ? "Running" : "NotReady");
        }
    }
    if (ck_obj_get(obj, "metadata.deletionTimestamp")) {
        bool terminal = streq(phase, "Succeeded") || streq(phase, "Failed");
        if (streq(ck_obj_str(st, "reason"), "NodeLost") || !terminal) {
            free(reason);
            reason =
                xstrdup(streq(ck_obj_str(st, "reason"), "NodeLost") ? "Unknown" : "Terminating");
        }
    }
    ck_row_name(obj, cells);
    ck_row_take(cells, xasprintf("%ld/%ld", ready, total));
    ck_row_take(cells, reason);
    if (restarts && last >= 0) {
        char *ago = ck_fmt_duration(last);
        ck_row_take(cells, xasprintf("%ld (%s ago)", restarts, ago));
        free(ago);
    } else {
        ck_row_take(cells, xasprintf("%ld", restarts));
    }
    ck_row_age(obj, cells);
    const char *ip = ck_obj_str(json_array_get(json_object_get(st, "podIPs"), 0), "ip");
    const char *node = ck_obj_str(spec, "nodeName"), *nom = ck_obj_str(st, "nominatedNodeName");
    ck_row_str(cells, ip && *ip ? ip : "<none>");
    ck_row_str(cells, node && *node ? node : "<none>");
    ck_row_str(cells, nom && *nom ? nom : "<none>");
    const json_t *gates = json_object_get(spec, "readinessGates");
    if (!json_array_size(gates)) {
        ck_row_str(cells, "<none>");
        return;
    }
    long trues = 0;
    json_array_foreach(gates, i, c)
    {
        json_array_foreach(json_object_get(st, "conditions"), j,
                           ic) if (streq(ck_obj_str(ic, "type"), ck_obj_str(c, "conditionType")))
        {
            trues += streq(ck_obj_str(ic, "status"), "True");
            break;
        }
    }
    ck_row_take(cells, xasprintf("%ld/%zu", trues, json_array_size(gates)));
}

/* ---- field selectors (ToSelectableFields) ---- */

static const char *const pod_fields[] = {"spec.nodeName",
                                         "spec.restartPolicy",
                                         "spec.schedulerName",
                                         "spec.serviceAccountName",
                                         "spec.hostNetwork",
                                         "status.phase",
                                         "status.podIP",
                                         "status.nominatedNodeName",
                                         NULL};

static char *pod_field(const json_t *obj, const char *field)
{
    if (streq(field, "spec.hostNetwork"))
        return xstrdup(json_is_true(ck_obj_get(obj, "spec.hostNetwork")) ? "true" : "false");
    if (streq(field, "status.podIP")) {
        const char *ip = ck_obj_str(json_array_get(ck_obj_get(obj, "status.podIPs"), 0), "ip");
        return xstrdup(ip ? ip : "");
    }
    const char *v = ck_obj_str(obj, field);
    return xstrdup(v ? v : "");
}

const ck_rtype_def ck_reg_pod = {
    .group = "",
    .version = "v1",
    .plural = "pods",
    .defaults = pod_defaults,
    .prepare_create = pod_prepare_create,
    .validate = pod_validate,
    .validate_update = pod_validate_update,
    .before_create = pod_before_create,
    .columns = pod_columns,
    .ncolumns = ARRAY_SIZE(pod_columns),
    .table_row = pod_row,
    .fields = pod_fields,
    .field_value = pod_field,
    .generation = true,
    .return_deleted = true,
};
