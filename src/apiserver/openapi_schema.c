/* Schema table definitions as OpenAPI schemas, in upstream's shapes: objects with
 * properties and required, arrays with items, maps with additionalProperties, refs to
 * other definitions, the x-kubernetes-* list/map/patch extensions, IntOrString and Quantity
 * as oneOf in v3 (so that explain prints <IntOrString> and <Quantity>), and
 * x-kubernetes-group-version-kind on the kinds. No descriptions: we do not ship them. */
#include <stdio.h>
#include <string.h>

#include "apiserver/openapi.h"
#include "lib/util.h"

#define INT_OR_STRING "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
#define QUANTITY "io.k8s.apimachinery.pkg.api.resource.Quantity"
#define META "io.k8s.apimachinery.pkg.apis.meta.v1."

static const char *type_name(uint8_t t)
{
    switch (t) {
    case CK_T_OBJECT:
    case CK_T_MAP:
        return "object";
    case CK_T_ARRAY:
        return "array";
    case CK_T_STRING:
        return "string";
    case CK_T_INTEGER:
        return "integer";
    case CK_T_NUMBER:
        return "number";
    case CK_T_BOOLEAN:
        return "boolean";
    default:
        return NULL;
    }
}

json_t *ck_oa_ref(const ck_oa_ctx *c, int idx)
{
    const ck_def *d = ck_schema_def(idx);
    char *ref =
        xasprintf("%s%s", c->v3 ? "#/components/schemas/" : "#/definitions/", d ? d->name : "");
    json_t *o = json_pack("{s:s}", "$ref", ref);
    free(ref);
    return o;
}

/* A scalar (or untyped) schema. */
static json_t *scalar(uint8_t type, const char *format)
{
    json_t *o = json_object();
    const char *t = type_name(type);
    if (t) json_object_set_new(o, "type", json_string(t));
    if (format) json_object_set_new(o, "format", json_string(format));
    return o;
}

/* Items of an array or values of a map. */
static json_t *elem_schema(const ck_oa_ctx *c, const ck_field *f)
{
    if (f->ref >= 0) return ck_oa_ref(c, f->ref);
    return scalar(f->elem_type, NULL);
}

/* Splits a comma-separated list into a JSON array of strings. */
static json_t *csv_array(const char *csv)
{
    json_t *a = json_array();
    for (const char *p = csv; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n) json_array_append_new(a, json_stringn(p, n));
        p = comma ? comma + 1 : p + n;
    }
    return a;
}

static json_t *field_schema(const ck_oa_ctx *c, const ck_field *f)
{
    json_t *s;
    bool is_ref = false;
    if (f->type == CK_T_ARRAY) {
        s = json_pack("{s:s, s:o}", "type", "array", "items", elem_schema(c, f));
    } else if (f->type == CK_T_MAP) {
        s = json_pack("{s:s, s:o}", "type", "object", "additionalProperties", elem_schema(c, f));
    } else if (f->ref >= 0) {
        s = ck_oa_ref(c, f->ref);
        is_ref = true;
    } else {
        s = scalar(f->type, f->format);
    }
    json_t *ext = json_object();
    if (f->patch_strategy)
        json_object_set_new(ext, "x-kubernetes-patch-strategy", json_string(f->patch_strategy));
    if (f->merge_key)
        json_object_set_new(ext, "x-kubernetes-patch-merge-key", json_string(f->merge_key));
    if (f->list_type) json_object_set_new(ext, "x-kubernetes-list-type", json_string(f->list_type));
    if (f->list_map_keys)
        json_object_set_new(ext, "x-kubernetes-list-map-keys", csv_array(f->list_map_keys));
    if (f->map_type) json_object_set_new(ext, "x-kubernetes-map-type", json_string(f->map_type));
    if (json_object_size(ext) && is_ref && c->v3) {
        /* OpenAPI 3.0 ignores siblings of $ref: wrap it as upstream does. */
        s = json_pack("{s:[o]}", "allOf", s);
    }
    json_object_update(s, ext);
    json_decref(ext);
    return s;
}

/* Adds {"group","kind","version"} to the array a. */
static void add_gvk(json_t *a, const char *group, const char *version, const char *kind)
{
    json_array_append_new(
        a, json_pack("{s:s, s:s, s:s}", "group", group, "kind", kind, "version", version));
}

/* Main (non-subresource) resource entry whose kind is definition idx. */
static const ck_resource *kind_resource(int idx)
{
    for (unsigned i = 0; i < ck_schema_nresources; i++) {
        const ck_resource *r = &ck_schema_resources[i];
        if (r->def == idx && !strchr(r->plural, '/')) return r;
    }
    return NULL;
}

/* Group/version of the API package holding definition name ("io.k8s.api.autoscaling.v1.X"),
 * from any resource whose kind is defined in the same package. */
