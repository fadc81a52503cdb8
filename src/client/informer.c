/* Informers after client-go's reflector and shared informer: LIST in pages of 500, then
 * WATCH from the list's resourceVersion with bookmarks and a random 5-10 minute timeout;
 * a clean end re-watches from the last resourceVersion seen, a 410 Expired relists, and
 * failures relist after the reflector's backoff (800 ms doubling to 30 s, jitter 1.0, reset
 * after 2 quiet minutes). A relist replaces the store: objects missing from it are deleted
 * (on_delete with the last state known), changed ones updated.
 *
 * The store is a chained hash table keyed by "ns/name" holding json_t references, with a
 * list per namespace so ck_informer_each(ns) visits only that namespace. */
#include "client/informer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/util.h"

#define PAGE 500
#define BACKOFF_MIN_MS 800
#define BACKOFF_MAX_MS 30000
#define BACKOFF_RESET_MS 120000
#define SHORT_WATCH_MS 1000
#define REWATCH_MS 100

typedef struct nsent nsent;

typedef struct entry {
    struct entry *next;              /* hash chain */
    struct entry *ns_prev, *ns_next; /* the namespace's objects */
    nsent *ns;
    json_t *obj;
    uint64_t hash;
    uint32_t gen; /* the list that last saw it */
    char key[];   /* "ns/name" or "name" */
} entry;

struct nsent {
    nsent *next;
    entry *head;
    size_t n;
    uint64_t hash;
    char name[];
};

typedef struct table {
    void **b; /* entry* or nsent* chains */
    size_t nb, n;
} table;

struct ck_informer {
    ck_client *c;
    ck_loop *loop;
    char *path, *query; /* query: "&labelSelector=...&fieldSelector=..." or "" */
    table objs, nss;
    ck_informer_handlers *h;
    size_t nh;
    bool synced;
    char *rv; /* resume point: the last resourceVersion seen */
    ck_call *list_call;
    ck_watch *watch;
    ck_timer_id retry;
    json_t *pending; /* items of the list being read */
    char *list_rv;
    uint32_t gen;
    bool list_expired; /* a continue token expired once in this list */
    uint64_t backoff_ms, backoff_at;
    unsigned watch_timeout;
    uint64_t watch_start;
    unsigned long watch_events;
    ck_informer_stats stats;
};

/* ---- the store ---- */

