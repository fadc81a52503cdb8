/* h2o glue: TLS listener, request parsing into ck_request, response helpers. */
#include "apiserver/http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "admission/webhook.h"
#include "apiserver/server.h"
#include "audit/audit.h"
#include "auth/authn.h"
#include "lib/log.h"
#include "lib/util.h"

/* Upstream's limit on request bodies (apiserver MaxRequestBodyBytes). */
#define CK_MAX_BODY (3 * 1024 * 1024)

const char *ck_query(const ck_request *r, const char *key)
{
    for (int i = r->nquery - 1; i >= 0; i--)
        if (streq(r->query[i].key, key)) return r->query[i].value;
    return NULL;
}

const char *ck_header(const ck_request *r, const char *name)
{
    ssize_t i = h2o_find_header_by_str(&r->h2o->headers, name, strlen(name), -1);
    if (i < 0) return NULL;
    h2o_iovec_t v = r->h2o->headers.entries[i].value;
    return h2o_strdup(&r->h2o->pool, v.base, v.len).base;
}

/* Responses that saw writes not yet durable wait here until the store's group commit
 * (ck_http_release); a client that goes away meanwhile unlinks its entry. */
typedef struct deferred {
    h2o_generator_t super;
    h2o_req_t *req;
    h2o_iovec_t body;
    struct deferred *next, **pprev;
} deferred;

static deferred *deferred_head;

static void deferred_unlink(deferred *d)
{
    if (!d->pprev) return;
    if (d->next) d->next->pprev = d->pprev;
    *d->pprev = d->next;
    d->pprev = NULL;
}

static void deferred_stop(h2o_generator_t *g, h2o_req_t *req)
{
    (void)req;
    deferred_unlink((deferred *)g);
}

static void deferred_proceed(h2o_generator_t *g, h2o_req_t *req)
{
    (void)g;
    (void)req;
}

void ck_http_release(void)
{
    /* Answer in arrival order: the list is built by pushing at the head. */
    deferred *rev = NULL;
    while (deferred_head) {
        deferred *d = deferred_head;
        deferred_unlink(d);
        d->next = rev;
        rev = d;
    }
    while (rev) {
        deferred *d = rev;
        rev = d->next;
        h2o_send(d->req, &d->body, 1, H2O_SEND_STATE_FINAL);
    }
}

/* Sends body, which lives as long as the request's pool, now or after the next group
 * commit. The deferred entry doubles as the generator: h2o calls it back if the client goes
 * away first. */
static void send_body(ck_request *r, int status, const char *content_type, h2o_iovec_t body)
{
    if (r->responded || r->suspended) return;
    r->responded = true;
    h2o_req_t *req = r->h2o;
    if (r->audit) ck_audit_respond(r, status, content_type, body.base, body.len);
    req->res.status = status;
    req->res.reason = "";
    /* A length keeps HTTP/1.1 connections alive for every status (h2o closes them after
     * a non-200 response without one). */
    req->res.content_length = body.len;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
                   strlen(content_type));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-cache, private"));
    deferred *d = h2o_mem_alloc_pool(&req->pool, sizeof *d);
    memset(d, 0, sizeof *d);
    d->super.proceed = deferred_proceed;
    d->super.stop = deferred_stop;
    d->req = req;
    d->body = body;
    h2o_start_response(req, &d->super);
    ck_store *st = r->srv->store;
    if (st && st->ops->pending && st->ops->pending(st)) {
        d->next = deferred_head;
        if (deferred_head) deferred_head->pprev = &d->next;
        d->pprev = &deferred_head;
        deferred_head = d;
        return;
    }
    h2o_send(req, &d->body, 1, H2O_SEND_STATE_FINAL);
}

void ck_send(ck_request *r, int status, const char *content_type, const char *body, size_t len)
{
    if (r->responded || r->suspended) return;
    send_body(r, status, content_type, h2o_strdup(&r->h2o->pool, body, len));
}

static void free_linked(void *slot)
{
    free(*(char **)slot);
}

void ck_send_owned(ck_request *r, int status, const char *content_type, char *body, size_t len)
{
    if (r->responded || r->suspended) {
        free(body);
        return;
    }
    /* The buffer is freed with the request's pool, after h2o has written it. */
    char **slot = h2o_mem_alloc_shared(&r->h2o->pool, sizeof *slot, free_linked);
    *slot = body;
    send_body(r, status, content_type, h2o_iovec_init(body, len));
}

