/* The hollow reflector (see reflector.h): list, watch, re-watch, relist. */
#include "hollow/reflector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/util.h"

#define PAGE 500
#define BACKOFF_MIN_MS 800
#define BACKOFF_MAX_MS 30000
#define REWATCH_MS 100

struct hw_reflector {
    ck_client *c;
    ck_loop *loop;
    char *path, *selector; /* selector: "&fieldSelector=..." or "" */
    hw_reflector_ops ops;
    ck_call *list;
    ck_watch *watch;
    ck_timer_id timer;
    char *rv;
    uint64_t backoff;
    bool synced, listing;
};

static void start_list(hw_reflector *r, const char *cont);
static void start_watch(hw_reflector *r);

static char *escape(const char *s)
{
    size_t n = strlen(s);
    char *out = xmalloc(3 * n + 1), *o = out;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            strchr("-._~", ch))
            *o++ = (char)ch;
        else
            o += sprintf(o, "%%%02X", ch);
    }
    *o = 0;
    return out;
}

static void set_rv(hw_reflector *r, const char *rv)
{
    if (!rv || !*rv || streq(rv, r->rv)) return;
    free(r->rv);
    r->rv = xstrdup(rv);
}

static void on_timer(ck_loop *l, void *ctx)
{
    hw_reflector *r = ctx;
    r->timer = 0;
    if (r->rv && !r->listing)
        start_watch(r);
    else
        start_list(r, NULL);
}

/* After a failure: try again after the backoff; relist when resuming is not possible. */
static void retry(hw_reflector *r, bool relist)
{
    r->backoff = r->backoff ? r->backoff * 2 : BACKOFF_MIN_MS;
    if (r->backoff > BACKOFF_MAX_MS) r->backoff = BACKOFF_MAX_MS;
    if (relist) {
        free(r->rv);
        r->rv = NULL;
    }
    ck_loop_cancel(r->loop, r->timer);
    r->timer = ck_loop_timer(r->loop, r->backoff, on_timer, r);
}

static void on_page(const ck_response *resp, void *ctx)
{
    hw_reflector *r = ctx;
    r->list = NULL;
    if (resp->status != 200 || !json_is_object(resp->body)) {
        ck_log_warn("hollow-nodes: list %s: %s", r->path,
                    resp->err ? resp->err->message : "unexpected answer");
        r->listing = false;
        retry(r, true);
        return;
    }
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(resp->body, "items"), i, item)
    {
        json_t *t = r->ops.trim(item, r->ops.ctx);
        if (t) r->ops.upsert(t, r->ops.ctx);
    }
    const json_t *meta = json_object_get(resp->body, "metadata");
    const char *cont = json_string_value(json_object_get(meta, "continue"));
    if (cont && *cont) {
        start_list(r, cont);
        return;
    }
    set_rv(r, json_string_value(json_object_get(meta, "resourceVersion")));
    r->listing = false;
    r->backoff = 0;
    r->synced = true;
    /* The watch goes out before whatever the owner writes about the list, so its writes
     * arrive as live events rather than as a replay. */
    start_watch(r);
    if (r->ops.relist_end) r->ops.relist_end(r->ops.ctx);
}

static void start_list(hw_reflector *r, const char *cont)
{
    if (!cont) {
        r->listing = true;
        if (r->ops.relist_begin) r->ops.relist_begin(r->ops.ctx);
    }
    cleanup_free char *c = cont ? escape(cont) : NULL;
    cleanup_free char *path = xasprintf("%s?limit=%d%s%s%s", r->path, PAGE, r->selector,
                                        c ? "&continue=" : "", c ? c : "");
    r->list = ck_client_request(r->c, "GET", path, NULL, NULL, on_page, r);
}

static void on_event(const json_t *ev, void *ctx)
{
    hw_reflector *r = ctx;
    const char *type = json_string_value(json_object_get(ev, "type"));
    const json_t *obj = json_object_get(ev, "object");
    if (streq(type, "ERROR")) {
        json_int_t code = json_integer_value(json_object_get(obj, "code"));
        ck_log_v(1, "hollow-nodes: watch %s: %lld %s", r->path, (long long)code,
                 json_string_value(json_object_get(obj, "message")));
        ck_watch_cancel(r->watch);
        r->watch = NULL;
        if (code == 410) {
            free(r->rv);
            r->rv = NULL;
            start_list(r, NULL);
        } else {
            retry(r, false);
        }
        return;
    }
    set_rv(r,
           json_string_value(json_object_get(json_object_get(obj, "metadata"), "resourceVersion")));
    if (streq(type, "ADDED") || streq(type, "MODIFIED")) {
        json_t *t = r->ops.trim(obj, r->ops.ctx);
        if (t) r->ops.upsert(t, r->ops.ctx);
    } else if (streq(type, "DELETED")) {
        r->ops.remove(obj, r->ops.ctx);
    }
}

static void on_end(const ck_err *err, void *ctx)
{
    hw_reflector *r = ctx;
    r->watch = NULL;
    if (!err) {
        r->backoff = 0;
        r->timer = ck_loop_timer(r->loop, REWATCH_MS, on_timer, r);
        return;
    }
    ck_log_v(1, "hollow-nodes: watch %s ended: %s", r->path, err->message);
    retry(r, err->code == 410);
}

static void start_watch(hw_reflector *r)
{
    unsigned timeout = 300 + (unsigned)(rand() % 300); /* client-go: 5-10 minutes */
    cleanup_free char *path =
        xasprintf("%s?watch=1&allowWatchBookmarks=true&resourceVersion=%s&timeoutSeconds=%u%s",
                  r->path, r->rv, timeout, r->selector);
    r->watch = ck_client_watch(r->c, path, on_event, on_end, r);
}

hw_reflector *hw_reflector_new(ck_client *c, const char *path, const char *field_selector,
                               const hw_reflector_ops *ops)
{
    hw_reflector *r = xcalloc(1, sizeof *r);
    r->c = c;
    r->loop = ck_client_loop(c);
    r->path = xstrdup(path);
    cleanup_free char *sel = field_selector ? escape(field_selector) : NULL;
    r->selector = sel ? xasprintf("&fieldSelector=%s", sel) : xstrdup("");
    r->ops = *ops;
    start_list(r, NULL);
    return r;
}

void hw_reflector_free(hw_reflector *r)
{
    if (!r) return;
    ck_call_cancel(r->list);
    ck_watch_cancel(r->watch);
    ck_loop_cancel(r->loop, r->timer);
    free(r->path);
    free(r->selector);
    free(r->rv);
    free(r);
}

bool hw_reflector_synced(const hw_reflector *r)
{
    return r->synced;
}
