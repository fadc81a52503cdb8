/* Type checking of request objects against the schema, as upstream's typed decoding does. */
#ifndef CK_TYPECHECK_H
#define CK_TYPECHECK_H

#include <jansson.h>

#include "lib/err.h"
#include "machinery/schema.h"

/* Returns 0, or -1 with a 400 BadRequest naming the first value whose JSON type does not
 * fit its field ("json: cannot unmarshal number into Go struct field ConfigMap.data of
 * type string"), or a base64 field that does not decode. */
int ck_type_check(const json_t *obj, const ck_def *def, ck_err **err);

#endif
