/* controllerrevisions (apps/v1): ValidateControllerRevision (data is mandatory and
 * immutable, revision not negative) and the controller revision printer. */
#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/workload.h"

static void validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *data = json_object_get(obj, "data");
    if (!data || json_is_null(data)) ck_ferr_required(fe, "data", "data is mandatory");
    ck_validate_nonnegative(json_object_get(obj, "revision"), "revision", fe);
}

static void validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    ck_validate_immutable(json_object_get(obj, "data"), json_object_get(old, "data"), "data", fe);
}

static const ck_column columns[] = {
    CK_COL_NAME,
    {"Controller", "string", "", "Controller of the object", 0},
    {"Revision", "string", "", "Revision indicates the revision of the state represented by Data.",
     0},
    CK_COL_AGE,
};

/* "<kind>.<group>/<name>" of the controlling owner (lower case), or "<none>". */
static char *controller_of(const json_t *obj)
{
    size_t i;
    json_t *ref;
    json_array_foreach(ck_obj_get(obj, "metadata.ownerReferences"), i, ref)
    {
        if (!json_is_true(json_object_get(ref, "controller"))) continue;
        const char *av = ck_obj_str(ref, "apiVersion"), *kind = ck_obj_str(ref, "kind");
        const char *name = ck_obj_str(ref, "name");
        const char *slash = av ? strchr(av, '/') : NULL;
        char *out = slash ? xasprintf("%s.%.*s/%s", kind ? kind : "", (int)(slash - av), av,
                                      name ? name : "")
                          : xasprintf("%s/%s", kind ? kind : "", name ? name : "");
        if (!kind || !*kind) {
            free(out);
            return xstrdup(name ? name : "");
        }
        for (char *p = out; *p && *p != '/'; p++)
            if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
        return out;
    }
    return xstrdup("<none>");
}

static void table_row(const json_t *obj, json_t *cells)
{
    ck_cell_name(obj, cells);
    ck_cell_take(cells, controller_of(obj));
    ck_cell_int(cells, ck_obj_int(obj, "revision", 0));
    ck_cell_age(obj, cells);
}

const ck_rtype_def ck_reg_controllerrevision = {
    .group = "apps",
    .version = "v1",
    .plural = "controllerrevisions",
    .validate = validate,
    .validate_update = validate_update,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = table_row,
};
