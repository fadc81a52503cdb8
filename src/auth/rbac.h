/* RBAC internals shared by the authorizer (rbac.c), the bootstrap policy (rbac_policy.c,
 * rbac_bootstrap.c), the unit tests and the fuzz target. */
#ifndef CK_RBAC_H
#define CK_RBAC_H

#include <jansson.h>
#include <stdbool.h>

#include "auth/authz.h"
#include "lib/err.h"

/* True if the PolicyRule `rule` (a JSON object as in rbac.authorization.k8s.io/v1) allows
 * the request, with upstream's matching: verbs and apiGroups with "*", resources "*",
 * "resource/subresource" and "*\/subresource", resourceNames only for named requests,
 * nonResourceURLs exact or with a trailing "*" prefix. Anything malformed never matches. */
bool ck_rbac_rule_allows(const json_t *rule, const ck_authz_attrs *at);

/* True if the rules `owner` (array) allow at least everything rule `sub` allows
 * (upstream's validation.Covers for one rule). On false, *missing (if non-NULL) receives
 * a new array of the uncovered single-verb rules. */
bool ck_rbac_covers(const json_t *owner, const json_t *sub, json_t **missing);

/* The PolicyRules RBAC grants user (with groups, NULL-terminated) in namespace ns ("":
 * cluster-wide rules only), as upstream's rule resolver RulesFor: the roles of matching
 * ClusterRoleBindings, then of RoleBindings in ns. A new array (empty when the chain c has
 * no RBAC authorizer). */
json_t *ck_rbac_rules_for(const ck_authz_chain *c, const char *user, const char *const *groups,
                          const char *ns);

/* Upstream's RBAC escalation prevention (rbac_escalation.c) for a write by user (groups
 * NULL-terminated; user NULL: an internal write, always allowed). Each returns 0, or -1
 * with a 403 Forbidden *err in upstream's words. */
/* A Role (ns set) or ClusterRole (ns NULL) `obj` named name, created (old NULL) or updated:
 * its rules must be held by the user unless it may `escalate`. */
int ck_rbac_check_role_write(ck_apiserver *srv, const char *user, const char *const *groups,
                             const char *ns, const json_t *obj, const json_t *old, ck_err **err);
/* A RoleBinding (ns set) or ClusterRoleBinding (ns NULL): the user must hold the referenced
 * role's rules unless it may `bind` it. */
int ck_rbac_check_binding_write(ck_apiserver *srv, const char *user, const char *const *groups,
                                const char *ns, const json_t *obj, const json_t *old, ck_err **err);

/* The bootstrap policy (rbac_policy.c). Rules are written as
 * "verbs|apiGroups|resources|resourceNames|nonResourceURLs", comma-separated lists, the
 * core group spelled "core", empty fields absent. */
typedef struct ck_policy_role {
    const char *name;
    const char *aggregate_to;    /* value of the aggregate-to-<X> label, or NULL */
    const char *aggregation;     /* aggregationRule selector aggregate-to-<X>, or NULL */
    const char *const *rules[3]; /* up to three NULL-terminated rule lists, concatenated */
} ck_policy_role;

typedef struct ck_policy_binding {
    const char *name, *role;
    const char *subjects; /* "G:name;U:name;S:ns/name" (Group, User, ServiceAccount) */
} ck_policy_binding;

extern const ck_policy_role ck_policy_cluster_roles[];
extern const unsigned ck_policy_ncluster_roles;
extern const ck_policy_binding ck_policy_cluster_bindings[];
extern const unsigned ck_policy_ncluster_bindings;

/* The namespaced part (upstream's namespace_policy.go): Roles and RoleBindings in the
 * reserved kube-system and kube-public namespaces; a binding's role is a Role of its own
 * namespace. */
typedef struct ck_policy_ns_role {
    const char *ns;
    ck_policy_role role; /* aggregate_to and aggregation unused */
} ck_policy_ns_role;

typedef struct ck_policy_ns_binding {
    const char *ns;
    ck_policy_binding binding;
} ck_policy_ns_binding;

extern const ck_policy_ns_role ck_policy_ns_roles[];
extern const unsigned ck_policy_nns_roles;
extern const ck_policy_ns_binding ck_policy_ns_bindings[];
extern const unsigned ck_policy_nns_bindings;

/* Builds the ClusterRole / ClusterRoleBinding objects of the policy (new references). */
json_t *ck_policy_role_object(const ck_policy_role *r);
json_t *ck_policy_binding_object(const ck_policy_binding *b);
/* Builds the Role / RoleBinding objects of the namespaced policy (new references). */
json_t *ck_policy_ns_role_object(const ck_policy_ns_role *r);
json_t *ck_policy_ns_binding_object(const ck_policy_ns_binding *b);
/* Parses one rule of the policy notation into a PolicyRule object (new reference). */
json_t *ck_policy_rule(const char *spec);

#endif
