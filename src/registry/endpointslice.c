/* endpointslices (discovery.k8s.io/v1): SetDefaults_EndpointPort, ValidateEndpointSlice
 * (addressType required and immutable, addresses of that type, ports, hostnames, node
 * names), the generation rule of the endpoint slice strategy and its printer. */
#include <arpa/inet.h>
#include <stdio.h>

#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/workload.h"

static void defaults(json_t *obj)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(obj, "ports"), i, p)
    {
        if (!json_is_object(p)) continue;
        ck_obj_default_str(p, "name", "");
        ck_obj_default_str(p, "protocol", "TCP");
    }
}

/* Anything but metadata changing (or the labels) bumps the generation. */
static void prepare_update(json_t *obj, const json_t *old)
{
    json_t *a = json_deep_copy(obj), *b = json_deep_copy(old);
    json_object_del(a, "metadata");
    json_object_del(b, "metadata");
    if (!json_equal(a, b) ||
        !ck_json_same(ck_obj_get(obj, "metadata.labels"), ck_obj_get(old, "metadata.labels")))
        json_object_set_new(ck_obj_ensure(obj, "metadata"), "generation",
                            json_integer(ck_obj_int(old, "metadata.generation", 0) + 1));
    json_decref(a);
    json_decref(b);
}

static void validate_address(const char *type, const json_t *v, const char *path,
                             ck_field_errors *fe)
{
    const char *s = json_string_value(v) ? json_string_value(v) : "";
    unsigned char buf[16];
    if (streq(type, "IPv4") && inet_pton(AF_INET, s, buf) != 1) {
        ck_ferr_invalid_str(fe, path, s, "must be a valid IPv4 address");
    } else if (streq(type, "IPv6") && inet_pton(AF_INET6, s, buf) != 1) {
        ck_ferr_invalid_str(fe, path, s, "must be a valid IPv6 address");
    } else if (streq(type, "FQDN")) {
        ck_msgs m = {0};
        ck_is_dns1123_subdomain(s, &m);
        ck_ferr_invalid_msgs(fe, path, s, &m);
        if (!strchr(s, '.'))
            ck_ferr_invalid_str(fe, path, s,
                                "should be a domain with at least two segments separated by dots");
    }
}

static void validate_endpoints(const json_t *obj, const char *type, ck_field_errors *fe)
{
    const json_t *eps = json_object_get(obj, "endpoints");
    if (json_array_size(eps) > 1000)
        ck_ferr_too_many(fe, "endpoints", (long)json_array_size(eps), 1000);
    size_t i, j;
    json_t *ep, *a;
    json_array_foreach(eps, i, ep)
    {
        cleanup_free char *pa = xasprintf("endpoints[%zu].addresses", i);
        const json_t *addrs = json_object_get(ep, "addresses");
        if (json_array_size(addrs) == 0)
            ck_ferr_required(fe, pa, "must contain at least 1 address");
        else if (json_array_size(addrs) > 100)
            ck_ferr_too_many(fe, pa, (long)json_array_size(addrs), 100);
        json_array_foreach(addrs, j, a)
        {
            cleanup_free char *p = xasprintf("%s[%zu]", pa, j);
            validate_address(type, a, p, fe);
        }
        const char *host = ck_obj_str(ep, "hostname"), *node = ck_obj_str(ep, "nodeName");
        ck_msgs m = {0};
        if (host) {
            cleanup_free char *p = xasprintf("endpoints[%zu].hostname", i);
            ck_is_dns1123_label(host, &m);
            ck_ferr_invalid_msgs(fe, p, host, &m);
        }
        if (node) {
            cleanup_free char *p = xasprintf("endpoints[%zu].nodeName", i);
            ck_is_dns1123_subdomain(node, &m);
            ck_ferr_invalid_msgs(fe, p, node, &m);
        }
    }
}

