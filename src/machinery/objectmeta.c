/* Object validators: labels, annotations, label selectors and ObjectMeta on create and
 * update, with upstream's field paths and messages (pkg/api/validation/objectmeta.go). */
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "machinery/validation.h"

/* ---- Object validators ---------------------------------------------------------------- */

static const char *str_at(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

static void qualified_name(ck_field_errors *fe, const char *path, const char *v)
{
    ck_msgs m = {0};
    ck_is_qualified_name(v, &m);
    ck_ferr_invalid_msgs(fe, path, v, &m);
}

void ck_validate_labels(const json_t *labels, const char *path, ck_field_errors *fe)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)labels, k, v)
    {
        qualified_name(fe, path, k);
        if (!json_is_string(v)) continue;
        ck_msgs m = {0};
        ck_is_valid_label_value(json_string_value(v), &m);
        ck_ferr_invalid_msgs(fe, path, json_string_value(v), &m);
    }
}

void ck_validate_annotations(const json_t *annotations, const char *path, ck_field_errors *fe)
{
    const char *k;
    json_t *v;
    size_t total = 0;
    json_object_foreach((json_t *)annotations, k, v)
    {
        /* A qualified name, except that case does not matter. */
        cleanup_free char *lower = xstrdup(k);
        for (char *p = lower; *p; p++)
            if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
        ck_msgs m = {0};
        ck_is_qualified_name(lower, &m);
        ck_ferr_invalid_msgs(fe, path, k, &m);
        total += strlen(k) + (json_is_string(v) ? json_string_length(v) : 0);
    }
    if (total > CK_TOTAL_ANNOTATION_SIZE) ck_ferr_too_long(fe, path, CK_TOTAL_ANNOTATION_SIZE);
}

void ck_validate_label_selector(const json_t *sel, const char *path, ck_field_errors *fe)
{
    if (!json_is_object(sel)) return;
    cleanup_free char *ml = xasprintf("%s.matchLabels", path);
    ck_validate_labels(json_object_get(sel, "matchLabels"), ml, fe);
    size_t i;
    json_t *expr;
    json_array_foreach(json_object_get(sel, "matchExpressions"), i, expr)
    {
        cleanup_free char *p = xasprintf("%s.matchExpressions[%zu]", path, i);
        cleanup_free char *pv = xasprintf("%s.values", p);
        cleanup_free char *po = xasprintf("%s.operator", p);
        cleanup_free char *pk = xasprintf("%s.key", p);
        const char *op = str_at(expr, "operator");
        json_t *values = json_object_get(expr, "values");
        size_t nvals = json_array_size(values);
        if (streq(op, "In") || streq(op, "NotIn")) {
            if (nvals == 0)
                ck_ferr_required(fe, pv, "must be specified when `operator` is 'In' or 'NotIn'");
        } else if (streq(op, "Exists") || streq(op, "DoesNotExist")) {
            if (nvals > 0)
                ck_ferr_forbidden(fe, pv,
                                  "may not be specified when `operator` is 'Exists' or "
                                  "'DoesNotExist'");
        } else {
            ck_ferr_invalid_str(fe, po, op, "not a valid selector operator");
        }
        qualified_name(fe, pk, str_at(expr, "key"));
        size_t j;
        json_t *v;
        json_array_foreach(values, j, v)
        {
            cleanup_free char *pj = xasprintf("%s[%zu]", pv, j);
            ck_msgs m = {0};
            const char *s = json_is_string(v) ? json_string_value(v) : "";
            ck_is_valid_label_value(s, &m);
            ck_ferr_invalid_msgs(fe, pj, s, &m);
        }
    }
}