static uint64_t hash_bytes(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t key_hash(const char *ns, const char *name)
{
    uint64_t h = 0xcbf29ce484222325ull;
    if (ns && *ns) {
        h = hash_bytes(h, ns, strlen(ns));
        h = hash_bytes(h, "/", 1);
    }
    return hash_bytes(h, name, strlen(name));
}

static bool key_eq(const char *key, const char *ns, const char *name)
{
    if (ns && *ns) {
        size_t n = strlen(ns);
        if (strncmp(key, ns, n) != 0 || key[n] != '/') return false;
        key += n + 1;
    }
    return strcmp(key, name) == 0;
}

/* Grows a table (chains linked through their first member) at load factor 1. */
static void table_grow(table *t, uint64_t (*hash_of)(void *))
{
    if (t->n < t->nb) return;
    size_t nb = t->nb ? t->nb * 2 : 64;
    void **b = xcalloc(nb, sizeof *b);
    for (size_t i = 0; i < t->nb; i++)
        for (void *e = t->b[i], *next; e; e = next) {
            next = *(void **)e;
            size_t j = hash_of(e) & (nb - 1);
            *(void **)e = b[j];
            b[j] = e;
        }
    free(t->b);
    t->b = b;
    t->nb = nb;
}

static uint64_t entry_hash(void *e)
{
    return ((entry *)e)->hash;
}

static uint64_t nsent_hash(void *e)
{
    return ((nsent *)e)->hash;
}

static entry *find(const ck_informer *inf, const char *ns, const char *name)
{
    if (!inf->objs.nb) return NULL;
    uint64_t h = key_hash(ns, name);
    for (entry *e = inf->objs.b[h & (inf->objs.nb - 1)]; e; e = e->next)
        if (e->hash == h && key_eq(e->key, ns, name)) return e;
    return NULL;
}

static nsent *ns_get(ck_informer *inf, const char *ns, bool create)
{
    uint64_t h = key_hash(NULL, ns);
    if (inf->nss.nb)
        for (nsent *s = inf->nss.b[h & (inf->nss.nb - 1)]; s; s = s->next)
            if (s->hash == h && streq(s->name, ns)) return s;
    if (!create) return NULL;
    table_grow(&inf->nss, nsent_hash);
    size_t len = strlen(ns);
    nsent *s = xcalloc(1, sizeof *s + len + 1);
    memcpy(s->name, ns, len + 1);
    s->hash = h;
    size_t j = h & (inf->nss.nb - 1);
    s->next = inf->nss.b[j];
    inf->nss.b[j] = s;
    inf->nss.n++;
    return s;
}

static entry *insert(ck_informer *inf, const char *ns, const char *name, const json_t *obj)
{
    table_grow(&inf->objs, entry_hash);
    size_t nslen = ns && *ns ? strlen(ns) : 0, len = strlen(name);
    entry *e = xcalloc(1, sizeof *e + nslen + 1 + len + 1);
    if (nslen) {
        memcpy(e->key, ns, nslen);
        e->key[nslen] = '/';
        memcpy(e->key + nslen + 1, name, len + 1);
    } else {
        memcpy(e->key, name, len + 1);
    }
    e->hash = key_hash(ns, name);
    e->obj = json_incref((json_t *)obj);
    size_t j = e->hash & (inf->objs.nb - 1);
    e->next = inf->objs.b[j];
    inf->objs.b[j] = e;
    inf->objs.n++;
    e->ns = ns_get(inf, nslen ? ns : "", true);
    e->ns_next = e->ns->head;
    if (e->ns->head) e->ns->head->ns_prev = e;
    e->ns->head = e;
    e->ns->n++;
    return e;
}

/* Unlinks e and returns its object (the reference passes to the caller). */
static json_t *remove_entry(ck_informer *inf, entry *e)
{
    for (entry **pp = (entry **)&inf->objs.b[e->hash & (inf->objs.nb - 1)]; *pp; pp = &(*pp)->next)
        if (*pp == e) {
            *pp = e->next;
            break;
        }
    inf->objs.n--;
    nsent *s = e->ns;
    if (e->ns_prev)
        e->ns_prev->ns_next = e->ns_next;
    else
        s->head = e->ns_next;
    if (e->ns_next) e->ns_next->ns_prev = e->ns_prev;
    if (--s->n == 0) {
        for (nsent **pp = (nsent **)&inf->nss.b[s->hash & (inf->nss.nb - 1)]; *pp;
             pp = &(*pp)->next)
            if (*pp == s) {
                *pp = s->next;
                break;
            }
        inf->nss.n--;
        free(s);
    }
    json_t *obj = e->obj;
    free(e);
    return obj;
}

static const char *meta_str(const json_t *obj, const char *field)
{
    return json_string_value(json_object_get(json_object_get(obj, "metadata"), field));
}

char *ck_object_key(const json_t *obj)
{
    const char *ns = meta_str(obj, "namespace"), *name = meta_str(obj, "name");
    if (!name) name = "";
    return ns && *ns ? xasprintf("%s/%s", ns, name) : xstrdup(name);
}

const json_t *ck_informer_get(const ck_informer *inf, const char *ns, const char *name)
{
    entry *e = name ? find(inf, ns, name) : NULL;
    return e ? e->obj : NULL;
}

size_t ck_informer_count(const ck_informer *inf)
{
    return inf->objs.n;
}

void ck_informer_each(const ck_informer *inf, const char *ns,
                      bool (*fn)(const json_t *obj, void *ctx), void *ctx)
{
    if (ns) {
        nsent *s = ns_get((ck_informer *)inf, ns, false);
        for (entry *e = s ? s->head : NULL; e; e = e->ns_next)
            if (!fn(e->obj, ctx)) return;
        return;
    }
    for (size_t i = 0; i < inf->objs.nb; i++)
        for (entry *e = inf->objs.b[i]; e; e = e->next)
            if (!fn(e->obj, ctx)) return;
}

bool ck_informer_synced(const ck_informer *inf)
{
    return inf->synced;
}

void ck_informer_get_stats(const ck_informer *inf, ck_informer_stats *out)
{
    *out = inf->stats;
}

/* ---- handlers ---- */

/* Handlers added by a handler during a notification are not called for it. */
static void notify(ck_informer *inf, char what, const json_t *old, const json_t *obj)
{
    size_t n = inf->nh;
    for (size_t i = 0; i < n; i++) {
        ck_informer_handlers h = inf->h[i];
        if (what == 'a' && h.on_add) h.on_add(obj, h.ctx);
        if (what == 'u' && h.on_update) h.on_update(old, obj, h.ctx);
        if (what == 'd' && h.on_delete) h.on_delete(obj, h.ctx);
    }
}

void ck_informer_add_handlers(ck_informer *inf, const ck_informer_handlers *h)
{
    inf->h = xrealloc(inf->h, (inf->nh + 1) * sizeof *inf->h);
    inf->h[inf->nh++] = *h;
    if (!inf->synced || !h->on_add) return;
    /* The objects are collected first: on_add may not change the store, but be safe. */
    size_t n = inf->objs.n, k = 0;
    json_t **objs = xmalloc((n ? n : 1) * sizeof *objs);
    for (size_t i = 0; i < inf->objs.nb; i++)
        for (entry *e = inf->objs.b[i]; e; e = e->next)
            objs[k++] = json_incref(e->obj);
    for (size_t i = 0; i < k; i++) {
        h->on_add(objs[i], h->ctx);
        json_decref(objs[i]);
    }
    free(objs);
}

/* Objects enter the store without metadata.managedFields, as kube-controller-manager's and
 * kube-scheduler's informers trim them (kubernetes#118455, #119556): nothing reads them, and
 * they are a large share of each object. The objects are the informer's own (parsed from
 * its responses), so they are trimmed in place before anyone else sees them. */
static void trim(const json_t *obj)
{
    json_t *md = json_object_get(obj, "metadata");
    if (json_object_get(md, "managedFields")) json_object_del(md, "managedFields");
}

/* Stores obj (added or updated) and tells the handlers; an unchanged resourceVersion is
 * not an update. */
static void upsert(ck_informer *inf, const json_t *obj)
{
    trim(obj);
    const char *ns = meta_str(obj, "namespace"), *name = meta_str(obj, "name");
    if (!name) return;
    entry *e = find(inf, ns, name);
    if (!e) {
        e = insert(inf, ns, name, obj);
        e->gen = inf->gen;
        notify(inf, 'a', NULL, obj);
        return;
    }
    e->gen = inf->gen;
    if (streq(meta_str(e->obj, "resourceVersion"), meta_str(obj, "resourceVersion"))) return;
    json_t *old = e->obj;
    e->obj = json_incref((json_t *)obj);
    notify(inf, 'u', old, obj);
    json_decref(old);
}

static void delete_obj(ck_informer *inf, const json_t *obj)
{
    const char *ns = meta_str(obj, "namespace"), *name = meta_str(obj, "name");
    entry *e = name ? find(inf, ns, name) : NULL;
    if (!e) return;
    trim(obj);
    json_decref(remove_entry(inf, e));
    notify(inf, 'd', NULL, obj);
}

/* ---- list and watch ---- */

static void list_page(ck_informer *inf, const char *cont);
static void start_watch(ck_informer *inf);

/* client-go's exponential backoff manager with jitter 1.0. */
static uint64_t next_backoff(ck_informer *inf)
{
    uint64_t now = ck_loop_now(inf->loop);
    if (!inf->backoff_ms || now - inf->backoff_at > BACKOFF_RESET_MS)
        inf->backoff_ms = BACKOFF_MIN_MS;
    inf->backoff_at = now;
    uint64_t d = inf->backoff_ms;
    inf->backoff_ms = d * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : d * 2;
    return d + (uint64_t)((double)d * ((double)rand() / RAND_MAX));
}

static void on_retry_list(ck_loop *l, void *ctx)
{
    ck_informer *inf = ctx;
    inf->retry = 0;
    list_page(inf, NULL);
}

static void on_retry_watch(ck_loop *l, void *ctx)
{
    ck_informer *inf = ctx;
    inf->retry = 0;
    start_watch(inf);
}

static void retry_later(ck_informer *inf, bool relist)
{
    uint64_t d = next_backoff(inf);
    ck_log_v(2, "informer %s: retrying in %llu ms", inf->path, (unsigned long long)d);
    inf->retry = ck_loop_timer(inf->loop, d, relist ? on_retry_list : on_retry_watch, inf);
}

/* The store becomes the list: adds, updates, then deletions of what the list lacks. */
static void apply_list(ck_informer *inf)
{
    inf->gen++;
    size_t i;
    json_t *item;
    json_array_foreach(inf->pending, i, item) upsert(inf, item);
    size_t nstale = 0;
    entry **stale = NULL;
    for (size_t b = 0; b < inf->objs.nb; b++)
        for (entry *e = inf->objs.b[b]; e; e = e->next)
            if (e->gen != inf->gen) {
                if (!(nstale & (nstale - 1)))
                    stale = xrealloc(stale, (nstale ? nstale * 2 : 1) * sizeof *stale);
                stale[nstale++] = e;
            }
    for (size_t k = 0; k < nstale; k++) {
        json_t *obj = remove_entry(inf, stale[k]);
        notify(inf, 'd', NULL, obj);
        json_decref(obj);
    }
    free(stale);
    json_decref(inf->pending);
    inf->pending = NULL;
    free(inf->rv);
    inf->rv = steal_pointer(&inf->list_rv);
    inf->stats.lists++;
    inf->list_expired = false;
    inf->synced = true;
}

static void on_list(const ck_response *r, void *ctx)
{
    ck_informer *inf = ctx;
    inf->list_call = NULL;
    if (r->err || !json_is_object(r->body)) {
        json_decref(inf->pending);
        inf->pending = NULL;
        free(inf->list_rv);
        inf->list_rv = NULL;
        const char *msg = r->err ? r->err->message : "the response is not a JSON object";
        /* An expired continue token: start over at once, as client-go does. */
        if (r->err && r->err->code == 410 && !inf->list_expired) {
            ck_log_v(2, "informer %s: list: %s; listing again", inf->path, msg);
            inf->list_expired = true;
            list_page(inf, NULL);
            return;
        }
        ck_log_warn("informer %s: list failed: %s", inf->path, msg);
        inf->stats.failures++;
        retry_later(inf, true);
        return;
    }
    json_t *md = json_object_get(r->body, "metadata");
    if (!inf->pending) inf->pending = json_array();
    if (!inf->list_rv) inf->list_rv = xstrdup(meta_str(r->body, "resourceVersion") ?: "");
    json_array_extend(inf->pending, json_object_get(r->body, "items"));
    const char *cont = json_string_value(json_object_get(md, "continue"));
    if (cont && *cont) {
        list_page(inf, cont);
        return;
    }
    apply_list(inf);
    start_watch(inf);
}

/* Percent-encodes a query value. */
static char *qescape(const char *s)
{
    char *out = xmalloc(strlen(s) * 3 + 1), *p = out;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '~')
            *p++ = (char)ch;
        else
            p += sprintf(p, "%%%02X", ch);
    }
    *p = 0;
    return out;
}

