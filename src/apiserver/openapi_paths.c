/* The REST paths of the served resources as OpenAPI operations, in upstream's shape: one
 * path item per collection, item, all-namespaces list and served subresource, each
 * operation with its query parameters (the ones clients look for, such as fieldValidation on
 * PATCH), request body, responses, x-kubernetes-action and x-kubernetes-group-version-kind.
 * Watch is served through list?watch=true; the deprecated /watch/ paths are not listed. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "apiserver/openapi.h"
#include "lib/util.h"

#define META "io.k8s.apimachinery.pkg.apis.meta.v1."

typedef enum { BODY_NONE, BODY_OBJECT, BODY_PATCH, BODY_DELETE } body_kind;
typedef enum { RESP_OBJECT, RESP_LIST, RESP_STATUS } resp_kind;

/* One operation kind: HTTP method, x-kubernetes-action, operationId verb, query parameters,
 * body and response. */
typedef struct op_spec {
    const char *method, *action, *verb;
    const char *const *params;
    body_kind body;
    resp_kind resp;
    const char *codes; /* comma-separated success codes */
    bool collection;   /* deletecollection: "deleteAppsV1CollectionNamespacedDeployment" */
} op_spec;

static const char *const LIST_PARAMS[] = {"allowWatchBookmarks",
                                          "continue",
                                          "fieldSelector",
                                          "labelSelector",
                                          "limit",
                                          "resourceVersion",
                                          "resourceVersionMatch",
                                          "sendInitialEvents",
                                          "timeoutSeconds",
                                          "watch",
                                          NULL};
static const char *const WRITE_PARAMS[] = {"dryRun", "fieldManager", "fieldValidation", NULL};
static const char *const PATCH_PARAMS[] = {"dryRun", "fieldManager", "fieldValidation", "force",
                                           NULL};
static const char *const DELETE_PARAMS[] = {
    "dryRun",           "gracePeriodSeconds", "ignoreStoreReadErrorWithClusterBreakingPotential",
    "orphanDependents", "propagationPolicy",  NULL};
static const char *const DELETECOLL_PARAMS[] = {"continue",
                                                "dryRun",
                                                "fieldSelector",
                                                "gracePeriodSeconds",
                                                "ignoreStoreReadErrorWithClusterBreakingPotential",
                                                "labelSelector",
                                                "limit",
                                                "orphanDependents",
                                                "propagationPolicy",
                                                "resourceVersion",
                                                "resourceVersionMatch",
                                                "sendInitialEvents",
                                                "timeoutSeconds",
                                                NULL};

static const op_spec OP_LIST = {.method = "get",
                                .action = "list",
                                .verb = "list",
                                .params = LIST_PARAMS,
                                .resp = RESP_LIST,
                                .codes = "200"};
static const op_spec OP_CREATE = {.method = "post",
                                  .action = "post",
                                  .verb = "create",
                                  .params = WRITE_PARAMS,
                                  .body = BODY_OBJECT,
                                  .codes = "200,201,202"};
static const op_spec OP_DELETECOLL = {.method = "delete",
                                      .action = "deletecollection",
                                      .verb = "delete",
                                      .params = DELETECOLL_PARAMS,
                                      .body = BODY_DELETE,
                                      .resp = RESP_STATUS,
                                      .codes = "200",
                                      .collection = true};
static const op_spec OP_READ = {.method = "get", .action = "get", .verb = "read", .codes = "200"};
static const op_spec OP_REPLACE = {.method = "put",
                                   .action = "put",
                                   .verb = "replace",
                                   .params = WRITE_PARAMS,
                                   .body = BODY_OBJECT,
                                   .codes = "200,201"};
static const op_spec OP_PATCH = {.method = "patch",
                                 .action = "patch",
                                 .verb = "patch",
                                 .params = PATCH_PARAMS,
                                 .body = BODY_PATCH,
                                 .codes = "200,201"};
static const op_spec OP_DELETE = {.method = "delete",
                                  .action = "delete",
                                  .verb = "delete",
                                  .params = DELETE_PARAMS,
                                  .body = BODY_DELETE,
                                  .resp = RESP_STATUS,
                                  .codes = "200,202"};

static const char *const PATCH_TYPES[] = {
    "application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json",
    "application/strategic-merge-patch+json", NULL};
static const char *const ANY_TYPE[] = {"*/*", NULL};
static const char *const OBJECT_TYPES[] = {"application/json", "application/yaml", NULL};
static const char *const LIST_TYPES[] = {"application/json", "application/yaml",
                                         "application/json;stream=watch", NULL};

