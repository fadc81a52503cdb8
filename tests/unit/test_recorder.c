/* The event recorder's pure parts: making an Event from an object or a reference, the
 * correlator's keys, counting identical events (PATCH with count+1), aggregating similar
 * ones, the spam filter and the LRU bound. */
#include <stdlib.h>

#include "client/recorder.h"
#include "lib/util.h"
#include "ut.h"

#define SEC ((int64_t)1000000000)
static const int64_t T0 = 1700000000 * SEC + 123456789; /* 2023-11-14T22:13:20Z */

static json_t *pod(const char *name)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "apiVersion", "v1", "kind", "Pod",
                     "metadata", "name", name, "namespace", "ns1", "uid", "uid-1",
                     "resourceVersion", "7");
}

static const char *s_at(const json_t *o, const char *a, const char *b)
{
    const json_t *v = json_object_get(o, a);
    if (b) v = json_object_get(v, b);
    return json_string_value(v);
}

static long long count_of(const json_t *ev)
{
    return json_integer_value(json_object_get(ev, "count"));
}

static json_t *make(const json_t *obj, const char *reason, const char *msg, int64_t now)
{
    return ck_event_make(obj, "deployment-controller", "", "Normal", reason, msg, now);
}

static void test_make(void)
{
    json_t *p = pod("web-1");
    json_t *ev = ck_event_make(p, "kubelet", "node-a", "Warning", "BackOff", "restarting", T0);
    CHECK_STR(s_at(ev, "kind", NULL), "Event");
    CHECK_STR(s_at(ev, "apiVersion", NULL), "v1");
    CHECK_STR(s_at(ev, "metadata", "name"), "web-1.17979cfe3d85cd15");
    CHECK_STR(s_at(ev, "metadata", "namespace"), "ns1");
    CHECK_STR(s_at(ev, "involvedObject", "kind"), "Pod");
    CHECK_STR(s_at(ev, "involvedObject", "apiVersion"), "v1");
    CHECK_STR(s_at(ev, "involvedObject", "name"), "web-1");
    CHECK_STR(s_at(ev, "involvedObject", "namespace"), "ns1");
    CHECK_STR(s_at(ev, "involvedObject", "uid"), "uid-1");
    CHECK_STR(s_at(ev, "involvedObject", "resourceVersion"), "7");
    CHECK(!json_object_get(json_object_get(ev, "involvedObject"), "fieldPath"));
    CHECK_STR(s_at(ev, "reason", NULL), "BackOff");
    CHECK_STR(s_at(ev, "message", NULL), "restarting");
    CHECK_STR(s_at(ev, "type", NULL), "Warning");
    CHECK_STR(s_at(ev, "source", "component"), "kubelet");
    CHECK_STR(s_at(ev, "source", "host"), "node-a");
    CHECK_STR(s_at(ev, "reportingComponent", NULL), "kubelet");
    CHECK_STR(s_at(ev, "reportingInstance", NULL), "node-a");
    CHECK_STR(s_at(ev, "firstTimestamp", NULL), "2023-11-14T22:13:20Z");
    CHECK_STR(s_at(ev, "lastTimestamp", NULL), "2023-11-14T22:13:20Z");
    CHECK_INT(count_of(ev), 1);
    json_decref(ev);
    json_decref(p);

    /* Cluster-scoped: the event goes to "default"; no host: no source.host. */
    json_t *node = json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "v1", "kind", "Node",
                             "metadata", "name", "node-a", "uid", "n-1");
    ev = make(node, "Ready", "ok", T0);
    CHECK_STR(s_at(ev, "metadata", "namespace"), "default");
    CHECK(!json_object_get(json_object_get(ev, "involvedObject"), "namespace"));
    CHECK(!json_object_get(json_object_get(ev, "source"), "host"));
    CHECK_STR(s_at(ev, "reportingInstance", NULL), "");
    json_decref(ev);
    json_decref(node);

    /* A reference (no metadata) is used as is, fieldPath included. */
    json_t *ref = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", "Pod", "apiVersion", "v1",
                            "namespace", "ns2", "name", "p", "fieldPath", "spec.containers{c}");
    ev = make(ref, "Pulled", "image", T0);
    CHECK_STR(s_at(ev, "metadata", "namespace"), "ns2");
    CHECK_STR(s_at(ev, "involvedObject", "fieldPath"), "spec.containers{c}");
    json_decref(ev);
    json_decref(ref);

    /* A name that makes an invalid event name gets a UUID. */
    json_t *odd = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Thing", "metadata",
                            "name", "Has:Colon");
    ev = make(odd, "R", "m", T0);
    CHECK(strlen(s_at(ev, "metadata", "name")) == 36);
    json_decref(ev);
    json_decref(odd);

    /* No kind: nothing (logged). Bad UTF-8 in the message is replaced. */
    json_t *nokind = json_pack("{s:{s:s}}", "metadata", "name", "x");
    CHECK(make(nokind, "R", "m", T0) == NULL);
    json_decref(nokind);
    p = pod("web-1");
    ev = make(p, "R", "bad \xff byte", T0);
    CHECK_STR(s_at(ev, "message", NULL), "bad ? byte");
    json_decref(ev);
    json_decref(p);
}

