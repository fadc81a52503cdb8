/* The RBAC authorizer (upstream's plugin/pkg/auth/authorizer/rbac): a request is allowed
 * when a rule of a role bound to the user, one of its groups or its service account allows
 * it; RBAC never denies. The bindings are indexed by subject and the roles' rules are kept
 * parsed; both are rebuilt on the first decision after an RBAC object changed, so a
 * decision costs a few hash lookups and the matching of the subject's own rules. */
#include "auth/rbac.h"

#include <stdint.h>
#include <stdio.h>

#include "apiserver/cache.h"
#include "apiserver/server.h"
#include "lib/log.h"
#include "lib/util.h"

#define RBAC_GROUP "rbac.authorization.k8s.io"

/* ---- rule matching ---- */

typedef struct strv {
    const char **v; /* borrowed from the rule's JSON */
    size_t n;
} strv;

typedef struct crule {
    strv verbs, groups, resources, names, urls;
} crule;

static void strv_from(strv *s, const json_t *arr)
{
    s->v = NULL;
    s->n = 0;
    size_t n = json_array_size(arr);
    if (!n) return;
    s->v = xmalloc(n * sizeof *s->v);
    for (size_t i = 0; i < n; i++) {
        const char *str = json_string_value(json_array_get(arr, i));
        if (str) s->v[s->n++] = str;
    }
}

static void crule_init(crule *r, const json_t *rule)
{
    strv_from(&r->verbs, json_object_get(rule, "verbs"));
    strv_from(&r->groups, json_object_get(rule, "apiGroups"));
    strv_from(&r->resources, json_object_get(rule, "resources"));
    strv_from(&r->names, json_object_get(rule, "resourceNames"));
    strv_from(&r->urls, json_object_get(rule, "nonResourceURLs"));
}

static void crule_clear(crule *r)
{
    free(r->verbs.v);
    free(r->groups.v);
    free(r->resources.v);
    free(r->names.v);
    free(r->urls.v);
}

static inline const char *S(const char *s)
{
    return s ? s : "";
}

/* x is in s, or s holds the wildcard "*". */
static bool has_or_all(const strv *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if ((s->v[i][0] == '*' && s->v[i][1] == 0) || strcmp(s->v[i], x) == 0) return true;
    return false;
}

static bool resource_matches(const strv *s, const char *combined, const char *sub)
{
    size_t sublen = strlen(sub);
    for (size_t i = 0; i < s->n; i++) {
        const char *r = s->v[i];
        if ((r[0] == '*' && r[1] == 0) || strcmp(r, combined) == 0) return true;
        if (sublen && r[0] == '*' && r[1] == '/' && strcmp(r + 2, sub) == 0) return true;
    }
    return false;
}

static bool name_matches(const strv *s, const char *name)
{
    if (s->n == 0) return true;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], name) == 0) return true;
    return false;
}

static bool url_matches(const strv *s, const char *path)
{
    for (size_t i = 0; i < s->n; i++) {
        const char *u = s->v[i];
        if ((u[0] == '*' && u[1] == 0) || strcmp(u, path) == 0) return true;
        size_t n = strlen(u);
        if (n && u[n - 1] == '*') {
            while (n && u[n - 1] == '*') /* every trailing star, as strings.TrimRight */
                n--;
            if (strncmp(path, u, n) == 0) return true;
        }
    }
    return false;
}

/* combined is "resource" or "resource/subresource" of a resource request. */
static bool crule_allows(const crule *r, const ck_authz_attrs *at, const char *combined)
{
    if (!has_or_all(&r->verbs, S(at->verb))) return false;
    if (!at->resource_request) return url_matches(&r->urls, S(at->path));
    return has_or_all(&r->groups, S(at->group)) &&
           resource_matches(&r->resources, combined, S(at->subresource)) &&
           name_matches(&r->names, S(at->name));
}

/* Writes "resource[/subresource]" into buf (size n) or, if longer, into a new string
 * returned through *heap (caller frees). */
static const char *combine(const ck_authz_attrs *at, char *buf, size_t n, char **heap)
{
    *heap = NULL;
    const char *res = S(at->resource), *sub = S(at->subresource);
    if (!*sub) return res;
    int len = snprintf(buf, n, "%s/%s", res, sub);
    if (len >= 0 && (size_t)len < n) return buf;
    return *heap = xasprintf("%s/%s", res, sub);
}

