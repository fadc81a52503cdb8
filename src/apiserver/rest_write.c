/* POST, PUT and PATCH (JSON patch, merge patch, strategic merge patch, apply), including
 * the status and scale subresources. */
#include <stdio.h>

#include "apiserver/api.h"
#include "apiserver/apply.h"
#include "apiserver/objstore.h"
#include "lib/util.h"
#include "lib/yaml.h"
#include "machinery/fieldvalidation.h"
#include "machinery/patch.h"
#include "machinery/protobuf.h"
#include "machinery/typecheck.h"

int ck_decode_body(ck_request *r, json_t **out, ck_err **err)
{
    const char *ct = r->content_type ? r->content_type : "application/json";
    if (r->body_len == 0)
        return ck_error(err, 400, CK_BAD_REQUEST, "the body of the request is empty");
    if (streq(ct, "application/yaml") || streq(ct, "application/apply-patch+yaml")) {
        /* Duplicate keys: an error under fieldValidation=Strict, else a warning (the last
         * value wins), as upstream decodes YAML. */
        char *dups = NULL;
        if (ck_yaml_decode(r->body, r->body_len, out, &dups, err) < 0) return -1;
        if (dups) {
            const char *fv = ck_query(r, "fieldValidation");
            int rc = 0;
            if (fv && streq(fv, "Strict")) {
                json_decref(*out);
                *out = NULL;
                rc = ck_error(err, 400, CK_BAD_REQUEST, "strict decoding error: %s", dups);
            } else if (!fv || !streq(fv, "Ignore")) {
                ck_add_warning(r, dups);
            }
            free(dups);
            return rc;
        }
        return 0;
    }
    if (streq(ct, "application/vnd.kubernetes.protobuf"))
        return ck_protobuf_decode(r->body, r->body_len, out, err);
    if (!streq(ct, "application/json") && !has_suffix(ct, "+json"))
        return ck_error(err, 415, CK_UNSUPPORTED_MEDIA,
                        "the body of the request was in an unknown format - accepted media types "
                        "include: application/json, application/yaml, "
                        "application/vnd.kubernetes.protobuf");
    json_error_t je;
    *out = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, &je);
    if (!*out)
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "error decoding request body: json parse error: %s at line %d column %d",
                        je.text, je.line, je.column);
    return 0;
}

/* fieldValidation: Strict rejects unknown fields, Warn sends them as Warning headers;
 * either way they are dropped, as decoding into upstream's typed structs does. Create and
 * update put upstream's decode prefix in front of the message; patches do not. */
static int field_validation(ck_request *r, ck_rtype *rt, const ck_def *def, json_t *obj,
                            bool decode_prefix, ck_err **err)
{
    char **warnings = NULL;
    if (ck_type_check(obj, def, err) < 0 ||
        ck_field_validation(obj, def, ck_query(r, "fieldValidation"), &warnings, err) < 0) {
        if (decode_prefix && !has_prefix((*err)->message, "fieldValidation:")) {
            char *m = xasprintf("%s in version \"%s\" cannot be handled as a %s: %s", rt->res->kind,
                                rt->def->version, rt->res->kind, (*err)->message);
            free((*err)->message);
            (*err)->message = m;
        }
        return -1;
    }
    for (char **w = warnings; w && *w; w++)
        ck_add_warning(r, *w);
    ck_field_warnings_free(warnings);
    ck_field_prune(obj, def);
    return 0;
}

static bool dry_run(const ck_request *r)
{
    const char *d = ck_query(r, "dryRun");
    return d && streq(d, "All");
}

static int check_dry_run(ck_request *r, ck_err **err)
{
    const char *d = ck_query(r, "dryRun");
    if (d && *d && !streq(d, "All"))
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "dryRun: Unsupported value: \"%s\": supported values: \"All\"", d);
    return 0;
}

static int check_field_manager(ck_request *r, ck_err **err)
{
    const char *m = ck_query(r, "fieldManager");
    if (m && strlen(m) > 128)
        return ck_error(err, 422, CK_INVALID,
                        "fieldManager: Too long: may not be more than 128 bytes");
    return 0;
}

