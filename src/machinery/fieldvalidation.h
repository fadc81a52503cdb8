/* Server-side field validation (the fieldValidation query parameter, KEP-2885): finds
 * the fields of a decoded object that its schema definition does not declare, as
 * upstream's strict JSON decoder (sigs.k8s.io/json) reports them:
 *   unknown field "spec.replicaz"
 *   unknown field "spec.template.spec.containers[0].imagePullPolicyy"
 *   unknown field "spec.<map>.<key>.bar" (objects inside maps)
 * Values the scheme decodes opaquely (RawExtension, FieldsV1, IntOrString, Quantity, Time)
 * and values of the wrong JSON type are not looked into; type errors are validation's job.
 * Duplicate fields are a property of the encoded bytes, not of the decoded object: the
 * YAML decoder reports them (ck_yaml_decode's dups). */
#ifndef CK_FIELDVALIDATION_H
#define CK_FIELDVALIDATION_H

#include <jansson.h>

#include "lib/err.h"
#include "machinery/schema.h"

/* Checks obj against def under mode "Strict", "Warn" or "Ignore" (NULL or "" means Warn,
 * upstream's default). Returns 0 when the request may go on: with Warn, *warnings (when
 * warnings is non-NULL) receives a NULL-terminated array of messages such as
 * `unknown field "spec.replicaz"`, allocated, which the caller frees with
 * ck_field_warnings_free (NULL when there are none); the caller sends each as a
 * `Warning: 299 - "<message>"` header. With Strict and unknown fields, returns -1 with a
 * 400 BadRequest *err reading `strict decoding error: unknown field "spec.replicaz",
 * unknown field "..."` (upstream's create/update handlers put
 * `<Kind> in version "<v>" cannot be handled as a <Kind>: ` in front). An unsupported mode
 * is -1 with a 400 BadRequest (upstream rejects it earlier, as an invalid
 * CreateOptions/UpdateOptions/PatchOptions). At most 100 fields are reported, like upstream.
 * For patches, validate the patched object, not the patch (which holds $patch directives). */
int ck_field_validation(const json_t *obj, const ck_def *def, const char *mode, char ***warnings,
                        ck_err **err);
void ck_field_warnings_free(char **warnings);

/* Deletes from obj, in place, every field def does not declare (at any depth, with the
 * same walk), as decoding into upstream's typed structs drops them: what a stored object
 * looks like after a create/update/patch under Warn or Ignore. */
void ck_field_prune(json_t *obj, const ck_def *def);

#endif
