/* The three patch engines kubectl uses. Each takes the current object and a patch
 * document and returns a new object (caller owns), leaving the inputs untouched. On a bad
 * patch they return -1 with a ck_err (code 422 or 400 as upstream does, message upstream-like). */
#ifndef CK_PATCH_H
#define CK_PATCH_H

#include <jansson.h>

#include "lib/err.h"
#include "machinery/schema.h"

/* RFC 6902 JSON Patch: `patch` must be an array of operations. A failed "test" op is a
 * 422 Invalid ("the server rejected our request due to an error in our request"-style). */
int ck_json_patch(const json_t *doc, const json_t *patch, json_t **out, ck_err **err);

/* RFC 7386 JSON Merge Patch. */
int ck_merge_patch(const json_t *doc, const json_t *patch, json_t **out, ck_err **err);

/* Kubernetes strategic merge patch against definition `def` (NULL: behaves like merge
 * patch for unknown types). Honours patchStrategy/patchMergeKey from the schema and the
 * directives $patch (replace/merge/delete), $setElementOrder/<field>, $retainKeys,
 * $deleteFromPrimitiveList/<field>. */
int ck_strategic_merge_patch(const json_t *doc, const json_t *patch, const ck_def *def,
                             json_t **out, ck_err **err);

#endif
