/* Protobuf request bodies: real kubectl v1.32 bodies (tests/unit/data/NAME.pb, captured with
 * `kubectl create ... -v=9`) decode to the JSON the same command prints with
 * `--dry-run=client -o json` (NAME.json), plus hand-built messages for the special JSON
 * forms and malformed input. Differences from kubectl's output, all client-side only:
 *   - kubectl v1.32 prints metadata.creationTimestamp: null; the 1.34 types mark it omitzero,
 *     so the decoded object leaves it out (the comparison drops it from the expectation). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/util.h"
#include "machinery/protobuf.h"
#include "ut.h"

static char data_dir[512];

/* ---- a tiny protobuf writer for hand-built messages ---- */

typedef struct pb {
    unsigned char b[4096];
    size_t n;
} pb;

static void put_varint(pb *p, uint64_t v)
{
    do {
        p->b[p->n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
}

static void put_int(pb *p, unsigned num, int64_t v)
{
    put_varint(p, num << 3);
    put_varint(p, (uint64_t)v);
}

static void put_bytes(pb *p, unsigned num, const void *s, size_t n)
{
    put_varint(p, num << 3 | 2);
    put_varint(p, n);
    memcpy(p->b + p->n, s, n);
    p->n += n;
}

static void put_str(pb *p, unsigned num, const char *s)
{
    put_bytes(p, num, s, strlen(s));
}

static void put_msg(pb *p, unsigned num, const pb *m)
{
    put_bytes(p, num, m->b, m->n);
}

/* The full body: magic + runtime.Unknown{typeMeta, raw}. */
static pb body(const char *api_version, const char *kind, const pb *raw)
{
    pb out = {.n = 4}, tm = {0};
    memcpy(out.b, "k8s\0", 4);
    put_str(&tm, 1, api_version);
    put_str(&tm, 2, kind);
    put_msg(&out, 1, &tm);
    if (raw) put_msg(&out, 2, raw);
    return out;
}

static json_t *decode(const pb *p)
{
    json_t *out = NULL;
    ck_err *err = NULL;
    if (ck_protobuf_decode((const char *)p->b, p->n, &out, &err) < 0) {
        fprintf(stderr, "decode error: %s\n", err->message);
        ck_err_free(err);
        return NULL;
    }
    return out;
}

/* Expects decoding to fail with 400; returns the message's prefix match. */
static void expect_400(const void *b, size_t n, const char *prefix)
{
    json_t *out = NULL;
    ck_err *err = NULL;
    int rc = ck_protobuf_decode(b, n, &out, &err);
    CHECK(rc < 0);
    CHECK(out == NULL);
    if (err) {
        CHECK_INT(err->code, 400);
        if (strncmp(err->message, prefix, strlen(prefix)) != 0) CHECK_STR(err->message, prefix);
        ck_err_free(err);
    }
}

static void check_json(json_t *got, const char *want_text, const char *what)
{
    json_error_t je;
    json_t *want = json_loads(want_text, 0, &je);
    bool ok = got && want && json_equal(got, want);
    if (!ok) {
        char *g = got ? json_dumps(got, JSON_SORT_KEYS) : NULL;
        fprintf(stderr, "%s:\n  got:  %s\n  want: %s\n", what, g ? g : "(null)", want_text);
        free(g);
    }
    CHECK(ok);
    json_decref(want);
    json_decref(got);
}

/* ---- fixtures ---- */

static void drop_null_creation_timestamps(json_t *v)
{
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_t *ct = json_object_get(v, "creationTimestamp");
        if (ct && json_is_null(ct)) json_object_del(v, "creationTimestamp");
        json_object_foreach(v, k, x) drop_null_creation_timestamps(x);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) drop_null_creation_timestamps(x);
    }
}

static char *fixture(const char *name, const char *ext, size_t *len)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s.%s", data_dir, name, ext);
    char *s = read_file(path, len);
    if (!s) fprintf(stderr, "missing fixture %s\n", path);
    return s;
}

