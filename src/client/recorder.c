/* The event recorder and its correlator (see recorder.h), after client-go's
 * tools/record/event.go and events_cache.go. The correlator's caches are JSON objects,
 * whose keys jansson keeps in insertion order: moving a key to the end on every use makes
 * the first key the least recently used one, which is evicted past max_entries. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "client/ratelimit.h"
#include "client/recorder.h"
#include "lib/random.h"
#include "lib/log.h"
#include "lib/util.h"
#include "machinery/validation.h"

#define MAX_TRIES 12         /* upstream's maxTriesPerEvent */
#define RETRY_SLEEP_MS 10000 /* upstream's defaultSleepDuration */
#define KEY_SEP "\x1f"       /* between key parts (upstream joins with "") */
#define AGGREGATE_PREFIX "(combined from similar events): "

static const char *str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* metav1.Time: RFC 3339 in UTC, whole seconds. */
static void fmt_time(int64_t ns, char out[32])
{
    time_t t = (time_t)(ns / 1000000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* GenerateEventName: "<name>.<nanoseconds in hex>", or a UUID when that is not a valid
 * object name. Caller frees. */
static char *event_name(const char *ref_name, int64_t now_ns)
{
    char *name = xasprintf("%s.%llx", ref_name, (unsigned long long)now_ns);
    if (ck_is_dns1123_subdomain(name, NULL) == 0) return name;
    free(name);
    name = xmalloc(37);
    ck_uuid(name);
    return name;
}

/* ---- keys ---- */

static char *join(const char *const *parts, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(parts[i]) + 1;
    char *out = xmalloc(len), *p = out;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(parts[i]);
        memcpy(p, parts[i], l);
        p += l;
        if (i + 1 < n) *p++ = KEY_SEP[0];
    }
    *p = 0;
    return out;
}

char *ck_event_key(const json_t *e)
{
    const json_t *src = json_object_get(e, "source"), *inv = json_object_get(e, "involvedObject");
    const char *parts[] = {str(src, "component"), str(src, "host"),       str(inv, "kind"),
                           str(inv, "namespace"), str(inv, "name"),       str(inv, "fieldPath"),
                           str(inv, "uid"),       str(inv, "apiVersion"), str(e, "type"),
                           str(e, "reason"),      str(e, "message")};
    return join(parts, ARRAY_SIZE(parts));
}

char *ck_event_spam_key(const json_t *e)
{
    const json_t *src = json_object_get(e, "source"), *inv = json_object_get(e, "involvedObject");
    const char *parts[] = {str(src, "component"),  str(src, "host"), str(inv, "kind"),
                           str(inv, "namespace"),  str(inv, "name"), str(inv, "uid"),
                           str(inv, "apiVersion"), str(e, "type")};
    return join(parts, ARRAY_SIZE(parts));
}

char *ck_event_aggregate_key(const json_t *e)
{
    const json_t *src = json_object_get(e, "source"), *inv = json_object_get(e, "involvedObject");
    const char *parts[] = {str(src, "component"),      str(src, "host"),
                           str(inv, "kind"),           str(inv, "namespace"),
                           str(inv, "name"),           str(inv, "uid"),
                           str(inv, "apiVersion"),     str(e, "type"),
                           str(e, "reason"),           str(e, "reportingComponent"),
                           str(e, "reportingInstance")};
    return join(parts, ARRAY_SIZE(parts));
}

/* ---- LRU maps ---- */

/* The value for key (borrowed), now the most recently used; NULL if absent. */
static json_t *lru_get(json_t *cache, const char *key)
{
    json_t *v = json_object_get(cache, key);
    if (!v) return NULL;
    json_incref(v);
    json_object_del(cache, key);
    json_object_set_new_nocheck(cache, key, v);
    return v;
}

/* Stores v (reference stolen) as the most recently used and evicts past max. */
static void lru_put(json_t *cache, const char *key, json_t *v, size_t max)
{
    json_object_del(cache, key);
    json_object_set_new_nocheck(cache, key, v);
    while (json_object_size(cache) > max) {
        cleanup_free char *oldest = xstrdup(json_object_iter_key(json_object_iter(cache)));
        json_object_del(cache, oldest);
    }
}

/* ---- the correlator ---- */

void ck_event_correlator_init(ck_event_correlator *c)
{
    *c = (ck_event_correlator){
        .spam = json_object(),
        .aggregate = json_object(),
        .observed = json_object(),
        .max_entries = 4096,
        .spam_burst = 25,
        .spam_qps = 1.0 / 300,
        .max_events = 10,
        .max_interval_ns = 600 * (int64_t)1000000000,
    };
}

void ck_event_correlator_clear(ck_event_correlator *c)
{
    json_decref(c->spam);
    json_decref(c->aggregate);
    json_decref(c->observed);
    c->spam = c->aggregate = c->observed = NULL;
}

void ck_event_correlation_clear(ck_event_correlation *out)
{
    json_decref(out->event);
    json_decref(out->patch);
    *out = (ck_event_correlation){0};
}

/* EventAggregate: returns the event to go on with (new reference) and its cache key: the
 * event itself and its full key, or, once max_events distinct messages were seen for the
 * aggregate key within the interval, a new combined event keyed by the aggregate key. */
static json_t *aggregate(ck_event_correlator *c, const json_t *event, int64_t now_ns, char **key)
{
    cleanup_free char *akey = ck_event_aggregate_key(event);
    json_t *rec = lru_get(c->aggregate, akey);
    if (!rec || now_ns - json_integer_value(json_object_get(rec, "last")) > c->max_interval_ns) {
        rec = json_pack("{s:o, s:I}", "keys", json_object(), "last", (json_int_t)0);
        lru_put(c->aggregate, akey, rec, c->max_entries); /* rec stays borrowed */
    }
    json_t *keys = json_object_get(rec, "keys");
    json_object_set_new_nocheck(keys, str(event, "message"), json_true());
    json_object_set_new(rec, "last", json_integer(now_ns));
    if (json_object_size(keys) < c->max_events) {
        *key = ck_event_key(event);
        return json_deep_copy(event);
    }
    /* Keep the set below max_events (upstream pops an arbitrary element). */
    cleanup_free char *first = xstrdup(json_object_iter_key(json_object_iter(keys)));
    json_object_del(keys, first);

    char ts[32];
    fmt_time(now_ns, ts);
    const json_t *inv = json_object_get(event, "involvedObject");
    cleanup_free char *name = event_name(str(inv, "name"), now_ns);
    cleanup_free char *msg = xasprintf(AGGREGATE_PREFIX "%s", str(event, "message"));
    json_t *ev = json_deep_copy(event);
    json_object_set_new(ev, "metadata",
                        json_pack("{s:s, s:s}", "name", name, "namespace",
                                  str(json_object_get(event, "metadata"), "namespace")));
    json_object_set_new(ev, "count", json_integer(1));
    json_object_set_new(ev, "firstTimestamp", json_string(ts));
    json_object_set_new(ev, "lastTimestamp", json_string(ts));
    json_object_set_new_nocheck(ev, "message", json_stringn_nocheck(msg, strlen(msg)));
    *key = steal_pointer(&akey);
    return ev;
}

static json_t *observation(const json_t *ev)
{
    const json_t *md = json_object_get(ev, "metadata");
    return json_pack("{s:I, s:s, s:s, s:s}", "count",
                     json_integer_value(json_object_get(ev, "count")), "firstTimestamp",
                     str(ev, "firstTimestamp"), "name", str(md, "name"), "resourceVersion",
                     str(md, "resourceVersion"));
}

/* eventObserve: if an Event with this key was sent, ev becomes its next occurrence (same
 * name and firstTimestamp, count + 1) and the patch for it is returned. */
static json_t *observe(ck_event_correlator *c, json_t *ev, const char *key)
{
    json_t *last = lru_get(c->observed, key);
    json_int_t count = last ? json_integer_value(json_object_get(last, "count")) : 0;
    json_t *patch = NULL;
    if (count > 0) {
        json_t *md = json_object_get(ev, "metadata");
        json_object_set_new(md, "name", json_string(str(last, "name")));
        const char *rv = str(last, "resourceVersion");
        if (*rv)
            json_object_set_new(md, "resourceVersion", json_string(rv));
        else
            json_object_del(md, "resourceVersion");
        json_object_set_new(ev, "firstTimestamp", json_string(str(last, "firstTimestamp")));
        json_object_set_new(ev, "count", json_integer(count + 1));
        /* What upstream's two-way merge patch holds: the fields that change. */
        patch = json_pack("{s:I, s:O}", "count", count + 1, "lastTimestamp",
                          json_object_get(ev, "lastTimestamp"));
        if (*str(ev, "message")) json_object_set(patch, "message", json_object_get(ev, "message"));
    }
    lru_put(c->observed, key, observation(ev), c->max_entries);
    return patch;
}

/* EventSourceObjectSpamFilter: true when the event must be dropped. */
static bool spam_filtered(ck_event_correlator *c, const json_t *ev, int64_t now_ns)
{
    cleanup_free char *key = ck_event_spam_key(ev);
    uint64_t now_ms = (uint64_t)(now_ns / 1000000);
    ck_bucket b;
    json_t *rec = lru_get(c->spam, key);
    if (rec) {
        b = (ck_bucket){.qps = c->spam_qps,
                        .burst = c->spam_burst,
                        .tokens = json_number_value(json_object_get(rec, "tokens")),
                        .last_ms = (uint64_t)json_integer_value(json_object_get(rec, "last"))};
    } else {
        ck_bucket_init(&b, c->spam_qps, c->spam_burst, now_ms);
    }
    bool ok = ck_bucket_try_accept(&b, now_ms);
    lru_put(c->spam, key,
            json_pack("{s:f, s:I}", "tokens", b.tokens, "last", (json_int_t)b.last_ms),
            c->max_entries);
    return !ok;
}

void ck_event_correlate(ck_event_correlator *c, const json_t *event, int64_t now_ns,
                        ck_event_correlation *out)
{
    *out = (ck_event_correlation){0};
    cleanup_free char *key = NULL;
    json_t *ev = aggregate(c, event, now_ns, &key);
    json_t *patch = observe(c, ev, key);
    if (spam_filtered(c, ev, now_ns)) {
        json_decref(ev);
        json_decref(patch);
        out->skip = true;
        return;
    }
    out->event = ev;
    out->patch = patch;
}

void ck_event_correlator_update(ck_event_correlator *c, const json_t *event)
{
    cleanup_free char *key = ck_event_key(event);
    lru_put(c->observed, key, observation(event), c->max_entries);
}

/* ---- making events ---- */

/* An ObjectReference (new reference) for an object or a reference; NULL without kind or
 * name. */
static json_t *reference(const json_t *o)
{
    const json_t *md = json_object_get(o, "metadata");
    json_t *ref = json_object();
    const char *fields[][2] = {
        {"kind", str(o, "kind")},
        {"namespace", md ? str(md, "namespace") : str(o, "namespace")},
        {"name", md ? str(md, "name") : str(o, "name")},
        {"uid", md ? str(md, "uid") : str(o, "uid")},
        {"apiVersion", str(o, "apiVersion")},
        {"resourceVersion", md ? str(md, "resourceVersion") : str(o, "resourceVersion")},
        {"fieldPath", md ? "" : str(o, "fieldPath")},
    };
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
        if (*fields[i][1]) json_object_set_new(ref, fields[i][0], json_string(fields[i][1]));
    if (!*fields[0][1] || !*fields[2][1]) {
        json_decref(ref);
        return NULL;
    }
    return ref;
}

/* A JSON string of s, with bytes that are not valid UTF-8 replaced by '?'. */
static json_t *utf8_string(const char *s)
{
    json_t *j = json_string(s);
    if (j) return j;
    cleanup_free char *copy = xstrdup(s);
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80) *p = '?';
    return json_string(copy);
}

