/* Authorization: who may do what. An authorizer decides on request attributes (upstream's
 * authorizer.Attributes); the server runs the chain from --authorization-mode in order
 * (Node, RBAC, AlwaysAllow, AlwaysDeny), the first Allow or Deny wins. */
#ifndef CK_AUTHZ_H
#define CK_AUTHZ_H

#include <jansson.h>
#include <stdbool.h>

#include "lib/err.h"

typedef struct ck_apiserver ck_apiserver;

typedef struct ck_authz_attrs {
    const char *user;          /* "admin", "system:serviceaccount:ns:name", ... */
    const char *const *groups; /* NULL-terminated */
    const char *verb; /* resource: get list watch create update patch delete deletecollection
                         (and escalate, bind, impersonate...); non-resource: lower-case HTTP
                         method: get, post, put, patch, delete, head */
    bool resource_request;
    const char *ns;    /* "" for cluster-scoped or all namespaces */
    const char *group; /* API group, "" for core */
    const char *version;
    const char *resource;    /* plural */
    const char *subresource; /* "" if none */
    const char *name;        /* "" if none */
    const char *path;        /* non-resource requests: the URL path */
} ck_authz_attrs;

typedef enum { CK_AUTHZ_NO_OPINION = 0, CK_AUTHZ_ALLOW, CK_AUTHZ_DENY } ck_authz_decision;

typedef struct ck_authorizer ck_authorizer;
struct ck_authorizer {
    const char *name; /* "RBAC", "Node", ... */
    /* *reason may be set (allocated) to explain the decision. */
    ck_authz_decision (*authorize)(ck_authorizer *a, const ck_authz_attrs *at, char **reason);
    void (*free)(ck_authorizer *a);
};

/* The chain from --authorization-mode ("Node,RBAC"). */
typedef struct ck_authz_chain {
    ck_authorizer **items;
    unsigned n;
} ck_authz_chain;
/* Builds the chain; prints an error and returns -1 for an unknown or repeated mode. */
int ck_authz_chain_parse(ck_apiserver *srv, const char *modes, ck_authz_chain *out);
/* The first Allow or Deny in order (members of system:masters are always allowed);
 * NO_OPINION when no authorizer decides (the request is forbidden). *reason may be set. */
ck_authz_decision ck_authz_chain_decide(const ck_authz_chain *c, const ck_authz_attrs *at,
                                        char **reason);
void ck_authz_chain_free(ck_authz_chain *c);

/* The RBAC authorizer over the server's watch cache (src/auth/rbac.c). */
ck_authorizer *ck_rbac_authorizer_new(ck_apiserver *srv);
/* The Node authorizer for kubelets over the server's watch cache (src/auth/node.c). */
ck_authorizer *ck_node_authorizer_new(ck_apiserver *srv);
/* The node name of a node identity (user "system:node:NAME" in group "system:nodes"),
 * pointing into user; NULL for any other requester. */
const char *ck_node_identity(const char *user, const char *const *groups);
/* Adds to set (a JSON object used as a set) the keys "node kind ns name" of every object a
 * pod bound to a node references: secrets, configmaps, persistentvolumeclaims,
 * serviceaccounts, resourceclaims. Nothing for an unbound pod. */
void ck_node_pod_refs(const json_t *pod, json_t *set);
/* NodeRestriction admission (src/auth/noderestriction.c): for a node identity writing a
 * Node, Pod or Lease (old NULL on create; sub the subresource or NULL), 0 when allowed,
 * else -1 with a 403 *err in upstream's words. */
struct ck_strategy_ctx;
struct ck_rtype;
int ck_noderestriction_admit(const struct ck_strategy_ctx *ctx, const struct ck_rtype *rt,
                             const char *sub, const json_t *obj, const json_t *old, ck_err **err);
/* NodeRestriction for pod deletion and eviction: a node may only remove pods bound to
 * itself (403 otherwise); 0 for any other user. */
int ck_noderestriction_pod_delete(const char *user, const char *const *groups, const json_t *pod,
                                  bool eviction, ck_err **err);
/* Ensures upstream's bootstrap ClusterRoles and ClusterRoleBindings exist (reconciled at
 * start-up like upstream's rbac/bootstrap-roles post-start hook). */
int ck_rbac_bootstrap(ck_apiserver *srv);

#endif
