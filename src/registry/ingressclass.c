/* ingressclasses (networking.k8s.io/v1): SetDefaults_IngressClass (parameters scope
 * Cluster), ValidateIngressClass (a domain-prefixed controller, immutable; parameters
 * reference and scope) and the ingress class printer. */
#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/workload.h"

static void defaults(json_t *obj)
{
    json_t *params = ck_obj_get(obj, "spec.parameters");
    if (json_is_object(params)) ck_obj_default_str(params, "scope", "Cluster");
}

/* validation.IsDomainPrefixedPath. */
static void domain_prefixed_path(const json_t *v, const char *path, ck_field_errors *fe)
{
    const char *s = json_string_value(v);
    if (!s || !*s) {
        ck_ferr_required(fe, path, "");
        return;
    }
    const char *slash = strchr(s, '/');
    if (!slash || slash == s || !slash[1]) {
        ck_ferr_invalid_str(fe, path, s,
                            "must be a domain-prefixed path (such as \"acme.io/foo\")");
        return;
    }
    cleanup_free char *host = xstrndup(s, (size_t)(slash - s));
    ck_msgs m = {0};
    ck_is_dns1123_subdomain(host, &m);
    ck_ferr_invalid_msgs(fe, path, host, &m);
    for (const char *p = slash + 1; *p; p++)
        if (!strchr(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-._~%!$&'()*+,;=:",
                *p)) {
            ck_ferr_invalid_str(fe, path, slash + 1,
                                "Invalid path (e.g. '/', regex used for validation is "
                                "'[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')");
            break;
        }
}

static void validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *ctrl = ck_obj_get(obj, "spec.controller");
    if (json_string_value(ctrl) && strlen(json_string_value(ctrl)) > 250)
        ck_ferr_too_long(fe, "spec.controller", 250);
    domain_prefixed_path(ctrl, "spec.controller", fe);
    const json_t *params = ck_obj_get(obj, "spec.parameters");
    if (!json_is_object(params)) return;
    ck_validate_typed_ref(params, "spec.parameters", fe);
    const json_t *scope = json_object_get(params, "scope");
    const char *sc = json_string_value(scope), *ns = ck_obj_str(params, "namespace");
    if (!scope || json_is_null(scope)) {
        ck_ferr_required(fe, "spec.parameters.scope", "");
    } else if (!streq(sc, "Cluster") && !streq(sc, "Namespace")) {
        static const char *const scopes[] = {"Cluster", "Namespace", NULL};
        ck_ferr_not_supported(fe, "spec.parameters.scope", scope, scopes);
    } else if (streq(sc, "Namespace") && !ns) {
        ck_ferr_required(fe, "spec.parameters.namespace",
                         "`parameters.scope` is set to 'Namespace'");
    } else if (streq(sc, "Namespace")) {
        ck_msgs m = {0};
        ck_is_dns1123_label(ns, &m);
        ck_ferr_invalid_msgs(fe, "spec.parameters.namespace", ns, &m);
    } else if (ns) {
        ck_ferr_forbidden(fe, "spec.parameters.namespace",
                          "`parameters.scope` is set to 'Cluster'");
    }
}

static void validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    ck_validate_immutable(ck_obj_get(obj, "spec.controller"), ck_obj_get(old, "spec.controller"),
                          "spec.controller", fe);
}

static const ck_column columns[] = {
    CK_COL_NAME,
    {"Controller", "string", "", "Controller that is responsible for handling this class", 0},
    {"Parameters", "string", "", "A reference to a resource with additional parameters", 0},
    CK_COL_AGE,
};

static void table_row(const json_t *obj, json_t *cells)
{
    const json_t *p = ck_obj_get(obj, "spec.parameters");
    ck_cell_name(obj, cells);
    ck_cell_str(cells, ck_obj_str(obj, "spec.controller"));
    if (!json_is_object(p)) {
        ck_cell_str(cells, "<none>");
    } else {
        const char *kind = ck_obj_str(p, "kind"), *group = ck_obj_str(p, "apiGroup");
        const char *name = ck_obj_str(p, "name");
        ck_cell_take(cells, xasprintf("%s%s%s/%s", kind ? kind : "", group ? "." : "",
                                      group ? group : "", name ? name : ""));
    }
    ck_cell_age(obj, cells);
}

const ck_rtype_def ck_reg_ingressclass = {
    .group = "networking.k8s.io",
    .version = "v1",
    .plural = "ingressclasses",
    .defaults = defaults,
    .validate = validate,
    .validate_update = validate_update,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = table_row,
    .generation = true,
};
