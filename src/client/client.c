/* The API client: libcurl's multi interface driven by a ck_loop (curl's socket and timer
 * callbacks become ck_loop_watch and ck_loop_timer), HTTP/2 with multiplexing so every call
 * shares one connection, credentials from memory. Callbacks to the user never run inside a
 * libcurl callback: curl's write callback only buffers, and what it buffered (watch lines,
 * finished transfers) is dispatched once curl_multi_socket_action has returned, so a user
 * callback may start or cancel anything. */
#include "client/client.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/ratelimit.h"
#include "lib/log.h"
#include "lib/util.h"

#define MAX_BODY (1u << 30) /* a response or one watch line */
/* Servers announce at most 100 concurrent HTTP/2 streams a connection (h2o's fixed
 * SETTINGS; kube-apiserver's default too). libcurl opens a new connection for every
 * transfer that finds the open ones full, which for a burst means dozens; capping the
 * connections instead makes transfers wait for a free stream. The cap leaves room for
 * REQUEST_STREAMS requests beside the watches, which hold their streams for minutes. */
#define STREAMS_PER_CONN 100
#define REQUEST_STREAMS 20

typedef enum { CALL_REQUEST, CALL_WATCH } call_kind;

struct ck_call {
    ck_client *c;
    struct ck_call *prev, *next; /* the client's live calls */
    struct ck_call *dirty_next;  /* watches with buffered lines */
    call_kind kind;
    CURL *easy;
    struct curl_slist *headers;
    char *method, *url, *body;
    char *buf; /* response body; for a 2xx watch, the unparsed tail of the stream */
    size_t len, cap, scan;
    ck_timer_id delay; /* waiting for the rate limiter */
    bool added, dirty, failed_status, cancelled;
    int dispatching;
    ck_err *stream_err; /* a watch line that did not parse */
    ck_response_cb cb;
    ck_watch_event_cb on_event;
    ck_watch_end_cb on_end;
    void *ctx;
    char errbuf[CURL_ERROR_SIZE];
};

/* A watch is a call; the distinct type keeps the two handles apart in the API. */
struct ck_watch {
    struct ck_call call;
};

struct ck_client {
    ck_loop *loop;
    CURLM *multi;
    char *base;       /* scheme://host:port[/prefix] used in URLs */
    char *connect_to; /* tls-server-name: "name:port:host:port" */
    struct curl_slist *connect_to_list;
    char *ca, *cert, *key;
    bool insecure;
    char *auth; /* "Authorization: Bearer ..." */
    char *user_agent;
    ck_bucket bucket; /* the client-side QPS limit */
    ck_timer_id curl_timer;
    bool closing;
    bool cap_conns; /* https and no HTTP/1 answer seen: connections are capped */
    long conn_cap;
    unsigned active_watches;
    struct ck_call *calls, *dirty;
    ck_client_stats stats;
};

/* ---- curl's callbacks ---- */

static void process(ck_client *c);

static void on_io(ck_loop *l, int fd, int events, void *ctx)
{
    ck_client *c = ctx;
    int running;
    int flags = (events & CK_LOOP_READ ? CURL_CSELECT_IN : 0) |
                (events & CK_LOOP_WRITE ? CURL_CSELECT_OUT : 0);
    curl_multi_socket_action(c->multi, fd, flags, &running);
    process(c);
}

static int socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
    ck_client *c = userp;
    int ev = what == CURL_POLL_IN      ? CK_LOOP_READ
             : what == CURL_POLL_OUT   ? CK_LOOP_WRITE
             : what == CURL_POLL_INOUT ? CK_LOOP_READ | CK_LOOP_WRITE
                                       : 0;
    if (ck_loop_watch(c->loop, s, ev, on_io, c) < 0 && ev)
        ck_log_error("client: watching socket %d: %s", s, strerror(errno));
    return 0;
}

static void on_curl_timer(ck_loop *l, void *ctx)
{
    ck_client *c = ctx;
    int running;
    c->curl_timer = 0;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    process(c);
}

