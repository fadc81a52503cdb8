/* DefaultStorageClass admission: a PersistentVolumeClaim created without a class (neither
 * spec.storageClassName nor the beta annotation) gets the default StorageClass, the one
 * annotated storageclass.kubernetes.io/is-default-class: "true"; with several, the newest
 * wins and equal ages go by name, as upstream. */
#include <string.h>

#include "admission/admission.h"
#include "admission/plugins.h"
#include "apiserver/cache.h"
#include "apiserver/server.h"
#include "lib/util.h"

struct pick {
    char *name, *created;
};

static bool is_default(const json_t *sc)
{
    const json_t *ann = ck_obj_get(sc, "metadata.annotations");
    return streq(json_string_value(
                     json_object_get(ann, "storageclass.kubernetes.io/is-default-class")),
                 "true") ||
           streq(json_string_value(
                     json_object_get(ann, "storageclass.beta.kubernetes.io/is-default-class")),
                 "true");
}

static bool consider(ck_obj *o, void *ctx)
{
    struct pick *p = ctx;
    json_t *sc = ck_obj_parse(o);
    if (sc && is_default(sc)) {
        const char *ts = ck_obj_str(sc, "metadata.creationTimestamp");
        if (!ts) ts = "";
        int c = p->name ? strcmp(ts, p->created) : 1;
        if (c > 0 || (c == 0 && strcmp(o->name, p->name) < 0)) {
            free(p->name);
            free(p->created);
            p->name = xstrdup(o->name);
            p->created = xstrdup(ts);
        }
    }
    json_decref(sc);
    return true;
}

static int dsc_admit(const ck_admission_attrs *a, json_t *obj, const json_t *old, ck_err **err)
{
    (void)old;
    (void)err;
    if (!a->rt || !streq(a->operation, "CREATE") || a->sub || !streq(a->rt->def->group, "") ||
        !streq(a->rt->def->plural, "persistentvolumeclaims") || !a->srv->cache)
        return 0;
    if (ck_obj_get(obj, "spec.storageClassName")) return 0;
    const json_t *ann = ck_obj_get(obj, "metadata.annotations");
    if (json_object_get(ann, "volume.beta.kubernetes.io/storage-class")) return 0;
    struct pick p = {0};
    ck_cache_each(a->srv->cache, ck_registry_find("storage.k8s.io", "v1", "storageclasses"), NULL,
                  NULL, consider, &p);
    if (p.name) {
        json_t *spec = json_object_get(obj, "spec");
        if (!json_is_object(spec)) json_object_set_new(obj, "spec", spec = json_object());
        json_object_set_new(spec, "storageClassName", json_string(p.name));
    }
    free(p.name);
    free(p.created);
    return 0;
}

const ck_admission_plugin ck_admission_defaultstorageclass = {
    .name = "DefaultStorageClass",
    .admit = dsc_admit,
};
