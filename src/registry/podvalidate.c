/* ValidatePodSpec and ValidatePodTemplateSpec (pkg/apis/core/validation): the common
 * cases with upstream's field paths and messages; see podspec.h. */
#include <stdio.h>

#include "lib/base64.h"
#include "lib/util.h"
#include "registry/podspec.h"
#include "registry/registry.h"

#define PORT_RANGE "must be between 1 and 65535, inclusive"

/* A growable set of strings for uniqueness checks (lists here are short). */
typedef struct strset {
    const char **v;
    size_t n;
} strset;

static bool in_str(const char *s, const char *const *list)
{
    for (; s && *list; list++)
        if (streq(s, *list)) return true;
    return false;
}

static bool set_has(const strset *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (streq(s->v[i], x)) return true;
    return false;
}

static void set_add(strset *s, const char *x)
{
    s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
    s->v[s->n++] = x;
}

static void dns_label(ck_field_errors *fe, const char *path, const char *v)
{
    ck_msgs m = {0};
    if (ck_is_dns1123_label(v, &m)) ck_ferr_invalid_msgs(fe, path, v, &m);
}

static void dns_subdomain(ck_field_errors *fe, const char *path, const char *v)
{
    ck_msgs m = {0};
    if (ck_is_dns1123_subdomain(v, &m)) ck_ferr_invalid_msgs(fe, path, v, &m);
}

/* validation.IsValidPortName. */
static unsigned port_name_msgs(const char *s, ck_msgs *m)
{
    size_t n = strlen(s);
    bool charset = n > 0, letter = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) charset = false;
        if (c >= 'a' && c <= 'z') letter = true;
    }
    if (n > 15) m->v[m->n++] = xstrdup("must be no more than 15 characters");
    if (!charset)
        m->v[m->n++] = xstrdup("must contain only alpha-numeric characters (a-z, 0-9), and "
                               "hyphens (-)");
    if (!letter) m->v[m->n++] = xstrdup("must contain at least one letter (a-z)");
    if (strstr(s, "--") && m->n < 4) m->v[m->n++] = xstrdup("must not contain consecutive hyphens");
    if (n && (s[0] == '-' || s[n - 1] == '-') && m->n < 4)
        m->v[m->n++] = xstrdup("must not begin or end with a hyphen");
    return m->n;
}

void ck_validate_port_num_or_name(const json_t *v, const char *path, ck_field_errors *fe)
{
    if (json_is_integer(v)) {
        json_int_t p = json_integer_value(v);
        if (p < 1 || p > 65535) ck_ferr_invalid_int(fe, path, p, PORT_RANGE);
    } else if (json_is_string(v)) {
        ck_msgs m = {0};
        if (port_name_msgs(json_string_value(v), &m))
            ck_ferr_invalid_msgs(fe, path, json_string_value(v), &m);
    }
}

static void port_num(ck_field_errors *fe, const char *path, const json_t *v, bool required)
{
    json_int_t p = json_integer_value(v);
    if (!v || (json_is_integer(v) && p == 0)) {
        if (required) ck_ferr_required(fe, path, "");
    } else if (!json_is_integer(v) || p < 1 || p > 65535) {
        ck_ferr_invalid(fe, path, v, PORT_RANGE);
    }
}

static const char *const protocols[] = {"SCTP", "TCP", "UDP", NULL};

static void container_ports(const json_t *ports, const char *path, ck_field_errors *fe)
{
    strset names = {0};
    size_t i;
    json_t *p;
    char b[512];
    json_array_foreach(ports, i, p)
    {
        const char *name = ck_obj_str(p, "name");
        if (name && *name) {
            ck_msgs m = {0};
            snprintf(b, sizeof b, "%s[%zu].name", path, i);
            if (port_name_msgs(name, &m))
                ck_ferr_invalid_msgs(fe, b, name, &m);
            else if (set_has(&names, name))
                ck_ferr_duplicate(fe, b, json_object_get(p, "name"));
            else
                set_add(&names, name);
        }
        snprintf(b, sizeof b, "%s[%zu].containerPort", path, i);
        port_num(fe, b, json_object_get(p, "containerPort"), true);
        snprintf(b, sizeof b, "%s[%zu].hostPort", path, i);
        port_num(fe, b, json_object_get(p, "hostPort"), false);
        snprintf(b, sizeof b, "%s[%zu].protocol", path, i);
        const json_t *proto = json_object_get(p, "protocol");
        if (!json_string_length(proto))
            ck_ferr_required(fe, b, "");
        else if (!in_str(json_string_value(proto), protocols))
            ck_ferr_not_supported(fe, b, proto, protocols);
    }
    free(names.v);
}