static void validate_ports(const json_t *ports, ck_field_errors *fe)
{
    static const char *const protocols[] = {"SCTP", "TCP", "UDP", NULL};
    if (json_array_size(ports) > 20000)
        ck_ferr_too_many(fe, "ports", (long)json_array_size(ports), 20000);
    size_t i, j;
    json_t *p, *q;
    json_array_foreach(ports, i, p)
    {
        cleanup_free char *pn = xasprintf("ports[%zu].name", i);
        cleanup_free char *pp = xasprintf("ports[%zu].protocol", i);
        cleanup_free char *pt = xasprintf("ports[%zu].port", i);
        const char *name = ck_obj_str(p, "name");
        if (name && *name) {
            ck_msgs m = {0};
            ck_is_dns1123_label(name, &m);
            ck_ferr_invalid_msgs(fe, pn, name, &m);
        }
        json_array_foreach(ports, j, q)
        {
            if (j >= i) break;
            if (streq(ck_obj_str(q, "name"), name ? name : "")) {
                ck_ferr_duplicate(fe, pn, json_object_get(p, "name"));
                break;
            }
        }
        const json_t *proto = json_object_get(p, "protocol");
        const char *ps = json_string_value(proto);
        if (!streq(ps, "TCP") && !streq(ps, "UDP") && !streq(ps, "SCTP"))
            ck_ferr_not_supported(fe, pp, proto, protocols);
        const json_t *port = json_object_get(p, "port");
        if (json_is_integer(port) &&
            (json_integer_value(port) < 1 || json_integer_value(port) > 65535))
            ck_ferr_invalid(fe, pt, port, "must be between 1 and 65535, inclusive");
    }
}

static void validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *at = json_object_get(obj, "addressType");
    const char *type = json_string_value(at);
    validate_endpoints(obj, type ? type : "", fe);
    validate_ports(json_object_get(obj, "ports"), fe);
    if (!type || !*type) {
        ck_ferr_required(fe, "addressType", "");
    } else if (!streq(type, "IPv4") && !streq(type, "IPv6") && !streq(type, "FQDN")) {
        static const char *const types[] = {"FQDN", "IPv4", "IPv6", NULL};
        ck_ferr_not_supported(fe, "addressType", at, types);
    }
}

static void validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    ck_validate_immutable(json_object_get(obj, "addressType"), json_object_get(old, "addressType"),
                          "addressType", fe);
}

static const ck_column columns[] = {
    CK_COL_NAME,
    {"AddressType", "string", "",
     "addressType specifies the type of address carried by this EndpointSlice.", 0},
    {"Ports", "string", "",
     "ports specifies the list of network ports exposed by each endpoint in this slice.", 0},
    {"Endpoints", "string", "", "endpoints is a list of unique endpoints in this slice.", 0},
    CK_COL_AGE,
};

/* listWithMoreString over up to three items: "a,b,c + N more...", "<unset>" if none. */
static char *list_more(char **items, size_t shown, size_t count)
{
    size_t len = 32;
    for (size_t i = 0; i < shown; i++)
        len += strlen(items[i]) + 1;
    char *out = xmalloc(len), *p = out;
    *p = 0;
    for (size_t i = 0; i < shown; i++) {
        p += sprintf(p, "%s%s", i ? "," : "", items[i]);
        free(items[i]);
    }
    if (count > shown)
        sprintf(p, " + %zu more...", count - shown);
    else if (!shown)
        strcpy(out, "<unset>");
    return out;
}

static void table_row(const json_t *obj, json_t *cells)
{
    char *items[3];
    size_t shown = 0, count = 0, i, j;
    json_t *p, *ep, *a;
    ck_cell_name(obj, cells);
    ck_cell_str(cells, ck_obj_str(obj, "addressType"));
    json_array_foreach(json_object_get(obj, "ports"), i, p)
    {
        if (shown < 3) {
            const json_t *port = json_object_get(p, "port");
            const char *name = ck_obj_str(p, "name");
            items[shown++] = json_is_integer(port)
                                 ? xasprintf("%lld", (long long)json_integer_value(port))
                                 : xstrdup(name ? name : "*");
        }
        count++;
    }
    ck_cell_take(cells, list_more(items, shown, count));
    shown = count = 0;
    json_array_foreach(json_object_get(obj, "endpoints"), i, ep)
        json_array_foreach(json_object_get(ep, "addresses"), j, a)
    {
        if (shown < 3) items[shown++] = xstrdup(json_string_value(a) ? json_string_value(a) : "");
        count++;
    }
    ck_cell_take(cells, list_more(items, shown, count));
    ck_cell_age(obj, cells);
}

const ck_rtype_def ck_reg_endpointslice = {
    .group = "discovery.k8s.io",
    .version = "v1",
    .plural = "endpointslices",
    .create_on_update = true,
    .defaults = defaults,
    .prepare_update = prepare_update,
    .validate = validate,
    .validate_update = validate_update,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = table_row,
    .generation = true,
};
