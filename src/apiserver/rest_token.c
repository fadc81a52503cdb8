/* serviceaccounts/token (upstream's TokenREST in pkg/registry/core/serviceaccount/storage/
 * token.go): issues a signed service-account JWT for a TokenRequest, optionally bound to a
 * pod, secret or node, and answers with the request completed by its status. */
#include <stdio.h>
#include <time.h>

#include "apiserver/objstore.h"
#include "apiserver/rest_sub.h"
#include "lib/random.h"
#include "lib/util.h"
#include "pki/sajwt.h"

#define TR_GROUP "authentication.k8s.io"

static int invalid(ck_err **err, const char *name, const char *path, const json_t *value,
                   const char *detail)
{
    cleanup_ferrs ck_field_errors *fe = ck_ferrs_new();
    ck_ferr_invalid(fe, path, value, detail);
    return ck_ferrs_to_err(fe, "TokenRequest", TR_GROUP, name, err);
}

/* ValidateTokenRequest. */
static int validate(const json_t *spec, ck_err **err)
{
    cleanup_ferrs ck_field_errors *fe = ck_ferrs_new();
    json_t *expj = json_object_get(spec, "expirationSeconds");
    json_int_t secs = json_integer_value(expj);
    if (secs < CK_SA_MIN_EXPIRATION)
        ck_ferr_invalid(fe, "spec.expirationSeconds", expj,
                        "may not specify a duration less than 10 minutes");
    if (secs > CK_SA_MAX_EXPIRATION)
        ck_ferr_invalid(fe, "spec.expirationSeconds", expj,
                        "may not specify a duration larger than 2^32 seconds");
    return ck_ferrs_to_err(fe, "TokenRequest", TR_GROUP, "", err);
}

/* The bound objects of a token and their names/UIDs, borrowed from the parsed docs. */
typedef struct bound {
    json_t *pod, *secret, *node; /* parsed objects (owned) */
    ck_sa_ref pod_ref, secret_ref, node_ref;
} bound;

static void bound_clear(bound *b)
{
    json_decref(b->pod);
    json_decref(b->secret);
    json_decref(b->node);
}

static json_t *get_doc(ck_apiserver *srv, const char *plural, const char *ns, const char *name,
                       ck_err **err)
{
    ck_rtype *rt = ck_registry_find("", "v1", plural);
    ck_obj *o = name && *name ? ck_cache_get(srv->cache, rt, ns, name) : NULL;
    if (!o) {
        ck_err_not_found(err, rt, name ? name : "");
        return NULL;
    }
    return ck_obj_parse(o);
}

