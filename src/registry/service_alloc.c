/* ClusterIP and NodePort allocation derived from the stored Services; see service_alloc.h. */
#include "registry/service_alloc.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "apiserver/cache.h"
#include "apiserver/server.h"
#include "lib/util.h"

#define MAX_RANGE (1ull << 20)

/* ---- ranges ------------------------------------------------------------------------ */

static unsigned host_bits(const ck_ip_range *r)
{
    return (unsigned)(r->len * 8 - r->bits);
}

int ck_ip_range_parse(const char *cidr, ck_ip_range *r)
{
    memset(r, 0, sizeof *r);
    const char *slash = cidr ? strchr(cidr, '/') : NULL;
    char ip[64];
    if (!slash || (size_t)(slash - cidr) >= sizeof ip) return -1;
    memcpy(ip, cidr, (size_t)(slash - cidr));
    ip[slash - cidr] = 0;
    char *end;
    long bits = strtol(slash + 1, &end, 10);
    r->family = strchr(ip, ':') ? 6 : 4;
    r->len = r->family == 4 ? 4 : 16;
    int width = r->len * 8;
    if (*end || end == slash + 1 || bits < 1 || bits > width ||
        inet_pton(r->family == 4 ? AF_INET : AF_INET6, ip, r->base) != 1)
        return -1;
    for (int i = 0; i < r->len; i++) { /* mask to the network address */
        int keep = (int)bits - i * 8;
        if (keep <= 0)
            r->base[i] = 0;
        else if (keep < 8)
            r->base[i] &= (unsigned char)(0xff << (8 - keep));
    }
    r->bits = (int)bits;
    int hb = width - (int)bits;
    r->size = hb >= 20 ? MAX_RANGE : 1ull << hb;
    snprintf(r->cidr, sizeof r->cidr, "%s", cidr);
    return 0;
}

/* Usable offsets [lo, hi]; the broadcast address is excluded for unclipped IPv4 ranges. */
static void usable(const ck_ip_range *r, uint64_t *lo, uint64_t *hi)
{
    *lo = 1;
    *hi = r->size - 1;
    if (r->family == 4 && r->size<MAX_RANGE && * hi> 0) (*hi)--;
}

int64_t ck_ip_range_offset(const ck_ip_range *r, const char *ip)
{
    unsigned char a[16];
    if (!ip || inet_pton(r->family == 4 ? AF_INET : AF_INET6, ip, a) != 1) return -1;
    unsigned hb = host_bits(r);
    /* Everything above the host bits must match the network. */
    for (int i = 0; i < r->len; i++) {
        int low = (r->len - 1 - i) * 8; /* bit index of this byte's lowest bit */
        unsigned char mask = 0xff;
        if ((unsigned)low + 8 <= hb)
            mask = 0;
        else if ((unsigned)low < hb)
            mask = (unsigned char)(0xff << (hb - (unsigned)low));
        if ((a[i] & mask) != (r->base[i] & mask)) return -1;
    }
    uint64_t off = 0;
    for (int i = r->len > 8 ? r->len - 8 : 0; i < r->len; i++)
        off = (off << 8) | a[i];
    if (hb < 64) off &= (1ull << hb) - 1;
    if (off >= r->size) return -1;
    uint64_t lo, hi;
    usable(r, &lo, &hi);
    return off >= lo && off <= hi ? (int64_t)off : -1;
}

void ck_ip_range_addr(const ck_ip_range *r, uint64_t off, char out[64])
{
    unsigned char a[16];
    memcpy(a, r->base, sizeof a);
    for (int i = r->len - 1; i >= 0 && off; i--) {
        unsigned sum = a[i] + (unsigned)(off & 0xff);
        a[i] = (unsigned char)sum;
        off = (off >> 8) + (sum >> 8);
    }
    inet_ntop(r->family == 4 ? AF_INET : AF_INET6, a, out, 64);
}