static void list_page(ck_informer *inf, const char *cont)
{
    cleanup_free char *c = cont ? qescape(cont) : NULL;
    cleanup_free char *url =
        xasprintf("%s%climit=%d%s%s%s", inf->path, strchr(inf->path, '?') ? '&' : '?', PAGE,
                  c ? "&continue=" : "", c ? c : "", inf->query);
    inf->list_call = ck_client_request(inf->c, "GET", url, NULL, NULL, on_list, inf);
}

static void on_watch_event(const json_t *ev, void *ctx)
{
    ck_informer *inf = ctx;
    const char *type = json_string_value(json_object_get(ev, "type"));
    const json_t *obj = json_object_get(ev, "object");
    inf->watch_events++;
    inf->stats.events++;
    if (streq(type, "ERROR")) {
        json_int_t code = json_integer_value(json_object_get(obj, "code"));
        const char *msg = json_string_value(json_object_get(obj, "message"));
        ck_watch_cancel(inf->watch);
        inf->watch = NULL;
        if (code == 410) {
            ck_log_v(2, "informer %s: watch: %s; relisting", inf->path, msg ? msg : "expired");
            inf->stats.expired++;
            list_page(inf, NULL);
            return;
        }
        ck_log_warn("informer %s: watch error %lld: %s", inf->path, (long long)code,
                    msg ? msg : "");
        inf->stats.failures++;
        retry_later(inf, true);
        return;
    }
    const char *rv = meta_str(obj, "resourceVersion");
    if (!json_is_object(obj) || !rv) return;
    if (streq(type, "ADDED") || streq(type, "MODIFIED"))
        upsert(inf, obj);
    else if (streq(type, "DELETED"))
        delete_obj(inf, obj);
    else if (!streq(type, "BOOKMARK"))
        return;
    free(inf->rv);
    inf->rv = xstrdup(rv);
}