/* Resolves spec.boundObjectRef (Pod, Secret or Node of the core group). */
static int resolve_bound(ck_apiserver *srv, const char *ns, const char *sa, const json_t *ref,
                         bound *b, ck_err **err)
{
    const char *av = ck_obj_str(ref, "apiVersion"), *kind = ck_obj_str(ref, "kind");
    const char *name = ck_obj_str(ref, "name"), *want_uid = ck_obj_str(ref, "uid");
    const char *slash = av ? strchr(av, '/') : NULL;
    cleanup_free char *group = slash ? xstrndup(av, (size_t)(slash - av)) : xstrdup("");
    const char *version = slash ? slash + 1 : av ? av : "";
    const char *uid = NULL;
    if (!*group && streq(kind, "Pod")) {
        if (!(b->pod = get_doc(srv, "pods", ns, name, err))) return -1;
        if (!streq(ck_obj_str(b->pod, "spec.serviceAccountName"), sa)) {
            cleanup_free char *q = ck_quote(sa);
            return ck_error(err, 400, CK_BAD_REQUEST,
                            "cannot bind token for serviceaccount %s to pod running with "
                            "different serviceaccount name.",
                            q);
        }
        uid = ck_obj_str(b->pod, "metadata.uid");
        b->pod_ref = (ck_sa_ref){name, uid};
        /* ServiceAccountTokenPodNodeInfo: the pod's node too, by name alone when missing. */
        const char *node = ck_obj_str(b->pod, "spec.nodeName");
        if (node && *node) {
            ck_err *e = NULL;
            b->node = get_doc(srv, "nodes", NULL, node, &e);
            ck_err_free(e);
            b->node_ref = (ck_sa_ref){node, ck_obj_str(b->node, "metadata.uid")};
        }
    } else if (!*group && streq(kind, "Node")) {
        if (!(b->node = get_doc(srv, "nodes", NULL, name, err))) return -1;
        uid = ck_obj_str(b->node, "metadata.uid");
        b->node_ref = (ck_sa_ref){name, uid};
    } else if (!*group && streq(kind, "Secret")) {
        if (!(b->secret = get_doc(srv, "secrets", ns, name, err))) return -1;
        uid = ck_obj_str(b->secret, "metadata.uid");
        b->secret_ref = (ck_sa_ref){name, uid};
    } else {
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "cannot bind token to object of type %s/%s, Kind=%s", group, version,
                        kind ? kind : "");
    }
    if (want_uid && *want_uid && !streq(want_uid, uid)) {
        json_t *d = json_pack("{s:s}", "name", name);
        if (*group) json_object_set_new(d, "group", json_string(group));
        json_object_set_new(d, "kind", json_string(kind));
        return ck_error_details(err, 409, CK_CONFLICT, d,
                                "Operation cannot be fulfilled on %s%s%s \"%s\": the UID in the "
                                "bound object reference (%s) does not match the UID in record. "
                                "The object might have been deleted and then recreated",
                                kind, *group ? "." : "", group, name, want_uid);
    }
    return 0;
}

/* isKubeAudiences: every requested audience is one of the API server's. */
static bool kube_audiences(const json_t *auds)
{
    size_t i;
    json_t *a;
    json_array_foreach(auds, i,
                       a) if (!streq(json_string_value(a), CK_SA_DEFAULT_AUDIENCE)) return false;
    return true;
}

static void rfc3339(long long t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The response's metadata in ObjectMeta's field order, keeping what else the request had. */
static json_t *response_meta(const json_t *in, const char *name, const char *ns, const char *uid,
                             const char *created)
{
    json_t *m = json_pack("{s:s, s:s, s:s, s:s}", "name", name, "namespace", ns, "uid", uid,
                          "creationTimestamp", created);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)in, k, v) if (!json_object_get(m, k) && !streq(k, "selfLink") &&
                                                !streq(k, "deletionTimestamp") &&
                                                !streq(k, "deletionGracePeriodSeconds"))
        json_object_set(m, k, v);
    return m;
}

/* Issues the token for service account sa (parsed) per the request tr (modified into the
 * response). */
