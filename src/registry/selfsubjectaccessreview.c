/* selfsubjectaccessreviews (authorization.k8s.io/v1): asks whether the caller may do something
 * (`kubectl auth can-i`); create-only and never stored, answered in
 * src/apiserver/rest_access_review.c. */
#include "registry/kinds.h"

const ck_rtype_def ck_reg_selfsubjectaccessreview = {
    .group = "authorization.k8s.io",
    .version = "v1",
    .plural = "selfsubjectaccessreviews",
    .review = true,
};
