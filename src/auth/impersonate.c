/* User impersonation, as upstream's WithImpersonation filter (k8s.io/apiserver
 * pkg/endpoints/filters/impersonation): Impersonate-User, -Group, -Uid and -Extra-<key>
 * headers name another identity; each part is authorized for the requester with verb
 * "impersonate", then the request acts as that identity for everything after. */
#include <ctype.h>
#include <strings.h>

#include "apiserver/server.h"
#include "audit/audit.h"
#include "auth/authn.h"
#include "auth/authz.h"
#include "lib/log.h"
#include "lib/util.h"
#include "machinery/validation.h"

#define AUTHN_GROUP "authentication.k8s.io"
#define AUTHN_GV AUTHN_GROUP "/v1"
#define SA_PREFIX "system:serviceaccount:"
#define EXTRA_PREFIX "impersonate-extra-"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The extra key of header name (which starts with EXTRA_PREFIX in any case): the rest,
 * lower-cased, then %-decoded as Go's url.PathUnescape; kept encoded when that fails (and
 * when it would decode a NUL byte, which a C string cannot hold). Allocated. */
static char *extra_key(const char *name)
{
    char *enc = xstrdup(name + strlen(EXTRA_PREFIX));
    for (char *c = enc; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    char *out = xmalloc(strlen(enc) + 1), *o = out;
    for (const char *p = enc; *p; p++) {
        if (*p != '%') {
            *o++ = *p;
            continue;
        }
        int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
        if (lo < 0 || (hi | lo) == 0) {
            free(out);
            return enc;
        }
        *o++ = (char)(hi << 4 | lo);
        p += 2;
    }
    *o = 0;
    free(enc);
    return out;
}

/* upstream's serviceaccount.SplitUsername: system:serviceaccount:NS:NAME with NS a DNS
 * label and NAME a DNS subdomain. */
static bool split_sa(const char *user, char **ns, char **name)
{
    if (!has_prefix(user, SA_PREFIX)) return false;
    const char *rest = user + strlen(SA_PREFIX), *colon = strchr(rest, ':');
    if (!colon || strchr(colon + 1, ':')) return false;
    cleanup_free char *n = xstrndup(rest, (size_t)(colon - rest));
    if (ck_is_dns1123_label(n, NULL) || ck_is_dns1123_subdomain(colon + 1, NULL)) return false;
    *ns = steal_pointer(&n);
    *name = xstrdup(colon + 1);
    return true;
}

static ck_imp_item *add_item(ck_impersonation *imp, ck_imp_kind kind, const char *name)
{
    ck_imp_item *it = &imp->items[imp->n++];
    it->kind = kind;
    it->name = xstrdup(name);
    return it;
}

/* Go's %v of the v1.ObjectReference upstream builds for it: its seven fields (Kind,
 * Namespace, Name, UID, APIVersion, ResourceVersion, FieldPath) between braces. */
static char *objref_text(const ck_imp_item *it)
{
    static const char *const kinds[] = {"User", "ServiceAccount", "Group", "UserExtra", "UID"};
    bool authn = it->kind == CK_IMP_EXTRA || it->kind == CK_IMP_UID;
    return xasprintf("{%s %s %s  %s  %s}", kinds[it->kind], it->ns ? it->ns : "", it->name,
                     authn ? AUTHN_GV : "", it->key ? it->key : "");
}

static int no_user(ck_impersonation *imp, ck_err **err)
{
    size_t cap = 64, len = 0;
    char *list = xmalloc(cap);
    list[0] = 0;
    for (unsigned i = 0; i < imp->n; i++) {
        cleanup_free char *one = objref_text(&imp->items[i]);
        size_t need = len + strlen(one) + 2;
        if (need > cap) list = xrealloc(list, cap = need * 2);
        len += (size_t)sprintf(list + len, "%s%s", i ? " " : "", one);
    }
    ck_impersonation_clear(imp);
    ck_error(err, 400, CK_BAD_REQUEST, "requested [%s] without impersonating a user", list);
    free(list);
    return -1;
}

int ck_impersonation_parse(const char *const *hdrs, size_t n, ck_impersonation *imp, ck_err **err)
{
    *imp = (ck_impersonation){.items = xcalloc(n + 1, sizeof(ck_imp_item))};
    const char *user = NULL, *uid = NULL; /* the first value of each, as Header.Get */
    for (size_t i = 0; i < n; i++) {
        const char *name = hdrs[2 * i], *value = hdrs[2 * i + 1];
        if (!user && strcasecmp(name, "impersonate-user") == 0) user = value;
        if (!uid && strcasecmp(name, "impersonate-uid") == 0) uid = value;
    }
    bool has_user = user && *user;
    if (has_user) {
        char *ns, *sa;
        if (split_sa(user, &ns, &sa)) {
            ck_imp_item *it = add_item(imp, CK_IMP_SERVICEACCOUNT, sa);
            it->ns = ns;
            free(sa);
        } else {
            add_item(imp, CK_IMP_USER, user);
        }
    }
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(hdrs[2 * i], "impersonate-group") == 0) {
            add_item(imp, CK_IMP_GROUP, hdrs[2 * i + 1]);
            imp->groups_given = true;
        }
    /* Extras by header name (Go's canonical header keys ignore case), each name's values in
     * order, names in the order they first appear. */
    for (size_t i = 0; i < n; i++) {
        const char *name = hdrs[2 * i];
        if (strncasecmp(name, EXTRA_PREFIX, strlen(EXTRA_PREFIX)) != 0) continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcasecmp(hdrs[2 * j], name) == 0;
        if (seen) continue;
        cleanup_free char *key = extra_key(name);
        for (size_t j = i; j < n; j++)
            if (strcasecmp(hdrs[2 * j], name) == 0)
                add_item(imp, CK_IMP_EXTRA, hdrs[2 * j + 1])->key = xstrdup(key);
    }
    if (uid && *uid) add_item(imp, CK_IMP_UID, uid);
    if (imp->n && !has_user) return no_user(imp, err);
    return 0;
}