/* What the operations of one path family share. */
typedef struct family {
    const ck_oa_ctx *c;
    char opgv[96]; /* "AppsV1", "CoreV1", "RbacAuthorizationV1" */
    char tag[96];  /* "apps_v1", "core_v1", "rbacAuthorization_v1" */
    int obj_def, list_def, status_def, patch_def, delete_def;
    const char *gvk_group, *gvk_version;
    char gvk_kind[128];
} family;

static const char *param_type(const char *name)
{
    static const char *const ints[] = {"gracePeriodSeconds", "limit", "timeoutSeconds"};
    static const char *const bools[] = {"allowWatchBookmarks",
                                        "force",
                                        "ignoreStoreReadErrorWithClusterBreakingPotential",
                                        "orphanDependents",
                                        "sendInitialEvents",
                                        "watch"};
    for (size_t i = 0; i < ARRAY_SIZE(ints); i++)
        if (streq(name, ints[i])) return "integer";
    for (size_t i = 0; i < ARRAY_SIZE(bools); i++)
        if (streq(name, bools[i])) return "boolean";
    return "string";
}

static json_t *param(const ck_oa_ctx *c, const char *name, const char *in)
{
    json_t *p = json_pack("{s:s, s:s}", "name", name, "in", in);
    if (c->v3)
        json_object_set_new(p, "schema",
                            json_pack("{s:s, s:b}", "type", param_type(name), "uniqueItems", true));
    else
        json_object_update_new(
            p, json_pack("{s:s, s:b}", "type", param_type(name), "uniqueItems", true));
    if (streq(in, "path")) json_object_set_new(p, "required", json_true());
    return p;
}

static json_t *str_array(const char *const *v)
{
    json_t *a = json_array();
    for (; *v; v++)
        json_array_append_new(a, json_string(*v));
    return a;
}

/* v3 media-type map: {"<type>": {"schema": {"$ref": ...}}, ...}. */
static json_t *content(const ck_oa_ctx *c, int def, const char *const *types)
{
    json_t *o = json_object();
    for (; *types; types++)
        json_object_set_new(o, *types, json_pack("{s:o}", "schema", ck_oa_ref(c, def)));
    return o;
}

static json_t *responses(const family *f, const op_spec *o, int def)
{
    const ck_oa_ctx *c = f->c;
    json_t *r = json_object();
    for (const char *p = o->codes; *p;) {
        char code[4] = {0};
        memcpy(code, p, 3);
        const char *desc = streq(code, "201") ? "Created" : streq(code, "202") ? "Accepted" : "OK";
        json_t *resp = json_pack("{s:s}", "description", desc);
        if (c->v3)
            json_object_set_new(resp, "content",
                                content(c, def, o->resp == RESP_LIST ? LIST_TYPES : OBJECT_TYPES));
        else
            json_object_set_new(resp, "schema", ck_oa_ref(c, def));
        json_object_set_new(r, code, resp);
        p += 3;
        if (*p == ',') p++;
    }
    json_object_set_new(r, "401", json_pack("{s:s}", "description", "Unauthorized"));
    return r;
}

/* Adds one operation to the path item for path (created with its path-level parameters). */
static void add_op(const family *f, json_t *paths, const char *path, const op_spec *o,
                   const char *id_suffix)
{
    const ck_oa_ctx *c = f->c;
    json_t *item = json_object_get(paths, path);
    if (!item) {
        item = json_object();
        json_t *params = json_array();
        if (strstr(path, "{name}")) json_array_append_new(params, param(c, "name", "path"));
        if (strstr(path, "{namespace}"))
            json_array_append_new(params, param(c, "namespace", "path"));
        json_array_append_new(params, param(c, "pretty", "query"));
        json_object_set_new(item, "parameters", params);
        json_object_set_new(paths, path, item);
    }
    char *id =
        xasprintf("%s%s%s%s", o->verb, f->opgv, o->collection ? "Collection" : "", id_suffix);
    json_t *op = json_pack("{s:[s], s:s}", "tags", f->tag, "operationId", id);
    free(id);
    json_t *params = json_array();
    for (const char *const *p = o->params; p && *p; p++)
        json_array_append_new(params, param(c, *p, "query"));
    int body = o->body == BODY_OBJECT  ? f->obj_def
               : o->body == BODY_PATCH ? f->patch_def
                                       : f->delete_def;
    const char *const *consumes = o->body == BODY_PATCH ? PATCH_TYPES : ANY_TYPE;
    if (o->body != BODY_NONE) {
        bool required = o->body != BODY_DELETE;
        if (c->v3) {
            json_t *rb = json_pack("{s:o}", "content", content(c, body, consumes));
            if (required) json_object_set_new(rb, "required", json_true());
            json_object_set_new(op, "requestBody", rb);
        } else {
            json_t *bp = json_pack("{s:s, s:s, s:o}", "name", "body", "in", "body", "schema",
                                   ck_oa_ref(c, body));
            if (required) json_object_set_new(bp, "required", json_true());
            json_array_insert_new(params, 0, bp);
        }
    }
    if (json_array_size(params))
        json_object_set_new(op, "parameters", params);
    else
        json_decref(params);
    if (!c->v3) {
        json_object_set_new(op, "consumes", str_array(consumes));
        json_object_set_new(op, "produces",
                            str_array(o->resp == RESP_LIST ? LIST_TYPES : OBJECT_TYPES));
    }
    int resp = o->resp == RESP_LIST     ? f->list_def
               : o->resp == RESP_STATUS ? f->status_def
                                        : f->obj_def;
    json_object_set_new(op, "responses", responses(f, o, resp));
    json_object_set_new(op, "x-kubernetes-action", json_string(o->action));
    json_object_set_new(op, "x-kubernetes-group-version-kind",
                        json_pack("{s:s, s:s, s:s}", "group", f->gvk_group, "kind", f->gvk_kind,
                                  "version", f->gvk_version));
    json_object_set_new(item, o->method, op);
}

