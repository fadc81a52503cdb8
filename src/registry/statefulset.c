/* statefulsets (apps/v1): strategy, defaults, validation and table columns. */
#include "registry/kinds.h"

const ck_rtype_def ck_reg_statefulset = {
    .group = "apps",
    .version = "v1",
    .plural = "statefulsets",
};
