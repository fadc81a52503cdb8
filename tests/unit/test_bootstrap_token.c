/* Unit tests for src/auth/bootstrap_token: the token format, the Secret checks (type,
 * secret, token-id, usage, expiration) and auth-extra-groups validation. */
#include <openssl/evp.h>
#include <stdlib.h>

#include "apiserver/server.h"
#include "auth/authn.h"
#include "lib/util.h"
#include "ut.h"

#define NOW 1800000000LL /* 2027-01-15T08:00:00Z */

static json_t *b64(const char *s)
{
    char out[256];
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)strlen(s));
    return json_string(out);
}

/* A valid Secret for abcdef.0123456789abcdef; extra data entries as key/value pairs. */
static json_t *secret(const char *k1, const char *v1, const char *k2, const char *v2)
{
    json_t *data = json_object();
    json_object_set_new(data, "token-id", b64("abcdef"));
    json_object_set_new(data, "token-secret", b64("0123456789abcdef"));
    json_object_set_new(data, "usage-bootstrap-authentication", b64("true"));
    if (k1) json_object_set_new(data, k1, b64(v1));
    if (k2) json_object_set_new(data, k2, b64(v2));
    return json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:o}", "apiVersion", "v1", "kind", "Secret",
                     "metadata", "name", "bootstrap-token-abcdef", "namespace", "kube-system",
                     "type", "bootstrap.kubernetes.io/token", "data", data);
}

/* Runs the check; returns true on success and leaves the user in *u. */
static bool check(json_t *s, const char *tsecret, ck_user *u, char **msg)
{
    bool ok = ck_bootstrap_token_check(s, "abcdef", tsecret, NOW, u, msg);
    json_decref(s);
    return ok;
}

static void test_format(void)
{
    char id[7], sec[17];
    CHECK(ck_bootstrap_token_parse("abcdef.0123456789abcdef", id, sec));
    CHECK_STR(id, "abcdef");
    CHECK_STR(sec, "0123456789abcdef");
    CHECK(!ck_bootstrap_token_parse("ABCDEF.0123456789abcdef", id, sec));
    CHECK(!ck_bootstrap_token_parse("abcdef.0123456789abcde", id, sec));
    CHECK(!ck_bootstrap_token_parse("abcdef:0123456789abcdef", id, sec));
    CHECK(!ck_bootstrap_token_parse("abcdef.0123456789abcdef0", id, sec));
    CHECK(!ck_bootstrap_token_parse("abcde.f0123456789abcdef", id, sec));
    CHECK(!ck_bootstrap_token_parse("", id, sec));
    CHECK(!ck_bootstrap_token_parse("eyJhbGciOiJSUzI1NiJ9.e30.sig", id, sec));
}

static void test_valid(void)
{
    ck_user u = {0};
    char *msg = NULL;
    CHECK(check(secret(NULL, NULL, NULL, NULL), "0123456789abcdef", &u, &msg));
    CHECK_STR(u.name, "system:bootstrap:abcdef");
    CHECK(u.groups && u.groups[0] && !u.groups[1]);
    CHECK_STR(u.groups[0], "system:bootstrappers");
    ck_user_clear(&u);
    /* Extra groups, deduplicated and sorted; a future expiration. */
    CHECK(check(secret("auth-extra-groups",
                       "system:bootstrappers:worker,system:bootstrappers:a:b-1,"
                       "system:bootstrappers:worker",
                       "expiration", "2027-01-15T09:00:01+01:00"),
                "0123456789abcdef", &u, &msg));
    CHECK(u.groups && u.groups[0] && u.groups[1] && u.groups[2] && !u.groups[3]);
    CHECK_STR(u.groups[0], "system:bootstrappers");
    CHECK_STR(u.groups[1], "system:bootstrappers:a:b-1");
    CHECK_STR(u.groups[2], "system:bootstrappers:worker");
    ck_user_clear(&u);
    CHECK(msg == NULL);
}

static void expect_reject(json_t *s, const char *tsecret, const char *want)
{
    ck_user u = {0};
    char *msg = NULL;
    CHECK(!check(s, tsecret, &u, &msg));
    CHECK(u.name == NULL);
    CHECK(msg && strstr(msg, want));
    if (msg && !strstr(msg, want)) fprintf(stderr, "    msg: %s\n", msg);
    free(msg);
}