static void env_vars(const json_t *env, const char *path, ck_field_errors *fe)
{
    size_t i;
    json_t *e;
    char b[512];
    json_array_foreach(env, i, e)
    {
        const char *name = ck_obj_str(e, "name");
        snprintf(b, sizeof b, "%s[%zu].name", path, i);
        if (!name || !*name) {
            ck_ferr_required(fe, b, "");
        } else {
            for (const char *c = name; *c; c++)
                if (*c == '=' || (unsigned char)*c < 32 || (unsigned char)*c > 126) {
                    ck_ferr_invalid_str(fe, b, name,
                                        "a valid environment variable name must consist only of "
                                        "printable ASCII characters other than '='");
                    break;
                }
        }
        const json_t *vf = json_object_get(e, "valueFrom");
        if (!vf) continue;
        static const char *const srcs[] = {"fieldRef", "resourceFieldRef", "configMapKeyRef",
                                           "secretKeyRef"};
        int n = 0;
        for (size_t s = 0; s < ARRAY_SIZE(srcs); s++)
            n += json_object_get(vf, srcs[s]) != NULL;
        snprintf(b, sizeof b, "%s[%zu].valueFrom", path, i);
        if (n == 0)
            ck_ferr_invalid_str(fe, b, "",
                                "must specify one of: `fieldRef`, `resourceFieldRef`, "
                                "`configMapKeyRef` or `secretKeyRef`");
        else if (json_string_length(json_object_get(e, "value")))
            ck_ferr_invalid_str(fe, b, "", "may not be specified when `value` is not empty");
        else if (n > 1)
            ck_ferr_invalid_str(fe, b, "", "may not have more than one field specified at a time");
        static const char *const keyrefs[] = {"configMapKeyRef", "secretKeyRef"};
        for (size_t s = 0; s < ARRAY_SIZE(keyrefs); s++) {
            const json_t *kr = json_object_get(vf, keyrefs[s]);
            if (kr && !json_string_length(json_object_get(kr, "key"))) {
                snprintf(b, sizeof b, "%s[%zu].valueFrom.%s.key", path, i, keyrefs[s]);
                ck_ferr_required(fe, b, "");
            }
        }
    }
}

static void volume_mounts(const json_t *mounts, const strset *vols, const char *path,
                          ck_field_errors *fe)
{
    strset points = {0};
    size_t i;
    json_t *m;
    char b[512];
    json_array_foreach(mounts, i, m)
    {
        const char *name = ck_obj_str(m, "name"), *mp = ck_obj_str(m, "mountPath");
        snprintf(b, sizeof b, "%s[%zu].name", path, i);
        if (!name || !*name) ck_ferr_required(fe, b, "");
        if (!set_has(vols, name ? name : "")) {
            json_t *nv = json_string(name ? name : "");
            ck_ferr_not_found(fe, b, nv);
            json_decref(nv);
        }
        snprintf(b, sizeof b, "%s[%zu].mountPath", path, i);
        if (!mp || !*mp) ck_ferr_required(fe, b, "");
        if (set_has(&points, mp ? mp : "")) ck_ferr_invalid_str(fe, b, mp, "must be unique");
        set_add(&points, mp ? mp : "");
    }
    free(points.v);
}

