/* Unit tests for src/pki/sajwt: the service-account key pair (creation, reuse, sa.pub
 * repair, modes), base64url, the claim set's shape, and signed tokens: header, claims and
 * the signature verified with OpenSSL against sa.pub (RS256) and an EC key (ES256). */
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "lib/util.h"
#include "pki/sajwt.h"
#include "ut.h"

static char tmp[64];

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

/* Decodes unpadded base64url [s, s+n); NULL on a bad character. */
static unsigned char *b64url_decode(const char *s, size_t n, size_t *outlen)
{
    unsigned char *out = xmalloc(n * 3 / 4 + 3);
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64val((unsigned char)s[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    out[o] = 0;
    *outlen = o;
    return out;
}

static char *path_in(const char *dir, const char *name)
{
    return xasprintf("%s/%s", dir, name);
}

static int file_mode(const char *dir, const char *name)
{
    cleanup_free char *p = path_in(dir, name);
    struct stat st;
    return stat(p, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
}

static char *slurp(const char *dir, const char *name)
{
    cleanup_free char *p = path_in(dir, name);
    return read_file(p, NULL);
}

static EVP_PKEY *load_pub(const char *dir)
{
    cleanup_free char *p = path_in(dir, "sa.pub");
    FILE *f = fopen(p, "r");
    if (!f) return NULL;
    EVP_PKEY *k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    return k;
}

static void test_b64url(void)
{
    static const struct {
        const char *in, *out;
    } v[] = {{"", ""},           {"f", "Zg"},         {"fo", "Zm8"},           {"foo", "Zm9v"},
             {"foob", "Zm9vYg"}, {"\xfb\xff", "-_8"}, {"\xff\xfe\xfd", "__79"}};
    for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
        cleanup_free char *s = ck_b64url((const unsigned char *)v[i].in, strlen(v[i].in));
        CHECK_STR(s, v[i].out);
    }
}

static void test_key_files(void)
{
    ck_err *err = NULL;
    CHECK_INT(ck_sa_key_ensure(tmp, &err), 0);
    CHECK_INT(file_mode(tmp, "sa.key"), 0600);
    CHECK_INT(file_mode(tmp, "sa.pub"), 0644);
    cleanup_free char *key1 = slurp(tmp, "sa.key");
    cleanup_free char *pub1 = slurp(tmp, "sa.pub");
    CHECK(key1 && strstr(key1, "-----BEGIN PRIVATE KEY-----"));
    CHECK(pub1 && strstr(pub1, "-----BEGIN PUBLIC KEY-----"));
    EVP_PKEY *pub = load_pub(tmp);
    CHECK(pub && EVP_PKEY_is_a(pub, "RSA") && EVP_PKEY_get_bits(pub) == 2048);
    EVP_PKEY_free(pub);

    /* Reused as is on the next start; sa.pub is rewritten from sa.key when missing. */
    CHECK_INT(ck_sa_key_ensure(tmp, &err), 0);
    cleanup_free char *key2 = slurp(tmp, "sa.key");
    CHECK(key2 && streq(key1, key2));
    cleanup_free char *pubpath = path_in(tmp, "sa.pub");
    unlink(pubpath);
    CHECK_INT(ck_sa_key_ensure(tmp, &err), 0);
    cleanup_free char *pub2 = slurp(tmp, "sa.pub");
    CHECK(pub2 && streq(pub1, pub2));
    write_file_atomic(pubpath, "junk\n", 5, 0644);
    CHECK_INT(ck_sa_key_ensure(tmp, &err), 0);
    cleanup_free char *pub3 = slurp(tmp, "sa.pub");
    CHECK(pub3 && streq(pub1, pub3));

    /* An unreadable key is an error, never silently replaced. */
    char bad[] = "/tmp/ck-sajwt-bad.XXXXXX";
    CHECK(mkdtemp(bad) != NULL);
    cleanup_free char *badkey = path_in(bad, "sa.key");
    write_file_atomic(badkey, "not a key\n", 10, 0600);
    CHECK_INT(ck_sa_key_ensure(bad, &err), -1);
    CHECK(err && err->code == 500);
    ck_err_free(err);
    err = NULL;
    cleanup_free char *again = slurp(bad, "sa.key");
    CHECK_STR(again, "not a key\n");
    unlink(badkey);
    rmdir(bad);
}

static void test_claims(void)
{
    json_t *auds = json_pack("[s]", CK_SA_DEFAULT_AUDIENCE);
    ck_sa_claims_in in = {.ns = "team-a",
                          .sa = {"robot", "sa-uid"},
                          .audiences = auds,
                          .jti = "jti-1",
                          .now = 1700000000,
                          .expiration = 3600};
    json_t *c = ck_sa_claims(&in);
    CHECK_STR(json_string_value(json_object_get(c, "iss")), CK_SA_DEFAULT_ISSUER);
    CHECK_STR(json_string_value(json_object_get(c, "sub")), "system:serviceaccount:team-a:robot");
    CHECK(json_equal(json_object_get(c, "aud"), auds));
    CHECK_INT(json_integer_value(json_object_get(c, "iat")), 1700000000);
    CHECK_INT(json_integer_value(json_object_get(c, "nbf")), 1700000000);
    CHECK_INT(json_integer_value(json_object_get(c, "exp")), 1700003600);
    CHECK_STR(json_string_value(json_object_get(c, "jti")), "jti-1");
    json_t *want = json_pack("{s:s, s:{s:s, s:s}}", "namespace", "team-a", "serviceaccount", "name",
                             "robot", "uid", "sa-uid");
    CHECK(json_equal(json_object_get(c, "kubernetes.io"), want));
    json_decref(want);
    cleanup_free char *text = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(text,
              "{\"aud\":[\"https://kubernetes.default.svc.cluster.local\"],\"exp\":1700003600,"
              "\"iat\":1700000000,\"iss\":\"https://kubernetes.default.svc.cluster.local\","
              "\"jti\":\"jti-1\",\"kubernetes.io\":{\"namespace\":\"team-a\","
              "\"serviceaccount\":{\"name\":\"robot\",\"uid\":\"sa-uid\"}},"
              "\"nbf\":1700000000,\"sub\":\"system:serviceaccount:team-a:robot\"}");
    json_decref(c);

    /* Pod binding with the pod's node (by name only when the node is gone), warnafter. */
    in.issuer = "https://issuer.example";
    in.jti = NULL;
    in.pod = (ck_sa_ref){"web-0", "pod-uid"};
    in.node = (ck_sa_ref){"node-1", NULL};
    in.expiration = CK_SA_EXTENDED_EXPIRATION;
    in.warnafter = CK_SA_WARN_ONLY_EXPIRATION;
    c = ck_sa_claims(&in);
    CHECK_STR(json_string_value(json_object_get(c, "iss")), "https://issuer.example");
    CHECK(!json_object_get(c, "jti"));
    want = json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s}, s:I}", "namespace", "team-a",
                     "serviceaccount", "name", "robot", "uid", "sa-uid", "pod", "name", "web-0",
                     "uid", "pod-uid", "node", "name", "node-1", "warnafter",
                     (json_int_t)(1700000000 + 3607));
    CHECK(json_equal(json_object_get(c, "kubernetes.io"), want));
    CHECK_INT(json_integer_value(json_object_get(c, "exp")), 1700000000 + 365LL * 24 * 3600);
    json_decref(want);
    json_decref(c);

    /* Secret binding. */
    in.pod = (ck_sa_ref){0};
    in.node = (ck_sa_ref){0};
    in.secret = (ck_sa_ref){"s", "secret-uid"};
    in.warnafter = 0;
    c = ck_sa_claims(&in);
    want = json_pack("{s:s, s:s}", "name", "s", "uid", "secret-uid");
    CHECK(json_equal(json_object_get(json_object_get(c, "kubernetes.io"), "secret"), want));
    CHECK(!json_object_get(json_object_get(c, "kubernetes.io"), "pod"));
    json_decref(want);
    json_decref(c);
    json_decref(auds);
}

