/* Create/update/delete of API objects over the storage backend. */
#include "apiserver/objstore.h"
#include "admission/admission.h"

#include <stdio.h>

#include "apiserver/api.h"
#include "apiserver/managed.h"
#include "auth/authz.h"
#include "lib/random.h"
#include "lib/util.h"
#include "machinery/validation.h"

void ck_written_clear(ck_written *w)
{
    free(w->json);
    memset(w, 0, sizeof *w);
}

static json_t *meta_of(json_t *obj)
{
    json_t *m = json_object_get(obj, "metadata");
    if (!json_is_object(m)) {
        m = json_object();
        json_object_set_new(obj, "metadata", m);
    }
    return m;
}

/* Namespace must exist and not be terminating for creates. */
static int check_namespace(ck_apiserver *srv, const char *ns, ck_err **err)
{
    ck_rtype *nsrt = ck_registry_find("", "v1", "namespaces");
    ck_obj *o = ck_cache_get(srv->cache, nsrt, NULL, ns);
    if (!o) return ck_err_not_found(err, nsrt, ns);
    json_t *doc = ck_obj_parse(o);
    bool terminating = ck_obj_get(doc, "metadata.deletionTimestamp") ||
                       streq(ck_obj_str(doc, "status.phase"), "Terminating");
    json_decref(doc);
    if (terminating) {
        json_t *d = json_pack("{s:s, s:s, s:[{s:s, s:s, s:s}]}", "name", ns, "kind", "namespaces",
                              "causes", "reason", "NamespaceTerminating", "message",
                              "namespace is being terminated", "field", "metadata.namespace");
        char *m = xasprintf("unable to create new content in namespace %s because it is being "
                            "terminated",
                            ns);
        int r = ck_error_details(err, 403, CK_FORBIDDEN, d, "%s", m);
        free(m);
        return r;
    }
    return 0;
}

static int check_kind(ck_rtype *rt, json_t *obj, ck_err **err)
{
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    const char *av = json_string_value(json_object_get(obj, "apiVersion"));
    if ((kind && !streq(kind, rt->res->kind)) || (av && !streq(av, rt->api_version)))
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "the API version in the data (%s) does not match the expected API "
                        "version (%s)",
                        av ? av : "", rt->api_version);
    json_object_set_new(obj, "kind", json_string(rt->res->kind));
    json_object_set_new(obj, "apiVersion", json_string(rt->api_version));
    return 0;
}

static int validate(ck_rtype *rt, json_t *obj, const json_t *old, ck_err **err)
{
    ck_field_errors *fe = ck_ferrs_new();
    ck_validate_object_meta(json_object_get(obj, "metadata"), rt->res->namespaced,
                            rt->def->validate_name, fe);
    ck_validate_kube_finalizers(json_object_get(obj, "metadata"), fe);
    if (old)
        ck_validate_object_meta_update(json_object_get(obj, "metadata"),
                                       json_object_get(old, "metadata"), fe);
    if (rt->def->validate) rt->def->validate(obj, fe);
    if (old && rt->def->validate_update) rt->def->validate_update(obj, old, fe);
    int r = 0;
    if (!ck_ferrs_empty(fe))
        r = ck_ferrs_to_err(
            fe, rt->res->kind, rt->def->group,
            ck_obj_str(obj, "metadata.name") ? ck_obj_str(obj, "metadata.name") : "", err);
    ck_ferrs_free(fe);
    return r;
}

/* ObjectMeta's lists and maps are omitempty upstream: an empty one (a patch deleting the
 * last owner reference, say) is not stored. */
static void drop_empty_meta(json_t *obj)
{
    static const char *const keys[] = {"labels", "annotations", "ownerReferences", "finalizers",
                                       "managedFields"};
    json_t *m = json_object_get(obj, "metadata");
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        json_t *v = json_object_get(m, keys[i]);
        if ((json_is_array(v) && !json_array_size(v)) ||
            (json_is_object(v) && !json_object_size(v)))
            json_object_del(m, keys[i]);
    }
}

/* Serialized value without resourceVersion (the store assigns it). */
static char *encode_for_store(json_t *obj)
{
    drop_empty_meta(obj);
    json_t *m = json_object_get(obj, "metadata");
    json_object_del(m, "resourceVersion");
    return json_dumps(obj, JSON_COMPACT);
}