static void handler(const json_t *h, const char *path, bool lifecycle, ck_field_errors *fe)
{
    static const char *const kinds[] = {"exec", "httpGet", "tcpSocket", "grpc", "sleep"};
    char b[512];
    int n = 0;
    for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
        const json_t *x = json_object_get(h, kinds[k]);
        if (!x || (lifecycle && k == 3) || (!lifecycle && k == 4)) continue;
        snprintf(b, sizeof b, "%s.%s", path, kinds[k]);
        if (n++) {
            ck_ferr_forbidden(fe, b, "may not specify more than 1 handler type");
            continue;
        }
        if (k == 0 && !json_array_size(json_object_get(x, "command"))) {
            snprintf(b, sizeof b, "%s.exec.command", path);
            ck_ferr_required(fe, b, "");
        } else if (k == 1) {
            if (!json_string_length(json_object_get(x, "path"))) {
                snprintf(b, sizeof b, "%s.httpGet.path", path);
                ck_ferr_required(fe, b, "");
            }
            snprintf(b, sizeof b, "%s.httpGet.port", path);
            ck_validate_port_num_or_name(json_object_get(x, "port"), b, fe);
            static const char *const schemes[] = {"HTTP", "HTTPS", NULL};
            const json_t *sc = json_object_get(x, "scheme");
            snprintf(b, sizeof b, "%s.httpGet.scheme", path);
            if (!in_str(json_string_value(sc), schemes)) {
                json_t *e = sc ? json_incref((json_t *)sc) : json_string("");
                ck_ferr_not_supported(fe, b, e, schemes);
                json_decref(e);
            }
        } else if (k == 2 || k == 3) {
            snprintf(b, sizeof b, "%s.%s.port", path, kinds[k]);
            ck_validate_port_num_or_name(json_object_get(x, "port"), b, fe);
        }
    }
    if (!n) ck_ferr_required(fe, path, "must specify a handler type");
}

static void probe(const json_t *p, const char *path, const char *kind, ck_field_errors *fe)
{
    if (!p) return;
    char b[512];
    handler(p, path, false, fe);
    static const char *const ints[] = {"initialDelaySeconds", "timeoutSeconds", "periodSeconds",
                                       "successThreshold", "failureThreshold"};
    for (size_t i = 0; i < ARRAY_SIZE(ints); i++) {
        json_int_t v = json_integer_value(json_object_get(p, ints[i]));
        snprintf(b, sizeof b, "%s.%s", path, ints[i]);
        if (v < 0) ck_ferr_invalid_int(fe, b, v, "must be greater than or equal to 0");
    }
    json_int_t st = json_integer_value(json_object_get(p, "successThreshold"));
    if (!streq(kind, "readinessProbe") && st != 1) {
        snprintf(b, sizeof b, "%s.successThreshold", path);
        ck_ferr_invalid_int(fe, b, st, "must be 1");
    }
}

static const char *const pull_policies[] = {"Always", "IfNotPresent", "Never", NULL};
static const char *const msg_policies[] = {"File", "FallbackToLogsOnError", NULL};

/* validateContainerCommon. */
static void container_common(const json_t *c, const strset *vols, const char *path,
                             ck_field_errors *fe)
{
    char b[512];
    const char *name = ck_obj_str(c, "name");
    snprintf(b, sizeof b, "%s.name", path);
    if (!name || !*name)
        ck_ferr_required(fe, b, "");
    else
        dns_label(fe, b, name);
    snprintf(b, sizeof b, "%s.image", path);
    if (!json_string_length(json_object_get(c, "image"))) ck_ferr_required(fe, b, "");
    const json_t *tmp = json_object_get(c, "terminationMessagePolicy");
    snprintf(b, sizeof b, "%s.terminationMessagePolicy", path);
    if (!json_string_length(tmp))
        ck_ferr_required(fe, b, "");
    else if (!in_str(json_string_value(tmp), msg_policies))
        ck_ferr_not_supported(fe, b, tmp, msg_policies);
    snprintf(b, sizeof b, "%s.ports", path);
    container_ports(json_object_get(c, "ports"), b, fe);
    snprintf(b, sizeof b, "%s.env", path);
    env_vars(json_object_get(c, "env"), b, fe);
    snprintf(b, sizeof b, "%s.volumeMounts", path);
    volume_mounts(json_object_get(c, "volumeMounts"), vols, b, fe);
    const json_t *pp = json_object_get(c, "imagePullPolicy");
    snprintf(b, sizeof b, "%s.imagePullPolicy", path);
    if (!json_string_length(pp))
        ck_ferr_required(fe, b, "");
    else if (!in_str(json_string_value(pp), pull_policies))
        ck_ferr_not_supported(fe, b, pp, pull_policies);
    snprintf(b, sizeof b, "%s.resources", path);
    ck_validate_resources(json_object_get(c, "resources"), b, fe);
}

