/* An asynchronous Kubernetes API client on a ck_loop, over libcurl's multi interface:
 * HTTP/2 over TLS when the server offers it (the requests and watches of a client share
 * one connection, as client-go does, up to the 100 concurrent streams servers allow; past
 * that a few more connections, at most one per 100 watches), client certificates or
 * bearer tokens from a kubeconfig, JSON bodies, Status errors turned into ck_err (code,
 * reason, message). Everything runs on the loop's thread; callbacks are called from
 * ck_loop_run*, never from inside libcurl, so they may start and cancel calls freely. */
#ifndef CK_CLIENT_H
#define CK_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "client/kubeconfig.h"
#include "client/loop.h"
#include "lib/err.h"

typedef struct ck_client ck_client;
typedef struct ck_call ck_call;

typedef struct ck_client_opts {
    const char *user_agent; /* "ckube-controller-manager/v1.34.0"; NULL: "ckube" */
    double qps;             /* client-side rate limit (token bucket); 0: unlimited */
    int burst;
} ck_client_opts;

ck_client *ck_client_new(ck_loop *loop, const ck_kubeconfig *kc, const ck_client_opts *o,
                         ck_err **err);
/* Cancels outstanding requests and watches (their callbacks are not called) and frees.
 * Free the informers using the client first, and never free it from its own callbacks. */
void ck_client_free(ck_client *c);
ck_loop *ck_client_loop(ck_client *c);

/* What the client did so far: connections are counted as curl opens and closes sockets
 * (so all calls sharing one HTTP/2 connection show connections_open == 1). */
typedef struct ck_client_stats {
    unsigned long requests, watches, throttled; /* throttled: delayed by the rate limiter */
    unsigned connections_open, connections_opened;
    int http_version; /* of the last finished call: 2 or 1; 0 before any */
} ck_client_stats;
void ck_client_get_stats(const ck_client *c, ck_client_stats *out);

/* The response to a request: status 0 when no response arrived (err says why). body is
 * the parsed JSON (NULL if none or not JSON); err is set for transport errors and for
 * non-2xx responses (from the Status body when there is one). All borrowed for the
 * callback's duration. */
typedef struct ck_response {
    int status;
    json_t *body;
    const ck_err *err;
} ck_response;
typedef void (*ck_response_cb)(const ck_response *r, void *ctx);

/* Sends method path (with query, e.g. "/api/v1/namespaces/x/pods?limit=500"); body NULL
 * or a JSON value (borrowed; serialized now) sent with content_type (NULL:
 * application/json). cb may be NULL. Requests wait for the client's rate limiter (watches
 * do not). The returned handle is valid until cb is called or ck_call_cancel; ignore it
 * when the request needs no cancelling. */
ck_call *ck_client_request(ck_client *c, const char *method, const char *path, const json_t *body,
                           const char *content_type, ck_response_cb cb, void *ctx);
/* Cancels a request whose callback has not run yet (it will not be called). */
void ck_call_cancel(ck_call *call);

/* Blocking convenience for start-up and command-line code (not for loop callbacks): runs
 * the loop until the request completes, or until the loop is stopped (a loop already
 * stopped when the call starts runs it to the end, for shutdown work). Returns the status
 * (0 on transport failure or interruption) and sets *out (new reference, may be NULL) and
 * *err on failure (non-2xx included). */
int ck_client_call(ck_client *c, const char *method, const char *path, const json_t *body,
                   const char *content_type, json_t **out, ck_err **err);

/* A watch stream (GET ...?watch=1): each event (the {type, object} JSON line) is handed
 * to on_event (borrowed); an ERROR event (such as 410 Expired) is an event like the others.
 * on_end is called once when the stream ends for any reason (err NULL for a clean end such
 * as the server's timeout; otherwise the transport error, the Status of a non-2xx answer,
 * or an undecodable line), after which the handle is invalid. ck_watch_cancel stops it
 * without calling on_end; it may be called from on_event. */
typedef struct ck_watch ck_watch;
typedef void (*ck_watch_event_cb)(const json_t *event, void *ctx);
typedef void (*ck_watch_end_cb)(const ck_err *err, void *ctx);
ck_watch *ck_client_watch(ck_client *c, const char *path, ck_watch_event_cb on_event,
                          ck_watch_end_cb on_end, void *ctx);
void ck_watch_cancel(ck_watch *w);

#endif
