/* RFC 7386 JSON Merge Patch: null deletes a member, objects merge recursively, anything
 * else replaces. Edge cases follow evanphx/json-patch as the apiserver uses it: a null or
 * scalar patch document is rejected (400 "Invalid JSON Patch"), and values that replace a
 * non-object target are stored with their null members pruned. */
#include "machinery/patch.h"

/* Deep copy of v with null object members dropped at every depth (array elements kept). */
static json_t *pruned_copy(const json_t *v)
{
    if (json_is_object(v)) {
        json_t *o = json_object();
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m)
        {
            if (!json_is_null(m)) json_object_set_new(o, k, pruned_copy(m));
        }
        return o;
    }
    if (json_is_array(v)) {
        json_t *a = json_array();
        for (size_t i = 0; i < json_array_size(v); i++)
            json_array_append_new(a, pruned_copy(json_array_get(v, i)));
        return a;
    }
    return json_deep_copy(v);
}

/* Merges patch into cur (an owned reference) and returns the owned result. */
static json_t *merge(json_t *cur, const json_t *patch)
{
    if (!json_is_object(cur)) {
        json_decref(cur);
        return pruned_copy(patch);
    }
    if (!json_is_object(patch)) {
        /* Upstream quirk: a non-object replacing an object is taken verbatim. */
        json_decref(cur);
        return json_deep_copy(patch);
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)patch, k, v)
    {
        json_t *c = json_object_get(cur, k);
        if (json_is_null(v))
            json_object_del(cur, k);
        else if (!c || json_is_null(c))
            json_object_set_new(cur, k, pruned_copy(v));
        else
            json_object_set_new(cur, k, merge(json_incref(c), v));
    }
    return cur;
}

int ck_merge_patch(const json_t *doc, const json_t *patch, json_t **out, ck_err **err)
{
    *out = NULL;
    if (!doc || json_is_null(doc)) return ck_error(err, 500, CK_INTERNAL, "Invalid JSON Document");
    if (!json_is_object(patch) && !json_is_array(patch))
        return ck_error(err, 400, CK_BAD_REQUEST, "Invalid JSON Patch");
    *out = json_is_array(patch) ? pruned_copy(patch) : merge(json_deep_copy(doc), patch);
    return 0;
}
