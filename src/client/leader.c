/* Leader election with a Lease lock (see leader.h), after client-go's
 * tools/leaderelection/leaderelection.go and resourcelock/leaselock.go. The decision is a
 * pure step (ck_leader_step); the elector around it is a small state machine on the loop:
 *   acquiring: try every retry period (+ up to 1.2 x jitter) until a try succeeds;
 *   leading:   a renew round every retry period; a round retries every retry period and
 *              fails when the renew deadline passes without success: leading ends;
 *   stopped:   after losing the lease (upstream's elector returns; components exit).
 * A try is asynchronous: while leading and the lease is still valid, update the Lease last
 * seen at once (the fast path); otherwise, or when that fails, GET it, step, and write. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "client/leader.h"
#include "lib/random.h"
#include "lib/log.h"
#include "lib/util.h"

#define JITTER_FACTOR 1.2
#define LEASES "/apis/coordination.k8s.io/v1/namespaces/%s/leases"

/* ---- records and times ---- */

void ck_lease_record_clear(ck_lease_record *r)
{
    free(r->holder);
    *r = (ck_lease_record){0};
}

void ck_lease_observed_clear(ck_lease_observed *o)
{
    ck_lease_record_clear(&o->rec);
    *o = (ck_lease_observed){0};
}

int64_t ck_parse_micro_time(const char *s)
{
    int y, mo, d, h, mi, sec, n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || !n)
        return 0;
    const char *p = s + n;
    int64_t us = 0;
    if (*p == '.') {
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 6) us = us * 10 + (*p - '0');
        if (!digits) return 0;
        for (; digits < 6; digits++)
            us *= 10;
    }
    int64_t off = 0;
    if (*p == '+' || *p == '-') {
        int oh, om;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2) return 0;
        off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    } else if (*p == 'Z' || *p == 'z') {
        p++;
    } else {
        return 0;
    }
    if (*p) return 0;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec};
    return ((int64_t)timegm(&tm) - off) * 1000000 + us;
}

void ck_format_micro_time(int64_t us, char out[40])
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char s[32];
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 40, "%s.%06dZ", s, (int)(us % 1000000));
}

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void ck_lease_record_from(const json_t *lease, ck_lease_record *out)
{
    const json_t *spec = json_object_get(lease, "spec");
    const char *holder = json_string_value(json_object_get(spec, "holderIdentity"));
    *out = (ck_lease_record){
        .holder = xstrdup(holder ? holder : ""),
        .duration_s = json_integer_value(json_object_get(spec, "leaseDurationSeconds")),
        .acquire_us = ck_parse_micro_time(json_string_value(json_object_get(spec, "acquireTime"))),
        .renew_us = ck_parse_micro_time(json_string_value(json_object_get(spec, "renewTime"))),
        .transitions = json_integer_value(json_object_get(spec, "leaseTransitions")),
    };
}

static bool records_equal(const ck_lease_record *a, const ck_lease_record *b)
{
    return streq(a->holder, b->holder) && a->duration_s == b->duration_s &&
           a->acquire_us == b->acquire_us && a->renew_us == b->renew_us &&
           a->transitions == b->transitions;
}

void ck_lease_observe(ck_lease_observed *o, ck_lease_record *rec, uint64_t now_ms)
{
    if (!o->known || !records_equal(&o->rec, rec)) o->at_ms = now_ms;
    ck_lease_record_clear(&o->rec);
    o->rec = *rec;
    rec->holder = NULL;
    o->known = true;
}

bool ck_lease_valid(const ck_lease_observed *o, uint64_t now_ms)
{
    return o->known && (int64_t)o->at_ms + o->rec.duration_s * 1000 > (int64_t)now_ms;
}

bool ck_lease_held_by(const ck_lease_observed *o, const char *identity)
{
    return o->known && streq(o->rec.holder, identity);
}