json_t *ck_event_make(const json_t *involved, const char *component, const char *host,
                      const char *type, const char *reason, const char *message, int64_t now_ns)
{
    json_t *ref = reference(involved);
    if (!ref) {
        ck_log_error("Could not construct reference (no kind or name), will not report event: "
                     "type=%s reason=%s message=%s",
                     type, reason, message);
        return NULL;
    }
    const char *ns = str(ref, "namespace");
    cleanup_free char *name = event_name(str(ref, "name"), now_ns);
    char ts[32];
    fmt_time(now_ns, ts);
    json_t *source = json_object();
    if (component && *component) json_object_set_new(source, "component", json_string(component));
    if (host && *host) json_object_set_new(source, "host", json_string(host));
    return json_pack("{s:s, s:s, s:{s:s, s:s}, s:o, s:o, s:o, s:o, s:s, s:s, s:i, s:s, s:s, s:s}",
                     "kind", "Event", "apiVersion", "v1", "metadata", "name", name, "namespace",
                     *ns ? ns : "default", "involvedObject", ref, "reason", utf8_string(reason),
                     "message", utf8_string(message), "source", source, "firstTimestamp", ts,
                     "lastTimestamp", ts, "count", 1, "type", type, "reportingComponent",
                     component ? component : "", "reportingInstance", host ? host : "");
}

