/* services (/v1): upstream's service strategy and REST hooks (pkg/registry/core/service):
 * SetDefaults_Service, ClusterIP/clusterIPs normalisation, values kept across updates
 * (patchAllocatedValues) and dropped on type changes (dropTypeDependentFields),
 * ValidateService/Update, allocation (service_alloc.c), the printer and field selectors. */
#include <arpa/inet.h>
#include <stdio.h>

#include "lib/util.h"
#include "registry/corefmt.h"
#include "registry/kinds.h"
#include "registry/podspec.h"
#include "registry/service_alloc.h"

static bool externally_accessible(const json_t *spec)
{
    const char *t = ck_obj_str(spec, "type");
    return streq(t, "LoadBalancer") || streq(t, "NodePort") ||
           (streq(t, "ClusterIP") && json_array_size(json_object_get(spec, "externalIPs")));
}

static void svc_defaults(json_t *obj)
{
    json_t *spec = ck_obj_ensure(obj, "spec");
    ck_obj_default_str(spec, "sessionAffinity", "None");
    const char *aff = ck_obj_str(spec, "sessionAffinity");
    if (streq(aff, "None")) json_object_del(spec, "sessionAffinityConfig");
    if (streq(aff, "ClientIP") &&
        !ck_obj_get(spec, "sessionAffinityConfig.clientIP.timeoutSeconds"))
        json_object_set_new(spec, "sessionAffinityConfig",
                            json_pack("{s:{s:i}}", "clientIP", "timeoutSeconds", 10800));
    ck_obj_default_str(spec, "type", "ClusterIP");
    const char *type = ck_obj_str(spec, "type");
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(spec, "ports"), i, p)
    {
        if (!json_is_object(p)) continue;
        ck_obj_default_str(p, "protocol", "TCP");
        const json_t *tp = json_object_get(p, "targetPort");
        if (!tp || (json_is_integer(tp) && !json_integer_value(tp)) ||
            (json_is_string(tp) && !json_string_length(tp)))
            json_object_set(p, "targetPort", json_object_get(p, "port"));
    }
    if (externally_accessible(spec)) ck_obj_default_str(spec, "externalTrafficPolicy", "Cluster");
    if (streq(type, "NodePort") || streq(type, "LoadBalancer") || streq(type, "ClusterIP"))
        ck_obj_default_str(spec, "internalTrafficPolicy", "Cluster");
    if (streq(type, "LoadBalancer")) {
        ck_obj_default_bool(spec, "allocateLoadBalancerNodePorts", true);
        json_array_foreach(ck_obj_get(obj, "status.loadBalancer.ingress"), i,
                           p) if (json_string_length(json_object_get(p, "ip")))
            ck_obj_default_str(p, "ipMode", "VIP");
    }
}

static void svc_prepare_create(json_t *obj)
{
    json_object_set_new(obj, "status", json_pack("{s:{}}", "loadBalancer"));
    json_t *spec = json_object_get(obj, "spec");
    const char *ip = ck_obj_str(spec, "clusterIP");
    if (ip && *ip && !json_array_size(json_object_get(spec, "clusterIPs")))
        json_object_set_new(spec, "clusterIPs", json_pack("[s]", ip));
}

static bool needs_cluster_ip(const json_t *spec)
{
    return !streq(ck_obj_str(spec, "type"), "ExternalName");
}

static bool needs_node_port(const json_t *spec)
{
    const char *t = ck_obj_str(spec, "type");
    return streq(t, "NodePort") || streq(t, "LoadBalancer");
}

static bool needs_hc_port(const json_t *spec)
{
    return streq(ck_obj_str(spec, "type"), "LoadBalancer") &&
           streq(ck_obj_str(spec, "externalTrafficPolicy"), "Local");
}

static bool same(const json_t *a, const json_t *b)
{
    return (!a && !b) || json_equal(a, b);
}

static bool node_ports_subset(const json_t *os, const json_t *ns)
{
    size_t i, j;
    json_t *p, *q;
    json_array_foreach(json_object_get(ns, "ports"), i, p)
    {
        json_int_t n = json_integer_value(json_object_get(p, "nodePort"));
        bool found = !n;
        json_array_foreach(json_object_get(os, "ports"), j, q) found |=
            json_integer_value(json_object_get(q, "nodePort")) == n;
        if (!found) return false;
    }
    return true;
}

