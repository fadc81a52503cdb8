/* Unit tests for src/auth/sa_verify: tokens signed by ck_sa_sign verify against sa.pub (and
 * the public half of sa.key); expired, not yet valid, wrong audience, wrong key, tampered
 * claims and foreign issuers are told apart as upstream's authenticator does. */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "auth/authn.h"
#include "registry/registry.h"
#include "lib/util.h"
#include "pki/sajwt.h"
#include "ut.h"

static char dir1[64], dir2[64];
static EVP_PKEY *pub1, *pub2;
static char *key1;

static char *sign(const char *key, const char *iss, const json_t *auds, long long now,
                  long long exp)
{
    ck_sa_claims_in in = {.issuer = iss,
                          .ns = "default",
                          .sa = {"default", "sa-uid"},
                          .pod = {"web", "pod-uid"},
                          .audiences = auds,
                          .jti = "11111111-2222-3333-4444-555555555555",
                          .now = now,
                          .expiration = exp};
    json_t *c = ck_sa_claims(&in);
    ck_err *err = NULL;
    char *t = ck_sa_sign(key, c, &err);
    CHECK(t != NULL);
    ck_err_free(err);
    json_decref(c);
    return t;
}

/* Runs ck_sa_verify and returns the result; *msg gets the message (allocated or NULL). */
static ck_sa_result verify(EVP_PKEY *k, const char *token, const json_t *wanted, long long now,
                           char **msg)
{
    json_t *claims = NULL, *auds = NULL;
    ck_sa_result r = ck_sa_verify(k, CK_SA_DEFAULT_ISSUER, token, wanted, now, &claims, &auds, msg);
    CHECK((r == CK_SA_VALID) == (claims != NULL));
    CHECK((r == CK_SA_INVALID) == (*msg != NULL));
    json_decref(claims);
    json_decref(auds);
    return r;
}

static void setup(void)
{
    snprintf(dir1, sizeof dir1, "/tmp/ck-saverify-XXXXXX");
    snprintf(dir2, sizeof dir2, "/tmp/ck-saverify-XXXXXX");
    CHECK(mkdtemp(dir1) != NULL);
    CHECK(mkdtemp(dir2) != NULL);
    ck_err *err = NULL;
    CHECK(ck_sa_key_ensure(dir1, &err) == 0);
    CHECK(ck_sa_key_ensure(dir2, &err) == 0);
    cleanup_free char *p1 = xasprintf("%s/sa.pub", dir1);
    cleanup_free char *k2 = xasprintf("%s/sa.key", dir2);
    key1 = xasprintf("%s/sa.key", dir1);
    pub1 = ck_sa_load_public(p1, &err);
    pub2 = ck_sa_load_public(k2, &err); /* the public half of a private key */
    CHECK(pub1 && pub2);
    CHECK(ck_sa_load_public("/nonexistent/sa.pub", &err) == NULL);
    CHECK(err != NULL);
    ck_err_free(err);
}

static void test_valid(void)
{
    long long now = (long long)time(NULL);
    json_t *auds = json_pack("[s]", CK_API_AUDIENCE);
    cleanup_free char *t = sign(key1, NULL, auds, now, 3600);
    json_t *claims = NULL, *met = NULL;
    char *msg = NULL;
    CHECK_INT(ck_sa_verify(pub1, CK_SA_DEFAULT_ISSUER, t, NULL, now, &claims, &met, &msg),
              CK_SA_VALID);
    CHECK(msg == NULL);
    CHECK_STR(json_string_value(json_array_get(met, 0)), CK_API_AUDIENCE);
    CHECK_STR(ck_obj_str(claims, "sub"), "system:serviceaccount:default:default");
    CHECK_STR(json_string_value(json_object_get(claims, "jti")),
              "11111111-2222-3333-4444-555555555555");
    json_t *k = json_object_get(claims, "kubernetes.io");
    CHECK_STR(json_string_value(json_object_get(json_object_get(k, "pod"), "uid")), "pod-uid");
    json_decref(claims);
    json_decref(met);
    /* Within the leeway either side. */
    CHECK_INT(verify(pub1, t, NULL, now + 3600 + 50, &msg), CK_SA_VALID);
    CHECK_INT(verify(pub1, t, NULL, now - 50, &msg), CK_SA_VALID);
    json_decref(auds);
}

