/* The Deployment controller's arithmetic, annotations and conditions; see
 * deployment_util.h. Each function is named after the upstream function it follows. */
#include "controller/deployment_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/authn.h" /* ck_rfc3339_parse */
#include "lib/util.h"
#include "registry/registry.h"
#include "registry/workload.h"

#define MAX_INT32 2147483647

/* ---- counts ---- */

int ck_deploy_replicas(const json_t *obj)
{
    return (int)ck_obj_int(obj, "spec.replicas", 1);
}

/* strconv.Atoi of a whole string. */
static bool parse_int(const char *s, long long *out)
{
    if (!s || !*s) return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || (*s != '-' && *s != '+' && (*s < '0' || *s > '9'))) return false;
    *out = v;
    return true;
}

int ck_int_or_percent_scaled(const json_t *v, int total, bool round_up, int *out)
{
    *out = 0;
    if (json_is_integer(v)) {
        *out = (int)json_integer_value(v);
        return 0;
    }
    const char *s = json_string_value(v);
    size_t n = s ? strlen(s) : 0;
    if (n < 2 || s[n - 1] != '%') return -1;
    cleanup_free char *num = xstrndup(s, n - 1);
    long long p;
    if (!parse_int(num, &p)) return -1;
    long long prod = p * total; /* exact; the float division upstream is correctly rounded */
    long long q = prod / 100, r = prod % 100;
    if (r != 0 && round_up && prod > 0) q++;
    if (r != 0 && !round_up && prod < 0) q--;
    *out = (int)q;
    return 0;
}

void ck_deploy_fenceposts(const json_t *max_surge, const json_t *max_unavailable, int desired,
                          int *surge, int *unavailable)
{
    ck_int_or_percent_scaled(max_surge, desired, true, surge);
    ck_int_or_percent_scaled(max_unavailable, desired, false, unavailable);
    /* Validation forbids both zero, but rounding unavailable down may make it so: then
     * allow one unavailable on the theory that surge might not work due to quota. */
    if (*surge == 0 && *unavailable == 0) *unavailable = 1;
}

bool ck_deploy_is_rolling(const json_t *d)
{
    return streq(ck_obj_str(d, "spec.strategy.type"), "RollingUpdate");
}

static void resolve(const json_t *d, int *surge, int *unavailable)
{
    const json_t *ru = ck_obj_get(d, "spec.strategy.rollingUpdate");
    ck_deploy_fenceposts(json_object_get(ru, "maxSurge"), json_object_get(ru, "maxUnavailable"),
                         ck_deploy_replicas(d), surge, unavailable);
}

int ck_deploy_max_surge(const json_t *d)
{
    if (!ck_deploy_is_rolling(d)) return 0;
    int s, u;
    resolve(d, &s, &u);
    return s;
}

int ck_deploy_max_unavailable(const json_t *d)
{
    int replicas = ck_deploy_replicas(d);
    if (!ck_deploy_is_rolling(d) || replicas == 0) return 0;
    int s, u;
    resolve(d, &s, &u);
    return u > replicas ? replicas : u;
}

int ck_rs_sum_spec(json_t *const *rs, size_t n)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++)
        if (rs[i]) sum += ck_deploy_replicas(rs[i]);
    return sum;
}

int ck_rs_sum_status(json_t *const *rs, size_t n, const char *field)
{
    cleanup_free char *path = xasprintf("status.%s", field);
    int sum = 0;
    for (size_t i = 0; i < n; i++)
        if (rs[i]) sum += (int)ck_obj_int(rs[i], path, 0);
    return sum;
}