void ck_send_json(ck_request *r, int status, json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT);
    ck_send_owned(r, status, "application/json", s, strlen(s));
    json_decref(v);
}

void ck_add_warning(ck_request *r, const char *text)
{
    char *v = xmalloc(2 * strlen(text) + 16), *o = v;
    o += sprintf(o, "299 - \"");
    for (const char *c = text; *c; c++) {
        if (*c == '"' || *c == '\\') *o++ = '\\';
        *o++ = *c;
    }
    strcpy(o, "\"");
    /* The same warning once per response, as upstream's warning recorder does. */
    h2o_headers_t *hs = &r->h2o->res.headers;
    for (size_t i = 0; i < hs->size; i++)
        if (h2o_memis(hs->entries[i].name->base, hs->entries[i].name->len, H2O_STRLIT("warning")) &&
            h2o_memis(hs->entries[i].value.base, hs->entries[i].value.len, v, strlen(v))) {
            free(v);
            return;
        }
    h2o_iovec_t hv = h2o_strdup(&r->h2o->pool, v, strlen(v));
    h2o_add_header_by_str(&r->h2o->pool, &r->h2o->res.headers, H2O_STRLIT("warning"), 0, NULL,
                          hv.base, hv.len);
    free(v);
}

json_t *ck_status_json(const ck_err *err)
{
    json_t *st = json_pack("{s:s, s:s, s:{}, s:s, s:s, s:s?, s:i}", "kind", "Status", "apiVersion",
                           "v1", "metadata", "status", "Failure", "message", err->message, "reason",
                           err->reason, "code", err->code);
    if (err->details) json_object_set(st, "details", err->details);
    /* Keep upstream's key order: code comes last. */
    json_t *code = json_incref(json_object_get(st, "code"));
    json_object_del(st, "code");
    json_object_set_new(st, "code", code);
    return st;
}

void ck_send_err(ck_request *r, const ck_err *err)
{
    ck_send_json(r, err->code, ck_status_json(err));
}

void ck_send_status(ck_request *r, int code, const char *reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ck_err e = {.code = code, .reason = reason};
    if (vasprintf(&e.message, fmt, ap) < 0) e.message = NULL;
    va_end(ap);
    if (!e.message) e.message = xstrdup("error");
    ck_send_err(r, &e);
    free(e.message);
}

/* ---- request parsing ---- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes [s, s+n); '+' becomes a space when plus is set (query strings). An escaped
 * NUL byte, which C strings cannot carry, sets *nul. */
static char *url_decode(const char *s, size_t n, bool plus, bool *nul)
{
    char *out = xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            *o = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            if (!*o++) *nul = true;
            i += 2;
        } else if (plus && s[i] == '+') {
            *o++ = ' ';
        } else {
            *o++ = s[i];
        }
    }
    *o = 0;
    return out;
}

static void parse_query(ck_request *r, const char *q, size_t n)
{
    int cap = 0;
    const char *end = q + n;
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *stop = amp ? amp : end;
        if (stop > q) {
            const char *eq = memchr(q, '=', (size_t)(stop - q));
            if (r->nquery == cap) {
                cap = cap ? cap * 2 : 8;
                r->query = xrealloc(r->query, (size_t)cap * sizeof *r->query);
            }
            ck_query_param *p = &r->query[r->nquery++];
            p->key = url_decode(q, (size_t)((eq ? eq : stop) - q), true, &r->bad_escape);
            p->value = eq ? url_decode(eq + 1, (size_t)(stop - eq - 1), true, &r->bad_escape)
                          : xstrdup("");
        }
        q = stop + 1;
    }
}

static void request_free(ck_request *r)
{
    free(r->method);
    free(r->path);
    for (int i = 0; i < r->nquery; i++) {
        free(r->query[i].key);
        free(r->query[i].value);
    }
    free(r->query);
    free(r->content_type);
    free(r->accept);
    ck_user_clear(&r->user);
    ck_audit_event_free(r->audit);
    ck_webhook_memo_free(r->webhooks);
    if (r->watched) *(ck_request **)r->watched = NULL;
    free(r);
}

/* After the handler ran: a parked request stays, anything else has been answered. */
static void handled(ck_request *r)
{
    if (r->suspended) return;
    if (!r->responded) ck_send_status(r, 500, CK_INTERNAL, "no response produced");
    request_free(r);
}