static void test_rejected(void)
{
    long long now = (long long)time(NULL);
    json_t *auds = json_pack("[s]", CK_API_AUDIENCE);
    cleanup_free char *t = sign(key1, NULL, auds, now, 3600);
    char *msg = NULL;

    CHECK_INT(verify(pub1, t, NULL, now + 3600 + 61, &msg), CK_SA_INVALID);
    CHECK_STR(msg, "service account token has expired");
    free(msg);
    CHECK_INT(verify(pub1, t, NULL, now - 61, &msg), CK_SA_INVALID);
    CHECK_STR(msg, "service account token is not valid yet");
    free(msg);

    json_t *want = json_pack("[s, s]", "vault", "other");
    CHECK_INT(verify(pub1, t, want, now, &msg), CK_SA_INVALID);
    CHECK_STR(msg, "token audiences [\"https://kubernetes.default.svc.cluster.local\"] is "
                   "invalid for the target audiences [\"vault\" \"other\"]");
    free(msg);
    json_decref(want);

    /* A token for another audience is not good for the API server. */
    json_t *vault = json_pack("[s]", "vault");
    cleanup_free char *tv = sign(key1, NULL, vault, now, 3600);
    CHECK_INT(verify(pub1, tv, NULL, now, &msg), CK_SA_INVALID);
    CHECK(msg && strstr(msg, "is invalid for the target audiences"));
    free(msg);
    CHECK_INT(verify(pub1, tv, vault, now, &msg), CK_SA_VALID);
    json_decref(vault);

    /* Signed by another key. */
    CHECK_INT(verify(pub2, t, NULL, now, &msg), CK_SA_INVALID);
    CHECK_STR(msg, "go-jose/go-jose: error in cryptographic primitive");
    free(msg);

    /* Tampered claims: another namespace in the payload, signature kept. */
    const char *d1 = strchr(t, '.'), *d2 = strchr(d1 + 1, '.');
    json_t *c = ck_sa_claims(&(ck_sa_claims_in){.ns = "kube-system",
                                                .sa = {"default", "sa-uid"},
                                                .audiences = auds,
                                                .now = now,
                                                .expiration = 3600});
    cleanup_free char *raw = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(c);
    cleanup_free char *p64 = ck_b64url((const unsigned char *)raw, strlen(raw));
    cleanup_free char *head = xstrndup(t, (size_t)(d1 - t));
    cleanup_free char *forged = xasprintf("%s.%s%s", head, p64, d2);
    CHECK_INT(verify(pub1, forged, NULL, now, &msg), CK_SA_INVALID);
    CHECK_STR(msg, "go-jose/go-jose: error in cryptographic primitive");
    free(msg);
    /* A flipped signature byte. */
    cleanup_free char *flip = xstrdup(t);
    size_t n = strlen(flip);
    flip[n - 3] = flip[n - 3] == 'A' ? 'B' : 'A';
    CHECK_INT(verify(pub1, flip, NULL, now, &msg), CK_SA_INVALID);
    free(msg);
    json_decref(auds);
}

static void test_not_ours(void)
{
    long long now = (long long)time(NULL);
    json_t *auds = json_pack("[s]", CK_API_AUDIENCE);
    cleanup_free char *other = sign(key1, "https://issuer.example", auds, now, 3600);
    char *msg = NULL;
    CHECK_INT(verify(pub1, other, NULL, now, &msg), CK_SA_NOT_OURS);
    CHECK_INT(verify(pub1, "alice-token-123", NULL, now, &msg), CK_SA_NOT_OURS);
    CHECK_INT(verify(pub1, "a.b.c", NULL, now, &msg), CK_SA_NOT_OURS);
    CHECK_INT(verify(pub1, "a.b.c.d", NULL, now, &msg), CK_SA_NOT_OURS);
    CHECK_INT(verify(pub1, "..", NULL, now, &msg), CK_SA_NOT_OURS);
    /* Our issuer but a header that does not decode. */
    cleanup_free char *t = sign(key1, NULL, auds, now, 3600);
    cleanup_free char *bad = xasprintf("!!%s", t);
    CHECK_INT(verify(pub1, bad, NULL, now, &msg), CK_SA_NOT_OURS);
    json_decref(auds);
}

static void cleanup(void)
{
    EVP_PKEY_free(pub1);
    EVP_PKEY_free(pub2);
    free(key1);
    const char *dirs[] = {dir1, dir2};
    for (int i = 0; i < 2; i++) {
        cleanup_free char *a = xasprintf("%s/sa.key", dirs[i]);
        cleanup_free char *b = xasprintf("%s/sa.pub", dirs[i]);
        unlink(a);
        unlink(b);
        rmdir(dirs[i]);
    }
}

int main(void)
{
    setup();
    test_valid();
    test_rejected();
    test_not_ours();
    cleanup();
    return UT_DONE();
}
