/* subjectaccessreviews (authorization.k8s.io/v1): asks whether a user or group may do something
 * (`kubectl auth can-i --as`); create-only and never stored, answered in
 * src/apiserver/rest_access_review.c. */
#include "registry/kinds.h"

const ck_rtype_def ck_reg_subjectaccessreview = {
    .group = "authorization.k8s.io",
    .version = "v1",
    .plural = "subjectaccessreviews",
    .review = true,
};