static json_t *micro_time(int64_t us)
{
    if (!us) return json_null();
    char buf[40];
    ck_format_micro_time(us, buf);
    return json_string(buf);
}

json_t *ck_lease_with_record(const json_t *lease, const char *ns, const char *name,
                             const ck_lease_record *rec)
{
    json_t *out =
        lease ? json_deep_copy(lease)
              : json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "coordination.k8s.io/v1",
                          "kind", "Lease", "metadata", "name", name, "namespace", ns);
    json_object_set_new(
        out, "spec",
        json_pack("{s:s, s:I, s:o, s:o, s:I}", "holderIdentity", rec->holder ? rec->holder : "",
                  "leaseDurationSeconds", (json_int_t)rec->duration_s, "acquireTime",
                  micro_time(rec->acquire_us), "renewTime", micro_time(rec->renew_us),
                  "leaseTransitions", (json_int_t)rec->transitions));
    return out;
}

ck_leader_action ck_leader_step(ck_lease_observed *o, const json_t *lease, const char *ns,
                                const char *name, const char *identity, uint64_t lease_duration_ms,
                                uint64_t now_ms, int64_t now_us, json_t **body,
                                ck_lease_record *want)
{
    *body = NULL;
    *want = (ck_lease_record){
        .holder = xstrdup(identity),
        .duration_s = (int64_t)(lease_duration_ms / 1000),
        .acquire_us = now_us,
        .renew_us = now_us,
    };
    if (!lease) {
        *body = ck_lease_with_record(NULL, ns, name, want);
        return CK_LEADER_CREATE;
    }
    ck_lease_record read;
    ck_lease_record_from(lease, &read);
    ck_lease_observe(o, &read, now_ms);
    bool ours = ck_lease_held_by(o, identity);
    if (*o->rec.holder && ck_lease_valid(o, now_ms) && !ours) {
        ck_lease_record_clear(want);
        return CK_LEADER_WAIT;
    }
    if (ours) {
        want->acquire_us = o->rec.acquire_us;
        want->transitions = o->rec.transitions;
    } else {
        want->transitions = o->rec.transitions + 1;
    }
    *body = ck_lease_with_record(lease, ns, name, want);
    return CK_LEADER_UPDATE;
}

char *ck_leader_identity(void)
{
    char host[256] = "";
    if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = 0;
    char uuid[37];
    ck_uuid(uuid);
    return xasprintf("%s_%s", host, uuid);
}

/* ---- the elector ---- */

typedef enum state { ST_ACQUIRING, ST_LEADING, ST_STOPPED, ST_RELEASING } state;
typedef enum req_kind { REQ_FAST, REQ_GET, REQ_WRITE, REQ_REL_GET, REQ_REL_PUT } req_kind;

struct ck_leader {
    ck_client *client;
    ck_loop *loop;
    char *ns, *name, *identity;
    ck_leader_config cfg;
    ck_leader_callbacks cb;
    state st;
    ck_lease_observed obs;
    json_t *lease;        /* the Lease last read or written */
    ck_lease_record want; /* the record being written */
    char *reported;       /* the holder last reported to on_new_leader */
    ck_timer_id timer;    /* the next try or round */
    ck_timer_id deadline; /* the current renew round's deadline */
    ck_call *call;        /* the request in flight */
    req_kind kind;        /* and what it is */
    bool release_done;
};

static void try_start(ck_leader *le);
static void on_response(const ck_response *r, void *ctx);

static void cancel_call(ck_leader *le)
{
    ck_call_cancel(le->call);
    le->call = NULL;
}

static void request(ck_leader *le, req_kind kind, const char *method, const json_t *body)
{
    le->kind = kind;
    cleanup_free char *path = streq(method, "POST") ? xasprintf(LEASES, le->ns)
                                                    : xasprintf(LEASES "/%s", le->ns, le->name);
    le->call = ck_client_request(le->client, method, path, body, NULL, on_response, le);
}

