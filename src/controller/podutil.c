/* Pod helpers for the workload controllers; see podutil.h. */
#include "controller/podutil.h"

#include <string.h>
#include <time.h>

#include "auth/authn.h" /* ck_rfc3339_parse */
#include "client/recorder.h"
#include "lib/log.h"
#include "lib/util.h"
#include "registry/registry.h"

const json_t *ck_controller_ref(const json_t *obj)
{
    size_t i;
    json_t *r;
    json_array_foreach(ck_obj_get(obj, "metadata.ownerReferences"), i, r)
    {
        if (json_is_true(json_object_get(r, "controller"))) return r;
    }
    return NULL;
}

bool ck_pod_active(const json_t *pod)
{
    const char *phase = ck_obj_str(pod, "status.phase");
    return !streq(phase, "Succeeded") && !streq(phase, "Failed") &&
           !ck_obj_get(pod, "metadata.deletionTimestamp");
}

static const json_t *condition(const json_t *pod, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(ck_obj_get(pod, "status.conditions"), i, c)
    {
        if (streq(ck_obj_str(c, "type"), type)) return c;
    }
    return NULL;
}

bool ck_pod_ready(const json_t *pod)
{
    return streq(ck_obj_str(condition(pod, "Ready"), "status"), "True");
}

/* Seconds since the epoch of an RFC 3339 time; 0 when absent or malformed. */
static long long when(const char *t)
{
    long long s = 0;
    return t && ck_rfc3339_parse(t, &s) == 0 ? s : 0;
}

bool ck_pod_available(const json_t *pod, long long min_ready_seconds)
{
    if (!ck_pod_ready(pod)) return false;
    if (min_ready_seconds <= 0) return true;
    long long since = when(ck_obj_str(condition(pod, "Ready"), "lastTransitionTime"));
    return since && since + min_ready_seconds <= (long long)time(NULL);
}

bool ck_labels_superset(const json_t *labels, const json_t *want)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)want, k, v)
    {
        if (!json_equal(json_object_get(labels, k), v)) return false;
    }
    return true;
}

static json_t *owner_ref(const json_t *owner, const char *api_version, const char *kind)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "apiVersion", api_version, "kind", kind,
                     "name", ck_obj_str(owner, "metadata.name"), "uid",
                     ck_obj_str(owner, "metadata.uid"), "controller", 1, "blockOwnerDeletion", 1);
}

json_t *ck_pod_from_template(const json_t *owner, const char *api_version, const char *kind)
{
    const json_t *tmpl = ck_obj_get(owner, "spec.template");
    const json_t *tmeta = json_object_get(tmpl, "metadata");
    json_t *meta = json_object();
    /* Upstream uses "<owner>-" as generateName when that is a valid prefix. */
    cleanup_free char *gen = xasprintf("%s-", ck_obj_str(owner, "metadata.name"));
    json_object_set_new(meta, "generateName", json_string(gen));
    json_object_set_new(meta, "namespace", json_string(ck_obj_str(owner, "metadata.namespace")));
    static const char *const copy[] = {"labels", "annotations", "finalizers"};
    for (size_t i = 0; i < ARRAY_SIZE(copy); i++)
        if (json_object_get(tmeta, copy[i]))
            json_object_set_new(meta, copy[i], json_deep_copy(json_object_get(tmeta, copy[i])));
    json_object_set_new(meta, "ownerReferences",
                        json_pack("[o]", owner_ref(owner, api_version, kind)));
    json_t *spec = json_deep_copy(json_object_get(tmpl, "spec"));
    return json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", "v1", "kind", "Pod", "metadata", meta,
                     "spec", spec ? spec : json_object());
}

static char *pod_path(const json_t *pod)
{
    return xasprintf("/api/v1/namespaces/%s/pods/%s", ck_obj_str(pod, "metadata.namespace"),
                     ck_obj_str(pod, "metadata.name"));
}

static void logged(const ck_response *r, void *ctx)
{
    if (r->err && r->status != 404)
        ck_log_warn("controller: %s failed: %s", (const char *)ctx, r->err->message);
}

