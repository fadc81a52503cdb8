/* clusterrolebindings (rbac.authorization.k8s.io/v1): the binding rules of rolebinding.c
 * for cluster scope (roleRef must be a ClusterRole, service accounts need a namespace). */
#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/workload.h"

static void validate(const json_t *obj, ck_field_errors *fe)
{
    ck_validate_binding(obj, false, fe);
}

const ck_rtype_def ck_reg_clusterrolebinding = {
    .group = "rbac.authorization.k8s.io",
    .version = "v1",
    .plural = "clusterrolebindings",
    .create_on_update = true,
    .defaults = ck_binding_defaults,
    .validate = validate,
    .validate_update = ck_validate_binding_update,
    .before_create = ck_binding_before_create,
    .before_update = ck_binding_before_update,
    .validate_name = ck_name_is_path_segment,
    .columns = ck_binding_columns,
    .ncolumns = 6,
    .table_row = ck_binding_row,
};