static void test_fixture(const char *name)
{
    size_t n = 0;
    char *b = fixture(name, "pb", &n), *want_text = fixture(name, "json", NULL);
    CHECK(b && want_text);
    if (!b || !want_text) goto out;
    json_t *got = NULL, *want = json_loads(want_text, 0, NULL);
    ck_err *err = NULL;
    int rc = ck_protobuf_decode(b, n, &got, &err);
    if (rc < 0) fprintf(stderr, "%s: %s\n", name, err->message);
    CHECK_INT(rc, 0);
    drop_null_creation_timestamps(want);
    bool ok = got && want && json_equal(got, want);
    if (!ok) {
        char *g = got ? json_dumps(got, JSON_SORT_KEYS) : NULL;
        char *w = want ? json_dumps(want, JSON_SORT_KEYS) : NULL;
        fprintf(stderr, "%s:\n  got:  %s\n  want: %s\n", name, g, w);
        free(g);
        free(w);
    }
    CHECK(ok);
    /* Every prefix is rejected or decoded without a crash or leak. */
    for (size_t k = 0; k < n; k++) {
        json_t *o = NULL;
        ck_err *e = NULL;
        if (ck_protobuf_decode(b, k, &o, &e) < 0) CHECK(e && e->code == 400);
        json_decref(o);
        ck_err_free(e);
    }
    ck_err_free(err);
    json_decref(got);
    json_decref(want);
out:
    free(b);
    free(want_text);
}

static void test_fixtures(void)
{
    static const char *const names[] = {
        "configmap",
        "secret",
        "secret_docker",
        "deployment",
        "service",
        "service_nodeport",
        "namespace",
        "job",
        "cronjob",
        "role",
        "rolebinding",
        "clusterrole",
        "clusterrole_agg",
        "clusterrolebinding",
        "serviceaccount",
        "quota",
        "pdb",
        "priorityclass",
        "ingress",
    };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        test_fixture(names[i]);
}

/* `kubectl create token robot --duration=1h --audience=api` has no -o json form. */
static void test_token(void)
{
    size_t n = 0;
    char *b = fixture("token", "pb", &n);
    pb p = {.n = n};
    CHECK(b && n < sizeof p.b);
    if (!b || n >= sizeof p.b) return free(b);
    memcpy(p.b, b, n);
    free(b);
    check_json(decode(&p),
               "{\"kind\":\"TokenRequest\",\"apiVersion\":\"authentication.k8s.io/v1\","
               "\"metadata\":{},"
               "\"spec\":{\"audiences\":[\"api\"],\"expirationSeconds\":3600,"
               "\"boundObjectRef\":null},\"status\":{\"token\":\"\","
               "\"expirationTimestamp\":null}}",
               "token");
}

/* ---- hand-built messages ---- */

static void test_times(void)
{
    pb meta = {0}, ts = {0}, del = {0}, cm = {0};
    put_str(&meta, 1, "x");
    put_int(&ts, 1, 1704164645); /* 2024-01-02T03:04:05Z */
    put_int(&ts, 2, 999999999);  /* Time drops nanoseconds */
    put_msg(&meta, 8, &ts);
    put_int(&del, 1, 0); /* pointer Time at the epoch */
    put_msg(&meta, 9, &del);
    put_msg(&cm, 1, &meta);
    pb b = body("v1", "ConfigMap", &cm);
    check_json(decode(&b),
               "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\","
               "\"creationTimestamp\":\"2024-01-02T03:04:05Z\","
               "\"deletionTimestamp\":\"1970-01-01T00:00:00Z\"}}",
               "time");

    /* MicroTime keeps microseconds; negative seconds before the epoch. */
    pb lease = {0}, spec = {0}, rt = {0}, at = {0};
    put_int(&rt, 1, -1);
    put_int(&rt, 2, 123456789);
    put_msg(&spec, 4, &rt);
    put_int(&at, 1, 253402300799); /* 9999-12-31T23:59:59Z */
    put_msg(&spec, 3, &at);
    put_int(&spec, 2, 0);
    put_msg(&lease, 2, &spec);
    b = body("coordination.k8s.io/v1", "Lease", &lease);
    check_json(decode(&b),
               "{\"kind\":\"Lease\",\"apiVersion\":\"coordination.k8s.io/v1\",\"metadata\":{},"
               "\"spec\":{\"leaseDurationSeconds\":0,"
               "\"acquireTime\":\"9999-12-31T23:59:59.000000Z\","
               "\"renewTime\":\"1969-12-31T23:59:59.123456Z\"}}",
               "microtime");

    /* Years past 9999 have no JSON form here. */
    pb far = {0}, fspec = {0}, fl = {0};
    put_int(&far, 1, 253402300800);
    put_msg(&fspec, 4, &far);
    put_msg(&fl, 2, &fspec);
    b = body("coordination.k8s.io/v1", "Lease", &fl);
    expect_400(b.b, b.n, "the body of the request could not be decoded: Time");
}

