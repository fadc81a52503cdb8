/* NodeRestriction admission (upstream's plugin/pkg/admission/noderestriction) for writes
 * by a node identity (system:node:NAME in system:nodes): its own Node only, without
 * changing its taints or setting labels outside the kubelet's set; mirror pods bound to
 * itself that reference no other API objects; status of pods bound to itself; its own
 * Lease in kube-node-lease. Called by the object store on create and update after
 * validation; pod deletes and evictions are not checked yet. */
#include <stdarg.h>
#include <stdio.h>

#include "apiserver/api.h"
#include "auth/authz.h"
#include "lib/util.h"
#include "registry/registry.h"

static int forbid(ck_err **err, const ck_rtype *rt, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *why = NULL;
    if (vasprintf(&why, fmt, ap) < 0) why = NULL;
    va_end(ap);
    ck_error_details(err, 403, CK_FORBIDDEN, ck_status_details((ck_rtype *)rt, name),
                     "%s \"%s\" is forbidden: %s", rt->qualified, name, why ? why : "");
    free(why);
    return -1;
}

/* The namespace of a label key: the part before '/', "" if none. */
static void label_ns(const char *key, char *out, size_t n)
{
    const char *slash = strchr(key, '/');
    size_t len = slash ? (size_t)(slash - key) : 0;
    snprintf(out, n, "%.*s", (int)len, key);
}

static bool in_domain(const char *ns, const char *domain)
{
    size_t a = strlen(ns), b = strlen(domain);
    return streq(ns, domain) || (a > b && ns[a - b - 1] == '.' && streq(ns + a - b, domain));
}

/* Labels a kubelet may not set: node-restriction.kubernetes.io, and kubernetes.io/k8s.io
 * labels other than the kubelet's own (kubeletapis.IsKubeletLabel). */
static bool forbidden_label(const char *key)
{
    static const char *const kubelet[] = {"kubernetes.io/hostname",
                                          "topology.kubernetes.io/zone",
                                          "topology.kubernetes.io/region",
                                          "failure-domain.beta.kubernetes.io/zone",
                                          "failure-domain.beta.kubernetes.io/region",
                                          "beta.kubernetes.io/instance-type",
                                          "node.kubernetes.io/instance-type",
                                          "kubernetes.io/os",
                                          "kubernetes.io/arch",
                                          "beta.kubernetes.io/os",
                                          "beta.kubernetes.io/arch"};
    char ns[256];
    label_ns(key, ns, sizeof ns);
    if (in_domain(ns, "node-restriction.kubernetes.io")) return true;
    if (!in_domain(ns, "kubernetes.io") && !in_domain(ns, "k8s.io")) return false;
    for (size_t i = 0; i < ARRAY_SIZE(kubelet); i++)
        if (streq(key, kubelet[i])) return false;
    return !in_domain(ns, "kubelet.kubernetes.io") && !in_domain(ns, "node.kubernetes.io");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The forbidden labels that differ between two label maps, sorted and joined with ", "
 * (NULL when none; caller frees). */
static char *forbidden_changes(const json_t *labels, const json_t *old)
{
    size_t n = json_object_size(labels) + json_object_size(old), k = 0;
    const char **v = xcalloc(n + 1, sizeof *v);
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)labels, key, val)
    {
        if (!json_equal(val, json_object_get(old, key)) && forbidden_label(key)) v[k++] = key;
    }
    json_object_foreach((json_t *)old, key, val)
    {
        if (!json_object_get(labels, key) && forbidden_label(key)) v[k++] = key;
    }
    char *out = NULL;
    if (k) {
        qsort(v, k, sizeof *v, cmp_str);
        size_t len = 1;
        for (size_t i = 0; i < k; i++)
            len += strlen(v[i]) + 2;
        out = xcalloc(1, len);
        for (size_t i = 0; i < k; i++) {
            if (i) strcat(out, ", ");
            strcat(out, v[i]);
        }
    }
    free(v);
    return out;
}

static int admit_node(const char *node, const ck_rtype *rt, const json_t *obj, const json_t *old,
                      ck_err **err)
{
    const char *name = ck_obj_str(obj, "metadata.name");
    if (!streq(name, node))
        return forbid(err, rt, name ? name : "", "node \"%s\" is not allowed to modify node \"%s\"",
                      node, name ? name : "");
    const json_t *labels = ck_obj_get(obj, "metadata.labels");
    if (!old) {
        char *bad = forbidden_changes(labels, NULL);
        if (!bad) return 0;
        forbid(err, rt, name, "node \"%s\" is not allowed to set the following labels: %s", node,
               bad);
        free(bad);
        return -1;
    }
    if (!json_equal(ck_obj_get(obj, "spec.taints"), ck_obj_get(old, "spec.taints")) &&
        (json_array_size(ck_obj_get(obj, "spec.taints")) ||
         json_array_size(ck_obj_get(old, "spec.taints"))))
        return forbid(err, rt, name, "node \"%s\" is not allowed to modify taints", node);
    char *bad = forbidden_changes(labels, ck_obj_get(old, "metadata.labels"));
    if (!bad) return 0;
    forbid(err, rt, name, "is not allowed to modify labels: %s", bad);
    free(bad);
    return -1;
}

/* A mirror pod may reference no secret, configmap, PVC, resource claim or service
 * account. */