int ck_deploy_new_rs_replicas(const json_t *d, json_t *const *all, size_t n, const json_t *new_rs)
{
    int replicas = ck_deploy_replicas(d), cur = ck_deploy_replicas(new_rs);
    if (!ck_deploy_is_rolling(d)) return replicas; /* Recreate */
    int surge;
    ck_int_or_percent_scaled(ck_obj_get(d, "spec.strategy.rollingUpdate.maxSurge"), replicas, true,
                             &surge);
    int pods = ck_rs_sum_spec(all, n), max_total = replicas + surge;
    if (pods >= max_total) return cur; /* cannot scale up */
    int up = max_total - pods;
    if (up > replicas - cur) up = replicas - cur; /* never past the desired count */
    return cur + up;
}

bool ck_deploy_int_annotation(const json_t *obj, const char *key, int *out)
{
    const char *v =
        json_string_value(json_object_get(ck_obj_get(obj, "metadata.annotations"), key));
    long long n;
    if (!parse_int(v, &n)) return false;
    *out = (int)n;
    return true;
}

/* RoundToInt32: halves away from zero. */
static int round_i32(double a)
{
    return a < 0 ? (int)(a - 0.5) : (int)(a + 0.5);
}

/* getReplicaSetFraction: rs's share of the deployment's new size, minus its current size. */
static int rs_fraction(const json_t *rs, const json_t *d)
{
    int replicas = ck_deploy_replicas(d), rsr = ck_deploy_replicas(rs);
    if (replicas == 0) return -rsr; /* scaling to zero: everything goes */
    int target = replicas + ck_deploy_max_surge(d), annotated;
    if (!ck_deploy_int_annotation(rs, CK_DEPLOY_MAX, &annotated))
        annotated = (int)ck_obj_int(d, "status.replicas", 0);
    if (annotated == 0) return 0; /* never scaled up from zero proportionally */
    return round_i32((double)(rsr * target) / (double)annotated) - rsr;
}

int ck_deploy_proportion(const json_t *rs, const json_t *d, int to_add, int added)
{
    if (!rs || ck_deploy_replicas(rs) == 0 || to_add == 0 || to_add == added) return 0;
    int fraction = rs_fraction(rs, d), allowed = to_add - added;
    if (to_add > 0) return fraction < allowed ? fraction : allowed;
    return fraction > allowed ? fraction : allowed;
}

bool ck_deploy_is_saturated(const json_t *d, const json_t *rs)
{
    int desired, replicas = ck_deploy_replicas(d);
    if (!rs || !ck_deploy_int_annotation(rs, CK_DEPLOY_DESIRED, &desired)) return false;
    return ck_deploy_replicas(rs) == replicas && desired == replicas &&
           ck_obj_int(rs, "status.availableReplicas", 0) == replicas;
}

/* ---- revisions and annotations ---- */

static const char *annotation(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(ck_obj_get(obj, "metadata.annotations"), key));
}

long long ck_deploy_revision(const json_t *obj)
{
    const char *v = annotation(obj, CK_DEPLOY_REVISION);
    long long n;
    if (!v) return 0;
    return parse_int(v, &n) ? n : -1;
}

long long ck_deploy_max_revision(json_t *const *rs, size_t n)
{
    long long max = 0;
    for (size_t i = 0; i < n; i++) {
        long long v = rs[i] ? ck_deploy_revision(rs[i]) : -1;
        if (v > max) max = v;
    }
    return max;
}

long long ck_deploy_last_revision(json_t *const *rs, size_t n)
{
    long long max = 0, second = 0;
    for (size_t i = 0; i < n; i++) {
        long long v = rs[i] ? ck_deploy_revision(rs[i]) : -1;
        if (v < 0) continue;
        if (v >= max) {
            second = max;
            max = v;
        } else if (v > second) {
            second = v;
        }
    }
    return second;
}

bool ck_deploy_skip_annotation(const char *key)
{
    static const char *const skip[] = {
        "kubectl.kubernetes.io/last-applied-configuration",
        CK_DEPLOY_REVISION,
        CK_DEPLOY_REVISION_HISTORY,
        CK_DEPLOY_DESIRED,
        CK_DEPLOY_MAX,
        "deprecated.deployment.rollback.to",
    };
    for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
        if (streq(key, skip[i])) return true;
    return false;
}

