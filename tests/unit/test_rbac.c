/* Unit tests for RBAC: the bootstrap policy written into a real store and watch cache and
 * reconciled, decisions of the authorizer for the default roles (view, edit, admin,
 * cluster-admin, discovery, public-info-viewer, basic-user, controller roles), RoleBindings
 * to Roles and ClusterRoles, service-account subjects, resourceNames, subresources, "*\/x",
 * non-resource URLs, and the index following binding and role changes. Ends with a small
 * decisions-per-second measurement (printed, not asserted). */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "apiserver/cache.h"
#include "apiserver/objstore.h"
#include "apiserver/server.h"
#include "auth/rbac.h"
#include "lib/util.h"
#include "ut.h"
#include "ut_fixtures.h"

static char tmpdir[64];
static ck_apiserver srv;
static ck_authorizer *az;

static ck_rtype *rtype(const char *plural)
{
    const char *group = streq(plural, "namespaces") ? "" : "rbac.authorization.k8s.io";
    return ck_registry_find(group, "v1", plural);
}

static int put(const char *plural, const char *ns, const char *text)
{
    json_t *obj = js(text);
    ck_rtype *rt = rtype(plural);
    const char *name = ck_obj_str(obj, "metadata.name");
    const ck_obj *old = ck_cache_get(srv.cache, rt, ns, name);
    ck_write_opts o = {.ignore_rv = true};
    ck_written w = {0};
    ck_err *err = NULL;
    int r = old ? ck_objstore_update(&srv, rt, old, obj, &o, &w, &err)
                : ck_objstore_create(&srv, rt, ns, obj, &o, &w, &err);
    if (r < 0) fprintf(stderr, "put %s %s: %s\n", plural, name, err->message);
    ck_err_free(err);
    ck_written_clear(&w);
    json_decref(obj);
    return r;
}

/* Writes an object straight into storage, past validation (objects an older or other
 * server may have stored). */
static int put_raw(const char *plural, const char *ns, const char *text)
{
    json_t *obj = js(text);
    ck_rtype *rt = rtype(plural);
    char *key = ck_storage_key(rt, ns, ck_obj_str(obj, "metadata.name"));
    char *val = json_dumps(obj, JSON_COMPACT);
    int64_t rev;
    ck_err *err = NULL;
    int r = srv.store->ops->create(srv.store, key, val, strlen(val), &rev, &err);
    ck_err_free(err);
    free(val);
    free(key);
    json_decref(obj);
    return r;
}

static int del(const char *plural, const char *ns, const char *name)
{
    ck_rtype *rt = rtype(plural);
    const ck_obj *old = ck_cache_get(srv.cache, rt, ns, name);
    if (!old) return -1;
    ck_written w = {0};
    ck_err *err = NULL;
    int r = ck_objstore_delete(&srv, rt, old, NULL, false, &w, &err);
    ck_err_free(err);
    ck_written_clear(&w);
    return r;
}

static const char *const authed[] = {"system:authenticated", NULL};
static const char *const anon[] = {"system:unauthenticated", NULL};
static const char *const masters[] = {"system:masters", "system:authenticated", NULL};

/* Resource request: allowed? group/resource/subresource/name may be "". */
static bool can(const char *user, const char *const *groups, const char *verb, const char *ns,
                const char *group, const char *resource, const char *sub, const char *name)
{
    ck_authz_attrs at = {.user = user,
                         .groups = groups,
                         .verb = verb,
                         .resource_request = true,
                         .ns = ns,
                         .group = group,
                         .version = "v1",
                         .resource = resource,
                         .subresource = sub,
                         .name = name,
                         .path = ""};
    char *reason = NULL;
    ck_authz_decision d = az->authorize(az, &at, &reason);
    if (d == CK_AUTHZ_ALLOW && reason) CHECK(has_prefix(reason, "RBAC: allowed by "));
    free(reason);
    return d == CK_AUTHZ_ALLOW;
}