static int timer_cb(CURLM *m, long timeout_ms, void *userp)
{
    ck_client *c = userp;
    ck_loop_cancel(c->loop, c->curl_timer);
    c->curl_timer = 0;
    if (timeout_ms >= 0 && !c->closing)
        c->curl_timer = ck_loop_timer(c->loop, (uint64_t)timeout_ms, on_curl_timer, c);
    return 0;
}

static curl_socket_t open_cb(void *ctx, curlsocktype purpose, struct curl_sockaddr *a)
{
    ck_client *c = ctx;
    int s = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    if (s < 0) return CURL_SOCKET_BAD;
    c->stats.connections_open++;
    c->stats.connections_opened++;
    return s;
}

static int close_cb(void *ctx, curl_socket_t s)
{
    ck_client *c = ctx;
    c->stats.connections_open--;
    return close(s);
}

/* Buffers what arrived. A 2xx watch's data is split into lines later (dirty list). */
static size_t write_cb(char *p, size_t size, size_t n, void *ctx)
{
    struct ck_call *call = ctx;
    size_t len = size * n;
    if (call->len + len > MAX_BODY) return 0;
    if (call->len + len + 1 > call->cap) {
        size_t cap = call->cap ? call->cap : 16384;
        while (cap < call->len + len + 1)
            cap *= 2;
        call->buf = xrealloc(call->buf, cap);
        call->cap = cap;
    }
    memcpy(call->buf + call->len, p, len);
    call->len += len;
    call->buf[call->len] = 0;
    if (call->kind == CALL_WATCH && !call->failed_status) {
        long status = 0;
        curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status < 200 || status > 299) {
            call->failed_status = true; /* the body is a Status: keep it whole */
        } else if (!call->dirty) {
            call->dirty = true;
            call->dirty_next = call->c->dirty;
            call->c->dirty = call;
        }
    }
    return len;
}

/* ---- errors ---- */

/* The static reason string for a Status reason (ck_err keeps reasons static): a known one
 * as is, else what upstream's NewGenericServerResponse derives from the code. */
static const char *static_reason(const char *r, int code)
{
    static const struct {
        int code;
        const char *reason;
    } known[] = {{400, CK_BAD_REQUEST},
                 {401, CK_UNAUTHORIZED},
                 {403, CK_FORBIDDEN},
                 {404, CK_NOT_FOUND},
                 {405, CK_METHOD_NOT_ALLOWED},
                 {406, CK_NOT_ACCEPTABLE},
                 {409, CK_CONFLICT},
                 {410, "Gone"},
                 {413, CK_TOO_LARGE},
                 {415, CK_UNSUPPORTED_MEDIA},
                 {422, CK_INVALID},
                 {429, "TooManyRequests"},
                 {500, CK_INTERNAL},
                 {503, "ServiceUnavailable"},
                 {504, CK_TIMEOUT},
                 {409, CK_ALREADY_EXISTS},
                 {410, CK_GONE},
                 {504, "ServerTimeout"},
                 {0, "Unknown"}};
    for (size_t i = 0; r && i < ARRAY_SIZE(known); i++)
        if (streq(r, known[i].reason)) return known[i].reason;
    for (size_t i = 0; i < ARRAY_SIZE(known); i++)
        if (known[i].code == code) return known[i].reason;
    return "Unknown";
}

static void status_err(int status, const json_t *body, const char *text, ck_err **err)
{
    if (json_is_object(body) && streq(json_string_value(json_object_get(body, "kind")), "Status")) {
        json_int_t code = json_integer_value(json_object_get(body, "code"));
        if (code <= 0) code = status;
        const char *msg = json_string_value(json_object_get(body, "message"));
        const char *reason = json_string_value(json_object_get(body, "reason"));
        json_t *details = json_object_get(body, "details");
        ck_error_details(err, (int)code, static_reason(reason, (int)code),
                         json_is_object(details) ? json_deep_copy(details) : NULL, "%s",
                         msg ? msg : "");
        return;
    }
    size_t n = text ? strlen(text) : 0;
    while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
        n--;
    if (n && n <= 1024)
        ck_error(err, status, static_reason(NULL, status), "%.*s", (int)n, text);
    else
        ck_error(err, status, static_reason(NULL, status),
                 "the server responded with the status code %d but did not return more "
                 "information",
                 status);
}

