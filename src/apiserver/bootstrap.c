/* Bootstrap objects and the in-server namespace controllers. */
#include "apiserver/bootstrap.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>

#include "admission/resourcequota.h"
#include "apiserver/cache.h"
#include "apiserver/objstore.h"
#include "lib/log.h"
#include "lib/util.h"

int ck_service_first_ip(const char *cidr, char out[64])
{
    char buf[64];
    const char *slash = strchr(cidr, '/');
    if (!slash || (size_t)(slash - cidr) >= sizeof buf) return -1;
    memcpy(buf, cidr, (size_t)(slash - cidr));
    buf[slash - cidr] = 0;
    int bits = atoi(slash + 1);
    unsigned char a[16];
    int fam = strchr(buf, ':') ? AF_INET6 : AF_INET;
    int width = fam == AF_INET ? 32 : 128;
    if (inet_pton(fam, buf, a) != 1 || bits < 1 || bits > width - 2) return -1;
    int len = width / 8;
    for (int i = len - 1; i >= 0; i--) /* network address + 1 */
        if (++a[i] != 0) break;
    return inet_ntop(fam, a, out, 64) ? 0 : -1;
}

static int ensure(ck_apiserver *srv, const char *group, const char *plural, const char *ns,
                  json_t *obj, ck_err **err)
{
    ck_rtype *rt = ck_registry_find(group, "v1", plural);
    const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
    int r = 0;
    if (!ck_cache_get(srv->cache, rt, ns, name)) {
        ck_written w = {0};
        ck_write_opts o = {.field_manager = "kube-apiserver", .operation = "Update"};
        r = ck_objstore_create(srv, rt, ns, obj, &o, &w, err);
        ck_written_clear(&w);
    }
    json_decref(obj);
    return r;
}

static int ensure_namespace(ck_apiserver *srv, const char *name, ck_err **err)
{
    return ensure(srv, "", "namespaces", NULL,
                  json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Namespace",
                            "metadata", "name", name),
                  err);
}

static bool usable(const char *a)
{
    return a && *a && !streq(a, "0.0.0.0") && !streq(a, "::") && !has_prefix(a, "127.") &&
           !streq(a, "::1");
}

/* The address in the `kubernetes` Endpoints: --advertise-address, else the bind address,
 * else the first non-loopback IPv4 address of this host (as upstream resolves it). */
static const char *advertise_address(ck_apiserver *srv, char buf[64])
{
    if (usable(srv->advertise_address)) return srv->advertise_address;
    if (usable(srv->bind_address)) return srv->bind_address;
    struct ifaddrs *ifs;
    if (getifaddrs(&ifs) < 0) return NULL;
    const char *out = NULL;
    for (struct ifaddrs *i = ifs; i && !out; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK) ||
            !(i->ifa_flags & IFF_UP))
            continue;
        if (inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf, 64)) out = buf;
    }
    freeifaddrs(ifs);
    return out;
}

int ck_bootstrap(ck_apiserver *srv, ck_err **err)
{
    static const char *const system_ns[] = {"default", "kube-system", "kube-public",
                                            "kube-node-lease"};
    for (size_t i = 0; i < ARRAY_SIZE(system_ns); i++)
        if (ensure_namespace(srv, system_ns[i], err) < 0) return -1;
    char ip[64];
    if (ck_service_first_ip(srv->service_cidr, ip) < 0)
        return ck_error(err, 400, CK_BAD_REQUEST, "invalid service range %s", srv->service_cidr);
    json_t *svc = json_pack(
        "{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}}, s:{s:s, s:[s], s:[{s:s, s:i, s:s, s:i}], "
        "s:s, s:s}}",
        "apiVersion", "v1", "kind", "Service", "metadata", "name", "kubernetes", "namespace",
        "default", "labels", "component", "apiserver", "provider", "kubernetes", "spec",
        "clusterIP", ip, "clusterIPs", ip, "ports", "name", "https", "port", 443, "protocol", "TCP",
        "targetPort", srv->secure_port, "sessionAffinity", "None", "type", "ClusterIP");
    if (ensure(srv, "", "services", "default", svc, err) < 0) return -1;
    char found[64];
    const char *addr = advertise_address(srv, found);
    if (!addr) {
        ck_log_warn("bootstrap: no non-loopback address to advertise; the kubernetes Endpoints "
                    "are not written (use --advertise-address)");
        ck_bootstrap_tick(srv);
        return 0;
    }
    json_t *ep =
        json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:[{s:[{s:s}], s:[{s:s, s:i, "
                  "s:s}]}]}",
                  "apiVersion", "v1", "kind", "Endpoints", "metadata", "name", "kubernetes",
                  "namespace", "default", "labels", "endpointslice.kubernetes.io/skip-mirror",
                  "true", "subsets", "addresses", "ip", addr, "ports", "name", "https", "port",
                  srv->secure_port, "protocol", "TCP");
    if (ensure(srv, "", "endpoints", "default", ep, err) < 0) return -1;
    ck_bootstrap_tick(srv);
    return 0;
}

/* ---- per-namespace objects and namespace deletion ---- */

static void ensure_namespace_content(ck_apiserver *srv, const char *ns)
{
    ck_err *err = NULL;
    json_t *sa = json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "v1", "kind", "ServiceAccount",
                           "metadata", "name", "default", "namespace", ns);
    if (ensure(srv, "", "serviceaccounts", ns, sa, &err) < 0)
        ck_log_warn("namespace %s: default serviceaccount: %s", ns, err->message);
    ck_err_free(err);
    err = NULL;
    json_t *cm = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:{s:s}}", "apiVersion", "v1", "kind",
                           "ConfigMap", "metadata", "name", "kube-root-ca.crt", "namespace", ns,
                           "annotations", "kubernetes.io/description",
                           "Contains a CA bundle that can be used to verify the kube-apiserver "
                           "when using internal endpoints such as the internal service IP or "
                           "kubernetes.default.svc. No other usage is guaranteed across "
                           "distributions of Kubernetes clusters.",
                           "data", "ca.crt", srv->ca_pem ? srv->ca_pem : "");
    if (ensure(srv, "", "configmaps", ns, cm, &err) < 0)
        ck_log_warn("namespace %s: kube-root-ca.crt: %s", ns, err->message);
    ck_err_free(err);
}

