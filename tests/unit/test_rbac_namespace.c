/* Unit tests for the namespaced bootstrap RBAC policy (upstream's namespace_policy.go): the
 * Roles and RoleBindings of kube-system and kube-public as objects (rules and subjects as
 * upstream's testdata has them, labels, annotations), their creation by ck_rbac_bootstrap in
 * a store where the namespaces do not exist yet, the decisions they give the control-plane
 * users and service accounts, reconciliation (missing rules and subjects restored, extra ones
 * kept, autoupdate=false respected, deleted objects recreated), and a namespace being deleted
 * at start-up (skipped, not fatal). */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "apiserver/cache.h"
#include "apiserver/objstore.h"
#include "apiserver/server.h"
#include "auth/rbac.h"
#include "lib/util.h"
#include "ut.h"
#include "ut_fixtures.h"

#define AUTOUPDATE "rbac.authorization.kubernetes.io/autoupdate"

static char tmpdir[64];
static ck_apiserver srv;
static ck_authorizer *az;

static ck_rtype *rtype(const char *plural)
{
    const char *group = streq(plural, "namespaces") ? "" : "rbac.authorization.k8s.io";
    return ck_registry_find(group, "v1", plural);
}

static json_t *get(const char *plural, const char *ns, const char *name)
{
    const ck_obj *o = ck_cache_get(srv.cache, rtype(plural), ns, name);
    return o ? ck_obj_parse(o) : NULL;
}

static int put(const char *plural, const char *ns, const char *text)
{
    json_t *obj = js(text);
    ck_rtype *rt = rtype(plural);
    const ck_obj *old = ck_cache_get(srv.cache, rt, ns, ck_obj_str(obj, "metadata.name"));
    ck_write_opts o = {.ignore_rv = true};
    ck_written w = {0};
    ck_err *err = NULL;
    int r = old ? ck_objstore_update(&srv, rt, old, obj, &o, &w, &err)
                : ck_objstore_create(&srv, rt, ns, obj, &o, &w, &err);
    if (r < 0) fprintf(stderr, "put %s: %s\n", plural, err->message);
    ck_err_free(err);
    ck_written_clear(&w);
    json_decref(obj);
    return r;
}

static int del(const char *plural, const char *ns, const char *name)
{
    const ck_obj *old = ck_cache_get(srv.cache, rtype(plural), ns, name);
    if (!old) return -1;
    ck_written w = {0};
    ck_err *err = NULL;
    int r = ck_objstore_delete(&srv, rtype(plural), old, NULL, false, &w, &err);
    ck_err_free(err);
    ck_written_clear(&w);
    return r;
}

/* True if the JSON `have` equals the single-quoted JSON text `want`. */
static bool same(const json_t *have, const char *want)
{
    json_t *w = js(want);
    bool eq = json_equal(have, w);
    if (!eq) {
        char *h = json_dumps(have, JSON_COMPACT | JSON_SORT_KEYS);
        fprintf(stderr, "  have: %s\n  want: %s\n", h ? h : "(null)", want);
        free(h);
    }
    json_decref(w);
    return eq;
}

static const ck_policy_ns_role *find_role(const char *ns, const char *name)
{
    for (unsigned i = 0; i < ck_policy_nns_roles; i++)
        if (streq(ck_policy_ns_roles[i].ns, ns) && streq(ck_policy_ns_roles[i].role.name, name))
            return &ck_policy_ns_roles[i];
    return NULL;
}

static const ck_policy_ns_binding *find_binding(const char *ns, const char *name)
{
    for (unsigned i = 0; i < ck_policy_nns_bindings; i++)
        if (streq(ck_policy_ns_bindings[i].ns, ns) &&
            streq(ck_policy_ns_bindings[i].binding.name, name))
            return &ck_policy_ns_bindings[i];
    return NULL;
}

