/* EncryptionConfiguration parsing and the aesgcm / aescbc / secretbox / identity value
 * transformers (see transform.h). AES comes from OpenSSL 3's EVP interface; secretbox
 * (XSalsa20-Poly1305, which OpenSSL lacks) from libsodium. */
#include "storage/transform.h"

#include <errno.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sodium.h>
#include <stdio.h>

#include "lib/base64.h"
#include "lib/util.h"
#include "lib/yaml.h"

#define ENC_PREFIX "k8s:enc:"
#define GCM_NONCE 12
#define GCM_TAG 16
#define CBC_BLOCK 16

typedef enum { P_IDENTITY, P_AESGCM, P_AESCBC, P_SECRETBOX } provider_kind;

/* One (provider, key) pair: upstream's prefix transformer. */
typedef struct enc_entry {
    provider_kind kind;
    char *prefix; /* "k8s:enc:aesgcm:v1:key1:"; "" for identity */
    unsigned char secret[32];
    size_t secret_len;
} enc_entry;

struct ck_transformer {
    enc_entry *entries;
    size_t n;
};

typedef struct enc_rule {
    char **names;  /* resource part: "secrets", "*" */
    char **groups; /* group part: "" (core), "apps", "*" */
    size_t nres;
    ck_transformer t;
} enc_rule;

struct ck_encryption_config {
    enc_rule *rules;
    size_t n;
};

/* ---- configuration ---- */

void ck_encryption_config_free(ck_encryption_config *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        enc_rule *r = &c->rules[i];
        for (size_t j = 0; j < r->nres; j++) {
            free(r->names[j]);
            free(r->groups[j]);
        }
        free(r->names);
        free(r->groups);
        for (size_t j = 0; j < r->t.n; j++) {
            OPENSSL_cleanse(r->t.entries[j].secret, sizeof r->t.entries[j].secret);
            free(r->t.entries[j].prefix);
        }
        free(r->t.entries);
    }
    free(c->rules);
    free(c);
}

/* A key secret: Go's base64.StdEncoding into out (at most cap bytes); the length or -1. */
static long b64_decode(const char *s, unsigned char *out, size_t cap)
{
    size_t len;
    unsigned char *raw = ck_base64_decode(s, strlen(s), &len, NULL);
    if (!raw) return -1;
    long r = len && len <= cap ? (long)len : -1;
    if (r > 0) memcpy(out, raw, len);
    OPENSSL_cleanse(raw, len);
    free(raw);
    return r;
}

