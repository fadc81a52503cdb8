/* ingresses (networking.k8s.io/v1): ValidateIngressSpec (a default backend or rules,
 * hosts, paths and path types, backends, TLS hosts and secrets, class name) and the
 * ingress printer. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/workload.h"

/* validation.IsWildcardDNS1123Subdomain. */
static void wildcard_host(const char *host, const char *path, ck_field_errors *fe)
{
    if (strlen(host) > 253)
        ck_ferr_invalid_str(fe, path, host, "must be no more than 253 characters");
    if (!has_prefix(host, "*.") || ck_is_dns1123_subdomain(host + 2, NULL))
        ck_ferr_invalid_str(
            fe, path, host,
            "a wildcard DNS-1123 subdomain must start with '*.', followed by a "
            "valid DNS subdomain, which must consist of lower case alphanumeric "
            "characters, '-' or '.' and end with an alphanumeric character (e.g. "
            "'*.example.com', regex used for validation is "
            "'\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
}

static void host_name(const char *host, const char *path, ck_field_errors *fe)
{
    if (strchr(host, '*')) {
        wildcard_host(host, path, fe);
        return;
    }
    ck_msgs m = {0};
    ck_is_dns1123_subdomain(host, &m);
    ck_ferr_invalid_msgs(fe, path, host, &m);
}

static void path_segment(const json_t *ref, const char *key, const char *path, const char *req,
                         ck_field_errors *fe)
{
    const char *v = ck_obj_str(ref, key);
    cleanup_free char *p = ck_path(path, key);
    if (!v || !*v) {
        ck_ferr_required(fe, p, req);
        return;
    }
    ck_msgs m = {0};
    ck_name_is_path_segment(v, false, &m);
    ck_ferr_invalid_msgs(fe, p, v, &m);
}

void ck_validate_typed_ref(const json_t *ref, const char *path, ck_field_errors *fe)
{
    const char *group = ck_obj_str(ref, "apiGroup");
    if (group) {
        cleanup_free char *p = ck_path(path, "apiGroup");
        ck_msgs m = {0};
        ck_is_dns1123_subdomain(group, &m);
        ck_ferr_invalid_msgs(fe, p, group, &m);
    }
    path_segment(ref, "kind", path, "kind is required", fe);
    path_segment(ref, "name", path, "name is required", fe);
}

static void backend(const json_t *b, const char *path, ck_field_errors *fe)
{
    const json_t *res = json_object_get(b, "resource"), *svc = json_object_get(b, "service");
    json_t *empty = json_string("");
    if (json_is_object(res) && json_is_object(svc)) {
        ck_ferr_invalid(fe, path, empty, "cannot set both resource and service backends");
    } else if (json_is_object(res)) {
        cleanup_free char *p = ck_path(path, "resource");
        ck_validate_typed_ref(res, p, fe);
    } else if (json_is_object(svc)) {
        const char *name = ck_obj_str(svc, "name");
        cleanup_free char *pn = ck_path(path, "service.name");
        if (!name || !*name) {
            ck_ferr_required(fe, pn, "");
        } else {
            ck_msgs m = {0};
            ck_is_dns1035_label(name, &m);
            ck_ferr_invalid_msgs(fe, pn, name, &m);
        }
        const char *pname = ck_obj_str(svc, "port.name");
        const json_t *pnum = ck_obj_get(svc, "port.number");
        bool has_name = pname && *pname, has_num = json_integer_value(pnum) != 0;
        if (has_name && has_num) {
            ck_ferr_invalid(fe, path, empty, "cannot set both port name & port number");
        } else if (has_name) {
            cleanup_free char *p = ck_path(path, "service.port.name");
            ck_msgs m = {0};
            ck_is_valid_port_name(pname, &m);
            ck_ferr_invalid_msgs(fe, p, pname, &m);
        } else if (has_num) {
            cleanup_free char *p = ck_path(path, "service.port.number");
            ck_validate_port_num(pnum, p, fe);
        } else {
            ck_ferr_required(fe, path, "port name or number is required");
        }
    } else {
        ck_ferr_invalid(fe, path, empty, "resource or service backend is required");
    }
    json_decref(empty);
}

static void http_path(const json_t *hp, const char *path, ck_field_errors *fe)
{
    static const char *const types[] = {"Exact", "ImplementationSpecific", "Prefix", NULL};
    static const char *const seqs[] = {"//", "/./", "/../", "%2f", "%2F"};
    static const char *const suffixes[] = {"/..", "/."};
    const json_t *pt = json_object_get(hp, "pathType");
    const char *type = json_string_value(pt), *p = ck_obj_str(hp, "path");
    cleanup_free char *ptp = ck_path(path, "pathType"), *pp = ck_path(path, "path");
    if (!p) p = "";
    if (!pt || json_is_null(pt)) {
        ck_ferr_required(fe, ptp, "pathType must be specified");
        return;
    }
    if (streq(type, "Exact") || streq(type, "Prefix")) {
        if (*p != '/') ck_ferr_invalid_str(fe, pp, p, "must be an absolute path");
        for (size_t i = 0; *p && i < ARRAY_SIZE(seqs); i++)
            if (strstr(p, seqs[i])) {
                cleanup_free char *d = xasprintf("must not contain '%s'", seqs[i]);
                ck_ferr_invalid_str(fe, pp, p, d);
            }
        for (size_t i = 0; *p && i < ARRAY_SIZE(suffixes); i++)
            if (has_suffix(p, suffixes[i])) {
                cleanup_free char *d = xasprintf("cannot end with '%s'", suffixes[i]);
                ck_ferr_invalid_str(fe, pp, p, d);
            }
    } else if (streq(type, "ImplementationSpecific")) {
        if (*p && *p != '/') ck_ferr_invalid_str(fe, pp, p, "must be an absolute path");
    } else {
        ck_ferr_not_supported(fe, ptp, pt, types);
    }
    cleanup_free char *pb = ck_path(path, "backend");
    backend(json_object_get(hp, "backend"), pb, fe);
}

static void rules(const json_t *list, ck_field_errors *fe)
{
    size_t i, j;
    json_t *r, *hp;
    json_array_foreach(list, i, r)
    {
        const char *host = ck_obj_str(r, "host");
        cleanup_free char *ph = xasprintf("spec.rules[%zu].host", i);
        unsigned char ip[16];
        if (host && *host) {
            if (inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1)
                ck_ferr_invalid_str(fe, ph, host, "must be a DNS name, not an IP address");
            host_name(host, ph, fe);
        }
        const json_t *http = json_object_get(r, "http");
        if (!json_is_object(http)) continue;
        cleanup_free char *pp = xasprintf("spec.rules[%zu].http.paths", i);
        if (json_array_size(json_object_get(http, "paths")) == 0) ck_ferr_required(fe, pp, "");
        json_array_foreach(json_object_get(http, "paths"), j, hp)
        {
            cleanup_free char *p = xasprintf("%s[%zu]", pp, j);
            http_path(hp, p, fe);
        }
    }
}

static void validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *spec = json_object_get(obj, "spec");
    const json_t *rl = json_object_get(spec, "rules"),
                 *db = json_object_get(spec, "defaultBackend");
    if (json_array_size(rl) == 0 && !json_is_object(db))
        ck_ferr_invalid(fe, "spec", rl ? rl : json_null(),
                        "either `defaultBackend` or `rules` must be specified");
    if (json_is_object(db)) backend(db, "spec.defaultBackend", fe);
    rules(rl, fe);
    size_t i, j;
    json_t *tls, *h;
    json_array_foreach(json_object_get(spec, "tls"), i, tls)
    {
        json_array_foreach(json_object_get(tls, "hosts"), j, h)
        {
            cleanup_free char *p = xasprintf("spec.tls[%zu].hosts[%zu]", i, j);
            host_name(json_string_value(h) ? json_string_value(h) : "", p, fe);
        }
        const char *secret = ck_obj_str(tls, "secretName");
        if (secret && *secret) {
            cleanup_free char *p = xasprintf("spec.tls[%zu].secretName", i);
            ck_msgs m = {0};
            ck_is_dns1123_subdomain(secret, &m);
            ck_ferr_invalid_msgs(fe, p, secret, &m);
        }
    }
    const char *cls = ck_obj_str(spec, "ingressClassName");
    if (cls) {
        ck_msgs m = {0};
        ck_is_dns1123_subdomain(cls, &m);
        ck_ferr_invalid_msgs(fe, "spec.ingressClassName", cls, &m);
    }
}

