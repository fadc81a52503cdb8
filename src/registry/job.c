/* jobs (batch/v1): strategy, defaults, validation and table columns. */
#include "registry/kinds.h"

const ck_rtype_def ck_reg_job = {
    .group = "batch",
    .version = "v1",
    .plural = "jobs",
};
