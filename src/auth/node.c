/* The Node authorizer (upstream's plugin/pkg/auth/authorizer/node): a kubelet, user
 * "system:node:NAME" in group "system:nodes", may read a secret, configmap, PVC, PV or
 * resource claim, and request a token for a service account, only when a pod bound to NAME
 * references it (pod → PVC ← PV through the PV's claimRef; PV → secret through its secret
 * references). Leases and CSINodes are limited to the node's own; everything else is
 * decided by upstream's static node rules (the system:node ClusterRole, which upstream no
 * longer binds to system:nodes), whose per-object limits NodeRestriction admission
 * enforces (noderestriction.c). The authorizer never denies.
 *
 * The graph is kept from the watch cache as a set of edges "node kind ns name" with
 * reference counts, one per referencing pod; each pod event removes the edges of the
 * previous state and adds those of the new one. */
#include <stdio.h>

#include "apiserver/cache.h"
#include "apiserver/server.h"
#include "auth/authz.h"
#include "auth/rbac.h"
#include "lib/util.h"

#define NODE_PREFIX "system:node:"

typedef struct nodeauth {
    ck_authorizer base;
    ck_cache *cache;
    ck_rtype *rt_pod, *rt_pv;
    int listen_id;
    json_t *edges; /* "node kind ns name" → reference count */
    json_t *rules; /* the static node rules (PolicyRule objects) */
} nodeauth;

const char *ck_node_identity(const char *user, const char *const *groups)
{
    if (!user || !has_prefix(user, NODE_PREFIX)) return NULL;
    for (const char *const *g = groups; g && *g; g++)
        if (streq(*g, "system:nodes")) return user + strlen(NODE_PREFIX);
    return NULL;
}

/* ---- edges of a pod ---- */

static void ref(json_t *set, const char *node, const char *kind, const char *ns, const char *name)
{
    if (!name || !*name) return;
    char *k = xasprintf("%s %s %s %s", node, kind, ns, name);
    json_object_set_new(set, k, json_true());
    free(k);
}

static void container_refs(json_t *set, const char *node, const char *ns, const json_t *list)
{
    size_t i, j;
    json_t *c, *e;
    json_array_foreach(list, i, c)
    {
        json_array_foreach(json_object_get(c, "env"), j, e)
        {
            ref(set, node, "secrets", ns, ck_obj_str(e, "valueFrom.secretKeyRef.name"));
            ref(set, node, "configmaps", ns, ck_obj_str(e, "valueFrom.configMapKeyRef.name"));
        }
        json_array_foreach(json_object_get(c, "envFrom"), j, e)
        {
            ref(set, node, "secrets", ns, ck_obj_str(e, "secretRef.name"));
            ref(set, node, "configmaps", ns, ck_obj_str(e, "configMapRef.name"));
        }
    }
}

/* Secret references of volume sources, as upstream's podutil.VisitPodSecretNames. */
static void volume_secret_refs(json_t *set, const char *node, const char *ns, const json_t *v)
{
    static const char *const refs[] = {"csi.nodePublishSecretRef.name", "cephfs.secretRef.name",
                                       "cinder.secretRef.name",         "flexVolume.secretRef.name",
                                       "iscsi.secretRef.name",          "rbd.secretRef.name",
                                       "scaleIO.secretRef.name",        "storageos.secretRef.name",
                                       "azureFile.secretName",          "secret.secretName"};
    for (size_t i = 0; i < ARRAY_SIZE(refs); i++)
        ref(set, node, "secrets", ns, ck_obj_str(v, refs[i]));
}