/* operationId and tag spellings of a group/version: "rbac.authorization.k8s.io", "v1" ->
 * "RbacAuthorizationV1" and "rbacAuthorization_v1"; the core group is "core". */
static void gv_names(const char *group, const char *version, family *f)
{
    char g[80];
    snprintf(g, sizeof g, "%s", *group ? group : "core");
    char *suffix = strstr(g, ".k8s.io");
    if (suffix && suffix[7] == '\0') *suffix = '\0';
    size_t o = 0, t = 0;
    bool up = true, first = true;
    for (const char *p = g; *p && o + 1 < sizeof f->opgv && t + 1 < sizeof f->tag; p++) {
        if (*p == '.') {
            up = true;
            first = false;
            continue;
        }
        f->opgv[o++] = up ? (char)toupper((unsigned char)*p) : *p;
        f->tag[t++] = up && !first ? (char)toupper((unsigned char)*p) : *p;
        up = false;
    }
    f->opgv[o] = '\0';
    f->tag[t] = '\0';
    size_t n = strlen(f->opgv);
    snprintf(f->opgv + n, sizeof f->opgv - n, "%c%s", toupper((unsigned char)version[0]),
             version + 1);
    n = strlen(f->tag);
    snprintf(f->tag + n, sizeof f->tag - n, "_%s", version);
}

static int list_def_of(int def)
{
    const ck_def *d = ck_schema_def(def);
    if (!d) return -1;
    char *name = xasprintf("%sList", d->name);
    int idx = ck_schema_def_index(name);
    free(name);
    return idx;
}

/* Subresources with handlers (as discovery lists them). */
static bool served_sub(const char *sub)
{
    return streq(sub, "status") || streq(sub, "scale") || streq(sub, "approval") ||
           streq(sub, "finalize");
}

static void sub_paths(family *f, json_t *paths, const ck_rtype *rt, const char *item,
                      const char *suffix, uint8_t *used)
{
    size_t n = strlen(rt->def->plural);
    for (unsigned i = 0; i < ck_schema_nresources; i++) {
        const ck_resource *sr = &ck_schema_resources[i];
        if (!streq(sr->group, rt->def->group) || !streq(sr->version, rt->def->version)) continue;
        if (strncmp(sr->plural, rt->def->plural, n) != 0 || sr->plural[n] != '/') continue;
        const char *sub = sr->plural + n + 1;
        if (!served_sub(sub) || !ck_csv_has(rt->res->subresources, sub) || sr->def < 0) continue;
        family sf = *f;
        sf.obj_def = sr->def;
        if (!ck_oa_def_gvk(sr->def, &sf.gvk_group, &sf.gvk_version, sf.gvk_kind,
                           sizeof sf.gvk_kind)) {
            sf.gvk_group = rt->def->group;
            sf.gvk_version = rt->def->version;
            snprintf(sf.gvk_kind, sizeof sf.gvk_kind, "%s", sr->kind);
        }
        ck_oa_mark(used, sr->def);
        char *path = xasprintf("%s/%s", item, sub);
        char *id = xasprintf("%s%c%s", suffix, toupper((unsigned char)sub[0]), sub + 1);
        if (ck_csv_has(sr->verbs, "get")) add_op(&sf, paths, path, &OP_READ, id);
        if (ck_csv_has(sr->verbs, "update")) add_op(&sf, paths, path, &OP_REPLACE, id);
        if (ck_csv_has(sr->verbs, "patch")) add_op(&sf, paths, path, &OP_PATCH, id);
        free(id);
        free(path);
    }
}