/* patchAllocatedValues, normalizeClusterIPs and dropTypeDependentFields of an update. */
static void svc_prepare_update(json_t *obj, const json_t *old)
{
    json_t *ns = ck_obj_ensure(obj, "spec");
    const json_t *os = json_object_get(old, "spec");
    size_t i, j;
    json_t *p, *q;
    if (needs_cluster_ip(os) && needs_cluster_ip(ns)) {
        if (!json_string_length(json_object_get(ns, "clusterIP")) &&
            json_object_get(os, "clusterIP"))
            json_object_set(ns, "clusterIP", json_object_get(os, "clusterIP"));
        if (!json_array_size(json_object_get(ns, "clusterIPs")) &&
            json_array_size(json_object_get(os, "clusterIPs")))
            json_object_set(ns, "clusterIPs", json_object_get(os, "clusterIPs"));
        if (same(json_object_get(ns, "clusterIPs"), json_object_get(os, "clusterIPs"))) {
            static const char *const fam[] = {"ipFamilies", "ipFamilyPolicy"};
            for (size_t k = 0; k < ARRAY_SIZE(fam); k++)
                if (!json_object_get(ns, fam[k]) && json_object_get(os, fam[k]))
                    json_object_set(ns, fam[k], json_object_get(os, fam[k]));
        }
    }
    if (needs_node_port(os) && needs_node_port(ns))
        json_array_foreach(json_object_get(ns, "ports"), i, p)
        {
            if (json_integer_value(json_object_get(p, "nodePort"))) continue;
            json_array_foreach(json_object_get(os, "ports"), j, q)
            {
                json_int_t np = json_integer_value(json_object_get(q, "nodePort"));
                bool taken = false;
                size_t k;
                json_t *r;
                json_array_foreach(json_object_get(ns, "ports"), k, r) taken |=
                    json_integer_value(json_object_get(r, "nodePort")) == np;
                if (np && !taken &&
                    streq(ck_obj_str(q, "name") ? ck_obj_str(q, "name") : "",
                          ck_obj_str(p, "name") ? ck_obj_str(p, "name") : "")) {
                    json_object_set_new(p, "nodePort", json_integer(np));
                    break;
                }
            }
        }
    if (needs_hc_port(os) && needs_hc_port(ns) && !json_object_get(ns, "healthCheckNodePort"))
        json_object_set(ns, "healthCheckNodePort", json_object_get(os, "healthCheckNodePort"));
    /* normalizeClusterIPs */
    const char *nip = ck_obj_str(ns, "clusterIP"), *oip = ck_obj_str(os, "clusterIP");
    if (json_array_size(json_object_get(os, "clusterIPs")) &&
        !json_array_size(json_object_get(ns, "clusterIPs")) &&
        streq(nip ? nip : "", oip ? oip : ""))
        json_object_set(ns, "clusterIPs", json_object_get(os, "clusterIPs"));
    if (!streq(nip ? nip : "", oip ? oip : "")) {
        bool same_ips = same(json_object_get(ns, "clusterIPs"), json_object_get(os, "clusterIPs"));
        if (oip && *oip && (!nip || !*nip) && same_ips) json_object_del(ns, "clusterIPs");
        if (nip && *nip && same_ips) json_object_set_new(ns, "clusterIPs", json_pack("[s]", nip));
    }
    /* dropTypeDependentFields */
    if (needs_cluster_ip(os) && !needs_cluster_ip(ns)) {
        if (same(json_object_get(ns, "clusterIP"), json_object_get(os, "clusterIP")) &&
            same(json_object_get(ns, "clusterIPs"), json_object_get(os, "clusterIPs"))) {
            json_object_del(ns, "clusterIP");
            json_object_del(ns, "clusterIPs");
        }
        if (same(json_object_get(ns, "ipFamilies"), json_object_get(os, "ipFamilies")))
            json_object_del(ns, "ipFamilies");
        if (same(json_object_get(ns, "ipFamilyPolicy"), json_object_get(os, "ipFamilyPolicy")))
            json_object_del(ns, "ipFamilyPolicy");
    }
    if (needs_node_port(os) && !needs_node_port(ns) && node_ports_subset(os, ns))
        json_array_foreach(json_object_get(ns, "ports"), i, p) json_object_del(p, "nodePort");
    if (needs_hc_port(os) && !needs_hc_port(ns) &&
        same(json_object_get(ns, "healthCheckNodePort"),
             json_object_get(os, "healthCheckNodePort")))
        json_object_del(ns, "healthCheckNodePort");
    bool was_lb = streq(ck_obj_str(os, "type"), "LoadBalancer");
    bool is_lb = streq(ck_obj_str(ns, "type"), "LoadBalancer");
    if (was_lb && !is_lb) {
        static const char *const lbf[] = {"allocateLoadBalancerNodePorts", "loadBalancerClass"};
        for (size_t k = 0; k < ARRAY_SIZE(lbf); k++)
            if (same(json_object_get(ns, lbf[k]), json_object_get(os, lbf[k])))
                json_object_del(ns, lbf[k]);
    }
    if (externally_accessible(os) && !externally_accessible(ns) &&
        same(json_object_get(ns, "externalTrafficPolicy"),
             json_object_get(os, "externalTrafficPolicy")))
        json_object_del(ns, "externalTrafficPolicy");
    if (!is_lb) json_object_set_new(ck_obj_ensure(obj, "status"), "loadBalancer", json_object());
}