void ck_node_pod_refs(const json_t *pod, json_t *set)
{
    const char *node = ck_obj_str(pod, "spec.nodeName");
    const char *ns = ck_obj_str(pod, "metadata.namespace");
    const char *pname = ck_obj_str(pod, "metadata.name");
    if (!node || !*node || !pname) return;
    ns = ns ? ns : "";
    const json_t *spec = json_object_get(pod, "spec");
    ref(set, node, "serviceaccounts", ns, ck_obj_str(spec, "serviceAccountName"));
    size_t i, j;
    json_t *v, *s;
    json_array_foreach(json_object_get(spec, "imagePullSecrets"), i, v)
        ref(set, node, "secrets", ns, ck_obj_str(v, "name"));
    static const char *const lists[] = {"containers", "initContainers", "ephemeralContainers"};
    for (i = 0; i < ARRAY_SIZE(lists); i++)
        container_refs(set, node, ns, json_object_get(spec, lists[i]));
    json_array_foreach(json_object_get(spec, "volumes"), i, v)
    {
        volume_secret_refs(set, node, ns, v);
        ref(set, node, "configmaps", ns, ck_obj_str(v, "configMap.name"));
        json_array_foreach(ck_obj_get(v, "projected.sources"), j, s)
        {
            ref(set, node, "secrets", ns, ck_obj_str(s, "secret.name"));
            ref(set, node, "configmaps", ns, ck_obj_str(s, "configMap.name"));
        }
        ref(set, node, "persistentvolumeclaims", ns,
            ck_obj_str(v, "persistentVolumeClaim.claimName"));
        const char *vname = ck_obj_str(v, "name");
        if (json_object_get(v, "ephemeral") && vname) { /* generic ephemeral volume */
            char *claim = xasprintf("%s-%s", pname, vname);
            ref(set, node, "persistentvolumeclaims", ns, claim);
            free(claim);
        }
    }
    json_array_foreach(json_object_get(spec, "resourceClaims"), i, v)
        ref(set, node, "resourceclaims", ns, ck_obj_str(v, "resourceClaimName"));
    json_array_foreach(ck_obj_get(pod, "status.resourceClaimStatuses"), i, v)
        ref(set, node, "resourceclaims", ns, ck_obj_str(v, "resourceClaimName"));
}

static void apply(nodeauth *a, const ck_obj *o, int delta)
{
    if (!ck_obj_field(o, "spec.nodeName") || !*ck_obj_field(o, "spec.nodeName")) return;
    json_t *doc = ck_obj_parse(o), *set = json_object();
    ck_node_pod_refs(doc, set);
    const char *k;
    json_t *v;
    json_object_foreach(set, k, v)
    {
        json_int_t n = json_integer_value(json_object_get(a->edges, k)) + delta;
        if (n > 0)
            json_object_set_new(a->edges, k, json_integer(n));
        else
            json_object_del(a->edges, k);
    }
    json_decref(set);
    json_decref(doc);
}

static bool seed(ck_obj *o, void *ctx)
{
    apply(ctx, o, 1);
    return true;
}

static void on_event(const ck_cache_event *ev, void *ctx)
{
    nodeauth *a = ctx;
    if (ev->obj->rt != a->rt_pod) return;
    if (ev->type == CK_WATCH_DELETED) {
        apply(a, ev->obj, -1);
        return;
    }
    if (ev->prev) apply(a, ev->prev, -1);
    apply(a, ev->obj, 1);
}

static bool has_edge(const nodeauth *a, const char *node, const char *kind, const char *ns,
                     const char *name)
{
    char *k = xasprintf("%s %s %s %s", node, kind, ns, name);
    bool found = json_object_get(a->edges, k) != NULL;
    free(k);
    return found;
}

/* A PV is related when its claimRef names a PVC a pod of the node uses. */
static bool pv_related(const nodeauth *a, const char *node, const json_t *pv)
{
    const char *cns = ck_obj_str(pv, "spec.claimRef.namespace");
    const char *cname = ck_obj_str(pv, "spec.claimRef.name");
    return cns && cname && has_edge(a, node, "persistentvolumeclaims", cns, cname);
}

typedef struct pv_scan {
    const nodeauth *a;
    const char *node, *ns, *name;
    bool found;
} pv_scan;

/* Whether a PV names the secret ns/name: CSI secret references carry their namespace;
 * the others default to the claim's namespace, as upstream's VisitPVSecretNames. */
static bool pv_names_secret(const json_t *pv, const char *ns, const char *name)
{
    static const char *const refs[] = {"csi.nodePublishSecretRef",
                                       "csi.nodeStageSecretRef",
                                       "csi.nodeExpandSecretRef",
                                       "csi.controllerPublishSecretRef",
                                       "csi.controllerExpandSecretRef",
                                       "cephfs.secretRef",
                                       "cinder.secretRef",
                                       "flexVolume.secretRef",
                                       "iscsi.secretRef",
                                       "rbd.secretRef",
                                       "scaleIO.secretRef",
                                       "storageos.secretRef"};
    const json_t *spec = json_object_get(pv, "spec");
    const char *cns = ck_obj_str(spec, "claimRef.namespace");
    for (size_t i = 0; i < ARRAY_SIZE(refs); i++) {
        const json_t *r = ck_obj_get(spec, refs[i]);
        const char *rns = ck_obj_str(r, "namespace");
        if (streq(ck_obj_str(r, "name"), name) && streq(rns && *rns ? rns : cns, ns)) return true;
    }
    const char *afns = ck_obj_str(spec, "azureFile.secretNamespace");
    return streq(ck_obj_str(spec, "azureFile.secretName"), name) &&
           streq(afns && *afns ? afns : "default", ns);
}