/* A watch the server ended is resumed after 100-200 ms rather than at once: when a server
 * ends every watch together (a restart), its clients do not all come back in the same
 * instant, and a client reading a stream's end before the connection's GOAWAY does not
 * start its next watch on a connection that is going away. */
static void rewatch_soon(ck_informer *inf)
{
    inf->retry =
        ck_loop_timer(inf->loop, REWATCH_MS + (uint64_t)(rand() % REWATCH_MS), on_retry_watch, inf);
}

static void on_watch_end(const ck_err *err, void *ctx)
{
    ck_informer *inf = ctx;
    inf->watch = NULL;
    bool short_watch =
        !inf->watch_events && ck_loop_now(inf->loop) - inf->watch_start < SHORT_WATCH_MS;
    if (err) {
        /* A stream that worked and broke resumes. One that did not start retries after
         * the backoff: the watch again when the server was unreachable or unavailable
         * (503, the client's transport errors), a relist when it refused. */
        ck_log_v(2, "informer %s: watch ended: %s", inf->path, err->message);
        if (inf->watch_events) {
            rewatch_soon(inf);
            return;
        }
        inf->stats.failures++;
        retry_later(inf, err->code != 503);
        return;
    }
    if (short_watch) {
        ck_log_v(2, "informer %s: very short watch", inf->path);
        inf->stats.failures++;
        retry_later(inf, false);
        return;
    }
    rewatch_soon(inf);
}

