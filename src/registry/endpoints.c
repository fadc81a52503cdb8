/* endpoints (/v1): port protocols default to TCP; subsets validated as upstream's
 * validateEndpointSubsets; the printer lists up to three addresses (formatEndpoints). */
#include <arpa/inet.h>
#include <stdio.h>

#include "lib/util.h"
#include "registry/corefmt.h"
#include "registry/kinds.h"

static void ep_defaults(json_t *obj)
{
    size_t i, j;
    json_t *ss, *p;
    json_array_foreach(json_object_get(obj, "subsets"), i, ss)
        json_array_foreach(json_object_get(ss, "ports"), j, p) if (json_is_object(p))
            ck_obj_default_str(p, "protocol", "TCP");
}

static void address(const json_t *a, const char *path, ck_field_errors *fe)
{
    char b[160];
    const char *ip = ck_obj_str(a, "ip");
    unsigned char buf[16];
    bool v4 = ip && inet_pton(AF_INET, ip, buf) == 1, v6 = ip && inet_pton(AF_INET6, ip, buf) == 1;
    snprintf(b, sizeof b, "%s.ip", path);
    if (!v4 && !v6) {
        ck_ferr_invalid_str(fe, b, ip,
                            "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
        ck_ferr_invalid_str(fe, b, ip, "must be a valid IP address");
    } else if (v4 && buf[0] == 0 && buf[1] == 0 && buf[2] == 0 && buf[3] == 0) {
        char *d = xasprintf("may not be unspecified (%s)", ip);
        ck_ferr_invalid_str(fe, b, ip, d);
        free(d);
    } else if (v4 && buf[0] == 127) {
        ck_ferr_invalid_str(fe, b, ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)");
    } else if (v4 && buf[0] == 169 && buf[1] == 254) {
        ck_ferr_invalid_str(fe, b, ip,
                            "may not be in the link-local range (169.254.0.0/16, fe80::/10)");
    } else if (v4 && buf[0] == 224 && buf[1] == 0 && buf[2] == 0) {
        ck_ferr_invalid_str(
            fe, b, ip, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)");
    } else if (v6 && streq(ip, "::1")) {
        ck_ferr_invalid_str(fe, b, ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)");
    }
    const char *host = ck_obj_str(a, "hostname");
    ck_msgs m = {0};
    snprintf(b, sizeof b, "%s.hostname", path);
    if (host && *host && ck_is_dns1123_label(host, &m)) ck_ferr_invalid_msgs(fe, b, host, &m);
    const char *node = ck_obj_str(a, "nodeName");
    snprintf(b, sizeof b, "%s.nodeName", path);
    if (node && ck_is_dns1123_subdomain(node, &m)) ck_ferr_invalid_msgs(fe, b, node, &m);
}

static void ep_validate(const json_t *obj, ck_field_errors *fe)
{
    static const char *const protos[] = {"SCTP", "TCP", "UDP", NULL};
    size_t i, j;
    json_t *ss, *x;
    char b[128];
    json_array_foreach(json_object_get(obj, "subsets"), i, ss)
    {
        const json_t *addrs = json_object_get(ss, "addresses"),
                     *nr = json_object_get(ss, "notReadyAddresses");
        snprintf(b, sizeof b, "subsets[%zu]", i);
        if (!json_array_size(addrs) && !json_array_size(nr))
            ck_ferr_required(fe, b, "must specify `addresses` or `notReadyAddresses`");
        json_array_foreach(addrs, j, x)
        {
            snprintf(b, sizeof b, "subsets[%zu].addresses[%zu]", i, j);
            address(x, b, fe);
        }
        json_array_foreach(nr, j, x)
        {
            snprintf(b, sizeof b, "subsets[%zu].notReadyAddresses[%zu]", i, j);
            address(x, b, fe);
        }
        const json_t *ports = json_object_get(ss, "ports");
        json_array_foreach(ports, j, x)
        {
            const char *name = ck_obj_str(x, "name");
            snprintf(b, sizeof b, "subsets[%zu].ports[%zu].name", i, j);
            ck_msgs m = {0};
            if (json_array_size(ports) > 1 && (!name || !*name))
                ck_ferr_required(fe, b, "");
            else if (name && *name && ck_is_dns1123_label(name, &m))
                ck_ferr_invalid_msgs(fe, b, name, &m);
            json_int_t port = json_integer_value(json_object_get(x, "port"));
            snprintf(b, sizeof b, "subsets[%zu].ports[%zu].port", i, j);
            if (port < 1 || port > 65535)
                ck_ferr_invalid_int(fe, b, port, "must be between 1 and 65535, inclusive");
            const json_t *proto = json_object_get(x, "protocol");
            snprintf(b, sizeof b, "subsets[%zu].ports[%zu].protocol", i, j);
            const char *pv = json_string_value(proto);
            if (!pv || !*pv)
                ck_ferr_required(fe, b, "");
            else if (!streq(pv, "TCP") && !streq(pv, "UDP") && !streq(pv, "SCTP"))
                ck_ferr_not_supported(fe, b, proto, protos);
        }
    }
}

static const ck_column ep_columns[] = {
    CK_CORE_COL_NAME,
    {"Endpoints", "string", "", "The set of all endpoints is the union of all subsets.", 0},
    CK_CORE_COL_AGE,
};

/* formatEndpoints: "ip:port,..." for up to three addresses, then "+ N more...". */
static char *format_endpoints(const json_t *obj)
{
    const json_t *subsets = json_object_get(obj, "subsets");
    if (!json_array_size(subsets)) return xstrdup("<none>");
    char *list = xstrdup("");
    int shown = 0, count = 0;
    bool more = false;
    size_t i, j, k;
    json_t *ss, *p, *a;
    json_array_foreach(subsets, i, ss)
    {
        const json_t *ports = json_object_get(ss, "ports"),
                     *addrs = json_object_get(ss, "addresses");
        size_t np = json_array_size(ports) ? json_array_size(ports) : 1;
        for (j = 0; j < np; j++) {
            p = json_array_get(ports, j);
            count += (int)json_array_size(addrs);
            json_array_foreach(addrs, k, a)
            {
                if (shown == 3) {
                    more = true;
                    break;
                }
                const char *ip = ck_obj_str(a, "ip") ? ck_obj_str(a, "ip") : "";
                char *item =
                    !p ? xstrdup(ip)
                    : strchr(ip, ':')
                        ? xasprintf("[%s]:%lld", ip,
                                    (long long)json_integer_value(json_object_get(p, "port")))
                        : xasprintf("%s:%lld", ip,
                                    (long long)json_integer_value(json_object_get(p, "port")));
                char *n = xasprintf("%s%s%s", list, shown ? "," : "", item);
                free(list);
                free(item);
                list = n;
                shown++;
            }
        }
    }
    if (!more) return list;
    char *out = xasprintf("%s + %d more...", list, count - 3);
    free(list);
    return out;
}

static void ep_row(const json_t *obj, json_t *cells)
{
    ck_row_name(obj, cells);
    ck_row_take(cells, format_endpoints(obj));
    ck_row_age(obj, cells);
}

const ck_rtype_def ck_reg_endpoints = {
    .group = "",
    .version = "v1",
    .plural = "endpoints",
    .create_on_update = true,
    .defaults = ep_defaults,
    .validate = ep_validate,
    .columns = ep_columns,
    .ncolumns = ARRAY_SIZE(ep_columns),
    .table_row = ep_row,
};
