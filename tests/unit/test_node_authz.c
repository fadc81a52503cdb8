/* Unit tests for the Node authorizer over a real store and watch cache: secrets,
 * configmaps, PVCs, PVs (and their secrets), service-account tokens and resource claims
 * reachable from pods bound to the node; the graph following pod binding, update and
 * deletion; leases; the static node rules; identities that are not nodes. Then
 * NodeRestriction admission for Nodes, Pods and Leases. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "apiserver/cache.h"
#include "apiserver/objstore.h"
#include "apiserver/server.h"
#include "auth/authz.h"
#include "lib/util.h"
#include "ut.h"
#include "ut_fixtures.h"

static char tmpdir[64];
static ck_apiserver srv;
static ck_authorizer *az;

static ck_rtype *rtype(const char *plural)
{
    return ck_registry_find("", "v1", plural);
}

/* Writes an object straight into storage (the cache follows at once). */
static int put(const char *plural, const char *ns, const char *text)
{
    json_t *obj = js(text);
    ck_rtype *rt = rtype(plural);
    const char *name = ck_obj_str(obj, "metadata.name");
    if (ns) json_object_set_new(json_object_get(obj, "metadata"), "namespace", json_string(ns));
    char *key = ck_storage_key(rt, ns, name);
    char *val = json_dumps(obj, JSON_COMPACT);
    const ck_obj *old = ck_cache_get(srv.cache, rt, ns, name);
    int64_t rev;
    ck_err *err = NULL;
    int r = old ? srv.store->ops->update(srv.store, key, old->mod_rev, val, strlen(val), &rev, &err)
                : srv.store->ops->create(srv.store, key, val, strlen(val), &rev, &err);
    if (r < 0) fprintf(stderr, "put %s %s: %s\n", plural, name, err->message);
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

static const char *const nodes[] = {"system:nodes", "system:authenticated", NULL};
static const char *const authed[] = {"system:authenticated", NULL};

static ck_authz_decision decide(const char *user, const char *const *groups, const char *verb,
                                const char *ns, const char *group, const char *resource,
                                const char *sub, const char *name, char **reason)
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
    return az->authorize(az, &at, reason);
}

/* Node n1 (or user) may do verb on core resource[/sub] ns/name? */
static bool n1(const char *verb, const char *ns, const char *resource, const char *sub,
               const char *name)
{
    char *reason = NULL;
    ck_authz_decision d =
        decide("system:node:n1", nodes, verb, ns, "", resource, sub, name, &reason);
    free(reason);
    CHECK(d != CK_AUTHZ_DENY); /* the Node authorizer never denies */
    return d == CK_AUTHZ_ALLOW;
}

#define POD(name, node, extra)                                                                     \
    "{'metadata':{'name':'" name "'},'spec':{'nodeName':'" node "','serviceAccountName':'sa-" name \
    "','containers':[{'name':'c','image':'i'," extra "}]"

