/* Node, node conditions and Lease objects for hollow nodes (see objects.h). */
#include "hollow/objects.h"

#include <stdio.h>
#include <string.h>

#include "client/leader.h"
#include "lib/util.h"
#include "machinery/quantity.h"
#include "machinery/validation.h"
#include "registry/registry.h"

/* ---- node ---- */

static const struct {
    const char *type, *status, *reason, *message;
} conditions[] = {
    {"MemoryPressure", "False", "KubeletHasSufficientMemory",
     "kubelet has sufficient memory available"},
    {"DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
    {"PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
    {"Ready", "True", "KubeletReady", "kubelet is posting ready status"},
};

json_t *hw_node_conditions(const char *now, const char *transition)
{
    json_t *a = json_array();
    for (size_t i = 0; i < ARRAY_SIZE(conditions); i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type",
                                           conditions[i].type, "status", conditions[i].status,
                                           "lastHeartbeatTime", now, "lastTransitionTime",
                                           transition, "reason", conditions[i].reason, "message",
                                           conditions[i].message));
    return a;
}

bool hw_node_conditions_current(const json_t *node)
{
    const json_t *list = ck_obj_get(node, "status.conditions");
    for (size_t i = 0; i < ARRAY_SIZE(conditions); i++) {
        bool found = false;
        size_t j;
        json_t *c;
        json_array_foreach(list, j, c) if (streq(ck_obj_str(c, "type"), conditions[i].type))
        {
            found = streq(ck_obj_str(c, "status"), conditions[i].status) &&
                    streq(ck_obj_str(c, "reason"), conditions[i].reason);
            break;
        }
        if (!found) return false;
    }
    return true;
}

static uint64_t fnv(const char *s, uint64_t h)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

void hw_machine_id(const char *name, char out[33])
{
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)fnv(name, 0xcbf29ce484222325ull),
             (unsigned long long)fnv(name, 0x84222325cbf29ce4ull));
}

void hw_system_uuid(const char *name, char out[37])
{
    char h[33];
    hw_machine_id(name, h);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

static json_t *resources(const hw_node_spec *s)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "cpu", s->cpu, "ephemeral-storage",
                     s->ephemeral_storage, "hugepages-1Gi", "0", "hugepages-2Mi", "0", "memory",
                     s->memory, "pods", s->pods);
}

json_t *hw_node_status(const hw_node_spec *s, const char *name, const char *ip, const char *boot_id,
                       const char *now, const char *transition)
{
    char mid[33], uuid[37];
    hw_machine_id(name, mid);
    hw_system_uuid(name, uuid);
    json_t *info = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "machineID", mid, "systemUUID", uuid,
        "bootID", boot_id, "kernelVersion", s->kernel_version, "osImage", s->os_image,
        "containerRuntimeVersion", "hollow://1.0.0", "kubeletVersion", s->kubelet_version,
        "kubeProxyVersion", "", "operatingSystem", "linux", "architecture", "amd64");
    return json_pack("{s:o, s:o, s:o, s:[{s:s, s:s}, {s:s, s:s}], s:{s:{s:i}}, s:o}", "capacity",
                     resources(s), "allocatable", resources(s), "conditions",
                     hw_node_conditions(now, transition), "addresses", "type", "InternalIP",
                     "address", ip, "type", "Hostname", "address", name, "daemonEndpoints",
                     "kubeletEndpoint", "Port", 10250, "nodeInfo", info);
}

json_t *hw_node_object(const hw_node_spec *s, const char *name, const char *ip, const char *boot_id,
                       const char *now)
{
    json_t *labels = json_pack("{s:s, s:s, s:s, s:s, s:s}", "beta.kubernetes.io/arch", "amd64",
                               "beta.kubernetes.io/os", "linux", "kubernetes.io/arch", "amd64",
                               "kubernetes.io/hostname", name, "kubernetes.io/os", "linux");
    if (s->labels) json_object_update(labels, s->labels);
    json_t *spec = json_object();
    if (json_array_size(s->taints)) json_object_set_new(spec, "taints", json_deep_copy(s->taints));
    return json_pack("{s:s, s:s, s:{s:s, s:o, s:{s:s}}, s:o, s:o}", "apiVersion", "v1", "kind",
                     "Node", "metadata", "name", name, "labels", labels, "annotations",
                     "volumes.kubernetes.io/controller-managed-attach-detach", "true", "spec", spec,
                     "status", hw_node_status(s, name, ip, boot_id, now, now));
}

json_t *hw_node_trim(const json_t *node)
{
    const json_t *m = json_object_get(node, "metadata"), *spec = json_object_get(node, "spec");
    json_t *out = json_pack("{s:{}, s:{}, s:{s:[]}}", "metadata", "spec", "status", "conditions");
    json_t *meta = json_object_get(out, "metadata"), *s = json_object_get(out, "spec");
    static const char *const mk[] = {"name", "uid"}, *const sk[] = {"podCIDR", "podCIDRs"};
    for (size_t i = 0; i < 2; i++) {
        if (json_object_get(m, mk[i])) json_object_set(meta, mk[i], json_object_get(m, mk[i]));
        if (json_object_get(spec, sk[i])) json_object_set(s, sk[i], json_object_get(spec, sk[i]));
    }
    json_t *conds = ck_obj_get(out, "status.conditions");
    size_t i;
    json_t *c;
    json_array_foreach(ck_obj_get(node, "status.conditions"), i, c)
    {
        json_t *t = json_object();
        static const char *const ck[] = {"type", "status", "reason"};
        for (size_t j = 0; j < ARRAY_SIZE(ck); j++)
            if (json_object_get(c, ck[j])) json_object_set(t, ck[j], json_object_get(c, ck[j]));
        json_array_append_new(conds, t);
    }
    return out;
}

