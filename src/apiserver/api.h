/* Internal interfaces between the API handlers: the parsed request target (upstream's
 * RequestInfo) and the handler entry points. */
#ifndef CK_API_H
#define CK_API_H

#include "apiserver/cache.h"
#include "apiserver/http.h"
#include "apiserver/server.h"
#include "registry/registry.h"

typedef struct ck_reqinfo {
    bool resource_request;
    const char *verb; /* get list watch create update patch delete deletecollection */
    char *group, *version, *plural, *ns, *name, *sub;
    ck_rtype *rt;
} ck_reqinfo;

/* Splits a resource path into the request info; returns false if it is not one. */
bool ck_reqinfo_parse(const char *method, const char *path, bool watch, ck_reqinfo *ri);
void ck_reqinfo_clear(ck_reqinfo *ri);

/* Non-resource endpoints. */
bool ck_discovery_handle(ck_request *r);
bool ck_openapi_handle(ck_request *r);

/* Resource verbs. */
void ck_rest_get(ck_request *r, ck_reqinfo *ri);
void ck_rest_list(ck_request *r, ck_reqinfo *ri);
void ck_rest_watch(ck_request *r, ck_reqinfo *ri);
void ck_rest_create(ck_request *r, ck_reqinfo *ri);
void ck_rest_update(ck_request *r, ck_reqinfo *ri);
void ck_rest_patch(ck_request *r, ck_reqinfo *ri);
void ck_rest_delete(ck_request *r, ck_reqinfo *ri);
void ck_rest_deletecollection(ck_request *r, ck_reqinfo *ri);

void ck_rest_get_scale(ck_request *r, ck_reqinfo *ri, const ck_obj *o);

/* Parses labelSelector/fieldSelector query parameters (field names checked for rt). */
typedef struct ck_label_selector ck_label_selector;
typedef struct ck_field_selector ck_field_selector;
int ck_parse_selectors(ck_request *r, ck_rtype *rt, ck_label_selector **lsel,
                       ck_field_selector **fsel, ck_err **err);
/* Decodes the request body (JSON or YAML by Content-Type) into *out. */
int ck_decode_body(ck_request *r, json_t **out, ck_err **err);

/* Wants a Table (Accept: ...;as=Table;...). */
bool ck_wants_table(const ck_request *r);
/* Sends obj (borrowed) as the response body, converted to a Table if asked for. */
void ck_send_object(ck_request *r, ck_rtype *rt, int status, const ck_obj *o);
/* Builds the Table for a list of parsed objects (borrowed). */
json_t *ck_table_for(ck_rtype *rt, json_t *const *objs, size_t n, bool include_object);

/* Error helpers with upstream messages. */
void ck_send_not_found(ck_request *r, ck_rtype *rt, const char *name);
int ck_err_not_found(ck_err **err, ck_rtype *rt, const char *name);
json_t *ck_status_details(ck_rtype *rt, const char *name);

#endif