/* ---- the recorder: sending ---- */

/* One event being written: in flight, or waiting for a retry. */
typedef struct ev_send {
    ck_recorder *r;
    json_t *event, *patch;
    int tries;
    bool creating; /* POST rather than PATCH */
    ck_call *call; /* in flight */
    ck_timer_id timer;
    struct ev_send *prev, *next;
} ev_send;

struct ck_recorder {
    ck_client *client;
    ck_loop *loop;
    char *component, *host;
    ck_event_correlator corr;
    ev_send *sends;
};

ck_recorder *ck_recorder_new(ck_client *c, const char *component, const char *host)
{
    ck_recorder *r = xcalloc(1, sizeof *r);
    r->client = c;
    r->loop = ck_client_loop(c);
    r->component = xstrdup(component ? component : "");
    r->host = xstrdup(host ? host : "");
    ck_event_correlator_init(&r->corr);
    return r;
}

static void ev_send_free(ev_send *s)
{
    json_decref(s->event);
    json_decref(s->patch);
    free(s);
}

static void ev_send_unlink(ev_send *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        s->r->sends = s->next;
    if (s->next) s->next->prev = s->prev;
    s->prev = s->next = NULL;
}

void ck_recorder_free(ck_recorder *r)
{
    if (!r) return;
    for (ev_send *s = r->sends, *next; s; s = next) {
        next = s->next;
        ck_call_cancel(s->call);
        ck_loop_cancel(r->loop, s->timer);
        ev_send_free(s);
    }
    ck_event_correlator_clear(&r->corr);
    free(r->component);
    free(r->host);
    free(r);
}

