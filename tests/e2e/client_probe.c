/* A probe of the client library against a real server, driven by tests/e2e/test_client.sh:
 *   h2 WATCHES REQUESTS MAXCONNS  concurrent watches and requests on at most MAXCONNS
 *   errors                        Status errors and transport errors
 *   ratelimit QPS BURST N         N requests through the token bucket
 *   expired PATH RV               a watch from a too-old resourceVersion
 *   informer PATH TIMEOUT         handler calls, one per line, until SIGTERM
 *   bench PATH [EVENTS]           list figures for an informer, then EVENTS watch events
 *   fill NS N                     creates N configmaps in NS, 200 requests in flight
 *   stream                        (KUBECONFIG unused) watch streams from a fake server
 * each as `client_probe KUBECONFIG MODE ARGS...`.
 * Lines starting "FAIL" mark failures; the exit status is 1 if there were any. */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client.h"
#include "client/informer.h"
#include "lib/log.h"
#include "lib/util.h"

static int failures;
#define EXPECT(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            printf("FAIL %s: ", #cond);                                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

static ck_loop *loop;
static ck_client *client;
static ck_kubeconfig probe_kc;

/* ---- h2: watches and requests sharing one connection ---- */

typedef struct h2 {
    int watches_started, watch_ends, responses, ok;
    char *started; /* per watch: got its first event */
} h2;

typedef struct wctx {
    h2 *s;
    int i;
} wctx;

static void h2_event(const json_t *ev, void *ctx)
{
    wctx *w = ctx;
    if (!w->s->started[w->i]) w->s->started[w->i] = 1, w->s->watches_started++;
}

static void h2_end(const ck_err *err, void *ctx)
{
    ((wctx *)ctx)->s->watch_ends++;
}

static void h2_response(const ck_response *r, void *ctx)
{
    h2 *s = ctx;
    s->responses++;
    if (r->status == 200 && json_is_object(r->body)) s->ok++;
    if (r->err && s->responses - s->ok < 3) printf("request failed: %s\n", r->err->message);
}

static void run_until(const int *n, int want, int seconds)
{
    uint64_t end = now_ms() + (uint64_t)seconds * 1000;
    while (*n < want && now_ms() < end)
        ck_loop_run_once(loop, 100);
}

static void cmd_h2(int nwatch, int nreq, unsigned max_conns)
{
    h2 s = {.started = xcalloc((size_t)nwatch + 1, 1)};
    ck_watch **ws = xcalloc((size_t)nwatch + 1, sizeof *ws);
    wctx *wc = xcalloc((size_t)nwatch + 1, sizeof *wc);
    /* Without a resourceVersion a watch starts with ADDED events for what exists. */
    for (int i = 0; i < nwatch; i++) {
        wc[i] = (wctx){&s, i};
        ws[i] = ck_client_watch(client, "/api/v1/namespaces?watch=1&timeoutSeconds=120", h2_event,
                                h2_end, &wc[i]);
    }
    run_until(&s.watches_started, nwatch, 60);
    EXPECT(s.watches_started == nwatch, "%d of %d watches started", s.watches_started, nwatch);
    uint64_t t0 = now_ms();
    for (int i = 0; i < nreq; i++)
        ck_client_request(client, "GET", "/api/v1/namespaces/default", NULL, NULL, h2_response, &s);
    run_until(&s.responses, nreq, 60);
    uint64_t dt = now_ms() - t0;
    EXPECT(s.ok == nreq, "%d of %d requests answered 200", s.ok, nreq);
    EXPECT(s.watch_ends == 0, "%d watches ended early", s.watch_ends);
    ck_client_stats st;
    ck_client_get_stats(client, &st);
    printf("watches=%d requests=%d in %llu ms; http_version=%d connections_opened=%u open=%u\n",
           s.watches_started, s.ok, (unsigned long long)dt, st.http_version, st.connections_opened,
           st.connections_open);
    EXPECT(st.http_version == 2, "HTTP/%d", st.http_version);
    EXPECT(st.connections_opened >= 1 && st.connections_opened <= max_conns, "%u connections",
           st.connections_opened);
    /* Cancelling the watches leaves the connection up and the client usable. */
    for (int i = 0; i < nwatch; i++)
        ck_watch_cancel(ws[i]);
    json_t *out = NULL;
    ck_err *err = NULL;
    int status = ck_client_call(client, "GET", "/version", NULL, NULL, &out, &err);
    EXPECT(status == 200 && json_string_value(json_object_get(out, "gitVersion")), "version: %d",
           status);
    json_decref(out);
    ck_err_free(err);
    EXPECT(s.watch_ends == 0, "cancelled watches called on_end");
    free(s.started);
    free(ws);
    free(wc);
}

