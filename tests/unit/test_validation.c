/* Field error lists, 422 Invalid errors and validators; expectations follow upstream's
 * field/errors_test.go, validation_test.go and api/validation/objectmeta_test.go. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "machinery/validation.h"
#include "ut.h"

#define QNAME_RE                                                                                   \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "    \
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "         \
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define SUBDOMAIN_MSG                                                                              \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "   \
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "       \
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define LABEL_MSG                                                                                  \
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "   \
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "     \
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

/* The aggregate text of fe, or "" (caller frees). */
static char *agg(const ck_field_errors *fe)
{
    char *s = ck_ferrs_aggregate(fe);
    return s ? s : xstrdup("");
}

static void expect_agg(ck_field_errors *fe, const char *want)
{
    char *got = agg(fe);
    CHECK_STR(got, want);
    free(got);
}

static void test_bodies(void)
{
    ck_field_errors *fe = ck_ferrs_new();
    ck_ferr_required(fe, "spec.containers", NULL);
    ck_ferr_required(fe, "metadata.name", "name or generateName is required");
    ck_ferr_forbidden(fe, "spec.x", "disallowed");
    ck_ferr_forbidden(fe, "spec.y", "");
    ck_ferr_invalid_int(fe, "spec.replicas", -1, "must be greater than or equal to 0");
    ck_ferr_invalid_str(fe, "metadata.name", "Web_1", "bad");
    const char *const policies[] = {"Always", "OnFailure", "Never", NULL};
    json_t *v = json_string("Sometimes");
    ck_ferr_not_supported(fe, "spec.restartPolicy", v, policies);
    ck_ferr_not_supported(fe, "spec.z", v, NULL);
    ck_ferr_duplicate(fe, "spec.containers[1].name", v);
    ck_ferr_not_found(fe, "spec.volumes[0]", v);
    json_decref(v);
    ck_ferr_too_long(fe, "metadata.annotations", CK_TOTAL_ANNOTATION_SIZE);
    ck_ferr_too_long(fe, "a", 1);
    ck_ferr_too_long(fe, "b", -1);
    ck_ferr_too_many(fe, "spec.items", 5, 3);
    ck_ferr_too_many(fe, "spec.items", -1, 1);
    ck_ferr_too_many(fe, "spec.items", 2, -1);
    ck_ferr_internal(fe, "spec", "boom");
    v = json_integer(7);
    ck_ferr_type_invalid(fe, "spec.name", v, "must be of type string");
    json_decref(v);
    static const char *const want[] = {
        "spec.containers: Required value",
        "metadata.name: Required value: name or generateName is required",
        "spec.x: Forbidden: disallowed",
        "spec.y: Forbidden",
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
        "metadata.name: Invalid value: \"Web_1\": bad",
        ("spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", "
         "\"OnFailure\", \"Never\""),
        "spec.z: Unsupported value: \"Sometimes\"",
        "spec.containers[1].name: Duplicate value: \"Sometimes\"",
        "spec.volumes[0]: Not found: \"Sometimes\"",
        "metadata.annotations: Too long: may not be more than 262144 bytes",
        "a: Too long: may not be more than 1 byte",
        "b: Too long: value is too long",
        "spec.items: Too many: 5: must have at most 3 items",
        "spec.items: Too many: must have at most 1 item",
        "spec.items: Too many: 2: has too many items",
        "spec: Internal error: boom",
        "spec.name: Invalid value: 7: must be of type string",
    };
    CHECK_INT(ck_ferrs_count(fe), ARRAY_SIZE(want));
    for (unsigned i = 0; i < ARRAY_SIZE(want); i++)
        CHECK_STR(ck_ferrs_text(fe, i), want[i]);
    CHECK(ck_ferrs_text(fe, 99) == NULL);
    ck_ferrs_free(fe);
}

static void expect_value(const char *json, const char *want)
{
    json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
    CHECK(v != NULL);
    ck_field_errors *fe = ck_ferrs_new();
    ck_ferr_invalid(fe, "f", v, "d");
    char *exp = xasprintf("f: Invalid value: %s: d", want);
    CHECK_STR(ck_ferrs_text(fe, 0), exp);
    free(exp);
    ck_ferrs_free(fe);
    json_decref(v);
}

