/* Review APIs: create-only kinds that answer a question about the caller or a credential
 * and store nothing (registry kinds with .review set). */
#ifndef CK_REST_REVIEW_H
#define CK_REST_REVIEW_H

#include "apiserver/api.h"

/* POST of a review kind: selfsubjectreviews (the caller's identity) or tokenreviews (the
 * identity a bearer token authenticates as). */
void ck_rest_review(ck_request *r, ck_reqinfo *ri);
/* POST of an authorization.k8s.io review (rest_access_review.c): subject-, local-subject-
 * and self-subject access reviews, and selfsubjectrulesreviews. */
void ck_rest_access_review(ck_request *r, ck_reqinfo *ri);

#endif