/* ---- errors ---- */

static void cmd_errors(void)
{
    json_t *out = NULL;
    ck_err *err = NULL;
    int st = ck_client_call(client, "GET", "/api/v1/namespaces/default/configmaps/nope", NULL, NULL,
                            &out, &err);
    EXPECT(st == 404 && err && err->code == 404 && streq(err->reason, CK_NOT_FOUND),
           "not found: %d %s", st, err ? err->reason : "-");
    EXPECT(err && streq(err->message, "configmaps \"nope\" not found"), "message: %s",
           err ? err->message : "-");
    EXPECT(json_is_object(out), "the Status body is returned");
    json_decref(out), out = NULL;
    ck_err_free(err), err = NULL;

    json_t *cm = json_pack("{s:s, s:s, s:{s:s}, s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
                           "metadata", "name", "probe-err", "data", "k", "v");
    st = ck_client_call(client, "POST", "/api/v1/namespaces/default/configmaps", cm, NULL, &out,
                        &err);
    EXPECT(st == 201 && !err, "create: %d", st);
    EXPECT(streq(json_string_value(json_object_get(json_object_get(out, "data"), "k")), "v"),
           "created object returned");
    json_decref(out), out = NULL;
    st = ck_client_call(client, "POST", "/api/v1/namespaces/default/configmaps", cm, NULL, &out,
                        &err);
    EXPECT(st == 409 && err && streq(err->reason, CK_ALREADY_EXISTS), "again: %d %s", st,
           err ? err->reason : "-");
    ck_err_free(err), err = NULL;
    json_decref(out), out = NULL;
    json_t *patch = json_pack("{s:{s:s}}", "data", "k", "w");
    st = ck_client_call(client, "PATCH", "/api/v1/namespaces/default/configmaps/probe-err", patch,
                        "application/merge-patch+json", &out, &err);
    EXPECT(st == 200 &&
               streq(json_string_value(json_object_get(json_object_get(out, "data"), "k")), "w"),
           "merge patch: %d", st);
    json_decref(out), out = NULL;
    json_decref(patch);
    st = ck_client_call(client, "PUT", "/api/v1/namespaces/default/configmaps/probe-err", cm, NULL,
                        &out, &err);
    /* ConfigMaps allow unconditional updates, as upstream. */
    EXPECT(st == 200 && !err, "PUT without resourceVersion: %d %s", st, err ? err->message : "-");
    ck_err_free(err), err = NULL;
    json_decref(out), out = NULL;
    st = ck_client_call(client, "DELETE", "/api/v1/namespaces/default/configmaps/probe-err", NULL,
                        NULL, &out, &err);
    EXPECT(st == 200 && !err, "delete: %d", st);
    json_decref(out), out = NULL;
    json_decref(cm);

    /* A port nobody listens on: status 0 and Go's wording. */
    ck_kubeconfig kc = {.server = "https://127.0.0.1:1", .insecure = true};
    ck_client *bad = ck_client_new(loop, &kc, NULL, &err);
    st = ck_client_call(bad, "GET", "/version", NULL, NULL, &out, &err);
    EXPECT(st == 0 && err && has_prefix(err->message, "Get \"https://127.0.0.1:1/version\": "),
           "transport: %d %s", st, err ? err->message : "-");
    printf("transport error: %s\n", err ? err->message : "-");
    ck_err_free(err);
    ck_client_free(bad);
}

/* ---- rate limit ---- */

static void cmd_ratelimit(double qps, int burst, int n)
{
    ck_client_opts o = {.qps = qps, .burst = burst, .user_agent = "client-probe"};
    h2 s = {0};
    ck_client *c = ck_client_new(loop, &probe_kc, &o, NULL);
    uint64_t t0 = now_ms();
    for (int i = 0; i < n; i++)
        ck_client_request(c, "GET", "/api/v1/namespaces/default", NULL, NULL, h2_response, &s);
    run_until(&s.responses, n, 60);
    uint64_t dt = now_ms() - t0;
    double want = (n - burst) / qps * 1000;
    printf("%d requests at qps=%g burst=%d took %llu ms (ideal %.0f)\n", n, qps, burst,
           (unsigned long long)dt, want);
    EXPECT(s.ok == n, "%d answered", s.ok);
    EXPECT(dt >= want * 0.9 && dt < want * 1.5 + 1000, "took %llu ms", (unsigned long long)dt);
    ck_client_stats st;
    ck_client_get_stats(c, &st);
    EXPECT(st.throttled == (unsigned long)(n - burst), "throttled %lu", st.throttled);
    ck_client_free(c);
}

