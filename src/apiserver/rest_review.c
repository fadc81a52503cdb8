/* The authentication review APIs (upstream's pkg/registry/authentication/selfsubjectreview
 * and tokenreview): answered from the request's identity or by running a token through
 * the bearer-token authenticators; nothing is stored. Both answer 201. */
#include "apiserver/rest_review.h"

#include "apiserver/rest_sub.h"
#include "auth/authn.h"
#include "lib/util.h"

#define AUTHN_GV "authentication.k8s.io/v1"

/* authentication/v1 UserInfo of u (fields left out when empty, as omitempty does). */
static json_t *user_info(const ck_user *u)
{
    json_t *o = json_object();
    if (u->name && *u->name) json_object_set_new(o, "username", json_string(u->name));
    if (u->uid && *u->uid) json_object_set_new(o, "uid", json_string(u->uid));
    if (u->groups && *u->groups) {
        json_t *g = json_array();
        for (char **p = u->groups; *p; p++)
            json_array_append_new(g, json_string(*p));
        json_object_set_new(o, "groups", g);
    }
    if (json_object_size(u->extra)) json_object_set(o, "extra", u->extra);
    return o;
}

static void self_subject_review(ck_request *r, ck_reqinfo *ri)
{
    ck_err *err = NULL;
    json_t *in = NULL;
    if (ck_sub_decode(r, ri, AUTHN_GV, NULL, "SelfSubjectReview",
                      "io.k8s.api.authentication.v1.SelfSubjectReview", &in, &err) < 0) {
        ck_send_err(r, err);
        ck_err_free(err);
        return;
    }
    json_decref(in);
    char now[32];
    rfc3339_now(now);
    ck_send_json(r, 201,
                 json_pack("{s:s, s:s, s:{s:s}, s:{s:o}}", "kind", "SelfSubjectReview",
                           "apiVersion", AUTHN_GV, "metadata", "creationTimestamp", now, "status",
                           "userInfo", user_info(&r->user)));
}

static void token_review(ck_request *r, ck_reqinfo *ri)
{
    ck_err *err = NULL;
    json_t *tr = NULL;
    if (ck_sub_decode(r, ri, AUTHN_GV, NULL, "TokenReview",
                      "io.k8s.api.authentication.v1.TokenReview", &tr, &err) < 0)
        goto fail;
    const char *ns = ck_obj_str(tr, "metadata.namespace");
    if (ns && *ns) {
        ck_error(&err, 400, CK_BAD_REQUEST, "namespace is not allowed on this type: %s", ns);
        goto fail;
    }
    json_t *spec = json_object_get(tr, "spec");
    const char *token = ck_obj_str(spec, "token");
    if (!token || !*token) {
        ck_error(&err, 400, CK_BAD_REQUEST, "token is required");
        goto fail;
    }
    const json_t *wanted = json_object_get(spec, "audiences");
    if (!json_array_size(wanted)) wanted = NULL;
    ck_user u = {0};
    json_t *auds = NULL;
    char *msg = NULL;
    bool ok = ck_authn_token(r->srv, token, wanted, &u, &auds, &msg);
    json_t *status = json_object();
    if (ok) json_object_set_new(status, "authenticated", json_true());
    json_object_set_new(status, "user", user_info(&u));
    if (ok && json_array_size(auds)) json_object_set(status, "audiences", auds);
    if (!ok && msg) json_object_set_new(status, "error", json_string(msg));
    free(msg);
    json_decref(auds);
    ck_user_clear(&u);
    json_t *meta = ck_obj_ensure(tr, "metadata");
    if (!json_object_get(meta, "creationTimestamp"))
        json_object_set_new(meta, "creationTimestamp", json_null());
    ck_send_json(r, 201,
                 json_pack("{s:s, s:s, s:O, s:O, s:o}", "kind", "TokenReview", "apiVersion",
                           AUTHN_GV, "metadata", meta, "spec", spec, "status", status));
    json_decref(tr);
    return;
fail:
    ck_send_err(r, err);
    ck_err_free(err);
    json_decref(tr);
}

void ck_rest_review(ck_request *r, ck_reqinfo *ri)
{
    if (streq(ri->group, "authorization.k8s.io"))
        ck_rest_access_review(r, ri);
    else if (streq(ri->plural, "tokenreviews"))
        token_review(r, ri);
    else
        self_subject_review(r, ri);
}
