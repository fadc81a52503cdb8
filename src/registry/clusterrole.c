/* clusterroles (rbac.authorization.k8s.io/v1): ValidateClusterRole (rules as for roles but
 * non-resource URLs allowed; an aggregationRule needs at least one valid selector). Names
 * are path segments; upstream has no printer (default Name / Created At table). */
#include "auth/rbac.h"
#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/workload.h"

static void validate(const json_t *obj, ck_field_errors *fe)
{
    ck_validate_policy_rules(json_object_get(obj, "rules"), false, fe);
    const json_t *agg = json_object_get(obj, "aggregationRule");
    if (!json_is_object(agg)) return;
    const json_t *sels = json_object_get(agg, "clusterRoleSelectors");
    if (json_array_size(sels) == 0)
        ck_ferr_required(fe, "aggregationRule.clusterRoleSelectors",
                         "at least one clusterRoleSelector required if aggregationRule is non-nil");
    size_t i;
    json_t *s;
    json_array_foreach(sels, i, s)
    {
        cleanup_free char *p = xasprintf("aggregationRule.clusterRoleSelectors[%zu]", i);
        ck_validate_label_selector(s, p, fe);
    }
}

/* Escalation prevention (src/auth/rbac_escalation.c). */
static int before_create(ck_strategy_ctx *c, json_t *obj, ck_err **err)
{
    return ck_rbac_check_role_write(c->srv, c->user, c->groups, NULL, obj, NULL, err);
}

static int before_update(ck_strategy_ctx *c, json_t *obj, const json_t *old, ck_err **err)
{
    return ck_rbac_check_role_write(c->srv, c->user, c->groups, NULL, obj, old, err);
}

const ck_rtype_def ck_reg_clusterrole = {
    .group = "rbac.authorization.k8s.io",
    .version = "v1",
    .plural = "clusterroles",
    .create_on_update = true,
    .validate = validate,
    .before_create = before_create,
    .before_update = before_update,
    .validate_name = ck_name_is_path_segment,
};
