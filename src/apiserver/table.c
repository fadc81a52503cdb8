/* Table output (meta.k8s.io/v1 Table) for kubectl get: the kind's columns from its
 * strategy, or upstream's default (Name, Created At) for kinds without printers. */
#include "apiserver/api.h"
#include "lib/util.h"
#include "registry/workload.h"

static const ck_column default_columns[] = {
    {"Name", "string", "name", "Name must be unique within a namespace.", 0},
    {"Created At", "date", "",
     "CreationTimestamp is a timestamp representing the server time "
     "when this object was created.",
     0},
};

static void default_row(const json_t *obj, json_t *cells)
{
    const char *name = ck_obj_str(obj, "metadata.name");
    const char *ts = ck_obj_str(obj, "metadata.creationTimestamp");
    json_array_append_new(cells, json_string(name ? name : ""));
    json_array_append_new(cells, ts ? json_string(ts) : json_null());
}

static json_t *partial_metadata(const json_t *obj)
{
    json_t *md = json_deep_copy(json_object_get(obj, "metadata"));
    if (!md) md = json_object();
    json_object_del(md, "managedFields");
    return json_pack("{s:s, s:s, s:o}", "kind", "PartialObjectMetadata", "apiVersion",
                     "meta.k8s.io/v1", "metadata", md);
}

/* Kinds declare "Age" as a date column holding the creationTimestamp. */
static bool is_age(const ck_column *c)
{
    return streq(c->name, "Age") && streq(c->type, "date");
}

json_t *ck_table_for(ck_rtype *rt, json_t *const *objs, size_t n, bool include_object)
{
    const ck_column *cols = rt->def->columns ? rt->def->columns : default_columns;
    unsigned ncols = rt->def->columns ? rt->def->ncolumns : ARRAY_SIZE(default_columns);
    void (*row)(const json_t *, json_t *) = rt->def->columns ? rt->def->table_row : default_row;
    json_t *defs = json_array();
    for (unsigned i = 0; i < ncols; i++)
        json_array_append_new(defs,
                              json_pack("{s:s, s:s, s:s, s:s, s:i}", "name", cols[i].name, "type",
                                        is_age(&cols[i]) ? "string" : cols[i].type, "format",
                                        cols[i].format ? cols[i].format : "", "description",
                                        cols[i].description ? cols[i].description : "", "priority",
                                        cols[i].priority));
    json_t *rows = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *cells = json_array();
        row(objs[i], cells);
        /* Age cells are computed when answering, as upstream's printers do. */
        for (unsigned c = 0; c < ncols && c < json_array_size(cells); c++) {
            const char *ts = json_string_value(json_array_get(cells, c));
            if (is_age(&cols[c]) && ts) {
                char *age = ck_since(ts);
                json_array_set_new(cells, c, json_string(age));
                free(age);
            }
        }
        json_t *o = include_object ? json_deep_copy(objs[i]) : partial_metadata(objs[i]);
        json_array_append_new(rows, json_pack("{s:o, s:o}", "cells", cells, "object", o));
    }
    return json_pack("{s:s, s:s, s:{}, s:o, s:o}", "kind", "Table", "apiVersion", "meta.k8s.io/v1",
                     "metadata", "columnDefinitions", defs, "rows", rows);
}
