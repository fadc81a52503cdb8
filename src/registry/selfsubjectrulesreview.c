/* selfsubjectrulesreviews (authorization.k8s.io/v1): asks the caller's rules in a namespace
 * (`kubectl auth can-i --list`); create-only and never stored, answered in
 * src/apiserver/rest_access_review.c. */
#include "registry/kinds.h"

const ck_rtype_def ck_reg_selfsubjectrulesreview = {
    .group = "authorization.k8s.io",
    .version = "v1",
    .plural = "selfsubjectrulesreviews",
    .review = true,
};