static int finish_write(ck_apiserver *srv, ck_rtype *rt, const char *ns, const char *name,
                        int64_t rev, json_t *obj, bool dry_run, ck_written *out)
{
    if (dry_run || !srv->cache) {
        drop_empty_meta(obj);
        if (rev) {
            char rv[24];
            snprintf(rv, sizeof rv, "%lld", (long long)rev);
            json_object_set_new(meta_of(obj), "resourceVersion", json_string(rv));
        }
        out->json = json_dumps(obj, JSON_COMPACT);
        out->len = strlen(out->json);
        return 0;
    }
    ck_obj *o = ck_cache_get(srv->cache, rt, ns, name);
    if (o && o->mod_rev == rev) {
        out->json = xstrndup(o->json, o->len);
        out->len = o->len;
        return 0;
    }
    /* The cache has not seen the write (remote stores); answer from what was written. */
    return finish_write(srv, rt, ns, name, rev, obj, true, out);
}

/* The strategy context of a write: the server, dry-run and the requester. */
static ck_strategy_ctx strategy_ctx(ck_apiserver *srv, const ck_write_opts *o)
{
    static const char *const anon_groups[] = {"system:unauthenticated", NULL};
    ck_strategy_ctx c = {.srv = srv, .dry_run = o && o->dry_run};
    if (o && o->user) {
        c.user = o->user->name ? o->user->name : "system:anonymous";
        c.groups = o->user->name ? (const char *const *)o->user->groups : anon_groups;
        c.uid = o->user->uid;
        c.extra = o->user->extra;
    }
    return c;
}

/* Admission attributes for a write; the server's own writes carry no user. */
static ck_admission_attrs admission_attrs(const ck_strategy_ctx *c, ck_rtype *rt, const char *op,
                                          const ck_write_opts *o, const char *ns, const json_t *obj)
{
    return (ck_admission_attrs){.srv = c->srv,
                                .rt = rt,
                                .operation = op,
                                .sub = o ? o->subresource : NULL,
                                .ns = ns,
                                .name = ck_obj_str(obj, "metadata.name"),
                                .user = c->user,
                                .groups = c->groups,
                                .dry_run = c->dry_run,
                                .field_manager = o ? o->field_manager : NULL,
                                .req = o ? o->req : NULL};
}