bool ck_rbac_rule_allows(const json_t *rule, const ck_authz_attrs *at)
{
    if (!json_is_object(rule) || !at) return false;
    crule r;
    crule_init(&r, rule);
    char buf[256], *heap;
    const char *combined = combine(at, buf, sizeof buf, &heap);
    bool ok = crule_allows(&r, at, combined);
    free(heap);
    crule_clear(&r);
    return ok;
}

/* ---- a small string-keyed hash map ---- */

typedef struct mnode {
    struct mnode *next;
    uint64_t h;
    char *key;
    void *val;
} mnode;

typedef struct map {
    mnode **b;
    size_t nb, n;
    void (*free_val)(void *);
} map;

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void map_init(map *m, void (*free_val)(void *))
{
    *m = (map){.nb = 64, .free_val = free_val};
    m->b = xcalloc(m->nb, sizeof *m->b);
}

static void map_clear(map *m)
{
    for (size_t i = 0; i < m->nb; i++) {
        for (mnode *e = m->b[i], *next; e; e = next) {
            next = e->next;
            m->free_val(e->val);
            free(e->key);
            free(e);
        }
    }
    free(m->b);
    m->b = NULL;
    m->n = m->nb = 0;
}

static void *map_get_h(const map *m, const char *key, uint64_t h)
{
    for (mnode *e = m->b[h & (m->nb - 1)]; e; e = e->next)
        if (e->h == h && strcmp(e->key, key) == 0) return e->val;
    return NULL;
}

static void *map_get(const map *m, const char *key)
{
    return map_get_h(m, key, hash(key));
}

/* Inserts key (copied) → val; key must be absent. */
static void map_put(map *m, const char *key, void *val)
{
    if (m->n >= m->nb) {
        size_t nb = m->nb * 2;
        mnode **b = xcalloc(nb, sizeof *b);
        for (size_t i = 0; i < m->nb; i++) {
            for (mnode *e = m->b[i], *next; e; e = next) {
                next = e->next;
                e->next = b[e->h & (nb - 1)];
                b[e->h & (nb - 1)] = e;
            }
        }
        free(m->b);
        m->b = b;
        m->nb = nb;
    }
    mnode *e = xmalloc(sizeof *e);
    e->h = hash(key);
    e->key = xstrdup(key);
    e->val = val;
    e->next = m->b[e->h & (m->nb - 1)];
    m->b[e->h & (m->nb - 1)] = e;
    m->n++;
}

/* ---- the index ---- */

/* A parsed role: its document (owning the rule strings) and its rules. */
typedef struct crole {
    json_t *doc;
    crule *rules;
    size_t n;
} crole;

static void crole_free(void *p)
{
    crole *r = p;
    for (size_t i = 0; i < r->n; i++)
        crule_clear(&r->rules[i]);
    free(r->rules);
    json_decref(r->doc);
    free(r);
}

/* One binding of one subject: the role it grants and where. */
typedef struct grant {
    char *ns;       /* RoleBinding namespace; NULL for a ClusterRoleBinding */
    bool cluster;   /* the role is a ClusterRole (else a Role in ns) */
    char *role_key; /* ClusterRole name or "ns/name" of a Role */
    uint64_t role_hash;
    char *reason; /* "RBAC: allowed by ..." */
} grant;

typedef struct glist {
    grant *v;
    size_t n, cap;
} glist;

static void glist_free(void *p)
{
    glist *l = p;
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].ns);
        free(l->v[i].role_key);
        free(l->v[i].reason);
    }
    free(l->v);
    free(l);
}

typedef struct rbac {
    ck_authorizer base;
    ck_cache *cache;
    ck_rtype *rt_cr, *rt_crb, *rt_r, *rt_rb;
    int listen_id;
    bool roles_dirty, bindings_dirty;
    map croles, roles; /* ClusterRole name / Role "ns/name" → crole */
    map users, groups; /* subject name → glist */
} rbac;

static bool add_role(ck_obj *o, void *ctx)
{
    map *m = ctx;
    crole *r = xcalloc(1, sizeof *r);
    r->doc = ck_obj_parse(o);
    json_t *rules = json_object_get(r->doc, "rules");
    r->rules = xcalloc(json_array_size(rules) + 1, sizeof *r->rules);
    size_t i;
    json_t *rule;
    json_array_foreach(rules, i, rule) if (json_is_object(rule))
        crule_init(&r->rules[r->n++], rule);
    char *key = o->ns ? xasprintf("%s/%s", o->ns, o->name) : xstrdup(o->name);
    map_put(m, key, r);
    free(key);
    return true;
}

