/* The HTTP edge of the API server, over h2o (HTTP/1.1 keep-alive and chunked streaming,
 * HTTP/2 by ALPN, TLS by OpenSSL). A ck_request is the parsed view of one h2o request
 * that the API handlers work with; responses go back through the ck_send_* helpers.
 * Everything here runs on the event-loop thread. */
#ifndef CK_HTTP_H
#define CK_HTTP_H

#include <h2o.h>
#include <jansson.h>
#include <stdbool.h>

#include "lib/err.h"

typedef struct ck_apiserver ck_apiserver;

typedef struct ck_user {
    char *name;
    char **groups; /* NULL-terminated */
    char *uid;     /* NULL when the authenticator gives none */
    json_t *extra; /* {key: [values]} or NULL */
} ck_user;

typedef struct ck_query_param {
    char *key, *value;
} ck_query_param;

typedef struct ck_request {
    h2o_req_t *h2o;
    ck_apiserver *srv;
    char *method; /* "GET", "POST", ... */
    char *path;   /* decoded path without the query string */
    ck_query_param *query;
    int nquery;
    const char *body;
    size_t body_len;
    char *content_type; /* media type without parameters, lower-case; NULL if absent */
    char *accept;       /* raw Accept header or NULL */
    ck_user user;
    bool authenticated;
    bool bad_credentials; /* credentials were presented but rejected: 401 */
    bool responded;
    bool bad_escape; /* the URL escaped a NUL byte */
    /* Parked while admission webhooks are called: nothing is sent until
     * ck_request_resume runs the handler again. `gone` is set if the client left. */
    bool suspended, gone;
    void *watched; /* the pool slot that notices the client leaving */
    /* Admission webhook results carried across resumptions (src/admission/webhook.h). */
    struct ck_webhook_memo *webhooks;
    /* The request's audit event (src/audit/audit.h), or NULL. */
    struct ck_audit_event *audit;
} ck_request;

/* Value of query parameter `key` (last occurrence) or NULL. */
const char *ck_query(const ck_request *r, const char *key);
/* Header value (first occurrence) copied into the request pool, or NULL. */
const char *ck_header(const ck_request *r, const char *name);

/* Sends a complete response. The body is copied. */
void ck_send(ck_request *r, int status, const char *content_type, const char *body, size_t len);
/* Like ck_send, but takes ownership of a malloc'd body instead of copying it. */
void ck_send_owned(ck_request *r, int status, const char *content_type, char *body, size_t len);
/* Serializes v (reference stolen) as JSON and sends it. */
void ck_send_json(ck_request *r, int status, json_t *v);
/* Sends the Status object for err (not freed). */
void ck_send_err(ck_request *r, const ck_err *err);
/* Builds and sends a Status error in one call. */
void ck_send_status(ck_request *r, int code, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Adds a `Warning: 299 - "text"` response header (text is quoted and escaped). */
void ck_add_warning(ck_request *r, const char *text);
/* The Status object for an error (new reference). */
json_t *ck_status_json(const ck_err *err);

/* Parks r: the handler returns without answering, and r lives on (its h2o request too,
 * unless the client goes away) until ck_request_resume. */
void ck_request_suspend(ck_request *r);
/* Runs the API handler on a parked request again, or frees it if the client is gone. */
void ck_request_resume(ck_request *r);

/* Sends the responses held back until the store's pending writes were durable. */
void ck_http_release(void);

/* Handler entry point (routes to the API); defined in router.c. */
void ck_api_handle(ck_request *r);

/* Starts listening and runs the loop until stopped. Defined in http.c. */
int ck_http_serve(ck_apiserver *srv, ck_err **err);

#endif