static void validate_owner_refs(const json_t *refs, ck_field_errors *fe)
{
    const char *path = "metadata.ownerReferences";
    cleanup_free char *controller = NULL;
    size_t i;
    json_t *ref;
    json_array_foreach(refs, i, ref)
    {
        const char *api = str_at(ref, "apiVersion"), *kind = str_at(ref, "kind");
        const char *slash = strchr(api, '/'), *version = api;
        bool core_group = !slash || slash == api;
        if (slash && (strchr(slash + 1, '/') || streq(api, "/")))
            version = "";
        else if (slash)
            version = slash + 1;
        if (!*version)
            ck_ferr_invalid_str(fe, "metadata.ownerReferences.apiVersion", api,
                                "version must not be empty");
        if (!*kind)
            ck_ferr_invalid_str(fe, "metadata.ownerReferences.kind", kind, "must not be empty");
        if (!*str_at(ref, "name"))
            ck_ferr_invalid_str(fe, "metadata.ownerReferences.name", "", "must not be empty");
        if (!*str_at(ref, "uid"))
            ck_ferr_invalid_str(fe, "metadata.ownerReferences.uid", "", "must not be empty");
        if (core_group && streq(version, "v1") && streq(kind, "Event"))
            ck_ferr_invalid(fe, path, ref, "/v1, Kind=Event is disallowed from being an owner");
        if (!json_is_true(json_object_get(ref, "controller"))) continue;
        cleanup_free char *cur = xasprintf("%s/%s", kind, str_at(ref, "name"));
        if (!controller) {
            controller = steal_pointer(&cur);
            continue;
        }
        cleanup_free char *d = xasprintf("Only one reference can have Controller set to true. "
                                         "Found \"true\" in references for %s and %s",
                                         controller, cur);
        ck_ferr_invalid(fe, path, refs, d);
    }
}

static void validate_finalizers(const json_t *fins, ck_field_errors *fe)
{
    bool orphan = false, foreground = false;
    size_t i;
    json_t *f;
    json_array_foreach(fins, i, f)
    {
        const char *s = json_is_string(f) ? json_string_value(f) : "";
        qualified_name(fe, "metadata.finalizers", s);
        orphan |= streq(s, "orphan");
        foreground |= streq(s, "foregroundDeletion");
    }
    if (orphan && foreground)
        ck_ferr_invalid(fe, "metadata.finalizers", fins,
                        "finalizer orphan and foregroundDeletion cannot be both set");
}

void ck_validate_object_meta(const json_t *meta, bool namespaced, ck_name_fn name_fn,
                             ck_field_errors *fe)
{
    if (!name_fn) name_fn = ck_name_is_dns_subdomain;
    const char *gen = str_at(meta, "generateName"), *name = str_at(meta, "name");
    const char *ns = str_at(meta, "namespace");
    ck_msgs m = {0};
    if (*gen) {
        name_fn(gen, true, &m);
        ck_ferr_invalid_msgs(fe, "metadata.generateName", gen, &m);
    }
    if (!*name) {
        ck_ferr_required(fe, "metadata.name", "name or generateName is required");
    } else {
        name_fn(name, false, &m);
        ck_ferr_invalid_msgs(fe, "metadata.name", name, &m);
    }
    if (namespaced && !*ns) {
        ck_ferr_required(fe, "metadata.namespace", NULL);
    } else if (namespaced) {
        ck_name_is_dns_label(ns, false, &m);
        ck_ferr_invalid_msgs(fe, "metadata.namespace", ns, &m);
    } else if (*ns) {
        ck_ferr_forbidden(fe, "metadata.namespace", "not allowed on this type");
    }
    json_int_t generation = json_integer_value(json_object_get(meta, "generation"));
    if (generation < 0)
        ck_ferr_invalid_int(fe, "metadata.generation", generation,
                            "must be greater than or equal to 0");
    ck_validate_labels(json_object_get(meta, "labels"), "metadata.labels", fe);
    ck_validate_annotations(json_object_get(meta, "annotations"), "metadata.annotations", fe);
    validate_owner_refs(json_object_get(meta, "ownerReferences"), fe);
    validate_finalizers(json_object_get(meta, "finalizers"), fe);
}

/* Absent and null are the same value, as Go's zero values are. */
static bool same_value(const json_t *a, const json_t *b)
{
    if (json_is_null(a)) a = NULL;
    if (json_is_null(b)) b = NULL;
    return (!a && !b) || (a && b && json_equal((json_t *)a, (json_t *)b));
}