int ck_port_range_parse(const char *s, int *lo, int *hi)
{
    char *end;
    if (!s) return -1;
    long a = strtol(s, &end, 10), b = a;
    if (end == s) return -1;
    if (*end == '-') {
        const char *t = end + 1;
        b = strtol(t, &end, 10);
        if (end == t) return -1;
    }
    if (*end || a < 1 || b > 65535 || a > b) return -1;
    *lo = (int)a;
    *hi = (int)b;
    return 0;
}

/* ---- the used set -------------------------------------------------------------------- */

typedef struct used {
    ck_ip_range r;
    uint8_t *ips; /* bit per range offset */
    uint8_t ports[65536 / 8];
    const char *ns, *name; /* the Service being written: its own values do not count */
} used;

static void bit_set(uint8_t *b, uint64_t i)
{
    b[i >> 3] |= (uint8_t)(1u << (i & 7));
}

static bool bit_get(const uint8_t *b, uint64_t i)
{
    return b[i >> 3] & (1u << (i & 7));
}

static void mark_ip(used *u, const char *ip)
{
    int64_t off = ck_ip_range_offset(&u->r, ip);
    if (off >= 0) bit_set(u->ips, (uint64_t)off);
}

static void mark_port(used *u, json_int_t p)
{
    if (p > 0 && p < 65536) bit_set(u->ports, (uint64_t)p);
}

static void mark_service(used *u, const json_t *svc)
{
    const json_t *spec = json_object_get(svc, "spec");
    mark_ip(u, ck_obj_str(spec, "clusterIP"));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(spec, "clusterIPs"), i, v) mark_ip(u, json_string_value(v));
    json_array_foreach(json_object_get(spec, "ports"), i, v)
        mark_port(u, json_integer_value(json_object_get(v, "nodePort")));
    mark_port(u, json_integer_value(json_object_get(spec, "healthCheckNodePort")));
}

static bool collect(ck_obj *o, void *ctx)
{
    used *u = ctx;
    if (streq(o->ns, u->ns) && streq(o->name, u->name)) return true;
    json_t *doc = ck_obj_parse(o);
    if (doc) mark_service(u, doc);
    json_decref(doc);
    return true;
}

static uint64_t random_u64(void)
{
    uint64_t x;
    if (getrandom(&x, sizeof x, 0) != sizeof x) x = (uint64_t)rand() * 2654435761u;
    return x;
}

/* A free index in [lo, hi] of bitmap b, scanning from a random start; -1 when full. */
static int64_t pick(const uint8_t *b, uint64_t lo, uint64_t hi)
{
    if (lo > hi) return -1;
    uint64_t n = hi - lo + 1, start = random_u64() % n;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t i = lo + (start + k) % n;
        if (!bit_get(b, i)) return (int64_t)i;
    }
    return -1;
}

/* ---- allocation ---------------------------------------------------------------------- */

static int invalid(const json_t *svc, const char *path, const json_t *value, const char *detail,
                   ck_err **err)
{
    ck_field_errors *fe = ck_ferrs_new();
    ck_ferr_invalid(fe, path, value, detail);
    const char *name = ck_obj_str(svc, "metadata.name");
    int r = ck_ferrs_to_err(fe, "Service", "", name ? name : "", err);
    ck_ferrs_free(fe);
    return r;
}

