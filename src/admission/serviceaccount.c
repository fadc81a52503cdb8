/* ServiceAccount (upstream's plugin/pkg/admission/serviceaccount), for pods at create:
 * serviceAccountName defaults to "default"; the ServiceAccount must exist; unless the pod
 * (first) or the ServiceAccount sets automountServiceAccountToken false, a projected
 * kube-api-access-XXXXX volume (bound token, cluster CA, namespace) is added and mounted
 * read-only at /var/run/secrets/kubernetes.io/serviceaccount in every init and regular
 * container that mounts nothing there; a pod without imagePullSecrets gets the
 * ServiceAccount's. With the kubernetes.io/enforce-mountable-secrets annotation on the
 * ServiceAccount, the pod may use only the secrets it lists. Mirror pods are left as they
 * are but may reference no service account, secret or token projection.
 *
 * Deviation: upstream retries a missing "default" ServiceAccount for a second or two while
 * its controller creates it; ckube cannot wait on the event loop, and the server creates
 * it within a tick of the namespace, so a missing "default" counts as one with no
 * settings. The server's own writes are never refused for a missing account either. */
#include <stdio.h>

#include "admission/admission.h"
#include "admission/plugins.h"
#include "apiserver/api.h"
#include "apiserver/cache.h"
#include "apiserver/server.h"
#include "lib/random.h"
#include "lib/util.h"

#define DEFAULT_SA "default"
#define VOLUME_PREFIX "kube-api-access-"
#define MOUNT_PATH "/var/run/secrets/kubernetes.io/serviceaccount"
#define MIRROR_ANNOTATION "kubernetes.io/config.mirror"
#define ENFORCE_ANNOTATION "kubernetes.io/enforce-mountable-secrets"
/* serviceaccount.WarnOnlyBoundTokenExpirationSeconds: one hour and seven seconds, so the
 * server can tell an admission-injected token from others. */
#define TOKEN_EXPIRATION 3607

static bool applies(const ck_admission_attrs *a, const json_t *obj)
{
    return a->rt && !*a->rt->def->group && streq(a->rt->def->plural, "pods") &&
           json_is_object(obj) && (!a->sub || streq(a->sub, "ephemeralcontainers"));
}

static bool is_mirror(const json_t *pod)
{
    return json_object_get(ck_obj_get(pod, "metadata.annotations"), MIRROR_ANNOTATION) != NULL;
}

/* The pod's ServiceAccount (new reference): from the cache; an empty one stands in for a
 * missing "default" or for any missing account in the server's own writes. NULL when it
 * does not exist, with the error set. */
static json_t *service_account(const ck_admission_attrs *a, const json_t *pod, const char *sa,
                               ck_err **err)
{
    ck_rtype *rt = ck_registry_find("", "v1", "serviceaccounts");
    ck_obj *o = a->srv->cache && rt ? ck_cache_get(a->srv->cache, rt, a->ns, sa) : NULL;
    if (o) return ck_obj_parse(o);
    if (!a->srv->cache || !a->user || streq(sa, DEFAULT_SA)) return json_object();
    ck_admission_forbid(a, pod, err,
                        "error looking up service account %s/%s: serviceaccount \"%s\" not found",
                        a->ns ? a->ns : "", sa, sa);
    return NULL;
}

/* ---- mirror pods ---- */

static bool env_secret(const json_t *c)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(c, "env"), i, e)
    {
        if (ck_obj_get(e, "valueFrom.secretKeyRef")) return true;
    }
    json_array_foreach(json_object_get(c, "envFrom"), i, e)
    {
        if (json_object_get(e, "secretRef")) return true;
    }
    return false;
}

/* Any secret reference, as podutil.VisitPodSecretNames finds them in every container. */
static bool references_secret(const json_t *spec)
{
    if (json_array_size(json_object_get(spec, "imagePullSecrets"))) return true;
    static const char *const lists[] = {"initContainers", "containers", "ephemeralContainers"};
    size_t i, j;
    json_t *c, *v, *s;
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
        json_array_foreach(json_object_get(spec, lists[l]), i, c)
        {
            if (env_secret(c)) return true;
        }
    }
    static const char *const refs[] = {"secret",
                                       "azureFile.secretName",
                                       "cephfs.secretRef",
                                       "cinder.secretRef",
                                       "flexVolume.secretRef",
                                       "rbd.secretRef",
                                       "scaleIO.secretRef",
                                       "iscsi.secretRef",
                                       "storageos.secretRef",
                                       "csi.nodePublishSecretRef"};
    json_array_foreach(json_object_get(spec, "volumes"), i, v)
    {
        for (size_t r = 0; r < ARRAY_SIZE(refs); r++)
            if (ck_obj_get(v, refs[r])) return true;
        json_array_foreach(ck_obj_get(v, "projected.sources"), j, s)
        {
            if (json_object_get(s, "secret")) return true;
        }
    }
    return false;
}