static const char *pod_reference(const json_t *pod)
{
    json_t *set = json_object();
    ck_node_pod_refs(pod, set);
    static const char *const kinds[] = {"secrets", "configmaps", "persistentvolumeclaims",
                                        "resourceclaims"};
    const char *found = NULL;
    const char *key;
    json_t *v;
    json_object_foreach(set, key, v)
    {
        const char *kind = strchr(key, ' '); /* keys are "node kind ns name" */
        for (size_t i = 0; kind && !found && i < ARRAY_SIZE(kinds); i++)
            if (has_prefix(kind + 1, kinds[i]) && kind[1 + strlen(kinds[i])] == ' ')
                found = kinds[i];
    }
    json_decref(set);
    return found;
}

static int admit_pod(const char *node, const ck_rtype *rt, const char *sub, const json_t *obj,
                     const json_t *old, ck_err **err)
{
    const char *name = ck_obj_str(obj, "metadata.name");
    name = name ? name : "";
    const char *bound = ck_obj_str(old ? old : obj, "spec.nodeName");
    if (sub && streq(sub, "status")) {
        if (!streq(bound, node))
            return forbid(err, rt, name,
                          "node \"%s\" can only update pod status for pods with spec.nodeName "
                          "set to itself",
                          node);
        const json_t *l = ck_obj_get(obj, "metadata.labels"),
                     *ol = ck_obj_get(old, "metadata.labels");
        if (json_object_size(l) + json_object_size(ol) && !json_equal(l, ol))
            return forbid(err, rt, name, "node \"%s\" cannot update labels through pod status",
                          node);
        return 0;
    }
    if (sub) return forbid(err, rt, name, "unexpected subresource \"%s\"", sub);
    if (old)
        return forbid(err, rt, name,
                      "unexpected operation \"UPDATE\", node \"%s\" can only create and delete "
                      "mirror pods",
                      node);
    if (!json_object_get(ck_obj_get(obj, "metadata.annotations"), "kubernetes.io/config.mirror"))
        return forbid(err, rt, name,
                      "pod does not have \"kubernetes.io/config.mirror\" annotation, node \"%s\" "
                      "can only create mirror pods",
                      node);
    if (!streq(bound, node))
        return forbid(err, rt, name,
                      "node \"%s\" can only create pods with spec.nodeName set to itself", node);
    const json_t *owners = ck_obj_get(obj, "metadata.ownerReferences");
    if (json_array_size(owners) > 1)
        return forbid(err, rt, name,
                      "node \"%s\" can only create pods with a single owner reference set to "
                      "itself",
                      node);
    const json_t *o = json_array_get(owners, 0);
    if (o && (!streq(ck_obj_str(o, "apiVersion"), "v1") || !streq(ck_obj_str(o, "kind"), "Node") ||
              !streq(ck_obj_str(o, "name"), node)))
        return forbid(err, rt, name,
                      "node \"%s\" can only create pods with an owner reference set to itself",
                      node);
    if (o && !json_is_true(json_object_get(o, "controller")))
        return forbid(err, rt, name,
                      "node \"%s\" can only create pods with a controller owner reference set to "
                      "itself",
                      node);
    if (o && json_is_true(json_object_get(o, "blockOwnerDeletion")))
        return forbid(err, rt, name,
                      "node \"%s\" must not set blockOwnerDeletion on an owner "
                      "reference",
                      node);
    const char *sa = ck_obj_str(obj, "spec.serviceAccountName");
    if (sa && *sa)
        return forbid(err, rt, name,
                      "node \"%s\" can not create pods that reference a service "
                      "account",
                      node);
    const char *ref = pod_reference(obj);
    if (ref)
        return forbid(err, rt, name, "node \"%s\" can not create pods that reference %s", node,
                      ref);
    return 0;
}

static int admit_lease(const char *node, const ck_rtype *rt, const json_t *obj, ck_err **err)
{
    const char *name = ck_obj_str(obj, "metadata.name");
    name = name ? name : "";
    if (!streq(ck_obj_str(obj, "metadata.namespace"), "kube-node-lease"))
        return forbid(err, rt, name,
                      "can only access leases in the \"kube-node-lease\" system namespace");
    if (!streq(name, node))
        return forbid(err, rt, name,
                      "can only access node lease with the same name as the requesting node");
    return 0;
}

int ck_noderestriction_admit(const struct ck_strategy_ctx *ctx, const struct ck_rtype *rt,
                             const char *sub, const json_t *obj, const json_t *old, ck_err **err)
{
    const char *node = ctx ? ck_node_identity(ctx->user, ctx->groups) : NULL;
    if (!node) return 0;
    const char *group = rt->def->group, *plural = rt->def->plural;
    if (!*group && streq(plural, "nodes")) return admit_node(node, rt, obj, old, err);
    if (!*group && streq(plural, "pods")) return admit_pod(node, rt, sub, obj, old, err);
    if (streq(group, "coordination.k8s.io") && streq(plural, "leases"))
        return admit_lease(node, rt, obj, err);
    return 0;
}

int ck_noderestriction_pod_delete(const char *user, const char *const *groups, const json_t *pod,
                                  bool eviction, ck_err **err)
{
    const char *node = ck_node_identity(user, groups);
    if (!node) return 0;
    const char *bound =
        json_string_value(json_object_get(json_object_get(pod, "spec"), "nodeName"));
    if (bound && streq(bound, node)) return 0;
    const char *name = json_string_value(json_object_get(json_object_get(pod, "metadata"), "name"));
    return ck_error(err, 403, CK_FORBIDDEN,
                    "pods \"%s\" is forbidden: node \"%s\" can only %s pods with spec.nodeName "
                    "set to itself",
                    name ? name : "", node, eviction ? "evict" : "delete");
}
