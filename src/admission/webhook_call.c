/* Calling admission webhooks: a few worker threads take jobs from a queue, POST the
 * AdmissionReviews with libcurl and hand finished jobs back to the event loop through
 * h2o's multithread queue. Everything a worker touches belongs to its job alone (deep
 * copies made on the loop thread); errors read as upstream's, which come from Go's HTTP
 * client (`Post "URL": dial tcp ...: connect: connection refused`). */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "admission/webhook.h"
#include "apiserver/server.h"
#include "lib/base64.h"
#include "lib/random.h"
#include "lib/log.h"
#include "lib/util.h"
#include "machinery/patch.h"
#include "registry/registry.h"

#define WORKERS 4
#define MAX_RESPONSE (8u << 20)

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t threads[WORKERS];
    int nthreads;
    ck_webhook_job *head, **tail; /* waiting for a worker */
    ck_webhook_job *done;         /* finished, for the loop thread (any order) */
    volatile int stopping;
    h2o_multithread_receiver_t receiver;
    h2o_multithread_message_t wake; /* sent when `done` stops being empty */
    bool receiving, curl_ready;
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* ---- one HTTP call ---- */

typedef struct call {
    const ck_hook *hook;
    CURL *curl;
    struct curl_slist *headers, *connect_to;
    char *body;
    char *resp;
    size_t resp_len;
    bool too_big;
    char errbuf[CURL_ERROR_SIZE];
    char uid[37];
    CURLcode rc;
} call;

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    call *c = ctx;
    size_t len = size * n;
    if (c->resp_len + len > MAX_RESPONSE) {
        c->too_big = true;
        return 0;
    }
    c->resp = xrealloc(c->resp, c->resp_len + len + 1);
    memcpy(c->resp + c->resp_len, p, len);
    c->resp_len += len;
    c->resp[c->resp_len] = 0;
    return len;
}

static int on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)ctx, (void)a, (void)b, (void)c, (void)d;
    return pool.stopping ? 1 : 0;
}

/* Prepares the POST of review (with a fresh request.uid and the current objects). */
static void call_init(call *c, const ck_hook *h, ck_webhook_job *job)
{
    memset(c, 0, sizeof *c);
    c->hook = h;
    ck_uuid(c->uid);
    json_t *req = json_object_get(job->review, "request");
    json_object_set_new(req, "uid", json_string(c->uid));
    json_object_set(req, "object", job->obj ? job->obj : json_null());
    json_object_set(req, "oldObject", job->old ? job->old : json_null());
    c->body = json_dumps(job->review, JSON_COMPACT);
    c->curl = curl_easy_init();
    CURL *e = c->curl;
    curl_easy_setopt(e, CURLOPT_URL, h->url);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(c->body));
    c->headers = curl_slist_append(NULL, "Content-Type: application/json");
    c->headers = curl_slist_append(c->headers, "Accept: application/json, */*");
    c->headers = curl_slist_append(c->headers, "User-Agent: kube-apiserver-admission");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, h->timeout_s * 1000L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
    if (h->ca) {
        struct curl_blob blob = {.data = h->ca, .len = h->ca_len, .flags = CURL_BLOB_COPY};
        curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (h->connect_to) {
        c->connect_to = curl_slist_append(NULL, h->connect_to);
        curl_easy_setopt(e, CURLOPT_CONNECT_TO, c->connect_to);
    }
}

static void call_clear(call *c)
{
    if (c->curl) curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->headers);
    curl_slist_free_all(c->connect_to);
    free(c->body);
    free(c->resp);
}

/* Runs the calls at once; each one's curl result lands in its rc. */
static void perform(call *calls, size_t n)
{
    CURLM *m = curl_multi_init();
    for (size_t i = 0; i < n; i++)
        if (!calls[i].hook->unreachable) curl_multi_add_handle(m, calls[i].curl);
    int running = 1;
    while (running) {
        if (curl_multi_perform(m, &running) != CURLM_OK) break;
        if (running) curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(m, &left)))
        if (msg->msg == CURLMSG_DONE)
            for (size_t i = 0; i < n; i++)
                if (calls[i].curl == msg->easy_handle) calls[i].rc = msg->data.result;
    for (size_t i = 0; i < n; i++)
        if (!calls[i].hook->unreachable) curl_multi_remove_handle(m, calls[i].curl);
    curl_multi_cleanup(m);
}

