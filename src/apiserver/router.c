/* Routes a request: health and version endpoints, discovery and OpenAPI, then resource
 * requests by verb. Authorization is a placeholder until RBAC: authenticated users may
 * do everything, anonymous users only read the public info endpoints (as upstream's
 * system:public-info-viewer role allows). */
#include <ctype.h>
#include <stdio.h>

#include "apiserver/api.h"
#include "auth/authz.h"
#include "apiserver/rest_review.h"
#include "apiserver/rest_sub.h"
#include "audit/audit.h"
#include "lib/util.h"
#include "version.h"

static char *dup_seg(const char **p)
{
    const char *s = *p;
    while (*s == '/')
        s++;
    if (!*s) {
        *p = s;
        return NULL;
    }
    const char *e = strchr(s, '/');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    *p = s + n;
    return xstrndup(s, n);
}

void ck_reqinfo_clear(ck_reqinfo *ri)
{
    free(ri->group);
    free(ri->version);
    free(ri->plural);
    free(ri->ns);
    free(ri->name);
    free(ri->sub);
    memset(ri, 0, sizeof *ri);
}

bool ck_reqinfo_parse(const char *method, const char *path, bool watch, ck_reqinfo *ri)
{
    memset(ri, 0, sizeof *ri);
    const char *p = path;
    char *parts[8] = {0};
    int n = 0;
    char *seg;
    while (n < 8 && (seg = dup_seg(&p)))
        parts[n++] = seg;
    bool ok = false;
    int i = 0;
    if (*p) goto out; /* too many segments */
    if (n >= 3 && streq(parts[0], "api")) {
        ri->group = xstrdup("");
        ri->version = xstrdup(parts[1]);
        i = 2;
    } else if (n >= 4 && streq(parts[0], "apis")) {
        ri->group = xstrdup(parts[1]);
        ri->version = xstrdup(parts[2]);
        i = 3;
    } else {
        goto out;
    }
    /* namespaces/{ns}/{resource}... ; a bare namespaces/{name}[/sub] is the namespace itself. */
    if (streq(parts[i], "namespaces") && n - i >= 3 &&
        !(n - i == 3 && (streq(parts[i + 2], "status") || streq(parts[i + 2], "finalize")))) {
        ri->ns = xstrdup(parts[i + 1]);
        i += 2;
    }
    ri->plural = xstrdup(parts[i++]);
    if (i < n) ri->name = xstrdup(parts[i++]);
    if (i < n) ri->sub = xstrdup(parts[i++]);
    if (i < n) goto out;
    ri->resource_request = true;
    if (streq(method, "GET") || streq(method, "HEAD"))
        ri->verb = ri->name ? "get" : watch ? "watch" : "list";
    else if (streq(method, "POST"))
        ri->verb = "create";
    else if (streq(method, "PUT"))
        ri->verb = "update";
    else if (streq(method, "PATCH"))
        ri->verb = "patch";
    else if (streq(method, "DELETE"))
        ri->verb = ri->name ? "delete" : "deletecollection";
    else
        ri->verb = "";
    ok = true;
out:
    for (int k = 0; k < n; k++)
        free(parts[k]);
    if (!ok) ck_reqinfo_clear(ri);
    return ok;
}

static bool is_watch(const ck_request *r)
{
    const char *w = ck_query(r, "watch");
    return w && (streq(w, "1") || streq(w, "true"));
}

static void send_health(ck_request *r)
{
    if (!r->srv->ready) {
        ck_send(r, 500, "text/plain; charset=utf-8", "[-]poststarthook/ckube-bootstrap failed\n",
                41);
        return;
    }
    if (ck_query(r, "verbose")) {
        const char *body = "[+]ping ok\n[+]etcd ok\n[+]poststarthook/ckube-bootstrap ok\n";
        char buf[256];
        int len = snprintf(buf, sizeof buf, "%s%s check passed\n", body,
                           has_prefix(r->path, "/readyz")  ? "readyz"
                           : has_prefix(r->path, "/livez") ? "livez"
                                                           : "healthz");
        ck_send(r, 200, "text/plain; charset=utf-8", buf, (size_t)len);
        return;
    }
    ck_send(r, 200, "text/plain; charset=utf-8", "ok", 2);
}