static int issue(ck_request *r, const char *ns, const json_t *sa, json_t *tr, ck_err **err)
{
    const char *name = ck_obj_str(sa, "metadata.name");
    const char *sa_uid = ck_obj_str(sa, "metadata.uid");
    json_t *spec = json_object_get(tr, "spec");
    if (!json_is_object(spec)) json_object_set_new(tr, "spec", spec = json_object());
    json_t *auds = json_object_get(spec, "audiences");
    if (!json_array_size(auds))
        json_object_set_new(spec, "audiences", auds = json_pack("[s]", CK_SA_DEFAULT_AUDIENCE));
    json_t *expj = json_object_get(spec, "expirationSeconds");
    if (!expj || json_is_null(expj))
        json_object_set_new(spec, "expirationSeconds",
                            expj = json_integer(CK_SA_DEFAULT_EXPIRATION));
    long long now = (long long)time(NULL);
    char created[32];
    rfc3339(now, created);
    json_object_set_new(tr, "metadata",
                        response_meta(json_object_get(tr, "metadata"), name, ns, sa_uid, created));
    json_object_del(tr, "status");
    if (validate(spec, err) < 0) return -1;

    bound b = {0};
    const json_t *ref = json_object_get(spec, "boundObjectRef");
    if (json_is_object(ref) && resolve_bound(r->srv, ns, name, ref, &b, err) < 0) {
        bound_clear(&b);
        return -1;
    }
    /* The projected-token transition: a pod-bound token asking for 3607 s for the API's
     * audiences lives a year and warns after the requested time. */
    long long secs = json_integer_value(expj), lifetime = secs, warnafter = 0;
    if (b.pod && secs == CK_SA_WARN_ONLY_EXPIRATION && kube_audiences(auds)) {
        warnafter = secs;
        lifetime = CK_SA_EXTENDED_EXPIRATION;
    }
    char jti[37];
    ck_uuid(jti);
    ck_sa_claims_in in = {.ns = ns,
                          .sa = {name, sa_uid},
                          .pod = b.pod_ref,
                          .secret = b.secret_ref,
                          .node = b.node_ref,
                          .audiences = auds,
                          .jti = jti,
                          .now = now,
                          .expiration = lifetime,
                          .warnafter = warnafter};
    json_t *claims = ck_sa_claims(&in);
    char *token = r->srv->sa_key_file
                      ? ck_sa_sign(r->srv->sa_key_file, claims, err)
                      : (ck_error(err, 500, CK_INTERNAL,
                                  "failed to generate token: no service account signing key"),
                         NULL);
    json_decref(claims);
    bound_clear(&b);
    if (!token) return -1;
    char expires[32];
    rfc3339(now + secs, expires);
    json_object_set_new(tr, "status",
                        json_pack("{s:s, s:s}", "token", token, "expirationTimestamp", expires));
    free(token);
    return 0;
}

void ck_rest_sa_token(ck_request *r, ck_reqinfo *ri)
{
    ck_err *err = NULL;
    json_t *tr = NULL, *sa = NULL;
    if (ck_sub_decode(r, ri, TR_GROUP "/v1", NULL, "TokenRequest",
                      "io.k8s.api.authentication.v1.TokenRequest", &tr, &err) < 0)
        goto fail;
    json_t *name = ck_obj_get(tr, "metadata.name");
    if (json_string_length(name) && !streq(json_string_value(name), ri->name)) {
        invalid(&err, ri->name, "metadata.name", name,
                "must match the service account name if specified");
        goto fail;
    }
    ck_obj *o = ck_cache_get(r->srv->cache, ri->rt, ri->ns, ri->name);
    if (!o) {
        ck_err_not_found(&err, ri->rt, ri->name);
        goto fail;
    }
    sa = ck_obj_parse(o);
    /* TokenRequestServiceAccountUIDValidation: a request for another incarnation of the
     * service account is a conflict. */
    const char *uid = ck_obj_str(tr, "metadata.uid"), *sa_uid = ck_obj_str(sa, "metadata.uid");
    if (uid && *uid && !streq(uid, sa_uid)) {
        ck_error_details(&err, 409, CK_CONFLICT,
                         json_pack("{s:s, s:s, s:s}", "name", ri->name, "group", TR_GROUP, "kind",
                                   "TokenRequest"),
                         "Operation cannot be fulfilled on TokenRequest." TR_GROUP
                         " \"%s\": the UID in the token request (%s) does not match the UID of "
                         "the service account (%s)",
                         ri->name, uid, sa_uid ? sa_uid : "");
        goto fail;
    }
    if (issue(r, ri->ns, sa, tr, &err) < 0) goto fail;
    ck_send_json(r, 201,
                 json_pack("{s:s, s:s, s:O, s:O, s:O}", "kind", "TokenRequest", "apiVersion",
                           TR_GROUP "/v1", "metadata", json_object_get(tr, "metadata"), "spec",
                           json_object_get(tr, "spec"), "status", json_object_get(tr, "status")));
    goto done;
fail:
    ck_send_err(r, err);
    ck_err_free(err);
done:
    json_decref(tr);
    json_decref(sa);
}