static void test_values(void)
{
    expect_value("\"abc\"", "\"abc\"");
    expect_value("\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\"", "\"a\\\"b\\\\c\\n\\t\\x01\\x7f\"");
    expect_value("\"r\\u0101\\u00a0\"", "\"r\xc4\x81\\u00a0\"");
    expect_value("-12", "-12");
    expect_value("true", "true");
    expect_value("false", "false");
    expect_value("null", "null");
    expect_value("1.5", "1.5");
    expect_value("0.1", "0.1");
    expect_value("1e6", "1e+06");
    expect_value("123456.0", "123456");
    expect_value("1234567.0", "1.234567e+06");
    expect_value("0.0001", "0.0001");
    expect_value("0.00001", "1e-05");
    expect_value("-2.5e-7", "-2.5e-07");
    expect_value("1e21", "1e+21");
    expect_value("[\"a\",\"b\"]", "[\"a\",\"b\"]");
    expect_value("[]", "[]");
    expect_value("{\"k\":[1,2]}", "{\"k\":[1,2]}");
    expect_value("[\"<a&b>\"]", "[\"\\u003ca\\u0026b\\u003e\"]");
    ck_field_errors *fe = ck_ferrs_new();
    ck_ferr_invalid(fe, "f", NULL, NULL);
    ck_ferr_invalid_str(fe, "g", "\xff", "");
    ck_ferr_invalid_str(fe, NULL, "x", "y");
    CHECK_STR(ck_ferrs_text(fe, 0), "f: Invalid value: null");
    CHECK_STR(ck_ferrs_text(fe, 1), "g: Invalid value: \"\\xff\"");
    CHECK_STR(ck_ferrs_text(fe, 2), "<nil>: Invalid value: \"x\": y");
    ck_ferrs_free(fe);
    char *q = ck_quote("tab\there \xe2\x80\xa8 \xed\xa0\x80");
    CHECK_STR(q, "\"tab\\there \\u2028 \\xed\\xa0\\x80\"");
    free(q);
}

static void test_to_err(void)
{
    ck_field_errors *fe = ck_ferrs_new();
    ck_err *err = NULL;
    CHECK(ck_ferrs_empty(fe));
    CHECK(ck_ferrs_aggregate(fe) == NULL);
    CHECK_INT(ck_ferrs_to_err(fe, "Deployment", "apps", "web", &err), 0);
    CHECK(err == NULL);

    ck_ferr_invalid_int(fe, "spec.replicas", -1, "must be greater than or equal to 0");
    CHECK_INT(ck_ferrs_to_err(fe, "Deployment", "apps", "web", &err), -1);
    CHECK_INT(err->code, 422);
    CHECK_STR(err->reason, "Invalid");
    CHECK_STR(err->message, "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: "
                            "-1: must be greater than or equal to 0");
    json_t *want = json_loads(
        "{\"name\":\"web\",\"group\":\"apps\",\"kind\":\"Deployment\",\"causes\":[{\"reason\":"
        "\"FieldValueInvalid\",\"message\":\"Invalid value: -1: must be greater than or equal "
        "to 0\",\"field\":\"spec.replicas\"}]}",
        0, NULL);
    CHECK(json_equal(err->details, want));
    char *keys = json_dumps(err->details, JSON_COMPACT);
    CHECK(strncmp(keys, "{\"name\":\"web\",\"group\":\"apps\",\"kind\":\"Deployment\",", 48) == 0);
    free(keys);
    json_decref(want);
    ck_err_free(err);
    err = NULL;

    /* several errors: bracketed, duplicates dropped from the message but not the causes */
    ck_ferr_required(fe, "spec.selector", NULL);
    ck_ferr_invalid_int(fe, "spec.replicas", -1, "must be greater than or equal to 0");
    CHECK_INT(ck_ferrs_to_err(fe, "Pod", "", "p\"1", &err), -1);
    CHECK_STR(err->message, "Pod \"p\\\"1\" is invalid: [spec.replicas: Invalid value: -1: must "
                            "be greater than or equal to 0, spec.selector: Required value]");
    CHECK(json_object_get(err->details, "group") == NULL);
    CHECK_STR(json_string_value(json_object_get(err->details, "kind")), "Pod");
    CHECK_INT(json_array_size(json_object_get(err->details, "causes")), 3);
    json_t *c1 = json_array_get(json_object_get(err->details, "causes"), 1);
    CHECK_STR(json_string_value(json_object_get(c1, "reason")), "FieldValueRequired");
    CHECK_STR(json_string_value(json_object_get(c1, "message")), "Required value");
    CHECK_STR(json_string_value(json_object_get(c1, "field")), "spec.selector");
    ck_err_free(err);
    err = NULL;

    /* only duplicates: a single message without brackets */
    ck_field_errors *dup = ck_ferrs_new();
    ck_ferr_required(dup, "a", NULL);
    ck_ferr_required(dup, "a", NULL);
    expect_agg(dup, "a: Required value");
    CHECK_INT(ck_ferrs_to_err(dup, "ConfigMap", NULL, NULL, &err), -1);
    CHECK_STR(err->message, "ConfigMap \"\" is invalid: a: Required value");
    CHECK(json_object_get(err->details, "name") == NULL);
    ck_err_free(err);
    ck_ferrs_free(dup);
    ck_ferrs_free(fe);
}