static bool is_headless(const json_t *spec)
{
    const json_t *ips = json_object_get(spec, "clusterIPs");
    return json_array_size(ips) == 1 && streq(json_string_value(json_array_get(ips, 0)), "None");
}

static bool valid_ip(const char *s)
{
    unsigned char buf[16];
    return s && (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

#define IP_MSG "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"

static void enum_req(const json_t *spec, const char *key, const char *const *allowed,
                     ck_field_errors *fe)
{
    char p[64];
    snprintf(p, sizeof p, "spec.%s", key);
    const json_t *v = json_object_get(spec, key);
    if (!json_string_length(v))
        ck_ferr_required(fe, p, "");
    else {
        const char *const *a = allowed;
        while (*a && !streq(*a, json_string_value(v)))
            a++;
        if (!*a) ck_ferr_not_supported(fe, p, v, allowed);
    }
}

static void validate_ports(const json_t *spec, ck_field_errors *fe)
{
    static const char *const protos[] = {"SCTP", "TCP", "UDP", NULL};
    const json_t *ports = json_object_get(spec, "ports");
    size_t i, j;
    json_t *p, *q;
    char b[96];
    json_array_foreach(ports, i, p)
    {
        const char *name = ck_obj_str(p, "name");
        snprintf(b, sizeof b, "spec.ports[%zu].name", i);
        if (json_array_size(ports) > 1 && (!name || !*name)) {
            ck_ferr_required(fe, b, "");
        } else if (name && *name) {
            ck_msgs m = {0};
            if (ck_is_dns1123_label(name, &m)) ck_ferr_invalid_msgs(fe, b, name, &m);
            for (j = 0; j < i; j++)
                if (streq(ck_obj_str(json_array_get(ports, j), "name"), name)) {
                    ck_ferr_duplicate(fe, b, json_object_get(p, "name"));
                    break;
                }
        }
        const json_t *port = json_object_get(p, "port");
        snprintf(b, sizeof b, "spec.ports[%zu].port", i);
        if (!json_is_integer(port) || json_integer_value(port) < 1 ||
            json_integer_value(port) > 65535)
            ck_ferr_invalid_int(fe, b, json_integer_value(port),
                                "must be between 1 and 65535, inclusive");
        const json_t *proto = json_object_get(p, "protocol");
        snprintf(b, sizeof b, "spec.ports[%zu].protocol", i);
        if (!json_string_length(proto))
            ck_ferr_required(fe, b, "");
        else if (!streq(json_string_value(proto), "TCP") &&
                 !streq(json_string_value(proto), "UDP") &&
                 !streq(json_string_value(proto), "SCTP"))
            ck_ferr_not_supported(fe, b, proto, protos);
        snprintf(b, sizeof b, "spec.ports[%zu].targetPort", i);
        ck_validate_port_num_or_name(json_object_get(p, "targetPort"), b, fe);
        const char *ap = ck_obj_str(p, "appProtocol");
        snprintf(b, sizeof b, "spec.ports[%zu].appProtocol", i);
        ck_msgs m = {0};
        if (ap && ck_is_qualified_name(ap, &m)) ck_ferr_invalid_msgs(fe, b, ap, &m);
        json_int_t np = json_integer_value(json_object_get(p, "nodePort"));
        if (np && streq(ck_obj_str(spec, "type"), "ClusterIP")) {
            snprintf(b, sizeof b, "spec.ports[%zu].nodePort", i);
            ck_ferr_forbidden(fe, b, "may not be used when `type` is 'ClusterIP'");
        }
    }
    json_array_foreach(ports, i, p) for (j = 0; j < i; j++)
    {
        q = json_array_get(ports, j);
        bool proto_eq = streq(ck_obj_str(p, "protocol"), ck_obj_str(q, "protocol"));
        json_int_t np = json_integer_value(json_object_get(p, "nodePort"));
        if (np && proto_eq && np == json_integer_value(json_object_get(q, "nodePort"))) {
            snprintf(b, sizeof b, "spec.ports[%zu].nodePort", i);
            ck_ferr_duplicate(fe, b, json_object_get(p, "nodePort"));
            break;
        }
    }
    json_array_foreach(ports, i, p) for (j = 0; j < i; j++)
    {
        q = json_array_get(ports, j);
        if (streq(ck_obj_str(p, "protocol"), ck_obj_str(q, "protocol")) &&
            json_integer_value(json_object_get(p, "port")) ==
                json_integer_value(json_object_get(q, "port"))) {
            snprintf(b, sizeof b, "spec.ports[%zu]", i);
            json_t *key = json_pack("{s:O?, s:s?}", "port", json_object_get(p, "port"), "protocol",
                                    ck_obj_str(p, "protocol"));
            ck_ferr_duplicate(fe, b, key);
            json_decref(key);
            break;
        }
    }
}

/* ValidateServiceClusterIPsRelatedFields. */
static void validate_ips(const json_t *spec, ck_field_errors *fe)
{
    const char *ip = ck_obj_str(spec, "clusterIP");
    const json_t *ips = json_object_get(spec, "clusterIPs");
    if (ip && *ip) {
        if (!json_array_size(ips))
            ck_ferr_required(fe, "spec.clusterIPs", "");
        else if (!streq(json_string_value(json_array_get(ips, 0)), ip))
            ck_ferr_invalid(fe, "spec.clusterIPs", ips, "first value must match `clusterIP`");
    } else if (json_array_size(ips)) {
        ck_ferr_invalid(fe, "spec.clusterIPs", ips,
                        "must be empty when `clusterIP` is not specified");
    }
    static const char *const fams[] = {"IPv4", "IPv6", NULL};
    static const char *const pols[] = {"PreferDualStack", "RequireDualStack", "SingleStack", NULL};
    size_t i;
    json_t *v;
    char b[64];
    json_array_foreach(json_object_get(spec, "ipFamilies"), i, v)
    {
        snprintf(b, sizeof b, "spec.ipFamilies[%zu]", i);
        if (!streq(json_string_value(v), "IPv4") && !streq(json_string_value(v), "IPv6"))
            ck_ferr_not_supported(fe, b, v, fams);
        for (size_t j = 0; j < i; j++)
            if (json_equal(v, json_array_get(json_object_get(spec, "ipFamilies"), j)))
                ck_ferr_duplicate(fe, b, v);
    }
    const json_t *pol = json_object_get(spec, "ipFamilyPolicy");
    if (pol && !streq(json_string_value(pol), "SingleStack") &&
        !streq(json_string_value(pol), "PreferDualStack") &&
        !streq(json_string_value(pol), "RequireDualStack"))
        ck_ferr_not_supported(fe, "spec.ipFamilyPolicy", pol, pols);
    json_array_foreach(ips, i, v)
    {
        if (i == 0 && streq(json_string_value(v), "None")) {
            if (json_array_size(ips) > 1)
                ck_ferr_invalid(fe, "spec.clusterIPs", ips,
                                "'None' must be the first and only value");
            continue;
        }
        snprintf(b, sizeof b, "spec.clusterIPs[%zu]", i);
        if (!valid_ip(json_string_value(v))) ck_ferr_invalid(fe, b, v, IP_MSG);
    }
    if (json_array_size(ips) > 2)
        ck_ferr_invalid(fe, "spec.clusterIPs", ips, "may only hold up to 2 values");
}

static void svc_validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *spec = json_object_get(obj, "spec");
    const char *type = ck_obj_str(spec, "type");
    bool headless = is_headless(spec);
    if (!json_array_size(json_object_get(spec, "ports")) && !headless &&
        !streq(type, "ExternalName"))
        ck_ferr_required(fe, "spec.ports", "");
    const json_t *ip0 = json_array_get(json_object_get(spec, "clusterIPs"), 0);
    if (headless && (streq(type, "LoadBalancer") || streq(type, "NodePort"))) {
        char *d = xasprintf("may not be set to 'None' for %s services", type);
        ck_ferr_invalid(fe, "spec.clusterIPs[0]", ip0, d);
        free(d);
    } else if (streq(type, "ExternalName")) {
        static const char *const no[] = {"clusterIPs", "ipFamilies", "ipFamilyPolicy"};
        for (size_t k = 0; k < ARRAY_SIZE(no); k++) {
            const json_t *v = json_object_get(spec, no[k]);
            if ((k != 2 && json_array_size(v)) || (k == 2 && v)) {
                char p[32];
                snprintf(p, sizeof p, "spec.%s", no[k]);
                ck_ferr_forbidden(fe, p, "may not be set for ExternalName services");
            }
        }
        const char *en = ck_obj_str(spec, "externalName");
        char *cname = xstrdup(en ? en : "");
        size_t n = strlen(cname);
        if (n && cname[n - 1] == '.') cname[n - 1] = 0;
        ck_msgs m = {0};
        if (!*cname)
            ck_ferr_required(fe, "spec.externalName", "");
        else if (ck_is_dns1123_subdomain(cname, &m))
            ck_ferr_invalid_msgs(fe, "spec.externalName", cname, &m);
        free(cname);
    }
    validate_ports(spec, fe);
    ck_validate_labels(json_object_get(spec, "selector"), "spec.selector", fe);
    static const char *const affinities[] = {"ClientIP", "None", NULL};
    enum_req(spec, "sessionAffinity", affinities, fe);
    const char *aff = ck_obj_str(spec, "sessionAffinity");
    if (streq(aff, "ClientIP")) {
        const json_t *t = ck_obj_get(spec, "sessionAffinityConfig.clientIP.timeoutSeconds");
        if (!t)
            ck_ferr_required(fe, "spec.sessionAffinityConfig",
                             "when session affinity type is ClientIP");
        else if (json_integer_value(t) <= 0 || json_integer_value(t) > 86400)
            ck_ferr_invalid(fe, "spec.sessionAffinityConfig.clientIP.timeoutSeconds", t,
                            "must be greater than 0 and less than 86400");
    } else if (streq(aff, "None") && json_object_get(spec, "sessionAffinityConfig")) {
        ck_ferr_forbidden(fe, "spec.sessionAffinityConfig",
                          "must not be set when session affinity is None");
    }
    if (!streq(type, "ExternalName")) validate_ips(spec, fe);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(spec, "externalIPs"), i, v)
    {
        char b[48];
        snprintf(b, sizeof b, "spec.externalIPs[%zu]", i);
        if (!valid_ip(json_string_value(v))) ck_ferr_invalid(fe, b, v, IP_MSG);
    }
    static const char *const types[] = {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort",
                                        NULL};
    enum_req(spec, "type", types, fe);
    bool lb = streq(type, "LoadBalancer");
    if (json_array_size(json_object_get(spec, "loadBalancerSourceRanges")) && !lb)
        ck_ferr_forbidden(fe, "spec.LoadBalancerSourceRanges",
                          "may only be used when `type` is 'LoadBalancer'");
    if (json_object_get(spec, "allocateLoadBalancerNodePorts") && !lb)
        ck_ferr_forbidden(fe, "spec.allocateLoadBalancerNodePorts",
                          "may only be used when `type` is 'LoadBalancer'");
    if (lb && !json_object_get(spec, "allocateLoadBalancerNodePorts"))
        ck_ferr_required(fe, "allocateLoadBalancerNodePorts", "");
    if (json_object_get(spec, "loadBalancerClass") && !lb)
        ck_ferr_forbidden(fe, "spec.loadBalancerClass",
                          "may only be used when `type` is 'LoadBalancer'");
    static const char *const policies[] = {"Cluster", "Local", NULL};
    const json_t *etp = json_object_get(spec, "externalTrafficPolicy");
    if (!externally_accessible(spec)) {
        if (json_string_length(etp))
            ck_ferr_invalid(fe, "spec.externalTrafficPolicy", etp,
                            "may only be set for externally-accessible services");
    } else {
        enum_req(spec, "externalTrafficPolicy", policies, fe);
    }
    const json_t *hc = json_object_get(spec, "healthCheckNodePort");
    if (!needs_hc_port(spec) && json_integer_value(hc))
        ck_ferr_invalid(
            fe, "spec.healthCheckNodePort", hc,
            "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'");
    const json_t *itp = json_object_get(spec, "internalTrafficPolicy");
    if (!itp && (lb || streq(type, "NodePort") || streq(type, "ClusterIP")))
        ck_ferr_required(fe, "spec.internalTrafficPolicy", "");
    else if (itp && !streq(json_string_value(itp), "Cluster") &&
             !streq(json_string_value(itp), "Local"))
        ck_ferr_not_supported(fe, "spec.internalTrafficPolicy", itp, policies);
}