static void add_grant(map *m, const char *subject, const grant *g)
{
    glist *l = map_get(m, subject);
    if (!l) {
        l = xcalloc(1, sizeof *l);
        map_put(m, subject, l);
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = (grant){
        .ns = g->ns ? xstrdup(g->ns) : NULL,
        .cluster = g->cluster,
        .role_key = xstrdup(g->role_key),
        .role_hash = g->role_hash,
        .reason = xstrdup(g->reason),
    };
}

static bool add_binding(ck_obj *o, void *ctx)
{
    rbac *a = ctx;
    json_t *doc = ck_obj_parse(o);
    const char *kind = ck_obj_str(doc, "roleRef.kind"), *role = ck_obj_str(doc, "roleRef.name");
    const char *ns = o->ns; /* NULL for ClusterRoleBindings */
    bool cluster = streq(kind, "ClusterRole");
    if (!role || (!cluster && (!streq(kind, "Role") || !ns))) goto out;
    char *key = cluster ? xstrdup(role) : xasprintf("%s/%s", ns, role);
    char *bdesc = ns ? xasprintf("RoleBinding \"%s/%s\"", o->name, ns)
                     : xasprintf("ClusterRoleBinding \"%s\"", o->name);
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(doc, "subjects"), i, s)
    {
        const char *skind = json_string_value(json_object_get(s, "kind"));
        const char *sname = json_string_value(json_object_get(s, "name"));
        const char *sns = json_string_value(json_object_get(s, "namespace"));
        if (!sname) continue;
        map *m = NULL;
        char *subject = NULL, *sdesc = NULL;
        if (streq(skind, "User")) {
            m = &a->users;
            subject = xstrdup(sname);
            sdesc = xasprintf("User \"%s\"", sname);
        } else if (streq(skind, "Group")) {
            m = &a->groups;
            subject = xstrdup(sname);
            sdesc = xasprintf("Group \"%s\"", sname);
        } else if (streq(skind, "ServiceAccount")) {
            const char *sans = sns && *sns ? sns : ns; /* defaults to the binding's */
            if (!sans || !*sans) continue;
            m = &a->users;
            subject = xasprintf("system:serviceaccount:%s:%s", sans, sname);
            sdesc = xasprintf("ServiceAccount \"%s/%s\"", sname, sans);
        } else {
            continue;
        }
        char *reason =
            xasprintf("RBAC: allowed by %s of %s \"%s\" to %s", bdesc, kind, role, sdesc);
        grant g = {.ns = (char *)ns,
                   .cluster = cluster,
                   .role_key = key,
                   .role_hash = hash(key),
                   .reason = reason};
        add_grant(m, subject, &g);
        free(reason);
        free(subject);
        free(sdesc);
    }
    free(bdesc);
    free(key);
out:
    json_decref(doc);
    return true;
}

static void refresh(rbac *a)
{
    if (a->roles_dirty) {
        map_clear(&a->croles);
        map_clear(&a->roles);
        map_init(&a->croles, crole_free);
        map_init(&a->roles, crole_free);
        ck_cache_each(a->cache, a->rt_cr, NULL, NULL, add_role, &a->croles);
        ck_cache_each(a->cache, a->rt_r, NULL, NULL, add_role, &a->roles);
        a->roles_dirty = false;
    }
    if (a->bindings_dirty) {
        map_clear(&a->users);
        map_clear(&a->groups);
        map_init(&a->users, glist_free);
        map_init(&a->groups, glist_free);
        ck_cache_each(a->cache, a->rt_crb, NULL, NULL, add_binding, a);
        ck_cache_each(a->cache, a->rt_rb, NULL, NULL, add_binding, a);
        a->bindings_dirty = false;
    }
}

static void on_event(const ck_cache_event *ev, void *ctx)
{
    rbac *a = ctx;
    const ck_rtype *rt = ev->obj->rt;
    if (rt == a->rt_cr || rt == a->rt_r) a->roles_dirty = true;
    if (rt == a->rt_crb || rt == a->rt_rb) a->bindings_dirty = true;
}