static unsigned count(unsigned (*fn)(const char *, ck_msgs *), const char *v)
{
    ck_msgs m = {0};
    unsigned n = fn(v, &m);
    CHECK_INT(m.n, n);
    ck_msgs_free(&m);
    CHECK_INT(fn(v, NULL), n);
    return n;
}

static void check_all(unsigned (*fn)(const char *, ck_msgs *), const char *const *vals, size_t n,
                      bool good)
{
    for (size_t i = 0; i < n; i++) {
        unsigned c = count(fn, vals[i]);
        if ((c == 0) != good) fprintf(stderr, "'%s' expected %s\n", vals[i], good ? "ok" : "bad");
        CHECK((c == 0) == good);
    }
}

static char *rep(char c, int n)
{
    char *s = xmalloc((size_t)n + 1);
    memset(s, c, (size_t)n);
    s[n] = '\0';
    return s;
}

static char *msgs(unsigned (*fn)(const char *, ck_msgs *), const char *v)
{
    ck_msgs m = {0};
    fn(v, &m);
    char *s = ck_msgs_join(&m, " | ");
    ck_msgs_free(&m);
    return s;
}

static void expect_msgs(unsigned (*fn)(const char *, ck_msgs *), const char *v, const char *want)
{
    char *got = msgs(fn, v);
    CHECK_STR(got, want);
    free(got);
}

