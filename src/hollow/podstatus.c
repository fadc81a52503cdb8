/* Pod status patches for hollow nodes (see podstatus.h). */
#include "hollow/podstatus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hollow/objects.h"
#include "lib/flags.h"
#include "lib/util.h"
#include "machinery/quantity.h"
#include "registry/registry.h"

/* ---- pieces ---- */

static void add_generation(json_t *o, const json_t *pod)
{
    json_t *g = ck_obj_get(pod, "metadata.generation");
    if (json_is_integer(g)) json_object_set(o, "observedGeneration", g);
}

static json_t *cond(const json_t *pod, const char *type, bool status, const char *reason,
                    const char *message, const char *transition)
{
    json_t *c = json_pack("{s:s, s:s, s:n}", "type", type, "status", status ? "True" : "False",
                          "lastProbeTime");
    add_generation(c, pod);
    if (transition) json_object_set_new(c, "lastTransitionTime", json_string(transition));
    if (reason) json_object_set_new(c, "reason", json_string(reason));
    if (message) json_object_set_new(c, "message", json_string(message));
    return c;
}

static const json_t *find_cond(const json_t *pod, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(ck_obj_get(pod, "status.conditions"), i,
                       c) if (streq(ck_obj_str(c, "type"), type)) return c;
    return NULL;
}

/* Ready from the readiness gates (generatePodReadyCondition); *message is set (caller
 * frees) when a gate is not ready. */
static bool gates_ready(const json_t *pod, char **message)
{
    *message = NULL;
    size_t i;
    json_t *g;
    json_array_foreach(ck_obj_get(pod, "spec.readinessGates"), i, g)
    {
        const char *type = ck_obj_str(g, "conditionType");
        const json_t *c = find_cond(pod, type ? type : "");
        char *m = NULL;
        if (!c)
            m = xasprintf("corresponding condition of pod readiness gate \"%s\" does not exist.",
                          type ? type : "");
        else if (!streq(ck_obj_str(c, "status"), "True"))
            m = xasprintf("the status of pod readiness gate \"%s\" is not \"True\", but %s",
                          type ? type : "", ck_obj_str(c, "status") ? ck_obj_str(c, "status") : "");
        if (!m) continue;
        if (*message) {
            char *j = xasprintf("%s, %s", *message, m);
            free(*message);
            free(m);
            m = j;
        }
        *message = m;
    }
    return *message == NULL;
}

static json_t *element_order(bool scheduled)
{
    json_t *o = json_pack("[{s:s}, {s:s}, {s:s}, {s:s}]", "type", "PodReadyToStartContainers",
                          "type", "Initialized", "type", "Ready", "type", "ContainersReady");
    if (scheduled) json_array_append_new(o, json_pack("{s:s}", "type", "PodScheduled"));
    return o;
}

static json_t *patch_of(const json_t *pod, json_t *status)
{
    add_generation(status, pod);
    const char *uid = ck_obj_str(pod, "metadata.uid");
    return json_pack("{s:{s:s}, s:o}", "metadata", "uid", uid ? uid : "", "status", status);
}

static json_t *ips(const char *const *list, unsigned n)
{
    json_t *a = json_array();
    for (unsigned i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s}", "ip", list[i]));
    return a;
}

typedef enum { ST_RUNNING, ST_TERMINATED, ST_WAITING } state_kind;

static char *container_id(const json_t *pod, const char *name, int attempt)
{
    const char *uid = ck_obj_str(pod, "metadata.uid");
    return attempt ? xasprintf("hollow://%s/%s/%d", uid ? uid : "", name, attempt)
                   : xasprintf("hollow://%s/%s", uid ? uid : "", name);
}

static json_t *terminated(const json_t *pod, const char *name, int attempt, int code,
                          const char *started, const char *finished)
{
    char *id = container_id(pod, name, attempt);
    json_t *t = json_pack("{s:{s:i, s:s, s:s, s:s, s:s}}", "terminated", "exitCode", code, "reason",
                          code ? "Error" : "Completed", "startedAt", started, "finishedAt",
                          finished, "containerID", id);
    free(id);
    return t;
}

/* One container's status. kind applies to the current run; the previous run (restarts)
 * goes to lastState. */