static json_t *annotations_of(json_t *obj)
{
    json_t *meta = ck_obj_ensure(obj, "metadata");
    json_t *a = json_object_get(meta, "annotations");
    if (!json_is_object(a)) {
        a = json_object();
        json_object_set_new(meta, "annotations", a);
    }
    return a;
}

static bool set_annotation(json_t *obj, const char *key, const char *value)
{
    json_t *a = annotations_of(obj);
    if (streq(json_string_value(json_object_get(a, key)), value)) return false;
    json_object_set_new(a, key, json_string(value));
    return true;
}

/* copyDeploymentAnnotationsToReplicaSet. */
static bool copy_annotations(const json_t *d, json_t *rs)
{
    bool changed = false;
    json_t *ra = annotations_of(rs);
    const char *k;
    json_t *v;
    json_object_foreach(ck_obj_get(d, "metadata.annotations"), k, v)
    {
        const char *have = json_string_value(json_object_get(ra, k));
        if (ck_deploy_skip_annotation(k) || streq(have ? have : "", json_string_value(v))) continue;
        json_object_set(ra, k, v);
        changed = true;
    }
    return changed;
}

/* Appends old to the comma-separated history, dropping the oldest entries to stay within
 * limit characters (upstream logs and keeps the history when even that is not enough). */
static char *append_history(const char *hist, const char *old, size_t limit)
{
    if (!hist || !*hist) return xstrdup(old);
    size_t total = strlen(hist) + strlen(old) + 1;
    const char *start = hist;
    while (total > limit && start) {
        const char *comma = strchr(start, ',');
        total -= (comma ? (size_t)(comma - start) : strlen(start)) + 1;
        start = comma ? comma + 1 : NULL;
    }
    if (total > limit) return NULL;
    return start && *start ? xasprintf("%s,%s", start, old) : xstrdup(old);
}

bool ck_deploy_set_new_rs_annotations(const json_t *d, json_t *rs, const char *new_revision,
                                      bool exists, size_t hist_chars)
{
    bool changed = copy_annotations(d, rs);
    json_t *ra = annotations_of(rs);
    const char *oldrev = json_string_value(json_object_get(ra, CK_DEPLOY_REVISION));
    long long oldv = 0, newv;
    if (oldrev && !parse_int(oldrev, &oldv)) return false; /* as upstream: changes unreported */
    if (!parse_int(new_revision, &newv)) return false;
    if (oldv < newv) {
        cleanup_free char *old = oldrev ? xstrdup(oldrev) : NULL;
        json_object_set_new(ra, CK_DEPLOY_REVISION, json_string(new_revision));
        changed = true;
        /* A set that had a revision gets a newer one on rollback: keep the old revisions. */
        if (old) {
            const char *hist = json_string_value(json_object_get(ra, CK_DEPLOY_REVISION_HISTORY));
            char *h = append_history(hist, old, hist_chars);
            if (h) json_object_set_new(ra, CK_DEPLOY_REVISION_HISTORY, json_string(h));
            free(h);
        }
    }
    int replicas = ck_deploy_replicas(d);
    if (!exists &&
        ck_deploy_set_replicas_annotations(rs, replicas, replicas + ck_deploy_max_surge(d)))
        changed = true;
    return changed;
}

bool ck_deploy_set_replicas_annotations(json_t *rs, int desired, int max)
{
    char a[16], b[16];
    snprintf(a, sizeof a, "%d", desired);
    snprintf(b, sizeof b, "%d", max);
    bool changed = set_annotation(rs, CK_DEPLOY_DESIRED, a);
    if (set_annotation(rs, CK_DEPLOY_MAX, b)) changed = true;
    return changed;
}