/* ---- a watch from a compacted resourceVersion ---- */

typedef struct exp {
    int events, ends, code;
    char type[16];
} exp_t;

static void exp_event(const json_t *ev, void *ctx)
{
    exp_t *e = ctx;
    e->events++;
    snprintf(e->type, sizeof e->type, "%s", json_string_value(json_object_get(ev, "type")));
    e->code = (int)json_integer_value(json_object_get(json_object_get(ev, "object"), "code"));
}

static void exp_end(const ck_err *err, void *ctx)
{
    exp_t *e = ctx;
    e->ends++;
    EXPECT(err == NULL, "expired watch ends cleanly: %s", err ? err->message : "");
}

static void cmd_expired(const char *path, const char *rv)
{
    exp_t e = {0};
    cleanup_free char *url = xasprintf("%s?watch=1&resourceVersion=%s", path, rv);
    ck_client_watch(client, url, exp_event, exp_end, &e);
    run_until(&e.ends, 1, 30);
    printf("expired watch: events=%d type=%s code=%d ends=%d\n", e.events, e.type, e.code, e.ends);
    EXPECT(e.events == 1 && streq(e.type, "ERROR") && e.code == 410, "410 as an ERROR event");
    EXPECT(e.ends == 1, "on_end once");
}

/* ---- informer ---- */

static ck_informer *inf;
static ck_informer_stats last;

static const char *rv_of(const json_t *o)
{
    const char *rv =
        json_string_value(json_object_get(json_object_get(o, "metadata"), "resourceVersion"));
    return rv ? rv : "-";
}

static void on_add(const json_t *obj, void *ctx)
{
    char *k = ck_object_key(obj);
    printf("ADD %s %s\n", k, rv_of(obj));
    free(k);
}

static void on_update(const json_t *old, const json_t *obj, void *ctx)
{
    char *k = ck_object_key(obj);
    printf("UPDATE %s %s %s\n", k, rv_of(old), rv_of(obj));
    free(k);
}

static void on_delete(const json_t *obj, void *ctx)
{
    char *k = ck_object_key(obj);
    printf("DELETE %s %s\n", k, rv_of(obj));
    free(k);
}

static bool synced_printed;
static void tick(ck_loop *l, void *ctx)
{
    if (!synced_printed && ck_informer_synced(inf)) {
        synced_printed = true;
        printf("SYNCED %zu\n", ck_informer_count(inf));
    }
    ck_informer_stats st;
    ck_informer_get_stats(inf, &st);
    if (st.lists != last.lists) printf("LISTS %lu\n", st.lists);
    if (st.watches != last.watches) printf("WATCHES %lu\n", st.watches);
    if (st.expired != last.expired) printf("EXPIRED %lu\n", st.expired);
    if (st.failures != last.failures) printf("FAILURES %lu\n", st.failures);
    last = st;
    ck_loop_timer(l, 100, tick, NULL);
}

static void cmd_informer(const char *path, unsigned timeout)
{
    inf = ck_informer_new(client, path, NULL, NULL);
    ck_informer_set_watch_timeout(inf, timeout);
    ck_informer_handlers h = {on_add, on_update, on_delete, NULL};
    ck_informer_add_handlers(inf, &h);
    ck_loop_timer(loop, 100, tick, NULL);
    ck_loop_run(loop);
    printf("STOPPED %zu\n", ck_informer_count(inf));
    ck_informer_free(inf);
}

/* ---- bench: how fast an informer fills, and what an object costs ---- */

/* Heap bytes in use (glibc), which unlike RSS drops when memory is freed. */
static long heap_kb(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (long)((mi.uordblks + mi.hblkhd) / 1024);
}

static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

static int bench_events;
static void bench_count(const json_t *obj, void *ctx)
{
    bench_events++;
}

static void bench_update(const json_t *old, const json_t *obj, void *ctx)
{
    bench_events++;
}