static json_t *container_status(const json_t *pod, const json_t *c, const hw_pod_env *e,
                                state_kind kind, int exit_code, const char *waiting_msg)
{
    const char *name = ck_obj_str(c, "name");
    if (!name) name = "";
    char *image = hw_image_ref(ck_obj_str(c, "image"));
    char *image_id = xasprintf("hollow://%s", image);
    char *id = container_id(pod, name, e->restarts);
    json_t *state, *last = json_object();
    if (kind == ST_RUNNING)
        state = json_pack("{s:{s:s}}", "running", "startedAt", e->started_at);
    else if (kind == ST_TERMINATED)
        state = terminated(pod, name, e->restarts, exit_code, e->started_at, e->now);
    else
        state = json_pack("{s:{s:s, s:s}}", "waiting", "reason", "CrashLoopBackOff", "message",
                          waiting_msg);
    if (e->finished_at && kind != ST_TERMINATED) {
        json_decref(last);
        int prev = kind == ST_WAITING ? e->restarts : e->restarts - 1;
        last = terminated(pod, name, prev < 0 ? 0 : prev, e->last_exit,
                          e->last_started ? e->last_started : e->start, e->finished_at);
    }
    json_t *cs =
        json_pack("{s:s, s:o, s:o, s:b, s:i, s:s, s:s, s:b}", "name", name, "state", state,
                  "lastState", last, "ready", kind == ST_RUNNING, "restartCount", e->restarts,
                  "image", image, "imageID", image_id, "started", kind == ST_RUNNING);
    json_object_set_new(cs, "containerID", json_string(id));
    json_t *res = json_object_get(c, "resources");
    if (json_object_size(res)) {
        json_t *r = json_object();
        if (json_object_get(res, "requests"))
            json_object_set(r, "requests", json_object_get(res, "requests"));
        if (json_object_get(res, "limits"))
            json_object_set(r, "limits", json_object_get(res, "limits"));
        if (json_object_size(r))
            json_object_set_new(cs, "resources", r);
        else
            json_decref(r);
    }
    free(image);
    free(image_id);
    free(id);
    return cs;
}

static int by_name(const void *a, const void *b)
{
    const char *x = ck_obj_str(*(json_t *const *)a, "name");
    const char *y = ck_obj_str(*(json_t *const *)b, "name");
    return strcmp(x ? x : "", y ? y : "");
}

/* containerStatuses sorted by name (kubelet's SortedContainerStatuses). */
static json_t *containers(const json_t *pod, const hw_pod_env *e, state_kind kind, int exit_code,
                          const char *waiting_msg)
{
    const json_t *list = ck_obj_get(pod, "spec.containers");
    size_t n = json_array_size(list);
    json_t **v = xcalloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = container_status(pod, json_array_get(list, i), e, kind, exit_code, waiting_msg);
    qsort(v, n, sizeof *v, by_name);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, v[i]);
    free(v);
    return a;
}

/* initContainerStatuses in spec order: regular init containers completed, sidecars
 * (restartPolicy Always) running while the pod runs and completed once it ends. */
static json_t *init_containers(const json_t *pod, const hw_pod_env *e, bool running)
{
    const json_t *list = ck_obj_get(pod, "spec.initContainers");
    if (!json_array_size(list)) return NULL;
    hw_pod_env first = *e;
    first.restarts = 0;
    first.finished_at = NULL;
    first.started_at = e->start;
    json_t *a = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        bool sidecar = streq(ck_obj_str(c, "restartPolicy"), "Always");
        hw_pod_env env = first;
        if (!sidecar) env.now = e->start; /* ran to completion before the containers */
        json_array_append_new(a, container_status(pod, c, &env,
                                                  sidecar && running ? ST_RUNNING : ST_TERMINATED,
                                                  0, NULL));
    }
    return a;
}

