/* PodSpec defaults, the QoS class and the resource-quantity rules; see podspec.h.
 * Validation of pod specs lives in podvalidate.c. */
#include "registry/podspec.h"

#include <stdio.h>

#include "lib/util.h"
#include "registry/registry.h"

/* ---- quantities ---------------------------------------------------------------------- */

bool ck_json_quantity(const json_t *v, ck_quantity *q)
{
    char buf[64];
    const char *s = json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        s = buf;
    } else if (json_is_real(v)) {
        snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
        s = buf;
    }
    if (!s) return false;
    ck_err *err = NULL;
    if (ck_quantity_parse(s, q, &err) < 0) {
        ck_err_free(err);
        return false;
    }
    return true;
}

void ck_resource_list_defaults(json_t *rl)
{
    const char *k;
    json_t *v;
    json_object_foreach(rl, k, v)
    {
        ck_quantity q;
        if (!ck_json_quantity(v, &q)) continue;
        if (q.scale < -3) { /* round up to milli units, away from zero */
            __int128 div = 1;
            for (int32_t s = q.scale; s < -3; s++)
                div *= 10;
            __int128 m = q.mantissa / div;
            if (q.mantissa % div) m += q.mantissa > 0 ? 1 : -1;
            q.mantissa = m;
            q.scale = -3;
            q.cached[0] = 0;
        }
        char *s = ck_quantity_string(&q);
        json_object_set_new(rl, k, json_string(s));
        free(s);
    }
}

/* ---- resource names (pkg/apis/core/helper) ------------------------------------------- */

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (streq(s, *list)) return true;
    return false;
}

static const char *const container_res[] = {"cpu", "memory", "ephemeral-storage", NULL};
static const char *const quota_res[] = {"cpu",
                                        "memory",
                                        "ephemeral-storage",
                                        "requests.cpu",
                                        "requests.memory",
                                        "requests.storage",
                                        "requests.ephemeral-storage",
                                        "limits.cpu",
                                        "limits.memory",
                                        "limits.ephemeral-storage",
                                        "pods",
                                        "services",
                                        "replicationcontrollers",
                                        "resourcequotas",
                                        "secrets",
                                        "persistentvolumeclaims",
                                        "configmaps",
                                        "services.nodeports",
                                        "services.loadbalancers",
                                        NULL};
static const char *const integer_res[] = {"pods",
                                          "services",
                                          "replicationcontrollers",
                                          "resourcequotas",
                                          "secrets",
                                          "configmaps",
                                          "persistentvolumeclaims",
                                          "services.nodeports",
                                          "services.loadbalancers",
                                          NULL};

static bool is_hugepages(const char *n)
{
    return has_prefix(n, "hugepages-");
}

static bool is_native(const char *n)
{
    return !strchr(n, '/') || strstr(n, "kubernetes.io/");
}

static bool is_extended(const char *n)
{
    if (is_native(n) || has_prefix(n, "requests.")) return false;
    char *q = xasprintf("requests.%s", n);
    bool ok = ck_is_qualified_name(q, NULL) == 0;
    free(q);
    return ok;
}

static bool overcommit_allowed(const char *n)
{
    return is_native(n) && !is_hugepages(n);
}

static bool is_standard(const char *n)
{
    return in_list(n, quota_res) || streq(n, "storage") || is_hugepages(n) ||
           has_prefix(n, "requests.hugepages-");
}

void ck_validate_resource_name(const char *name, ck_res_kind kind, const char *path,
                               ck_field_errors *fe)
{
    ck_msgs m = {0};
    if (ck_is_qualified_name(name, &m)) {
        ck_ferr_invalid_msgs(fe, path, name, &m);
        return;
    }
    bool slash = strchr(name, '/') != NULL;
    if (!slash && !is_standard(name)) {
        ck_ferr_invalid_str(fe, path, name, "must be a standard resource type or fully qualified");
        return;
    }
    if (kind == CK_RES_CONTAINER) {
        if (!slash && !in_list(name, container_res) && !is_hugepages(name))
            ck_ferr_invalid_str(fe, path, name, "must be a standard resource for containers");
        else if (slash && !is_native(name) && !is_extended(name))
            ck_ferr_invalid_str(fe, path, name, "doesn't follow extended resource name standard");
    } else if (kind == CK_RES_QUOTA && !slash && !in_list(name, quota_res) &&
               !has_prefix(name, "requests.hugepages-")) {
        ck_ferr_invalid_str(fe, path, name, "must be a standard resource for quota");
    }
}