static void send_version(ck_request *r)
{
    json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "major",
                          CK_KUBE_MAJOR, "minor", CK_KUBE_MINOR, "emulationMajor", CK_KUBE_MAJOR,
                          "emulationMinor", CK_KUBE_MINOR, "gitVersion", CK_KUBE_GIT_VERSION,
                          "gitCommit", "", "gitTreeState", "clean", "buildDate",
                          "1970-01-01T00:00:00Z", "goVersion", "c17", "compiler", "gcc");
    json_object_set_new(v, "platform", json_string("linux/amd64"));
    ck_send_json(r, 200, v);
}

static bool public_path(const char *path)
{
    static const char *const pub[] = {"/healthz", "/livez", "/readyz", "/version"};
    for (size_t i = 0; i < ARRAY_SIZE(pub); i++) {
        size_t n = strlen(pub[i]);
        if (strncmp(path, pub[i], n) == 0 && (path[n] == 0 || path[n] == '/')) return true;
    }
    return false;
}

/* The upstream Forbidden answer for a request the authorizers did not allow. */
static void forbid(ck_request *r, const ck_reqinfo *ri, const char *user, const char *reason)
{
    const char *why = reason && *reason ? reason : NULL;
    if (!ri->resource_request) {
        char verb[16];
        snprintf(verb, sizeof verb, "%s", r->method);
        for (char *c = verb; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        ck_send_status(r, 403, CK_FORBIDDEN, "forbidden: User \"%s\" cannot %s path \"%s\"%s%s",
                       user, verb, r->path, why ? ": " : "", why ? why : "");
        return;
    }
    cleanup_free char *what =
        ri->name ? xasprintf("%s \"%s\"", ri->plural, ri->name) : xstrdup(ri->plural);
    cleanup_free char *resource =
        ri->sub ? xasprintf("%s/%s", ri->plural, ri->sub) : xstrdup(ri->plural);
    cleanup_free char *scope =
        ri->ns ? xasprintf("in the namespace \"%s\"", ri->ns) : xstrdup("at the cluster scope");
    ck_err e = {.code = 403, .reason = CK_FORBIDDEN};
    e.message = xasprintf("%s is forbidden: User \"%s\" cannot %s resource \"%s\" in API group "
                          "\"%s\" %s%s%s",
                          what, user, ri->verb, resource, ri->group, scope, why ? ": " : "",
                          why ? why : "");
    e.details = json_pack("{s:s}", "kind", ri->plural);
    if (ri->name) json_object_set_new(e.details, "name", json_string(ri->name));
    if (*ri->group) json_object_set_new(e.details, "group", json_string(ri->group));
    ck_send_err(r, &e);
    free(e.message);
    json_decref(e.details);
}

/* Authorizes the request through the --authorization-mode chain; sends 401/403 and
 * returns false when it may not proceed. Anonymous requests are system:anonymous in group
 * system:unauthenticated, as upstream. */
static bool authorize(ck_request *r, const ck_reqinfo *ri)
{
    if (!r->authenticated && !r->srv->anonymous_auth) {
        ck_send_status(r, 401, CK_UNAUTHORIZED, "Unauthorized");
        return false;
    }
    static const char *const anon_groups[] = {"system:unauthenticated", NULL};
    const char *user = r->authenticated ? r->user.name : "system:anonymous";
    char verb[16];
    snprintf(verb, sizeof verb, "%s", r->method);
    for (char *c = verb; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    ck_authz_attrs at = {
        .user = user,
        .groups = r->authenticated ? (const char *const *)r->user.groups : anon_groups,
        .verb = ri->resource_request ? ri->verb : verb,
        .resource_request = ri->resource_request,
        .ns = ri->ns ? ri->ns : "",
        .group = ri->group ? ri->group : "",
        .version = ri->version ? ri->version : "",
        .resource = ri->plural ? ri->plural : "",
        .subresource = ri->sub ? ri->sub : "",
        .name = ri->name ? ri->name : "",
        .path = r->path,
    };
    char *reason = NULL;
    ck_authz_decision d = ck_authz_chain_decide(&r->srv->authz, &at, &reason);
    if (r->audit) ck_audit_authorized(r->audit, d == CK_AUTHZ_ALLOW, reason);
    if (d != CK_AUTHZ_ALLOW) forbid(r, ri, user, reason);
    free(reason);
    return d == CK_AUTHZ_ALLOW;
}

/* POST-only subresources with their own handlers (rest_sub.h). */
static bool post_sub(const ck_reqinfo *ri)
{
    return ri->sub && !*ri->group &&
           ((streq(ri->plural, "pods") &&
             (streq(ri->sub, "binding") || streq(ri->sub, "eviction"))) ||
            (streq(ri->plural, "serviceaccounts") && streq(ri->sub, "token")));
}

static void route_post_sub(ck_request *r, ck_reqinfo *ri)
{
    if (!ri->ns || !ri->name)
        ck_send_status(r, 404, CK_NOT_FOUND, "the server could not find the requested resource");
    else if (!streq(ri->verb, "create"))
        ck_send_status(r, 405, CK_METHOD_NOT_ALLOWED,
                       "the server does not allow this method on the requested resource");
    else if (streq(ri->sub, "binding"))
        ck_rest_pod_binding(r, ri, false);
    else if (streq(ri->sub, "eviction"))
        ck_rest_pod_eviction(r, ri);
    else
        ck_rest_sa_token(r, ri);
}

static void route_resource(ck_request *r, ck_reqinfo *ri)
{
    /* The legacy `bindings` collection: create-only, no stored type of its own. */
    if (!*ri->group && streq(ri->version, "v1") && streq(ri->plural, "bindings") && ri->ns &&
        !ri->name) {
        if (streq(ri->verb, "create"))
            ck_rest_pod_binding(r, ri, true);
        else
            ck_send_status(r, 405, CK_METHOD_NOT_ALLOWED,
                           "the server does not allow this method on the requested resource");
        return;
    }
    ck_rtype *rt = ck_registry_find(ri->group, ri->version, ri->plural);
    if (!rt) {
        ck_send_status(r, 404, CK_NOT_FOUND, "the server could not find the requested resource");
        return;
    }
    ri->rt = rt;
    if (ri->ns && !rt->res->namespaced) {
        ck_send_status(r, 404, CK_NOT_FOUND, "the server could not find the requested resource");
        return;
    }
    if (ri->sub) {
        char full[128];
        snprintf(full, sizeof full, "%s/%s", ri->plural, ri->sub);
        if (!ck_csv_has(rt->res->subresources, ri->sub) ||
            (!streq(ri->sub, "status") && !streq(ri->sub, "scale") && !streq(ri->sub, "approval") &&
             !streq(ri->sub, "finalize") && !post_sub(ri))) {
            ck_send_status(r, 404, CK_NOT_FOUND,
                           "the server could not find the requested resource");
            return;
        }
        if (post_sub(ri)) {
            route_post_sub(r, ri);
            return;
        }
    }
    if (rt->def->warning) ck_add_warning(r, rt->def->warning);
    const char *v = ri->verb;
    if (!ck_csv_has(rt->res->verbs, v) && !ri->sub) {
        ck_send_status(r, 405, CK_METHOD_NOT_ALLOWED,
                       "the server does not allow this method on the requested resource");
        return;
    }
    if (rt->def->review) { /* create-only, nothing stored */
        ck_rest_review(r, ri);
        return;
    }
    if (streq(v, "get"))
        ck_rest_get(r, ri);
    else if (streq(v, "list"))
        ck_rest_list(r, ri);
    else if (streq(v, "watch"))
        ck_rest_watch(r, ri);
    else if (streq(v, "create"))
        ck_rest_create(r, ri);
    else if (streq(v, "update"))
        ck_rest_update(r, ri);
    else if (streq(v, "patch"))
        ck_rest_patch(r, ri);
    else if (streq(v, "delete"))
        ck_rest_delete(r, ri);
    else if (streq(v, "deletecollection"))
        ck_rest_deletecollection(r, ri);
    else
        ck_send_status(r, 405, CK_METHOD_NOT_ALLOWED,
                       "the server does not allow this method on the requested resource");
}

void ck_api_handle(ck_request *r)
{
    /* Rejected credentials fail every path, as upstream's authentication filter does. */
    if (r->bad_credentials) {
        ck_send_status(r, 401, CK_UNAUTHORIZED, "Unauthorized");
        return;
    }
    if (public_path(r->path)) {
        if (has_prefix(r->path, "/version"))
            send_version(r);
        else
            send_health(r);
        return;
    }
    ck_reqinfo ri;
    bool res = ck_reqinfo_parse(r->method, r->path, is_watch(r), &ri);
    if (!authorize(r, &ri)) {
        ck_reqinfo_clear(&ri);
        return;
    }
    if (res) {
        route_resource(r, &ri);
        ck_reqinfo_clear(&ri);
        return;
    }
    if (ck_discovery_handle(r) || ck_openapi_handle(r)) return;
    ck_send_status(r, 404, CK_NOT_FOUND, "the server could not find the requested resource");
}