static bool scan_pv(ck_obj *o, void *ctx)
{
    pv_scan *s = ctx;
    json_t *pv = ck_obj_parse(o);
    s->found = pv_names_secret(pv, s->ns, s->name) && pv_related(s->a, s->node, pv);
    json_decref(pv);
    return !s->found;
}

/* hasPathFrom: the object is referenced by a pod bound to node (or through its PVs). */
static bool related(nodeauth *a, const char *node, const char *kind, const char *ns,
                    const char *name)
{
    if (streq(kind, "persistentvolumes")) {
        ck_obj *o = ck_cache_get(a->cache, a->rt_pv, NULL, name);
        if (!o) return false;
        json_t *pv = ck_obj_parse(o);
        bool ok = pv_related(a, node, pv);
        json_decref(pv);
        return ok;
    }
    if (has_edge(a, node, kind, ns, name)) return true;
    if (!streq(kind, "secrets")) return false;
    pv_scan s = {.a = a, .node = node, .ns = ns, .name = name};
    ck_cache_each(a->cache, a->rt_pv, NULL, NULL, scan_pv, &s);
    return s.found;
}

/* ---- decisions ---- */

static ck_authz_decision no(char **reason, const char *why)
{
    if (reason) *reason = xstrdup(why);
    return CK_AUTHZ_NO_OPINION;
}

static ck_authz_decision by_graph(nodeauth *a, const char *node, const char *kind,
                                  const ck_authz_attrs *at, char **reason)
{
    if (!at->name || !*at->name) return no(reason, "No Object name found");
    if (related(a, node, kind, at->ns ? at->ns : "", at->name)) return CK_AUTHZ_ALLOW;
    char *why = xasprintf("no relationship found between node '%s' and this object", node);
    if (reason)
        *reason = why;
    else
        free(why);
    return CK_AUTHZ_NO_OPINION;
}

static bool verb_in(const char *verb, const char *const *verbs)
{
    for (; *verbs; verbs++)
        if (streq(verb, *verbs)) return true;
    return false;
}

/* Reads of one namespaced secret or configmap: get, or list/watch naming the object. */
static ck_authz_decision read_namespaced(nodeauth *a, const char *node, const char *kind,
                                         const ck_authz_attrs *at, char **reason)
{
    static const char *const verbs[] = {"get", "list", "watch", NULL};
    if (!verb_in(at->verb, verbs)) return no(reason, "can only read resources of this type");
    if (*at->subresource) return no(reason, "cannot read subresource");
    if (!*at->ns) return no(reason, "can only read namespaced object of this type");
    return by_graph(a, node, kind, at, reason);
}

static ck_authz_decision get_only(nodeauth *a, const char *node, const char *kind,
                                  const ck_authz_attrs *at, char **reason)
{
    if (!streq(at->verb, "get"))
        return no(reason, "can only get individual resources of this type");
    if (*at->subresource) return no(reason, "cannot get subresource");
    return by_graph(a, node, kind, at, reason);
}

/* Leases in kube-node-lease and CSINodes: the node's own only (create is named in the body;
 * NodeRestriction checks it). */
static ck_authz_decision own_object(const char *node, const ck_authz_attrs *at, bool lease,
                                    char **reason)
{
    static const char *const verbs[] = {"get", "create", "update", "patch", "delete", NULL};
    if (!verb_in(at->verb, verbs))
        return no(reason, lease ? "can only get, create, update, patch, or delete a node lease"
                                : "can only get, create, update, patch, or delete a CSINode");
    if (lease && !streq(at->ns, "kube-node-lease"))
        return no(reason, "can only access leases in the \"kube-node-lease\" system namespace");
    if (!lease && *at->subresource) return no(reason, "cannot authorize CSINode subresources");
    if (!streq(at->verb, "create") && !streq(at->name, node))
        return no(reason, lease ? "can only access node lease with the same name as the "
                                  "requesting node"
                                : "can only access CSINode with the same name as the requesting "
                                  "node");
    return CK_AUTHZ_ALLOW;
}

