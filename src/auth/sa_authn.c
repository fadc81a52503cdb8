/* The bearer-token authenticator chain: the static token file, then service-account JWTs
 * checked against the watch cache as upstream's legacy validator does (the ServiceAccount
 * and any bound Pod, Secret or Node must still exist with the UID the token names), then
 * bootstrap tokens (bootstrap_token.c). */
#include <time.h>

#include "apiserver/cache.h"
#include "apiserver/server.h"
#include "auth/authn.h"
#include "lib/util.h"
#include "pki/sajwt.h"

struct ck_authn {
    ck_tokenfile *tokens;
    EVP_PKEY *sa_key;
};

ck_authn *ck_authn_new(const char *token_file, const char *sa_key_file, ck_err **err)
{
    ck_authn *a = xcalloc(1, sizeof *a);
    if (token_file && !(a->tokens = ck_tokenfile_load(token_file, err))) goto fail;
    if (sa_key_file && !(a->sa_key = ck_sa_load_public(sa_key_file, err))) goto fail;
    return a;
fail:
    ck_authn_free(a);
    return NULL;
}

void ck_authn_free(ck_authn *a)
{
    if (!a) return;
    ck_tokenfile_free(a->tokens);
    EVP_PKEY_free(a->sa_key);
    free(a);
}

void ck_user_add_authenticated(ck_user *user)
{
    size_t n = 0;
    for (char **g = user->groups; g && *g; g++, n++)
        if (streq(*g, "system:authenticated") || streq(*g, "system:unauthenticated")) return;
    user->groups = xrealloc(user->groups, (n + 2) * sizeof *user->groups);
    user->groups[n] = xstrdup("system:authenticated");
    user->groups[n + 1] = NULL;
}

static void set_extra(ck_user *u, const char *key, const char *value)
{
    if (!value || !*value) return;
    if (!u->extra) u->extra = json_object();
    json_object_set_new(u->extra, key, json_pack("[s]", value));
}

/* Checks that the object a claim reference names still exists with its UID; upstream's
 * messages otherwise. kind is "service account", "pod", "secret" or "node". */
static int check_ref(ck_apiserver *srv, const char *plural, const char *kind, const char *ns,
                     const json_t *ref, const char *claim_what, char **msg)
{
    const char *name = json_string_value(json_object_get(ref, "name"));
    const char *uid = json_string_value(json_object_get(ref, "uid"));
    ck_rtype *rt = ck_registry_find("", "v1", plural);
    ck_obj *o = rt && name && *name ? ck_cache_get(srv->cache, rt, ns, name) : NULL;
    if (!o) {
        *msg = xasprintf("%s \"%s\" not found", plural, name ? name : "");
        return -1;
    }
    if (!streq(o->uid ? o->uid : "", uid ? uid : "")) {
        *msg = xasprintf("%s UID (%s) does not match %s (%s)", kind, o->uid ? o->uid : "",
                         claim_what, uid ? uid : "");
        return -1;
    }
    return 0;
}

static const char *uid_or_empty(const json_t *ref)
{
    const char *u = json_string_value(json_object_get(ref, "uid"));
    return u ? u : "";
}

