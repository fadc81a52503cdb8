/* Discovery: /api, /apis, /apis/<group>, /api/v1 and /apis/<group>/<version>, in the
 * legacy form and as aggregated discovery (apidiscovery.k8s.io/v2) when the client asks
 * for it, as kubectl does. Built from the registry. */
#include <stdio.h>

#include "apiserver/api.h"
#include "lib/util.h"

/* Subresources served so far (others appear once their handlers exist). */
static bool served_sub(const char *sub)
{
    return streq(sub, "status") || streq(sub, "scale") || streq(sub, "approval") ||
           streq(sub, "finalize") || streq(sub, "binding") || streq(sub, "eviction") ||
           streq(sub, "token");
}

/* The create-only `bindings` collection of core/v1 (rest_pod.c), served without a stored
 * type: its schema row when listing group/version, else NULL. */
static const ck_resource *legacy_bindings(const char *group, const char *version)
{
    if (*group || !streq(version, "v1")) return NULL;
    for (unsigned i = 0; i < ck_schema_nresources; i++)
        if (!*ck_schema_resources[i].group && streq(ck_schema_resources[i].plural, "bindings"))
            return &ck_schema_resources[i];
    return NULL;
}

static json_t *csv_array(const char *csv)
{
    json_t *a = json_array();
    for (const char *p = csv; p && *p;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if (n) json_array_append_new(a, json_stringn(p, n));
        p = c ? c + 1 : p + n;
    }
    return a;
}

/* Group and version of a subresource's kind (Scale lives in autoscaling/v1). */
static void sub_gv(const ck_rtype *rt, const ck_resource *sr, const char **g, const char **v)
{
    *g = rt->def->group;
    *v = rt->def->version;
    if (streq(sr->kind, "Scale")) {
        *g = "autoscaling";
        *v = "v1";
    } else if (streq(sr->kind, "Eviction")) {
        *g = "policy";
        *v = "v1";
    } else if (streq(sr->kind, "TokenRequest")) {
        *g = "authentication.k8s.io";
        *v = "v1";
    }
}

/* Calls fn for each served subresource schema entry of rt. */
static void each_sub(const ck_rtype *rt,
                     void (*fn)(const ck_rtype *, const ck_resource *, json_t *), json_t *acc)
{
    size_t n = strlen(rt->def->plural);
    for (unsigned i = 0; i < ck_schema_nresources; i++) {
        const ck_resource *sr = &ck_schema_resources[i];
        if (!streq(sr->group, rt->def->group) || !streq(sr->version, rt->def->version)) continue;
        if (strncmp(sr->plural, rt->def->plural, n) != 0 || sr->plural[n] != '/') continue;
        if (!served_sub(sr->plural + n + 1)) continue;
        fn(rt, sr, acc);
    }
}

static void legacy_sub(const ck_rtype *rt, const ck_resource *sr, json_t *list)
{
    const char *g, *v;
    sub_gv(rt, sr, &g, &v);
    json_t *e =
        json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", sr->plural, "singularName", "", "namespaced",
                  rt->res->namespaced, "kind", sr->kind, "verbs", csv_array(sr->verbs));
    if (!streq(g, rt->def->group) || !streq(v, rt->def->version)) {
        json_object_set_new(e, "group", json_string(g));
        json_object_set_new(e, "version", json_string(v));
    }
    json_array_append_new(list, e);
}

static json_t *resource_list(const char *group, const char *version)
{
    json_t *list = json_array();
    const ck_resource *b = legacy_bindings(group, version);
    if (b)
        json_array_append_new(list, json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", b->plural,
                                              "singularName", b->singular, "namespaced", true,
                                              "kind", b->kind, "verbs", csv_array(b->verbs)));
    for (unsigned i = 0; i < ck_registry_count(); i++) {
        ck_rtype *rt = ck_registry_at(i);
        if (!streq(rt->def->group, group) || !streq(rt->def->version, version)) continue;
        json_t *e = json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", rt->def->plural, "singularName",
                              rt->res->singular, "namespaced", rt->res->namespaced, "kind",
                              rt->res->kind, "verbs", csv_array(rt->res->verbs));
        if (*rt->res->short_names)
            json_object_set_new(e, "shortNames", csv_array(rt->res->short_names));
        if (*rt->res->categories)
            json_object_set_new(e, "categories", csv_array(rt->res->categories));
        json_array_append_new(list, e);
        each_sub(rt, legacy_sub, list);
    }
    return list;
}