static ck_authz_decision node_authorize(ck_authorizer *base, const ck_authz_attrs *at,
                                        char **reason)
{
    nodeauth *a = (nodeauth *)base;
    const char *node = at ? ck_node_identity(at->user, at->groups) : NULL;
    if (!node) return CK_AUTHZ_NO_OPINION;
    if (!*node) return no(reason, "unknown node");
    ck_authz_attrs x = *at; /* with "" for absent strings */
    x.verb = at->verb ? at->verb : "";
    x.ns = at->ns ? at->ns : "";
    x.group = at->group ? at->group : "";
    x.resource = at->resource ? at->resource : "";
    x.subresource = at->subresource ? at->subresource : "";
    x.name = at->name ? at->name : "";
    if (at->resource_request && !*x.group) {
        const char *r = x.resource;
        if (streq(r, "secrets") || streq(r, "configmaps"))
            return read_namespaced(a, node, r, &x, reason);
        if (streq(r, "persistentvolumeclaims") && streq(x.subresource, "status")) {
            static const char *const verbs[] = {"update", "patch", NULL};
            if (!verb_in(x.verb, verbs)) return no(reason, "can only get/update/patch this type");
            return by_graph(a, node, r, &x, reason);
        }
        if (streq(r, "persistentvolumeclaims") || streq(r, "persistentvolumes"))
            return get_only(a, node, r, &x, reason);
        if (streq(r, "serviceaccounts")) {
            if (!streq(x.verb, "create") || !*x.name)
                return no(reason, "can only create tokens for individual service accounts");
            if (!streq(x.subresource, "token"))
                return no(reason, "can only create token subresource of serviceaccount");
            return by_graph(a, node, r, &x, reason);
        }
    }
    if (at->resource_request && streq(x.group, "resource.k8s.io") &&
        streq(x.resource, "resourceclaims"))
        return get_only(a, node, "resourceclaims", &x, reason);
    if (at->resource_request && streq(x.group, "coordination.k8s.io") &&
        streq(x.resource, "leases"))
        return own_object(node, &x, true, reason);
    if (at->resource_request && streq(x.group, "storage.k8s.io") && streq(x.resource, "csinodes"))
        return own_object(node, &x, false, reason);
    size_t i;
    json_t *rule;
    json_array_foreach(a->rules, i, rule) if (ck_rbac_rule_allows(rule, at)) return CK_AUTHZ_ALLOW;
    return CK_AUTHZ_NO_OPINION;
}

static void node_free(ck_authorizer *base)
{
    nodeauth *a = (nodeauth *)base;
    if (!a) return;
    ck_cache_unlisten(a->cache, a->listen_id);
    json_decref(a->edges);
    json_decref(a->rules);
    free(a);
}

/* The static node rules: upstream's NodeRules(), the same as the system:node ClusterRole. */
static json_t *node_rules(void)
{
    json_t *rules = json_array();
    for (unsigned i = 0; i < ck_policy_ncluster_roles; i++) {
        const ck_policy_role *r = &ck_policy_cluster_roles[i];
        if (!streq(r->name, "system:node")) continue;
        for (int l = 0; l < 3 && r->rules[l]; l++)
            for (const char *const *s = r->rules[l]; *s; s++)
                json_array_append_new(rules, ck_policy_rule(*s));
    }
    return rules;
}

ck_authorizer *ck_node_authorizer_new(ck_apiserver *srv)
{
    nodeauth *a = xcalloc(1, sizeof *a);
    a->base = (ck_authorizer){.name = "Node", .authorize = node_authorize, .free = node_free};
    a->cache = srv->cache;
    a->rt_pod = ck_registry_find("", "v1", "pods")->storage;
    a->rt_pv = ck_registry_find("", "v1", "persistentvolumes")->storage;
    a->edges = json_object();
    a->rules = node_rules();
    ck_cache_each(a->cache, a->rt_pod, NULL, NULL, seed, a);
    a->listen_id = ck_cache_listen(a->cache, on_event, a);
    return &a->base;
}