void ck_validate_quantity(const char *resource, const json_t *v, const char *path,
                          ck_field_errors *fe)
{
    ck_quantity q;
    if (!ck_json_quantity(v, &q)) {
        ck_ferr_invalid(fe, path, v,
                        "quantities must match the regular expression "
                        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
        return;
    }
    char *s = ck_quantity_string(&q);
    if (q.mantissa < 0)
        ck_ferr_invalid_str(fe, path, s, "must be greater than or equal to 0");
    else if ((in_list(resource, integer_res) || is_extended(resource)) &&
             ck_quantity_milli(&q) % 1000)
        ck_ferr_invalid_str(fe, path, s, "must be an integer");
    free(s);
}

void ck_validate_resources(const json_t *res, const char *path, ck_field_errors *fe)
{
    char p[1024], rp[512], lp[512];
    snprintf(lp, sizeof lp, "%s.limits", path);
    snprintf(rp, sizeof rp, "%s.requests", path);
    const json_t *lim = json_object_get(res, "limits"), *req = json_object_get(res, "requests");
    bool lim_cm = false, req_cm = false, huge = false;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)lim, k, v)
    {
        snprintf(p, sizeof p, "%s[%s]", lp, k);
        ck_validate_resource_name(k, CK_RES_CONTAINER, p, fe);
        ck_validate_quantity(k, v, p, fe);
        huge |= is_hugepages(k);
        lim_cm |= streq(k, "cpu") || streq(k, "memory");
    }
    json_object_foreach((json_t *)req, k, v)
    {
        snprintf(p, sizeof p, "%s[%s]", rp, k);
        ck_validate_resource_name(k, CK_RES_CONTAINER, p, fe);
        ck_validate_quantity(k, v, p, fe);
        huge |= is_hugepages(k);
        req_cm |= streq(k, "cpu") || streq(k, "memory");
        ck_quantity rq, lq;
        const json_t *lv = json_object_get(lim, k);
        if (!ck_json_quantity(v, &rq)) continue;
        if (lv && ck_json_quantity(lv, &lq)) {
            char *rs = ck_quantity_string(&rq), *ls = ck_quantity_string(&lq);
            int c = ck_quantity_cmp(&rq, &lq);
            char *d = NULL;
            if (c != 0 && !overcommit_allowed(k))
                d = xasprintf("must be equal to %s limit of %s", k, ls);
            else if (c > 0)
                d = xasprintf("must be less than or equal to %s limit of %s", k, ls);
            if (d) ck_ferr_invalid_str(fe, rp, rs, d);
            free(d);
            free(rs);
            free(ls);
        } else if (!lv && !overcommit_allowed(k)) {
            ck_ferr_required(fe, lp, "Limit must be set for non overcommitable resources");
        }
    }
    if (huge && !lim_cm && !req_cm) ck_ferr_forbidden(fe, path, "HugePages require cpu or memory");
}

/* ---- defaults (pkg/apis/core/v1/defaults.go) ----------------------------------------- */

/* parsers.ParseImageName's tag: "latest" when the image names neither tag nor digest. */
static bool image_is_latest(const char *image)
{
    if (!image || !*image) return false;
    const char *at = strchr(image, '@');
    size_t n = at ? (size_t)(at - image) : strlen(image);
    const char *slash = NULL;
    for (size_t i = 0; i < n; i++)
        if (image[i] == '/') slash = image + i;
    const char *last = slash ? slash + 1 : image;
    const char *colon = memchr(last, ':', n - (size_t)(last - image));
    if (colon) return (size_t)(image + n - colon - 1) == 6 && !strncmp(colon + 1, "latest", 6);
    return !at;
}

static void probe_handler_defaults(json_t *h)
{
    json_t *http = json_object_get(h, "httpGet");
    if (json_is_object(http)) {
        ck_obj_default_str(http, "path", "/");
        ck_obj_default_str(http, "scheme", "HTTP");
    }
    json_t *grpc = json_object_get(h, "grpc");
    if (json_is_object(grpc)) ck_obj_default_str(grpc, "service", "");
}