static void aggr_sub(const ck_rtype *rt, const ck_resource *sr, json_t *list)
{
    const char *g, *v;
    sub_gv(rt, sr, &g, &v);
    size_t n = strlen(rt->def->plural);
    json_array_append_new(list, json_pack("{s:s, s:{s:s, s:s, s:s}, s:o}", "subresource",
                                          sr->plural + n + 1, "responseKind", "group", g, "version",
                                          v, "kind", sr->kind, "verbs", csv_array(sr->verbs)));
}

static json_t *aggr_version(const char *group, const char *version)
{
    json_t *res = json_array();
    const ck_resource *b = legacy_bindings(group, version);
    if (b)
        json_array_append_new(res,
                              json_pack("{s:s, s:{s:s, s:s, s:s}, s:s, s:s, s:o}", "resource",
                                        b->plural, "responseKind", "group", "", "version", "v1",
                                        "kind", b->kind, "scope", "Namespaced", "singularResource",
                                        b->singular, "verbs", csv_array(b->verbs)));
    for (unsigned i = 0; i < ck_registry_count(); i++) {
        ck_rtype *rt = ck_registry_at(i);
        if (!streq(rt->def->group, group) || !streq(rt->def->version, version)) continue;
        json_t *e =
            json_pack("{s:s, s:{s:s, s:s, s:s}, s:s, s:s, s:o}", "resource", rt->def->plural,
                      "responseKind", "group", group, "version", version, "kind", rt->res->kind,
                      "scope", rt->res->namespaced ? "Namespaced" : "Cluster", "singularResource",
                      rt->res->singular, "verbs", csv_array(rt->res->verbs));
        if (*rt->res->short_names)
            json_object_set_new(e, "shortNames", csv_array(rt->res->short_names));
        if (*rt->res->categories)
            json_object_set_new(e, "categories", csv_array(rt->res->categories));
        json_t *subs = json_array();
        each_sub(rt, aggr_sub, subs);
        if (json_array_size(subs))
            json_object_set_new(e, "subresources", subs);
        else
            json_decref(subs);
        json_array_append_new(res, e);
    }
    return json_pack("{s:s, s:o, s:s}", "version", version, "resources", res, "freshness",
                     "Current");
}

/* Groups in registry order, each once; versions in registry order (preferred first). */
static void each_group(bool core, void (*fn)(const char *group, json_t *acc), json_t *acc)
{
    for (unsigned i = 0; i < ck_registry_count(); i++) {
        const char *g = ck_registry_at(i)->def->group;
        if ((*g == 0) != core) continue;
        bool seen = false;
        for (unsigned k = 0; k < i && !seen; k++)
            seen = streq(ck_registry_at(k)->def->group, g);
        if (!seen) fn(g, acc);
    }
}

static json_t *group_versions(const char *group, bool aggregated)
{
    json_t *vs = json_array();
    for (unsigned i = 0; i < ck_registry_count(); i++) {
        ck_rtype *rt = ck_registry_at(i);
        if (!streq(rt->def->group, group)) continue;
        bool seen = false;
        for (unsigned k = 0; k < i && !seen; k++)
            seen = streq(ck_registry_at(k)->def->group, group) &&
                   streq(ck_registry_at(k)->def->version, rt->def->version);
        if (seen) continue;
        if (aggregated) {
            json_array_append_new(vs, aggr_version(group, rt->def->version));
        } else {
            char gv[128];
            snprintf(gv, sizeof gv, "%s/%s", group, rt->def->version);
            json_array_append_new(
                vs, json_pack("{s:s, s:s}", "groupVersion", gv, "version", rt->def->version));
        }
    }
    return vs;
}

static json_t *legacy_group(const char *group)
{
    json_t *vs = group_versions(group, false);
    json_t *pref = json_deep_copy(json_array_get(vs, 0));
    return json_pack("{s:s, s:o, s:o}", "name", group, "versions", vs, "preferredVersion", pref);
}