void ck_impersonation_clear(ck_impersonation *imp)
{
    for (unsigned i = 0; i < imp->n; i++) {
        free(imp->items[i].ns);
        free(imp->items[i].name);
        free(imp->items[i].key);
    }
    free(imp->items);
    *imp = (ck_impersonation){0};
}

void ck_impersonation_attrs(const ck_imp_item *it, const char *user, const char *const *groups,
                            ck_authz_attrs *at)
{
    static const char *const resources[] = {"users", "serviceaccounts", "groups", "userextras",
                                            "uids"};
    bool authn = it->kind == CK_IMP_EXTRA || it->kind == CK_IMP_UID;
    *at = (ck_authz_attrs){
        .user = user,
        .groups = groups,
        .verb = "impersonate",
        .resource_request = true,
        .ns = it->ns ? it->ns : "",
        .group = authn ? AUTHN_GROUP : "",
        .version = authn ? "v1" : "",
        .resource = resources[it->kind],
        .subresource = it->key ? it->key : "",
        .name = it->name,
        .path = "",
    };
}

ck_err *ck_impersonation_forbidden(const ck_authz_attrs *at, const char *reason)
{
    cleanup_free char *resource = *at->subresource
                                      ? xasprintf("%s/%s", at->resource, at->subresource)
                                      : xstrdup(at->resource);
    cleanup_free char *quser = ck_quote(at->user), *qres = ck_quote(resource),
                      *qgroup = ck_quote(at->group), *qns = ck_quote(at->ns);
    cleanup_free char *scope =
        *at->ns ? xasprintf("in the namespace %s", qns) : xstrdup("at the cluster scope");
    /* apierrors.NewForbidden names the group-qualified resource and the object. */
    cleanup_free char *qualified =
        *at->group ? xasprintf("%s.%s", at->resource, at->group) : xstrdup(at->resource);
    cleanup_free char *qname = ck_quote(at->name);
    cleanup_free char *what = *at->name ? xasprintf("%s %s", qualified, qname) : xstrdup(qualified);
    json_t *details = json_object();
    if (*at->name) json_object_set_new(details, "name", json_string(at->name));
    if (*at->group) json_object_set_new(details, "group", json_string(at->group));
    json_object_set_new(details, "kind", json_string(at->resource));
    ck_err *e = NULL;
    ck_error_details(&e, 403, CK_FORBIDDEN, details,
                     "%s is forbidden: User %s cannot %s resource %s in API group %s %s%s%s", what,
                     quser, at->verb, qres, qgroup, scope, reason && *reason ? ": " : "",
                     reason && *reason ? reason : "");
    return e;
}

