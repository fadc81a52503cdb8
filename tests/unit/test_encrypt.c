/* Unit tests for encryption at rest (src/storage/transform.c, encrypted.c): round trips per
 * provider, the stored prefix, AAD binding to the storage key, wrong keys, identity, reads
 * with several keys, resource matching, config errors, and the encrypting store wrapper over
 * SQLite (get, list, events, watch, rotation). */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/util.h"
#include "storage/encrypted.h"
#include "storage/transform.h"
#include "ut.h"
#include "ut_fixtures.h"

/* base64 of 16, 24, 32 and 32 (another) bytes */
#define K16 "MDEyMzQ1Njc4OWFiY2RlZg=="
#define K24 "MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1u"
#define K32 "MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXY="
#define K32B "dnV0c3JxcG9ubWxramloZ2ZlZGNiYTk4NzY1NDMyMTA="

#define HEAD "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n"

static ck_encryption_config *cfg(const char *yaml)
{
    ck_encryption_config *c = NULL;
    ck_err *err = NULL;
    if (ck_encryption_config_parse(yaml, strlen(yaml), &c, &err) < 0) {
        fprintf(stderr, "config: %s\n", err->message);
        ck_err_free(err);
    }
    return c;
}

/* One provider for secrets: "aesgcm", key name, secret. */
static char *one(const char *prov, const char *name, const char *secret)
{
    return xasprintf(HEAD "resources:\n- resources: [secrets]\n  providers:\n  - %s:\n"
                          "      keys:\n      - name: %s\n        secret: %s\n",
                     prov, name, secret);
}

static const char *KEY = "/registry/core/secrets/default/s1";
static const char *PLAIN = "{\"kind\":\"Secret\",\"data\":{\"password\":\"aHVudGVyMg==\"}}";

static int enc(const ck_encryption_config *c, const char *key, const char *in, char **out,
               size_t *len)
{
    ck_err *err = NULL;
    const ck_transformer *t = ck_encryption_for_key(c, key);
    int rc = t ? ck_transform_encode(t, key, in, strlen(in), out, len, &err) : -1;
    ck_err_free(err);
    return rc;
}

/* Decodes; returns the plaintext (allocated) or NULL, with the error message in *why. */
static char *dec(const ck_encryption_config *c, const char *key, const char *in, size_t len,
                 bool *stale, char **why)
{
    ck_err *err = NULL;
    char *out = NULL;
    size_t n = 0;
    const ck_transformer *t = ck_encryption_for_key(c, key);
    if (ck_transform_decode(t, key, in, len, &out, &n, stale, &err) < 0) {
        if (why) *why = xstrdup(err->message);
        ck_err_free(err);
        return NULL;
    }
    return out;
}

static void test_round_trips(void)
{
    struct {
        const char *prov, *secret, *prefix;
        size_t overhead;
    } cases[] = {
        {"aesgcm", K16, "k8s:enc:aesgcm:v1:key1:", 28},
        {"aesgcm", K24, "k8s:enc:aesgcm:v1:key1:", 28},
        {"aesgcm", K32, "k8s:enc:aesgcm:v1:key1:", 28},
        {"aescbc", K16, "k8s:enc:aescbc:v1:key1:", 0},
        {"aescbc", K32, "k8s:enc:aescbc:v1:key1:", 0},
        {"secretbox", K32, "k8s:enc:secretbox:v1:key1:", 40},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        cleanup_free char *y = one(cases[i].prov, "key1", cases[i].secret);
        ck_encryption_config *c = cfg(y);
        CHECK(c != NULL);
        if (!c) continue;
        char *out = NULL, *out2 = NULL;
        size_t len = 0, len2 = 0;
        CHECK_INT(enc(c, KEY, PLAIN, &out, &len), 0);
        CHECK(has_prefix(out, cases[i].prefix));
        CHECK(memmem(out, len, "aHVudGVyMg", 10) == NULL);
        size_t pl = strlen(cases[i].prefix), body = len - pl;
        if (cases[i].overhead)
            CHECK_INT(body, strlen(PLAIN) + cases[i].overhead);
        else
            CHECK(body % 16 == 0 && body >= strlen(PLAIN) + 16 + 1);
        /* random nonce / IV: two encodings differ */
        CHECK_INT(enc(c, KEY, PLAIN, &out2, &len2), 0);
        CHECK(len == len2 && memcmp(out, out2, len) != 0);
        bool stale = true;
        char *back = dec(c, KEY, out, len, &stale, NULL);
        CHECK_STR(back, PLAIN);
        CHECK(!stale);
        free(back);
        /* a flipped ciphertext byte fails (GCM: tag; CBC: padding or garbage JSON) */
        out[len - 1] ^= 1;
        char *why = NULL;
        back = dec(c, KEY, out, len, NULL, &why);
        if (cases[i].overhead)
            CHECK(back == NULL && why &&
                  strstr(why, cases[i].overhead == 40 ? "not large enough" : "authentication"));
        else
            CHECK(back == NULL || strcmp(back, PLAIN) != 0);
        free(back);
        free(why);
        free(out);
        free(out2);
        ck_encryption_config_free(c);
    }
    /* empty plaintext */
    cleanup_free char *y = one("aescbc", "k", K32);
    ck_encryption_config *c = cfg(y);
    char *out = NULL;
    size_t len = 0;
    CHECK_INT(enc(c, KEY, "", &out, &len), 0);
    char *back = dec(c, KEY, out, len, NULL, NULL);
    CHECK_STR(back, "");
    free(back);
    free(out);
    ck_encryption_config_free(c);
}