static void test_keys(void)
{
    json_t *p = pod("web-1");
    json_t *a = make(p, "Scaled", "to 1", T0), *b = make(p, "Scaled", "to 2", T0 + SEC),
           *c = make(p, "Deleted", "to 1", T0);
    cleanup_free char *ka = ck_event_key(a), *kb = ck_event_key(b), *kc = ck_event_key(c);
    cleanup_free char *sa = ck_event_spam_key(a), *sb = ck_event_spam_key(b),
                      *sc = ck_event_spam_key(c);
    cleanup_free char *aa = ck_event_aggregate_key(a), *ab = ck_event_aggregate_key(b),
                      *ac = ck_event_aggregate_key(c);
    CHECK(!streq(ka, kb) && !streq(ka, kc)); /* message and reason are in the event key */
    cleanup_free char *ka2 = NULL;
    json_t *a2 = make(p, "Scaled", "to 1", T0 + 5 * SEC); /* another time, another name */
    ka2 = ck_event_key(a2);
    CHECK_STR(ka2, ka);
    CHECK(streq(sa, sb) && streq(sa, sc));  /* spam: source + object + type */
    CHECK(streq(aa, ab) && !streq(aa, ac)); /* aggregate: not the message */
    json_decref(a);
    json_decref(a2);
    json_decref(b);
    json_decref(c);
    json_decref(p);
}

/* Correlates ev made at now; returns the result's event (new reference) or NULL. */
static json_t *correlate(ck_event_correlator *c, const json_t *obj, const char *reason,
                         const char *msg, int64_t now, json_t **patch)
{
    json_t *ev = make(obj, reason, msg, now);
    ck_event_correlation r;
    ck_event_correlate(c, ev, now, &r);
    json_decref(ev);
    json_t *out = steal_pointer(&r.event);
    if (patch) *patch = steal_pointer(&r.patch);
    ck_event_correlation_clear(&r);
    return out;
}

static void test_count(void)
{
    ck_event_correlator c;
    ck_event_correlator_init(&c);
    json_t *p = pod("web-1"), *patch;
    json_t *e1 = correlate(&c, p, "Scaled", "to 3", T0, &patch);
    CHECK(e1 && patch == NULL);
    CHECK_INT(count_of(e1), 1);
    /* The server's copy, with its resourceVersion. */
    json_object_set_new(json_object_get(e1, "metadata"), "resourceVersion", json_string("100"));
    ck_event_correlator_update(&c, e1);

    json_t *e2 = correlate(&c, p, "Scaled", "to 3", T0 + 65 * SEC, &patch);
    CHECK_INT(count_of(e2), 2);
    CHECK_STR(s_at(e2, "metadata", "name"), s_at(e1, "metadata", "name"));
    CHECK_STR(s_at(e2, "metadata", "resourceVersion"), "100");
    CHECK_STR(s_at(e2, "firstTimestamp", NULL), "2023-11-14T22:13:20Z");
    CHECK_STR(s_at(e2, "lastTimestamp", NULL), "2023-11-14T22:14:25Z");
    CHECK(patch && json_object_size(patch) == 3);
    CHECK_INT(json_integer_value(json_object_get(patch, "count")), 2);
    CHECK_STR(s_at(patch, "lastTimestamp", NULL), "2023-11-14T22:14:25Z");
    CHECK_STR(s_at(patch, "message", NULL), "to 3");
    json_decref(patch);

    /* Without waiting for the server: the count still goes on. */
    json_t *e3 = correlate(&c, p, "Scaled", "to 3", T0 + 66 * SEC, &patch);
    CHECK_INT(count_of(e3), 3);
    json_decref(patch);

    /* A different message is a different event. */
    json_t *e4 = correlate(&c, p, "Scaled", "to 4", T0 + 67 * SEC, &patch);
    CHECK_INT(count_of(e4), 1);
    CHECK(patch == NULL);
    CHECK(!streq(s_at(e4, "metadata", "name"), s_at(e1, "metadata", "name")));
    json_decref(e1);
    json_decref(e2);
    json_decref(e3);
    json_decref(e4);
    json_decref(p);
    ck_event_correlator_clear(&c);
}

