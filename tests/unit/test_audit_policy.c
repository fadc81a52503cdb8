/* Unit tests for src/audit/policy.c: upstream's rule matching (first matching rule wins,
 * users/groups/verbs/resources/namespaces/nonResourceURLs), levels, omitStages, and
 * policy validation errors. */
#include <stdlib.h>

#include "audit/audit.h"
#include "lib/util.h"
#include "ut.h"

static ck_audit_policy *parse(const char *yaml)
{
    ck_err *err = NULL;
    ck_audit_policy *p = ck_audit_policy_parse(yaml, strlen(yaml), &err);
    if (!p) fprintf(stderr, "parse: %s\n", err ? err->message : "?");
    ck_err_free(err);
    return p;
}

static const char *const alice_groups[] = {"devs", "system:authenticated", NULL};

/* A resource request by alice. */
static ck_audit_attrs res(const char *verb, const char *group, const char *resource,
                          const char *sub, const char *ns, const char *name)
{
    return (ck_audit_attrs){.user = "alice",
                            .groups = alice_groups,
                            .verb = verb,
                            .resource_request = true,
                            .ns = ns,
                            .group = group,
                            .resource = resource,
                            .sub = sub,
                            .name = name,
                            .path = "/api/v1/x"};
}

static ck_audit_attrs nonres(const char *path)
{
    return (ck_audit_attrs){.user = "alice",
                            .groups = alice_groups,
                            .verb = "get",
                            .ns = "",
                            .group = "",
                            .resource = "",
                            .sub = "",
                            .name = "",
                            .path = path};
}

static const char *level(const ck_audit_policy *p, ck_audit_attrs a)
{
    return ck_audit_level_name(ck_audit_policy_eval(p, &a).level);
}

static void test_first_match_wins(void)
{
    ck_audit_policy *p = parse("apiVersion: audit.k8s.io/v1\n"
                               "kind: Policy\n"
                               "omitStages: [RequestReceived]\n"
                               "rules:\n"
                               "- level: None\n"
                               "  resources: [{group: '', resources: [events]}]\n"
                               "- level: RequestResponse\n"
                               "  users: [bob]\n"
                               "- level: Request\n"
                               "  verbs: [create, update]\n"
                               "  namespaces: [prod]\n"
                               "  omitStages: [ResponseStarted]\n"
                               "- level: Metadata\n"
                               "  resources:\n"
                               "  - group: ''\n"
                               "    resources: [secrets, configmaps]\n"
                               "  - group: apps\n"
                               "- level: Request\n"
                               "  nonResourceURLs: ['/healthz*', /version]\n");
    CHECK(p != NULL);
    if (!p) return;
    CHECK_STR(level(p, res("create", "", "events", "", "prod", "")), "None");
    CHECK_STR(level(p, res("create", "", "configmaps", "", "prod", "")), "Request");
    CHECK_STR(level(p, res("get", "", "configmaps", "", "prod", "c")), "Metadata");
    CHECK_STR(level(p, res("get", "apps", "deployments", "scale", "x", "d")), "Metadata");
    CHECK_STR(level(p, res("get", "", "pods", "", "x", "p")), "None");
    ck_audit_attrs bob = res("get", "", "pods", "", "x", "p");
    bob.user = "bob";
    CHECK_STR(level(p, bob), "RequestResponse");
    bob.user = NULL; /* unauthenticated: a users rule cannot match */
    CHECK_STR(level(p, bob), "None");
    CHECK_STR(level(p, nonres("/healthz/ready")), "Request");
    CHECK_STR(level(p, nonres("/version")), "Request");
    CHECK_STR(level(p, nonres("/versions")), "None");
    /* A resources rule never matches a non-resource request and vice versa. */
    ck_audit_attrs nr = nonres("/api/v1/configmaps");
    CHECK_STR(level(p, nr), "None");

    ck_audit_attrs a = res("create", "", "configmaps", "", "prod", "");
    ck_audit_config c = ck_audit_policy_eval(p, &a);
    CHECK_INT(c.omit_stages, CK_STAGE_RECEIVED | CK_STAGE_STARTED);
    a = res("get", "", "configmaps", "", "prod", "c");
    c = ck_audit_policy_eval(p, &a);
    CHECK_INT(c.omit_stages, CK_STAGE_RECEIVED);
    a = res("get", "", "pods", "", "x", "p");
    c = ck_audit_policy_eval(p, &a);
    CHECK_INT(c.level, CK_AUDIT_NONE);
    CHECK_INT(c.omit_stages, CK_STAGE_RECEIVED); /* the policy's own */
    ck_audit_policy_free(p);
}