/* Lives in the h2o request's pool: its disposal means the client went away. */
static void on_req_disposed(void *p)
{
    ck_request *r = *(ck_request **)p;
    if (!r) return; /* answered and freed already */
    r->gone = true;
    r->h2o = NULL;
    r->watched = NULL;
}

void ck_request_suspend(ck_request *r)
{
    if (r->suspended) return;
    r->suspended = true;
    if (!r->watched) {
        ck_request **slot = h2o_mem_alloc_shared(&r->h2o->pool, sizeof *slot, on_req_disposed);
        *slot = r;
        r->watched = slot;
    }
}

void ck_request_resume(ck_request *r)
{
    if (r->gone) {
        request_free(r);
        return;
    }
    r->suspended = false;
    ck_api_handle(r);
    handled(r);
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    ck_apiserver *srv = *(ck_apiserver **)(self + 1);
    ck_request *rp = xcalloc(1, sizeof *rp), r_init = {.h2o = req, .srv = srv};
    *rp = r_init;
    ck_request *r = rp;
    r->method = xstrndup(req->method.base, req->method.len);
    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    r->path = url_decode(req->path.base, plen, false, &r->bad_escape);
    if (req->query_at != SIZE_MAX)
        parse_query(r, req->path.base + req->query_at + 1, req->path.len - req->query_at - 1);
    ssize_t ct = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (ct >= 0) {
        h2o_iovec_t v = req->headers.entries[ct].value;
        size_t n = 0;
        while (n < v.len && v.base[n] != ';' && v.base[n] != ' ')
            n++;
        r->content_type = xstrndup(v.base, n);
        for (char *c = r->content_type; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    }
    ssize_t ac = h2o_find_header(&req->headers, H2O_TOKEN_ACCEPT, -1);
    if (ac >= 0)
        r->accept =
            xstrndup(req->headers.entries[ac].value.base, req->headers.entries[ac].value.len);
    r->body = req->entity.base ? req->entity.base : "";
    r->body_len = req->entity.base ? req->entity.len : 0;

    h2o_socket_t *sock =
        req->conn->callbacks->get_socket ? req->conn->callbacks->get_socket(req->conn) : NULL;
    ck_authn_result authn = ck_authenticate(srv, sock, req, &r->user);
    r->authenticated = authn == CK_AUTHN_OK;
    r->bad_credentials = authn == CK_AUTHN_INVALID;
    if (srv->audit) ck_audit_request(r);

    if (r->bad_escape)
        ck_send_status(r, 400, CK_BAD_REQUEST, "invalid URL: escaped NUL byte");
    else if (r->body_len > CK_MAX_BODY)
        ck_send_status(r, 413, CK_TOO_LARGE, "Request entity too large: limit is %d", CK_MAX_BODY);
    else if (ck_impersonate(r)) /* after the audit's RequestReceived, as upstream's chain */
        ck_api_handle(r);
    handled(r);
    return 0;
}

/* ---- listener ---- */

static h2o_accept_ctx_t accept_ctx;

static void on_accept(h2o_socket_t *listener, const char *err)
{
    if (err) return;
    for (int i = 0; i < 64; i++) {
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        if (!sock) break;
        h2o_accept(&accept_ctx, sock);
    }
}

static int listen_on(const char *addr, int port, ck_err **err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICHOST},
                    *res;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    int rc = getaddrinfo(addr, portstr, &hints, &res);
    if (rc != 0)
        return ck_error(err, 400, CK_BAD_REQUEST, "invalid bind address %s: %s", addr,
                        gai_strerror(rc));
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int on = 1;
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    }
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
        int e = errno;
        if (fd >= 0) close(fd);
        freeaddrinfo(res);
        return ck_error(err, 500, CK_INTERNAL, "failed to listen on %s:%d: %s", addr, port,
                        strerror(e));
    }
    freeaddrinfo(res);
    return fd;
}

