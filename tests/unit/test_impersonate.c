/* Unit tests for src/auth/impersonate: Impersonate-* header parsing (order, first values,
 * service-account names, extra keys), the attributes each item is authorized with,
 * upstream's 400 and 403 texts, and the identity the request then acts as. */
#include <stdlib.h>

#include "auth/authn.h"
#include "apiserver/server.h"
#include "auth/authz.h"
#include "lib/util.h"
#include "ut.h"

#define PARSE(imp, err, ...)                                                                       \
    ({                                                                                             \
        static const char *const h_[] = {__VA_ARGS__};                                             \
        ck_impersonation_parse(h_, ARRAY_SIZE(h_) / 2, (imp), (err));                              \
    })

static const char *const admin_groups[] = {"system:masters", "system:authenticated", NULL};

/* The item's authorization attributes as "verb group/version resource/sub ns name". */
static char *attrs_text(const ck_imp_item *it)
{
    ck_authz_attrs at;
    ck_impersonation_attrs(it, "alice", admin_groups, &at);
    CHECK(at.resource_request);
    CHECK_STR(at.user, "alice");
    CHECK(at.groups == admin_groups);
    return xasprintf("%s %s/%s %s/%s %s %s", at.verb, at.group, at.version, at.resource,
                     at.subresource, at.ns, at.name);
}

static char *groups_text(const ck_user *u)
{
    char *s = xstrdup("");
    for (char **g = u->groups; g && *g; g++) {
        char *n = xasprintf("%s%s%s", s, *s ? "," : "", *g);
        free(s);
        s = n;
    }
    return s;
}

static void test_none(void)
{
    ck_impersonation imp;
    ck_err *err = NULL;
    CHECK_INT(PARSE(&imp, &err, "impersonate-future", "x", "impersonate-user", ""), 0);
    CHECK_INT(imp.n, 0);
    CHECK(!err);
    ck_impersonation_clear(&imp);
    CHECK_INT(ck_impersonation_parse(NULL, 0, &imp, &err), 0);
    CHECK_INT(imp.n, 0);
    ck_impersonation_clear(&imp);
}

static void test_order_and_attrs(void)
{
    ck_impersonation imp;
    ck_err *err = NULL;
    int rc =
        PARSE(&imp, &err, "impersonate-uid", "u-1", "Impersonate-Extra-Example.org%2FScopes",
              "read", "impersonate-group", "devs", "impersonate-extra-team", "blue",
              "Impersonate-User", "bob", "IMPERSONATE-EXTRA-EXAMPLE.ORG%2FSCOPES", "write",
              "impersonate-group", "qa", "impersonate-user", "ignored", "impersonate-uid", "u-2");
    CHECK_INT(rc, 0);
    CHECK_INT(imp.n, 7);
    CHECK(imp.groups_given);
    if (imp.n != 7) {
        ck_impersonation_clear(&imp);
        return;
    }
    const char *want[] = {
        "impersonate / users/  bob",
        "impersonate / groups/  devs",
        "impersonate / groups/  qa",
        "impersonate authentication.k8s.io/v1 userextras/example.org/scopes  read",
        "impersonate authentication.k8s.io/v1 userextras/example.org/scopes  write",
        "impersonate authentication.k8s.io/v1 userextras/team  blue",
        "impersonate authentication.k8s.io/v1 uids/  u-1",
    };
    for (unsigned i = 0; i < imp.n; i++) {
        cleanup_free char *got = attrs_text(&imp.items[i]);
        CHECK_STR(got, want[i]);
    }
    CHECK_INT(imp.items[0].kind, CK_IMP_USER);
    CHECK_INT(imp.items[3].kind, CK_IMP_EXTRA);
    CHECK_INT(imp.items[6].kind, CK_IMP_UID);

    ck_user u;
    ck_impersonation_user(&imp, &u);
    CHECK_STR(u.name, "bob");
    CHECK_STR(u.uid, "u-1");
    cleanup_free char *g = groups_text(&u);
    CHECK_STR(g, "devs,qa,system:authenticated");
    cleanup_free char *extra = json_dumps(u.extra, JSON_COMPACT);
    CHECK_STR(extra, "{\"example.org/scopes\":[\"read\",\"write\"],\"team\":[\"blue\"]}");
    ck_user_clear(&u);
    ck_impersonation_clear(&imp);
}

