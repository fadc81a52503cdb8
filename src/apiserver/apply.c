/* Server-side apply, after upstream's fieldmanager Apply chain (versionCheck,
 * lastAppliedUpdater, lastAppliedManager, skipNonApplied, managedFieldsUpdater, stripMeta)
 * and structured-merge-diff's Updater.Apply: merge, prune, conflicts, ownership. */
#include "apiserver/apply.h"

#include <stdio.h>

#include "apiserver/managed.h"
#include "apiserver/objstore.h"
#include "lib/util.h"
#include "machinery/typed.h"

#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

/* ---- conflicts ---- */

typedef struct conflict {
    char *id;   /* manager identifier: the reporting order */
    char *who;  /* "\"name\" using apps/v1" */
    char *path; /* ".spec.replicas" */
    size_t seq;
} conflict;

typedef struct conflicts {
    size_t n, cap;
    conflict *v;
    const ck_mfentry *entry; /* while collecting */
} conflicts;

static void collect(const ck_pe *const *path, size_t n, void *ud)
{
    conflicts *cs = ud;
    if (cs->n == cs->cap) {
        cs->cap = cs->cap ? cs->cap * 2 : 4;
        cs->v = xrealloc(cs->v, cs->cap * sizeof *cs->v);
    }
    cs->v[cs->n] = (conflict){.id = ck_managed_id(cs->entry),
                              .who = ck_managed_describe(cs->entry),
                              .path = ck_path_string(path, n),
                              .seq = cs->n};
    cs->n++;
}

