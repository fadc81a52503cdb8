/* Leader election (client-go's tools/leaderelection with a coordination.k8s.io/v1 Lease
 * lock): candidates race to hold a Lease; the holder renews it every retry period and the
 * others take it over once it has not changed for leaseDurationSeconds by their own clock
 * (they never compare the holder's timestamps with their clock). The holder stops leading
 * when it could not renew within the renew deadline. Writes use the resourceVersion read
 * (optimistic concurrency), so of two candidates only one wins. */
#ifndef CK_LEADER_H
#define CK_LEADER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "client/client.h"
#include "client/recorder.h"
#include "lib/err.h"

/* The leader-election and API-client flags upstream's components share, as ck_flag table
 * entries (lib/flags.h): pointers to a bool, the three durations (ms), the lock's name and
 * namespace, and the client's qps and burst. */
#define CK_LEADER_ELECT_FLAGS(elect, lease, renew, retry, name, ns)                                \
    {"leader-elect", CK_FLAG_BOOL, elect,                                                          \
     "Start a leader election client and gain leadership before executing the main loop."},        \
        {"leader-elect-lease-duration", CK_FLAG_DURATION, lease,                                   \
         "The duration that non-leader candidates will wait after observing a leadership "         \
         "renewal until attempting to acquire leadership."},                                       \
        {"leader-elect-renew-deadline", CK_FLAG_DURATION, renew,                                   \
         "The interval between attempts by the acting master to renew a leadership slot before "   \
         "it stops leading."},                                                                     \
        {"leader-elect-retry-period", CK_FLAG_DURATION, retry,                                     \
         "The duration the clients should wait between attempting acquisition and renewal of a "   \
         "leadership."},                                                                           \
        {"leader-elect-resource-name", CK_FLAG_STRING, name,                                       \
         "The name of resource object that is used for locking during leader election."},          \
    {                                                                                              \
        "leader-elect-resource-namespace", CK_FLAG_STRING, ns,                                     \
            "The namespace of resource object that is used for locking during leader election."    \
    }
#define CK_API_CLIENT_FLAGS(qps, burst)                                                            \
    {"kube-api-qps", CK_FLAG_INT, qps, "QPS to use while talking with kubernetes apiserver."},     \
    {                                                                                              \
        "kube-api-burst", CK_FLAG_INT, burst,                                                      \
            "Burst to use while talking with kubernetes apiserver."                                \
    }

typedef struct ck_leader_config {
    uint64_t lease_duration_ms; /* 0: 15 s (--leader-elect-lease-duration) */
    uint64_t renew_deadline_ms; /* 0: 10 s (--leader-elect-renew-deadline) */
    uint64_t retry_period_ms;   /* 0: 2 s (--leader-elect-retry-period) */
    /* Release the lease when ck_leader_free is called while leading (holderIdentity "",
     * leaseDurationSeconds 1), so the next candidate takes over at once. */
    bool release_on_cancel;
    /* Optional: "<identity> became leader" / "stopped leading" Normal events with reason
     * LeaderElection on the Lease, as upstream's lock records them. */
    ck_recorder *recorder;
} ck_leader_config;

/* Called on the loop's thread; they must not free the elector (stop the loop instead). */
typedef struct ck_leader_callbacks {
    void (*on_started_leading)(void *ctx); /* required */
    /* Called once when leading ends: the lease could not be renewed (the component should
     * exit, as upstream's do) or the elector is freed. Not called if it never led. */
    void (*on_stopped_leading)(void *ctx); /* required */
    /* Optional: the observed holder changed (also to ourselves, or "" after a release). */
    void (*on_new_leader)(const char *identity, void *ctx);
    void *ctx;
} ck_leader_callbacks;

typedef struct ck_leader ck_leader;

/* Starts campaigning at once (from the loop; no callback runs inside this call) for the
 * Lease ns/name with this identity (see ck_leader_identity). cfg NULL: defaults. Fails on
 * an invalid configuration (lease duration must exceed the renew deadline, which must
 * exceed 1.2 retry periods), an empty identity, or missing callbacks. */