static void test_aad_and_wrong_key(void)
{
    cleanup_free char *y = one("aesgcm", "key1", K32);
    cleanup_free char *y2 = one("aesgcm", "key1", K32B);
    ck_encryption_config *c = cfg(y), *c2 = cfg(y2);
    char *out = NULL, *why = NULL;
    size_t len = 0;
    CHECK_INT(enc(c, KEY, PLAIN, &out, &len), 0);
    /* moved under another key: the AAD no longer matches */
    char *back = dec(c, "/registry/core/secrets/default/s2", out, len, NULL, &why);
    CHECK(back == NULL);
    CHECK(why && strstr(why, "message authentication failed"));
    free(why);
    why = NULL;
    /* same key name, other secret */
    back = dec(c2, KEY, out, len, NULL, &why);
    CHECK(back == NULL && why && strstr(why, "k8s:enc:aesgcm:v1:key1"));
    free(why);
    why = NULL;
    /* truncated */
    back = dec(c, KEY, out, strlen("k8s:enc:aesgcm:v1:key1:") + 5, NULL, &why);
    CHECK(back == NULL && why && strstr(why, "shorter than the required size"));
    free(why);
    why = NULL;
    /* a plaintext value without identity in the config */
    back = dec(c, KEY, PLAIN, strlen(PLAIN), NULL, &why);
    CHECK(back == NULL && why && strstr(why, "no matching prefix found"));
    free(why);
    why = NULL;
    /* an encrypted value whose key is gone */
    cleanup_free char *y3 = one("aesgcm", "key9", K32);
    ck_encryption_config *c3 = cfg(y3);
    back = dec(c3, KEY, out, len, NULL, &why);
    CHECK(back == NULL && why && strstr(why, "no matching prefix found"));
    free(why);
    ck_encryption_config_free(c3);
    free(out);
    ck_encryption_config_free(c);
    ck_encryption_config_free(c2);
}