static void record_event(ck_leader *le, const char *what)
{
    if (!le->cfg.recorder) return;
    const json_t *md = json_object_get(le->lease, "metadata");
    json_t *ref = json_pack("{s:s, s:s, s:s, s:s}", "kind", "Lease", "apiVersion",
                            "coordination.k8s.io/v1", "namespace", le->ns, "name", le->name);
    const char *uid = json_string_value(json_object_get(md, "uid"));
    if (uid) json_object_set_new(ref, "uid", json_string(uid));
    ck_recorder_event(le->cfg.recorder, ref, "Normal", "LeaderElection", "%s %s", le->identity,
                      what);
    json_decref(ref);
}

static void report_transition(ck_leader *le)
{
    const char *holder = le->obs.known ? le->obs.rec.holder : "";
    if (streq(holder, le->reported ? le->reported : "")) return;
    free(le->reported);
    le->reported = xstrdup(holder);
    if (*holder) ck_log_info("new leader elected for lease %s/%s: %s", le->ns, le->name, holder);
    if (le->cb.on_new_leader) le->cb.on_new_leader(holder, le->cb.ctx);
}

static void timer_try(ck_loop *l, void *ctx)
{
    ck_leader *le = ctx;
    le->timer = 0;
    try_start(le);
}

static void round_deadline(ck_loop *l, void *ctx)
{
    ck_leader *le = ctx;
    le->deadline = 0;
    ck_loop_cancel(le->loop, le->timer);
    le->timer = 0;
    cancel_call(le);
    le->st = ST_STOPPED;
    ck_log_info("failed to renew lease %s/%s: timed out after %llu ms", le->ns, le->name,
                (unsigned long long)le->cfg.renew_deadline_ms);
    record_event(le, "stopped leading");
    le->cb.on_stopped_leading(le->cb.ctx);
}

static void round_start(ck_loop *l, void *ctx)
{
    ck_leader *le = ctx;
    le->timer = 0;
    le->deadline = ck_loop_timer(le->loop, le->cfg.renew_deadline_ms, round_deadline, le);
    try_start(le);
}

static void try_done(ck_leader *le, bool ok)
{
    report_transition(le);
    uint64_t retry = le->cfg.retry_period_ms;
    if (le->st == ST_ACQUIRING) {
        if (!ok) {
            uint64_t jitter = (uint64_t)(retry * JITTER_FACTOR * ((double)rand() / RAND_MAX));
            le->timer = ck_loop_timer(le->loop, retry + jitter, timer_try, le);
            return;
        }
        le->st = ST_LEADING;
        ck_log_info("successfully acquired lease %s/%s", le->ns, le->name);
        record_event(le, "became leader");
        le->timer = ck_loop_timer(le->loop, retry, round_start, le);
        le->cb.on_started_leading(le->cb.ctx);
    } else if (le->st == ST_LEADING) {
        if (ok) {
            ck_loop_cancel(le->loop, le->deadline);
            le->deadline = 0;
            ck_log_v(5, "successfully renewed lease %s/%s", le->ns, le->name);
            le->timer = ck_loop_timer(le->loop, retry, round_start, le);
        } else {
            le->timer = ck_loop_timer(le->loop, retry, timer_try, le);
        }
    }
}

/* A successful write of le->want: observed now (upstream's setObservedRecord). */
static void written(ck_leader *le, const json_t *lease)
{
    uint64_t now = ck_loop_now(le->loop);
    ck_lease_observe(&le->obs, &le->want, now);
    le->obs.at_ms = now;
    ck_lease_record_clear(&le->want);
    if (json_is_object(lease)) {
        json_decref(le->lease);
        le->lease = json_incref((json_t *)lease);
    }
}