static void test_graph(void)
{
    CHECK_INT(
        put("pods", "ns1",
            POD("p1", "n1",
                "'env':[{'name':'A','valueFrom':{'secretKeyRef':{'name':'env-sec','key':'k'}}}],"
                "'envFrom':[{'configMapRef':{'name':'env-cm'}}]") ","
                                                                  "'imagePullSecrets':[{'name':'"
                                                                  "pull'}],"
                                                                  "'volumes':[{'name':'v1','secret'"
                                                                  ":{'secretName':'vol-sec'}},"
                                                                  "{'name':'v2','configMap':{'name'"
                                                                  ":'vol-cm'}},"
                                                                  "{'name':'v3','projected':{'"
                                                                  "sources':[{'secret':{'name':'"
                                                                  "proj-sec'}},"
                                                                  "{'configMap':{'name':'proj-cm'}}"
                                                                  "]}},"
                                                                  "{'name':'v4','"
                                                                  "persistentVolumeClaim':{'"
                                                                  "claimName':'claim1'}},"
                                                                  "{'name':'eph','ephemeral':{}}],"
                                                                  "'resourceClaims':[{'name':'rc','"
                                                                  "resourceClaimName':'claim-rc'}]}"
                                                                  "}"),
        0);
    CHECK_INT(
        put("pods", "ns1", POD("p2", "n2", "'envFrom':[{'secretRef':{'name':'other'}}]") "}}"), 0);
    CHECK_INT(
        put("pods", "ns1", POD("p3", "", "'envFrom':[{'secretRef':{'name':'unbound'}}]") "}}"), 0);
    CHECK_INT(put("persistentvolumes", NULL,
                  "{'metadata':{'name':'pv1'},'spec':{'claimRef':{'namespace':'ns1','name':"
                  "'claim1'},'csi':{'driver':'d','volumeHandle':'h','nodePublishSecretRef':{"
                  "'name':'pv-sec','namespace':'ns2'}}}}"),
              0);
    CHECK_INT(put("persistentvolumes", NULL,
                  "{'metadata':{'name':'pv2'},'spec':{'claimRef':{'namespace':'ns1','name':"
                  "'claim2'}}}"),
              0);

    static const char *const secrets[] = {"env-sec", "pull", "vol-sec", "proj-sec"};
    for (size_t i = 0; i < ARRAY_SIZE(secrets); i++) {
        CHECK(n1("get", "ns1", "secrets", "", secrets[i]));
        CHECK(n1("list", "ns1", "secrets", "", secrets[i])); /* a fieldSelector on the name */
        CHECK(n1("watch", "ns1", "secrets", "", secrets[i]));
        CHECK(!n1("get", "ns2", "secrets", "", secrets[i]));
        CHECK(!n1("update", "ns1", "secrets", "", secrets[i]));
        CHECK(!n1("delete", "ns1", "secrets", "", secrets[i]));
    }
    CHECK(n1("get", "ns1", "configmaps", "", "env-cm"));
    CHECK(n1("get", "ns1", "configmaps", "", "vol-cm"));
    CHECK(n1("get", "ns1", "configmaps", "", "proj-cm"));
    CHECK(!n1("get", "ns1", "configmaps", "", "env-sec"));
    CHECK(!n1("get", "ns1", "secrets", "", "other"));   /* n2's pod */
    CHECK(!n1("get", "ns1", "secrets", "", "unbound")); /* an unscheduled pod */
    CHECK(!n1("list", "ns1", "secrets", "", ""));
    CHECK(!n1("list", "", "secrets", "", ""));
    CHECK(!n1("get", "ns1", "secrets", "status", "vol-sec"));
    CHECK(n1("get", "ns1", "persistentvolumeclaims", "", "claim1"));
    CHECK(n1("get", "ns1", "persistentvolumeclaims", "", "p1-eph"));
    CHECK(!n1("list", "ns1", "persistentvolumeclaims", "", "claim1"));
    CHECK(n1("patch", "ns1", "persistentvolumeclaims", "status", "claim1"));
    CHECK(!n1("patch", "ns1", "persistentvolumeclaims", "", "claim1"));
    CHECK(!n1("get", "ns1", "persistentvolumeclaims", "", "claim2"));
    CHECK(n1("get", "", "persistentvolumes", "", "pv1"));
    CHECK(!n1("get", "", "persistentvolumes", "", "pv2"));
    CHECK(!n1("get", "", "persistentvolumes", "", "missing"));
    CHECK(n1("get", "ns2", "secrets", "", "pv-sec")); /* node ← pod ← pvc ← pv ← secret */
    CHECK(n1("create", "ns1", "serviceaccounts", "token", "sa-p1"));
    CHECK(!n1("create", "ns1", "serviceaccounts", "token", "sa-p2"));
    CHECK(!n1("get", "ns1", "serviceaccounts", "", "sa-p1"));
    CHECK(!n1("create", "ns1", "serviceaccounts", "", "sa-p1"));
    char *reason = NULL;
    CHECK_INT(decide("system:node:n1", nodes, "get", "ns1", "resource.k8s.io", "resourceclaims", "",
                     "claim-rc", &reason),
              CK_AUTHZ_ALLOW);
    free(reason);
    reason = NULL;
    CHECK_INT(decide("system:node:n1", nodes, "get", "ns1", "", "secrets", "", "other", &reason),
              CK_AUTHZ_NO_OPINION);
    CHECK_STR(reason, "no relationship found between node 'n1' and this object");
    free(reason);
    reason = NULL;
    CHECK_INT(decide("system:node:n1", nodes, "list", "ns1", "", "secrets", "", "", &reason),
              CK_AUTHZ_NO_OPINION);
    CHECK_STR(reason, "No Object name found");
    free(reason);

    /* n2 sees its own pod's secret only. */
    CHECK_INT(decide("system:node:n2", nodes, "get", "ns1", "", "secrets", "", "other", NULL),
              CK_AUTHZ_ALLOW);
    CHECK_INT(decide("system:node:n2", nodes, "get", "ns1", "", "secrets", "", "vol-sec", NULL),
              CK_AUTHZ_NO_OPINION);
    /* Not a node: the user name alone or the group alone is not enough. */
    CHECK_INT(decide("system:node:n1", authed, "get", "ns1", "", "secrets", "", "vol-sec", NULL),
              CK_AUTHZ_NO_OPINION);
    CHECK_INT(decide("alice", nodes, "get", "ns1", "", "secrets", "", "vol-sec", NULL),
              CK_AUTHZ_NO_OPINION);
    CHECK_INT(decide("alice", nodes, "get", "", "", "nodes", "", "n1", NULL), CK_AUTHZ_NO_OPINION);
}

