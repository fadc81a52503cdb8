/* Unit tests for the generated schema table and its lookups (src/machinery/schema.c). */
#include "machinery/schema.h"

#include <string.h>

#include "ut.h"

static void test_table_sorted(void)
{
    CHECK(ck_schema_ndefs > 500);
    CHECK(ck_schema_nresources > 100);
    bool sorted = true;
    for (unsigned i = 1; i < ck_schema_ndefs; i++)
        if (strcmp(ck_schema_defs[i - 1].name, ck_schema_defs[i].name) >= 0) sorted = false;
    CHECK(sorted);
    bool fields_sorted = true, refs_valid = true;
    for (unsigned i = 0; i < ck_schema_ndefs; i++) {
        const ck_def *d = &ck_schema_defs[i];
        for (unsigned j = 0; j < d->nfields; j++) {
            if (j > 0 && strcmp(d->fields[j - 1].name, d->fields[j].name) >= 0)
                fields_sorted = false;
            if (d->fields[j].ref < -1 || d->fields[j].ref >= (int)ck_schema_ndefs)
                refs_valid = false;
        }
    }
    CHECK(fields_sorted);
    CHECK(refs_valid);
    CHECK(ck_schema_def(-1) == NULL);
    CHECK(ck_schema_def((int)ck_schema_ndefs) == NULL);
    CHECK(ck_schema_def_by_name("io.k8s.api.core.v1.NoSuchThing") == NULL);
}