#define EVENTS_RULE                                                                                \
    "{'verbs':['create','patch','update'],'apiGroups':['','events.k8s.io'],'resources':["          \
    "'events']}"
#define LEADER_RULES(name)                                                                         \
    "[{'verbs':['watch'],'apiGroups':[''],'resources':['configmaps']},"                            \
    "{'verbs':['get','update'],'apiGroups':[''],'resources':['configmaps'],'resourceNames':["      \
    "'" name "']},"                                                                                \
    "{'verbs':['create','get','list','update','watch'],'apiGroups':['coordination.k8s.io'],"       \
    "'resources':['leases']},"                                                                     \
    "{'verbs':['create','get','list','update','watch'],'apiGroups':['coordination.k8s.io'],"       \
    "'resources':['leasecandidates']}]"

/* The rules of every namespaced role, spelled as upstream's testdata/namespace-roles.yaml
 * (1.34: the leader-locking roles still carry the ConfigMap lock). */
static const struct {
    const char *ns, *name, *rules;
} want_roles[] = {
    {"kube-public", "system:controller:bootstrap-signer",
     "[{'verbs':['get','list','watch'],'apiGroups':[''],'resources':['configmaps']},"
     "{'verbs':['update'],'apiGroups':[''],'resources':['configmaps'],'resourceNames':["
     "'cluster-info']}," EVENTS_RULE "]"},
    {"kube-system", "extension-apiserver-authentication-reader",
     "[{'verbs':['get','list','watch'],'apiGroups':[''],'resources':['configmaps'],"
     "'resourceNames':['extension-apiserver-authentication']}]"},
    {"kube-system", "system::leader-locking-kube-controller-manager",
     LEADER_RULES("kube-controller-manager")},
    {"kube-system", "system::leader-locking-kube-scheduler", LEADER_RULES("kube-scheduler")},
    {"kube-system", "system:controller:bootstrap-signer",
     "[{'verbs':['get','list','watch'],'apiGroups':[''],'resources':['secrets']}]"},
    {"kube-system", "system:controller:cloud-provider",
     "[{'verbs':['create','get','list','watch'],'apiGroups':[''],'resources':['configmaps']}]"},
    {"kube-system", "system:controller:token-cleaner",
     "[{'verbs':['delete','get','list','watch'],'apiGroups':[''],'resources':['secrets']},"
     "" EVENTS_RULE "]"},
};

#define U(n) "{'apiGroup':'rbac.authorization.k8s.io','kind':'User','name':'" n "'}"
#define SA(n) "{'kind':'ServiceAccount','name':'" n "','namespace':'kube-system'}"

/* The bindings, as upstream's testdata/namespace-role-bindings.yaml. */
static const struct {
    const char *ns, *name, *role, *subjects;
} want_bindings[] = {
    {"kube-public", "system:controller:bootstrap-signer", "system:controller:bootstrap-signer",
     "[" SA("bootstrap-signer") "]"},
    {"kube-system", "system::extension-apiserver-authentication-reader",
     "extension-apiserver-authentication-reader",
     "[" U("system:kube-controller-manager") "," U("system:kube-scheduler") "]"},
    {"kube-system", "system::leader-locking-kube-controller-manager",
     "system::leader-locking-kube-controller-manager",
     "[" U("system:kube-controller-manager") "," SA("kube-controller-manager") "," SA(
         "leader-election-controller") "]"},
    {"kube-system", "system::leader-locking-kube-scheduler",
     "system::leader-locking-kube-scheduler",
     "[" U("system:kube-scheduler") "," SA("kube-scheduler") "]"},
    {"kube-system", "system:controller:bootstrap-signer", "system:controller:bootstrap-signer",
     "[" SA("bootstrap-signer") "]"},
    {"kube-system", "system:controller:cloud-provider", "system:controller:cloud-provider",
     "[" SA("cloud-provider") "]"},
    {"kube-system", "system:controller:token-cleaner", "system:controller:token-cleaner",
     "[" SA("token-cleaner") "]"},
};

