/* RBAC escalation prevention (upstream's pkg/registry/rbac/validation and the "policybased"
 * role and binding storages): a user may write a Role or ClusterRole only with rules it
 * already holds where the role applies, unless it may `escalate` roles; it may bind a role
 * only if it holds the role's rules, unless it may `bind` that role. Members of
 * system:masters, and the server's own writes, are never checked. */
#include <stdio.h>

#include "apiserver/cache.h"
#include "apiserver/server.h"
#include "auth/rbac.h"
#include "lib/util.h"

#define RBAC_GROUP "rbac.authorization.k8s.io"

static bool privileged(const char *const *groups)
{
    for (const char *const *g = groups; g && *g; g++)
        if (streq(*g, "system:masters")) return true;
    return false;
}

/* Whether the chain allows verb on resource (of the RBAC group) named name in ns. */
static bool authorized(ck_apiserver *srv, const char *user, const char *const *groups,
                       const char *verb, const char *resource, const char *ns, const char *name)
{
    ck_authz_attrs at = {.user = user,
                         .groups = groups,
                         .verb = verb,
                         .resource_request = true,
                         .ns = ns ? ns : "",
                         .group = RBAC_GROUP,
                         .version = "*",
                         .resource = resource,
                         .subresource = "",
                         .name = name ? name : ""};
    char *reason = NULL;
    bool ok = ck_authz_chain_decide(&srv->authz, &at, &reason) == CK_AUTHZ_ALLOW;
    free(reason);
    return ok;
}

/* Appends Go's %q of a []string (`["a" "b"]`) to *s. */
static void append_quoted(char **s, const json_t *arr)
{
    char *out = xasprintf("%s[", *s);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *str = json_string_value(v);
        char *q = xasprintf("%s%s\"", out, i ? " " : "");
        free(out);
        out = q;
        for (const char *c = str ? str : ""; *c; c++) {
            q = (*c == '"' || *c == '\\') ? xasprintf("%s\\%c", out, *c)
                                          : xasprintf("%s%c", out, *c);
            free(out);
            out = q;
        }
        q = xasprintf("%s\"", out);
        free(out);
        out = q;
    }
    free(*s);
    *s = xasprintf("%s]", out);
    free(out);
}

/* Upstream's rbacv1helpers.CompactString: "{APIGroups:[...], Resources:[...], ...}". */
static char *compact_string(const json_t *rule)
{
    static const char *const keys[][2] = {{"apiGroups", "APIGroups"},
                                          {"resources", "Resources"},
                                          {"nonResourceURLs", "NonResourceURLs"},
                                          {"resourceNames", "ResourceNames"},
                                          {"verbs", "Verbs"}};
    char *s = xstrdup("{");
    bool first = true;
    for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
        const json_t *v = json_object_get(rule, keys[k][0]);
        if (!json_array_size(v)) continue;
        char *n = xasprintf("%s%s%s:", s, first ? "" : ", ", keys[k][1]);
        free(s);
        s = n;
        append_quoted(&s, v);
        first = false;
    }
    char *n = xasprintf("%s}", s);
    free(s);
    return n;
}

/* Upstream's CompactRules: single-group, single-resource rules (at most one name) of the
 * same group/resource/name merge their verbs. A new array. */
static json_t *compact(const json_t *rules)
{
    json_t *out = json_array(), *simple = json_array();
    size_t i, k;
    json_t *r, *s;
    json_array_foreach(rules, i, r)
    {
        const json_t *names = json_object_get(r, "resourceNames");
        bool is_simple = json_array_size(json_object_get(r, "apiGroups")) == 1 &&
                         json_array_size(json_object_get(r, "resources")) == 1 &&
                         json_array_size(names) <= 1 &&
                         !json_array_size(json_object_get(r, "nonResourceURLs"));
        if (!is_simple) {
            json_array_append(out, r);
            continue;
        }
        json_t *match = NULL;
        json_array_foreach(simple, k, s)
        {
            if (json_equal(json_object_get(s, "apiGroups"), json_object_get(r, "apiGroups")) &&
                json_equal(json_object_get(s, "resources"), json_object_get(r, "resources")) &&
                json_array_size(json_object_get(s, "resourceNames")) == json_array_size(names) &&
                (!json_array_size(names) || json_equal(json_object_get(s, "resourceNames"), names)))
                match = s;
        }
        if (!match) {
            json_array_append_new(simple, json_deep_copy(r));
            continue;
        }
        json_t *verbs = json_object_get(match, "verbs"), *v, *have;
        size_t vi, hi;
        json_array_foreach(json_object_get(r, "verbs"), vi, v)
        {
            bool dup = false;
            json_array_foreach(verbs, hi, have) dup |= json_equal(have, v);
            if (!dup) json_array_append(verbs, v);
        }
    }
    json_array_extend(out, simple);
    json_decref(simple);
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Upstream's ConfirmNoEscalation: the user's rules in ns must cover rules. On failure,
 * *why gets upstream's "user ... is attempting to grant RBAC permissions not currently
 * held:\n..." text. */
static bool no_escalation(ck_apiserver *srv, const char *user, const char *const *groups,
                          const char *ns, const json_t *rules, char **why)
{
    json_t *owner = ck_rbac_rules_for(&srv->authz, user, groups, ns ? ns : "");
    json_t *missing = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r)
    {
        json_t *m = NULL;
        if (!ck_rbac_covers(owner, r, &m)) json_array_extend(missing, m);
        json_decref(m);
    }
    json_decref(owner);
    bool ok = json_array_size(missing) == 0;
    if (!ok) {
        json_t *c = compact(missing);
        size_t n = json_array_size(c);
        char **descs = xcalloc(n, sizeof *descs);
        json_array_foreach(c, i, r) descs[i] = compact_string(r);
        qsort(descs, n, sizeof *descs, cmp_str);
        json_t *g = json_array();
        for (const char *const *p = groups; p && *p; p++)
            json_array_append_new(g, json_string(*p));
        char *list = xstrdup("");
        append_quoted(&list, g);
        json_decref(g);
        char *msg = xasprintf("user \"%s\" (groups=%s) is attempting to grant RBAC permissions "
                              "not currently held:",
                              user, list);
        free(list);
        for (i = 0; i < n; i++) { /* a sorted set, as upstream */
            if (!i || !streq(descs[i], descs[i - 1])) {
                char *next = xasprintf("%s\n%s", msg, descs[i]);
                free(msg);
                msg = next;
            }
        }
        for (i = 0; i < n; i++)
            free(descs[i]);
        free(descs);
        json_decref(c);
        *why = msg;
    }
    json_decref(missing);
    return ok;
}