/* ipFamilyPolicy and ipFamilies for a single-stack cluster of the range's family. */
static int families(json_t *spec, const json_t *svc, const ck_ip_range *r, bool headless,
                    ck_err **err)
{
    const char *fam = r->family == 4 ? "IPv4" : "IPv6";
    const json_t *pol = json_object_get(spec, "ipFamilyPolicy");
    bool selectorless = !json_object_size(json_object_get(spec, "selector"));
    if (!pol) {
        pol = json_string(headless && selectorless ? "RequireDualStack" : "SingleStack");
        json_object_set_new(spec, "ipFamilyPolicy", (json_t *)pol);
    } else if (streq(json_string_value(pol), "RequireDualStack") && !(headless && selectorless)) {
        return invalid(svc, "spec.ipFamilyPolicy", pol,
                       "this cluster is not configured for dual-stack services", err);
    }
    json_t *fams = json_object_get(spec, "ipFamilies");
    size_t i;
    json_t *f;
    json_array_foreach(fams, i, f)
    {
        if (streq(json_string_value(f), fam)) continue;
        if (i > 0 && !streq(json_string_value(pol), "SingleStack")) {
            json_array_remove(fams, i); /* PreferDualStack on a single-stack cluster */
            break;
        }
        char p[48];
        snprintf(p, sizeof p, "spec.ipFamilies[%zu]", i);
        return invalid(svc, p, f, "not configured on this cluster", err);
    }
    if (!json_array_size(fams)) json_object_set_new(spec, "ipFamilies", json_pack("[s]", fam));
    return 0;
}

static int cluster_ip(used *u, json_t *spec, const json_t *svc, const json_t *old, ck_err **err)
{
    const char *ip = ck_obj_str(spec, "clusterIP");
    char buf[64];
    if (!ip || !*ip) {
        uint64_t lo, hi;
        usable(&u->r, &lo, &hi);
        int64_t off = pick(u->ips, lo + 1, hi); /* lo is the kubernetes Service's */
        if (off < 0)
            return ck_error(
                err, 500, CK_INTERNAL,
                "Internal error occurred: failed to allocate a serviceIP: range is full");
        ck_ip_range_addr(&u->r, (uint64_t)off, buf);
        bit_set(u->ips, (uint64_t)off);
        json_object_set_new(spec, "clusterIP", json_string(buf));
        json_object_set_new(spec, "clusterIPs", json_pack("[s]", buf));
        return 0;
    }
    if (!json_array_size(json_object_get(spec, "clusterIPs")))
        json_object_set_new(spec, "clusterIPs", json_pack("[s]", ip));
    if (streq(ip, "None") || streq(ip, ck_obj_str(old, "spec.clusterIP"))) return 0;
    int64_t off = ck_ip_range_offset(&u->r, ip);
    char *d = NULL;
    if (off < 0)
        d = xasprintf("failed to allocate IP %s: provided IP is not in the valid range. The range "
                      "of valid IPs is %s",
                      ip, u->r.cidr);
    else if (bit_get(u->ips, (uint64_t)off))
        d = xasprintf("failed to allocate IP %s: provided IP is already allocated", ip);
    if (!d) {
        bit_set(u->ips, (uint64_t)off);
        return 0;
    }
    int r = invalid(svc, "spec.clusterIPs", json_object_get(spec, "clusterIPs"), d, err);
    free(d);
    return r;
}

/* Checks a requested node port, or picks one; *port is updated. */
static int node_port(used *u, int lo, int hi, json_int_t *port, const json_t *svc, const char *path,
                     const char *what, ck_err **err)
{
    if (*port) {
        const char *d = NULL;
        char range[48];
        snprintf(range, sizeof range, "%d-%d", lo, hi);
        char *msg = NULL;
        if (*port < lo || *port > hi)
            d = msg = xasprintf("provided port is not in the valid range. The range of valid "
                                "ports is %s",
                                range);
        else if (bit_get(u->ports, (uint64_t)*port))
            d = "provided port is already allocated";
        int r = 0;
        if (d) {
            json_t *v = json_integer(*port);
            r = invalid(svc, path, v, d, err);
            json_decref(v);
        } else {
            bit_set(u->ports, (uint64_t)*port);
        }
        free(msg);
        return r;
    }
    int64_t p = pick(u->ports, (uint64_t)lo, (uint64_t)hi);
    if (p < 0)
        return ck_error(err, 500, CK_INTERNAL,
                        "Internal error occurred: failed to allocate a %s: range is full", what);
    bit_set(u->ports, (uint64_t)p);
    *port = p;
    return 0;
}