static void test_service_accounts(void)
{
    ck_impersonation imp;
    ck_err *err = NULL;
    CHECK_INT(PARSE(&imp, &err, "impersonate-user", "system:serviceaccount:kube-system:default"),
              0);
    CHECK_INT(imp.n, 1);
    CHECK_INT(imp.items[0].kind, CK_IMP_SERVICEACCOUNT);
    cleanup_free char *a = attrs_text(&imp.items[0]);
    CHECK_STR(a, "impersonate / serviceaccounts/ kube-system default");
    ck_user u;
    ck_impersonation_user(&imp, &u);
    CHECK_STR(u.name, "system:serviceaccount:kube-system:default");
    cleanup_free char *g = groups_text(&u);
    CHECK_STR(g, "system:serviceaccounts,system:serviceaccounts:kube-system,system:authenticated");
    CHECK(!u.uid && !u.extra);
    ck_user_clear(&u);
    ck_impersonation_clear(&imp);

    /* Groups given: they are the authority, the service-account groups are not implied. */
    CHECK_INT(PARSE(&imp, &err, "impersonate-user", "system:serviceaccount:ns1:sa.x",
                    "impersonate-group", "g1"),
              0);
    ck_impersonation_user(&imp, &u);
    cleanup_free char *g2 = groups_text(&u);
    CHECK_STR(g2, "g1,system:authenticated");
    ck_user_clear(&u);
    ck_impersonation_clear(&imp);

    /* Not a service-account name upstream's SplitUsername accepts: a plain user. */
    const char *users[] = {"system:serviceaccount:Bad_NS:x", "system:serviceaccount:ns:a:b",
                           "system:serviceaccount:ns:", "system:serviceaccount:ns",
                           "system:serviceaccount::sa"};
    for (size_t i = 0; i < ARRAY_SIZE(users); i++) {
        const char *h[] = {"impersonate-user", users[i]};
        CHECK_INT(ck_impersonation_parse(h, 1, &imp, &err), 0);
        CHECK_INT(imp.items[0].kind, CK_IMP_USER);
        ck_impersonation_user(&imp, &u);
        CHECK_STR(u.name, users[i]);
        cleanup_free char *gu = groups_text(&u);
        CHECK_STR(gu, "system:authenticated");
        ck_user_clear(&u);
        ck_impersonation_clear(&imp);
    }
}

static void test_marker_groups(void)
{
    ck_impersonation imp;
    ck_err *err = NULL;
    ck_user u;
    CHECK_INT(PARSE(&imp, &err, "impersonate-user", "system:anonymous"), 0);
    ck_impersonation_user(&imp, &u);
    cleanup_free char *g1 = groups_text(&u);
    CHECK_STR(g1, "system:unauthenticated");
    ck_user_clear(&u);
    ck_impersonation_clear(&imp);

    CHECK_INT(PARSE(&imp, &err, "impersonate-user", "system:anonymous", "impersonate-group",
                    "system:authenticated"),
              0);
    ck_impersonation_user(&imp, &u);
    cleanup_free char *g2 = groups_text(&u);
    CHECK_STR(g2, "system:authenticated,system:unauthenticated");
    ck_user_clear(&u);
    ck_impersonation_clear(&imp);

    CHECK_INT(PARSE(&imp, &err, "impersonate-user", "carol", "impersonate-group",
                    "system:unauthenticated"),
              0);
    ck_impersonation_user(&imp, &u);
    cleanup_free char *g3 = groups_text(&u);
    CHECK_STR(g3, "system:unauthenticated");
    ck_user_clear(&u);
    ck_impersonation_clear(&imp);

    CHECK_INT(PARSE(&imp, &err, "impersonate-user", "carol", "impersonate-group",
                    "system:authenticated", "impersonate-group", "x"),
              0);
    ck_impersonation_user(&imp, &u);
    cleanup_free char *g4 = groups_text(&u);
    CHECK_STR(g4, "system:authenticated,x");
    ck_user_clear(&u);
    ck_impersonation_clear(&imp);
}

static void test_extra_keys(void)
{
    ck_impersonation imp;
    ck_err *err = NULL;
    /* Lower-cased before decoding (so %41 stays "A"); a bad escape keeps the key encoded. */
    CHECK_INT(PARSE(&imp, &err, "impersonate-user", "bob", "Impersonate-Extra-X%41y", "1",
                    "impersonate-extra-Bad%zZ", "2", "impersonate-extra-nul%00", "3",
                    "impersonate-extra-", "4"),
              0);
    CHECK_INT(imp.n, 5);
    if (imp.n == 5) {
        CHECK_STR(imp.items[1].key, "xAy");
        CHECK_STR(imp.items[2].key, "bad%zz");
        CHECK_STR(imp.items[3].key, "nul%00");
        CHECK_STR(imp.items[4].key, "");
    }
    ck_impersonation_clear(&imp);
}