static void test_scalars(void)
{
    /* Invalid UTF-8 becomes U+FFFD; map values missing on the wire are ""; unknown fields
     * (varint, fixed32/64, groups) are skipped. */
    pb cm = {0}, e1 = {0}, e2 = {0}, grp = {0};
    put_str(&e1, 1, "k");
    put_bytes(&e1, 2, "a\xff\xc3(b", 5);
    put_msg(&cm, 2, &e1);
    put_str(&e2, 1, "empty");
    put_msg(&cm, 2, &e2);
    put_int(&cm, 99, 7);
    put_varint(&cm, 98 << 3 | 1);
    memcpy(cm.b + cm.n, "12345678", 8);
    cm.n += 8;
    put_varint(&cm, 97 << 3 | 5);
    memcpy(cm.b + cm.n, "1234", 4);
    cm.n += 4;
    put_varint(&grp, 96 << 3 | 3);
    put_int(&grp, 1, 5);
    put_varint(&grp, 96 << 3 | 4);
    memcpy(cm.b + cm.n, grp.b, grp.n);
    cm.n += grp.n;
    put_int(&cm, 4, 1); /* immutable: a pointer bool */
    pb b = body("v1", "ConfigMap", &cm);
    check_json(decode(&b),
               "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{},"
               "\"immutable\":true,\"data\":{\"k\":\"a\\ufffd\\ufffd(b\",\"empty\":\"\"}}",
               "utf8");

    /* A pointer kept at zero, absent non-pointer structs at their zero value, a nil
     * non-omitempty slice as null, IntOrString as a string. */
    pb dep = {0}, spec = {0}, strat = {0}, ru = {0}, ios = {0};
    put_int(&spec, 1, 0);
    put_int(&ios, 1, 1);
    put_str(&ios, 3, "25%");
    put_msg(&ru, 1, &ios);
    put_msg(&strat, 2, &ru);
    put_msg(&spec, 4, &strat);
    put_msg(&dep, 2, &spec);
    b = body("apps/v1", "Deployment", &dep);
    check_json(decode(&b),
               "{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\",\"metadata\":{},"
               "\"spec\":{\"replicas\":0,\"selector\":null,\"template\":{\"metadata\":{},"
               "\"spec\":{\"containers\":null}},\"strategy\":{\"rollingUpdate\":"
               "{\"maxUnavailable\":\"25%\"}}},\"status\":{}}",
               "deployment");

    /* Packed and unpacked repeated int32 (a non-omitempty slice), negative int32. */
    pb job = {0}, jspec = {0}, pfp = {0}, rule = {0}, oec = {0}, packed = {0};
    put_varint(&packed, 1);
    put_varint(&packed, 42);
    put_varint(&packed, (uint64_t)-3);
    put_bytes(&oec, 3, packed.b, packed.n);
    put_int(&oec, 3, 7);
    put_str(&rule, 1, "FailJob");
    put_msg(&rule, 2, &oec);
    put_msg(&pfp, 1, &rule);
    put_msg(&jspec, 11, &pfp);
    put_msg(&job, 2, &jspec);
    b = body("batch/v1", "Job", &job);
    json_t *got = decode(&b);
    json_t *rules =
        json_object_get(json_object_get(json_object_get(got, "spec"), "podFailurePolicy"), "rules");
    char *s = json_dumps(json_array_get(rules, 0), JSON_SORT_KEYS);
    CHECK_STR(s, "{\"action\": \"FailJob\", \"onExitCodes\": {\"operator\": \"\", "
                 "\"values\": [1, 42, -3, 7]}}");
    free(s);
    json_decref(got);
}