static int create_obj(ck_apiserver *srv, ck_rtype *rt, const char *ns, json_t *obj,
                      const ck_write_opts *o, ck_written *out, ck_err **err)
{
    if (!json_is_object(obj)) return ck_error(err, 400, CK_BAD_REQUEST, "body must be an object");
    if (check_kind(rt, obj, err) < 0) return -1;
    json_t *meta = meta_of(obj);
    const char *objns = json_string_value(json_object_get(meta, "namespace"));
    if (rt->res->namespaced) {
        if (objns && *objns && ns && !streq(objns, ns))
            return ck_error(err, 400, CK_BAD_REQUEST,
                            "the namespace of the provided object does not match the namespace "
                            "sent on the request");
        if (!ns) ns = objns;
        if (!ns || !*ns) ns = "default";
        json_object_set_new(meta, "namespace", json_string(ns));
    } else {
        json_object_del(meta, "namespace");
        ns = NULL;
    }
    const char *rv = json_string_value(json_object_get(meta, "resourceVersion"));
    if (rv && *rv)
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "resourceVersion should not be set on objects to be created");
    if (ns && srv->cache && check_namespace(srv, ns, err) < 0) return -1;
    if (rt->def->defaults) rt->def->defaults(obj);
    ck_strategy_ctx sctx = strategy_ctx(srv, o);
    ck_admission_attrs aa = admission_attrs(&sctx, rt, "CREATE", o, ns, obj);
    if (ck_admission_mutate(&aa, obj, NULL, err) < 0) return -1;
    /* Then, as upstream's Store.Create and BeforeCreate: system fields, generateName, the
     * kind's PrepareForCreate. Webhooks may have replaced the object's contents, so no
     * pointers into the old ones. */
    meta = meta_of(obj);
    const char *name = json_string_value(json_object_get(meta, "name"));
    const char *gen = json_string_value(json_object_get(meta, "generateName"));
    if ((!name || !*name) && gen && *gen) {
        char *n = ck_generate_name(gen);
        json_object_set_new(meta, "name", json_string(n));
        free(n);
    }
    name = json_string_value(json_object_get(meta, "name"));
    if (!name || !*name) {
        ck_field_errors *fe = ck_ferrs_new();
        ck_ferr_required(fe, "metadata.name", "name or generateName is required");
        int r = ck_ferrs_to_err(fe, rt->res->kind, rt->def->group, "", err);
        ck_ferrs_free(fe);
        return r;
    }
    char uid[37], now[32];
    ck_uuid(uid);
    rfc3339_now(now);
    json_object_set_new(meta, "uid", json_string(uid));
    json_object_set_new(meta, "creationTimestamp", json_string(now));
    json_object_del(meta, "deletionTimestamp");
    json_object_del(meta, "deletionGracePeriodSeconds");
    json_object_del(meta, "selfLink");
    if (rt->def->generation)
        json_object_set_new(meta, "generation", json_integer(1));
    else
        json_object_del(meta, "generation");
    if (rt->has_status && !rt->def->no_status_reset) json_object_del(obj, "status");
    if (rt->def->prepare_create) rt->def->prepare_create(obj);
    if (rt->def->defaults) rt->def->defaults(obj);
    meta = meta_of(obj);
    name = json_string_value(json_object_get(meta, "name"));
    aa.name = name;
    if (validate(rt, obj, NULL, err) < 0) return -1;
    if (ck_noderestriction_admit(&sctx, rt, o ? o->subresource : NULL, obj, NULL, err) < 0 ||
        ck_admission_validate(&aa, obj, NULL, err) < 0)
        return -1;
    ck_managed_fields_update(obj, NULL, o ? o->field_manager : NULL,
                             o && o->operation ? o->operation : "Update", rt->api_version,
                             o ? o->subresource : NULL, now);

    if (rt->def->before_create && rt->def->before_create(&sctx, obj, err) < 0) return -1;
    name = json_string_value(json_object_get(meta, "name"));
    char *key = ck_storage_key(rt, ns, name);
    int64_t rev = 0;
    int r = 0;
    if (!(o && o->dry_run)) {
        if (srv->cache && ck_cache_get(srv->cache, rt, ns, name)) {
            ck_error_details(err, 409, CK_ALREADY_EXISTS, ck_status_details(rt, name),
                             "%s \"%s\" already exists", rt->qualified, name);
            r = -1;
        } else {
            char *val = encode_for_store(obj);
            r = srv->store->ops->create(srv->store, key, val, strlen(val), &rev, err);
            free(val);
            if (r < 0 && (*err)->code == 409) {
                ck_err_free(*err);
                *err = NULL;
                ck_error_details(err, 409, CK_ALREADY_EXISTS, ck_status_details(rt, name),
                                 "%s \"%s\" already exists", rt->qualified, name);
            }
        }
        if (r < 0 && rt->def->after_delete) rt->def->after_delete(&sctx, obj); /* undo */
    }
    free(key);
    if (r < 0) return -1;
    return finish_write(srv, rt, ns, name, rev, obj, o && o->dry_run, out);
}

static bool deleting(const json_t *obj)
{
    return ck_obj_get(obj, "metadata.deletionTimestamp") != NULL;
}

static bool has_finalizers(const json_t *obj)
{
    return json_array_size(ck_obj_get(obj, "metadata.finalizers")) > 0;
}

static int store_delete(ck_apiserver *srv, ck_rtype *rt, const ck_obj *old, const json_t *olddoc,
                        bool dry_run, ck_written *out, ck_err **err)
{
    int64_t rev = 0;
    if (!dry_run) {
        char *key = ck_storage_key(rt, old->ns, old->name);
        int r = srv->store->ops->del(srv->store, key, old->mod_rev, &rev, err);
        free(key);
        if (r < 0) return -1;
        ck_strategy_ctx sctx = {.srv = srv};
        if (rt->def->after_delete) rt->def->after_delete(&sctx, olddoc);
    }
    out->json = xstrndup(old->json, old->len);
    out->len = old->len;
    out->deleted = true;
    return 0;
}