typedef struct ns_list {
    char **names;
    size_t n, cap;
    bool terminating;
} ns_list;

static bool collect_ns(ck_obj *o, void *ctx)
{
    ns_list *l = ctx;
    json_t *doc = ck_obj_parse(o);
    bool term = ck_obj_get(doc, "metadata.deletionTimestamp") != NULL;
    json_decref(doc);
    if (term != l->terminating) return true;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->names = xrealloc(l->names, l->cap * sizeof *l->names);
    }
    l->names[l->n++] = xstrdup(o->name);
    return true;
}

typedef struct obj_list {
    ck_obj **items;
    size_t n, cap;
} obj_list;

static bool collect_obj(ck_obj *o, void *ctx)
{
    obj_list *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->n++] = ck_obj_ref(o);
    return true;
}

/* Deletes everything in namespace ns; returns the number of objects still present. */
static size_t delete_content(ck_apiserver *srv, const char *ns)
{
    size_t left = 0;
    for (unsigned i = 0; i < ck_registry_count(); i++) {
        ck_rtype *rt = ck_registry_at(i);
        if (rt->storage != rt || !rt->res->namespaced) continue;
        obj_list l = {0};
        ck_cache_each(srv->cache, rt, ns, NULL, collect_obj, &l);
        for (size_t k = 0; k < l.n; k++) {
            ck_written w = {0};
            ck_err *err = NULL;
            if (ck_objstore_delete(srv, rt, l.items[k], NULL, NULL, &w, &err) < 0 || !w.deleted)
                left++;
            ck_err_free(err);
            ck_written_clear(&w);
            ck_obj_unref(l.items[k]);
        }
        free(l.items);
    }
    return left;
}

/* Removes the "kubernetes" entry from spec.finalizers once the namespace is empty. */
static void finalize_namespace(ck_apiserver *srv, const char *name)
{
    ck_rtype *rt = ck_registry_find("", "v1", "namespaces");
    ck_obj *o = ck_obj_ref(ck_cache_get(srv->cache, rt, NULL, name));
    if (!o) return;
    json_t *doc = ck_obj_parse(o);
    json_t *fin = ck_obj_get(doc, "spec.finalizers");
    json_t *keep = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(fin, i, v) if (!streq(json_string_value(v), "kubernetes"))
        json_array_append(keep, v);
    json_object_set_new(ck_obj_ensure(doc, "spec"), "finalizers", keep);
    ck_written w = {0};
    ck_err *err = NULL;
    int r = 0;
    if (json_array_size(keep) == 0 &&
        json_array_size(ck_obj_get(doc, "metadata.finalizers")) == 0) {
        char *key = ck_storage_key(rt, NULL, name);
        int64_t rev;
        r = srv->store->ops->del(srv->store, key, o->mod_rev, &rev, &err);
        free(key);
    } else {
        ck_write_opts opts = {.subresource = "finalize", .ignore_rv = true};
        r = ck_objstore_update(srv, rt, o, doc, &opts, &w, &err);
    }
    if (r < 0) ck_log_warn("namespace %s: finalize: %s", name, err->message);
    ck_err_free(err);
    ck_written_clear(&w);
    json_decref(doc);
    ck_obj_unref(o);
}

void ck_bootstrap_tick(ck_apiserver *srv)
{
    ck_rtype *nsrt = ck_registry_find("", "v1", "namespaces");
    ns_list live = {0}, term = {.terminating = true};
    ck_cache_each(srv->cache, nsrt, NULL, NULL, collect_ns, &live);
    ck_cache_each(srv->cache, nsrt, NULL, NULL, collect_ns, &term);
    ck_rtype *sa = ck_registry_find("", "v1", "serviceaccounts");
    ck_rtype *cm = ck_registry_find("", "v1", "configmaps");
    for (size_t i = 0; i < live.n; i++) {
        if (!ck_cache_get(srv->cache, sa, live.names[i], "default") ||
            !ck_cache_get(srv->cache, cm, live.names[i], "kube-root-ca.crt"))
            ensure_namespace_content(srv, live.names[i]);
        free(live.names[i]);
    }
    for (size_t i = 0; i < term.n; i++) {
        if (delete_content(srv, term.names[i]) == 0) finalize_namespace(srv, term.names[i]);
        free(term.names[i]);
    }
    free(live.names);
    free(term.names);
    ck_csr_signer_tick(srv);
    ck_quota_tick(srv);
}