static const ck_column columns[] = {
    CK_COL_NAME,
    {"Class", "string", "",
     "The name of the IngressClass resource that should be used for additional configuration", 0},
    {"Hosts", "string", "",
     "Hosts that incoming requests are matched against before the ingress rule", 0},
    {"Address", "string", "", "Address is a list containing ingress points for the load-balancer",
     0},
    {"Ports", "string", "", "Ports of TLS configurations that open", 0},
    CK_COL_AGE,
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The load balancer's IPs (or hostnames), sorted and unique, joined with ','. */
static char *address(const json_t *obj)
{
    const json_t *ing = ck_obj_get(obj, "status.loadBalancer.ingress");
    size_t n = 0, len = 1, i;
    const char **v = xcalloc(json_array_size(ing) + 1, sizeof *v);
    json_t *e;
    json_array_foreach(ing, i, e)
    {
        const char *ip = ck_obj_str(e, "ip"), *hn = ck_obj_str(e, "hostname");
        const char *s = ip && *ip ? ip : hn && *hn ? hn : NULL;
        if (s) v[n++] = s, len += strlen(s) + 1;
    }
    qsort(v, n, sizeof *v, cmp_str);
    char *out = xmalloc(len), *p = out;
    *p = 0;
    for (i = 0; i < n; i++)
        if (!i || strcmp(v[i], v[i - 1])) p += sprintf(p, "%s%s", p == out ? "" : ",", v[i]);
    free(v);
    return out;
}

/* formatHosts: up to three hosts, "*" when none. */
static char *hosts(const json_t *obj)
{
    const json_t *rl = ck_obj_get(obj, "spec.rules");
    char *out = xstrdup("");
    size_t n = 0, i;
    bool more = false;
    json_t *r;
    json_array_foreach(rl, i, r)
    {
        if (n == 3) more = true;
        const char *h = ck_obj_str(r, "host");
        if (more || !h || !*h) continue;
        char *next = xasprintf("%s%s%s", out, n ? "," : "", h);
        free(out);
        out = next;
        n++;
    }
    if (!n) {
        free(out);
        return xstrdup("*");
    }
    if (more) {
        char *next = xasprintf("%s + %zu more...", out, json_array_size(rl) - 3);
        free(out);
        out = next;
    }
    return out;
}

static void table_row(const json_t *obj, json_t *cells)
{
    const char *cls = ck_obj_str(obj, "spec.ingressClassName");
    ck_cell_name(obj, cells);
    ck_cell_str(cells, cls ? cls : "<none>");
    ck_cell_take(cells, hosts(obj));
    ck_cell_take(cells, address(obj));
    ck_cell_str(cells, json_array_size(ck_obj_get(obj, "spec.tls")) ? "80, 443" : "80");
    ck_cell_age(obj, cells);
}

const ck_rtype_def ck_reg_ingress = {
    .group = "networking.k8s.io",
    .version = "v1",
    .plural = "ingresses",
    .validate = validate,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = table_row,
    .generation = true,
};