static int update_obj(ck_apiserver *srv, ck_rtype *rt, const ck_obj *old, json_t *obj,
                      const ck_write_opts *o, ck_written *out, ck_err **err)
{
    if (!json_is_object(obj)) return ck_error(err, 400, CK_BAD_REQUEST, "body must be an object");
    if (check_kind(rt, obj, err) < 0) return -1;
    json_t *meta = meta_of(obj);
    const char *name = json_string_value(json_object_get(meta, "name"));
    if (name && !streq(name, old->name))
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "the name of the object (%s) does not match the name on the URL (%s)", name,
                        old->name);
    const char *objns = json_string_value(json_object_get(meta, "namespace"));
    if (rt->res->namespaced && objns && *objns && !streq(objns, old->ns))
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "the namespace of the provided object does not match the namespace sent "
                        "on the request");
    json_object_set_new(meta, "name", json_string(old->name));
    if (old->ns) json_object_set_new(meta, "namespace", json_string(old->ns));
    const char *rv = json_string_value(json_object_get(meta, "resourceVersion"));
    if (!(o && o->ignore_rv) && rv && *rv && strtoll(rv, NULL, 10) != old->mod_rev)
        return ck_error_details(err, 409, CK_CONFLICT, ck_status_details(rt, old->name),
                                "Operation cannot be fulfilled on %s \"%s\": the object has been "
                                "modified; please apply your changes to the latest version and "
                                "try again",
                                rt->qualified, old->name);

    json_t *olddoc = ck_obj_parse(old);
    json_t *oldmeta = json_object_get(olddoc, "metadata");
    const char *sub = o ? o->subresource : NULL;
    if (sub && streq(sub, "finalize")) {
        /* Namespace finalize changes spec.finalizers only. */
        json_t *fin = json_incref(ck_obj_get(obj, "spec.finalizers"));
        json_t *managed = json_incref(json_object_get(meta, "managedFields"));
        json_object_clear(obj);
        json_object_update(obj, olddoc);
        json_t *spec = ck_obj_ensure(obj, "spec");
        if (fin)
            json_object_set_new(spec, "finalizers", fin);
        else
            json_object_del(spec, "finalizers");
        meta = meta_of(obj);
        if (managed) json_object_set_new(meta, "managedFields", managed);
    } else if (sub && (streq(sub, "status") || streq(sub, "approval"))) {
        /* Status (and CSR approval) updates change status only (and metadata bookkeeping). */
        json_t *status = json_incref(json_object_get(obj, "status"));
        json_t *managed = json_incref(json_object_get(meta, "managedFields"));
        json_object_clear(obj);
        json_object_update(obj, olddoc);
        if (status)
            json_object_set_new(obj, "status", status);
        else
            json_object_del(obj, "status");
        meta = meta_of(obj);
        if (managed) json_object_set_new(meta, "managedFields", managed);
    } else if (rt->has_status && !rt->def->no_status_reset) {
        json_t *st = json_object_get(olddoc, "status");
        if (st)
            json_object_set(obj, "status", st);
        else
            json_object_del(obj, "status");
    }
    /* System fields are not the client's to change. */
    static const char *const keep[] = {"creationTimestamp", "deletionTimestamp",
                                       "deletionGracePeriodSeconds", "generation"};
    for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
        json_t *v = json_object_get(oldmeta, keep[i]);
        if (v)
            json_object_set(meta, keep[i], v);
        else
            json_object_del(meta, keep[i]);
    }
    if (!json_object_get(meta, "uid") && json_object_get(oldmeta, "uid"))
        json_object_set(meta, "uid", json_object_get(oldmeta, "uid"));
    json_object_del(meta, "selfLink");

    int r = -1;
    /* An unconditional update is validated as if it named the current version. */
    json_object_set(meta, "resourceVersion", json_object_get(oldmeta, "resourceVersion"));
    bool main_or_status = !sub || streq(sub, "status");
    if (main_or_status && rt->def->prepare_update) rt->def->prepare_update(obj, olddoc);
    if (!main_or_status && rt->def->prepare_subresource)
        rt->def->prepare_subresource(sub, obj, olddoc);
    if (rt->def->defaults) rt->def->defaults(obj);
    json_t *spec = json_object_get(obj, "spec"), *oldspec = json_object_get(olddoc, "spec");
    if (rt->def->generation && !sub && (spec || oldspec) && !json_equal(spec, oldspec)) {
        json_int_t g = json_integer_value(json_object_get(oldmeta, "generation"));
        json_object_set_new(meta, "generation", json_integer(g + 1));
    }
    ck_strategy_ctx sctx = strategy_ctx(srv, o);
    ck_admission_attrs aa = admission_attrs(&sctx, rt, "UPDATE", o, old->ns, obj);
    if (ck_admission_mutate(&aa, obj, olddoc, err) < 0) goto done;
    meta = meta_of(obj);
    aa.name = ck_obj_str(obj, "metadata.name");
    if (validate(rt, obj, olddoc, err) < 0) goto done;
    if (ck_noderestriction_admit(&sctx, rt, sub, obj, olddoc, err) < 0 ||
        ck_admission_validate(&aa, obj, olddoc, err) < 0)
        goto done;

    char now[32];
    rfc3339_now(now);
    /* managedFields first: a manager entry only changes when fields do, so a no-op update
     * (managedFields included, as upstream) writes nothing. */
    json_object_set(meta, "resourceVersion", json_object_get(oldmeta, "resourceVersion"));
    ck_managed_fields_update(obj, olddoc, o ? o->field_manager : NULL,
                             o && o->operation ? o->operation : "Update", rt->api_version, sub,
                             now);
    if (json_equal(obj, olddoc)) {
        out->json = xstrndup(old->json, old->len);
        out->len = old->len;
        out->unchanged = true;
        r = 0;
        goto done;
    }
    if (rt->def->before_update && rt->def->before_update(&sctx, obj, olddoc, err) < 0) goto done;

    /* Removing the last finalizer of an object being deleted deletes it. */
    if (deleting(obj) && !has_finalizers(obj) && !(o && o->dry_run)) {
        r = store_delete(srv, rt, old, olddoc, false, out, err);
        goto done;
    }
    int64_t rev = 0;
    if (!(o && o->dry_run)) {
        char *key = ck_storage_key(rt, old->ns, old->name);
        char *val = encode_for_store(obj);
        r = srv->store->ops->update(srv->store, key, old->mod_rev, val, strlen(val), &rev, err);
        free(key);
        free(val);
        if (r < 0) goto done;
    }
    r = finish_write(srv, rt, old->ns, old->name, rev, obj, o && o->dry_run, out);