/* "host:port" of the URL, for dial errors when curl did not get as far as an address. */
static char *url_hostport(const char *url)
{
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    size_t n = strcspn(h, "/?");
    return strchr(h, ':') && (size_t)(strchr(h, ':') - h) < n ? xstrndup(h, n)
                                                              : xasprintf("%.*s:443", (int)n, h);
}

/* Go's wording of a failed round trip. */
static char *transport_error(call *c)
{
    long oserr = 0, port = 0;
    char *ip = NULL;
    curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &oserr);
    curl_easy_getinfo(c->curl, CURLINFO_PRIMARY_IP, &ip);
    curl_easy_getinfo(c->curl, CURLINFO_PRIMARY_PORT, &port);
    cleanup_free char *addr =
        ip && *ip && port ? xasprintf("%s:%ld", ip, port) : url_hostport(c->hook->url);
    switch (c->rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return xstrdup("context deadline exceeded");
    case CURLE_ABORTED_BY_CALLBACK:
        return xstrdup("context canceled");
    case CURLE_COULDNT_RESOLVE_HOST: {
        cleanup_free char *hp = url_hostport(c->hook->url);
        char *colon = strrchr(hp, ':');
        if (colon) *colon = 0;
        return xasprintf("dial tcp: lookup %s: no such host", hp);
    }
    case CURLE_COULDNT_CONNECT:
        return xasprintf("dial tcp %s: connect: %s", addr,
                         oserr == ECONNREFUSED   ? "connection refused"
                         : oserr == EHOSTUNREACH ? "no route to host"
                         : oserr == ENETUNREACH  ? "network is unreachable"
                         : oserr                 ? strerror((int)oserr)
                         : c->errbuf[0]          ? c->errbuf
                                                 : "connection failed");
    case CURLE_PEER_FAILED_VERIFICATION:
        return xasprintf("tls: failed to verify certificate: %s", c->errbuf);
    case CURLE_WRITE_ERROR:
        if (c->too_big) return xstrdup("response body too large");
        /* fall through */
    default:
        return xstrdup(c->errbuf[0] ? c->errbuf : curl_easy_strerror(c->rc));
    }
}

/* The calling error (ErrCallingWebhook) as text, or NULL when the call produced a
 * usable AdmissionReview response, which *response then holds. */
static char *call_result(call *c, bool mutating, json_t **response)
{
    *response = NULL;
    if (c->hook->unreachable)
        return xasprintf("failed to call webhook: Post \"%s\": %s", c->hook->url,
                         c->hook->unreachable);
    if (c->rc != CURLE_OK) {
        cleanup_free char *t = transport_error(c);
        return xasprintf("failed to call webhook: Post \"%s\": %s", c->hook->url, t);
    }
    long code = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
    json_error_t je;
    json_t *doc = c->resp ? json_loadb(c->resp, c->resp_len, 0, &je) : NULL;
    if (code < 200 || code > 299) {
        const char *m = json_string_value(json_object_get(doc, "message"));
        char *t =
            m ? xasprintf("failed to call webhook: %s", m)
            : code == 404
                ? xstrdup("failed to call webhook: the server could not find the requested "
                          "resource")
                : xasprintf("failed to call webhook: an error on the server (\"%.*s\") has "
                            "prevented the request from succeeding",
                            (int)(c->resp_len > 200 ? 200 : c->resp_len), c->resp ? c->resp : "");
        json_decref(doc);
        return t;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        return xasprintf("failed to call webhook: couldn't get version/kind; json parse error: %s",
                         c->resp ? je.text : "unexpected end of JSON input");
    }
    const char *av = json_string_value(json_object_get(doc, "apiVersion"));
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    json_t *resp = json_object_get(doc, "response");
    const char *uid = json_string_value(json_object_get(resp, "uid"));
    const char *bad = NULL;
    char *t = NULL;
    if (!streq(av, "admission.k8s.io/v1") || !streq(kind, "AdmissionReview"))
        t = xasprintf("expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, "
                      "got %s, Kind=%s",
                      av ? av : "", kind ? kind : "");
    else if (!json_is_object(resp))
        bad = "webhook response was absent";
    else if (!streq(uid, c->uid))
        t = xasprintf("expected response.uid=\"%s\", got \"%s\"", c->uid, uid ? uid : "");
    else if (!mutating && json_object_get(resp, "patch"))
        bad = "validating webhooks may not return patches";
    else if (json_object_get(resp, "patch") && !json_object_get(resp, "patchType"))
        bad = "webhook returned response.patch but not response.patchType";
    else if (json_object_get(resp, "patchType") &&
             !streq(json_string_value(json_object_get(resp, "patchType")), "JSONPatch"))
        t = xasprintf("webhook returned invalid response.patchType of \"%s\"",
                      json_string_value(json_object_get(resp, "patchType"))
                          ? json_string_value(json_object_get(resp, "patchType"))
                          : "");
    if (bad || t) {
        char *out = xasprintf("received invalid webhook response: %s", bad ? bad : t);
        free(t);
        json_decref(doc);
        return out;
    }
    *response = json_incref(resp);
    json_decref(doc);
    return NULL;
}

