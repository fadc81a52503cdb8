/* load: an HTTP/1.1-over-TLS load generator for the API server benchmark. It presents a
 * client certificate (which wrk cannot), keeps N keep-alive connections to 127.0.0.1 on
 * epoll, runs closed-loop (throughput) or open-loop at a fixed rate (latency measured from
 * each request's scheduled send time, so a stalled server cannot hide its queueing), and
 * prints one line of key=value results. Every run is bounded by a duration and a count. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define IN_CAP (64 * 1024)
#define MAX_CONNS 4096
#define MAX_THREADS 64

/* ---- options and shared run state ---- */

typedef struct {
    int port, conns, threads;
    double duration, grace, rate; /* rate 0 = closed loop */
    uint64_t max_requests, start;
    const char *method, *path, *body, *ca, *cert, *key, *save, *bearer;
} options;

static options opt = {.conns = 64, .threads = 1, .duration = 10, .grace = 10, .method = "GET"};
static SSL_CTX *ssl_ctx;
static uint64_t t_start, t_end, t_hard; /* CLOCK_MONOTONIC ns */
static _Atomic uint64_t tickets;        /* requests issued so far (the {n} counter) */
static _Atomic bool save_taken;         /* the first response body goes to --save */
static pthread_barrier_t ready;         /* all connections up before the clock starts */
static char tls_desc[96] = "none";

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "load: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(2);
}

/* ---- latency histogram: log-linear buckets, 7 significant bits (< 1.6 % error) ---- */

#define HIST_BUCKETS 2432

typedef struct {
    uint64_t count[HIST_BUCKETS];
    uint64_t total, max;
} histogram;

static int hist_index(uint64_t v)
{
    if (v < 128) return (int)v;
    if (v >= (1ull << 41)) v = (1ull << 41) - 1;
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - 6;
    return 128 + (shift - 1) * 64 + (int)((v >> shift) - 64);
}

/* The middle of bucket i, in the histogram's unit (ns). */
static uint64_t hist_value(int i)
{
    if (i < 128) return (uint64_t)i;
    int shift = (i - 128) / 64 + 1;
    uint64_t low = (uint64_t)((i - 128) % 64 + 64) << shift;
    return low + ((1ull << shift) - 1) / 2;
}

static void hist_add(histogram *h, uint64_t v)
{
    h->count[hist_index(v)]++;
    h->total++;
    if (v > h->max) h->max = v;
}

static void hist_merge(histogram *into, const histogram *h)
{
    for (int i = 0; i < HIST_BUCKETS; i++)
        into->count[i] += h->count[i];
    into->total += h->total;
    if (h->max > into->max) into->max = h->max;
}

static uint64_t hist_pct(const histogram *h, double p)
{
    if (h->total == 0) return 0;
    uint64_t want = (uint64_t)(p * (double)h->total + 0.999999), seen = 0;
    if (want == 0) want = 1;
    for (int i = 0; i < HIST_BUCKETS; i++) {
        seen += h->count[i];
        if (seen >= want) return hist_value(i) < h->max ? hist_value(i) : h->max;
    }
    return h->max;
}

/* ---- request templates: "{n}" in the path or body becomes the request counter ---- */

typedef struct {
    char *buf;
    size_t len, cap;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->buf = realloc(b->buf, b->cap);
        if (!b->buf) die("out of memory");
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = 0;
}

/* Appends template t with every "{n}" replaced by counter n. */
static void put_template(sbuf *b, const char *t, uint64_t n)
{
    char num[24];
    int nl = snprintf(num, sizeof(num), "%" PRIu64, n);
    for (const char *p; (p = strstr(t, "{n}")); t = p + 3) {
        sb_put(b, t, (size_t)(p - t));
        sb_put(b, num, (size_t)nl);
    }
    sb_put(b, t, strlen(t));
}