/* The common status frame: host and pod IPs, start time, conditions. */
static json_t *status_frame(const json_t *pod, const hw_pod_env *e, const char *phase,
                            json_t *conds)
{
    json_t *st = json_pack("{s:s, s:o}", "phase", phase, "conditions", conds);
    bool scheduled = find_cond(pod, "PodScheduled") &&
                     streq(ck_obj_str(find_cond(pod, "PodScheduled"), "status"), "True");
    if (!scheduled)
        json_array_append_new(conds, cond(pod, "PodScheduled", true, NULL, NULL, e->start));
    json_object_set_new(st, "$setElementOrder/conditions", element_order(true));
    if (e->host_ip) {
        json_object_set_new(st, "hostIP", json_string(e->host_ip));
        json_object_set_new(st, "hostIPs", ips(&e->host_ip, 1));
    }
    if (e->npod_ips) {
        json_object_set_new(st, "podIP", json_string(e->pod_ips[0]));
        json_object_set_new(st, "podIPs", ips(e->pod_ips, e->npod_ips));
    }
    json_object_set_new(st, "startTime", json_string(e->start));
    return st;
}

/* ---- the patches ---- */

json_t *hw_pod_running_patch(const json_t *pod, const hw_pod_env *e)
{
    char *gate_msg = NULL;
    bool ready = gates_ready(pod, &gate_msg);
    json_t *conds = json_array();
    json_array_append_new(conds, cond(pod, "PodReadyToStartContainers", true, NULL, NULL, e->now));
    json_array_append_new(conds, cond(pod, "Initialized", true, NULL, NULL, e->now));
    json_array_append_new(conds, cond(pod, "Ready", ready, ready ? NULL : "ReadinessGatesNotReady",
                                      gate_msg, e->now));
    json_array_append_new(conds, cond(pod, "ContainersReady", true, NULL, NULL, e->now));
    free(gate_msg);
    json_t *st = status_frame(pod, e, "Running", conds);
    json_t *inits = init_containers(pod, e, true);
    if (inits) json_object_set_new(st, "initContainerStatuses", inits);
    json_object_set_new(st, "containerStatuses", containers(pod, e, ST_RUNNING, 0, NULL));
    return patch_of(pod, st);
}

json_t *hw_pod_finished_patch(const json_t *pod, const hw_pod_env *e, int exit_code,
                              const char *reason, const char *message)
{
    bool ok = exit_code == 0;
    const char *why = ok ? "PodCompleted" : "PodFailed";
    json_t *conds = json_array();
    json_array_append_new(conds, cond(pod, "PodReadyToStartContainers", false, NULL, NULL, e->now));
    json_array_append_new(conds,
                          cond(pod, "Initialized", true, ok ? "PodCompleted" : NULL, NULL, NULL));
    json_array_append_new(conds, cond(pod, "Ready", false, why, NULL, e->now));
    json_array_append_new(conds, cond(pod, "ContainersReady", false, why, NULL, e->now));
    json_t *st = status_frame(pod, e, ok ? "Succeeded" : "Failed", conds);
    if (reason) json_object_set_new(st, "reason", json_string(reason));
    if (message) json_object_set_new(st, "message", json_string(message));
    json_t *inits = init_containers(pod, e, false);
    if (inits) json_object_set_new(st, "initContainerStatuses", inits);
    json_object_set_new(st, "containerStatuses",
                        containers(pod, e, ST_TERMINATED, exit_code, NULL));
    return patch_of(pod, st);
}

json_t *hw_pod_backoff_patch(const json_t *pod, const hw_pod_env *e, uint64_t backoff_ms)
{
    const char *ns = ck_obj_str(pod, "metadata.namespace"),
               *name = ck_obj_str(pod, "metadata.name");
    const char *uid = ck_obj_str(pod, "metadata.uid");
    const json_t *list = ck_obj_get(pod, "spec.containers");
    const char *first = ck_obj_str(json_array_get(list, 0), "name");
    char *msg = xasprintf("back-off %llus restarting failed container=%s pod=%s_%s(%s)",
                          (unsigned long long)(backoff_ms / 1000), first ? first : "",
                          name ? name : "", ns ? ns : "", uid ? uid : "");
    json_t *conds = json_array();
    char *unready = xasprintf("containers with unready status: [");
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        char *n = xasprintf("%s%s%s", unready, i ? " " : "", ck_obj_str(c, "name"));
        free(unready);
        unready = n;
    }
    char *m = xasprintf("%s]", unready);
    json_array_append_new(conds, cond(pod, "PodReadyToStartContainers", true, NULL, NULL, NULL));
    json_array_append_new(conds, cond(pod, "Initialized", true, NULL, NULL, NULL));
    json_array_append_new(conds, cond(pod, "Ready", false, "ContainersNotReady", m, e->now));
    json_array_append_new(conds,
                          cond(pod, "ContainersReady", false, "ContainersNotReady", m, e->now));
    json_t *st = status_frame(pod, e, "Running", conds);
    json_t *inits = init_containers(pod, e, true);
    if (inits) json_object_set_new(st, "initContainerStatuses", inits);
    json_object_set_new(st, "containerStatuses", containers(pod, e, ST_WAITING, 0, msg));
    free(msg);
    free(unready);
    free(m);
    return patch_of(pod, st);
}

