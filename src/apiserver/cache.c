/* The watch cache: sorted per-type arrays of immutable objects and a ring of recent
 * events, both fed by the storage watch callback. */
#include "apiserver/cache.h"

#include <stdio.h>

#include "lib/log.h"
#include "lib/util.h"

#define RING_CAP 16384

typedef struct bucket {
    ck_obj **items; /* sorted by key */
    size_t n, cap;
} bucket;

typedef struct listener {
    int id;
    ck_cache_listener fn;
    void *ctx;
} listener;

struct ck_cache {
    ck_store *store;
    bucket *buckets; /* by rtype index */
    int64_t rev;
    ck_cache_event *ring;
    size_t ring_start, ring_n;
    int64_t oldest; /* replay possible for after >= oldest */
    listener *listeners;
    int nlisteners, next_id;
};

ck_obj *ck_obj_ref(ck_obj *o)
{
    if (o) o->refs++;
    return o;
}

void ck_obj_unref(ck_obj *o)
{
    if (!o || --o->refs > 0) return;
    free(o->key);
    free(o->json);
    free(o->uid);
    json_decref(o->labels);
    if (o->fields)
        for (unsigned i = 0; o->rt->def->fields && o->rt->def->fields[i]; i++)
            free(o->fields[i]);
    free(o->fields);
    free(o);
}

json_t *ck_obj_parse(const ck_obj *o)
{
    return json_loadb(o->json, o->len, 0, NULL);
}

static bool converts(const ck_rtype *rt)
{
    return rt->storage != rt && rt->def->from_storage;
}

static json_t *to_view(const ck_rtype *rt, json_t *doc)
{
    json_t *v = rt->def->from_storage(doc);
    json_decref(doc);
    if (!v) return NULL;
    json_object_set_new(v, "apiVersion", json_string(rt->api_version));
    json_object_set_new(v, "kind", json_string(rt->res->kind));
    return v;
}

json_t *ck_obj_parse_for(const ck_obj *o, const ck_rtype *rt)
{
    json_t *doc = ck_obj_parse(o);
    return doc && converts(rt) ? to_view(rt, doc) : doc;
}

char *ck_json_view(const ck_rtype *rt, const char *json, size_t len, size_t *outlen)
{
    if (!converts(rt)) return NULL;
    json_t *v = to_view(rt, json_loadb(json, len, 0, NULL));
    char *s = v ? json_dumps(v, JSON_COMPACT) : xstrndup(json, len);
    json_decref(v);
    *outlen = strlen(s);
    return s;
}

const char *ck_obj_field(const ck_obj *o, const char *field)
{
    if (streq(field, "metadata.name")) return o->name;
    if (streq(field, "metadata.namespace")) return o->ns ? o->ns : "";
    const char *const *f = o->rt->def->fields;
    for (unsigned i = 0; f && f[i]; i++)
        if (streq(f[i], field)) return o->fields[i] ? o->fields[i] : "";
    return NULL;
}

char *ck_storage_key(const ck_rtype *rt, const char *ns, const char *name)
{
    if (ns) return xasprintf("%s%s/%s", rt->storage->prefix, ns, name);
    return xasprintf("%s%s", rt->storage->prefix, name);
}

static char *field_string(const json_t *v)
{
    if (json_is_string(v)) return xstrdup(json_string_value(v));
    if (json_is_true(v)) return xstrdup("true");
    if (json_is_false(v)) return xstrdup("false");
    if (json_is_integer(v)) return xasprintf("%lld", (long long)json_integer_value(v));
    return NULL;
}

/* Builds the cached snapshot of a stored value at revision rev. */
ck_obj *ck_obj_make(ck_rtype *rt, const char *rest, const ck_kv *kv, int64_t rev)
{
    json_error_t jerr;
    json_t *doc = json_loadb(kv->value, kv->len, 0, &jerr);
    if (!json_is_object(doc)) {
        ck_log_error("cache: undecodable value at %s: %s", kv->key, jerr.text);
        json_decref(doc);
        return NULL;
    }
    ck_obj *o = xcalloc(1, sizeof *o);
    o->refs = 1;
    o->rt = rt;
    o->key = xstrdup(rest);
    char *slash = strchr(o->key, '/');
    if (slash) {
        *slash = 0;
        o->ns = o->key;
        o->name = slash + 1;
    } else {
        o->name = o->key;
    }
    o->mod_rev = rev;
    o->create_rev = kv->create_rev;
    json_t *meta = json_object_get(doc, "metadata");
    if (!json_is_object(meta)) {
        meta = json_object();
        json_object_set_new(doc, "metadata", meta);
    }
    char rv[24];
    snprintf(rv, sizeof rv, "%lld", (long long)rev);
    json_object_set_new(meta, "resourceVersion", json_string(rv));
    json_t *labels = json_object_get(meta, "labels");
    if (json_is_object(labels)) o->labels = json_incref(labels);
    const char *uid = json_string_value(json_object_get(meta, "uid"));
    if (uid) o->uid = xstrdup(uid);
    const char *const *f = rt->def->fields;
    if (f) {
        unsigned n = 0;
        while (f[n])
            n++;
        o->fields = xcalloc(n + 1, sizeof(char *));
        for (unsigned i = 0; i < n; i++)
            o->fields[i] = rt->def->field_value ? rt->def->field_value(doc, f[i])
                                                : field_string(ck_obj_get(doc, f[i]));
    }
    o->json = json_dumps(doc, JSON_COMPACT);
    o->len = strlen(o->json);
    json_decref(doc);
    return o;
}

