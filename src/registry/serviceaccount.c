/* serviceaccounts (/v1): no defaults beyond metadata; the printer shows the number of
 * listed secrets (upstream pkg/registry/core/serviceaccount). */
#include "lib/util.h"
#include "registry/corefmt.h"
#include "registry/kinds.h"

static const ck_column sa_columns[] = {
    CK_CORE_COL_NAME,
    {"Secrets", "string", "",
     "Secrets is a list of the secrets in the same namespace that pods running using this "
     "ServiceAccount are allowed to use.",
     0},
    CK_CORE_COL_AGE,
};

static void sa_row(const json_t *obj, json_t *cells)
{
    ck_row_name(obj, cells);
    json_array_append_new(
        cells, json_integer((json_int_t)json_array_size(json_object_get(obj, "secrets"))));
    ck_row_age(obj, cells);
}

const ck_rtype_def ck_reg_serviceaccount = {
    .group = "",
    .version = "v1",
    .plural = "serviceaccounts",
    .columns = sa_columns,
    .ncolumns = ARRAY_SIZE(sa_columns),
    .table_row = sa_row,
    .return_deleted = true,
};
