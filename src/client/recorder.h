/* The event recorder (client-go's tools/record EventRecorder with its EventCorrelator):
 * components report what they did as core/v1 Events about an object, which `kubectl
 * describe` shows. Before anything is sent the correlator
 *  - aggregates: more than 10 events in 10 minutes that differ only in their message (same
 *    source, object, type, reason) become one "(combined from similar events): <message>"
 *    event;
 *  - counts: an event identical to one already sent (same source, object, type, reason,
 *    message) is not created again; the existing Event is PATCHed with count+1, the new
 *    lastTimestamp and message;
 *  - filters spam: per source, object and type, a token bucket of 25 refilled with one
 *    event every 5 minutes; events beyond it are dropped.
 * Sending is asynchronous on the client's loop; failures are logged, never fatal (transport
 * errors are retried up to 12 times, 10 s apart, as upstream). */
#ifndef CK_RECORDER_H
#define CK_RECORDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/client.h"

typedef struct ck_recorder ck_recorder;

/* component: source.component and reportingComponent ("deployment-controller"); host:
 * source.host and reportingInstance (the node name for a kubelet; NULL or "" for none). */
ck_recorder *ck_recorder_new(ck_client *c, const char *component, const char *host);
/* Events in flight or waiting for a retry are dropped (ck_recorder_flush first to send
 * them). Free the recorder before its client. */
void ck_recorder_free(ck_recorder *r);

/* Records an event about involved_object (borrowed): a full object with kind, apiVersion
 * and metadata (name, namespace, uid, resourceVersion), or an ObjectReference. The Event
 * goes to the object's namespace ("default" for cluster-scoped objects). type is "Normal"
 * or "Warning"; anything else is logged and dropped, as is an object without kind or
 * name. r may be NULL (nothing is recorded). */
void ck_recorder_event(ck_recorder *r, const json_t *involved_object, const char *type,
                       const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* For shutdown: runs the loop until no event is in flight or waiting for a retry, at most
 * timeout_ms. Returns true when nothing is left. Not from inside a loop callback. */
bool ck_recorder_flush(ck_recorder *r, uint64_t timeout_ms);

/* ---- The correlator: pure functions over caches, testable without a server. ---- */

/* Its caches are JSON objects used as LRU maps (least recently used first), capped at
 * max_entries each: spam (spam key -> token bucket), aggregate (aggregate key -> the
 * messages seen and when), observed (event key -> count, firstTimestamp, name,
 * resourceVersion of the Event on the server). */
typedef struct ck_event_correlator {
    json_t *spam, *aggregate, *observed;
    size_t max_entries;      /* 4096 */
    int spam_burst;          /* 25 */
    double spam_qps;         /* 1/300 */
    unsigned max_events;     /* 10 similar events ... */
    int64_t max_interval_ns; /* ... within 600 s are aggregated */
} ck_event_correlator;

void ck_event_correlator_init(ck_event_correlator *c); /* upstream's defaults */
void ck_event_correlator_clear(ck_event_correlator *c);

typedef struct ck_event_correlation {
    json_t *event; /* the Event to write (new reference); NULL when skipped */
    json_t *patch; /* when event.count > 1: the strategic merge patch for the existing
                    * Event ({count, lastTimestamp, message}; new reference); else NULL */
    bool skip;     /* filtered as spam: send nothing */
} ck_event_correlation;

/* EventCorrelate: aggregates, counts and filters event (a core/v1 Event, borrowed) seen at
 * now_ns (wall clock, nanoseconds since the epoch). Release out with
 * ck_event_correlation_clear. */
void ck_event_correlate(ck_event_correlator *c, const json_t *event, int64_t now_ns,
                        ck_event_correlation *out);
void ck_event_correlation_clear(ck_event_correlation *out);
/* UpdateState: remembers the Event as the server returned it (name, resourceVersion,
 * count) so the next identical event patches it. */
void ck_event_correlator_update(ck_event_correlator *c, const json_t *event);

/* The cache keys (caller frees): the whole event (source, object with fieldPath, type,
 * reason, message); the spam key (source, object, type); the aggregate key (source,
 * object, type, reason, reporting component and instance; the message is the local key
 * within it). */
char *ck_event_key(const json_t *event);
char *ck_event_spam_key(const json_t *event);
char *ck_event_aggregate_key(const json_t *event);

/* A new core/v1 Event (count 1, both timestamps now) as the recorder makes it, before
 * correlation; involved is an object or an ObjectReference. NULL (logged) without kind or
 * name. */
json_t *ck_event_make(const json_t *involved, const char *component, const char *host,
                      const char *type, const char *reason, const char *message, int64_t now_ns);

#endif