static void ev_send_start(ev_send *s);

static void retry_cb(ck_loop *l, void *ctx)
{
    ev_send *s = ctx;
    s->timer = 0;
    s->creating = false;
    ev_send_start(s);
}

static bool namespace_terminating(const ck_err *err)
{
    const json_t *causes = json_object_get(err ? err->details : NULL, "causes");
    size_t i;
    const json_t *c;
    json_array_foreach(causes, i, c)
    {
        if (streq(str(c, "type"), "NamespaceTerminating")) return true;
    }
    return false;
}

static void sent_cb(const ck_response *resp, void *ctx)
{
    ev_send *s = ctx;
    s->call = NULL;
    ck_recorder *r = s->r;
    const json_t *md = json_object_get(s->event, "metadata");
    const char *what = str(md, "name"), *why = resp->err ? resp->err->message : "";
    if (resp->status >= 200 && resp->status < 300) {
        if (json_is_object(resp->body)) ck_event_correlator_update(&r->corr, resp->body);
    } else if (!s->creating && resp->status == 404) {
        /* The Event to patch is gone: create it anew. */
        s->creating = true;
        ev_send_start(s);
        return;
    } else if (resp->status == 0) {
        if (++s->tries < MAX_TRIES) {
            uint64_t delay = RETRY_SLEEP_MS;
            if (s->tries == 1) delay = (uint64_t)(delay * ((double)rand() / RAND_MAX));
            ck_log_error("Unable to write event %s/%s (may retry after sleeping): %s",
                         str(md, "namespace"), what, why);
            s->timer = ck_loop_timer(r->loop, delay, retry_cb, s);
            return;
        }
        ck_log_error("Unable to write event %s/%s (retry limit exceeded!)", str(md, "namespace"),
                     what);
    } else if ((resp->err && streq(resp->err->reason, CK_ALREADY_EXISTS)) ||
               namespace_terminating(resp->err)) {
        ck_log_v(5, "Server rejected event %s (will not retry!): %s", what, why);
    } else {
        ck_log_error("Server rejected event %s (will not retry!): %s", what, why);
    }
    ev_send_unlink(s);
    ev_send_free(s);
}