static void test_rejected(void)
{
    expect_reject(secret(NULL, NULL, NULL, NULL), "0123456789abcdee",
                  "invalid value for key token-secret");
    expect_reject(secret(NULL, NULL, NULL, NULL), "0123456789abcde",
                  "invalid value for key token-secret");
    json_t *s = secret(NULL, NULL, NULL, NULL);
    json_object_set_new(s, "type", json_string("Opaque"));
    expect_reject(s, "0123456789abcdef", "has invalid type");
    s = secret(NULL, NULL, NULL, NULL);
    json_object_set_new(json_object_get(s, "data"), "token-id", b64("zzzzzz"));
    expect_reject(s, "0123456789abcdef", "invalid value for key token-id");
    s = secret(NULL, NULL, NULL, NULL);
    json_object_set_new(json_object_get(s, "data"), "usage-bootstrap-authentication", b64("false"));
    expect_reject(s, "0123456789abcdef", "not marked usage-bootstrap-authentication=true");
    s = secret(NULL, NULL, NULL, NULL);
    json_object_set_new(json_object_get(s, "metadata"), "deletionTimestamp",
                        json_string("2027-01-01T00:00:00Z"));
    expect_reject(s, "0123456789abcdef", "is deleted");
    /* Expiration: at or past it, unparseable; a fractional second still has time left. */
    expect_reject(
        secret("expiration", "2027-01-15T08:00:00Z", NULL, NULL), "0123456789abcdef",
        "Bootstrap secret bootstrap-token-abcdef has expired or an unparseable expiration "
        "2027-01-15T08:00:00Z");
    expect_reject(secret("expiration", "2027-01-15T07:59:59Z", NULL, NULL), "0123456789abcdef",
                  "expired");
    expect_reject(secret("expiration", "2027-01-15 09:00:00", NULL, NULL), "0123456789abcdef",
                  "expired");
    ck_user u = {0};
    char *msg = NULL;
    CHECK(check(secret("expiration", "2027-01-15T08:00:00.5Z", NULL, NULL), "0123456789abcdef", &u,
                &msg));
    ck_user_clear(&u);
    /* Extra groups must all be system:bootstrappers:<name>. */
    expect_reject(secret("auth-extra-groups", "system:masters", NULL, NULL), "0123456789abcdef",
                  "bootstrap group \"system:masters\" is invalid");
    expect_reject(secret("auth-extra-groups", "system:bootstrappers:ok,", NULL, NULL),
                  "0123456789abcdef", "bootstrap group \"\" is invalid");
    expect_reject(
        secret("auth-extra-groups", "system:bootstrappers:x, system:bootstrappers:y", NULL, NULL),
        "0123456789abcdef", "invalid value for key auth-extra-groups");
}

static void test_group_names(void)
{
    CHECK(ck_bootstrap_group_valid("system:bootstrappers:a"));
    CHECK(ck_bootstrap_group_valid("system:bootstrappers:kubeadm:default-node-token"));
    CHECK(!ck_bootstrap_group_valid("system:bootstrappers:"));
    CHECK(!ck_bootstrap_group_valid("system:bootstrappers"));
    CHECK(!ck_bootstrap_group_valid("system:bootstrappers:a-"));
    CHECK(!ck_bootstrap_group_valid("system:bootstrappers:a:"));
    CHECK(!ck_bootstrap_group_valid("system:bootstrappers:Upper"));
    CHECK(!ck_bootstrap_group_valid("system:bootstrappers:a_b"));
    char long_name[300];
    snprintf(long_name, sizeof long_name, "system:bootstrappers:%0256d", 0);
    CHECK(ck_bootstrap_group_valid(long_name));
    snprintf(long_name, sizeof long_name, "system:bootstrappers:%0257d", 0);
    CHECK(!ck_bootstrap_group_valid(long_name));
}

static void test_rfc3339(void)
{
    long long t = 0;
    CHECK(ck_rfc3339_parse("2027-01-15T08:00:00Z", &t) == 0);
    CHECK(t == NOW);
    CHECK(ck_rfc3339_parse("2027-01-15T03:30:00-04:30", &t) == 0);
    CHECK(t == NOW);
    CHECK(ck_rfc3339_parse("2027-01-15T08:00:00.123456789Z", &t) == 0);
    CHECK(t == NOW);
    CHECK(ck_rfc3339_parse("2027-01-15T08:00:00", &t) < 0);
    CHECK(ck_rfc3339_parse("2027-13-15T08:00:00Z", &t) < 0);
    CHECK(ck_rfc3339_parse("2027-01-15T08:00:00Zjunk", &t) < 0);
}

int main(void)
{
    test_format();
    test_valid();
    test_rejected();
    test_group_names();
    test_rfc3339();
    return UT_DONE();
}