/* Go's wording for a failed round trip: `Get "URL": what went wrong`. */
static void transport_err(struct ck_call *call, CURLcode rc, ck_err **err)
{
    char verb[16];
    snprintf(verb, sizeof verb, "%s", call->method);
    for (char *p = verb + 1; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    ck_error(err, 503, "ServiceUnavailable", "%s \"%s\": %s", verb, call->url,
             call->errbuf[0] ? call->errbuf : curl_easy_strerror(rc));
}

/* ---- calls ---- */

static void update_conn_cap(ck_client *c)
{
    long cap =
        c->cap_conns ? 1 + (long)(c->active_watches + REQUEST_STREAMS) / STREAMS_PER_CONN : 0;
    if (cap == c->conn_cap) return;
    c->conn_cap = cap;
    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, cap);
}

static void unlink_dirty(ck_client *c, struct ck_call *call)
{
    if (!call->dirty) return;
    for (struct ck_call **pp = &c->dirty; *pp; pp = &(*pp)->dirty_next)
        if (*pp == call) {
            *pp = call->dirty_next;
            break;
        }
    call->dirty = false;
}

/* Takes the call out of curl and the client's lists; frees it unless a dispatch of its
 * lines is under way (that one frees it when it returns). */
static void call_release(struct ck_call *call)
{
    ck_client *c = call->c;
    if (!call->cancelled) {
        call->cancelled = true;
        if (call->kind == CALL_WATCH) {
            c->active_watches--;
            update_conn_cap(c);
        }
        ck_loop_cancel(c->loop, call->delay);
        if (call->added) curl_multi_remove_handle(c->multi, call->easy);
        call->added = false;
        unlink_dirty(c, call);
        if (call->prev)
            call->prev->next = call->next;
        else
            c->calls = call->next;
        if (call->next) call->next->prev = call->prev;
    }
    if (call->dispatching) return;
    curl_easy_cleanup(call->easy);
    curl_slist_free_all(call->headers);
    free(call->method);
    free(call->url);
    free(call->body);
    free(call->buf);
    ck_err_free(call->stream_err);
    free(call);
}

static void call_start(struct ck_call *call)
{
    call->delay = 0;
    CURLMcode mc = curl_multi_add_handle(call->c->multi, call->easy);
    if (mc != CURLM_OK) ck_log_error("client: %s", curl_multi_strerror(mc));
    call->added = mc == CURLM_OK;
}

static void on_delay(ck_loop *l, void *ctx)
{
    call_start(ctx);
}