static void try_start(ck_leader *le)
{
    uint64_t now = ck_loop_now(le->loop);
    if (ck_lease_held_by(&le->obs, le->identity) && ck_lease_valid(&le->obs, now) && le->lease) {
        ck_lease_record_clear(&le->want);
        le->want = (ck_lease_record){
            .holder = xstrdup(le->identity),
            .duration_s = (int64_t)(le->cfg.lease_duration_ms / 1000),
            .acquire_us = le->obs.rec.acquire_us,
            .renew_us = wall_us(),
            .transitions = le->obs.rec.transitions,
        };
        json_t *body = ck_lease_with_record(le->lease, le->ns, le->name, &le->want);
        request(le, REQ_FAST, "PUT", body);
        json_decref(body);
        return;
    }
    request(le, REQ_GET, "GET", NULL);
}

static void on_get(ck_leader *le, const ck_response *r)
{
    const char *why = r->err ? r->err->message : "";
    if (r->status != 200 && r->status != 404) {
        ck_log_error("error retrieving lease %s/%s: %s", le->ns, le->name, why);
        try_done(le, false);
        return;
    }
    const json_t *lease = r->status == 200 ? r->body : NULL;
    if (lease) {
        json_decref(le->lease);
        le->lease = json_incref(r->body);
    }
    json_t *body = NULL;
    ck_lease_record_clear(&le->want);
    ck_leader_action a =
        ck_leader_step(&le->obs, lease, le->ns, le->name, le->identity, le->cfg.lease_duration_ms,
                       ck_loop_now(le->loop), wall_us(), &body, &le->want);
    if (a == CK_LEADER_WAIT) {
        ck_log_v(4, "lease %s/%s is held by %s and has not yet expired", le->ns, le->name,
                 le->obs.rec.holder);
        try_done(le, false);
        return;
    }
    request(le, REQ_WRITE, a == CK_LEADER_CREATE ? "POST" : "PUT", body);
    json_decref(body);
}

static void on_release_get(ck_leader *le, const ck_response *r)
{
    if (r->status != 200) {
        le->release_done = true;
        ck_log_info("lease %s/%s not released: %s", le->ns, le->name,
                    r->err ? r->err->message : "not found");
        return;
    }
    if (!ck_lease_held_by(&le->obs, le->identity)) {
        le->release_done = true;
        return;
    }
    ck_lease_record read;
    ck_lease_record_from(r->body, &read);
    int64_t now = wall_us();
    ck_lease_record_clear(&le->want);
    le->want = (ck_lease_record){.holder = xstrdup(""),
                                 .duration_s = 1,
                                 .acquire_us = now,
                                 .renew_us = now,
                                 .transitions = read.transitions};
    ck_lease_record_clear(&read);
    json_t *body = ck_lease_with_record(r->body, le->ns, le->name, &le->want);
    request(le, REQ_REL_PUT, "PUT", body);
    json_decref(body);
}

static void on_response(const ck_response *r, void *ctx)
{
    ck_leader *le = ctx;
    le->call = NULL;
    bool ok = r->status >= 200 && r->status < 300;
    switch (le->kind) {
    case REQ_FAST:
        if (ok) {
            written(le, r->body);
            try_done(le, true);
            return;
        }
        ck_log_v(2, "failed to update lease %s/%s optimistically, falling back to slow path: %s",
                 le->ns, le->name, r->err ? r->err->message : "");
        request(le, REQ_GET, "GET", NULL);
        return;
    case REQ_GET:
        on_get(le, r);
        return;
    case REQ_WRITE:
        if (ok)
            written(le, r->body);
        else
            ck_log_error("failed to write lease %s/%s: %s", le->ns, le->name,
                         r->err ? r->err->message : "");
        try_done(le, ok);
        return;
    case REQ_REL_GET:
        on_release_get(le, r);
        return;
    case REQ_REL_PUT:
        if (r->status == 409) { /* conflict: read again and retry, as upstream */
            request(le, REQ_REL_GET, "GET", NULL);
            return;
        }
        if (ok) {
            written(le, r->body);
            ck_log_info("successfully released lease %s/%s", le->ns, le->name);
        } else {
            ck_log_error("failed to release lease %s/%s: %s", le->ns, le->name,
                         r->err ? r->err->message : "");
        }
        le->release_done = true;
        return;
    }
}

