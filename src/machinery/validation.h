/* Field validation errors (upstream's field.ErrorList) turned into 422 Invalid errors, and
 * the shared validators (DNS names, qualified names, label values, ObjectMeta). Message
 * texts follow upstream (Kubernetes 1.34) because clients show them to users. */
#ifndef CK_VALIDATION_H
#define CK_VALIDATION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"

/* ---- Field error lists ---------------------------------------------------------------- */

typedef struct ck_field_errors ck_field_errors;

ck_field_errors *ck_ferrs_new(void);
void ck_ferrs_free(ck_field_errors *fe);
static inline void ck_ferrs_freep(ck_field_errors **fe)
{
    ck_ferrs_free(*fe);
}
#define cleanup_ferrs __attribute__((cleanup(ck_ferrs_freep)))

bool ck_ferrs_empty(const ck_field_errors *fe);
unsigned ck_ferrs_count(const ck_field_errors *fe);
/* Error i as upstream's Error(): "spec.replicas: Invalid value: -1: must be ...". */
const char *ck_ferrs_text(const ck_field_errors *fe, unsigned i);
/* All errors as upstream's aggregate: the single text, or "[a, b]" with duplicates
 * dropped; NULL when empty. The caller frees. */
char *ck_ferrs_aggregate(const ck_field_errors *fe);
/* Returns 0 if fe is empty; else -1 with a 422 Invalid error:
 * message `Kind.group "name" is invalid: <aggregate>` and details
 * {name, group, kind, causes: [{reason, message, field}]} (empty members omitted).
 * fe is not consumed. */
int ck_ferrs_to_err(const ck_field_errors *fe, const char *kind, const char *group,
                    const char *name, ck_err **err);

/* Adders. path is the field path ("spec.template.spec.containers[0].name"); detail may be
 * NULL. Values are printed as upstream does: strings quoted Go-style, numbers and booleans
 * bare, anything else as compact JSON. Nothing passed in is retained. */
void ck_ferr_required(ck_field_errors *fe, const char *path, const char *detail);
void ck_ferr_forbidden(ck_field_errors *fe, const char *path, const char *detail);
void ck_ferr_invalid(ck_field_errors *fe, const char *path, const json_t *value,
                     const char *detail);
void ck_ferr_invalid_str(ck_field_errors *fe, const char *path, const char *value,
                         const char *detail);
/* value printed as given (e.g. a Go %#v rendering from ck_go_*). */
void ck_ferr_invalid_raw(ck_field_errors *fe, const char *path, const char *value,
                         const char *detail);
/* Go's %#v of a map[string]string (JSON object of strings; keys sorted) and of a []byte,
 * as upstream prints such values in messages. The caller frees. */
char *ck_go_string_map(const json_t *obj);
char *ck_go_bytes(const unsigned char *b, size_t n);
void ck_ferr_invalid_int(ck_field_errors *fe, const char *path, int64_t value, const char *detail);
/* A value of the wrong JSON type ("FieldValueTypeInvalid"). */
void ck_ferr_type_invalid(ck_field_errors *fe, const char *path, const json_t *value,
                          const char *detail);
/* supported is a NULL-terminated list, printed as `supported values: "a", "b"`. */
void ck_ferr_not_supported(ck_field_errors *fe, const char *path, const json_t *value,
                           const char *const *supported);
void ck_ferr_duplicate(ck_field_errors *fe, const char *path, const json_t *value);
void ck_ferr_not_found(ck_field_errors *fe, const char *path, const json_t *value);
/* "Too long: may not be more than N bytes" (max_len < 0: "value is too long"). */
void ck_ferr_too_long(ck_field_errors *fe, const char *path, long max_len);
/* "Too many: ACTUAL: must have at most N items" (actual < 0 omits the value). */
void ck_ferr_too_many(ck_field_errors *fe, const char *path, long actual, long max);
void ck_ferr_internal(ck_field_errors *fe, const char *path, const char *detail);

/* Go's strconv.Quote (what upstream's %q prints); the caller frees. */
char *ck_quote(const char *s);

/* ---- String validators (upstream's validation.Is*) -------------------------------------- */

/* Problems found by a validator; each message is allocated. */
typedef struct ck_msgs {
    unsigned n;
    char *v[4];
} ck_msgs;
void ck_msgs_free(ck_msgs *m);
/* Messages joined with sep; the caller frees. */
char *ck_msgs_join(const ck_msgs *m, const char *sep);
/* Adds Invalid(path, value, msg) for every message, then frees them. */
void ck_ferr_invalid_msgs(ck_field_errors *fe, const char *path, const char *value, ck_msgs *m);

/* Each returns the number of problems (0 = valid) and, when out is non-NULL, fills it
 * (release with ck_msgs_free). */
unsigned ck_is_dns1123_label(const char *v, ck_msgs *out);
unsigned ck_is_dns1123_subdomain(const char *v, ck_msgs *out);
unsigned ck_is_dns1035_label(const char *v, ck_msgs *out);
unsigned ck_is_qualified_name(const char *v, ck_msgs *out); /* label keys, finalizers */
unsigned ck_is_valid_label_value(const char *v, ck_msgs *out);

/* Name rules for metadata.name; prefix is true for generateName (a trailing '-' is then
 * allowed, as upstream's maskTrailingDash). */
typedef unsigned (*ck_name_fn)(const char *name, bool prefix, ck_msgs *out);
unsigned ck_name_is_dns_subdomain(const char *name, bool prefix, ck_msgs *out);
unsigned ck_name_is_dns_label(const char *name, bool prefix, ck_msgs *out);
unsigned ck_name_is_dns1035_label(const char *name, bool prefix, ck_msgs *out);

/* ---- Object validators (JSON in, errors appended to fe) --------------------------------- */

#define CK_TOTAL_ANNOTATION_SIZE (256 * 1024)

/* labels / annotations: JSON objects of strings (or NULL). */
void ck_validate_labels(const json_t *labels, const char *path, ck_field_errors *fe);
void ck_validate_annotations(const json_t *annotations, const char *path, ck_field_errors *fe);
/* A metav1.LabelSelector (ValidateLabelSelector); NULL is valid. */
void ck_validate_label_selector(const json_t *sel, const char *path, ck_field_errors *fe);
/* ObjectMeta on create, under "metadata": name (or generateName) per name_fn (NULL means
 * DNS subdomain), namespace required or forbidden, generation, labels, annotations,
 * ownerReferences, finalizers. Expects generateName to have been expanded into name. */
void ck_validate_object_meta(const json_t *meta, bool namespaced, ck_name_fn name_fn,
                             ck_field_errors *fe);
/* ObjectMeta on update: name, namespace, uid, creationTimestamp, deletionTimestamp and
 * deletionGracePeriodSeconds immutable ("field is immutable"), resourceVersion required
 * (fill it in before validating an unconditional update), generation not decremented,
 * no new finalizers while deleting, labels/annotations/ownerReferences valid. */
void ck_validate_object_meta_update(const json_t *new_meta, const json_t *old_meta,
                                    ck_field_errors *fe);
/* Built-in kinds only (core's extra rule): finalizers without a '/' must be "kubernetes",
 * "orphan" or "foregroundDeletion"; reported as metadata.finalizers[i]. */
void ck_validate_kube_finalizers(const json_t *meta, ck_field_errors *fe);

#endif
