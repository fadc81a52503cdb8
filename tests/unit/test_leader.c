/* Leader election's decision logic without a server: MicroTime, observing a Lease by the
 * local clock, and ck_leader_step's create/update/wait with the bodies it writes. */
#include <stdlib.h>

#include "client/leader.h"
#include "lib/util.h"
#include "ut.h"

#define S 1000                                 /* ms */
static const int64_t T0_US = 1700000000123456; /* 2023-11-14T22:13:20.123456Z */

static json_t *lease(const char *holder, int dur, const char *renew, int transitions)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s}, s:{s:s, s:i, s:s, s:s, s:i}}",
                     "apiVersion", "coordination.k8s.io/v1", "kind", "Lease", "metadata", "name",
                     "kcm", "namespace", "kube-system", "uid", "u-1", "resourceVersion", "42",
                     "spec", "holderIdentity", holder, "leaseDurationSeconds", dur, "acquireTime",
                     "2023-11-14T22:00:00.000001Z", "renewTime", renew, "leaseTransitions",
                     transitions);
}

static const char *spec_str(const json_t *l, const char *k)
{
    return json_string_value(json_object_get(json_object_get(l, "spec"), k));
}

static long long spec_int(const json_t *l, const char *k)
{
    return json_integer_value(json_object_get(json_object_get(l, "spec"), k));
}

static void test_times(void)
{
    char buf[40];
    ck_format_micro_time(T0_US, buf);
    CHECK_STR(buf, "2023-11-14T22:13:20.123456Z");
    CHECK_INT(ck_parse_micro_time(buf), T0_US);
    ck_format_micro_time(1700000000000000, buf);
    CHECK_STR(buf, "2023-11-14T22:13:20.000000Z"); /* always six decimals */
    CHECK_INT(ck_parse_micro_time("2023-11-14T22:13:20Z"), 1700000000000000);
    CHECK_INT(ck_parse_micro_time("2023-11-14T22:13:20.5Z"), 1700000000500000);
    CHECK_INT(ck_parse_micro_time("2023-11-14T22:13:20.123456789Z"), T0_US);
    CHECK_INT(ck_parse_micro_time("2023-11-15T00:13:20.123456+02:00"), T0_US);
    CHECK_INT(ck_parse_micro_time("2023-11-14T21:13:20.123456-01:00"), T0_US);
    CHECK_INT(ck_parse_micro_time("yesterday"), 0);
    CHECK_INT(ck_parse_micro_time("2023-11-14T22:13:20"), 0);
    CHECK_INT(ck_parse_micro_time(NULL), 0);
}

static void test_create(void)
{
    ck_lease_observed o = {0};
    json_t *body;
    ck_lease_record want;
    ck_leader_action a =
        ck_leader_step(&o, NULL, "kube-system", "kcm", "me_1", 15 * S, 1000, T0_US, &body, &want);
    CHECK_INT(a, CK_LEADER_CREATE);
    CHECK_STR(json_string_value(json_object_get(body, "kind")), "Lease");
    CHECK_STR(json_string_value(json_object_get(body, "apiVersion")), "coordination.k8s.io/v1");
    CHECK_STR(json_string_value(json_object_get(json_object_get(body, "metadata"), "name")), "kcm");
    CHECK_STR(json_string_value(json_object_get(json_object_get(body, "metadata"), "namespace")),
              "kube-system");
    CHECK_STR(spec_str(body, "holderIdentity"), "me_1");
    CHECK_INT(spec_int(body, "leaseDurationSeconds"), 15);
    CHECK_STR(spec_str(body, "acquireTime"), "2023-11-14T22:13:20.123456Z");
    CHECK_STR(spec_str(body, "renewTime"), "2023-11-14T22:13:20.123456Z");
    CHECK_INT(spec_int(body, "leaseTransitions"), 0);
    CHECK_STR(want.holder, "me_1");
    CHECK_INT(want.renew_us, T0_US);
    /* After the create succeeds, the elector observes its record: held by us, valid. */
    ck_lease_observe(&o, &want, 1000);
    CHECK(ck_lease_held_by(&o, "me_1"));
    CHECK(ck_lease_valid(&o, 1000 + 15 * S - 1));
    CHECK(!ck_lease_valid(&o, 1000 + 15 * S));
    json_decref(body);
    ck_lease_record_clear(&want);
    ck_lease_observed_clear(&o);
}

