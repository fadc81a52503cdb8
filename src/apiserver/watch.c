/* Watch: a chunked stream of {"type":..., "object":...} lines fed by the watch cache.
 * Each watcher queues encoded events and hands h2o one buffer at a time (h2o calls
 * `proceed` when it may send the next). Timeouts and bookmarks run from the server tick. */
#include <stdio.h>

#include "apiserver/api.h"
#include "apiserver/watch.h"
#include "audit/audit.h"
#include "lib/util.h"
#include "machinery/selector.h"

typedef struct watcher {
    h2o_generator_t super;
    h2o_req_t *req;
    ck_apiserver *srv;
    ck_rtype *rt;
    char *ns;
    ck_label_selector *lsel;
    ck_field_selector *fsel;
    bool table, bookmarks;
    int listen_id;
    char *pending, *inflight;
    size_t plen, pcap;
    bool sending, closing, finished;
    uint64_t deadline, last_bookmark;
    int64_t last_rev;
    ck_audit_event *audit; /* ends (ResponseComplete) with the watch */
    struct watcher *next, **pprev;
} watcher;

static watcher *watchers;
static bool shutting_down; /* set by ck_watch_shutdown: new watches are refused */

static void flush(watcher *w);

static void release(watcher *w)
{
    if (w->listen_id) ck_cache_unlisten(w->srv->cache, w->listen_id);
    if (w->next) w->next->pprev = w->pprev;
    *w->pprev = w->next;
    free(w->ns);
    free(w->pending);
    free(w->inflight);
    ck_label_selector_free(w->lsel);
    ck_field_selector_free(w->fsel);
    ck_audit_watch_done(w->audit);
    /* w itself lives in the request's memory pool. */
}

static void on_proceed(h2o_generator_t *g, h2o_req_t *req)
{
    (void)req;
    watcher *w = (watcher *)g;
    free(w->inflight);
    w->inflight = NULL;
    w->sending = false;
    flush(w);
}

static void on_stop(h2o_generator_t *g, h2o_req_t *req)
{
    (void)req;
    watcher *w = (watcher *)g;
    if (!w->finished) {
        w->finished = true;
        release(w);
    }
}

static void flush(watcher *w)
{
    if (w->sending || w->finished) return;
    if (w->plen) {
        w->inflight = w->pending;
        h2o_iovec_t buf = h2o_iovec_init(w->inflight, w->plen);
        w->pending = NULL;
        w->plen = w->pcap = 0;
        w->sending = true;
        h2o_send(w->req, &buf, 1, H2O_SEND_STATE_IN_PROGRESS);
    } else if (w->closing) {
        w->finished = true;
        release(w);
        h2o_send(w->req, NULL, 0, H2O_SEND_STATE_FINAL);
    }
}

static void append(watcher *w, const char *s, size_t n)
{
    if (w->plen + n + 1 > w->pcap) {
        w->pcap = (w->plen + n + 1) * 2;
        w->pending = xrealloc(w->pending, w->pcap);
    }
    memcpy(w->pending + w->plen, s, n);
    w->plen += n;
}

static void emit(watcher *w, const char *type, const ck_obj *o)
{
    append(w, "{\"type\":\"", 9);
    append(w, type, strlen(type));
    append(w, "\",\"object\":", 11);
    if (w->table) {
        json_t *doc = ck_obj_parse(o);
        json_t *t = ck_table_for(w->rt->storage, &doc, 1, false);
        json_object_set_new(json_object_get(t, "metadata"), "resourceVersion",
                            json_sprintf("%lld", (long long)o->mod_rev));
        char *s = json_dumps(t, JSON_COMPACT);
        append(w, s, strlen(s));
        free(s);
        json_decref(t);
        json_decref(doc);
    } else {
        size_t n;
        char *view = ck_json_view(w->rt, o->json, o->len, &n);
        if (view)
            append(w, view, n);
        else
            append(w, o->json, o->len);
        free(view);
    }
    append(w, "}\n", 2);
    if (o->mod_rev > w->last_rev) w->last_rev = o->mod_rev;
}