static void test_validators(void)
{
    char *a63 = rep('a', 63), *a64 = rep('a', 64), *a253 = rep('a', 253), *a254 = rep('a', 254);
    char *b63 = rep('b', 63), *long_q = xasprintf("%s/%s", a253, b63);
    char *long_prefix = xasprintf("%s/abc", a254);
    const char *label_good[] = {"a",  "ab",  "abc", "a1",  "a-1",        "a--1--2--b", "0",
                                "01", "012", "1a",  "1-a", "1--a--b--2", a63};
    const char *label_bad[] = {"",    "A",  "ABC", "aBc", "A1",  "A-1", "1-A", "-",   "a-",
                               "-a",  "1-", "-1",  "_",   "a_",  "_a",  "a_b", "1_",  "_1",
                               "1_2", ".",  "a.",  ".a",  "a.b", "1.",  ".1",  "1.2", " ",
                               "a ",  " a", "a b", "1 ",  " 1",  "1 2", a64,   "a\n"};
    check_all(ck_is_dns1123_label, label_good, ARRAY_SIZE(label_good), true);
    check_all(ck_is_dns1123_label, label_bad, ARRAY_SIZE(label_bad), false);
    const char *sub_good[] = {"a",
                              "ab",
                              "abc",
                              "a1",
                              "a-1",
                              "a--1--2--b",
                              "0",
                              "01",
                              "012",
                              "1a",
                              "1-a",
                              "1--a--b--2",
                              "a.a",
                              "ab.a",
                              "abc.a",
                              "a1.a",
                              "a-1.a",
                              "a--1--2--b.a",
                              "a.1",
                              "ab.1",
                              "abc.1",
                              "a1.1",
                              "a-1.1",
                              "a--1--2--b.1",
                              "0.a",
                              "01.a",
                              "012.a",
                              "1a.a",
                              "1-a.a",
                              "0.1",
                              "01.1",
                              "012.1",
                              "1a.1",
                              "1-a.1",
                              "1--a--b--2.1",
                              "a.b.c.d.e",
                              "aa.bb.cc.dd.ee",
                              "1.2.3.4.5",
                              "11.22.33.44.55",
                              a253};
    const char *sub_bad[] = {"",
                             "A",
                             "ABC",
                             "aBc",
                             "A1",
                             "A-1",
                             "1-A",
                             "-",
                             "a-",
                             "-a",
                             "1-",
                             "-1",
                             "_",
                             "a_",
                             "_a",
                             "a_b",
                             "1_",
                             "_1",
                             "1_2",
                             ".",
                             "a.",
                             ".a",
                             "a..b",
                             "1.",
                             ".1",
                             "1..2",
                             " ",
                             "a ",
                             " a",
                             "a b",
                             "1 ",
                             " 1",
                             "1 2",
                             "A.a",
                             "aB.a",
                             "ab.A",
                             "A1.a",
                             "a1.A",
                             "A.1",
                             "aB.1",
                             "A1.1",
                             "1A.1",
                             "0.A",
                             "01.A",
                             "012.A",
                             "1A.a",
                             "1a.A",
                             "A.B.C.D.E",
                             "AA.BB.CC.DD.EE",
                             "a.B.c.d.e",
                             "aa.bB.cc.dd.ee",
                             "a@b",
                             "a,b",
                             "a;b",
                             "a:b",
                             "a%b",
                             "a?b",
                             "a$b",
                             a254};
    check_all(ck_is_dns1123_subdomain, sub_good, ARRAY_SIZE(sub_good), true);
    check_all(ck_is_dns1123_subdomain, sub_bad, ARRAY_SIZE(sub_bad), false);
    const char *l1035_good[] = {"a", "ab", "abc", "a1", "a-1", "a--1--2--b", a63};
    const char *l1035_bad[] = {"0",   "01",  "012", "1a",  "1-a", "1--a--b--2", "",    "A",
                               "ABC", "aBc", "A1",  "A-1", "1-A", "-",          "a-",  "-a",
                               "1-",  "-1",  "_",   "a_",  "_a",  "a_b",        "1_",  "_1",
                               "1_2", ".",   "a.",  ".a",  "a.b", "1.",         ".1",  "1.2",
                               " ",   "a ",  " a",  "a b", "1 ",  " 1",         "1 2", a64};
    check_all(ck_is_dns1035_label, l1035_good, ARRAY_SIZE(l1035_good), true);
    check_all(ck_is_dns1035_label, l1035_bad, ARRAY_SIZE(l1035_bad), false);
    const char *q_good[] = {"simple",
                            "now-with-dashes",
                            "1-starts-with-num",
                            "1234",
                            "simple/simple",
                            "now-with-dashes/simple",
                            "now-with-dashes/now-with-dashes",
                            "now.with.dots/simple",
                            "now-with.dashes-and.dots/simple",
                            "1-num.2-num/3-num",
                            "1234/5678",
                            "1.2.3.4/5678",
                            "Uppercase_Is_OK_123",
                            "example.com/Uppercase_Is_OK_123",
                            "requests.storage-foo",
                            a63,
                            long_q};
    const char *q_bad[] = {"nospecialchars%^=@",
                           "cantendwithadash-",
                           "-cantstartwithadash-",
                           "only/one/slash",
                           "Example.com/abc",
                           "example_com/abc",
                           "example.com/",
                           "/simple",
                           a64,
                           long_prefix,
                           ""};
    check_all(ck_is_qualified_name, q_good, ARRAY_SIZE(q_good), true);
    check_all(ck_is_qualified_name, q_bad, ARRAY_SIZE(q_bad), false);
    const char *v_good[] = {
        "simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", a63, ""};
    const char *v_bad[] = {"nospecialchars%^=@",      "Tama-nui-te-r\xc4\x81.is.M\xc4\x81ori.sun",
                           "\\backslashes\\are\\bad", "-starts-with-dash",
                           "ends-with-dash-",         ".starts.with.dot",
                           "ends.with.dot.",          a64};
    check_all(ck_is_valid_label_value, v_good, ARRAY_SIZE(v_good), true);
    check_all(ck_is_valid_label_value, v_bad, ARRAY_SIZE(v_bad), false);

    /* exact texts */
    expect_msgs(ck_is_dns1123_label, "a.b", "must not contain dots");
    expect_msgs(ck_is_dns1123_label, "A", LABEL_MSG);
    expect_msgs(ck_is_dns1123_label, a64, "must be no more than 63 characters");
    expect_msgs(ck_is_dns1123_subdomain, "Web", SUBDOMAIN_MSG);
    expect_msgs(ck_is_dns1035_label, "1a",
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                "start with an alphabetic character, and end with an alphanumeric character "
                "(e.g. 'my-name',  or 'abc-123', regex used for validation is "
                "'[a-z]([-a-z0-9]*[a-z0-9])?')");
    expect_msgs(ck_is_qualified_name, "a/b/c",
                "a qualified name " QNAME_RE " with an optional DNS subdomain prefix and '/' "
                "(e.g. 'example.com/MyName')");
    expect_msgs(ck_is_qualified_name, "Example.com/",
                "prefix part " SUBDOMAIN_MSG " | name part must be non-empty | name "
                "part " QNAME_RE);
    expect_msgs(ck_is_qualified_name, "/a", "prefix part must be non-empty");
    expect_msgs(ck_is_qualified_name, a64, "name part must be no more than 63 characters");
    expect_msgs(ck_is_valid_label_value, "-x",
                "a valid label must be an empty string or consist of alphanumeric characters, "
                "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
                "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");

    /* name functions: generateName may end with '-' */
    ck_msgs m = {0};
    CHECK_INT(ck_name_is_dns_subdomain("foo-", true, &m), 0);
    CHECK_INT(ck_name_is_dns_label("foo-", true, NULL), 0);
    CHECK_INT(ck_name_is_dns1035_label("foo-", true, NULL), 0);
    CHECK_INT(ck_name_is_dns_subdomain("-", true, NULL), 1);
    CHECK_INT(ck_name_is_dns_subdomain("foo-", false, NULL), 1);
    CHECK_INT(ck_name_is_dns1035_label("a-", true, NULL), 0); /* masked to "a" */
    free(a63), free(a64), free(a253), free(a254), free(b63), free(long_q), free(long_prefix);
}