static void lifecycle_probes(const json_t *c, const char *path, ck_field_errors *fe)
{
    char b[512];
    const json_t *lc = json_object_get(c, "lifecycle");
    static const char *const hooks[] = {"postStart", "preStop"};
    for (size_t h = 0; h < ARRAY_SIZE(hooks); h++)
        if (json_object_get(lc, hooks[h])) {
            snprintf(b, sizeof b, "%s.lifecycle.%s", path, hooks[h]);
            handler(json_object_get(lc, hooks[h]), b, true, fe);
        }
    static const char *const probes[] = {"livenessProbe", "readinessProbe", "startupProbe"};
    for (size_t p = 0; p < ARRAY_SIZE(probes); p++) {
        snprintf(b, sizeof b, "%s.%s", path, probes[p]);
        probe(json_object_get(c, probes[p]), b, probes[p], fe);
    }
}

/* checkHostPortConflicts over a list of containers. */
static void host_ports(const json_t *ctrs, const char *path, ck_field_errors *fe)
{
    strset seen = {0};
    char **keys = NULL;
    size_t nkeys = 0, i, j;
    json_t *c, *p;
    char b[512];
    json_array_foreach(ctrs, i, c) json_array_foreach(json_object_get(c, "ports"), j, p)
    {
        json_int_t hp = json_integer_value(json_object_get(p, "hostPort"));
        if (!hp) continue;
        const char *proto = ck_obj_str(p, "protocol"), *ip = ck_obj_str(p, "hostIP");
        char *key = xasprintf("%s/%s/%lld", proto ? proto : "", ip ? ip : "", (long long)hp);
        keys = xrealloc(keys, (nkeys + 1) * sizeof *keys);
        keys[nkeys++] = key;
        snprintf(b, sizeof b, "%s[%zu].ports[%zu].hostPort", path, i, j);
        if (set_has(&seen, key)) {
            json_t *v = json_string(key);
            ck_ferr_duplicate(fe, b, v);
            json_decref(v);
        } else {
            set_add(&seen, key);
        }
    }
    for (i = 0; i < nkeys; i++)
        free(keys[i]);
    free(keys);
    free(seen.v);
}

/* ValidateVolumes; fills vols with the valid names. */
static void volumes(const json_t *list, const char *path, strset *vols, ck_field_errors *fe)
{
    const char *const *srcs = ck_volume_sources;
    /* Upstream's spelling of the paths it reports for a second volume type. */
    static const char *const shown[] = {"emptyDir",
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
                                        "cephFS",
                                        "quobyte",
                                        "downwarAPI",
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
                                        "image"};
    /* Required name-like member of the common sources. */
    static const struct {
        const char *src, *field;
    } req[] = {{"hostPath", "path"},  {"secret", "secretName"},
               {"configMap", "name"}, {"persistentVolumeClaim", "claimName"},
               {"nfs", "server"},     {"nfs", "path"}};
    size_t i;
    json_t *v;
    char b[512];
    json_array_foreach(list, i, v)
    {
        unsigned before = ck_ferrs_count(fe);
        int n = 0;
        for (size_t s = 0; srcs[s]; s++) {
            const json_t *src = json_object_get(v, srcs[s]);
            if (!src) continue;
            if (n++) {
                snprintf(b, sizeof b, "%s[%zu].%s", path, i, shown[s]);
                ck_ferr_forbidden(fe, b, "may not specify more than 1 volume type");
                continue;
            }
            for (size_t r = 0; r < ARRAY_SIZE(req); r++)
                if (streq(req[r].src, srcs[s]) &&
                    !json_string_length(json_object_get(src, req[r].field))) {
                    snprintf(b, sizeof b, "%s[%zu].%s.%s", path, i, srcs[s], req[r].field);
                    ck_ferr_required(fe, b, "");
                }
        }
        if (!n) {
            snprintf(b, sizeof b, "%s[%zu]", path, i);
            ck_ferr_required(fe, b, "must specify a volume type");
        }
        const char *name = ck_obj_str(v, "name");
        snprintf(b, sizeof b, "%s[%zu].name", path, i);
        if (!name || !*name)
            ck_ferr_required(fe, b, "");
        else
            dns_label(fe, b, name);
        if (name && set_has(vols, name)) ck_ferr_duplicate(fe, b, json_object_get(v, "name"));
        if (ck_ferrs_count(fe) == before && name) set_add(vols, name);
    }
}

