/* namespaces (/v1): upstream's namespace strategy (pkg/registry/core/namespace): the
 * kubernetes.io/metadata.name label, status Active on create, the "kubernetes" finalizer
 * in spec.finalizers, and deletion that holds the namespace (phase Terminating) until its
 * finalizers are gone. */
#include "lib/util.h"
#include "registry/corefmt.h"
#include "registry/kinds.h"

static void ns_defaults(json_t *obj)
{
    const char *name = ck_obj_str(obj, "metadata.name");
    if (name && *name)
        json_object_set_new(ck_obj_ensure(obj, "metadata.labels"), "kubernetes.io/metadata.name",
                            json_string(name));
    ck_obj_default_str(obj, "status.phase", "Active");
}

static void ns_prepare_create(json_t *obj)
{
    json_object_set_new(obj, "status", json_pack("{s:s}", "phase", "Active"));
    json_t *spec = ck_obj_ensure(obj, "spec");
    json_t *fin = json_object_get(spec, "finalizers");
    size_t i;
    json_t *f;
    json_array_foreach(fin, i, f) if (streq(json_string_value(f), "kubernetes")) return;
    if (!json_is_array(fin)) json_object_set_new(spec, "finalizers", fin = json_array());
    json_array_append_new(fin, json_string("kubernetes"));
}

/* spec.finalizers change only through the finalize subresource, as upstream. */
static void ns_prepare_update(json_t *obj, const json_t *old)
{
    json_t *fin = ck_obj_get(old, "spec.finalizers");
    json_t *spec = ck_obj_ensure(obj, "spec");
    if (fin)
        json_object_set(spec, "finalizers", fin);
    else
        json_object_del(spec, "finalizers");
}

static void ns_validate(const json_t *obj, ck_field_errors *fe)
{
    size_t i;
    json_t *f;
    json_array_foreach(ck_obj_get(obj, "spec.finalizers"), i, f)
    {
        const char *v = json_string_value(f) ? json_string_value(f) : "";
        ck_msgs m = {0};
        if (ck_is_qualified_name(v, &m)) ck_ferr_invalid_msgs(fe, "spec.finalizers", v, &m);
        if (!strchr(v, '/') && !streq(v, "kubernetes") && !streq(v, "orphan") &&
            !streq(v, "foregroundDeletion"))
            ck_ferr_invalid_str(fe, "spec.finalizers", v,
                                "name is neither a standard finalizer name nor is it fully "
                                "qualified");
    }
}

/* Deletion always moves the namespace to Terminating; it stays while spec.finalizers
 * (emptied by the namespace controller once the content is gone) is not empty. */
static bool ns_begin_delete(json_t *obj)
{
    json_object_set_new(ck_obj_ensure(obj, "status"), "phase", json_string("Terminating"));
    return json_array_size(ck_obj_get(obj, "spec.finalizers")) > 0;
}

static const ck_column ns_columns[] = {
    CK_CORE_COL_NAME,
    {"Status", "string", "", "The status of the namespace", 0},
    CK_CORE_COL_AGE,
};

static void ns_row(const json_t *obj, json_t *cells)
{
    ck_row_name(obj, cells);
    ck_row_str(cells, ck_obj_str(obj, "status.phase"));
    ck_row_age(obj, cells);
}

/* "name" is a legacy alias of metadata.name upstream still accepts. */
static const char *const ns_fields[] = {"status.phase", "name", NULL};

static char *ns_field(const json_t *obj, const char *field)
{
    const char *v = ck_obj_str(obj, streq(field, "name") ? "metadata.name" : field);
    return xstrdup(v ? v : "");
}

const ck_rtype_def ck_reg_namespace = {
    .group = "",
    .version = "v1",
    .plural = "namespaces",
    .defaults = ns_defaults,
    .prepare_create = ns_prepare_create,
    .prepare_update = ns_prepare_update,
    .validate = ns_validate,
    .begin_delete = ns_begin_delete,
    .validate_name = ck_name_is_dns_label,
    .columns = ns_columns,
    .ncolumns = ARRAY_SIZE(ns_columns),
    .table_row = ns_row,
    .fields = ns_fields,
    .field_value = ns_field,
    .return_deleted = true,
};