static void check_meta(const json_t *obj, const char *kind, const char *ns, const char *name)
{
    CHECK_STR(ck_obj_str(obj, "apiVersion"), "rbac.authorization.k8s.io/v1");
    CHECK_STR(ck_obj_str(obj, "kind"), kind);
    CHECK_STR(ck_obj_str(obj, "metadata.name"), name);
    CHECK_STR(ck_obj_str(obj, "metadata.namespace"), ns);
    CHECK(same(ck_obj_get(obj, "metadata.labels"),
               "{'kubernetes.io/bootstrapping':'rbac-defaults'}"));
    CHECK(same(ck_obj_get(obj, "metadata.annotations"), "{'" AUTOUPDATE "':'true'}"));
}

/* The tables and the objects built from them, before anything is stored. */
static void test_policy_objects(void)
{
    CHECK_INT(ck_policy_nns_roles, ARRAY_SIZE(want_roles));
    CHECK_INT(ck_policy_nns_bindings, ARRAY_SIZE(want_bindings));
    for (size_t i = 0; i < ARRAY_SIZE(want_roles); i++) {
        const ck_policy_ns_role *r = find_role(want_roles[i].ns, want_roles[i].name);
        CHECK(r != NULL);
        if (!r) continue;
        json_t *obj = ck_policy_ns_role_object(r);
        check_meta(obj, "Role", want_roles[i].ns, want_roles[i].name);
        CHECK(!json_object_get(obj, "aggregationRule"));
        CHECK(same(json_object_get(obj, "rules"), want_roles[i].rules));
        json_decref(obj);
    }
    for (size_t i = 0; i < ARRAY_SIZE(want_bindings); i++) {
        const ck_policy_ns_binding *b = find_binding(want_bindings[i].ns, want_bindings[i].name);
        CHECK(b != NULL);
        if (!b) continue;
        json_t *obj = ck_policy_ns_binding_object(b);
        check_meta(obj, "RoleBinding", want_bindings[i].ns, want_bindings[i].name);
        CHECK_STR(ck_obj_str(obj, "roleRef.kind"), "Role");
        CHECK_STR(ck_obj_str(obj, "roleRef.apiGroup"), "rbac.authorization.k8s.io");
        CHECK_STR(ck_obj_str(obj, "roleRef.name"), want_bindings[i].role);
        CHECK(same(json_object_get(obj, "subjects"), want_bindings[i].subjects));
        /* upstream only bootstraps into reserved namespaces, roles of the same namespace */
        CHECK(has_prefix(b->ns, "kube-"));
        CHECK(find_role(b->ns, b->binding.role) != NULL);
        json_decref(obj);
    }
    /* no (namespace, name) twice */
    for (unsigned i = 0; i < ck_policy_nns_roles; i++)
        for (unsigned k = i + 1; k < ck_policy_nns_roles; k++)
            CHECK(!(streq(ck_policy_ns_roles[i].ns, ck_policy_ns_roles[k].ns) &&
                    streq(ck_policy_ns_roles[i].role.name, ck_policy_ns_roles[k].role.name)));
    /* the cluster-scoped objects are unchanged: no namespace, ClusterRole references */
    json_t *crb = ck_policy_binding_object(&ck_policy_cluster_bindings[0]);
    CHECK(!ck_obj_get(crb, "metadata.namespace"));
    CHECK_STR(ck_obj_str(crb, "kind"), "ClusterRoleBinding");
    CHECK_STR(ck_obj_str(crb, "roleRef.kind"), "ClusterRole");
    json_decref(crb);
}

static const char *const none[] = {NULL};
static const char *const sa_groups[] = {
    "system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated", NULL};

