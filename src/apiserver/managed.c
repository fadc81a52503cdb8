/* managedFields for Update operations: the manager owns every field present in the
 * object after its write that it set or changed. */
#include "apiserver/managed.h"

#include <string.h>

#include "lib/util.h"

/* Builds the fieldsV1 set for the fields of v that differ from old ("f:<name>" keys,
 * "." for a set object itself). Lists are owned atomically here ("f:" on the list). */
static json_t *fields_of(const json_t *v, const json_t *old)
{
    json_t *set = json_object();
    const char *k;
    json_t *child;
    json_object_foreach((json_t *)v, k, child)
    {
        const json_t *oc = old ? json_object_get(old, k) : NULL;
        if (oc && json_equal(oc, child)) continue;
        char *fk = xasprintf("f:%s", k);
        if (json_is_object(child) && json_object_size(child) > 0) {
            json_t *sub = fields_of(child, json_is_object(oc) ? oc : NULL);
            json_object_set_new(sub, ".", json_object());
            json_object_set_new(set, fk, sub);
        } else {
            json_object_set_new(set, fk, json_object());
        }
        free(fk);
    }
    return set;
}

void ck_managed_fields_update(json_t *obj, const json_t *old, const char *manager,
                              const char *operation, const char *api_version,
                              const char *subresource, const char *time)
{
    json_t *meta = json_object_get(obj, "metadata");
    if (!manager || !json_is_object(meta)) return;
    json_t *probe = json_deep_copy(obj);
    json_t *pm = json_object_get(probe, "metadata");
    static const char *const sys[] = {"managedFields", "resourceVersion", "uid",
                                      "creationTimestamp", "generation", "namespace",
                                      "name"};
    for (size_t i = 0; i < ARRAY_SIZE(sys); i++) json_object_del(pm, sys[i]);
    json_object_del(probe, "apiVersion");
    json_object_del(probe, "kind");
    if (!subresource) json_object_del(probe, "status");
    else if (streq(subresource, "status")) {
        json_t *st = json_incref(json_object_get(probe, "status"));
        json_object_clear(probe);
        if (st) json_object_set_new(probe, "status", st);
    }
    if (json_object_size(pm) == 0) json_object_del(probe, "metadata");
    json_t *fields = fields_of(probe, old);
    json_decref(probe);
    if (json_object_size(fields) == 0 && old) {
        json_decref(fields);
        return;
    }
    json_t *mf = json_object_get(meta, "managedFields");
    if (!json_is_array(mf)) {
        mf = json_array();
        json_object_set_new(meta, "managedFields", mf);
    }
    size_t i;
    json_t *e;
    json_array_foreach(mf, i, e)
    {
        if (streq(json_string_value(json_object_get(e, "manager")), manager) &&
            streq(json_string_value(json_object_get(e, "operation")), operation) &&
            streq(json_string_value(json_object_get(e, "subresource")), subresource)) {
            json_object_update_recursive(json_object_get(e, "fieldsV1"), fields);
            json_object_set_new(e, "time", json_string(time));
            json_object_set_new(e, "apiVersion", json_string(api_version));
            json_decref(fields);
            return;
        }
    }
    e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "manager", manager, "operation", operation,
                  "apiVersion", api_version, "time", time, "fieldsType", "FieldsV1", "fieldsV1",
                  fields);
    if (subresource) json_object_set_new(e, "subresource", json_string(subresource));
    json_array_append_new(mf, e);
}
