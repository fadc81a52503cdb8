/* certificatesigningrequests (certificates.k8s.io/v1): strategy, defaults, validation and table columns. */
#include "registry/kinds.h"

const ck_rtype_def ck_reg_csr = {
    .group = "certificates.k8s.io",
    .version = "v1",
    .plural = "certificatesigningrequests",
};
