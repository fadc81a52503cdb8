/* Audit events for API requests, as upstream's WithAudit filter and pkg/audit/request.go:
 * the policy level decides what an event holds, each stage is one line of JSON. */
#include "audit/audit.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "apiserver/api.h"
#include "lib/log.h"
#include "lib/util.h"

struct ck_audit {
    ck_audit_policy *policy;
    ck_audit_log *log;
    uint64_t rng;
};

struct ck_audit_event {
    ck_audit *a;
    ck_audit_config cfg;
    char id[64];
    char received[40];
    char *uri, *verb, *user_agent;
    json_t *user, *impersonated, *source_ips, *object_ref, *status, *request_object,
        *response_object, *annotations;
};

int ck_audit_setup(ck_apiserver *srv, ck_err **err)
{
    if (!srv->audit_log_path || !*srv->audit_log_path) return 0;
    if (!srv->audit_policy_file || !*srv->audit_policy_file) {
        ck_log_info("audit: no audit policy file provided, no events will be recorded");
        return 0;
    }
    ck_audit_policy *p = ck_audit_policy_load(srv->audit_policy_file, err);
    if (!p) return -1;
    long long max = srv->audit_log_maxsize > 0 ? srv->audit_log_maxsize : 100; /* lumberjack */
    ck_audit_log *l = ck_audit_log_open(srv->audit_log_path, max * 1024 * 1024,
                                        srv->audit_log_maxbackup, srv->audit_log_maxage, err);
    if (!l) {
        ck_audit_policy_free(p);
        return -1;
    }
    ck_audit *a = xcalloc(1, sizeof *a);
    a->policy = p;
    a->log = l;
    if (getrandom(&a->rng, sizeof a->rng, 0) != sizeof a->rng) a->rng = now_ms();
    srv->audit = a;
    return 0;
}

void ck_audit_teardown(ck_apiserver *srv)
{
    ck_audit *a = srv->audit;
    if (!a) return;
    ck_audit_log_close(a->log);
    ck_audit_policy_free(a->policy);
    free(a);
    srv->audit = NULL;
}

void ck_audit_flush(ck_audit *a)
{
    ck_audit_log_flush(a->log);
}

static uint64_t next_rand(ck_audit *a)
{
    uint64_t z = (a->rng += 0x9e3779b97f4a7c15ULL); /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void new_uuid(ck_audit *a, char out[64])
{
    uint64_t hi = next_rand(a), lo = next_rand(a);
    hi = (hi & ~0xf000ULL) | 0x4000ULL;                        /* version 4 */
    lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL; /* RFC 4122 variant */
    snprintf(out, 64, "%08llx-%04llx-%04llx-%04llx-%012llx", (unsigned long long)(hi >> 32),
             (unsigned long long)((hi >> 16) & 0xffff), (unsigned long long)(hi & 0xffff),
             (unsigned long long)(lo >> 48), (unsigned long long)(lo & 0xffffffffffffULL));
}

/* metav1.MicroTime: RFC 3339 with microseconds, UTC. */
static void micro_now(char out[40])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char s[32];
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 40, "%s.%06ldZ", s, ts.tv_nsec / 1000);
}

/* upstream's utilnet.SourceIPs: X-Forwarded-For entries, X-Real-Ip, then the peer. */
static json_t *source_ips(ck_request *r)
{
    json_t *ips = json_array();
    const char *xff = ck_header(r, "x-forwarded-for");
    for (const char *p = xff; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ", ");
        if (n) json_array_append_new(ips, json_stringn(p, n));
        p += n;
    }
    const char *real = ck_header(r, "x-real-ip");
    if (real && *real) json_array_append_new(ips, json_string(real));
    struct sockaddr_storage ss;
    h2o_conn_t *c = r->h2o->conn;
    if (c->callbacks->get_peername && c->callbacks->get_peername(c, (struct sockaddr *)&ss) > 0) {
        char buf[INET6_ADDRSTRLEN] = "";
        if (ss.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, buf, sizeof buf);
        else if (ss.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, buf, sizeof buf);
        size_t i;
        json_t *v;
        bool dup = false;
        json_array_foreach(ips, i, v) dup |= streq(json_string_value(v), buf);
        if (*buf && !dup) json_array_append_new(ips, json_string(buf));
    }
    return ips;
}