typedef struct parts {
    json_t *header, *payload;
    char *payload_text;
    unsigned char *sig;
    size_t siglen;
    char *input; /* header.payload */
} parts;

static int split(const char *tok, parts *p)
{
    memset(p, 0, sizeof *p);
    const char *d1 = strchr(tok, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d2 || strchr(d2 + 1, '.')) return -1;
    size_t n;
    cleanup_free unsigned char *h = b64url_decode(tok, (size_t)(d1 - tok), &n);
    p->payload_text = (char *)b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &n);
    p->sig = b64url_decode(d2 + 1, strlen(d2 + 1), &p->siglen);
    p->input = xstrndup(tok, (size_t)(d2 - tok));
    if (!h || !p->payload_text || !p->sig) return -1;
    p->header = json_loads((char *)h, 0, NULL);
    p->payload = json_loads(p->payload_text, 0, NULL);
    return p->header && p->payload ? 0 : -1;
}

static void parts_clear(parts *p)
{
    json_decref(p->header);
    json_decref(p->payload);
    free(p->payload_text);
    free(p->sig);
    free(p->input);
}

static bool verify(EVP_PKEY *pub, const EVP_MD *md, const char *input, const unsigned char *sig,
                   size_t siglen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = EVP_DigestVerifyInit(ctx, NULL, md, NULL, pub) == 1 &&
              EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)input, strlen(input)) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