static void cmd_bench(const char *path, int expect_events)
{
    long heap0 = heap_kb();
    uint64_t t0 = now_ms();
    inf = ck_informer_new(client, path, NULL, NULL);
    ck_informer_handlers h = {bench_count, bench_update, bench_count, NULL};
    ck_informer_add_handlers(inf, &h);
    while (!ck_informer_synced(inf))
        ck_loop_run_once(loop, 100);
    uint64_t dt = now_ms() - t0;
    size_t n = ck_informer_count(inf);
    long heap1 = heap_kb();
    printf("listed %zu objects in %llu ms (%.0f objects/s); heap +%ld KiB (%.0f bytes/object)\n", n,
           (unsigned long long)dt, n * 1000.0 / (double)(dt ? dt : 1), heap1 - heap0,
           n ? (heap1 - heap0) * 1024.0 / (double)n : 0.0);
    if (expect_events > 0) {
        /* The shell script now writes; count watch events absorbed. */
        printf("READY\n");
        fflush(stdout);
        bench_events = 0;
        t0 = now_ms();
        double cpu0 = cpu_ms();
        run_until(&bench_events, expect_events, 600);
        dt = now_ms() - t0;
        double cpu = cpu_ms() - cpu0;
        printf("absorbed %d watch events in %llu ms using %.0f ms of CPU (%.0f events per CPU "
               "second)\n",
               bench_events, (unsigned long long)dt, cpu, bench_events * 1000.0 / (cpu ? cpu : 1));
    }
    ck_informer_free(inf);
}

/* ---- fill: create many objects, as fast as the server takes them ---- */

typedef struct fill {
    const char *ns;
    int n, next, done, ok;
} fill_t;

static void fill_one(fill_t *f);

static void fill_done(const ck_response *r, void *ctx)
{
    fill_t *f = ctx;
    f->done++;
    if (r->status == 201) f->ok++;
    if (f->next < f->n) fill_one(f);
}

static void fill_one(fill_t *f)
{
    char name[64];
    snprintf(name, sizeof name, "fill-%d", f->next++);
    json_t *cm = json_pack("{s:s, s:s, s:{s:s, s:{s:s}}, s:{s:s}}", "apiVersion", "v1", "kind",
                           "ConfigMap", "metadata", "name", name, "labels", "app", "fill", "data",
                           "key", "a value of some thirty-two bytes");
    cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/configmaps", f->ns);
    ck_client_request(client, "POST", path, cm, NULL, fill_done, f);
    json_decref(cm);
}

static void cmd_fill(const char *ns, int n)
{
    fill_t f = {.ns = ns, .n = n};
    uint64_t t0 = now_ms();
    for (int i = 0; i < 200 && f.next < n; i++)
        fill_one(&f);
    run_until(&f.done, n, 3600);
    uint64_t dt = now_ms() - t0;
    printf("created %d of %d in %llu ms (%.0f/s)\n", f.ok, n, (unsigned long long)dt,
           f.ok * 1000.0 / (double)(dt ? dt : 1));
    EXPECT(f.ok == n, "created %d", f.ok);
}

/* ---- stream: watch streams from a fake HTTP/1.1 server, cut at awkward places ---- */

static const char *const lines =
    "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"1\"}}}\n"
    "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"\xc3\xa9-b\","
    "\"resourceVersion\":\"2\"}}}\r\n"
    "\n"
    "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"c\",\"resourceVersion\":\"3\"}}}";

/* One scenario per connection: the response the fake server writes, in pieces. */
static void send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) return;
        p += w, n -= (size_t)w;
    }
}

static void send_chunk(int fd, const char *p, size_t n)
{
    char head[32];
    snprintf(head, sizeof head, "%zx\r\n", n);
    send_all(fd, head, strlen(head));
    send_all(fd, p, n);
    send_all(fd, "\r\n", 2);
    usleep(1000); /* separate reads on the client */
}