json_t *hw_lease_object(const char *node, const char *node_uid, int duration_s, int64_t renew_us)
{
    char renew[40];
    ck_format_micro_time(renew_us, renew);
    json_t *meta = json_pack("{s:s, s:s}", "name", node, "namespace", HW_LEASE_NAMESPACE);
    if (node_uid && *node_uid)
        json_object_set_new(meta, "ownerReferences",
                            json_pack("[{s:s, s:s, s:s, s:s}]", "apiVersion", "v1", "kind", "Node",
                                      "name", node, "uid", node_uid));
    return json_pack("{s:s, s:s, s:o, s:{s:s, s:i, s:s}}", "apiVersion", "coordination.k8s.io/v1",
                     "kind", "Lease", "metadata", meta, "spec", "holderIdentity", node,
                     "leaseDurationSeconds", duration_s, "renewTime", renew);
}

/* ---- flags ---- */

static int check_label(const char *what, const char *k, const char *v, ck_err **err)
{
    ck_msgs m = {0};
    if (ck_is_qualified_name(k, &m) || (v && ck_is_valid_label_value(v, &m))) {
        char *msg = ck_msgs_join(&m, "; ");
        ck_msgs_free(&m);
        ck_error(err, 400, CK_BAD_REQUEST, "invalid %s %s%s%s: %s", what, k, v ? "=" : "",
                 v ? v : "", msg);
        free(msg);
        return -1;
    }
    return 0;
}

int hw_parse_labels(const char *s, json_t **out, ck_err **err)
{
    *out = json_object();
    if (!s || !*s) return 0;
    cleanup_free char *copy = xstrdup(s);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '=');
        if (!eq) {
            json_decref(*out);
            *out = NULL;
            return ck_error(err, 400, CK_BAD_REQUEST, "invalid label %s: want key=value", t);
        }
        *eq = 0;
        if (check_label("label", t, eq + 1, err) < 0) {
            json_decref(*out);
            *out = NULL;
            return -1;
        }
        json_object_set_new(*out, t, json_string(eq + 1));
    }
    return 0;
}

int hw_parse_taints(const char *s, json_t **out, ck_err **err)
{
    *out = json_array();
    if (!s || !*s) return 0;
    cleanup_free char *copy = xstrdup(s);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *colon = strrchr(t, ':');
        const char *effect = colon ? colon + 1 : "";
        if (!streq(effect, "NoSchedule") && !streq(effect, "PreferNoSchedule") &&
            !streq(effect, "NoExecute")) {
            ck_error(err, 400, CK_BAD_REQUEST,
                     "invalid taint %s: want key=value:Effect or key:Effect with Effect one of "
                     "NoSchedule, PreferNoSchedule, NoExecute",
                     t);
            goto fail;
        }
        *colon = 0;
        char *eq = strchr(t, '=');
        if (eq) *eq = 0;
        if (check_label("taint", t, eq ? eq + 1 : NULL, err) < 0) goto fail;
        json_t *taint = json_pack("{s:s, s:s}", "key", t, "effect", effect);
        if (eq && eq[1]) json_object_set_new(taint, "value", json_string(eq + 1));
        json_array_append_new(*out, taint);
    }
    return 0;
fail:
    json_decref(*out);
    *out = NULL;
    return -1;
}

int hw_parse_quantity(const char *flag, const char *s, char **canonical, ck_err **err)
{
    *canonical = NULL;
    ck_quantity q;
    ck_err *qerr = NULL;
    if (!s || ck_quantity_parse(s, &q, &qerr) < 0) {
        ck_error(err, 400, CK_BAD_REQUEST, "invalid --%s %s: %s", flag, s ? s : "",
                 qerr ? qerr->message : "missing");
        ck_err_free(qerr);
        return -1;
    }
    if (q.mantissa < 0)
        return ck_error(err, 400, CK_BAD_REQUEST, "invalid --%s %s: must be non-negative", flag, s);
    *canonical = ck_quantity_string(&q);
    return 0;
}

/* ---- images ---- */

char *hw_image_ref(const char *image)
{
    if (!image || !*image) return xstrdup("");
    const char *slash = strchr(image, '/');
    int first = slash ? (int)(slash - image) : 0;
    /* The first component names a registry when it has a dot or a port, or is localhost. */
    bool has_domain =
        slash && (memchr(image, '.', (size_t)first) || memchr(image, ':', (size_t)first) ||
                  (first == 9 && !strncmp(image, "localhost", 9)));
    const char *path = has_domain ? slash + 1 : image;
    bool docker = !has_domain || (first == 9 && !strncmp(image, "docker.io", 9));
    const char *lib = docker && !strchr(path, '/') ? "library/" : "";
    const char *last = strrchr(path, '/');
    last = last ? last + 1 : path;
    const char *tag = strchr(last, ':') || strchr(path, '@') ? "" : ":latest";
    if (has_domain) return xasprintf("%.*s/%s%s%s", first, image, lib, path, tag);
    return xasprintf("docker.io/%s%s%s", lib, path, tag);
}