/* Looks for a grant of subject in m that allows the request. */
static const grant *find(const rbac *a, const map *m, const char *subject, const ck_authz_attrs *at,
                         const char *combined)
{
    const glist *l = map_get(m, subject);
    if (!l) return NULL;
    const char *ns = S(at->ns);
    for (size_t i = 0; i < l->n; i++) {
        const grant *g = &l->v[i];
        if (g->ns && strcmp(g->ns, ns) != 0) continue;
        const crole *r = map_get_h(g->cluster ? &a->croles : &a->roles, g->role_key, g->role_hash);
        if (!r) continue;
        for (size_t k = 0; k < r->n; k++)
            if (crule_allows(&r->rules[k], at, combined)) return g;
    }
    return NULL;
}

static ck_authz_decision rbac_authorize(ck_authorizer *base, const ck_authz_attrs *at,
                                        char **reason)
{
    rbac *a = (rbac *)base;
    if (!at) return CK_AUTHZ_NO_OPINION;
    for (const char *const *g = at->groups; g && *g; g++)
        if (strcmp(*g, "system:masters") == 0) return CK_AUTHZ_ALLOW; /* privileged group */
    refresh(a);
    char buf[256], *heap;
    const char *combined = combine(at, buf, sizeof buf, &heap);
    const grant *found = at->user ? find(a, &a->users, at->user, at, combined) : NULL;
    for (const char *const *g = at->groups; !found && g && *g; g++)
        found = find(a, &a->groups, *g, at, combined);
    free(heap);
    if (!found) return CK_AUTHZ_NO_OPINION;
    if (reason) *reason = xstrdup(found->reason);
    return CK_AUTHZ_ALLOW;
}

/* Appends copies of the rules of every role granted to subject in m that applies in ns
 * (ClusterRoleBindings always; RoleBindings only in ns, and none for ns ""). */
static void collect(const rbac *a, const map *m, const char *subject, const char *ns, json_t *out)
{
    const glist *l = map_get(m, subject);
    for (size_t i = 0; l && i < l->n; i++) {
        const grant *g = &l->v[i];
        if (g->ns && strcmp(g->ns, ns) != 0) continue;
        const crole *r = map_get_h(g->cluster ? &a->croles : &a->roles, g->role_key, g->role_hash);
        size_t k;
        json_t *rule;
        if (r)
            json_array_foreach(json_object_get(r->doc, "rules"), k, rule) if (json_is_object(rule))
                json_array_append_new(out, json_deep_copy(rule));
    }
}

json_t *ck_rbac_rules_for(const ck_authz_chain *c, const char *user, const char *const *groups,
                          const char *ns)
{
    json_t *out = json_array();
    rbac *a = NULL;
    for (unsigned i = 0; c && i < c->n; i++)
        if (c->items[i]->authorize == rbac_authorize) a = (rbac *)c->items[i];
    if (!a) return out;
    refresh(a);
    if (user) collect(a, &a->users, user, S(ns), out);
    for (const char *const *g = groups; g && *g; g++)
        collect(a, &a->groups, *g, S(ns), out);
    return out;
}

static void rbac_free(ck_authorizer *base)
{
    rbac *a = (rbac *)base;
    if (!a) return;
    ck_cache_unlisten(a->cache, a->listen_id);
    map_clear(&a->croles);
    map_clear(&a->roles);
    map_clear(&a->users);
    map_clear(&a->groups);
    free(a);
}

ck_authorizer *ck_rbac_authorizer_new(ck_apiserver *srv)
{
    rbac *a = xcalloc(1, sizeof *a);
    a->base = (ck_authorizer){.name = "RBAC", .authorize = rbac_authorize, .free = rbac_free};
    a->cache = srv->cache;
    a->rt_cr = ck_registry_find(RBAC_GROUP, "v1", "clusterroles")->storage;
    a->rt_crb = ck_registry_find(RBAC_GROUP, "v1", "clusterrolebindings")->storage;
    a->rt_r = ck_registry_find(RBAC_GROUP, "v1", "roles")->storage;
    a->rt_rb = ck_registry_find(RBAC_GROUP, "v1", "rolebindings")->storage;
    map_init(&a->croles, crole_free);
    map_init(&a->roles, crole_free);
    map_init(&a->users, glist_free);
    map_init(&a->groups, glist_free);
    a->roles_dirty = a->bindings_dirty = true;
    a->listen_id = ck_cache_listen(a->cache, on_event, a);
    return &a->base;
}