/* Orders objects by (namespace, name); cluster-scoped objects by name. */
static int obj_cmp(const char *ns_a, const char *name_a, const char *ns_b, const char *name_b)
{
    int c = strcmp(ns_a ? ns_a : "", ns_b ? ns_b : "");
    return c ? c : strcmp(name_a, name_b);
}

/* First index whose object is >= (ns, name). */
static size_t lower_bound(const bucket *b, const char *ns, const char *name)
{
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (obj_cmp(b->items[mid]->ns, b->items[mid]->name, ns, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void bucket_put(bucket *b, ck_obj *o, ck_obj **old)
{
    size_t i = lower_bound(b, o->ns, o->name);
    *old = NULL;
    if (i < b->n && obj_cmp(b->items[i]->ns, b->items[i]->name, o->ns, o->name) == 0) {
        *old = b->items[i];
        b->items[i] = o;
        return;
    }
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->items = xrealloc(b->items, b->cap * sizeof *b->items);
    }
    memmove(&b->items[i + 1], &b->items[i], (b->n - i) * sizeof *b->items);
    b->items[i] = o;
    b->n++;
}

static ck_obj *bucket_del(bucket *b, const char *ns, const char *name)
{
    size_t i = lower_bound(b, ns, name);
    if (i >= b->n || obj_cmp(b->items[i]->ns, b->items[i]->name, ns, name) != 0) return NULL;
    ck_obj *o = b->items[i];
    memmove(&b->items[i], &b->items[i + 1], (b->n - i - 1) * sizeof *b->items);
    b->n--;
    return o;
}

static void ring_push(ck_cache *c, ck_cache_event ev)
{
    if (c->ring_n == RING_CAP) {
        ck_cache_event *old = &c->ring[c->ring_start];
        c->oldest = old->rev;
        ck_obj_unref(old->obj);
        ck_obj_unref(old->prev);
        c->ring_start = (c->ring_start + 1) % RING_CAP;
        c->ring_n--;
    }
    c->ring[(c->ring_start + c->ring_n) % RING_CAP] = ev;
    c->ring_n++;
}

static void on_store_event(const ck_event *sev, void *ctx)
{
    ck_cache *c = ctx;
    const char *rest;
    ck_rtype *rt = ck_registry_by_prefix(sev->kv.key, &rest);
    if (sev->kv.mod_rev > c->rev) c->rev = sev->kv.mod_rev;
    if (!rt) return;
    ck_obj *o = ck_obj_make(rt, rest, &sev->kv, sev->kv.mod_rev);
    if (!o) return;
    bucket *b = &c->buckets[rt->index];
    ck_cache_event ev = {.rev = sev->kv.mod_rev, .obj = o};
    if (sev->type == CK_EVENT_DELETE) {
        ev.type = CK_WATCH_DELETED;
        ev.prev = bucket_del(b, o->ns, o->name);
    } else {
        ck_obj *old;
        bucket_put(b, ck_obj_ref(o), &old);
        ev.type = old ? CK_WATCH_MODIFIED : CK_WATCH_ADDED;
        ev.prev = old;
    }
    ring_push(c, ev);
    for (int i = 0; i < c->nlisteners; i++)
        c->listeners[i].fn(&ev, c->listeners[i].ctx);
}

int ck_cache_open(ck_store *store, ck_cache **out, ck_err **err)
{
    ck_cache *c = xcalloc(1, sizeof *c);
    c->store = store;
    c->buckets = xcalloc(ck_registry_count() + 1, sizeof *c->buckets);
    c->ring = xcalloc(RING_CAP, sizeof *c->ring);
    int64_t at = 0;
    for (unsigned i = 0; i < ck_registry_count(); i++) {
        ck_rtype *rt = ck_registry_at(i);
        if (rt->storage != rt) continue;
        ck_kv_list l = {0};
        bool more = false;
        int64_t got = 0;
        if (store->ops->list(store, rt->prefix, NULL, at, 0, &l, &more, &got, err) < 0) {
            ck_kv_list_clear(&l);
            ck_cache_free(c);
            return -1;
        }
        if (!at) at = got;
        bucket *b = &c->buckets[rt->index];
        for (size_t k = 0; k < l.n; k++) {
            ck_obj *o = ck_obj_make(rt, l.items[k].key + strlen(rt->prefix), &l.items[k],
                                    l.items[k].mod_rev);
            if (!o) continue;
            ck_obj *old;
            bucket_put(b, o, &old);
            ck_obj_unref(old);
        }
        ck_kv_list_clear(&l);
    }
    c->rev = at ? at : store->ops->current_rev(store);
    c->oldest = c->rev;
    store->ops->set_watch(store, on_store_event, c);
    *out = c;
    return 0;
}

void ck_cache_free(ck_cache *c)
{
    if (!c) return;
    if (c->store) c->store->ops->set_watch(c->store, NULL, NULL);
    for (unsigned i = 0; i < ck_registry_count(); i++) {
        for (size_t k = 0; k < c->buckets[i].n; k++)
            ck_obj_unref(c->buckets[i].items[k]);
        free(c->buckets[i].items);
    }
    for (size_t k = 0; k < c->ring_n; k++) {
        ck_cache_event *ev = &c->ring[(c->ring_start + k) % RING_CAP];
        ck_obj_unref(ev->obj);
        ck_obj_unref(ev->prev);
    }
    free(c->ring);
    free(c->buckets);
    free(c->listeners);
    free(c);
}

int64_t ck_cache_rev(const ck_cache *c)
{
    return c->rev;
}

int64_t ck_cache_oldest(const ck_cache *c)
{
    return c->oldest;
}

ck_obj *ck_cache_get(ck_cache *c, ck_rtype *rt, const char *ns, const char *name)
{
    bucket *b = &c->buckets[rt->storage->index];
    size_t i = lower_bound(b, ns, name);
    if (i < b->n && obj_cmp(b->items[i]->ns, b->items[i]->name, ns, name) == 0) return b->items[i];
    return NULL;
}

/* `after` is a key "ns/name" or "name" as produced for continue tokens. */
void ck_cache_each(ck_cache *c, ck_rtype *rt, const char *ns, const char *after, ck_cache_iter fn,
                   void *ctx)
{
    bucket *b = &c->buckets[rt->storage->index];
    size_t i = 0;
    if (after) {
        char *k = xstrdup(after), *slash = strchr(k, '/');
        if (slash) *slash = 0;
        i = slash ? lower_bound(b, k, slash + 1) : lower_bound(b, NULL, k);
        if (i < b->n && obj_cmp(b->items[i]->ns, b->items[i]->name, slash ? k : NULL,
                                slash ? slash + 1 : k) == 0)
            i++;
        free(k);
    } else if (ns) {
        i = lower_bound(b, ns, "");
    }
    for (; i < b->n; i++) {
        ck_obj *o = b->items[i];
        if (ns && !streq(o->ns, ns)) {
            if (strcmp(o->ns ? o->ns : "", ns) > 0) break;
            continue;
        }
        if (!fn(o, ctx)) break;
    }
}

size_t ck_cache_count(ck_cache *c, ck_rtype *rt, const char *ns)
{
    bucket *b = &c->buckets[rt->storage->index];
    if (!ns) return b->n;
    size_t n = 0;
    for (size_t i = lower_bound(b, ns, ""); i < b->n && streq(b->items[i]->ns, ns); i++)
        n++;
    return n;
}

int ck_cache_replay(ck_cache *c, int64_t after, ck_rtype *rt, ck_cache_listener fn, void *ctx,
                    ck_err **err)
{
    /* The window ends where the ring was trimmed or storage was compacted, whichever is
     * later: a resourceVersion the store no longer knows is gone for watches too. */
    int64_t oldest = c->oldest;
    int64_t compacted = c->store->ops->compacted_rev(c->store);
    if (compacted > oldest) oldest = compacted;
    if (after < oldest)
        return ck_error(err, 410, CK_GONE, "too old resource version: %lld (%lld)",
                        (long long)after, (long long)oldest + 1);
    for (size_t k = 0; k < c->ring_n; k++) {
        ck_cache_event *ev = &c->ring[(c->ring_start + k) % RING_CAP];
        if (ev->rev <= after) continue;
        if (rt && ev->obj->rt != rt->storage) continue;
        fn(ev, ctx);
    }
    return 0;
}

int ck_cache_listen(ck_cache *c, ck_cache_listener fn, void *ctx)
{
    c->listeners = xrealloc(c->listeners, (size_t)(c->nlisteners + 1) * sizeof *c->listeners);
    c->listeners[c->nlisteners] = (listener){.id = ++c->next_id, .fn = fn, .ctx = ctx};
    c->nlisteners++;
    return c->next_id;
}

void ck_cache_unlisten(ck_cache *c, int id)
{
    for (int i = 0; i < c->nlisteners; i++) {
        if (c->listeners[i].id != id) continue;
        memmove(&c->listeners[i], &c->listeners[i + 1],
                (size_t)(c->nlisteners - i - 1) * sizeof *c->listeners);
        c->nlisteners--;
        return;
    }
}