static void resource_paths(family *f, json_t *paths, const ck_rtype *rt, uint8_t *used)
{
    const ck_resource *res = rt->res;
    const char *g = rt->def->group, *v = rt->def->version;
    char *prefix = *g ? xasprintf("/apis/%s/%s", g, v) : xasprintf("/api/%s", v);
    char *coll = res->namespaced
                     ? xasprintf("%s/namespaces/{namespace}/%s", prefix, rt->def->plural)
                     : xasprintf("%s/%s", prefix, rt->def->plural);
    char *item = xasprintf("%s/{name}", coll);
    char *suffix = xasprintf("%s%s", res->namespaced ? "Namespaced" : "", res->kind);
    f->obj_def = res->def;
    f->list_def = list_def_of(res->def);
    f->gvk_group = g;
    f->gvk_version = v;
    snprintf(f->gvk_kind, sizeof f->gvk_kind, "%s", res->kind);
    ck_oa_mark(used, f->obj_def);
    ck_oa_mark(used, f->list_def);

    const char *verbs = res->verbs;
    if (ck_csv_has(verbs, "list") && f->list_def >= 0) {
        add_op(f, paths, coll, &OP_LIST, suffix);
        if (res->namespaced) {
            char *all = xasprintf("%s/%s", prefix, rt->def->plural);
            char *id = xasprintf("%sForAllNamespaces", res->kind);
            add_op(f, paths, all, &OP_LIST, id);
            free(id);
            free(all);
        }
    }
    if (ck_csv_has(verbs, "create")) add_op(f, paths, coll, &OP_CREATE, suffix);
    if (ck_csv_has(verbs, "deletecollection")) add_op(f, paths, coll, &OP_DELETECOLL, suffix);
    if (ck_csv_has(verbs, "get")) add_op(f, paths, item, &OP_READ, suffix);
    if (ck_csv_has(verbs, "update")) add_op(f, paths, item, &OP_REPLACE, suffix);
    if (ck_csv_has(verbs, "patch")) add_op(f, paths, item, &OP_PATCH, suffix);
    if (ck_csv_has(verbs, "delete")) {
        /* Pods and namespaces answer a delete with the object itself. */
        op_spec del = OP_DELETE;
        if (rt->def->return_deleted) del.resp = RESP_OBJECT;
        add_op(f, paths, item, &del, suffix);
    }
    sub_paths(f, paths, rt, item, suffix, used);
    free(suffix);
    free(item);
    free(coll);
    free(prefix);
}

void ck_oa_add_paths(const ck_oa_ctx *c, json_t *paths, const char *group, const char *version,
                     uint8_t *used)
{
    family f = {.c = c};
    gv_names(group, version, &f);
    f.status_def = ck_schema_def_index(META "Status");
    f.patch_def = ck_schema_def_index(META "Patch");
    f.delete_def = ck_schema_def_index(META "DeleteOptions");
    int resources_def = ck_schema_def_index(META "APIResourceList");
    ck_oa_mark(used, f.status_def);
    ck_oa_mark(used, f.patch_def);
    ck_oa_mark(used, f.delete_def);
    ck_oa_mark(used, resources_def);

    /* The resource list at the version root ("get available resources"). */
    char *root =
        *group ? xasprintf("/apis/%s/%s/", group, version) : xasprintf("/api/%s/", version);
    char *id = xasprintf("get%sAPIResources", f.opgv);
    json_t *resp =
        c->v3 ? json_pack("{s:s, s:o}", "description", "OK", "content",
                          content(c, resources_def, OBJECT_TYPES))
              : json_pack("{s:s, s:o}", "description", "OK", "schema", ck_oa_ref(c, resources_def));
    json_t *get = json_pack("{s:[s], s:s, s:{s:o, s:{s:s}}}", "tags", f.tag, "operationId", id,
                            "responses", "200", resp, "401", "description", "Unauthorized");
    if (!c->v3) {
        json_object_set_new(get, "consumes", str_array(OBJECT_TYPES));
        json_object_set_new(get, "produces", str_array(OBJECT_TYPES));
    }
    json_object_set_new(paths, root, json_pack("{s:o}", "get", get));
    free(id);
    free(root);

    for (unsigned i = 0; i < ck_registry_count(); i++) {
        const ck_rtype *rt = ck_registry_at(i);
        if (!streq(rt->def->group, group) || !streq(rt->def->version, version) || !rt->res ||
            rt->res->def < 0)
            continue;
        resource_paths(&f, paths, rt, used);
    }
}