static int validate_mirror(const ck_admission_attrs *a, const json_t *pod, ck_err **err)
{
    const json_t *spec = json_object_get(pod, "spec");
    const char *sa = ck_obj_str(spec, "serviceAccountName");
    if (sa && *sa)
        return ck_admission_forbid(a, pod, err, "a mirror pod may not reference service accounts");
    if (references_secret(spec))
        return ck_admission_forbid(a, pod, err, "a mirror pod may not reference secrets");
    size_t i, j;
    json_t *v, *s;
    json_array_foreach(json_object_get(spec, "volumes"), i, v)
    {
        json_array_foreach(ck_obj_get(v, "projected.sources"), j, s)
        {
            if (json_object_get(s, "serviceAccountToken"))
                return ck_admission_forbid(
                    a, pod, err, "a mirror pod may not use ServiceAccountToken volume projections");
        }
    }
    return 0;
}

/* ---- kubernetes.io/enforce-mountable-secrets ---- */

static bool enforces(const json_t *sa)
{
    const char *v = json_string_value(
        json_object_get(ck_obj_get(sa, "metadata.annotations"), ENFORCE_ANNOTATION));
    /* strconv.ParseBool's true spellings */
    static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    for (size_t i = 0; v && i < ARRAY_SIZE(yes); i++)
        if (streq(v, yes[i])) return true;
    return false;
}

static bool listed(const json_t *refs, const char *name)
{
    size_t i;
    json_t *r;
    json_array_foreach(refs, i, r)
    {
        if (streq(ck_obj_str(r, "name"), name)) return true;
    }
    return false;
}

/* The env and envFrom secrets of the containers in `list`, described as `what`. */
static int check_env(const ck_admission_attrs *a, const json_t *pod, const json_t *sa,
                     const char *list, const char *what, ck_err **err)
{
    const json_t *mountable = json_object_get(sa, "secrets");
    const char *san = ck_obj_str(sa, "metadata.name");
    size_t i, j;
    json_t *c, *e;
    json_array_foreach(ck_obj_get(pod, list), i, c)
    {
        const char *cn = ck_obj_str(c, "name");
        json_array_foreach(json_object_get(c, "env"), j, e)
        {
            const char *s = ck_obj_str(e, "valueFrom.secretKeyRef.name");
            if (ck_obj_get(e, "valueFrom.secretKeyRef") && !listed(mountable, s))
                return ck_admission_forbid(
                    a, pod, err,
                    "%s %s with envVar %s referencing secret.secretName=\"%s\" is not "
                    "allowed because service account %s does not reference that secret",
                    what, cn ? cn : "", ck_obj_str(e, "name") ? ck_obj_str(e, "name") : "",
                    s ? s : "", san ? san : "");
        }
        json_array_foreach(json_object_get(c, "envFrom"), j, e)
        {
            const char *s = ck_obj_str(e, "secretRef.name");
            if (json_object_get(e, "secretRef") && !listed(mountable, s))
                return ck_admission_forbid(
                    a, pod, err,
                    "%s %s with envFrom referencing secret.secretName=\"%s\" is not "
                    "allowed because service account %s does not reference that secret",
                    what, cn ? cn : "", s ? s : "", san ? san : "");
        }
    }
    return 0;
}

static int limit_secret_references(const ck_admission_attrs *a, const json_t *pod, const json_t *sa,
                                   ck_err **err)
{
    const json_t *mountable = json_object_get(sa, "secrets");
    const char *san = ck_obj_str(sa, "metadata.name");
    size_t i;
    json_t *v;
    json_array_foreach(ck_obj_get(pod, "spec.volumes"), i, v)
    {
        if (!json_object_get(v, "secret")) continue;
        const char *s = ck_obj_str(v, "secret.secretName");
        if (!listed(mountable, s))
            return ck_admission_forbid(
                a, pod, err,
                "volume with secret.secretName=\"%s\" is not allowed because service "
                "account %s does not reference that secret",
                s ? s : "", san ? san : "");
    }
    if (check_env(a, pod, sa, "spec.initContainers", "init container", err) < 0 ||
        check_env(a, pod, sa, "spec.containers", "container", err) < 0)
        return -1;
    const json_t *pulls = json_object_get(sa, "imagePullSecrets");
    json_array_foreach(ck_obj_get(pod, "spec.imagePullSecrets"), i, v)
    {
        const char *s = ck_obj_str(v, "name");
        if (!listed(pulls, s))
            return ck_admission_forbid(
                a, pod, err,
                "imagePullSecrets[%zu].name=\"%s\" is not allowed because service "
                "account %s does not reference that imagePullSecret",
                i, s ? s : "", san ? san : "");
    }
    return 0;
}

/* ---- the token volume ---- */

static json_t *token_volume(const char *name)
{
    return json_pack(
        "{s:s, s:{s:[{s:{s:I, s:s}}, {s:{s:s, s:[{s:s, s:s}]}}, {s:{s:[{s:s, s:{s:s, s:s}}]}}],"
        " s:i}}",
        "name", name, "projected", "sources", "serviceAccountToken", "expirationSeconds",
        (json_int_t)TOKEN_EXPIRATION, "path", "token", "configMap", "name", "kube-root-ca.crt",
        "items", "key", "ca.crt", "path", "ca.crt", "downwardAPI", "items", "path", "namespace",
        "fieldRef", "apiVersion", "v1", "fieldPath", "metadata.namespace", "defaultMode", 0644);
}

