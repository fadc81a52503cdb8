/* The authorization review APIs (upstream's pkg/registry/authorization): SubjectAccessReview,
 * LocalSubjectAccessReview and SelfSubjectAccessReview run the --authorization-mode chain on
 * the attributes in the spec; SelfSubjectRulesReview lists the caller's RBAC rules in a
 * namespace. Nothing is stored; all answer 201 with the review and its status. */
#include <stdio.h>

#include "apiserver/rest_review.h"
#include "apiserver/rest_sub.h"
#include "auth/rbac.h"
#include "lib/util.h"

#define AUTHZ_GROUP "authorization.k8s.io"
#define AUTHZ_GV AUTHZ_GROUP "/v1"

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* A field that is present and not null. */
static const json_t *field(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_null(v) ? NULL : v;
}

/* Go's %#v of a *NonResourceAttributes, as field.Invalid prints it. */
static char *go_nonresource(const json_t *nra)
{
    if (!nra) return xstrdup("null");
    return xasprintf("&authorization.NonResourceAttributes{Path:\"%s\", Verb:\"%s\"}",
                     str(nra, "path"), str(nra, "verb"));
}

/* Upstream's ValidateSubjectAccessReviewSpec (self: the SelfSubjectAccessReview variant,
 * which names no user). */
static void validate_spec(const json_t *spec, bool self, ck_field_errors *fe)
{
    const json_t *ra = field(spec, "resourceAttributes");
    const json_t *nra = field(spec, "nonResourceAttributes");
    cleanup_free char *nra_s = go_nonresource(nra);
    if (ra && nra)
        ck_ferr_invalid_raw(fe, "spec.nonResourceAttributes", nra_s,
                            "cannot be specified in combination with resourceAttributes");
    if (!ra && !nra)
        ck_ferr_invalid_raw(fe, "spec.resourceAttributes", nra_s,
                            "exactly one of nonResourceAttributes or resourceAttributes must be "
                            "specified");
    if (!self && !*str(spec, "user") && json_array_size(json_object_get(spec, "groups")) == 0)
        ck_ferr_invalid_str(fe, "spec.user", "", "at least one of user or group must be specified");
}

/* metadata must be empty (but for managedFields and, when allowed, namespace). */
static bool meta_empty(const json_t *meta, bool allow_ns)
{
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)meta, k, v)
    {
        if (json_is_null(v) || streq(k, "managedFields") || (allow_ns && streq(k, "namespace")))
            continue;
        return false;
    }
    return true;
}

/* Runs the authorizer chain for user/groups on the spec's attributes; returns the
 * SubjectAccessReviewStatus (new reference). */
static json_t *decide(ck_apiserver *srv, const char *user, const char *const *groups,
                      const json_t *spec)
{
    const json_t *ra = field(spec, "resourceAttributes");
    const json_t *nra = field(spec, "nonResourceAttributes");
    const char *version = str(ra, "version");
    ck_authz_attrs at = {
        .user = user,
        .groups = groups,
        .verb = ra ? str(ra, "verb") : str(nra, "verb"),
        .resource_request = ra != NULL,
        .ns = str(ra, "namespace"),
        .group = str(ra, "group"),
        .version = *version ? version : "*",
        .resource = str(ra, "resource"),
        .subresource = str(ra, "subresource"),
        .name = str(ra, "name"),
        .path = str(nra, "path"),
    };
    char *reason = NULL;
    ck_authz_decision d = ck_authz_chain_decide(&srv->authz, &at, &reason);
    json_t *st = json_pack("{s:b}", "allowed", d == CK_AUTHZ_ALLOW);
    if (d == CK_AUTHZ_DENY) json_object_set_new(st, "denied", json_true());
    if (reason && *reason) json_object_set_new(st, "reason", json_string(reason));
    free(reason);
    return st;
}

/* The review as upstream echoes it: the request with creationTimestamp null and status. */
static json_t *answer(const char *kind, json_t *in, json_t *status)
{
    json_t *meta = ck_obj_ensure(in, "metadata");
    if (!json_object_get(meta, "creationTimestamp"))
        json_object_set_new(meta, "creationTimestamp", json_null());
    json_t *spec = json_object_get(in, "spec");
    return json_pack("{s:s, s:s, s:O, s:O, s:o}", "kind", kind, "apiVersion", AUTHZ_GV, "metadata",
                     meta, "spec", spec ? spec : json_object(), "status", status);
}

static int invalid(ck_field_errors *fe, const char *kind, ck_err **err)
{
    return ck_ferrs_to_err(fe, kind, AUTHZ_GROUP, "", err);
}

/* The caller's identity, as the router's authorize() sees it. */
static void caller(const ck_request *r, const char **user, const char *const **groups)
{
    static const char *const anon_groups[] = {"system:unauthenticated", NULL};
    *user = r->authenticated ? r->user.name : "system:anonymous";
    *groups = r->authenticated ? (const char *const *)r->user.groups : anon_groups;
}