static void test_embedded(void)
{
    /* RawExtension (JSON and a nested protobuf object), FieldsV1, Quantity canonical form. */
    pb cr = {0}, meta = {0}, mf = {0}, fv = {0};
    put_str(&meta, 1, "rev");
    put_str(&mf, 1, "kubectl");
    put_str(&fv, 1, "{\"f:data\":{}}");
    put_msg(&mf, 7, &fv);
    put_msg(&meta, 17, &mf);
    put_msg(&cr, 1, &meta);
    pb raw = {0};
    put_str(&raw, 1, "{\"spec\":{\"x\":[1,2]}}");
    put_msg(&cr, 2, &raw);
    put_int(&cr, 3, 4);
    pb b = body("apps/v1", "ControllerRevision", &cr);
    check_json(decode(&b),
               "{\"kind\":\"ControllerRevision\",\"apiVersion\":\"apps/v1\",\"metadata\":"
               "{\"name\":\"rev\",\"managedFields\":[{\"manager\":\"kubectl\","
               "\"fieldsV1\":{\"f:data\":{}}}]},\"data\":{\"spec\":{\"x\":[1,2]}},"
               "\"revision\":4}",
               "rawextension");

    pb ns = {0}, inner = {0}, cr2 = {0}, raw2 = {0};
    put_msg(&ns, 1, &(pb){0});
    inner = body("v1", "Namespace", &ns);
    put_bytes(&raw2, 1, inner.b, inner.n);
    put_msg(&cr2, 2, &raw2);
    b = body("apps/v1", "ControllerRevision", &cr2);
    check_json(decode(&b),
               "{\"kind\":\"ControllerRevision\",\"apiVersion\":\"apps/v1\",\"metadata\":{},"
               "\"data\":{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{},"
               "\"spec\":{},\"status\":{}},\"revision\":0}",
               "nested protobuf");

    pb bad = {0}, badraw = {0};
    put_str(&badraw, 1, "{not json");
    put_msg(&bad, 2, &badraw);
    b = body("apps/v1", "ControllerRevision", &bad);
    expect_400(b.b, b.n, "the body of the request could not be decoded: embedded object");

    pb rq = {0}, spec = {0}, e = {0}, q = {0};
    put_str(&q, 1, "1000m");
    put_str(&e, 1, "cpu");
    put_msg(&e, 2, &q);
    put_msg(&spec, 1, &e);
    put_msg(&rq, 2, &spec);
    b = body("v1", "ResourceQuota", &rq);
    check_json(decode(&b),
               "{\"kind\":\"ResourceQuota\",\"apiVersion\":\"v1\",\"metadata\":{},"
               "\"spec\":{\"hard\":{\"cpu\":\"1\"}},\"status\":{}}",
               "quantity");
    rq.n = spec.n = e.n = q.n = 0;
    put_str(&q, 1, "1.5.5");
    put_str(&e, 1, "cpu");
    put_msg(&e, 2, &q);
    put_msg(&spec, 1, &e);
    put_msg(&rq, 2, &spec);
    b = body("v1", "ResourceQuota", &rq);
    expect_400(b.b, b.n, "the body of the request could not be decoded: quantities must match");
}