/* Status reasons live as static strings in ck_err: a webhook's own reason is interned
 * (a bounded set; anything past it reads as Forbidden). */
static const char *intern_reason(const char *r)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static char *seen[64];
    if (!r || !*r) return NULL;
    const char *out = CK_FORBIDDEN;
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < ARRAY_SIZE(seen); i++) {
        if (!seen[i]) seen[i] = xstrndup(r, 128);
        if (!strncmp(seen[i], r, 128)) {
            out = seen[i];
            break;
        }
    }
    pthread_mutex_unlock(&mu);
    return out;
}

/* upstream's ToStatusErr: a denying response's status, its message prefixed with who
 * denied, its code at least 400. */
static void denied(ck_webhook_job *job, const ck_hook *h, const json_t *status)
{
    json_int_t code = json_integer_value(json_object_get(status, "code"));
    if (code < 400) code = 400;
    if (code > 599) code = 500; /* not an HTTP status we can send */
    const char *msg = json_string_value(json_object_get(status, "message"));
    const char *reason = json_string_value(json_object_get(status, "reason"));
    cleanup_free char *by = xasprintf("admission webhook \"%s\" denied the request", h->name);
    json_t *details = json_incref(json_object_get(status, "details"));
    if (msg && *msg)
        ck_error_details(&job->err, (int)code, intern_reason(reason), details, "%s: %s", by, msg);
    else if (reason && *reason)
        ck_error_details(&job->err, (int)code, intern_reason(reason), details, "%s: %s", by,
                         reason);
    else
        ck_error_details(&job->err, (int)code, NULL, details, "%s without explanation", by);
}

/* Warnings and audit annotations of a response (both kept, as upstream). */
static void collect(ck_webhook_job *job, const ck_hook *h, const json_t *resp)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(resp, "warnings"), i, w)
    {
        if (json_is_string(w)) json_array_append(job->warnings, w);
    }
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(resp, "auditAnnotations"), k, v)
    {
        if (!json_is_string(v)) continue;
        cleanup_free char *key = xasprintf("%s/%s", h->name, k);
        json_object_set(job->annotations, key, v);
    }
}

/* The server is stopping: upstream's answer when the request's own context ends. */
static bool cut_short(ck_webhook_job *job, const call *c)
{
    if (c->rc != CURLE_ABORTED_BY_CALLBACK) return false;
    if (!job->err)
        ck_error(&job->err, 504, CK_TIMEOUT,
                 "Timeout: request did not complete within requested timeout");
    return true;
}

static void calling_error(ck_webhook_job *job, const ck_hook *h, const char *why)
{
    json_t *d = json_pack("{s:[{s:s+++}]}", "causes", "message", "failed calling webhook \"",
                          h->name, "\": ", why);
    ck_error_details(&job->err, 500, CK_INTERNAL, d,
                     "Internal error occurred: failed calling webhook \"%s\": %s", h->name, why);
}

static bool selected(const ck_hook *h, const ck_webhook_job *job)
{
    if (!h->object_sel) return true;
    const json_t *objs[2] = {job->obj, job->old};
    for (int i = 0; i < 2; i++)
        if (objs[i] &&
            ck_label_selector_matches(h->object_sel, ck_obj_get(objs[i], "metadata.labels")))
            return true;
    return false;
}

static void annotate_failed_open(ck_webhook_job *job, const ck_hook *h, int round, size_t i)
{
    cleanup_free char *key = xasprintf("failed-open.%s.webhook.admission.k8s.io/round_%d_index_%zu",
                                       job->mutating ? "mutation" : "validating", round, i);
    json_object_set_new(job->annotations, key, json_string(h->name));
}

