/* Start-up reconciliation of the bootstrap RBAC policy (upstream's rbac/bootstrap-roles
 * post-start hook): missing ClusterRoles and ClusterRoleBindings, and the Roles and
 * RoleBindings of kube-system and kube-public, are created; existing ones not annotated
 * rbac.authorization.kubernetes.io/autoupdate=false get the policy's missing labels,
 * annotations, rules (as single-verb rules, like upstream's reconciler) and subjects.
 * Nothing is removed. A missing kube-system or kube-public is created first (upstream's
 * tryEnsureNamespace); one being deleted is skipped with a warning, so start-up goes on and
 * the next start, after the namespace is gone and recreated, writes its objects. */
#include <stdio.h>

#include "apiserver/cache.h"
#include "apiserver/objstore.h"
#include "auth/rbac.h"
#include "lib/log.h"
#include "lib/util.h"

#define AUTOUPDATE "rbac.authorization.kubernetes.io/autoupdate"

static bool has(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (streq(json_string_value(v), s)) return true;
    return false;
}

static bool has_all(const json_t *set, const json_t *items)
{
    size_t i;
    json_t *v;
    json_array_foreach(items, i, v) if (!has(set, json_string_value(v))) return false;
    return true;
}

static bool resources_cover(const json_t *set, const json_t *items)
{
    if (has(set, "*") || has_all(set, items)) return true;
    size_t i;
    json_t *v;
    json_array_foreach(items, i, v)
    {
        const char *r = json_string_value(v);
        if (!r || has(set, r)) continue;
        const char *slash = strchr(r, '/');
        if (!slash) return false;
        char *star = xasprintf("*%s", slash);
        bool ok = has(set, star);
        free(star);
        if (!ok) return false;
    }
    return true;
}

static bool urls_cover(const json_t *set, const json_t *items)
{
    size_t i, k;
    json_t *v, *o;
    json_array_foreach(items, i, v)
    {
        const char *u = json_string_value(v);
        bool ok = false;
        json_array_foreach(set, k, o)
        {
            const char *p = json_string_value(o);
            if (!p || !u) continue;
            size_t n = strlen(p);
            if (streq(p, u) || (n && p[n - 1] == '*' && strncmp(u, p, n - 1) == 0)) ok = true;
        }
        if (!ok) return false;
    }
    return true;
}

/* Upstream's ruleCovers: owner allows everything sub allows. */
static bool rule_covers(const json_t *owner, const json_t *sub)
{
    const json_t *ov = json_object_get(owner, "verbs"), *og = json_object_get(owner, "apiGroups");
    const json_t *on = json_object_get(owner, "resourceNames");
    const json_t *sn = json_object_get(sub, "resourceNames");
    bool names = json_array_size(on) == 0 || (json_array_size(sn) > 0 && has_all(on, sn));
    return (has(ov, "*") || has_all(ov, json_object_get(sub, "verbs"))) &&
           (has(og, "*") || has_all(og, json_object_get(sub, "apiGroups"))) &&
           resources_cover(json_object_get(owner, "resources"),
                           json_object_get(sub, "resources")) &&
           urls_cover(json_object_get(owner, "nonResourceURLs"),
                      json_object_get(sub, "nonResourceURLs")) &&
           names;
}

static json_t *one(const char *s)
{
    return json_pack("[s]", s);
}

/* Upstream's BreakdownRule: one rule per group × resource × verb (× name), and per
 * non-resource URL × verb. */
static json_t *breakdown(const json_t *rule)
{
    json_t *out = json_array();
    const json_t *verbs = json_object_get(rule, "verbs");
    const json_t *names = json_object_get(rule, "resourceNames");
    size_t gi, ri, vi, ni;
    json_t *g, *r, *v, *n;
    json_array_foreach(json_object_get(rule, "apiGroups"), gi, g)
    {
        json_array_foreach(json_object_get(rule, "resources"), ri, r)
        {
            json_array_foreach(verbs, vi, v)
            {
                if (!json_is_string(g) || !json_is_string(r) || !json_is_string(v)) continue;
                json_t *base =
                    json_pack("{s:[O], s:[O], s:[O]}", "verbs", v, "apiGroups", g, "resources", r);
                if (json_array_size(names) == 0) {
                    json_array_append_new(out, base);
                    continue;
                }
                json_array_foreach(names, ni, n)
                {
                    if (!json_is_string(n)) continue;
                    json_t *atom = json_deep_copy(base);
                    json_object_set_new(atom, "resourceNames", json_pack("[O]", n));
                    json_array_append_new(out, atom);
                }
                json_decref(base);
            }
        }
    }
    json_array_foreach(json_object_get(rule, "nonResourceURLs"), ri, r)
    {
        json_array_foreach(verbs, vi, v)
        {
            if (!json_is_string(r) || !json_is_string(v)) continue;
            json_array_append_new(out, json_pack("{s:o, s:o}", "verbs", one(json_string_value(v)),
                                                 "nonResourceURLs", one(json_string_value(r))));
        }
    }
    return out;
}

