/* runtimeclasses (node.k8s.io/v1): ValidateRuntimeClass (handler is a DNS label and
 * immutable; overhead quantities; scheduling node selector and tolerations) and the
 * runtime class printer. */
#include <stdio.h>

#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/podspec.h"
#include "registry/workload.h"

static void validate(const json_t *obj, ck_field_errors *fe)
{
    const char *handler = ck_obj_str(obj, "handler");
    ck_msgs m = {0};
    ck_is_dns1123_label(handler ? handler : "", &m);
    ck_ferr_invalid_msgs(fe, "handler", handler ? handler : "", &m);
    const char *k;
    json_t *v;
    json_object_foreach(ck_obj_get(obj, "overhead.podFixed"), k, v)
    {
        cleanup_free char *p = xasprintf("overhead.podFixed[%s]", k);
        ck_validate_resource_name(k, CK_RES_CONTAINER, p, fe);
        ck_validate_quantity(k, v, p, fe);
    }
    ck_validate_labels(ck_obj_get(obj, "scheduling.nodeSelector"), "scheduling.nodeSelector", fe);
}

static void validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    ck_validate_immutable(json_object_get(obj, "handler"), json_object_get(old, "handler"),
                          "handler", fe);
}

static const ck_column columns[] = {
    CK_COL_NAME,
    {"Handler", "string", "",
     "handler specifies the underlying runtime and configuration that the CRI implementation "
     "will use to handle pods of this class.",
     0},
    CK_COL_AGE,
};

static void table_row(const json_t *obj, json_t *cells)
{
    ck_cell_name(obj, cells);
    ck_cell_str(cells, ck_obj_str(obj, "handler"));
    ck_cell_age(obj, cells);
}

const ck_rtype_def ck_reg_runtimeclass = {
    .group = "node.k8s.io",
    .version = "v1",
    .plural = "runtimeclasses",
    .validate = validate,
    .validate_update = validate_update,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = table_row,
};