static bool url(const char *user, const char *const *groups, const char *verb, const char *path)
{
    ck_authz_attrs at = {.user = user, .groups = groups, .verb = verb, .path = path};
    return az->authorize(az, &at, NULL) == CK_AUTHZ_ALLOW;
}

#define BIND(name, ns, kind, role, subjects)                                                       \
    put("rolebindings", ns,                                                                        \
        "{'metadata':{'name':'" name "','namespace':'" ns "'},'roleRef':{'apiGroup':"              \
        "'rbac.authorization.k8s.io','kind':'" kind "','name':'" role "'},'subjects':" subjects    \
        "}")
#define USER(n) "[{'apiGroup':'rbac.authorization.k8s.io','kind':'User','name':'" n "'}]"

static void test_rule_matching(void)
{
    ck_authz_attrs at = {.user = "u",
                         .verb = "get",
                         .resource_request = true,
                         .ns = "ns1",
                         .group = "apps",
                         .resource = "deployments",
                         .subresource = "scale",
                         .name = "web"};
    json_t *r = js("{'verbs':['get'],'apiGroups':['*'],'resources':['*/scale']}");
    CHECK(ck_rbac_rule_allows(r, &at));
    json_decref(r);
    r = js("{'verbs':['get'],'apiGroups':['apps'],'resources':['deployments']}");
    CHECK(!ck_rbac_rule_allows(r, &at)); /* the subresource must be named */
    json_decref(r);
    r = js("{'verbs':['*'],'apiGroups':['apps'],'resources':['deployments/*']}");
    CHECK(!ck_rbac_rule_allows(r, &at)); /* upstream has no resource-prefix wildcard */
    json_decref(r);
    r = js("{'verbs':['get'],'apiGroups':['apps'],'resources':['deployments/scale'],"
           "'resourceNames':['web']}");
    CHECK(ck_rbac_rule_allows(r, &at));
    at.name = "db";
    CHECK(!ck_rbac_rule_allows(r, &at));
    at.name = "";
    CHECK(!ck_rbac_rule_allows(r, &at));
    json_decref(r);
    r = js("{'verbs':['get'],'nonResourceURLs':['/logs/*']}");
    ck_authz_attrs nr = {.user = "u", .verb = "get", .path = "/logs/kube.log"};
    CHECK(ck_rbac_rule_allows(r, &nr));
    nr.path = "/logs";
    CHECK(!ck_rbac_rule_allows(r, &nr));
    CHECK(!ck_rbac_rule_allows(r, &at)); /* URL rules never match resource requests */
    json_decref(r);
    CHECK(!ck_rbac_rule_allows(NULL, &at));
    r = js("{'verbs':[1,'get'],'apiGroups':'apps','resources':[null]}");
    CHECK(!ck_rbac_rule_allows(r, &at));
    json_decref(r);

    /* covers: upstream's atom breakdown */
    json_t *owner =
        js("[{'verbs':['get','list'],'apiGroups':[''],'resources':['pods','*/scale']}]");
    json_t *missing = NULL;
    json_t *sub = js("{'verbs':['get'],'apiGroups':[''],'resources':['pods','rc/scale']}");
    CHECK(ck_rbac_covers(owner, sub, NULL));
    json_decref(sub);
    sub = js("{'verbs':['get','watch'],'apiGroups':[''],'resources':['pods']}");
    CHECK(!ck_rbac_covers(owner, sub, &missing));
    CHECK_INT(json_array_size(missing), 1);
    CHECK_STR(json_string_value(json_array_get(ck_obj_get(json_array_get(missing, 0), "verbs"), 0)),
              "watch");
    json_decref(missing);
    json_decref(sub);
    json_decref(owner);
}