static void test_without_user(void)
{
    ck_impersonation imp;
    ck_err *err = NULL;
    CHECK_INT(PARSE(&imp, &err, "impersonate-group", "devs", "impersonate-group", "qa"), -1);
    CHECK(err && err->code == 400);
    CHECK(err && streq(err->reason, CK_BAD_REQUEST));
    CHECK_STR(err ? err->message : NULL,
              "requested [{Group  devs    } {Group  qa    }] without impersonating a user");
    CHECK(imp.n == 0 && !imp.items);
    ck_err_free(err);
    err = NULL;
    CHECK_INT(PARSE(&imp, &err, "impersonate-user", "", "impersonate-uid", "u-1",
                    "impersonate-extra-scopes", "view"),
              -1);
    CHECK_STR(err ? err->message : NULL,
              "requested [{UserExtra  view  authentication.k8s.io/v1  scopes} "
              "{UID  u-1  authentication.k8s.io/v1  }] without impersonating a user");
    ck_err_free(err);
}

static void test_forbidden(void)
{
    struct {
        const char *h[2];
        const char *want, *details;
    } cases[] = {
        {{"impersonate-user", "bob"},
         "users \"bob\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in "
         "API group \"\" at the cluster scope",
         "{\"name\":\"bob\",\"kind\":\"users\"}"},
        {{"impersonate-user", "system:serviceaccount:default:default"},
         "serviceaccounts \"default\" is forbidden: User \"alice\" cannot impersonate resource "
         "\"serviceaccounts\" in API group \"\" in the namespace \"default\"",
         "{\"name\":\"default\",\"kind\":\"serviceaccounts\"}"},
        {{"impersonate-uid", "u-1"},
         "uids.authentication.k8s.io \"u-1\" is forbidden: User \"alice\" cannot impersonate "
         "resource \"uids\" in API group \"authentication.k8s.io\" at the cluster scope",
         "{\"name\":\"u-1\",\"group\":\"authentication.k8s.io\",\"kind\":\"uids\"}"},
        {{"impersonate-extra-scopes", "view"},
         "userextras.authentication.k8s.io \"view\" is forbidden: User \"alice\" cannot "
         "impersonate resource \"userextras/scopes\" in API group \"authentication.k8s.io\" at "
         "the cluster scope",
         "{\"name\":\"view\",\"group\":\"authentication.k8s.io\",\"kind\":\"userextras\"}"},
        {{"impersonate-group", ""},
         "groups is forbidden: User \"alice\" cannot impersonate resource \"groups\" in API "
         "group \"\" at the cluster scope",
         "{\"kind\":\"groups\"}"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const char *h[] = {"impersonate-user", "x", cases[i].h[0], cases[i].h[1]};
        bool user = streq(cases[i].h[0], "impersonate-user");
        ck_impersonation imp;
        ck_err *err = NULL;
        CHECK_INT(ck_impersonation_parse(user ? h + 2 : h, user ? 1 : 2, &imp, &err), 0);
        const ck_imp_item *it = &imp.items[imp.n - 1];
        ck_authz_attrs at;
        ck_impersonation_attrs(it, "alice", admin_groups, &at);
        ck_err *e = ck_impersonation_forbidden(&at, NULL);
        CHECK_INT(e->code, 403);
        CHECK_STR(e->reason, CK_FORBIDDEN);
        CHECK_STR(e->message, cases[i].want);
        cleanup_free char *d = json_dumps(e->details, JSON_COMPACT);
        CHECK_STR(d, cases[i].details);
        ck_err_free(e);
        if (i == 0) {
            e = ck_impersonation_forbidden(&at, "no RBAC policy matched");
            cleanup_free char *w = xasprintf("%s: no RBAC policy matched", cases[i].want);
            CHECK_STR(e->message, w);
            ck_err_free(e);
        }
        ck_impersonation_clear(&imp);
    }
}

int main(void)
{
    test_none();
    test_order_and_attrs();
    test_service_accounts();
    test_marker_groups();
    test_extra_keys();
    test_without_user();
    test_forbidden();
    return UT_DONE();
}