static SSL_CTX *make_ssl_ctx(ck_apiserver *srv, ck_err **err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_use_certificate_chain_file(ctx, srv->tls_cert_file) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, srv->tls_key_file, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        char buf[256];
        ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
        SSL_CTX_free(ctx);
        return ck_error(err, 500, CK_INTERNAL, "loading serving certificate %s: %s",
                        srv->tls_cert_file, buf),
               NULL;
    }
    if (srv->client_ca_file) {
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(srv->client_ca_file);
        if (!names || SSL_CTX_load_verify_locations(ctx, srv->client_ca_file, NULL) != 1) {
            sk_X509_NAME_pop_free(names, X509_NAME_free);
            SSL_CTX_free(ctx);
            return ck_error(err, 500, CK_INTERNAL, "loading client CA %s failed",
                            srv->client_ca_file),
                   NULL;
        }
        SSL_CTX_set_client_CA_list(ctx, names);
        /* Verify a client certificate when one is offered (Go's VerifyClientCertIfGiven). */
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    h2o_ssl_register_alpn_protocols(ctx, h2o_http2_alpn_protocols);
    return ctx;
}

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

int ck_http_serve(ck_apiserver *srv, ck_err **err)
{
    SSL_CTX *ssl = make_ssl_ctx(srv, err);
    if (!ssl) return -1;
    int fd = listen_on(srv->bind_address, srv->secure_port, err);
    if (fd < 0) {
        SSL_CTX_free(ssl);
        return -1;
    }
    srv->ssl_ctx = ssl;

    h2o_globalconf_t *config = &srv->h2o_config;
    h2o_config_init(config);
    config->max_request_entity_size = CK_MAX_BODY * 2;
    config->server_name = h2o_iovec_init(H2O_STRLIT("ckube"));
    h2o_hostconf_t *host =
        h2o_config_register_host(config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pathconf = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *h = h2o_create_handler(pathconf, sizeof(*h) + sizeof(ck_apiserver *));
    *(ck_apiserver **)(h + 1) = srv;
    h->on_req = on_req;

    srv->loop = h2o_evloop_create();
    h2o_context_init(&srv->h2o_ctx, srv->loop, config);
    accept_ctx.ctx = &srv->h2o_ctx;
    accept_ctx.hosts = config->hosts;
    accept_ctx.ssl_ctx = ssl;

    h2o_socket_t *lsock = h2o_evloop_socket_create(srv->loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    h2o_socket_read_start(lsock, on_accept);

    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    ck_webhooks_start(srv);
    ck_log_info("apiserver: serving on https://%s:%d", srv->bind_address, srv->secure_port);
    ck_apiserver_loop_started(srv);
    while (!stop_requested) {
        h2o_evloop_run(srv->loop, 100);
        ck_apiserver_commit(srv);
        ck_apiserver_tick(srv);
        ck_apiserver_commit(srv);
    }
    ck_log_info("apiserver: shutting down");
    ck_webhooks_stop(srv);
    ck_apiserver_commit(srv); /* writes of requests the webhooks' end let through */
    h2o_socket_read_stop(lsock);
    h2o_socket_close(lsock);
    ck_apiserver_shutdown(srv);
    /* End watches, then close keep-alive connections (h2 gets GOAWAY), and give open
     * connections a few seconds to finish; h2o cannot dispose a context with live ones. */
    h2o_context_t *ctx = &srv->h2o_ctx;
    h2o_evloop_run(srv->loop, 0);
    h2o_context_request_shutdown(ctx);
    uint64_t deadline = now_ms() + 3000;
    while (now_ms() < deadline && !(h2o_linklist_is_empty(&ctx->http1._conns) &&
                                    h2o_linklist_is_empty(&ctx->http2._conns)))
        h2o_evloop_run(srv->loop, 10);
    for (int i = 0; i < 5; i++)
        h2o_evloop_run(srv->loop, 1); /* deferred closes */
    if (h2o_timeout_is_linked(&ctx->http2._graceful_shutdown_timeout))
        h2o_timeout_unlink(&ctx->http2._graceful_shutdown_timeout);
    if (!h2o_linklist_is_empty(&ctx->http1._conns) || !h2o_linklist_is_empty(&ctx->http2._conns)) {
        ck_log_warn("apiserver: connections still open at exit; not releasing HTTP state");
        SSL_CTX_free(ssl);
        srv->ssl_ctx = NULL;
        return 0;
    }
    /* h2o 2.2 leaves the context's message queue allocated after dispose and cannot free
     * it safely then; tests/lsan.supp names that one allocation. */
    h2o_context_dispose(&srv->h2o_ctx);
    h2o_evloop_destroy(srv->loop);
    srv->loop = NULL;
    h2o_config_dispose(config);
    SSL_CTX_free(ssl);
    srv->ssl_ctx = NULL;
    return 0;
}