static bool can(const char *user, const char *const *groups, const char *verb, const char *ns,
                const char *group, const char *resource, const char *name)
{
    ck_authz_attrs at = {.user = user,
                         .groups = groups,
                         .verb = verb,
                         .resource_request = true,
                         .ns = ns,
                         .group = group,
                         .version = "v1",
                         .resource = resource,
                         .subresource = "",
                         .name = name,
                         .path = ""};
    return az->authorize(az, &at, NULL) == CK_AUTHZ_ALLOW;
}

/* Written into a store where kube-system and kube-public do not exist yet. */
static void test_bootstrap(void)
{
    ck_rtype *nsrt = rtype("namespaces");
    CHECK(!ck_cache_get(srv.cache, nsrt, NULL, "kube-system"));
    CHECK_INT(ck_rbac_bootstrap(&srv), 0);
    CHECK(ck_cache_get(srv.cache, nsrt, NULL, "kube-system") != NULL);
    CHECK(ck_cache_get(srv.cache, nsrt, NULL, "kube-public") != NULL);
    CHECK_INT(ck_cache_count(srv.cache, rtype("roles"), "kube-system"), 6);
    CHECK_INT(ck_cache_count(srv.cache, rtype("roles"), "kube-public"), 1);
    CHECK_INT(ck_cache_count(srv.cache, rtype("rolebindings"), "kube-system"), 6);
    CHECK_INT(ck_cache_count(srv.cache, rtype("rolebindings"), "kube-public"), 1);
    int64_t rev = ck_cache_rev(srv.cache);
    CHECK_INT(ck_rbac_bootstrap(&srv), 0); /* idempotent: nothing written */
    CHECK_INT(ck_cache_rev(srv.cache), rev);

    for (size_t i = 0; i < ARRAY_SIZE(want_roles); i++) {
        json_t *o = get("roles", want_roles[i].ns, want_roles[i].name);
        CHECK(o != NULL);
        if (!o) continue;
        check_meta(o, "Role", want_roles[i].ns, want_roles[i].name);
        CHECK(same(json_object_get(o, "rules"), want_roles[i].rules));
        json_decref(o);
    }
    for (size_t i = 0; i < ARRAY_SIZE(want_bindings); i++) {
        json_t *o = get("rolebindings", want_bindings[i].ns, want_bindings[i].name);
        CHECK(o != NULL);
        if (!o) continue;
        CHECK_STR(ck_obj_str(o, "roleRef.kind"), "Role");
        CHECK(same(json_object_get(o, "subjects"), want_bindings[i].subjects));
        json_decref(o);
    }
}