static void add_entry(ck_transformer *t, provider_kind kind, const char *prefix,
                      const unsigned char *secret, size_t len)
{
    t->entries = xrealloc(t->entries, (t->n + 1) * sizeof *t->entries);
    enc_entry *e = &t->entries[t->n++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->prefix = xstrdup(prefix);
    if (len) memcpy(e->secret, secret, len);
    e->secret_len = len;
}

/* keys of an aesgcm/aescbc provider at path p ("resources[0].providers[1].aesgcm"). */
static int parse_keys(ck_transformer *t, provider_kind kind, const char *pname, const json_t *cfg,
                      const char *p, ck_err **err)
{
    if (!json_is_object(cfg))
        return ck_error(err, 400, CK_BAD_REQUEST, "%s: Invalid value: must be an object", p);
    const json_t *keys = json_object_get(cfg, "keys");
    if (!json_is_array(keys) || json_array_size(keys) == 0)
        return ck_error(err, 400, CK_BAD_REQUEST, "%s.keys: Required value: keys must be set", p);
    size_t i;
    const json_t *k;
    json_array_foreach(keys, i, k)
    {
        const char *name = json_string_value(json_object_get(k, "name"));
        const char *secret = json_string_value(json_object_get(k, "secret"));
        if (!name || !*name)
            return ck_error(err, 400, CK_BAD_REQUEST,
                            "%s.keys[%zu].name: Required value: key name is required", p, i);
        if (strchr(name, ':'))
            return ck_error(err, 400, CK_BAD_REQUEST,
                            "%s.keys[%zu].name: Invalid value: \"%s\": should not contain ':'", p,
                            i, name);
        for (size_t j = 0; j < i; j++)
            if (streq(name, json_string_value(json_object_get(json_array_get(keys, j), "name"))))
                return ck_error(err, 400, CK_BAD_REQUEST,
                                "%s.keys[%zu].name: Duplicate value: \"%s\"", p, i, name);
        if (!secret || !*secret)
            return ck_error(err, 400, CK_BAD_REQUEST,
                            "%s.keys[%zu].secret: Required value: secret is required", p, i);
        unsigned char buf[48];
        long n = b64_decode(secret, buf, sizeof buf);
        if (n < 0)
            return ck_error(err, 400, CK_BAD_REQUEST,
                            "%s.keys[%zu].secret: Invalid value: \"REDACTED\": secret is not valid "
                            "base64",
                            p, i);
        bool box = kind == P_SECRETBOX;
        if (box ? n != 32 : (n != 16 && n != 24 && n != 32)) {
            OPENSSL_cleanse(buf, sizeof buf);
            return ck_error(err, 400, CK_BAD_REQUEST,
                            "%s.keys[%zu].secret: Invalid value: \"REDACTED\": secret is not of "
                            "the expected length, got %ld, expected one of %s",
                            p, i, n, box ? "[32]" : "[16 24 32]");
        }
        cleanup_free char *prefix = xasprintf(ENC_PREFIX "%s:v1:%s:", pname, name);
        add_entry(t, kind, prefix, buf, (size_t)n);
        OPENSSL_cleanse(buf, sizeof buf);
    }
    return 0;
}

static int parse_provider(ck_transformer *t, const json_t *pv, const char *p, ck_err **err)
{
    if (!json_is_object(pv) || json_object_size(pv) == 0)
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "%s: Invalid value: provider does not contain any of the expected "
                        "providers: KMS, AESGCM, AESCBC, Secretbox, Identity",
                        p);
    if (json_object_size(pv) > 1)
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "%s: Invalid value: more than one provider specified in a single element, "
                        "should split into different list elements",
                        p);
    const char *kind = json_object_iter_key(json_object_iter((json_t *)pv));
    const json_t *cfg = json_object_get(pv, kind);
    cleanup_free char *sub = xasprintf("%s.%s", p, kind);
    if (streq(kind, "identity")) {
        add_entry(t, P_IDENTITY, "", NULL, 0);
        return 0;
    }
    if (streq(kind, "aesgcm")) return parse_keys(t, P_AESGCM, "aesgcm", cfg, sub, err);
    if (streq(kind, "aescbc")) return parse_keys(t, P_AESCBC, "aescbc", cfg, sub, err);
    if (streq(kind, "secretbox")) {
        if (sodium_init() < 0)
            return ck_error(err, 500, CK_INTERNAL, "%s: libsodium failed to initialize", sub);
        return parse_keys(t, P_SECRETBOX, "secretbox", cfg, sub, err);
    }
    if (streq(kind, "kms"))
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "%s: Unsupported value: kms providers are not supported by ckube", sub);
    return ck_error(err, 400, CK_BAD_REQUEST,
                    "%s: Unsupported value: unknown provider \"%s\" (supported: aesgcm, aescbc, "
                    "secretbox, identity)",
                    p, kind);
}

static int parse_rule(enc_rule *r, const json_t *rc, size_t idx, ck_err **err)
{
    const json_t *res = json_object_get(rc, "resources");
    const json_t *provs = json_object_get(rc, "providers");
    if (!json_is_array(res) || json_array_size(res) == 0)
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "resources[%zu].resources: Required value: resources must be set", idx);
    size_t i;
    const json_t *v;
    json_array_foreach(res, i, v)
    {
        const char *s = json_string_value(v);
        if (!s || !*s)
            return ck_error(err, 400, CK_BAD_REQUEST,
                            "resources[%zu].resources[%zu]: Invalid value: must be a non-empty "
                            "string",
                            idx, i);
        for (const char *c = s; *c; c++)
            if ((*c >= 'A' && *c <= 'Z') || *c == '/' || *c == ':')
                return ck_error(err, 400, CK_BAD_REQUEST,
                                "resources[%zu].resources[%zu]: Invalid value: \"%s\": resource "
                                "name must be lowercase and of the form resource[.group]",
                                idx, i, s);
        const char *dot = strchr(s, '.');
        r->names = xrealloc(r->names, (r->nres + 1) * sizeof *r->names);
        r->groups = xrealloc(r->groups, (r->nres + 1) * sizeof *r->groups);
        r->names[r->nres] = dot ? xstrndup(s, (size_t)(dot - s)) : xstrdup(s);
        r->groups[r->nres] = xstrdup(dot ? dot + 1 : "");
        r->nres++;
        if (streq(r->names[r->nres - 1], "*") && !dot)
            return ck_error(err, 400, CK_BAD_REQUEST,
                            "resources[%zu].resources[%zu]: Invalid value: \"*\": use '*.' for "
                            "all core resources or '*.*' for all resources",
                            idx, i);
    }
    if (!json_is_array(provs) || json_array_size(provs) == 0)
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "resources[%zu].providers: Required value: providers must be set", idx);
    json_array_foreach(provs, i, v)
    {
        char p[64];
        snprintf(p, sizeof p, "resources[%zu].providers[%zu]", idx, i);
        if (parse_provider(&r->t, v, p, err) < 0) return -1;
    }
    return 0;
}