static json_t *parse_json(const char *body, size_t len)
{
    if (!len) return NULL;
    json_t *v = json_loadb(body, len, 0, NULL);
    if (v && !json_is_object(v) && !json_is_array(v)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

/* A copy without metadata.managedFields (in list items too), when the policy says so. */
static json_t *strip_managed(const ck_audit_event *e, json_t *v)
{
    if (!v || !e->cfg.omit_managed_fields) return v;
    json_t *c = json_deep_copy(v);
    json_decref(v);
    json_object_del(json_object_get(c, "metadata"), "managedFields");
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(c, "items"), i, it)
        json_object_del(json_object_get(it, "metadata"), "managedFields");
    return c;
}

static void emit(ck_audit_event *e, const char *stage, unsigned bit)
{
    if (e->cfg.omit_stages & bit) return;
    char now[40];
    micro_now(now);
    json_t *ev =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O}", "kind", "Event", "apiVersion",
                  "audit.k8s.io/v1", "level", ck_audit_level_name(e->cfg.level), "auditID", e->id,
                  "stage", stage, "requestURI", e->uri, "verb", e->verb, "user", e->user);
    if (e->impersonated) json_object_set(ev, "impersonatedUser", e->impersonated);
    json_object_set(ev, "sourceIPs", e->source_ips);
    if (e->user_agent) json_object_set_new(ev, "userAgent", json_string(e->user_agent));
    if (e->object_ref) json_object_set(ev, "objectRef", e->object_ref);
    if (e->status) json_object_set(ev, "responseStatus", e->status);
    if (e->request_object && bit != CK_STAGE_RECEIVED)
        json_object_set(ev, "requestObject", e->request_object);
    if (e->response_object) json_object_set(ev, "responseObject", e->response_object);
    json_object_set_new(ev, "requestReceivedTimestamp", json_string(e->received));
    json_object_set_new(ev, "stageTimestamp", json_string(now));
    if (e->annotations) json_object_set(ev, "annotations", e->annotations);
    char *s = json_dumps(ev, JSON_COMPACT);
    size_t n = strlen(s);
    s[n] = '\n'; /* replaces the NUL: the line is written by length */
    ck_audit_log_write(e->a->log, s, n + 1);
    free(s);
    json_decref(ev);
}

static json_t *user_json(const ck_request *r)
{
    json_t *u = json_object();
    if (r->authenticated) {
        json_object_set_new(u, "username", json_string(r->user.name));
        if (r->user.uid) json_object_set_new(u, "uid", json_string(r->user.uid));
        json_t *g = json_array();
        for (char **p = r->user.groups; p && *p; p++)
            json_array_append_new(g, json_string(*p));
        json_object_set_new(u, "groups", g);
        if (r->user.extra && json_object_size(r->user.extra))
            json_object_set(u, "extra", r->user.extra);
    } else if (!r->bad_credentials && r->srv->anonymous_auth) {
        json_object_set_new(u, "username", json_string("system:anonymous"));
        json_object_set_new(u, "groups", json_pack("[s]", "system:unauthenticated"));
    }
    return u;
}

void ck_audit_impersonated(ck_audit_event *e, const ck_user *u)
{
    json_t *o = json_pack("{s:s}", "username", u->name);
    if (u->uid && *u->uid) json_object_set_new(o, "uid", json_string(u->uid));
    if (u->groups && *u->groups) {
        json_t *g = json_array();
        for (char **p = u->groups; *p; p++)
            json_array_append_new(g, json_string(*p));
        json_object_set_new(o, "groups", g);
    }
    if (json_object_size(u->extra)) json_object_set(o, "extra", u->extra);
    json_decref(e->impersonated);
    e->impersonated = o;
}

static json_t *object_ref(const ck_reqinfo *ri)
{
    json_t *o = json_pack("{s:s}", "resource", ri->plural);
    if (ri->ns) json_object_set_new(o, "namespace", json_string(ri->ns));
    if (ri->name) json_object_set_new(o, "name", json_string(ri->name));
    if (*ri->group) json_object_set_new(o, "apiGroup", json_string(ri->group));
    json_object_set_new(o, "apiVersion", json_string(ri->version));
    if (ri->sub) json_object_set_new(o, "subresource", json_string(ri->sub));
    return o;
}

/* LogRequestObject: the decoded object fills in the reference's blanks (create, update). */
static void complete_ref(ck_audit_event *e, json_t *obj)
{
    json_t *md = json_object_get(obj, "metadata");
    if (!e->object_ref || !json_is_object(md)) return;
    json_t *fixed = json_object();
    const char *keys[] = {"resource",   "namespace",       "name",       "uid", "apiGroup",
                          "apiVersion", "resourceVersion", "subresource"};
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        json_t *v = json_object_get(e->object_ref, keys[i]);
        if (!v && i != 0 && i != 4 && i != 5 && i != 7) {
            json_t *m = json_object_get(md, keys[i]);
            if (json_is_string(m) && *json_string_value(m)) v = m;
        }
        if (v) json_object_set(fixed, keys[i], v);
    }
    json_decref(e->object_ref);
    e->object_ref = fixed;
}

