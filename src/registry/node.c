/* nodes (/v1): upstream's node strategy (pkg/registry/core/node): status may be set on
 * create (the kubelet registers with it), allocatable defaults to capacity, taints and
 * podCIDRs are validated, and the printer shows readiness, roles and node info. */
#include <stdio.h>

#include "lib/util.h"
#include "registry/corefmt.h"
#include "registry/kinds.h"
#include "registry/podspec.h"

static void node_defaults(json_t *obj)
{
    ck_obj_ensure(obj, "spec");
    json_t *st = ck_obj_ensure(obj, "status");
    json_t *cap = json_object_get(st, "capacity");
    if (json_is_object(cap) && !json_object_get(st, "allocatable"))
        json_object_set_new(st, "allocatable", json_deep_copy(cap));
    ck_resource_list_defaults(cap);
    ck_resource_list_defaults(json_object_get(st, "allocatable"));
    /* Non-omitempty members every served Node carries. */
    ck_obj_default_int(st, "daemonEndpoints.kubeletEndpoint.Port", 0);
    static const char *const info[] = {
        "architecture",  "bootID",           "containerRuntimeVersion",
        "kernelVersion", "kubeProxyVersion", "kubeletVersion",
        "machineID",     "operatingSystem",  "osImage",
        "systemUUID"};
    json_t *ni = ck_obj_ensure(st, "nodeInfo");
    for (size_t i = 0; i < ARRAY_SIZE(info); i++)
        ck_obj_default_str(ni, info[i], "");
}

static const char *const effects[] = {"NoSchedule", "PreferNoSchedule", "NoExecute", NULL};

static void taints(const json_t *list, ck_field_errors *fe)
{
    size_t i, j;
    json_t *t, *u;
    char b[96];
    json_array_foreach(list, i, t)
    {
        const char *key = ck_obj_str(t, "key"), *val = ck_obj_str(t, "value");
        ck_msgs m = {0};
        snprintf(b, sizeof b, "metadata.taints[%zu].key", i);
        if (ck_is_qualified_name(key ? key : "", &m))
            ck_ferr_invalid_msgs(fe, b, key ? key : "", &m);
        snprintf(b, sizeof b, "metadata.taints[%zu].value", i);
        if (val && ck_is_valid_label_value(val, &m)) {
            char *joined = ck_msgs_join(&m, ";");
            ck_ferr_invalid_str(fe, b, val, joined);
            free(joined);
            ck_msgs_free(&m);
        }
        const json_t *eff = json_object_get(t, "effect");
        snprintf(b, sizeof b, "metadata.taints[%zu].effect", i);
        const char *ev = json_string_value(eff);
        if (!ev || !*ev)
            ck_ferr_required(fe, b, "");
        else if (!streq(ev, effects[0]) && !streq(ev, effects[1]) && !streq(ev, effects[2]))
            ck_ferr_not_supported(fe, b, eff, effects);
        for (j = 0; j < i; j++) {
            u = json_array_get(list, j);
            if (streq(ck_obj_str(u, "key"), key) && streq(ck_obj_str(u, "effect"), ev)) {
                snprintf(b, sizeof b, "metadata.taints[%zu]", i);
                ck_ferr_duplicate(fe, b, t);
                break;
            }
        }
    }
}

static void node_validate(const json_t *obj, ck_field_errors *fe)
{
    taints(ck_obj_get(obj, "spec.taints"), fe);
    size_t i;
    json_t *c;
    char b[160];
    json_array_foreach(ck_obj_get(obj, "spec.podCIDRs"), i, c)
    {
        const char *cidr = json_string_value(c);
        const char *slash = cidr ? strchr(cidr, '/') : NULL;
        char *end = NULL;
        long bits = slash ? strtol(slash + 1, &end, 10) : -1;
        snprintf(b, sizeof b, "spec.podCIDRs[%zu]", i);
        if (!slash || !end || *end || bits < 0 || bits > 128)
            ck_ferr_invalid(fe, b, c,
                            "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)");
    }
    static const char *const lists[] = {"capacity", "allocatable"};
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(json_object_get(obj, "status"), lists[l]), k, v)
        {
            snprintf(b, sizeof b, "status.%s.%s", lists[l], k);
            ck_validate_quantity(k, v, b, fe);
        }
    }
}