static void start_watch(ck_informer *inf)
{
    unsigned timeout = inf->watch_timeout ? inf->watch_timeout : 300 + (unsigned)(rand() % 300);
    cleanup_free char *rv = qescape(inf->rv ? inf->rv : "");
    cleanup_free char *url =
        xasprintf("%s%cwatch=1&allowWatchBookmarks=true&resourceVersion=%s&timeoutSeconds=%u%s",
                  inf->path, strchr(inf->path, '?') ? '&' : '?', rv, timeout, inf->query);
    inf->watch_start = ck_loop_now(inf->loop);
    inf->watch_events = 0;
    inf->stats.watches++;
    inf->watch = ck_client_watch(inf->c, url, on_watch_event, on_watch_end, inf);
}

ck_informer *ck_informer_new(ck_client *c, const char *path, const char *label_selector,
                             const char *field_selector)
{
    ck_informer *inf = xcalloc(1, sizeof *inf);
    inf->c = c;
    inf->loop = ck_client_loop(c);
    inf->path = xstrdup(path);
    cleanup_free char *l = label_selector && *label_selector ? qescape(label_selector) : NULL;
    cleanup_free char *f = field_selector && *field_selector ? qescape(field_selector) : NULL;
    inf->query = xasprintf("%s%s%s%s", l ? "&labelSelector=" : "", l ? l : "",
                           f ? "&fieldSelector=" : "", f ? f : "");
    list_page(inf, NULL);
    return inf;
}

void ck_informer_set_watch_timeout(ck_informer *inf, unsigned seconds)
{
    inf->watch_timeout = seconds;
}

void ck_informer_free(ck_informer *inf)
{
    if (!inf) return;
    ck_call_cancel(inf->list_call);
    ck_watch_cancel(inf->watch);
    ck_loop_cancel(inf->loop, inf->retry);
    for (size_t i = 0; i < inf->objs.nb; i++)
        for (entry *e = inf->objs.b[i], *next; e; e = next) {
            next = e->next;
            json_decref(e->obj);
            free(e);
        }
    for (size_t i = 0; i < inf->nss.nb; i++)
        for (nsent *s = inf->nss.b[i], *next; s; s = next) {
            next = s->next;
            free(s);
        }
    free(inf->objs.b);
    free(inf->nss.b);
    json_decref(inf->pending);
    free(inf->list_rv);
    free(inf->rv);
    free(inf->h);
    free(inf->path);
    free(inf->query);
    free(inf);
}