done:
    json_decref(olddoc);
    return r;
}

static int check_preconditions(ck_rtype *rt, const ck_obj *old, const json_t *opts, ck_err **err)
{
    const json_t *pre = json_object_get(opts, "preconditions");
    const char *uid = json_string_value(json_object_get(pre, "uid"));
    const char *rv = json_string_value(json_object_get(pre, "resourceVersion"));
    if (uid && !streq(uid, old->uid))
        return ck_error_details(err, 409, CK_CONFLICT, ck_status_details(rt, old->name),
                                "Operation cannot be fulfilled on %s \"%s\": Precondition failed: "
                                "UID in precondition: %s, UID in object meta: %s",
                                rt->qualified, old->name, uid, old->uid ? old->uid : "");
    if (rv && strtoll(rv, NULL, 10) != old->mod_rev)
        return ck_error_details(err, 409, CK_CONFLICT, ck_status_details(rt, old->name),
                                "Operation cannot be fulfilled on %s \"%s\": Precondition failed: "
                                "ResourceVersion in precondition: %s, ResourceVersion in object "
                                "meta: %lld",
                                rt->qualified, old->name, rv, (long long)old->mod_rev);
    return 0;
}

static int delete_obj(ck_apiserver *srv, ck_rtype *rt, const ck_obj *old, const json_t *opts,
                      const ck_write_opts *o, ck_written *out, ck_err **err)
{
    if (check_preconditions(rt, old, opts, err) < 0) return -1;
    bool dry_run = o && o->dry_run;
    /* NamespaceLifecycle: the namespaces the system needs are immortal. */
    static const char *const immortal[] = {"default", "kube-system", "kube-public"};
    for (size_t i = 0; o && o->req && rt->def->group && !*rt->def->group &&
                       streq(rt->def->plural, "namespaces") && i < ARRAY_SIZE(immortal);
         i++)
        if (streq(old->name, immortal[i]))
            return ck_error_details(err, 403, CK_FORBIDDEN, ck_status_details(rt, old->name),
                                    "namespaces \"%s\" is forbidden: this namespace may not be "
                                    "deleted",
                                    old->name);
    json_t *doc = ck_obj_parse(old);
    ck_strategy_ctx sctx = strategy_ctx(srv, o);
    ck_admission_attrs aa = admission_attrs(&sctx, rt, "DELETE", o, old->ns, doc);
    if (o && o->req &&
        (ck_admission_mutate(&aa, NULL, doc, err) < 0 ||
         ck_admission_validate(&aa, NULL, doc, err) < 0)) {
        json_decref(doc);
        return -1;
    }
    int r;
    /* propagationPolicy is accepted; with no garbage collector yet, every policy deletes
     * the object alone (Foreground/Orphan finalizers would never be removed). */
    bool held = rt->def->begin_delete && !deleting(doc) && rt->def->begin_delete(doc);
    if (has_finalizers(doc) || held) {
        if (deleting(doc)) {
            out->json = xstrndup(old->json, old->len);
            out->len = old->len;
            json_decref(doc);
            return 0;
        }
        char now[32];
        rfc3339_now(now);
        json_t *meta = json_object_get(doc, "metadata");
        json_object_set_new(meta, "deletionTimestamp", json_string(now));
        json_object_set_new(meta, "deletionGracePeriodSeconds", json_integer(0));
        int64_t rev = 0;
        r = 0;
        if (!dry_run) {
            char *key = ck_storage_key(rt, old->ns, old->name);
            char *val = encode_for_store(doc);
            r = srv->store->ops->update(srv->store, key, old->mod_rev, val, strlen(val), &rev, err);
            free(key);
            free(val);
        }
        if (r == 0) r = finish_write(srv, rt, old->ns, old->name, rev, doc, dry_run, out);
        json_decref(doc);
        return r;
    }
    r = store_delete(srv, rt, old, doc, dry_run, out, err);
    json_decref(doc);
    return r;
}

