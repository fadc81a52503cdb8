/* Service-account tokens (upstream's pkg/serviceaccount jwt.go and claims.go): the signing
 * key pair kept under DIR/pki, the claim set of a token, and compact JWS signing. Issuance
 * only; verification belongs to token authentication. */
#ifndef CK_SAJWT_H
#define CK_SAJWT_H

#include <jansson.h>

#include "lib/err.h"

/* The issuer (iss) and the API audience upstream uses by default
 * (--service-account-issuer, --api-audiences). */
#define CK_SA_DEFAULT_ISSUER "https://kubernetes.default.svc.cluster.local"
#define CK_SA_DEFAULT_AUDIENCE CK_SA_DEFAULT_ISSUER

/* Upstream's limits: tokens live at least 10 minutes and at most 2^32 seconds; 3600 s when
 * the request does not say; a pod-bound token asking for 3607 s gets a year and a warnafter
 * claim (the projected-token transition). */
#define CK_SA_MIN_EXPIRATION 600LL
#define CK_SA_MAX_EXPIRATION 4294967296LL
#define CK_SA_DEFAULT_EXPIRATION 3600LL
#define CK_SA_WARN_ONLY_EXPIRATION 3607LL
#define CK_SA_EXTENDED_EXPIRATION (24LL * 365 * 3600)

/* Creates the signing key pair in dir when absent: sa.key (RSA 2048, PKCS#8 PEM, 0600) and
 * sa.pub (SubjectPublicKeyInfo PEM, 0644); rewrites sa.pub from an existing sa.key. An
 * unreadable sa.key is an error (it is never replaced: tokens signed with it would stop
 * verifying). */
int ck_sa_key_ensure(const char *dir, ck_err **err);

/* A name/UID pair in the private claim; a NULL name leaves the entry out. */
typedef struct ck_sa_ref {
    const char *name, *uid;
} ck_sa_ref;

/* What a token says. Strings are borrowed. */
typedef struct ck_sa_claims_in {
    const char *issuer;          /* NULL: CK_SA_DEFAULT_ISSUER */
    const char *ns;              /* service account namespace */
    ck_sa_ref sa;                /* service account name and UID */
    ck_sa_ref pod, secret, node; /* bound objects */
    const json_t *audiences;     /* array of strings */
    const char *jti;             /* token ID (a UUID), NULL: none */
    long long now;               /* issue time, Unix seconds */
    long long expiration;        /* seconds after now */
    long long warnafter;         /* seconds after now, 0: none */
} ck_sa_claims_in;

/* The claim set (new reference): iss, sub "system:serviceaccount:NS:NAME", aud (array),
 * exp, iat, nbf, jti and the "kubernetes.io" private claim {namespace, serviceaccount,
 * pod, secret, node, warnafter}, as upstream's Claims builds it. */
json_t *ck_sa_claims(const ck_sa_claims_in *in);

/* Signs claims as a compact JWS with the private key in key_path: RS256 for RSA keys,
 * ES256/ES384/ES512 for EC P-256/P-384/P-521, header {"alg", "kid"} where kid is the
 * unpadded base64url SHA-256 of the DER public key (upstream's keyIDFromPublicKey). Claims
 * are serialized with sorted keys, as go-jose does. Returns an allocated token, or NULL
 * with a 500 error. */
char *ck_sa_sign(const char *key_path, const json_t *claims, ck_err **err);

/* Unpadded base64url of data (allocated). */
char *ck_b64url(const unsigned char *data, size_t len);

#endif
