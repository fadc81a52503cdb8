/* networkpolicies (networking.k8s.io/v1): SetDefaults_NetworkPolicy (policyTypes, port
 * protocol TCP), ValidateNetworkPolicySpec (selectors, ports, peers, ipBlocks, policy
 * types) and the network policy printer. */
#include <stdio.h>
#include <sys/socket.h>

#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/workload.h"

static void port_defaults(json_t *rules)
{
    size_t i, j;
    json_t *r, *p;
    json_array_foreach(rules, i, r)
        json_array_foreach(json_object_get(r, "ports"), j, p) if (json_is_object(p))
            ck_obj_default_str(p, "protocol", "TCP");
}

static void defaults(json_t *obj)
{
    json_t *spec = ck_obj_ensure(obj, "spec");
    port_defaults(json_object_get(spec, "ingress"));
    port_defaults(json_object_get(spec, "egress"));
    if (json_array_size(json_object_get(spec, "policyTypes")) == 0) {
        json_t *types = json_pack("[s]", "Ingress");
        if (json_array_size(json_object_get(spec, "egress")))
            json_array_append_new(types, json_string("Egress"));
        json_object_set_new(spec, "policyTypes", types);
    }
}

static void validate_port(const json_t *port, const char *path, ck_field_errors *fe)
{
    static const char *const protocols[] = {"TCP", "UDP", "SCTP", NULL};
    cleanup_free char *pp = ck_path(path, "protocol"), *pn = ck_path(path, "port");
    cleanup_free char *pe = ck_path(path, "endPort");
    const json_t *proto = json_object_get(port, "protocol"), *p = json_object_get(port, "port");
    const json_t *end = json_object_get(port, "endPort");
    const char *ps = json_string_value(proto);
    if (proto && !streq(ps, "TCP") && !streq(ps, "UDP") && !streq(ps, "SCTP"))
        ck_ferr_not_supported(fe, pp, proto, protocols);
    if (json_is_integer(p)) {
        ck_validate_port_num(p, pn, fe);
        if (json_is_integer(end)) {
            if (json_integer_value(end) < json_integer_value(p))
                ck_ferr_invalid(fe, pe, p, "must be greater than or equal to `port`");
            ck_validate_port_num(end, pe, fe);
        }
    } else if (json_is_string(p)) {
        if (end) ck_ferr_invalid(fe, pe, end, "may not be specified when `port` is non-numeric");
        ck_msgs m = {0};
        ck_is_valid_port_name(json_string_value(p), &m);
        ck_ferr_invalid_msgs(fe, pn, json_string_value(p), &m);
    } else if (end) {
        ck_ferr_invalid(fe, pe, end, "may not be specified when `port` is not specified");
    }
}

static bool contains(const unsigned char *net, int prefix, const unsigned char *ip)
{
    for (int b = 0; b < prefix; b++)
        if ((net[b / 8] ^ ip[b / 8]) & (0x80 >> (b % 8))) return false;
    return true;
}

static void validate_ipblock(const json_t *ipb, const char *path, ck_field_errors *fe)
{
    static const char *const cidr_msg =
        "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";
    cleanup_free char *pc = ck_path(path, "cidr");
    const char *cidr = ck_obj_str(ipb, "cidr");
    if (!cidr || !*cidr) {
        ck_ferr_required(fe, pc, "");
        return;
    }
    unsigned char net[16], ex[16];
    int fam, prefix, efam, eprefix;
    if (!ck_parse_cidr(cidr, net, &fam, &prefix)) {
        ck_ferr_invalid_str(fe, pc, cidr, cidr_msg);
        return;
    }
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(ipb, "except"), i, e)
    {
        cleanup_free char *p = xasprintf("%s.except[%zu]", path, i);
        const char *s = json_string_value(e) ? json_string_value(e) : "";
        if (!ck_parse_cidr(s, ex, &efam, &eprefix)) {
            ck_ferr_invalid_str(fe, p, s, cidr_msg);
            continue;
        }
        if (efam != fam || !contains(net, prefix, ex) || prefix >= eprefix)
            ck_ferr_invalid_str(fe, p, s, "must be a strict subset of `cidr`");
    }
}

static void validate_peer(const json_t *peer, const char *path, ck_field_errors *fe)
{
    int n = 0;
    static const char *const sels[] = {"podSelector", "namespaceSelector"};
    for (size_t i = 0; i < ARRAY_SIZE(sels); i++) {
        const json_t *s = json_object_get(peer, sels[i]);
        if (!json_is_object(s)) continue;
        n++;
        cleanup_free char *p = ck_path(path, sels[i]);
        ck_validate_label_selector(s, p, fe);
    }
    const json_t *ipb = json_object_get(peer, "ipBlock");
    if (json_is_object(ipb)) {
        n++;
        cleanup_free char *p = ck_path(path, "ipBlock");
        validate_ipblock(ipb, p, fe);
    }
    if (n == 0)
        ck_ferr_required(fe, path, "must specify a peer");
    else if (n > 1 && json_is_object(ipb))
        ck_ferr_forbidden(fe, path, "may not specify both ipBlock and another peer");
}

static void validate_rules(const json_t *rules, const char *dir, const char *peers,
                           ck_field_errors *fe)
{
    size_t i, j;
    json_t *r, *x;
    json_array_foreach(rules, i, r)
    {
        json_array_foreach(json_object_get(r, "ports"), j, x)
        {
            cleanup_free char *p = xasprintf("spec.%s[%zu].ports[%zu]", dir, i, j);
            validate_port(x, p, fe);
        }
        json_array_foreach(json_object_get(r, peers), j, x)
        {
            cleanup_free char *p = xasprintf("spec.%s[%zu].%s[%zu]", dir, i, peers, j);
            validate_peer(x, p, fe);
        }
    }
}

static void validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *spec = json_object_get(obj, "spec");
    ck_validate_label_selector(json_object_get(spec, "podSelector"), "spec.podSelector", fe);
    validate_rules(json_object_get(spec, "ingress"), "ingress", "from", fe);
    validate_rules(json_object_get(spec, "egress"), "egress", "to", fe);
    const json_t *types = json_object_get(spec, "policyTypes");
    if (json_array_size(types) > 2) {
        ck_ferr_invalid(fe, "spec.policyTypes", types, "may not specify more than two policyTypes");
        return;
    }
    size_t i;
    json_t *t;
    json_array_foreach(types, i, t)
    {
        static const char *const ok[] = {"Ingress", "Egress", NULL};
        if (streq(json_string_value(t), "Ingress") || streq(json_string_value(t), "Egress"))
            continue;
        cleanup_free char *p = xasprintf("spec.policyTypes[%zu]", i);
        ck_ferr_not_supported(fe, p, t, ok);
    }
}

static const ck_column columns[] = {
    CK_COL_NAME,
    {"Pod-Selector", "string", "",
     "podSelector selects the pods to which this NetworkPolicy object applies.", 0},
    CK_COL_AGE,
};

static void table_row(const json_t *obj, json_t *cells)
{
    ck_cell_name(obj, cells);
    ck_cell_take(cells, ck_format_label_selector(ck_obj_get(obj, "spec.podSelector")));
    ck_cell_age(obj, cells);
}

const ck_rtype_def ck_reg_networkpolicy = {
    .group = "networking.k8s.io",
    .version = "v1",
    .plural = "networkpolicies",
    .defaults = defaults,
    .validate = validate,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = table_row,
    .generation = true,
};