/* ---- served versions stored in another version (autoscaling/v1 HPAs) ---- */

/* Converts a served-version object to its storage version in place. */
static int to_storage(ck_rtype *rt, json_t *obj, ck_err **err)
{
    if (check_kind(rt, obj, err) < 0) return -1;
    json_t *conv = rt->def->to_storage(obj);
    if (!conv)
        return ck_error(err, 400, CK_BAD_REQUEST, "cannot convert %s to %s", rt->api_version,
                        rt->storage->api_version);
    json_object_clear(obj);
    json_object_update(obj, conv);
    json_decref(conv);
    json_object_set_new(obj, "apiVersion", json_string(rt->storage->api_version));
    json_object_set_new(obj, "kind", json_string(rt->storage->res->kind));
    return 0;
}

static void view_out(ck_rtype *rt, ck_written *out)
{
    size_t n;
    char *v = out->json ? ck_json_view(rt, out->json, out->len, &n) : NULL;
    if (!v) return;
    free(out->json);
    out->json = v;
    out->len = n;
}

static bool converted(const ck_rtype *rt)
{
    return rt->storage != rt && rt->def->to_storage;
}

int ck_objstore_create(ck_apiserver *srv, ck_rtype *rt, const char *ns, json_t *obj,
                       const ck_write_opts *o, ck_written *out, ck_err **err)
{
    if (!converted(rt)) return create_obj(srv, rt, ns, obj, o, out, err);
    if (!json_is_object(obj)) return ck_error(err, 400, CK_BAD_REQUEST, "body must be an object");
    if (to_storage(rt, obj, err) < 0 || create_obj(srv, rt->storage, ns, obj, o, out, err) < 0)
        return -1;
    view_out(rt, out);
    return 0;
}

int ck_objstore_update(ck_apiserver *srv, ck_rtype *rt, const ck_obj *old, json_t *obj,
                       const ck_write_opts *o, ck_written *out, ck_err **err)
{
    if (!converted(rt)) return update_obj(srv, rt, old, obj, o, out, err);
    if (!json_is_object(obj)) return ck_error(err, 400, CK_BAD_REQUEST, "body must be an object");
    if (to_storage(rt, obj, err) < 0 || update_obj(srv, rt->storage, old, obj, o, out, err) < 0)
        return -1;
    view_out(rt, out);
    return 0;
}

int ck_objstore_delete(ck_apiserver *srv, ck_rtype *rt, const ck_obj *old, const json_t *opts,
                       const ck_write_opts *o, ck_written *out, ck_err **err)
{
    if (delete_obj(srv, rt->storage, old, opts, o, out, err) < 0) return -1;
    view_out(rt, out);
    return 0;
}