/* Builds request number n into out (reused between requests). */
static void render_request(sbuf *out, sbuf *body, uint64_t n)
{
    char head[256];
    out->len = 0;
    sb_put(out, opt.method, strlen(opt.method));
    sb_put(out, " ", 1);
    put_template(out, opt.path, n);
    int hl = snprintf(head, sizeof(head),
                      " HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: ckube-bench-load\r\n"
                      "Accept: application/json\r\n",
                      opt.port);
    sb_put(out, head, (size_t)hl);
    if (opt.bearer) {
        sb_put(out, "Authorization: Bearer ", 22);
        sb_put(out, opt.bearer, strlen(opt.bearer));
        sb_put(out, "\r\n", 2);
    }
    if (opt.body) {
        body->len = 0;
        put_template(body, opt.body, n);
        hl = snprintf(head, sizeof(head),
                      "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", body->len);
        sb_put(out, head, (size_t)hl);
        sb_put(out, body->buf, body->len);
    } else {
        sb_put(out, "\r\n", 2);
    }
}

/* ---- connections ---- */

enum cstate { C_DEAD, C_CONNECTING, C_HANDSHAKE, C_READY };
enum phase { P_HEAD, P_BODY, P_CHUNK_SIZE, P_CHUNK_DATA, P_CHUNK_CRLF, P_TRAILER, P_EOF, P_DONE };

typedef struct {
    int fd;
    SSL *ssl;
    enum cstate state;
    bool busy;    /* a request is in flight (only in C_READY) */
    bool restart; /* closed by the server or broken: reopen from the loop */
    uint32_t events;
    sbuf out;
    size_t out_off;
    char *in;
    size_t in_len;
    enum phase phase;
    uint64_t remain, t_sched;
    int status;
    bool close_after;
    FILE *save;
} conn;

typedef struct {
    int nconns, efd, tfd;
    conn *conns;
    int *idle, nidle, connecting;
    uint64_t sched_total, sched_done; /* open loop: this thread's share of the schedule */
    double interval_ns;
    histogram hist;
    uint64_t ok, non2xx, errors, timeouts, reconnects, bytes_in, last_done;
    int first_bad_status;
    sbuf body;
} worker;

static void set_events(worker *w, conn *c, uint32_t events)
{
    if (c->events == events) return;
    c->events = events;
    struct epoll_event ev = {.events = events, .data.ptr = c};
    epoll_ctl(w->efd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Closes the socket; an idle connection also leaves the idle list. */
static void conn_close(worker *w, conn *c)
{
    int idx = (int)(c - w->conns);
    if (c->state == C_READY && !c->busy) {
        for (int i = 0; i < w->nidle; i++)
            if (w->idle[i] == idx) w->idle[i] = w->idle[--w->nidle];
    }
    if (c->state == C_CONNECTING || c->state == C_HANDSHAKE) w->connecting--;
    if (c->fd >= 0) {
        epoll_ctl(w->efd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    SSL_free(c->ssl);
    if (c->save) {
        fclose(c->save);
        c->save = NULL;
    }
    c->ssl = NULL;
    c->fd = -1;
    c->state = C_DEAD;
    c->busy = false;
}

static void conn_fail(worker *w, conn *c, const char *what)
{
    static _Atomic bool reported;
    if (!atomic_exchange(&reported, true)) {
        fprintf(stderr, "load: 127.0.0.1:%d: %s\n", opt.port, what);
        ERR_print_errors_fp(stderr);
    }
    conn_close(w, c);
    w->errors++;
}

/* Starts a non-blocking TCP connection to 127.0.0.1 and its TLS handshake; the loop
 * finishes both (handshake()). */
static void conn_start(worker *w, conn *c)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->restart = false;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (c->fd < 0) {
        conn_fail(w, c, strerror(errno));
        return;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
        close(c->fd);
        c->fd = -1;
        conn_fail(w, c, strerror(errno));
        return;
    }
    c->ssl = SSL_new(ssl_ctx);
    SSL_set_fd(c->ssl, c->fd);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), "127.0.0.1");
    c->state = C_CONNECTING;
    c->busy = false;
    c->in_len = 0;
    c->events = EPOLLOUT;
    struct epoll_event ev = {.events = c->events, .data.ptr = c};
    epoll_ctl(w->efd, EPOLL_CTL_ADD, c->fd, &ev);
    w->connecting++;
}

static void handshake(worker *w, conn *c)
{
    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            conn_fail(w, c, strerror(err));
            return;
        }
        c->state = C_HANDSHAKE;
    }
    int rc = SSL_connect(c->ssl);
    if (rc == 1) {
        static _Atomic bool noted;
        if (!atomic_exchange(&noted, true))
            snprintf(tls_desc, sizeof(tls_desc), "%s/%s", SSL_get_version(c->ssl),
                     SSL_get_cipher_name(c->ssl));
        c->state = C_READY;
        w->connecting--;
        set_events(w, c, EPOLLIN);
        w->idle[w->nidle++] = (int)(c - w->conns);
        return;
    }
    int e = SSL_get_error(c->ssl, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        set_events(w, c, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLIN | EPOLLOUT);
    else
        conn_fail(w, c, "TLS handshake failed");
}