static void probe_defaults(json_t *p)
{
    if (!json_is_object(p)) return;
    ck_obj_default_int(p, "timeoutSeconds", 1);
    ck_obj_default_int(p, "periodSeconds", 10);
    ck_obj_default_int(p, "successThreshold", 1);
    ck_obj_default_int(p, "failureThreshold", 3);
    probe_handler_defaults(p);
}

static void field_ref_defaults(json_t *holder)
{
    json_t *fr = json_object_get(holder, "fieldRef");
    if (json_is_object(fr)) ck_obj_default_str(fr, "apiVersion", "v1");
}

static void container_defaults(json_t *c)
{
    if (!json_is_object(c)) return;
    if (!json_object_get(c, "imagePullPolicy"))
        ck_obj_default_str(c, "imagePullPolicy",
                           image_is_latest(ck_obj_str(c, "image")) ? "Always" : "IfNotPresent");
    ck_obj_default_str(c, "terminationMessagePath", "/dev/termination-log");
    ck_obj_default_str(c, "terminationMessagePolicy", "File");
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(c, "ports"), i, x) if (json_is_object(x))
        ck_obj_default_str(x, "protocol", "TCP");
    json_array_foreach(json_object_get(c, "env"), i, x)
        field_ref_defaults(ck_obj_get(x, "valueFrom"));
    probe_defaults(json_object_get(c, "livenessProbe"));
    probe_defaults(json_object_get(c, "readinessProbe"));
    probe_defaults(json_object_get(c, "startupProbe"));
    json_t *lc = json_object_get(c, "lifecycle");
    probe_handler_defaults(json_object_get(lc, "postStart"));
    probe_handler_defaults(json_object_get(lc, "preStop"));
    json_t *res = ck_obj_ensure(c, "resources"); /* a struct upstream always prints */
    ck_resource_list_defaults(json_object_get(res, "limits"));
    ck_resource_list_defaults(json_object_get(res, "requests"));
}

const char *const ck_volume_sources[] = {"emptyDir",
                                         "hostPath",
                                         "gitRepo",
                                         "gcePersistentDisk",
                                         "awsElasticBlockStore",
                                         "secret",
                                         "nfs",
                                         "iscsi",
                                         "glusterfs",
                                         "flocker",
                                         "persistentVolumeClaim",
                                         "rbd",
                                         "cinder",
                                         "cephfs",
                                         "quobyte",
                                         "downwardAPI",
                                         "fc",
                                         "flexVolume",
                                         "configMap",
                                         "azureFile",
                                         "vsphereVolume",
                                         "photonPersistentDisk",
                                         "portworxVolume",
                                         "azureDisk",
                                         "storageos",
                                         "projected",
                                         "scaleIO",
                                         "csi",
                                         "ephemeral",
                                         "image",
                                         NULL};

static void volume_defaults(json_t *v)
{
    if (!json_is_object(v)) return;
    bool any = false;
    for (const char *const *s = ck_volume_sources; *s; s++)
        any |= json_object_get(v, *s) != NULL;
    if (!any) json_object_set_new(v, "emptyDir", json_object());
    static const char *const moded[] = {"secret", "configMap", "downwardAPI", "projected"};
    for (size_t i = 0; i < ARRAY_SIZE(moded); i++) {
        json_t *src = json_object_get(v, moded[i]);
        if (json_is_object(src)) ck_obj_default_int(src, "defaultMode", 420);
    }
    size_t i;
    json_t *x;
    json_array_foreach(ck_obj_get(v, "downwardAPI.items"), i, x) field_ref_defaults(x);
    json_array_foreach(ck_obj_get(v, "projected.sources"), i, x)
    {
        json_t *tok = json_object_get(x, "serviceAccountToken");
        if (json_is_object(tok)) ck_obj_default_int(tok, "expirationSeconds", 3600);
        size_t j;
        json_t *it;
        json_array_foreach(ck_obj_get(x, "downwardAPI.items"), j, it) field_ref_defaults(it);
    }
    json_t *hp = json_object_get(v, "hostPath");
    if (json_is_object(hp)) ck_obj_default_str(hp, "type", "");
    json_t *iscsi = json_object_get(v, "iscsi");
    if (json_is_object(iscsi)) ck_obj_default_str(iscsi, "iscsiInterface", "default");
    json_t *ad = json_object_get(v, "azureDisk");
    if (json_is_object(ad)) {
        ck_obj_default_str(ad, "cachingMode", "ReadWrite");
        ck_obj_default_str(ad, "kind", "Shared");
        ck_obj_default_str(ad, "fsType", "ext4");
        ck_obj_default_bool(ad, "readOnly", false);
    }
    json_t *sio = json_object_get(v, "scaleIO");
    if (json_is_object(sio)) {
        ck_obj_default_str(sio, "storageMode", "ThinProvisioned");
        ck_obj_default_str(sio, "fsType", "xfs");
    }
    json_t *pvc = ck_obj_get(v, "ephemeral.volumeClaimTemplate.spec");
    if (json_is_object(pvc)) {
        ck_obj_default_str(pvc, "volumeMode", "Filesystem");
        ck_resource_list_defaults(ck_obj_get(pvc, "resources.requests"));
        ck_resource_list_defaults(ck_obj_get(pvc, "resources.limits"));
    }
}