json_t *hw_pod_rejected_patch(const json_t *pod, const char *reason, const char *message)
{
    return patch_of(
        pod, json_pack("{s:s, s:s, s:s}", "phase", "Failed", "reason", reason, "message", message));
}

json_t *hw_pod_ready_patch(const json_t *pod, const char *now)
{
    const json_t *cr = find_cond(pod, "ContainersReady");
    if (!streq(ck_obj_str(pod, "status.phase"), "Running") || !cr ||
        !streq(ck_obj_str(cr, "status"), "True"))
        return NULL;
    char *msg = NULL;
    bool ready = gates_ready(pod, &msg);
    const json_t *r = find_cond(pod, "Ready");
    const char *want = ready ? "True" : "False";
    if (r && streq(ck_obj_str(r, "status"), want) &&
        streq(ck_obj_str(r, "message") ? ck_obj_str(r, "message") : "", msg ? msg : "")) {
        free(msg);
        return NULL;
    }
    json_t *c = cond(pod, "Ready", ready, ready ? NULL : "ReadinessGatesNotReady", msg, now);
    if (ready) { /* clear what a former False left */
        json_object_set_new(c, "reason", json_null());
        json_object_set_new(c, "message", json_null());
    }
    free(msg);
    return patch_of(pod, json_pack("{s:[o]}", "conditions", c));
}

/* ---- reading the pod ---- */

/* Copies the listed members of from (that exist) into a new object. */
static json_t *pick(const json_t *from, const char *const *keys)
{
    json_t *o = json_object();
    for (; *keys; keys++) {
        json_t *v = json_object_get(from, *keys);
        if (v) json_object_set(o, *keys, v);
    }
    return o;
}

static json_t *pick_each(const json_t *list, const char *const *keys)
{
    json_t *a = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) json_array_append_new(a, pick(v, keys));
    return a;
}

json_t *hw_pod_trim(const json_t *pod)
{
    static const char *const meta_keys[] = {"name",       "namespace",         "uid",
                                            "generation", "deletionTimestamp", NULL};
    static const char *const spec_keys[] = {"nodeName",
                                            "restartPolicy",
                                            "activeDeadlineSeconds",
                                            "hostNetwork",
                                            "readinessGates",
                                            "overhead",
                                            "resources",
                                            NULL};
    static const char *const container_keys[] = {"name", "image", "resources", "restartPolicy",
                                                 NULL};
    static const char *const status_keys[] = {"phase", "startTime", "podIPs", NULL};
    static const char *const cond_keys[] = {"type", "status", "reason", "message", NULL};
    static const char *const cs_keys[] = {"name", "restartCount", "state", "lastState", NULL};
    const json_t *m = json_object_get(pod, "metadata"), *spec = json_object_get(pod, "spec");
    const json_t *st = json_object_get(pod, "status");
    json_t *meta = pick(m, meta_keys);
    const char *k;
    json_t *v, *ann = json_object();
    json_object_foreach(json_object_get(m, "annotations"), k,
                        v) if (has_prefix(k, "hollow.ckube.io/")) json_object_set(ann, k, v);
    json_object_set_new(meta, "annotations", ann);
    json_t *s = pick(spec, spec_keys);
    json_object_set_new(s, "containers",
                        pick_each(json_object_get(spec, "containers"), container_keys));
    if (json_array_size(json_object_get(spec, "initContainers")))
        json_object_set_new(s, "initContainers",
                            pick_each(json_object_get(spec, "initContainers"), container_keys));
    json_t *status = pick(st, status_keys);
    json_object_set_new(status, "conditions",
                        pick_each(json_object_get(st, "conditions"), cond_keys));
    if (json_array_size(json_object_get(st, "containerStatuses")))
        json_object_set_new(status, "containerStatuses",
                            pick_each(json_object_get(st, "containerStatuses"), cs_keys));
    return json_pack("{s:o, s:o, s:o}", "metadata", meta, "spec", s, "status", status);
}