/* One mutating webhook: returns 1 if it changed the object, 0 if not, -1 on error. */
static int mutate_one(ck_webhook_job *job, size_t i, int round)
{
    const ck_hook *h = &job->hooks[i];
    call c;
    call_init(&c, h, job);
    perform(&c, 1);
    json_t *resp = NULL;
    if (cut_short(job, &c)) {
        call_clear(&c);
        return -1;
    }
    char *why = call_result(&c, true, &resp);
    call_clear(&c);
    int changed = 0;
    if (why) {
        if (h->fail_open) {
            ck_log_warn(
                "Failed calling webhook, failing open %s: failed calling webhook \"%s\": %s",
                h->name, h->name, why);
            annotate_failed_open(job, h, round, i);
            free(why);
            return 0;
        }
        calling_error(job, h, why);
        free(why);
        return -1;
    }
    collect(job, h, resp);
    if (!json_is_true(json_object_get(resp, "allowed"))) {
        denied(job, h, json_object_get(resp, "status"));
        json_decref(resp);
        return -1;
    }
    const char *p64 = json_string_value(json_object_get(resp, "patch"));
    if (p64 && *p64 && !job->obj) {
        ck_error(&job->err, 500, CK_INTERNAL,
                 "Internal error occurred: admission webhook \"%s\" attempted to modify the "
                 "object, which is not supported for this operation",
                 h->name);
        changed = -1;
    } else if (p64 && *p64) {
        size_t n = 0;
        unsigned char *raw = ck_base64_decode(p64, strlen(p64), &n, NULL);
        json_error_t je;
        json_t *patch = raw ? json_loadb((const char *)raw, n, 0, &je) : NULL;
        bool decoded = raw != NULL;
        free(raw);
        json_t *out = NULL;
        ck_err *perr = NULL;
        if (!json_is_array(patch)) {
            cleanup_free char *t = xasprintf(
                "received undecodable patch in webhook response: %s",
                decoded
                    ? (patch ? "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
                             : je.text)
                    : "illegal base64 data");
            calling_error(job, h, t);
            changed = -1;
        } else if (ck_json_patch(job->obj, patch, &out, &perr) < 0) {
            ck_error(&job->err, 500, CK_INTERNAL, "Internal error occurred: %s", perr->message);
            ck_err_free(perr);
            changed = -1;
        } else {
            changed = !json_equal(out, job->obj);
            json_decref(job->obj);
            job->obj = out;
        }
        json_decref(patch);
    }
    if (changed >= 0) {
        cleanup_free char *key =
            xasprintf("mutation.webhook.admission.k8s.io/round_%d_index_%zu", round, i);
        json_t *v = json_pack("{s:s, s:s, s:b}", "configuration", h->config, "webhook", h->name,
                              "mutated", changed == 1);
        char *s = json_dumps(v, JSON_COMPACT);
        json_object_set_new(job->annotations, key, json_string(s));
        free(s);
        json_decref(v);
    }
    json_decref(resp);
    return changed;
}

static void run_mutating(ck_webhook_job *job)
{
    bool *invoked = xcalloc(job->nhooks + 1, sizeof *invoked);
    bool *again = xcalloc(job->nhooks + 1, sizeof *again);
    bool reinvoke = false;
    for (size_t i = 0; i < job->nhooks && !job->err; i++) {
        if (!selected(&job->hooks[i], job)) continue;
        int ch = mutate_one(job, i, 0);
        if (ch < 0) break;
        if (ch == 1) /* everything reinvocable called so far runs again */
            for (size_t j = 0; j < i; j++)
                if (invoked[j]) again[j] = reinvoke = true;
        if (job->hooks[i].reinvoke) invoked[i] = true;
    }
    for (size_t i = 0; reinvoke && i < job->nhooks && !job->err; i++)
        if (again[i] && selected(&job->hooks[i], job) && mutate_one(job, i, 1) < 0) break;
    free(invoked);
    free(again);
}

static void run_validating(ck_webhook_job *job)
{
    call *calls = xcalloc(job->nhooks + 1, sizeof *calls);
    size_t *idx = xcalloc(job->nhooks + 1, sizeof *idx), n = 0;
    for (size_t i = 0; i < job->nhooks; i++)
        if (selected(&job->hooks[i], job)) {
            call_init(&calls[n], &job->hooks[i], job);
            idx[n++] = i;
        }
    perform(calls, n);
    for (size_t k = 0; k < n; k++) {
        const ck_hook *h = &job->hooks[idx[k]];
        json_t *resp = NULL;
        char *why = cut_short(job, &calls[k]) ? NULL : call_result(&calls[k], false, &resp);
        if (job->err && job->err->code == 504) {
            /* stopping: nothing more to learn */
        } else if (why && h->fail_open) {
            ck_log_warn(
                "Failed calling webhook, failing open %s: failed calling webhook \"%s\": %s",
                h->name, h->name, why);
            annotate_failed_open(job, h, 0, idx[k]);
        } else if (why) {
            if (!job->err) calling_error(job, h, why);
        } else {
            collect(job, h, resp);
            if (!json_is_true(json_object_get(resp, "allowed")) && !job->err)
                denied(job, h, json_object_get(resp, "status"));
        }
        free(why);
        json_decref(resp);
        call_clear(&calls[k]);
    }
    free(calls);
    free(idx);
}