static void emit_raw(watcher *w, const char *type, json_t *obj)
{
    json_t *ev = json_pack("{s:s, s:o}", "type", type, "object", obj);
    char *s = json_dumps(ev, JSON_COMPACT);
    append(w, s, strlen(s));
    append(w, "\n", 1);
    free(s);
    json_decref(ev);
}

static const char *field_get(const char *field, void *ctx)
{
    return ck_obj_field(ctx, field);
}

static bool matches(const watcher *w, const ck_obj *o)
{
    if (!o) return false;
    if (w->ns && !streq(o->ns, w->ns)) return false;
    if (w->lsel && !ck_label_selector_matches(w->lsel, o->labels)) return false;
    if (w->fsel && !ck_field_selector_matches(w->fsel, field_get, (void *)o)) return false;
    return true;
}

static void on_event(const ck_cache_event *ev, void *ctx)
{
    watcher *w = ctx;
    if (w->finished || w->closing || ev->obj->rt != w->rt->storage) return;
    bool now = matches(w, ev->obj), before = matches(w, ev->prev);
    switch (ev->type) {
    case CK_WATCH_ADDED:
        if (now) emit(w, "ADDED", ev->obj);
        break;
    case CK_WATCH_MODIFIED:
        /* Moving in or out of the selection looks like an add or a delete. */
        if (now && before)
            emit(w, "MODIFIED", ev->obj);
        else if (now)
            emit(w, "ADDED", ev->obj);
        else if (before)
            emit(w, "DELETED", ev->obj);
        break;
    case CK_WATCH_DELETED:
        if (now || before) emit(w, "DELETED", ev->obj);
        break;
    }
    /* Events of writes not yet durable go out after the group commit (ck_watch_release). */
    ck_store *st = w->srv->store;
    if (!(st->ops->pending && st->ops->pending(st))) flush(w);
}

void ck_watch_release(ck_apiserver *srv)
{
    (void)srv;
    for (watcher *w = watchers, *next; w; w = next) {
        next = w->next;
        if (w->plen && !w->sending) flush(w);
    }
}

static bool initial(ck_obj *o, void *ctx)
{
    watcher *w = ctx;
    if (matches(w, o)) emit(w, "ADDED", o);
    return true;
}

static json_t *bookmark(watcher *w, int64_t rev, bool initial_end)
{
    json_t *md = json_pack("{s:s}", "resourceVersion", "");
    json_object_set_new(md, "resourceVersion", json_sprintf("%lld", (long long)rev));
    if (initial_end)
        json_object_set_new(md, "annotations",
                            json_pack("{s:s}", "k8s.io/initial-events-end", "true"));
    return json_pack("{s:s, s:s, s:o}", "kind", w->rt->res->kind, "apiVersion", w->rt->api_version,
                     "metadata", md);
}