static void add_legacy_group(const char *group, json_t *acc)
{
    json_array_append_new(acc, legacy_group(group));
}

static void add_aggr_group(const char *group, json_t *acc)
{
    json_t *md = *group ? json_pack("{s:s, s:n}", "name", group, "creationTimestamp")
                        : json_pack("{s:n}", "creationTimestamp");
    json_array_append_new(
        acc, json_pack("{s:o, s:o}", "metadata", md, "versions", group_versions(group, true)));
}

#define AGGR_TYPE "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

static bool wants_aggregated(const ck_request *r)
{
    return r->accept && strstr(r->accept, "as=APIGroupDiscoveryList") &&
           strstr(r->accept, "v=v2;") != NULL;
}

static void send_aggregated(ck_request *r, bool core)
{
    json_t *items = json_array();
    each_group(core, add_aggr_group, items);
    json_t *doc = json_pack("{s:s, s:s, s:{}, s:o}", "kind", "APIGroupDiscoveryList", "apiVersion",
                            "apidiscovery.k8s.io/v2", "metadata", "items", items);
    char *s = json_dumps(doc, JSON_COMPACT);
    ck_send(r, 200, AGGR_TYPE, s, strlen(s));
    free(s);
    json_decref(doc);
}

bool ck_discovery_handle(ck_request *r)
{
    const char *p = r->path;
    if (!streq(r->method, "GET")) return false;
    if (streq(p, "/api") || streq(p, "/api/")) {
        if (wants_aggregated(r)) {
            send_aggregated(r, true);
            return true;
        }
        char addr[300];
        snprintf(addr, sizeof addr, "%s:%d",
                 r->srv->advertise_address ? r->srv->advertise_address : r->srv->bind_address,
                 r->srv->secure_port);
        ck_send_json(r, 200,
                     json_pack("{s:s, s:[s], s:[{s:s, s:s}]}", "kind", "APIVersions", "versions",
                               "v1", "serverAddressByClientCIDRs", "clientCIDR", "0.0.0.0/0",
                               "serverAddress", addr));
        return true;
    }
    if (streq(p, "/apis") || streq(p, "/apis/")) {
        if (wants_aggregated(r)) {
            send_aggregated(r, false);
            return true;
        }
        json_t *groups = json_array();
        each_group(false, add_legacy_group, groups);
        ck_send_json(r, 200,
                     json_pack("{s:s, s:s, s:o}", "kind", "APIGroupList", "apiVersion", "v1",
                               "groups", groups));
        return true;
    }
    if (streq(p, "/api/v1")) {
        ck_send_json(r, 200,
                     json_pack("{s:s, s:s, s:s, s:o}", "kind", "APIResourceList", "apiVersion",
                               "v1", "groupVersion", "v1", "resources", resource_list("", "v1")));
        return true;
    }
    if (has_prefix(p, "/apis/")) {
        char group[128] = "", version[64] = "";
        int n = sscanf(p, "/apis/%127[^/]/%63[^/]", group, version);
        if (n < 1 || !ck_registry_preferred_version(group) || !*group) return false;
        if (n == 1) {
            json_t *g = legacy_group(group);
            json_object_set_new(g, "kind", json_string("APIGroup"));
            json_object_set_new(g, "apiVersion", json_string("v1"));
            ck_send_json(r, 200, g);
            return true;
        }
        char want[256];
        snprintf(want, sizeof want, "/apis/%s/%s", group, version);
        if (!streq(p, want) && !(has_suffix(p, "/") && strncmp(p, want, strlen(want)) == 0))
            return false;
        json_t *list = resource_list(group, version);
        if (!json_array_size(list)) {
            json_decref(list);
            return false;
        }
        char gv[200];
        snprintf(gv, sizeof gv, "%s/%s", group, version);
        ck_send_json(r, 200,
                     json_pack("{s:s, s:s, s:s, s:o}", "kind", "APIResourceList", "apiVersion",
                               "v1", "groupVersion", gv, "resources", list));
        return true;
    }
    return false;
}