/* subjectaccessreviews, localsubjectaccessreviews and selfsubjectaccessreviews. */
static void access_review(ck_request *r, ck_reqinfo *ri, const char *kind)
{
    bool self = streq(kind, "SelfSubjectAccessReview"), local = ri->rt->res->namespaced;
    ck_err *err = NULL;
    json_t *in = NULL;
    const char **groups = NULL;
    cleanup_free char *def = xasprintf("io.k8s.api.authorization.v1.%s", kind);
    if (local && !ri->ns) {
        ck_error(&err, 400, CK_BAD_REQUEST, "namespace is required on this type: ");
        goto fail;
    }
    if (ck_sub_decode(r, ri, AUTHZ_GV, NULL, kind, def, &in, &err) < 0) goto fail;
    const json_t *spec = json_object_get(in, "spec");
    const json_t *meta = json_object_get(in, "metadata");
    const json_t *ra = field(spec, "resourceAttributes");
    ck_field_errors *fe = ck_ferrs_new();
    validate_spec(spec, self, fe);
    if (!self && !meta_empty(meta, local))
        ck_ferr_invalid(fe, "metadata", meta,
                        local ? "must be empty except for namespace" : "must be empty");
    if (local && ra && !streq(str(ra, "namespace"), ri->ns))
        ck_ferr_invalid_str(fe, "spec.resourceAttributes.namespace", str(ra, "namespace"),
                            "must match metadata.namespace");
    if (local && field(spec, "nonResourceAttributes")) {
        cleanup_free char *s = go_nonresource(field(spec, "nonResourceAttributes"));
        ck_ferr_invalid_raw(fe, "spec.nonResourceAttributes", s,
                            "disallowed on this kind of request");
    }
    int rc = invalid(fe, kind, &err);
    ck_ferrs_free(fe);
    if (rc < 0) goto fail;
    const char *user;
    const char *const *who;
    if (self) {
        caller(r, &user, &who);
    } else {
        user = str(spec, "user");
        const json_t *g = json_object_get(spec, "groups");
        groups = xcalloc(json_array_size(g) + 1, sizeof *groups);
        size_t i, n = 0;
        json_t *v;
        json_array_foreach(g, i, v) if (json_is_string(v)) groups[n++] = json_string_value(v);
        who = groups;
    }
    ck_send_json(r, 201, answer(kind, in, decide(r->srv, user, who, spec)));
    goto done;
fail:
    ck_send_err(r, err);
    ck_err_free(err);
done:
    free(groups);
    json_decref(in);
}

/* The ResourceRules and NonResourceRules of rules, as upstream's RBAC RulesFor splits them. */
static void split_rules(const json_t *rules, json_t *res, json_t *nonres)
{
    static const char *const rkeys[] = {"verbs", "apiGroups", "resources", "resourceNames"};
    size_t i;
    json_t *rule;
    json_array_foreach(rules, i, rule)
    {
        json_t *verbs = json_object_get(rule, "verbs");
        if (json_array_size(json_object_get(rule, "resources"))) {
            json_t *o = json_pack("{s:O}", "verbs", verbs ? verbs : json_array());
            for (size_t k = 1; k < ARRAY_SIZE(rkeys); k++) {
                json_t *v = json_object_get(rule, rkeys[k]);
                if (json_array_size(v)) json_object_set(o, rkeys[k], v);
            }
            json_array_append_new(res, o);
        }
        json_t *urls = json_object_get(rule, "nonResourceURLs");
        if (json_array_size(urls))
            json_array_append_new(nonres,
                                  json_pack("{s:O, s:O}", "verbs", verbs ? verbs : json_array(),
                                            "nonResourceURLs", urls));
    }
}

/* selfsubjectrulesreviews (`kubectl auth can-i --list`). */
static void rules_review(ck_request *r, ck_reqinfo *ri)
{
    ck_err *err = NULL;
    json_t *in = NULL;
    if (ck_sub_decode(r, ri, AUTHZ_GV, NULL, "SelfSubjectRulesReview",
                      "io.k8s.api.authorization.v1.SelfSubjectRulesReview", &in, &err) < 0)
        goto fail;
    const char *ns = str(json_object_get(in, "spec"), "namespace");
    if (!*ns) {
        ck_error(&err, 400, CK_BAD_REQUEST, "no namespace on request");
        goto fail;
    }
    const char *user;
    const char *const *groups;
    caller(r, &user, &groups);
    json_t *res = json_array(), *nonres = json_array();
    for (unsigned i = 0; i < r->srv->authz.n; i++) /* AlwaysAllow's RulesFor: everything */
        if (streq(r->srv->authz.items[i]->name, "AlwaysAllow")) {
            json_array_append_new(res, json_pack("{s:[s], s:[s], s:[s]}", "verbs", "*", "apiGroups",
                                                 "*", "resources", "*"));
            json_array_append_new(
                nonres, json_pack("{s:[s], s:[s]}", "verbs", "*", "nonResourceURLs", "*"));
        }
    json_t *rules = ck_rbac_rules_for(&r->srv->authz, user, groups, ns);
    split_rules(rules, res, nonres);
    json_decref(rules);
    json_t *status = json_pack("{s:o, s:o, s:b}", "resourceRules", res, "nonResourceRules", nonres,
                               "incomplete", false);
    ck_send_json(r, 201,
                 json_pack("{s:s, s:s, s:{s:n}, s:{}, s:o}", "kind", "SelfSubjectRulesReview",
                           "apiVersion", AUTHZ_GV, "metadata", "creationTimestamp", "spec",
                           "status", status));
    json_decref(in);
    return;
fail:
    ck_send_err(r, err);
    ck_err_free(err);
    json_decref(in);
}

void ck_rest_access_review(ck_request *r, ck_reqinfo *ri)
{
    if (streq(ri->plural, "selfsubjectrulesreviews"))
        rules_review(r, ri);
    else
        access_review(r, ri, ri->rt->res->kind);
}