static void test_groups_names_subresources(void)
{
    ck_audit_policy *p = parse("apiVersion: audit.k8s.io/v1\n"
                               "kind: Policy\n"
                               "omitManagedFields: true\n"
                               "rules:\n"
                               "- level: RequestResponse\n"
                               "  userGroups: [admins]\n"
                               "- level: Request\n"
                               "  resources: [{group: '', resources: [pods/log, '*/status']}]\n"
                               "- level: Metadata\n"
                               "  omitManagedFields: false\n"
                               "  resources:\n"
                               "  - {group: '', resources: [configmaps], resourceNames: [cfg]}\n"
                               "  - {group: batch, resources: ['jobs/*']}\n"
                               "- level: Request\n"
                               "  namespaces: [kube-system]\n");
    CHECK(p != NULL);
    if (!p) return;
    ck_audit_attrs a = res("get", "", "pods", "", "x", "p");
    static const char *const admins[] = {"admins", NULL};
    a.groups = admins;
    CHECK_STR(level(p, a), "RequestResponse");
    CHECK(ck_audit_policy_eval(p, &a).omit_managed_fields);
    CHECK_STR(level(p, res("get", "", "pods", "log", "x", "p")), "Request");
    CHECK_STR(level(p, res("get", "", "pods", "exec", "x", "p")), "None");
    CHECK_STR(level(p, res("update", "", "nodes", "status", "", "n")), "Request");
    CHECK_STR(level(p, res("get", "", "configmaps", "", "x", "cfg")), "Metadata");
    a = res("get", "", "configmaps", "", "x", "cfg");
    CHECK(!ck_audit_policy_eval(p, &a).omit_managed_fields);
    CHECK_STR(level(p, res("get", "", "configmaps", "", "x", "other")), "None");
    CHECK_STR(level(p, res("get", "batch", "jobs", "", "x", "j")), "Metadata");
    CHECK_STR(level(p, res("get", "batch", "jobs", "status", "x", "j")), "Metadata");
    CHECK_STR(level(p, res("get", "batch", "cronjobs", "", "x", "j")), "None");
    CHECK_STR(level(p, res("list", "", "secrets", "", "kube-system", "")), "Request");
    CHECK_STR(level(p, res("list", "", "secrets", "", "", "")), "None");
    ck_audit_policy_free(p);
}

static void expect_error(const char *yaml, const char *want)
{
    ck_err *err = NULL;
    ck_audit_policy *p = ck_audit_policy_parse(yaml, strlen(yaml), &err);
    CHECK(p == NULL);
    CHECK(err && strstr(err->message, want));
    if (err && !strstr(err->message, want)) fprintf(stderr, "  message: %s\n", err->message);
    ck_audit_policy_free(p);
    ck_err_free(err);
}

static void test_invalid(void)
{
    expect_error("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n", "0 rules");
    expect_error("apiVersion: v1\nkind: Policy\nrules: [{level: None}]\n", "audit.k8s.io/v1");
    expect_error("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{verbs: [get]}]\n",
                 "rules[0].level: Required value");
    expect_error("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Everything}]\n",
                 "Unsupported value");
    expect_error("apiVersion: audit.k8s.io/v1\nkind: Policy\n"
                 "rules: [{level: None, omitStages: [Later]}]\n",
                 "rules[0].omitStages[0]");
    expect_error("apiVersion: audit.k8s.io/v1\nkind: Policy\n"
                 "rules: [{level: None, namespaces: [a], nonResourceURLs: [/x]}]\n",
                 "both regular resources and non-resource URLs");
    expect_error("apiVersion: audit.k8s.io/v1\nkind: Policy\n"
                 "rules: [{level: None, resources: [{group: '', resourceNames: [a]}]}]\n",
                 "requires at least one resource");
    expect_error("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None}\n", "yaml");
}

int main(void)
{
    test_first_match_wins();
    test_groups_names_subresources();
    test_invalid();
    return UT_DONE();
}
