/* Service-account token signing on the OpenSSL 3 EVP APIs. The key is RSA 2048 (RS256),
 * as kubeadm generates sa.key: RS256 is the one algorithm every JWT and OIDC relying party
 * accepts (upstream's OIDC discovery advertises it; some cloud token exchanges take nothing
 * else), and a PKCS#1 v1.5 signature verifies with a plain `openssl dgst -verify`. EC keys
 * put there by an operator are used too (ES256/384/512), as upstream allows. */
#include "pki/sajwt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "lib/util.h"

#define RSA_BITS 2048

static int ossl_fail(ck_err **err, const char *what)
{
    char buf[256] = "unknown OpenSSL error";
    unsigned long e = ERR_peek_last_error();
    if (e) ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return ck_error(err, 500, CK_INTERNAL, "%s: %s", what, buf);
}

char *ck_b64url(const unsigned char *data, size_t len)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *out = xmalloc(len / 3 * 4 + 5), *o = out;
    size_t i = 0;
    for (; i + 2 < len; i += 3) {
        unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8 | data[i + 2];
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = tab[v >> 6 & 63];
        *o++ = tab[v & 63];
    }
    if (i < len) {
        unsigned v = (unsigned)data[i] << 16 | (i + 1 < len ? (unsigned)data[i + 1] << 8 : 0);
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        if (i + 1 < len) *o++ = tab[v >> 6 & 63];
    }
    *o = 0;
    return out;
}

/* PEM text of the private key (want_private) or of its SubjectPublicKeyInfo; allocated. */
static char *pem_of(EVP_PKEY *k, bool want_private, size_t *len, ck_err **err)
{
    BIO *b = BIO_new(want_private ? BIO_s_secmem() : BIO_s_mem());
    if (!b) {
        ossl_fail(err, "allocate buffer");
        return NULL;
    }
    int ok = want_private ? PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL)
                          : PEM_write_bio_PUBKEY(b, k);
    char *out = NULL;
    if (ok) {
        char *data;
        long n = BIO_get_mem_data(b, &data);
        out = xstrndup(data, (size_t)n);
        *len = (size_t)n;
    } else {
        ossl_fail(err, "encode PEM");
    }
    BIO_free(b);
    return out;
}

/* Loads the private key at path; NULL with a 500 error. */
static EVP_PKEY *load_key(const char *path, ck_err **err)
{
    size_t len;
    char *data = read_file(path, &len);
    if (!data) {
        ck_error(err, 500, CK_INTERNAL, "open %s: %s", path, strerror(errno));
        return NULL;
    }
    BIO *b = BIO_new_mem_buf(data, (int)len);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    OPENSSL_cleanse(data, len);
    free(data);
    ERR_clear_error();
    if (!k) ck_error(err, 500, CK_INTERNAL, "%s: no PEM private key found", path);
    return k;
}

static int write_pem(const char *path, EVP_PKEY *k, bool want_private, ck_err **err)
{
    size_t len = 0;
    char *pem = pem_of(k, want_private, &len, err);
    if (!pem) return -1;
    int rc = 0;
    if (write_file_atomic(path, pem, len, want_private ? 0600 : 0644) < 0)
        rc = ck_error(err, 500, CK_INTERNAL, "write %s: %s", path, strerror(errno));
    OPENSSL_cleanse(pem, len);
    free(pem);
    return rc;
}

int ck_sa_key_ensure(const char *dir, ck_err **err)
{
    cleanup_free char *key_path = xasprintf("%s/sa.key", dir);
    cleanup_free char *pub_path = xasprintf("%s/sa.pub", dir);
    EVP_PKEY *k = NULL;
    if (access(key_path, F_OK) == 0) {
        k = load_key(key_path, err);
        if (!k) return -1;
    } else {
        k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)RSA_BITS);
        if (!k) return ossl_fail(err, "generate service account key");
        if (write_pem(key_path, k, true, err) < 0) {
            EVP_PKEY_free(k);
            return -1;
        }
    }
    /* sa.pub always follows sa.key. */
    size_t want_len = 0, have_len = 0;
    cleanup_free char *want = pem_of(k, false, &want_len, err);
    cleanup_free char *have = read_file(pub_path, &have_len);
    int rc = want ? 0 : -1;
    if (want && (!have || have_len != want_len || memcmp(have, want, want_len) != 0))
        rc = write_pem(pub_path, k, false, err);
    EVP_PKEY_free(k);
    return rc;
}

/* ---- claims ---------------------------------------------------------------------------- */

static json_t *ref_json(const ck_sa_ref *r)
{
    json_t *o = json_object();
    if (r->name && *r->name) json_object_set_new(o, "name", json_string(r->name));
    if (r->uid && *r->uid) json_object_set_new(o, "uid", json_string(r->uid));
    return o;
}