bool ck_rbac_covers(const json_t *owner, const json_t *sub, json_t **missing)
{
    json_t *atoms = breakdown(sub), *miss = json_array();
    size_t i, k;
    json_t *a, *o;
    json_array_foreach(atoms, i, a)
    {
        bool ok = false;
        json_array_foreach(owner, k, o) if (rule_covers(o, a))
        {
            ok = true;
            break;
        }
        if (!ok) json_array_append(miss, a);
    }
    json_decref(atoms);
    bool covered = json_array_size(miss) == 0;
    if (missing && !covered)
        *missing = miss;
    else
        json_decref(miss);
    return covered;
}

/* Adds the keys of `want` missing in `have` (an object under doc.metadata). */
static bool merge_map(json_t *doc, const char *field, const json_t *want)
{
    json_t *md = ck_obj_ensure(doc, "metadata");
    json_t *have = json_object_get(md, field);
    if (!json_is_object(have)) {
        have = json_object();
        json_object_set_new(md, field, have);
    }
    bool changed = false;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)want, k, v)
    {
        if (json_object_get(have, k)) continue;
        json_object_set(have, k, v);
        changed = true;
    }
    return changed;
}

static bool reconcile_role(json_t *doc, const json_t *want)
{
    bool changed = merge_map(doc, "labels", ck_obj_get(want, "metadata.labels"));
    changed |= merge_map(doc, "annotations", ck_obj_get(want, "metadata.annotations"));
    json_t *agg = json_object_get(want, "aggregationRule");
    if (agg && !json_object_get(doc, "aggregationRule")) {
        json_object_set(doc, "aggregationRule", agg);
        changed = true;
    }
    json_t *rules = json_object_get(doc, "rules");
    if (!json_is_array(rules)) {
        rules = json_array();
        json_object_set_new(doc, "rules", rules);
    }
    size_t i;
    json_t *r, *missing = NULL;
    json_array_foreach(json_object_get(want, "rules"), i, r)
    {
        if (ck_rbac_covers(rules, r, &missing)) continue;
        json_array_extend(rules, missing);
        json_decref(missing);
        missing = NULL;
        changed = true;
    }
    return changed;
}

static bool same_subject(const json_t *a, const json_t *b)
{
    const char *an = json_string_value(json_object_get(a, "namespace"));
    const char *bn = json_string_value(json_object_get(b, "namespace"));
    return streq(json_string_value(json_object_get(a, "kind")),
                 json_string_value(json_object_get(b, "kind"))) &&
           streq(json_string_value(json_object_get(a, "name")),
                 json_string_value(json_object_get(b, "name"))) &&
           strcmp(an ? an : "", bn ? bn : "") == 0;
}

static bool reconcile_binding(json_t *doc, const json_t *want)
{
    bool changed = merge_map(doc, "labels", ck_obj_get(want, "metadata.labels"));
    changed |= merge_map(doc, "annotations", ck_obj_get(want, "metadata.annotations"));
    json_t *subjects = json_object_get(doc, "subjects");
    size_t i, k;
    json_t *s, *h;
    json_array_foreach(json_object_get(want, "subjects"), i, s)
    {
        bool found = false;
        json_array_foreach(subjects, k, h) if (same_subject(h, s)) found = true;
        if (found) continue;
        if (!json_is_array(subjects)) {
            subjects = json_array();
            json_object_set_new(doc, "subjects", subjects);
        }
        json_array_append(subjects, s);
        changed = true;
    }
    return changed;
}

/* Creates `want` (stolen; in namespace ns, or cluster-scoped when ns is NULL) or reconciles
 * the existing object with it. */
static int ensure(ck_apiserver *srv, const char *plural, const char *ns, json_t *want,
                  bool (*reconcile)(json_t *doc, const json_t *want))
{
    ck_rtype *rt = ck_registry_find("rbac.authorization.k8s.io", "v1", plural);
    const char *name = ck_obj_str(want, "metadata.name");
    cleanup_free char *what = ns ? xasprintf("%s %s/%s", rt->qualified, ns, name)
                                 : xasprintf("%s %s", rt->qualified, name);
    ck_obj *old = ck_obj_ref(ck_cache_get(srv->cache, rt, ns, name));
    ck_write_opts o = {.field_manager = "kube-apiserver", .operation = "Update"};
    ck_written w = {0};
    ck_err *err = NULL;
    int r = 0;
    if (!old) {
        r = ck_objstore_create(srv, rt, ns, want, &o, &w, &err);
        if (r == 0) ck_log_v(2, "rbac: created %s", what);
    } else {
        json_t *doc = ck_obj_parse_for(old, rt);
        const json_t *ann = ck_obj_get(doc, "metadata.annotations");
        if (!streq(json_string_value(json_object_get(ann, AUTOUPDATE)), "false") &&
            reconcile(doc, want)) {
            r = ck_objstore_update(srv, rt, old, doc, &o, &w, &err);
            if (r == 0) ck_log_info("rbac: reconciled %s", what);
        }
        json_decref(doc);
    }
    if (r < 0) ck_log_error("rbac: %s: %s", what, err->message);
    ck_err_free(err);
    ck_written_clear(&w);
    ck_obj_unref(old);
    json_decref(want);
    return r;
}

