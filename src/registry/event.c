/* events (/v1): strategy, defaults, validation and table columns. */
#include "registry/kinds.h"

const ck_rtype_def ck_reg_event = {
    .group = "",
    .version = "v1",
    .plural = "events",
};

const ck_rtype_def ck_reg_event_v1 = {
    .group = "events.k8s.io",
    .version = "v1",
    .plural = "events",
};