void ck_audit_request(ck_request *r)
{
    ck_audit *a = r->srv->audit;
    h2o_req_t *req = r->h2o;
    char id[64];
    const char *given = ck_header(r, "audit-id");
    if (given && *given)
        snprintf(id, sizeof id, "%s", given);
    else
        new_uuid(a, id);
    h2o_iovec_t hv = h2o_strdup(&req->pool, id, strlen(id));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("audit-id"), 0, "Audit-Id",
                          hv.base, hv.len);

    const char *w = ck_query(r, "watch");
    ck_reqinfo ri;
    bool res = ck_reqinfo_parse(r->method, r->path, w && (streq(w, "1") || streq(w, "true")), &ri);
    char verb[16];
    snprintf(verb, sizeof verb, "%s", res ? ri.verb : r->method);
    for (char *c = verb; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    static const char *const anon[] = {"system:unauthenticated", NULL};
    bool anonymous = !r->authenticated && !r->bad_credentials && r->srv->anonymous_auth;
    ck_audit_attrs at = {
        .user = r->authenticated ? r->user.name
                : anonymous      ? "system:anonymous"
                                 : NULL,
        .groups = r->authenticated ? (const char *const *)r->user.groups : anon,
        .verb = verb,
        .resource_request = res,
        .ns = res && ri.ns ? ri.ns : "",
        .group = res ? ri.group : "",
        .resource = res ? ri.plural : "",
        .sub = res && ri.sub ? ri.sub : "",
        .name = res && ri.name ? ri.name : "",
        .path = r->path,
    };
    ck_audit_config cfg = ck_audit_policy_eval(a->policy, &at);
    if (cfg.level == CK_AUDIT_NONE) {
        if (res) ck_reqinfo_clear(&ri);
        return;
    }
    ck_audit_event *e = xcalloc(1, sizeof *e);
    e->a = a;
    e->cfg = cfg;
    memcpy(e->id, id, sizeof id);
    micro_now(e->received);
    e->uri = xstrndup(req->path.base, req->path.len);
    e->verb = xstrdup(verb);
    e->user = user_json(r);
    e->source_ips = source_ips(r);
    ssize_t ua = h2o_find_header(&req->headers, H2O_TOKEN_USER_AGENT, -1);
    if (ua >= 0)
        e->user_agent =
            xstrndup(req->headers.entries[ua].value.base, req->headers.entries[ua].value.len);
    if (res) e->object_ref = object_ref(&ri);
    r->audit = e;
    emit(e, "RequestReceived", CK_STAGE_RECEIVED);

    json_t *body = res ? parse_json(r->body, r->body_len) : NULL;
    if (body && (streq(ri.verb, "create") || streq(ri.verb, "update"))) complete_ref(e, body);
    if (cfg.level >= CK_AUDIT_REQUEST)
        e->request_object = strip_managed(e, body);
    else
        json_decref(body);
    if (res) ck_reqinfo_clear(&ri);
}

void ck_audit_authorized(ck_audit_event *e, bool allowed, const char *reason)
{
    ck_audit_annotate(e, "authorization.k8s.io/decision", allowed ? "allow" : "forbid");
    ck_audit_annotate(e, "authorization.k8s.io/reason", reason ? reason : "");
}

void ck_audit_annotate(ck_audit_event *e, const char *key, const char *value)
{
    if (!e->annotations) e->annotations = json_object();
    json_object_set_new(e->annotations, key, json_string(value));
}

/* responseStatus: the code, and a Status body's bounded fields (LogResponseObject). */
static void set_status(ck_audit_event *e, int code, json_t *st)
{
    json_decref(e->status);
    e->status = json_pack("{s:{}}", "metadata");
    if (st && streq(json_string_value(json_object_get(st, "kind")), "Status")) {
        const char *keys[] = {"status", "message", "reason", "details"};
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
            json_t *v = json_object_get(st, keys[i]);
            if (v && !(json_is_string(v) && !*json_string_value(v)))
                json_object_set(e->status, keys[i], v);
        }
    }
    json_object_set_new(e->status, "code", json_integer(code));
}

void ck_audit_respond(ck_request *r, int status, const char *content_type, const char *body,
                      size_t len)
{
    ck_audit_event *e = r->audit;
    r->audit = NULL;
    bool is_json = has_prefix(content_type, "application/json");
    json_t *obj = NULL;
    if (is_json && (e->cfg.level >= CK_AUDIT_REQUEST_RESPONSE ||
                    (len < 65536 && memmem(body, len, "\"kind\":\"Status\"", 15))))
        obj = parse_json(body, len);
    set_status(e, status, obj);
    if (e->cfg.level >= CK_AUDIT_REQUEST_RESPONSE)
        e->response_object = strip_managed(e, obj);
    else
        json_decref(obj);
    emit(e, "ResponseComplete", CK_STAGE_COMPLETE);
    ck_audit_event_free(e);
}

ck_audit_event *ck_audit_watch_started(ck_request *r)
{
    ck_audit_event *e = r->audit;
    r->audit = NULL;
    if (!e) return NULL;
    set_status(e, 200, NULL);
    emit(e, "ResponseStarted", CK_STAGE_STARTED);
    return e;
}

void ck_audit_watch_done(ck_audit_event *e)
{
    if (!e) return;
    emit(e, "ResponseComplete", CK_STAGE_COMPLETE);
    ck_audit_event_free(e);
}

void ck_audit_event_free(ck_audit_event *e)
{
    if (!e) return;
    free(e->uri);
    free(e->verb);
    free(e->user_agent);
    json_decref(e->user);
    json_decref(e->impersonated);
    json_decref(e->source_ips);
    json_decref(e->object_ref);
    json_decref(e->status);
    json_decref(e->request_object);
    json_decref(e->response_object);
    json_decref(e->annotations);
    free(e);
}
