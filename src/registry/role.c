/* roles (rbac.authorization.k8s.io/v1): ValidateRole (every rule needs verbs, and resource
 * rules api groups and resources; namespaced rules cannot name non-resource URLs). Names
 * are path segments. No printer: upstream lists roles with the default Name / Created At
 * table. */
#include "auth/rbac.h"
#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/workload.h"

void ck_validate_policy_rules(const json_t *rules, bool namespaced, ck_field_errors *fe)
{
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r)
    {
        cleanup_free char *p = xasprintf("rules[%zu]", i);
        cleanup_free char *pv = ck_path(p, "verbs"), *pn = ck_path(p, "nonResourceURLs");
        cleanup_free char *pg = ck_path(p, "apiGroups"), *pr = ck_path(p, "resources");
        if (json_array_size(json_object_get(r, "verbs")) == 0)
            ck_ferr_required(fe, pv, "verbs must contain at least one value");
        const json_t *urls = json_object_get(r, "nonResourceURLs");
        size_t groups = json_array_size(json_object_get(r, "apiGroups"));
        size_t res = json_array_size(json_object_get(r, "resources"));
        if (json_array_size(urls) > 0) {
            if (namespaced)
                ck_ferr_invalid(fe, pn, urls, "namespaced rules cannot apply to non-resource URLs");
            if (groups || res || json_array_size(json_object_get(r, "resourceNames")))
                ck_ferr_invalid(fe, pn, urls,
                                "rules cannot apply to both regular resources and non-resource "
                                "URLs");
            continue;
        }
        if (!groups) ck_ferr_required(fe, pg, "resource rules must supply at least one api group");
        if (!res) ck_ferr_required(fe, pr, "resource rules must supply at least one resource");
    }
}

static void validate(const json_t *obj, ck_field_errors *fe)
{
    ck_validate_policy_rules(json_object_get(obj, "rules"), true, fe);
}

/* Escalation prevention (src/auth/rbac_escalation.c). */
static int before_create(ck_strategy_ctx *c, json_t *obj, ck_err **err)
{
    return ck_rbac_check_role_write(c->srv, c->user, c->groups,
                                    ck_obj_str(obj, "metadata.namespace"), obj, NULL, err);
}

static int before_update(ck_strategy_ctx *c, json_t *obj, const json_t *old, ck_err **err)
{
    return ck_rbac_check_role_write(c->srv, c->user, c->groups,
                                    ck_obj_str(obj, "metadata.namespace"), obj, old, err);
}

const ck_rtype_def ck_reg_role = {
    .group = "rbac.authorization.k8s.io",
    .version = "v1",
    .plural = "roles",
    .create_on_update = true,
    .validate = validate,
    .before_create = before_create,
    .before_update = before_update,
    .validate_name = ck_name_is_path_segment,
};
