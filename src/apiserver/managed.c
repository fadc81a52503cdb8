/* managedFields for Update operations and the entry bookkeeping shared with server-side
 * apply, after upstream's fieldmanager chain (decodeLiveOrNew, skipNonApplied,
 * capManagers, managedFieldsUpdater, stripMeta, structured merge Updater.Update). */
#include "apiserver/managed.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/util.h"
#include "machinery/typed.h"

#define MAX_UPDATE_MANAGERS 10

static void entry_clear(ck_mfentry *e)
{
    free(e->manager);
    free(e->operation);
    free(e->api_version);
    free(e->subresource);
    free(e->time);
    ck_fs_free(e->set);
    memset(e, 0, sizeof *e);
}

void ck_managed_clear(ck_managed *m)
{
    for (size_t i = 0; i < m->n; i++)
        entry_clear(&m->v[i]);
    free(m->v);
    memset(m, 0, sizeof *m);
}

static bool opt_eq(const char *a, const char *b)
{
    return streq(a ? a : "", b ? b : "");
}

ck_mfentry *ck_managed_find(ck_managed *m, const char *manager, const char *operation,
                            const char *api_version, const char *subresource)
{
    bool update = streq(operation, "Update");
    for (size_t i = 0; i < m->n; i++) {
        ck_mfentry *e = &m->v[i];
        if (opt_eq(e->manager, manager) && opt_eq(e->operation, operation) &&
            opt_eq(e->subresource, subresource) && (!update || opt_eq(e->api_version, api_version)))
            return e;
    }
    return NULL;
}

static char *dup_opt(const char *s)
{
    return s && *s ? xstrdup(s) : NULL;
}

ck_mfentry *ck_managed_add(ck_managed *m, const char *manager, const char *operation,
                           const char *api_version, const char *subresource)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 4;
        m->v = xrealloc(m->v, m->cap * sizeof *m->v);
    }
    ck_mfentry *e = &m->v[m->n++];
    *e = (ck_mfentry){.manager = xstrdup(manager ? manager : ""),
                      .operation = xstrdup(operation),
                      .api_version = xstrdup(api_version ? api_version : ""),
                      .subresource = dup_opt(subresource)};
    return e;
}

void ck_managed_remove(ck_managed *m, ck_mfentry *e)
{
    size_t i = (size_t)(e - m->v);
    entry_clear(e);
    memmove(e, e + 1, (m->n - i - 1) * sizeof *e);
    m->n--;
}

static void drop_empty(ck_managed *m)
{
    for (size_t i = m->n; i-- > 0;)
        if (ck_fs_empty(m->v[i].set)) ck_managed_remove(m, &m->v[i]);
}

int ck_managed_decode(const json_t *list, ck_managed *m, char **msg)
{
    size_t i;
    json_t *e;
    *msg = NULL;
    memset(m, 0, sizeof *m);
    json_array_foreach((json_t *)list, i, e)
    {
        const char *op = json_string_value(json_object_get(e, "operation"));
        const char *av = json_string_value(json_object_get(e, "apiVersion"));
        const char *ft = json_string_value(json_object_get(e, "fieldsType"));
        if (!streq(op, "Apply") && !streq(op, "Update")) {
            *msg = xstrdup("operation must be `Apply` or `Update`");
        } else if (!av || !*av) {
            *msg = xstrdup("apiVersion must not be empty");
        } else if (!ft || !*ft) {
            *msg = xasprintf("missing fieldsType in managed fields entry %zu", i);
        } else if (!streq(ft, "FieldsV1")) {
            *msg = xasprintf("invalid fieldsType \"%s\" in managed fields entry %zu", ft, i);
        }
        ck_fieldset *set = NULL;
        char *perr = NULL;
        const json_t *fv = json_object_get(e, "fieldsV1");
        if (!*msg && fv && !json_is_null(fv) && ck_fs_from_json(fv, &set, &perr) < 0) {
            *msg = xasprintf("error decoding set: %s", perr);
            free(perr);
        }
        if (*msg) {
            ck_managed_clear(m);
            return -1;
        }
        const char *mgr = json_string_value(json_object_get(e, "manager"));
        const char *sub = json_string_value(json_object_get(e, "subresource"));
        ck_mfentry *x = ck_managed_find(m, mgr, op, av, sub);
        if (!x) x = ck_managed_add(m, mgr, op, av, sub);
        ck_fs_free(x->set);
        x->set = set;
        free(x->api_version);
        x->api_version = xstrdup(av);
        free(x->time);
        x->time = dup_opt(json_string_value(json_object_get(e, "time")));
    }
    return 0;
}