static void test_fields(void)
{
    const ck_def *spec = ck_schema_def_by_name("io.k8s.api.apps.v1.DeploymentSpec");
    CHECK(spec != NULL);
    CHECK_INT(spec ? spec->type : -1, CK_T_OBJECT);
    const ck_field *strategy = ck_schema_field(spec, "strategy");
    CHECK(strategy != NULL);
    CHECK_INT(strategy ? strategy->type : -1, CK_T_OBJECT);
    CHECK_STR(strategy ? strategy->patch_strategy : NULL, "retainKeys");
    const ck_def *sd = ck_schema_field_def(strategy);
    CHECK_STR(sd ? sd->name : NULL, "io.k8s.api.apps.v1.DeploymentStrategy");
    const ck_field *selector = ck_schema_field(spec, "selector");
    CHECK(selector && selector->required);
    CHECK(ck_schema_field(spec, "replicas") && !ck_schema_field(spec, "replicas")->required);
    CHECK(ck_schema_field(spec, "nosuchfield") == NULL);
    CHECK(ck_schema_field(NULL, "strategy") == NULL);

    const ck_def *pod_spec = ck_schema_def_by_name("io.k8s.api.core.v1.PodSpec");
    const ck_field *containers = ck_schema_field(pod_spec, "containers");
    CHECK(containers != NULL);
    CHECK_INT(containers ? containers->type : -1, CK_T_ARRAY);
    CHECK_INT(containers ? containers->elem_type : -1, CK_T_OBJECT);
    CHECK_STR(containers ? containers->patch_strategy : NULL, "merge");
    CHECK_STR(containers ? containers->merge_key : NULL, "name");
    CHECK_STR(containers ? containers->list_type : NULL, "map");
    const ck_def *container = ck_schema_field_def(containers);
    CHECK_STR(container ? container->name : NULL, "io.k8s.api.core.v1.Container");

    const ck_field *ports = ck_schema_field(container, "ports");
    CHECK_STR(ports ? ports->merge_key : NULL, "containerPort");
    CHECK_STR(ports ? ports->list_map_keys : NULL, "containerPort,protocol");
    const ck_field *args = ck_schema_field(container, "args");
    CHECK_INT(args ? args->elem_type : -1, CK_T_STRING);
    CHECK(args && args->ref == -1 && args->patch_strategy == NULL && args->merge_key == NULL);

    const ck_def *meta = ck_schema_def_by_name("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    const ck_field *finalizers = ck_schema_field(meta, "finalizers");
    CHECK_STR(finalizers ? finalizers->patch_strategy : NULL, "merge");
    CHECK_STR(finalizers ? finalizers->list_type : NULL, "set");
    const ck_field *labels = ck_schema_field(meta, "labels");
    CHECK_INT(labels ? labels->type : -1, CK_T_MAP);
    CHECK_INT(labels ? labels->elem_type : -1, CK_T_STRING);
    const ck_field *created = ck_schema_field(meta, "creationTimestamp");
    CHECK_INT(created ? created->type : -1, CK_T_STRING);
    CHECK_STR(created ? created->format : NULL, "date-time");

    /* Map values that are objects carry the value definition. */
    const ck_def *secret = ck_schema_def_by_name("io.k8s.api.core.v1.Secret");
    const ck_field *data = ck_schema_field(secret, "data");
    CHECK_INT(data ? data->type : -1, CK_T_MAP);
    CHECK_STR(data ? data->format : NULL, "byte");
    const ck_def *rr = ck_schema_def_by_name("io.k8s.api.core.v1.ResourceRequirements");
    const ck_field *limits = ck_schema_field(rr, "limits");
    CHECK_INT(limits ? limits->elem_type : -1, CK_T_STRING);
    const ck_def *qty = ck_schema_field_def(limits);
    CHECK_STR(qty ? qty->name : NULL, "io.k8s.apimachinery.pkg.api.resource.Quantity");
}

static void test_scalar_defs(void)
{
    const ck_def *ios = ck_schema_def_by_name("io.k8s.apimachinery.pkg.util.intstr.IntOrString");
    CHECK(ios != NULL);
    CHECK_INT(ios ? ios->type : -1, CK_T_STRING);
    CHECK_STR(ios ? ios->format : NULL, "int-or-string");
    CHECK(ios && ios->nfields == 0 && ios->fields == NULL);
    const ck_def *qty = ck_schema_def_by_name("io.k8s.apimachinery.pkg.api.resource.Quantity");
    CHECK_INT(qty ? qty->type : -1, CK_T_STRING);
    const ck_def *raw = ck_schema_def_by_name("io.k8s.apimachinery.pkg.runtime.RawExtension");
    CHECK_INT(raw ? raw->type : -1, CK_T_ANY);

    const ck_def *sel = ck_schema_def_by_name("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector");
    CHECK_STR(sel ? sel->map_type : NULL, "atomic");
}

static void test_resources(void)
{
    const ck_resource *deploy = ck_schema_resource("apps", "v1", "deployments");
    CHECK(deploy != NULL);
    if (deploy) {
        CHECK_STR(deploy->kind, "Deployment");
        CHECK_STR(deploy->singular, "deployment");
        CHECK(deploy->namespaced);
        CHECK(ck_csv_has(deploy->short_names, "deploy"));
        CHECK(ck_csv_has(deploy->categories, "all"));
        CHECK(ck_csv_has(deploy->subresources, "status"));
        CHECK(ck_csv_has(deploy->subresources, "scale"));
        CHECK(ck_csv_has(deploy->verbs, "deletecollection"));
        CHECK(ck_csv_has(deploy->verbs, "watch"));
        const ck_def *d = ck_schema_def(deploy->def);
        CHECK_STR(d ? d->name : NULL, "io.k8s.api.apps.v1.Deployment");
    }
    const ck_resource *scale = ck_schema_resource("apps", "v1", "deployments/scale");
    CHECK_STR(scale ? scale->kind : NULL, "Scale");
    CHECK_STR(scale ? scale->verbs : NULL, "get,patch,update");
    const ck_def *sd = scale ? ck_schema_def(scale->def) : NULL;
    CHECK_STR(sd ? sd->name : NULL, "io.k8s.api.autoscaling.v1.Scale");

    const ck_resource *nodes = ck_schema_resource("", "v1", "nodes");
    CHECK(nodes && !nodes->namespaced);
    CHECK_STR(nodes ? nodes->short_names : NULL, "no");

    const ck_resource *pods = ck_schema_resource("", "v1", "pods");
    CHECK_STR(pods ? pods->verbs : NULL,
              "create,delete,deletecollection,get,list,patch,update,watch");
    CHECK(pods && ck_csv_has(pods->subresources, "log"));
    const ck_resource *status = ck_schema_resource("", "v1", "pods/status");
    CHECK(status && status->namespaced);
    CHECK_STR(status ? status->kind : NULL, "Pod");
    CHECK_STR(status ? status->singular : NULL, "");
    const ck_resource *pod_log = ck_schema_resource("", "v1", "pods/log");
    CHECK_STR(pod_log ? pod_log->verbs : NULL, "get");
    const ck_resource *exec = ck_schema_resource("", "v1", "pods/exec");
    CHECK_STR(exec ? exec->verbs : NULL, "create,get");
    const ck_resource *eviction = ck_schema_resource("", "v1", "pods/eviction");
    CHECK_STR(eviction ? eviction->kind : NULL, "Eviction");
    CHECK_STR(eviction ? eviction->verbs : NULL, "create");
    const ck_resource *token = ck_schema_resource("", "v1", "serviceaccounts/token");
    CHECK_STR(token ? token->kind : NULL, "TokenRequest");

    /* componentstatuses take a watch parameter but serve no watch. */
    const ck_resource *cs = ck_schema_resource("", "v1", "componentstatuses");
    CHECK_STR(cs ? cs->verbs : NULL, "get,list");

    CHECK(ck_schema_resource("autoscaling", "v2", "horizontalpodautoscalers") != NULL);
    CHECK(ck_schema_resource("", "v1", "deployments") == NULL);
    const ck_resource *crd =
        ck_schema_resource("apiextensions.k8s.io", "v1", "customresourcedefinitions");
    CHECK(crd && ck_csv_has(crd->short_names, "crds"));
    CHECK(crd && ck_csv_has(crd->categories, "api-extensions"));

    /* Core resources come first. */
    CHECK_STR(ck_schema_resources[0].group, "");

    const ck_resource *by_kind = ck_schema_resource_by_kind("apps", "v1", "Deployment");
    CHECK(by_kind == deploy);
    CHECK(ck_schema_resource_by_kind("apps", "v1", "Scale") == NULL);

    const ck_def *pod = ck_schema_def_for_gvk("", "v1", "Pod");
    CHECK_STR(pod ? pod->name : NULL, "io.k8s.api.core.v1.Pod");
    CHECK(ck_schema_def_for_gvk("", "v1", "NoSuchKind") == NULL);
}

static void test_csv(void)
{
    CHECK(ck_csv_has("a,bb,c", "bb"));
    CHECK(ck_csv_has("a,bb,c", "a"));
    CHECK(ck_csv_has("a,bb,c", "c"));
    CHECK(!ck_csv_has("a,bb,c", "b"));
    CHECK(!ck_csv_has("a,bb,c", ""));
    CHECK(!ck_csv_has("", "a"));
    CHECK(!ck_csv_has(NULL, "a"));
    CHECK(!ck_csv_has("a", NULL));
    CHECK(ck_csv_has("watch", "watch"));
}

int main(void)
{
    test_table_sorted();
    test_fields();
    test_scalar_defs();
    test_resources();
    test_csv();
    return UT_DONE();
}