static struct ck_call *call_new(ck_client *c, call_kind kind, const char *method, const char *path,
                                const json_t *body, const char *content_type)
{
    struct ck_call *call = xcalloc(1, sizeof *call);
    call->c = c;
    call->kind = kind;
    call->method = xstrdup(method);
    call->url = xasprintf("%s%s%s", c->base, path[0] == '/' ? "" : "/", path);
    CURL *e = call->easy = curl_easy_init();
    if (!e) abort();
    curl_easy_setopt(e, CURLOPT_URL, call->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, call);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, call);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L); /* wait to multiplex rather than connect */
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 30L);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_cb);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, c);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_cb);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, c);
    curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
    if (c->ca) {
        struct curl_blob b = {c->ca, strlen(c->ca), CURL_BLOB_NOCOPY};
        curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &b);
    }
    if (c->cert && c->key) {
        struct curl_blob b = {c->cert, strlen(c->cert), CURL_BLOB_NOCOPY};
        struct curl_blob k = {c->key, strlen(c->key), CURL_BLOB_NOCOPY};
        curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &b);
        curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &k);
        curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (c->insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (c->connect_to_list) curl_easy_setopt(e, CURLOPT_CONNECT_TO, c->connect_to_list);

    struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
    h = curl_slist_append(h, "Expect:");
    if (c->auth) h = curl_slist_append(h, c->auth);
    if (body) {
        call->body = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!call->body) call->body = xstrdup("null");
        char *ct = xasprintf("Content-Type: %s", content_type ? content_type : "application/json");
        h = curl_slist_append(h, ct);
        free(ct);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, call->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(call->body));
    }
    call->headers = h;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    if (streq(method, "HEAD"))
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    else if (!streq(method, body ? "POST" : "GET"))
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);

    call->next = c->calls;
    if (c->calls) c->calls->prev = call;
    c->calls = call;
    return call;
}

ck_call *ck_client_request(ck_client *c, const char *method, const char *path, const json_t *body,
                           const char *content_type, ck_response_cb cb, void *ctx)
{
    struct ck_call *call = call_new(c, CALL_REQUEST, method, path, body, content_type);
    call->cb = cb;
    call->ctx = ctx;
    c->stats.requests++;
    /* Reserving a token keeps waiting requests in order (client-go's token bucket). */
    uint64_t delay = ck_bucket_reserve(&c->bucket, ck_loop_now(c->loop));
    if (delay) {
        c->stats.throttled++;
        call->delay = ck_loop_timer(c->loop, delay, on_delay, call);
    } else {
        call_start(call);
    }
    return call;
}

void ck_call_cancel(ck_call *call)
{
    if (call) call_release(call);
}

ck_watch *ck_client_watch(ck_client *c, const char *path, ck_watch_event_cb on_event,
                          ck_watch_end_cb on_end, void *ctx)
{
    struct ck_call *call = call_new(c, CALL_WATCH, "GET", path, NULL, NULL);
    call->on_event = on_event;
    call->on_end = on_end;
    call->ctx = ctx;
    c->stats.watches++;
    c->active_watches++;
    update_conn_cap(c);
    call_start(call);
    return (ck_watch *)call;
}

void ck_watch_cancel(ck_watch *w)
{
    if (w) call_release(&w->call);
}

/* Hands the complete lines buffered for a watch to on_event (with final, the unterminated
 * rest too). Returns 0, 1 when a line was not JSON (stream_err set), or -1 when the watch
 * was cancelled meanwhile (and is freed). */
static int watch_lines(struct ck_call *call, bool final)
{
    size_t start = 0;
    int rc = 0;
    call->dispatching++;
    while (!call->cancelled) {
        char *nl = memchr(call->buf + call->scan, '\n', call->len - call->scan);
        size_t end = nl ? (size_t)(nl - call->buf) : call->len;
        if (!nl && !final) {
            call->scan = call->len;
            break;
        }
        const char *line = call->buf + start;
        size_t n = end - start;
        while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
            n--;
        while (n && (*line == ' ' || *line == '\r'))
            line++, n--;
        start = call->scan = nl ? end + 1 : end;
        if (n) {
            json_error_t je;
            json_t *ev = json_loadb(line, n, 0, &je);
            if (!json_is_object(ev)) {
                json_decref(ev);
                ck_error(&call->stream_err, 500, CK_INTERNAL, "watch %s: cannot decode event: %s",
                         call->url, je.text);
                rc = 1;
                break;
            }
            call->on_event(ev, call->ctx);
            json_decref(ev);
        }
        if (!nl) break;
    }
    call->dispatching--;
    if (call->cancelled) {
        call_release(call);
        return -1;
    }
    if (start) {
        memmove(call->buf, call->buf + start, call->len - start);
        call->len -= start;
        call->scan -= start;
    }
    return rc;
}