static ck_leader *invalid(ck_err **err, const char *msg)
{
    ck_error(err, 400, CK_INVALID, "%s", msg);
    return NULL;
}

ck_leader *ck_leader_new(ck_client *c, const char *ns, const char *name, const char *identity,
                         const ck_leader_config *cfg, const ck_leader_callbacks *cb, ck_err **err)
{
    ck_leader_config conf = cfg ? *cfg : (ck_leader_config){0};
    if (!conf.lease_duration_ms) conf.lease_duration_ms = 15000;
    if (!conf.renew_deadline_ms) conf.renew_deadline_ms = 10000;
    if (!conf.retry_period_ms) conf.retry_period_ms = 2000;
    if (conf.lease_duration_ms <= conf.renew_deadline_ms)
        return invalid(err, "leaseDuration must be greater than renewDeadline");
    if ((double)conf.renew_deadline_ms <= JITTER_FACTOR * (double)conf.retry_period_ms)
        return invalid(err, "renewDeadline must be greater than retryPeriod*JitterFactor");
    if (conf.lease_duration_ms < 1000)
        return invalid(err, "leaseDuration must be at least one second");
    if (!cb || !cb->on_started_leading || !cb->on_stopped_leading)
        return invalid(err, "OnStartedLeading and OnStoppedLeading callbacks must not be nil");
    if (!identity || !*identity) return invalid(err, "Lock identity is empty");
    if (!ns || !*ns || !name || !*name)
        return invalid(err, "lease namespace and name are required");
    ck_leader *le = xcalloc(1, sizeof *le);
    le->client = c;
    le->loop = ck_client_loop(c);
    le->ns = xstrdup(ns);
    le->name = xstrdup(name);
    le->identity = xstrdup(identity);
    le->cfg = conf;
    le->cb = *cb;
    le->st = ST_ACQUIRING;
    ck_log_info("attempting to acquire leader lease %s/%s...", ns, name);
    le->timer = ck_loop_timer(le->loop, 0, timer_try, le);
    return le;
}

/* ReleaseOnCancel: GET, then PUT the Lease with holderIdentity "" and a duration of 1 s,
 * running the loop for at most the renew deadline. */
static void release(ck_leader *le)
{
    le->st = ST_RELEASING;
    le->release_done = false;
    request(le, REQ_REL_GET, "GET", NULL);
    uint64_t end = now_ms() + le->cfg.renew_deadline_ms;
    for (uint64_t t; !le->release_done && (t = now_ms()) < end;)
        ck_loop_run_once(le->loop, (int)(end - t < 100 ? end - t : 100));
    if (!le->release_done)
        ck_log_error("failed to release lease %s/%s: timed out", le->ns, le->name);
    cancel_call(le);
}

void ck_leader_free(ck_leader *le)
{
    if (!le) return;
    bool leading = le->st == ST_LEADING;
    ck_loop_cancel(le->loop, le->timer);
    ck_loop_cancel(le->loop, le->deadline);
    le->timer = le->deadline = 0;
    cancel_call(le);
    if (leading) {
        if (le->cfg.release_on_cancel) release(le);
        le->st = ST_STOPPED;
        record_event(le, "stopped leading");
        le->cb.on_stopped_leading(le->cb.ctx);
    }
    ck_lease_observed_clear(&le->obs);
    ck_lease_record_clear(&le->want);
    json_decref(le->lease);
    free(le->reported);
    free(le->ns);
    free(le->name);
    free(le->identity);
    free(le);
}

bool ck_leader_is_leader(const ck_leader *le)
{
    return le->st == ST_LEADING;
}

const char *ck_leader_holder(const ck_leader *le)
{
    return le->obs.known ? le->obs.rec.holder : "";
}