static void serve_one(int fd, int scenario)
{
    char req[4096];
    size_t got = 0;
    while (got < sizeof req - 1 && !strstr(req, "\r\n\r\n")) {
        ssize_t r = recv(fd, req + got, sizeof req - 1 - got, 0);
        if (r <= 0) return;
        got += (size_t)r;
        req[got] = 0;
    }
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    if (scenario == 0 || scenario == 4) { /* lines cut into chunks of 1, 2, 3... bytes */
        send_all(fd, ok, sizeof ok - 1);
        size_t n = strlen(lines), off = 0;
        for (size_t sz = 1; off < n; sz = sz % 7 + 1) {
            size_t k = n - off < sz ? n - off : sz;
            send_chunk(fd, lines + off, k);
            off += k;
        }
        if (scenario == 4) send_chunk(fd, "\n", 1);
        send_all(fd, "0\r\n\r\n", 5);
    } else if (scenario == 1) { /* a line that is not JSON */
        send_all(fd, ok, sizeof ok - 1);
        send_chunk(fd, lines, strchr(lines, '\n') + 1 - lines);
        send_chunk(fd, "not json\n", 9);
        usleep(200000);
    } else if (scenario == 2) { /* refused with a Status */
        const char *st = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                         "\"message\":\"configmaps is forbidden: User \\\"x\\\" cannot watch\","
                         "\"reason\":\"Forbidden\",\"details\":{\"kind\":\"configmaps\"},"
                         "\"code\":403}";
        char head[256];
        snprintf(head, sizeof head,
                 "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                 strlen(st));
        send_all(fd, head, strlen(head));
        send_all(fd, st, strlen(st));
    } else if (scenario == 3) { /* broken off after one line */
        send_all(fd, ok, sizeof ok - 1);
        send_chunk(fd, lines, strchr(lines, '\n') + 1 - lines);
    } else if (scenario == 5) { /* a 1 MiB line in 64 KiB chunks, then a plain error */
        send_all(fd, ok, sizeof ok - 1);
        size_t n = 1 << 20;
        char *big = xmalloc(n + 128);
        int h = snprintf(big, 128, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"");
        memset(big + h, 'x', n);
        strcpy(big + h + n, "\"}}}\n");
        size_t total = strlen(big);
        for (size_t off = 0; off < total; off += 65536)
            send_chunk(fd, big + off, total - off < 65536 ? total - off : 65536);
        free(big);
        send_all(fd, "0\r\n\r\n", 5);
    } else if (scenario == 6) { /* a non-JSON error body */
        static const char e[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n"
                                "Connection: close\r\n\r\noops\n";
        send_all(fd, e, sizeof e - 1);
    }
}

typedef struct fake {
    int lfd, scenarios;
} fake;

static void *fake_server(void *arg)
{
    fake *f = arg;
    for (int i = 0; i < f->scenarios; i++) {
        int fd = accept(f->lfd, NULL, NULL);
        if (fd < 0) break;
        serve_one(fd, i);
        close(fd);
    }
    return NULL;
}

typedef struct seen {
    int events, ends, cancel_after;
    char names[8][32];
    size_t longest;
    ck_err *err;
    ck_watch *w;
} seen;

static void seen_event(const json_t *ev, void *ctx)
{
    seen *s = ctx;
    const char *name = json_string_value(
        json_object_get(json_object_get(json_object_get(ev, "object"), "metadata"), "name"));
    size_t len = name ? strlen(name) : 0;
    if (s->events < 8) snprintf(s->names[s->events], sizeof s->names[0], "%s", name ? name : "");
    if (len > s->longest) s->longest = len;
    s->events++;
    if (s->cancel_after && s->events == s->cancel_after) ck_watch_cancel(s->w);
}

static void seen_end(const ck_err *err, void *ctx)
{
    seen *s = ctx;
    s->ends++;
    if (err) ck_error(&s->err, err->code, err->reason, "%s", err->message);
}

static void watch_scenario(seen *s, int wait_ms)
{
    s->w = ck_client_watch(client, "/api/v1/configmaps?watch=1", seen_event, seen_end, s);
    uint64_t end = now_ms() + (uint64_t)wait_ms;
    while (!s->ends && now_ms() < end)
        ck_loop_run_once(loop, 50);
}

static void cmd_stream(void)
{
    fake f = {.scenarios = 7};
    f.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (bind(f.lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(f.lfd, 8) < 0 ||
        getsockname(f.lfd, (struct sockaddr *)&a, &alen) < 0) {
        EXPECT(0, "fake server: %s", strerror(errno));
        return;
    }
    pthread_t th;
    pthread_create(&th, NULL, fake_server, &f);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(a.sin_port));
    ck_kubeconfig kc = {.server = url};
    client = ck_client_new(loop, &kc, NULL, NULL);

    seen s0 = {0};
    watch_scenario(&s0, 10000);
    EXPECT(s0.events == 3 && streq(s0.names[0], "a") && streq(s0.names[1], "\xc3\xa9-b") &&
               streq(s0.names[2], "c"),
           "lines cut at every byte: %d events", s0.events);
    EXPECT(s0.ends == 1 && !s0.err, "clean end: %s", s0.err ? s0.err->message : "-");
    seen s1 = {0};
    watch_scenario(&s1, 10000);
    EXPECT(s1.events == 1 && s1.ends == 1 && s1.err && strstr(s1.err->message, "cannot decode"),
           "a bad line ends the watch with an error: %s", s1.err ? s1.err->message : "-");
    seen s2 = {0};
    watch_scenario(&s2, 10000);
    EXPECT(s2.events == 0 && s2.err && s2.err->code == 403 && streq(s2.err->reason, "Forbidden") &&
               strstr(s2.err->message, "cannot watch"),
           "a refused watch ends with its Status: %s", s2.err ? s2.err->message : "-");
    seen s3 = {0};
    watch_scenario(&s3, 10000);
    EXPECT(s3.events == 1 && s3.err && s3.err->code == 503,
           "a broken stream ends with a transport error: %s", s3.err ? s3.err->message : "-");
    seen s4 = {.cancel_after = 2};
    watch_scenario(&s4, 1000);
    EXPECT(s4.events == 2 && s4.ends == 0, "cancelled from on_event: %d events, %d ends", s4.events,
           s4.ends);
    seen s5 = {0};
    watch_scenario(&s5, 10000);
    EXPECT(s5.events == 1 && s5.longest == 1u << 20 && !s5.err, "a 1 MiB line: %zu", s5.longest);
    json_t *out = NULL;
    ck_err *err = NULL;
    int st = ck_client_call(client, "GET", "/api", NULL, NULL, &out, &err);
    EXPECT(st == 500 && err && streq(err->reason, CK_INTERNAL) && streq(err->message, "oops"),
           "a plain-text error: %d %s", st, err ? err->message : "-");
    printf("stream: %d scenarios checked\n", f.scenarios);
    ck_err_free(err);
    json_decref(out);
    seen *all[] = {&s0, &s1, &s2, &s3, &s4, &s5};
    for (size_t i = 0; i < ARRAY_SIZE(all); i++)
        ck_err_free(all[i]->err);
    pthread_join(th, NULL);
    close(f.lfd);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (getenv("PROBE_V")) ck_log_verbosity = atoi(getenv("PROBE_V"));
    if (argc < 3) {
        fprintf(stderr, "usage: client_probe KUBECONFIG MODE [args]\n");
        return 2;
    }
    ck_err *err = NULL;
    if (streq(argv[2], "stream")) {
        loop = ck_loop_new();
        cmd_stream();
        ck_client_free(client);
        ck_loop_free(loop);
        return failures ? 1 : 0;
    }
    if (ck_kubeconfig_load(argv[1], NULL, &probe_kc, &err) < 0) {
        fprintf(stderr, "%s\n", err->message);
        ck_err_free(err);
        return 1;
    }
    loop = ck_loop_new();
    const char *mode = argv[2];
    if (streq(mode, "informer")) ck_loop_handle_signals(loop);
    client = ck_client_new(loop, &probe_kc, NULL, &err);
    if (!client) {
        fprintf(stderr, "%s\n", err->message);
        return 1;
    }
    if (streq(mode, "h2") && argc == 6)
        cmd_h2(atoi(argv[3]), atoi(argv[4]), (unsigned)atoi(argv[5]));
    else if (streq(mode, "errors"))
        cmd_errors();
    else if (streq(mode, "ratelimit") && argc == 6)
        cmd_ratelimit(atof(argv[3]), atoi(argv[4]), atoi(argv[5]));
    else if (streq(mode, "expired") && argc == 5)
        cmd_expired(argv[3], argv[4]);
    else if (streq(mode, "informer") && argc == 5)
        cmd_informer(argv[3], (unsigned)atoi(argv[4]));
    else if (streq(mode, "fill") && argc == 5)
        cmd_fill(argv[3], atoi(argv[4]));
    else if (streq(mode, "bench") && argc >= 4)
        cmd_bench(argv[3], argc > 4 ? atoi(argv[4]) : 0);
    else {
        fprintf(stderr, "client_probe: bad mode or arguments\n");
        failures++;
    }
    ck_client_free(client);
    ck_loop_free(loop);
    ck_kubeconfig_clear(&probe_kc);
    return failures ? 1 : 0;
}