static int forbidden(const char *resource, const char *name, const char *why, ck_err **err)
{
    json_t *details = json_pack("{s:s, s:s, s:s}", "name", name ? name : "", "group", RBAC_GROUP,
                                "kind", resource);
    return ck_error_details(err, 403, CK_FORBIDDEN, details,
                            "%s." RBAC_GROUP " \"%s\" is forbidden: %s", resource, name ? name : "",
                            why);
}

/* Upstream's IsOnlyMutatingGCFields: obj differs from old at most in ownerReferences and
 * finalizers (and what the server keeps itself). */
static bool only_gc_fields(const json_t *obj, const json_t *old)
{
    static const char *const drop[] = {"ownerReferences", "finalizers", "managedFields",
                                       "resourceVersion"};
    if (!old) return false;
    json_t *a = json_deep_copy(obj), *b = json_deep_copy(old);
    for (size_t i = 0; i < ARRAY_SIZE(drop); i++) {
        json_object_del(json_object_get(a, "metadata"), drop[i]);
        json_object_del(json_object_get(b, "metadata"), drop[i]);
    }
    bool same = json_equal(a, b);
    json_decref(a);
    json_decref(b);
    return same;
}

int ck_rbac_check_role_write(ck_apiserver *srv, const char *user, const char *const *groups,
                             const char *ns, const json_t *obj, const json_t *old, ck_err **err)
{
    const char *resource = ns ? "roles" : "clusterroles";
    const char *name = ck_obj_str(obj, "metadata.name");
    if (!user || privileged(groups)) return 0;
    if (authorized(srv, user, groups, "escalate", resource, ns, old ? name : "")) return 0;
    if (only_gc_fields(obj, old)) return 0;
    char *why = NULL;
    if (!no_escalation(srv, user, groups, ns, json_object_get(obj, "rules"), &why)) {
        int rc = forbidden(resource, name, why, err);
        free(why);
        return rc;
    }
    /* An aggregationRule can gather anything: it needs full authority. */
    const json_t *agg = json_object_get(obj, "aggregationRule");
    if (!ns && json_is_object(agg)) {
        json_t *full =
            json_pack("[{s:[s], s:[s], s:[s]}, {s:[s], s:[s]}]", "verbs", "*", "apiGroups", "*",
                      "resources", "*", "verbs", "*", "nonResourceURLs", "*");
        bool ok = no_escalation(srv, user, groups, NULL, full, &why);
        json_decref(full);
        free(why);
        if (!ok)
            return forbidden(resource, name,
                             "must have cluster-admin privileges to use the aggregationRule", err);
    }
    return 0;
}

/* The rules of the role a binding in ns refers to; NULL with *why set when it is missing. */
static json_t *ref_rules(ck_apiserver *srv, const char *ns, const json_t *ref, char **why)
{
    const char *kind = ck_obj_str(ref, "kind"), *name = ck_obj_str(ref, "name");
    bool cluster = streq(kind, "ClusterRole");
    ck_rtype *rt = ck_registry_find(RBAC_GROUP, "v1", cluster ? "clusterroles" : "roles");
    const ck_obj *o = rt && name ? ck_cache_get(srv->cache, rt, cluster ? NULL : ns, name) : NULL;
    if (!o) {
        *why = xasprintf("%s." RBAC_GROUP " \"%s\" not found", cluster ? "clusterrole" : "role",
                         name ? name : "");
        return NULL;
    }
    json_t *doc = ck_obj_parse(o);
    json_t *rules = json_incref(json_object_get(doc, "rules"));
    json_decref(doc);
    return rules ? rules : json_array();
}

int ck_rbac_check_binding_write(ck_apiserver *srv, const char *user, const char *const *groups,
                                const char *ns, const json_t *obj, const json_t *old, ck_err **err)
{
    const char *resource = ns ? "rolebindings" : "clusterrolebindings";
    const char *name = ck_obj_str(obj, "metadata.name");
    if (!user || privileged(groups)) return 0;
    const json_t *ref = json_object_get(obj, "roleRef");
    const char *kind = ck_obj_str(ref, "kind");
    if ((streq(kind, "ClusterRole") || streq(kind, "Role")) &&
        authorized(srv, user, groups, "bind", streq(kind, "Role") ? "roles" : "clusterroles", ns,
                   ck_obj_str(ref, "name")))
        return 0;
    if (only_gc_fields(obj, old)) return 0;
    char *why = NULL;
    json_t *rules = ref_rules(srv, ns, ref, &why);
    if (rules) no_escalation(srv, user, groups, ns, rules, &why);
    json_decref(rules);
    int rc = why ? forbidden(resource, name, why, err) : 0;
    free(why);
    return rc;
}