static void test_decisions(void)
{
    const char *sched = "system:kube-scheduler", *kcm = "system:kube-controller-manager";
    const char *coord = "coordination.k8s.io";
    /* the ConfigMap lock, by name, in kube-system only */
    CHECK(can(sched, none, "get", "kube-system", "", "configmaps", "kube-scheduler"));
    CHECK(can(sched, none, "update", "kube-system", "", "configmaps", "kube-scheduler"));
    CHECK(can(sched, none, "watch", "kube-system", "", "configmaps", ""));
    CHECK(!can(sched, none, "get", "kube-system", "", "configmaps", "kube-controller-manager"));
    CHECK(!can(sched, none, "delete", "kube-system", "", "configmaps", "kube-scheduler"));
    CHECK(!can(sched, none, "get", "default", "", "configmaps", "kube-scheduler"));
    CHECK(!can(sched, none, "create", "kube-system", "", "configmaps", ""));
    /* leases: the ClusterRole's create and named get/update everywhere, the Role's in
     * kube-system */
    CHECK(can(sched, none, "get", "default", coord, "leases", "kube-scheduler"));
    CHECK(can(sched, none, "create", "default", coord, "leases", ""));
    CHECK(!can(sched, none, "get", "default", coord, "leases", "other"));
    CHECK(!can(sched, none, "list", "default", coord, "leases", ""));
    CHECK(can(sched, none, "list", "kube-system", coord, "leases", ""));
    CHECK(can(sched, none, "update", "kube-system", coord, "leases", "other"));
    CHECK(!can(sched, none, "delete", "kube-system", coord, "leases", "kube-scheduler"));
    CHECK(can(sched, none, "create", "kube-system", coord, "leasecandidates", ""));
    CHECK(!can(sched, none, "create", "default", coord, "leasecandidates", ""));
    /* the scheduler's service account has the Role, not the ClusterRole */
    const char *sched_sa = "system:serviceaccount:kube-system:kube-scheduler";
    CHECK(can(sched_sa, sa_groups, "update", "kube-system", "", "configmaps", "kube-scheduler"));
    CHECK(!can(sched_sa, sa_groups, "get", "default", coord, "leases", "kube-scheduler"));
    /* controller manager, its service account and the leader-election-controller */
    CHECK(can(kcm, none, "update", "kube-system", "", "configmaps", "kube-controller-manager"));
    CHECK(!can(kcm, none, "update", "kube-system", "", "configmaps", "kube-scheduler"));
    CHECK(can("system:serviceaccount:kube-system:kube-controller-manager", sa_groups, "create",
              "kube-system", coord, "leases", ""));
    CHECK(can("system:serviceaccount:kube-system:leader-election-controller", sa_groups, "watch",
              "kube-system", coord, "leasecandidates", ""));
    /* the authentication configuration for delegated authentication */
    CHECK(can(kcm, none, "get", "kube-system", "", "configmaps",
              "extension-apiserver-authentication"));
    CHECK(can(sched, none, "watch", "kube-system", "", "configmaps",
              "extension-apiserver-authentication"));
    CHECK(!can("alice", none, "get", "kube-system", "", "configmaps",
               "extension-apiserver-authentication"));
    /* bootstrap signer and token cleaner */
    const char *signer = "system:serviceaccount:kube-system:bootstrap-signer";
    const char *cleaner = "system:serviceaccount:kube-system:token-cleaner";
    CHECK(can(signer, sa_groups, "update", "kube-public", "", "configmaps", "cluster-info"));
    CHECK(!can(signer, sa_groups, "update", "kube-public", "", "configmaps", "other"));
    CHECK(can(signer, sa_groups, "list", "kube-system", "", "secrets", ""));
    CHECK(!can(signer, sa_groups, "delete", "kube-system", "", "secrets", "bootstrap-token-a"));
    CHECK(can(signer, sa_groups, "create", "kube-public", "events.k8s.io", "events", ""));
    CHECK(can(cleaner, sa_groups, "delete", "kube-system", "", "secrets", "bootstrap-token-a"));
    CHECK(!can(cleaner, sa_groups, "delete", "default", "", "secrets", "bootstrap-token-a"));
    CHECK(can("system:serviceaccount:kube-system:cloud-provider", sa_groups, "create",
              "kube-system", "", "configmaps", ""));
}

/* Same rules as for ClusterRoles: missing rules and subjects come back, extra ones stay,
 * autoupdate=false is left alone, deleted objects are recreated. */