/* Ends a watch: takes it out, then calls on_end (the handle is invalid from then on). */
static void watch_end(struct ck_call *call, const ck_err *err)
{
    ck_watch_end_cb on_end = call->on_end;
    void *ctx = call->ctx;
    ck_err *own = NULL;
    if (err)
        ck_error_details(&own, err->code, err->reason,
                         err->details ? json_incref(err->details) : NULL, "%s", err->message);
    call_release(call);
    if (on_end) on_end(own, ctx);
    ck_err_free(own);
}

static void finish(struct ck_call *call, CURLcode rc)
{
    ck_client *c = call->c;
    long status = 0, version = 0;
    curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(call->easy, CURLINFO_HTTP_VERSION, &version);
    if (status) c->stats.http_version = version == CURL_HTTP_VERSION_2_0 ? 2 : 1;
    if (status && version != CURL_HTTP_VERSION_2_0 && c->cap_conns) {
        /* No HTTP/2: every call needs its own connection, so no cap. */
        c->cap_conns = false;
        update_conn_cap(c);
    }
    curl_multi_remove_handle(c->multi, call->easy);
    call->added = false;
    ck_err *err = NULL;
    json_t *body = NULL;
    if (rc != CURLE_OK) {
        transport_err(call, rc, &err);
        status = 0;
    } else {
        if (call->len && (call->kind == CALL_REQUEST || call->failed_status))
            body = json_loadb(call->buf, call->len, 0, NULL);
        if (status < 200 || status > 299) status_err((int)status, body, call->buf, &err);
    }
    if (call->kind == CALL_WATCH) {
        int lines = !err && call->len ? watch_lines(call, true) : 0;
        if (lines < 0) goto out; /* cancelled from on_event */
        if (lines > 0) err = steal_pointer(&call->stream_err);
        watch_end(call, err);
    } else {
        ck_response r = {.status = (int)status, .body = body, .err = err};
        ck_response_cb cb = call->cb;
        void *ctx = call->ctx;
        call_release(call);
        if (cb) cb(&r, ctx);
    }
out:
    json_decref(body);
    ck_err_free(err);
}

/* After curl has run: lines for watches, then finished transfers. */
static void process(ck_client *c)
{
    while (c->dirty) {
        struct ck_call *call = c->dirty;
        c->dirty = call->dirty_next;
        call->dirty = false;
        if (watch_lines(call, false) > 0) {
            ck_err *e = steal_pointer(&call->stream_err);
            watch_end(call, e);
            ck_err_free(e);
        }
    }
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        struct ck_call *call = NULL;
        CURLcode rc = m->data.result;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&call);
        if (call) finish(call, rc);
    }
}

/* ---- the client ---- */

/* For tls-server-name: URLs name the server by that name and curl connects to the real
 * host (CURLOPT_CONNECT_TO), so SNI and verification use the name. */
static void set_server(ck_client *c, const char *server, const char *server_name)
{
    if (!server_name) {
        c->base = xstrdup(server);
        return;
    }
    const char *hp = strstr(server, "://") + 3;
    const char *path = strchr(hp, '/');
    size_t hplen = path ? (size_t)(path - hp) : strlen(hp);
    cleanup_free char *hostport = xstrndup(hp, hplen);
    const char *colon = strrchr(hostport, ':');
    bool has_port = colon && !strchr(colon, ']');
    const char *port = has_port ? colon + 1 : has_prefix(server, "https://") ? "443" : "80";
    cleanup_free char *host =
        has_port ? xstrndup(hostport, (size_t)(colon - hostport)) : xstrdup(hostport);
    c->base =
        xasprintf("%.*s%s:%s%s", (int)(hp - server), server, server_name, port, path ? path : "");
    c->connect_to = xasprintf("%s:%s:%s:%s", server_name, port, host, port);
    c->connect_to_list = curl_slist_append(NULL, c->connect_to);
}