int ck_encryption_config_parse(const char *buf, size_t len, ck_encryption_config **out,
                               ck_err **err)
{
    json_t *doc = NULL;
    ck_err *yerr = NULL;
    if (ck_yaml_to_json(buf, len, &doc, &yerr) < 0) {
        ck_error(err, 400, CK_BAD_REQUEST, "%s", yerr->message);
        ck_err_free(yerr);
        return -1;
    }
    int rc = -1;
    ck_encryption_config *c = xcalloc(1, sizeof *c);
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    const char *av = json_string_value(json_object_get(doc, "apiVersion"));
    const json_t *res = json_object_get(doc, "resources");
    if (!streq(kind, "EncryptionConfiguration") || !streq(av, "apiserver.config.k8s.io/v1")) {
        ck_error(err, 400, CK_BAD_REQUEST,
                 "expected kind EncryptionConfiguration and apiVersion apiserver.config.k8s.io/v1, "
                 "got kind \"%s\" apiVersion \"%s\"",
                 kind ? kind : "", av ? av : "");
        goto done;
    }
    if (!json_is_array(res) || json_array_size(res) == 0) {
        ck_error(err, 400, CK_BAD_REQUEST, "resources: Required value: resources must be set");
        goto done;
    }
    c->rules = xcalloc(json_array_size(res), sizeof *c->rules);
    size_t i;
    const json_t *rcfg;
    json_array_foreach(res, i, rcfg)
    {
        c->n++;
        if (parse_rule(&c->rules[i], rcfg, i, err) < 0) goto done;
    }
    *out = steal_pointer(&c);
    rc = 0;
done:
    ck_encryption_config_free(c);
    json_decref(doc);
    return rc;
}

int ck_encryption_config_load(const char *path, ck_encryption_config **out, ck_err **err)
{
    size_t len = 0;
    char *buf = read_file(path, &len);
    if (!buf)
        return ck_error(err, 400, CK_BAD_REQUEST, "error reading encryption provider config %s: %s",
                        path, strerror(errno));
    ck_err *e = NULL;
    int rc = ck_encryption_config_parse(buf, len, out, &e);
    OPENSSL_cleanse(buf, len);
    free(buf);
    if (rc < 0) {
        ck_error(err, 400, CK_BAD_REQUEST, "error while parsing encryption provider config %s: %s",
                 path, e->message);
        ck_err_free(e);
    }
    return rc;
}

static bool part_matches(const char *pattern, const char *s, size_t n)
{
    return streq(pattern, "*") || (strlen(pattern) == n && memcmp(pattern, s, n) == 0);
}

const ck_transformer *ck_encryption_for_key(const ck_encryption_config *c, const char *key)
{
    if (!c || !has_prefix(key, "/registry/")) return NULL;
    const char *g = key + strlen("/registry/");
    const char *slash = strchr(g, '/');
    if (!slash) return NULL;
    const char *res = slash + 1, *end = strchr(res, '/');
    size_t glen = (size_t)(slash - g), rlen = end ? (size_t)(end - res) : strlen(res);
    if (glen == 4 && memcmp(g, "core", 4) == 0) glen = 0;
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = 0; j < c->rules[i].nres; j++)
            if (part_matches(c->rules[i].names[j], res, rlen) &&
                part_matches(c->rules[i].groups[j], g, glen))
                return &c->rules[i].t;
    return NULL;
}

/* ---- ciphers ---- */

static const EVP_CIPHER *cipher_for(const enc_entry *e)
{
    bool gcm = e->kind == P_AESGCM;
    switch (e->secret_len) {
    case 16:
        return gcm ? EVP_aes_128_gcm() : EVP_aes_128_cbc();
    case 24:
        return gcm ? EVP_aes_192_gcm() : EVP_aes_192_cbc();
    default:
        return gcm ? EVP_aes_256_gcm() : EVP_aes_256_cbc();
    }
}