bool ck_deploy_replicas_annotations_differ(const json_t *rs, int desired, int max)
{
    char a[16], b[16];
    snprintf(a, sizeof a, "%d", desired);
    snprintf(b, sizeof b, "%d", max);
    return !streq(annotation(rs, CK_DEPLOY_DESIRED), a) || !streq(annotation(rs, CK_DEPLOY_MAX), b);
}

bool ck_deploy_set_revision(json_t *d, const char *revision)
{
    return set_annotation(d, CK_DEPLOY_REVISION, revision);
}

/* ---- templates and order ---- */

/* Go's zero value after decoding: absent, null, "", 0, false, empty list, or an object of
 * zero values. */
static bool zero_deep(const json_t *v)
{
    if (!v || json_is_null(v) || json_is_false(v)) return true;
    if (json_is_string(v)) return !*json_string_value(v);
    if (json_is_number(v)) return json_number_value(v) == 0;
    if (json_is_array(v)) return json_array_size(v) == 0;
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m)
        {
            if (!zero_deep(m)) return false;
        }
        return true;
    }
    return false;
}

static bool semantic_equal(const json_t *a, const json_t *b);

static bool objects_equal(const json_t *a, const json_t *b)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)a, k, v)
    {
        if (!semantic_equal(v, json_object_get(b, k))) return false;
    }
    json_object_foreach((json_t *)b, k, v)
    {
        if (!json_object_get(a, k) && !zero_deep(v)) return false;
    }
    return true;
}

static bool semantic_equal(const json_t *a, const json_t *b)
{
    if (a && json_is_null(a)) a = NULL;
    if (b && json_is_null(b)) b = NULL;
    if (!a || !b) return zero_deep(a ? a : b);
    if (json_is_object(a) && json_is_object(b)) return objects_equal(a, b);
    if (json_is_array(a) && json_is_array(b)) {
        if (json_array_size(a) != json_array_size(b)) return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!semantic_equal(json_array_get(a, i), json_array_get(b, i))) return false;
        return true;
    }
    if (json_is_number(a) && json_is_number(b)) return json_number_value(a) == json_number_value(b);
    if (json_typeof(a) == json_typeof(b)) return json_equal(a, b);
    return zero_deep(a) && zero_deep(b);
}

bool ck_deploy_equal_ignore_hash(const json_t *t1, const json_t *t2)
{
    json_t *a = t1 ? json_deep_copy(t1) : json_object();
    json_t *b = t2 ? json_deep_copy(t2) : json_object();
    json_object_del(ck_obj_get(a, "metadata.labels"), CK_DEPLOY_HASH_LABEL);
    json_object_del(ck_obj_get(b, "metadata.labels"), CK_DEPLOY_HASH_LABEL);
    bool eq = semantic_equal(a, b);
    json_decref(a);
    json_decref(b);
    return eq;
}

long long ck_deploy_time(const char *s)
{
    long long t = 0;
    return s && ck_rfc3339_parse(s, &t) == 0 ? t : 0;
}

int ck_rs_cmp_created(const void *pa, const void *pb)
{
    const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    long long ta = ck_deploy_time(ck_obj_str(a, "metadata.creationTimestamp"));
    long long tb = ck_deploy_time(ck_obj_str(b, "metadata.creationTimestamp"));
    if (ta != tb) return ta < tb ? -1 : 1;
    const char *na = ck_obj_str(a, "metadata.name"), *nb = ck_obj_str(b, "metadata.name");
    return strcmp(na ? na : "", nb ? nb : "");
}

int ck_rs_cmp_size_older(const void *pa, const void *pb)
{
    int ra = ck_deploy_replicas(*(json_t *const *)pa),
        rb = ck_deploy_replicas(*(json_t *const *)pb);
    if (ra != rb) return ra > rb ? -1 : 1;
    return ck_rs_cmp_created(pa, pb);
}

int ck_rs_cmp_size_newer(const void *pa, const void *pb)
{
    int ra = ck_deploy_replicas(*(json_t *const *)pa),
        rb = ck_deploy_replicas(*(json_t *const *)pb);
    if (ra != rb) return ra > rb ? -1 : 1;
    return ck_rs_cmp_created(pb, pa);
}