void ck_rest_watch(ck_request *r, ck_reqinfo *ri)
{
    if (shutting_down) {
        /* Connections still draining may ask; a watch started now would never end. */
        ck_send_status(r, 503, "ServiceUnavailable", "apiserver is shutting down");
        return;
    }
    ck_err *err = NULL;
    ck_label_selector *lsel = NULL;
    ck_field_selector *fsel = NULL;
    if (ck_parse_selectors(r, ri->rt, &lsel, &fsel, &err) < 0) {
        ck_send_err(r, err);
        ck_err_free(err);
        return;
    }
    const char *rvq = ck_query(r, "resourceVersion");
    const char *to = ck_query(r, "timeoutSeconds");
    const char *bm = ck_query(r, "allowWatchBookmarks");
    const char *sie = ck_query(r, "sendInitialEvents");
    long timeout = to ? strtol(to, NULL, 10) : 0;
    int64_t from = 0;
    if (rvq && *rvq) {
        char *end;
        long long v = strtoll(rvq, &end, 10);
        if (*end || v < 0) {
            ck_label_selector_free(lsel);
            ck_field_selector_free(fsel);
            ck_send_status(r, 400, CK_BAD_REQUEST, "invalid resource version: %s", rvq);
            return;
        }
        from = v;
        if (from > ck_cache_rev(r->srv->cache)) {
            ck_label_selector_free(lsel);
            ck_field_selector_free(fsel);
            ck_send_status(r, 504, CK_TIMEOUT, "Too large resource version: %lld, current: %lld",
                           (long long)from, (long long)ck_cache_rev(r->srv->cache));
            return;
        }
    }
    if (timeout <= 0) timeout = 1800 + rand() % 1800; /* upstream's min-request-timeout spread */

    watcher *w = h2o_mem_alloc_pool(&r->h2o->pool, sizeof *w);
    memset(w, 0, sizeof *w);
    w->super.proceed = on_proceed;
    w->super.stop = on_stop;
    w->req = r->h2o;
    w->srv = r->srv;
    w->rt = ri->rt;
    w->ns = ri->ns ? xstrdup(ri->ns) : NULL;
    w->lsel = lsel;
    w->fsel = fsel;
    w->table = ck_wants_table(r);
    w->bookmarks = bm && (streq(bm, "true") || streq(bm, "1"));
    w->deadline = now_ms() + (uint64_t)timeout * 1000;
    w->last_bookmark = now_ms();
    w->next = watchers;
    if (watchers) watchers->pprev = &w->next;
    w->pprev = &watchers;
    watchers = w;

    r->responded = true;
    r->h2o->res.status = 200;
    r->h2o->res.reason = "OK";
    h2o_add_header(&r->h2o->pool, &r->h2o->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json"));
    h2o_add_header(&r->h2o->pool, &r->h2o->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-cache, private"));
    h2o_start_response(r->h2o, &w->super);
    if (r->audit) w->audit = ck_audit_watch_started(r);

    int64_t cache_rev = ck_cache_rev(r->srv->cache);
    bool send_initial = sie ? streq(sie, "true") : (!rvq || !*rvq || streq(rvq, "0"));
    if (send_initial) {
        ck_cache_each(r->srv->cache, ri->rt, ri->ns, NULL, initial, w);
        w->last_rev = cache_rev;
        if (sie && streq(sie, "true") && w->bookmarks)
            emit_raw(w, "BOOKMARK", bookmark(w, cache_rev, true));
    } else {
        w->last_rev = from;
        if (ck_cache_replay(r->srv->cache, from, ri->rt, on_event, w, &err) < 0) {
            emit_raw(w, "ERROR", ck_status_json(err));
            ck_err_free(err);
            w->closing = true;
            flush(w);
            return;
        }
    }
    w->listen_id = ck_cache_listen(r->srv->cache, on_event, w);
    /* Replayed events may already be on their way (on_event flushes when nothing waits for
     * a commit): h2o takes one send at a time. */
    if (w->sending) return;
    if (w->plen == 0) {
        /* Send the response headers now: clients treat the watch as started then. */
        w->sending = true;
        h2o_send(w->req, NULL, 0, H2O_SEND_STATE_IN_PROGRESS);
        return;
    }
    flush(w);
}

void ck_watch_tick(ck_apiserver *srv)
{
    uint64_t now = now_ms();
    for (watcher *w = watchers, *next; w; w = next) {
        next = w->next;
        if (w->closing || w->finished) continue;
        if (now >= w->deadline) {
            w->closing = true;
            flush(w);
            continue;
        }
        if (w->bookmarks && now - w->last_bookmark >= 60000) {
            w->last_bookmark = now;
            int64_t rev = ck_cache_rev(srv->cache);
            emit_raw(w, "BOOKMARK", bookmark(w, rev > w->last_rev ? rev : w->last_rev, false));
            flush(w);
        }
    }
}

void ck_watch_shutdown(ck_apiserver *srv)
{
    (void)srv;
    shutting_down = true;
    while (watchers) {
        watcher *w = watchers;
        w->closing = true;
        if (w->sending) { /* cannot finish cleanly mid-send; detach */
            w->finished = true;
            release(w);
            continue;
        }
        flush(w);
    }
}