static int conflict_order(const void *a, const void *b)
{
    const conflict *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

static void conflicts_clear(conflicts *cs)
{
    for (size_t i = 0; i < cs->n; i++) {
        free(cs->v[i].id);
        free(cs->v[i].who);
        free(cs->v[i].path);
    }
    free(cs->v);
    memset(cs, 0, sizeof *cs);
}

/* Upstream's 409: "Apply failed with N conflict(s): ...", one cause per field. */
static int conflict_error(conflicts *cs, ck_err **err)
{
    qsort(cs->v, cs->n, sizeof *cs->v, conflict_order);
    json_t *causes = json_array();
    char *msg;
    for (size_t i = 0; i < cs->n; i++) {
        char *m = xasprintf("conflict with %s", cs->v[i].who);
        json_array_append_new(causes, json_pack("{s:s, s:s, s:s}", "reason", "FieldManagerConflict",
                                                "message", m, "field", cs->v[i].path));
        free(m);
    }
    if (cs->n == 1) {
        msg = xasprintf("Apply failed with 1 conflict: conflict with %s: %s", cs->v[0].who,
                        cs->v[0].path);
    } else {
        msg = xasprintf("Apply failed with %zu conflicts: ", cs->n);
        for (size_t i = 0; i < cs->n; i++) {
            char *next;
            if (i == 0 || !streq(cs->v[i].id, cs->v[i - 1].id))
                next = xasprintf("%s%sconflicts with %s:\n- %s", msg, i ? "\n" : "", cs->v[i].who,
                                 cs->v[i].path);
            else
                next = xasprintf("%s\n- %s", msg, cs->v[i].path);
            free(msg);
            msg = next;
        }
    }
    int r =
        ck_error_details(err, 409, CK_CONFLICT, json_pack("{s:o}", "causes", causes), "%s", msg);
    free(msg);
    return r;
}

/* ---- client-side apply migration ---- */

static const char *last_applied(const json_t *obj)
{
    const char *s =
        json_string_value(json_object_get(ck_obj_get(obj, "metadata.annotations"), LAST_APPLIED));
    return s && *s ? s : NULL;
}

/* Fields the last-applied-configuration annotation of live still describes: kubectl's
 * server-side apply may take them from the client-side applier without a conflict
 * (upstream lastAppliedManager). NULL when there is no usable annotation. */
static ck_fieldset *allowed_from_last_applied(const json_t *live, const ck_apply_opts *o)
{
    const char *s = last_applied(live);
    if (!s) return NULL;
    json_t *la = json_loads(s, 0, NULL);
    ck_fieldset *set = NULL, *out = NULL;
    ck_comparison c = {0};
    char *msg = NULL;
    if (json_is_object(la) &&
        streq(json_string_value(json_object_get(la, "apiVersion")), o->api_version) &&
        ck_typed_fieldset(la, o->schema, &set, &msg) == 0 &&
        ck_typed_compare(la, live, o->schema, &c, &msg) == 0) {
        ck_fieldset *a = ck_fs_difference(set, c.modified);
        ck_fieldset *b = ck_fs_difference(a, c.added);
        out = ck_fs_difference(b, c.removed);
        ck_fs_free(a);
        ck_fs_free(b);
        if (!out) out = ck_fs_new();
    }
    free(msg);
    ck_comparison_clear(&c);
    ck_fs_free(set);
    json_decref(la);
    return out;
}

/* kubectl's applies keep an existing last-applied-configuration annotation in step with
 * what was applied (upstream lastAppliedUpdater). */
static void sync_last_applied(json_t *obj, const json_t *cfg, const ck_apply_opts *o)
{
    if (!streq(o->manager, "kubectl") || !last_applied(obj)) return;
    json_t *c = json_deep_copy(cfg);
    json_object_del(ck_obj_get(c, "metadata.annotations"), LAST_APPLIED);
    char *text = ck_go_json(c);
    char *value = xasprintf("%s\n", text);
    json_object_set_new(ck_obj_get(obj, "metadata.annotations"), LAST_APPLIED, json_string(value));
    free(value);
    free(text);
    json_decref(c);
}

/* ---- the apply ---- */

static char *gvk_string(const char *api_version, const char *kind)
{
    if (!api_version) api_version = "";
    return xasprintf("%s%s, Kind=%s", strchr(api_version, '/') ? "" : "/", api_version,
                     kind ? kind : "");
}

static int check_config(const json_t *cfg, const ck_apply_opts *o, ck_err **err)
{
    if (!json_is_object(cfg))
        return ck_error(err, 400, CK_BAD_REQUEST, "apply patch must be an object");
    const char *av = json_string_value(json_object_get(cfg, "apiVersion"));
    const char *kind = json_string_value(json_object_get(cfg, "kind"));
    if (!streq(av, o->api_version) || !streq(kind, o->kind)) {
        char *g = gvk_string(av, kind);
        ck_error(err, 400, CK_BAD_REQUEST, "invalid object type: %s", g);
        free(g);
        return -1;
    }
    const json_t *mf = ck_obj_get(cfg, "metadata.managedFields");
    if (mf && !json_is_null(mf))
        return ck_error(err, 400, CK_BAD_REQUEST, "metadata.managedFields must be nil");
    return 0;
}

static int internal(ck_err **err, const char *what, char *msg)
{
    ck_error(err, 500, CK_INTERNAL, "%s: %s", what, msg ? msg : "");
    free(msg);
    return -1;
}

/* "failed to create typed patch object (ns/name; apps/v1, Kind=Deployment): <msg>" */
static int typed_error(ck_err **err, const json_t *cfg, const ck_apply_opts *o, char *msg)
{
    const char *ns = ck_obj_str(cfg, "metadata.namespace"),
               *name = ck_obj_str(cfg, "metadata.name");
    char *g = gvk_string(o->api_version, o->kind);
    char *what = xasprintf("failed to create typed patch object (%s/%s; %s)", ns ? ns : "",
                           name ? name : "", g);
    internal(err, what, msg);
    free(what);
    free(g);
    return -1;
}

/* Fields of other entries that the change from live to merged touches, as conflicts;
 * `allowed` ones excepted. Returns the number found. */
static size_t find_conflicts(ck_managed *m, const ck_mfentry *self, const ck_fieldset *changed,
                             const ck_fieldset *allowed, conflicts *cs)
{
    for (size_t i = 0; i < m->n; i++) {
        if (&m->v[i] == self) continue;
        ck_fieldset *c = ck_fs_intersection(m->v[i].set, changed);
        ck_fieldset *d = ck_fs_difference(c, allowed);
        cs->entry = &m->v[i];
        ck_fs_iterate(d, collect, cs);
        ck_fs_free(c);
        ck_fs_free(d);
    }
    return cs->n;
}

int ck_apply_object(const json_t *live, const json_t *cfg, const ck_apply_opts *o, json_t **out,
                    ck_err **err)
{
    ck_managed m = {0};
    ck_fieldset *set = NULL, *last = NULL, *changed = NULL, *allowed = NULL;
    ck_comparison c = {0};
    conflicts cs = {0};
    json_t *merged = NULL, *empty = json_object();
    char *msg = NULL;
    int r = -1;
    *out = NULL;
    if (check_config(cfg, o, err) < 0) goto done;
    if (live && ck_managed_decode(ck_obj_get(live, "metadata.managedFields"), &m, &msg) < 0) {
        internal(err, "failed to decode managed fields", msg);
        goto done;
    }
    /* An existing object nobody tracked is first attributed to "before-first-apply". */
    if (live && m.n == 0) {
        json_t *zero = ck_typed_zero(o->schema);
        int rc =
            ck_managed_record_update(&m, zero, live, o->schema, "before-first-apply",
                                     o->api_version, o->subresource, o->has_status, o->now, &msg);
        json_decref(zero);
        if (rc < 0) {
            internal(err, "failed to create manager for existing fields", msg);
            goto done;
        }
    }
    if (ck_typed_fieldset(cfg, o->schema, &set, &msg) < 0 ||
        !(merged = ck_typed_merge(live ? live : empty, cfg, o->schema, &msg))) {
        typed_error(err, cfg, o, msg);
        goto done;
    }
    ck_managed_ignore(&set, o->subresource, o->has_status);
    ck_mfentry *self = ck_managed_find(&m, o->manager, "Apply", NULL, o->subresource);
    if (!self) self = ck_managed_add(&m, o->manager, "Apply", o->api_version, o->subresource);
    last = self->set;
    self->set = steal_pointer(&set);
    free(self->api_version);
    self->api_version = xstrdup(o->api_version);
    /* Fields applied before and no longer applied go unless someone else owns them. */
    if (!ck_fs_empty(last)) {
        ck_fieldset *keep = NULL;
        for (size_t i = 0; i < m.n; i++) {
            ck_fieldset *u = ck_fs_union(keep, m.v[i].set);
            ck_fs_free(keep);
            keep = u;
        }
        ck_typed_prune(merged, last, keep, o->schema);
        ck_fs_free(keep);
    }
    if (ck_typed_compare(live ? live : empty, merged, o->schema, &c, &msg) < 0) {
        internal(err, "failed to compare objects", msg);
        goto done;
    }
    ck_managed_ignore(&c.added, o->subresource, o->has_status);
    ck_managed_ignore(&c.modified, o->subresource, o->has_status);
    ck_managed_ignore(&c.removed, o->subresource, o->has_status);
    changed = ck_fs_union(c.modified, c.added);
    if (!o->force && find_conflicts(&m, self, changed, NULL, &cs) > 0) {
        if (live && streq(o->manager, "kubectl")) allowed = allowed_from_last_applied(live, o);
        conflicts_clear(&cs);
        if (find_conflicts(&m, self, changed, allowed, &cs) > 0) {
            conflict_error(&cs, err);
            goto done;
        }
    }
    for (size_t i = 0; i < m.n; i++) {
        ck_mfentry *e = &m.v[i];
        if (e == self) continue;
        ck_fs_subtract(&e->set, changed);
        ck_fs_subtract(&e->set, c.removed);
    }
    ck_managed_strip(&self->set);
    bool noop = live && ck_value_equal(live, merged);
    if (!noop) {
        free(self->time);
        self->time = xstrdup(o->now);
    }
    for (size_t i = m.n; i-- > 0;)
        if (ck_fs_empty(m.v[i].set)) ck_managed_remove(&m, &m.v[i]);
    if (noop) {
        json_decref(merged);
        merged = json_deep_copy(live);
    }
    sync_last_applied(merged, cfg, o);
    ck_managed_store(merged, &m);
    *out = steal_pointer(&merged);
    r = 0;
done:
    ck_managed_clear(&m);
    ck_fs_free(set);
    ck_fs_free(last);
    ck_fs_free(changed);
    ck_fs_free(allowed);
    ck_comparison_clear(&c);
    conflicts_clear(&cs);
    json_decref(merged);
    json_decref(empty);
    return r;
}

void ck_apply(ck_request *r, ck_reqinfo *ri, ck_obj *old, json_t *cfg)
{
    ck_err *err = NULL;
    ck_written w = {0};
    json_t *obj = NULL, *live = NULL;
    const char *d = ck_query(r, "dryRun");
    const char *force = ck_query(r, "force");
    char now[32];
    rfc3339_now(now);
    ck_apply_opts ao = {.schema = ri->rt->schema,
                        .api_version = ri->rt->api_version,
                        .kind = ri->rt->res->kind,
                        .manager = ck_query(r, "fieldManager"),
                        .subresource = ri->sub,
                        .has_status = ri->rt->has_status,
                        .force = force && streq(force, "true"),
                        .now = now};
    ck_write_opts o = {.dry_run = d && streq(d, "All"),
                       .field_manager = ao.manager,
                       .operation = "Apply",
                       .subresource = ri->sub,
                       .ignore_rv = true,
                       .user = &r->user,
                       .req = r};
    if (ri->sub && !streq(ri->sub, "status")) {
        ck_error(&err, 400, CK_BAD_REQUEST, "apply patches are not supported on the %s subresource",
                 ri->sub);
        goto fail;
    }
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
    if (!old && ri->sub) {
        ck_err_not_found(&err, ri->rt, ri->name);
        goto fail;
    }
    live = old ? ck_obj_parse_for(old, ri->rt) : NULL;
    if (ck_apply_object(live, cfg, &ao, &obj, &err) < 0) goto fail;
    if (!old) {
        json_object_set_new(ck_obj_ensure(obj, "metadata"), "name", json_string(ri->name));
        if (ck_objstore_create(r->srv, ri->rt, ri->ns, obj, &o, &w, &err) < 0) goto fail;
        ck_send(r, 201, "application/json", w.json, w.len);
        goto done;
    }
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
    json_decref(live);
}
