/* Admission webhooks (upstream's MutatingAdmissionWebhook and ValidatingAdmissionWebhook
 * plugins): the webhooks of Mutating/ValidatingWebhookConfigurations whose rules and
 * selectors match a write are called over HTTPS with an admission.k8s.io/v1
 * AdmissionReview.
 *
 * The event loop never waits on a webhook. When a write needs calls, the plugin hands a job
 * to a worker thread (webhook_call.c), parks the request (ck_request_suspend) and fails the
 * write with a "pending" error that nothing answers. When the job is done the loop thread
 * either answers the request with the job's error, or runs the request's handler again
 * (ck_request_resume); this time the plugin finds the job's outcome in the request's memo
 * and goes on. The memo is tied to the old object's resourceVersion, so an update whose
 * object changed meanwhile calls the webhooks again, as upstream's retried update does. */
#ifndef CK_WEBHOOK_H
#define CK_WEBHOOK_H

#include <h2o.h>
#include <jansson.h>
#include <stdbool.h>

#include "admission/admission.h"
#include "lib/err.h"
#include "machinery/selector.h"

typedef struct ck_webhook_memo ck_webhook_memo;
void ck_webhook_memo_free(ck_webhook_memo *m);

/* Starts the worker threads and the loop's message receiver (after the h2o context exists)
 * and stops them (in-flight calls are abandoned). */
void ck_webhooks_start(ck_apiserver *srv);
void ck_webhooks_stop(ck_apiserver *srv);
/* False before start and once stopping: writes needing webhooks then fail (503). */
bool ck_webhooks_accepting(void);

/* ---- between the plugins (webhook.c) and the caller (webhook_call.c) ---- */

/* One webhook to call. */
typedef struct ck_hook {
    char *name;
    char *config;      /* configuration name */
    char *url;         /* with ?timeout=Ns */
    char *connect_to;  /* curl CONNECT_TO entry for service references, or NULL */
    char *unreachable; /* a service reference with nowhere to connect: why, else NULL */
    char *ca;          /* PEM bundle, or NULL: the system's roots */
    size_t ca_len;
    long timeout_s;
    bool fail_open;                /* failurePolicy Ignore */
    bool reinvoke;                 /* reinvocationPolicy IfNeeded */
    ck_label_selector *object_sel; /* NULL: every object */
} ck_hook;

typedef struct ck_webhook_job {
    struct ck_request *req;
    bool mutating;
    char *key, *old_rv; /* what the outcome is for (see webhook.c's memo) */
    ck_hook *hooks;
    size_t nhooks;
    json_t *review;    /* AdmissionReview with the request fields except uid and objects */
    json_t *obj, *old; /* the object (mutated in place by mutating webhooks) and old one */
    /* Outcome. */
    ck_err *err;
    json_t *warnings;    /* array of strings */
    json_t *annotations; /* audit annotations */
    struct ck_webhook_job *next;
} ck_webhook_job;

/* Calls the job's webhooks (on a worker thread): mutating ones in order, each seeing the
 * previous one's result, with one reinvocation round; validating ones in parallel. */
void ck_webhook_run(ck_webhook_job *job);
/* Queues a job for the workers. */
void ck_webhook_submit(ck_webhook_job *job);
/* Runs on the loop thread when a job is done. */
void ck_webhook_done(ck_webhook_job *job);
void ck_webhook_job_free(ck_webhook_job *job);

#endif
