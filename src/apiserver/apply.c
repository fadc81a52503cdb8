/* Server-side apply: the applied configuration is merged into the live object with the
 * schema's merge keys, and the manager is recorded with operation "Apply". */
#include "apiserver/apply.h"

#include "apiserver/objstore.h"
#include "lib/util.h"
#include "machinery/patch.h"

void ck_apply(ck_request *r, ck_reqinfo *ri, ck_obj *old, json_t *cfg)
{
    ck_err *err = NULL;
    ck_written w = {0};
    json_t *obj = NULL;
    const char *d = ck_query(r, "dryRun");
    ck_write_opts o = {.dry_run = d && streq(d, "All"),
                       .field_manager = ck_query(r, "fieldManager"),
                       .operation = "Apply",
                       .subresource = ri->sub,
                       .ignore_rv = true};
    if (!json_is_object(cfg)) {
        ck_error(&err, 400, CK_BAD_REQUEST, "apply patch must be an object");
        goto fail;
    }
    const char *name = ck_obj_str(cfg, "metadata.name");
    if (name && !streq(name, ri->name)) {
        ck_error(&err, 400, CK_BAD_REQUEST,
                 "the name of the object (%s) does not match the name on the URL (%s)", name,
                 ri->name);
        goto fail;
    }
    if (!old) {
        obj = json_deep_copy(cfg);
        json_object_set_new(ck_obj_ensure(obj, "metadata"), "name", json_string(ri->name));
        if (ck_objstore_create(r->srv, ri->rt, ri->ns, obj, &o, &w, &err) < 0) goto fail;
        ck_send(r, 201, "application/json", w.json, w.len);
        goto done;
    }
    json_t *live = ck_obj_parse(old);
    int rc = ck_strategic_merge_patch(live, cfg, ri->rt->schema, &obj, &err);
    json_decref(live);
    if (rc < 0) goto fail;
    const char *rv = ck_obj_str(cfg, "metadata.resourceVersion");
    if (rv && *rv) o.ignore_rv = false;
    if (ck_objstore_update(r->srv, ri->rt, old, obj, &o, &w, &err) < 0) goto fail;
    ck_send(r, 200, "application/json", w.json, w.len);
    goto done;
fail:
    ck_send_err(r, err);
    ck_err_free(err);
done:
    ck_written_clear(&w);
    json_decref(obj);
}