static void test_identity_and_multiple_keys(void)
{
    const char *idy =
        HEAD "resources:\n- resources: [secrets]\n  providers:\n  - identity: {}\n"
             "  - aesgcm:\n      keys:\n      - name: key1\n        secret: " K32 "\n";
    const char *two = HEAD "resources:\n- resources: [secrets]\n  providers:\n  - aesgcm:\n"
                           "      keys:\n      - name: key2\n        secret: " K32B "\n"
                           "      - name: key1\n        secret: " K32 "\n"
                           "  - aescbc:\n      keys:\n      - name: old\n        secret: " K16
                           "\n  - identity: {}\n";
    ck_encryption_config *ci = cfg(idy), *c2 = cfg(two);
    CHECK(ci && c2);
    cleanup_free char *y1 = one("aesgcm", "key1", K32);
    cleanup_free char *yc = one("aescbc", "old", K16);
    ck_encryption_config *c1 = cfg(y1), *cc = cfg(yc);
    /* identity first: writes stay plain and read back */
    char *out = NULL;
    size_t len = 0;
    CHECK_INT(enc(ci, KEY, PLAIN, &out, &len), 0);
    CHECK_STR(out, PLAIN);
    bool stale = true;
    char *back = dec(ci, KEY, out, len, &stale, NULL);
    CHECK_STR(back, PLAIN);
    CHECK(!stale);
    free(back);
    free(out);
    CHECK_STR(ck_transform_write_prefix(ck_encryption_for_key(ci, KEY)), "");
    /* values of key1 read under identity-first (decryption migration) and key2-first */
    CHECK_INT(enc(c1, KEY, PLAIN, &out, &len), 0);
    back = dec(ci, KEY, out, len, &stale, NULL);
    CHECK_STR(back, PLAIN);
    CHECK(stale);
    free(back);
    back = dec(c2, KEY, out, len, &stale, NULL);
    CHECK_STR(back, PLAIN);
    CHECK(stale);
    free(back);
    free(out);
    /* aescbc and plain values under the multi-provider config */
    CHECK_INT(enc(cc, KEY, PLAIN, &out, &len), 0);
    back = dec(c2, KEY, out, len, &stale, NULL);
    CHECK_STR(back, PLAIN);
    CHECK(stale);
    free(back);
    free(out);
    back = dec(c2, KEY, PLAIN, strlen(PLAIN), &stale, NULL);
    CHECK_STR(back, PLAIN);
    CHECK(stale);
    free(back);
    /* key2 writes; only c2 reads it */
    CHECK_INT(enc(c2, KEY, PLAIN, &out, &len), 0);
    CHECK(has_prefix(out, "k8s:enc:aesgcm:v1:key2:"));
    back = dec(c2, KEY, out, len, &stale, NULL);
    CHECK_STR(back, PLAIN);
    CHECK(!stale);
    free(back);
    char *why = NULL;
    back = dec(c1, KEY, out, len, NULL, &why);
    CHECK(back == NULL);
    free(why);
    char d[64];
    CHECK_STR(ck_transform_describe(out, len, d, sizeof d), "aesgcm:key2");
    CHECK_STR(ck_transform_describe(PLAIN, strlen(PLAIN), d, sizeof d), "identity");
    CHECK_STR(ck_transform_describe("k8s:enc:x", 9, d, sizeof d), "unknown");
    free(out);
    ck_encryption_config_free(ci);
    ck_encryption_config_free(c2);
    ck_encryption_config_free(c1);
    ck_encryption_config_free(cc);
}