int ck_rs_cmp_revision(const void *pa, const void *pb)
{
    long long ra = ck_deploy_revision(*(json_t *const *)pa);
    long long rb = ck_deploy_revision(*(json_t *const *)pb);
    if (ra < 0 || rb < 0 || ra == rb) return ck_rs_cmp_created(pa, pb);
    return ra < rb ? -1 : 1;
}

json_t *ck_deploy_find_new_rs(const json_t *d, json_t **rs, size_t n)
{
    if (n > 1) qsort(rs, n, sizeof *rs, ck_rs_cmp_created);
    const json_t *tmpl = ck_obj_get(d, "spec.template");
    for (size_t i = 0; i < n; i++) /* the oldest, should there be several (upstream #40415) */
        if (ck_deploy_equal_ignore_hash(ck_obj_get(rs[i], "spec.template"), tmpl)) return rs[i];
    return NULL;
}

/* ---- conditions and status ---- */

const json_t *ck_deploy_condition(const json_t *status, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(status, "conditions"), i, c)
    {
        if (streq(ck_obj_str(c, "type"), type)) return c;
    }
    return NULL;
}

void ck_deploy_remove_condition(json_t *status, const char *type)
{
    json_t *conds = json_object_get(status, "conditions");
    for (size_t i = 0; i < json_array_size(conds);) {
        if (streq(ck_obj_str(json_array_get(conds, i), "type"), type))
            json_array_remove(conds, i);
        else
            i++;
    }
    if (conds && json_array_size(conds) == 0) json_object_del(status, "conditions");
}

void ck_deploy_set_condition(json_t *status, const char *type, const char *cstatus,
                             const char *reason, const char *message, const char *now)
{
    const json_t *cur = ck_deploy_condition(status, type);
    if (cur && streq(ck_obj_str(cur, "status"), cstatus) &&
        streq(ck_obj_str(cur, "reason"), reason))
        return;
    const char *transition = now;
    cleanup_free char *keep = NULL;
    if (cur && streq(ck_obj_str(cur, "status"), cstatus) && ck_obj_str(cur, "lastTransitionTime"))
        transition = keep = xstrdup(ck_obj_str(cur, "lastTransitionTime"));
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", type, "status", cstatus,
                          "lastUpdateTime", now, "lastTransitionTime", transition, "reason", reason,
                          "message", message);
    ck_deploy_remove_condition(status, type);
    json_t *conds = json_object_get(status, "conditions");
    if (!json_is_array(conds)) {
        conds = json_array();
        json_object_set_new(status, "conditions", conds);
    }
    json_array_append_new(conds, c);
}

static void set_count(json_t *st, const char *key, long long v)
{
    if (v) json_object_set_new(st, key, json_integer(v));
}

json_t *ck_deploy_calculate_status(json_t *const *all, size_t n, const json_t *new_rs,
                                   const json_t *d, const char *now)
{
    int available = ck_rs_sum_status(all, n, "availableReplicas");
    int unavailable = ck_rs_sum_spec(all, n) - available;
    if (unavailable < 0) unavailable = 0; /* more available than desired while scaling down */
    json_t *st = json_object();
    set_count(st, "observedGeneration", ck_obj_int(d, "metadata.generation", 0));
    set_count(st, "replicas", ck_rs_sum_status(all, n, "replicas"));
    json_t *nrs = (json_t *)new_rs;
    set_count(st, "updatedReplicas", new_rs ? ck_rs_sum_status(&nrs, 1, "replicas") : 0);
    set_count(st, "readyReplicas", ck_rs_sum_status(all, n, "readyReplicas"));
    set_count(st, "availableReplicas", available);
    set_count(st, "unavailableReplicas", unavailable);
    const json_t *conds = ck_obj_get(d, "status.conditions");
    if (json_array_size(conds)) json_object_set_new(st, "conditions", json_deep_copy(conds));
    const json_t *cc = ck_obj_get(d, "status.collisionCount");
    if (json_is_integer(cc)) json_object_set(st, "collisionCount", (json_t *)cc);
    if (available >= ck_deploy_replicas(d) - ck_deploy_max_unavailable(d))
        ck_deploy_set_condition(st, "Available", "True", "MinimumReplicasAvailable",
                                "Deployment has minimum availability.", now);
    else
        ck_deploy_set_condition(st, "Available", "False", "MinimumReplicasUnavailable",
                                "Deployment does not have minimum availability.", now);
    return st;
}