json_t *ck_sa_claims(const ck_sa_claims_in *in)
{
    json_t *k8s = json_object();
    if (in->ns && *in->ns) json_object_set_new(k8s, "namespace", json_string(in->ns));
    json_object_set_new(k8s, "serviceaccount", ref_json(&in->sa));
    if (in->pod.name) json_object_set_new(k8s, "pod", ref_json(&in->pod));
    if (in->secret.name) json_object_set_new(k8s, "secret", ref_json(&in->secret));
    if (in->node.name) json_object_set_new(k8s, "node", ref_json(&in->node));
    if (in->warnafter) json_object_set_new(k8s, "warnafter", json_integer(in->now + in->warnafter));

    cleanup_free char *sub = xasprintf("system:serviceaccount:%s:%s", in->ns ? in->ns : "",
                                       in->sa.name ? in->sa.name : "");
    json_t *aud = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(in->audiences, i, a) if (json_is_string(a)) json_array_append(aud, a);
    json_t *c = json_pack("{s:s, s:s, s:o, s:I, s:I, s:I, s:o}", "iss",
                          in->issuer ? in->issuer : CK_SA_DEFAULT_ISSUER, "sub", sub, "aud", aud,
                          "exp", (json_int_t)(in->now + in->expiration), "iat", (json_int_t)in->now,
                          "nbf", (json_int_t)in->now, "kubernetes.io", k8s);
    if (in->jti && *in->jti) json_object_set_new(c, "jti", json_string(in->jti));
    return c;
}

/* ---- signing --------------------------------------------------------------------------- */

/* Go's encoding/json escapes <, >, & and U+2028/U+2029 inside strings; those bytes only
 * occur inside strings in JSON text, so a byte-level rewrite is exact. */
static char *go_escape(const char *s)
{
    size_t n = strlen(s);
    char *out = xmalloc(6 * n + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '<' || *p == '>' || *p == '&') {
            o += sprintf(o, "\\u00%02x", *p);
        } else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
            o += sprintf(o, "\\u202%c", p[2] == 0xa8 ? '8' : '9');
            p += 2;
        } else {
            *o++ = (char)*p;
        }
    }
    *o = 0;
    return out;
}

/* The JWS algorithm, digest and (EC) coordinate size for a key; NULL if unsupported. */
static const char *jws_alg(EVP_PKEY *k, const EVP_MD **md, int *coord)
{
    *coord = 0;
    if (EVP_PKEY_is_a(k, "RSA")) {
        *md = EVP_sha256();
        return "RS256";
    }
    if (!EVP_PKEY_is_a(k, "EC")) return NULL;
    switch (EVP_PKEY_get_bits(k)) {
    case 256:
        *md = EVP_sha256(), *coord = 32;
        return "ES256";
    case 384:
        *md = EVP_sha384(), *coord = 48;
        return "ES384";
    case 521:
        *md = EVP_sha512(), *coord = 66;
        return "ES512";
    default:
        return NULL;
    }
}

static char *key_id(EVP_PKEY *k)
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k, &der);
    if (n <= 0) return NULL;
    unsigned char md[32];
    unsigned int mdlen = 0;
    int ok = EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL);
    OPENSSL_free(der);
    return ok ? ck_b64url(md, mdlen) : NULL;
}

/* JWS wants ECDSA signatures as R || S, each left-padded to the coordinate size. */
static int ecdsa_raw(const unsigned char *der, size_t len, int coord, unsigned char *out)
{
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
    if (!sig) return -1;
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(sig, &r, &s);
    int ok = BN_bn2binpad(r, out, coord) == coord && BN_bn2binpad(s, out + coord, coord) == coord;
    ECDSA_SIG_free(sig);
    return ok ? 0 : -1;
}

/* Signs input with k; returns the unpadded base64url signature or NULL with an error. */
static char *sign_b64(EVP_PKEY *k, const EVP_MD *md, int coord, const char *input, ck_err **err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t len = strlen(input), siglen = 0;
    unsigned char *sig = NULL;
    char *out = NULL;
    if (ctx && EVP_DigestSignInit(ctx, NULL, md, NULL, k) == 1 &&
        EVP_DigestSign(ctx, NULL, &siglen, (const unsigned char *)input, len) == 1) {
        sig = xmalloc(siglen);
        if (EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)input, len) == 1) {
            unsigned char rs[2 * 66];
            if (!coord)
                out = ck_b64url(sig, siglen);
            else if (ecdsa_raw(sig, siglen, coord, rs) == 0)
                out = ck_b64url(rs, (size_t)(2 * coord));
        }
    }
    if (!out) ossl_fail(err, "sign service account token");
    free(sig);
    EVP_MD_CTX_free(ctx);
    return out;
}

char *ck_sa_sign(const char *key_path, const json_t *claims, ck_err **err)
{
    EVP_PKEY *k = load_key(key_path, err);
    if (!k) return NULL;
    const EVP_MD *md = NULL;
    int coord = 0;
    const char *alg = jws_alg(k, &md, &coord);
    cleanup_free char *kid = alg ? key_id(k) : NULL;
    if (!alg || !kid) {
        EVP_PKEY_free(k);
        ck_error(err, 500, CK_INTERNAL, "%s: unsupported service account key", key_path);
        return NULL;
    }
    json_t *hdr = json_pack("{s:s, s:s}", "alg", alg, "kid", kid);
    cleanup_free char *hdr_text = json_dumps(hdr, JSON_COMPACT);
    json_decref(hdr);
    cleanup_free char *raw = json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS);
    cleanup_free char *payload = go_escape(raw);
    cleanup_free char *h64 = ck_b64url((const unsigned char *)hdr_text, strlen(hdr_text));
    cleanup_free char *p64 = ck_b64url((const unsigned char *)payload, strlen(payload));
    cleanup_free char *input = xasprintf("%s.%s", h64, p64);
    cleanup_free char *s64 = sign_b64(k, md, coord, input, err);
    EVP_PKEY_free(k);
    return s64 ? xasprintf("%s.%s", input, s64) : NULL;
}
