/* managedFields bookkeeping (field ownership per manager, upstream's fieldmanager) and
 * server-side apply. */
#ifndef CK_MANAGED_H
#define CK_MANAGED_H

#include <jansson.h>

#include "lib/err.h"

/* Records that `manager` wrote obj (an Update operation): the fields it set or changed
 * relative to old (NULL on create) become its own, in metadata.managedFields, with
 * fieldsV1 in upstream's format. No manager: managedFields are left as they are. */
void ck_managed_fields_update(json_t *obj, const json_t *old, const char *manager,
                              const char *operation, const char *api_version,
                              const char *subresource, const char *time);

#endif