/* validateUpgradeDowngradeClusterIPs and the other update-only rules. */
static void svc_validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    const json_t *ns = json_object_get(obj, "spec"), *os = json_object_get(old, "spec");
    bool ext = streq(ck_obj_str(ns, "type"), "ExternalName") ||
               streq(ck_obj_str(os, "type"), "ExternalName");
    const json_t *nips = json_object_get(ns, "clusterIPs"),
                 *oips = json_object_get(os, "clusterIPs");
    size_t nn = json_array_size(nips), on = json_array_size(oips);
    if (!ext && !(is_headless(ns) && is_headless(os))) {
        if (nn == on) {
            for (size_t i = 0; i < on; i++)
                if (!json_equal(json_array_get(nips, i), json_array_get(oips, i))) {
                    char b[48];
                    snprintf(b, sizeof b, "spec.clusterIPs[%zu]", i);
                    ck_ferr_invalid(fe, b, nips, "may not change once set");
                }
        } else if (on > nn) {
            if (!nn)
                ck_ferr_invalid(fe, "spec.clusterIPs[0]", nips,
                                "primary clusterIP can not be unset");
            else if (!json_equal(json_array_get(nips, 0), json_array_get(oips, 0)))
                ck_ferr_invalid(fe, "spec.clusterIPs[0]", nips, "may not change once set");
        } else if (on && !json_equal(json_array_get(nips, 0), json_array_get(oips, 0))) {
            ck_ferr_invalid(fe, "spec.clusterIPs[0]", nips, "may not change once set");
        }
    }
    if (streq(ck_obj_str(ns, "type"), "LoadBalancer") &&
        streq(ck_obj_str(os, "type"), "LoadBalancer") &&
        !same(json_object_get(ns, "loadBalancerClass"), json_object_get(os, "loadBalancerClass")))
        ck_ferr_invalid(fe, "spec.loadBalancerClass", json_object_get(ns, "loadBalancerClass"),
                        "may not change once set");
    if (needs_hc_port(ns) && needs_hc_port(os) &&
        !same(json_object_get(ns, "healthCheckNodePort"),
              json_object_get(os, "healthCheckNodePort")))
        ck_ferr_forbidden(fe, "spec.healthCheckNodePort", "field is immutable");
}