static long long time_seconds(const char *t)
{
    int y, mo, d, h, mi, s;
    if (!t || sscanf(t, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6) return 0;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    return (long long)timegm(&tm);
}

static int entry_order(const void *a, const void *b)
{
    const ck_mfentry *p = a, *q = b;
    int c = strcmp(p->operation, q->operation);
    if (c) return c;
    long long tp = time_seconds(p->time), tq = time_seconds(q->time);
    if (tp != tq) return tp < tq ? -1 : 1;
    if ((c = strcmp(p->manager, q->manager))) return c;
    if ((c = strcmp(p->api_version, q->api_version))) return c;
    return strcmp(p->subresource ? p->subresource : "", q->subresource ? q->subresource : "");
}

void ck_managed_store(json_t *obj, const ck_managed *m)
{
    json_t *meta = json_object_get(obj, "metadata");
    if (!json_is_object(meta)) return;
    if (m->n == 0) {
        json_object_del(meta, "managedFields");
        return;
    }
    ck_mfentry *sorted = xmalloc(m->n * sizeof *sorted);
    memcpy(sorted, m->v, m->n * sizeof *sorted);
    qsort(sorted, m->n, sizeof *sorted, entry_order);
    json_t *list = json_array();
    for (size_t i = 0; i < m->n; i++) {
        const ck_mfentry *e = &sorted[i];
        json_t *o = json_object();
        if (*e->manager) json_object_set_new(o, "manager", json_string(e->manager));
        json_object_set_new(o, "operation", json_string(e->operation));
        json_object_set_new(o, "apiVersion", json_string(e->api_version));
        if (e->time) json_object_set_new(o, "time", json_string(e->time));
        json_object_set_new(o, "fieldsType", json_string("FieldsV1"));
        json_object_set_new(o, "fieldsV1", ck_fs_to_json(e->set));
        if (e->subresource) json_object_set_new(o, "subresource", json_string(e->subresource));
        json_array_append_new(list, o);
    }
    free(sorted);
    json_object_set_new(meta, "managedFields", list);
}

char *ck_managed_describe(const ck_mfentry *e)
{
    char *q = ck_go_quote(e->manager);
    char *s = q;
    if (e->subresource) {
        char *sq = ck_go_quote(e->subresource);
        s = xasprintf("%s with subresource %s", q, sq);
        free(sq);
        free(q);
    }
    if (streq(e->operation, "Update")) {
        char *u = xasprintf("%s using %s", s, e->api_version);
        free(s);
        s = u;
    }
    return s;
}

char *ck_managed_id(const ck_mfentry *e)
{
    json_t *o = json_object();
    if (*e->manager) json_object_set_new(o, "manager", json_string(e->manager));
    json_object_set_new(o, "operation", json_string(e->operation));
    if (!streq(e->operation, "Apply"))
        json_object_set_new(o, "apiVersion", json_string(e->api_version));
    if (e->subresource) json_object_set_new(o, "subresource", json_string(e->subresource));
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

/* Clears the member flag of the field `name` in s, dropping the entry if nothing is
 * below it. */
static void unmember(ck_fieldset *s, const char *name)
{
    ck_fsent *e = ck_fs_find_field(s, name);
    if (!e) return;
    e->member = false;
    if (!e->child) ck_fs_remove(s, &e->pe);
}

void ck_managed_strip(ck_fieldset **set)
{
    static const char *const meta[] = {"name",       "namespace",     "creationTimestamp",
                                       "selfLink",   "uid",           "clusterName",
                                       "generation", "managedFields", "resourceVersion"};
    if (!*set) return;
    unmember(*set, "apiVersion");
    unmember(*set, "kind");
    ck_fsent *m = ck_fs_find_field(*set, "metadata");
    if (m && m->child) {
        for (size_t i = 0; i < ARRAY_SIZE(meta); i++)
            unmember(m->child, meta[i]);
        if (ck_fs_empty(m->child)) {
            ck_fs_free(m->child);
            m->child = NULL;
        }
    }
    unmember(*set, "metadata");
    if (ck_fs_empty(*set)) {
        ck_fs_free(*set);
        *set = NULL;
    }
}

void ck_managed_ignore(ck_fieldset **set, const char *subresource, bool has_status)
{
    ck_fieldset *s = *set;
    if (!s) return;
    if (subresource && streq(subresource, "status")) {
        for (size_t i = s->n; i-- > 0;)
            if (s->v[i].pe.kind != CK_PE_FIELD || !streq(s->v[i].pe.name, "status"))
                ck_fs_remove(s, &s->v[i].pe);
    } else if (has_status) {
        ck_fsent *e = ck_fs_find_field(s, "status");
        if (e) ck_fs_remove(s, &e->pe);
    }
    if (ck_fs_empty(s)) {
        ck_fs_free(s);
        *set = NULL;
    }
}

static void set_replace(ck_fieldset **dst, ck_fieldset *v)
{
    ck_fs_free(*dst);
    *dst = v;
}

/* Merges the oldest Update entries into "ancient-changes" per apiVersion until at most
 * MAX_UPDATE_MANAGERS remain (upstream capManagersManager). */
static void cap_updates(ck_managed *m)
{
    size_t count = 0;
    for (size_t i = 0; i < m->n; i++)
        count += streq(m->v[i].operation, "Update");
    if (count <= MAX_UPDATE_MANAGERS) return;
    /* Work on identities: entries move as others are removed. */
    char **ids = xcalloc(count, sizeof *ids);
    long long *times = xcalloc(count, sizeof *times);
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++)
        if (streq(m->v[i].operation, "Update")) {
            ids[k] = ck_managed_id(&m->v[i]);
            times[k++] = time_seconds(m->v[i].time);
        }
    for (size_t i = 1; i < count; i++) /* oldest first, then by identifier */
        for (size_t j = i; j > 0 && (times[j - 1] > times[j] ||
                                     (times[j - 1] == times[j] && strcmp(ids[j - 1], ids[j]) > 0));
             j--) {
            char *t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
            long long x = times[j];
            times[j] = times[j - 1];
            times[j - 1] = x;
        }
    char **first_ver = xcalloc(count, sizeof *first_ver),
         **first_id = xcalloc(count, sizeof *first_id);
    size_t nfirst = 0, length = count;
    for (size_t i = 0; i < count && length > MAX_UPDATE_MANAGERS; i++) {
        ck_mfentry *e = NULL;
        for (size_t j = 0; j < m->n && !e; j++) {
            char *id = ck_managed_id(&m->v[j]);
            if (streq(id, ids[i])) e = &m->v[j];
            free(id);
        }
        if (!e) continue;
        size_t f = 0;
        while (f < nfirst && !streq(first_ver[f], e->api_version))
            f++;
        if (f == nfirst) {
            first_ver[nfirst] = xstrdup(e->api_version);
            first_id[nfirst++] = xstrdup(ids[i]);
            continue;
        }
        char *ver = xstrdup(e->api_version), *time = e->time ? xstrdup(e->time) : NULL;
        ck_fieldset *set = e->set;
        e->set = NULL;
        ck_managed_remove(m, e);
        ck_mfentry *bucket = ck_managed_find(m, "ancient-changes", "Update", ver, NULL);
        if (!bucket) {
            ck_fieldset *fs = NULL;
            for (size_t j = 0; j < m->n; j++) {
                char *id = ck_managed_id(&m->v[j]);
                bool hit = streq(id, first_id[f]);
                free(id);
                if (hit) {
                    fs = m->v[j].set;
                    m->v[j].set = NULL;
                    ck_managed_remove(m, &m->v[j]);
                    break;
                }
            }
            bucket = ck_managed_add(m, "ancient-changes", "Update", ver, NULL);
            bucket->set = fs;
        }
        set_replace(&bucket->set, ck_fs_union(set, bucket->set));
        ck_fs_free(set);
        free(bucket->time);
        bucket->time = time;
        free(ver);
        length--;
    }
    for (size_t i = 0; i < count; i++)
        free(ids[i]);
    for (size_t i = 0; i < nfirst; i++) {
        free(first_ver[i]);
        free(first_id[i]);
    }
    free(ids);
    free(times);
    free(first_ver);
    free(first_id);
}

int ck_managed_record_update(ck_managed *m, const json_t *old, const json_t *obj, const ck_def *def,
                             const char *manager, const char *api_version, const char *subresource,
                             bool has_status, const char *time, char **msg)
{
    ck_comparison c = {0};
    if (ck_typed_compare(old, obj, def, &c, msg) < 0) {
        ck_comparison_clear(&c);
        return -1;
    }
    ck_managed_ignore(&c.added, subresource, has_status);
    ck_managed_ignore(&c.modified, subresource, has_status);
    ck_managed_ignore(&c.removed, subresource, has_status);
    ck_fieldset *changed = ck_fs_union(c.modified, c.added);
    /* Every earlier entry, the writer's own included, loses what changed or went. */
    for (size_t i = 0; i < m->n; i++) {
        ck_mfentry *e = &m->v[i];
        ck_fs_subtract(&e->set, changed);
        ck_fs_subtract(&e->set, c.removed);
    }
    drop_empty(m);
    ck_managed_strip(&changed);
    if (changed) {
        ck_mfentry *e = ck_managed_find(m, manager, "Update", api_version, subresource);
        if (!e) e = ck_managed_add(m, manager, "Update", api_version, subresource);
        set_replace(&e->set, ck_fs_union(changed, e->set));
        free(e->time);
        e->time = xstrdup(time);
    }
    ck_fs_free(changed);
    ck_comparison_clear(&c);
    cap_updates(m);
    return 0;
}

const ck_def *ck_managed_kind(const json_t *obj, bool *has_status)
{
    const char *av = json_string_value(json_object_get(obj, "apiVersion"));
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    *has_status = false;
    if (!av || !kind) return NULL;
    const char *slash = strchr(av, '/');
    char *group = slash ? xstrndup(av, (size_t)(slash - av)) : xstrdup("");
    const ck_resource *res = ck_schema_resource_by_kind(group, slash ? slash + 1 : av, kind);
    free(group);
    if (!res) return NULL;
    *has_status = ck_csv_has(res->subresources, "status");
    return ck_schema_def(res->def);
}

/* An empty list (or one empty entry) asks to reset managedFields. */
static bool is_reset(const json_t *mf)
{
    if (!json_is_array(mf)) return false;
    if (json_array_size(mf) == 0) return true;
    const json_t *e = json_array_get(mf, 0);
    return json_array_size(mf) == 1 && json_is_object(e) && json_object_size(e) == 0;
}

void ck_managed_fields_update(json_t *obj, const json_t *old, const char *manager,
                              const char *operation, const char *api_version,
                              const char *subresource, const char *time)
{
    json_t *meta = json_object_get(obj, "metadata");
    if (!manager || !json_is_object(meta) || streq(operation, "Apply")) return;
    const json_t *live_mf = json_object_get(json_object_get(old, "metadata"), "managedFields");
    ck_managed m = {0};
    char *msg = NULL;
    json_t *req_mf = json_object_get(meta, "managedFields");
    bool decoded = false;
    if (!subresource && is_reset(req_mf)) {
        decoded = true;
    } else if (!subresource && ck_managed_decode(req_mf, &m, &msg) == 0 && m.n > 0) {
        decoded = true;
    }
    free(msg);
    msg = NULL;
    if (!decoded) {
        ck_managed_clear(&m);
        if (ck_managed_decode(live_mf, &m, &msg) < 0) ck_managed_clear(&m);
        free(msg);
        msg = NULL;
    }
    json_object_del(meta, "managedFields");
    /* Objects updated without managedFields stay untracked (until an apply). */
    if (m.n == 0 && old) goto done;
    bool has_status;
    const ck_def *def = ck_managed_kind(obj, &has_status);
    json_t *zero = old ? NULL : ck_typed_zero(def);
    int r = ck_managed_record_update(&m, old ? old : zero, obj, def, manager, api_version,
                                     subresource, has_status, time, &msg);
    json_decref(zero);
    if (r < 0) {
        /* As upstream's UpdateNoErrors: keep what the live object had. */
        if (live_mf) json_object_set_new(meta, "managedFields", json_deep_copy(live_mf));
        free(msg);
        goto done;
    }
    ck_managed_store(obj, &m);
done:
    ck_managed_clear(&m);
}
