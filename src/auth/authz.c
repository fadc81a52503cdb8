/* The authorizer chain from --authorization-mode and the built-in AlwaysAllow/AlwaysDeny. */
#include "auth/authz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

static ck_authz_decision always_allow(ck_authorizer *a, const ck_authz_attrs *at, char **reason)
{
    return CK_AUTHZ_ALLOW;
}

static ck_authz_decision always_deny(ck_authorizer *a, const ck_authz_attrs *at, char **reason)
{
    *reason = xstrdup("Everything is forbidden.");
    return CK_AUTHZ_DENY;
}

static void static_free(ck_authorizer *a)
{
    (void)a;
}

static ck_authorizer allow_all = {"AlwaysAllow", always_allow, static_free};
static ck_authorizer deny_all = {"AlwaysDeny", always_deny, static_free};

int ck_authz_chain_parse(ck_apiserver *srv, const char *modes, ck_authz_chain *out)
{
    memset(out, 0, sizeof *out);
    cleanup_free char *copy = xstrdup(modes && *modes ? modes : "AlwaysAllow");
    for (char *save = NULL, *m = strtok_r(copy, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
        ck_authorizer *a = NULL;
        if (streq(m, "AlwaysAllow"))
            a = &allow_all;
        else if (streq(m, "AlwaysDeny"))
            a = &deny_all;
        else if (streq(m, "RBAC"))
            a = ck_rbac_authorizer_new(srv);
        else if (streq(m, "Node"))
            a = ck_node_authorizer_new(srv);
        else {
            fprintf(stderr,
                    "Error: --authorization-mode: unknown authorization mode \"%s\" "
                    "(supported: AlwaysAllow, AlwaysDeny, Node, RBAC)\n",
                    m);
            ck_authz_chain_free(out);
            return -1;
        }
        for (unsigned i = 0; i < out->n; i++)
            if (streq(out->items[i]->name, a->name)) {
                fprintf(stderr, "Error: --authorization-mode: \"%s\" given twice\n", m);
                if (a->free) a->free(a);
                ck_authz_chain_free(out);
                return -1;
            }
        out->items = xrealloc(out->items, (out->n + 1) * sizeof *out->items);
        out->items[out->n++] = a;
    }
    return 0;
}

ck_authz_decision ck_authz_chain_decide(const ck_authz_chain *c, const ck_authz_attrs *at,
                                        char **reason)
{
    *reason = NULL;
    for (const char *const *g = at->groups; g && *g; g++)
        if (streq(*g, "system:masters")) return CK_AUTHZ_ALLOW; /* upstream's privileged group */
    char *why_not = NULL; /* the reasons of the authorizers without an opinion, as upstream's
                             union authorizer joins them */
    for (unsigned i = 0; i < c->n; i++) {
        char *why = NULL;
        ck_authz_decision d = c->items[i]->authorize(c->items[i], at, &why);
        if (d != CK_AUTHZ_NO_OPINION) {
            free(why_not);
            *reason = why;
            return d;
        }
        if (why && *why) {
            char *joined = why_not ? xasprintf("%s, %s", why_not, why) : xstrdup(why);
            free(why_not);
            why_not = joined;
        }
        free(why);
    }
    *reason = why_not;
    return CK_AUTHZ_NO_OPINION;
}

void ck_authz_chain_free(ck_authz_chain *c)
{
    for (unsigned i = 0; i < c->n; i++)
        if (c->items[i]->free) c->items[i]->free(c->items[i]);
    free(c->items);
    memset(c, 0, sizeof *c);
}