static void ev_send_start(ev_send *s)
{
    ck_recorder *r = s->r;
    const json_t *md = json_object_get(s->event, "metadata");
    cleanup_free char *path = NULL;
    if (s->patch && !s->creating) {
        path = xasprintf("/api/v1/namespaces/%s/events/%s", str(md, "namespace"), str(md, "name"));
        s->call = ck_client_request(r->client, "PATCH", path, s->patch,
                                    "application/strategic-merge-patch+json", sent_cb, s);
        return;
    }
    s->creating = true;
    json_object_del(json_object_get(s->event, "metadata"), "resourceVersion");
    path = xasprintf("/api/v1/namespaces/%s/events", str(md, "namespace"));
    s->call = ck_client_request(r->client, "POST", path, s->event, NULL, sent_cb, s);
}

void ck_recorder_event(ck_recorder *r, const json_t *involved_object, const char *type,
                       const char *reason, const char *fmt, ...)
{
    if (!r) return;
    if (!streq(type, "Normal") && !streq(type, "Warning")) {
        ck_log_error("Unsupported event type: '%s'", type ? type : "");
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    cleanup_free char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0) abort();
    va_end(ap);
    int64_t now = wall_ns();
    json_t *ev =
        ck_event_make(involved_object, r->component, r->host, type, reason ? reason : "", msg, now);
    if (!ev) return;
    const json_t *inv = json_object_get(ev, "involvedObject");
    ck_log_v(2, "Event occurred: object=\"%s/%s\" kind=%s type=%s reason=%s message=\"%s\"",
             str(inv, "namespace"), str(inv, "name"), str(inv, "kind"), type, str(ev, "reason"),
             msg);
    ck_event_correlation res;
    ck_event_correlate(&r->corr, ev, now, &res);
    json_decref(ev);
    if (res.skip) return;
    ev_send *s = xcalloc(1, sizeof *s);
    s->r = r;
    s->event = steal_pointer(&res.event);
    s->patch = steal_pointer(&res.patch);
    s->next = r->sends;
    if (r->sends) r->sends->prev = s;
    r->sends = s;
    ev_send_start(s);
}

bool ck_recorder_flush(ck_recorder *r, uint64_t timeout_ms)
{
    uint64_t end = now_ms() + timeout_ms;
    for (uint64_t t; r->sends && (t = now_ms()) < end;)
        ck_loop_run_once(r->loop, (int)(end - t < 100 ? end - t : 100));
    return !r->sends;
}