static void send_written(ck_request *r, ck_rtype *rt, int status, ck_written *w)
{
    if (!ck_wants_table(r) || rt->storage != rt) {
        ck_send(r, status, "application/json", w->json, w->len);
        return;
    }
    ck_kv kv = {.key = "", .value = w->json, .len = w->len};
    json_t *doc = json_loadb(w->json, w->len, 0, NULL);
    const char *ns = ck_obj_str(doc, "metadata.namespace");
    const char *name = ck_obj_str(doc, "metadata.name");
    char *rest = ns ? xasprintf("%s/%s", ns, name ? name : "") : xstrdup(name ? name : "");
    const char *rv = ck_obj_str(doc, "metadata.resourceVersion");
    ck_obj *o = ck_obj_make(rt->storage, rest, &kv, rv ? strtoll(rv, NULL, 10) : 0);
    free(rest);
    json_decref(doc);
    if (o)
        ck_send_object(r, rt, status, o);
    else
        ck_send(r, status, "application/json", w->json, w->len);
    ck_obj_unref(o);
}

static const char *default_manager(ck_request *r)
{
    const char *m = ck_query(r, "fieldManager");
    if (m && *m) return m;
    const char *ua = ck_header(r, "user-agent");
    if (!ua) return "unknown";
    /* Upstream takes the user agent up to the first '/'. */
    const char *slash = strchr(ua, '/');
    return slash ? h2o_strdup(&r->h2o->pool, ua, (size_t)(slash - ua)).base : ua;
}

/* Creates obj (stolen; already decoded and field-validated) and answers 201. A PUT that
 * creates passes the URL's name, which the body must match. */
static void create_obj(ck_request *r, ck_reqinfo *ri, json_t *obj)
{
    ck_err *err = NULL;
    ck_written w = {0};
    const char *name = ck_obj_str(obj, "metadata.name");
    if (ri->name && name && !streq(name, ri->name)) {
        ck_error(&err, 400, CK_BAD_REQUEST,
                 "the name of the object (%s) does not match the name on the URL (%s)", name,
                 ri->name);
        goto fail;
    }
    if (ri->name)
        json_object_set_new(ck_obj_ensure(obj, "metadata"), "name", json_string(ri->name));
    ck_write_opts o = {.dry_run = dry_run(r),
                       .field_manager = default_manager(r),
                       .operation = "Update",
                       .user = &r->user,
                       .req = r};
    if (ck_objstore_create(r->srv, ri->rt, ri->ns, obj, &o, &w, &err) < 0) goto fail;
    send_written(r, ri->rt, 201, &w);
    goto done;
fail:
    ck_send_err(r, err);
    ck_err_free(err);
done:
    ck_written_clear(&w);
    json_decref(obj);
}

void ck_rest_create(ck_request *r, ck_reqinfo *ri)
{
    ck_err *err = NULL;
    json_t *obj = NULL;
    if (ri->sub || ri->name) {
        ck_send_status(r, 405, CK_METHOD_NOT_ALLOWED,
                       "the server does not allow this method on the requested resource");
        return;
    }
    if (check_dry_run(r, &err) < 0 || check_field_manager(r, &err) < 0 ||
        ck_decode_body(r, &obj, &err) < 0 ||
        field_validation(r, ri->rt, ri->rt->schema, obj, true, &err) < 0) {
        ck_send_err(r, err);
        ck_err_free(err);
        json_decref(obj);
        return;
    }
    create_obj(r, ri, obj);
}

/* Scale subresource: a view of spec.replicas and the selector. */
static json_t *scale_of(ck_rtype *rt, const json_t *doc)
{
    json_t *meta = json_object_get(doc, "metadata");
    json_t *smeta = json_object();
    static const char *const keep[] = {"name", "namespace", "uid", "resourceVersion",
                                       "creationTimestamp"};
    for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
        if (json_object_get(meta, keep[i]))
            json_object_set(smeta, keep[i], json_object_get(meta, keep[i]));
    json_int_t spec = json_integer_value(ck_obj_get(doc, "spec.replicas"));
    json_int_t status = json_integer_value(ck_obj_get(doc, "status.replicas"));
    json_t *sc = json_pack("{s:s, s:s, s:o, s:{s:I}, s:{s:I}}", "kind", "Scale", "apiVersion",
                           "autoscaling/v1", "metadata", smeta, "spec", "replicas", spec, "status",
                           "replicas", status);
    /* status.selector is the label selector in its string form. */
    json_t *sel = ck_obj_get(doc, "spec.selector");
    json_t *ml = json_is_object(json_object_get(sel, "matchLabels"))
                     ? json_object_get(sel, "matchLabels")
                 : streq(rt->def->plural, "replicationcontrollers") ? sel
                                                                    : NULL;
    if (json_is_object(ml)) {
        size_t cap = 1, n = 0;
        char *s = xcalloc(1, 1);
        const char *k;
        json_t *v;
        json_object_foreach(ml, k, v)
        {
            const char *val = json_string_value(v) ? json_string_value(v) : "";
            cap += strlen(k) + strlen(val) + 2;
            s = xrealloc(s, cap);
            n += (size_t)sprintf(s + n, "%s%s=%s", n ? "," : "", k, val);
        }
        json_object_set_new(json_object_get(sc, "status"), "selector", json_string(s));
        free(s);
    }
    return sc;
}