/* Another candidate holds the lease: wait while it keeps changing; take it over once it has
 * not changed for the lease duration by the local clock, whatever its renewTime says. */
static void test_held_by_other(void)
{
    ck_lease_observed o = {0};
    json_t *body;
    ck_lease_record want;
    /* renewTime far in the past (the holder's clock is off): still the first observation. */
    json_t *l = lease("other", 15, "2001-01-01T00:00:00.000000Z", 3);
    uint64_t t = 100 * S;
    CHECK_INT(ck_leader_step(&o, l, "kube-system", "kcm", "me", 15 * S, t, T0_US, &body, &want),
              CK_LEADER_WAIT);
    CHECK(body == NULL && want.holder == NULL);
    CHECK_INT(o.at_ms, t);
    CHECK_STR(o.rec.holder, "other");
    /* The same record 14 s later: still valid, and the observed time does not move. */
    CHECK_INT(
        ck_leader_step(&o, l, "kube-system", "kcm", "me", 15 * S, t + 14 * S, T0_US, &body, &want),
        CK_LEADER_WAIT);
    CHECK_INT(o.at_ms, t);
    /* The holder renewed at +10 s: observed anew, so at +20 s it is still valid. */
    json_t *renewed = lease("other", 15, "2001-01-01T00:00:10.000000Z", 3);
    CHECK_INT(ck_leader_step(&o, renewed, "kube-system", "kcm", "me", 15 * S, t + 10 * S, T0_US,
                             &body, &want),
              CK_LEADER_WAIT);
    CHECK_INT(o.at_ms, t + 10 * S);
    CHECK_INT(ck_leader_step(&o, renewed, "kube-system", "kcm", "me", 15 * S, t + 20 * S, T0_US,
                             &body, &want),
              CK_LEADER_WAIT);
    /* Unchanged for 15 s: expired; take it over with a new acquireTime and a transition. */
    CHECK_INT(ck_leader_step(&o, renewed, "kube-system", "kcm", "me", 15 * S, t + 25 * S, T0_US,
                             &body, &want),
              CK_LEADER_UPDATE);
    CHECK_STR(spec_str(body, "holderIdentity"), "me");
    CHECK_STR(spec_str(body, "acquireTime"), "2023-11-14T22:13:20.123456Z");
    CHECK_STR(spec_str(body, "renewTime"), "2023-11-14T22:13:20.123456Z");
    CHECK_INT(spec_int(body, "leaseTransitions"), 4);
    CHECK_INT(spec_int(body, "leaseDurationSeconds"), 15);
    /* Optimistic concurrency: the write carries the resourceVersion read. */
    CHECK_STR(
        json_string_value(json_object_get(json_object_get(body, "metadata"), "resourceVersion")),
        "42");
    CHECK_STR(json_string_value(json_object_get(json_object_get(body, "metadata"), "uid")), "u-1");
    CHECK_INT(want.transitions, 4);
    json_decref(body);
    ck_lease_record_clear(&want);
    json_decref(l);
    json_decref(renewed);
    ck_lease_observed_clear(&o);
}

