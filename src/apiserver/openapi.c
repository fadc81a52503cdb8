/* /openapi/v2 and /openapi/v3: not served yet (kubectl falls back to its built-in
 * knowledge for apply; explain needs v3). */
#include "apiserver/api.h"

bool ck_openapi_handle(ck_request *r)
{
    (void)r;
    return false;
}