static void test_aggregate(void)
{
    ck_event_correlator c;
    ck_event_correlator_init(&c);
    json_t *p = pod("web-1"), *patch;
    char msg[32];
    /* Nine different messages: each its own event. */
    for (int i = 1; i <= 9; i++) {
        snprintf(msg, sizeof msg, "attempt %d", i);
        json_t *e = correlate(&c, p, "FailedCreate", msg, T0 + i * SEC, NULL);
        CHECK_STR(s_at(e, "message", NULL), msg);
        json_decref(e);
    }
    /* The tenth within 10 minutes: a combined event. */
    json_t *e10 = correlate(&c, p, "FailedCreate", "attempt 10", T0 + 10 * SEC, &patch);
    CHECK_STR(s_at(e10, "message", NULL), "(combined from similar events): attempt 10");
    CHECK_INT(count_of(e10), 1);
    CHECK(patch == NULL);
    CHECK_STR(s_at(e10, "reason", NULL), "FailedCreate");
    CHECK_STR(s_at(e10, "involvedObject", "name"), "web-1");
    /* The eleventh: the combined event is patched with the latest message. */
    json_t *e11 = correlate(&c, p, "FailedCreate", "attempt 11", T0 + 11 * SEC, &patch);
    CHECK_INT(count_of(e11), 2);
    CHECK_STR(s_at(e11, "metadata", "name"), s_at(e10, "metadata", "name"));
    CHECK_STR(s_at(patch, "message", NULL), "(combined from similar events): attempt 11");
    json_decref(patch);
    /* Another reason is another group. */
    json_t *other = correlate(&c, p, "Scaled", "x", T0 + 12 * SEC, NULL);
    CHECK_STR(s_at(other, "message", NULL), "x");
    /* More than 10 minutes after the last similar event: a fresh group. */
    json_t *late = correlate(&c, p, "FailedCreate", "attempt 12", T0 + 622 * SEC, NULL);
    CHECK_STR(s_at(late, "message", NULL), "attempt 12");
    json_decref(e10);
    json_decref(e11);
    json_decref(other);
    json_decref(late);
    json_decref(p);
    ck_event_correlator_clear(&c);
}

static void test_spam(void)
{
    ck_event_correlator c;
    ck_event_correlator_init(&c);
    json_t *p = pod("web-1"), *q = pod("web-2");
    int sent = 0;
    for (int i = 0; i < 30; i++) {
        json_t *e = correlate(&c, p, "Unhealthy", "probe failed", T0 + i * SEC, NULL);
        sent += e != NULL;
        if (e && i == 24) CHECK_INT(count_of(e), 25);
        json_decref(e);
    }
    CHECK_INT(sent, 25); /* burst 25 per source + object */
    /* Another object has its own bucket. */
    json_t *e = correlate(&c, q, "Unhealthy", "probe failed", T0 + 30 * SEC, NULL);
    CHECK(e != NULL);
    json_decref(e);
    /* Warning events of the same object are another bucket (upstream's key has the type). */
    json_t *w = ck_event_make(p, "deployment-controller", "", "Warning", "Unhealthy", "w", T0);
    ck_event_correlation r;
    ck_event_correlate(&c, w, T0 + 31 * SEC, &r);
    CHECK(!r.skip && r.event);
    ck_event_correlation_clear(&r);
    json_decref(w);
    /* One token every 5 minutes; the count went on while events were dropped. */
    e = correlate(&c, p, "Unhealthy", "probe failed", T0 + 200 * SEC, NULL);
    CHECK(e == NULL);
    e = correlate(&c, p, "Unhealthy", "probe failed", T0 + 330 * SEC, NULL);
    CHECK(e != NULL);
    CHECK_INT(count_of(e), 32);
    json_decref(e);
    e = correlate(&c, p, "Unhealthy", "probe failed", T0 + 331 * SEC, NULL);
    CHECK(e == NULL);
    json_decref(p);
    json_decref(q);
    ck_event_correlator_clear(&c);
}

static void test_lru(void)
{
    ck_event_correlator c;
    ck_event_correlator_init(&c);
    c.max_entries = 2;
    json_t *p = pod("web-1");
    json_t *a = correlate(&c, p, "A", "a", T0, NULL);
    json_t *b = correlate(&c, p, "B", "b", T0 + SEC, NULL);
    json_t *a2 = correlate(&c, p, "A", "a", T0 + 2 * SEC, NULL); /* a is now the newest */
    CHECK_INT(count_of(a2), 2);
    json_t *cc = correlate(&c, p, "C", "c", T0 + 3 * SEC, NULL); /* evicts b */
    CHECK(json_object_size(c.observed) == 2 && json_object_size(c.spam) <= 2);
    json_t *b2 = correlate(&c, p, "B", "b", T0 + 4 * SEC, NULL);
    CHECK_INT(count_of(b2), 1); /* forgotten: a new Event */
    CHECK(!streq(s_at(b2, "metadata", "name"), s_at(b, "metadata", "name")));
    json_t *a3 = correlate(&c, p, "A", "a", T0 + 5 * SEC, NULL); /* evicted by b2 */
    CHECK_INT(count_of(a3), 1);
    json_decref(a);
    json_decref(b);
    json_decref(a2);
    json_decref(cc);
    json_decref(b2);
    json_decref(a3);
    json_decref(p);
    ck_event_correlator_clear(&c);
}

int main(void)
{
    test_make();
    test_keys();
    test_count();
    test_aggregate();
    test_spam();
    test_lru();
    return UT_DONE();
}