static const char *const restart_policies[] = {"Always", "OnFailure", "Never", NULL};
static const char *const dns_policies[] = {"ClusterFirstWithHostNet", "ClusterFirst", "Default",
                                           "None", NULL};

static void enum_field(const json_t *spec, const char *key, const char *path,
                       const char *const *allowed, ck_field_errors *fe)
{
    char b[512];
    const json_t *v = json_object_get(spec, key);
    snprintf(b, sizeof b, "%s.%s", path, key);
    if (!json_string_length(v))
        ck_ferr_required(fe, b, "");
    else if (!in_str(json_string_value(v), allowed))
        ck_ferr_not_supported(fe, b, v, allowed);
}

static void name_field(const json_t *spec, const char *key, const char *path, ck_field_errors *fe)
{
    const char *v = ck_obj_str(spec, key);
    char b[512];
    snprintf(b, sizeof b, "%s.%s", path, key);
    if (v && *v) dns_subdomain(fe, b, v);
}

void ck_validate_pod_spec(const json_t *spec, const char *path, bool is_pod, ck_field_errors *fe)
{
    char b[640], cb[512];
    strset vols = {0}, names = {0};
    if (!json_object_get(spec, "terminationGracePeriodSeconds")) {
        snprintf(b, sizeof b, "%s.terminationGracePeriodSeconds", path);
        ck_ferr_required(fe, b, "");
    }
    snprintf(b, sizeof b, "%s.volumes", path);
    volumes(json_object_get(spec, "volumes"), b, &vols, fe);
    const json_t *ctrs = json_object_get(spec, "containers"), *c;
    size_t i;
    snprintf(b, sizeof b, "%s.containers", path);
    if (!json_array_size(ctrs)) ck_ferr_required(fe, b, "");
    json_array_foreach(ctrs, i, c)
    {
        snprintf(cb, sizeof cb, "%s.containers[%zu]", path, i);
        container_common(c, &vols, cb, fe);
        const char *name = ck_obj_str(c, "name");
        snprintf(b, sizeof b, "%s.name", cb);
        if (set_has(&names, name ? name : ""))
            ck_ferr_duplicate(fe, b, json_object_get(c, "name"));
        else
            set_add(&names, name ? name : "");
        lifecycle_probes(c, cb, fe);
        if (json_object_get(c, "restartPolicy")) {
            snprintf(b, sizeof b, "%s.restartPolicy", cb);
            ck_ferr_forbidden(fe, b, "may not be set for non-init containers");
        }
    }
    snprintf(b, sizeof b, "%s.containers", path);
    host_ports(ctrs, b, fe);
    json_array_foreach(json_object_get(spec, "initContainers"), i, c)
    {
        snprintf(cb, sizeof cb, "%s.initContainers[%zu]", path, i);
        container_common(c, &vols, cb, fe);
        const json_t *rp = json_object_get(c, "restartPolicy");
        static const char *const always[] = {"Always", NULL};
        snprintf(b, sizeof b, "%s.restartPolicy", cb);
        if (rp && !streq(json_string_value(rp), "Always")) ck_ferr_not_supported(fe, b, rp, always);
        const char *name = ck_obj_str(c, "name");
        snprintf(b, sizeof b, "%s.name", cb);
        if (set_has(&names, name ? name : ""))
            ck_ferr_duplicate(fe, b, json_object_get(c, "name"));
        else if (name && *name)
            set_add(&names, name);
        if (streq(json_string_value(rp), "Always")) {
            lifecycle_probes(c, cb, fe);
        } else {
            static const char *const no[] = {"lifecycle", "livenessProbe", "readinessProbe",
                                             "startupProbe"};
            for (size_t k = 0; k < ARRAY_SIZE(no); k++)
                if (json_object_get(c, no[k])) {
                    snprintf(b, sizeof b, "%s.%s", cb, no[k]);
                    ck_ferr_forbidden(fe, b,
                                      "may not be set for init containers without "
                                      "restartPolicy=Always");
                }
        }
    }
    if (json_is_true(json_object_get(spec, "hostNetwork"))) json_array_foreach(ctrs, i, c)
        {
            size_t j;
            json_t *p;
            json_array_foreach(json_object_get(c, "ports"), j, p)
            {
                json_int_t hp = json_integer_value(json_object_get(p, "hostPort"));
                json_int_t cp = json_integer_value(json_object_get(p, "containerPort"));
                if ((is_pod || hp) && hp != cp) {
                    snprintf(b, sizeof b, "%s.containers[%zu].ports[%zu].hostPort", path, i, j);
                    ck_ferr_invalid_int(fe, b, hp,
                                        "must match `containerPort` when `hostNetwork` is true");
                }
            }
        }
    enum_field(spec, "restartPolicy", path, restart_policies, fe);
    enum_field(spec, "dnsPolicy", path, dns_policies, fe);
    snprintf(b, sizeof b, "%s.nodeSelector", path);
    ck_validate_labels(json_object_get(spec, "nodeSelector"), b, fe);
    if (streq(ck_obj_str(spec, "dnsPolicy"), "None")) {
        const json_t *dc = json_object_get(spec, "dnsConfig");
        snprintf(b, sizeof b, "%s.dnsConfig", path);
        if (!dc) {
            ck_ferr_required(fe, b, "must provide `dnsConfig` when `dnsPolicy` is None");
        } else if (!json_array_size(json_object_get(dc, "nameservers"))) {
            snprintf(b, sizeof b, "%s.dnsConfig.nameservers", path);
            ck_ferr_required(fe, b,
                             "must provide at least one DNS nameserver when `dnsPolicy` is None");
        }
    }
    name_field(spec, "serviceAccountName", path, fe);
    name_field(spec, "nodeName", path, fe);
    name_field(spec, "priorityClassName", path, fe);
    const json_t *ads = json_object_get(spec, "activeDeadlineSeconds");
    if (ads && (json_integer_value(ads) < 1 || json_integer_value(ads) > 2147483647)) {
        snprintf(b, sizeof b, "%s.activeDeadlineSeconds", path);
        ck_ferr_invalid(fe, b, ads, "must be between 1 and 2147483647, inclusive");
    }
    static const char *const labels[] = {"hostname", "subdomain"};
    for (size_t k = 0; k < ARRAY_SIZE(labels); k++) {
        const char *v = ck_obj_str(spec, labels[k]);
        snprintf(b, sizeof b, "%s.%s", path, labels[k]);
        if (v && *v) dns_label(fe, b, v);
    }
    json_array_foreach(json_object_get(spec, "readinessGates"), i, c)
    {
        const char *ct = ck_obj_str(c, "conditionType");
        ck_msgs m = {0};
        snprintf(b, sizeof b, "%s.readinessGates[%zu].conditionType", path, i);
        if (ck_is_qualified_name(ct ? ct : "", &m)) ck_ferr_invalid_msgs(fe, b, ct ? ct : "", &m);
    }
    json_array_foreach(json_object_get(spec, "tolerations"), i, c)
    {
        const char *key = ck_obj_str(c, "key"), *op = ck_obj_str(c, "operator");
        snprintf(b, sizeof b, "%s.tolerations[%zu].operator", path, i);
        if ((!key || !*key) && !streq(op, "Exists"))
            ck_ferr_invalid_str(fe, b, op ? op : "",
                                "operator must be Exists when `key` is empty, which means "
                                "\"match all values and all keys\"");
        if (streq(op, "Exists") && json_string_length(json_object_get(c, "value")))
            ck_ferr_invalid_str(fe, b, ck_obj_str(c, "value"),
                                "value must be empty when `operator` is 'Exists'");
    }
    if (is_pod) {
        json_array_foreach(ctrs, i, c)
        {
            const char *im = ck_obj_str(c, "image");
            size_t n = im ? strlen(im) : 0;
            if (n && (im[0] == ' ' || im[0] == '\t' || im[n - 1] == ' ' || im[n - 1] == '\t')) {
                snprintf(b, sizeof b, "%s.containers[%zu].image", path, i);
                ck_ferr_invalid_str(fe, b, im, "must not have leading or trailing whitespace");
            }
        }
        const char *sa = ck_obj_str(spec, "serviceAccountName");
        json_array_foreach(json_object_get(spec, "volumes"), i, c)
        {
            size_t j;
            json_t *s;
            json_array_foreach(ck_obj_get(c, "projected.sources"), j, s)
            {
                if (!json_object_get(s, "serviceAccountToken") || (sa && *sa)) continue;
                snprintf(b, sizeof b, "%s.volumes[%zu].projected.sources[%zu].serviceAccountToken",
                         path, i, j);
                ck_ferr_forbidden(fe, b,
                                  "must not be specified when serviceAccountName is not set");
            }
        }
    }
    free(vols.v);
    free(names.v);
}