/* Drops a connection the server closed or broke; `failed` counts its request as an error.
 * The loop reopens it while there is work left. */
static void drop(worker *w, conn *c, bool failed)
{
    if (failed) w->errors++;
    conn_close(w, c);
    c->restart = true;
    w->reconnects++;
}

static bool has_token(const char *v, size_t n, const char *tok)
{
    size_t tl = strlen(tok);
    for (size_t i = 0; i + tl <= n; i++)
        if (strncasecmp(v + i, tok, tl) == 0) return true;
    return false;
}

/* Parses the status line and headers in c->in[0..hl); sets the body phase. */
static int parse_head(conn *c, size_t hl)
{
    if (hl < 12 || memcmp(c->in, "HTTP/1.", 7) != 0) return -1;
    c->status = atoi(c->in + 9);
    c->phase = P_EOF;
    c->close_after = c->in[7] == '0';
    bool cl_seen = false;
    char *line = memchr(c->in, '\n', hl);
    for (line++; line < c->in + hl;) {
        char *eol = memchr(line, '\n', (size_t)(c->in + hl - line));
        if (!eol) break;
        char *colon = memchr(line, ':', (size_t)(eol - line));
        if (colon) {
            size_t nl = (size_t)(colon - line), vl = (size_t)(eol - colon - 1);
            if (nl == 14 && strncasecmp(line, "content-length", 14) == 0) {
                c->remain = strtoull(colon + 1, NULL, 10);
                cl_seen = true;
            } else if (nl == 17 && strncasecmp(line, "transfer-encoding", 17) == 0 &&
                       has_token(colon + 1, vl, "chunked")) {
                c->phase = P_CHUNK_SIZE;
            } else if (nl == 10 && strncasecmp(line, "connection", 10) == 0) {
                if (has_token(colon + 1, vl, "close")) c->close_after = true;
                if (has_token(colon + 1, vl, "keep-alive")) c->close_after = false;
            }
        }
        line = eol + 1;
    }
    if (c->phase != P_CHUNK_SIZE && cl_seen) c->phase = P_BODY;
    if (c->status == 204 || c->status == 304 || c->status / 100 == 1) c->phase = P_DONE;
    if (c->phase == P_BODY && c->remain == 0) c->phase = P_DONE;
    if (c->phase == P_EOF) c->close_after = true;
    return 0;
}

/* Consumes body bytes (writing them to --save when this response is saved). */
static size_t take_body(conn *c, size_t off, size_t n)
{
    if (n > c->remain) n = (size_t)c->remain;
    if (c->save && n) fwrite(c->in + off, 1, n, c->save);
    c->remain -= n;
    return n;
}

/* Advances the response parser over the buffered bytes. Returns 1 when the response is
 * complete, 0 when more bytes are needed, -1 on a malformed response. */