static void node_validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    const json_t *ncidr = ck_obj_get(obj, "spec.podCIDRs"),
                 *ocidr = ck_obj_get(old, "spec.podCIDRs");
    if (json_array_size(ocidr) && !json_equal(ncidr, ocidr))
        ck_ferr_forbidden(fe, "spec.podCIDRs",
                          "node updates may not change podCIDR except from \"\" to valid");
    const char *op = ck_obj_str(old, "spec.providerID"), *np = ck_obj_str(obj, "spec.providerID");
    if (op && *op && !streq(op, np))
        ck_ferr_forbidden(fe, "spec.providerID",
                          "node updates may not change providerID except from \"\" to valid");
    const json_t *addrs = ck_obj_get(obj, "status.addresses");
    size_t i, j;
    json_t *a;
    json_array_foreach(addrs, i, a) for (j = 0; j < i;
                                         j++) if (json_equal(a, json_array_get(addrs, j)))
    {
        char b[64];
        snprintf(b, sizeof b, "status.addresses[%zu]", i);
        ck_ferr_duplicate(fe, b, a);
        break;
    }
}

static const ck_column node_columns[] = {
    CK_CORE_COL_NAME,
    {"Status", "string", "", "The status of the node", 0},
    {"Roles", "string", "", "The roles of the node", 0},
    CK_CORE_COL_AGE,
    {"Version", "string", "", "Kubelet Version reported by the node.", 0},
    {"Internal-IP", "string", "", "List of addresses reachable to the node.", 1},
    {"External-IP", "string", "", "List of addresses reachable to the node.", 1},
    {"OS-Image", "string", "",
     "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1},
    {"Kernel-Version", "string", "",
     "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1},
    {"Container-Runtime", "string", "",
     "ContainerRuntime Version reported by the node through runtime remote API (e.g. "
     "containerd://1.4.2).",
     1},
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static char *roles(const json_t *labels)
{
    size_t n = json_object_size(labels), k = 0;
    const char **v = xcalloc(n + 1, sizeof *v);
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)labels, key, val)
    {
        if (has_prefix(key, "node-role.kubernetes.io/") && key[24])
            v[k++] = key + 24;
        else if (streq(key, "kubernetes.io/role") && json_string_length(val))
            v[k++] = json_string_value(val);
    }
    qsort(v, k, sizeof *v, cmp_str);
    size_t len = 8;
    for (size_t i = 0; i < k; i++)
        len += strlen(v[i]) + 1;
    char *out = xcalloc(1, len);
    for (size_t i = 0; i < k; i++) {
        if (i && streq(v[i], v[i - 1])) continue;
        if (*out) strcat(out, ",");
        strcat(out, v[i]);
    }
    if (!*out) strcpy(out, "<none>");
    free(v);
    return out;
}

static const char *address_of(const json_t *obj, const char *type)
{
    size_t i;
    json_t *a;
    json_array_foreach(ck_obj_get(obj, "status.addresses"), i,
                       a) if (streq(ck_obj_str(a, "type"), type)) return ck_obj_str(a, "address");
    return "<none>";
}

static void node_row(const json_t *obj, json_t *cells)
{
    const char *ready = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(ck_obj_get(obj, "status.conditions"), i,
                       c) if (streq(ck_obj_str(c, "type"), "Ready")) ready =
        streq(ck_obj_str(c, "status"), "True") ? "Ready" : "NotReady";
    bool unsched = json_is_true(ck_obj_get(obj, "spec.unschedulable"));
    ck_row_name(obj, cells);
    ck_row_take(cells,
                xasprintf("%s%s", ready ? ready : "Unknown", unsched ? ",SchedulingDisabled" : ""));
    ck_row_take(cells, roles(ck_obj_get(obj, "metadata.labels")));
    ck_row_age(obj, cells);
    ck_row_str(cells, ck_obj_str(obj, "status.nodeInfo.kubeletVersion"));
    ck_row_str(cells, address_of(obj, "InternalIP"));
    ck_row_str(cells, address_of(obj, "ExternalIP"));
    static const char *const info[] = {"osImage", "kernelVersion", "containerRuntimeVersion"};
    for (size_t k = 0; k < ARRAY_SIZE(info); k++) {
        const char *v = ck_obj_str(ck_obj_get(obj, "status.nodeInfo"), info[k]);
        ck_row_str(cells, v && *v ? v : "<unknown>");
    }
}

static const char *const node_fields[] = {"spec.unschedulable", NULL};

static char *node_field(const json_t *obj, const char *field)
{
    (void)field;
    return xstrdup(json_is_true(ck_obj_get(obj, "spec.unschedulable")) ? "true" : "false");
}

const ck_rtype_def ck_reg_node = {
    .group = "",
    .version = "v1",
    .plural = "nodes",
    .defaults = node_defaults,
    .validate = node_validate,
    .validate_update = node_validate_update,
    .columns = node_columns,
    .ncolumns = ARRAY_SIZE(node_columns),
    .table_row = node_row,
    .fields = node_fields,
    .field_value = node_field,
    .no_status_reset = true,
};