/* Finalizers in new but not old, sorted and unique, as Go's %#v of a []string. */
static char *new_finalizers(const json_t *newf, const json_t *oldf)
{
    size_t n = json_array_size(newf), k = 0;
    cleanup_free const char **extra = xcalloc(n + 1, sizeof *extra);
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(newf, i));
        bool found = !s;
        for (size_t j = 0; j < json_array_size(oldf) && !found; j++)
            found = streq(s, json_string_value(json_array_get(oldf, j)));
        for (size_t j = 0; j < k && !found; j++)
            found = streq(s, extra[j]);
        if (found) continue;
        size_t at = k++;
        for (; at > 0 && strcmp(extra[at - 1], s) > 0; at--)
            extra[at] = extra[at - 1];
        extra[at] = s;
    }
    if (k == 0) return NULL;
    size_t cap = 16, len = 0;
    char *out = xmalloc(cap);
    len = (size_t)sprintf(out, "[]string{");
    for (size_t i = 0; i < k; i++) {
        cleanup_free char *q = ck_quote(extra[i]);
        size_t need = strlen(q) + 4;
        if (len + need + 2 > cap) out = xrealloc(out, cap = (len + need + 2) * 2);
        len += (size_t)sprintf(out + len, "%s%s", i ? ", " : "", q);
    }
    strcpy(out + len, "}");
    return out;
}

void ck_validate_object_meta_update(const json_t *new_meta, const json_t *old_meta,
                                    ck_field_errors *fe)
{
    static const char *const immutable_str[] = {"name", "namespace", "uid"};
    static const char *const immutable_any[] = {"creationTimestamp", "deletionTimestamp",
                                                "deletionGracePeriodSeconds"};
    const json_t *old_del = json_object_get(old_meta, "deletionTimestamp");
    if (old_del && !json_is_null(old_del)) {
        cleanup_free char *extra = new_finalizers(json_object_get(new_meta, "finalizers"),
                                                  json_object_get(old_meta, "finalizers"));
        cleanup_free char *d =
            extra ? xasprintf("no new finalizers can be added if the object is being deleted, "
                              "found new finalizers %s",
                              extra)
                  : NULL;
        if (d) ck_ferr_forbidden(fe, "metadata.finalizers", d);
    }
    if (!*str_at(new_meta, "resourceVersion"))
        ck_ferr_invalid_str(fe, "metadata.resourceVersion", "", "must be specified for an update");
    json_int_t gen_new = json_integer_value(json_object_get(new_meta, "generation"));
    if (gen_new < json_integer_value(json_object_get(old_meta, "generation")))
        ck_ferr_invalid_int(fe, "metadata.generation", gen_new, "must not be decremented");
    for (size_t i = 0; i < ARRAY_SIZE(immutable_str); i++) {
        const char *k = immutable_str[i], *nv = str_at(new_meta, k);
        cleanup_free char *path = xasprintf("metadata.%s", k);
        if (!streq(nv, str_at(old_meta, k)))
            ck_ferr_invalid_str(fe, path, nv, "field is immutable");
    }
    for (size_t i = 0; i < ARRAY_SIZE(immutable_any); i++) {
        const char *k = immutable_any[i];
        const json_t *nv = json_object_get(new_meta, k);
        cleanup_free char *path = xasprintf("metadata.%s", k);
        if (!same_value(nv, json_object_get(old_meta, k)))
            ck_ferr_invalid(fe, path, nv, "field is immutable");
    }
    ck_validate_labels(json_object_get(new_meta, "labels"), "metadata.labels", fe);
    ck_validate_annotations(json_object_get(new_meta, "annotations"), "metadata.annotations", fe);
    validate_owner_refs(json_object_get(new_meta, "ownerReferences"), fe);
}

void ck_validate_kube_finalizers(const json_t *meta, ck_field_errors *fe)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(meta, "finalizers"), i, f)
    {
        const char *s = json_is_string(f) ? json_string_value(f) : "";
        if (strchr(s, '/') || streq(s, "kubernetes") || streq(s, "orphan") ||
            streq(s, "foregroundDeletion"))
            continue;
        cleanup_free char *path = xasprintf("metadata.finalizers[%zu]", i);
        ck_ferr_invalid_str(fe, path, s,
                            "name is neither a standard finalizer name nor is it fully qualified");
    }
}