static void test_bootstrap(void)
{
    CHECK_INT(ck_rbac_bootstrap(&srv), 0);
    ck_rtype *cr = rtype("clusterroles"), *crb = rtype("clusterrolebindings");
    CHECK_INT(ck_cache_count(srv.cache, cr, NULL), ck_policy_ncluster_roles);
    CHECK(ck_cache_count(srv.cache, crb, NULL) > ck_policy_ncluster_bindings + 30);
    int64_t rev = ck_cache_rev(srv.cache);
    CHECK_INT(ck_rbac_bootstrap(&srv), 0); /* idempotent: nothing written */
    CHECK_INT(ck_cache_rev(srv.cache), rev);

    json_t *view = ck_obj_parse(ck_cache_get(srv.cache, cr, NULL, "view"));
    json_t *labels = ck_obj_get(view, "metadata.labels");
    CHECK_STR(json_string_value(json_object_get(labels, "kubernetes.io/bootstrapping")),
              "rbac-defaults");
    CHECK_STR(
        json_string_value(json_object_get(labels, "rbac.authorization.k8s.io/aggregate-to-edit")),
        "true");
    CHECK_STR(json_string_value(json_object_get(ck_obj_get(view, "metadata.annotations"),
                                                "rbac.authorization.kubernetes.io/autoupdate")),
              "true");
    CHECK(json_array_size(ck_obj_get(view, "aggregationRule.clusterRoleSelectors")) == 1);
    json_decref(view);
    json_t *b =
        ck_obj_parse(ck_cache_get(srv.cache, crb, NULL, "system:controller:deployment-controller"));
    json_t *s = json_array_get(ck_obj_get(b, "subjects"), 0);
    CHECK_STR(ck_obj_str(s, "kind"), "ServiceAccount");
    CHECK_STR(ck_obj_str(s, "namespace"), "kube-system");
    CHECK_STR(ck_obj_str(s, "name"), "deployment-controller");
    json_decref(b);

    /* reconciliation: lost rules and subjects come back, extra ones stay */
    CHECK_INT(put("clusterroles", NULL,
                  "{'metadata':{'name':'system:kube-dns','annotations':{'rbac.authorization."
                  "kubernetes.io/autoupdate':'true'}},'rules':[{'verbs':['list'],'apiGroups':"
                  "[''],'resources':['services','configmaps']}]}"),
              0);
    CHECK_INT(put("clusterroles", NULL,
                  "{'metadata':{'name':'system:heapster','annotations':{'rbac.authorization."
                  "kubernetes.io/autoupdate':'false'}},'rules':[]}"),
              0);
    CHECK_INT(put("clusterrolebindings", NULL,
                  "{'metadata':{'name':'system:discovery'},'roleRef':{'apiGroup':'rbac."
                  "authorization.k8s.io','kind':'ClusterRole','name':'system:discovery'},"
                  "'subjects':" USER("extra") "}"),
              0);
    CHECK_INT(ck_rbac_bootstrap(&srv), 0);
    json_t *dns = ck_obj_parse(ck_cache_get(srv.cache, cr, NULL, "system:kube-dns"));
    json_t *want = js("{'verbs':['list','watch'],'apiGroups':[''],'resources':['endpoints',"
                      "'services']}");
    CHECK(ck_rbac_covers(ck_obj_get(dns, "rules"), want, NULL));
    json_t *extra = js("{'verbs':['list'],'apiGroups':[''],'resources':['configmaps']}");
    CHECK(ck_rbac_covers(ck_obj_get(dns, "rules"), extra, NULL));
    CHECK(json_object_get(ck_obj_get(dns, "metadata.labels"), "kubernetes.io/bootstrapping"));
    json_decref(extra);
    json_decref(want);
    json_decref(dns);
    json_t *hp = ck_obj_parse(ck_cache_get(srv.cache, cr, NULL, "system:heapster"));
    CHECK_INT(json_array_size(ck_obj_get(hp, "rules")), 0); /* autoupdate=false: untouched */
    json_decref(hp);
    json_t *disc = ck_obj_parse(ck_cache_get(srv.cache, crb, NULL, "system:discovery"));
    CHECK_INT(json_array_size(ck_obj_get(disc, "subjects")), 2);
    json_decref(disc);
}

