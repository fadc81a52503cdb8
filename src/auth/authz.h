/* Authorization: who may do what. An authorizer decides on request attributes (upstream's
 * authorizer.Attributes); the server runs the chain from --authorization-mode in order
 * (Node, RBAC, AlwaysAllow, AlwaysDeny), the first Allow or Deny wins. */
#ifndef CK_AUTHZ_H
#define CK_AUTHZ_H

#include <stdbool.h>

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
/* Ensures upstream's bootstrap ClusterRoles and ClusterRoleBindings exist (reconciled at
 * start-up like upstream's rbac/bootstrap-roles post-start hook). */
int ck_rbac_bootstrap(ck_apiserver *srv);

#endif