void ck_validate_pod_template(const json_t *tmpl, const char *path, ck_field_errors *fe)
{
    char b[512];
    if (!json_is_object(tmpl)) {
        ck_ferr_required(fe, path, "");
        return;
    }
    const json_t *meta = json_object_get(tmpl, "metadata");
    snprintf(b, sizeof b, "%s.labels", path);
    ck_validate_labels(json_object_get(meta, "labels"), b, fe);
    snprintf(b, sizeof b, "%s.annotations", path);
    ck_validate_annotations(json_object_get(meta, "annotations"), b, fe);
    snprintf(b, sizeof b, "%s.spec", path);
    const json_t *spec = json_object_get(tmpl, "spec");
    ck_validate_pod_spec(spec, b, false, fe);
    if (json_array_size(json_object_get(spec, "ephemeralContainers"))) {
        snprintf(b, sizeof b, "%s.spec.ephemeralContainers", path);
        ck_ferr_forbidden(fe, b, "ephemeral containers not allowed in pod template");
    }
}

unsigned ck_is_config_map_key(const char *key, ck_msgs *out)
{
    ck_msgs tmp = {0}, *m = out ? out : &tmp;
    size_t n = strlen(key);
    bool ok = n > 0;
    for (const char *c = key; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_' || *c == '.'))
            ok = false;
    if (n > 253) m->v[m->n++] = xstrdup("must be no more than 253 characters");
    if (!ok)
        m->v[m->n++] = xstrdup("a valid config key must consist of alphanumeric characters, '-', "
                               "'_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', "
                               "regex used for validation is '[-._a-zA-Z0-9]+')");
    if (streq(key, "."))
        m->v[m->n++] = xstrdup("must not be '.'");
    else if (streq(key, ".."))
        m->v[m->n++] = xstrdup("must not be '..'");
    else if (has_prefix(key, ".."))
        m->v[m->n++] = xstrdup("must not start with '..'");
    unsigned r = m->n;
    ck_msgs_free(&tmp);
    return r;
}

long ck_base64_len(const char *s)
{
    size_t n;
    unsigned char *raw = ck_base64_decode(s, strlen(s), &n, NULL);
    free(raw);
    return raw ? (long)n : -1;
}