static int parse(conn *c)
{
    size_t off = 0;
    int rc = 0;
    while (rc == 0 && off < c->in_len) {
        char *p = c->in + off;
        size_t avail = c->in_len - off;
        char *e;
        switch (c->phase) {
        case P_HEAD:
            if (!(e = memmem(p, avail, "\r\n\r\n", 4))) {
                if (c->in_len == IN_CAP) rc = -1;
                goto out;
            }
            if (parse_head(c, (size_t)(e + 4 - c->in)) < 0) return -1;
            off = (size_t)(e + 4 - c->in);
            break;
        case P_BODY:
            off += take_body(c, off, avail);
            if (c->remain == 0) c->phase = P_DONE;
            break;
        case P_EOF:
            c->remain = avail;
            off += take_body(c, off, avail);
            break;
        case P_CHUNK_SIZE:
        case P_TRAILER:
            if (!(e = memmem(p, avail, "\r\n", 2))) {
                if (avail > 4096) rc = -1;
                goto out;
            }
            off = (size_t)(e + 2 - c->in);
            if (c->phase == P_TRAILER) {
                if (e == p) c->phase = P_DONE;
            } else {
                c->remain = strtoull(p, NULL, 16);
                c->phase = c->remain ? P_CHUNK_DATA : P_TRAILER;
            }
            break;
        case P_CHUNK_DATA:
            off += take_body(c, off, avail);
            if (c->remain == 0) c->phase = P_CHUNK_CRLF;
            break;
        case P_CHUNK_CRLF:
            if (avail < 2) goto out;
            if (p[0] != '\r' || p[1] != '\n') return -1;
            off += 2;
            c->phase = P_CHUNK_SIZE;
            break;
        case P_DONE:
            rc = 1;
            break;
        }
        if (c->phase == P_DONE) rc = 1;
    }
    if (c->phase == P_DONE) rc = 1;
out:
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
    return rc;
}

/* ---- the per-thread event loop ---- */

static void flush(worker *w, conn *c)
{
    while (c->out_off < c->out.len) {
        int n = SSL_write(c->ssl, c->out.buf + c->out_off, (int)(c->out.len - c->out_off));
        if (n > 0) {
            c->out_off += (size_t)n;
            continue;
        }
        int e = SSL_get_error(c->ssl, n);
        if (e == SSL_ERROR_WANT_WRITE) {
            set_events(w, c, EPOLLIN | EPOLLOUT);
            return;
        }
        if (e != SSL_ERROR_WANT_READ) drop(w, c, true);
        return;
    }
    set_events(w, c, EPOLLIN);
}

static void send_request(worker *w, uint64_t t_sched)
{
    conn *c = &w->conns[w->idle[--w->nidle]];
    uint64_t n = atomic_fetch_add(&tickets, 1);
    render_request(&c->out, &w->body, opt.start + n);
    c->out_off = 0;
    c->in_len = 0;
    c->busy = true;
    c->phase = P_HEAD;
    c->t_sched = t_sched ? t_sched : now_ns();
    if (opt.save && !atomic_exchange(&save_taken, true) && !(c->save = fopen(opt.save, "wb")))
        die("cannot open the -o file");
    flush(w, c);
}

static void complete(worker *w, conn *c)
{
    uint64_t t = now_ns();
    hist_add(&w->hist, t - c->t_sched);
    if (c->status / 100 == 2) {
        w->ok++;
    } else {
        w->non2xx++;
        if (!w->first_bad_status) w->first_bad_status = c->status;
    }
    w->last_done = t;
    if (c->save) {
        fclose(c->save);
        c->save = NULL;
    }
    if (c->close_after) {
        drop(w, c, false);
        return;
    }
    c->busy = false;
    w->idle[w->nidle++] = (int)(c - w->conns);
}

static void on_readable(worker *w, conn *c)
{
    for (;;) {
        if (!c->busy) c->in_len = 0; /* unsolicited bytes are dropped */
        if (c->in_len == IN_CAP) {
            drop(w, c, true);
            return;
        }
        int n = SSL_read(c->ssl, c->in + c->in_len, (int)(IN_CAP - c->in_len));
        if (n <= 0) {
            int e = SSL_get_error(c->ssl, n);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
            if (c->busy && c->phase == P_EOF) {
                c->close_after = true; /* the body ended with the connection */
                complete(w, c);
                return;
            }
            drop(w, c, c->busy);
            return;
        }
        w->bytes_in += (uint64_t)n;
        c->in_len += (size_t)n;
        if (!c->busy) continue;
        int rc = parse(c);
        if (rc < 0) {
            drop(w, c, true);
            return;
        }
        if (rc == 1) {
            complete(w, c);
            return;
        }
    }
}

