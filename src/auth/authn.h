/* Authentication by bearer token (upstream's token authenticators): the static token file
 * of --token-auth-file, service-account JWTs verified with --service-account-key-file and
 * bootstrap tokens (--enable-bootstrap-token-auth).
 * The x509 client-certificate authenticator lives in src/apiserver/auth.c, which tries it
 * first and these second. */
#ifndef CK_AUTHN_H
#define CK_AUTHN_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>

#include "apiserver/http.h"
#include "lib/err.h"

/* The audience the API server accepts by default (--api-audiences). */
#define CK_API_AUDIENCE "https://kubernetes.default.svc.cluster.local"

/* Extra keys upstream's ServiceAccountInfo.UserInfo sets. */
#define CK_EXTRA_CREDENTIAL_ID "authentication.kubernetes.io/credential-id"
#define CK_EXTRA_POD_NAME "authentication.kubernetes.io/pod-name"
#define CK_EXTRA_POD_UID "authentication.kubernetes.io/pod-uid"
#define CK_EXTRA_NODE_NAME "authentication.kubernetes.io/node-name"
#define CK_EXTRA_NODE_UID "authentication.kubernetes.io/node-uid"

/* ---- static token file (tokenfile.c) --------------------------------------------------- */

typedef struct ck_tokenfile ck_tokenfile;

/* Parses token-file text: CSV records `token,user,uid[,"group1,group2",...]` with Go's
 * encoding/csv quoting rules. Records with an empty token are skipped, a later duplicate
 * wins. Errors carry upstream's messages ("token file 'PATH' must have at least 3 columns
 * ...", "parse error on line L, column C: ..."); path is only used in them. */
ck_tokenfile *ck_tokenfile_parse(const char *text, size_t len, const char *path, ck_err **err);
/* Reads and parses the file at path. */
ck_tokenfile *ck_tokenfile_load(const char *path, ck_err **err);
size_t ck_tokenfile_count(const ck_tokenfile *tf);
/* When token is in the file, fills *user (name, uid, groups; the caller owns them and
 * clears with ck_user_clear) and returns true. Groups are the file's only: the caller adds
 * system:authenticated. */
bool ck_tokenfile_lookup(const ck_tokenfile *tf, const char *token, ck_user *user);
void ck_tokenfile_free(ck_tokenfile *tf);

/* ---- service-account JWTs (sa_verify.c) ------------------------------------------------ */

/* Loads a verification key: a PEM public key, the public half of a PEM private key, or a
 * certificate's key. NULL with a 500 error when none is found. */
EVP_PKEY *ck_sa_load_public(const char *path, ck_err **err);

typedef enum {
    CK_SA_NOT_OURS = 0, /* not a JWT from our issuer: no opinion */
    CK_SA_VALID = 1,    /* signature, audience and time checked */
    CK_SA_INVALID = -1, /* ours but rejected; *msg says why (upstream's wording) */
} ck_sa_result;

/* Verifies a compact JWS (RS256; ES256/384/512 for EC keys) signed by key and issued by
 * issuer, as upstream's jwtTokenAuthenticator does before its object lookups: the token's
 * audiences must meet `wanted` (array of strings; NULL: CK_API_AUDIENCE), and exp, nbf
 * and iat are checked against now with a 60 s leeway. On CK_SA_VALID, *claims gets the
 * claim set and *auds the audiences met (new references). On CK_SA_INVALID, *msg is
 * allocated. */
ck_sa_result ck_sa_verify(EVP_PKEY *key, const char *issuer, const char *token,
                          const json_t *wanted, long long now, json_t **claims, json_t **auds,
                          char **msg);

/* ---- bootstrap tokens (bootstrap_token.c) --------------------------------------------- */

/* Splits a token of the form [a-z0-9]{6}.[a-z0-9]{16} into id and secret; false if it is
 * not of that form. */
bool ck_bootstrap_token_parse(const char *token, char id[7], char secret[17]);
/* True when g matches \Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z. */
bool ck_bootstrap_group_valid(const char *g);
/* Parses an RFC 3339 time (Go's time.RFC3339, fraction allowed) into Unix seconds. */
int ck_rfc3339_parse(const char *s, long long *out);
/* Checks a bootstrap-token Secret (JSON, data base64) against the token's id and secret at
 * time now: type, constant-time secret compare, token-id, expiration,
 * usage-bootstrap-authentication and auth-extra-groups. On success fills *user
 * (system:bootstrap:<id>; sorted groups system:bootstrappers + extra groups, without
 * system:authenticated; owned by the caller). Else sets *msg (allocated) and returns false. */