/* The node port a service port had in the old object (by name), if any. */
static json_int_t old_node_port(const json_t *old, json_int_t port)
{
    size_t i;
    json_t *p;
    json_array_foreach(ck_obj_get(old, "spec.ports"), i,
                       p) if (json_integer_value(json_object_get(p, "nodePort")) ==
                              port) return port;
    return 0;
}

int ck_service_alloc(ck_strategy_ctx *ctx, json_t *svc, const json_t *old, ck_err **err)
{
    json_t *spec = ck_obj_ensure(svc, "spec");
    const char *cidr =
        ctx && ctx->srv && ctx->srv->service_cidr ? ctx->srv->service_cidr : "10.0.0.0/24";
    const char *ports =
        ctx && ctx->srv && ctx->srv->node_port_range ? ctx->srv->node_port_range : "30000-32767";
    used *u = xcalloc(1, sizeof *u);
    int lo, hi, r = 0;
    if (ck_ip_range_parse(cidr, &u->r) < 0 || ck_port_range_parse(ports, &lo, &hi) < 0) {
        free(u);
        return ck_error(err, 500, CK_INTERNAL, "invalid service ranges %s / %s", cidr, ports);
    }
    u->ips = xcalloc(1, (size_t)(u->r.size / 8 + 1));
    u->ns = ck_obj_str(svc, "metadata.namespace");
    u->name = ck_obj_str(svc, "metadata.name");
    ck_rtype *rt = ck_registry_find("", "v1", "services");
    if (ctx && ctx->srv && ctx->srv->cache && rt)
        ck_cache_each(ctx->srv->cache, rt, NULL, NULL, collect, u);

    const char *type = ck_obj_str(spec, "type");
    if (!streq(type, "ExternalName")) {
        bool headless = streq(ck_obj_str(spec, "clusterIP"), "None");
        r = families(spec, svc, &u->r, headless, err);
        if (!r) r = cluster_ip(u, spec, svc, old, err);
    }
    bool np = streq(type, "NodePort"), lb = streq(type, "LoadBalancer");
    bool alloc =
        np || (lb && !json_is_false(json_object_get(spec, "allocateLoadBalancerNodePorts")));
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(spec, "ports"), i, p)
    {
        if (r || (!np && !lb)) break;
        json_int_t want = json_integer_value(json_object_get(p, "nodePort"));
        if (!want && !alloc) continue;
        if (want && old_node_port(old, want)) continue; /* kept from the old object */
        if (!want) { /* the same port number under another protocol shares its node port */
            size_t j;
            json_t *q;
            json_array_foreach(json_object_get(spec, "ports"), j,
                               q) if (j < i && json_integer_value(json_object_get(q, "port")) ==
                                                   json_integer_value(json_object_get(p, "port")))
                want = json_integer_value(json_object_get(q, "nodePort"));
            if (want) {
                json_object_set_new(p, "nodePort", json_integer(want));
                continue;
            }
        }
        char path[48];
        snprintf(path, sizeof path, "spec.ports[%zu].nodePort", i);
        r = node_port(u, lo, hi, &want, svc, path, "nodePort", err);
        if (!r) json_object_set_new(p, "nodePort", json_integer(want));
    }
    if (!r && lb && streq(ck_obj_str(spec, "externalTrafficPolicy"), "Local")) {
        json_int_t hc = json_integer_value(json_object_get(spec, "healthCheckNodePort"));
        if (!hc || hc != json_integer_value(ck_obj_get(old, "spec.healthCheckNodePort"))) {
            r = node_port(u, lo, hi, &hc, svc, "spec.healthCheckNodePort", "nodePort", err);
            if (!r) json_object_set_new(spec, "healthCheckNodePort", json_integer(hc));
        }
    }
    free(u->ips);
    free(u);
    return r;
}
