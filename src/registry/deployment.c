/* deployments (apps/v1): strategy, defaults, validation and table columns. */
#include "registry/kinds.h"

const ck_rtype_def ck_reg_deployment = {
    .group = "apps",
    .version = "v1",
    .plural = "deployments",
};