ck_leader *ck_leader_new(ck_client *c, const char *ns, const char *name, const char *identity,
                         const ck_leader_config *cfg, const ck_leader_callbacks *cb, ck_err **err);
/* Stops campaigning. While leading: releases the lease when release_on_cancel (running the
 * loop for at most the renew deadline; so not from inside a loop callback) and calls
 * on_stopped_leading. */
void ck_leader_free(ck_leader *le);
bool ck_leader_is_leader(const ck_leader *le);
/* The holder last observed ("" if none), borrowed. */
const char *ck_leader_holder(const ck_leader *le);

/* Upstream's default identity: hostname + "_" + a random UUID. Caller frees. */
char *ck_leader_identity(void);

/* ---- The decision logic: pure, testable without a server. ---- */

/* A Lease's spec as leader election reads it (LeaderElectionRecord). Times are wall-clock
 * microseconds since the epoch (MicroTime), 0 when absent. */
typedef struct ck_lease_record {
    char *holder; /* owned; "" when nobody holds it */
    int64_t duration_s;
    int64_t acquire_us, renew_us;
    int64_t transitions;
} ck_lease_record;

/* What the elector knows: the record last read or written and the local monotonic time
 * when it last changed (upstream's observedRecord and observedTime). */
typedef struct ck_lease_observed {
    ck_lease_record rec;
    uint64_t at_ms;
    bool known;
} ck_lease_observed;

void ck_lease_observed_clear(ck_lease_observed *o);
/* Reads spec from a Lease (NULL or without spec: an empty record). */
void ck_lease_record_from(const json_t *lease, ck_lease_record *out);
/* Takes rec (its holder is stolen) as observed; the time moves to now only if the record
 * differs from the one observed before. */
void ck_lease_observe(ck_lease_observed *o, ck_lease_record *rec, uint64_t now_ms);
/* The observed lease has not expired: observed time + duration is after now. */
bool ck_lease_valid(const ck_lease_observed *o, uint64_t now_ms);
bool ck_lease_held_by(const ck_lease_observed *o, const char *identity);

typedef enum ck_leader_action {
    CK_LEADER_WAIT,   /* held by another candidate and not expired: try again later */
    CK_LEADER_CREATE, /* no Lease: create it holding it */
    CK_LEADER_UPDATE, /* ours, expired, or released: write it holding it */
} ck_leader_action;

/* One step of tryAcquireOrRenew after reading the Lease: lease is what the GET returned
 * (NULL after a 404). Observes its record (at now_ms, the monotonic clock) and decides. For
 * CREATE and UPDATE *body is the Lease to send (new reference): the read Lease (keeping
 * its resourceVersion) or a new one for ns/name, with holderIdentity = identity,
 * leaseDurationSeconds, renewTime = now_us (and acquireTime = now_us and
 * leaseTransitions + 1 when the holder changes); *want is that record (owned, clear it
 * with ck_lease_record_clear), to be observed once the write succeeds. */
ck_leader_action ck_leader_step(ck_lease_observed *o, const json_t *lease, const char *ns,
                                const char *name, const char *identity, uint64_t lease_duration_ms,
                                uint64_t now_ms, int64_t now_us, json_t **body,
                                ck_lease_record *want);
/* The Lease with its spec replaced by rec (new reference); lease NULL: a new Lease ns/name.
 * Times are written as MicroTime ("2006-01-02T15:04:05.000000Z"). */
json_t *ck_lease_with_record(const json_t *lease, const char *ns, const char *name,
                             const ck_lease_record *rec);
void ck_lease_record_clear(ck_lease_record *r);
/* MicroTime/RFC 3339 text to microseconds since the epoch; 0 if it does not parse. */
int64_t ck_parse_micro_time(const char *s);
void ck_format_micro_time(int64_t us, char out[40]);

#endif