void ck_rest_get_scale(ck_request *r, ck_reqinfo *ri, const ck_obj *o)
{
    json_t *doc = ck_obj_parse(o);
    ck_send_json(r, 200, scale_of(ri->rt, doc));
    json_decref(doc);
}

/* Applies a new Scale to the parent object: returns the new parent (new reference). */
static json_t *apply_scale(ck_rtype *rt, json_t *doc, json_t *scale, ck_err **err)
{
    json_t *rep = ck_obj_get(scale, "spec.replicas");
    if (rep && !json_is_integer(rep)) {
        ck_error(err, 400, CK_BAD_REQUEST, "spec.replicas must be an integer");
        return NULL;
    }
    json_int_t n = json_integer_value(rep);
    if (n < 0) {
        json_t *d = json_pack(
            "{s:s, s:s, s:[{s:s, s:s, s:s}]}", "name", ck_obj_str(doc, "metadata.name"), "kind",
            "Scale", "causes", "reason", "FieldValueInvalid", "message",
            "Invalid value: -1: must be greater than or equal to 0", "field", "spec.replicas");
        json_object_set_new(d, "group", json_string("autoscaling"));
        ck_error_details(err, 422, CK_INVALID, d,
                         "Scale.autoscaling \"%s\" is invalid: spec.replicas: Invalid value: "
                         "%lld: must be greater than or equal to 0",
                         ck_obj_str(doc, "metadata.name"), (long long)n);
        return NULL;
    }
    (void)rt;
    json_t *out = json_deep_copy(doc);
    json_object_set_new(ck_obj_ensure(out, "spec"), "replicas", json_integer(n));
    const char *rv = ck_obj_str(scale, "metadata.resourceVersion");
    json_t *meta = json_object_get(out, "metadata");
    if (rv && *rv) json_object_set_new(meta, "resourceVersion", json_string(rv));
    return out;
}

/* Runs an update of `old` to `obj` (stolen) and sends the result. */
static void do_update(ck_request *r, ck_reqinfo *ri, const ck_obj *old, json_t *obj,
                      const char *operation, bool ignore_rv)
{
    ck_err *err = NULL;
    ck_written w = {0};
    ck_write_opts o = {.dry_run = dry_run(r),
                       .field_manager = default_manager(r),
                       .operation = operation,
                       .ignore_rv = ignore_rv,
                       .subresource = ri->sub,
                       .user = &r->user,
                       .req = r};
    if (ri->sub && streq(ri->sub, "scale")) o.subresource = NULL;
    if (ck_objstore_update(r->srv, ri->rt, old, obj, &o, &w, &err) < 0) {
        ck_send_err(r, err);
        ck_err_free(err);
    } else if (ri->sub && streq(ri->sub, "scale")) {
        json_t *doc = json_loadb(w.json, w.len, 0, NULL);
        ck_send_json(r, 200, scale_of(ri->rt, doc));
        json_decref(doc);
    } else {
        send_written(r, ri->rt, 200, &w);
    }
    ck_written_clear(&w);
    json_decref(obj);
}

