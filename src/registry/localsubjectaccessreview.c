/* localsubjectaccessreviews (authorization.k8s.io/v1): namespaced; asks whether a user or group may
 * do something in the namespace of the request; create-only and never stored, answered in
 * src/apiserver/rest_access_review.c. */
#include "registry/kinds.h"

const ck_rtype_def ck_reg_localsubjectaccessreview = {
    .group = "authorization.k8s.io",
    .version = "v1",
    .plural = "localsubjectaccessreviews",
    .review = true,
};