bool ck_bootstrap_token_check(const json_t *secret, const char *id, const char *tsecret,
                              long long now, ck_user *user, char **msg);
/* Looks token up as kube-system/bootstrap-token-<id> in srv's watch cache. Returns 1 with
 * *user filled, 0 when it has no opinion (rejections are logged, as upstream does). */
int ck_bootstrap_token_authenticate(ck_apiserver *srv, const char *token, ck_user *user);

/* ---- the token authenticator chain (sa_authn.c) ---------------------------------------- */

typedef struct ck_authn ck_authn;

/* Builds the chain from the token file (NULL: none) and the verification key file (NULL:
 * no service-account tokens). Upstream's start-up errors are returned (400). */
ck_authn *ck_authn_new(const char *token_file, const char *sa_key_file, ck_err **err);
void ck_authn_free(ck_authn *a);

/* Authenticates a bearer token as upstream's bearer-token authenticator behind the
 * authenticated-group adder: the token file first, then service-account JWTs, which must
 * still name a live ServiceAccount (and bound Pod, Secret or Node) with the same UID in
 * srv's watch cache, then bootstrap tokens when srv->bootstrap_token_auth is set. wanted
 * are the audiences asked for (NULL: the API server's). On success fills *user (owned by
 * the caller), sets *auds (new reference, may be NULL) and returns true; else sets *msg
 * (allocated; "invalid bearer token" when no authenticator had an opinion) and returns
 * false. */
bool ck_authn_token(ck_apiserver *srv, const char *token, const json_t *wanted, ck_user *user,
                    json_t **auds, char **msg);

/* Appends "system:authenticated" to user's groups unless it or system:unauthenticated is
 * there (upstream's AuthenticatedGroupAdder). */
void ck_user_add_authenticated(ck_user *user);

/* ---- impersonation (impersonate.c) ----------------------------------------------------- */

/* What one Impersonate-* header value asks for (upstream's WithImpersonation filter); each
 * is authorized for the requester with verb "impersonate". */
typedef enum {
    CK_IMP_USER,           /* users NAME */
    CK_IMP_SERVICEACCOUNT, /* serviceaccounts NAME in NS, for system:serviceaccount:NS:NAME */
    CK_IMP_GROUP,          /* groups NAME */
    CK_IMP_EXTRA,          /* userextras/KEY NAME in authentication.k8s.io */
    CK_IMP_UID,            /* uids NAME in authentication.k8s.io */
} ck_imp_kind;

typedef struct ck_imp_item {
    ck_imp_kind kind;
    char *ns, *name, *key; /* ns: service accounts only; key: extras only */
} ck_imp_item;

typedef struct ck_impersonation {
    ck_imp_item *items; /* upstream's order: the user, groups, extras, the uid */
    unsigned n;
    bool groups_given; /* Impersonate-Group was sent: service-account groups are not implied */
} ck_impersonation;

/* Parses the Impersonate-* headers among hdrs (n name/value pairs: hdrs[2i], hdrs[2i+1];
 * names in any case). The first Impersonate-User and Impersonate-Uid count; extra keys are
 * lower-cased, then percent-decoded. n = 0 in *imp when nothing is asked. Groups, extras or
 * a uid without a user: -1 with upstream's 400 ("requested [...] without impersonating a
 * user"). *imp is owned by the caller (ck_impersonation_clear). */
int ck_impersonation_parse(const char *const *hdrs, size_t n, ck_impersonation *imp, ck_err **err);
void ck_impersonation_clear(ck_impersonation *imp);
/* The authorization attributes of it for the requester (user, groups); they point into it. */
struct ck_authz_attrs;
void ck_impersonation_attrs(const ck_imp_item *it, const char *user, const char *const *groups,
                            struct ck_authz_attrs *at);
/* Upstream's 403 for a denied item (responsewriters.Forbidden), reason appended. */
ck_err *ck_impersonation_forbidden(const struct ck_authz_attrs *at, const char *reason);
/* The identity the request acts as once every item is allowed: the user with the groups
 * asked for (service accounts: system:serviceaccounts and system:serviceaccounts:NS when no
 * group was given), system:authenticated added (system:unauthenticated for
 * system:anonymous), the extras and the uid. *u is owned by the caller. */
void ck_impersonation_user(const ck_impersonation *imp, ck_user *u);
/* The impersonation filter, run after authentication and the audit's RequestReceived and
 * before authorization: when r asks to impersonate, authorizes each item for r's user and
 * replaces r->user with the impersonated one. Returns false when it answered r (400, 403). */
bool ck_impersonate(ck_request *r);

#endif