static void test_default_roles(void)
{
    CHECK_INT(BIND("alice-view", "ns1", "ClusterRole", "view", USER("alice")), 0);
    CHECK_INT(BIND("bob-edit", "ns1", "ClusterRole", "edit", USER("bob")), 0);
    CHECK_INT(BIND("carol-admin", "ns1", "ClusterRole", "admin", USER("carol")), 0);

    /* view */
    CHECK(can("alice", authed, "get", "ns1", "", "pods", "", "p"));
    CHECK(can("alice", authed, "list", "ns1", "", "pods", "", ""));
    CHECK(can("alice", authed, "watch", "ns1", "", "pods", "", ""));
    CHECK(can("alice", authed, "get", "ns1", "", "pods", "log", "p"));
    CHECK(can("alice", authed, "get", "ns1", "apps", "deployments", "scale", "d"));
    CHECK(can("alice", authed, "get", "ns1", "", "namespaces", "", "ns1"));
    CHECK(!can("alice", authed, "create", "ns1", "", "pods", "", ""));
    CHECK(!can("alice", authed, "get", "ns1", "", "secrets", "", "s"));
    CHECK(!can("alice", authed, "get", "ns1", "", "pods", "exec", "p"));
    CHECK(!can("alice", authed, "get", "ns2", "", "pods", "", "p")); /* other namespace */
    CHECK(!can("alice", authed, "list", "", "", "pods", "", ""));    /* all namespaces */
    CHECK(!can("alice", authed, "get", "ns1", "rbac.authorization.k8s.io", "roles", "", "r"));
    /* edit */
    CHECK(can("bob", authed, "create", "ns1", "apps", "deployments", "", ""));
    CHECK(can("bob", authed, "patch", "ns1", "apps", "deployments", "scale", "d"));
    CHECK(can("bob", authed, "get", "ns1", "", "secrets", "", "s"));
    CHECK(can("bob", authed, "create", "ns1", "", "pods", "eviction", "p"));
    CHECK(can("bob", authed, "create", "ns1", "", "serviceaccounts", "token", "default"));
    CHECK(can("bob", authed, "impersonate", "ns1", "", "serviceaccounts", "", "default"));
    CHECK(can("bob", authed, "delete", "ns1", "coordination.k8s.io", "leases", "", "l"));
    CHECK(!can("bob", authed, "create", "ns1", "rbac.authorization.k8s.io", "roles", "", ""));
    CHECK(!can("bob", authed, "update", "ns1", "", "resourcequotas", "", "q"));
    CHECK(!can("bob", authed, "update", "ns1", "", "pods", "status", "p"));
    /* admin */
    CHECK(can("carol", authed, "create", "ns1", "rbac.authorization.k8s.io", "roles", "", ""));
    CHECK(can("carol", authed, "delete", "ns1", "rbac.authorization.k8s.io", "rolebindings", "",
              "x"));
    CHECK(can("carol", authed, "create", "ns1", "authorization.k8s.io", "localsubjectaccessreviews",
              "", ""));
    CHECK(can("carol", authed, "get", "ns1", "", "resourcequotas", "", "q"));
    CHECK(!can("carol", authed, "create", "ns1", "", "resourcequotas", "", ""));
    CHECK(!can("carol", authed, "create", "ns1", "", "limitranges", "", ""));
    CHECK(!can("carol", authed, "delete", "", "", "namespaces", "", "ns1"));
    /* cluster-admin through the system:masters group */
    CHECK(can("root", masters, "delete", "", "", "nodes", "", "n1"));
    CHECK(
        can("root", masters, "escalate", "", "rbac.authorization.k8s.io", "clusterroles", "", "x"));
    CHECK(url("root", masters, "post", "/anything"));
    /* and through a ClusterRoleBinding to a user, without the short cut */
    CHECK_INT(
        put("clusterrolebindings", NULL,
            "{'metadata':{'name':'dave-admin'},'roleRef':{'apiGroup':'rbac.authorization."
            "k8s.io','kind':'ClusterRole','name':'cluster-admin'},'subjects':" USER("dave") "}"),
        0);
    CHECK(can("dave", authed, "delete", "", "", "nodes", "", "n1"));
    CHECK(can("dave", authed, "get", "ns9", "", "secrets", "", "x"));
    CHECK(url("dave", authed, "get", "/metrics"));
}