static void test_held_by_me(void)
{
    ck_lease_observed o = {0};
    json_t *body;
    ck_lease_record want;
    json_t *l = lease("me", 15, "2023-11-14T22:13:10.000000Z", 2);
    CHECK_INT(ck_leader_step(&o, l, "kube-system", "kcm", "me", 15 * S, 5000, T0_US, &body, &want),
              CK_LEADER_UPDATE);
    /* A renewal keeps acquireTime and the transition count. */
    CHECK_STR(spec_str(body, "acquireTime"), "2023-11-14T22:00:00.000001Z");
    CHECK_STR(spec_str(body, "renewTime"), "2023-11-14T22:13:20.123456Z");
    CHECK_INT(spec_int(body, "leaseTransitions"), 2);
    json_decref(body);
    ck_lease_record_clear(&want);
    json_decref(l);

    /* A lease released by its holder (holderIdentity "") is taken at once. */
    l = lease("", 1, "2023-11-14T22:13:19.000000Z", 5);
    CHECK_INT(ck_leader_step(&o, l, "kube-system", "kcm", "me", 15 * S, 6000, T0_US, &body, &want),
              CK_LEADER_UPDATE);
    CHECK_INT(spec_int(body, "leaseTransitions"), 6);
    CHECK_STR(spec_str(body, "holderIdentity"), "me");
    json_decref(body);
    ck_lease_record_clear(&want);
    json_decref(l);

    /* A different lease duration is written as configured (whole seconds). */
    l = lease("me", 15, "2023-11-14T22:13:10.000000Z", 2);
    CHECK_INT(ck_leader_step(&o, l, "kube-system", "kcm", "me", 30500, 7000, T0_US, &body, &want),
              CK_LEADER_UPDATE);
    CHECK_INT(spec_int(body, "leaseDurationSeconds"), 30);
    json_decref(body);
    ck_lease_record_clear(&want);
    json_decref(l);
    ck_lease_observed_clear(&o);
}

/* The release record as the elector writes it (ReleaseOnCancel). */
static void test_release_body(void)
{
    json_t *l = lease("me", 15, "2023-11-14T22:13:10.000000Z", 2);
    ck_lease_record rel = {.holder = xstrdup(""),
                           .duration_s = 1,
                           .acquire_us = T0_US,
                           .renew_us = T0_US,
                           .transitions = 2};
    json_t *body = ck_lease_with_record(l, "kube-system", "kcm", &rel);
    CHECK_STR(spec_str(body, "holderIdentity"), "");
    CHECK_INT(spec_int(body, "leaseDurationSeconds"), 1);
    CHECK_INT(spec_int(body, "leaseTransitions"), 2);
    CHECK_STR(spec_str(body, "renewTime"), "2023-11-14T22:13:20.123456Z");
    ck_lease_record back;
    ck_lease_record_from(body, &back);
    CHECK_STR(back.holder, "");
    CHECK_INT(back.acquire_us, T0_US);
    CHECK_INT(back.duration_s, 1);
    ck_lease_record_clear(&back);
    ck_lease_record_clear(&rel);
    json_decref(body);
    json_decref(l);

    /* An empty record (a Lease without spec). */
    ck_lease_record_from(NULL, &back);
    CHECK_STR(back.holder, "");
    CHECK_INT(back.duration_s, 0);
    ck_lease_record_clear(&back);
}

static void started(void *ctx) {}

static void test_config(void)
{
    ck_err *err = NULL;
    ck_leader_callbacks cb = {.on_started_leading = started, .on_stopped_leading = started};
    ck_leader_config bad = {.lease_duration_ms = 10 * S, .renew_deadline_ms = 10 * S};
    CHECK(ck_leader_new(NULL, "kube-system", "kcm", "me", &bad, &cb, &err) == NULL);
    CHECK(err && strstr(err->message, "leaseDuration must be greater than renewDeadline"));
    ck_err_free(err);
    err = NULL;
    bad = (ck_leader_config){.renew_deadline_ms = 2 * S, .retry_period_ms = 2 * S};
    CHECK(ck_leader_new(NULL, "kube-system", "kcm", "me", &bad, &cb, &err) == NULL);
    CHECK(err && strstr(err->message, "retryPeriod*JitterFactor"));
    ck_err_free(err);
    err = NULL;
    CHECK(ck_leader_new(NULL, "kube-system", "kcm", "", NULL, &cb, &err) == NULL);
    CHECK(err && strstr(err->message, "identity is empty"));
    ck_err_free(err);
    err = NULL;
    ck_leader_callbacks none = {0};
    CHECK(ck_leader_new(NULL, "kube-system", "kcm", "me", NULL, &none, &err) == NULL);
    CHECK(err != NULL);
    ck_err_free(err);

    char *id = ck_leader_identity();
    char *us = strrchr(id, '_');
    CHECK(us && us > id && strlen(us + 1) == 36);
    free(id);
}

int main(void)
{
    test_times();
    test_create();
    test_held_by_other();
    test_held_by_me();
    test_release_body();
    test_config();
    return UT_DONE();
}