void ck_webhook_run(ck_webhook_job *job)
{
    if (!job->warnings) job->warnings = json_array();
    if (!job->annotations) job->annotations = json_object();
    if (job->mutating)
        run_mutating(job);
    else
        run_validating(job);
}

/* ---- the worker pool ---- */

static void *worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        while (!pool.head && !pool.stopping)
            pthread_cond_wait(&pool.cv, &pool.mu);
        if (!pool.head) break;
        ck_webhook_job *job = pool.head;
        pool.head = job->next;
        if (!pool.head) pool.tail = &pool.head;
        pthread_mutex_unlock(&pool.mu);
        ck_webhook_run(job);
        pthread_mutex_lock(&pool.mu);
        job->next = pool.done;
        pool.done = job;
        if (!job->next) h2o_multithread_send_message(&pool.receiver, &pool.wake);
    }
    pthread_mutex_unlock(&pool.mu);
    return NULL;
}

static void deliver(void)
{
    pthread_mutex_lock(&pool.mu);
    ck_webhook_job *list = pool.done;
    pool.done = NULL;
    pthread_mutex_unlock(&pool.mu);
    while (list) {
        ck_webhook_job *job = list;
        list = job->next;
        ck_webhook_done(job);
    }
}

static void on_messages(h2o_multithread_receiver_t *rc, h2o_linklist_t *messages)
{
    (void)rc;
    while (!h2o_linklist_is_empty(messages))
        h2o_linklist_unlink(messages->next);
    deliver();
}

void ck_webhooks_start(ck_apiserver *srv)
{
    pool.stopping = 0;
    pool.head = pool.done = NULL;
    pool.tail = &pool.head;
    memset(&pool.wake, 0, sizeof pool.wake);
    h2o_multithread_register_receiver(srv->h2o_ctx.queue, &pool.receiver, on_messages);
    pool.receiving = true;
}

bool ck_webhooks_accepting(void)
{
    return pool.receiving && !pool.stopping;
}

/* The workers (and libcurl) start with the first call: a cluster without webhooks pays
 * nothing for them. */
static void start_workers(void)
{
    if (pool.nthreads) return;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pool.curl_ready = true;
    for (int i = 0; i < WORKERS; i++)
        if (pthread_create(&pool.threads[pool.nthreads], NULL, worker, NULL) == 0) pool.nthreads++;
    if (!pool.nthreads) ck_log_error("webhooks: cannot start worker threads");
}

void ck_webhook_submit(ck_webhook_job *job)
{
    start_workers();
    pthread_mutex_lock(&pool.mu);
    job->next = NULL;
    *pool.tail = job;
    pool.tail = &job->next;
    pthread_cond_signal(&pool.cv);
    pthread_mutex_unlock(&pool.mu);
}

void ck_webhooks_stop(ck_apiserver *srv)
{
    if (!pool.receiving) return;
    pthread_mutex_lock(&pool.mu);
    pool.stopping = 1;
    pthread_cond_broadcast(&pool.cv);
    pthread_mutex_unlock(&pool.mu);
    for (int i = 0; i < pool.nthreads; i++)
        pthread_join(pool.threads[i], NULL);
    pool.nthreads = 0;
    /* The wake-up h2o may still hold, the finished jobs, then the ones no worker took. */
    for (int i = 0; i < 100 && h2o_linklist_is_linked(&pool.wake.link); i++)
        h2o_evloop_run(srv->loop, 10);
    deliver();
    while (pool.head) {
        ck_webhook_job *job = pool.head;
        pool.head = job->next;
        ck_error(&job->err, 503, "ServiceUnavailable", "the server is shutting down");
        ck_webhook_done(job);
    }
    pool.tail = &pool.head;
    h2o_multithread_unregister_receiver(srv->h2o_ctx.queue, &pool.receiver);
    pool.receiving = false;
    if (pool.curl_ready) curl_global_cleanup();
    pool.curl_ready = false;
}