static long long st_int(const json_t *st, const char *key)
{
    return json_integer_value(json_object_get(st, key));
}

bool ck_deploy_complete(const json_t *d, const json_t *st)
{
    long long replicas = ck_deploy_replicas(d);
    return st_int(st, "updatedReplicas") == replicas && st_int(st, "replicas") == replicas &&
           st_int(st, "availableReplicas") == replicas &&
           st_int(st, "observedGeneration") >= ck_obj_int(d, "metadata.generation", 0);
}

bool ck_deploy_progressing(const json_t *d, const json_t *st)
{
    const json_t *old = json_object_get(d, "status");
    long long old_old = st_int(old, "replicas") - st_int(old, "updatedReplicas");
    long long new_old = st_int(st, "replicas") - st_int(st, "updatedReplicas");
    return st_int(st, "updatedReplicas") > st_int(old, "updatedReplicas") || new_old < old_old ||
           st_int(st, "readyReplicas") > st_int(old, "readyReplicas") ||
           st_int(st, "availableReplicas") > st_int(old, "availableReplicas");
}

bool ck_deploy_has_progress_deadline(const json_t *d)
{
    const json_t *p = ck_obj_get(d, "spec.progressDeadlineSeconds");
    return json_is_integer(p) && json_integer_value(p) != MAX_INT32;
}

bool ck_deploy_has_history_limit(const json_t *d)
{
    const json_t *p = ck_obj_get(d, "spec.revisionHistoryLimit");
    return json_is_integer(p) && json_integer_value(p) != MAX_INT32;
}

bool ck_deploy_timed_out(const json_t *d, const json_t *st, long long now_sec)
{
    if (!ck_deploy_has_progress_deadline(d)) return false;
    const json_t *c = ck_deploy_condition(st, "Progressing");
    if (!c) return false; /* no base to estimate progress */
    /* After a completed rollout nothing is estimated until the next one starts. */
    if (streq(ck_obj_str(c, "reason"), "NewReplicaSetAvailable")) return false;
    if (streq(ck_obj_str(c, "reason"), "ProgressDeadlineExceeded")) return true;
    long long from = ck_deploy_time(ck_obj_str(c, "lastUpdateTime"));
    return from + ck_obj_int(d, "spec.progressDeadlineSeconds", 0) < now_sec;
}

static json_t *normalized_status(const json_t *st)
{
    json_t *n = json_is_object(st) ? json_deep_copy(st) : json_object();
    static const char *const counts[] = {"observedGeneration", "replicas",
                                         "updatedReplicas",    "readyReplicas",
                                         "availableReplicas",  "unavailableReplicas",
                                         "terminatingReplicas"};
    for (size_t i = 0; i < ARRAY_SIZE(counts); i++) {
        const json_t *v = json_object_get(n, counts[i]);
        if (v && json_is_integer(v) && json_integer_value(v) == 0) json_object_del(n, counts[i]);
    }
    if (json_array_size(json_object_get(n, "conditions")) == 0) json_object_del(n, "conditions");
    return n;
}

bool ck_deploy_status_equal(const json_t *a, const json_t *b)
{
    json_t *na = normalized_status(a), *nb = normalized_status(b);
    bool eq = json_equal(na, nb);
    json_decref(na);
    json_decref(nb);
    return eq;
}