static int svc_before_create(ck_strategy_ctx *ctx, json_t *obj, ck_err **err)
{
    return ck_service_alloc(ctx, obj, NULL, err);
}

static int svc_before_update(ck_strategy_ctx *ctx, json_t *obj, const json_t *old, ck_err **err)
{
    return ck_service_alloc(ctx, obj, old, err);
}

/* ---- table ---- */

static const ck_column svc_columns[] = {
    CK_CORE_COL_NAME,
    {"Type", "string", "", "type determines how the Service is exposed.", 0},
    {"Cluster-IP", "string", "",
     "clusterIP is the IP address of the service and is usually assigned randomly.", 0},
    {"External-IP", "string", "",
     "externalIPs is a list of IP addresses for which nodes in the cluster will also accept "
     "traffic for this service.",
     0},
    {"Port(s)", "string", "", "The list of ports that are exposed by this service.", 0},
    CK_CORE_COL_AGE,
    {"Selector", "string", "",
     "Route service traffic to pods with label keys and values matching this selector.", 1},
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static char *join(const char **v, size_t n, bool sort_uniq)
{
    if (sort_uniq) qsort(v, n, sizeof *v, cmp_str);
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(v[i]) + 1;
    char *out = xcalloc(1, len);
    for (size_t i = 0; i < n; i++) {
        if (sort_uniq && i && streq(v[i], v[i - 1])) continue;
        if (*out) strcat(out, ",");
        strcat(out, v[i]);
    }
    return out;
}

static char *external_ip(const json_t *obj)
{
    const json_t *spec = json_object_get(obj, "spec");
    const char *type = ck_obj_str(spec, "type");
    const json_t *eips = json_object_get(spec, "externalIPs");
    const json_t *ing = ck_obj_get(obj, "status.loadBalancer.ingress");
    size_t n = json_array_size(eips), m = json_array_size(ing), k = 0, i;
    json_t *v;
    const char **lbs = xcalloc(m + n + 1, sizeof *lbs);
    char *out;
    if (streq(type, "ClusterIP") || streq(type, "NodePort")) {
        json_array_foreach(eips, i, v) lbs[k++] = json_string_value(v) ? json_string_value(v) : "";
        out = k ? join(lbs, k, false) : xstrdup("<none>");
    } else if (streq(type, "LoadBalancer")) {
        json_array_foreach(ing, i, v)
        {
            const char *a = ck_obj_str(v, "ip"), *h = ck_obj_str(v, "hostname");
            if (a && *a)
                lbs[k++] = a;
            else if (h && *h)
                lbs[k++] = h;
        }
        char *lb = join(lbs, k, true);
        if (n) {
            k = 0;
            if (*lb) lbs[k++] = lb;
            json_array_foreach(eips, i, v) lbs[k++] =
                json_string_value(v) ? json_string_value(v) : "";
            out = join(lbs, k, false);
            free(lb);
        } else {
            out = *lb ? lb : (free(lb), xstrdup("<pending>"));
        }
    } else if (streq(type, "ExternalName")) {
        out = xstrdup(ck_obj_str(spec, "externalName") ? ck_obj_str(spec, "externalName") : "");
    } else {
        out = xstrdup("<unknown>");
    }
    free(lbs);
    return out;
}

static void svc_row(const json_t *obj, json_t *cells)
{
    const json_t *spec = json_object_get(obj, "spec");
    ck_row_name(obj, cells);
    ck_row_str(cells, ck_obj_str(spec, "type"));
    const char *ip = json_string_value(json_array_get(json_object_get(spec, "clusterIPs"), 0));
    ck_row_str(cells, ip ? ip : "<none>");
    ck_row_take(cells, external_ip(obj));
    const json_t *ports = json_object_get(spec, "ports");
    size_t i;
    json_t *p;
    char *s = xstrdup("");
    json_array_foreach(ports, i, p)
    {
        json_int_t np = json_integer_value(json_object_get(p, "nodePort"));
        const char *proto = ck_obj_str(p, "protocol");
        long long port = (long long)json_integer_value(json_object_get(p, "port"));
        char *piece = np ? xasprintf("%lld:%lld/%s", port, (long long)np, proto ? proto : "")
                         : xasprintf("%lld/%s", port, proto ? proto : "");
        char *n = xasprintf("%s%s%s", s, i ? "," : "", piece);
        free(s);
        free(piece);
        s = n;
    }
    if (!*s) {
        free(s);
        s = xstrdup("<none>");
    }
    ck_row_take(cells, s);
    ck_row_age(obj, cells);
    ck_row_take(cells, ck_fmt_labels(json_object_get(spec, "selector")));
}

static const char *const svc_fields[] = {"spec.clusterIP", "spec.type", NULL};

const ck_rtype_def ck_reg_service = {
    .group = "",
    .version = "v1",
    .plural = "services",
    .defaults = svc_defaults,
    .prepare_create = svc_prepare_create,
    .prepare_update = svc_prepare_update,
    .validate = svc_validate,
    .validate_update = svc_validate_update,
    .before_create = svc_before_create,
    .before_update = svc_before_update,
    .validate_name = ck_name_is_dns1035_label,
    .columns = svc_columns,
    .ncolumns = ARRAY_SIZE(svc_columns),
    .table_row = svc_row,
    .fields = svc_fields,
    .return_deleted = true,
};
