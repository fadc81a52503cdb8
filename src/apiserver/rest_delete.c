/* DELETE of one object and of a collection. */
#include <stdio.h>

#include "apiserver/api.h"
#include "apiserver/objstore.h"
#include "auth/authz.h"
#include "lib/util.h"
#include "machinery/selector.h"

static int delete_options(ck_request *r, json_t **opts, bool *dry, ck_err **err)
{
    *opts = NULL;
    const char *d = ck_query(r, "dryRun");
    *dry = d && streq(d, "All");
    if (r->body_len > 0 && ck_decode_body(r, opts, err) < 0) return -1;
    if (*opts && !json_is_object(*opts)) {
        json_decref(*opts);
        *opts = NULL;
        return ck_error(err, 400, CK_BAD_REQUEST, "DeleteOptions must be an object");
    }
    if (!*opts) *opts = json_object();
    const char *pp = ck_query(r, "propagationPolicy");
    if (pp) json_object_set_new(*opts, "propagationPolicy", json_string(pp));
    json_t *dr = json_object_get(*opts, "dryRun");
    if (json_is_array(dr) && json_array_size(dr) == 1 &&
        streq(json_string_value(json_array_get(dr, 0)), "All"))
        *dry = true;
    const char *policy = json_string_value(json_object_get(*opts, "propagationPolicy"));
    if (policy && !streq(policy, "Foreground") && !streq(policy, "Background") &&
        !streq(policy, "Orphan"))
        return ck_error(err, 422, CK_INVALID,
                        "propagationPolicy: Unsupported value: \"%s\": supported values: "
                        "\"Foreground\", \"Background\", \"Orphan\"",
                        policy);
    return 0;
}

static json_t *success_status(ck_rtype *rt, const ck_obj *o)
{
    json_t *d = ck_status_details(rt, o->name);
    if (o->uid) json_object_set_new(d, "uid", json_string(o->uid));
    return json_pack("{s:s, s:s, s:{}, s:s, s:o}", "kind", "Status", "apiVersion", "v1", "metadata",
                     "status", "Success", "details", d);
}

void ck_rest_delete(ck_request *r, ck_reqinfo *ri)
{
    ck_err *err = NULL;
    json_t *opts = NULL;
    bool dry = false;
    ck_written w = {0};
    if (ri->sub) {
        ck_send_status(r, 405, CK_METHOD_NOT_ALLOWED,
                       "the server does not allow this method on the requested resource");
        return;
    }
    if (delete_options(r, &opts, &dry, &err) < 0) goto fail;
    ck_obj *o = ck_obj_ref(ck_cache_get(r->srv->cache, ri->rt, ri->ns, ri->name));
    if (!o) {
        ck_err_not_found(&err, ri->rt, ri->name);
        goto fail;
    }
    if (!*ri->rt->def->group && streq(ri->rt->def->plural, "pods")) {
        json_t *pod = ck_obj_parse(o);
        int denied = ck_noderestriction_pod_delete(
            r->user.name, (const char *const *)r->user.groups, pod, false, &err);
        json_decref(pod);
        if (denied < 0) {
            ck_obj_unref(o);
            goto fail;
        }
    }
    ck_write_opts wo = {.dry_run = dry, .user = &r->user, .req = r};
    int rc = ck_objstore_delete(r->srv, ri->rt, o, opts, &wo, &w, &err);
    if (rc == 0) {
        if (!w.deleted)
            ck_send(r, 200, "application/json", w.json, w.len);
        else if (ri->rt->def->return_deleted)
            ck_send(r, 200, "application/json", w.json, w.len);
        else
            ck_send_json(r, 200, success_status(ri->rt, o));
    }
    ck_obj_unref(o);
    if (rc < 0) goto fail;
    goto done;
fail:
    ck_send_err(r, err);
    ck_err_free(err);
done:
    ck_written_clear(&w);
    json_decref(opts);
}

typedef struct dc_ctx {
    ck_label_selector *lsel;
    ck_field_selector *fsel;
    ck_obj **items;
    size_t n, cap;
} dc_ctx;

static const char *field_get(const char *field, void *ctx)
{
    return ck_obj_field(ctx, field);
}

static bool pick(ck_obj *o, void *arg)
{
    dc_ctx *c = arg;
    if (c->lsel && !ck_label_selector_matches(c->lsel, o->labels)) return true;
    if (c->fsel && !ck_field_selector_matches(c->fsel, field_get, o)) return true;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 32;
        c->items = xrealloc(c->items, c->cap * sizeof *c->items);
    }
    c->items[c->n++] = ck_obj_ref(o);
    return true;
}

void ck_rest_deletecollection(ck_request *r, ck_reqinfo *ri)
{
    ck_err *err = NULL;
    json_t *opts = NULL;
    bool dry = false;
    dc_ctx c = {0};
    if (delete_options(r, &opts, &dry, &err) < 0 ||
        ck_parse_selectors(r, ri->rt, &c.lsel, &c.fsel, &err) < 0)
        goto fail;
    ck_cache_each(r->srv->cache, ri->rt, ri->ns, NULL, pick, &c);
    json_t *items = json_array();
    for (size_t i = 0; i < c.n; i++) {
        ck_written w = {0};
        ck_err *e = NULL;
        ck_write_opts wo = {.dry_run = dry, .user = &r->user, .req = r};
        if (ck_objstore_delete(r->srv, ri->rt, c.items[i], opts, &wo, &w, &e) == 0)
            json_array_append_new(items, json_loadb(w.json, w.len, 0, NULL));
        ck_err_free(e); /* objects deleted concurrently are skipped, as upstream */
        ck_written_clear(&w);
        if (r->suspended) break; /* webhooks are being called: this runs again */
    }
    char rv[24];
    snprintf(rv, sizeof rv, "%lld", (long long)ck_cache_rev(r->srv->cache));
    char kind[128];
    snprintf(kind, sizeof kind, "%sList", ri->rt->res->kind);
    ck_send_json(r, 200,
                 json_pack("{s:s, s:s, s:{s:s}, s:o}", "kind", kind, "apiVersion",
                           ri->rt->api_version, "metadata", "resourceVersion", rv, "items", items));
    goto done;
fail:
    ck_send_err(r, err);
    ck_err_free(err);
done:
    for (size_t i = 0; i < c.n; i++)
        ck_obj_unref(c.items[i]);
    free(c.items);
    ck_label_selector_free(c.lsel);
    ck_field_selector_free(c.fsel);
    json_decref(opts);
}