static void test_non_resource(void)
{
    CHECK(url("system:anonymous", anon, "get", "/healthz"));
    CHECK(url("system:anonymous", anon, "get", "/version"));
    CHECK(url("system:anonymous", anon, "get", "/livez"));
    CHECK(!url("system:anonymous", anon, "get", "/api"));
    CHECK(!url("system:anonymous", anon, "post", "/healthz"));
    CHECK(!url("system:anonymous", anon, "get", "/healthz/etcd"));
    CHECK(!can("system:anonymous", anon, "get", "", "", "namespaces", "", "default"));
    CHECK(url("alice", authed, "get", "/api"));
    CHECK(url("alice", authed, "get", "/api/v1"));
    CHECK(url("alice", authed, "get", "/apis/apps/v1"));
    CHECK(url("alice", authed, "get", "/openapi/v3"));
    CHECK(!url("alice", authed, "get", "/metrics"));
    CHECK(!url("alice", authed, "get", "/logs"));
    CHECK(can("alice", authed, "create", "", "authorization.k8s.io", "selfsubjectaccessreviews", "",
              ""));
    CHECK(
        can("alice", authed, "create", "", "authentication.k8s.io", "selfsubjectreviews", "", ""));
    CHECK(!can("alice", NULL, "create", "", "authorization.k8s.io", "selfsubjectaccessreviews", "",
               ""));
}