static void test_graph_updates(void)
{
    /* Binding the unscheduled pod to n1 relates its secret. */
    CHECK(!n1("get", "ns1", "secrets", "", "unbound"));
    CHECK_INT(
        put("pods", "ns1", POD("p3", "n1", "'envFrom':[{'secretRef':{'name':'unbound'}}]") "}}"),
        0);
    CHECK(n1("get", "ns1", "secrets", "", "unbound"));
    /* Two pods referencing one secret: it stays related until both are gone. */
    CHECK_INT(
        put("pods", "ns1", POD("p4", "n1", "'envFrom':[{'secretRef':{'name':'unbound'}}]") "}}"),
        0);
    CHECK_INT(del("pods", "ns1", "p3"), 0);
    CHECK(n1("get", "ns1", "secrets", "", "unbound"));
    CHECK_INT(del("pods", "ns1", "p4"), 0);
    CHECK(!n1("get", "ns1", "secrets", "", "unbound"));
    /* An update dropping a reference drops the edge. */
    CHECK_INT(put("pods", "ns1", POD("p2", "n2", "'image':'j'") "}}"), 0);
    CHECK_INT(decide("system:node:n2", nodes, "get", "ns1", "", "secrets", "", "other", NULL),
              CK_AUTHZ_NO_OPINION);
    /* A PV rebound to another claim. */
    CHECK_INT(put("persistentvolumes", NULL,
                  "{'metadata':{'name':'pv1'},'spec':{'claimRef':{'namespace':'ns1','name':"
                  "'claim2'}}}"),
              0);
    CHECK(!n1("get", "", "persistentvolumes", "", "pv1"));
    CHECK(!n1("get", "ns2", "secrets", "", "pv-sec"));
}

static void test_static_rules(void)
{
    CHECK(n1("get", "kube-node-lease", "leases", "", "n1") == false); /* core group: no */
    char *r = NULL;
#define LEASE(verb, ns, name)                                                                      \
    decide("system:node:n1", nodes, verb, ns, "coordination.k8s.io", "leases", "", name, &r)
    CHECK_INT(LEASE("update", "kube-node-lease", "n1"), CK_AUTHZ_ALLOW);
    CHECK_INT(LEASE("create", "kube-node-lease", ""), CK_AUTHZ_ALLOW);
    free(r), r = NULL;
    CHECK_INT(LEASE("update", "kube-node-lease", "n2"), CK_AUTHZ_NO_OPINION);
    free(r), r = NULL;
    CHECK_INT(LEASE("get", "default", "n1"), CK_AUTHZ_NO_OPINION);
    free(r), r = NULL;
    CHECK_INT(LEASE("list", "kube-node-lease", ""), CK_AUTHZ_NO_OPINION);
    free(r), r = NULL;
    CHECK(n1("get", "", "nodes", "", "n1"));
    CHECK(n1("patch", "", "nodes", "status", "n1"));
    CHECK(n1("patch", "", "nodes", "", "n2")); /* NodeRestriction limits it */
    CHECK(!n1("delete", "", "nodes", "", "n1"));
    CHECK(n1("create", "ns1", "events", "", ""));
    CHECK(n1("list", "ns1", "pods", "", ""));
    CHECK(n1("update", "ns1", "pods", "status", "p1"));
    CHECK(n1("create", "ns1", "pods", "eviction", "p1"));
    CHECK(!n1("update", "ns1", "pods", "", "p1"));
    CHECK(!n1("create", "ns1", "services", "", ""));
    CHECK(!n1("list", "", "namespaces", "", ""));
}