static void on_event(worker *w, conn *c, uint32_t events)
{
    if (c->state == C_CONNECTING || c->state == C_HANDSHAKE) {
        handshake(w, c);
        return;
    }
    if (c->state != C_READY) return;
    if (c->busy && c->out_off < c->out.len) flush(w, c);
    if (c->state == C_READY && (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) on_readable(w, c);
}

static void poll_once(worker *w, int timeout_ms)
{
    struct epoll_event evs[64];
    int n = epoll_wait(w->efd, evs, 64, timeout_ms);
    for (int i = 0; i < n; i++) {
        conn *c = evs[i].data.ptr;
        if (c) {
            on_event(w, c, evs[i].events);
        } else {
            uint64_t expirations;
            if (read(w->tfd, &expirations, sizeof(expirations)) < 0) continue;
        }
    }
}

static uint64_t sched_at(const worker *w, uint64_t k)
{
    return t_start + (uint64_t)((double)k * w->interval_ns);
}

/* Whether this thread has requests left to start at time t. */
static bool more_work(const worker *w, uint64_t t)
{
    if (opt.rate > 0) return w->sched_done < w->sched_total;
    if (t >= t_end) return false;
    return opt.max_requests == 0 || atomic_load(&tickets) < opt.max_requests;
}

static void arm_timer(worker *w, uint64_t at)
{
    struct itimerspec its = {
        .it_value = {.tv_sec = (time_t)(at / 1000000000u), .tv_nsec = (long)(at % 1000000000u)}};
    timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Sends what is due: in a closed loop a request on every idle connection, in the open loop
 * every scheduled request whose time has come (queued while no connection is idle). */
static void issue(worker *w, uint64_t t)
{
    if (opt.rate <= 0) {
        while (w->nidle > 0 && more_work(w, t))
            send_request(w, 0);
        return;
    }
    uint64_t due = (uint64_t)((double)(t - t_start) / w->interval_ns) + 1;
    if (due > w->sched_total) due = w->sched_total;
    while (w->sched_done < due && w->nidle > 0)
        send_request(w, sched_at(w, w->sched_done++));
    if (w->sched_done < w->sched_total && w->nidle > 0) arm_timer(w, sched_at(w, w->sched_done));
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    w->efd = epoll_create1(EPOLL_CLOEXEC);
    w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    struct epoll_event tev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(w->efd, EPOLL_CTL_ADD, w->tfd, &tev);
    for (int i = 0; i < w->nconns; i++) {
        w->conns[i].in = malloc(IN_CAP);
        if (!w->conns[i].in) die("out of memory");
        w->conns[i].fd = -1;
        conn_start(w, &w->conns[i]);
    }
    uint64_t setup_end = now_ns() + 10000000000ull;
    while (w->connecting > 0 && now_ns() < setup_end)
        poll_once(w, 100);
    pthread_barrier_wait(&ready);
    pthread_barrier_wait(&ready); /* main sets t_start between the two waits */
    uint64_t t;
    for (;;) {
        t = now_ns();
        for (int i = 0; i < w->nconns; i++)
            if (w->conns[i].restart && more_work(w, t)) conn_start(w, &w->conns[i]);
        issue(w, t);
        int inflight = 0;
        for (int i = 0; i < w->nconns; i++)
            inflight += w->conns[i].busy;
        bool alive = w->nidle > 0 || inflight > 0 || w->connecting > 0;
        if ((!more_work(w, t) && inflight == 0) || t >= t_hard || !alive) break;
        poll_once(w, 50);
    }
    /* Requests unanswered at the end count as timeouts, with their latency so far as a
     * lower bound; so do scheduled requests that never got a connection. */
    t = now_ns();
    for (int i = 0; i < w->nconns; i++) {
        conn *c = &w->conns[i];
        if (c->busy) {
            hist_add(&w->hist, t - c->t_sched);
            w->timeouts++;
        }
        if (c->state != C_DEAD) conn_close(w, c);
    }
    for (; opt.rate > 0 && w->sched_done < w->sched_total; w->sched_done++) {
        uint64_t at = sched_at(w, w->sched_done);
        hist_add(&w->hist, t > at ? t - at : 0);
        w->timeouts++;
    }
    return NULL;
}

/* ---- main ---- */

static void usage(void)
{
    fprintf(stderr,
            "usage: load -p PORT [-c CONNS] [-t THREADS] [-d SECONDS] [-n REQUESTS] [-r RATE]\n"
            "            [-m METHOD] -u PATH [-b BODY | -B BODYFILE] [-s START] [-g GRACE]\n"
            "            --ca CA [--cert CERT --key KEY] [--bearer TOKEN] [-o SAVEFILE]\n"
            "Connects only to 127.0.0.1. \"{n}\" in PATH or BODY is replaced by a counter\n"
            "starting at START. -r 0 (default) is a closed loop; -r R sends R requests/s on a\n"
            "fixed schedule and measures latency from each scheduled send time. The run stops\n"
            "after SECONDS or REQUESTS, waiting at most GRACE seconds for replies in flight.\n"
            "-o saves the first response body. --bearer sends 'Authorization: Bearer TOKEN'\n"
            "on every request (the client certificate is then optional; --ca still verifies\n"
            "the server). Exit status 0 when every request got a 2xx.\n");
    exit(2);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open body file");
    sbuf b = {0};
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        sb_put(&b, tmp, n);
    fclose(f);
    if (!b.buf) sb_put(&b, "", 0);
    return b.buf;
}

static void parse_args(int argc, char **argv)
{
    static const struct option longopts[] = {{"ca", required_argument, NULL, 'C'},
                                             {"cert", required_argument, NULL, 'E'},
                                             {"key", required_argument, NULL, 'K'},
                                             {"bearer", required_argument, NULL, 'T'},
                                             {NULL, 0, NULL, 0}};
    const char *body_file = NULL;
    const struct {
        int ch;
        int *i;
        double *d;
        uint64_t *u;
        const char **s;
    } map[] = {{'p', .i = &opt.port},         {'c', .i = &opt.conns}, {'t', .i = &opt.threads},
               {'d', .d = &opt.duration},     {'g', .d = &opt.grace}, {'r', .d = &opt.rate},
               {'n', .u = &opt.max_requests}, {'s', .u = &opt.start}, {'m', .s = &opt.method},
               {'u', .s = &opt.path},         {'b', .s = &opt.body},  {'B', .s = &body_file},
               {'o', .s = &opt.save},         {'C', .s = &opt.ca},    {'E', .s = &opt.cert},
               {'K', .s = &opt.key},          {'T', .s = &opt.bearer}};
    int ch;
    while ((ch = getopt_long(argc, argv, "p:c:t:d:n:r:m:u:b:B:s:g:o:", longopts, NULL)) != -1) {
        size_t k = 0;
        while (k < sizeof(map) / sizeof(map[0]) && map[k].ch != ch)
            k++;
        if (k == sizeof(map) / sizeof(map[0])) usage();
        if (map[k].i) *map[k].i = atoi(optarg);
        if (map[k].d) *map[k].d = atof(optarg);
        if (map[k].u) *map[k].u = strtoull(optarg, NULL, 10);
        if (map[k].s) *map[k].s = optarg;
    }
    if (body_file) opt.body = slurp(body_file);
    if (opt.port <= 0 || opt.port > 65535 || !opt.path || opt.path[0] != '/' || opt.conns < 1 ||
        opt.conns > MAX_CONNS || opt.threads < 1 || opt.threads > MAX_THREADS ||
        opt.duration <= 0 || opt.rate < 0 || optind != argc || !opt.cert != !opt.key ||
        (opt.bearer && (!opt.bearer[0] || strpbrk(opt.bearer, "\r\n"))))
        usage();
    if (opt.threads > opt.conns) opt.threads = opt.conns;
}

static void setup_tls(void)
{
    ssl_ctx = SSL_CTX_new(TLS_client_method());
    if (!ssl_ctx) die("SSL_CTX_new");
    SSL_CTX_set_min_proto_version(ssl_ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    static const unsigned char alpn[] = "\x08http/1.1";
    SSL_CTX_set_alpn_protos(ssl_ctx, alpn, sizeof(alpn) - 1);
    if (opt.ca) {
        if (SSL_CTX_load_verify_locations(ssl_ctx, opt.ca, NULL) != 1) die("cannot load --ca");
        SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_PEER, NULL);
    }
    if (opt.cert && SSL_CTX_use_certificate_chain_file(ssl_ctx, opt.cert) != 1)
        die("cannot load --cert");
    if (opt.key && SSL_CTX_use_PrivateKey_file(ssl_ctx, opt.key, SSL_FILETYPE_PEM) != 1)
        die("cannot load --key");
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN); /* a server that goes away shows up as errors, not a crash */
    setup_tls();
    static worker workers[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    uint64_t sched_total = 0;
    if (opt.rate > 0) {
        sched_total = (uint64_t)(opt.rate * opt.duration + 0.5);
        if (opt.max_requests && opt.max_requests < sched_total) sched_total = opt.max_requests;
    }
    pthread_barrier_init(&ready, NULL, (unsigned)opt.threads + 1);
    for (int i = 0; i < opt.threads; i++) {
        worker *w = &workers[i];
        w->nconns = opt.conns / opt.threads + (i < opt.conns % opt.threads);
        w->conns = calloc((size_t)w->nconns, sizeof(conn));
        w->idle = calloc((size_t)w->nconns, sizeof(int));
        if (!w->conns || !w->idle) die("out of memory");
        w->sched_total =
            sched_total / (uint64_t)opt.threads + (i < (int)(sched_total % (uint64_t)opt.threads));
        w->interval_ns = 1e9 * opt.threads / (opt.rate > 0 ? opt.rate : 1);
        pthread_create(&tids[i], NULL, worker_main, w);
    }
    pthread_barrier_wait(&ready);
    t_start = now_ns();
    t_end = t_start + (uint64_t)(opt.duration * 1e9);
    t_hard = t_end + (uint64_t)(opt.grace * 1e9);
    pthread_barrier_wait(&ready);
    histogram all = {0};
    uint64_t ok = 0, non2xx = 0, errors = 0, timeouts = 0, reconnects = 0, bytes = 0;
    uint64_t last = t_start;
    int bad_status = 0;
    for (int i = 0; i < opt.threads; i++) {
        pthread_join(tids[i], NULL);
        worker *w = &workers[i];
        hist_merge(&all, &w->hist);
        ok += w->ok, non2xx += w->non2xx, errors += w->errors, bytes += w->bytes_in;
        reconnects += w->reconnects, timeouts += w->timeouts;
        if (w->last_done > last) last = w->last_done;
        if (!bad_status) bad_status = w->first_bad_status;
    }
    double elapsed = (double)(last - t_start) / 1e9;
    if (elapsed <= 0) elapsed = 1e-9;
    printf("requests=%" PRIu64 " ok=%" PRIu64 " non2xx=%" PRIu64 " errors=%" PRIu64
           " timeouts=%" PRIu64 " reconnects=%" PRIu64
           " elapsed_s=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f"
           " p99_ms=%.3f p999_ms=%.3f max_ms=%.3f mb_in=%.1f tls=%s\n",
           ok + non2xx, ok, non2xx, errors, timeouts, reconnects, elapsed,
           (double)(ok + non2xx) / elapsed, (double)hist_pct(&all, 0.50) / 1e6,
           (double)hist_pct(&all, 0.90) / 1e6, (double)hist_pct(&all, 0.99) / 1e6,
           (double)hist_pct(&all, 0.999) / 1e6, (double)all.max / 1e6, (double)bytes / 1e6,
           tls_desc);
    if (bad_status) fprintf(stderr, "load: first non-2xx status: %d\n", bad_status);
    return (ok > 0 && non2xx == 0 && errors == 0 && timeouts == 0) ? 0 : 1;
}
