/* Service-account JWT verification (upstream's pkg/serviceaccount/jwt.go and the time checks
 * of claims.go): issuer, JWS signature, audiences, then exp/nbf/iat with go-jose's leeway.
 * The object lookups that follow live in sa_authn.c. */
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "auth/authn.h"
#include "lib/base64.h"
#include "lib/util.h"
#include "machinery/validation.h"

#define LEEWAY 60 /* go-jose's jwt.DefaultLeeway */

EVP_PKEY *ck_sa_load_public(const char *path, ck_err **err)
{
    size_t len = 0;
    cleanup_free char *pem = read_file(path, &len);
    if (!pem) {
        ck_error(err, 500, CK_INTERNAL, "failed to read service account key file %s: %s", path,
                 strerror(errno));
        return NULL;
    }
    EVP_PKEY *k = NULL;
    for (int how = 0; how < 3 && !k; how++) {
        BIO *b = BIO_new_mem_buf(pem, (int)len);
        if (how == 0) {
            k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
        } else if (how == 1) {
            k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
        } else {
            X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
            if (x) k = X509_get_pubkey(x);
            X509_free(x);
        }
        BIO_free(b);
    }
    ERR_clear_error();
    if (!k)
        ck_error(err, 500, CK_INTERNAL,
                 "failed to parse service account key file %s: no public key found", path);
    return k;
}

static json_t *decode_json(const char *s, size_t n)
{
    size_t len = 0;
    cleanup_free unsigned char *raw = ck_base64url_decode(s, n, &len);
    if (!raw) return NULL;
    json_t *v = json_loadb((const char *)raw, len, JSON_DECODE_ANY, NULL);
    if (v && !json_is_object(v)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

/* Checks the signature of input with the JWS alg against key. */
static bool sig_ok(EVP_PKEY *key, const char *alg, const char *input, size_t inlen,
                   const unsigned char *sig, size_t siglen)
{
    const EVP_MD *md = NULL;
    int coord = 0;
    int type = EVP_PKEY_get_base_id(key);
    if (type == EVP_PKEY_RSA && streq(alg, "RS256")) {
        md = EVP_sha256();
    } else if (type == EVP_PKEY_EC) {
        int bits = EVP_PKEY_get_bits(key);
        if (bits == 256 && streq(alg, "ES256")) md = EVP_sha256(), coord = 32;
        if (bits == 384 && streq(alg, "ES384")) md = EVP_sha384(), coord = 48;
        if (bits == 521 && streq(alg, "ES512")) md = EVP_sha512(), coord = 66;
    }
    if (!md) return false;
    unsigned char *der = NULL;
    if (coord) { /* JWS carries r||s; OpenSSL wants a DER ECDSA-Sig-Value */
        if (siglen != (size_t)coord * 2) return false;
        ECDSA_SIG *es = ECDSA_SIG_new();
        ECDSA_SIG_set0(es, BN_bin2bn(sig, coord, NULL), BN_bin2bn(sig + coord, coord, NULL));
        int n = i2d_ECDSA_SIG(es, &der);
        ECDSA_SIG_free(es);
        if (n <= 0) return false;
        sig = der;
        siglen = (size_t)n;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
              EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)input, inlen) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    ERR_clear_error();
    return ok;
}

/* The aud claim as an array (a single string counts as a one-element list). */
static json_t *aud_list(const json_t *claims)
{
    json_t *a = json_object_get(claims, "aud");
    if (json_is_string(a)) return json_pack("[O]", a);
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) if (json_is_string(v)) json_array_append(out, v);
    return out;
}

static bool has_str(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (streq(json_string_value(v), s)) return true;
    return false;
}

/* Go's %q of a []string: ["a" "b"]. */
static char *go_quote_list(const json_t *arr)
{
    char *out = xstrdup("[");
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        cleanup_free char *q = ck_quote(json_string_value(v));
        char *n = xasprintf("%s%s%s", out, i ? " " : "", q);
        free(out);
        out = n;
    }
    char *n = xasprintf("%s]", out);
    free(out);
    return n;
}

/* A NumericDate claim: true with *t when present (numbers only). */
static bool num_claim(const json_t *claims, const char *k, double *t)
{
    json_t *v = json_object_get(claims, k);
    if (!json_is_number(v)) return false;
    *t = json_number_value(v);
    return true;
}

ck_sa_result ck_sa_verify(EVP_PKEY *key, const char *issuer, const char *token,
                          const json_t *wanted, long long now, json_t **claims, json_t **auds,
                          char **msg)
{
    *claims = NULL;
    *auds = NULL;
    *msg = NULL;
    /* hasCorrectIssuer: three parts, a JSON payload, our iss; else no opinion. */
    const char *d1 = strchr(token, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d1 || !d2 || strchr(d2 + 1, '.')) return CK_SA_NOT_OURS;
    json_t *c = decode_json(d1 + 1, (size_t)(d2 - d1 - 1));
    if (!c || !streq(json_string_value(json_object_get(c, "iss")), issuer)) {
        json_decref(c);
        return CK_SA_NOT_OURS;
    }
    json_t *hdr = decode_json(token, (size_t)(d1 - token));
    size_t siglen = 0;
    unsigned char *sig = ck_base64url_decode(d2 + 1, strlen(d2 + 1), &siglen);
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    ck_sa_result rc = CK_SA_NOT_OURS; /* jwt.ParseSigned failures: no opinion */
    json_t *have = NULL, *met = NULL;
    if (!hdr || !sig || !alg) goto out;
    rc = CK_SA_INVALID;
    if (!key || !sig_ok(key, alg, token, (size_t)(d2 - token), sig, siglen)) {
        *msg = xstrdup("go-jose/go-jose: error in cryptographic primitive");
        goto out;
    }
    /* Audiences: legacy tokens without aud get the implicit ones. */
    json_t *implicit = json_pack("[s]", CK_API_AUDIENCE);
    have = aud_list(c);
    if (!json_array_size(have)) json_array_extend(have, implicit);
    const json_t *want = wanted ? wanted : implicit;
    met = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(have, i, v) if (has_str(want, json_string_value(v)) &&
                                       !has_str(met, json_string_value(v)))
        json_array_append(met, v);
    if (!json_array_size(met)) {
        cleanup_free char *h = go_quote_list(have), *w = go_quote_list(want);
        *msg = xasprintf("token audiences %s is invalid for the target audiences %s", h, w);
        json_decref(implicit);
        goto out;
    }
    json_decref(implicit);
    if (!json_is_object(json_object_get(c, "kubernetes.io"))) {
        *msg = xstrdup("service account token claims could not be validated due to unexpected "
                       "private claim");
        goto out;
    }
    double t;
    if (num_claim(c, "nbf", &t) && (double)(now + LEEWAY) < t) {
        *msg = xstrdup("service account token is not valid yet");
        goto out;
    }
    if (num_claim(c, "exp", &t) && (double)(now - LEEWAY) > t) {
        *msg = xstrdup("service account token has expired");
        goto out;
    }
    if (num_claim(c, "iat", &t) && (double)(now + LEEWAY) < t) {
        *msg = xstrdup("service account token is issued in the future");
        goto out;
    }
    rc = CK_SA_VALID;
    *claims = json_incref(c);
    *auds = json_incref(met);
out:
    json_decref(c);
    json_decref(hdr);
    json_decref(have);
    json_decref(met);
    free(sig);
    return rc;
}