static void test_bindings(void)
{
    /* a Role with resourceNames, subresources and */
    CHECK_INT(put("roles", "ns1",
                  "{'metadata':{'name':'narrow','namespace':'ns1'},'rules':["
                  "{'verbs':['get','update'],'apiGroups':[''],'resources':['configmaps'],"
                  "'resourceNames':['one']},"
                  "{'verbs':['get'],'apiGroups':[''],'resources':['pods/status']},"
                  "{'verbs':['update'],'apiGroups':['*'],'resources':['*/scale']},"
                  "{'verbs':['create','list'],'apiGroups':[''],'resources':['secrets'],"
                  "'resourceNames':['s']}]}"),
              0);
    CHECK_INT(BIND("erin-narrow", "ns1", "Role", "narrow", USER("erin")), 0);
    CHECK(can("erin", authed, "get", "ns1", "", "configmaps", "", "one"));
    CHECK(can("erin", authed, "update", "ns1", "", "configmaps", "", "one"));
    CHECK(!can("erin", authed, "get", "ns1", "", "configmaps", "", "two"));
    CHECK(!can("erin", authed, "list", "ns1", "", "configmaps", "", ""));
    CHECK(!can("erin", authed, "delete", "ns1", "", "configmaps", "", "one"));
    CHECK(!can("erin", authed, "create", "ns1", "", "secrets", "", ""));
    CHECK(!can("erin", authed, "list", "ns1", "", "secrets", "", ""));
    CHECK(can("erin", authed, "get", "ns1", "", "pods", "status", "p"));
    CHECK(!can("erin", authed, "get", "ns1", "", "pods", "", "p"));
    CHECK(can("erin", authed, "update", "ns1", "apps", "deployments", "scale", "d"));
    CHECK(can("erin", authed, "update", "ns1", "", "replicationcontrollers", "scale", "r"));
    CHECK(!can("erin", authed, "update", "ns1", "apps", "deployments", "", "d"));
    CHECK(!can("erin", authed, "update", "ns2", "apps", "deployments", "scale", "d"));

    /* a RoleBinding to a ClusterRole grants only in its namespace */
    CHECK_INT(BIND("frank-edit", "ns2", "ClusterRole", "edit", USER("frank")), 0);
    CHECK(can("frank", authed, "create", "ns2", "", "pods", "", ""));
    CHECK(!can("frank", authed, "create", "ns1", "", "pods", "", ""));
    CHECK(!can("frank", authed, "list", "", "", "pods", "", ""));
    /* a RoleBinding cannot reach a Role of another namespace */
    CHECK_INT(BIND("ivan-narrow", "ns2", "Role", "narrow", USER("ivan")), 0);
    CHECK(!can("ivan", authed, "get", "ns2", "", "pods", "status", "p"));
    /* a ClusterRoleBinding to a Role is ignored */
    CHECK_INT(put_raw("clusterrolebindings", NULL,
                      "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'ClusterRoleBinding',"
                      "'metadata':{'name':'bad'},'roleRef':{'apiGroup':'rbac.authorization.k8s.io',"
                      "'kind':'Role','name':'narrow'},'subjects':" USER("henry") "}"),
              0);
    CHECK(!can("henry", authed, "get", "ns1", "", "pods", "status", "p"));

    /* service accounts: the subject's namespace defaults to the RoleBinding's */
    CHECK_INT(BIND("sa-view", "ns1", "ClusterRole", "view",
                   "[{'kind':'ServiceAccount','name':'builder'}]"),
              0);
    CHECK(can("system:serviceaccount:ns1:builder", authed, "list", "ns1", "", "pods", "", ""));
    CHECK(!can("system:serviceaccount:ns2:builder", authed, "list", "ns1", "", "pods", "", ""));
    CHECK(!can("builder", authed, "list", "ns1", "", "pods", "", ""));
    CHECK_INT(
        put_raw("clusterrolebindings", NULL,
                "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'ClusterRoleBinding',"
                "'metadata':{'name':'sa-nons'},'roleRef':{'apiGroup':'rbac.authorization.k8s."
                "io','kind':'ClusterRole','name':'view'},'subjects':[{'kind':'ServiceAccount',"
                "'name':'lost'},{'kind':'ServiceAccount','name':'ci','namespace':'tools'}]}"),
        0);
    CHECK(!can("system:serviceaccount::lost", authed, "list", "ns1", "", "pods", "", ""));
    CHECK(can("system:serviceaccount:tools:ci", authed, "list", "ns3", "", "pods", "", ""));
    /* controller and component roles */
    const char *dc = "system:serviceaccount:kube-system:deployment-controller";
    CHECK(can(dc, authed, "update", "ns1", "apps", "deployments", "status", "d"));
    CHECK(can(dc, authed, "create", "ns1", "apps", "replicasets", "", ""));
    CHECK(!can(dc, authed, "delete", "", "", "nodes", "", "n1"));
    CHECK(can("system:kube-scheduler", authed, "create", "ns1", "", "pods", "binding", "p"));
    CHECK(can("system:kube-scheduler", authed, "update", "", "", "persistentvolumes", "", "pv"));
    CHECK(can("system:kube-scheduler", authed, "update", "kube-system", "coordination.k8s.io",
              "leases", "", "kube-scheduler"));
    /* the ClusterRole names its lease; only kube-system's leader-locking Role (upstream's
     * namespace policy) grants the scheduler other leases there */
    CHECK(!can("system:kube-scheduler", authed, "update", "ns1", "coordination.k8s.io", "leases",
               "", "other"));
    CHECK(can("system:kube-scheduler", authed, "update", "kube-system", "coordination.k8s.io",
              "leases", "", "other"));
    CHECK(can("system:kube-proxy", authed, "watch", "", "discovery.k8s.io", "endpointslices", "",
              ""));
    CHECK(can("system:kube-controller-manager", authed, "list", "", "apps", "deployments", "", ""));
    CHECK(!can("system:node:n1", authed, "get", "", "", "nodes", "", "n1")); /* not bound */
}

