/* tokenreviews (authentication.k8s.io/v1): create-only and never stored; the API server
 * answers them in src/apiserver/rest_review.c. */
#include "registry/kinds.h"

const ck_rtype_def ck_reg_tokenreview = {
    .group = "authentication.k8s.io",
    .version = "v1",
    .plural = "tokenreviews",
    .review = true,
};