/* Validates a metadata object (create or update) and returns the aggregate text. */
static char *meta_errs(const char *new_json, const char *old_json, bool namespaced, ck_name_fn fn)
{
    json_t *n = json_loads(new_json, 0, NULL), *o = old_json ? json_loads(old_json, 0, NULL) : NULL;
    CHECK(n != NULL);
    ck_field_errors *fe = ck_ferrs_new();
    if (o)
        ck_validate_object_meta_update(n, o, fe);
    else
        ck_validate_object_meta(n, namespaced, fn, fe);
    char *s = agg(fe);
    ck_ferrs_free(fe);
    json_decref(n);
    json_decref(o);
    return s;
}

static void expect_meta(const char *new_json, const char *old_json, bool namespaced, ck_name_fn fn,
                        const char *want)
{
    char *got = meta_errs(new_json, old_json, namespaced, fn);
    CHECK_STR(got, want);
    free(got);
}

static unsigned custom_name(const char *s, bool prefix, ck_msgs *out)
{
    (void)prefix;
    if (streq(s, "test")) return 0;
    if (out) out->v[out->n++] = xstrdup("name-gen");
    return 1;
}

static void test_object_meta(void)
{
    expect_meta("{\"name\":\"web\",\"namespace\":\"default\"}", NULL, true, NULL, "");
    expect_meta("{\"name\":\"test\",\"generateName\":\"foo\"}", NULL, false, custom_name,
                "metadata.generateName: Invalid value: \"foo\": name-gen");
    expect_meta("{\"name\":\"test\",\"generateName\":\"foo-\"}", NULL, false, NULL, "");
    expect_meta("{}", NULL, true, NULL,
                "[metadata.name: Required value: name or generateName is required, "
                "metadata.namespace: Required value]");
    expect_meta("{\"name\":\"Web_1\",\"namespace\":\"x\"}", NULL, false, NULL,
                "[metadata.name: Invalid value: \"Web_1\": " SUBDOMAIN_MSG
                ", metadata.namespace: Forbidden: not allowed on this type]");
    expect_meta("{\"name\":\"a.b\",\"namespace\":\"foo.bar\"}", NULL, true, ck_name_is_dns_label,
                "[metadata.name: Invalid value: \"a.b\": must not contain dots, "
                "metadata.namespace: Invalid value: \"foo.bar\": must not contain dots]");
    char *a64 = rep('a', 64), *j = xasprintf("{\"name\":\"t\",\"namespace\":\"A%s\"}", a64);
    char *got = meta_errs(j, NULL, true, NULL);
    CHECK(strstr(got, "must be no more than 63 characters") && strstr(got, LABEL_MSG));
    free(got), free(j), free(a64);
    expect_meta("{\"name\":\"t\",\"generation\":-1}", NULL, false, NULL,
                "metadata.generation: Invalid value: -1: must be greater than or equal to 0");
    expect_meta("{\"name\":\"t\",\"labels\":{\"-a\":\"b c\",\"ok\":\"fine\"}}", NULL, false, NULL,
                "[metadata.labels: Invalid value: \"-a\": name part " QNAME_RE
                ", metadata.labels: Invalid value: \"b c\": a valid label must be an empty "
                "string or consist of alphanumeric characters, '-', '_' or '.', and must start "
                "and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
                "'12345', regex used for validation is "
                "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]");
    expect_meta("{\"name\":\"t\",\"annotations\":{\"Example.COM/Key\":\"v\",\"a/b/c\":\"\"}}", NULL,
                false, NULL,
                "metadata.annotations: Invalid value: \"a/b/c\": a qualified name " QNAME_RE
                " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
    expect_meta("{\"name\":\"t\",\"finalizers\":[\"orphan\",\"foregroundDeletion\",\"x/-\"]}", NULL,
                false, NULL,
                "[metadata.finalizers: Invalid value: \"x/-\": name part " QNAME_RE
                ", metadata.finalizers: Invalid value: [\"orphan\",\"foregroundDeletion\","
                "\"x/-\"]: finalizer orphan and foregroundDeletion cannot be both set]");
    /* owner references */
    expect_meta("{\"name\":\"t\",\"ownerReferences\":[{\"apiVersion\":\"customresourceVersion\","
                "\"kind\":\"k\",\"name\":\"n\",\"uid\":\"1\"}]}",
                NULL, false, NULL, "");
    expect_meta("{\"name\":\"t\",\"ownerReferences\":[{\"apiVersion\":\"v1\",\"kind\":\"Event\","
                "\"name\":\"n\",\"uid\":\"1\"}]}",
                NULL, false, NULL,
                "metadata.ownerReferences: Invalid value: {\"apiVersion\":\"v1\",\"kind\":"
                "\"Event\",\"name\":\"n\",\"uid\":\"1\"}: /v1, Kind=Event is disallowed from "
                "being an owner");
    got = meta_errs("{\"name\":\"t\",\"ownerReferences\":[{\"apiVersion\":\"/v1\",\"kind\":"
                    "\"Event\",\"name\":\"n\",\"uid\":\"1\"}]}",
                    NULL, false, NULL);
    CHECK(strstr(got, "disallowed from being an owner") != NULL);
    free(got);
    got = meta_errs("{\"name\":\"t\",\"ownerReferences\":[{\"apiVersion\":\"events.k8s.io/v1\","
                    "\"kind\":\"Event\",\"name\":\"n\",\"uid\":\"1\"}]}",
                    NULL, false, NULL);
    CHECK_STR(got, "");
    free(got);
    expect_meta("{\"name\":\"t\",\"ownerReferences\":[{\"apiVersion\":\"apps/\"}]}", NULL, false,
                NULL,
                "[metadata.ownerReferences.apiVersion: Invalid value: \"apps/\": version must "
                "not be empty, metadata.ownerReferences.kind: Invalid value: \"\": must not be "
                "empty, metadata.ownerReferences.name: Invalid value: \"\": must not be empty, "
                "metadata.ownerReferences.uid: Invalid value: \"\": must not be empty]");
    const char *two = "{\"name\":\"t\",\"ownerReferences\":["
                      "{\"apiVersion\":\"v\",\"kind\":\"K1\",\"name\":\"n\",\"uid\":\"1\","
                      "\"controller\":false},"
                      "{\"apiVersion\":\"v\",\"kind\":\"K2\",\"name\":\"n\",\"uid\":\"2\","
                      "\"controller\":true},"
                      "{\"apiVersion\":\"v\",\"kind\":\"K3\",\"name\":\"n\",\"uid\":\"3\","
                      "\"controller\":true}]}";
    got = meta_errs(two, NULL, false, NULL);
    CHECK(strstr(got, "Only one reference can have Controller set to true. Found \"true\" in "
                      "references for K2/n and K3/n") != NULL);
    free(got);

    /* core's finalizer rule */
    json_t *meta =
        json_pack("{s:[s,s,s,s]}", "finalizers", "kubernetes", "example.com/x", "custom", "orphan");
    ck_field_errors *fe = ck_ferrs_new();
    ck_validate_kube_finalizers(meta, fe);
    expect_agg(fe, "metadata.finalizers[2]: Invalid value: \"custom\": name is neither a standard "
                   "finalizer name nor is it fully qualified");
    ck_ferrs_free(fe);
    json_decref(meta);
}

static void test_annotations_size(void)
{
    char *big = rep('b', CK_TOTAL_ANNOTATION_SIZE), *half = rep('d', CK_TOTAL_ANNOTATION_SIZE / 2);
    json_t *ok = json_pack("{s:s#}", "a", big, (size_t)CK_TOTAL_ANNOTATION_SIZE - 1);
    json_t *ok2 = json_pack("{s:s#,s:s#}", "a", half, (size_t)CK_TOTAL_ANNOTATION_SIZE / 2 - 1, "c",
                            half, (size_t)CK_TOTAL_ANNOTATION_SIZE / 2 - 1);
    json_t *bad = json_pack("{s:s}", "a", big);
    json_t *bad2 = json_pack("{s:s,s:s}", "a", half, "c", half);
    ck_field_errors *fe = ck_ferrs_new();
    ck_validate_annotations(ok, "metadata.annotations", fe);
    ck_validate_annotations(ok2, "metadata.annotations", fe);
    CHECK(ck_ferrs_empty(fe));
    ck_validate_annotations(bad, "metadata.annotations", fe);
    ck_validate_annotations(bad2, "metadata.annotations", fe);
    CHECK_INT(ck_ferrs_count(fe), 2);
    CHECK_STR(ck_ferrs_text(fe, 0),
              "metadata.annotations: Too long: may not be more than 262144 bytes");
    ck_ferrs_free(fe);
    json_decref(ok), json_decref(ok2), json_decref(bad), json_decref(bad2);
    free(big), free(half);
}

static void test_object_meta_update(void)
{
    const char *base = "{\"name\":\"test\",\"resourceVersion\":\"1\"}";
    expect_meta(base, base, false, NULL, "");
    expect_meta("{\"name\":\"test\"}", base, false, NULL,
                "metadata.resourceVersion: Invalid value: \"\": must be specified for an update");
    expect_meta("{\"name\":\"other\",\"namespace\":\"b\",\"uid\":\"u2\",\"resourceVersion\":\"1\"}",
                "{\"name\":\"test\",\"namespace\":\"a\",\"uid\":\"u1\",\"resourceVersion\":\"1\"}",
                false, NULL,
                "[metadata.name: Invalid value: \"other\": field is immutable, metadata.namespace: "
                "Invalid value: \"b\": field is immutable, metadata.uid: Invalid value: \"u2\": "
                "field is immutable]");
    expect_meta("{\"name\":\"test\",\"resourceVersion\":\"1\"}",
                "{\"name\":\"test\",\"resourceVersion\":\"1\",\"creationTimestamp\":"
                "\"1970-01-01T00:00:10Z\"}",
                false, NULL, "metadata.creationTimestamp: Invalid value: null: field is immutable");
    expect_meta("{\"name\":\"test\",\"resourceVersion\":\"1\",\"creationTimestamp\":null}",
                "{\"name\":\"test\",\"resourceVersion\":\"1\"}", false, NULL, "");
    expect_meta("{\"name\":\"test\",\"resourceVersion\":\"1\",\"deletionTimestamp\":"
                "\"1970-01-01T00:16:40Z\"}",
                base, false, NULL,
                "metadata.deletionTimestamp: Invalid value: \"1970-01-01T00:16:40Z\": field is "
                "immutable");
    expect_meta("{\"name\":\"test\",\"resourceVersion\":\"1\",\"deletionGracePeriodSeconds\":40}",
                "{\"name\":\"test\",\"resourceVersion\":\"1\",\"deletionGracePeriodSeconds\":30}",
                false, NULL,
                "metadata.deletionGracePeriodSeconds: Invalid value: 40: field is immutable");
    expect_meta("{\"name\":\"test\",\"resourceVersion\":\"1\"}",
                "{\"name\":\"test\",\"resourceVersion\":\"1\",\"deletionGracePeriodSeconds\":30}",
                false, NULL,
                "metadata.deletionGracePeriodSeconds: Invalid value: null: field is immutable");
    expect_meta("{\"name\":\"test\",\"resourceVersion\":\"1\",\"generation\":4}",
                "{\"name\":\"test\",\"resourceVersion\":\"1\",\"generation\":5}", false, NULL,
                "metadata.generation: Invalid value: 4: must not be decremented");
    expect_meta("{\"name\":\"test\",\"resourceVersion\":\"1\",\"generation\":6}",
                "{\"name\":\"test\",\"resourceVersion\":\"1\",\"generation\":5}", false, NULL, "");
    const char *deleting = "{\"name\":\"test\",\"resourceVersion\":\"1\",\"deletionTimestamp\":"
                           "\"1970-01-01T00:00:00Z\",\"finalizers\":[\"x/a\"]}";
    expect_meta("{\"name\":\"test\",\"resourceVersion\":\"1\",\"deletionTimestamp\":"
                "\"1970-01-01T00:00:00Z\",\"finalizers\":[\"z/c\",\"x/a\",\"y/b\",\"y/b\"]}",
                deleting, false, NULL,
                "metadata.finalizers: Forbidden: no new finalizers can be added if the object is "
                "being deleted, found new finalizers []string{\"y/b\", \"z/c\"}");
    expect_meta("{\"name\":\"test\",\"resourceVersion\":\"1\",\"deletionTimestamp\":"
                "\"1970-01-01T00:00:00Z\",\"finalizers\":[]}",
                deleting, false, NULL, "");
    expect_meta("{\"name\":\"test\",\"resourceVersion\":\"1\",\"finalizers\":[\"x/a\",\"y/b\"]}",
                base, false, NULL, "");
    expect_meta("{\"name\":\"test\",\"resourceVersion\":\"1\",\"labels\":{\"a\":\"-\"}}", base,
                false, NULL,
                "metadata.labels: Invalid value: \"-\": a valid label must be an empty string or "
                "consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
                "an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex "
                "used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
}

static void test_label_selector(void)
{
    json_t *sel =
        json_loads("{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":["
                   "{\"key\":\"a\",\"operator\":\"In\"},"
                   "{\"key\":\"b\",\"operator\":\"Exists\",\"values\":[\"x\"]},"
                   "{\"key\":\"-c\",\"operator\":\"Near\",\"values\":[\"ok\",\"-bad\"]}]}",
                   0, NULL);
    ck_field_errors *fe = ck_ferrs_new();
    ck_validate_label_selector(sel, "spec.selector", fe);
    ck_validate_label_selector(NULL, "spec.selector", fe);
    static const char *const want[] = {
        "spec.selector.matchExpressions[0].values: Required value: must be specified when "
        "`operator` is 'In' or 'NotIn'",
        "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when "
        "`operator` is 'Exists' or 'DoesNotExist'",
        "spec.selector.matchExpressions[2].operator: Invalid value: \"Near\": not a valid "
        "selector operator",
        "spec.selector.matchExpressions[2].key: Invalid value: \"-c\": name part " QNAME_RE,
    };
    CHECK_INT(ck_ferrs_count(fe), 5);
    for (unsigned i = 0; i < ARRAY_SIZE(want); i++)
        CHECK_STR(ck_ferrs_text(fe, i), want[i]);
    CHECK(strncmp(ck_ferrs_text(fe, 4),
                  "spec.selector.matchExpressions[2].values[1]: Invalid value: \"-bad\": a valid "
                  "label",
                  80) == 0);
    ck_ferrs_free(fe);
    json_decref(sel);
}

int main(void)
{
    test_bodies();
    test_values();
    test_to_err();
    test_validators();
    test_object_meta();
    test_annotations_size();
    test_object_meta_update();
    test_label_selector();
    return UT_DONE();
}