/* NodeRestriction for user as node n1: 0 or -1 with the error message in *msg. */
static int admit(const char *plural, const char *group, const char *sub, const char *obj,
                 const char *old, char **msg)
{
    ck_strategy_ctx ctx = {.srv = &srv, .user = "system:node:n1", .groups = nodes};
    ck_rtype *rt = ck_registry_find(group, "v1", plural);
    json_t *o = js(obj), *p = old ? js(old) : NULL;
    ck_err *err = NULL;
    int r = ck_noderestriction_admit(&ctx, rt, sub, o, p, &err);
    *msg = err ? xstrdup(err->message) : NULL;
    if (err) CHECK_INT(err->code, 403);
    ck_err_free(err);
    json_decref(o);
    json_decref(p);
    return r;
}

static void test_admission(void)
{
    char *m = NULL;
#define ADMIT_OK(...)                                                                              \
    do {                                                                                           \
        CHECK_INT(admit(__VA_ARGS__, &m), 0);                                                      \
        free(m), m = NULL;                                                                         \
    } while (0)
#define ADMIT_NO(want, ...)                                                                        \
    do {                                                                                           \
        CHECK_INT(admit(__VA_ARGS__, &m), -1);                                                     \
        CHECK_STR(m, want);                                                                        \
        free(m), m = NULL;                                                                         \
    } while (0)
    const char *n1old = "{'metadata':{'name':'n1','labels':{'a':'b'}}}";
    ADMIT_OK("nodes", "", NULL,
             "{'metadata':{'name':'n1','labels':{'kubernetes.io/os':'linux',"
             "'node.kubernetes.io/x':'y','a':'b'}},'spec':{'taints':[{'key':"
             "'k','effect':'NoSchedule'}]}}",
             NULL);
    ADMIT_NO("nodes \"n2\" is forbidden: node \"n1\" is not allowed to modify node \"n2\"", "nodes",
             "", NULL, "{'metadata':{'name':'n2'}}", "{'metadata':{'name':'n2'}}");
    ADMIT_NO("nodes \"n1\" is forbidden: node \"n1\" is not allowed to set the following labels: "
             "foo.k8s.io/a, node-restriction.kubernetes.io/b",
             "nodes", "", NULL,
             "{'metadata':{'name':'n1','labels':{'node-restriction.kubernetes.io/b':'1',"
             "'foo.k8s.io/a':'1','example.com/c':'1'}}}",
             NULL);
    ADMIT_OK("nodes", "", NULL, "{'metadata':{'name':'n1','labels':{'a':'c'}}}", n1old);
    ADMIT_OK("nodes", "", "status", "{'metadata':{'name':'n1','labels':{'a':'b'}},'status':{}}",
             n1old);
    ADMIT_NO("nodes \"n1\" is forbidden: is not allowed to modify labels: kubernetes.io/role",
             "nodes", "", NULL, "{'metadata':{'name':'n1','labels':{'kubernetes.io/role':'x'}}}",
             n1old);
    ADMIT_NO("nodes \"n1\" is forbidden: node \"n1\" is not allowed to modify taints", "nodes", "",
             NULL,
             "{'metadata':{'name':'n1','labels':{'a':'b'}},'spec':{'taints':[{'key':'k',"
             "'effect':'NoSchedule'}]}}",
             n1old);

    const char *p1 = "{'metadata':{'name':'p1'},'spec':{'nodeName':'n1'}}";
    const char *p2 = "{'metadata':{'name':'p2'},'spec':{'nodeName':'n2'}}";
    ADMIT_OK("pods", "", "status", p1, p1);
    ADMIT_NO("pods \"p2\" is forbidden: node \"n1\" can only update pod status for pods with "
             "spec.nodeName set to itself",
             "pods", "", "status", p2, p2);
    ADMIT_NO("pods \"p1\" is forbidden: node \"n1\" cannot update labels through pod status",
             "pods", "", "status",
             "{'metadata':{'name':'p1','labels':{'a':'b'}},'spec':{"
             "'nodeName':'n1'}}",
             p1);
    ADMIT_NO("pods \"p1\" is forbidden: unexpected operation \"UPDATE\", node \"n1\" can only "
             "create and delete mirror pods",
             "pods", "", NULL, p1, p1);
    ADMIT_NO("pods \"p1\" is forbidden: pod does not have \"kubernetes.io/config.mirror\" "
             "annotation, node \"n1\" can only create mirror pods",
             "pods", "", NULL, p1, NULL);
#define MIRROR(node, extra)                                                                        \
    "{'metadata':{'name':'m','annotations':{'kubernetes.io/config.mirror':'x'}},'spec':{"          \
    "'nodeName':'" node "'" extra "}}"
    ADMIT_OK("pods", "", NULL, MIRROR("n1", ""), NULL);
    ADMIT_NO("pods \"m\" is forbidden: node \"n1\" can not create pods that reference a service "
             "account",
             "pods", "", NULL, MIRROR("n1", ",'serviceAccountName':'default'"), NULL);
    ADMIT_NO("pods \"m\" is forbidden: node \"n1\" can only create pods with spec.nodeName set "
             "to itself",
             "pods", "", NULL, MIRROR("n2", ""), NULL);
    ADMIT_NO("pods \"m\" is forbidden: node \"n1\" can not create pods that reference secrets",
             "pods", "", NULL,
             MIRROR("n1", ",'volumes':[{'name':'v','secret':{'secretName':'s'}}]"), NULL);
    ADMIT_NO("pods \"m\" is forbidden: node \"n1\" can not create pods that reference a service "
             "account",
             "pods", "", NULL, MIRROR("n1", ",'serviceAccountName':'sa'"), NULL);

    const char *lease = "{'metadata':{'name':'n1','namespace':'kube-node-lease'}}";
    ADMIT_OK("leases", "coordination.k8s.io", NULL, lease, NULL);
    ADMIT_OK("leases", "coordination.k8s.io", NULL, lease, lease);
    ADMIT_NO("leases.coordination.k8s.io \"n2\" is forbidden: can only access node lease with "
             "the same name as the requesting node",
             "leases", "coordination.k8s.io", NULL,
             "{'metadata':{'name':'n2','namespace':'kube-node-lease'}}", NULL);

    /* Other requesters are not restricted. */
    ck_strategy_ctx ctx = {.srv = &srv, .user = "alice", .groups = authed};
    json_t *o = js("{'metadata':{'name':'n2'}}");
    ck_err *err = NULL;
    CHECK_INT(ck_noderestriction_admit(&ctx, rtype("nodes"), NULL, o, NULL, &err), 0);
    json_decref(o);
}

int main(void)
{
    ck_registry_init();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ckube-nodeauthz-XXXXXX");
    if (!mkdtemp(tmpdir)) return 2;
    char *db = xasprintf("%s/state.db", tmpdir);
    ck_err *err = NULL;
    if (ck_store_sqlite_open(db, &srv.store, &err) < 0 ||
        ck_cache_open(srv.store, &srv.cache, &err) < 0) {
        fprintf(stderr, "store: %s\n", err->message);
        return 2;
    }
    free(db);
    /* A pod stored before the authorizer starts is in its graph. */
    CHECK_INT(
        put("pods", "ns0", POD("p0", "n1", "'envFrom':[{'secretRef':{'name':'early'}}]") "}}"), 0);
    az = ck_node_authorizer_new(&srv);
    CHECK(n1("get", "ns0", "secrets", "", "early"));
    test_graph();
    test_graph_updates();
    test_static_rules();
    test_admission();
    az->free(az);
    ck_cache_free(srv.cache);
    srv.store->ops->close(srv.store);
    nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    return UT_DONE();
}
