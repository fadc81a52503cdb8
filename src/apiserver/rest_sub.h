/* POST subresources that are not the object itself (upstream's NamedCreater storages):
 * pods/binding (and the legacy bindings collection), pods/eviction and
 * serviceaccounts/token. Each answers with what upstream returns: a Status Success (201)
 * or the completed TokenRequest (201). */
#ifndef CK_REST_SUB_H
#define CK_REST_SUB_H

#include "apiserver/api.h"

/* POST .../pods/NAME/binding; legacy: POST .../namespaces/NS/bindings (pod named by the
 * Binding's metadata.name; ri->rt may be NULL then). */
void ck_rest_pod_binding(ck_request *r, ck_reqinfo *ri, bool legacy);
/* POST .../pods/NAME/eviction (policy/v1 or policy/v1beta1 Eviction). */
void ck_rest_pod_eviction(ck_request *r, ck_reqinfo *ri);
/* POST .../serviceaccounts/NAME/token (authentication.k8s.io/v1 TokenRequest). */
void ck_rest_sa_token(ck_request *r, ck_reqinfo *ri);

/* Shared by the handlers above. Decodes the body (JSON, YAML or protobuf) into *out: checks
 * apiVersion/kind against api_version (or alt_version, when non-NULL) and kind, applies
 * fieldValidation against the schema definition def_name, and checks metadata.namespace
 * against the URL's, filling it in. Also rejects a bad dryRun parameter. */
int ck_sub_decode(ck_request *r, const ck_reqinfo *ri, const char *api_version,
                  const char *alt_version, const char *kind, const char *def_name, json_t **out,
                  ck_err **err);
/* Sends the Status Success object a NamedCreater returns, with code 201. */
void ck_sub_send_success(ck_request *r);
/* Sends err; a 429 with details.retryAfterSeconds also gets a Retry-After header. */
void ck_sub_send_err(ck_request *r, const ck_err *err);

#endif
