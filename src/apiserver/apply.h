/* Server-side apply (PATCH with application/apply-patch+yaml). */
#ifndef CK_APPLY_H
#define CK_APPLY_H

#include "apiserver/api.h"

/* Applies the configuration `cfg` (borrowed) for the request's field manager to `old`
 * (NULL: the object does not exist and is created) and sends the response. */
void ck_apply(ck_request *r, ck_reqinfo *ri, ck_obj *old, json_t *cfg);

#endif