/* out receives nonce | ciphertext | tag (len + 28 bytes). */
static bool gcm_seal(const enc_entry *e, const char *aad, const unsigned char *in, size_t len,
                     unsigned char *out)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int n = 0, m = 0;
    bool ok = x && RAND_bytes(out, GCM_NONCE) == 1 &&
              EVP_EncryptInit_ex(x, cipher_for(e), NULL, e->secret, out) == 1 &&
              EVP_EncryptUpdate(x, NULL, &n, (const unsigned char *)aad, (int)strlen(aad)) == 1 &&
              EVP_EncryptUpdate(x, out + GCM_NONCE, &n, in, (int)len) == 1 &&
              EVP_EncryptFinal_ex(x, out + GCM_NONCE + n, &m) == 1 &&
              EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, GCM_TAG, out + GCM_NONCE + n + m) == 1;
    EVP_CIPHER_CTX_free(x);
    return ok;
}

static const char *gcm_open(const enc_entry *e, const char *aad, const unsigned char *in,
                            size_t len, unsigned char *out, size_t *outlen)
{
    if (len < GCM_NONCE + GCM_TAG) return "the stored data was shorter than the required size";
    size_t clen = len - GCM_NONCE - GCM_TAG;
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int n = 0, m = 0;
    bool ok = x && EVP_DecryptInit_ex(x, cipher_for(e), NULL, e->secret, in) == 1 &&
              EVP_DecryptUpdate(x, NULL, &n, (const unsigned char *)aad, (int)strlen(aad)) == 1 &&
              EVP_DecryptUpdate(x, out, &n, in + GCM_NONCE, (int)clen) == 1 &&
              EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, GCM_TAG,
                                  (void *)(in + GCM_NONCE + clen)) == 1 &&
              EVP_DecryptFinal_ex(x, out + n, &m) == 1;
    EVP_CIPHER_CTX_free(x);
    *outlen = (size_t)n + (size_t)m;
    return ok ? NULL : "cipher: message authentication failed";
}

/* out receives IV | CBC(PKCS#7-padded in): 16 + (len / 16 + 1) * 16 bytes. */
static bool cbc_seal(const enc_entry *e, const unsigned char *in, size_t len, unsigned char *out,
                     size_t *outlen)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int n = 0, m = 0;
    bool ok = x && RAND_bytes(out, CBC_BLOCK) == 1 &&
              EVP_EncryptInit_ex(x, cipher_for(e), NULL, e->secret, out) == 1 &&
              EVP_EncryptUpdate(x, out + CBC_BLOCK, &n, in, (int)len) == 1 &&
              EVP_EncryptFinal_ex(x, out + CBC_BLOCK + n, &m) == 1;
    EVP_CIPHER_CTX_free(x);
    *outlen = CBC_BLOCK + (size_t)n + (size_t)m;
    return ok;
}

static const char *cbc_open(const enc_entry *e, const unsigned char *in, size_t len,
                            unsigned char *out, size_t *outlen)
{
    if (len < CBC_BLOCK) return "the stored data was shorter than the required size";
    if ((len - CBC_BLOCK) % CBC_BLOCK) return "the stored data is not a multiple of the block size";
    if (len == CBC_BLOCK) return "invalid PKCS7 data (empty or not padded)";
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int n = 0, m = 0;
    bool ok = x && EVP_DecryptInit_ex(x, cipher_for(e), NULL, e->secret, in) == 1 &&
              EVP_DecryptUpdate(x, out, &n, in + CBC_BLOCK, (int)(len - CBC_BLOCK)) == 1 &&
              EVP_DecryptFinal_ex(x, out + n, &m) == 1;
    EVP_CIPHER_CTX_free(x);
    *outlen = (size_t)n + (size_t)m;
    return ok ? NULL : "invalid padding on input";
}

/* out receives nonce | tag | ciphertext (len + 40 bytes), as Go's nacl/secretbox. */
static bool box_seal(const enc_entry *e, const unsigned char *in, size_t len, unsigned char *out)
{
    randombytes_buf(out, crypto_secretbox_NONCEBYTES);
    return crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, in, len, out, e->secret) == 0;
}