ck_client *ck_client_new(ck_loop *loop, const ck_kubeconfig *kc, const ck_client_opts *o,
                         ck_err **err)
{
    if (!kc || !kc->server || !strstr(kc->server, "://")) {
        ck_error(err, 400, CK_BAD_REQUEST, "client: no server URL");
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        ck_error(err, 500, CK_INTERNAL, "client: libcurl initialization failed");
        return NULL;
    }
    ck_client *c = xcalloc(1, sizeof *c);
    c->loop = loop;
    set_server(c, kc->server, kc->server_name);
    size_t n = strlen(c->base);
    while (n && c->base[n - 1] == '/')
        c->base[--n] = 0;
    c->ca = kc->ca_pem ? xstrdup(kc->ca_pem) : NULL;
    c->cert = kc->cert_pem ? xstrdup(kc->cert_pem) : NULL;
    c->key = kc->key_pem ? xstrdup(kc->key_pem) : NULL;
    c->insecure = kc->insecure;
    if (kc->token) c->auth = xasprintf("Authorization: Bearer %s", kc->token);
    c->user_agent = xstrdup(o && o->user_agent ? o->user_agent : "ckube");
    ck_bucket_init(&c->bucket, o ? o->qps : 0, o && o->burst > 0 ? o->burst : 1, ck_loop_now(loop));
    c->multi = curl_multi_init();
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    /* curl's own cap is 100 streams a connection; the server's SETTINGS still apply. */
    curl_multi_setopt(c->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, 1000L);
    c->cap_conns = has_prefix(c->base, "https://");
    update_conn_cap(c);
    return c;
}

static void wipe(char *s)
{
    if (s) explicit_bzero(s, strlen(s));
    free(s);
}

void ck_client_free(ck_client *c)
{
    if (!c) return;
    while (c->calls)
        call_release(c->calls);
    /* Closing connections calls socket_cb (unwatch) and close_cb, which need c. */
    c->closing = true;
    curl_multi_cleanup(c->multi);
    ck_loop_cancel(c->loop, c->curl_timer);
    curl_slist_free_all(c->connect_to_list);
    free(c->connect_to);
    free(c->base);
    free(c->ca);
    free(c->cert);
    wipe(c->key);
    wipe(c->auth);
    free(c->user_agent);
    free(c);
    curl_global_cleanup();
}

ck_loop *ck_client_loop(ck_client *c)
{
    return c->loop;
}

void ck_client_get_stats(const ck_client *c, ck_client_stats *out)
{
    *out = c->stats;
}

typedef struct sync_call {
    bool done;
    int status;
    json_t *body;
    ck_err *err;
} sync_call;

static void on_sync(const ck_response *r, void *ctx)
{
    sync_call *s = ctx;
    s->done = true;
    s->status = r->status;
    s->body = json_incref(r->body);
    if (r->err)
        ck_error_details(&s->err, r->err->code, r->err->reason,
                         r->err->details ? json_incref(r->err->details) : NULL, "%s",
                         r->err->message);
}

int ck_client_call(ck_client *c, const char *method, const char *path, const json_t *body,
                   const char *content_type, json_t **out, ck_err **err)
{
    sync_call s = {0};
    if (out) *out = NULL;
    /* A loop stopped before the call (shutdown work) still runs it to the end. */
    bool stopped = ck_loop_stopped(c->loop);
    ck_call *call = ck_client_request(c, method, path, body, content_type, on_sync, &s);
    while (!s.done && (stopped || !ck_loop_stopped(c->loop)))
        ck_loop_run_once(c->loop, -1);
    if (!s.done) {
        ck_call_cancel(call);
        ck_error(err, 503, "ServiceUnavailable", "%s %s: interrupted (the loop was stopped)",
                 method, path);
        return 0;
    }
    if (s.err) {
        if (err && !*err)
            *err = s.err;
        else
            ck_err_free(s.err);
    }
    if (out)
        *out = s.body;
    else
        json_decref(s.body);
    return s.status;
}