void ck_rest_update(ck_request *r, ck_reqinfo *ri)
{
    ck_err *err = NULL;
    json_t *obj = NULL;
    bool scale = ri->sub && streq(ri->sub, "scale");
    if (check_dry_run(r, &err) < 0 || check_field_manager(r, &err) < 0 ||
        ck_decode_body(r, &obj, &err) < 0 ||
        field_validation(r, ri->rt,
                         scale ? ck_schema_def_by_name("io.k8s.api.autoscaling.v1.Scale")
                               : ri->rt->schema,
                         obj, true, &err) < 0) {
        ck_send_err(r, err);
        ck_err_free(err);
        return;
    }
    ck_obj *old = ck_cache_get(r->srv->cache, ri->rt, ri->ns, ri->name);
    if (!old) {
        /* PUT creates for kinds that allow it (upstream's AllowCreateOnUpdate); else 404. */
        if (ri->rt->def->create_on_update && !ri->sub) {
            create_obj(r, ri, obj);
            return;
        }
        ck_send_not_found(r, ri->rt, ri->name);
        json_decref(obj);
        return;
    }
    ck_obj_ref(old);
    if (ri->sub && streq(ri->sub, "scale")) {
        json_t *doc = ck_obj_parse_for(old, ri->rt);
        json_t *parent = apply_scale(ri->rt, doc, obj, &err);
        json_decref(doc);
        json_decref(obj);
        if (!parent) {
            ck_send_err(r, err);
            ck_err_free(err);
        } else {
            do_update(r, ri, old, parent, "Update", false);
        }
    } else {
        do_update(r, ri, old, obj, "Update", false);
    }
    ck_obj_unref(old);
}

void ck_rest_patch(ck_request *r, ck_reqinfo *ri)
{
    ck_err *err = NULL;
    json_t *patch = NULL, *doc = NULL, *result = NULL;
    const char *ct = r->content_type ? r->content_type : "";
    bool apply = streq(ct, "application/apply-patch+yaml");
    ck_obj *old = NULL;
    if (check_dry_run(r, &err) < 0 || check_field_manager(r, &err) < 0) goto fail;
    if (!streq(ct, "application/json-patch+json") && !streq(ct, "application/merge-patch+json") &&
        !streq(ct, "application/strategic-merge-patch+json") && !apply) {
        ck_error(&err, 415, CK_UNSUPPORTED_MEDIA,
                 "the body of the request was in an unknown format - accepted media types "
                 "include: application/json-patch+json, application/merge-patch+json, "
                 "application/apply-patch+yaml, application/strategic-merge-patch+json");
        goto fail;
    }
    if (apply && !ck_query(r, "fieldManager")) {
        ck_error(&err, 400, CK_BAD_REQUEST,
                 "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is "
                 "required for apply patch");
        goto fail;
    }
    if (ck_decode_body(r, &patch, &err) < 0) goto fail;
    old = ck_obj_ref(ck_cache_get(r->srv->cache, ri->rt, ri->ns, ri->name));
    if (apply) {
        ck_apply(r, ri, old, patch);
        goto done;
    }
    if (!old) {
        ck_err_not_found(&err, ri->rt, ri->name);
        goto fail;
    }
    doc = ck_obj_parse_for(old, ri->rt);
    bool scale = ri->sub && streq(ri->sub, "scale");
    json_t *target = scale ? scale_of(ri->rt, doc) : json_incref(doc);
    int rc;
    if (streq(ct, "application/json-patch+json"))
        rc = ck_json_patch(target, patch, &result, &err);
    else if (streq(ct, "application/merge-patch+json"))
        rc = ck_merge_patch(target, patch, &result, &err);
    else
        rc = ck_strategic_merge_patch(target, patch, scale ? NULL : ri->rt->schema, &result, &err);
    json_decref(target);
    if (rc < 0) goto fail;
    if (field_validation(r, ri->rt,
                         scale ? ck_schema_def_by_name("io.k8s.api.autoscaling.v1.Scale")
                               : ri->rt->schema,
                         result, false, &err) < 0)
        goto fail;
    if (scale) {
        json_t *parent = apply_scale(ri->rt, doc, result, &err);
        json_decref(result);
        result = NULL;
        if (!parent) goto fail;
        result = parent;
    }
    /* A patch without a resourceVersion applies to the current object. */
    json_t *prv = ck_obj_get(patch, "metadata.resourceVersion");
    do_update(r, ri, old, result, "Update", !json_is_string(prv) && !scale);
    result = NULL;
    goto done;
fail:
    ck_send_err(r, err);
    ck_err_free(err);
done:
    ck_obj_unref(old);
    json_decref(patch);
    json_decref(doc);
    json_decref(result);
}