static char *expected_kid(EVP_PKEY *k)
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k, &der);
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL);
    OPENSSL_free(der);
    return ck_b64url(md, mdlen);
}

static void test_sign_rs256(void)
{
    ck_err *err = NULL;
    json_t *auds = json_pack("[s, s]", "api", "a<b&c>\xe2\x80\xa8");
    ck_sa_claims_in in = {.ns = "default",
                          .sa = {"default", "u1"},
                          .audiences = auds,
                          .jti = "j",
                          .now = (long long)time(NULL),
                          .expiration = 600};
    json_t *claims = ck_sa_claims(&in);
    cleanup_free char *key = path_in(tmp, "sa.key");
    cleanup_free char *tok = ck_sa_sign(key, claims, &err);
    CHECK(tok != NULL);
    parts p;
    CHECK_INT(split(tok ? tok : "", &p), 0);
    EVP_PKEY *pub = load_pub(tmp);
    CHECK_STR(json_string_value(json_object_get(p.header, "alg")), "RS256");
    cleanup_free char *kid = pub ? expected_kid(pub) : NULL;
    CHECK_STR(json_string_value(json_object_get(p.header, "kid")), kid);
    CHECK_INT(json_object_size(p.header), 2);
    CHECK(json_equal(p.payload, claims));
    /* Go's encoding/json escapes HTML characters and U+2028; keys are sorted. */
    CHECK(p.payload_text && strstr(p.payload_text, "a\\u003cb\\u0026c\\u003e\\u2028"));
    CHECK(p.payload_text && has_prefix(p.payload_text, "{\"aud\":[\"api\","));
    CHECK_INT(p.siglen, 256);
    CHECK(pub && verify(pub, EVP_sha256(), p.input, p.sig, p.siglen));
    /* A changed payload does not verify. */
    if (p.input) p.input[strlen(p.input) - 1] ^= 1;
    CHECK(pub && !verify(pub, EVP_sha256(), p.input, p.sig, p.siglen));
    parts_clear(&p);
    EVP_PKEY_free(pub);

    /* A missing key is an internal error. */
    CHECK(ck_sa_sign("/nonexistent/sa.key", claims, &err) == NULL);
    CHECK(err && err->code == 500);
    ck_err_free(err);
    json_decref(claims);
    json_decref(auds);
}

static void test_sign_es256(void)
{
    char dir[] = "/tmp/ck-sajwt-ec.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    cleanup_free char *key = path_in(dir, "sa.key");
    FILE *f = fopen(key, "w");
    CHECK(f && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1);
    if (f) fclose(f);
    ck_err *err = NULL;
    json_t *claims = json_pack("{s:s}", "sub", "x");
    cleanup_free char *tok = ck_sa_sign(key, claims, &err);
    CHECK(tok != NULL);
    parts p;
    CHECK_INT(split(tok ? tok : "", &p), 0);
    CHECK_STR(json_string_value(json_object_get(p.header, "alg")), "ES256");
    CHECK_INT(p.siglen, 64);
    /* R || S back to DER for OpenSSL. */
    bool ok = false;
    if (p.sig && p.siglen == 64) {
        ECDSA_SIG *s = ECDSA_SIG_new();
        ECDSA_SIG_set0(s, BN_bin2bn(p.sig, 32, NULL), BN_bin2bn(p.sig + 32, 32, NULL));
        unsigned char *der = NULL;
        int n = i2d_ECDSA_SIG(s, &der);
        ok = verify(k, EVP_sha256(), p.input, der, (size_t)n);
        OPENSSL_free(der);
        ECDSA_SIG_free(s);
    }
    CHECK(ok);
    /* The sa.pub written for an existing EC key matches it. */
    CHECK_INT(ck_sa_key_ensure(dir, &err), 0);
    EVP_PKEY *pub = load_pub(dir);
    CHECK(pub && EVP_PKEY_eq(pub, k) == 1);
    EVP_PKEY_free(pub);
    parts_clear(&p);
    json_decref(claims);
    EVP_PKEY_free(k);
    cleanup_free char *pubpath = path_in(dir, "sa.pub");
    unlink(key);
    unlink(pubpath);
    rmdir(dir);
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/ck-sajwt.XXXXXX");
    if (!mkdtemp(tmp)) return 1;
    test_b64url();
    test_key_files();
    test_claims();
    test_sign_rs256();
    test_sign_es256();
    cleanup_free char *k = path_in(tmp, "sa.key");
    cleanup_free char *p = path_in(tmp, "sa.pub");
    unlink(k);
    unlink(p);
    rmdir(tmp);
    return UT_DONE();
}
