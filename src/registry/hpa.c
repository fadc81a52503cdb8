/* horizontalpodautoscalers (autoscaling/v2): strategy, defaults, validation and table columns. */
#include "registry/kinds.h"

const ck_rtype_def ck_reg_hpa = {
    .group = "autoscaling",
    .version = "v2",
    .plural = "horizontalpodautoscalers",
};

const ck_rtype_def ck_reg_hpa_v1 = {
    .group = "autoscaling",
    .version = "v1",
    .plural = "horizontalpodautoscalers",
};
