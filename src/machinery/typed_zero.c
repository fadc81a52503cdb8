/* The empty object of a kind as upstream's unstructured converter renders a new Go
 * object: Update operations on create compare against it, so which nodes it already has
 * decides where FieldsV1 records "." for a node itself. */
#include "machinery/typed.h"

#include "lib/util.h"

/* Optional struct fields that are values, not pointers, in the Go types: a new object
 * renders them as {} (the OpenAPI spec does not tell). */
static const struct {
    const char *def, *field;
} value_structs[] = {
    {"io.k8s.api.apps.v1.DeploymentSpec", "strategy"},
    {"io.k8s.api.apps.v1.StatefulSetSpec", "updateStrategy"},
    {"io.k8s.api.apps.v1.DaemonSetSpec", "updateStrategy"},
    {"io.k8s.api.core.v1.Container", "resources"},
    {"io.k8s.api.core.v1.PersistentVolumeClaimSpec", "resources"},
    {"io.k8s.api.core.v1.ServiceStatus", "loadBalancer"},
    {"io.k8s.api.networking.v1.IngressStatus", "loadBalancer"},
    {"io.k8s.api.core.v1.NodeStatus", "daemonEndpoints"},
    {"io.k8s.api.core.v1.NodeStatus", "nodeInfo"},
    {"io.k8s.api.core.v1.NodeDaemonEndpoints", "kubeletEndpoint"},
    {"io.k8s.api.core.v1.Event", "source"},
};

static bool value_struct(const ck_def *d, const ck_field *f)
{
    if (streq(f->name, "metadata") || streq(f->name, "spec") || streq(f->name, "status"))
        return true;
    for (size_t i = 0; i < ARRAY_SIZE(value_structs); i++)
        if (streq(d->name, value_structs[i].def) && streq(f->name, value_structs[i].field))
            return true;
    return f->required;
}

static json_t *zero_struct(const ck_def *d, int depth)
{
    json_t *o = json_object();
    for (unsigned i = 0; i < d->nfields; i++) {
        const ck_field *f = &d->fields[i];
        const ck_def *fd = ck_schema_field_def(f);
        if (f->type == CK_T_OBJECT && fd &&
            streq(fd->name, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")) {
            json_object_set_new(o, f->name, json_pack("{s:n}", "creationTimestamp"));
        } else if (f->type == CK_T_OBJECT && fd && fd->type == CK_T_OBJECT && fd->nfields > 0 &&
                   depth < 12 && value_struct(d, f)) {
            json_object_set_new(o, f->name, zero_struct(fd, depth + 1));
        } else if (f->required &&
                   (f->type == CK_T_ARRAY || f->type == CK_T_MAP || f->type == CK_T_OBJECT)) {
            json_object_set_new(o, f->name, json_null());
        }
    }
    return o;
}

json_t *ck_typed_zero(const ck_def *def)
{
    if (!def || def->type != CK_T_OBJECT) return json_object();
    return zero_struct(def, 0);
}
