/* Audit logging as upstream's k8s.io/apiserver pkg/audit: a policy (audit.k8s.io/v1 Policy)
 * picks a level per request, and each stage of an audited request is written as one JSON
 * audit.k8s.io/v1 Event line to a log file rotated like lumberjack. Everything runs on the
 * event-loop thread; lines are buffered and written once per loop iteration. */
#ifndef CK_AUDIT_H
#define CK_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

typedef enum {
    CK_AUDIT_NONE,
    CK_AUDIT_METADATA,
    CK_AUDIT_REQUEST,
    CK_AUDIT_REQUEST_RESPONSE,
} ck_audit_level;

/* Stages as bits, for omitStages. */
enum {
    CK_STAGE_RECEIVED = 1 << 0, /* RequestReceived */
    CK_STAGE_STARTED = 1 << 1,  /* ResponseStarted (long-running requests: watches) */
    CK_STAGE_COMPLETE = 1 << 2, /* ResponseComplete */
    CK_STAGE_PANIC = 1 << 3,    /* Panic */
};

/* ---- policy (policy.c) ---- */

typedef struct ck_audit_policy ck_audit_policy;

/* What a policy rule matches on (upstream's authorizer.Attributes). user NULL: the request
 * was not authenticated, so rules naming users or groups do not match. */
typedef struct ck_audit_attrs {
    const char *user;
    const char *const *groups; /* NULL-terminated, may be NULL */
    const char *verb;
    bool resource_request;
    const char *ns, *group, *resource, *sub, *name; /* "" when absent */
    const char *path;
} ck_audit_attrs;

typedef struct ck_audit_config {
    ck_audit_level level;
    unsigned omit_stages; /* CK_STAGE_* bits */
    bool omit_managed_fields;
} ck_audit_config;

/* Parses and validates an audit.k8s.io/v1 Policy (YAML or JSON). NULL and *err on error. */
ck_audit_policy *ck_audit_policy_parse(const char *buf, size_t len, ck_err **err);
ck_audit_policy *ck_audit_policy_load(const char *path, ck_err **err);
void ck_audit_policy_free(ck_audit_policy *p);
/* The first matching rule's level and stages (unioned with the policy's omitStages);
 * level None when no rule matches. */
ck_audit_config ck_audit_policy_eval(const ck_audit_policy *p, const ck_audit_attrs *a);
const char *ck_audit_level_name(ck_audit_level l);

/* ---- log file (logfile.c) ---- */

typedef struct ck_audit_log ck_audit_log;

/* Opens path for appending ("-": stdout). When the file would grow past max_bytes (> 0) it
 * is renamed to <name>-<UTC 2006-01-02T15-04-05.000>.<ext> and a new one started; then
 * only max_backups (> 0) backups are kept and none older than max_age_days (> 0). */
ck_audit_log *ck_audit_log_open(const char *path, long long max_bytes, int max_backups,
                                int max_age_days, ck_err **err);
/* Buffers one line (with its newline); a line longer than max_bytes is dropped. */
void ck_audit_log_write(ck_audit_log *l, const char *line, size_t n);
/* Writes the buffered lines (no fsync). */
void ck_audit_log_flush(ck_audit_log *l);
/* Flushes and closes; NULL is ignored. */
void ck_audit_log_close(ck_audit_log *l);

/* ---- the request hooks (audit.c) ---- */

typedef struct ck_apiserver ck_apiserver;
typedef struct ck_request ck_request;
typedef struct ck_audit ck_audit;
typedef struct ck_audit_event ck_audit_event;

/* Reads the --audit-* flags on srv and sets srv->audit, or leaves it NULL when auditing is
 * off (no path, or no policy file: upstream then records no events either). */
int ck_audit_setup(ck_apiserver *srv, ck_err **err);
void ck_audit_teardown(ck_apiserver *srv);
/* Writes buffered events; called every loop iteration. */
void ck_audit_flush(ck_audit *a);

/* Starts the event of an authenticated request (only call when srv->audit is set): sets
 * the Audit-Id response header, evaluates the policy and writes RequestReceived. r->audit
 * is left NULL at level None. */
void ck_audit_request(ck_request *r);
/* Records the authorization decision as the authorization.k8s.io annotations. */
void ck_audit_authorized(ck_audit_event *e, bool allowed, const char *reason);
/* Records the identity the request acts as after impersonation (the event's
 * impersonatedUser, in the stages written from now on); u is copied. */
struct ck_user;
void ck_audit_impersonated(ck_audit_event *e, const struct ck_user *u);
/* Adds (or replaces) one annotation on the event. */
void ck_audit_annotate(ck_audit_event *e, const char *key, const char *value);
/* The response to r is being sent: writes ResponseComplete and frees r->audit. */
void ck_audit_respond(ck_request *r, int status, const char *content_type, const char *body,
                      size_t len);
/* A watch started streaming: writes ResponseStarted and hands the event to the caller,
 * which ends it with ck_audit_watch_done (ResponseComplete, then freed). */
ck_audit_event *ck_audit_watch_started(ck_request *r);
void ck_audit_watch_done(ck_audit_event *e);
/* Frees an event without writing anything; NULL is ignored. */
void ck_audit_event_free(ck_audit_event *e);

#endif