static bool should_automount(const json_t *sa, const json_t *spec)
{
    const json_t *p = json_object_get(spec, "automountServiceAccountToken");
    if (json_is_boolean(p)) return json_is_true(p);
    const json_t *s = json_object_get(sa, "automountServiceAccountToken");
    if (json_is_boolean(s)) return json_is_true(s);
    return true;
}

static void mount_token(json_t *spec)
{
    json_t *vols = json_object_get(spec, "volumes"), *v;
    size_t i;
    char *name = NULL;
    json_array_foreach(vols, i, v)
    {
        const char *vn = ck_obj_str(v, "name");
        if (vn && has_prefix(vn, VOLUME_PREFIX)) {
            name = xstrdup(vn); /* reuse it, add nothing */
            break;
        }
    }
    bool have_volume = name != NULL;
    if (!name) name = ck_generate_name(VOLUME_PREFIX);
    bool needed = false;
    static const char *const lists[] = {"initContainers", "containers"};
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
        json_t *c, *m;
        json_array_foreach(json_object_get(spec, lists[l]), i, c)
        {
            if (!json_is_object(c)) continue;
            json_t *mounts = json_object_get(c, "volumeMounts");
            bool mounted = false;
            size_t j;
            json_array_foreach(mounts, j, m)
            {
                mounted |= streq(ck_obj_str(m, "mountPath"), MOUNT_PATH);
            }
            if (mounted) continue;
            if (!json_is_array(mounts))
                json_object_set_new(c, "volumeMounts", mounts = json_array());
            json_array_append_new(mounts, json_pack("{s:s, s:b, s:s}", "name", name, "readOnly", 1,
                                                    "mountPath", MOUNT_PATH));
            needed = true;
        }
    }
    if (needed && !have_volume) {
        if (!json_is_array(vols)) json_object_set_new(spec, "volumes", vols = json_array());
        json_array_append_new(vols, token_volume(name));
    }
    free(name);
}

/* ---- the plugin ---- */

static int sa_validate(const ck_admission_attrs *a, const json_t *obj, const json_t *old,
                       ck_err **err);

static int sa_admit(const ck_admission_attrs *a, json_t *obj, const json_t *old, ck_err **err)
{
    if (!applies(a, obj) || !streq(a->operation, "CREATE")) return 0;
    if (is_mirror(obj)) return sa_validate(a, obj, old, err);
    json_t *spec = ck_obj_ensure(obj, "spec");
    const char *san = ck_obj_str(spec, "serviceAccountName");
    if (!san || !*san) {
        json_object_set_new(spec, "serviceAccountName", json_string(DEFAULT_SA));
        san = DEFAULT_SA;
    }
    json_object_set_new(spec, "serviceAccount", json_string(san)); /* the v1 mirror field */
    json_t *sa = service_account(a, obj, san, err);
    if (!sa) return -1;
    if (should_automount(sa, spec)) mount_token(spec);
    const json_t *pulls = json_object_get(sa, "imagePullSecrets");
    if (!json_array_size(json_object_get(spec, "imagePullSecrets")) && json_array_size(pulls)) {
        json_t *copy = json_array();
        size_t i;
        json_t *p;
        json_array_foreach(pulls, i, p)
        {
            const char *n = ck_obj_str(p, "name");
            json_array_append_new(copy, json_pack("{s:s}", "name", n ? n : ""));
        }
        json_object_set_new(spec, "imagePullSecrets", copy);
    }
    json_decref(sa);
    return sa_validate(a, obj, old, err);
}

static int sa_validate(const ck_admission_attrs *a, const json_t *obj, const json_t *old,
                       ck_err **err)
{
    (void)old;
    if (!applies(a, obj)) return 0;
    bool ephemeral = streq(a->operation, "UPDATE") && streq(a->sub, "ephemeralcontainers");
    if (!ephemeral && (!streq(a->operation, "CREATE") || a->sub)) return 0;
    if (!ephemeral && is_mirror(obj)) return validate_mirror(a, obj, err);
    const char *san = ck_obj_str(obj, "spec.serviceAccountName");
    if (!san || !*san)
        return ck_admission_forbid(
            a, obj, err, "no service account specified for pod %s/%s", a->ns ? a->ns : "",
            ck_obj_str(obj, "metadata.name") ? ck_obj_str(obj, "metadata.name") : "");
    json_t *sa = service_account(a, obj, san, err);
    if (!sa) return -1;
    int r = 0;
    if (enforces(sa)) {
        if (ephemeral)
            r = check_env(a, obj, sa, "spec.ephemeralContainers", "ephemeral container", err);
        else
            r = limit_secret_references(a, obj, sa, err);
    }
    json_decref(sa);
    return r;
}

const ck_admission_plugin ck_admission_serviceaccount = {
    .name = "ServiceAccount",
    .admit = sa_admit,
    .validate = sa_validate,
};