static void test_updates(void)
{
    /* subjects change: alice out, grace in */
    CHECK(can("alice", authed, "get", "ns1", "", "pods", "", "p"));
    CHECK_INT(BIND("alice-view", "ns1", "ClusterRole", "view", USER("grace")), 0);
    CHECK(!can("alice", authed, "get", "ns1", "", "pods", "", "p"));
    CHECK(can("grace", authed, "get", "ns1", "", "pods", "", "p"));
    CHECK_INT(del("rolebindings", "ns1", "alice-view"), 0);
    CHECK(!can("grace", authed, "get", "ns1", "", "pods", "", "p"));
    /* a role's rules change */
    CHECK(!can("erin", authed, "delete", "ns1", "", "configmaps", "", "one"));
    CHECK_INT(put("roles", "ns1",
                  "{'metadata':{'name':'narrow','namespace':'ns1'},'rules':["
                  "{'verbs':['delete'],'apiGroups':[''],'resources':['configmaps']}]}"),
              0);
    CHECK(can("erin", authed, "delete", "ns1", "", "configmaps", "", "one"));
    CHECK(!can("erin", authed, "get", "ns1", "", "pods", "status", "p"));
    /* the role goes away, then comes back */
    CHECK_INT(del("roles", "ns1", "narrow"), 0);
    CHECK(!can("erin", authed, "delete", "ns1", "", "configmaps", "", "one"));
    CHECK_INT(put("roles", "ns1",
                  "{'metadata':{'name':'narrow','namespace':'ns1'},'rules':["
                  "{'verbs':['*'],'apiGroups':[''],'resources':['configmaps']}]}"),
              0);
    CHECK(can("erin", authed, "watch", "ns1", "", "configmaps", "", ""));
    /* the reason names the binding */
    ck_authz_attrs at = {.user = "bob",
                         .groups = authed,
                         .verb = "get",
                         .resource_request = true,
                         .ns = "ns1",
                         .group = "",
                         .resource = "pods",
                         .subresource = "",
                         .name = "p"};
    char *reason = NULL;
    CHECK_INT(az->authorize(az, &at, &reason), CK_AUTHZ_ALLOW);
    CHECK_STR(reason,
              "RBAC: allowed by RoleBinding \"bob-edit/ns1\" of ClusterRole \"edit\" to User "
              "\"bob\"");
    free(reason);
}

static double rate(const char *user, const char *const *groups, const char *verb,
                   const char *resource, long n)
{
    ck_authz_attrs at = {.user = user,
                         .groups = groups,
                         .verb = verb,
                         .resource_request = true,
                         .ns = "ns1",
                         .group = "",
                         .resource = resource,
                         .subresource = "",
                         .name = "p"};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long allowed = 0;
    for (long i = 0; i < n; i++)
        allowed += az->authorize(az, &at, NULL) == CK_AUTHZ_ALLOW;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    (void)allowed;
    return (double)n / s;
}

static void bench(void)
{
    long n = 200000;
    printf("rbac decisions/s: edit get pods %.0f, edit create resourcequotas (no opinion) "
           "%.0f, admin create roles %.0f, system:masters %.0f\n",
           rate("bob", authed, "get", "pods", n),
           rate("bob", authed, "create", "resourcequotas", n),
           rate("carol", authed, "create", "roles", n), rate("root", masters, "get", "pods", n));
}

int main(void)
{
    ck_registry_init();
    test_rule_matching();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ckube-rbactest-XXXXXX");
    if (!mkdtemp(tmpdir)) return 2;
    char *db = xasprintf("%s/state.db", tmpdir);
    ck_err *err = NULL;
    if (ck_store_sqlite_open(db, &srv.store, &err) < 0 ||
        ck_cache_open(srv.store, &srv.cache, &err) < 0) {
        fprintf(stderr, "store: %s\n", err->message);
        return 2;
    }
    free(db);
    for (int i = 1; i <= 3; i++) {
        char *ns = xasprintf("{'metadata':{'name':'ns%d'}}", i);
        CHECK_INT(put("namespaces", NULL, ns), 0);
        free(ns);
    }
    az = ck_rbac_authorizer_new(&srv);
    test_bootstrap();
    test_default_roles();
    test_non_resource();
    test_bindings();
    test_updates();
    bench();
    az->free(az);
    ck_cache_free(srv.cache);
    srv.store->ops->close(srv.store);
    nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    return UT_DONE();
}