/* The ServiceAccountInfo of verified claims, checked against the cache. */
static bool sa_user(ck_apiserver *srv, const json_t *claims, ck_user *user, char **msg)
{
    const json_t *k = json_object_get(claims, "kubernetes.io");
    const char *ns = json_string_value(json_object_get(k, "namespace"));
    const json_t *sa = json_object_get(k, "serviceaccount");
    const json_t *pod = json_object_get(k, "pod"), *secret = json_object_get(k, "secret");
    const json_t *node = json_object_get(k, "node");
    const char *sa_name = json_string_value(json_object_get(sa, "name"));
    if (!ns || !sa_name) {
        *msg = xstrdup("service account token claims could not be validated due to unexpected "
                       "private claim");
        return false;
    }
    if (check_ref(srv, "serviceaccounts", "service account", ns, sa, "claim", msg) < 0)
        return false;
    if (json_is_object(secret) && check_ref(srv, "secrets", "secret", ns, secret,
                                            "service account secret ref claim", msg) < 0)
        return false;
    if (json_is_object(pod) &&
        check_ref(srv, "pods", "pod", ns, pod, "service account pod ref claim", msg) < 0)
        return false;
    /* Pod-bound tokens just carry the node's claims; node-bound ones are checked. */
    if (json_is_object(node) && !json_is_object(pod) &&
        check_ref(srv, "nodes", "node", NULL, node, "service account node ref claim", msg) < 0)
        return false;

    user->name = xasprintf("system:serviceaccount:%s:%s", ns, sa_name);
    user->uid = xstrdup(uid_or_empty(sa));
    user->groups = xcalloc(4, sizeof *user->groups);
    user->groups[0] = xstrdup("system:serviceaccounts");
    user->groups[1] = xasprintf("system:serviceaccounts:%s", ns);
    const char *pod_name = json_string_value(json_object_get(pod, "name"));
    const char *pod_uid = json_string_value(json_object_get(pod, "uid"));
    if (pod_name && *pod_name && pod_uid && *pod_uid) {
        set_extra(user, CK_EXTRA_POD_NAME, pod_name);
        set_extra(user, CK_EXTRA_POD_UID, pod_uid);
    }
    const char *jti = json_string_value(json_object_get(claims, "jti"));
    if (jti && *jti) {
        cleanup_free char *cred = xasprintf("JTI=%s", jti);
        set_extra(user, CK_EXTRA_CREDENTIAL_ID, cred);
    }
    const char *node_name = json_string_value(json_object_get(node, "name"));
    if (node_name && *node_name) {
        set_extra(user, CK_EXTRA_NODE_NAME, node_name);
        set_extra(user, CK_EXTRA_NODE_UID, json_string_value(json_object_get(node, "uid")));
    }
    return true;
}

static bool wants(const json_t *wanted, const char *aud)
{
    if (!wanted) return true;
    size_t i;
    json_t *v;
    json_array_foreach(wanted, i, v) if (streq(json_string_value(v), aud)) return true;
    return false;
}

bool ck_authn_token(ck_apiserver *srv, const char *token, const json_t *wanted, ck_user *user,
                    json_t **auds, char **msg)
{
    *auds = NULL;
    *msg = NULL;
    ck_authn *a = srv->authn;
    if (!token || !*token || !a) goto none;
    /* The token file knows no audiences: it serves the API server's (upstream's
     * WrapAudienceAgnosticToken). */
    if (wants(wanted, CK_API_AUDIENCE) && ck_tokenfile_lookup(a->tokens, token, user)) {
        ck_user_add_authenticated(user);
        *auds = json_pack("[s]", CK_API_AUDIENCE);
        return true;
    }
    if (a->sa_key) {
        json_t *claims = NULL;
        ck_sa_result r = ck_sa_verify(a->sa_key, CK_SA_DEFAULT_ISSUER, token, wanted,
                                      (long long)time(NULL), &claims, auds, msg);
        if (r == CK_SA_INVALID) return false;
        if (r == CK_SA_VALID) {
            bool ok = sa_user(srv, claims, user, msg);
            json_decref(claims);
            if (ok) {
                ck_user_add_authenticated(user);
                return true;
            }
            ck_user_clear(user);
            json_decref(*auds);
            *auds = NULL;
            return false;
        }
    }
    if (srv->bootstrap_token_auth && wants(wanted, CK_API_AUDIENCE) &&
        ck_bootstrap_token_authenticate(srv, token, user)) {
        ck_user_add_authenticated(user);
        *auds = json_pack("[s]", CK_API_AUDIENCE);
        return true;
    }
none:
    *msg = xstrdup("invalid bearer token");
    return false;
}