static void test_lookup(void)
{
    CHECK(ck_pb_lookup("", "v1", "Pod") != NULL);
    CHECK(ck_pb_lookup("apps", "v1", "Deployment") != NULL);
    CHECK(ck_pb_lookup("apps", "v1", "DeploymentSpec") == NULL); /* not a kind */
    CHECK(ck_pb_lookup("policy", "v1", "DeleteOptions") != NULL);
    CHECK(ck_pb_lookup("", "v1", "Status") != NULL);
    CHECK(ck_pb_lookup("apps", "v1", "Status") == NULL);
    CHECK(ck_pb_lookup("", "v2", "Pod") == NULL);

    /* Eviction (kubectl drain) carries DeleteOptions with a pointer int64. */
    pb ev = {0}, meta = {0}, opts = {0};
    put_str(&meta, 1, "web-1");
    put_str(&meta, 3, "default");
    put_msg(&ev, 1, &meta);
    put_int(&opts, 1, 30);
    put_msg(&ev, 2, &opts);
    pb b = body("policy/v1", "Eviction", &ev);
    check_json(decode(&b),
               "{\"kind\":\"Eviction\",\"apiVersion\":\"policy/v1\",\"metadata\":"
               "{\"name\":\"web-1\",\"namespace\":\"default\"},"
               "\"deleteOptions\":{\"gracePeriodSeconds\":30}}",
               "eviction");
}

static void test_malformed(void)
{
    const char *pfx = "the body of the request could not be decoded: ";
    char msg[200];
    snprintf(msg, sizeof msg, "%sprovided data does not appear", pfx);
    expect_400("{\"kind\":\"Pod\"}", 14, msg);
    expect_400("k8s", 3, msg);
    snprintf(msg, sizeof msg, "%sempty", pfx);
    expect_400("", 0, msg);
    expect_400("k8s\0", 4, msg);
    snprintf(msg, sizeof msg, "%sunexpected EOF", pfx);
    expect_400("k8s\0\x0a\x80", 6, msg);                        /* truncated varint */
    expect_400("k8s\0\x0a\xff\xff\xff\xff\x0f", 10, msg);       /* length past the end */
    snprintf(msg, sizeof msg, "%sproto: negative length", pfx); /* 2^63 */
    expect_400("k8s\0\x0a\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 15, msg);
    snprintf(msg, sizeof msg, "%sproto: integer overflow", pfx);
    expect_400("k8s\0\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 16, msg);
    snprintf(msg, sizeof msg, "%sproto: illegal tag 0", pfx);
    expect_400("k8s\0\x00", 5, msg);

    pb b = body("v1", "Widget", NULL);
    expect_400(b.b, b.n, "no kind \"Widget\" is registered for version \"v1\" in scheme");
    b = body("v1", "", NULL);
    snprintf(msg, sizeof msg, "%sObject 'Kind' is missing", pfx);
    expect_400(b.b, b.n, msg);

    pb cm = {0};
    put_int(&cm, 1, 5); /* metadata as a varint */
    b = body("v1", "ConfigMap", &cm);
    snprintf(msg, sizeof msg, "%sproto: wrong wireType = 0", pfx);
    expect_400(b.b, b.n, msg);

    pb nul = {0}, entry = {0};
    put_str(&entry, 1, "k");
    put_bytes(&entry, 2, "a\0b", 3);
    put_msg(&nul, 2, &entry);
    b = body("v1", "ConfigMap", &nul);
    snprintf(msg, sizeof msg, "%sstring contains a NUL byte", pfx);
    expect_400(b.b, b.n, msg);

    /* Objects nested through RawExtension are cut off at a depth limit. */
    pb deep = body("v1", "Namespace", NULL);
    for (int i = 0; i < 40; i++) {
        pb raw = {0}, cr = {0};
        put_bytes(&raw, 1, deep.b, deep.n);
        put_msg(&cr, 2, &raw);
        deep = body("apps/v1", "ControllerRevision", &cr);
    }
    snprintf(msg, sizeof msg, "%smax depth exceeded", pfx);
    expect_400(deep.b, deep.n, msg);
}

int main(void)
{
    const char *slash = strrchr(__FILE__, '/');
    snprintf(data_dir, sizeof data_dir, "%.*s/data", slash ? (int)(slash - __FILE__) : 1,
             slash ? __FILE__ : ".");
    test_fixtures();
    test_token();
    test_times();
    test_scalars();
    test_embedded();
    test_lookup();
    test_malformed();
    return UT_DONE();
}
