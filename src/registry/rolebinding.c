/* rolebindings (rbac.authorization.k8s.io/v1), and the binding rules clusterrolebinding.c
 * shares: subject and roleRef defaults, ValidateRoleBinding (roleRef cannot change) and the
 * binding printer (ROLE; USERS, GROUPS, SERVICEACCOUNTS with -o wide). */
#include "auth/rbac.h"
#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/workload.h"

#define RBAC_GROUP "rbac.authorization.k8s.io"

void ck_binding_defaults(json_t *obj)
{
    ck_obj_default_str(ck_obj_ensure(obj, "roleRef"), "apiGroup", RBAC_GROUP);
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(obj, "subjects"), i, s)
    {
        const char *kind = ck_obj_str(s, "kind"), *group = ck_obj_str(s, "apiGroup");
        if ((!group || !*group) && (streq(kind, "User") || streq(kind, "Group")))
            json_object_set_new(s, "apiGroup", json_string(RBAC_GROUP));
    }
}

static void not_supported(ck_field_errors *fe, const char *path, const json_t *v,
                          const char *const *ok)
{
    json_t *val = v ? json_incref((json_t *)v) : json_string("");
    ck_ferr_not_supported(fe, path, val, ok);
    json_decref(val);
}

static void validate_subject(const json_t *s, bool namespaced, const char *path,
                             ck_field_errors *fe)
{
    static const char *const rbac[] = {RBAC_GROUP, NULL}, *const none[] = {"", NULL};
    static const char *const kinds[] = {"ServiceAccount", "User", "Group", NULL};
    cleanup_free char *pn = ck_path(path, "name"), *pg = ck_path(path, "apiGroup");
    cleanup_free char *pk = ck_path(path, "kind"), *pns = ck_path(path, "namespace");
    const char *name = ck_obj_str(s, "name"), *kind = ck_obj_str(s, "kind");
    const char *group = ck_obj_str(s, "apiGroup"), *ns = ck_obj_str(s, "namespace");
    if (!name || !*name) ck_ferr_required(fe, pn, "");
    if (streq(kind, "ServiceAccount")) {
        if (name && *name) {
            ck_msgs m = {0};
            ck_is_dns1123_subdomain(name, &m);
            ck_ferr_invalid_msgs(fe, pn, name, &m);
        }
        if (group && *group) not_supported(fe, pg, json_object_get(s, "apiGroup"), none);
        if (!namespaced && (!ns || !*ns)) ck_ferr_required(fe, pns, "");
    } else if (streq(kind, "User") || streq(kind, "Group")) {
        if (!streq(group, RBAC_GROUP)) not_supported(fe, pg, json_object_get(s, "apiGroup"), rbac);
    } else {
        not_supported(fe, pk, json_object_get(s, "kind"), kinds);
    }
}

void ck_validate_binding(const json_t *obj, bool namespaced, ck_field_errors *fe)
{
    static const char *const rbac[] = {RBAC_GROUP, NULL};
    static const char *const role_kinds[] = {"Role", "ClusterRole", NULL};
    static const char *const cluster_kinds[] = {"ClusterRole", NULL};
    const json_t *ref = json_object_get(obj, "roleRef");
    if (!streq(ck_obj_str(ref, "apiGroup"), RBAC_GROUP))
        not_supported(fe, "roleRef.apiGroup", json_object_get(ref, "apiGroup"), rbac);
    const char *kind = ck_obj_str(ref, "kind");
    if (namespaced ? !streq(kind, "Role") && !streq(kind, "ClusterRole")
                   : !streq(kind, "ClusterRole"))
        not_supported(fe, "roleRef.kind", json_object_get(ref, "kind"),
                      namespaced ? role_kinds : cluster_kinds);
    const char *name = ck_obj_str(ref, "name");
    if (!name || !*name) {
        ck_ferr_required(fe, "roleRef.name", "");
    } else {
        ck_msgs m = {0};
        ck_name_is_path_segment(name, false, &m);
        ck_ferr_invalid_msgs(fe, "roleRef.name", name, &m);
    }
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(obj, "subjects"), i, s)
    {
        cleanup_free char *p = xasprintf("subjects[%zu]", i);
        validate_subject(s, namespaced, p, fe);
    }
}

void ck_validate_binding_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    const json_t *ref = json_object_get(obj, "roleRef");
    if (!ck_json_same(ref, json_object_get(old, "roleRef")))
        ck_ferr_invalid(fe, "roleRef", ref, "cannot change roleRef");
}

const ck_column ck_binding_columns[6] = {
    CK_COL_NAME,
    {"Role", "string", "",
     "RoleRef can reference a Role in the current namespace or a ClusterRole in the global "
     "namespace.",
     0},
    CK_COL_AGE,
    {"Users", "string", "", "Users in the roleBinding", 1},
    {"Groups", "string", "", "Groups in the roleBinding", 1},
    {"ServiceAccounts", "string", "", "ServiceAccounts in the roleBinding", 1},
};

/* Appends one subject-kind cell: the names (service accounts as namespace/name) joined
 * with ", ". */
static void subjects_cell(const json_t *obj, const char *kind, json_t *cells)
{
    char *out = xstrdup("");
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(obj, "subjects"), i, s)
    {
        if (!streq(ck_obj_str(s, "kind"), kind)) continue;
        const char *name = ck_obj_str(s, "name"), *ns = ck_obj_str(s, "namespace");
        char *next =
            streq(kind, "ServiceAccount")
                ? xasprintf("%s%s%s/%s", out, *out ? ", " : "", ns ? ns : "", name ? name : "")
                : xasprintf("%s%s%s", out, *out ? ", " : "", name ? name : "");
        free(out);
        out = next;
    }
    ck_cell_take(cells, out);
}

void ck_binding_row(const json_t *obj, json_t *cells)
{
    const char *kind = ck_obj_str(obj, "roleRef.kind"), *name = ck_obj_str(obj, "roleRef.name");
    ck_cell_name(obj, cells);
    ck_cell_take(cells, xasprintf("%s/%s", kind ? kind : "", name ? name : ""));
    ck_cell_age(obj, cells);
    subjects_cell(obj, "User", cells);
    subjects_cell(obj, "Group", cells);
    subjects_cell(obj, "ServiceAccount", cells);
}

static void validate(const json_t *obj, ck_field_errors *fe)
{
    ck_validate_binding(obj, true, fe);
}

/* Escalation prevention (src/auth/rbac_escalation.c), shared with clusterrolebinding.c. */
int ck_binding_before_create(ck_strategy_ctx *c, json_t *obj, ck_err **err)
{
    return ck_rbac_check_binding_write(c->srv, c->user, c->groups,
                                       ck_obj_str(obj, "metadata.namespace"), obj, NULL, err);
}

int ck_binding_before_update(ck_strategy_ctx *c, json_t *obj, const json_t *old, ck_err **err)
{
    return ck_rbac_check_binding_write(c->srv, c->user, c->groups,
                                       ck_obj_str(obj, "metadata.namespace"), obj, old, err);
}

const ck_rtype_def ck_reg_rolebinding = {
    .group = RBAC_GROUP,
    .version = "v1",
    .plural = "rolebindings",
    .create_on_update = true,
    .defaults = ck_binding_defaults,
    .validate = validate,
    .validate_update = ck_validate_binding_update,
    .before_create = ck_binding_before_create,
    .before_update = ck_binding_before_update,
    .validate_name = ck_name_is_path_segment,
    .columns = ck_binding_columns,
    .ncolumns = ARRAY_SIZE(ck_binding_columns),
    .table_row = ck_binding_row,
};