static void test_reconcile(void)
{
    CHECK_INT(put("roles", "kube-system",
                  "{'metadata':{'name':'system::leader-locking-kube-scheduler','namespace':"
                  "'kube-system'},'rules':[{'verbs':['get'],'apiGroups':[''],'resources':["
                  "'pods']}]}"),
              0);
    CHECK_INT(put("roles", "kube-system",
                  "{'metadata':{'name':'system:controller:cloud-provider','namespace':"
                  "'kube-system','annotations':{'" AUTOUPDATE "':'false'}},'rules':[]}"),
              0);
    CHECK_INT(put("rolebindings", "kube-system",
                  "{'metadata':{'name':'system::leader-locking-kube-scheduler','namespace':"
                  "'kube-system'},'roleRef':{'apiGroup':'rbac.authorization.k8s.io','kind':"
                  "'Role','name':'system::leader-locking-kube-scheduler'},'subjects':[" U(
                      "someone") "]}"),
              0);
    CHECK_INT(del("roles", "kube-public", "system:controller:bootstrap-signer"), 0);
    CHECK_INT(del("rolebindings", "kube-system", "system:controller:token-cleaner"), 0);
    CHECK(!can("system:kube-scheduler", none, "get", "kube-system", "", "configmaps",
               "kube-scheduler"));
    CHECK_INT(ck_rbac_bootstrap(&srv), 0);

    json_t *r = get("roles", "kube-system", "system::leader-locking-kube-scheduler");
    json_t *want = js(LEADER_RULES("kube-scheduler"));
    size_t i;
    json_t *rule;
    json_array_foreach(want, i, rule) CHECK(ck_rbac_covers(ck_obj_get(r, "rules"), rule, NULL));
    json_t *extra = js("{'verbs':['get'],'apiGroups':[''],'resources':['pods']}");
    CHECK(ck_rbac_covers(ck_obj_get(r, "rules"), extra, NULL));
    CHECK_STR(json_string_value(json_object_get(ck_obj_get(r, "metadata.annotations"), AUTOUPDATE)),
              "true");
    CHECK_STR(json_string_value(
                  json_object_get(ck_obj_get(r, "metadata.labels"), "kubernetes.io/bootstrapping")),
              "rbac-defaults");
    json_decref(extra);
    json_decref(want);
    json_decref(r);
    CHECK(can("system:kube-scheduler", none, "get", "kube-system", "", "configmaps",
              "kube-scheduler"));

    r = get("roles", "kube-system", "system:controller:cloud-provider");
    CHECK_INT(json_array_size(ck_obj_get(r, "rules")), 0); /* autoupdate=false: untouched */
    json_decref(r);

    json_t *b = get("rolebindings", "kube-system", "system::leader-locking-kube-scheduler");
    CHECK_INT(json_array_size(ck_obj_get(b, "subjects")), 3); /* someone + upstream's two */
    json_decref(b);

    r = get("roles", "kube-public", "system:controller:bootstrap-signer");
    CHECK(r != NULL);
    json_decref(r);
    b = get("rolebindings", "kube-system", "system:controller:token-cleaner");
    CHECK(b != NULL);
    json_decref(b);
}

/* A namespace being deleted at start-up: its objects are skipped, start-up goes on. */
static void test_terminating_namespace(void)
{
    CHECK_INT(del("roles", "kube-public", "system:controller:bootstrap-signer"), 0);
    CHECK_INT(del("namespaces", NULL, "kube-public"), 0);
    json_t *ns = get("namespaces", NULL, "kube-public");
    CHECK(ns && ck_obj_get(ns, "metadata.deletionTimestamp"));
    json_decref(ns);
    int64_t rev = ck_cache_rev(srv.cache);
    CHECK_INT(ck_rbac_bootstrap(&srv), 0);
    CHECK_INT(ck_cache_rev(srv.cache), rev);
    CHECK(!ck_cache_get(srv.cache, rtype("roles"), "kube-public",
                        "system:controller:bootstrap-signer"));
}

int main(void)
{
    ck_registry_init();
    test_policy_objects();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ckube-rbacnstest-XXXXXX");
    if (!mkdtemp(tmpdir)) return 2;
    char *db = xasprintf("%s/state.db", tmpdir);
    ck_err *err = NULL;
    if (ck_store_sqlite_open(db, &srv.store, &err) < 0 ||
        ck_cache_open(srv.store, &srv.cache, &err) < 0) {
        fprintf(stderr, "store: %s\n", err->message);
        return 2;
    }
    free(db);
    az = ck_rbac_authorizer_new(&srv);
    test_bootstrap();
    test_decisions();
    test_reconcile();
    test_terminating_namespace();
    az->free(az);
    ck_cache_free(srv.cache);
    srv.store->ops->close(srv.store);
    nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    return UT_DONE();
}
