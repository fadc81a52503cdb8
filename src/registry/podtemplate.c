/* podtemplates (/v1): PodSpec defaults on the template, ValidatePodTemplate, a generation
 * bumped on template changes, and the printer (printPodTemplate). */
#include "lib/util.h"
#include "registry/corefmt.h"
#include "registry/kinds.h"
#include "registry/podspec.h"

static void pt_defaults(json_t *obj)
{
    ck_pod_template_defaults(json_object_get(obj, "template"));
}

static void pt_prepare_update(json_t *obj, const json_t *old)
{
    pt_defaults(obj);
    if (json_equal(json_object_get(obj, "template"), json_object_get(old, "template"))) return;
    json_int_t g = json_integer_value(ck_obj_get(old, "metadata.generation"));
    json_object_set_new(ck_obj_ensure(obj, "metadata"), "generation", json_integer(g + 1));
}

static void pt_validate(const json_t *obj, ck_field_errors *fe)
{
    ck_validate_pod_template(json_object_get(obj, "template"), "template", fe);
}

static const ck_column pt_columns[] = {
    CK_CORE_COL_NAME,
    {"Containers", "string", "", "Names of each container in the template.", 0},
    {"Images", "string", "", "Images referenced by each container in the template.", 0},
    {"Pod Labels", "string", "", "The labels for the pod template.", 0},
};

static void pt_row(const json_t *obj, json_t *cells)
{
    ck_row_name(obj, cells);
    ck_fmt_containers(ck_obj_get(obj, "template.spec.containers"), cells);
    ck_row_take(cells, ck_fmt_labels(ck_obj_get(obj, "template.metadata.labels")));
}

const ck_rtype_def ck_reg_podtemplate = {
    .group = "",
    .version = "v1",
    .plural = "podtemplates",
    .defaults = pt_defaults,
    .prepare_update = pt_prepare_update,
    .validate = pt_validate,
    .columns = pt_columns,
    .ncolumns = ARRAY_SIZE(pt_columns),
    .table_row = pt_row,
    .generation = true,
};