int hw_pod_exit_code(const json_t *pod)
{
    const char *v = json_string_value(
        json_object_get(ck_obj_get(pod, "metadata.annotations"), HW_EXIT_CODE_ANNOTATION));
    if (!v || !*v) return 0;
    char *end;
    long n = strtol(v, &end, 10);
    return *end || n < 0 || n > 255 ? 1 : (int)n;
}

int64_t hw_pod_job_duration_ms(const json_t *pod, int64_t dflt_ms)
{
    const char *v = json_string_value(
        json_object_get(ck_obj_get(pod, "metadata.annotations"), HW_DURATION_ANNOTATION));
    int64_t ms = v ? ck_parse_duration_ms(v) : -1;
    return ms >= 0 ? ms : dflt_ms;
}

bool hw_pod_runs_to_completion(const json_t *pod)
{
    const char *p = ck_obj_str(pod, "spec.restartPolicy");
    return streq(p, "Never") || streq(p, "OnFailure");
}

static void add_requests(const json_t *res, int64_t *cpu, int64_t *mem)
{
    const json_t *req = json_object_get(res, "requests");
    ck_quantity q;
    const char *c = json_string_value(json_object_get(req, "cpu"));
    const char *m = json_string_value(json_object_get(req, "memory"));
    *cpu = *mem = 0;
    if (c && ck_quantity_parse(c, &q, NULL) == 0) *cpu = ck_quantity_milli(&q);
    if (m && ck_quantity_parse(m, &q, NULL) == 0) *mem = ck_quantity_value(&q);
}

void hw_pod_requests(const json_t *pod, int64_t *cpu_m, int64_t *mem)
{
    int64_t cpu = 0, memory = 0, c, m;
    const json_t *spec = json_object_get(pod, "spec");
    if (json_object_get(json_object_get(spec, "resources"), "requests")) {
        add_requests(json_object_get(spec, "resources"), &cpu, &memory);
    } else {
        size_t i;
        json_t *ct;
        json_array_foreach(json_object_get(spec, "containers"), i, ct)
        {
            add_requests(json_object_get(ct, "resources"), &c, &m);
            cpu += c;
            memory += m;
        }
        /* Sidecars run beside everything after them; a regular init container runs alone
         * beside the sidecars started before it. */
        int64_t side_cpu = 0, side_mem = 0, init_cpu = 0, init_mem = 0;
        json_array_foreach(json_object_get(spec, "initContainers"), i, ct)
        {
            add_requests(json_object_get(ct, "resources"), &c, &m);
            if (streq(ck_obj_str(ct, "restartPolicy"), "Always")) {
                side_cpu += c;
                side_mem += m;
            } else {
                if (side_cpu + c > init_cpu) init_cpu = side_cpu + c;
                if (side_mem + m > init_mem) init_mem = side_mem + m;
            }
        }
        cpu += side_cpu;
        memory += side_mem;
        if (init_cpu > cpu) cpu = init_cpu;
        if (init_mem > memory) memory = init_mem;
    }
    json_t *ov = json_object_get(spec, "overhead");
    if (ov) {
        json_t *wrap = json_pack("{s:O}", "requests", ov);
        add_requests(wrap, &c, &m);
        json_decref(wrap);
        cpu += c;
        memory += m;
    }
    *cpu_m = cpu;
    *mem = memory;
}

char *hw_reject_message(const char *resource, int64_t requested, int64_t used, int64_t cap)
{
    return xasprintf("Pod was rejected: Node didn't have enough resource: %s, requested: %lld, "
                     "used: %lld, capacity: %lld",
                     resource, (long long)requested, (long long)used, (long long)cap);
}