/* Upstream's tryEnsureNamespace for the namespaced policy: 1 when namespace ns exists (it is
 * created if missing, as ck_bootstrap would have), 0 when it is being deleted (no content can
 * be created there), -1 on a failed create. */
static int ensure_namespace(ck_apiserver *srv, const char *ns)
{
    ck_rtype *rt = ck_registry_find("", "v1", "namespaces");
    const ck_obj *o = ck_cache_get(srv->cache, rt, NULL, ns);
    if (o) {
        json_t *doc = ck_obj_parse(o);
        bool terminating = ck_obj_get(doc, "metadata.deletionTimestamp") ||
                           streq(ck_obj_str(doc, "status.phase"), "Terminating");
        json_decref(doc);
        if (!terminating) return 1;
        ck_log_warn("rbac: namespace %s is being deleted; its bootstrap roles and bindings are "
                    "written at the next start",
                    ns);
        return 0;
    }
    json_t *obj = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Namespace",
                            "metadata", "name", ns);
    ck_write_opts opts = {.field_manager = "kube-apiserver", .operation = "Update"};
    ck_written w = {0};
    ck_err *err = NULL;
    int r = ck_objstore_create(srv, rt, NULL, obj, &opts, &w, &err);
    if (r < 0)
        ck_log_error("rbac: creating namespace %s: %s", ns, err->message);
    else
        ck_log_info("rbac: created namespace %s", ns);
    ck_err_free(err);
    ck_written_clear(&w);
    json_decref(obj);
    return r < 0 ? -1 : 1;
}

/* The namespaces of the namespaced policy, each ensured once. */
typedef struct ns_seen {
    const char *name[8];
    bool ready[8];
    unsigned n;
} ns_seen;

/* Whether the namespaced policy may be written in ns; *r becomes -1 on a failure. */
static bool namespace_ready(ck_apiserver *srv, ns_seen *seen, const char *ns, int *r)
{
    for (unsigned k = 0; k < seen->n; k++)
        if (streq(seen->name[k], ns)) return seen->ready[k];
    int ok = ensure_namespace(srv, ns);
    if (ok < 0) *r = -1;
    if (seen->n < ARRAY_SIZE(seen->name)) {
        seen->name[seen->n] = ns;
        seen->ready[seen->n++] = ok > 0;
    }
    return ok > 0;
}

int ck_rbac_bootstrap(ck_apiserver *srv)
{
    int r = 0;
    for (unsigned i = 0; i < ck_policy_ncluster_roles; i++) {
        const ck_policy_role *role = &ck_policy_cluster_roles[i];
        if (ensure(srv, "clusterroles", NULL, ck_policy_role_object(role), reconcile_role) < 0)
            r = -1;
    }
    for (unsigned i = 0; i < ck_policy_ncluster_bindings; i++) {
        json_t *b = ck_policy_binding_object(&ck_policy_cluster_bindings[i]);
        if (ensure(srv, "clusterrolebindings", NULL, b, reconcile_binding) < 0) r = -1;
    }
    static const char ctrl[] = "system:controller:";
    for (unsigned i = 0; i < ck_policy_ncluster_roles; i++) {
        const char *name = ck_policy_cluster_roles[i].name;
        if (!has_prefix(name, ctrl)) continue;
        char *subject = xasprintf("S:kube-system/%s", name + sizeof ctrl - 1);
        ck_policy_binding b = {name, name, subject};
        if (ensure(srv, "clusterrolebindings", NULL, ck_policy_binding_object(&b),
                   reconcile_binding) < 0)
            r = -1;
        free(subject);
    }
    ns_seen seen = {0};
    for (unsigned i = 0; i < ck_policy_nns_roles; i++) {
        const ck_policy_ns_role *role = &ck_policy_ns_roles[i];
        if (!namespace_ready(srv, &seen, role->ns, &r)) continue;
        if (ensure(srv, "roles", role->ns, ck_policy_ns_role_object(role), reconcile_role) < 0)
            r = -1;
    }
    for (unsigned i = 0; i < ck_policy_nns_bindings; i++) {
        const ck_policy_ns_binding *b = &ck_policy_ns_bindings[i];
        if (!namespace_ready(srv, &seen, b->ns, &r)) continue;
        if (ensure(srv, "rolebindings", b->ns, ck_policy_ns_binding_object(b), reconcile_binding) <
            0)
            r = -1;
    }
    return r;
}