void ck_pod_adopt(ck_callset *s, ck_client *c, const json_t *pod, const json_t *owner,
                  const char *api_version, const char *kind)
{
    json_t *patch =
        json_pack("{s:{s:[o], s:s}}", "metadata", "ownerReferences",
                  owner_ref(owner, api_version, kind), "uid", ck_obj_str(pod, "metadata.uid"));
    cleanup_free char *path = pod_path(pod);
    ck_callset_request(s, c, "PATCH", path, patch, "application/strategic-merge-patch+json", logged,
                       (void *)"adopting a pod", NULL);
    json_decref(patch);
}

void ck_pod_release(ck_callset *s, ck_client *c, const json_t *pod, const char *owner_uid)
{
    json_t *patch = json_pack("{s:{s:[{s:s, s:s}], s:s}}", "metadata", "ownerReferences", "$patch",
                              "delete", "uid", owner_uid, "uid", ck_obj_str(pod, "metadata.uid"));
    cleanup_free char *path = pod_path(pod);
    ck_callset_request(s, c, "PATCH", path, patch, "application/strategic-merge-patch+json", logged,
                       (void *)"releasing a pod", NULL);
    json_decref(patch);
}

static int phase_rank(const json_t *pod)
{
    const char *p = ck_obj_str(pod, "status.phase");
    return streq(p, "Pending") ? 0 : streq(p, "Unknown") ? 1 : streq(p, "Running") ? 2 : 0;
}

static long long restarts(const json_t *pod)
{
    long long n = 0;
    size_t i;
    json_t *cs;
    json_array_foreach(ck_obj_get(pod, "status.containerStatuses"), i, cs)
    {
        n += json_integer_value(json_object_get(cs, "restartCount"));
    }
    return n;
}

int ck_pod_deletion_cmp(const json_t *a, const json_t *b)
{
    bool na = ck_obj_str(a, "spec.nodeName") && *ck_obj_str(a, "spec.nodeName");
    bool nb = ck_obj_str(b, "spec.nodeName") && *ck_obj_str(b, "spec.nodeName");
    if (na != nb) return na ? 1 : -1; /* unassigned first */
    int pa = phase_rank(a), pb = phase_rank(b);
    if (pa != pb) return pa - pb;
    bool ra = ck_pod_ready(a), rb = ck_pod_ready(b);
    if (ra != rb) return ra ? 1 : -1; /* not ready first */
    if (ra) {                         /* ready for less time first */
        long long ta = when(ck_obj_str(condition(a, "Ready"), "lastTransitionTime"));
        long long tb = when(ck_obj_str(condition(b, "Ready"), "lastTransitionTime"));
        if (ta != tb) return ta > tb ? -1 : 1;
    }
    long long xa = restarts(a), xb = restarts(b);
    if (xa != xb) return xa > xb ? -1 : 1; /* more restarts first */
    long long ca = when(ck_obj_str(a, "metadata.creationTimestamp"));
    long long cb = when(ck_obj_str(b, "metadata.creationTimestamp"));
    if (ca != cb) return ca > cb ? -1 : 1; /* newer first */
    return 0;
}

typedef struct del_ctx {
    struct ck_recorder *rec;
    json_t *owner;
    char *name;
} del_ctx;

static void deleted(const ck_response *r, void *arg)
{
    del_ctx *d = arg;
    if (d->rec && !r->err)
        ck_recorder_event(d->rec, d->owner, "Normal", "SuccessfulDelete", "Deleted pod: %s",
                          d->name);
    else if (d->rec && r->status != 404)
        ck_recorder_event(d->rec, d->owner, "Warning", "FailedDelete", "Error deleting: %s",
                          r->err ? r->err->message : "unknown");
}

static void del_release(void *arg)
{
    del_ctx *d = arg;
    json_decref(d->owner);
    free(d->name);
    free(d);
}

void ck_pod_delete(ck_callset *s, ck_client *c, const json_t *pod, struct ck_recorder *rec,
                   const json_t *owner)
{
    del_ctx *d = xcalloc(1, sizeof *d);
    d->rec = rec;
    d->owner = json_deep_copy(owner);
    d->name = xstrdup(ck_obj_str(pod, "metadata.name"));
    cleanup_free char *path = pod_path(pod);
    ck_callset_request(s, c, "DELETE", path, NULL, NULL, deleted, d, del_release);
}
