/* Internals of the OpenAPI endpoints, shared by openapi.c (routing, caching, hashing),
 * openapi_schema.c (schema table definition -> OpenAPI schema) and openapi_paths.c (REST
 * paths of the served resources). Both flavours come from the same code: v3 documents
 * (one per group/version, refs under #/components/schemas/) and the v2 document (all
 * group/versions, refs under #/definitions/). */
#ifndef CK_OPENAPI_H
#define CK_OPENAPI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/registry.h"

/* A served group/version ("" for core). Strings are borrowed from the registry. */
typedef struct ck_oa_gv {
    const char *group, *version;
} ck_oa_gv;

/* What a document is built for: the flavour and the served group/versions (DeleteOptions
 * and WatchEvent carry one x-kubernetes-group-version-kind per served group/version). */
typedef struct ck_oa_ctx {
    bool v3;
    const ck_oa_gv *gvs;
    size_t ngvs;
} ck_oa_ctx;

/* ---- openapi_schema.c ---- */

/* {"$ref": "#/components/schemas/<name>"} (v3) or "#/definitions/<name>" (v2) for
 * definition idx. New reference. */
json_t *ck_oa_ref(const ck_oa_ctx *c, int idx);
/* The schema of definition idx (properties, required, list/map/patch extensions and
 * x-kubernetes-group-version-kind). New reference. */
json_t *ck_oa_def_schema(const ck_oa_ctx *c, int idx);
/* Marks idx and every definition reachable from it through field refs in used[]
 * (ck_schema_ndefs bytes). */
void ck_oa_mark(uint8_t *used, int idx);
/* The group/version/kind the scheme registers definition idx under (kinds of resources,
 * subresource kinds such as autoscaling/v1 Scale, "<Kind>List"). Writes the kind into
 * kind[kn]; *group and *version point to static strings. False if it has none. */
bool ck_oa_def_gvk(int idx, const char **group, const char **version, char *kind, size_t kn);

/* ---- openapi_paths.c ---- */

/* Adds to paths the operations of every served resource of group/version (collection,
 * item, all-namespaces list, served subresources, and the resource list at the version
 * root), and marks in used[] the definitions they refer to. */
void ck_oa_add_paths(const ck_oa_ctx *c, json_t *paths, const char *group, const char *version,
                     uint8_t *used);

#endif