static void test_resources(void)
{
    const char *y = HEAD "resources:\n- resources: [events]\n  providers: [{identity: {}}]\n"
                         "- resources: [secrets, configmaps, '*.apps']\n"
                         "  providers:\n  - aesgcm: {keys: [{name: a, secret: " K16 "}]}\n"
                         "- resources: ['*.']\n"
                         "  providers:\n  - aescbc: {keys: [{name: b, secret: " K16 "}]}\n"
                         "- resources: ['*.*']\n"
                         "  providers:\n  - aesgcm: {keys: [{name: c, secret: " K16 "}]}\n";
    ck_encryption_config *c = cfg(y);
    CHECK(c != NULL);
    struct {
        const char *key, *prefix;
    } cases[] = {
        {"/registry/core/secrets/ns/x", "k8s:enc:aesgcm:v1:a:"},
        {"/registry/core/configmaps/ns/x", "k8s:enc:aesgcm:v1:a:"},
        {"/registry/apps/deployments/ns/x", "k8s:enc:aesgcm:v1:a:"},
        {"/registry/core/events/ns/x", ""},
        {"/registry/core/pods/ns/x", "k8s:enc:aescbc:v1:b:"},
        {"/registry/batch/jobs/ns/x", "k8s:enc:aesgcm:v1:c:"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        CHECK_STR(ck_transform_write_prefix(ck_encryption_for_key(c, cases[i].key)),
                  cases[i].prefix);
    CHECK(ck_encryption_for_key(c, "/other/key") == NULL);
    ck_encryption_config_free(c);
    cleanup_free char *s = one("aesgcm", "k", K16);
    c = cfg(s);
    CHECK(ck_encryption_for_key(c, "/registry/core/configmaps/ns/x") == NULL);
    CHECK(ck_encryption_for_key(c, "/registry/other.group/secrets/ns/x") == NULL);
    CHECK(ck_encryption_for_key(c, "/registry/core/secretsx/ns/x") == NULL);
    CHECK(ck_encryption_for_key(NULL, KEY) == NULL);
    ck_encryption_config_free(c);
}

static void expect_error(int line, const char *yaml, const char *want)
{
    ck_encryption_config *c = NULL;
    ck_err *err = NULL;
    int rc = ck_encryption_config_parse(yaml, strlen(yaml), &c, &err);
    if (rc < 0 && err && strstr(err->message, want)) {
        ut_passed++;
    } else {
        ut_failed++;
        fprintf(stderr, "FAIL %s:%d: error\n  got:  %s\n  want: %s\n", __FILE__, line,
                err ? err->message : "(success)", want);
    }
    CHECK(rc < 0 ? c == NULL : true);
    ck_encryption_config_free(c);
    ck_err_free(err);
}

static void test_config_errors(void)
{
#define ERR(y, w) expect_error(__LINE__, y, w)
    ERR("kind: Foo\n", "expected kind EncryptionConfiguration");
    ERR(HEAD "resources: [\n", "error converting YAML to JSON");
    ERR(HEAD, "resources: Required value");
    ERR(HEAD "resources:\n- providers: [{identity: {}}]\n",
        "resources[0].resources: Required value");
    ERR(HEAD "resources:\n- resources: [secrets]\n", "resources[0].providers: Required value");
    ERR(HEAD "resources:\n- resources: [Secrets]\n  providers: [{identity: {}}]\n",
        "must be lowercase");
    ERR(HEAD "resources:\n- resources: [secrets]\n  providers: [{identity: {}, aesgcm: {}}]\n",
        "resources[0].providers[0]: Invalid value: more than one provider");
    ERR(HEAD "resources:\n- resources: [secrets]\n  providers: [{}]\n",
        "does not contain any of the expected providers");
    ERR(HEAD "resources:\n- resources: [secrets]\n  providers:\n  - identity: {}\n"
             "  - secretbox: {keys: [{name: a, secret: " K16 "}]}\n",
        "resources[0].providers[1].secretbox.keys[0].secret: Invalid value: \"REDACTED\": secret "
        "is not of the expected length, got 16, expected one of [32]");
    ERR(HEAD "resources:\n- resources: [secrets]\n  providers: [{kms: {name: x}}]\n",
        "kms providers are not supported");
    ERR(HEAD "resources:\n- resources: [secrets]\n  providers: [{aesgcm: {keys: []}}]\n",
        "resources[0].providers[0].aesgcm.keys: Required value");
    ERR(HEAD "resources:\n- resources: [secrets]\n  providers: [{aesgcm: {keys: [{secret: " K16
             "}]}}]\n",
        "aesgcm.keys[0].name: Required value");
    ERR(HEAD "resources:\n- resources: [secrets]\n  providers: [{aescbc: {keys: [{name: a}]}}]\n",
        "aescbc.keys[0].secret: Required value");
    ERR(HEAD "resources:\n- resources: [secrets]\n  providers: [{aesgcm: {keys: [{name: a, secret: "
             "c2hvcnQ=}]}}]\n",
        "secret is not of the expected length, got 5, expected one of [16 24 32]");
    ERR(HEAD "resources:\n- resources: [secrets]\n  providers: [{aesgcm: {keys: [{name: a, secret: "
             "'not base64!'}]}}]\n",
        "secret is not valid base64");
    ERR(HEAD
        "resources:\n- resources: [secrets]\n  providers: [{aesgcm: {keys: [{name: a, secret: " K16
        "}, {name: a, secret: " K16 "}]}}]\n",
        "keys[1].name: Duplicate value: \"a\"");
    ERR(HEAD "resources:\n- resources: [secrets]\n  providers: [{aesgcm: {keys: [{name: 'a:b', "
             "secret: " K16 "}]}}]\n",
        "should not contain ':'");
    ERR(HEAD "resources:\n- resources: [secrets]\n  providers: [{rot13: {}}]\n",
        "unknown provider \"rot13\"");
#undef ERR
    ck_err *err = NULL;
    ck_encryption_config *c = NULL;
    CHECK(ck_encryption_config_load("/nonexistent/enc.yaml", &c, &err) < 0);
    CHECK(err && strstr(err->message, "/nonexistent/enc.yaml"));
    ck_err_free(err);
}

/* ---- the store wrapper over SQLite ---- */

static char tmpdir[64];

typedef struct seen {
    int n;
    char last[256];
} seen;
static void on_event(const ck_event *ev, void *ctx)
{
    seen *s = ctx;
    s->n++;
    snprintf(s->last, sizeof s->last, "%.*s", (int)ev->kv.len, ev->kv.value ? ev->kv.value : "");
}

static void test_wrapper(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ckube-enc-XXXXXX");
    if (!mkdtemp(tmpdir)) return;
    cleanup_free char *path = xasprintf("%s/state.db", tmpdir);
    cleanup_free char *y1 = one("aesgcm", "key1", K32);
    const char *y2 = HEAD "resources:\n- resources: [secrets]\n  providers:\n"
                          "  - aesgcm: {keys: [{name: key2, secret: " K32B "}, {name: key1, "
                          "secret: " K32 "}]}\n";
    ck_store *inner = NULL, *s;
    ck_err *err = NULL;
    CHECK_INT(ck_store_sqlite_open(path, &inner, &err), 0);
    s = ck_store_encrypted_wrap(inner, cfg(y1));
    seen w = {0};
    s->ops->set_watch(s, on_event, &w);
    int64_t rev = 0;
    CHECK_INT(s->ops->create(s, KEY, PLAIN, strlen(PLAIN), &rev, &err), 0);
    CHECK_INT(s->ops->create(s, "/registry/core/configmaps/default/c", "{}", 2, &rev, &err), 0);
    CHECK_INT(w.n, 2);
    CHECK_STR(w.last, "{}");
    ck_kv kv = {0};
    CHECK_INT(inner->ops->get(inner, KEY, 0, &kv, &err), 0);
    CHECK(has_prefix(kv.value, "k8s:enc:aesgcm:v1:key1:"));
    ck_kv_clear(&kv);
    CHECK_INT(s->ops->get(s, KEY, 0, &kv, &err), 0);
    CHECK_STR(kv.value, PLAIN);
    ck_kv_clear(&kv);
    ck_kv_list l = {0};
    bool more = false;
    int64_t at = 0;
    CHECK_INT(s->ops->list(s, "/registry/", NULL, 0, 0, &l, &more, &at, &err), 0);
    CHECK_INT(l.n, 2);
    if (l.n == 2) CHECK_STR(l.items[1].value, PLAIN);
    ck_kv_list_clear(&l);
    CHECK_INT(s->ops->update(s, KEY, 0, "{\"v\":2}", 7, &rev, &err), 0);
    CHECK_STR(w.last, "{\"v\":2}");
    ck_event_list ev = {0};
    CHECK_INT(s->ops->events(s, 0, 0, &ev, &err), 0);
    CHECK_INT(ev.n, 3);
    if (ev.n == 3) {
        CHECK_STR(ev.items[0].kv.value, PLAIN);
        CHECK_STR(ev.items[2].prev.value, PLAIN);
    }
    ck_event_list_clear(&ev);
    int64_t drev = 0;
    CHECK_INT(s->ops->del(s, KEY, 0, &drev, &err), 0);
    CHECK_STR(w.last, "{\"v\":2}");                    /* DELETE carries the last value, decoded */
    CHECK_INT(s->ops->get(s, KEY, rev, &kv, &err), 0); /* an old revision */
    CHECK_STR(kv.value, "{\"v\":2}");
    ck_kv_clear(&kv);
    CHECK_INT(s->ops->create(s, KEY, PLAIN, strlen(PLAIN), &rev, &err), 0);
    s->ops->close(s);

    /* key2 first: old values read, rotation rewrites only the stale one */
    CHECK_INT(ck_store_sqlite_open(path, &inner, &err), 0);
    s = ck_store_encrypted_wrap(inner, cfg(y2));
    CHECK_INT(s->ops->get(s, KEY, 0, &kv, &err), 0);
    CHECK_STR(kv.value, PLAIN);
    ck_kv_clear(&kv);
    size_t n = 0;
    CHECK_INT(ck_store_encrypted_rewrite(s, "/registry/", &n, &err), 0);
    CHECK_INT(n, 1);
    CHECK_INT(inner->ops->get(inner, KEY, 0, &kv, &err), 0);
    CHECK(has_prefix(kv.value, "k8s:enc:aesgcm:v1:key2:"));
    ck_kv_clear(&kv);
    CHECK_INT(ck_store_encrypted_rewrite(s, "/registry/", &n, &err), 0);
    CHECK_INT(n, 0);
    s->ops->close(s);

    /* only key1 now: the rotated value no longer decrypts */
    CHECK_INT(ck_store_sqlite_open(path, &inner, &err), 0);
    s = ck_store_encrypted_wrap(inner, cfg(y1));
    CHECK(s->ops->get(s, KEY, 0, &kv, &err) < 0);
    CHECK(err && err->code == 500 && strstr(err->message, "no matching prefix found"));
    ck_err_free(err);
    err = NULL;
    CHECK(s->ops->list(s, "/registry/", NULL, 0, 0, &l, &more, &at, &err) < 0);
    CHECK(l.n == 0 && l.items == NULL);
    ck_err_free(err);
    s->ops->close(s);
    nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    test_round_trips();
    test_aad_and_wrong_key();
    test_identity_and_multiple_keys();
    test_resources();
    test_config_errors();
    test_wrapper();
    return UT_DONE();
}
