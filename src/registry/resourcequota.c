/* resourcequotas (/v1): strategy, defaults, validation and table columns. */
#include "registry/kinds.h"

const ck_rtype_def ck_reg_resourcequota = {
    .group = "",
    .version = "v1",
    .plural = "resourcequotas",
};
