/* Label and field selectors, parsed from their query-string forms (as upstream's
 * labels.Parse and fields.ParseSelector) or from a LabelSelector object. */
#ifndef CK_SELECTOR_H
#define CK_SELECTOR_H

#include <jansson.h>
#include <stdbool.h>

#include "lib/err.h"

typedef struct ck_label_selector ck_label_selector;

/* Parses "a=b,c!=d,e in (x,y),f notin (z),g,!h". The empty string selects everything.
 * Errors are 400 BadRequest with upstream-like messages. */
int ck_label_selector_parse(const char *s, ck_label_selector **out, ck_err **err);
/* From a metav1.LabelSelector JSON object ({matchLabels, matchExpressions}). A NULL or
 * empty object selects everything (as used by Deployments etc.). */
int ck_label_selector_from_json(const json_t *ls, ck_label_selector **out, ck_err **err);
/* `labels` is a JSON object of string values, or NULL (no labels). */
bool ck_label_selector_matches(const ck_label_selector *sel, const json_t *labels);
bool ck_label_selector_empty(const ck_label_selector *sel);
void ck_label_selector_free(ck_label_selector *sel);

typedef struct ck_field_selector ck_field_selector;

/* Parses "metadata.name=x,spec.nodeName!=y" (=, ==, !=; backslash escapes as upstream). */
int ck_field_selector_parse(const char *s, ck_field_selector **out, ck_err **err);
/* Number of requirements and their parts, for validating field names against a kind. */
unsigned ck_field_selector_count(const ck_field_selector *sel);
const char *ck_field_selector_field(const ck_field_selector *sel, unsigned i);
/* Callback returns the value of a field for an object, or NULL if the field is unset. */
typedef const char *(*ck_field_getter)(const char *field, void *ctx);
bool ck_field_selector_matches(const ck_field_selector *sel, ck_field_getter get, void *ctx);
void ck_field_selector_free(ck_field_selector *sel);

#endif