static const ck_resource *package_resource(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot) return NULL;
    size_t n = (size_t)(dot - name) + 1;
    for (unsigned i = 0; i < ck_schema_nresources; i++) {
        const ck_resource *r = &ck_schema_resources[i];
        const ck_def *d = ck_schema_def(r->def);
        if (d && !strchr(r->plural, '/') && strncmp(d->name, name, n) == 0 &&
            !strchr(d->name + n, '.'))
            return r;
    }
    return NULL;
}

bool ck_oa_def_gvk(int idx, const char **group, const char **version, char *kind, size_t kn)
{
    const ck_def *d = ck_schema_def(idx);
    if (!d) return false;
    const ck_resource *r = kind_resource(idx);
    if (r) {
        *group = r->group;
        *version = r->version;
        snprintf(kind, kn, "%s", r->kind);
        return true;
    }
    if (has_suffix(d->name, "List")) {
        char *item = xstrndup(d->name, strlen(d->name) - 4);
        r = kind_resource(ck_schema_def_index(item));
        free(item);
        if (r) {
            *group = r->group;
            *version = r->version;
            snprintf(kind, kn, "%sList", r->kind);
            return true;
        }
    }
    /* Subresource kinds (Scale, Eviction, Binding) live in their own package's group. */
    for (unsigned i = 0; i < ck_schema_nresources; i++) {
        if (ck_schema_resources[i].def != idx) continue;
        const ck_resource *pkg = package_resource(d->name);
        if (!pkg) break;
        *group = pkg->group;
        *version = pkg->version;
        snprintf(kind, kn, "%s", ck_schema_resources[i].kind);
        return true;
    }
    static const char *const core_meta[] = {"Status", "APIResourceList", "APIGroup", "APIGroupList",
                                            "APIVersions"};
    for (size_t i = 0; i < ARRAY_SIZE(core_meta); i++) {
        if (has_prefix(d->name, META) && streq(d->name + strlen(META), core_meta[i])) {
            *group = "";
            *version = "v1";
            snprintf(kind, kn, "%s", core_meta[i]);
            return true;
        }
    }
    return false;
}

/* x-kubernetes-group-version-kind of definition idx, or NULL. DeleteOptions and WatchEvent
 * are registered in every group/version. */
static json_t *gvk_ext(const ck_oa_ctx *c, int idx)
{
    const ck_def *d = ck_schema_def(idx);
    json_t *a = json_array();
    if (streq(d->name, META "DeleteOptions") || streq(d->name, META "WatchEvent")) {
        const char *kind = d->name + strlen(META);
        for (size_t i = 0; i < c->ngvs; i++)
            add_gvk(a, c->gvs[i].group, c->gvs[i].version, kind);
    } else {
        const char *g, *v;
        char kind[128];
        if (ck_oa_def_gvk(idx, &g, &v, kind, sizeof kind)) add_gvk(a, g, v, kind);
    }
    if (json_array_size(a)) return a;
    json_decref(a);
    return NULL;
}

json_t *ck_oa_def_schema(const ck_oa_ctx *c, int idx)
{
    const ck_def *d = ck_schema_def(idx);
    json_t *s;
    if (streq(d->name, INT_OR_STRING)) {
        s = c->v3 ? json_pack("{s:s, s:[{s:s}, {s:s}]}", "format", "int-or-string", "oneOf", "type",
                              "integer", "type", "string")
                  : json_pack("{s:s, s:s}", "type", "string", "format", "int-or-string");
    } else if (streq(d->name, QUANTITY)) {
        s = c->v3 ? json_pack("{s:[{s:s}, {s:s}]}", "oneOf", "type", "string", "type", "number")
                  : json_pack("{s:s}", "type", "string");
    } else if (d->type == CK_T_OBJECT) {
        json_t *props = json_object(), *req = json_array();
        for (unsigned i = 0; i < d->nfields; i++) {
            const ck_field *f = &d->fields[i];
            json_object_set_new(props, f->name, field_schema(c, f));
            if (f->required) json_array_append_new(req, json_string(f->name));
        }
        s = json_pack("{s:s}", "type", "object");
        if (json_object_size(props)) json_object_set(s, "properties", props);
        if (json_array_size(req)) json_object_set(s, "required", req);
        json_decref(props);
        json_decref(req);
    } else if (d->type == CK_T_ANY) {
        /* FieldsV1, RawExtension, Patch: free-form objects upstream. */
        s = json_pack("{s:s}", "type", "object");
    } else {
        s = scalar(d->type, d->format);
    }
    if (d->map_type) json_object_set_new(s, "x-kubernetes-map-type", json_string(d->map_type));
    json_t *gvk = gvk_ext(c, idx);
    if (gvk) json_object_set_new(s, "x-kubernetes-group-version-kind", gvk);
    return s;
}

void ck_oa_mark(uint8_t *used, int idx)
{
    const ck_def *d = ck_schema_def(idx);
    if (!d || used[idx]) return;
    used[idx] = 1;
    for (unsigned i = 0; i < d->nfields; i++)
        if (d->fields[i].ref >= 0) ck_oa_mark(used, d->fields[i].ref);
}
