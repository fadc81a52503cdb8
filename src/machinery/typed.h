/* Schema-typed operations of server-side apply over JSON objects (upstream
 * structured-merge-diff's typed package): the field set of a value, the comparison of two
 * values, the merge of an applied configuration, and the removal of fields, all following
 * the schema table: list-map keys (or the patch merge key when no list type is given),
 * sets, atomic lists and maps, untyped values. A NULL definition types the whole object
 * as free-form (granular maps, atomic lists). Functions that can fail return -1 (or NULL)
 * with a message in *msg that the caller frees. */
#ifndef CK_TYPED_H
#define CK_TYPED_H

#include <jansson.h>

#include "machinery/fieldset.h"
#include "machinery/schema.h"

/* The field set of v (upstream ToFieldSet); *out is NULL when empty. Fields a struct
 * does not declare are an error, as upstream's typed conversion of an applied object. */
int ck_typed_fieldset(const json_t *v, const ck_def *def, ck_fieldset **out, char **msg);

/* What changed from lhs to rhs: leaves added, modified or removed, and non-leaf nodes
 * that appeared or disappeared. */
typedef struct ck_comparison {
    ck_fieldset *added, *modified, *removed;
} ck_comparison;
int ck_typed_compare(const json_t *lhs, const json_t *rhs, const ck_def *def, ck_comparison *out,
                     char **msg);
void ck_comparison_clear(ck_comparison *c);

/* lhs with rhs merged in (new reference): maps merged key by key, list-maps by key and
 * sets by value keeping upstream's order, atomic values and scalars replaced. */
json_t *ck_typed_merge(const json_t *lhs, const json_t *rhs, const ck_def *def, char **msg);

/* Removes from v, in place, the fields `last` has and `keep` does not (upstream's prune
 * of fields an applier stopped applying). Named struct fields count as owned when
 * anything below them is. Containers left empty are dropped. */
void ck_typed_prune(json_t *v, const ck_fieldset *last, const ck_fieldset *keep, const ck_def *def);

/* The empty object of a kind as upstream's converter renders a new Go object: the
 * non-pointer structs (metadata, spec, status, required and known value structs) present,
 * required lists and maps null. New reference. */
json_t *ck_typed_zero(const ck_def *def);

#endif