void ck_impersonation_user(const ck_impersonation *imp, ck_user *u)
{
    *u = (ck_user){0};
    char **groups = xcalloc(imp->n + 4, sizeof *groups);
    size_t ng = 0;
    for (unsigned i = 0; i < imp->n; i++) {
        const ck_imp_item *it = &imp->items[i];
        switch (it->kind) {
        case CK_IMP_SERVICEACCOUNT:
            free(u->name);
            u->name = xasprintf(SA_PREFIX "%s:%s", it->ns, it->name);
            if (!imp->groups_given) {
                groups[ng++] = xstrdup("system:serviceaccounts");
                groups[ng++] = xasprintf("system:serviceaccounts:%s", it->ns);
            }
            break;
        case CK_IMP_USER:
            free(u->name);
            u->name = xstrdup(it->name);
            break;
        case CK_IMP_GROUP:
            groups[ng++] = xstrdup(it->name);
            break;
        case CK_IMP_EXTRA: {
            if (!u->extra) u->extra = json_object();
            json_t *vals = json_object_get(u->extra, it->key);
            if (!vals) json_object_set_new(u->extra, it->key, vals = json_array());
            json_array_append_new(vals, json_string(it->name));
            break;
        }
        case CK_IMP_UID:
            free(u->uid);
            u->uid = xstrdup(it->name);
            break;
        }
    }
    if (!u->name) u->name = xstrdup("");
    /* system:authenticated unless either marker group was asked for; system:anonymous gets
     * system:unauthenticated instead. */
    bool anonymous = streq(u->name, "system:anonymous"), found = false;
    for (size_t i = 0; i < ng && !found; i++)
        found = streq(groups[i], "system:unauthenticated") ||
                (!anonymous && streq(groups[i], "system:authenticated"));
    if (!found)
        groups[ng++] = xstrdup(anonymous ? "system:unauthenticated" : "system:authenticated");
    u->groups = groups;
}

/* upstream's userString for the log: name[group,...]. */
static char *user_text(const char *name, const char *const *groups)
{
    size_t len = strlen(name) + sizeof "<empty>[]";
    for (const char *const *g = groups; g && *g; g++)
        len += strlen(*g) + 1;
    char *s = xmalloc(len), *p = s + sprintf(s, "%s", *name ? name : "<empty>");
    for (const char *const *g = groups; g && *g; g++)
        p += sprintf(p, "%c%s", g == groups ? '[' : ',', *g);
    if (groups && *groups) sprintf(p, "]");
    return s;
}

bool ck_impersonate(ck_request *r)
{
    /* Requests authentication turns away (401) never get here upstream. */
    if (r->bad_credentials || (!r->authenticated && !r->srv->anonymous_auth)) return true;
    h2o_req_t *req = r->h2o;
    h2o_headers_t *hs = &req->headers;
    const char **kv = NULL;
    size_t n = 0;
    for (size_t i = 0; i < hs->size; i++) {
        const h2o_iovec_t *name = hs->entries[i].name, *value = &hs->entries[i].value;
        if (name->len < 12 || strncasecmp(name->base, "impersonate-", 12) != 0) continue;
        kv = xrealloc(kv, (n + 1) * 2 * sizeof *kv);
        kv[2 * n] = h2o_strdup(&req->pool, name->base, name->len).base;
        kv[2 * n + 1] = h2o_strdup(&req->pool, value->base, value->len).base;
        n++;
    }
    if (!n) return true;
    ck_impersonation imp;
    ck_err *err = NULL;
    int rc = ck_impersonation_parse(kv, n, &imp, &err);
    free(kv);
    if (rc < 0) {
        ck_log_v(4, "%s", err->message);
        ck_send_err(r, err);
        ck_err_free(err);
        return false;
    }
    if (!imp.n) {
        ck_impersonation_clear(&imp);
        return true;
    }
    static const char *const anon_groups[] = {"system:unauthenticated", NULL};
    const char *user = r->authenticated ? r->user.name : "system:anonymous";
    const char *const *groups =
        r->authenticated ? (const char *const *)r->user.groups : anon_groups;
    for (unsigned i = 0; i < imp.n; i++) {
        ck_authz_attrs at;
        ck_impersonation_attrs(&imp.items[i], user, groups, &at);
        char *reason = NULL;
        ck_authz_decision d = ck_authz_chain_decide(&r->srv->authz, &at, &reason);
        if (d != CK_AUTHZ_ALLOW) {
            ck_log_v(4, "Forbidden: %s, reason: %s", r->path, reason ? reason : "");
            err = ck_impersonation_forbidden(&at, reason);
            ck_send_err(r, err);
            ck_err_free(err);
            free(reason);
            ck_impersonation_clear(&imp);
            return false;
        }
        free(reason);
    }
    ck_user acting;
    ck_impersonation_user(&imp, &acting);
    ck_impersonation_clear(&imp);
    if (ck_log_verbosity >= 3) {
        cleanup_free char *from = user_text(user, groups);
        cleanup_free char *to = user_text(acting.name, (const char *const *)acting.groups);
        ck_log_info("%s is impersonating %s", from, to);
    }
    if (r->audit) ck_audit_impersonated(r->audit, &acting);
    ck_user_clear(&r->user);
    r->user = acting;
    r->authenticated = true;
    /* Nothing after this filter sees the headers (upstream deletes them too). */
    for (ssize_t i = (ssize_t)hs->size - 1; i >= 0; i--)
        if (hs->entries[i].name->len >= 12 &&
            strncasecmp(hs->entries[i].name->base, "impersonate-", 12) == 0)
            h2o_delete_header(hs, i);
    return true;
}