static const char *box_open(const enc_entry *e, const unsigned char *in, size_t len,
                            unsigned char *out, size_t *outlen)
{
    if (len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return "the stored data was shorter than the required size";
    size_t clen = len - crypto_secretbox_NONCEBYTES;
    *outlen = clen - crypto_secretbox_MACBYTES;
    if (crypto_secretbox_open_easy(out, in + crypto_secretbox_NONCEBYTES, clen, in, e->secret))
        return "output array was not large enough for encryption";
    return NULL;
}

/* ---- transformers ---- */

const char *ck_transform_write_prefix(const ck_transformer *t)
{
    return t && t->n ? t->entries[0].prefix : "";
}

int ck_transform_encode(const ck_transformer *t, const char *key, const char *in, size_t len,
                        char **out, size_t *outlen, ck_err **err)
{
    const enc_entry *e = &t->entries[0];
    if (len > INT_MAX - 64)
        return ck_error(err, 413, CK_TOO_LARGE, "value of %zu bytes is too large to encrypt", len);
    size_t plen = strlen(e->prefix), n = 0;
    char *buf = xmalloc(plen + len + GCM_NONCE + GCM_TAG + 2 * CBC_BLOCK +
                        crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + 1);
    memcpy(buf, e->prefix, plen);
    unsigned char *ct = (unsigned char *)buf + plen;
    bool ok = true;
    switch (e->kind) {
    case P_IDENTITY:
        memcpy(ct, in, len);
        n = len;
        break;
    case P_AESGCM:
        ok = gcm_seal(e, key, (const unsigned char *)in, len, ct);
        n = len + GCM_NONCE + GCM_TAG;
        break;
    case P_AESCBC:
        ok = cbc_seal(e, (const unsigned char *)in, len, ct, &n);
        break;
    case P_SECRETBOX:
        ok = box_seal(e, (const unsigned char *)in, len, ct);
        n = len + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
        break;
    }
    if (!ok) {
        free(buf);
        return ck_error(err, 500, CK_INTERNAL, "encrypting %s failed", key);
    }
    buf[plen + n] = '\0';
    *out = buf;
    *outlen = plen + n;
    return 0;
}

int ck_transform_decode(const ck_transformer *t, const char *key, const char *in, size_t len,
                        char **out, size_t *outlen, bool *stale, ck_err **err)
{
    bool encrypted = len >= strlen(ENC_PREFIX) && memcmp(in, ENC_PREFIX, strlen(ENC_PREFIX)) == 0;
    for (size_t i = 0; i < t->n; i++) {
        const enc_entry *e = &t->entries[i];
        size_t plen = strlen(e->prefix);
        if (len < plen || memcmp(in, e->prefix, plen) != 0) continue;
        /* identity matches everything but must not hand out encrypted data; a later
         * provider may hold its key (the migration away from encryption). */
        if (e->kind == P_IDENTITY && encrypted) continue;
        const unsigned char *ct = (const unsigned char *)in + plen;
        size_t clen = len - plen, n = 0;
        char *buf = xmalloc(clen + 1);
        const char *why = NULL;
        switch (e->kind) {
        case P_IDENTITY:
            memcpy(buf, ct, clen);
            n = clen;
            break;
        case P_AESGCM:
            why = gcm_open(e, key, ct, clen, (unsigned char *)buf, &n);
            break;
        case P_AESCBC:
            why = cbc_open(e, ct, clen, (unsigned char *)buf, &n);
            break;
        case P_SECRETBOX:
            why = box_open(e, ct, clen, (unsigned char *)buf, &n);
            break;
        }
        if (why) {
            free(buf);
            return ck_error(err, 500, CK_INTERNAL, "decrypting %s with %.*s failed: %s", key,
                            (int)(plen ? plen - 1 : 0), e->prefix, why);
        }
        buf[n] = '\0';
        *out = buf;
        *outlen = n;
        if (stale) *stale = i != 0;
        return 0;
    }
    if (encrypted)
        return ck_error(err, 500, CK_INTERNAL,
                        "decrypting %s failed: no matching prefix found (the value is encrypted "
                        "with a provider or key no longer in the encryption config)",
                        key);
    return ck_error(err, 500, CK_INTERNAL,
                    "decrypting %s failed: no matching prefix found (the value is not encrypted "
                    "and the config has no identity provider)",
                    key);
}

const char *ck_transform_describe(const char *value, size_t len, char *buf, size_t n)
{
    size_t pl = strlen(ENC_PREFIX);
    if (len < pl || memcmp(value, ENC_PREFIX, pl) != 0) {
        snprintf(buf, n, "identity");
        return buf;
    }
    /* <provider>:v1:<name>: */
    const char *p = value + pl, *end = value + len;
    const char *c1 = memchr(p, ':', (size_t)(end - p));
    const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
    const char *c3 = c2 ? memchr(c2 + 1, ':', (size_t)(end - c2 - 1)) : NULL;
    if (!c3 || c3 - c2 > 128 || c1 - p > 32) {
        snprintf(buf, n, "unknown");
        return buf;
    }
    snprintf(buf, n, "%.*s:%.*s", (int)(c1 - p), p, (int)(c3 - c2 - 1), c2 + 1);
    return buf;
}