void ck_podspec_defaults(json_t *spec)
{
    if (!json_is_object(spec)) return;
    ck_obj_default_str(spec, "dnsPolicy", "ClusterFirst");
    ck_obj_default_str(spec, "restartPolicy", "Always");
    if (!json_is_object(json_object_get(spec, "securityContext")))
        json_object_set_new(spec, "securityContext", json_object());
    ck_obj_default_int(spec, "terminationGracePeriodSeconds", 30);
    ck_obj_default_str(spec, "schedulerName", "default-scheduler");
    static const char *const lists[] = {"containers", "initContainers", "ephemeralContainers"};
    size_t i;
    json_t *x;
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
        json_array_foreach(json_object_get(spec, lists[l]), i, x) container_defaults(x);
    json_array_foreach(json_object_get(spec, "volumes"), i, x) volume_defaults(x);
    ck_resource_list_defaults(json_object_get(spec, "overhead"));
    ck_resource_list_defaults(ck_obj_get(spec, "resources.limits"));
    ck_resource_list_defaults(ck_obj_get(spec, "resources.requests"));
    /* The deprecated serviceAccount mirrors serviceAccountName (v1 conversion). */
    const char *sa = ck_obj_str(spec, "serviceAccountName");
    const char *dep = ck_obj_str(spec, "serviceAccount");
    if ((!sa || !*sa) && dep && *dep)
        json_object_set_new(spec, "serviceAccountName", json_string(dep));
    sa = ck_obj_str(spec, "serviceAccountName");
    if (sa && *sa) json_object_set_new(spec, "serviceAccount", json_string(sa));
}

void ck_pod_template_defaults(json_t *tmpl)
{
    if (json_is_object(tmpl)) ck_podspec_defaults(json_object_get(tmpl, "spec"));
}

/* ---- QoS (pkg/apis/core/helper/qos) ---------------------------------------------------- */

const char *ck_pod_qos(const json_t *spec)
{
    /* Sums of positive cpu/memory requests and limits, in milli units. */
    int64_t req[2] = {0}, lim[2] = {0};
    bool has_req[2] = {0}, has_lim[2] = {0}, guaranteed = true;
    static const char *const names[2] = {"cpu", "memory"};
    static const char *const lists[] = {"containers", "initContainers"};
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(spec, lists[l]), i, c)
        {
            bool found[2] = {0};
            for (int r = 0; r < 2; r++) {
                ck_quantity q;
                if (ck_json_quantity(json_object_get(ck_obj_get(c, "resources.requests"), names[r]),
                                     &q) &&
                    q.mantissa > 0) {
                    req[r] += ck_quantity_milli(&q);
                    has_req[r] = true;
                }
                if (ck_json_quantity(json_object_get(ck_obj_get(c, "resources.limits"), names[r]),
                                     &q) &&
                    q.mantissa > 0) {
                    lim[r] += ck_quantity_milli(&q);
                    has_lim[r] = found[r] = true;
                }
            }
            if (!found[0] || !found[1]) guaranteed = false;
        }
    }
    if (!has_req[0] && !has_req[1] && !has_lim[0] && !has_lim[1]) return "BestEffort";
    for (int r = 0; r < 2 && guaranteed; r++)
        if (has_req[r] && (!has_lim[r] || lim[r] != req[r])) guaranteed = false;
    if (guaranteed && has_req[0] + has_req[1] == has_lim[0] + has_lim[1]) return "Guaranteed";
    return "Burstable";
}
